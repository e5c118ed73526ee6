namespace LongRopeSearch.TestSupport;

/// <summary>Locates files shipped in the repository (checkpoints, datasets, fixtures) from a test's working directory.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    /// <summary>The directory holding LongRopeSearch.sln.</summary>
    public static string Root => RootLazy.Value;

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string TinyModel => Combine("models", "tiny-brown");
    public static string SearchData => Combine("datasets", "search");
    public static string ValidationData => Combine("datasets", "validation");
    public static string Fixtures => Combine("tests", "fixtures");

    private static string FindRoot()
    {
        var baked = typeof(RepoPaths).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (baked is not null && File.Exists(Path.Combine(baked, "LongRopeSearch.sln"))) return Path.GetFullPath(baked);
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LongRopeSearch.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("LongRopeSearch.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fresh temporary directory deleted on Dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(PathName = Path.Combine(Path.GetTempPath(), "lrs-test-" + Guid.NewGuid().ToString("N")));

    public string PathName { get; }

    public string File(string name) => Path.Combine(PathName, name);

    public void Dispose()
    {
        try { Directory.Delete(PathName, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
