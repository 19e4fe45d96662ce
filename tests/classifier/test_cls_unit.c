/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the classifier's control API, fast path and statistics. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "cls_priv.h"
#include "cls_tbl_dp.h"
#include "emc_dp.h"
#include "cls_test_util.h"
#include "vs_cls.h"

TestSuite(cls_unit, .init = cls_test_eal_init, .timeout = 30);

static struct vs_cls *
mk_cls(uint32_t max_rules, struct rte_rcu_qsbr *q, vs_cls_data_free_fn fr, void *arg)
{
	struct vs_cls_params p = {
	    .name = "unit",
	    .max_rules = max_rules,
	    .socket_id = SOCKET_ID_ANY,
	    .qsbr = q,
	    .data_free = fr,
	    .data_free_arg = arg,
	};
	struct vs_cls *c = vs_cls_create(&p);

	cr_assert_not_null(c);
	return c;
}

static struct vs_cls_ctx *
mk_ctx(struct vs_cls *c, uint32_t emc)
{
	struct vs_cls_ctx_params p = {.emc_entries = emc, .socket_id = SOCKET_ID_ANY};
	struct vs_cls_ctx *x = vs_cls_ctx_create(c, &p);

	cr_assert_not_null(x);
	return x;
}

/* Match on in_port (exact) and IPv4 destination prefix. */
static struct vs_cls_match
m_port_dst(uint16_t port, uint32_t dst_be, unsigned plen)
{
	struct vs_cls_match m;
	uint32_t msk = plen ? htonl(~0u << (32 - plen)) : 0;

	memset(&m, 0, sizeof(m));
	m.key.in_port = port;
	m.mask.in_port = 0xffff;
	memcpy(m.key.ip_dst, &dst_be, 4);
	memcpy(m.mask.ip_dst, &msk, 4);
	return m;
}

static struct vs_cls_match
m_port_only(uint16_t port)
{
	struct vs_cls_match m;

	memset(&m, 0, sizeof(m));
	m.key.in_port = port;
	m.mask.in_port = 0xffff;
	return m;
}

static struct vs_flow_key
key_of(uint16_t port, uint32_t dst_be)
{
	struct vs_flow_key k;

	memset(&k, 0, sizeof(k));
	k.in_port = port;
	k.eth_type = 0x0800;
	memcpy(k.ip_dst, &dst_be, 4);
	return k;
}

static const struct vs_cls_rule *
look1(struct vs_cls_ctx *x, const struct vs_flow_key *k)
{
	const struct vs_cls_rule *r = (const void *)1;

	vs_cls_lookup_burst(x, k, 1, &r);
	return r;
}

static struct vs_cls_rule *
add1(struct vs_cls *c, const struct vs_cls_match *m, int32_t prio, uint64_t tb, void *data)
{
	struct vs_cls_txn *t = vs_cls_txn_begin(c);
	struct vs_cls_rule *r = NULL;

	cr_assert_not_null(t);
	cr_assert_eq(vs_cls_rule_add(t, m, prio, tb, data, &r), 0);
	cr_assert_eq(vs_cls_txn_commit(t), 0);
	return r;
}

static void
del1(struct vs_cls *c, struct vs_cls_rule *r)
{
	struct vs_cls_txn *t = vs_cls_txn_begin(c);

	cr_assert_not_null(t);
	cr_assert_eq(vs_cls_rule_del(t, r), 0);
	cr_assert_eq(vs_cls_txn_commit(t), 0);
}

Test(cls_unit, add_commit_visibility)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 1024);
	struct vs_cls_match m = m_port_dst(1, htonl(0x0a000000), 8);
	struct vs_flow_key k = key_of(1, htonl(0x0a010203));
	struct vs_cls_txn *t;
	struct vs_cls_rule *r;

	cr_assert_eq(vs_cls_generation(c), 0);
	cr_assert_null(look1(x, &k));
	t = vs_cls_txn_begin(c);
	cr_assert_eq(vs_cls_rule_add(t, &m, 10, 0, NULL, &r), 0);
	/* Staged: not visible before the commit. */
	cr_assert_null(look1(x, &k));
	cr_assert_eq(vs_cls_rule_count(c), 0);
	cr_assert_eq(vs_cls_txn_commit(t), 0);
	cr_assert_eq(vs_cls_generation(c), 1);
	cr_assert_eq(vs_cls_rule_count(c), 1);
	cr_assert_eq(look1(x, &k), r);
	cr_assert_eq(look1(x, &k), r); /* second time from the EMC */
	k = key_of(1, htonl(0x0b010203));
	cr_assert_null(look1(x, &k));
	k = key_of(2, htonl(0x0a010203));
	cr_assert_null(look1(x, &k));
	/* The key was masked on the way in. */
	cr_assert_eq(r->match.key.ip_dst[1], 0);
	/* An empty transaction changes nothing. */
	t = vs_cls_txn_begin(c);
	cr_assert_eq(vs_cls_txn_commit(t), 0);
	cr_assert_eq(vs_cls_generation(c), 1);
	del1(c, r);
	cr_assert_eq(vs_cls_generation(c), 2);
	k = key_of(1, htonl(0x0a010203));
	cr_assert_null(look1(x, &k));
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

Test(cls_unit, abort_restores)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 1024);
	struct vs_cls_match m1 = m_port_dst(1, htonl(0x0a000000), 8);
	struct vs_cls_match m2 = m_port_dst(1, htonl(0x0a010000), 16);
	struct vs_flow_key k = key_of(1, htonl(0x0a010203));
	struct vs_cls_rule *r1 = add1(c, &m1, 10, 0, NULL), *r2;
	struct vs_cls_txn *t;

	t = vs_cls_txn_begin(c);
	cr_assert_eq(vs_cls_rule_add(t, &m2, 20, 0, NULL, &r2), 0);
	cr_assert_eq(vs_cls_rule_del(t, r1), 0);
	cr_assert_eq(look1(x, &k), r1);
	vs_cls_txn_abort(t);
	cr_assert_eq(vs_cls_generation(c), 1);
	cr_assert_eq(vs_cls_rule_count(c), 1);
	cr_assert_eq(look1(x, &k), r1);
	/* A staged add deleted in the same transaction never shows. */
	t = vs_cls_txn_begin(c);
	cr_assert_not_null(t);
	cr_assert_eq(vs_cls_rule_add(t, &m2, 20, 0, NULL, &r2), 0);
	cr_assert_eq(vs_cls_rule_del(t, r2), 0);
	cr_assert_eq(vs_cls_txn_commit(t), 0);
	cr_assert_eq(vs_cls_generation(c), 1);
	cr_assert_eq(look1(x, &k), r1);
	/* The rule can be deleted after the aborted deletion. */
	del1(c, r1);
	cr_assert_null(look1(x, &k));
	cr_assert_eq(vs_cls_rule_count(c), 0);
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

Test(cls_unit, priorities_and_ties)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 0);
	struct vs_cls_match wide = m_port_dst(1, htonl(0x0a000000), 8);
	struct vs_cls_match narrow = m_port_dst(1, htonl(0x0a010000), 16);
	struct vs_flow_key k = key_of(1, htonl(0x0a010203));
	struct vs_cls_rule *a, *b, *cc, *d;

	a = add1(c, &wide, 10, 5, NULL);
	b = add1(c, &narrow, 5, 1, NULL);
	/* Higher priority wins even when the other match is more specific. */
	cr_assert_eq(look1(x, &k), a);
	cc = add1(c, &narrow, 10, 3, NULL);
	/* Equal priority: the lower tiebreak wins across subtables. */
	cr_assert_eq(look1(x, &k), cc);
	/* Equal priority and tiebreak in another subtable: the lower id wins. */
	d = add1(c, &wide, 10, 3, NULL);
	cr_assert_lt(cc->id, d->id);
	cr_assert_eq(look1(x, &k), cc);
	del1(c, cc);
	cr_assert_eq(look1(x, &k), d);
	del1(c, d);
	cr_assert_eq(look1(x, &k), a);
	del1(c, a);
	cr_assert_eq(look1(x, &k), b);
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

Test(cls_unit, errors)
{
	struct vs_cls *c = mk_cls(3, NULL, NULL, NULL);
	struct vs_cls_match m = m_port_dst(1, htonl(0x0a000000), 8);
	struct vs_cls_match m_unmasked = m;
	struct vs_cls_txn *t, *t2;
	struct vs_cls_rule *r;

	cr_assert_null(vs_cls_create(NULL));
	cr_assert_eq(errno, EINVAL);
	t = vs_cls_txn_begin(c);
	t2 = vs_cls_txn_begin(c);
	cr_assert_null(t2);
	cr_assert_eq(errno, EBUSY);
	cr_assert_eq(vs_cls_rule_add(t, &m, 1, 1, NULL, &r), 0);
	cr_assert_eq(vs_cls_rule_add(t, &m, 1, 1, NULL, NULL), -EEXIST);
	/* Key bits outside the mask do not make a different match. */
	m_unmasked.key.ip_dst[3] = 7;
	cr_assert_eq(vs_cls_rule_add(t, &m_unmasked, 1, 1, NULL, NULL), -EEXIST);
	cr_assert_eq(vs_cls_rule_add(t, &m, 1, 2, NULL, NULL), 0);
	cr_assert_eq(vs_cls_rule_add(t, &m, 2, 1, NULL, NULL), 0);
	cr_assert_eq(vs_cls_rule_add(t, &m, 3, 1, NULL, NULL), -ENOSPC);
	cr_assert_eq(vs_cls_rule_add(t, NULL, 3, 1, NULL, NULL), -EINVAL);
	cr_assert_eq(vs_cls_txn_commit(t), 0);
	t = vs_cls_txn_begin(c);
	cr_assert_eq(vs_cls_rule_add(t, &m, 1, 1, NULL, NULL), -EEXIST);
	cr_assert_eq(vs_cls_rule_del(t, r), 0);
	cr_assert_eq(vs_cls_rule_del(t, r), -ENOENT);
	/* Deleted in this transaction: the same match may be added again. */
	cr_assert_eq(vs_cls_rule_add(t, &m, 1, 1, NULL, NULL), -ENOSPC);
	cr_assert_eq(vs_cls_txn_commit(t), 0);
	t = vs_cls_txn_begin(c);
	cr_assert_eq(vs_cls_rule_add(t, &m, 1, 1, NULL, NULL), 0);
	cr_assert_eq(vs_cls_txn_commit(t), 0);
	cr_assert_eq(vs_cls_rule_count(c), 3);
	vs_cls_destroy(c);
	vs_cls_destroy(NULL);
	vs_cls_ctx_destroy(NULL);
}

struct free_log {
	unsigned n;
	uintptr_t last;
};

static void
log_free(void *data, void *arg)
{
	struct free_log *l = arg;

	l->n++;
	l->last = (uintptr_t)data;
}

Test(cls_unit, reclaim_waits_for_readers)
{
	size_t sz = rte_rcu_qsbr_get_memsize(2);
	struct rte_rcu_qsbr *q = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	struct free_log fl = {0};
	struct vs_cls *c;
	struct vs_cls_ctx *x;
	struct vs_cls_match m = m_port_dst(1, htonl(0x0a000000), 8);
	struct vs_flow_key k = key_of(1, htonl(0x0a010203));
	struct vs_cls_rule *r;

	cr_assert_not_null(q);
	cr_assert_eq(rte_rcu_qsbr_init(q, 2), 0);
	cr_assert_eq(rte_rcu_qsbr_thread_register(q, 0), 0);
	rte_rcu_qsbr_thread_online(q, 0);
	c = mk_cls(0, q, log_free, &fl);
	x = mk_ctx(c, 64);
	r = add1(c, &m, 1, 0, (void *)(uintptr_t)0x1234);
	cr_assert_eq(look1(x, &k), r);
	rte_rcu_qsbr_quiescent(q, 0);
	del1(c, r);
	/* The reader has not passed a quiescent state: nothing may be freed. */
	vs_cls_reclaim(c);
	vs_cls_reclaim(c);
	cr_assert_eq(fl.n, 0);
	cr_assert_eq(r->id, 0); /* still readable */
	cr_assert_null(look1(x, &k));
	/* Two grace periods: out of the node first, then freed. */
	rte_rcu_qsbr_quiescent(q, 0);
	cr_assert_gt(vs_cls_reclaim(c), 0);
	cr_assert_eq(fl.n, 0);
	rte_rcu_qsbr_quiescent(q, 0);
	vs_cls_reclaim(c);
	cr_assert_eq(fl.n, 1);
	cr_assert_eq(fl.last, 0x1234);
	/* Nothing left to free. */
	rte_rcu_qsbr_quiescent(q, 0);
	vs_cls_reclaim(c);
	cr_assert_eq(vs_cls_reclaim(c), 0);
	/* Destroy frees the data of live rules. */
	add1(c, &m, 1, 0, (void *)(uintptr_t)0x5678);
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
	cr_assert_eq(fl.n, 2);
	cr_assert_eq(fl.last, 0x5678);
	rte_free(q);
}

Test(cls_unit, stats_and_rule_hits)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 1024);
	struct vs_cls_match m = m_port_dst(1, htonl(0x0a000000), 8);
	struct vs_flow_key keys[4] = {
	    key_of(1, htonl(0x0a000001)),
	    key_of(1, htonl(0x0a000002)),
	    key_of(1, htonl(0x0b000001)),
	    key_of(1, htonl(0x0a000001)),
	};
	const struct vs_cls_rule *out[4];
	struct vs_cls_ctx_stats st;
	struct vs_cls_subtable_info info[4];
	struct vs_cls_rule *r = add1(c, &m, 1, 0, NULL);

	vs_cls_lookup_burst(x, keys, 4, out);
	cr_assert_eq(out[0], r);
	cr_assert_eq(out[1], r);
	cr_assert_null(out[2]);
	cr_assert_eq(out[3], r);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.lookups, 4);
	cr_assert_eq(st.emc_hits, 0);
	cr_assert_eq(st.emc_misses, 4);
	cr_assert_eq(st.emc_inserts, 4);
	cr_assert_eq(st.tss_hits, 3);
	cr_assert_eq(st.tss_misses, 1);
	cr_assert_eq(st.subtable_probes, 4);
	cr_assert_eq(st.port_fast_hits, 0);
	cr_assert_eq(st.emc_insert_shift, 0);
	vs_cls_lookup_burst(x, keys, 4, out);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.emc_hits, 4);
	cr_assert_eq(st.lookups, 8);
	cr_assert_null(out[2]); /* the cached miss */
	cr_assert_eq(vs_cls_ctx_rule_hits(x, r->id), 6);
	cr_assert_eq(vs_cls_subtables(c, &x, 1, info, 4), 1);
	cr_assert_eq(info[0].lookups, 4);
	cr_assert_eq(info[0].hits, 3);
	cr_assert_eq(info[0].n_rules, 1);
	cr_assert_eq(info[0].max_priority, 1);
	cr_assert_eq(info[0].mask.in_port, 0xffff);
	/* A recycled rule id starts counting from zero. */
	del1(c, r);
	r = add1(c, &m, 2, 0, NULL);
	cr_assert_eq(r->id, 0);
	cr_assert_eq(vs_cls_ctx_rule_hits(x, r->id), 0);
	vs_cls_lookup_burst(x, keys, 1, out);
	cr_assert_eq(vs_cls_ctx_rule_hits(x, r->id), 1);
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

Test(cls_unit, rerank_by_hits)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 0);
	struct vs_cls_match ma = m_port_dst(1, htonl(0x0a000000), 8);
	struct vs_cls_match mb = m_port_dst(1, htonl(0x0b0b0000), 16);
	struct vs_cls_subtable_info info[2];
	struct vs_flow_key k = key_of(1, htonl(0x0b0b0001));
	struct vs_cls_rule *ra = add1(c, &ma, 7, 0, NULL), *rb = add1(c, &mb, 7, 1, NULL);

	cr_assert_eq(vs_cls_subtables(c, &x, 1, info, 2), 2);
	cr_assert_eq(info[0].mask.ip_dst[1], 0); /* /8 first (older slot) */
	for (int i = 0; i < 10; i++)
		cr_assert_eq(look1(x, &k), rb);
	vs_cls_rerank(c, &x, 1);
	cr_assert_eq(vs_cls_generation(c), 2); /* same generation */
	vs_cls_subtables(c, &x, 1, info, 2);
	cr_assert_eq(info[0].mask.ip_dst[1], 0xff); /* the hit /16 first now */
	cr_assert_eq(info[0].hits, 10);
	cr_assert_eq(info[1].hits, 0);
	cr_assert_eq(look1(x, &k), rb);
	k = key_of(1, htonl(0x0a0b0001));
	cr_assert_eq(look1(x, &k), ra);
	/* Different max priorities are never reordered by hits. */
	del1(c, ra);
	ra = add1(c, &ma, 9, 0, NULL);
	vs_cls_rerank(c, &x, 1);
	vs_cls_subtables(c, &x, 1, info, 2);
	cr_assert_eq(info[0].max_priority, 9);
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

Test(cls_unit, port_fast_path)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 1024);
	struct vs_cls_match mp = m_port_only(3);
	struct vs_cls_match mh = m_port_dst(3, htonl(0x0a000000), 8);
	struct vs_cls_match mo = m_port_dst(4, htonl(0x0a000000), 8);
	struct vs_flow_key k1 = key_of(3, htonl(0x0a000001)), k2 = key_of(3, htonl(0x0c000001));
	struct vs_cls_ctx_stats st;
	struct vs_cls_rule *rp = add1(c, &mp, 10, 0, NULL), *rh;

	cr_assert_eq(look1(x, &k1), rp);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.port_fast_hits, 1);
	cr_assert_eq(st.emc_misses, 0);
	/* A lower-priority rule elsewhere, or one for another port, keeps it fast. */
	add1(c, &mo, 50, 0, NULL);
	cr_assert_eq(look1(x, &k1), rp);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.port_fast_hits, 2);
	/* A higher-priority rule that applies to port 3 disables it. */
	rh = add1(c, &mh, 20, 0, NULL);
	cr_assert_eq(look1(x, &k1), rh);
	cr_assert_eq(look1(x, &k2), rp);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.port_fast_hits, 2);
	del1(c, rh);
	cr_assert_eq(look1(x, &k1), rp);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.port_fast_hits, 3);
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

/* A burst from one port whose port rule holds for every VLAN is answered in
 * one go; a burst that mixes ports, or a port with VLAN rules, key by key:
 * the same answers and counters either way. */
Test(cls_unit, port_fast_whole_burst)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 1024);
	struct vs_cls_match mp = m_port_only(3), mo = m_port_dst(4, htonl(0x0a000000), 8),
			    mv = m_port_only(5);
	struct vs_flow_key keys[32];
	const struct vs_cls_rule *out[32];
	struct vs_cls_ctx_stats st;
	struct vs_cls_rule *rp, *ro, *rv, *r5;

	rp = add1(c, &mp, 10, 0, NULL);
	ro = add1(c, &mo, 10, 0, NULL);
	mv.key.vlan_tci = VS_VLAN_PRESENT | 10;
	mv.mask.vlan_tci = VS_VLAN_PRESENT | VS_VLAN_VID_MASK;
	rv = add1(c, &mv, 30, 0, NULL);
	mv = m_port_only(5);
	r5 = add1(c, &mv, 10, 0, NULL);
	for (int i = 0; i < 32; i++)
		keys[i] = key_of(3, htonl(0x0a000001 + (uint32_t)i));
	vs_cls_lookup_burst(x, keys, 32, out);
	for (int i = 0; i < 32; i++)
		cr_assert_eq(out[i], rp, "key %d", i);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.port_fast_hits, 32);
	cr_assert_eq(st.lookups, 32);
	cr_assert_eq(vs_cls_ctx_rule_hits(x, rp->id), 32);
	/* The last key from port 4: not its rule, but the TSS's answer. */
	keys[31] = key_of(4, htonl(0x0a000001));
	vs_cls_lookup_burst(x, keys, 32, out);
	for (int i = 0; i < 31; i++)
		cr_assert_eq(out[i], rp, "key %d", i);
	cr_assert_eq(out[31], ro);
	/* The first key from port 4, the others from 3. */
	keys[31] = keys[0];
	keys[0] = key_of(4, htonl(0x0a000001));
	vs_cls_lookup_burst(x, keys, 32, out);
	cr_assert_eq(out[0], ro);
	for (int i = 1; i < 32; i++)
		cr_assert_eq(out[i], rp, "key %d", i);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.port_fast_hits, 32 + 31 + 31);
	cr_assert_eq(st.lookups, 96);
	cr_assert_eq(vs_cls_ctx_rule_hits(x, rp->id), 32 + 31 + 31);
	cr_assert_eq(vs_cls_ctx_rule_hits(x, ro->id), 2);
	/* Port 5 has a VLAN rule: each key by its VLAN. */
	for (int i = 0; i < 4; i++)
		keys[i] = key_of(5, htonl(0x0a000001));
	keys[2].vlan_tci = VS_VLAN_PRESENT | 10;
	vs_cls_lookup_burst(x, keys, 4, out);
	cr_assert_eq(out[0], r5);
	cr_assert_eq(out[1], r5);
	cr_assert_eq(out[2], rv);
	cr_assert_eq(out[3], r5);
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

/* Bursts of one port through vs_cls_lookup_port_burst (the port's entry read
 * once) and vs_cls_lookup_burst (key by key), each on its own context: the
 * same answers and every counter the same, for a port with a rule for every
 * VLAN, one with VLAN rules, one with no port rule and one beyond them all. */
Test(cls_unit, port_burst_same_as_keyed)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x[2] = {mk_ctx(c, 1024), mk_ctx(c, 1024)};
	struct vs_cls_match mp = m_port_only(3), md = m_port_dst(4, htonl(0x0a000000), 8),
			    mv = m_port_only(5), mw = m_port_only(5);
	static const uint16_t ports[] = {3, 4, 5, 6, 4000};
	struct vs_flow_key keys[40];
	const struct vs_cls_rule *out[2][40];
	struct vs_cls_ctx_stats st[2];
	struct vs_cls_rule *r[4];

	r[0] = add1(c, &mp, 10, 0, NULL);
	r[1] = add1(c, &md, 10, 0, NULL);
	mv.key.vlan_tci = VS_VLAN_PRESENT | 10;
	mv.mask.vlan_tci = VS_VLAN_PRESENT | VS_VLAN_VID_MASK;
	r[2] = add1(c, &mv, 30, 0, NULL);
	r[3] = add1(c, &mw, 10, 0, NULL);
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned p = 0; p < sizeof(ports) / sizeof(ports[0]); p++) {
			uint16_t n = (uint16_t)(p == 0 ? 40 : 7 + 5 * p);

			for (uint16_t i = 0; i < n; i++) {
				keys[i] = key_of(ports[p], htonl(0x0a000001 + i % 9 + (i & round)));
				if (i % 3 == 1)
					keys[i].vlan_tci = VS_VLAN_PRESENT | 10;
			}
			vs_cls_lookup_burst(x[0], keys, n, out[0]);
			vs_cls_lookup_port_burst(x[1], keys, n, out[1]);
			for (uint16_t i = 0; i < n; i++)
				cr_assert_eq(out[1][i], out[0][i], "port %u key %u", ports[p], i);
			if (ports[p] == 5)
				cr_assert_eq(out[1][1], r[2]);
		}
	}
	vs_cls_ctx_stats_get(x[0], &st[0]);
	vs_cls_ctx_stats_get(x[1], &st[1]);
#define SAME_(field, help) cr_assert_eq(st[1].field, st[0].field, "%s", #field);
	VS_CLS_CTX_COUNTERS(SAME_)
#undef SAME_
	cr_assert_gt(st[1].port_fast_hits, 0);
	cr_assert_gt(st[1].emc_hits, 0);
	cr_assert_gt(st[1].tss_misses, 0);
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(vs_cls_ctx_rule_hits(x[1], r[i]->id),
			     vs_cls_ctx_rule_hits(x[0], r[i]->id), "rule %u", i);
	vs_cls_ctx_destroy(x[0]);
	vs_cls_ctx_destroy(x[1]);
	vs_cls_destroy(c);
}

Test(cls_unit, emc_generation_invalidation)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 64);
	struct vs_cls_match m1 = m_port_dst(1, htonl(0x0a000000), 8);
	struct vs_cls_match m2 = m_port_dst(1, htonl(0x0a000000), 24);
	struct vs_flow_key k = key_of(1, htonl(0x0a000001));
	struct vs_cls_ctx_stats st;
	struct vs_cls_rule *r1 = add1(c, &m1, 1, 0, NULL), *r2;

	cr_assert_eq(look1(x, &k), r1);
	cr_assert_eq(look1(x, &k), r1);
	r2 = add1(c, &m2, 2, 0, NULL);
	cr_assert_eq(look1(x, &k), r2);
	cr_assert_eq(look1(x, &k), r2);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.emc_hits, 2);
	cr_assert_eq(st.emc_misses, 2);
	/* Entries keep the low 32 bits of their generation: 2^32 commits later
	 * the entry must miss. The wrap is forged by moving the published
	 * snapshot's generation on by 2^32 (r2 stays visible in it). */
	c->snap->gen += UINT64_C(1) << 32;
	cr_assert_eq(look1(x, &k), r2);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.emc_hits, 2, "an entry from 2^32 generations ago hit");
	cr_assert_eq(st.emc_misses, 3);
	cr_assert_eq(look1(x, &k), r2);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.emc_hits, 3);
	c->snap->gen -= UINT64_C(1) << 32;
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

Test(cls_unit, emc_adaptive_insertion)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 1024);
	struct vs_flow_key keys[32];
	const struct vs_cls_rule *out[32];
	struct vs_cls_ctx_stats st, st2;
	uint32_t flow = 0;

	/* The policy weighs measured cycles where it has samples; this test
	 * keeps every burst untimed so the constant costs decide and the
	 * outcome does not depend on the load of the machine running it (the
	 * measured path has its own tests with synthetic counts). */
	/* 16 masks of equal priority, all searched: a hit saves far more
	 * than a lookup costs, so only the hit ratio can make the EMC lose. */
	for (unsigned i = 0; i < 16; i++) {
		struct vs_cls_match m = m_port_dst(1, htonl(0x0a000000), 8 + i);

		add1(c, &m, 1, 0, NULL);
	}
	/* 200k distinct flows through a 1024-entry cache: insertion backs off,
	 * then nothing hits at all and the cache is bypassed. */
	for (int b = 0; b < 200000 / 32; b++) {
		for (int i = 0; i < 32; i++)
			keys[i] = key_of(1, htonl(0x0a000000 | (flow++ & 0xffffff)));
		x->emc_burst_ctr = 0; /* never a timed burst: the constant costs decide */
		vs_cls_lookup_burst(x, keys, 32, out);
		cr_assert_not_null(out[0]);
	}
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.emc_insert_shift, 8);
	cr_assert_gt(st.emc_insert_skips, st.emc_inserts);
	/* Bypassed: most lookups no longer probe the cache. */
	cr_assert_lt(st.emc_hits + st.emc_misses, st.lookups / 2);
	cr_assert_eq(x->emc_policy.mode, VS_EMC_BYPASS);
	cr_assert_eq(st.emc_bypassed, 1, "the gauge shows the bypass");
	cr_assert_eq(st.emc_cycles_on, 0, "nothing was timed");
	/* 16 flows: the cache can help again; a trial (one every
	 * VS_EMC_TRIAL_EVERY windows) finds so, and insertion recovers. */
	for (int b = 0; b < 300000 / 32; b++) {
		for (int i = 0; i < 32; i++)
			keys[i] = key_of(1, htonl(0x0a000000 | (uint32_t)((b * 32 + i) % 16)));
		x->emc_burst_ctr = 0; /* never a timed burst: the constant costs decide */
		vs_cls_lookup_burst(x, keys, 32, out);
	}
	vs_cls_ctx_stats_get(x, &st2);
	cr_assert_eq(st2.emc_insert_shift, 0);
	cr_assert_eq(st2.emc_bypassed, 0);
	cr_assert_eq(x->emc_policy.mode, VS_EMC_ON);
	cr_assert_geq(x->emc_policy.trials, 1);
	/* Once back on, nearly every lookup hits. */
	for (int b = 0; b < 100000 / 32; b++) {
		for (int i = 0; i < 32; i++)
			keys[i] = key_of(1, htonl(0x0a000000 | (uint32_t)((b * 32 + i) % 16)));
		x->emc_burst_ctr = 0; /* never a timed burst: the constant costs decide */
		vs_cls_lookup_burst(x, keys, 32, out);
	}
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_gt(st.emc_hits - st2.emc_hits, 99000);
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

/*
 * The same working set (6000 flows cycling through a 1024-entry EMC, so about
 * 1 lookup in 6 hits once insertion has backed off) with 1 subtable and with
 * 16 subtables that are all searched (equal priorities): the cache does not
 * pay for its lookups in front of one subtable, so it is bypassed; in front
 * of 16 it does, so it keeps being consulted. Both by measured cycles, with
 * margins of about 2x and 3x (a loaded host slows both sides).
 */
static void
emc_weigh(unsigned n_masks, uint64_t *emc_lookups, uint64_t *lookups, uint32_t *shift)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 1024);
	struct vs_flow_key keys[32];
	const struct vs_cls_rule *out[32];
	struct vs_cls_ctx_stats st;
	uint32_t flow = 0;

	for (unsigned i = 0; i < n_masks; i++) {
		struct vs_cls_match m = m_port_dst(1, htonl(0x0a000000), 8 + i);

		add1(c, &m, 1, 0, NULL);
	}
	for (int b = 0; b < 400000 / 32; b++) {
		for (int i = 0; i < 32; i++)
			keys[i] = key_of(1, htonl(0x0a000000 | (flow++ % 6000)));
		x->emc_burst_ctr = 0; /* never a timed burst: the constant costs decide */
		vs_cls_lookup_burst(x, keys, 32, out);
		cr_assert_not_null(out[0]);
	}
	vs_cls_ctx_stats_get(x, &st);
	*emc_lookups = st.emc_hits + st.emc_misses;
	*lookups = st.lookups;
	*shift = st.emc_insert_shift;
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

Test(cls_unit, emc_bypass_weighs_tss_depth)
{
	uint64_t emc1, all1, emc16, all16;
	uint32_t sh1, sh16;

	emc_weigh(1, &emc1, &all1, &sh1);
	emc_weigh(16, &emc16, &all16, &sh16);
	cr_log_info("1 subtable: %lu of %lu looked up; 16: %lu of %lu", (unsigned long)emc1,
		    (unsigned long)all1, (unsigned long)emc16, (unsigned long)all16);
	cr_assert_eq(sh1, 8);
	cr_assert_eq(sh16, 8);
	cr_assert_lt(emc1, all1 / 2, "1 subtable: the EMC should be bypassed");
	cr_assert_gt(emc16, all16 * 9 / 10, "16 subtables: the EMC should stay in use");
}

/*
 * Keys behind one prefix share their masked key, and the TSS looks a masked
 * key up once for a run of candidates that share it. Runs of each prefix,
 * broken by the other prefix and by keys no rule matches, must each get
 * their own rule: a run reused past its end would give the wrong verdict.
 */
Test(cls_unit, shared_masked_key_runs)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 0);
	struct vs_cls_match ma = m_port_dst(1, htonl(0x0a000000), 16);
	struct vs_cls_match mb = m_port_dst(1, htonl(0x0a010000), 16);
	struct vs_cls_rule *ra = add1(c, &ma, 10, 0, NULL), *rb = add1(c, &mb, 10, 0, NULL);
	static const char pattern[] = "aaaabbbaaxaabbxxbbbbaaaaaxbabbaa";
	struct vs_flow_key keys[32];
	const struct vs_cls_rule *out[32];

	cr_assert_eq(sizeof(pattern) - 1, 32);
	for (uint32_t i = 0; i < 32; i++) {
		uint32_t net = pattern[i] == 'a'   ? 0x0a000000
			       : pattern[i] == 'b' ? 0x0a010000
						   : 0x0b000000;

		keys[i] = key_of(1, htonl(net | (i * 7 + 1)));
	}
	for (int round = 0; round < 2; round++) {
		vs_cls_lookup_burst(x, keys, 32, out);
		for (uint32_t i = 0; i < 32; i++) {
			const struct vs_cls_rule *want = pattern[i] == 'a'   ? ra
							 : pattern[i] == 'b' ? rb
									     : NULL;

			cr_assert_eq(out[i], want, "key %u ('%c')", i, pattern[i]);
		}
	}
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

static int
count_cb(const struct vs_cls_rule *r, void *arg)
{
	unsigned *n = arg;

	cr_assert_eq(r->match.key.in_port, r->priority);
	(*n)++;
	return 0;
}

Test(cls_unit, foreach_and_count)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_txn *t = vs_cls_txn_begin(c);
	unsigned n = 0;

	for (uint16_t p = 0; p < 10; p++) {
		struct vs_cls_match m = m_port_only(p);

		cr_assert_eq(vs_cls_rule_add(t, &m, p, 0, NULL, NULL), 0);
	}
	cr_assert_eq(vs_cls_txn_commit(t), 0);
	cr_assert_eq(vs_cls_rule_count(c), 10);
	cr_assert_eq(vs_cls_rule_foreach(c, count_cb, &n), 0);
	cr_assert_eq(n, 10);
	vs_cls_destroy(c);
}

Test(cls_unit, range_to_masks)
{
	uint16_t val[32], mask[32];
	static const struct {
		uint16_t lo, hi;
		unsigned n;
	} cases[] = {
	    {0, 65535, 1}, {1, 65534, 30},  {80, 80, 1}, {1024, 65535, 6},
	    {0, 1023, 1},  {1000, 2000, 8}, {5, 4, 0},
	};

	for (unsigned c = 0; c < RTE_DIM(cases); c++) {
		unsigned n = vs_cls_range_to_masks(cases[c].lo, cases[c].hi, val, mask);

		cr_assert_eq(n, cases[c].n, "[%u,%u]: %u masks", cases[c].lo, cases[c].hi, n);
	}
	/* Exhaustive membership on pseudo-random ranges: exactly [lo, hi] covered once. */
	uint64_t s = 42;

	for (int it = 0; it < 40; it++) {
		uint16_t a = (uint16_t)cls_test_rand(&s), b = (uint16_t)cls_test_rand(&s);
		uint16_t lo = a < b ? a : b, hi = a < b ? b : a;
		unsigned n = vs_cls_range_to_masks(lo, hi, val, mask);

		cr_assert_leq(n, 30);
		for (uint32_t v = 0; v <= 0xffff; v++) {
			unsigned cover = 0;

			for (unsigned i = 0; i < n; i++)
				cover += (v & mask[i]) == val[i];
			cr_assert_eq(cover, v >= lo && v <= hi, "v=%u [%u,%u]", v, lo, hi);
		}
	}
}

/* One subtable with 20k keys: table growth, bucket overflow, deletions. */
Test(cls_unit, large_subtable)
{
	struct vs_cls *c = mk_cls(32768, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 0);
	static struct vs_cls_rule *r[20000];
	struct vs_flow_key keys[32];
	const struct vs_cls_rule *out[32];
	struct vs_cls_txn *t;

	for (uint32_t base = 0; base < 20000; base += 5000) {
		t = vs_cls_txn_begin(c);
		for (uint32_t i = base; i < base + 5000; i++) {
			struct vs_cls_match m = m_port_dst(1, htonl(0x0a000000 + i * 7919), 32);

			cr_assert_eq(vs_cls_rule_add(t, &m, 1, i, NULL, &r[i]), 0);
		}
		cr_assert_eq(vs_cls_txn_commit(t), 0);
	}
	t = vs_cls_txn_begin(c);
	for (uint32_t i = 0; i < 20000; i += 2)
		cr_assert_eq(vs_cls_rule_del(t, r[i]), 0);
	cr_assert_eq(vs_cls_txn_commit(t), 0);
	cr_assert_eq(vs_cls_rule_count(c), 10000);
	for (uint32_t i = 0; i < 20000; i += 32) {
		unsigned n = RTE_MIN(32u, 20000 - i);

		for (unsigned j = 0; j < n; j++)
			keys[j] = key_of(1, htonl(0x0a000000 + (i + j) * 7919));
		vs_cls_lookup_burst(x, keys, (uint16_t)n, out);
		for (unsigned j = 0; j < n; j++) {
			if ((i + j) % 2 == 0)
				cr_assert_null(out[j], "key %u", i + j);
			else
				cr_assert_eq(out[j], r[i + j], "key %u", i + j);
		}
	}
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

/*
 * Keys whose hashes share the first bucket and the 16-bit slot signature of
 * a small subtable (found by search with the table's own hash): a lookup
 * must compare keys, not trust the signature, before and after a delete, and
 * a key that shares both but has no rule must miss.
 */
Test(cls_unit, signature_collisions)
{
	struct vs_cls *c = mk_cls(64, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 0);
	struct vs_cls_rule *r[3];
	uint32_t dst[4], n = 0, want_b = 0, want_sig = 0;

	/* Compressed key of m_port_dst(1, d, 32): word 0 (in_port), word 5
	 * (the first 4 bytes of ip_dst). The subtable starts at 8 buckets. */
	for (uint32_t i = 0; n < 4 && i < (1u << 26); i++) {
		uint32_t d = htonl(0x0a000000 + i);
		uint64_t ck[2] = {1, 0};
		uint32_t h;

		memcpy(&ck[1], &d, 4);
		h = cls_tbl_hash(ck, 2);
		if (n == 0) {
			want_b = h & 7;
			want_sig = cls_tbl_sig(h);
		} else if ((h & 7) != want_b || cls_tbl_sig(h) != want_sig) {
			continue;
		}
		dst[n++] = d;
	}
	cr_assert_eq(n, 4, "no colliding keys found");
	for (unsigned i = 0; i < 3; i++) {
		struct vs_cls_match m = m_port_dst(1, dst[i], 32);

		r[i] = add1(c, &m, 10 + (int32_t)i, 0, NULL);
	}
	for (unsigned i = 0; i < 3; i++) {
		struct vs_flow_key k = key_of(1, dst[i]);

		cr_assert_eq(look1(x, &k), r[i], "key %u", i);
	}
	{
		struct vs_flow_key k = key_of(1, dst[3]);

		cr_assert_null(look1(x, &k));
	}
	del1(c, r[0]);
	for (unsigned i = 0; i < 4; i++) {
		struct vs_flow_key k = key_of(1, dst[i]);

		if (i == 1 || i == 2)
			cr_assert_eq(look1(x, &k), r[i], "key %u after delete", i);
		else
			cr_assert_null(look1(x, &k), "key %u after delete", i);
	}
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

/*
 * One masked key shared by up to 40 rules: its node grows through every slab
 * size class into rte_malloc's range (over 8 cache lines) and back down as
 * the rules go, and every step's lookup sees the best rule left.
 */
Test(cls_unit, node_sizes)
{
	struct vs_cls *c = mk_cls(128, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 0);
	struct vs_cls_match m = m_port_dst(2, htonl(0xc0a80100), 24);
	struct vs_flow_key k = key_of(2, htonl(0xc0a80107));
	struct vs_cls_rule *r[40];

	for (int32_t i = 0; i < 40; i++) {
		/* Alternate low and high so each insert lands inside the node. */
		int32_t prio = i % 2 ? 1000 + i : 1000 - i;

		r[i] = add1(c, &m, prio, 0, NULL);
		cr_assert_eq(look1(x, &k), r[i % 2 ? i : (i >= 1 ? i - 1 : 0)], "after add %d", i);
		vs_cls_reclaim(c);
	}
	/* Highest first: odd indexes descending, then even ascending. */
	for (int32_t i = 39; i >= 1; i -= 2) {
		del1(c, r[i]);
		vs_cls_reclaim(c);
		cr_assert_eq(look1(x, &k), i >= 3 ? r[i - 2] : r[0], "after del %d", i);
	}
	for (int32_t i = 0; i < 40; i += 2) {
		del1(c, r[i]);
		vs_cls_reclaim(c);
		if (i + 2 < 40)
			cr_assert_eq(look1(x, &k), r[i + 2], "after del %d", i);
		else
			cr_assert_null(look1(x, &k));
	}
	cr_assert_eq(vs_cls_rule_count(c), 0);
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

Test(cls_unit, port_vlan_fast_path)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 1024);
	struct vs_cls_match mp = m_port_only(3), mv = m_port_only(3), mv2, mo;
	struct vs_flow_key k_v10 = key_of(3, htonl(0x0a000001)), k_v20, k_none;
	struct vs_cls_ctx_stats st;
	struct vs_cls_rule *rp, *rv, *rv2, *ro;

	mv.key.vlan_tci = VS_VLAN_PRESENT | 10;
	mv.mask.vlan_tci = VS_VLAN_PRESENT | VS_VLAN_VID_MASK;
	mv2 = mv;
	mv2.key.vlan_tci = VS_VLAN_PRESENT | 20;
	k_v10.vlan_tci = VS_VLAN_PRESENT | 10 | (5 << VS_VLAN_PCP_SHIFT); /* PCP ignored */
	k_v20 = k_v10;
	k_v20.vlan_tci = VS_VLAN_PRESENT | 20;
	k_none = key_of(3, htonl(0x0a000001));
	rp = add1(c, &mp, 10, 0, NULL);
	rv = add1(c, &mv, 30, 0, NULL);
	rv2 = add1(c, &mv2, 5, 0, NULL); /* loses to the port rule */
	cr_assert_eq(look1(x, &k_v10), rv);
	cr_assert_eq(look1(x, &k_v20), rp);
	cr_assert_eq(look1(x, &k_none), rp);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.port_fast_hits, 3);
	/* A rule elsewhere above the port rule but below the VLAN 10 rule. */
	mo = m_port_dst(3, htonl(0x0a000000), 8);
	ro = add1(c, &mo, 20, 0, NULL);
	cr_assert_eq(look1(x, &k_v10), rv); /* still fast */
	cr_assert_eq(look1(x, &k_v20), ro); /* no longer fast */
	cr_assert_eq(look1(x, &k_none), ro);
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.port_fast_hits, 4);
	del1(c, rv);
	cr_assert_eq(look1(x, &k_v10), ro);
	(void)rv2;
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

/* Destroy with an open transaction, staged deletes and objects still
 * waiting for a reader that never quiesced: everything freed exactly once
 * (ASan checks for double frees and use after free). */
Test(cls_unit, destroy_mid_flight)
{
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *q = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	struct free_log fl = {0};
	struct vs_cls *c;
	struct vs_cls_rule *r[8];
	struct vs_cls_txn *t;

	cr_assert_eq(rte_rcu_qsbr_init(q, 1), 0);
	cr_assert_eq(rte_rcu_qsbr_thread_register(q, 0), 0);
	rte_rcu_qsbr_thread_online(q, 0);
	c = mk_cls(0, q, log_free, &fl);
	for (uint16_t i = 0; i < 8; i++) {
		struct vs_cls_match m =
		    i % 2 ? m_port_only(i) : m_port_dst(i, htonl(0x0a000000), 8);

		r[i] = add1(c, &m, i, 0, (void *)(uintptr_t)(i + 1));
	}
	del1(c, r[0]);
	del1(c, r[1]);
	vs_cls_reclaim(c);
	cr_assert_eq(fl.n, 0);
	t = vs_cls_txn_begin(c);
	cr_assert_eq(vs_cls_rule_del(t, r[2]), 0);
	struct vs_cls_match m9 = m_port_dst(9, htonl(0x0b000000), 16);

	cr_assert_eq(vs_cls_rule_add(t, &m9, 1, 0, (void *)(uintptr_t)100, NULL), 0);
	vs_cls_destroy(c);
	/* 8 committed rules + 1 staged: every data freed once. */
	cr_assert_eq(fl.n, 9);
	rte_free(q);
}

/* More than 64 keys (outside the contract) are still answered correctly. */
Test(cls_unit, burst_over_64)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 256);
	struct vs_cls_match m = m_port_dst(1, htonl(0x0a000000), 8);
	static struct vs_flow_key keys[150];
	const struct vs_cls_rule *out[150];
	struct vs_cls_rule *r = add1(c, &m, 1, 0, NULL);

	for (unsigned i = 0; i < 150; i++)
		keys[i] = key_of(1, htonl((i % 2 ? 0x0a000000 : 0x0b000000) + i));
	vs_cls_lookup_burst(x, keys, 150, out);
	for (unsigned i = 0; i < 150; i++)
		cr_assert_eq(out[i], i % 2 ? r : NULL, "key %u", i);
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

/*
 * The EMC policy alone (emc_policy.c), driven with synthetic windows. Costs
 * are cycles per key: an EMC lookup of a cache that holds the working set
 * costs about 20, one that misses into memory about 55 (with the insertion
 * that follows); one subtable's search about 40.
 */
static struct vs_emc_win
win_emc(uint32_t lookups, uint32_t hits, uint32_t emc_cyc, uint32_t tss_cyc)
{
	struct vs_emc_win w = {
	    .keys = lookups,
	    .lookups = lookups,
	    .hits = hits,
	    .tss_keys = lookups - hits,
	    .tss_probes = lookups - hits,
	    .s_emc_keys = lookups / 16,
	    .s_emc_cyc = (uint64_t)(lookups / 16) * emc_cyc,
	    .s_tss_keys = VS_EMC_MIN_SAMPLES,
	    .s_tss_cyc = (uint64_t)VS_EMC_MIN_SAMPLES * tss_cyc,
	};
	return w;
}

static struct vs_emc_win
win_bypassed(uint32_t keys, uint32_t tss_cyc)
{
	struct vs_emc_win w = {
	    .keys = keys,
	    .tss_keys = keys,
	    .tss_probes = keys,
	    .s_tss_keys = keys / 16,
	    .s_tss_cyc = (uint64_t)(keys / 16) * tss_cyc,
	};
	return w;
}

/* Bypassed windows until a trial starts; returns how many it took. */
static unsigned
until_trial(struct vs_emc_policy *p, uint32_t tss_cyc)
{
	struct vs_emc_win w = win_bypassed(4096, tss_cyc);
	unsigned n = 0;

	while (p->mode == VS_EMC_BYPASS && n < 1000) {
		vs_emc_policy_step(p, &w);
		n++;
	}
	return n;
}

/* Steps with window w until the averaged costs have settled on it. */
static void
settle(struct vs_emc_policy *p, const struct vs_emc_win *w, int n)
{
	for (int i = 0; i < n; i++)
		vs_emc_policy_step(p, w);
}

Test(cls_unit, emc_policy_by_cost)
{
	struct vs_emc_policy p;
	struct vs_emc_win w;

	vs_emc_policy_init(&p);
	/* High locality (1k flows, all cached): the EMC is kept. */
	w = win_emc(4096, 4090, 20, 40);
	settle(&p, &w, 50);
	cr_assert_eq(p.mode, VS_EMC_ON);
	cr_assert_eq(p.shift, 0);
	cr_assert_eq(p.emc_cyc16, 20 * 16);
	cr_assert_eq(p.tss_cyc16, 40 * 16);
	/* 10k flows in 8k entries: 66 % hits, but lookups and insertions that
	 * miss the CPU caches cost more than the 66 % of searches they save
	 * (55 > 0.66 x 40): bypass within a few windows (the averages move),
	 * at insertion 1/1 (the ratio is high). */
	w = win_emc(4096, 2703, 55, 40);
	for (int i = 0; i < 4 && p.mode == VS_EMC_ON; i++)
		vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_BYPASS);
	cr_assert_eq(p.shift, 0);
	/* Bypassed: a trial after VS_EMC_TRIAL_EVERY windows, which finds the
	 * same costs and goes back to bypass. */
	cr_assert_eq(until_trial(&p, 40), VS_EMC_TRIAL_EVERY);
	cr_assert_eq(p.mode, VS_EMC_TRIAL_WARM);
	cr_assert_eq(p.trials, 1);
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_TRIAL);
	cr_assert_eq(p.shift, 0);
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_BYPASS);
	/* The traffic becomes 16 flows: the next trial (twice as far: the
	 * last one kept the bypass) switches back. */
	cr_assert_eq(until_trial(&p, 40), 2 * VS_EMC_TRIAL_EVERY);
	w = win_emc(4096, 4080, 20, 40);
	vs_emc_policy_step(&p, &w);
	w = win_emc(4096, 4096, 18, 40);
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_ON);
	cr_assert_eq(p.trials, 2);
}

Test(cls_unit, emc_policy_hysteresis)
{
	struct vs_emc_policy p;
	struct vs_emc_win w;

	vs_emc_policy_init(&p);
	/* Half the lookups hit, a hit saves 40: the EMC saves 20 a lookup.
	 * Costing 10 % more than that is not enough to leave... */
	w = win_emc(4096, 2048, 22, 40);
	settle(&p, &w, 50);
	cr_assert_eq(p.mode, VS_EMC_ON);
	/* ... 15 % is, for two windows in a row (the averages have
	 * settled on 23: set directly, as the samples would after a while). */
	w = win_emc(4096, 2048, 23, 40);
	p.emc_cyc16 = 23 * 16;
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_ON);
	{
		struct vs_emc_win good = win_emc(4096, 4096, 23, 40);

		vs_emc_policy_step(&p, &good); /* a winning window in between */
	}
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_ON, "the losing windows were not in a row");
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_BYPASS);
	/* A trial that saves 10 % more than it costs does not come back... */
	w = win_emc(4096, 2048, 18, 40);
	p.emc_cyc16 = 18 * 16; /* (the average does not move while bypassed) */
	until_trial(&p, 40);
	vs_emc_policy_step(&p, &w);
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_BYPASS);
	/* ... one that saves 20 % more does. */
	w = win_emc(4096, 2048, 16, 40);
	p.emc_cyc16 = 16 * 16;
	until_trial(&p, 40);
	vs_emc_policy_step(&p, &w);
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_ON);
}

Test(cls_unit, emc_policy_backoff_before_bypass)
{
	struct vs_emc_policy p;
	struct vs_emc_win w;

	vs_emc_policy_init(&p);
	/* Thrashing (5 % hits): insertion backs off a step per window, and
	 * the EMC is judged only once it has settled at 1/256. */
	w = win_emc(4096, 200, 30, 40);
	for (unsigned i = 0; i < VS_EMC_SHIFT_MAX; i++) {
		vs_emc_policy_step(&p, &w);
		cr_assert_eq(p.mode, VS_EMC_ON, "window %u", i);
		cr_assert_eq(p.shift, i + 1);
	}
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_ON, "one losing window is not enough");
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_BYPASS);
	/* A trial warms at 1/1; still thrashing, it gets its 1/256 back. */
	until_trial(&p, 40);
	cr_assert_eq(p.shift, 0);
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.shift, VS_EMC_SHIFT_MAX);
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_BYPASS);
	/* In front of an expensive search (16 subtables, 300 cycles) the same
	 * cache at 1/256 pays: 17 % x 300 > 30. */
	vs_emc_policy_init(&p);
	w = win_emc(4096, 700, 30, 300);
	settle(&p, &w, 20);
	cr_assert_eq(p.mode, VS_EMC_ON);
	cr_assert_eq(p.shift, VS_EMC_SHIFT_MAX);
}

/* Windows with the classification cycles per key measured (s_keys, s_cyc):
 * with the EMC on, hits of 4096 keys, the model's inputs (emc_cyc per
 * lookup, tss_cyc per key searched) and on_cyc per key in all; bypassed,
 * off_cyc per key. A probe or trial window times every burst. */
static struct vs_emc_win
win_on(uint32_t hits, uint32_t emc_cyc, uint32_t tss_cyc, uint32_t on_cyc)
{
	struct vs_emc_win w = win_emc(4096, hits, emc_cyc, tss_cyc);

	w.s_keys = 256;
	w.s_cyc = (uint64_t)256 * on_cyc;
	return w;
}

static struct vs_emc_win
win_off(uint32_t off_cyc)
{
	struct vs_emc_win w = win_bypassed(4096, off_cyc);

	w.s_keys = 4096;
	w.s_cyc = (uint64_t)4096 * off_cyc;
	return w;
}

/* n windows, each the one the policy's mode makes: bypassed while
 * bypassed or probing, on otherwise. */
static void
run_ab(struct vs_emc_policy *p, const struct vs_emc_win *on, const struct vs_emc_win *off, int n)
{
	for (int i = 0; i < n; i++)
		vs_emc_policy_step(p,
				   p->mode == VS_EMC_BYPASS || p->mode == VS_EMC_PROBE ? off : on);
}

/* Windows run (as run_ab) until *ctr (probes or trials) moves on; the probe
 * or trial is then run to its end. */
static int
until_next(struct vs_emc_policy *p, const struct vs_emc_win *on, const struct vs_emc_win *off,
	   const uint32_t *ctr)
{
	uint32_t was = *ctr;
	int n = 0;

	while (*ctr == was && n < 100000) {
		run_ab(p, on, off, 1);
		n++;
	}
	while (p->mode != VS_EMC_ON && p->mode != VS_EMC_BYPASS)
		run_ab(p, on, off, 1);
	return n;
}

Test(cls_unit, emc_policy_measured_both_ways)
{
	struct vs_emc_policy p;
	struct vs_emc_win on, off = win_off(47);
	uint32_t e = VS_EMC_TRIAL_EVERY;

	vs_emc_policy_init(&p);
	/* 10k flows, 8 masks, as measured (bench/scenarios): 65 % hits, and
	 * the model says keep the EMC (a lookup 60, a miss's search 110:
	 * 60 < 0.65 x 110), but classification costs 83 a key with it and 47
	 * without (32 keys searched at once, the cache's lines out of the
	 * way). The first probe, after VS_EMC_TRIAL_EVERY windows, bypasses. */
	on = win_on(2662, 60, 110, 83);
	run_ab(&p, &on, &off, VS_EMC_TRIAL_EVERY - 1);
	cr_assert_eq(p.mode, VS_EMC_ON, "the model alone keeps it");
	cr_assert_eq(p.on_cyc16, 83 * 16);
	run_ab(&p, &on, &off, 1);
	cr_assert_eq(p.mode, VS_EMC_PROBE);
	cr_assert_eq(p.probes, 1);
	run_ab(&p, &on, &off, 1);
	cr_assert_eq(p.mode, VS_EMC_BYPASS);
	cr_assert_eq(p.off_cyc16, 47 * 16);
	/* Trials find the same and stay bypassed, each after twice the
	 * windows of the one before. */
	for (int t = 1; t <= 3; t++, e *= 2) {
		cr_assert_eq(until_next(&p, &on, &off, &p.trials), (int)e, "trial %d", t);
		cr_assert_eq(p.mode, VS_EMC_BYPASS);
	}
	cr_assert_eq(p.on_cyc16, 83 * 16, "the judged trial window measured it");
	/* 1k flows: 22 a key with the EMC; the next trial takes it back, and
	 * its probes, from VS_EMC_TRIAL_EVERY on again, find the bypass
	 * dearer. */
	on = win_on(4090, 20, 110, 22);
	cr_assert_eq(until_next(&p, &on, &off, &p.trials), (int)e);
	cr_assert_eq(p.mode, VS_EMC_ON);
	cr_assert_eq(p.trials, 4);
	e = VS_EMC_TRIAL_EVERY;
	for (int t = 0; t < 2; t++, e *= 2) {
		cr_assert_eq(until_next(&p, &on, &off, &p.probes), (int)e, "probe %d", t);
		cr_assert_eq(p.mode, VS_EMC_ON);
	}
	/* Within the margin (1/16) the EMC stays: 48 with it, 47 without... */
	on = win_on(4090, 20, 110, 48);
	p.on_cyc16 = 48 * 16; /* (as the average settles) */
	cr_assert_eq(until_next(&p, &on, &off, &p.probes), (int)e);
	cr_assert_eq(p.mode, VS_EMC_ON);
	e *= 2;
	/* ... 52 (11 % more) leaves at the next probe. */
	on = win_on(4090, 20, 110, 52);
	p.on_cyc16 = 52 * 16;
	cr_assert_eq(until_next(&p, &on, &off, &p.probes), (int)e);
	cr_assert_eq(p.mode, VS_EMC_BYPASS);
	/* The interval stops growing at VS_EMC_TRIAL_EVERY_MAX. */
	for (int t = 0; t < 8; t++)
		until_next(&p, &on, &off, &p.trials);
	cr_assert_eq(p.mode, VS_EMC_BYPASS);
	cr_assert_eq(until_next(&p, &on, &off, &p.trials), (int)VS_EMC_TRIAL_EVERY_MAX);
	/* Pinned (tests): never probed, never bypassed. */
	vs_emc_policy_init(&p);
	p.pinned = true;
	on = win_on(2662, 60, 110, 83);
	run_ab(&p, &on, &off, 4 * VS_EMC_TRIAL_EVERY);
	cr_assert_eq(p.mode, VS_EMC_ON);
	cr_assert_eq(p.probes, 0);
}

Test(cls_unit, emc_policy_constants_without_samples)
{
	struct vs_emc_policy p;
	struct vs_emc_win w = {
	    .keys = 4096, .lookups = 4096, .hits = 1024, .tss_keys = 3072, .tss_probes = 3072 * 4};

	vs_emc_policy_init(&p);
	/* No timed burst: 19 cycles per lookup, 35 + 7 x 4 per search;
	 * 25 % x 63 = 15.75 < 19: bypass. */
	vs_emc_policy_step(&p, &w);
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.emc_cyc16, 0);
	cr_assert_eq(p.tss_cyc16, 0);
	cr_assert_eq(p.mode, VS_EMC_BYPASS);
	/* With 8 subtables per key (35 + 56 = 91; 22.75 > 19 x 9/8): kept. */
	vs_emc_policy_init(&p);
	w.tss_probes = 3072 * 8;
	vs_emc_policy_step(&p, &w);
	vs_emc_policy_step(&p, &w);
	cr_assert_eq(p.mode, VS_EMC_ON);
}

/*
 * Rule hit counts are added once per run of hits of one rule in a burst:
 * runs broken by another rule and by cached misses must each be counted,
 * on the port fast path and from the EMC.
 */
Test(cls_unit, rule_hits_in_runs)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 1024);
	struct vs_cls_match pa = m_port_only(7), pb = m_port_only(8);
	struct vs_cls_match ea = m_port_dst(1, htonl(0x0a000000), 16);
	struct vs_cls_match eb = m_port_dst(1, htonl(0x0b000000), 16);
	struct vs_cls_rule *rpa = add1(c, &pa, 1, 0, NULL), *rpb = add1(c, &pb, 1, 0, NULL);
	struct vs_cls_rule *rea = add1(c, &ea, 1, 0, NULL), *reb = add1(c, &eb, 1, 0, NULL);
	/* a: rule a, b: rule b, x: no rule (a cached miss) */
	static const char pattern[] = "aaabbaxxaabxba";
	struct vs_flow_key kp[sizeof(pattern) - 1], ke[sizeof(pattern) - 1];
	const struct vs_cls_rule *out[sizeof(pattern) - 1];
	uint64_t na = 0, nb = 0;

	for (unsigned i = 0; i < sizeof(pattern) - 1; i++) {
		char p = pattern[i];

		kp[i] = key_of(p == 'a' ? 7 : p == 'b' ? 8 : 9, htonl(0x0c000001));
		ke[i] = key_of(1, htonl((p == 'a'   ? 0x0a000000u
					 : p == 'b' ? 0x0b000000u
						    : 0x0c000000u) |
					i));
		na += p == 'a';
		nb += p == 'b';
	}
	/* Three times: the first fills the EMC, the others hit it. */
	for (int round = 0; round < 3; round++) {
		vs_cls_lookup_burst(x, kp, sizeof(pattern) - 1, out);
		vs_cls_lookup_burst(x, ke, sizeof(pattern) - 1, out);
	}
	cr_assert_eq(vs_cls_ctx_rule_hits(x, rpa->id), 3 * na);
	cr_assert_eq(vs_cls_ctx_rule_hits(x, rpb->id), 3 * nb);
	cr_assert_eq(vs_cls_ctx_rule_hits(x, rea->id), 3 * na);
	cr_assert_eq(vs_cls_ctx_rule_hits(x, reb->id), 3 * nb);
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

/*
 * Trains: a key equal to the one before it in the burst takes that key's
 * answer from the EMC probe (emc_dp.h). A train after a miss must miss too
 * and get its rule from the tuple search, a train after a hit the same rule,
 * and a train of another key right after one must not take its answer; the
 * counters count every packet.
 */
Test(cls_unit, emc_trains)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 1024);
	struct vs_cls_match ma = m_port_dst(1, htonl(0x0a000000), 16);
	struct vs_cls_match mb = m_port_dst(1, htonl(0x0b000000), 24);
	struct vs_cls_rule *ra = add1(c, &ma, 1, 0, NULL), *rb = add1(c, &mb, 2, 0, NULL);
	/* a, b: one flow of rule a / b; c: another flow of rule a; x: no rule */
	static const char *const bursts[] = {"aaaabbbxxxaa", "aaaacccbbxxa", "cbcbccaaaaaa"};
	struct vs_cls_ctx_stats st;
	uint64_t n = 0, na = 0, nb = 0, hits = 0, misses = 0;

	for (unsigned b = 0; b < RTE_DIM(bursts); b++) {
		const char *p = bursts[b];
		size_t len = strlen(p);
		struct vs_flow_key k[16];
		const struct vs_cls_rule *out[16];

		for (size_t i = 0; i < len; i++) {
			k[i] = key_of(1, htonl(p[i] == 'a'   ? 0x0a000001u
					       : p[i] == 'b' ? 0x0b000001u
					       : p[i] == 'c' ? 0x0a000002u
							     : 0x0c000001u));
			out[i] = (const void *)1;
		}
		vs_cls_lookup_burst(x, k, (uint16_t)len, out);
		for (size_t i = 0; i < len; i++) {
			const struct vs_cls_rule *want = p[i] == 'b' ? rb : p[i] == 'x' ? NULL : ra;

			cr_assert_eq(out[i], want, "burst %u (%s) packet %zu: wrong rule", b, p, i);
			na += want == ra;
			nb += want == rb;
		}
		n += len;
		/* Each distinct key misses the first time it is seen. */
		if (b == 0)
			misses += len;
		else if (b == 1)
			misses += 3, hits += len - 3;
		else
			hits += len;
	}
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.lookups, n);
	cr_assert_eq(st.emc_hits, hits);
	cr_assert_eq(st.emc_misses, misses);
	cr_assert_eq(vs_cls_ctx_rule_hits(x, ra->id), na);
	cr_assert_eq(vs_cls_ctx_rule_hits(x, rb->id), nb);
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

/* Bit b of key k flipped (b counts from byte 0's least significant bit). */
static struct vs_flow_key
key_flip(struct vs_flow_key k, unsigned b)
{
	((uint8_t *)&k)[b / 8] ^= (uint8_t)(1u << (b % 8));
	return k;
}

/*
 * Two different keys with the same EMC hash, side by side in a burst: the
 * second is compared with the first, not taken for it. vs_emc_hash is a
 * chain of CRCs, linear over GF(2): H(k1) == H(k2) exactly when the hash
 * difference of k1 ^ k2 is 0. The pair is solved for: k1 in 10.0.0.0/8
 * (the rule), k2 with the destination's first byte 11 (no rule) and some of
 * the source address and MAC bits flipped to cancel that difference.
 */
Test(cls_unit, emc_trains_hash_collision)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 1024);
	struct vs_cls_match ma = m_port_dst(1, htonl(0x0a000000), 8);
	struct vs_cls_rule *ra = add1(c, &ma, 1, 0, NULL);
	const unsigned top = offsetof(struct vs_flow_key, ip_dst) * 8; /* 10 -> 11 */
	struct vs_flow_key k[4], tr[7];
	const struct vs_cls_rule *out[7];
	/* Free bits: the source address and both MACs; rows of an elimination
	 * carry the set of free bits they combine. */
	unsigned free_bits[128], n_free = 0;
	uint32_t row[128], pivot_row[32];
	__uint128_t set[128], pivot_set[32];
	bool have[32] = {false};
	uint32_t h0, want;
	__uint128_t sol = 0;

	k[0] = key_of(1, htonl(0x0a000001));
	h0 = vs_emc_hash(&k[0]);
	for (unsigned b = 0; b < 32; b++)
		free_bits[n_free++] = offsetof(struct vs_flow_key, ip_src) * 8 + b;
	for (unsigned b = 0; b < 96; b++)
		free_bits[n_free++] = offsetof(struct vs_flow_key, eth_dst) * 8 + b;
	for (unsigned i = 0; i < n_free; i++) {
		struct vs_flow_key t = key_flip(k[0], free_bits[i]);

		row[i] = vs_emc_hash(&t) ^ h0;
		set[i] = (__uint128_t)1 << i;
		for (unsigned p = 0; p < 32 && row[i] != 0; p++) {
			if (!(row[i] >> p & 1))
				continue;
			if (!have[p]) {
				have[p] = true;
				pivot_row[p] = row[i];
				pivot_set[p] = set[i];
				break;
			}
			row[i] ^= pivot_row[p];
			set[i] ^= pivot_set[p];
		}
	}
	/* Express the top bit's difference in the pivots. */
	{
		struct vs_flow_key t = key_flip(k[0], top);

		want = vs_emc_hash(&t) ^ h0;
	}
	for (unsigned p = 0; p < 32 && want != 0; p++) {
		if (!(want >> p & 1))
			continue;
		cr_assert(have[p], "the free bits do not span hash bit %u", p);
		want ^= pivot_row[p];
		sol ^= pivot_set[p];
	}
	k[1] = key_flip(k[0], top);
	for (unsigned i = 0; i < n_free; i++)
		if ((sol >> i) & 1)
			k[1] = key_flip(k[1], free_bits[i]);
	cr_assert_eq(k[1].ip_dst[0], 11);
	cr_assert_eq(vs_emc_hash(&k[0]), vs_emc_hash(&k[1]), "the solved keys do not collide");
	k[2] = k[0];
	k[3] = k[1];
	/* First with an empty cache, then with both keys cached. */
	for (int round = 0; round < 2; round++) {
		vs_cls_lookup_burst(x, k, 4, out);
		for (int i = 0; i < 4; i++)
			cr_assert_eq(out[i], i % 2 ? NULL : ra, "round %d packet %d: wrong rule",
				     round, i);
	}
	/* Trains of each: the key after a train is compared with the train's
	 * key before it is hashed, and then again by hash (they collide). */
	{
		static const char pat[] = "0011101";

		for (int i = 0; i < 7; i++)
			tr[i] = k[pat[i] - '0'];
		for (int round = 0; round < 2; round++) {
			vs_cls_lookup_burst(x, tr, 7, out);
			for (int i = 0; i < 7; i++)
				cr_assert_eq(out[i], pat[i] == '1' ? NULL : ra,
					     "trains, round %d packet %d: wrong rule", round, i);
		}
	}
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

/*
 * Keys of frames decapsulated from a vxlan port carry tun_id / tun_src in
 * word 7, which an EMC entry does not hold (only the fragment byte): such a
 * key is never cached, so it can neither hit an entry nor leave one that a
 * key of the same inner headers from elsewhere (another remote, no tunnel)
 * would take. tun_src 0.0.1.2 is the worst case: the hash folds word 7 in
 * shifted by 17, which drops those bytes, so both keys hash alike.
 */
Test(cls_unit, emc_never_caches_tunnel_keys)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_ctx *x = mk_ctx(c, 1024);
	struct vs_cls_match mt = m_port_dst(1, htonl(0x0a000000), 8), mp = mt;
	static const uint8_t remote[4] = {0, 0, 1, 2};
	struct vs_flow_key kt = key_of(1, htonl(0x0a000001)), kp = kt;
	struct vs_cls_rule *rt, *rp;
	struct vs_cls_ctx_stats st;

	memcpy(mt.key.tun_src, remote, 4);
	memset(mt.mask.tun_src, 0xff, 4);
	rt = add1(c, &mt, 10, 0, NULL);
	rp = add1(c, &mp, 5, 0, NULL);
	memcpy(kt.tun_src, remote, 4);
	cr_assert_eq(vs_emc_hash(&kt), vs_emc_hash(&kp), "the worst case no longer hashes alike");
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(look1(x, &kt), rt, "tunnel key, lookup %d", i);
		cr_assert_eq(look1(x, &kp), rp, "plain key after the tunnel key, lookup %d", i);
	}
	vs_cls_ctx_stats_get(x, &st);
	cr_assert_eq(st.emc_hits, 2, "the plain key hits from its second lookup on");
	cr_assert_eq(st.emc_inserts, 1, "only the plain key is cached");
	vs_cls_ctx_destroy(x);
	vs_cls_destroy(c);
}

/*
 * Caches of 1, 2 and 4 entries, where keys share places and evict one
 * another at every insertion (a key's second place is its first's
 * neighbour when the hash's halves meet): every answer is the tuple
 * search's, over bursts of three interleaved flows (two of one rule, one
 * of none), and two flows alternating in a cache of 2 both end up cached
 * (each at one of its places) and hit.
 */
Test(cls_unit, emc_tiny_caches)
{
	struct vs_cls *c = mk_cls(0, NULL, NULL, NULL);
	struct vs_cls_match ma = m_port_dst(1, htonl(0x0a000000), 8);
	struct vs_cls_rule *ra = add1(c, &ma, 1, 0, NULL);

	for (uint32_t sz = 1; sz <= 4; sz *= 2) {
		struct vs_cls_ctx *x = mk_ctx(c, sz);
		struct vs_cls_ctx_stats st;
		struct vs_flow_key k[32];
		const struct vs_cls_rule *out[32];

		for (int round = 0; round < 4; round++) {
			for (unsigned i = 0; i < 32; i++)
				k[i] = key_of(
				    1, htonl(i % 3 == 2 ? 0x0b000001u : 0x0a000001u + i % 2));
			vs_cls_lookup_burst(x, k, 32, out);
			for (unsigned i = 0; i < 32; i++)
				cr_assert_eq(out[i], i % 3 == 2 ? NULL : ra,
					     "%u entries, round %d, key %u: wrong rule", sz, round,
					     i);
		}
		vs_cls_ctx_stats_get(x, &st);
		cr_assert_eq(st.emc_hits + st.emc_misses, 4 * 32, "%u entries", sz);
		cr_assert_gt(st.emc_inserts, 0, "%u entries", sz);
		vs_cls_ctx_destroy(x);
	}
	{
		struct vs_cls_ctx *x = mk_ctx(c, 2);
		struct vs_flow_key a = key_of(1, htonl(0x0a000001)),
				   b = key_of(1, htonl(0x0a000002));
		struct vs_cls_ctx_stats st;
		uint32_t ha = vs_emc_hash(&a), hb = vs_emc_hash(&b);

		/* Two keys whose first places differ fill both; keys sharing
		 * their first place fill it and then the other. */
		for (int i = 0; i < 8; i++) {
			cr_assert_eq(look1(x, &a), ra);
			cr_assert_eq(look1(x, &b), ra);
		}
		vs_cls_ctx_stats_get(x, &st);
		cr_assert_eq(st.emc_misses, 2, "first places %u and %u: each key misses once",
			     ha & 1, hb & 1);
		cr_assert_eq(st.emc_hits, 14);
		vs_cls_ctx_destroy(x);
	}
	vs_cls_destroy(c);
}

/* The EMC's key compares see every bit: an entry made from a key equals it
 * in its generation (a hit) and in any (an insertion's same key), whatever
 * verdict it holds, and in no other generation for a hit; no key one bit
 * away from it equals it (word 7's bits past the fragment byte included:
 * the entry holds none of them), nor an entry one bit away in the key, the
 * valid bit or, for a hit, the generation; two keys are the same only when
 * every bit is. */
Test(cls_unit, emc_compare_every_bit)
{
	struct cls_emc_entry e __rte_cache_aligned, f __rte_cache_aligned;
	struct vs_flow_key k = key_of(3, htonl(0x0a000001)), t;
	const uint64_t gen = UINT64_C(0x9abcdef012345678), tag = vs_emc_tag(gen);
	const unsigned last = (VS_FLOW_KEY_WORDS - 1) * 64;

	memset(k.eth_dst, 0x5a, 6);
	k.l4_dst = 80;
	k.ip_frag = VS_FRAG_FIRST;
	memcpy(e.key, &k, sizeof(e.key));
	e.last = k.ip_frag | tag | (UINT64_C(0x123456) << CLS_EMC_ID_SHIFT);
	cr_assert_eq(vs_emc_id1(e.last), 0x123456);
	cr_assert(vs_emc_key_eq(&e, &k));
	cr_assert(vs_emc_entry_eq(&e, &k, CLS_EMC_HIT_MASK, tag));
	cr_assert_not(vs_emc_entry_eq(&e, &k, CLS_EMC_HIT_MASK, vs_emc_tag(gen + 1)));
	cr_assert(vs_emc_entry_eq(&e, &k, CLS_EMC_HIT_MASK, vs_emc_tag(gen + (UINT64_C(1) << 32))),
		  "only the low half is kept (the high half clears the cache)");
	cr_assert(vs_emc_keys_same(&k, &k));
	memset(&f, 0, sizeof(f));
	cr_assert_not(vs_emc_key_eq(&f, &(struct vs_flow_key){0}), "an empty entry holds no key");
	for (unsigned b = 0; b < sizeof(k) * 8; b++) {
		t = key_flip(k, b);
		cr_assert_not(vs_emc_keys_same(&k, &t), "bit %u", b);
		cr_assert_not(vs_emc_keys_same(&t, &k), "bit %u", b);
		cr_assert_not(vs_emc_key_eq(&e, &t), "key bit %u", b);
		cr_assert_not(vs_emc_entry_eq(&e, &t, CLS_EMC_HIT_MASK, tag), "key bit %u", b);
		f = e;
		((uint8_t *)&f)[b / 8] ^= (uint8_t)(1u << (b % 8));
		if (b < last + CLS_EMC_ID_SHIFT) {
			cr_assert_not(vs_emc_key_eq(&f, &k), "entry bit %u", b);
			cr_assert_not(vs_emc_entry_eq(&f, &k, CLS_EMC_HIT_MASK, tag),
				      "entry bit %u", b);
		} else if (b < last + CLS_EMC_GEN_SHIFT) {
			cr_assert(vs_emc_key_eq(&f, &k), "entry bit %u (the verdict)", b);
			cr_assert(vs_emc_entry_eq(&f, &k, CLS_EMC_HIT_MASK, tag),
				  "entry bit %u (the verdict)", b);
		} else {
			cr_assert(vs_emc_key_eq(&f, &k), "entry bit %u (the generation)", b);
			cr_assert_not(vs_emc_entry_eq(&f, &k, CLS_EMC_HIT_MASK, tag),
				      "entry bit %u (the generation)", b);
		}
	}
}
