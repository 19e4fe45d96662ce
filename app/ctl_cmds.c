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

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_log.h>

#include "vs_counters.h"
#include "vs_ctl.h"
#include "vs_ctl_cmds.h"
#include "vs_openflow.h"
#include "vs_l2.h"
#include "vs_tunnel.h"
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

/* Every counter of one kind in obj, as members of o (bool ones as booleans). */
static void
add_kind(json_t *o, enum vs_counter_kind kind, const void *obj)
{
	const struct vs_counter *c;
	unsigned i;

	for (i = 0; (c = vs_counter_at(i)) != NULL; i++) {
		uint64_t v;

		if (c->kind != kind)
			continue;
		v = vs_counter_get(c, obj);
		json_object_set_new(o, c->name,
				    c->size == 1 ? json_boolean(v) : json_integer((json_int_t)v));
	}
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
	const uint8_t *b = p->addr;
	char a[112];
	unsigned i, off = 0, part;

	/* the address, then "/LEN" or "/MASK" in the same notation */
	for (part = 0; part < 2; part++, b = p->mask) {
		if (part == 1)
			off += (unsigned)snprintf(a + off, sizeof(a) - off, "/");
		if (p->family == 6) {
			for (i = 0; i < 16; i += 2)
				off += (unsigned)snprintf(a + off, sizeof(a) - off, "%s%x",
							  i ? ":" : "",
							  (unsigned)(b[i] << 8 | b[i + 1]));
		} else {
			off += (unsigned)snprintf(a + off, sizeof(a) - off, "%u.%u.%u.%u", b[0],
						  b[1], b[2], b[3]);
		}
		if (!p->masked)
			break;
	}
	if (!p->masked)
		snprintf(a + off, sizeof(a) - off, "/%u", p->len);
	snprintf(buf, size, "%s", a);
}

#define APPEND(...)                                                                                \
	do {                                                                                       \
		if (off < size)                                                                    \
			off += (size_t)snprintf(buf + off, size - off, __VA_ARGS__);               \
	} while (0)

const char *
vs_ctl_match_str(const struct vs_cfg_match *m, char *buf, size_t size)
{
	char a[112], b[24];
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
		else if (m->vlan_masked)
			APPEND("vlan=0x%03x/0x%03x,", m->vlan_id, m->vlan_mask);
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
	if ((m->fields & VS_CFG_M_L4_SRC) && m->l4_src_mask)
		APPEND("l4_src=0x%04x/0x%04x,", m->l4_src_lo, m->l4_src_mask);
	else if (m->fields & VS_CFG_M_L4_SRC)
		APPEND(m->l4_src_lo == m->l4_src_hi ? "l4_src=%u," : "l4_src=%u-%u,", m->l4_src_lo,
		       m->l4_src_hi);
	if ((m->fields & VS_CFG_M_L4_DST) && m->l4_dst_mask)
		APPEND("l4_dst=0x%04x/0x%04x,", m->l4_dst_lo, m->l4_dst_mask);
	else if (m->fields & VS_CFG_M_L4_DST)
		APPEND(m->l4_dst_lo == m->l4_dst_hi ? "l4_dst=%u," : "l4_dst=%u-%u,", m->l4_dst_lo,
		       m->l4_dst_hi);
	if (m->fields & VS_CFG_M_ICMP_TYPE)
		APPEND("icmp_type=%u,", m->icmp_type);
	if (m->fields & VS_CFG_M_ICMP_CODE)
		APPEND("icmp_code=%u,", m->icmp_code);
	if (m->fields & VS_CFG_M_TUN_ID)
		APPEND("tun_id=%u,", m->tun_id);
	if (m->fields & VS_CFG_M_TUN_SRC)
		APPEND("tun_src=%u.%u.%u.%u,", m->tun_src[0], m->tun_src[1], m->tun_src[2],
		       m->tun_src[3]);
	if (off == 0)
		APPEND("any");
	else if (off < size)
		buf[off - 1] = '\0';
	return buf;
}

const char *
vs_ctl_actions_str(const struct vs_cfg_rule *r, char *buf, size_t size)
{
	size_t off = 0;
	uint32_t i;
	char b[24];

	buf[0] = '\0';
	for (i = 0; i < r->n_actions && i < VS_CFG_MAX_ACTIONS; i++) {
		const struct vs_cfg_action *a = &r->actions[i];
		const char *sep = i ? (a->in_set ? ",set:" : ",") : a->in_set ? "set:" : "";

		switch (a->type) {
		case VS_CFG_ACT_OUTPUT:
			APPEND("%soutput:%s", sep, a->port);
			break;
		case VS_CFG_ACT_PUSH_VLAN:
			if (a->vlan_tpid == 0x88a8)
				APPEND("%spush_vlan:%u/%u/0x88a8", sep, a->vlan_id, a->vlan_pcp);
			else
				APPEND("%spush_vlan:%u/%u", sep, a->vlan_id, a->vlan_pcp);
			break;
		case VS_CFG_ACT_SET_VLAN_VID:
			APPEND("%sset_vlan_vid:%u", sep, a->vlan_id);
			break;
		case VS_CFG_ACT_SET_VLAN_PCP:
			APPEND("%sset_vlan_pcp:%u", sep, a->vlan_pcp);
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

		json_array_append_new(qs,
				      json_pack("{s:i, s:b, s:b, s:I, s:I, s:I, s:I, s:i}", "queue",
						q, "rx_enabled", v->rx_enabled, "tx_enabled",
						v->tx_enabled, "rx_pkts", (json_int_t)v->rx_pkts,
						"tx_pkts", (json_int_t)v->tx_pkts, "tx_ring_full",
						(json_int_t)v->tx_ring_full, "tx_disabled",
						(json_int_t)v->tx_disabled, "tx_pair", v->tx_pair));
	}
	snprintf(feat, sizeof(feat), "0x%" PRIx64, vs->features);
	o = json_pack("{s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:i, s:i, s:i, s:I, s:o}", "state",
		      vs_vhu_state_str(vs->state), "vid", vs->vid, "features", feat, "connections",
		      (json_int_t)vs->connections, "reconnects", (json_int_t)vs->reconnects,
		      "devices", (json_int_t)vs->devices, "destroys", (json_int_t)vs->destroys,
		      "queue_pairs", vs->n_queues, "vrings", vs->n_vrings, "extra_pairs",
		      vs->extra_pairs, "vrings_ignored", (json_int_t)vs->vrings_ignored, "queues",
		      qs);
	free(vs);
	return o;
}

/* The names of config RSS types (VS_CFG_RSS_*), as the config writes them. */
static json_t *
rss_types_json(uint32_t types)
{
	json_t *arr = json_array();
	uint32_t b;

	for (b = 1; arr != NULL && (b & VS_CFG_RSS_ALL); b <<= 1)
		if (types & b)
			json_array_append_new(arr, json_string(vs_cfg_rss_type_str(b)));
	return arr;
}

/* The config types of which the device hashes at least one hash type. */
static uint32_t
rss_types_active(const struct vs_port *p)
{
	uint32_t b, active = 0;

	for (b = 1; b & VS_CFG_RSS_ALL; b <<= 1)
		if ((p->rss_types_asked & b) && (vs_port_rss_hf(b) & p->rss_hf))
			active |= b;
	return active;
}

/* RSS of an ethdev port: hash types asked and in force, key, queues, RETA entries. */
static json_t *
rss_json(const struct vs_port *p)
{
	char hf[24], hf_asked[24];

	snprintf(hf, sizeof(hf), "0x%" PRIx64, p->rss_hf);
	snprintf(hf_asked, sizeof(hf_asked), "0x%" PRIx64, p->rss_hf_asked);
	return json_pack("{s:b, s:o, s:o, s:s, s:s, s:i, s:s, s:i, s:i}", "enabled", p->rss_hf != 0,
			 "types_asked", rss_types_json(p->rss_types_asked), "types",
			 rss_types_json(rss_types_active(p)), "hf_asked", hf_asked, "hf", hf,
			 "key_len", p->rss_hf ? p->rss_key_len : 0, "key",
			 p->rss_hf == 0 ? "none" : (p->rss_key_cfg ? "config" : "driver"), "queues",
			 p->n_rxq, "reta_size", p->rss_reta_size);
}

/* MTU, RSS, link state and the driver's extended statistics of an ethdev port. */
static void
dev_json(const struct vs_daemon *d, uint16_t id, json_t *o)
{
	const struct vs_port *p = vs_switch_port(d->sw, id);
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *xs = NULL;
	struct rte_eth_link link;
	json_t *x;
	int n, i;

	if (p == NULL || p->type != VS_PORT_ETHDEV)
		return;
	json_object_set_new(o, "mtu", json_integer(p->mtu));
	json_object_set_new(o, "mtu_asked", json_integer(p->mtu_asked));
	json_object_set_new(o, "rss", rss_json(p));
	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(p->dev_id, &link) == 0)
		json_object_set_new(
		    o, "link",
		    json_pack(
			"{s:b, s:I, s:s, s:b, s:I, s:s}", "up", link.link_status == RTE_ETH_LINK_UP,
			"speed_mbps",
			(json_int_t)(link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN
					 ? 0
					 : link.link_speed),
			"duplex", link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? "full" : "half",
			"autoneg", link.link_autoneg == RTE_ETH_LINK_AUTONEG, "changes",
			(json_int_t)p->link_changes, "detect", p->lsc ? "interrupt" : "poll"));
	n = rte_eth_xstats_get_names(p->dev_id, NULL, 0);
	if (n <= 0)
		return;
	names = calloc((size_t)n, sizeof(*names));
	xs = calloc((size_t)n, sizeof(*xs));
	x = json_object();
	if (names != NULL && xs != NULL && x != NULL &&
	    rte_eth_xstats_get_names(p->dev_id, names, (unsigned)n) == n &&
	    rte_eth_xstats_get(p->dev_id, xs, (unsigned)n) == n) {
		for (i = 0; i < n; i++)
			if (xs[i].id < (uint64_t)n)
				json_object_set_new(x, names[xs[i].id].name,
						    json_integer((json_int_t)xs[i].value));
		json_object_set_new(o, "xstats", x);
	} else {
		json_decref(x);
	}
	free(names);
	free(xs);
}

static json_t *
port_json(const struct vs_daemon *d, const struct vs_switch_port_stats *ps)
{
	const struct vs_switch_stats *a = d->rate_prev, *b = d->rate_cur;
	const struct vs_cfg_port *pc = vs_config_port(d->cfg, ps->name);
	double dt = d->rate_dt;
	json_t *o, *rates;

	o = json_pack("{s:i, s:s, s:s}", "id", ps->id, "name", ps->name, "type",
		      pc ? vs_cfg_port_type_str(pc->type) : "?");
	if (o == NULL)
		return NULL;
	add_kind(o, VS_CNT_PORT, ps);
	{
		/* where it lives: its device's NUMA socket (-1 unknown) and rx pool */
		const struct vs_port *sp = vs_switch_port(d->sw, ps->id);

		if (sp != NULL) {
			json_object_set_new(o, "numa_socket", json_integer(sp->socket_id));
			json_object_set_new(o, "mbuf_pool",
					    json_string(sp->pool != NULL ? sp->pool->name : ""));
		}
	}
	dev_json(d, ps->id, o);
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
		} else if (pc->type == VS_CFG_PORT_VXLAN) {
			json_object_set_new(o, "underlay", json_string(pc->underlay));
			json_object_set_new(o, "vni", json_integer(pc->vni));
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
	const struct vs_switch_stats *st = d->view;
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
	const struct vs_switch_worker_stats *w = &d->view->worker[i];
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
	/* load_pct: within 100 in one snapshot; after a stats clear the view is
	 * the difference of two (see rxq_map_json), which a burst can tip. */
	for (q = 0; q < w->n_rxq && q < VS_WORKER_MAX_RXQ; q++) {
		const struct vs_rxq_load *l = &w->rxq[q];

		json_array_append_new(
		    rxqs, json_pack("{s:s, s:i, s:I, s:I, s:f, s:f}", "port",
				    port_name(d->view, l->q.port), "queue", l->q.queue, "pkts",
				    (json_int_t)l->pkts, "cycles", (json_int_t)l->cycles,
				    "cycles_per_pkt", ratio(l->cycles, l->pkts), "load_pct",
				    RTE_MIN(100.0, 100.0 * ratio(l->cycles, w->busy_cycles))));
	}
	hits = w->cls.port_fast_hits + w->cls.emc_hits + w->cls.tss_hits;
	o = json_pack("{s:i, s:i, s:f, s:f, s:f}", "index", i, "lcore", w->lcore, "busy_pct",
		      100.0 * ratio(w->busy_cycles, w->busy_cycles + w->idle_cycles),
		      "busy_pct_now", 100.0 * ratio(busy_w, busy_w + idle_w), "avg_burst",
		      ratio(burst_pkts, bursts));
	if (o == NULL)
		return NULL;
	add_kind(o, VS_CNT_WORKER, w);
	json_object_set_new(o, "numa_socket",
			    json_integer(w->lcore < RTE_MAX_LCORE
					     ? (json_int_t)rte_lcore_to_socket_id(w->lcore)
					     : -1));
	json_object_set_new(o, "stage_cycles", cyc);
	json_object_set_new(o, "cycles_per_pkt", cpp);
	json_object_set_new(o, "burst_hist", hist);
	json_object_set_new(o, "burst_hist_buckets",
			    json_pack("[s,s,s,s,s,s]", "1", "2-3", "4-7", "8-15", "16-31", "32"));
	json_object_set_new(
	    o, "classifier",
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:i, s:b, s:i, s:i}", "lookups",
		      (json_int_t)w->cls.lookups, "port_fast_hits",
		      (json_int_t)w->cls.port_fast_hits, "emc_hits", (json_int_t)w->cls.emc_hits,
		      "tss_hits", (json_int_t)w->cls.tss_hits, "misses",
		      (json_int_t)w->cls.tss_misses, "emc_inserts", (json_int_t)w->cls.emc_inserts,
		      "emc_hit_pct", 100.0 * ratio(w->cls.emc_hits, w->cls.lookups),
		      "emc_insert_shift", w->cls.emc_insert_shift, "emc_bypassed",
		      w->cls.emc_bypassed != 0, "emc_cycles_on", w->cls.emc_cycles_on,
		      "emc_cycles_off", w->cls.emc_cycles_off));
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

	for (i = 0; arr && i < d->view->n_workers; i++)
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
		    arr, json_pack(
			     "{s:I, s:s, s:i, s:s, s:s, s:s, s:I, s:I, s:f, s:i, s:i}", "id",
			     (json_int_t)r->uid, "name", r->spec.name, "priority", r->spec.priority,
			     "match", vs_ctl_match_str(&r->spec.match, m, sizeof(m)), "actions",
			     vs_ctl_actions_str(&r->spec, a, sizeof(a)), "source",
			     vs_rule_source_str(r->src), "packets", (json_int_t)pkts, "bytes",
			     (json_int_t)bytes, "age_s", (double)(now_ns - r->created_ns) / 1e9,
			     "classifier_rules", (int)r->n_cls, "line",
			     r->src == VS_RULE_SRC_FILE ? (int)r->spec.pos.line : 0));
	}
	free(live);
	/* File rules deleted or replaced at runtime. */
	for (i = 0; i < d->cfg->n_rules; i++) {
		const struct vs_cfg_rule *r = &d->cfg->rules[i];

		if (vs_switch_rule_find_spec(d->sw, r, VS_RULE_SRC_FILE) != NULL)
			continue;
		json_array_append_new(gone, json_pack("{s:s, s:s, s:i}", "name", r->name, "match",
						      vs_ctl_match_str(&r->match, m, sizeof(m)),
						      "line", r->pos.line));
	}
	o = json_pack("{s:s, s:b, s:i, s:o, s:o}", "source", d->cfg->source, "differs_from_file",
		      n_runtime != 0 || json_array_size(gone) != 0, "runtime_rules", (int)n_runtime,
		      "rules", arr, "deleted_at_runtime", gone);
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

#define OFP_SHOW_CONNS 64

static json_t *
show_openflow(struct vs_daemon *d)
{
	struct vs_ofp_conn_info *ci;
	struct vs_ofp_info info;
	json_t *conns, *res;
	char dpid[24];
	uint32_t i, n;

	if (d->ofp == NULL)
		return json_pack("{s:b}", "enabled", 0);
	ci = calloc(OFP_SHOW_CONNS, sizeof(*ci));
	if (ci == NULL)
		return NULL;
	n = vs_ofp_info(d->ofp, &info, ci, OFP_SHOW_CONNS);
	conns = json_array();
	for (i = 0; conns != NULL && i < n; i++) {
		json_t *o = json_pack(
		    "{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "peer", ci[i].peer,
		    "kind", ci[i].active ? "active" : "passive", "up", (int)ci[i].up, "rx_msgs",
		    (json_int_t)ci[i].rx_msgs, "tx_msgs", (json_int_t)ci[i].tx_msgs, "flow_mods",
		    (json_int_t)ci[i].flow_mods, "packet_ins", (json_int_t)ci[i].packet_ins,
		    "packet_outs", (json_int_t)ci[i].packet_outs, "errors_sent",
		    (json_int_t)ci[i].errors_sent, "errors_rcvd", (json_int_t)ci[i].errors_rcvd,
		    "connected_s", ci[i].connected_s);

		if (o != NULL) {
			json_object_set_new(o, "role", json_string(ci[i].role));
			json_object_set_new(o, "role_changes",
					    json_integer((json_int_t)ci[i].role_changes));
			json_object_set_new(o, "bundles_open",
					    json_integer((json_int_t)ci[i].bundles_open));
			json_object_set_new(o, "bundles_committed",
					    json_integer((json_int_t)ci[i].bundles_committed));
			json_object_set_new(o, "bundles_failed",
					    json_integer((json_int_t)ci[i].bundles_failed));
		}
		json_array_append_new(conns, o);
	}
	free(ci);
	snprintf(dpid, sizeof(dpid), "0x%016" PRIx64, info.datapath_id);
	res = json_pack(
	    "{s:b, s:s, s:s, s:s, s:I, s:I, s:I, s:i, s:o}", "enabled", 1, "listen", info.listen,
	    "datapath_id", dpid, "table_miss", info.miss_to_controller ? "controller" : "drop",
	    "accepted", (json_int_t)info.accepted, "refused_version",
	    (json_int_t)info.refused_version, "probes_closed", (json_int_t)info.probes_closed,
	    "connections", (int)info.n_conns, "conns", conns ? conns : json_array());
	if (res != NULL)
		json_object_set_new(res, "packet_in",
				    json_pack("{s:I, s:I, s:I, s:I, s:I}", "queued",
					      (json_int_t)info.pin_queued, "sent",
					      (json_int_t)info.pin_sent, "rate_limited",
					      (json_int_t)info.pin_rate_limited, "no_controller",
					      (json_int_t)info.pin_no_controller, "unwanted",
					      (json_int_t)info.pin_unwanted));
	if (res != NULL)
		json_object_set_new(
		    res, "fail",
		    json_pack("{s:s, s:b, s:b, s:f, s:I, s:b, s:I}", "mode",
			      info.standalone ? "standalone" : "secure", "controller_connected",
			      (int)info.controller_connected, "no_controller",
			      (int)info.no_controller, "no_controller_s",
			      (double)info.no_controller_ms / 1000.0, "transitions",
			      (json_int_t)info.fail_transitions, "fallback", (int)info.fallback,
			      "fallback_errors", (json_int_t)info.fallback_errors));
	if (res != NULL)
		json_object_set_new(res, "port_status_sent",
				    json_integer((json_int_t)info.port_status_sent));
	if (res != NULL)
		json_object_set_new(res, "roles",
				    json_pack("{s:o, s:I}", "generation_id",
					      info.generation_known
						  ? json_integer((json_int_t)info.generation_id)
						  : json_null(),
					      "stale_refused", (json_int_t)info.stale_refused));
	if (res != NULL)
		json_object_set_new(res, "packet_out",
				    json_pack("{s:I, s:I}", "sent", (json_int_t)info.pout_sent,
					      "dropped", (json_int_t)info.pout_dropped));
	/* the OpenFlow tables and the classifier rules they were flattened into */
	if (res != NULL)
		json_object_set_new(res, "flows",
				    json_pack("{s:i, s:i, s:i, s:I, s:I}", "tables",
					      (int)info.n_tables, "flows", (int)info.n_flows,
					      "classifier_rules", (int)info.n_derived, "expired",
					      (json_int_t)info.expired, "flow_removed_sent",
					      (json_int_t)info.flow_removed_sent));
	return res;
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

/* The load entry of queue q in a worker's counters; NULL when it has none. */
static const struct vs_rxq_load *
rxq_load(const struct vs_switch_worker_stats *w, struct vs_rxq_ref q)
{
	uint16_t i;

	for (i = 0; i < w->n_rxq && i < VS_WORKER_MAX_RXQ; i++)
		if (w->rxq[i].q.port == q.port && w->rxq[i].q.queue == q.queue)
			return &w->rxq[i];
	return NULL;
}

/*
 * The queues of map m per worker: packets and cycles since the queue took
 * its place, and its usage: the share of the worker's cycles (busy and idle)
 * it took over the last rate window (since start before the first window).
 * Unless all, queues that never received a packet (tx-only sinks) are
 * counted in "hidden" instead of listed.
 */
static json_t *
rxq_map_json(const struct vs_daemon *d, const struct vs_rxq_map *m, const uint64_t *load, bool all)
{
	const struct vs_switch_stats *st = d->view;
	json_t *arr = json_array();
	uint16_t w, i;

	for (w = 0; arr && w < m->n_workers; w++) {
		const struct vs_switch_worker_stats *ws = &st->worker[w];
		const struct vs_switch_worker_stats *wa = &d->rate_prev->worker[w];
		const struct vs_switch_worker_stats *wb = &d->rate_cur->worker[w];
		uint64_t win = 0, busy_win = 0, total = ws->busy_cycles + ws->idle_cycles;
		unsigned hidden = 0;
		json_t *qs = json_array();
		double busy_share;

		if (d->rate_dt > 0 && wb->lcore == ws->lcore && wa->lcore == ws->lcore) {
			win = wb->busy_cycles + wb->idle_cycles - wa->busy_cycles - wa->idle_cycles;
			busy_win = wb->busy_cycles - wa->busy_cycles;
		}
		busy_share = 100.0 * (win ? ratio(busy_win, win) : ratio(ws->busy_cycles, total));
		for (i = 0; qs && i < m->n[w]; i++) {
			const struct vs_rxq_load *l = rxq_load(ws, m->q[w][i]);
			const struct vs_rxq_load *la = rxq_load(wa, m->q[w][i]);
			const struct vs_rxq_load *lb = rxq_load(wb, m->q[w][i]);
			uint64_t pkts = l ? l->pkts : 0, cyc = l ? l->cycles : 0;
			double usage;

			if (!all && pkts == 0) {
				hidden++;
				continue;
			}
			if (win > 0)
				usage =
				    lb == NULL
					? 0.0
					: 100.0 * ratio(lb->cycles - (la && la->cycles <= lb->cycles
									  ? la->cycles
									  : 0),
							win);
			else
				usage = 100.0 * ratio(cyc, total);
			/* A queue's cycles are a part of its worker's busy
			 * cycles, and one snapshot reads them so (the queues
			 * first, busy after). A window is two snapshots: a burst
			 * that ends between the earlier one's two reads (the
			 * control thread preempted there) is in the window's
			 * queue cycles and not in its busy cycles. Not more than
			 * the busy share, then. */
			if (usage > busy_share)
				usage = busy_share;
			json_array_append_new(
			    qs, json_pack("{s:s, s:i, s:I, s:I, s:f, s:f}", "port",
					  port_name(st, m->q[w][i].port), "queue", m->q[w][i].queue,
					  "pkts", (json_int_t)pkts, "cycles", (json_int_t)cyc,
					  "cycles_per_pkt", ratio(cyc, pkts), "usage_pct", usage));
		}
		json_array_append_new(arr, json_pack("{s:i, s:i, s:I, s:f, s:i, s:o}", "worker", w,
						     "lcore", ws->lcore, "cycles",
						     (json_int_t)(load ? load[w] : 0), "busy_pct",
						     busy_share, "hidden", hidden, "rxqs", qs));
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
		rc = vs_rxq_rebalance(cur, fixed, d->view, next, load);
	}
	if (rc == 0)
		rc = vs_switch_set_rxqs(d->sw, next);
	if (rc < 0) {
		snprintf(msg, size, "rxq-rebalance: %s", strerror(-rc));
		goto out;
	}
	res = json_pack("{s:o, s:o}", "before", rxq_map_json(d, cur, NULL, true), "after",
			rxq_map_json(d, next, load, true));
out:
	free(cur);
	free(fixed);
	free(next);
	return res;
}

static json_t *
show_rxqs(struct vs_daemon *d, bool all)
{
	struct vs_rxq_map *m = malloc(sizeof(*m));
	json_t *res;

	if (m == NULL)
		return NULL;
	if (vs_switch_rxq_map(d->sw, m) < 0)
		memset(m, 0, sizeof(*m));
	res = rxq_map_json(d, m, NULL, all);
	free(m);
	return res;
}

/* ---- stats ------------------------------------------------------------------------------ */

static json_t *
stats_json(struct vs_daemon *d)
{
	const struct vs_switch_stats *st = d->view;
	json_t *drops = json_object(), *help = json_object(), *o;
	const struct vs_counter *c;
	struct timespec ts;
	unsigned i;

	for (i = 0; (c = vs_counter_at(i)) != NULL; i++) {
		if (c->kind != VS_CNT_DROP)
			continue;
		json_object_set_new(drops, c->name,
				    json_integer((json_int_t)vs_counter_get(c, st->drops)));
		json_object_set_new(help, c->name, json_string(c->help));
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	o = json_pack("{s:f, s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:s, s:b}", "uptime_s",
		      (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - d->t_start, "tsc",
		      (json_int_t)st->tsc, "generation", (json_int_t)vs_switch_generation(d->sw),
		      "ports", show_ports(d, -1), "drops", drops, "drop_help", help, "workers",
		      show_workers(d), "reloads", (json_int_t)d->reloads, "reload_failures",
		      (json_int_t)d->reload_failures, "last_reload", d->last_reload, "cleared",
		      d->stats_base != NULL);
	if (o != NULL)
		add_kind(o, VS_CNT_GLOBAL, st);
	return o;
}

/* ---- log levels --------------------------------------------------------------------------- */

static const char *const level_names[] = {
    [RTE_LOG_EMERG] = "emergency", [RTE_LOG_ALERT] = "alert",	  [RTE_LOG_CRIT] = "critical",
    [RTE_LOG_ERR] = "error",	   [RTE_LOG_WARNING] = "warning", [RTE_LOG_NOTICE] = "notice",
    [RTE_LOG_INFO] = "info",	   [RTE_LOG_DEBUG] = "debug",
};

#define LOG_PREFIX "nfvswitch."

/* The modules' log types (RTE_LOG_REGISTER_DEFAULT in each module), as
 * nfvswitch.MODULE. */
static const char *const log_module_names[] = {"ctl", "pipeline", "cls", "vhost", "sriov"};

/* {module, type, level} of every module's log type. */
static json_t *
log_modules(void)
{
	json_t *arr = json_array();
	char name[64];
	size_t i;

	for (i = 0; arr && i < RTE_DIM(log_module_names); i++) {
		int type, level;

		snprintf(name, sizeof(name), LOG_PREFIX "%s", log_module_names[i]);
		/* The type is registered at startup: this returns its id. */
		type = rte_log_register(name);
		level = type < 0 ? -1 : rte_log_get_level((uint32_t)type);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "module",
						     log_module_names[i], "type", name, "level",
						     level >= 1 && level <= (int)RTE_LOG_DEBUG
							 ? level_names[level]
							 : "?"));
	}
	return arr;
}

static json_t *
log_level(const char *const *args, unsigned n, char *msg, size_t size)
{
	char names[256] = "", pattern[128];
	const json_t *m;
	json_t *mods = log_modules();
	const char *mod;
	size_t off = 0, i;
	int level = 0, l;

	if (mods == NULL)
		return NULL;
	for (l = (int)RTE_LOG_EMERG; l <= (int)RTE_LOG_DEBUG; l++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
					l > (int)RTE_LOG_EMERG ? ", " : "", level_names[l]);
	if (n == 0)
		return json_pack("{s:o, s:s}", "modules", mods, "levels", names);
	if (n != 2) {
		snprintf(msg, size, "log level: give MODULE and LEVEL, or nothing to list them");
		json_decref(mods);
		return NULL;
	}
	mod = args[0];
	if (strncmp(mod, LOG_PREFIX, strlen(LOG_PREFIX)) == 0)
		mod += strlen(LOG_PREFIX);
	for (l = (int)RTE_LOG_EMERG; l <= (int)RTE_LOG_DEBUG; l++)
		if (strcmp(args[1], level_names[l]) == 0)
			level = l;
	json_array_foreach(mods, i,
			   m) if (strcmp(mod, "*") == 0 ||
				  strcmp(mod, json_string_value(json_object_get(m, "module"))) ==
				      0) break;
	if (i == json_array_size(mods) || level == 0) {
		char known[1024];
		size_t k = 0;

		known[0] = '\0';
		json_array_foreach(mods, i, m)
		{
			if (k < sizeof(known))
				k += (size_t)snprintf(
				    known + k, sizeof(known) - k, "%s%s", k ? ", " : "",
				    json_string_value(json_object_get(m, "module")));
		}
		if (level == 0)
			snprintf(msg, size, "log level: unknown level '%s'; expected one of: %s",
				 args[1], names);
		else
			snprintf(msg, size,
				 "log level: unknown module '%s'; expected * or one of: %s",
				 args[0], known);
		json_decref(mods);
		return NULL;
	}
	json_decref(mods);
	snprintf(pattern, sizeof(pattern), LOG_PREFIX "%s", mod);
	if (rte_log_set_level_pattern(pattern, (uint32_t)level) < 0) {
		snprintf(msg, size, "log level: DPDK refused %s:%s", pattern, args[1]);
		return NULL;
	}
	VS_CTL_LOG(NOTICE, "log level of %s set to %s", pattern, args[1]);
	return json_pack("{s:s, s:s}", "pattern", pattern, "level", level_names[level]);
}

/* ---- commands ------------------------------------------------------------------------------- */

/* A handler: the result, or NULL with the reason in msg. args: the request's
 * arguments after the command's sub-word, n of them (checked against the
 * table's min/max). */
typedef json_t *(*cmd_fn)(struct vs_daemon *d, const char *const *args, unsigned n, char *msg,
			  size_t size);

struct cmd {
	const char *cmd, *sub, *words, *usage;
	unsigned min, max, flags;
	const char *help;
	cmd_fn fn; /* NULL for client-side commands */
};

static json_t *
summary(struct vs_daemon *d, int rc, const char *msg)
{
	if (rc < 0)
		return NULL;
	return json_pack("{s:s, s:I, s:i}", "summary", msg, "generation",
			 (json_int_t)vs_switch_generation(d->sw), "rules",
			 (int)vs_switch_rule_count(d->sw));
}

static json_t *cmd_HELP(struct vs_daemon *d, const char *const *a, unsigned n, char *m, size_t z);

#define UNUSED_ARGS                                                                                \
	do {                                                                                       \
		RTE_SET_USED(args);                                                                \
		RTE_SET_USED(n);                                                                   \
		RTE_SET_USED(msg);                                                                 \
		RTE_SET_USED(size);                                                                \
	} while (0)
#define CMD(id)                                                                                    \
	static json_t *cmd_##id(struct vs_daemon *d, const char *const *args, unsigned n,          \
				char *msg, size_t size)

CMD(VERSION)
{
	UNUSED_ARGS;
	return json_pack("{s:s, s:s}", "version", VS_VERSION, "config", d->cfg->source);
}

CMD(SHOW_PORTS)
{
	UNUSED_ARGS;
	return show_ports(d, -1);
}

CMD(SHOW_WORKERS)
{
	UNUSED_ARGS;
	return show_workers(d);
}

CMD(SHOW_RULES)
{
	UNUSED_ARGS;
	return show_rules(d);
}

static const char *
addr_str(uint8_t family, const uint8_t *a, char *buf, size_t size)
{
	struct vs_cfg_ip ip = {.family = family};

	memcpy(ip.addr, a, sizeof(ip.addr));
	return vs_cfg_ip_str(&ip, buf, size);
}

static const char *
port_name_of(struct vs_daemon *d, uint16_t id)
{
	const struct vs_port *p = vs_switch_port(d->sw, id);

	return p != NULL ? p->name : "?";
}

static int
fdb_row(const struct vs_l2_entry *e, uint32_t age_s, void *arg)
{
	struct vs_daemon *d = ((void **)arg)[0];
	json_t *arr = ((void **)arg)[1];
	const struct vs_port *p = vs_switch_port(d->sw, e->port);
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	const struct vs_tun_dp *dp = vs_tun_dp_get(vs_switch_tun(d->sw));
	json_t *o;

	rte_ether_format_addr(mac, sizeof(mac), (const struct rte_ether_addr *)e->key.mac);
	o = json_pack("{s:s, s:i, s:s, s:i, s:i, s:b}", "mac", mac, "vlan", (int)e->key.vlan,
		      "port", p ? p->name : "?", "port_id", (int)e->port, "age_s", (int)age_s,
		      "static", (int)e->is_static);
	/* Behind a vxlan port: the remote VTEP it was learned behind. */
	if (o != NULL && e->remote != VS_L2_REMOTE_NONE && dp != NULL && e->port < VS_PORT_MAX &&
	    dp->by_port[e->port] != 0 && e->remote < dp->t[dp->by_port[e->port] - 1].n_remotes) {
		const struct vs_tun_port_dp *t = &dp->t[dp->by_port[e->port] - 1];
		char a[48];

		json_object_set_new(
		    o, "remote_vtep",
		    json_string(addr_str(t->family, t->remotes[e->remote].ip, a, sizeof(a))));
	}
	json_array_append_new(arr, o);
	return 0;
}

CMD(SHOW_FDB)
{
	json_t *arr = json_array();
	void *wa[2] = {d, arr};

	UNUSED_ARGS;
	if (arr != NULL)
		vs_l2_walk(vs_switch_l2(d->sw), fdb_row, wa);
	return arr;
}

CMD(FDB_FLUSH)
{
	uint16_t port = UINT16_MAX;
	unsigned flushed;

	if (n > 0) {
		const struct vs_port *p = vs_switch_port_by_name(d->sw, args[0]);

		if (p == NULL) {
			snprintf(msg, size, "no port %s", args[0]);
			return NULL;
		}
		port = p->id;
	}
	flushed = vs_l2_flush(vs_switch_l2(d->sw), port, false);
	return json_pack("{s:i}", "flushed", (int)flushed);
}

CMD(SHOW_VF)
{
	UNUSED_ARGS;
	return show_vf(d);
}

CMD(SHOW_VHOST)
{
	UNUSED_ARGS;
	return show_ports(d, VS_CFG_PORT_VHOST);
}

CMD(SHOW_OPENFLOW)
{
	UNUSED_ARGS;
	return show_openflow(d);
}

CMD(SHOW_TUNNELS)
{
	const struct vs_tun_dp *dp = vs_tun_dp_get(vs_switch_tun(d->sw));
	const struct vs_switch_stats *st = d->view;
	json_t *arr = json_array();
	char a[48], mac[RTE_ETHER_ADDR_FMT_SIZE];
	uint16_t i, r;

	UNUSED_ARGS;
	for (i = 0; arr != NULL && dp != NULL && i < dp->n; i++) {
		const struct vs_tun_port_dp *t = &dp->t[i];
		const struct vs_switch_port_stats *ps = &st->port[t->port];
		json_t *rem = json_array(), *o;

		for (r = 0; r < t->n_remotes; r++) {
			rte_ether_format_addr(mac, sizeof(mac),
					      (const struct rte_ether_addr *)t->remotes[r].mac);
			json_array_append_new(
			    rem, json_pack("{s:s, s:s, s:b}", "ip",
					   addr_str(t->family, t->remotes[r].ip, a, sizeof(a)),
					   "next_hop_mac", t->remotes[r].resolved ? mac : "",
					   "resolved", (int)t->remotes[r].resolved));
		}
		o = json_pack("{s:s, s:i, s:s, s:i, s:s, s:i, s:i, s:b, s:o}", "name",
			      port_name_of(d, t->port), "id", (int)t->port, "underlay",
			      port_name_of(d, t->underlay), "vni", (int)t->vni, "local_ip",
			      addr_str(t->family, t->local_ip, a, sizeof(a)), "dst_port",
			      (int)t->dst_port, "ttl", (int)t->ttl, "df", (int)t->df, "remotes",
			      rem);
		if (o == NULL)
			continue;
		json_object_set_new(o, "encapsulated", json_integer((json_int_t)ps->tx_pkts));
		json_object_set_new(o, "decapsulated", json_integer((json_int_t)ps->rx_pkts));
		json_object_set_new(o, "tx_drops", json_integer((json_int_t)ps->tx_drops));
		json_object_set_new(o, "outer_cksum_offload", json_boolean(t->hw_ipv4_cksum));
		json_array_append_new(arr, o);
	}
	return arr;
}

CMD(SHOW_NEIGHBOURS)
{
	struct vs_tun *tun = vs_switch_tun(d->sw);
	struct vs_tun_neigh_info ni;
	struct vs_tun_stats ts;
	struct timespec now;
	json_t *arr = json_array();
	char a[48], mac[RTE_ETHER_ADDR_FMT_SIZE];
	uint64_t now_ms;
	unsigned i;

	UNUSED_ARGS;
	if (arr == NULL)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &now);
	now_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	for (i = 0; vs_tun_neigh_get(tun, i, now_ms, &ni) == 0; i++) {
		rte_ether_format_addr(mac, sizeof(mac), (const struct rte_ether_addr *)ni.mac);
		json_array_append_new(
		    arr, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "ip",
				   vs_cfg_ip_str(&ni.ip, a, sizeof(a)), "underlay",
				   port_name_of(d, ni.underlay), "mac",
				   ni.state == VS_TUN_NEIGH_INCOMPLETE ? "" : mac, "state",
				   vs_tun_neigh_state_str(ni.state), "age_ms",
				   (json_int_t)ni.age_ms, "requests", (json_int_t)ni.requests,
				   "replies", (json_int_t)ni.replies));
	}
	vs_tun_stats_get(tun, &ts);
	return json_pack("{s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I}}", "neighbours", arr, "stats",
			 "arp_in", (json_int_t)ts.arp_in, "arp_replied", (json_int_t)ts.arp_replied,
			 "nd_in", (json_int_t)ts.nd_in, "nd_replied", (json_int_t)ts.nd_replied,
			 "requests_sent", (json_int_t)ts.requests_sent, "send_failed",
			 (json_int_t)ts.send_failed);
}

CMD(SHOW_RXQS)
{
	UNUSED_ARGS;
	if (n == 1 && strcmp(args[0], "all") != 0) {
		snprintf(msg, size, "show rxqs: unknown '%s'; expected all or nothing", args[0]);
		return NULL;
	}
	return show_rxqs(d, n == 1);
}

CMD(STATS)
{
	UNUSED_ARGS;
	return stats_json(d);
}

CMD(STATS_CLEAR)
{
	UNUSED_ARGS;
	if (d->stats_base == NULL)
		d->stats_base = malloc(sizeof(*d->stats_base));
	if (d->stats_base == NULL)
		return NULL;
	/* d->stats was refreshed for this request: from now on ctl shows the
	 * counts above it. The workers' counters are not touched. */
	memcpy(d->stats_base, d->stats, sizeof(*d->stats_base));
	return json_pack("{s:b, s:I}", "cleared", 1, "tsc", (json_int_t)d->stats_base->tsc);
}

CMD(TOP)
{
	UNUSED_ARGS;
	RTE_SET_USED(d);
	return NULL;
}

CMD(RULE_ADD)
{
	UNUSED_ARGS;
	return summary(d, vs_daemon_rule_add(d, args[0], msg, size), msg);
}

CMD(RULE_DEL)
{
	UNUSED_ARGS;
	return summary(d, vs_daemon_rule_del(d, args[0], msg, size), msg);
}

CMD(RULE_MOD)
{
	UNUSED_ARGS;
	return summary(d, vs_daemon_rules(d, VS_CFG_RULE_OP_MOD, args[0], msg, size), msg);
}

CMD(RULE_BATCH)
{
	UNUSED_ARGS;
	return summary(d, vs_daemon_rules(d, VS_CFG_RULE_BATCH, args[0], msg, size), msg);
}

CMD(RELOAD)
{
	uint32_t flags = 0;

	UNUSED_ARGS;
	if (n == 1 && strcmp(args[0], "--replace") == 0) {
		flags = VS_RELOAD_REPLACE;
	} else if (n == 1) {
		snprintf(msg, size, "reload: unknown '%s'; expected nothing or --replace", args[0]);
		return NULL;
	}
	if (vs_daemon_reload_flags(d, flags, msg, size) < 0)
		return NULL;
	return json_pack("{s:s, s:I}", "summary", msg, "generation",
			 (json_int_t)vs_switch_generation(d->sw));
}

CMD(SAVE)
{
	UNUSED_ARGS;
	if (vs_daemon_save(d, n ? args[0] : NULL, msg, size) < 0)
		return NULL;
	return json_pack("{s:s}", "summary", msg);
}

CMD(RXQ_REBALANCE)
{
	UNUSED_ARGS;
	return rxq_rebalance(d, msg, size);
}

CMD(LOG_LEVEL)
{
	RTE_SET_USED(d);
	return log_level(args, n, msg, size);
}

CMD(METRICS)
{
	char *text;
	json_t *res;

	UNUSED_ARGS;
	/* Monotonic for collectors: the raw counters, not the stats clear view. */
	text = vs_metrics_text(d->stats, d);
	if (text == NULL)
		return NULL;
	res = json_pack("{s:s}", "text", text);
	free(text);
	return res;
}

CMD(TRACE)
{
	return vs_daemon_trace(d, args, n, msg, size);
}

static const struct cmd cmds[] = {
#define CMD_ENTRY_(id, cmd, sub, words, usage, min, max, flags, help)                              \
	{cmd, sub, words, usage, min, max, flags, help, (flags)&VS_CTL_F_CLIENT ? NULL : cmd_##id},
    VS_CTL_COMMANDS(CMD_ENTRY_)
#undef CMD_ENTRY_
};

CMD(HELP)
{
	json_t *arr = json_array();
	size_t i;

	UNUSED_ARGS;
	RTE_SET_USED(d);
	for (i = 0; arr && i < RTE_DIM(cmds); i++)
		json_array_append_new(
		    arr, json_pack("{s:s, s:s, s:s, s:i, s:i, s:b, s:b, s:b}", "command",
				   cmds[i].words, "usage", cmds[i].usage, "help", cmds[i].help,
				   "min_args", cmds[i].min, "max_args", cmds[i].max, "read_only",
				   (cmds[i].flags & VS_CTL_F_RO) != 0, "fresh_stats",
				   (cmds[i].flags & VS_CTL_F_STATS) != 0, "client_only",
				   (cmds[i].flags & VS_CTL_F_CLIENT) != 0));
	return arr;
}

/* Distinct request names, for the unknown-command error. */
static void
cmd_names(char *buf, size_t size)
{
	size_t off = 0, i, j;

	buf[0] = '\0';
	for (i = 0; i < RTE_DIM(cmds) && off < size; i++) {
		if (cmds[i].fn == NULL)
			continue;
		for (j = 0; j < i; j++)
			if (cmds[j].fn != NULL && strcmp(cmds[j].cmd, cmds[i].cmd) == 0)
				break;
		if (j == i)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? ", " : "",
						cmds[i].cmd);
	}
}

/* The sub-words of cmd, for its errors. */
static void
sub_names(const char *cmd, char *buf, size_t size)
{
	size_t off = 0, i;

	buf[0] = '\0';
	for (i = 0; i < RTE_DIM(cmds) && off < size; i++)
		if (cmds[i].fn != NULL && cmds[i].sub != NULL && strcmp(cmds[i].cmd, cmd) == 0)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? ", " : "",
						cmds[i].sub);
}

/*
 * The entry a request names and where its arguments start (*skip: 1 when
 * the first argument is the entry's sub-word). NULL with the reason in msg.
 */
static const struct cmd *
find(const char *name, const char *a0, unsigned *skip, char *msg, size_t size)
{
	const struct cmd *plain = NULL;
	bool known = false;
	char list[512];
	size_t i;

	for (i = 0; i < RTE_DIM(cmds); i++) {
		if (cmds[i].fn == NULL || strcmp(cmds[i].cmd, name) != 0)
			continue;
		known = true;
		if (cmds[i].sub == NULL)
			plain = &cmds[i];
		else if (a0 != NULL && strcmp(cmds[i].sub, a0) == 0) {
			*skip = 1;
			return &cmds[i];
		}
	}
	*skip = 0;
	if (plain != NULL)
		return plain;
	if (!known) {
		cmd_names(list, sizeof(list));
		snprintf(msg, size, "unknown command '%s'; expected %s (help lists them)", name,
			 list);
	} else {
		sub_names(name, list, sizeof(list));
		if (a0 == NULL)
			snprintf(msg, size, "%s: what? %s", name, list);
		else
			snprintf(msg, size, "%s: unknown '%s'; expected %s", name, a0, list);
	}
	return NULL;
}

int
vs_daemon_cmd_flags(const json_t *req)
{
	const json_t *a = json_object_get(req, "args");
	const char *name = json_string_value(json_object_get(req, "cmd"));
	const struct cmd *c;
	unsigned skip;
	char msg[8];

	if (name == NULL)
		return -EINVAL;
	c = find(name, json_is_array(a) ? json_string_value(json_array_get(a, 0)) : NULL, &skip,
		 msg, sizeof(msg));
	return c ? (int)c->flags : -ENOENT;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

/* Refresh the statistics copy for a command that reads it, and point
 * d->view at what ctl shows (minus the stats clear baseline). */
static int
refresh_stats(struct vs_daemon *d)
{
	pthread_mutex_lock(&d->stats_lock);
	vs_switch_stats(d->sw, d->stats);
	pthread_mutex_unlock(&d->stats_lock);
	d->view = d->stats;
	if (d->stats_base == NULL)
		return 0;
	if (d->stats_view == NULL)
		d->stats_view = malloc(sizeof(*d->stats_view));
	if (d->stats_view == NULL)
		return -ENOMEM;
	memcpy(d->stats_view, d->stats, sizeof(*d->stats_view));
	vs_stats_sub(d->stats_view, d->stats_base);
	d->view = d->stats_view;
	return 0;
}

void
vs_daemon_cmds_fini(struct vs_daemon *d)
{
	free(d->stats_base);
	free(d->stats_view);
	d->stats_base = d->stats_view = NULL;
	d->view = NULL;
	vs_cls_ctx_destroy(d->trace_ctx);
	d->trace_ctx = NULL;
}

json_t *
vs_daemon_handle(void *daemon, const json_t *req)
{
	const char *args[VS_CTL_MAX_ARGS];
	struct vs_daemon *d = daemon;
	const char *name = json_string_value(json_object_get(req, "cmd"));
	const json_t *a = json_object_get(req, "args");
	size_t na = json_is_array(a) ? json_array_size(a) : 0, i;
	const struct cmd *c;
	unsigned skip, n;
	char msg[1024];
	json_t *res;

	if (name == NULL)
		return fail("no \"cmd\" in the request");
	if (a != NULL && !json_is_array(a))
		return fail("\"args\" is not an array");
	for (i = 0; i < na; i++) {
		if (i >= VS_CTL_MAX_ARGS)
			return fail("too many arguments");
		args[i] = json_string_value(json_array_get(a, i));
		if (args[i] == NULL)
			return fail("arguments must be strings");
	}
	/* A raw payload (vs_ctl_request_payload) is the last argument. */
	if (json_is_string(json_object_get(req, "payload"))) {
		if (na >= VS_CTL_MAX_ARGS)
			return fail("too many arguments");
		args[na++] = json_string_value(json_object_get(req, "payload"));
	}
	c = find(name, na ? args[0] : NULL, &skip, msg, sizeof(msg));
	if (c == NULL)
		return fail(msg);
	n = (unsigned)na - skip;
	if (n < c->min || n > c->max) {
		snprintf(msg, sizeof(msg), "%s: %s; usage: %s%s%s", c->words,
			 c->max == 0  ? "takes no arguments"
			 : n < c->min ? "missing arguments"
				      : "too many arguments",
			 c->words, c->usage[0] ? " " : "", c->usage);
		return fail(msg);
	}
	/* Only commands that read the counters pay for the copy (~200 KiB). */
	if ((c->flags & VS_CTL_F_STATS) && refresh_stats(d) < 0)
		return fail("out of memory");
	snprintf(msg, sizeof(msg), "out of memory");
	res = c->fn(d, args + skip, n, msg, sizeof(msg));
	return res ? ok(res) : fail(msg);
}
