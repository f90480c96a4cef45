#!/usr/bin/env bash
# dapr-bin-dir.sh: prints the cache folder of the pinned Dapr runtime build (for the Makefile).
source "$(dirname "$0")/lib.sh"
dapr_bin_dir
