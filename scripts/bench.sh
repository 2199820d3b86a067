#!/usr/bin/env bash
# make bench: go benchmarks in ./bench/... against throw-away PostgreSQL and Redis.
#
# Same provisioning as scripts/test.sh (TEST_DATABASE_URL, TEST_REDIS_URL,
# SECRET_KEY), but PostgreSQL runs with default durability settings.
#   BENCH        benchmark pattern (default .)
#   BENCH_COUNT  -count (default 1)
#   GOTESTFLAGS  extra go test flags; arguments to this script are passed too.
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
section "go test ${args[*]}"
go test "${args[@]}"
