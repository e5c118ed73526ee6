using System.Globalization;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.Store.History;
using LongRopeSearch.Store.Validation;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// A job stopped through its CancellationToken at chosen points — after the first evaluation, at and around
/// generation and stage boundaries, in the middle of a stage's validation, after the last evaluation — and resumed
/// each time by a new <see cref="JobRunner"/> ends with exactly the uninterrupted run's history, best factors,
/// validation tables and search state. Between runs the checkpoint must already agree with the reference's prefix.
/// </summary>
public sealed class ExactResumeTests
{
    /// <summary>
    /// Cut points: "eval:N"; "gen:K" = after the K-th generation end (any stage, 0-based), "stage:K" likewise,
    /// "total" = after the last evaluation, each with an optional ±offset in evaluations; "log:TEXT" = when a log
    /// line containing TEXT is written (validation logs one line per method, so this stops mid-validation);
    /// "soon:CUT" = cancel 3 ms after CUT is reached, which lands inside the next evaluation (the engine throws
    /// OperationCanceledException mid-candidate) or wherever the run happens to be.
    /// </summary>
    public static TheoryData<string[]> Scenarios => new()
    {
        { ["eval:1", "gen:0", "stage:0", "log:target 128 pi:", "gen:5", "stage:1", "log:target 256 longrope (searched):", "total", "log:short 64 longrope (searched):"] },
        { ["gen:1-1", "gen:1+1", "log:target 128 longrope (searched):", "log:target 128: validation table ready", "stage:0+1", "soon:eval:50", "gen:6-1", "log:target 256 ntk:", "soon:stage:1+5", "total-1"] },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Stopping_and_resuming_anywhere_reproduces_the_uninterrupted_job(string[] cutPoints)
    {
        var reference = ReferenceJob.Value;
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir);
        var cuts = new Queue<Cut>(cutPoints.Select(c => Cut.Parse(c, reference)));
        int runs = 0;
        while (true)
        {
            using var cts = new CancellationTokenSource();
            long? soonAfter = null;
            void CutIf(Func<Cut, bool> reached)
            {
                if (cuts.TryPeek(out var next) && reached(next))
                {
                    cuts.Dequeue();
                    if (next.Soon)
                    {
                        cts.CancelAfter(TimeSpan.FromMilliseconds(3));
                        soonAfter = next.Evaluations;
                    }
                    else cts.Cancel();
                }
            }
            var outcome = JobKit.RunOnce(spec, cts,
                p =>
                {
                    // A "soon" cut is meant to land inside the next evaluation. The timer runs on the thread pool,
                    // which the engine's busy workers can delay by many evaluations; if the next evaluation finished
                    // first, stop right after it, so the run ends before the following cut point.
                    if (soonAfter is { } s && p.EvaluationsDone > s) cts.Cancel();
                    CutIf(c => c.Evaluations == p.EvaluationsDone);
                },
                line => CutIf(c => c.LogText is { } t && line.Contains(t, StringComparison.Ordinal)));
            runs++;
            if (outcome == JobOutcome.Finished) break;
            Assert.True(runs <= cutPoints.Length, "more stops than cut points");
            AssertCheckpointIsAPrefixOfTheReference(spec.Output, reference);
        }

        Assert.Empty(cuts);
        Assert.Equal(cutPoints.Length + 1, runs); // every cut really stopped the job
        JobSnapshot.AssertSame(reference.Snapshot, JobSnapshot.Take(spec.Output));
    }

    [Fact]
    public void Resuming_a_finished_job_changes_nothing()
    {
        var reference = ReferenceJob.Value;
        var before = File.ReadAllBytes(new JobDirectory(reference.Output).History);
        using var cts = new CancellationTokenSource();
        Assert.Equal(JobOutcome.Finished, JobKit.RunOnce(reference.Spec, cts));
        Assert.Equal(before, File.ReadAllBytes(new JobDirectory(reference.Output).History));
        JobSnapshot.AssertSame(reference.Snapshot, JobSnapshot.Take(reference.Output));
    }

    /// <summary>What a stopped job's checkpoint must say: history + pending rows are the reference's first rows, no more, no fewer.</summary>
    internal static void AssertCheckpointIsAPrefixOfTheReference(string output, ReferenceJob reference)
    {
        var dir = new JobDirectory(output);
        var state = JobState.Load(dir.State);
        var onDisk = HistoryLog.ReadAll(dir.History);
        Assert.Equal(JobPhase.Running, state.Status);
        Assert.False(JobLock.IsHeld(dir.Root), "the lock outlived the run");
        Assert.Equal(state.HistoryRowsCommitted, onDisk.Count);
        Assert.Equal(state.Evaluations, onDisk.Count + state.PendingRows.Count);
        Assert.True(state.Evaluations <= reference.Total);
        var expected = reference.Rows.Take((int)state.Evaluations).Select(JobSnapshot.Canonical).ToList();
        var actual = onDisk.Concat(state.PendingRows).Select(JobSnapshot.Canonical).ToList();
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i] == actual[i], $"after {state.Evaluations} evaluations, row {i}:\n expected {expected[i]}\n   actual {actual[i]}");
        // Pending rows are one unfinished generation of one stage.
        Assert.True(state.PendingRows.Select(r => (r.Stage, r.TargetLength, r.Generation)).Distinct().Count() <= 1);
        // Validation tables so far: the reference's first ones, and validation.json lists exactly those.
        Assert.Equal(reference.State.Validations.Take(state.Validations.Count).Select(v => v.Stage), state.Validations.Select(v => v.Stage));
        Assert.Equal(state.Validations.Select(v => v.Stage), (ValidationFile.Read(dir.Validation)?.Stages ?? []).Select(v => v.Stage));
        Assert.Empty(JobKit.TempFiles(dir.Root));
    }

    private sealed record Cut(long? Evaluations, string? LogText, bool Soon = false)
    {
        public static Cut Parse(string text, ReferenceJob reference)
        {
            if (text.StartsWith("soon:", StringComparison.Ordinal)) return Parse(text[5..], reference) with { Soon = true };
            if (text.StartsWith("log:", StringComparison.Ordinal)) return new Cut(null, text[4..]);
            var offset = 0;
            var at = text.IndexOfAny(['+', '-']);
            if (at >= 0)
            {
                offset = int.Parse(text[at..], CultureInfo.InvariantCulture);
                text = text[..at];
            }
            var parts = text.Split(':');
            int Index() => int.Parse(parts[1], CultureInfo.InvariantCulture);
            long n = parts[0] switch
            {
                "eval" => Index(),
                "gen" => reference.GenerationEnds[Index()],
                "stage" => reference.StageEnds[Index()],
                "total" => reference.Total,
                _ => throw new ArgumentException("unknown cut " + text),
            };
            return new Cut(n + offset, null);
        }
    }
}
