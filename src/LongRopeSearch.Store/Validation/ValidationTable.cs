using LongRopeSearch.Rope;

namespace LongRopeSearch.Store.Validation;

/// <summary>
/// One finished stage judged honestly: the searched factors (the best overall and, when it differs, the best
/// deployable one), the unmodified model and every classic method, each scored on the search samples and on
/// validation samples the search never saw, at the stage's length and at L0. The one shape of this table: the job
/// fills it, state.json and validation.json store it, the exports and the report show it.
/// </summary>
/// <param name="Stage">Display name, e.g. "target 256" or "short 64".</param>
/// <param name="Length">Tokens per sample.</param>
/// <param name="OriginalLength">L0, the length of the rows' <see cref="ValidationRow.AtL0ValidationPpl"/> (null in tables written before it was measured).</param>
public sealed record ValidationTable(string Stage, FactorKind Kind, int Length, int SearchSamples, int ValidationSamples, IReadOnlyList<ValidationRow> Rows,
    int? OriginalLength = null)
{
    /// <summary>The row of <paramref name="method"/>, or null.</summary>
    public ValidationRow? Row(string method) => Rows.FirstOrDefault(r => r.Method == method);
}

/// <summary>One method of a <see cref="ValidationTable"/>.</summary>
/// <param name="Lambda">[pairs] λ_i of the method's factor set.</param>
/// <param name="SearchNll">Mean NLL over the search samples (ppl = exp of it).</param>
/// <param name="ValidationPerSampleNll">[validation samples] mean NLL of each sample.</param>
/// <param name="AtL0ValidationNll">
/// Mean NLL of the same factor set (its λ and attention factor) on validation samples of L0 tokens: what a user of
/// vLLM or llama.cpp sees on short prompts, since those run the long factors at every length once the context is
/// long. Null in tables written before it was measured.
/// </param>
public sealed record ValidationRow(
    string Method, IReadOnlyList<double> Lambda, int NHat, double AttentionFactor,
    double SearchNll, double SearchPpl, double ValidationNll, double ValidationPpl, IReadOnlyList<double> ValidationPerSampleNll,
    double? AtL0ValidationNll = null, double? AtL0ValidationPpl = null)
{
    /// <summary>The row of the stage's best factor set.</summary>
    public const string SearchedMethod = "longrope (searched)";

    /// <summary>The row of the stage's best deployable set (n̂ = 0), present when it is not the best overall.</summary>
    public const string DeployableMethod = "longrope (searched, deployable n̂=0)";

    /// <summary>The unmodified model's row (λ = 1, factor 1).</summary>
    public const string NoneMethod = "none";
}
