/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch SR-IOV: VF count and per-VF settings (MAC, VLAN, spoof-check,
 * trust, link state, tx rate, extra MAC filters), kept in line with the
 * config by a reconcile loop that runs on the control thread.
 *
 * How the control thread uses it:
 *
 *	ctx = vs_vf_create(cfg, NULL);          boot: desired state from the config
 *	loop:
 *		vs_vf_reconcile(ctx, now + 5);      at most ~5 ms of work, then return
 *		sleep until vs_vf_next_due(ctx) (or the next event)
 *	on reload:   vs_vf_apply_config(ctx, new_cfg);   only what changed is touched
 *	VF port up:  vs_vf_bind_port(ctx, "ens1f0", 3, port_id);   extra MAC filters
 *	outcomes:    vs_vf_set_event_handler(ctx, fn, arg);   applied / failed, to the owner
 *	show vf:     vs_vf_show(ctx, buf, size) or vs_vf_status_*() for JSON
 *	shutdown:    vs_vf_destroy(ctx);
 *
 * Every function here is for the control thread only (none is thread-safe,
 * none is for a worker). Times are milliseconds of the context's clock
 * (CLOCK_MONOTONIC unless a clock is injected through struct vs_vf_params).
 *
 * Per VF and per field the context keeps what was requested, what the PF
 * reports as applied, and the error when they differ, for instance
 * "PF ens1f0 (driver ixgbe) refused trust on VF 3: Operation not supported".
 * Transient errors (EAGAIN, EBUSY, ETIMEDOUT, ENOBUFS, EINTR, ENOMEM) are
 * retried with exponential back-off; permanent ones (EOPNOTSUPP, EINVAL,
 * ERANGE, EPERM, ...) are reported and not retried until a reload changes
 * that field. A field the PF acknowledges but reads back different
 * ("partial apply") is retried up to max_attempts, then reported.
 */
#ifndef VS_VF_H
#define VS_VF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vs_config.h"

struct vs_vf_ctx;
struct vs_vf_backend;

/* The settings kept per VF: X(enum suffix, name shown to users). */
#define VS_VF_FIELDS(X)                                                                            \
	X(MAC, "mac")                                                                              \
	X(VLAN, "vlan")                                                                            \
	X(SPOOFCHK, "spoofchk")                                                                    \
	X(TRUST, "trust")                                                                          \
	X(LINK_STATE, "link_state")                                                                \
	X(RATE, "rate")                                                                            \
	X(EXTRA_MACS, "extra_macs")

enum vs_vf_field {
#define VS_VF_FIELD_ENUM(e, s) VS_VF_F_##e,
	VS_VF_FIELDS(VS_VF_FIELD_ENUM)
#undef VS_VF_FIELD_ENUM
	    VS_VF_F_MAX
};

/* Per-field reconcile state: X(enum suffix, name shown to users). */
#define VS_VF_STATES(X)                                                                            \
	X(UNSET, "unset")	/* not in the config: left as the PF has it */                     \
	X(PENDING, "pending")	/* requested, not tried yet */                                     \
	X(APPLIED, "ok")	/* the PF reports the requested value */                           \
	X(RETRY, "retrying")	/* transient error or partial apply; next try scheduled */         \
	X(FAILED, "failed")	/* refused; not retried until a reload changes it */               \
	X(WAITING, "waiting")	/* VF does not exist yet / no VF port bound yet */                 \
	X(FALLBACK, "fallback") /* extra MACs: filter table full/unsupported, promiscuous */

enum vs_vf_state {
#define VS_VF_STATE_ENUM(e, s) VS_VF_ST_##e,
	VS_VF_STATES(VS_VF_STATE_ENUM)
#undef VS_VF_STATE_ENUM
	    VS_VF_ST_MAX
};

const char *vs_vf_field_str(enum vs_vf_field f);
const char *vs_vf_state_str(enum vs_vf_state s);

/* Clock in milliseconds; inject one in tests so back-off never sleeps. */
typedef uint64_t (*vs_vf_now_fn)(void *arg);

/*
 * Builds the backend for one sriov: entry. The default factory opens a
 * NETLINK_ROUTE socket for kernel PFs and picks the DPDK ixgbe/i40e PF API by
 * the port's driver name for DPDK PFs. Returns a backend or NULL + errno.
 */
typedef struct vs_vf_backend *(*vs_vf_backend_factory_fn)(void *arg, const struct vs_cfg_pf *pf,
							  const char *sysfs_root);

struct vs_vf_params {
	const char *sysfs_root; /* "" or NULL: the real "/" (tests: a temp dir) */
	vs_vf_now_fn now;	/* NULL: CLOCK_MONOTONIC */
	void *now_arg;
	vs_vf_backend_factory_fn backend_factory; /* NULL: the default one */
	void *backend_arg;
	uint32_t retry_base_ms; /* first back-off, default 100 */
	uint32_t retry_max_ms;	/* back-off cap, default 30000 */
	uint32_t max_attempts;	/* partial-apply / transient give-up, default 8 */
	uint32_t resync_ms;	/* read back converged PFs this often, default 10000 */
	bool manage_num_vfs;	/* write sriov_numvfs (default true when params is NULL) */
};

/*
 * Create from a config (which must outlive nothing: everything needed is
 * copied). Runs no PF operation yet: the first vs_vf_reconcile() does.
 * params may be NULL (defaults). NULL + errno on error (EINVAL: the sriov:
 * section fails vs_vf_validate(); ENOMEM).
 */
struct vs_vf_ctx *vs_vf_create(const struct vs_config *cfg, const struct vs_vf_params *params);

/* Accepts NULL. Leaves the VFs as they are (settings stay in the NIC). */
void vs_vf_destroy(struct vs_vf_ctx *ctx);

/*
 * One reconcile step: for each PF due, fix num_vfs, read back the VFs, apply
 * the differences, read back again to verify. Stops starting new PF
 * operations once the clock passes deadline_ms (an operation in flight is
 * bounded by the netlink timeout, 1 s). Returns how much is still open
 * (PF backends not opened yet, num_vfs and VF fields pending or retrying;
 * failed and waiting ones do not count): 0 when converged; or -errno.
 */
int vs_vf_reconcile(struct vs_vf_ctx *ctx, uint64_t deadline_ms);

/*
 * What a reconcile step changed, reported to the context's owner: a VF
 * field (or a PF's num_vfs) reached an outcome it did not have at the last
 * report: applied, retrying, failed, waiting for its VF, or (extra MACs)
 * fallen back to promiscuous mode. The owner decides what to log or count;
 * vs_vf_status_*() hold the same state for `show vf`.
 */
struct vs_vf_event {
	const char *pf;		/* PF name */
	int vf;			/* VF id; -1: the PF's num_vfs */
	enum vs_vf_field field; /* VS_VF_F_MAX when vf is -1 */
	enum vs_vf_state state; /* APPLIED, RETRY, FAILED, WAITING or FALLBACK */
	int err;		/* -errno of the failure, 0 when applied */
	const char *msg;	/* the error or note, "" when none */
};

typedef void (*vs_vf_event_fn)(void *arg, const struct vs_vf_event *ev);

/* Report to fn(arg, ev) from vs_vf_reconcile() on, on the caller's thread
 * (fn NULL: nobody). */
void vs_vf_set_event_handler(struct vs_vf_ctx *ctx, vs_vf_event_fn fn, void *arg);

/* When the next step has work to do (UINT64_MAX: nothing scheduled). */
uint64_t vs_vf_next_due(const struct vs_vf_ctx *ctx);

/*
 * Reload: adopt a new config. Fields whose requested value did not change
 * keep their state and are not sent to the PF again; changed fields become
 * pending; keys removed from the config stop being managed (the VF keeps its
 * current setting). PFs no longer configured are dropped from the status.
 * 0 or -errno (-EINVAL: validation failed, nothing changed).
 */
int vs_vf_apply_config(struct vs_vf_ctx *ctx, const struct vs_config *cfg);

/*
 * A VF port came up (or went away: port_id -1) in the pipeline. Its extra
 * MAC filters are then programmed with rte_eth_dev_mac_addr_add() on that
 * port at the next reconcile step, with a promiscuous fallback when the
 * filter table is full or unsupported. -ENOENT if no such PF/VF is configured.
 */
int vs_vf_bind_port(struct vs_vf_ctx *ctx, const char *pf, uint16_t vf, int port_id);

/* The MAC configured for a VF (so VF ports get their MAC from one place). */
int vs_vf_port_mac(const struct vs_vf_ctx *ctx, const char *pf, uint16_t vf,
		   struct vs_cfg_mac *mac);

/*
 * Semantic checks of the sriov: section and of VF ports (VF ids beyond
 * num_vfs, duplicate VF ids, duplicate MACs across VFs and PFs, multicast or
 * zero MACs, VLAN/QoS/protocol ranges, min rate above max rate, num_vfs
 * above the PF's sriov_totalvfs when sysfs tells, VF ports pointing at no
 * configured VF). sysfs_root NULL or "" = "/". 0, or -EINVAL with msg
 * "FILE:LINE:COL: sriov: what was found; what is accepted".
 */
int vs_vf_validate(const struct vs_config *cfg, const char *sysfs_root, char *msg, size_t size);

/* ---- status (`show vf`) ---- */

#define VS_VF_VAL_MAX 64
#define VS_VF_MSG_MAX 256

struct vs_vf_field_status {
	enum vs_vf_field field;
	enum vs_vf_state state;
	char requested[VS_VF_VAL_MAX]; /* "" when unset */
	char applied[VS_VF_VAL_MAX];   /* as read back from the PF; "?" when unknown */
	int err;		       /* -errno of the last failure, 0 if none */
	uint32_t attempts;
	char msg[VS_VF_MSG_MAX]; /* the error / note, "" when none */
};

struct vs_vf_vf_status {
	uint16_t vf;
	char pci[16]; /* VF PCI address from sysfs virtfnN, "" unknown */
	int port_id;  /* bound DPDK VF port, -1 none */
	struct vs_vf_field_status fields[VS_VF_F_MAX];
};

struct vs_vf_pf_status {
	char pf[VS_CFG_NAME_MAX];
	char driver[32];  /* "ixgbe", "net_i40e", "veth", "?" */
	char backend[16]; /* "netlink", "dpdk-ixgbe", ... */
	uint16_t num_vfs_requested;
	int num_vfs_applied; /* -1 unknown */
	int total_vfs;	     /* sriov_totalvfs, -1 unknown */
	enum vs_vf_state num_vfs_state;
	char num_vfs_msg[VS_VF_MSG_MAX];
	char read_msg[VS_VF_MSG_MAX]; /* last read-back error, "" */
	uint32_t n_vfs;		      /* configured VFs */
};

uint32_t vs_vf_status_pf_count(const struct vs_vf_ctx *ctx);
/* 0 or -ENOENT. */
int vs_vf_status_pf(const struct vs_vf_ctx *ctx, uint32_t pf_idx, struct vs_vf_pf_status *st);
int vs_vf_status_vf(const struct vs_vf_ctx *ctx, uint32_t pf_idx, uint32_t vf_idx,
		    struct vs_vf_vf_status *st);

/*
 * `show vf` as text, one PF header line, one line per VF field. Returns the
 * length it wanted to write (snprintf-like; output is truncated to size).
 */
int vs_vf_show(const struct vs_vf_ctx *ctx, char *buf, size_t size);

#endif /* VS_VF_H */
