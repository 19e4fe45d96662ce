#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set up (scripts/setup.sh) and run the switch. With no arguments it runs on the
# built-in default configuration (config/examples/demo.yaml, compiled in): a
# generated multi-flow 64-byte capture replayed in a loop as the uplink and
# forwarded by rules to sink ports, no NIC needed. Ctrl-C stops it and prints totals.
# Arguments are passed to nfvswitch, e.g. `scripts/run.sh -c my.yaml` or
# `scripts/run.sh --duration 10`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$here/scripts/setup.sh"
build_dir=${NFVSWITCH_BUILD_DIR:-$here/build}
echo "[run] $build_dir/app/nfvswitch $*"
exec "$build_dir/app/nfvswitch" "$@"
