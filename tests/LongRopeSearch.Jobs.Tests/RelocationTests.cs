using System.Text.Json.Nodes;
using LongRopeSearch.Cli;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// A job directory resumes wherever it is copied: `resume --out B` works on B, never on the directory the job was
/// started in. Input paths inside job.json are relative to the job directory (found there when the inputs moved
/// with it) or, when only the job directory moved, looked up where it was created; the fingerprint proves they are
/// the same inputs either way.
/// </summary>
public sealed class RelocationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public void A_killed_job_copied_elsewhere_resumes_there_to_the_uninterrupted_result()
    {
        var reference = ReferenceJob.Value;
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir); // dir/space.json and the job in dir/ref-job
        using (var cli = CliProcess.Start(dir.PathName, "search", "--model", JobKit.Model, "--data", JobKit.SearchData,
                   "--validation", JobKit.ValidationData, "--space", spec.Space, "--out", spec.Output))
        {
            Assert.True(cli.WaitUntil(() => (JobStatus.Load(new JobDirectory(spec.Output).Status)?.Evaluations ?? 0) >= 30, Patience), "no progress: " + cli.Describe());
            Assert.True(cli.KillHard(), "the search ended before it was killed: " + cli.Describe());
        }
        // Its process is gone without a word: interrupted, resumable, not "running".
        Assert.Equal("interrupted", StatusTests.Row(StatusTests.Status("--out", spec.Output).Text, JobKit.JobId)[1]);

        // Move the whole experiment (space file and job) two levels deeper elsewhere and delete the original: the
        // space is found next to the moved job, the model (which did not move) where the job was created.
        using var other = new TempDir();
        var moved = Path.Combine(other.PathName, "a", "b");
        JobKit.CopyDirectory(dir.PathName, moved);
        Directory.Delete(spec.Output, recursive: true);
        File.Delete(spec.Space);
        var copy = Path.Combine(moved, JobKit.JobId);

        using (var resume = CliProcess.Start(other.PathName, "resume", "--out", copy))
        {
            Assert.True(resume.WaitForExit(Patience), "resume did not finish: " + resume.Describe());
            Assert.True(resume.ExitCode == 0, resume.Describe());
        }
        Assert.False(Directory.Exists(spec.Output), "resume recreated the original directory instead of working on the copy");
        JobSnapshot.AssertSame(reference.Snapshot, JobSnapshot.Take(copy));
    }

    [Fact]
    public void A_job_json_naming_another_output_directory_resumes_the_directory_it_is_in()
    {
        // job.json as versions before relocatable jobs wrote it: absolute paths and an absolute "output".
        var reference = ReferenceJob.Value;
        using var dir = new TempDir();
        var spec = JobKit.StoppedJob(dir, evaluations: 25);
        var jobJson = new JobDirectory(spec.Output).Spec;
        var legacy = JsonNode.Parse(File.ReadAllText(jobJson))!.AsObject();
        legacy.Remove("created_in");
        legacy["model"] = spec.Model;
        legacy["data"] = spec.Data;
        legacy["validation"] = spec.Validation;
        legacy["space"] = spec.Space;
        legacy["output"] = spec.Output;
        File.WriteAllText(jobJson, legacy.ToJsonString());

        var copy = dir.File("copy");
        JobKit.CopyDirectory(spec.Output, copy);
        Directory.Delete(spec.Output, recursive: true);

        var (code, stdout, stderr) = Cli("resume", "--out", copy);
        Assert.True(code == 0, stderr);
        Assert.StartsWith("done: results in " + copy, LastLine(stdout), StringComparison.Ordinal);
        Assert.False(Directory.Exists(spec.Output), "resume worked on the directory named inside job.json");
        JobSnapshot.AssertSame(reference.Snapshot, JobSnapshot.Take(copy));
    }

    [Fact]
    public void A_moved_job_whose_input_is_gone_is_refused_naming_the_input()
    {
        using var dir = new TempDir();
        var spec = JobKit.StoppedJob(dir, evaluations: 5);
        using var other = new TempDir();
        var copy = Path.Combine(other.PathName, "x", JobKit.JobId);
        JobKit.CopyDirectory(spec.Output, copy);
        Directory.Delete(spec.Output, recursive: true);
        File.Delete(spec.Space); // gone from both places where the moved job could find it
        var stateBefore = File.ReadAllBytes(new JobDirectory(copy).State);

        var (code, _, stderr) = Cli("resume", "--out", copy);
        Assert.Equal(ExitCodes.BadInput, code);
        var first = stderr.Split('\n')[0];
        Assert.StartsWith("error: " + Path.Combine(other.PathName, "x", "space.json") + ": expected an existing search-space file (job field \"space\")", first, StringComparison.Ordinal);
        Assert.Equal(stateBefore, File.ReadAllBytes(new JobDirectory(copy).State));
    }

    internal static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    internal static string LastLine(string text) => text.TrimEnd().Split('\n')[^1];
}
