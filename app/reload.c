/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's running state: reload (SIGHUP, nfvswitch-ctl reload, file
 * watching), runtime rule changes, and the statistics copy. Every change is
 * the same path startup takes: a new immutable config, diffed against the
 * running one and applied by vs_switch_apply(). Control thread only.
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

/* ---- config copies ------------------------------------------------------------ */

static void *
dup_array(const void *src, size_t n, size_t size, size_t spare)
{
	void *p;

	if (n + spare == 0)
		return NULL;
	p = calloc(n + spare, size);
	if (p != NULL && n)
		memcpy(p, src, n * size);
	return p;
}

struct vs_config *
vs_config_dup(const struct vs_config *cfg, uint32_t extra_rules)
{
	struct vs_config *c;
	uint32_t i, j;

	if (cfg == NULL) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	*c = *cfg;
	c->dpdk.extra_args = NULL;
	c->dpdk.n_extra_args = 0;
	c->workers = NULL;
	c->ports = NULL;
	c->n_ports = 0;
	c->rules = NULL;
	c->sriov = NULL;
	c->n_sriov = 0;
	/* From here on c is consistent at each step, so vs_config_free works. */
	if (cfg->dpdk.n_extra_args) {
		c->dpdk.extra_args = calloc(cfg->dpdk.n_extra_args, sizeof(char *));
		if (c->dpdk.extra_args == NULL)
			goto fail;
		for (i = 0; i < cfg->dpdk.n_extra_args; i++) {
			c->dpdk.extra_args[i] = strdup(cfg->dpdk.extra_args[i]);
			if (c->dpdk.extra_args[i] == NULL)
				goto fail;
			c->dpdk.n_extra_args++;
		}
	}
	c->workers = dup_array(cfg->workers, cfg->n_workers, sizeof(*c->workers), 0);
	if (cfg->n_workers && c->workers == NULL)
		goto fail;
	if (cfg->n_ports) {
		c->ports = calloc(cfg->n_ports, sizeof(*c->ports));
		if (c->ports == NULL)
			goto fail;
		for (i = 0; i < cfg->n_ports; i++) {
			c->ports[i] = cfg->ports[i];
			c->ports[i].rxq_pins = NULL;
			c->n_ports++;
			if (cfg->ports[i].n_rxq_pins == 0)
				continue;
			c->ports[i].rxq_pins =
			    dup_array(cfg->ports[i].rxq_pins, cfg->ports[i].n_rxq_pins,
				      sizeof(*c->ports[i].rxq_pins), 0);
			if (c->ports[i].rxq_pins == NULL)
				goto fail;
		}
	}
	c->rules = dup_array(cfg->rules, cfg->n_rules, sizeof(*c->rules), extra_rules);
	if (cfg->n_rules + extra_rules && c->rules == NULL)
		goto fail;
	if (cfg->n_sriov) {
		c->sriov = calloc(cfg->n_sriov, sizeof(*c->sriov));
		if (c->sriov == NULL)
			goto fail;
		for (i = 0; i < cfg->n_sriov; i++) {
			const struct vs_cfg_pf *pf = &cfg->sriov[i];

			c->sriov[i] = *pf;
			c->sriov[i].vfs = NULL;
			c->sriov[i].n_vfs = 0;
			c->n_sriov++;
			if (pf->n_vfs == 0)
				continue;
			c->sriov[i].vfs = calloc(pf->n_vfs, sizeof(*pf->vfs));
			if (c->sriov[i].vfs == NULL)
				goto fail;
			for (j = 0; j < pf->n_vfs; j++) {
				struct vs_cfg_vf *vf = &c->sriov[i].vfs[j];

				*vf = pf->vfs[j];
				vf->extra_macs = NULL;
				vf->n_extra_macs = 0;
				c->sriov[i].n_vfs++;
				if (pf->vfs[j].n_extra_macs == 0)
					continue;
				vf->extra_macs =
				    dup_array(pf->vfs[j].extra_macs, pf->vfs[j].n_extra_macs,
					      sizeof(*vf->extra_macs), 0);
				if (vf->extra_macs == NULL)
					goto fail;
				vf->n_extra_macs = pf->vfs[j].n_extra_macs;
			}
		}
	}
	return c;
fail:
	vs_config_free(c);
	errno = ENOMEM;
	return NULL;
}

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
	d->file_cfg = vs_config_dup(cfg, 0);
	d->stats = calloc(1, sizeof(*d->stats));
	d->rate_prev = calloc(1, sizeof(*d->rate_prev));
	d->rate_cur = calloc(1, sizeof(*d->rate_cur));
	if (d->file_cfg == NULL || d->stats == NULL || d->rate_prev == NULL ||
	    d->rate_cur == NULL) {
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
			VS_CTL_LOG(ERR, "port %s: cannot tie it to %s VF %u: %s\n", c->name,
				   c->vf_pf, c->vf_id, strerror(-rc));
	}
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
	if (rc < 0)
		return rc;
	d->vf = vs_vf_create(d->cfg, params);
	if (d->vf == NULL) {
		rc = -errno;
		snprintf(d->vf_error, sizeof(d->vf_error), "cannot manage SR-IOV: %s",
			 strerror(errno));
		return rc;
	}
	VS_CTL_LOG(INFO, "managing the VFs of %u PF(s)\n", d->cfg->n_sriov);
	sriov_bind_ports(d);
	return 0;
}

/* After an apply: the VFs follow the new config (only what changed is sent). */
static void
sriov_follow(struct vs_daemon *d)
{
	int rc;

	if (d->vf != NULL) {
		rc = vs_vf_apply_config(d->vf, d->cfg);
		if (rc < 0)
			VS_CTL_LOG(ERR, "SR-IOV: the new config was not adopted: %s\n",
				   strerror(-rc));
		else
			sriov_bind_ports(d);
	} else if (d->cfg->n_sriov != 0) {
		vs_daemon_sriov_start(d, d->vf_params);
	}
}

void
vs_daemon_fini(struct vs_daemon *d)
{
	if (d == NULL)
		return;
	vs_vf_destroy(d->vf);
	d->vf = NULL;
	vs_telemetry_unregister();
	vs_ctl_close(d->ctl);
	d->ctl = NULL;
	vs_metrics_close(d->metrics);
	d->metrics = NULL;
	if (d->cfg != d->initial)
		vs_config_free(d->cfg);
	d->cfg = NULL;
	vs_config_free(d->file_cfg);
	d->file_cfg = NULL;
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
vs_daemon_tick(struct vs_daemon *d, double now)
{
	struct vs_switch_stats *tmp;

	/* The copy telemetry reads is refreshed ten times a second (the whole
	 * struct is some 200 KiB with 64 workers); requests refresh it too. */
	if (now - d->t_copy >= 0.1 || now - d->t_rate >= 1.0) {
		/* Only this thread writes d->stats: it may read it without the lock. */
		pthread_mutex_lock(&d->stats_lock);
		vs_switch_stats(d->sw, d->stats);
		pthread_mutex_unlock(&d->stats_lock);
		d->t_copy = now;
	}
	if (d->vf != NULL) {
		/* The context's clock is CLOCK_MONOTONIC in ms, as now is. */
		uint64_t now_ms = (uint64_t)(now * 1000.0);

		if (now_ms >= vs_vf_next_due(d->vf))
			vs_vf_reconcile(d->vf, now_ms + 5);
	}
	if (now - d->t_rate < 1.0)
		return;
	tmp = d->rate_prev;
	d->rate_prev = d->rate_cur;
	d->rate_cur = tmp;
	memcpy(d->rate_cur, d->stats, sizeof(*d->rate_cur));
	d->rate_dt = now - d->t_rate;
	d->t_rate = now;
	d->rate_window_ready = true;
}

/* ---- apply ------------------------------------------------------------------------ */

/*
 * Apply next (owned by the caller until it succeeds; then by d). Pipeline log
 * lines written during the apply are captured into msg as well as echoed to
 * the usual log stream.
 */
static int
apply(struct vs_daemon *d, struct vs_config *next, char *msg, size_t size)
{
	struct vs_cfg_error err;
	struct vs_diff diff;
	char summary[512];
	char *logbuf = NULL;
	size_t loglen = 0;
	FILE *cap, *prev;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = vs_diff_compute(d->cfg, next, &diff, &err);
	if (rc < 0) {
		snprintf(msg, size, "%s", rc == -EPERM ? err.msg : strerror(-rc));
		return rc;
	}
	vs_diff_summary(&diff, summary, sizeof(summary));
	vs_diff_free(&diff);
	/* The sriov: section is checked before anything changes. */
	if (next->n_sriov != 0) {
		rc = vs_vf_validate(next, vf_sysfs_root(d), msg, size);
		if (rc < 0)
			return rc;
	}
	prev = rte_log_get_stream();
	cap = open_memstream(&logbuf, &loglen);
	if (cap != NULL)
		rte_openlog_stream(cap);
	rc = vs_switch_apply(d->sw, next);
	if (cap != NULL) {
		rte_openlog_stream(NULL); /* back to the EAL's default stream */
		fclose(cap);
		if (logbuf != NULL && loglen) {
			fputs(logbuf, prev ? prev : stderr);
			fflush(prev ? prev : stderr);
		}
	}
	if (rc < 0) {
		if (logbuf != NULL && loglen) {
			char *line = logbuf, *nl;

			/* The last line: the pipeline logs the cause just before it fails. */
			for (nl = strchr(line, '\n'); nl && nl[1]; nl = strchr(line, '\n'))
				line = nl + 1;
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			/* Without the log type ("pipeline: "); a file name has a '/' or '.'. */
			nl = strstr(line, ": ");
			if (nl != NULL && strcspn(line, " /.:") == (size_t)(nl - line))
				line = nl + 2;
			if (strncmp(line, next->source, strlen(next->source)) == 0)
				snprintf(msg, size, "%s", line);
			else
				snprintf(msg, size, "%s: not applied: %s", next->source, line);
		} else {
			snprintf(msg, size, "%s: not applied: %s", next->source, strerror(-rc));
		}
		free(logbuf);
		return rc;
	}
	free(logbuf);
	set_cfg(d, next);
	sriov_follow(d);
	snprintf(msg, size, "%s", summary);
	return 0;
}

int
vs_daemon_reload(struct vs_daemon *d, char *msg, size_t size)
{
	struct vs_cfg_error err;
	struct vs_config *next, *file_copy;
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
	file_copy = vs_config_dup(next, 0);
	if (file_copy == NULL) {
		vs_config_free(next);
		rc = -ENOMEM;
		snprintf(msg, size, "out of memory");
		goto refused;
	}
	rc = apply(d, next, msg, size);
	if (rc < 0) {
		vs_config_free(next);
		vs_config_free(file_copy);
		goto refused;
	}
	vs_config_free(d->file_cfg);
	d->file_cfg = file_copy;
	d->file_mtime = mt;
	d->reloads++;
	snprintf(d->last_reload, sizeof(d->last_reload), "applied: %s", msg);
	VS_CTL_LOG(NOTICE, "reload of %s applied: %s\n", next->source, msg);
	return 0;
refused:
	/* A refused file is not retried by the watcher until it changes again. */
	d->file_mtime = mt;
	d->reload_failures++;
	snprintf(d->last_reload, sizeof(d->last_reload), "refused: %s", msg);
	VS_CTL_LOG(ERR, "reload refused, the running config is unchanged: %s\n", msg);
	return rc;
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

/* Parse one rule written in the file's syntax, checking its port names
 * against the running ports. */
static int
parse_rule(const struct vs_daemon *d, const char *text, struct vs_cfg_rule *out, char *msg,
	   size_t size)
{
	struct vs_cfg_error err;
	struct vs_config *c;
	size_t cap = strlen(text) + 64 + (size_t)d->cfg->n_ports * (VS_CFG_NAME_MAX + 64);
	char *yaml = malloc(cap), *p;
	size_t off;
	uint32_t i;

	if (yaml == NULL)
		return -ENOMEM;
	/* The rule first, so that positions read rule-add:2:5 and on. */
	off = (size_t)snprintf(yaml, cap, "rules:\n  - ");
	for (p = yaml + off; *text; text++)
		*p++ = (*text == '\n' || *text == '\r') ? ' ' : *text;
	off = (size_t)(p - yaml);
	off += (size_t)snprintf(yaml + off, cap - off, "\nports:\n");
	for (i = 0; i < d->cfg->n_ports; i++)
		off += (size_t)snprintf(yaml + off, cap - off,
					"  - {name: \"%s\", type: ethdev, device: \"port%u\"}\n",
					d->cfg->ports[i].name, i);
	memset(&err, 0, sizeof(err));
	c = vs_config_load_buf(yaml, off, "rule-add", &err);
	free(yaml);
	if (c == NULL) {
		snprintf(msg, size, "%s", err.msg);
		return -EINVAL;
	}
	if (c->n_rules != 1) {
		vs_config_free(c);
		snprintf(msg, size, "rule-add: expected one rule");
		return -EINVAL;
	}
	*out = c->rules[0];
	memset(&out->pos, 0, sizeof(out->pos));
	for (i = 0; i < VS_CFG_MAX_ACTIONS; i++)
		memset(&out->actions[i].pos, 0, sizeof(out->actions[i].pos));
	vs_config_free(c);
	return 0;
}

int
vs_daemon_rule_add(struct vs_daemon *d, const char *rule_text, char *msg, size_t size)
{
	struct vs_cfg_rule rule;
	struct vs_config *next;
	uint32_t i;
	int rc;

	if (rule_text == NULL || rule_text[0] == '\0') {
		snprintf(msg, size, "rule-add: no rule given");
		return -EINVAL;
	}
	rc = parse_rule(d, rule_text, &rule, msg, size);
	if (rc < 0)
		return rc;
	for (i = 0; rule.name[0] != '\0' && i < d->cfg->n_rules; i++) {
		if (strcmp(d->cfg->rules[i].name, rule.name) == 0) {
			snprintf(msg, size, "rule-add: a rule named '%s' exists already",
				 rule.name);
			return -EEXIST;
		}
	}
	next = vs_config_dup(d->cfg, 1);
	if (next == NULL) {
		snprintf(msg, size, "out of memory");
		return -ENOMEM;
	}
	next->rules[next->n_rules++] = rule;
	rc = apply(d, next, msg, size);
	if (rc < 0)
		vs_config_free(next);
	else
		VS_CTL_LOG(NOTICE, "runtime rule added%s%s: %s\n", rule.name[0] ? " " : "",
			   rule.name, msg);
	return rc;
}

int
vs_daemon_rule_del(struct vs_daemon *d, const char *which, char *msg, size_t size)
{
	struct vs_config *next;
	uint32_t i, idx = UINT32_MAX;
	int rc;

	if (which == NULL || which[0] == '\0') {
		snprintf(msg, size, "rule-del: give a rule name or #INDEX");
		return -EINVAL;
	}
	if (which[0] == '#') {
		char *end;
		unsigned long v = strtoul(which + 1, &end, 10);

		if (which[1] != '\0' && *end == '\0' && v < d->cfg->n_rules)
			idx = (uint32_t)v;
	} else {
		for (i = 0; i < d->cfg->n_rules; i++)
			if (strcmp(d->cfg->rules[i].name, which) == 0)
				idx = i;
	}
	if (idx == UINT32_MAX) {
		snprintf(msg, size, "rule-del: no rule %s (%u rules; names or #0..#%u)", which,
			 d->cfg->n_rules, d->cfg->n_rules ? d->cfg->n_rules - 1 : 0);
		return -ENOENT;
	}
	next = vs_config_dup(d->cfg, 0);
	if (next == NULL) {
		snprintf(msg, size, "out of memory");
		return -ENOMEM;
	}
	memmove(&next->rules[idx], &next->rules[idx + 1],
		(next->n_rules - idx - 1) * sizeof(next->rules[0]));
	next->n_rules--;
	rc = apply(d, next, msg, size);
	if (rc < 0)
		vs_config_free(next);
	else
		VS_CTL_LOG(NOTICE, "runtime rule %s deleted: %s\n", which, msg);
	return rc;
}
