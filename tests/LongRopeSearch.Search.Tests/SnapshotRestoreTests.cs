using LongRopeSearch.Search;
using Xunit;

namespace LongRopeSearch.Search.Tests;

public class SnapshotRestoreTests
{
    private static readonly SearchSpace Space = TestSpaces.Small(seed: 5, abandon: true);

    private static List<string> Record(List<string> log, EvaluationRecord r) =>
        [.. log, $"{r.Stage.Index}|{r.Candidate.Id}|{r.Candidate.Origin}|{string.Join(',', r.Candidate.ParentIds)}|{r.Candidate.Key}|{r.Score.Abandoned}|{r.Score.MeanNll:R}"];

    private static (List<string> Log, ProgressiveSearchResult Result) Uninterrupted()
    {
        var log = new List<string>();
        var search = ProgressiveSearch.Start(Space, SearchPlan.FromSpace(Space), TestSpaces.BaselineProvider);
        var result = search.Run(new SyntheticEvaluator(4), r => log = Record(log, r));
        return (log, result);
    }

    internal static string Describe(ProgressiveSearchResult r) =>
        string.Join(";", r.Stages.Select(s => $"{s.Stage.Name}:{s.Best.Candidate.Id}:{s.Best.Candidate.Key}:{s.Best.Score.MeanNll:R}:" +
            $"{s.BestDeployable?.Candidate.Id}:{string.Join(',', s.Top.Select(t => t.Candidate.Id))}:{s.Stage.Space.AttentionFactor:R}"));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]   // last of generation 0
    [InlineData(16)]   // first child of generation 1
    [InlineData(135)]  // last evaluation of the first target (16 + 10·12 = 136)
    [InlineData(136)]  // first evaluation of the second target
    [InlineData(300)]  // inside the short stage
    public void Restored_search_finishes_exactly_like_an_uninterrupted_one(int stopAfter)
    {
        var (expectedLog, expectedResult) = Uninterrupted();
        Assert.True(expectedLog.Count > 300, $"plan too small for the test points: {expectedLog.Count}");
        Assert.StartsWith("0|", expectedLog[135], StringComparison.Ordinal);
        Assert.StartsWith("1|", expectedLog[136], StringComparison.Ordinal);
        Assert.StartsWith("2|", expectedLog[300], StringComparison.Ordinal);

        var log = new List<string>();
        var first = ProgressiveSearch.Start(Space, SearchPlan.FromSpace(Space), TestSpaces.BaselineProvider);
        var eval = new SyntheticEvaluator(4);
        for (int i = 0; i < stopAfter; i++)
        {
            var step = first.Next()!;
            var score = eval.Evaluate(step.Candidate.Factors, step.Length, step.Abandon, default);
            first.Report(step.Candidate.Id, score);
            log = Record(log, new EvaluationRecord(first.Stages[step.StageIndex], step.Candidate, score, step.Abandon));
        }

        var json = SearchStateJson.Serialize(first.Snapshot());
        var state = SearchStateJson.DeserializeProgressive(json);
        Assert.Equal(json, SearchStateJson.Serialize(state));   // the text form is a fixed point: nothing is lost

        var restored = ProgressiveSearch.Restore(state, TestSpaces.BaselineProvider);
        var result = restored.Run(new SyntheticEvaluator(4), r => log = Record(log, r));

        Assert.Equal(expectedLog, log);
        Assert.Equal(Describe(expectedResult), Describe(result));
        Assert.Equal(expectedResult.Stages.Sum(s => s.Counters.Abandoned), result.Stages.Sum(s => s.Counters.Abandoned));
    }

    [Fact]
    public void A_snapshot_taken_with_an_evaluation_in_flight_offers_that_candidate_again()
    {
        var search = ProgressiveSearch.Start(Space, SearchPlan.FromSpace(Space), TestSpaces.BaselineProvider);
        var eval = new SyntheticEvaluator(4);
        for (int i = 0; i < 40; i++)
        {
            var s = search.Next()!;
            search.Report(s.Candidate.Id, eval.Evaluate(s.Candidate.Factors, s.Length, s.Abandon, default));
        }
        var inFlight = search.Next()!;
        var restored = ProgressiveSearch.Restore(SearchStateJson.DeserializeProgressive(SearchStateJson.Serialize(search.Snapshot())), TestSpaces.BaselineProvider);
        var again = restored.Next()!;
        Assert.Equal(inFlight.Candidate.Id, again.Candidate.Id);
        Assert.Equal(inFlight.Candidate.Key, again.Candidate.Key);
        Assert.Equal(inFlight.Abandon?.ThresholdCandidateId, again.Abandon?.ThresholdCandidateId);
        Assert.Equal(inFlight.Abandon?.ThresholdPerSampleNll, again.Abandon?.ThresholdPerSampleNll);
    }

    [Fact]
    public void Cancellation_stops_at_an_evaluation_boundary_and_the_search_resumes_identically()
    {
        var (expectedLog, expectedResult) = Uninterrupted();
        using var cts = new CancellationTokenSource();
        var log = new List<string>();
        var eval = new SyntheticEvaluator(4) { BeforeEvaluation = n => { if (n == 57) cts.Cancel(); } };
        var search = ProgressiveSearch.Start(Space, SearchPlan.FromSpace(Space), TestSpaces.BaselineProvider);
        Assert.ThrowsAny<OperationCanceledException>(() => search.Run(eval, r => log = Record(log, r), ct: cts.Token));
        Assert.Equal(57, log.Count);

        var restored = ProgressiveSearch.Restore(SearchStateJson.DeserializeProgressive(SearchStateJson.Serialize(search.Snapshot())), TestSpaces.BaselineProvider);
        var result = restored.Run(new SyntheticEvaluator(4), r => log = Record(log, r));
        Assert.Equal(expectedLog, log);
        Assert.Equal(Describe(expectedResult), Describe(result));
    }

    [Fact]
    public void Doubles_survive_the_json_round_trip_bit_for_bit()
    {
        var search = ProgressiveSearch.Start(Space, SearchPlan.FromSpace(Space), TestSpaces.BaselineProvider);
        var step = search.Next()!;
        double[] awkward = [0.1 + 0.2, Math.PI, double.Epsilon, 2.0000000000000004];
        search.Report(step.Candidate.Id, new CandidateScore(awkward, double.PositiveInfinity, false, double.NaN));
        var state = SearchStateJson.DeserializeProgressive(SearchStateJson.Serialize(search.Snapshot()));
        var score = state.Current!.Reported[0].Score;   // held apart until its generation is complete
        Assert.Equal(awkward.Select(BitConverter.DoubleToInt64Bits), score.PerSampleNll.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(double.PositiveInfinity, score.MeanNll);
        Assert.True(double.IsNaN(score.Seconds));
    }

    [Fact]
    public void A_damaged_checkpoint_is_rejected_with_an_input_error()
    {
        var search = ProgressiveSearch.Start(Space, SearchPlan.FromSpace(Space), TestSpaces.BaselineProvider);
        var state = search.Snapshot();
        state.Current!.Pending[3].GridIndex[2] = 100000;   // far outside the bounds
        Assert.Throws<LongRopeSearch.Core.InputException>(() => ProgressiveSearch.Restore(state, TestSpaces.BaselineProvider));
        Assert.Throws<LongRopeSearch.Core.InputException>(() => SearchStateJson.DeserializeProgressive("{\"format\": \"x\"}"));
    }

    [Fact]
    public void A_checkpoint_of_another_format_is_refused_with_an_input_error()
    {
        var search = ProgressiveSearch.Start(Space, SearchPlan.FromSpace(Space), TestSpaces.BaselineProvider);
        var old = search.Snapshot();
        old.Format = 1;
        var ex = Assert.Throws<LongRopeSearch.Core.InputException>(() => ProgressiveSearch.Restore(old, TestSpaces.BaselineProvider));
        Assert.Equal("format", ex.Field);
        Assert.Contains("format 2", ex.Message);
        var oldSearcher = search.Snapshot();
        oldSearcher.Current!.Format = 1;
        Assert.Equal("format", Assert.Throws<LongRopeSearch.Core.InputException>(() => ProgressiveSearch.Restore(oldSearcher, TestSpaces.BaselineProvider)).Field);
    }

    [Fact]
    public void Damaged_reported_results_are_rejected()
    {
        var search = ProgressiveSearch.Start(Space, SearchPlan.FromSpace(Space), TestSpaces.BaselineProvider);
        var eval = new SyntheticEvaluator(4);
        foreach (var step in search.PendingSteps().Take(3))
            search.Report(step.Candidate.Id, eval.Evaluate(step.Candidate.Factors, step.Length, step.Abandon, default));

        var unknown = search.Snapshot();
        unknown.Current!.Reported[1].CandidateId = 9999;
        Assert.Throws<LongRopeSearch.Core.InputException>(() => ProgressiveSearch.Restore(unknown, TestSpaces.BaselineProvider));

        var twice = search.Snapshot();
        twice.Current!.Reported[1].CandidateId = twice.Current.Reported[0].CandidateId;
        Assert.Throws<LongRopeSearch.Core.InputException>(() => ProgressiveSearch.Restore(twice, TestSpaces.BaselineProvider));

        // Generation 0 has no abandon rule, so an abandoned result there cannot be genuine.
        var abandoned = search.Snapshot();
        abandoned.Current!.Reported[0].Score = CandidateScore.FromSamples([9.0], abandoned: true);
        Assert.Throws<LongRopeSearch.Core.InputException>(() => ProgressiveSearch.Restore(abandoned, TestSpaces.BaselineProvider));
    }
}
