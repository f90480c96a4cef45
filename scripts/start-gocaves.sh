#!/usr/bin/env bash
# start-gocaves.sh: starts the local Couchbase-protocol mock (gocaves, KV only) in the
# background on 127.0.0.1:21040 (KV; its other services on 21041-21045) with the buckets of
# gocaves-env.sh, unless something already answers there. The mock keeps its data in memory:
# a restart starts empty. The process outlives this script, like the Debian servers do.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gocaves-env.sh"

port=$GOCAVES_PORT
step "gocaves (Couchbase KV mock, for admission records)"
bash "$REPO_ROOT/scripts/build-gocaves.sh" | grep -v ' cached in ' || true
bin=$(gocaves_bin_dir)/gocaves
if port_open 127.0.0.1 "$port"; then
  # A mock of an older build keeps running (its data is in memory): say so, do not kill it.
  pid=$(ss -Hltnp "sport = :$port" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
  if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" != "$bin" ]; then
    warn "gocaves on :$port (pid $pid) is not the current build $bin: stop it and run make setup again"
  fi
  ok "gocaves (Couchbase KV mock) on :$port"
  exit 0
fi
logs=$REGISTRAR_HOME/logs
mkdir -p "$logs"
echo "    starting gocaves (log in $logs/gocaves.log)"
nohup "$bin" -host 127.0.0.1 -port "$port" -buckets "$GOCAVES_BUCKETS" >>"$logs/gocaves.log" 2>&1 </dev/null &
pid=$!
disown $pid 2>/dev/null || true
if ! wait_port 127.0.0.1 "$port" 30; then
  tail -20 "$logs/gocaves.log" >&2 || true
  die "gocaves did not come up on :$port (pid $pid)"
fi
ok "gocaves (Couchbase KV mock) on couchbase://127.0.0.1:$port, buckets $GOCAVES_BUCKETS, pid $pid"
