/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rx queue assignment by measured cycles (nfvswitch-ctl rxq rebalance): the
 * greedy "largest first onto the least loaded worker" OVS uses for its
 * cycle-based assignment. Pure; the caller publishes the result with
 * vs_switch_set_rxqs() (which hands moved queues over safely).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vs_ctl.h"

struct item {
	struct vs_rxq_ref q;
	uint64_t cycles;
};

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->cycles != y->cycles)
		return x->cycles > y->cycles ? -1 : 1;
	if (x->q.port != y->q.port)
		return x->q.port < y->q.port ? -1 : 1;
	return x->q.queue < y->q.queue ? -1 : x->q.queue > y->q.queue;
}

static bool
in_map(const struct vs_rxq_map *m, const struct vs_rxq_ref *q)
{
	uint16_t w, i;

	for (w = 0; m != NULL && w < m->n_workers; w++)
		for (i = 0; i < m->n[w]; i++)
			if (m->q[w][i].port == q->port && m->q[w][i].queue == q->queue)
				return true;
	return false;
}

/* Measured cycles of queue q (any worker that polled it). */
static uint64_t
cycles_of(const struct vs_switch_stats *st, const struct vs_rxq_ref *q)
{
	uint64_t c = 0;
	uint16_t w, i;

	for (w = 0; st != NULL && w < st->n_workers; w++)
		for (i = 0; i < st->worker[w].n_rxq && i < VS_WORKER_MAX_RXQ; i++)
			if (st->worker[w].rxq[i].q.port == q->port &&
			    st->worker[w].rxq[i].q.queue == q->queue)
				c += st->worker[w].rxq[i].cycles;
	return c;
}

int
vs_rxq_rebalance(const struct vs_rxq_map *cur, const struct vs_rxq_map *fixed,
		 const struct vs_switch_stats *st, struct vs_rxq_map *out, uint64_t *load)
{
	uint64_t sum[VS_CFG_MAX_WORKERS] = {0};
	struct item *items;
	uint32_t n = 0, k;
	uint16_t w, i;

	if (cur == NULL || out == NULL || cur->n_workers == 0 ||
	    cur->n_workers > VS_CFG_MAX_WORKERS ||
	    (fixed != NULL && fixed->n_workers != cur->n_workers))
		return -EINVAL;
	items = calloc((size_t)cur->n_workers * VS_WORKER_MAX_RXQ, sizeof(*items));
	if (items == NULL)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	out->n_workers = cur->n_workers;
	for (w = 0; w < cur->n_workers; w++) {
		for (i = 0; i < cur->n[w]; i++) {
			const struct vs_rxq_ref *q = &cur->q[w][i];
			uint64_t c = cycles_of(st, q);
			uint16_t fw;

			if (!in_map(fixed, q)) {
				items[n].q = *q;
				items[n].cycles = c;
				n++;
				continue;
			}
			/* Pinned: stays where the pin says, counts first. */
			for (fw = 0; fw < fixed->n_workers; fw++) {
				uint16_t j;

				for (j = 0; j < fixed->n[fw]; j++)
					if (fixed->q[fw][j].port == q->port &&
					    fixed->q[fw][j].queue == q->queue)
						break;
				if (j < fixed->n[fw])
					break;
			}
			out->q[fw][out->n[fw]++] = *q;
			sum[fw] += c;
		}
	}
	qsort(items, n, sizeof(*items), item_cmp);
	for (k = 0; k < n; k++) {
		uint16_t best = UINT16_MAX;

		for (w = 0; w < out->n_workers; w++) {
			if (out->n[w] >= VS_WORKER_MAX_RXQ)
				continue;
			/* Least loaded; then fewest queues, so that unmeasured
			 * (idle) queues still spread; then the lowest index. */
			if (best == UINT16_MAX || sum[w] < sum[best] ||
			    (sum[w] == sum[best] && out->n[w] < out->n[best]))
				best = w;
		}
		if (best == UINT16_MAX) {
			free(items);
			return -ENOSPC;
		}
		out->q[best][out->n[best]++] = items[k].q;
		sum[best] += items[k].cycles;
	}
	free(items);
	if (load != NULL)
		memcpy(load, sum, sizeof(sum[0]) * out->n_workers);
	return 0;
}
