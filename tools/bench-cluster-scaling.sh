#!/usr/bin/env bash
# Scaling of a search through the cluster: the same job (tiny-brown, one target, no short stage; by default 4x =
# 1024 tokens, 2 samples, population 16 + 2 generations of 16 = 48 evaluations) with 1 worker and then with 2 workers,
# each worker pinned with `taskset -c <core>` to its own core and running one engine thread. A third, unpinned worker
# process with no evaluation queue of its own would still take evaluations, so the coordinator runs in worker 1
# (`--coordinators 1`; the others 0); its stage validation comes after the last evaluation and is not timed.
#   search wall   = longrope.jobs.created_at → the last longrope.evaluations.finished_at of the job
#   speed-up      = search wall with 1 worker / with 2 workers (of the same repeat)
#   overhead/eval = (search wall with 1 worker − Σ evaluation seconds) / evaluations: every millisecond the one
#                   worker was not evaluating (queue poll, Hangfire state changes, result round trip, breeding and
#                   checkpoint between generations, the job's start)
# Environment: BENCH_SCALE (target = SCALE × L0 256, default 4), BENCH_SAMPLES (default 2), BENCH_CHILDREN (children
# per generation and the population, default 16; a real search breeds 32), BENCH_REPEATS (pairs of runs, 1 worker
# then 2, default 1: on a shared VM the speed of an evaluation drifts between minutes, so pairs are interleaved and
# the median speed-up is reported with every pair's).
# Writes bench/cluster.md (BENCH_OUT to write elsewhere). Needs taskset (util-linux) and 2 free cores.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/LongRopeSearch.Cli -c Release -v quiet -nologo >/dev/null
lr=(dotnet src/LongRopeSearch.Cli/bin/Release/net10.0/longrope.dll)
dir=$(bash tools/pg.sh start --owner-pid $$)
work=$(mktemp -d /tmp/longrope-bench-cluster.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash tools/pg.sh stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
eval "$(bash tools/pg.sh env "$dir")"
. "$dir/pg.state"
# BENCH_SCALE (default 4: 1024 tokens) and BENCH_SAMPLES (default 2) set the size of one evaluation.
scale=${BENCH_SCALE:-4}; samples=${BENCH_SAMPLES:-2}; children=${BENCH_CHILDREN:-16}; repeats=${BENCH_REPEATS:-1}
length=$((256 * scale)); half=$((children / 2)); out=${BENCH_OUT:-bench/cluster.md}
cat > "$work/space.json" <<JSON
{ "targets": ["${scale}x"], "population": $children, "generations": 2, "parents": $half, "mutations": $half, "crossovers": $((children - half)), "samples": $samples, "seed": 5 }
JSON
q() { PGPASSWORD="$PASSWORD" psql -h 127.0.0.1 -p "$PORT" -U postgres -d "$1" -Atc "$2"; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
results=()
for r in $(seq 1 "$repeats"); do
for n in 1 2; do
  db="bench_${r}_$n"
  q longrope "CREATE DATABASE $db" >/dev/null
  cs="Host=127.0.0.1;Port=$PORT;Username=postgres;Password=$PASSWORD;Database=$db"
  pids=()
  for i in $(seq 1 "$n"); do
    coord=0; [ "$i" = 1 ] && coord=1
    taskset -c $((i - 1)) "${lr[@]}" worker --cluster "$cs" --model models/tiny-brown --threads 1 --coordinators "$coord" \
      > "$work/worker-$r-$n-$i.log" 2>&1 &
    pids+=($!)
  done
  sleep 5
  "${lr[@]}" search --cluster "$cs" --model models/tiny-brown --space "$work/space.json" --short 0 --out "$work/run-$r-$n/bench-job" \
    > "$work/search-$r-$n.log" 2>&1
  row=$(q "$db" "SELECT count(*), sum(seconds), extract(epoch FROM max(e.finished_at) - j.created_at),
                        extract(epoch FROM max(e.finished_at) - min(e.finished_at - make_interval(secs => e.seconds)))
                 FROM longrope.evaluations e JOIN longrope.jobs j ON j.id = e.job_id GROUP BY j.created_at")
  results+=("$r|$n|$(cut -d' ' -f1 /proc/loadavg)|$row")
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
  cmp -s "$work/run-1-1/bench-job/best/long-$length.json" "$work/run-$r-$n/bench-job/best/long-$length.json" \
    || { echo "best factors of run $r with $n workers differ from the first 1-worker run" >&2; exit 1; }
done
done
BENCH_LENGTH=$length BENCH_SAMPLES=$samples BENCH_CHILDREN=$children python3 - "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" "${results[@]}" > "$out.tmp" <<'PY'
import sys, datetime, os, statistics
before, after = sys.argv[1], sys.argv[2]
runs = {}
for line in sys.argv[3:]:
    r, n, load, c, s, w, e = line.split('|')
    runs.setdefault(int(r), {})[int(n)] = (float(load), int(c), float(s), float(w), float(e))
cpu = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
env = os.environ
children = int(env['BENCH_CHILDREN'])
print(f"# Cluster scaling, {datetime.date.today().isoformat()}\n")
print(f"Machine: {os.cpu_count()} cores, {cpu}; load average before {before}, after {after}.")
print(f"Command: `BENCH_SCALE={int(env['BENCH_LENGTH']) // 256} BENCH_SAMPLES={env['BENCH_SAMPLES']} BENCH_CHILDREN={children} BENCH_REPEATS={len(runs)} bash tools/bench-cluster.sh`")
print(f"(tools/bench-cluster-scaling.sh): tiny-brown, target {env['BENCH_LENGTH']} tokens, {env['BENCH_SAMPLES']} samples, {children} + 2 × {children} evaluations,")
print("each worker `taskset`-pinned to its own core with `--threads 1`; 1 worker then 2 in each pair; every run's best factors are checked equal.\n")
print("| pair | workers | load before | evaluations | Σ evaluation s | search wall s | speed-up | overhead ms/eval | evaluating wall s | overhead ms/eval while evaluating | busy worker slots |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
speedups, overheads, ideal = [], [], []
for r in sorted(runs):
    w1 = runs[r][1][3]
    for n in (1, 2):
        load, c, s, w, e = runs[r][n]
        print(f"| {r} | {n} | {load:.2f} | {c} | {s:.2f} | {w:.2f} | {w1 / w:.2f}x | {1000 * (n * w - s) / c:.0f} | {e:.2f} | {1000 * (n * e - s) / c:.0f} | {s / e:.2f} of {n} |")
    (_, c1, s1, _, e1), (_, c2, s2, w2, e2) = runs[r][1], runs[r][2]
    speedups.append(w1 / w2); overheads.append(1000 * (e1 - s1) / c1); ideal.append((s2 / e2) / (s1 / e1))
print(f"\nWall-clock speed-up: median {statistics.median(speedups):.2f}x over {len(speedups)} pair(s) (range {min(speedups):.2f}–{max(speedups):.2f}x);"
      f" overhead with one worker while evaluating: median {statistics.median(overheads):.0f} ms per evaluation.")
print(f"Speed-up if an evaluation took as long with 2 workers as with 1 (busy slots 2 / busy slots 1): median {statistics.median(ideal):.2f}x.")
print("\nOverhead = (workers·wall − Σ evaluation seconds) / evaluations: every worker-millisecond not spent evaluating, including")
print(f"a worker idle at a generation's end while the other finishes the last evaluation ({children} per generation). \"search wall\"")
print("starts at submission (coordinator start, model load on each worker); \"evaluating wall\" from the first evaluation's start")
print("to the last one's end. Busy worker slots = Σ evaluation seconds / evaluating wall.")
print("Coordination latency with an evaluator that does no work: bench/cluster-latency.md (`bash tools/bench-cluster.sh latency`).")
PY
mv "$out.tmp" "$out"
cat "$out"
