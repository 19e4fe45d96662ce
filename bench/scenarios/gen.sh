#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Generator helpers shared by the p2p and pvp scenarios (sourced): memif
# devargs, the RFC 2544 run of nfvswitch-bench, reading its NDR back, and the
# latency table.

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
	taskset -c "$GEN_CORES" "$BENCH" -l "$GEN_CORES" $(eal_mem_args) -m 512 \
		--file-prefix "vsb-gen-$TAG" --no-pci --no-telemetry --log-level='*:warning' ${GEN_EAL_EXTRA:-} \
		--vdev="$(memif_dev 0 client)" --vdev="$(memif_dev 1 client)" -- rfc2544 \
		--tx-port 0 --rx-port 1 --rx-queues "${GEN_RXQ:-1}" \
		--sizes "$SIZES" --flows-list "$GEN_FLOWS" \
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

# lat_table: latency rows of every system that ran
lat_table() {
	local sys
	echo
	echo "latency (us) at fractions of each system's own NDR:"
	printf '%-10s %-6s %8s %5s %9s %9s %9s %9s %9s\n' system size flows load min p50 p99 p99.9 max
	for sys in nfvswitch ovs testpmd; do
		[ -f "$RUNDIR/gen-$sys-lat.csv" ] || continue
		awk -F, -v sys="$sys" 'NR > 1 { printf "%-10s %-6s %8s %4.0f%% %9.3f %9.3f %9.3f %9.3f %9.3f\n",
			sys, $1, $2, $4 * 100, $8 / 1e3, $10 / 1e3, $11 / 1e3, $12 / 1e3, $13 / 1e3 }' \
			"$RUNDIR/gen-$sys-lat.csv"
	done
	for sys in nfvswitch ovs testpmd; do
		[ -f "$RUNDIR/gen-$sys.csv" ] && cp "$RUNDIR/gen-$sys.csv" "$RESULTS_DIR/$SCENARIO-gen-$sys.csv"
		[ -f "$RUNDIR/gen-$sys.json" ] && cp "$RUNDIR/gen-$sys.json" "$RESULTS_DIR/$SCENARIO-gen-$sys.json"
		[ -f "$RUNDIR/gen-$sys-lat.csv" ] && cp "$RUNDIR/gen-$sys-lat.csv" "$RESULTS_DIR/$SCENARIO-gen-$sys-lat.csv"
	done
	echo "(generator JSON/CSV per system in $RESULTS_DIR/$SCENARIO-gen-*; plots: bench/scenarios/plot.sh $RESULTS_DIR/$SCENARIO-gen-nfvswitch.csv)"
	return 0
}

# search_defaults: RFC 2544 parameters, shorter with --quick
search_defaults() {
	if [ "$QUICK" = 1 ]; then
		SIZES=${SIZES:-64}
		GEN_FLOWS=${FLOWS_LIST:-1000}
		TRIAL=${TRIAL:-1}
		LAT_FRACTIONS=${LAT_FRACTIONS:-0.5,0.9}
		RESOLUTION=${RESOLUTION:-2}
		MAX_ITER=${MAX_ITER:-6}
	else
		SIZES=${SIZES:-64,128,256,512,1024,1280,1518,imix}
		GEN_FLOWS=${FLOWS_LIST:-1,1000,100000}
		TRIAL=${TRIAL:-2}
		LAT_FRACTIONS=${LAT_FRACTIONS:-0.1,0.5,0.9,1}
		RESOLUTION=${RESOLUTION:-0.5}
		MAX_ITER=${MAX_ITER:-12}
	fi
	MASKS=${MASKS:-1}
}

# ndr_rows LABEL: one table row per size and flow count
ndr_rows() {
	local s f
	for s in ${SIZES//,/ }; do
		for f in ${GEN_FLOWS//,/ }; do
			f=$(expand_count "$f")
			table_row "$1 size $s" "$f" "$MASKS" prefix "$(ndr nfvswitch "$s" "$f")" \
				"$(ndr ovs "$s" "$f")" "$(ndr testpmd "$s" "$f")"
		done
	done
}
