#!/usr/bin/env bash
# build-dapr.sh: builds daprd (all components), placement, scheduler and sentry from the
# pinned module in tools/dapr into a cache outside the work tree, once per machine.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bin=$(dapr_bin_dir)
cmds=(daprd placement scheduler sentry)
missing=()
for c in "${cmds[@]}"; do [ -x "$bin/$c" ] || missing+=("$c"); done
if [ ${#missing[@]} -eq 0 ]; then
  ok "dapr $DAPR_VERSION runtime cached in $bin"
  exit 0
fi

step "building Dapr $DAPR_VERSION runtime (${missing[*]}) with $DAPR_TOOLCHAIN, tags $DAPR_TAGS: takes ~8 min once per machine"
mkdir -p "$bin.tmp"
cd "$REPO_ROOT/tools/dapr"
export GOTOOLCHAIN=$DAPR_TOOLCHAIN GOFLAGS=-mod=mod
for c in "${missing[@]}"; do
  start=$SECONDS
  printf '    building %-10s ' "$c"
  # go prints nothing while it compiles; a dot every 10 s shows progress.
  ( while sleep 10; do printf '.'; done ) & ticker=$!
  if ! go build -trimpath -tags "$DAPR_TAGS" -ldflags "$DAPR_LDFLAGS" \
      -o "$bin.tmp/$c" "github.com/dapr/dapr/cmd/$c" 2>"$bin.tmp/$c.log"; then
    kill $ticker 2>/dev/null; echo
    cat "$bin.tmp/$c.log" >&2
    die "building $c failed"
  fi
  kill $ticker 2>/dev/null; wait $ticker 2>/dev/null || true
  echo " $((SECONDS - start)) s"
done
mkdir -p "$bin"
for c in "${missing[@]}"; do mv "$bin.tmp/$c" "$bin/$c"; done
rm -rf "$bin.tmp"
"$bin/daprd" --version | grep -q "^$DAPR_VERSION" || die "daprd --version does not say $DAPR_VERSION"
ok "dapr $DAPR_VERSION runtime built into $bin"
