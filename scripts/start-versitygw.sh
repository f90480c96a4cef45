#!/usr/bin/env bash
# start-versitygw.sh: builds (once) and starts the local S3 server (versitygw, posix backend)
# in the background on 127.0.0.1:21030 unless something already answers there, with
# development credentials generated once into $REGISTRAR_HOME/keys, and creates the buckets
# of versitygw-env.sh. Objects live in $REGISTRAR_HOME/versitygw/data. The process outlives
# this script, like the Debian servers do.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/versitygw-env.sh"

step "versitygw (S3, for admission forms)"
keys=$REGISTRAR_HOME/keys
mkdir -p "$keys" && chmod 700 "$keys"
if [ ! -s "$S3_ACCESS_KEY_FILE" ] || [ ! -s "$S3_SECRET_KEY_FILE" ]; then
  (umask 077
   printf 'RGDEV%s' "$(openssl rand -hex 8 | tr a-f A-F)" >"$S3_ACCESS_KEY_FILE"
   printf '%s' "$(openssl rand -base64 30 | tr -d '/+=\n')" >"$S3_SECRET_KEY_FILE")
  ok "generated development S3 credentials in $keys"
fi
access=$(cat "$S3_ACCESS_KEY_FILE")
secret=$(cat "$S3_SECRET_KEY_FILE")

port=$VERSITYGW_PORT
if port_open 127.0.0.1 "$port"; then
  ok "versitygw on :$port"
else
  bash "$REPO_ROOT/scripts/build-versitygw.sh"
  bin=$(versitygw_bin_dir)/versitygw
  data=$REGISTRAR_HOME/versitygw/data
  logs=$REGISTRAR_HOME/logs
  mkdir -p "$data" "$logs"
  echo "    starting versitygw (objects in $data, log in $logs/versitygw.log)"
  # Credentials through the environment, not argv (ps shows argv to everyone).
  ROOT_ACCESS_KEY_ID=$access ROOT_SECRET_ACCESS_KEY=$secret \
    nohup "$bin" --port "127.0.0.1:$port" --quiet posix "$data" >>"$logs/versitygw.log" 2>&1 </dev/null &
  pid=$!
  disown $pid 2>/dev/null || true
  if ! wait_port 127.0.0.1 "$port" 30; then
    tail -20 "$logs/versitygw.log" >&2 || true
    die "versitygw did not come up on :$port (pid $pid)"
  fi
  ok "versitygw on :$port, pid $pid"
fi

# s3 METHOD PATH: a SigV4-signed request with the development credentials; prints the status.
s3() {
  curl -s -o /dev/null -w '%{http_code}' -X "$1" --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access:$secret" \
    -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
    "http://127.0.0.1:$port/$2"
}
for b in $VERSITYGW_BUCKETS; do
  case $(s3 HEAD "$b") in
    200) ;;
    *) code=$(s3 PUT "$b"); [ "$code" = 200 ] || die "creating bucket $b answered $code (credentials in $keys?)" ;;
  esac
done
ok "buckets: $VERSITYGW_BUCKETS"
