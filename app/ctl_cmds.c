/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket commands: each builds a JSON result from the daemon's state
 * (control thread). nfvswitch-ctl formats it for people, or prints it as is
 * with --json.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "vs_ctl.h"
#include "vs_vhost.h"

#ifndef VS_VERSION
#define VS_VERSION "unknown"
#endif

static json_t *
ok(json_t *result)
{
	return json_pack("{s:b, s:o}", "ok", 1, "result", result ? result : json_null());
}

static json_t *
fail(const char *msg)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static double
ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

/* ---- text forms of rules ---------------------------------------------------------- */

static void
prefix_str(const struct vs_cfg_prefix *p, char *buf, size_t size)
{
	char a[48];

	if (p->family == 6) {
		unsigned i, off = 0;

		for (i = 0; i < 16; i += 2)
			off += (unsigned)snprintf(a + off, sizeof(a) - off, "%s%x", i ? ":" : "",
						  (unsigned)(p->addr[i] << 8 | p->addr[i + 1]));
	} else {
		snprintf(a, sizeof(a), "%u.%u.%u.%u", p->addr[0], p->addr[1], p->addr[2],
			 p->addr[3]);
	}
	snprintf(buf, size, "%s/%u", a, p->len);
}

#define APPEND(...)                                                                                \
	do {                                                                                       \
		if (off < size)                                                                    \
			off += (size_t)snprintf(buf + off, size - off, __VA_ARGS__);               \
	} while (0)

static const char *
match_str(const struct vs_cfg_match *m, char *buf, size_t size)
{
	char a[64], b[24];
	size_t off = 0;

	buf[0] = '\0';
	if (m->fields & VS_CFG_M_IN_PORT)
		APPEND("in_port=%s,", m->in_port);
	if (m->fields & VS_CFG_M_ETH_SRC)
		APPEND("eth_src=%s,", vs_cfg_mac_str(&m->eth_src, b, sizeof(b)));
	if (m->fields & VS_CFG_M_ETH_DST)
		APPEND("eth_dst=%s,", vs_cfg_mac_str(&m->eth_dst, b, sizeof(b)));
	if (m->fields & VS_CFG_M_ETH_TYPE)
		APPEND("eth_type=0x%04x,", m->eth_type);
	if (m->fields & VS_CFG_M_VLAN_ID) {
		if (m->vlan_none)
			APPEND("vlan=none,");
		else
			APPEND("vlan=%u,", m->vlan_id);
	}
	if (m->fields & VS_CFG_M_VLAN_PCP)
		APPEND("vlan_pcp=%u,", m->vlan_pcp);
	if (m->fields & VS_CFG_M_IP_SRC) {
		prefix_str(&m->ip_src, a, sizeof(a));
		APPEND("ip_src=%s,", a);
	}
	if (m->fields & VS_CFG_M_IP_DST) {
		prefix_str(&m->ip_dst, a, sizeof(a));
		APPEND("ip_dst=%s,", a);
	}
	if (m->fields & VS_CFG_M_IP_PROTO)
		APPEND("ip_proto=%u,", m->ip_proto);
	if (m->fields & VS_CFG_M_IP_DSCP)
		APPEND("ip_dscp=%u,", m->ip_dscp);
	if (m->fields & VS_CFG_M_L4_SRC)
		APPEND(m->l4_src_lo == m->l4_src_hi ? "l4_src=%u," : "l4_src=%u-%u,", m->l4_src_lo,
		       m->l4_src_hi);
	if (m->fields & VS_CFG_M_L4_DST)
		APPEND(m->l4_dst_lo == m->l4_dst_hi ? "l4_dst=%u," : "l4_dst=%u-%u,", m->l4_dst_lo,
		       m->l4_dst_hi);
	if (m->fields & VS_CFG_M_ICMP_TYPE)
		APPEND("icmp_type=%u,", m->icmp_type);
	if (m->fields & VS_CFG_M_ICMP_CODE)
		APPEND("icmp_code=%u,", m->icmp_code);
	if (off == 0)
		APPEND("any");
	else if (off < size)
		buf[off - 1] = '\0';
	return buf;
}

static const char *
actions_str(const struct vs_cfg_rule *r, char *buf, size_t size)
{
	size_t off = 0;
	uint32_t i;
	char b[24];

	buf[0] = '\0';
	for (i = 0; i < r->n_actions && i < VS_CFG_MAX_ACTIONS; i++) {
		const struct vs_cfg_action *a = &r->actions[i];
		const char *sep = i ? "," : "";

		switch (a->type) {
		case VS_CFG_ACT_OUTPUT:
			APPEND("%soutput:%s", sep, a->port);
			break;
		case VS_CFG_ACT_PUSH_VLAN:
			APPEND("%spush_vlan:%u/%u", sep, a->vlan_id, a->vlan_pcp);
			break;
		case VS_CFG_ACT_SET_ETH_SRC:
		case VS_CFG_ACT_SET_ETH_DST:
			APPEND("%s%s:%s", sep, vs_cfg_action_type_str(a->type),
			       vs_cfg_mac_str(&a->mac, b, sizeof(b)));
			break;
		default:
			APPEND("%s%s", sep, vs_cfg_action_type_str(a->type));
			break;
		}
	}
	return buf;
}

#undef APPEND

/* ---- show ports / vhost ------------------------------------------------------------ */

/* The vhost-user side of a vhost port: connection, device, queues. */
static json_t *
vhost_json(const struct vs_daemon *d, uint16_t id)
{
	const struct vs_port *p = vs_switch_port(d->sw, id);
	struct vs_vhu_stats *vs = calloc(1, sizeof(*vs));
	json_t *o = NULL, *qs;
	char feat[24];
	uint16_t q;

	if (vs == NULL || p == NULL || vs_vhu_stats_get(p, vs) < 0) {
		free(vs);
		return json_null();
	}
	qs = json_array();
	for (q = 0; qs && q < vs->n_queues && q < VS_PORT_MAX_QUEUES; q++) {
		const struct vs_vhu_queue_stats *v = &vs->queue[q];

		json_array_append_new(
		    qs, json_pack("{s:i, s:b, s:b, s:I, s:I, s:I, s:I}", "queue", q, "rx_enabled",
				  v->rx_enabled, "tx_enabled", v->tx_enabled, "rx_pkts",
				  (json_int_t)v->rx_pkts, "tx_pkts", (json_int_t)v->tx_pkts,
				  "tx_ring_full", (json_int_t)v->tx_ring_full, "tx_disabled",
				  (json_int_t)v->tx_disabled));
	}
	snprintf(feat, sizeof(feat), "0x%" PRIx64, vs->features);
	o = json_pack("{s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:i, s:i, s:o}", "state",
		      vs_vhu_state_str(vs->state), "vid", vs->vid, "features", feat, "connections",
		      (json_int_t)vs->connections, "reconnects", (json_int_t)vs->reconnects,
		      "devices", (json_int_t)vs->devices, "destroys", (json_int_t)vs->destroys,
		      "queue_pairs", vs->n_queues, "vrings", vs->n_vrings, "queues", qs);
	free(vs);
	return o;
}

static json_t *
port_json(const struct vs_daemon *d, const struct vs_switch_port_stats *ps)
{
	const struct vs_switch_stats *a = d->rate_prev, *b = d->rate_cur;
	const struct vs_cfg_port *pc = vs_config_port(d->cfg, ps->name);
	double dt = d->rate_dt;
	json_t *o, *rates;

	o = json_pack("{s:i, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "id",
		      ps->id, "name", ps->name, "type", pc ? vs_cfg_port_type_str(pc->type) : "?",
		      "ready", ps->ready, "rx_pkts", (json_int_t)ps->rx_pkts, "rx_bytes",
		      (json_int_t)ps->rx_bytes, "tx_pkts", (json_int_t)ps->tx_pkts, "tx_bytes",
		      (json_int_t)ps->tx_bytes, "tx_drops", (json_int_t)ps->tx_drops, "imissed",
		      (json_int_t)ps->dev.imissed, "ierrors", (json_int_t)ps->dev.ierrors,
		      "oerrors", (json_int_t)ps->dev.oerrors, "rx_nombuf",
		      (json_int_t)ps->dev.rx_nombuf);
	if (o == NULL)
		return NULL;
	if (pc != NULL) {
		if (pc->type == VS_CFG_PORT_VHOST) {
			json_object_set_new(o, "vhost", vhost_json(d, ps->id));
			json_object_set_new(o, "path", json_string(pc->path));
			json_object_set_new(
			    o, "mode",
			    json_string(pc->mode == VS_CFG_VHOST_SERVER ? "server" : "client"));
			json_object_set_new(o, "queues", json_integer(pc->queues ? pc->queues : 1));
		} else {
			json_object_set_new(o, "device", json_string(pc->device));
			json_object_set_new(o, "rx_queues",
					    json_integer(pc->rx_queues ? pc->rx_queues : 1));
		}
	}
	if (dt > 0 && ps->id < VS_PORT_MAX) {
		const struct vs_switch_port_stats *pa = &a->port[ps->id], *pb = &b->port[ps->id];

		rates = json_pack("{s:f, s:f, s:f, s:f, s:f}", "rx_pps",
				  (double)(pb->rx_pkts - pa->rx_pkts) / dt, "rx_bps",
				  (double)(pb->rx_bytes - pa->rx_bytes) * 8 / dt, "tx_pps",
				  (double)(pb->tx_pkts - pa->tx_pkts) / dt, "tx_bps",
				  (double)(pb->tx_bytes - pa->tx_bytes) * 8 / dt, "interval_s", dt);
		json_object_set_new(o, "rates", rates);
	}
	return o;
}

static json_t *
show_ports(struct vs_daemon *d, int only_type)
{
	const struct vs_switch_stats *st = d->stats;
	json_t *arr = json_array();
	uint16_t id;

	for (id = 0; arr && id < st->n_ports; id++) {
		const struct vs_cfg_port *pc;

		if (!st->port[id].present)
			continue;
		pc = vs_config_port(d->cfg, st->port[id].name);
		if (only_type >= 0 && (pc == NULL || (int)pc->type != only_type))
			continue;
		json_array_append_new(arr, port_json(d, &st->port[id]));
	}
	return arr;
}

/* ---- show workers (pmd-perf view) ----------------------------------------------------- */

static const char *
port_name(const struct vs_switch_stats *st, uint16_t id)
{
	return id < VS_PORT_MAX && st->port[id].present ? st->port[id].name : "?";
}

static json_t *
worker_json(const struct vs_daemon *d, uint16_t i)
{
	const struct vs_switch_worker_stats *w = &d->stats->worker[i];
	const struct vs_switch_worker_stats *wa = &d->rate_prev->worker[i];
	const struct vs_switch_worker_stats *wb = &d->rate_cur->worker[i];
	uint64_t stage_total = 0, bursts = 0, burst_pkts = 0, hits;
	json_t *o, *cyc, *cpp, *hist, *drops, *rxqs;
	uint64_t busy_w = wb->busy_cycles - wa->busy_cycles;
	uint64_t idle_w = wb->idle_cycles - wa->idle_cycles;
	unsigned s, r;
	uint16_t q;

	cyc = json_object();
	cpp = json_object();
	for (s = 0; s < VS_STAGE_MAX; s++) {
		stage_total += w->stage_cycles[s];
		json_object_set_new(cyc, vs_stage_str(s),
				    json_integer((json_int_t)w->stage_cycles[s]));
		json_object_set_new(cpp, vs_stage_str(s),
				    json_real(ratio(w->stage_cycles[s], w->rx_pkts)));
	}
	json_object_set_new(cpp, "total", json_real(ratio(stage_total, w->rx_pkts)));
	hist = json_array();
	for (s = 0; s < VS_BURST_HIST; s++) {
		json_array_append_new(hist, json_integer((json_int_t)w->bursts[s]));
		bursts += w->bursts[s];
	}
	burst_pkts = w->rx_pkts;
	drops = json_object();
	for (r = VS_DROP_FIRST; r < VS_DROP_MAX; r++)
		if (w->drops[r])
			json_object_set_new(drops, vs_drop_reason_str(r),
					    json_integer((json_int_t)w->drops[r]));
	rxqs = json_array();
	for (q = 0; q < w->n_rxq && q < VS_WORKER_MAX_RXQ; q++) {
		const struct vs_rxq_load *l = &w->rxq[q];

		json_array_append_new(
		    rxqs, json_pack("{s:s, s:i, s:I, s:I, s:f, s:f}", "port",
				    port_name(d->stats, l->q.port), "queue", l->q.queue, "pkts",
				    (json_int_t)l->pkts, "cycles", (json_int_t)l->cycles,
				    "cycles_per_pkt", ratio(l->cycles, l->pkts), "load_pct",
				    100.0 * ratio(l->cycles, w->busy_cycles)));
	}
	hits = w->cls.port_fast_hits + w->cls.emc_hits + w->cls.tss_hits;
	o = json_pack(
	    "{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f}", "index", i, "lcore", w->lcore,
	    "rx_pkts", (json_int_t)w->rx_pkts, "tx_pkts", (json_int_t)w->tx_pkts, "busy_cycles",
	    (json_int_t)w->busy_cycles, "idle_cycles", (json_int_t)w->idle_cycles, "generation",
	    (json_int_t)w->generation, "busy_pct",
	    100.0 * ratio(w->busy_cycles, w->busy_cycles + w->idle_cycles), "busy_pct_now",
	    100.0 * ratio(busy_w, busy_w + idle_w), "avg_burst", ratio(burst_pkts, bursts));
	json_object_set_new(o, "stage_cycles", cyc);
	json_object_set_new(o, "cycles_per_pkt", cpp);
	json_object_set_new(o, "burst_hist", hist);
	json_object_set_new(o, "burst_hist_buckets",
			    json_pack("[s,s,s,s,s,s]", "1", "2-3", "4-7", "8-15", "16-31", "32"));
	json_object_set_new(
	    o, "classifier",
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:i}", "lookups",
		      (json_int_t)w->cls.lookups, "port_fast_hits",
		      (json_int_t)w->cls.port_fast_hits, "emc_hits", (json_int_t)w->cls.emc_hits,
		      "tss_hits", (json_int_t)w->cls.tss_hits, "misses",
		      (json_int_t)w->cls.tss_misses, "emc_inserts", (json_int_t)w->cls.emc_inserts,
		      "emc_hit_pct", 100.0 * ratio(w->cls.emc_hits, w->cls.lookups),
		      "emc_insert_shift", w->cls.emc_insert_shift));
	json_object_set_new(o, "hit_pct", json_real(100.0 * ratio(hits, w->cls.lookups)));
	json_object_set_new(o, "drops", drops);
	json_object_set_new(o, "rxqs", rxqs);
	return o;
}

static json_t *
show_workers(struct vs_daemon *d)
{
	json_t *arr = json_array();
	uint16_t i;

	for (i = 0; arr && i < d->stats->n_workers; i++)
		json_array_append_new(arr, worker_json(d, i));
	return arr;
}

/* ---- show rules ------------------------------------------------------------------------ */

static json_t *
show_rules(struct vs_daemon *d)
{
	json_t *arr = json_array(), *gone = json_array(), *o;
	struct vs_sw_rule **live = NULL;
	struct timespec ts;
	uint64_t now_ns;
	char m[512], a[512];
	uint32_t n_runtime = 0, i;
	int n;

	n = vs_switch_rules_sorted(d->sw, UINT32_MAX, &live);
	if (n < 0 || arr == NULL || gone == NULL) {
		free(live);
		json_decref(arr);
		json_decref(gone);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	for (i = 0; i < (uint32_t)n; i++) {
		const struct vs_sw_rule *r = live[i];
		uint64_t pkts, bytes;

		vs_switch_rule_counters(d->sw, r, &pkts, &bytes);
		n_runtime += r->src != VS_RULE_SRC_FILE;
		json_array_append_new(
		    arr, json_pack("{s:I, s:s, s:i, s:s, s:s, s:s, s:I, s:I, s:f, s:i, s:i}", "id",
				   (json_int_t)r->uid, "name", r->spec.name, "priority",
				   r->spec.priority, "match",
				   match_str(&r->spec.match, m, sizeof(m)), "actions",
				   actions_str(&r->spec, a, sizeof(a)), "source",
				   vs_rule_source_str(r->src), "packets", (json_int_t)pkts, "bytes",
				   (json_int_t)bytes, "age_s",
				   (double)(now_ns - r->created_ns) / 1e9, "classifier_rules",
				   (int)r->n_cls, "line",
				   r->src == VS_RULE_SRC_FILE ? (int)r->spec.pos.line : 0));
	}
	free(live);
	/* File rules deleted or replaced at runtime. */
	for (i = 0; i < d->cfg->n_rules; i++) {
		const struct vs_cfg_rule *r = &d->cfg->rules[i];

		if (vs_switch_rule_find_spec(d->sw, r, VS_RULE_SRC_FILE) != NULL)
			continue;
		json_array_append_new(gone, json_pack("{s:s, s:s, s:i}", "name", r->name, "match",
						      match_str(&r->match, m, sizeof(m)), "line",
						      r->pos.line));
	}
	o = json_pack("{s:s, s:b, s:i, s:o, s:o}", "source", d->cfg->source, "differs_from_file",
		      n_runtime != 0 || json_array_size(gone) != 0, "runtime_rules",
		      (int)n_runtime, "rules", arr, "deleted_at_runtime", gone);
	return o;
}

/* ---- show vf / rxqs -------------------------------------------------------------------- */

static const char *
tristate(int v)
{
	return v == VS_CFG_ON ? "on" : v == VS_CFG_OFF ? "off" : "unset";
}

/* The VFs as the config asks for them (when SR-IOV is not managed). */
static json_t *
vf_desired(const struct vs_cfg_pf *pf)
{
	json_t *vfs = json_array();
	char mac[24];
	uint32_t j;

	for (j = 0; vfs && j < pf->n_vfs; j++) {
		const struct vs_cfg_vf *vf = &pf->vfs[j];

		json_array_append_new(
		    vfs, json_pack("{s:i, s:s, s:i, s:i, s:s, s:s, s:I, s:I}", "vf", vf->id, "mac",
				   vf->has_mac ? vs_cfg_mac_str(&vf->mac, mac, sizeof(mac)) : "",
				   "vlan", vf->has_vlan ? vf->vlan : 0, "qos", vf->qos, "spoofchk",
				   tristate(vf->spoofchk), "trust", tristate(vf->trust),
				   "min_tx_rate", (json_int_t)vf->min_tx_rate, "max_tx_rate",
				   (json_int_t)vf->max_tx_rate));
	}
	return vfs;
}

/* Requested versus applied, per VF and field, from the reconcile context. */
static json_t *
vf_status(const struct vs_vf_ctx *ctx, uint32_t p, const struct vs_vf_pf_status *ps)
{
	json_t *vfs = json_array();
	struct vs_vf_vf_status vs;
	uint32_t j;
	unsigned f;

	for (j = 0; vfs && j < ps->n_vfs; j++) {
		json_t *fields = json_object();

		if (vs_vf_status_vf(ctx, p, j, &vs) < 0)
			break;
		for (f = 0; f < VS_VF_F_MAX; f++) {
			const struct vs_vf_field_status *fs = &vs.fields[f];

			if (fs->state == VS_VF_ST_UNSET)
				continue;
			json_object_set_new(fields, vs_vf_field_str(fs->field),
					    json_pack("{s:s, s:s, s:s, s:s, s:i}", "state",
						      vs_vf_state_str(fs->state), "requested",
						      fs->requested, "applied", fs->applied, "msg",
						      fs->msg, "attempts", (int)fs->attempts));
		}
		json_array_append_new(vfs,
				      json_pack("{s:i, s:s, s:i, s:o}", "vf", vs.vf, "pci", vs.pci,
						"port_id", vs.port_id, "fields", fields));
	}
	return vfs;
}

static json_t *
show_vf(struct vs_daemon *d)
{
	struct vs_vf_pf_status ps;
	json_t *arr = json_array();
	uint32_t i;

	if (d->vf != NULL) {
		for (i = 0; arr && i < vs_vf_status_pf_count(d->vf); i++) {
			if (vs_vf_status_pf(d->vf, i, &ps) < 0)
				break;
			json_array_append_new(
			    arr,
			    json_pack(
				"{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:s, s:o}", "pf",
				ps.pf, "state", "managed", "driver", ps.driver, "backend",
				ps.backend, "num_vfs", ps.num_vfs_requested, "num_vfs_applied",
				ps.num_vfs_applied, "total_vfs", ps.total_vfs, "num_vfs_state",
				vs_vf_state_str(ps.num_vfs_state), "num_vfs_msg", ps.num_vfs_msg,
				"read_msg", ps.read_msg, "vfs", vf_status(d->vf, i, &ps)));
		}
		return arr;
	}
	for (i = 0; arr && i < d->cfg->n_sriov; i++) {
		const struct vs_cfg_pf *pf = &d->cfg->sriov[i];

		json_array_append_new(
		    arr, json_pack("{s:s, s:s, s:s, s:i, s:s, s:o}", "pf", pf->pf, "state",
				   "not managed", "backend",
				   pf->backend == VS_CFG_PF_DPDK ? "dpdk" : "kernel", "num_vfs",
				   pf->num_vfs, "error", d->vf_error, "vfs", vf_desired(pf)));
	}
	return arr;
}

static json_t *
rxq_map_json(const struct vs_rxq_map *m, const struct vs_switch_stats *st, const uint64_t *load)
{
	json_t *arr = json_array();
	uint16_t w, i;

	for (w = 0; arr && w < m->n_workers; w++) {
		json_t *qs = json_array();

		for (i = 0; i < m->n[w]; i++)
			json_array_append_new(qs, json_pack("{s:s, s:i}", "port",
							    port_name(st, m->q[w][i].port), "queue",
							    m->q[w][i].queue));
		json_array_append_new(arr, json_pack("{s:i, s:i, s:I, s:o}", "worker", w, "lcore",
						     st->worker[w].lcore, "cycles",
						     (json_int_t)(load ? load[w] : 0), "rxqs", qs));
	}
	return arr;
}

/* Pinned queues of the running config, as a map of fixed assignments. */
static void
pinned_map(struct vs_daemon *d, struct vs_rxq_map *fixed)
{
	uint32_t i, j;
	uint16_t w;

	memset(fixed, 0, sizeof(*fixed));
	fixed->n_workers = (uint16_t)d->cfg->n_workers;
	for (i = 0; i < d->cfg->n_ports; i++) {
		const struct vs_cfg_port *pc = &d->cfg->ports[i];
		struct vs_port *p = vs_switch_port_by_name(d->sw, pc->name);

		for (j = 0; p && j < pc->n_rxq_pins; j++) {
			for (w = 0; w < d->cfg->n_workers; w++) {
				if (d->cfg->workers[w].lcore != pc->rxq_pins[j].worker_lcore ||
				    fixed->n[w] >= VS_WORKER_MAX_RXQ)
					continue;
				fixed->q[w][fixed->n[w]].port = p->id;
				fixed->q[w][fixed->n[w]].queue = pc->rxq_pins[j].queue;
				fixed->n[w]++;
			}
		}
	}
}

static json_t *
rxq_rebalance(struct vs_daemon *d, char *msg, size_t size)
{
	struct vs_rxq_map *cur = malloc(sizeof(*cur)), *fixed = malloc(sizeof(*fixed));
	struct vs_rxq_map *next = malloc(sizeof(*next));
	uint64_t load[VS_CFG_MAX_WORKERS];
	json_t *res = NULL;
	int rc;

	if (cur == NULL || fixed == NULL || next == NULL) {
		snprintf(msg, size, "out of memory");
		goto out;
	}
	rc = vs_switch_rxq_map(d->sw, cur);
	if (rc == 0) {
		pinned_map(d, fixed);
		rc = vs_rxq_rebalance(cur, fixed, d->stats, next, load);
	}
	if (rc == 0)
		rc = vs_switch_set_rxqs(d->sw, next);
	if (rc < 0) {
		snprintf(msg, size, "rxq-rebalance: %s", strerror(-rc));
		goto out;
	}
	res = json_pack("{s:o, s:o}", "before", rxq_map_json(cur, d->stats, NULL), "after",
			rxq_map_json(next, d->stats, load));
out:
	free(cur);
	free(fixed);
	free(next);
	return res;
}

static json_t *
show_rxqs(struct vs_daemon *d)
{
	struct vs_rxq_map *m = malloc(sizeof(*m));
	json_t *res;

	if (m == NULL)
		return NULL;
	if (vs_switch_rxq_map(d->sw, m) < 0)
		memset(m, 0, sizeof(*m));
	res = rxq_map_json(m, d->stats, NULL);
	free(m);
	return res;
}

/* ---- stats ------------------------------------------------------------------------------ */

static json_t *
stats_json(struct vs_daemon *d)
{
	const struct vs_switch_stats *st = d->stats;
	json_t *drops = json_object(), *o;
	struct timespec ts;
	unsigned r;

	for (r = VS_DROP_FIRST; r < VS_DROP_MAX; r++)
		json_object_set_new(drops, vs_drop_reason_str(r),
				    json_integer((json_int_t)st->drops[r]));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	o = json_pack("{s:f, s:I, s:I, s:I, s:o, s:I, s:o, s:o, s:I, s:I, s:s}", "uptime_s",
		      (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - d->t_start, "tsc",
		      (json_int_t)st->tsc, "tsc_hz", (json_int_t)st->tsc_hz, "generation",
		      (json_int_t)vs_switch_generation(d->sw), "ports", show_ports(d, -1),
		      "total_drops", (json_int_t)st->total_drops, "drops", drops, "workers",
		      show_workers(d), "reloads", (json_int_t)d->reloads, "reload_failures",
		      (json_int_t)d->reload_failures, "last_reload", d->last_reload);
	return o;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static const char *
arg(const json_t *req, size_t i)
{
	const json_t *a = json_object_get(req, "args");

	if (!json_is_array(a) || i >= json_array_size(a))
		return NULL;
	return json_string_value(json_array_get(a, i));
}

json_t *
vs_daemon_handle(void *daemon, const json_t *req)
{
	struct vs_daemon *d = daemon;
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	const char *what = arg(req, 0);
	char msg[1024];
	json_t *res;
	int rc;

	if (cmd == NULL)
		return fail("no \"cmd\" in the request");
	/* Answer from counters as fresh as the request. */
	pthread_mutex_lock(&d->stats_lock);
	vs_switch_stats(d->sw, d->stats);
	pthread_mutex_unlock(&d->stats_lock);
	if (strcmp(cmd, "show") == 0) {
		if (what == NULL)
			return fail("show: what? ports, workers, rules, vf, vhost or rxqs");
		if (strcmp(what, "ports") == 0)
			res = show_ports(d, -1);
		else if (strcmp(what, "vhost") == 0)
			res = show_ports(d, VS_CFG_PORT_VHOST);
		else if (strcmp(what, "workers") == 0)
			res = show_workers(d);
		else if (strcmp(what, "rules") == 0)
			res = show_rules(d);
		else if (strcmp(what, "vf") == 0)
			res = show_vf(d);
		else if (strcmp(what, "rxqs") == 0)
			res = show_rxqs(d);
		else {
			snprintf(msg, sizeof(msg),
				 "show: unknown '%s'; expected ports, workers, rules, vf, vhost or "
				 "rxqs",
				 what);
			return fail(msg);
		}
		return res ? ok(res) : fail("out of memory");
	}
	if (strcmp(cmd, "stats") == 0) {
		res = stats_json(d);
		return res ? ok(res) : fail("out of memory");
	}
	if (strcmp(cmd, "reload") == 0) {
		uint32_t flags = 0;

		if (what != NULL && strcmp(what, "--replace") == 0)
			flags = VS_RELOAD_REPLACE;
		else if (what != NULL)
			return fail("reload: unknown option; expected nothing or --replace");
		rc = vs_daemon_reload_flags(d, flags, msg, sizeof(msg));
		if (rc < 0)
			return fail(msg);
		return ok(json_pack("{s:s, s:I}", "summary", msg, "generation",
				    (json_int_t)vs_switch_generation(d->sw)));
	}
	if (strncmp(cmd, "rule-", 5) == 0) {
		static const char *const kinds[] = {"rule-add", "rule-del", "rule-mod",
						    "rule-batch"};
		static const int kind_of[] = {VS_CFG_RULE_OP_ADD, VS_CFG_RULE_OP_DEL,
					      VS_CFG_RULE_OP_MOD, VS_CFG_RULE_BATCH};
		unsigned k;

		for (k = 0; k < RTE_DIM(kinds) && strcmp(cmd, kinds[k]) != 0; k++)
			;
		if (k == RTE_DIM(kinds))
			goto unknown;
		rc = vs_daemon_rules(d, kind_of[k], what, msg, sizeof(msg));
		if (rc < 0)
			return fail(msg);
		return ok(json_pack("{s:s, s:I, s:i}", "summary", msg, "generation",
				    (json_int_t)vs_switch_generation(d->sw), "rules",
				    (int)vs_switch_rule_count(d->sw)));
	}
	if (strcmp(cmd, "rxq-rebalance") == 0) {
		res = rxq_rebalance(d, msg, sizeof(msg));
		return res ? ok(res) : fail(msg);
	}
	if (strcmp(cmd, "metrics") == 0) {
		char *text = vs_metrics_text(d->stats, d);

		if (text == NULL)
			return fail("out of memory");
		res = json_pack("{s:s}", "text", text);
		free(text);
		return ok(res);
	}
	if (strcmp(cmd, "save") == 0) {
		rc = vs_daemon_save(d, what, msg, sizeof(msg));
		if (rc < 0)
			return fail(msg);
		return ok(json_pack("{s:s}", "summary", msg));
	}
	if (strcmp(cmd, "version") == 0)
		return ok(json_pack("{s:s, s:s}", "version", VS_VERSION, "config", d->cfg->source));
unknown:
	snprintf(msg, sizeof(msg),
		 "unknown command '%s'; expected show, stats, reload, save, rule-add, rule-del, "
		 "rule-mod, rule-batch, rxq-rebalance, metrics or version",
		 cmd);
	return fail(msg);
}
