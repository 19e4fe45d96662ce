/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Switch rules: objects with identity, changed incrementally.
 *
 * Every rule the switch runs, whatever its source (the config file, a ctl
 * request, an OpenFlow controller), is one struct vs_sw_rule owned by the
 * switch: its spec (a struct vs_cfg_rule), its compiled action list, the one
 * or more classifier rules it expanded into (L4 port ranges), a stable id and
 * counters that survive every change that leaves the rule alone.
 *
 * Changes are transactions (struct vs_rule_txn): add / del / mod of single
 * rules, each one classifier operation, O(1) in the size of the ruleset;
 * commit publishes all of them at once (a packet sees all or none) through the
 * classifier's generation and RCU. A reload of the file is planned into one
 * such transaction of only the rules that changed.
 *
 * Order among equal priorities ("earlier in the file wins", then runtime
 * rules in the order they were added) is the classifier tiebreak; it is gap
 * numbered so that a rule inserted between two others takes a value between
 * theirs and nobody is renumbered.
 *
 * Control thread only.
 */
#ifndef VS_RULES_H
#define VS_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "vs_config.h"

struct vs_switch;
struct vs_cls_rule;
struct vs_actions;

enum vs_rule_source {
	VS_RULE_SRC_FILE = 0, /* the config file's rules: section */
	VS_RULE_SRC_CTL,      /* nfvswitch-ctl rule add / batch */
	VS_RULE_SRC_OPENFLOW, /* a controller's flow_mod */
	VS_RULE_SRC_FALLBACK, /* openflow fail_mode standalone: the switch's own while
			       * no controller is connected */
	VS_RULE_SRC_MAX
};

/* "file", "ctl", "openflow", "fallback". */
const char *vs_rule_source_str(enum vs_rule_source s);

/* Tiebreak ranges: file rules first, then runtime rules, by source. */
#define VS_TB_FILE_BASE	   (UINT64_C(1) << 40)
#define VS_TB_FILE_STEP	   (UINT64_C(1) << 20) /* gap between consecutive file rules */
#define VS_TB_RUNTIME_BASE (UINT64_C(1) << 62)
#define VS_TB_RUNTIME_STEP (UINT64_C(1) << 20)
/* The fallback rule: after every file rule, before every runtime rule of its
 * priority (it stands in for a controller's table-miss flow). */
#define VS_TB_FALLBACK (VS_TB_RUNTIME_BASE - VS_TB_RUNTIME_STEP)

struct vs_sw_rule {
	uint64_t uid;		  /* stable id, never reused in a process */
	enum vs_rule_source src;  /* who owns it */
	uint64_t cookie;	  /* the owner's tag (OpenFlow cookie); 0 for file/ctl */
	uint8_t table_id;	  /* OpenFlow table (0 for file/ctl) */
	uint64_t tiebreak;	  /* classifier tiebreak (order among equal priorities) */
	struct vs_actions *acts;  /* compiled; shared by its classifier rules */
	struct vs_cls_rule **cls; /* its classifier rules (n_cls of them) */
	uint32_t n_cls;
	uint64_t created_ns; /* CLOCK_MONOTONIC when it was first added (a mod keeps it) */
	uint64_t hits_base;  /* packets counted before it was last re-added */
	uint64_t bytes_base; /* bytes likewise */
	/* ctl only: links of the rule table */
	struct vs_sw_rule *prev, *next; /* live rules, in the order they became live */
	struct vs_sw_rule *name_next;	/* name hash chain */
	struct vs_sw_rule *key_next;	/* src + priority + match hash chain */
	uint32_t txn_state;		/* enum in rules.c */
	struct vs_sw_rule *txn_link;
	struct vs_sw_rule *replaces; /* mod: the rule this one replaces */
	bool reset_counts;	     /* mod: start from zero */
	/* Its first action is normal. Kept here: the rule table counts such
	 * rules when one leaves, and by then its action list may be freed. */
	bool normal;
	/* What it is (name, priority, match, actions, pos). Last: allocated
	 * with room for its own actions only (vs_cfg_rule_size). */
	struct vs_cfg_rule spec;
};

struct vs_rule_txn;

/* Begin a transaction on sw's rules. NULL and errno (EBUSY, ENOMEM). */
struct vs_rule_txn *vs_rule_txn_begin(struct vs_switch *sw);

/*
 * Stage a new rule from spec (copied). tiebreak 0 means "after every rule of
 * src" (runtime rules, and a file rule appended at the end); a non-zero value
 * is used as is (the reload planner computes gap numbers). Port names are
 * resolved against the running ports (and ports staged by the same apply).
 * Returns 0 and the staged rule in *out (out may be NULL) or -errno with err
 * filled: -EEXIST (name taken), -EINVAL (does not compile), -ENOSPC
 * (classifier.max_rules), -ENOMEM.
 */
int vs_rule_txn_add(struct vs_rule_txn *txn, const struct vs_cfg_rule *spec,
		    enum vs_rule_source src, uint64_t tiebreak, struct vs_sw_rule **out,
		    struct vs_cfg_error *err);

/* Stage the deletion of a live rule. 0 or -errno (-ENOENT: not live). */
int vs_rule_txn_del(struct vs_rule_txn *txn, struct vs_sw_rule *r, struct vs_cfg_error *err);

/*
 * Stage a replacement of live rule r by spec: one delete and one add in the
 * same transaction; the new rule keeps r's uid, age and counters (unless
 * reset_counts), and its tiebreak when tiebreak is 0. 0 or -errno; on error
 * r stays as it was.
 */
int vs_rule_txn_mod(struct vs_rule_txn *txn, struct vs_sw_rule *r, const struct vs_cfg_rule *spec,
		    uint64_t tiebreak, bool reset_counts, struct vs_sw_rule **out,
		    struct vs_cfg_error *err);

/* Publish everything staged at once. 0 or -errno (the transaction is then
 * aborted, the running rules untouched). The txn is freed either way. */
int vs_rule_txn_commit(struct vs_rule_txn *txn, struct vs_cfg_error *err);
/* Drop the staged changes. Accepts NULL. */
void vs_rule_txn_abort(struct vs_rule_txn *txn);

/* Staged operations of a transaction so far. */
struct vs_rule_txn_counts {
	uint32_t added, deleted, modified;
	uint32_t cls_added, cls_deleted; /* classifier operations */
};
void vs_rule_txn_counts(const struct vs_rule_txn *txn, struct vs_rule_txn_counts *out);

/* ---- lookups and iteration (live rules) --------------------------------------- */

uint32_t vs_switch_rule_count(const struct vs_switch *sw);
/* The live rule with this name, or NULL. */
struct vs_sw_rule *vs_switch_rule_by_name(struct vs_switch *sw, const char *name);
/* The live rule with this uid, or NULL. */
struct vs_sw_rule *vs_switch_rule_by_uid(struct vs_switch *sw, uint64_t uid);
/* The live rule of src with exactly this match and priority, or NULL. */
struct vs_sw_rule *vs_switch_rule_by_match(struct vs_switch *sw, const struct vs_cfg_match *m,
					   int32_t priority, enum vs_rule_source src);
/* A live rule of src that is exactly spec (positions aside), or NULL. */
struct vs_sw_rule *vs_switch_rule_find_spec(struct vs_switch *sw, const struct vs_cfg_rule *spec,
					    enum vs_rule_source src);
/* The live rule one of whose classifier rules is c (a lookup's verdict), or
 * NULL. A scan of the live rules' classifier rules: for debugging (trace). */
struct vs_sw_rule *vs_switch_rule_of_cls(struct vs_switch *sw, const struct vs_cls_rule *c);
/* First / next live rule, in the order they became live (any order, cheap). */
struct vs_sw_rule *vs_switch_rule_first(struct vs_switch *sw);
struct vs_sw_rule *vs_switch_rule_next(struct vs_switch *sw, struct vs_sw_rule *r);
/*
 * The live rules of the sources in src_mask (bit 1 << src) in file order:
 * by tiebreak, so the file's rules in the order of the file, then runtime
 * rules in the order they were added. malloc'd array in *out (free it); the
 * number of rules, or -ENOMEM.
 */
int vs_switch_rules_sorted(struct vs_switch *sw, uint32_t src_mask, struct vs_sw_rule ***out);

/* Make every live rule of source `from` one of source `to`, keeping its
 * classifier entries, uid, tiebreak and counters (a saved runtime rule is a
 * file rule from then on). No transaction may be open. Returns how many. */
uint32_t vs_switch_rules_adopt(struct vs_switch *sw, enum vs_rule_source from,
			       enum vs_rule_source to);

/* Packets and bytes that hit r, summed over workers and re-adds. */
void vs_switch_rule_counters(struct vs_switch *sw, const struct vs_sw_rule *r, uint64_t *pkts,
			     uint64_t *bytes);

/* Whether two rule specs are the same rule (positions are ignored). */
bool vs_rule_spec_same(const struct vs_cfg_rule *a, const struct vs_cfg_rule *b);
/* Whether two matches are equal (positions ignored). */
bool vs_rule_match_same(const struct vs_cfg_match *a, const struct vs_cfg_match *b);

#endif /* VS_RULES_H */
