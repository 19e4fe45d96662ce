/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenFlow tables flattened into derived classifier rules (see
 * vs_ofp_pipe.h). Control thread only; libc and the config types.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vs_ofp.h"
#include "vs_ofp_pipe.h"

/* pflow.state during a change */
enum { ST_LIVE = 0, ST_NEW, ST_GONE, ST_MOD };

/* the tiebreak of OpenFlow rules: after the file's, with the runtime ones
 * (pipeline/vs_rules.h VS_TB_RUNTIME_BASE), then the later tables' levels,
 * then a sequence number that only separates equal matches */
#define TB_BASE	   (UINT64_C(1) << 62)
#define LEVEL_BITS 17 /* 65535 - priority, or 65536 for "no flow matched" */
#define SEQ_BITS   11
#define LEVEL_MISS 65536u
#define SPEC_CACHE 64

struct vs_ofp_pipe {
	uint32_t n_tables;
	struct vs_ofp_pflow **tables; /* per table, priority descending */
	struct vs_ofp_pflow **tail;   /* per table, its last flow (NULL: not known) */
	uint32_t *n_flows;
	uint32_t n_derived;
	/* every flow by (table, priority, match): an ADD finds the flow it
	 * replaces without a walk of its table */
	struct vs_ofp_pflow **buckets;
	uint32_t n_buckets, n_indexed;
	bool index_broken; /* a flow could not be indexed (no memory): walk */
	/* the flows a change marked (new, modified, going), so that a change of
	 * table 0 alone touches those and no other; overflow: walk the tables */
	struct vs_ofp_pflow **chg;
	uint32_t n_chg, cap_chg;
	bool chg_overflow;
	/* specs of derived rules being made, reused: a change frees each one
	 * as soon as its rule is staged (malloc churn of 1 KiB chunks is slow) */
	struct vs_cfg_rule *spec_cache[SPEC_CACHE];
	uint32_t n_spec_cache;
	/* a batch (an OpenFlow bundle): flow_mods mark, one recompute at the end */
	bool batch, batch_counted;
	uint8_t batch_tables[32];
	const struct vs_ofp_pipe_ops *ops;
	void *arg;
};

/* ---- the flow index and the change list ---- */

static uint64_t
flow_key(const struct vs_ofp_pflow *f)
{
	static const struct vs_cfg_match any;
	struct vs_cfg_match x;
	const uint8_t *b = (const uint8_t *)&x;
	uint64_t h = 0xcbf29ce484222325u ^ ((uint64_t)f->table_id << 16 | f->priority);
	size_t i;

	/* the canonical form vs_ofp_pipe_match_same compares */
	if (!vs_ofp_pipe_intersect(&f->match, &any, &x))
		memcpy(&x, &f->match, sizeof(x));
	for (i = 0; i < sizeof(x); i++)
		h = (h ^ b[i]) * 0x100000001b3u;
	return h;
}

static void
index_add(struct vs_ofp_pipe *p, struct vs_ofp_pflow *f)
{
	uint32_t i;

	if (p->n_indexed >= p->n_buckets) {
		uint32_t n = p->n_buckets ? p->n_buckets * 2 : 1024;
		struct vs_ofp_pflow **nb = calloc(n, sizeof(*nb));

		if (nb != NULL) {
			for (i = 0; i < p->n_buckets; i++) {
				struct vs_ofp_pflow *g = p->buckets[i], *nx;

				for (; g != NULL; g = nx) {
					nx = g->hnext;
					g->hnext = nb[g->hkey & (n - 1)];
					nb[g->hkey & (n - 1)] = g;
				}
			}
			free(p->buckets);
			p->buckets = nb;
			p->n_buckets = n;
		}
	}
	f->hkey = flow_key(f);
	if (p->n_buckets == 0) { /* no memory for any bucket: found by the walk */
		f->hnext = NULL;
		p->index_broken = true;
		return;
	}
	i = (uint32_t)(f->hkey & (p->n_buckets - 1));
	f->hnext = p->buckets[i];
	p->buckets[i] = f;
	p->n_indexed++;
}

static void
index_del(struct vs_ofp_pipe *p, struct vs_ofp_pflow *f)
{
	struct vs_ofp_pflow **pp;

	if (p->n_buckets == 0)
		return;
	for (pp = &p->buckets[f->hkey & (p->n_buckets - 1)]; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == f) {
			*pp = f->hnext;
			p->n_indexed--;
			return;
		}
}

/* The flow of table t with priority pr and match m, or NULL. */
static struct vs_ofp_pflow *
index_find(struct vs_ofp_pipe *p, uint8_t t, uint16_t pr, const struct vs_cfg_match *m)
{
	struct vs_ofp_pflow key = {.table_id = t, .priority = pr}, *f;
	uint64_t h;

	key.match = *m;
	h = flow_key(&key);
	if (p->index_broken) {
		/* not every flow indexed (no memory once): walk the table */
		for (f = p->tables[t]; f != NULL; f = f->next)
			if (f->state != ST_GONE && f->priority == pr &&
			    vs_ofp_pipe_match_same(&f->match, m))
				return f;
		return NULL;
	}
	if (p->n_buckets == 0)
		return NULL; /* nothing indexed yet: no flow at all */
	for (f = p->buckets[h & (p->n_buckets - 1)]; f != NULL; f = f->hnext)
		if (f->hkey == h && f->state != ST_GONE && f->table_id == t && f->priority == pr &&
		    vs_ofp_pipe_match_same(&f->match, m))
			return f;
	return NULL;
}

/* f takes state st within a change, and is remembered as changed. */
static void
mark(struct vs_ofp_pipe *p, struct vs_ofp_pflow *f, uint32_t st)
{
	f->state = st;
	if (f->in_chg)
		return; /* marked before in this change (a batch): listed once */
	if (p->n_chg == p->cap_chg) {
		uint32_t n = p->cap_chg ? p->cap_chg * 2 : 64;
		struct vs_ofp_pflow **c = realloc(p->chg, n * sizeof(*c));

		if (c == NULL) {
			p->chg_overflow = true;
			return;
		}
		p->chg = c;
		p->cap_chg = n;
	}
	p->chg[p->n_chg++] = f;
	f->in_chg = true;
}

static void
chg_reset(struct vs_ofp_pipe *p)
{
	uint32_t i;

	for (i = 0; i < p->n_chg; i++)
		p->chg[i]->in_chg = false;
	p->n_chg = 0;
	p->chg_overflow = false;
}

/* A flow's memory: its action block, its saved copy (with its own block). */
static void
flow_free(struct vs_ofp_pflow *f)
{
	if (f->saved != NULL) {
		free(f->saved->apply);
		free(f->saved);
	}
	free(f->apply);
	free(f);
}

/* The saved copy of a modified flow, no longer needed. */
static void
saved_free(struct vs_ofp_pflow *f)
{
	if (f->saved != NULL) {
		free(f->saved->apply);
		free(f->saved);
		f->saved = NULL;
	}
}

struct vs_ofp_pipe *
vs_ofp_pipe_create(uint32_t n_tables, const struct vs_ofp_pipe_ops *ops, void *arg)
{
	struct vs_ofp_pipe *p;

	if (n_tables == 0 || n_tables > VS_OFP_PIPE_MAX_TABLES || ops == NULL) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->tables = calloc(n_tables, sizeof(*p->tables));
	p->n_flows = calloc(n_tables, sizeof(*p->n_flows));
	p->tail = calloc(n_tables, sizeof(*p->tail));
	if (p->tables == NULL || p->n_flows == NULL || p->tail == NULL) {
		free(p->tables);
		free(p->n_flows);
		free(p->tail);
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->n_tables = n_tables;
	p->ops = ops;
	p->arg = arg;
	return p;
}

static struct vs_cfg_rule *
spec_get(struct vs_ofp_pipe *p)
{
	struct vs_cfg_rule *sp;

	if (p->n_spec_cache == 0)
		return calloc(1, sizeof(*sp));
	sp = p->spec_cache[--p->n_spec_cache];
	memset(sp, 0, sizeof(*sp));
	return sp;
}

static void
spec_put(struct vs_ofp_pipe *p, struct vs_cfg_rule *sp)
{
	if (sp != NULL && p->n_spec_cache < SPEC_CACHE)
		p->spec_cache[p->n_spec_cache++] = sp;
	else
		free(sp);
}

static void
drv_free_list(struct vs_ofp_pipe *p, struct vs_ofp_drv *d)
{
	while (d != NULL) {
		struct vs_ofp_drv *n = d->next;

		spec_put(p, d->spec);
		free(d);
		d = n;
	}
}

void
vs_ofp_pipe_destroy(struct vs_ofp_pipe *p)
{
	uint32_t t;

	if (p == NULL)
		return;
	for (t = 0; t < p->n_tables; t++) {
		struct vs_ofp_pflow *f = p->tables[t], *n;

		for (; f != NULL; f = n) {
			n = f->next;
			drv_free_list(p, f->drv);
			flow_free(f);
		}
	}
	while (p->n_spec_cache > 0)
		free(p->spec_cache[--p->n_spec_cache]);
	free(p->tables);
	free(p->n_flows);
	free(p->tail);
	free(p->buckets);
	free(p->chg);
	free(p);
}

uint32_t
vs_ofp_pipe_n_tables(const struct vs_ofp_pipe *p)
{
	return p->n_tables;
}

struct vs_ofp_pflow *
vs_ofp_pipe_first(struct vs_ofp_pipe *p, uint32_t t)
{
	return t < p->n_tables ? p->tables[t] : NULL;
}

uint32_t
vs_ofp_pipe_n_flows(const struct vs_ofp_pipe *p, uint32_t t)
{
	return t < p->n_tables ? p->n_flows[t] : 0;
}

uint32_t
vs_ofp_pipe_n_derived(const struct vs_ofp_pipe *p)
{
	return p->n_derived;
}

/* ---- matches ---- */

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

/*
 * The addresses both a and b take (same family), as a prefix when the mask
 * is contiguous and as a masked address otherwise (the form the codec and
 * the config give, so equal sets compare equal); false when none.
 */
static bool
prefix_and(const struct vs_cfg_prefix *a, const struct vs_cfg_prefix *b, struct vs_cfg_prefix *o)
{
	uint8_t am[16], bm[16], om[16];
	unsigned int i, len = 0;
	bool contiguous = true;

	if (a->family != b->family)
		return false;
	prefix_mask(a, am);
	prefix_mask(b, bm);
	memset(o, 0, sizeof(*o));
	o->family = a->family;
	for (i = 0; i < 16; i++) {
		if ((a->addr[i] ^ b->addr[i]) & am[i] & bm[i])
			return false;
		om[i] = am[i] | bm[i];
		o->addr[i] = (uint8_t)((a->addr[i] & am[i]) | (b->addr[i] & bm[i]));
	}
	for (i = 0; i < 128; i++) {
		bool bit = (om[i / 8] & (0x80 >> (i % 8))) != 0;

		if (bit && len != i)
			contiguous = false;
		if (bit && len == i)
			len++;
	}
	if (contiguous) {
		o->len = (uint8_t)len;
	} else {
		o->masked = true;
		memcpy(o->mask, om, 16);
	}
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
		*v = (uint16_t)(VS_OFPVID_PRESENT | (m->vlan_id & *mk));
	}
}

/* Whether VID vid (of a tagged frame) is one m's VLAN match takes. */
static bool
vlan_takes(const struct vs_cfg_match *m, uint16_t vid)
{
	uint16_t v, mk;

	vlan_vm(m, &v, &mk);
	return ((VS_OFPVID_PRESENT | vid) & mk) == v;
}

/* An L4 match as a range lo..hi when it is one (a mask of high bits). */
static bool
l4_as_range(uint16_t lo, uint16_t mask, uint16_t *rlo, uint16_t *rhi)
{
	uint16_t low = (uint16_t)~mask;

	if ((low & (uint16_t)(low + 1)) != 0) /* not 0..01..1 */
		return false;
	*rlo = lo & mask;
	*rhi = (uint16_t)(*rlo | low);
	return true;
}

/*
 * The ports both L4 matches take (lo..hi, or lo under a non-zero mask);
 * false when none, or when the intersection of a range and a bitmask that
 * is not one has no form (never from OpenFlow, which has no ranges).
 */
static bool
l4_and(uint16_t alo, uint16_t ahi, uint16_t am, uint16_t blo, uint16_t bhi, uint16_t bm,
       uint16_t *olo, uint16_t *ohi, uint16_t *om)
{
	*om = 0;
	if (am != 0 && bm != 0) {
		if ((alo ^ blo) & am & bm)
			return false;
		*om = am | bm;
		*olo = *ohi = (uint16_t)((alo & am) | (blo & bm));
		if (*om == 0xffff)
			*om = 0;
		return true;
	}
	if (am != 0 || bm != 0) { /* one range, one bitmask */
		uint16_t lo = am ? blo : alo, hi = am ? bhi : ahi, v = am ? alo : blo,
			 mk = am ? am : bm, rlo, rhi;

		if (lo == hi) { /* one port */
			*olo = *ohi = lo;
			return (lo & mk) == v;
		}
		if (!l4_as_range(v, mk, &rlo, &rhi))
			return false;
		alo = lo;
		ahi = hi;
		blo = rlo;
		bhi = rhi;
	}
	*olo = alo > blo ? alo : blo;
	*ohi = ahi < bhi ? ahi : bhi;
	return *olo <= *ohi;
}

/* ternary MAC: bits both masks have must agree */
static bool
mac_and(const struct vs_cfg_mac *av, const struct vs_cfg_mac *am, const struct vs_cfg_mac *bv,
	const struct vs_cfg_mac *bm, struct vs_cfg_mac *ov, struct vs_cfg_mac *om)
{
	unsigned int i;

	for (i = 0; i < 6; i++) {
		if ((av->b[i] ^ bv->b[i]) & am->b[i] & bm->b[i])
			return false;
		om->b[i] = am->b[i] | bm->b[i];
		ov->b[i] = (uint8_t)((av->b[i] & am->b[i]) | (bv->b[i] & bm->b[i]));
	}
	return true;
}

/* the IP family a match implies (0: none) */
static uint8_t
family_of(const struct vs_cfg_match *m)
{
	if (m->fields & VS_CFG_M_IP_SRC)
		return m->ip_src.family;
	if (m->fields & VS_CFG_M_IP_DST)
		return m->ip_dst.family;
	return 0;
}

bool
vs_ofp_pipe_intersect(const struct vs_cfg_match *a, const struct vs_cfg_match *b,
		      struct vs_cfg_match *o)
{
	uint32_t both = a->fields & b->fields;

	memset(o, 0, sizeof(*o));
	o->fields = a->fields | b->fields;
	if (both & VS_CFG_M_IN_PORT) {
		if (strcmp(a->in_port, b->in_port) != 0)
			return false;
	}
	memcpy(o->in_port, (a->fields & VS_CFG_M_IN_PORT) ? a->in_port : b->in_port,
	       sizeof(o->in_port));
	if (!(o->fields & VS_CFG_M_IN_PORT))
		memset(o->in_port, 0, sizeof(o->in_port));
	if (both & VS_CFG_M_ETH_SRC) {
		if (!mac_and(&a->eth_src, &a->eth_src_mask, &b->eth_src, &b->eth_src_mask,
			     &o->eth_src, &o->eth_src_mask))
			return false;
	} else if (o->fields & VS_CFG_M_ETH_SRC) {
		const struct vs_cfg_match *x = (a->fields & VS_CFG_M_ETH_SRC) ? a : b;

		o->eth_src = x->eth_src;
		o->eth_src_mask = x->eth_src_mask;
	}
	if (both & VS_CFG_M_ETH_DST) {
		if (!mac_and(&a->eth_dst, &a->eth_dst_mask, &b->eth_dst, &b->eth_dst_mask,
			     &o->eth_dst, &o->eth_dst_mask))
			return false;
	} else if (o->fields & VS_CFG_M_ETH_DST) {
		const struct vs_cfg_match *x = (a->fields & VS_CFG_M_ETH_DST) ? a : b;

		o->eth_dst = x->eth_dst;
		o->eth_dst_mask = x->eth_dst_mask;
	}
#define EXACT(flag, field)                                                                         \
	do {                                                                                       \
		if ((both & (flag)) && a->field != b->field)                                       \
			return false;                                                              \
		if (o->fields & (flag))                                                            \
			o->field = (a->fields & (flag)) ? a->field : b->field;                     \
	} while (0)
	EXACT(VS_CFG_M_ETH_TYPE, eth_type);
	EXACT(VS_CFG_M_VLAN_PCP, vlan_pcp);
	EXACT(VS_CFG_M_IP_PROTO, ip_proto);
	EXACT(VS_CFG_M_IP_DSCP, ip_dscp);
	EXACT(VS_CFG_M_ICMP_TYPE, icmp_type);
	EXACT(VS_CFG_M_ICMP_CODE, icmp_code);
#undef EXACT
	/* VLAN: value/mask over PRESENT | VID, back in the match's form */
	if (both & VS_CFG_M_VLAN_ID) {
		uint16_t av, amk, bv, bmk, v, mk;

		vlan_vm(a, &av, &amk);
		vlan_vm(b, &bv, &bmk);
		if ((av ^ bv) & amk & bmk)
			return false;
		v = (uint16_t)((av & amk) | (bv & bmk));
		mk = amk | bmk;
		if (!(v & VS_OFPVID_PRESENT)) {
			o->vlan_none = true;
		} else {
			o->vlan_id = v & 0x0fff;
			if ((mk & 0x0fff) != 0x0fff) {
				o->vlan_masked = true;
				o->vlan_mask = mk & 0x0fff;
			}
		}
	} else if (o->fields & VS_CFG_M_VLAN_ID) {
		const struct vs_cfg_match *x = (a->fields & VS_CFG_M_VLAN_ID) ? a : b;

		o->vlan_none = x->vlan_none;
		o->vlan_id = x->vlan_id;
		o->vlan_masked = x->vlan_masked;
		o->vlan_mask = x->vlan_mask;
	}
#define PREFIX(flag, field)                                                                        \
	do {                                                                                       \
		if (both & (flag)) {                                                               \
			if (!prefix_and(&a->field, &b->field, &o->field))                          \
				return false;                                                      \
		} else if (o->fields & (flag)) {                                                   \
			o->field = (a->fields & (flag)) ? a->field : b->field;                     \
		}                                                                                  \
	} while (0)
	PREFIX(VS_CFG_M_IP_SRC, ip_src);
	PREFIX(VS_CFG_M_IP_DST, ip_dst);
#undef PREFIX
#define L4(flag, lo, hi, mask)                                                                     \
	do {                                                                                       \
		if (both & (flag)) {                                                               \
			if (!l4_and(a->lo, a->hi, a->mask, b->lo, b->hi, b->mask, &o->lo, &o->hi,  \
				    &o->mask))                                                     \
				return false;                                                      \
		} else if (o->fields & (flag)) {                                                   \
			o->lo = (a->fields & (flag)) ? a->lo : b->lo;                              \
			o->hi = (a->fields & (flag)) ? a->hi : b->hi;                              \
			o->mask = (a->fields & (flag)) ? a->mask : b->mask;                        \
		}                                                                                  \
	} while (0)
	L4(VS_CFG_M_L4_SRC, l4_src_lo, l4_src_hi, l4_src_mask);
	L4(VS_CFG_M_L4_DST, l4_dst_lo, l4_dst_hi, l4_dst_mask);
#undef L4
	/* prerequisites: one IP family, and the ethertype that goes with it */
	if ((o->fields & VS_CFG_M_IP_SRC) && (o->fields & VS_CFG_M_IP_DST) &&
	    o->ip_src.family != o->ip_dst.family)
		return false;
	if ((o->fields & VS_CFG_M_ETH_TYPE) && family_of(o) != 0 &&
	    o->eth_type != (family_of(o) == 4 ? 0x0800 : 0x86dd))
		return false;
	return true;
}

bool
vs_ofp_pipe_match_same(const struct vs_cfg_match *a, const struct vs_cfg_match *b)
{
	struct vs_cfg_match x, y;

	/* canonical copies: intersect with the empty match */
	static const struct vs_cfg_match any;

	if (!vs_ofp_pipe_intersect(a, &any, &x) || !vs_ofp_pipe_intersect(b, &any, &y))
		return false;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

bool
vs_ofp_pipe_covers(const struct vs_cfg_match *req, const struct vs_cfg_match *m)
{
	struct vs_cfg_match x;

	return vs_ofp_pipe_intersect(req, m, &x) && vs_ofp_pipe_match_same(&x, m);
}

/* ---- paths ---- */

/* What the actions so far did to the packet's fields the tables match. */
struct known {
	bool eth_src, eth_dst;
	struct vs_cfg_mac src, dst;
	/* 0: the outer tag as received; 1: a tag is there (pushed, or the
	 * received one set), the fields below known where vid_known/pcp_known;
	 * 2: popped (whether a tag is left, and its fields, unknown) */
	int vlan;
	bool vid_known, pcp_known;
	uint16_t vid;
	uint8_t pcp;
};

struct walk {
	struct vs_ofp_pipe *p;
	struct vs_ofp_pflow *root;
	struct vs_ofp_drv *out; /* derived rules, in the order made */
	struct vs_ofp_drv **tail;
	uint32_t dry; /* > 0: a shadowed part, checked but not emitted */
	struct vs_ofp_pipe_err *err;
	uint8_t visits[32];
};

static int
werr(struct walk *w, uint16_t type, uint16_t code, const char *msg)
{
	if (w->err != NULL) {
		w->err->type = type;
		w->err->code = code;
		snprintf(w->err->msg, sizeof(w->err->msg), "%s", msg);
	}
	return -EINVAL;
}

/* Apply the effect of actions a[0..n) to k; -EINVAL for one we do not model. */
static int
track(struct walk *w, struct known *k, const struct vs_cfg_action *a, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		switch (a[i].type) {
		case VS_CFG_ACT_OUTPUT:
		case VS_CFG_ACT_DROP:
		case VS_CFG_ACT_FLOOD:
		case VS_CFG_ACT_ALL:
		case VS_CFG_ACT_IN_PORT:
		case VS_CFG_ACT_CONTROLLER:
		case VS_CFG_ACT_NORMAL:
			break;
		case VS_CFG_ACT_SET_ETH_SRC:
			k->eth_src = true;
			k->src = a[i].mac;
			break;
		case VS_CFG_ACT_SET_ETH_DST:
			k->eth_dst = true;
			k->dst = a[i].mac;
			break;
		case VS_CFG_ACT_PUSH_VLAN:
			k->vlan = 1;
			k->vid_known = k->pcp_known = true;
			k->vid = a[i].vlan_id;
			k->pcp = a[i].vlan_pcp;
			break;
		case VS_CFG_ACT_POP_VLAN:
			k->vlan = 2;
			k->vid_known = k->pcp_known = false;
			break;
		case VS_CFG_ACT_SET_VLAN_VID:
		case VS_CFG_ACT_SET_VLAN_PCP:
			/* on the tag the flow's own match (or a push) says is
			 * there (OFPBAC_MATCH_INCONSISTENT otherwise); after a pop
			 * whether one is left is not known: not modelled */
			if (k->vlan == 2)
				return werr(w, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_TYPE,
					    "a set_field on the VLAN tag after pop_vlan in an "
					    "earlier table is not modelled");
			k->vlan = 1;
			if (a[i].type == VS_CFG_ACT_SET_VLAN_VID) {
				k->vid_known = true;
				k->vid = a[i].vlan_id;
			} else {
				k->pcp_known = true;
				k->pcp = a[i].vlan_pcp;
			}
			break;
		default:
			return werr(w, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_TYPE,
				    "an action whose effect on a later table is not modelled");
		}
	}
	return 0;
}

static bool
mac_in(const struct vs_cfg_mac *v, const struct vs_cfg_mac *mv, const struct vs_cfg_mac *mm)
{
	unsigned int i;

	for (i = 0; i < 6; i++)
		if ((v->b[i] & mm->b[i]) != (mv->b[i] & mm->b[i]))
			return false;
	return true;
}

/*
 * The later table's match m seen through what the earlier actions did:
 * constraints on a field set to a constant are decided here (dropped when
 * the constant satisfies them, *none when it does not). -EINVAL when m
 * matches a field whose value we cannot know (after pop_vlan).
 */
static int
rewrite(struct walk *w, const struct known *k, const struct vs_cfg_match *m,
	struct vs_cfg_match *out, bool *none)
{
	*out = *m;
	*none = false;
	if (k->eth_src && (m->fields & VS_CFG_M_ETH_SRC)) {
		if (!mac_in(&k->src, &m->eth_src, &m->eth_src_mask))
			*none = true;
		out->fields &= ~(uint32_t)VS_CFG_M_ETH_SRC;
		memset(&out->eth_src, 0, sizeof(out->eth_src));
		memset(&out->eth_src_mask, 0, sizeof(out->eth_src_mask));
	}
	if (k->eth_dst && (m->fields & VS_CFG_M_ETH_DST)) {
		if (!mac_in(&k->dst, &m->eth_dst, &m->eth_dst_mask))
			*none = true;
		out->fields &= ~(uint32_t)VS_CFG_M_ETH_DST;
		memset(&out->eth_dst, 0, sizeof(out->eth_dst));
		memset(&out->eth_dst_mask, 0, sizeof(out->eth_dst_mask));
	}
	if (k->vlan == 2 && (m->fields & (VS_CFG_M_VLAN_ID | VS_CFG_M_VLAN_PCP)))
		return werr(w, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_PREREQ,
			    "a VLAN match after pop_vlan in an earlier table");
	if (k->vlan == 1) {
		/* a tag is there: "untagged" takes nothing; a known field
		 * decides its match, an unknown one is the received tag's */
		if ((m->fields & VS_CFG_M_VLAN_ID) && m->vlan_none)
			*none = true;
		if ((m->fields & VS_CFG_M_VLAN_ID) && k->vid_known) {
			if (!m->vlan_none && !vlan_takes(m, k->vid))
				*none = true;
			out->fields &= ~(uint32_t)VS_CFG_M_VLAN_ID;
			out->vlan_none = false;
			out->vlan_id = 0;
			out->vlan_masked = false;
			out->vlan_mask = 0;
		}
		if ((m->fields & VS_CFG_M_VLAN_PCP) && k->pcp_known) {
			if (m->vlan_pcp != k->pcp)
				*none = true;
			out->fields &= ~(uint32_t)VS_CFG_M_VLAN_PCP;
			out->vlan_pcp = 0;
		}
	}
	return 0;
}

/* The action set: one slot per kind, executed in OpenFlow's order. */
static int
set_slot(enum vs_cfg_action_type t)
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
	default: /* output, in_port, flood, all, controller, normal, drop: the one output */
		return 6;
	}
}

#define N_SLOTS 7

struct aset {
	bool has[N_SLOTS];
	struct vs_cfg_action a[N_SLOTS];
};

struct path {
	struct vs_ofp_pflow *flows[VS_OFP_PIPE_MAX_DEPTH];
	uint32_t levels[VS_OFP_PIPE_MAX_DEPTH];
	uint8_t depth;
	struct vs_cfg_action acts[VS_CFG_MAX_ACTIONS];
	uint32_t n_acts;
	struct aset set;
	struct known k;
};

static int
emit(struct walk *w, const struct vs_cfg_match *m, const struct path *pa, bool miss)
{
	struct vs_ofp_drv *d;
	uint32_t i, n = pa->n_acts, n_set = 0;
	int s;

	for (s = 0; s < N_SLOTS; s++)
		n_set += pa->set.has[s];
	if (!miss && pa->n_acts + n_set > VS_CFG_MAX_ACTIONS)
		return werr(w, VS_OFPET_BAD_ACTION, VS_OFPBAC_TOO_MANY,
			    "more actions on one path than a rule holds");
	if (w->dry > 0)
		return 0;
	d = calloc(1, sizeof(*d));
	if (d != NULL && (d->spec = spec_get(w->p)) == NULL) {
		free(d);
		d = NULL;
	}
	if (d == NULL)
		return werr(w, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_UNKNOWN, "out of memory");
	memcpy(d->path, pa->flows, sizeof(d->path));
	d->depth = pa->depth;
	d->miss = miss;
	for (i = 1; i < VS_OFP_PIPE_MAX_DEPTH; i++)
		d->levels = d->levels << LEVEL_BITS | pa->levels[i];
	d->spec->priority = pa->flows[0]->priority;
	d->spec->match = *m;
	memcpy(d->spec->actions, pa->acts, sizeof(pa->acts[0]) * n);
	for (i = 0; i < n; i++)
		d->spec->actions[i].in_set = false;
	/* the action set, in its order, marked as such for the pipeline; one
	 * without an output does nothing (OpenFlow 1.3 5.10) */
	if (!miss && pa->set.has[N_SLOTS - 1]) {
		for (s = 0; s < N_SLOTS; s++) {
			if (pa->set.has[s]) {
				d->spec->actions[n] = pa->set.a[s];
				d->spec->actions[n++].in_set = true;
			}
		}
	}
	/* a drop in the middle of a list means nothing; alone it is the verdict */
	{
		uint32_t j = 0;

		for (i = 0; i < n; i++)
			if (d->spec->actions[i].type != VS_CFG_ACT_DROP)
				d->spec->actions[j++] = d->spec->actions[i];
		n = j;
	}
	if (n == 0) {
		d->spec->actions[0].type = VS_CFG_ACT_DROP;
		n = 1;
	}
	d->spec->n_actions = n;
	/* packet-ins: the flow whose action sends to the controller */
	d->cookie = pa->flows[0]->cookie;
	d->table_id = pa->flows[0]->table_id;
	for (i = 0; i < pa->depth; i++) {
		const struct vs_ofp_pflow *f = pa->flows[i];
		uint32_t j;
		bool ctl = false;

		for (j = 0; j < f->n_apply; j++)
			ctl |= f->apply[j].type == VS_CFG_ACT_CONTROLLER;
		for (j = 0; j < f->n_write; j++)
			ctl |= f->write[j].type == VS_CFG_ACT_CONTROLLER;
		if (ctl) {
			d->cookie = f->cookie;
			d->table_id = f->table_id;
			d->miss_flow = f->priority == 0 && f->match.fields == 0;
		}
	}
	/* appended: the walk makes them in priority order */
	*w->tail = d;
	w->tail = &d->next;
	return 0;
}

static bool
live(const struct vs_ofp_pflow *f)
{
	return f->state != ST_GONE;
}

/* Continue path pa (its flows so far, match m) with flow f, already matched. */
static int
walk_flow(struct walk *w, const struct vs_cfg_match *m, struct path *pa, struct vs_ofp_pflow *f)
{
	struct path next = *pa;
	struct vs_ofp_pflow *h;
	bool covered = false;
	uint32_t i;
	int rc;

	next.flows[next.depth] = f;
	next.levels[next.depth] = 65535u - f->priority;
	next.depth++;
	if (next.n_acts + f->n_apply > VS_CFG_MAX_ACTIONS)
		return werr(w, VS_OFPET_BAD_ACTION, VS_OFPBAC_TOO_MANY,
			    "more actions on one path than a rule holds");
	memcpy(next.acts + next.n_acts, f->apply, sizeof(f->apply[0]) * f->n_apply);
	next.n_acts += f->n_apply;
	rc = track(w, &next.k, f->apply, f->n_apply);
	if (rc < 0)
		return rc;
	if (f->clear)
		memset(&next.set, 0, sizeof(next.set));
	for (i = 0; i < f->n_write; i++) {
		int s = set_slot(f->write[i].type);

		next.set.has[s] = true;
		next.set.a[s] = f->write[i];
	}
	if (f->goto_table == VS_OFP_PIPE_NO_GOTO) {
		/* the action set runs at the end: what it sets is not matched again */
		return emit(w, m, &next, false);
	}
	if (f->goto_table >= w->p->n_tables)
		return werr(w, VS_OFPET_BAD_INSTRUCTION, VS_OFPBIC_BAD_TABLE_ID,
			    "goto a table the switch does not have");
	if (next.depth == VS_OFP_PIPE_MAX_DEPTH)
		return werr(w, VS_OFPET_BAD_INSTRUCTION, VS_OFPBIC_UNSUP_INST,
			    "a path through more than 4 tables");
	w->visits[f->goto_table / 8] |= (uint8_t)(1u << (f->goto_table % 8));
	for (h = w->p->tables[f->goto_table]; h != NULL; h = h->next) {
		struct vs_cfg_match hm, x;
		bool none;

		if (!live(h))
			continue;
		rc = rewrite(w, &next.k, &h->match, &hm, &none);
		if (rc < 0)
			return rc;
		if (none || !vs_ofp_pipe_intersect(m, &hm, &x))
			continue;
		/* below a flow that takes every packet left, the paths are only
		 * checked: a flow is accepted or refused whatever shadows it, so
		 * removing the shadow later never meets a path it cannot make */
		w->dry += covered;
		rc = walk_flow(w, &x, &next, h);
		w->dry -= covered;
		if (rc < 0)
			return rc;
		if (!covered && vs_ofp_pipe_match_same(&x, m))
			covered = true;
	}
	if (covered)
		return 0;
	/* no flow of the table matched: dropped there (the apply actions ran) */
	next.flows[next.depth] = NULL;
	next.levels[next.depth] = LEVEL_MISS;
	return emit(w, m, &next, true);
}

/* The derived rules of table-0 flow root, in w->out. */
static int
walk_root(struct walk *w, struct vs_ofp_pflow *root)
{
	struct path pa;

	memset(&pa, 0, sizeof(pa));
	/* only gotos mark tables: no other root's path visits table 0, so a
	 * change there recomputes the roots that changed and no others */
	memset(w->visits, 0, sizeof(w->visits));
	w->root = root;
	w->out = NULL;
	w->tail = &w->out;
	w->dry = 0;
	return walk_flow(w, &root->match, &pa, root);
}

/* ---- changes ---- */

static const struct vs_cfg_rule *
drv_spec(const struct vs_ofp_pipe *p, const struct vs_ofp_drv *d)
{
	return d->spec != NULL ? d->spec : p->ops->spec(p->arg, d);
}

static bool
drv_same(const struct vs_ofp_pipe *p, const struct vs_ofp_drv *a, const struct vs_ofp_drv *b)
{
	return a->depth == b->depth && a->miss == b->miss && a->levels == b->levels &&
	       memcmp(a->path, b->path, sizeof(a->path)) == 0 &&
	       vs_cfg_rule_same(drv_spec(p, a), drv_spec(p, b)) && a->cookie == b->cookie &&
	       a->table_id == b->table_id && a->miss_flow == b->miss_flow;
}

static void
add_counts(struct vs_ofp_pipe *p, struct vs_ofp_drv *d, bool into_base)
{
	uint64_t pk = 0, by = 0;
	uint8_t i;

	p->ops->counters(p->arg, d, &pk, &by);
	for (i = 0; i < d->depth; i++) {
		struct vs_ofp_pflow *f = d->path[i];

		if (into_base) {
			f->pkts_base += pk;
			f->bytes_base += by;
		} else {
			f->pkts += pk;
			f->bytes += by;
		}
	}
}

void
vs_ofp_pipe_count(struct vs_ofp_pipe *p)
{
	struct vs_ofp_pflow *f;
	struct vs_ofp_drv *d;
	uint32_t t;

	for (t = 0; t < p->n_tables; t++)
		for (f = p->tables[t]; f != NULL; f = f->next) {
			f->pkts = f->pkts_base;
			f->bytes = f->bytes_base;
		}
	for (f = p->tables[0]; f != NULL; f = f->next)
		for (d = f->drv; d != NULL; d = d->next)
			add_counts(p, d, false);
}

/* Roots whose paths visit table t, or which changed themselves. */
static bool
root_affected(const struct vs_ofp_pflow *r, const uint8_t *tables)
{
	unsigned int i;

	if (r->state != ST_LIVE)
		return true;
	for (i = 0; i < 32; i++)
		if (r->visits[i] & tables[i])
			return true;
	return false;
}

/* Undo a change in the tables (no backend state). */
static void
tables_undo(struct vs_ofp_pipe *p)
{
	uint32_t t;

	chg_reset(p);
	for (t = 0; t < p->n_tables; t++) {
		struct vs_ofp_pflow **pp = &p->tables[t], *f, *last = NULL;

		while ((f = *pp) != NULL) {
			struct vs_ofp_drv *d, *n;

			/* the new paths are copies, kept ones too: all go */
			for (d = f->drv_new; d != NULL; d = n) {
				n = d->next;
				spec_put(p, d->spec);
				free(d);
			}
			f->drv_new = NULL;
			for (d = f->drv; d != NULL; d = d->next)
				d->keep = false;
			if (f->born) { /* added in this change, modified or gone since */
				*pp = f->next;
				p->n_flows[t]--;
				index_del(p, f);
				flow_free(f);
				continue;
			}
			if (f->saved != NULL) { /* modified (and maybe deleted since) */
				struct vs_ofp_pflow *s = f->saved, *keep_next = f->next,
						    *keep_hnext = f->hnext;
				struct vs_ofp_drv *keep_drv = f->drv;

				/* the links are today's: the index may have grown since;
				 * the instructions are the saved ones, their block too */
				free(f->apply);
				*f = *s;
				f->next = keep_next;
				f->hnext = keep_hnext;
				f->drv = keep_drv;
				f->saved = NULL;
				free(s);
			}
			f->state = ST_LIVE;
			last = f;
			pp = &f->next;
		}
		p->tail[t] = last;
	}
}

/* Whether a flow going now will be reported (FLOW_REMOVED). */
static bool
reporting(const struct vs_ofp_pipe *p)
{
	const struct vs_ofp_pflow *f;
	uint32_t t;

	if (!p->chg_overflow) {
		for (t = 0; t < p->n_chg; t++) {
			f = p->chg[t];
			if (f->state == ST_GONE && f->report && (f->flags & VS_OFPFF_SEND_FLOW_REM))
				return true;
		}
		return false;
	}
	for (t = 0; t < p->n_tables; t++)
		for (f = p->tables[t]; f != NULL; f = f->next)
			if (f->state == ST_GONE && f->report && (f->flags & VS_OFPFF_SEND_FLOW_REM))
				return true;
	return false;
}

/*
 * Recompute the roots affected by changes in tables (bitmap), stage the
 * differences with the backend and commit. On error everything is undone.
 */
/*
 * The table-0 flows a change in tables (bitmap) affects, in table order for
 * a walk: those whose paths visit a changed table or which changed
 * themselves. A change of table 0 alone affects only its changed flows
 * (no path visits table 0 but its own root's): taken from the change list.
 * NULL when out of memory.
 */
static struct vs_ofp_pflow **
affected_roots(struct vs_ofp_pipe *p, const uint8_t *tables, uint32_t *n)
{
	struct vs_ofp_pflow **out, *r;
	bool only0 = !p->chg_overflow && tables[0] == 1;
	uint32_t i, cap;

	for (i = 1; i < 32 && only0; i++)
		only0 = tables[i] == 0;
	cap = only0 ? p->n_chg : p->n_flows[0];
	out = malloc((cap ? cap : 1) * sizeof(*out));
	if (out == NULL)
		return NULL;
	*n = 0;
	if (only0) {
		for (i = 0; i < p->n_chg; i++)
			if (p->chg[i]->table_id == 0)
				out[(*n)++] = p->chg[i];
		return out;
	}
	for (r = p->tables[0]; r != NULL && *n < cap; r = r->next)
		if (root_affected(r, tables))
			out[(*n)++] = r;
	return out;
}

static int
recompute(struct vs_ofp_pipe *p, const uint8_t *tables, vs_ofp_pipe_removed_fn removed, void *arg,
	  struct vs_ofp_pipe_err *err)
{
	struct walk w = {.p = p, .err = err};
	struct vs_ofp_pflow *r, *f, **roots;
	struct vs_ofp_drv *d, *o;
	uint32_t t, i, n_roots = 0;
	char msg[256] = "";
	bool has_gone;
	int rc;

	roots = affected_roots(p, tables, &n_roots);
	if (roots == NULL) {
		tables_undo(p);
		err->type = VS_OFPET_FLOW_MOD_FAILED;
		err->code = VS_OFPFMFC_UNKNOWN;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	rc = p->ops->begin(p->arg);
	if (rc < 0) {
		tables_undo(p);
		err->type = VS_OFPET_FLOW_MOD_FAILED;
		err->code = VS_OFPFMFC_UNKNOWN;
		snprintf(err->msg, sizeof(err->msg), "cannot begin a rule transaction");
		free(roots);
		return rc;
	}
	/*
	 * 1. root by root: its new paths (unchanged ones are kept), staged with
	 * the backend: deletions, then additions (lower tiebreak sequence
	 * first). A staged rule's spec is the backend's to keep: the pipe's
	 * copy goes at once, so a change of 100,000 roots does not hold 100,000
	 * of them at its peak.
	 */
	for (i = 0; i < n_roots; i++) {
		r = roots[i];
		if (r->state == ST_GONE) {
			r->drv_new = NULL;
		} else {
			rc = walk_root(&w, r);
			if (rc < 0) {
				drv_free_list(p, w.out);
				goto fail;
			}
			r->drv_new = w.out;
			for (d = r->drv_new; d != NULL; d = d->next)
				for (o = r->drv; o != NULL; o = o->next)
					if (!o->keep && drv_same(p, o, d)) {
						o->keep = d->keep = true;
						d->handle = o->handle;
						break;
					}
			memcpy(r->visits_new, w.visits, sizeof(w.visits));
		}
		for (o = r->drv; o != NULL; o = o->next) {
			if (o->keep)
				continue;
			rc = p->ops->del(p->arg, o);
			if (rc < 0) {
				snprintf(msg, sizeof(msg), "cannot delete a derived rule");
				goto fail_backend;
			}
		}
		for (d = r->drv_new; d != NULL; d = d->next) {
			uint64_t seq;

			if (!d->keep) {
				rc = -EEXIST;
				for (seq = 0; rc == -EEXIST && seq < (1u << SEQ_BITS); seq++)
					rc = p->ops->add(p->arg, d,
							 TB_BASE | d->levels << SEQ_BITS | seq, msg,
							 sizeof(msg));
				if (rc < 0)
					goto fail_backend;
			}
			if (p->ops->spec != NULL) {
				spec_put(p, d->spec);
				d->spec = NULL;
			}
		}
	}
	/* 2. counts of what goes, before it goes */
	if (removed != NULL && reporting(p))
		vs_ofp_pipe_count(p); /* the final counts of the flows reported */
	for (i = 0; i < n_roots; i++) {
		r = roots[i];
		for (o = r->drv; o != NULL; o = o->next)
			if (!o->keep)
				add_counts(p, o, true);
	}
	rc = p->ops->commit(p->arg, msg, sizeof(msg));
	if (rc < 0) {
		/* the backend aborted: take the counts back */
		for (i = 0; i < n_roots; i++) {
			r = roots[i];
			for (o = r->drv; o != NULL; o = o->next) {
				uint64_t pk = 0, by = 0;
				uint8_t k;

				if (o->keep)
					continue;
				p->ops->counters(p->arg, o, &pk, &by);
				for (k = 0; k < o->depth; k++) {
					o->path[k]->pkts_base -= pk;
					o->path[k]->bytes_base -= by;
				}
			}
		}
		goto fail_committed;
	}
	/* 3. committed: swap the lists, report and free what went */
	for (i = 0; i < n_roots; i++) {
		struct vs_ofp_drv *n;

		r = roots[i];
		for (o = r->drv; o != NULL; o = n) {
			n = o->next;
			if (!o->keep) {
				p->n_derived--;
				for (uint8_t k = 0; k < o->depth; k++)
					o->path[k]->n_drv--;
			}
			spec_put(p, o->spec);
			free(o);
		}
		r->drv = r->drv_new;
		r->drv_new = NULL;
		memcpy(r->visits, r->visits_new, sizeof(r->visits));
		for (d = r->drv; d != NULL; d = d->next) {
			if (!d->keep) {
				p->n_derived++;
				for (uint8_t k = 0; k < d->depth; k++)
					d->path[k]->n_drv++;
			}
			d->keep = false;
		}
	}
	free(roots);
	has_gone = p->chg_overflow;
	for (i = 0; i < p->n_chg && !has_gone; i++)
		has_gone = p->chg[i]->state == ST_GONE;
	if (!has_gone) {
		/* nothing leaves the tables: the changed flows are all there is */
		for (i = 0; i < p->n_chg; i++) {
			f = p->chg[i];
			f->state = ST_LIVE;
			f->born = false;
			saved_free(f);
		}
		chg_reset(p);
		return 0;
	}
	chg_reset(p);
	for (t = 0; t < p->n_tables; t++) {
		struct vs_ofp_pflow **pp = &p->tables[t], *last = NULL;

		while ((f = *pp) != NULL) {
			if (f->state != ST_GONE) {
				f->state = ST_LIVE;
				f->born = false;
				saved_free(f);
				last = f;
				pp = &f->next;
				continue;
			}
			*pp = f->next;
			p->n_flows[t]--;
			index_del(p, f);
			if (removed != NULL && f->report && (f->flags & VS_OFPFF_SEND_FLOW_REM)) {
				uint64_t now = p->ops->now_ns(p->arg);

				removed(arg, f, f->reason,
					now > f->created_ns ? now - f->created_ns : 0, f->pkts,
					f->bytes);
			}
			flow_free(f);
		}
		p->tail[t] = last;
	}
	return 0;

fail_backend:
	p->ops->abort(p->arg);
fail_committed:
	free(roots);
	err->type = VS_OFPET_FLOW_MOD_FAILED;
	err->code = rc == -ENOSPC ? VS_OFPFMFC_TABLE_FULL : VS_OFPFMFC_UNKNOWN;
	snprintf(err->msg, sizeof(err->msg), "%s", msg[0] ? msg : strerror(-rc));
	tables_undo(p);
	return rc;
fail:
	free(roots);
	p->ops->abort(p->arg);
	tables_undo(p);
	return rc;
}

static int
perr(struct vs_ofp_pipe_err *err, uint16_t type, uint16_t code, const char *msg)
{
	err->type = type;
	err->code = code;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
	return -EINVAL;
}

static void
set_bit(uint8_t *tables, uint32_t t)
{
	tables[t / 8] |= (uint8_t)(1u << (t % 8));
}

/* Put f into its table: after every flow of higher or equal priority. */
static void
insert(struct vs_ofp_pipe *p, struct vs_ofp_pflow *f)
{
	struct vs_ofp_pflow **pp = &p->tables[f->table_id], *tl = p->tail[f->table_id];

	if (tl != NULL && tl->priority >= f->priority) {
		pp = &tl->next; /* the common case: after the last flow */
	} else {
		while (*pp != NULL && (*pp)->priority >= f->priority)
			pp = &(*pp)->next;
	}
	f->next = *pp;
	*pp = f;
	if (f->next == NULL)
		p->tail[f->table_id] = f;
	p->n_flows[f->table_id]++;
	index_add(p, f);
}

static bool
selected(const struct vs_ofp_pipe_mod *m, const struct vs_ofp_pflow *f, bool strict)
{
	/* in a batch, what earlier flow_mods of it added or changed counts too */
	if (f->state == ST_GONE || (f->cookie & m->cookie_mask) != (m->cookie & m->cookie_mask))
		return false;
	if (strict ? f->priority != m->priority || !vs_ofp_pipe_match_same(&f->match, &m->match)
		   : !vs_ofp_pipe_covers(&m->match, &f->match))
		return false;
	return m->filter == NULL || m->filter(m->filter_arg, f);
}

/*
 * f takes m's instructions, its actions in a block of their size (a flow
 * holds 1 or 2 actions most of the time, not the 32 a mod can carry). The
 * block it had is freed unless keep (a saved copy holds it). -ENOMEM.
 */
static int
set_instructions(struct vs_ofp_pflow *f, const struct vs_ofp_pipe_mod *m, bool keep)
{
	uint32_t n = m->n_apply + m->n_write;
	struct vs_cfg_action *a = malloc((n ? n : 1) * sizeof(*a));

	if (a == NULL)
		return -ENOMEM;
	memcpy(a, m->apply, m->n_apply * sizeof(*a));
	memcpy(a + m->n_apply, m->write, m->n_write * sizeof(*a));
	if (!keep)
		free(f->apply);
	f->apply = a;
	f->n_apply = m->n_apply;
	f->write = a + m->n_apply;
	f->n_write = m->n_write;
	f->clear = m->clear;
	f->goto_table = m->goto_table;
	return 0;
}

/* The counts of every flow, once per change: a batch reads them once. */
static void
count_once(struct vs_ofp_pipe *p)
{
	if (p->batch && p->batch_counted)
		return;
	vs_ofp_pipe_count(p);
	p->batch_counted = p->batch;
}

/* A change marked in tables: recomputed now, or at the end of the batch. */
static int
changed(struct vs_ofp_pipe *p, const uint8_t *tables, vs_ofp_pipe_removed_fn removed, void *arg,
	struct vs_ofp_pipe_err *err)
{
	unsigned int i;

	if (!p->batch)
		return recompute(p, tables, removed, arg, err);
	for (i = 0; i < 32; i++)
		p->batch_tables[i] |= tables[i];
	return 0;
}

int
vs_ofp_pipe_flow_mod(struct vs_ofp_pipe *p, const struct vs_ofp_pipe_mod *m,
		     vs_ofp_pipe_removed_fn removed, void *arg, struct vs_ofp_pipe_err *err)
{
	bool del = m->command == VS_OFPFC_DELETE || m->command == VS_OFPFC_DELETE_STRICT;
	bool strict = m->command == VS_OFPFC_MODIFY_STRICT || m->command == VS_OFPFC_DELETE_STRICT;
	uint8_t tables[32] = {0};
	struct vs_ofp_pflow *f, *old = NULL;
	uint32_t t, n = 0;

	err->msg[0] = '\0';
	if (m->command > VS_OFPFC_DELETE_STRICT)
		return perr(err, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_BAD_COMMAND,
			    "unknown flow_mod command");
	if (m->table_id >= p->n_tables && !(del && m->table_id == VS_OFPTT_ALL))
		return perr(err, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_BAD_TABLE_ID,
			    "no such table (openflow.tables)");
	if (!del && m->goto_table != VS_OFP_PIPE_NO_GOTO &&
	    (m->goto_table <= m->table_id || m->goto_table >= p->n_tables))
		return perr(err, VS_OFPET_BAD_INSTRUCTION, VS_OFPBIC_BAD_TABLE_ID,
			    "goto_table must name a later table the switch has");
	if (m->command == VS_OFPFC_ADD) {
		old = index_find(p, m->table_id, m->priority, &m->match);
		for (f = p->tables[m->table_id]; f != NULL && (m->flags & VS_OFPFF_CHECK_OVERLAP);
		     f = f->next) {
			struct vs_cfg_match x;

			if (f->priority == m->priority && f != old && f->state != ST_GONE &&
			    vs_ofp_pipe_intersect(&f->match, &m->match, &x))
				return perr(err, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_OVERLAP,
					    "an overlapping flow of the same priority");
		}
		if (old != NULL && (m->flags & VS_OFPFF_CHECK_OVERLAP))
			return perr(err, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_OVERLAP,
				    "a flow with the same match and priority");
		f = calloc(1, sizeof(*f));
		if (f == NULL)
			return perr(err, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_UNKNOWN,
				    "out of memory");
		f->table_id = m->table_id;
		f->priority = m->priority;
		f->match = m->match;
		f->cookie = m->cookie;
		f->flags = m->flags;
		f->idle_timeout = m->idle_timeout;
		f->hard_timeout = m->hard_timeout;
		if (set_instructions(f, m, false) < 0) {
			free(f);
			return perr(err, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_UNKNOWN,
				    "out of memory");
		}
		f->created_ns = f->used_ns = p->ops->now_ns(p->arg);
		if (old != NULL) {
			/* replaced: no FLOW_REMOVED; its duration starts anew and
			 * its counters go on unless RESET_COUNTS (OpenFlow 1.3.5 6.4) */
			if (!(m->flags & VS_OFPFF_RESET_COUNTS)) {
				count_once(p);
				/* one added earlier in the batch has no rules: its base */
				f->pkts_base = f->seen_pkts =
				    old->born ? old->pkts_base : old->pkts;
				f->bytes_base = old->born ? old->bytes_base : old->bytes;
			}
			mark(p, old, ST_GONE);
			old->report = false;
		}
		insert(p, f);
		f->born = true;
		mark(p, f, ST_NEW);
		set_bit(tables, m->table_id);
		return changed(p, tables, removed, arg, err);
	}
	if (!del && (m->flags & VS_OFPFF_RESET_COUNTS))
		count_once(p); /* the counts now, to start from zero */
	for (t = 0; t < p->n_tables; t++) {
		if (t != m->table_id && m->table_id != VS_OFPTT_ALL)
			continue;
		for (f = p->tables[t]; f != NULL; f = f->next) {
			if (!selected(m, f, strict))
				continue;
			n++;
			set_bit(tables, t);
			if (del) {
				mark(p, f, ST_GONE);
				/* one added earlier in the batch never existed outside it */
				f->report = !f->born;
				f->reason = VS_OFP_RR_DELETE;
				continue;
			}
			if (f->state == ST_LIVE) {
				/* the first change of it: what undo restores */
				f->saved = malloc(sizeof(*f));
				if (f->saved == NULL) {
					tables_undo(p);
					return perr(err, VS_OFPET_FLOW_MOD_FAILED,
						    VS_OFPFMFC_UNKNOWN, "out of memory");
				}
				*f->saved = *f; /* it keeps the block of actions */
				mark(p, f, ST_MOD);
				if (set_instructions(f, m, true) < 0) {
					f->apply = NULL; /* the saved copy's */
					tables_undo(p);
					return perr(err, VS_OFPET_FLOW_MOD_FAILED,
						    VS_OFPFMFC_UNKNOWN, "out of memory");
				}
			} else if (set_instructions(f, m, false) < 0) {
				tables_undo(p);
				return perr(err, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_UNKNOWN,
					    "out of memory");
			}
			if ((m->flags & VS_OFPFF_RESET_COUNTS) && f->born) {
				f->pkts_base = f->bytes_base = 0;
			} else if (m->flags & VS_OFPFF_RESET_COUNTS) {
				f->pkts_base -= f->pkts;
				f->bytes_base -= f->bytes;
			}
		}
	}
	if (n == 0)
		return 0; /* nothing selected: no error, no change */
	return changed(p, tables, removed, arg, err);
}

void
vs_ofp_pipe_batch_begin(struct vs_ofp_pipe *p)
{
	p->batch = true;
	p->batch_counted = false;
	memset(p->batch_tables, 0, sizeof(p->batch_tables));
}

int
vs_ofp_pipe_batch_commit(struct vs_ofp_pipe *p, vs_ofp_pipe_removed_fn removed, void *arg,
			 struct vs_ofp_pipe_err *err)
{
	static const uint8_t none[32];

	err->msg[0] = '\0';
	p->batch = false;
	if (memcmp(p->batch_tables, none, sizeof(none)) == 0)
		return 0; /* nothing selected by any of its flow_mods */
	return recompute(p, p->batch_tables, removed, arg, err);
}

void
vs_ofp_pipe_batch_abort(struct vs_ofp_pipe *p)
{
	p->batch = false;
	tables_undo(p);
}

int
vs_ofp_pipe_expire(struct vs_ofp_pipe *p, vs_ofp_pipe_removed_fn removed, void *arg)
{
	struct vs_ofp_pipe_err err;
	uint8_t tables[32] = {0};
	uint64_t now = p->ops->now_ns(p->arg);
	struct vs_ofp_pflow *f;
	uint32_t t, n = 0;
	int rc;

	/* the counters are read only when some flow has a timeout */
	for (t = 0; t < p->n_tables && n == 0; t++)
		for (f = p->tables[t]; f != NULL && n == 0; f = f->next)
			n = f->idle_timeout != 0 || f->hard_timeout != 0;
	if (n == 0)
		return 0;
	n = 0;
	vs_ofp_pipe_count(p);
	for (t = 0; t < p->n_tables; t++) {
		for (f = p->tables[t]; f != NULL; f = f->next) {
			if (f->idle_timeout == 0 && f->hard_timeout == 0)
				continue;
			if (f->pkts != f->seen_pkts) {
				f->seen_pkts = f->pkts;
				f->used_ns = now;
			}
			if (f->hard_timeout != 0 &&
			    now - f->created_ns >= (uint64_t)f->hard_timeout * 1000000000u)
				f->reason = VS_OFP_RR_HARD_TIMEOUT;
			else if (f->idle_timeout != 0 &&
				 now - f->used_ns >= (uint64_t)f->idle_timeout * 1000000000u)
				f->reason = VS_OFP_RR_IDLE_TIMEOUT;
			else
				continue;
			mark(p, f, ST_GONE);
			f->report = true;
			set_bit(tables, t);
			n++;
		}
	}
	if (n == 0)
		return 0;
	rc = recompute(p, tables, removed, arg, &err);
	return rc < 0 ? rc : (int)n;
}
