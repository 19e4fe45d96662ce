/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch counters as rte_telemetry commands, so that DPDK's own client
 * (dpdk-telemetry.py) reads nfvswitch like any DPDK application:
 *   /nfvswitch/info     version, config, generation, rules, reloads
 *   /nfvswitch/ports    port names (params: none) or one port's counters (params: NAME)
 *   /nfvswitch/workers  per-worker packets, busy/idle cycles, cycles by stage
 *   /nfvswitch/drops    drops by reason, all workers
 * The callbacks run on DPDK's telemetry thread: they read only the daemon's
 * statistics copy, under its lock, and a few integers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "vs_ctl.h"

#ifndef VS_VERSION
#define VS_VERSION "unknown"
#endif

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vs_daemon *tel_daemon; /* guarded by tel_lock */
static bool registered;

/* Run fn on the daemon's statistics copy with both locks held. */
#define WITH_STATS(d, st, body)                                                                    \
	do {                                                                                       \
		pthread_mutex_lock(&tel_lock);                                                     \
		(d) = tel_daemon;                                                                  \
		if ((d) == NULL) {                                                                 \
			pthread_mutex_unlock(&tel_lock);                                           \
			return -ENODEV;                                                            \
		}                                                                                  \
		pthread_mutex_lock(&(d)->stats_lock);                                              \
		(st) = (d)->stats;                                                                 \
		body;                                                                              \
		pthread_mutex_unlock(&(d)->stats_lock);                                            \
		pthread_mutex_unlock(&tel_lock);                                                   \
	} while (0)

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *t)
{
	const struct vs_switch_stats *st;
	struct vs_daemon *d;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(t);
	WITH_STATS(d, st, {
		rte_tel_data_add_dict_string(t, "version", VS_VERSION);
		rte_tel_data_add_dict_u64(t, "ports", st->n_ports);
		rte_tel_data_add_dict_u64(t, "workers", st->n_workers);
		rte_tel_data_add_dict_u64(t, "reloads", d->reloads);
		rte_tel_data_add_dict_u64(t, "reload_failures", d->reload_failures);
		rte_tel_data_add_dict_u64(t, "total_drops", st->total_drops);
	});
	return 0;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *t)
{
	const struct vs_switch_stats *st;
	struct vs_daemon *d;
	uint16_t id;
	int rc = 0;

	RTE_SET_USED(cmd);
	if (params == NULL || params[0] == '\0') {
		rte_tel_data_start_array(t, RTE_TEL_STRING_VAL);
		WITH_STATS(d, st, {
			for (id = 0; id < st->n_ports; id++)
				if (st->port[id].present)
					rte_tel_data_add_array_string(t, st->port[id].name);
		});
		return 0;
	}
	rte_tel_data_start_dict(t);
	WITH_STATS(d, st, {
		const struct vs_switch_port_stats *p = NULL;

		for (id = 0; id < st->n_ports; id++)
			if (st->port[id].present && strcmp(st->port[id].name, params) == 0)
				p = &st->port[id];
		if (p == NULL) {
			rc = -EINVAL;
		} else {
			rte_tel_data_add_dict_string(t, "name", p->name);
			rte_tel_data_add_dict_u64(t, "id", p->id);
			rte_tel_data_add_dict_u64(t, "ready", p->ready);
			rte_tel_data_add_dict_u64(t, "rx_pkts", p->rx_pkts);
			rte_tel_data_add_dict_u64(t, "rx_bytes", p->rx_bytes);
			rte_tel_data_add_dict_u64(t, "tx_pkts", p->tx_pkts);
			rte_tel_data_add_dict_u64(t, "tx_bytes", p->tx_bytes);
			rte_tel_data_add_dict_u64(t, "tx_drops", p->tx_drops);
			rte_tel_data_add_dict_u64(t, "imissed", p->dev.imissed);
			rte_tel_data_add_dict_u64(t, "rx_nombuf", p->dev.rx_nombuf);
		}
	});
	return rc;
}

static int
tel_workers(const char *cmd, const char *params, struct rte_tel_data *t)
{
	const struct vs_switch_stats *st;
	struct vs_daemon *d;
	uint16_t i;
	unsigned s;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(t);
	WITH_STATS(d, st, {
		for (i = 0; i < st->n_workers; i++) {
			const struct vs_switch_worker_stats *w = &st->worker[i];
			struct rte_tel_data *c = rte_tel_data_alloc();
			char name[32];

			if (c == NULL)
				break;
			rte_tel_data_start_dict(c);
			rte_tel_data_add_dict_u64(c, "lcore", w->lcore);
			rte_tel_data_add_dict_u64(c, "rx_pkts", w->rx_pkts);
			rte_tel_data_add_dict_u64(c, "tx_pkts", w->tx_pkts);
			rte_tel_data_add_dict_u64(c, "busy_cycles", w->busy_cycles);
			rte_tel_data_add_dict_u64(c, "idle_cycles", w->idle_cycles);
			rte_tel_data_add_dict_u64(c, "emc_hits", w->cls.emc_hits);
			rte_tel_data_add_dict_u64(c, "lookups", w->cls.lookups);
			for (s = 0; s < VS_STAGE_MAX; s++) {
				snprintf(name, sizeof(name), "cycles_%s", vs_stage_str(s));
				rte_tel_data_add_dict_u64(c, name, w->stage_cycles[s]);
			}
			snprintf(name, sizeof(name), "worker%u", i);
			rte_tel_data_add_dict_container(t, name, c, 0);
		}
	});
	return 0;
}

static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *t)
{
	const struct vs_switch_stats *st;
	struct vs_daemon *d;
	unsigned r;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(t);
	WITH_STATS(d, st, {
		rte_tel_data_add_dict_u64(t, "total", st->total_drops);
		for (r = VS_DROP_FIRST; r < VS_DROP_MAX; r++)
			rte_tel_data_add_dict_u64(t, vs_drop_reason_str(r), st->drops[r]);
	});
	return 0;
}

int
vs_telemetry_register(struct vs_daemon *d)
{
	int rc = 0;

	pthread_mutex_lock(&tel_lock);
	tel_daemon = d;
	if (!registered) {
		rc = rte_telemetry_register_cmd("/nfvswitch/info", tel_info,
						"nfvswitch version, ports, workers, reloads");
		if (rc == 0)
			rc = rte_telemetry_register_cmd(
			    "/nfvswitch/ports", tel_ports,
			    "Port names; with a port name as parameter, its counters");
		if (rc == 0)
			rc = rte_telemetry_register_cmd(
			    "/nfvswitch/workers", tel_workers,
			    "Per-worker packets, busy/idle cycles and cycles by stage");
		if (rc == 0)
			rc = rte_telemetry_register_cmd("/nfvswitch/drops", tel_drops,
							"Dropped packets by reason");
		registered = rc == 0;
	}
	if (d != NULL)
		d->telemetry = registered;
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

void
vs_telemetry_unregister(void)
{
	pthread_mutex_lock(&tel_lock);
	tel_daemon = NULL;
	pthread_mutex_unlock(&tel_lock);
}
