#!/usr/bin/env bash
# Runs shared/bench/koji-bench.py against our hub on SQLite (kojinet up) and on PostgreSQL
# (a private cluster), one after the other, and keeps each run's JSON in $OUT.
# Usage: benchmarks/scripts/hub-bench.sh [extra koji-bench.py arguments]
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=${KOJINET_BENCH_SCRIPT:-../shared/bench/koji-bench.py}
out=${OUT:-/tmp/kojinet-hub-bench}
rm -rf "$out"; mkdir -p "$out"
dotnet build -c Release src/KojiNet -o "$out/bin" >/dev/null
kojinet="dotnet $out/bin/kojinet.dll"

wait_ready() { # logfile
  for _ in $(seq 1 120); do grep -q "ready" "$1" 2>/dev/null && return 0; sleep 0.5; done
  cat "$1"; return 1
}

run_bench() { # name hub-url cert ca
  echo "== $1"
  /usr/bin/python3 "$bench" --hub "$2" --cert "$3" --ca "$4" --json "$out/$1.json" "${@:5}" | tee "$out/$1.txt"
}

# SQLite: the embedded defaults.
$kojinet up --data-dir "$out/sqlite" --port 18443 > "$out/sqlite.log" 2>&1 &
up_pid=$!
trap 'kill $up_pid 2>/dev/null || true' EXIT
wait_ready "$out/sqlite.log"
run_bench sqlite https://127.0.0.1:18443/kojihub "$out/sqlite/ca/users/kojiadmin.pem" "$out/sqlite/ca/ca.crt" "$@"
echo "hub RSS (kB): $(ps -o rss= -p "$(pgrep -f "kojinet.dll up --data-dir $out/sqlite" | head -n1)")" | tee -a "$out/sqlite.txt"
kill $up_pid; wait $up_pid 2>/dev/null || true

# PostgreSQL: a private cluster on a free port, the same CA and admin.
pgdir="$out/pg"; mkdir -p "$pgdir"; chown postgres "$pgdir" 2>/dev/null || true
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
runuser -u postgres -- "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres --no-sync >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -o "-p 15432 -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pgdir -c max_connections=200" -l "$pgdir/log" -w start >/dev/null
trap 'runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null 2>&1 || true; kill $hub_pid 2>/dev/null || true' EXIT
ca="$out/sqlite/ca"
cat > "$out/hub-pg.conf" <<CONF
[hub]
DBConnectionString = Host=127.0.0.1;Port=15432;Username=postgres;Database=postgres;Maximum Pool Size=100
DBMigrateOnStart = yes
KojiDir = $out/pg-koji
ListenURLs = https://127.0.0.1:18444
TLSCertificate = $ca/servers/localhost.pem
TLSClientCA = $ca/ca.crt
CONF
$kojinet db migrate --config "$out/hub-pg.conf" --config-dir /nonexistent >/dev/null
# The admin: bootstrap through `kojinet up`'s code path is SQLite-only, so grant it with SQL here.
psql -h 127.0.0.1 -p 15432 -U postgres -q -c "INSERT INTO users (name, status, usertype) VALUES ('kojiadmin', 0, 0);
  INSERT INTO events (time) VALUES (extract(epoch from now()));
  INSERT INTO user_perms (user_id, perm_id, create_event, creator_id) SELECT u.id, p.id, (SELECT max(id) FROM events), u.id FROM users u, permissions p WHERE u.name = 'kojiadmin' AND p.name = 'admin';" postgres
$kojinet hub --config "$out/hub-pg.conf" --config-dir /nonexistent > "$out/pg.log" 2>&1 &
hub_pid=$!
for _ in $(seq 1 120); do grep -q "serving" "$out/pg.log" 2>/dev/null && break; sleep 0.5; done
run_bench postgresql https://127.0.0.1:18444/kojihub "$ca/users/kojiadmin.pem" "$ca/ca.crt" "$@"
echo "hub RSS (kB): $(ps -o rss= -p $hub_pid)" | tee -a "$out/postgresql.txt"
