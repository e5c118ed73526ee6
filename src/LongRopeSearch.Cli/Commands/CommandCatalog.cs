using System.CommandLine;

namespace LongRopeSearch.Cli.Commands;

/// <summary>Every verb of the tool, in the order `--help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return EvalCommand.Create();
        yield return BaselinesCommand.Create();
        yield return SearchCommand.Create();
        yield return SearchCommand.CreateResume();
        yield return StatusCommand.Create();
        yield return WorkerCommand.Create();
        yield return ServeCommand.Create();
        yield return BenchCommand.Create();
        yield return PlanCommand.Create();
        yield return ExportCommand.Create();
        yield return ReportCommand.Create();
        yield return QueryCommand.Create();
    }
}
