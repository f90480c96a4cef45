#!/usr/bin/env bash
# legacy-erp.sh [DATABASE]: creates the legacy ERP's database in the local MariaDB
# (default registrar_erp; the end-to-end tests pass registrar_e2e_erp) and applies its
# schema, apps/erp-sync/legacy-erp.sql. Idempotent: a second run changes nothing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

db=${1:-registrar_erp}
[[ $db =~ ^[A-Za-z0-9_]+$ ]] || die "legacy ERP database name must be letters, digits and _: $db"
command -v mariadb >/dev/null || die "the mariadb client is missing: install mariadb-client"
erp() { mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -u root --batch "$@"; }
erp -e "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" ||
  die "cannot reach MariaDB on 127.0.0.1:3306 as root (empty password, local development only)"
erp "$db" <"$REPO_ROOT/apps/erp-sync/legacy-erp.sql"
ok "legacy ERP schema in MariaDB database $db"
