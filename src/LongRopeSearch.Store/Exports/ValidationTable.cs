namespace LongRopeSearch.Store.Exports;

/// <summary>
/// One finished stage's validation table (validation.json), in the plain form exports and reports take: every
/// method's perplexity on the search samples and on validation samples the search never saw.
/// </summary>
/// <param name="Stage">Display name, e.g. "target 256" or "short 64".</param>
/// <param name="Kind">"long" or "short".</param>
public sealed record ValidationTable(string Stage, string Kind, int Length, int SearchSamples, int ValidationSamples, IReadOnlyList<ValidationRow> Rows);

/// <summary>One method of a <see cref="ValidationTable"/>.</summary>
/// <param name="Lambda">[pairs] λ_i of the method's factor set.</param>
public sealed record ValidationRow(string Method, IReadOnlyList<double> Lambda, int NHat, double AttentionFactor, double SearchPpl, double ValidationPpl);
