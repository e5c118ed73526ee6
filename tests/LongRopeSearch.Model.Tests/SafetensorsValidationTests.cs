using System.Buffers.Binary;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.TestSupport;
using Xunit;
using static LongRopeSearch.Model.Tests.RawSafetensors;

namespace LongRopeSearch.Model.Tests;

/// <summary>Every malformed file is refused with a message naming the file, the field and what was expected.</summary>
public sealed class SafetensorsValidationTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private string PathName => _tmp.File("bad.safetensors");

    public void Dispose() => _tmp.Dispose();

    private InputException Refused()
    {
        var e = Assert.Throws<InputException>(() => SafetensorsFile.Open(PathName));
        Assert.Contains(PathName, e.Message, StringComparison.Ordinal);
        Assert.Equal(PathName, e.Origin);
        return e;
    }

    private static void AssertMentions(InputException e, params string[] parts)
    {
        foreach (var p in parts) Assert.Contains(p, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file()
    {
        AssertMentions(Refused(), "no such file");
    }

    [Fact]
    public void File_shorter_than_the_length_prefix()
    {
        File.WriteAllBytes(PathName, [1, 2, 3]);
        AssertMentions(Refused(), "truncated", "at least 8 bytes", "3 bytes");
    }

    [Fact]
    public void Header_length_beyond_the_file()
    {
        var bytes = new byte[8 + 10];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        File.WriteAllBytes(PathName, bytes);
        AssertMentions(Refused(), "truncated", "1008 bytes", "18 bytes");
    }

    [Fact]
    public void Absurd_header_length_is_refused_before_allocating()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(PathName, bytes);
        AssertMentions(Refused(), "header length", "at most 100000000 bytes");
    }

    [Fact]
    public void Truncated_data_region_names_both_sizes()
    {
        SafetensorsWriter.Write(PathName, new TinyModelBuilder().Encoded(DType.F32));
        var full = File.ReadAllBytes(PathName);
        File.WriteAllBytes(PathName, full[..^10]);
        var e = Refused();
        AssertMentions(e, "truncated", $"{full.Length} bytes as the header says", $"{full.Length - 10} bytes", "lm_head.weight");
    }

    [Fact]
    public void Offsets_beyond_the_data_region()
    {
        Write(PathName, Header(Entry("w", "F32", [4], 0, 16)), dataBytes: 8);
        AssertMentions(Refused(), "truncated", "tensor w data_offsets [0, 16]");
    }

    [Fact]
    public void Overlapping_tensors()
    {
        Write(PathName, Header(Entry("a", "F32", [4], 0, 16), Entry("b", "F32", [2], 8, 16)), dataBytes: 16);
        AssertMentions(Refused(), "tensor b: data_offsets", "overlaps tensor a", "begin = 16");
    }

    [Fact]
    public void Gap_between_tensors()
    {
        Write(PathName, Header(Entry("a", "F32", [2], 0, 8), Entry("b", "F32", [2], 12, 20)), dataBytes: 20);
        AssertMentions(Refused(), "tensor b: data_offsets", "gap of 4 bytes", "after tensor a", "begin = 8");
    }

    [Fact]
    public void Gap_at_the_start_of_the_data_region()
    {
        Write(PathName, Header(Entry("a", "F32", [2], 4, 12)), dataBytes: 12);
        AssertMentions(Refused(), "tensor a: data_offsets", "gap of 4 bytes at the start of the data region", "begin = 0");
    }

    [Fact]
    public void Bytes_after_the_last_tensor()
    {
        Write(PathName, Header(Entry("a", "F32", [2], 0, 8)), dataBytes: 12);
        AssertMentions(Refused(), "length", "4 bytes after the last tensor");
    }

    [Fact]
    public void Offset_length_that_does_not_match_shape_and_dtype()
    {
        Write(PathName, Header(Entry("w", "BF16", [3, 2], 0, 24)), dataBytes: 24);
        AssertMentions(Refused(), "tensor w: data_offsets", "end − begin = 12 bytes", "BF16 shape [3, 2]", "24 bytes");
    }

    [Fact]
    public void End_before_begin()
    {
        Write(PathName, Header(Entry("w", "F32", [0], 8, 0)), dataBytes: 8);
        AssertMentions(Refused(), "tensor w: data_offsets", "begin ≤ end", "[8, 0]");
    }

    [Theory]
    [InlineData("F64")]
    [InlineData("I64")]
    [InlineData("F8_E4M3")]
    [InlineData("nonsense")]
    public void Unsupported_dtype(string dtype)
    {
        Write(PathName, Header(Entry("w", dtype, [1], 0, 8)), dataBytes: 8);
        AssertMentions(Refused(), $"unsupported dtype {dtype}", "tensor w", "F32, F16 or BF16");
    }

    [Fact]
    public void Duplicate_tensor_names()
    {
        Write(PathName, Header(Entry("w", "F32", [1], 0, 4), Entry("w", "F32", [1], 4, 8)), dataBytes: 8);
        AssertMentions(Refused(), "\"w\"", "duplicate");
    }

    [Fact]
    public void Negative_shape_dimension()
    {
        Write(PathName, Header(Entry("w", "F32", [-1, 2], 0, 8)), dataBytes: 8);
        AssertMentions(Refused(), "tensor w: shape[0]", "non-negative integer", "-1");
    }

    [Fact]
    public void Missing_entry_fields()
    {
        Write(PathName, "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", dataBytes: 4);
        AssertMentions(Refused(), "tensor w: shape", "missing");
    }

    [Fact]
    public void Malformed_header_json_reports_its_position()
    {
        Write(PathName, "{\"w\":{\"dtype\":\"F32\",,}}", dataBytes: 0);
        AssertMentions(Refused(), "valid JSON", "line 1");
    }

    [Fact]
    public void Metadata_values_must_be_strings()
    {
        Write(PathName, "{\"__metadata__\":{\"format\":1}}", dataBytes: 0);
        AssertMentions(Refused(), "__metadata__.format", "a string", "found 1");
    }
}
