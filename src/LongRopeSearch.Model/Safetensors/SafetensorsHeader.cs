using System.Text.Json;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>One tensor entry of a safetensors header: where its bytes lie relative to the start of the data region.</summary>
public sealed record SafetensorsEntry(string Name, DType DType, int[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);
    public long ByteLength => End - Begin;
}

/// <summary>
/// The parsed and validated JSON header of a safetensors file
/// (format: 8-byte little-endian u64 N, N bytes of UTF-8 JSON, then the data region).
/// Validation is complete before any tensor is exposed: a pointer computed from a validated entry always lies
/// inside the file.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>The reference implementation refuses headers above 100 MB; so do we, before allocating.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private SafetensorsHeader(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<SafetensorsEntry> entries, long dataLength)
    {
        Metadata = metadata;
        Entries = entries;
        DataLength = dataLength;
    }

    /// <summary>The optional "__metadata__" string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensor entries in the order their data lies in the file.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>Bytes of the data region the tensors cover exactly.</summary>
    public long DataLength { get; }

    /// <summary>
    /// Parses header JSON <paramref name="json"/> of file <paramref name="path"/> whose total size is
    /// <paramref name="fileLength"/>, and checks that the tensors tile the data region exactly.
    /// </summary>
    public static SafetensorsHeader Parse(string path, ReadOnlyMemory<byte> json, long fileLength)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<SafetensorsEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using (var doc = JsonInput.Parse(path, json))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InputException(path, "header", "a JSON object mapping tensor names to entries", JsonInput.Show(doc.RootElement));
            foreach (var member in doc.RootElement.EnumerateObject())
            {
                // JSON objects may repeat a key; a tensor named twice would make the file ambiguous.
                if (!seen.Add(member.Name))
                    throw new InputException(path, $"header key \"{member.Name}\"", "each tensor name at most once", "a duplicate");
                if (member.Name == "__metadata__") ReadMetadata(path, member.Value, metadata);
                else entries.Add(ReadEntry(path, member.Name, member.Value));
            }
        }
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long dataLength = CheckTiling(path, entries);
        CheckFileLength(path, entries, 8 + (long)json.Length, dataLength, fileLength);
        return new SafetensorsHeader(metadata, entries, dataLength);
    }

    /// <summary>The file must end exactly where the last tensor ends: shorter is truncation, longer is foreign bytes.</summary>
    private static void CheckFileLength(string path, List<SafetensorsEntry> sorted, long dataStart, long dataLength, long fileLength)
    {
        long expectedLength = dataStart + dataLength;
        if (fileLength < expectedLength)
        {
            var last = sorted[^1]; // dataLength > 0 here, so there is a last tensor and it reaches past the end
            throw new InputException(path, "file is truncated",
                $"{expectedLength} bytes as the header says",
                $"{fileLength} bytes (tensor {last.Name} data_offsets [{last.Begin}, {last.End}] reach beyond the {fileLength - dataStart}-byte data region)");
        }
        if (fileLength > expectedLength)
            throw new InputException(path, "length",
                $"{expectedLength} bytes (8 + header {dataStart - 8} + tensor data {dataLength}, as the header says)",
                $"{fileLength} bytes: {fileLength - expectedLength} bytes after the last tensor that no tensor covers");
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new InputException(path, "__metadata__", "an object mapping strings to strings", JsonInput.Show(value));
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw new InputException(path, $"__metadata__.{m.Name}", "a string", JsonInput.Show(m.Value));
            metadata[m.Name] = m.Value.GetString()!;
        }
    }

    private static SafetensorsEntry ReadEntry(string path, string name, JsonElement value)
    {
        var field = $"tensor {name}";
        if (value.ValueKind != JsonValueKind.Object)
            throw new InputException(path, field, "an object with dtype, shape and data_offsets", JsonInput.Show(value));
        var f = new JsonInputObject(path, value, field + ": ");
        var dtype = ParseDType(path, name, f.RequiredString("dtype"));

        if (f.Get("shape") is not { ValueKind: JsonValueKind.Array } shapeJson)
            throw f.Has("shape") ? f.Wrong("shape", "an array of non-negative integers", f.Get("shape")!.Value) : f.Missing("shape", "an array of non-negative integers");
        var shape = new int[shapeJson.GetArrayLength()];
        int i = 0;
        foreach (var d in shapeJson.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var n) || n < 0 || n > int.MaxValue)
                throw new InputException(path, $"{field}: shape[{i}]", $"a non-negative integer at most {int.MaxValue}", JsonInput.Show(d));
            shape[i++] = (int)n;
        }

        if (f.Get("data_offsets") is not { ValueKind: JsonValueKind.Array } offsets || offsets.GetArrayLength() != 2)
            throw f.Has("data_offsets") ? f.Wrong("data_offsets", "an array [begin, end]", f.Get("data_offsets")!.Value) : f.Missing("data_offsets", "an array [begin, end]");
        long begin = ReadOffset(path, field, offsets[0], "begin");
        long end = ReadOffset(path, field, offsets[1], "end");
        if (end < begin)
            throw new InputException(path, $"{field}: data_offsets", "begin ≤ end", $"[{begin}, {end}]");

        long bytes;
        try
        {
            bytes = checked(shape.Aggregate(1L, (n, d) => checked(n * d)) * DTypeInfo.Size(dtype));
        }
        catch (OverflowException)
        {
            throw new InputException(path, $"{field}: shape", "a shape whose byte size fits in 64 bits", $"[{string.Join(", ", shape)}]");
        }
        if (end - begin != bytes)
            throw new InputException(path, $"{field}: data_offsets",
                $"end − begin = {bytes} bytes ({DTypeInfo.SafetensorsName(dtype)} shape [{string.Join(", ", shape)}])",
                $"[{begin}, {end}], {end - begin} bytes");
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static long ReadOffset(string path, string field, JsonElement v, string which)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n) || n < 0)
            throw new InputException(path, $"{field}: data_offsets {which}", "a non-negative integer", JsonInput.Show(v));
        return n;
    }

    /// <summary>Every safetensors dtype name, so an unsupported one is reported as such rather than as garbage.</summary>
    private static DType ParseDType(string path, string tensor, string name) => name switch
    {
        "F32" => DType.F32,
        "F16" => DType.F16,
        "BF16" => DType.BF16,
        _ => throw new InputException(path, $"dtype of tensor {tensor}", "F32, F16 or BF16",
            $"unsupported dtype {name}"),
    };

    /// <summary>
    /// With entries sorted by begin, each must start where the previous ended and the first at 0: the spec forbids
    /// holes, and an overlap would let two tensors alias. Returns the covered length.
    /// </summary>
    private static long CheckTiling(string path, List<SafetensorsEntry> sorted)
    {
        long expected = 0;
        SafetensorsEntry? previous = null;
        foreach (var e in sorted)
        {
            if (e.Begin != expected)
            {
                var what = e.Begin > expected
                    ? previous is null
                        ? $"a gap of {e.Begin - expected} bytes at the start of the data region"
                        : $"a gap of {e.Begin - expected} bytes after tensor {previous.Name} [{previous.Begin}, {previous.End}]"
                    : $"it overlaps tensor {previous!.Name} [{previous.Begin}, {previous.End}]";
                throw new InputException(path, $"tensor {e.Name}: data_offsets",
                    $"begin = {expected} (tensors stored contiguously without gaps or overlaps)",
                    $"[{e.Begin}, {e.End}]: {what}");
            }
            expected = e.End;
            previous = e;
        }
        return expected;
    }
}
