#!/usr/bin/env bash
# Coordination latency of the cluster (Hangfire on PostgreSQL), with an evaluator that does no work, the worker in its
# own process (as on a cluster) and then in the coordinator's process:
#   bash tools/bench-cluster.sh [ITEMS] [RUNS]     (default 50 items, 3 runs)
# Starts a throw-away PostgreSQL (tools/pg.sh), runs the latency mode of the cluster test host RUNS times, and writes
# bench/cluster.md with the date, the machine and its load average (run it on an otherwise idle machine).
set -euo pipefail
cd "$(dirname "$0")/.."
items=${1:-50}
runs=${2:-3}
dotnet build tests/LongRopeSearch.Cluster.TestHost -c Release -v quiet -nologo >/dev/null
dir=$(bash tools/pg.sh start --owner-pid $$)
trap 'bash tools/pg.sh stop "$dir"' EXIT
eval "$(bash tools/pg.sh env "$dir")"
out=bench/cluster.md
{
  echo "# Cluster coordination latency, $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); PostgreSQL $(bash -c '. '"$dir"'/pg.state; "$BIN/postgres" --version' | awk '{print $3}') on localhost;"
  echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg). Command: \`bash tools/bench-cluster.sh $items $runs\`."
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
