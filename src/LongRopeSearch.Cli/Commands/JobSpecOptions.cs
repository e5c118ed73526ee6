using System.CommandLine;
using LongRopeSearch.Jobs;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// The options that describe a job's inputs, declared once for every verb that builds a <see cref="JobSpec"/> from
/// them (`search`, `plan`), and the one binder from their values to a spec. Each verb adds its own options (output,
/// seed, threads, …) and sets the matching spec members itself.
/// </summary>
internal sealed class JobSpecOptions
{
    public Option<string> Model { get; } = CommonOptions.Model();
    public Option<string> Data { get; } = new("--data") { Description = "Documents the search scores candidates on.", DefaultValueFactory = _ => CommonOptions.DefaultSearchData };
    public Option<string> Validation { get; } = new("--validation") { Description = "Documents used only to judge the result.", DefaultValueFactory = _ => CommonOptions.DefaultValidationData };
    public Option<string> Space { get; } = new("--space") { Description = "Search-space file.", DefaultValueFactory = _ => CommonOptions.DefaultSpace };
    public Option<string?> Targets { get; } = new("--targets") { Description = "Target lengths in order, e.g. 8x,16x or 131072,262144 (default: the space's)." };
    public Option<int?> Short { get; } = new("--short") { Description = "Length for the short factor search; 0 = none (default: the space's)." };
    public Option<int?> ValidationSamples { get; } = new("--validation-samples") { Description = "Validation samples per length (default: 2 × the space's samples)." };

    /// <summary>Puts every option first in <paramref name="command"/>'s options (so its help lists the inputs first).</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Option[] inputs = [Model, Data, Validation, Space, Targets, Short, ValidationSamples];
        for (int i = 0; i < inputs.Length; i++) command.Options.Insert(i, inputs[i]);
    }

    /// <summary>A spec of the parsed inputs (paths made absolute) with <paramref name="id"/> and <paramref name="output"/>.</summary>
    public JobSpec Bind(ParseResult parse, string id, string output)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new JobSpec
        {
            Id = id,
            Model = Path.GetFullPath(parse.GetValue(Model)!),
            Data = Path.GetFullPath(parse.GetValue(Data)!),
            Validation = Path.GetFullPath(parse.GetValue(Validation)!),
            Space = Path.GetFullPath(parse.GetValue(Space)!),
            Targets = parse.GetValue(Targets)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            ShortLength = parse.GetValue(Short),
            Output = output,
            ValidationSamples = parse.GetValue(ValidationSamples),
        };
    }
}
