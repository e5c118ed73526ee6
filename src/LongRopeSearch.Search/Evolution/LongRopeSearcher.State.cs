using LongRopeSearch.Core;

namespace LongRopeSearch.Search;

/// <summary>Snapshot and restore.</summary>
public sealed partial class LongRopeSearcher
{
    private const string CheckpointSource = StateCodec.Source;

    /// <summary>
    /// The complete state as plain data (a deep copy: later steps do not change it). Restoring it gives a searcher
    /// that continues exactly as this one would, starting with the same pending candidate.
    /// </summary>
    public SearcherState Snapshot() => new()
    {
        StageIndex = StageIndex,
        Space = Space with { LowIndex = (int[])Space.LowIndex.Clone(), HighIndex = (int[])Space.HighIndex.Clone(), NHatChoices = (int[])Space.NHatChoices.Clone() },
        Rng = _rng.GetState(),
        Generation = Generation,
        NextCandidateId = NextCandidateId,
        Finished = IsFinished,
        Pending = _pending.Select(StateCodec.ToState).ToList(),
        NextPending = _nextPending,
        Evaluated = _evaluated.Select(StateCodec.ToState).ToList(),
        Counters = _counters,
    };

    /// <summary>
    /// A searcher continuing from <paramref name="state"/>. Inconsistent state (an edited or damaged checkpoint)
    /// throws <see cref="InputException"/>.
    /// </summary>
    public static LongRopeSearcher Restore(SearcherState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Format != SearcherState.CurrentFormat)
            throw new InputException(CheckpointSource, "format", $"searcher state format {SearcherState.CurrentFormat}", state.Format.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (state.Space is null) throw new InputException(CheckpointSource, "space", "the stage's search space");
        state.Space.CheckConsistent(CheckpointSource);
        Xoshiro256StarStar rng;
        try { rng = Xoshiro256StarStar.FromState(state.Rng); }
        catch (FormatException ex) { throw new InputException(CheckpointSource, "rng", "a xoshiro256** state", state.Rng, ex); }

        var s = new LongRopeSearcher(state.Space, rng, state.NextCandidateId, state.StageIndex)
        {
            Generation = state.Generation,
            IsFinished = state.Finished,
            _counters = state.Counters ?? new SearchCounters(),
        };
        foreach (var e in state.Evaluated ?? [])
        {
            var c = s.FromState(e.Candidate);
            if (e.Score?.PerSampleNll is null) throw new InputException(CheckpointSource, $"evaluated[{c.Id}].score", "a score with per-sample NLLs");
            s.CheckRestoredScore(c.Id, e.Score);
            if (s._known.Contains(c.Key)) throw new InputException(CheckpointSource, $"evaluated[{c.Id}]", "each factor set evaluated once");
            s.Record(new EvaluatedCandidate(c, StateCodec.CopyScore(e.Score)));
        }
        s._pending = [];
        foreach (var p in state.Pending ?? [])
        {
            var c = s.FromState(p);
            // Pending candidates before NextPending were evaluated already; the rest must be new.
            var fine = s._pending.Count < state.NextPending ? s._cache.ContainsKey(c.Key) : s._known.Add(c.Key);
            if (!fine) throw new InputException(CheckpointSource, $"pending[{c.Id}]", "evaluated candidates before next_pending, new distinct ones after");
            s._pending.Add(c);
        }
        s._nextPending = state.NextPending;
        if (state.NextPending < 0 || state.NextPending > s._pending.Count || (!state.Finished && state.NextPending >= s._pending.Count))
            throw new InputException(CheckpointSource, "next_pending", $"an index within the {s._pending.Count} pending candidates");
        return s;
    }

    private Candidate FromState(CandidateState? cs)
    {
        if (cs is not null && (cs.Id < 0 || cs.Id >= NextCandidateId))
            throw new InputException(CheckpointSource, $"candidate[{cs.Id}].id", $"an id below next_candidate_id {NextCandidateId}");
        return StateCodec.ToCandidate(Space, cs);
    }

    private void CheckRestoredScore(long id, CandidateScore score)
    {
        var k = Space.Evolution.Samples;
        var n = score.PerSampleNll.Length;
        if (score.Abandoned ? n < 1 || n >= k : n != k)
            throw new InputException(CheckpointSource, $"evaluated[{id}].score.per_sample_nll", score.Abandoned ? $"1 to {k - 1} samples" : $"{k} samples", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
