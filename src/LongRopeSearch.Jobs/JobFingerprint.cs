using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Jobs;

/// <summary>
/// Identity of what a checkpoint was computed from. Resuming with any part changed would silently mix results
/// from two different experiments, so a mismatch is refused with the part named.
/// Model: SHA-256 of config.json and of each safetensors file's length and header (not the multi-GB data: a
/// retrained checkpoint changes its header offsets or length only rarely, so the data's first and last 64 KiB are
/// hashed too). Data: names and lengths of the documents. Space: the search-space file's bytes and the plan.
/// </summary>
public sealed class JobFingerprint
{
    public string CodeVersion { get; set; } = "";
    public string Model { get; set; } = "";
    public string SearchData { get; set; } = "";
    public string ValidationData { get; set; } = "";
    public string Space { get; set; } = "";

    /// <summary>Bumped whenever a change in the code would change numbers or candidates for the same inputs.</summary>
    public const string NumericsVersion = "2";

    public static string CurrentCodeVersion()
    {
        var v = typeof(JobFingerprint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        var plus = v.IndexOf('+', StringComparison.Ordinal);
        return (plus >= 0 ? v[..plus] : v) + "/numerics-" + NumericsVersion;
    }

    public static JobFingerprint Compute(JobSpec spec, string planText) => new()
    {
        CodeVersion = CurrentCodeVersion(),
        Model = HashModel(spec.Model),
        SearchData = HashDocuments(spec.Data),
        ValidationData = HashDocuments(spec.Validation),
        Space = Hex(SHA256.HashData(Combine(File.ReadAllBytes(spec.Space), Encoding.UTF8.GetBytes(planText)))),
    };

    /// <summary>Throws naming the first part that differs.</summary>
    public void EnsureMatches(JobFingerprint current, string statePath)
    {
        void Check(string field, string saved, string now, string what)
        {
            if (saved != now)
                throw new InputException(statePath, "fingerprint." + field, $"a checkpoint of the same {what} (refusing to mix results; start a new output directory or restore the original {what})", "a different one");
        }
        Check("code_version", CodeVersion, current.CodeVersion, $"code version ({current.CodeVersion}; the checkpoint was written by {CodeVersion})");
        Check("model", Model, current.Model, "model");
        Check("search_data", SearchData, current.SearchData, "search data");
        Check("validation_data", ValidationData, current.ValidationData, "validation data");
        Check("space", Space, current.Space, "search space and plan");
    }

    private static string HashModel(string dir)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(File.ReadAllBytes(Path.Combine(dir, "config.json")));
        foreach (var f in Directory.GetFiles(dir).Where(f => f.EndsWith(".safetensors", StringComparison.Ordinal) || f.EndsWith(".index.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var fs = File.OpenRead(f);
            h.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(f) + ":" + fs.Length));
            var buf = new byte[(int)Math.Min(fs.Length, 1 << 16)];
            fs.ReadExactly(buf);
            h.AppendData(buf);
            if (fs.Length > buf.Length)
            {
                fs.Seek(-buf.Length, SeekOrigin.End);
                fs.ReadExactly(buf);
                h.AppendData(buf);
            }
        }
        return Hex(h.GetHashAndReset());
    }

    /// <summary>Names and full contents of the documents: an edit that keeps a file's length must still count.</summary>
    private static string HashDocuments(string path)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = File.Exists(path) ? [path] : Directory.Exists(path) ? Directory.GetFiles(path).Order(StringComparer.Ordinal).ToArray() : [];
        foreach (var f in files)
        {
            h.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(f) + ":"));
            using var fs = File.OpenRead(f);
            h.AppendData(SHA256.HashData(fs));
        }
        return Hex(h.GetHashAndReset());
    }

    private static byte[] Combine(byte[] a, byte[] b) => [.. a, .. b];

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);
}
