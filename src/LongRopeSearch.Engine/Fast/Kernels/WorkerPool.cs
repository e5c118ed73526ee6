using System.Runtime.ExceptionServices;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>
/// One parallel step: <see cref="Execute"/> is called once for every task index in [0, count), each on some worker.
/// Implementations make every output element the business of exactly one task, so results never depend on which
/// worker ran what or when.
/// </summary>
public abstract class ParallelJob
{
    /// <param name="task">Task index in [0, count).</param>
    /// <param name="worker">Index of the calling worker in [0, pool.Threads): selects per-thread scratch buffers.</param>
    public abstract void Execute(int task, int worker);
}

/// <summary>
/// Persistent worker threads fed through an atomic task counter (dynamic split: a fast worker simply takes more tasks).
/// The calling thread is worker 0 and works too. Jobs are reusable objects, so a step allocates nothing.
/// One job runs at a time; Run is not re-entrant.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private ParallelJob? _job;
    private int _count;
    private int _next;
    private int _pending;
    private long _generation;
    private bool _disposed;
    private Exception? _failure;

    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread");
        Threads = threads;
        _threads = new Thread[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"lrs-kernel-{worker}" };
            _threads[i].Start();
        }
    }

    public int Threads { get; }

    /// <summary>Runs <paramref name="job"/> for tasks [0, count) on all workers and returns when every task is done.</summary>
    public void Run(ParallelJob job, int count)
    {
        ArgumentNullException.ThrowIfNull(job);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count <= 0) return;
        if (_threads.Length == 0 || count == 1)
        {
            for (int t = 0; t < count; t++) job.Execute(t, 0);
            return;
        }
        lock (_gate)
        {
            _job = job;
            _count = count;
            _next = 0;
            _failure = null;
            _pending = _threads.Length;
            _generation++;
            Monitor.PulseAll(_gate);
        }
        Drain(job, count, 0);
        // Spin briefly (the other workers are usually about to finish), then sleep.
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0 && !spin.NextSpinWillYield) spin.SpinOnce();
        lock (_gate)
        {
            while (_pending != 0) Monitor.Wait(_gate);
            _job = null;
        }
        if (_failure is not null) ExceptionDispatchInfo.Capture(_failure).Throw();
    }

    private void Drain(ParallelJob job, int count, int worker)
    {
        try
        {
            for (int t = Interlocked.Increment(ref _next) - 1; t < count; t = Interlocked.Increment(ref _next) - 1)
                job.Execute(t, worker);
        }
        catch (Exception e)
        {
            // Stop handing out tasks; the first failure is rethrown on the calling thread.
            Interlocked.Exchange(ref _next, int.MaxValue / 2);
            Interlocked.CompareExchange(ref _failure, e, null);
        }
    }

    private void WorkerLoop(int worker)
    {
        long seen = 0;
        while (true)
        {
            ParallelJob job;
            int count;
            // Spin a little before blocking: steps come in quick succession during a forward pass.
            var spin = new SpinWait();
            while (Volatile.Read(ref _generation) == seen && !Volatile.Read(ref _disposed) && !spin.NextSpinWillYield) spin.SpinOnce();
            lock (_gate)
            {
                while (_generation == seen && !_disposed) Monitor.Wait(_gate);
                if (_disposed) return;
                seen = _generation;
                job = _job!;
                count = _count;
            }
            Drain(job, count, worker);
            if (Interlocked.Decrement(ref _pending) == 0)
                lock (_gate) Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
        foreach (var t in _threads) t.Join();
    }
}
