using LongRopeSearch.Core;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>Job specs: malformed ones are refused naming the file, the field and what was expected; good ones round-trip.</summary>
public sealed class JobSpecTests
{
    private const string Good = """{ "model": "m", "data": "d", "validation": "v", "space": "s.json", "targets": ["8x", 4096], "output": "out/job" }""";

    public static TheoryData<string, string, string> Malformed => new()
    {
        // spec text, field named, text the message must contain
        { Good.Replace("\"model\": \"m\", ", "", StringComparison.Ordinal), "model", "expected a string, found nothing" },
        { Good.Replace("\"output\": \"out/job\"", "\"output\": \"\"", StringComparison.Ordinal), "output", "expected a non-empty string" },
        { Good.Replace("\"data\": \"d\"", "\"data\": 3", StringComparison.Ordinal), "data", "expected a non-empty string, found 3" },
        { Good.Replace("}", ", \"threads\": \"four\" }", StringComparison.Ordinal), "threads", "expected an integer ≥ 1, found \"four\"" },
        { Good.Replace("}", ", \"threads\": 0 }", StringComparison.Ordinal), "threads", "expected an integer ≥ 1, found 0" },
        { Good.Replace("}", ", \"seed\": -1 }", StringComparison.Ordinal), "seed", "found -1" },
        { Good.Replace("}", ", \"short_length\": 1.5 }", StringComparison.Ordinal), "short_length", "found 1.5" },
        { Good.Replace("[\"8x\", 4096]", "\"8x\"", StringComparison.Ordinal), "targets", "expected an array of target lengths, e.g. [\"8x\", \"16x\"] (empty: the search space's), found \"8x\"" },
        { Good.Replace("[\"8x\", 4096]", "[\"8x\", true]", StringComparison.Ordinal), "targets[1]", "expected a length such as 131072 or 8x, found true" },
        { Good.Replace("}", ", \"modle\": \"x\" }", StringComparison.Ordinal), "modle", "an unknown field" },
        { "[1, 2]", "", "expected a JSON object" },
        { "{ \"model\": ", "", "expected valid JSON" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_spec_names_the_file_and_the_field(string text, string field, string message)
    {
        using var dir = new TempDir();
        var path = dir.File("job.json");
        File.WriteAllText(path, text);
        var e = Assert.Throws<InputException>(() => JobSpec.Load(path));
        Assert.Equal(path, e.Origin);
        Assert.Equal(field, e.Field);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_spec_file_is_named()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<InputException>(() => JobSpec.Load(dir.File("nope.json")));
        Assert.Contains(dir.File("nope.json"), e.Message, StringComparison.Ordinal);
        Assert.Contains("no such file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Paths_are_relative_to_the_spec_file_and_the_spec_round_trips()
    {
        using var dir = new TempDir();
        var path = dir.File("job.json");
        File.WriteAllText(path, Good.Replace("}", ", \"seed\": 1099511627776, \"short_length\": 0, \"threads\": 3, \"validation_samples\": 5 }", StringComparison.Ordinal));
        var spec = JobSpec.Load(path);
        Assert.Equal(dir.File("m"), spec.Model);
        Assert.Equal(Path.Combine(dir.PathName, "out", "job"), spec.Output);
        Assert.Equal("job", spec.Id); // defaults to the output directory's name
        Assert.Equal(["8x", "4096"], spec.Targets);
        Assert.Equal(1UL << 40, spec.Seed); // seeds are 64-bit (`search --seed` takes any ulong)

        var saved = dir.File("saved.json");
        spec.Save(saved);
        AssertSameSpec(spec, JobSpec.Load(saved));
        var huge = spec with { Seed = ulong.MaxValue };
        huge.Save(saved);
        AssertSameSpec(huge, JobSpec.Load(saved));
    }

    [Fact]
    public void No_targets_means_the_spaces_targets_and_survives_a_save()
    {
        // `longrope search` without --targets saves "targets": [] and `longrope resume` must load it back.
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir);
        var path = dir.File("job.json");
        spec.Save(path);
        AssertSameSpec(spec, JobSpec.Load(path));
        File.WriteAllText(path, Good.Replace(", \"targets\": [\"8x\", 4096]", "", StringComparison.Ordinal));
        Assert.Empty(JobSpec.Load(path).Targets);
    }

    [Fact]
    public void A_job_file_keeps_inputs_relative_to_its_directory_and_its_directory_as_output()
    {
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir) with { Seed = 5 };
        var jobDir = Directory.CreateDirectory(spec.Output).FullName;
        var path = Path.Combine(jobDir, "job.json");
        spec.SaveJobFile(path, jobDir);
        var saved = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.False(saved.ContainsKey("output"));
        Assert.Equal(Path.Combine("..", "space.json"), (string)saved["space"]!);
        Assert.Equal(Path.GetRelativePath(jobDir, JobKit.Model), (string)saved["model"]!);
        AssertSameSpec(spec, JobSpec.LoadJobFile(path, jobDir));

        // Copied next to its space file elsewhere: the copy's own directory and space file.
        var moved = dir.File("elsewhere/deeper/ref-job");
        JobKit.CopyDirectory(jobDir, moved);
        File.Copy(spec.Space, dir.File("elsewhere/deeper/space.json"));
        var loaded = JobSpec.LoadJobFile(Path.Combine(moved, "job.json"), moved);
        Assert.Equal(Path.GetFullPath(moved), loaded.Output);
        Assert.Equal(Path.GetFullPath(dir.File("elsewhere/deeper/space.json")), loaded.Space);
        // The model did not move: found where the directory was created.
        Assert.Equal(Path.GetFullPath(JobKit.Model), loaded.Model);
    }

    public static TheoryData<string> Inputs => ["model", "data", "validation", "space"];

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_job_with_a_missing_input_fails_before_writing_anything(string field)
    {
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir);
        var missing = dir.File("missing-" + field);
        spec = field switch
        {
            "model" => spec with { Model = missing },
            "data" => spec with { Data = missing },
            "validation" => spec with { Validation = missing },
            _ => spec with { Space = missing },
        };
        using var cts = new CancellationTokenSource();
        var e = Assert.Throws<InputException>(() => JobKit.RunOnce(spec, cts));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains($"\"{field}\"", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(spec.Output), "a job with a missing input must not leave an output directory behind");
    }

    private static void AssertSameSpec(JobSpec expected, JobSpec actual)
    {
        Assert.Equal(expected.Targets, actual.Targets);
        Assert.Equal(expected, actual with { Targets = expected.Targets }); // records compare lists by reference
    }
}
