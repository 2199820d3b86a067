#!/usr/bin/env bash
# make run: local development server.
#
# - If DATABASE_URL and REDIS_URL are both set, uses them and starts nothing.
#   Otherwise starts private PostgreSQL + Redis with data in .local/ (kept
#   between runs) and stops them again when the server exits (Ctrl-C).
# - SECRET_KEY: from the environment, else .local/secret_key (generated once).
# - LG_ENV defaults to dev; HTTP_ADDR defaults to :8080; PUBLIC_BASE_URL
#   defaults to http://localhost:<port of HTTP_ADDR>.
# - Builds .local/bin/loyaltygraph, runs `migrate`, `demo`, then `serve`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

# Ctrl-C is how a person stops `make run`, and should end it with status 0.
# GNU make re-raises a SIGINT it receives itself (exit 130) whatever its
# recipe does, so on a terminal this script runs again in a process group of
# its own that job control makes the terminal's foreground group: Ctrl-C
# then reaches this script (which stops everything cleanly) and not make.
if [[ -t 0 && -z "${LG_RUN_FOREGROUND:-}" ]]; then
    set -m
    LG_RUN_FOREGROUND=1 bash "${BASH_SOURCE[0]}" "$@"
    exit $?
fi

LOCAL="${LG_LOCAL_DIR:-$ROOT/.local}"
BIN="$LOCAL/bin/loyaltygraph"

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'run: ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "go is not installed or not on PATH"
T0=$SECONDS

# ---- the listen address, before anything slow -----------------------------------
export HTTP_ADDR="${HTTP_ADDR:-:8080}"
HTTP_PORT="${HTTP_ADDR##*:}"
[[ "$HTTP_ADDR" == *:* && "$HTTP_PORT" =~ ^[0-9]+$ ]] ||
    die "HTTP_ADDR=$HTTP_ADDR is not an address: use :PORT or HOST:PORT, such as HTTP_ADDR=:9090 make run"
port_busy() { # PORT: is something listening on it (any address)?
    if command -v ss >/dev/null 2>&1; then
        [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}
if port_busy "$HTTP_PORT"; then
    next=$((HTTP_PORT + 1010))
    die "port $HTTP_PORT (HTTP_ADDR=$HTTP_ADDR) is already in use, by another 'make run' or another program.
    Stop it, or serve on another port:  HTTP_ADDR=:$next make run"
fi

mkdir -p "$LOCAL/bin"
chmod 755 "$LOCAL"

STARTED_SERVICES=0
SERVER_PID=""
TICKER=""

cleanup() {
    local rc=$?
    trap - EXIT
    trap '' INT TERM HUP # finish cleaning up even if signalled again (make re-sends SIGTERM)
    if [[ -n "$TICKER" ]]; then kill "$TICKER" 2>/dev/null || true; fi
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        printf '\n==> stopping loyaltygraph (pid %s)\n' "$SERVER_PID" >&2
        kill -TERM "$SERVER_PID" 2>/dev/null || true

        for _ in $(seq 1 150); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "run: server did not stop within 15s, killing it" >&2
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $STARTED_SERVICES == 1 ]]; then
        printf '==> stopping PostgreSQL and Redis started by make run\n' >&2
        bash "$ROOT/scripts/services.sh" stop "$LOCAL" 9>&- || true
    fi
    exit "$rc"
}
trap cleanup EXIT
# Ctrl-C is how a person stops `make run`: a clean stop, exit status 0.
trap 'exit 0' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- services ---------------------------------------------------------------
if [[ -n "${DATABASE_URL:-}" && -n "${REDIS_URL:-}" ]]; then
    say "using DATABASE_URL and REDIS_URL from the environment (not starting PostgreSQL/Redis)"
else
    # Only one `make run` may own .local at a time.
    exec 9>"$LOCAL/run.lock"
    if ! flock -n 9; then
        die "another 'make run' is already using $LOCAL (stop it first, or set DATABASE_URL and REDIS_URL)"
    fi
    user_db="${DATABASE_URL:-}"
    user_redis="${REDIS_URL:-}"
    say "starting PostgreSQL and Redis (data in $LOCAL)"
    STARTED_SERVICES=1
    bash "$ROOT/scripts/services.sh" start "$LOCAL" 9>&-
    # shellcheck source=/dev/null
    source "$LOCAL/env"
    # Keep whichever of the two the user did set.
    if [[ -n "$user_db" ]]; then export DATABASE_URL="$user_db"; fi
    if [[ -n "$user_redis" ]]; then export REDIS_URL="$user_redis"; fi
fi
export DATABASE_URL REDIS_URL

# ---- configuration ----------------------------------------------------------
if [[ -z "${SECRET_KEY:-}" ]]; then
    if [[ ! -s "$LOCAL/secret_key" ]]; then
        (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$LOCAL/secret_key.tmp")
        mv -f "$LOCAL/secret_key.tmp" "$LOCAL/secret_key"
        echo "run: generated $LOCAL/secret_key"
    fi
    chmod 600 "$LOCAL/secret_key"
    SECRET_KEY="$(tr -d ' \n' <"$LOCAL/secret_key")"
fi
export SECRET_KEY

export LG_ENV="${LG_ENV:-dev}"
export NOTIFY_ALLOW_PRIVATE="${NOTIFY_ALLOW_PRIVATE:-true}"
# No load balancer to drain from: Ctrl-C stops at once (see SHUTDOWN_DRAIN_DELAY).
export SHUTDOWN_DRAIN_DELAY="${SHUTDOWN_DRAIN_DELAY:-0s}"
if [[ "$HTTP_PORT" == 80 ]]; then
    export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://localhost}"
else
    export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://localhost:$HTTP_PORT}"
fi
BASE="${PUBLIC_BASE_URL%/}"

# ---- build, migrate, demo data ------------------------------------------------
if [[ -x "$BIN" ]]; then
    say "building $BIN (a few seconds)"
else
    say "building $BIN (the first build downloads and compiles the dependencies: about a minute)"
fi
t=$SECONDS
# A line every 15 s, so that a long first build is not mistaken for a hang.
( while sleep 15 </dev/null >/dev/null 2>&1; do echo "    still building ($((SECONDS - t)) s)"; done ) 9>&- &
TICKER=$!
build_rc=0
go build -buildvcs=auto -o "$BIN" ./cmd/loyaltygraph 9>&- || build_rc=$?
kill "$TICKER" 2>/dev/null || true
wait "$TICKER" 2>/dev/null || true
TICKER=""
[[ $build_rc == 0 ]] || die "the build failed (see above)"
echo "    built in $((SECONDS - t)) s"

say "applying database migrations"
"$BIN" migrate 9>&-

say "loading demo data"
LG_DEMO_ENV_FILE="$LOCAL/demo.env" "$BIN" demo 9>&-

# ---- serve --------------------------------------------------------------------
# Run the server in its own session so that a terminal Ctrl-C reaches only
# this script, which then sends exactly one SIGTERM to the server and stops
# the services afterwards.
say "starting the server"
READY_FILE="$LOCAL/ready"
rm -f "$READY_FILE"
export LG_READY_FILE="$READY_FILE"
if command -v setsid >/dev/null 2>&1; then
    setsid "$BIN" serve 9>&- &
else
    "$BIN" serve 9>&- &
fi
SERVER_PID=$!

# The banner comes once this server has bound its port (it writes
# LG_READY_FILE then), not before: a port taken in the meantime shows as the
# server's own error and this script's exit status.
up=0
for _ in $(seq 1 600); do
    [[ -s "$READY_FILE" ]] && { up=1; break; }
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
if [[ $up == 1 ]]; then
    cat <<EOF

==> loyaltygraph (LG_ENV=$LG_ENV) listening on $HTTP_ADDR, ready in $((SECONDS - T0)) s
    GraphiQL : $BASE/graphiql   (also $BASE/)
    GraphQL  : $BASE/graphql
    REST     : $BASE/api/v1/
    health   : $BASE/healthz
    ready    : $BASE/readyz
    example  : source ${LOCAL#"$ROOT"/}/demo.env; curl -u \$SETT \$B/api/v1/merchants
               (demo.env holds the demo credentials printed above; the README's examples use it)
    more     : make credentials KIND=admin NAME=you   (in another terminal; log in with the printed username)
    database : $DATABASE_URL
    redis    : $REDIS_URL
    Press Ctrl-C to stop$( [[ $STARTED_SERVICES == 1 ]] && printf ' (PostgreSQL and Redis are stopped too)').

EOF
fi

set +e
wait "$SERVER_PID"
rc=$?
set -e
SERVER_PID=""
if [[ $rc -ne 0 ]]; then
    echo "run: loyaltygraph serve exited with status $rc" >&2
fi
exit "$rc"
