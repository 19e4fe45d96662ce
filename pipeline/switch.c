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
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_mbuf_dyn.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "pipeline_log.h"
#include "switch_priv.h"
#include "vs_action.h"
#include "vs_plan.h"
#include "vs_switch.h"
#include "vs_worker.h"

RTE_LOG_REGISTER_DEFAULT(vs_pipeline_logtype, NOTICE);

/* struct vs_switch: switch_priv.h (rules.c shares it). */

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

		if (p->type == VS_CFG_PORT_VXLAN)
			continue; /* no rings: frames go through the underlay's */
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
	/* Ethdev ports with jumbo frames may need an rx pool of their own
	 * (device without scatter rx: ethdev_rx_pool), counted as if so. */
	for (i = 0; i < cfg->n_ports; i++) {
		const struct vs_cfg_port *p = &cfg->ports[i];
		uint64_t frame =
		    (uint64_t)p->mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN;
		uint64_t nd =
		    (uint64_t)(p->rx_queues ? p->rx_queues : 1) * (p->rx_desc ? p->rx_desc : 1024);

		if (p->type == VS_CFG_PORT_ETHDEV && frame > VS_MBUF_DATA_ROOM)
			cls_bytes += (nd + VS_PORT_JUMBO_INFLIGHT) *
				     (RTE_ALIGN_CEIL(frame, 1024) + RTE_PKTMBUF_HEADROOM + 256);
	}
	/* Per worker, the segment pools of software TSO (worker_gso_init). */
	cls_bytes += (uint64_t)cfg->n_workers * (4u << 20);
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

/* Free a packet-in/out ring with the packets still in it. */
static void
ring_free(struct rte_ring *r)
{
	void *m;

	if (r == NULL)
		return;
	while (rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r);
}

static struct rte_ring *
pktio_ring(const char *what, uint16_t worker, int socket)
{
	char name[RTE_RING_NAMESIZE];
	static unsigned seq; /* ring names are global: switches in one process */

	snprintf(name, sizeof(name), "vs_%s_%u_%u", what, worker, seq++);
	return rte_ring_create(name, VS_PKTIO_RING, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
}

/* A worker's software TSO (rte_gso): pools for the segments' headers
 * (direct) and for references to the payload (indirect), on its socket.
 * Segmentation is TCP/IPv4; gso_size is set per packet from its MSS. */
#define VS_GSO_DIRECT	4095
#define VS_GSO_INDIRECT 8191
#define VS_GSO_HDR_ROOM 256 /* Ethernet + 2 VLAN tags + IPv4 with options + TCP with options */

static int
worker_gso_init(struct vs_worker *w, uint32_t seq)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "vs_gsod_%u_%u", seq, w->index);
	w->gso.direct_pool = rte_pktmbuf_pool_create(
	    name, VS_GSO_DIRECT, 64, 0, RTE_PKTMBUF_HEADROOM + VS_GSO_HDR_ROOM, w->socket_id);
	snprintf(name, sizeof(name), "vs_gsoi_%u_%u", seq, w->index);
	w->gso.indirect_pool =
	    rte_pktmbuf_pool_create(name, VS_GSO_INDIRECT, 64, 0, 0, w->socket_id);
	if (w->gso.direct_pool == NULL || w->gso.indirect_pool == NULL) {
		VS_PL_LOG(ERR, "worker %u: cannot create its TSO segment pools: %s", w->index,
			  rte_strerror(rte_errno));
		return rte_errno ? rte_errno : ENOMEM;
	}
	w->gso.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO;
	w->gso.gso_size = RTE_ETHER_MAX_LEN - RTE_ETHER_CRC_LEN;
	w->gso.flag = 0;
	return 0;
}

static void
free_workers(struct vs_switch *sw)
{
	uint16_t i;

	for (i = 0; i < VS_CFG_MAX_WORKERS; i++) {
		if (sw->workers[i] == NULL)
			continue;
		vs_worker_drain(sw->workers[i]);
		ring_free(sw->workers[i]->pin);
		ring_free(sw->workers[i]->pout);
		ring_free(sw->workers[i]->tctl);
		vs_cls_ctx_destroy(sw->workers[i]->cls_ctx);
		rte_free(sw->workers[i]->rule_bytes);
		rte_mempool_free(sw->workers[i]->gso.direct_pool);
		rte_mempool_free(sw->workers[i]->gso.indirect_pool);
		rte_free(sw->workers[i]);
		sw->workers[i] = NULL;
	}
}

/* The mbuf pool of a NUMA socket (unknown: the home socket's), made on
 * first use; the home pool when that socket's cannot be made (WARNING). */
static struct rte_mempool *
switch_pool(void *arg, int socket)
{
	struct vs_switch *sw = arg;
	char name[RTE_MEMPOOL_NAMESIZE];
	int s = vs_numa_port_socket(socket, sw->home_socket);

	if (s < 0 || s >= VS_NUMA_MAX_SOCKETS)
		s = sw->home_socket;
	if (sw->pools[s] != NULL)
		return sw->pools[s];
	snprintf(name, sizeof(name), "vs_mbuf_%u_s%d", sw->seq, s);
	sw->pools[s] = rte_pktmbuf_pool_create(name, sw->pool_mbufs, VS_MBUF_CACHE, 0,
					       RTE_PKTMBUF_HEADROOM + VS_MBUF_DATA_ROOM, s);
	if (sw->pools[s] == NULL) {
		VS_PL_LOG(WARNING,
			  "cannot create the mempool of NUMA socket %d (%u mbufs): %s; its devices "
			  "and workers use socket %d's",
			  s, sw->pool_mbufs, rte_strerror(rte_errno), sw->home_socket);
		return sw->pool;
	}
	VS_PL_LOG(INFO, "mempool %s: %u mbufs on NUMA socket %d", name, sw->pool_mbufs, s);
	return sw->pools[s];
}

static void
free_pools(struct vs_switch *sw)
{
	int s;

	for (s = 0; s < VS_NUMA_MAX_SOCKETS; s++) {
		rte_mempool_free(sw->pools[s]);
		sw->pools[s] = NULL;
	}
	sw->pool = NULL;
}

/* The tunnel module's frames (ARP, ND) leave as packet-outs: through worker
 * 0's own tx path, never a tx queue of the control thread. */
static int
tun_send(void *arg, uint16_t port, struct rte_mbuf *m)
{
	struct vs_switch *sw = arg;
	struct vs_pktio_meta *meta = vs_pktio_meta_of(m, sw->sh.pktio_off);

	meta->out = port;
	meta->in_port = UINT16_MAX;
	return vs_switch_packet_out(sw, m);
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

	/* One pool per NUMA socket in use: the workers' now, the devices' as
	 * their ports are made (switch_pool). */
	{
		int wsock[VS_CFG_MAX_WORKERS], socks[VS_NUMA_MAX_SOCKETS], n;

		for (i = 0; i < sw->n_workers; i++)
			wsock[i] = (int)rte_lcore_to_socket_id(sw->worker_lcores[i]);
		sw->seq = seq;
		sw->pool_mbufs = sz.n_mbufs;
		sw->home_socket = vs_numa_home(wsock, sw->n_workers, (int)rte_socket_id());
		if (sw->home_socket < 0 || sw->home_socket >= VS_NUMA_MAX_SOCKETS)
			sw->home_socket = 0;
		n = vs_numa_pool_sockets(wsock, sw->n_workers, NULL, 0, (int)rte_socket_id(),
					 socks);
		for (i = 0; n > 0 && i < (uint32_t)n; i++)
			switch_pool(sw, socks[i]);
		sw->pool = sw->pools[sw->home_socket];
	}
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
	{
		static const struct rte_mbuf_dynfield pktio_field = {
		    .name = "nfvswitch_pktio_meta",
		    .size = sizeof(struct vs_pktio_meta),
		    .align = __alignof__(struct vs_pktio_meta),
		};

		static const struct rte_mbuf_dynfield tun_field = {
		    .name = "nfvswitch_tun_remote",
		    .size = sizeof(uint8_t),
		    .align = __alignof__(uint8_t),
		};

		sw->sh.pktio_off = rte_mbuf_dynfield_register(&pktio_field);
		sw->sh.tun_off = rte_mbuf_dynfield_register(&tun_field);
		if (sw->sh.pktio_off < 0 || sw->sh.tun_off < 0) {
			rc = rte_errno ? rte_errno : ENOSPC;
			VS_PL_LOG(ERR, "cannot register the mbuf fields: %s", strerror(rc));
			goto fail;
		}
	}
	__atomic_store_n(&sw->sh.snap, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&sw->sh.stop, false, __ATOMIC_RELAXED);

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
	rc = -vs_rules_init(sw, cfg->classifier.max_rules);
	if (rc != 0)
		goto fail;
	{
		struct vs_l2_params lp = {0};

		snprintf(name, sizeof(name), "vs_l2_%u", seq);
		lp.name = name;
		lp.max_entries = cfg->l2.max_entries ? cfg->l2.max_entries : 8192;
		lp.aging_s = cfg->l2.aging_s ? cfg->l2.aging_s : 300;
		lp.n_workers = sw->n_workers;
		lp.qsbr = sw->qsbr;
		lp.socket_id = SOCKET_ID_ANY;
		sw->l2 = vs_l2_create(&lp);
		if (sw->l2 == NULL) {
			rc = errno ? errno : ENOMEM;
			VS_PL_LOG(ERR, "cannot create the MAC table: %s", strerror(rc));
			goto fail;
		}
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
		w->pool = switch_pool(sw, socket);
		w->sh = &sw->sh;
		w->tun_remote = VS_L2_REMOTE_NONE;
		xp.emc_entries = cfg->classifier.emc_entries;
		xp.socket_id = socket;
		w->cls_ctx = vs_cls_ctx_create(sw->cls, &xp);
		if (w->cls_ctx == NULL) {
			rc = errno ? errno : ENOMEM;
			goto fail;
		}
		w->pin = pktio_ring("pin", (uint16_t)i, socket);
		w->pout = pktio_ring("pout", (uint16_t)i, socket);
		w->tctl = pktio_ring("tctl", (uint16_t)i, socket);
		if (w->pin == NULL || w->pout == NULL || w->tctl == NULL) {
			rc = rte_errno ? rte_errno : ENOMEM;
			goto fail;
		}
		w->rule_bytes =
		    rte_zmalloc_socket("vs_rule_bytes", sizeof(uint64_t) * sw->rt.max_rules,
				       RTE_CACHE_LINE_SIZE, socket);
		if (w->rule_bytes == NULL) {
			rc = ENOMEM;
			goto fail;
		}
		rc = worker_gso_init(w, seq);
		if (rc != 0)
			goto fail;
		rc = rte_rcu_qsbr_thread_register(sw->qsbr, i);
		if (rc < 0) {
			rc = rte_errno;
			goto fail;
		}
	}
	sw->tun = vs_tun_create(sw->qsbr, &sw->sh.tun, sw->pool, tun_send, sw);
	if (sw->tun == NULL) {
		rc = errno ? errno : ENOMEM;
		goto fail;
	}
	VS_PL_LOG(INFO, "switch created: %u workers, mempool %u mbufs", sw->n_workers, sz.n_mbufs);
	return sw;
fail:
	free_workers(sw);
	vs_rules_fini(sw);
	vs_cls_destroy(sw->cls);
	vs_l2_destroy(sw->l2);
	rte_free(sw->qsbr);
	free_pools(sw);
	free(sw);
	errno = rc ? rc : EINVAL;
	return NULL;
}

/* ---- snapshot ------------------------------------------------------------------------- */

/* The VLAN segments of the normal action from the ports' VLAN modes. A
 * tunnel's underlay is in none: it carries the overlay, it is not a port of
 * the bridge (frames it receives that are not VXLAN for us still reach the
 * rules, but normal neither learns them nor floods to it). */
static void
snapshot_fill_l2(struct vs_switch *sw, struct vs_snapshot *s)
{
	const struct vs_tun_dp *tun = __atomic_load_n(&sw->sh.tun, __ATOMIC_ACQUIRE);
	uint64_t underlays = tun != NULL ? tun->underlay_mask : 0;
	uint16_t id, i, v;

	s->l2 = sw->l2 != NULL ? &sw->l2->dp : NULL;
	for (id = 0; id < VS_PORT_MAX; id++) {
		const struct vs_port *p = sw->ports[id];
		uint64_t bit = UINT64_C(1) << id;

		if (p == NULL || (underlays & bit))
			continue;
		s->port_tag[id] = p->l2_tag;
		s->port_native[id] = p->l2_native;
		if (p->l2_tag != 0) {
			s->vlan_ports[p->l2_tag] |= bit;
			s->vlan_untagged[p->l2_tag] |= bit;
			continue;
		}
		if (p->l2_n_trunks == 0)
			for (v = 0; v < VS_L2_VLANS; v++)
				s->vlan_ports[v] |= bit;
		for (i = 0; i < p->l2_n_trunks; i++)
			s->vlan_ports[p->l2_trunks[i]] |= bit;
		/* Untagged frames of a trunk: its native VLAN, or VLAN 0 when
		 * it lists no native_vlan (then only if VLAN 0 is carried). */
		if (p->l2_native != 0 || p->l2_n_trunks == 0)
			s->vlan_ports[p->l2_native] |= bit;
		s->vlan_untagged[p->l2_native] |= bit;
	}
}

/* Ready ports whose link the last poll saw down (ethdev only; unknown = up). */
static uint64_t
link_down_mask(const struct vs_switch *sw)
{
	uint64_t mask = 0;
	uint16_t id;

	for (id = 0; id < VS_PORT_MAX && id < 64; id++) {
		const struct vs_port *p = sw->ports[id];

		if (p != NULL && p->type == VS_PORT_ETHDEV && p->link_known && !p->link_up)
			mask |= UINT64_C(1) << id;
	}
	return mask;
}

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
		if (sw->ports[id]->type == VS_PORT_VXLAN)
			s->tun_mask |= UINT64_C(1) << id;
	}
	s->link_down_mask = link_down_mask(sw) & s->ready_mask;
	s->tx_ok_mask = s->ready_mask & ~s->link_down_mask;
	s->rxqs = *rxqs;
	snapshot_fill_l2(sw, s);
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

	old = __atomic_exchange_n(&sw->sh.snap, s, __ATOMIC_ACQ_REL);
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
	const struct vs_snapshot *cur = __atomic_load_n(&sw->sh.snap, __ATOMIC_ACQUIRE);
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
	const struct vs_snapshot *cur = __atomic_load_n(&sw->sh.snap, __ATOMIC_ACQUIRE);
	uint64_t mask = 0;
	uint16_t id;

	for (id = 0; id < VS_PORT_MAX; id++)
		if (sw->ports[id] && vs_port_is_ready(sw->ports[id]))
			mask |= UINT64_C(1) << id;
	if (cur != NULL && cur->ready_mask == mask &&
	    cur->link_down_mask == (link_down_mask(sw) & mask))
		return 0;
	return republish(sw);
}

/* ---- plans ------------------------------------------------------------------------------- */

static const char *const plan_op_names[VS_PLAN_OP_MAX] = {
    [VS_PLAN_PORT_ADD] = "port_add", [VS_PLAN_PORT_CHANGE] = "port_change",
    [VS_PLAN_RULE_DEL] = "rule_del", [VS_PLAN_RULE_MOD] = "rule_mod",
    [VS_PLAN_RULE_ADD] = "rule_add", [VS_PLAN_RXQ_ASSIGN] = "rxq_assign",
    [VS_PLAN_PORT_DEL] = "port_del", [VS_PLAN_CONTROL] = "control",
};

const char *
vs_plan_op_str(enum vs_plan_op op)
{
	return (unsigned)op < VS_PLAN_OP_MAX ? plan_op_names[op] : "unknown";
}

void
vs_plan_init(struct vs_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
}

void
vs_plan_free(struct vs_plan *plan)
{
	if (plan == NULL)
		return;
	free(plan->steps);
	plan->steps = NULL;
	plan->n = plan->cap = 0;
}

static struct vs_plan_step *
plan_push(struct vs_plan *plan, enum vs_plan_op op, const char *name, struct vs_cfg_pos pos)
{
	struct vs_plan_step *s;

	if (plan->n == plan->cap) {
		uint32_t ncap = plan->cap ? plan->cap * 2 : 16;

		s = realloc(plan->steps, ncap * sizeof(*s));
		if (s == NULL)
			return NULL;
		plan->steps = s;
		plan->cap = ncap;
	}
	s = &plan->steps[plan->n++];
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->pos = pos;
	if (name != NULL)
		snprintf(s->name, sizeof(s->name), "%s", name);
	plan->n_op[op]++;
	return s;
}

int
vs_plan_rule_add(struct vs_plan *plan, const struct vs_cfg_rule *spec, enum vs_rule_source src)
{
	struct vs_plan_step *s = plan_push(plan, VS_PLAN_RULE_ADD, spec->name, spec->pos);

	if (s == NULL)
		return -ENOMEM;
	s->spec = spec;
	s->src = src;
	return 0;
}

int
vs_plan_rule_del(struct vs_plan *plan, struct vs_sw_rule *r)
{
	struct vs_plan_step *s = plan_push(plan, VS_PLAN_RULE_DEL, r->spec.name, r->spec.pos);

	if (s == NULL)
		return -ENOMEM;
	s->rule = r;
	s->src = r->src;
	return 0;
}

int
vs_plan_rule_mod(struct vs_plan *plan, struct vs_sw_rule *r, const struct vs_cfg_rule *spec,
		 bool reset_counts)
{
	struct vs_plan_step *s = plan_push(plan, VS_PLAN_RULE_MOD, spec->name, spec->pos);

	if (s == NULL)
		return -ENOMEM;
	s->rule = r;
	s->spec = spec;
	s->src = r->src;
	s->reset_counts = reset_counts;
	return 0;
}

bool
vs_plan_port_same(const struct vs_cfg_port *a, const struct vs_cfg_port *b)
{
	/* The keys whose change recreates the port (docs/config.md); rx queue
	 * pins are live and compared by pins_same(). */
	return vs_config_same(VS_CFG_SEC_PORTS, a, b, 1u << VS_CFG_RELOAD_RECREATE);
}

static bool
pins_same(const struct vs_cfg_port *a, const struct vs_cfg_port *b)
{
	uint32_t i;

	if (a->n_rxq_pins != b->n_rxq_pins)
		return false;
	for (i = 0; i < a->n_rxq_pins; i++)
		if (a->rxq_pins[i].queue != b->rxq_pins[i].queue ||
		    a->rxq_pins[i].worker_lcore != b->rxq_pins[i].worker_lcore)
			return false;
	return true;
}

static int
plan_ports(struct vs_switch *sw, const struct vs_config *cfg, struct vs_plan *plan)
{
	static const struct vs_cfg_pos nopos;
	const struct vs_config *old = sw->cfg;
	struct vs_plan_step *s;
	bool rxq = old == NULL && cfg->n_ports != 0;
	uint32_t i;

	for (i = 0; i < cfg->n_ports; i++) {
		const struct vs_cfg_port *np = &cfg->ports[i];
		const struct vs_cfg_port *op = old ? vs_config_port(old, np->name) : NULL;

		if (op != NULL && vs_switch_port_by_name(sw, np->name) != NULL) {
			if (!pins_same(np, op))
				rxq = true;
			if (vs_plan_port_same(np, op))
				continue;
			s = plan_push(plan, VS_PLAN_PORT_CHANGE, np->name, np->pos);
		} else {
			s = plan_push(plan, VS_PLAN_PORT_ADD, np->name, np->pos);
		}
		if (s == NULL)
			return -ENOMEM;
		s->index = i;
		rxq = true;
	}
	for (i = 0; old != NULL && i < old->n_ports; i++) {
		if (vs_config_port(cfg, old->ports[i].name) != NULL)
			continue;
		if (plan_push(plan, VS_PLAN_PORT_DEL, old->ports[i].name, old->ports[i].pos) ==
		    NULL)
			return -ENOMEM;
		rxq = true;
	}
	if (rxq && plan_push(plan, VS_PLAN_RXQ_ASSIGN, NULL, nopos) == NULL)
		return -ENOMEM;
	return 0;
}

/* A port the new config keeps (or adds). */
static bool
port_stays(const struct vs_config *cfg, const char *name)
{
	return vs_config_port(cfg, name) != NULL;
}

/* Runtime rules that stay must still find their ports, and their names must
 * stay theirs. */
static int
plan_check_runtime(struct vs_switch *sw, const struct vs_config *cfg, struct vs_cfg_error *err)
{
	static const struct vs_cfg_pos nopos;
	struct vs_sw_rule *r;
	uint32_t i;

	for (i = 0; i < cfg->n_rules; i++) {
		const struct vs_cfg_rule *fr = &cfg->rules[i];

		r = fr->name[0] ? vs_switch_rule_by_name(sw, fr->name) : NULL;
		if (r != NULL && r->src != VS_RULE_SRC_FILE)
			return vs_cfg_err(err, -EEXIST, fr->pos, fr->name,
					  "%s:%u:%u: rules[%u].name: \"%s\" is the name of a rule "
					  "added at runtime (%s); expected another name, or rule "
					  "del %s, or reload --replace",
					  cfg->source, fr->pos.line, fr->pos.column, i, fr->name,
					  vs_rule_source_str(r->src), fr->name);
	}
	for (r = vs_switch_rule_first(sw); r != NULL; r = vs_switch_rule_next(sw, r)) {
		const char *gone = NULL;

		if (r->src == VS_RULE_SRC_FILE)
			continue;
		if ((r->spec.match.fields & VS_CFG_M_IN_PORT) &&
		    !port_stays(cfg, r->spec.match.in_port))
			gone = r->spec.match.in_port;
		for (i = 0; gone == NULL && i < r->spec.n_actions; i++)
			if (r->spec.actions[i].type == VS_CFG_ACT_OUTPUT &&
			    !port_stays(cfg, r->spec.actions[i].port))
				gone = r->spec.actions[i].port;
		if (gone != NULL)
			return vs_cfg_err(err, -EINVAL, nopos, r->spec.name,
					  "%s: port %s is removed, but rule %s (added at runtime, "
					  "%s) uses it; expected rule del %s first, or reload "
					  "--replace",
					  cfg->source, gone, r->spec.name[0] ? r->spec.name : "#",
					  vs_rule_source_str(r->src), r->spec.name);
	}
	return 0;
}

/*
 * Longest run of old tiebreaks that already increase along the file: those
 * rules keep their place (anchor[i]); the others are given new tiebreaks.
 * old_tb[i] is 0 for a rule without a live counterpart. O(n log n).
 */
static int
plan_anchors(const uint64_t *old_tb, uint32_t n, bool *anchor)
{
	uint32_t *tail = NULL, *prev = NULL, len = 0, i, lo, hi, k;

	memset(anchor, 0, sizeof(*anchor) * n);
	if (n == 0)
		return 0;
	tail = malloc(sizeof(*tail) * n);
	prev = malloc(sizeof(*prev) * n);
	if (tail == NULL || prev == NULL) {
		free(tail);
		free(prev);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (old_tb[i] == 0)
			continue;
		lo = 0;
		hi = len;
		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;

			if (old_tb[tail[mid]] < old_tb[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[i] = lo > 0 ? tail[lo - 1] : UINT32_MAX;
		tail[lo] = i;
		if (lo == len)
			len++;
	}
	for (k = len ? tail[len - 1] : UINT32_MAX; k != UINT32_MAX; k = prev[k])
		anchor[k] = true;
	free(tail);
	free(prev);
	return 0;
}

/* Tiebreaks for the rules between anchors, in the gaps between theirs; an
 * anchor with no room before it gives up its place (and is moved too). */
static void
plan_tiebreaks(const uint64_t *old_tb, uint32_t n, bool *anchor, uint64_t *tb)
{
	uint32_t i = 0, j, k;

	while (i < n) {
		uint64_t lo = i ? tb[i - 1] : 0, hi, step;

		if (anchor[i]) {
			tb[i] = old_tb[i];
			i++;
			continue;
		}
		/* The run i..j-1 of rules to place, then anchor j (or the end). */
		for (j = i; j < n && !anchor[j]; j++)
			;
		if (j < n) {
			hi = old_tb[j];
			if (hi - lo <= (uint64_t)(j - i)) {
				anchor[j] = false; /* no room: move it with the run */
				continue;
			}
			step = (hi - lo) / (j - i + 1);
			if (step > VS_TB_FILE_STEP)
				step = VS_TB_FILE_STEP;
		} else {
			step = VS_TB_FILE_STEP;
			if (lo < VS_TB_FILE_BASE - step)
				lo = VS_TB_FILE_BASE - step;
		}
		for (k = i; k < j; k++)
			tb[k] = lo + step * (k - i + 1);
		i = j;
	}
}

static int
plan_rules(struct vs_switch *sw, const struct vs_config *cfg, struct vs_plan *plan,
	   struct vs_cfg_error *err)
{
	static const struct vs_cfg_pos nopos;
	struct vs_sw_rule **live = NULL, **match = NULL, *r;
	uint64_t *old_tb = NULL, *tb = NULL;
	bool *anchor = NULL, *claimed = NULL;
	uint32_t n = cfg->n_rules, i, j;
	int n_live, rc = -ENOMEM;

	if (!(plan->flags & VS_PLAN_REPLACE)) {
		rc = plan_check_runtime(sw, cfg, err);
		if (rc < 0)
			return rc;
	}
	n_live = vs_switch_rules_sorted(sw, 1u << VS_RULE_SRC_FILE, &live);
	if (n_live < 0)
		return vs_cfg_err(err, -ENOMEM, nopos, "", "out of memory");
	match = calloc(n + 1, sizeof(*match));
	old_tb = calloc(n + 1, sizeof(*old_tb));
	tb = calloc(n + 1, sizeof(*tb));
	anchor = calloc(n + 1, sizeof(*anchor));
	claimed = calloc((size_t)n_live + 1, sizeof(*claimed));
	if (match == NULL || old_tb == NULL || tb == NULL || anchor == NULL || claimed == NULL)
		goto out;
	/* Index the live file rules by position, so that a claim is O(1). */
	for (j = 0; j < (uint32_t)n_live; j++)
		live[j]->txn_link = (struct vs_sw_rule *)(uintptr_t)j;
	/* 1. The same rule (name, priority, match, actions): kept. Rules that
	 * share match and priority sit on one chain; take the first unclaimed
	 * one whose actions and name agree. */
	for (i = 0; i < n; i++) {
		const struct vs_cfg_rule *fr = &cfg->rules[i];

		for (r = vs_switch_rule_by_match(sw, &fr->match, fr->priority, VS_RULE_SRC_FILE);
		     r != NULL; r = r->key_next) {
			j = (uint32_t)(uintptr_t)r->txn_link;
			if (r->src != VS_RULE_SRC_FILE || j >= (uint32_t)n_live || live[j] != r ||
			    claimed[j] || !vs_rule_spec_same(&r->spec, fr))
				continue;
			claimed[j] = true;
			match[i] = r;
			old_tb[i] = r->tiebreak;
			break;
		}
	}
	/* 2. A named rule whose content changed: replaced in place (mod). */
	for (i = 0; i < n; i++) {
		const struct vs_cfg_rule *fr = &cfg->rules[i];

		if (match[i] != NULL || fr->name[0] == '\0')
			continue;
		r = vs_switch_rule_by_name(sw, fr->name);
		if (r == NULL || r->src != VS_RULE_SRC_FILE)
			continue;
		j = (uint32_t)(uintptr_t)r->txn_link;
		if (j >= (uint32_t)n_live || live[j] != r || claimed[j])
			continue;
		claimed[j] = true;
		match[i] = r;
		old_tb[i] = r->tiebreak;
	}
	for (j = 0; j < (uint32_t)n_live; j++)
		live[j]->txn_link = NULL;
	/* 3. Places: rules whose tiebreaks already follow the file stay put. */
	if (plan_anchors(old_tb, n, anchor) < 0)
		goto out;
	plan_tiebreaks(old_tb, n, anchor, tb);
	/* 4. Steps: deletions first (they free names and classifier room). */
	for (j = 0; j < (uint32_t)n_live; j++)
		if (!claimed[j] && vs_plan_rule_del(plan, live[j]) < 0)
			goto out;
	if (plan->flags & VS_PLAN_REPLACE)
		for (r = vs_switch_rule_first(sw); r != NULL; r = vs_switch_rule_next(sw, r))
			if (r->src == VS_RULE_SRC_CTL && vs_plan_rule_del(plan, r) < 0)
				goto out;
	for (i = 0; i < n; i++) {
		const struct vs_cfg_rule *fr = &cfg->rules[i];
		struct vs_plan_step *s;

		r = match[i];
		if (r != NULL && tb[i] == r->tiebreak && vs_rule_spec_same(&r->spec, fr)) {
			plan->rules_kept++;
			continue;
		}
		if (r != NULL) {
			/* Changed or moved: replaced, keeping its id and counters
			 * (a moved rule is the same rule at another place). */
			if (vs_plan_rule_mod(plan, r, fr, false) < 0)
				goto out;
			s = &plan->steps[plan->n - 1];
			s->reset_counts = !vs_rule_match_same(&r->spec.match, &fr->match) ||
					  r->spec.priority != fr->priority;
		} else {
			if (vs_plan_rule_add(plan, fr, VS_RULE_SRC_FILE) < 0)
				goto out;
			s = &plan->steps[plan->n - 1];
		}
		s->tiebreak = tb[i];
	}
	plan->runtime_kept = sw->rt.n - sw->rt.n_src[VS_RULE_SRC_FILE];
	if (plan->flags & VS_PLAN_REPLACE)
		plan->runtime_kept -= sw->rt.n_src[VS_RULE_SRC_CTL];
	rc = 0;
out:
	free(live);
	free(match);
	free(old_tb);
	free(tb);
	free(anchor);
	free(claimed);
	if (rc < 0)
		return vs_cfg_err(err, rc, nopos, "", "out of memory");
	return 0;
}

int
vs_switch_plan(struct vs_switch *sw, const struct vs_config *cfg, uint32_t flags,
	       struct vs_plan *plan, struct vs_cfg_error *err)
{
	static const struct vs_cfg_pos nopos;
	uint32_t i;
	int rc;

	vs_plan_init(plan);
	if (sw == NULL || cfg == NULL)
		return vs_cfg_err(err, -EINVAL, nopos, "", "plan: no switch or config");
	plan->cfg = cfg;
	plan->flags = flags;
	if (sw->cfg != NULL) {
		/* Keys that need a restart (dpdk.*, workers, the classifier's
		 * sizes, ...) must not differ. */
		rc = vs_config_reload_check(sw->cfg, cfg, err);
		if (rc < 0)
			return rc;
	}
	if (cfg->n_workers != sw->n_workers)
		goto workers_differ;
	for (i = 0; i < cfg->n_workers; i++)
		if (cfg->workers[i].lcore != sw->worker_lcores[i])
			goto workers_differ;
	if (cfg->n_ports > VS_PORT_MAX)
		return vs_cfg_err(err, -EINVAL, nopos, "ports", "%s: %u ports; at most %u",
				  cfg->source, cfg->n_ports, VS_PORT_MAX);
	rc = plan_ports(sw, cfg, plan);
	if (rc == 0)
		rc = plan_rules(sw, cfg, plan, err);
	if (rc == 0 && sw->cfg != NULL &&
	    !vs_config_same(VS_CFG_SEC_CONTROL, &sw->cfg->control, &cfg->control,
			    1u << VS_CFG_RELOAD_LIVE) &&
	    plan_push(plan, VS_PLAN_CONTROL, NULL, nopos) == NULL)
		rc = -ENOMEM;
	if (rc < 0) {
		if (err == NULL || err->code == 0)
			vs_cfg_err(err, rc, nopos, "", "%s: cannot plan: %s", cfg->source,
				   strerror(-rc));
		vs_plan_free(plan);
		return rc;
	}
	return 0;
workers_differ:
	return vs_cfg_err(err, -EPERM, nopos, "workers",
			  "%s: workers differ from those the switch runs; they need a restart",
			  cfg->source);
}

const char *
vs_plan_summary(const struct vs_plan *plan, char *buf, size_t size)
{
	uint32_t c[VS_PLAN_OP_MAX] = {0}, i;
	size_t off = 0;
	const char *sep = "";

#define SUM(...)                                                                                   \
	do {                                                                                       \
		if (off < size)                                                                    \
			off += (size_t)snprintf(buf + off, size - off, __VA_ARGS__);               \
	} while (0)
	buf[0] = '\0';
	for (i = 0; i < plan->n; i++)
		if (!plan->applied || plan->steps[i].done)
			c[plan->steps[i].op]++;
	if (c[VS_PLAN_PORT_ADD] + c[VS_PLAN_PORT_CHANGE] + c[VS_PLAN_PORT_DEL]) {
		SUM("ports: %u added, %u changed, %u removed", c[VS_PLAN_PORT_ADD],
		    c[VS_PLAN_PORT_CHANGE], c[VS_PLAN_PORT_DEL]);
		sep = "; ";
	}
	if (c[VS_PLAN_RULE_ADD] + c[VS_PLAN_RULE_DEL] + c[VS_PLAN_RULE_MOD] || plan->cfg != NULL) {
		SUM("%srules: %u added, %u removed", sep, c[VS_PLAN_RULE_ADD], c[VS_PLAN_RULE_DEL]);
		if (c[VS_PLAN_RULE_MOD])
			SUM(", %u replaced", c[VS_PLAN_RULE_MOD]);
		if (plan->cfg != NULL)
			SUM(", %u kept", plan->rules_kept);
		if (plan->runtime_kept)
			SUM(", %u runtime rules kept", plan->runtime_kept);
		if (plan->applied)
			SUM(" (%u classifier rules added, %u removed)", plan->txn.cls_added,
			    plan->txn.cls_deleted);
		sep = "; ";
	}
	if (c[VS_PLAN_RXQ_ASSIGN]) {
		SUM("%srx queues re-assigned", sep);
		sep = "; ";
	}
	if (c[VS_PLAN_CONTROL]) {
		SUM("%scontrol settings changed", sep);
		sep = "; ";
	}
	if (off == 0 || (plan->cfg != NULL && plan->n == 0))
		snprintf(buf, size, "no change (%u rules kept%s)", plan->rules_kept,
			 plan->runtime_kept ? ", runtime rules kept" : "");
#undef SUM
	return buf;
}

/* ---- apply ------------------------------------------------------------------------------ */

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

/* Make port id from pc (and start it when the switch runs). 0 or -errno
 * with err filled; on failure sw->ports[id] stays NULL. */
static int
port_make(struct vs_switch *sw, const struct vs_config *cfg, const struct vs_cfg_port *pc,
	  uint16_t id, bool recreate, struct vs_cfg_error *err)
{
	struct vs_cfg_error perr;
	struct vs_port_params pp;

	memset(&perr, 0, sizeof(perr));
	pp.pool = sw->pool;
	pp.pool_of = switch_pool;
	pp.pool_arg = sw;
	pp.n_workers = sw->n_workers;
	pp.err = &perr;
	pp.underlay = false;
	for (uint32_t i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].type == VS_CFG_PORT_VXLAN &&
		    strcmp(cfg->ports[i].underlay, pc->name) == 0)
			pp.underlay = true;
	sw->ports[id] = vs_port_create(pc, id, &pp);
	if (sw->ports[id] == NULL) {
		int rc = errno ? -errno : -ENODEV;

		/* The port's own message names it and says what failed. */
		if (perr.msg[0] != '\0')
			return vs_cfg_err(err, rc, pc->pos, pc->name, "%s:%u:%u: %s%s", cfg->source,
					  pc->pos.line, pc->pos.column, perr.msg,
					  recreate ? "; keeping its running settings" : "");
		return vs_cfg_err(err, rc, pc->pos, pc->name, "%s:%u:%u: port %s: cannot %s it: %s",
				  cfg->source, pc->pos.line, pc->pos.column, pc->name,
				  recreate ? "recreate" : "create", strerror(-rc));
	}
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

/* A free switch port id, or -ENOSPC. */
static int
free_port_id(const struct vs_switch *sw)
{
	uint16_t id;

	for (id = 0; id < VS_PORT_MAX; id++)
		if (sw->ports[id] == NULL)
			return id;
	return -ENOSPC;
}

/*
 * Recreate the changed ports of the plan. They leave the snapshot first (one
 * grace period; packets towards them meanwhile count as bad_port), then each
 * is destroyed and made again with the same id, so the rules that name it
 * need no change. When one cannot be made, every changed port goes back to
 * its running settings and -errno is returned with err filled.
 */
static int
recreate_changed(struct vs_switch *sw, struct vs_plan *plan, struct vs_cfg_error *err)
{
	const struct vs_config *cfg = plan->cfg;
	struct vs_port *old[VS_PORT_MAX] = {NULL};
	uint16_t *sid;
	uint32_t i, j;
	int rc;

	sid = calloc(plan->n, sizeof(*sid));
	if (sid == NULL)
		return vs_cfg_err(err, -ENOMEM, (struct vs_cfg_pos){0, 0}, "", "out of memory");
	for (i = 0; i < plan->n; i++) {
		struct vs_port *p;

		if (plan->steps[i].op != VS_PLAN_PORT_CHANGE)
			continue;
		p = vs_switch_port_by_name(sw, plan->steps[i].name);
		sid[i] = p->id;
		old[p->id] = p;
		sw->ports[p->id] = NULL;
	}
	rc = republish(sw);
	for (i = 0; i < VS_PORT_MAX; i++)
		if (old[i] != NULL)
			sw->ports[i] = old[i];
	if (rc < 0) {
		free(sid);
		return vs_cfg_err(err, rc, (struct vs_cfg_pos){0, 0}, "", "out of memory");
	}
	/* No worker can see them now. */
	for (i = 0; i < VS_PORT_MAX; i++)
		if (old[i] != NULL)
			port_unmake(sw, (uint16_t)i);
	for (i = 0; i < plan->n; i++) {
		struct vs_plan_step *s = &plan->steps[i];

		if (s->op != VS_PLAN_PORT_CHANGE)
			continue;
		rc = port_make(sw, cfg, &cfg->ports[s->index], sid[i], true, err);
		if (rc == 0) {
			s->done = true;
			continue;
		}
		for (j = 0; j < plan->n; j++) {
			struct vs_plan_step *t = &plan->steps[j];

			if (t->op != VS_PLAN_PORT_CHANGE)
				continue;
			port_unmake(sw, sid[j]);
			t->done = false;
			if (port_make(sw, sw->cfg, vs_config_port(sw->cfg, t->name), sid[j], true,
				      NULL) < 0 ||
			    (sw->running && vs_port_start(sw->ports[sid[j]]) < 0))
				VS_PL_LOG(ERR, "port %s: cannot restore it either; it is down",
					  t->name);
		}
		republish(sw);
		free(sid);
		return rc;
	}
	free(sid);
	return 0;
}

/* Hand the vxlan ports of cfg to the tunnel module (before the snapshot that
 * shows them is published). Out of memory leaves the tunnels as they were,
 * with an error in the log. */
static void
tun_update(struct vs_switch *sw, const struct vs_config *cfg)
{
	struct vs_tun_spec specs[VS_PORT_MAX];
	unsigned n = 0;
	uint32_t i;
	int rc;

	for (i = 0; i < cfg->n_ports; i++) {
		const struct vs_cfg_port *pc = &cfg->ports[i];
		const struct vs_port *p, *u;
		struct rte_ether_addr mac;

		if (pc->type != VS_CFG_PORT_VXLAN)
			continue;
		p = vs_switch_port_by_name(sw, pc->name);
		u = vs_switch_port_by_name(sw, pc->underlay);
		if (p == NULL || u == NULL || u->type != VS_PORT_ETHDEV ||
		    rte_eth_macaddr_get(u->dev_id, &mac) != 0) {
			VS_PL_LOG(ERR,
				  "port %s: underlay %s is not a running ethdev port; the "
				  "tunnel sends nothing",
				  pc->name, pc->underlay);
			continue;
		}
		specs[n].cfg = pc;
		specs[n].port = p->id;
		specs[n].underlay = u->id;
		specs[n].hw_ipv4_cksum = (u->tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
		memcpy(specs[n].underlay_mac, mac.addr_bytes, 6);
		n++;
	}
	rc = vs_tun_set(sw->tun, specs, n);
	if (rc < 0)
		VS_PL_LOG(ERR, "tunnels not updated: %s", strerror(-rc));
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

static bool
queue_pinned(const struct vs_cfg_port *pc, uint16_t queue)
{
	uint32_t i;

	for (i = 0; i < pc->n_rxq_pins; i++)
		if (pc->rxq_pins[i].queue == queue)
			return true;
	return false;
}

/*
 * The rx queue map of cfg: pinned queues where the config pins them; queues
 * of ports that stay unchanged where they run now (so the placement an
 * operator chose with rxq rebalance survives reloads and rule changes); the
 * others spread by vs_rxq_assign. 0 or -errno.
 */
static int
rxq_plan(struct vs_switch *sw, const struct vs_config *cfg, const struct vs_plan *plan,
	 const struct vs_rxq_map *cur, struct vs_rxq_map *out)
{
	uint16_t ids[VS_CFG_MAX_PORTS];
	struct vs_rxq_map *fresh;
	bool changed[VS_PORT_MAX] = {false};
	uint32_t i;
	uint16_t w, k;
	int rc;

	for (i = 0; i < cfg->n_ports; i++)
		ids[i] = vs_switch_port_by_name(sw, cfg->ports[i].name)->id;
	for (i = 0; i < plan->n; i++)
		if (plan->steps[i].op == VS_PLAN_PORT_CHANGE ||
		    plan->steps[i].op == VS_PLAN_PORT_ADD)
			changed[vs_switch_port_by_name(sw, plan->steps[i].name)->id] = true;
	rc = vs_rxq_assign(cfg, ids, out);
	if (rc < 0 || cur == NULL)
		return rc;
	fresh = malloc(sizeof(*fresh));
	if (fresh == NULL)
		return -ENOMEM;
	*fresh = *out;
	memset(out, 0, sizeof(*out));
	out->n_workers = fresh->n_workers;
	for (w = 0; w < fresh->n_workers; w++) {
		for (k = 0; k < fresh->n[w]; k++) {
			const struct vs_rxq_ref *q = &fresh->q[w][k];
			const struct vs_port *p = sw->ports[q->port];
			int o = rxq_owner(cur, q->port, q->queue);
			uint16_t to = w;

			if (o >= 0 && !changed[q->port] &&
			    !queue_pinned(vs_config_port(cfg, p->name), q->queue))
				to = (uint16_t)o;
			if (out->n[to] >= VS_WORKER_MAX_RXQ) {
				free(fresh);
				return -ENOSPC;
			}
			out->q[to][out->n[to]++] = *q;
		}
	}
	free(fresh);
	return 0;
}

/* The rule steps of plan as one transaction, committed. */
static int
apply_rules(struct vs_switch *sw, struct vs_plan *plan, struct vs_cfg_error *err)
{
	struct vs_rule_txn *txn;
	uint32_t i;
	int rc = 0;

	if (plan->n_op[VS_PLAN_RULE_ADD] + plan->n_op[VS_PLAN_RULE_DEL] +
		plan->n_op[VS_PLAN_RULE_MOD] ==
	    0)
		return 0;
	txn = vs_rule_txn_begin(sw);
	if (txn == NULL)
		return vs_cfg_err(err, -errno, (struct vs_cfg_pos){0, 0}, "rules",
				  "rules: cannot begin a transaction: %s", strerror(errno));
	for (i = 0; i < plan->n && rc == 0; i++) {
		const struct vs_plan_step *s = &plan->steps[i];

		if (s->op == VS_PLAN_RULE_DEL)
			rc = vs_rule_txn_del(txn, s->rule, err);
	}
	for (i = 0; i < plan->n && rc == 0; i++) {
		const struct vs_plan_step *s = &plan->steps[i];

		if (s->op == VS_PLAN_RULE_MOD)
			rc = vs_rule_txn_mod(txn, s->rule, s->spec, s->tiebreak, s->reset_counts,
					     NULL, err);
		else if (s->op == VS_PLAN_RULE_ADD)
			rc = vs_rule_txn_add(txn, s->spec, s->src, s->tiebreak, NULL, err);
	}
	if (rc < 0) {
		vs_rule_txn_abort(txn);
		goto located;
	}
	vs_rule_txn_counts(txn, &plan->txn);
	rc = vs_rule_txn_commit(txn, err);
	if (rc < 0)
		return rc;
	for (i = 0; i < plan->n; i++) {
		enum vs_plan_op op = plan->steps[i].op;

		if (op == VS_PLAN_RULE_ADD || op == VS_PLAN_RULE_DEL || op == VS_PLAN_RULE_MOD)
			plan->steps[i].done = true;
	}
	return 0;
located:
	/* A rule of a file: say where it is. */
	if (plan->cfg != NULL && err != NULL && err->pos.line != 0 &&
	    strncmp(err->msg, plan->cfg->source, strlen(plan->cfg->source)) != 0) {
		char m[sizeof(err->msg) + sizeof(plan->cfg->source) + 32];

		snprintf(m, sizeof(m), "%s:%u:%u: %s", plan->cfg->source, err->pos.line,
			 err->pos.column, err->msg);
		snprintf(err->msg, sizeof(err->msg), "%.1000s", m);
	}
	return rc;
}

/* The l2.static entries, each once (they are restart-only keys); one whose
 * port is not made yet (a VF port waiting for its VF) waits for it. */
static void
l2_statics(struct vs_switch *sw, const struct vs_config *cfg)
{
	uint32_t i;

	if (sw->l2_statics_done)
		return;
	sw->l2_statics_done = true;
	for (i = 0; i < cfg->l2.n_statics && i < VS_CFG_MAX_L2_STATIC; i++) {
		const struct vs_cfg_l2_static *e = &cfg->l2.statics[i];
		const struct vs_port *p = vs_switch_port_by_name(sw, e->port);
		char mac[24];
		int rc;

		if (sw->l2_static_added[i])
			continue;
		if (p == NULL) {
			sw->l2_statics_done = false;
			continue;
		}
		sw->l2_static_added[i] = true;
		rc = vs_l2_static_add(sw->l2, e->mac.b, e->vlan, p->id);
		if (rc < 0)
			VS_PL_LOG(WARNING, "l2.static[%u] %s vlan %u port %s: not added: %s", i,
				  vs_cfg_mac_str(&e->mac, mac, sizeof(mac)), e->vlan, e->port,
				  strerror(-rc));
	}
}

int
vs_switch_apply_plan(struct vs_switch *sw, struct vs_plan *plan, struct vs_cfg_error *err)
{
	const struct vs_config *cfg = plan->cfg;
	const struct vs_snapshot *cur;
	struct vs_snapshot *snap = NULL, *inter = NULL;
	struct vs_rxq_map *rxqs = NULL, *inter_rxqs = NULL;
	struct vs_port *gone[VS_PORT_MAX];
	uint32_t i, n_gone = 0;
	bool handover = false;
	int rc;

	if (sw == NULL || plan == NULL)
		return vs_cfg_err(err, -EINVAL, (struct vs_cfg_pos){0, 0}, "", "apply: no plan");
	plan->applied = false;
	memset(&plan->txn, 0, sizeof(plan->txn));
	if (cfg == NULL) {
		/* Rule changes only. */
		rc = apply_rules(sw, plan, err);
		if (rc == 0) {
			plan->applied = true;
			plan->cls_generation = vs_cls_generation(sw->cls);
		}
		return rc;
	}
	rxqs = malloc(sizeof(*rxqs));
	inter_rxqs = malloc(sizeof(*inter_rxqs));
	snap = snapshot_alloc();
	inter = snapshot_alloc();
	if (rxqs == NULL || inter_rxqs == NULL || snap == NULL || inter == NULL) {
		rc = vs_cfg_err(err, -ENOMEM, (struct vs_cfg_pos){0, 0}, "", "out of memory");
		goto out;
	}
	/* 1. Added ports (their counters start from what the id counted so far). */
	for (i = 0; i < plan->n; i++) {
		struct vs_plan_step *s = &plan->steps[i];
		int id;

		if (s->op != VS_PLAN_PORT_ADD)
			continue;
		id = free_port_id(sw);
		if (id < 0) {
			rc = vs_cfg_err(err, id, s->pos, s->name, "port %s: no free port id",
					s->name);
			goto abort_ports;
		}
		port_base_mark(sw, (uint16_t)id);
		rc = port_make(sw, cfg, &cfg->ports[s->index], (uint16_t)id, false, err);
		if (rc < 0)
			goto abort_ports;
		s->done = true;
	}
	/* 2. Changed ports: recreated in place (the device or socket is theirs,
	 * so the old one goes first); back to the old settings on failure. */
	if (plan->n_op[VS_PLAN_PORT_CHANGE]) {
		rc = recreate_changed(sw, plan, err);
		if (rc < 0)
			goto abort_ports;
	}
	/* 3. Rx queues of the new port set, before anything is committed. */
	cur = __atomic_load_n(&sw->sh.snap, __ATOMIC_ACQUIRE);
	if (plan->n_op[VS_PLAN_RXQ_ASSIGN]) {
		rc = rxq_plan(sw, cfg, plan, cur ? &cur->rxqs : NULL, rxqs);
		if (rc < 0) {
			vs_cfg_err(err, rc, (struct vs_cfg_pos){0, 0}, "rxqs",
				   "%s: cannot assign rx queues to workers: %s", cfg->source,
				   strerror(-rc));
			goto abort_ports;
		}
	} else if (cur != NULL) {
		*rxqs = cur->rxqs;
	} else {
		memset(rxqs, 0, sizeof(*rxqs));
		rxqs->n_workers = sw->n_workers;
	}
	/* 4. Rules: one transaction of only the rules that change. From its
	 * commit on nothing can fail. */
	rc = apply_rules(sw, plan, err);
	if (rc < 0)
		goto abort_ports;
	if (sw->running) {
		for (i = 0; i < plan->n; i++) {
			const struct vs_plan_step *s = &plan->steps[i];

			if ((s->op == VS_PLAN_PORT_ADD || s->op == VS_PLAN_PORT_CHANGE) &&
			    vs_port_start(vs_switch_port_by_name(sw, s->name)) < 0)
				VS_PL_LOG(WARNING, "port %s: not started; it stays down", s->name);
		}
	}
	/* Ports that go leave the snapshot now and are destroyed after it. */
	for (i = 0; i < plan->n; i++) {
		struct vs_port *p;

		if (plan->steps[i].op != VS_PLAN_PORT_DEL)
			continue;
		p = vs_switch_port_by_name(sw, plan->steps[i].name);
		if (p == NULL)
			continue;
		gone[n_gone++] = p;
		sw->ports[p->id] = NULL;
		plan->steps[i].done = true;
	}
	sw->cfg = cfg;
	tun_update(sw, cfg);
	warn_cross_numa(sw, rxqs);
	/* 5. Publish; queues that change worker go through a handover first. */
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
	for (i = 0; i < plan->n; i++)
		if (plan->steps[i].op == VS_PLAN_RXQ_ASSIGN || plan->steps[i].op == VS_PLAN_CONTROL)
			plan->steps[i].done = true;
	/* 6. No worker can see the ports that went (grace period passed). */
	for (i = 0; i < plan->n; i++) {
		const struct vs_port *p = vs_switch_port_by_name(sw, plan->steps[i].name);

		/* What was learned on a recreated port may not hold any more. */
		if (plan->steps[i].op == VS_PLAN_PORT_CHANGE && p != NULL)
			vs_l2_flush(sw->l2, p->id, false);
	}
	l2_statics(sw, cfg);
	for (i = 0; i < n_gone; i++) {
		vs_l2_flush(sw->l2, gone[i]->id, true);
		VS_PL_LOG(INFO, "port %s removed", gone[i]->name);
		vs_port_stop(gone[i]);
		vs_port_destroy(gone[i]);
	}
	vs_cls_reclaim(sw->cls);
	plan->applied = true;
	plan->cls_generation = vs_cls_generation(sw->cls);
	rc = 0;
	goto out;

abort_ports:
	for (i = 0; i < plan->n; i++) {
		struct vs_plan_step *s = &plan->steps[i];
		struct vs_port *p;

		if (s->op != VS_PLAN_PORT_ADD || !s->done)
			continue;
		p = vs_switch_port_by_name(sw, s->name);
		if (p != NULL) {
			sw->ports[p->id] = NULL;
			vs_port_destroy(p);
		}
		s->done = false;
	}
	if (plan->n_op[VS_PLAN_PORT_CHANGE] && sw->cfg != NULL) {
		/* Changed ports that were recreated go back to what runs. */
		for (i = 0; i < plan->n; i++) {
			struct vs_plan_step *s = &plan->steps[i];
			struct vs_port *p;
			uint16_t id;

			if (s->op != VS_PLAN_PORT_CHANGE || !s->done)
				continue;
			p = vs_switch_port_by_name(sw, s->name);
			id = p->id;
			sw->ports[id] = NULL;
			republish(sw);
			sw->ports[id] = p;
			port_unmake(sw, id);
			if (port_make(sw, sw->cfg, vs_config_port(sw->cfg, s->name), id, true,
				      NULL) < 0 ||
			    (sw->running && vs_port_start(sw->ports[id]) < 0))
				VS_PL_LOG(ERR, "port %s: cannot restore it; it is down", s->name);
			s->done = false;
			republish(sw);
		}
	}
out:
	rte_free(snap);
	rte_free(inter);
	free(inter_rxqs);
	free(rxqs);
	return rc;
}

int
vs_switch_apply(struct vs_switch *sw, const struct vs_config *cfg)
{
	struct vs_cfg_error err;
	struct vs_plan plan;
	char summary[512];
	int rc;

	memset(&err, 0, sizeof(err));
	rc = vs_switch_plan(sw, cfg, 0, &plan, &err);
	if (rc == 0)
		rc = vs_switch_apply_plan(sw, &plan, &err);
	if (rc < 0)
		VS_PL_LOG(ERR, "%s", err.msg);
	else
		VS_PL_LOG(INFO, "%s applied: generation %" PRIu64 ": %s", cfg->source,
			  sw->generation, vs_plan_summary(&plan, summary, sizeof(summary)));
	vs_plan_free(&plan);
	return rc;
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
	__atomic_store_n(&sw->sh.stop, false, __ATOMIC_RELEASE);
	for (i = 0; i < sw->n_workers; i++) {
		rc = rte_eal_remote_launch(vs_worker_main, sw->workers[i], sw->workers[i]->lcore);
		if (rc < 0) {
			VS_PL_LOG(ERR, "cannot launch the worker on lcore %u: %s",
				  sw->workers[i]->lcore, rte_strerror(-rc));
			__atomic_store_n(&sw->sh.stop, true, __ATOMIC_RELEASE);
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
	__atomic_store_n(&sw->sh.stop, true, __ATOMIC_RELEASE);
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
	vs_tun_destroy(sw->tun);
	free_workers(sw);
	vs_rules_fini(sw);
	vs_cls_destroy(sw->cls);
	vs_l2_destroy(sw->l2);
	s = __atomic_exchange_n(&sw->sh.snap, NULL, __ATOMIC_SEQ_CST);
	rte_free(s);
	for (id = 0; id < VS_PORT_MAX; id++)
		vs_port_destroy(sw->ports[id]);
	rte_free(sw->qsbr);
	free_pools(sw);
	free(sw);
}

struct vs_l2 *
vs_switch_l2(struct vs_switch *sw)
{
	return sw->l2;
}

unsigned
vs_switch_l2_tick(struct vs_switch *sw, uint32_t now_s)
{
	return vs_l2_tick(sw->l2, now_s);
}

struct vs_tun *
vs_switch_tun(struct vs_switch *sw)
{
	return sw->tun;
}

unsigned
vs_switch_tun_tick(struct vs_switch *sw, uint64_t now_ms)
{
	struct rte_mbuf *pkts[VS_BURST];
	unsigned n, total = 0, j;
	uint16_t i;

	for (i = 0; i < sw->n_workers; i++) {
		do {
			n = rte_ring_sc_dequeue_burst(sw->workers[i]->tctl, (void **)pkts, VS_BURST,
						      NULL);
			for (j = 0; j < n; j++)
				vs_tun_input(sw->tun, pkts[j],
					     vs_pktio_meta_of(pkts[j], sw->sh.pktio_off)->in_port);
			total += n;
		} while (n == VS_BURST);
	}
	vs_tun_tick(sw->tun, now_ms);
	return total;
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
		/* ethdev: as the last link poll saw it; others: their readiness */
		if (sw->ports[id]->type == VS_PORT_ETHDEV) {
			ps->link_up = sw->ports[id]->link_known && sw->ports[id]->link_up;
			ps->link_speed = sw->ports[id]->link_speed;
			ps->link_full_duplex = sw->ports[id]->link_full_duplex;
			ps->link_autoneg = sw->ports[id]->link_autoneg;
		} else {
			ps->link_up = ps->ready;
		}
		ps->link_changes = sw->ports[id]->link_changes;
		snprintf(ps->name, sizeof(ps->name), "%s", sw->ports[id]->name);
		vs_port_stats_get(sw->ports[id], &ps->dev);
	}
	if (sw->l2 != NULL) {
		out->l2_learned = sw->l2->stats.learned;
		out->l2_moved = sw->l2->stats.moved;
		out->l2_aged = sw->l2->stats.aged;
		out->l2_full = sw->l2->stats.full;
		out->l2_entries = sw->l2->n_entries;
	}
	for (i = 0; i < sw->n_workers; i++) {
		const struct vs_worker_stats *ws = &sw->workers[i]->stats;
		struct vs_switch_worker_stats *o = &out->worker[i];

		o->lcore = sw->workers[i]->lcore;
		vs_cls_ctx_stats_get(sw->workers[i]->cls_ctx, &o->cls);
		/* The queues before busy: the worker adds a burst to busy
		 * before its queue, so busy covers the queues' sum here. */
		o->n_rxq = ws->n_rxq;
		memcpy(o->rxq, ws->rxq, sizeof(o->rxq[0]) * o->n_rxq);
		rte_smp_rmb();
		o->busy_cycles = ws->busy_cycles;
		o->idle_cycles = ws->idle_cycles;
		o->loops = ws->loops;
		o->generation = ws->generation;
		memcpy(o->stage_cycles, ws->stage_cycles, sizeof(o->stage_cycles));
		memcpy(o->bursts, ws->bursts, sizeof(o->bursts));
		for (id = 0; id < VS_PORT_MAX; id++) {
			out->port[id].rx_pkts += ws->rx_pkts[id];
			out->port[id].rx_bytes += ws->rx_bytes[id];
			out->port[id].tx_pkts += ws->tx_pkts[id];
			out->port[id].tx_bytes += ws->tx_bytes[id];
			out->port[id].tx_drops += ws->tx_drops[id];
			/* A tunnel's frames are counted on its underlay too. */
			if (sw->ports[id] != NULL && sw->ports[id]->type == VS_PORT_VXLAN)
				continue;
			o->rx_pkts += ws->rx_pkts[id];
			o->tx_pkts += ws->tx_pkts[id];
		}
		out->l2_flooded += sw->workers[i]->l2ws.flooded;
		out->l2_lost += sw->workers[i]->l2ws.lost;
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
		if (sw->ports[id] != NULL && sw->ports[id]->type == VS_PORT_VXLAN) {
			out->tun_encap += out->port[id].tx_pkts;
			out->tun_decap += out->port[id].rx_pkts;
		}
	}
	if (sw->tun != NULL) {
		struct vs_tun_stats ts;

		vs_tun_stats_get(sw->tun, &ts);
		out->tun_neigh_requests = ts.requests_sent;
		out->tun_neigh_answered = ts.arp_replied + ts.nd_replied;
	}
	return 0;
}

/* ---- link state ----------------------------------------------------------------------------- */

unsigned
vs_switch_link_poll(struct vs_switch *sw, vs_link_event_fn fn, void *arg)
{
	unsigned n = 0;
	uint16_t id;

	for (id = 0; id < VS_PORT_MAX; id++) {
		struct vs_port *p = sw->ports[id];
		struct rte_eth_link link;
		struct vs_link_event ev;
		uint32_t speed;
		bool up;

		if (p == NULL || p->type != VS_PORT_ETHDEV)
			continue;
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(p->dev_id, &link) != 0)
			continue;
		up = link.link_status == RTE_ETH_LINK_UP;
		speed = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
		if (p->link_known && p->link_up == up && p->link_speed == speed &&
		    p->link_full_duplex == (link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX) &&
		    p->link_autoneg == (link.link_autoneg == RTE_ETH_LINK_AUTONEG))
			continue;
		if (p->link_known && p->link_up != up)
			p->link_changes++;
		p->link_known = true;
		p->link_up = up;
		p->link_speed = speed;
		p->link_full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
		p->link_autoneg = link.link_autoneg == RTE_ETH_LINK_AUTONEG;
		ev.port = p;
		ev.up = up;
		ev.speed = speed;
		ev.full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
		if (fn != NULL)
			fn(arg, &ev);
		n++;
	}
	/* Workers drop what goes to a down link as link_down (snapshot mask). */
	if (n > 0 && vs_switch_refresh_ports(sw) < 0)
		VS_PL_LOG(WARNING, "link state: cannot publish a new snapshot (no memory)");
	return n;
}

/* ---- rx queue placement ------------------------------------------------------ */

int
vs_switch_rxq_map(struct vs_switch *sw, struct vs_rxq_map *out)
{
	const struct vs_snapshot *cur = __atomic_load_n(&sw->sh.snap, __ATOMIC_ACQUIRE);

	if (cur == NULL)
		return -ENOENT;
	*out = cur->rxqs;
	return 0;
}

int
vs_switch_set_rxqs(struct vs_switch *sw, const struct vs_rxq_map *map)
{
	const struct vs_snapshot *cur = __atomic_load_n(&sw->sh.snap, __ATOMIC_ACQUIRE);
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

/* ---- packet-in / packet-out ------------------------------------------------------- */

void
vs_switch_set_table_miss(struct vs_switch *sw, bool to_controller)
{
	__atomic_store_n(&sw->sh.miss_to_ctl, to_controller, __ATOMIC_RELAXED);
}

int
vs_switch_pktio_off(const struct vs_switch *sw)
{
	return sw->sh.pktio_off;
}

unsigned
vs_switch_pktin_take(struct vs_switch *sw, struct rte_mbuf **pkts, unsigned max)
{
	unsigned n = 0;
	uint16_t i;

	/* Round robin from where the last call stopped: one busy worker
	 * cannot starve the others. */
	for (i = 0; i < sw->n_workers && n < max; i++) {
		uint16_t k = (uint16_t)((sw->pin_next + i) % sw->n_workers);

		n += rte_ring_sc_dequeue_burst(sw->workers[k]->pin, (void **)(pkts + n), max - n,
					       NULL);
	}
	if (sw->n_workers > 0)
		sw->pin_next = (uint16_t)((sw->pin_next + 1) % sw->n_workers);
	return n;
}

int
vs_switch_packet_out(struct vs_switch *sw, struct rte_mbuf *m)
{
	if (sw->n_workers == 0 || !sw->running)
		return -ENODEV;
	/* Worker 0 sends it through its own tx queues: no queue is shared
	 * with the control thread. */
	return rte_ring_sp_enqueue(sw->workers[0]->pout, m) == 0 ? 0 : -ENOBUFS;
}
