/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenFlow 1.3 front end: a passive listener (ptcp:PORT[:IP] bound to
 * 127.0.0.1 by default, or punix:PATH with mode 0600) whose connections are
 * served from the control loop, and the translation of FLOW_MODs into rule
 * transactions of source VS_RULE_SRC_OPENFLOW on the switch's rule table.
 *
 * The control loop polls one fd (vs_ofp_fd: an epoll set of the listener
 * and every connection), calls vs_ofp_serve when it is readable and
 * vs_ofp_tick periodically (inactivity probes). Control thread only.
 */
#ifndef VS_OPENFLOW_H
#define VS_OPENFLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "vs_config.h"
#include "vs_ofp.h"

struct vs_switch;
struct vs_ofp_srv;

struct vs_ofp_params {
	const char *listen; /* "ptcp:PORT[:IP]" or "punix:PATH"; NULL or "": none */
	/* active connections ("tcp:IP:PORT", "unix:PATH"), reconnecting with
	 * back-off from 1 s to 8 s */
	const char *controllers[VS_CFG_MAX_CONTROLLERS];
	uint32_t n_controllers;
	bool miss_to_controller; /* table misses become packet-ins */
	uint32_t packet_in_rate; /* per controller per second; 0 = 1000 */
	uint64_t datapath_id;
	uint32_t probe_ms; /* inactivity probe interval; 0 = 5000 */
	uint32_t n_tables; /* OpenFlow tables; 0 = 8 */
	/* fail_mode standalone: while no controller is connected (none past
	 * HELLO for longer than probe_ms, or none since the start), a
	 * MAC-learning fallback rule (vs_ofp_fallback_set) takes the misses */
	bool standalone;
	struct vs_switch *sw;
	/* the running config (port names and ofport numbers), read anew for
	 * every message: a reload may replace it */
	const struct vs_config *const *cfg;
};

/* Open the listener. NULL and errno, with err filled (may be NULL). */
struct vs_ofp_srv *vs_ofp_open(const struct vs_ofp_params *p, struct vs_cfg_error *err);
/* Close every connection and the listener (a punix socket file is removed). Accepts NULL. */
void vs_ofp_close(struct vs_ofp_srv *s);
/* The fd to poll for input; -1 for NULL. */
int vs_ofp_fd(const struct vs_ofp_srv *s);
/* Accept, read, answer and write what is ready; never blocks. */
void vs_ofp_serve(struct vs_ofp_srv *s);
/* Periodic work: echo probes and closing silent peers, connecting to the
 * controllers that are due. now_ms: CLOCK_MONOTONIC. */
void vs_ofp_tick(struct vs_ofp_srv *s, uint64_t now_ms);
/* Remove the flows whose idle or hard timeout passed and send their
 * FLOW_REMOVED (a periodic job of the control loop). */
void vs_ofp_timeouts(struct vs_ofp_srv *s);
/*
 * The ports may have changed (a reload added, removed or renumbered one; a
 * link went up or down; a vhost guest came or went): tell the controllers
 * what did (PORT_STATUS ADD, DELETE, MODIFY), compared with what they were
 * last told. Accepts NULL.
 */
void vs_ofp_ports_changed(struct vs_ofp_srv *s);
/* Send the packet-ins the workers queued (every few ms); never blocks. */
void vs_ofp_packet_ins(struct vs_ofp_srv *s);

struct vs_ofp_conn_info {
	char peer[64];
	bool active;  /* a configured controller (else accepted by the listener) */
	bool up;      /* connected and past HELLO */
	char role[8]; /* "equal", "master", "slave" */
	uint64_t role_changes;
	uint64_t rx_msgs, tx_msgs, flow_mods, errors_sent, errors_rcvd;
	uint64_t packet_ins, packet_outs;
	uint32_t bundles_open;
	uint64_t bundles_committed, bundles_failed;
	double connected_s;
};

struct vs_ofp_info {
	char listen[VS_CFG_PATH_MAX + 8];
	uint64_t datapath_id;
	uint64_t accepted, refused_version, probes_closed;
	uint32_t n_conns;
	bool miss_to_controller; /* table_miss: controller */
	/* packet-in: taken from the workers' rings, sent, refused by the rate
	 * limit, dropped with no controller up */
	uint64_t pin_queued, pin_sent, pin_rate_limited, pin_no_controller;
	uint64_t pin_unwanted; /* controllers up, none wanted it (slaves, SET_ASYNC) */
	/* roles: the generation_id of the last MASTER/SLAVE request, stale ones refused */
	uint64_t generation_id;
	bool generation_known;
	uint64_t stale_refused;
	/* packet-out: frames handed to the ports, refused */
	uint64_t pout_sent, pout_dropped;
	/* tables, the flows in them and the classifier rules they became */
	uint32_t n_tables, n_flows, n_derived;
	uint64_t expired, flow_removed_sent; /* flows timed out; FLOW_REMOVED messages */
	/* fail mode: whether a controller is connected now, for how long none
	 * has been (ms; 0 when one is), transitions between the two, and the
	 * standalone fallback rule */
	bool standalone;
	bool controller_connected;
	bool no_controller; /* the fail mode is in force (none past the grace) */
	uint64_t no_controller_ms;
	uint64_t fail_transitions;
	bool fallback;
	uint64_t fallback_errors;
	uint64_t port_status_sent; /* PORT_STATUS messages queued */
};

/* Counters and up to max connections (for show openflow); the number written. */
uint32_t vs_ofp_info(const struct vs_ofp_srv *s, struct vs_ofp_info *info,
		     struct vs_ofp_conn_info *conns, uint32_t max);

/* ---- fail_mode standalone: the fallback rule (ofp_fail.c) ---- */

/*
 * Add (on) or remove the fallback rule: source VS_RULE_SRC_FALLBACK,
 * priority 0, match all, action normal, before every runtime rule of
 * priority 0 (it stands in for a controller's table-miss flow) and after
 * the file's. One rule transaction; nothing when it already is as asked.
 * 0 or -errno with err filled.
 */
int vs_ofp_fallback_set(struct vs_switch *sw, bool on, struct vs_cfg_error *err);
/* Whether the fallback rule is live. */
bool vs_ofp_fallback_present(struct vs_switch *sw);

/* ---- the OpenFlow tables over the rule table (ofp_flow.c) ---- */

struct vs_ofp_tables;

/* A flow went (timeout, or a delete of a flow with OFPFF_SEND_FLOW_REM). */
typedef void (*vs_ofp_flow_removed_fn)(void *arg, const struct vs_ofp_flow_removed *fr);

/* n_tables tables (1..254) over sw's rules. NULL and errno. */
struct vs_ofp_tables *vs_ofp_tables_create(struct vs_switch *sw, uint32_t n_tables,
					   vs_ofp_flow_removed_fn removed, void *arg);
/* Accepts NULL. The derived rules stay in the switch. */
void vs_ofp_tables_destroy(struct vs_ofp_tables *t);
/* Tables, flows in all of them, and the classifier rules they became. */
void vs_ofp_tables_info(const struct vs_ofp_tables *t, uint32_t *n_tables, uint32_t *n_flows,
			uint32_t *n_derived);

/*
 * Apply one FLOW_MOD as one rule transaction. 0, or -errno with e set to the
 * OpenFlow error to send and msg (may be NULL) saying why.
 */
int vs_ofp_flow_mod(struct vs_ofp_tables *t, const struct vs_config *cfg,
		    const struct vs_ofp_flow_mod *fm, struct vs_ofp_err *e, char *msg, size_t size);
/*
 * A bundle: the FLOW_MODs between begin and commit (through vs_ofp_flow_mod)
 * change the tables in order and reach the switch as one rule transaction
 * at the commit; a refused FLOW_MOD or commit is followed by abort (after a
 * failed commit it has nothing left to undo), which leaves every table as it
 * was at the begin.
 */
void vs_ofp_bundle_begin(struct vs_ofp_tables *t);
int vs_ofp_bundle_commit(struct vs_ofp_tables *t, const struct vs_config *cfg, struct vs_ofp_err *e,
			 char *msg, size_t size);
void vs_ofp_bundle_abort(struct vs_ofp_tables *t);
/* Remove the flows whose idle or hard timeout passed (one transaction);
 * how many, or -errno. */
int vs_ofp_expire(struct vs_ofp_tables *t, const struct vs_config *cfg);

/* Append the FLOW multipart reply(ies) for req to b. 0 or -errno (e set). */
int vs_ofp_flow_stats(struct vs_ofp_tables *t, const struct vs_config *cfg,
		      const struct vs_ofp_flow_stats_req *req, uint32_t xid, struct vs_ofp_buf *b,
		      struct vs_ofp_err *e);
/* The AGGREGATE reply for req (the same selection as FLOW). */
int vs_ofp_aggregate_stats(struct vs_ofp_tables *t, const struct vs_config *cfg,
			   const struct vs_ofp_flow_stats_req *req, uint32_t xid,
			   struct vs_ofp_buf *b, struct vs_ofp_err *e);
/* The TABLE reply: every table. */
int vs_ofp_table_stats(struct vs_ofp_tables *t, uint32_t xid, struct vs_ofp_buf *b);

/* OXM match <-> rule match (ports by ofport number). 0 or -EBADMSG with e set. */
int vs_ofp_match_to_cfg(const struct vs_config *cfg, const struct vs_ofp_match *m,
			struct vs_cfg_match *out, struct vs_ofp_err *e);
/* -ENOENT when the rule match cannot be written as OXM (an L4 range, an unknown port). */
int vs_ofp_match_from_cfg(const struct vs_config *cfg, const struct vs_cfg_match *m,
			  struct vs_ofp_match *out);

#endif /* VS_OPENFLOW_H */
