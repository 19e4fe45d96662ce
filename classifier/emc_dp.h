/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact-match cache, fast path. Per worker, set-associative (8 ways). Each
 * set has one cache line of signatures and generations; an entry is one
 * cache line holding the full key and the verdict (NULL caches "no rule
 * matched"). An entry counts only in the generation it was computed in, so a
 * commit invalidates every entry at once without a sweep. A hit reads two
 * lines (signatures, entry); with the generation and rule id in the entry,
 * as before, it read three; bench/cls's emc-hit row went from about 30.5 to
 * about 28.5 cycles/packet when they moved out (with a 5-CRC hash, below).
 *
 * Adaptive insertion. Hits are measured over windows of VS_EMC_WINDOW
 * keys. When the hit ratio collapses (more flows than the cache holds),
 * insertion backs off one step per window down to 1/2^VS_EMC_SHIFT_MAX, and
 * steps back to always when hits recover. Whether the EMC is consulted at
 * all is decided by cost, not by hit ratio (emc_policy.c): the cycles of the
 * lookups and insertions against the tuple-space searches their hits save.
 */
#ifndef VS_EMC_DP_H
#define VS_EMC_DP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>
#if defined(RTE_ARCH_X86)
#include <emmintrin.h>
#include <smmintrin.h>
#endif

#include "cls_priv.h"

static inline uint32_t
vs_emc_hash(const struct vs_flow_key *k)
{
	const vs_flow_word_t *w = vs_flow_key_words(k);
	uint32_t a = 0x9e3779b9, b = 0x85ebca6b;

	/* Words 4, 6 and 7 (the high halves of the IPv6 addresses; the
	 * fragment byte and the tunnel fields) are folded into 3, 5 and 2,
	 * rotated so that equal halves do not cancel: five CRCs per key
	 * instead of eight, in two independent chains. A cache index needs no more; the key compare
	 * decides. */
	a = cls_crc64(w[0], a);
	b = cls_crc64(w[1], b);
	a = cls_crc64(w[2] ^ (w[7] << 17), a);
	b = cls_crc64(w[3] ^ ((w[4] << 29) | (w[4] >> 35)), b);
	a = cls_crc64(w[5] ^ ((w[6] << 29) | (w[6] >> 35)), a);
	return a ^ ((b << 15) | (b >> 17));
}

#if defined(RTE_ARCH_X86) && defined(__SSE4_1__)
/* Whether the 64-byte aligned lines a and b are the same, the last 8 bytes
 * of a under mask7: four 16-byte compares, about half the instructions of
 * a loop of eight words (bench/cls emc-hit 24.5 -> 22.3 cycles a lookup,
 * the worker's classify stage at 1k flows 20.2 -> 17.6 a packet). */
static inline bool
vs_emc_line_eq(const void *a, const void *b, uint64_t mask7)
{
	const __m128i *x = (const __m128i *)a, *y = (const __m128i *)b;
	const __m128i last = _mm_set_epi64x((long long)mask7, -1);
	__m128i d = _mm_xor_si128(_mm_load_si128(&x[0]), _mm_load_si128(&y[0]));

	d = _mm_or_si128(d, _mm_xor_si128(_mm_load_si128(&x[1]), _mm_load_si128(&y[1])));
	d = _mm_or_si128(d, _mm_xor_si128(_mm_load_si128(&x[2]), _mm_load_si128(&y[2])));
	d = _mm_or_si128(
	    d, _mm_xor_si128(_mm_and_si128(_mm_load_si128(&x[3]), last), _mm_load_si128(&y[3])));
	return _mm_testz_si128(d, d) != 0;
}
#endif

/* Whether entry e caches key k (see struct cls_emc_entry). */
static inline bool
vs_emc_key_eq(const struct cls_emc_entry *e, const struct vs_flow_key *k)
{
#if defined(RTE_ARCH_X86) && defined(__SSE4_1__)
	return vs_emc_line_eq(e, k, CLS_EMC_FRAG_MASK);
#else
	const vs_flow_word_t *b = vs_flow_key_words(k);
	uint64_t d = ((e->last & CLS_EMC_FRAG_MASK) ^ b[VS_FLOW_KEY_WORDS - 1]);

	for (unsigned i = 0; i < VS_FLOW_KEY_WORDS - 1; i++)
		d |= e->key[i] ^ b[i];
	return d == 0;
#endif
}

static inline const struct vs_cls_rule *
vs_emc_rule(const struct cls_emc_entry *e)
{
	return (const struct vs_cls_rule *)(uintptr_t)(e->last >> CLS_EMC_RULE_SHIFT);
}

/* Before a burst: when the generation's high half moved on, every cached
 * entry is from 2^32 or more commits ago; clear the signatures so that none
 * of them can match a generation with the same low half. */
static inline void
vs_emc_check_epoch(struct vs_cls_ctx *ctx, uint64_t gen)
{
	if (unlikely((uint32_t)(gen >> 32) != ctx->emc_epoch)) {
		memset(ctx->emc_sig, 0, sizeof(*ctx->emc_sig) * (ctx->emc_set_mask + 1));
		ctx->emc_epoch = (uint32_t)(gen >> 32);
	}
}

/* Ways of set sg whose signature is sig, as a bit mask. */
static inline uint32_t
vs_emc_sig_match(const struct cls_emc_sig *sg, uint32_t sig)
{
#if defined(RTE_ARCH_X86)
	__m128i s = _mm_set1_epi32((int)sig);
	__m128i lo = _mm_load_si128((const __m128i *)(const void *)&sg->sig[0]);
	__m128i hi = _mm_load_si128((const __m128i *)(const void *)&sg->sig[4]);

	return (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo, s))) |
	       ((uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi, s))) << 4);
#else
	uint32_t m = 0;

	for (unsigned w = 0; w < VS_EMC_WAYS; w++)
		m |= (uint32_t)(sg->sig[w] == sig) << w;
	return m;
#endif
}

/* Whether this burst consults the EMC (false while bypassed). */
static inline bool
vs_emc_should_lookup(const struct vs_cls_ctx *ctx)
{
	return ctx->emc_policy.mode != VS_EMC_BYPASS && ctx->emc_policy.mode != VS_EMC_PROBE;
}

/* Whether the policy judges by this window: every burst of it is timed. */
static inline bool
vs_emc_judging(const struct vs_cls_ctx *ctx)
{
	return ctx->emc_policy.mode == VS_EMC_PROBE || ctx->emc_policy.mode == VS_EMC_TRIAL;
}

/* Close a measurement window: the policy decides, the window starts over. */
static inline void
vs_emc_close_window(struct vs_cls_ctx *ctx)
{
	const struct vs_emc_policy *p = &ctx->emc_policy;

	vs_emc_policy_step(&ctx->emc_policy, &ctx->emc_win);
	__atomic_store_n(&ctx->cnt.emc_insert_shift, p->shift, __ATOMIC_RELAXED);
	__atomic_store_n(&ctx->cnt.emc_bypassed,
			 (uint32_t)(p->mode != VS_EMC_ON && p->mode != VS_EMC_PROBE),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&ctx->cnt.emc_cycles_on, (p->on_cyc16 + 8) / 16, __ATOMIC_RELAXED);
	__atomic_store_n(&ctx->cnt.emc_cycles_off, (p->off_cyc16 + 8) / 16, __ATOMIC_RELAXED);
	memset(&ctx->emc_win, 0, sizeof(ctx->emc_win));
}

/* Whether keys a and b are the same, every word. */
static inline bool
vs_emc_keys_same(const struct vs_flow_key *a, const struct vs_flow_key *b)
{
#if defined(RTE_ARCH_X86) && defined(__SSE4_1__)
	return vs_emc_line_eq(a, b, UINT64_MAX);
#else
	const vs_flow_word_t *x = vs_flow_key_words(a), *y = vs_flow_key_words(b);
	uint64_t d = 0;

	for (unsigned i = 0; i < VS_FLOW_KEY_WORDS; i++)
		d |= x[i] ^ y[i];
	return d == 0;
#endif
}

/* The compare pass of vs_emc_lookup_burst: ways[j], the ways of listed key
 * j's set whose signature is its own. same: a bit per listed key that is the
 * previous listed key (a train of one flow); such a key takes that key's
 * answer, a hit or a miss (the tuple search then finds the rule once for
 * both: its equal-key check). Instantiated with and without trains, so that
 * a burst of distinct flows runs no train code. */
static __rte_always_inline uint32_t
vs_emc_compare(struct vs_cls_ctx *ctx, uint64_t gen, const struct vs_flow_key *keys,
	       const uint8_t *idx, uint32_t n, const uint32_t *ways, const struct vs_cls_rule **out,
	       uint8_t *miss, const bool trains, uint64_t same)
{
	const uint32_t set_mask = ctx->emc_set_mask;
	uint32_t n_miss = 0, n_hit = 0, run = 0;
	const struct vs_cls_rule *run_r = NULL;
	bool prev_hit = false;

	for (uint32_t j = 0; j < n; j++) {
		uint8_t i = idx[j];
		uint32_t set = ctx->emc_hash[i] & set_mask;
		const struct cls_emc_sig *sg = &ctx->emc_sig[set];
		bool hit = false;

		if (trains && ((same >> j) & 1)) {
			if (prev_hit) {
				out[i] = out[idx[j - 1]];
				run++;
				n_hit++;
			} else {
				miss[n_miss++] = i;
			}
			continue;
		}
		for (uint32_t m = ways[j]; m != 0; m &= m - 1) {
			uint32_t w = (uint32_t)__builtin_ctz(m);
			const struct cls_emc_entry *e = &ctx->emc_ent[set * VS_EMC_WAYS + w];

			if (sg->gen[w] == (uint32_t)gen && vs_emc_key_eq(e, &keys[i])) {
				const struct vs_cls_rule *r = vs_emc_rule(e);

				out[i] = r;
				/* Hits of one rule in a row are counted once. */
				if (r != run_r) {
					if (run_r != NULL)
						VS_CLS_CNT_ADD(&ctx->rule_hits[cls_rule_id_of(
								   ctx->cls, run_r)],
							       run);
					run_r = r;
					run = 0;
				}
				run++;
				hit = true;
				break;
			}
		}
		if (trains)
			prev_hit = hit;
		if (hit)
			n_hit++;
		else
			miss[n_miss++] = i;
	}
	if (run_r != NULL)
		VS_CLS_CNT_ADD(&ctx->rule_hits[cls_rule_id_of(ctx->cls, run_r)], run);
	VS_CLS_CNT_ADD(&ctx->cnt.emc_hits, n_hit);
	VS_CLS_CNT_ADD(&ctx->cnt.emc_misses, n_miss);
	ctx->emc_win.hits += n_hit;
	return n_miss;
}

/*
 * Look up the n keys listed in idx[]. Hits fill out[]; the misses' indexes go
 * to miss[] (returned count). Hashes are kept in ctx->emc_hash[] by key index
 * for the insertion that follows. The first pass hashes each key, matches
 * its set's signatures and prefetches the first entry that matches; the
 * second compares keys.
 *
 * Trains: a key whose hash is the previous key's is compared with that key;
 * once one is the same, the next key is compared with its previous one
 * before it is hashed, for as long as the train lasts. A burst of one flow
 * so hashes its first two keys and compares the rest, where it hashed every
 * key and then compared each with the one before (worker alone at 1 flow,
 * min of 6 rounds: classify 10.5 -> 7.3 cycles a packet, whole packet 52.1
 * -> 48.1); a burst of distinct flows compares nothing (1k flows: classify
 * 16.3 -> 16.6, within noise).
 */
static inline uint32_t
vs_emc_lookup_burst(struct vs_cls_ctx *ctx, uint64_t gen, const struct vs_flow_key *keys,
		    const uint8_t *idx, uint32_t n, const struct vs_cls_rule **out, uint8_t *miss)
{
	const uint32_t set_mask = ctx->emc_set_mask;
	uint32_t ways[VS_CLS_BURST_MAX];
	uint32_t prev_h = 0;
	uint64_t same = 0;
	bool in_train = false;

	for (uint32_t j = 0; j < n; j++) {
		uint8_t i = idx[j];
		uint32_t h, set, m;

		if (in_train && vs_emc_keys_same(&keys[i], &keys[idx[j - 1]])) {
			ctx->emc_hash[i] = prev_h;
			same |= UINT64_C(1) << j;
			continue;
		}
		h = vs_emc_hash(&keys[i]);
		ctx->emc_hash[i] = h;
		in_train = j != 0 && h == prev_h && vs_emc_keys_same(&keys[i], &keys[idx[j - 1]]);
		if (in_train) {
			same |= UINT64_C(1) << j;
			continue;
		}
		prev_h = h;
		set = h & set_mask;
		m = vs_emc_sig_match(&ctx->emc_sig[set], h | 1);
		ways[j] = m;
		if (m != 0)
			rte_prefetch0(&ctx->emc_ent[set * VS_EMC_WAYS + __builtin_ctz(m)]);
	}
	ctx->emc_win.lookups += n;
	if (same != 0)
		return vs_emc_compare(ctx, gen, keys, idx, n, ways, out, miss, true, same);
	return vs_emc_compare(ctx, gen, keys, idx, n, ways, out, miss, false, 0);
}

/* Insert the verdicts of the n missed keys, subject to the insertion policy.
 * looked_up: whether these keys went through vs_emc_lookup_burst (hashes known). */
static inline void
vs_emc_insert_burst(struct vs_cls_ctx *ctx, uint64_t gen, const struct vs_flow_key *keys,
		    const uint8_t *idx, uint32_t n, const struct vs_cls_rule *const *out,
		    bool looked_up)
{
	const uint32_t shift = ctx->emc_policy.shift;
	const uint32_t every = (1u << shift) - 1;
	uint32_t n_ins = 0, n_skip = 0;

	if (!looked_up) {
		VS_CLS_CNT_ADD(&ctx->cnt.emc_insert_skips, n);
		return;
	}
	for (uint32_t j = 0; j < n; j++) {
		uint8_t i = idx[j];
		uint32_t h = ctx->emc_hash[i];
		struct cls_emc_sig *sg = &ctx->emc_sig[h & ctx->emc_set_mask];
		struct cls_emc_entry *base = &ctx->emc_ent[(h & ctx->emc_set_mask) * VS_EMC_WAYS];
		uint32_t sig = h | 1, way, m;

		/* Keys from a tunnel (tun_id / tun_src in word 7) are not cached
		 * (an entry holds only word 7's fragment byte), nor do they take
		 * a turn of the insertion policy's 1 in 2^shift. */
		if (unlikely((vs_flow_key_words(&keys[i])[VS_FLOW_KEY_WORDS - 1] &
			      ~CLS_EMC_FRAG_MASK) != 0) ||
		    (ctx->emc_insert_ctr++ & every) != 0) {
			n_skip++;
			continue;
		}
		/* Same key already cached from an older generation: overwrite it. */
		way = VS_EMC_WAYS;
		for (m = vs_emc_sig_match(sg, sig); m != 0; m &= m - 1) {
			uint32_t w = __builtin_ctz(m);

			if (vs_emc_key_eq(&base[w], &keys[i])) {
				way = w;
				break;
			}
		}
		if (way == VS_EMC_WAYS) {
			m = vs_emc_sig_match(sg, 0);
			way = m != 0 ? (uint32_t)__builtin_ctz(m)
				     : (ctx->emc_victim++ & (VS_EMC_WAYS - 1));
		}
		memcpy(base[way].key, &keys[i], sizeof(base[way].key));
		base[way].last =
		    (vs_flow_key_words(&keys[i])[VS_FLOW_KEY_WORDS - 1] & CLS_EMC_FRAG_MASK) |
		    ((uint64_t)(uintptr_t)out[i] << CLS_EMC_RULE_SHIFT);
		sg->gen[way] = (uint32_t)gen;
		sg->sig[way] = sig;
		n_ins++;
	}
	VS_CLS_CNT_ADD(&ctx->cnt.emc_inserts, n_ins);
	if (n_skip != 0)
		VS_CLS_CNT_ADD(&ctx->cnt.emc_insert_skips, n_skip);
}

#endif /* VS_EMC_DP_H */
