#!/usr/bin/env bash
# rotate-keys.sh [jwt|pii|all]: adds a new development key; the newest key signs or
# encrypts, older ones stay so that existing tokens and ciphertexts remain readable.
# Apps reload the bundle from the secret store; restart the platform (make stop && make run)
# for the sidecars to read the changed files.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
keys=$REGISTRAR_HOME/keys
mkdir -p "$keys" && chmod 700 "$keys"
what=${1:-all}
umask 077
if [ "$what" = jwt ] || [ "$what" = all ]; then
  openssl genpkey -algorithm ed25519 2>/dev/null >> "$keys/jwt-signing-keys.pem"
  ok "added an Ed25519 JWT signing key ($(grep -c 'BEGIN PRIVATE KEY' "$keys/jwt-signing-keys.pem") in $keys/jwt-signing-keys.pem)"
fi
if [ "$what" = pii ] || [ "$what" = all ]; then
  n=1; [ -f "$keys/pii-keys.txt" ] && n=$(( $(wc -l < "$keys/pii-keys.txt") + 1 ))
  echo "$n:$(openssl rand -base64 32)" >> "$keys/pii-keys.txt"
  ok "added AES-256 PII key version $n in $keys/pii-keys.txt"
fi
