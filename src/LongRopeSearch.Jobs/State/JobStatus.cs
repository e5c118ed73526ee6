using LongRopeSearch.Search;
using LongRopeSearch.Store;

namespace LongRopeSearch.Jobs;

/// <summary>
/// status.json: what the last process that ran the job said about it, rewritten with every checkpoint and when a run
/// stops or fails, so `status` of a running job never parses the big checkpoint. What `status` shows is concluded by
/// <see cref="JobOverview"/>, which also checks it.
/// </summary>
public sealed class JobStatus
{
    /// <summary>Running, Stopped, Finished or Failed.</summary>
    public JobPhase State { get; set; } = JobPhase.Running;
    public string Stage { get; set; } = "";
    public int Length { get; set; }

    /// <summary>1-based number of the generation being evaluated; <see cref="Generations"/> once the job is finished.</summary>
    public int Generation { get; set; }
    public int Generations { get; set; }
    public long Evaluations { get; set; }
    public long EvaluationsPlanned { get; set; }
    public double? BestPpl { get; set; }
    public double? EvaluationsPerSecond { get; set; }
    public double? EtaSeconds { get; set; }
    public long Abandoned { get; set; }
    public double FullEvaluationsSaved { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? Error { get; set; }

    public static JobStatus From(JobState state, SearchProgress p, JobPhase phase) => new()
    {
        State = phase,
        Stage = p.StageName,
        Length = p.Length,
        // SearchProgress counts generations from 0: shown as is, a finished job read "generation 3/4".
        Generation = p.Finished ? p.Generations : p.Generation + 1,
        Generations = p.Generations,
        Evaluations = state.Evaluations,
        EvaluationsPlanned = p.EvaluationsPlanned,
        BestPpl = p.BestPerplexity,
        // The rate over this job's whole evaluation time: stable across resumes, unlike a per-run clock.
        EvaluationsPerSecond = state.EvaluationSeconds > 0 ? state.Evaluations / state.EvaluationSeconds : null,
        EtaSeconds = state.EvaluationSeconds > 0 && state.Evaluations > 0
            ? Math.Max(0, p.EvaluationsPlanned - p.EvaluationsDone) * state.EvaluationSeconds / state.Evaluations : null,
        Abandoned = p.Abandoned,
        FullEvaluationsSaved = p.FullEvaluationsSaved,
        UpdatedAt = state.UpdatedAt,
    };

    private const string What = "a status.json written by longrope";

    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, ArtifactJson.Options);

    /// <summary>Parses status.json text; anything else is an InputException naming <paramref name="source"/>.</summary>
    public static JobStatus FromJson(string json, string source) => ArtifactJson.Parse<JobStatus>(source, json, What);

    /// <summary>The status file at <paramref name="path"/>, null when there is none, an InputException naming it when unreadable.</summary>
    public static JobStatus? Load(string path) => ArtifactJson.ReadOrNull<JobStatus>(path, What);
}
