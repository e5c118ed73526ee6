using System.Buffers.Binary;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using LongRopeSearch.Core;
using LongRopeSearch.Model;

namespace LongRopeSearch.Jobs;

/// <summary>
/// Identity of what a checkpoint was computed from, by content, never by path (a job directory may move). Resuming
/// with any part changed would silently mix results from two experiments, so a mismatch is refused with the part named.
/// <list type="bullet">
/// <item>Model: every top-level file of the model folder but dotfiles, by name and length: config.json, tokenizer
/// files, the index and other small files in full; each *.safetensors file's whole header (tensor names, dtypes,
/// shapes, offsets) and the first and last 64 KiB of its data; any other file over 16 MiB by its first and last
/// 64 KiB. Hashing many GB of weights at every start would take minutes.</item>
/// <item>Search and validation data: the relative path and full contents of every document file, in document order
/// (<see cref="DocumentFiles.List"/>: recursive, so nested Parquet/JSON Lines shards count; a flat directory hashes
/// as before).</item>
/// <item>Space: the search-space file's bytes and the plan (targets, short length, seed) resolved from the spec.</item>
/// <item>Code version: the assembly version and <see cref="NumericsVersion"/>.</item>
/// </list>
/// </summary>
public sealed class JobFingerprint
{
    /// <summary>
    /// How the parts are hashed. 2: the model part covers every file of the folder and each safetensors header in
    /// full. Absent in checkpoints written before (1: config.json, index and the first and last 64 KiB of each
    /// safetensors file).
    /// </summary>
    public const int CurrentScheme = 2;

    public int Scheme { get; set; } = 1;
    public string CodeVersion { get; set; } = "";
    public string Model { get; set; } = "";
    public string SearchData { get; set; } = "";
    public string ValidationData { get; set; } = "";
    public string Space { get; set; } = "";

    /// <summary>Bumped whenever a change in the code would change numbers or candidates for the same inputs.</summary>
    public const string NumericsVersion = "2";

    private const int EdgeBytes = 1 << 16;
    private const long LargeFile = 16L << 20;

    public static string CurrentCodeVersion()
    {
        var v = typeof(JobFingerprint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        var plus = v.IndexOf('+', StringComparison.Ordinal);
        return (plus >= 0 ? v[..plus] : v) + "/numerics-" + NumericsVersion;
    }

    public static JobFingerprint Compute(JobSpec spec, string planText)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new()
        {
            Scheme = CurrentScheme,
            CodeVersion = CurrentCodeVersion(),
            Model = OfModel(spec.Model),
            SearchData = OfDocuments(spec.Data),
            ValidationData = OfDocuments(spec.Validation),
            Space = Hex(SHA256.HashData([.. File.ReadAllBytes(spec.Space), .. Encoding.UTF8.GetBytes(planText)])),
        };
    }

    /// <summary>Throws naming the first part that differs.</summary>
    public void EnsureMatches(JobFingerprint current, string statePath)
    {
        ArgumentNullException.ThrowIfNull(current);
        void Check(string field, string saved, string now, string what)
        {
            if (saved != now)
                throw new InputException(statePath, "fingerprint." + field, $"a checkpoint of the same {what} (refusing to mix results; start a new output directory or restore the original {what})", "a different one");
        }
        Check("code_version", CodeVersion, current.CodeVersion, $"code version ({current.CodeVersion}; the checkpoint was written by {CodeVersion})");
        if (Scheme != current.Scheme)
            throw new InputException(statePath, "fingerprint.scheme",
                string.Create(CultureInfo.InvariantCulture, $"a checkpoint fingerprinted the way this version does (scheme {current.Scheme}); finish the job with the version that started it, or start a new output directory"),
                string.Create(CultureInfo.InvariantCulture, $"scheme {Scheme}"));
        Check("model", Model, current.Model, "model");
        Check("search_data", SearchData, current.SearchData, "search data");
        Check("validation_data", ValidationData, current.ValidationData, "validation data");
        Check("space", Space, current.Space, "search space and plan");
    }

    /// <summary>The model part: see the class summary.</summary>
    public static string OfModel(string dir)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in Directory.GetFiles(dir).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            using var fs = File.OpenRead(f);
            h.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(f)}:{fs.Length}:")));
            if (f.EndsWith(".safetensors", StringComparison.Ordinal)) AppendSafetensors(h, fs);
            else if (fs.Length > LargeFile) AppendEdges(h, fs, 0);
            else AppendRange(h, fs, 0, fs.Length);
        }
        return Hex(h.GetHashAndReset());
    }

    /// <summary>Names and full contents of the documents: an edit that keeps a file's length must still count.</summary>
    public static string OfDocuments(string path)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = File.Exists(path) || Directory.Exists(path) ? DocumentFiles.List(path) : [];
        foreach (var f in files)
        {
            h.AppendData(Encoding.UTF8.GetBytes(DocumentFiles.RelativeName(path, f) + ":"));
            using var fs = File.OpenRead(f);
            h.AppendData(SHA256.HashData(fs));
        }
        return Hex(h.GetHashAndReset());
    }

    /// <summary>
    /// The 8-byte header length, the header, then the first and last <see cref="EdgeBytes"/> of the data. A file too
    /// short for its own header length is hashed whole (the model loader reports it as damaged).
    /// </summary>
    private static void AppendSafetensors(IncrementalHash h, FileStream fs)
    {
        Span<byte> size = stackalloc byte[8];
        if (fs.Length < 8 || fs.Read(size) < 8)
        {
            AppendRange(h, fs, 0, fs.Length);
            return;
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(size);
        if (headerLength > (ulong)(fs.Length - 8))
        {
            AppendRange(h, fs, 0, fs.Length);
            return;
        }
        long dataStart = 8 + (long)headerLength;
        AppendRange(h, fs, 0, dataStart);
        AppendEdges(h, fs, dataStart);
    }

    /// <summary>The first and last <see cref="EdgeBytes"/> from <paramref name="start"/> to the end (each byte once).</summary>
    private static void AppendEdges(IncrementalHash h, FileStream fs, long start)
    {
        long length = fs.Length - start;
        AppendRange(h, fs, start, Math.Min(length, EdgeBytes));
        long tail = Math.Min(length - EdgeBytes, EdgeBytes);
        if (tail > 0) AppendRange(h, fs, fs.Length - tail, tail);
    }

    private static void AppendRange(IncrementalHash h, FileStream fs, long offset, long count)
    {
        fs.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[(int)Math.Min(count, 1 << 20)]; // [≤ 1 MiB] a window of the range
        while (count > 0)
        {
            int n = fs.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (n == 0) throw new EndOfStreamException($"{fs.Name}: shorter than its length while hashing");
            h.AppendData(buffer, 0, n);
            count -= n;
        }
    }

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);
}
