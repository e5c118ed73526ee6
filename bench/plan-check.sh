#!/bin/bash
# bench/plan.md: `longrope plan`, then the real search it estimates, under nice with load and peak RSS recorded,
# then the plan again with the run's measured abandon rates. Usage: bash bench/plan-check.sh OUT_DIR [SPACE]
set -e
out=$1; space=${2:-bench/plan-check-space.json}
cli="dotnet run --project src/LongRopeSearch.Cli -c Release --no-build --"
mkdir -p "$out"
echo "plan start $(date -u +%T) $(uptime)" > "$out/load.txt"
nice -n 5 $cli plan --space "$space" --json "$out/plan.json" > "$out/plan.txt" 2>&1
echo "search start $(date -u +%T) $(uptime)" >> "$out/load.txt"
nice -n 5 /usr/bin/time -v $cli search --space "$space" --out "$out/run" > "$out/search.out" 2> "$out/search.err" || true
echo "search end $(date -u +%T) $(uptime)" >> "$out/load.txt"
nice -n 5 $cli plan --space "$space" --from "$out/run" --calibrate 0 --json "$out/plan-from.json" > "$out/plan-from.txt" 2>&1
$cli query --out "$out/run" --format csv "SELECT stage, target_length, count(*) n, sum(len(per_sample_nll)) samples,
  sum(abandoned::INT) abandoned, round(sum(seconds), 1) eval_seconds, round(epoch(max(timestamp)) - epoch(min(timestamp)), 1) span
  FROM history GROUP BY ALL ORDER BY min(candidate_id)"
grep -E "validation table ready|Elapsed|Maximum resident|User time|System time" "$out/search.err"
