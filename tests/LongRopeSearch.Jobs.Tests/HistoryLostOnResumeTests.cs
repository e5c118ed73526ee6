using System.Globalization;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// A stopped job whose history.parquet was deleted, cut short or damaged: `longrope resume` must not carry on with a
/// silently partial history (it used to exit 0). Exit 2, one line naming history.parquet, what the checkpoint
/// expected and what was found; the checkpoint and the file are left as they were.
/// </summary>
public sealed class HistoryLostOnResumeTests
{
    [Theory]
    [InlineData("deleted")]
    [InlineData("shorter")]
    [InlineData("damaged")]
    public void Resume_refuses_a_history_that_lost_committed_rows(string damage)
    {
        var reference = ReferenceJob.Value;
        using var dir = new TempDir();
        var spec = JobKit.StoppedJob(dir, evaluations: reference.GenerationEnds[2] + 1);
        var jobDir = new JobDirectory(spec.Output);
        var committed = JobState.Load(jobDir.State).HistoryRowsCommitted;
        Assert.Equal(reference.GenerationEnds[2], committed);

        string found;
        switch (damage)
        {
            case "deleted":
                File.Delete(jobDir.History);
                found = "no such file";
                break;
            case "shorter":
                new HistoryLog(jobDir.History).TruncateTo(reference.GenerationEnds[0]); // as if the last two flushes were lost
                found = string.Create(CultureInfo.InvariantCulture, $"{reference.GenerationEnds[0]} rows");
                break;
            default:
                var bytes = File.ReadAllBytes(jobDir.History);
                File.WriteAllBytes(jobDir.History, bytes[..(bytes.Length / 2)]);
                found = "an unreadable file";
                break;
        }
        var history = File.Exists(jobDir.History) ? File.ReadAllBytes(jobDir.History) : null;
        var state = File.ReadAllBytes(jobDir.State);

        using var cli = CliProcess.Start(dir.PathName, "resume", "--out", spec.Output);
        Assert.True(cli.WaitForExit(TimeSpan.FromSeconds(90)), cli.Describe());

        Assert.True(cli.ExitCode == 2, cli.Describe());
        var first = cli.Stderr.Split('\n')[0].TrimEnd('\r');
        var expected = damage == "damaged"
            ? $"error: {jobDir.History}: expected a history file written by this tool (Parquet), found {found}"
            : $"error: {jobDir.History}: expected the {committed} history rows that the job's checkpoint (state.json history_rows_committed) says were written, found {found}";
        Assert.True(first.StartsWith(expected, StringComparison.Ordinal), $"first line: {first}\nexpected it to start with: {expected}\n{cli.Describe()}");
        Assert.Equal(history, File.Exists(jobDir.History) ? File.ReadAllBytes(jobDir.History) : null);
        Assert.Equal(state, File.ReadAllBytes(jobDir.State));
    }
}
