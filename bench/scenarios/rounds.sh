#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Interleaved rounds (sourced by the scenarios that measure a fixed load:
# switch-only, pvvp). Every point measures each system ROUNDS times; round r
# starts with the system after round r-1's first one, so that no system is
# always measured first (after a cold start of the host) or always last, and
# a slow spell of the host lands on different systems. A system's value is
# the median of its rounds; a ratio is the median of the per-round ratios
# (both measured in the same round, so closer in time than the medians).
#
# Each measurement also gives the share of the input the system forwarded
# (packets out of the sink ports / packets taken from the source ports over
# the same window): a row whose systems forwarded different shares (by more
# than 1 %) is flagged, since they then did not do the same work.

RROWS=()

# The larger of two rates (n/a loses).
best_of() {
	if [ "$1" = n/a ]; then echo "$2"; elif [ "$2" = n/a ]; then echo "$1"
	elif [ "$1" -ge "$2" ]; then echo "$1"; else echo "$2"; fi
}


# median of the numeric words of $1 ("n/a" ignored; none: n/a)
median() {
	tr ' ' '\n' <<< "$1" | awk '/^[0-9.eE+-]+$/ { v[n++] = $1 }
		END { if (!n) { print "n/a"; exit }
		      for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		      if (n % 2) print v[(n - 1) / 2]; else printf "%.6g\n", (v[n / 2 - 1] + v[n / 2]) / 2 }'
}

# two decimals (n/a stays)
fmt2() { awk -v v="$1" 'BEGIN { if (v == "n/a" || v == "") print "n/a"; else printf "%.2f", v }'; }

# per-round ratios of two lists: "1.52 1.49 1.60"
round_ratios() {
	local a=($1) b=($2) i out=""
	for ((i = 0; i < ${#a[@]} && i < ${#b[@]}; i++)); do
		out+="$(ratio "${a[$i]}" "${b[$i]}") "
	done
	echo "${out% }"
}

# rounds_point LABEL FLOWS MASKS RULES FN SYSTEM...: FN SYSTEM measures one
# system once and sets RES="PPS SHARE [NOTE]" (n/a when it failed).
rounds_point() {
	local label=$1 flows=$2 masks=$3 rules=$4 fn=$5 r k sys pps share extra
	shift 5
	local systems=("$@") n=$#
	declare -A V=() S=() X=()
	for ((r = 0; r < ROUNDS; r++)); do
		for ((k = 0; k < n; k++)); do
			sys=${systems[$(((k + r) % n))]}
			RES="n/a n/a"
			"$fn" "$sys" || true
			read -r pps share extra <<< "$RES"
			V[$sys]+="${pps:-n/a} "
			S[$sys]+="${share:-n/a} "
			X[$sys]+="${extra:--} "
			log "  round $((r + 1))/$ROUNDS $sys: $(mpps "${pps:-n/a}") Mpps, share ${share:-n/a}${extra:+, $extra}"
		done
	done
	local row="$label|$flows|$masks|$rules"
	for sys in nfvswitch nfv-emc0 ovs testpmd; do
		row+="|${V[$sys]:-}|${S[$sys]:-}|${X[$sys]:-}"
	done
	RROWS+=("$row")
}

rounds_print() {
	local title=$1 r f label flows masks rules
	local nv ns nx ev es ex ov os ox tv ts tx flag sh s smax
	echo
	echo "== $title =="
	env_print
	echo "# $ROUNDS interleaved rounds per point; values are medians, ratios medians of per-round ratios"
	printf '%-12s %8s %5s %-6s %9s %9s %9s %9s %8s %8s %8s %s\n' workload flows masks rules \
		nfvswitch "nfv-emc0" "OVS-best" testpmd nfv/OVS nfv/tpmd dfl/emc0 share
	printf '%-12s %8s %5s %-6s %9s %9s %9s %9s %8s %8s %8s\n' "" "" "" "" Mpps Mpps Mpps Mpps "" "" ""
	echo "scenario,workload,flows,masks,rules,nfvswitch_mpps,nfv_emc0_mpps,ovs_mpps,testpmd_mpps,nfv_over_ovs,nfv_over_testpmd,default_over_emc0,share_flag,rounds,nfv_rounds,nfv_emc0_rounds,ovs_rounds,testpmd_rounds,ovs_cache_modes,shares_nfv_emc0_ovs_tp,dpdk,ovs,cpu,cpus,workers,hugepages" > "$RESULT_CSV"
	for r in "${RROWS[@]}"; do
		IFS='|' read -r label flows masks rules nv ns nx ev es ex ov os ox tv ts tx <<< "$r"
		# share check: the medians of the systems measured must agree within 1 %
		flag=ok
		sh=""
		smax=0
		for s in "$ns" "$es" "$os" "$ts"; do
			[ -n "${s// /}" ] || continue
			s=$(median "$s")
			[ "$s" = n/a ] || s=$(awk -v v="$s" 'BEGIN { printf "%.4f", v }')
			sh+="$s "
			[ "$s" = n/a ] && continue
			smax=$(awk -v a="$s" -v b="$smax" 'BEGIN { print (a > b) ? a : b }')
		done
		for s in $sh; do
			[ "$s" = n/a ] && continue
			awk -v a="$s" -v m="$smax" 'BEGIN { exit !(a < m - 0.01) }' && flag="DIFFERS"
		done
		[ "$smax" = 0 ] && flag=n/a
		local mn me mo mt
		mn=$(median "$nv"); me=$(median "$ev"); mo=$(median "$ov"); mt=$(median "$tv")
		printf '%-12s %8s %5s %-6s %9s %9s %9s %9s %8s %8s %8s %s\n' "$label" "$flows" "$masks" \
			"$rules" "$(mpps "$mn")" "$(mpps "$me")" "$(mpps "$mo")" "$(mpps "$mt")" \
			"$(fmt2 "$(median "$(round_ratios "$nv" "$ov")")")" "$(fmt2 "$(median "$(round_ratios "$nv" "$tv")")")" \
			"$(fmt2 "$(median "$(round_ratios "$nv" "$ev")")")" "$flag"
		printf '%-12s   per round: nfv/OVS %s | nfv/tpmd %s | dfl/emc0 %s | OVS cache %s | shares %s\n' "" \
			"$(round_ratios "$nv" "$ov")" "$(round_ratios "$nv" "$tv")" \
			"$(round_ratios "$nv" "$ev")" "${ox% }" "${sh% }"
		echo "$SCENARIO,$label,$flows,$masks,$rules,$(mpps "$mn"),$(mpps "$me"),$(mpps "$mo"),$(mpps "$mt"),$(fmt2 "$(median "$(round_ratios "$nv" "$ov")")"),$(fmt2 "$(median "$(round_ratios "$nv" "$tv")")"),$(fmt2 "$(median "$(round_ratios "$nv" "$ev")")"),$flag,$ROUNDS,${nv% },${ev% },${ov% },${tv% },${ox% },${sh% },$DPDK_VER,$OVS_VER,\"$CPU_MODEL\",$NCPU,$WORKERS,$HUGE" >> "$RESULT_CSV"
	done
	if [ ${#NOTES[@]} -gt 0 ]; then
		echo "notes:"
		local n
		for n in "${NOTES[@]}"; do echo "  - $n"; done
	fi
	echo "(each measurement: window ${WINDOW}s after ${WARMUP}s warm-up; Mpps = packets/s leaving the sink ports; share = sink packets / source packets over the window; CSV: $RESULT_CSV)"
}
