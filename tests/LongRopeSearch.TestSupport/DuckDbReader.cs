using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace LongRopeSearch.TestSupport;

/// <summary>
/// Reads a Parquet file with an independent implementation, DuckDB (npm @duckdb/node-api), through
/// tests/LongRopeSearch.Store.Tests/duckdb/read_parquet.mjs, and returns the JSON object the script prints
/// (describe, count, rows, and filtered_count when a predicate is given).
/// A missing node or npm package throws with the command that installs it, so the calling test FAILS rather than
/// skips: a skipped interop test would let an unreadable file pass CI.
/// </summary>
public static class DuckDbReader
{
    public const string InstallHint =
        "install Node.js (20 or later) and run `npm ci --prefix tests/LongRopeSearch.Store.Tests/duckdb` from the repository root";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static string ScriptDirectory => RepoPaths.Combine("tests", "LongRopeSearch.Store.Tests", "duckdb");

    /// <param name="parquetPath">The file to read.</param>
    /// <param name="wherePredicate">Optional SQL predicate (trusted test input): the script also reports count(*) WHERE it.</param>
    public static JsonDocument Read(string parquetPath, string? wherePredicate = null)
    {
        var scriptDir = ScriptDirectory;
        if (!Directory.Exists(Path.Combine(scriptDir, "node_modules", "@duckdb", "node-api")))
            throw new InvalidOperationException($"the DuckDB interop reader is not installed in {scriptDir}: {InstallHint}");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = scriptDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList = { "read_parquet.mjs", parquetPath },
        };
        if (wherePredicate is not null) start.ArgumentList.Add(wherePredicate);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run node ({e.Message}): {InstallHint}", e);
        }
        using (process)
        {
            // Both pipes drain in the background, so a chatty script cannot block and the timeout below is real.
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"node read_parquet.mjs did not finish within {Timeout.TotalMinutes} minutes");
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"DuckDB could not read {parquetPath} (exit {process.ExitCode}): {stderr.Result}");
            return JsonDocument.Parse(stdout.Result);
        }
    }

    /// <summary>
    /// Whether DuckDB's JSON value is exactly <paramref name="expected"/>. DuckDB writes NaN and ±Infinity as strings and
    /// every other double in round-trip form (a float column arrives widened to double, so it compares exactly too).
    /// JSON has no −0: DuckDB prints it as 0, which compares equal to −0 here.
    /// </summary>
    public static bool SameDouble(double expected, JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.Number => json.GetDouble() == expected,
        JsonValueKind.String => json.GetString() switch
        {
            "NaN" => double.IsNaN(expected),
            "Infinity" => double.IsPositiveInfinity(expected),
            "-Infinity" => double.IsNegativeInfinity(expected),
            _ => false,
        },
        _ => false,
    };

    /// <summary>Element-wise <see cref="SameDouble"/> for a list column.</summary>
    public static bool SameDoubles(IReadOnlyList<double> expected, JsonElement json) =>
        json.ValueKind == JsonValueKind.Array && json.GetArrayLength() == expected.Count &&
        expected.Zip(json.EnumerateArray()).All(p => SameDouble(p.First, p.Second));

    /// <summary>
    /// DuckDB's TIMESTAMP WITH TIME ZONE text, "2024-01-02 03:04:05.123456+00" (fraction optional; the script pins the
    /// zone to UTC), as UTC ticks.
    /// </summary>
    public static long UtcTicks(string text)
    {
        if (!text.EndsWith("+00", StringComparison.Ordinal))
            throw new FormatException($"expected a UTC timestamp ending in +00, DuckDB gave '{text}'");
        return DateTime.ParseExact(text[..^3], ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFF"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal).Ticks;
    }
}
