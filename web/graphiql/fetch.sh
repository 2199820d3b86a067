#!/usr/bin/env bash
# Re-fetches the vendored GraphiQL 3 / React 18 browser bundles into ./assets.
#
# The versions are pinned on purpose: GraphiQL 4+ loads its modules from a CDN
# at run time, which the offline, embedded page cannot do. Each tarball's
# sha512 is checked against the value pinned below (the registry's
# dist.integrity), so a re-run either reproduces the committed files exactly
# or fails.
#
# Usage: web/graphiql/fetch.sh        (from anywhere; needs npm, tar, openssl)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
assets="$here/assets"

# package@version  sha512 integrity of the npm tarball
pkgs=(
  "graphiql@3.8.2 sha512-r8nJHKtafaOx/VRAAJmJCNdLfGUY1YvqSJcHTdnIoIs3ZFEYiAv1NM6zpwSo1gSVzhxGZ183++DaaVrqdfLl6A=="
  "react@18.3.1 sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=="
  "react-dom@18.3.1 sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=="
)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for entry in "${pkgs[@]}"; do
  spec="${entry%% *}"
  want="${entry#* }"
  name="${spec%@*}"
  version="${spec##*@}"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  tgz="$tmp/$name-$version.tgz"
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 | tr -d '\n')"
  if [[ "$got" != "$want" ]]; then
    echo "fetch.sh: integrity mismatch for $spec: got $got, want $want" >&2
    exit 1
  fi
  mkdir -p "$tmp/$name"
  tar -xzf "$tgz" -C "$tmp/$name"
done

mkdir -p "$assets"
install -m 0644 "$tmp/graphiql/package/graphiql.min.js"  "$assets/graphiql.min.js"
install -m 0644 "$tmp/graphiql/package/graphiql.min.css" "$assets/graphiql.min.css"
install -m 0644 "$tmp/react/package/umd/react.production.min.js" "$assets/react.production.min.js"
install -m 0644 "$tmp/react-dom/package/umd/react-dom.production.min.js" "$assets/react-dom.production.min.js"
install -m 0644 "$tmp/graphiql/package/LICENSE"  "$assets/LICENSE.graphiql"
install -m 0644 "$tmp/react/package/LICENSE"     "$assets/LICENSE.react"
install -m 0644 "$tmp/react-dom/package/LICENSE" "$assets/LICENSE.react-dom"

echo "fetch.sh: assets updated in $assets:"
(cd "$assets" && ls -l)
