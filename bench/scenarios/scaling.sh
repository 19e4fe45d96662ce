#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# scaling: the switch-only workload (net_pcap -> switch -> net_null) with N
# forwarding cores, N in WORKERS_LIST (--workers-list, default 1,2,4,8):
# nfvswitch with N workers, OVS-DPDK with N PMDs (pmd-cpu-mask), testpmd io
# with N forwarding cores; each core gets its own source and sink port (the
# source replays the same capture). Every N is measured in interleaved
# rounds (rounds.sh); then the curve: Mpps per system and the speed-up over
# N = 1. The point: SCALING_FLOWS flows (default 10k) over SCALING_MASKS
# masks (default 1).
#
# nfvswitch and testpmd need N + 1 CPUs (a control core and N forwarding
# cores); at larger N they are skipped and the row says so. A machine with
# at least 9 CPUs runs the whole default curve.
#
# Sourced by run.sh (scenario_main).

. "$SC_DIR/switch-only.sh"

scenario_main() {
	local n list=${WORKERS_LIST:-1,2,4,8} flows masks
	flows=$(expand_count "${SCALING_FLOWS:-10k}")
	masks=${SCALING_MASKS:-1}
	[ "$QUICK" = 1 ] && [ -z "$WORKERS_LIST" ] && list=1,2
	[ -n "${SYSTEMS_SET:-}" ] || SYSTEMS="nfvswitch,ovs,testpmd"
	want ovs && note "OVS-DPDK: the best per point of its cache settings $OVS_CACHE_MODES"
	for n in ${list//,/ }; do
		[[ $n =~ ^[1-9][0-9]*$ ]] || die "--workers-list: positive integers, not '$n'"
		WORKERS=$n
		fwd_plan
		log "scaling: $n worker(s): $CORE_PLAN"
		SO_LABEL="workers=$n"
		so_point "$flows" "$masks" prefix
	done
	rounds_print "scaling: switch-only ($flows flows, $masks mask(s)) with N forwarding cores"
	echo
	echo "scaling curve (median Mpps; speed-up over 1 worker):"
	printf '%8s %12s %8s %12s %8s %12s %8s\n' workers nfvswitch "x" OVS-best "x" testpmd "x"
	local r label fl ma ru nv ns nx ev es ex ov os ox tv ts tx n1=n/a o1=n/a t1=n/a mn mo mt
	for r in "${RROWS[@]}"; do
		IFS='|' read -r label fl ma ru nv ns nx ev es ex ov os ox tv ts tx <<< "$r"
		mn=$(median "$nv"); mo=$(median "$ov"); mt=$(median "$tv")
		if [ "$label" = workers=1 ]; then n1=$mn o1=$mo t1=$mt; fi
		printf '%8s %12s %8s %12s %8s %12s %8s\n' "${label#workers=}" \
			"$(mpps "$mn")" "$(fmt2 "$(ratio "$mn" "$n1")")" \
			"$(mpps "$mo")" "$(fmt2 "$(ratio "$mo" "$o1")")" \
			"$(mpps "$mt")" "$(fmt2 "$(ratio "$mt" "$t1")")"
	done
	[ "$(nproc)" -ge 9 ] || echo "(this machine has $(nproc) CPUs: points with N + 1 > $(nproc) have no nfvswitch/testpmd value)"
}
