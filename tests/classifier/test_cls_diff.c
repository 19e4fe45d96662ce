/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential test: the classifier against a brute-force reference over
 * random rule sets (many masks, overlapping priorities and ties, IPv4 and
 * IPv6, port ranges as masks, port-only rules) changed across transactions
 * (adds, deletes, aborts, re-ranks), with random and adversarial keys, looked
 * up with the EMC on (small, so it evicts), on (large) and off. Zero
 * mismatches allowed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <rte_common.h>
#include <rte_cpuflags.h>
#include <rte_memory.h>
#include <rte_vect.h>

#include "cls_priv.h"
#include "cls_test_util.h"
#include "vs_cls.h"

TestSuite(cls_diff, .init = cls_test_eal_init, .timeout = 120);

#define N_TEMPLATES 48
#define MAX_LIVE    400
#define POOL_KEYS   2048

struct ref_rule {
	struct vs_cls_match m;
	int32_t prio;
	uint64_t tb;
	struct vs_cls_rule *r;
};

struct diff_state {
	uint64_t rng;
	struct vs_flow_key tmpl[N_TEMPLATES];
	bool tmpl_v6[N_TEMPLATES];
	struct ref_rule live[MAX_LIVE];
	unsigned n_live;
	bool port_heavy;
};

static uint64_t
rnd(struct diff_state *d, uint64_t n)
{
	return cls_test_rand(&d->rng) % n;
}

static void
set_prefix(uint8_t *bytes, unsigned nbytes, unsigned plen)
{
	memset(bytes, 0, nbytes);
	for (unsigned i = 0; i < plen; i++)
		bytes[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

static uint16_t
port_mask(struct diff_state *d)
{
	uint16_t val[32], mask[32];
	uint16_t lo = (uint16_t)rnd(d, 2048), hi = (uint16_t)(lo + rnd(d, 4096));
	unsigned n;

	switch (rnd(d, 4)) {
	case 0:
		return 0;
	case 1:
		return 0xffff;
	default:
		/* A mask produced by a range expansion. */
		n = vs_cls_range_to_masks(lo, hi, val, mask);
		return mask[rnd(d, n)];
	}
}

static void
make_templates(struct diff_state *d)
{
	static const unsigned v4p[] = {0, 8, 16, 24, 32};
	static const unsigned v6p[] = {0, 32, 48, 64, 128};

	for (unsigned t = 0; t < N_TEMPLATES; t++) {
		struct vs_flow_key *m = &d->tmpl[t];
		bool v6 = rnd(d, 2) == 0;

		memset(m, 0, sizeof(*m));
		d->tmpl_v6[t] = v6;
		if (t == 0) { /* in_port only: the port fast path */
			m->in_port = 0xffff;
			continue;
		}
		if (t == 1) /* catch-all */
			continue;
		if (t == 2) { /* in_port + VLAN */
			m->in_port = 0xffff;
			m->vlan_tci = 0x1fff;
			continue;
		}
		m->in_port = rnd(d, 3) ? 0xffff : (rnd(d, 4) ? 0 : 0xfff0);
		m->vlan_tci = (uint16_t[]){0, 0, 0xffff, 0x1fff}[rnd(d, 4)];
		m->eth_type = rnd(d, 4) ? 0xffff : 0;
		if (m->eth_type != 0) {
			m->ip_proto = rnd(d, 2) ? 0xff : 0;
			if (v6) {
				set_prefix(m->ip_src, 16, v6p[rnd(d, 5)]);
				set_prefix(m->ip_dst, 16, v6p[rnd(d, 5)]);
			} else {
				set_prefix(m->ip_src, 4, v4p[rnd(d, 5)]);
				set_prefix(m->ip_dst, 4, v4p[rnd(d, 5)]);
			}
			if (m->ip_proto != 0) {
				m->l4_src = port_mask(d);
				m->l4_dst = port_mask(d);
			}
			if (rnd(d, 6) == 0)
				m->ip_dscp = 0x3f;
			if (rnd(d, 8) == 0)
				m->ip_frag = 0xff;
		}
		if (rnd(d, 6) == 0) { /* rules of a vxlan port: its VNI, a remote */
			memset(m->tun_id, 0xff, sizeof(m->tun_id));
			if (rnd(d, 2))
				memset(m->tun_src, 0xff, sizeof(m->tun_src));
		}
		switch (rnd(d, 6)) {
		case 0:
			memset(m->eth_dst, 0xff, 6);
			break;
		case 1:
			memset(m->eth_dst, 0xff, 3); /* OUI */
			break;
		case 2:
			m->eth_src[0] = 0x01; /* multicast bit */
			break;
		default:
			break;
		}
	}
}

/* A key from small value domains, so rules and keys overlap a lot. */
static void
random_key(struct diff_state *d, struct vs_flow_key *k, bool v6)
{
	memset(k, 0, sizeof(*k));
	k->in_port = (uint16_t)rnd(d, 8);
	k->vlan_tci =
	    rnd(d, 2)
		? 0
		: (uint16_t)(VS_VLAN_PRESENT | (rnd(d, 4) + 1) | (rnd(d, 2) << VS_VLAN_PCP_SHIFT));
	k->eth_type = v6 ? 0x86dd : 0x0800;
	if (rnd(d, 16) == 0)
		k->eth_type = 0x0806;
	k->ip_proto = (uint8_t[]){6, 17, 1, 6}[rnd(d, 4)];
	k->ip_dscp = (uint8_t)rnd(d, 3);
	k->eth_dst[0] = (uint8_t)(rnd(d, 2) ? 0x52 : 0x01);
	k->eth_dst[5] = (uint8_t)rnd(d, 4);
	k->eth_src[0] = (uint8_t)rnd(d, 2);
	k->eth_src[5] = (uint8_t)rnd(d, 4);
	k->l4_src = (uint16_t)(rnd(d, 2) ? rnd(d, 8) * 512 + rnd(d, 3) : rnd(d, 65536));
	k->l4_dst = (uint16_t)(rnd(d, 2) ? 80 + rnd(d, 3) : rnd(d, 8192));
	if (v6) {
		k->ip_src[0] = 0x20;
		k->ip_src[1] = 0x01;
		k->ip_src[5] = (uint8_t)rnd(d, 3);
		k->ip_src[7] = (uint8_t)rnd(d, 3);
		k->ip_src[15] = (uint8_t)rnd(d, 4);
		k->ip_dst[0] = 0xfd;
		k->ip_dst[4] = (uint8_t)rnd(d, 3);
		k->ip_dst[9] = (uint8_t)rnd(d, 3);
		k->ip_dst[15] = (uint8_t)rnd(d, 4);
	} else {
		k->ip_src[0] = 10;
		k->ip_src[1] = (uint8_t)rnd(d, 3);
		k->ip_src[2] = (uint8_t)rnd(d, 3);
		k->ip_src[3] = (uint8_t)rnd(d, 4);
		k->ip_dst[0] = 192;
		k->ip_dst[1] = 168;
		k->ip_dst[2] = (uint8_t)rnd(d, 3);
		k->ip_dst[3] = (uint8_t)rnd(d, 4);
	}
	k->ip_frag = rnd(d, 8) == 0 ? VS_FRAG_FIRST : VS_FRAG_NONE;
	if (rnd(d, 4) == 0) { /* decapsulated: VNI and remote VTEP, small domains */
		static const uint8_t remotes[3][4] = {{0, 0, 1, 2}, {0, 0, 1, 3}, {10, 0, 0, 1}};

		k->tun_id[2] = (uint8_t)rnd(d, 3);
		memcpy(k->tun_src, remotes[rnd(d, 3)], sizeof(k->tun_src));
	}
}

static void
random_match(struct diff_state *d, struct vs_cls_match *m)
{
	unsigned t;

	if (d->port_heavy)
		t = rnd(d, 3) ? rnd(d, 4) / 3 * 2 : rnd(d, N_TEMPLATES); /* 0 or 2 mostly */
	else
		t = rnd(d, 8) == 0 ? rnd(d, 3) : rnd(d, N_TEMPLATES);
	random_key(d, &m->key, d->tmpl_v6[t]);
	m->mask = d->tmpl[t];
}

static bool
cls_test_match_is_port_only(const struct vs_cls_match *m)
{
	struct vs_flow_key p;

	memset(&p, 0, sizeof(p));
	p.in_port = 0xffff;
	return memcmp(&p, &m->mask, sizeof(p)) == 0;
}

static bool
cls_test_match_is_port_vlan(const struct vs_cls_match *m)
{
	struct vs_flow_key p;

	memset(&p, 0, sizeof(p));
	p.in_port = 0xffff;
	p.vlan_tci = VS_VLAN_PRESENT | VS_VLAN_VID_MASK;
	return memcmp(&p, &m->mask, sizeof(p)) == 0;
}

static const struct ref_rule *
ref_lookup(const struct diff_state *d, const struct vs_flow_key *k)
{
	const struct ref_rule *best = NULL;

	for (unsigned i = 0; i < d->n_live; i++) {
		const struct ref_rule *x = &d->live[i];

		if (!cls_test_match(&x->m, k))
			continue;
		if (best == NULL || x->prio > best->prio ||
		    (x->prio == best->prio &&
		     (x->tb < best->tb || (x->tb == best->tb && x->r->id < best->r->id))))
			best = x;
	}
	return best;
}

/* A key that certainly matches rule x, with its wildcarded bits taken from
 * another random key: it also hits many other subtables. */
static void
adversarial_key(struct diff_state *d, const struct ref_rule *x, struct vs_flow_key *k)
{
	vs_flow_word_t *kw = vs_flow_key_words_rw(k);
	const vs_flow_word_t *mw = vs_flow_key_words(&x->m.mask);
	const vs_flow_word_t *vw = vs_flow_key_words(&x->m.key);

	random_key(d, k, rnd(d, 2));
	for (unsigned i = 0; i < VS_FLOW_KEY_WORDS; i++)
		kw[i] = (kw[i] & ~mw[i]) | vw[i];
	/* the tunnel fields the rule does not match: as the parser leaves them
	 * (the decap path alone sets them) */
	for (unsigned i = 0; i < sizeof(k->tun_id); i++)
		k->tun_id[i] &= x->m.mask.tun_id[i];
	for (unsigned i = 0; i < sizeof(k->tun_src); i++)
		k->tun_src[i] &= x->m.mask.tun_src[i];
}

static void
mutate(struct diff_state *d, struct vs_cls *c, unsigned n_add, unsigned n_del, bool abort_it)
{
	struct vs_cls_txn *t = vs_cls_txn_begin(c);
	struct ref_rule staged[64];
	bool deleted[MAX_LIVE] = {false};
	unsigned n_staged = 0;
	uint64_t gen = vs_cls_generation(c);

	cr_assert_not_null(t);
	for (unsigned i = 0; i < n_del && d->n_live > 0; i++) {
		unsigned v = (unsigned)rnd(d, d->n_live);

		if (deleted[v])
			continue;
		cr_assert_eq(vs_cls_rule_del(t, d->live[v].r), 0);
		deleted[v] = true;
	}
	for (unsigned i = 0; i < n_add && i < (unsigned)RTE_DIM(staged); i++) {
		struct ref_rule *x = &staged[n_staged];
		int ret;

		if (d->n_live + n_staged >= MAX_LIVE)
			break;
		random_match(d, &x->m);
		x->prio = (int32_t)rnd(d, 16);
		/* Port-heavy sets rank in_port-only rules of ports 0-3 above every
		 * other rule (fast path) and those of ports 4-7 among them. */
		if (d->port_heavy && cls_test_match_is_port_only(&x->m) && x->m.key.in_port < 4)
			x->prio = 20 + (int32_t)rnd(d, 4);
		/* ... and in_port+VLAN rules of ports 2-5 too (VLAN fast path). */
		if (d->port_heavy && cls_test_match_is_port_vlan(&x->m) && x->m.key.in_port >= 2 &&
		    x->m.key.in_port < 6)
			x->prio = 18 + (int32_t)rnd(d, 6);
		x->tb = rnd(d, 48);
		ret = vs_cls_rule_add(t, &x->m, x->prio, x->tb, NULL, &x->r);
		if (ret == -EEXIST)
			continue;
		cr_assert_eq(ret, 0);
		/* Also exercise "delete a staged add" now and then. */
		if (rnd(d, 16) == 0) {
			cr_assert_eq(vs_cls_rule_del(t, x->r), 0);
			continue;
		}
		for (unsigned b = 0; b < VS_FLOW_KEY_WORDS; b++)
			vs_flow_key_words_rw(&x->m.key)[b] &= vs_flow_key_words(&x->m.mask)[b];
		n_staged++;
	}
	if (abort_it) {
		vs_cls_txn_abort(t);
		cr_assert_eq(vs_cls_generation(c), gen);
		return;
	}
	cr_assert_eq(vs_cls_txn_commit(t), 0);
	/* Apply to the reference. */
	unsigned w = 0;

	for (unsigned i = 0; i < d->n_live; i++)
		if (!deleted[i])
			d->live[w++] = d->live[i];
	d->n_live = w;
	for (unsigned i = 0; i < n_staged; i++)
		d->live[d->n_live++] = staged[i];
	cr_assert_eq(vs_cls_rule_count(c), d->n_live);
}

static void
report_mismatch(uint64_t seed, unsigned round, unsigned ctx, unsigned key,
		const struct vs_cls_rule *got, const struct vs_cls_rule *want)
{
	char msg[200];

	snprintf(msg, sizeof(msg),
		 "seed %lu round %u ctx %u key %u: got prio %d tb %lu id %u, expected %d %lu %u",
		 (unsigned long)seed, round, ctx, key, got ? got->priority : -1,
		 got ? (unsigned long)got->tiebreak : 0UL, got ? got->id : 0u,
		 want ? want->priority : -1, want ? (unsigned long)want->tiebreak : 0UL,
		 want ? want->id : 0u);
	cr_assert(0, "%s", msg);
}

static void
run_diff(uint64_t seed, bool port_heavy, unsigned rounds, unsigned lookups_per_round,
	 cls_flt_scan_fn scan)
{
	struct vs_cls_params p = {.name = "diff", .max_rules = 1024, .socket_id = SOCKET_ID_ANY};
	struct vs_cls_ctx_params cp_small = {.emc_entries = 256, .socket_id = SOCKET_ID_ANY};
	struct vs_cls_ctx_params cp_big = {.emc_entries = 8192, .socket_id = SOCKET_ID_ANY};
	struct vs_cls_ctx_params cp_off = {.emc_entries = 0, .socket_id = SOCKET_ID_ANY};
	struct diff_state *d = calloc(1, sizeof(*d));
	struct vs_flow_key *pool = aligned_alloc(64, sizeof(*pool) * POOL_KEYS);
	const struct vs_cls_rule **expect = calloc(POOL_KEYS, sizeof(*expect));
	struct vs_cls *c = vs_cls_create(&p);
	struct vs_cls_ctx *ctx[3];
	struct vs_flow_key burst[64] __attribute__((aligned(64)));
	const struct vs_cls_rule *out[64];
	unsigned pick[64];
	uint64_t total = 0, matched = 0, n_one_port = 0;
	struct vs_cls_ctx_stats st[3];

	cr_assert_not_null(c);
	cr_assert(d && pool && expect);
	ctx[0] = vs_cls_ctx_create(c, &cp_small);
	ctx[1] = vs_cls_ctx_create(c, &cp_big);
	ctx[2] = vs_cls_ctx_create(c, &cp_off);
	cr_assert(ctx[0] && ctx[1] && ctx[2]);
	/* This test compares verdicts: keep both caches consulted, whatever
	 * the cost policy would make of this skewed mix. */
	ctx[0]->emc_policy.pinned = true;
	ctx[1]->emc_policy.pinned = true;
	for (unsigned i = 0; i < 3 && scan != NULL; i++)
		cr_assert(ctx[i]->flt_scan == scan, "context %u: not the filter scan asked for", i);
	d->rng = seed;
	d->port_heavy = port_heavy;
	make_templates(d);

	for (unsigned round = 0; round < rounds; round++) {
		if (round % 7 == 3)
			mutate(d, c, (unsigned)rnd(d, 40), (unsigned)rnd(d, 20), true);
		mutate(d, c, round < 10 ? 40 : (unsigned)rnd(d, 40),
		       round < 10 ? (unsigned)rnd(d, 5) : (unsigned)rnd(d, 40), false);
		if (round % 5 == 4)
			vs_cls_rerank(c, ctx, 3);
		for (unsigned i = 0; i < POOL_KEYS; i++) {
			if (d->n_live > 0 && rnd(d, 2) == 0)
				adversarial_key(d, &d->live[rnd(d, d->n_live)], &pool[i]);
			else
				random_key(d, &pool[i], rnd(d, 2));
			if (i > 0 && rnd(d, 8) == 0) {
				/* The previous key from another remote, or not
				 * from a tunnel: the same inner headers. */
				static const uint8_t other[2][4] = {{0, 0, 1, 2}, {0, 0, 0, 0}};

				pool[i] = pool[i - 1];
				memcpy(pool[i].tun_src, other[rnd(d, 2)], sizeof(pool[i].tun_src));
				if (rnd(d, 2))
					memset(pool[i].tun_id, 0, sizeof(pool[i].tun_id));
			}
			const struct ref_rule *x = ref_lookup(d, &pool[i]);

			expect[i] = x != NULL ? x->r : NULL;
		}
		for (unsigned done = 0; done < lookups_per_round;) {
			unsigned n = 1 + (unsigned)rnd(d, 64);
			/* Half the bursts come from one port, as the worker's do,
			 * and go through the lookup that reads the port once. */
			bool one_port = rnd(d, 2) != 0;

			for (unsigned i = 0; i < n; i++) {
				/* Skewed: a hot subset gives EMC hits, the rest misses. */
				for (unsigned tries = 0; tries < 16; tries++) {
					pick[i] = rnd(d, 4) ? (unsigned)rnd(d, 128)
							    : (unsigned)rnd(d, POOL_KEYS);
					if (!one_port || i == 0 ||
					    pool[pick[i]].in_port == burst[0].in_port)
						break;
					pick[i] = pick[0];
				}
				burst[i] = pool[pick[i]];
			}
			n_one_port += one_port;
			for (unsigned x = 0; x < 3; x++) {
				if (one_port)
					vs_cls_lookup_port_burst(ctx[x], burst, (uint16_t)n, out);
				else
					vs_cls_lookup_burst(ctx[x], burst, (uint16_t)n, out);
				for (unsigned i = 0; i < n; i++) {
					if (out[i] != expect[pick[i]]) {
						report_mismatch(seed, round, x, pick[i], out[i],
								expect[pick[i]]);
					}
					matched += out[i] != NULL;
				}
				total += n;
			}
			done += n;
		}
	}
	for (unsigned x = 0; x < 3; x++)
		vs_cls_ctx_stats_get(ctx[x], &st[x]);
	cr_log_info("diff seed %lu: %lu lookups, %lu matched; emc hits small %lu big %lu; "
		    "port fast %lu; probes %lu",
		    (unsigned long)seed, (unsigned long)total, (unsigned long)matched,
		    (unsigned long)st[0].emc_hits, (unsigned long)st[1].emc_hits,
		    (unsigned long)st[2].port_fast_hits, (unsigned long)st[2].subtable_probes);
	/* Every path was exercised. */
	cr_assert_gt(st[0].emc_hits, 0);
	cr_assert_gt(st[1].emc_hits, st[0].emc_hits);
	cr_assert_eq(st[2].emc_hits + st[2].emc_misses, 0);
	cr_assert_gt(st[2].tss_hits, 0);
	if (port_heavy)
		cr_assert_gt(st[2].port_fast_hits, total / 30);
	else
		cr_assert_gt(st[2].tss_misses, 0);
	cr_assert_gt(matched, total / 4);
	cr_assert_gt(n_one_port, 0);
	for (unsigned x = 0; x < 3; x++)
		vs_cls_ctx_destroy(ctx[x]);
	vs_cls_destroy(c);
	free(expect);
	free(pool);
	free(d);
}

Test(cls_diff, mixed_rules_emc_on_off)
{
	unsigned div = cls_test_scale_div();

	/* 40 rounds x 9000 keys x 3 contexts = 1.08M lookups. */
	run_diff(0x5eed0001, false, 40, 9000 / div, NULL);
}

Test(cls_diff, port_heavy_rules)
{
	unsigned div = cls_test_scale_div();

	/* 20 rounds x 5000 keys x 3 contexts = 300k lookups. */
	run_diff(0x5eed0002, true, 20, 5000 / div, NULL);
}

Test(cls_diff, mixed_rules_scalar_filter)
{
	unsigned div = cls_test_scale_div();

	/* The subtable filter scan has a SIMD and a scalar path, chosen when a
	 * context is created; DPDK's SIMD width limit of 128 bits (what
	 * --force-max-simd-bitwidth=128 sets) selects the scalar one.
	 * 20 rounds x 9000 keys x 3 contexts = 540k lookups. */
	cr_assert_eq(rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_128), 0);
	run_diff(0x5eed0001, false, 20, 9000 / div, cls_flt_scan_scalar);
}

#if defined(RTE_ARCH_X86)
Test(cls_diff, mixed_rules_avx2_filter)
{
	unsigned div = cls_test_scale_div();

	/* DPDK's default SIMD width, 256 bits, selects the AVX2 scan.
	 * 20 rounds x 9000 keys x 3 contexts = 540k lookups. */
	if (rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX2) <= 0)
		cr_skip_test("no AVX2 on this CPU");
	cr_assert_eq(rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_256), 0);
	run_diff(0x5eed0001, false, 20, 9000 / div, cls_flt_scan_avx2);
}

Test(cls_diff, mixed_rules_avx512_filter)
{
	unsigned div = cls_test_scale_div();

	/* 512 bits (--force-max-simd-bitwidth=512) selects the AVX-512 scan.
	 * 20 rounds x 9000 keys x 3 contexts = 540k lookups. */
	if (rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512F) <= 0)
		cr_skip_test("no AVX-512F on this CPU");
	cr_assert_eq(rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_512), 0);
	run_diff(0x5eed0001, false, 20, 9000 / div, cls_flt_scan_avx512);
}
#endif
