#!/usr/bin/env bash
# build-versitygw.sh: builds the local S3 server (versitygw) from the Go module proxy into a
# cache outside the work tree, once per machine (about 3 min on 2 cores).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/versitygw-env.sh"

bin=$(versitygw_bin_dir)
if [ -x "$bin/versitygw" ]; then
  ok "versitygw $VERSITYGW_VERSION cached in $bin"
  exit 0
fi
step "building versitygw $VERSITYGW_VERSION (S3): about 3 min on 2 cores, once per machine"
mkdir -p "$bin.tmp"
start=$SECONDS
( while sleep 10; do printf '.'; done ) & ticker=$!
if ! GOBIN="$bin.tmp" go install -trimpath -ldflags "$VERSITYGW_LDFLAGS" \
    "github.com/versity/versitygw/cmd/versitygw@v$VERSITYGW_VERSION" 2>"$bin.tmp/build.log"; then
  kill $ticker 2>/dev/null; echo
  cat "$bin.tmp/build.log" >&2
  die "building versitygw failed"
fi
kill $ticker 2>/dev/null; wait $ticker 2>/dev/null || true
echo
mkdir -p "$bin"
mv "$bin.tmp/versitygw" "$bin/versitygw"
rm -rf "$bin.tmp"
ok "versitygw $VERSITYGW_VERSION built into $bin in $((SECONDS - start)) s"
