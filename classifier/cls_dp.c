/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classifier fast path: port fast path -> EMC -> tuple-space search, per
 * burst. No logging, no allocation, no locks; only the calling worker's ctx
 * is written.
 */
#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_prefetch.h>
#if defined(RTE_ARCH_X86)
#include <immintrin.h>
#endif

#include "cls_priv.h"
#include "cls_tbl_dp.h"
#include "emc_dp.h"
#include "vs_cls.h"

/* Candidates a group collects before a priority band boundary ends it. */
#define CLS_PRUNE_MIN_CAND 32u

/* Compress the candidate lanes' keys to the subtable's words (stored
 * back to back from ck), hash them and prefetch their first buckets.
 * Instantiated per word count so loops unroll. */
static __rte_always_inline void
cls_tss_stage1(const struct cls_tbl *tbl, const struct cls_subtable *st,
	       const struct vs_flow_key *keys, const uint8_t *idx, const uint8_t *lane,
	       uint32_t n_c, uint64_t *ck, uint32_t *hv, uint8_t *dup, const uint32_t nw)
{
	uint64_t msk[VS_FLOW_KEY_WORDS];
	uint32_t wi[VS_FLOW_KEY_WORDS];

	for (uint32_t x = 0; x < nw; x++) {
		wi[x] = st->word_idx[x];
		msk[x] = st->word_mask[x];
	}
	for (uint32_t j = 0; j < n_c; j++) {
		const vs_flow_word_t *w = vs_flow_key_words(&keys[idx[lane[j]]]);
		uint32_t h = CLS_TBL_SEED;

		for (uint32_t x = 0; x < nw; x++) {
			uint64_t v = w[wi[x]] & msk[x];

			ck[j * nw + x] = v;
			h = cls_crc64(v, h);
		}
		hv[j] = h;
		/* Flows behind one prefix share a masked key: look it up once. */
		dup[j] = 0;
		if (j > 0 && h == hv[j - 1]) {
			uint64_t d = 0;

			for (uint32_t x = 0; x < nw; x++)
				d |= ck[j * nw + x] ^ ck[(j - 1) * nw + x];
			dup[j] = d == 0;
		}
		if (!dup[j])
			cls_tbl_prefetch(tbl, h);
	}
}

/* Copy flow-key words `need` (a bit per word) of the n lanes into columns. */
static inline void
cls_col_fill(uint32_t (*col)[2][VS_CLS_BURST_MAX], const struct vs_flow_key *keys,
	     const uint8_t *idx, uint32_t n, uint32_t need)
{
	for (; need != 0; need &= need - 1) {
		uint32_t w = (uint32_t)__builtin_ctz(need);
		uint32_t *lo = col[w][0], *hi = col[w][1];

		for (uint32_t l = 0; l < n; l++) {
			uint64_t v = vs_flow_key_words(&keys[idx[l]])[w];

			lo[l] = (uint32_t)v;
			hi[l] = (uint32_t)(v >> 32);
		}
	}
}

uint64_t
cls_flt_scan_scalar(const struct cls_subtable *st, const struct cls_tbl *tbl,
		    const uint32_t (*col)[2][VS_CLS_BURST_MAX], const int32_t *best_prio,
		    uint32_t n, int32_t max_prio, uint64_t *open)
{
	const uint32_t nw = st->n_words;
	uint64_t o = 0, c = 0;

	for (uint32_t l = 0; l < n; l++) {
		uint32_t h = CLS_FLT_SEED;

		if (best_prio[l] > max_prio)
			continue;
		o |= UINT64_C(1) << l;
		for (uint32_t x = 0; x < nw; x++) {
			const uint32_t w = st->word_idx[x];
			uint64_t v = ((uint64_t)col[w][1][l] << 32) | col[w][0][l];

			h = cls_flt_mix(h, v & st->word_mask[x]);
		}
		c |= (uint64_t)cls_tbl_ftest(tbl, h) << l;
	}
	*open = o;
	return c;
}

#if defined(RTE_ARCH_X86)
/* The same as cls_flt_scan_scalar, eight lanes at a time. (Instantiating it
 * per word count, as cls_tss_stage1 is, measured no faster with bench/cls.) */
_Static_assert(CLS_FLT_K == 2, "the SIMD scans test two bits per key");

__attribute__((target("avx2"))) uint64_t
cls_flt_scan_avx2(const struct cls_subtable *st, const struct cls_tbl *tbl,
		  const uint32_t (*col)[2][VS_CLS_BURST_MAX], const int32_t *best_prio, uint32_t n,
		  int32_t max_prio, uint64_t *open)
{
	const uint32_t nw = st->n_words;
	/* Rotate each 32-bit lane left by 8 bits (cls_flt_mix's high half). */
	const __m256i rot8 = _mm256_setr_epi8(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14,
					      3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
	const __m256i mul = _mm256_set1_epi32((int)CLS_FLT_MUL);
	const __m256i seed = _mm256_set1_epi32((int)CLS_FLT_SEED);
	const __m256i vmax = _mm256_set1_epi32(max_prio);
	const __m256i b31 = _mm256_set1_epi32(31);
	const __m128i sh = _mm_cvtsi32_si128((int)tbl->f_shift);
	const __m128i sh1 = _mm_cvtsi32_si128((int)tbl->f_shift - 5);
	const __m128i sh2 = _mm_cvtsi32_si128((int)tbl->f_shift - 10);
	const int *flt = (const int *)(const void *)tbl->filter;
	__m256i mlo[VS_FLOW_KEY_WORDS], mhi[VS_FLOW_KEY_WORDS];
	const uint32_t *clo[VS_FLOW_KEY_WORDS], *chi[VS_FLOW_KEY_WORDS];
	uint64_t o = 0, c = 0;

	for (uint32_t x = 0; x < nw; x++) {
		mlo[x] = _mm256_set1_epi32((int)(uint32_t)st->word_mask[x]);
		mhi[x] = _mm256_set1_epi32((int)(uint32_t)(st->word_mask[x] >> 32));
		clo[x] = col[st->word_idx[x]][0];
		chi[x] = col[st->word_idx[x]][1];
	}
	for (uint32_t l = 0; l < n; l += 8) {
		__m256i bp = _mm256_loadu_si256((const __m256i *)(const void *)&best_prio[l]);
		uint32_t valid = n - l >= 8 ? 0xffu : (1u << (n - l)) - 1;
		uint32_t om = ~(uint32_t)_mm256_movemask_ps(
				  _mm256_castsi256_ps(_mm256_cmpgt_epi32(bp, vmax))) &
			      valid;
		__m256i h = seed, w, bit;
		uint32_t fm;

		if (om == 0)
			continue;
		for (uint32_t x = 0; x < nw; x++) {
			__m256i lo = _mm256_and_si256(
			    _mm256_load_si256((const __m256i *)(const void *)&clo[x][l]), mlo[x]);
			__m256i hi = _mm256_and_si256(
			    _mm256_load_si256((const __m256i *)(const void *)&chi[x][l]), mhi[x]);

			h = _mm256_xor_si256(_mm256_xor_si256(h, lo),
					     _mm256_shuffle_epi8(hi, rot8));
			h = _mm256_mullo_epi32(h, mul);
		}
		/* Filter words are read like the scalar path's relaxed loads; a
		 * lane passes when both of its bits are set. */
		w = _mm256_i32gather_epi32(flt, _mm256_srl_epi32(h, sh), 4);
		bit = _mm256_and_si256(
		    _mm256_srlv_epi32(w, _mm256_and_si256(_mm256_srl_epi32(h, sh1), b31)),
		    _mm256_srlv_epi32(w, _mm256_and_si256(_mm256_srl_epi32(h, sh2), b31)));
		fm = (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32(bit, 31)));
		o |= (uint64_t)om << l;
		c |= (uint64_t)(fm & om) << l;
	}
	*open = o;
	return c;
}

/*
 * The same, sixteen lanes at a time, for CPUs with AVX-512F when DPDK's SIMD
 * width allows 512 bits (--force-max-simd-bitwidth=512; DPDK's default stops
 * at 256 because of the clock slowdown some CPUs take on 512-bit work). Lanes
 * that are not open load no filter word (masked gather), and the rotate is
 * one instruction.
 */
__attribute__((target("avx512f"))) uint64_t
cls_flt_scan_avx512(const struct cls_subtable *st, const struct cls_tbl *tbl,
		    const uint32_t (*col)[2][VS_CLS_BURST_MAX], const int32_t *best_prio,
		    uint32_t n, int32_t max_prio, uint64_t *open)
{
	const uint32_t nw = st->n_words;
	const __m512i mul = _mm512_set1_epi32((int)CLS_FLT_MUL);
	const __m512i seed = _mm512_set1_epi32((int)CLS_FLT_SEED);
	const __m512i vmax = _mm512_set1_epi32(max_prio);
	const __m512i b31 = _mm512_set1_epi32(31);
	const __m512i one = _mm512_set1_epi32(1);
	const __m128i sh = _mm_cvtsi32_si128((int)tbl->f_shift);
	const __m128i sh1 = _mm_cvtsi32_si128((int)tbl->f_shift - 5);
	const __m128i sh2 = _mm_cvtsi32_si128((int)tbl->f_shift - 10);
	const int *flt = (const int *)(const void *)tbl->filter;
	__m512i mlo[VS_FLOW_KEY_WORDS], mhi[VS_FLOW_KEY_WORDS];
	const uint32_t *clo[VS_FLOW_KEY_WORDS], *chi[VS_FLOW_KEY_WORDS];
	uint64_t o = 0, c = 0;

	for (uint32_t x = 0; x < nw; x++) {
		mlo[x] = _mm512_set1_epi32((int)(uint32_t)st->word_mask[x]);
		mhi[x] = _mm512_set1_epi32((int)(uint32_t)(st->word_mask[x] >> 32));
		clo[x] = col[st->word_idx[x]][0];
		chi[x] = col[st->word_idx[x]][1];
	}
	for (uint32_t l = 0; l < n; l += 16) {
		__mmask16 valid =
		    n - l >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - l)) - 1);
		__mmask16 om = _mm512_mask_cmple_epi32_mask(
		    valid, _mm512_maskz_loadu_epi32(valid, &best_prio[l]), vmax);
		__m512i h = seed, w, m;
		__mmask16 fm;

		if (om == 0)
			continue;
		for (uint32_t x = 0; x < nw; x++) {
			__m512i lo =
			    _mm512_and_si512(_mm512_maskz_loadu_epi32(valid, &clo[x][l]), mlo[x]);
			__m512i hi =
			    _mm512_and_si512(_mm512_maskz_loadu_epi32(valid, &chi[x][l]), mhi[x]);

			h = _mm512_xor_si512(_mm512_xor_si512(h, lo), _mm512_rol_epi32(hi, 8));
			h = _mm512_mullo_epi32(h, mul);
		}
		w = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), om, _mm512_srl_epi32(h, sh),
						flt, 4);
		m = _mm512_or_si512(
		    _mm512_sllv_epi32(one, _mm512_and_si512(_mm512_srl_epi32(h, sh1), b31)),
		    _mm512_sllv_epi32(one, _mm512_and_si512(_mm512_srl_epi32(h, sh2), b31)));
		fm = _mm512_mask_cmpeq_epi32_mask(om, _mm512_and_si512(w, m), m);
		o |= (uint64_t)om << l;
		c |= (uint64_t)fm << l;
	}
	*open = o;
	return c;
}
#endif

/*
 * Resolve the candidates collected for one group of subtables: each is a
 * (lane, subtable) pair whose filter bit is set and whose key is compressed
 * and hashed with its first bucket prefetched. Every step runs over all of
 * them before the next, so the cache misses of a step (bucket, node)
 * overlap instead of adding up subtable by subtable. The best match is
 * order-independent: (priority, tiebreak, id) is a total order.
 */
static void
cls_tss_resolve(struct vs_cls_ctx *ctx, const struct cls_snap *s, uint32_t g0,
		const struct cls_tbl *const *tbl, const uint8_t *idx, uint32_t n_c,
		const struct vs_cls_rule **out)
{
	int32_t *best_prio = ctx->best_prio;
	uint32_t st_hit[VS_CLS_TSS_GROUP] = {0};
	const uint64_t gen = s->gen;

	/* Signature match in the first bucket; prefetch the node. */
	for (uint32_t c = 0; c < n_c; c++)
		if (!ctx->cand_dup[c])
			ctx->cand_node[c] =
			    cls_tbl_find_start(tbl[ctx->cand_st[c]], ctx->cand_hv[c]);
	/* Confirm the key, then walk the node: the first visible entry that
	 * beats the lane's best. */
	for (uint32_t c = 0; c < n_c; c++) {
		const struct cls_tbl *t = tbl[ctx->cand_st[c]];
		uint32_t l = ctx->cand_lane[c], i = idx[l];
		const struct cls_node *nd;
		const struct cls_node_ent *ne;

		if (ctx->cand_dup[c])
			nd = ctx->cand_node[c - 1];
		else
			nd = cls_tbl_find_at(t, ctx->cand_hv[c], &ctx->cand_key[ctx->cand_koff[c]],
					     ctx->cand_node[c]);
		ctx->cand_node[c] = nd;
		if (nd == NULL)
			continue;
		ne = cls_node_ents(nd);
		for (uint32_t e = 0; e < nd->n; e++, ne++) {
			if (out[i] != NULL &&
			    !cls_rank_better(ne->priority, ne->tiebreak, ne->id, best_prio[l],
					     ctx->best_tb[l], ctx->best_id[l]))
				break;
			if (cls_ent_visible(ne, gen)) {
				out[i] = &ne->rule->pub;
				best_prio[l] = ne->priority;
				ctx->best_tb[l] = ne->tiebreak;
				ctx->best_id[l] = ne->id;
				st_hit[ctx->cand_st[c]]++;
				break;
			}
		}
	}
	for (uint32_t g = 0; g < VS_CLS_TSS_GROUP && g0 + g < s->n_st; g++)
		if (st_hit[g] != 0)
			VS_CLS_CNT_ADD(&ctx->st_hits[s->st[g0 + g].slot], st_hit[g]);
}

/*
 * Tuple-space search of the n keys listed in idx[] (lane l is key idx[l]).
 * Subtables come in the snapshot's order (max priority descending) and are
 * searched in groups of VS_CLS_TSS_GROUP. A lane takes part in a subtable
 * only while the subtable's bound could still beat the lane's best match as
 * of the start of the group, and the search ends when no lane is open. Per
 * subtable, the filter is tested for all open lanes at once (SIMD); only the
 * lanes that pass become candidates (cls_tss_resolve). A group's filters are
 * all scanned before any candidate is hashed: no scan then waits behind a
 * branch on another's result, so their filter loads overlap (bench/cls,
 * EMC off, 100k flows: 16 subtables of 1k rules 140 -> 120 cycles/packet,
 * 100k rules 172 -> 145).
 */
static uint32_t
cls_tss_burst(struct vs_cls_ctx *ctx, const struct cls_snap *s, const struct vs_flow_key *keys,
	      const uint8_t *idx, uint32_t n, const struct vs_cls_rule **out)
{
	const struct cls_tbl *tbl[VS_CLS_TSS_GROUP];
	int32_t *best_prio = ctx->best_prio;
	uint64_t probes = 0;
	uint32_t have = 0, n_hit = 0;
	bool done = false;

	for (uint32_t l = 0; l < n; l++) {
		out[idx[l]] = NULL;
		best_prio[l] = INT32_MIN;
	}
	for (uint32_t g0 = 0, g = 0; g0 < s->n_st && !done; g0 += g) {
		uint64_t cand_m[VS_CLS_TSS_GROUP];
		uint32_t n_c = 0, n_w = 0, n_cand = 0;

		/* First every filter scan of the group (see above). */
		for (g = 0; g < VS_CLS_TSS_GROUP && g0 + g < s->n_st;) {
			const struct cls_snap_ent *se = &s->st[g0 + g];
			const struct cls_subtable *st = se->st;
			uint32_t need = st->word_set & ~have;
			uint64_t open;

			if (need != 0) {
				cls_col_fill(ctx->col, keys, idx, n, need);
				have |= need;
			}
			tbl[g] = __atomic_load_n(&st->tbl, __ATOMIC_ACQUIRE);
			cand_m[g] = ctx->flt_scan(st, tbl[g],
						  (const uint32_t(*)[2][VS_CLS_BURST_MAX])ctx->col,
						  best_prio, n, se->max_prio, &open);
			if (open == 0) {
				/* Later subtables rank no higher. */
				done = true;
				break;
			}
			VS_CLS_CNT_ADD(&ctx->st_lookups[se->slot],
				       (uint32_t)__builtin_popcountll(open));
			probes += (uint32_t)__builtin_popcountll(open);
			n_cand += (uint32_t)__builtin_popcountll(cand_m[g]);
			g++;
			/* A match here would outrank every rule further down (banded
			 * priorities): resolve now, so that it prunes them, once
			 * there are enough candidates for their cache misses to
			 * overlap (resolving a few at a time cost more than the
			 * pruning saved: bench/cls banded rows 1000 rules 140 -> 126
			 * cycles/packet, 100k rules 222 -> 146). */
			if (n_cand >= CLS_PRUNE_MIN_CAND && g0 + g < s->n_st &&
			    se->min_prio > s->st[g0 + g].max_prio)
				break;
		}
		/* Then hash the candidates' keys and prefetch their buckets. */
		for (uint32_t x = 0; x < g; x++) {
			const struct cls_subtable *st = s->st[g0 + x].st;
			const uint32_t nw = st->n_words;
			uint64_t cand = cand_m[x];
			uint32_t k;

			if (cand == 0)
				continue;
			k = (uint32_t)__builtin_popcountll(cand);
			if (n_c + k > VS_CLS_CAND_MAX || n_w + k * nw > VS_CLS_CAND_WORDS) {
				cls_tss_resolve(ctx, s, g0, tbl, idx, n_c, out);
				n_c = 0;
				n_w = 0;
			}
			for (uint32_t j = n_c; cand != 0; cand &= cand - 1, j++) {
				ctx->cand_lane[j] = (uint8_t)__builtin_ctzll(cand);
				ctx->cand_st[j] = (uint8_t)x;
				ctx->cand_koff[j] = (uint16_t)(n_w + (j - n_c) * nw);
			}
			/* A constant word count for the common sizes, so that the
			 * always-inline stage unrolls its loops. */
#define STAGE1(NW)                                                                                 \
	cls_tss_stage1(tbl[x], st, keys, idx, &ctx->cand_lane[n_c], k, &ctx->cand_key[n_w],        \
		       &ctx->cand_hv[n_c], &ctx->cand_dup[n_c], NW)
			switch (nw) {
			case 1:
				STAGE1(1);
				break;
			case 2:
				STAGE1(2);
				break;
			case 3:
				STAGE1(3);
				break;
			case 4:
				STAGE1(4);
				break;
			default:
				STAGE1(nw);
				break;
			}
#undef STAGE1
			n_c += k;
			n_w += k * nw;
		}
		if (n_c != 0)
			cls_tss_resolve(ctx, s, g0, tbl, idx, n_c, out);
	}
	VS_CLS_CNT_ADD(&ctx->cnt.subtable_probes, probes);
	ctx->emc_win.tss_keys += n;
	ctx->emc_win.tss_probes += probes;
	for (uint32_t l = 0; l < n; l++) {
		if (out[idx[l]] != NULL) {
			VS_CLS_CNT_ADD(&ctx->rule_hits[ctx->best_id[l]], 1);
			n_hit++;
		}
	}
	return n_hit;
}

/* Add one timed burst of n_keys to the window: n_emc keys looked up (and
 * their misses inserted) in emc_cyc, n_tss keys searched in tss_cyc; the
 * model's inputs only from its 1-in-VS_EMC_SAMPLE_EVERY samples (model),
 * so that the windows a probe or trial times whole do not weigh more in
 * its averages. A burst slower than
 * VS_EMC_SAMPLE_MAX cycles per key, or than 4x the average so far (16ths:
 * /16 x 4) + 64, was interrupted or slowed by a neighbour: not counted. */
static inline void
cls_emc_sample(struct vs_cls_ctx *ctx, bool model, uint32_t n_keys, uint32_t n_emc, uint32_t n_tss,
	       uint64_t emc_cyc, uint64_t tss_cyc)
{
	const struct vs_emc_policy *p = &ctx->emc_policy;
	uint64_t emc_max = p->emc_cyc16 != 0 ? p->emc_cyc16 / 4 + 64 : VS_EMC_SAMPLE_MAX;
	uint64_t tss_max = p->tss_cyc16 != 0 ? p->tss_cyc16 / 4 + 64 : VS_EMC_SAMPLE_MAX;

	if (emc_cyc > (uint64_t)(n_emc + 1) * RTE_MIN(emc_max, (uint64_t)VS_EMC_SAMPLE_MAX) ||
	    tss_cyc > (uint64_t)(n_tss + 1) * RTE_MIN(tss_max, (uint64_t)VS_EMC_SAMPLE_MAX))
		return;
	if (model) {
		ctx->emc_win.s_emc_keys += n_emc;
		ctx->emc_win.s_emc_cyc += emc_cyc;
		ctx->emc_win.s_tss_keys += n_tss;
		ctx->emc_win.s_tss_cyc += tss_cyc;
	}
	ctx->emc_win.s_keys += n_keys;
	ctx->emc_win.s_cyc += emc_cyc + tss_cyc;
}

/* Port (+VLAN) fast-path verdict, or NULL when the key needs the EMC/TSS. */
static inline const struct vs_cls_rule *
cls_port_fast(const struct cls_snap *s, uint16_t p, uint16_t tci)
{
	const struct cls_port_fast *pf = &s->port_fast[p];

	if (pf->n_vlan != 0) {
		const struct cls_vlan_fast *v = &s->vlan_fast[pf->vlan_off];
		uint16_t vlan = tci & VS_CLS_VLAN_MATCH;
		uint32_t lo = 0, hi = pf->n_vlan;

		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;

			if (v[mid].vlan < vlan)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < pf->n_vlan && v[lo].vlan == vlan)
			return v[lo].rule;
	}
	return pf->rule;
}

static inline const struct vs_cls_rule *
cls_port_rule(const struct cls_snap *s, uint16_t p)
{
	return p < s->n_port && s->port_fast[p].n_vlan == 0 ? s->port_fast[p].rule : NULL;
}

const struct vs_cls_rule *
vs_cls_port_rule(const struct vs_cls_ctx *ctx, uint16_t in_port)
{
	return cls_port_rule(__atomic_load_n(&ctx->cls->snap, __ATOMIC_ACQUIRE), in_port);
}

static inline void
cls_port_hits(struct vs_cls_ctx *ctx, const struct vs_cls_rule *r, uint16_t n)
{
	VS_CLS_CNT_ADD(&ctx->rule_hits[r->id], n);
	VS_CLS_CNT_ADD(&ctx->cnt.lookups, n);
	VS_CLS_CNT_ADD(&ctx->cnt.port_fast_hits, n);
}

void
vs_cls_port_hits(struct vs_cls_ctx *ctx, const struct vs_cls_rule *r, uint16_t n)
{
	cls_port_hits(ctx, r, n);
	VS_CLS_CNT_ADD(&ctx->cnt.port_fast_keyless, n);
}

/* A burst whose keys all come from one port that has one rule for every
 * VLAN (the worker classifies one rx burst at a time; port-only rules):
 * that rule for each key, its hits counted once. False when the burst is
 * not one (what was written to out is then overwritten). */
static inline bool
cls_port_fast_burst(struct vs_cls_ctx *ctx, const struct cls_snap *s,
		    const struct vs_flow_key *keys, uint16_t n, const struct vs_cls_rule **out)
{
	const uint16_t p = keys[0].in_port;
	const struct vs_cls_rule *r = cls_port_rule(s, p);
	uint16_t i;

	if (r == NULL)
		return false;
	for (i = 0; i < n && keys[i].in_port == p; i++)
		out[i] = r;
	if (i != n)
		return false;
	cls_port_hits(ctx, r, n);
	return true;
}

/* Identity list: every key of a burst, in order. */
static const uint8_t cls_all[VS_CLS_BURST_MAX] = {
    0,	1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
    22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
    44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63};
_Static_assert(VS_CLS_BURST_MAX == 64, "cls_all lists every key of a burst");

/* The port fast path for keys of any port, key by key: verdicts to out[],
 * the keys that need the EMC / TSS listed in pend[] (returned count). */
static inline uint32_t
cls_port_fast_keys(struct vs_cls_ctx *ctx, const struct cls_snap *s, const struct vs_flow_key *keys,
		   uint32_t n, const struct vs_cls_rule **out, uint8_t *pend)
{
	uint32_t n_pend = 0, n_port = 0, run = 0;
	const struct vs_cls_rule *run_r = NULL;

	for (uint32_t i = 0; i < n; i++) {
		uint16_t p = keys[i].in_port;
		const struct vs_cls_rule *r;

		if (p < s->n_port && (r = cls_port_fast(s, p, keys[i].vlan_tci)) != NULL) {
			out[i] = r;
			/* Hits of one rule in a row are counted once. */
			if (r != run_r) {
				if (run_r != NULL)
					VS_CLS_CNT_ADD(&ctx->rule_hits[run_r->id], run);
				run_r = r;
				run = 0;
			}
			run++;
			n_port++;
		} else {
			pend[n_pend++] = (uint8_t)i;
		}
	}
	if (run_r != NULL)
		VS_CLS_CNT_ADD(&ctx->rule_hits[run_r->id], run);
	if (n_port != 0)
		VS_CLS_CNT_ADD(&ctx->cnt.port_fast_hits, n_port);
	return n_pend;
}

/*
 * vs_cls_lookup_burst and vs_cls_lookup_port_burst. one_port: every key has
 * keys[0]'s in_port, so its port fast-path entry is read once: a rule for
 * every VLAN answers the whole burst, no rule for any sends it whole to the
 * EMC / TSS, and only a port with VLAN rules goes key by key.
 */
static __rte_always_inline void
cls_lookup(struct vs_cls_ctx *ctx, const struct vs_flow_key *keys, uint16_t n,
	   const struct vs_cls_rule **out, const bool one_port)
{
	const struct vs_cls *cls = ctx->cls;
	const struct cls_snap *s;
	uint8_t pend_buf[VS_CLS_BURST_MAX], miss[VS_CLS_BURST_MAX];
	const uint8_t *pend = pend_buf;
	uint32_t n_pend, n_miss = 0, n_tss_hit;
	uint64_t t0 = 0, t1 = 0, t2;
	bool use_emc, sample, model;

	if (n == 0)
		return;
	s = __atomic_load_n(&cls->snap, __ATOMIC_ACQUIRE);
	if (one_port) {
		const uint16_t p = keys[0].in_port;
		const struct vs_cls_rule *r = cls_port_rule(s, p);

		if (r != NULL) {
			for (uint16_t i = 0; i < n; i++)
				out[i] = r;
			cls_port_hits(ctx, r, n);
			return;
		}
		if (p < s->n_port && s->port_fast[p].n_vlan != 0) {
			n_pend = cls_port_fast_keys(ctx, s, keys, n, out, pend_buf);
		} else {
			pend = cls_all;
			n_pend = n;
		}
	} else {
		if (cls_port_fast_burst(ctx, s, keys, n, out))
			return;
		n_pend = cls_port_fast_keys(ctx, s, keys, n, out, pend_buf);
	}
	VS_CLS_CNT_ADD(&ctx->cnt.lookups, n);
	if (n_pend == 0)
		return;
	if (ctx->emc_ent == NULL) {
		n_tss_hit = cls_tss_burst(ctx, s, keys, pend, n_pend, out);
		VS_CLS_CNT_ADD(&ctx->cnt.tss_hits, n_tss_hit);
		VS_CLS_CNT_ADD(&ctx->cnt.tss_misses, n_pend - n_tss_hit);
		return;
	}
	vs_emc_check_epoch(ctx, s->gen);
	use_emc = vs_emc_should_lookup(ctx);
	/* One burst in VS_EMC_SAMPLE_EVERY is timed for the EMC policy (its
	 * model and its measures both ways), and every burst of a window it
	 * judges by (those, for the measures only). */
	model = ((++ctx->emc_burst_ctr) & (VS_EMC_SAMPLE_EVERY - 1)) == 0;
	sample = model || vs_emc_judging(ctx);
	if (sample)
		t0 = rte_rdtsc();
	if (use_emc) {
		n_miss = vs_emc_lookup_burst(ctx, s->gen, keys, pend, n_pend, out, miss);
	} else {
		for (uint32_t j = 0; j < n_pend; j++)
			miss[j] = pend[j];
		n_miss = n_pend;
	}
	if (sample)
		t1 = rte_rdtsc();
	t2 = t1;
	if (n_miss != 0) {
		n_tss_hit = cls_tss_burst(ctx, s, keys, miss, n_miss, out);
		VS_CLS_CNT_ADD(&ctx->cnt.tss_hits, n_tss_hit);
		VS_CLS_CNT_ADD(&ctx->cnt.tss_misses, n_miss - n_tss_hit);
		if (sample)
			t2 = rte_rdtsc();
		vs_emc_insert_burst(ctx, s->gen, keys, miss, n_miss, out, use_emc);
	}
	if (sample)
		cls_emc_sample(ctx, model, n_pend, use_emc ? n_pend : 0, n_miss,
			       t1 - t0 + (rte_rdtsc() - t2), t2 - t1);
	ctx->emc_win.keys += n_pend;
	if (ctx->emc_win.keys >= VS_EMC_WINDOW)
		vs_emc_close_window(ctx);
}

/* cls_lookup in parts of at most VS_CLS_BURST_MAX keys (beyond the
 * contract, n <= 64: stay safe, one generation a part). */
static __rte_always_inline void
cls_lookup_parts(struct vs_cls_ctx *ctx, const struct vs_flow_key *keys, uint16_t n,
		 const struct vs_cls_rule **out, const bool one_port)
{
	uint16_t o = 0;

	do {
		uint16_t k = (uint16_t)RTE_MIN((uint32_t)(n - o), VS_CLS_BURST_MAX);

		cls_lookup(ctx, keys + o, k, out + o, one_port);
		o = (uint16_t)(o + k);
	} while (unlikely(o < n));
}

void
vs_cls_lookup_burst(struct vs_cls_ctx *ctx, const struct vs_flow_key *keys, uint16_t n,
		    const struct vs_cls_rule **out)
{
	cls_lookup_parts(ctx, keys, n, out, false);
}

void
vs_cls_lookup_port_burst(struct vs_cls_ctx *ctx, const struct vs_flow_key *keys, uint16_t n,
			 const struct vs_cls_rule **out)
{
	cls_lookup_parts(ctx, keys, n, out, true);
}
