using System.Diagnostics;
using System.Text;
using Xunit;

namespace LongRopeSearch.Jobs.Tests.Kit;

/// <summary>
/// The real `longrope` tool as a child process: `dotnet longrope.dll ARGS` from this test's output directory
/// (the Cli project reference copies longrope.dll with its runtimeconfig and deps there). Output is drained in the
/// background so a chatty child never blocks on a full pipe.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private CliProcess(Process process) => _process = process;

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "longrope.dll");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Stdout { get { lock (_gate) return _stdout.ToString(); } }

    public string Stderr { get { lock (_gate) return _stderr.ToString(); } }

    public static CliProcess Start(string workingDirectory, params string[] args)
    {
        Assert.True(File.Exists(Dll), $"{Dll} is missing: the test project must reference src/LongRopeSearch.Cli");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        var process = new Process { StartInfo = start };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (cli._gate) cli._stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (cli._gate) cli._stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>kill -9. Returns false when the process had already exited.</summary>
    public bool KillHard()
    {
        if (_process.HasExited) return false;
        try
        {
            _process.Kill(entireProcessTree: false); // SIGKILL on Unix
        }
        catch (InvalidOperationException)
        {
            return false; // exited meanwhile
        }
        _process.WaitForExit();
        return true;
    }

    /// <summary>kill -TERM, the signal a service manager or container runtime sends to stop a worker.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the exit (and for the output to be drained); false on timeout.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit();
        return true;
    }

    /// <summary>Waits until <paramref name="condition"/> holds or the process exits; true when the condition held first.</summary>
    public bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition()) return true;
            if (_process.HasExited) return condition();
            Thread.Sleep(2);
        }
        return false;
    }

    public string Describe() => $"exit {(_process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "running")}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    public void Dispose()
    {
        KillHard();
        _process.Dispose();
    }
}
