#!/usr/bin/env bash
# build-gocaves.sh: builds the local Couchbase-protocol mock (gocaves v0.0.1, KV only) into a
# cache outside the work tree, once per machine. The module needs two steps before `go build`:
# its tools/prebuildstep.go generates embedded data (error maps), and its servers listen on
# random ports of every interface, which tools/gocaves/listenaddr.go.in patches to fixed
# loopback ports; tools/gocaves/ctxstore.go.in replaces a per-client store that crashed the
# mock under concurrent connects and disconnects. These change the module's source, so the
# build works on a copy of it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gocaves-env.sh"

bin=$(gocaves_bin_dir)
if [ -x "$bin/gocaves" ]; then
  ok "gocaves $GOCAVES_VERSION cached in $bin"
  exit 0
fi
# gocaves v0.0.1 is not in the checksum database.
export GONOSUMDB=github.com/couchbaselabs/gocaves GOFLAGS=-mod=mod

step "building gocaves $GOCAVES_VERSION (Couchbase KV mock): about 1 min on 2 cores, once per machine"
work=$(dirname "$bin")/build
rm -rf "$work" && mkdir -p "$work"
cp "$REPO_ROOT"/tools/gocaves/{go.mod,go.sum,main.go} "$work/"
src=$(cd "$work" && go mod download -json "github.com/couchbaselabs/gocaves@v$GOCAVES_VERSION" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$src" ] || die "gocaves $GOCAVES_VERSION not found in the module cache"
cp -r "$src" "$work/caves-src" && chmod -R u+w "$work/caves-src"
(cd "$work/caves-src" && go run tools/prebuildstep.go >"$work/prebuild.log" 2>&1) ||
  { cat "$work/prebuild.log" >&2; die "gocaves prebuild step failed"; }
servers=$work/caves-src/mock/mockimpl/servers
cp "$REPO_ROOT/tools/gocaves/listenaddr.go.in" "$servers/listenaddr.go"
sed -i 's/listenAddr := fmt.Sprintf(":%d", s.listenPort)/listenAddr := registrarListenAddr(fmt.Sprintf(":%d", s.listenPort))/' \
  "$servers/httpserver.go" "$servers/memdserver.go"
cp "$REPO_ROOT/tools/gocaves/ctxstore.go.in" "$work/caves-src/contrib/ctxstore/ctxstore.go"
[ "$(grep -l registrarListenAddr "$servers/httpserver.go" "$servers/memdserver.go" | wc -l)" = 2 ] ||
  die "the gocaves listen patch did not apply"
mkdir -p "$bin.tmp"
start=$SECONDS
if ! (cd "$work" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "$GOCAVES_LDFLAGS" -o "$bin.tmp/gocaves" .) 2>"$work/build.log"; then
  cat "$work/build.log" >&2
  die "building gocaves failed"
fi
mkdir -p "$bin"
mv "$bin.tmp/gocaves" "$bin/gocaves"
rm -rf "$bin.tmp" "$work"
ok "gocaves $GOCAVES_VERSION built into $bin in $((SECONDS - start)) s"
