/* SPDX-License-Identifier: BSD-3-Clause */
/* nfvswitch-bench receive statistics, control side. */
#include <math.h>
#include <string.h>

#include "bench_stats.h"

void
vs_bench_hist_init(struct vs_bench_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
vs_bench_hist_merge(struct vs_bench_hist *dst, const struct vs_bench_hist *src)
{
	for (uint32_t i = 0; i < VS_BENCH_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
vs_bench_hist_bucket_low(uint32_t idx)
{
	uint32_t e, m;

	if (idx < VS_BENCH_HIST_LINEAR)
		return idx;
	e = VS_BENCH_HIST_LINEAR_BITS + (idx - VS_BENCH_HIST_LINEAR) / VS_BENCH_HIST_SUB;
	m = VS_BENCH_HIST_SUB + (idx - VS_BENCH_HIST_LINEAR) % VS_BENCH_HIST_SUB;
	return (uint64_t)m << (e - VS_BENCH_HIST_SUB_BITS);
}

uint64_t
vs_bench_hist_bucket_high(uint32_t idx)
{
	if (idx + 1 >= VS_BENCH_HIST_BUCKETS)
		return UINT64_MAX;
	return vs_bench_hist_bucket_low(idx + 1) - 1;
}

uint64_t
vs_bench_hist_percentile(const struct vs_bench_hist *h, double p)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	if (p >= 100.0)
		return h->max;
	if (p <= 0.0)
		return h->min;
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank == 0)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (uint32_t i = 0; i < VS_BENCH_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t v = vs_bench_hist_bucket_high(i);

			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

double
vs_bench_hist_mean(const struct vs_bench_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

void
vs_bench_seq_summarize(const struct vs_bench_seq_flow *flows, const uint64_t *tx, uint32_t n,
		       struct vs_bench_seq_sum *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (uint32_t i = 0; i < n; i++) {
		const struct vs_bench_seq_flow *f = &flows[i];

		sum->tx += tx[i];
		sum->rx += f->rx;
		sum->dup += f->dup;
		sum->reorder += f->reorder;
		sum->late += f->late;
		if (tx[i] > f->rx) {
			sum->lost += tx[i] - f->rx;
			sum->flows_lossy++;
			if (f->rx == 0)
				sum->flows_silent++;
		} else {
			sum->excess += f->rx - tx[i];
		}
	}
}
