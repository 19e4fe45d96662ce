/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FLOW_MOD -> rule transactions, flow, aggregate and table stats, timeouts.
 *
 * The controller's flows live in the OpenFlow tables (ofp_pipe.c), which
 * flatten them into derived rules; each derived rule is a switch rule of
 * source VS_RULE_SRC_OPENFLOW staged here through vs_rule_txn_*, the same
 * path as a ctl rule change: one FLOW_MOD (or one round of expiry) is one
 * transaction, committed at once. Only OpenFlow rules are ever touched, so a
 * controller never changes the file's or ctl's rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vs_action.h"
#include "vs_ofp_pipe.h"
#include "vs_openflow.h"
#include "vs_rules.h"

static int
fail(struct vs_ofp_err *e, uint16_t type, uint16_t code)
{
	e->type = type;
	e->code = code;
	return -EBADMSG;
}

/* ---- ports ---- */

static const char *
port_name(const struct vs_config *cfg, uint32_t ofport)
{
	uint32_t i;

	for (i = 0; i < cfg->n_ports; i++)
		if (vs_config_ofport(cfg, i) == ofport)
			return cfg->ports[i].name;
	return NULL;
}

static uint32_t
port_no(const struct vs_config *cfg, const char *name)
{
	int i = vs_config_port_index(cfg, name);

	return i < 0 ? 0 : vs_config_ofport(cfg, (uint32_t)i);
}

/* ---- match ---- */

/* Length of a contiguous prefix mask of size bytes, or -1. */
static int
prefix_len(const uint8_t *mask, unsigned int size)
{
	unsigned int i, len = 0;
	bool zeros = false;

	for (i = 0; i < size * 8; i++) {
		bool bit = (mask[i / 8] >> (7 - i % 8)) & 1;

		if (bit && zeros)
			return -1;
		if (!bit)
			zeros = true;
		else
			len++;
	}
	return (int)len;
}

static int
to_prefix(const struct vs_ofp_match *m, unsigned int f, uint8_t family, struct vs_cfg_prefix *p,
	  struct vs_ofp_err *e)
{
	unsigned int size = family == 4 ? 4 : 16, i;
	int len = prefix_len(m->mask[f], size);

	(void)e;
	memset(p, 0, sizeof(*p));
	p->family = family;
	if (len < 0) { /* any other mask: kept as it is */
		p->masked = true;
		memcpy(p->mask, m->mask[f], size);
	} else {
		p->len = (uint8_t)len;
	}
	for (i = 0; i < size; i++)
		p->addr[i] = m->val[f][i] & m->mask[f][i];
	return 0;
}

int
vs_ofp_match_to_cfg(const struct vs_config *cfg, const struct vs_ofp_match *m,
		    struct vs_cfg_match *out, struct vs_ofp_err *e)
{
	static const unsigned int l4_src[] = {VS_OXM_TCP_SRC, VS_OXM_UDP_SRC, VS_OXM_SCTP_SRC};
	static const unsigned int l4_dst[] = {VS_OXM_TCP_DST, VS_OXM_UDP_DST, VS_OXM_SCTP_DST};
	unsigned int i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (vs_ofp_match_has(m, VS_OXM_IN_PORT)) {
		const char *name = port_name(cfg, vs_ofp_match_u32(m, VS_OXM_IN_PORT));

		if (name == NULL)
			return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_VALUE);
		snprintf(out->in_port, sizeof(out->in_port), "%s", name);
		out->fields |= VS_CFG_M_IN_PORT;
	}
	if (vs_ofp_match_has(m, VS_OXM_ETH_SRC)) {
		for (i = 0; i < 6; i++)
			out->eth_src.b[i] = m->val[VS_OXM_ETH_SRC][i] & m->mask[VS_OXM_ETH_SRC][i];
		memcpy(out->eth_src_mask.b, m->mask[VS_OXM_ETH_SRC], 6);
		out->fields |= VS_CFG_M_ETH_SRC;
	}
	if (vs_ofp_match_has(m, VS_OXM_ETH_DST)) {
		for (i = 0; i < 6; i++)
			out->eth_dst.b[i] = m->val[VS_OXM_ETH_DST][i] & m->mask[VS_OXM_ETH_DST][i];
		memcpy(out->eth_dst_mask.b, m->mask[VS_OXM_ETH_DST], 6);
		out->fields |= VS_CFG_M_ETH_DST;
	}
	if (vs_ofp_match_has(m, VS_OXM_ETH_TYPE)) {
		out->eth_type = vs_ofp_match_u16(m, VS_OXM_ETH_TYPE);
		out->fields |= VS_CFG_M_ETH_TYPE;
	}
	if (vs_ofp_match_has(m, VS_OXM_VLAN_VID)) {
		uint16_t v = vs_ofp_match_u16(m, VS_OXM_VLAN_VID);
		uint16_t mk =
		    (uint16_t)(m->mask[VS_OXM_VLAN_VID][0] << 8 | m->mask[VS_OXM_VLAN_VID][1]);

		/* the mask must say whether there is a tag: untagged
		 * (OFPVID_NONE), an exact id, or ids under a mask (0x1000/0x1000:
		 * any tagged frame) */
		if (!(mk & VS_OFPVID_PRESENT))
			return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_MASK);
		if (v == VS_OFPVID_NONE) {
			out->vlan_none = true;
		} else if (v & VS_OFPVID_PRESENT) {
			out->vlan_id = v & 0x0fff;
			if ((mk & 0x0fff) != 0x0fff) {
				out->vlan_masked = true;
				out->vlan_mask = mk & 0x0fff;
			}
		} else {
			return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_VALUE);
		}
		out->fields |= VS_CFG_M_VLAN_ID;
	}
	if (vs_ofp_match_has(m, VS_OXM_VLAN_PCP)) {
		out->vlan_pcp = m->val[VS_OXM_VLAN_PCP][0];
		out->fields |= VS_CFG_M_VLAN_PCP;
	}
	if (vs_ofp_match_has(m, VS_OXM_IP_DSCP)) {
		out->ip_dscp = m->val[VS_OXM_IP_DSCP][0];
		out->fields |= VS_CFG_M_IP_DSCP;
	}
	if (vs_ofp_match_has(m, VS_OXM_IP_PROTO)) {
		out->ip_proto = m->val[VS_OXM_IP_PROTO][0];
		out->fields |= VS_CFG_M_IP_PROTO;
	}
	if (vs_ofp_match_has(m, VS_OXM_IPV4_SRC) || vs_ofp_match_has(m, VS_OXM_IPV6_SRC)) {
		bool v4 = vs_ofp_match_has(m, VS_OXM_IPV4_SRC);

		rc = to_prefix(m, v4 ? VS_OXM_IPV4_SRC : VS_OXM_IPV6_SRC, v4 ? 4 : 6, &out->ip_src,
			       e);
		if (rc < 0)
			return rc;
		out->fields |= VS_CFG_M_IP_SRC;
	}
	if (vs_ofp_match_has(m, VS_OXM_IPV4_DST) || vs_ofp_match_has(m, VS_OXM_IPV6_DST)) {
		bool v4 = vs_ofp_match_has(m, VS_OXM_IPV4_DST);

		rc = to_prefix(m, v4 ? VS_OXM_IPV4_DST : VS_OXM_IPV6_DST, v4 ? 4 : 6, &out->ip_dst,
			       e);
		if (rc < 0)
			return rc;
		out->fields |= VS_CFG_M_IP_DST;
	}
	for (i = 0; i < 3; i++) {
		if (vs_ofp_match_has(m, l4_src[i])) {
			uint16_t mk =
			    (uint16_t)(m->mask[l4_src[i]][0] << 8 | m->mask[l4_src[i]][1]);

			out->l4_src_lo = out->l4_src_hi = vs_ofp_match_u16(m, l4_src[i]) & mk;
			out->l4_src_mask = mk == 0xffff ? 0 : mk;
			if (mk != 0)
				out->fields |= VS_CFG_M_L4_SRC;
		}
		if (vs_ofp_match_has(m, l4_dst[i])) {
			uint16_t mk =
			    (uint16_t)(m->mask[l4_dst[i]][0] << 8 | m->mask[l4_dst[i]][1]);

			out->l4_dst_lo = out->l4_dst_hi = vs_ofp_match_u16(m, l4_dst[i]) & mk;
			out->l4_dst_mask = mk == 0xffff ? 0 : mk;
			if (mk != 0)
				out->fields |= VS_CFG_M_L4_DST;
		}
	}
	if (vs_ofp_match_has(m, VS_OXM_ICMPV4_TYPE) || vs_ofp_match_has(m, VS_OXM_ICMPV6_TYPE)) {
		out->icmp_type = vs_ofp_match_has(m, VS_OXM_ICMPV4_TYPE)
				     ? m->val[VS_OXM_ICMPV4_TYPE][0]
				     : m->val[VS_OXM_ICMPV6_TYPE][0];
		out->fields |= VS_CFG_M_ICMP_TYPE;
	}
	if (vs_ofp_match_has(m, VS_OXM_ICMPV4_CODE) || vs_ofp_match_has(m, VS_OXM_ICMPV6_CODE)) {
		out->icmp_code = vs_ofp_match_has(m, VS_OXM_ICMPV4_CODE)
				     ? m->val[VS_OXM_ICMPV4_CODE][0]
				     : m->val[VS_OXM_ICMPV6_CODE][0];
		out->fields |= VS_CFG_M_ICMP_CODE;
	}
	return 0;
}

static void
set_prefix(struct vs_ofp_match *out, unsigned int f4, unsigned int f6,
	   const struct vs_cfg_prefix *p)
{
	uint8_t mask[16] = {0};
	unsigned int size = p->family == 4 ? 4 : 16, i;

	if (p->masked) {
		vs_ofp_match_set(out, p->family == 4 ? f4 : f6, p->addr, p->mask);
		return;
	}
	for (i = 0; i < p->len && i < size * 8; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	vs_ofp_match_set(out, p->family == 4 ? f4 : f6, p->addr, p->len == size * 8 ? NULL : mask);
}

static void
set16(struct vs_ofp_match *m, unsigned int f, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	vs_ofp_match_set(m, f, b, NULL);
}

/* v under mask mk; an all-ones or zero mask (not masked): exact. */
static void
set16_masked(struct vs_ofp_match *m, unsigned int f, uint16_t v, uint16_t mk)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v}, bm[2] = {(uint8_t)(mk >> 8), (uint8_t)mk};

	vs_ofp_match_set(m, f, b, mk != 0 && mk != 0xffff ? bm : NULL);
}

int
vs_ofp_match_from_cfg(const struct vs_config *cfg, const struct vs_cfg_match *m,
		      struct vs_ofp_match *out)
{
	static const uint8_t ones[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	bool v6 = (m->fields & VS_CFG_M_ETH_TYPE) && m->eth_type == 0x86dd;
	unsigned int lsrc = VS_OXM_TCP_SRC, ldst = VS_OXM_TCP_DST;

	memset(out, 0, sizeof(*out));
	if (m->fields & VS_CFG_M_IN_PORT) {
		uint32_t no = port_no(cfg, m->in_port);
		uint8_t b[4] = {(uint8_t)(no >> 24), (uint8_t)(no >> 16), (uint8_t)(no >> 8),
				(uint8_t)no};

		if (no == 0)
			return -ENOENT;
		vs_ofp_match_set(out, VS_OXM_IN_PORT, b, NULL);
	}
	if (m->fields & VS_CFG_M_ETH_DST)
		vs_ofp_match_set(out, VS_OXM_ETH_DST, m->eth_dst.b,
				 memcmp(m->eth_dst_mask.b, ones, 6) ? m->eth_dst_mask.b : NULL);
	if (m->fields & VS_CFG_M_ETH_SRC)
		vs_ofp_match_set(out, VS_OXM_ETH_SRC, m->eth_src.b,
				 memcmp(m->eth_src_mask.b, ones, 6) ? m->eth_src_mask.b : NULL);
	if (m->fields & VS_CFG_M_ETH_TYPE)
		set16(out, VS_OXM_ETH_TYPE, m->eth_type);
	if ((m->fields & VS_CFG_M_VLAN_ID) && m->vlan_masked)
		set16_masked(out, VS_OXM_VLAN_VID, (uint16_t)(VS_OFPVID_PRESENT | m->vlan_id),
			     (uint16_t)(VS_OFPVID_PRESENT | m->vlan_mask));
	else if (m->fields & VS_CFG_M_VLAN_ID)
		set16(out, VS_OXM_VLAN_VID,
		      m->vlan_none ? VS_OFPVID_NONE : (uint16_t)(VS_OFPVID_PRESENT | m->vlan_id));
	if (m->fields & VS_CFG_M_VLAN_PCP)
		vs_ofp_match_set(out, VS_OXM_VLAN_PCP, &m->vlan_pcp, NULL);
	if (m->fields & VS_CFG_M_IP_DSCP)
		vs_ofp_match_set(out, VS_OXM_IP_DSCP, &m->ip_dscp, NULL);
	if (m->fields & VS_CFG_M_IP_PROTO)
		vs_ofp_match_set(out, VS_OXM_IP_PROTO, &m->ip_proto, NULL);
	if (m->fields & VS_CFG_M_IP_SRC)
		set_prefix(out, VS_OXM_IPV4_SRC, VS_OXM_IPV6_SRC, &m->ip_src);
	if (m->fields & VS_CFG_M_IP_DST)
		set_prefix(out, VS_OXM_IPV4_DST, VS_OXM_IPV6_DST, &m->ip_dst);
	if (m->ip_proto == 17)
		lsrc = VS_OXM_UDP_SRC, ldst = VS_OXM_UDP_DST;
	else if (m->ip_proto == 132)
		lsrc = VS_OXM_SCTP_SRC, ldst = VS_OXM_SCTP_DST;
	if (m->fields & VS_CFG_M_L4_SRC) {
		if (m->l4_src_lo != m->l4_src_hi)
			return -ENOENT;
		set16_masked(out, lsrc, m->l4_src_lo, m->l4_src_mask);
	}
	if (m->fields & VS_CFG_M_L4_DST) {
		if (m->l4_dst_lo != m->l4_dst_hi)
			return -ENOENT;
		set16_masked(out, ldst, m->l4_dst_lo, m->l4_dst_mask);
	}
	if (m->fields & VS_CFG_M_ICMP_TYPE)
		vs_ofp_match_set(out, v6 ? VS_OXM_ICMPV6_TYPE : VS_OXM_ICMPV4_TYPE, &m->icmp_type,
				 NULL);
	if (m->fields & VS_CFG_M_ICMP_CODE)
		vs_ofp_match_set(out, v6 ? VS_OXM_ICMPV6_CODE : VS_OXM_ICMPV4_CODE, &m->icmp_code,
				 NULL);
	return 0;
}

/* ---- actions ---- */

/* Does a packet of this match carry a VLAN tag? (OFPVID_PRESENT matched) */
static bool
match_tagged(const struct vs_cfg_match *m)
{
	return ((m->fields & VS_CFG_M_VLAN_ID) && !m->vlan_none) || (m->fields & VS_CFG_M_VLAN_PCP);
}

/* One OpenFlow action as a rule action; *tagged: whether the packet has a
 * tag at this point (set_field on the tag needs one, pop_vlan too). */
static int
action_to_cfg(const struct vs_config *cfg, const struct vs_ofp_action *oa, bool in_set,
	      bool *tagged, struct vs_cfg_action *a, struct vs_ofp_err *e)
{
	const char *name;

	memset(a, 0, sizeof(*a));
	a->in_set = in_set;
	switch (oa->type) {
	case VS_OFPACT_OUTPUT:
		switch (oa->port) {
		case VS_OFPP_IN_PORT:
			a->type = VS_CFG_ACT_IN_PORT;
			return 0;
		case VS_OFPP_FLOOD:
			a->type = VS_CFG_ACT_FLOOD;
			return 0;
		case VS_OFPP_ALL:
			a->type = VS_CFG_ACT_ALL;
			return 0;
		case VS_OFPP_CONTROLLER:
			a->type = VS_CFG_ACT_CONTROLLER;
			a->max_len = oa->max_len;
			return 0;
		case VS_OFPP_NORMAL:
			a->type = VS_CFG_ACT_NORMAL;
			return 0;
		default: /* TABLE (packet-out only), LOCAL (none here), unknown ports */
			name = oa->port <= VS_OFPP_MAX ? port_name(cfg, oa->port) : NULL;
			if (name == NULL)
				return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_OUT_PORT);
			a->type = VS_CFG_ACT_OUTPUT;
			snprintf(a->port, sizeof(a->port), "%s", name);
			return 0;
		}
	case VS_OFPACT_PUSH_VLAN:
		/* VID 0, PCP 0 until a set_field says otherwise, as OVS does */
		a->type = VS_CFG_ACT_PUSH_VLAN;
		a->vlan_tpid = oa->ethertype;
		*tagged = true;
		return 0;
	case VS_OFPACT_POP_VLAN:
		if (!*tagged)
			return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_MATCH_INCONSISTENT);
		a->type = VS_CFG_ACT_POP_VLAN;
		*tagged = false; /* an inner tag is not known to be there */
		return 0;
	default: /* VS_OFPACT_SET_FIELD */
		switch (oa->field) {
		case VS_OXM_ETH_SRC:
		case VS_OXM_ETH_DST:
			a->type = oa->field == VS_OXM_ETH_SRC ? VS_CFG_ACT_SET_ETH_SRC
							      : VS_CFG_ACT_SET_ETH_DST;
			memcpy(a->mac.b, oa->value, 6);
			return 0;
		case VS_OXM_VLAN_VID:
		case VS_OXM_VLAN_PCP:
			if (!*tagged) /* the OXM prerequisite: a tag to set */
				return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_MATCH_INCONSISTENT);
			if (oa->field == VS_OXM_VLAN_VID) {
				a->type = VS_CFG_ACT_SET_VLAN_VID;
				a->vlan_id =
				    (uint16_t)((oa->value[0] << 8 | oa->value[1]) & 0x0fff);
			} else {
				a->type = VS_CFG_ACT_SET_VLAN_PCP;
				a->vlan_pcp = oa->value[0];
			}
			return 0;
		default: /* L3/L4 rewrites: not in this switch */
			return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_SET_TYPE);
		}
	}
}

/*
 * The switch actions of a flow_mod's instructions: APPLY_ACTIONS in order
 * into apply[], WRITE_ACTIONS (marked in_set: the pipeline runs them in the
 * action set's order) into write[] (none: empty lists; the pipe composes
 * them with the other tables' and drops what has no output). The one place
 * a flow_mod's actions become switch actions. m: the flow's match (a
 * set_field on the tag, or pop_vlan, needs a tag there). Nothing is
 * installed unless all of them map.
 */
static int
actions_to_cfg(const struct vs_config *cfg, const struct vs_ofp_flow_mod *fm,
	       const struct vs_cfg_match *m, struct vs_cfg_action *apply, uint32_t *n_apply,
	       struct vs_cfg_action *write, uint32_t *n_write, struct vs_ofp_err *e)
{
	bool tagged = match_tagged(m), set_tagged;
	bool set_push = false, set_pop = false;
	uint32_t i;
	int rc;

	if (fm->n_apply + fm->n_write > VS_CFG_MAX_ACTIONS)
		return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_TOO_MANY);
	memset(apply, 0, sizeof(*apply) * VS_CFG_MAX_ACTIONS);
	memset(write, 0, sizeof(*write) * VS_CFG_MAX_ACTIONS);
	for (i = 0; i < fm->n_apply; i++) {
		rc = action_to_cfg(cfg, &fm->apply[i], false, &tagged, &apply[i], e);
		if (rc < 0)
			return rc;
	}
	/* the set runs pop, push, then the set fields: check it in that order */
	for (i = 0; i < fm->n_write; i++) {
		set_pop |= fm->write[i].type == VS_OFPACT_POP_VLAN;
		set_push |= fm->write[i].type == VS_OFPACT_PUSH_VLAN;
	}
	set_tagged = set_push || (tagged && !set_pop);
	for (i = 0; i < fm->n_write; i++) {
		bool tg = fm->write[i].type == VS_OFPACT_POP_VLAN ? tagged : set_tagged;

		rc = action_to_cfg(cfg, &fm->write[i], true, &tg, &write[i], e);
		if (rc < 0)
			return rc;
	}
	*n_apply = fm->n_apply;
	*n_write = fm->n_write;
	return 0;
}

static void
set_act(struct vs_ofp_action *a, unsigned int field, uint16_t v)
{
	memset(a, 0, sizeof(*a));
	a->type = VS_OFPACT_SET_FIELD;
	a->field = (uint8_t)field;
	if (field == VS_OXM_VLAN_PCP) {
		a->value[0] = (uint8_t)v;
	} else {
		a->value[0] = (uint8_t)(v >> 8);
		a->value[1] = (uint8_t)v;
	}
}

/*
 * The switch actions ca[0..n_ca) as OpenFlow actions into out (at most
 * max); their number. A flow's actions map one to one (at most
 * VS_CFG_MAX_ACTIONS in all); a push_vlan with a tag becomes push_vlan and
 * set_fields, cut at max; a drop is no action.
 */
static uint32_t
actions_from_cfg(const struct vs_config *cfg, const struct vs_cfg_action *ca, uint32_t n_ca,
		 struct vs_ofp_action *out, uint32_t max)
{
	uint32_t i, n = 0;

	for (i = 0; i < n_ca && i < VS_CFG_MAX_ACTIONS && n < max; i++) {
		struct vs_ofp_action *a = &out[n];

		memset(a, 0, sizeof(*a));
		a->type = VS_OFPACT_OUTPUT;
		a->max_len = VS_OFPCML_NO_BUFFER;
		switch (ca[i].type) {
		case VS_CFG_ACT_OUTPUT:
			a->port = port_no(cfg, ca[i].port);
			break;
		case VS_CFG_ACT_IN_PORT:
			a->port = VS_OFPP_IN_PORT;
			break;
		case VS_CFG_ACT_FLOOD:
			a->port = VS_OFPP_FLOOD;
			break;
		case VS_CFG_ACT_ALL:
			a->port = VS_OFPP_ALL;
			break;
		case VS_CFG_ACT_NORMAL:
			a->port = VS_OFPP_NORMAL;
			break;
		case VS_CFG_ACT_CONTROLLER:
			a->port = VS_OFPP_CONTROLLER;
			a->max_len = ca[i].max_len;
			break;
		case VS_CFG_ACT_PUSH_VLAN:
			memset(a, 0, sizeof(*a));
			a->type = VS_OFPACT_PUSH_VLAN;
			a->ethertype = ca[i].vlan_tpid ? ca[i].vlan_tpid : 0x8100;
			/* a push_vlan that carries its tag: as set_fields */
			if (ca[i].vlan_id != 0 && n + 1 < max)
				set_act(&out[++n], VS_OXM_VLAN_VID,
					(uint16_t)(VS_OFPVID_PRESENT | ca[i].vlan_id));
			if (ca[i].vlan_pcp != 0 && n + 1 < max)
				set_act(&out[++n], VS_OXM_VLAN_PCP, ca[i].vlan_pcp);
			break;
		case VS_CFG_ACT_POP_VLAN:
			a->type = VS_OFPACT_POP_VLAN;
			a->max_len = 0;
			break;
		case VS_CFG_ACT_SET_ETH_SRC:
		case VS_CFG_ACT_SET_ETH_DST:
			memset(a, 0, sizeof(*a));
			a->type = VS_OFPACT_SET_FIELD;
			a->field =
			    ca[i].type == VS_CFG_ACT_SET_ETH_SRC ? VS_OXM_ETH_SRC : VS_OXM_ETH_DST;
			memcpy(a->value, ca[i].mac.b, 6);
			break;
		case VS_CFG_ACT_SET_VLAN_VID:
			set_act(a, VS_OXM_VLAN_VID, (uint16_t)(VS_OFPVID_PRESENT | ca[i].vlan_id));
			break;
		case VS_CFG_ACT_SET_VLAN_PCP:
			set_act(a, VS_OXM_VLAN_PCP, ca[i].vlan_pcp);
			break;
		default: /* drop */
			continue;
		}
		n++;
	}
	return n;
}

/* ---- the tables over the switch ---- */

struct vs_ofp_tables {
	struct vs_switch *sw;
	struct vs_ofp_pipe *pipe;
	struct vs_rule_txn *txn;
	const struct vs_config *cfg; /* of the call in progress */
	vs_ofp_flow_removed_fn removed;
	void *removed_arg;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
be_begin(void *arg)
{
	struct vs_ofp_tables *t = arg;

	t->txn = vs_rule_txn_begin(t->sw);
	return t->txn == NULL ? -errno : 0;
}

static int
be_add(void *arg, struct vs_ofp_drv *d, uint64_t tiebreak, char *msg, size_t size)
{
	struct vs_ofp_tables *t = arg;
	struct vs_sw_rule *r = NULL;
	struct vs_cfg_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = vs_rule_txn_add(t->txn, d->spec, VS_RULE_SRC_OPENFLOW, tiebreak, &r, &err);
	if (rc < 0) {
		snprintf(msg, size, "%s", err.msg);
		return rc;
	}
	r->cookie = d->path[0]->cookie;
	r->table_id = d->path[0]->table_id;
	/* staged until the commit: no worker sees it yet */
	r->acts->cookie = d->cookie;
	r->acts->table_id = d->table_id;
	/* the OpenFlow 1.3 table-miss flow: packet-ins say NO_MATCH */
	r->acts->miss_flow = d->miss_flow;
	d->handle = r;
	return 0;
}

static int
be_del(void *arg, struct vs_ofp_drv *d)
{
	struct vs_ofp_tables *t = arg;
	struct vs_cfg_error err;

	return vs_rule_txn_del(t->txn, d->handle, &err);
}

static int
be_commit(void *arg, char *msg, size_t size)
{
	struct vs_ofp_tables *t = arg;
	struct vs_cfg_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = vs_rule_txn_commit(t->txn, &err);
	t->txn = NULL;
	if (rc < 0)
		snprintf(msg, size, "%s", err.msg);
	return rc;
}

static void
be_abort(void *arg)
{
	struct vs_ofp_tables *t = arg;

	vs_rule_txn_abort(t->txn);
	t->txn = NULL;
}

static void
be_counters(void *arg, const struct vs_ofp_drv *d, uint64_t *pkts, uint64_t *bytes)
{
	struct vs_ofp_tables *t = arg;
	const struct vs_sw_rule *r = d->handle;

	vs_switch_rule_counters(t->sw, r, pkts, bytes);
}

static uint64_t
be_now(void *arg)
{
	(void)arg;
	return now_ns();
}

/* the rule layer keeps the spec verbatim: the pipe need not */
static const struct vs_cfg_rule *
be_spec(void *arg, const struct vs_ofp_drv *d)
{
	const struct vs_sw_rule *r = d->handle;

	(void)arg;
	return &r->spec;
}

static const struct vs_ofp_pipe_ops be_ops = {
    .begin = be_begin,
    .add = be_add,
    .del = be_del,
    .commit = be_commit,
    .abort = be_abort,
    .counters = be_counters,
    .now_ns = be_now,
    .spec = be_spec,
};

struct vs_ofp_tables *
vs_ofp_tables_create(struct vs_switch *sw, uint32_t n_tables, vs_ofp_flow_removed_fn removed,
		     void *arg)
{
	struct vs_ofp_tables *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->sw = sw;
	t->removed = removed;
	t->removed_arg = arg;
	t->pipe = vs_ofp_pipe_create(n_tables, &be_ops, t);
	if (t->pipe == NULL) {
		int e = errno;

		free(t);
		errno = e;
		return NULL;
	}
	return t;
}

void
vs_ofp_tables_destroy(struct vs_ofp_tables *t)
{
	if (t == NULL)
		return;
	vs_ofp_pipe_destroy(t->pipe);
	free(t);
}

void
vs_ofp_tables_info(const struct vs_ofp_tables *t, uint32_t *n_tables, uint32_t *n_flows,
		   uint32_t *n_derived)
{
	uint32_t i, n = 0;

	*n_tables = t ? vs_ofp_pipe_n_tables(t->pipe) : 0;
	for (i = 0; i < *n_tables; i++)
		n += vs_ofp_pipe_n_flows(t->pipe, i);
	*n_flows = n;
	*n_derived = t ? vs_ofp_pipe_n_derived(t->pipe) : 0;
}

/* A flow going: FLOW_REMOVED to the channel. */
static void
on_removed(void *arg, const struct vs_ofp_pflow *f, uint8_t reason, uint64_t age_ns, uint64_t pkts,
	   uint64_t bytes)
{
	static struct vs_ofp_match m; /* control thread only */
	struct vs_ofp_tables *t = arg;
	struct vs_ofp_flow_removed fr;

	if (t->removed == NULL || vs_ofp_match_from_cfg(t->cfg, &f->match, &m) < 0)
		return;
	memset(&fr, 0, sizeof(fr));
	fr.cookie = f->cookie;
	fr.priority = f->priority;
	fr.reason = reason;
	fr.table_id = f->table_id;
	fr.duration_sec = (uint32_t)(age_ns / 1000000000u);
	fr.duration_nsec = (uint32_t)(age_ns % 1000000000u);
	fr.idle_timeout = f->idle_timeout;
	fr.hard_timeout = f->hard_timeout;
	fr.packet_count = pkts;
	fr.byte_count = bytes;
	fr.match = &m;
	t->removed(t->removed_arg, &fr);
}

/* ---- flow_mod ---- */

static bool
outputs_to(const struct vs_config *cfg, const struct vs_ofp_pflow *f, uint32_t port)
{
	struct vs_ofp_action acts[VS_CFG_MAX_ACTIONS];
	uint32_t n, i;
	int set;

	if (port == VS_OFPP_ANY)
		return true;
	for (set = 0; set < 2; set++) {
		n = actions_from_cfg(cfg, set ? f->write : f->apply, set ? f->n_write : f->n_apply,
				     acts, VS_CFG_MAX_ACTIONS);
		for (i = 0; i < n; i++)
			if (acts[i].type == VS_OFPACT_OUTPUT && acts[i].port == port)
				return true;
	}
	return false;
}

struct out_filter {
	const struct vs_config *cfg;
	uint32_t port;
};

static bool
filter_out_port(void *arg, const struct vs_ofp_pflow *f)
{
	const struct out_filter *o = arg;

	return outputs_to(o->cfg, f, o->port);
}

static int
pipe_fail(const struct vs_ofp_pipe_err *pe, struct vs_ofp_err *e, char *msg, size_t size)
{
	if (msg != NULL && size > 0)
		snprintf(msg, size, "%s", pe->msg);
	return fail(e, pe->type, pe->code);
}

int
vs_ofp_flow_mod(struct vs_ofp_tables *t, const struct vs_config *cfg,
		const struct vs_ofp_flow_mod *fm, struct vs_ofp_err *e, char *msg, size_t size)
{
	bool del = fm->command == VS_OFPFC_DELETE || fm->command == VS_OFPFC_DELETE_STRICT;
	static struct vs_ofp_pipe_mod m; /* control thread only */
	struct out_filter of = {cfg, fm->out_port};
	struct vs_ofp_pipe_err pe;
	int rc;

	if (msg != NULL && size > 0)
		msg[0] = '\0';
	if (fm->command > VS_OFPFC_DELETE_STRICT)
		return fail(e, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_BAD_COMMAND);
	if (!del && fm->buffer_id != VS_OFP_NO_BUFFER)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BUFFER_UNKNOWN);
	/* NO_PKT_COUNTS / NO_BYT_COUNTS: counted all the same (the spec allows it) */
	memset(&m, 0, sizeof(m));
	m.command = fm->command;
	m.table_id = fm->table_id;
	m.priority = fm->priority;
	m.cookie = fm->cookie;
	m.cookie_mask = fm->command == VS_OFPFC_ADD ? 0 : fm->cookie_mask;
	m.flags = fm->flags;
	m.idle_timeout = fm->idle_timeout;
	m.hard_timeout = fm->hard_timeout;
	m.goto_table = fm->goto_table;
	rc = vs_ofp_match_to_cfg(cfg, &fm->match, &m.match, e);
	if (rc < 0)
		return rc;
	if (!del) {
		rc = actions_to_cfg(cfg, fm, &m.match, m.apply, &m.n_apply, m.write, &m.n_write, e);
		if (rc < 0)
			return rc;
		m.clear = fm->clear_actions;
	}
	if (del && fm->out_port != VS_OFPP_ANY) {
		m.filter = filter_out_port;
		m.filter_arg = &of;
	}
	t->cfg = cfg;
	rc = vs_ofp_pipe_flow_mod(t->pipe, &m, on_removed, t, &pe);
	if (rc < 0)
		return pipe_fail(&pe, e, msg, size);
	return 0;
}

void
vs_ofp_bundle_begin(struct vs_ofp_tables *t)
{
	vs_ofp_pipe_batch_begin(t->pipe);
}

int
vs_ofp_bundle_commit(struct vs_ofp_tables *t, const struct vs_config *cfg, struct vs_ofp_err *e,
		     char *msg, size_t size)
{
	struct vs_ofp_pipe_err pe;

	if (msg != NULL && size > 0)
		msg[0] = '\0';
	t->cfg = cfg;
	if (vs_ofp_pipe_batch_commit(t->pipe, on_removed, t, &pe) < 0)
		return pipe_fail(&pe, e, msg, size);
	return 0;
}

void
vs_ofp_bundle_abort(struct vs_ofp_tables *t)
{
	vs_ofp_pipe_batch_abort(t->pipe);
}

int
vs_ofp_expire(struct vs_ofp_tables *t, const struct vs_config *cfg)
{
	if (t == NULL)
		return 0;
	t->cfg = cfg;
	return vs_ofp_pipe_expire(t->pipe, on_removed, t);
}

/* ---- stats ---- */

/* The flows a FLOW/AGGREGATE request selects, their counts filled. */
static int
select_flows(struct vs_ofp_tables *t, const struct vs_config *cfg,
	     const struct vs_ofp_flow_stats_req *req, struct vs_ofp_pflow ***out,
	     struct vs_ofp_err *e)
{
	struct vs_ofp_pflow **sel = NULL, *f;
	struct vs_cfg_match m;
	uint32_t n = 0, cap = 0, tb, nt = vs_ofp_pipe_n_tables(t->pipe);
	int rc;

	*out = NULL;
	if (req->table_id != VS_OFPTT_ALL && req->table_id >= nt)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_TABLE_ID);
	rc = vs_ofp_match_to_cfg(cfg, &req->match, &m, e);
	if (rc < 0)
		return rc;
	vs_ofp_pipe_count(t->pipe);
	for (tb = 0; tb < nt; tb++) {
		if (req->table_id != VS_OFPTT_ALL && tb != req->table_id)
			continue;
		for (f = vs_ofp_pipe_first(t->pipe, tb); f != NULL; f = f->next) {
			if ((f->cookie & req->cookie_mask) != (req->cookie & req->cookie_mask) ||
			    !vs_ofp_pipe_covers(&m, &f->match) ||
			    !outputs_to(cfg, f, req->out_port))
				continue;
			if (n == cap) {
				struct vs_ofp_pflow **p;

				cap = cap ? cap * 2 : 16;
				p = realloc(sel, cap * sizeof(*sel));
				if (p == NULL) {
					free(sel);
					return -ENOMEM;
				}
				sel = p;
			}
			sel[n++] = f;
		}
	}
	*out = sel;
	return (int)n;
}

int
vs_ofp_flow_stats(struct vs_ofp_tables *t, const struct vs_config *cfg,
		  const struct vs_ofp_flow_stats_req *req, uint32_t xid, struct vs_ofp_buf *b,
		  struct vs_ofp_err *e)
{
	struct vs_ofp_flow_stats *fs = NULL;
	struct vs_ofp_match *matches = NULL;
	struct vs_ofp_action(*outs)[VS_CFG_MAX_ACTIONS] = NULL;
	struct vs_ofp_pflow **sel = NULL;
	uint64_t now = be_now(t);
	int n, i, k = 0, rc;

	n = select_flows(t, cfg, req, &sel, e);
	if (n < 0)
		return n;
	if (n > 0) {
		fs = calloc((size_t)n, sizeof(*fs));
		matches = calloc((size_t)n, sizeof(*matches));
		outs = calloc((size_t)n, sizeof(*outs));
	}
	if (n > 0 && (fs == NULL || matches == NULL || outs == NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct vs_ofp_pflow *f = sel[i];
		uint64_t age = now > f->created_ns ? now - f->created_ns : 0;

		if (vs_ofp_match_from_cfg(cfg, &f->match, &matches[k]) < 0)
			continue; /* its port went away with a reload */
		fs[k].table_id = f->table_id;
		fs[k].duration_sec = (uint32_t)(age / 1000000000u);
		fs[k].duration_nsec = (uint32_t)(age % 1000000000u);
		fs[k].priority = f->priority;
		fs[k].idle_timeout = f->idle_timeout;
		fs[k].hard_timeout = f->hard_timeout;
		fs[k].flags = f->flags;
		fs[k].cookie = f->cookie;
		fs[k].packet_count = f->pkts;
		fs[k].byte_count = f->bytes;
		fs[k].match = &matches[k];
		/* the list, then the set, in one array of the flow's size */
		fs[k].n_apply =
		    actions_from_cfg(cfg, f->apply, f->n_apply, outs[k], VS_CFG_MAX_ACTIONS);
		fs[k].n_write = actions_from_cfg(cfg, f->write, f->n_write, outs[k] + fs[k].n_apply,
						 VS_CFG_MAX_ACTIONS - fs[k].n_apply);
		fs[k].apply = outs[k];
		fs[k].write = outs[k] + fs[k].n_apply;
		fs[k].clear_actions = f->clear;
		fs[k].goto_table = f->goto_table;
		k++;
	}
	rc = vs_ofp_enc_flow_stats_reply(b, xid, fs, (uint32_t)k);
out:
	free(sel);
	free(fs);
	free(matches);
	free(outs);
	return rc;
}

int
vs_ofp_aggregate_stats(struct vs_ofp_tables *t, const struct vs_config *cfg,
		       const struct vs_ofp_flow_stats_req *req, uint32_t xid, struct vs_ofp_buf *b,
		       struct vs_ofp_err *e)
{
	struct vs_ofp_pflow **sel = NULL;
	uint64_t pkts = 0, bytes = 0;
	int n, i;

	n = select_flows(t, cfg, req, &sel, e);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		pkts += sel[i]->pkts;
		bytes += sel[i]->bytes;
	}
	free(sel);
	return vs_ofp_enc_aggregate_reply(b, xid, pkts, bytes, (uint32_t)n);
}

int
vs_ofp_table_stats(struct vs_ofp_tables *t, uint32_t xid, struct vs_ofp_buf *b)
{
	struct vs_ofp_table_stats ts[VS_OFP_PIPE_MAX_TABLES];
	uint32_t nt = vs_ofp_pipe_n_tables(t->pipe), tb;
	struct vs_ofp_pflow *f;

	memset(ts, 0, sizeof(ts));
	vs_ofp_pipe_count(t->pipe);
	for (tb = 0; tb < nt; tb++) {
		ts[tb].table_id = (uint8_t)tb;
		ts[tb].active_count = vs_ofp_pipe_n_flows(t->pipe, tb);
		for (f = vs_ofp_pipe_first(t->pipe, tb); f != NULL; f = f->next) {
			ts[tb].matched_count += f->pkts;
			/* what a flow sends on is looked up in the next table */
			if (f->goto_table != VS_OFP_NO_GOTO && f->goto_table < nt)
				ts[f->goto_table].lookup_count += f->pkts;
		}
	}
	/* table 0 sees the packets its flows matched; a miss there is the
	 * switch's own (dropped as no_rule, or a packet-in) and not counted */
	ts[0].lookup_count = ts[0].matched_count;
	return vs_ofp_enc_table_stats_reply(b, xid, ts, nt);
}
