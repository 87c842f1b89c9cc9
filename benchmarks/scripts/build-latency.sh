#!/usr/bin/env bash
# Issue 4's build benchmarks: starts `kojinet up` on a fresh data directory and runs
# benchmarks/build-latency.py against it (N scratch builds; latency to the first subtask OPEN,
# Koji's overhead per build). Usage: benchmarks/scripts/build-latency.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-20}
dir=$(mktemp -d /tmp/kojinet-bench-up-XXXXXX)
dotnet build -c Release src/KojiNet >/dev/null
log="$dir/up.log"
dotnet src/KojiNet/bin/Release/net10.0/kojinet.dll up --data-dir "$dir/data" --port 0 >"$log" 2>&1 &
up=$!
trap 'kill $up 2>/dev/null; wait $up 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 600); do grep -q "kojinet up: ready" "$log" && break; sleep 0.1; done
grep -q "kojinet up: ready" "$log" || { cat "$log"; exit 1; }
/usr/bin/python3 benchmarks/build-latency.py "$dir/data" "$n"
