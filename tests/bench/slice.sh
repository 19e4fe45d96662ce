#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# switch-only's time slicing (bench/scenarios/switch-only.sh, so_sliced): a
# system is stopped except while it is measured, a frozen one is still
# stopped quickly on exit, a system that did not start gives its reason, and
# two nfvswitch instances get their own DPDK prefix and log.
# Usage: slice.sh SCENARIO_DIR
set -euo pipefail
SC_DIR=$1
. "$SC_DIR/lib.sh"
. "$SC_DIR/switch-only.sh"
log() { :; }
fail() { echo "FAIL: $*" >&2; exit 1; }
state() { awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || echo gone; }

# Stands for a DPDK application: stops on SIGINT (a background job of a
# script starts with SIGINT ignored; Python installs its own handler).
ready=$(mktemp)
python3 -c 'import signal, sys, time
signal.signal(signal.SIGINT, lambda *a: sys.exit(0))
open(sys.argv[1], "w").write("ready")
time.sleep(300)' "$ready" &
pid=$!
pid2=""
for _ in $(seq 1 100); do [ -s "$ready" ] && break; sleep 0.1; done
rm -f "$ready"
trap 'kill -KILL $pid 2>/dev/null || true' EXIT
SO_PID[fake]=$pid
so_freeze fake
[ "$(state "$pid")" = T ] || fail "so_freeze: state $(state "$pid"), not T"

# Measured while running, frozen again after.
seen=""
so_sample() { seen=$(state "${SO_PID[$1]}"); RES="42 1.0"; }
so_sliced fake
[ "$seen" != T ] || fail "so_sliced measured a frozen system"
[ "$RES" = "42 1.0" ] || fail "so_sliced: RES '$RES'"
[ "$(state "$pid")" = T ] || fail "so_sliced left the system running"

# A system that did not start: its reason, no measurement.
SO_PID[down]=""
SO_DOWN[down]="n/a n/a needs-3-cpus"
seen=none
so_sliced down
[ "$RES" = "n/a n/a needs-3-cpus" ] && [ "$seen" = none ] || fail "so_sliced of a system down: '$RES'"

# Stopping a frozen process does not wait for SIGTERM's or SIGKILL's turn.
t0=$(date +%s%N)
stop_pid "$pid"
ms=$((($(date +%s%N) - t0) / 1000000))
kill -0 "$pid" 2>/dev/null && fail "stop_pid left a frozen process"
[ "$ms" -lt 2500 ] || fail "stop_pid of a frozen process took $ms ms"

# Memory for all the systems at once, or one at a time.
HUGE=0 MEM_MB=1
so_slice_fits 4 || fail "so_slice_fits: 4 MiB should fit"
MEM_MB=$((1 << 40))
! so_slice_fits 4 || fail "so_slice_fits: 4 x 1 TiB fits"
MEM_MB=1 SLICE=0
! so_slice_fits 4 || fail "so_slice_fits with --no-slice"

# Two nfvswitch instances side by side.
TAG=t1 RUNDIR=$(mktemp -d) CTRL_CORE=0 FWD_CORES=(1)
trap 'kill -KILL $pid $pid2 2>/dev/null || true; rm -rf "$RUNDIR"' EXIT
nfv_config "$RUNDIR/a.yaml" "" ""
NFV_INST=-emc0 nfv_config "$RUNDIR/b.yaml" "" ""
grep -q "file_prefix: vsb-nfv-t1$" "$RUNDIR/a.yaml" || fail "first instance's prefix"
grep -q "file_prefix: vsb-nfv-emc0-t1$" "$RUNDIR/b.yaml" || fail "second instance's prefix"

# The second instance refused its config: stopping it leaves the first (a
# stand-in for it, its pid in NFV_PID) running.
sleep 300 &
pid2=$!
SO_PID[nfvswitch]=$pid2 NFV_PID=$pid2
WORKERS=1 NCPU=2 BENCH=true NFVSWITCH=/bin/false SO_MASKS=1 SO_PORT_ONLY=() SO_PCAP=/dev/null
! so_up nfv-emc0 || fail "so_up of a refused config"
so_down nfv-emc0
kill -0 "$pid2" 2>/dev/null || fail "stopping the refused second instance stopped the first"
[ -f "$RUNDIR/nfvswitch-emc0-check.log" ] || fail "the second instance's check log"
echo ok
