using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// A checkpoint is only resumed by the experiment that wrote it, and only one process works on an output directory:
/// a changed model, data set, search space, seed or code version is refused naming state.json and the fingerprint
/// field, without touching the checkpoint; a second runner fails on job.lock.
/// </summary>
public sealed class CheckpointGuardTests
{
    public static TheoryData<string, string> Changes => new()
    {
        { "code version", "code_version" },
        { "model", "model" },
        { "search data", "search_data" },
        { "validation data", "validation_data" },
        { "space file", "space" },
        { "seed", "space" },
        { "fingerprint scheme", "scheme" },
        { "tokenizer file", "model" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_checkpoint_of_another_experiment_is_refused(string change, string field)
    {
        using var dir = new TempDir();
        // Past the first generation, so history.parquet exists too.
        var spec = JobKit.StoppedJob(dir, evaluations: ReferenceJob.Value.GenerationEnds[0] + 2);
        var jobDir = new JobDirectory(spec.Output);
        switch (change)
        {
            case "code version":
                var state = JsonNode.Parse(File.ReadAllText(jobDir.State))!;
                state["fingerprint"]!["code_version"] = "0.9.0/numerics-0";
                File.WriteAllText(jobDir.State, state.ToJsonString());
                break;
            case "model":
                spec = spec with { Model = JobKit.OtherModel }; // same shape (head_dim 16, context 64), other weights
                break;
            case "search data":
                spec = spec with { Data = CopyDocumentsWithoutOne(JobKit.SearchData, dir.File("search-data")) };
                break;
            case "validation data":
                spec = spec with { Validation = CopyDocumentsWithoutOne(JobKit.ValidationData, dir.File("validation-data")) };
                break;
            case "space file":
                File.WriteAllText(spec.Space, JobKit.SpaceJson.Replace("\"population\": 12", "\"population\": 10", StringComparison.Ordinal));
                break;
            case "seed":
                spec = spec with { Seed = 4 };
                break;
            case "fingerprint scheme":
                // A checkpoint written before the model part hashed every file of the folder has no "scheme".
                var old = JsonNode.Parse(File.ReadAllText(jobDir.State))!;
                old["fingerprint"]!.AsObject().Remove("scheme");
                File.WriteAllText(jobDir.State, old.ToJsonString());
                break;
            case "tokenizer file":
                // Same weights and config, one more tokenizer file: what the folder holds besides the weights counts too.
                var model = dir.File("model-with-tokenizer");
                Directory.CreateDirectory(model);
                foreach (var f in Directory.GetFiles(JobKit.Model)) File.Copy(f, Path.Combine(model, Path.GetFileName(f)));
                File.WriteAllText(Path.Combine(model, "special_tokens_map.json"), "{}");
                spec = spec with { Model = model };
                break;
        }
        var stateBefore = File.ReadAllBytes(jobDir.State);
        var historyBefore = File.ReadAllBytes(jobDir.History);

        using var cts = new CancellationTokenSource();
        var e = Assert.Throws<InputException>(() => JobKit.RunOnce(spec, cts));

        Assert.Equal(jobDir.State, e.Origin);
        Assert.Equal("fingerprint." + field, e.Field);
        Assert.Contains("state.json: fingerprint." + field, e.Message, StringComparison.Ordinal);
        Assert.Equal(stateBefore, File.ReadAllBytes(jobDir.State));
        Assert.Equal(historyBefore, File.ReadAllBytes(jobDir.History));
        Assert.False(JobLock.IsHeld(jobDir.Root));
    }

    [Fact]
    public async Task A_second_runner_on_a_locked_output_directory_fails_on_job_lock()
    {
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir);
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var cts = new CancellationTokenSource();
        var first = Task.Factory.StartNew(() => JobKit.RunOnce(spec, cts, p =>
        {
            if (p.EvaluationsDone != 2) return;
            cts.Cancel();
            inside.Set();
            release.Wait(TimeSpan.FromMinutes(1)); // hold the lock while the others try
        }), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            Assert.True(inside.Wait(TimeSpan.FromMinutes(1)), "the first runner never got going");
            Assert.True(JobLock.IsHeld(spec.Output));

            // Same process, another runner.
            using var cts2 = new CancellationTokenSource();
            var e = Assert.Throws<InputException>(() => JobKit.RunOnce(spec, cts2));
            Assert.Equal("job.lock", e.Field);
            Assert.Contains("locked by process " + Environment.ProcessId, e.Message, StringComparison.Ordinal);

            // Another process: `longrope resume` must refuse too (exit 2, one line naming job.lock).
            using var cli = CliProcess.Start(dir.PathName, "resume", "--out", spec.Output);
            Assert.True(cli.WaitForExit(TimeSpan.FromMinutes(1)), cli.Describe());
            Assert.True(cli.ExitCode == 2, cli.Describe());
            Assert.Contains("job.lock", cli.Stderr, StringComparison.Ordinal);
            Assert.Contains("locked by process " + Environment.ProcessId, cli.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            release.Set();
        }
        Assert.Equal(JobOutcome.Cancelled, await first);
        Assert.False(JobLock.IsHeld(spec.Output));
        ExactResumeTests.AssertCheckpointIsAPrefixOfTheReference(spec.Output, ReferenceJob.Value);
    }

    [Fact]
    public void The_lock_is_released_on_dispose_and_reacquired()
    {
        using var dir = new TempDir();
        using (JobLock.Acquire(dir.PathName))
        {
            Assert.True(JobLock.IsHeld(dir.PathName));
            Assert.Throws<InputException>(() => JobLock.Acquire(dir.PathName));
        }
        Assert.False(JobLock.IsHeld(dir.PathName));
        using var again = JobLock.Acquire(dir.PathName);
        Assert.True(JobLock.IsHeld(dir.PathName));
    }

    private static string CopyDocumentsWithoutOne(string from, string to)
    {
        Directory.CreateDirectory(to);
        var docs = Directory.GetFiles(from).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        foreach (var f in docs.Take(docs.Count - 1)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        return to;
    }
}
