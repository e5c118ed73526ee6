using System.Diagnostics;

namespace LongRopeSearch.Tokenizers;

/// <summary>One adapter's speed on one text: the best of several whole-text encodings.</summary>
public sealed record TokenizerBenchResult(string Tokenizer, long TextBytes, int Tokens, int Runs, double BestSeconds, double MedianSeconds)
{
    public double TokensPerSecond => Tokens / BestSeconds;
    public double MegabytesPerSecond => TextBytes / 1e6 / BestSeconds;
}

/// <summary>Measures encoding speed (a benchmark, not a test: figures go to bench/).</summary>
public static class TokenizerBench
{
    /// <summary>Encodes <paramref name="text"/> once to warm up, then <paramref name="runs"/> times, timing each.</summary>
    public static TokenizerBenchResult Run(string name, ITextTokenizer tokenizer, string text, int runs)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var tokens = tokenizer.Encode(text).Length;
        var seconds = new double[runs];
        for (var r = 0; r < runs; r++)
        {
            var watch = Stopwatch.StartNew();
            var n = tokenizer.Encode(text).Length;
            seconds[r] = watch.Elapsed.TotalSeconds;
            if (n != tokens) throw new InvalidOperationException($"{name}: {n} tokens on run {r}, {tokens} on the first");
        }
        Array.Sort(seconds);
        return new TokenizerBenchResult(name, System.Text.Encoding.UTF8.GetByteCount(text), tokens, runs, seconds[0], seconds[runs / 2]);
    }
}
