/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost ports: state shared by the control side (vhost.c) and the fast path (vhost_dp.c). */
#ifndef VS_VHOST_PRIV_H
#define VS_VHOST_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>

#include "vs_port.h"
#include "vs_vhost.h"

struct rte_mbuf;
struct rte_mempool;

#include "vs_log.h"

extern int vs_vhost_logtype;

#define VS_VHU_LOG(level, ...) VS_LOG(level, vs_vhost_logtype, "vhost", __VA_ARGS__)

/* One queue pair. Counters are written by the one worker that polls the rx
 * queue / holds the tx queue (under the port's tx lock when shared). Tx
 * queue q is the switch's: workers send on it (vs_port_txq_of), and it goes
 * out on the guest's enabled vring pair tx_pair; its tx counters count what
 * went through q, whichever pair carried it. */
struct vs_vhu_queue {
	bool rx_on;		    /* ctl: rw, dp: ro */
	bool tx_on;		    /* ctl: rw, dp: ro */
	uint16_t tx_pair;	    /* ctl: rw, dp: ro */
	uint64_t rx_pkts, rx_bytes; /* dp: rw, ctl: ro */
	uint64_t tx_pkts, tx_bytes; /* dp: rw, ctl: ro */
	uint64_t tx_ring_full;	    /* dp: rw, ctl: ro */
	uint64_t tx_disabled;	    /* dp: rw, ctl: ro */
} __rte_cache_aligned;

struct vs_vhu_port {
	/* Set at creation (dp: ro, ctl: ro). */
	struct vs_port *port;
	struct rte_mempool *pool; /* dequeue mbufs (ctl: rw while not ready; dp: ro) */
	/* The switch's pool of a NUMA socket: the port moves to the guest
	 * memory's node when librte_vhost reports it (new_device). */
	struct rte_mempool *(*pool_of)(void *arg, int socket);
	void *pool_arg;
	char path[VS_CFG_PATH_MAX];
	enum vs_cfg_vhost_mode mode;
	uint16_t n_queues;
	uint16_t slot;	   /* index in the module's port table */
	uint16_t slot_gen; /* generation of that slot when created */
	uint32_t socket_perm;
	char owner[32], group[32];

	/* Device (ctl: rw, dp: ro; dp reads it only while the snapshot says ready). */
	int vid; /* -1: no device */

	/* Control state (ctl: rw). */
	bool registered;     /* rte_vhost_driver_register done */
	bool driver_started; /* rte_vhost_driver_start done */
	enum vs_vhu_state state;
	uint64_t features;
	uint64_t connections, devices, destroys;
	uint64_t vrings_ignored; /* vrings beyond the most pairs a port can poll */
	uint16_t n_tx_pairs;	 /* pairs the guest enabled for our tx */

	/* The guest's rings by queue pair, also beyond n_queues (ctl: rw, dp: ro):
	 * pair_rx_on[p], its tx ring (our rx; rx queue p mod n_queues polls it);
	 * pair_tx_on[p], its rx ring (our tx; tx queues map to these). */
	uint16_t rx_pairs_end; /* highest pair with rx on, + 1 */
	bool pair_rx_on[VS_PORT_MAX_QUEUES];
	bool pair_tx_on[VS_PORT_MAX_QUEUES];

	/* destroy_device handshake (vhost thread <-> control thread). */
	uint32_t destroy_req; /* vhost thread: rw */
	uint32_t destroy_ack; /* ctl: rw */
	bool closing;	      /* ctl: rw; the port is being destroyed */

	struct vs_vhu_queue q[]; /* n_queues */
};

/* Fast path (vhost_dp.c). */
uint16_t vs_vhu_rx(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t vs_vhu_tx(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);

#endif /* VS_VHOST_PRIV_H */
