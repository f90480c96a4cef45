#!/usr/bin/env bash
# start-ferretdb.sh: starts the local MongoDB-protocol server (FerretDB) in the background on
# 127.0.0.1:27017 unless something already answers there. Data and log stay outside the work
# tree, in $REGISTRAR_HOME. The process outlives this script, like the Debian servers do.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ferretdb-env.sh"

port=27017
if port_open 127.0.0.1 $port; then
  ok "FerretDB (MongoDB protocol) on :$port"
  exit 0
fi
bin=$(ferretdb_bin_dir)/ferretdb
[ -x "$bin" ] || bash "$REPO_ROOT/scripts/build-ferretdb.sh"
data=$REGISTRAR_HOME/ferretdb/data
logs=$REGISTRAR_HOME/logs
mkdir -p "$data" "$logs"
step "starting FerretDB (data in $data, log in $logs/ferretdb.log)"
# Errors only: at warn, FerretDB v1 logs every client disconnect (the driver's endSessions,
# a command it lacks) as several lines.
nohup "$bin" -listen 127.0.0.1:$port -state-dir "$data" -log-level error >>"$logs/ferretdb.log" 2>&1 </dev/null &
pid=$!
disown $pid 2>/dev/null || true
if ! wait_port 127.0.0.1 $port 30; then
  tail -20 "$logs/ferretdb.log" >&2 || true
  die "FerretDB did not come up on :$port (pid $pid)"
fi
ok "FerretDB (MongoDB protocol) on :$port, pid $pid"
