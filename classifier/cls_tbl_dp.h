/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Subtable hash: masked key (compressed to the mask's non-zero words) ->
 * node. Single writer, lock-free readers, no key ever moves: a key goes into
 * its first bucket of 8 slots (one cache line) or, when that is full, into
 * its second one, and the first bucket is then marked as overflowed so a
 * miss costs one bucket unless it overflowed. When both are full the writer
 * builds a table twice as large and publishes it (the old one is freed after
 * a grace period).
 *
 * A slot is one 64-bit word: a 16-bit signature of the key's hash in the top
 * bits and the node's address in the low 48 (x86-64 and arm64 user
 * addresses fit; the writer checks). The node holds the key itself (after an
 * 8-byte header, see cls_tbl_node_key), so a hit costs two dependent cache
 * misses, the bucket and the node, where a slot holding an index into a key
 * array cost three (bucket, key entry, node). Measured with bench/cls
 * (cycles/packet, EMC off, 1k rules, 100k flows): 87 -> 47 at 1 subtable,
 * 118 -> 70 at 4, 191 -> 184 at 16 (where the per-subtable filter scan
 * dominates); 269 -> 252 for 100k rules over 16 subtables.
 *
 * The writer publishes a slot with a release store after the node (key
 * included) is complete, so a reader that sees a slot sees its node.
 * Replacing a key's node is one release store of the slot with the same
 * signature; deleting clears it. Nodes are freed after a grace period.
 *
 * Replaces rte_hash here, measured with bench/cls: rte_hash's bulk lookup
 * calls its hash and compare functions through pointers and re-checks its
 * cuckoo change counter; with the same search loop a subtable probe went from
 * about 80 cycles with rte_hash to about 40 with this table.
 */
#ifndef VS_CLS_TBL_DP_H
#define VS_CLS_TBL_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>
#if defined(RTE_ARCH_X86)
#include <emmintrin.h>
#endif

#include "cls_priv.h" /* cls_crc64 */

#define CLS_TBL_WAYS	  8u
#define CLS_TBL_SEED	  0x9747b28cu
#define CLS_TBL_OVF	  UINT64_C(1) /* in way 0: the bucket overflowed */
#define CLS_TBL_SIG_SHIFT 48
#define CLS_TBL_PTR_MASK  (((UINT64_C(1) << CLS_TBL_SIG_SHIFT) - 1) & ~CLS_TBL_OVF)
#define CLS_TBL_NODE_HDR  8u /* bytes of a node before its key */

static inline bool
cls_tbl_slot_used(uint64_t s)
{
	return (s & CLS_TBL_PTR_MASK) != 0;
}

static inline const void *
cls_tbl_slot_node(uint64_t s)
{
	return (const void *)(uintptr_t)(s & CLS_TBL_PTR_MASK);
}

/* The key a node holds (its compressed masked key). */
static inline const uint64_t *
cls_tbl_node_key(const void *nd)
{
	return (const uint64_t *)(const void *)((const char *)nd + CLS_TBL_NODE_HDR);
}

struct cls_tbl {
	uint32_t bucket_mask; /* n_buckets - 1 */
	uint32_t key_words;
	uint32_t node_lines; /* cache lines from a node's start to its first entry's end */
	uint32_t cap;	     /* keys before the table grows (half the slots) */
	uint64_t (*bkt)[CLS_TBL_WAYS];
	/*
	 * Filter: a blocked Bloom filter of every compressed key ever put in
	 * this table, CLS_FLT_K bits of one 32-bit word per key (cls_tbl_fword,
	 * cls_tbl_fmask). Bits are set before the slot is published and never
	 * cleared (a superset; a larger table rebuilds it), so a clear bit
	 * proves the key absent without the CRC hash or a bucket access.
	 * Readers test it for a whole burst with SIMD (cls_dp.c), which is why
	 * the hash is 32-bit multiply-xor and the words are 32 bits.
	 */
	uint32_t f_shift; /* 32 - log2(filter words) */
	uint32_t *filter;
	/* ctl only */
	uint32_t count;
};

static inline uint32_t
cls_tbl_hash(const uint64_t *k, uint32_t n)
{
	uint32_t h = CLS_TBL_SEED;

	for (uint32_t i = 0; i < n; i++)
		h = cls_crc64(k[i], h);
	return h;
}

#define CLS_FLT_SEED 0x2d358dccu
#define CLS_FLT_MUL  0x9e3779b1u

/* One key word into the filter hash: both halves, the high one rotated by a
 * byte (one shuffle in SIMD), then a multiply. The SIMD scan in cls_dp.c
 * computes exactly this. */
static inline uint32_t
cls_flt_mix(uint32_t h, uint64_t v)
{
	uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);

	return (h ^ lo ^ ((hi << 8) | (hi >> 24))) * CLS_FLT_MUL;
}

/* Filter hash of compressed key k (n words). */
static inline uint32_t
cls_tbl_fhash(const uint64_t *k, uint32_t n)
{
	uint32_t h = CLS_FLT_SEED;

	for (uint32_t i = 0; i < n; i++)
		h = cls_flt_mix(h, k[i]);
	return h;
}

/*
 * A key's filter bits: CLS_FLT_K bits of one 32-bit word, so a test is one
 * load. The word index is the hash's top bits, the bit numbers the 5-bit
 * fields below it (a multiply's high bits are its best mixed; its low bits
 * do not depend on the operand's high bits). Measured with bench/cls
 * (cycles/packet, EMC off, 100k flows) against one bit per key in 32 bits
 * per key: two bits in 16 per key took 16 subtables of 1k rules from 172
 * to 140 and 100k rules from 187 to 172, with fewer false positives in half
 * the cache footprint. Two bits in 32 per key were no faster; two in 8 were
 * slower (the 100k-rule target row 206 against 177): every false positive
 * costs a bucket and a node access.
 */
#define CLS_FLT_K	     2u
#define CLS_FLT_BITS_PER_KEY 32u		 /* per key the table holds before it grows */
#define CLS_FLT_MAX_BITS     (UINT32_C(1) << 27) /* 2^22 words: 10 hash bits stay for bits */

static inline uint32_t
cls_tbl_fword(const struct cls_tbl *t, uint32_t h)
{
	return h >> t->f_shift;
}

static inline uint32_t
cls_tbl_fmask(const struct cls_tbl *t, uint32_t h)
{
	uint32_t m = 0;

	for (uint32_t i = 1; i <= CLS_FLT_K; i++)
		m |= 1u << ((h >> (t->f_shift - 5 * i)) & 31);
	return m;
}

static inline bool
cls_tbl_ftest(const struct cls_tbl *t, uint32_t h)
{
	uint32_t m = cls_tbl_fmask(t, h);

	return (__atomic_load_n(&t->filter[cls_tbl_fword(t, h)], __ATOMIC_RELAXED) & m) == m;
}

/* 16-bit signature from the hash's high half (buckets use its low bits);
 * never 0, the signature of an empty slot. */
static inline uint32_t
cls_tbl_sig(uint32_t h)
{
	uint32_t s = h >> 16;

	return s != 0 ? s : 1;
}

static inline uint32_t
cls_tbl_b1(const struct cls_tbl *t, uint32_t h)
{
	return h & t->bucket_mask;
}

static inline uint32_t
cls_tbl_b2(const struct cls_tbl *t, uint32_t h)
{
	return rte_hash_crc_4byte(h, 0x3c6ef372) & t->bucket_mask;
}

static inline void
cls_tbl_prefetch(const struct cls_tbl *t, uint32_t h)
{
	rte_prefetch0(t->bkt[cls_tbl_b1(t, h)]);
}

/* Ways of bucket b whose slot carries signature sig: bit 4w+3 for way w. */
static inline uint32_t
cls_tbl_sig_ways(const struct cls_tbl *t, uint32_t b, uint32_t sig)
{
#if defined(RTE_ARCH_X86)
	/* Signatures are the top 16-bit lanes of the slots (lanes 3, 7, ...).
	 * Each compare result is packed to a byte, one movemask per 4 slots. */
	const __m128i *p = (const __m128i *)(const void *)t->bkt[b];
	__m128i v = _mm_set1_epi16((short)sig);
	__m128i c0 = _mm_cmpeq_epi16(_mm_load_si128(&p[0]), v);
	__m128i c1 = _mm_cmpeq_epi16(_mm_load_si128(&p[1]), v);
	__m128i c2 = _mm_cmpeq_epi16(_mm_load_si128(&p[2]), v);
	__m128i c3 = _mm_cmpeq_epi16(_mm_load_si128(&p[3]), v);
	uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(c0, c1)) |
		     (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(c2, c3)) << 16;

	/* Slots are read before their nodes (release store by the writer). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return m & 0x88888888u;
#else
	uint32_t m = 0;

	for (uint32_t w = 0; w < CLS_TBL_WAYS; w++) {
		uint64_t s = __atomic_load_n(&t->bkt[b][w], __ATOMIC_ACQUIRE);

		m |= (uint32_t)((s >> CLS_TBL_SIG_SHIFT) == sig) << (4 * w + 3);
	}
	return m;
#endif
}

/* Whether node nd holds compressed key k. */
static inline bool
cls_tbl_key_eq(const struct cls_tbl *t, const void *nd, const uint64_t *k)
{
	const uint64_t *e = cls_tbl_node_key(nd);
	uint64_t d = 0;

	for (uint32_t i = 0; i < t->key_words; i++)
		d |= e[i] ^ k[i];
	return d == 0;
}

/* Node of the slot in way m's lowest set bit of bucket b if it still carries
 * sig, else NULL. */
static inline const void *
cls_tbl_way_node(const struct cls_tbl *t, uint32_t b, uint32_t m, uint32_t sig)
{
	uint64_t s = __atomic_load_n(&t->bkt[b][__builtin_ctz(m) >> 2], __ATOMIC_ACQUIRE);

	if ((s >> CLS_TBL_SIG_SHIFT) != sig) /* changed since: treat as absent */
		return NULL;
	return cls_tbl_slot_node(s);
}

/* Slot of key k in bucket b, its node in *nd; NULL if absent. */
static inline const uint64_t *
cls_tbl_find_in(const struct cls_tbl *t, uint32_t b, uint32_t sig, const uint64_t *k,
		const void **nd)
{
	for (uint32_t m = cls_tbl_sig_ways(t, b, sig); m != 0; m &= m - 1) {
		*nd = cls_tbl_way_node(t, b, m, sig);
		if (*nd != NULL && cls_tbl_key_eq(t, *nd, k))
			return &t->bkt[b][__builtin_ctz(m) >> 2];
	}
	*nd = NULL;
	return NULL;
}

/* Slot of key k (hash h), its node in *nd; NULL if absent. Readers use the
 * node (cls_tbl_find); the writer uses the slot to replace or clear it. */
static inline const uint64_t *
cls_tbl_find_slot(const struct cls_tbl *t, uint32_t h, const uint64_t *k, const void **nd)
{
	uint32_t sig = cls_tbl_sig(h), b1 = cls_tbl_b1(t, h);
	const uint64_t *slot = cls_tbl_find_in(t, b1, sig, k, nd);

	if (slot == NULL && (__atomic_load_n(&t->bkt[b1][0], __ATOMIC_ACQUIRE) & CLS_TBL_OVF) != 0)
		slot = cls_tbl_find_in(t, cls_tbl_b2(t, h), sig, k, nd);
	return slot;
}

static inline const void *
cls_tbl_find(const struct cls_tbl *t, uint32_t h, const uint64_t *k)
{
	const void *nd;

	cls_tbl_find_slot(t, h, k, &nd);
	return nd;
}

/*
 * First half of a pipelined find: the node of the first way of the first
 * bucket whose signature matches (NULL if none), prefetched up to its first
 * entry. cls_tbl_find_at() then confirms its key, or falls back to the full
 * find (another way, the second bucket).
 */
static inline const void *
cls_tbl_find_start(const struct cls_tbl *t, uint32_t h)
{
	uint32_t sig = cls_tbl_sig(h), b1 = cls_tbl_b1(t, h);
	uint32_t m = cls_tbl_sig_ways(t, b1, sig);
	const char *nd;

	if (m == 0)
		return NULL;
	nd = cls_tbl_way_node(t, b1, m, sig);
	if (nd != NULL) {
		rte_prefetch0(nd);
		if (t->node_lines > 1)
			rte_prefetch0(nd + RTE_CACHE_LINE_SIZE);
	}
	return nd;
}

static inline const void *
cls_tbl_find_at(const struct cls_tbl *t, uint32_t h, const uint64_t *k, const void *nd)
{
	if (nd != NULL && cls_tbl_key_eq(t, nd, k))
		return nd;
	return cls_tbl_find(t, h, k);
}

#endif /* VS_CLS_TBL_DP_H */
