# Sourced by scripts/test.sh and scripts/e2e.sh (needs section and die).
#
# npm_deps DIR: installs DIR's npm packages with `npm ci` from its committed
# package-lock.json, unless DIR/node_modules was installed from this very
# lock (its SHA-256 is kept in DIR/node_modules/.lg-lock-sha256). Without
# node/npm: an error in CI (CI set), a note locally.
npm_deps() {
    local dir="$1" want have=""
    [[ -f "$dir/package-lock.json" ]] || return 0
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        if [[ -n "${CI:-}" ]]; then
            die "node and npm are required for $dir (Node.js 20 or later)"
        fi
        echo "note: node/npm not found: not installing $dir's npm packages; the tests that use them are skipped" >&2
        return 0
    fi
    want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
    if [[ -f "$dir/node_modules/.lg-lock-sha256" ]]; then
        have="$(cat "$dir/node_modules/.lg-lock-sha256")"
    fi
    if [[ "$have" == "$want" ]]; then
        return 0
    fi
    section "installing $dir npm packages (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund) || die "npm ci in $dir failed"
    echo "$want" >"$dir/node_modules/.lg-lock-sha256"
}
