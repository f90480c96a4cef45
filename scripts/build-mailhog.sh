#!/usr/bin/env bash
# build-mailhog.sh: builds the local SMTP sink (MailHog v1.0.1, pinned in tools/mailhog)
# into a cache outside the work tree, once per machine.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mailhog-env.sh"

bin=$(mailhog_bin_dir)
if [ -x "$bin/mailhog" ]; then
  ok "mailhog $MAILHOG_VERSION cached in $bin"
  exit 0
fi

step "building MailHog $MAILHOG_VERSION: about 20 s on 2 cores, once per machine"
mkdir -p "$bin.tmp"
cd "$REPO_ROOT/tools/mailhog"
start=$SECONDS
if ! GOFLAGS=-mod=readonly go build -trimpath -ldflags "$MAILHOG_LDFLAGS" \
    -o "$bin.tmp/mailhog" github.com/mailhog/MailHog 2>"$bin.tmp/mailhog.log"; then
  cat "$bin.tmp/mailhog.log" >&2
  die "building mailhog failed"
fi
mkdir -p "$bin"
mv "$bin.tmp/mailhog" "$bin/mailhog"
rm -rf "$bin.tmp"
ok "mailhog $MAILHOG_VERSION built into $bin in $((SECONDS - start)) s"
