/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FLOW_MOD -> rule transactions, and FLOW stats from the rule table.
 *
 * A controller's flow is a switch rule of source VS_RULE_SRC_OPENFLOW (its
 * cookie in vs_sw_rule.cookie, table 0): an ADD, MODIFY or DELETE is one
 * transaction through vs_rule_txn_*, the same path as a ctl rule change,
 * committed at once. Deletes and modifies select only OpenFlow rules, so a
 * controller never touches the file's or ctl's rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vs_action.h"
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

static bool
mac_covers(const struct vs_cfg_mac *rv, const struct vs_cfg_mac *rm, const struct vs_cfg_mac *v,
	   const struct vs_cfg_mac *mk)
{
	unsigned int i;

	for (i = 0; i < 6; i++)
		if ((rm->b[i] & ~mk->b[i]) != 0 || (v->b[i] & rm->b[i]) != rv->b[i])
			return false;
	return true;
}

/* A prefix or masked address as a 16-byte mask. */
static void
prefix_mask(const struct vs_cfg_prefix *p, uint8_t *mask)
{
	unsigned int i;

	memset(mask, 0, 16);
	if (p->masked) {
		memcpy(mask, p->mask, 16);
		return;
	}
	for (i = 0; i < p->len && i < 128; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

/* Every address p matches, r matches too. */
static bool
prefix_covers(const struct vs_cfg_prefix *r, const struct vs_cfg_prefix *p)
{
	uint8_t rm[16], pm[16];
	unsigned int i;

	if (r->family != p->family)
		return false;
	prefix_mask(r, rm);
	prefix_mask(p, pm);
	for (i = 0; i < 16; i++)
		if ((rm[i] & ~pm[i]) != 0 || (p->addr[i] & rm[i]) != (r->addr[i] & rm[i]))
			return false;
	return true;
}

/* A VLAN match as value/mask over PRESENT | VID (untagged: 0 under all). */
static void
vlan_vm(const struct vs_cfg_match *m, uint16_t *v, uint16_t *mk)
{
	if (m->vlan_none) {
		*v = 0;
		*mk = 0x1fff;
	} else {
		*mk = (uint16_t)(VS_OFPVID_PRESENT | (m->vlan_masked ? m->vlan_mask : 0x0fff));
		*v = (uint16_t)(VS_OFPVID_PRESENT | m->vlan_id);
	}
}

/* Every port of m's (lo, hi, mask) is in r's. */
static bool
l4_covers(uint16_t rlo, uint16_t rhi, uint16_t rmask, uint16_t lo, uint16_t hi, uint16_t mask)
{
	uint32_t x;

	if (mask != 0) { /* the ports lo | any bits outside mask */
		if (rmask != 0)
			return (rmask & ~mask) == 0 && (lo & rmask) == rlo;
		return lo >= rlo && (uint16_t)(lo | ~mask) <= rhi;
	}
	if (rmask == 0)
		return lo >= rlo && hi <= rhi;
	for (x = lo; x <= hi; x++)
		if ((x & rmask) != rlo)
			return false;
	return true;
}

bool
vs_ofp_match_covers(const struct vs_cfg_match *req, const struct vs_cfg_match *m)
{
	uint32_t f = req->fields;

	if ((m->fields & f) != f)
		return false;
	if ((f & VS_CFG_M_IN_PORT) && strcmp(req->in_port, m->in_port) != 0)
		return false;
	if ((f & VS_CFG_M_ETH_SRC) &&
	    !mac_covers(&req->eth_src, &req->eth_src_mask, &m->eth_src, &m->eth_src_mask))
		return false;
	if ((f & VS_CFG_M_ETH_DST) &&
	    !mac_covers(&req->eth_dst, &req->eth_dst_mask, &m->eth_dst, &m->eth_dst_mask))
		return false;
	if ((f & VS_CFG_M_ETH_TYPE) && req->eth_type != m->eth_type)
		return false;
	if (f & VS_CFG_M_VLAN_ID) {
		uint16_t rv, rm, v, mk;

		vlan_vm(req, &rv, &rm);
		vlan_vm(m, &v, &mk);
		if ((rm & ~mk) != 0 || (v & rm) != rv)
			return false;
	}
	if ((f & VS_CFG_M_VLAN_PCP) && req->vlan_pcp != m->vlan_pcp)
		return false;
	if ((f & VS_CFG_M_IP_SRC) && !prefix_covers(&req->ip_src, &m->ip_src))
		return false;
	if ((f & VS_CFG_M_IP_DST) && !prefix_covers(&req->ip_dst, &m->ip_dst))
		return false;
	if ((f & VS_CFG_M_IP_PROTO) && req->ip_proto != m->ip_proto)
		return false;
	if ((f & VS_CFG_M_IP_DSCP) && req->ip_dscp != m->ip_dscp)
		return false;
	if ((f & VS_CFG_M_L4_SRC) && !l4_covers(req->l4_src_lo, req->l4_src_hi, req->l4_src_mask,
						m->l4_src_lo, m->l4_src_hi, m->l4_src_mask))
		return false;
	if ((f & VS_CFG_M_L4_DST) && !l4_covers(req->l4_dst_lo, req->l4_dst_hi, req->l4_dst_mask,
						m->l4_dst_lo, m->l4_dst_hi, m->l4_dst_mask))
		return false;
	if ((f & VS_CFG_M_ICMP_TYPE) && req->icmp_type != m->icmp_type)
		return false;
	if ((f & VS_CFG_M_ICMP_CODE) && req->icmp_code != m->icmp_code)
		return false;
	return true;
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
 * The instructions of fm as r's actions: APPLY_ACTIONS in order, then
 * WRITE_ACTIONS marked in_set (the pipeline runs them in the action set's
 * order); no instruction: drop. Nothing is installed unless all of them map.
 */
static int
actions_to_cfg(const struct vs_config *cfg, const struct vs_ofp_flow_mod *fm, struct vs_cfg_rule *r,
	       struct vs_ofp_err *e)
{
	bool tagged = match_tagged(&r->match), set_tagged;
	bool set_push = false, set_pop = false;
	uint32_t i, n = 0;
	int rc;

	if (fm->goto_table != VS_OFP_NO_GOTO) /* one table: no table after it */
		return fail(e, VS_OFPET_BAD_INSTRUCTION, VS_OFPBIC_BAD_TABLE_ID);
	if (fm->n_apply + fm->n_write > VS_CFG_MAX_ACTIONS)
		return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_TOO_MANY);
	r->clear_actions = fm->clear_actions;
	if (fm->n_apply == 0 && fm->n_write == 0) {
		r->actions[0].type = VS_CFG_ACT_DROP;
		r->n_actions = 1;
		return 0;
	}
	for (i = 0; i < fm->n_apply; i++) {
		rc = action_to_cfg(cfg, &fm->apply[i], false, &tagged, &r->actions[n++], e);
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
		bool t = fm->write[i].type == VS_OFPACT_POP_VLAN ? tagged : set_tagged;

		rc = action_to_cfg(cfg, &fm->write[i], true, &t, &r->actions[n++], e);
		if (rc < 0)
			return rc;
	}
	r->n_actions = n;
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
 * The actions of r's list (set false) or of its action set (set true) as
 * OpenFlow actions into out (at most max); their number. An OpenFlow rule's
 * actions map one to one (at most VS_CFG_MAX_ACTIONS in all); a file's
 * push_vlan with a tag becomes push_vlan and set_fields, cut at max.
 */
static uint32_t
actions_from_cfg(const struct vs_config *cfg, const struct vs_cfg_rule *r, bool set,
		 struct vs_ofp_action *out, uint32_t max)
{
	uint32_t i, n = 0;

	for (i = 0; i < r->n_actions && i < VS_CFG_MAX_ACTIONS && n < max; i++) {
		const struct vs_cfg_action *ca = &r->actions[i];
		struct vs_ofp_action *a = &out[n];

		if (ca->in_set != set)
			continue;
		memset(a, 0, sizeof(*a));
		a->type = VS_OFPACT_OUTPUT;
		a->max_len = VS_OFPCML_NO_BUFFER;
		switch (ca->type) {
		case VS_CFG_ACT_OUTPUT:
			a->port = port_no(cfg, ca->port);
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
			a->max_len = ca->max_len;
			break;
		case VS_CFG_ACT_PUSH_VLAN:
			memset(a, 0, sizeof(*a));
			a->type = VS_OFPACT_PUSH_VLAN;
			a->ethertype = ca->vlan_tpid ? ca->vlan_tpid : 0x8100;
			/* a file's push_vlan carries its tag: as set_fields */
			if (ca->vlan_id != 0 && n + 1 < max)
				set_act(&out[++n], VS_OXM_VLAN_VID,
					(uint16_t)(VS_OFPVID_PRESENT | ca->vlan_id));
			if (ca->vlan_pcp != 0 && n + 1 < max)
				set_act(&out[++n], VS_OXM_VLAN_PCP, ca->vlan_pcp);
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
			    ca->type == VS_CFG_ACT_SET_ETH_SRC ? VS_OXM_ETH_SRC : VS_OXM_ETH_DST;
			memcpy(a->value, ca->mac.b, 6);
			break;
		case VS_CFG_ACT_SET_VLAN_VID:
			set_act(a, VS_OXM_VLAN_VID, (uint16_t)(VS_OFPVID_PRESENT | ca->vlan_id));
			break;
		case VS_CFG_ACT_SET_VLAN_PCP:
			set_act(a, VS_OXM_VLAN_PCP, ca->vlan_pcp);
			break;
		default: /* drop */
			continue;
		}
		n++;
	}
	return n;
}

static bool
outputs_to(const struct vs_config *cfg, const struct vs_sw_rule *r, uint32_t port)
{
	struct vs_ofp_action acts[VS_CFG_MAX_ACTIONS];
	uint32_t n, i;
	int set;

	if (port == VS_OFPP_ANY)
		return true;
	for (set = 0; set < 2; set++) {
		n = actions_from_cfg(cfg, &r->spec, set, acts, VS_CFG_MAX_ACTIONS);
		for (i = 0; i < n; i++)
			if (acts[i].type == VS_OFPACT_OUTPUT && acts[i].port == port)
				return true;
	}
	return false;
}

/* ---- flow_mod ---- */

static bool
cookie_ok(const struct vs_sw_rule *r, uint64_t cookie, uint64_t mask)
{
	return (r->cookie & mask) == (cookie & mask);
}

/* The OpenFlow rules a MODIFY/DELETE (strict or not) selects. */
static int
select_rules(struct vs_switch *sw, const struct vs_config *cfg, const struct vs_ofp_flow_mod *fm,
	     const struct vs_cfg_match *m, bool strict, bool by_out_port, struct vs_sw_rule ***out)
{
	struct vs_sw_rule **sel = NULL, *r;
	uint32_t n = 0, cap = 0;

	for (r = vs_switch_rule_first(sw); r != NULL; r = vs_switch_rule_next(sw, r)) {
		if (r->src != VS_RULE_SRC_OPENFLOW || !cookie_ok(r, fm->cookie, fm->cookie_mask))
			continue;
		if (strict
			? r->spec.priority != fm->priority || !vs_rule_match_same(&r->spec.match, m)
			: !vs_ofp_match_covers(m, &r->spec.match))
			continue;
		if (by_out_port && !outputs_to(cfg, r, fm->out_port))
			continue;
		if (n == cap) {
			struct vs_sw_rule **p;

			cap = cap ? cap * 2 : 16;
			p = realloc(sel, cap * sizeof(*sel));
			if (p == NULL) {
				free(sel);
				return -ENOMEM;
			}
			sel = p;
		}
		sel[n++] = r;
	}
	*out = sel;
	return (int)n;
}

static int
txn_fail(int rc, struct vs_ofp_err *e)
{
	if (rc == -ENOSPC)
		return fail(e, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_TABLE_FULL);
	return fail(e, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_UNKNOWN);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
vs_ofp_flow_mod(struct vs_switch *sw, const struct vs_config *cfg, const struct vs_ofp_flow_mod *fm,
		struct vs_ofp_err *e, char *msg, size_t size)
{
	bool del = fm->command == VS_OFPFC_DELETE || fm->command == VS_OFPFC_DELETE_STRICT;
	bool strict =
	    fm->command == VS_OFPFC_MODIFY_STRICT || fm->command == VS_OFPFC_DELETE_STRICT;
	struct vs_sw_rule **sel = NULL, *old, *r = NULL;
	struct vs_cfg_error err;
	struct vs_rule_txn *txn;
	struct vs_cfg_rule spec;
	int n = 0, i, rc;

	memset(&err, 0, sizeof(err));
	if (msg != NULL && size > 0)
		msg[0] = '\0';
	if (fm->command > VS_OFPFC_DELETE_STRICT)
		return fail(e, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_BAD_COMMAND);
	if (fm->table_id != 0 && !(del && fm->table_id == VS_OFPTT_ALL))
		return fail(e, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_BAD_TABLE_ID);
	if (!del && fm->buffer_id != VS_OFP_NO_BUFFER)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BUFFER_UNKNOWN);
	/* no FLOW_REMOVED and no overlap check yet: refused, never ignored */
	if (!del && (fm->flags & (VS_OFPFF_SEND_FLOW_REM | VS_OFPFF_CHECK_OVERLAP)))
		return fail(e, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_BAD_FLAGS);
	if (!del && (fm->idle_timeout != 0 || fm->hard_timeout != 0))
		return fail(e, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_BAD_TIMEOUT);
	memset(&spec, 0, sizeof(spec));
	spec.priority = fm->priority;
	rc = vs_ofp_match_to_cfg(cfg, &fm->match, &spec.match, e);
	if (rc < 0)
		return rc;
	if (!del) {
		rc = actions_to_cfg(cfg, fm, &spec, e);
		if (rc < 0)
			return rc;
	}
	txn = vs_rule_txn_begin(sw);
	if (txn == NULL)
		return fail(e, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_UNKNOWN);
	if (fm->command == VS_OFPFC_ADD) {
		/* an identical match and priority is replaced, counters and age anew */
		old = vs_switch_rule_by_match(sw, &spec.match, spec.priority, VS_RULE_SRC_OPENFLOW);
		rc = old != NULL ? vs_rule_txn_del(txn, old, &err) : 0;
		r = NULL;
		if (rc == 0)
			rc = vs_rule_txn_add(txn, &spec, VS_RULE_SRC_OPENFLOW, 0, &r, &err);
		if (rc == 0) {
			r->cookie = fm->cookie;
			r->table_id = 0;
			/* staged until the commit: no worker sees it yet */
			r->acts->cookie = fm->cookie;
			r->acts->table_id = 0;
			/* the OpenFlow 1.3 table-miss flow: packet-ins say NO_MATCH */
			r->acts->miss_flow = spec.priority == 0 && spec.match.fields == 0;
		}
	} else {
		n = select_rules(sw, cfg, fm, &spec.match, strict, del, &sel);
		rc = n < 0 ? n : 0;
		for (i = 0; rc == 0 && i < n; i++) {
			struct vs_cfg_rule next;
			struct vs_sw_rule *nr = NULL;

			if (del) {
				rc = vs_rule_txn_del(txn, sel[i], &err);
				continue;
			}
			next = sel[i]->spec;
			memcpy(next.actions, spec.actions, sizeof(next.actions));
			next.n_actions = spec.n_actions;
			next.clear_actions = spec.clear_actions;
			rc = vs_rule_txn_mod(txn, sel[i], &next, 0,
					     (fm->flags & VS_OFPFF_RESET_COUNTS) != 0, &nr, &err);
			if (rc == 0 && nr != NULL) {
				nr->acts->cookie = nr->cookie;
				nr->acts->table_id = nr->table_id;
				nr->acts->miss_flow = next.priority == 0 && next.match.fields == 0;
			}
		}
		free(sel);
	}
	if (rc < 0) {
		vs_rule_txn_abort(txn);
	} else {
		rc = vs_rule_txn_commit(txn, &err);
	}
	if (rc < 0) {
		if (msg != NULL)
			snprintf(msg, size, "%s", err.msg[0] ? err.msg : strerror(-rc));
		return txn_fail(rc, e);
	}
	if (fm->command == VS_OFPFC_ADD && r != NULL)
		r->created_ns = now_ns(); /* a replaced flow's age restarts too */
	return 0;
}

/* ---- flow stats ---- */

int
vs_ofp_flow_stats(struct vs_switch *sw, const struct vs_config *cfg,
		  const struct vs_ofp_flow_stats_req *req, uint32_t xid, struct vs_ofp_buf *b,
		  struct vs_ofp_err *e)
{
	struct vs_ofp_flow_mod sel_fm;
	struct vs_ofp_flow_stats *fs = NULL;
	struct vs_ofp_match *matches = NULL;
	struct vs_ofp_action(*outs)[VS_CFG_MAX_ACTIONS] = NULL;
	struct vs_sw_rule **sel = NULL;
	struct vs_cfg_match m;
	uint64_t now = now_ns();
	int n, i, k = 0, rc;

	if (req->table_id != 0 && req->table_id != VS_OFPTT_ALL) {
		/* one table: the others are empty */
		return vs_ofp_enc_flow_stats_reply(b, xid, NULL, 0);
	}
	rc = vs_ofp_match_to_cfg(cfg, &req->match, &m, e);
	if (rc < 0)
		return rc;
	memset(&sel_fm, 0, sizeof(sel_fm));
	sel_fm.cookie = req->cookie;
	sel_fm.cookie_mask = req->cookie_mask;
	sel_fm.out_port = req->out_port;
	n = select_rules(sw, cfg, &sel_fm, &m, false, true, &sel);
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
		const struct vs_sw_rule *r = sel[i];
		uint64_t age = now > r->created_ns ? now - r->created_ns : 0;

		if (vs_ofp_match_from_cfg(cfg, &r->spec.match, &matches[k]) < 0)
			continue; /* its port went away with a reload */
		fs[k].table_id = r->table_id;
		fs[k].duration_sec = (uint32_t)(age / 1000000000u);
		fs[k].duration_nsec = (uint32_t)(age % 1000000000u);
		fs[k].priority = (uint16_t)r->spec.priority;
		fs[k].cookie = r->cookie;
		vs_switch_rule_counters(sw, r, &fs[k].packet_count, &fs[k].byte_count);
		fs[k].match = &matches[k];
		/* the list, then the set, in one array of the rule's size */
		fs[k].n_apply = actions_from_cfg(cfg, &r->spec, false, outs[k], VS_CFG_MAX_ACTIONS);
		fs[k].n_write = actions_from_cfg(cfg, &r->spec, true, outs[k] + fs[k].n_apply,
						 VS_CFG_MAX_ACTIONS - fs[k].n_apply);
		fs[k].apply = outs[k];
		fs[k].write = outs[k] + fs[k].n_apply;
		fs[k].clear_actions = r->spec.clear_actions;
		fs[k].goto_table = VS_OFP_NO_GOTO;
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
