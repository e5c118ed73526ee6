using System.Globalization;
using System.Text.RegularExpressions;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// kill -9 of the real `longrope` process at seeded random points (mid-evaluation, mid-write, mid-validation,
/// during start-up), `longrope resume` after each, and the end result equal to the uninterrupted run's.
/// </summary>
public sealed partial class KillResumeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public void Kill9_at_random_points_then_resume_reproduces_the_uninterrupted_job()
    {
        var reference = ReferenceJob.Value;
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir); // writes space.json; the CLI builds the same spec from its options
        var jobDir = new JobDirectory(spec.Output);
        // Seeded so a failure replays; LRS_KILL_SEED=<n> explores other kill points (e.g. in a loop, locally).
        var seed = int.TryParse(Environment.GetEnvironmentVariable("LRS_KILL_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 20251122;
        output.WriteLine($"kill seed {seed}");
        var rng = new Random(seed);
        // Five kills once the checkpoint reaches a random evaluation count, a few ms later (so inside an evaluation
        // or a write), then one while the last stage is being validated.
        var killAt = Enumerable.Range(0, 5).Select(_ => rng.Next(2, reference.Total - 2)).Order().Append(reference.Total).ToList();
        int liveKills = 0;
        for (int k = 0; k < killAt.Count; k++)
        {
            string[] args = k == 0
                ? ["search", "--model", JobKit.Model, "--data", JobKit.SearchData, "--validation", JobKit.ValidationData, "--space", spec.Space, "--out", spec.Output]
                : ["resume", "--out", spec.Output];
            // The previous process may have run past this kill point before it died; aim at least one evaluation
            // beyond where this process starts, so it has taken the lock (and cleaned stale temp files) when killed.
            long start = File.Exists(jobDir.State) ? JobState.Load(jobDir.State).Evaluations : 0;
            long target = Math.Min(Math.Max(killAt[k], start + 1), reference.Total);
            using var cli = CliProcess.Start(dir.PathName, args);
            // ...and, when only validation is left, until its start-up cleaned the killed writers' temp files.
            var reached = cli.WaitUntil(() => (JobStatus.Load(jobDir.Status)?.Evaluations ?? 0) >= target
                && JobKit.TempFiles(jobDir.Root).All(t => TempOwner(t) == cli.Id), Patience);
            Assert.True(reached || cli.HasExited, $"no progress to {target} evaluations: {cli.Describe()}");
            Thread.Sleep(rng.Next(0, k == killAt.Count - 1 ? 60 : 25));
            var killed = cli.KillHard();
            if (killed) liveKills++;
            else Assert.True(cli.ExitCode == 0, cli.Describe());

            var state = JobState.Load(jobDir.State); // the checkpoint is always complete
            var rows = HistoryLog.ReadAll(jobDir.History); // and history.parquet a valid Parquet file
            Assert.True(rows.Count >= state.HistoryRowsCommitted);
            Assert.False(JobLock.IsHeld(jobDir.Root), "a killed process must not keep the lock");
            var temps = JobKit.TempFiles(jobDir.Root);
            output.WriteLine($"kill {k}: aimed at {target}, {(killed ? "killed" : "had exited")} with {state.Evaluations} evaluations checkpointed, " +
                $"{rows.Count} history rows on disk ({state.HistoryRowsCommitted} committed), temp files: [{string.Join(", ", temps)}]");
            // A killed writer may leave its own temp file (at most one: writes are sequential); older ones must have
            // been cleaned by the run that started after them.
            Assert.True(temps.Count <= 1, "stale temp files accumulate: " + string.Join(", ", temps));
            foreach (var t in temps)
            {
                Assert.True(AtomicTempName().IsMatch(Path.GetFileName(t)), "unexpected temp file " + t);
                Assert.Equal(cli.Id, TempOwner(t));
            }
        }
        Assert.True(liveKills >= 4, $"only {liveKills} kills hit a running process");

        using (var last = CliProcess.Start(dir.PathName, "resume", "--out", spec.Output))
        {
            Assert.True(last.WaitForExit(Patience), "resume did not finish: " + last.Describe());
            Assert.True(last.ExitCode == 0, last.Describe());
        }
        JobSnapshot.AssertSame(reference.Snapshot, JobSnapshot.Take(spec.Output));
    }

    /// <summary>The PID in an AtomicFile temporary name, or -1 for any other file.</summary>
    private static int TempOwner(string path)
    {
        var m = AtomicTempName().Match(Path.GetFileName(path));
        return m.Success ? int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture) : -1;
    }

    /// <summary>AtomicFile's temporary names: .&lt;file&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp.</summary>
    [GeneratedRegex(@"^\.(?<file>.+)\.(?<pid>\d+)\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex AtomicTempName();
}
