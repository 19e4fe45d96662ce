/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compiled actions and rule compilation.
 *
 * A config rule becomes one compact, immutable action list (ports named by
 * switch port id) and one or more classifier matches: a port range in l4_src
 * or l4_dst expands into several value/mask pairs (vs_cls_range_to_masks),
 * and every expanded classifier rule points at the same action list, which
 * is reference counted and freed (by the classifier's data_free callback,
 * after the grace period) when its last classifier rule goes.
 */
#ifndef VS_ACTION_H
#define VS_ACTION_H

#include <stddef.h>
#include <stdint.h>

#include "vs_cls.h"
#include "vs_config.h"

enum vs_action_type {
	VS_ACTION_OUTPUT = 0,
	VS_ACTION_DROP,
	VS_ACTION_FLOOD,
	VS_ACTION_PUSH_VLAN,
	VS_ACTION_POP_VLAN,
	VS_ACTION_SET_ETH_SRC,
	VS_ACTION_SET_ETH_DST,
	VS_ACTION_CONTROLLER,	/* to the control thread (OpenFlow packet-in), max_len bytes */
	VS_ACTION_NORMAL,	/* MAC learning switch: learn, forward or flood (l2/) */
	VS_ACTION_IN_PORT,	/* back out of the input port (no hairpin check) */
	VS_ACTION_SET_VLAN_VID, /* the outer tag's VID (untagged: nothing) */
	VS_ACTION_SET_VLAN_PCP, /* the outer tag's PCP (untagged: nothing) */
};

struct vs_action {
	uint8_t type;	 /* enum vs_action_type */
	uint8_t last_tx; /* 1 on the last action that emits (output/flood) */
	uint16_t port;	 /* output: switch port id */
	uint16_t tci;	 /* push_vlan: PCP << 13 | VID (DEI 0); set_vlan_*: VID / PCP; host order */
	uint8_t mac[6];	 /* set_eth_*: */
	uint16_t max_len; /* controller: bytes of the frame for the packet-in */
	uint16_t tpid;	  /* push_vlan: 0x8100 or 0x88a8, host order */
};

struct vs_actions {
	uint32_t refcnt;     /* classifier rules sharing this list (ctl only) */
	uint32_t staged;     /* 1 until its transaction commits (ctl only) */
	uint32_t rule_index; /* position of the rule in the config file */
	uint64_t cookie;     /* OpenFlow cookie, for packet-ins (set while staged) */
	uint8_t table_id;    /* OpenFlow table, likewise */
	uint8_t miss_flow;   /* a table-miss flow: its packet-ins say NO_MATCH */
	uint16_t n;
	uint16_t n_tx; /* actions that emit packets (output, flood) */
	/* The list is one plain output: its port id + 1 (the fast path sends
	 * the packets of such rules to one port as one run); 0 otherwise. */
	uint16_t out_only;
	/* Last: a list kept by a rule is allocated with its n actions only
	 * (vs_actions_size); compilation fills a whole struct. */
	struct vs_action a[VS_CFG_MAX_ACTIONS];
};

/* Bytes of an action list of n actions (at least one slot: the fast path
 * may test a[0] before n). */
static inline size_t
vs_actions_size(uint16_t n)
{
	if (n > VS_CFG_MAX_ACTIONS)
		n = VS_CFG_MAX_ACTIONS;
	return offsetof(struct vs_actions, a) + (n != 0 ? n : 1u) * sizeof(struct vs_action);
}

/* Maximum classifier rules one config rule expands into (30 x 30 ranges). */
#define VS_RULE_MAX_EXPANSION 900

/*
 * Resolve a port name to a switch port id; returns the id or -1. The
 * switch's own table at apply time, a fixed table in tests.
 */
typedef int (*vs_port_lookup_fn)(const char *name, void *arg);

/*
 * Compile rule r: fill *acts (refcnt 0, the caller counts its users) and up
 * to max matches (max >= VS_RULE_MAX_EXPANSION is always enough). Returns the
 * number of matches, or -EINVAL (a port that does not resolve, a field that
 * cannot be expressed) or -ENOSPC (max too small).
 *
 * The list runs in order, then the action set (actions with in_set: OpenFlow
 * WRITE_ACTIONS) in the order OpenFlow 1.3 section 5.10 gives: the last
 * pop_vlan, the last push_vlan, every set field, the last output-like action
 * (output, in_port, flood, all, controller, normal); a set without an
 * output-like action does nothing.
 *
 * Implied fields: ip_* match fields imply eth_type 0x0800 / 0x86dd by their
 * family; `vlan: N` matches vlan_tci VS_VLAN_PRESENT | N under mask
 * VS_VLAN_PRESENT | VS_VLAN_VID_MASK (plus PCP when vlan_pcp is given);
 * `vlan: none` matches vlan_tci == 0 under a full mask.
 */
int vs_rule_compile(const struct vs_cfg_rule *r, uint32_t rule_index, vs_port_lookup_fn lookup,
		    void *lookup_arg, struct vs_actions *acts, struct vs_cls_match *matches,
		    unsigned max);

/* Classifier tiebreak for the rule at index rule_index ("earlier wins"). */
static inline uint64_t
vs_rule_tiebreak(uint32_t rule_index)
{
	return rule_index;
}

#endif /* VS_ACTION_H */
