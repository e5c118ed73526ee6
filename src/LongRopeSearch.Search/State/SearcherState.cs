using System.Text.Json.Serialization;

namespace LongRopeSearch.Search;

/// <summary>
/// Everything a <see cref="LongRopeSearcher"/> needs to continue exactly where it stopped: taken between two
/// reports, possibly in the middle of a generation whose results arrived in any order (candidates in flight stay
/// pending and are offered again after a restore). Plain data for System.Text.Json; see <see cref="SearchStateJson"/>
/// for the options that keep doubles exact.
/// <para>
/// Format 2 (format 1 is refused): the generation's results are kept apart in <see cref="Reported"/>, in candidate-id
/// order, until the generation is complete (format 1 had a next-pending index and took results one by one in
/// order); <see cref="Counters"/> no longer include them; candidates may carry an attention-factor grid index; the
/// space may search the attention factor and names its critical-dimension rule.
/// </para>
/// </summary>
public sealed class SearcherState
{
    public const int CurrentFormat = 2;

    public int Format { get; set; } = CurrentFormat;

    /// <summary>Index of this stage in its plan (0 for a stand-alone searcher).</summary>
    public int StageIndex { get; set; }

    public TargetSpace Space { get; set; } = null!;

    /// <summary><see cref="Xoshiro256StarStar.GetState"/> of the search's generator.</summary>
    public string Rng { get; set; } = "";

    public int Generation { get; set; }
    public long NextCandidateId { get; set; }
    public bool Finished { get; set; }

    /// <summary>Every candidate of the current generation, in id order (those in <see cref="Reported"/> included).</summary>
    public List<CandidateState> Pending { get; set; } = [];

    /// <summary>Results of the current generation received so far, in candidate-id order (whatever the arrival order).</summary>
    public List<ReportedState> Reported { get; set; } = [];

    /// <summary>
    /// Screen results of the current generation (successive halving, <see cref="EarlyAbandonSettings.Screen"/>), in
    /// candidate-id order; absent when it does not screen. <see cref="Reported"/> then holds only the results of the
    /// children kept past the screen: the dropped children's results are their screen scores, derived again on restore.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ReportedState>? Screened { get; set; }

    /// <summary>Every evaluation of the completed generations of this stage, generation by generation in id order.</summary>
    public List<EvaluatedState> Evaluated { get; set; } = [];

    /// <summary>Counters of the completed generations (the results in <see cref="Reported"/> are added when read).</summary>
    public SearchCounters Counters { get; set; } = new();
}

/// <summary>A result of the current generation, received before the generation is complete.</summary>
public sealed class ReportedState
{
    public long CandidateId { get; set; }
    public CandidateScore Score { get; set; } = new([], double.NaN, false, 0);
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

    /// <summary>Index into the space's attention-factor grid; absent when the space does not search the factor.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? AttentionIndex { get; set; }
}

public sealed class EvaluatedState
{
    public CandidateState Candidate { get; set; } = new();
    public CandidateScore Score { get; set; } = new([], double.NaN, false, 0);
}
