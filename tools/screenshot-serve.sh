#!/usr/bin/env bash
# Photographs `longrope serve --cluster` in a real browser (Debian's chromium, headless) while a small search runs:
#   bash tools/screenshot-serve.sh [OUT.png]          (default docs/cluster-serve.png)
# Starts a throw-away PostgreSQL (tools/pg.sh), two workers that can evaluate the job's model (tests/fixtures/models/gqa)
# and one that has only another model (shown as unable to serve the job), submits a search with --detach, starts
# `serve`, waits until the job is running its second generation or later, takes the screenshot, and stops everything it started.
# Needs chromium: apt-get update && apt-get install -y chromium
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/cluster-serve.png}
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium not found: apt-get update && apt-get install -y chromium" >&2; exit 3; }
dotnet build src/LongRopeSearch.Cli -c Release -v quiet -nologo >/dev/null
lr=(dotnet src/LongRopeSearch.Cli/bin/Release/net10.0/longrope.dll)
dir=$(bash tools/pg.sh start --owner-pid $$)
work=$(mktemp -d /tmp/longrope-serve.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash tools/pg.sh stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
eval "$(bash tools/pg.sh env "$dir")"
cat > "$work/space.json" <<'JSON'
{ "targets": ["4x", "8x"], "population": 12, "generations": 40, "parents": 6, "mutations": 4, "crossovers": 4, "samples": 4, "seed": 3 }
JSON
for m in gqa gqa head-dim-override; do
  "${lr[@]}" worker --cluster "$LONGROPE_PG" --model "tests/fixtures/models/$m" --threads 1 --coordinators 1 > "$work/worker-$m-$RANDOM.log" 2>&1 &
  pids+=($!)
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${lr[@]}" serve --cluster "$LONGROPE_PG" --urls "http://127.0.0.1:$port" > "$work/serve.log" 2>&1 &
pids+=($!)
sleep 5
"${lr[@]}" search --cluster "$LONGROPE_PG" --model tests/fixtures/models/gqa --space "$work/space.json" --short 0 \
  --out "$work/jobs/serve-demo" --detach
for _ in $(seq 1 240); do
  if curl -sf "http://127.0.0.1:$port/" | grep -q '<td>running</td><td>target 256</td><td>[2-9]</td>'; then break; fi
  sleep 0.5
done
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1500,900 \
  --screenshot="$PWD/$out" "http://127.0.0.1:$port/" 2>/dev/null
echo "wrote $out"
