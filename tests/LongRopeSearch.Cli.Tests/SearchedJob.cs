using System.Globalization;
using LongRopeSearch.Store;
using LongRopeSearch.TestSupport;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Cli.Tests;

/// <summary>
/// A job made by `longrope search` itself, run once per test process and shared: the GQA fixture model (L0 = 64),
/// target 4x (256), short factors at 2x (128) as the shipped spaces do, LongRoPE's n̂ choices (so the best overall
/// may have n̂ &gt; 0 and the export must take the deployable set), 12 + 3 × 8 candidates per stage, 2 search samples.
/// Its numbers are what the search reported; the tests check that the exports reproduce them.
/// </summary>
internal sealed class SearchedJob
{
    public const int L0 = 64;
    public const int Target = 256;
    public const int ShortLength = 128;
    public const int SearchSamples = 2;
    public const int ValidationSamples = 4;

    public const string SpaceJson =
        """{ "targets": ["4x"], "short": { "length": "2x" }, "population": 12, "generations": 3, "parents": 6, "mutations": 4, "crossovers": 4, "samples": 2, "seed": 5, "n_hat_choices": [0, 2, 4, 8, 16] }""";

    private static readonly Lazy<SearchedJob> Instance = new(Run);

    private SearchedJob(string root) => Dir = new Jobs.JobDirectory(root);

    public static SearchedJob Value => Instance.Value;

    public Jobs.JobDirectory Dir { get; }

    public static string Model => TestJob.Model;

    /// <summary>A directory under the shared job's temporary root for one test's outputs.</summary>
    public string Scratch(string name)
    {
        var path = Path.Combine(Path.GetDirectoryName(Dir.Root)!, "scratch-" + Guid.NewGuid().ToString("N")[..8], name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    /// <summary>The best file of a stage, or its deployable twin.</summary>
    public string Best(FactorKind kind, bool deployable = false) => Dir.BestFile(kind, kind == FactorKind.Long ? Target : ShortLength, deployable);

    private static SearchedJob Run()
    {
        var root = Path.Combine(Path.GetTempPath(), "lrs-cli-searched", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        Directory.CreateDirectory(root);
        var space = Path.Combine(root, "space.json");
        File.WriteAllText(space, SpaceJson);
        var output = Path.Combine(root, "job");
        var (exit, _, stderr) = TestJob.Cli("search", "--model", Model, "--data", RepoPaths.SearchData, "--validation", RepoPaths.ValidationData,
            "--space", space, "--out", output, "--threads", "2");
        if (exit != 0) throw new InvalidOperationException("the shared search failed: " + stderr);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        };
        return new SearchedJob(output);
    }
}
