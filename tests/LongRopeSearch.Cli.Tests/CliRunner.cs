using LongRopeSearch.Cli;
using LongRopeSearch.TestSupport;

namespace LongRopeSearch.Cli.Tests;

/// <summary>Runs the CLI in-process from the repository root and captures what it prints.</summary>
internal static class CliRunner
{
    private static readonly Lock Gate = new();

    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        // The CLI resolves default paths against the working directory, which is process-wide: one run at a time.
        lock (Gate)
        {
            var cwd = Directory.GetCurrentDirectory();
            Directory.SetCurrentDirectory(RepoPaths.Root);
            try
            {
                var o = new StringWriter();
                var e = new StringWriter();
                var code = Program.Run(args, o, e);
                return (code, o.ToString(), e.ToString());
            }
            finally
            {
                Directory.SetCurrentDirectory(cwd);
            }
        }
    }
}
