/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact-match cache, fast path. Per worker, entries of one cache line that
 * validate themselves (struct cls_emc_entry: the key, the verdict's rule id,
 * and the generation it was computed in, so that a commit invalidates every
 * entry at once without a sweep). A key has two places, from the two halves
 * of its hash (as OVS's EMC): a hit reads the line at the first and, when
 * that holds another key, the one at the second, both found from the hash
 * alone. Before, sets of 8 ways had a line of signatures and generations
 * each, and a hit read it and then the entry it pointed to: two dependent
 * lines and about twice the instructions (worker alone, min over rounds:
 * classify 17.5 -> 12.9 cycles a packet at 1k flows (6), 17.2 -> 13.2 at 4k (4)).
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

/* The entry compares in SSE where the CPU has it. VS_EMC_SCALAR (the build
 * of test-classifier-scalar) takes the portable loops instead, so that x86
 * runs the tests over them too. */
#if defined(RTE_ARCH_X86) && defined(__SSE4_1__) && !defined(VS_EMC_SCALAR)
#define VS_EMC_SSE 1
#endif

/* What an entry's last word must hold, under CLS_EMC_HIT_MASK, for key word
 * 7 k7 in generation gen, beside k7 itself: valid, and that generation. */
static inline uint64_t
vs_emc_tag(uint64_t gen)
{
	return CLS_EMC_VALID | ((uint64_t)(uint32_t)gen << CLS_EMC_GEN_SHIFT);
}

/*
 * Whether entry e holds key k: words 0-6 equal, and e's last word under
 * mask7 is k's word 7 with tag7's bits (CLS_EMC_HIT_MASK and vs_emc_tag:
 * cached in that generation; CLS_EMC_KEY_MASK and CLS_EMC_VALID: in any).
 * A key with a bit in word 7 past the fragment byte (a tunnel key) is in
 * no entry.
 */
static inline bool
vs_emc_entry_eq(const struct cls_emc_entry *e, const struct vs_flow_key *k, uint64_t mask7,
		uint64_t tag7)
{
#ifdef VS_EMC_SSE
	const __m128i *x = (const __m128i *)(const void *)e;
	const __m128i *y = (const __m128i *)(const void *)k;
	const __m128i m = _mm_set_epi64x((long long)mask7, -1);
	const __m128i t = _mm_set_epi64x((long long)tag7, 0);
	const __m128i past = _mm_set_epi64x((long long)~CLS_EMC_FRAG_MASK, 0);
	const __m128i k3 = _mm_load_si128(&y[3]);
	__m128i d = _mm_xor_si128(_mm_load_si128(&x[0]), _mm_load_si128(&y[0]));

	d = _mm_or_si128(d, _mm_xor_si128(_mm_load_si128(&x[1]), _mm_load_si128(&y[1])));
	d = _mm_or_si128(d, _mm_xor_si128(_mm_load_si128(&x[2]), _mm_load_si128(&y[2])));
	d = _mm_or_si128(
	    d, _mm_xor_si128(_mm_xor_si128(_mm_and_si128(_mm_load_si128(&x[3]), m), t), k3));
	d = _mm_or_si128(d, _mm_and_si128(k3, past));
	return _mm_testz_si128(d, d) != 0;
#else
	const vs_flow_word_t *b = vs_flow_key_words(k);
	uint64_t k7 = b[VS_FLOW_KEY_WORDS - 1];
	uint64_t d = ((e->last & mask7) ^ tag7 ^ k7) | (k7 & ~CLS_EMC_FRAG_MASK);

	for (unsigned i = 0; i < VS_FLOW_KEY_WORDS - 1; i++)
		d |= e->key[i] ^ b[i];
	return d == 0;
#endif
}

/* Whether entry e caches key k in any generation (see vs_emc_entry_eq). */
static inline bool
vs_emc_key_eq(const struct cls_emc_entry *e, const struct vs_flow_key *k)
{
	return vs_emc_entry_eq(e, k, CLS_EMC_KEY_MASK, CLS_EMC_VALID);
}

/* The verdict in an entry's last word: its rule's id + 1, 0 for none. */
static inline uint32_t
vs_emc_id1(uint64_t last)
{
	return (uint32_t)(last >> CLS_EMC_ID_SHIFT) & CLS_EMC_ID_MAX;
}

/* The second place of a key with hash h (the first: h & mask): the hash's
 * other half, another place when they fall on the same one. */
static inline uint32_t
vs_emc_pos2(uint32_t h, uint32_t mask)
{
	uint32_t p = ((h >> 16) | (h << 16)) & mask;

	return (p ^ (uint32_t)(p == (h & mask))) & mask;
}

/* Before a burst: when the generation's high half moved on, every cached
 * entry is from 2^32 or more commits ago; clear them all so that none can
 * match a generation with the same low half. */
static inline void
vs_emc_check_epoch(struct vs_cls_ctx *ctx, uint64_t gen)
{
	if (unlikely((uint32_t)(gen >> 32) != ctx->emc_epoch)) {
		memset(ctx->emc_ent, 0, sizeof(*ctx->emc_ent) * ((size_t)ctx->emc_mask + 1));
		ctx->emc_epoch = (uint32_t)(gen >> 32);
	}
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
#ifdef VS_EMC_SSE
	/* Four 16-byte compares, about half the instructions of a loop of
	 * eight words. */
	const __m128i *x = (const __m128i *)(const void *)a, *y = (const __m128i *)(const void *)b;
	__m128i d = _mm_xor_si128(_mm_load_si128(&x[0]), _mm_load_si128(&y[0]));

	d = _mm_or_si128(d, _mm_xor_si128(_mm_load_si128(&x[1]), _mm_load_si128(&y[1])));
	d = _mm_or_si128(d, _mm_xor_si128(_mm_load_si128(&x[2]), _mm_load_si128(&y[2])));
	d = _mm_or_si128(d, _mm_xor_si128(_mm_load_si128(&x[3]), _mm_load_si128(&y[3])));
	return _mm_testz_si128(d, d) != 0;
#else
	const vs_flow_word_t *x = vs_flow_key_words(a), *y = vs_flow_key_words(b);
	uint64_t d = 0;

	for (unsigned i = 0; i < VS_FLOW_KEY_WORDS; i++)
		d |= x[i] ^ y[i];
	return d == 0;
#endif
}

/* The compare pass of vs_emc_lookup_burst: each key against the entry at
 * its first place, then at its second. same: a bit per listed key that is
 * the previous listed key (a train of one flow); such a key takes that
 * key's answer, a hit or a miss (the tuple search then finds the rule once
 * for both: its equal-key check). Instantiated with and without trains, so
 * that a burst of distinct flows runs no train code. */
static __rte_always_inline uint32_t
vs_emc_compare(struct vs_cls_ctx *ctx, uint64_t gen, const struct vs_flow_key *keys,
	       const uint8_t *idx, uint32_t n, const struct vs_cls_rule **out, uint8_t *miss,
	       const bool trains, uint64_t same)
{
	const struct cls_emc_entry *ent = ctx->emc_ent;
	const uint32_t mask = ctx->emc_mask;
	const uint64_t tag = vs_emc_tag(gen);
	const struct cls_rule *pool = ctx->cls->pool;
	uint32_t n_miss = 0, n_hit = 0, run = 0, run_id1 = 0;
	bool prev_hit = false;

	for (uint32_t j = 0; j < n; j++) {
		uint8_t i = idx[j];
		uint32_t h = ctx->emc_hash[i];
		const struct cls_emc_entry *e = &ent[h & mask];
		uint32_t id1;

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
		if (!vs_emc_entry_eq(e, &keys[i], CLS_EMC_HIT_MASK, tag)) {
			e = &ent[vs_emc_pos2(h, mask)];
			if (!vs_emc_entry_eq(e, &keys[i], CLS_EMC_HIT_MASK, tag)) {
				if (trains)
					prev_hit = false;
				miss[n_miss++] = i;
				continue;
			}
		}
		if (trains)
			prev_hit = true;
		n_hit++;
		id1 = vs_emc_id1(e->last);
		out[i] = id1 != 0 ? &pool[id1 - 1].pub : NULL;
		/* Hits of one rule in a row are counted once. */
		if (id1 != run_id1) {
			if (run_id1 != 0)
				VS_CLS_CNT_ADD(&ctx->rule_hits[run_id1 - 1], run);
			run_id1 = id1;
			run = 0;
		}
		run++;
	}
	if (run_id1 != 0)
		VS_CLS_CNT_ADD(&ctx->rule_hits[run_id1 - 1], run);
	VS_CLS_CNT_ADD(&ctx->cnt.emc_hits, n_hit);
	VS_CLS_CNT_ADD(&ctx->cnt.emc_misses, n_miss);
	ctx->emc_win.hits += n_hit;
	return n_miss;
}

/*
 * Look up the n keys listed in idx[]. Hits fill out[]; the misses' indexes go
 * to miss[] (returned count). Hashes are kept in ctx->emc_hash[] by key index
 * for the insertion that follows. The first pass hashes each key and
 * prefetches the entry at its first place; the second compares keys.
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
	const uint32_t mask = ctx->emc_mask;
	uint32_t prev_h = 0;
	uint64_t same = 0;
	bool in_train = false;

	for (uint32_t j = 0; j < n; j++) {
		uint8_t i = idx[j];
		uint32_t h;

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
		rte_prefetch0(&ctx->emc_ent[h & mask]);
	}
	ctx->emc_win.lookups += n;
	if (same != 0)
		return vs_emc_compare(ctx, gen, keys, idx, n, out, miss, true, same);
	return vs_emc_compare(ctx, gen, keys, idx, n, out, miss, false, 0);
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
	const uint64_t tag = vs_emc_tag(gen);
	uint32_t n_ins = 0, n_skip = 0;

	if (!looked_up) {
		VS_CLS_CNT_ADD(&ctx->cnt.emc_insert_skips, n);
		return;
	}
	for (uint32_t j = 0; j < n; j++) {
		uint8_t i = idx[j];
		uint64_t k7 = vs_flow_key_words(&keys[i])[VS_FLOW_KEY_WORDS - 1];
		struct cls_emc_entry *e1, *e2, *e;
		uint32_t h;

		/* Keys from a tunnel (tun_id / tun_src in word 7) are not cached
		 * (an entry holds only word 7's fragment byte), nor do they take
		 * a turn of the insertion policy's 1 in 2^shift. */
		if (unlikely((k7 & ~CLS_EMC_FRAG_MASK) != 0) ||
		    (ctx->emc_insert_ctr++ & every) != 0) {
			n_skip++;
			continue;
		}
		h = ctx->emc_hash[i];
		e1 = &ctx->emc_ent[h & ctx->emc_mask];
		e2 = &ctx->emc_ent[vs_emc_pos2(h, ctx->emc_mask)];
		/* The same key cached before (an older generation, or earlier in
		 * this burst): its entry; else a place not valid in this
		 * generation; else the two places take turns. */
		if (vs_emc_key_eq(e1, &keys[i]))
			e = e1;
		else if (vs_emc_key_eq(e2, &keys[i]))
			e = e2;
		else if ((e1->last & CLS_EMC_LIVE_MASK) != tag)
			e = e1;
		else if ((e2->last & CLS_EMC_LIVE_MASK) != tag)
			e = e2;
		else
			e = (ctx->emc_victim++ & 1) != 0 ? e2 : e1;
		memcpy(e->key, &keys[i], sizeof(e->key));
		e->last = k7 | tag |
			  ((uint64_t)(out[i] != NULL ? cls_rule_id_of(ctx->cls, out[i]) + 1 : 0)
			   << CLS_EMC_ID_SHIFT);
		n_ins++;
	}
	VS_CLS_CNT_ADD(&ctx->cnt.emc_inserts, n_ins);
	if (n_skip != 0)
		VS_CLS_CNT_ADD(&ctx->cnt.emc_insert_skips, n_skip);
}

#endif /* VS_EMC_DP_H */
