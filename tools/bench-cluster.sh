#!/usr/bin/env bash
# Cluster benchmarks (run them on an otherwise idle machine; each starts and stops its own PostgreSQL, tools/pg.sh):
#   bash tools/bench-cluster.sh [scaling]           the same search through the cluster with 1 worker, then 2 workers,
#                                                  each worker pinned with taskset to its own core with one engine
#                                                  thread: speed-up and coordination overhead per evaluation
#                                                  (tools/bench-cluster-scaling.sh; writes bench/cluster.md)
#   bash tools/bench-cluster.sh latency [ITEMS] [RUNS]
#                                                  coordination latency with an evaluator that does no work, the worker
#                                                  in its own process and then in the coordinator's (default 50 items,
#                                                  3 runs; writes bench/cluster-latency.md)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-scaling}
if [ "$mode" = scaling ]; then exec bash tools/bench-cluster-scaling.sh; fi
[ "$mode" = latency ] || { echo "usage: tools/bench-cluster.sh [scaling | latency [ITEMS] [RUNS]]" >&2; exit 2; }
items=${2:-50}
runs=${3:-3}
dotnet build tests/LongRopeSearch.Cluster.TestHost -c Release -v quiet -nologo >/dev/null
dir=$(bash tools/pg.sh start --owner-pid $$)
trap 'bash tools/pg.sh stop "$dir"' EXIT
eval "$(bash tools/pg.sh env "$dir")"
out=bench/cluster-latency.md
{
  echo "# Cluster coordination latency, $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); PostgreSQL $(bash -c '. '"$dir"'/pg.state; "$BIN/postgres" --version' | awk '{print $3}') on localhost;"
  echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg). Command: \`bash tools/bench-cluster.sh latency $items $runs\`."
  echo "Hangfire 1.8.25 + Hangfire.PostgreSql 1.21.1 (sliding invisibility, queue poll 250 ms, long polling off), one worker (in its own process, then in the coordinator's)."
  echo
  for run in $(seq 1 "$runs"); do
    echo "Run $run:"
    echo '```'
    dotnet tests/LongRopeSearch.Cluster.TestHost/bin/Release/net10.0/LongRopeSearch.Cluster.TestHost.dll latency-remote "$LONGROPE_PG" "$items"
    dotnet tests/LongRopeSearch.Cluster.TestHost/bin/Release/net10.0/LongRopeSearch.Cluster.TestHost.dll latency "$LONGROPE_PG" "$items"
    echo '```'
  done
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
