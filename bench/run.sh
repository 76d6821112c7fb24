#!/usr/bin/env bash
# bench/run.sh: the mixed-workload benchmark of BENCHMARKS.md, in one command.
#
# For each backend (SQLite in a temp folder, PostgreSQL in a fresh database on
# the local server) it builds igny8, the yardstick (bench/bare) and the load
# driver (bench/mixed); seeds BENCH_ACCOUNTS accounts through the API with a
# server at a cheap argon2id cost; restarts igny8 with the default settings
# (throttle off) beside the bare server and the floor server; and runs the
# mixed workload of bench/mixed, then each route class alone, then the
# yardsticks. Then it runs the ledger benchmark (deductions beside the
# database's own guarded update).
#
# Settings (environment): BENCH_ACCOUNTS (1000), BENCH_DURATION (15s, the mixed
# run), BENCH_ALONE (3s, each class alone), BENCH_CONNECTIONS (32),
# BENCH_BACKENDS ("sqlite postgres"), BENCH_POSTGRES_URL
# (postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), BENCH_PIN
# (1, the default: the servers on CPU 0 and the load driver on CPU 1; 0: all
# share every core), BENCH_LEDGER (1: run the ledger benchmark; 0: skip).
set -euo pipefail
cd "$(dirname "$0")/.."

accounts=${BENCH_ACCOUNTS:-1000}
duration=${BENCH_DURATION:-15s}
alone=${BENCH_ALONE:-3s}
conns=${BENCH_CONNECTIONS:-32}
pg_url=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
backends=${BENCH_BACKENDS:-sqlite postgres}
srv_pin=() load_pin=()
if [ "${BENCH_PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  srv_pin=(taskset -c 0) load_pin=(taskset -c 1)
fi

log() { printf 'bench: %s\n' "$*" >&2; }

work=$(mktemp -d /tmp/igny8-bench.XXXXXX)
pids=()
pg_db=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$pg_db" ]; then psql "$pg_url" -q -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

log "building igny8, bench/bare and bench/mixed"
go build -o "$work/igny8" ./cmd/igny8
go build -o "$work/bare" ./bench/bare
go build -o "$work/mixed" ./bench/mixed

# start LOGFILE CMD...: runs CMD in the background, waits for its
# "listening on http://ADDR" line and prints the pid and address.
start() {
  local logf=$1; shift
  "$@" >"$logf.out" 2>"$logf.err" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 300); do
    if addr=$(grep -o 'listening on http://[^ ]*' "$logf.out" 2>/dev/null | head -1 | sed 's#listening on http://##'); [ -n "$addr" ]; then
      echo "$pid $addr"
      return
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$logf.err" >&2; return 1; }
    sleep 0.1
  done
  log "$* did not start"; return 1
}

# bench_backend NAME DATABASE_URL
bench_backend() {
  local name=$1 dburl=$2 pid addr
  mkdir -p "$work/$name"
  read -r pid addr < <(start "$work/seed-$name" env IGNY8_THROTTLE=off \
    "$work/igny8" serve --addr 127.0.0.1:0 --database-url "$dburl" --argon2-memory 8 --argon2-time 1 --access-token-ttl 2h)
  log "$name: seeding $accounts accounts through http://$addr"
  "$work/mixed" -phase seed -url "http://$addr" -igny8 "$work/igny8" -database-url "$dburl" -accounts "$accounts" -out "$work/$name"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  # shellcheck disable=SC1090,SC1091
  . "$work/$name/floor.env"
  read -r pid addr < <(start "$work/igny8-$name" "${srv_pin[@]}" env IGNY8_THROTTLE=off \
    "$work/igny8" serve --addr 127.0.0.1:0 --database-url "$dburl" --access-token-ttl 2h)
  local bare_pid bare_addr floor_pid floor_addr
  read -r bare_pid bare_addr < <(start "$work/bare-$name" "${srv_pin[@]}" "$work/bare" -body "$work/$name/sites.json")
  read -r floor_pid floor_addr < <(start "$work/floor-$name" "${srv_pin[@]}" "$work/bare" -body "$work/$name/sites.json" \
    -database-url "$dburl" -account "$FLOOR_ACCOUNT" -user "$FLOOR_USER" -family "$FLOOR_FAMILY")
  log "$name: igny8 pid $pid at http://$addr, bare pid $bare_pid, floor pid $floor_pid; running the load"
  "${load_pin[@]}" "$work/mixed" -phase run -label "$name" -url "http://$addr" -pid "$pid" -out "$work/$name" \
    -connections "$conns" -duration "$duration" -alone "$alone" \
    -bare "http://$bare_addr" -bare-pid "$bare_pid" -floor "http://$floor_addr" -floor-pid "$floor_pid" | tee "$work/$name.txt"
  kill "$pid" "$bare_pid" "$floor_pid"
  wait "$pid" "$bare_pid" "$floor_pid" 2>/dev/null || true
}

echo "igny8 mixed benchmark: $accounts accounts, $conns connections${srv_pin:+, servers on CPU 0 and the load driver on CPU 1}; $(nproc) cores, $(free -h | awk '/Mem:/ { print $2 }') RAM; $(go version | cut -d' ' -f3); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for backend in $backends; do
  case $backend in
    sqlite) bench_backend sqlite "$work/igny8.db" ;;
    postgres)
      pg_db="igny8_bench_$$"
      psql "$pg_url" -q -c "CREATE DATABASE $pg_db" >/dev/null
      bench_backend postgres "$(sed -E "s#/[^/?]+(\?|$)#/$pg_db\1#" <<<"$pg_url")" ;;
  esac
done

if [ "${BENCH_LEDGER:-1}" = 1 ]; then
  echo
  echo "ledger deductions beside the database's own guarded update (interleaved ratio; target ≥ 0.5):"
  IGNY8_TEST_POSTGRES_URL=${IGNY8_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable} \
    go test ./internal/sqlstore -run '^$' -bench 'Deductions' -benchtime 2s 2>&1 | grep -E 'ratio|ops/s|^Benchmark' || true
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
