using LongRopeSearch.Search;
using LongRopeSearch.Store;

namespace LongRopeSearch.Jobs;

/// <summary>The one mapping from the search's stage kinds to the kinds the job's artifacts are labelled with.</summary>
internal static class JobStages
{
    public static FactorKind ToFactorKind(this StageKind kind) => kind == StageKind.Short ? FactorKind.Short : FactorKind.Long;

    public static FactorKind ToFactorKind(this SearchStage stage) => stage.Kind.ToFactorKind();
}
