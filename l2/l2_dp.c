/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Learn events from the fast path: no locks, no allocation, no syscalls.
 */
#include <rte_ring.h>

#include "l2_dp.h"

void
vs_l2_post(struct vs_l2_dp *l2, struct vs_l2_wstate *ws, uint16_t worker, const uint8_t *mac,
	   uint16_t vlan, uint16_t port, uint8_t remote)
{
	uint32_t now = __atomic_load_n(&l2->now, __ATOMIC_RELAXED);
	struct vs_l2_event ev;

	vs_l2_key_make(&ev.key, mac, vlan);
	/* The same request again before the control thread applied it. */
	if (memcmp(&ws->last, &ev.key, sizeof(ev.key)) == 0 && ws->last_port == port &&
	    ws->last_remote == remote && ws->last_now == now)
		return;
	ev.port = port;
	ev.remote = remote;
	ev.pad = 0;
	if (rte_ring_sp_enqueue_elem(l2->ring[worker], &ev, sizeof(ev)) != 0) {
		ws->lost++;
		return;
	}
	ws->last = ev.key;
	ws->last_port = port;
	ws->last_remote = remote;
	ws->last_now = now;
}
