/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A plan: the list of steps that takes the running switch to what a source
 * asks for (the config file at boot, reload, SIGHUP or file watching; a ctl
 * rule request; later an OpenFlow flow_mod). Every change goes
 *
 *   parse -> validate once -> plan (vs_switch_plan / vs_plan_rule_*)
 *         -> apply (vs_switch_apply_plan) -> report (vs_plan_summary)
 *
 * and the summary the operator reads is built from the steps that ran, never
 * from a second computation. Steps run in this order, which is the safe one
 * for packets in flight:
 *   1. ports that appear (so that new rules can use them),
 *   2. ports whose settings change (recreated in place, same id),
 *   3. rules that go, are replaced and come, as one classifier transaction
 *      of only those rules (every other rule keeps its classifier entries,
 *      id and counters),
 *   4. rx queues re-assigned to workers (handover: old owner stops first;
 *      queues of ports that stay keep their worker),
 *   5. ports that disappear, last (no rule of the new set uses them),
 *   6. live control.* keys (the daemon applies them).
 * Keys that need a restart make planning fail (-EPERM, err names the key and
 * where it is) before any step is listed. Control thread only.
 */
#ifndef VS_PLAN_H
#define VS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vs_config.h"
#include "vs_rules.h"

struct vs_switch;

enum vs_plan_op {
	VS_PLAN_PORT_ADD = 0, /* cfg->ports[index] */
	VS_PLAN_PORT_CHANGE,  /* cfg->ports[index]: recreated with its new settings */
	VS_PLAN_RULE_DEL,     /* rule (live) */
	VS_PLAN_RULE_MOD,     /* rule (live) replaced by spec; uid and counters kept */
	VS_PLAN_RULE_ADD,     /* spec */
	VS_PLAN_RXQ_ASSIGN,   /* the rx queue assignment changes */
	VS_PLAN_PORT_DEL,     /* the running port called name */
	VS_PLAN_CONTROL,      /* live control.* keys change */
	VS_PLAN_OP_MAX
};

struct vs_plan_step {
	enum vs_plan_op op;
	char name[64];			/* port or rule name ("" for an unnamed rule) */
	struct vs_cfg_pos pos;		/* where the object is in the file it comes from */
	uint32_t index;			/* ports: index in cfg->ports */
	const struct vs_cfg_rule *spec; /* rule add/mod: what runs (owned by the caller) */
	struct vs_sw_rule *rule;	/* rule del/mod: the live rule */
	enum vs_rule_source src;	/* rule add */
	uint64_t tiebreak;		/* rule add/mod: 0 = after the source's rules / as now */
	bool reset_counts;		/* rule mod */
	bool done;			/* set by apply */
};

/* vs_switch_plan flags */
#define VS_PLAN_REPLACE (1u << 0) /* runtime (ctl) rules are replaced by the file too */

struct vs_plan {
	const struct vs_config *cfg; /* the config it leads to; NULL: rule changes only */
	uint32_t flags;
	struct vs_plan_step *steps;
	uint32_t n, cap;
	uint32_t n_op[VS_PLAN_OP_MAX];
	uint32_t rules_kept;   /* file rules left alone */
	uint32_t runtime_kept; /* runtime rules left alone */
	/* Filled by vs_switch_apply_plan. */
	bool applied;
	struct vs_rule_txn_counts txn; /* the rule and classifier operations that ran */
	uint64_t cls_generation;       /* the classifier's generation after */
};

/* Zero a plan before use (plans live on the stack). */
void vs_plan_init(struct vs_plan *plan);
/* Free the steps; accepts a zeroed plan. */
void vs_plan_free(struct vs_plan *plan);

/*
 * Plan the switch running cfg: ports added, changed, removed; file rules
 * matched to the live ones by what they are (name, priority, match, actions),
 * so an unchanged rule is not touched wherever it moved in the file; a named
 * rule whose content changed is a mod; rx queues; live control keys. Runtime
 * (ctl) rules stay unless flags has VS_PLAN_REPLACE; the file may then not
 * remove a port they use nor take their names. 0 or -errno with err filled:
 * -EPERM (a restart-only key differs), -EINVAL, -EEXIST, -ENOMEM.
 */
int vs_switch_plan(struct vs_switch *sw, const struct vs_config *cfg, uint32_t flags,
		   struct vs_plan *plan, struct vs_cfg_error *err);

/*
 * Rule steps of a rules-only plan (plan->cfg NULL): one step each. spec is
 * kept by pointer and must live until the plan is applied. 0 or -ENOMEM.
 */
int vs_plan_rule_add(struct vs_plan *plan, const struct vs_cfg_rule *spec, enum vs_rule_source src);
int vs_plan_rule_del(struct vs_plan *plan, struct vs_sw_rule *r);
int vs_plan_rule_mod(struct vs_plan *plan, struct vs_sw_rule *r, const struct vs_cfg_rule *spec,
		     bool reset_counts);

/*
 * Run the plan. On error nothing of it stays (ports made are destroyed,
 * changed ports get their running settings back, the rule transaction is
 * aborted), -errno is returned and err says which object failed and why.
 * A plan with a cfg makes the switch refer to that cfg from then on (it must
 * live until the next such plan is applied or the switch is destroyed).
 */
int vs_switch_apply_plan(struct vs_switch *sw, struct vs_plan *plan, struct vs_cfg_error *err);

/*
 * One line built from the steps that ran (or, before apply, that will run):
 * "ports: 1 added (vm2); rules: 2 added, 1 removed, 1 replaced, 500 kept;
 * rx queues re-assigned". "no change" when there was nothing to do.
 */
const char *vs_plan_summary(const struct vs_plan *plan, char *buf, size_t size);

/* "port_add", "rule_del", ...; "unknown" out of range. */
const char *vs_plan_op_str(enum vs_plan_op op);

/* Whether two ports have the same settings (name, position and rx queue
 * pins ignored). */
bool vs_plan_port_same(const struct vs_cfg_port *a, const struct vs_cfg_port *b);

#endif /* VS_PLAN_H */
