namespace LongRopeSearch.Search;

/// <summary>
/// The complete state of a <see cref="ProgressiveSearch"/>: the resolved stages, the finished stages' results and
/// the running stage's searcher. Plain data; write it with <see cref="SearchStateJson"/>.
/// Format 2 (format 1 is refused): stage results carry their best deployable candidate, and the running searcher is
/// a <see cref="SearcherState"/> of format 2.
/// </summary>
public sealed class ProgressiveSearchState
{
    public const int CurrentFormat = 2;

    public int Format { get; set; } = CurrentFormat;

    /// <summary>Seed the search started from (informational; the generator state is in the searcher or <see cref="Rng"/>).</summary>
    public ulong Seed { get; set; }

    public List<TargetSpace> Stages { get; set; } = [];
    public List<StageResultState> Completed { get; set; } = [];

    /// <summary>The running stage, or null once every stage is done.</summary>
    public SearcherState? Current { get; set; }

    /// <summary>The generator state after the last stage (when <see cref="Current"/> is null).</summary>
    public string Rng { get; set; } = "";

    public long NextCandidateId { get; set; }
}

public sealed class StageResultState
{
    public int StageIndex { get; set; }
    public EvaluatedState Best { get; set; } = new();

    /// <summary>The best full evaluation with n̂ = 0 (what every inference stack can run), or null when there is none.</summary>
    public EvaluatedState? BestDeployable { get; set; }

    public List<EvaluatedState> Top { get; set; } = [];
    public SearchCounters Counters { get; set; } = new();
}
