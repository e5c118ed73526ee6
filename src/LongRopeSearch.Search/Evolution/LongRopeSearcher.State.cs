using System.Globalization;
using LongRopeSearch.Core;

namespace LongRopeSearch.Search;

/// <summary>Snapshot and restore.</summary>
public sealed partial class LongRopeSearcher
{
    private const string CheckpointSource = StateCodec.Source;

    /// <summary>
    /// The complete state as plain data (a deep copy: later steps do not change it). Restoring it gives a searcher
    /// that continues exactly as this one would. It depends only on which results are in, not on their arrival order.
    /// </summary>
    public SearcherState Snapshot() => new()
    {
        StageIndex = StageIndex,
        Space = Space with
        {
            LowIndex = (int[])Space.LowIndex.Clone(), HighIndex = (int[])Space.HighIndex.Clone(), NHatChoices = (int[])Space.NHatChoices.Clone(),
        },
        Rng = _rng.GetState(),
        Generation = Generation,
        NextCandidateId = NextCandidateId,
        Finished = IsFinished,
        Pending = _pending.Select(StateCodec.ToState).ToList(),
        // A child dropped by the screen has its screen score (the same object) as its result: derived, not stored.
        Reported = _pending.Select((c, i) => (c, i)).Where(p => _reported[p.i] is not null && !ReferenceEquals(_reported[p.i], ScreenOf(p.i)))
            .Select(p => new ReportedState { CandidateId = p.c.Id, Score = StateCodec.CopyScore(_reported[p.i]!) }).ToList(),
        Screened = _screened.Length == 0 ? null
            : _pending.Select((c, i) => (c, i)).Where(p => _screened[p.i] is not null)
                .Select(p => new ReportedState { CandidateId = p.c.Id, Score = StateCodec.CopyScore(_screened[p.i]!) }).ToList(),
        Evaluated = _evaluated.Select(StateCodec.ToState).ToList(),
        Counters = _counters,
    };

    /// <summary>
    /// A searcher continuing from <paramref name="state"/>. Inconsistent state (an edited or damaged checkpoint, or
    /// one of another format) throws <see cref="InputException"/>.
    /// </summary>
    public static LongRopeSearcher Restore(SearcherState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Format != SearcherState.CurrentFormat)
            throw new InputException(CheckpointSource, "format",
                $"searcher state format {SearcherState.CurrentFormat} (written by another version of longrope; start the search again)",
                state.Format.ToString(CultureInfo.InvariantCulture));
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
            if (c.Generation > state.Generation) throw new InputException(CheckpointSource, $"evaluated[{c.Id}].generation", $"a completed generation, below {state.Generation}");
            s.Record(new EvaluatedCandidate(c, StateCodec.CopyScore(e.Score)));
        }

        var pending = new List<Candidate>();
        foreach (var p in state.Pending ?? [])
        {
            var c = s.FromState(p);
            if (!s._known.Add(c.Key) || c.Generation != state.Generation || (pending.Count > 0 && c.Id <= pending[^1].Id))
                throw new InputException(CheckpointSource, $"pending[{c.Id}]", $"new distinct candidates of generation {state.Generation} in id order");
            pending.Add(c);
        }
        if (state.Finished != (pending.Count == 0))
            throw new InputException(CheckpointSource, "pending", state.Finished ? "no pending candidate in a finished stage" : "the candidates of the running generation");
        // The rule is a function of the completed generations, so it is recomputed rather than stored.
        s.StartGeneration(pending);
        if (state.Finished) s._rule = null;

        if (state.Screened is { Count: > 0 } screened && !s.Screening)
            throw new InputException(CheckpointSource, "screened", "screen results only in a generation that screens (early_abandon.screen, a generation with a rule)");
        foreach (var r in state.Screened ?? [])
        {
            var field = $"screened[{r?.CandidateId}]";
            if (r?.Score?.PerSampleNll is null) throw new InputException(CheckpointSource, field, "a score with per-sample NLLs");
            if (!s.IsPending(r.CandidateId)) throw new InputException(CheckpointSource, field, "a pending candidate screened once");
            s.CheckRestoredScore(r.CandidateId, r.Score);
            if (!r.Score.Abandoned || !s._screenRule!.Stops(r.Score))
                throw new InputException(CheckpointSource, field, "a screen score that stops where the screen's rule stops");
            s._screened[s._pendingIndex[r.CandidateId]] = StateCodec.CopyScore(r.Score);
            if (++s._screenedCount == pending.Count) s.EndScreen();
        }

        foreach (var r in state.Reported ?? [])
        {
            var field = $"reported[{r?.CandidateId}]";
            if (r?.Score?.PerSampleNll is null) throw new InputException(CheckpointSource, field, "a score with per-sample NLLs");
            if (s.Screening || !s.IsPending(r.CandidateId)) throw new InputException(CheckpointSource, field, "a pending candidate reported once, after its generation's screen");
            s.CheckRestoredScore(r.CandidateId, r.Score);
            if (r.Score.Abandoned && (s._rule is null || !s._rule.Stops(r.Score)))
                throw new InputException(CheckpointSource, field, "an abandoned score only where the generation's abandon rule stops");
            s._reported[s._pendingIndex[r.CandidateId]] = StateCodec.CopyScore(r.Score);
            s._reportedCount++;
        }
        if (!state.Finished && s._reportedCount == pending.Count)
            throw new InputException(CheckpointSource, "reported", "fewer results than pending candidates (a complete generation is recorded at once)");
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
        int min = score.PrefixNllSums is { Length: > 0 } ? 0 : 1;  // a prefix-step evaluation may stop inside its first sample
        if (score.Abandoned ? n < min || n >= k : n != k)
            throw new InputException(CheckpointSource, $"score of candidate {id}: per_sample_nll", score.Abandoned ? $"{min} to {k - 1} samples" : $"{k} samples", n.ToString(CultureInfo.InvariantCulture));
    }
}
