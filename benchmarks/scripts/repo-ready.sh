#!/usr/bin/env bash
# Issue 5's repo benchmark: starts `kojinet up` on a fresh data directory and runs
# benchmarks/repo-ready.py against it: N times, a new build is tagged into the destination tag
# and the time until a READY repo of the build tag contains it is measured; first on the small
# example tag, then with the tag filled with COUNT tiny RPMs (made once by make-tiny-rpms.sh and
# kept in RPM_DIR) plus EMPTY empty builds.
# Usage: benchmarks/scripts/repo-ready.sh [N] [COUNT] [RPM_DIR] [EMPTY]
#   COUNT=0 skips the filled run. Defaults: N=10 COUNT=10000 RPM_DIR=/tmp/kojinet-tiny-rpms-COUNT EMPTY=2000
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10}
count=${2:-10000}
rpms=${3:-/tmp/kojinet-tiny-rpms-$count}
empty=${4:-2000}
if [ "$count" -gt 0 ] && [ "$(ls "$rpms" 2>/dev/null | grep -c '\.rpm$')" -lt "$count" ]; then
  rm -rf "$rpms"
  echo "making $count tiny RPMs in $rpms (kept for the next runs)..."
  benchmarks/scripts/make-tiny-rpms.sh "$rpms" "$count" >/dev/null
fi
. benchmarks/scripts/kojinet-up.sh
start_kojinet_up
fill=""
[ "$count" -gt 0 ] && fill="$rpms"
/usr/bin/python3 benchmarks/repo-ready.py "$dir/data" "$n" "$fill" "$empty"
