#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# p2p: generator -> net_memif -> switch -> net_memif -> generator.
#
# The switch (or OVS-DPDK, or testpmd in io mode) owns two memif server
# ports; nfvswitch-bench connects to both as a client, sends on the first
# and receives on the second, and runs an RFC 2544 search (NDR, PDR) with
# latency at fractions of NDR, for each frame size and flow count. The table
# compares the NDRs; the latency table follows. Sourced by run.sh.

. "$SC_DIR/table.sh"

GEN_USED=1
LAT_ROWS=()

memif_dev() { # memif_dev N ROLE
	echo "net_memif$1,role=$2,id=0,socket=$RUNDIR/memif$1.sock,socket-abstract=no"
}

wait_file() { # wait_file PATH SECONDS
	local i
	for i in $(seq 1 $(($2 * 10))); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}

# gen_rfc2544 SYSTEM: run the search against whatever serves the memif sockets
gen_rfc2544() {
	local sys=$1 fr=(--lat-fractions "$LAT_FRACTIONS")
	wait_file "$RUNDIR/memif0.sock" 20 && wait_file "$RUNDIR/memif1.sock" 20 ||
		{ note "$sys: memif sockets did not appear"; return 1; }
	log "  $sys: RFC 2544 search (progress in $RUNDIR/gen-$sys.log)"
	taskset -c "$GEN_CORES" "$BENCH" -l "$GEN_CORES" --no-huge -m 512 \
		--file-prefix "vsb-gen-$TAG" --no-pci --no-telemetry --log-level='*:warning' ${GEN_EAL_EXTRA:-} \
		--vdev="$(memif_dev 0 client)" --vdev="$(memif_dev 1 client)" -- rfc2544 \
		--tx-port 0 --rx-port 1 --sizes "$SIZES" --flows-list "$P2P_FLOWS" \
		--masks "$MASKS" --trial "$TRIAL" --resolution "$RESOLUTION" "${fr[@]}" \
		--max-iter "$MAX_ITER" --link-wait 15 \
		--json "$RUNDIR/gen-$sys.json" --csv "$RUNDIR/gen-$sys.csv" \
		--lat-csv "$RUNDIR/gen-$sys-lat.csv" > "$RUNDIR/gen-$sys.out" 2> "$RUNDIR/gen-$sys.log" ||
		{ note "$sys: generator failed: $(tail -2 "$RUNDIR/gen-$sys.log" | tr '\n' ' ')"; return 1; }
	cat "$RUNDIR/gen-$sys.out" >&2
}

# ndr SYSTEM SIZE FLOWS -> pps (n/a when missing)
ndr() {
	local f="$RUNDIR/gen-$1.csv"
	[ -f "$f" ] || { echo n/a; return; }
	awk -F, -v s="$2" -v n="$3" 'NR > 1 && $1 == s && $2 == n { printf "%.0f", $5 * 1e6; found = 1 }
		END { if (!found) print "n/a" }' "$f"
}

p2p_system() { # p2p_system SYSTEM
	local sys=$1 a b
	rm -f "$RUNDIR"/memif*.sock
	a=$(memif_dev 0 server)
	b=$(memif_dev 1 server)
	case $sys in
	testpmd)
		testpmd_start "$a" "$b" && gen_rfc2544 testpmd
		testpmd_stop ;;
	ovs)
		"$BENCH" rules --format ofctl --in-port 1 --out-port 2 --masks "$MASKS" > "$RUNDIR/flows.of"
		if ovs_start && ovs_add_port m0 1 "$a" && ovs_add_port m1 2 "$b" &&
		   ovs_flows "$RUNDIR/flows.of"; then
			gen_rfc2544 ovs
		else
			note "OVS-DPDK p2p setup failed"
		fi
		ovs_stop ;;
	nfvswitch)
		nfv_config "$RUNDIR/nfvswitch.yaml" \
"  - {name: m0, type: ethdev, device: \"$a\"}
  - {name: m1, type: ethdev, device: \"$b\"}" \
			"$("$BENCH" rules --format yaml --in-port m0 --out-port m1 --masks "$MASKS")"
		nfv_start "$RUNDIR/nfvswitch.yaml" && gen_rfc2544 nfvswitch
		nfv_stop ;;
	esac
}

scenario_main() {
	local sys s f
	if [ "$QUICK" = 1 ]; then
		SIZES=${SIZES:-64}
		P2P_FLOWS=${FLOWS_LIST:-1000}
		TRIAL=${TRIAL:-1}
		LAT_FRACTIONS=${LAT_FRACTIONS:-0.5,0.9}
		RESOLUTION=${RESOLUTION:-2}
		MAX_ITER=${MAX_ITER:-6}
	else
		SIZES=${SIZES:-64,128,256,512,1024,1280,1518,imix}
		P2P_FLOWS=${FLOWS_LIST:-1,1000,100000}
		TRIAL=${TRIAL:-2}
		LAT_FRACTIONS=${LAT_FRACTIONS:-0.1,0.5,0.9,1}
		RESOLUTION=${RESOLUTION:-0.5}
		MAX_ITER=${MAX_ITER:-12}
	fi
	MASKS=${MASKS:-1}
	log "p2p: $CORE_PLAN; $GEN_NOTE"
	[ "$NCPU" -ge 3 ] || note "2 CPUs: the generator shares core 0 with the control threads; NDRs are bounded by the generator (marked * in the logs)"
	for sys in testpmd ovs nfvswitch; do
		if want "$sys"; then p2p_system "$sys" || true; fi
	done
	for s in ${SIZES//,/ }; do
		for f in ${P2P_FLOWS//,/ }; do
			f=$(expand_count "$f")
			table_row "p2p ${s}B" "$f" "$MASKS" prefix "$(ndr nfvswitch "$s" "$f")" \
				"$(ndr ovs "$s" "$f")" "$(ndr testpmd "$s" "$f")"
		done
	done
	table_print "p2p: generator -> memif -> switch -> memif -> generator, RFC 2544 NDR"
	echo
	echo "latency (us) at fractions of each system's own NDR:"
	printf '%-10s %-6s %8s %5s %9s %9s %9s %9s %9s\n' system size flows load min p50 p99 p99.9 max
	for sys in nfvswitch ovs testpmd; do
		[ -f "$RUNDIR/gen-$sys-lat.csv" ] || continue
		awk -F, -v sys="$sys" 'NR > 1 { printf "%-10s %-6s %8s %4.0f%% %9.3f %9.3f %9.3f %9.3f %9.3f\n",
			sys, $1, $2, $4 * 100, $8 / 1e3, $10 / 1e3, $11 / 1e3, $12 / 1e3, $13 / 1e3 }' \
			"$RUNDIR/gen-$sys-lat.csv"
	done
	cp "$RUNDIR"/gen-*.json "$RUNDIR"/gen-*.csv "$RESULTS_DIR/" 2>/dev/null || true
	echo "(generator JSON/CSV per system copied to $RESULTS_DIR; plot: bench/scenarios/plot.sh)"
}
