#!/usr/bin/env bash
# Issue 4's build benchmarks: starts `kojinet up` on a fresh data directory and runs
# benchmarks/build-latency.py against it (N scratch builds; latency to the first subtask OPEN,
# Koji's overhead per build). Usage: benchmarks/scripts/build-latency.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-20}
. benchmarks/scripts/kojinet-up.sh
start_kojinet_up
/usr/bin/python3 benchmarks/build-latency.py "$dir/data" "$n"
