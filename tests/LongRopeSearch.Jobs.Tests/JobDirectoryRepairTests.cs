using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.Store.History;
using LongRopeSearch.Store.Validation;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// What a kill -9 can leave in a job directory, reproduced file by file (the kill test hits these windows only by
/// chance): temp files of interrupted atomic writes, history rows flushed but not checkpointed, and a validation
/// table saved in state.json whose validation.json was not rewritten yet. A resumed run must clean and repair all.
/// </summary>
public sealed class JobDirectoryRepairTests
{
    [Fact]
    public void Stale_temp_files_of_killed_writers_are_removed_on_start()
    {
        using var dir = new TempDir();
        var spec = JobKit.StoppedJob(dir, evaluations: 5);
        var root = spec.Output;
        Directory.CreateDirectory(Path.Combine(root, "best"));
        string[] stale =
        [
            Path.Combine(root, ".state.json.4242.0123456789abcdef0123456789abcdef.tmp"),
            Path.Combine(root, ".history.parquet.4242.fedcba9876543210fedcba9876543210.tmp"),
            Path.Combine(root, "best", ".long-128.json.77.00000000000000000000000000000000.tmp"),
        ];
        string[] foreign = [Path.Combine(root, "notes.tmp"), Path.Combine(root, ".keep.tmp")]; // not AtomicFile's names: not ours to delete
        foreach (var f in stale.Concat(foreign)) File.WriteAllText(f, "partial");

        using var cts = new CancellationTokenSource();
        Assert.Equal(JobOutcome.Cancelled, JobKit.RunOnce(spec, cts, p => { if (p.EvaluationsDone == 7) cts.Cancel(); }));

        foreach (var f in stale) Assert.False(File.Exists(f), f + " survived the restart");
        foreach (var f in foreign) Assert.True(File.Exists(f), f + " was deleted");
    }

    [Fact]
    public void A_validation_table_checkpointed_but_not_yet_in_validation_json_is_written_on_resume()
    {
        // The state of a run killed right after checkpointing the last stage's validation table, before
        // validation.json was rewritten and before the job was marked finished.
        var reference = ReferenceJob.Value;
        using var dir = new TempDir();
        var output = dir.File(JobKit.JobId);
        JobKit.CopyDirectory(reference.Output, output);
        var jobDir = new JobDirectory(output);
        var state = JobState.Load(jobDir.State);
        state.Status = JobPhase.Running;
        state.Save(jobDir.State);
        new ValidationFile(JobKit.JobId, state.Validations.Take(state.Validations.Count - 1).ToList()).Write(jobDir.Validation);

        using var cts = new CancellationTokenSource();
        Assert.Equal(JobOutcome.Finished, JobKit.RunOnce(reference.Spec with { Output = output }, cts));

        JobSnapshot.AssertSame(reference.Snapshot, JobSnapshot.Take(output));
    }

    [Fact]
    public void History_rows_flushed_by_a_killed_run_but_not_checkpointed_are_dropped_on_resume()
    {
        // A run killed after appending a generation to history.parquet and before checkpointing: the file holds the
        // generation, the checkpoint still has all but its last row pending and the old committed count.
        var reference = ReferenceJob.Value;
        var genEnd = reference.GenerationEnds[1];
        using var dir = new TempDir();
        var spec = JobKit.StoppedJob(dir, evaluations: genEnd - 1);
        var jobDir = new JobDirectory(spec.Output);
        var committed = (int)JobState.Load(jobDir.State).HistoryRowsCommitted;
        Assert.Equal(reference.GenerationEnds[0], committed);
        new HistoryLog(jobDir.History).Append(reference.Rows.Skip(committed).Take(genEnd - committed).ToList());
        Assert.Equal(genEnd, HistoryLog.ReadAll(jobDir.History).Count);

        using var cts = new CancellationTokenSource();
        Assert.Equal(JobOutcome.Finished, JobKit.RunOnce(spec, cts));

        JobSnapshot.AssertSame(reference.Snapshot, JobSnapshot.Take(spec.Output));
    }
}
