#!/usr/bin/env bash
# lib.sh: shared helpers for the setup and run scripts. Sourced, never executed.

REPO_ROOT=${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# Everything built or generated for the local stack lives outside the work tree.
REGISTRAR_HOME=${REGISTRAR_HOME:-$HOME/.cache/registrar}
export REPO_ROOT REGISTRAR_HOME

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
ok()   { printf '    \033[32mok\033[0m %s\n' "$*"; }
warn() { printf '    \033[33m!!\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[31mfatal:\033[0m %s\n' "$*" >&2; exit 1; }

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_port HOST PORT SECONDS: wait until the port accepts connections.
wait_port() {
  local i
  for ((i = 0; i < $3 * 5; i++)); do port_open "$1" "$2" && return 0; sleep 0.2; done
  return 1
}

# hash_of FILES... : a short content hash, used to key build caches.
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# Dapr runtime build parameters; changing any of them changes the cache key.
DAPR_VERSION=1.16.0
DAPR_TOOLCHAIN=go1.24.6
DAPR_TAGS=allcomponents
DAPR_LDFLAGS="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$DAPR_VERSION"
dapr_bin_dir() {
  local key
  key=$(printf '%s\n%s\n%s\n' "$DAPR_TOOLCHAIN" "$DAPR_TAGS" "$DAPR_LDFLAGS" |
    cat - "$REPO_ROOT/tools/dapr/go.sum" "$REPO_ROOT/tools/dapr/go.mod" | sha256sum | cut -c1-16)
  echo "$REGISTRAR_HOME/dapr/$DAPR_VERSION-$key/bin"
}
