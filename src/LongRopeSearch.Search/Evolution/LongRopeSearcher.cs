using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>
/// LongRoPE's evolutionary search for one stage (one target length), as a step machine the host drives one
/// generation at a time. Sequentially:
/// <code>
/// while (searcher.Next() is { } step)
///     searcher.Report(step.Candidate.Id, evaluator.Evaluate(step.Candidate.Factors, step.Length, step.Abandon, ct));
/// </code>
/// or in parallel: take every <see cref="PendingSteps"/> of the generation, evaluate them anywhere, and
/// <see cref="Report"/> each result as it finishes, in any order.
/// <para>
/// <b>Results never depend on the order in which evaluations finish.</b> A generation's results are held apart until
/// all of them are in; then they are recorded in candidate-id order and the next generation is bred. The early-
/// abandon rule is frozen when the generation starts, from the full evaluations of the previous generations only
/// (the <see cref="EvolutionSettings.Parents"/>-th best of them, i.e. the worst parent of this generation), so every
/// candidate of a generation is offered the same rule object whatever the order. Generation 0 has no previous full
/// evaluations and so no rule. (Before this, results were taken strictly in order and the threshold moved after each
/// full evaluation inside a generation, and generation 0 was offered a rule once Parents of its candidates were
/// full. A frozen threshold is never stricter than the moving one was at the same point, so fewer candidates are
/// abandoned, and the candidates a search proposes for a given seed differ from those of the older versions.)
/// </para>
/// <para>
/// Between any two calls the whole state can be taken with <see cref="Snapshot"/> and continued with
/// <see cref="Restore"/>, also in the middle of a generation reported out of order: the continuation proposes exactly
/// the candidates an uninterrupted run would.
/// </para>
/// <para>
/// Generation 0 is the seeds (snapped to the grid, bounds and monotonicity; duplicates dropped; when the space searches
/// the attention factor, each seed with its own factor and again with the space's policy factor), then mutations of
/// uniformly chosen seeds until <see cref="EvolutionSettings.Population"/> candidates exist. Each of the
/// <see cref="EvolutionSettings.Generations"/> later generations takes the <see cref="EvolutionSettings.Parents"/> best
/// full evaluations so far as parents (LongRoPE's elitist selection: top parents of population = parents ∪
/// children) and makes <see cref="EvolutionSettings.Mutations"/> mutations of random parents, then
/// <see cref="EvolutionSettings.Crossovers"/> crossovers of two distinct random parents. No genome that was evaluated
/// or is pending is ever proposed again. The best is the lowest mean NLL among full evaluations.
/// </para>
/// </summary>
public sealed partial class LongRopeSearcher
{
    private readonly Xoshiro256StarStar _rng;
    private readonly List<EvaluatedCandidate> _evaluated = [];           // completed generations, each in id order
    private readonly Dictionary<string, EvaluatedCandidate> _cache = []; // FactorSet.Key → evaluation
    private readonly HashSet<string> _known = [];                        // keys evaluated or pending
    private readonly List<EvaluatedCandidate> _rankedFull = [];          // full evaluations, best first
    private List<Candidate> _pending = [];                               // the generation, id order
    private CandidateScore?[] _reported = [];                            // [pending] result, null until reported
    private Dictionary<long, int> _pendingIndex = [];                    // candidate id → index in _pending
    private int _reportedCount;
    private AbandonRule? _rule;                                          // frozen for the generation
    private AbandonRule? _screenRule;                                    // _rule with the screen's sample limit; null: no screen
    private CandidateScore?[] _screened = [];                            // [pending] screen result, null until reported; [] without a screen
    private int _screenedCount;
    private SearchCounters _counters = new();                            // completed generations and breeding

    /// <summary>A fresh search of <paramref name="space"/> from <paramref name="seeds"/> (at least one).</summary>
    /// <param name="rngState">The generator state to start from (<see cref="Xoshiro256StarStar.GetState"/>).</param>
    /// <param name="firstCandidateId">Id of the first candidate, so ids stay unique across the stages of a plan.</param>
    public LongRopeSearcher(TargetSpace space, IReadOnlyList<SeedCandidate> seeds, string rngState, long firstCandidateId = 0, int stageIndex = 0)
        : this(space, Xoshiro256StarStar.FromState(rngState), firstCandidateId, stageIndex)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count == 0) throw new ArgumentException("a search needs at least one seed", nameof(seeds));
        BuildInitialPopulation(seeds);
    }

    /// <summary>A fresh search whose generator is seeded with <paramref name="seed"/>.</summary>
    public LongRopeSearcher(TargetSpace space, IReadOnlyList<SeedCandidate> seeds, ulong seed)
        : this(space, seeds, Xoshiro256StarStar.FromSeed(seed).GetState())
    {
    }

    private LongRopeSearcher(TargetSpace space, Xoshiro256StarStar rng, long nextId, int stageIndex)
    {
        ArgumentNullException.ThrowIfNull(space);
        space.CheckConsistent("search space");
        Space = space;
        _rng = rng;
        NextCandidateId = nextId;
        StageIndex = stageIndex;
    }

    public TargetSpace Space { get; }
    public int StageIndex { get; }

    /// <summary>The generation whose candidates are being evaluated (0 = initial population, up to Generations).</summary>
    public int Generation { get; private set; }

    public bool IsFinished { get; private set; }

    /// <summary>Id the next created candidate will get.</summary>
    public long NextCandidateId { get; private set; }

    /// <summary>The generator's state now (after the stage finishes: what the next stage continues from).</summary>
    public string RngState => _rng.GetState();

    /// <summary>
    /// Counters of everything reported so far: the completed generations, then the current generation's results in
    /// candidate-id order (so the value depends only on which results are in, not on their arrival order).
    /// </summary>
    public SearchCounters Counters
    {
        get
        {
            var c = _counters;
            for (int i = 0; i < _reported.Length; i++)
                if ((_reported[i] ?? ScreenOf(i)) is { } score) c = Count(c, score);
            return c;
        }
    }

    /// <summary>Every evaluation of the completed generations, generation by generation in candidate-id order.</summary>
    public IReadOnlyList<EvaluatedCandidate> Evaluated => _evaluated;

    /// <summary>Full evaluations of the completed generations, best first (see <see cref="CandidateRanking"/>).</summary>
    public IReadOnlyList<EvaluatedCandidate> RankedFull => _rankedFull;

    /// <summary>The lowest mean NLL among full evaluations of the completed generations, or null before the first one.</summary>
    public EvaluatedCandidate? Best => _rankedFull.Count > 0 ? _rankedFull[0] : null;

    /// <summary>
    /// The best full evaluation with n̂ = 0 (a factor set every inference stack can run) of the completed generations,
    /// or null when there is none.
    /// </summary>
    public EvaluatedCandidate? BestDeployable => _rankedFull.FirstOrDefault(e => e.Candidate.Factors.NHat == 0);

    /// <summary>
    /// <see cref="Best"/> including the results of the current generation received so far: what progress displays
    /// and a best-so-far export take. Selection never uses it.
    /// </summary>
    public EvaluatedCandidate? BestSoFar
    {
        get
        {
            var best = Best;
            for (int i = 0; i < _reported.Length; i++)
            {
                if (_reported[i] is not { Abandoned: false } score) continue;
                var e = new EvaluatedCandidate(_pending[i], score);
                if (best is null || CandidateRanking.Instance.Compare(e, best) < 0) best = e;
            }
            return best;
        }
    }

    /// <summary>Steps of the current generation not yet reported (during a screen: candidates not yet screened).</summary>
    public int PendingCount => Screening ? _pending.Count - _screenedCount : _pending.Count - _reportedCount;

    /// <summary>
    /// Evaluations this stage will make if no child is given up: done + pending + the later generations' children
    /// (with a flops_budget, the generations its work is expected to allow at the recent children's mean cost).
    /// </summary>
    public long PlannedEvaluations =>
        _evaluated.Count + _pending.Count
        + (IsFinished ? 0 : ExpectedLaterGenerations(Space.Evolution.Generations - Generation) * (Space.Evolution.Mutations + Space.Evolution.Crossovers));

    /// <summary>
    /// The early-abandon rule of the current generation, the same object for every one of its candidates (null: no
    /// rule — abandoning is off, fewer than two samples, or fewer than Parents full evaluations in the previous
    /// generations, as always in generation 0).
    /// </summary>
    public AbandonRule? CurrentRule => _rule;

    /// <summary>The score of a factor set evaluated in a completed generation of this stage, if any (exact <see cref="FactorSet.Key"/> match).</summary>
    public bool TryGetEvaluated(FactorSet factors, out EvaluatedCandidate? evaluated)
    {
        ArgumentNullException.ThrowIfNull(factors);
        return _cache.TryGetValue(factors.Key, out evaluated);
    }

    /// <summary>
    /// The pending candidate with the lowest id not yet reported, or null when the stage is finished. Does not change
    /// the state: calling it again before <see cref="Report"/> returns the same candidate and rule.
    /// </summary>
    public SearchStep? Next()
    {
        if (IsFinished) return null;
        for (int i = 0; i < _pending.Count; i++)
            if (IsOpen(i)) return Step(i);
        throw new InvalidOperationException("no pending candidate in an unfinished stage");  // the last report breeds
    }

    /// <summary>
    /// Every candidate of the current generation not yet reported, in id order, all with the same
    /// <see cref="CurrentRule"/> (empty when the stage is finished). Does not change the state.
    /// </summary>
    public IReadOnlyList<SearchStep> PendingSteps()
    {
        var steps = new List<SearchStep>(PendingCount);
        for (int i = 0; i < _pending.Count; i++)
            if (IsOpen(i)) steps.Add(Step(i));
        return steps;
    }

    /// <summary>True when <paramref name="candidateId"/> belongs to the current generation and is not reported yet.</summary>
    public bool IsPending(long candidateId) => _pendingIndex.TryGetValue(candidateId, out var i) && IsOpen(i);

    /// <summary>
    /// Records the score of any pending candidate of the current generation, in any order. A full score must hold
    /// exactly <see cref="EvolutionSettings.Samples"/> NLLs; an abandoned one at least one and fewer than that, and
    /// only when the generation has a rule and it says stop at that point. When this completes the generation, its
    /// results are recorded in candidate-id order and the next generation is bred at once (or the stage finishes).
    /// </summary>
    /// <returns>
    /// The evaluations this report made final, in candidate-id order: this one's, or none while a screen is still
    /// running, or at the end of a screen every child it dropped (what a host writes to its history).
    /// </returns>
    public IReadOnlyList<EvaluatedCandidate> Report(long candidateId, CandidateScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        if (IsFinished) throw new InvalidOperationException("the search is finished; nothing is waiting for a score");
        if (!_pendingIndex.TryGetValue(candidateId, out var i))
            throw new InvalidOperationException($"score reported for candidate {candidateId}, which is not a candidate of generation {Generation} (ids {_pending[0].Id}–{_pending[^1].Id})");
        if (Screening) return ReportScreen(i, score);
        if (_reported[i] is not null)
            throw new InvalidOperationException($"candidate {candidateId} was already reported");
        CheckScore(score, _rule);
        // A continuation's score covers the whole evaluation (its samples, tokens and FLOPs include the screen's);
        // only its wall time is its own.
        var final = ScreenOf(i) is { } screen ? score with { Seconds = screen.Seconds + score.Seconds } : score;
        _reported[i] = final;
        _reportedCount++;
        var done = new EvaluatedCandidate(_pending[i], final);
        if (_reportedCount == _pending.Count) CompleteGeneration();
        return [done];
    }

    /// <summary>Runs to the end of the stage (checking <paramref name="ct"/> between evaluations) and returns the best.</summary>
    public EvaluatedCandidate Run(ICandidateEvaluator evaluator, Action<EvaluatedCandidate>? onEvaluated = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (Next() is not { } step) break;
            var score = evaluator.Evaluate(step, ct);
            foreach (var done in Report(step.Candidate.Id, score)) onEvaluated?.Invoke(done);
        }
        return Best ?? throw new InvalidOperationException("the search finished without a full evaluation");
    }

    /// <summary>
    /// The step of pending candidate <paramref name="i"/>: during a screen, with the screen's rule; after it, with the
    /// generation's rule and the samples its screen completed.
    /// </summary>
    private SearchStep Step(int i) => Screening
        ? new(StageIndex, Space.Kind, Space.Length, _pending[i], _screenRule) { PrefixEnds = PrefixEnds() }
        : new(StageIndex, Space.Kind, Space.Length, _pending[i], _rule)
        {
            PrefixEnds = PrefixEnds(), CompletedSamples = ScreenedSamples(ScreenOf(i)), Continuation = ScreenOf(i) is not null,
        };

    /// <summary>The stage's prefix step ends, or null when prefix-first abandon is off (or abandoning is).</summary>
    private int[]? PrefixEnds()
    {
        var a = Space.Evolution.EarlyAbandon;
        return a.Enabled && a.Prefix is { } p ? p.EndsFor(Space.Length) : null;
    }

    /// <summary>All results are in: record them in id order, then breed (or finish) and freeze the next rule.</summary>
    private void CompleteGeneration()
    {
        for (int i = 0; i < _pending.Count; i++)
        {
            var score = _reported[i]!;
            Record(new EvaluatedCandidate(_pending[i], score));
            _counters = Count(_counters, score);
        }
        BreedNextGeneration();
    }

    /// <summary>Makes <paramref name="children"/> the current generation and freezes its rule.</summary>
    private void StartGeneration(List<Candidate> children)
    {
        _pending = children;
        _reported = new CandidateScore?[children.Count];
        _pendingIndex = children.Select((c, i) => (c.Id, i)).ToDictionary(p => p.Id, p => p.i);
        _reportedCount = 0;
        _rule = FrozenAbandonRule();
        StartScreen();
    }

    /// <summary>
    /// The rule for the whole current generation, from the full evaluations of the completed generations only: null
    /// while abandoning is off or fewer than Parents of them exist. The threshold is the r-th best of them
    /// (<see cref="EarlyAbandonSettings.ThresholdRank"/>, by default Parents: the worst parent).
    /// </summary>
    private AbandonRule? FrozenAbandonRule()
    {
        var ev = Space.Evolution;
        // With one sample only prefixes can be compared (the per-sample rule never acts before the last sample).
        if (!ev.EarlyAbandon.Enabled || (ev.Samples < 2 && ev.EarlyAbandon.Prefix is null) || _rankedFull.Count < ev.Parents) return null;
        var threshold = _rankedFull[(ev.EarlyAbandon.ThresholdRank ?? ev.Parents) - 1];
        // The prefix comparison needs T's sums at this stage's ends; a T scored without them (a checkpoint from before
        // prefix-first abandon, or another evaluator) leaves the per-sample rule alone.
        var ends = PrefixEnds();
        var sums = threshold.Score.PrefixNllSums;
        bool prefix = ends is not null && sums is not null && threshold.Score.PrefixEnds is { } te && te.SequenceEqual(ends)
            && sums.Length == ev.Samples && sums.All(a => a.Length == ends.Length);
        return new AbandonRule(threshold.Candidate.Id, threshold.Score.PerSampleNll, ev.EarlyAbandon.Margin, ev.EarlyAbandon.MinSamples,
            prefix ? ends : null, prefix ? sums : null, ev.EarlyAbandon.Prefix?.Margin ?? 0);
    }

    private SearchCounters Count(SearchCounters c, CandidateScore score)
    {
        var k = Space.Evolution.Samples;
        var skipped = c.SamplesSkipped + (k - score.PerSampleNll.Length);
        return c with
        {
            Evaluations = c.Evaluations + 1,
            FullEvaluations = c.FullEvaluations + (score.Abandoned ? 0 : 1),
            Abandoned = c.Abandoned + (score.Abandoned ? 1 : 0),
            SamplesEvaluated = c.SamplesEvaluated + score.PerSampleNll.Length,
            SamplesSkipped = skipped,
            FullEvaluationsSaved = (double)skipped / k,
            Tokens = c.Tokens + score.Tokens,
            Flops = c.Flops + score.Flops,
            Stops = score.Abandoned ? AbandonStop.Merge(c.Stops, [AbandonStop.Of(score)]) : c.Stops,
            EvaluationSeconds = c.EvaluationSeconds + (double.IsFinite(score.Seconds) ? score.Seconds : 0),
        };
    }

    private void CheckScore(CandidateScore score, AbandonRule? rule)
    {
        var k = Space.Evolution.Samples;
        var n = score.PerSampleNll?.Length ?? throw new ArgumentException("the score has no per-sample NLLs", nameof(score));
        if (!score.Abandoned)
        {
            if (n != k) throw new ArgumentException($"a full evaluation must score {k} samples, this one has {n}", nameof(score));
            return;
        }
        int min = rule?.HasPrefixRule == true ? 0 : 1;
        if (n < min || n >= k) throw new ArgumentException($"an abandoned evaluation must hold between {min} and {k - 1} complete samples, this one has {n}", nameof(score));
        if (rule is null) throw new ArgumentException("the evaluation was abandoned, but no abandon rule was offered", nameof(score));
        if (!rule.Stops(score))
            throw new ArgumentException($"the evaluation was abandoned after {n} samples (and {score.PrefixNllSums?.LastOrDefault()?.Length ?? 0} prefix steps of the last one), but the abandon rule says continue there", nameof(score));
    }

    private void Record(EvaluatedCandidate e)
    {
        _evaluated.Add(e);
        _cache[e.Candidate.Key] = e;
        _known.Add(e.Candidate.Key);
        if (e.Score.Abandoned) return;
        var at = _rankedFull.BinarySearch(e, CandidateRanking.Instance);
        _rankedFull.Insert(at < 0 ? ~at : at, e);
    }
}
