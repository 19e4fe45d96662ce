/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch-bench receive statistics: a log-linear latency histogram and
 * per-flow sequence accounting (loss, reordering, duplicates).
 *
 * Both are plain memory with no DPDK types, so they are unit tested on their
 * own. The per-packet recording functions are in bench_stats_dp.h; this header
 * holds the layouts and the control-side functions (init, merge, percentiles).
 */
#ifndef VS_BENCH_STATS_H
#define VS_BENCH_STATS_H

#include <stdint.h>

/*
 * Log-linear histogram (HdrHistogram-like). Values below 64 have one bucket
 * each; every power of two from 64 up is split into 32 equal buckets, so a
 * bucket is never wider than 1/32 (3.1 %) of the values it holds. Covers the
 * whole uint64_t range in 1920 buckets (15 KiB).
 */
#define VS_BENCH_HIST_SUB_BITS	  5
#define VS_BENCH_HIST_SUB	  (1u << VS_BENCH_HIST_SUB_BITS) /* 32 */
#define VS_BENCH_HIST_LINEAR	  (2u * VS_BENCH_HIST_SUB)	 /* 64 exact values */
#define VS_BENCH_HIST_LINEAR_BITS (VS_BENCH_HIST_SUB_BITS + 1)	 /* log2(64) */
#define VS_BENCH_HIST_BUCKETS                                                                      \
	(VS_BENCH_HIST_LINEAR + (64u - VS_BENCH_HIST_LINEAR_BITS) * VS_BENCH_HIST_SUB)

struct vs_bench_hist {
	uint64_t count;
	uint64_t sum; /* exact, for the mean */
	uint64_t min; /* UINT64_MAX when empty */
	uint64_t max;
	uint64_t bucket[VS_BENCH_HIST_BUCKETS];
};

void vs_bench_hist_init(struct vs_bench_hist *h);
/* Add every sample of src to dst. */
void vs_bench_hist_merge(struct vs_bench_hist *dst, const struct vs_bench_hist *src);
/* Lowest and highest value a bucket holds (both inclusive). */
uint64_t vs_bench_hist_bucket_low(uint32_t idx);
uint64_t vs_bench_hist_bucket_high(uint32_t idx);
/*
 * The p-th percentile (0 < p <= 100): the highest value of the bucket holding
 * the sample of rank ceil(p/100 * count), clamped to [min, max]. So p100 is
 * the exact max, and any percentile overestimates by less than one bucket
 * width. 0 when the histogram is empty.
 */
uint64_t vs_bench_hist_percentile(const struct vs_bench_hist *h, double p);
/* Mean, 0 when empty. */
double vs_bench_hist_mean(const struct vs_bench_hist *h);

/*
 * Per-flow sequence accounting. The transmitter numbers each flow's packets
 * 0, 1, 2, ...; the receiver keeps, per flow, the highest number seen and a
 * 128-packet window of which numbers below it arrived. A packet is:
 *  - in order when its number is above every number seen so far (a gap in
 *    between is provisionally lost);
 *  - reordered when it is below the highest seen and not yet seen (it fills
 *    a provisional gap: late, not lost);
 *  - a duplicate when it is below the highest seen and already seen;
 *  - late when it is more than the window below the highest seen: counted as
 *    received and reordered, but a duplicate cannot be told apart there.
 * Loss is known only at the end: transmitted minus uniquely received.
 * One flow is one cache line.
 */
#define VS_BENCH_SEQ_WINDOW 128

struct vs_bench_seq_flow {
	uint64_t next;	  /* highest number seen + 1; 0 when nothing arrived */
	uint64_t rx;	  /* packets counted as received (unique) */
	uint64_t dup;	  /* duplicates (not in rx) */
	uint64_t reorder; /* arrived below the highest number seen (in rx) */
	uint64_t late;	  /* arrived beyond the window (in rx and reorder) */
	uint64_t lat_sum; /* latency sum in ns, for a per-flow mean */
	uint64_t win[VS_BENCH_SEQ_WINDOW / 64];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct vs_bench_seq_flow) == 64, "one flow, one cache line");

enum vs_bench_seq_outcome {
	VS_BENCH_SEQ_IN_ORDER = 0,
	VS_BENCH_SEQ_REORDER,
	VS_BENCH_SEQ_DUP,
	VS_BENCH_SEQ_LATE,
};

/* Per-flow totals over many flows. */
struct vs_bench_seq_sum {
	uint64_t tx;
	uint64_t rx;
	uint64_t lost; /* sum over flows of max(tx - rx, 0) */
	uint64_t dup;
	uint64_t reorder;
	uint64_t late;
	uint64_t excess;       /* sum over flows of max(rx - tx, 0): late duplicates */
	uint32_t flows_lossy;  /* flows with at least one lost packet */
	uint32_t flows_silent; /* flows that received nothing although sent */
};

/* Sum n flows; tx[i] is how many packets flow i transmitted. */
void vs_bench_seq_summarize(const struct vs_bench_seq_flow *flows, const uint64_t *tx, uint32_t n,
			    struct vs_bench_seq_sum *sum);

#endif /* VS_BENCH_STATS_H */
