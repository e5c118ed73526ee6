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
        if (!ReferenceEquals(output, Console.Out)) console.Profile.Width = 160;
        console.Write(widget);
    }
}
