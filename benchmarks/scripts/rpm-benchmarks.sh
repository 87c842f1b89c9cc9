#!/usr/bin/env bash
# RPM metadata throughput: our header reader + SHA-256 against createrepo_c on the same files.
# Usage: benchmarks/scripts/rpm-benchmarks.sh [COUNT] [WORKERS]
# Keeps the generated packages in $KOJINET_BENCH_DIR (default /tmp/kojinet-bench-rpms) for reuse.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-10000}
workers=${2:-$(nproc)}
dir=${KOJINET_BENCH_DIR:-/tmp/kojinet-bench-rpms}/$count
if [ ! -d "$dir" ] || [ "$(find "$dir" -name '*.rpm' | wc -l)" -ne "$count" ]; then
  rm -rf "$dir"
  echo "making $count tiny packages in $dir ..."
  benchmarks/scripts/make-tiny-rpms.sh "$dir" "$count" >/dev/null
fi

echo "== createrepo_c --workers $workers (best of 3)"
best=""
for _ in 1 2 3; do
  rm -rf "$dir/repodata"
  start=$(date +%s.%N)
  createrepo_c --quiet --no-database --workers "$workers" "$dir" >/dev/null
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" -eq 1 ]; then best=$t; fi
done
rm -rf "$dir/repodata"
printf 'createrepo_c: %d packages, best %.3f s = %.0f packages/s\n' "$count" "$best" "$(echo "$count / $best" | bc -l)"

echo "== Koji.NET rpm-scan ($workers workers)"
dotnet run -c Release --project benchmarks/KojiNet.Benchmarks -- rpm-scan "$dir" "$workers" 3

echo "== BenchmarkDotNet: header parsing of one package"
KOJINET_BENCH_RPM=$(find "$dir" -name '*.rpm' | head -n 1) \
  dotnet run -c Release --project benchmarks/KojiNet.Benchmarks -- --filter '*RpmHeaderBenchmarks*' --job short
