/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenFlow tables flattened into one classifier (openflow/ofp_pipe.c),
 * over a backend double that keeps the derived rules as a priority-ordered
 * list:
 *  - differential: random multi-table pipelines (ternary MAC matches, IP
 *    prefixes and arbitrary IP masks, VLANs exact and under a mask, PCPs,
 *    L4 ports exact and under a mask; set_field eth_dst/vlan_vid/vlan_pcp,
 *    push_vlan and pop_vlan before a goto, output to in_port/all, clear and
 *    write actions, misses in later tables) changed by random adds,
 *    modifies and deletes; after every change, random packets looked up in
 *    the derived rules (highest priority, lowest tiebreak) must get exactly
 *    the actions a brute-force walk of the tables, packet by packet, gives;
 *    a refused change must leave the derived rules as they were;
 *  - idle and hard timeouts with a fake clock and counts, FLOW_REMOVED
 *    reasons and counts, RESET_COUNTS, CHECK_OVERLAP, counters of a later
 *    table's flow summed over the paths through it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vs_ofp.h"
#include "vs_ofp_pipe.h"

/* ---- the backend double ---- */

#define MAX_RULES 20000

struct fake_rule {
	struct vs_cfg_rule spec;
	uint64_t tiebreak;
	uint64_t pkts, bytes;
	int state; /* 0 live, 1 staged add, 2 staged delete */
};

static struct fake_rule *rules[MAX_RULES];
static uint32_t n_rules;
static uint32_t n_adds, n_dels; /* backend operations staged */
static bool in_txn, fail_commit;
static uint64_t clock_ns;

static int
fb_begin(void *arg)
{
	(void)arg;
	cr_assert(!in_txn, "a transaction is already open");
	in_txn = true;
	return 0;
}

static int
fb_add(void *arg, struct vs_ofp_drv *d, uint64_t tiebreak, char *msg, size_t size)
{
	struct fake_rule *r;
	uint32_t i;

	(void)arg;
	cr_assert(in_txn);
	for (i = 0; i < n_rules; i++)
		if (rules[i]->state != 2 && rules[i]->tiebreak == tiebreak &&
		    rules[i]->spec.priority == d->spec->priority &&
		    vs_ofp_pipe_match_same(&rules[i]->spec.match, &d->spec->match))
			return -EEXIST;
	if (n_rules == MAX_RULES) {
		snprintf(msg, size, "full");
		return -ENOSPC;
	}
	r = calloc(1, sizeof(*r));
	cr_assert_not_null(r);
	r->spec = *d->spec;
	r->tiebreak = tiebreak;
	r->state = 1;
	rules[n_rules++] = r;
	n_adds++;
	d->handle = r;
	return 0;
}

static int
fb_del(void *arg, struct vs_ofp_drv *d)
{
	struct fake_rule *r = d->handle;

	(void)arg;
	cr_assert(in_txn);
	cr_assert_eq(r->state, 0, "deleting a rule that is not live");
	r->state = 2;
	n_dels++;
	return 0;
}

static void
fb_settle(bool keep)
{
	uint32_t i, j = 0;

	for (i = 0; i < n_rules; i++) {
		struct fake_rule *r = rules[i];

		if ((r->state == 1 && !keep) || (r->state == 2 && keep)) {
			free(r);
			continue;
		}
		r->state = 0;
		rules[j++] = r;
	}
	n_rules = j;
	in_txn = false;
}

static int
fb_commit(void *arg, char *msg, size_t size)
{
	(void)arg;
	cr_assert(in_txn);
	if (fail_commit) {
		snprintf(msg, size, "refused by the test");
		fb_settle(false);
		return -ENOSPC;
	}
	fb_settle(true);
	return 0;
}

static void
fb_abort(void *arg)
{
	(void)arg;
	fb_settle(false);
}

static void
fb_counters(void *arg, const struct vs_ofp_drv *d, uint64_t *pkts, uint64_t *bytes)
{
	const struct fake_rule *r = d->handle;

	(void)arg;
	*pkts = r->pkts;
	*bytes = r->bytes;
}

static uint64_t
fb_now(void *arg)
{
	(void)arg;
	return clock_ns;
}

static const struct vs_cfg_rule *
fb_spec(void *arg, const struct vs_ofp_drv *d)
{
	const struct fake_rule *r = d->handle;

	(void)arg;
	return &r->spec;
}

static const struct vs_ofp_pipe_ops fb_ops = {
    .begin = fb_begin,
    .add = fb_add,
    .del = fb_del,
    .commit = fb_commit,
    .abort = fb_abort,
    .counters = fb_counters,
    .now_ns = fb_now,
    .spec = fb_spec,
};

static void
fb_reset(void)
{
	while (n_rules > 0)
		free(rules[--n_rules]);
	in_txn = fail_commit = false;
	clock_ns = 1000000000u;
}

/* ---- packets ---- */

struct pkt {
	int in_port; /* 1..3 */
	struct vs_cfg_mac dst;
	int n_tags; /* tag[0] is the outer one */
	uint16_t vid[4];
	uint8_t pcp[4];
	uint8_t proto;
	uint8_t ip[4];
	uint16_t l4;
};

static bool
match_pkt(const struct vs_cfg_match *m, const struct pkt *p)
{
	unsigned int i;

	if (m->fields & VS_CFG_M_IN_PORT) {
		char name[8];

		snprintf(name, sizeof(name), "p%d", p->in_port);
		if (strcmp(name, m->in_port) != 0)
			return false;
	}
	if (m->fields & VS_CFG_M_ETH_DST)
		for (i = 0; i < 6; i++)
			if ((p->dst.b[i] & m->eth_dst_mask.b[i]) !=
			    (m->eth_dst.b[i] & m->eth_dst_mask.b[i]))
				return false;
	if ((m->fields & VS_CFG_M_ETH_TYPE) && m->eth_type != 0x0800)
		return false;
	if (m->fields & VS_CFG_M_VLAN_ID) {
		uint16_t mk = m->vlan_masked ? m->vlan_mask : 0x0fff;

		if (m->vlan_none ? p->n_tags != 0
				 : p->n_tags == 0 || (p->vid[0] & mk) != (m->vlan_id & mk))
			return false;
	}
	if ((m->fields & VS_CFG_M_VLAN_PCP) && (p->n_tags == 0 || p->pcp[0] != m->vlan_pcp))
		return false;
	if ((m->fields & VS_CFG_M_IP_PROTO) && m->ip_proto != p->proto)
		return false;
	if (m->fields & VS_CFG_M_IP_DST) {
		if (m->ip_dst.family != 4)
			return false;
		for (i = 0; i < 32; i++) {
			uint8_t bit = (uint8_t)(0x80 >> (i % 8));

			if (m->ip_dst.masked ? !(m->ip_dst.mask[i / 8] & bit) : i >= m->ip_dst.len)
				continue;
			if ((p->ip[i / 8] & bit) != (m->ip_dst.addr[i / 8] & bit))
				return false;
		}
	}
	if (m->fields & VS_CFG_M_L4_DST) {
		if (m->l4_dst_mask != 0 ? (p->l4 & m->l4_dst_mask) != m->l4_dst_lo
					: p->l4 < m->l4_dst_lo || p->l4 > m->l4_dst_hi)
			return false;
	}
	return true;
}

/* ---- random pipelines ---- */

static uint64_t rng;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const struct vs_cfg_mac macs[3] = {
    {{0x02, 0, 0, 0, 0, 1}}, {{0x02, 0, 0, 0, 0, 2}}, {{0x03, 0, 0, 0, 0, 3}}};
static const struct vs_cfg_mac full = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct vs_cfg_mac mcast = {{0x01, 0, 0, 0, 0, 0}};

static void
rand_match(struct vs_cfg_match *m)
{
	memset(m, 0, sizeof(*m));
	if (rnd(3) == 0) {
		snprintf(m->in_port, sizeof(m->in_port), "p%u", 1 + rnd(3));
		m->fields |= VS_CFG_M_IN_PORT;
	}
	if (rnd(3) == 0) {
		m->eth_dst = macs[rnd(3)];
		m->eth_dst_mask = rnd(2) ? full : mcast;
		for (unsigned int i = 0; i < 6; i++)
			m->eth_dst.b[i] &= m->eth_dst_mask.b[i];
		m->fields |= VS_CFG_M_ETH_DST;
	}
	if (rnd(3) == 0) {
		uint32_t r = rnd(6);

		if (r == 0) {
			m->vlan_none = true;
		} else if (r < 4) {
			m->vlan_id = (uint16_t)(10 + rnd(2));
		} else { /* 10/0xffe: 10 and 11; any tagged frame */
			m->vlan_masked = true;
			m->vlan_mask = r == 4 ? 0x0ffe : 0;
			m->vlan_id = r == 4 ? 10 : 0;
		}
		m->fields |= VS_CFG_M_VLAN_ID;
	}
	if (rnd(6) == 0 && !m->vlan_none) {
		m->vlan_pcp = (uint8_t)rnd(2);
		m->fields |= VS_CFG_M_VLAN_PCP;
	}
	if (rnd(3) == 0) {
		m->ip_proto = rnd(2) ? 6 : 17;
		m->fields |= VS_CFG_M_IP_PROTO;
	}
	if (rnd(3) == 0) {
		m->ip_dst.family = 4;
		m->ip_dst.addr[0] = 10;
		m->ip_dst.addr[1] = 0;
		m->ip_dst.addr[2] = (uint8_t)rnd(2);
		if (rnd(3) == 0) { /* 10.0.x.1/255.255.0.1: odd last bytes */
			m->ip_dst.masked = true;
			m->ip_dst.mask[0] = m->ip_dst.mask[1] = 0xff;
			m->ip_dst.mask[2] = rnd(2) ? 0xff : 0;
			m->ip_dst.mask[3] = 1;
			m->ip_dst.addr[2] &= m->ip_dst.mask[2];
			m->ip_dst.addr[3] = 1;
		} else {
			m->ip_dst.len = (uint8_t)(rnd(2) ? 24 : 32);
			m->ip_dst.addr[3] = m->ip_dst.len == 32 ? (uint8_t)(1 + rnd(2)) : 0;
		}
		m->fields |= VS_CFG_M_IP_DST;
	}
	if (rnd(4) == 0) {
		if (rnd(2)) { /* 80/0xfffe: 80 and 81; 81/0x0001: the odd ports */
			m->l4_dst_mask = rnd(2) ? 0xfffe : 0x0001;
			m->l4_dst_lo = m->l4_dst_hi = m->l4_dst_mask == 1 ? 1 : 80;
		} else {
			m->l4_dst_lo = m->l4_dst_hi = (uint16_t)(80 + rnd(2));
		}
		m->fields |= VS_CFG_M_L4_DST;
	}
}

static void
rand_action(struct vs_cfg_action *a, bool for_set)
{
	memset(a, 0, sizeof(*a));
	a->in_set = for_set;
	switch (rnd(for_set ? 7 : 11)) {
	case 0:
	case 1:
		a->type = VS_CFG_ACT_OUTPUT;
		snprintf(a->port, sizeof(a->port), "o%u", 1 + rnd(4));
		break;
	case 2:
		a->type = VS_CFG_ACT_SET_ETH_DST;
		a->mac = macs[rnd(3)];
		break;
	case 3: /* OpenFlow's push: VID and PCP 0 until a set_field; a file's: its tag */
		a->type = VS_CFG_ACT_PUSH_VLAN;
		a->vlan_id = (uint16_t)(rnd(3) == 0 ? 0 : 10 + rnd(2));
		a->vlan_pcp = (uint8_t)rnd(2);
		a->vlan_tpid = rnd(2) ? 0x8100 : 0x88a8;
		break;
	case 4:
		a->type = VS_CFG_ACT_POP_VLAN;
		break;
	case 5:
		a->type = VS_CFG_ACT_SET_VLAN_VID;
		a->vlan_id = (uint16_t)(10 + rnd(2));
		break;
	case 6:
		a->type = VS_CFG_ACT_SET_VLAN_PCP;
		a->vlan_pcp = (uint8_t)rnd(2);
		break;
	case 7:
		a->type = VS_CFG_ACT_FLOOD;
		break;
	case 8:
		a->type = VS_CFG_ACT_IN_PORT;
		break;
	case 9:
		a->type = VS_CFG_ACT_ALL;
		break;
	default:
		a->type = VS_CFG_ACT_CONTROLLER;
		a->max_len = 128;
		break;
	}
}

/*
 * What ofp_flow.c refuses with OFPBAC_MATCH_INCONSISTENT before the tables
 * see it (a set_field on the tag or a pop_vlan where the flow's match does
 * not say there is a tag and no push came before): made an output here, so
 * the tables get only what a FLOW_MOD can give them.
 */
static void
tag_prereqs(struct vs_ofp_pipe_mod *m)
{
	bool tagged = ((m->match.fields & VS_CFG_M_VLAN_ID) && !m->match.vlan_none) ||
		      (m->match.fields & VS_CFG_M_VLAN_PCP);
	bool set_push = false, set_pop = false, set_tagged;
	uint32_t i;

	for (i = 0; i < m->n_apply; i++) {
		enum vs_cfg_action_type t = m->apply[i].type;

		if (!tagged && (t == VS_CFG_ACT_POP_VLAN || t == VS_CFG_ACT_SET_VLAN_VID ||
				t == VS_CFG_ACT_SET_VLAN_PCP)) {
			m->apply[i].type = VS_CFG_ACT_OUTPUT;
			snprintf(m->apply[i].port, sizeof(m->apply[i].port), "o1");
			continue;
		}
		if (t == VS_CFG_ACT_PUSH_VLAN)
			tagged = true;
		if (t == VS_CFG_ACT_POP_VLAN)
			tagged = false;
	}
	for (i = 0; i < m->n_write; i++) {
		set_push |= m->write[i].type == VS_CFG_ACT_PUSH_VLAN;
		set_pop |= m->write[i].type == VS_CFG_ACT_POP_VLAN;
	}
	set_tagged = set_push || (tagged && !set_pop);
	for (i = 0; i < m->n_write; i++) {
		enum vs_cfg_action_type t = m->write[i].type;

		if ((t == VS_CFG_ACT_POP_VLAN && !tagged) ||
		    ((t == VS_CFG_ACT_SET_VLAN_VID || t == VS_CFG_ACT_SET_VLAN_PCP) &&
		     !set_tagged)) {
			m->write[i].type = VS_CFG_ACT_OUTPUT;
			snprintf(m->write[i].port, sizeof(m->write[i].port), "o2");
		}
	}
}

static void
rand_mod(struct vs_ofp_pipe_mod *m, uint32_t n_tables, uint8_t cmd)
{
	uint32_t i;

	memset(m, 0, sizeof(*m));
	m->command = cmd;
	m->table_id = (uint8_t)rnd(n_tables);
	m->priority = (uint16_t)(rnd(4) == 0 ? 0 : rnd(40));
	rand_match(&m->match);
	if (m->priority == 0 && rnd(2))
		memset(&m->match, 0, sizeof(m->match)); /* a table-miss flow */
	m->cookie = rnd(4);
	m->cookie_mask = rnd(2) ? UINT64_MAX : 0;
	m->n_apply = rnd(4);
	for (i = 0; i < m->n_apply; i++)
		rand_action(&m->apply[i], false);
	m->n_write = rnd(3);
	for (i = 0; i < m->n_write; i++)
		rand_action(&m->write[i], true);
	tag_prereqs(m);
	m->clear = rnd(4) == 0;
	m->goto_table = VS_OFP_PIPE_NO_GOTO;
	if (m->table_id + 1u < n_tables && rnd(2))
		m->goto_table = (uint8_t)(m->table_id + 1 + rnd(n_tables - m->table_id - 1));
}

/* ---- the reference: the tables walked packet by packet ---- */

#define MAX_OUT 64

struct verdict {
	bool miss; /* table 0 had nothing */
	uint32_t n;
	struct vs_cfg_action a[MAX_OUT];
};

/* What an action does to the packet (an emission changes nothing). */
static void
ref_apply(struct pkt *p, const struct vs_cfg_action *a)
{
	int i;

	switch (a->type) {
	case VS_CFG_ACT_SET_ETH_DST:
		p->dst = a->mac;
		break;
	case VS_CFG_ACT_PUSH_VLAN:
		if (p->n_tags == 4)
			break;
		for (i = p->n_tags; i > 0; i--) {
			p->vid[i] = p->vid[i - 1];
			p->pcp[i] = p->pcp[i - 1];
		}
		p->vid[0] = a->vlan_id;
		p->pcp[0] = a->vlan_pcp;
		p->n_tags++;
		break;
	case VS_CFG_ACT_POP_VLAN:
		if (p->n_tags == 0)
			break;
		for (i = 0; i + 1 < p->n_tags; i++) {
			p->vid[i] = p->vid[i + 1];
			p->pcp[i] = p->pcp[i + 1];
		}
		p->n_tags--;
		break;
	case VS_CFG_ACT_SET_VLAN_VID:
		if (p->n_tags > 0)
			p->vid[0] = a->vlan_id;
		break;
	case VS_CFG_ACT_SET_VLAN_PCP:
		if (p->n_tags > 0)
			p->pcp[0] = a->vlan_pcp;
		break;
	default:
		break;
	}
}

/* The action set's slots in OpenFlow 1.3's order (5.10); the last is the output. */
#define REF_SLOTS 7

static int
set_order(enum vs_cfg_action_type t)
{
	switch (t) {
	case VS_CFG_ACT_POP_VLAN:
		return 0;
	case VS_CFG_ACT_PUSH_VLAN:
		return 1;
	case VS_CFG_ACT_SET_ETH_SRC:
		return 2;
	case VS_CFG_ACT_SET_ETH_DST:
		return 3;
	case VS_CFG_ACT_SET_VLAN_VID:
		return 4;
	case VS_CFG_ACT_SET_VLAN_PCP:
		return 5;
	default:
		return REF_SLOTS - 1;
	}
}

static void
reference(struct vs_ofp_pipe *pp, uint32_t n_tables, const struct pkt *in, struct verdict *v)
{
	struct vs_cfg_action set[REF_SLOTS];
	bool has[REF_SLOTS] = {false};
	struct pkt p = *in;
	uint32_t t = 0, i;
	int s;

	memset(v, 0, sizeof(*v));
	for (;;) {
		struct vs_ofp_pflow *f, *best = NULL;

		for (f = vs_ofp_pipe_first(pp, t); f != NULL; f = f->next)
			if (match_pkt(&f->match, &p) &&
			    (best == NULL || f->priority > best->priority))
				best = f;
		if (best == NULL) {
			v->miss = t == 0;
			return; /* dropped here: what the apply actions did stands */
		}
		for (i = 0; i < best->n_apply; i++) {
			v->a[v->n++] = best->apply[i];
			ref_apply(&p, &best->apply[i]);
		}
		if (best->clear)
			memset(has, 0, sizeof(has));
		for (i = 0; i < best->n_write; i++) {
			s = set_order(best->write[i].type);
			has[s] = true;
			set[s] = best->write[i];
		}
		if (best->goto_table == VS_OFP_PIPE_NO_GOTO)
			break;
		t = best->goto_table;
		cr_assert_lt(t, n_tables);
	}
	/* a set without an output does nothing */
	if (!has[REF_SLOTS - 1])
		return;
	for (s = 0; s < REF_SLOTS; s++)
		if (has[s])
			v->a[v->n++] = set[s];
}

/* The derived rules' verdict: the live rule of highest priority, lowest tiebreak. */
static void
derived(const struct pkt *p, struct verdict *v)
{
	const struct fake_rule *best = NULL;
	uint32_t i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < n_rules; i++) {
		const struct fake_rule *r = rules[i];

		if (!match_pkt(&r->spec.match, p))
			continue;
		if (best == NULL || r->spec.priority > best->spec.priority ||
		    (r->spec.priority == best->spec.priority && r->tiebreak < best->tiebreak))
			best = r;
	}
	if (best == NULL) {
		v->miss = true;
		return;
	}
	for (i = 0; i < best->spec.n_actions; i++)
		v->a[v->n++] = best->spec.actions[i];
}

/* Actions as a string, drops left out (an empty list is a drop). */
static void
verdict_str(const struct verdict *v, char *buf, size_t size)
{
	size_t o = 0;
	uint32_t i;

	buf[0] = '\0';
	if (v->miss) {
		snprintf(buf, size, "MISS");
		return;
	}
	for (i = 0; i < v->n && o < size; i++) {
		const struct vs_cfg_action *a = &v->a[i];

		switch (a->type) {
		case VS_CFG_ACT_OUTPUT:
			o += (size_t)snprintf(buf + o, size - o, "out:%s ", a->port);
			break;
		case VS_CFG_ACT_SET_ETH_DST:
			o += (size_t)snprintf(buf + o, size - o, "dst:%02x%02x ", a->mac.b[0],
					      a->mac.b[5]);
			break;
		case VS_CFG_ACT_PUSH_VLAN:
			o += (size_t)snprintf(buf + o, size - o, "%spush:%x/%u/%u ",
					      a->in_set ? "set:" : "", a->vlan_tpid, a->vlan_id,
					      a->vlan_pcp);
			break;
		case VS_CFG_ACT_POP_VLAN:
			o += (size_t)snprintf(buf + o, size - o, "%spop ", a->in_set ? "set:" : "");
			break;
		case VS_CFG_ACT_SET_VLAN_VID:
			o += (size_t)snprintf(buf + o, size - o, "%svid:%u ",
					      a->in_set ? "set:" : "", a->vlan_id);
			break;
		case VS_CFG_ACT_SET_VLAN_PCP:
			o += (size_t)snprintf(buf + o, size - o, "%spcp:%u ",
					      a->in_set ? "set:" : "", a->vlan_pcp);
			break;
		case VS_CFG_ACT_IN_PORT:
			o += (size_t)snprintf(buf + o, size - o, "in_port ");
			break;
		case VS_CFG_ACT_ALL:
			o += (size_t)snprintf(buf + o, size - o, "all ");
			break;
		case VS_CFG_ACT_FLOOD:
			o += (size_t)snprintf(buf + o, size - o, "flood ");
			break;
		case VS_CFG_ACT_CONTROLLER:
			o += (size_t)snprintf(buf + o, size - o, "ctl ");
			break;
		case VS_CFG_ACT_DROP:
			break;
		default:
			o += (size_t)snprintf(buf + o, size - o, "type%d ", a->type);
			break;
		}
	}
}

static void
rand_pkt(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->in_port = 1 + (int)rnd(3);
	p->dst = macs[rnd(3)];
	if (rnd(4) == 0)
		p->dst.b[5] = 9; /* matches only the multicast-bit masks */
	p->n_tags = rnd(3) == 0 ? 0 : 1 + (int)(rnd(4) == 0);
	p->vid[0] = (uint16_t)(10 + rnd(2));
	p->pcp[0] = (uint8_t)rnd(2);
	p->vid[1] = (uint16_t)(10 + rnd(3));
	p->proto = rnd(2) ? 6 : 17;
	p->ip[0] = 10;
	p->ip[2] = (uint8_t)rnd(2);
	p->ip[3] = (uint8_t)(1 + rnd(3));
	p->l4 = (uint16_t)(80 + rnd(3));
}

static void
check_packets(struct vs_ofp_pipe *pp, uint32_t n_tables, uint32_t n, const char *when)
{
	char want[1024], got[1024];
	struct verdict a, b;
	struct pkt p;
	uint32_t i;

	for (i = 0; i < n; i++) {
		rand_pkt(&p);
		reference(pp, n_tables, &p, &a);
		derived(&p, &b);
		verdict_str(&a, want, sizeof(want));
		verdict_str(&b, got, sizeof(got));
		cr_assert_str_eq(
		    got, want,
		    "%s: packet in_port p%d dst ..%02x tags %d vlan %d pcp %d proto %u "
		    "ip 10.0.%u.%u l4 %u: derived [%s], tables [%s]",
		    when, p.in_port, p.dst.b[5], p.n_tags, p.n_tags ? p.vid[0] : -1,
		    p.n_tags ? p.pcp[0] : -1, p.proto, p.ip[2], p.ip[3], p.l4, got, want);
	}
}

/* The derived rules as a comparable snapshot. */
static char *
snapshot(void)
{
	size_t size = (size_t)n_rules * 64 + 1, o = 0;
	char *s = malloc(size);
	uint32_t i;

	cr_assert_not_null(s);
	s[0] = '\0';
	for (i = 0; i < n_rules; i++)
		o += (size_t)snprintf(s + o, size - o, "%p:%llx;", (void *)rules[i],
				      (unsigned long long)rules[i]->tiebreak);
	return s;
}

/* A flow_mod command: 60 % ADD, 10 % each of the others. */
static uint8_t
rand_cmd(void)
{
	uint32_t r = rnd(10);

	return r < 6   ? VS_OFPFC_ADD
	       : r < 7 ? VS_OFPFC_MODIFY
	       : r < 8 ? VS_OFPFC_MODIFY_STRICT
	       : r < 9 ? VS_OFPFC_DELETE
		       : VS_OFPFC_DELETE_STRICT;
}

static void
differential(uint64_t seed, uint32_t n_tables, uint32_t steps)
{
	struct vs_ofp_pipe *pp;
	struct vs_ofp_pipe_mod m;
	struct vs_ofp_pipe_err err;
	uint32_t step, accepted = 0, refused = 0, max_derived = 0;

	fb_reset();
	rng = seed;
	pp = vs_ofp_pipe_create(n_tables, &fb_ops, NULL);
	cr_assert_not_null(pp);
	for (step = 0; step < steps; step++) {
		uint8_t cmd = rand_cmd();
		char *before = snapshot(), *after;
		char when[64];
		int rc;

		rand_mod(&m, n_tables, cmd);
		/* equal priorities that overlap are undefined in OpenFlow: refused */
		if (cmd == VS_OFPFC_ADD)
			m.flags |= VS_OFPFF_CHECK_OVERLAP;
		if (cmd == VS_OFPFC_DELETE && rnd(3) == 0)
			m.table_id = VS_OFPTT_ALL;
		rc = vs_ofp_pipe_flow_mod(pp, &m, NULL, NULL, &err);
		after = snapshot();
		if (rc < 0) {
			refused++;
			cr_assert_str_eq(after, before,
					 "step %u: a refused change (%s) changed rules", step,
					 err.msg);
		} else {
			accepted++;
		}
		free(before);
		free(after);
		cr_assert_eq(vs_ofp_pipe_n_derived(pp), n_rules, "step %u: derived count", step);
		if (n_rules > max_derived)
			max_derived = n_rules;
		snprintf(when, sizeof(when), "seed %llu step %u", (unsigned long long)seed, step);
		check_packets(pp, n_tables, 60, when);
	}
	cr_log_info("seed %llu: %u changes accepted, %u refused, up to %u derived rules",
		    (unsigned long long)seed, accepted, refused, max_derived);
	cr_expect_gt(accepted, steps / 2);
	vs_ofp_pipe_destroy(pp);
	fb_reset();
}

Test(ofp_pipe, flattening_matches_a_walk_of_the_tables)
{
	uint64_t seed;

	for (seed = 1; seed <= 12; seed++)
		differential(seed * 0x9e3779b97f4a7c15ull, 2 + (uint32_t)(seed % 3), 150);
}

/* ---- batches (OpenFlow bundles) ---- */

/* A backend that keeps nothing: a pipe's tables alone, walked by reference(). */
static int
nb_begin(void *arg)
{
	(void)arg;
	return 0;
}

static int
nb_add(void *arg, struct vs_ofp_drv *d, uint64_t tiebreak, char *msg, size_t size)
{
	(void)arg, (void)tiebreak, (void)msg, (void)size;
	d->handle = d;
	return 0;
}

static int
nb_del(void *arg, struct vs_ofp_drv *d)
{
	(void)arg, (void)d;
	return 0;
}

static int
nb_commit(void *arg, char *msg, size_t size)
{
	(void)arg, (void)msg, (void)size;
	return 0;
}

static void
nb_abort(void *arg)
{
	(void)arg;
}

static void
nb_counters(void *arg, const struct vs_ofp_drv *d, uint64_t *pkts, uint64_t *bytes)
{
	(void)arg, (void)d;
	*pkts = *bytes = 0;
}

static const struct vs_ofp_pipe_ops nb_ops = {
    .begin = nb_begin,
    .add = nb_add,
    .del = nb_del,
    .commit = nb_commit,
    .abort = nb_abort,
    .counters = nb_counters,
    .now_ns = fb_now,
};

/* What the tables do to a fixed set of packets, as one string. */
static char *
tables_print(struct vs_ofp_pipe *pp, uint32_t n_tables)
{
	uint64_t keep = rng;
	size_t size = 80 * 1024, o = 0;
	char *s = malloc(size), v[1024];
	struct verdict a;
	struct pkt p;
	uint32_t i;

	cr_assert_not_null(s);
	s[0] = '\0';
	rng = 0x5eed;
	for (i = 0; i < 60; i++) {
		rand_pkt(&p);
		reference(pp, n_tables, &p, &a);
		verdict_str(&a, v, sizeof(v));
		o += (size_t)snprintf(s + o, size - o, "%u:[%s]", i, v);
	}
	rng = keep;
	return s;
}

/*
 * Random flow_mods in batches of 1 to 8: a committed batch leaves the tables
 * as the same flow_mods one by one do (a second pipe, applied singly), and
 * its derived rules follow them; a batch with a refused flow_mod (or a
 * failed commit) leaves rules and tables as they were before it began.
 */
static void
batches(uint64_t seed, uint32_t n_tables, uint32_t n_batches)
{
	static struct vs_ofp_pipe_mod mods[12];
	struct vs_ofp_pipe *pp, *seq;
	struct vs_ofp_pipe_err err;
	uint32_t b, i, committed = 0, refused = 0, compared = 0;
	bool diverged = false;

	fb_reset();
	rng = seed;
	pp = vs_ofp_pipe_create(n_tables, &fb_ops, NULL);
	seq = vs_ofp_pipe_create(n_tables, &nb_ops, NULL);
	cr_assert(pp != NULL && seq != NULL);
	for (b = 0; b < n_batches; b++) {
		char *rules_before = snapshot(), *tables_before = tables_print(pp, n_tables);
		uint32_t n = 1 + rnd(8);
		char when[64];
		int rc = 0;

		vs_ofp_pipe_batch_begin(pp);
		for (i = 0; i < n && rc == 0; i++) {
			uint8_t cmd = rand_cmd();

			rand_mod(&mods[i], n_tables, cmd);
			/* equal priorities that overlap are undefined: refused */
			if (cmd == VS_OFPFC_ADD)
				mods[i].flags |= VS_OFPFF_CHECK_OVERLAP;
			if (cmd == VS_OFPFC_DELETE && rnd(3) == 0)
				mods[i].table_id = VS_OFPTT_ALL;
			rc = vs_ofp_pipe_flow_mod(pp, &mods[i], NULL, NULL, &err);
			cr_assert_eq(n_rules, vs_ofp_pipe_n_derived(pp),
				     "batch %u: a flow_mod of a batch staged rules", b);
		}
		fail_commit = rc == 0 && rnd(10) == 0;
		if (rc == 0)
			rc = vs_ofp_pipe_batch_commit(pp, NULL, NULL, &err);
		else
			vs_ofp_pipe_batch_abort(pp);
		fail_commit = false;
		snprintf(when, sizeof(when), "seed %llu batch %u", (unsigned long long)seed, b);
		if (rc < 0) {
			char *rules_after = snapshot(), *tables_after = tables_print(pp, n_tables);

			refused++;
			cr_assert_str_eq(rules_after, rules_before,
					 "%s: a refused batch (%s) changed rules", when, err.msg);
			cr_assert_str_eq(tables_after, tables_before,
					 "%s: a refused batch (%s) changed the tables", when,
					 err.msg);
			free(rules_after);
			free(tables_after);
		} else {
			committed++;
			for (i = 0; i < n && !diverged; i++)
				/* an intermediate state of the batch may be one the
				 * switch refuses (a path too deep): stop comparing */
				diverged =
				    vs_ofp_pipe_flow_mod(seq, &mods[i], NULL, NULL, &err) < 0;
		}
		free(rules_before);
		free(tables_before);
		cr_assert_eq(vs_ofp_pipe_n_derived(pp), n_rules, "%s: derived count", when);
		check_packets(pp, n_tables, 40, when);
		if (!diverged) {
			char *a = tables_print(pp, n_tables), *c = tables_print(seq, n_tables);

			cr_assert_str_eq(a, c, "%s: the batch and the same flow_mods singly differ",
					 when);
			compared++;
			free(a);
			free(c);
		}
	}
	cr_log_info("seed %llu: %u batches committed, %u refused, %u compared",
		    (unsigned long long)seed, committed, refused, compared);
	cr_expect_gt(committed, n_batches / 5);
	cr_expect_gt(refused, 0);
	vs_ofp_pipe_destroy(pp);
	vs_ofp_pipe_destroy(seq);
	fb_reset();
}

Test(ofp_pipe, batches_equal_their_flow_mods_singly_and_undo_whole)
{
	uint64_t seed;

	for (seed = 1; seed <= 12; seed++)
		batches(seed * 0xd1b54a32d192ed03ull, 2 + (uint32_t)(seed % 3), 60);
}

Test(ofp_pipe, intersections)
{
	struct vs_cfg_match a, b, x;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	/* ternary MACs: 02:..:01 under a multicast-bit mask and an exact 02:..:01 */
	a.fields = b.fields = VS_CFG_M_ETH_DST;
	a.eth_dst = (struct vs_cfg_mac){{0, 0, 0, 0, 0, 0}};
	a.eth_dst_mask = mcast;
	b.eth_dst = macs[0];
	b.eth_dst_mask = full;
	cr_assert(vs_ofp_pipe_intersect(&a, &b, &x));
	cr_expect(memcmp(&x.eth_dst, &macs[0], 6) == 0 && memcmp(&x.eth_dst_mask, &full, 6) == 0);
	b.eth_dst = macs[2]; /* 03:..: the multicast bit set */
	cr_expect(!vs_ofp_pipe_intersect(&a, &b, &x));
	/* prefixes: the longer one inside the shorter, or nothing */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.fields = b.fields = VS_CFG_M_IP_DST;
	a.ip_dst = (struct vs_cfg_prefix){.family = 4, .len = 16, .addr = {10, 1}};
	b.ip_dst = (struct vs_cfg_prefix){.family = 4, .len = 24, .addr = {10, 1, 2}};
	cr_assert(vs_ofp_pipe_intersect(&a, &b, &x));
	cr_expect_eq(x.ip_dst.len, 24);
	b.ip_dst.addr[1] = 2;
	cr_expect(!vs_ofp_pipe_intersect(&a, &b, &x));
	/* an IPv4 prefix and ethertype IPv6 */
	memset(&b, 0, sizeof(b));
	b.fields = VS_CFG_M_ETH_TYPE;
	b.eth_type = 0x86dd;
	cr_expect(!vs_ofp_pipe_intersect(&a, &b, &x));
	/* ranges */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.fields = b.fields = VS_CFG_M_L4_DST;
	a.l4_dst_lo = 10, a.l4_dst_hi = 20;
	b.l4_dst_lo = 15, b.l4_dst_hi = 30;
	cr_assert(vs_ofp_pipe_intersect(&a, &b, &x));
	cr_expect(x.l4_dst_lo == 15 && x.l4_dst_hi == 20);
	b.l4_dst_lo = 21;
	cr_expect(!vs_ofp_pipe_intersect(&a, &b, &x));
	/* L4 bitmasks: 80/0xfffe and the odd ports give 81; with a range */
	a.l4_dst_lo = a.l4_dst_hi = 80;
	a.l4_dst_mask = 0xfffe;
	b.l4_dst_lo = b.l4_dst_hi = 1;
	b.l4_dst_mask = 0x0001;
	cr_assert(vs_ofp_pipe_intersect(&a, &b, &x));
	cr_expect(x.l4_dst_lo == 81 && x.l4_dst_mask == 0, "exact 81, not %u/%x", x.l4_dst_lo,
		  x.l4_dst_mask);
	b.l4_dst_lo = b.l4_dst_hi = 0x50;
	b.l4_dst_mask = 0xfff0;
	cr_assert(vs_ofp_pipe_intersect(&a, &b, &x));
	cr_expect(x.l4_dst_lo == 80 && x.l4_dst_mask == 0xfffe);
	b.l4_dst_mask = 0;
	b.l4_dst_lo = 81, b.l4_dst_hi = 90;
	cr_expect(vs_ofp_pipe_intersect(&a, &b, &x) && x.l4_dst_lo == 81 && x.l4_dst_hi == 81);
	b.l4_dst_lo = 82;
	cr_expect(!vs_ofp_pipe_intersect(&a, &b, &x));
	/* an arbitrary IP mask and a prefix; contiguous results are prefixes */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.fields = b.fields = VS_CFG_M_IP_DST;
	a.ip_dst = (struct vs_cfg_prefix){
	    .family = 4, .masked = true, .addr = {10, 0, 0, 1}, .mask = {255, 0, 0, 1}};
	b.ip_dst = (struct vs_cfg_prefix){.family = 4, .len = 24, .addr = {10, 1, 2}};
	cr_assert(vs_ofp_pipe_intersect(&a, &b, &x));
	cr_expect(x.ip_dst.masked && x.ip_dst.mask[3] == 1 && x.ip_dst.addr[3] == 1 &&
		  x.ip_dst.addr[1] == 1);
	b.ip_dst = (struct vs_cfg_prefix){.family = 4, .len = 32, .addr = {10, 1, 2, 4}};
	cr_expect(!vs_ofp_pipe_intersect(&a, &b, &x), "10.1.2.4 is even");
	b.ip_dst = (struct vs_cfg_prefix){
	    .family = 4, .masked = true, .addr = {0, 255, 255, 0}, .mask = {0, 255, 255, 254}};
	cr_assert(vs_ofp_pipe_intersect(&a, &b, &x));
	cr_expect(!x.ip_dst.masked && x.ip_dst.len == 32, "255.255.255.255 is /32");
	/* VLANs: 10/0xffe with 11; any tagged frame with untagged */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.fields = b.fields = VS_CFG_M_VLAN_ID;
	a.vlan_masked = true;
	a.vlan_mask = 0x0ffe;
	a.vlan_id = 10;
	b.vlan_id = 11;
	cr_assert(vs_ofp_pipe_intersect(&a, &b, &x));
	cr_expect(!x.vlan_masked && x.vlan_id == 11 && !x.vlan_none);
	b.vlan_id = 12;
	cr_expect(!vs_ofp_pipe_intersect(&a, &b, &x));
	a.vlan_mask = 0;
	a.vlan_id = 0;
	cr_expect(vs_ofp_pipe_intersect(&a, &b, &x) && x.vlan_id == 12 && !x.vlan_masked);
	b.vlan_id = 0;
	b.vlan_none = true;
	cr_expect(!vs_ofp_pipe_intersect(&a, &b, &x));
	memset(&a, 0, sizeof(a));
	a.fields = VS_CFG_M_L4_DST;
	a.l4_dst_lo = 10, a.l4_dst_hi = 20;
	/* disjoint fields combine */
	memset(&b, 0, sizeof(b));
	b.fields = VS_CFG_M_IN_PORT;
	snprintf(b.in_port, sizeof(b.in_port), "p1");
	cr_assert(vs_ofp_pipe_intersect(&a, &b, &x));
	cr_expect_eq(x.fields, VS_CFG_M_L4_DST | VS_CFG_M_IN_PORT);
	cr_expect_str_eq(x.in_port, "p1");
}

/* ---- explicit pipelines ---- */

static struct vs_ofp_pipe *
pipe_new(uint32_t n_tables)
{
	struct vs_ofp_pipe *pp;

	fb_reset();
	pp = vs_ofp_pipe_create(n_tables, &fb_ops, NULL);
	cr_assert_not_null(pp);
	return pp;
}

static void
mod_init(struct vs_ofp_pipe_mod *m, uint8_t cmd, uint8_t table, uint16_t prio)
{
	memset(m, 0, sizeof(*m));
	m->command = cmd;
	m->table_id = table;
	m->priority = prio;
	m->goto_table = VS_OFP_PIPE_NO_GOTO;
}

static void
out(struct vs_cfg_action *a, const char *port)
{
	memset(a, 0, sizeof(*a));
	a->type = VS_CFG_ACT_OUTPUT;
	snprintf(a->port, sizeof(a->port), "%s", port);
}

struct removal {
	uint8_t reason, table;
	uint16_t prio;
	uint64_t pkts, bytes, age_ns;
};
static struct removal removals[16];
static uint32_t n_removals;

static void
on_removed(void *arg, const struct vs_ofp_pflow *f, uint8_t reason, uint64_t age_ns, uint64_t pkts,
	   uint64_t bytes)
{
	(void)arg;
	cr_assert_lt(n_removals, 16);
	removals[n_removals++] =
	    (struct removal){reason, f->table_id, f->priority, pkts, bytes, age_ns};
}

static struct fake_rule *
rule_with_port(const char *in_port)
{
	uint32_t i;

	for (i = 0; i < n_rules; i++)
		if (strcmp(rules[i]->spec.match.in_port, in_port) == 0)
			return rules[i];
	return NULL;
}

static int
mod(struct vs_ofp_pipe *pp, const struct vs_ofp_pipe_mod *m, struct vs_ofp_pipe_err *err)
{
	return vs_ofp_pipe_flow_mod(pp, m, on_removed, NULL, err);
}

Test(ofp_pipe, two_tables_one_rule_per_path)
{
	struct vs_ofp_pipe *pp = pipe_new(4);
	struct vs_ofp_pipe_err err;
	struct vs_ofp_pipe_mod m;
	struct vs_ofp_pflow *f;

	/* table 0: in_port p1 -> goto 1; in_port p2 -> goto 1 */
	mod_init(&m, VS_OFPFC_ADD, 0, 10);
	m.match.fields = VS_CFG_M_IN_PORT;
	snprintf(m.match.in_port, sizeof(m.match.in_port), "p1");
	m.goto_table = 1;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	/* goto 1 with table 1 empty: one rule, the drop of the miss in table 1 */
	cr_expect_eq(n_rules, 1);
	cr_expect_eq(rules[0]->spec.actions[0].type, VS_CFG_ACT_DROP);
	snprintf(m.match.in_port, sizeof(m.match.in_port), "p2");
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	/* table 1: a flow every packet matches, output o1: one path per table-0 flow */
	mod_init(&m, VS_OFPFC_ADD, 1, 5);
	out(&m.apply[0], "o1");
	m.n_apply = 1;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	cr_expect_eq(n_rules, 2, "a covering flow leaves no miss rule");
	cr_expect_eq(vs_ofp_pipe_n_derived(pp), 2);
	/* counts: the table-1 flow sums both paths */
	rule_with_port("p1")->pkts = 3;
	rule_with_port("p1")->bytes = 300;
	rule_with_port("p2")->pkts = 4;
	rule_with_port("p2")->bytes = 400;
	vs_ofp_pipe_count(pp);
	f = vs_ofp_pipe_first(pp, 1);
	cr_assert_not_null(f);
	cr_expect_eq(f->pkts, 7);
	cr_expect_eq(f->bytes, 700);
	f = vs_ofp_pipe_first(pp, 0);
	cr_expect_eq(f->pkts + f->next->pkts, 7);
	/* an ADD of the same match and priority replaces the flow: counters go
	 * on (RESET_COUNTS: from zero), duration anew */
	clock_ns += 5000;
	mod_init(&m, VS_OFPFC_ADD, 0, 10);
	m.match.fields = VS_CFG_M_IN_PORT;
	snprintf(m.match.in_port, sizeof(m.match.in_port), "p1");
	m.goto_table = 1;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	cr_expect_eq(vs_ofp_pipe_n_flows(pp, 0), 2);
	vs_ofp_pipe_count(pp);
	for (f = vs_ofp_pipe_first(pp, 0); f != NULL; f = f->next)
		if (strcmp(f->match.in_port, "p1") == 0) {
			cr_expect_eq(f->pkts, 3, "the replaced flow's counts");
			cr_expect_eq(f->created_ns, clock_ns);
		}
	cr_expect_eq(vs_ofp_pipe_first(pp, 1)->pkts, 7, "table 1 lost counts");
	m.flags = VS_OFPFF_RESET_COUNTS;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	vs_ofp_pipe_count(pp);
	for (f = vs_ofp_pipe_first(pp, 0); f != NULL; f = f->next)
		if (strcmp(f->match.in_port, "p1") == 0)
			cr_expect_eq(f->pkts, 0, "RESET_COUNTS on a replacing ADD");
	/* adding a higher table-1 flow keeps the counts of the flows it does not change */
	mod_init(&m, VS_OFPFC_ADD, 1, 9);
	m.match.fields = VS_CFG_M_IP_PROTO;
	m.match.ip_proto = 6;
	out(&m.apply[0], "o2");
	m.n_apply = 1;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	cr_expect_eq(n_rules, 4);
	vs_ofp_pipe_count(pp);
	for (f = vs_ofp_pipe_first(pp, 1); f != NULL; f = f->next)
		if (f->priority == 5)
			cr_expect_eq(f->pkts, 7, "the table-1 flow lost its counts");
	/* goto a table that is not later, or that the switch does not have */
	mod_init(&m, VS_OFPFC_ADD, 1, 1);
	m.goto_table = 1;
	cr_expect_eq(mod(pp, &m, &err), -EINVAL);
	cr_expect(err.type == VS_OFPET_BAD_INSTRUCTION && err.code == VS_OFPBIC_BAD_TABLE_ID);
	m.goto_table = 4;
	cr_expect_eq(mod(pp, &m, &err), -EINVAL);
	cr_expect(err.type == VS_OFPET_BAD_INSTRUCTION && err.code == VS_OFPBIC_BAD_TABLE_ID);
	mod_init(&m, VS_OFPFC_ADD, 4, 1);
	cr_expect_eq(mod(pp, &m, &err), -EINVAL);
	cr_expect(err.type == VS_OFPET_FLOW_MOD_FAILED && err.code == VS_OFPFMFC_BAD_TABLE_ID);
	/* a backend that refuses the commit: nothing changes */
	fail_commit = true;
	mod_init(&m, VS_OFPFC_DELETE, VS_OFPTT_ALL, 0);
	cr_expect_lt(mod(pp, &m, &err), 0);
	cr_expect_eq(err.code, VS_OFPFMFC_TABLE_FULL);
	fail_commit = false;
	cr_expect_eq(n_rules, 4);
	cr_expect_eq(vs_ofp_pipe_n_flows(pp, 0) + vs_ofp_pipe_n_flows(pp, 1), 4);
	vs_ofp_pipe_destroy(pp);
	fb_reset();
}

Test(ofp_pipe, set_field_before_goto_decides_the_later_match)
{
	struct vs_ofp_pipe *pp = pipe_new(3);
	struct vs_ofp_pipe_err err;
	struct vs_ofp_pipe_mod m;

	/* table 1: eth_dst 02:..:01 -> o1, eth_dst 02:..:02 -> o2 */
	mod_init(&m, VS_OFPFC_ADD, 1, 5);
	m.match.fields = VS_CFG_M_ETH_DST;
	m.match.eth_dst = macs[0];
	m.match.eth_dst_mask = full;
	out(&m.apply[0], "o1");
	m.n_apply = 1;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	m.match.eth_dst = macs[1];
	out(&m.apply[0], "o2");
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	/* table 0: set eth_dst 02:..:02, goto 1: only the o2 flow can match */
	mod_init(&m, VS_OFPFC_ADD, 0, 1);
	m.apply[0].type = VS_CFG_ACT_SET_ETH_DST;
	m.apply[0].mac = macs[1];
	m.n_apply = 1;
	m.goto_table = 1;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(n_rules, 1, "one combination, no miss: %u rules", n_rules);
	cr_expect_eq(rules[0]->spec.match.fields, 0, "the eth_dst constraint was decided");
	cr_expect_eq(rules[0]->spec.n_actions, 2);
	cr_expect_eq(rules[0]->spec.actions[0].type, VS_CFG_ACT_SET_ETH_DST);
	cr_expect_str_eq(rules[0]->spec.actions[1].port, "o2");
	/* pop_vlan before a table that matches the VLAN: refused, exactly */
	mod_init(&m, VS_OFPFC_ADD, 1, 7);
	m.match.fields = VS_CFG_M_VLAN_ID;
	m.match.vlan_id = 10;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	mod_init(&m, VS_OFPFC_ADD, 0, 2);
	m.match.fields = VS_CFG_M_IN_PORT;
	snprintf(m.match.in_port, sizeof(m.match.in_port), "p1");
	m.apply[0].type = VS_CFG_ACT_POP_VLAN;
	m.n_apply = 1;
	m.goto_table = 1;
	cr_expect_eq(mod(pp, &m, &err), -EINVAL);
	cr_expect(err.type == VS_OFPET_BAD_MATCH && err.code == VS_OFPBMC_BAD_PREREQ, "%u/%u %s",
		  err.type, err.code, err.msg);
	cr_expect_eq(vs_ofp_pipe_n_flows(pp, 0), 1, "the refused flow stayed");

	/* a shadowed flow is checked all the same: with pop_vlan before table 2,
	 * a VLAN match in table 2 below a flow that takes everything is refused
	 * (else expiring the shadow would meet a path it cannot make) */
	mod_init(&m, VS_OFPFC_ADD, 1, 50);
	m.match.fields = VS_CFG_M_IN_PORT;
	snprintf(m.match.in_port, sizeof(m.match.in_port), "p3");
	m.apply[0].type = VS_CFG_ACT_POP_VLAN;
	m.n_apply = 1;
	m.goto_table = 2;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	mod_init(&m, VS_OFPFC_ADD, 2, 10);
	out(&m.apply[0], "o3");
	m.n_apply = 1;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	mod_init(&m, VS_OFPFC_ADD, 2, 5);
	m.match.fields = VS_CFG_M_VLAN_ID;
	m.match.vlan_id = 10;
	cr_expect_eq(mod(pp, &m, &err), -EINVAL);
	cr_expect(err.type == VS_OFPET_BAD_MATCH && err.code == VS_OFPBMC_BAD_PREREQ, "%u/%u %s",
		  err.type, err.code, err.msg);
	vs_ofp_pipe_destroy(pp);
	fb_reset();
}

Test(ofp_pipe, timeouts_with_a_fake_clock)
{
	struct vs_ofp_pipe *pp = pipe_new(2);
	struct vs_ofp_pipe_err err;
	struct vs_ofp_pipe_mod m;
	const uint64_t s = 1000000000u;
	uint64_t t0;

	n_removals = 0;
	t0 = clock_ns;
	/* idle 2 s, flagged; hard 3 s, flagged; hard 1 s, not flagged */
	mod_init(&m, VS_OFPFC_ADD, 0, 10);
	m.match.fields = VS_CFG_M_IN_PORT;
	snprintf(m.match.in_port, sizeof(m.match.in_port), "p1");
	m.idle_timeout = 2;
	m.flags = VS_OFPFF_SEND_FLOW_REM;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	snprintf(m.match.in_port, sizeof(m.match.in_port), "p2");
	m.idle_timeout = 0;
	m.hard_timeout = 3;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	snprintf(m.match.in_port, sizeof(m.match.in_port), "p3");
	m.hard_timeout = 1;
	m.flags = 0;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(n_rules, 3);

	clock_ns = t0 + s / 2;
	cr_expect_eq(vs_ofp_pipe_expire(pp, on_removed, NULL), 0);
	clock_ns = t0 + s + s / 2;	/* p3's hard timeout: gone, nothing sent */
	rule_with_port("p1")->pkts = 5; /* p1 is used: idle from here */
	rule_with_port("p1")->bytes = 500;
	cr_expect_eq(vs_ofp_pipe_expire(pp, on_removed, NULL), 1);
	cr_expect_eq(n_removals, 0, "a flow without send_flow_rem was reported");
	cr_expect_null(rule_with_port("p3"));
	clock_ns = t0 + 3 * s; /* p2's hard timeout */
	cr_expect_eq(vs_ofp_pipe_expire(pp, on_removed, NULL), 1);
	cr_assert_eq(n_removals, 1);
	cr_expect_eq(removals[0].reason, VS_OFP_RR_HARD_TIMEOUT);
	cr_expect_eq(removals[0].age_ns, 3 * s);
	clock_ns = t0 + 3 * s + s / 4; /* p1 last moved at 1.5 s: idle until 3.5 s */
	cr_expect_eq(vs_ofp_pipe_expire(pp, on_removed, NULL), 0);
	cr_expect_not_null(rule_with_port("p1"));
	clock_ns = t0 + 3 * s + s / 2;
	cr_expect_eq(vs_ofp_pipe_expire(pp, on_removed, NULL), 1);
	cr_assert_eq(n_removals, 2);
	cr_expect_eq(removals[1].reason, VS_OFP_RR_IDLE_TIMEOUT);
	cr_expect_eq(removals[1].pkts, 5);
	cr_expect_eq(removals[1].bytes, 500);
	cr_expect_eq(n_rules, 0);

	/* a delete of a flagged flow says DELETE; RESET_COUNTS on MODIFY */
	mod_init(&m, VS_OFPFC_ADD, 0, 10);
	m.flags = VS_OFPFF_SEND_FLOW_REM;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	rules[0]->pkts = 9;
	mod_init(&m, VS_OFPFC_MODIFY, 0, 0);
	out(&m.apply[0], "o1");
	m.n_apply = 1;
	m.flags = VS_OFPFF_RESET_COUNTS;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	rules[0]->pkts = 2; /* a new rule (its actions changed) counted 2 */
	vs_ofp_pipe_count(pp);
	cr_expect_eq(vs_ofp_pipe_first(pp, 0)->pkts, 2, "RESET_COUNTS kept the old counts");
	mod_init(&m, VS_OFPFC_DELETE, VS_OFPTT_ALL, 0);
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(n_removals, 3);
	cr_expect_eq(removals[2].reason, VS_OFP_RR_DELETE);
	cr_expect_eq(removals[2].pkts, 2);
	vs_ofp_pipe_destroy(pp);
	fb_reset();
}

Test(ofp_pipe, check_overlap)
{
	struct vs_ofp_pipe *pp = pipe_new(1);
	struct vs_ofp_pipe_err err;
	struct vs_ofp_pipe_mod m;

	mod_init(&m, VS_OFPFC_ADD, 0, 10);
	m.match.fields = VS_CFG_M_IP_PROTO;
	m.match.ip_proto = 6;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	/* in_port p1 overlaps ip_proto 6 at the same priority */
	mod_init(&m, VS_OFPFC_ADD, 0, 10);
	m.match.fields = VS_CFG_M_IN_PORT;
	snprintf(m.match.in_port, sizeof(m.match.in_port), "p1");
	m.flags = VS_OFPFF_CHECK_OVERLAP;
	cr_expect_eq(mod(pp, &m, &err), -EINVAL);
	cr_expect(err.type == VS_OFPET_FLOW_MOD_FAILED && err.code == VS_OFPFMFC_OVERLAP);
	/* another priority, or a disjoint match, is fine */
	m.priority = 11;
	cr_expect_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	mod_init(&m, VS_OFPFC_ADD, 0, 10);
	m.match.fields = VS_CFG_M_IP_PROTO;
	m.match.ip_proto = 17;
	m.flags = VS_OFPFF_CHECK_OVERLAP;
	cr_expect_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	cr_expect_eq(vs_ofp_pipe_n_flows(pp, 0), 3);
	vs_ofp_pipe_destroy(pp);
	fb_reset();
}

Test(ofp_pipe, a_change_touches_only_what_it_changes)
{
	struct vs_ofp_pipe *pp = pipe_new(2);
	struct vs_ofp_pipe_err err;
	struct vs_ofp_pipe_mod m;
	uint32_t i;

	/* a learning switch's flows in table 0: one classifier operation each */
	for (i = 0; i < 2000; i++) {
		mod_init(&m, VS_OFPFC_ADD, 0, 1);
		m.match.fields = VS_CFG_M_IP_DST;
		m.match.ip_dst = (struct vs_cfg_prefix){
		    .family = 4, .len = 32, .addr = {10, (uint8_t)(i >> 8), (uint8_t)i, 1}};
		out(&m.apply[0], "o1");
		m.n_apply = 1;
		n_adds = n_dels = 0;
		cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
		cr_assert(n_adds == 1 && n_dels == 0, "flow %u: %u adds, %u deletes", i, n_adds,
			  n_dels);
	}
	/* a table-1 flow no path reaches: nothing to do */
	n_adds = n_dels = 0;
	mod_init(&m, VS_OFPFC_ADD, 1, 5);
	out(&m.apply[0], "o2");
	m.n_apply = 1;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	cr_expect(n_adds == 0 && n_dels == 0);
	/* a table-0 flow that goes to table 1: one path (table 1's flow takes all) */
	mod_init(&m, VS_OFPFC_ADD, 0, 9);
	m.match.fields = VS_CFG_M_IN_PORT;
	snprintf(m.match.in_port, sizeof(m.match.in_port), "p1");
	m.goto_table = 1;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	cr_expect(n_adds == 1 && n_dels == 0, "%u adds, %u deletes", n_adds, n_dels);
	/* the table-1 flow's actions change: that path only is replaced */
	n_adds = n_dels = 0;
	mod_init(&m, VS_OFPFC_MODIFY_STRICT, 1, 5);
	out(&m.apply[0], "o3");
	m.n_apply = 1;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	cr_expect(n_adds == 1 && n_dels == 1, "%u adds, %u deletes", n_adds, n_dels);
	/* a modify that changes nothing stages nothing */
	n_adds = n_dels = 0;
	cr_assert_eq(mod(pp, &m, &err), 0, "%s", err.msg);
	cr_expect(n_adds == 0 && n_dels == 0, "%u adds, %u deletes", n_adds, n_dels);
	cr_expect_eq(n_rules, 2001);
	vs_ofp_pipe_destroy(pp);
	fb_reset();
}
