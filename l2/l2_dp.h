/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MAC learning table as the fast path sees it (normal action).
 *
 * One rte_hash per switch keyed by (MAC, VLAN), created with
 * RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF and attached to the switch's QSBR
 * variable (rte_hash_rcu_qsbr_add, defer-queue mode): workers look up
 * without locks while the control thread, the table's only writer, adds,
 * moves and deletes entries; a deleted entry is freed after a grace period.
 *
 * Workers never write the table. A source MAC that is new, or known on
 * another port, becomes a learn event in the worker's own single-producer
 * ring, which the control thread drains (vs_l2_tick). The one field a worker
 * writes is an entry's last-seen second, and only when it differs from the
 * coarse clock the control thread publishes (once a second per entry at most).
 */
#ifndef VS_L2_DP_H
#define VS_L2_DP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash.h>

#include "vs_config.h"

struct rte_ring;

#define VS_L2_VLANS 4096

/* Hash key: 8 bytes, so one compare. */
/* 8 bytes, 8-byte aligned: rte_hash's CRC reads keys 8 bytes at a time. */
struct vs_l2_key {
	uint8_t mac[6];
	uint16_t vlan;
} __rte_aligned(8);

/* remote of an entry behind no tunnel (a port that is not a vxlan port). */
#define VS_L2_REMOTE_NONE 0xff

struct vs_l2_entry {
	struct vs_l2_key key; /* dp: ro, ctl: ro */
	uint16_t port;	      /* dp: ro, ctl: rw (a move) */
	uint8_t is_static;    /* dp: ro, ctl: ro */
	/* Behind a vxlan port: the index of the remote VTEP the MAC was seen
	 * behind (its remote_ip list); written before port on a move, so a
	 * reader that sees the new port sees its remote. dp: ro, ctl: rw. */
	uint8_t remote;
	uint32_t seen; /* last second the source was seen; dp: rw, ctl: rw */
};

/* A learn (or move) request from a worker. */
struct vs_l2_event {
	struct vs_l2_key key;
	uint16_t port;
	uint8_t remote; /* VS_L2_REMOTE_NONE unless port is a vxlan port */
	uint8_t pad;	/* ring elements are multiples of 4 bytes */
};

struct vs_l2_dp {
	struct rte_hash *h;			   /* dp: ro (lookups), ctl: rw */
	struct rte_ring *ring[VS_CFG_MAX_WORKERS]; /* worker i: producer, ctl: consumer */
	uint32_t now;				   /* coarse clock, seconds; ctl: rw */
};

/* Per-worker learning state (worker-private). */
struct vs_l2_wstate {
	struct vs_l2_key last; /* last key posted, to post a new MAC once per burst run */
	uint16_t last_port;
	uint8_t last_remote;
	uint32_t last_now; /* l2->now when it was posted: repost a second later */
	uint64_t lost;	   /* events the full ring refused (ctl: ro) */
	uint64_t flooded;  /* packets the normal action flooded (ctl: ro) */
};

static inline void
vs_l2_key_make(struct vs_l2_key *k, const uint8_t *mac, uint16_t vlan)
{
	memcpy(k->mac, mac, 6);
	k->vlan = vlan;
}

/* The entry of (mac, vlan), or NULL. */
static inline struct vs_l2_entry *
vs_l2_lookup(const struct vs_l2_dp *l2, const uint8_t *mac, uint16_t vlan)
{
	struct vs_l2_key k;
	void *data;

	vs_l2_key_make(&k, mac, vlan);
	if (rte_hash_lookup_data(l2->h, &k, &data) < 0)
		return NULL;
	return data;
}

/*
 * The entries of n keys, misses NULL, in calls of rte_hash_lookup_bulk_data
 * (up to RTE_HASH_LOOKUP_BULK_MAX keys each): the hash computes every key's buckets and
 * prefetches them before it compares any, where one lookup per key waits
 * for each bucket in turn. keys[] must stay put until the call returns.
 */
static inline void
vs_l2_lookup_burst(const struct vs_l2_dp *l2, const struct vs_l2_key *keys, unsigned n,
		   struct vs_l2_entry **ent)
{
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	unsigned i, j, k;

	for (i = 0; i < n; i += k) {
		uint64_t hits = 0;

		k = RTE_MIN(n - i, (unsigned)RTE_HASH_LOOKUP_BULK_MAX);
		for (j = 0; j < k; j++)
			kp[j] = &keys[i + j];
		if (rte_hash_lookup_bulk_data(l2->h, kp, k, &hits, (void **)&ent[i]) < 0)
			hits = 0;
		for (j = 0; j < k; j++)
			if (!((hits >> j) & 1))
				ent[i + j] = NULL;
	}
}

/* Post a learn event (cold: new MAC or a move). */
void vs_l2_post(struct vs_l2_dp *l2, struct vs_l2_wstate *ws, uint16_t worker, const uint8_t *mac,
		uint16_t vlan, uint16_t port, uint8_t remote);

/*
 * Learn that mac lives on port in vlan (worker `worker`), behind remote
 * VTEP `remote` of a vxlan port (VS_L2_REMOTE_NONE for other ports), given
 * e, the table's entry of (mac, vlan) or NULL, looked up by the caller.
 * True when the table does not say so yet and a learn (or move) was asked
 * of the control thread; false when it does (its last-seen second
 * refreshed) or the entry is static elsewhere (a static entry never moves).
 */
static inline bool
vs_l2_learn_at(struct vs_l2_dp *l2, struct vs_l2_wstate *ws, uint16_t worker, struct vs_l2_entry *e,
	       const uint8_t *mac, uint16_t vlan, uint16_t port, uint8_t remote)
{
	if (likely(e != NULL)) {
		uint32_t now = __atomic_load_n(&l2->now, __ATOMIC_RELAXED);

		if (likely(__atomic_load_n(&e->port, __ATOMIC_RELAXED) == port &&
			   __atomic_load_n(&e->remote, __ATOMIC_RELAXED) == remote)) {
			if (__atomic_load_n(&e->seen, __ATOMIC_RELAXED) != now)
				__atomic_store_n(&e->seen, now, __ATOMIC_RELAXED);
			return false;
		}
		if (e->is_static)
			return false;
	}
	vs_l2_post(l2, ws, worker, mac, vlan, port, remote);
	return true;
}

/* vs_l2_learn_at with a lookup of its own (one packet). */
static inline bool
vs_l2_learn(struct vs_l2_dp *l2, struct vs_l2_wstate *ws, uint16_t worker, const uint8_t *mac,
	    uint16_t vlan, uint16_t port, uint8_t remote)
{
	return vs_l2_learn_at(l2, ws, worker, vs_l2_lookup(l2, mac, vlan), mac, vlan, port, remote);
}

#endif /* VS_L2_DP_H */
