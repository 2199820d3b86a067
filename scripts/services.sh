#!/usr/bin/env bash
# Private PostgreSQL + Redis instances for development and tests.
#
# Usage:
#   scripts/services.sh start  DIR   start (or reuse the data of) instances in DIR, write DIR/env
#   scripts/services.sh stop   DIR   stop both instances running from DIR (no-op if not running)
#   scripts/services.sh status DIR   show whether they are running
#
# Layout of DIR:
#   DIR/pg/            PostgreSQL cluster (owned by the postgres user when run as root)
#   DIR/pg-sock/       unix socket directory of PostgreSQL
#   DIR/postgres.log   PostgreSQL server log
#   DIR/redis/         Redis working dir + pidfile (no persistence)
#   DIR/redis.log      Redis log
#   DIR/env            shell file to source:
#                        export DATABASE_URL=postgres://postgres@127.0.0.1:PORT/loyaltygraph?sslmode=disable
#                        export REDIS_URL=redis://127.0.0.1:PORT/0
#                        export LG_PG_ADMIN_URL=postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
#                        export LG_PG_PORT=PORT LG_REDIS_PORT=PORT
#
# Environment knobs:
#   PG_BIN       PostgreSQL server bin dir (default: highest /usr/lib/postgresql/*/bin)
#   LG_PG_FAST=1 run PostgreSQL with fsync/synchronous_commit/full_page_writes off
#                (throw-away test instances only)
#
# The file can also be sourced; it then only defines lg_services_start,
# lg_services_stop and lg_services_status (each runs in a subshell and does
# not change the caller's shell options).

LG_DB_NAME="${LG_DB_NAME:-loyaltygraph}"

_lg_log() { printf '[services] %s\n' "$*" >&2; }
_lg_die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# _lg_pg_bin: print the PostgreSQL server bin directory (highest version).
_lg_pg_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then
        [[ -x "$PG_BIN/pg_ctl" && -x "$PG_BIN/initdb" ]] ||
            _lg_die "PG_BIN=$PG_BIN does not contain initdb and pg_ctl"
        printf '%s\n' "$PG_BIN"
        return
    fi
    local d best=""
    # sort -V picks 15 over 9.6 and 16 over 15.
    while IFS= read -r d; do
        [[ -x "$d/pg_ctl" && -x "$d/initdb" && -x "$d/postgres" ]] && best="$d"
    done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V)
    [[ -n "$best" ]] || _lg_die "no PostgreSQL server found: /usr/lib/postgresql/*/bin with initdb/pg_ctl/postgres is missing (install e.g. postgresql-15, or set PG_BIN)"
    printf '%s\n' "$best"
}

# _lg_as_pg CMD...: run a command as the postgres OS user when we are root
# (PostgreSQL refuses to run as root), otherwise as ourselves.
_lg_as_pg() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# _lg_free_port: print a currently free TCP port on 127.0.0.1.
_lg_free_port() {
    local p=""
    if command -v python3 >/dev/null 2>&1; then
        p="$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' 2>/dev/null || true)"
    fi
    if [[ ! "$p" =~ ^[0-9]+$ ]]; then
        # Fallback without python: random high port nobody is listening on.
        local i
        for i in $(seq 1 200); do
            p=$(( (RANDOM * 32768 + RANDOM) % 20000 + 20000 ))
            if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
                if ! command -v ss >/dev/null 2>&1 || ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
                    break
                fi
            fi
            p=""
        done
    fi
    [[ -n "$p" ]] || _lg_die "could not find a free TCP port"
    printf '%s\n' "$p"
}

_lg_tail_log() {
    local f="$1"
    if [[ -f "$f" ]]; then
        printf '[services] ---- last lines of %s ----\n' "$f" >&2
        tail -n 40 "$f" >&2 || true
        printf '[services] ----\n' >&2
    fi
}

_lg_ensure_redis() {
    command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return 0
    _lg_log "redis-server not found; installing the Debian package redis-server"
    local sudo=()
    if [[ $EUID -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || _lg_die "redis-server is not installed and we are not root: run 'apt-get install -y redis-server' as root"
        sudo=(sudo -n)
    fi
    command -v apt-get >/dev/null 2>&1 || _lg_die "redis-server is not installed and apt-get is unavailable"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 ||
        _lg_die "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >&2 ||
        _lg_die "apt-get install redis-server failed"
    # The package may have started a system-wide redis (systemd hosts); that is harmless,
    # we always use our own instance on a private port.
    command -v redis-server >/dev/null 2>&1 || _lg_die "redis-server still not found after installation"
    command -v redis-cli >/dev/null 2>&1 || _lg_die "redis-cli not found (install redis-tools)"
}

_lg_pg_running() { # DIR
    local pgbin="$2"
    [[ -f "$1/pg/postmaster.pid" ]] || return 1
    _lg_as_pg "$pgbin/pg_ctl" -D "$1/pg" status >/dev/null 2>&1
}

_lg_redis_pid() { # DIR -> prints pid if a redis from DIR is alive
    local f="$1/redis/redis.pid" pid
    [[ -f "$f" ]] || return 1
    pid="$(cat "$f" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # Guard against pid reuse.
    grep -qa redis "/proc/$pid/cmdline" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}

_lg_stop_pg() { # DIR PGBIN
    local dir="$1" pgbin="$2"
    if _lg_pg_running "$dir" "$pgbin"; then
        _lg_log "stopping PostgreSQL ($dir/pg)"
        _lg_as_pg "$pgbin/pg_ctl" -D "$dir/pg" stop -m fast -w -t 60 >/dev/null 2>&1 ||
            _lg_as_pg "$pgbin/pg_ctl" -D "$dir/pg" stop -m immediate -w -t 30 >/dev/null 2>&1 ||
            _lg_log "warning: could not stop PostgreSQL in $dir/pg"
    fi
}

_lg_stop_redis() { # DIR
    local dir="$1" pid i
    if pid="$(_lg_redis_pid "$dir")"; then
        _lg_log "stopping Redis (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$dir/redis/redis.pid"
}

lg_services_start() ( # DIR
    set -euo pipefail
    local dir="${1:-}"
    [[ -n "$dir" ]] || _lg_die "usage: services.sh start DIR"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd -P)"

    local pgbin
    pgbin="$(_lg_pg_bin)"
    _lg_ensure_redis

    if [[ $EUID -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || _lg_die "running as root but there is no 'postgres' OS user to run PostgreSQL as"
        command -v runuser >/dev/null 2>&1 || _lg_die "runuser not found (util-linux)"
        # mktemp dirs are 0700; the postgres user must be able to traverse DIR.
        chmod 755 "$dir"
        if ! runuser -u postgres -- test -x "$dir"; then
            _lg_die "the postgres user cannot access $dir (a parent directory is not world-traversable, e.g. /root); use a directory under /tmp or /work"
        fi
    fi

    mkdir -p "$dir/pg" "$dir/pg-sock" "$dir/redis"
    touch "$dir/postgres.log"
    if [[ $EUID -eq 0 ]]; then
        chown postgres:postgres "$dir/pg" "$dir/pg-sock" "$dir/postgres.log"
    fi
    chmod 700 "$dir/pg"

    # ---- PostgreSQL -------------------------------------------------------
    if [[ -f "$dir/pg/PG_VERSION" ]]; then
        _lg_log "reusing PostgreSQL cluster in $dir/pg (PostgreSQL $(cat "$dir/pg/PG_VERSION"))"
        local want have
        have="$(cat "$dir/pg/PG_VERSION")"
        want="$("$pgbin/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')"
        [[ "$have" == "$want" ]] || _lg_die "cluster in $dir/pg was created by PostgreSQL $have but $pgbin is PostgreSQL $want; remove $dir/pg (make clean-data) or set PG_BIN"
        if _lg_pg_running "$dir" "$pgbin"; then
            _lg_log "a PostgreSQL from a previous run is still running on $dir/pg; restarting it"
            _lg_stop_pg "$dir" "$pgbin"
        fi
    else
        [[ -z "$(ls -A "$dir/pg")" ]] || _lg_die "$dir/pg exists, is not empty and is not a PostgreSQL cluster"
        _lg_log "initializing PostgreSQL cluster in $dir/pg ($pgbin)"
        if ! _lg_as_pg "$pgbin/initdb" -D "$dir/pg" -U postgres --auth-local=trust --auth-host=trust \
            --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
            _lg_tail_log "$dir/initdb.log"
            rm -rf "${dir:?}/pg"/* 2>/dev/null || true
            _lg_die "initdb failed"
        fi
    fi

    # Unix socket inside DIR unless the path would exceed the sun_path limit.
    local sockdir="$dir/pg-sock"
    if (( ${#sockdir} + 20 > 100 )); then
        _lg_log "note: $sockdir is too long for a unix socket path; PostgreSQL will listen on TCP only"
        sockdir=""
    fi

    local opts=(-c listen_addresses=127.0.0.1 -c "unix_socket_directories=$sockdir"
        -c max_connections=200 -c shared_buffers=128MB)
    if [[ "${LG_PG_FAST:-0}" == 1 ]]; then
        opts+=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
    fi

    local pgport="" ok=0
    local logoff
    for _ in 1 2 3 4 5; do
        pgport="$(_lg_free_port)"
        logoff=$(( $(wc -c <"$dir/postgres.log") + 1 ))
        if _lg_as_pg "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/postgres.log" -w -t 60 \
            -o "-p $pgport $(printf "%q " "${opts[@]}")" start >/dev/null 2>&1; then
            ok=1
            break
        fi
        if tail -c "+$logoff" "$dir/postgres.log" 2>/dev/null | grep -qiE 'could not bind|address already in use'; then
            _lg_log "port $pgport was taken, retrying"
            continue
        fi
        break
    done
    if [[ $ok != 1 ]]; then
        _lg_tail_log "$dir/postgres.log"
        _lg_die "PostgreSQL failed to start (log: $dir/postgres.log)"
    fi

    local i
    for i in $(seq 1 100); do
        "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$pgport" -d postgres -U postgres && break
        sleep 0.2
    done
    if ! "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$pgport" -d postgres -U postgres; then
        _lg_tail_log "$dir/postgres.log"
        _lg_die "PostgreSQL on port $pgport did not become ready"
    fi

    local psql="$pgbin/psql"
    [[ -x "$psql" ]] || psql="$(command -v psql || true)"
    [[ -n "$psql" ]] || _lg_die "psql not found (install postgresql-client)"
    local exists
    exists="$(PGCONNECT_TIMEOUT=10 "$psql" -X -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$LG_DB_NAME'")" ||
        _lg_die "cannot query PostgreSQL on port $pgport"
    if [[ "$exists" != 1 ]]; then
        "$psql" -X -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -v ON_ERROR_STOP=1 \
            -c "CREATE DATABASE \"$LG_DB_NAME\"" >/dev/null ||
            _lg_die "could not create database $LG_DB_NAME"
        _lg_log "created database $LG_DB_NAME"
    fi
    _lg_log "PostgreSQL ready on 127.0.0.1:$pgport (log: $dir/postgres.log)"

    # ---- Redis ------------------------------------------------------------
    _lg_stop_redis "$dir" # leftover from a previous run, if any
    local redisport=""
    ok=0
    for _ in 1 2 3 4 5; do
        redisport="$(_lg_free_port)"
        [[ "$redisport" != "$pgport" ]] || continue
        : >"$dir/redis.log"
        if redis-server --bind 127.0.0.1 --port "$redisport" --protected-mode yes \
            --save '' --appendonly no --databases 64 \
            --dir "$dir/redis" --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis.log" \
            --daemonize yes >/dev/null 2>&1; then
            for i in $(seq 1 100); do
                if [[ "$(redis-cli -h 127.0.0.1 -p "$redisport" ping 2>/dev/null)" == PONG ]]; then
                    ok=1
                    break
                fi
                # Stop waiting early if the server died (e.g. port taken).
                if (( i > 5 )) && ! _lg_redis_pid "$dir" >/dev/null; then
                    break
                fi
                sleep 0.1
            done
        fi
        [[ $ok == 1 ]] && break
        if grep -qiE 'address already in use|could not create server' "$dir/redis.log" 2>/dev/null; then
            _lg_log "port $redisport was taken, retrying"
            _lg_stop_redis "$dir"
            continue
        fi
        break
    done
    if [[ $ok != 1 ]]; then
        _lg_tail_log "$dir/redis.log"
        _lg_stop_redis "$dir"
        _lg_stop_pg "$dir" "$pgbin"
        _lg_die "Redis failed to start (log: $dir/redis.log)"
    fi
    _lg_log "Redis ready on 127.0.0.1:$redisport (log: $dir/redis.log)"

    # ---- env file ---------------------------------------------------------
    local tmp="$dir/env.tmp.$$"
    cat >"$tmp" <<EOF
# Written by scripts/services.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ); source this file.
export DATABASE_URL='postgres://postgres@127.0.0.1:$pgport/$LG_DB_NAME?sslmode=disable'
export REDIS_URL='redis://127.0.0.1:$redisport/0'
export LG_PG_ADMIN_URL='postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable'
export LG_PG_PORT='$pgport'
export LG_REDIS_PORT='$redisport'
EOF
    mv -f "$tmp" "$dir/env"
)

lg_services_stop() ( # DIR
    set -euo pipefail
    local dir="${1:-}"
    [[ -n "$dir" ]] || _lg_die "usage: services.sh stop DIR"
    [[ -d "$dir" ]] || return 0
    dir="$(cd "$dir" && pwd -P)"
    local pgbin=""
    if [[ -f "$dir/pg/postmaster.pid" ]]; then
        pgbin="$(_lg_pg_bin)"
        _lg_stop_pg "$dir" "$pgbin"
    fi
    _lg_stop_redis "$dir"
    rm -f "$dir/env"
)

lg_services_status() ( # DIR
    set -euo pipefail
    local dir="${1:-}"
    [[ -n "$dir" ]] || _lg_die "usage: services.sh status DIR"
    local rc=0 pid
    if [[ -d "$dir" ]] && [[ -f "$dir/pg/postmaster.pid" ]] && _lg_pg_running "$dir" "$(_lg_pg_bin)"; then
        echo "postgres: running (port $(sed -n 4p "$dir/pg/postmaster.pid"))"
    else
        echo "postgres: stopped"; rc=1
    fi
    if [[ -d "$dir" ]] && pid="$(_lg_redis_pid "$dir")"; then
        echo "redis: running (pid $pid)"
    else
        echo "redis: stopped"; rc=1
    fi
    [[ -f "$dir/env" ]] && cat "$dir/env"
    return $rc
)

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    case "${1:-}" in
    start) lg_services_start "${2:-}" ;;
    stop) lg_services_stop "${2:-}" ;;
    status) lg_services_status "${2:-}" ;;
    *)
        echo "usage: $0 {start|stop|status} DIR" >&2
        exit 2
        ;;
    esac
fi
