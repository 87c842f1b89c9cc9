#!/usr/bin/env bash
# Repodata generation: our writer (KojiNet.Repodata) against createrepo_c on the same packages.
# Full generation (ours from the RPM files and from in-memory metadata; createrepo_c with and
# without its sqlite databases) and regeneration after one package was added (ours with the
# fragment cache; createrepo_c --update).
# Usage: benchmarks/scripts/repodata-benchmarks.sh [COUNT] [WORKERS] [ROUNDS]
# Packages come from $KOJINET_BENCH_DIR/COUNT (default /tmp/kojinet-bench-rpms/COUNT, shared
# with rpm-benchmarks.sh and made by make-tiny-rpms.sh when missing); they are only read.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-10000}
workers=${2:-2}
rounds=${3:-3}
dir=${KOJINET_BENCH_DIR:-/tmp/kojinet-bench-rpms}/$count
if [ ! -d "$dir" ] || [ "$(find "$dir" -name '*.rpm' | wc -l)" -ne "$count" ]; then
  rm -rf "$dir"
  echo "making $count tiny packages in $dir ..."
  benchmarks/scripts/make-tiny-rpms.sh "$dir" "$count" >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$dir" && find . -name '*.rpm' | sed 's|^\./||' | sort) > "$work/all.list"
head -n $((count - 1)) "$work/all.list" > "$work/minus-one.list"

best() { # best-of-$rounds wall time of "$@" after a warm-up, in seconds
  local b="" t s e
  for r in $(seq 0 "$rounds"); do
    s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ "$r" -gt 0 ] && { [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" -eq 1 ]; }; then b=$t; fi
  done
  echo "$b"
}
report() { printf '%s: %d packages, best %.3f s = %.0f packages/s\n' "$1" "$count" "$2" "$(echo "$count / $2" | bc -l)"; }

cr_full() { rm -rf "$work/cr" && mkdir "$work/cr" && createrepo_c --quiet --workers "$workers" "$@" -o "$work/cr" -i "$work/all.list" "$dir"; }
echo "== createrepo_c $(createrepo_c --version | head -n1)"
report "createrepo_c --workers $workers --no-database (full)" "$(best cr_full --no-database)"
report "createrepo_c --workers $workers, with sqlite databases (full, Koji's default)" "$(best cr_full)"

cr_prepare() { rm -rf "$work/cru" && mkdir "$work/cru" && createrepo_c --quiet --no-database --workers "$workers" -o "$work/cru" -i "$work/minus-one.list" "$dir"; }
cr_update() { createrepo_c --quiet --no-database --workers "$workers" --update -o "$work/cru" -i "$work/all.list" "$dir"; }
b=""
for r in $(seq 0 "$rounds"); do
  cr_prepare >/dev/null
  s=$(date +%s.%N); cr_update >/dev/null; e=$(date +%s.%N)
  t=$(echo "$e - $s" | bc -l)
  if [ "$r" -gt 0 ] && { [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" -eq 1 ]; }; then b=$t; fi
done
report "createrepo_c --update --no-database after one added package" "$b"

echo "== Koji.NET KojiNet.Repodata ($workers workers)"
dotnet run -c Release --project benchmarks/KojiNet.Benchmarks -- repodata "$dir" "$workers" "$rounds"
