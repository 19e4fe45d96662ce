/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch, control side: startup is a diff-and-apply against the empty
 * config, the same path a later reload takes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "pipeline_log.h"
#include "vs_action.h"
#include "vs_diff.h"
#include "vs_switch.h"
#include "vs_worker.h"

RTE_LOG_REGISTER_DEFAULT(vs_pipeline_logtype, NOTICE);

struct vs_switch {
	const struct vs_config *cfg; /* applied config (caller's), NULL before */
	struct vs_dp_shared sh;
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qsbr;
	struct vs_cls *cls;
	uint16_t n_workers;
	uint32_t worker_lcores[VS_CFG_MAX_WORKERS];
	struct vs_worker *workers[VS_CFG_MAX_WORKERS];
	struct vs_port *ports[VS_PORT_MAX]; /* by switch port id */
	struct vs_cls_rule **rules;	    /* live classifier rules */
	uint32_t n_rules;
	uint64_t generation;
	bool running;
	/* Workers' per-id counters when the port at that id was added: a port
	 * that reuses the id of one removed earlier starts from zero. */
	struct vs_switch_port_stats port_base[VS_PORT_MAX];
};

static uint32_t switch_seq;

/* ---- sizing ------------------------------------------------------------------ */

static uint16_t
port_txqs(const struct vs_cfg_port *p, uint32_t n_workers)
{
	if (p->type == VS_CFG_PORT_VHOST)
		return p->queues ? p->queues : 1;
	if (p->tx_queues)
		return p->tx_queues;
	return (uint16_t)(n_workers ? n_workers : 1);
}

int
vs_switch_mbuf_sizing(const struct vs_config *cfg, struct vs_mbuf_sizing *out)
{
	uint64_t total, n = 1, cls_bytes;
	uint32_t i;

	memset(out, 0, sizeof(*out));
	if (cfg == NULL)
		return -EINVAL;
	for (i = 0; i < cfg->n_ports; i++) {
		const struct vs_cfg_port *p = &cfg->ports[i];

		if (p->type == VS_CFG_PORT_VHOST) {
			/* Guest rings hold guest memory, not our mbufs; a dequeue
			 * burst per queue is in flight. */
			out->rx_desc += (uint64_t)port_txqs(p, cfg->n_workers) * VS_BURST;
			continue;
		}
		out->rx_desc +=
		    (uint64_t)(p->rx_queues ? p->rx_queues : 1) * (p->rx_desc ? p->rx_desc : 1024);
		out->tx_desc +=
		    (uint64_t)port_txqs(p, cfg->n_workers) * (p->tx_desc ? p->tx_desc : 1024);
	}
	out->inflight =
	    (uint64_t)cfg->n_workers * (VS_BURST + (uint64_t)cfg->n_ports * VS_TXBUF_SIZE);
	/* A mempool cache can hold up to 1.5 times its size. */
	out->caches = (uint64_t)(cfg->n_workers + 1) * VS_MBUF_CACHE * 3 / 2;
	out->reserve = VS_MBUF_PMD_RESERVE;
	total = out->rx_desc + out->tx_desc + out->inflight + out->caches + out->reserve;
	/* An explicit size wins when it is larger: a capture replayed by
	 * net_pcap (infinite_rx) holds one mbuf per frame, which no descriptor
	 * count reveals. */
	if (cfg->dpdk.mbufs > total)
		total = cfg->dpdk.mbufs;
	while (n - 1 < total)
		n <<= 1;
	if (n - 1 > UINT32_MAX)
		return -EINVAL;
	out->n_mbufs = (uint32_t)(n - 1);
	out->mbuf_size = rte_mempool_calc_obj_size(
	    sizeof(struct rte_mbuf) + RTE_PKTMBUF_HEADROOM + VS_MBUF_DATA_ROOM, 0, NULL);
	out->pool_bytes = (uint64_t)out->n_mbufs * out->mbuf_size;
	/* Classifier: rules and per-worker EMCs, generously. */
	cls_bytes =
	    (uint64_t)(cfg->classifier.max_rules ? cfg->classifier.max_rules : 65536) * 512 +
	    (uint64_t)cfg->n_workers * cfg->classifier.emc_entries * 256;
	out->memory_mb =
	    (uint32_t)((out->pool_bytes + cls_bytes + (1u << 20) - 1) >> 20) + VS_MEM_BASE_MB;
	return 0;
}

/* ---- actions memory ------------------------------------------------------------- */

static void
actions_free(void *data, void *arg)
{
	struct vs_actions *a = data;

	RTE_SET_USED(arg);
	/* Lists of a transaction that did not commit are freed by apply. */
	if (a == NULL || a->staged)
		return;
	if (--a->refcnt == 0)
		free(a);
}

/* ---- create / destroy ------------------------------------------------------------- */

static void
free_workers(struct vs_switch *sw)
{
	uint16_t i;

	for (i = 0; i < VS_CFG_MAX_WORKERS; i++) {
		if (sw->workers[i] == NULL)
			continue;
		vs_worker_drain(sw->workers[i]);
		vs_cls_ctx_destroy(sw->workers[i]->cls_ctx);
		rte_free(sw->workers[i]);
		sw->workers[i] = NULL;
	}
}

struct vs_switch *
vs_switch_create(const struct vs_config *cfg)
{
	struct vs_mbuf_sizing sz;
	struct vs_cls_params cp;
	struct vs_switch *sw;
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t seq = switch_seq++;
	size_t qsize;
	uint32_t i;
	int rc;

	if (cfg == NULL || cfg->n_workers > VS_CFG_MAX_WORKERS) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < cfg->n_workers; i++) {
		uint32_t lc = cfg->workers[i].lcore;

		if (lc >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lc) ||
		    lc == rte_get_main_lcore()) {
			VS_PL_LOG(ERR, "worker lcore %u is not an enabled worker lcore of the EAL",
				  lc);
			errno = EINVAL;
			return NULL;
		}
	}
	rc = vs_switch_mbuf_sizing(cfg, &sz);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	sw = calloc(1, sizeof(*sw));
	if (sw == NULL)
		return NULL;
	sw->n_workers = (uint16_t)cfg->n_workers;
	for (i = 0; i < cfg->n_workers; i++)
		sw->worker_lcores[i] = cfg->workers[i].lcore;

	snprintf(name, sizeof(name), "vs_mbuf_%u", seq);
	sw->pool =
	    rte_pktmbuf_pool_create(name, sz.n_mbufs, VS_MBUF_CACHE, 0,
				    RTE_PKTMBUF_HEADROOM + VS_MBUF_DATA_ROOM, rte_socket_id());
	if (sw->pool == NULL) {
		rc = rte_errno;
		VS_PL_LOG(ERR,
			  "cannot create the mempool: %u mbufs of %u bytes = %" PRIu64
			  " MiB: %s; give dpdk.memory_mb >= %u or reserve more hugepages",
			  sz.n_mbufs, sz.mbuf_size, sz.pool_bytes >> 20, rte_strerror(rc),
			  sz.memory_mb);
		goto fail;
	}
	qsize = rte_rcu_qsbr_get_memsize(sw->n_workers ? sw->n_workers : 1);
	sw->qsbr = rte_zmalloc("vs_qsbr", qsize, RTE_CACHE_LINE_SIZE);
	if (sw->qsbr == NULL) {
		rc = ENOMEM;
		goto fail;
	}
	rc = rte_rcu_qsbr_init(sw->qsbr, sw->n_workers ? sw->n_workers : 1);
	if (rc < 0) {
		rc = rte_errno;
		goto fail;
	}
	sw->sh.qsbr = sw->qsbr;
	sw->sh.pool = sw->pool;
	atomic_init(&sw->sh.snap, NULL);
	atomic_init(&sw->sh.stop, false);

	snprintf(name, sizeof(name), "vs_cls_%u", seq);
	memset(&cp, 0, sizeof(cp));
	cp.name = name;
	cp.max_rules = cfg->classifier.max_rules;
	cp.socket_id = SOCKET_ID_ANY;
	cp.qsbr = sw->qsbr;
	cp.data_free = actions_free;
	cp.data_free_arg = sw;
	sw->cls = vs_cls_create(&cp);
	if (sw->cls == NULL) {
		rc = errno;
		VS_PL_LOG(ERR, "cannot create the classifier: %s", strerror(rc));
		goto fail;
	}
	for (i = 0; i < sw->n_workers; i++) {
		struct vs_cls_ctx_params xp;
		struct vs_worker *w;
		int socket = (int)rte_lcore_to_socket_id(sw->worker_lcores[i]);

		w = rte_zmalloc_socket("vs_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
		if (w == NULL) {
			rc = ENOMEM;
			goto fail;
		}
		sw->workers[i] = w;
		w->index = (uint16_t)i;
		w->lcore = sw->worker_lcores[i];
		w->socket_id = socket;
		w->sh = &sw->sh;
		xp.emc_entries = cfg->classifier.emc_entries;
		xp.socket_id = socket;
		w->cls_ctx = vs_cls_ctx_create(sw->cls, &xp);
		if (w->cls_ctx == NULL) {
			rc = errno ? errno : ENOMEM;
			goto fail;
		}
		rc = rte_rcu_qsbr_thread_register(sw->qsbr, i);
		if (rc < 0) {
			rc = rte_errno;
			goto fail;
		}
	}
	VS_PL_LOG(INFO, "switch created: %u workers, mempool %u mbufs", sw->n_workers, sz.n_mbufs);
	return sw;
fail:
	free_workers(sw);
	vs_cls_destroy(sw->cls);
	rte_free(sw->qsbr);
	rte_mempool_free(sw->pool);
	free(sw);
	errno = rc ? rc : EINVAL;
	return NULL;
}

/* ---- snapshot ------------------------------------------------------------------------- */

/* Fill s from the switch's port table and rxqs, one generation ahead. */
static void
snapshot_fill(struct vs_switch *sw, struct vs_snapshot *s, const struct vs_rxq_map *rxqs)
{
	uint16_t id;

	memset(s, 0, sizeof(*s));
	s->generation = sw->generation + 1;
	for (id = 0; id < VS_PORT_MAX; id++) {
		s->ports[id] = sw->ports[id];
		if (sw->ports[id] == NULL)
			continue;
		s->n_ports = (uint16_t)(id + 1);
		if (vs_port_is_ready(sw->ports[id]))
			s->ready_mask |= UINT64_C(1) << id;
	}
	s->rxqs = *rxqs;
}

static struct vs_snapshot *
snapshot_alloc(void)
{
	return rte_zmalloc("vs_snapshot", sizeof(struct vs_snapshot), RTE_CACHE_LINE_SIZE);
}

static struct vs_snapshot *
snapshot_build(struct vs_switch *sw, const struct vs_rxq_map *rxqs)
{
	struct vs_snapshot *s = snapshot_alloc();

	if (s != NULL)
		snapshot_fill(sw, s, rxqs);
	return s;
}

/* Publish s and free the previous snapshot once no worker can use it. */
static void
snapshot_publish(struct vs_switch *sw, struct vs_snapshot *s)
{
	struct vs_snapshot *old;

	old = atomic_exchange_explicit(&sw->sh.snap, s, memory_order_acq_rel);
	sw->generation = s->generation;
	if (old != NULL) {
		/* Workers report quiescence every iteration: this is short. */
		rte_rcu_qsbr_synchronize(sw->qsbr, RTE_QSBR_THRID_INVALID);
		rte_free(old);
	}
}

static int
republish(struct vs_switch *sw)
{
	const struct vs_snapshot *cur = atomic_load_explicit(&sw->sh.snap, memory_order_acquire);
	struct vs_rxq_map empty;
	struct vs_snapshot *s;

	if (cur == NULL) {
		memset(&empty, 0, sizeof(empty));
		empty.n_workers = sw->n_workers;
	}
	s = snapshot_build(sw, cur ? &cur->rxqs : &empty);
	if (s == NULL)
		return -ENOMEM;
	snapshot_publish(sw, s);
	return 0;
}

int
vs_switch_refresh_ports(struct vs_switch *sw)
{
	const struct vs_snapshot *cur = atomic_load_explicit(&sw->sh.snap, memory_order_acquire);
	uint64_t mask = 0;
	uint16_t id;

	for (id = 0; id < VS_PORT_MAX; id++)
		if (sw->ports[id] && vs_port_is_ready(sw->ports[id]))
			mask |= UINT64_C(1) << id;
	if (cur != NULL && cur->ready_mask == mask)
		return 0;
	return republish(sw);
}

/* ---- apply ------------------------------------------------------------------------------ */

struct plan {
	struct vs_switch *sw;
	const struct vs_config *cfg;
	uint16_t ids[VS_CFG_MAX_PORTS];	   /* switch id of cfg->ports[i] */
	bool added[VS_CFG_MAX_PORTS];	   /* cfg->ports[i] is new */
	struct vs_port *gone[VS_PORT_MAX]; /* ports not in cfg: destroyed last */
	uint16_t n_gone;
	bool changed[VS_CFG_MAX_PORTS]; /* cfg->ports[i] exists with other settings */
	uint16_t n_changed;
};

static int
plan_lookup(const char *name, void *arg)
{
	const struct plan *pl = arg;
	int i = vs_config_port_index(pl->cfg, name);

	return i < 0 ? -1 : pl->ids[i];
}

static int
plan_ports(struct vs_switch *sw, const struct vs_config *cfg, struct plan *pl)
{
	const struct vs_config *old = sw->cfg;
	bool used[VS_PORT_MAX] = {false};
	uint32_t i;
	uint16_t id;

	if (cfg->n_ports > VS_PORT_MAX)
		return -EINVAL;
	for (id = 0; id < VS_PORT_MAX; id++)
		used[id] = sw->ports[id] != NULL;
	/* Ports that go are removed after the rules and the snapshot that stop
	 * using them; ports that change are recreated with the same id. */
	for (i = 0; old != NULL && i < old->n_ports; i++) {
		const struct vs_cfg_port *np = vs_config_port(cfg, old->ports[i].name);

		if (np == NULL)
			pl->gone[pl->n_gone++] = vs_switch_port_by_name(sw, old->ports[i].name);
	}
	for (i = 0; i < cfg->n_ports; i++) {
		struct vs_port *p = vs_switch_port_by_name(sw, cfg->ports[i].name);
		const struct vs_cfg_port *op = old ? vs_config_port(old, cfg->ports[i].name) : NULL;

		if (p != NULL) {
			pl->ids[i] = p->id;
			if (op != NULL && !vs_diff_port_same(&cfg->ports[i], op)) {
				pl->changed[i] = true;
				pl->n_changed++;
			}
			continue;
		}
		for (id = 0; id < VS_PORT_MAX && used[id]; id++)
			;
		if (id == VS_PORT_MAX)
			return -ENOSPC;
		used[id] = true;
		pl->ids[i] = id;
		pl->added[i] = true;
	}
	return 0;
}

static void
port_base_mark(struct vs_switch *sw, uint16_t id)
{
	struct vs_switch_port_stats *b = &sw->port_base[id];
	uint16_t i;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < sw->n_workers; i++) {
		const struct vs_worker_stats *ws = &sw->workers[i]->stats;

		b->rx_pkts += ws->rx_pkts[id];
		b->rx_bytes += ws->rx_bytes[id];
		b->tx_pkts += ws->tx_pkts[id];
		b->tx_bytes += ws->tx_bytes[id];
		b->tx_drops += ws->tx_drops[id];
	}
}

/* Make port id from pc (and start it when the switch runs). 0 or -errno;
 * on failure sw->ports[id] stays NULL. */
static int
port_make(struct vs_switch *sw, const struct vs_cfg_port *pc, uint16_t id,
	  const struct vs_port_params *pp)
{
	sw->ports[id] = vs_port_create(pc, id, pp);
	if (sw->ports[id] == NULL)
		return errno ? -errno : -ENODEV;
	if (sw->running && vs_port_start(sw->ports[id]) < 0)
		VS_PL_LOG(WARNING, "port %s: not started; it stays down", pc->name);
	return 0;
}

static void
port_unmake(struct vs_switch *sw, uint16_t id)
{
	if (sw->ports[id] == NULL)
		return;
	vs_port_stop(sw->ports[id]);
	vs_port_destroy(sw->ports[id]);
	sw->ports[id] = NULL;
}

/*
 * Recreate the ports of cfg whose settings changed. They leave the snapshot
 * first (one grace period; packets towards them meanwhile are counted as
 * bad_port), then each is destroyed and made again with the same id, so the
 * rules that name it need no change. When one cannot be made, every changed
 * port goes back to its running settings and -errno is returned.
 */
static int
recreate_changed(struct vs_switch *sw, const struct vs_config *cfg, struct plan *pl,
		 const struct vs_port_params *pp)
{
	struct vs_port *old[VS_CFG_MAX_PORTS] = {NULL};
	uint32_t i, j;
	int rc;

	for (i = 0; i < cfg->n_ports; i++) {
		if (!pl->changed[i])
			continue;
		old[i] = sw->ports[pl->ids[i]];
		sw->ports[pl->ids[i]] = NULL;
	}
	rc = republish(sw);
	if (rc < 0) {
		for (i = 0; i < cfg->n_ports; i++)
			if (pl->changed[i])
				sw->ports[pl->ids[i]] = old[i];
		return rc;
	}
	/* No worker can see them now. */
	for (i = 0; i < cfg->n_ports; i++) {
		if (!pl->changed[i])
			continue;
		sw->ports[pl->ids[i]] = old[i];
		port_unmake(sw, pl->ids[i]);
	}
	for (i = 0; i < cfg->n_ports; i++) {
		if (!pl->changed[i])
			continue;
		rc = port_make(sw, &cfg->ports[i], pl->ids[i], pp);
		if (rc == 0) {
			VS_PL_LOG(INFO, "port %s recreated with its new settings",
				  cfg->ports[i].name);
			continue;
		}
		VS_PL_LOG(ERR, "%s:%u:%u: port %s: cannot recreate it: %s; keeping its settings",
			  cfg->source, cfg->ports[i].pos.line, cfg->ports[i].pos.column,
			  cfg->ports[i].name, strerror(-rc));
		for (j = 0; j < cfg->n_ports; j++) {
			if (!pl->changed[j])
				continue;
			port_unmake(sw, pl->ids[j]);
			if (port_make(sw, vs_config_port(sw->cfg, cfg->ports[j].name), pl->ids[j],
				      pp) < 0)
				VS_PL_LOG(ERR, "port %s: cannot restore it either; it is gone",
					  cfg->ports[j].name);
		}
		republish(sw);
		return rc;
	}
	return 0;
}

static int
stage_rules(struct vs_switch *sw, const struct plan *pl, struct vs_cls_txn *txn,
	    struct vs_cls_rule ***rules_out, uint32_t *n_out, struct vs_actions ***acts_out)
{
	const struct vs_config *cfg = pl->cfg;
	struct vs_cls_match *matches;
	struct vs_cls_rule **rules = NULL;
	struct vs_actions **acts;
	uint32_t i, n_rules = 0, cap = 0;
	int rc = 0;

	acts = calloc(cfg->n_rules + 1, sizeof(*acts));
	matches = malloc(sizeof(*matches) * VS_RULE_MAX_EXPANSION);
	if (acts == NULL || matches == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < sw->n_rules; i++) {
		rc = vs_cls_rule_del(txn, sw->rules[i]);
		if (rc < 0)
			goto out;
	}
	for (i = 0; i < cfg->n_rules; i++) {
		const struct vs_cfg_rule *r = &cfg->rules[i];
		int n, j;

		/* libc memory (cache aligned): sanitizers see its lifetime. */
		if (posix_memalign((void **)&acts[i], RTE_CACHE_LINE_SIZE,
				   sizeof(struct vs_actions)) != 0)
			acts[i] = NULL;
		if (acts[i] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		n = vs_rule_compile(r, i, plan_lookup, (void *)(uintptr_t)pl, acts[i], matches,
				    VS_RULE_MAX_EXPANSION);
		acts[i]->staged = 1;
		if (n < 0) {
			VS_PL_LOG(ERR, "%s:%u:%u: rule %u%s%s: cannot compile: %s", cfg->source,
				  r->pos.line, r->pos.column, i, r->name[0] ? " " : "", r->name,
				  strerror(-n));
			rc = n;
			goto out;
		}
		if (n_rules + (uint32_t)n > cap) {
			uint32_t ncap = (n_rules + (uint32_t)n) * 2 + 16;
			struct vs_cls_rule **nr = realloc(rules, ncap * sizeof(*nr));

			if (nr == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			rules = nr;
			cap = ncap;
		}
		for (j = 0; j < n; j++) {
			rc = vs_cls_rule_add(txn, &matches[j], r->priority, vs_rule_tiebreak(i),
					     acts[i], &rules[n_rules]);
			if (rc < 0) {
				VS_PL_LOG(ERR, "%s:%u:%u: rule %u: classifier refused it: %s",
					  cfg->source, r->pos.line, r->pos.column, i,
					  strerror(-rc));
				goto out;
			}
			n_rules++;
			acts[i]->refcnt++;
		}
	}
out:
	free(matches);
	if (rc < 0) {
		free(rules);
		rules = NULL;
	}
	*rules_out = rules;
	*n_out = n_rules;
	*acts_out = acts;
	return rc;
}

/*
 * Give up the action lists of a transaction that will not (or did not)
 * commit. A list that no classifier rule took is freed here; one that some
 * staged rules hold belongs to the classifier from vs_cls_rule_add on: the
 * abort hands those rules' data to data_free after a grace period, so it is
 * only unmarked here and freed by data_free with its last rule. Called before
 * the abort, so a data_free made during the abort itself is handled too.
 */
static void
release_staged(struct vs_actions **acts, uint32_t n)
{
	uint32_t i;

	if (acts == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (acts[i] == NULL)
			continue;
		if (acts[i]->refcnt == 0)
			free(acts[i]);
		else
			acts[i]->staged = 0;
	}
	free(acts);
}

/* A worker polling a device on another NUMA socket pays for it on every
 * packet: say so (operators ask for this; the queue map still stands). */
static void
warn_cross_numa(const struct vs_switch *sw, const struct vs_rxq_map *rxqs)
{
	uint16_t w, i;

	for (w = 0; w < rxqs->n_workers; w++) {
		for (i = 0; i < rxqs->n[w]; i++) {
			const struct vs_port *p = sw->ports[rxqs->q[w][i].port];

			if (p == NULL || p->socket_id == SOCKET_ID_ANY ||
			    p->socket_id == sw->workers[w]->socket_id)
				continue;
			VS_PL_LOG(WARNING,
				  "port %s rx queue %u (NUMA socket %d) is polled by the worker "
				  "on lcore %u (socket %d): pin it to a worker on its socket",
				  p->name, rxqs->q[w][i].queue, p->socket_id, sw->workers[w]->lcore,
				  sw->workers[w]->socket_id);
		}
	}
}

/* Same rule, wherever it sits in the file (positions are not compared). */
static bool
rule_same(const struct vs_cfg_rule *a, const struct vs_cfg_rule *b)
{
	static struct vs_cfg_rule x, y; /* control thread only */
	uint32_t i;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	memset(&x.pos, 0, sizeof(x.pos));
	memset(&y.pos, 0, sizeof(y.pos));
	for (i = 0; i < VS_CFG_MAX_ACTIONS; i++) {
		memset(&x.actions[i].pos, 0, sizeof(x.actions[i].pos));
		memset(&y.actions[i].pos, 0, sizeof(y.actions[i].pos));
	}
	return memcmp(&x, &y, sizeof(x)) == 0;
}

/* Do the rules of cfg compile to what runs now? Port ids are stable, so
 * the same rules in the same order are the same classifier rules. */
static bool
rules_same(const struct vs_switch *sw, const struct vs_config *cfg)
{
	uint32_t i;

	if (sw->cfg == NULL)
		return cfg->n_rules == 0 && sw->n_rules == 0;
	if (sw->cfg->n_rules != cfg->n_rules)
		return false;
	for (i = 0; i < cfg->n_rules; i++)
		if (!rule_same(&sw->cfg->rules[i], &cfg->rules[i]))
			return false;
	return true;
}

static int
rxq_owner(const struct vs_rxq_map *m, uint16_t port, uint16_t queue)
{
	uint16_t w, i;

	for (w = 0; w < m->n_workers; w++)
		for (i = 0; i < m->n[w]; i++)
			if (m->q[w][i].port == port && m->q[w][i].queue == queue)
				return w;
	return -1;
}

/*
 * inter = next without the queues that change owner. Publishing inter and
 * waiting a grace period before publishing next is the handshake that keeps
 * two workers from ever polling one queue: the old owner has stopped before
 * the new one starts. Returns whether any queue moves.
 */
static bool
rxq_handover(const struct vs_rxq_map *cur, const struct vs_rxq_map *next, struct vs_rxq_map *inter)
{
	bool moved = false;
	uint16_t w, i;

	memset(inter, 0, sizeof(*inter));
	inter->n_workers = next->n_workers;
	for (w = 0; w < next->n_workers; w++) {
		for (i = 0; i < next->n[w]; i++) {
			int o = rxq_owner(cur, next->q[w][i].port, next->q[w][i].queue);

			if (o >= 0 && o != w) {
				moved = true;
				continue;
			}
			inter->q[w][inter->n[w]++] = next->q[w][i];
		}
	}
	return moved;
}

int
vs_switch_apply(struct vs_switch *sw, const struct vs_config *cfg)
{
	const struct vs_snapshot *cur;
	struct vs_cls_rule **rules = NULL;
	struct vs_actions **acts = NULL;
	struct vs_snapshot *snap = NULL, *inter = NULL;
	struct vs_rxq_map *rxqs = NULL, *inter_rxqs = NULL;
	struct vs_cls_txn *txn = NULL;
	struct vs_port_params pp;
	struct plan *pl = NULL;
	uint32_t i, n_rules = 0;
	bool new_rules, handover = false;
	int rc;

	if (sw == NULL || cfg == NULL)
		return -EINVAL;
	if (sw->cfg != NULL) {
		struct vs_cfg_error err;

		/* Keys that need a restart (dpdk.*, workers, ...) must not differ. */
		rc = vs_config_reload_check(sw->cfg, cfg, &err);
		if (rc < 0) {
			VS_PL_LOG(ERR, "%s", err.msg);
			return rc;
		}
		/* The workers' EMCs are sized once; say so rather than ignore it. */
		if (cfg->classifier.emc_entries != sw->cfg->classifier.emc_entries) {
			VS_PL_LOG(ERR,
				  "%s: classifier.emc_entries: %u changed to %u on reload; "
				  "expected %u (resizing the EMC needs a restart)",
				  cfg->source, sw->cfg->classifier.emc_entries,
				  cfg->classifier.emc_entries, sw->cfg->classifier.emc_entries);
			return -EPERM;
		}
	}
	if (cfg->n_workers != sw->n_workers)
		goto workers_differ;
	for (i = 0; i < cfg->n_workers; i++)
		if (cfg->workers[i].lcore != sw->worker_lcores[i])
			goto workers_differ;

	pl = calloc(1, sizeof(*pl));
	rxqs = malloc(sizeof(*rxqs));
	inter_rxqs = malloc(sizeof(*inter_rxqs));
	snap = snapshot_alloc();
	inter = snapshot_alloc();
	if (pl == NULL || rxqs == NULL || inter_rxqs == NULL || snap == NULL || inter == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	pl->sw = sw;
	pl->cfg = cfg;

	/* 1. Ports: which are new, which change, which go. */
	rc = plan_ports(sw, cfg, pl);
	if (rc < 0)
		goto out;
	/* 2. Rx queues of the new port set. */
	rc = vs_rxq_assign(cfg, pl->ids, rxqs);
	if (rc < 0) {
		VS_PL_LOG(ERR, "%s: cannot assign rx queues to workers: %s", cfg->source,
			  strerror(-rc));
		goto out;
	}
	/* 3. Rules: when they changed, one transaction replacing them all. */
	new_rules = !rules_same(sw, cfg);
	if (new_rules) {
		txn = vs_cls_txn_begin(sw->cls);
		if (txn == NULL) {
			rc = -errno;
			goto out;
		}
		rc = stage_rules(sw, pl, txn, &rules, &n_rules, &acts);
		if (rc < 0)
			goto abort;
	}
	/* 4. Added ports (their counters start from what the id counted so far). */
	pp.pool = sw->pool;
	pp.n_workers = sw->n_workers;
	for (i = 0; i < cfg->n_ports; i++) {
		if (!pl->added[i])
			continue;
		port_base_mark(sw, pl->ids[i]);
		sw->ports[pl->ids[i]] = vs_port_create(&cfg->ports[i], pl->ids[i], &pp);
		if (sw->ports[pl->ids[i]] == NULL) {
			rc = -errno;
			VS_PL_LOG(ERR, "%s:%u:%u: port %s: cannot create it: %s", cfg->source,
				  cfg->ports[i].pos.line, cfg->ports[i].pos.column,
				  cfg->ports[i].name, strerror(errno));
			goto abort_ports;
		}
	}
	/* 4b. Changed ports: recreated in place (the device or socket is theirs,
	 * so the old one goes first); back to the old settings on failure. */
	if (pl->n_changed) {
		rc = recreate_changed(sw, cfg, pl, &pp);
		if (rc < 0)
			goto abort_ports;
	}
	/* 5. Commit: from here on nothing can fail. */
	if (txn != NULL) {
		rc = vs_cls_txn_commit(txn);
		txn = NULL;
		if (rc < 0) {
			VS_PL_LOG(ERR, "%s: classifier commit failed: %s", cfg->source,
				  strerror(-rc));
			goto abort_ports;
		}
		/* The classifier owns the action lists now, through data_free. */
		for (i = 0; i < cfg->n_rules; i++)
			acts[i]->staged = 0;
		free(acts);
		acts = NULL;
		free(sw->rules);
		sw->rules = rules;
		sw->n_rules = n_rules;
		rules = NULL;
	}
	if (sw->running) {
		for (i = 0; i < cfg->n_ports; i++) {
			if ((pl->added[i] || pl->changed[i]) &&
			    vs_port_start(sw->ports[pl->ids[i]]) < 0)
				VS_PL_LOG(WARNING, "port %s: not started; it stays down",
					  cfg->ports[i].name);
		}
	}
	sw->cfg = cfg;
	warn_cross_numa(sw, rxqs);
	/* Ports that go leave the snapshot now and are destroyed after it. */
	for (i = 0; i < pl->n_gone; i++)
		if (pl->gone[i] != NULL)
			sw->ports[pl->gone[i]->id] = NULL;
	/* 6. Publish; queues that change worker go through a handover first. */
	cur = atomic_load_explicit(&sw->sh.snap, memory_order_acquire);
	if (cur != NULL)
		handover = rxq_handover(&cur->rxqs, rxqs, inter_rxqs);
	if (handover) {
		snapshot_fill(sw, inter, inter_rxqs);
		snapshot_publish(sw, inter);
		inter = NULL;
	}
	snapshot_fill(sw, snap, rxqs);
	snapshot_publish(sw, snap);
	snap = NULL;
	/* 7. No worker can see the ports that went (grace period passed). */
	for (i = 0; i < pl->n_gone; i++) {
		if (pl->gone[i] == NULL)
			continue;
		VS_PL_LOG(INFO, "port %s removed", pl->gone[i]->name);
		vs_port_stop(pl->gone[i]);
		vs_port_destroy(pl->gone[i]);
	}
	vs_cls_reclaim(sw->cls);
	VS_PL_LOG(INFO,
		  "%s applied: generation %" PRIu64 ", %u ports, %u rules (%u classifier "
		  "rules)%s%s",
		  cfg->source, sw->generation, cfg->n_ports, cfg->n_rules, sw->n_rules,
		  new_rules ? "" : ", rules unchanged", handover ? ", rx queues handed over" : "");
	rc = 0;
	goto out;

abort_ports:
	for (i = 0; i < cfg->n_ports; i++) {
		if (pl->added[i]) {
			vs_port_destroy(sw->ports[pl->ids[i]]);
			sw->ports[pl->ids[i]] = NULL;
		}
	}
abort:
	/* Also after a failed commit (txn is NULL then): it aborted itself. */
	release_staged(acts, cfg->n_rules);
	if (txn != NULL)
		vs_cls_txn_abort(txn);
	free(rules);
out:
	rte_free(snap);
	rte_free(inter);
	free(inter_rxqs);
	free(rxqs);
	free(pl);
	return rc;
workers_differ:
	VS_PL_LOG(ERR, "%s: workers differ from those the switch runs; they need a restart",
		  cfg->source);
	return -EINVAL;
}

/* ---- start / stop ------------------------------------------------------------------------ */

int
vs_switch_start(struct vs_switch *sw)
{
	uint16_t id, i;
	int rc;

	if (sw->running)
		return 0;
	for (id = 0; id < VS_PORT_MAX; id++) {
		if (sw->ports[id] == NULL)
			continue;
		rc = vs_port_start(sw->ports[id]);
		if (rc < 0)
			goto fail;
	}
	rc = republish(sw);
	if (rc < 0)
		goto fail;
	atomic_store_explicit(&sw->sh.stop, false, memory_order_release);
	for (i = 0; i < sw->n_workers; i++) {
		rc = rte_eal_remote_launch(vs_worker_main, sw->workers[i], sw->workers[i]->lcore);
		if (rc < 0) {
			VS_PL_LOG(ERR, "cannot launch the worker on lcore %u: %s",
				  sw->workers[i]->lcore, rte_strerror(-rc));
			atomic_store_explicit(&sw->sh.stop, true, memory_order_release);
			while (i-- > 0)
				rte_eal_wait_lcore(sw->workers[i]->lcore);
			goto fail;
		}
	}
	sw->running = true;
	VS_PL_LOG(INFO, "switch started: %u workers", sw->n_workers);
	return 0;
fail:
	for (id = 0; id < VS_PORT_MAX; id++)
		if (sw->ports[id] != NULL)
			vs_port_stop(sw->ports[id]);
	republish(sw);
	return rc;
}

int
vs_switch_stop(struct vs_switch *sw)
{
	uint16_t id, i;

	if (!sw->running)
		return 0;
	atomic_store_explicit(&sw->sh.stop, true, memory_order_release);
	for (i = 0; i < sw->n_workers; i++) {
		rte_eal_wait_lcore(sw->workers[i]->lcore);
		vs_worker_drain(sw->workers[i]);
	}
	for (id = 0; id < VS_PORT_MAX; id++)
		if (sw->ports[id] != NULL)
			vs_port_stop(sw->ports[id]);
	sw->running = false;
	republish(sw);
	vs_cls_reclaim(sw->cls);
	VS_PL_LOG(INFO, "switch stopped");
	return 0;
}

void
vs_switch_destroy(struct vs_switch *sw)
{
	struct vs_snapshot *s;
	uint16_t id;

	if (sw == NULL)
		return;
	vs_switch_stop(sw);
	free_workers(sw);
	vs_cls_destroy(sw->cls);
	free(sw->rules);
	s = atomic_exchange(&sw->sh.snap, NULL);
	rte_free(s);
	for (id = 0; id < VS_PORT_MAX; id++)
		vs_port_destroy(sw->ports[id]);
	rte_free(sw->qsbr);
	rte_mempool_free(sw->pool);
	free(sw);
}

void
vs_switch_reclaim(struct vs_switch *sw)
{
	vs_cls_reclaim(sw->cls);
}

void
vs_switch_rerank(struct vs_switch *sw)
{
	struct vs_cls_ctx *ctxs[VS_CFG_MAX_WORKERS];
	uint16_t i;

	for (i = 0; i < sw->n_workers; i++)
		ctxs[i] = sw->workers[i]->cls_ctx;
	vs_cls_rerank(sw->cls, ctxs, sw->n_workers);
}

struct rte_mempool *
vs_switch_mempool(struct vs_switch *sw)
{
	return sw->pool;
}

struct vs_cls *
vs_switch_cls(struct vs_switch *sw)
{
	return sw->cls;
}

struct vs_port *
vs_switch_port(struct vs_switch *sw, uint16_t id)
{
	return id < VS_PORT_MAX ? sw->ports[id] : NULL;
}

struct vs_port *
vs_switch_port_by_name(struct vs_switch *sw, const char *name)
{
	uint16_t id;

	for (id = 0; id < VS_PORT_MAX; id++)
		if (sw->ports[id] != NULL && strcmp(sw->ports[id]->name, name) == 0)
			return sw->ports[id];
	return NULL;
}

uint64_t
vs_switch_generation(const struct vs_switch *sw)
{
	return sw->generation;
}

/* ---- stats ------------------------------------------------------------------------------- */

int
vs_switch_stats(struct vs_switch *sw, struct vs_switch_stats *out)
{
	uint16_t id, i;
	unsigned r;

	memset(out, 0, sizeof(*out));
	out->tsc = rte_rdtsc();
	out->tsc_hz = rte_get_tsc_hz();
	out->n_workers = sw->n_workers;
	for (id = 0; id < VS_PORT_MAX; id++) {
		struct vs_switch_port_stats *ps = &out->port[id];

		if (sw->ports[id] == NULL)
			continue;
		out->n_ports = (uint16_t)(id + 1);
		ps->present = true;
		ps->id = id;
		ps->ready = vs_port_is_ready(sw->ports[id]);
		snprintf(ps->name, sizeof(ps->name), "%s", sw->ports[id]->name);
		vs_port_stats_get(sw->ports[id], &ps->dev);
	}
	for (i = 0; i < sw->n_workers; i++) {
		const struct vs_worker_stats *ws = &sw->workers[i]->stats;
		struct vs_switch_worker_stats *o = &out->worker[i];

		o->lcore = sw->workers[i]->lcore;
		vs_cls_ctx_stats_get(sw->workers[i]->cls_ctx, &o->cls);
		o->busy_cycles = ws->busy_cycles;
		o->idle_cycles = ws->idle_cycles;
		o->loops = ws->loops;
		o->generation = ws->generation;
		memcpy(o->stage_cycles, ws->stage_cycles, sizeof(o->stage_cycles));
		memcpy(o->bursts, ws->bursts, sizeof(o->bursts));
		o->n_rxq = ws->n_rxq;
		memcpy(o->rxq, ws->rxq, sizeof(o->rxq[0]) * o->n_rxq);
		for (id = 0; id < VS_PORT_MAX; id++) {
			out->port[id].rx_pkts += ws->rx_pkts[id];
			out->port[id].rx_bytes += ws->rx_bytes[id];
			out->port[id].tx_pkts += ws->tx_pkts[id];
			out->port[id].tx_bytes += ws->tx_bytes[id];
			out->port[id].tx_drops += ws->tx_drops[id];
			o->rx_pkts += ws->rx_pkts[id];
			o->tx_pkts += ws->tx_pkts[id];
		}
		for (r = VS_DROP_FIRST; r < VS_DROP_MAX; r++) {
			o->drops[r] = ws->drops[r];
			out->drops[r] += ws->drops[r];
			out->total_drops += ws->drops[r];
		}
	}
	for (id = 0; id < VS_PORT_MAX; id++) {
		const struct vs_switch_port_stats *b = &sw->port_base[id];

		out->port[id].rx_pkts -= b->rx_pkts;
		out->port[id].rx_bytes -= b->rx_bytes;
		out->port[id].tx_pkts -= b->tx_pkts;
		out->port[id].tx_bytes -= b->tx_bytes;
		out->port[id].tx_drops -= b->tx_drops;
	}
	return 0;
}

/* ---- rule hits and rx queue placement ------------------------------------------------------ */

int
vs_switch_rule_hits(struct vs_switch *sw, uint64_t *hits, uint32_t n)
{
	uint32_t i;
	uint16_t w;

	if (sw == NULL || (hits == NULL && n != 0))
		return -EINVAL;
	memset(hits, 0, sizeof(*hits) * n);
	for (i = 0; i < sw->n_rules; i++) {
		const struct vs_actions *a = sw->rules[i]->data;

		if (a == NULL || a->rule_index >= n)
			continue;
		for (w = 0; w < sw->n_workers; w++)
			hits[a->rule_index] +=
			    vs_cls_ctx_rule_hits(sw->workers[w]->cls_ctx, sw->rules[i]->id);
	}
	return 0;
}

int
vs_switch_rxq_map(struct vs_switch *sw, struct vs_rxq_map *out)
{
	const struct vs_snapshot *cur = atomic_load_explicit(&sw->sh.snap, memory_order_acquire);

	if (cur == NULL)
		return -ENOENT;
	*out = cur->rxqs;
	return 0;
}

int
vs_switch_set_rxqs(struct vs_switch *sw, const struct vs_rxq_map *map)
{
	const struct vs_snapshot *cur = atomic_load_explicit(&sw->sh.snap, memory_order_acquire);
	struct vs_rxq_map *inter;
	struct vs_snapshot *s;
	uint16_t w, i;
	int n_cur = 0, n_new = 0;

	if (sw == NULL || map == NULL || cur == NULL || map->n_workers != sw->n_workers)
		return -EINVAL;
	/* The same queues, each exactly once, on ports that exist. */
	for (w = 0; w < cur->rxqs.n_workers; w++)
		n_cur += cur->rxqs.n[w];
	for (w = 0; w < map->n_workers; w++) {
		if (map->n[w] > VS_WORKER_MAX_RXQ)
			return -EINVAL;
		for (i = 0; i < map->n[w]; i++) {
			const struct vs_rxq_ref *q = &map->q[w][i];

			if (q->port >= VS_PORT_MAX || sw->ports[q->port] == NULL ||
			    rxq_owner(&cur->rxqs, q->port, q->queue) < 0 ||
			    rxq_owner(map, q->port, q->queue) != w)
				return -EINVAL;
			n_new++;
		}
	}
	if (n_new != n_cur)
		return -EINVAL;
	inter = malloc(sizeof(*inter));
	if (inter == NULL)
		return -ENOMEM;
	if (rxq_handover(&cur->rxqs, map, inter)) {
		s = snapshot_build(sw, inter);
		if (s == NULL) {
			free(inter);
			return -ENOMEM;
		}
		snapshot_publish(sw, s);
	}
	free(inter);
	s = snapshot_build(sw, map);
	if (s == NULL)
		return -ENOMEM;
	snapshot_publish(sw, s);
	return 0;
}
