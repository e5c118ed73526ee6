using System.CommandLine;
using System.Globalization;
using LongRopeSearch.Cli.Terminal;
using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Hosting;
using LongRopeSearch.Cluster.Integration;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.Cluster.Workers;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Spectre.Console;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// The `--cluster "&lt;connection string&gt;"` forms of `worker`, `search`, `status` and `export`/`report`
/// (docs/cluster.md). Every first contact goes through <see cref="ClusterDatabase.ConnectAsync"/>, so a wrong
/// connection string or a database of another schema version is one line and exit 2.
/// </summary>
internal static class ClusterCli
{
    /// <summary>`longrope worker --cluster cs --model DIR...`: evaluations (one at a time, all cores) and coordinators until SIGTERM.</summary>
    public static int RunWorker(string cs, IReadOnlyList<string> modelFolders, int? threads, int coordinators, int invisibilitySeconds)
    {
        var models = WorkerEvaluator.Models(modelFolders);
        var db = ClusterDatabase.ConnectAsync(cs).GetAwaiter().GetResult();
        try
        {
            var options = new ClusterOptions { InvisibilityTimeout = TimeSpan.FromSeconds(invisibilitySeconds), HeartbeatInterval = TimeSpan.FromSeconds(Math.Min(5, Math.Max(1, invisibilitySeconds / 3))) };
            var identity = WorkerIdentity.ForThisProcess(ClusterJobSpec.LocalNumericsVersion, [.. models.Keys]);
            using var logging = CliLogging.Create();
            using var evaluator = new WorkerEvaluator(new ClusterJobs(db), models, threads ?? Environment.ProcessorCount, logging.CreateLogger("worker"));
            var builder = ClusterWorkerHost.CreateBuilder(db, new WorkerHostSettings(identity, options, coordinators), evaluator.Evaluate);
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
            builder.Logging.AddFilter("Hangfire", LogLevel.Warning);
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
            using var host = builder.Build();
            host.Run();
            return ExitCodes.Ok;
        }
        finally
        {
            db.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>`longrope search ... --cluster cs`: checks the inputs here, submits the job, follows it until done or failed.</summary>
    public static int Submit(string cs, JobContext job, bool detach, TextWriter output, TextWriter error)
    {
        // Everything a job needs is checked before anything is submitted, exactly as the embedded mode does.
        job.RequireInputs();
        job.CheckSamples(job.StartSearch().Stages);
        var cluster = new ClusterJobSpec(job.Spec, ClusterJobSpec.SignatureFor(job.Spec.Model));
        var db = ClusterDatabase.ConnectAsync(cs).GetAwaiter().GetResult();
        try
        {
            var jobs = new ClusterJobs(db);
            if (jobs.CreateAsync(job.Id, cluster.ToJson(), CancellationToken.None).GetAwaiter().GetResult())
            {
                var storage = ClusterStorage.Create(db, new ClusterOptions());
                CoordinatorJob.Enqueue(storage, job.Id);
                output.WriteLine($"submitted job {job.Id} to {db.Where} (queue {cluster.Signature.Queue}; checkpoint in {job.Spec.Output})");
            }
            else
            {
                var existing = jobs.GetAsync(job.Id, CancellationToken.None).GetAwaiter().GetResult()!;
                if (ClusterJobSpec.FromJson(existing.SpecJson).Spec is var s && !s.SameJobAs(job.Spec))
                    throw new InputException(ClusterDatabase.Argument, $"job {job.Id}", "a new job id (choose another --out) or the same job", "another job with this id");
                output.WriteLine($"job {job.Id} is already on the cluster ({existing.Status}); following it");
            }
            return detach ? ExitCodes.Ok : Follow(jobs, job.Id, output, error);
        }
        finally
        {
            db.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static int Follow(ClusterJobs jobs, string id, TextWriter output, TextWriter error)
    {
        using var signal = new ShutdownSignal(error);
        var retry = new ConnectionRetry(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        string? last = null;
        while (true)
        {
            ClusterJobRow row;
            try
            {
                row = retry.RunAsync("following the job", c => jobs.GetAsync(id, c), signal.Token).GetAwaiter().GetResult()!;
            }
            catch (OperationCanceledException)
            {
                output.WriteLine($"stopped following; job {id} goes on on the cluster (longrope status --cluster ...)");
                return ExitCodes.Cancelled;
            }
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{row.Status}: {row.Stage ?? "-"} generation {row.Generation?.ToString(CultureInfo.InvariantCulture) ?? "-"}, best ppl {row.BestPpl?.ToString("0.####", CultureInfo.InvariantCulture) ?? "-"}, coordinator {row.Coordinator ?? "-"}");
            if (line != last) error.WriteLine(line);
            last = line;
            if (row.Status == "done")
            {
                output.WriteLine($"done: results in {ClusterJobSpec.FromJson(row.SpecJson).Spec.Output}");
                return ExitCodes.Ok;
            }
            if (row.Status == "failed")
            {
                error.WriteLine($"error: job {id} failed: {row.Error}");
                return ExitCodes.Failure;
            }
            if (signal.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1)))
            {
                output.WriteLine($"stopped following; job {id} goes on on the cluster (longrope status --cluster ...)");
                return ExitCodes.Cancelled;
            }
        }
    }

    /// <summary>`longrope status --cluster cs`: workers (alive, busy, done, numerics) and jobs, with the workers that cannot serve each job.</summary>
    public static int Status(string cs, TextWriter output)
    {
        var db = ClusterDatabase.ConnectAsync(cs).GetAwaiter().GetResult();
        try
        {
            var view = ClusterOverview.ReadAsync(db, CancellationToken.None).GetAwaiter().GetResult();
            var (workers, jobs) = (view.Workers, view.Jobs);
            var wt = new Table().AddColumns("worker", "alive", "cores", "SIMD", "numerics", "busy on", "evaluations", "last heartbeat", "cannot serve");
            foreach (var (w, mismatched) in workers)
            {
                wt.AddRow(Markup.Escape(w.Id), w.Alive ? "yes" : w.StoppedAt is null ? "dead" : "stopped", w.Cores.ToString(CultureInfo.InvariantCulture),
                    w.Simd, Markup.Escape(w.NumericsVersion), Markup.Escape(w.BusyOn ?? "idle"), w.EvaluationsDone.ToString(CultureInfo.InvariantCulture),
                    w.LastHeartbeat.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(string.Join("; ", mismatched)));
            }
            var jt = new Table().AddColumns("job", "status", "stage", "generation", "best ppl", "ETA", "coordinator", "error");
            foreach (var j in jobs)
                jt.AddRow(Markup.Escape(j.Id), j.Status, j.Stage ?? "-", j.Generation?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    j.BestPpl?.ToString("0.####", CultureInfo.InvariantCulture) ?? "-", j.EtaSeconds is { } e ? TimeSpan.FromSeconds(e).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture) : "-",
                    Markup.Escape(j.Coordinator ?? "-"), Markup.Escape(j.Error ?? ""));
            output.WriteLine($"cluster {db.Where}: {workers.Count(w => w.Worker.Alive)} workers alive, {jobs.Count} jobs");
            Render.Write(output, wt);
            Render.Write(output, jt);
            foreach (var f in view.Failures)
                output.WriteLine($"failed evaluation {f.JobId}/{f.Stage}/{f.CandidateId} after {f.Attempts} attempt(s) on {f.WorkerId ?? "?"}: {f.Error}");
            return ExitCodes.Ok;
        }
        finally
        {
            db.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>`--cluster` of `export` and `report` (with <see cref="JobOption"/>).</summary>
    public static Option<string?> ClusterOption => new("--cluster") { Description = "PostgreSQL connection string: find the job (--job) on that cluster; its shared directory replaces --out." };

    public static Option<string?> JobOption => new("--job") { Description = "With --cluster: the job id (as `status --cluster` lists it)." };

    /// <summary>The job directory of `export`/`report`: the cluster job's shared directory with --cluster, else --out.</summary>
    public static string JobDirectoryOr(System.CommandLine.ParseResult parse, string outDir)
    {
        if (parse.GetValue<string?>("--cluster") is not { } cs) return outDir;
        var id = parse.GetValue<string?>("--job") ?? throw new InputException("--job", "", "the id of a cluster job (with --cluster)", "nothing");
        return JobDirectory(cs, id);
    }

    /// <summary>The shared directory of a cluster job (for `export`/`report --cluster cs --job ID` from any machine).</summary>
    public static string JobDirectory(string cs, string jobId)
    {
        var db = ClusterDatabase.ConnectAsync(cs).GetAwaiter().GetResult();
        try
        {
            var row = new ClusterJobs(db).GetAsync(jobId, CancellationToken.None).GetAwaiter().GetResult()
                ?? throw new InputException(ClusterDatabase.Argument, "--job", $"a job on {db.Where}", $"no job \"{jobId}\"");
            return ClusterJobSpec.FromJson(row.SpecJson).Spec.Output;
        }
        finally
        {
            db.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
