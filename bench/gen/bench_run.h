/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch-bench control side: port and lcore setup, and one trial (send at
 * a rate for a time or a count, drain, collect). Runs on the main lcore.
 *
 * Lcores: with two or more worker lcores, transmit runs on the first and
 * receive on the second; with one worker lcore, one loop alternates transmit
 * and receive on it; with none, the main lcore alternates them itself in
 * 10 ms slices between progress checks. The main lcore otherwise sleeps.
 */
#ifndef VS_BENCH_RUN_H
#define VS_BENCH_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_gen_dp.h"
#include "bench_pkt.h"
#include "bench_stats.h"

extern int vs_bench_logtype;

struct vs_bench_opts {
	uint16_t tx_port;
	uint16_t rx_port;     /* may equal tx_port */
	uint16_t burst;	      /* default 32 */
	uint16_t n_queues;    /* rx queues of the rx port (1), all polled; one tx queue */
	uint32_t n_mbufs;     /* default 16383 */
	uint16_t rx_desc;     /* default 1024 */
	uint16_t tx_desc;     /* default 1024 */
	uint32_t drain_ms;    /* after transmit ends, wait this long for stragglers (200) */
	uint32_t max_backlog; /* pacing: overdue packets sent back to back at most (burst) */
	uint32_t link_wait_s; /* wait this long for link up at start (10) */
	bool no_port_setup;   /* ports are configured and started by the caller */
	bool progress;	      /* one progress line per second on stderr */
};

void vs_bench_opts_default(struct vs_bench_opts *o);

struct vs_bench_trial_cfg {
	struct vs_bench_flows flows;
	struct vs_bench_sizes sizes;
	double rate_pps;   /* target rate; 0 = as fast as possible */
	double duration_s; /* transmit time; with count set, an upper bound */
	uint64_t count;	   /* total packets to send; 0 = for duration_s */
	const char *label; /* progress line prefix, may be NULL */
};

struct vs_bench_result {
	char size_label[16];
	uint32_t flows;
	uint32_t masks;
	double offered_pps; /* target (0 = unpaced) */
	double window_s;    /* first to last transmit burst */
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t rx_pkts; /* unique bench packets of this trial */
	uint64_t rx_bytes;
	struct vs_bench_seq_sum seq;
	uint64_t drops[VS_BENCH_DROP_MAX];
	uint64_t pace_skipped;
	double tx_pps;
	double rx_pps;
	double tx_gbps; /* layer 1 (frame + 20 bytes) */
	double rx_gbps;
	double loss_ratio; /* lost / transmitted */
	uint64_t lat_count;
	double lat_avg_ns;
	uint64_t lat_min_ns, lat_p50_ns, lat_p99_ns, lat_p999_ns, lat_max_ns;
};

/* What a result was measured on; printed and written with every result. */
struct vs_bench_env {
	char dpdk[64];
	char cpu[128];
	unsigned int n_cpus;
	unsigned int n_lcores;
	char lcore_roles[96];
	uint16_t burst;
	char tx_dev[96];
	char rx_dev[96];
	double tsc_hz;
};

struct vs_bench_ctx;

/* After rte_eal_init(). NULL + errno (EINVAL, ENODEV, ENOMEM, ETIMEDOUT, ...). */
struct vs_bench_ctx *vs_bench_ctx_create(const struct vs_bench_opts *o);
/* Accepts NULL. Stops and closes the ports it started. */
void vs_bench_ctx_destroy(struct vs_bench_ctx *ctx);
const struct vs_bench_env *vs_bench_ctx_env(const struct vs_bench_ctx *ctx);

/* Run one trial; 0 or -errno. res is filled on success. */
int vs_bench_trial(struct vs_bench_ctx *ctx, const struct vs_bench_trial_cfg *cfg,
		   struct vs_bench_result *res);

/* The last trial's latency histogram (ns) and per-flow state. */
const struct vs_bench_hist *vs_bench_ctx_latency(const struct vs_bench_ctx *ctx);
const struct vs_bench_seq_flow *vs_bench_ctx_flows(const struct vs_bench_ctx *ctx,
						   const uint64_t **tx_seq, uint32_t *n);

#endif /* VS_BENCH_RUN_H */
