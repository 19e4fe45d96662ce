/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's control plane: the state the control thread owns once the
 * switch runs (struct vs_daemon), reload, runtime rule changes, the control
 * socket nfvswitch-ctl talks to, rte_telemetry commands, and the
 * Prometheus/OpenMetrics exposition with its optional HTTP listener.
 *
 * Threads: everything here runs on the control thread except the telemetry
 * callbacks, which DPDK runs on its telemetry thread; they read only the
 * statistics copy the control thread refreshes under stats_lock.
 *
 * Protocol of the control socket (SOCK_STREAM unix socket, mode
 * control.socket_perm, default 0600): one request per connection, one line of
 * JSON each way:
 *   -> {"cmd": "show", "args": ["ports"]}
 *   <- {"ok": true, "result": ...}   or   {"ok": false, "error": "why"}
 * Commands: the table in vs_ctl_cmds.h ({"cmd": "help"} lists them).
 */
#ifndef VS_CTL_H
#define VS_CTL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include <rte_log.h>

#include "vs_config.h"
#include "vs_log.h"
#include "vs_ctl_client.h"
#include "vs_plan.h"
#include "vs_rules.h"
#include "vs_switch.h"
#include "vs_vf.h"
#include "vs_worker.h"

struct vs_ctl;
struct vs_metrics_srv;

/*
 * The control socket under load: its own I/O thread serves every client
 * without blocking, each within these bounds, and hands only complete
 * requests to the control thread (see app/ctl.c and docs/operations.md).
 */
#define VS_CTL_BACKLOG		  1024 /* listen() backlog: bursts of clients wait there */
#define VS_CTL_MAX_CLIENTS	  256  /* served at once; more wait in the backlog */
#define VS_CTL_REQUEST_TIMEOUT_MS 2000 /* from accept to the request's '\n' */
#define VS_CTL_REPLY_TIMEOUT_MS	  2000 /* for the client to take its reply */
#define VS_CTL_BUSY_MS		  1000 /* not taken by the control thread: "busy: ..." */

/* The module's one log type, nfvswitch.ctl (--log-level=nfvswitch.ctl:debug). */
extern int vs_ctl_logtype;
#define VS_CTL_LOG(level, ...) VS_LOG(level, vs_ctl_logtype, "ctl", __VA_ARGS__)

struct vs_ofp_srv;

struct vs_daemon {
	struct vs_switch *sw;
	struct vs_config *cfg;		 /* the file as last applied (rules added at runtime
					  * live in the switch's rule table, not here) */
	const struct vs_config *initial; /* the caller's, never freed here */
	char file[PATH_MAX];		 /* "" when running the built-in config */
	struct timespec file_mtime;	 /* of the last load, for control.watch_file */
	double t_start;			 /* CLOCK_MONOTONIC seconds */

	uint64_t reloads, reload_failures;
	char last_reload[1024]; /* outcome of the last reload, for show/metrics */

	/* Statistics copy for the telemetry thread and the rate window. */
	pthread_mutex_t stats_lock;
	bool lock_ready;
	struct vs_switch_stats *stats; /* guarded by stats_lock */
	/* ctl only: samples at the start and the end of the last full window
	 * of about a second (rate_dt seconds long). */
	struct vs_switch_stats *rate_prev, *rate_cur;
	double rate_dt;
	double t_rate; /* when rate_cur was taken */
	double t_copy; /* when stats was last refreshed */
	bool rate_window_ready;
	/* ctl only: what the request being served reads (stats, or stats_view
	 * = stats - stats_base once `stats clear` took a baseline). */
	const struct vs_switch_stats *view;
	struct vs_switch_stats *stats_base, *stats_view; /* NULL before stats clear */

	struct vs_ctl *ctl;
	struct vs_metrics_srv *metrics;
	struct vs_ofp_srv *ofp; /* the OpenFlow listener; NULL without openflow.listen */
	bool telemetry;

	/* SR-IOV: reconciled from the control loop; NULL when the config has no
	 * sriov: section (or it could not be managed: vf_error says why). */
	struct vs_vf_ctx *vf;
	const struct vs_vf_params *vf_params; /* NULL: the real PFs and sysfs */
	char vf_error[512];
	/* A config without VF ports the switch ran first (the VFs must exist
	 * before their ports open); the switch may point at it until the next
	 * apply succeeds. Freed with vs_daemon_free_staged(). */
	struct vs_config *staged;
	uint32_t vf_settle_ms; /* how long VFs may take before their ports open; 0: 10 s */

	/* ctl only: trace's classifier context (no EMC), created on the first
	 * trace; its lookups count in no worker's counters. */
	struct vs_cls_ctx *trace_ctx;
};

/* ---- daemon state (app/daemon.c) ------------------------------------------------ */

/*
 * Set up d for a running switch sw that applied cfg (loaded from file, or the
 * built-in when file is NULL). d keeps cfg as d->initial and never frees it.
 * 0 or -errno.
 */
int vs_daemon_init(struct vs_daemon *d, struct vs_switch *sw, const struct vs_config *cfg,
		   const char *file);
/*
 * Start managing the SR-IOV PFs of the running config (when it has any):
 * validate the sriov: section and create the reconcile context; the control
 * loop's vs_daemon_sriov_step() then programs the PFs. params NULL: the real PFs.
 * 0 or -errno, with the reason in d->vf_error (forwarding is unaffected).
 */
int vs_daemon_sriov_start(struct vs_daemon *d, const struct vs_vf_params *params);

/*
 * SR-IOV start order: VFs are created and configured before their DPDK ports
 * open. The config to apply first: cfg without its VF ports (ports[].vf) that
 * sw does not run yet (sw NULL: none runs) and without the rules that name
 * them (l2.static entries stay: the switch adds each once its port exists); NULL (errno 0) when
 * there is none to hold back, NULL and errno ENOMEM. A shallow copy: free it with
 * vs_daemon_staged_free(), not vs_config_free(), and keep cfg alive as long.
 * vs_daemon_sriov_start() and a reload then let the VFs settle and apply the
 * whole config.
 */
struct vs_config *vs_daemon_without_new_vf_ports(const struct vs_config *cfg, struct vs_switch *sw);
void vs_daemon_staged_free(struct vs_config *staged);

/* Close the socket and listeners, free configs d loaded. Accepts a zeroed d. */
void vs_daemon_fini(struct vs_daemon *d);

/*
 * The daemon's periodic jobs (the control loop's table in app/main.c runs
 * them; now: CLOCK_MONOTONIC seconds, now_ms: milliseconds). Refresh the
 * statistics copy telemetry and metrics read (every 100 ms: the struct is
 * some 200 KiB with 64 workers; requests refresh it too); close the rate
 * window (about once a second; refreshes the copy as well).
 */
void vs_daemon_stats_copy(struct vs_daemon *d, double now);
void vs_daemon_rate_window(struct vs_daemon *d, double now);
/* When an SR-IOV reconcile step is due (UINT64_MAX: no VFs managed or
 * nothing to do), and run one (at most ~5 ms of PF work) when it is. */
uint64_t vs_daemon_sriov_due(const struct vs_daemon *d);
void vs_daemon_sriov_step(struct vs_daemon *d, uint64_t now_ms);

/*
 * Reload the file: load and validate it, plan it against what runs and apply
 * the plan (vs_plan.h): only the rules that changed are touched, every other
 * rule keeps its classifier entry, id and counters. Rules added at runtime
 * stay unless flags has VS_RELOAD_REPLACE. On any error the running switch
 * is untouched and msg holds the reason (file:line:column for config errors,
 * the object and why for apply errors, the restart-only key for -EPERM). On
 * success msg holds the summary of the steps that ran. 0 or -errno.
 */
#define VS_RELOAD_REPLACE (1u << 0)
int vs_daemon_reload_flags(struct vs_daemon *d, uint32_t flags, char *msg, size_t size);
/* vs_daemon_reload_flags(d, 0, ...). */
int vs_daemon_reload(struct vs_daemon *d, char *msg, size_t size);
/* Whether control.watch_file is on and the file's mtime changed since it was loaded. */
bool vs_daemon_file_changed(struct vs_daemon *d);
/*
 * Runtime rule changes, one transaction each (vs_config_parse_rule_ops
 * syntax): kind VS_CFG_RULE_OP_ADD / _MOD takes one rule, e.g.
 * "{name: r1, priority: 10, match: {in_port: a}, actions: [{output: b}]}";
 * _DEL a rule name, "#UID" (show rules) or "{priority: P, match: {...}}";
 * VS_CFG_RULE_BATCH a document "{del: [...], mod: [...], add: [...]}"
 * committed as one transaction (all or nothing). Added rules belong to the
 * source "ctl". 0 or -errno; msg holds the summary or why not.
 */
int vs_daemon_rules(struct vs_daemon *d, int kind, const char *text, char *msg, size_t size);
/* vs_daemon_rules with VS_CFG_RULE_OP_ADD / VS_CFG_RULE_OP_DEL. */
int vs_daemon_rule_add(struct vs_daemon *d, const char *rule_text, char *msg, size_t size);
int vs_daemon_rule_del(struct vs_daemon *d, const char *which, char *msg, size_t size);
/*
 * Save the running config (file and runtime changes) as YAML to path (NULL
 * or "": the config file), atomically. Saved to the config file, the
 * running rules no longer differ from it. Comments of the original file are
 * not kept. 0 or -errno, msg says what was done or why not.
 */
int vs_daemon_save(struct vs_daemon *d, const char *path, char *msg, size_t size);

/* Write cfg as YAML that vs_config_load() reads back into the same values
 * (positions aside). 0 or -EIO / -EINVAL. (app/save.c) */
int vs_config_write(const struct vs_config *cfg, FILE *f);

/* Handle one control request for the struct vs_daemon daemon (a
 * vs_ctl_handler_fn); returns the reply, NULL only when out of memory.
 * The commands are the table of vs_ctl_cmds.h. */
json_t *vs_daemon_handle(void *daemon, const json_t *req);

/* Most arguments one request carries. */
#define VS_CTL_MAX_ARGS 16

/* The VS_CTL_F_* flags of the command req names (read-only, needs fresh
 * statistics), so a server can route it before running it; -EINVAL (no cmd)
 * or -ENOENT (unknown). */
int vs_daemon_cmd_flags(const json_t *req);

/* Free what the commands allocated in d (the stats clear baseline, the
 * trace classifier context). */
void vs_daemon_cmds_fini(struct vs_daemon *d);

/* A rule's match and actions in show rules' text form ("in_port=a,vlan=100",
 * "push_vlan:100/0,output:b"); returns buf. */
const char *vs_ctl_match_str(const struct vs_cfg_match *m, char *buf, size_t size);
const char *vs_ctl_actions_str(const struct vs_cfg_rule *r, char *buf, size_t size);

/* ---- packet trace (app/trace.c) ----------------------------------------------------- */

/*
 * nfvswitch-ctl trace: build the frame args describe (FIELD=VALUE items,
 * comma or argument separated, in the rule match syntax; or in_port=PORT
 * hex=FRAME) in an mbuf of the switch's pool, parse it with the workers'
 * parser, look it up in the live classifier through d->trace_ctx and walk
 * the winning rule's actions without sending anything. The result as JSON,
 * its "text" member the same for people; NULL with a one-line reason in msg.
 */
json_t *vs_daemon_trace(struct vs_daemon *d, const char *const *args, unsigned n, char *msg,
			size_t size);

/* ---- control socket (app/ctl.c) -------------------------------------------------- */

typedef json_t *(*vs_ctl_handler_fn)(void *arg, const json_t *req);

/*
 * Listen on the unix socket path with mode perm (the parent directory is
 * created 0755 when missing). A socket file nobody answers on is replaced;
 * one a live process serves gives EADDRINUSE. NULL and errno on failure.
 */
struct vs_ctl *vs_ctl_open(const char *path, unsigned perm, vs_ctl_handler_fn fn, void *arg);
/* An fd for poll() (POLLIN): readable when requests wait for vs_ctl_serve(). */
int vs_ctl_fd(const struct vs_ctl *ctl);
/* On the control thread: run the handler on the complete requests waiting
 * now (at most 64; the fd stays readable when more wait) and hand the
 * replies to the I/O thread. Never blocks. Returns the requests handled. */
int vs_ctl_serve(struct vs_ctl *ctl);
/* Stop the I/O thread, close every connection, close and unlink. Accepts NULL. */
void vs_ctl_close(struct vs_ctl *ctl);

/* ---- metrics (app/metrics.c) ------------------------------------------------------ */

/*
 * The OpenMetrics text exposition of st (and of d's reload counters when d is
 * not NULL). malloc'd, NUL-terminated; NULL and errno on failure.
 */
char *vs_metrics_text(const struct vs_switch_stats *st, const struct vs_daemon *d);

/* The HTTP listener under load: its own thread serves every connection
 * without blocking, within these bounds (see docs/operations.md). */
#define VS_METRICS_BACKLOG	      128
#define VS_METRICS_MAX_CLIENTS	      64   /* served at once; more wait in the backlog */
#define VS_METRICS_MAX_REQUEST	      8192 /* bytes of the request head */
#define VS_METRICS_REQUEST_TIMEOUT_MS 2000 /* from accept to the end of the head */
#define VS_METRICS_RENDER_WAIT_MS     2000 /* for the control thread's text, then 503 */
#define VS_METRICS_REPLY_TIMEOUT_MS   5000 /* for the client to take the response */

/*
 * Listen for HTTP GET /metrics on "HOST:PORT" (IPv4 or [IPv6]) and start the
 * listener's thread. NULL and errno.
 */
struct vs_metrics_srv *vs_metrics_listen(const char *addr);
/* An fd for poll() (POLLIN): readable when scrapes wait for vs_metrics_serve(). */
int vs_metrics_fd(const struct vs_metrics_srv *srv);
/* The port actually bound (useful with port 0). */
uint16_t vs_metrics_port(const struct vs_metrics_srv *srv);
/* On the control thread: render one text from d's statistics (under
 * stats_lock) for the scrapes waiting now. Never blocks on a client.
 * Returns 1 when it rendered, 0 when nobody waited. */
int vs_metrics_serve(struct vs_metrics_srv *srv, struct vs_daemon *d);
/* Stop the thread, close every connection. Accepts NULL. */
void vs_metrics_close(struct vs_metrics_srv *srv);

/* ---- telemetry (app/telemetry.c) --------------------------------------------------- */

/* Register the /nfvswitch/... commands with rte_telemetry, answering from d.
 * Once per process; later calls only change d. 0 or -errno. */
int vs_telemetry_register(struct vs_daemon *d);
/* Detach d (the commands then answer with an error). */
void vs_telemetry_unregister(void);

/* ---- rx queue rebalance (app/rebalance.c) -------------------------------------------- */

/*
 * Assign the queues of cur to its workers by measured load: queues in fixed
 * (pinned; may be NULL) stay on their worker and count first; the others,
 * sorted by cycles (largest first, then port and queue), each go onto the
 * worker with the least load so far (ties: fewest queues, then lowest
 * index, so that unmeasured queues still spread). Loads come from
 * st's per-worker rxq entries (0 for a queue without one). Writes each
 * worker's estimated cycles to load[] when not NULL. 0, -EINVAL or -ENOSPC.
 */
int vs_rxq_rebalance(const struct vs_rxq_map *cur, const struct vs_rxq_map *fixed,
		     const struct vs_switch_stats *st, struct vs_rxq_map *out, uint64_t *load);

#endif /* VS_CTL_H */
