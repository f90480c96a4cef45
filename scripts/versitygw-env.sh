#!/usr/bin/env bash
# versitygw-env.sh: parameters of the local S3 server (versitygw, posix backend), shared by
# build-versitygw.sh and start-versitygw.sh. Sourced after lib.sh, never executed.
VERSITYGW_VERSION=1.8.0
VERSITYGW_LDFLAGS="-s -w"
VERSITYGW_PORT=21030
# The admission forms of the platform, of the end-to-end stack and of adapter tests.
VERSITYGW_BUCKETS="registrar-admission-forms registrar-e2e-admission-forms registrar-test"
# Development credentials: files in $REGISTRAR_HOME/keys become the sidecars' secrets
# S3_ACCESS_KEY and S3_SECRET_KEY (no trailing newline: they are used verbatim).
S3_ACCESS_KEY_FILE=$REGISTRAR_HOME/keys/s3-access-key.txt
S3_SECRET_KEY_FILE=$REGISTRAR_HOME/keys/s3-secret-key.txt
versitygw_bin_dir() {
  local key
  key=$(printf '%s\n%s\n%s\n' "$VERSITYGW_VERSION" "$VERSITYGW_LDFLAGS" "$(go env GOVERSION)" | sha256sum | cut -c1-16)
  echo "$REGISTRAR_HOME/versitygw/$VERSITYGW_VERSION-$key/bin"
}
