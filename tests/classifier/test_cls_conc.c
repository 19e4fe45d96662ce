/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Concurrency: one writer commits transactions that swap the whole rule set
 * between two shapes (A and B, different masks, so subtables are created,
 * emptied and freed all along) while two reader threads look up bursts and
 * report quiescence. Every rule of the set committed as generation G carries
 * G as its data and every key matches some rule, so a burst is consistent iff
 * all its verdicts carry one value, and generations never go backwards.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "cls_test_util.h"
#include "vs_cls.h"

TestSuite(cls_conc, .init = cls_test_eal_init, .timeout = 120);

#define N_READERS 2
#define SET_MAX	  32

struct reader {
	pthread_t tid;
	unsigned id;
	struct vs_cls_ctx *ctx;
	struct rte_rcu_qsbr *q;
	bool *stop;
	unsigned long bursts;
	unsigned long bad;
	unsigned long gens_seen;
	unsigned long lookups;
	char why[160];
};

static void
conc_key(uint64_t *rng, struct vs_flow_key *k)
{
	uint64_t r = cls_test_rand(rng);

	memset(k, 0, sizeof(*k));
	k->in_port = (uint16_t)(r % 6);
	k->eth_type = (r >> 8) & 1 ? 0x0800 : 0x86dd;
	k->ip_dst[0] = 10;
	k->ip_dst[1] = (uint8_t)((r >> 16) % 4);
	k->ip_dst[2] = (uint8_t)((r >> 24) % 4);
	k->ip_dst[3] = (uint8_t)((r >> 32) % 4);
	k->l4_dst = (uint16_t)((r >> 40) % 3 + 79);
}

static void *
reader_main(void *arg)
{
	struct reader *rd = arg;
	struct vs_flow_key keys[32] __attribute__((aligned(64)));
	const struct vs_cls_rule *out[32];
	uint64_t rng = 0xabcdef + rd->id;
	uintptr_t last = 0;

	cpu_set_t all;

	/* The EAL pinned the creating thread to lcore 0; readers may run anywhere. */
	CPU_ZERO(&all);
	for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN) && c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
	rte_rcu_qsbr_thread_register(rd->q, rd->id);
	rte_rcu_qsbr_thread_online(rd->q, rd->id);
	while (!__atomic_load_n(rd->stop, __ATOMIC_SEQ_CST)) {
		uintptr_t g;

		for (unsigned i = 0; i < 32; i++)
			conc_key(&rng, &keys[i]);
		vs_cls_lookup_burst(rd->ctx, keys, 32, out);
		g = out[0] != NULL ? (uintptr_t)out[0]->data : 0;
		for (unsigned i = 0; i < 32; i++) {
			uintptr_t gi = out[i] != NULL ? (uintptr_t)out[i]->data : 0;

			if (gi == 0 || gi != g) {
				if (rd->bad++ == 0)
					snprintf(rd->why, sizeof(rd->why),
						 "key %u: generation %lu, key 0: %lu", i,
						 (unsigned long)gi, (unsigned long)g);
			}
		}
		if (g < last && rd->bad++ == 0)
			snprintf(rd->why, sizeof(rd->why), "generation went back %lu -> %lu",
				 (unsigned long)last, (unsigned long)g);
		if (g != last)
			rd->gens_seen++;
		last = g;
		rd->lookups += 32;
		/* Results are no longer used: report quiescence. */
		rte_rcu_qsbr_quiescent(rd->q, rd->id);
		__atomic_fetch_add(&rd->bursts, 1, __ATOMIC_SEQ_CST);
	}
	rte_rcu_qsbr_thread_offline(rd->q, rd->id);
	rte_rcu_qsbr_thread_unregister(rd->q, rd->id);
	return NULL;
}

static struct vs_cls_match
cm(uint16_t port, bool use_port, uint16_t eth_type, unsigned dst_bytes, uint16_t l4_dst)
{
	struct vs_cls_match m;

	memset(&m, 0, sizeof(m));
	if (use_port) {
		m.key.in_port = port;
		m.mask.in_port = 0xffff;
	}
	if (eth_type) {
		m.key.eth_type = eth_type;
		m.mask.eth_type = 0xffff;
	}
	for (unsigned b = 0; b < dst_bytes; b++) {
		m.key.ip_dst[b] = b == 0 ? 10 : (uint8_t)(b % 2);
		m.mask.ip_dst[b] = 0xff;
	}
	if (l4_dst) {
		m.key.l4_dst = l4_dst;
		m.mask.l4_dst = 0xffff;
	}
	return m;
}

/* Build the rule set of shape A (even) or B (odd) into m[]; returns count. */
static unsigned
rule_set(unsigned shape, struct vs_cls_match *m, int32_t *prio)
{
	unsigned n = 0;

	m[n] = cm(0, false, 0, 0, 0); /* catch-all */
	prio[n++] = 0;
	for (uint16_t p = 0; p < 4; p++) {
		m[n] = cm(p, true, 0, 0, 0); /* port fast path */
		prio[n++] = shape ? 5 : 50;
	}
	if (shape == 0) {
		m[n] = cm(1, true, 0x0800, 2, 0);
		prio[n++] = 60;
		m[n] = cm(0, false, 0x86dd, 1, 0);
		prio[n++] = 20;
		m[n] = cm(0, false, 0, 3, 80);
		prio[n++] = 70;
	} else {
		m[n] = cm(2, true, 0x0800, 4, 0);
		prio[n++] = 60;
		m[n] = cm(0, false, 0x0800, 3, 0);
		prio[n++] = 20;
		m[n] = cm(4, true, 0, 0, 81);
		prio[n++] = 30;
		m[n] = cm(0, false, 0, 2, 79);
		prio[n++] = 10;
	}
	return n;
}

/* Wait until every reader has completed two more bursts. */
static void
wait_readers(struct reader *rd)
{
	unsigned long b[N_READERS];

	for (unsigned i = 0; i < N_READERS; i++)
		b[i] = __atomic_load_n(&rd[i].bursts, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < N_READERS; i++)
		while (__atomic_load_n(&rd[i].bursts, __ATOMIC_SEQ_CST) < b[i] + 2)
			sched_yield();
}

Test(cls_conc, writer_vs_readers)
{
	size_t sz = rte_rcu_qsbr_get_memsize(N_READERS);
	struct rte_rcu_qsbr *q = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	struct vs_cls_params p = {
	    .name = "conc",
	    .max_rules = 2048,
	    .socket_id = SOCKET_ID_ANY,
	    .qsbr = NULL,
	};
	struct vs_cls_ctx_params cp[N_READERS] = {
	    {.emc_entries = 1024, .socket_id = SOCKET_ID_ANY},
	    {.emc_entries = 0, .socket_id = SOCKET_ID_ANY},
	};
	struct reader rd[N_READERS];
	bool stop = false;
	struct vs_cls_rule *live[SET_MAX];
	unsigned n_live = 0, commits = 2000 / cls_test_scale_div();
	struct vs_cls *c;

	cr_assert_not_null(q);
	cr_assert_eq(rte_rcu_qsbr_init(q, N_READERS), 0);
	p.qsbr = q;
	c = vs_cls_create(&p);
	cr_assert_not_null(c);
	memset(rd, 0, sizeof(rd));
	for (unsigned i = 0; i < N_READERS; i++) {
		rd[i].id = i;
		rd[i].q = q;
		rd[i].stop = &stop;
		rd[i].ctx = vs_cls_ctx_create(c, &cp[i]);
		cr_assert_not_null(rd[i].ctx);
	}
	/* Generation 1 before the readers start, so every key has a verdict. */
	for (unsigned it = 0; it <= commits; it++) {
		struct vs_cls_match m[SET_MAX];
		int32_t prio[SET_MAX];
		unsigned n = rule_set(it % 2, m, prio);
		uintptr_t gen = (uintptr_t)vs_cls_generation(c) + 1;
		struct vs_cls_rule *next[SET_MAX];
		struct vs_cls_txn *t;

		for (unsigned pass = 0; pass < (it % 10 == 5 ? 2u : 1u); pass++) {
			t = vs_cls_txn_begin(c);
			cr_assert_not_null(t);
			for (unsigned i = 0; i < n_live; i++)
				cr_assert_eq(vs_cls_rule_del(t, live[i]), 0);
			for (unsigned i = 0; i < n; i++) {
				int ret =
				    vs_cls_rule_add(t, &m[i], prio[i], i, (void *)gen, &next[i]);

				/* Readers lagging a long way behind hold the ids of deleted
				 * rules: the writer waits for them (outside a transaction). */
				while (ret == -ENOSPC) {
					vs_cls_txn_abort(t);
					sched_yield();
					vs_cls_reclaim(c);
					t = vs_cls_txn_begin(c);
					for (unsigned k = 0; k < n_live; k++)
						cr_assert_eq(vs_cls_rule_del(t, live[k]), 0);
					i = 0;
					ret = vs_cls_rule_add(t, &m[i], prio[i], i, (void *)gen,
							      &next[i]);
				}
				cr_assert_eq(ret, 0, "commit %u rule %u: %d", it, i, ret);
			}
			if (pass == 0 && it % 10 == 5) {
				/* An aborted transaction must leave no trace; then redo it. */
				vs_cls_txn_abort(t);
				cr_assert_eq(vs_cls_generation(c), gen - 1);
			}
		}
		/* Every few commits, make sure readers run while the staged rules
		 * sit in the tables, and again while the deleted ones still do. */
		if (it > 0 && it % 8 == 0)
			wait_readers(rd);
		cr_assert_eq(vs_cls_txn_commit(t), 0);
		cr_assert_eq(vs_cls_generation(c), gen);
		memcpy(live, next, sizeof(next[0]) * n);
		n_live = n;
		if (it > 0 && it % 8 == 0)
			wait_readers(rd);
		vs_cls_reclaim(c);
		if (it == 0) {
			for (unsigned i = 0; i < N_READERS; i++)
				cr_assert_eq(pthread_create(&rd[i].tid, NULL, reader_main, &rd[i]),
					     0);
		}
	}
	__atomic_store_n(&stop, true, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < N_READERS; i++)
		pthread_join(rd[i].tid, NULL);
	while (vs_cls_reclaim(c) != 0)
		;
	for (unsigned i = 0; i < N_READERS; i++) {
		cr_log_info("reader %u: %lu lookups, %lu generation changes", i, rd[i].lookups,
			    rd[i].gens_seen);
		cr_expect_eq(rd[i].bad, 0, "reader %u: %lu inconsistent bursts, first: %s", i,
			     rd[i].bad, rd[i].why);
		cr_expect_geq(rd[i].gens_seen, 100);
		vs_cls_ctx_destroy(rd[i].ctx);
	}
	cr_assert_eq(vs_cls_rule_count(c), rule_set(commits % 2, (struct vs_cls_match[SET_MAX]){0},
						    (int32_t[SET_MAX]){0}));
	vs_cls_destroy(c);
	rte_free(q);
}
