/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports, control side: the generic create/start/stop/destroy wrappers and the
 * ethdev port type (PCI device, vdev devargs, or an ethdev that already
 * exists in the process such as one made by rte_eth_from_rings()).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "pipeline_log.h"
#include "port_dp.h"
#include "vs_port.h"
#include "vs_tunnel.h"

static const struct vs_port_ops *port_ops[VS_PORT_TYPE_MAX];

int
vs_port_ops_register(enum vs_port_type type, const struct vs_port_ops *ops)
{
	if ((unsigned)type >= VS_PORT_TYPE_MAX || ops == NULL || ops->create == NULL)
		return -EINVAL;
	port_ops[type] = ops;
	return 0;
}

int
vs_port_devname(const char *device, char *name, size_t size)
{
	size_t len = strcspn(device, ",");

	if (len + 1 > size)
		return -ENAMETOOLONG;
	memcpy(name, device, len);
	name[len] = '\0';
	return 0;
}

void
vs_port_fail(const struct vs_port_params *p, const char *fmt, ...)
{
	char msg[sizeof(p->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p != NULL && p->err != NULL)
		snprintf(p->err->msg, sizeof(p->err->msg), "%s", msg);
	else
		VS_PL_LOG(ERR, "%s", msg);
}

/* ---- ethdev ---------------------------------------------------------------- */

static int
ethdev_find_or_probe(const struct vs_port *port, const char *device, const struct vs_port_params *p,
		     uint16_t *dev_id, bool *probed)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	int rc;

	*probed = false;
	if (vs_port_devname(device, name, sizeof(name)) < 0) {
		vs_port_fail(p, "port %s: device name in '%s' is too long", port->name, device);
		return -ENAMETOOLONG;
	}
	/* An ethdev that already exists (made by the application or a test). */
	if (rte_eth_dev_get_port_by_name(name, dev_id) == 0)
		return 0;
	rc = rte_dev_probe(device);
	if (rc < 0 && rc != -EEXIST) {
		vs_port_fail(
		    p,
		    "port %s: cannot probe device '%s' (%s); expected a PCI address or vdev "
		    "devargs DPDK can probe",
		    port->name, device, rte_strerror(-rc));
		return -ENODEV;
	}
	if (rte_eth_dev_get_port_by_name(name, dev_id) != 0) {
		vs_port_fail(p, "port %s: device '%s' was probed but has no ethdev named '%s'",
			     port->name, device, name);
		return -ENODEV;
	}
	*probed = rc == 0;
	return 0;
}

static void
ethdev_release(struct vs_port *port)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;

	if (rte_eth_dev_info_get(port->dev_id, &info) == 0)
		dev = info.device;
	rte_eth_dev_close(port->dev_id);
	if (port->owns_dev && dev != NULL)
		rte_dev_remove(dev);
}

/*
 * RSS with several rx queues: hash IP/TCP/UDP, reduced to what the device
 * offers (NOTICE when reduced). A device that offers no RSS at all still gets
 * its queues (net_ring, some vdevs) without hashing: a WARNING says that the
 * extra queues may stay idle, rather than refusing a port that forwards.
 */
static void
ethdev_rss_conf(struct vs_port *port, const struct vs_cfg_port *cfg,
		const struct rte_eth_dev_info *info, uint16_t n_rxq, struct rte_eth_conf *conf)
{
	uint64_t hf = VS_PORT_RSS_HF & info->flow_type_rss_offloads;

	port->rss_hf = 0;
	port->rss_reta_size = 0;
	if (n_rxq < 2)
		return;
	if (hf == 0) {
		VS_PL_LOG(WARNING,
			  "port %s: device '%s' offers no RSS; its %u rx queues get no hashing "
			  "and may stay idle",
			  port->name, cfg->device, n_rxq);
		return;
	}
	if (hf != VS_PORT_RSS_HF)
		VS_PL_LOG(NOTICE,
			  "port %s: RSS hash types reduced to 0x%" PRIx64 " of 0x%" PRIx64
			  " (what device '%s' offers)",
			  port->name, hf, (uint64_t)VS_PORT_RSS_HF, cfg->device);
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_key = NULL; /* the driver's default key */
	conf->rx_adv_conf.rss_conf.rss_hf = hf;
	port->rss_hf = hf;
}

/* After configure: the hash types again (some drivers only take them here)
 * and a RETA spread evenly over the rx queues. Failures are warnings: the
 * device keeps its own spread. */
static void
ethdev_rss_apply(struct vs_port *port, const struct rte_eth_dev_info *info, uint16_t n_rxq,
		 struct rte_eth_conf *conf)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];
	uint16_t i;
	int rc;

	if (port->rss_hf == 0)
		return;
	rc = rte_eth_dev_rss_hash_update(port->dev_id, &conf->rx_adv_conf.rss_conf);
	if (rc < 0 && rc != -ENOTSUP)
		VS_PL_LOG(WARNING, "port %s: RSS hash update refused: %s", port->name,
			  rte_strerror(-rc));
	if (info->reta_size == 0 || info->reta_size > RTE_ETH_RSS_RETA_SIZE_512 ||
	    info->reta_size % RTE_ETH_RETA_GROUP_SIZE != 0)
		return;
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < info->reta_size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask = UINT64_MAX;
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
		    (uint16_t)(i % n_rxq);
	}
	rc = rte_eth_dev_rss_reta_update(port->dev_id, reta, info->reta_size);
	if (rc < 0) {
		if (rc != -ENOTSUP)
			VS_PL_LOG(WARNING, "port %s: RSS RETA update refused: %s", port->name,
				  rte_strerror(-rc));
		return;
	}
	port->rss_reta_size = info->reta_size;
}

/* Bytes of the largest frame an MTU lets in (Ethernet header, one VLAN tag, CRC). */
static uint32_t
mtu_frame_len(uint16_t mtu)
{
	return (uint32_t)mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN;
}

/* An MTU whose frames do not fit one mbuf needs scatter rx: without it the
 * port is refused with what to change. */
static int
ethdev_check_mtu(const struct vs_port *port, const struct vs_cfg_port *cfg,
		 const struct rte_eth_dev_info *info, const struct vs_port_params *p)
{
	uint32_t room;

	if (cfg->mtu == 0 || p->pool == NULL)
		return 0;
	room = rte_pktmbuf_data_room_size(p->pool) - RTE_PKTMBUF_HEADROOM;
	if (mtu_frame_len(cfg->mtu) <= room ||
	    (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) != 0)
		return 0;
	vs_port_fail(p,
		     "port %s: mtu %u needs %u-byte frames but an mbuf holds %u bytes and device "
		     "'%s' cannot scatter rx; set mtu to at most %u",
		     port->name, cfg->mtu, mtu_frame_len(cfg->mtu), room, cfg->device,
		     room - (uint32_t)(RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN));
	return -EINVAL;
}

/* The asked MTU, or a warning and the device's own: never a dead port. */
static void
ethdev_set_mtu(struct vs_port *port, const struct vs_cfg_port *cfg)
{
	uint16_t mtu = 0;
	int rc;

	port->mtu_asked = cfg->mtu;
	if (cfg->mtu) {
		rc = rte_eth_dev_set_mtu(port->dev_id, cfg->mtu);
		if (rc < 0)
			VS_PL_LOG(WARNING,
				  "port %s: device '%s' refused mtu %u (%s); it keeps its own",
				  port->name, cfg->device, cfg->mtu, rte_strerror(-rc));
	}
	if (rte_eth_dev_get_mtu(port->dev_id, &mtu) == 0)
		port->mtu = mtu;
}

static int
ethdev_create(struct vs_port *port, const struct vs_cfg_port *cfg, const struct vs_port_params *p)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t n_rxq, n_txq, nb_rxd, nb_txd, q;
	bool probed;
	int rc, socket;

	rc = ethdev_find_or_probe(port, cfg->device, p, &port->dev_id, &probed);
	if (rc < 0)
		return rc;
	port->owns_dev = probed;
	rc = rte_eth_dev_info_get(port->dev_id, &info);
	if (rc < 0)
		goto fail;
	socket = rte_eth_dev_socket_id(port->dev_id);
	port->socket_id = socket < 0 ? SOCKET_ID_ANY : socket;

	n_rxq = cfg->rx_queues ? cfg->rx_queues : 1;
	if (cfg->tx_queues) {
		n_txq = cfg->tx_queues;
	} else {
		/* One per worker, as many as the device has. */
		n_txq = p->n_workers ? p->n_workers : 1;
		if (n_txq > info.max_tx_queues && info.max_tx_queues > 0)
			n_txq = info.max_tx_queues;
	}
	if (n_rxq > info.max_rx_queues || n_txq > info.max_tx_queues ||
	    n_rxq > VS_PORT_MAX_QUEUES || n_txq > VS_PORT_MAX_QUEUES) {
		vs_port_fail(
		    p, "port %s: %u rx / %u tx queues asked; device '%s' has at most %u / %u",
		    port->name, n_rxq, n_txq, cfg->device, info.max_rx_queues, info.max_tx_queues);
		rc = -EINVAL;
		goto fail;
	}
	memset(&conf, 0, sizeof(conf));
	rc = ethdev_check_mtu(port, cfg, &info, p);
	if (rc < 0)
		goto fail;
	ethdev_rss_conf(port, cfg, &info, n_rxq, &conf);
	/* A tunnel's underlay: the outer IPv4 header checksum by the device
	 * when it can (the workers compute it otherwise). */
	if (p->underlay)
		conf.txmode.offloads |= info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	port->tx_offloads = conf.txmode.offloads;
	rc = rte_eth_dev_configure(port->dev_id, n_rxq, n_txq, &conf);
	if (rc < 0) {
		vs_port_fail(p, "port %s: configure failed: %s", port->name, rte_strerror(-rc));
		goto fail;
	}
	ethdev_rss_apply(port, &info, n_rxq, &conf);
	nb_rxd = cfg->rx_desc ? cfg->rx_desc : 1024;
	nb_txd = cfg->tx_desc ? cfg->tx_desc : 1024;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port->dev_id, &nb_rxd, &nb_txd);
	if (rc < 0)
		goto fail;
	for (q = 0; q < n_rxq; q++) {
		rc =
		    rte_eth_rx_queue_setup(port->dev_id, q, nb_rxd, port->socket_id, NULL, p->pool);
		if (rc < 0) {
			vs_port_fail(p, "port %s: rx queue %u setup failed: %s", port->name, q,
				     rte_strerror(-rc));
			goto fail;
		}
	}
	for (q = 0; q < n_txq; q++) {
		rc = rte_eth_tx_queue_setup(port->dev_id, q, nb_txd, port->socket_id, NULL);
		if (rc < 0) {
			vs_port_fail(p, "port %s: tx queue %u setup failed: %s", port->name, q,
				     rte_strerror(-rc));
			goto fail;
		}
	}
	ethdev_set_mtu(port, cfg);
	if (cfg->has_mac) {
		struct rte_ether_addr mac;

		memcpy(mac.addr_bytes, cfg->mac.b, sizeof(mac.addr_bytes));
		rc = rte_eth_dev_default_mac_addr_set(port->dev_id, &mac);
		if (rc < 0) {
			vs_port_fail(p, "port %s: cannot set MAC: %s", port->name,
				     rte_strerror(-rc));
			goto fail;
		}
	}
	port->n_rxq = n_rxq;
	port->n_txq = n_txq;
	port->rx = vs_port_ethdev_rx;
	port->tx_raw = vs_port_ethdev_tx;
	port->tx = vs_port_ethdev_tx;
	port->priv = (void *)(uintptr_t)cfg->promisc;
	return 0;
fail:
	ethdev_release(port);
	return rc < 0 ? rc : -EIO;
}

static int
ethdev_start(struct vs_port *port)
{
	int rc;

	rc = rte_eth_dev_start(port->dev_id);
	if (rc < 0) {
		VS_PL_LOG(ERR, "port %s: start failed: %s", port->name, rte_strerror(-rc));
		return rc;
	}
	if (port->priv != NULL) {
		rc = rte_eth_promiscuous_enable(port->dev_id);
		if (rc < 0 && rc != -ENOTSUP)
			VS_PL_LOG(WARNING, "port %s: promiscuous mode refused: %s", port->name,
				  rte_strerror(-rc));
	}
	__atomic_store_n(&port->ready, true, __ATOMIC_RELEASE);
	return 0;
}

static int
ethdev_stop(struct vs_port *port)
{
	__atomic_store_n(&port->ready, false, __ATOMIC_RELEASE);
	return rte_eth_dev_stop(port->dev_id);
}

static void
ethdev_destroy(struct vs_port *port)
{
	ethdev_release(port);
}

static int
ethdev_stats(struct vs_port *port, struct vs_port_stats *out)
{
	struct rte_eth_stats st;
	int rc;

	rc = rte_eth_stats_get(port->dev_id, &st);
	if (rc < 0)
		return rc;
	out->ipackets = st.ipackets;
	out->opackets = st.opackets;
	out->ibytes = st.ibytes;
	out->obytes = st.obytes;
	out->imissed = st.imissed;
	out->ierrors = st.ierrors;
	out->oerrors = st.oerrors;
	out->rx_nombuf = st.rx_nombuf;
	return 0;
}

static const struct vs_port_ops ethdev_ops = {
    .type_name = "ethdev",
    .create = ethdev_create,
    .start = ethdev_start,
    .stop = ethdev_stop,
    .destroy = ethdev_destroy,
    .stats = ethdev_stats,
};

/* ---- generic ---------------------------------------------------------------- */

struct vs_port *
vs_port_create(const struct vs_cfg_port *cfg, uint16_t id, const struct vs_port_params *p)
{
	const struct vs_port_ops *ops;
	struct vs_port *port;
	uint16_t q;
	int rc;

	if ((unsigned)cfg->type >= VS_PORT_TYPE_MAX || id >= VS_PORT_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if (port_ops[VS_PORT_ETHDEV] == NULL)
		port_ops[VS_PORT_ETHDEV] = &ethdev_ops;
	if (port_ops[VS_PORT_VXLAN] == NULL)
		port_ops[VS_PORT_VXLAN] = vs_tun_port_ops();
	ops = port_ops[cfg->type];
	if (ops == NULL) {
		VS_PL_LOG(ERR, "port %s: type %s is not available in this build", cfg->name,
			  vs_cfg_port_type_str(cfg->type));
		errno = ENOTSUP;
		return NULL;
	}
	port = rte_zmalloc("vs_port", sizeof(*port), RTE_CACHE_LINE_SIZE);
	if (port == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	snprintf(port->name, sizeof(port->name), "%s", cfg->name);
	port->id = id;
	port->type = (enum vs_port_type)cfg->type;
	port->l2_tag = cfg->tag;
	port->l2_native = cfg->native_vlan;
	port->l2_n_trunks = cfg->n_trunks;
	memcpy(port->l2_trunks, cfg->trunks, sizeof(port->l2_trunks));
	port->ops = ops;
	port->socket_id = SOCKET_ID_ANY;
	__atomic_store_n(&port->ready, false, __ATOMIC_RELAXED);
	for (q = 0; q < VS_PORT_MAX_QUEUES; q++)
		rte_spinlock_init(&port->tx_lock[q]);
	rc = ops->create(port, cfg, p);
	if (rc < 0) {
		rte_free(port);
		errno = -rc;
		return NULL;
	}
	if (port->tx == NULL)
		port->tx = port->tx_raw;
	vs_port_set_workers(port, p->n_workers);
	VS_PL_LOG(INFO, "port %s: id %u, %s, %u rx / %u tx queues, socket %d", port->name, port->id,
		  ops->type_name, port->n_rxq, port->n_txq, port->socket_id);
	return port;
}

void
vs_port_set_workers(struct vs_port *port, uint16_t n_workers)
{
	bool any = false;
	uint16_t q;

	for (q = 0; q < VS_PORT_MAX_QUEUES; q++)
		port->txq_shared[q] = false;
	if (port->n_txq > 0 && n_workers > port->n_txq) {
		/* Workers w and w + n_txq share queue w % n_txq. */
		for (q = 0; q < port->n_txq && q + port->n_txq < n_workers; q++) {
			port->txq_shared[q] = true;
			any = true;
		}
	}
	port->tx = any ? vs_port_tx_locked : port->tx_raw;
}

int
vs_port_start(struct vs_port *port)
{
	int rc;

	if (port->started)
		return 0;
	rc = port->ops->start ? port->ops->start(port) : 0;
	if (rc == 0)
		port->started = true;
	return rc;
}

int
vs_port_stop(struct vs_port *port)
{
	int rc;

	if (!port->started)
		return 0;
	rc = port->ops->stop ? port->ops->stop(port) : 0;
	port->started = false;
	__atomic_store_n(&port->ready, false, __ATOMIC_RELEASE);
	return rc;
}

void
vs_port_destroy(struct vs_port *port)
{
	if (port == NULL)
		return;
	vs_port_stop(port);
	if (port->ops->destroy)
		port->ops->destroy(port);
	rte_free(port);
}

int
vs_port_stats_get(struct vs_port *port, struct vs_port_stats *out)
{
	memset(out, 0, sizeof(*out));
	return port->ops->stats ? port->ops->stats(port, out) : 0;
}

bool
vs_port_is_ready(const struct vs_port *port)
{
	return __atomic_load_n(&port->ready, __ATOMIC_ACQUIRE);
}
