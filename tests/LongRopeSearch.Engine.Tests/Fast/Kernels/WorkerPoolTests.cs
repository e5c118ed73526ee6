using Xunit;
using LongRopeSearch.Engine.Fast.Kernels;

namespace LongRopeSearch.Engine.Tests;

public sealed class KernelWorkerPoolTests
{
    private sealed class CountingJob(int count) : ParallelJob
    {
        public int[] Hits { get; } = new int[count];
        public int MaxWorker;

        public override void Execute(int task, int worker)
        {
            Interlocked.Increment(ref Hits[task]);
            int seen;
            while ((seen = Volatile.Read(ref MaxWorker)) < worker && Interlocked.CompareExchange(ref MaxWorker, worker, seen) != seen) { }
        }
    }

    private sealed class FailingJob : ParallelJob
    {
        public override void Execute(int task, int worker)
        {
            if (task == 5) throw new InvalidOperationException("task 5 failed");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Runs_every_task_exactly_once_repeatedly(int threads)
    {
        using var pool = new WorkerPool(threads);
        for (int round = 0; round < 50; round++)
        {
            var job = new CountingJob(37);
            pool.Run(job, 37);
            Assert.All(job.Hits, h => Assert.Equal(1, h));
            Assert.InRange(job.MaxWorker, 0, threads - 1);
        }
    }

    [Fact]
    public void A_failing_task_surfaces_on_the_caller_and_the_pool_survives()
    {
        using var pool = new WorkerPool(2);
        var e = Assert.Throws<InvalidOperationException>(() => pool.Run(new FailingJob(), 20));
        Assert.Contains("task 5", e.Message);
        var job = new CountingJob(10);
        pool.Run(job, 10);
        Assert.All(job.Hits, h => Assert.Equal(1, h));
    }
}
