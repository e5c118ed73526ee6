using System.Buffers.Binary;
using System.Text;
using LongRopeSearch.Model;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Model.Tests;

public class SafetensorsRoundTripTests
{
    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void Written_tensors_read_back_with_the_same_values_shapes_and_metadata(DType dtype)
    {
        using var tmp = new TempDir();
        var path = tmp.File("t.safetensors");
        var model = new TinyModelBuilder();
        SafetensorsWriter.Write(path, model.Encoded(dtype), new Dictionary<string, string> { ["format"] = "pt" });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(model.Tensors.Count, file.Tensors.Count);
        foreach (var (name, (shape, values)) in model.Tensors)
        {
            var t = file.Tensors[name];
            Assert.Equal(dtype, t.DType);
            Assert.Equal(shape, t.Shape);
            Assert.Equal(values, t.ToFloatArray());
        }
    }

    [Fact]
    public void Layout_follows_the_format_length_prefix_padded_header_and_contiguous_data()
    {
        using var tmp = new TempDir();
        var path = tmp.File("t.safetensors");
        var a = new[] { 1.5f, -2f, 3.25f };
        var b = new Half[] { (Half)0.5f, (Half)(-8f) };
        SafetensorsWriter.Write(path,
        [
            SafetensorsTensor.FromFloats("a", [3], a),
            new SafetensorsTensor("b", DType.F16, [2, 1], b.SelectMany(h => BitConverter.GetBytes(BitConverter.HalfToUInt16Bits(h))).ToArray()),
        ]);

        var bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + n) % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{", header, StringComparison.Ordinal);
        Assert.Contains("\"data_offsets\":[0,12]", header, StringComparison.Ordinal);
        Assert.Contains("\"data_offsets\":[12,16]", header, StringComparison.Ordinal);
        Assert.Equal(8 + n + 16, bytes.Length);
        // Data region: a's three little-endian floats, then b's two halves.
        for (int i = 0; i < 3; i++) Assert.Equal(a[i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(8 + n) + 4 * i)));
        Assert.Equal(-8f, (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan((int)(8 + n) + 14)));

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(8 + n, file.DataStart);
        Assert.Equal(new[] { 0.5f, -8f }, file.Tensors["b"].ToFloatArray());
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void Scalar_and_empty_tensors_are_accepted()
    {
        using var tmp = new TempDir();
        var path = tmp.File("t.safetensors");
        SafetensorsWriter.Write(path,
        [
            SafetensorsTensor.FromFloats("empty", [0, 4], []),
            SafetensorsTensor.FromFloats("scalar", [], [42f]),
        ]);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(0, file.Tensors["empty"].ElementCount);
        Assert.Equal(new[] { 42f }, file.Tensors["scalar"].ToFloatArray());
    }

    [Fact]
    public void A_file_with_no_tensors_opens_empty()
    {
        using var tmp = new TempDir();
        var path = tmp.File("t.safetensors");
        SafetensorsWriter.Write(path, []);
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Tensors);
    }

    [Fact]
    public void Tensors_beyond_the_first_2_GiB_are_addressed_correctly()
    {
        // A sparse 3 GiB file: costs no disk and, since opening only maps it, no reading either.
        using var tmp = new TempDir();
        var path = tmp.File("big.safetensors");
        const int rows = 3, cols = 1 << 28; // F32: 3 GiB of data
        long dataBytes = (long)rows * cols * 4;
        var header = RawSafetensors.Header(
            RawSafetensors.Entry("small", "F32", [2], 0, 8),
            RawSafetensors.Entry("big", "F32", [rows, cols], 8, 8 + dataBytes));
        RawSafetensors.Write(path, header, dataBytes: 0);
        long dataStart = new FileInfo(path).Length;
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            f.SetLength(dataStart + 8 + dataBytes);
            f.Position = dataStart + 8 + dataBytes - 4; // the last element of "big"
            f.Write(BitConverter.GetBytes(6.5f));
        }

        using var file = SafetensorsFile.Open(path);
        var big = file.Tensors["big"];
        var last = new float[2];
        big.Read(big.ElementCount - 2, last);
        Assert.Equal(new[] { 0f, 6.5f }, last);
    }

    [Fact]
    public void Writer_refuses_data_that_does_not_match_the_shape()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Write(tmp.File("t.safetensors"), [new SafetensorsTensor("w", DType.F32, [2, 2], new byte[12])]));
        Assert.Contains("16 bytes", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(tmp.File("t.safetensors")));
    }
}
