#!/usr/bin/env python3
"""Best search ppl against cumulative FLOPs, generation by generation, for a control run and runs of other abandon
rules of the same space and seed (README, "Successive halving"): does a rule reach a given quality with less work than
the control needed for it?

    python3 tools/convergence.py [--at=0.15,0.333,0.5] LENGTH CONTROL_DIR [RUN_DIR ...]

Reads each job's history (through `longrope query`, DuckDB) and its state.json stage counters. Histories with the
`flops` column (written since 2026-12-01, fourth session) give every row's own cost, so every point is exact. For
older ones: a sample's FLOPs are taken from the control's own counters (flops ÷ samples evaluated: exact when, as in
the default space, the control stops only at sample ends), so no cost formula is repeated here; a row costs its
complete samples, and what a stage's counters hold beyond that (steps inside a sample where a prefix rule stopped it,
which those histories do not record) is spread evenly over the stage's abandoned rows, so points inside such a run
are estimates; each run's total is exact."""
import csv, io, json, math, os, subprocess, sys

LONGROPE = os.environ.get("LONGROPE", os.path.join(os.path.dirname(__file__), "..", "src/LongRopeSearch.Cli/bin/Release/net10.0/longrope.dll"))


def query(out, sql):
    r = subprocess.run(["dotnet", LONGROPE, "query", "--out", out, "--format", "csv", sql], capture_output=True, text=True, check=True)
    return list(csv.DictReader(io.StringIO(r.stdout)))


def counters(out, length):
    state = json.load(open(os.path.join(out, "state.json")))["search"]
    for s in state["completed"]:
        if state["stages"][s["stage_index"]]["length"] == length:
            return s["counters"]
    sys.exit(f"{out}/state.json: no completed stage of length {length}")


def curve(out, length, flops_per_sample):
    total = counters(out, length)["flops"]
    try:
        rows = query(out, f"SELECT generation, sum(flops) AS flops, min(CASE WHEN NOT abandoned THEN mean_nll END) AS best "
                          f"FROM history WHERE target_length = {length} GROUP BY 1 ORDER BY 1")
        exact = all(float(r["flops"]) > 0 for r in rows)
    except subprocess.CalledProcessError:  # a history from before the flops column
        exact = False
    if not exact:
        rows = query(out, f"SELECT generation, sum(len(per_sample_nll)) AS samples, count(*) FILTER (WHERE abandoned) AS abandoned, "
                          f"min(CASE WHEN NOT abandoned THEN mean_nll END) AS best FROM history WHERE target_length = {length} GROUP BY 1 ORDER BY 1")
        complete = sum(int(r["samples"]) for r in rows) * flops_per_sample
        abandoned = sum(int(r["abandoned"]) for r in rows)
        extra = (total - complete) / abandoned if abandoned else 0.0
    cum, best, points = 0.0, math.inf, []
    for r in rows:
        cum += float(r["flops"]) if exact else int(r["samples"]) * flops_per_sample + int(r["abandoned"]) * extra
        if r["best"]:
            best = min(best, float(r["best"]))
        points.append((int(r["generation"]), cum, best))
    return points, total


def at_fractions(points, control_total, fractions):
    """The best search ppl of the last generation whose cumulative FLOPs stay within each fraction of the control's."""
    out = []
    for f in fractions:
        within = [b for g, c, b in points if c <= f * control_total]
        out.append(f"{math.exp(within[-1]):.4f}" if within else "-")
    return out


def main():
    args = sys.argv[1:]
    fractions = [0.15, 1 / 3, 0.5]
    if args and args[0].startswith("--at="):
        fractions = [float(v) for v in args.pop(0)[5:].split(",")]
    length, runs = int(args[0]), args[1:]
    c = counters(runs[0], length)
    per_sample = c["flops"] / c["samples_evaluated"]
    control, control_total = curve(runs[0], length, per_sample)
    print(f"target {length}: best search ppl after each 4th generation (cumulative FLOPs as a fraction of the control's)")
    for out in runs:
        points, total = curve(out, length, per_sample)
        print(f"{out}: {total / control_total:.3f} of the control's FLOPs in all")
        print("  " + "  ".join(f"g{g} {c / control_total:.2f} {math.exp(b):.4f}" for g, c, b in points if g % 4 == 0))
        # The control's best at the same cost as this run's end: what the work alone would have bought.
        same = [b for g, cc, b in control if cc <= total]
        if out != runs[0] and same:
            print(f"  the control at the same FLOPs: {math.exp(same[-1]):.4f}; this run's best: {math.exp(points[-1][2]):.4f}")
        print("  best within " + ", ".join(f"{f:.2f}: {v}" for f, v in zip(fractions, at_fractions(points, control_total, fractions)))
              + f" of the control's FLOPs; at its end ({total / control_total:.3f}): {math.exp(points[-1][2]):.4f}")


if __name__ == "__main__":
    main()
