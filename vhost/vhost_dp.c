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

/*
 * Rx queue `queue` dequeues from the guest tx rings of pairs queue,
 * queue + n_queues, ... that are enabled: a guest that enabled more pairs
 * than the port has loses nothing. Each guest ring has one poller.
 */
uint16_t
vs_vhu_rx(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct vs_vhu_port *vp = port->priv;
	struct vs_vhu_queue *vq = &vp->q[queue];
	uint64_t bytes = 0;
	uint16_t nb = 0, i, pair, end;
	int vid;

	vid = __atomic_load_n(&vp->vid, __ATOMIC_RELAXED);
	if (unlikely(vid < 0))
		return 0;
	end = __atomic_load_n(&vp->rx_pairs_end, __ATOMIC_RELAXED);
	for (pair = queue; pair < end && nb < n; pair = (uint16_t)(pair + vp->n_queues)) {
		if (!__atomic_load_n(&vp->pair_rx_on[pair], __ATOMIC_RELAXED))
			continue;
		nb += rte_vhost_dequeue_burst(vid, (uint16_t)(pair * 2 + 1), vp->pool, pkts + nb,
					      (uint16_t)(n - nb));
	}
	if (nb == 0)
		return 0;
	for (i = 0; i < nb; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	vq->rx_pkts += nb;
	vq->rx_bytes += bytes;
	return nb;
}

/*
 * Tx queue `queue` sends on the enabled guest rx ring the control thread
 * mapped it to (tx_pair): a guest that enabled fewer pairs than the port has
 * still gets every worker's packets, one that enabled more gets them spread. Two tx queues may map
 * to one pair: librte_vhost serialises enqueues on a virtqueue with its access_lock, and the
 * counters here are the tx queue's own.
 */
uint16_t
vs_vhu_tx(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct vs_vhu_port *vp = port->priv;
	struct vs_vhu_queue *vq = &vp->q[queue];
	uint64_t bytes = 0;
	uint16_t sent, i, pair;
	int vid;

	vid = __atomic_load_n(&vp->vid, __ATOMIC_RELAXED);
	pair = __atomic_load_n(&vq->tx_pair, __ATOMIC_RELAXED);
	if (unlikely(vid < 0 || !__atomic_load_n(&vp->pair_tx_on[pair], __ATOMIC_RELAXED))) {
		vq->tx_disabled += n;
		return 0;
	}
	/* The enqueue copies into guest buffers: the mbufs stay ours. */
	sent = rte_vhost_enqueue_burst(vid, (uint16_t)(pair * 2), pkts, n);
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
