/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SR-IOV reconcile loop (control thread): desired state from the config,
 * actual state read back from the PF, differences applied one field at a
 * time, retries with back-off on transient errors, per-field status.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_log.h>

#include "vs_vf.h"
#include "vs_vf_backend.h"

#include "vs_log.h"

RTE_LOG_REGISTER_DEFAULT(vs_vf_logtype, NOTICE);

#define VS_VF_LOG(level, ...) VS_LOG(level, vs_vf_logtype, "sriov", __VA_ARGS__)

#define VF_READ_MAX 256 /* VFs read back per PF (PCIe SR-IOV allows more; NICs do not) */

struct fstate {
	enum vs_vf_state st;
	int err;
	uint32_t attempts;
	uint64_t next_ms;
	char msg[VS_VF_MSG_MAX];
	enum vs_vf_state reported; /* last state told to the event handler */
};

struct vf_ent {
	uint16_t id;
	uint32_t want_fields; /* VS_VF_BIT() of requested fields */
	struct vs_vf_hw want;
	struct vs_cfg_mac *extra; /* requested extra MAC filters */
	uint32_t n_extra;
	struct vs_vf_hw have; /* as last read back (have.known) or set */
	struct fstate f[VS_VF_F_MAX];
	uint32_t sent;		 /* fields set in this step, to verify */
	int port_id;		 /* bound DPDK VF port, -1 */
	struct vs_cfg_mac *prog; /* extra MACs programmed on the port */
	uint32_t n_prog;
	bool promisc_ours;
};

struct pf_ent {
	char name[VS_CFG_NAME_MAX];
	enum vs_cfg_pf_backend kind;
	uint16_t want_numvfs;
	struct fstate numvfs;
	int numvfs_have;
	int total_vfs;
	struct vs_vf_backend *be;
	struct fstate open; /* backend creation */
	struct fstate rd;   /* read back */
	bool cannot_read;
	uint64_t next_read_ms;
	struct vf_ent *vfs;
	uint32_t n_vfs;
	bool *port_in_use; /* [vf id] a configured VF port uses it */
	uint16_t n_port_in_use;
};

struct vs_vf_ctx {
	struct vs_vf_params p;
	vs_vf_event_fn event_fn;
	void *event_arg;
	char root[256];
	struct pf_ent *pfs;
	uint32_t n_pfs;
};

static const char *const field_names[] = {
#define VS_VF_FIELD_STR(e, s) s,
    VS_VF_FIELDS(VS_VF_FIELD_STR)
#undef VS_VF_FIELD_STR
};

static const char *const state_names[] = {
#define VS_VF_STATE_STR(e, s) s,
    VS_VF_STATES(VS_VF_STATE_STR)
#undef VS_VF_STATE_STR
};

const char *
vs_vf_field_str(enum vs_vf_field f)
{
	return (unsigned int)f < VS_VF_F_MAX ? field_names[f] : "?";
}

const char *
vs_vf_state_str(enum vs_vf_state s)
{
	return (unsigned int)s < VS_VF_ST_MAX ? state_names[s] : "?";
}

/* ---- values ---- */

static uint16_t
proto_or_default(uint16_t p)
{
	return p ? p : 0x8100;
}

bool
vs_vf_hw_field_eq(const struct vs_vf_hw *a, const struct vs_vf_hw *b, enum vs_vf_field f)
{
	switch (f) {
	case VS_VF_F_MAC:
		return memcmp(a->mac, b->mac, 6) == 0;
	case VS_VF_F_VLAN:
		if (a->vlan != b->vlan)
			return false;
		return a->vlan == 0 || (a->qos == b->qos && proto_or_default(a->vlan_proto) ==
								proto_or_default(b->vlan_proto));
	case VS_VF_F_SPOOFCHK:
		return a->spoofchk == b->spoofchk;
	case VS_VF_F_TRUST:
		return a->trust == b->trust;
	case VS_VF_F_LINK_STATE:
		return a->link_state == b->link_state;
	case VS_VF_F_RATE:
		return a->min_tx_rate == b->min_tx_rate && a->max_tx_rate == b->max_tx_rate;
	default:
		return false;
	}
}

static const char *
mac_str(const uint8_t *m, char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

void
vs_vf_hw_field_str(const struct vs_vf_hw *hw, enum vs_vf_field f, char *buf, size_t size)
{
	static const char *const link[] = {"auto", "enable", "disable"};
	char m[18];

	if (!(hw->known & VS_VF_BIT(f))) {
		snprintf(buf, size, "?");
		return;
	}
	switch (f) {
	case VS_VF_F_MAC:
		snprintf(buf, size, "%s", mac_str(hw->mac, m, sizeof(m)));
		break;
	case VS_VF_F_VLAN:
		if (hw->vlan == 0)
			snprintf(buf, size, "none");
		else
			snprintf(buf, size, "%u qos %u %s", hw->vlan, hw->qos,
				 proto_or_default(hw->vlan_proto) == 0x88a8 ? "802.1ad" : "802.1Q");
		break;
	case VS_VF_F_SPOOFCHK:
		snprintf(buf, size, "%s", hw->spoofchk ? "on" : "off");
		break;
	case VS_VF_F_TRUST:
		snprintf(buf, size, "%s", hw->trust ? "on" : "off");
		break;
	case VS_VF_F_LINK_STATE:
		snprintf(buf, size, "%s", hw->link_state < 3 ? link[hw->link_state] : "?");
		break;
	case VS_VF_F_RATE:
		snprintf(buf, size, "min %u max %u Mbit/s", hw->min_tx_rate, hw->max_tx_rate);
		break;
	default:
		snprintf(buf, size, "?");
		break;
	}
}

static uint64_t
clock_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
now_ms(const struct vs_vf_ctx *ctx)
{
	return ctx->p.now(ctx->p.now_arg);
}

static void
fs_reset(struct fstate *fs, enum vs_vf_state st)
{
	memset(fs, 0, sizeof(*fs));
	fs->st = st;
}

static void
fs_ok(struct fstate *fs)
{
	fs->st = VS_VF_ST_APPLIED;
	fs->err = 0;
	fs->msg[0] = '\0';
}

static uint64_t
backoff_ms(const struct vs_vf_ctx *ctx, uint32_t attempts)
{
	uint32_t shift = attempts > 0 ? attempts - 1 : 0;
	uint64_t d;

	if (shift > 20)
		shift = 20;
	d = (uint64_t)ctx->p.retry_base_ms << shift;
	return d > ctx->p.retry_max_ms ? ctx->p.retry_max_ms : d;
}

/*
 * Record a failure: transient errors (and partial applies, force_retry) are
 * retried with back-off until max_attempts, the rest fail for good. The
 * message is logged once per change of text, never per retry.
 */
static void __attribute__((format(printf, 5, 6)))
fs_fail(const struct vs_vf_ctx *ctx, struct fstate *fs, int err, bool force_retry, const char *fmt,
	...)
{
	char msg[VS_VF_MSG_MAX];
	va_list ap;
	bool retry;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	retry = (force_retry || vs_vf_err_transient(err)) && fs->attempts < ctx->p.max_attempts;
	if (strcmp(msg, fs->msg) != 0 || fs->err != err)
		VS_VF_LOG(ERR, "%s%s", msg, retry ? " (will retry)" : "");
	snprintf(fs->msg, sizeof(fs->msg), "%s", msg);
	fs->err = err;
	if (retry) {
		fs->st = VS_VF_ST_RETRY;
		fs->next_ms = now_ms(ctx) + backoff_ms(ctx, fs->attempts);
	} else {
		fs->st = VS_VF_ST_FAILED;
	}
}

/* ---- building the desired state ---- */

static void
vf_free(struct vf_ent *v)
{
	free(v->extra);
	free(v->prog);
	v->extra = NULL;
	v->prog = NULL;
}

static void
pf_free(struct pf_ent *pf)
{
	uint32_t i;

	for (i = 0; i < pf->n_vfs; i++)
		vf_free(&pf->vfs[i]);
	free(pf->vfs);
	free(pf->port_in_use);
	if (pf->be != NULL)
		pf->be->ops->destroy(pf->be);
	memset(pf, 0, sizeof(*pf));
}

static int
vf_from_cfg(struct vf_ent *v, const struct vs_cfg_vf *c)
{
	enum vs_vf_field f;

	memset(v, 0, sizeof(*v));
	v->id = c->id;
	v->port_id = -1;
	v->want.vf = c->id;
	if (c->has_mac) {
		memcpy(v->want.mac, c->mac.b, 6);
		v->want_fields |= VS_VF_BIT(VS_VF_F_MAC);
	}
	if (c->has_vlan) {
		v->want.vlan = c->vlan;
		v->want.qos = c->qos;
		v->want.vlan_proto = proto_or_default(c->vlan_proto);
		v->want_fields |= VS_VF_BIT(VS_VF_F_VLAN);
	}
	if (c->spoofchk != VS_CFG_UNSET) {
		v->want.spoofchk = c->spoofchk == VS_CFG_ON;
		v->want_fields |= VS_VF_BIT(VS_VF_F_SPOOFCHK);
	}
	if (c->trust != VS_CFG_UNSET) {
		v->want.trust = c->trust == VS_CFG_ON;
		v->want_fields |= VS_VF_BIT(VS_VF_F_TRUST);
	}
	if (c->link_state != VS_CFG_LINK_UNSET) {
		v->want.link_state = (uint8_t)c->link_state;
		v->want_fields |= VS_VF_BIT(VS_VF_F_LINK_STATE);
	}
	if (c->min_tx_rate || c->max_tx_rate) {
		v->want.min_tx_rate = c->min_tx_rate;
		v->want.max_tx_rate = c->max_tx_rate;
		v->want_fields |= VS_VF_BIT(VS_VF_F_RATE);
	}
	if (c->n_extra_macs > 0) {
		v->extra = calloc(c->n_extra_macs, sizeof(*v->extra));
		if (v->extra == NULL)
			return -ENOMEM;
		memcpy(v->extra, c->extra_macs, c->n_extra_macs * sizeof(*v->extra));
		v->n_extra = c->n_extra_macs;
		v->want_fields |= VS_VF_BIT(VS_VF_F_EXTRA_MACS);
	}
	v->want.known = v->want_fields;
	for (f = 0; f < VS_VF_F_MAX; f++)
		fs_reset(&v->f[f],
			 (v->want_fields & VS_VF_BIT(f)) ? VS_VF_ST_PENDING : VS_VF_ST_UNSET);
	return 0;
}

static int
pf_from_cfg(struct pf_ent *pf, const struct vs_config *cfg, const struct vs_cfg_pf *c)
{
	uint32_t i;
	int rc;

	memset(pf, 0, sizeof(*pf));
	snprintf(pf->name, sizeof(pf->name), "%s", c->pf);
	pf->kind = c->backend;
	pf->want_numvfs = c->num_vfs;
	pf->numvfs_have = -1;
	pf->total_vfs = -1;
	fs_reset(&pf->numvfs, VS_VF_ST_PENDING);
	fs_reset(&pf->open, VS_VF_ST_PENDING);
	fs_reset(&pf->rd, VS_VF_ST_PENDING);
	if (c->n_vfs > 0) {
		pf->vfs = calloc(c->n_vfs, sizeof(*pf->vfs));
		if (pf->vfs == NULL)
			return -ENOMEM;
	}
	for (i = 0; i < c->n_vfs; i++) {
		rc = vf_from_cfg(&pf->vfs[i], &c->vfs[i]);
		pf->n_vfs = i + 1;
		if (rc < 0)
			return rc;
	}
	/* VFs used by configured VF ports must survive num_vfs changes. */
	pf->n_port_in_use = c->num_vfs;
	for (i = 0; i < cfg->n_ports; i++) {
		const struct vs_cfg_port *p = &cfg->ports[i];

		if (!p->is_vf || strcmp(p->vf_pf, c->pf) != 0)
			continue;
		if (p->vf_id + 1u > pf->n_port_in_use)
			pf->n_port_in_use = (uint16_t)(p->vf_id + 1u);
	}
	if (pf->n_port_in_use > 0) {
		pf->port_in_use = calloc(pf->n_port_in_use, sizeof(bool));
		if (pf->port_in_use == NULL)
			return -ENOMEM;
	}
	for (i = 0; i < cfg->n_ports; i++) {
		const struct vs_cfg_port *p = &cfg->ports[i];

		if (p->is_vf && strcmp(p->vf_pf, c->pf) == 0)
			pf->port_in_use[p->vf_id] = true;
	}
	return 0;
}

static struct vs_vf_backend *
default_factory(void *arg, const struct vs_cfg_pf *pf, const char *root)
{
	(void)arg;
	if (pf->backend == VS_CFG_PF_DPDK)
		return vs_vf_dpdk_pf_backend_create(pf->pf, root);
	return vs_vf_nl_backend_open(pf->pf, root);
}

static void
pfs_free(struct pf_ent *pfs, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		pf_free(&pfs[i]);
	free(pfs);
}

static int
pfs_from_cfg(const struct vs_config *cfg, struct pf_ent **out)
{
	struct pf_ent *pfs = NULL;
	uint32_t i;
	int rc;

	*out = NULL;
	if (cfg->n_sriov == 0)
		return 0;
	pfs = calloc(cfg->n_sriov, sizeof(*pfs));
	if (pfs == NULL)
		return -ENOMEM;
	for (i = 0; i < cfg->n_sriov; i++) {
		rc = pf_from_cfg(&pfs[i], cfg, &cfg->sriov[i]);
		if (rc < 0) {
			pfs_free(pfs, i + 1);
			return rc;
		}
	}
	*out = pfs;
	return 0;
}

struct vs_vf_ctx *
vs_vf_create(const struct vs_config *cfg, const struct vs_vf_params *params)
{
	struct vs_vf_ctx *ctx;
	char msg[512];
	int rc;

	if (cfg == NULL) {
		errno = EINVAL;
		return NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return NULL;
	if (params != NULL)
		ctx->p = *params;
	else
		ctx->p.manage_num_vfs = true;
	snprintf(ctx->root, sizeof(ctx->root), "%s",
		 ctx->p.sysfs_root != NULL ? ctx->p.sysfs_root : "");
	ctx->p.sysfs_root = ctx->root;
	if (ctx->p.now == NULL)
		ctx->p.now = clock_ms;
	if (ctx->p.backend_factory == NULL)
		ctx->p.backend_factory = default_factory;
	if (ctx->p.retry_base_ms == 0)
		ctx->p.retry_base_ms = 100;
	if (ctx->p.retry_max_ms == 0)
		ctx->p.retry_max_ms = 30000;
	if (ctx->p.max_attempts == 0)
		ctx->p.max_attempts = 8;
	if (ctx->p.resync_ms == 0)
		ctx->p.resync_ms = 10000;
	rc = vs_vf_validate(cfg, ctx->root, msg, sizeof(msg));
	if (rc < 0) {
		VS_VF_LOG(ERR, "%s", msg);
		free(ctx);
		errno = -rc;
		return NULL;
	}
	rc = pfs_from_cfg(cfg, &ctx->pfs);
	if (rc < 0) {
		free(ctx);
		errno = -rc;
		return NULL;
	}
	ctx->n_pfs = cfg->n_sriov;
	return ctx;
}

void
vs_vf_destroy(struct vs_vf_ctx *ctx)
{
	if (ctx == NULL)
		return;
	pfs_free(ctx->pfs, ctx->n_pfs);
	free(ctx);
}

/* ---- reconcile ---- */

static struct vf_ent *
vf_find(struct pf_ent *pf, uint16_t id)
{
	uint32_t i;

	for (i = 0; i < pf->n_vfs; i++)
		if (pf->vfs[i].id == id)
			return &pf->vfs[i];
	return NULL;
}

static bool
pf_has_work(const struct pf_ent *pf, uint64_t now)
{
	uint32_t i;
	int f;

	if (pf->be == NULL || now >= pf->next_read_ms)
		return true;
	if (pf->numvfs.st == VS_VF_ST_PENDING ||
	    (pf->numvfs.st == VS_VF_ST_RETRY && now >= pf->numvfs.next_ms))
		return true;
	for (i = 0; i < pf->n_vfs; i++)
		for (f = 0; f < VS_VF_F_MAX; f++) {
			const struct fstate *fs = &pf->vfs[i].f[f];

			if (fs->st == VS_VF_ST_PENDING ||
			    (fs->st == VS_VF_ST_RETRY && now >= fs->next_ms))
				return true;
		}
	return false;
}

static void
pf_num_vfs_step(struct vs_vf_ctx *ctx, struct pf_ent *pf, uint64_t now)
{
	const char *devdir = pf->be->devdir;
	uint32_t v;
	bool changed = false;
	char msg[VS_VF_MSG_MAX - 64];
	uint32_t i;
	int rc, f;

	if (!ctx->p.manage_num_vfs) {
		pf->numvfs.st = VS_VF_ST_UNSET;
	} else if (devdir[0] == '\0' && pf->numvfs.st == VS_VF_ST_PENDING) {
		fs_fail(ctx, &pf->numvfs, -ENODEV, false,
			"PF %s has no PCI device in sysfs: num_vfs cannot be set "
			"(not an SR-IOV PF?)",
			pf->name);
	}
	if (devdir[0] == '\0')
		return;
	if (vs_vf_sysfs_read_uint(devdir, "sriov_totalvfs", &v) == 0)
		pf->total_vfs = (int)v;
	if (ctx->p.manage_num_vfs &&
	    (pf->numvfs.st == VS_VF_ST_PENDING ||
	     (pf->numvfs.st == VS_VF_ST_RETRY && now >= pf->numvfs.next_ms))) {
		pf->numvfs.attempts++;
		rc = vs_vf_sysfs_set_numvfs(devdir, pf->want_numvfs, pf->port_in_use,
					    pf->n_port_in_use, &changed, msg, sizeof(msg));
		if (rc == 0) {
			fs_ok(&pf->numvfs);
		} else {
			fs_fail(ctx, &pf->numvfs, rc, false, "PF %s: %s", pf->name, msg);
		}
		if (changed) {
			/* The VFs were recreated with default settings: apply all again. */
			VS_VF_LOG(NOTICE, "PF %s: num_vfs set to %u", pf->name, pf->want_numvfs);
			for (i = 0; i < pf->n_vfs; i++)
				for (f = 0; f < VS_VF_F_MAX; f++)
					if (pf->vfs[i].f[f].st != VS_VF_ST_UNSET)
						fs_reset(&pf->vfs[i].f[f], VS_VF_ST_PENDING);
		}
	}
	if (vs_vf_sysfs_read_uint(devdir, "sriov_numvfs", &v) == 0) {
		pf->numvfs_have = (int)v;
		/* Changed behind our back: set it again at the next step. */
		if (ctx->p.manage_num_vfs && pf->numvfs.st == VS_VF_ST_APPLIED &&
		    v != pf->want_numvfs) {
			VS_VF_LOG(WARNING,
				  "PF %s: sriov_numvfs is %u, expected %u; setting it again",
				  pf->name, v, pf->want_numvfs);
			fs_reset(&pf->numvfs, VS_VF_ST_PENDING);
		}
	}
}

/*
 * Read back into each VF's have; on failure have.known is cleared. A
 * backend that cannot read back keeps what its successful sets recorded.
 */
static void
pf_read(struct vs_vf_ctx *ctx, struct pf_ent *pf)
{
	static struct vs_vf_hw hw[VF_READ_MAX]; /* control thread only */
	uint16_t n = 0, i;
	int num = -1, rc;
	uint32_t k;

	if (pf->cannot_read)
		return;
	pf->be->errmsg[0] = '\0';
	rc = pf->be->ops->read(pf->be, hw, VF_READ_MAX, &n, &num);
	if (rc == -ENOTSUP) {
		pf->cannot_read = true;
		return;
	}
	for (k = 0; k < pf->n_vfs; k++)
		pf->vfs[k].have.known = 0;
	if (rc < 0) {
		pf->rd.attempts++;
		fs_fail(ctx, &pf->rd, rc, true, "PF %s (driver %s): reading VF state: %s%s%s",
			pf->name, pf->be->driver, strerror(-rc), pf->be->errmsg[0] ? ": " : "",
			pf->be->errmsg);
		return;
	}
	fs_ok(&pf->rd);
	pf->rd.attempts = 0;
	if (num >= 0 && pf->be->devdir[0] == '\0')
		pf->numvfs_have = num;
	for (i = 0; i < n; i++) {
		struct vf_ent *v = vf_find(pf, hw[i].vf);

		if (v != NULL)
			v->have = hw[i];
	}
}

static void
vf_set_failed(struct vs_vf_ctx *ctx, struct pf_ent *pf, struct vf_ent *v, enum vs_vf_field f,
	      int rc)
{
	struct vs_vf_backend *be = pf->be;
	const char *verb = vs_vf_err_transient(rc) ? "failed to set" : "refused";

	fs_fail(ctx, &v->f[f], rc, false, "PF %s (driver %s) %s %s on VF %u: %s%s%s", pf->name,
		be->driver, verb, vs_vf_field_str(f), v->id, strerror(-rc),
		be->errmsg[0] ? ": " : "", be->errmsg);
}

static void
hw_copy_field(struct vs_vf_hw *dst, const struct vs_vf_hw *src, enum vs_vf_field f)
{
	switch (f) {
	case VS_VF_F_MAC:
		memcpy(dst->mac, src->mac, 6);
		break;
	case VS_VF_F_VLAN:
		dst->vlan = src->vlan;
		dst->qos = src->qos;
		dst->vlan_proto = src->vlan_proto;
		break;
	case VS_VF_F_SPOOFCHK:
		dst->spoofchk = src->spoofchk;
		break;
	case VS_VF_F_TRUST:
		dst->trust = src->trust;
		break;
	case VS_VF_F_LINK_STATE:
		dst->link_state = src->link_state;
		break;
	case VS_VF_F_RATE:
		dst->min_tx_rate = src->min_tx_rate;
		dst->max_tx_rate = src->max_tx_rate;
		break;
	default:
		return;
	}
	dst->known |= VS_VF_BIT(f);
}

static void
vf_apply(struct vs_vf_ctx *ctx, struct pf_ent *pf, struct vf_ent *v, uint64_t now,
	 uint64_t deadline, int *busy)
{
	int f, rc;

	v->sent = 0;
	for (f = 0; f < VS_VF_F_MAX; f++) {
		struct fstate *fs = &v->f[f];
		bool known = v->have.known & VS_VF_BIT(f);

		if (f == VS_VF_F_EXTRA_MACS || !(v->want_fields & VS_VF_BIT(f)))
			continue;
		if (pf->numvfs_have >= 0 && v->id >= pf->numvfs_have) {
			fs->st = VS_VF_ST_WAITING;
			snprintf(fs->msg, sizeof(fs->msg),
				 "VF %u does not exist (PF %s has %d VFs)", v->id, pf->name,
				 pf->numvfs_have);
			continue;
		}
		if (fs->st == VS_VF_ST_WAITING)
			fs_reset(fs, VS_VF_ST_PENDING);
		/* The PF has it (even if an earlier try failed, or someone fixed it). */
		if (known && vs_vf_hw_field_eq(&v->have, &v->want, f)) {
			fs_ok(fs);
			fs->attempts = 0;
			continue;
		}
		if (fs->st == VS_VF_ST_FAILED || (fs->st == VS_VF_ST_RETRY && now < fs->next_ms))
			continue;
		if (fs->st == VS_VF_ST_APPLIED) {
			if (!known)
				continue; /* the PF does not report it: trust the ack */
			VS_VF_LOG(WARNING,
				  "PF %s VF %u: %s changed behind our back, setting it again",
				  pf->name, v->id, vs_vf_field_str(f));
			fs_reset(fs, VS_VF_ST_PENDING);
		}
		if (ctx->p.now(ctx->p.now_arg) >= deadline) {
			(*busy)++;
			continue;
		}
		fs->attempts++;
		pf->be->errmsg[0] = '\0';
		rc = pf->be->ops->set(pf->be, v->id, f, &v->want);
		if (rc < 0) {
			vf_set_failed(ctx, pf, v, f, rc);
			continue;
		}
		v->sent |= VS_VF_BIT(f);
		if (pf->cannot_read) {
			fs_ok(fs);
			hw_copy_field(&v->have, &v->want, f);
		}
	}
}

/* After a read back, judge the fields set in this step. */
static void
vf_verify(struct vs_vf_ctx *ctx, struct pf_ent *pf, struct vf_ent *v)
{
	char want[VS_VF_VAL_MAX], have[VS_VF_VAL_MAX];
	int f;

	for (f = 0; f < VS_VF_F_MAX; f++) {
		struct fstate *fs = &v->f[f];

		if (!(v->sent & VS_VF_BIT(f)))
			continue;
		if (!(v->have.known & VS_VF_BIT(f)) || vs_vf_hw_field_eq(&v->have, &v->want, f)) {
			fs_ok(fs);
			fs->attempts = 0;
			continue;
		}
		vs_vf_hw_field_str(&v->want, f, want, sizeof(want));
		vs_vf_hw_field_str(&v->have, f, have, sizeof(have));
		fs_fail(ctx, fs, -EIO, true,
			"PF %s (driver %s) accepted %s %s on VF %u but reports %s", pf->name,
			pf->be->driver, vs_vf_field_str(f), want, v->id, have);
	}
	v->sent = 0;
}

static bool
macs_equal(const struct vs_cfg_mac *a, uint32_t na, const struct vs_cfg_mac *b, uint32_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

static void
vf_extra_macs(struct vs_vf_ctx *ctx, struct pf_ent *pf, struct vf_ent *v, uint64_t now)
{
	struct fstate *fs = &v->f[VS_VF_F_EXTRA_MACS];
	struct vs_vf_port_filters res;
	struct vs_cfg_mac *prog = NULL;
	int rc;

	/* A reload removed the key: take our filters (and promiscuous mode) back. */
	bool cleanup = fs->st == VS_VF_ST_UNSET && (v->n_prog > 0 || v->promisc_ours);

	if (fs->st == VS_VF_ST_UNSET && !cleanup)
		return;
	if (v->port_id < 0) {
		if (!cleanup) {
			fs->st = VS_VF_ST_WAITING;
			snprintf(fs->msg, sizeof(fs->msg),
				 "no DPDK port bound to VF %u of PF %s yet", v->id, pf->name);
		}
		return;
	}
	if (fs->st == VS_VF_ST_WAITING)
		fs->st = VS_VF_ST_PENDING;
	if (!cleanup &&
	    (fs->st == VS_VF_ST_APPLIED || fs->st == VS_VF_ST_FALLBACK ||
	     fs->st == VS_VF_ST_FAILED || (fs->st == VS_VF_ST_RETRY && now < fs->next_ms)))
		return;
	if (v->n_extra > 0) {
		prog = calloc(v->n_extra, sizeof(*prog));
		if (prog == NULL) {
			fs_fail(ctx, fs, -ENOMEM, false, "VF %u of PF %s: out of memory", v->id,
				pf->name);
			return;
		}
	}
	fs->attempts++;
	rc = vs_vf_port_set_filters((uint16_t)v->port_id, v->prog, v->n_prog, v->extra, v->n_extra,
				    v->promisc_ours, &res);
	/* The first n_added requested MACs are the ones that went in (also on error). */
	if (res.n_added > 0)
		memcpy(prog, v->extra, res.n_added * sizeof(*prog));
	free(v->prog);
	v->prog = prog;
	v->n_prog = res.n_added;
	v->promisc_ours = res.promisc_ours;
	if (rc < 0) {
		fs_fail(ctx, fs, rc, false, "VF %u of PF %s (port %d): %.180s", v->id, pf->name,
			v->port_id, res.msg);
		return;
	}
	if (fs->st == VS_VF_ST_UNSET)
		return; /* only cleaned up after a reload removed the key */
	if (res.promisc) {
		fs->st = VS_VF_ST_FALLBACK;
		fs->err = res.err;
		snprintf(fs->msg, sizeof(fs->msg), "VF %u of PF %s (port %d): %.180s", v->id,
			 pf->name, v->port_id, res.msg);
		VS_VF_LOG(WARNING, "%s", fs->msg);
	} else {
		fs_ok(fs);
	}
}

static int
pf_step(struct vs_vf_ctx *ctx, struct pf_ent *pf, uint64_t deadline)
{
	uint64_t now = now_ms(ctx);
	uint32_t i, sent = 0;
	int busy = 0;

	if (pf->be == NULL) {
		struct vs_cfg_pf c = {.backend = pf->kind};

		if (pf->open.st == VS_VF_ST_RETRY && now < pf->open.next_ms)
			return 0;
		snprintf(c.pf, sizeof(c.pf), "%s", pf->name);
		pf->open.attempts++;
		pf->be = ctx->p.backend_factory(ctx->p.backend_arg, &c, ctx->root);
		if (pf->be == NULL) {
			int e = errno ? errno : EIO;

			/* Keep trying (the PF may appear later), slowly. */
			fs_fail(ctx, &pf->open, -e, true, "PF %s: cannot open its %s backend: %s",
				pf->name, pf->kind == VS_CFG_PF_DPDK ? "DPDK" : "netlink",
				strerror(e));
			if (pf->open.st == VS_VF_ST_FAILED) {
				pf->open.st = VS_VF_ST_RETRY;
				pf->open.next_ms = now + ctx->p.retry_max_ms;
			}
			return 0;
		}
		fs_ok(&pf->open);
		pf->next_read_ms = 0;
	}
	pf_num_vfs_step(ctx, pf, now);
	pf_read(ctx, pf);
	for (i = 0; i < pf->n_vfs; i++) {
		vf_apply(ctx, pf, &pf->vfs[i], now, deadline, &busy);
		sent |= pf->vfs[i].sent;
	}
	if (sent != 0 && !pf->cannot_read) {
		pf_read(ctx, pf);
		for (i = 0; i < pf->n_vfs; i++)
			vf_verify(ctx, pf, &pf->vfs[i]);
	}
	for (i = 0; i < pf->n_vfs; i++)
		vf_extra_macs(ctx, pf, &pf->vfs[i], now);
	pf->next_read_ms = now_ms(ctx) + ctx->p.resync_ms;
	return busy;
}

static int
count_open(const struct vs_vf_ctx *ctx)
{
	uint32_t i, k;
	int f, n = 0;

	for (i = 0; i < ctx->n_pfs; i++) {
		const struct pf_ent *pf = &ctx->pfs[i];

		if (pf->be == NULL || pf->numvfs.st == VS_VF_ST_PENDING ||
		    pf->numvfs.st == VS_VF_ST_RETRY)
			n++;
		for (k = 0; k < pf->n_vfs; k++)
			for (f = 0; f < VS_VF_F_MAX; f++)
				if (pf->vfs[k].f[f].st == VS_VF_ST_PENDING ||
				    pf->vfs[k].f[f].st == VS_VF_ST_RETRY)
					n++;
	}
	return n;
}

/* Tell the owner about a state fs reached since it was last told. */
static void
report(const struct vs_vf_ctx *ctx, const struct pf_ent *pf, int vf, enum vs_vf_field f,
       struct fstate *fs)
{
	struct vs_vf_event ev;

	if (fs->reported == fs->st)
		return;
	fs->reported = fs->st;
	switch (fs->st) {
	case VS_VF_ST_APPLIED:
	case VS_VF_ST_RETRY:
	case VS_VF_ST_FAILED:
	case VS_VF_ST_WAITING:
	case VS_VF_ST_FALLBACK:
		break;
	default:
		return; /* not an outcome */
	}
	if (ctx->event_fn == NULL)
		return;
	ev = (struct vs_vf_event){.pf = pf->name,
				  .vf = vf,
				  .field = f,
				  .state = fs->st,
				  .err = fs->st == VS_VF_ST_APPLIED ? 0 : fs->err,
				  .msg = fs->msg};
	ctx->event_fn(ctx->event_arg, &ev);
}

/* After a step on pf: report what changed, num_vfs first. */
static void
report_changes(const struct vs_vf_ctx *ctx, struct pf_ent *pf)
{
	uint32_t i;
	int f;

	report(ctx, pf, -1, VS_VF_F_MAX, &pf->numvfs);
	for (i = 0; i < pf->n_vfs; i++)
		for (f = 0; f < VS_VF_F_MAX; f++)
			report(ctx, pf, pf->vfs[i].id, (enum vs_vf_field)f, &pf->vfs[i].f[f]);
}

void
vs_vf_set_event_handler(struct vs_vf_ctx *ctx, vs_vf_event_fn fn, void *arg)
{
	if (ctx == NULL)
		return;
	ctx->event_fn = fn;
	ctx->event_arg = arg;
}

int
vs_vf_reconcile(struct vs_vf_ctx *ctx, uint64_t deadline_ms)
{
	uint32_t i;

	if (ctx == NULL)
		return -EINVAL;
	for (i = 0; i < ctx->n_pfs; i++) {
		uint64_t now = now_ms(ctx);

		if (now >= deadline_ms)
			break;
		if (!pf_has_work(&ctx->pfs[i], now))
			continue;
		pf_step(ctx, &ctx->pfs[i], deadline_ms);
		report_changes(ctx, &ctx->pfs[i]);
	}
	return count_open(ctx);
}

static uint64_t
fs_due(const struct fstate *fs, uint64_t due)
{
	if (fs->st == VS_VF_ST_PENDING)
		return 0;
	if (fs->st == VS_VF_ST_RETRY && fs->next_ms < due)
		return fs->next_ms;
	return due;
}

uint64_t
vs_vf_next_due(const struct vs_vf_ctx *ctx)
{
	uint64_t due = UINT64_MAX;
	uint32_t i, k;
	int f;

	if (ctx == NULL)
		return due;
	for (i = 0; i < ctx->n_pfs; i++) {
		const struct pf_ent *pf = &ctx->pfs[i];

		if (pf->be == NULL) {
			due = fs_due(&pf->open, due);
			continue;
		}
		if (pf->next_read_ms < due)
			due = pf->next_read_ms;
		due = fs_due(&pf->numvfs, due);
		for (k = 0; k < pf->n_vfs; k++)
			for (f = 0; f < VS_VF_F_MAX; f++)
				due = fs_due(&pf->vfs[k].f[f], due);
	}
	return due;
}

/* ---- reload ---- */

static bool
field_same(const struct vf_ent *a, const struct vf_ent *b, enum vs_vf_field f)
{
	bool ra = a->want_fields & VS_VF_BIT(f), rb = b->want_fields & VS_VF_BIT(f);

	if (ra != rb)
		return false;
	if (!ra)
		return true;
	if (f == VS_VF_F_EXTRA_MACS)
		return macs_equal(a->extra, a->n_extra, b->extra, b->n_extra);
	if (f == VS_VF_F_VLAN) /* qos/proto matter even with vlan 0 in a request */
		return a->want.vlan == b->want.vlan && a->want.qos == b->want.qos &&
		       a->want.vlan_proto == b->want.vlan_proto;
	return vs_vf_hw_field_eq(&a->want, &b->want, f);
}

static void
vf_adopt(struct vf_ent *nv, struct vf_ent *ov)
{
	int f;

	for (f = 0; f < VS_VF_F_MAX; f++)
		if (field_same(nv, ov, f))
			nv->f[f] = ov->f[f];
	nv->have = ov->have;
	nv->port_id = ov->port_id;
	nv->prog = ov->prog;
	nv->n_prog = ov->n_prog;
	nv->promisc_ours = ov->promisc_ours;
	ov->prog = NULL;
	ov->n_prog = 0;
}

int
vs_vf_apply_config(struct vs_vf_ctx *ctx, const struct vs_config *cfg)
{
	struct pf_ent *npfs;
	char msg[512];
	uint32_t i, j, k;
	int rc;

	if (ctx == NULL || cfg == NULL)
		return -EINVAL;
	rc = vs_vf_validate(cfg, ctx->root, msg, sizeof(msg));
	if (rc < 0) {
		VS_VF_LOG(ERR, "reload refused: %s", msg);
		return rc;
	}
	rc = pfs_from_cfg(cfg, &npfs);
	if (rc < 0)
		return rc;
	for (i = 0; i < cfg->n_sriov; i++) {
		struct pf_ent *np = &npfs[i];

		for (j = 0; j < ctx->n_pfs; j++) {
			struct pf_ent *op = &ctx->pfs[j];

			if (op->be == NULL && op->name[0] == '\0')
				continue; /* already adopted */
			if (strcmp(op->name, np->name) != 0 || op->kind != np->kind)
				continue;
			np->be = op->be;
			op->be = NULL;
			np->open = op->open;
			np->rd = op->rd;
			np->cannot_read = op->cannot_read;
			np->numvfs_have = op->numvfs_have;
			np->total_vfs = op->total_vfs;
			np->next_read_ms = 0; /* read back once after a reload */
			if (np->want_numvfs == op->want_numvfs)
				np->numvfs = op->numvfs;
			for (k = 0; k < np->n_vfs; k++) {
				struct vf_ent *ov = vf_find(op, np->vfs[k].id);

				if (ov != NULL)
					vf_adopt(&np->vfs[k], ov);
			}
			/* VFs dropped from the config: their filters stay on a port we
			 * no longer track; the port's owner resets it when it goes. */
			pf_free(op);
			break;
		}
	}
	pfs_free(ctx->pfs, ctx->n_pfs);
	ctx->pfs = npfs;
	ctx->n_pfs = cfg->n_sriov;
	return 0;
}

/* ---- ports ---- */

static struct pf_ent *
pf_find(const struct vs_vf_ctx *ctx, const char *name)
{
	uint32_t i;

	for (i = 0; ctx != NULL && name != NULL && i < ctx->n_pfs; i++)
		if (strcmp(ctx->pfs[i].name, name) == 0)
			return &ctx->pfs[i];
	return NULL;
}

int
vs_vf_bind_port(struct vs_vf_ctx *ctx, const char *pf_name, uint16_t vf, int port_id)
{
	struct pf_ent *pf = pf_find(ctx, pf_name);
	struct vf_ent *v = pf ? vf_find(pf, vf) : NULL;
	struct fstate *fs;

	if (v == NULL)
		return -ENOENT;
	if (v->port_id == port_id)
		return 0;
	v->port_id = port_id;
	/* A new port starts with an empty filter table and promiscuous off. */
	free(v->prog);
	v->prog = NULL;
	v->n_prog = 0;
	v->promisc_ours = false;
	fs = &v->f[VS_VF_F_EXTRA_MACS];
	if (fs->st != VS_VF_ST_UNSET)
		fs_reset(fs, VS_VF_ST_PENDING);
	return 0;
}

int
vs_vf_port_mac(const struct vs_vf_ctx *ctx, const char *pf_name, uint16_t vf,
	       struct vs_cfg_mac *mac)
{
	struct pf_ent *pf = pf_find(ctx, pf_name);
	struct vf_ent *v = pf ? vf_find(pf, vf) : NULL;

	if (v == NULL || mac == NULL)
		return -ENOENT;
	if (!(v->want_fields & VS_VF_BIT(VS_VF_F_MAC)))
		return -ENODATA;
	memcpy(mac->b, v->want.mac, 6);
	return 0;
}

/* ---- status ---- */

uint32_t
vs_vf_status_pf_count(const struct vs_vf_ctx *ctx)
{
	return ctx != NULL ? ctx->n_pfs : 0;
}

int
vs_vf_status_pf(const struct vs_vf_ctx *ctx, uint32_t idx, struct vs_vf_pf_status *st)
{
	const struct pf_ent *pf;

	if (ctx == NULL || st == NULL || idx >= ctx->n_pfs)
		return -ENOENT;
	pf = &ctx->pfs[idx];
	memset(st, 0, sizeof(*st));
	snprintf(st->pf, sizeof(st->pf), "%s", pf->name);
	snprintf(st->driver, sizeof(st->driver), "%s", pf->be ? pf->be->driver : "?");
	snprintf(st->backend, sizeof(st->backend), "%s",
		 pf->be ? pf->be->name : (pf->kind == VS_CFG_PF_DPDK ? "dpdk" : "netlink"));
	st->num_vfs_requested = pf->want_numvfs;
	st->num_vfs_applied = pf->numvfs_have;
	st->total_vfs = pf->total_vfs;
	st->num_vfs_state = pf->numvfs.st;
	if (pf->be == NULL)
		snprintf(st->num_vfs_msg, sizeof(st->num_vfs_msg), "%s", pf->open.msg);
	else
		snprintf(st->num_vfs_msg, sizeof(st->num_vfs_msg), "%s", pf->numvfs.msg);
	if (pf->rd.st != VS_VF_ST_APPLIED)
		snprintf(st->read_msg, sizeof(st->read_msg), "%s", pf->rd.msg);
	st->n_vfs = pf->n_vfs;
	return 0;
}

static void
macs_str(const struct vs_cfg_mac *m, uint32_t n, char *buf, size_t size)
{
	size_t off = 0;
	uint32_t i;
	char s[18];

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		/* room for this MAC and a ",+NNNNN" tail */
		if (off + 18 + 8 >= size) {
			snprintf(buf + off, size - off, ",+%u", n - i);
			return;
		}
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? "," : "",
					mac_str(m[i].b, s, sizeof(s)));
	}
}

int
vs_vf_status_vf(const struct vs_vf_ctx *ctx, uint32_t pf_idx, uint32_t vf_idx,
		struct vs_vf_vf_status *st)
{
	const struct pf_ent *pf;
	const struct vf_ent *v;
	char link[24];
	int f;

	if (ctx == NULL || st == NULL || pf_idx >= ctx->n_pfs || vf_idx >= ctx->pfs[pf_idx].n_vfs)
		return -ENOENT;
	pf = &ctx->pfs[pf_idx];
	v = &pf->vfs[vf_idx];
	memset(st, 0, sizeof(*st));
	st->vf = v->id;
	st->port_id = v->port_id;
	snprintf(link, sizeof(link), "virtfn%u", v->id);
	if (pf->be == NULL || pf->be->devdir[0] == '\0' ||
	    vs_vf_sysfs_link_name(pf->be->devdir, link, st->pci, sizeof(st->pci)) < 0)
		st->pci[0] = '\0';
	for (f = 0; f < VS_VF_F_MAX; f++) {
		struct vs_vf_field_status *fs = &st->fields[f];

		fs->field = f;
		fs->state = v->f[f].st;
		fs->err = v->f[f].err;
		fs->attempts = v->f[f].attempts;
		snprintf(fs->msg, sizeof(fs->msg), "%s", v->f[f].msg);
		if (f == VS_VF_F_EXTRA_MACS) {
			if (v->want_fields & VS_VF_BIT(f))
				macs_str(v->extra, v->n_extra, fs->requested,
					 sizeof(fs->requested));
			if (v->port_id < 0)
				snprintf(fs->applied, sizeof(fs->applied), "?");
			else if (v->promisc_ours)
				snprintf(fs->applied, sizeof(fs->applied),
					 "%u filters + promiscuous", v->n_prog);
			else
				snprintf(fs->applied, sizeof(fs->applied), "%u filters", v->n_prog);
			continue;
		}
		if (v->want_fields & VS_VF_BIT(f))
			vs_vf_hw_field_str(&v->want, f, fs->requested, sizeof(fs->requested));
		vs_vf_hw_field_str(&v->have, f, fs->applied, sizeof(fs->applied));
	}
	return 0;
}

#define SHOW(...)                                                                                  \
	do {                                                                                       \
		int w_ = snprintf(buf + (len < size ? len : size), len < size ? size - len : 0,    \
				  __VA_ARGS__);                                                    \
		if (w_ > 0)                                                                        \
			len += (size_t)w_;                                                         \
	} while (0)

int
vs_vf_show(const struct vs_vf_ctx *ctx, char *buf, size_t size)
{
	struct vs_vf_pf_status ps;
	struct vs_vf_vf_status vs;
	size_t len = 0;
	uint32_t i, k;
	int f;

	if (buf != NULL && size > 0)
		buf[0] = '\0';
	else
		size = 0;
	for (i = 0; i < vs_vf_status_pf_count(ctx); i++) {
		vs_vf_status_pf(ctx, i, &ps);
		SHOW("PF %s (driver %s, %s): num_vfs requested %u, applied ", ps.pf, ps.driver,
		     ps.backend, ps.num_vfs_requested);
		if (ps.num_vfs_applied >= 0)
			SHOW("%d", ps.num_vfs_applied);
		else
			SHOW("?");
		if (ps.total_vfs >= 0)
			SHOW(" (of %d)", ps.total_vfs);
		SHOW(" %s%s%s\n", vs_vf_state_str(ps.num_vfs_state), ps.num_vfs_msg[0] ? ": " : "",
		     ps.num_vfs_msg);
		if (ps.read_msg[0])
			SHOW("  read back: %s\n", ps.read_msg);
		for (k = 0; k < ps.n_vfs; k++) {
			vs_vf_status_vf(ctx, i, k, &vs);
			SHOW("  VF %u%s%s", vs.vf, vs.pci[0] ? " " : "", vs.pci);
			if (vs.port_id >= 0)
				SHOW(" port %d", vs.port_id);
			SHOW("\n");
			for (f = 0; f < VS_VF_F_MAX; f++) {
				const struct vs_vf_field_status *fs = &vs.fields[f];

				if (fs->state == VS_VF_ST_UNSET)
					continue;
				SHOW("    %-10s requested %-24s applied %-24s %s%s%s\n",
				     vs_vf_field_str(f), fs->requested, fs->applied,
				     vs_vf_state_str(fs->state), fs->msg[0] ? ": " : "", fs->msg);
			}
		}
	}
	return (int)len;
}
