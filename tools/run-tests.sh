#!/usr/bin/env bash
# The project's test command (README, CI). Installs what the tests need, runs every test project in Release,
# and ends with one summary line "N passed, N failed[, N skipped]".
set -euo pipefail
cd "$(dirname "$0")/.."

# DuckDB (an independent Parquet reader) for the interoperability tests, pinned by package-lock.json.
if [ -f tests/LongRopeSearch.Store.Tests/duckdb/package.json ]; then
  if ! command -v npm >/dev/null; then echo "npm is required for the DuckDB interop tests (apt-get install nodejs npm)" >&2; exit 1; fi
  if [ -f tests/LongRopeSearch.Store.Tests/duckdb/package-lock.json ]; then
    npm ci --prefix tests/LongRopeSearch.Store.Tests/duckdb --no-audit --no-fund --loglevel=error >/dev/null
  else
    npm install --prefix tests/LongRopeSearch.Store.Tests/duckdb --no-audit --no-fund --loglevel=error >/dev/null
  fi
fi

log=$(mktemp)
set +e
dotnet test LongRopeSearch.sln -c Release --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# Sum the per-assembly summaries ("Test Run Successful." / "Failed!" blocks with "Passed: N", "Failed: N",
# "Skipped: N" lines) into one closing line.
awk '/^[[:space:]]+Passed: [0-9]+$/ {p += $2} /^[[:space:]]+Failed: [0-9]+$/ {f += $2} /^[[:space:]]+Skipped: [0-9]+$/ {s += $2}
  END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
