#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# A real TCP flow between two QEMU guests on two nfvswitch vhost-user ports,
# with the guest offloads on and off.
#
# Two QEMUs (TCG, Debian's kernel and virtio-net driver, a busybox
# initramfs) are served by one switch (vhost-user client ports "a" and "b",
# `normal` forwarding). Guest B (10.0.0.2) sends the output of `seq 1 K`
# to guest A (10.0.0.1) over TCP with busybox nc; guest A prints the md5 of
# what it received, which must be the host's md5 of the same `seq 1 K`.
#
# Run twice, both ports with `offloads: true` (the default) and then
# `offloads: false`:
#   - on: the guests' kernels negotiate HOST_TSO4/CSUM and GUEST_TSO4/CSUM,
#     so guest B sends TCP super-frames with partial checksums and the
#     switch passes them to guest A as they are (guest -> guest keeps the
#     super-frame): the switch's port counters must show an average frame
#     on port b over 1,600 bytes (larger than any frame of a 1500-byte MTU);
#   - off: nothing is negotiated, every frame is at most 1514 bytes;
#   - either way the payload is intact (md5) and no frame was dropped for an
#     offload the switch could not finish (drop reason offload_failed).
# The time each transfer took is printed (TCG guests: not a benchmark).
#
# Exit status: 0 pass, 1 fail, 77 skipped (no QEMU, or no guest kernel /
# busybox). Usage: tests/vhost/qemu_tcp.sh [nfvswitch [nfvswitch-ctl]]
# Environment: NFVSWITCH_BIN, NFVSWITCH_CTL_BIN, VS_QEMU_WORK (.deb cache,
# default /tmp/nfvswitch-qemu), VS_TCP_LINES (K, default 400000: 2.7 MB).
set -u

NFVSWITCH_BIN=${NFVSWITCH_BIN:-${1:-build/app/nfvswitch}}
CTL_BIN=${NFVSWITCH_CTL_BIN:-${2:-build/app/nfvswitch-ctl}}
W=${VS_QEMU_WORK:-/tmp/nfvswitch-qemu}
K=${VS_TCP_LINES:-400000}
TAG=vstcp$$
R=""
SPID=""
QA=""
QB=""

skip() { echo "SKIP: $*"; exit 77; }
fail() {
	echo "FAIL: $*"
	qemu_logs console-a.log console-b.log qemu-a.log qemu-b.log sw.log
	cleanup
	exit 1
}
stop_all() {
	stop "$QA"; QA=""
	stop "$QB"; QB=""
	stop "$SPID"; SPID=""
}
cleanup() {
	stop_all
	[ -n "$R" ] && [ "${VS_TCP_KEEP:-0}" = 0 ] && rm -rf "$R"
	R=""
}
trap cleanup EXIT INT TERM

. "$(dirname "$0")/qemu_lib.sh"
qemu_find
[ -x "$NFVSWITCH_BIN" ] || fail "no nfvswitch binary at $NFVSWITCH_BIN"
[ -x "$CTL_BIN" ] || fail "no nfvswitch-ctl binary at $CTL_BIN"
command -v python3 >/dev/null || skip "python3 is needed to read the port counters"
qemu_guest_kernel

R=$(mktemp -d /tmp/vs_qemu_tcp_XXXXXX)
N=$(seq 1 "$K" | wc -c)
WANT=$(seq 1 "$K" | md5sum | awk '{print $1}')

# Guest A receives (exactly N bytes: busybox nc need not see the end of the
# stream), guest B sends until A has taken the connection.
mkdir -p "$R/a" "$R/b"
R0=$R
R=$R0/a
qemu_initrd "$R0/initrd-a.gz" "ip link set eth0 up
ip addr add 10.0.0.1/24 dev eth0
echo GUEST-UP
s=\$(nc -l -p 5000 | head -c $N | md5sum)
echo \"RECV-MD5 \$s\"
sleep 3600
poweroff -f"
R=$R0/b
qemu_initrd "$R0/initrd-b.gz" "ip link set eth0 up
ip addr add 10.0.0.2/24 dev eth0
seq 1 $K > /payload
echo GUEST-UP
i=0
until nc 10.0.0.1 5000 < /payload; do i=\$((i + 1)); [ \$i -lt 120 ] || break; sleep 1; done
echo SEND-DONE
sleep 3600
poweroff -f"
R=$R0

ctl() { "$CTL_BIN" -s "$R/ctl.sock" "$@"; }

# port_avg PORT: rx bytes / rx packets of PORT (integer), from show ports
port_avg() {
	ctl --json show ports | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p["name"] == sys.argv[1]:
        print(p["rx_bytes"] // max(p["rx_pkts"], 1))' "$1"
}
drop_count() { # drop_count REASON
	ctl --json stats | python3 -c '
import json, sys
print(json.load(sys.stdin)["drops"][sys.argv[1]])' "$1"
}

qemu() { # qemu NAME MAC
	"$QEMU" -machine q35,accel=tcg -cpu qemu64 -m 256 -smp 1 \
		-object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
		-chardev socket,id=c0,path="$R/$1.sock",server=on \
		-netdev vhost-user,id=n0,chardev=c0 \
		-device virtio-net-pci,netdev=n0,mac="$2",vectors=0 \
		-kernel "$VMLINUZ" -initrd "$R/initrd-$1.gz" \
		-append "console=ttyS0 quiet panic=-1" \
		-display none -serial file:"$R/console-$1.log" -no-reboot > "$R/qemu-$1.log" 2>&1 &
}

# run OFFLOADS: one switch, two guests, one transfer; checks as above
run() {
	off=$1
	rm -f "$R"/console-*.log "$R"/*.sock
	cat > "$R/sw.yaml" <<EOF
dpdk: {main_lcore: 0, memory_mb: 512, no_huge: true, in_memory: true,
       file_prefix: $TAG, log_level: "*:notice", extra_args: ["--no-pci", "--no-telemetry"]}
workers: [{lcore: 1}]
control: {stats_interval_ms: 0, socket: "$R/ctl.sock"}
ports:
  - {name: a, type: vhost, path: "$R/a.sock", mode: client, offloads: $off}
  - {name: b, type: vhost, path: "$R/b.sock", mode: client, offloads: $off}
rules:
  - {priority: 10, match: {}, actions: [normal]}
EOF
	qemu a 52:54:00:00:00:a1
	QA=$!
	qemu b 52:54:00:00:00:b2
	QB=$!
	"$NFVSWITCH_BIN" -c "$R/sw.yaml" > "$R/sw.log" 2>&1 &
	SPID=$!
	i=0
	until ctl version >/dev/null 2>&1; do
		kill -0 "$SPID" 2>/dev/null || fail "nfvswitch exited: $(tail -n 20 "$R/sw.log")"
		i=$((i + 1)); [ $i -le 300 ] || fail "no control socket in 30 s"
		sleep 0.1
	done
	t0=""
	i=0
	until grep -q "RECV-MD5" "$R/console-a.log" 2>/dev/null; do
		kill -0 "$QA" 2>/dev/null || fail "QEMU a exited: $(cat "$R/qemu-a.log")"
		kill -0 "$QB" 2>/dev/null || fail "QEMU b exited: $(cat "$R/qemu-b.log")"
		kill -0 "$SPID" 2>/dev/null || fail "nfvswitch exited: $(tail -n 20 "$R/sw.log")"
		if [ -z "$t0" ] && grep -q GUEST-UP "$R/console-a.log" 2>/dev/null &&
			grep -q GUEST-UP "$R/console-b.log" 2>/dev/null; then
			t0=$(date +%s%N)
		fi
		i=$((i + 1)); [ $i -le 3000 ] || fail "offloads $off: no transfer in 300 s"
		sleep 0.1
	done
	t1=$(date +%s%N)
	got=$(awk '/RECV-MD5/ {print $2}' "$R/console-a.log" | tr -d '\r')
	[ "$got" = "$WANT" ] || fail "offloads $off: guest A received md5 $got, sent $WANT"
	avg=$(port_avg b)
	lost=$(drop_count offload_failed)
	[ "$lost" = 0 ] || fail "offloads $off: drops offload_failed: '$lost'"
	if [ "$off" = true ]; then
		[ "$avg" -gt 1600 ] ||
			fail "offloads on: average frame from guest B $avg bytes: no super-frames"
	else
		[ "$avg" -le 1514 ] || fail "offloads off: average frame from guest B $avg bytes"
	fi
	echo "offloads $off: $N bytes intact (md5 $got), average frame from guest B $avg bytes," \
	     "transfer $(( (t1 - ${t0:-$t1}) / 1000000 )) ms after both guests were up"
	stop_all
}

run true
run false
echo "PASS"
