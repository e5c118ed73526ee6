namespace LongRopeSearch.Search;

/// <summary>
/// The order of selection: full evaluations by mean NLL (non-finite last), ties by candidate id (older first);
/// abandoned evaluations after every full one, by id.
/// </summary>
public sealed class CandidateRanking : IComparer<EvaluatedCandidate>
{
    public static CandidateRanking Instance { get; } = new();

    public int Compare(EvaluatedCandidate? x, EvaluatedCandidate? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return 1;
        if (y is null) return -1;
        if (x.Score.Abandoned != y.Score.Abandoned) return x.Score.Abandoned ? 1 : -1;
        if (!x.Score.Abandoned)
        {
            var c = x.Score.RankValue.CompareTo(y.Score.RankValue);
            if (c != 0) return c;
        }
        return x.Candidate.Id.CompareTo(y.Candidate.Id);
    }
}
