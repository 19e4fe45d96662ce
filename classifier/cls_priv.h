/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classifier internals shared by the control side (cls.c) and the fast path
 * (cls_dp.c). Not part of the public API.
 *
 * Versioning. Every rule carries add_gen/del_gen and is visible in generation
 * G iff add_gen <= G < del_gen. A transaction stages its adds with add_gen =
 * G + 1 straight into the live hash tables (invisible to readers of G) and
 * marks its deletes with del_gen = G + 1; the commit publishes an immutable
 * snapshot {G + 1, ordered subtables, port fast-path table} with one release
 * store. A reader loads the snapshot once per burst and filters by its gen,
 * so a burst sees exactly one generation. Nodes, rules, snapshots, hash key
 * slots and subtables that readers may still hold are retired with an
 * rte_rcu_qsbr token and freed by vs_cls_reclaim() once every reader passed.
 */
#ifndef VS_CLS_PRIV_H
#define VS_CLS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#if defined(RTE_ARCH_X86) && defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

#include "vs_cls.h"

/*
 * CRC32-C of the 8 bytes v, from h: rte_hash_crc_8byte's value. Built for
 * SSE4.2 (the project's x86 baseline), the instruction itself; DPDK's
 * function checks at every call which implementation its constructor chose
 * (a load and a branch per word, five per EMC hash).
 */
static inline uint32_t
cls_crc64(uint64_t v, uint32_t h)
{
#if defined(RTE_ARCH_X86) && defined(__SSE4_2__)
	return (uint32_t)_mm_crc32_u64(h, v);
#else
	return rte_hash_crc_8byte(v, h);
#endif
}

#define VS_CLS_GEN_INF		 UINT64_MAX
#define VS_CLS_MAX_SUBTABLES	 1024u /* distinct masks */
#define VS_CLS_PORT_FAST_MAX	 1024u /* in_port values served by the port fast path */
#define VS_CLS_VLAN_MATCH	 (VS_VLAN_PRESENT | VS_VLAN_VID_MASK) /* in_port+VLAN fast mask */
#define VS_CLS_VLAN_FAST_MAX	 4096u /* in_port+VLAN rules beyond which that path is off */
#define VS_CLS_BURST_MAX	 64u
#define VS_CLS_TSS_GROUP	 8u    /* subtables searched together (cls_dp.c) */
#define VS_CLS_CAND_MAX		 256u  /* (lane, subtable) candidates in flight */
#define VS_CLS_CAND_WORDS	 1024u /* their compressed keys, in words */
#define VS_CLS_DEFAULT_MAX_RULES 65536u

/* EMC geometry and adaptive insertion policy. */
#define VS_EMC_WINDOW	  4096u /* keys per measurement window */
#define VS_EMC_SHIFT_MAX  8u	/* lowest insertion probability 1/256 */
#define VS_EMC_RATIO_LOW  64u	/* hits/256 below which insertion backs off */
#define VS_EMC_RATIO_HIGH 128u	/* hits/256 above which insertion recovers */

/*
 * EMC on or bypassed: by cost (emc_policy.c), measured both ways. Sampled
 * bursts give the classification cycles per key (EMC lookup, search of the
 * misses, insertion) with the EMC on, and per key (search of them all) with
 * it bypassed; every VS_EMC_TRIAL_EVERY windows the policy runs one window
 * the other way (a probe: bypassed while on; a trial: warm, then judged,
 * while bypassed), timing every burst of it, and keeps the cheaper way when
 * it wins by more than VS_EMC_AB_NUM / VS_EMC_AB_DEN. This is what decides
 * once both ways have been measured: at 10k flows and 8 masks the model
 * below kept the EMC (its 65 % hits each seemed to save a 110-cycle search:
 * the misses' searches, a few keys per burst) while bypassing it cut
 * classification from 83 to 47 cycles per key (a search of 32 keys at once
 * is cheaper per key, and the cache's 512 KiB no longer evict the
 * subtables).
 *
 * Until both are measured, or without timed bursts, a model: per window, what the EMC costs
 * (hashing, signature and key compares, insertions: cycles per key looked
 * up) is weighed against what its hits save (a tuple-space search each:
 * cycles per key searched). Cycles are read with rte_rdtsc() around the
 * stages of one burst in VS_EMC_SAMPLE_EVERY; a sample longer than
 * VS_EMC_SAMPLE_MAX cycles per key, or than 4x the average so far + 64 (a
 * preemption, an interrupt, a neighbour's burst), is dropped, and the others
 * are averaged over windows (emc_policy.c).
 * Without samples, the constants below stand in (bench/cls, 2.3 GHz: an EMC
 * lookup about 19 cycles, a TSS search about 35 + 7 per subtable scanned).
 * Hysteresis: the EMC is bypassed when it costs more than VS_EMC_HYST_DEN +
 * VS_EMC_HYST_NUM over VS_EMC_HYST_DEN of what it saves for VS_EMC_CONFIRM
 * windows in a row, and taken back when
 * it saves that much more than it costs. While bypassed, one trial of two
 * windows (the first warms the cache, the second is judged) every
 * VS_EMC_TRIAL_EVERY windows: at most 2/34 of the keys pay for a losing
 * EMC, a few percent of its loss.
 */
#define VS_EMC_SAMPLE_EVERY  16u   /* bursts; power of two */
#define VS_EMC_SAMPLE_MAX    2000u /* cycles per key beyond which a sample is dropped */
#define VS_EMC_MIN_SAMPLES   64u   /* keys sampled before measured cycles count */
#define VS_EMC_LOOKUP_CYC    19u
#define VS_EMC_TSS_BASE_CYC  35u
#define VS_EMC_TSS_PROBE_CYC 7u
#define VS_EMC_HYST_NUM	     1u
#define VS_EMC_HYST_DEN	     8u
#define VS_EMC_TRIAL_EVERY   32u /* windows between two probes or trials, at first */
/* Each probe or trial that keeps the mode doubles the interval, up to this
 * (4M keys: a tenth of a second at 40 Mpps); a change of mode resets it. At
 * 100k flows the EMC loses and trials of two windows in 34 cost the bypassed
 * classification some 15 %, 2 in 514 well under 1 %. */
#define VS_EMC_TRIAL_EVERY_MAX 1024u
#define VS_EMC_CONFIRM	       2u /* losing windows in a row before a bypass */
#define VS_EMC_AB_NUM	       1u /* measured both ways: the cheaper way by 1/16 wins */
#define VS_EMC_AB_DEN	       16u

/* What a worker did over one window (the policy's only input). */
struct vs_emc_win {
	uint32_t keys;	     /* keys that needed the EMC or the TSS */
	uint32_t lookups;    /* of those, looked up in the EMC */
	uint32_t hits;	     /* EMC hits */
	uint32_t tss_keys;   /* keys searched in the TSS */
	uint64_t tss_probes; /* subtables scanned for them */
	/* Sampled bursts: their keys and TSC cycles, per stage. */
	uint32_t s_emc_keys; /* keys looked up (and then inserted) */
	uint32_t s_tss_keys;
	uint64_t s_emc_cyc; /* lookup + insertion */
	uint64_t s_tss_cyc;
	uint32_t s_keys; /* keys classified by the EMC or the TSS in sampled bursts */
	uint64_t s_cyc;	 /* their cycles: lookup, search, insertion */
};

enum vs_emc_mode {
	VS_EMC_ON = 0,
	VS_EMC_BYPASS,
	VS_EMC_TRIAL_WARM, /* trial, first window: warm the cache */
	VS_EMC_TRIAL,	   /* trial, second window: judged */
	VS_EMC_PROBE,	   /* on, one window bypassed to measure that way */
};

/* The policy's state, per worker. */
struct vs_emc_policy {
	uint8_t mode;	     /* enum vs_emc_mode */
	uint8_t shift;	     /* insertion probability 1/2^shift */
	uint8_t saved_shift; /* shift before a trial (which warms at 1/1) */
	uint32_t idle;	     /* windows since the last probe or trial */
	uint32_t every;	     /* windows between probes or trials */
	uint32_t strikes;    /* losing windows in a row while on */
	uint32_t emc_cyc16;  /* cycles per EMC lookup, in 16ths, averaged (0: not yet) */
	uint32_t tss_cyc16;  /* cycles per TSS key, in 16ths, averaged (0: not yet) */
	uint32_t on_cyc16;   /* classification cycles per key with the EMC on, 16ths */
	uint32_t off_cyc16;  /* the same, bypassed (0: not measured yet) */
	uint32_t probes;     /* probes started (for tests) */
	uint32_t trials;     /* trials started (for tests and ctl) */
	bool pinned;	     /* tests: never bypass (insertion still adapts) */
};

/* Initial state: EMC on, insertion 1/1, costs from the constants. */
void vs_emc_policy_init(struct vs_emc_policy *p);
/* Close window w: a pure function of (p, w); updates p. */
void vs_emc_policy_step(struct vs_emc_policy *p, const struct vs_emc_win *w);

enum cls_rule_state {
	CLS_RULE_FREE = 0,
	CLS_RULE_STAGED_ADD, /* in a node, add_gen = G + 1 */
	CLS_RULE_LIVE,	     /* visible in the current generation */
	CLS_RULE_STAGED_DEL, /* live, del_gen = G + 1 */
	CLS_RULE_DEAD,	     /* invisible from del_gen on, still in its node */
	CLS_RULE_RETIRED,    /* out of every node, waiting for a grace period */
};

struct cls_subtable;
struct cls_tbl;

struct cls_rule {
	/* Read by the fast path (relaxed atomic loads); written by ctl only. */
	uint64_t add_gen;
	uint64_t del_gen;
	/* ctl only */
	struct cls_subtable *st;
	struct cls_rule *txn_next;
	TAILQ_ENTRY(cls_rule) st_link;
	uint8_t state;
	/* What readers get back. */
	struct vs_cls_rule pub __rte_cache_aligned;
};

/*
 * Node entry: ordering and visibility are copied from the rule so a lookup
 * never touches the rule itself. add_gen is fixed when the entry is made.
 * del_gen is written (relaxed store) by the control thread in the current
 * node when a deletion is staged or aborted; a replaced node may keep an old
 * value, but only readers of generations before the staging transaction's
 * can still reach a replaced node, and to them G + 1 and "never" both mean
 * visible.
 */
struct cls_node_ent {
	int32_t priority;
	uint32_t id;
	uint64_t tiebreak;
	uint64_t add_gen;
	uint64_t del_gen; /* dp: relaxed load; ctl: relaxed store */
	struct cls_rule *rule;
};

static inline bool
cls_ent_visible(const struct cls_node_ent *e, uint64_t gen)
{
	return e->add_gen <= gen && gen < __atomic_load_n(&e->del_gen, __ATOMIC_RELAXED);
}

/* Immutable once published: a subtable's masked key and every rule sharing
 * it, sorted by priority desc, tiebreak asc, id asc. The key comes first, at
 * the offset the subtable hash reads it from (cls_tbl_node_key). */
struct cls_node {
	uint32_t n;
	uint32_t key_words;
	uint64_t key[]; /* key_words words, then n entries (cls_node_ents) */
};

static inline struct cls_node_ent *
cls_node_ents(const struct cls_node *nd)
{
	return (struct cls_node_ent *)(uintptr_t)(nd->key + nd->key_words);
}

struct cls_subtable {
	/* dp: ro; ctl: rw. Replaced (release) when the table grows. */
	struct cls_tbl *tbl;
	uint32_t slot;	    /* index of per-worker counters */
	uint32_t n_words;   /* words of the compressed key */
	uint32_t key_words; /* words stored per key (== n_words) */
	uint8_t word_set;   /* bit w: flow-key word w is in the mask */
	uint8_t word_idx[VS_FLOW_KEY_WORDS];
	uint64_t word_mask[VS_FLOW_KEY_WORDS];
	/* ctl only below */
	struct vs_flow_key mask;
	int32_t max_prio;    /* upper bound over rules not dead */
	int32_t min_prio;    /* lower bound over them (a search hint only) */
	int32_t *port_max;   /* per in_port upper bound when mask.in_port is full */
	uint32_t n_rules;    /* rules held in nodes (any state) */
	uint32_t n_live;     /* visible in the current generation */
	uint32_t n_staged;   /* staged adds + deletes of the open transaction */
	uint32_t capacity;   /* buckets of tbl */
	bool tighten;	     /* a deletion may have lowered the bounds */
	uint64_t rank_last;  /* hits summed at the previous re-rank */
	uint64_t rank_score; /* hits between the last two re-ranks */
	TAILQ_HEAD(, cls_rule) rules;
	TAILQ_ENTRY(cls_subtable) link;
};

struct cls_snap_ent {
	struct cls_subtable *st;
	int32_t max_prio;
	int32_t min_prio;
	uint32_t slot;
};

/* Port fast path of one in_port: the verdict for VLANs not listed (NULL: not
 * fast), and a sorted list of per-VLAN verdicts (NULL: not fast). */
struct cls_port_fast {
	const struct vs_cls_rule *rule;
	uint32_t vlan_off;
	uint32_t n_vlan;
};

struct cls_vlan_fast {
	uint16_t vlan; /* vlan_tci & VS_CLS_VLAN_MATCH */
	const struct vs_cls_rule *rule;
};

/* Immutable snapshot of one generation's lookup structure. */
struct cls_snap {
	uint64_t gen;
	uint32_t n_st;
	uint32_t n_port;		       /* entries in port_fast */
	const struct cls_port_fast *port_fast; /* indexed by in_port */
	const struct cls_vlan_fast *vlan_fast;
	struct cls_snap_ent st[];
};

/*
 * An EMC entry is one cache line: flow-key words 0-6, then a word of
 *   bits 0-6   word 7's fragment byte (ip_frag, VS_FRAG_*: 0..2);
 *   bit 7      valid (a zeroed entry is empty);
 *   bits 8-31  the verdict: its rule's id + 1, 0 for "no rule matched";
 *   bits 32-63 the low half of the generation it was computed in (a worker
 *              that sees the high half change clears every entry,
 *              ctx->emc_epoch).
 * Word 7's other bytes, the tunnel fields of a decapsulated frame, have no
 * room: such keys are never cached and never hit.
 */
struct cls_emc_entry {
	uint64_t key[VS_FLOW_KEY_WORDS - 1];
	uint64_t last;
} __rte_cache_aligned;

_Static_assert(offsetof(struct cls_emc_entry, last) == 8 * (VS_FLOW_KEY_WORDS - 1),
	       "an EMC entry is key words 0-6 and one word");
_Static_assert(offsetof(struct vs_flow_key, ip_frag) == 8 * (VS_FLOW_KEY_WORDS - 1),
	       "ip_frag is word 7's first byte (its low bits on a little-endian host)");

#define CLS_EMC_FRAG_MASK UINT64_C(0x7f)
#define CLS_EMC_VALID	  UINT64_C(0x80)
#define CLS_EMC_ID_SHIFT  8
#define CLS_EMC_ID_MAX	  UINT32_C(0xffffff) /* rule ids below it */
#define CLS_EMC_GEN_SHIFT 32
/* The last word's bits a hit compares: key, valid, generation. */
#define CLS_EMC_HIT_MASK UINT64_C(0xffffffff000000ff)
/* ... the key's and valid (the same key in any generation). */
#define CLS_EMC_KEY_MASK UINT64_C(0xff)
/* ... valid and generation (an entry live in a generation). */
#define CLS_EMC_LIVE_MASK UINT64_C(0xffffffff00000080)

/*
 * Filter scan of one subtable over the burst's lanes 0..n-1: lanes whose best
 * priority so far is <= max_prio are open (returned in *open); of those, the
 * ones whose filter bit is set are returned. col and best_prio hold at least
 * n rounded up to 8 entries.
 */
typedef uint64_t (*cls_flt_scan_fn)(const struct cls_subtable *st, const struct cls_tbl *tbl,
				    const uint32_t (*col)[2][VS_CLS_BURST_MAX],
				    const int32_t *best_prio, uint32_t n, int32_t max_prio,
				    uint64_t *open);

/* The implementations (cls_dp.c); cls.c picks one per context from the
 * CPU's flags and DPDK's SIMD width limit. */
uint64_t cls_flt_scan_scalar(const struct cls_subtable *st, const struct cls_tbl *tbl,
			     const uint32_t (*col)[2][VS_CLS_BURST_MAX], const int32_t *best_prio,
			     uint32_t n, int32_t max_prio, uint64_t *open);
#if defined(RTE_ARCH_X86)
uint64_t cls_flt_scan_avx2(const struct cls_subtable *st, const struct cls_tbl *tbl,
			   const uint32_t (*col)[2][VS_CLS_BURST_MAX], const int32_t *best_prio,
			   uint32_t n, int32_t max_prio, uint64_t *open);
uint64_t cls_flt_scan_avx512(const struct cls_subtable *st, const struct cls_tbl *tbl,
			     const uint32_t (*col)[2][VS_CLS_BURST_MAX], const int32_t *best_prio,
			     uint32_t n, int32_t max_prio, uint64_t *open);
#endif

struct vs_cls_ctx {
	/* Worker-owned hot state. */
	struct vs_cls *cls;
	struct cls_emc_entry *emc_ent; /* emc_mask + 1; NULL: disabled */
	uint32_t emc_mask;
	uint32_t emc_insert_ctr;
	uint32_t emc_victim;
	uint32_t emc_epoch; /* generation >> 32 of the cached entries */
	uint32_t emc_burst_ctr;
	struct vs_emc_win emc_win;	 /* the window being measured */
	struct vs_emc_policy emc_policy; /* on / bypassed, insertion shift */
	struct vs_cls_ctx_stats cnt;	 /* written by the worker only */
	uint64_t *rule_hits;		 /* [max_rules], worker */
	uint64_t *st_lookups;		 /* [VS_CLS_MAX_SUBTABLES], worker */
	uint64_t *st_hits;		 /* [VS_CLS_MAX_SUBTABLES], worker */
	/* Control-owned baselines: counts of a recycled id/slot start from here. */
	uint64_t *rule_base;
	uint64_t *st_lookups_base;
	uint64_t *st_hits_base;
	TAILQ_ENTRY(vs_cls_ctx) link; /* ctl */
	int socket_id;
	cls_flt_scan_fn flt_scan; /* SIMD or scalar, chosen at creation */
	/* Per-burst scratch. */
	uint64_t cand_key[VS_CLS_CAND_WORDS] __rte_cache_aligned;
	const struct cls_node *cand_node[VS_CLS_CAND_MAX];
	uint32_t cand_hv[VS_CLS_CAND_MAX];
	uint16_t cand_koff[VS_CLS_CAND_MAX];
	uint8_t cand_lane[VS_CLS_CAND_MAX];
	uint8_t cand_st[VS_CLS_CAND_MAX];
	uint8_t cand_dup[VS_CLS_CAND_MAX]; /* same subtable and masked key as the one before */
	/* The flow-key words of the burst's TSS lanes as columns of 32-bit
	 * halves, col[word][half][lane], filled on first use in a burst. */
	uint32_t col[VS_FLOW_KEY_WORDS][2][VS_CLS_BURST_MAX] __rte_cache_aligned;
	uint32_t emc_hash[VS_CLS_BURST_MAX];
	int32_t best_prio[VS_CLS_BURST_MAX];
	uint32_t best_id[VS_CLS_BURST_MAX];
	uint64_t best_tb[VS_CLS_BURST_MAX];
};

enum cls_retire_kind {
	CLS_RET_SNAP,	   /* free a snapshot */
	CLS_RET_NODE,	   /* free a node */
	CLS_RET_RULE_DEAD, /* grace after the deleting commit: take out of its node */
	CLS_RET_RULE,	   /* grace after leaving its node: free data, recycle id */
	CLS_RET_HASH,	   /* free a table replaced by a bigger one */
	CLS_RET_SUBTABLE,  /* an emptied subtable */
};

struct cls_retire {
	uint64_t token;
	void *ptr;
	int32_t aux;
	uint8_t kind;
};

struct vs_cls_txn {
	struct vs_cls *cls;
	struct cls_rule *adds; /* staged adds (state may turn FREE if deleted again) */
	struct cls_rule *dels; /* staged deletions */
	uint32_t n_adds;
	uint32_t n_dels;
};

/*
 * Node memory: nodes of up to CLS_SLAB_CLASSES cache lines come from slabs
 * of CLS_SLAB_BYTES carved into equal objects, one free list per size in
 * lines; larger nodes from rte_malloc. Per-node rte_malloc was measured to
 * cost the update rate a factor of 18 (bench/cls, 100k rules): its free lists
 * fill with fragments too small for the next node and are walked on every
 * allocation. Slabs go back to rte_malloc only when the classifier is
 * destroyed. Control thread only.
 */
#define CLS_SLAB_CLASSES 8u
#define CLS_SLAB_BYTES	 (64u * 1024u)

struct cls_slab_obj {
	struct cls_slab_obj *next;
};

struct vs_cls {
	struct cls_snap *snap; /* dp: acquire load; ctl: release store */
	uint64_t gen;	       /* dp: none; ctl: rw (atomic for getters) */
	struct rte_rcu_qsbr *qsbr;
	vs_cls_data_free_fn data_free;
	void *data_free_arg;
	uint32_t max_rules;
	int socket_id;
	uint32_t uid; /* names this classifier's hash tables */
	uint32_t hash_seq;
	struct cls_rule *pool; /* [max_rules], rule id = index */
	uint32_t *free_ids;    /* stack */
	uint32_t n_free_ids;
	uint32_t n_visible; /* rules visible in the current generation */
	uint32_t free_slots[VS_CLS_MAX_SUBTABLES];
	uint32_t n_free_slots;
	uint32_t n_st;
	TAILQ_HEAD(, cls_subtable) subtables;
	struct cls_subtable *port_st;  /* the in_port-only mask, if any */
	struct cls_subtable *pvlan_st; /* the in_port + VLAN id mask, if any */
	struct vs_cls_txn *txn;	       /* the open transaction */
	struct cls_retire *ret;	       /* FIFO ring of retired objects */
	uint32_t ret_head;
	uint32_t ret_len;
	uint32_t ret_cap;
	TAILQ_HEAD(, vs_cls_ctx) ctxs;
	struct cls_slab_obj *slab_free[CLS_SLAB_CLASSES]; /* by size in lines - 1 */
	void **slabs;					  /* every slab, freed by vs_cls_destroy */
	uint32_t n_slabs;
	uint32_t slabs_cap;
	char name[32];
};

/* Relaxed counter update by the single owner; readers load it relaxed. */
#define VS_CLS_CNT_ADD(p, v) __atomic_store_n((p), *(p) + (v), __ATOMIC_RELAXED)
#define VS_CLS_CNT_GET(p)    __atomic_load_n((p), __ATOMIC_RELAXED)

static inline bool
cls_rule_visible(const struct cls_rule *r, uint64_t gen)
{
	return __atomic_load_n(&r->add_gen, __ATOMIC_RELAXED) <= gen &&
	       gen < __atomic_load_n(&r->del_gen, __ATOMIC_RELAXED);
}

/* Id of a published rule, from its address alone (no memory access). */
static inline uint32_t
cls_rule_id_of(const struct vs_cls *cls, const struct vs_cls_rule *r)
{
	return (uint32_t)((const struct cls_rule *)(const void *)((const char *)r -
								  offsetof(struct cls_rule, pub)) -
			  cls->pool);
}

/* (prio, tiebreak, id) a beats b. */
static inline bool
cls_rank_better(int32_t pa, uint64_t ta, uint32_t ia, int32_t pb, uint64_t tb, uint32_t ib)
{
	if (pa != pb)
		return pa > pb;
	if (ta != tb)
		return ta < tb;
	return ia < ib;
}

#endif /* VS_CLS_PRIV_H */
