using System.Text.Json;
using System.Text.Json.Serialization;

namespace LongRopeSearch.Jobs;

/// <summary>
/// Where a job stands. A runner records <see cref="Running"/>, <see cref="Stopped"/>, <see cref="Finished"/> or
/// <see cref="Failed"/> (status.json; state.json only running or finished); the others are what
/// <see cref="JobOverview"/> concludes from what it finds. Written as the lower-case words of <see cref="JobPhases.Text"/>.
/// </summary>
[JsonConverter(typeof(JobPhaseJsonConverter))]
public enum JobPhase
{
    /// <summary>No checkpoint yet (an empty or missing output directory).</summary>
    NotStarted,

    /// <summary>A worker's job spec whose job has not started.</summary>
    Queued,

    /// <summary>A live process holds the job's lock.</summary>
    Running,

    /// <summary>Stopped on request (Ctrl-C, SIGTERM) at an evaluation boundary; `resume` continues.</summary>
    Stopped,

    /// <summary>Its process ended without saying so (kill -9, power loss); the checkpoint is intact and `resume` continues.</summary>
    Interrupted,

    Finished,

    /// <summary>Its last run ended with an error (recorded with the reason).</summary>
    Failed,

    /// <summary>Its checkpoint or status file cannot be read: nothing can resume it as it is.</summary>
    Corrupt,
}

public static class JobPhases
{
    /// <summary>The one text form of each phase: in status.json, state.json and the `status` table.</summary>
    public static string Text(this JobPhase phase) => phase switch
    {
        JobPhase.NotStarted => "not started",
        JobPhase.Queued => "queued",
        JobPhase.Running => "running",
        JobPhase.Stopped => "stopped",
        JobPhase.Interrupted => "interrupted",
        JobPhase.Finished => "finished",
        JobPhase.Failed => "failed",
        JobPhase.Corrupt => "corrupt",
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, null),
    };

    public static JobPhase? TryParse(string? text) =>
        Enum.GetValues<JobPhase>().Cast<JobPhase?>().FirstOrDefault(p => p!.Value.Text() == text);

    /// <summary>A job `resume` (or a worker) can continue from its checkpoint.</summary>
    public static bool IsResumable(this JobPhase phase) => phase is JobPhase.Stopped or JobPhase.Interrupted;
}

/// <summary>Reads and writes <see cref="JobPhase"/> as its <see cref="JobPhases.Text"/>.</summary>
internal sealed class JobPhaseJsonConverter : JsonConverter<JobPhase>
{
    public override JobPhase Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return JobPhases.TryParse(text)
            ?? throw new JsonException($"{(text is null ? "a " + reader.TokenType.ToString().ToLowerInvariant() : "\"" + text + "\"")} is not a job state (one of "
                + string.Join(", ", Enum.GetValues<JobPhase>().Select(p => $"\"{p.Text()}\"")) + ")");
    }

    public override void Write(Utf8JsonWriter writer, JobPhase value, JsonSerializerOptions options) => writer.WriteStringValue(value.Text());
}
