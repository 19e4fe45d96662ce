/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port abstraction: one struct for every kind of port the switch forwards
 * between (ethdev ports today: PCI NICs, VFs and vdevs; vhost-user ports plug
 * in behind the same ops in their own module).
 *
 * A port has a switch port id: a dense, stable index used as the flow key's
 * in_port and as the index of every per-port table (tx buffers, counters). It
 * is not the DPDK port id. The rx/tx functions are chosen when the port is
 * created (one indirect call per burst); a tx queue that several workers share
 * is protected by its own spinlock, and only then.
 *
 * Threads: create/start/stop/destroy/stats run on the control thread. Workers
 * only call port->rx / port->tx on the queues the published snapshot gives
 * them. A port whose device can come and go (vhost) reports readiness through
 * vs_port_is_ready(); the control thread publishes it in the worker snapshot
 * and workers drop+count `port_down` for an output that is not ready, and
 * `link_down` for a ready ethdev port whose link the last poll saw down.
 */
#ifndef VS_PORT_H
#define VS_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf_core.h>
#include <rte_spinlock.h>

#include "vs_config.h"

struct rte_mbuf;
struct rte_mempool;
struct vs_port;

#define VS_PORT_MAX	   VS_CFG_MAX_PORTS
#define VS_PORT_MAX_QUEUES 128
/* RSS hash types an ethdev port with several rx queues asks for when its
 * config has no rss: key; reduced to what the device offers
 * (dev_info.flow_type_rss_offloads). */
#define VS_PORT_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)

enum vs_port_type {
	VS_PORT_ETHDEV = VS_CFG_PORT_ETHDEV,
	VS_PORT_VHOST = VS_CFG_PORT_VHOST,
	VS_PORT_VXLAN = VS_CFG_PORT_VXLAN, /* tunnel/: no queues of its own */
	VS_PORT_TYPE_MAX,
};

/* Fast path: receive / transmit up to n packets on queue; returns the count. */
typedef uint16_t (*vs_port_rx_fn)(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts,
				  uint16_t n);
typedef uint16_t (*vs_port_tx_fn)(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts,
				  uint16_t n);

/* What the switch gives a port at creation. */
struct vs_port_params {
	struct rte_mempool *pool; /* rx mbufs, when pool_of is NULL */
	/* The pool of a NUMA socket (< 0: unknown, the switch's home socket):
	 * a port takes the one of its device's socket (vs_numa.h). */
	struct rte_mempool *(*pool_of)(void *arg, int socket);
	void *pool_arg;
	uint16_t n_workers; /* tx queues default to one per worker */
	bool underlay;	    /* a vxlan port's underlay: outer checksum offload wanted */
	/* Why a create failed, for the operator (NULL: log it instead). */
	struct vs_cfg_error *err;
};

/* Device counters (as the driver reports them). */
struct vs_port_stats {
	uint64_t ipackets, opackets;
	uint64_t ibytes, obytes;
	uint64_t imissed; /* dropped by the device: rx ring full */
	uint64_t ierrors, oerrors;
	uint64_t rx_nombuf; /* rx mbuf allocation failures */
};

/* Per-type operations; each returns 0 or -errno unless said otherwise. */
typedef int (*vs_port_create_fn)(struct vs_port *port, const struct vs_cfg_port *cfg,
				 const struct vs_port_params *p);
typedef int (*vs_port_start_fn)(struct vs_port *port);
typedef int (*vs_port_stop_fn)(struct vs_port *port);
typedef void (*vs_port_destroy_fn)(struct vs_port *port);
typedef int (*vs_port_stats_fn)(struct vs_port *port, struct vs_port_stats *out);

struct vs_port_ops {
	const char *type_name;
	vs_port_create_fn create; /* fills queues, rx, tx, socket_id, priv */
	vs_port_start_fn start;
	vs_port_stop_fn stop;
	vs_port_destroy_fn destroy; /* releases what create took */
	vs_port_stats_fn stats;
};

/* The tx offload requests a packet can carry (from a guest's TSO / partial
 * checksum): segmentation, L4 checksum (TCP or UDP), IPv4 header checksum. */
#define VS_TX_OL_MASK (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IP_CKSUM)

/* Mbufs of a jumbo rx pool beyond its rx descriptors: what can be in
 * flight towards other ports (their tx rings, the workers' buffers). */
#define VS_PORT_JUMBO_INFLIGHT 2048

struct vs_port {
	/* Set at creation, read-only afterwards (dp: ro, ctl: ro). */
	char name[VS_CFG_NAME_MAX];
	uint16_t id; /* switch port id */
	enum vs_port_type type;
	const struct vs_port_ops *ops;
	vs_port_rx_fn rx;
	vs_port_tx_fn tx;     /* tx_raw, or the locking wrapper around it */
	vs_port_tx_fn tx_raw; /* the type's own, lock-free tx */
	uint16_t n_rxq;
	uint16_t n_txq;
	int socket_id;		  /* NUMA socket of the device, SOCKET_ID_ANY if unknown */
	struct rte_mempool *pool; /* its rx mbufs (ctl: rw; vhost: re-homed to the guest's node) */
	uint16_t dev_id;	  /* ethdev: DPDK port id */
	bool owns_dev;		  /* ethdev: probed by us, removed on destroy */
	/* ethdev RSS as configured: the config's types (VS_CFG_RSS_*) and what
	 * they ask of the device (RTE_ETH_RSS_*), the hash types in force (0 =
	 * no RSS), the key in force (rss_key_cfg: the config's, else the
	 * driver's default of rss_key_len bytes) and the RETA entries spread
	 * over the rx queues (0 = not set by us). */
	uint32_t rss_types_asked;
	uint64_t rss_hf_asked;
	uint64_t rss_hf;
	uint8_t rss_key_len;
	bool rss_key_cfg;
	uint16_t rss_reta_size;
	/* ethdev MTU: asked by the config (0 = device default) and in force
	 * after create (0 = unknown). A device that refuses the asked one keeps
	 * its own; the port still comes up. */
	uint16_t mtu_asked;
	uint16_t mtu;
	/* The mbuf tx offload requests (VS_TX_OL_* of RTE_MBUF_F_TX_*) the
	 * port's tx completes itself; the worker finishes the others in
	 * software. Ethdev: set at create; vhost: from the guest's features,
	 * per device (dp: ro, relaxed; ctl: rw). */
	uint64_t tx_ol_ok;
	/* ethdev: the port's own rx pool, for an MTU whose frames do not fit
	 * the switch's mbufs on a device that cannot scatter rx; NULL: none. */
	struct rte_mempool *rx_pool;
	/* ethdev tx offloads enabled at configure (RTE_ETH_TX_OFFLOAD_*): an
	 * underlay gets IPV4_CKSUM when the device has it. */
	uint64_t tx_offloads;
	bool started; /* ctl: rw */
	/* Device readiness (ctl: rw; dp reads it through the snapshot only). */
	bool ready;
	/* One lock per tx queue; txq_shared[q] says whether workers must take it. */
	bool txq_shared[VS_PORT_MAX_QUEUES];
	rte_spinlock_t tx_lock[VS_PORT_MAX_QUEUES];
	void *priv; /* type-specific state */
	/* Link state as last reported (ctl only; vs_switch_link_poll). */
	bool link_known, link_up;
	uint32_t link_speed; /* Mbit/s, 0 unknown */
	bool link_full_duplex;
	bool link_autoneg;
	uint64_t link_changes; /* up <-> down since the first reading */
	/* ethdev: the device raises link state change interrupts (the callback
	 * wakes the control loop through vs_port_link_event_fd()); otherwise
	 * its link is only polled. */
	bool lsc;
	/* VLAN mode for the normal action (config tag / trunks / native_vlan). */
	uint16_t l2_tag;    /* access VLAN; 0 = trunk */
	uint16_t l2_native; /* trunk: VLAN of untagged frames */
	uint16_t l2_n_trunks;
	uint16_t l2_trunks[VS_CFG_MAX_TRUNKS]; /* none: every VLAN */
};

/* Register the ops of a port type (the vhost module calls this for
 * VS_PORT_VHOST). Ethdev is built in. Returns 0 or -EINVAL. */
int vs_port_ops_register(enum vs_port_type type, const struct vs_port_ops *ops);

/*
 * Create a port from its config with switch port id `id`. NULL and errno
 * (ENOTSUP for a type without registered ops, ENODEV for a device that cannot
 * be found or probed, EINVAL for queue counts the device refuses, ...).
 */
/* Why a port type's create failed: into p->err for the caller to report
 * once (with the port's position), or logged when p->err is NULL. */
void vs_port_fail(const struct vs_port_params *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct vs_port *vs_port_create(const struct vs_cfg_port *cfg, uint16_t id,
			       const struct vs_port_params *p);
int vs_port_start(struct vs_port *port);
int vs_port_stop(struct vs_port *port);
/* Accepts NULL. The port must be stopped and no worker may poll it. */
void vs_port_destroy(struct vs_port *port);
int vs_port_stats_get(struct vs_port *port, struct vs_port_stats *out);
bool vs_port_is_ready(const struct vs_port *port);

/* The RTE_ETH_RSS_* hash types of config types (VS_CFG_RSS_*). */
uint64_t vs_port_rss_hf(uint32_t cfg_types);

/* An eventfd that becomes readable when a device raised a link state change
 * interrupt (LSC): the control loop then polls the links at once
 * (vs_switch_link_poll). Created on first use; -errno when it cannot be. */
int vs_port_link_event_fd(void);
/* Reset the eventfd's count after a wakeup (control thread). */
void vs_port_link_event_clear(void);

/* Tx queue worker `worker_index` uses on a port with n_txq tx queues. */
static inline uint16_t
vs_port_txq_of(uint16_t n_txq, uint16_t worker_index)
{
	return (uint16_t)(worker_index % n_txq);
}

/* Mark the tx queues shared by more than one of n_workers workers, and pick
 * the locked or lock-free tx function accordingly (control thread, before
 * workers run). */
void vs_port_set_workers(struct vs_port *port, uint16_t n_workers);

/* The device name an ethdev "device" string refers to: the text before the
 * first comma ("net_pcap0,rx_pcap=x" -> "net_pcap0"). Returns 0 or -ENAMETOOLONG. */
int vs_port_devname(const char *device, char *name, size_t size);

#endif /* VS_PORT_H */
