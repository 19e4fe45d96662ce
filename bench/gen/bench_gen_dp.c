/* SPDX-License-Identifier: BSD-3-Clause */
/* nfvswitch-bench fast path: transmit and receive bursts. */
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "bench_gen_dp.h"
#include "bench_pkt_dp.h"
#include "bench_stats_dp.h"

static const char *const drop_names[] = {
#define VS_BENCH_DROP_STR_(n, s) s,
    VS_BENCH_DROPS(VS_BENCH_DROP_STR_)
#undef VS_BENCH_DROP_STR_
};

const char *
vs_bench_drop_str(enum vs_bench_drop d)
{
	return d < VS_BENCH_DROP_MAX ? drop_names[d] : "unknown";
}

uint16_t
vs_bench_tx_step(struct vs_bench_tx *tx, uint64_t now)
{
	struct rte_mbuf *pkts[VS_BENCH_MAX_BURST];
	uint32_t flow_of[VS_BENCH_MAX_BURST];
	uint32_t n = vs_bench_pace_due(&tx->pace, now, tx->burst);
	uint32_t cursor = tx->flow_cursor, scur = tx->size_cursor;
	uint64_t bytes = 0, tsc;
	uint16_t sent;

	if (tx->count_limit) {
		uint64_t left = tx->count_limit - tx->pkts;

		if (left < n)
			n = (uint32_t)left;
	}
	if (n == 0)
		return 0;
	if (unlikely(rte_pktmbuf_alloc_bulk(tx->mp, pkts, n) != 0)) {
		tx->drops[VS_BENCH_DROP_TX_NOMBUF]++;
		return 0;
	}
	tsc = rte_rdtsc();
	for (uint32_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t size = tx->sizes.size[scur];
		uint16_t len = (uint16_t)(size - VS_BENCH_FCS);

		m->data_len = len;
		m->pkt_len = len;
		vs_bench_frame_write(&tx->flows, cursor, tx->flow_seq[cursor]++, tx->trial, tsc,
				     len, rte_pktmbuf_mtod(m, uint8_t *));
		bytes += size;
		flow_of[i] = cursor;
		if (++cursor == tx->flows.n_flows)
			cursor = 0;
		if (++scur == tx->sizes.n)
			scur = 0;
	}
	sent = rte_eth_tx_burst(tx->port, tx->queue, pkts, (uint16_t)n);
	if (unlikely(sent < n)) {
		/*
		 * Unsent packets are the tail of the burst: in round-robin order
		 * they carry the highest numbers of their flows, so giving the
		 * numbers back keeps every flow's sequence gap-free.
		 */
		for (uint32_t i = n; i-- > sent;) {
			tx->flow_seq[flow_of[i]]--;
			bytes -= pkts[i]->pkt_len + VS_BENCH_FCS;
		}
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
		tx->drops[VS_BENCH_DROP_TX_FULL]++;
		cursor = sent < n ? flow_of[sent] : cursor;
		scur = (uint32_t)((tx->size_cursor + sent) % tx->sizes.n);
	}
	if (sent == 0)
		return 0;
	vs_bench_pace_commit(&tx->pace, sent);
	tx->flow_cursor = cursor;
	tx->size_cursor = scur;
	if (tx->pkts == 0)
		tx->first_tsc = tsc;
	tx->pkts += sent;
	tx->bytes += bytes;
	tx->last_tsc = tsc;
	return sent;
}

uint16_t
vs_bench_rx_step(struct vs_bench_rx *rx)
{
	struct rte_mbuf *pkts[VS_BENCH_MAX_BURST];
	uint16_t n = rte_eth_rx_burst(rx->port, rx->queue, pkts, rx->burst);
	uint64_t now, good = 0;

	if (rx->n_queues > 1 && ++rx->queue == rx->n_queues)
		rx->queue = 0;

	if (n == 0)
		return 0;
	now = rte_rdtsc();
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		struct vs_bench_payload pl;
		struct vs_bench_seq_flow *f;
		uint64_t cyc, ns;
		int off;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		off = vs_bench_payload_offset(p, rte_pktmbuf_data_len(m));
		if (unlikely(off < 0)) {
			rx->drops[VS_BENCH_DROP_RX_FOREIGN]++;
			continue;
		}
		memcpy(&pl, p + off, sizeof(pl));
		if (unlikely(pl.trial != rx->trial)) {
			rx->drops[VS_BENCH_DROP_RX_STALE]++;
			continue;
		}
		if (unlikely(pl.flow >= rx->n_flows)) {
			rx->drops[VS_BENCH_DROP_RX_BAD_FLOW]++;
			continue;
		}
		f = &rx->flows[pl.flow];
		cyc = now > pl.tsc ? now - pl.tsc : 0;
		ns = (uint64_t)(((unsigned __int128)cyc * rx->ns_mult) >> 32);
		if (vs_bench_seq_account(f, vs_bench_seq_extend(f->next, pl.seq)) !=
		    VS_BENCH_SEQ_DUP) {
			vs_bench_hist_record(rx->lat, ns);
			f->lat_sum += ns;
			rx->bytes += rte_pktmbuf_pkt_len(m) + VS_BENCH_FCS;
			good++;
		}
	}
	rte_pktmbuf_free_bulk(pkts, n);
	if (good) {
		if (rx->pkts == 0)
			rx->first_tsc = now;
		rx->pkts += good;
		rx->last_tsc = now;
	}
	return n;
}
