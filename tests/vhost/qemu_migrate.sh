#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Live migration of a real QEMU guest between two nfvswitch vhost-user ports.
#
# One switch, three ports: "up" (net_af_packet on a veth whose other end is
# eth0 of a network namespace, 10.0.0.1) and two vhost-user client ports,
# "src" and "dst", each served by its own QEMU (TCG, Debian kernel + busybox
# initramfs, 10.0.0.2). Every packet takes the `normal` action (MAC learning).
# The namespace pings the guest every 50 ms while the source QEMU migrates
# the running guest to the destination QEMU (-incoming unix:...).
#
# Checks:
#   - QEMU accepts the migration (librte_vhost offers dirty-page logging,
#     VHOST_F_LOG_ALL; without it QEMU refuses) and completes it;
#   - the guest answers pings after the switchover, now through port dst;
#   - QEMU turned dirty-page logging on for the port of the source while it
#     copied RAM (the switch logs it), so the guest pages the switch wrote
#     (rx buffers, used rings) were copied again;
#   - the MAC table moved the guest's MAC from src to dst (QEMU's announce:
#     a guest GARP with VIRTIO_NET_F_GUEST_ANNOUNCE, else librte_vhost's
#     RARP), with no rule change and no fdb flush. The guest sends nothing
#     of its own but echo replies, and the namespace's echo requests follow
#     the learned entry: without the announce they would go to src until
#     the namespace's ARP entry went stale (tens of seconds), far over
#     LOSS_MAX;
#   - the pings lost over the whole run (switchover included) are counted
#     and printed ("lost N of M"); more than LOSS_MAX (default 40, 2 s of
#     pings) fails the test.
#
# Exit status: 0 pass, 1 fail, 77 skipped (no QEMU, not root, or no guest
# kernel / busybox). Usage: tests/vhost/qemu_migrate.sh [nfvswitch [nfvswitch-ctl]]
# Environment: NFVSWITCH_BIN, NFVSWITCH_CTL_BIN, VS_QEMU_WORK (.deb cache,
# default /tmp/nfvswitch-qemu), VS_MIG_LOSS_MAX.
set -u

NFVSWITCH_BIN=${NFVSWITCH_BIN:-${1:-build/app/nfvswitch}}
CTL_BIN=${NFVSWITCH_CTL_BIN:-${2:-build/app/nfvswitch-ctl}}
W=${VS_QEMU_WORK:-/tmp/nfvswitch-qemu}
LOSS_MAX=${VS_MIG_LOSS_MAX:-40}
GUEST_MAC=52:54:00:00:00:12
TAG=vsmig$$
NS=$TAG
VETH=${TAG}h
R=""
SPID=""
QSRC=""
QDST=""
PPID_PING=""

skip() { echo "SKIP: $*"; exit 77; }
fail() {
	echo "FAIL: $*"
	qemu_logs console-src.log console-dst.log qemu-src.log qemu-dst.log sw.log
	cleanup
	exit 1
}
cleanup() {
	stop "$PPID_PING"; PPID_PING=""
	stop "$QSRC"; QSRC=""
	stop "$QDST"; QDST=""
	stop "$SPID"; SPID=""
	ip netns del "$NS" 2>/dev/null
	ip link del "$VETH" 2>/dev/null
	[ -n "$R" ] && [ "${VS_MIG_KEEP:-0}" = 0 ] && rm -rf "$R"
	R=""
}
trap cleanup EXIT INT TERM

. "$(dirname "$0")/qemu_lib.sh"
qemu_find
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace, veth)"
[ -x "$NFVSWITCH_BIN" ] || fail "no nfvswitch binary at $NFVSWITCH_BIN"
[ -x "$CTL_BIN" ] || fail "no nfvswitch-ctl binary at $CTL_BIN"
command -v python3 >/dev/null || skip "python3 is needed to drive the QEMU monitor"
command -v ping >/dev/null || skip "ping is needed (iputils-ping)"
qemu_guest_kernel

R=$(mktemp -d /tmp/vs_qemu_mig_XXXXXX)

# The guest only answers: no traffic of its own, so after the switchover the
# MAC table can learn its new port from the announce alone.
qemu_initrd "$R/initrd.gz" "ip link set eth0 up
ip addr add 10.0.0.2/24 dev eth0
echo GUEST-UP
sleep 3600
poweroff -f"

# ---- the namespace on the uplink's veth ----
ip netns add "$NS" || fail "ip netns add $NS"
ip link add "$VETH" type veth peer name eth0 netns "$NS" || fail "veth $VETH"
ip link set "$VETH" up
ip netns exec "$NS" sh -c 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1;
	ip link set lo up; ip link set eth0 up; ip addr add 10.0.0.1/24 dev eth0' ||
	fail "namespace setup"
sysctl -qw "net.ipv6.conf.$VETH.disable_ipv6=1" 2>/dev/null

# ---- the switch ----
cat > "$R/sw.yaml" <<EOF
dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, in_memory: true,
       file_prefix: $TAG, log_level: "*:notice",
       extra_args: ["--no-pci", "--no-telemetry", "--log-level=nfvswitch.vhost:info"]}
workers: [{lcore: 1}]
control: {stats_interval_ms: 0, socket: "$R/ctl.sock"}
ports:
  - {name: up, type: ethdev, device: "net_af_packet_$TAG,iface=$VETH"}
  - {name: src, type: vhost, path: "$R/src.sock", mode: client}
  - {name: dst, type: vhost, path: "$R/dst.sock", mode: client}
rules:
  - {priority: 10, match: {}, actions: [normal]}
EOF
"$NFVSWITCH_BIN" -c "$R/sw.yaml" > "$R/sw.log" 2>&1 &
SPID=$!
ctl() { "$CTL_BIN" -s "$R/ctl.sock" "$@"; }
fdb_port() { # fdb_port MAC: the port the MAC table holds for MAC
	ctl --json show fdb 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    if e["mac"].lower() == sys.argv[1].lower(): print(e["port"])' "$1"
}
i=0
until ctl version >/dev/null 2>&1; do
	kill -0 "$SPID" 2>/dev/null || fail "nfvswitch exited: $(tail -n 20 "$R/sw.log")"
	i=$((i + 1)); [ $i -le 300 ] || fail "no control socket in 30 s"
	sleep 0.1
done

# ---- QEMU: both sides the same machine; the destination waits for the state ----
qemu() { # qemu NAME [ARGS...]
	n=$1; shift
	"$QEMU" -machine q35,accel=tcg -cpu qemu64 -m 256 -smp 1 \
		-object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
		-chardev socket,id=c0,path="$R/$n.sock",server=on \
		-netdev vhost-user,id=n0,chardev=c0 \
		-device virtio-net-pci,netdev=n0,mac=$GUEST_MAC,vectors=0 \
		-kernel "$VMLINUZ" -initrd "$R/initrd.gz" \
		-append "console=ttyS0 quiet panic=-1" \
		-display none -monitor unix:"$R/$n.mon",server=on,wait=off \
		-serial file:"$R/console-$n.log" -no-reboot "$@" > "$R/qemu-$n.log" 2>&1 &
}
hmp() { # hmp NAME COMMAND: one HMP command, its output on stdout
	python3 - "$R/$1.mon" "$2" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sys.argv[1])
def until_prompt():
    b = b''
    while not b.endswith(b'(qemu) '):
        c = s.recv(4096)
        if not c: break
        b += c
    return b.decode(errors='replace')
until_prompt()
s.sendall(sys.argv[2].encode() + b'\n')
out = until_prompt()
print('\n'.join(l for l in out.replace('\r', '').split('\n')[1:] if not l.startswith('(qemu)')))
EOF
}

qemu src
QSRC=$!
i=0
while ! grep -q GUEST-UP "$R/console-src.log" 2>/dev/null; do
	kill -0 "$QSRC" 2>/dev/null || fail "source QEMU exited: $(cat "$R/qemu-src.log")"
	kill -0 "$SPID" 2>/dev/null || fail "nfvswitch exited"
	i=$((i + 1)); [ $i -le 1800 ] || fail "guest did not boot in 180 s"
	sleep 0.1
done
echo "guest booted on the source QEMU (pid $QSRC)"
ip netns exec "$NS" ping -c 5 -i 0.2 -W 1 -w 60 -q 10.0.0.2 > "$R/ping0.log" 2>&1 &
wait $! || fail "no ping before migration: $(cat "$R/ping0.log")"
[ "$(fdb_port $GUEST_MAC)" = src ] ||
	fail "guest MAC not learned on src: $(ctl show fdb)"

qemu dst -incoming unix:"$R/mig.sock"
QDST=$!
i=0
until [ -S "$R/mig.sock" ] && grep -q "port dst: connected" "$R/sw.log"; do
	kill -0 "$QDST" 2>/dev/null || fail "destination QEMU exited: $(cat "$R/qemu-dst.log")"
	i=$((i + 1)); [ $i -le 600 ] || fail "destination QEMU not ready in 60 s"
	sleep 0.1
done

# ---- migrate under a 20 pkt/s ping ----
# Until stopped (SIGINT: ping prints its statistics), 120 s at most.
ip netns exec "$NS" ping -i 0.05 -W 1 -w 120 -q 10.0.0.2 > "$R/ping.log" 2>&1 &
PPID_PING=$!
sleep 3
hmp src "migrate -d unix:$R/mig.sock" > "$R/migrate.log"
grep -qi "error\|lacks\|disabled\|fail" "$R/migrate.log" &&
	fail "QEMU refused the migration: $(cat "$R/migrate.log")"
i=0
while :; do
	st=$(hmp src "info migrate" | awk -F': *' '/^Migration status/ {print $2}')
	case "$st" in
	completed) break ;;
	failed | cancelled) fail "migration $st: $(hmp src 'info migrate')" ;;
	esac
	i=$((i + 1)); [ $i -le 120 ] || fail "migration not completed in 60 s (status $st)"
	sleep 0.5
done
echo "migration completed: $(hmp src 'info migrate' | grep -E '^(total time|downtime)' | tr '\n' ' ')"
hmp dst "info status" | grep -q running || fail "destination guest not running"
grep -q "port src: dirty-page logging on" "$R/sw.log" ||
	fail "the switch never saw dirty-page logging (VHOST_F_LOG_ALL) turned on for src"

# The announce moves the MAC; give the new port a few seconds.
i=0
until [ "$(fdb_port $GUEST_MAC)" = dst ]; do
	i=$((i + 1)); [ $i -le 100 ] || fail "guest MAC never moved to dst: $(ctl show fdb)"
	sleep 0.1
done
echo "guest MAC moved to dst in the MAC table"
sleep 2 # pings after the move: they must be answered
kill -INT "$PPID_PING"
wait "$PPID_PING"
PPID_PING=""
stats=$(grep "packets transmitted" "$R/ping.log")
tx=$(echo "$stats" | awk '{print $1}')
rx=$(echo "$stats" | awk '{print $4}')
[ -n "$tx" ] && [ -n "$rx" ] || fail "no ping statistics: $(cat "$R/ping.log")"
lost=$((tx - rx))
echo "pings across the migration: lost $lost of $tx (50 ms apart)"

stop "$QSRC"; QSRC=""
ip netns exec "$NS" ping -c 10 -i 0.2 -W 1 -w 30 -q 10.0.0.2 > "$R/ping2.log" 2>&1 ||
	fail "no ping after migration: $(cat "$R/ping2.log")"
echo "after migration: $(grep 'packets transmitted' "$R/ping2.log")"
echo "switch ports (src's drops: frames sent to the stopped source device):"
ctl show ports | grep -E "^ *(name|port|src|dst|up) " || true
[ "$lost" -le "$LOSS_MAX" ] || fail "lost $lost pings (more than $LOSS_MAX) across the migration"
echo "PASS: guest migrated src -> dst under traffic, MAC moved, $lost of $tx pings lost"
exit 0
