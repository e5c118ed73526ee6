#!/usr/bin/env bash
# The project's test command (README, CI): runs every test project in Release and ends with one summary line
# "N passed, N failed, N skipped", followed by each failed test with the start of its message. Needs only the .NET SDK:
# DuckDB, the independent Parquet reader of the interop tests, runs in-process from its NuGet package
# (DuckDB.NET.Data.Full).
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
set +e
dotnet test LongRopeSearch.sln -c Release --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# Sum the per-assembly summaries ("Test Run Successful." / "Failed!" blocks with "Passed: N", "Failed: N",
# "Skipped: N" lines) into one closing line.
awk '/^[[:space:]]+Passed: [0-9]+$/ {p += $2} /^[[:space:]]+Failed: [0-9]+$/ {f += $2} /^[[:space:]]+Skipped: [0-9]+$/ {s += $2}
  END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
# Repeat each failed test with the first lines of its message after the summary, so that the tail of a long CI log
# (often all that is kept of it) still names what failed and why.
awk '/^[[:space:]]+Failed [A-Za-z]/ {n = 12} n > 0 {print "  | " $0; n--}' "$log"
rm -f "$log"
exit "$status"
