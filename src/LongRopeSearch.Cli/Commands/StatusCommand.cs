using System.CommandLine;
using System.Globalization;
using LongRopeSearch.Cli.Terminal;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using Spectre.Console;

namespace LongRopeSearch.Cli.Commands;

/// <summary>`longrope status`: state, stage, generation, evaluations, best ppl, rate and ETA of one job or of a worker's jobs.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var jobs = new Option<string?>("--jobs") { Description = "A worker's jobs directory: show every job in it." };
        var output = new Option<string?>("--out") { Description = "One job's output directory." };
        var cmd = new Command("status", "Show the progress of jobs.") { jobs, output };
        cmd.SetAction(parse =>
        {
            var rows = new List<(string Name, string Dir, string? Queue)>();
            if (parse.GetValue(jobs) is { } jobsDir)
            {
                if (!Directory.Exists(jobsDir)) throw new InputException("--jobs", "", "an existing jobs directory", jobsDir);
                foreach (var entry in JobQueue.List(jobsDir))
                    rows.Add((entry.Name, entry.Output ?? "", entry.QueueState));
            }
            else
            {
                var dir = parse.GetValue(output) ?? SearchCommand.DefaultOut;
                if (!Directory.Exists(dir)) throw new InputException("--out", "", "an existing job output directory", dir);
                rows.Add((Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')), dir, null));
            }
            Render.Write(parse.InvocationConfiguration.Output, Table(rows));
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Table Table(List<(string Name, string Dir, string? Queue)> rows)
    {
        var t = new Table().AddColumns("job", "state", "stage", "generation", "evaluations", "best ppl", "rate", "ETA", "note");
        foreach (var (name, dirPath, queue) in rows)
        {
            var dir = new JobDirectory(dirPath.Length == 0 ? "." : dirPath);
            var s = dirPath.Length == 0 ? null : JobStatus.TryLoad(dir.Status);
            var running = dirPath.Length > 0 && JobLock.IsHeld(dir.Root);
            var state = s is null ? queue ?? "not started" : running ? "running" : s.State == "running" ? "stopped" : s.State;
            if (queue is "failed") state = "failed";
            string F(double? v, string fmt) => v is { } x ? x.ToString(fmt, CultureInfo.InvariantCulture) : "-";
            t.AddRow(
                Markup.Escape(name), state, Markup.Escape(s?.Stage ?? "-"),
                s is null ? "-" : $"{s.Generation}/{s.Generations}",
                s is null ? "-" : $"{s.Evaluations}/{s.EvaluationsPlanned}",
                F(s?.BestPpl, "0.####"),
                s?.EvaluationsPerSecond is { } r ? F(r, "0.###") + " evals/s" : "-",
                s?.EtaSeconds is { } e && state is "running" or "stopped" ? TimeSpan.FromSeconds(e).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture) : "-",
                Markup.Escape(s?.Error ?? (queue is "failed" ? "see the .failed file" : "")));
        }
        return t;
    }
}
