// Tokenizer speed on a 10 MB text (the first 10,000,000 bytes of datasets/long, cut at a line end): each adapter of
// LongRopeSearch.Tokenizers on the fixture tokenizers, plus Microsoft.ML.Tokenizers' SentencePiece on the same
// tokenizer.model as a baseline (speed, and whether its ids agree). Writes bench/tokenizers.json.
// Usage (repository root): dotnet run -c Release --project tools/TokenizerBench [-- runs]
using System.Globalization;
using System.Text;
using System.Text.Json;
using LongRopeSearch.Tokenizers;

var root = FindRoot();
var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
var text = TenMegabytes(root);
var fixtures = Path.Combine(root, "tests", "fixtures", "tokenizers");
using var qwen = HuggingFaceTokenizer.Load(Path.Combine(fixtures, "qwen3"));
using var mistralJson = HuggingFaceTokenizer.Load(Path.Combine(fixtures, "mistral-v0.1"));
using var mistralModel = SentencePieceModelTokenizer.Load(Path.Combine(fixtures, "mistral-v0.1"));
using var baseline = new MlNetSentencePiece(Path.Combine(fixtures, "mistral-v0.1", "tokenizer.model"));
var results = TokenizerBench.Run(
[
    ("qwen3 tokenizer.json (HuggingFaceTokenizer: Tokenizers.DotNet)", qwen),
    ("mistral-v0.1 tokenizer.json (HuggingFaceTokenizer: Tokenizers.DotNet)", mistralJson),
    ("mistral-v0.1 tokenizer.model (SentencePieceModelTokenizer)", mistralModel),
    ("mistral-v0.1 tokenizer.model (Microsoft.ML.Tokenizers 2.0.1, baseline)", baseline),
], text, runs);
foreach (var r in results) Report(r);
var ours = mistralModel.Encode(text);
var theirs = baseline.Encode(text);
var firstDiff = Enumerable.Range(0, Math.Min(ours.Length, theirs.Length)).FirstOrDefault(i => ours[i] != theirs[i], -1);
var agreement = $"Microsoft.ML.Tokenizers vs SentencePieceModelTokenizer on the 10 MB text: {theirs.Length} vs {ours.Length} ids, "
    + (firstDiff < 0 && ours.Length == theirs.Length ? "identical" : $"first difference at id {firstDiff}");
Console.WriteLine(agreement);

var output = new
{
    date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    machine = $"{Environment.ProcessorCount} cores; shared with other jobs while measured (figures are lower bounds)",
    text = "first 10,000,000 bytes (cut at a line end) of datasets/long/search then validation, file order",
    text_bytes = Encoding.UTF8.GetByteCount(text),
    runs,
    baseline_agreement = agreement,
    results = results.Select(r => new
    {
        tokenizer = r.Tokenizer,
        tokens = r.Tokens,
        best_seconds = Math.Round(r.BestSeconds, 3),
        median_seconds = Math.Round(r.MedianSeconds, 3),
        best_cpu_seconds = Math.Round(r.BestCpuSeconds, 3),
        tokens_per_second = Math.Round(r.TokensPerSecond),
        tokens_per_cpu_second = Math.Round(r.TokensPerCpuSecond),
        megabytes_per_second = Math.Round(r.MegabytesPerSecond, 2),
    }),
};
var path = Path.Combine(root, "bench", "tokenizers.json");
File.WriteAllText(path, JsonSerializer.Serialize(output, new JsonSerializerOptions { WriteIndented = true }) + "\n");
Console.WriteLine($"wrote {path}");

static void Report(TokenizerBenchResult r) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{r.Tokenizer}: {r.Tokens} tokens, best {r.BestSeconds:F3} s (median {r.MedianSeconds:F3} s, CPU {r.BestCpuSeconds:F3} s), {r.TokensPerSecond:F0} tokens/s, {r.TokensPerCpuSecond:F0} tokens/CPU-s"));

static string TenMegabytes(string root)
{
    var bytes = new List<byte>();
    foreach (var split in new[] { "search", "validation" })
    {
        foreach (var file in Directory.GetFiles(Path.Combine(root, "datasets", "long", split), "*.txt").Order(StringComparer.Ordinal))
            bytes.AddRange(File.ReadAllBytes(file));
    }
    var data = bytes.ToArray();
    var end = Array.LastIndexOf(data, (byte)'\n', Math.Min(data.Length, 10_000_000) - 1) + 1;
    return new UTF8Encoding(false, true).GetString(data, 0, end);
}

static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LongRopeSearch.sln"))) dir = dir.Parent;
    return dir?.FullName ?? throw new InvalidOperationException("LongRopeSearch.sln not found above " + AppContext.BaseDirectory);
}

/// <summary>Microsoft.ML.Tokenizers' SentencePiece as an ITextTokenizer (BOS added, as the fixture's config says).</summary>
internal sealed class MlNetSentencePiece : ITextTokenizer
{
    private readonly Microsoft.ML.Tokenizers.SentencePieceTokenizer _tokenizer;

    public MlNetSentencePiece(string modelPath)
    {
        using var stream = File.OpenRead(modelPath);
        _tokenizer = Microsoft.ML.Tokenizers.SentencePieceTokenizer.Create(stream, addBeginningOfSentence: true, addEndOfSentence: false);
    }

    public string Description => "Microsoft.ML.Tokenizers SentencePieceTokenizer";
    public int VocabSize => _tokenizer.Vocabulary.Count;
    public int? BosId => _tokenizer.BeginningOfSentenceId;
    public bool AddsBos => true;
    public int? EosId => _tokenizer.EndOfSentenceId;
    public bool AddsEos => false;
    public int[] Encode(string text) => [.. _tokenizer.EncodeToIds(text)];
    public void Dispose() { }
}
