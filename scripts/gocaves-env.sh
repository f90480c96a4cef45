#!/usr/bin/env bash
# gocaves-env.sh: build parameters of the local Couchbase-protocol mock (gocaves), shared by
# build-gocaves.sh and start-gocaves.sh. Sourced after lib.sh, never executed. Changing
# anything in tools/gocaves, the flags or the toolchain changes the cache key, so a new build
# lands beside the old one instead of over it.
GOCAVES_VERSION=0.0.1
GOCAVES_LDFLAGS="-s -w"
# KV on the first port; management, views, query, search and analytics on the next five.
GOCAVES_PORT=21040
# One bucket for the platform, one for the end-to-end stack, one for adapter tests.
GOCAVES_BUCKETS=registrar,registrar-e2e,registrar-test
gocaves_bin_dir() {
  local key
  key=$(printf '%s\n%s\n' "$GOCAVES_LDFLAGS" "$(go env GOVERSION)" |
    cat - "$REPO_ROOT"/tools/gocaves/{go.mod,go.sum,main.go,listenaddr.go.in,ctxstore.go.in} | sha256sum | cut -c1-16)
  echo "$REGISTRAR_HOME/gocaves/$GOCAVES_VERSION-$key/bin"
}
