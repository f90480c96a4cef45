#!/usr/bin/env bash
# ferretdb-env.sh: build parameters of the local FerretDB, shared by build-ferretdb.sh and
# start-ferretdb.sh. Sourced after lib.sh, never executed. Changing tools/ferretdb/go.sum,
# go.mod, main.go, the flags or the toolchain changes the cache key, so a new build lands beside
# the old one instead of over it.
FERRETDB_VERSION=1.24.0
FERRETDB_LDFLAGS="-s -w"
ferretdb_bin_dir() {
  local key
  key=$(printf '%s\n%s\n' "$FERRETDB_LDFLAGS" "$(go env GOVERSION)" |
    cat - "$REPO_ROOT/tools/ferretdb/go.sum" "$REPO_ROOT/tools/ferretdb/go.mod" "$REPO_ROOT/tools/ferretdb/main.go" | sha256sum | cut -c1-16)
  echo "$REGISTRAR_HOME/ferretdb/$FERRETDB_VERSION-$key/bin"
}
