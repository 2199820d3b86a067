#!/usr/bin/env bash
# A private three-master Redis Cluster for tests and trials (no replicas,
# no persistence).
#
# Usage:
#   scripts/redis-cluster.sh start DIR   start three cluster nodes in DIR, create the cluster, write DIR/env
#   scripts/redis-cluster.sh stop  DIR   stop the nodes started from DIR
#
# DIR/env defines REDIS_CLUSTER_URL=redis+cluster://127.0.0.1:P1?addr=127.0.0.1:P2&addr=127.0.0.1:P3,
# the form REDIS_URL takes for a cluster. redis-server and redis-cli come from the OS package
# redis-server (scripts/services.sh installs it when missing: apt-get install -y redis-server).
set -euo pipefail

log() { printf '[redis-cluster] %s\n' "$*" >&2; }
die() { printf '[redis-cluster] ERROR: %s\n' "$*" >&2; exit 1; }

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

start() {
    local dir="$1"
    if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
        # shellcheck source=services.sh
        source "$(dirname "$0")/services.sh"
        _lg_ensure_redis
    fi
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    local ports=() i p
    for i in 1 2 3; do
        # The cluster bus listens on port + 10000: both must be free.
        while :; do
            p="$(free_port)"
            if (( p + 10000 < 65536 )) && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 10000))") 2>/dev/null; then
                break
            fi
        done
        mkdir -p "$dir/node$i"
        redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
            --cluster-config-file "$dir/node$i/nodes.conf" --cluster-node-timeout 5000 \
            --dir "$dir/node$i" --save '' --appendonly no --daemonize yes \
            --pidfile "$dir/node$i/redis.pid" --logfile "$dir/node$i/redis.log" >/dev/null
        ports+=("$p")
    done
    for p in "${ports[@]}"; do
        for i in $(seq 1 100); do
            redis-cli -p "$p" ping >/dev/null 2>&1 && break
            sleep 0.05
        done
    done
    redis-cli --cluster create "127.0.0.1:${ports[0]}" "127.0.0.1:${ports[1]}" "127.0.0.1:${ports[2]}" \
        --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 || die "cluster create failed: $(cat "$dir/create.log")"
    for i in $(seq 1 200); do
        # Every master must see the cluster ok (the first alone is not
        # enough: another may still answer CLUSTERDOWN for a while).
        local ok=0
        for p in "${ports[@]}"; do
            redis-cli -p "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && ok=$((ok + 1))
        done
        if [ "$ok" -eq "${#ports[@]}" ]; then
            printf 'export REDIS_CLUSTER_URL=%q\n' \
                "redis+cluster://127.0.0.1:${ports[0]}?addr=127.0.0.1:${ports[1]}&addr=127.0.0.1:${ports[2]}" >"$dir/env"
            log "cluster ready on ports ${ports[*]} (source $dir/env)"
            return 0
        fi
        sleep 0.05
    done
    die "cluster did not become ready"
}

stop() {
    local dir="$1" f
    for f in "$dir"/node*/redis.pid; do
        [[ -f "$f" ]] || continue
        kill "$(cat "$f")" 2>/dev/null || true
        rm -f "$f"
    done
}

case "${1:-}" in
    start) start "${2:?DIR}" ;;
    stop) stop "${2:?DIR}" ;;
    *) die "usage: $0 start|stop DIR" ;;
esac
