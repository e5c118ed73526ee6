using System.Diagnostics;

namespace LongRopeSearch.Tokenizers;

/// <summary>One tokenizer's speed on one text: best and median wall time of whole-text encodings, and the least process
/// CPU time of one encoding (closer to the unloaded speed when other jobs share the machine).</summary>
public sealed record TokenizerBenchResult(string Tokenizer, long TextBytes, int Tokens, int Runs, double BestSeconds, double MedianSeconds, double BestCpuSeconds)
{
    public double TokensPerSecond => Tokens / BestSeconds;
    public double TokensPerCpuSecond => Tokens / BestCpuSeconds;
    public double MegabytesPerSecond => TextBytes / 1e6 / BestSeconds;
}

/// <summary>Measures encoding speed (a benchmark, not a test: figures go to bench/).</summary>
public static class TokenizerBench
{
    /// <summary>
    /// Encodes <paramref name="text"/> with each tokenizer once to warm up, then <paramref name="runs"/> rounds in which
    /// every tokenizer encodes it once, interleaved so that a change of machine load hits all of them alike.
    /// </summary>
    public static IReadOnlyList<TokenizerBenchResult> Run(IReadOnlyList<(string Name, ITextTokenizer Tokenizer)> tokenizers, string text, int runs)
    {
        ArgumentNullException.ThrowIfNull(tokenizers);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var tokens = tokenizers.Select(t => t.Tokenizer.Encode(text).Length).ToArray();
        var wall = tokenizers.Select(_ => new double[runs]).ToArray();
        var cpu = tokenizers.Select(_ => new double[runs]).ToArray();
        using var process = Process.GetCurrentProcess();
        for (var r = 0; r < runs; r++)
        {
            for (var k = 0; k < tokenizers.Count; k++)
            {
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                var n = tokenizers[k].Tokenizer.Encode(text).Length;
                wall[k][r] = watch.Elapsed.TotalSeconds;
                process.Refresh();
                cpu[k][r] = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
                if (n != tokens[k]) throw new InvalidOperationException($"{tokenizers[k].Name}: {n} tokens on run {r}, {tokens[k]} on the first");
            }
        }
        var bytes = System.Text.Encoding.UTF8.GetByteCount(text);
        return [.. tokenizers.Select((t, k) =>
        {
            Array.Sort(wall[k]);
            return new TokenizerBenchResult(t.Name, bytes, tokens[k], runs, wall[k][0], wall[k][runs / 2], cpu[k].Min());
        })];
    }
}
