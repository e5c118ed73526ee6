using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Integration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// `longrope serve --cluster cs [--urls http://127.0.0.1:5080]`: the cluster view as a web page (ASP.NET Core, from
/// the shared framework): workers (alive, busy on what, evaluations done, jobs they cannot serve), jobs (stage,
/// generation, best ppl, ETA, error) and recent evaluation failures, read from the database at every request; the
/// page refreshes itself every 5 s. `/api/overview` is the same as JSON. tools/screenshot-serve.sh photographs it.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var cluster = new Option<string>("--cluster") { Description = "PostgreSQL connection string of the cluster to show.", Required = true };
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var cmd = new Command("serve", "Serve a web page of the cluster: workers, jobs, recent failures.") { cluster, urls };
        cmd.SetAction(parse =>
        {
            var db = ClusterDatabase.ConnectAsync(parse.GetValue(cluster)!).GetAwaiter().GetResult();
            try
            {
                var builder = WebApplication.CreateSlimBuilder();
                builder.WebHost.UseUrls(parse.GetValue(urls)!);
                builder.Logging.ClearProviders();
                builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
                var app = builder.Build();
                app.MapGet("/", async (HttpContext http) =>
                {
                    var view = await ClusterOverview.ReadAsync(db, http.RequestAborted);
                    return Results.Content(Page(view), "text/html; charset=utf-8");
                });
                app.MapGet("/api/overview", async (HttpContext http) =>
                    Results.Text(System.Text.Json.JsonSerializer.Serialize(await ClusterOverview.ReadAsync(db, http.RequestAborted)), "application/json"));
                parse.InvocationConfiguration.Error.WriteLine($"serving the cluster view of {db.Where} on {parse.GetValue(urls)}");
                app.Run();
                return ExitCodes.Ok;
            }
            finally
            {
                db.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        });
        return cmd;
    }

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static string N(double? v, string format) => v?.ToString(format, CultureInfo.InvariantCulture) ?? "–";

    internal static string Page(ClusterOverview view)
    {
        var h = new StringBuilder();
        h.Append("""
            <!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>longrope cluster</title>
            <style>body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin-bottom:1.5em}
            td,th{border:1px solid #ccc;padding:.3em .6em;font-size:.9em;text-align:left}th{background:#eef}
            .alive{color:#070;font-weight:bold}.dead{color:#b00;font-weight:bold}.stopped{color:#777}.warn{color:#b60}</style></head><body>
            """);
        h.Append(CultureInfo.InvariantCulture, $"<h1>longrope cluster</h1><p>{E(view.Where)} · {view.Workers.Count(w => w.Worker.Alive)} of {view.Workers.Count} workers alive · {view.Jobs.Count} jobs · {DateTime.UtcNow:u}</p>");
        h.Append("<h2>Workers</h2><table><tr><th>worker</th><th>state</th><th>cores</th><th>SIMD</th><th>numerics</th><th>busy on</th><th>evaluations done</th><th>last heartbeat</th><th>cannot serve</th></tr>");
        foreach (var (w, cannot) in view.Workers)
        {
            var state = w.Alive ? "alive" : w.StoppedAt is null ? "dead" : "stopped";
            h.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(w.Id)}</td><td class=\"{state}\">{state}</td><td>{w.Cores}</td><td>{E(w.Simd)}</td><td>{E(w.NumericsVersion)}</td>");
            h.Append(CultureInfo.InvariantCulture, $"<td>{E(w.BusyOn ?? "idle")}</td><td>{w.EvaluationsDone}</td><td>{w.LastHeartbeat:u}</td><td class=\"warn\">{E(string.Join("; ", cannot))}</td></tr>");
        }
        h.Append("</table><h2>Jobs</h2><table><tr><th>job</th><th>status</th><th>stage</th><th>generation</th><th>best ppl</th><th>ETA</th><th>coordinator</th><th>error</th></tr>");
        foreach (var j in view.Jobs)
        {
            var eta = j.EtaSeconds is { } s ? TimeSpan.FromSeconds(s).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture) : "–";
            h.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(j.Id)}</td><td>{E(j.Status)}</td><td>{E(j.Stage ?? "–")}</td><td>{j.Generation?.ToString(CultureInfo.InvariantCulture) ?? "–"}</td>");
            h.Append(CultureInfo.InvariantCulture, $"<td>{N(j.BestPpl, "0.####")}</td><td>{eta}</td><td>{E(j.Coordinator ?? "–")}</td><td class=\"dead\">{E(j.Error)}</td></tr>");
        }
        h.Append("</table><h2>Recent failures</h2>");
        if (view.Failures.Count == 0) h.Append("<p>none</p>");
        else
        {
            h.Append("<table><tr><th>when</th><th>evaluation</th><th>attempts</th><th>last worker</th><th>error</th></tr>");
            foreach (var f in view.Failures)
                h.Append(CultureInfo.InvariantCulture, $"<tr><td>{f.FailedAt:u}</td><td>{E($"{f.JobId}/{f.Stage}/{f.CandidateId}")}</td><td>{f.Attempts}</td><td>{E(f.WorkerId)}</td><td>{E(f.Error)}</td></tr>");
            h.Append("</table>");
        }
        h.Append("</body></html>");
        return h.ToString();
    }
}
