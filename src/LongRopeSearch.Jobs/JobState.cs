using System.Text.Json;
using LongRopeSearch.Core;
using LongRopeSearch.Search;
using LongRopeSearch.Store.History;

namespace LongRopeSearch.Jobs;

/// <summary>
/// Everything a killed job needs to continue exactly: the search's full state (population, evaluated cache,
/// random generator), the history rows not yet flushed to Parquet, the validation tables already computed, and the
/// fingerprint that ties the checkpoint to one model, data set, search space and code version.
/// </summary>
public sealed class JobState
{
    public const int CurrentFormat = 1;

    public int Format { get; set; } = CurrentFormat;
    public JobFingerprint Fingerprint { get; set; } = new();

    /// <summary>running, finished or failed.</summary>
    public string Status { get; set; } = "running";
    public string? Error { get; set; }
    public ProgressiveSearchState Search { get; set; } = new();

    /// <summary>Rows history.parquet holds as of this checkpoint; rows beyond it were written by a killed run.</summary>
    public long HistoryRowsCommitted { get; set; }

    /// <summary>Evaluated rows of the current generation, not yet in history.parquet.</summary>
    public List<HistoryRow> PendingRows { get; set; } = [];
    public List<StageValidation> Validations { get; set; } = [];
    public long Evaluations { get; set; }

    /// <summary>Wall time spent evaluating, summed over all runs of the job.</summary>
    public double EvaluationSeconds { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, SearchStateJson.Options));

    public static JobState Load(string path)
    {
        try
        {
            var s = JsonSerializer.Deserialize<JobState>(File.ReadAllText(path), SearchStateJson.Options)
                ?? throw new InputException(path, "", "a job state object", "null");
            if (s.Format != CurrentFormat)
                throw new InputException(path, "format", $"job state format {CurrentFormat}", s.Format.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return s;
        }
        catch (JsonException e)
        {
            throw new InputException(path, e.Path ?? "", "a job checkpoint written by this tool", e.Message, e);
        }
    }
}

/// <summary>The validation table of one finished stage: each method scored on the search and the validation samples.</summary>
public sealed class StageValidation
{
    public string Stage { get; set; } = "";
    public string Kind { get; set; } = "";
    public int Length { get; set; }
    public int SearchSamples { get; set; }
    public int ValidationSamples { get; set; }
    public List<MethodScore> Rows { get; set; } = [];
}

public sealed class MethodScore
{
    public string Method { get; set; } = "";
    public double[] Lambda { get; set; } = [];
    public int NHat { get; set; }
    public double AttentionFactor { get; set; }
    public double SearchNll { get; set; }
    public double SearchPpl { get; set; }
    public double ValidationNll { get; set; }
    public double ValidationPpl { get; set; }
    public double[] ValidationPerSampleNll { get; set; } = [];
}
