namespace LongRopeSearch.Engine;

/// <summary>Perplexity of one factor set on one sample set (what <see cref="PerplexityScorer"/> returns).</summary>
/// <param name="Length">Tokens per sample (L).</param>
/// <param name="PerSampleNll">Mean NLL over the L−1 predictions of each evaluated sample, in sample order.</param>
/// <param name="MeanNll">Mean of the per-sample NLLs evaluated (all of them unless abandoned).</param>
/// <param name="Abandoned">True when evaluation stopped early because the caller's control said so.</param>
public sealed record EvalResult(int Length, double[] PerSampleNll, double MeanNll, bool Abandoned, double Seconds)
{
    public double Ppl => Math.Exp(MeanNll);
}
