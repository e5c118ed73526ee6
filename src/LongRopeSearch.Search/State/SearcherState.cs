namespace LongRopeSearch.Search;

/// <summary>
/// Everything a <see cref="LongRopeSearcher"/> needs to continue exactly where it stopped: taken between two
/// evaluations (the candidate in flight, if any, is still pending and is evaluated again after a restore).
/// Plain data for System.Text.Json; see <see cref="SearchStateJson"/> for the options that keep doubles exact.
/// </summary>
public sealed class SearcherState
{
    public const int CurrentFormat = 1;

    public int Format { get; set; } = CurrentFormat;

    /// <summary>Index of this stage in its plan (0 for a stand-alone searcher).</summary>
    public int StageIndex { get; set; }

    public TargetSpace Space { get; set; } = null!;

    /// <summary><see cref="Xoshiro256StarStar.GetState"/> of the search's generator.</summary>
    public string Rng { get; set; } = "";

    public int Generation { get; set; }
    public long NextCandidateId { get; set; }
    public bool Finished { get; set; }

    /// <summary>Children of the current generation, in evaluation order; those before <see cref="NextPending"/> are done.</summary>
    public List<CandidateState> Pending { get; set; } = [];

    public int NextPending { get; set; }

    /// <summary>Every evaluation of this stage, in evaluation order (the cache).</summary>
    public List<EvaluatedState> Evaluated { get; set; } = [];

    public SearchCounters Counters { get; set; } = new();
}

/// <summary>A candidate as data: its grid indices (exact) rather than λ values.</summary>
public sealed class CandidateState
{
    public long Id { get; set; }
    public int Generation { get; set; }
    public string Origin { get; set; } = "";
    public long[] ParentIds { get; set; } = [];

    /// <summary>[pairs] grid index of each λ (see <see cref="TargetSpace.GridValue"/>).</summary>
    public int[] GridIndex { get; set; } = [];

    public int NHat { get; set; }
}

public sealed class EvaluatedState
{
    public CandidateState Candidate { get; set; } = new();
    public CandidateScore Score { get; set; } = new([], double.NaN, false, 0);
}
