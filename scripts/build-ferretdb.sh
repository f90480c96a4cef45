#!/usr/bin/env bash
# build-ferretdb.sh: builds the local MongoDB-protocol server (FerretDB v1, SQLite backend,
# embedded in tools/ferretdb) into a cache outside the work tree, once per machine.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ferretdb-env.sh"

bin=$(ferretdb_bin_dir)
if [ -x "$bin/ferretdb" ]; then
  ok "ferretdb $FERRETDB_VERSION cached in $bin"
  exit 0
fi

step "building FerretDB $FERRETDB_VERSION (SQLite backend): about 1-2 min on 2 cores, once per machine"
mkdir -p "$bin.tmp"
cd "$REPO_ROOT/tools/ferretdb"
start=$SECONDS
printf '    building %-10s ' ferretdb
# go prints nothing while it compiles; a dot every 10 s shows progress.
( while sleep 10; do printf '.'; done ) & ticker=$!
if ! GOFLAGS=-mod=readonly go build -trimpath -ldflags "$FERRETDB_LDFLAGS" \
    -o "$bin.tmp/ferretdb" . 2>"$bin.tmp/ferretdb.log"; then
  kill $ticker 2>/dev/null; echo
  cat "$bin.tmp/ferretdb.log" >&2
  die "building ferretdb failed"
fi
kill $ticker 2>/dev/null; wait $ticker 2>/dev/null || true
echo " $((SECONDS - start)) s"
mkdir -p "$bin"
mv "$bin.tmp/ferretdb" "$bin/ferretdb"
rm -rf "$bin.tmp"
ok "ferretdb $FERRETDB_VERSION built into $bin"
