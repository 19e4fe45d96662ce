/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config diff into ordered actions (see vs_diff.h). Control thread, no DPDK.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vs_diff.h"

static const char *const op_names[VS_DIFF_OP_MAX] = {
    [VS_DIFF_PORT_ADD] = "port_add",	 [VS_DIFF_PORT_CHANGE] = "port_change",
    [VS_DIFF_RULE_DEL] = "rule_del",	 [VS_DIFF_RULE_ADD] = "rule_add",
    [VS_DIFF_RXQ_ASSIGN] = "rxq_assign", [VS_DIFF_PORT_DEL] = "port_del",
    [VS_DIFF_EMC] = "emc_resize",	 [VS_DIFF_CONTROL] = "control",
};

const char *
vs_diff_op_str(enum vs_diff_op op)
{
	if ((unsigned)op >= VS_DIFF_OP_MAX)
		return "unknown";
	return op_names[op];
}

bool
vs_diff_rule_same(const struct vs_cfg_rule *a, const struct vs_cfg_rule *b)
{
	uint32_t i;

	/* Field by field: padding and positions must not count. */
	if (strcmp(a->name, b->name) != 0 || a->priority != b->priority ||
	    a->n_actions != b->n_actions)
		return false;
	if (memcmp(&a->match, &b->match, sizeof(a->match)) != 0)
		return false;
	for (i = 0; i < a->n_actions && i < VS_CFG_MAX_ACTIONS; i++) {
		const struct vs_cfg_action *x = &a->actions[i], *y = &b->actions[i];

		if (x->type != y->type || strcmp(x->port, y->port) != 0 ||
		    x->vlan_id != y->vlan_id || x->vlan_pcp != y->vlan_pcp ||
		    memcmp(&x->mac, &y->mac, sizeof(x->mac)) != 0)
			return false;
	}
	return true;
}

bool
vs_diff_port_same(const struct vs_cfg_port *a, const struct vs_cfg_port *b)
{
	return a->type == b->type && strcmp(a->device, b->device) == 0 &&
	       a->rx_queues == b->rx_queues && a->tx_queues == b->tx_queues &&
	       a->rx_desc == b->rx_desc && a->tx_desc == b->tx_desc && a->mtu == b->mtu &&
	       a->promisc == b->promisc && a->has_mac == b->has_mac &&
	       (!a->has_mac || memcmp(&a->mac, &b->mac, sizeof(a->mac)) == 0) &&
	       a->is_vf == b->is_vf && strcmp(a->vf_pf, b->vf_pf) == 0 && a->vf_id == b->vf_id &&
	       strcmp(a->path, b->path) == 0 && a->mode == b->mode && a->queues == b->queues &&
	       strcmp(a->owner, b->owner) == 0 && strcmp(a->group, b->group) == 0 &&
	       a->socket_perm == b->socket_perm;
}

static bool
pins_same(const struct vs_cfg_port *a, const struct vs_cfg_port *b)
{
	uint32_t i;

	if (a->n_rxq_pins != b->n_rxq_pins)
		return false;
	for (i = 0; i < a->n_rxq_pins; i++)
		if (a->rxq_pins[i].queue != b->rxq_pins[i].queue ||
		    a->rxq_pins[i].worker_lcore != b->rxq_pins[i].worker_lcore)
			return false;
	return true;
}

static int
push(struct vs_diff *d, uint32_t *cap, enum vs_diff_op op, uint32_t index, const char *name,
     struct vs_cfg_pos pos)
{
	struct vs_diff_action *a;

	if (d->n == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 16;

		a = realloc(d->a, ncap * sizeof(*a));
		if (a == NULL)
			return -ENOMEM;
		d->a = a;
		*cap = ncap;
	}
	a = &d->a[d->n++];
	memset(a, 0, sizeof(*a));
	a->op = op;
	a->index = index;
	a->pos = pos;
	if (name != NULL)
		snprintf(a->name, sizeof(a->name), "%s", name);
	d->n_op[op]++;
	return 0;
}

static const struct vs_cfg_port *
port_of(const struct vs_config *cfg, const char *name)
{
	return cfg != NULL ? vs_config_port(cfg, name) : NULL;
}

int
vs_diff_compute(const struct vs_config *cur, const struct vs_config *next, struct vs_diff *out,
		struct vs_cfg_error *err)
{
	static const struct vs_cfg_pos nopos;
	uint32_t cur_ports = cur ? cur->n_ports : 0, cur_rules = cur ? cur->n_rules : 0;
	bool *matched = NULL, *kept = NULL, rxq = false;
	uint32_t i, j, cap = 0;
	int rc;

	if (out == NULL || next == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (cur != NULL) {
		rc = vs_config_reload_check(cur, next, err);
		if (rc < 0)
			return rc;
	}
	/* 1, 2: ports that appear, ports that change. */
	for (i = 0; i < next->n_ports; i++) {
		const struct vs_cfg_port *np = &next->ports[i];
		const struct vs_cfg_port *cp = port_of(cur, np->name);

		if (cp == NULL) {
			rc = push(out, &cap, VS_DIFF_PORT_ADD, i, np->name, np->pos);
			rxq = true;
		} else if (!vs_diff_port_same(cp, np)) {
			rc = push(out, &cap, VS_DIFF_PORT_CHANGE, i, np->name, np->pos);
			rxq = true;
		} else {
			rc = 0;
			rxq |= !pins_same(cp, np);
		}
		if (rc < 0)
			goto fail;
	}
	/* 3: rules, matched as a multiset (a rule may appear twice). */
	matched = calloc(cur_rules + 1, sizeof(*matched));
	kept = calloc(next->n_rules + 1, sizeof(*kept));
	if (matched == NULL || kept == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < next->n_rules; i++) {
		for (j = 0; j < cur_rules; j++) {
			if (!matched[j] && vs_diff_rule_same(&cur->rules[j], &next->rules[i])) {
				matched[j] = true;
				kept[i] = true;
				out->rules_kept++;
				break;
			}
		}
	}
	for (j = 0; j < cur_rules; j++) {
		if (matched[j])
			continue;
		rc = push(out, &cap, VS_DIFF_RULE_DEL, j, cur->rules[j].name, cur->rules[j].pos);
		if (rc < 0)
			goto fail;
	}
	for (i = 0; i < next->n_rules; i++) {
		if (kept[i])
			continue;
		rc = push(out, &cap, VS_DIFF_RULE_ADD, i, next->rules[i].name, next->rules[i].pos);
		if (rc < 0)
			goto fail;
	}
	/* 4, 5: rx queues, then the ports that go. */
	for (j = 0; j < cur_ports; j++)
		if (vs_config_port(next, cur->ports[j].name) == NULL)
			rxq = true;
	if (rxq) {
		rc = push(out, &cap, VS_DIFF_RXQ_ASSIGN, 0, NULL, nopos);
		if (rc < 0)
			goto fail;
	}
	for (j = 0; j < cur_ports; j++) {
		if (vs_config_port(next, cur->ports[j].name) != NULL)
			continue;
		rc = push(out, &cap, VS_DIFF_PORT_DEL, j, cur->ports[j].name, cur->ports[j].pos);
		if (rc < 0)
			goto fail;
	}
	if (cur != NULL && cur->classifier.emc_entries != next->classifier.emc_entries) {
		rc = push(out, &cap, VS_DIFF_EMC, 0, NULL, nopos);
		if (rc < 0)
			goto fail;
	}
	if (cur != NULL && (cur->control.stats_interval_ms != next->control.stats_interval_ms ||
			    cur->control.watch_file != next->control.watch_file)) {
		rc = push(out, &cap, VS_DIFF_CONTROL, 0, NULL, nopos);
		if (rc < 0)
			goto fail;
	}
	free(matched);
	free(kept);
	return 0;
fail:
	free(matched);
	free(kept);
	vs_diff_free(out);
	return rc;
}

void
vs_diff_free(struct vs_diff *d)
{
	if (d == NULL)
		return;
	free(d->a);
	memset(d, 0, sizeof(*d));
}

const char *
vs_diff_summary(const struct vs_diff *d, char *buf, size_t size)
{
	snprintf(buf, size,
		 "ports: %u added, %u changed, %u removed; rules: %u added, %u removed, %u "
		 "kept%s%s%s",
		 d->n_op[VS_DIFF_PORT_ADD], d->n_op[VS_DIFF_PORT_CHANGE], d->n_op[VS_DIFF_PORT_DEL],
		 d->n_op[VS_DIFF_RULE_ADD], d->n_op[VS_DIFF_RULE_DEL], d->rules_kept,
		 d->n_op[VS_DIFF_RXQ_ASSIGN] ? "; rx queues re-assigned" : "",
		 d->n_op[VS_DIFF_EMC] ? "; EMC resized" : "",
		 d->n_op[VS_DIFF_CONTROL] ? "; control settings changed" : "");
	return buf;
}
