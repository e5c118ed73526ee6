using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using LongRopeSearch.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Cli.Tests;

/// <summary>
/// Seeded random mutations of every file a user hands the tool — a safetensors header, config.json, a factor file
/// (JSON and CSV), a search-space file and a job's state.json — run through the in-process CLI. Each run must end
/// with exit 0 (the mutation left a valid file) or exit 2 with exactly one "error: " line (after the progress lines of
/// an evaluation, when the refusal needed one), never an exception
/// escaping (a stack trace), another exit code, or a hang. Counts per kind are printed; docs/robustness.md has them.
/// </summary>
public sealed class CliInputFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261130;
    private static readonly TimeSpan PerRun = TimeSpan.FromSeconds(20);

    private static readonly string[] HostileJson =
    [
        "null", "true", "\"\"", "\"x\"", "[]", "{}", "0", "-1", "1e309", "-1e309", "1e-320", "2147483648", "9223372036854775808",
        "-2147483649", "0.5", "1.0000000001", "\"8x\"", "\"NaN\"", "[1,2]", "[\"a\"]", "{\"a\":1}", "\"\\ud800\"", "1e5",
    ];

    private const string Placeholder = "@@hostile@@";

    [Fact]
    public void Mutated_inputs_exit_0_or_2_with_one_line_never_a_crash_or_hang()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var tmp = new TempDir();
        var doc = tmp.File("doc.txt");
        File.WriteAllText(doc, "The quick brown fox jumps over the lazy dog. " + new string('a', 64));
        var report = new List<string>();

        report.Add(Run("safetensors header", 300, tmp, (rng, dir) =>
        {
            var model = CopyModel(tmp, dir);
            var path = Path.Combine(model, "model.safetensors");
            File.WriteAllBytes(path, MutateHeader(File.ReadAllBytes(path), rng));
            return ["eval", "--model", model, "--data", doc, "--length", "8", "--samples", "1", "--threads", "1"];
        }));
        report.Add(Run("config.json", 300, tmp, (rng, dir) =>
        {
            var model = CopyModel(tmp, dir);
            var path = Path.Combine(model, "config.json");
            File.WriteAllBytes(path, MutateJson(File.ReadAllBytes(path), rng));
            return ["eval", "--model", model, "--data", doc, "--length", "8", "--samples", "1", "--threads", "1"];
        }));
        var factorJson = Encoding.UTF8.GetBytes("""{"factors":[1.0,1.2,1.5,2.0,2.5,3.0,3.5,4.0],"n_hat":0,"attention_factor":1.1}""");
        report.Add(Run("factor file (JSON)", 200, tmp, (rng, dir) =>
        {
            var path = Path.Combine(tmp.PathName, dir + ".json");
            File.WriteAllBytes(path, MutateJson(factorJson, rng));
            return ["eval", "--model", TestJob.Model, "--data", doc, "--length", "8", "--samples", "1", "--factors", path, "--threads", "1"];
        }));
        var factorCsv = Encoding.UTF8.GetBytes("1.0\n1.2\n1.5\n2.0\n2.5\n3.0\n3.5\n4.0\n");
        report.Add(Run("factor file (CSV)", 200, tmp, (rng, dir) =>
        {
            var path = Path.Combine(tmp.PathName, dir + ".csv");
            File.WriteAllBytes(path, MutateBytes(factorCsv, rng, "0123456789.,-e\n\r\t x;"));
            return ["eval", "--model", TestJob.Model, "--data", doc, "--length", "8", "--samples", "1", "--factors", path, "--threads", "1"];
        }));
        // A valid mutated space then fails the validation-documents check (one short document): still exit 2, one
        // line, before anything is written — so no search ever starts here.
        var space = Encoding.UTF8.GetBytes(SearchedJob.SpaceJson);
        report.Add(Run("search space", 200, tmp, (rng, dir) =>
        {
            var path = Path.Combine(tmp.PathName, dir + ".space.json");
            File.WriteAllBytes(path, MutateJson(space, rng));
            return ["search", "--model", TestJob.Model, "--space", path, "--validation", doc, "--out", Path.Combine(tmp.PathName, dir + "-job")];
        }));
        var job = tmp.File("job");
        AdversarialCaseTests.CopyDirectory(SearchedJob.Value.Dir.Root, job);
        var state = File.ReadAllBytes(Path.Combine(job, "state.json"));
        report.Add(Run("state.json", 200, tmp, (rng, _) =>
        {
            File.WriteAllBytes(Path.Combine(job, "state.json"), MutateJson(state, rng));
            return ["status", "--out", job];
        }));

        foreach (var line in report) output.WriteLine(line);
        output.WriteLine($"total {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Runs <paramref name="count"/> seeded mutations of one kind; returns "kind: n runs, r refused (exit 2), v still valid (exit 0)".</summary>
    private static string Run(string kind, int count, TempDir tmp, Func<Random, string, string[]> make)
    {
        var rng = new Random(Seed + kind.Length * 7919 + kind[0]); // stable per kind (string hash codes are randomized per process)
        int refused = 0, valid = 0;
        for (int i = 0; i < count; i++)
        {
            var args = make(rng, string.Create(CultureInfo.InvariantCulture, $"{kind.Replace(' ', '-')}-{i}"));
            var run = Task.Run(() => CliRunner.Run(args));
            Assert.True(run.Wait(PerRun), $"{kind} #{i}: no answer in {PerRun.TotalSeconds} s: {string.Join(' ', args)}");
            (int exit, _, string stderr) = run.Result; // an exception escaping the CLI fails the test here, with its trace
            Assert.True(exit is 0 or 2, $"{kind} #{i}: exit {exit}: {stderr}");
            if (exit == 2)
            {
                refused++;
                // One error line; the only other lines allowed are the progress bar's of an evaluation that ran
                // before the refusal (a factor set that overflows is known only once scored).
                var lines = stderr.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
                Assert.True(lines.Count(l => l.StartsWith("error: ", StringComparison.Ordinal)) == 1 && lines[^1].StartsWith("error: ", StringComparison.Ordinal)
                    && lines[..^1].All(l => l.Contains(" tok/s", StringComparison.Ordinal)), $"{kind} #{i}: not one error line:\n{stderr}");
            }
            else
            {
                valid++;
            }
        }
        Assert.True(refused >= count / 4, $"{kind}: only {refused} of {count} mutations were refused; the mutator is not exercising the reader");
        return $"{kind}: {count} runs, {refused} refused (exit 2, one line), {valid} still valid (exit 0)";
    }

    private static string CopyModel(TempDir tmp, string name)
    {
        var dir = tmp.File(name);
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(TestJob.Model)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    /// <summary>Mutates the 8-byte length prefix or the JSON header of a safetensors file (the tensor bytes stay).</summary>
    private static byte[] MutateHeader(byte[] file, Random rng)
    {
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (rng.Next(10) == 0)
        {
            var copy = (byte[])file.Clone();
            ulong[] lengths = [0, 1, (ulong)n - 1, (ulong)n + 1, (ulong)file.Length, ulong.MaxValue, 1UL << 40, (ulong)rng.Next()];
            BinaryPrimitives.WriteUInt64LittleEndian(copy, lengths[rng.Next(lengths.Length)]);
            return copy;
        }
        var header = file.AsSpan(8, n).ToArray();
        var mutated = rng.Next(2) == 0 ? MutateJson(header, rng) : MutateBytes(header, rng, "{}[]\":,0123456789.-eE_FBI \u00ff");
        var result = new byte[8 + mutated.Length + (file.Length - 8 - n)];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)mutated.Length);
        mutated.CopyTo(result, 8);
        file.AsSpan(8 + n).CopyTo(result.AsSpan(8 + mutated.Length));
        return result;
    }

    /// <summary>Half the time a structural change (a value replaced by a hostile one, a key removed), else raw byte damage.</summary>
    private static byte[] MutateJson(byte[] json, Random rng)
    {
        if (rng.Next(2) == 0)
        {
            try
            {
                var root = JsonNode.Parse(json);
                var slots = new List<(JsonNode Parent, object Key)>();
                Collect(root!, slots);
                if (slots.Count > 0)
                {
                    var (parent, key) = slots[rng.Next(slots.Count)];
                    // A placeholder replaced by the raw hostile text afterwards: JsonNode cannot write some of them (a lone surrogate).
                    var value = JsonValue.Create(Placeholder);
                    if (parent is JsonObject o && key is string k)
                    {
                        if (rng.Next(4) == 0) o.Remove(k);
                        else o[k] = value;
                    }
                    else if (parent is JsonArray a && key is int i)
                    {
                        a[i] = value;
                    }
                    return Encoding.UTF8.GetBytes(root!.ToJsonString().Replace("\"" + Placeholder + "\"", HostileJson[rng.Next(HostileJson.Length)], StringComparison.Ordinal));
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // not JSON to begin with: fall through to byte damage
            }
        }
        return MutateBytes(json, rng, "{}[]\":,0123456789.-eE \\n\u00e9\u00ff");
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> slots)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    slots.Add((o, k));
                    if (v is not null) Collect(v, slots);
                }
                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                {
                    slots.Add((a, i));
                    if (a[i] is { } v) Collect(v, slots);
                }
                break;
        }
    }

    /// <summary>1–3 byte-level edits: overwrite, insert, delete a range, duplicate a range, truncate, or a stray invalid UTF-8 byte.</summary>
    private static byte[] MutateBytes(byte[] input, Random rng, string alphabet)
    {
        var b = new List<byte>(input);
        var chars = Encoding.UTF8.GetBytes(alphabet);
        int edits = 1 + rng.Next(3);
        for (int e = 0; e < edits && b.Count > 0; e++)
        {
            int at = rng.Next(b.Count);
            switch (rng.Next(7))
            {
                case 0: b[at] = chars[rng.Next(chars.Length)]; break;
                case 1: b.Insert(at, chars[rng.Next(chars.Length)]); break;
                case 2: b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(8))); break;
                case 3:
                    int len = Math.Min(b.Count - at, 1 + rng.Next(16));
                    b.InsertRange(rng.Next(b.Count), b.GetRange(at, len));
                    break;
                case 4: b.RemoveRange(at, b.Count - at); break;
                case 5: b[at] = (byte)(0x80 + rng.Next(0x80)); break; // invalid UTF-8 on its own
                default: b[at] = (byte)rng.Next(256); break;
            }
        }
        return [.. b];
    }
}
