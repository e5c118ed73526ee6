using System.Globalization;
using System.Text.Json;
using LongRopeSearch.Core;
using LongRopeSearch.Search;
using LongRopeSearch.Store.History;
using LongRopeSearch.Store.Validation;

namespace LongRopeSearch.Jobs;

/// <summary>
/// A job's checkpoint (state.json): everything a killed job needs to continue exactly — the search's full state
/// (population, evaluated cache, random generator), the history rows not yet flushed to history.parquet, the
/// validation tables already computed, and the fingerprint that ties the checkpoint to one model, data set, search
/// space and code version. Stored by an <see cref="IJobStore"/> as <see cref="ToJson"/> text.
/// </summary>
public sealed class JobState
{
    public const int CurrentFormat = 1;

    public int Format { get; set; } = CurrentFormat;
    public JobFingerprint Fingerprint { get; set; } = new();

    /// <summary><see cref="JobPhase.Running"/> until the last stage is validated, then <see cref="JobPhase.Finished"/>.</summary>
    public JobPhase Status { get; set; } = JobPhase.Running;
    public ProgressiveSearchState Search { get; set; } = new();

    /// <summary>Rows history.parquet holds as of this checkpoint; rows beyond it were written by a killed run.</summary>
    public long HistoryRowsCommitted { get; set; }

    /// <summary>Evaluated rows of the current generation, not yet in history.parquet.</summary>
    public List<HistoryRow> PendingRows { get; set; } = [];
    public List<ValidationTable> Validations { get; set; } = [];
    public long Evaluations { get; set; }

    /// <summary>Wall time spent evaluating, summed over all runs of the job.</summary>
    public double EvaluationSeconds { get; set; }
    /// <summary>
    /// The evaluation in flight, when at least one of its samples is finished (and more remain): its samples' NLL sums
    /// at every prefix step end, so a resumed run continues with the next sample. Null otherwise (and in checkpoints
    /// written before it existed).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public InFlightEvaluation? InFlight { get; set; }

    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public string ToJson() => JsonSerializer.Serialize(this, SearchStateJson.Options);

    /// <summary>Parses a checkpoint; anything else (including another format) is an InputException naming <paramref name="source"/>.</summary>
    public static JobState FromJson(string json, string source)
    {
        JobState s;
        try
        {
            s = JsonSerializer.Deserialize<JobState>(json, SearchStateJson.Options) ?? throw new InputException(source, "", "a job checkpoint", "null");
        }
        catch (JsonException e)
        {
            throw new InputException(source, Store.ArtifactJson.Member(e), "a job checkpoint written by longrope", JsonInput.Where(e), e);
        }
        catch (InvalidOperationException e)
        {
            // A string System.Text.Json cannot decode (a lone surrogate escape): the file is damaged, not the program.
            throw new InputException(source, "", "a job checkpoint written by longrope", e.Message, e);
        }
        if (s.Format != CurrentFormat)
            throw new InputException(source, "format", string.Create(CultureInfo.InvariantCulture, $"job checkpoint format {CurrentFormat}"), s.Format.ToString(CultureInfo.InvariantCulture));
        if (s.Status is not (JobPhase.Running or JobPhase.Finished))
            throw new InputException(source, "status", "\"running\" or \"finished\"", $"\"{s.Status.Text()}\"");
        if (s.Search is null || s.Fingerprint is null || s.PendingRows is null || s.Validations is null)
            throw new InputException(source, "", "a job checkpoint with search, fingerprint, pending_rows and validations", "a member missing or null");
        return s;
    }

    /// <summary>
    /// The search this checkpoint holds, restored. A checkpoint that parses but does not restore (edited by hand,
    /// written by a broken version) is an InputException naming <paramref name="source"/>, not a stack trace.
    /// </summary>
    public ProgressiveSearch RestoreSearch(ISeedProvider seeds, string source)
    {
        try
        {
            return ProgressiveSearch.Restore(Search, seeds);
        }
        catch (InputException e)
        {
            throw new InputException(source, "search." + e.Field, e.Expected, e.Found, e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or IndexOutOfRangeException or KeyNotFoundException or OverflowException)
        {
            throw new InputException(source, "search", "a search state that restores", e.Message, e);
        }
    }

    /// <summary>Reads the checkpoint file at <paramref name="path"/> (tests and tools; a job reads it through its store).</summary>
    public static JobState Load(string path) => FromJson(File.ReadAllText(path), path);

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());
}

/// <summary>The finished samples of the evaluation in flight (<see cref="JobState.InFlight"/>).</summary>
public sealed class InFlightEvaluation
{
    public int StageIndex { get; set; }
    public long CandidateId { get; set; }

    /// <summary>[samples finished][step ends] NLL sum of each finished sample at each prefix step end, in sample order.</summary>
    public List<double[]> Samples { get; set; } = [];
}
