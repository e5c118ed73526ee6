using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Model.Tests;

/// <summary>
/// Seeded random mutations of a valid safetensors file and of a valid config.json: every one must either still
/// open or be refused with an <see cref="InputException"/> naming the file in one line; any other exception type is
/// a crash the CLI would report as a stack trace. The seed and the mutation are in the failure message.
/// </summary>
public sealed partial class InputFuzzTests : IDisposable
{
    private const int Seed = 20261122;
    private const int Cases = 400;

    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>Byte sequences that are not UTF-8: lone lead, lone continuation, encoded surrogate, above U+10FFFF, overlong, 0xFF.</summary>
    private static readonly byte[][] InvalidUtf8 = [[0xC3], [0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0xFF]];

    private static readonly string[] OddJsonValues =
    [
        "null", "true", "-1", "0", "1.5", "1e400", "-1e400", "9223372036854775808", "18446744073709551616", "2147483648",
        "\"x\"", "\"\"", "[]", "{}", "[1,2]", "[-1]", "\"\\ud800\"", new string('[', 100) + new string(']', 100),
        "1" + new string('0', 400),
    ];

    [Fact]
    public void Mutated_safetensors_headers_open_or_are_refused_with_an_input_exception()
    {
        var path = _tmp.File("model.safetensors");
        SafetensorsWriter.Write(path, new TinyModelBuilder().Encoded(DType.BF16));
        var valid = File.ReadAllBytes(path);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var rng = new Random(Seed);
        int refused = 0;
        for (int i = 0; i < Cases; i++)
        {
            var (bytes, what) = MutateSafetensors(valid, headerLength, rng);
            File.WriteAllBytes(path, bytes);
            if (Check(path, i, what, () => SafetensorsFile.Open(path).Dispose()) == "refused") refused++;
        }
        // Most mutations break the file; a fuzzer whose mutations were all harmless would prove nothing.
        Assert.True(refused > Cases / 2, $"only {refused} of {Cases} refused");
    }

    [Fact]
    public void Mutated_config_json_opens_or_is_refused_with_an_input_exception()
    {
        var dir = _tmp.PathName;
        var builder = new TinyModelBuilder();
        builder.WriteSingle(dir);
        var configPath = Path.Combine(dir, "config.json");
        var valid = builder.Config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        var rng = new Random(Seed + 1);
        int refused = 0;
        for (int i = 0; i < Cases; i++)
        {
            var (bytes, what) = MutateConfig(valid, rng);
            File.WriteAllBytes(configPath, bytes);
            // Binding errors name the folder, config errors config.json inside it: both contain the folder's path.
            if (Check(dir, i, what, () => ModelFolder.Open(dir).Dispose()) == "refused") refused++;
        }
        Assert.True(refused > Cases / 4, $"only {refused} of {Cases} refused");
    }

    /// <summary>"opened" or "refused"; anything but an InputException naming <paramref name="named"/> in one line fails the test.</summary>
    private static string Check(string named, int index, string what, Action open)
    {
        try
        {
            open();
            return "opened";
        }
        catch (InputException e)
        {
            Assert.True(e.Message.Contains(named, StringComparison.Ordinal),
                $"seed {Seed}, case {index} ({what}): message does not name the file: {e.Message}");
            Assert.False(e.Message.Contains('\n', StringComparison.Ordinal), $"seed {Seed}, case {index} ({what}): more than one line: {e.Message}");
            return "refused";
        }
        catch (Exception e)
        {
            Assert.Fail($"seed {Seed}, case {index} ({what}): {e.GetType().Name}: {e.Message}");
            throw;
        }
    }

    private static (byte[] Bytes, string What) MutateSafetensors(byte[] valid, int headerLength, Random rng)
    {
        var b = valid.ToList();
        int headerAt(Random r) => 8 + r.Next(headerLength);
        switch (rng.Next(9))
        {
            case 0:
            {
                int at = headerAt(rng), bit = rng.Next(8);
                b[at] ^= (byte)(1 << bit);
                return ([.. b], $"flip bit {bit} of byte {at}");
            }
            case 1:
            {
                int at = headerAt(rng);
                byte v = (byte)rng.Next(256);
                b[at] = v;
                return ([.. b], $"byte {at} = 0x{v:X2}");
            }
            case 2:
            {
                int keep = rng.Next(valid.Length);
                return (valid[..keep], $"truncate to {keep} bytes");
            }
            case 3:
            {
                int at = headerAt(rng), n = 1 + rng.Next(8);
                var extra = new byte[n];
                rng.NextBytes(extra);
                b.InsertRange(at, extra);
                bool fix = rng.Next(2) == 0;
                if (fix) SetLength(b, headerLength + n);
                return ([.. b], $"insert {n} random bytes at {at}{(fix ? ", length prefix fixed" : "")}");
            }
            case 4:
            {
                int at = headerAt(rng), n = Math.Min(1 + rng.Next(8), 8 + headerLength - at);
                b.RemoveRange(at, n);
                bool fix = rng.Next(2) == 0;
                if (fix) SetLength(b, headerLength - n);
                return ([.. b], $"delete {n} bytes at {at}{(fix ? ", length prefix fixed" : "")}");
            }
            case 5:
            {
                // Invalid UTF-8 inside a tensor name, the header length kept consistent.
                var header = Encoding.UTF8.GetString(valid, 8, headerLength);
                var names = TensorNameRegex().Matches(header);
                var name = names[rng.Next(names.Count)];
                var bad = InvalidUtf8[rng.Next(InvalidUtf8.Length)];
                int at = 8 + name.Index + 1 + rng.Next(name.Length - 2);
                b.InsertRange(at, bad);
                SetLength(b, headerLength + bad.Length);
                return ([.. b], $"invalid UTF-8 {Convert.ToHexString(bad)} in key {name.Value} at byte {at}");
            }
            case 6:
            {
                ulong[] lengths = [ulong.MaxValue, 1UL << 63, 100_000_001, (ulong)headerLength + 1, (ulong)headerLength - 1, 0, (ulong)rng.NextInt64()];
                var n = lengths[rng.Next(lengths.Length)];
                var bytes = valid.ToArray();
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, n);
                return (bytes, $"length prefix {n}");
            }
            default:
            {
                // A number (offset or shape) or a string (dtype, escaped surrogate in a name) replaced; length prefix fixed.
                var header = Encoding.UTF8.GetString(valid, 8, headerLength);
                string edited, what;
                if (rng.Next(3) > 0)
                {
                    var numbers = NumberRegex().Matches(header);
                    var m = numbers[rng.Next(numbers.Count)];
                    long n = long.Parse(m.Value);
                    string[] choices = ["0", "-1", (n + 1).ToString(), (n - 1).ToString(), (n * 2).ToString(), "9223372036854775807",
                        "18446744073709551616", "1e30", "0.5", "\"7\"", "null"];
                    var r = choices[rng.Next(choices.Length)];
                    edited = header[..m.Index] + r + header[(m.Index + m.Length)..];
                    what = $"number {m.Value} at {m.Index} → {r}";
                }
                else
                {
                    var names = TensorNameRegex().Matches(header);
                    var m = names[rng.Next(names.Count)];
                    string[] choices = ["\"\\ud800x\"", "\"\\udc00\"", "\"F64\"", "\"bf16\"", "\"\"", "1", "\"__metadata__\""];
                    var r = choices[rng.Next(choices.Length)];
                    edited = header[..m.Index] + r + header[(m.Index + m.Length)..];
                    what = $"string {m.Value} → {r}";
                }
                var json = Encoding.UTF8.GetBytes(edited);
                var bytes = new byte[8 + json.Length + valid.Length - 8 - headerLength];
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
                json.CopyTo(bytes, 8);
                valid.AsSpan(8 + headerLength).CopyTo(bytes.AsSpan(8 + json.Length));
                return (bytes, what);
            }
        }
    }

    private static (byte[] Bytes, string What) MutateConfig(string valid, Random rng)
    {
        var bytes = Encoding.UTF8.GetBytes(valid);
        switch (rng.Next(7))
        {
            case 0:
            {
                int at = rng.Next(bytes.Length), bit = rng.Next(8);
                bytes[at] ^= (byte)(1 << bit);
                return (bytes, $"flip bit {bit} of byte {at}");
            }
            case 1:
            {
                int keep = rng.Next(bytes.Length);
                return (bytes[..keep], $"truncate to {keep} bytes");
            }
            case 2:
            {
                int at = rng.Next(bytes.Length);
                var bad = rng.Next(2) == 0 ? InvalidUtf8[rng.Next(InvalidUtf8.Length)] : RandomBytes(rng, 1 + rng.Next(8));
                return ([.. bytes[..at], .. bad, .. bytes[at..]], $"insert {Convert.ToHexString(bad)} at {at}");
            }
            case 3:
            {
                var values = ValueRegex().Matches(valid);
                var m = values[rng.Next(values.Count)];
                var r = OddJsonValues[rng.Next(OddJsonValues.Length)];
                var text = valid[..m.Groups[2].Index] + r + valid[(m.Groups[2].Index + m.Groups[2].Length)..];
                return (Encoding.UTF8.GetBytes(text), $"{m.Groups[1].Value} → {r}");
            }
            case 4:
            {
                var values = ValueRegex().Matches(valid);
                var m = values[rng.Next(values.Count)];
                var text = valid.Remove(m.Index, m.Length);
                return (Encoding.UTF8.GetBytes(text), $"remove {m.Groups[1].Value}");
            }
            default:
            {
                // Extra members: families, windows, scalings and oddities a hostile config might add.
                string[] keys = ["model_type", "sliding_window", "use_sliding_window", "max_window_layers", "layer_types", "rope_scaling",
                    "rope_parameters", "partial_rotary_factor", "original_max_position_embeddings", "head_dim", "mlp_bias", "\\ud800"];
                string[] values = [.. OddJsonValues, "\"mistral\"", "\"qwen2\"", "\"phi3\"", "{\"rope_type\":\"yarn\"}", "{\"type\":7}",
                    "[\"sliding_attention\",\"full_attention\"]", "{\"rope_type\":\"default\",\"original_max_position_embeddings\":-3}"];
                var key = keys[rng.Next(keys.Length)];
                var value = values[rng.Next(values.Length)];
                var text = "{\"" + key + "\": " + value + ", " + valid.TrimStart()[1..];
                return (Encoding.UTF8.GetBytes(text), $"add \"{key}\": {value}");
            }
        }
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static void SetLength(List<byte> file, int headerLength)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)headerLength);
        for (int i = 0; i < 8; i++) file[i] = prefix[i];
    }

    [GeneratedRegex("\"model[^\"]*\"")]
    private static partial Regex TensorNameRegex();

    [GeneratedRegex("(?<=[\\[,:])[0-9]+")]
    private static partial Regex NumberRegex();

    [GeneratedRegex("\"([a-z_]+)\": ([^,\\n]+),?")]
    private static partial Regex ValueRegex();
}
