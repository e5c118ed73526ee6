using System.Buffers;
using LongRopeSearch.Core;
using LongRopeSearch.Store.Parquet;
using Xunit;

namespace LongRopeSearch.Store.Tests;

/// <summary>Thrift compact protocol and RLE/bit-packed hybrid against byte sequences worked out by hand from the specs.</summary>
public sealed class ParquetEncodingTests
{
    [Fact]
    public void Page_header_encodes_as_the_compact_protocol_specifies()
    {
        var bytes = ParquetMetadataEncoder.Encode(new PageHeader
        {
            Type = PageType.DataPage,
            UncompressedPageSize = 100,
            CompressedPageSize = 50,
            DataPageHeader = new DataPageHeader { NumValues = 3, Encoding = PageEncoding.Plain, DefinitionLevelEncoding = PageEncoding.Rle, RepetitionLevelEncoding = PageEncoding.Rle },
        });
        // Field header = (id delta << 4) | type (i32 = 5, struct = 12); i32 values are zigzag varints (100 → 200 = C8 01).
        byte[] expected =
        [
            0x15, 0x00,       // 1: type = DATA_PAGE (0)
            0x15, 0xC8, 0x01, // 2: uncompressed_page_size = 100
            0x15, 0x64,       // 3: compressed_page_size = 50
            0x2C,             // 5: data_page_header (delta 2, struct)
            0x15, 0x06,       //   1: num_values = 3
            0x15, 0x00,       //   2: encoding = PLAIN
            0x15, 0x06,       //   3: definition_level_encoding = RLE (3)
            0x15, 0x06,       //   4: repetition_level_encoding = RLE
            0x00,             //   stop
            0x00,             // stop
        ];
        Assert.Equal(expected, bytes);
        var decoded = ParquetMetadataDecoder.DecodePageHeader(bytes, "t", "page", out var length);
        Assert.Equal(bytes.Length, length);
        Assert.Equal((100, 50, 3), (decoded.UncompressedPageSize, decoded.CompressedPageSize, decoded.DataPageHeader!.NumValues));
    }

    [Fact]
    public void Long_field_jumps_long_lists_and_booleans_use_their_special_forms()
    {
        var w = new ThriftCompactWriter();
        w.BeginStruct();
        w.BoolField(1, true);                      // 0x11: bool true is type 1, no value byte
        w.BoolField(2, false);                     // 0x12
        w.I32Field(20, -1);                        // delta 18 > 15: 0x05 then zigzag id 40 (0x28), value zigzag(-1) = 1
        w.ListField(21, CompactType.I32, 15);      // 0x19, then 0xF5 + varint 15: sizes ≥ 15 leave the nibble at 15
        for (var i = 0; i < 15; i++) w.I32(i);
        w.EndStruct();
        byte[] expected = [0x11, 0x12, 0x05, 0x28, 0x01, 0x19, 0xF5, 0x0F, .. Enumerable.Range(0, 15).Select(i => (byte)(2 * i)), 0x00];
        Assert.Equal(expected, w.ToArray());
    }

    [Fact]
    public void Footer_round_trips_and_unknown_fields_are_skipped()
    {
        var meta = new FileMetaData
        {
            Version = 2,
            Schema = ParquetSchemaMapping.ToSchemaElements(ParquetTestData.AllKinds),
            NumRows = 1L << 40,
            KeyValueMetadata = [new KeyValue("k", "v"), new KeyValue("only-key", null)],
            CreatedBy = "x",
        };
        var bytes = ParquetMetadataEncoder.Encode(meta);
        var back = ParquetMetadataDecoder.DecodeFileMetaData(bytes, "t");
        Assert.Equal(meta.NumRows, back.NumRows);
        Assert.Equal(meta.KeyValueMetadata, back.KeyValueMetadata);
        var (schema, _) = ParquetSchemaMapping.FromSchemaElements(back.Schema, "t");
        Assert.Equal(ParquetTestData.AllKinds, schema);

        // The same footer with an extra field 99 (a struct holding a list of doubles and a string) before the stop byte.
        byte[] unknown = [0x0C, 0xC6, 0x01, 0x19, 0x27, .. BitConverter.GetBytes(1.5), .. BitConverter.GetBytes(2.5), 0x18, 0x01, (byte)'z', 0x00];
        byte[] extended = [.. bytes[..^1], .. unknown, 0x00];
        Assert.Equal(meta.NumRows, ParquetMetadataDecoder.DecodeFileMetaData(extended, "t").NumRows);
    }

    [Fact]
    public void Truncated_thrift_is_an_input_error_naming_the_file()
    {
        var bytes = ParquetMetadataEncoder.Encode(new FileMetaData { Version = 1, Schema = ParquetSchemaMapping.ToSchemaElements(ParquetTestData.AllKinds) });
        for (var cut = 0; cut < bytes.Length; cut += 7)
        {
            var e = Assert.Throws<InputException>(() => ParquetMetadataDecoder.DecodeFileMetaData(bytes.AsSpan(0, cut), "some.parquet"));
            Assert.Equal("some.parquet", e.Origin);
        }
    }

    [Fact]
    public void Bit_packing_matches_the_example_of_Encodings_md()
    {
        // Encodings.md: 0..7 at bit width 3 pack LSB-first into 10001000 11000110 11111010.
        var output = new ArrayBufferWriter<byte>();
        RleBitPackedHybrid.WriteBitPacked(output, [0, 1, 2, 3, 4, 5, 6, 7], 8, bitWidth: 3);
        Assert.Equal(new byte[] { 0b10001000, 0b11000110, 0b11111010 }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Hybrid_encoding_uses_rle_runs_and_bit_packed_groups()
    {
        var output = new ArrayBufferWriter<byte>();
        int[] levels = [.. Enumerable.Repeat(1, 10), 0, 1, 0, 1];
        RleBitPackedHybrid.Encode(levels, bitWidth: 1, output);
        // RLE run: header 10 << 1 = 20, value byte 1. Then one bit-packed group: header (1 << 1) | 1 = 3,
        // values 0,1,0,1 + 4 zero pads, LSB first = 0b00001010.
        Assert.Equal(new byte[] { 20, 1, 3, 0b00001010 }, output.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(4, 1)]
    public void Hybrid_round_trips_random_levels(int seed, int maxLevel)
    {
        var random = new Random(seed);
        // Mix long runs and noise so both run kinds and their boundaries occur.
        var levels = new List<int>();
        while (levels.Count < 5000)
        {
            if (random.Next(2) == 0) levels.AddRange(Enumerable.Repeat(random.Next(maxLevel + 1), random.Next(1, 40)));
            else levels.Add(random.Next(maxLevel + 1));
        }
        var width = RleBitPackedHybrid.BitWidth(maxLevel);
        var output = new ArrayBufferWriter<byte>();
        RleBitPackedHybrid.Encode(levels.ToArray(), width, output);
        var decoded = new int[levels.Count];
        RleBitPackedHybrid.Decode(output.WrittenSpan, width, decoded, "t", "levels");
        Assert.Equal(levels, decoded);
    }

    [Fact]
    public void Hybrid_decoding_past_the_data_is_an_input_error()
    {
        var e = Assert.Throws<InputException>(() => RleBitPackedHybrid.Decode([6, 1], 1, new int[5], "f.parquet", "definition levels"));
        Assert.Contains("f.parquet", e.Message);
        Assert.Contains("5 values", e.Message);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    public void Bit_width_covers_the_max_level(int maxLevel, int width) => Assert.Equal(width, RleBitPackedHybrid.BitWidth(maxLevel));
}
