using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Workers;
using LongRopeSearch.Jobs;
using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// The set-up the whole-tool cluster tests share: a small search of the gqa fixture model on the repository's data,
/// run once in this process (the reference) and once through `longrope search --cluster` on `longrope worker`
/// processes (one engine thread each), whose results must equal the reference's. Dispose stops every process it
/// started and deletes the directories.
/// </summary>
internal sealed class ClusterSearchRun : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly List<LongropeProcess> _workers = [];

    /// <param name="validationSamples">Validation samples per length (null: the default, twice the search samples).</param>
    public ClusterSearchRun(string jobId, string spaceJson, int? validationSamples = null)
    {
        JobId = jobId;
        ValidationSamples = validationSamples;
        SpacePath = Path.Combine(_tmp.PathName, "space.json");
        File.WriteAllText(SpacePath, spaceJson);
    }

    public static string Model => RepoPaths.Combine("tests", "fixtures", "models", "gqa");

    public string JobId { get; }
    public int? ValidationSamples { get; }
    public string SpacePath { get; }
    public string TempPath => _tmp.PathName;

    /// <summary>The in-process run's spec (its output directory is "local").</summary>
    public JobSpec Reference => Spec("local");

    /// <summary>The cluster run's spec (its output directory, "shared", holds the job's checkpoint).</summary>
    public JobSpec Shared => Spec("shared");

    public IReadOnlyList<LongropeProcess> Workers => _workers;
    public LongropeProcess? Search { get; private set; }

    private JobSpec Spec(string dir) => new()
    {
        Id = JobId, Model = Model, Data = RepoPaths.SearchData, Validation = RepoPaths.ValidationData, Space = SpacePath,
        Targets = [], Output = Path.Combine(_tmp.PathName, dir, JobId), Threads = 1, ValidationSamples = ValidationSamples,
    };

    /// <summary>Runs the reference to the end in this process.</summary>
    public void RunReference() => Assert.Equal(JobOutcome.Finished, new JobRunner(Reference, NullLogger.Instance).Run(CancellationToken.None));

    /// <summary>Starts <paramref name="count"/> workers and waits until every one has announced itself.</summary>
    public async Task StartWorkersAsync(ClusterDatabase db, string cs, int count, TimeSpan timeout)
    {
        for (int i = 0; i < count; i++)
            _workers.Add(LongropeProcess.Start("worker", "--cluster", cs, "--model", Model, "--threads", "1", "--coordinators", "1", "--invisibility-timeout", "3"));
        var registry = new WorkerRegistry(db);
        await ClusterEndToEndTests.WaitUntil(async () => (await registry.ListAsync(TimeSpan.FromMinutes(1), default)).Count(w => w.Alive) == count,
            timeout, $"{count} workers announced", Logs);
    }

    /// <summary>Starts `longrope search --cluster` on the shared spec (it submits the job and follows it).</summary>
    public LongropeProcess StartSearch(string cs) =>
        Search = LongropeProcess.Start([
            "search", "--cluster", cs, "--model", Model, "--data", RepoPaths.SearchData, "--validation", RepoPaths.ValidationData,
            "--space", SpacePath, "--out", Shared.Output, "--threads", "1",
            .. ValidationSamples is { } v ? ["--validation-samples", v.ToString(System.Globalization.CultureInfo.InvariantCulture)] : Array.Empty<string>()]);

    /// <summary>Waits for the search to end with exit 0.</summary>
    public void WaitForSearch(TimeSpan timeout)
    {
        Assert.True(Search!.WaitForExit(timeout), "search --cluster did not finish:\n" + Logs());
        Assert.True(Search.ExitCode == 0, $"search --cluster exit {Search.ExitCode}:\n{Logs()}");
    }

    /// <summary>Every process's output so far, for failure messages.</summary>
    public string Logs() =>
        string.Join("\n", _workers.Select(w => $"--- worker {w.Pid}\n{w.Stderr}")) + $"\n--- search\n{Search?.Stdout}{Search?.Stderr}";

    /// <summary>
    /// The cluster run's results are the reference's: every best/*.json and validation.json byte for byte, and the
    /// history by its deterministic columns, row for row. Returns the reference's history.
    /// </summary>
    /// <summary>
    /// Each completed stage's counters in <paramref name="spec"/>'s checkpoint, wall time zeroed: what the evaluations
    /// cost (tokens, FLOPs, stops), which a worker's scores must give exactly as the in-process run's.
    /// </summary>
    public static List<Search.SearchCounters> StageCounters(JobSpec spec) =>
        JobState.Load(new JobDirectory(spec.Output).State).Search.Completed.Select(s => s.Counters with { EvaluationSeconds = 0 }).ToList();

    public IReadOnlyList<HistoryRow> AssertSameResultAsReference()
    {
        var refDir = Reference.Output;
        var files = Directory.GetFiles(Path.Combine(refDir, "best")).Select(f => Path.Combine("best", Path.GetFileName(f))).Append("validation.json").Order().ToList();
        Assert.True(files.Count >= 2, string.Join(", ", files));
        foreach (var f in files)
            Assert.True(File.ReadAllBytes(Path.Combine(refDir, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(Shared.Output, f))), $"{f} differs");
        var expected = HistoryLog.ReadAll(Path.Combine(refDir, "history.parquet"));
        var actual = HistoryLog.ReadAll(Path.Combine(Shared.Output, "history.parquet"));
        Assert.Equal(expected.Select(r => r.DeterministicText()), actual.Select(r => r.DeterministicText()));
        return expected;
    }

    public void Dispose()
    {
        Search?.Dispose();
        foreach (var w in _workers) w.Dispose();
        _tmp.Dispose();
    }
}
