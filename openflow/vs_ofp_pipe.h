/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenFlow tables and their flattening into one classifier.
 *
 * The controller's flows are kept here as the truth, per table (match,
 * priority, cookie, apply actions, action set writes, clear, goto,
 * timeouts, flags). The switch's fast path has one classifier and one
 * exact-match cache, so the pipeline is compiled into derived rules: a
 * table-0 flow that goes to table u is combined with every flow of u whose
 * match intersects its own, recursively, and each combination (a path
 * through the tables) is one classifier rule whose match is the
 * intersection, whose actions are the apply actions of the path in order
 * followed by the merged action set, and whose order is the path's
 * priorities compared lexicographically (table 0's priority is the
 * classifier priority, the later tables' priorities are encoded in the
 * tiebreak). A packet's final verdict for its exact key is then one
 * classifier result, which the EMC caches: a multi-table pipeline costs
 * one EMC hit per packet.
 *
 * A flow_mod changes the flows of one table and recomputes the paths of
 * only the table-0 flows whose paths visit that table; derived rules that
 * come out the same keep their classifier entries and counters. All of it
 * goes to the switch through a backend (one transaction per flow_mod, all or
 * nothing), which tests replace with a double. Control thread only; no
 * DPDK here.
 */
#ifndef VS_OFP_PIPE_H
#define VS_OFP_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vs_config.h"

#define VS_OFP_PIPE_MAX_TABLES 254
/* tables one path may visit (table 0 and three gotos): the priorities of
 * the three later tables fill the classifier tiebreak */
#define VS_OFP_PIPE_MAX_DEPTH 4
#define VS_OFP_PIPE_NO_GOTO   0xff

struct vs_ofp_pipe;
struct vs_ofp_pflow;

/* One derived classifier rule: a path through the tables. */
struct vs_ofp_drv {
	struct vs_ofp_pflow *path[VS_OFP_PIPE_MAX_DEPTH]; /* the flows it passes */
	uint8_t depth;					  /* flows in path */
	bool miss;	 /* ends in a table without a matching flow: dropped there */
	uint64_t levels; /* later tables' priorities (ordering within table 0's) */
	/* match (on the packet as received), priority, actions: made by a
	 * change, freed once committed when the backend gives its copy back
	 * (ops->spec), so a derived rule is not held twice */
	struct vs_cfg_rule *spec;
	uint64_t cookie; /* packet-in: the flow that sends to the controller */
	uint8_t table_id;
	bool miss_flow;
	void *handle; /* the backend's rule */
	bool keep;    /* (during a change) unchanged, kept */
	struct vs_ofp_drv *next;
};

/* One OpenFlow flow. */
struct vs_ofp_pflow {
	uint8_t table_id;
	uint16_t priority;
	struct vs_cfg_match match;
	uint64_t cookie;
	uint16_t flags, idle_timeout, hard_timeout;
	/* apply (in order) then write (the action set it writes): one block of
	 * n_apply + n_write actions the flow owns, never NULL */
	struct vs_cfg_action *apply;
	uint32_t n_apply;
	struct vs_cfg_action *write;
	uint32_t n_write;
	bool clear;	    /* CLEAR_ACTIONS */
	uint8_t goto_table; /* VS_OFP_PIPE_NO_GOTO: none */
	uint64_t created_ns;
	uint64_t used_ns;		/* when its packet count last moved (idle timeout) */
	uint64_t seen_pkts;		/* the packet count then */
	uint64_t pkts_base, bytes_base; /* counts of its derived rules that are gone */
	uint64_t pkts, bytes;		/* scratch: the last vs_ofp_pipe_count */
	uint32_t n_drv;			/* derived rules through it */
	/* internal */
	struct vs_ofp_drv *drv;	    /* table 0: the derived rules of its paths */
	struct vs_ofp_drv *drv_new; /* table 0, during a change */
	uint8_t visits[32];	    /* table 0: tables its paths visit (bitmap) */
	uint8_t visits_new[32];	    /* during a change */
	uint32_t state;		    /* during a change */
	bool born;		    /* during a change: added by it */
	bool in_chg;		    /* during a change: on its change list */
	bool report;		    /* going: FLOW_REMOVED (if flagged) with reason */
	uint8_t reason;
	struct vs_ofp_pflow *saved; /* modify: the instructions before */
	struct vs_ofp_pflow *next;  /* its table's flows, priority descending */
	struct vs_ofp_pflow *hnext; /* its bucket of the (table, priority, match) index */
	uint64_t hkey;		    /* its hash there */
};

/* How the derived rules reach the switch, and the clock. */
struct vs_ofp_pipe_ops {
	int (*begin)(void *arg);
	/* stage d (spec, levels, cookie...): set d->handle. 0 or -errno
	 * (-EEXIST: the tiebreak is taken, try another) */
	int (*add)(void *arg, struct vs_ofp_drv *d, uint64_t tiebreak, char *msg, size_t size);
	int (*del)(void *arg, struct vs_ofp_drv *d);
	int (*commit)(void *arg, char *msg, size_t size);
	void (*abort)(void *arg);
	/* packets and bytes that hit d so far */
	void (*counters)(void *arg, const struct vs_ofp_drv *d, uint64_t *pkts, uint64_t *bytes);
	uint64_t (*now_ns)(void *arg); /* CLOCK_MONOTONIC */
	/* the spec the backend keeps for committed d; NULL: the pipe keeps its own */
	const struct vs_cfg_rule *(*spec)(void *arg, const struct vs_ofp_drv *d);
};

/* FLOW_REMOVED reasons (enum ofp_flow_removed_reason). */
enum {
	VS_OFP_RR_IDLE_TIMEOUT = 0,
	VS_OFP_RR_HARD_TIMEOUT = 1,
	VS_OFP_RR_DELETE = 2,
};

/* A flow going away with its final counts (f is freed after the call). */
typedef void (*vs_ofp_pipe_removed_fn)(void *arg, const struct vs_ofp_pflow *f, uint8_t reason,
				       uint64_t age_ns, uint64_t pkts, uint64_t bytes);

struct vs_ofp_pipe *vs_ofp_pipe_create(uint32_t n_tables, const struct vs_ofp_pipe_ops *ops,
				       void *arg);
/* Frees the flows (the derived rules in the switch are left as they are). Accepts NULL. */
void vs_ofp_pipe_destroy(struct vs_ofp_pipe *p);
uint32_t vs_ofp_pipe_n_tables(const struct vs_ofp_pipe *p);

/* Errors of a change: an OpenFlow error type and code and a sentence. */
struct vs_ofp_pipe_err {
	uint16_t type, code;
	char msg[256];
};

/* What a FLOW_MOD asks, in switch terms. */
struct vs_ofp_pipe_mod {
	uint8_t command; /* VS_OFPFC_* */
	uint8_t table_id;
	uint16_t priority;
	struct vs_cfg_match match;
	uint64_t cookie, cookie_mask;
	uint16_t flags, idle_timeout, hard_timeout;
	/* selecting flows by output (delete): filter(arg, flow) true to keep */
	bool (*filter)(void *arg, const struct vs_ofp_pflow *f);
	void *filter_arg;
	struct vs_cfg_action apply[VS_CFG_MAX_ACTIONS];
	uint32_t n_apply;
	struct vs_cfg_action write[VS_CFG_MAX_ACTIONS];
	uint32_t n_write;
	bool clear;
	uint8_t goto_table;
};

/*
 * Apply one FLOW_MOD as one backend transaction. 0, or -errno with err set
 * (the tables and the switch are then as before). Flows a delete removes
 * that have OFPFF_SEND_FLOW_REM are reported to removed (may be NULL).
 */
int vs_ofp_pipe_flow_mod(struct vs_ofp_pipe *p, const struct vs_ofp_pipe_mod *m,
			 vs_ofp_pipe_removed_fn removed, void *arg, struct vs_ofp_pipe_err *err);

/*
 * Remove the flows whose idle or hard timeout passed (one transaction),
 * reporting every one to removed. The number removed, or -errno.
 */
/*
 * A batch (an OpenFlow bundle): the flow_mods between begin and commit
 * change the tables in order, each seeing what the ones before it did, and
 * the derived rules are recomputed and committed once, in one rule
 * transaction, at the commit. A failed flow_mod leaves the batch open: the
 * caller aborts it, which puts the tables back as they were at the begin.
 * A failed commit has undone everything too. No expiry runs in between.
 */
void vs_ofp_pipe_batch_begin(struct vs_ofp_pipe *p);
int vs_ofp_pipe_batch_commit(struct vs_ofp_pipe *p, vs_ofp_pipe_removed_fn removed, void *arg,
			     struct vs_ofp_pipe_err *err);
void vs_ofp_pipe_batch_abort(struct vs_ofp_pipe *p);

int vs_ofp_pipe_expire(struct vs_ofp_pipe *p, vs_ofp_pipe_removed_fn removed, void *arg);

/* Fill every flow's pkts/bytes (its derived rules' counts and the base). */
void vs_ofp_pipe_count(struct vs_ofp_pipe *p);

/* The flows of table t (priority descending) / the next. */
struct vs_ofp_pflow *vs_ofp_pipe_first(struct vs_ofp_pipe *p, uint32_t t);

/* Flows and derived rules. */
uint32_t vs_ofp_pipe_n_flows(const struct vs_ofp_pipe *p, uint32_t t);
uint32_t vs_ofp_pipe_n_derived(const struct vs_ofp_pipe *p);

/* Whether every packet m matches, req matches (a non-strict MODIFY/DELETE). */
bool vs_ofp_pipe_covers(const struct vs_cfg_match *req, const struct vs_cfg_match *m);
/* Whether a and b match the same packets, written the same way. */
bool vs_ofp_pipe_match_same(const struct vs_cfg_match *a, const struct vs_cfg_match *b);
/* The intersection of a and b in out; false when no packet matches both. */
bool vs_ofp_pipe_intersect(const struct vs_cfg_match *a, const struct vs_cfg_match *b,
			   struct vs_cfg_match *out);

#endif /* VS_OFP_PIPE_H */
