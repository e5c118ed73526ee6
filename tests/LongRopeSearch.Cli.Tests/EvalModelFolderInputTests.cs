using System.Buffers.Binary;
using System.Text.Json.Nodes;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

/// <summary>A model folder the engine would score wrongly, or cannot read, is exit 2 with one line naming the file.</summary>
public class EvalModelFolderInputTests
{
    private static string CopyGqa(TempDir tmp)
    {
        var dir = tmp.File("model");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(RepoPaths.Combine("tests", "fixtures", "models", "gqa")))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    private static string OneLine(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "expected one line, got:\n" + stderr);
        return lines[0];
    }

    [Theory]
    [InlineData("ntk", "rope_scaling.rope_type", "\"ntk\"")]                  // no such rope_type in transformers
    [InlineData("llama3", "rope_scaling.low_freq_factor", "missing")]        // a parameter transformers requires
    public void A_rope_scaling_the_engine_cannot_apply_is_refused_instead_of_scored_as_plain_rope(string type, string field, string found)
    {
        using var tmp = new TempDir();
        var dir = CopyGqa(tmp);
        var configPath = Path.Combine(dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["rope_scaling"] = new JsonObject { ["rope_type"] = type, ["factor"] = 8.0, ["original_max_position_embeddings"] = 16 };
        File.WriteAllText(configPath, config.ToJsonString());

        var (exit, stdout, stderr) = CliRunner.Run("eval", "--model", dir, "--length", "32", "--samples", "1");

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        var line = OneLine(stderr);
        Assert.Contains(configPath, line);
        Assert.Contains(field, line);
        Assert.Contains(found, line);
    }

    [Fact]
    public void A_directory_named_model_safetensors_is_reported_as_a_directory()
    {
        using var tmp = new TempDir();
        var dir = CopyGqa(tmp);
        var weights = Path.Combine(dir, "model.safetensors");
        File.Delete(weights);
        Directory.CreateDirectory(weights);

        var (exit, _, stderr) = CliRunner.Run("eval", "--model", dir, "--length", "32", "--samples", "1");

        Assert.Equal(2, exit);
        var line = OneLine(stderr);
        Assert.Contains(weights, line);
        Assert.Contains("found a directory", line);
    }

    [Fact]
    public void Invalid_utf8_in_a_safetensors_header_key_is_exit_2_naming_the_file()
    {
        using var tmp = new TempDir();
        var dir = CopyGqa(tmp);
        var weights = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(weights).ToList();
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.ToArray());
        int at = bytes.IndexOf((byte)'"', 8) + 1;               // inside the first key of the header
        bytes.InsertRange(at, [0xC3]);                          // a UTF-8 lead byte without its continuation
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)headerLength + 1);
        for (int i = 0; i < 8; i++) bytes[i] = prefix[i];
        File.WriteAllBytes(weights, [.. bytes]);

        var (exit, _, stderr) = CliRunner.Run("eval", "--model", dir, "--length", "32", "--samples", "1");

        Assert.Equal(2, exit);
        var line = OneLine(stderr);
        Assert.Contains(weights, line);
        Assert.Contains("invalid UTF-8", line);
    }
}
