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
#include <rte_prefetch.h>

#include "cls_priv.h"
#include "cls_tbl_dp.h"
#include "emc_dp.h"
#include "vs_cls.h"

/* Compress the open keys to the subtable's words, hash them and prefetch
 * their first buckets. Instantiated per word count so loops unroll. */
static __rte_always_inline void
cls_tss_stage1(const struct cls_tbl *tbl, const struct cls_subtable *st,
	       const struct vs_flow_key *keys, const uint32_t *open, uint32_t n_open,
	       uint64_t (*ck)[VS_FLOW_KEY_WORDS], uint32_t *hv, const uint32_t nw)
{
	uint64_t msk[VS_FLOW_KEY_WORDS];
	uint32_t wi[VS_FLOW_KEY_WORDS];

	for (uint32_t x = 0; x < nw; x++) {
		wi[x] = st->word_idx[x];
		msk[x] = st->word_mask[x];
	}
	for (uint32_t j = 0; j < n_open; j++) {
		const uint64_t *w = vs_flow_key_words(&keys[open[j]]);
		uint32_t h = CLS_TBL_SEED;

		for (uint32_t x = 0; x < nw; x++) {
			uint64_t v = w[wi[x]] & msk[x];

			ck[j][x] = v;
			h = rte_hash_crc_8byte(v, h);
		}
		hv[j] = h;
		cls_tbl_prefetch(tbl, h);
	}
}

/*
 * Tuple-space search of the n keys listed in idx[]. Subtables come in the
 * snapshot's order (max priority descending); a key stays open only while
 * the subtable's bound could still beat its best match, and the walk ends
 * when no key is open.
 */
static void
cls_tss_burst(struct vs_cls_ctx *ctx, const struct cls_snap *s, const struct vs_flow_key *keys,
	      const uint8_t *idx, uint32_t n, const struct vs_cls_rule **out)
{
	uint32_t hv[VS_CLS_BURST_MAX];
	void *data[VS_CLS_BURST_MAX];
	uint32_t open[VS_CLS_BURST_MAX], probe[VS_CLS_BURST_MAX], n_probe;
	const int32_t *best_prio = ctx->best_prio;
	const uint64_t gen = s->gen;
	uint64_t probes = 0;
	uint32_t n_open = n;

	for (uint32_t j = 0; j < n; j++) {
		uint8_t i = idx[j];

		open[j] = i;
		out[i] = NULL;
		ctx->best_prio[i] = INT32_MIN;
	}
	for (uint32_t t = 0; t < s->n_st && n_open > 0; t++) {
		const struct cls_snap_ent *se = &s->st[t];
		const struct cls_subtable *st = se->st;
		const int32_t maxp = se->max_prio;
		const struct cls_tbl *tbl;
		uint64_t hit_mask = 0;
		uint32_t k = 0, n_hit = 0;

		/* Unmatched keys have best_prio INT32_MIN: always kept (branch-free). */
		for (uint32_t j = 0; j < n_open; j++) {
			uint32_t i = open[j];

			open[k] = i;
			k += best_prio[i] <= maxp;
		}
		n_open = k;
		if (n_open == 0)
			break;
		tbl = __atomic_load_n(&st->tbl, __ATOMIC_ACQUIRE);
		/* Stage 0: the table's one-word filter rules most keys out cheaply. */
		n_probe = 0;
		{
			const uint32_t fi = tbl->f_idx, fbm = tbl->f_bits_mask;
			const uint64_t fm = tbl->f_mask, *flt = tbl->filter;

			for (uint32_t j = 0; j < n_open; j++) {
				uint32_t i = open[j];
				uint64_t v = vs_flow_key_words(&keys[i])[fi] & fm;
				uint32_t b = cls_tbl_fhash(v) & fbm;

				probe[n_probe] = i;
				n_probe += (__atomic_load_n(&flt[b >> 6], __ATOMIC_RELAXED) >>
					    (b & 63)) & 1;
			}
		}
		VS_CLS_CNT_ADD(&ctx->st_lookups[se->slot], n_open);
		probes += n_open;
		if (n_probe == 0)
			continue;
		/* Stage 1: compress, hash, prefetch the first buckets. */
		switch (st->n_words) {
		case 1:
			cls_tss_stage1(tbl, st, keys, probe, n_probe, ctx->ckeys, hv, 1);
			break;
		case 2:
			cls_tss_stage1(tbl, st, keys, probe, n_probe, ctx->ckeys, hv, 2);
			break;
		case 3:
			cls_tss_stage1(tbl, st, keys, probe, n_probe, ctx->ckeys, hv, 3);
			break;
		case 4:
			cls_tss_stage1(tbl, st, keys, probe, n_probe, ctx->ckeys, hv, 4);
			break;
		default:
			cls_tss_stage1(tbl, st, keys, probe, n_probe, ctx->ckeys, hv,
				       st->n_words);
			break;
		}
		/* Stage 2: find the entries, prefetch their nodes. */
		for (uint32_t j = 0; j < n_probe; j++) {
			uint32_t ei = cls_tbl_find(tbl, hv[j], ctx->ckeys[j]);

			if (ei == UINT32_MAX)
				continue;
			data[j] = cls_tbl_node(tbl, ei);
			rte_prefetch0(data[j]);
			hit_mask |= UINT64_C(1) << j;
		}
		for (uint64_t m = hit_mask; m != 0; m &= m - 1) {
			uint32_t j = __builtin_ctzll(m);
			const struct cls_node *nd = data[j];
			uint32_t i = probe[j];

			for (uint32_t e = 0; e < nd->n; e++) {
				const struct cls_node_ent *ne = &nd->e[e];

				if (out[i] != NULL &&
				    !cls_rank_better(ne->priority, ne->tiebreak, ne->id,
						     ctx->best_prio[i], ctx->best_tb[i],
						     ctx->best_id[i]))
					break;
				if (cls_ent_visible(ne, gen)) {
					out[i] = &ne->rule->pub;
					ctx->best_prio[i] = ne->priority;
					ctx->best_tb[i] = ne->tiebreak;
					ctx->best_id[i] = ne->id;
					n_hit++;
					break;
				}
			}
		}
		if (n_hit != 0)
			VS_CLS_CNT_ADD(&ctx->st_hits[se->slot], n_hit);
	}
	VS_CLS_CNT_ADD(&ctx->cnt.subtable_probes, probes);
	for (uint32_t j = 0; j < n; j++) {
		uint8_t i = idx[j];

		if (out[i] != NULL)
			VS_CLS_CNT_ADD(&ctx->rule_hits[ctx->best_id[i]], 1);
		else
			ctx->best_id[i] = UINT32_MAX;
	}
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

void
vs_cls_lookup_burst(struct vs_cls_ctx *ctx, const struct vs_flow_key *keys, uint16_t n,
		    const struct vs_cls_rule **out)
{
	const struct vs_cls *cls = ctx->cls;
	const struct cls_snap *s;
	uint8_t pend[VS_CLS_BURST_MAX], miss[VS_CLS_BURST_MAX];
	uint32_t n_pend = 0, n_miss = 0, n_port = 0, n_tss_hit = 0;
	bool use_emc = false;

	if (unlikely(n > VS_CLS_BURST_MAX)) {
		/* Outside the contract (n <= 64); stay safe, one generation per part. */
		for (uint16_t o = 0; o < n; o += VS_CLS_BURST_MAX)
			vs_cls_lookup_burst(ctx, keys + o, RTE_MIN(n - o, (int)VS_CLS_BURST_MAX),
					    out + o);
		return;
	}
	s = __atomic_load_n(&cls->snap, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n; i++) {
		uint16_t p = keys[i].in_port;
		const struct vs_cls_rule *r;

		if (p < s->n_port && (r = cls_port_fast(s, p, keys[i].vlan_tci)) != NULL) {
			out[i] = r;
			VS_CLS_CNT_ADD(&ctx->rule_hits[r->id], 1);
			n_port++;
		} else {
			pend[n_pend++] = (uint8_t)i;
		}
	}
	VS_CLS_CNT_ADD(&ctx->cnt.lookups, n);
	if (n_port != 0)
		VS_CLS_CNT_ADD(&ctx->cnt.port_fast_hits, n_port);
	if (n_pend == 0)
		return;

	if (ctx->emc_sig != NULL)
		use_emc = vs_emc_should_lookup(ctx);
	if (use_emc) {
		n_miss = vs_emc_lookup_burst(ctx, s->gen, keys, pend, n_pend, out, miss);
	} else {
		for (uint32_t j = 0; j < n_pend; j++)
			miss[j] = pend[j];
		n_miss = n_pend;
	}
	if (n_miss == 0)
		return;

	cls_tss_burst(ctx, s, keys, miss, n_miss, out);
	for (uint32_t j = 0; j < n_miss; j++)
		n_tss_hit += out[miss[j]] != NULL;
	VS_CLS_CNT_ADD(&ctx->cnt.tss_hits, n_tss_hit);
	VS_CLS_CNT_ADD(&ctx->cnt.tss_misses, n_miss - n_tss_hit);

	if (ctx->emc_sig != NULL)
		vs_emc_insert_burst(ctx, s->gen, keys, miss, n_miss, out, use_emc);
}
