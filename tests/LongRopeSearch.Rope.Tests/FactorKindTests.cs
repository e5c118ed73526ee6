using System.Text.Json;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Rope.Tests;

/// <summary>The one stage kind: its text in every artifact, its stage name, and the snapshots written before it was shared.</summary>
public sealed class FactorKindTests
{
    [Theory]
    [InlineData(FactorKind.Long, "\"long\"", "target 4096")]
    [InlineData(FactorKind.Short, "\"short\"", "short 4096")]
    public void Text_json_and_stage_name(FactorKind kind, string json, string stageName)
    {
        Assert.Equal(json, JsonSerializer.Serialize(kind));
        Assert.Equal(kind, JsonSerializer.Deserialize<FactorKind>(json));
        Assert.Equal(stageName, kind.StageName(4096));
        Assert.Equal(kind, FactorKinds.Parse(json.Trim('"'), "f", "stage"));
    }

    [Theory]
    [InlineData("\"Long\"", FactorKind.Long)]
    [InlineData("\"Short\"", FactorKind.Short)]
    public void A_snapshot_written_before_the_kinds_were_shared_still_reads(string json, FactorKind kind) =>
        Assert.Equal(kind, JsonSerializer.Deserialize<FactorKind>(json));

    [Theory]
    [InlineData("\"LONG\"")]
    [InlineData("\"target\"")]
    [InlineData("0")]
    public void Anything_else_is_refused(string json)
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<FactorKind>(json));
        if (json.StartsWith('"'))
        {
            var e = Assert.Throws<InputException>(() => FactorKinds.Parse(json.Trim('"'), "validation.json", "kind"));
            Assert.Equal("validation.json: kind: expected \"long\" or \"short\", found " + json, e.Message);
        }
    }
}
