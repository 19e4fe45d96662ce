/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker poll loop (fast path): rx burst -> flow-key extraction ->
 * classification -> actions -> per-output tx batching -> flush.
 * No logging, no allocation (packet copies come from the mempool), no
 * syscalls, no locks except a shared tx queue's.
 */
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "vs_action.h"
#include "vs_flow_dp.h"
#include "vs_worker.h"

/* A burst of n <= VS_BURST packets goes to bucket floor(log2 n). */
_Static_assert(VS_BURST == 1 << (VS_BURST_HIST - 1), "burst histogram does not fit VS_BURST");

static inline void
drop_pkt(struct vs_worker *w, struct rte_mbuf *m, enum vs_drop_reason r)
{
	w->stats.drops[r]++;
	rte_pktmbuf_free(m);
}

static void
flush_port(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id)
{
	struct vs_txbuf *b = &w->txb[id];
	struct vs_port *port = s->ports[id];
	uint64_t bytes = 0, lost_bytes = 0;
	uint16_t n = b->n, sent = 0, q, i;
	unsigned tries;

	for (i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(b->pkts[i]);
	q = vs_port_txq_of(port->n_txq, w->index);
	for (tries = 0; sent < n && tries < VS_TX_RETRIES; tries++)
		sent += port->tx(port, q, b->pkts + sent, (uint16_t)(n - sent));
	if (unlikely(sent < n)) {
		enum vs_drop_reason r =
		    port->type == VS_PORT_VHOST ? VS_DROP_VHOST_TX_FULL : VS_DROP_TX_FULL;

		for (i = sent; i < n; i++)
			lost_bytes += rte_pktmbuf_pkt_len(b->pkts[i]);
		rte_pktmbuf_free_bulk(b->pkts + sent, (unsigned)(n - sent));
		w->stats.drops[r] += (uint64_t)(n - sent);
		w->stats.tx_drops[id] += (uint64_t)(n - sent);
	}
	w->stats.tx_pkts[id] += sent;
	w->stats.tx_bytes[id] += bytes - lost_bytes;
	b->n = 0;
	w->pending_tx &= ~(UINT64_C(1) << id);
}

static void
flush_all(struct vs_worker *w, const struct vs_snapshot *s)
{
	uint64_t pending = w->pending_tx;

	while (pending) {
		uint16_t id = (uint16_t)(unsigned)__builtin_ctzll(pending);

		pending &= pending - 1;
		flush_port(w, s, id);
	}
}

/* Can cnt packets from in_port leave by port id? Counts the drops when not. */
static inline bool
tx_allowed_n(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id, uint16_t in_port,
	     uint16_t cnt)
{
	enum vs_drop_reason r;

	/* One test for the common case: the port exists, is ready, its link is
	 * up (tx_ok_mask has no bit at or beyond n_ports) and it is not the
	 * input port. */
	if (likely(id < 64 && ((s->tx_ok_mask >> id) & 1) && id != in_port))
		return true;
	if (unlikely(id >= s->n_ports || s->ports[id] == NULL))
		r = VS_DROP_BAD_PORT;
	else if (unlikely(!(s->ready_mask & (UINT64_C(1) << id))))
		r = s->ports[id]->type == VS_PORT_VHOST ? VS_DROP_VHOST_NOT_READY
							: VS_DROP_PORT_DOWN;
	else if (unlikely(id == in_port))
		r = VS_DROP_HAIRPIN;
	else if (unlikely(s->link_down_mask & (UINT64_C(1) << id)))
		r = VS_DROP_LINK_DOWN;
	else
		return true;
	w->stats.drops[r] += cnt;
	if (id < VS_PORT_MAX)
		w->stats.tx_drops[id] += cnt;
	return false;
}

static inline bool
tx_allowed(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id, uint16_t in_port)
{
	return tx_allowed_n(w, s, id, in_port, 1);
}

/* Put cnt packets into port id's tx buffer, flushing it whenever it fills. */
static inline void
enqueue_n(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id, struct rte_mbuf **pkts,
	  uint16_t cnt)
{
	struct vs_txbuf *b = &w->txb[id];

	while (cnt > 0) {
		uint16_t k;

		if (unlikely(b->n == VS_TXBUF_SIZE))
			flush_port(w, s, id);
		k = RTE_MIN(cnt, (uint16_t)(VS_TXBUF_SIZE - b->n));
		for (uint16_t x = 0; x < k; x++)
			b->pkts[b->n + x] = pkts[x];
		b->n = (uint16_t)(b->n + k);
		pkts += k;
		cnt = (uint16_t)(cnt - k);
	}
	w->pending_tx |= UINT64_C(1) << id;
}

static inline void
enqueue(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id, struct rte_mbuf *m)
{
	enqueue_n(w, s, id, &m, 1);
}

/* Send a run of packets that all go to port id (one plain output action). */
static inline void
emit_run(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id, uint16_t in_port,
	 struct rte_mbuf **pkts, uint16_t cnt)
{
	if (!tx_allowed_n(w, s, id, in_port, cnt)) {
		rte_pktmbuf_free_bulk(pkts, cnt);
		return;
	}
	enqueue_n(w, s, id, pkts, cnt);
}

/* Send m (last == true: the packet itself, else a private copy) to port id. */
static inline void
emit(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id, uint16_t in_port,
     struct rte_mbuf *m, bool last)
{
	struct rte_mbuf *c;

	if (!tx_allowed(w, s, id, in_port)) {
		if (last)
			rte_pktmbuf_free(m);
		return;
	}
	if (last) {
		enqueue(w, s, id, m);
		return;
	}
	/* A deep copy: header rewrites done later on m never reach c. */
	c = rte_pktmbuf_copy(m, w->sh->pool, 0, UINT32_MAX);
	if (unlikely(c == NULL)) {
		w->stats.drops[VS_DROP_NO_MBUF]++;
		return;
	}
	enqueue(w, s, id, c);
}

static void
flood(struct vs_worker *w, const struct vs_snapshot *s, uint16_t in_port, struct rte_mbuf *m,
      bool last)
{
	uint64_t targets = s->tx_ok_mask & ~(UINT64_C(1) << in_port);

	if (targets == 0) {
		if (last)
			drop_pkt(w, m, VS_DROP_NO_OUTPUT);
		return;
	}
	while (targets) {
		uint16_t id = (uint16_t)(unsigned)__builtin_ctzll(targets);

		targets &= targets - 1;
		emit(w, s, id, in_port, m, last && targets == 0);
	}
}

/* Hand m (last: the packet itself, else a copy of its first max_len bytes)
 * to the control thread as a packet-in; a full ring drops it, counted. */
static void
to_controller(struct vs_worker *w, uint16_t in_port, struct rte_mbuf *m,
	      const struct vs_actions *acts, uint16_t max_len, bool last)
{
	struct vs_pktio_meta *meta;
	struct rte_mbuf *c = m;

	if (!last) {
		c = rte_pktmbuf_copy(m, w->sh->pool, 0,
				     max_len == 0xffff ? UINT32_MAX : (uint32_t)max_len);
		if (unlikely(c == NULL)) {
			w->stats.drops[VS_DROP_NO_MBUF]++;
			return;
		}
	}
	meta = vs_pktio_meta_of(c, w->sh->pktio_off);
	meta->cookie = acts->cookie;
	meta->table_id = acts->table_id;
	meta->in_port = in_port;
	meta->max_len = max_len;
	meta->reason = acts->miss_flow ? VS_PKTIO_MISS_FLOW : VS_PKTIO_ACTION;
	if (unlikely(rte_ring_sp_enqueue(w->pin, c) != 0))
		drop_pkt(w, c, VS_DROP_TO_CONTROLLER_FULL);
}

/* Table misses to the control thread (openflow table_miss: controller). */
static __rte_noinline void
miss_to_controller(struct vs_worker *w, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n)
{
	unsigned sent;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct vs_pktio_meta *meta = vs_pktio_meta_of(pkts[i], w->sh->pktio_off);

		meta->cookie = UINT64_MAX;
		meta->table_id = 0;
		meta->in_port = in_port;
		meta->max_len = 0xffff; /* the control thread applies miss_send_len */
		meta->reason = VS_PKTIO_MISS;
	}
	sent = rte_ring_sp_enqueue_burst(w->pin, (void *const *)pkts, n, NULL);
	if (unlikely(sent < n)) {
		w->stats.drops[VS_DROP_TO_CONTROLLER_FULL] += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

/* Packet-outs the control thread queued for this worker: sent through this
 * worker's own tx buffers and queues. */
static __rte_noinline void
packet_outs(struct vs_worker *w, const struct vs_snapshot *s)
{
	struct rte_mbuf *pkts[VS_BURST];
	unsigned n, i;

	n = rte_ring_sc_dequeue_burst(w->pout, (void **)pkts, VS_BURST, NULL);
	for (i = 0; i < n; i++) {
		const struct vs_pktio_meta *meta = vs_pktio_meta_of(pkts[i], w->sh->pktio_off);

		uint16_t in = meta->in_port;
		uint64_t targets;

		if (meta->out != VS_PKTIO_TO_FLOOD && meta->out != VS_PKTIO_TO_ALL) {
			emit(w, s, meta->out, in, pkts[i], true);
			continue;
		}
		/* in_port may be none (UINT16_MAX): every ready port then */
		targets = s->tx_ok_mask & ~(in < 64 ? UINT64_C(1) << in : 0);
		if (targets == 0) {
			drop_pkt(w, pkts[i], VS_DROP_NO_OUTPUT);
			continue;
		}
		while (targets) {
			uint16_t id = (uint16_t)(unsigned)__builtin_ctzll(targets);

			targets &= targets - 1;
			emit(w, s, id, in, pkts[i], targets == 0);
		}
	}
	if (n > 0)
		flush_all(w, s);
}

static inline bool
push_vlan(struct rte_mbuf *m, uint16_t tpid, uint16_t tci)
{
	struct rte_ether_hdr *oh, *nh;
	struct rte_vlan_hdr *vh;

	if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)
		return false;
	oh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	nh = (struct rte_ether_hdr *)(void *)rte_pktmbuf_prepend(m, sizeof(struct rte_vlan_hdr));
	if (nh == NULL)
		return false;
	/* Move the MACs 4 bytes down; the old EtherType stays where it was and
	 * becomes the tag's inner type. */
	memmove(nh, oh, 2 * RTE_ETHER_ADDR_LEN);
	nh->ether_type = rte_cpu_to_be_16(tpid);
	vh = (struct rte_vlan_hdr *)(nh + 1);
	vh->vlan_tci = rte_cpu_to_be_16(tci);
	return true;
}

static inline void
pop_vlan(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh;
	uint16_t type;

	if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr))
		return;
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	type = rte_be_to_cpu_16(eh->ether_type);
	if (type != RTE_ETHER_TYPE_VLAN && type != RTE_ETHER_TYPE_QINQ)
		return; /* untagged: nothing to pop */
	memmove((uint8_t *)eh + sizeof(struct rte_vlan_hdr), eh, 2 * RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_adj(m, sizeof(struct rte_vlan_hdr));
}

/* Replace the bits of keep's complement in the outer tag's TCI (untagged: nothing). */
static inline void
set_tci(struct rte_mbuf *m, uint16_t keep, uint16_t bits)
{
	struct rte_ether_hdr *eh;
	struct rte_vlan_hdr *vh;
	uint16_t type;

	if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr)))
		return;
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	type = rte_be_to_cpu_16(eh->ether_type);
	if (type != RTE_ETHER_TYPE_VLAN && type != RTE_ETHER_TYPE_QINQ)
		return;
	vh = (struct rte_vlan_hdr *)(eh + 1);
	vh->vlan_tci = rte_cpu_to_be_16((uint16_t)((rte_be_to_cpu_16(vh->vlan_tci) & keep) | bits));
}

/* Send m to the ports of targets (last: m itself goes to the last one). */
static inline void
emit_mask(struct vs_worker *w, const struct vs_snapshot *s, uint64_t targets, uint16_t in_port,
	  struct rte_mbuf *m, bool last)
{
	while (targets) {
		uint16_t id = (uint16_t)(unsigned)__builtin_ctzll(targets);

		targets &= targets - 1;
		emit(w, s, id, in_port, m, last && targets == 0);
	}
}

/*
 * The normal action: put m in its VLAN segment (the input port's access
 * VLAN, its tag on a trunk, or the trunk's native VLAN), learn its source,
 * and send it to the learned port of its destination or flood it to the
 * segment's other ports, tagged or untagged as each port carries the VLAN.
 * Never back out of in_port: the switch runs no STP.
 */
static void
normal(struct vs_worker *w, const struct vs_snapshot *s, uint16_t in_port, struct rte_mbuf *m,
       bool last)
{
	const uint64_t in_bit = UINT64_C(1) << in_port;
	const struct rte_ether_hdr *eh;
	const struct vs_l2_entry *e;
	uint64_t targets, untag;
	uint16_t vlan, type;
	bool tagged;

	if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN || s->l2 == NULL)) {
		if (last)
			drop_pkt(w, m, VS_DROP_NO_OUTPUT);
		return;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	type = rte_be_to_cpu_16(eh->ether_type);
	tagged = type == RTE_ETHER_TYPE_VLAN &&
		 rte_pktmbuf_data_len(m) >= RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr);
	if (s->port_tag[in_port] != 0) {
		vlan = s->port_tag[in_port];
		if (unlikely(tagged))
			goto disallowed;
	} else {
		vlan = tagged
			   ? rte_be_to_cpu_16(((const struct rte_vlan_hdr *)(eh + 1))->vlan_tci) &
				 VS_VLAN_VID_MASK
			   : s->port_native[in_port];
		if (unlikely(!(s->vlan_ports[vlan] & in_bit)))
			goto disallowed;
	}
	if (likely(!rte_is_multicast_ether_addr(&eh->src_addr)))
		vs_l2_learn(s->l2, &w->l2ws, w->index, eh->src_addr.addr_bytes, vlan, in_port);
	e = rte_is_multicast_ether_addr(&eh->dst_addr)
		? NULL
		: vs_l2_lookup(s->l2, eh->dst_addr.addr_bytes, vlan);
	if (e != NULL) {
		uint16_t out = __atomic_load_n(&e->port, __ATOMIC_RELAXED);

		if (unlikely(out == in_port)) {
			if (last)
				drop_pkt(w, m, VS_DROP_L2_SAME_PORT);
			return;
		}
		targets = (UINT64_C(1) << out) & s->vlan_ports[vlan];
	} else {
		targets = s->vlan_ports[vlan] & s->tx_ok_mask & ~in_bit;
		w->l2ws.flooded++;
	}
	if (targets == 0) {
		if (last)
			drop_pkt(w, m, VS_DROP_NO_OUTPUT);
		return;
	}
	if (!last) {
		/* Later actions see m unchanged: tag or untag a private copy. */
		m = rte_pktmbuf_copy(m, w->sh->pool, 0, UINT32_MAX);
		if (unlikely(m == NULL)) {
			w->stats.drops[VS_DROP_NO_MBUF]++;
			return;
		}
	}
	/* First the ports that take the frame as it is, then the others. */
	untag = targets & s->vlan_untagged[vlan];
	if (tagged) {
		emit_mask(w, s, targets & ~untag, in_port, m, untag == 0);
		if (untag == 0)
			return;
		pop_vlan(m);
		emit_mask(w, s, untag, in_port, m, true);
	} else {
		emit_mask(w, s, untag, in_port, m, untag == targets);
		if (untag == targets)
			return;
		if (unlikely(!push_vlan(m, RTE_ETHER_TYPE_VLAN, vlan))) {
			drop_pkt(w, m, VS_DROP_VLAN_PUSH_FAILED);
			return;
		}
		emit_mask(w, s, targets & ~untag, in_port, m, true);
	}
	return;
disallowed:
	if (last)
		drop_pkt(w, m, VS_DROP_L2_VLAN_DISALLOWED);
}

static void
execute(struct vs_worker *w, const struct vs_snapshot *s, uint16_t in_port, struct rte_mbuf *m,
	const struct vs_actions *acts)
{
	uint16_t i;

	for (i = 0; i < acts->n; i++) {
		const struct vs_action *a = &acts->a[i];

		switch (a->type) {
		case VS_ACTION_OUTPUT:
			emit(w, s, a->port, in_port, m, a->last_tx);
			if (a->last_tx)
				return;
			break;
		case VS_ACTION_FLOOD:
			flood(w, s, in_port, m, a->last_tx);
			if (a->last_tx)
				return;
			break;
		case VS_ACTION_CONTROLLER:
			to_controller(w, in_port, m, acts, a->max_len, a->last_tx);
			if (a->last_tx)
				return;
			break;
		case VS_ACTION_NORMAL:
			normal(w, s, in_port, m, a->last_tx);
			if (a->last_tx)
				return;
			break;
		case VS_ACTION_IN_PORT:
			/* back where it came from: no input port to keep out */
			emit(w, s, in_port, UINT16_MAX, m, a->last_tx);
			if (a->last_tx)
				return;
			break;
		case VS_ACTION_DROP:
			drop_pkt(w, m, VS_DROP_RULE_DROP);
			return;
		case VS_ACTION_PUSH_VLAN:
			if (unlikely(!push_vlan(m, a->tpid, a->tci))) {
				drop_pkt(w, m, VS_DROP_VLAN_PUSH_FAILED);
				return;
			}
			break;
		case VS_ACTION_POP_VLAN:
			pop_vlan(m);
			break;
		case VS_ACTION_SET_ETH_SRC:
			if (likely(rte_pktmbuf_data_len(m) >= RTE_ETHER_HDR_LEN))
				memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_ADDR_LEN),
				       a->mac, RTE_ETHER_ADDR_LEN);
			break;
		case VS_ACTION_SET_ETH_DST:
			if (likely(rte_pktmbuf_data_len(m) >= RTE_ETHER_HDR_LEN))
				memcpy(rte_pktmbuf_mtod(m, uint8_t *), a->mac, RTE_ETHER_ADDR_LEN);
			break;
		case VS_ACTION_SET_VLAN_VID:
			set_tci(m, (uint16_t)~VS_VLAN_VID_MASK, a->tci);
			break;
		case VS_ACTION_SET_VLAN_PCP:
			set_tci(m, (uint16_t) ~(7u << VS_VLAN_PCP_SHIFT),
				(uint16_t)(a->tci << VS_VLAN_PCP_SHIFT));
			break;
		}
	}
	/* The rule emitted nothing. */
	drop_pkt(w, m, VS_DROP_NO_OUTPUT);
}

/* Returns the TSC when done; t is the TSC when the burst arrived. */
static uint64_t
process_burst(struct vs_worker *w, const struct vs_snapshot *s, uint16_t in_port, uint16_t n,
	      uint64_t t)
{
	struct rte_mbuf *nomatch[VS_BURST];
	uint16_t i, n_nomatch = 0;
	uint64_t bad, t1;

	bad = vs_flow_extract_burst(w->pkts, n, in_port, w->keys, w->outcome);
	t1 = rte_rdtsc();
	w->stats.stage_cycles[VS_STAGE_PARSE] += t1 - t;
	t = t1;
	if (unlikely(bad != 0)) {
		/* Drop malformed packets by reason and close the gaps. */
		uint16_t k = 0;

		for (i = 0; i < n; i++) {
			if (bad & (UINT64_C(1) << i)) {
				drop_pkt(w, w->pkts[i], (enum vs_drop_reason)w->outcome[i]);
				continue;
			}
			if (k != i) {
				w->pkts[k] = w->pkts[i];
				w->keys[k] = w->keys[i];
			}
			k++;
		}
		n = k;
		if (n == 0)
			return t;
	}
	vs_cls_lookup_burst(w->cls_ctx, w->keys, n, w->rules);
	t1 = rte_rdtsc();
	w->stats.stage_cycles[VS_STAGE_CLASSIFY] += t1 - t;
	t = t1;
	for (i = 0; i < n;) {
		const struct vs_cls_rule *r = w->rules[i];
		const struct vs_actions *acts;

		if (unlikely(r == NULL)) {
			nomatch[n_nomatch++] = w->pkts[i++];
			continue;
		}
		acts = r->data;
		if (acts->n == 1 && acts->a[0].type == VS_ACTION_OUTPUT && acts->a[0].last_tx) {
			/* One plain output: the packets after it with the same
			 * rule go out together (port-only rules, one flow). */
			uint32_t bytes = rte_pktmbuf_pkt_len(w->pkts[i]);
			uint16_t j = (uint16_t)(i + 1);

			while (j < n && w->rules[j] == r)
				bytes += rte_pktmbuf_pkt_len(w->pkts[j++]);
			w->rule_bytes[r->id] += bytes;
			emit_run(w, s, acts->a[0].port, in_port, &w->pkts[i], (uint16_t)(j - i));
			i = j;
			continue;
		}
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(w->pkts[i + 1], void *));
		w->rule_bytes[r->id] += rte_pktmbuf_pkt_len(w->pkts[i]);
		execute(w, s, in_port, w->pkts[i], acts);
		i++;
	}
	if (n_nomatch) {
		if (__atomic_load_n(&w->sh->miss_to_ctl, __ATOMIC_RELAXED)) {
			miss_to_controller(w, in_port, nomatch, n_nomatch);
		} else {
			w->stats.drops[VS_DROP_NO_RULE] += n_nomatch;
			rte_pktmbuf_free_bulk(nomatch, n_nomatch);
		}
	}
	t1 = rte_rdtsc();
	w->stats.stage_cycles[VS_STAGE_ACTIONS] += t1 - t;
	return t1;
}

/* Keep the rx queue load entries in step with the snapshot's list. */
static void
rxq_load_sync(struct vs_worker *w, const struct vs_rxq_ref *rxq, uint16_t nq)
{
	uint16_t i;

	for (i = 0; i < nq; i++) {
		struct vs_rxq_load *l = &w->stats.rxq[i];

		if (l->q.port != rxq[i].port || l->q.queue != rxq[i].queue || i >= w->stats.n_rxq) {
			l->q = rxq[i];
			l->cycles = 0;
			l->pkts = 0;
		}
	}
	w->stats.n_rxq = nq;
}

unsigned
vs_worker_poll(struct vs_worker *w)
{
	const struct vs_snapshot *s;
	const struct vs_rxq_ref *rxq;
	unsigned total = 0;
	uint16_t i, nq, n, j;

	s = __atomic_load_n(&w->sh->snap, __ATOMIC_ACQUIRE);
	if (likely(s != NULL)) {
		nq = s->rxqs.n[w->index];
		rxq = s->rxqs.q[w->index];
		if (unlikely(w->stats.generation != s->generation)) {
			w->stats.generation = s->generation;
			rxq_load_sync(w, rxq, nq);
		}
		for (i = 0; i < nq; i++) {
			struct vs_port *port = s->ports[rxq[i].port];
			uint64_t bytes = 0, t0, t1, t2;

			if (!(s->ready_mask & (UINT64_C(1) << rxq[i].port)))
				continue;
			t0 = rte_rdtsc();
			n = port->rx(port, rxq[i].queue, w->pkts, VS_BURST);
			if (n == 0)
				continue;
			t1 = rte_rdtsc();
			w->stats.stage_cycles[VS_STAGE_RX] += t1 - t0;
			w->stats.bursts[31 - __builtin_clz(n)]++;
			for (j = 0; j < n; j++)
				bytes += rte_pktmbuf_pkt_len(w->pkts[j]);
			w->stats.rx_pkts[port->id] += n;
			w->stats.rx_bytes[port->id] += bytes;
			total += n;
			t1 = process_burst(w, s, port->id, n, t1);
			flush_all(w, s);
			t2 = rte_rdtsc();
			w->stats.stage_cycles[VS_STAGE_TX] += t2 - t1;
			w->stats.rxq[i].cycles += t2 - t0;
			w->stats.rxq[i].pkts += n;
		}
		if (w->pout != NULL && unlikely(!rte_ring_empty(w->pout)))
			packet_outs(w, s);
	}
	/* Nothing of s (rules returned by the classifier included) is used
	 * past this point. */
	rte_rcu_qsbr_quiescent(w->sh->qsbr, w->index);
	w->stats.loops++;
	return total;
}

int
vs_worker_main(void *arg)
{
	struct vs_worker *w = arg;
	uint64_t t0, t1;

	rte_rcu_qsbr_thread_online(w->sh->qsbr, w->index);
	t0 = rte_rdtsc();
	while (!__atomic_load_n(&w->sh->stop, __ATOMIC_RELAXED)) {
		unsigned n = vs_worker_poll(w);

		t1 = rte_rdtsc();
		if (n) {
			w->stats.busy_cycles += t1 - t0;
		} else {
			w->stats.idle_cycles += t1 - t0;
			rte_pause();
		}
		t0 = t1;
	}
	rte_rcu_qsbr_thread_offline(w->sh->qsbr, w->index);
	return 0;
}

void
vs_worker_drain(struct vs_worker *w)
{
	uint16_t id;

	for (id = 0; id < VS_PORT_MAX; id++) {
		if (w->txb[id].n) {
			rte_pktmbuf_free_bulk(w->txb[id].pkts, w->txb[id].n);
			w->txb[id].n = 0;
		}
	}
	w->pending_tx = 0;
}
