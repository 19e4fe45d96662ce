/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch counters as rte_telemetry commands, so that DPDK's own client
 * (dpdk-telemetry.py) reads nfvswitch like any DPDK application:
 *   /nfvswitch/info     version, ports, workers, reloads, the switch-wide counters
 *   /nfvswitch/ports    port names (params: none) or one port's counters (params: NAME)
 *   /nfvswitch/workers  every per-worker counter (classifier included), per worker
 *   /nfvswitch/drops    drops by reason, all workers
 * The counters are those of the table in vs_counters.h, under their names.
 * The callbacks run on DPDK's telemetry thread: they read only the daemon's
 * statistics copy, under its lock, and a few integers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "vs_counters.h"
#include "vs_ctl.h"

#ifndef VS_VERSION
#define VS_VERSION "unknown"
#endif

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vs_daemon *tel_daemon; /* guarded by tel_lock */
static bool registered;

/* Run fn on the daemon's statistics copy with both locks held. */
/* Every counter of one kind in obj, as u64 entries of dict t. */
static void
add_kind(struct rte_tel_data *t, enum vs_counter_kind kind, const void *obj)
{
	const struct vs_counter *c;
	unsigned i;

	for (i = 0; (c = vs_counter_at(i)) != NULL; i++)
		if (c->kind == kind)
			rte_tel_data_add_dict_u64(t, c->name, vs_counter_get(c, obj));
}

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
		add_kind(t, VS_CNT_GLOBAL, st);
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
			add_kind(t, VS_CNT_PORT, p);
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
			add_kind(c, VS_CNT_WORKER, w);
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

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(t);
	WITH_STATS(d, st, {
		rte_tel_data_add_dict_u64(t, "total", st->total_drops);
		add_kind(t, VS_CNT_DROP, st->drops);
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
