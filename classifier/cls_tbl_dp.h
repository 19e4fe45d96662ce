/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Subtable hash: masked key (compressed to the mask's non-zero words) ->
 * node. Single writer, lock-free readers, no entry ever moves: an entry goes
 * into its first bucket of 8 slots (one cache line) or, when that is full,
 * into its second one, and the first bucket is then marked as overflowed so
 * a miss costs one bucket unless it overflowed. When both are full the
 * writer builds a table twice as large and publishes it (the old one is
 * freed after a grace period).
 *
 * A slot is one 64-bit word, (signature << 32) | (entry index + 1), written
 * with a release store after the entry (node pointer + key) is complete, so
 * a reader that sees a slot sees its entry. Deleting clears the slot; the
 * entry index is reused only after a grace period. Replacing an entry's node
 * is one release store of the pointer.
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

#define CLS_TBL_WAYS 8u
#define CLS_TBL_SEED 0x9747b28cu
#define CLS_TBL_OVF 0x80000000u /* in way 0's low half: the bucket overflowed */

static inline bool
cls_tbl_slot_used(uint64_t s)
{
	return (s & ~(uint64_t)CLS_TBL_OVF) != 0;
}

static inline uint32_t
cls_tbl_slot_idx(uint64_t s)
{
	return ((uint32_t)s & ~CLS_TBL_OVF) - 1;
}

struct cls_tbl {
	uint32_t bucket_mask; /* n_buckets - 1 */
	uint32_t key_words;
	uint32_t stride;      /* words per entry: node pointer then key */
	uint32_t cap;         /* entries */
	uint64_t *ent;        /* [cap * stride] */
	uint64_t (*bkt)[CLS_TBL_WAYS];
	/*
	 * Filter: one bit per filter hash (cls_tbl_fhash) of every compressed
	 * key ever put in this table. Bits are set before the entry is published
	 * and never cleared (a superset; a larger table rebuilds it), so a clear
	 * bit proves the key absent without the CRC hash or a bucket access.
	 * Readers test it for a whole burst with SIMD (cls_dp.c), which is why
	 * the hash is 32-bit multiply-xor and the words are 32 bits.
	 */
	uint32_t f_shift;     /* 32 - log2(filter bits) */
	uint32_t *filter;
	/* ctl only */
	uint32_t *free_idx;
	uint32_t n_free;
	uint32_t count;
};

static inline uint32_t
cls_tbl_hash(const uint64_t *k, uint32_t n)
{
	uint32_t h = CLS_TBL_SEED;

	for (uint32_t i = 0; i < n; i++)
		h = rte_hash_crc_8byte(k[i], h);
	return h;
}

#define CLS_FLT_SEED 0x2d358dccu
#define CLS_FLT_MUL 0x9e3779b1u

/* One key word into the filter hash: both halves, the high one rotated by a
 * byte (one shuffle in SIMD), then a multiply. The SIMD scan in cls_dp.c
 * computes exactly this. */
static inline uint32_t
cls_flt_mix(uint32_t h, uint64_t v)
{
	uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);

	return (h ^ lo ^ ((hi << 8) | (hi >> 24))) * CLS_FLT_MUL;
}

/* Filter bit of compressed key k (n words): the top bits of the hash (a
 * multiply's low bits do not depend on its operand's high bits). */
static inline uint32_t
cls_tbl_fhash(const struct cls_tbl *t, const uint64_t *k, uint32_t n)
{
	uint32_t h = CLS_FLT_SEED;

	for (uint32_t i = 0; i < n; i++)
		h = cls_flt_mix(h, k[i]);
	return h >> t->f_shift;
}

static inline bool
cls_tbl_ftest(const struct cls_tbl *t, uint32_t b)
{
	return (__atomic_load_n(&t->filter[b >> 5], __ATOMIC_RELAXED) >> (b & 31)) & 1;
}

static inline uint32_t
cls_tbl_sig(uint32_t h)
{
	return h != 0 ? h : 1;
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

/* Ways of bucket b whose slot carries signature sig: bit 2w+1 for way w. */
static inline uint32_t
cls_tbl_sig_ways(const struct cls_tbl *t, uint32_t b, uint32_t sig)
{
#if defined(RTE_ARCH_X86)
	/* Signatures are the high halves of the slots: odd 32-bit lanes. The
	 * four compare results are packed into 16 bytes, one movemask. */
	const __m128i *p = (const __m128i *)(const void *)t->bkt[b];
	__m128i v = _mm_set1_epi32((int)sig);
	__m128i c0 = _mm_cmpeq_epi32(_mm_load_si128(&p[0]), v);
	__m128i c1 = _mm_cmpeq_epi32(_mm_load_si128(&p[1]), v);
	__m128i c2 = _mm_cmpeq_epi32(_mm_load_si128(&p[2]), v);
	__m128i c3 = _mm_cmpeq_epi32(_mm_load_si128(&p[3]), v);
	__m128i w = _mm_packs_epi16(_mm_packs_epi32(c0, c1), _mm_packs_epi32(c2, c3));
	uint32_t m = (uint32_t)_mm_movemask_epi8(w) & 0xaaaau;

	/* Slots are read before their entries (release store by the writer). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return m;
#else
	uint32_t m = 0;

	for (uint32_t w = 0; w < CLS_TBL_WAYS; w++) {
		uint64_t s = __atomic_load_n(&t->bkt[b][w], __ATOMIC_ACQUIRE);

		m |= (uint32_t)((uint32_t)(s >> 32) == sig) << (2 * w + 1);
	}
	return m;
#endif
}

/* Whether entry idx holds compressed key k. */
static inline bool
cls_tbl_key_eq(const struct cls_tbl *t, uint32_t idx, const uint64_t *k)
{
	const uint64_t *e = &t->ent[(size_t)idx * t->stride + 1];
	uint64_t d = 0;

	for (uint32_t i = 0; i < t->key_words; i++)
		d |= e[i] ^ k[i];
	return d == 0;
}

/* Entry index of key k (hash h) in bucket b, or UINT32_MAX. */
static inline uint32_t
cls_tbl_find_in(const struct cls_tbl *t, uint32_t b, uint32_t sig, const uint64_t *k)
{
	for (uint32_t m = cls_tbl_sig_ways(t, b, sig); m != 0; m &= m - 1) {
		uint64_t s = __atomic_load_n(&t->bkt[b][__builtin_ctz(m) >> 1], __ATOMIC_ACQUIRE);
		uint32_t idx = cls_tbl_slot_idx(s);

		if ((uint32_t)(s >> 32) != sig) /* changed since: treat as absent */
			continue;
		if (cls_tbl_key_eq(t, idx, k))
			return idx;
	}
	return UINT32_MAX;
}

static inline uint32_t
cls_tbl_find(const struct cls_tbl *t, uint32_t h, const uint64_t *k)
{
	uint32_t sig = cls_tbl_sig(h), b1 = cls_tbl_b1(t, h);
	uint32_t idx = cls_tbl_find_in(t, b1, sig, k);

	if (idx == UINT32_MAX &&
	    (__atomic_load_n(&t->bkt[b1][0], __ATOMIC_ACQUIRE) & CLS_TBL_OVF) != 0)
		idx = cls_tbl_find_in(t, cls_tbl_b2(t, h), sig, k);
	return idx;
}

/*
 * First half of a pipelined find: the entry index of the first way of the
 * first bucket whose signature matches (UINT32_MAX if none), with the entry
 * prefetched. cls_tbl_find_at() then confirms it, or falls back to the full
 * find (another way, the second bucket).
 */
static inline uint32_t
cls_tbl_find_start(const struct cls_tbl *t, uint32_t h)
{
	uint32_t sig = cls_tbl_sig(h), b1 = cls_tbl_b1(t, h);
	uint32_t m = cls_tbl_sig_ways(t, b1, sig), idx;
	uint64_t s;

	if (m == 0)
		return UINT32_MAX;
	s = __atomic_load_n(&t->bkt[b1][__builtin_ctz(m) >> 1], __ATOMIC_ACQUIRE);
	if ((uint32_t)(s >> 32) != sig)
		return UINT32_MAX;
	idx = cls_tbl_slot_idx(s);
	rte_prefetch0(&t->ent[(size_t)idx * t->stride]);
	return idx;
}

static inline uint32_t
cls_tbl_find_at(const struct cls_tbl *t, uint32_t h, const uint64_t *k, uint32_t idx)
{
	if (idx != UINT32_MAX && cls_tbl_key_eq(t, idx, k))
		return idx;
	return cls_tbl_find(t, h, k);
}

static inline void *
cls_tbl_node(const struct cls_tbl *t, uint32_t idx)
{
	return (void *)(uintptr_t)__atomic_load_n(&t->ent[(size_t)idx * t->stride],
						  __ATOMIC_ACQUIRE);
}

#endif /* VS_CLS_TBL_DP_H */
