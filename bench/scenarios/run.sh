#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# nfvswitch benchmark scenarios, one command each:
#
#   bench/scenarios/run.sh switch-only [--quick] [options]
#   bench/scenarios/run.sh p2p         [--quick] [options]
#   bench/scenarios/run.sh pvp         [--quick] [options]
#   bench/scenarios/run.sh phy-vhost   [--quick] [options]
#   bench/scenarios/run.sh pvvp        [--quick] [options]
#   bench/scenarios/run.sh latency     [--quick] [options]
#   bench/scenarios/run.sh memory      [--quick] [options]
#   bench/scenarios/run.sh scaling     [--quick] [--workers-list 1,2,4,8]
#   bench/scenarios/run.sh all         [options]   the table of docs/bench.md
#
# Each starts everything it needs in a private run directory, runs the same
# workload through nfvswitch, OVS-DPDK and dpdk-testpmd (io mode, the I/O
# limit) pinned to the same cores, tears everything down and prints one
# table with Mpps and the ratios nfvswitch/OVS and nfvswitch/testpmd.
# Results are also written as CSV under $RESULTS_DIR. See docs/bench.md.
#
# Options:
#   --quick            fewer points and shorter windows (a couple of minutes)
#   --flows LIST       flow counts (switch-only, pvvp, latency; default
#                      1,1k,4k,10k,50k,100k,1M in switch-only)
#   --systems LIST     any of nfvswitch,nfv-emc0,ovs,testpmd (default all;
#                      nfv-emc0: nfvswitch with classifier.emc_entries: 0)
#   --rounds N         interleaved rounds per point (default 3; switch-only,
#                      pvvp, scaling)
#   --workers N        forwarding cores per system, each with its own ports
#                      (switch-only; default 1)
#   --workers-list L   worker counts of the scaling curve (default 1,2,4,8)
#   --ovs-cache LIST   OVS cache settings tried per point, best kept
#                      (default emc,noemc,smc)
#   --warmup S         seconds before measuring (default 3, quick 1)
#   --window S         measurement window in seconds (default 5, quick 2)
#   --no-slice         switch-only, scaling: start and stop each system for
#                      each measurement instead of starting every system of
#                      a point once and measuring them in turn while the
#                      others are stopped (SIGSTOP; the default when memory
#                      for all of them is free)
#   --keep             keep the run directory (configs, logs)
#   --huge             hugepages for every DPDK process (needs about 3 GiB
#                      free in 2 MiB pages); --no-huge: never. Default: when
#                      enough are free
# Environment: BUILD (build dir, default ./build), NFVSWITCH, BENCH, TESTPMD,
# OVS_VSWITCHD (binaries), MEM_MB, RESULTS_DIR.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; }

[ $# -ge 1 ] || { usage >&2; exit 2; }
case $1 in -h|--help) usage; exit 0 ;; esac
SCENARIO=$1
shift
ARGS=("$@")
QUICK=0
FLOWS_LIST=""
SYSTEMS="nfvswitch,ovs,testpmd"
SYSTEMS_SET=""
WORKERS_LIST=""
WARMUP=""
WINDOW=""
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--flows) FLOWS_LIST=$2; shift ;;
	--systems) SYSTEMS=$2; SYSTEMS_SET=1; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--workers) WORKERS=$2; shift ;;
	--workers-list) WORKERS_LIST=$2; shift ;;
	--ovs-cache) OVS_CACHE_MODES=$2; shift ;;
	--no-huge) HUGE=0 ;;
	--warmup) WARMUP=$2; shift ;;
	--window) WINDOW=$2; shift ;;
	--keep) KEEP=1 ;;
	--no-slice) SLICE=0 ;;
	--huge) HUGE=1 ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift
done
if [ "$QUICK" = 1 ]; then
	WARMUP=${WARMUP:-1}
	WINDOW=${WINDOW:-2}
else
	WARMUP=${WARMUP:-3}
	WINDOW=${WINDOW:-5}
fi
want() { [[ ",$SYSTEMS," == *",$1,"* ]]; }

# 1k -> 1000, 1M -> 1000000
expand_count() {
	case $1 in
	*[kK]) echo $(( ${1%[kK]} * 1000 )) ;;
	*[mM]) echo $(( ${1%[mM]} * 1000000 )) ;;
	*) echo "$1" ;;
	esac
}

case $SCENARIO in
switch-only|p2p|pvp|phy-vhost|pvvp|latency|memory|scaling) ;;
all)
	# The table of docs/bench.md, one run: every scenario in turn.
	rc=0
	for s in switch-only pvvp p2p pvp latency memory; do
		"$0" "$s" "${ARGS[@]}" || rc=$?
	done
	exit $rc ;;
*) usage >&2; die "unknown scenario '$SCENARIO'" ;;
esac

[ "$(id -u)" = 0 ] || die "the scenarios start DPDK processes and OVS: run them as root"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds: a positive integer, not '$ROUNDS'"
[[ $WORKERS =~ ^[1-9][0-9]*$ ]] || die "--workers: a positive integer, not '$WORKERS'"
rundir_init
env_describe
huge_auto
need_bench
mkdir -p "$RESULTS_DIR"
RESULT_CSV="$RESULTS_DIR/$SCENARIO-$(date +%Y%m%d-%H%M%S).csv"

. "$SC_DIR/$SCENARIO.sh"
scenario_main
