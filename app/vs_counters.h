/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch counters, declared once. One table (name, help, unit, offset,
 * kind) drives every exporter: the stdout print (app/main.c through
 * vs_stats_print), the control socket's JSON (app/ctl_cmds.c), DPDK
 * telemetry (app/telemetry.c) and OpenMetrics (app/metrics.c), and the
 * baseline subtraction of `stats clear`. A counter added here appears in all
 * of them; tests/ctl/test_ctl_ops.c checks it.
 *
 * Drop reasons are the per-drop-reason entries, generated from the X-macros
 * of pipeline/vs_drop.h (name and description); classifier counters come
 * from VS_CLS_CTX_COUNTERS (classifier/vs_cls.h).
 */
#ifndef VS_COUNTERS_H
#define VS_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vs_switch.h"

enum vs_counter_kind {
	VS_CNT_GLOBAL, /* one value per switch: struct vs_switch_stats */
	VS_CNT_PORT,   /* one per port: struct vs_switch_port_stats */
	VS_CNT_WORKER, /* one per worker: struct vs_switch_worker_stats */
	VS_CNT_DROP,   /* one per drop reason: uint64_t[VS_DROP_MAX] (all workers, or one) */
};

struct vs_counter {
	const char *name;   /* key in ctl JSON, telemetry and the stdout totals */
	const char *family; /* OpenMetrics family (counters get "_total" on samples) */
	const char *label;  /* label telling this member of its family apart, or NULL */
	const char *help;   /* one line */
	const char *unit;   /* packets, bytes, cycles, lookups, events, ... */
	enum vs_counter_kind kind;
	bool gauge;	 /* a level, not a count: never cleared, no "_total" */
	uint32_t offset; /* of the value in the kind's struct */
	uint8_t size;	 /* 8, 4 or 1 (bool) bytes */
};

/* Entries of the table, in export order (members of a family are adjacent). */
unsigned vs_counter_count(void);
/* Entry i < vs_counter_count(); NULL past the end. */
const struct vs_counter *vs_counter_at(unsigned i);
/* The entry of a name and kind; NULL when none. */
const struct vs_counter *vs_counter_find(enum vs_counter_kind kind, const char *name);
/* HELP of the family c starts (labelled families describe their members). */
const char *vs_counter_family_help(const struct vs_counter *c);

/* The value of c in obj, an object of c's kind (see enum vs_counter_kind). */
uint64_t vs_counter_get(const struct vs_counter *c, const void *obj);

/*
 * cur -= base for every counter of the table (gauges are kept): what
 * `stats clear` shows. Ports and workers are matched by name and lcore; a
 * port or worker the base does not know keeps its counts.
 */
void vs_stats_sub(struct vs_switch_stats *cur, const struct vs_switch_stats *base);

/*
 * The stdout print. prev != NULL: the per-second view of the rates between
 * prev and cur over dt seconds (README.md shows it). prev == NULL: the totals
 * since start, every counter of the table by name.
 */
void vs_stats_print(FILE *f, const struct vs_switch_stats *cur, const struct vs_switch_stats *prev,
		    double dt, double elapsed);

#endif /* VS_COUNTERS_H */
