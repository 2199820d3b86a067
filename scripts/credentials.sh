#!/usr/bin/env bash
# make credentials KIND=admin|settlement|partner|seller|pos NAME=... [MERCHANT=...]
#
# Creates a credential in the database `make run` uses: DATABASE_URL from the
# environment, else the .local/ services (started for the moment when they are
# not running); SECRET_KEY from the environment, else .local/secret_key.
# Prints the credential once (keep the secret: it is stored hashed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
LOCAL="${LG_LOCAL_DIR:-$ROOT/.local}"
BIN="$LOCAL/bin/loyaltygraph"

die() { printf 'credentials: ERROR: %s\n' "$*" >&2; exit 2; }

KIND="${KIND:-}"
NAME="${NAME:-}"
[[ -n "$KIND" && -n "$NAME" ]] || die "usage: make credentials KIND=admin|settlement|partner|seller|pos NAME=name [MERCHANT=merchantId]"

STARTED=0
cleanup() {
    local rc=$?
    if [[ $STARTED == 1 ]]; then bash "$ROOT/scripts/services.sh" stop "$LOCAL" >/dev/null 2>&1 || true; fi
    exit "$rc"
}
trap cleanup EXIT

if [[ -z "${DATABASE_URL:-}" ]]; then
    [[ -d "$LOCAL" ]] || die "no $LOCAL yet: run 'make run' once first (or set DATABASE_URL)"
    # Running under `make run` or `make services`: use them; else start
    # them for this command only.
    if ! bash "$ROOT/scripts/services.sh" status "$LOCAL" >/dev/null 2>&1; then
        bash "$ROOT/scripts/services.sh" start "$LOCAL" >/dev/null
        STARTED=1
    fi
    # shellcheck source=/dev/null
    source "$LOCAL/env"
fi
if [[ -z "${SECRET_KEY:-}" ]]; then
    [[ -s "$LOCAL/secret_key" ]] || die "no SECRET_KEY and no $LOCAL/secret_key: run 'make run' once first"
    SECRET_KEY="$(tr -d ' \n' <"$LOCAL/secret_key")"
fi
export DATABASE_URL SECRET_KEY

if [[ ! -x "$BIN" ]] || [[ -n "$(find cmd app domain store internal -newer "$BIN" -name '*.go' -print -quit 2>/dev/null)" ]]; then
    printf '==> building %s\n' "$BIN" >&2
    mkdir -p "$LOCAL/bin"
    go build -buildvcs=auto -o "$BIN" ./cmd/loyaltygraph
fi
args=(credentials create "$KIND" "$NAME")
[[ -z "${MERCHANT:-}" ]] || args+=(--merchant "$MERCHANT")
"$BIN" "${args[@]}"
