using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using LongRopeSearch.Store;

namespace LongRopeSearch.Jobs;

/// <summary>
/// Writes a finished stage's best factor sets through the job's store: the best overall (best/long-2048.json) and the
/// best deployable one, n̂ = 0 (best/long-2048.deployable.json, written whenever the stage has one, also when it is the
/// best overall, so an export finds it at one place). Each is a factor file `eval --factors` reads, with the fields
/// that describe it.
/// </summary>
internal static class StageBestFiles
{
    /// <summary>Writes both files of <paramref name="result"/>; returns the best overall's search ppl and the deployable one's (null: none).</summary>
    public static (double Best, double? Deployable) Write(IJobStore store, JobContext job, StageResult result)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(result);
        var kind = result.Stage.Kind;
        store.SaveBest(kind, result.Stage.Length, result.Best.Candidate.Factors, Fields(job, result, result.Best, deployable: false));
        if (result.BestDeployable is { } d)
            store.SaveBest(kind, result.Stage.Length, d.Candidate.Factors, Fields(job, result, d, deployable: true), deployable: true);
        return (result.Best.Score.Perplexity, result.BestDeployable?.Score.Perplexity);
    }

    /// <summary>True when the stage's files are all in the store (the deployable one only if the stage has one).</summary>
    public static bool AreWritten(IJobStore store, StageResult result)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(result);
        var kind = result.Stage.Kind;
        var files = store.ListBest().Where(b => b.Kind == kind && b.Length == result.Stage.Length).ToList();
        return files.Any(b => !b.Deployable) && (result.BestDeployable is null || files.Any(b => b.Deployable));
    }

    private static Dictionary<string, object?> Fields(JobContext job, StageResult result, EvaluatedCandidate e, bool deployable)
    {
        var kind = result.Stage.Kind;
        var fields = new Dictionary<string, object?>
        {
            ["stage"] = kind.Text(),
            ["target_length"] = result.Stage.Length,
            ["original_length"] = job.OriginalLength,
            ["scale"] = result.Stage.Scale,
            ["search_mean_nll"] = e.Score.MeanNll,
            ["search_ppl"] = e.Score.Perplexity,
            ["candidate_id"] = e.Candidate.Id,
            ["origin"] = e.Candidate.Origin,
            ["job_id"] = job.Id,
        };
        if (deployable)
        {
            fields["deployable"] = true;
            fields["best_overall_search_ppl"] = result.Best.Score.Perplexity;
            fields["best_overall_n_hat"] = result.Best.Candidate.Factors.NHat;
        }
        return fields;
    }
}
