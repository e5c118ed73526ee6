using System.Runtime.InteropServices;
using LongRopeSearch.Core;
using LongRopeSearch.Store.Gguf;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Gguf.Tests;

public sealed class GgufWriterTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static GgufTensorEntry Floats(string name, long[] dims, float[] values) =>
        new(name, dims, GgufTensorType.F32, s => s.Write(MemoryMarshal.AsBytes(values.AsSpan())));

    /// <summary>The first bytes of a file, spelled out by hand from ggml docs/gguf.md (not from the reader).</summary>
    [Fact]
    public void Header_and_one_key_value_have_the_specified_bytes()
    {
        var path = _dir.File("one.gguf");
        GgufWriter.Write(path, new GgufMetadata().Set("a", 7u), []);
        byte[] expected =
        [
            (byte)'G', (byte)'G', (byte)'U', (byte)'F',
            3, 0, 0, 0,                 // version
            0, 0, 0, 0, 0, 0, 0, 0,     // tensor count
            1, 0, 0, 0, 0, 0, 0, 0,     // key/value count
            1, 0, 0, 0, 0, 0, 0, 0, (byte)'a', // key: u64 length + bytes
            4, 0, 0, 0,                 // GGUF_TYPE_UINT32
            7, 0, 0, 0,
        ];
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(expected, bytes[..expected.Length]);
        Assert.Equal(64, bytes.Length); // padded to the 32-byte alignment before the (empty) data section
        Assert.All(bytes[expected.Length..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Metadata_of_every_type_and_tensors_round_trip()
    {
        var path = _dir.File("all.gguf");
        var md = new GgufMetadata()
            .Set("general.architecture", "llama")
            .Set("u32", 123456u)
            .Set("f32", 1.5f)
            .Set("flag", true)
            .Set("i32", GgufValue.Int32(-5))
            .Set("u64", GgufValue.UInt64(1UL << 40))
            .Set("strings", GgufValue.StringArray(["a", "ünï", ""]))
            .Set("ints", GgufValue.Int32Array([1, -2, 3]))
            .Set("floats", GgufValue.Float32Array([0.25f, -1f]))
            .Set("empty", GgufValue.StringArray([]));
        var a = Enumerable.Range(0, 15).Select(i => i * 0.5f).ToArray();    // 60 bytes: the next tensor needs padding
        var b = Enumerable.Range(0, 6).Select(i => -i - 0.25f).ToArray();
        GgufWriter.Write(path, md, [Floats("a", [5, 3], a), Floats("b.weight", [6], b)]);

        var f = GgufFile.Open(path);
        Assert.Equal(3u, f.Version);
        Assert.Equal(md.Entries.Select(e => e.Key), f.Metadata.Entries.Select(e => e.Key));
        Assert.Equal("llama", f.Metadata["general.architecture"].Value);
        Assert.Equal(123456u, f.Metadata["u32"].Value);
        Assert.Equal(1.5f, f.Metadata["f32"].Value);
        Assert.Equal(true, f.Metadata["flag"].Value);
        Assert.Equal(-5, f.Metadata["i32"].Value);
        Assert.Equal(1UL << 40, f.Metadata["u64"].Value);
        Assert.Equal(new[] { "a", "ünï", "" }, (string[])f.Metadata["strings"].Value);
        Assert.Equal(new[] { 1, -2, 3 }, (int[])f.Metadata["ints"].Value);
        Assert.Equal(new[] { 0.25f, -1f }, (float[])f.Metadata["floats"].Value);
        Assert.Empty((string[])f.Metadata["empty"].Value);

        Assert.Equal(new long[] { 5, 3 }, f.Tensor("a").Dims);
        Assert.Equal(a, f.ReadTensorFloats(f.Tensor("a")));
        Assert.Equal(b, f.ReadTensorFloats(f.Tensor("b.weight")));
        Assert.All(f.Tensors, t => Assert.Equal(0, t.DataOffset % 32));
        Assert.Equal(0, f.DataStart % 32);
        Assert.Equal(f.DataStart + 64, f.Tensor("b.weight").DataOffset); // 60 bytes rounded up to 64
    }

    [Fact]
    public void General_alignment_is_honoured()
    {
        var path = _dir.File("align.gguf");
        var md = new GgufMetadata().Set(GgufFormat.AlignmentKey, 256u);
        GgufWriter.Write(path, md, [Floats("x", [3], [1, 2, 3]), Floats("y", [1], [4])]);
        var f = GgufFile.Open(path);
        Assert.All(f.Tensors, t => Assert.Equal(0, t.DataOffset % 256));
        Assert.Equal(f.Tensor("x").DataOffset + 256, f.Tensor("y").DataOffset);
        Assert.Equal(new[] { 4f }, f.ReadTensorFloats(f.Tensor("y")));
        Assert.Throws<ArgumentException>(() => GgufWriter.Write(_dir.File("bad.gguf"), new GgufMetadata().Set(GgufFormat.AlignmentKey, 48u), []));
    }

    [Fact]
    public void A_failed_write_leaves_the_previous_file_and_no_temporary_file()
    {
        var path = _dir.File("model.gguf");
        GgufWriter.Write(path, new GgufMetadata().Set("v", 1u), [Floats("x", [2], [1, 2])]);
        var before = File.ReadAllBytes(path);

        var failing = new GgufTensorEntry("y", [1000], GgufTensorType.F32, s =>
        {
            s.Write(new byte[100]);
            throw new IOException("disk full (simulated)");
        });
        var e = Assert.Throws<StorageException>(() => GgufWriter.Write(path, new GgufMetadata().Set("v", 2u), [failing]));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        // A callback writing the wrong byte count is a bug, caught before the file is replaced.
        var short_ = new GgufTensorEntry("z", [4], GgufTensorType.F32, s => s.Write(new byte[12]));
        Assert.Throws<InvalidOperationException>(() => GgufWriter.Write(path, new GgufMetadata().Set("v", 3u), [short_]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.gguf" }, Directory.GetFiles(_dir.PathName).Select(Path.GetFileName));
    }

    [Fact]
    public void A_file_that_is_not_gguf_is_refused_with_the_field()
    {
        var path = _dir.File("not.gguf");
        File.WriteAllBytes(path, "GGML and more bytes here"u8.ToArray());
        var e = Assert.Throws<InputException>(() => GgufFile.Open(path));
        Assert.Equal("magic", e.Field);
        File.WriteAllBytes(path, "GGUF\x03\x00\x00\x00"u8.ToArray());
        Assert.Throws<InputException>(() => GgufFile.Open(path));
    }
}
