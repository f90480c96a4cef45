#!/usr/bin/env bash
# mailhog-env.sh: build and run parameters of the local SMTP sink (MailHog), shared by
# build-mailhog.sh and start-mailhog.sh. Sourced after lib.sh, never executed. Changing
# tools/mailhog/go.sum, go.mod, the flags or the toolchain changes the cache key, so a new
# build lands beside the old one instead of over it.
MAILHOG_VERSION=1.0.1
MAILHOG_LDFLAGS="-s -w -X main.version=$MAILHOG_VERSION"
# SMTP for the email binding, HTTP (UI and API, /api/v2/search) for people and tests. The
# end-to-end tests run their own sink on shifted ports (+1000) with their own pid file.
MAILHOG_SMTP_PORT=${MAILHOG_SMTP_PORT:-21025}
MAILHOG_HTTP_PORT=${MAILHOG_HTTP_PORT:-21026}
MAILHOG_PIDFILE=${MAILHOG_PIDFILE:-$REGISTRAR_HOME/mailhog/mailhog.pid}
MAILHOG_LOG=${MAILHOG_LOG:-$REGISTRAR_HOME/logs/mailhog.log}
mailhog_bin_dir() {
  local key
  key=$(printf '%s\n%s\n' "$MAILHOG_LDFLAGS" "$(go env GOVERSION)" |
    cat - "$REPO_ROOT/tools/mailhog/go.sum" "$REPO_ROOT/tools/mailhog/go.mod" | sha256sum | cut -c1-16)
  echo "$REGISTRAR_HOME/mailhog/$MAILHOG_VERSION-$key/bin"
}
