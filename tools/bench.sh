#!/usr/bin/env bash
# One command for the engine benchmark beside PyTorch on the same checkpoint, samples and lengths:
#   bash tools/bench.sh [LENGTHS]      (default 2048,8192,32768)
# Writes bench/csharp.json, bench/torch.json and bench/RESULTS.md (a side-by-side table with the date and machine).
# Needs: the .NET SDK; Debian python3-torch and libopenblas0-pthread (without it PyTorch is ~30x slower).
# Run it on an otherwise idle machine: both engines use every core.
set -euo pipefail
cd "$(dirname "$0")/.."
lengths=${1:-2048,8192,32768}
mkdir -p bench
# Build first and run the binary itself: measured right after `dotnet run`'s build, the first length competes with
# the build servers winding down and reads ~40% slow.
dotnet build src/LongRopeSearch.Cli -c Release -v quiet -nologo
sleep 5
dotnet src/LongRopeSearch.Cli/bin/Release/net10.0/longrope.dll bench --lengths "$lengths" --json bench/csharp.json
# Some machines here set OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE to work around old OpenBLAS bugs; they pin a slower
# kernel (sgemm ~120 instead of ~400 GFLOP/s on this CPU), so the peer is measured without them, in this command only.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/bench_torch.py models/tiny-brown datasets/search --lengths "$lengths" --threads "$(nproc)" --json bench/torch.json
/usr/bin/python3 tools/bench_compare.py bench/csharp.json bench/torch.json bench/RESULTS.md
cat bench/RESULTS.md
