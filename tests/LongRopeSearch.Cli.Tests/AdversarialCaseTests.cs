using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

/// <summary>
/// Issue 10's cases through the in-process CLI, one test each (exit code and the error line): NaN/Inf weights and
/// overflows, storage failures said as such, errors blamed on their real source, n̂ beyond the evaluated length, a
/// copied job resumed where it is. docs/robustness.md lists every case with the test that keeps it.
/// </summary>
public sealed class AdversarialCaseTests
{
    private const string Tensor = "model.layers.1.mlp.down_proj.weight";

    private const string SmallSpace =
        """{ "targets": ["2x"], "population": 6, "generations": 1, "parents": 3, "mutations": 2, "crossovers": 2, "samples": 1, "seed": 3 }""";

    /// <summary>The single "error: " line of stderr (progress lines may precede it); fails unless there is exactly one.</summary>
    internal static string ErrorLine(string stderr)
    {
        var errors = stderr.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, "expected one error line, got:\n" + stderr);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        return errors[0];
    }

    private static string CopyGqa(TempDir tmp, string name = "model") => ModelFiles.Copy(TestJob.Model, tmp.File(name));

    private static string Space(TempDir tmp)
    {
        var path = tmp.File("space.json");
        File.WriteAllText(path, SmallSpace);
        return path;
    }

    // ---- 3: NaN / Inf ----

    [Fact]
    public void Case3_eval_names_the_tensor_holding_a_NaN_weight()
    {
        using var tmp = new TempDir();
        var model = CopyGqa(tmp);
        var file = ModelFiles.SetWeights(model, Tensor, 10, 1, float.NaN);

        var (exit, _, stderr) = CliRunner.Run("eval", "--model", model, "--length", "64", "--samples", "1");

        Assert.Equal(2, exit);
        Assert.Equal($"error: {file}: {Tensor}: expected finite weights, found NaN at element 10", ErrorLine(stderr));
    }

    [Fact]
    public void Case3_eval_json_of_an_infinite_weight_is_a_refusal_not_a_crash_and_writes_nothing()
    {
        using var tmp = new TempDir();
        var model = CopyGqa(tmp);
        var file = ModelFiles.SetWeights(model, Tensor, 3, 1, float.PositiveInfinity);
        var json = tmp.File("out.json");

        var (exit, _, stderr) = CliRunner.Run("eval", "--model", model, "--length", "64", "--samples", "1", "--json", json);

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: {file}: {Tensor}: expected finite weights, found Infinity at element 3", ErrorLine(stderr), StringComparison.Ordinal);
        Assert.False(File.Exists(json));
    }

    [Fact]
    public void Case3_an_overflow_with_finite_weights_names_the_layer()
    {
        using var tmp = new TempDir();
        var model = CopyGqa(tmp);
        ModelFiles.SetWeights(model, Tensor, 0, 4 * 96, 3e38f); // four rows of down_proj near float.MaxValue: the MLP of layer 1 overflows

        var (exit, _, stderr) = CliRunner.Run("eval", "--model", model, "--length", "64", "--samples", "1");

        Assert.Equal(1, exit);
        var line = ErrorLine(stderr);
        Assert.StartsWith("error: eval L=64 none: the forward pass produced a non-finite NLL", line, StringComparison.Ordinal);
        Assert.Contains("first in layer 1 (MLP)", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Case3_factors_that_overflow_a_finite_model_are_blamed_on_the_factor_file()
    {
        // Found by the fuzz test: a factor file the reader accepts (finite, positive) under which attention overflows.
        using var tmp = new TempDir();
        var factors = tmp.File("huge-af.json");
        File.WriteAllText(factors, """{"factors":[1,1,1,1,1,1,1,1],"n_hat":0,"attention_factor":1e30}""");

        var (exit, _, stderr) = CliRunner.Run("eval", "--model", TestJob.Model, "--length", "64", "--samples", "1", "--factors", factors);

        Assert.Equal(2, exit);
        var line = ErrorLine(stderr);
        Assert.StartsWith($"error: {factors}: expected factors under which the forward pass stays finite, found a non-finite NLL", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Case3_a_search_on_NaN_weights_stops_naming_the_tensor_and_its_status_says_failed()
    {
        using var tmp = new TempDir();
        var model = CopyGqa(tmp);
        var file = ModelFiles.SetWeights(model, Tensor, 10, 1, float.NaN);
        var output = tmp.File("job");

        var (exit, _, stderr) = CliRunner.Run("search", "--model", model, "--space", Space(tmp), "--out", output, "--threads", "2");

        Assert.Equal(2, exit);
        Assert.Equal($"error: {file}: {Tensor}: expected finite weights, found NaN at element 10", ErrorLine(stderr));
        var status = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "status.json")))!;
        Assert.Equal("failed", (string)status["state"]!);
        Assert.Contains(Tensor, (string)status["error"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void Case3_a_search_whose_every_candidate_overflows_fails_with_a_reason_not_a_json_crash()
    {
        using var tmp = new TempDir();
        var model = CopyGqa(tmp);
        ModelFiles.SetWeights(model, Tensor, 0, 4 * 96, 3e38f);

        var (exit, _, stderr) = CliRunner.Run("search", "--model", model, "--space", Space(tmp), "--out", tmp.File("job"), "--threads", "2");

        Assert.Equal(1, exit);
        Assert.StartsWith("error: target 128: every fully evaluated candidate scored a non-finite NLL", ErrorLine(stderr), StringComparison.Ordinal);
    }

    // ---- 6: storage ----

    [Fact]
    public void Case6_storage_causes_are_named_from_the_errno_never_as_a_lock()
    {
        // .NET on Unix puts the errno in IOException.HResult; these are the values a full disk, a read-only file
        // system and a lock held by another process give.
        Assert.Equal("no space left on device (the disk is full)", StorageException.Cause(new IOException("No space left on device", 28)));
        Assert.Equal("read-only file system", StorageException.Cause(new IOException("Read-only file system", 30)));
        Assert.Equal("permission denied", StorageException.Cause(new UnauthorizedAccessException("denied")));
        Assert.Null(StorageException.Cause(new IOException("other", 12345)));
        Assert.True(StorageException.IsLockContention(new IOException("locked", 11)));
        Assert.False(StorageException.IsLockContention(new IOException("No space left on device", 28)));
        var wrapped = new StorageException("/x/state.json", "write", new IOException("No space left on device", 28));
        Assert.Equal(28, wrapped.HResult);
        Assert.Equal("/x/state.json: could not write: no space left on device (the disk is full) (No space left on device)", wrapped.Message);
    }

    [Fact]
    public void Case6_a_full_disk_is_said_as_such()
    {
        using var tmp = new TempDir();
        var disk = tmp.File("disk");
        using var mount = Tmpfs.Mount(disk, "size=64k");
        if (mount is null) { Assert.Equal(28, new StorageException("p", "write", new IOException("x", 28)).HResult); return; } // no mount privilege here: the errno mapping above is what is left
        File.WriteAllBytes(Path.Combine(disk, "fill"), new byte[60 * 1024]); // tmpfs rounds to pages: the rest fills up below
        try { using var f = File.OpenWrite(Path.Combine(disk, "fill2")); f.Write(new byte[64 * 1024]); } catch (IOException) { }

        var (exit, _, stderr) = CliRunner.Run("search", "--model", TestJob.Model, "--space", Space(tmp), "--out", Path.Combine(disk, "job"));

        Assert.Equal(1, exit);
        var line = ErrorLine(stderr);
        Assert.Contains("no space left on device (the disk is full)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("locked", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Case6_a_read_only_file_system_is_said_as_such()
    {
        using var tmp = new TempDir();
        var disk = tmp.File("ro");
        using var mount = Tmpfs.Mount(disk, "size=64k,ro");
        if (mount is null) { Assert.Equal("read-only file system", StorageException.Cause(new IOException("x", 30))); return; }

        var (exit, _, stderr) = CliRunner.Run("search", "--model", TestJob.Model, "--space", Space(tmp), "--out", Path.Combine(disk, "job"));

        Assert.Equal(1, exit);
        Assert.Equal($"error: {Path.Combine(disk, "job")}: could not create the job directory: read-only file system (Read-only file system : '{Path.Combine(disk, "job")}')", ErrorLine(stderr));
    }

    // ---- 9: the right source ----

    [Fact]
    public void Case9_targets_out_of_order_on_the_command_line_are_blamed_on_the_option()
    {
        using var tmp = new TempDir();
        var (exit, _, stderr) = CliRunner.Run("search", "--model", TestJob.Model, "--space", Space(tmp), "--out", tmp.File("job"), "--targets", "8x,4x");

        Assert.Equal(2, exit);
        Assert.Equal("error: --targets: expected target lengths in strictly increasing order, found 4x after 8x in 8x,4x", ErrorLine(stderr));
        Assert.False(Directory.Exists(tmp.File("job")));
    }

    [Fact]
    public void Case9_a_target_not_above_the_trained_context_is_blamed_on_the_option()
    {
        using var tmp = new TempDir();
        var (exit, _, stderr) = CliRunner.Run("search", "--model", TestJob.Model, "--space", Space(tmp), "--out", tmp.File("job"), "--targets", "32");

        Assert.Equal(2, exit);
        Assert.Equal("error: --targets: expected target lengths above the model's trained context 64, found 32 = 32 in 32", ErrorLine(stderr));
    }

    [Fact]
    public void Case9_a_length_beyond_the_engine_says_the_real_bound()
    {
        var (exit, _, stderr) = CliRunner.Run("eval", "--model", TestJob.Model, "--length", "1000000000000");

        Assert.Equal(2, exit);
        Assert.Equal("error: --length: expected a length of at most 2147483647 tokens (2^31 − 1, the largest sample the engine indexes), found 1000000000000", ErrorLine(stderr));
    }

    [Fact]
    public void Case9_factors_pointing_at_a_directory_says_directory_not_access_denied()
    {
        using var tmp = new TempDir();
        var dir = tmp.File("factors");
        Directory.CreateDirectory(dir);

        var (exit, _, stderr) = CliRunner.Run("eval", "--model", TestJob.Model, "--length", "64", "--factors", dir);

        Assert.Equal(2, exit);
        Assert.Equal($"error: {dir}: expected a factor file (JSON or LongRoPE CSV), found a directory", ErrorLine(stderr));
    }

    // ---- 10: no silent acceptance ----

    [Fact]
    public void Case10_nhat_at_or_beyond_the_evaluated_length_is_refused_before_any_evaluation()
    {
        using var tmp = new TempDir();
        var factors = tmp.File("f.json");
        File.WriteAllText(factors, """{"factors":[1,1.5,2,3,4,5,6,8],"n_hat":100,"attention_factor":1}""");

        var (exit, stdout, stderr) = CliRunner.Run("eval", "--model", TestJob.Model, "--length", "128,64", "--factors", factors);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Equal($"error: {factors}: n_hat: expected n̂ below the evaluated length 64 (from n̂ on positions are scaled; n̂ ≥ L scores the unscaled model), found 100", ErrorLine(stderr));
    }

    // ---- 1: relocation (the kill-copy-delete-resume comparison is Jobs.Tests/RelocationTests) ----

    [Fact]
    public void Case1_resume_of_a_copied_job_works_on_the_copy()
    {
        var job = SearchedJob.Value;
        using var tmp = new TempDir();
        var copy = tmp.File("elsewhere");
        CopyDirectory(job.Dir.Root, copy);
        var originalState = File.GetLastWriteTimeUtc(job.Dir.State);

        var (exit, stdout, _) = CliRunner.Run("resume", "--out", copy);

        Assert.Equal(0, exit);
        Assert.Contains(copy, stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(job.Dir.Root + " ", stdout, StringComparison.Ordinal);
        Assert.Equal(originalState, File.GetLastWriteTimeUtc(job.Dir.State));
    }

    internal static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from)) CopyDirectory(d, Path.Combine(to, Path.GetFileName(d)));
    }
}

/// <summary>A small tmpfs mounted for one test (root on Linux only); null where mounting is not allowed.</summary>
internal sealed class Tmpfs : IDisposable
{
    private readonly string _dir;

    private Tmpfs(string dir) => _dir = dir;

    public static Tmpfs? Mount(string dir, string options)
    {
        if (!OperatingSystem.IsLinux()) return null;
        Directory.CreateDirectory(dir);
        return Exec("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir) ? new Tmpfs(dir) : null;
    }

    public void Dispose() => Exec("umount", _dir);

    private static bool Exec(string file, params string[] args)
    {
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            p.WaitForExit(10_000);
            return p.HasExited && p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
