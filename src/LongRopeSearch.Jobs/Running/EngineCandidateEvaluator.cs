using System.Diagnostics;
using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;

namespace LongRopeSearch.Jobs;

/// <summary>
/// The search's fitness: perplexity of a factor set on the job's search samples at a given length, through the
/// engine. The samples come from <see cref="JobSamples"/>, loaded once per length, so every candidate of a target
/// is scored on exactly the same tokens in the same order (the search compares candidates sample by sample).
/// A search step is scored in prefix steps (<see cref="PerplexityScorer.EvaluateInPrefixSteps"/>: a completed
/// evaluation has the whole pass's bits): its stage's ends when prefix-first abandon is on
/// (<see cref="SearchStep.PrefixEnds"/>), else one step per sample; each step is offered to the generation's rule, and
/// the score carries the prefix sums a later threshold is compared by. Sample by sample, so a job can checkpoint the
/// samples of an evaluation in flight and continue it after a kill.
/// Every score says the token rows and FLOPs (<see cref="ForwardCost"/>) it cost.
/// </summary>
/// <para>
/// A non-finite score (NaN/±Inf) is ranked last, as an abandoned candidate would be; the first one makes the
/// evaluator read the weights once (<paramref name="model"/>): a NaN or Inf stored in the checkpoint makes every
/// score meaningless, so the search stops there with an InputException naming the file and tensor.
/// </para>
public sealed class EngineCandidateEvaluator(PerplexityScorer engine, JobSamples samples, ModelFolder? model = null) : ICandidateEvaluator
{
    private bool _weightsChecked;

    /// <summary>Tokens scored so far (for rates).</summary>
    public long TokensScored { get; private set; }

    public CandidateScore Evaluate(FactorSet factors, int length, AbandonRule? abandon, CancellationToken ct)
    {
        var set = samples.Search(length, $"length {length}");
        var clock = Stopwatch.StartNew();
        var result = engine.Evaluate(set, factors, abandon is null ? null : abandon.ShouldContinue, ct);
        var rows = new long[result.PerSampleNll.Length];
        Array.Fill(rows, length);
        return Score(result, rows, clock, prefixEnds: null);
    }

    public CandidateScore Evaluate(SearchStep step, CancellationToken ct) => Evaluate(step, completedSamples: null, onSampleComplete: null, ct);

    /// <summary>
    /// Scores a step sample by sample, in prefix steps (<see cref="SearchStep.PrefixEnds"/>, or one step per sample:
    /// the same bits as a whole-sequence pass), so that an interrupted evaluation can continue where it stopped.
    /// </summary>
    /// <param name="completedSamples">The samples an interrupted run of this same step finished (each its NLL sums at
    /// every step end, as <paramref name="onSampleComplete"/> gave them): not evaluated again. Null: the step's own
    /// <see cref="SearchStep.CompletedSamples"/> (a screened child's continuation), if any.</param>
    /// <param name="onSampleComplete">After each sample that completes with more to do (the rule said continue): every
    /// complete sample's step sums so far, for the job's checkpoint.</param>
    public CandidateScore Evaluate(SearchStep step, IReadOnlyList<double[]>? completedSamples,
        Action<IReadOnlyList<double[]>>? onSampleComplete, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(step);
        // An interrupted run's samples include the screen's (they continue the same evaluation), so they win.
        return Evaluate(step.Candidate.Factors, step.Length, step.PrefixEnds, step.Abandon, completedSamples ?? step.CompletedSamples, onSampleComplete, ct);
    }

    /// <summary>
    /// A search step's evaluation from its parts (its candidate's factors, length, stage prefix ends and frozen rule):
    /// what <see cref="Evaluate(SearchStep, IReadOnlyList{double[]}?, Action{IReadOnlyList{double[]}}?, CancellationToken)"/>
    /// runs, and what a cluster worker runs on the parts its work item carries, so both give the same bits.
    /// </summary>
    public CandidateScore Evaluate(FactorSet factors, int length, int[]? prefixEnds, AbandonRule? abandon, IReadOnlyList<double[]>? completedSamples,
        Action<IReadOnlyList<double[]>>? onSampleComplete, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(factors);
        var ends = prefixEnds ?? [length - 1];
        var set = samples.Search(length, $"length {length}");
        var clock = Stopwatch.StartNew();
        var done = new List<double[]>(completedSamples ?? []);
        var current = new List<double>(ends.Length);  // [steps reached] this sample's sums
        var result = engine.EvaluateInPrefixSteps(set, factors, ends, s =>
        {
            if (s.Step == 0) current.Clear();
            current.Add(s.NllSums[s.Sample]);
            bool go = abandon?.ShouldContinueAfterStep(s.Sample, s.Step, s.Positions, s.NllSums, s.Counts) ?? true;
            if (go && s.Position == s.Positions && s.Sample + 1 < s.SampleCount)
            {
                done.Add(current.ToArray());
                onSampleComplete?.Invoke(done);
            }
            return go;
        }, completedSamples, progress: null, ct);
        // Rows computed per sample (resumed ones included, so the count is the uninterrupted evaluation's): a prefix
        // evaluation stopped at P did rows [0, P), a completed one L − 1 rows (row L − 1 predicts nothing); a
        // whole-pass fallback did L rows for every sample it started.
        var sums = result.PrefixNllSums!;
        var rows = new long[sums.Count];
        for (int i = 0; i < sums.Count; i++)
            rows[i] = result.PrefixFallback is not null ? length : result.PrefixEnds![sums[i].Length - 1];
        return Score(result, rows, clock, result.PrefixEnds!.ToArray());
    }

    private CandidateScore Score(EvalResult result, long[] rows, Stopwatch clock, int[]? prefixEnds)
    {
        var config = engine.Weights.Config;
        long tokens = 0;
        double flops = 0;
        foreach (var r in rows)
        {
            tokens += r;
            flops += ForwardCost.Flops(config, 0, (int)r);
        }
        TokensScored += tokens;
        if (!_weightsChecked && model is not null && (!double.IsFinite(result.MeanNll) || !result.PerSampleNll.All(double.IsFinite)))
        {
            _weightsChecked = true;
            if (NonFiniteWeights.Find(model) is { } bad) throw bad.ToInputException();
        }
        return new CandidateScore(result.PerSampleNll, result.MeanNll, result.Abandoned, clock.Elapsed.TotalSeconds)
        {
            PrefixEnds = prefixEnds,
            PrefixNllSums = prefixEnds is null ? null : result.PrefixNllSums!.Select(a => (double[])a.Clone()).ToArray(),
            Tokens = tokens,
            Flops = flops,
        };
    }
}
