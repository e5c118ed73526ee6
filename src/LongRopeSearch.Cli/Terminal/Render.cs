using Spectre.Console;
using Spectre.Console.Rendering;

namespace LongRopeSearch.Cli.Terminal;

/// <summary>Renders Spectre widgets to any TextWriter (the console, or a test's StringWriter).</summary>
internal static class Render
{
    public static void Write(TextWriter output, IRenderable widget)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = ReferenceEquals(output, Console.Out) ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(output, Console.Out) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        // Redirected output (a pipe, a file, a test) gets a fixed wide layout instead of the 80-column fallback,
        // so cells are never wrapped mid-word for scripts that read them.
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected) console.Profile.Width = 200;
        console.Write(widget);
    }
}
