using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Search;
using LongRopeSearch.Store.History;
using Xunit;

namespace LongRopeSearch.Jobs.Tests.Kit;

/// <summary>
/// Everything a finished job produced that must not depend on how often it was interrupted: the history rows
/// (without their wall-clock columns), best/*.json, validation.json, the search state and the validation tables of
/// state.json (without evaluation times), and the evaluation count. Doubles are kept as round-trip text ("R"), so
/// equal snapshots mean equal bits.
/// </summary>
internal sealed record JobSnapshot(
    IReadOnlyList<string> HistoryRows,
    IReadOnlyDictionary<string, string> BestFiles,
    string ValidationJson,
    string SearchState,
    string Validations,
    long Evaluations,
    JobPhase Status,
    IReadOnlyList<string> Files)
{
    public static JobSnapshot Take(string jobDir)
    {
        var dir = new JobDirectory(jobDir);
        var state = JobState.Load(dir.State);
        return new JobSnapshot(
            HistoryLog.ReadAll(dir.History).Select(Canonical).ToList(),
            Directory.GetFiles(dir.BestDir).Order(StringComparer.Ordinal).ToDictionary(f => Path.GetFileName(f), File.ReadAllText),
            File.ReadAllText(dir.Validation),
            WithoutTimes(JsonSerializer.SerializeToNode(state.Search, SearchStateJson.Options)),
            WithoutTimes(JsonSerializer.SerializeToNode(state.Validations, SearchStateJson.Options)),
            state.Evaluations,
            state.Status,
            Directory.EnumerateFileSystemEntries(dir.Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir.Root, f)).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>A history row as text, every double in round-trip form; the wall-clock columns (seconds, timestamp) left out.</summary>
    public static string Canonical(HistoryRow r) => r.DeterministicText();

    /// <summary>Asserts equality part by part, so a failure names the first differing row or file.</summary>
    public static void AssertSame(JobSnapshot expected, JobSnapshot actual)
    {
        Assert.Equal(expected.Evaluations, actual.Evaluations);
        Assert.Equal(expected.HistoryRows.Count, actual.HistoryRows.Count);
        for (int i = 0; i < expected.HistoryRows.Count; i++)
            Assert.True(expected.HistoryRows[i] == actual.HistoryRows[i], $"history row {i}:\n expected {expected.HistoryRows[i]}\n   actual {actual.HistoryRows[i]}");
        Assert.Equal(expected.BestFiles.Keys.Order(), actual.BestFiles.Keys.Order());
        foreach (var (name, text) in expected.BestFiles) Assert.Equal(text, actual.BestFiles[name]);
        Assert.Equal(expected.ValidationJson, actual.ValidationJson);
        Assert.Equal(expected.Validations, actual.Validations);
        Assert.Equal(expected.SearchState, actual.SearchState);
        Assert.Equal(expected.Status, actual.Status);
        // Same files, so no stale temp files or leftovers either.
        Assert.Equal(expected.Files, actual.Files);
    }

    private static string WithoutTimes(JsonNode? node)
    {
        Strip(node);
        return node?.ToJsonString() ?? "null";

        static void Strip(JsonNode? n)
        {
            switch (n)
            {
                case JsonObject o:
                    o.Remove("seconds");
                    o.Remove("evaluation_seconds");
                    foreach (var (_, child) in o) Strip(child);
                    break;
                case JsonArray a:
                    foreach (var child in a) Strip(child);
                    break;
            }
        }
    }
}
