using System.Diagnostics;
using System.Text;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// A worker in its own process (LongRopeSearch.Cluster.TestHost), so a test can kill -9 it. Its log is kept for the
/// failure message; Dispose kills it if still running.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string Log { get { lock (_log) return _log.ToString(); } }

    public static WorkerProcess Start(string cs, string numerics, string model, int evalMs, string markerDir, int invisibilitySeconds, int coordinatorSlots = 0)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "LongRopeSearch.Cluster.TestHost.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "worker", cs, numerics, model, evalMs.ToString(System.Globalization.CultureInfo.InvariantCulture), markerDir,
                     invisibilitySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), coordinatorSlots.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        return new WorkerProcess(Process.Start(start)!);
    }

    /// <summary>SIGKILL: no shutdown code runs, the item in hand stays fetched until its invisibility runs out.</summary>
    public void KillHard()
    {
        using var kill = Process.Start("kill", ["-9", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        _process.WaitForExit();
    }

    /// <summary>SIGTERM: the host stops gracefully; returns whether it exited within <paramref name="timeout"/>.</summary>
    public bool Terminate(TimeSpan timeout)
    {
        using var kill = Process.Start("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return _process.WaitForExit(timeout);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }
}

/// <summary>The stand-in evaluator's marker files: "start-&lt;candidate&gt;-&lt;pid&gt;-&lt;ticks&gt;" and "end-...".</summary>
internal sealed record Marker(string Kind, long Candidate, int Pid, DateTime At)
{
    public static IReadOnlyList<Marker> Read(string dir, string kind) =>
        Directory.GetFiles(dir, kind + "-*").Select(Path.GetFileName).Select(n =>
        {
            var p = n![(kind.Length + 1)..].Split('-');
            return new Marker(kind, long.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture),
                new DateTime(long.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc));
        }).OrderBy(m => m.At).ToList();

    public static async Task<IReadOnlyList<Marker>> WaitForAsync(string dir, string kind, int count, TimeSpan timeout, Func<string> context)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = Read(dir, kind);
            if (found.Count >= count) return found;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{count} '{kind}' marker(s) not seen within {timeout}; logs:\n{context()}");
            await Task.Delay(50);
        }
    }
}
