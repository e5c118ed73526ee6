using System.Globalization;
using System.Text.Json;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Rope.Tests;

public sealed class FactorFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Awkward doubles for round-tripping: non-terminating binary fractions, extremes, neighbours of 1.</summary>
    private static FactorSet AwkwardFactors(int pairs, int nHat, double af)
    {
        var rng = new Random(1234);
        var values = new double[pairs];
        double[] fixedValues = [0.1, 1.0 / 3, Math.BitIncrement(1.0), double.Epsilon, 1e300, 2.0 / 3 * 1e-200, Math.PI, 1.0];
        for (int i = 0; i < pairs; i++)
            values[i] = i < fixedValues.Length ? fixedValues[i] : Math.Exp(rng.NextDouble() * 6 - 1);
        return new FactorSet(values, nHat, af);
    }

    private string Write(string name, string text)
    {
        var p = _dir.File(name);
        File.WriteAllText(p, text);
        return p;
    }

    private static string Numbers(int count, Func<int, double>? value = null) =>
        string.Join(", ", Enumerable.Range(0, count).Select(i => (value?.Invoke(i) ?? 1.0 + i).ToString("R", CultureInfo.InvariantCulture)));

    [Fact]
    public void Json_round_trip_is_bit_exact()
    {
        var f = AwkwardFactors(32, 7, 1.0 / 3 + 1);
        var p = _dir.File("best.json");
        FactorFile.SaveJson(p, f);
        var back = FactorFile.Load(p, 32);
        Assert.Equal(f, back);
        for (int i = 0; i < 32; i++) Assert.Equal(BitConverter.DoubleToInt64Bits(f.Lambda[i]), BitConverter.DoubleToInt64Bits(back.Lambda[i]));
        Assert.Equal(f.Key, back.Key);
    }

    [Fact]
    public void Json_extra_fields_are_written_and_ignored_on_reading()
    {
        var f = AwkwardFactors(8, 0, 1.25);
        var p = _dir.File("with-extra.json");
        FactorFile.SaveJson(p, f, new Dictionary<string, object?> { ["target"] = 16384, ["model"] = "tiny", ["ppl"] = 12.5, ["note"] = null });
        using (var doc = JsonDocument.Parse(File.ReadAllText(p)))
        {
            Assert.Equal(16384, doc.RootElement.GetProperty("target").GetInt32());
            Assert.Equal("tiny", doc.RootElement.GetProperty("model").GetString());
            Assert.Equal(8, doc.RootElement.GetProperty("factors").GetArrayLength());
        }
        Assert.Equal(f, FactorFile.Load(p, 8));
        Assert.Throws<ArgumentException>(() => FactorFile.SaveJson(p, f, new Dictionary<string, object?> { ["n_hat"] = 3 }));
    }

    [Fact]
    public void Csv_round_trip_is_bit_exact_for_the_factors()
    {
        var f = AwkwardFactors(32, 0, 1.0);
        var p = _dir.File("factors.csv");
        FactorFile.SaveCsv(p, f);
        Assert.Equal(32, File.ReadAllLines(p).Length);
        Assert.Equal(f, FactorFile.Load(p, 32));
    }

    [Fact]
    public void Json_optional_fields_default_and_nulls_count_as_absent()
    {
        var f = FactorFile.Load(Write("a.json", $"{{\"factors\": [{Numbers(4)}], \"comment\": {{\"x\": 1}}}}"), 4);
        Assert.Equal(new[] { 1.0, 2, 3, 4 }, f.Lambda);
        Assert.Equal(0, f.NHat);
        Assert.Equal(1.0, f.AttentionFactor);
        var g = FactorFile.Load(Write("b.json", $"{{\"factors\": [{Numbers(4)}], \"n_hat\": null, \"attention_factor\": null}}"), 4);
        Assert.Equal(0, g.NHat);
        var h = FactorFile.Load(Write("c.json", $"{{\"factors\": [{Numbers(4)}], \"n_hat\": 12, \"attention_factor\": 1.5}}"), 4);
        Assert.Equal(12, h.NHat);
        Assert.Equal(1.5, h.AttentionFactor);
    }

    [Fact]
    public void Csv_accepts_one_line_blank_lines_comments_crlf_and_trailing_newlines()
    {
        var expected = new[] { 1.0, 1.5, 2.25, 4.0 };
        Assert.Equal(expected, FactorFile.Load(Write("one-line.csv", "1.0,1.5,2.25,4.0\n"), 4).Lambda);
        Assert.Equal(expected, FactorFile.Load(Write("per-line.csv", "# numpy header\n1.0\r\n1.5\r\n\r\n2.25\n4.0e0\n\n\n"), 4).Lambda);
        Assert.Equal(expected, FactorFile.Load(Write("trailing-comma.csv", "1.0, 1.5, 2.25, 4.0,"), 4).Lambda);
    }

    [Fact]
    public void Format_is_sniffed_when_the_extension_says_nothing()
    {
        Assert.Equal(3.0, FactorFile.Load(Write("factors.txt", "\uFEFF  \n{\"factors\": [1, 2, 3]}"), 3).Lambda[2]);
        Assert.Equal(3.0, FactorFile.Load(Write("factors", "1\n2\n3\n"), 3).Lambda[2]);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        var p = _dir.File("nope.json");
        var e = Assert.Throws<InputException>(() => FactorFile.Load(p, 4));
        Assert.Equal(p, e.Origin);
        Assert.Contains("no such file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_reports_the_position()
    {
        var p = Write("bad.json", "{\n  \"factors\": [1, 2,, 3]\n}");
        var e = Assert.Throws<InputException>(() => FactorFile.Load(p, 3));
        Assert.StartsWith(p, e.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"factors\": {\"0\": 1}}", "factors", "an object")]
    [InlineData("{\"factors\": \"1,2,3\"}", "factors", "\"1,2,3\"")]
    [InlineData("{\"lambda\": [1, 2, 3]}", "factors", "no such field")]
    [InlineData("[1, 2, 3]", "", "an array")]
    public void Factors_must_be_an_array_inside_an_object(string json, string field, string found)
    {
        var p = Write("shape.json", json);
        var e = Assert.Throws<InputException>(() => FactorFile.Load(p, 3));
        Assert.Equal(p, e.Origin);
        Assert.Equal(field, e.Field);
        Assert.Equal(found, e.Found);
    }

    [Fact]
    public void Wrong_count_says_how_many_were_expected_and_why()
    {
        var p = Write("short.json", $"{{\"factors\": [{Numbers(31)}]}}");
        var e = Assert.Throws<InputException>(() => FactorFile.Load(p, 32));
        Assert.Equal($"{p}: factors: expected 32 factors (head_dim 64 / 2), found 31", e.Message);
        var c = Write("short.csv", string.Join("\n", Enumerable.Repeat("1.5", 33)));
        var ec = Assert.Throws<InputException>(() => FactorFile.Load(c, 32));
        Assert.Equal($"{c}: factors: expected 32 factors (head_dim 64 / 2), found 33", ec.Message);
    }

    [Theory]
    [InlineData("0", "factors[2]")]
    [InlineData("-1.5", "factors[2]")]
    [InlineData("\"NaN\"", "factors[2]")]
    [InlineData("null", "factors[2]")]
    [InlineData("true", "factors[2]")]
    [InlineData("1e999", "factors[2]")]
    public void Bad_json_value_names_its_index(string bad, string field)
    {
        var p = Write("bad-value.json", $"{{\"factors\": [1, 2, {bad}, 4]}}");
        var e = Assert.Throws<InputException>(() => FactorFile.Load(p, 4));
        Assert.Equal(field, e.Field);
        Assert.Contains("finite positive", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1\n2\nNaN\n4\n", "factors[2] (line 3)")]
    [InlineData("1\n2\n\n-3\n4\n", "factors[2] (line 4)")]
    [InlineData("1\n2\nabc\n4\n", "factors[2] (line 3)")]
    [InlineData("1,2,0,4", "factors[2] (line 1)")]
    [InlineData("1,2,,4", "factors[2] (line 1)")]
    [InlineData("1\n2\ninf\n4\n", "factors[2] (line 3)")]
    [InlineData("factor\n1\n2\n3\n4\n", "factors[0] (line 1)")]
    public void Bad_csv_value_names_its_index_and_line(string csv, string field)
    {
        var p = Write("bad.csv", csv);
        var e = Assert.Throws<InputException>(() => FactorFile.Load(p, 4));
        Assert.Equal(p, e.Origin);
        Assert.Equal(field, e.Field);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("2.5")]
    [InlineData("\"4\"")]
    [InlineData("1e20")]
    public void N_hat_must_be_a_non_negative_integer(string nHat)
    {
        var p = Write("nhat.json", $"{{\"factors\": [1, 2], \"n_hat\": {nHat}}}");
        var e = Assert.Throws<InputException>(() => FactorFile.Load(p, 2));
        Assert.Equal("n_hat", e.Field);
        Assert.Equal(nHat, e.Found);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("\"big\"")]
    public void Attention_factor_must_be_positive(string af)
    {
        var p = Write("af.json", $"{{\"factors\": [1, 2], \"attention_factor\": {af}}}");
        var e = Assert.Throws<InputException>(() => FactorFile.Load(p, 2));
        Assert.Equal("attention_factor", e.Field);
    }

    [Fact]
    public void Integral_n_hat_written_as_a_float_is_accepted()
    {
        var f = FactorFile.Load(Write("nhat-float.json", "{\"factors\": [1, 2], \"n_hat\": 4.0}"), 2);
        Assert.Equal(4, f.NHat);
    }
}
