using System.Buffers.Binary;
using LongRopeSearch.Core;
using LongRopeSearch.Store.Parquet;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Store.Tests;

/// <summary>Damaged files give an InputException that names the file and what was expected, never another exception.</summary>
public sealed class ParquetCorruptFileTests
{
    private static byte[] SampleFile(ParquetCompression compression = ParquetCompression.Snappy)
    {
        using var stream = new MemoryStream();
        var writer = new ParquetFileWriter(stream, ParquetTestData.AllKinds, new ParquetWriteOptions { Compression = compression, PageValueLimit = 16 });
        writer.WriteRowGroup(ParquetTestData.Generate(seed: 3, rows: 30));
        writer.Finish();
        return stream.ToArray();
    }

    [Fact]
    public void A_truncated_file_names_the_file_and_the_missing_trailing_magic()
    {
        using var dir = new TempDir();
        var path = dir.File("cut.parquet");
        File.WriteAllBytes(path, SampleFile()[..^100]);

        var e = Assert.Throws<InputException>(() => ParquetFileReader.Open(path));

        Assert.Equal(path, e.Origin);
        Assert.Equal("trailing magic", e.Field);
        Assert.Contains("'PAR1'", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(11)]
    public void A_file_too_short_for_a_footer_says_how_long_it_must_be(int length)
    {
        var e = Assert.Throws<InputException>(() => new ParquetFileReader(SampleFile()[..length], "tiny.parquet"));
        Assert.Equal("file length", e.Field);
        Assert.Contains("at least 12 bytes", e.Message);
        Assert.Contains($"{length} bytes", e.Message);
    }

    [Fact]
    public void Wrong_leading_magic_says_it_is_not_parquet()
    {
        var bytes = SampleFile();
        "JSON"u8.CopyTo(bytes);
        var e = Assert.Throws<InputException>(() => new ParquetFileReader(bytes, "x.parquet"));
        Assert.Equal("leading magic", e.Field);
        Assert.Contains("'JSON'", e.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1 << 20)]
    public void A_footer_length_that_does_not_fit_is_reported(int footerLength)
    {
        var bytes = SampleFile();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(bytes.Length - 8), footerLength);
        var e = Assert.Throws<InputException>(() => new ParquetFileReader(bytes, "x.parquet"));
        Assert.Equal("footer length", e.Field);
        Assert.Contains(footerLength.ToString(), e.Message);
    }

    [Fact]
    public void A_missing_file_is_an_input_error()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<InputException>(() => ParquetFileReader.Open(dir.File("absent.parquet")));
        Assert.Contains("absent.parquet", e.Message);
    }

    [Theory]
    [InlineData(ParquetCompression.None)]
    [InlineData(ParquetCompression.Snappy)]
    public void Random_byte_damage_never_escapes_as_another_exception(ParquetCompression compression)
    {
        var original = SampleFile(compression);
        var random = new Random(11);
        for (var trial = 0; trial < 300; trial++)
        {
            var bytes = (byte[])original.Clone();
            var at = random.Next(bytes.Length);
            bytes[at] ^= (byte)random.Next(1, 256);
            try
            {
                var reader = new ParquetFileReader(bytes, "fuzz.parquet");
                reader.ReadAll();
            }
            catch (InputException e)
            {
                Assert.Equal("fuzz.parquet", e.Origin.Split(' ')[0]);
            }
            catch (Exception e)
            {
                Assert.Fail($"byte {at} damaged: {e.GetType().Name}: {e.Message}");
            }
        }
    }
}
