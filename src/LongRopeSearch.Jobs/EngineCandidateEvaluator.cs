using System.Diagnostics;
using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;

namespace LongRopeSearch.Jobs;

/// <summary>
/// The search's fitness: perplexity of a factor set on the first K documents of a data set at a given length,
/// through the perplexity scorer. Sample sets are loaded once per length and kept, so every candidate of a target is scored on
/// exactly the same tokens in the same order (the search compares candidates sample by sample).
/// </summary>
public sealed class EngineCandidateEvaluator : ICandidateEvaluator
{
    private readonly PerplexityScorer _scorer;
    private readonly string _dataPath;
    private readonly int _samples;
    private readonly Dictionary<int, SampleSet> _sets = [];

    public EngineCandidateEvaluator(PerplexityScorer scorer, string dataPath, int samples, ITokenizer tokenizer)
    {
        _scorer = scorer;
        Tokenizer = tokenizer;
        _dataPath = dataPath;
        _samples = samples;
    }

    /// <summary>The model folder's tokenizer, through which documents become samples.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>Tokens scored so far (for rates).</summary>
    public long TokensScored { get; private set; }

    public SampleSet SamplesAt(int length)
    {
        if (!_sets.TryGetValue(length, out var set))
            _sets[length] = set = SampleSet.Load(_dataPath, length, _samples, Tokenizer);
        return set;
    }

    public CandidateScore Evaluate(FactorSet factors, int length, AbandonRule? abandon, CancellationToken ct)
    {
        var set = SamplesAt(length);
        var clock = Stopwatch.StartNew();
        var result = _scorer.Evaluate(set, factors, abandon is null ? null : abandon.ShouldContinue, ct);
        TokensScored += (long)length * result.PerSampleNll.Length;
        return new CandidateScore(result.PerSampleNll, result.MeanNll, result.Abandoned, clock.Elapsed.TotalSeconds);
    }
}
