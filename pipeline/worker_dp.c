/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker poll loop (fast path): rx burst -> flow-key extraction ->
 * classification -> actions -> per-output tx batching -> flush.
 * No logging, no allocation (packet copies come from the mempool), no
 * syscalls, no locks except a shared tx queue's.
 */
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "tunnel_dp.h"
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

static void tun_send_burst(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id,
			   struct rte_mbuf **pkts, uint16_t n);

/* Send n packets (bytes in all) to port id with bounded retries; what the
 * port does not take is freed and counted. */
static void
tx_counted(struct vs_worker *w, struct vs_port *port, uint16_t id, struct rte_mbuf **pkts,
	   uint16_t n, uint64_t bytes)
{
	uint64_t lost_bytes = 0;
	uint16_t sent = 0, q, i;
	unsigned tries;

	q = vs_port_txq_of(port->n_txq, w->index);
	for (tries = 0; sent < n && tries < VS_TX_RETRIES; tries++)
		sent += port->tx(port, q, pkts + sent, (uint16_t)(n - sent));
	if (unlikely(sent < n)) {
		enum vs_drop_reason r =
		    port->type == VS_PORT_VHOST ? VS_DROP_VHOST_TX_FULL : VS_DROP_TX_FULL;

		for (i = sent; i < n; i++)
			lost_bytes += rte_pktmbuf_pkt_len(pkts[i]);
		rte_pktmbuf_free_bulk(pkts + sent, (unsigned)(n - sent));
		w->stats.drops[r] += (uint64_t)(n - sent);
		w->stats.tx_drops[id] += (uint64_t)(n - sent);
	}
	w->stats.tx_pkts[id] += sent;
	w->stats.tx_bytes[id] += bytes - lost_bytes;
}

/* Complete checksums in software: the IPv4 header's (ip) and the L4 one of
 * kind l4req (RTE_MBUF_F_TX_TCP_CKSUM / _UDP_CKSUM; 0: none), for a guest's
 * partial checksum or a segment rte_gso made (it never checksums). The
 * headers must be in the first segment. Returns false for a packet it cannot. */
static bool
sw_cksum(struct rte_mbuf *m, bool ipv4_hdr, uint64_t l4req)
{
	uint32_t l3 = m->l2_len, l4 = l3 + m->l3_len;
	uint32_t field;
	uint16_t v;
	void *ip;

	if (unlikely(m->l3_len == 0 || l4 > rte_pktmbuf_data_len(m)))
		return false;
	ip = rte_pktmbuf_mtod_offset(m, void *, l3);
	if (ipv4_hdr && (m->ol_flags & RTE_MBUF_F_TX_IPV4)) {
		struct rte_ipv4_hdr *h = ip;

		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
	}
	if (l4req == 0)
		return true;
	if (l4req == RTE_MBUF_F_TX_TCP_CKSUM)
		field = l4 + offsetof(struct rte_tcp_hdr, cksum);
	else if (l4req == RTE_MBUF_F_TX_UDP_CKSUM)
		field = l4 + offsetof(struct rte_udp_hdr, dgram_cksum);
	else
		return false; /* SCTP: never offered */
	if (unlikely(field + sizeof(v) > rte_pktmbuf_data_len(m)))
		return false;
	v = 0;
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, field), &v, sizeof(v));
	if (m->ol_flags & RTE_MBUF_F_TX_IPV4)
		v = rte_ipv4_udptcp_cksum_mbuf(m, ip, l4);
	else if (m->ol_flags & RTE_MBUF_F_TX_IPV6)
		v = rte_ipv6_udptcp_cksum_mbuf(m, ip, l4);
	else
		return false;
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, field), &v, sizeof(v));
	return true;
}

#define VS_GSO_OUT 256 /* segments of one flush step: a 64 KiB frame at MSS 256 */

/* Bytes [off, off + len) of m into dst. */
static inline void
copy_out(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t *dst)
{
	const void *src = rte_pktmbuf_read(m, off, len, dst);

	if (src != dst)
		memcpy(dst, src, len);
}

/*
 * TCP/IPv6 segmentation, which librte_gso of DPDK 22.11 lacks: each segment
 * is a copy (headers, then its part of the payload) in mbufs of pool, its
 * IPv6 payload length, TCP sequence number and flags set as a segmenting
 * NIC would. Checksums are left to the caller. Returns the segments put in
 * out (at most max), or -ENOMEM / -EINVAL (nothing put).
 */
static int
tcp6_segment(struct rte_mbuf *m, struct rte_mempool *pool, struct rte_mbuf **out, uint16_t max)
{
	const uint32_t hdr = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
	const uint32_t mss = m->tso_segsz;
	uint32_t total, off, n, i;

	if (m->l4_len < sizeof(struct rte_tcp_hdr) || m->l3_len < sizeof(struct rte_ipv6_hdr) ||
	    rte_pktmbuf_pkt_len(m) <= hdr || hdr > rte_pktmbuf_data_len(m))
		return -EINVAL;
	total = rte_pktmbuf_pkt_len(m) - hdr;
	n = (total + mss - 1) / mss;
	if (n > max)
		return -EINVAL;
	for (i = 0, off = 0; i < n; i++, off += mss) {
		const uint32_t len = RTE_MIN(mss, total - off), need = hdr + len;
		struct rte_mbuf *head = NULL, *tail = NULL;
		struct rte_ipv6_hdr *ip;
		struct rte_tcp_hdr *tcp;
		uint32_t done = 0;

		while (done < need) {
			struct rte_mbuf *c = rte_pktmbuf_alloc(pool);
			uint32_t k;
			uint8_t *dst;

			if (c == NULL || (head == NULL && rte_pktmbuf_tailroom(c) < hdr)) {
				rte_pktmbuf_free(c);
				rte_pktmbuf_free(head);
				rte_pktmbuf_free_bulk(out, i);
				return -ENOMEM;
			}
			k = RTE_MIN((uint32_t)rte_pktmbuf_tailroom(c), need - done);
			dst = (uint8_t *)rte_pktmbuf_append(c, (uint16_t)k);
			if (done < hdr) { /* the first mbuf: the headers, then payload */
				copy_out(m, 0, hdr, dst);
				copy_out(m, hdr + off, k - hdr, dst + hdr);
			} else {
				copy_out(m, hdr + off + (done - hdr), k, dst);
			}
			done += k;
			if (head == NULL) {
				head = c;
			} else {
				tail->next = c;
				head->nb_segs++;
				head->pkt_len += k;
			}
			tail = c;
		}
		head->ol_flags = m->ol_flags & ~RTE_MBUF_F_TX_TCP_SEG;
		head->tx_offload = m->tx_offload;
		ip = rte_pktmbuf_mtod_offset(head, struct rte_ipv6_hdr *, m->l2_len);
		ip->payload_len = rte_cpu_to_be_16(
		    (uint16_t)(m->l3_len - sizeof(struct rte_ipv6_hdr) + m->l4_len + len));
		tcp = rte_pktmbuf_mtod_offset(head, struct rte_tcp_hdr *, m->l2_len + m->l3_len);
		tcp->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(tcp->sent_seq) + off);
		if (i + 1 < n)
			tcp->tcp_flags &= (uint8_t) ~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
		if (i > 0)
			tcp->tcp_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
		out[i] = head;
	}
	return (int)n;
}

/* Finished frames of flush_port_ol to port id: a vxlan port encapsulates
 * them (the inner frame must be complete: the underlay offloads only the
 * outer header), any other sends them. */
static inline void
ol_out(struct vs_worker *w, const struct vs_snapshot *s, struct vs_port *port, uint16_t id,
       struct rte_mbuf **pkts, uint16_t n, uint64_t bytes)
{
	if (unlikely(port->type == VS_PORT_VXLAN))
		tun_send_burst(w, s, id, pkts, n);
	else
		tx_counted(w, port, id, pkts, n, bytes);
}

/*
 * Finish m's tx offload requests that ok (the output's tx_ol_ok) does not
 * cover: a TSO super-frame into segments (rte_gso; TCP/IPv6 by hand), each
 * checksummed in software, or the checksums of a single frame. What is left
 * goes to out (room for at least VS_GSO_OUT / 2 of them), its bytes added to
 * *bytes; what cannot be finished is dropped as offload_failed on port id.
 * Returns how many went to out.
 */
static uint16_t
ol_finish(struct vs_worker *w, uint64_t ok, uint16_t id, struct rte_mbuf *m, struct rte_mbuf **out,
	  uint16_t room, uint64_t *bytes)
{
	uint64_t todo = m->ol_flags & VS_TX_OL_MASK & ~ok;
	uint16_t n_out = 0, k;
	int r;

	if (todo & RTE_MBUF_F_TX_TCP_SEG) {
		uint32_t hdr = (uint32_t)m->l2_len + m->l3_len + m->l4_len;

		/* The guest's MSS, headers included. */
		w->gso.gso_size = (uint16_t)RTE_MIN(hdr + m->tso_segsz, (uint32_t)UINT16_MAX);
		if (m->tso_segsz == 0)
			r = -EINVAL;
		else if (m->ol_flags & RTE_MBUF_F_TX_IPV4)
			r = rte_gso_segment(m, &w->gso, out, room);
		else if (m->ol_flags & RTE_MBUF_F_TX_IPV6)
			r = rte_pktmbuf_pkt_len(m) - m->l2_len - m->l3_len - m->l4_len <=
				    m->tso_segsz
				? 0
				: tcp6_segment(m, w->pool, out, room);
		else
			r = -EINVAL;
		if (r > 0) {
			/* rte_gso's segments hold references to m's data,
			 * tcp6_segment's are copies. */
			rte_pktmbuf_free(m);
			/* Each segment: a new IPv4 length and id, so a new
			 * header checksum, and its TCP checksum, here. */
			for (k = 0; k < r; k++) {
				struct rte_mbuf *seg = out[k];

				seg->ol_flags &= ~(RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IP_CKSUM);
				if (!sw_cksum(seg, true, RTE_MBUF_F_TX_TCP_CKSUM)) {
					w->stats.drops[VS_DROP_OFFLOAD_FAILED]++;
					w->stats.tx_drops[id]++;
					rte_pktmbuf_free(seg);
					continue;
				}
				seg->ol_flags &= ~RTE_MBUF_F_TX_L4_MASK;
				/* closing the gaps of dropped segments */
				*bytes += rte_pktmbuf_pkt_len(seg);
				out[n_out++] = seg;
			}
			return n_out;
		}
		if (r < 0) {
			w->stats.drops[VS_DROP_OFFLOAD_FAILED]++;
			w->stats.tx_drops[id]++;
			rte_pktmbuf_free(m);
			return 0;
		}
		/* Within one MSS already: only its checksums are left
		 * (TSO implies the TCP one). */
		m->ol_flags &= ~RTE_MBUF_F_TX_TCP_SEG;
		if ((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == 0)
			m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
		todo = m->ol_flags & VS_TX_OL_MASK & ~ok;
	}
	if (todo & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IP_CKSUM)) {
		if (!sw_cksum(m, (todo & RTE_MBUF_F_TX_IP_CKSUM) != 0,
			      m->ol_flags & todo & RTE_MBUF_F_TX_L4_MASK)) {
			w->stats.drops[VS_DROP_OFFLOAD_FAILED]++;
			w->stats.tx_drops[id]++;
			rte_pktmbuf_free(m);
			return 0;
		}
		m->ol_flags &= ~todo;
	}
	*bytes += rte_pktmbuf_pkt_len(m);
	out[0] = m;
	return 1;
}

/*
 * flush_port for a buffer that holds packets with tx offload requests (a
 * guest's TSO super-frames or partial checksums): each request the port
 * does not complete itself (port->tx_ol_ok) is done here, in order, by
 * ol_finish; a port that takes them gets the packets as they are (an ethdev
 * after rte_eth_tx_prepare).
 */
static __rte_noinline void
flush_port_ol(struct vs_worker *w, const struct vs_snapshot *s, struct vs_port *port, uint16_t id)
{
	struct vs_txbuf *b = &w->txb[id];
	uint64_t ok = __atomic_load_n(&port->tx_ol_ok, __ATOMIC_RELAXED);
	struct rte_mbuf *out[VS_GSO_OUT];
	uint64_t bytes = 0;
	uint16_t n_out = 0, i;

	for (i = 0; i < b->n; i++) {
		struct rte_mbuf *m = b->pkts[i];
		uint64_t todo = m->ol_flags & VS_TX_OL_MASK & ~ok;

		if (n_out + (todo & RTE_MBUF_F_TX_TCP_SEG ? VS_GSO_OUT / 2 : 1) > VS_GSO_OUT) {
			ol_out(w, s, port, id, out, n_out, bytes);
			n_out = 0;
			bytes = 0;
		}
		n_out = (uint16_t)(n_out + ol_finish(w, ok, id, m, out + n_out,
						     (uint16_t)(VS_GSO_OUT - n_out), &bytes));
	}
	if (port->type == VS_PORT_ETHDEV && n_out > 0) {
		/* What the device completes itself: its driver's preparation
		 * (pseudo-header checksums...); a refused packet is dropped. */
		uint16_t q = vs_port_txq_of(port->n_txq, w->index);
		uint16_t done = 0;

		while (done < n_out) {
			uint16_t p = rte_eth_tx_prepare(port->dev_id, q, out + done,
							(uint16_t)(n_out - done));

			done = (uint16_t)(done + p);
			if (done == n_out)
				break;
			bytes -= rte_pktmbuf_pkt_len(out[done]);
			rte_pktmbuf_free(out[done]);
			w->stats.drops[VS_DROP_OFFLOAD_FAILED]++;
			w->stats.tx_drops[id]++;
			memmove(out + done, out + done + 1,
				sizeof(out[0]) * (size_t)(n_out - done - 1));
			n_out--;
		}
	}
	if (n_out > 0)
		ol_out(w, s, port, id, out, n_out, bytes);
}

static void
flush_port(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id)
{
	struct vs_txbuf *b = &w->txb[id];
	struct vs_port *port = s->ports[id];
	uint16_t n = b->n;

	if (unlikely(b->ol & VS_TX_OL_MASK))
		flush_port_ol(w, s, port, id);
	else if (unlikely(port->type == VS_PORT_VXLAN))
		tun_send_burst(w, s, id, b->pkts, n);
	else
		tx_counted(w, port, id, b->pkts, n, b->bytes);
	b->n = 0;
	b->bytes = 0;
	b->ol = 0;
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

/* A run that does not fit what is left of the buffer: packet by packet,
 * flushing whenever it fills. */
static __rte_noinline void
enqueue_split(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id, struct rte_mbuf **pkts,
	      uint16_t cnt)
{
	struct vs_txbuf *b = &w->txb[id];

	for (uint16_t x = 0; x < cnt; x++) {
		if (b->n == VS_TXBUF_SIZE)
			flush_port(w, s, id);
		b->pkts[b->n++] = pkts[x];
		b->bytes += rte_pktmbuf_pkt_len(pkts[x]);
		b->ol |= pkts[x]->ol_flags;
	}
}

/* Put cnt packets of `bytes` bytes in all into port id's tx buffer, which
 * keeps their bytes and offload flags for the flush (the packets are not
 * changed once enqueued). */
static inline void
enqueue_n(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id, struct rte_mbuf **pkts,
	  uint16_t cnt, uint64_t bytes)
{
	struct vs_txbuf *b = &w->txb[id];
	uint64_t ol = 0;

	if (unlikely(b->n + cnt > VS_TXBUF_SIZE)) {
		enqueue_split(w, s, id, pkts, cnt);
	} else {
		for (uint16_t x = 0; x < cnt; x++) {
			b->pkts[b->n + x] = pkts[x];
			ol |= pkts[x]->ol_flags;
		}
		b->n = (uint16_t)(b->n + cnt);
		b->bytes += bytes;
		b->ol |= ol;
	}
	/* After the split's flushes, which clear the bit: what they left
	 * in the buffer must be flushed too. */
	w->pending_tx |= UINT64_C(1) << id;
}

static inline void
enqueue(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id, struct rte_mbuf *m)
{
	enqueue_n(w, s, id, &m, 1, rte_pktmbuf_pkt_len(m));
}

/*
 * A vxlan port's buffer: encapsulate each frame towards each remote VTEP
 * (copies for all but the last: head-end replication), into the underlay's
 * buffer, and flush that. tx_pkts of the tunnel port count the frames
 * encapsulated (once per remote).
 */
static __rte_noinline void
tun_send_burst(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id,
	       struct rte_mbuf **pkts, uint16_t n)
{
	const struct vs_tun_dp *dp = __atomic_load_n(&w->sh->tun, __ATOMIC_ACQUIRE);
	const struct vs_tun_port_dp *t;
	uint16_t i, u;
	uint64_t bytes = 0, sent = 0;

	if (unlikely(dp == NULL || dp->by_port[id] == 0)) {
		rte_pktmbuf_free_bulk(pkts, n);
		w->stats.drops[VS_DROP_BAD_PORT] += n;
		w->stats.tx_drops[id] += n;
		return;
	}
	t = &dp->t[dp->by_port[id] - 1];
	u = t->underlay;
	if (!tx_allowed_n(w, s, u, UINT16_MAX, n)) {
		rte_pktmbuf_free_bulk(pkts, n);
		w->stats.tx_drops[id] += n;
		return;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t r;

		for (r = 0; r < t->n_remotes; r++) {
			bool last = r + 1 == t->n_remotes;
			struct rte_mbuf *c = m;
			enum vs_drop_reason why;

			if (!last) {
				c = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
				if (unlikely(c == NULL)) {
					w->stats.drops[VS_DROP_NO_MBUF]++;
					w->stats.tx_drops[id]++;
					continue;
				}
			}
			why = vs_tun_encap(t, r, c);
			if (unlikely(why != VS_DROP_NONE)) {
				drop_pkt(w, c, why);
				w->stats.tx_drops[id]++;
				continue;
			}
			bytes += rte_pktmbuf_pkt_len(c);
			sent++;
			enqueue(w, s, u, c);
		}
	}
	w->stats.tx_pkts[id] += sent;
	w->stats.tx_bytes[id] += bytes;
	if (w->txb[u].n)
		flush_port(w, s, u);
}

/* Send a run of packets (`bytes` bytes in all) that all go to port id (one
 * plain output action). */
static inline void
emit_run(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id, uint16_t in_port,
	 struct rte_mbuf **pkts, uint16_t cnt, uint64_t bytes)
{
	if (!tx_allowed_n(w, s, id, in_port, cnt)) {
		rte_pktmbuf_free_bulk(pkts, cnt);
		return;
	}
	enqueue_n(w, s, id, pkts, cnt, bytes);
}

/*
 * m to the one remote VTEP of vxlan port id that the normal action learned
 * its destination behind (w->tun_remote): encapsulated now, into the
 * underlay's buffer, rather than replicated to every remote at flush.
 */
static __rte_noinline void
tun_unicast(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id, struct rte_mbuf *m)
{
	const struct vs_tun_dp *dp = __atomic_load_n(&w->sh->tun, __ATOMIC_ACQUIRE);
	const struct vs_tun_port_dp *t;
	enum vs_drop_reason why;

	if (unlikely(dp == NULL || dp->by_port[id] == 0)) {
		drop_pkt(w, m, VS_DROP_BAD_PORT);
		w->stats.tx_drops[id]++;
		return;
	}
	t = &dp->t[dp->by_port[id] - 1];
	if (unlikely(w->tun_remote >= t->n_remotes)) {
		enqueue(w, s, id, m); /* the remotes changed: every one */
		return;
	}
	if (!tx_allowed(w, s, t->underlay, UINT16_MAX)) {
		rte_pktmbuf_free(m);
		w->stats.tx_drops[id]++;
		return;
	}
	why = vs_tun_encap(t, w->tun_remote, m);
	if (unlikely(why != VS_DROP_NONE)) {
		drop_pkt(w, m, why);
		w->stats.tx_drops[id]++;
		return;
	}
	w->stats.tx_pkts[id]++;
	w->stats.tx_bytes[id] += rte_pktmbuf_pkt_len(m);
	enqueue(w, s, t->underlay, m);
}

/*
 * A frame with offload requests (a guest's TSO super-frame, a partial
 * checksum) to the one remote VTEP its destination was learned behind: its
 * offloads finished here (the encapsulation is software: a tunnel takes
 * none), then each segment encapsulated to that remote alone.
 */
static __rte_noinline void
tun_unicast_ol(struct vs_worker *w, const struct vs_snapshot *s, uint16_t id, struct rte_mbuf *m)
{
	struct rte_mbuf *out[VS_GSO_OUT / 2];
	uint64_t bytes = 0;
	uint16_t n, k;

	n = ol_finish(w, 0, id, m, out, VS_GSO_OUT / 2, &bytes);
	for (k = 0; k < n; k++)
		tun_unicast(w, s, id, out[k]);
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
		c = m;
	} else {
		/* A deep copy: header rewrites done later on m never reach c. */
		c = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
		if (unlikely(c == NULL)) {
			w->stats.drops[VS_DROP_NO_MBUF]++;
			return;
		}
	}
	if (unlikely(w->tun_remote != VS_L2_REMOTE_NONE && ((s->tun_mask >> id) & 1))) {
		if (c->ol_flags & VS_TX_OL_MASK)
			tun_unicast_ol(w, s, id, c);
		else
			tun_unicast(w, s, id, c);
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
		c = rte_pktmbuf_copy(m, w->pool, 0,
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

static uint64_t process_burst(struct vs_worker *w, const struct vs_snapshot *s, uint16_t in_port,
			      uint16_t n, uint64_t t, const struct vs_tun_port_dp *tp);

/* Packet-outs the control thread queued for this worker: sent through this
 * worker's own tx buffers and queues; OUTPUT:TABLE ones go through the
 * rules as if received on their in_port (a real port: the control thread
 * checks), in runs of one in_port. */
static __rte_noinline void
packet_outs(struct vs_worker *w, const struct vs_snapshot *s)
{
	struct rte_mbuf *pkts[VS_BURST], *table[VS_BURST];
	unsigned n, i, n_table = 0;

	n = rte_ring_sc_dequeue_burst(w->pout, (void **)pkts, VS_BURST, NULL);
	for (i = 0; i < n; i++) {
		const struct vs_pktio_meta *meta = vs_pktio_meta_of(pkts[i], w->sh->pktio_off);

		uint16_t in = meta->in_port;
		uint64_t targets;

		if (meta->out == VS_PKTIO_TO_TABLE) {
			if (unlikely(in >= s->n_ports || s->ports[in] == NULL))
				drop_pkt(w, pkts[i], VS_DROP_BAD_PORT);
			else
				table[n_table++] = pkts[i];
			continue;
		}
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
	for (i = 0; i < n_table;) {
		uint16_t in = vs_pktio_meta_of(table[i], w->sh->pktio_off)->in_port, k = 0;

		while (i < n_table && vs_pktio_meta_of(table[i], w->sh->pktio_off)->in_port == in)
			w->pkts[k++] = table[i++];
		w->chained = true;
		process_burst(w, s, in, k, 0, NULL);
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
	if (m->ol_flags & VS_TX_OL_MASK)
		m->l2_len += sizeof(struct rte_vlan_hdr); /* the offloads' header offsets */
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
	if ((m->ol_flags & VS_TX_OL_MASK) &&
	    m->l2_len >= RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr))
		m->l2_len -= sizeof(struct rte_vlan_hdr);
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

/* The VLAN segment of m, received on in_port, for the normal action: the
 * input port's access VLAN, its tag on a trunk, or the trunk's native VLAN
 * (VS_L2_PRE_OK), or why m has none. */
static inline enum vs_l2_pre_state
normal_segment(const struct vs_snapshot *s, uint16_t in_port, const struct rte_mbuf *m,
	       uint16_t *vlan, bool *tagged)
{
	const struct rte_ether_hdr *eh;
	uint16_t type;

	if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN || s->l2 == NULL))
		return VS_L2_PRE_NO_OUTPUT;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	type = rte_be_to_cpu_16(eh->ether_type);
	*tagged = type == RTE_ETHER_TYPE_VLAN &&
		  rte_pktmbuf_data_len(m) >= RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr);
	if (s->port_tag[in_port] != 0) {
		*vlan = s->port_tag[in_port];
		if (unlikely(*tagged))
			return VS_L2_PRE_DISALLOWED;
	} else {
		*vlan = *tagged
			    ? rte_be_to_cpu_16(((const struct rte_vlan_hdr *)(eh + 1))->vlan_tci) &
				  VS_VLAN_VID_MASK
			    : s->port_native[in_port];
		if (unlikely(!(s->vlan_ports[*vlan] & (UINT64_C(1) << in_port))))
			return VS_L2_PRE_DISALLOWED;
	}
	return VS_L2_PRE_OK;
}

/*
 * The MAC lookups of the normal action for a whole burst, before its
 * actions run: for each packet whose rule starts with normal (so that the
 * action sees the frame as it is now), its segment, and its source and
 * destination keys, all looked up in one bulk lookup. The learning itself
 * (a refresh, or an event to the control thread) stays with the action, in
 * packet order. Others: VS_L2_PRE_NONE, the action looks up by itself.
 */
static void
normal_prepare(struct vs_worker *w, const struct vs_snapshot *s, uint16_t in_port, uint16_t n)
{
	unsigned i, nk = 0;

	for (i = 0; i < n; i++) {
		const struct vs_cls_rule *r = w->rules[i];
		struct vs_l2_pre *p = &w->l2_pre[i];
		const struct rte_ether_hdr *eh;
		bool tagged = false;

		p->state = VS_L2_PRE_NONE;
		if (r == NULL || ((const struct vs_actions *)r->data)->n == 0 ||
		    ((const struct vs_actions *)r->data)->a[0].type != VS_ACTION_NORMAL)
			continue;
		p->state = (uint8_t)normal_segment(s, in_port, w->pkts[i], &p->vlan, &tagged);
		p->tagged = tagged;
		if (p->state != VS_L2_PRE_OK)
			continue;
		eh = rte_pktmbuf_mtod(w->pkts[i], const struct rte_ether_hdr *);
		p->src = p->dst = VS_L2_PRE_NOKEY;
		if (likely(!rte_is_multicast_ether_addr(&eh->src_addr))) {
			vs_l2_key_make(&w->l2_keys[nk], eh->src_addr.addr_bytes, p->vlan);
			p->src = (uint8_t)nk++;
		}
		if (!rte_is_multicast_ether_addr(&eh->dst_addr)) {
			vs_l2_key_make(&w->l2_keys[nk], eh->dst_addr.addr_bytes, p->vlan);
			p->dst = (uint8_t)nk++;
		}
	}
	if (nk == 0)
		return;
	vs_l2_lookup_burst(s->l2, w->l2_keys, nk, w->l2_ent);
	for (i = 0; i < nk; i++)
		if (w->l2_ent[i] != NULL)
			rte_prefetch0(w->l2_ent[i]);
}

/* Whether this burst asked to learn (mac, vlan) on its input port. */
static __rte_noinline bool
learned_in_burst(const struct vs_worker *w, const uint8_t *mac, uint16_t vlan)
{
	struct vs_l2_key k;
	uint16_t i;

	vs_l2_key_make(&k, mac, vlan);
	for (i = 0; i < w->l2_n_new; i++)
		if (memcmp(&w->l2_new[i], &k, sizeof(k)) == 0)
			return true;
	return false;
}

/*
 * The normal action: put m in its VLAN segment (the input port's access
 * VLAN, its tag on a trunk, or the trunk's native VLAN), learn its source,
 * and send it to the learned port of its destination or flood it to the
 * segment's other ports, tagged or untagged as each port carries the VLAN.
 * Never back out of in_port: the switch runs no STP.
 *
 * pre: what normal_prepare worked out for m (NULL or VS_L2_PRE_NONE: look
 * up here). A destination an earlier packet of the burst just asked to
 * learn on in_port is on in_port, as OVS's NORMAL has it (it learns a
 * source before it looks up the destination of the next packet): dropped,
 * not flooded nor sent where the table still has it.
 */
static void
normal_(struct vs_worker *w, const struct vs_snapshot *s, uint16_t in_port, struct rte_mbuf *m,
	bool last, const struct vs_l2_pre *pre)
{
	const uint64_t in_bit = UINT64_C(1) << in_port;
	const struct rte_ether_hdr *eh;
	struct vs_l2_entry *e;
	enum vs_l2_pre_state state;
	uint64_t targets, untag;
	uint16_t vlan = 0;
	bool tagged = false;

	if (pre != NULL && pre->state != VS_L2_PRE_NONE) {
		state = (enum vs_l2_pre_state)pre->state;
		vlan = pre->vlan;
		tagged = pre->tagged;
	} else {
		state = normal_segment(s, in_port, m, &vlan, &tagged);
		pre = NULL;
	}
	if (unlikely(state == VS_L2_PRE_NO_OUTPUT)) {
		if (last)
			drop_pkt(w, m, VS_DROP_NO_OUTPUT);
		return;
	}
	if (unlikely(state == VS_L2_PRE_DISALLOWED))
		goto disallowed;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (likely(!rte_is_multicast_ether_addr(&eh->src_addr))) {
		uint8_t remote = unlikely(s->tun_mask & in_bit)
				     ? *vs_tun_remote_of(m, w->sh->tun_off)
				     : VS_L2_REMOTE_NONE;

		e = pre != NULL ? w->l2_ent[pre->src]
				: vs_l2_lookup(s->l2, eh->src_addr.addr_bytes, vlan);
		if (unlikely(vs_l2_learn_at(s->l2, &w->l2ws, w->index, e, eh->src_addr.addr_bytes,
					    vlan, in_port, remote)) &&
		    w->l2_n_new < VS_BURST)
			vs_l2_key_make(&w->l2_new[w->l2_n_new++], eh->src_addr.addr_bytes, vlan);
	}
	if (rte_is_multicast_ether_addr(&eh->dst_addr)) {
		e = NULL;
	} else {
		e = pre != NULL ? w->l2_ent[pre->dst]
				: vs_l2_lookup(s->l2, eh->dst_addr.addr_bytes, vlan);
		if (unlikely(w->l2_n_new != 0) &&
		    learned_in_burst(w, eh->dst_addr.addr_bytes, vlan)) {
			if (last)
				drop_pkt(w, m, VS_DROP_L2_SAME_PORT);
			return;
		}
	}
	if (e != NULL) {
		uint16_t out = __atomic_load_n(&e->port, __ATOMIC_ACQUIRE);

		if (unlikely(out == in_port)) {
			if (last)
				drop_pkt(w, m, VS_DROP_L2_SAME_PORT);
			return;
		}
		targets = (UINT64_C(1) << out) & s->vlan_ports[vlan];
		/* Behind a vxlan port: only to the VTEP it was learned behind. */
		if (unlikely(s->tun_mask & targets))
			w->tun_remote = __atomic_load_n(&e->remote, __ATOMIC_RELAXED);
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
		m = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
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

static inline void
normal(struct vs_worker *w, const struct vs_snapshot *s, uint16_t in_port, struct rte_mbuf *m,
       bool last, const struct vs_l2_pre *pre)
{
	normal_(w, s, in_port, m, last, pre);
	w->tun_remote = VS_L2_REMOTE_NONE;
}

/* Run acts on m; pre: what normal_prepare worked out for a normal action
 * first in acts (NULL: nothing). */
static void
execute(struct vs_worker *w, const struct vs_snapshot *s, uint16_t in_port, struct rte_mbuf *m,
	const struct vs_actions *acts, const struct vs_l2_pre *pre)
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
			normal(w, s, in_port, m, a->last_tx, i == 0 ? pre : NULL);
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

/* Bytes the actions read and write in place: Ethernet header and one VLAN tag. */
#define VS_L2_PULL (RTE_ETHER_HDR_LEN + (uint32_t)sizeof(struct rte_vlan_hdr))

/*
 * A multi-segment frame (jumbo frames over scatter rx, a guest's chained
 * buffers) whose first segment is shorter than VS_L2_PULL: move the bytes
 * from the next segments into its tailroom, so that the actions find the
 * Ethernet header and VLAN tag in one place (the flow key extraction reads
 * across segments by itself). Segments emptied are freed. False when the
 * first segment has no room: the caller drops the frame as hdr_split.
 */
static __rte_noinline bool
l2_pullup(struct rte_mbuf *m)
{
	uint32_t want = RTE_MIN(VS_L2_PULL, rte_pktmbuf_pkt_len(m));

	if (rte_pktmbuf_data_len(m) >= want)
		return true;
	if (rte_pktmbuf_tailroom(m) < want - rte_pktmbuf_data_len(m))
		return false;
	while (rte_pktmbuf_data_len(m) < want && m->next != NULL) {
		struct rte_mbuf *s = m->next;
		uint16_t k = (uint16_t)RTE_MIN(want - rte_pktmbuf_data_len(m),
					       (uint32_t)rte_pktmbuf_data_len(s));

		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, rte_pktmbuf_data_len(m)),
		       rte_pktmbuf_mtod(s, uint8_t *), k);
		m->data_len = (uint16_t)(m->data_len + k);
		s->data_off = (uint16_t)(s->data_off + k);
		s->data_len = (uint16_t)(s->data_len - k);
		if (s->data_len == 0) {
			m->next = s->next;
			m->nb_segs--;
			s->next = NULL;
			s->nb_segs = 1;
			rte_pktmbuf_free_seg(s);
		}
	}
	return rte_pktmbuf_data_len(m) >= want;
}

/* Frames decapsulated from vxlan port tp: tun_id and tun_src of their keys. */
static __rte_noinline void
tun_keys(struct vs_worker *w, const struct vs_tun_port_dp *tp, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct vs_flow_key *k = &w->keys[i];
		uint8_t r = *vs_tun_remote_of(w->pkts[i], w->sh->tun_off);

		k->tun_id[0] = (uint8_t)(tp->vni >> 16);
		k->tun_id[1] = (uint8_t)(tp->vni >> 8);
		k->tun_id[2] = (uint8_t)tp->vni;
		if (tp->family == 4 && r < tp->n_remotes)
			memcpy(k->tun_src, tp->remotes[r].ip, sizeof(k->tun_src));
	}
}

/* In a timed burst (t != 0), add the cycles from t to now to stage st,
 * VS_STAGE_SAMPLE times, and return now; in the others, 0. */
static inline uint64_t
stage_mark(struct vs_worker *w, enum vs_stage st, uint64_t t)
{
	uint64_t t1;

	if (likely(t == 0))
		return 0;
	t1 = rte_rdtsc();
	w->stats.stage_cycles[st] += (t1 - t) * VS_STAGE_SAMPLE;
	return t1;
}

/* Frames of the burst whose first segment holds less than VS_L2_PULL bytes
 * (and more follow) get them pulled up; one that cannot is marked bad (bit
 * in the returned mask) as hdr_split. Nothing to do for a burst the rx loop
 * saw no chain in (w->chained). */
static inline uint64_t
pullup_burst(struct vs_worker *w, uint16_t n, uint64_t bad)
{
	if (likely(!w->chained))
		return bad;
	for (uint16_t i = 0; i < n; i++)
		if (unlikely(rte_pktmbuf_data_len(w->pkts[i]) < VS_L2_PULL &&
			     w->pkts[i]->nb_segs > 1) &&
		    !(bad & (UINT64_C(1) << i)) && !l2_pullup(w->pkts[i])) {
			bad |= UINT64_C(1) << i;
			w->outcome[i] = (uint8_t)VS_DROP_HDR_SPLIT;
		}
	return bad;
}

/* Drop the packets of the burst marked bad, each by its reason in
 * w->outcome, and close the gaps (in the keys too when keys): returns how
 * many are left. */
static __rte_noinline uint16_t
drop_bad(struct vs_worker *w, uint16_t n, uint64_t bad, bool keys)
{
	uint16_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (bad & (UINT64_C(1) << i)) {
			drop_pkt(w, w->pkts[i], (enum vs_drop_reason)w->outcome[i]);
			continue;
		}
		if (k != i) {
			w->pkts[k] = w->pkts[i];
			if (keys)
				w->keys[k] = w->keys[i];
		}
		k++;
	}
	return k;
}

/* The parser's verdicts on the burst in (bad, w->outcome): chains pulled up,
 * the parse stage timed, the bad frames dropped (keys: the burst has keys
 * to keep in step). Returns how many frames are left. */
static inline uint16_t
parsed(struct vs_worker *w, uint16_t n, uint64_t bad, bool keys, uint64_t *t)
{
	bad = pullup_burst(w, n, bad);
	*t = stage_mark(w, VS_STAGE_PARSE, *t);
	if (unlikely(bad != 0))
		n = drop_bad(w, n, bad, keys);
	return n;
}

/*
 * A burst from a port whose one rule takes every packet, whatever its
 * headers, out of one port (a port-only rule with a single output; as OVS's
 * simple match for in_port flows): the packets are checked as the parser
 * would (malformed ones are still dropped by reason) but no key is built
 * and none is looked up. Returns as process_burst.
 */
static uint64_t
port_burst(struct vs_worker *w, const struct vs_snapshot *s, uint16_t in_port, uint16_t n,
	   uint64_t t, const struct vs_cls_rule *r)
{
	uint32_t bytes = 0;

	n = parsed(w, n, vs_flow_check_burst(w->pkts, n, w->outcome), false, &t);
	if (n == 0)
		return t;
	vs_cls_port_hits(w->cls_ctx, r, n);
	t = stage_mark(w, VS_STAGE_CLASSIFY, t);
	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(w->pkts[i]);
	w->rule_bytes[r->id] += bytes;
	emit_run(w, s, (uint16_t)(((const struct vs_actions *)r->data)->out_only - 1), in_port,
		 w->pkts, n, bytes);
	return stage_mark(w, VS_STAGE_ACTIONS, t);
}

/* t: in a timed burst (VS_STAGE_SAMPLE), the TSC when the burst arrived, and
 * the TSC when done is returned; 0 in the others. tp: the vxlan port the
 * frames were decapsulated from, NULL for others. */
static uint64_t
process_burst(struct vs_worker *w, const struct vs_snapshot *s, uint16_t in_port, uint16_t n,
	      uint64_t t, const struct vs_tun_port_dp *tp)
{
	struct rte_mbuf *nomatch[VS_BURST];
	const struct vs_l2_pre *pre = NULL;
	uint16_t i, n_nomatch = 0;

	if (likely(tp == NULL)) {
		const struct vs_cls_rule *r = vs_cls_port_rule(w->cls_ctx, in_port);

		if (r != NULL && ((const struct vs_actions *)r->data)->out_only != 0)
			return port_burst(w, s, in_port, n, t, r);
	}
	n = parsed(w, n, vs_flow_extract_burst(w->pkts, n, in_port, w->keys, w->outcome), true, &t);
	if (n == 0)
		return t;
	if (unlikely(tp != NULL))
		tun_keys(w, tp, n);
	vs_cls_lookup_port_burst(w->cls_ctx, w->keys, n, w->rules);
	t = stage_mark(w, VS_STAGE_CLASSIFY, t);
	/* pre: what normal_prepare worked out, when it ran (rules with a
	 * normal action exist); a normal action looks up by itself otherwise. */
	if (s->l2 != NULL && __atomic_load_n(&w->sh->normal_rules, __ATOMIC_RELAXED) != 0) {
		normal_prepare(w, s, in_port, n);
		pre = w->l2_pre;
	}
	w->l2_n_new = 0;
	for (i = 0; i < n;) {
		const struct vs_cls_rule *r = w->rules[i];
		const struct vs_actions *acts;

		if (unlikely(r == NULL)) {
			nomatch[n_nomatch++] = w->pkts[i++];
			continue;
		}
		acts = r->data;
		if (acts->out_only != 0) {
			/* One plain output: the packets after it whose rules
			 * are plain outputs to the same port go out together
			 * (a port-only rule, one flow, or prefixes of one
			 * next hop); bytes are counted per rule. */
			uint32_t bytes = rte_pktmbuf_pkt_len(w->pkts[i]);
			uint64_t all = 0;
			uint16_t j = (uint16_t)(i + 1);

			for (;;) {
				while (j < n && w->rules[j] == r)
					bytes += rte_pktmbuf_pkt_len(w->pkts[j++]);
				w->rule_bytes[r->id] += bytes;
				all += bytes;
				if (j == n || w->rules[j] == NULL ||
				    ((const struct vs_actions *)w->rules[j]->data)->out_only !=
					acts->out_only)
					break;
				r = w->rules[j];
				bytes = rte_pktmbuf_pkt_len(w->pkts[j++]);
			}
			emit_run(w, s, (uint16_t)(acts->out_only - 1), in_port, &w->pkts[i],
				 (uint16_t)(j - i), all);
			i = j;
			continue;
		}
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(w->pkts[i + 1], void *));
		w->rule_bytes[r->id] += rte_pktmbuf_pkt_len(w->pkts[i]);
		execute(w, s, in_port, w->pkts[i], acts, pre != NULL ? &pre[i] : NULL);
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
	return stage_mark(w, VS_STAGE_ACTIONS, t);
}

/*
 * A burst from a tunnel's underlay: frames that are not VXLAN for us go to
 * the pipeline as received on the underlay, ARP / ND for the local VTEP to
 * the control thread, decapsulated frames to the pipeline as received on
 * their tunnel port (one run per port); the rest are named drops.
 */
static __rte_noinline uint64_t
underlay_burst(struct vs_worker *w, const struct vs_snapshot *s, const struct vs_tun_dp *dp,
	       uint16_t in_port, uint16_t n, uint64_t t)
{
	struct vs_tun_rx_meta meta[VS_BURST];
	struct rte_mbuf *rx[VS_BURST];
	uint16_t i, k = 0, n_dec = 0;

	memcpy(rx, w->pkts, n * sizeof(rx[0]));
	vs_tun_rx_classify(dp, in_port, rx, n, meta);
	for (i = 0; i < n; i++) {
		switch (meta[i].cls) {
		case VS_TUN_RX_PLAIN:
			w->pkts[k++] = rx[i];
			break;
		case VS_TUN_RX_DECAP:
			*vs_tun_remote_of(rx[i], w->sh->tun_off) = meta[i].remote;
			rx[n_dec] = rx[i];
			meta[n_dec++] = meta[i];
			break;
		case VS_TUN_RX_CTL:
			vs_pktio_meta_of(rx[i], w->sh->pktio_off)->in_port = in_port;
			if (unlikely(w->tctl == NULL || rte_ring_sp_enqueue(w->tctl, rx[i]) != 0))
				drop_pkt(w, rx[i], VS_DROP_TUN_CTL_FULL);
			break;
		default:
			drop_pkt(w, rx[i], (enum vs_drop_reason)meta[i].reason);
			break;
		}
	}
	if (k > 0)
		t = process_burst(w, s, in_port, k, t, NULL);
	while (n_dec > 0) {
		uint8_t tun = meta[0].tun;
		uint16_t port = dp->t[tun].port, rest = 0;
		uint64_t bytes = 0;

		for (i = 0, k = 0; i < n_dec; i++) {
			if (meta[i].tun == tun) {
				w->pkts[k++] = rx[i];
				bytes += rte_pktmbuf_pkt_len(rx[i]);
			} else {
				rx[rest] = rx[i];
				meta[rest++] = meta[i];
			}
		}
		n_dec = rest;
		if (unlikely(port >= s->n_ports || s->ports[port] == NULL)) {
			w->stats.drops[VS_DROP_BAD_PORT] += k;
			rte_pktmbuf_free_bulk(w->pkts, k);
			continue;
		}
		w->stats.rx_pkts[port] += k;
		w->stats.rx_bytes[port] += bytes;
		t = process_burst(w, s, port, k, t, &dp->t[tun]);
	}
	return t;
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
	const struct vs_tun_dp *tun;
	unsigned total = 0;
	uint16_t i, nq, n, j;
	/* Stages are timed in one busy loop of VS_STAGE_SAMPLE. */
	const bool timed = (w->stage_ctr & (VS_STAGE_SAMPLE - 1)) == 0;

	if (unlikely(w->tsc == 0))
		w->tsc = rte_rdtsc();
	s = __atomic_load_n(&w->sh->snap, __ATOMIC_ACQUIRE);
	if (likely(s != NULL)) {
		nq = s->rxqs.n[w->index];
		rxq = s->rxqs.q[w->index];
		tun = __atomic_load_n(&w->sh->tun, __ATOMIC_ACQUIRE);
		if (unlikely(w->stats.generation != s->generation)) {
			w->stats.generation = s->generation;
			rxq_load_sync(w, rxq, nq);
		}
		for (i = 0; i < nq; i++) {
			struct vs_port *port = s->ports[rxq[i].port];
			uint64_t bytes = 0, t0 = w->tsc, t1 = 0, t2;
			uint16_t segs = 0;

			if (!(s->ready_mask & (UINT64_C(1) << rxq[i].port)))
				continue;
			if (unlikely(timed))
				t1 = rte_rdtsc();
			n = port->rx(port, rxq[i].queue, w->pkts, VS_BURST);
			if (n == 0)
				continue;
			t1 = stage_mark(w, VS_STAGE_RX, t1);
			w->stats.bursts[31 - __builtin_clz(n)]++;
			for (j = 0; j < n; j++) {
				bytes += rte_pktmbuf_pkt_len(w->pkts[j]);
				segs |= w->pkts[j]->nb_segs;
			}
			w->chained = segs > 1;
			w->stats.rx_pkts[port->id] += n;
			w->stats.rx_bytes[port->id] += bytes;
			total += n;
			if (unlikely(tun != NULL && ((tun->underlay_mask >> port->id) & 1)))
				t1 = underlay_burst(w, s, tun, port->id, n, t1);
			else
				t1 = process_burst(w, s, port->id, n, t1, NULL);
			flush_all(w, s);
			t2 = rte_rdtsc();
			if (unlikely(t1 != 0))
				w->stats.stage_cycles[VS_STAGE_TX] += (t2 - t1) * VS_STAGE_SAMPLE;
			/* Busy first: a stats snapshot reads the queues before
			 * busy, so busy covers their sum at every read. */
			w->stats.busy_cycles += t2 - t0;
			rte_smp_wmb();
			w->stats.rxq[i].cycles += t2 - t0;
			w->tsc = t2;
			w->stats.rxq[i].pkts += n;
		}
		if (w->pout != NULL && unlikely(!rte_ring_empty(w->pout)))
			packet_outs(w, s);
	}
	/* Nothing of s (rules returned by the classifier included) is used
	 * past this point. */
	rte_rcu_qsbr_quiescent(w->sh->qsbr, w->index);
	w->stats.loops++;
	w->stage_ctr += total != 0;
	return total;
}

int
vs_worker_main(void *arg)
{
	struct vs_worker *w = arg;
	uint64_t t1;

	rte_rcu_qsbr_thread_online(w->sh->qsbr, w->index);
	w->tsc = rte_rdtsc();
	while (!__atomic_load_n(&w->sh->stop, __ATOMIC_RELAXED)) {
		/* The poll adds each burst's cycles, from the TSC it last read
		 * (w->tsc), to busy; a loop that moved nothing is idle. */
		if (vs_worker_poll(w) == 0) {
			t1 = rte_rdtsc();
			w->stats.idle_cycles += t1 - w->tsc;
			w->tsc = t1;
			rte_pause();
		}
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
			w->txb[id].bytes = 0;
			w->txb[id].ol = 0;
		}
	}
	w->pending_tx = 0;
}
