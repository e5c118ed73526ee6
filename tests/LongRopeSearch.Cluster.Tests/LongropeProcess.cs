using System.Diagnostics;
using System.Text;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// The real `longrope` tool as a child process (`dotnet longrope.dll ARGS` from this test's output, copied there by
/// the Cli project reference), output drained in the background; Dispose kills it if it still runs.
/// </summary>
internal sealed class LongropeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();

    private LongropeProcess(Process process)
    {
        _process = process;
        Pid = process.Id;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid { get; }
    public string Stdout { get { lock (_out) return _out.ToString(); } }
    public string Stderr { get { lock (_err) return _err.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static LongropeProcess Start(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "longrope.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("the test project must reference src/LongRopeSearch.Cli", dll);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        return new LongropeProcess(Process.Start(start)!);
    }

    /// <summary>Runs to the end (killed after <paramref name="timeout"/>) and returns the exit code.</summary>
    public static (int Code, string Stdout, string Stderr) Run(TimeSpan timeout, params string[] args)
    {
        using var p = Start(args);
        if (!p.WaitForExit(timeout)) throw new TimeoutException($"longrope {string.Join(' ', args)} did not end within {timeout}:\n{p.Stderr}");
        return (p.ExitCode, p.Stdout, p.Stderr);
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit();  // drain the output
        return true;
    }

    public void KillHard()
    {
        using var kill = Process.Start("kill", ["-9", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }
}
