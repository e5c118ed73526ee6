using LongRopeSearch.Core;

namespace LongRopeSearch.Search;

/// <summary>Candidates and scores to and from their checkpoint form.</summary>
internal static class StateCodec
{
    public const string Source = "search checkpoint";

    public static CandidateState ToState(Candidate c) => new()
    {
        Id = c.Id,
        Generation = c.Generation,
        Origin = c.Origin,
        ParentIds = c.ParentIds.ToArray(),
        GridIndex = (int[])c.Genome.Index.Clone(),
        NHat = c.Genome.NHat,
        AttentionIndex = c.Genome.AttentionIndex == Genome.FixedAttention ? null : c.Genome.AttentionIndex,
    };

    public static EvaluatedState ToState(EvaluatedCandidate e) => new() { Candidate = ToState(e.Candidate), Score = CopyScore(e.Score) };

    /// <summary>Rebuilds a candidate in <paramref name="space"/>, rejecting indices outside it.</summary>
    public static Candidate ToCandidate(TargetSpace space, CandidateState? cs)
    {
        if (cs?.GridIndex is null) throw new InputException(Source, "candidate", "a candidate with grid indices");
        var genome = new Genome((int[])cs.GridIndex.Clone(), cs.NHat, cs.AttentionIndex ?? Genome.FixedAttention);
        if (!GenomeCodec.IsValid(space, genome))
            throw new InputException(Source, $"candidate[{cs.Id}]", "grid indices within the bounds, monotone when required, with an allowed n̂, and an attention index exactly when the space searches the factor");
        return new Candidate(cs.Id, cs.Generation, cs.Origin ?? "", cs.ParentIds ?? [], genome, GenomeCodec.ToFactors(space, genome));
    }

    public static EvaluatedCandidate ToEvaluated(TargetSpace space, EvaluatedState? es)
    {
        if (es?.Score?.PerSampleNll is null) throw new InputException(Source, "evaluated.score", "a score with per-sample NLLs");
        return new EvaluatedCandidate(ToCandidate(space, es.Candidate), CopyScore(es.Score));
    }

    public static CandidateScore CopyScore(CandidateScore s) => s with
    {
        PerSampleNll = (double[])s.PerSampleNll.Clone(),
        PrefixEnds = (int[]?)s.PrefixEnds?.Clone(),
        PrefixNllSums = s.PrefixNllSums?.Select(a => (double[])a.Clone()).ToArray(),
    };
}
