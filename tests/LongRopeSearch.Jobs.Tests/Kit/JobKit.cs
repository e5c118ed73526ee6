using LongRopeSearch.Search;
using LongRopeSearch.TestSupport;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Jobs.Tests.Kit;

/// <summary>
/// The tiny job every test runs: the random 2-layer GQA fixture (trained context 64, byte tokens), two long targets
/// (128, 256) and the short stage (64), each a population of 12 then 3 generations of 8 children (4 generations in
/// all; "generations" counts those after the initial population), 2 search samples: 108 evaluations, about 2 s.
/// Two targets plus a short stage make every kind of stage transition happen.
/// </summary>
internal static class JobKit
{
    /// <summary>Every job of these tests has this id, so best/*.json and validation.json (which name it) compare byte for byte.</summary>
    public const string JobId = "ref-job";

    public const string SpaceJson =
        """{ "targets": ["2x", "4x"], "short": { "length": "1x" }, "population": 12, "generations": 3, "parents": 6, "mutations": 4, "crossovers": 4, "samples": 2, "seed": 3 }""";

    public static string Model => RepoPaths.Combine("tests", "fixtures", "models", "gqa");

    public static string OtherModel => RepoPaths.Combine("tests", "fixtures", "models", "head-dim-override");

    public static string SearchData => RepoPaths.SearchData;

    public static string ValidationData => RepoPaths.ValidationData;

    /// <summary>Writes the space file into <paramref name="dir"/> and returns a spec whose output is &lt;dir&gt;/ref-job.</summary>
    public static JobSpec NewJob(TempDir dir, string? spaceJson = null) => NewJob(dir.PathName, spaceJson);

    public static JobSpec NewJob(string dir, string? spaceJson = null)
    {
        var space = Path.Combine(dir, "space.json");
        File.WriteAllText(space, spaceJson ?? SpaceJson);
        return new JobSpec
        {
            Id = JobId,
            Model = Model,
            Data = SearchData,
            Validation = ValidationData,
            Space = space,
            Targets = [],
            Output = Path.Combine(dir, JobId),
        };
    }

    /// <summary>Runs a job once in-process; <paramref name="onProgress"/> runs after every checkpoint, <paramref name="onLog"/> on every log line.</summary>
    public static JobOutcome RunOnce(JobSpec spec, CancellationTokenSource cts, Action<SearchProgress>? onProgress = null, Action<string>? onLog = null)
    {
        var runner = new JobRunner(spec, new CallbackLogger(onLog ?? (_ => { })), onProgress is null ? null : new SyncProgress<SearchProgress>(onProgress));
        return runner.Run(cts.Token);
    }

    /// <summary>A job stopped (Ctrl-C style) right after its <paramref name="evaluations"/>-th evaluation.</summary>
    public static JobSpec StoppedJob(TempDir dir, long evaluations, string? spaceJson = null)
    {
        var spec = NewJob(dir, spaceJson);
        using var cts = new CancellationTokenSource();
        var outcome = RunOnce(spec, cts, p => { if (p.EvaluationsDone == evaluations) cts.Cancel(); });
        if (outcome != JobOutcome.Cancelled) throw new InvalidOperationException("the job did not stop at evaluation " + evaluations);
        return spec;
    }

    /// <summary>Copies a directory tree (a job directory moved or copied elsewhere).</summary>
    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from)) CopyDirectory(d, Path.Combine(to, Path.GetFileName(d)));
    }

    public static List<string> TempFiles(string jobDir) =>
        Directory.Exists(jobDir)
            ? Directory.EnumerateFiles(jobDir, "*.tmp", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(jobDir, f)).Order(StringComparer.Ordinal).ToList()
            : [];
}

/// <summary>IProgress that reports on the calling thread, in order (System.Progress posts to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}

/// <summary>A logger that hands every formatted line to a callback (tests cut a run at a chosen log line).</summary>
internal sealed class CallbackLogger(Action<string> onLine) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        onLine(formatter(state, exception));
}
