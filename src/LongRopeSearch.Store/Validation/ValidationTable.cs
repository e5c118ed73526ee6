namespace LongRopeSearch.Store.Validation;

/// <summary>
/// One finished stage judged honestly: the searched factors, the unmodified model and every classic method, each
/// scored on the search samples and on validation samples the search never saw. The one shape of this table: the
/// job fills it, state.json and validation.json store it, the exports and the report show it.
/// </summary>
/// <param name="Stage">Display name, e.g. "target 256" or "short 64".</param>
/// <param name="Length">Tokens per sample.</param>
public sealed record ValidationTable(string Stage, FactorKind Kind, int Length, int SearchSamples, int ValidationSamples, IReadOnlyList<ValidationRow> Rows);

/// <summary>One method of a <see cref="ValidationTable"/>.</summary>
/// <param name="Lambda">[pairs] λ_i of the method's factor set.</param>
/// <param name="SearchNll">Mean NLL over the search samples (ppl = exp of it).</param>
/// <param name="ValidationPerSampleNll">[validation samples] mean NLL of each sample.</param>
public sealed record ValidationRow(
    string Method, IReadOnlyList<double> Lambda, int NHat, double AttentionFactor,
    double SearchNll, double SearchPpl, double ValidationNll, double ValidationPpl, IReadOnlyList<double> ValidationPerSampleNll);
