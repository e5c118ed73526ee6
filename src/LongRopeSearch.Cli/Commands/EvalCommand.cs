using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Cli.Terminal;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace LongRopeSearch.Cli.Commands;

/// <summary>`longrope eval`: perplexity of a model on samples at one or more lengths under one factor set.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var data = new Option<string>("--data") { Description = "A document file or a directory of them (recursive, by ordinal path): text, .jsonl, .parquet, .ids (also .gz but .parquet).", DefaultValueFactory = _ => CommonOptions.DefaultValidationData };
        var textField = new Option<string>("--text-field") { Description = "JSON Lines field / Parquet column holding each document's text.", DefaultValueFactory = _ => DocumentFiles.DefaultTextField };
        var length = new Option<string>("--length") { Description = "Sample length(s) in tokens, comma-separated; 8x means 8 × the trained context.", Required = true };
        var samples = new Option<int?>("--samples") { Description = "Use the first K documents long enough (default: all of them)." };
        var factors = new Option<string?>("--factors") { Description = "Factor file: JSON {\"factors\":[...],\"n_hat\":0,\"attention_factor\":1} or LongRoPE CSV." };
        var method = new Option<string?>("--method") { Description = "Baseline instead of a file: none (plain RoPE), pi, ntk, yarn, llama3, dynamic-ntk. Default: the model as published (its own rope_scaling, if any)." };
        var scale = new Option<double?>("--scale") { Description = "Scale s for --method (default: length / trained context)." };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var engine = CommonOptions.Engine();
        var threads = CommonOptions.Threads();
        var prefixSteps = CommonOptions.PrefixSteps(0);
        var maxMemory = CommonOptions.MaxMemory();

        var cmd = new Command("eval", "Score perplexity of a model under a factor set.")
        {
            model, data, textField, length, samples, factors, method, scale, json, engine, threads, prefixSteps, maxMemory,
        };
        cmd.SetAction((parse, ct) =>
        {
            var request = new EvalRequest(
                parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(length)!, parse.GetValue(samples),
                parse.GetValue(factors), parse.GetValue(method), parse.GetValue(scale), parse.GetValue(json),
                EngineChoice.Parse(parse.GetValue(engine)!, parse.GetValue(threads)) with
                {
                    MaxMemoryBytes = CommonOptions.ParseBytes(parse.GetValue(maxMemory), "--max-memory"),
                },
                parse.GetValue(prefixSteps), parse.GetValue(textField)!);
            return Task.FromResult(Run(request, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        });
        return cmd;
    }

    internal sealed record EvalRequest(
        string Model, string Data, string Lengths, int? Samples, string? FactorsFile, string? Method, double? Scale, string? JsonOut, ForwardPassOptions Forward,
        int PrefixSteps = 0, string TextField = DocumentFiles.DefaultTextField);

    internal static int Run(EvalRequest r, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (r.FactorsFile is not null && r.Method is not null)
            throw new InputException("--factors/--method", "", "one of --factors FILE or --method NAME, not both");
        if (r.Samples is <= 0) throw new InputException("--samples", "", "a positive integer", r.Samples.ToString());
        if (r.PrefixSteps < 0) throw new InputException("--prefix-steps", "", "an integer ≥ 0", r.PrefixSteps.ToString(CultureInfo.InvariantCulture));

        using var model = ModelFolder.Open(r.Model);
        var config = model.Config;
        var lengths = CommonOptions.ParseLengths(r.Lengths, "--length", config.OriginalMaxPositionEmbeddings);
        using var scorer = new PerplexityScorer(model.Weights, r.Forward);
        using var logging = CliLogging.Create();
        var log = logging.CreateLogger("eval");
        var rows = new List<JsonObject>();
        log.LogInformation("Tokenizer: {Tokenizer}", model.Tokenizer.Describe);
        var corpus = TokenizedCorpus.Open(r.Data, model.Tokenizer, r.TextField); // each document tokenized once for every length
        var table = new Table().AddColumns("length", "factors", "samples", "mean NLL", "ppl", "seconds");
        // Before any evaluation: n̂ ≥ L would keep every position at its original angle, scoring the unscaled model
        // under the factor file's name.
        foreach (var L in lengths)
        {
            if (FactorSource.Resolve(r.FactorsFile, r.Method, r.Scale, config, L).Factors.NHat is var nHat && nHat >= L)
                throw new InputException(r.FactorsFile ?? "--factors", "n_hat", string.Create(CultureInfo.InvariantCulture,
                    $"n̂ below the evaluated length {L} (from n̂ on positions are scaled; n̂ ≥ L scores the unscaled model)"), nHat.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var L in lengths)
        {
            var factors = FactorSource.Resolve(r.FactorsFile, r.Method, r.Scale, config, L);
            var set = corpus.Samples(L, r.Samples, "--samples");
            var sw = Stopwatch.StartNew();
            var bar = new ConsoleProgress(error, $"eval L={L} {factors.Label}", (double)L * set.Samples.Count, "tok");
            var progress = new InlineProgress<EvalProgress>(p => bar.Report(p.TokensDone, $"sample {p.SamplesDone}/{p.SampleCount}"));
            if (r.PrefixSteps > 0 && scorer.PrefixSteppingUnavailable(L) is { } reason)
                log.LogWarning("L={Length}: {Reason}", L, reason);
            var result = r.PrefixSteps > 0
                ? scorer.EvaluateInPrefixSteps(set, factors.Factors, PrefixSchedule.Even(L, r.PrefixSteps), null, progress, ct)
                : scorer.Evaluate(set, factors.Factors, null, ct, progress);
            bar.Finish();
            sw.Stop();
            if (!double.IsFinite(result.MeanNll))
                throw NonFiniteScore.Explain(model, set, factors.Factors, result, $"eval L={L} {factors.Label}", r.Forward.Threads,
                    r.FactorsFile ?? (r.Scale is not null ? "--scale" : null));
            table.AddRow(L.ToString(), Markup.Escape(factors.Label), set.Samples.Count.ToString(),
                result.MeanNll.ToString("F6"), result.Ppl.ToString("F4"), sw.Elapsed.TotalSeconds.ToString("F2"));
            rows.Add(new JsonObject
            {
                ["length"] = L,
                ["factors"] = factors.Label,
                ["samples"] = new JsonArray(result.PerSampleNll.Select(x => (JsonNode)x).ToArray()),
                ["mean_nll"] = result.MeanNll,
                ["ppl"] = result.Ppl,
                ["seconds"] = sw.Elapsed.TotalSeconds,
            });
            if (result.PrefixEnds is not null)
            {
                rows[^1]["prefix_ends"] = new JsonArray(result.PrefixEnds.Select(e => (JsonNode)e).ToArray());
                rows[^1]["prefix_fallback"] = result.PrefixFallback;
            }
        }

        Render.Write(output, table);
        if (r.JsonOut is not null)
        {
            JsonNode doc = rows.Count == 1 ? rows[0] : new JsonArray(rows.ToArray<JsonNode>());
            AtomicFile.WriteAllText(r.JsonOut, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        return ExitCodes.Ok;
    }
}
