using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>
/// LongRoPE's evolutionary search for one stage (one target length), as a step machine the host drives:
/// <code>
/// while (searcher.Next() is { } step)
///     searcher.Report(step.Candidate.Id, evaluator.Evaluate(step.Candidate.Factors, step.Length, step.Abandon, ct));
/// </code>
/// Between any two calls the whole state can be taken with <see cref="Snapshot"/> and continued with
/// <see cref="Restore"/>: the continuation proposes exactly the candidates an uninterrupted run would.
/// <para>
/// Generation 0 is the seeds (snapped to the grid, bounds and monotonicity; duplicates dropped), then mutations of
/// uniformly chosen seeds until <see cref="EvolutionSettings.Population"/> candidates exist. Each later generation
/// (up to <see cref="EvolutionSettings.Generations"/> in all) takes the <see cref="EvolutionSettings.Parents"/>
/// best full evaluations so far as parents (LongRoPE's elitist selection: top parents of population = parents
/// ∪ children) and makes <see cref="EvolutionSettings.Mutations"/> mutations of random parents, then
/// <see cref="EvolutionSettings.Crossovers"/> crossovers of two distinct random parents. No genome that was
/// evaluated or is pending is ever proposed again. The best is the lowest mean NLL among full evaluations.
/// </para>
/// </summary>
public sealed partial class LongRopeSearcher
{
    private readonly Xoshiro256StarStar _rng;
    private readonly List<EvaluatedCandidate> _evaluated = [];           // evaluation order
    private readonly Dictionary<string, EvaluatedCandidate> _cache = []; // FactorSet.Key → evaluation
    private readonly HashSet<string> _known = [];                        // keys evaluated or pending
    private readonly List<EvaluatedCandidate> _rankedFull = [];          // full evaluations, best first
    private List<Candidate> _pending = [];
    private int _nextPending;
    private SearchCounters _counters = new();

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

    /// <summary>The generation whose candidates are being evaluated (0 = initial population).</summary>
    public int Generation { get; private set; }

    public bool IsFinished { get; private set; }

    /// <summary>Id the next created candidate will get.</summary>
    public long NextCandidateId { get; private set; }

    /// <summary>The generator's state now (after the stage finishes: what the next stage continues from).</summary>
    public string RngState => _rng.GetState();

    public SearchCounters Counters => _counters;

    /// <summary>Every evaluation so far, in evaluation order.</summary>
    public IReadOnlyList<EvaluatedCandidate> Evaluated => _evaluated;

    /// <summary>Full evaluations, best first (see <see cref="CandidateRanking"/>).</summary>
    public IReadOnlyList<EvaluatedCandidate> RankedFull => _rankedFull;

    /// <summary>The lowest mean NLL among full evaluations, or null before the first one.</summary>
    public EvaluatedCandidate? Best => _rankedFull.Count > 0 ? _rankedFull[0] : null;

    /// <summary>Candidates of the current generation not yet reported (the first is the one <see cref="Next"/> offers).</summary>
    public int PendingCount => _pending.Count - _nextPending;

    /// <summary>
    /// Evaluations this stage will make if no child is given up: done + pending + the later generations' children.
    /// </summary>
    public long PlannedEvaluations =>
        _evaluated.Count + PendingCount
        + (IsFinished ? 0 : (long)(Space.Evolution.Generations - 1 - Generation) * (Space.Evolution.Mutations + Space.Evolution.Crossovers));

    /// <summary>The score of a factor set already evaluated in this stage, if any (exact <see cref="FactorSet.Key"/> match).</summary>
    public bool TryGetEvaluated(FactorSet factors, out EvaluatedCandidate? evaluated)
    {
        ArgumentNullException.ThrowIfNull(factors);
        return _cache.TryGetValue(factors.Key, out evaluated);
    }

    /// <summary>
    /// The evaluation wanted next, or null when the stage is finished. Does not change the state: calling it again
    /// before <see cref="Report"/> returns the same candidate and rule.
    /// </summary>
    public SearchStep? Next()
    {
        if (IsFinished) return null;
        return new SearchStep(StageIndex, Space.Kind, Space.Length, _pending[_nextPending], CurrentAbandonRule());
    }

    /// <summary>
    /// Records the score of the candidate <see cref="Next"/> offered. A full score must hold exactly
    /// <see cref="EvolutionSettings.Samples"/> NLLs; an abandoned one at least one and fewer than that, and only
    /// when a rule was offered and says stop at that point. When this was the generation's last candidate the next
    /// generation is bred at once (or the stage finishes).
    /// </summary>
    public void Report(long candidateId, CandidateScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        if (IsFinished) throw new InvalidOperationException("the search is finished; nothing is waiting for a score");
        var candidate = _pending[_nextPending];
        if (candidate.Id != candidateId)
            throw new InvalidOperationException($"score reported for candidate {candidateId}, but candidate {candidate.Id} is the one being evaluated");
        CheckScore(score, CurrentAbandonRule());

        var k = Space.Evolution.Samples;
        var e = new EvaluatedCandidate(candidate, score);
        Record(e);
        _counters = _counters with
        {
            Evaluations = _counters.Evaluations + 1,
            FullEvaluations = _counters.FullEvaluations + (score.Abandoned ? 0 : 1),
            Abandoned = _counters.Abandoned + (score.Abandoned ? 1 : 0),
            SamplesEvaluated = _counters.SamplesEvaluated + score.PerSampleNll.Length,
            SamplesSkipped = _counters.SamplesSkipped + (k - score.PerSampleNll.Length),
            FullEvaluationsSaved = (double)(_counters.SamplesSkipped + (k - score.PerSampleNll.Length)) / k,
            EvaluationSeconds = _counters.EvaluationSeconds + (double.IsFinite(score.Seconds) ? score.Seconds : 0),
        };
        _nextPending++;
        if (_nextPending == _pending.Count) BreedNextGeneration();
    }

    /// <summary>Runs to the end of the stage (checking <paramref name="ct"/> between evaluations) and returns the best.</summary>
    public EvaluatedCandidate Run(ICandidateEvaluator evaluator, Action<EvaluatedCandidate>? onEvaluated = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (Next() is not { } step) break;
            var score = evaluator.Evaluate(step.Candidate.Factors, step.Length, step.Abandon, ct);
            Report(step.Candidate.Id, score);
            onEvaluated?.Invoke(_evaluated[^1]);
        }
        return Best ?? throw new InvalidOperationException("the search finished without a full evaluation");
    }

    /// <summary>The rule for the candidate about to be evaluated: null while abandoning is off or fewer than Parents full evaluations exist.</summary>
    private AbandonRule? CurrentAbandonRule()
    {
        var ev = Space.Evolution;
        if (!ev.EarlyAbandon.Enabled || ev.Samples < 2 || _rankedFull.Count < ev.Parents) return null;
        var threshold = _rankedFull[ev.Parents - 1];
        return new AbandonRule(threshold.Candidate.Id, threshold.Score.PerSampleNll, ev.EarlyAbandon.Margin, ev.EarlyAbandon.MinSamples);
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
        if (n < 1 || n >= k) throw new ArgumentException($"an abandoned evaluation must hold between 1 and {k - 1} samples, this one has {n}", nameof(score));
        if (rule is null) throw new ArgumentException("the evaluation was abandoned, but no abandon rule was offered", nameof(score));
        if (rule.ShouldContinue(n, score.PerSampleNll))
            throw new ArgumentException($"the evaluation was abandoned after {n} samples, but the abandon rule says continue there", nameof(score));
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
