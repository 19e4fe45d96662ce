/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MAC learning table, control side (the single writer).
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "vs_l2.h"
#include "vs_log.h"

RTE_LOG_REGISTER_DEFAULT(vs_l2_logtype, NOTICE);

#define VS_L2_LOG(level, ...) VS_LOG(level, vs_l2_logtype, "l2", __VA_ARGS__)

#define VS_L2_RING_SIZE 1024 /* learn events per worker between two ticks */
#define VS_L2_DRAIN	64   /* events dequeued at once */

/* rte_hash RCU: a deleted key's entry is freed after the grace period. */
static void
entry_free(void *arg, void *data)
{
	RTE_SET_USED(arg);
	rte_free(data);
}

struct vs_l2 *
vs_l2_create(const struct vs_l2_params *p)
{
	struct rte_hash_parameters hp = {0};
	struct rte_hash_rcu_config rc = {0};
	char name[RTE_HASH_NAMESIZE];
	struct vs_l2 *l2;
	uint16_t i;
	int err;

	if (p == NULL || p->max_entries == 0 || p->n_workers > VS_CFG_MAX_WORKERS ||
	    p->qsbr == NULL) {
		errno = EINVAL;
		return NULL;
	}
	l2 = rte_zmalloc_socket("vs_l2", sizeof(*l2), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (l2 == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	l2->n_workers = p->n_workers;
	l2->max_entries = p->max_entries;
	l2->aging_s = p->aging_s;
	hp.name = p->name;
	/* cuckoo buckets fill before the last slot: room for max_entries */
	hp.entries = RTE_MAX(p->max_entries + p->max_entries / 8, 16u);
	hp.key_len = sizeof(struct vs_l2_key);
	hp.hash_func = rte_hash_crc;
	hp.socket_id = p->socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
	l2->dp.h = rte_hash_create(&hp);
	if (l2->dp.h == NULL) {
		err = rte_errno ? rte_errno : ENOMEM;
		VS_L2_LOG(ERR, "cannot create the MAC table (%u entries): %s", hp.entries,
			  rte_strerror(err));
		goto fail;
	}
	rc.v = p->qsbr;
	rc.mode = RTE_HASH_QSBR_MODE_DQ;
	rc.key_data_ptr = l2;
	rc.free_key_data_func = entry_free;
	if (rte_hash_rcu_qsbr_add(l2->dp.h, &rc) != 0) {
		err = rte_errno ? rte_errno : EINVAL;
		VS_L2_LOG(ERR, "cannot attach the MAC table to the QSBR: %s", rte_strerror(err));
		goto fail;
	}
	for (i = 0; i < p->n_workers; i++) {
		snprintf(name, sizeof(name), "%s_r%u", p->name, i);
		l2->dp.ring[i] =
		    rte_ring_create_elem(name, sizeof(struct vs_l2_event), VS_L2_RING_SIZE,
					 p->socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (l2->dp.ring[i] == NULL) {
			err = rte_errno ? rte_errno : ENOMEM;
			goto fail;
		}
	}
	return l2;
fail:
	vs_l2_destroy(l2);
	errno = err;
	return NULL;
}

void
vs_l2_destroy(struct vs_l2 *l2)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	uint16_t i;

	if (l2 == NULL)
		return;
	if (l2->dp.h != NULL) {
		/* Workers are gone: the live entries are ours to free. */
		while (rte_hash_iterate(l2->dp.h, &key, &data, &it) >= 0)
			rte_free(data);
		rte_hash_free(l2->dp.h);
	}
	for (i = 0; i < VS_CFG_MAX_WORKERS; i++)
		rte_ring_free(l2->dp.ring[i]);
	rte_free(l2);
}

static int
entry_add(struct vs_l2 *l2, const struct vs_l2_key *k, uint16_t port, uint8_t remote,
	  bool is_static)
{
	struct vs_l2_entry *e;
	int rc;

	if (l2->n_entries >= l2->max_entries) {
		l2->stats.full++;
		return -ENOSPC;
	}
	e = rte_zmalloc("vs_l2_entry", sizeof(*e), 0);
	if (e == NULL)
		return -ENOMEM;
	e->key = *k;
	e->port = port;
	e->remote = remote;
	e->is_static = is_static;
	e->seen = l2->dp.now;
	rc = rte_hash_add_key_data(l2->dp.h, k, e);
	if (rc < 0) {
		rte_free(e);
		if (rc == -ENOSPC)
			l2->stats.full++;
		return rc;
	}
	l2->n_entries++;
	return 0;
}

int
vs_l2_static_add(struct vs_l2 *l2, const uint8_t *mac, uint16_t vlan, uint16_t port)
{
	struct vs_l2_entry *e = vs_l2_lookup(&l2->dp, mac, vlan);
	struct vs_l2_key k;

	if (e != NULL) {
		/* replaces a learned entry: make it static in place */
		__atomic_store_n(&e->remote, VS_L2_REMOTE_NONE, __ATOMIC_RELAXED);
		__atomic_store_n(&e->port, port, __ATOMIC_RELEASE);
		e->is_static = 1;
		return 0;
	}
	vs_l2_key_make(&k, mac, vlan);
	return entry_add(l2, &k, port, VS_L2_REMOTE_NONE, true);
}

static void
apply(struct vs_l2 *l2, const struct vs_l2_event *ev)
{
	struct vs_l2_entry *e = vs_l2_lookup(&l2->dp, ev->key.mac, ev->key.vlan);

	if (e == NULL) {
		if (entry_add(l2, &ev->key, ev->port, ev->remote, false) == 0)
			l2->stats.learned++;
		return;
	}
	if (e->is_static)
		return;
	__atomic_store_n(&e->seen, l2->dp.now, __ATOMIC_RELAXED);
	if (e->port != ev->port || e->remote != ev->remote) {
		/* remote first: a reader that sees the new port sees its remote */
		__atomic_store_n(&e->remote, ev->remote, __ATOMIC_RELAXED);
		__atomic_store_n(&e->port, ev->port, __ATOMIC_RELEASE);
		l2->stats.moved++;
	}
}

static void
entry_del(struct vs_l2 *l2, const struct vs_l2_entry *e)
{
	/* The entry itself is freed by entry_free after the grace period. */
	if (rte_hash_del_key(l2->dp.h, &e->key) >= 0)
		l2->n_entries--;
}

unsigned
vs_l2_tick(struct vs_l2 *l2, uint32_t now)
{
	struct vs_l2_event ev[VS_L2_DRAIN];
	unsigned applied = 0, n, j;
	const void *key;
	void *data;
	uint32_t it = 0;
	uint16_t i;

	if (now > l2->dp.now)
		__atomic_store_n(&l2->dp.now, now, __ATOMIC_RELAXED);
	for (i = 0; i < l2->n_workers; i++) {
		do {
			n = rte_ring_sc_dequeue_burst_elem(l2->dp.ring[i], ev, sizeof(ev[0]),
							   VS_L2_DRAIN, NULL);
			for (j = 0; j < n; j++)
				apply(l2, &ev[j]);
			applied += n;
		} while (n == VS_L2_DRAIN);
	}
	/* Aging: deleting the current key while iterating is allowed. */
	while (rte_hash_iterate(l2->dp.h, &key, &data, &it) >= 0) {
		const struct vs_l2_entry *e = data;
		uint32_t seen = __atomic_load_n(&e->seen, __ATOMIC_RELAXED);

		if (!e->is_static && l2->dp.now - seen >= l2->aging_s && l2->dp.now >= seen) {
			entry_del(l2, e);
			l2->stats.aged++;
		}
	}
	l2->stats.entries = l2->n_entries;
	return applied;
}

unsigned
vs_l2_flush(struct vs_l2 *l2, uint16_t port, bool statics)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	unsigned n = 0;

	while (rte_hash_iterate(l2->dp.h, &key, &data, &it) >= 0) {
		const struct vs_l2_entry *e = data;

		if ((e->is_static && !statics) || (port != UINT16_MAX && e->port != port))
			continue;
		entry_del(l2, e);
		n++;
	}
	l2->stats.entries = l2->n_entries;
	return n;
}

int
vs_l2_walk(struct vs_l2 *l2, vs_l2_walk_fn fn, void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	int rc;

	while (rte_hash_iterate(l2->dp.h, &key, &data, &it) >= 0) {
		const struct vs_l2_entry *e = data;
		uint32_t seen = __atomic_load_n(&e->seen, __ATOMIC_RELAXED);

		rc = fn(e, l2->dp.now >= seen ? l2->dp.now - seen : 0, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}
