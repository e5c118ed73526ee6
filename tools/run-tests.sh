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
# Sum the per-assembly lines "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12" into one closing line.
awk '/(Passed|Failed)! +- +Failed: /{
  for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
} END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
