#!/usr/bin/env bash
# Makes COUNT distinct tiny binary RPMs in OUTDIR with rpmbuild, for the repodata benchmarks.
# Each spec has up to 500 subpackages (one small file, a few deps, a changelog each), so
# 10,000 packages take about twenty rpmbuild runs.
# Usage: make-tiny-rpms.sh OUTDIR [COUNT]
set -euo pipefail
out=${1:?usage: make-tiny-rpms.sh OUTDIR [COUNT]}
count=${2:-10000}
per_spec=500
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
spec_no=0
made=0
while [ "$made" -lt "$count" ]; do
  n=$(( count - made < per_spec ? count - made : per_spec ))
  spec="$work/tiny$spec_no.spec"
  {
    echo "Name: tiny$spec_no"
    echo "Version: 1.0"
    echo "Release: 1"
    echo "Summary: tiny benchmark package $spec_no"
    echo "License: MIT"
    echo "BuildArch: noarch"
    echo "%description"
    echo "Tiny package for benchmarks."
    for i in $(seq 1 "$n"); do
      echo "%package -n tiny$spec_no-sub$i"
      echo "Summary: tiny subpackage $i"
      echo "Requires: bash >= 4, coreutils"
      echo "Provides: tiny-virtual-$spec_no-$i = 1.0"
      echo "%description -n tiny$spec_no-sub$i"
      echo "Subpackage $i of spec $spec_no."
      echo "%files -n tiny$spec_no-sub$i"
      echo "/usr/share/tiny$spec_no/file$i"
    done
    echo "%install"
    echo "mkdir -p %{buildroot}/usr/share/tiny$spec_no"
    echo "for i in \$(seq 1 $n); do echo \"content \$i\" > %{buildroot}/usr/share/tiny$spec_no/file\$i; done"
    echo "%changelog"
    echo "* Mon Jan 01 2024 Bench <bench@example.org> - 1.0-1"
    echo "- first"
  } > "$spec"
  rpmbuild --quiet --nodeps --define "_topdir $work/top" --define "_rpmdir $out" \
    --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" -bb "$spec" >/dev/null
  made=$(( made + n ))
  spec_no=$(( spec_no + 1 ))
done
ls "$out"/*.rpm | wc -l
