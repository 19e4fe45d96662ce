/* SPDX-License-Identifier: BSD-3-Clause */
/* nfvswitch-bench receive statistics, per-packet part: no logging, no allocation. */
#ifndef VS_BENCH_STATS_DP_H
#define VS_BENCH_STATS_DP_H

#include <stdint.h>

#include "bench_stats.h"

static inline uint32_t
vs_bench_hist_index(uint64_t v)
{
	uint32_t e;

	if (v < VS_BENCH_HIST_LINEAR)
		return (uint32_t)v;
	e = 63u - (uint32_t)__builtin_clzll(v); /* >= LINEAR_BITS */
	return VS_BENCH_HIST_LINEAR + (e - VS_BENCH_HIST_LINEAR_BITS) * VS_BENCH_HIST_SUB +
	       (uint32_t)((v >> (e - VS_BENCH_HIST_SUB_BITS)) - VS_BENCH_HIST_SUB);
}

static inline void
vs_bench_hist_record(struct vs_bench_hist *h, uint64_t v)
{
	h->bucket[vs_bench_hist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/*
 * Widen a 32-bit sequence number to 64 bits: the value closest to ref (the
 * next number expected) with those low 32 bits.
 */
static inline uint64_t
vs_bench_seq_extend(uint64_t ref, uint32_t s32)
{
	const uint64_t half = 1ull << 31;
	uint64_t c = (ref & ~0xffffffffull) | s32;

	if (c + half < ref)
		c += 1ull << 32;
	else if (c > ref + half && c >= (1ull << 32))
		c -= 1ull << 32;
	return c;
}

static inline int
vs_bench_seq_test_(const struct vs_bench_seq_flow *f, uint64_t s)
{
	uint32_t b = (uint32_t)(s % VS_BENCH_SEQ_WINDOW);

	return (f->win[b / 64] >> (b % 64)) & 1;
}

static inline void
vs_bench_seq_set_(struct vs_bench_seq_flow *f, uint64_t s)
{
	uint32_t b = (uint32_t)(s % VS_BENCH_SEQ_WINDOW);

	f->win[b / 64] |= 1ull << (b % 64);
}

static inline void
vs_bench_seq_clear_(struct vs_bench_seq_flow *f, uint64_t s)
{
	uint32_t b = (uint32_t)(s % VS_BENCH_SEQ_WINDOW);

	f->win[b / 64] &= ~(1ull << (b % 64));
}

/* Account packet number s of flow f. The window covers [next - WINDOW, next). */
static inline enum vs_bench_seq_outcome
vs_bench_seq_account(struct vs_bench_seq_flow *f, uint64_t s)
{
	if (s >= f->next) {
		uint64_t adv = s + 1 - f->next; /* numbers entering the window */

		if (adv >= VS_BENCH_SEQ_WINDOW) {
			for (uint32_t i = 0; i < VS_BENCH_SEQ_WINDOW / 64; i++)
				f->win[i] = 0;
		} else {
			for (uint64_t q = f->next; q < s; q++)
				vs_bench_seq_clear_(f, q);
		}
		vs_bench_seq_set_(f, s);
		f->next = s + 1;
		f->rx++;
		return VS_BENCH_SEQ_IN_ORDER;
	}
	if (f->next - s > VS_BENCH_SEQ_WINDOW) {
		f->rx++;
		f->reorder++;
		f->late++;
		return VS_BENCH_SEQ_LATE;
	}
	if (vs_bench_seq_test_(f, s)) {
		f->dup++;
		return VS_BENCH_SEQ_DUP;
	}
	vs_bench_seq_set_(f, s);
	f->rx++;
	f->reorder++;
	return VS_BENCH_SEQ_REORDER;
}

#endif /* VS_BENCH_STATS_DP_H */
