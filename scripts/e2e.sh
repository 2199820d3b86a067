#!/usr/bin/env bash
# make e2e: the browser checks, in headless Chromium driven by puppeteer-core
# (e2e/browser.mjs):
#   - /graphiql loads with every request that does not go to the service
#     aborted (and none is made), an Authorization header is typed into
#     GraphiQL's headers editor, the run button runs the query, and the
#     result pane shows the demo merchants;
#   - /docs (Redoc rendering /openapi.json) shows the API's title and an
#     operation of each REST family.
#
# Everything it needs it installs: Chromium from the OS packages when
# /usr/bin/chromium (or $LG_CHROMIUM) is missing, the npm packages of e2e/
# (npm ci from the committed lock). It starts throw-away PostgreSQL and
# Redis (scripts/services.sh), builds the binary, runs `migrate` and `demo`,
# serves on a free loopback port, and stops and removes all of it again,
# Chromium included, on success, failure and Ctrl-C. Screenshots of a
# failure go to /tmp (the path is printed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

section() { printf '\n==> %s\n' "$*"; }
die() { printf 'e2e: ERROR: %s\n' "$*" >&2; exit 1; }

T0=$SECONDS
ARTIFACTS="${LG_E2E_ARTIFACTS:-/tmp/loyaltygraph-e2e-$(date +%Y%m%d-%H%M%S)}"
command -v go >/dev/null 2>&1 || die "go is not installed or not on PATH"
command -v node >/dev/null 2>&1 || die "node is not installed (make e2e needs Node.js 20 or later and npm)"

TMP=""
SERVICES=0
SERVER_PID=""
NODE_PID=""
cleanup() {
    local rc=$?
    trap - EXIT
    trap '' INT TERM HUP # finish cleaning up even if signalled again (make re-sends SIGTERM)
    if [[ -n "$NODE_PID" ]] && kill -0 "$NODE_PID" 2>/dev/null; then
        kill -TERM "$NODE_PID" 2>/dev/null || true
        wait "$NODE_PID" 2>/dev/null || true
    fi
    # Chromium runs in a process group of its own (puppeteer starts it
    # detached); browser.mjs writes its pid, and closes it itself unless
    # it was killed first.
    if [[ -n "$TMP" && -s "$TMP/chromium.pid" ]]; then
        local cpid
        cpid="$(cat "$TMP/chromium.pid")"
        if [[ "$cpid" =~ ^[0-9]+$ ]] && kill -0 "$cpid" 2>/dev/null; then
            kill -KILL -- "-$cpid" 2>/dev/null || kill -KILL "$cpid" 2>/dev/null || true
        fi
    fi
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $SERVICES == 1 ]]; then
        bash "$ROOT/scripts/services.sh" stop "$TMP" >/dev/null 2>&1 || true
    fi
    if [[ -n "$TMP" ]]; then
        if [[ $rc -ne 0 && -s "$TMP/server.log" ]]; then
            cp "$TMP/server.log" "$ARTIFACTS/server.log" 2>/dev/null || true
        fi
        rm -rf "$TMP" || true
    fi
    if [[ $rc -eq 0 ]]; then
        section "e2e passed in $((SECONDS - T0)) s"
    elif [[ $rc -eq 130 ]]; then
        section "e2e interrupted after $((SECONDS - T0)) s (services, server and Chromium stopped)"
    else
        section "e2e FAILED (exit status $rc) after $((SECONDS - T0)) s; screenshots and logs: $ARTIFACTS"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- Chromium from the OS packages ------------------------------------------
CHROMIUM="${LG_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
    section "$CHROMIUM not found; installing the Debian package chromium"
    sudo=()
    if [[ $EUID -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 ||
            die "Chromium is not installed and we are not root: run 'apt-get install -y chromium' as root (or set LG_CHROMIUM to a Chromium binary)"
        sudo=(sudo -n)
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "Chromium is not installed and apt-get is unavailable: install Chromium and set LG_CHROMIUM to its binary"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 ||
        die "apt-get update failed (installing chromium)"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2 ||
        die "apt-get install chromium failed: install it by hand ('apt-get install -y chromium') or set LG_CHROMIUM"
    [[ -x "$CHROMIUM" ]] || die "$CHROMIUM still not found after installing chromium (set LG_CHROMIUM)"
fi
echo "chromium: $("$CHROMIUM" --version 2>/dev/null | head -1)"

# ---- npm packages ---------------------------------------------------------------
# shellcheck source=scripts/npm.sh
source "$ROOT/scripts/npm.sh"
CI=1 npm_deps e2e # here node is required, CI or not

# ---- services, binary, demo data --------------------------------------------
# Under /tmp (not $TMPDIR) so that the postgres user can traverse it.
TMP="$(mktemp -d /tmp/loyaltygraph-e2e.XXXXXX)"
chmod 755 "$TMP"

section "starting throw-away PostgreSQL and Redis"
SERVICES=1
LG_PG_FAST=1 bash "$ROOT/scripts/services.sh" start "$TMP"
# shellcheck source=/dev/null
source "$TMP/env"
export DATABASE_URL REDIS_URL
export SECRET_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
export LG_ENV=dev NOTIFY_ALLOW_PRIVATE=true SHUTDOWN_DRAIN_DELAY=0s
export HTTP_ADDR=127.0.0.1:0

section "building loyaltygraph"
t=$SECONDS
go build -o "$TMP/loyaltygraph" ./cmd/loyaltygraph
echo "    built in $((SECONDS - t)) s"

section "migrate, demo data"
"$TMP/loyaltygraph" migrate >/dev/null
LG_DEMO_ENV_FILE="$TMP/demo.env" "$TMP/loyaltygraph" demo >"$TMP/demo.txt"
# The demo admin (user:secret), as make run's .local/demo.env holds it.
ADMIN="$(ADMIN="" && source "$TMP/demo.env" && printf '%s' "$ADMIN")"
[[ "$ADMIN" == *:* ]] || die "no ADMIN in the demo.env written by 'loyaltygraph demo':
$(cat "$TMP/demo.txt")"

section "starting the server"
export LG_READY_FILE="$TMP/ready"
"$TMP/loyaltygraph" serve 2>"$TMP/server.log" &
SERVER_PID=$!
for _ in $(seq 1 300); do
    [[ -s "$LG_READY_FILE" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -20 "$TMP/server.log")"
    sleep 0.1
done
[[ -s "$LG_READY_FILE" ]] || die "the server did not listen within 30 s: $(tail -20 "$TMP/server.log")"
ADDR="$(head -1 "$LG_READY_FILE")"
BASE="http://$ADDR"
echo "    $BASE"

# ---- the browser ------------------------------------------------------------------
section "headless Chromium: /graphiql and /docs"
mkdir -p "$ARTIFACTS"
LG_E2E_URL="$BASE" LG_E2E_ADMIN="$ADMIN" LG_CHROMIUM="$CHROMIUM" \
    LG_E2E_PROFILE="$TMP/chromium-profile" LG_E2E_PIDFILE="$TMP/chromium.pid" LG_E2E_ARTIFACTS="$ARTIFACTS" \
    node e2e/browser.mjs &
NODE_PID=$!
set +e
wait "$NODE_PID"
rc=$?
set -e
NODE_PID=""
if [[ $rc -eq 0 ]]; then
    rmdir "$ARTIFACTS" 2>/dev/null || true # kept if LG_E2E_SCREENSHOTS left some
fi
exit "$rc"
