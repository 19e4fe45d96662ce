/* SPDX-License-Identifier: BSD-3-Clause */
/* Rule compilation: config rule -> compiled action list + classifier matches. */
#include <errno.h>
#include <string.h>

#include "vs_action.h"

static void
prefix_to_key(const struct vs_cfg_prefix *p, uint8_t *key, uint8_t *mask)
{
	unsigned size = p->family == 6 ? 16 : 4;
	unsigned bits = p->len, i;

	for (i = 0; i < size; i++) {
		uint8_t m;

		if (p->masked)
			m = p->mask[i];
		else if (bits >= 8)
			m = 0xff;
		else
			m = (uint8_t)(0xff << (8 - bits));
		bits = bits >= 8 ? bits - 8 : 0;
		mask[i] = m;
		key[i] = p->addr[i] & m;
	}
}

static uint16_t
implied_eth_type(const struct vs_cfg_match *m)
{
	if (m->fields & VS_CFG_M_ETH_TYPE)
		return m->eth_type;
	if (m->fields & VS_CFG_M_IP_SRC)
		return m->ip_src.family == 6 ? 0x86dd : 0x0800;
	if (m->fields & VS_CFG_M_IP_DST)
		return m->ip_dst.family == 6 ? 0x86dd : 0x0800;
	/* The loader may already have filled in the implied type. */
	return m->eth_type;
}

static int
compile_base(const struct vs_cfg_match *m, vs_port_lookup_fn lookup, void *arg,
	     struct vs_cls_match *out)
{
	struct vs_flow_key *k = &out->key, *mk = &out->mask;
	uint16_t eth_type;

	memset(out, 0, sizeof(*out));
	if (m->fields & VS_CFG_M_IN_PORT) {
		int id = lookup(m->in_port, arg);

		if (id < 0)
			return -EINVAL;
		k->in_port = (uint16_t)id;
		mk->in_port = 0xffff;
	}
	if (m->fields & VS_CFG_M_ETH_SRC) {
		memcpy(k->eth_src, m->eth_src.b, 6);
		memcpy(mk->eth_src, m->eth_src_mask.b, 6);
	}
	if (m->fields & VS_CFG_M_ETH_DST) {
		memcpy(k->eth_dst, m->eth_dst.b, 6);
		memcpy(mk->eth_dst, m->eth_dst_mask.b, 6);
	}
	eth_type = implied_eth_type(m);
	if (eth_type != 0) {
		k->eth_type = eth_type;
		mk->eth_type = 0xffff;
	}
	if (m->fields & VS_CFG_M_VLAN_ID) {
		if (m->vlan_none) {
			k->vlan_tci = 0;
			mk->vlan_tci = 0xffff;
		} else {
			uint16_t vm = m->vlan_masked ? m->vlan_mask : VS_VLAN_VID_MASK;

			if (m->vlan_id > VS_VLAN_VID_MASK || vm > VS_VLAN_VID_MASK)
				return -EINVAL;
			k->vlan_tci = (uint16_t)(VS_VLAN_PRESENT | (m->vlan_id & vm));
			mk->vlan_tci = (uint16_t)(VS_VLAN_PRESENT | vm);
		}
	}
	if (m->fields & VS_CFG_M_VLAN_PCP) {
		if (m->vlan_pcp > 7 || ((m->fields & VS_CFG_M_VLAN_ID) && m->vlan_none))
			return -EINVAL;
		k->vlan_tci |= (uint16_t)(VS_VLAN_PRESENT | m->vlan_pcp << VS_VLAN_PCP_SHIFT);
		mk->vlan_tci |= (uint16_t)(VS_VLAN_PRESENT | 7u << VS_VLAN_PCP_SHIFT);
	}
	if (m->fields & VS_CFG_M_IP_SRC)
		prefix_to_key(&m->ip_src, k->ip_src, mk->ip_src);
	if (m->fields & VS_CFG_M_IP_DST)
		prefix_to_key(&m->ip_dst, k->ip_dst, mk->ip_dst);
	if (m->fields & VS_CFG_M_IP_PROTO) {
		k->ip_proto = m->ip_proto;
		mk->ip_proto = 0xff;
	}
	if (m->fields & VS_CFG_M_IP_DSCP) {
		k->ip_dscp = m->ip_dscp;
		mk->ip_dscp = 0xff;
	}
	if (m->fields & VS_CFG_M_ICMP_TYPE) {
		k->l4_src = m->icmp_type;
		mk->l4_src = 0xffff;
	}
	if (m->fields & VS_CFG_M_ICMP_CODE) {
		k->l4_dst = m->icmp_code;
		mk->l4_dst = 0xffff;
	}
	if (m->fields & VS_CFG_M_TUN_ID) {
		k->tun_id[0] = (uint8_t)(m->tun_id >> 16);
		k->tun_id[1] = (uint8_t)(m->tun_id >> 8);
		k->tun_id[2] = (uint8_t)m->tun_id;
		memset(mk->tun_id, 0xff, sizeof(mk->tun_id));
	}
	if (m->fields & VS_CFG_M_TUN_SRC) {
		memcpy(k->tun_src, m->tun_src, sizeof(k->tun_src));
		memset(mk->tun_src, 0xff, sizeof(mk->tun_src));
	}
	return 0;
}

static bool
emits(enum vs_cfg_action_type t)
{
	return t == VS_CFG_ACT_OUTPUT || t == VS_CFG_ACT_IN_PORT || t == VS_CFG_ACT_FLOOD ||
	       t == VS_CFG_ACT_ALL || t == VS_CFG_ACT_CONTROLLER || t == VS_CFG_ACT_NORMAL;
}

static bool
sets_field(enum vs_cfg_action_type t)
{
	return t == VS_CFG_ACT_SET_ETH_SRC || t == VS_CFG_ACT_SET_ETH_DST ||
	       t == VS_CFG_ACT_SET_VLAN_VID || t == VS_CFG_ACT_SET_VLAN_PCP;
}

/* The cfg actions in execution order: the list, then the action set. */
static uint32_t
exec_order(const struct vs_cfg_rule *r, uint32_t *order)
{
	int pop = -1, push = -1, out = -1;
	uint32_t i, n = 0;

	for (i = 0; i < r->n_actions; i++) {
		const struct vs_cfg_action *ca = &r->actions[i];

		if (!ca->in_set)
			order[n++] = i;
		else if (ca->type == VS_CFG_ACT_POP_VLAN)
			pop = (int)i;
		else if (ca->type == VS_CFG_ACT_PUSH_VLAN)
			push = (int)i;
		else if (emits(ca->type))
			out = (int)i;
	}
	if (out < 0) /* no output in the set: the set does nothing */
		return n;
	if (pop >= 0)
		order[n++] = (uint32_t)pop;
	if (push >= 0)
		order[n++] = (uint32_t)push;
	for (i = 0; i < r->n_actions; i++)
		if (r->actions[i].in_set && sets_field(r->actions[i].type))
			order[n++] = i;
	order[n++] = (uint32_t)out;
	return n;
}

static int
compile_actions(const struct vs_cfg_rule *r, vs_port_lookup_fn lookup, void *arg,
		struct vs_actions *acts)
{
	uint32_t order[VS_CFG_MAX_ACTIONS], n, i;
	int last = -1;

	if (r->n_actions == 0 || r->n_actions > VS_CFG_MAX_ACTIONS)
		return -EINVAL;
	n = exec_order(r, order);
	for (i = 0; i < n; i++) {
		const struct vs_cfg_action *ca = &r->actions[order[i]];
		struct vs_action *a = &acts->a[i];
		int id;

		memset(a, 0, sizeof(*a));
		if (emits(ca->type)) {
			last = (int)i;
			acts->n_tx++;
		}
		switch (ca->type) {
		case VS_CFG_ACT_OUTPUT:
			id = lookup(ca->port, arg);
			if (id < 0)
				return -EINVAL;
			a->type = VS_ACTION_OUTPUT;
			a->port = (uint16_t)id;
			break;
		case VS_CFG_ACT_IN_PORT:
			a->type = VS_ACTION_IN_PORT;
			break;
		case VS_CFG_ACT_DROP:
			a->type = VS_ACTION_DROP;
			break;
		case VS_CFG_ACT_CONTROLLER:
			a->type = VS_ACTION_CONTROLLER;
			a->max_len = ca->max_len;
			break;
		case VS_CFG_ACT_NORMAL:
			a->type = VS_ACTION_NORMAL;
			break;
		case VS_CFG_ACT_FLOOD:
		case VS_CFG_ACT_ALL: /* no port is kept out of floods: the same */
			a->type = VS_ACTION_FLOOD;
			break;
		case VS_CFG_ACT_PUSH_VLAN:
			if (ca->vlan_id > VS_VLAN_VID_MASK || ca->vlan_pcp > 7 ||
			    (ca->vlan_tpid != 0 && ca->vlan_tpid != 0x8100 &&
			     ca->vlan_tpid != 0x88a8))
				return -EINVAL;
			a->type = VS_ACTION_PUSH_VLAN;
			a->tci = (uint16_t)(ca->vlan_pcp << VS_VLAN_PCP_SHIFT | ca->vlan_id);
			a->tpid = ca->vlan_tpid ? ca->vlan_tpid : 0x8100;
			break;
		case VS_CFG_ACT_POP_VLAN:
			a->type = VS_ACTION_POP_VLAN;
			break;
		case VS_CFG_ACT_SET_ETH_SRC:
			a->type = VS_ACTION_SET_ETH_SRC;
			memcpy(a->mac, ca->mac.b, 6);
			break;
		case VS_CFG_ACT_SET_ETH_DST:
			a->type = VS_ACTION_SET_ETH_DST;
			memcpy(a->mac, ca->mac.b, 6);
			break;
		case VS_CFG_ACT_SET_VLAN_VID:
			if (ca->vlan_id > VS_VLAN_VID_MASK)
				return -EINVAL;
			a->type = VS_ACTION_SET_VLAN_VID;
			a->tci = ca->vlan_id;
			break;
		case VS_CFG_ACT_SET_VLAN_PCP:
			if (ca->vlan_pcp > 7)
				return -EINVAL;
			a->type = VS_ACTION_SET_VLAN_PCP;
			a->tci = ca->vlan_pcp;
			break;
		default:
			return -EINVAL;
		}
	}
	acts->n = (uint16_t)n;
	if (last >= 0)
		acts->a[last].last_tx = 1;
	/* Nothing after the last emission can be observed: trim it. */
	if (last >= 0)
		acts->n = (uint16_t)(last + 1);
	if (acts->n == 1 && acts->a[0].type == VS_ACTION_OUTPUT)
		acts->out_only = (uint16_t)(acts->a[0].port + 1);
	return 0;
}

int
vs_rule_compile(const struct vs_cfg_rule *r, uint32_t rule_index, vs_port_lookup_fn lookup,
		void *lookup_arg, struct vs_actions *acts, struct vs_cls_match *matches,
		unsigned max)
{
	uint16_t sval[32], smask[32], dval[32], dmask[32];
	unsigned ns = 1, nd = 1, i, j, n = 0;
	struct vs_cls_match base;
	int rc;

	memset(acts, 0, sizeof(*acts));
	acts->rule_index = rule_index;
	rc = compile_actions(r, lookup, lookup_arg, acts);
	if (rc < 0)
		return rc;
	rc = compile_base(&r->match, lookup, lookup_arg, &base);
	if (rc < 0)
		return rc;

	/* a bitmask is one value/mask pair; a range expands into several */
	if ((r->match.fields & VS_CFG_M_L4_SRC) && r->match.l4_src_mask) {
		sval[0] = r->match.l4_src_lo;
		smask[0] = r->match.l4_src_mask;
	} else if (r->match.fields & VS_CFG_M_L4_SRC) {
		if (r->match.l4_src_lo > r->match.l4_src_hi)
			return -EINVAL;
		ns = vs_cls_range_to_masks(r->match.l4_src_lo, r->match.l4_src_hi, sval, smask);
	}
	if ((r->match.fields & VS_CFG_M_L4_DST) && r->match.l4_dst_mask) {
		dval[0] = r->match.l4_dst_lo;
		dmask[0] = r->match.l4_dst_mask;
	} else if (r->match.fields & VS_CFG_M_L4_DST) {
		if (r->match.l4_dst_lo > r->match.l4_dst_hi)
			return -EINVAL;
		nd = vs_cls_range_to_masks(r->match.l4_dst_lo, r->match.l4_dst_hi, dval, dmask);
	}
	if (ns * nd > max)
		return -ENOSPC;
	for (i = 0; i < ns; i++) {
		for (j = 0; j < nd; j++) {
			struct vs_cls_match *m = &matches[n++];

			*m = base;
			if (r->match.fields & VS_CFG_M_L4_SRC) {
				m->key.l4_src = sval[i] & smask[i];
				m->mask.l4_src = smask[i];
			}
			if (r->match.fields & VS_CFG_M_L4_DST) {
				m->key.l4_dst = dval[j] & dmask[j];
				m->mask.l4_dst = dmask[j];
			}
		}
	}
	return (int)n;
}
