#!/usr/bin/env bash
# Scaling of a search through the cluster: the same job (tiny-brown, one target 4x = 1024 tokens, 2 samples,
# population 16 + 2 generations of 16 = 48 evaluations, no short stage) with 1 worker and then with 2 workers, each
# worker pinned with `taskset -c <core>` to its own core and running one engine thread. A third, unpinned worker
# process with no evaluation queue of its own would still take evaluations, so the coordinator runs in worker 1
# (`--coordinators 1`; the others 0); its stage validation comes after the last evaluation and is not timed.
#   search wall   = longrope.jobs.created_at → the last longrope.evaluations.finished_at of the job
#   speed-up      = search wall with 1 worker / with 2 workers
#   overhead/eval = (search wall with 1 worker − Σ evaluation seconds) / evaluations: every millisecond the one
#                   worker was not evaluating (queue poll, Hangfire state changes, result round trip, breeding and
#                   checkpoint between generations, the job's start)
# Writes bench/cluster.md. Needs taskset (util-linux) and 2 free cores.
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
scale=${BENCH_SCALE:-4}; samples=${BENCH_SAMPLES:-2}; length=$((256 * scale))
cat > "$work/space.json" <<JSON
{ "targets": ["${scale}x"], "population": 16, "generations": 2, "parents": 8, "mutations": 8, "crossovers": 8, "samples": $samples, "seed": 5 }
JSON
q() { PGPASSWORD="$PASSWORD" psql -h 127.0.0.1 -p "$PORT" -U postgres -d "$1" -Atc "$2"; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
results=()
for n in 1 2; do
  db="bench_$n"
  q longrope "CREATE DATABASE $db" >/dev/null
  cs="Host=127.0.0.1;Port=$PORT;Username=postgres;Password=$PASSWORD;Database=$db"
  pids=()
  for i in $(seq 1 "$n"); do
    coord=0; [ "$i" = 1 ] && coord=1
    taskset -c $((i - 1)) "${lr[@]}" worker --cluster "$cs" --model models/tiny-brown --threads 1 --coordinators "$coord" \
      > "$work/worker-$n-$i.log" 2>&1 &
    pids+=($!)
  done
  sleep 5
  "${lr[@]}" search --cluster "$cs" --model models/tiny-brown --space "$work/space.json" --short 0 --out "$work/run-$n/bench-job" \
    > "$work/search-$n.log" 2>&1
  row=$(q "$db" "SELECT count(*), sum(seconds), extract(epoch FROM max(e.finished_at) - j.created_at),
                        extract(epoch FROM max(e.finished_at) - min(e.finished_at - make_interval(secs => e.seconds)))
                 FROM longrope.evaluations e JOIN longrope.jobs j ON j.id = e.job_id GROUP BY j.created_at")
  results+=("$n|$row")
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
  cmp -s "$work/run-1/bench-job/best/long-$length.json" "$work/run-$n/bench-job/best/long-$length.json" \
    || { echo "best factors of the $n-worker run differ from the 1-worker run" >&2; exit 1; }
done
BENCH_LENGTH=$length BENCH_SAMPLES=$samples python3 - "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" "${results[@]}" > bench/cluster.md <<'PY'
import sys, datetime, os
before, after, rows = sys.argv[1], sys.argv[2], [r.split('|') for r in sys.argv[3:]]
r = {int(n): (int(c), float(s), float(w), float(e)) for n, c, s, w, e in rows}
c1, s1, w1, e1 = r[1]; c2, s2, w2, e2 = r[2]
cpu = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
print(f"# Cluster scaling, {datetime.date.today().isoformat()}\n")
print(f"Machine: {os.cpu_count()} cores, {cpu}; load average before {before}, after {after}.")
print(f"Command: `BENCH_SCALE={int(os.environ['BENCH_LENGTH']) // 256} BENCH_SAMPLES={os.environ['BENCH_SAMPLES']} bash tools/bench-cluster.sh` (tools/bench-cluster-scaling.sh): tiny-brown, target {os.environ['BENCH_LENGTH']} tokens, {os.environ['BENCH_SAMPLES']} samples,")
print("48 evaluations, each worker `taskset`-pinned to its own core with `--threads 1`; the best factors of both runs are checked equal.\n")
print("| workers | evaluations | Σ evaluation s | search wall s | speed-up | overhead ms/eval | evaluating wall s | overhead ms/eval while evaluating | busy worker slots |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
print(f"| 1 | {c1} | {s1:.2f} | {w1:.2f} | 1.00x | {1000 * (w1 - s1) / c1:.0f} | {e1:.2f} | {1000 * (e1 - s1) / c1:.0f} | {s1 / e1:.2f} of 1 |")
print(f"| 2 | {c2} | {s2:.2f} | {w2:.2f} | {w1 / w2:.2f}x | {1000 * (2 * w2 - s2) / c2:.0f} | {e2:.2f} | {1000 * (2 * e2 - s2) / c2:.0f} | {s2 / e2:.2f} of 2 |")
print(f"\nSpeed-up if an evaluation took as long with 2 workers as with 1 (busy slots 2 / busy slots 1): {(s2 / e2) / (s1 / e1):.2f}x.")
print("\nOverhead = (workers·wall − Σ evaluation seconds) / evaluations: every worker-millisecond not spent evaluating, including")
print("a worker idle at a generation's end while the other finishes the last evaluation (16 per generation). \"search wall\"")
print("starts at submission (coordinator start, model load on each worker); \"evaluating wall\" from the first evaluation's start")
print("to the last one's end. Busy worker slots = Σ evaluation seconds / evaluating wall.")
print("Coordination latency with an evaluator that does no work: bench/cluster-latency.md (`bash tools/bench-cluster.sh latency`).")
PY
cat bench/cluster.md
