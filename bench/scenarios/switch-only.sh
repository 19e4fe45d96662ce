#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# switch-only: net_pcap replay -> switch -> net_null. No generator core: the
# switch's own core reads the capture (infinite_rx) and the sink swallows
# what it forwards, so this measures the forwarding core alone.
#
# Points: flow counts (1, 1k, 4k, 10k, 50k, 100k, 1M) with one ip_dst prefix
# rule (1 wildcard mask) and with 8 prefix rules of 8 lengths (8 masks), and
# port-only rules (in_port -> output). The capture holds max(flows, 1024)
# frames of 64 bytes, every flow a distinct 5-tuple (nfvswitch-bench pcap).
#
# Systems, measured in interleaved rounds (rounds.sh), time-sliced when
# memory allows (so_freeze, below; run.sh --no-slice: one at a time): nfvswitch with its
# defaults, nfvswitch with classifier.emc_entries: 0 ("nfv-emc0": the EMC
# policy's reference, the default should be within 5 % of the better of the
# two), OVS-DPDK at its best cache setting of the point (EMC on, EMC off,
# SMC: OVS_CACHE_MODES, each measured on the same running OVS after a
# datapath flush), and dpdk-testpmd io (the I/O limit).
#
# OVS is set up as its documentation says for benchmarking: fail-mode secure,
# PMD and DPDK lcore masks, the sink ports and the rules before the source
# ports (whose capture starts replaying as soon as they start), and the
# datapath's flows and their ukeys purged after the rules (revalidator/purge).
#
# With WORKERS=N (run.sh --workers N), every system gets N forwarding cores
# and N source/sink port pairs (source i -> sink i), one per core.
#
# Sourced by run.sh (scenario_main).

. "$SC_DIR/table.sh"
. "$SC_DIR/rounds.sh"

so_srcs() { local i out=(); for ((i = 0; i < WORKERS; i++)); do out+=("net_pcap$i,rx_pcap=$SO_PCAP,infinite_rx=1"); done; echo "${out[@]}"; }
so_sinks() { local i out=(); for ((i = 0; i < WORKERS; i++)); do out+=("net_null$i,no-rx=1"); done; echo "${out[@]}"; }
so_names() { local i out=(); for ((i = 0; i < WORKERS; i++)); do out+=("$1$i"); done; echo "${out[@]}"; }

# so_share PREFIX: "pps share" of the process's sources and sinks
so_share() {
	local in out
	in=$(ports_by_name "$1" $(so_names net_pcap)) && out=$(ports_by_name "$1" $(so_names net_null)) ||
		{ echo "n/a n/a"; return; }
	measure_share "$1" "$in" "$out"
}

# so_up SYSTEM: start SYSTEM on the point's capture and rules and leave it
# forwarding: SO_PID[SYSTEM] is the process to freeze and stop, SO_PFX[SYSTEM]
# its DPDK file prefix. Fails (RES saying why when it is not a failure to
# start) when it cannot run.
declare -A SO_PID=() SO_PFX=() SO_DOWN=()
so_up() {
	local sys=$1 i srcs sinks ports="" rules=""
	if [ "$sys" != ovs ] && ! fwd_fits; then
		RES="n/a n/a needs-$((WORKERS + 1))-cpus"
		return 1
	fi
	read -r -a srcs <<< "$(so_srcs)"
	read -r -a sinks <<< "$(so_sinks)"
	case $sys in
	testpmd)
		local devs=()
		for ((i = 0; i < WORKERS; i++)); do devs+=("${srcs[$i]}" "${sinks[$i]}"); done
		# a testpmd that started but never got ready is stopped too
		TP_PID=""
		testpmd_start "${devs[@]}" || { SO_PID[$sys]=$TP_PID; return 1; }
		SO_PID[$sys]=$TP_PID
		SO_PFX[$sys]=$TP_PREFIX ;;
	ovs)
		: > "$RUNDIR/flows.of"
		for ((i = 0; i < WORKERS; i++)); do
			"$BENCH" rules --format ofctl --in-port $((2 * i + 1)) --out-port $((2 * i + 2)) \
				--masks "$SO_MASKS" "${SO_PORT_ONLY[@]}" >> "$RUNDIR/flows.of"
		done
		local ok=1
		ovs_start || ok=0
		for ((i = 0; i < WORKERS && ok; i++)); do
			ovs_add_port s$i $((2 * i + 2)) "${sinks[$i]}" || ok=0
		done
		[ $ok = 1 ] && ovs_flows "$RUNDIR/flows.of" || ok=0
		for ((i = 0; i < WORKERS && ok; i++)); do
			ovs_add_port p$i $((2 * i + 1)) "${srcs[$i]}" || ok=0
		done
		if [ $ok = 0 ]; then
			note "OVS-DPDK failed at $SO_POINT (log kept in run dir with --keep)"
			return 1
		fi
		SO_PID[$sys]=$(cat "$OVS_RUN/ovs-vswitchd.pid")
		SO_PFX[$sys]=$OVS_PREFIX ;;
	nfvswitch|nfv-emc0)
		for ((i = 0; i < WORKERS; i++)); do
			ports+="  - {name: uplink$i, type: ethdev, device: \"${srcs[$i]}\"}"$'\n'
			ports+="  - {name: sink$i, type: ethdev, device: \"${sinks[$i]}\"}"$'\n'
			rules+="$("$BENCH" rules --format yaml --in-port uplink$i --out-port sink$i \
				--masks "$SO_MASKS" "${SO_PORT_ONLY[@]}" | { [ "$i" = 0 ] && cat || grep -v '^rules:'; })"$'\n'
		done
		# the two nfvswitch systems may run side by side (time-sliced)
		local emc="" inst=""
		[ "$sys" = nfv-emc0 ] && emc=0 inst=-emc0
		NFV_INST=$inst NFV_EMC_ENTRIES=$emc nfv_config "$RUNDIR/nfvswitch$inst.yaml" "${ports%$'\n'}" "${rules%$'\n'}"
		NFV_INST=$inst nfv_start "$RUNDIR/nfvswitch$inst.yaml" || { SO_PID[$sys]=$NFV_PID; return 1; }
		SO_PID[$sys]=$NFV_PID
		SO_PFX[$sys]=$NFV_PREFIX
		[ "${NFV_TELEMETRY:-0}" = 1 ] || { note "nfvswitch has no telemetry socket: not measured"; return 1; } ;;
	esac
}

# so_sample SYSTEM (sets RES): measure a running system; OVS at each of its
# cache settings, the best kept.
so_sample() {
	if [ "$1" = ovs ]; then
		ovs_best_cache so_share
	else
		RES=$(so_share "${SO_PFX[$1]}")
	fi
}

so_down() { # so_down SYSTEM
	case $1 in
	ovs) ovs_stop ;;
	*) stop_pid "${SO_PID[$1]:-}" ;;
	esac
	SO_PID[$1]=""
}

# so_measure SYSTEM (sets RES): start, measure, stop (one system at a time).
so_measure() {
	if so_up "$1"; then so_sample "$1"; fi
	so_down "$1"
}

# Time slicing: every system of a point is started once, and all but the one
# being measured are stopped (SIGSTOP) while it runs alone on the forwarding
# core. A round then takes seconds, not the minute that starting OVS,
# testpmd and two nfvswitches (each loading the capture) takes, so the
# measurements a per-round ratio compares lie seconds apart: the host's slow
# spells (a minute or two on a shared VM) hit both sides of a ratio alike.
# Each measurement starts with the same warm-up after the system runs again
# (its caches are cold from the others'). Needs memory for all the systems at
# once (so_slice_fits); otherwise, or with run.sh --no-slice, one at a time.
so_freeze() { kill -STOP "${SO_PID[$1]}" 2>/dev/null || true; }
so_thaw() { kill -CONT "${SO_PID[$1]}" 2>/dev/null || true; }

# so_slice_fits N: memory for N systems of MEM_MB each (hugepages when they
# are used, else available memory less 2 GiB).
so_slice_fits() {
	local have
	[ "${SLICE:-auto}" != 0 ] || return 1
	if [ "$HUGE" = 1 ]; then
		have=$(awk '/^HugePages_Free:/ { f = $2 } /^Hugepagesize:/ { s = $2 } END { print int(f * s / 1024) }' /proc/meminfo)
	else
		have=$(( $(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) / 1024 - 2048 ))
	fi
	[ "$have" -ge $(($1 * MEM_MB)) ]
}

so_sliced() { # so_sliced SYSTEM (sets RES): thaw, measure, freeze
	if [ -z "${SO_PID[$1]:-}" ]; then
		RES=${SO_DOWN[$1]:-"n/a n/a"}
		return 0
	fi
	so_thaw "$1"
	so_sample "$1"
	so_freeze "$1"
}

# so_point FLOWS MASKS RULES(prefix|port)
so_point() {
	local flows=$1 count mem systems=() s
	SO_MASKS=$2
	SO_PORT_ONLY=()
	[ "$3" = port ] && SO_PORT_ONLY=(--port-only)
	SO_POINT="$flows flows/$2 masks/$3"
	count=$(( flows > 1024 ? flows : 1024 ))
	SO_PCAP="$RUNDIR/flows-$flows-$2.pcap"
	[ -f "$SO_PCAP" ] || "$BENCH" pcap -o "$SO_PCAP" --flows "$flows" --masks "$2" --size 64 \
		--count "$count" > /dev/null || die "cannot write $SO_PCAP"
	# net_pcap infinite_rx keeps the whole capture in mbufs, per source port:
	# size memory for it (5 KiB a frame: a 1M-frame pool fails at 4 GiB under
	# --no-huge; on hugepages an mbuf of 2 KiB data room takes about 2.3 KiB).
	if [ "$HUGE" = 1 ]; then
		mem=$(( 1024 + WORKERS * count * 3 / 1024 ))
	else
		mem=$(( 1024 + WORKERS * count * 5 / 1024 ))
	fi
	local save_mem=$MEM_MB
	MEM_MB=$mem
	TP_MBUFS=$(( WORKERS * count + 32768 ))
	NFV_MBUFS=$TP_MBUFS
	log "point: $SO_POINT, $WORKERS worker(s) (memory $mem MiB)"
	SO_DOWN=()
	for s in nfvswitch nfv-emc0 ovs testpmd; do
		want "$s" && systems+=("$s")
	done
	if so_slice_fits ${#systems[@]}; then
		note "time-sliced: each point starts every system once; all but the one measured are stopped (SIGSTOP) meanwhile, so a round's measurements lie seconds apart"
		for s in "${systems[@]}"; do
			RES="n/a n/a"
			if so_up "$s"; then
				so_freeze "$s"
			else
				SO_DOWN[$s]=$RES
				so_down "$s"
			fi
		done
		rounds_point "${SO_LABEL:-switch-only}" "$flows" "$2" "$3" so_sliced "${systems[@]}"
		for s in "${systems[@]}"; do so_down "$s"; done
	else
		[ "${SLICE:-auto}" = 0 ] ||
			note "one system at a time at $SO_POINT: memory for all at once ($((${#systems[@]} * mem)) MiB) is not free"
		rounds_point "${SO_LABEL:-switch-only}" "$flows" "$2" "$3" so_measure "${systems[@]}"
	fi
	MEM_MB=$save_mem
}

scenario_main() {
	local f flows_list
	[ -n "${SYSTEMS_SET:-}" ] || SYSTEMS="nfvswitch,nfv-emc0,ovs,testpmd"
	if [ -n "$FLOWS_LIST" ]; then
		flows_list=${FLOWS_LIST//,/ }
	elif [ "$QUICK" = 1 ]; then
		flows_list="1 10k"
	else
		flows_list="1 1k 4k 10k 50k 100k 1M"
	fi
	log "switch-only: $CORE_PLAN"
	want ovs && note "OVS-DPDK: the best per point of its cache settings $OVS_CACHE_MODES (emc: EMC on, emc-insert-inv-prob=100; noemc: =0; smc: EMC off, smc-enable=true)"
	for f in $flows_list; do
		so_point "$(expand_count "$f")" 1 prefix
	done
	if [ -z "${MASKS_ONLY_1:-}" ]; then
		for f in $flows_list; do
			so_point "$(expand_count "$f")" 8 prefix
		done
	fi
	so_point 10000 1 port
	[ "$QUICK" = 1 ] || so_point 1 1 port
	rounds_print "switch-only: net_pcap -> switch -> net_null, 64-byte frames, $WORKERS worker(s)"
}
