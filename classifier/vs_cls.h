/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The classifier: prioritised wildcard rules over struct vs_flow_key.
 *
 * Threads. One control thread is the only writer: it creates the classifier,
 * adds and deletes rules in transactions and commits them. Any number of
 * workers read concurrently and lock-free through their own struct vs_cls_ctx
 * (exact-match cache + counters). A commit publishes a new generation with a
 * release store; a burst looked up by a worker sees exactly one generation
 * (all of a transaction or none of it). Memory of deleted rules and emptied
 * subtables is reclaimed only after every worker registered with the
 * rte_rcu_qsbr variable has reported quiescence.
 *
 * Semantics. A packet's verdict is the visible rule with the highest priority
 * whose match covers it. Among rules of equal priority that both match, the one
 * with the lower tiebreak value wins (the control plane passes the rule's
 * position in the config file, so "earlier in the file wins"). Callers keep
 * tiebreak values unique; should two matching rules still tie, the lower rule
 * id wins, so the verdict never depends on lookup order.
 */
#ifndef VS_CLS_H
#define VS_CLS_H

#include <stdbool.h>
#include <stdint.h>

#include "vs_flow_key.h"

struct rte_rcu_qsbr;

/* A match: key bits that matter are those set in mask; key is stored masked. */
struct vs_cls_match {
	struct vs_flow_key key;
	struct vs_flow_key mask;
};

/* A rule as readers see it. Fields are read-only once added. */
struct vs_cls_rule {
	int32_t priority;  /* higher wins */
	uint32_t id;	   /* dense slot id < max_rules: index of per-worker counters */
	uint64_t tiebreak; /* lower wins among equal priorities */
	void *data;	   /* caller's (actions); freed through data_free after grace */
	struct vs_cls_match match;
};

typedef void (*vs_cls_data_free_fn)(void *data, void *arg);

struct vs_cls_params {
	const char *name; /* unique among classifiers of the process */
	/* capacity; 0 means 65536; below 2^24 - 1 for a context with an EMC
	 * (its entries keep rule id + 1 in 24 bits) */
	uint32_t max_rules;
	int socket_id;		       /* NUMA socket for tables; SOCKET_ID_ANY is fine */
	struct rte_rcu_qsbr *qsbr;     /* readers' QSBR; NULL: no concurrent readers */
	vs_cls_data_free_fn data_free; /* may be NULL */
	void *data_free_arg;
};

struct vs_cls;
struct vs_cls_txn;
struct vs_cls_ctx;

/* ---- control thread ------------------------------------------------------ */

/* NULL and errno on failure. */
struct vs_cls *vs_cls_create(const struct vs_cls_params *p);
/* Accepts NULL. No reader may still be using it. Frees all rule data. */
void vs_cls_destroy(struct vs_cls *cls);

/* One open transaction at a time. NULL and errno (EBUSY, ENOMEM) on failure. */
struct vs_cls_txn *vs_cls_txn_begin(struct vs_cls *cls);
/*
 * Stage a rule. The match key is masked on the way in. Returns 0 and the
 * rule (not visible to readers before commit) in *out (out may be NULL), or
 * -ENOSPC (max_rules), -EEXIST (same match, priority and tiebreak staged or
 * live), -ENOMEM, -EINVAL.
 */
int vs_cls_rule_add(struct vs_cls_txn *txn, const struct vs_cls_match *m, int32_t priority,
		    uint64_t tiebreak, void *data, struct vs_cls_rule **out);
/* Stage a deletion of a live rule or one added in this transaction. */
int vs_cls_rule_del(struct vs_cls_txn *txn, struct vs_cls_rule *rule);
/* Take back a deletion staged in this transaction: the rule stays live.
 * 0, or -ENOENT (not a deletion of this transaction). O(deletions staged). */
int vs_cls_rule_undel(struct vs_cls_txn *txn, struct vs_cls_rule *rule);
/* Publish atomically. Returns 0 or -errno (the transaction is then aborted
 * and the running generation untouched). The txn is freed either way. */
int vs_cls_txn_commit(struct vs_cls_txn *txn);
/* Drop the staged changes; the running generation is untouched. */
void vs_cls_txn_abort(struct vs_cls_txn *txn);

/* Free what earlier commits retired and every reader has passed. Cheap;
 * the control thread calls it periodically. Returns objects freed. */
unsigned vs_cls_reclaim(struct vs_cls *cls);

/* Current generation number (incremented by each commit that changed something). */
uint64_t vs_cls_generation(const struct vs_cls *cls);
uint32_t vs_cls_rule_count(const struct vs_cls *cls);

/* Iterate live rules (control thread). Returns 0 to continue from cb. */
typedef int (*vs_cls_rule_iter_fn)(const struct vs_cls_rule *r, void *arg);
int vs_cls_rule_foreach(struct vs_cls *cls, vs_cls_rule_iter_fn cb, void *arg);

/* Expand the inclusive range [lo, hi] of a 16-bit field into value/mask
 * pairs (at most 30). Returns the number written to val[]/mask[]. */
unsigned vs_cls_range_to_masks(uint16_t lo, uint16_t hi, uint16_t *val, uint16_t *mask);

/* ---- per worker ----------------------------------------------------------- */

struct vs_cls_ctx_params {
	uint32_t emc_entries; /* power of two; 0 disables the EMC (default 8192 set by caller) */
	int socket_id;
};

/* Created by the control thread for each worker, before the worker runs. */
struct vs_cls_ctx *vs_cls_ctx_create(struct vs_cls *cls, const struct vs_cls_ctx_params *p);
void vs_cls_ctx_destroy(struct vs_cls_ctx *ctx);

/*
 * Fast path. Look up n (<= 64) keys; out[i] is the winning rule or NULL.
 * The returned rules stay valid until the calling worker next reports
 * quiescence to the QSBR variable.
 */
void vs_cls_lookup_burst(struct vs_cls_ctx *ctx, const struct vs_flow_key *keys, uint16_t n,
			 const struct vs_cls_rule **out);

/*
 * The same for n keys that all have one in_port (as an rx burst does): that
 * port's fast-path entry is read once for the burst rather than once a key.
 * A key of another port may get a wrong answer.
 */
void vs_cls_lookup_port_burst(struct vs_cls_ctx *ctx, const struct vs_flow_key *keys, uint16_t n,
			      const struct vs_cls_rule **out);

/*
 * The rule that vs_cls_lookup_burst gives every key of in_port, whatever its
 * other fields (a port-only rule, and no rule of that port for a VLAN), or
 * NULL when the answer depends on more than in_port. A caller that takes it
 * for n packets instead of looking their keys up counts them with
 * vs_cls_port_hits (lookups, port-fast hits, the rule's hits). Valid for as
 * long as the rules vs_cls_lookup_burst returns. Those packets also count
 * as port_fast_keyless.
 */
const struct vs_cls_rule *vs_cls_port_rule(const struct vs_cls_ctx *ctx, uint16_t in_port);
void vs_cls_port_hits(struct vs_cls_ctx *ctx, const struct vs_cls_rule *r, uint16_t n);

/* ---- statistics (read by the control thread, written only by the owner) --- */

/*
 * Counters of one worker's context, declared once: X(field, help). They are
 * the fields of struct vs_cls_ctx_stats, the worker's live counters in its
 * context (the same struct) and the classifier counters every exporter shows.
 */
#define VS_CLS_CTX_COUNTERS(X)                                                                     \
	X(lookups, "Keys looked up by the classifier.")                                            \
	X(port_fast_hits, "Lookups answered by the in_port(+VLAN)-only fast path.")                \
	X(port_fast_keyless, "Port fast-path hits of whole bursts taken without flow keys.")       \
	X(emc_hits, "Lookups answered by the exact-match cache.")                                  \
	X(emc_misses, "Exact-match cache lookups that missed.")                                    \
	X(emc_inserts, "Flows inserted into the exact-match cache.")                               \
	X(emc_insert_skips, "EMC insertions skipped: by the insertion policy, or tunnel keys.")    \
	X(tss_hits, "EMC misses resolved by the tuple-space subtables.")                           \
	X(tss_misses, "Lookups no rule matched.")                                                  \
	X(subtable_probes, "Subtable lookups done (one per key and subtable searched).")

struct vs_cls_ctx_stats {
#define VS_CLS_CTX_FIELD_(field, help) uint64_t field;
	VS_CLS_CTX_COUNTERS(VS_CLS_CTX_FIELD_)
#undef VS_CLS_CTX_FIELD_
	uint32_t emc_insert_shift; /* gauge: current insertion probability is 1/2^shift */
	/* Gauges of the EMC's cost policy, as of the last window: bypassed
	 * (trials included) or on (probes included), and the classification
	 * cycles per key it measured each way (0: not measured yet). */
	uint32_t emc_bypassed;
	uint32_t emc_cycles_on;
	uint32_t emc_cycles_off;
};

void vs_cls_ctx_stats_get(const struct vs_cls_ctx *ctx, struct vs_cls_ctx_stats *out);
/* Packets that hit rule r in this worker (0 for a rule id never hit). */
uint64_t vs_cls_ctx_rule_hits(const struct vs_cls_ctx *ctx, uint32_t rule_id);

struct vs_cls_subtable_info {
	struct vs_flow_key mask;
	int32_t max_priority;
	uint32_t n_rules;
	uint64_t lookups; /* summed over the ctxs passed */
	uint64_t hits;
};

/* Fill up to max entries in lookup order; returns the number of subtables. */
unsigned vs_cls_subtables(struct vs_cls *cls, struct vs_cls_ctx *const *ctxs, unsigned n_ctx,
			  struct vs_cls_subtable_info *out, unsigned max);

/* Re-rank subtables of equal max priority by the hits seen since the last
 * call (summed over ctxs), most hit first; publishes a new order. */
void vs_cls_rerank(struct vs_cls *cls, struct vs_cls_ctx *const *ctxs, unsigned n_ctx);

#endif /* VS_CLS_H */
