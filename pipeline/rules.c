/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch's rule table: rules as objects with identity, changed by
 * transactions of single-rule operations (vs_rules.h). Each operation is a
 * handful of classifier operations and two hash-table updates, whatever the
 * number of rules; a commit is one classifier commit. Control thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_rcu_qsbr.h>

#include "pipeline_log.h"
#include "switch_priv.h"
#include "vs_action.h"
#include "vs_rules.h"

enum {
	RULE_LIVE = 0,	 /* visible; in the list and the hash tables */
	RULE_STAGED_ADD, /* in the hash tables, not yet visible */
	RULE_STAGED_DEL, /* visible until the commit */
};

struct vs_rule_txn {
	struct vs_switch *sw;
	struct vs_cls_txn *cls;
	struct vs_sw_rule *added;   /* staged adds (through txn_link) */
	struct vs_sw_rule *deleted; /* live rules staged for deletion */
	struct vs_rule_txn_counts counts;
	struct vs_cls_match *matches; /* scratch: one rule's expansion */
	struct vs_actions acts;	      /* scratch: one rule's actions, compiled */
};

static const char *const src_names[VS_RULE_SRC_MAX] = {
    [VS_RULE_SRC_FILE] = "file",
    [VS_RULE_SRC_CTL] = "ctl",
    [VS_RULE_SRC_OPENFLOW] = "openflow",
    [VS_RULE_SRC_FALLBACK] = "fallback",
};

const char *
vs_rule_source_str(enum vs_rule_source s)
{
	return (unsigned)s < VS_RULE_SRC_MAX ? src_names[s] : "unknown";
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- comparison --------------------------------------------------------------- */

bool
vs_rule_match_same(const struct vs_cfg_match *a, const struct vs_cfg_match *b)
{
	/* Matches are built zeroed (calloc / memset) and hold no positions. */
	return memcmp(a, b, sizeof(*a)) == 0;
}

bool
vs_rule_spec_same(const struct vs_cfg_rule *a, const struct vs_cfg_rule *b)
{
	uint32_t i;

	/* Field by field: positions must not count. */
	if (strcmp(a->name, b->name) != 0 || a->priority != b->priority ||
	    a->n_actions != b->n_actions || a->clear_actions != b->clear_actions ||
	    !vs_rule_match_same(&a->match, &b->match))
		return false;
	for (i = 0; i < a->n_actions && i < VS_CFG_MAX_ACTIONS; i++) {
		const struct vs_cfg_action *x = &a->actions[i], *y = &b->actions[i];

		if (x->type != y->type || strcmp(x->port, y->port) != 0 ||
		    x->vlan_id != y->vlan_id || x->vlan_pcp != y->vlan_pcp ||
		    x->max_len != y->max_len || x->in_set != y->in_set ||
		    x->vlan_tpid != y->vlan_tpid || memcmp(&x->mac, &y->mac, sizeof(x->mac)) != 0)
			return false;
	}
	return true;
}

/* ---- hash tables ------------------------------------------------------------------ */

static uint32_t
name_hash(const char *name)
{
	union {
		char s[sizeof(((struct vs_cfg_rule *)0)->name)];
		uint64_t align;
	} a;
	size_t n = strnlen(name, sizeof(a.s));

	/* An aligned copy, as in key_hash. */
	memcpy(a.s, name, n);
	return rte_hash_crc(a.s, n, 0x9e37);
}

static uint32_t
key_hash(enum vs_rule_source src, const struct vs_cfg_match *m, int32_t priority)
{
	/* rte_hash_crc reads 8 bytes at a time: hash an aligned copy (a rule's
	 * match sits at a 4-byte offset in struct vs_cfg_rule). */
	union {
		struct vs_cfg_match m;
		uint64_t align;
	} a;
	uint32_t h = rte_hash_crc_4byte((uint32_t)src << 24 ^ (uint32_t)priority, 0x7f4a);

	memcpy(&a.m, m, sizeof(*m));
	return rte_hash_crc(&a.m, sizeof(a.m), h);
}

static void
table_link(struct vs_rule_table *rt, struct vs_sw_rule *r)
{
	uint32_t b;

	if (r->spec.name[0] != '\0') {
		b = name_hash(r->spec.name) & rt->mask;
		r->name_next = rt->by_name[b];
		rt->by_name[b] = r;
	}
	b = key_hash(r->src, &r->spec.match, r->spec.priority) & rt->mask;
	r->key_next = rt->by_key[b];
	rt->by_key[b] = r;
}

static void
table_unlink(struct vs_rule_table *rt, struct vs_sw_rule *r)
{
	struct vs_sw_rule **pp;

	if (r->spec.name[0] != '\0') {
		for (pp = &rt->by_name[name_hash(r->spec.name) & rt->mask]; *pp != NULL;
		     pp = &(*pp)->name_next) {
			if (*pp == r) {
				*pp = r->name_next;
				break;
			}
		}
	}
	for (pp = &rt->by_key[key_hash(r->src, &r->spec.match, r->spec.priority) & rt->mask];
	     *pp != NULL; pp = &(*pp)->key_next) {
		if (*pp == r) {
			*pp = r->key_next;
			break;
		}
	}
}

/* Double the buckets once rules outnumber them (live and staged). */
static int
table_grow(struct vs_rule_table *rt, uint32_t want)
{
	struct vs_sw_rule **bn, **bk, *r, *next;
	uint32_t nb = rt->mask + 1, i;

	if (want <= nb)
		return 0;
	while (nb < want)
		nb <<= 1;
	bn = calloc(nb, sizeof(*bn));
	bk = calloc(nb, sizeof(*bk));
	if (bn == NULL || bk == NULL) {
		free(bn);
		free(bk);
		return -ENOMEM;
	}
	/* Every rule is on the key table; rehash from there. */
	for (i = 0; i <= rt->mask; i++) {
		for (r = rt->by_key[i]; r != NULL; r = next) {
			uint32_t b;

			next = r->key_next;
			b = key_hash(r->src, &r->spec.match, r->spec.priority) & (nb - 1);
			r->key_next = bk[b];
			bk[b] = r;
			if (r->spec.name[0] != '\0') {
				b = name_hash(r->spec.name) & (nb - 1);
				r->name_next = bn[b];
				bn[b] = r;
			}
		}
	}
	free(rt->by_name);
	free(rt->by_key);
	rt->by_name = bn;
	rt->by_key = bk;
	rt->mask = nb - 1;
	return 0;
}

int
vs_rules_init(struct vs_switch *sw, uint32_t max_rules)
{
	struct vs_rule_table *rt = &sw->rt;
	unsigned s;

	memset(rt, 0, sizeof(*rt));
	rt->mask = 255;
	rt->max_rules = max_rules ? max_rules : 65536;
	rt->by_name = calloc(rt->mask + 1, sizeof(*rt->by_name));
	rt->by_key = calloc(rt->mask + 1, sizeof(*rt->by_key));
	rt->bytes_base = calloc(rt->max_rules, sizeof(*rt->bytes_base));
	if (rt->by_name == NULL || rt->by_key == NULL || rt->bytes_base == NULL) {
		vs_rules_fini(sw);
		return -ENOMEM;
	}
	rt->next_uid = 1;
	rt->next_tb[VS_RULE_SRC_FILE] = VS_TB_FILE_BASE;
	for (s = VS_RULE_SRC_CTL; s < VS_RULE_SRC_MAX; s++)
		rt->next_tb[s] = VS_TB_RUNTIME_BASE + ((uint64_t)s << 56);
	return 0;
}

static void
rule_free(struct vs_sw_rule *r)
{
	if (r == NULL)
		return;
	free(r->cls);
	free(r);
}

void
vs_rules_fini(struct vs_switch *sw)
{
	struct vs_rule_table *rt = &sw->rt;
	struct vs_sw_rule *r, *next;

	vs_rule_txn_abort(rt->txn);
	/* The action lists belong to the classifier, which frees them. */
	for (r = rt->head; r != NULL; r = next) {
		next = r->next;
		rule_free(r);
	}
	free(rt->by_name);
	free(rt->by_key);
	free(rt->bytes_base);
	memset(rt, 0, sizeof(*rt));
}

/* ---- lookups ----------------------------------------------------------------------- */

uint32_t
vs_switch_rule_count(const struct vs_switch *sw)
{
	return sw->rt.n;
}

/* A rule of that name that is live or staged to become live. */
static struct vs_sw_rule *
name_find(struct vs_rule_table *rt, const char *name, bool staged_too)
{
	struct vs_sw_rule *r;

	if (name == NULL || name[0] == '\0')
		return NULL;
	for (r = rt->by_name[name_hash(name) & rt->mask]; r != NULL; r = r->name_next) {
		if (strcmp(r->spec.name, name) != 0)
			continue;
		if (r->txn_state == RULE_LIVE || (staged_too ? r->txn_state == RULE_STAGED_ADD
							     : r->txn_state == RULE_STAGED_DEL))
			return r;
	}
	return NULL;
}

struct vs_sw_rule *
vs_switch_rule_by_name(struct vs_switch *sw, const char *name)
{
	return name_find(&sw->rt, name, false);
}

struct vs_sw_rule *
vs_switch_rule_by_uid(struct vs_switch *sw, uint64_t uid)
{
	struct vs_sw_rule *r;

	for (r = sw->rt.head; r != NULL; r = r->next)
		if (r->uid == uid)
			return r;
	return NULL;
}

static struct vs_sw_rule *
key_find(struct vs_rule_table *rt, const struct vs_cfg_match *m, int32_t priority,
	 enum vs_rule_source src, bool staged_too)
{
	struct vs_sw_rule *r;

	for (r = rt->by_key[key_hash(src, m, priority) & rt->mask]; r != NULL; r = r->key_next) {
		if (r->src != src || r->spec.priority != priority ||
		    !vs_rule_match_same(&r->spec.match, m))
			continue;
		if (r->txn_state == RULE_LIVE || (staged_too ? r->txn_state == RULE_STAGED_ADD
							     : r->txn_state == RULE_STAGED_DEL))
			return r;
	}
	return NULL;
}

struct vs_sw_rule *
vs_switch_rule_by_match(struct vs_switch *sw, const struct vs_cfg_match *m, int32_t priority,
			enum vs_rule_source src)
{
	return key_find(&sw->rt, m, priority, src, false);
}

struct vs_sw_rule *
vs_switch_rule_of_cls(struct vs_switch *sw, const struct vs_cls_rule *c)
{
	struct vs_sw_rule *r;
	uint32_t i;

	if (c == NULL)
		return NULL;
	for (r = sw->rt.head; r != NULL; r = r->next)
		for (i = 0; i < r->n_cls; i++)
			if (r->cls[i] == c)
				return r;
	return NULL;
}

struct vs_sw_rule *
vs_switch_rule_first(struct vs_switch *sw)
{
	return sw->rt.head;
}

struct vs_sw_rule *
vs_switch_rule_next(struct vs_switch *sw, struct vs_sw_rule *r)
{
	RTE_SET_USED(sw);
	return r != NULL ? r->next : NULL;
}

static int
tb_cmp(const void *a, const void *b)
{
	const struct vs_sw_rule *x = *(struct vs_sw_rule *const *)a;
	const struct vs_sw_rule *y = *(struct vs_sw_rule *const *)b;

	return x->tiebreak < y->tiebreak ? -1 : x->tiebreak > y->tiebreak;
}

int
vs_switch_rules_sorted(struct vs_switch *sw, uint32_t src_mask, struct vs_sw_rule ***out)
{
	struct vs_sw_rule **v, *r;
	uint32_t n = 0;

	*out = NULL;
	v = malloc(sizeof(*v) * (sw->rt.n ? sw->rt.n : 1));
	if (v == NULL)
		return -ENOMEM;
	for (r = sw->rt.head; r != NULL; r = r->next)
		if (src_mask & (1u << r->src))
			v[n++] = r;
	qsort(v, n, sizeof(*v), tb_cmp);
	*out = v;
	return (int)n;
}

void
vs_switch_rule_counters(struct vs_switch *sw, const struct vs_sw_rule *r, uint64_t *pkts,
			uint64_t *bytes)
{
	uint64_t p = r->hits_base, b = r->bytes_base;
	uint32_t i;
	uint16_t w;

	for (i = 0; i < r->n_cls; i++) {
		uint32_t id = r->cls[i]->id;
		uint64_t wb = 0;

		for (w = 0; w < sw->n_workers; w++) {
			p += vs_cls_ctx_rule_hits(sw->workers[w]->cls_ctx, id);
			wb += sw->workers[w]->rule_bytes[id];
		}
		b += wb - sw->rt.bytes_base[id];
	}
	if (pkts != NULL)
		*pkts = p;
	if (bytes != NULL)
		*bytes = b;
}

/* ---- transactions ---------------------------------------------------------------------- */

struct vs_rule_txn *
vs_rule_txn_begin(struct vs_switch *sw)
{
	struct vs_rule_txn *txn;

	if (sw == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (sw->rt.txn != NULL) {
		errno = EBUSY;
		return NULL;
	}
	txn = calloc(1, sizeof(*txn));
	if (txn == NULL)
		return NULL;
	txn->matches = malloc(sizeof(*txn->matches) * VS_RULE_MAX_EXPANSION);
	if (txn->matches == NULL) {
		free(txn);
		errno = ENOMEM;
		return NULL;
	}
	txn->cls = vs_cls_txn_begin(sw->cls);
	if (txn->cls == NULL) {
		int e = errno;

		free(txn->matches);
		free(txn);
		errno = e;
		return NULL;
	}
	txn->sw = sw;
	sw->rt.txn = txn;
	return txn;
}

void
vs_rule_txn_counts(const struct vs_rule_txn *txn, struct vs_rule_txn_counts *out)
{
	*out = txn->counts;
}

static int
port_id_of(const char *name, void *arg)
{
	struct vs_port *p = vs_switch_port_by_name(arg, name);

	return p != NULL ? p->id : -1;
}

static const char *
rule_label(const struct vs_cfg_rule *spec, char *buf, size_t size)
{
	if (spec->name[0] != '\0')
		snprintf(buf, size, "rule %s", spec->name);
	else
		snprintf(buf, size, "rule (priority %d)", spec->priority);
	return buf;
}

/* Every port the rule names must run now (or be staged by the same apply). */
static int
check_ports(struct vs_switch *sw, const struct vs_cfg_rule *spec, const char *label,
	    struct vs_cfg_error *err)
{
	uint32_t i;

	if ((spec->match.fields & VS_CFG_M_IN_PORT) &&
	    vs_switch_port_by_name(sw, spec->match.in_port) == NULL)
		return vs_cfg_err(err, -EINVAL, spec->pos, label,
				  "%s: match.in_port: \"%s\" is not a port of the switch; expected "
				  "the name of a running port",
				  label, spec->match.in_port);
	for (i = 0; i < spec->n_actions; i++) {
		const struct vs_cfg_action *a = &spec->actions[i];

		if (a->type == VS_CFG_ACT_OUTPUT && vs_switch_port_by_name(sw, a->port) == NULL)
			return vs_cfg_err(err, -EINVAL, a->pos, label,
					  "%s: actions[%u].output: \"%s\" is not a port of the "
					  "switch; expected the name of a running port",
					  label, i, a->port);
	}
	return 0;
}

static uint64_t
worker_bytes(const struct vs_switch *sw, uint32_t id)
{
	uint64_t b = 0;
	uint16_t w;

	for (w = 0; w < sw->n_workers; w++)
		b += sw->workers[w]->rule_bytes[id];
	return b;
}

int
vs_rule_txn_add(struct vs_rule_txn *txn, const struct vs_cfg_rule *spec, enum vs_rule_source src,
		uint64_t tiebreak, struct vs_sw_rule **out, struct vs_cfg_error *err)
{
	static const struct vs_cfg_pos nopos;
	struct vs_switch *sw;
	struct vs_rule_table *rt;
	struct vs_sw_rule *r, *o;
	char label[96];
	int n, i, rc;

	if (txn == NULL || spec == NULL || (unsigned)src >= VS_RULE_SRC_MAX)
		return vs_cfg_err(err, -EINVAL, nopos, "", "rule: invalid arguments");
	sw = txn->sw;
	rt = &sw->rt;
	rule_label(spec, label, sizeof(label));
	o = name_find(rt, spec->name, true);
	if (o != NULL)
		return vs_cfg_err(err, -EEXIST, spec->pos, label,
				  "%s: the name is taken by a %s rule; expected a unique name "
				  "(rule mod replaces a rule)",
				  label, vs_rule_source_str(o->src));
	rc = check_ports(sw, spec, label, err);
	if (rc < 0)
		return rc;
	rc = table_grow(rt, rt->n + txn->counts.added + 1);
	if (rc < 0)
		return vs_cfg_err(err, rc, spec->pos, label, "%s: out of memory", label);
	/* Room for its own actions only (a rule of 16 slots was 1.2 KiB). */
	r = calloc(1, offsetof(struct vs_sw_rule, spec) + vs_cfg_rule_size(spec->n_actions));
	if (r == NULL)
		return vs_cfg_err(err, -ENOMEM, spec->pos, label, "%s: out of memory", label);
	vs_cfg_rule_copy(&r->spec, spec);
	r->src = src;
	if (tiebreak == 0) {
		tiebreak = rt->next_tb[src];
		rt->next_tb[src] += src == VS_RULE_SRC_FILE ? VS_TB_FILE_STEP : VS_TB_RUNTIME_STEP;
	} else if (src == VS_RULE_SRC_FILE && tiebreak >= rt->next_tb[src]) {
		rt->next_tb[src] = tiebreak + VS_TB_FILE_STEP;
	}
	r->tiebreak = tiebreak;
	n = vs_rule_compile(spec, 0, port_id_of, sw, &txn->acts, txn->matches,
			    VS_RULE_MAX_EXPANSION);
	if (n < 0) {
		free(r);
		return vs_cfg_err(err, n, spec->pos, label, "%s: does not compile: %s", label,
				  strerror(-n));
	}
	/* libc memory (cache aligned): sanitizers see its lifetime. Room for
	 * its own actions only. */
	if (posix_memalign((void **)&r->acts, RTE_CACHE_LINE_SIZE, vs_actions_size(txn->acts.n)) !=
	    0) {
		free(r);
		return vs_cfg_err(err, -ENOMEM, spec->pos, label, "%s: out of memory", label);
	}
	memcpy(r->acts, &txn->acts, vs_actions_size(txn->acts.n));
	r->acts->staged = 1;
	/* What normal_prepare looks for (the first action). */
	r->normal = r->acts->n != 0 && r->acts->a[0].type == VS_ACTION_NORMAL;
	r->cls = calloc((size_t)n, sizeof(*r->cls));
	if (r->cls == NULL) {
		free(r->acts);
		free(r);
		return vs_cfg_err(err, -ENOMEM, spec->pos, label, "%s: out of memory", label);
	}
	for (i = 0; i < n; i++) {
		rc = vs_cls_rule_add(txn->cls, &txn->matches[i], spec->priority, tiebreak, r->acts,
				     &r->cls[i]);
		if (rc < 0)
			break;
		r->acts->refcnt++;
		rt->bytes_base[r->cls[i]->id] = worker_bytes(sw, r->cls[i]->id);
	}
	if (i < n) {
		/* Undo this rule's own classifier rules; the classifier hands its
		 * action list to data_free with the last of them. */
		r->acts->staged = 0;
		if (r->acts->refcnt == 0)
			free(r->acts);
		while (i-- > 0)
			vs_cls_rule_del(txn->cls, r->cls[i]);
		rule_free(r);
		if (rc == -ENOSPC)
			return vs_cfg_err(
			    err, rc, spec->pos, label,
			    "%s: the classifier is full: %u rules of "
			    "classifier.max_rules %u are in use (this rule needs %d); "
			    "expected fewer rules or a larger classifier.max_rules",
			    label, vs_cls_rule_count(sw->cls), rt->max_rules, n);
		if (rc == -EEXIST)
			return vs_cfg_err(err, rc, spec->pos, label,
					  "%s: a rule with the same match and priority is at the "
					  "same place; expected another priority or match",
					  label);
		return vs_cfg_err(err, rc, spec->pos, label, "%s: classifier refused it: %s", label,
				  strerror(-rc));
	}
	r->n_cls = (uint32_t)n;
	r->uid = rt->next_uid++;
	r->created_ns = mono_ns();
	r->txn_state = RULE_STAGED_ADD;
	table_link(rt, r);
	r->txn_link = txn->added;
	txn->added = r;
	txn->counts.added++;
	txn->counts.cls_added += (uint32_t)n;
	if (out != NULL)
		*out = r;
	return 0;
}

/* Take back a staged add (its classifier rules and its table entries). */
static void
unstage_add(struct vs_rule_txn *txn, struct vs_sw_rule *r)
{
	uint32_t i;

	/* The action list goes with the last classifier rule (data_free). */
	r->acts->staged = 0;
	for (i = 0; i < r->n_cls; i++)
		vs_cls_rule_del(txn->cls, r->cls[i]);
	table_unlink(&txn->sw->rt, r);
}

int
vs_rule_txn_del(struct vs_rule_txn *txn, struct vs_sw_rule *r, struct vs_cfg_error *err)
{
	static const struct vs_cfg_pos nopos;
	struct vs_sw_rule **pp;
	char label[96];
	uint32_t i;
	int rc;

	if (txn == NULL || r == NULL)
		return vs_cfg_err(err, -EINVAL, nopos, "", "rule: invalid arguments");
	rule_label(&r->spec, label, sizeof(label));
	if (r->txn_state == RULE_STAGED_ADD) {
		/* Added earlier in the same transaction: as if never added. */
		for (pp = &txn->added; *pp != NULL && *pp != r; pp = &(*pp)->txn_link)
			;
		if (*pp == NULL)
			return vs_cfg_err(err, -ENOENT, nopos, label, "%s: not staged", label);
		*pp = r->txn_link;
		unstage_add(txn, r);
		txn->counts.added--;
		txn->counts.cls_added -= r->n_cls;
		if (r->replaces != NULL) {
			/* A mod taken back: the replaced rule stays deleted. */
			txn->counts.modified--;
			txn->counts.deleted++;
		}
		rule_free(r);
		return 0;
	}
	if (r->txn_state != RULE_LIVE)
		return vs_cfg_err(err, -ENOENT, nopos, label, "%s: already deleted", label);
	for (i = 0; i < r->n_cls; i++) {
		rc = vs_cls_rule_del(txn->cls, r->cls[i]);
		if (rc < 0) {
			/* Only -ENOMEM is possible here; put back what was staged. */
			while (i-- > 0)
				vs_cls_rule_undel(txn->cls, r->cls[i]);
			return vs_cfg_err(err, rc, nopos, label, "%s: cannot delete it: %s", label,
					  strerror(-rc));
		}
	}
	r->txn_state = RULE_STAGED_DEL;
	r->txn_link = txn->deleted;
	txn->deleted = r;
	txn->counts.deleted++;
	txn->counts.cls_deleted += r->n_cls;
	return 0;
}

int
vs_rule_txn_mod(struct vs_rule_txn *txn, struct vs_sw_rule *r, const struct vs_cfg_rule *spec,
		uint64_t tiebreak, bool reset_counts, struct vs_sw_rule **out,
		struct vs_cfg_error *err)
{
	struct vs_sw_rule *nr;
	int rc;

	if (txn == NULL || r == NULL || r->txn_state != RULE_LIVE)
		return vs_cfg_err(err, -ENOENT, spec ? spec->pos : (struct vs_cfg_pos){0, 0}, "",
				  "rule: not a live rule");
	rc = vs_rule_txn_del(txn, r, err);
	if (rc < 0)
		return rc;
	rc = vs_rule_txn_add(txn, spec, r->src, tiebreak ? tiebreak : r->tiebreak, &nr, err);
	if (rc < 0) {
		/* Put the old rule back as it was. */
		struct vs_sw_rule **pp;
		uint32_t i;

		for (pp = &txn->deleted; *pp != r; pp = &(*pp)->txn_link)
			;
		*pp = r->txn_link;
		for (i = 0; i < r->n_cls; i++)
			vs_cls_rule_undel(txn->cls, r->cls[i]);
		r->txn_state = RULE_LIVE;
		txn->counts.deleted--;
		txn->counts.cls_deleted -= r->n_cls;
		return rc;
	}
	nr->uid = r->uid;
	nr->cookie = r->cookie;
	nr->table_id = r->table_id;
	nr->created_ns = r->created_ns;
	nr->replaces = r;
	nr->reset_counts = reset_counts;
	txn->counts.added--;
	txn->counts.deleted--;
	txn->counts.modified++;
	if (out != NULL)
		*out = nr;
	return 0;
}

static void
txn_free(struct vs_rule_txn *txn)
{
	txn->sw->rt.txn = NULL;
	free(txn->matches);
	free(txn);
}

/* Undo the rule table's side of txn (the classifier's is undone by it). */
static void
txn_unwind(struct vs_rule_txn *txn)
{
	struct vs_sw_rule *r, *next;

	for (r = txn->added; r != NULL; r = next) {
		next = r->txn_link;
		r->acts->staged = 0;
		table_unlink(&txn->sw->rt, r);
		rule_free(r);
	}
	for (r = txn->deleted; r != NULL; r = r->txn_link)
		r->txn_state = RULE_LIVE;
	txn->added = txn->deleted = NULL;
}

void
vs_rule_txn_abort(struct vs_rule_txn *txn)
{
	struct vs_cls_txn *ct;

	if (txn == NULL)
		return;
	ct = txn->cls;
	txn_unwind(txn);
	vs_cls_txn_abort(ct);
	txn_free(txn);
}

static void
list_append(struct vs_rule_table *rt, struct vs_sw_rule *r)
{
	r->next = NULL;
	r->prev = rt->tail;
	if (rt->tail != NULL)
		rt->tail->next = r;
	else
		rt->head = r;
	rt->tail = r;
	rt->n++;
	rt->n_src[r->src]++;
	rt->n_normal += r->normal;
}

static void
list_remove(struct vs_rule_table *rt, struct vs_sw_rule *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		rt->head = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	else
		rt->tail = r->prev;
	r->prev = r->next = NULL;
	rt->n--;
	rt->n_src[r->src]--;
	rt->n_normal -= r->normal;
}

int
vs_rule_txn_commit(struct vs_rule_txn *txn, struct vs_cfg_error *err)
{
	static const struct vs_cfg_pos nopos;
	struct vs_rule_table *rt;
	struct vs_sw_rule *r, *next;
	struct vs_switch *sw;
	uint32_t n_normal;
	bool carry = false;
	int rc;

	if (txn == NULL)
		return vs_cfg_err(err, -EINVAL, nopos, "", "rules: no transaction");
	sw = txn->sw;
	rt = &sw->rt;
	n_normal = rt->n_normal;
	for (r = txn->added; r != NULL; r = r->txn_link) {
		/* From the commit on (and in its failure), the classifier owns
		 * the action list and frees it with its last rule. */
		r->acts->staged = 0;
		carry |= r->replaces != NULL && !r->reset_counts;
		n_normal += r->normal;
	}
	/* Workers prepare normal actions from the first packet of an added
	 * normal rule on: the count covers it before the rule is published. */
	__atomic_store_n(&sw->sh.normal_rules, n_normal, __ATOMIC_RELEASE);
	rc = vs_cls_txn_commit(txn->cls);
	txn->cls = NULL;
	if (rc < 0) {
		__atomic_store_n(&sw->sh.normal_rules, rt->n_normal, __ATOMIC_RELEASE);
		txn_unwind(txn);
		txn_free(txn);
		return vs_cfg_err(err, rc, nopos, "rules",
				  "rules: the classifier could not publish the change: %s",
				  strerror(-rc));
	}
	if (carry) {
		/*
		 * A replacement counts on from the rule it replaces, exactly: once
		 * every worker has passed a quiescent state no packet can hit the
		 * old classifier rules any more, and their ids are not reused
		 * before a later add, so their counts are final and readable.
		 */
		if (txn->sw->qsbr != NULL)
			rte_rcu_qsbr_synchronize(txn->sw->qsbr, RTE_QSBR_THRID_INVALID);
		for (r = txn->added; r != NULL; r = r->txn_link)
			if (r->replaces != NULL && !r->reset_counts)
				vs_switch_rule_counters(txn->sw, r->replaces, &r->hits_base,
							&r->bytes_base);
	}
	for (r = txn->added; r != NULL; r = next) {
		next = r->txn_link;
		r->txn_state = RULE_LIVE;
		r->replaces = NULL;
		r->txn_link = NULL;
		list_append(rt, r);
	}
	for (r = txn->deleted; r != NULL; r = next) {
		next = r->txn_link;
		table_unlink(rt, r);
		list_remove(rt, r);
		rule_free(r);
	}
	__atomic_store_n(&sw->sh.normal_rules, rt->n_normal, __ATOMIC_RELEASE);
	txn_free(txn);
	return 0;
}

uint32_t
vs_switch_rules_adopt(struct vs_switch *sw, enum vs_rule_source from, enum vs_rule_source to)
{
	struct vs_rule_table *rt = &sw->rt;
	struct vs_sw_rule *r;
	uint32_t n = 0;

	if (rt->txn != NULL || from == to || (unsigned)to >= VS_RULE_SRC_MAX)
		return 0;
	for (r = rt->head; r != NULL; r = r->next) {
		if (r->src != from)
			continue;
		/* The source is part of the match key: rehash. */
		table_unlink(rt, r);
		r->src = to;
		table_link(rt, r);
		rt->n_src[from]--;
		rt->n_src[to]++;
		n++;
	}
	return n;
}

struct vs_sw_rule *
vs_switch_rule_find_spec(struct vs_switch *sw, const struct vs_cfg_rule *spec,
			 enum vs_rule_source src)
{
	struct vs_rule_table *rt = &sw->rt;
	struct vs_sw_rule *r;

	for (r = rt->by_key[key_hash(src, &spec->match, spec->priority) & rt->mask]; r != NULL;
	     r = r->key_next)
		if (r->src == src && r->txn_state != RULE_STAGED_ADD &&
		    vs_rule_spec_same(&r->spec, spec))
			return r;
	return NULL;
}
