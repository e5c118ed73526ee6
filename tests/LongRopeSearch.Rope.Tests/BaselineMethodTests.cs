using LongRopeSearch.Core;
using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Rope.Tests;

public class BaselineMethodTests
{
    [Theory]
    [InlineData("none", BaselineMethod.None)]
    [InlineData("pi", BaselineMethod.Pi)]
    [InlineData("ntk", BaselineMethod.Ntk)]
    [InlineData("yarn", BaselineMethod.Yarn)]
    [InlineData("llama3", BaselineMethod.Llama3)]
    [InlineData("dynamic-ntk", BaselineMethod.DynamicNtk)]
    [InlineData(" YaRN ", BaselineMethod.Yarn)]
    public void Names_parse_and_print(string text, BaselineMethod expected)
    {
        Assert.Equal(expected, BaselineMethods.Parse(text));
        Assert.True(BaselineMethods.TryParse(text, out var m));
        Assert.Equal(expected, m);
        Assert.Equal(text.Trim().ToLowerInvariant(), expected.Name());
    }

    [Fact]
    public void Every_enum_value_has_a_name()
    {
        Assert.Equal(Enum.GetValues<BaselineMethod>().Length, BaselineMethods.Names.Count);
        foreach (var m in Enum.GetValues<BaselineMethod>()) Assert.Equal(m, BaselineMethods.Parse(m.Name()));
    }

    [Fact]
    public void Unknown_name_lists_the_valid_ones_and_the_source()
    {
        var e = Assert.Throws<InputException>(() => BaselineMethods.Parse("longrope", "--method"));
        Assert.StartsWith("--method", e.Message, StringComparison.Ordinal);
        Assert.Contains("none, pi, ntk, yarn, llama3, dynamic-ntk", e.Message, StringComparison.Ordinal);
        Assert.Contains("longrope", e.Message, StringComparison.Ordinal);
        Assert.False(BaselineMethods.TryParse("dynamic", out _));
    }
}
