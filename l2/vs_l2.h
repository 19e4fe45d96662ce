/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MAC learning table of the normal action, control side.
 *
 * The control thread is the table's only writer: it applies the workers'
 * learn events (vs_l2_tick), ages entries from their last-seen second, adds
 * static entries and flushes. The clock is whatever the caller passes to
 * vs_l2_tick (monotonic seconds in the daemon, a fake clock in tests).
 *
 * One bridge: every port is in it; VLANs split it into segments. The switch
 * runs no STP: forwarding is loop-free only because a packet never leaves by
 * the port it came in on; redundant links between switches make loops.
 */
#ifndef VS_L2_H
#define VS_L2_H

#include <stdbool.h>
#include <stdint.h>

#include "l2_dp.h"

struct rte_rcu_qsbr;

struct vs_l2_params {
	const char *name;	   /* unique per process */
	uint32_t max_entries;	   /* learned + static */
	uint32_t aging_s;	   /* learned entries unseen this long are removed */
	uint16_t n_workers;	   /* learn rings, one per worker */
	struct rte_rcu_qsbr *qsbr; /* the switch's (deletions wait for its grace period) */
	int socket_id;
};

/* Control-thread counters. */
struct vs_l2_stats {
	uint64_t learned; /* new entries from learn events */
	uint64_t moved;	  /* entries moved to another port */
	uint64_t aged;	  /* entries removed by aging */
	uint64_t full;	  /* learn events refused: table full */
	uint64_t entries; /* entries now (gauge) */
};

struct vs_l2 {
	struct vs_l2_dp dp; /* what workers read */
	uint16_t n_workers;
	uint32_t max_entries;
	uint32_t aging_s;
	uint32_t n_entries;
	struct vs_l2_stats stats;
};

/* NULL with errno set on failure. */
struct vs_l2 *vs_l2_create(const struct vs_l2_params *p);
void vs_l2_destroy(struct vs_l2 *l2);

/* Add a static entry (never ages, never moves). 0, -ENOSPC or -errno. */
int vs_l2_static_add(struct vs_l2 *l2, const uint8_t *mac, uint16_t vlan, uint16_t port);

/*
 * Advance the clock to now (seconds, never backwards), apply the workers'
 * learn events and remove learned entries unseen for aging_s. Returns the
 * events applied.
 */
unsigned vs_l2_tick(struct vs_l2 *l2, uint32_t now);

/* Remove learned entries (all ports when port is UINT16_MAX; statics too
 * when statics). Returns the entries removed. */
unsigned vs_l2_flush(struct vs_l2 *l2, uint16_t port, bool statics);

/* Each entry, with its age in seconds; stop when fn returns non-zero. */
typedef int (*vs_l2_walk_fn)(const struct vs_l2_entry *e, uint32_t age_s, void *arg);
int vs_l2_walk(struct vs_l2 *l2, vs_l2_walk_fn fn, void *arg);

#endif /* VS_L2_H */
