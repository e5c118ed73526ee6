using System.Diagnostics;
using System.Globalization;

namespace LongRopeSearch.Engine.Bench;

/// <summary>Peak resident memory of this process (Linux VmHWM; elsewhere Process.PeakWorkingSet64).</summary>
public static class PeakMemory
{
    /// <summary>Bytes of the highest resident set since start or since the last successful <see cref="TryReset"/>.</summary>
    public static long Bytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        using var p = Process.GetCurrentProcess();
        return p.PeakWorkingSet64;
    }

    /// <summary>Resets the peak to the current resident set (Linux: "5" to /proc/self/clear_refs). False when not possible.</summary>
    public static bool TryReset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
