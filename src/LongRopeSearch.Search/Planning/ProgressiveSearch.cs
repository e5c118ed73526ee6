using LongRopeSearch.Core;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>
/// A whole plan: the long targets in increasing order, then the short factors, each stage a
/// <see cref="LongRopeSearcher"/>, all drawing from one random generator that flows from stage to stage.
/// Seeds of a stage: for the first target, the caller's; for each later target, the previous target's best
/// rescaled to this scale (<see cref="CandidateOrigin.PreviousTarget"/>) then the caller's; for the short stage,
/// the identity, the last target's best rescaled to the short scale max(Ls/L0, 1)
/// (<see cref="CandidateOrigin.LongRescaled"/>), then the caller's.
/// <para>
/// The short stage uses the attention factor of the last target's best deployable factor set (n̂ = 0; its best
/// overall when none is deployable): a deployed LongRoPE model ("longrope" rope_scaling) applies one attention
/// factor to both its short and long factors, so the short factors must be scored with the one deployed. When the
/// factor is not searched every candidate of a stage has the same one, so this is the last target's fixed factor.
/// </para>
/// Drive it like a searcher: sequentially with <see cref="Next"/> / <see cref="Report"/> (or <see cref="Run"/>),
/// or a generation at a time with <see cref="PendingSteps"/> and <see cref="Report"/> in any order; take
/// <see cref="Snapshot"/> between any two calls. A stage's transition happens inside <see cref="Report"/>, so a
/// state always has a pending candidate unless the whole plan is finished.
/// </summary>
public sealed class ProgressiveSearch
{
    private readonly List<SearchStage> _stages;
    private readonly ISeedProvider _seeds;
    private readonly List<StageResult> _completed = [];
    private readonly ulong _seed;
    private LongRopeSearcher? _current;
    private string _finalRng = "";
    private long _finalNextId;
    private bool _faulted;

    private ProgressiveSearch(List<SearchStage> stages, ISeedProvider seeds, ulong seed)
    {
        _stages = stages;
        _seeds = seeds;
        _seed = seed;
    }

    /// <summary>
    /// Starts <paramref name="plan"/> over <paramref name="space"/>. <paramref name="criticalPair"/> is the model's
    /// critical pair k, needed when the space says <c>critical_dimension: true</c>.
    /// </summary>
    public static ProgressiveSearch Start(SearchSpace space, SearchPlan plan, ISeedProvider seeds, int? criticalPair = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(seeds);
        var planned = space with { Targets = plan.Targets.ToArray(), ShortLength = plan.ShortLength };
        if (planned.Targets.Count == 0) throw new InputException(space.Source, "targets", "at least one target length");
        planned.Validate();

        var stages = new List<SearchStage>();
        foreach (var t in planned.Targets)
            stages.Add(new SearchStage(stages.Count, TargetSpace.Create(planned, FactorKind.Long, t, criticalPair, planned.AttentionFactor.For(t, planned.OriginalLength))));
        if (planned.ShortLength is { } sl)
        {
            var af = planned.AttentionFactor.For(planned.Targets[^1], planned.OriginalLength);
            stages.Add(new SearchStage(stages.Count, TargetSpace.Create(planned, FactorKind.Short, sl, criticalPair, af)));
        }

        var search = new ProgressiveSearch(stages, seeds, space.Seed);
        search.StartStage(0, Xoshiro256StarStar.FromSeed(space.Seed).GetState(), 0);
        return search;
    }

    public IReadOnlyList<SearchStage> Stages => _stages;

    /// <summary>Results of the finished stages, in plan order.</summary>
    public IReadOnlyList<StageResult> Completed => _completed;

    public bool IsFinished => _current is null;

    /// <summary>The running stage, or null when finished.</summary>
    public SearchStage? CurrentStage => _current is null ? null : _stages[_current.StageIndex];

    /// <summary>The running stage's searcher (read it; drive the search through this object).</summary>
    public LongRopeSearcher? CurrentSearcher => _current;

    /// <summary>
    /// The lowest-id candidate of the running generation not yet reported, or null when the plan is finished. Does
    /// not change the state.
    /// </summary>
    public SearchStep? Next()
    {
        ThrowIfFaulted();
        return _current?.Next();
    }

    /// <summary>
    /// Every candidate of the running generation not yet reported, in id order, all with the generation's one frozen
    /// abandon rule (empty when the plan is finished). Evaluate them in any order, anywhere, and report each result
    /// with <see cref="Report"/>; the next generation (or stage) appears when the last one is in. Does not change the
    /// state.
    /// </summary>
    public IReadOnlyList<SearchStep> PendingSteps()
    {
        ThrowIfFaulted();
        return _current?.PendingSteps() ?? [];
    }

    /// <summary>
    /// Records the score of any pending candidate of the running generation; may complete the generation, finish a
    /// stage and start the next. If starting the next stage fails (the seed provider threw), this object refuses
    /// further use: restore from the last snapshot.
    /// </summary>
    /// <returns>The evaluations this report made final (see <see cref="LongRopeSearcher.Report"/>).</returns>
    public IReadOnlyList<EvaluatedCandidate> Report(long candidateId, CandidateScore score)
    {
        ThrowIfFaulted();
        var s = _current ?? throw new InvalidOperationException("the search is finished; nothing is waiting for a score");
        var finals = s.Report(candidateId, score);
        if (!s.IsFinished) return finals;
        var stage = _stages[s.StageIndex];
        var best = s.Best ?? throw new InvalidOperationException($"{stage.Name} finished without a full evaluation");
        _completed.Add(new StageResult(stage, best, s.RankedFull.Take(stage.Space.Evolution.Parents).ToList(), s.Counters) { BestDeployable = s.BestDeployable });
        if (s.StageIndex + 1 < _stages.Count)
        {
            try { StartStage(s.StageIndex + 1, s.RngState, s.NextCandidateId); }
            catch
            {
                _faulted = true;
                throw;
            }
        }
        else
        {
            _finalRng = s.RngState;
            _finalNextId = s.NextCandidateId;
            _current = null;
        }
        return finals;
    }

    private void ThrowIfFaulted()
    {
        if (_faulted) throw new InvalidOperationException("the search failed while starting a stage; restore it from the last snapshot");
    }

    /// <summary>
    /// Runs to the end. Cancellation is checked between evaluations (and passed to the evaluator); on cancellation
    /// the state is as before the interrupted evaluation, ready for <see cref="Snapshot"/>.
    /// <paramref name="onEvaluated"/> runs after each evaluation is recorded (write history, take a checkpoint).
    /// </summary>
    public ProgressiveSearchResult Run(ICandidateEvaluator evaluator, Action<EvaluationRecord>? onEvaluated = null,
        IProgress<SearchProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (Next() is not { } step) break;
            var score = evaluator.Evaluate(step, ct);
            foreach (var done in Report(step.Candidate.Id, score))
                onEvaluated?.Invoke(new EvaluationRecord(_stages[step.StageIndex], done.Candidate, done.Score, step.Abandon));
            progress?.Report(Progress);
        }
        return Result();
    }

    /// <summary>The results so far (all stages once finished).</summary>
    public ProgressiveSearchResult Result() => new(_completed.ToList());

    /// <summary>Counters of all stages so far.</summary>
    public SearchCounters TotalCounters =>
        _completed.Aggregate(_current?.Counters ?? new SearchCounters(), (sum, r) => sum + r.Counters);

    public SearchProgress Progress => ProgressReport.For(this);

    private void StartStage(int index, string rngState, long firstId)
    {
        var stage = _stages[index];
        var seeds = new List<SeedCandidate>();
        if (stage.Kind == FactorKind.Long && index > 0)
        {
            var prev = _completed[^1];
            seeds.Add(new SeedCandidate(CandidateOrigin.PreviousTarget, Rescale(prev, stage.Scale)));
        }
        if (stage.Kind == FactorKind.Short)
        {
            var lastLong = _completed.Last(r => r.Stage.Kind == FactorKind.Long);
            var deployed = (lastLong.BestDeployable ?? lastLong.Best).Candidate.Factors.AttentionFactor;
            stage = _stages[index] = stage with { Space = stage.Space with { AttentionFactor = deployed } };
            seeds.Add(new SeedCandidate(CandidateOrigin.Identity, FactorSet.Identity(stage.Space.Pairs)));
            seeds.Add(new SeedCandidate(CandidateOrigin.LongRescaled, Rescale(lastLong, Math.Max(1.0, stage.Scale))));
        }
        seeds.AddRange(_seeds.SeedsFor(stage) ?? []);
        if (seeds.Count == 0)
            throw new InvalidOperationException($"{stage.Name}: the seed provider gave no seeds, and the first target has no others");
        _current = new LongRopeSearcher(stage.Space, seeds, rngState, firstId, index);
    }

    /// <summary>
    /// A stage's best moved to another scale with Rope's λ' = 1 + (λ − 1)(s' − 1)/(s − 1). λ below 1 (possible only
    /// with lower bounds under 1) is first raised to 1: pushed through a ratio above 1 it could turn negative, and an
    /// extrapolated pair has no "fraction of the scale" to carry over. The attention factor is carried over: the
    /// searcher snaps it to its grid when it searches it, and replaces it with the stage's own otherwise.
    /// </summary>
    private static FactorSet Rescale(StageResult from, double toScale)
    {
        var f = from.Best.Candidate.Factors;
        var atLeastOne = f.With(lambda: f.Lambda.Select(l => Math.Max(1.0, l)).ToArray());
        return FactorSetRescale.ToScale(atLeastOne, from.Stage.Scale, toScale, f.AttentionFactor);
    }

    /// <summary>The complete state, a deep copy.</summary>
    public ProgressiveSearchState Snapshot()
    {
        ThrowIfFaulted();
        return SnapshotState();
    }

    private ProgressiveSearchState SnapshotState() => new()
    {
        Seed = _seed,
        Stages = _stages.Select(s => s.Space).ToList(),
        Completed = _completed.Select(r => new StageResultState
        {
            StageIndex = r.Stage.Index,
            Best = StateCodec.ToState(r.Best),
            BestDeployable = r.BestDeployable is { } d ? StateCodec.ToState(d) : null,
            Top = r.Top.Select(StateCodec.ToState).ToList(),
            Counters = r.Counters,
        }).ToList(),
        Current = _current?.Snapshot(),
        Rng = _current?.RngState ?? _finalRng,
        NextCandidateId = _current?.NextCandidateId ?? _finalNextId,
    };

    /// <summary>
    /// Continues from <paramref name="state"/>. <paramref name="seeds"/> must be the provider the search started
    /// with (it is asked again for stages not started yet).
    /// </summary>
    public static ProgressiveSearch Restore(ProgressiveSearchState state, ISeedProvider seeds)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(seeds);
        const string src = StateCodec.Source;
        if (state.Format != ProgressiveSearchState.CurrentFormat)
            throw new InputException(src, "format", $"progressive search state format {ProgressiveSearchState.CurrentFormat} (written by another version of longrope; start the search again)", state.Format.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (state.Stages is not { Count: > 0 }) throw new InputException(src, "stages", "at least one stage");
        var stages = new List<SearchStage>();
        foreach (var space in state.Stages)
        {
            if (space is null) throw new InputException(src, $"stages[{stages.Count}]", "a stage space");
            space.CheckConsistent(src);
            stages.Add(new SearchStage(stages.Count, space));
        }
        var search = new ProgressiveSearch(stages, seeds, state.Seed);
        foreach (var r in state.Completed ?? [])
        {
            if (r is null || r.StageIndex != search._completed.Count)
                throw new InputException(src, "completed", "results of stages 0, 1, 2 ... in order");
            var stage = stages[r.StageIndex];
            var deployable = r.BestDeployable is { } d ? StateCodec.ToEvaluated(stage.Space, d) : null;
            if (deployable is not null && deployable.Candidate.Factors.NHat != 0)
                throw new InputException(src, $"completed[{r.StageIndex}].best_deployable", "a candidate with n̂ = 0");
            search._completed.Add(new StageResult(stage, StateCodec.ToEvaluated(stage.Space, r.Best),
                (r.Top ?? []).Select(t => StateCodec.ToEvaluated(stage.Space, t)).ToList(), r.Counters ?? new SearchCounters()) { BestDeployable = deployable });
        }
        if (state.Current is { } cur)
        {
            if (cur.StageIndex != search._completed.Count || cur.StageIndex >= stages.Count)
                throw new InputException(src, "current.stage_index", $"the first unfinished stage, {search._completed.Count}", cur.StageIndex.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var expected = stages[cur.StageIndex].Space;
            if (cur.Space is null || cur.Space.Kind != expected.Kind || cur.Space.Length != expected.Length)
                throw new InputException(src, "current.space", $"the space of stage {cur.StageIndex} ({stages[cur.StageIndex].Name})");
            search._current = LongRopeSearcher.Restore(cur);
        }
        else if (search._completed.Count != stages.Count)
            throw new InputException(src, "current", "the running stage (some stages are not finished)");
        search._finalRng = state.Rng ?? "";
        search._finalNextId = state.NextCandidateId;
        return search;
    }
}
