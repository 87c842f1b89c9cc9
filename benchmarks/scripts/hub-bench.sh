#!/usr/bin/env bash
# Runs shared/bench/koji-bench.py against our hub on SQLite (kojinet up) and on PostgreSQL
# (a private cluster), one after the other, and keeps each run's JSON in $OUT. The bench runs
# under hub-cpu-bench.py, which adds the hub process's own CPU time per call (and the
# PostgreSQL cluster's) to the results: on a machine shared with other work that is the number
# to compare, not wall time or the bench's per-process-name totals.
# Usage: benchmarks/scripts/hub-bench.sh [extra koji-bench.py arguments]
#   e.g. --quiet-wait 0 --duration 10 when other work keeps the machine busy anyway.
# Environment: ENGINES ("sqlite postgresql"), OUT (/tmp/kojinet-hub-bench), SQLITE_PORT (18443),
# PG_HUB_PORT (18444), PG_PORT (15432), NO_BUILD=1 to reuse $OUT/bin.
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=${KOJINET_BENCH_SCRIPT:-../shared/bench/koji-bench.py}
bench=$(realpath "$bench")
out=${OUT:-/tmp/kojinet-hub-bench}
engines=${ENGINES:-sqlite postgresql}
sqlite_port=${SQLITE_PORT:-18443}
pg_hub_port=${PG_HUB_PORT:-18444}
pg_port=${PG_PORT:-15432}
if [ -z "${NO_BUILD:-}" ]; then
  rm -rf "$out"; mkdir -p "$out"
  dotnet build -c Release src/KojiNet -o "$out/bin" >/dev/null
else
  rm -rf "$out/sqlite" "$out/pg" "$out/pg-koji" "$out"/*.json "$out"/*.txt "$out"/*.log
fi
kojinet="dotnet $out/bin/kojinet.dll"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "${pgbin:-}" ] && [ -f "$out/pg/data/postmaster.pid" ]; then
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$out/pg/data" -m fast stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

wait_for() { # logfile text
  for _ in $(seq 1 240); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.5; done
  cat "$1"; return 1
}

run_bench() { # name hub-url cert ca hub-pid pg-pid|- [bench args]
  echo "== $1"
  local pg=(); [ "$6" != - ] && pg=(--pg-pid "$6")
  KOJINET_BENCH_SCRIPT="$bench" /usr/bin/python3 benchmarks/scripts/hub-cpu-bench.py --hub-pid "$5" "${pg[@]}" \
    --hub "$2" --cert "$3" --ca "$4" --json "$out/$1.json" "${@:7}" | tee "$out/$1.txt"
  echo "hub RSS (kB): $(ps -o rss= -p "$5")" | tee -a "$out/$1.txt"
}

# The CA (and the admin's certificate) both runs use; `kojinet up` makes it on first start.
ca="$out/sqlite/ca"

# SQLite: the embedded defaults.
$kojinet up --data-dir "$out/sqlite" --port "$sqlite_port" > "$out/sqlite.log" 2>&1 &
up_pid=$!; pids+=("$up_pid")
wait_for "$out/sqlite.log" "ready"
if [[ " $engines " == *" sqlite "* ]]; then
  run_bench sqlite "https://127.0.0.1:$sqlite_port/kojihub" "$ca/users/kojiadmin.pem" "$ca/ca.crt" "$up_pid" - "$@"
fi
kill "$up_pid"; wait "$up_pid" 2>/dev/null || true

if [[ " $engines " == *" postgresql "* ]]; then
  # PostgreSQL: a private cluster on a free port, the same CA and admin.
  pgdir="$out/pg"; mkdir -p "$pgdir"; chown postgres "$pgdir" 2>/dev/null || true
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  runuser -u postgres -- "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres --no-sync >/dev/null
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pgdir -c max_connections=200" -l "$pgdir/log" -w start >/dev/null
  postmaster=$(head -n1 "$pgdir/data/postmaster.pid")
  cat > "$out/hub-pg.conf" <<CONF
[hub]
DBConnectionString = Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Maximum Pool Size=100
DBMigrateOnStart = yes
KojiDir = $out/pg-koji
ListenURLs = https://127.0.0.1:$pg_hub_port
TLSCertificate = $ca/servers/localhost.pem
TLSClientCA = $ca/ca.crt
CONF
  $kojinet db migrate --config "$out/hub-pg.conf" --config-dir /nonexistent >/dev/null
  # The admin: bootstrap through `kojinet up`'s code path is SQLite-only, so grant it with SQL here.
  psql -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "INSERT INTO users (name, status, usertype) VALUES ('kojiadmin', 0, 0);
    INSERT INTO events (time) VALUES (extract(epoch from now()));
    INSERT INTO user_perms (user_id, perm_id, create_event, creator_id) SELECT u.id, p.id, (SELECT max(id) FROM events), u.id FROM users u, permissions p WHERE u.name = 'kojiadmin' AND p.name = 'admin';" postgres
  $kojinet hub --config "$out/hub-pg.conf" --config-dir /nonexistent > "$out/pg.log" 2>&1 &
  hub_pid=$!; pids+=("$hub_pid")
  wait_for "$out/pg.log" "serving"
  run_bench postgresql "https://127.0.0.1:$pg_hub_port/kojihub" "$ca/users/kojiadmin.pem" "$ca/ca.crt" "$hub_pid" "$postmaster" "$@"
fi
