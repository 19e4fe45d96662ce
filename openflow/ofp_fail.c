/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fail_mode standalone: the switch's own fallback rule while no controller
 * is connected. One rule of source VS_RULE_SRC_FALLBACK, priority 0, match
 * all, action normal (MAC learning, l2/), placed after the file's rules and
 * before every runtime rule of priority 0 (VS_TB_FALLBACK): it takes the
 * place of a controller's table-miss flow, so the controller's other flows
 * keep forwarding what they match and the rest is switched by MAC learning.
 * Added and removed as one rule transaction each, like a flow_mod.
 */
#include <errno.h>
#include <string.h>

#include "vs_openflow.h"
#include "vs_rules.h"

static struct vs_sw_rule *
fallback_rule(struct vs_switch *sw)
{
	struct vs_sw_rule *r;

	for (r = vs_switch_rule_first(sw); r != NULL; r = vs_switch_rule_next(sw, r))
		if (r->src == VS_RULE_SRC_FALLBACK)
			return r;
	return NULL;
}

bool
vs_ofp_fallback_present(struct vs_switch *sw)
{
	return fallback_rule(sw) != NULL;
}

int
vs_ofp_fallback_set(struct vs_switch *sw, bool on, struct vs_cfg_error *err)
{
	struct vs_sw_rule *r = fallback_rule(sw);
	struct vs_rule_txn *txn;
	struct vs_cfg_rule spec;
	int rc;

	if ((r != NULL) == on)
		return 0;
	txn = vs_rule_txn_begin(sw);
	if (txn == NULL)
		return -errno;
	if (on) {
		memset(&spec, 0, sizeof(spec));
		spec.priority = 0;
		spec.actions[0].type = VS_CFG_ACT_NORMAL;
		spec.n_actions = 1;
		rc = vs_rule_txn_add(txn, &spec, VS_RULE_SRC_FALLBACK, VS_TB_FALLBACK, NULL, err);
	} else {
		rc = vs_rule_txn_del(txn, r, err);
	}
	if (rc < 0) {
		vs_rule_txn_abort(txn);
		return rc;
	}
	return vs_rule_txn_commit(txn, err);
}
