#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# memory: what nfvswitch and OVS-DPDK (ovs-vswitchd) hold, at idle with 2
# ports, with 64 ports, with 100k rules, and after 100k flows went through.
# The 64 ports are 2 ethdev ports (net_null) and 62 vhost-user client ports
# with no guest (this DPDK build has RTE_MAX_ETHPORTS 32, so 64 ethdev ports
# cannot be probed; vhost-user ports are the NFV case anyway).
#
# Per process: resident memory (VmRSS, /proc/PID/status), hugepage memory
# mapped (the Private_Hugetlb + Shared_Hugetlb lines of /proc/PID/smaps) and
# the bytes allocated from DPDK's heaps (telemetry /eal/heap_info; the size
# of the heaps beside it). Under --no-huge the DPDK heaps are anonymous
# memory and count in VmRSS as far as they were touched; with hugepages
# they count in the hugepage column (whole pages). The total is
# RSS + hugepages.
#
# Per rule: (total with 100k rules - total with 2 ports) / 100k, the rules
# being 100k distinct ip_dst /32 matches (nfvswitch rules, OpenFlow flows).
# Per flow: one capture of 100k frames is replayed once through 1 prefix
# rule, with 1 flow and with 100k flows; (total after 100k flows - total
# after 1 flow) / 100k: what the datapath's per-flow state (EMC entries,
# megaflows, caches) costs. Idle points wait SETTLE seconds (default 3).
#
# Sourced by run.sh (scenario_main).

. "$SC_DIR/table.sh"

MEM_ROWS=()

# mem_of PID PREFIX -> "rss_kB huge_kB heap_alloc_bytes heap_size_bytes"
mem_of() {
	local pid=$1 rss huge heap
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
	huge=$(awk '/^(Private|Shared)_Hugetlb:/ {s += $2} END {print s + 0}' "/proc/$pid/smaps" 2>/dev/null)
	heap=$("${STATS[@]}" --heap "$2" 2>/dev/null) || heap="n/a n/a"
	echo "${rss:-n/a} ${huge:-n/a} $heap"
}

# 100k distinct /32 rules (nfvswitch yaml / ofctl)
mem_rules_yaml() {
	awk -v n="$1" 'BEGIN { print "rules:"; for (i = 0; i < n; i++)
		printf "  - {priority: 100, match: {in_port: p0, ip_dst: \"10.%d.%d.%d/32\"}, actions: [{output: p1}]}\n",
			int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'
}
mem_rules_ofctl() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "priority=100,in_port=1,ip,nw_dst=10.%d.%d.%d,actions=output:2\n",
			int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'
}

# mem_point LABEL SYSTEM NPORTS NRULES PCAP
mem_point() {
	local label=$1 sys=$2 nports=$3 nrules=$4 pcap=$5 i m="n/a n/a n/a n/a" dev ports=""
	log "memory: $sys, $label"
	case $sys in
	nfvswitch)
		for ((i = 0; i < nports; i++)); do
			dev="net_null$i,no-rx=1"
			[ $i = 0 ] && [ -n "$pcap" ] && dev="net_pcap0,rx_pcap=$pcap"
			if [ $i -lt 2 ]; then
				ports+="  - {name: p$i, type: ethdev, device: \"$dev\"}"$'\n'
			else
				ports+="  - {name: p$i, type: vhost, path: \"$RUNDIR/mem-vhost$i.sock\", mode: client}"$'\n'
			fi
		done
		local rules
		if [ "$nrules" -gt 0 ]; then
			rules=$(mem_rules_yaml "$nrules")
		else
			rules=$("$BENCH" rules --format yaml --in-port p0 --out-port p1 --masks 1)
		fi
		nfv_config "$RUNDIR/nfvswitch.yaml" "${ports%$'\n'}" "$rules"
		# room for 100k rules
		sed -i 's/^control:/classifier:\n  max_rules: 131072\ncontrol:/' "$RUNDIR/nfvswitch.yaml"
		if nfv_start "$RUNDIR/nfvswitch.yaml"; then
			sleep "$SETTLE"
			m=$(mem_of "$NFV_PID" "$NFV_PREFIX")
		fi
		nfv_stop ;;
	ovs)
		if ovs_start; then
			local ok=1
			for ((i = nports - 1; i >= 0 && ok; i--)); do
				dev="net_null$i,no-rx=1"
				[ $i = 0 ] && [ -n "$pcap" ] && dev="net_pcap0,rx_pcap=$pcap"
				if [ $i = 0 ]; then
					# the rules before the port that sends
					if [ "$nrules" -gt 0 ]; then
						mem_rules_ofctl "$nrules" > "$RUNDIR/flows.of"
					else
						"$BENCH" rules --format ofctl --in-port 1 --out-port 2 --masks 1 > "$RUNDIR/flows.of"
					fi
					ovs_flows "$RUNDIR/flows.of" || ok=0
				fi
				if [ $i -lt 2 ]; then
					ovs_add_port "p$i" $((i + 1)) "$dev" || ok=0
				else
					ovs_vsctl add-port br0 "p$i" -- set Interface "p$i" type=dpdkvhostuserclient \
						"options:vhost-server-path=$RUNDIR/mem-vhost$i.sock" ofport_request=$((i + 1)) || ok=0
				fi
			done
			if [ $ok = 1 ]; then
				sleep "$SETTLE"
				m=$(mem_of "$(cat "$OVS_RUN/ovs-vswitchd.pid")" "$OVS_PREFIX")
				local db
				db=$(awk '/^VmRSS:/ {print $2}' "/proc/$(cat "$OVS_RUN/ovsdb-server.pid")/status" 2>/dev/null)
				m+=" ${db:-n/a}"
			else
				note "OVS-DPDK memory point $label failed"
			fi
		fi
		ovs_stop ;;
	esac
	log "  $sys $label: rss_kB huge_kB heap_alloc heap_size [ovsdb_rss_kB] = $m"
	MEM_ROWS+=("$sys|$label|$m")
}

# total kB (rss + huge) of a row's values
mem_total() { awk -v r="$1" -v h="$2" 'BEGIN { if (r == "n/a") print "n/a"; else print r + (h == "n/a" ? 0 : h) }'; }

mem_get() { # mem_get SYSTEM LABEL -> the row's values
	local r
	for r in "${MEM_ROWS[@]}"; do
		[[ $r == "$1|$2|"* ]] && { echo "${r#"$1|$2|"}"; return; }
	done
	echo "n/a n/a n/a n/a"
}

# bytes per unit from two rows: (total_b - total_a) x 1024 / n, and the heap's
mem_per() { # mem_per SYSTEM LABEL_A LABEL_B N
	local a b
	read -r -a a <<< "$(mem_get "$1" "$2")"
	read -r -a b <<< "$(mem_get "$1" "$3")"
	awk -v ra="${a[0]}" -v ha="${a[1]}" -v ea="${a[2]}" -v rb="${b[0]}" -v hb="${b[1]}" -v eb="${b[2]}" -v n="$4" 'BEGIN {
		if (ra == "n/a" || rb == "n/a") { print "n/a n/a"; exit }
		t = ((rb + hb) - (ra + ha)) * 1024 / n
		h = (ea == "n/a" || eb == "n/a") ? "n/a" : sprintf("%.0f", (eb - ea) / n)
		printf "%.0f %s\n", t, h }'
}

scenario_main() {
	local sys n_rules=${MEM_RULES:-100000} n_flows=${MEM_FLOWS:-100000} p1 pn
	[ -n "${SYSTEMS_SET:-}" ] || SYSTEMS="nfvswitch,ovs"
	SETTLE=${SETTLE:-3}
	if [ "$QUICK" = 1 ]; then
		n_rules=${MEM_RULES:-10000}
		n_flows=${MEM_FLOWS:-10000}
	fi
	MEM_MB=${MEM_MB_MEMORY:-2048}
	p1="$RUNDIR/mem-1flow.pcap"
	pn="$RUNDIR/mem-nflows.pcap"
	"$BENCH" pcap -o "$p1" --flows 1 --masks 1 --size 64 --count "$n_flows" > /dev/null &&
		"$BENCH" pcap -o "$pn" --flows "$n_flows" --masks 1 --size 64 --count "$n_flows" > /dev/null ||
		die "cannot write the captures"
	log "memory: $CORE_PLAN"
	for sys in nfvswitch ovs; do
		want "$sys" || continue
		mem_point "2 ports" "$sys" 2 0 ""
		mem_point "64 ports" "$sys" 64 0 ""
		mem_point "$n_rules rules" "$sys" 2 "$n_rules" ""
		mem_point "1 flow" "$sys" 2 0 "$p1"
		mem_point "$n_flows flows" "$sys" 2 0 "$pn"
	done
	echo
	echo "== memory: idle, 2 / 64 ports, $n_rules rules, after 1 and $n_flows flows =="
	env_print
	printf '%-10s %-14s %10s %10s %12s %12s %10s\n' system point "RSS MiB" "huge MiB" "heap alloc" "heap size" "total MiB"
	echo "scenario,system,point,rss_kb,hugetlb_kb,heap_alloc_bytes,heap_size_bytes,ovsdb_rss_kb,hugepages" > "$RESULT_CSV"
	local r s l v
	for r in "${MEM_ROWS[@]}"; do
		IFS='|' read -r s l v <<< "$r"
		read -r -a f <<< "$v"
		printf '%-10s %-14s %10s %10s %12s %12s %10s%s\n' "$s" "$l" \
			"$(awk -v v="${f[0]}" 'BEGIN { print v == "n/a" ? v : sprintf("%.1f", v / 1024) }')" \
			"$(awk -v v="${f[1]}" 'BEGIN { print v == "n/a" ? v : sprintf("%.1f", v / 1024) }')" \
			"$(awk -v v="${f[2]}" 'BEGIN { print v == "n/a" ? v : sprintf("%.1fM", v / 1048576) }')" \
			"$(awk -v v="${f[3]}" 'BEGIN { print v == "n/a" ? v : sprintf("%.1fM", v / 1048576) }')" \
			"$(awk -v v="$(mem_total "${f[0]}" "${f[1]}")" 'BEGIN { print v == "n/a" ? v : sprintf("%.1f", v / 1024) }')" \
			"${f[4]:+  (ovsdb-server RSS $(awk -v v="${f[4]}" 'BEGIN { print v == "n/a" ? v : sprintf("%.1f MiB", v / 1024) }'))}"
		echo "$SCENARIO,$s,$l,${f[0]},${f[1]},${f[2]},${f[3]},${f[4]:-},$HUGE" >> "$RESULT_CSV"
	done
	echo
	printf '%-10s %22s %22s %22s\n' system "bytes/port (62 more)" "bytes/rule" "bytes/flow"
	for sys in nfvswitch ovs; do
		want "$sys" || continue
		printf '%-10s %22s %22s %22s\n' "$sys" \
			"$(mem_per "$sys" "2 ports" "64 ports" 62 | awk '{printf "%s (heap %s)", $1, $2}')" \
			"$(mem_per "$sys" "2 ports" "$n_rules rules" "$n_rules" | awk '{printf "%s (heap %s)", $1, $2}')" \
			"$(mem_per "$sys" "1 flow" "$n_flows flows" "$n_flows" | awk '{printf "%s (heap %s)", $1, $2}')"
	done
	if [ ${#NOTES[@]} -gt 0 ]; then
		echo "notes:"
		local n
		for n in "${NOTES[@]}"; do echo "  - $n"; done
	fi
	echo "(per-unit bytes: differences of RSS + hugepages, and of DPDK heap bytes allocated; idle after ${SETTLE}s; CSV: $RESULT_CSV)"
}
