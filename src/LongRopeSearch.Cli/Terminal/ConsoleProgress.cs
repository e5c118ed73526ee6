using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace LongRopeSearch.Cli.Terminal;

/// <summary>
/// Progress of a long operation on the command's error writer (stderr): done/total, rate and ETA. An interactive
/// terminal gets one line rewritten in place, drawn by Spectre.Console (a bar and colours); anything else (a
/// redirected stream, CI, a test's writer) gets a plain line at most every few seconds so logs stay readable. Spectre's live Progress widget is not used because log lines of the job
/// interleave with it and a redirected stream would get nothing until the end.
/// </summary>
internal sealed class ConsoleProgress
{
    private readonly TextWriter _output;
    private readonly string _label;
    private double _total;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive;
    private readonly Lock _gate = new();
    private double _lastPrint = double.NegativeInfinity;
    private IAnsiConsole? _terminal;

    public ConsoleProgress(TextWriter output, string label, double total, string unit)
    {
        _output = output;
        _interactive = ReferenceEquals(output, Console.Error) && !Console.IsErrorRedirected;
        _label = label;
        _total = total;
        _unit = unit;
    }

    /// <summary>The amount of work, when it becomes known or changes after the clock started.</summary>
    public double Total { get => _total; set => _total = value; }

    /// <summary>Work already done before this clock started (a resumed job): excluded from the rate.</summary>
    public double? Baseline { get; set; }

    public void Report(double done, string? detail = null)
    {
        lock (_gate)
        {
            var t = _clock.Elapsed.TotalSeconds;
            var interval = _interactive ? 0.25 : 5.0;
            if (t - _lastPrint < interval && done < _total) return;
            _lastPrint = t;
            if (!_interactive)
            {
                _output.WriteLine(Format(done, t, detail));
                return;
            }
            _terminal ??= AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_output) });
            _output.Write("\r");
            _terminal.Markup(Markup(done, t, detail));
            _output.Write("\u001b[K");
        }
    }

    public void Finish()
    {
        if (_interactive && _lastPrint > double.NegativeInfinity) _output.WriteLine();
    }

    /// <summary>The interactive line: a 24-cell bar, then the same figures as <see cref="Format"/>.</summary>
    internal string Markup(double done, double seconds, string? detail)
    {
        const int width = 24;
        var fraction = _total > 0 ? Math.Clamp(done / _total, 0, 1) : 1;
        var full = (int)Math.Round(fraction * width);
        return $"[green]{new string('━', full)}[/][grey]{new string('━', width - full)}[/] " + Spectre.Console.Markup.Escape(Format(done, seconds, detail));
    }

    internal string Format(double done, double seconds, string? detail)
    {
        var rate = seconds > 0 ? (done - (Baseline ?? 0)) / seconds : 0;
        var eta = rate > 0 && _total > done ? (_total - done) / rate : 0; // seconds; may exceed a day (and TimeSpan's range)
        var pct = _total > 0 ? 100 * done / _total : 100;
        return string.Create(CultureInfo.InvariantCulture,
            $"{_label}: {done:0}/{_total:0} {_unit} ({pct:0.0}%), {rate:0.##} {_unit}/s, ETA {Durations.Format(eta)}{(detail is null ? "" : ", " + detail)}");
    }
}
