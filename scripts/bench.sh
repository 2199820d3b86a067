#!/usr/bin/env bash
# make bench: go benchmarks in ./bench/... against throw-away PostgreSQL and Redis.
#
# Same provisioning as scripts/test.sh (TEST_DATABASE_URL, TEST_REDIS_URL,
# SECRET_KEY), but PostgreSQL runs with default durability settings.
#   BENCH        benchmark pattern (default .)
#   BENCH_COUNT  -count (default 1)
#   GOTESTFLAGS  extra go test flags; arguments to this script are passed too.
#   LOAD         1 (default) also runs the load test over TCP (bench/load_test.go):
#                server and PostgreSQL pinned to CPU 0, load generator on CPU 1;
#                0 skips it. LOAD_ONLY=1 runs only the load test.
#   LG_LOAD_CONNS, LG_LOAD_SECONDS, LG_LOAD_ROUNDS  its connections (32),
#                seconds per target and round (15) and rounds (3).
#   OVERLOAD     1 (default) then runs the overload test (bench/overload_test.go) on the
#                same server: the knee, 50% and 4x of it with the limiter as shipped;
#                0 skips it. OVERLOAD_ONLY=1 (with LOAD_ONLY=1) runs only it.
#   LG_OVERLOAD_SECONDS  seconds per overload run (8).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

section() { printf '\n==> %s\n' "$*"; }
die() { printf 'bench: ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "go is not installed or not on PATH"
[[ -d bench ]] || die "no ./bench directory in $ROOT"

TMP=""
cleanup() {
    local rc=$?
    trap - EXIT
    trap '' INT TERM HUP # finish cleaning up even if signalled again (make re-sends SIGTERM)
    if [[ -n "$TMP" ]]; then
        section "stopping benchmark PostgreSQL and Redis"
        bash "$ROOT/scripts/services.sh" stop "$TMP" || true
        rm -rf "$TMP" || true
    fi
    [[ $rc -eq 0 ]] || section "FAILED (exit status $rc)"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [[ -n "${TEST_DATABASE_URL:-}" && -n "${TEST_REDIS_URL:-}" ]]; then
    section "using TEST_DATABASE_URL and TEST_REDIS_URL from the environment"
else
    section "starting throw-away PostgreSQL and Redis"
    TMP="$(mktemp -d "${LG_TEST_TMPDIR:-/tmp}/loyaltygraph-bench.XXXXXX")"
    chmod 755 "$TMP"
    LG_PG_FAST="${LG_PG_FAST:-0}" bash "$ROOT/scripts/services.sh" start "$TMP"
    # shellcheck source=/dev/null
    source "$TMP/env"
    export TEST_DATABASE_URL="$LG_PG_ADMIN_URL"
    export TEST_REDIS_URL="$REDIS_URL"
fi
unset DATABASE_URL REDIS_URL LG_PG_ADMIN_URL LG_PG_PORT LG_REDIS_PORT
if [[ -z "${SECRET_KEY:-}" ]]; then
    SECRET_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
fi
export SECRET_KEY

extra=()
if [[ -n "${GOTESTFLAGS:-}" ]]; then
    read -r -a extra <<<"$GOTESTFLAGS"
fi
args=(-run '^$' -bench "${BENCH:-.}" -benchmem -count "${BENCH_COUNT:-1}" "${extra[@]}" "$@" ./bench/...)
if [[ "${LOAD_ONLY:-0}" != 1 ]]; then
    section "go test ${args[*]}"
    go test "${args[@]}"
fi

[[ "${LOAD:-1}" == 1 || "${LOAD_ONLY:-0}" == 1 ]] || exit 0

# --- load test over TCP (issue 13) ---------------------------------------
command -v taskset >/dev/null 2>&1 || die "taskset (util-linux) is needed for the load test; LOAD=0 skips it"
command -v psql >/dev/null 2>&1 || die "psql is needed to find PostgreSQL's pid for the load test; LOAD=0 skips it"
NCPU="$(nproc)"
[[ "$NCPU" -ge 2 ]] || die "the load test needs 2 CPUs (server on one, load generator on the other); LOAD=0 skips it"
LOADDIR="$(mktemp -d "${LG_TEST_TMPDIR:-/tmp}/loyaltygraph-load.XXXXXX")"
SERVER_PID=""
PG_PIDS=()
load_cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    # PostgreSQL may be the caller's own: give it every CPU back.
    for p in "${PG_PIDS[@]}"; do taskset -a -p -c "0-$((NCPU - 1))" "$p" >/dev/null 2>&1 || true; done
    rm -rf "$LOADDIR"
}
trap 'load_cleanup; cleanup' EXIT

section "load test: building the test binary"
go test -c -o "$LOADDIR/bench.test" ./bench

PGDATA_DIR="$(psql "$TEST_DATABASE_URL" -XAtc 'SHOW data_directory')"
PG_MAIN="$(head -1 "$PGDATA_DIR/postmaster.pid")"
PG_PIDS=("$PG_MAIN")
while read -r p; do [[ -n "$p" ]] && PG_PIDS+=("$p"); done < <(ps -o pid= --ppid "$PG_MAIN")
for p in "${PG_PIDS[@]}"; do taskset -a -p -c 0 "$p" >/dev/null; done
section "load test: PostgreSQL (pid $PG_MAIN and its ${#PG_PIDS[@]} processes) pinned to CPU 0"

(cd bench && LG_LOAD_SERVE="$LOADDIR/targets.json" GOMAXPROCS=1 exec taskset -c 0 "$LOADDIR/bench.test" \
    -test.run '^TestLoadServe$' -test.v >"$LOADDIR/server.log" 2>&1) &
SERVER_PID=$!
for _ in $(seq 1 600); do
    [[ -s "$LOADDIR/targets.json" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOADDIR/server.log" >&2; die "load server exited"; }
    sleep 0.2
done
[[ -s "$LOADDIR/targets.json" ]] || { cat "$LOADDIR/server.log" >&2; die "load server did not start"; }
section "load test: server on CPU 0 (GOMAXPROCS=1), load generator on CPU 1"
if [[ "${OVERLOAD_ONLY:-0}" != 1 ]]; then
    (cd bench && LG_LOAD_TARGETS="$LOADDIR/targets.json" GOMAXPROCS=1 taskset -c 1 "$LOADDIR/bench.test" \
        -test.run '^TestLoadGenerate$' -test.v -test.timeout 2h) | grep -v '^=== RUN\|^--- PASS\|^PASS$'
fi

# --- overload test (issue 10): the knee, 50% and 4x of it ------------------
[[ "${OVERLOAD:-1}" == 1 ]] || exit 0
section "overload test: server on CPU 0 (GOMAXPROCS=1), load generator on CPU 1"
(cd bench && LG_LOAD_TARGETS="$LOADDIR/targets.json" LG_LOAD_OVERLOAD=1 GOMAXPROCS=1 taskset -c 1 "$LOADDIR/bench.test" \
    -test.run '^TestLoadOverload$' -test.v -test.timeout 1h) | grep -v '^=== RUN\|^--- PASS\|^PASS$'
