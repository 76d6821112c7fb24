#!/usr/bin/env bash
# bench/run.sh: the HTTP load benchmark of BENCHMARKS.md, in one command.
#
# Builds igny8 and the bare yardstick (bench/bare), starts igny8 on SQLite
# (a temp folder) and on PostgreSQL (a fresh database on the local server),
# makes the data through the API (bench/prep), and measures with wrk, each
# cell right after a run of the bare server serving a body of the same size:
#   (a) GET /api/v1/sites with a JWT          (b) the same with a site-bound API key
#   (c) POST /api/v1/ai/operations (local)    (d) POST /api/v1/auth/login
#   (f) the bare server running igny8's SQL query for (a) on each request:
#       the floor one database read per request sets on this machine
# It prints rps, p50, p99 and the ratio to the bare run, and igny8's peak RSS.
#
# Settings (environment): BENCH_DURATION (default 10s), BENCH_CONNECTIONS (32),
# BENCH_THREADS (2), BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres),
# BENCH_BACKENDS ("sqlite postgres"), BENCH_CELLS ("a b f c d"), BENCH_PPROF
# (a folder: take a CPU profile of igny8 during each cell), BENCH_PIN (1: run
# the servers on CPU 0 and wrk on CPU 1, so that the load generator does not
# preempt the server it measures; default: all share every core).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-10s}
conns=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-2}
pg_url=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
backends=${BENCH_BACKENDS:-sqlite postgres}
cells=${BENCH_CELLS:-a b f c d}
srv_pin=() load_pin=()
if [ "${BENCH_PIN:-}" = 1 ]; then
  srv_pin=(taskset -c 0) load_pin=(taskset -c 1)
fi

log() { printf 'bench: %s\n' "$*" >&2; }

if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

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

log "building igny8 and bench/bare"
go build -o "$work/igny8" ./cmd/igny8
go build -o "$work/bare" ./bench/bare
go build -o "$work/prep" ./bench/prep

# start NAME LOGFILE CMD...: runs CMD in the background, waits for its
# "listening on http://ADDR" line and prints the pid and address.
start() {
  local logf=$1; shift
  "$@" >"$logf.out" 2>"$logf.err" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 200); do
    if addr=$(grep -o 'listening on http://[^ ]*' "$logf.out" 2>/dev/null | head -1 | sed 's#listening on http://##'); [ -n "$addr" ]; then
      echo "$pid $addr"
      return
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$logf.err" >&2; return 1; }
    sleep 0.1
  done
  log "$* did not start"; return 1
}

# measure URL [METHOD BODY HEADER]: one wrk run; prints "rps p50_us p99_us failed".
measure() {
  local url=$1
  BENCH_METHOD=${2:-GET} BENCH_BODY=${3:-} BENCH_HEADER=${4:-} \
    "${load_pin[@]}" wrk -t"$threads" -c"$conns" -d"$duration" --timeout 10s -s bench/wrk.lua "$url" >"$work/wrk.out" 2>&1 || { cat "$work/wrk.out" >&2; return 1; }
  local line
  line=$(grep "^RESULT" "$work/wrk.out")
  [ -z "${BENCH_DEBUG:-}" ] || cat "$work/wrk.out" >&2
  sed -E 's/.*failed=([0-9]+) rps=([0-9.]+) p50_us=([0-9]+) p99_us=([0-9]+).*/\2 \3 \4 \1/' <<<"$line"
}

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

results=()
row() { results+=("$(printf '%-9s %-44s %10s %9s %9s %8s %8s' "$@")"); }

# bench_backend NAME DATABASE_URL
bench_backend() {
  local name=$1 dburl=$2 igny8_pid igny8_addr bare_pid bare_addr
  read -r igny8_pid igny8_addr < <(start "$work/igny8-$name" "${srv_pin[@]}" env IGNY8_THROTTLE=off \
    "$work/igny8" serve --addr 127.0.0.1:0 --database-url "$dburl" ${BENCH_PPROF:+--pprof-addr 127.0.0.1:0})
  local base="http://$igny8_addr"
  log "$name: igny8 pid $igny8_pid at $base; preparing data"
  mkdir -p "$work/$name"
  "$work/prep" -url "$base" -igny8 "$work/igny8" -database-url "$dburl" -out "$work/$name"
  # shellcheck disable=SC1090,SC1091
  JWT="" API_KEY="" SITE_ID="" CREDITS="" ; . "$work/$name/env.sh"
  read -r bare_pid bare_addr < <(start "$work/bare-$name" "${srv_pin[@]}" "$work/bare" -body "$work/$name/sites.json")
  local size; size=$(wc -c <"$work/$name/sites.json")
  log "$name: GET $SITES_PATH answers $size bytes; bare pid $bare_pid"
  local floor_pid floor_addr
  read -r floor_pid floor_addr < <(start "$work/floor-$name" "${srv_pin[@]}" "$work/bare" -body "$work/$name/sites.json" \
    -database-url "$dburl" -account "$ACCOUNT_ID")
  for cell in $cells; do
    local label method="GET" path="$SITES_PATH" body="" header="" target=$base
    case $cell in
      a) label="(a) GET $SITES_PATH, JWT"; header="Authorization: Bearer $JWT" ;;
      b) [ -n "$API_KEY" ] || { row "$name" "(b) site-bound API key: not available" - - - - -; continue; }
         label="(b) GET $SITES_PATH, site-bound API key"; header="Authorization: Bearer $API_KEY" ;;
      c) [ -n "$CREDITS" ] && [ -n "$SITE_ID" ] || { row "$name" "(c) AI operations: not available" - - - - -; continue; }
         label="(c) POST /api/v1/ai/operations (local)"; method=POST; path=/api/v1/ai/operations
         header="Authorization: Bearer $JWT"
         body="{\"operation\":\"auto_cluster\",\"site_id\":\"$SITE_ID\",\"input\":{\"keywords\":[\"seo audit\",\"seo tools\",\"content plan\",\"keyword research\"]}}" ;;
      f) label="(f) bare + the SQL query of (a) (floor)"; target="http://$floor_addr" ;;
      d) label="(d) POST /api/v1/auth/login"; method=POST; path=/api/v1/auth/login
         body="{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" ;;
    esac
    local b_rps b_p50 b_p99 b_fail rps p50 p99 fail prof=""
    read -r b_rps b_p50 b_p99 b_fail < <(measure "http://$bare_addr/")
    if [ -n "${BENCH_PPROF:-}" ] && [ "$cell" != f ]; then
      mkdir -p "$BENCH_PPROF"
      local paddr; paddr=$(grep -o 'pprof listening.* addr=[^ ]*' "$work/igny8-$name.err" | sed 's/.*addr=//')
      curl -s -o "$BENCH_PPROF/$name-$cell.pprof" "http://$paddr/debug/pprof/profile?seconds=${duration%s}" &
      prof=$!
    fi
    read -r rps p50 p99 fail < <(measure "$target$path" "$method" "$body" "$header")
    [ -z "$prof" ] || wait "$prof" || true
    [ "$fail" = 0 ] || log "$name $cell: $fail requests failed or answered non-2xx"
    row "$name" "(e) bare net/http, same body" "$b_rps" "$(ms "$b_p50")" "$(ms "$b_p99")" "" "$b_fail"
    row "$name" "$label" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$(awk -v a="$rps" -v b="$b_rps" 'BEGIN { printf "%.0f%%", 100 * a / b }')" "$fail"
  done
  local hwm; hwm=$(awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$igny8_pid/status")
  row "$name" "igny8 peak RSS (VmHWM): $hwm" - - - - -
  kill "$igny8_pid" "$bare_pid" "$floor_pid"
  wait "$igny8_pid" "$bare_pid" "$floor_pid" 2>/dev/null || true
}

for backend in $backends; do
  case $backend in
    sqlite) bench_backend sqlite "$work/igny8.db" ;;
    postgres)
      pg_db="igny8_bench_$$"
      psql "$pg_url" -q -c "CREATE DATABASE $pg_db" >/dev/null
      bench_backend postgres "$(sed -E "s#/[^/?]+(\?|$)#/$pg_db\1#" <<<"$pg_url")" ;;
  esac
done

echo
echo "igny8 HTTP load: wrk -t$threads -c$conns -d$duration, throttle off${BENCH_PIN:+, servers on CPU 0 and wrk on CPU 1}; $(nproc) cores, $(free -h | awk '/Mem:/ { print $2 }') RAM; $(go version | cut -d' ' -f3)"
printf '%-9s %-44s %10s %9s %9s %8s %8s\n' backend cell rps "p50 ms" "p99 ms" "of bare" failed
for r in "${results[@]}"; do echo "$r"; done
