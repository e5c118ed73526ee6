#!/bin/bash
# Audit of issue 10 (docs/robustness.md): each case through the built CLI (dotnet build -c Release first). Prints
# "case | exit code | first error/warning line of stderr (else its first line, else stdout's)". Cases 6 mount tmpfs: root only.
R=$(cd "$(dirname "$0")/.." && pwd)
L="dotnet $R/src/LongRopeSearch.Cli/bin/Release/net10.0/longrope.dll"
T=${AUDIT_TMP:-/tmp/longrope-audit}; rm -rf $T; mkdir -p $T; cd $R
row() { local name="$1"; shift; "$@" > $T/out 2> $T/err; local rc=$?; local first=$(tr "\r" "\n" < $T/err | grep -E "^(error|warning)" | head -1); [ -z "$first" ] && first=$(grep -v "^\s*$" $T/err | head -1); [ -z "$first" ] && first="(stdout) $(grep -v '^\s*$' $T/out | head -1)"; echo "$name | $rc | ${first:0:200}"; }
SPACE=$T/space.json
echo '{ "targets": ["2x"], "population": 6, "generations": 1, "parents": 3, "mutations": 2, "crossovers": 2, "samples": 1, "seed": 3 }' > $SPACE
M=$T/model; cp -r models/tiny-brown $M
# 2 invalid utf-8 key
M2=$T/m-utf8; cp -r models/tiny-brown $M2
python3 - $M2/model.safetensors <<'PY'
import sys
p=sys.argv[1]; b=bytearray(open(p,'rb').read()); i=b.find(b'model.embed_tokens'); b[i+1]=0xff; open(p,'wb').write(b)
PY
row "2 utf8 key" $L eval --model $M2 --length 256 --samples 1
# 3 NaN weights
M3=$T/m-nan; cp -r models/tiny-brown $M3
python3 - $M3/model.safetensors <<'PY'
import sys,struct,json
p=sys.argv[1]; b=bytearray(open(p,'rb').read()); n=struct.unpack('<Q',b[:8])[0]; h=json.loads(b[8:8+n])
o=8+n+h['model.layers.1.mlp.down_proj.weight']['data_offsets'][0]+40; b[o:o+4]=struct.pack('<f',float('nan')); open(p,'wb').write(b)
PY
row "3 NaN eval" $L eval --model $M3 --length 256 --samples 1
row "3 NaN eval --json" $L eval --model $M3 --length 256 --samples 1 --json $T/nan.json
row "3 NaN search" $L search --model $M3 --space $SPACE --out $T/nanjob
# 4 history deleted then resume
timeout -s INT 1 true
$L search --model $M --space $SPACE --out $T/j4 >/dev/null 2>&1 &
P=$!; for i in $(seq 1 300); do grep -q "\"evaluations\": *[7-9]" $T/j4/status.json 2>/dev/null && break; sleep 0.2; done; kill -9 $P; wait $P 2>/dev/null
rm -f $T/j4/history.parquet
row "4 history deleted resume" $L resume --out $T/j4
# 5 SIGTERM
$L search --model $M --space $SPACE --out $T/j5 > $T/o5 2> $T/e5 &
P=$!; for i in $(seq 1 300); do grep -q '"evaluations": *[2-9]' $T/j5/status.json 2>/dev/null && break; sleep 0.2; done; kill -TERM $P; wait $P; echo "5 SIGTERM | $? | $(grep -v '^\s*$' $T/e5 | tail -1)"
# 1 relocation
$L search --model $M --space $SPACE --out $T/j1 >/dev/null 2>&1 &
P=$!; for i in $(seq 1 300); do grep -q '"evaluations": *[3-9]' $T/j1/status.json 2>/dev/null && break; sleep 0.2; done; kill -9 $P; wait $P 2>/dev/null
cp -r $T/j1 $T/j1copy; rm -rf $T/j1
row "1 relocated resume" $L resume --out $T/j1copy; echo "   original recreated: $([ -d $T/j1 ] && echo yes || echo no)"
# 6 full disk / ro
mkdir -p $T/full $T/ro; mount -t tmpfs -o size=48k tmpfs $T/full && mount -t tmpfs -o size=1m,ro tmpfs $T/ro && {
  dd if=/dev/zero of=$T/full/fill bs=4k count=11 2>/dev/null
  row "6 full disk" $L search --model $M --space $SPACE --out $T/full/job
  row "6 read-only" $L search --model $M --space $SPACE --out $T/ro/job
  row "6 eval --json full" $L eval --model $M --length 256 --samples 1 --json $T/full/x.json
  umount $T/full; umount $T/ro; }
mkdir -p $T/noperm; chmod 500 $T/noperm
row "6 EACCES(root bypasses)" setpriv --reuid=65534 --regid=65534 --clear-groups $L search --model $M --space $SPACE --out $T/noperm/job
# 7 status
cp -r $T/j1copy $T/j7; echo '{ garbage' > $T/j7/state.json
row "7 status corrupt state" $L status --out $T/j7
$L search --model $M --space $SPACE --out $T/j7b --validation $T/empty >/dev/null 2>&1; echo "   j7b exit $?"
row "7 status after failed search" $L status --out $T/nanjob
# 8 fail fast
mkdir -p $T/fewval; cp datasets/validation/doc000.txt $T/fewval/
row "8 few validation docs" $L search --model $M --space $SPACE --out $T/j8 --validation $T/fewval
sed 's/"samples": 1/"samples": 100/' $SPACE > $T/space100.json
row "8 space samples 100" $L search --model $M --space $T/space100.json --out $T/j8b; echo "   files written: $(ls $T/j8b 2>/dev/null | tr '\n' ' ')"
# 9 wrong blame
row "9 --targets 8x,4x" $L search --model $M --space $SPACE --out $T/j9 --targets 8x,4x
row "9 space samples (search)" $L search --model $M --space $T/space100.json --out $T/j9b
row "9 --length 10^12" $L eval --model $M --length 1000000000000
M9=$T/m-dir; mkdir -p $M9; cp models/tiny-brown/config.json $M9; mkdir $M9/model.safetensors
row "9 dir model.safetensors" $L eval --model $M9 --length 256
mkdir -p $T/factordir
row "9 --factors dir" $L eval --model $M --length 256 --factors $T/factordir
echo '{"factors":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"n_hat":100000,"attention_factor":1}' > $T/bignhat.json
row "10 n_hat > length" $L eval --model $M --length 256 --samples 1 --factors $T/bignhat.json
$L resume --out $T/j1copy >/dev/null 2>&1
touch $T/existing
row "9 export --to existing file" $L export --out $T/j1copy --to $T/existing
cp -r $T/j1copy $T/j10; rm -f $T/j10/validation.json
row "10 export no validation" $L export --out $T/j10 --to $T/exp10
cp -r $T/j1copy $T/j10b; rm -f $T/j10b/history.parquet
row "10 report no history" $L report --out $T/j10b
# 3 overflow with finite weights (GQA fixture, four rows of a down_proj at 3e38)
M11=$T/m-ovf; cp -r tests/fixtures/models/gqa $M11
python3 - $M11/model.safetensors <<'PY'
import sys,struct,json
p=sys.argv[1]; b=bytearray(open(p,'rb').read()); n=struct.unpack('<Q',b[:8])[0]; h=json.loads(b[8:8+n]); t=h['model.layers.1.mlp.down_proj.weight']; o=8+n+t['data_offsets'][0]
for i in range(t['shape'][1]*4): b[o+4*i:o+4*i+4]=struct.pack('<f',3e38)
open(p,'wb').write(b)
PY
row "3 overflow eval" $L eval --model $M11 --length 64 --samples 1
echo '{ "targets": ["2x"], "population": 6, "generations": 1, "parents": 3, "mutations": 2, "crossovers": 2, "samples": 1, "seed": 3 }' > $T/gspace.json
row "3 overflow search" $L search --model $M11 --space $T/gspace.json --out $T/ovfjob
