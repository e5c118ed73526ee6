using System.CommandLine;
using System.Globalization;
using LongRopeSearch.Cli.Terminal;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using LongRopeSearch.Store;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// `longrope plan`: what a search will cost before it runs. Per stage: evaluations (planned, and expected after early
/// abandon from an earlier run's measured rates and stop points, <see cref="AbandonRates"/>), tokens, FLOPs, memory per
/// evaluation (every layer's K/V kept, as the search evaluates in prefix steps) and wall time on this machine
/// (from a short calibration run of the engine) and on N workers. Nothing is written but the --json file.
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var inputs = new JobSpecOptions();
        var workers = new Option<int>("--workers") { Description = "Workers (machines like this one) sharing each generation.", DefaultValueFactory = _ => 1 };
        var from = new Option<string?>("--from") { Description = "An earlier run's directory: its history.parquet and state.json give the measured abandon rates and where abandoned evaluations stopped (samples, prefix step)." };
        var calibrate = new Option<string?>("--calibrate") { Description = "Calibration lengths (default: three short ones chosen from the model's cost); 0 = no calibration (counts and FLOPs only)." };
        var repeats = new Option<int>("--repeats") { Description = "Timed passes per calibration length (the median counts).", DefaultValueFactory = _ => 3 };
        var threads = new Option<int?>("--threads") { Description = "Worker threads of the engine (default: all cores, as a search)." };
        var json = new Option<string?>("--json") { Description = "Also write the plan as JSON to this file." };
        var cmd = new Command("plan", "Estimate a search before running it: evaluations, tokens, FLOPs, memory and wall time per stage.")
        {
            workers, from, calibrate, repeats, threads, json,
        };
        inputs.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(workers);
            if (n < 1) throw new InputException("--workers", "", "an integer ≥ 1", n.ToString(CultureInfo.InvariantCulture));
            int r = parse.GetValue(repeats);
            if (r < 1) throw new InputException("--repeats", "", "an integer ≥ 1", r.ToString(CultureInfo.InvariantCulture));
            var spec = inputs.Bind(parse, "plan", Path.Combine(Path.GetTempPath(), "longrope-plan-never-written")) with { Threads = parse.GetValue(threads) };
            var job = new JobContext(new FileJobStore(spec.Output), spec) { TargetsSource = "--targets" };
            job.RequireInputs();
            var stages = job.StartSearch().Stages;
            job.CheckSamples(stages);
            var rates = parse.GetValue(from) is { } dir ? AbandonRates.FromRun(dir) : null;
            var lengths = parse.GetValue(calibrate) is { } text
                ? text.Trim() == "0" ? [] : CommonOptions.ParseLengths(text, "--calibrate", job.OriginalLength)
                : EngineCalibration.DefaultLengths(job.Config, stages.Select(s => s.Length));
            foreach (var l in lengths)
                if (l < 2) throw new InputException("--calibrate", "", "lengths of at least 2 tokens", l.ToString(CultureInfo.InvariantCulture));

            JobPlan plan;
            if (lengths.Length == 0) plan = JobPlanner.Build(job, n, rates);
            else
            {
                using var logging = CliLogging.Create();
                var log = logging.CreateLogger("plan");
                foreach (var l in lengths) job.Samples.Search(l, $"calibration length {l}");
                long baseBytes = MemoryModel.CurrentResidentBytes();
                using var engine = job.OpenEngine(job.RunEngineOptions);
                var memory = MemoryModel.For(engine, baseBytes);
                log.LogInformation("Calibrating the engine ({Threads} threads) at {Lengths} tokens", engine.Evaluator.Options.Threads, string.Join(", ", lengths));
                var time = EngineCalibration.Run(engine, job.Samples, lengths, r, memory, log);
                plan = JobPlanner.Build(job, n, rates, time, memory);
            }
            Print(parse.InvocationConfiguration.Output, plan);
            if (parse.GetValue(json) is { } path)
            {
                ArtifactJson.Write(path, plan);
                parse.InvocationConfiguration.Output.WriteLine($"plan written to {path}");
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static void Print(TextWriter output, JobPlan plan)
    {
        string I(double v) => v.ToString("#,0", CultureInfo.InvariantCulture);
        string T(double? s) => s is { } v ? Durations.Format(v) : "–";
        string Mib(long? b) => b is { } v ? (v / 1048576.0).ToString("0", CultureInfo.InvariantCulture) : "–";
        string Tf(double f) => (f / 1e12).ToString(f < 1e13 ? "0.00" : "#,0", CultureInfo.InvariantCulture);
        var workers = plan.Workers.ToString(CultureInfo.InvariantCulture);
        var t = new Table().AddColumns("stage", "evaluations planned", "expected abandoned", "full-eval equiv.", "sample passes", "tokens", "TFLOP",
            "MiB per eval (all layers' K/V)", "MiB peak", "CPU time", "time, 1 worker", "time, " + workers + (plan.Workers == 1 ? " worker" : " workers"));
        foreach (var s in plan.Stages)
        {
            t.AddRow(s.Stage, I(s.PlannedEvaluations), I(s.ExpectedAbandoned), s.ExpectedFullEvaluations.ToString("#,0.0", CultureInfo.InvariantCulture),
                I(s.ExpectedSamplePasses), I(s.ExpectedTokens), Tf(s.ExpectedFlops), Mib(s.MemoryBytes), Mib(s.PeakBytes), T(s.CpuSeconds), T(s.Seconds), T(s.SecondsOnWorkers));
            var v = s.Validation;
            t.AddRow("  its validation", "–", "–", "–", I(v.PassesAtLength + v.PassesAtOriginalLength), I(v.Tokens), Tf(v.Flops), "", "", T(v.CpuSeconds), T(v.Seconds), T(v.Seconds));
        }
        t.AddRow("total", I(plan.PlannedEvaluations), I(plan.Stages.Sum(s => s.ExpectedAbandoned)), "", I(plan.Stages.Sum(s => s.ExpectedSamplePasses + s.Validation.PassesAtLength + s.Validation.PassesAtOriginalLength)),
            I(plan.Stages.Sum(s => s.ExpectedTokens + s.Validation.Tokens)), Tf(plan.ExpectedFlops), "", "", T(plan.CpuSeconds), T(plan.Seconds), T(plan.SecondsOnWorkers));
        output.WriteLine($"plan of {plan.Space} on {plan.Model}");
        Render.Write(output, t);
        foreach (var s in plan.Stages)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Stage}: {s.Population} + {s.Generations} × {s.ChildrenPerGeneration}{(s.BudgetEnds ? " (the flops_budget ends it there)" : "")} evaluations of {s.Samples} samples × {s.Length} tokens{(s.PrefixFractions is { } f ? $", prefix steps at {string.Join(", ", f)}" : "")}; abandon: {s.AbandonSource} ({1 - s.SampleFraction:P1} of the children's sample rows and {1 - s.FlopFraction:P1} of their FLOPs saved){(s.SecondsPerSamplePass is { } p ? $"; {p:0.####} s per sample pass" : "")}{(s.MemoryBytes is null ? "" : $"; memory = base {Mib(plan.BaseBytes)} + weights {Mib(plan.WeightBytes)} + activations with every layer's K/V kept {Mib(s.ActivationBytes)} + layer-0 cache {Mib(s.CacheBytes)} MiB")}"));
        output.WriteLine("abandon rates: " + plan.AbandonNote);
        if (plan.Time is { } time)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"calibration ({time.Threads} threads, lengths {string.Join(", ", time.Points.Select(p => p.Length))}): {time.Note}; matmuls {time.LinearGflopPerSecond:0.0} GFLOP/s, attention {time.AttentionGflopPerSecond:0.0} GFLOP/s; fit error {string.Join(", ", time.Points.Select(p => $"{100 * (p.FittedSeconds / p.MedianSeconds - 1):+0.0;-0.0}%"))}; peak resident {string.Join(", ", time.Points.Select(p => $"{Mib(p.PeakResidentBytes)} MiB (model {Mib(p.PredictedResidentBytes)})"))}"));
        else output.WriteLine("no calibration (--calibrate 0): no wall time and no memory");
        foreach (var a in plan.Assumptions) output.WriteLine("assumed: " + a);
    }
}
