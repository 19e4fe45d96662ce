/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost ports, fast path: one rte_vhost_dequeue_burst / rte_vhost_enqueue_burst
 * per burst. Workers call these only for a port the published snapshot marks
 * ready, so the device id is valid for the whole call (destroy_device waits
 * for a grace period). No logging, no allocation beyond the dequeue's mbufs,
 * no locks (a shared tx queue is locked by the caller, vs_port_tx_locked).
 */
#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_vhost.h>

#include "vhost_priv.h"

uint16_t
vs_vhu_rx(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct vs_vhu_port *vp = port->priv;
	struct vs_vhu_queue *vq = &vp->q[queue];
	uint64_t bytes = 0;
	uint16_t nb, i;
	int vid;

	if (unlikely(!__atomic_load_n(&vq->rx_on, __ATOMIC_RELAXED)))
		return 0;
	vid = __atomic_load_n(&vp->vid, __ATOMIC_RELAXED);
	if (unlikely(vid < 0))
		return 0;
	nb = rte_vhost_dequeue_burst(vid, (uint16_t)(queue * 2 + 1), vp->pool, pkts, n);
	if (nb == 0)
		return 0;
	for (i = 0; i < nb; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	vq->rx_pkts += nb;
	vq->rx_bytes += bytes;
	return nb;
}

uint16_t
vs_vhu_tx(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct vs_vhu_port *vp = port->priv;
	struct vs_vhu_queue *vq = &vp->q[queue];
	uint64_t bytes = 0;
	uint16_t sent, i;
	int vid;

	vid = __atomic_load_n(&vp->vid, __ATOMIC_RELAXED);
	if (unlikely(!__atomic_load_n(&vq->tx_on, __ATOMIC_RELAXED) || vid < 0)) {
		vq->tx_disabled += n;
		return 0;
	}
	/* The enqueue copies into guest buffers: the mbufs stay ours. */
	sent = rte_vhost_enqueue_burst(vid, (uint16_t)(queue * 2), pkts, n);
	for (i = 0; i < sent; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	if (sent)
		rte_pktmbuf_free_bulk(pkts, sent);
	vq->tx_pkts += sent;
	vq->tx_bytes += bytes;
	if (unlikely(sent < n))
		vq->tx_ring_full += (uint64_t)(n - sent);
	return sent;
}
