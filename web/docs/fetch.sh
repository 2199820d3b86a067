#!/usr/bin/env bash
# Re-fetches the vendored Redoc standalone bundle into ./assets.
#
# Redoc 2 is pinned on purpose: its standalone bundle renders an OpenAPI 3.1
# document with nothing loaded from elsewhere (no fonts, no CDN; the search
# index runs in a worker built from a blob: URL). The tarball's sha512 is
# checked against the value pinned below (the registry's dist.integrity),
# so a re-run either reproduces the committed files exactly or fails.
#
# Usage: web/docs/fetch.sh        (from anywhere; needs npm, tar, openssl)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
assets="$here/assets"

spec="redoc@2.5.2"
want="sha512-sTJfItvRkcDTojB6wdLN4M+Ua6mlZwElV21Tf8Mn7IbQF/1Os6GvgQpZyLWPGZZHbhy7GC1Or1hTMHfz1vKh5A=="

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "$spec" >/dev/null)
tgz="$tmp/redoc-2.5.2.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 | tr -d '\n')"
if [[ "$got" != "$want" ]]; then
  echo "fetch.sh: integrity mismatch for $spec: got $got, want $want" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$tmp"

mkdir -p "$assets"
install -m 0644 "$tmp/package/bundles/redoc.standalone.js" "$assets/redoc.standalone.js"
install -m 0644 "$tmp/package/bundles/redoc.standalone.js.LICENSE.txt" "$assets/LICENSE.redoc-bundled.txt"
install -m 0644 "$tmp/package/LICENSE" "$assets/LICENSE.redoc"

echo "fetch.sh: assets updated in $assets:"
(cd "$assets" && ls -l)
