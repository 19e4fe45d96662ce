/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's running state: reload (SIGHUP, nfvswitch-ctl reload, file
 * watching), runtime rule changes, and the statistics copy. Every change takes
 * one path (vs_plan.h): parse and validate the source once, plan against what
 * runs, apply the plan, and report the steps that ran. Control thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rte_log.h>

#include "vs_app.h"
#include "vs_ctl.h"
#include "vs_openflow.h"

/* ---- state ---------------------------------------------------------------------- */

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
file_mtime(const char *file, struct timespec *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (file[0] != '\0' && stat(file, &st) == 0)
		*out = st.st_mtim;
}

int
vs_daemon_init(struct vs_daemon *d, struct vs_switch *sw, const struct vs_config *cfg,
	       const char *file)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->sw = sw;
	d->initial = cfg;
	d->cfg = (struct vs_config *)(uintptr_t)cfg;
	snprintf(d->file, sizeof(d->file), "%s", file ? file : "");
	file_mtime(d->file, &d->file_mtime);
	d->stats = calloc(1, sizeof(*d->stats));
	d->rate_prev = calloc(1, sizeof(*d->rate_prev));
	d->rate_cur = calloc(1, sizeof(*d->rate_cur));
	if (d->stats == NULL || d->rate_prev == NULL || d->rate_cur == NULL) {
		vs_daemon_fini(d);
		return -ENOMEM;
	}
	rc = pthread_mutex_init(&d->stats_lock, NULL);
	if (rc != 0) {
		vs_daemon_fini(d);
		return -rc;
	}
	d->lock_ready = true;
	d->t_start = d->t_rate = mono_s();
	snprintf(d->last_reload, sizeof(d->last_reload), "none since start");
	vs_switch_stats(sw, d->rate_prev);
	*d->stats = *d->rate_prev;
	*d->rate_cur = *d->rate_prev;
	return 0;
}

static void
set_cfg(struct vs_daemon *d, struct vs_config *next)
{
	if (d->cfg != d->initial)
		vs_config_free(d->cfg);
	d->cfg = next;
}

static const char *
vf_sysfs_root(const struct vs_daemon *d)
{
	return d->vf_params != NULL ? d->vf_params->sysfs_root : NULL;
}

/* Tie each DPDK-bound VF port (ports[].vf) to its VF, so the VF's
 * extra_macs become MAC filters on that port (or promiscuous mode when the
 * port has no room). A port recreated by a reload is bound again. */
static void
sriov_bind_ports(struct vs_daemon *d)
{
	const struct vs_cfg_port *c;
	struct vs_port *port;
	uint32_t i;
	int rc;

	if (d->vf == NULL)
		return;
	for (i = 0; i < d->cfg->n_ports; i++) {
		c = &d->cfg->ports[i];
		if (!c->is_vf || c->type != VS_CFG_PORT_ETHDEV)
			continue;
		port = vs_switch_port_by_name(d->sw, c->name);
		if (port == NULL)
			continue;
		rc = vs_vf_bind_port(d->vf, c->vf_pf, c->vf_id, port->dev_id);
		if (rc < 0)
			VS_CTL_LOG(ERR, "port %s: cannot tie it to %s VF %u: %s", c->name, c->vf_pf,
				   c->vf_id, strerror(-rc));
	}
}

/* The reconcile context reports an outcome; the daemon says it (failures
 * are logged as errors by sriov/ itself, with the PF's own words). */
static void
on_vf_event(void *arg, const struct vs_vf_event *ev)
{
	(void)arg;
	if (ev->vf < 0)
		VS_CTL_LOG(INFO, "SR-IOV: PF %s: num_vfs %s%s%s", ev->pf,
			   vs_vf_state_str(ev->state), ev->msg[0] ? ": " : "", ev->msg);
	else
		VS_CTL_LOG(INFO, "SR-IOV: PF %s VF %d: %s %s%s%s", ev->pf, ev->vf,
			   vs_vf_field_str(ev->field), vs_vf_state_str(ev->state),
			   ev->msg[0] ? ": " : "", ev->msg);
}

/* ---- SR-IOV start order ---------------------------------------------------------- */

static bool
held_back(const struct vs_config *cfg, struct vs_switch *sw, const char *name)
{
	const struct vs_cfg_port *p = vs_config_port(cfg, name);

	return p != NULL && p->is_vf && (sw == NULL || vs_switch_port_by_name(sw, name) == NULL);
}

static bool
rule_names_held(const struct vs_config *cfg, struct vs_switch *sw, const struct vs_cfg_rule *r)
{
	uint32_t i;

	if ((r->match.fields & VS_CFG_M_IN_PORT) && held_back(cfg, sw, r->match.in_port))
		return true;
	for (i = 0; i < r->n_actions; i++)
		if (r->actions[i].type == VS_CFG_ACT_OUTPUT &&
		    held_back(cfg, sw, r->actions[i].port))
			return true;
	return false;
}

struct vs_config *
vs_daemon_without_new_vf_ports(const struct vs_config *cfg, struct vs_switch *sw)
{
	struct vs_config *c;
	uint32_t i, n = 0;

	errno = 0;
	for (i = 0; i < cfg->n_ports; i++)
		if (held_back(cfg, sw, cfg->ports[i].name))
			n++;
	if (n == 0)
		return NULL;
	c = malloc(sizeof(*c));
	if (c == NULL)
		return NULL;
	*c = *cfg;
	c->ports = calloc(cfg->n_ports, sizeof(*c->ports));
	c->rules = calloc(cfg->n_rules + 1, sizeof(*c->rules));
	if (c->ports == NULL || c->rules == NULL) {
		vs_daemon_staged_free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->n_ports = 0;
	for (i = 0; i < cfg->n_ports; i++)
		if (!held_back(cfg, sw, cfg->ports[i].name))
			c->ports[c->n_ports++] = cfg->ports[i];
	c->n_rules = 0;
	for (i = 0; i < cfg->n_rules; i++)
		if (!rule_names_held(cfg, sw, &cfg->rules[i]))
			c->rules[c->n_rules++] = cfg->rules[i];
	/* l2.static entries stay (a restart-only key: the switch adds each
	 * once its port exists). */
	return c;
}

void
vs_daemon_staged_free(struct vs_config *staged)
{
	if (staged == NULL)
		return;
	free(staged->ports);
	free(staged->rules);
	free(staged);
}

static uint64_t
mono_ms(void)
{
	return (uint64_t)(mono_s() * 1e3);
}

/* Reconcile the VFs until nothing is open (num_vfs written, VF fields
 * applied, failed or waiting) or the settle time passed. */
static void
sriov_settle(struct vs_daemon *d)
{
	uint64_t t0 = mono_ms(), now, due;
	uint32_t max = d->vf_settle_ms ? d->vf_settle_ms : 10000;
	struct timespec ts;

	for (;;) {
		now = mono_ms();
		if (vs_vf_reconcile(d->vf, now + 100) <= 0 || now - t0 >= max)
			break;
		due = vs_vf_next_due(d->vf);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(due > now && due - now < 50 ? due - now : 50) * 1000000L;
		nanosleep(&ts, NULL);
	}
}

/* The VF ports held back: apply the whole config now that the VFs exist.
 * 0 or -errno with msg. */
static int
open_vf_ports(struct vs_daemon *d, uint32_t flags, char *msg, size_t size)
{
	struct vs_cfg_error err;
	struct vs_plan plan;
	int rc;

	if (d->staged == NULL)
		return 0;
	memset(&err, 0, sizeof(err));
	rc = vs_switch_plan(d->sw, d->cfg, flags, &plan, &err);
	if (rc == 0)
		rc = vs_switch_apply_plan(d->sw, &plan, &err);
	if (rc < 0) {
		snprintf(msg, size, "VF ports: %.480s", err.msg[0] ? err.msg : strerror(-rc));
		vs_plan_free(&plan);
		return rc;
	}
	vs_plan_free(&plan);
	vs_daemon_staged_free(d->staged);
	d->staged = NULL;
	return 0;
}

int
vs_daemon_sriov_start(struct vs_daemon *d, const struct vs_vf_params *params)
{
	int rc;

	d->vf_params = params;
	d->vf_error[0] = '\0';
	if (d->cfg == NULL || d->cfg->n_sriov == 0)
		return 0;
	rc = vs_vf_validate(d->cfg, vf_sysfs_root(d), d->vf_error, sizeof(d->vf_error));
	if (rc == 0) {
		d->vf = vs_vf_create(d->cfg, params);
		if (d->vf == NULL) {
			rc = -errno;
			snprintf(d->vf_error, sizeof(d->vf_error), "cannot manage SR-IOV: %s",
				 strerror(errno));
		}
	}
	if (rc < 0) {
		char msg[512];

		/* Unmanaged: the VFs may exist anyway; their ports open now. */
		if (open_vf_ports(d, 0, msg, sizeof(msg)) < 0)
			VS_CTL_LOG(ERR, "%s", msg);
		return rc;
	}
	vs_vf_set_event_handler(d->vf, on_vf_event, d);
	VS_CTL_LOG(INFO, "managing the VFs of %u PF(s)", d->cfg->n_sriov);
	if (d->staged != NULL) {
		/* VF ports were held back: the VFs first, then their ports. */
		sriov_settle(d);
		rc = open_vf_ports(d, 0, d->vf_error, sizeof(d->vf_error));
		if (rc < 0)
			return rc;
	}
	sriov_bind_ports(d);
	return 0;
}

/* After an apply: the VFs follow the new config (only what changed is sent).
 * 0, or -errno with msg saying why (the switch's part stays applied). */
static int
sriov_follow(struct vs_daemon *d, uint32_t flags, char *msg, size_t size)
{
	int rc = 0;

	if (d->vf != NULL) {
		rc = vs_vf_apply_config(d->vf, d->cfg);
		if (rc < 0) {
			snprintf(msg, size, "SR-IOV: the new config was not adopted: %s",
				 strerror(-rc));
			return rc;
		}
		if (d->staged != NULL) {
			sriov_settle(d);
			rc = open_vf_ports(d, flags, msg, size);
		}
		sriov_bind_ports(d);
	} else if (d->cfg->n_sriov != 0) {
		rc = vs_daemon_sriov_start(d, d->vf_params);
		if (rc < 0)
			snprintf(msg, size, "SR-IOV: %.480s", d->vf_error);
	}
	return rc;
}

void
vs_daemon_fini(struct vs_daemon *d)
{
	if (d == NULL)
		return;
	vs_vf_destroy(d->vf);
	d->vf = NULL;
	vs_daemon_staged_free(d->staged);
	d->staged = NULL;
	vs_telemetry_unregister();
	vs_ctl_close(d->ctl);
	d->ctl = NULL;
	vs_metrics_close(d->metrics);
	d->metrics = NULL;
	if (d->cfg != d->initial)
		vs_config_free(d->cfg);
	d->cfg = NULL;
	if (d->lock_ready)
		pthread_mutex_destroy(&d->stats_lock);
	d->lock_ready = false;
	free(d->stats);
	free(d->rate_prev);
	free(d->rate_cur);
	d->stats = d->rate_prev = d->rate_cur = NULL;
	vs_daemon_cmds_fini(d);
}

void
vs_daemon_stats_copy(struct vs_daemon *d, double now)
{
	/* Only this thread writes d->stats: it may read it without the lock. */
	pthread_mutex_lock(&d->stats_lock);
	vs_switch_stats(d->sw, d->stats);
	pthread_mutex_unlock(&d->stats_lock);
	d->t_copy = now;
}

void
vs_daemon_rate_window(struct vs_daemon *d, double now)
{
	struct vs_switch_stats *tmp;

	vs_daemon_stats_copy(d, now);
	tmp = d->rate_prev;
	d->rate_prev = d->rate_cur;
	d->rate_cur = tmp;
	memcpy(d->rate_cur, d->stats, sizeof(*d->rate_cur));
	d->rate_dt = now - d->t_rate;
	d->t_rate = now;
	d->rate_window_ready = true;
}

uint64_t
vs_daemon_sriov_due(const struct vs_daemon *d)
{
	return d->vf != NULL ? vs_vf_next_due(d->vf) : UINT64_MAX;
}

void
vs_daemon_sriov_step(struct vs_daemon *d, uint64_t now_ms)
{
	/* The context's clock is CLOCK_MONOTONIC in ms, as now_ms is. */
	if (d->vf != NULL && now_ms >= vs_vf_next_due(d->vf))
		vs_vf_reconcile(d->vf, now_ms + 5);
}

/* ---- the spine: parse, validate, plan, apply, report ------------------------------- */

/*
 * Plan and apply next (owned by the caller until it succeeds; then by d).
 * msg gets the summary of the plan that ran, or the error. 0 or -errno.
 */
static int
apply_config(struct vs_daemon *d, struct vs_config *next, uint32_t flags, char *msg, size_t size)
{
	struct vs_cfg_error err;
	struct vs_config *staged;
	struct vs_plan plan;
	char sriov[512];
	int rc;

	memset(&err, 0, sizeof(err));
	/* The sriov: section is checked before anything changes. */
	if (next->n_sriov != 0) {
		rc = vs_vf_validate(next, vf_sysfs_root(d), msg, size);
		if (rc < 0)
			return rc;
	}
	/* VF ports a raised num_vfs brings wait for their VFs: the rest first. */
	staged = NULL;
	if (next->n_sriov != 0) {
		staged = vs_daemon_without_new_vf_ports(next, d->sw);
		if (staged == NULL && errno == ENOMEM) {
			snprintf(msg, size, "%s", strerror(ENOMEM));
			return -ENOMEM;
		}
	}
	rc = vs_switch_plan(d->sw, staged ? staged : next, flags, &plan, &err);
	if (rc == 0)
		rc = vs_switch_apply_plan(d->sw, &plan, &err);
	if (rc < 0) {
		snprintf(msg, size, "%s", err.msg[0] ? err.msg : strerror(-rc));
		vs_plan_free(&plan);
		vs_daemon_staged_free(staged);
		return rc;
	}
	vs_plan_summary(&plan, msg, size);
	vs_plan_free(&plan);
	set_cfg(d, next);
	/* The switch points at staged now (or at next): the old one can go. */
	vs_daemon_staged_free(d->staged);
	d->staged = staged;
	if (sriov_follow(d, flags, sriov, sizeof(sriov)) < 0) {
		size_t len = strlen(msg);

		snprintf(msg + len, size - len, "; %s", sriov);
	}
	/* PORT_STATUS for ports added, removed, renumbered (VF ports included) */
	vs_ofp_ports_changed(d->ofp);
	return 0;
}

int
vs_daemon_reload_flags(struct vs_daemon *d, uint32_t flags, char *msg, size_t size)
{
	struct vs_cfg_error err;
	struct vs_config *next;
	struct timespec mt;
	int rc;

	memset(&err, 0, sizeof(err));
	file_mtime(d->file, &mt);
	if (d->file[0] != '\0')
		next = vs_config_load(d->file, &err);
	else
		next = vs_config_load_buf(vs_builtin_config, vs_builtin_config_len, "<built-in>",
					  &err);
	if (next == NULL) {
		rc = -EINVAL;
		snprintf(msg, size, "%s", err.msg[0] ? err.msg : "invalid configuration");
		goto refused;
	}
	rc = apply_config(d, next, flags & VS_RELOAD_REPLACE ? VS_PLAN_REPLACE : 0, msg, size);
	if (rc < 0) {
		vs_config_free(next);
		goto refused;
	}
	d->file_mtime = mt;
	d->reloads++;
	snprintf(d->last_reload, sizeof(d->last_reload), "applied: %s", msg);
	VS_CTL_LOG(NOTICE, "reload of %s applied: %s", next->source, msg);
	return 0;
refused:
	/* A refused file is not retried by the watcher until it changes again. */
	d->file_mtime = mt;
	d->reload_failures++;
	snprintf(d->last_reload, sizeof(d->last_reload), "refused: %s", msg);
	VS_CTL_LOG(ERR, "reload refused, the running config is unchanged: %s", msg);
	return rc;
}

int
vs_daemon_reload(struct vs_daemon *d, char *msg, size_t size)
{
	return vs_daemon_reload_flags(d, 0, msg, size);
}

bool
vs_daemon_file_changed(struct vs_daemon *d)
{
	struct timespec mt;

	if (d->file[0] == '\0' || d->cfg == NULL || !d->cfg->control.watch_file)
		return false;
	file_mtime(d->file, &mt);
	return mt.tv_sec != d->file_mtime.tv_sec || mt.tv_nsec != d->file_mtime.tv_nsec;
}

/* ---- runtime rule changes ------------------------------------------------------------ */

static const char *const op_names[] = {
    [VS_CFG_RULE_OP_ADD] = "rule-add",
    [VS_CFG_RULE_OP_DEL] = "rule-del",
    [VS_CFG_RULE_OP_MOD] = "rule-mod",
    [VS_CFG_RULE_BATCH] = "rule-batch",
};

/* The live rule an op names: by name, by #UID, or by priority + match (a
 * runtime rule first, then a file rule). */
static struct vs_sw_rule *
find_rule(struct vs_daemon *d, const struct vs_cfg_rule_op *op)
{
	struct vs_sw_rule *r;

	if (op->by_match) {
		r = vs_switch_rule_by_match(d->sw, &op->rule.match, op->rule.priority,
					    VS_RULE_SRC_CTL);
		return r ? r
			 : vs_switch_rule_by_match(d->sw, &op->rule.match, op->rule.priority,
						   VS_RULE_SRC_FILE);
	}
	return vs_switch_rule_by_name(d->sw, op->rule.name);
}

static int
plan_ops(struct vs_daemon *d, const char *what, const struct vs_cfg_rule_op *ops, uint32_t n,
	 struct vs_plan *plan, char *msg, size_t size)
{
	uint32_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		const struct vs_cfg_rule_op *op = &ops[i];
		struct vs_sw_rule *r = NULL;

		if (op->op != VS_CFG_RULE_OP_ADD) {
			r = find_rule(d, op);
			if (r == NULL) {
				if (op->by_match)
					snprintf(msg, size,
						 "%s: %u:%u: no rule with priority %d and this "
						 "match; expected a live rule (show rules)",
						 what, op->rule.pos.line, op->rule.pos.column,
						 op->rule.priority);
				else
					snprintf(msg, size,
						 "%s: %u:%u: no rule named '%s'; expected a live "
						 "rule's name (show rules)",
						 what, op->rule.pos.line, op->rule.pos.column,
						 op->rule.name);
				return -ENOENT;
			}
		}
		if (op->op == VS_CFG_RULE_OP_ADD)
			rc = vs_plan_rule_add(plan, &op->rule, VS_RULE_SRC_CTL);
		else if (op->op == VS_CFG_RULE_OP_DEL)
			rc = vs_plan_rule_del(plan, r);
		else
			rc = vs_plan_rule_mod(plan, r, &op->rule, false);
	}
	if (rc < 0)
		snprintf(msg, size, "%s: out of memory", what);
	return rc;
}

int
vs_daemon_rules(struct vs_daemon *d, int kind, const char *text, char *msg, size_t size)
{
	const char *what = (unsigned)kind <= VS_CFG_RULE_BATCH ? op_names[kind] : "rule";
	struct vs_cfg_rule_op *ops = NULL;
	struct vs_cfg_error err;
	struct vs_plan plan;
	uint32_t n = 0;
	int rc;

	if (text == NULL || text[0] == '\0') {
		snprintf(msg, size, "%s: no rule given", what);
		return -EINVAL;
	}
	memset(&err, 0, sizeof(err));
	/* "#UID" names a rule by the id show rules prints. */
	if (kind == VS_CFG_RULE_OP_DEL && text[0] == '#') {
		char *end;
		unsigned long long uid = strtoull(text + 1, &end, 10);
		struct vs_sw_rule *r =
		    text[1] != '\0' && *end == '\0' ? vs_switch_rule_by_uid(d->sw, uid) : NULL;

		if (r == NULL) {
			snprintf(msg, size, "%s: no rule #%s; expected #UID of show rules", what,
				 text + 1);
			return -ENOENT;
		}
		if (r->src == VS_RULE_SRC_OPENFLOW) {
			/* the controller's tables own it (one of the rules a
			 * flow was flattened into): only a flow_mod changes it */
			snprintf(msg, size,
				 "%s: rule #%s belongs to an OpenFlow controller; expected a "
				 "flow_mod (ovs-ofctl del-flows)",
				 what, text + 1);
			return -EPERM;
		}
		vs_plan_init(&plan);
		rc = vs_plan_rule_del(&plan, r);
		goto apply;
	}
	rc = vs_config_parse_rule_ops(text, strlen(text), what, kind, d->cfg, &ops, &n, &err);
	if (rc < 0) {
		snprintf(msg, size, "%s", err.msg);
		return rc;
	}
	vs_plan_init(&plan);
	rc = plan_ops(d, what, ops, n, &plan, msg, size);
	if (rc < 0)
		goto out;
apply:
	if (rc == 0)
		rc = vs_switch_apply_plan(d->sw, &plan, &err);
	if (rc < 0) {
		if (err.msg[0] != '\0')
			snprintf(msg, size, "%s: %s", what, err.msg);
		else
			snprintf(msg, size, "%s: %s", what, strerror(-rc));
		goto out;
	}
	vs_plan_summary(&plan, msg, size);
	VS_CTL_LOG(NOTICE, "%s applied: %s", what, msg);
out:
	vs_plan_free(&plan);
	free(ops);
	return rc;
}

int
vs_daemon_rule_add(struct vs_daemon *d, const char *rule_text, char *msg, size_t size)
{
	return vs_daemon_rules(d, VS_CFG_RULE_OP_ADD, rule_text, msg, size);
}

int
vs_daemon_rule_del(struct vs_daemon *d, const char *which, char *msg, size_t size)
{
	return vs_daemon_rules(d, VS_CFG_RULE_OP_DEL, which, msg, size);
}
