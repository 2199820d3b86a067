#!/usr/bin/env bash
# make test: go vet + go test against throw-away PostgreSQL and Redis.
#
# Unless TEST_DATABASE_URL and TEST_REDIS_URL are both set, private instances
# are started in a mktemp directory and removed on exit (also on failure or
# Ctrl-C).
#   TEST_DATABASE_URL  admin URL of the `postgres` database of the test server
#                      (test helpers create one database per package from it)
#   TEST_REDIS_URL     redis://127.0.0.1:PORT/0 (64 logical databases available)
#   SECRET_KEY         random per run unless already set
# Extra `go test` flags: GOTESTFLAGS='-run Foo -v' or arguments to this script.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

section() { printf '\n==> %s\n' "$*"; }
die() { printf 'test: ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "go is not installed or not on PATH"

TMP=""
cleanup() {
    local rc=$?
    trap - EXIT
    trap '' INT TERM HUP # finish cleaning up even if signalled again (make re-sends SIGTERM)
    if [[ -n "$TMP" ]]; then
        section "stopping test PostgreSQL and Redis"
        bash "$ROOT/scripts/services.sh" stop "$TMP" || true
        rm -rf "$TMP" || true
    fi
    if [[ $rc -eq 0 ]]; then
        section "tests passed"
    else
        section "FAILED (exit status $rc)"
    fi
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
    # Under /tmp (not $TMPDIR) so that the postgres user can traverse it.
    TMP="$(mktemp -d "${LG_TEST_TMPDIR:-/tmp}/loyaltygraph-test.XXXXXX")"
    chmod 755 "$TMP"
    LG_PG_FAST=1 bash "$ROOT/scripts/services.sh" start "$TMP"
    # shellcheck source=/dev/null
    source "$TMP/env"
    export TEST_DATABASE_URL="$LG_PG_ADMIN_URL"
    export TEST_REDIS_URL="$REDIS_URL"
fi
# Tests must only ever use the TEST_* URLs.
unset DATABASE_URL REDIS_URL LG_PG_ADMIN_URL LG_PG_PORT LG_REDIS_PORT
if [[ -z "${SECRET_KEY:-}" ]]; then
    SECRET_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
fi
export SECRET_KEY
echo "TEST_DATABASE_URL=$TEST_DATABASE_URL"
echo "TEST_REDIS_URL=$TEST_REDIS_URL"

# The receipt PDF tests read PDFs back with poppler's pdftotext; install it
# from the OS packages when missing, as services.sh does for redis-server.
ensure_pdftotext() {
    command -v pdftotext >/dev/null 2>&1 && return 0
    section "pdftotext not found; installing the Debian package poppler-utils"
    local sudo=()
    if [[ $EUID -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "pdftotext is not installed and we are not root: run 'apt-get install -y poppler-utils' as root"
        sudo=(sudo -n)
    fi
    command -v apt-get >/dev/null 2>&1 || die "pdftotext is not installed and apt-get is unavailable"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 ||
        die "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends poppler-utils >&2 ||
        die "apt-get install poppler-utils failed"
    command -v pdftotext >/dev/null 2>&1 || die "pdftotext still not found after installing poppler-utils"
}
ensure_pdftotext

# The npm packages of scripts/audit (graphql-http's audit) and e2e/ (the
# npm clients of internal/e2e): `npm ci` from the committed lock, skipped
# while node_modules was installed from the same lock. Without node, the
# tests that need them skip locally and fail in CI.
source "$ROOT/scripts/npm.sh"
for dir in scripts/audit e2e; do
    npm_deps "$dir"
done

section "go vet ./..."
go vet ${LG_VET_TAGS:+-tags "$LG_VET_TAGS"} ./...

extra=()
if [[ -n "${GOTESTFLAGS:-}" ]]; then
    read -r -a extra <<<"$GOTESTFLAGS"
fi
# LG_TEST_PACKAGES narrows the packages (make test-scale: ./cmd/loyaltygraph/).
packages="${LG_TEST_PACKAGES:-./...}"
section "go test -count=1 ${extra[*]:-} $* $packages"
go test -count=1 "${extra[@]}" "$@" $packages
