/* SPDX-License-Identifier: BSD-3-Clause */
/* Rx-queue to worker assignment: pinned queues first, then round-robin. */
#include <errno.h>
#include <string.h>

#include "pipeline_log.h"
#include "vs_worker.h"

static int
worker_of_lcore(const struct vs_config *cfg, uint32_t lcore)
{
	uint32_t i;

	for (i = 0; i < cfg->n_workers; i++)
		if (cfg->workers[i].lcore == lcore)
			return (int)i;
	return -1;
}

static int
add(struct vs_rxq_map *map, unsigned w, uint16_t port, uint16_t queue)
{
	if (map->n[w] >= VS_WORKER_MAX_RXQ)
		return -ENOSPC;
	map->q[w][map->n[w]].port = port;
	map->q[w][map->n[w]].queue = queue;
	map->n[w]++;
	return 0;
}

int
vs_rxq_assign(const struct vs_config *cfg, const uint16_t *port_ids, struct vs_rxq_map *map)
{
	unsigned next = 0;
	uint32_t i, j;
	int rc;

	memset(map, 0, sizeof(*map));
	if (cfg->n_workers > VS_CFG_MAX_WORKERS)
		return -EINVAL;
	map->n_workers = (uint16_t)cfg->n_workers;
	for (i = 0; i < cfg->n_ports; i++) {
		const struct vs_cfg_port *p = &cfg->ports[i];
		uint16_t id = port_ids ? port_ids[i] : (uint16_t)i;
		uint16_t n_rxq = p->rx_queues ? p->rx_queues : 1;
		bool pinned[VS_PORT_MAX_QUEUES] = {false};
		uint16_t q;

		if (id == UINT16_MAX)
			continue;
		/* vhost ports have `queues` queue pairs. */
		if (p->type == VS_CFG_PORT_VHOST)
			n_rxq = p->queues ? p->queues : 1;
		/* vxlan ports: their frames come in on the underlay. */
		if (p->type == VS_CFG_PORT_VXLAN)
			n_rxq = 0;
		if (n_rxq > VS_PORT_MAX_QUEUES)
			return -EINVAL;
		for (j = 0; j < p->n_rxq_pins; j++) {
			const struct vs_cfg_rxq_pin *pin = &p->rxq_pins[j];
			int w = worker_of_lcore(cfg, pin->worker_lcore);

			if (w < 0 || pin->queue >= n_rxq || pinned[pin->queue])
				return -EINVAL;
			pinned[pin->queue] = true;
			rc = add(map, (unsigned)w, id, pin->queue);
			if (rc < 0)
				return rc;
		}
		for (q = 0; q < n_rxq; q++) {
			if (pinned[q])
				continue;
			if (cfg->n_workers == 0)
				return -EINVAL;
			rc = add(map, next, id, q);
			if (rc < 0)
				return rc;
			next = (next + 1) % cfg->n_workers;
		}
	}
	return 0;
}
