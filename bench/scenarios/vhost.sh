#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vhost-user helpers shared by pvp and phy-vhost (sourced). The "guest" is
# dpdk-testpmd with net_virtio_user, the same virtio driver a VM runs, as the
# vhost-user server (it creates the socket); every switch connects as a
# client: nfvswitch `type: vhost, mode: client`, OVS dpdkvhostuserclient,
# testpmd net_vhost client=1.

NFV_VHOST_REFUSED=0

guest_cores() {
	if [ "$NCPU" -ge 4 ]; then
		GUEST_CORE=3
		GEN_CORES="$CTRL_CORE,2"
		GEN_NOTE="generator tx+rx alternating on core 2"
	elif [ "$NCPU" -ge 3 ]; then
		GUEST_CORE=2
	else
		GUEST_CORE=$CTRL_CORE
		note "2 CPUs: the guest testpmd polls on core $CTRL_CORE with the control threads${GEN_USED:+ and the generator}; three busy pollers on two cores: functional numbers only"
	fi
	GUEST_NOTE="guest testpmd (virtio_user) on core $GUEST_CORE"
}

VHOST_SOCK() { echo "$RUNDIR/vhost0.sock"; }

# guest_start MODE (macswap|rxonly)
guest_start() {
	GUEST_PREFIX="vsb-guest-$TAG"
	rm -f "$(VHOST_SOCK)"
	taskset -c "$GUEST_CORE" "$TESTPMD" --lcores "0@$GUEST_CORE,1@$GUEST_CORE" --main-lcore 0 \
		$(eal_mem_args) -m 1024 --file-prefix "$GUEST_PREFIX" --no-pci --log-level='*:warning' \
		--vdev="net_virtio_user0,path=$(VHOST_SOCK),server=1,queues=1,queue_size=1024" -- \
		--forward-mode="$1" --nb-cores=1 --port-topology=loop --burst="$BURST" \
		--total-num-mbufs=32768 --auto-start < <(tail -f /dev/null) > "$RUNDIR/guest.log" 2>&1 &
	GUEST_PID=$!
	PIDS+=("$GUEST_PID")
	local i
	for i in $(seq 1 200); do
		[ -S "$(VHOST_SOCK)" ] && return 0
		kill -0 "$GUEST_PID" 2>/dev/null || break
		sleep 0.1
	done
	note "guest testpmd did not create $(VHOST_SOCK): $(tail -2 "$RUNDIR/guest.log" | tr '\n' ' ')"
	return 1
}

guest_stop() { stop_pid "$GUEST_PID"; }

# vhost_refused: after nfv_start failed, was it because of the vhost port?
vhost_check_refusal() {
	if printf '%s\n' "${NOTES[@]}" | grep -qi vhost; then
		NFV_VHOST_REFUSED=1
	fi
}

vhost_exit_status() {
	if [ "$NFV_VHOST_REFUSED" = 1 ]; then
		echo "error: nfvswitch refused the vhost port in this build (see the notes above);" \
			"the scenario needs vhost support (vhost/ module)." >&2
		return 3
	fi
	return 0
}
