/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config diff: what has to change to go from the running config to the next
 * one, as an ordered list of actions. Pure (no DPDK): the reload path logs and
 * reports it, the tests check it, and vs_switch_apply() follows the same
 * order. Startup is a diff against the empty config (cur == NULL).
 *
 * The order is the safe one for packets in flight:
 *   1. ports that appear (so that new rules can use them),
 *   2. ports whose settings change (recreated in place, same name),
 *   3. rules that go and rules that come, as one classifier transaction,
 *   4. rx queues re-assigned to workers (handover: old owner stops first),
 *   5. ports that disappear, last (no rule of the new set uses them).
 * Live control keys (stats interval, file watching) and the EMC size are
 * reported as their own actions; keys that need a restart make the whole
 * diff fail (-EPERM, via vs_config_reload_check) before any action is listed.
 */
#ifndef VS_DIFF_H
#define VS_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "vs_config.h"

enum vs_diff_op {
	VS_DIFF_PORT_ADD = 0, /* next->ports[index] */
	VS_DIFF_PORT_CHANGE,  /* next->ports[index]; settings differ from cur's */
	VS_DIFF_RULE_DEL,     /* cur->rules[index] */
	VS_DIFF_RULE_ADD,     /* next->rules[index] */
	VS_DIFF_RXQ_ASSIGN,   /* the rx queue assignment may change */
	VS_DIFF_PORT_DEL,     /* cur->ports[index] */
	VS_DIFF_EMC,	      /* classifier.emc_entries changes */
	VS_DIFF_CONTROL,      /* live control.* keys change */
	VS_DIFF_OP_MAX
};

struct vs_diff_action {
	enum vs_diff_op op;
	uint32_t index;	       /* into cur or next, see the op */
	char name[64];	       /* port name, or rule name ("" for an unnamed rule) */
	struct vs_cfg_pos pos; /* where it is in the file it comes from */
};

struct vs_diff {
	struct vs_diff_action *a; /* in the order they must be applied */
	uint32_t n;
	uint32_t n_op[VS_DIFF_OP_MAX]; /* actions of each op */
	uint32_t rules_kept;	       /* rules identical in both */
};

/*
 * Compute the ordered diff from cur (NULL: the empty config) to next.
 * Returns 0, -EPERM (a restart-only key differs; err says which, positioned
 * in next's file), -EINVAL (next NULL) or -ENOMEM. err may be NULL. An
 * identical config gives 0 actions.
 */
int vs_diff_compute(const struct vs_config *cur, const struct vs_config *next, struct vs_diff *out,
		    struct vs_cfg_error *err);

/* Free the actions; accepts NULL and a zeroed diff. */
void vs_diff_free(struct vs_diff *d);

/* "port_add", "rule_del", ...; "unknown" out of range. */
const char *vs_diff_op_str(enum vs_diff_op op);

/* Whether two rules are the same (positions in their files are ignored). */
bool vs_diff_rule_same(const struct vs_cfg_rule *a, const struct vs_cfg_rule *b);
/* Whether two ports have the same settings (name and position ignored). */
bool vs_diff_port_same(const struct vs_cfg_port *a, const struct vs_cfg_port *b);

/* One line summary: "2 ports added, 1 removed, 3 rules added, 4 removed, 10 kept". */
const char *vs_diff_summary(const struct vs_diff *d, char *buf, size_t size);

#endif /* VS_DIFF_H */
