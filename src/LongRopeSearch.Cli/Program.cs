using System.CommandLine;
using LongRopeSearch.Cli.Commands;
using LongRopeSearch.Core;

namespace LongRopeSearch.Cli;

/// <summary>
/// Entry point of the `longrope` tool. Each verb lives in its own file under Commands/; this file only assembles
/// them and turns failures into exit codes: 0 success, 1 unexpected failure, 2 bad input (one clear line on stderr),
/// 130 stopped by Ctrl-C / SIGTERM before a result (a search stops at an evaluation boundary with its checkpoint).
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("LongRopeSearch: find LongRoPE context-extension factors for RoPE language models.");
        foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
        try
        {
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0 && parsed.Action is System.CommandLine.Invocation.ParseErrorAction)
            {
                foreach (var error in parsed.Errors) stderr.WriteLine($"error: {error.Message}");
                stderr.WriteLine("see `longrope --help` or `longrope <command> --help`");
                return ExitCodes.BadInput;
            }
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (InputException e)
        {
            stderr.WriteLine($"error: {InputException.OneLine(e.Message)}");
            return ExitCodes.BadInput;
        }
        catch (IOException e)
        {
            // Disk full, read-only file system, no permission: one line naming the path and the real cause (never a
            // lock), not a stack trace. Files are written atomically, so a job's checkpoint is still the last
            // complete one and `resume` continues once there is room.
            stderr.WriteLine($"error: {InputException.OneLine(StorageException.Describe(e))}");
            return ExitCodes.Failure;
        }
        catch (UnauthorizedAccessException e)
        {
            stderr.WriteLine($"error: {InputException.OneLine(StorageException.Describe(e))}");
            return ExitCodes.Failure;
        }
        catch (LongRopeSearch.Engine.NonFiniteScoreException e)
        {
            stderr.WriteLine($"error: {InputException.OneLine(e.Message)}");
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("cancelled");
            return ExitCodes.Cancelled;
        }
    }
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
    public const int Cancelled = 130;
}
