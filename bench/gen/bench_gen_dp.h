/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch-bench fast path: one transmit step and one receive step, each a
 * burst. A transmit lcore loops on vs_bench_tx_step(), a receive lcore on
 * vs_bench_rx_step(); with a single lcore one loop alternates both. No
 * logging, no allocation, no syscalls; each side writes only its own struct.
 */
#ifndef VS_BENCH_GEN_DP_H
#define VS_BENCH_GEN_DP_H

#include <stdint.h>

#include <rte_mempool.h>

#include "bench_pace_dp.h"
#include "bench_pkt.h"
#include "bench_stats.h"

#define VS_BENCH_MAX_BURST 64

/* Why a transmitted or received packet was not counted as a bench packet. */
#define VS_BENCH_DROPS(X)                                                                          \
	X(TX_NOMBUF, "tx_nombuf")     /* mempool empty: burst not built */                         \
	X(TX_FULL, "tx_full")	      /* device took part of a burst (unsent                       \
				       * packets are freed and their numbers                       \
				       * reused) */                                                \
	X(RX_FOREIGN, "rx_foreign")   /* not a bench frame */                                      \
	X(RX_STALE, "rx_stale")	      /* bench frame of an earlier trial */                        \
	X(RX_BAD_FLOW, "rx_bad_flow") /* flow number beyond the flow count */

enum vs_bench_drop {
#define VS_BENCH_DROP_ENUM_(n, s) VS_BENCH_DROP_##n,
	VS_BENCH_DROPS(VS_BENCH_DROP_ENUM_)
#undef VS_BENCH_DROP_ENUM_
	    VS_BENCH_DROP_MAX
};

const char *vs_bench_drop_str(enum vs_bench_drop d);

struct vs_bench_tx {
	/* set up by the control thread before a trial; read-only during it */
	uint16_t port;
	uint16_t queue;
	uint16_t burst;
	uint8_t trial;
	struct rte_mempool *mp;
	struct vs_bench_flows flows;
	struct vs_bench_sizes sizes;
	uint64_t count_limit; /* stop after this many packets; 0 = no limit */
	uint64_t *flow_seq;   /* per flow: packets sent (the next number) */
	/* transmit state and counters: written by the transmit lcore only */
	struct vs_bench_pace pace;
	uint32_t flow_cursor;
	uint32_t size_cursor;
	uint64_t pkts;
	uint64_t bytes; /* frame bytes including FCS */
	uint64_t drops[VS_BENCH_DROP_MAX];
	uint64_t first_tsc;
	uint64_t last_tsc;
};

struct vs_bench_rx {
	/* set up by the control thread before a trial */
	uint16_t port;
	uint16_t queue;	   /* next queue to poll (the receive lcore advances it) */
	uint16_t n_queues; /* queues polled in turn, one burst each */
	uint16_t burst;
	uint8_t trial;
	uint32_t n_flows;
	uint64_t ns_mult; /* ns = (cycles * ns_mult) >> 32 */
	struct vs_bench_seq_flow *flows;
	struct vs_bench_hist *lat; /* latency in ns */
	/* counters: written by the receive lcore only */
	uint64_t pkts;	/* bench packets of this trial */
	uint64_t bytes; /* their frame bytes including FCS */
	uint64_t drops[VS_BENCH_DROP_MAX];
	uint64_t first_tsc;
	uint64_t last_tsc; /* TSC of the last burst with a bench packet */
};

/* Whether the transmitter has sent everything it was asked to. */
static inline int
vs_bench_tx_done(const struct vs_bench_tx *tx)
{
	return tx->count_limit && tx->pkts >= tx->count_limit;
}

/* Send up to one burst of due packets at time now; returns the number sent. */
uint16_t vs_bench_tx_step(struct vs_bench_tx *tx, uint64_t now);
/* Receive and account one burst; returns the number of packets taken off the port. */
uint16_t vs_bench_rx_step(struct vs_bench_rx *rx);

#endif /* VS_BENCH_GEN_DP_H */
