# Sourced by the benchmark scripts (run from the checkout's root): start_kojinet_up builds
# kojinet and starts `kojinet up` on the embedded defaults in a fresh temporary directory $dir
# (data in $dir/data), waits until it is ready, and stops and removes it when the script exits.
start_kojinet_up() {
  dir=$(mktemp -d /tmp/kojinet-bench-up-XXXXXX)
  dotnet build -c Release src/KojiNet >/dev/null
  local log="$dir/up.log"
  dotnet src/KojiNet/bin/Release/net10.0/kojinet.dll up --data-dir "$dir/data" --port 0 >"$log" 2>&1 &
  up=$!
  trap 'kill $up 2>/dev/null; wait $up 2>/dev/null; rm -rf "$dir"' EXIT
  for _ in $(seq 600); do grep -q "kojinet up: ready" "$log" && break; sleep 0.1; done
  grep -q "kojinet up: ready" "$log" || { cat "$log"; exit 1; }
}
