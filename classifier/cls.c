/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classifier, control side: rules, subtables, transactions, snapshots,
 * reclamation, statistics aggregation and re-ranking. Single writer.
 * See cls_priv.h for the versioning scheme.
 */
/* Names this module's log type for RTE_LOG_REGISTER_DEFAULT below:
 * --log-level=nfvswitch.cls:debug */
#define RTE_LOG_DEFAULT_LOGTYPE nfvswitch.cls

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cpuflags.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>
#include <rte_vect.h>

#include "cls_priv.h"
#include "cls_tbl_dp.h"
#include "vs_cls.h"

_Static_assert(offsetof(struct cls_node, key) == CLS_TBL_NODE_HDR,
	       "the subtable hash reads a node's key at CLS_TBL_NODE_HDR");

#include "vs_log.h"

RTE_LOG_REGISTER_DEFAULT(vs_cls_logtype, NOTICE);
#define VS_CLS_LOG(level, ...) VS_LOG(level, vs_cls_logtype, "cls", __VA_ARGS__)

#define CLS_TBL_MIN_BUCKETS 8u

static uint32_t cls_uid_next;

/* ---- helpers ---------------------------------------------------------------- */

static void
cls_free_mem(void *p)
{
	rte_free(p);
}

static bool
cls_mask_is_port_only(const struct vs_flow_key *m)
{
	struct vs_flow_key p;

	memset(&p, 0, sizeof(p));
	p.in_port = UINT16_MAX;
	return memcmp(&p, m, sizeof(p)) == 0;
}

static bool
cls_mask_is_port_vlan(const struct vs_flow_key *m)
{
	struct vs_flow_key p;

	memset(&p, 0, sizeof(p));
	p.in_port = UINT16_MAX;
	p.vlan_tci = VS_CLS_VLAN_MATCH;
	return memcmp(&p, m, sizeof(p)) == 0;
}

static void
cls_compress(const struct cls_subtable *st, const struct vs_flow_key *k, uint64_t *out)
{
	const vs_flow_word_t *w = vs_flow_key_words(k);

	for (uint32_t i = 0; i < st->n_words; i++)
		out[i] = w[st->word_idx[i]] & st->word_mask[i];
	for (uint32_t i = st->n_words; i < st->key_words; i++)
		out[i] = 0;
}

static uint64_t
cls_token(struct vs_cls *cls)
{
	return cls->qsbr != NULL ? rte_rcu_qsbr_start(cls->qsbr) : 0;
}

static bool
cls_token_passed(struct vs_cls *cls, uint64_t token)
{
	return cls->qsbr == NULL || rte_rcu_qsbr_check(cls->qsbr, token, false) == 1;
}

/* ---- retire list -------------------------------------------------------------- */

static void cls_retire_now(struct vs_cls *cls, uint8_t kind, void *ptr, int32_t aux);
static void cls_tbl_free(struct cls_tbl *t);
static void cls_node_remove(struct vs_cls *cls, struct cls_rule *r);
static void cls_node_free(struct vs_cls *cls, struct cls_node *nd);

static int
cls_retire_reserve(struct vs_cls *cls, uint32_t more)
{
	uint32_t need = cls->ret_len + more;
	uint32_t cap = cls->ret_cap ? cls->ret_cap : 256;
	struct cls_retire *n;

	if (need <= cls->ret_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	n = malloc(sizeof(*n) * cap);
	if (n == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < cls->ret_len; i++)
		n[i] = cls->ret[(cls->ret_head + i) % cls->ret_cap];
	free(cls->ret);
	cls->ret = n;
	cls->ret_head = 0;
	cls->ret_cap = cap;
	return 0;
}

/* Queue an object for freeing once every reader passed a quiescent state. */
static void
cls_retire(struct vs_cls *cls, uint8_t kind, void *ptr, int32_t aux)
{
	struct cls_retire *e;

	if (cls_retire_reserve(cls, 1) != 0) {
		/* Out of memory for the list: wait for the readers instead. */
		if (cls->qsbr != NULL)
			rte_rcu_qsbr_synchronize(cls->qsbr, RTE_QSBR_THRID_INVALID);
		cls_retire_now(cls, kind, ptr, aux);
		return;
	}
	e = &cls->ret[(cls->ret_head + cls->ret_len) % cls->ret_cap];
	e->token = cls_token(cls);
	e->ptr = ptr;
	e->aux = aux;
	e->kind = kind;
	cls->ret_len++;
}

static void
cls_ctx_rebase_rule(struct vs_cls *cls, uint32_t id)
{
	struct vs_cls_ctx *ctx;

	TAILQ_FOREACH(ctx, &cls->ctxs, link)
	ctx->rule_base[id] = VS_CLS_CNT_GET(&ctx->rule_hits[id]);
}

static void
cls_ctx_rebase_slot(struct vs_cls *cls, uint32_t slot)
{
	struct vs_cls_ctx *ctx;

	TAILQ_FOREACH(ctx, &cls->ctxs, link)
	{
		ctx->st_lookups_base[slot] = VS_CLS_CNT_GET(&ctx->st_lookups[slot]);
		ctx->st_hits_base[slot] = VS_CLS_CNT_GET(&ctx->st_hits[slot]);
	}
}

static void
cls_rule_release(struct vs_cls *cls, struct cls_rule *r)
{
	if (cls->data_free != NULL && r->pub.data != NULL)
		cls->data_free(r->pub.data, cls->data_free_arg);
	r->pub.data = NULL;
	r->state = CLS_RULE_FREE;
	cls->free_ids[cls->n_free_ids++] = r->pub.id;
}

static void
cls_subtable_free(struct cls_subtable *st)
{
	cls_tbl_free(st->tbl);
	cls_free_mem(st->port_max);
	cls_free_mem(st);
}

static void
cls_retire_now(struct vs_cls *cls, uint8_t kind, void *ptr, int32_t aux)
{
	struct cls_subtable *st;

	switch (kind) {
	case CLS_RET_SNAP:
		cls_free_mem(ptr);
		break;
	case CLS_RET_NODE:
		cls_node_free(cls, ptr);
		break;
	case CLS_RET_RULE_DEAD:
		cls_node_remove(cls, ptr);
		break;
	case CLS_RET_RULE:
		cls_rule_release(cls, ptr);
		break;
	case CLS_RET_HASH:
		cls_tbl_free(ptr);
		break;
	case CLS_RET_SUBTABLE:
		st = ptr;
		cls->free_slots[cls->n_free_slots++] = st->slot;
		cls_subtable_free(st);
		break;
	}
}

unsigned
vs_cls_reclaim(struct vs_cls *cls)
{
	unsigned freed = 0;

	if (cls == NULL)
		return 0;
	while (cls->ret_len > 0) {
		struct cls_retire e = cls->ret[cls->ret_head];

		if (!cls_token_passed(cls, e.token))
			break;
		cls->ret_head = (cls->ret_head + 1) % cls->ret_cap;
		cls->ret_len--;
		cls_retire_now(cls, e.kind, e.ptr, e.aux);
		freed++;
	}
	return freed;
}

/* ---- subtables ---------------------------------------------------------------- */

static void
cls_tbl_free(struct cls_tbl *t)
{
	if (t == NULL)
		return;
	rte_free(t->bkt);
	rte_free(t->filter);
	rte_free(t);
}

static struct cls_tbl *
cls_tbl_create(struct vs_cls *cls, const struct cls_subtable *st, uint32_t n_buckets)
{
	struct cls_tbl *t =
	    rte_zmalloc_socket("vs_cls_tbl", sizeof(*t), RTE_CACHE_LINE_SIZE, cls->socket_id);
	uint32_t fbits;

	if (t == NULL)
		return NULL;
	t->bucket_mask = n_buckets - 1;
	t->key_words = st->key_words;
	t->node_lines =
	    (uint32_t)RTE_ALIGN_CEIL(sizeof(struct cls_node) + sizeof(uint64_t) * st->key_words +
					 sizeof(struct cls_node_ent),
				     RTE_CACHE_LINE_SIZE) /
	    RTE_CACHE_LINE_SIZE;
	t->cap = n_buckets * CLS_TBL_WAYS / 2;
	fbits = (uint64_t)t->cap * CLS_FLT_BITS_PER_KEY >= CLS_FLT_MAX_BITS
		    ? CLS_FLT_MAX_BITS
		    : RTE_MAX(rte_align32pow2(t->cap * CLS_FLT_BITS_PER_KEY), 2048u);
	t->f_shift = 32u - (uint32_t)rte_bsf32(fbits / 32);
	t->filter =
	    rte_zmalloc_socket("vs_cls_flt", fbits / 8, RTE_CACHE_LINE_SIZE, cls->socket_id);
	t->bkt = rte_zmalloc_socket("vs_cls_bkt", sizeof(t->bkt[0]) * n_buckets,
				    RTE_CACHE_LINE_SIZE, cls->socket_id);
	if (t->bkt == NULL || t->filter == NULL) {
		cls_tbl_free(t);
		return NULL;
	}
	return t;
}

static unsigned
cls_tbl_bucket_used(const struct cls_tbl *t, uint32_t b)
{
	unsigned n = 0;

	for (uint32_t w = 0; w < CLS_TBL_WAYS; w++)
		n += cls_tbl_slot_used(t->bkt[b][w]);
	return n;
}

static int
cls_tbl_put(struct cls_tbl *t, uint32_t b, uint32_t h, const struct cls_node *nd)
{
	uint64_t addr = (uint64_t)(uintptr_t)nd;

	/* Nodes are cache-line aligned and below 2^48 (checked, not assumed). */
	if ((addr & ~CLS_TBL_PTR_MASK) != 0)
		return -EINVAL;
	for (uint32_t w = 0; w < CLS_TBL_WAYS; w++) {
		uint64_t old = t->bkt[b][w];
		uint32_t fh, fw;

		if (cls_tbl_slot_used(old))
			continue;
		/* Filter bits first: published with the slot's release store. */
		fh = cls_tbl_fhash(nd->key, t->key_words);
		fw = cls_tbl_fword(t, fh);
		__atomic_store_n(&t->filter[fw], t->filter[fw] | cls_tbl_fmask(t, fh),
				 __ATOMIC_RELAXED);
		/* Publish: a reader that sees the slot sees the node. */
		__atomic_store_n(&t->bkt[b][w],
				 ((uint64_t)cls_tbl_sig(h) << CLS_TBL_SIG_SHIFT) | addr |
				     (old & CLS_TBL_OVF),
				 __ATOMIC_RELEASE);
		t->count++;
		return 0;
	}
	return -ENOSPC;
}

/* Add node nd under its key (new to the table); -ENOSPC when the table must
 * grow first. */
static int
cls_tbl_insert(struct cls_tbl *t, uint32_t h, const struct cls_node *nd)
{
	uint32_t b1 = cls_tbl_b1(t, h), b2 = cls_tbl_b2(t, h);

	if (t->count >= t->cap)
		return -ENOSPC;
	if (cls_tbl_bucket_used(t, b1) < CLS_TBL_WAYS)
		return cls_tbl_put(t, b1, h, nd);
	if (cls_tbl_bucket_used(t, b2) == CLS_TBL_WAYS)
		return -ENOSPC;
	/* Readers must look at b2 from now on, before the key can be there. */
	__atomic_store_n(&t->bkt[b1][0], t->bkt[b1][0] | CLS_TBL_OVF, __ATOMIC_RELEASE);
	return cls_tbl_put(t, b2, h, nd);
}

/* The slot holding key k (hash h), or NULL: the readers' search. */
static uint64_t *
cls_tbl_slot_of(struct cls_tbl *t, uint32_t h, const uint64_t *k)
{
	const void *nd;

	return (uint64_t *)(uintptr_t)cls_tbl_find_slot(t, h, k, &nd);
}

static struct cls_node *
cls_slot_node(const uint64_t *slot)
{
	return (struct cls_node *)(uintptr_t)cls_tbl_slot_node(*slot);
}

/* Point a used slot at another node holding the same key. */
static void
cls_tbl_replace(uint64_t *slot, const struct cls_node *nd)
{
	__atomic_store_n(slot, (*slot & ~CLS_TBL_PTR_MASK) | (uint64_t)(uintptr_t)nd,
			 __ATOMIC_RELEASE);
}

/* Clear a used slot (its node is the caller's to retire). */
static void
cls_tbl_delete(struct cls_tbl *t, uint64_t *slot)
{
	__atomic_store_n(slot, *slot & CLS_TBL_OVF, __ATOMIC_RELEASE);
	t->count--;
}

static struct cls_subtable *
cls_subtable_find(struct vs_cls *cls, const struct vs_flow_key *mask)
{
	struct cls_subtable *st;

	TAILQ_FOREACH(st, &cls->subtables, link)
	if (memcmp(&st->mask, mask, sizeof(*mask)) == 0)
		return st;
	return NULL;
}

static struct cls_subtable *
cls_subtable_create(struct vs_cls *cls, const struct vs_flow_key *mask, int *err)
{
	const vs_flow_word_t *mw = vs_flow_key_words(mask);
	struct cls_subtable *st;

	if (cls->n_free_slots == 0) {
		*err = -ENOSPC;
		return NULL;
	}
	st = rte_zmalloc_socket("vs_cls_st", sizeof(*st), RTE_CACHE_LINE_SIZE, cls->socket_id);
	if (st == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	st->mask = *mask;
	for (unsigned i = 0; i < VS_FLOW_KEY_WORDS; i++) {
		if (mw[i] == 0)
			continue;
		st->word_idx[st->n_words] = i;
		st->word_mask[st->n_words] = mw[i];
		st->word_set |= (uint8_t)(1u << i);
		st->n_words++;
	}
	if (st->n_words == 0) {
		/* Catch-all mask: one constant zero word. */
		st->word_idx[0] = 0;
		st->word_mask[0] = 0;
		st->word_set = 1;
		st->n_words = 1;
	}
	st->key_words = st->n_words;
	if (mask->in_port == UINT16_MAX) {
		st->port_max = rte_malloc_socket(
		    "vs_cls_pm", sizeof(int32_t) * VS_CLS_PORT_FAST_MAX, 0, cls->socket_id);
		if (st->port_max == NULL) {
			cls_free_mem(st);
			*err = -ENOMEM;
			return NULL;
		}
		for (unsigned p = 0; p < VS_CLS_PORT_FAST_MAX; p++)
			st->port_max[p] = INT32_MIN;
	}
	st->capacity = CLS_TBL_MIN_BUCKETS;
	st->tbl = cls_tbl_create(cls, st, st->capacity);
	if (st->tbl == NULL) {
		*err = -ENOMEM;
		cls_free_mem(st->port_max);
		cls_free_mem(st);
		return NULL;
	}
	st->max_prio = INT32_MIN;
	st->min_prio = INT32_MAX;
	TAILQ_INIT(&st->rules);
	st->slot = cls->free_slots[--cls->n_free_slots];
	cls_ctx_rebase_slot(cls, st->slot);
	TAILQ_INSERT_TAIL(&cls->subtables, st, link);
	cls->n_st++;
	if (cls_mask_is_port_only(mask))
		cls->port_st = st;
	if (cls_mask_is_port_vlan(mask))
		cls->pvlan_st = st;
	return st;
}

/* An emptied subtable leaves the control list now and memory after a grace. */
static void
cls_subtable_maybe_retire(struct vs_cls *cls, struct cls_subtable *st)
{
	if (st->n_rules != 0 || st->n_live != 0 || st->n_staged != 0)
		return;
	TAILQ_REMOVE(&cls->subtables, st, link);
	cls->n_st--;
	if (cls->port_st == st)
		cls->port_st = NULL;
	if (cls->pvlan_st == st)
		cls->pvlan_st = NULL;
	cls_retire(cls, CLS_RET_SUBTABLE, st, 0);
}

/* Replace the subtable's table by one twice as large holding the same nodes. */
static int
cls_subtable_grow(struct vs_cls *cls, struct cls_subtable *st)
{
	struct cls_tbl *old = st->tbl, *nt;
	uint32_t nb = st->capacity * 2;

	for (;;) {
		bool ok = true;

		nt = cls_tbl_create(cls, st, nb);
		if (nt == NULL)
			return -ENOMEM;
		for (uint32_t b = 0; b <= old->bucket_mask && ok; b++) {
			for (uint32_t w = 0; w < CLS_TBL_WAYS && ok; w++) {
				const struct cls_node *nd = cls_slot_node(&old->bkt[b][w]);

				if (nd == NULL)
					continue;
				ok = cls_tbl_insert(nt, cls_tbl_hash(nd->key, st->key_words), nd) ==
				     0;
			}
		}
		if (ok)
			break;
		/* Two full candidate buckets: try larger, within reason (keys whose
		 * hashes all collide would never fit). */
		cls_tbl_free(nt);
		nb *= 2;
		if ((uint64_t)nb * CLS_TBL_WAYS > 64 * (uint64_t)old->count + 4096) {
			VS_CLS_LOG(ERR, "subtable table cannot place %u keys: hash collisions",
				   old->count);
			return -ENOSPC;
		}
	}
	__atomic_store_n(&st->tbl, nt, __ATOMIC_RELEASE);
	st->capacity = nb;
	cls_retire(cls, CLS_RET_HASH, old, 0);
	return 0;
}

/* ---- nodes -------------------------------------------------------------------- */

static struct cls_node *
cls_node_lookup(struct cls_subtable *st, const uint64_t *ckey)
{
	uint64_t *slot = cls_tbl_slot_of(st->tbl, cls_tbl_hash(ckey, st->key_words), ckey);

	return slot == NULL ? NULL : cls_slot_node(slot);
}

static size_t
cls_node_size(uint32_t key_words, uint32_t n)
{
	return sizeof(struct cls_node) + sizeof(uint64_t) * key_words +
	       n * sizeof(struct cls_node_ent);
}

/* Cache lines of a node of the given size: its slab class is lines - 1. */
static uint32_t
cls_node_lines(size_t size)
{
	return (uint32_t)((size + RTE_CACHE_LINE_SIZE - 1) / RTE_CACHE_LINE_SIZE);
}

/* Cache-line aligned memory for a node of `size` bytes (see CLS_SLAB_*). */
static void *
cls_node_mem_get(struct vs_cls *cls, size_t size)
{
	uint32_t lines = cls_node_lines(size), c = lines - 1;
	uint32_t obj = lines * RTE_CACHE_LINE_SIZE;
	struct cls_slab_obj *o;
	char *slab;

	if (lines > CLS_SLAB_CLASSES)
		return rte_malloc_socket("vs_cls_node", size, RTE_CACHE_LINE_SIZE, cls->socket_id);
	if (cls->slab_free[c] == NULL) {
		if (cls->n_slabs == cls->slabs_cap) {
			uint32_t cap = cls->slabs_cap ? cls->slabs_cap * 2 : 64;
			void **a = realloc(cls->slabs, sizeof(*a) * cap);

			if (a == NULL)
				return NULL;
			cls->slabs = a;
			cls->slabs_cap = cap;
		}
		slab = rte_malloc_socket("vs_cls_slab", CLS_SLAB_BYTES, RTE_CACHE_LINE_SIZE,
					 cls->socket_id);
		if (slab == NULL)
			return NULL;
		cls->slabs[cls->n_slabs++] = slab;
		for (uint32_t off = CLS_SLAB_BYTES / obj * obj; off >= obj; off -= obj) {
			o = (struct cls_slab_obj *)(void *)(slab + off - obj);
			o->next = cls->slab_free[c];
			cls->slab_free[c] = o;
		}
	}
	o = cls->slab_free[c];
	cls->slab_free[c] = o->next;
	return o;
}

static void
cls_node_free(struct vs_cls *cls, struct cls_node *nd)
{
	uint32_t lines;
	struct cls_slab_obj *o;

	if (nd == NULL)
		return;
	lines = cls_node_lines(cls_node_size(nd->key_words, nd->n));
	if (lines > CLS_SLAB_CLASSES) {
		rte_free(nd);
		return;
	}
	o = (struct cls_slab_obj *)(void *)nd;
	o->next = cls->slab_free[lines - 1];
	cls->slab_free[lines - 1] = o;
}

/* A node for n rules under key ckey of subtable st (entries left to fill). */
static struct cls_node *
cls_node_alloc(struct vs_cls *cls, const struct cls_subtable *st, const uint64_t *ckey, uint32_t n)
{
	struct cls_node *nd = cls_node_mem_get(cls, cls_node_size(st->key_words, n));

	if (nd != NULL) {
		nd->n = n;
		nd->key_words = st->key_words;
		memcpy(nd->key, ckey, sizeof(uint64_t) * st->key_words);
	}
	return nd;
}

/* Publish a node under its key (adds the key if new), growing the table if
 * needed. */
static int
cls_node_publish(struct vs_cls *cls, struct cls_subtable *st, struct cls_node *nd)
{
	uint32_t h = cls_tbl_hash(nd->key, st->key_words);
	uint64_t *slot = cls_tbl_slot_of(st->tbl, h, nd->key);
	int ret;

	if (slot != NULL) {
		/* Existing key: replace the node in place. */
		cls_tbl_replace(slot, nd);
		return 0;
	}
	for (;;) {
		ret = cls_tbl_insert(st->tbl, h, nd);
		if (ret != -ENOSPC)
			return ret;
		ret = cls_subtable_grow(cls, st);
		if (ret != 0)
			return ret;
	}
}

static int
cls_node_insert(struct vs_cls *cls, struct cls_subtable *st, const uint64_t *ckey,
		struct cls_rule *r)
{
	struct cls_node *old = cls_node_lookup(st, ckey);
	uint32_t n = old != NULL ? old->n : 0;
	struct cls_node *nd = cls_node_alloc(cls, st, ckey, n + 1);
	struct cls_node_ent ne = {
	    .priority = r->pub.priority,
	    .id = r->pub.id,
	    .tiebreak = r->pub.tiebreak,
	    .add_gen = r->add_gen,
	    .del_gen = r->del_gen,
	    .rule = r,
	};
	uint32_t j = 0;
	bool placed = false;
	int ret;

	if (nd == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const struct cls_node_ent *e = &cls_node_ents(old)[i];

		if (!placed && cls_rank_better(ne.priority, ne.tiebreak, ne.id, e->priority,
					       e->tiebreak, e->id)) {
			cls_node_ents(nd)[j++] = ne;
			placed = true;
		}
		cls_node_ents(nd)[j++] = *e;
	}
	if (!placed)
		cls_node_ents(nd)[j++] = ne;
	ret = cls_node_publish(cls, st, nd);
	if (ret < 0) {
		cls_node_free(cls, nd);
		return ret;
	}
	if (old != NULL)
		cls_retire(cls, CLS_RET_NODE, old, 0);
	return 0;
}

/* Set r's del_gen, in the rule and in its entry of the current node. */
static void
cls_rule_set_del_gen(struct cls_rule *r, uint64_t del_gen)
{
	struct cls_subtable *st = r->st;
	uint64_t ckey[VS_FLOW_KEY_WORDS];
	struct cls_node *nd;

	__atomic_store_n(&r->del_gen, del_gen, __ATOMIC_RELAXED);
	cls_compress(st, &r->pub.match.key, ckey);
	nd = cls_node_lookup(st, ckey);
	RTE_VERIFY(nd != NULL);
	for (uint32_t i = 0; i < nd->n; i++) {
		if (cls_node_ents(nd)[i].rule == r) {
			__atomic_store_n(&cls_node_ents(nd)[i].del_gen, del_gen, __ATOMIC_RELAXED);
			return;
		}
	}
	RTE_VERIFY(0);
}

/* Take r out of its node; r itself is retired (freed after a grace period). */
static void
cls_node_remove(struct vs_cls *cls, struct cls_rule *r)
{
	struct cls_subtable *st = r->st;
	uint64_t ckey[VS_FLOW_KEY_WORDS];
	struct cls_node *old, *nd;
	uint64_t *slot;
	uint32_t j = 0;

	cls_compress(st, &r->pub.match.key, ckey);
	slot = cls_tbl_slot_of(st->tbl, cls_tbl_hash(ckey, st->key_words), ckey);
	RTE_VERIFY(slot != NULL);
	old = cls_slot_node(slot);
	if (old->n == 1) {
		RTE_VERIFY(cls_node_ents(old)[0].rule == r);
		cls_tbl_delete(st->tbl, slot);
	} else {
		nd = cls_node_alloc(cls, st, ckey, old->n - 1);
		if (nd == NULL) {
			/* Keep the rule in place (it is invisible) and try again later. */
			cls_retire(cls, CLS_RET_RULE_DEAD, r, 0);
			return;
		}
		for (uint32_t i = 0; i < old->n; i++)
			if (cls_node_ents(old)[i].rule != r)
				cls_node_ents(nd)[j++] = cls_node_ents(old)[i];
		RTE_VERIFY(j == nd->n);
		cls_tbl_replace(slot, nd);
	}
	cls_retire(cls, CLS_RET_NODE, old, 0);
	TAILQ_REMOVE(&st->rules, r, st_link);
	st->n_rules--;
	r->state = CLS_RULE_RETIRED;
	cls_retire(cls, CLS_RET_RULE, r, 0);
	cls_subtable_maybe_retire(cls, st);
}

/* Exact bounds from the rules visible in gen (adds only ever raise them). */
static void
cls_subtable_tighten(struct cls_subtable *st, uint64_t gen)
{
	const struct cls_rule *r;

	st->max_prio = INT32_MIN;
	st->min_prio = INT32_MAX;
	if (st->port_max != NULL)
		for (unsigned p = 0; p < VS_CLS_PORT_FAST_MAX; p++)
			st->port_max[p] = INT32_MIN;
	TAILQ_FOREACH(r, &st->rules, st_link)
	{
		uint16_t port = r->pub.match.key.in_port;

		if (!cls_rule_visible(r, gen))
			continue;
		if (r->pub.priority > st->max_prio)
			st->max_prio = r->pub.priority;
		if (r->pub.priority < st->min_prio)
			st->min_prio = r->pub.priority;
		if (st->port_max != NULL && port < VS_CLS_PORT_FAST_MAX &&
		    r->pub.priority > st->port_max[port])
			st->port_max[port] = r->pub.priority;
	}
}

/* ---- snapshots ---------------------------------------------------------------- */

static int
cls_snap_cmp(const void *a, const void *b)
{
	const struct cls_snap_ent *x = a, *y = b;

	if (x->max_prio != y->max_prio)
		return x->max_prio > y->max_prio ? -1 : 1;
	if (x->st->rank_score != y->st->rank_score)
		return x->st->rank_score > y->st->rank_score ? -1 : 1;
	return x->slot < y->slot ? -1 : (x->slot > y->slot);
}

/* Best rule of port_st for in_port p visible in gen. */
static struct cls_rule *
cls_port_candidate(struct cls_subtable *st, uint16_t p, uint64_t gen)
{
	struct vs_flow_key k;
	uint64_t ckey[VS_FLOW_KEY_WORDS];
	struct cls_node *nd;

	memset(&k, 0, sizeof(k));
	k.in_port = p;
	cls_compress(st, &k, ckey);
	nd = cls_node_lookup(st, ckey);
	if (nd == NULL)
		return NULL;
	for (uint32_t i = 0; i < nd->n; i++)
		if (cls_rule_visible(cls_node_ents(nd)[i].rule, gen))
			return cls_node_ents(nd)[i].rule;
	return NULL;
}

struct cls_pv {
	uint16_t port;
	uint16_t vlan;
	const struct cls_rule *r;
};

static int
cls_pv_cmp(const void *a, const void *b)
{
	const struct cls_pv *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->vlan != y->vlan)
		return x->vlan < y->vlan ? -1 : 1;
	/* Best rule first. */
	return cls_rank_better(x->r->pub.priority, x->r->pub.tiebreak, x->r->pub.id,
			       y->r->pub.priority, y->r->pub.tiebreak, y->r->pub.id)
		   ? -1
		   : 1;
}

static const struct cls_rule *
cls_rule_best(const struct cls_rule *a, const struct cls_rule *b)
{
	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	return cls_rank_better(a->pub.priority, a->pub.tiebreak, a->pub.id, b->pub.priority,
			       b->pub.tiebreak, b->pub.id)
		   ? a
		   : b;
}

/* The in_port + VLAN rules visible in gen, best per (port, VLAN), sorted;
 * NULL with *n = 0 when there are none, too many, or no memory. */
static struct cls_pv *
cls_pv_collect(const struct cls_subtable *pv, uint64_t gen, uint32_t *n)
{
	const struct cls_rule *r;
	struct cls_pv *a;
	uint32_t k = 0, w = 0;

	*n = 0;
	if (pv == NULL || pv->n_live == 0 || pv->n_rules > VS_CLS_VLAN_FAST_MAX)
		return NULL;
	a = malloc(sizeof(*a) * pv->n_rules);
	if (a == NULL)
		return NULL;
	TAILQ_FOREACH(r, &pv->rules, st_link)
	{
		if (!cls_rule_visible(r, gen) || r->pub.match.key.in_port >= VS_CLS_PORT_FAST_MAX)
			continue;
		a[k].port = r->pub.match.key.in_port;
		a[k].vlan = r->pub.match.key.vlan_tci;
		a[k].r = r;
		k++;
	}
	qsort(a, k, sizeof(*a), cls_pv_cmp);
	for (uint32_t i = 0; i < k; i++)
		if (w == 0 || a[w - 1].port != a[i].port || a[w - 1].vlan != a[i].vlan)
			a[w++] = a[i];
	*n = w;
	return a;
}

/*
 * Build the snapshot of generation gen from the subtables' counters (which
 * must already describe gen).
 *
 * Port fast path. For in_port p, let B(p) bound the priority of every rule
 * that can apply to packets from p outside the in_port-only and in_port+VLAN
 * subtables (the global bound of subtables not matching on in_port, and the
 * per-port bounds of those that do). A packet from p with VLAN v is answered
 * by the better of p's best in_port-only rule and its best in_port+VLAN v
 * rule when that verdict's priority is strictly above B(p): no other rule
 * could beat it, so the EMC and the subtables are skipped.
 */
static struct cls_snap *
cls_snap_build(struct vs_cls *cls, uint64_t gen)
{
	size_t sz = sizeof(struct cls_snap) + cls->n_st * sizeof(struct cls_snap_ent);
	struct cls_subtable *st, *pst = cls->port_st, *pvst = cls->pvlan_st;
	struct cls_port_fast *pf;
	struct cls_vlan_fast *vf;
	struct cls_pv *pv;
	struct cls_snap *s;
	int32_t global = INT32_MIN;
	uint32_t n = 0, n_port = 0, n_pv, n_vf = 0, pvi = 0;

	pv = cls_pv_collect(pvst, gen, &n_pv);
	if (pv == NULL)
		pvst = NULL; /* no VLAN fast path: a subtable like any other */
	sz = RTE_ALIGN_CEIL(sz, RTE_CACHE_LINE_SIZE);
	s = rte_malloc_socket("vs_cls_snap",
			      sz + VS_CLS_PORT_FAST_MAX * sizeof(*pf) + n_pv * sizeof(*vf),
			      RTE_CACHE_LINE_SIZE, cls->socket_id);
	if (s == NULL) {
		free(pv);
		return NULL;
	}
	s->gen = gen;
	pf = (struct cls_port_fast *)(void *)((char *)s + sz);
	vf = (struct cls_vlan_fast *)(void *)(pf + VS_CLS_PORT_FAST_MAX);
	TAILQ_FOREACH(st, &cls->subtables, link)
	{
		if (st->n_live == 0)
			continue;
		s->st[n].st = st;
		s->st[n].max_prio = st->max_prio;
		s->st[n].min_prio = st->min_prio;
		s->st[n].slot = st->slot;
		n++;
		if (st != pst && st != pvst && st->port_max == NULL && st->max_prio > global)
			global = st->max_prio;
	}
	s->n_st = n;
	qsort(s->st, n, sizeof(s->st[0]), cls_snap_cmp);

	if (pst != NULL && pst->n_live == 0)
		pst = NULL;
	for (uint32_t p = 0; p < VS_CLS_PORT_FAST_MAX; p++) {
		const struct cls_rule *c = NULL;
		int32_t bound = global;
		uint32_t nv = 0;

		pf[p].rule = NULL;
		pf[p].n_vlan = 0;
		pf[p].vlan_off = n_vf;
		while (pvi < n_pv && pv[pvi].port < p)
			pvi++;
		if ((pst == NULL || pst->port_max[p] == INT32_MIN) &&
		    (pvi >= n_pv || pv[pvi].port != p))
			continue;
		TAILQ_FOREACH(st, &cls->subtables, link)
		{
			if (st == pst || st == pvst || st->n_live == 0 || st->port_max == NULL)
				continue;
			if (st->port_max[p] > bound)
				bound = st->port_max[p];
		}
		if (pst != NULL && pst->port_max[p] != INT32_MIN)
			c = cls_port_candidate(pst, (uint16_t)p, gen);
		if (c != NULL && c->pub.priority > bound)
			pf[p].rule = &c->pub;
		for (; pvi < n_pv && pv[pvi].port == p; pvi++) {
			const struct cls_rule *v = cls_rule_best(c, pv[pvi].r);

			vf[n_vf].vlan = pv[pvi].vlan;
			vf[n_vf].rule = v->pub.priority > bound ? &v->pub : NULL;
			n_vf++;
			nv++;
		}
		pf[p].n_vlan = nv;
		if (pf[p].rule != NULL || nv != 0)
			n_port = p + 1;
	}
	free(pv);
	s->port_fast = pf;
	s->vlan_fast = vf;
	s->n_port = n_port;
	return s;
}

static void
cls_snap_publish(struct vs_cls *cls, struct cls_snap *s)
{
	struct cls_snap *old = cls->snap;

	__atomic_store_n(&cls->snap, s, __ATOMIC_RELEASE);
	__atomic_store_n(&cls->gen, s->gen, __ATOMIC_RELAXED);
	if (old != NULL)
		cls_retire(cls, CLS_RET_SNAP, old, 0);
}

/* ---- create / destroy ------------------------------------------------------- */

struct vs_cls *
vs_cls_create(const struct vs_cls_params *p)
{
	struct vs_cls *cls;
	struct cls_snap *s;

	if (p == NULL) {
		errno = EINVAL;
		return NULL;
	}
	cls = rte_zmalloc_socket("vs_cls", sizeof(*cls), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (cls == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	cls->max_rules = p->max_rules ? p->max_rules : VS_CLS_DEFAULT_MAX_RULES;
	cls->socket_id = p->socket_id;
	cls->qsbr = p->qsbr;
	cls->data_free = p->data_free;
	cls->data_free_arg = p->data_free_arg;
	cls->uid = __atomic_fetch_add(&cls_uid_next, 1, __ATOMIC_RELAXED);
	snprintf(cls->name, sizeof(cls->name), "%s", p->name ? p->name : "cls");
	TAILQ_INIT(&cls->subtables);
	TAILQ_INIT(&cls->ctxs);
	cls->pool = rte_zmalloc_socket("vs_cls_rules", sizeof(*cls->pool) * cls->max_rules,
				       RTE_CACHE_LINE_SIZE, p->socket_id);
	cls->free_ids = malloc(sizeof(uint32_t) * cls->max_rules);
	if (cls->pool == NULL || cls->free_ids == NULL)
		goto nomem;
	for (uint32_t i = 0; i < cls->max_rules; i++) {
		cls->pool[i].pub.id = i;
		cls->free_ids[i] = cls->max_rules - 1 - i; /* pop gives 0 first */
	}
	cls->n_free_ids = cls->max_rules;
	for (uint32_t i = 0; i < VS_CLS_MAX_SUBTABLES; i++)
		cls->free_slots[i] = VS_CLS_MAX_SUBTABLES - 1 - i;
	cls->n_free_slots = VS_CLS_MAX_SUBTABLES;
	s = cls_snap_build(cls, 0);
	if (s == NULL)
		goto nomem;
	cls->snap = s;
	VS_CLS_LOG(DEBUG, "%s: created, max_rules %u", cls->name, cls->max_rules);
	return cls;
nomem:
	free(cls->free_ids);
	rte_free(cls->pool);
	rte_free(cls);
	errno = ENOMEM;
	return NULL;
}

void
vs_cls_destroy(struct vs_cls *cls)
{
	struct cls_subtable *st;
	struct vs_cls_ctx *ctx;

	if (cls == NULL)
		return;
	free(cls->txn);
	/* Retired objects: free memory only, rules are handled from the pool. */
	while (cls->ret_len > 0) {
		struct cls_retire *e = &cls->ret[cls->ret_head];

		switch (e->kind) {
		case CLS_RET_SNAP:
		case CLS_RET_NODE:
		case CLS_RET_HASH:
			cls_retire_now(cls, e->kind, e->ptr, e->aux);
			break;
		case CLS_RET_SUBTABLE:
			cls_subtable_free(e->ptr);
			break;
		default:
			break;
		}
		cls->ret_head = (cls->ret_head + 1) % cls->ret_cap;
		cls->ret_len--;
	}
	free(cls->ret);
	while ((st = TAILQ_FIRST(&cls->subtables)) != NULL) {
		const struct cls_tbl *t = st->tbl;

		for (uint32_t b = 0; b <= t->bucket_mask; b++) {
			for (uint32_t w = 0; w < CLS_TBL_WAYS; w++)
				cls_node_free(cls, cls_slot_node(&t->bkt[b][w]));
		}
		TAILQ_REMOVE(&cls->subtables, st, link);
		cls_subtable_free(st);
	}
	for (uint32_t i = 0; i < cls->max_rules; i++)
		if (cls->pool[i].state != CLS_RULE_FREE && cls->data_free != NULL &&
		    cls->pool[i].pub.data != NULL)
			cls->data_free(cls->pool[i].pub.data, cls->data_free_arg);
	TAILQ_FOREACH(ctx, &cls->ctxs, link)
	ctx->cls = NULL;
	for (uint32_t i = 0; i < cls->n_slabs; i++)
		rte_free(cls->slabs[i]);
	free(cls->slabs);
	rte_free(cls->snap);
	rte_free(cls->pool);
	free(cls->free_ids);
	rte_free(cls);
}

/* ---- transactions ----------------------------------------------------------- */

struct vs_cls_txn *
vs_cls_txn_begin(struct vs_cls *cls)
{
	struct vs_cls_txn *txn;

	if (cls == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (cls->txn != NULL) {
		errno = EBUSY;
		return NULL;
	}
	txn = calloc(1, sizeof(*txn));
	if (txn == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	txn->cls = cls;
	cls->txn = txn;
	return txn;
}

int
vs_cls_rule_add(struct vs_cls_txn *txn, const struct vs_cls_match *m, int32_t priority,
		uint64_t tiebreak, void *data, struct vs_cls_rule **out)
{
	struct vs_cls *cls;
	struct cls_subtable *st;
	struct cls_node *nd;
	struct cls_rule *r;
	struct vs_flow_key key;
	uint64_t ckey[VS_FLOW_KEY_WORDS];
	const vs_flow_word_t *kw, *mw;
	vs_flow_word_t *w;
	bool created = false;
	int ret = 0;

	if (txn == NULL || m == NULL || txn->cls == NULL || txn->cls->txn != txn)
		return -EINVAL;
	cls = txn->cls;
	kw = vs_flow_key_words(&m->key);
	mw = vs_flow_key_words(&m->mask);
	w = vs_flow_key_words_rw(&key);
	for (unsigned i = 0; i < VS_FLOW_KEY_WORDS; i++)
		w[i] = kw[i] & mw[i];

	st = cls_subtable_find(cls, &m->mask);
	if (st == NULL) {
		st = cls_subtable_create(cls, &m->mask, &ret);
		if (st == NULL)
			return ret;
		created = true;
	}
	cls_compress(st, &key, ckey);
	nd = cls_node_lookup(st, ckey);
	for (uint32_t i = 0; nd != NULL && i < nd->n; i++) {
		const struct cls_rule *o = cls_node_ents(nd)[i].rule;

		if ((o->state == CLS_RULE_LIVE || o->state == CLS_RULE_STAGED_ADD) &&
		    o->pub.priority == priority && o->pub.tiebreak == tiebreak)
			return -EEXIST;
	}
	if (cls->n_free_ids == 0)
		vs_cls_reclaim(cls);
	/* Ids of rules deleted by a commit an instant ago come back after two
	 * grace periods (node first, then the rule); workers quiesce every
	 * loop, so the wait is short. */
	for (unsigned k = 0; k < 3 && cls->n_free_ids == 0 && cls->ret_len != 0 && cls->qsbr; k++) {
		rte_rcu_qsbr_synchronize(cls->qsbr, RTE_QSBR_THRID_INVALID);
		vs_cls_reclaim(cls);
	}
	if (cls->n_free_ids == 0) {
		ret = -ENOSPC;
		goto fail;
	}
	r = &cls->pool[cls->free_ids[cls->n_free_ids - 1]];
	r->pub.priority = priority;
	r->pub.tiebreak = tiebreak;
	r->pub.data = data;
	r->pub.match.key = key;
	r->pub.match.mask = m->mask;
	r->st = st;
	__atomic_store_n(&r->add_gen, cls->gen + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->del_gen, VS_CLS_GEN_INF, __ATOMIC_RELAXED);
	ret = cls_node_insert(cls, st, ckey, r);
	if (ret < 0) {
		r->pub.data = NULL;
		goto fail;
	}
	cls->n_free_ids--;
	cls_ctx_rebase_rule(cls, r->pub.id);
	r->state = CLS_RULE_STAGED_ADD;
	TAILQ_INSERT_TAIL(&st->rules, r, st_link);
	st->n_rules++;
	st->n_staged++;
	if (priority > st->max_prio)
		st->max_prio = priority;
	if (priority < st->min_prio)
		st->min_prio = priority;
	if (st->port_max != NULL && key.in_port < VS_CLS_PORT_FAST_MAX &&
	    priority > st->port_max[key.in_port])
		st->port_max[key.in_port] = priority;
	r->txn_next = txn->adds;
	txn->adds = r;
	txn->n_adds++;
	if (out != NULL)
		*out = &r->pub;
	return 0;
fail:
	if (created)
		cls_subtable_maybe_retire(cls, st);
	return ret;
}

static struct cls_rule *
cls_rule_of(struct vs_cls *cls, struct vs_cls_rule *pub)
{
	struct cls_rule *r;

	if (pub == NULL || pub->id >= cls->max_rules)
		return NULL;
	r = &cls->pool[pub->id];
	return &r->pub == pub ? r : NULL;
}

/* Undo a staged add: invisible forever, out of its node, freed after grace. */
static void
cls_unstage_add(struct vs_cls *cls, struct cls_rule *r)
{
	__atomic_store_n(&r->add_gen, VS_CLS_GEN_INF, __ATOMIC_RELAXED);
	r->st->n_staged--;
	cls_node_remove(cls, r);
}

int
vs_cls_rule_del(struct vs_cls_txn *txn, struct vs_cls_rule *rule)
{
	struct vs_cls *cls;
	struct cls_rule *r;

	if (txn == NULL || txn->cls == NULL || txn->cls->txn != txn)
		return -EINVAL;
	cls = txn->cls;
	r = cls_rule_of(cls, rule);
	if (r == NULL)
		return -EINVAL;
	switch (r->state) {
	case CLS_RULE_STAGED_ADD:
		/* Stays on txn->adds; the commit skips rules no longer staged. */
		cls_unstage_add(cls, r);
		txn->n_adds--;
		return 0;
	case CLS_RULE_LIVE:
		if (cls_retire_reserve(cls, 4) != 0)
			return -ENOMEM;
		cls_rule_set_del_gen(r, cls->gen + 1);
		r->state = CLS_RULE_STAGED_DEL;
		r->st->n_staged++;
		r->st->tighten = true;
		r->txn_next = txn->dels;
		txn->dels = r;
		txn->n_dels++;
		return 0;
	default:
		return -ENOENT;
	}
}

int
vs_cls_rule_undel(struct vs_cls_txn *txn, struct vs_cls_rule *rule)
{
	struct cls_rule *r, **pp;

	if (txn == NULL || txn->cls == NULL || txn->cls->txn != txn)
		return -EINVAL;
	r = cls_rule_of(txn->cls, rule);
	if (r == NULL || r->state != CLS_RULE_STAGED_DEL)
		return -ENOENT;
	for (pp = &txn->dels; *pp != NULL && *pp != r; pp = &(*pp)->txn_next)
		;
	if (*pp == NULL)
		return -ENOENT;
	*pp = r->txn_next;
	txn->n_dels--;
	cls_rule_set_del_gen(r, VS_CLS_GEN_INF);
	r->state = CLS_RULE_LIVE;
	r->st->n_staged--;
	return 0;
}

static void
cls_txn_end(struct vs_cls_txn *txn)
{
	txn->cls->txn = NULL;
	free(txn);
}

/* Staged adds are undone like deletions: their data goes to data_free after a
 * grace period (the rule owned it from vs_cls_rule_add on). */
void
vs_cls_txn_abort(struct vs_cls_txn *txn)
{
	struct vs_cls *cls;
	struct cls_rule *r, *next;

	if (txn == NULL || txn->cls == NULL || txn->cls->txn != txn)
		return;
	cls = txn->cls;
	for (r = txn->dels; r != NULL; r = r->txn_next) {
		cls_rule_set_del_gen(r, VS_CLS_GEN_INF);
		r->state = CLS_RULE_LIVE;
		r->st->n_staged--;
	}
	for (r = txn->adds; r != NULL; r = next) {
		next = r->txn_next;
		if (r->state == CLS_RULE_STAGED_ADD)
			cls_unstage_add(cls, r);
	}
	cls_txn_end(txn);
	vs_cls_reclaim(cls);
}

/* Lower the bounds of subtables that lost rules (small ones now; large ones
 * wait for the next re-rank, their stale bound is only conservative). */
static void
cls_commit_tighten(struct vs_cls *cls, uint64_t gen)
{
	struct cls_subtable *st;

	TAILQ_FOREACH(st, &cls->subtables, link)
	{
		if (!st->tighten || st->n_rules > 4096)
			continue;
		cls_subtable_tighten(st, gen);
		st->tighten = false;
	}
}

int
vs_cls_txn_commit(struct vs_cls_txn *txn)
{
	struct vs_cls *cls;
	struct cls_rule *r, *next;
	struct cls_subtable *st;
	struct cls_snap *s;
	uint64_t gen;

	if (txn == NULL || txn->cls == NULL || txn->cls->txn != txn)
		return -EINVAL;
	cls = txn->cls;
	if (txn->n_adds == 0 && txn->n_dels == 0) {
		cls_txn_end(txn);
		vs_cls_reclaim(cls);
		return 0;
	}
	gen = cls->gen + 1;
	/* Apply the counts of gen, build its snapshot, and roll back on failure. */
	for (r = txn->adds; r != NULL; r = r->txn_next)
		if (r->state == CLS_RULE_STAGED_ADD)
			r->st->n_live++;
	for (r = txn->dels; r != NULL; r = r->txn_next)
		r->st->n_live--;
	cls_commit_tighten(cls, gen);
	s = cls_retire_reserve(cls, txn->n_dels + 4) == 0 ? cls_snap_build(cls, gen) : NULL;
	if (s == NULL) {
		for (r = txn->adds; r != NULL; r = r->txn_next)
			if (r->state == CLS_RULE_STAGED_ADD)
				r->st->n_live--;
		for (r = txn->dels; r != NULL; r = r->txn_next) {
			r->st->n_live++;
			r->st->tighten = true;
		}
		/* Bounds over what stays visible once the transaction is aborted. */
		cls_commit_tighten(cls, cls->gen);
		VS_CLS_LOG(ERR, "%s: commit of generation %" PRIu64 " failed: out of memory",
			   cls->name, gen);
		vs_cls_txn_abort(txn);
		return -ENOMEM;
	}
	cls_snap_publish(cls, s);

	for (r = txn->adds; r != NULL; r = r->txn_next) {
		if (r->state != CLS_RULE_STAGED_ADD)
			continue;
		r->state = CLS_RULE_LIVE;
		r->st->n_staged--;
		cls->n_visible++;
	}
	for (r = txn->dels; r != NULL; r = next) {
		next = r->txn_next;
		r->state = CLS_RULE_DEAD;
		r->st->n_staged--;
		cls->n_visible--;
		/* Readers of older generations may still match it: grace first. */
		cls_retire(cls, CLS_RET_RULE_DEAD, r, 0);
	}
	TAILQ_FOREACH(st, &cls->subtables, link)
	{
		if (st->n_live == 0 && st->n_staged == 0) {
			/* No rule is visible from gen on: the bound may restart. */
			st->max_prio = INT32_MIN;
			st->min_prio = INT32_MAX;
			if (st->port_max != NULL)
				for (unsigned p = 0; p < VS_CLS_PORT_FAST_MAX; p++)
					st->port_max[p] = INT32_MIN;
		}
	}
	VS_CLS_LOG(DEBUG, "%s: generation %" PRIu64 ": +%u -%u rules, %u subtables", cls->name, gen,
		   txn->n_adds, txn->n_dels, s->n_st);
	cls_txn_end(txn);
	vs_cls_reclaim(cls);
	return 0;
}

/* ---- queries ------------------------------------------------------------------ */

uint64_t
vs_cls_generation(const struct vs_cls *cls)
{
	return cls != NULL ? __atomic_load_n(&cls->gen, __ATOMIC_RELAXED) : 0;
}

uint32_t
vs_cls_rule_count(const struct vs_cls *cls)
{
	return cls != NULL ? cls->n_visible : 0;
}

int
vs_cls_rule_foreach(struct vs_cls *cls, vs_cls_rule_iter_fn cb, void *arg)
{
	if (cls == NULL || cb == NULL)
		return -EINVAL;
	for (uint32_t i = 0; i < cls->max_rules; i++) {
		const struct cls_rule *r = &cls->pool[i];
		int ret;

		if (r->state != CLS_RULE_LIVE && r->state != CLS_RULE_STAGED_DEL)
			continue;
		ret = cb(&r->pub, arg);
		if (ret != 0)
			return ret;
	}
	return 0;
}

unsigned
vs_cls_range_to_masks(uint16_t lo, uint16_t hi, uint16_t *val, uint16_t *mask)
{
	uint32_t cur = lo, end = hi;
	unsigned n = 0;

	if (lo > hi)
		return 0;
	while (cur <= end) {
		/* Largest aligned block starting at cur that stays within end. */
		uint32_t size = cur == 0 ? 0x10000 : (cur & -cur);

		while (cur + size - 1 > end)
			size >>= 1;
		val[n] = (uint16_t)cur;
		mask[n] = (uint16_t) ~(size - 1);
		n++;
		cur += size;
	}
	return n;
}

/* ---- per worker contexts ------------------------------------------------------ */

static cls_flt_scan_fn
cls_flt_scan_select(const char **name)
{
#if defined(RTE_ARCH_X86)
	if (rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512F) > 0 &&
	    rte_vect_get_max_simd_bitwidth() >= RTE_VECT_SIMD_512) {
		*name = "avx512";
		return cls_flt_scan_avx512;
	}
	if (rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX2) > 0 &&
	    rte_vect_get_max_simd_bitwidth() >= RTE_VECT_SIMD_256) {
		*name = "avx2";
		return cls_flt_scan_avx2;
	}
#endif
	*name = "scalar";
	return cls_flt_scan_scalar;
}

struct vs_cls_ctx *
vs_cls_ctx_create(struct vs_cls *cls, const struct vs_cls_ctx_params *p)
{
	const char *scan;
	struct vs_cls_ctx *ctx;
	uint32_t entries;
	int socket;

	if (cls == NULL || p == NULL) {
		errno = EINVAL;
		return NULL;
	}
	entries = p->emc_entries;
	if (entries != 0 && !rte_is_power_of_2(entries)) {
		errno = EINVAL;
		return NULL;
	}
	socket = p->socket_id;
	ctx = rte_zmalloc_socket("vs_cls_ctx", sizeof(*ctx), RTE_CACHE_LINE_SIZE, socket);
	if (ctx == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ctx->socket_id = socket;
	ctx->flt_scan = cls_flt_scan_select(&scan);
	/* Once per worker context, at startup: which SIMD path the workers run. */
	VS_CLS_LOG(INFO, "%s: worker context, subtable filter scan %s", cls->name, scan);
	/* EMC entries keep verdicts as rule id + 1 in 24 bits (struct cls_emc_entry). */
	if (entries != 0 && cls->max_rules >= CLS_EMC_ID_MAX) {
		rte_free(ctx);
		errno = EINVAL;
		return NULL;
	}
	if (entries != 0) {
		ctx->emc_ent = rte_zmalloc_socket("vs_emc_ent", sizeof(*ctx->emc_ent) * entries,
						  RTE_CACHE_LINE_SIZE, socket);
		ctx->emc_mask = entries - 1;
	}
	vs_emc_policy_init(&ctx->emc_policy);
	ctx->rule_hits = rte_zmalloc_socket("vs_cls_rh", sizeof(uint64_t) * cls->max_rules,
					    RTE_CACHE_LINE_SIZE, socket);
	ctx->rule_base = rte_zmalloc_socket("vs_cls_rb", sizeof(uint64_t) * cls->max_rules,
					    RTE_CACHE_LINE_SIZE, socket);
	/* Four arrays in one: lookups, hits and their two baselines. */
	ctx->st_lookups = rte_zmalloc_socket(
	    "vs_cls_sl", sizeof(uint64_t) * VS_CLS_MAX_SUBTABLES * 4, RTE_CACHE_LINE_SIZE, socket);
	if ((entries != 0 && ctx->emc_ent == NULL) || ctx->rule_hits == NULL ||
	    ctx->rule_base == NULL || ctx->st_lookups == NULL) {
		vs_cls_ctx_destroy(ctx);
		errno = ENOMEM;
		return NULL;
	}
	ctx->st_hits = ctx->st_lookups + VS_CLS_MAX_SUBTABLES;
	ctx->st_lookups_base = ctx->st_hits + VS_CLS_MAX_SUBTABLES;
	ctx->st_hits_base = ctx->st_lookups_base + VS_CLS_MAX_SUBTABLES;
	ctx->cls = cls;
	TAILQ_INSERT_TAIL(&cls->ctxs, ctx, link);
	return ctx;
}

void
vs_cls_ctx_destroy(struct vs_cls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->cls != NULL)
		TAILQ_REMOVE(&ctx->cls->ctxs, ctx, link);
	rte_free(ctx->emc_ent);
	rte_free(ctx->rule_hits);
	rte_free(ctx->rule_base);
	rte_free(ctx->st_lookups);
	rte_free(ctx);
}

void
vs_cls_ctx_stats_get(const struct vs_cls_ctx *ctx, struct vs_cls_ctx_stats *out)
{
	const struct vs_cls_ctx_stats *c;

	if (ctx == NULL || out == NULL)
		return;
	c = &ctx->cnt;
#define VS_CLS_CTX_GET_(field, help) out->field = VS_CLS_CNT_GET(&c->field);
	VS_CLS_CTX_COUNTERS(VS_CLS_CTX_GET_)
#undef VS_CLS_CTX_GET_
	out->emc_insert_shift = VS_CLS_CNT_GET(&c->emc_insert_shift);
	out->emc_bypassed = VS_CLS_CNT_GET(&c->emc_bypassed);
	out->emc_cycles_on = VS_CLS_CNT_GET(&c->emc_cycles_on);
	out->emc_cycles_off = VS_CLS_CNT_GET(&c->emc_cycles_off);
}

uint64_t
vs_cls_ctx_rule_hits(const struct vs_cls_ctx *ctx, uint32_t rule_id)
{
	if (ctx == NULL || ctx->cls == NULL || rule_id >= ctx->cls->max_rules)
		return 0;
	return VS_CLS_CNT_GET(&ctx->rule_hits[rule_id]) - ctx->rule_base[rule_id];
}

static void
cls_slot_sums(struct vs_cls_ctx *const *ctxs, unsigned n_ctx, uint32_t slot, uint64_t *lookups,
	      uint64_t *hits)
{
	*lookups = 0;
	*hits = 0;
	for (unsigned i = 0; i < n_ctx; i++) {
		const struct vs_cls_ctx *c = ctxs[i];

		if (c == NULL)
			continue;
		*lookups += VS_CLS_CNT_GET(&c->st_lookups[slot]) - c->st_lookups_base[slot];
		*hits += VS_CLS_CNT_GET(&c->st_hits[slot]) - c->st_hits_base[slot];
	}
}

unsigned
vs_cls_subtables(struct vs_cls *cls, struct vs_cls_ctx *const *ctxs, unsigned n_ctx,
		 struct vs_cls_subtable_info *out, unsigned max)
{
	const struct cls_snap *s;

	if (cls == NULL)
		return 0;
	s = cls->snap;
	for (uint32_t i = 0; i < s->n_st && i < max && out != NULL; i++) {
		const struct cls_subtable *st = s->st[i].st;

		out[i].mask = st->mask;
		out[i].max_priority = s->st[i].max_prio;
		out[i].n_rules = st->n_live;
		cls_slot_sums(ctxs, n_ctx, st->slot, &out[i].lookups, &out[i].hits);
	}
	return s->n_st;
}

void
vs_cls_rerank(struct vs_cls *cls, struct vs_cls_ctx *const *ctxs, unsigned n_ctx)
{
	struct cls_subtable *st;
	struct cls_snap *s;

	if (cls == NULL)
		return;
	TAILQ_FOREACH(st, &cls->subtables, link)
	{
		uint64_t lookups, hits;

		cls_slot_sums(ctxs, n_ctx, st->slot, &lookups, &hits);
		st->rank_score = hits - st->rank_last;
		st->rank_last = hits;
		if (cls->txn == NULL)
			cls_subtable_tighten(st, cls->gen);
	}
	s = cls_snap_build(cls, cls->gen);
	if (s == NULL) {
		VS_CLS_LOG(WARNING, "%s: re-rank skipped: out of memory", cls->name);
		return;
	}
	cls_snap_publish(cls, s);
	vs_cls_reclaim(cls);
}
