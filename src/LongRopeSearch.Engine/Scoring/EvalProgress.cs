namespace LongRopeSearch.Engine;

/// <summary>
/// Where one perplexity evaluation stands, reported after each sample so a caller can show rate and ETA.
/// Tokens count whole samples (L per sample), matching a total of L × samples.
/// </summary>
/// <param name="SamplesDone">Samples finished so far (1 after the first).</param>
/// <param name="SampleCount">Samples the evaluation will run if not abandoned.</param>
/// <param name="TokensDone">SamplesDone × L.</param>
/// <param name="TokensTotal">SampleCount × L.</param>
/// <param name="Elapsed">Wall time since the evaluation started.</param>
public readonly record struct EvalProgress(int SamplesDone, int SampleCount, long TokensDone, long TokensTotal, TimeSpan Elapsed)
{
    public double TokensPerSecond => Elapsed.TotalSeconds > 0 ? TokensDone / Elapsed.TotalSeconds : 0;

    /// <summary>Time left at the rate so far; null before any rate is known.</summary>
    public TimeSpan? Remaining => TokensDone > 0 && Elapsed > TimeSpan.Zero
        ? TimeSpan.FromSeconds((TokensTotal - TokensDone) / TokensPerSecond)
        : null;
}
