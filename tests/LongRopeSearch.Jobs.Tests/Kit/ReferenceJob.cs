using System.Diagnostics;
using System.Globalization;
using LongRopeSearch.Store.History;

namespace LongRopeSearch.Jobs.Tests.Kit;

/// <summary>
/// The job run once, uninterrupted, in-process: what every interrupted, killed or worker-run copy must reproduce
/// exactly. Computed on first use and shared by the test classes, in &lt;temp&gt;/lrs-jobs-reference/&lt;pid&gt;: removed
/// when the process exits if the test host gives it the time, and otherwise by the next run (directories of
/// processes that no longer exist).
/// </summary>
internal sealed class ReferenceJob
{
    private static readonly Lazy<ReferenceJob> Instance = new(Run);

    private ReferenceJob(JobSpec spec)
    {
        Spec = spec;
        Snapshot = JobSnapshot.Take(spec.Output);
        Rows = HistoryLog.ReadAll(new JobDirectory(spec.Output).History);
        State = JobState.Load(new JobDirectory(spec.Output).State);
    }

    public static ReferenceJob Value => Instance.Value;

    public JobSpec Spec { get; }

    public string Output => Spec.Output;

    public JobSnapshot Snapshot { get; }

    /// <summary>[evaluations] history rows in evaluation order.</summary>
    public IReadOnlyList<HistoryRow> Rows { get; }

    public JobState State { get; }

    public int Total => Rows.Count;

    /// <summary>Evaluation counts after which a generation (of any stage) is complete.</summary>
    public IReadOnlyList<int> GenerationEnds =>
        Enumerable.Range(0, Rows.Count).Where(i => i == Rows.Count - 1 || Key(Rows[i]) != Key(Rows[i + 1])).Select(i => i + 1).ToList();

    /// <summary>Evaluation counts after which a stage is complete.</summary>
    public IReadOnlyList<int> StageEnds =>
        Enumerable.Range(0, Rows.Count).Where(i => i == Rows.Count - 1 || Rows[i].TargetLength != Rows[i + 1].TargetLength || Rows[i].Stage != Rows[i + 1].Stage).Select(i => i + 1).ToList();

    private static (string, int, int) Key(HistoryRow r) => (r.Stage, r.TargetLength, r.Generation);

    private static ReferenceJob Run()
    {
        var root = Path.Combine(Path.GetTempPath(), "lrs-jobs-reference");
        RemoveLeftovers(root);
        var dir = Path.Combine(root, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(dir);
        var spec = JobKit.NewJob(dir);
        using var cts = new CancellationTokenSource();
        if (JobKit.RunOnce(spec, cts) != JobOutcome.Finished) throw new InvalidOperationException("the reference job did not finish");
        return new ReferenceJob(spec);
    }

    private static void RemoveLeftovers(string root)
    {
        if (!Directory.Exists(root)) return;
        foreach (var dir in Directory.GetDirectories(root))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || IsRunning(pid)) continue;
            TryDelete(dir);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
