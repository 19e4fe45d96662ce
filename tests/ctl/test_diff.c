/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The config diff: ordered actions between two loaded configs (no DPDK).
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vs_diff.h"

static struct vs_config *
load(const char *yaml)
{
	struct vs_cfg_error err;
	struct vs_config *cfg;

	memset(&err, 0, sizeof(err));
	cfg = vs_config_load_buf(yaml, strlen(yaml), "diff.yaml", &err);
	cr_assert_not_null(cfg, "config did not load: %s", err.msg);
	return cfg;
}

#define HEAD "dpdk: {no_huge: true, memory_mb: 256}\nworkers: [{lcore: 1}]\n"

static const char *base = HEAD "ports:\n"
			       "  - {name: a, type: ethdev, device: net_null0}\n"
			       "  - {name: b, type: ethdev, device: net_null1}\n"
			       "rules:\n"
			       "  - {priority: 10, match: {in_port: a}, actions: [{output: b}]}\n"
			       "  - {priority: 10, match: {in_port: b}, actions: [{output: a}]}\n";

/* Position of the first action with op in d, -1 when absent. */
static int
first(const struct vs_diff *d, enum vs_diff_op op)
{
	uint32_t i;

	for (i = 0; i < d->n; i++)
		if (d->a[i].op == op)
			return (int)i;
	return -1;
}

static int
last(const struct vs_diff *d, enum vs_diff_op op)
{
	int r = -1;
	uint32_t i;

	for (i = 0; i < d->n; i++)
		if (d->a[i].op == op)
			r = (int)i;
	return r;
}

Test(diff, startup_is_a_diff_against_nothing)
{
	struct vs_config *c = load(base);
	struct vs_diff d;

	cr_assert_eq(vs_diff_compute(NULL, c, &d, NULL), 0);
	cr_assert_eq(d.n_op[VS_DIFF_PORT_ADD], 2);
	cr_assert_eq(d.n_op[VS_DIFF_RULE_ADD], 2);
	cr_assert_eq(d.n_op[VS_DIFF_RXQ_ASSIGN], 1);
	cr_assert_eq(d.n_op[VS_DIFF_PORT_DEL] + d.n_op[VS_DIFF_RULE_DEL], 0);
	cr_assert_lt(last(&d, VS_DIFF_PORT_ADD), first(&d, VS_DIFF_RULE_ADD));
	cr_assert_str_eq(d.a[0].name, "a");
	cr_assert_eq(d.a[0].pos.line, 4);
	vs_diff_free(&d);
	vs_config_free(c);
}

Test(diff, identical_configs_give_nothing)
{
	struct vs_config *c = load(base), *n = load(base);
	struct vs_diff d;

	cr_assert_eq(vs_diff_compute(c, n, &d, NULL), 0);
	cr_assert_eq(d.n, 0);
	cr_assert_eq(d.rules_kept, 2);
	vs_diff_free(&d);
	vs_config_free(c);
	vs_config_free(n);
}

Test(diff, moved_rule_is_kept_changed_rule_is_replaced)
{
	struct vs_config *c = load(base);
	struct vs_config *n =
	    load(HEAD "ports:\n"
		      "  - {name: a, type: ethdev, device: net_null0}\n"
		      "  - {name: b, type: ethdev, device: net_null1}\n"
		      "rules:\n"
		      "  - {priority: 20, match: {in_port: a}, actions: [{output: b}]}\n"
		      "  - {priority: 10, match: {in_port: b}, actions: [{output: a}]}\n");
	struct vs_diff d;
	int del, add;

	cr_assert_eq(vs_diff_compute(c, n, &d, NULL), 0);
	cr_assert_eq(d.n, 2, "%u actions", d.n);
	cr_assert_eq(d.rules_kept, 1);
	del = first(&d, VS_DIFF_RULE_DEL);
	add = first(&d, VS_DIFF_RULE_ADD);
	cr_assert(del >= 0 && add >= 0);
	cr_assert_eq(d.a[del].index, 0);
	cr_assert_eq(d.a[add].index, 0);
	vs_diff_free(&d);
	vs_config_free(c);
	vs_config_free(n);
}

Test(diff, new_port_before_its_rules_old_port_after_its_rules)
{
	struct vs_config *c = load(base);
	/* b goes, c comes; the rules move from b to c. */
	struct vs_config *n =
	    load(HEAD "ports:\n"
		      "  - {name: a, type: ethdev, device: net_null0}\n"
		      "  - {name: c, type: ethdev, device: net_null2}\n"
		      "rules:\n"
		      "  - {priority: 10, match: {in_port: a}, actions: [{output: c}]}\n"
		      "  - {priority: 10, match: {in_port: c}, actions: [{output: a}]}\n");
	struct vs_diff d;
	char buf[256];

	cr_assert_eq(vs_diff_compute(c, n, &d, NULL), 0);
	cr_assert_eq(d.n_op[VS_DIFF_PORT_ADD], 1);
	cr_assert_eq(d.n_op[VS_DIFF_PORT_DEL], 1);
	cr_assert_eq(d.n_op[VS_DIFF_RULE_DEL], 2);
	cr_assert_eq(d.n_op[VS_DIFF_RULE_ADD], 2);
	cr_assert_str_eq(d.a[first(&d, VS_DIFF_PORT_ADD)].name, "c");
	cr_assert_str_eq(d.a[first(&d, VS_DIFF_PORT_DEL)].name, "b");
	/* c exists before any rule names it; b goes after every rule that named it. */
	cr_assert_lt(first(&d, VS_DIFF_PORT_ADD), first(&d, VS_DIFF_RULE_ADD));
	cr_assert_gt(first(&d, VS_DIFF_PORT_DEL), last(&d, VS_DIFF_RULE_DEL));
	cr_assert_gt(first(&d, VS_DIFF_PORT_DEL), last(&d, VS_DIFF_RULE_ADD));
	cr_assert_gt(first(&d, VS_DIFF_PORT_DEL), first(&d, VS_DIFF_RXQ_ASSIGN));
	vs_diff_summary(&d, buf, sizeof(buf));
	cr_assert(strstr(buf, "ports: 1 added, 0 changed, 1 removed") != NULL, "%s", buf);
	vs_diff_free(&d);
	vs_config_free(c);
	vs_config_free(n);
}

Test(diff, changed_port_settings_and_control_keys)
{
	struct vs_config *c = load(base);
	struct vs_config *n =
	    load(HEAD "control: {stats_interval_ms: 250}\n"
		      "ports:\n"
		      "  - {name: a, type: ethdev, device: net_null0, rx_queues: 2}\n"
		      "  - {name: b, type: ethdev, device: net_null1}\n"
		      "rules:\n"
		      "  - {priority: 10, match: {in_port: a}, actions: [{output: b}]}\n"
		      "  - {priority: 10, match: {in_port: b}, actions: [{output: a}]}\n");
	struct vs_diff d;

	cr_assert_eq(vs_diff_compute(c, n, &d, NULL), 0);
	cr_assert_eq(d.n_op[VS_DIFF_PORT_CHANGE], 1);
	cr_assert_str_eq(d.a[first(&d, VS_DIFF_PORT_CHANGE)].name, "a");
	cr_assert_eq(d.n_op[VS_DIFF_RXQ_ASSIGN], 1);
	cr_assert_eq(d.n_op[VS_DIFF_CONTROL], 1);
	cr_assert_eq(d.n_op[VS_DIFF_RULE_ADD] + d.n_op[VS_DIFF_RULE_DEL], 0);
	vs_diff_free(&d);
	vs_config_free(c);
	vs_config_free(n);
}

Test(diff, restart_only_key_refuses_the_whole_diff)
{
	struct vs_config *c = load(base);
	struct vs_config *n = load("dpdk: {no_huge: true, memory_mb: 512}\nworkers: [{lcore: 1}]\n"
				   "ports:\n"
				   "  - {name: a, type: ethdev, device: net_null0}\n");
	struct vs_cfg_error err;
	struct vs_diff d;

	memset(&err, 0, sizeof(err));
	cr_assert_eq(vs_diff_compute(c, n, &d, &err), -EPERM);
	cr_assert(strstr(err.msg, "dpdk.memory_mb") != NULL, "%s", err.msg);
	cr_assert(strstr(err.msg, "restart") != NULL, "%s", err.msg);
	cr_assert_eq(d.n, 0);
	cr_assert_null(d.a);
	vs_config_free(c);
	vs_config_free(n);
}

Test(diff, op_names)
{
	cr_assert_str_eq(vs_diff_op_str(VS_DIFF_PORT_ADD), "port_add");
	cr_assert_str_eq(vs_diff_op_str(VS_DIFF_PORT_DEL), "port_del");
	cr_assert_str_eq(vs_diff_op_str(VS_DIFF_OP_MAX), "unknown");
}
