#!/usr/bin/env bash
# start-mailhog.sh: starts the local SMTP sink (MailHog, in-memory storage) in the
# background, SMTP on 127.0.0.1:21025 and its HTTP UI/API on 127.0.0.1:21026, unless
# something already answers there. The log stays in $REGISTRAR_HOME. The process outlives
# this script, like the Debian servers do; mail is lost when it stops (a sink, not a store).
# Its pid is written to $MAILHOG_PIDFILE (stop it with: kill "$(cat …/mailhog.pid)").
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mailhog-env.sh"

if port_open 127.0.0.1 "$MAILHOG_SMTP_PORT" && port_open 127.0.0.1 "$MAILHOG_HTTP_PORT"; then
  ok "MailHog (SMTP :$MAILHOG_SMTP_PORT, HTTP :$MAILHOG_HTTP_PORT)"
  exit 0
fi
if port_open 127.0.0.1 "$MAILHOG_SMTP_PORT" || port_open 127.0.0.1 "$MAILHOG_HTTP_PORT"; then
  die "one of :$MAILHOG_SMTP_PORT / :$MAILHOG_HTTP_PORT is taken by something else"
fi
bin=$(mailhog_bin_dir)/mailhog
[ -x "$bin" ] || bash "$REPO_ROOT/scripts/build-mailhog.sh"
mkdir -p "$(dirname "$MAILHOG_LOG")" "$(dirname "$MAILHOG_PIDFILE")"
step "starting MailHog (log in $MAILHOG_LOG)"
nohup "$bin" -smtp-bind-addr "127.0.0.1:$MAILHOG_SMTP_PORT" \
  -api-bind-addr "127.0.0.1:$MAILHOG_HTTP_PORT" -ui-bind-addr "127.0.0.1:$MAILHOG_HTTP_PORT" \
  -hostname registrar.local -storage memory >>"$MAILHOG_LOG" 2>&1 </dev/null &
pid=$!
disown $pid 2>/dev/null || true
echo $pid >"$MAILHOG_PIDFILE"
if ! wait_port 127.0.0.1 "$MAILHOG_SMTP_PORT" 30 || ! wait_port 127.0.0.1 "$MAILHOG_HTTP_PORT" 30; then
  tail -20 "$MAILHOG_LOG" >&2 || true
  die "MailHog did not come up on :$MAILHOG_SMTP_PORT/:$MAILHOG_HTTP_PORT (pid $pid)"
fi
ok "MailHog SMTP 127.0.0.1:$MAILHOG_SMTP_PORT, UI/API http://127.0.0.1:$MAILHOG_HTTP_PORT, pid $pid"
