#!/usr/bin/env bash
# setup.sh: everything a new machine needs before `make run` or `make test`, installed only
# where missing. Idempotent; the second run takes seconds.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

command -v go >/dev/null || die "Go is required (https://go.dev/dl); this machine has none on PATH"

# One setup at a time per machine: two checkouts (or `make test` beside `make run`) would
# otherwise build into the same caches at once. The second waits, then finds everything done.
# The lock is held by flock itself (-o: the script runs without the lock's descriptor), so
# the servers this script leaves running never inherit it: with `exec 9>lock; flock 9`, a
# daemon started here (gocaves, MailHog, …) kept fd 9 and every later setup waited forever.
# (The lock file's name changed with that fix: a daemon may still hold the old one.)
mkdir -p "$REGISTRAR_HOME"
if [ -z "${REGISTRAR_SETUP_LOCKED:-}" ]; then
  export REGISTRAR_SETUP_LOCKED=1
  exec flock -o "$REGISTRAR_HOME/setup.flock" bash "$0" "$@"
fi
unset REGISTRAR_SETUP_LOCKED

apt_updated=0
apt_install() {
  if [ $apt_updated -eq 0 ]; then
    step "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  step "installing Debian packages: $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ensure_service NAME PORT PACKAGE BINARY START-COMMAND...
ensure_service() {
  local name=$1 port=$2 pkg=$3 bin=$4; shift 4
  if port_open 127.0.0.1 "$port"; then ok "$name on :$port"; return; fi
  if ! command -v "$bin" >/dev/null && [ ! -x "$bin" ]; then apt_install "$pkg"; fi
  step "starting $name"
  "$@" >/dev/null 2>&1 || true
  wait_port 127.0.0.1 "$port" 90 || die "$name did not come up on :$port"
  ok "$name on :$port"
}

start_postgres() {
  local v
  v=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  [ -n "$v" ] || die "PostgreSQL is installed but has no cluster in /etc/postgresql"
  # A fresh Debian cluster asks for passwords on TCP; local development trusts loopback only.
  local hba=/etc/postgresql/$v/main/pg_hba.conf
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$v" main start
}

step "local servers"
ensure_service PostgreSQL 5432 "postgresql postgresql-client" pg_ctlcluster start_postgres
ensure_service Redis 6379 redis-server redis-server \
  bash -c 'mkdir -p /var/lib/redis /var/log/redis && redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/registrar.log'
ensure_service RabbitMQ 5672 rabbitmq-server rabbitmq-server rabbitmq-server -detached
ensure_service MariaDB 3306 "mariadb-server mariadb-client" /usr/sbin/mariadbd \
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
command -v psql >/dev/null || apt_install postgresql-client
command -v rabbitmqctl >/dev/null || die "rabbitmqctl missing although RabbitMQ runs: install rabbitmq-server"
for c in openssl curl; do command -v $c >/dev/null || apt_install $c; done
bash "$REPO_ROOT/scripts/legacy-erp.sh" registrar_erp

step "FerretDB (MongoDB protocol, for the subject catalogue)"
bash "$REPO_ROOT/scripts/build-ferretdb.sh"
bash "$REPO_ROOT/scripts/start-ferretdb.sh"
bash "$REPO_ROOT/scripts/start-gocaves.sh"    # Couchbase KV mock (admission records)
bash "$REPO_ROOT/scripts/start-versitygw.sh"  # S3 (admission forms)
bash "$REPO_ROOT/scripts/start-mailhog.sh"    # SMTP sink for the email binding (builds MailHog once)

step "Dapr $DAPR_VERSION runtime"
bash "$REPO_ROOT/scripts/build-dapr.sh"
export DAPR_BIN_DIR; DAPR_BIN_DIR=$(dapr_bin_dir)

step "Go modules of the apps"
(cd "$REPO_ROOT" && go mod download) && ok "modules downloaded"

step "web portal (apps/gateway/web) and its browser tests"; bash "$REPO_ROOT/scripts/build-web.sh"

step "development keys (outside the repo, in $REGISTRAR_HOME)"
(cd "$REPO_ROOT" && go run ./tye-or-compose/runner pki -home "$REGISTRAR_HOME")
keys=$REGISTRAR_HOME/keys
mkdir -p "$keys" && chmod 700 "$keys"
# Each file here becomes a secret of the sidecars' local secret store, named after the file
# (jwt-signing-keys.pem → JWT_SIGNING_KEYS). `make rotate-keys` appends a new key to each.
if [ ! -s "$keys/jwt-signing-keys.pem" ]; then
  bash "$REPO_ROOT/scripts/rotate-keys.sh" jwt
else
  ok "JWT signing keys in $keys/jwt-signing-keys.pem"
fi
if [ ! -s "$keys/pii-keys.txt" ]; then
  bash "$REPO_ROOT/scripts/rotate-keys.sh" pii
else
  ok "PII encryption keys in $keys/pii-keys.txt"
fi
ok "setup complete"
