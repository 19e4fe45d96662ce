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
#include <sys/eventfd.h>
#include <unistd.h>

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

/* ---- link state change interrupts ------------------------------------------- */

static int link_event_fd = -1; /* ctl: created once; the interrupt thread writes it */

int
vs_port_link_event_fd(void)
{
	if (link_event_fd < 0) {
		link_event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (link_event_fd < 0)
			return -errno;
	}
	return link_event_fd;
}

void
vs_port_link_event_clear(void)
{
	uint64_t v;

	if (link_event_fd >= 0 && read(link_event_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		VS_PL_LOG(DEBUG, "link events: read: %s", strerror(errno));
}

/* DPDK's interrupt thread: only wake the control loop, which reads the link. */
static int
ethdev_lsc_cb(uint16_t dev_id, enum rte_eth_event_type type, void *param, void *ret_param)
{
	uint64_t one = 1;

	RTE_SET_USED(dev_id);
	RTE_SET_USED(type);
	RTE_SET_USED(param);
	RTE_SET_USED(ret_param);
	if (link_event_fd >= 0 && write(link_event_fd, &one, sizeof(one)) < 0)
		return 0; /* the count is full: a wakeup is pending anyway */
	return 0;
}

static void
ethdev_release(struct vs_port *port)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;

	if (port->lsc) {
		rte_eth_dev_callback_unregister(port->dev_id, RTE_ETH_EVENT_INTR_LSC, ethdev_lsc_cb,
						port);
		port->lsc = false;
	}
	if (rte_eth_dev_info_get(port->dev_id, &info) == 0)
		dev = info.device;
	rte_eth_dev_close(port->dev_id);
	if (port->owns_dev && dev != NULL)
		rte_dev_remove(dev);
	/* Its mbufs may still wait in other ports' tx rings: freed only when
	 * all are back, else left (a few MiB) rather than freed under them. */
	if (port->rx_pool != NULL) {
		if (rte_mempool_full(port->rx_pool))
			rte_mempool_free(port->rx_pool);
		else
			VS_PL_LOG(WARNING,
				  "port %s: %u mbufs of its jumbo rx pool are still out; the pool "
				  "is left allocated",
				  port->name, rte_mempool_in_use_count(port->rx_pool));
		port->rx_pool = NULL;
	}
}

uint64_t
vs_port_rss_hf(uint32_t cfg_types)
{
	uint64_t hf = 0;

	if (cfg_types & VS_CFG_RSS_IPV4)
		hf |= RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_OTHER;
	if (cfg_types & VS_CFG_RSS_IPV6)
		hf |= RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_FRAG_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_OTHER |
		      RTE_ETH_RSS_IPV6_EX;
	if (cfg_types & VS_CFG_RSS_TCP)
		hf |= RTE_ETH_RSS_TCP;
	if (cfg_types & VS_CFG_RSS_UDP)
		hf |= RTE_ETH_RSS_UDP;
	if (cfg_types & VS_CFG_RSS_SCTP)
		hf |= RTE_ETH_RSS_SCTP;
	if (cfg_types & VS_CFG_RSS_L2)
		hf |= RTE_ETH_RSS_L2_PAYLOAD;
	return hf;
}

/* The names of the config types none of whose hash types the device takes. */
static void
rss_lost_names(uint32_t types, uint64_t offered, char *buf, size_t size)
{
	size_t o = 0;
	uint32_t b;

	buf[0] = '\0';
	for (b = 1; b & VS_CFG_RSS_ALL; b <<= 1)
		if ((types & b) && (vs_port_rss_hf(b) & offered) == 0 && o < size)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "",
					      vs_cfg_rss_type_str(b));
}

/*
 * RSS with several rx queues: the config's hash types (default IP/TCP/UDP),
 * reduced to what the device offers (WARNING naming what was lost), and its
 * key when the device takes a key of that length (else a WARNING and the
 * driver's key). A device that offers no RSS at all still gets its queues
 * (net_ring, some vdevs) without hashing: a WARNING says that the extra
 * queues may stay idle, rather than refusing a port that forwards.
 */
static void
ethdev_rss_conf(struct vs_port *port, const struct vs_cfg_port *cfg,
		const struct rte_eth_dev_info *info, uint16_t n_rxq, struct rte_eth_conf *conf)
{
	uint32_t types = cfg->has_rss ? cfg->rss_types : VS_CFG_RSS_DEFAULT;
	uint64_t asked = vs_port_rss_hf(types);
	uint64_t hf = asked & info->flow_type_rss_offloads;
	char lost[96];

	port->rss_types_asked = types;
	port->rss_hf_asked = asked;
	port->rss_hf = 0;
	port->rss_key_len = 0;
	port->rss_key_cfg = false;
	port->rss_reta_size = 0;
	if (n_rxq < 2) {
		if (cfg->has_rss)
			VS_PL_LOG(NOTICE, "port %s: rss is set but the port has one rx queue",
				  port->name);
		return;
	}
	if (hf == 0) {
		VS_PL_LOG(
		    WARNING,
		    "port %s: device '%s' offers no RSS for the asked types (it offers 0x%" PRIx64
		    "); its %u rx queues get no hashing and may stay idle",
		    port->name, cfg->device, info->flow_type_rss_offloads, n_rxq);
		return;
	}
	if (hf != asked) {
		rss_lost_names(types, info->flow_type_rss_offloads, lost, sizeof(lost));
		VS_PL_LOG(WARNING,
			  "port %s: RSS hash types reduced to 0x%" PRIx64 " of 0x%" PRIx64
			  " (what device '%s' offers)%s%s",
			  port->name, hf, asked, cfg->device, lost[0] ? "; not hashed: " : "",
			  lost);
	}
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_key = NULL; /* the driver's default key */
	conf->rx_adv_conf.rss_conf.rss_key_len = 0;
	port->rss_key_len = info->hash_key_size;
	if (cfg->rss_key_len != 0) {
		if (cfg->rss_key_len == info->hash_key_size) {
			conf->rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)cfg->rss_key;
			conf->rx_adv_conf.rss_conf.rss_key_len = cfg->rss_key_len;
			port->rss_key_cfg = true;
		} else {
			VS_PL_LOG(WARNING,
				  "port %s: device '%s' takes a %u-byte RSS key, not %u bytes; it "
				  "keeps its own key",
				  port->name, cfg->device, info->hash_key_size, cfg->rss_key_len);
		}
	}
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

/*
 * Tx offloads: multi-segment frames (segments of a guest's TSO super-frame
 * are chains) and the checksum / TSO requests a guest's packets carry, each
 * where the device offers it. What is enabled becomes port->tx_ol_ok; the
 * worker completes the rest in software before tx.
 */
static void
ethdev_tx_offloads(struct vs_port *port, const struct rte_eth_dev_info *info,
		   struct rte_eth_conf *conf)
{
	const uint64_t l4 = RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	uint64_t capa = info->tx_offload_capa;

	port->tx_ol_ok = 0;
	conf->txmode.offloads = capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		port->tx_ol_ok |= RTE_MBUF_F_TX_IP_CKSUM;
	}
	if ((capa & l4) == l4) {
		conf->txmode.offloads |= l4;
		port->tx_ol_ok |= RTE_MBUF_F_TX_L4_MASK;
		if (capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) {
			conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
			port->tx_ol_ok |= RTE_MBUF_F_TX_TCP_SEG;
		}
	}
}

/* Bytes of the largest frame an MTU lets in (Ethernet header, one VLAN tag, CRC). */
static uint32_t
mtu_frame_len(uint16_t mtu)
{
	return (uint32_t)mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN;
}

/* Whether frames of mtu fit one mbuf of pool. */
static bool
mtu_fits(uint16_t mtu, const struct rte_mempool *pool)
{
	return mtu_frame_len(mtu) <=
	       rte_pktmbuf_data_room_size((struct rte_mempool *)(uintptr_t)pool) -
		   (uint32_t)RTE_PKTMBUF_HEADROOM;
}

/*
 * The rx pool of a port: the switch's, or, when the asked MTU makes frames
 * larger than its mbufs and the device cannot scatter rx, a pool of the
 * port's own whose mbufs hold a whole frame (rx descriptors plus what can
 * be in flight towards other ports). Made even when the device refused to
 * set that MTU: its kernel interface may have it already (net_af_packet
 * over a veth whose MTU the operator set). NULL and a message when that
 * pool cannot be made.
 */
static struct rte_mempool *
ethdev_rx_pool(struct vs_port *port, const struct vs_cfg_port *cfg,
	       const struct rte_eth_dev_info *info, const struct vs_port_params *p, uint32_t n_desc)
{
	static unsigned seq;
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t room, n = 1;

	if (port->pool == NULL || cfg->mtu == 0 || mtu_fits(cfg->mtu, port->pool) ||
	    (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		return port->pool;
	while (n - 1 < n_desc + VS_PORT_JUMBO_INFLIGHT)
		n <<= 1;
	room = RTE_ALIGN_CEIL(mtu_frame_len(cfg->mtu), 1024);
	snprintf(name, sizeof(name), "vs_rxj_%u_%u", port->dev_id, seq++);
	port->rx_pool = rte_pktmbuf_pool_create(
	    name, n - 1, 256, 0, (uint16_t)(RTE_PKTMBUF_HEADROOM + room), port->socket_id);
	if (port->rx_pool == NULL) {
		vs_port_fail(p,
			     "port %s: mtu %u: device '%s' cannot scatter rx and no pool of %u "
			     "mbufs x %u bytes could be made (%s); set mtu to at most %u or give "
			     "more memory",
			     port->name, cfg->mtu, cfg->device, n - 1, room,
			     rte_strerror(rte_errno),
			     rte_pktmbuf_data_room_size(port->pool) - RTE_PKTMBUF_HEADROOM -
				 (uint32_t)(RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN));
		return NULL;
	}
	VS_PL_LOG(NOTICE,
		  "port %s: mtu %u and device '%s' cannot scatter rx: its own rx pool of %u "
		  "mbufs x %u bytes",
		  port->name, cfg->mtu, cfg->device, n - 1, room);
	return port->rx_pool;
}

/* Jumbo frames: scatter rx when a frame of the asked MTU does not fit one
 * mbuf and the device can (else ethdev_rx_pool gives the port bigger mbufs).
 * The MTU itself is set after configure (ethdev_set_mtu): a device that
 * refuses it keeps its own, with a warning. */
static void
ethdev_mtu_conf(const struct vs_port *port, const struct vs_cfg_port *cfg,
		const struct rte_eth_dev_info *info, struct rte_eth_conf *conf)
{
	if (cfg->mtu == 0)
		return;
	if (port->pool != NULL && !mtu_fits(cfg->mtu, port->pool) &&
	    (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
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
	struct rte_mempool *rx_pool;
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
	/* rx mbufs from the device's own NUMA node */
	port->pool = p->pool_of != NULL ? p->pool_of(p->pool_arg, port->socket_id) : p->pool;

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
	ethdev_rss_conf(port, cfg, &info, n_rxq, &conf);
	/* Link changes by interrupt where the device raises them, else polled. */
	if (info.dev_flags != NULL && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC) &&
	    vs_port_link_event_fd() >= 0 &&
	    rte_eth_dev_callback_register(port->dev_id, RTE_ETH_EVENT_INTR_LSC, ethdev_lsc_cb,
					  port) == 0) {
		conf.intr_conf.lsc = 1;
		port->lsc = true;
	}
	ethdev_tx_offloads(port, &info, &conf);
	ethdev_mtu_conf(port, cfg, &info, &conf);
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
	ethdev_set_mtu(port, cfg);
	rx_pool = ethdev_rx_pool(port, cfg, &info, p, (uint32_t)n_rxq * nb_rxd);
	if (rx_pool == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	for (q = 0; q < n_rxq; q++) {
		rc =
		    rte_eth_rx_queue_setup(port->dev_id, q, nb_rxd, port->socket_id, NULL, rx_pool);
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
