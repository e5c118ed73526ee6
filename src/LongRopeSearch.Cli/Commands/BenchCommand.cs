using System.CommandLine;
using System.Globalization;
using LongRopeSearch.Cli.Terminal;
using LongRopeSearch.Core;
using LongRopeSearch.Engine.Bench;
using LongRopeSearch.Model;
using Spectre.Console;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// `longrope bench`: eval tokens/s, GFLOP/s and peak memory at several lengths on a model folder, and GEMM GFLOP/s on
/// 7B-layer shapes; a table on stdout and the numbers in a JSON file. tools/bench.sh runs it beside PyTorch.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var data = new Option<string>("--data") { Description = "Documents to build samples from (concatenated when shorter than a length).", DefaultValueFactory = _ => CommonOptions.DefaultSearchData };
        var lengths = new Option<string>("--lengths") { Description = "Sequence lengths.", DefaultValueFactory = _ => "2048,8192,32768" };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per length (the fastest counts).", DefaultValueFactory = _ => 2 };
        var gemmRows = new Option<int>("--gemm-rows") { Description = "Tokens (M) of the GEMM shapes; 0 skips GEMM.", DefaultValueFactory = _ => 512 };
        var threads = CommonOptions.Threads();
        var json = new Option<string>("--json") { Description = "Where to write the figures.", DefaultValueFactory = _ => "bench/csharp.json" };
        var prefixSteps = CommonOptions.PrefixSteps(0);
        var maxMemory = CommonOptions.MaxMemory();
        var note = new Option<string?>("--note") { Description = "Free text stored with the figures (e.g. how loaded the machine was)." };
        var cmd = new Command("bench", "Measure the engine: tokens/s, GFLOP/s, peak memory, GEMM GFLOP/s; with --prefix-steps also prefix evaluation.")
        {
            model, data, lengths, repeats, gemmRows, threads, json, prefixSteps, maxMemory, note,
        };
        cmd.SetAction(parse =>
        {
            using var folder = ModelFolder.Open(parse.GetValue(model)!);
            var docs = SampleSet.LoadDocuments(parse.GetValue(data)!, folder.Tokenizer);
            var options = new EngineBenchmarkOptions
            {
                Lengths = CommonOptions.ParseLengths(parse.GetValue(lengths)!, "--lengths", folder.Config.OriginalMaxPositionEmbeddings),
                Repeats = Math.Max(1, parse.GetValue(repeats)),
                GemmRows = Math.Max(0, parse.GetValue(gemmRows)),
                Threads = parse.GetValue(threads),
                PrefixSteps = parse.GetValue(prefixSteps) >= 0 ? parse.GetValue(prefixSteps)
                    : throw new InputException("--prefix-steps", "", "an integer ≥ 0", parse.GetValue(prefixSteps).ToString(CultureInfo.InvariantCulture)),
                MaxMemoryBytes = CommonOptions.ParseBytes(parse.GetValue(maxMemory), "--max-memory"),
                Note = parse.GetValue(note),
            };
            var result = EngineBenchmark.Run(parse.GetValue(model)!, folder.Weights, docs, options, parse.InvocationConfiguration.Error.WriteLine);
            var output = parse.InvocationConfiguration.Output;
            var t = new Table().AddColumns("length", "tokens/s", "GFLOP/s", "peak memory MiB", "engine MiB", "mean NLL");
            foreach (var l in result.Lengths)
                t.AddRow(l.Length.ToString(CultureInfo.InvariantCulture), l.TokensPerSecond.ToString("0", CultureInfo.InvariantCulture),
                    l.GflopPerSecond.ToString("0.0", CultureInfo.InvariantCulture), Mib(l.PeakMemoryBytes), Mib(l.EngineBytes),
                    l.MeanNll.ToString("0.0000", CultureInfo.InvariantCulture));
            output.WriteLine($"fast forward pass at SIMD level {result.SimdLevel}, {result.Threads} threads, model {result.Model}");
            Render.Write(output, t);
            if (result.Prefix.Count > 0)
            {
                var p = new Table().AddColumns("length", "prefix steps", "tokens/s", "peak memory MiB", "engine MiB", "cost of each prefix", "same bits");
                foreach (var x in result.Prefix)
                    p.AddRow(x.Length.ToString(CultureInfo.InvariantCulture), string.Join(",", x.Ends), x.TokensPerSecond.ToString("0", CultureInfo.InvariantCulture),
                        Mib(x.PeakMemoryBytes), Mib(x.EngineBytes), string.Join(" ", x.CostFractions.Select(f => f.ToString("0.000", CultureInfo.InvariantCulture))),
                        x.SameBits ? "yes" : "NO");
                Render.Write(output, p);
            }
            if (result.Gemm.Count > 0)
            {
                var g = new Table().AddColumns("GEMM M×K→N", "weights", "GFLOP/s");
                foreach (var x in result.Gemm)
                    g.AddRow($"{x.M}×{x.K}→{x.N}", x.DType, x.GflopPerSecond.ToString("0.0", CultureInfo.InvariantCulture));
                Render.Write(output, g);
            }
            var path = parse.GetValue(json)!;
            result.WriteJson(path);
            output.WriteLine($"figures written to {path}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture);
}
