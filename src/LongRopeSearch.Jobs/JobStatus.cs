using System.Text.Json;
using LongRopeSearch.Core;
using LongRopeSearch.Search;

namespace LongRopeSearch.Jobs;

/// <summary>status.json: a small summary rewritten with every checkpoint, so `status` never parses the big state.</summary>
public sealed class JobStatus
{
    public string State { get; set; } = "";
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

    public static JobStatus From(JobState state, SearchProgress p) => new()
    {
        State = state.Status,
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
        Error = state.Error,
    };

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, SearchStateJson.Options));

    public static JobStatus? TryLoad(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<JobStatus>(File.ReadAllText(path), SearchStateJson.Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
