using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// kill -9 of the real `longrope` process while an evaluation of several samples is in flight: the checkpoint keeps
/// the samples it finished (<see cref="JobState.InFlight"/>), the resumed process continues that candidate after them
/// (it says so) instead of starting it again, and the end result is the uninterrupted run's, bit for bit.
/// </summary>
public sealed class KillMidEvaluationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    // 4 samples of 512 tokens (8x the fixture's L0 of 64) per evaluation, so that most of the time an evaluation is in
    // flight with some samples finished; prefix-first abandon on, so in-flight samples also carry prefix sums.
    private const string Space =
        """{ "targets": ["8x"], "population": 8, "generations": 2, "parents": 4, "mutations": 2, "crossovers": 2, "samples": 4, "seed": 5, "early_abandon": { "enabled": true, "margin": 0.05, "min_samples": 1, "prefix": { "fractions": [0.5], "margin": 0.02 } } }""";

    // The same with successive halving: children screened on 2 samples, the best 2 continued on the other 2, so kills
    // also land inside screens and continuations.
    private const string ScreenedSpace =
        """{ "targets": ["8x"], "population": 8, "generations": 3, "parents": 4, "mutations": 3, "crossovers": 3, "samples": 4, "seed": 5, "early_abandon": { "enabled": true, "margin": 0.05, "min_samples": 1, "prefix": { "fractions": [0.5], "margin": 0.02 }, "screen": { "samples": 2, "keep": 2 } } }""";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Kill9_inside_multi_sample_evaluations_keeps_finished_samples_and_resumes_exactly(bool screen)
    {
        var space = screen ? ScreenedSpace : Space;
        using var refDir = new TempDir();
        var reference = JobKit.NewJob(refDir, space);
        using (var cts = new CancellationTokenSource()) Assert.Equal(JobOutcome.Finished, JobKit.RunOnce(reference, cts));
        var expected = JobSnapshot.Take(reference.Output);

        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir, space);
        var jobDir = new JobDirectory(spec.Output);
        int inFlightKills = 0, continued = 0;
        for (int k = 0; k < 12 && inFlightKills < 3; k++)
        {
            string[] args = k == 0
                ? ["search", "--model", JobKit.Model, "--data", JobKit.SearchData, "--validation", JobKit.ValidationData, "--space", spec.Space, "--out", spec.Output]
                : ["resume", "--out", spec.Output];
            long start = File.Exists(jobDir.State) ? JobState.Load(jobDir.State).Evaluations : 0;
            using var cli = CliProcess.Start(dir.PathName, args);
            // Kill as soon as this process has checkpointed a finished sample of an evaluation it has not completed.
            var reached = cli.WaitUntil(() => File.Exists(jobDir.State) && JobState.Load(jobDir.State) is { } s && s.InFlight is not null && s.Evaluations > start, Patience);
            if (!reached)
            {
                Assert.True(cli.HasExited, "no evaluation in flight was checkpointed: " + cli.Describe());
                Assert.True(cli.ExitCode == 0, cli.Describe());
                break;
            }
            bool killed = cli.KillHard();
            var state = JobState.Load(jobDir.State);
            if (killed && state.InFlight is { } f)
            {
                inFlightKills++;
                Assert.InRange(f.Samples.Count, 1, 3);
                Assert.All(f.Samples, a => Assert.Equal(2, a.Length)); // the sums at 1/2 and at L − 1
            }
            if (cli.Stdout.Contains("continuing its evaluation after", StringComparison.Ordinal)
                || cli.Stderr.Contains("continuing its evaluation after", StringComparison.Ordinal)) continued++;
            output.WriteLine($"kill {k}: {(killed ? "killed" : "had exited")} at {state.Evaluations} evaluations, in flight: {state.InFlight?.Samples.Count.ToString() ?? "none"}");
        }
        Assert.True(inFlightKills >= 3, $"only {inFlightKills} kills left an evaluation in flight in the checkpoint");

        using (var last = CliProcess.Start(dir.PathName, "resume", "--out", spec.Output))
        {
            Assert.True(last.WaitForExit(Patience), "resume did not finish: " + last.Describe());
            Assert.True(last.ExitCode == 0, last.Describe());
            if ((last.Stdout + last.Stderr).Contains("continuing its evaluation after", StringComparison.Ordinal)) continued++;
        }
        Assert.True(continued >= 1, "no resumed process continued an evaluation from its checkpointed samples");
        Assert.Null(JobState.Load(jobDir.State).InFlight);
        JobSnapshot.AssertSame(expected, JobSnapshot.Take(spec.Output));
    }
}
