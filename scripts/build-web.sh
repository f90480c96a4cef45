#!/usr/bin/env bash
# build-web.sh: the web portal (apps/gateway/web) and what its browser tests need.
# - npm ci + npm run build only when package-lock.json or the sources changed (a hash stamp
#   in dist/, so a fresh clone, an edit or a pulled change rebuilds, and nothing else does);
# - Debian's chromium for the headless browser tests (playwright-core drives it; no
#   browser is ever downloaded by npm).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

web=$REPO_ROOT/apps/gateway/web
command -v npm >/dev/null || die "Node.js 20+ with npm is required for the web portal (apps/gateway/web)"

if [ ! -x /usr/bin/chromium ]; then
  step "installing Debian's chromium (headless browser tests of the portal)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } ||
    die "apt-get install chromium failed"
fi
ok "chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"

# The stamp covers everything the build reads: lock file, config and sources.
stamp=$(cd "$web" && find package.json package-lock.json index.html vite.config.ts tsconfig.json src public \
  -type f 2>/dev/null | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
lockhash=$(hash_of "$web/package-lock.json")
if [ "$(cat "$web/node_modules/.registrar-lock" 2>/dev/null)" != "$lockhash" ]; then
  step "npm ci (web portal)"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $web"
  echo "$lockhash" >"$web/node_modules/.registrar-lock"
fi
if [ "$(cat "$web/dist/.build-stamp" 2>/dev/null)" != "$stamp" ]; then
  step "building the web portal (vite)"
  (cd "$web" && npm run build --silent) || die "the web portal did not build"
  echo "$stamp" >"$web/dist/.build-stamp"
fi
ok "web portal built in apps/gateway/web/dist"
