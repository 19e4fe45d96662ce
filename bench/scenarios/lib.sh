#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers of the nfvswitch benchmark scenarios (sourced by run.sh).
#
# Every process a scenario starts lives under a private run directory
# ($RUNDIR), is recorded by pid and is stopped by pid on exit (normal exit,
# error or Ctrl-C). Nothing system-wide is touched: OVS gets its own database,
# sockets and logs; every DPDK process gets its own --file-prefix.

SC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SC_DIR/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
BENCH=${BENCH:-$BUILD/bench/gen/nfvswitch-bench}
NFVSWITCH=${NFVSWITCH:-$BUILD/app/nfvswitch}
TESTPMD=${TESTPMD:-$(command -v dpdk-testpmd || true)}
OVS_VSWITCHD=${OVS_VSWITCHD:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}
OVS_SCHEMA=${OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}
STATS=(python3 "$SC_DIR/dpdk_stats.py")
RESULTS_DIR=${RESULTS_DIR:-/tmp/nfvswitch-bench-results}
BURST=32            # testpmd --burst; OVS-DPDK (NETDEV_MAX_BURST) and nfvswitch use 32 too
MEM_MB=${MEM_MB:-1024}
# HUGE=1 (run.sh --huge): every DPDK process of a run (the systems under test,
# the guest, the generator) on hugepages instead of --no-huge. HUGE=auto (the
# default): hugepages when enough are free (huge_auto), else --no-huge.
HUGE=${HUGE:-auto}
# Interleaved rounds per point (run.sh --rounds) and worker cores per system
# (run.sh --workers: nfvswitch workers, OVS PMDs, testpmd forwarding cores).
ROUNDS=${ROUNDS:-3}
WORKERS=${WORKERS:-1}
KEEP=${KEEP:-0}

PIDS=()
TP_EXTRA=()
OVS_OTHER_CONFIG=() # more other_config:KEY=VALUE for ovs_start (read at vswitchd start)
# A command ovs-vswitchd runs under (e.g. ip netns exec NS: its bridges'
# internal ports, addresses and routes in a namespace of the scenario's own).
OVS_WRAP=()
RUNDIR=""
NOTES=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# A note is listed once, however many rounds or points give it.
note() {
	local n
	for n in "${NOTES[@]}"; do [ "$n" = "$*" ] && return 0; done
	NOTES+=("$*")
	log "note: $*"
}

rundir_init() {
	RUNDIR=$(mktemp -d /tmp/nfvswitch-bench.XXXXXX)
	TAG=$(basename "$RUNDIR" | tr -dc 'a-zA-Z0-9' | tail -c 6)
	log "run directory $RUNDIR"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

# Stop one pid we started: SIGINT (DPDK apps stop cleanly), then SIGTERM, then SIGKILL.
stop_pid() {
	local pid=$1 i
	[[ $pid =~ ^[1-9][0-9]*$ ]] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	# A process frozen by a time-sliced point (so_freeze) handles nothing
	# until it runs again.
	kill -CONT "$pid" 2>/dev/null || true
	kill -INT "$pid" 2>/dev/null || true
	for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
}

stop_all() {
	local i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[$i]}"; done
	PIDS=()
	ovs_stop
}

cleanup() {
	local rc=$?
	stop_all
	if [ -n "$OVS_NS" ]; then ip netns del "$OVS_NS" 2>/dev/null || true; fi
	# DPDK runtime directories of the processes we started (unique prefixes).
	[ -n "${TAG:-}" ] && rm -rf /var/run/dpdk/vsb-*-"$TAG"
	if [ -n "$RUNDIR" ] && [ "$KEEP" != 1 ]; then
		rm -rf "$RUNDIR"
	elif [ -n "$RUNDIR" ]; then
		log "kept $RUNDIR (logs, configs)"
	fi
	exit $rc
}

# ---- machine description and core plan ----

# EAL memory arguments of the helper DPDK processes (testpmd, guest,
# generator): --no-huge by default; with HUGE=1, hugepages backed by memfd
# (--in-memory) in one file per memseg list, which vhost-user can share.
eal_mem_args() {
	if [ "$HUGE" = 1 ]; then
		echo "--in-memory --single-file-segments"
	else
		echo "--no-huge"
	fi
}

# OVS adds --in-memory itself, which DPDK refuses with --no-huge unless
# --legacy-mem is given explicitly.
ovs_mem_args() {
	if [ "$HUGE" = 1 ]; then
		echo ""
	else
		echo "--no-huge --legacy-mem"
	fi
}

# HUGE=auto -> 1 when free 2 MiB/1 GiB pages hold MEM_MB x 3 (the system
# under test, a helper and the generator), else 0; says which.
huge_auto() {
	[ "$HUGE" = auto ] || return 0
	local free size
	free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	size=$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)
	if [ -n "$free" ] && [ $((free * size / 1024)) -ge $((MEM_MB * 3)) ] &&
	   grep -qs hugetlbfs /proc/mounts; then
		HUGE=1
		note "hugepages: $free free pages of $size kB, used by every DPDK process"
	else
		HUGE=0
		note "hugepages: not enough free (${free:-0} x ${size:-?} kB; need $((MEM_MB * 3)) MiB): --no-huge"
	fi
}

# OVS_VER, OVS_DPDK_VER: of the installed ovs-vswitchd (again once ovs_start
# has installed it, so that the table's header names what ran)
ovs_describe() {
	if [ -x "$OVS_VSWITCHD" ]; then
		OVS_VER=$("$OVS_VSWITCHD" --version 2>/dev/null | head -1 | awk '{print $NF}')
		OVS_DPDK_VER=$("$OVS_VSWITCHD" --version 2>/dev/null | sed -n 's/^DPDK //p' | head -1)
	else
		OVS_VER="not installed"
		OVS_DPDK_VER="-"
	fi
}

# ovs_ensure: OVS-DPDK installed (from the archive when it is not), its
# version known
ovs_ensure() {
	ensure_pkg "$OVS_VSWITCHD" openvswitch-switch-dpdk || return 1
	[ "${OVS_VER:-not installed}" != "not installed" ] || ovs_describe
}

env_describe() {
	NCPU=$(nproc)
	CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	DPDK_VER=$(pkg-config --modversion libdpdk 2>/dev/null || echo "?")
	ovs_describe
	# (OVS adds --in-memory, which DPDK refuses with --no-huge, unless --legacy-mem
	# is given explicitly: see ovs_start.)
	# Core plan: the forwarding core of every system under test is the same
	# core, so the numbers compare. Control threads and helpers (ovsdb, the
	# scripts, the generator when there is no spare core) share core 0.
	CTRL_CORE=0
	FWD_CORE=1
	if [ "$NCPU" -lt 2 ]; then
		FWD_CORE=0
		note "1 CPU: forwarding and control share core 0; numbers are functional only"
	fi
	if [ "$NCPU" -ge 4 ]; then
		GEN_CORES="$CTRL_CORE,2,3"   # generator: main on 0, tx on 2, rx on 3
		GEN_NOTE="generator tx on core 2, rx on core 3"
	elif [ "$NCPU" -ge 3 ]; then
		GEN_CORES="$CTRL_CORE,2"     # generator: main on 0, tx+rx alternating on 2
		GEN_NOTE="generator tx+rx alternating on core 2"
	else
		GEN_CORES="$CTRL_CORE"       # generator alternates tx+rx on its main lcore, core 0
		GEN_NOTE="generator tx+rx alternating on core 0, shared with control threads"
	fi
	fwd_plan
}

# FWD_CORES/FWD_LIST/FWD_MASK for WORKERS forwarding cores: FWD_CORE and
# the ones after it, wrapping onto the control core when the machine has too
# few (then only OVS, whose PMDs may share the main thread's core, can run:
# nfvswitch and testpmd need a core of their own per worker; fwd_fits says).
fwd_plan() {
	FWD_CORES=()
	local w
	for ((w = 0; w < WORKERS; w++)); do
		FWD_CORES+=($(((FWD_CORE + w) % NCPU)))
	done
	FWD_LIST=$(IFS=,; echo "${FWD_CORES[*]}")
	FWD_MASK=0
	for w in "${FWD_CORES[@]}"; do FWD_MASK=$((FWD_MASK | (1 << w))); done
	FWD_MASK=$(printf '0x%x' "$FWD_MASK")
	if [ "$WORKERS" -ge "$NCPU" ]; then
		note "$WORKERS workers on $NCPU CPUs: nfvswitch and testpmd need $((WORKERS + 1)) CPUs and are skipped; OVS's PMDs share the control core (a functional run, not a measurement)"
	fi
	CORE_PLAN="forwarding core(s) $FWD_LIST (nfvswitch workers, OVS PMDs, testpmd fwd); control/main lcores, ovsdb-server and scripts on core $CTRL_CORE"
}

# Whether WORKERS workers fit beside the control core (nfvswitch, testpmd).
fwd_fits() { [ "$WORKERS" -lt "$NCPU" ]; }

env_print() {
	echo "# DPDK $DPDK_VER | OVS $OVS_VER (DPDK $OVS_DPDK_VER) | CPU $CPU_MODEL | $NCPU CPUs | burst $BURST"
	echo "# cores: $CORE_PLAN"
	[ -n "${GEN_USED:-}" ] && echo "# $GEN_NOTE"
	return 0
}

need_bench() {
	[ -x "$BENCH" ] || die "$BENCH not built: meson setup build && ninja -C build"
}

# ---- dependencies, installed on demand ----

ensure_pkg() { # ensure_pkg BINARY PACKAGE
	[ -e "$1" ] || command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		log "installing $2"
		DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >"$RUNDIR/apt-$2.log" 2>&1 ||
			{ log "apt-get install $2 failed (see $RUNDIR/apt-$2.log)"; return 1; }
		return 0
	fi
	return 1
}

# ---- telemetry-based rate measurement (the same for every DPDK process) ----

# port_by_name PREFIX NAME -> port id
port_by_name() {
	"${STATS[@]}" --list "$1" 2>/dev/null | awk -v n="$2" '$2 == n {print $1; exit}'
}

# measure_pps PREFIX PORT FIELD -> packets/s over $WINDOW s after $WARMUP s
measure_pps() {
	sleep "$WARMUP"
	"${STATS[@]}" --rate "$1" "$2" "$3" "$WINDOW"
}

wait_socket() { # wait_socket PATH SECONDS PID
	local i
	for i in $(seq 1 $(($2 * 10))); do
		[ -S "$1" ] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

telemetry_sock() { echo "/var/run/dpdk/$1/dpdk_telemetry.v2"; }

mpps() { awk -v p="$1" 'BEGIN { if (p == "" || p == "n/a") print "n/a"; else printf "%.3f", p / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }

# ---- dpdk-testpmd (io mode: the I/O limit) ----

# testpmd_run NAME PORT_DEVARGS... ; sets TP_PREFIX, TP_PID
testpmd_start() {
	[ -x "$TESTPMD" ] || { note "dpdk-testpmd not found"; return 1; }
	TP_PREFIX="vsb-tp-$TAG"
	local vdevs=() d
	for d in "$@"; do vdevs+=("--vdev=$d"); done
	sleep infinity > /dev/null &
	local holder=$!
	PIDS+=("$holder")
	local lc
	lc=$(tp_lcores)
	taskset -c "$lc" stdbuf -oL "$TESTPMD" -l "$lc" --main-lcore "$CTRL_CORE" \
		$(eal_mem_args) -m "$MEM_MB" --file-prefix "$TP_PREFIX" --no-pci \
		--log-level='*:warning' "${vdevs[@]}" -- --forward-mode=io --nb-cores="$WORKERS" \
		--burst="$BURST" --total-num-mbufs="${TP_MBUFS:-65536}" "${TP_EXTRA[@]}" --auto-start \
		< <(tail -f /dev/null) > "$RUNDIR/testpmd.log" 2>&1 &
	TP_PID=$!
	PIDS+=("$TP_PID")
	# Forwarding has started when testpmd asks for Enter (line-buffered
	# output; printed after the ports
	# started: net_pcap infinite_rx loads the whole capture before that).
	local i
	for i in $(seq 1 1200); do
		grep -q "Press enter to exit" "$RUNDIR/testpmd.log" 2>/dev/null &&
			wait_socket "$(telemetry_sock "$TP_PREFIX")" 10 "$TP_PID" && return 0
		kill -0 "$TP_PID" 2>/dev/null || break
		sleep 0.1
	done
	note "testpmd did not start (see testpmd.log): $(grep -v '^$' "$RUNDIR/testpmd.log" | tail -2 | tr '\n' ' ')"
	return 1
}

testpmd_stop() { stop_pid "$TP_PID"; }

# testpmd's -l: the control core and the forwarding cores, distinct lcores
# (with more workers than CPUs, the extra ones are numbered past the CPUs and
# mapped back by --lcores).
tp_lcores() {
	local c seen=",$CTRL_CORE," out="$CTRL_CORE"
	for c in "${FWD_CORES[@]}"; do
		[[ $seen == *",$c,"* ]] && continue
		seen+="$c,"
		out+=",$c"
	done
	echo "$out"
}

# ---- OVS-DPDK 3.x in a private run directory ----

# ovs_netns: ovs-vswitchd of this run in a network namespace of its own
# (root only), so that its bridges' internal ports (kernel taps named after
# the bridges: br0) cannot collide with another OVS on the host, and the
# addresses and routes given to them stay there. Removed on exit.
OVS_NS=""
ovs_netns() {
	OVS_NS="vsb-ovs-$TAG"
	ip netns add "$OVS_NS" 2>/dev/null || { OVS_NS=""; return 1; }
	ip -n "$OVS_NS" link set lo up
	OVS_WRAP=(ip netns exec "$OVS_NS")
}

OVS_RUN=""
ovs_vsctl() { ovs-vsctl --db="unix:$OVS_RUN/db.sock" --timeout=60 "$@"; }

ovs_start() {
	ovs_ensure || { note "OVS-DPDK not installed"; return 1; }
	OVS_RUN="$RUNDIR/ovs"
	mkdir -p "$OVS_RUN"
	export OVS_RUNDIR="$OVS_RUN" OVS_LOGDIR="$OVS_RUN" OVS_DBDIR="$OVS_RUN" OVS_SYSCONFDIR="$OVS_RUN"
	OVS_PREFIX="vsb-ovs-$TAG"
	ovsdb-tool create "$OVS_RUN/conf.db" "$OVS_SCHEMA" || return 1
	taskset -c "$CTRL_CORE" ovsdb-server "$OVS_RUN/conf.db" --remote="punix:$OVS_RUN/db.sock" \
		--pidfile="$OVS_RUN/ovsdb-server.pid" --unixctl="$OVS_RUN/ovsdb-server.ctl" \
		--log-file="$OVS_RUN/ovsdb-server.log" --detach 2>/dev/null || return 1
	ovs_vsctl --no-wait init
	ovs_vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		other_config:dpdk-lcore-mask="$(printf '0x%x' $((1 << CTRL_CORE)))" \
		other_config:pmd-cpu-mask="$FWD_MASK" \
		other_config:dpdk-extra="$(ovs_mem_args) -m $MEM_MB --file-prefix $OVS_PREFIX --no-pci --log-level=*:warning" \
		${OVS_OTHER_CONFIG[@]+"${OVS_OTHER_CONFIG[@]}"}
	taskset -c "$CTRL_CORE,$FWD_LIST" ${OVS_WRAP[@]+"${OVS_WRAP[@]}"} "$OVS_VSWITCHD" "unix:$OVS_RUN/db.sock" \
		--pidfile="$OVS_RUN/ovs-vswitchd.pid" --unixctl="$OVS_RUN/ovs-vswitchd.ctl" \
		--log-file="$OVS_RUN/ovs-vswitchd.log" -vconsole:off --detach 2>/dev/null || {
		note "ovs-vswitchd did not start: $(tail -3 "$OVS_RUN/ovs-vswitchd.log" | tr '\n' ' ')"
		return 1
	}
	# fail-mode secure: no NORMAL flow of its own before ours, as OVS's
	# documentation sets a benchmark bridge up.
	ovs_vsctl add-br br0 -- set bridge br0 datapath_type=netdev fail_mode=secure || return 1
}

# ovs_add_port NAME OFPORT DEVARGS
ovs_add_port() {
	ovs_vsctl add-port br0 "$1" -- set Interface "$1" type=dpdk \
		"options:dpdk-devargs=$3" "ofport_request=$2" || return 1
	local err
	err=$(ovs_vsctl get Interface "$1" error 2>/dev/null || true)
	if [ -n "$err" ] && [ "$err" != "[]" ]; then
		note "OVS port $1: $err"
		return 1
	fi
}

# ovs_flows FILE: replace the bridge's OpenFlow rules with FILE's and flush
# the datapath's megaflows, so that none cached from earlier rules (a NORMAL
# one costs OVS ~1.8x) keeps it off the path the new rules allow.
ovs_flows() {
	ovs-ofctl del-flows "unix:$OVS_RUN/br0.mgmt" &&
		ovs-ofctl add-flows "unix:$OVS_RUN/br0.mgmt" "$1" &&
		ovs_dp_flush
}

# ovs_dp_flush: drop the datapath's megaflows and ofproto's ukeys of them
# together (revalidator/purge). dpctl/del-flows alone, with traffic flowing,
# leaves the ukey behind: every later upcall of that flow then fails as a
# duplicate (coverage handler_duplicate_upcall) and OVS forwards each packet
# through a failed upcall, 0.7 Mpps instead of 24 at 1 flow on the test VM.
ovs_dp_flush() { ovs-appctl -t "$OVS_RUN/ovs-vswitchd.ctl" revalidator/purge >/dev/null; }

# ovs_cache_mode emc|noemc|smc: OVS's cache settings (other_config), then a
# datapath flush so that the next measurement starts from them.
ovs_cache_mode() {
	case $1 in
	emc) ovs_vsctl set Open_vSwitch . other_config:emc-insert-inv-prob=100 other_config:smc-enable=false ;;
	noemc) ovs_vsctl set Open_vSwitch . other_config:emc-insert-inv-prob=0 other_config:smc-enable=false ;;
	smc) ovs_vsctl set Open_vSwitch . other_config:emc-insert-inv-prob=0 other_config:smc-enable=true ;;
	*) return 1 ;;
	esac && ovs_dp_flush
}

# Which OVS cache settings a point tries (run.sh --ovs-cache; best taken).
OVS_CACHE_MODES=${OVS_CACHE_MODES:-emc,noemc,smc}

# ovs_best_cache FN: the running OVS measured at each of OVS_CACHE_MODES
# (FN PREFIX prints "pps share"), the best kept: RES="PPS SHARE MODE".
ovs_best_cache() {
	local fn=$1 m pps share best=n/a bests=n/a bestm=none
	for m in ${OVS_CACHE_MODES//,/ }; do
		ovs_cache_mode "$m" || continue
		read -r pps share <<< "$("$fn" "$OVS_PREFIX")"
		log "    OVS $m: $(mpps "$pps") Mpps"
		if [ "$(best_of "$best" "$pps")" != "$best" ]; then
			best=$pps bests=$share bestm=$m
		fi
	done
	RES="$best $bests $bestm"
}

# measure_share PREFIX INPORTS OUTPORTS -> "pps share" after $WARMUP s, over
# $WINDOW s: the rate leaving OUTPORTS and the share of INPORTS' input it is.
measure_share() {
	sleep "$WARMUP"
	"${STATS[@]}" --share "$1" "$2" "$3" "$WINDOW" || echo "n/a n/a"
}

# port ids of the named ports, comma-separated (empty when one is missing)
ports_by_name() { # ports_by_name PREFIX NAME...
	local prefix=$1 n id out="" list
	shift
	list=$("${STATS[@]}" --list "$prefix" 2>/dev/null) || return 1
	for n in "$@"; do
		id=$(awk -v n="$n" '$2 == n {print $1; exit}' <<< "$list")
		[ -n "$id" ] || return 1
		out+="${out:+,}$id"
	done
	echo "$out"
}

# tx packets of an OpenFlow port, read live from the netdev (not the 5 s database copy)
ovs_port_tx() {
	ovs-ofctl dump-ports "unix:$OVS_RUN/br0.mgmt" "$1" 2>/dev/null |
		sed -n 's/.*tx pkts=\([0-9]*\).*/\1/p' | head -1
}

ovs_measure_tx() { # ovs_measure_tx OFPORT -> pps
	local a b ta tb
	sleep "$WARMUP"
	a=$(ovs_port_tx "$1"); ta=$(date +%s.%N)
	sleep "$WINDOW"
	b=$(ovs_port_tx "$1"); tb=$(date +%s.%N)
	[ -n "$a" ] && [ -n "$b" ] || { echo n/a; return; }
	awk -v a="$a" -v b="$b" -v ta="$ta" -v tb="$tb" 'BEGIN { printf "%.0f", (b - a) / (tb - ta) }'
}

ovs_stop() {
	[ -n "$OVS_RUN" ] || return 0
	# ovs-appctl waits for an answer: a frozen ovs-vswitchd must run first.
	{ [ -f "$OVS_RUN/ovs-vswitchd.pid" ] && kill -CONT "$(cat "$OVS_RUN/ovs-vswitchd.pid" 2>/dev/null)"; } 2>/dev/null || true
	if [ -S "$OVS_RUN/ovs-vswitchd.ctl" ]; then
		ovs-appctl -t "$OVS_RUN/ovs-vswitchd.ctl" exit --cleanup >/dev/null 2>&1 || true
	fi
	[ -f "$OVS_RUN/ovs-vswitchd.pid" ] && stop_pid "$(cat "$OVS_RUN/ovs-vswitchd.pid" 2>/dev/null)"
	if [ -S "$OVS_RUN/ovsdb-server.ctl" ]; then
		ovs-appctl -t "$OVS_RUN/ovsdb-server.ctl" exit >/dev/null 2>&1 || true
	fi
	[ -f "$OVS_RUN/ovsdb-server.pid" ] && stop_pid "$(cat "$OVS_RUN/ovsdb-server.pid" 2>/dev/null)"
	if [ "$KEEP" = 1 ]; then
		mv "$OVS_RUN" "$OVS_RUN.$(date +%s%N)" 2>/dev/null || true
	else
		rm -rf "$OVS_RUN"
	fi
	OVS_RUN=""
}

# ---- nfvswitch ----

# nfv_config FILE PORTS_YAML RULES_YAML: a config with one worker on FWD_CORE.
# NFV_INST: a suffix for a second instance running beside the first (its own
# DPDK file prefix and log).
nfv_config() {
	NFV_PREFIX="vsb-nfv${NFV_INST:-}-$TAG"
	cat > "$1" <<-YAML
	# generated by bench/scenarios for one benchmark run
	dpdk:
	  main_lcore: $CTRL_CORE
	  memory_mb: $MEM_MB
	  mbufs: ${NFV_MBUFS:-0}
	  no_huge: $([ "$HUGE" = 1 ] && echo false || echo true)
	  in_memory: $([ "$HUGE" = 1 ] && echo true || echo false)
	  file_prefix: $NFV_PREFIX
	  log_level: "*:warning"
	  extra_args: ["--no-pci"]
	workers:
	$(for c in "${FWD_CORES[@]}"; do echo "  - lcore: $c"; done)
	$(nfv_classifier_yaml)
	control:
	  stats_interval_ms: 1000
	ports:
	$2
	$3
	YAML
}

# NFV_EMC_ENTRIES set: a classifier section with emc_entries (0: EMC off)
nfv_classifier_yaml() {
	[ -n "${NFV_EMC_ENTRIES:-}" ] || return 0
	printf 'classifier:\n  emc_entries: %s' "$NFV_EMC_ENTRIES"
}

# nfv_start CONFIG: start the daemon; fails with its own message when it refuses the config
nfv_start() {
	local log="$RUNDIR/nfvswitch${NFV_INST:-}.log" check="$RUNDIR/nfvswitch${NFV_INST:-}-check.log"
	NFV_PID=""
	if [ ! -x "$NFVSWITCH" ]; then
		note "nfvswitch not built ($NFVSWITCH): build the pipe branch (app/) first"
		return 1
	fi
	if ! "$NFVSWITCH" -c "$1" --check > "$check" 2>&1; then
		if grep -qi vhost "$check"; then
			note "nfvswitch refuses vhost ports in this build: $(head -3 "$check" | tr '\n' ' ')"
		else
			note "nfvswitch refused the config: $(head -3 "$check" | tr '\n' ' ')"
		fi
		return 1
	fi
	taskset -c "$CTRL_CORE,$FWD_LIST" "$NFVSWITCH" -c "$1" > "$log" 2>&1 &
	NFV_PID=$!
	PIDS+=("$NFV_PID")
	# Ready when it says it runs (ports created and started), not at EAL init.
	local i
	for i in $(seq 1 300); do
		grep -q "nfvswitch running" "$log" 2>/dev/null && break
		if ! kill -0 "$NFV_PID" 2>/dev/null; then
			if grep -qi vhost "$log"; then
				note "nfvswitch refused vhost ports: $(grep -i vhost "$log" | head -2 | tr '\n' ' ')"
			else
				note "nfvswitch exited: $(tail -3 "$log" | tr '\n' ' ')"
			fi
			return 1
		fi
		sleep 0.1
	done
	if [ -S "$(telemetry_sock "$NFV_PREFIX")" ]; then
		NFV_TELEMETRY=1
	else
		NFV_TELEMETRY=0 # running, but no telemetry socket: parse its stats lines
	fi
}

# tx Mpps of port NAME from nfvswitch's own periodic stats lines, averaged over the window
nfv_measure_from_log() { # nfv_measure_from_log NAME -> pps
	local from log="$RUNDIR/nfvswitch${NFV_INST:-}.log"
	sleep "$WARMUP"
	from=$(wc -l < "$log")
	sleep "$WINDOW"
	tail -n +"$((from + 1))" "$log" |
		awk -v n="$1" '$1 == "port" && $2 == n { for (i = 3; i < NF; i++) if ($i == "tx") { s += $(i + 1); c++ } }
			END { if (c) printf "%.0f", s / c * 1e6; else print "n/a" }'
}

nfv_measure_tx() { # nfv_measure_tx PORTNAME DEVNAME -> pps
	if [ "${NFV_TELEMETRY:-0}" = 1 ]; then
		local p
		p=$(port_by_name "$NFV_PREFIX" "$2")
		if [ -n "$p" ]; then
			measure_pps "$NFV_PREFIX" "$p" opackets
			return
		fi
	fi
	nfv_measure_from_log "$1"
}

nfv_stop() { stop_pid "$NFV_PID"; }
