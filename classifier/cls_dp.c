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
#include <rte_hash.h>
#include <rte_prefetch.h>

#include "cls_priv.h"
#include "emc_dp.h"
#include "vs_cls.h"

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
	const void *kptr[VS_CLS_BURST_MAX];
	void *data[VS_CLS_BURST_MAX];
	uint8_t open[VS_CLS_BURST_MAX];
	const uint64_t gen = s->gen;
	uint64_t probes = 0, hits_total = 0;
	uint32_t n_open = n;

	for (uint32_t j = 0; j < n; j++) {
		uint8_t i = idx[j];

		open[j] = i;
		out[i] = NULL;
		ctx->best_prio[i] = INT32_MIN;
		kptr[j] = ctx->ckeys[j];
	}
	for (uint32_t t = 0; t < s->n_st && n_open > 0; t++) {
		const struct cls_snap_ent *se = &s->st[t];
		const struct cls_subtable *st = se->st;
		const struct rte_hash *h;
		uint64_t hit_mask = 0;
		uint32_t k = 0, n_hit = 0;

		for (uint32_t j = 0; j < n_open; j++) {
			uint8_t i = open[j];

			if (out[i] == NULL || ctx->best_prio[i] <= se->max_prio)
				open[k++] = i;
		}
		n_open = k;
		if (n_open == 0)
			break;
		for (uint32_t j = 0; j < n_open; j++) {
			const uint64_t *w = vs_flow_key_words(&keys[open[j]]);
			uint64_t *c = ctx->ckeys[j];

			for (uint32_t x = 0; x < st->n_words; x++)
				c[x] = w[st->word_idx[x]] & st->word_mask[x];
		}
		h = __atomic_load_n(&st->hash, __ATOMIC_ACQUIRE);
		rte_hash_lookup_bulk_data(h, kptr, n_open, &hit_mask, data);
		probes += n_open;
		for (uint64_t m = hit_mask; m != 0; m &= m - 1)
			rte_prefetch0(data[__builtin_ctzll(m)]);
		for (uint64_t m = hit_mask; m != 0; m &= m - 1) {
			uint32_t j = __builtin_ctzll(m);
			const struct cls_node *nd = data[j];
			uint8_t i = open[j];

			for (uint32_t e = 0; e < nd->n; e++) {
				const struct cls_node_ent *ne = &nd->e[e];

				if (out[i] != NULL &&
				    !cls_rank_better(ne->priority, ne->tiebreak, ne->id,
						     ctx->best_prio[i], ctx->best_tb[i],
						     ctx->best_id[i]))
					break;
				if (cls_rule_visible(ne->rule, gen)) {
					out[i] = &ne->rule->pub;
					ctx->best_prio[i] = ne->priority;
					ctx->best_tb[i] = ne->tiebreak;
					ctx->best_id[i] = ne->id;
					n_hit++;
					break;
				}
			}
		}
		VS_CLS_CNT_ADD(&ctx->st_lookups[se->slot], n_open);
		if (n_hit != 0)
			VS_CLS_CNT_ADD(&ctx->st_hits[se->slot], n_hit);
		hits_total += n_hit;
	}
	VS_CLS_CNT_ADD(&ctx->cnt.subtable_probes, probes);
	for (uint32_t j = 0; j < n; j++) {
		uint8_t i = idx[j];

		if (out[i] != NULL)
			VS_CLS_CNT_ADD(&ctx->rule_hits[ctx->best_id[i]], 1);
		else
			ctx->best_id[i] = UINT32_MAX;
	}
	(void)hits_total;
}

void
vs_cls_lookup_burst(struct vs_cls_ctx *ctx, const struct vs_flow_key *keys, uint16_t n,
		    const struct vs_cls_rule **out)
{
	const struct vs_cls *cls = ctx->cls;
	const struct cls_snap *s = __atomic_load_n(&cls->snap, __ATOMIC_ACQUIRE);
	uint8_t pend[VS_CLS_BURST_MAX], miss[VS_CLS_BURST_MAX];
	uint32_t n_pend = 0, n_miss = 0, n_port = 0, n_tss_hit = 0;
	bool use_emc = false;

	for (uint32_t i = 0; i < n; i++) {
		uint16_t p = keys[i].in_port;
		const struct vs_cls_rule *r;

		if (p < s->n_port && (r = s->port_fast[p]) != NULL) {
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
