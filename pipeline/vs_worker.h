/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Workers and the snapshot they read.
 *
 * The control thread builds an immutable struct vs_snapshot (generation,
 * port table with ready flags, every worker's rx-queue list), publishes its
 * pointer with a release store and frees the old one after an rte_rcu_qsbr
 * grace period. Each worker loads the pointer once per loop iteration
 * (acquire) and reports quiescence once per iteration.
 *
 * struct vs_worker is private to its worker lcore except the fields marked
 * ctl: ro (statistics the control thread aggregates; written only by the
 * owner) and those set before the worker is launched.
 */
#ifndef VS_WORKER_H
#define VS_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_gso.h>
#include <rte_mbuf_dyn.h>

#include "vs_cls.h"
#include "vs_config.h"
#include "vs_drop.h"
#include "vs_flow_key.h"
#include "vs_port.h"
#include "l2_dp.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_rcu_qsbr;
struct rte_ring;
struct vs_tun_dp;

#define VS_BURST	  32  /* rx burst */
#define VS_TXBUF_SIZE	  64  /* per output port per worker; flushed early when full */
#define VS_TX_RETRIES	  4   /* tx_burst attempts before leftovers are dropped */
#define VS_WORKER_MAX_RXQ 128 /* rx queues one worker polls */

struct vs_rxq_ref {
	uint16_t port; /* switch port id */
	uint16_t queue;
};

/* Rx queues of every worker (index = position in config workers[]). */
struct vs_rxq_map {
	uint16_t n_workers;
	uint16_t n[VS_CFG_MAX_WORKERS];
	struct vs_rxq_ref q[VS_CFG_MAX_WORKERS][VS_WORKER_MAX_RXQ];
};

/*
 * Assign every rx queue of every port of cfg to a worker: pinned queues
 * (ports[].rxq_pin) go to their worker, the others round-robin over all
 * workers in port then queue order (continuing across ports). port_ids[i] is
 * the switch port id of cfg->ports[i] (NULL: the index itself); ports whose
 * id is UINT16_MAX are skipped. Returns 0, -EINVAL (a pin to a worker that is
 * not in workers[] or to a queue >= rx_queues; no workers but queues to poll)
 * or -ENOSPC (a worker would poll more than VS_WORKER_MAX_RXQ queues).
 */
int vs_rxq_assign(const struct vs_config *cfg, const uint16_t *port_ids, struct vs_rxq_map *map);

struct vs_snapshot {
	uint64_t generation;
	uint16_t n_ports;		    /* ids in use are < n_ports */
	uint64_t ready_mask;		    /* bit id: port exists and is ready */
	uint64_t link_down_mask;	    /* bit id: ready, but the last link poll said down */
	uint64_t tx_ok_mask;		    /* ready_mask & ~link_down_mask: the fast test */
	uint64_t tun_mask;		    /* bit id: a vxlan port */
	struct vs_port *ports[VS_PORT_MAX]; /* NULL for a free id */
	struct vs_rxq_map rxqs;
	/* The normal action (l2/): the MAC table, each port's ingress VLAN
	 * mode, and per VLAN the ports that carry it and those of them that
	 * send it untagged (access ports, a trunk's native VLAN). */
	struct vs_l2_dp *l2;		     /* NULL: no MAC table */
	uint16_t port_tag[VS_PORT_MAX];	     /* access VLAN; 0 = trunk */
	uint16_t port_native[VS_PORT_MAX];   /* trunk: VLAN of untagged frames */
	uint64_t vlan_ports[VS_L2_VLANS];    /* bit id: the port carries the VLAN */
	uint64_t vlan_untagged[VS_L2_VLANS]; /* bit id: ... and sends it untagged */
};

/*
 * A packet on its way to the control thread (packet-in) or from it
 * (packet-out): an mbuf dynamic field (vs_pktio_meta_of), written by the
 * producer before the enqueue and read by the consumer after the dequeue.
 */
enum vs_pktio_reason {
	VS_PKTIO_MISS = 0,	/* packet-in: no rule (table_miss: controller) */
	VS_PKTIO_MISS_FLOW = 1, /* packet-in: the table-miss flow's controller action */
	VS_PKTIO_ACTION = 2,	/* packet-in: a controller action (OFPR_ACTION) */
};
#define VS_PKTIO_TO_FLOOD 0xffffu /* packet-out: every ready port but in_port */
#define VS_PKTIO_TO_ALL	  0xfffeu /* packet-out: every ready port but in_port */
#define VS_PKTIO_TO_TABLE 0xfffdu /* packet-out: through the rules, as received on in_port */
#define VS_PKTIO_RING	  1024	  /* entries of each worker's packet-in/out ring */

struct vs_pktio_meta {
	uint64_t cookie;  /* packet-in: the rule's OpenFlow cookie (all ones on a miss) */
	uint16_t in_port; /* switch port id the packet came in on (packet-out: as if) */
	uint16_t max_len; /* packet-in: bytes for the controller; packet-out: unused */
	uint16_t out;	  /* packet-out: switch port id, VS_PKTIO_TO_FLOOD, _ALL or _TABLE */
	uint8_t reason;	  /* packet-in: enum vs_pktio_reason */
	uint8_t table_id; /* packet-in: the rule's OpenFlow table */
};

/* What all workers share with the control thread (ctl: rw, dp: ro). */
struct vs_dp_shared {
	struct vs_snapshot *snap;
	bool stop;
	struct rte_rcu_qsbr *qsbr;
	struct rte_mempool *pool; /* copies for flood / several outputs */
	bool miss_to_ctl;	  /* table miss -> packet-in ring instead of no_rule */
	/* Rules whose first action is normal, live or being added: while 0,
	 * workers skip normal_prepare (a normal action that finds nothing
	 * prepared looks its MACs up itself, so a stale count costs time only). */
	uint32_t normal_rules;
	int pktio_off; /* offset of struct vs_pktio_meta in an mbuf */
	/* VXLAN tunnels (tunnel/tunnel_dp.h); NULL: none. Published by the
	 * tunnel module, freed after a grace period. */
	struct vs_tun_dp *tun;
	/* Offset of a uint8_t mbuf field: on a frame decapsulated from a vxlan
	 * port, the index of the remote VTEP it came from (vs_tun_remote_of). */
	int tun_off;
};

#define vs_tun_remote_of(m, off) RTE_MBUF_DYNFIELD((m), (off), uint8_t *)

#define vs_pktio_meta_of(m, off) RTE_MBUF_DYNFIELD((m), (off), struct vs_pktio_meta *)

/* Stages of a burst whose cycles a worker measures. They are timed in one
 * poll loop of VS_STAGE_SAMPLE (one rte_rdtsc() per stage per burst there)
 * and counted VS_STAGE_SAMPLE times, so that the others read the TSC once
 * per busy rx queue: at about 28 cycles a read (AMD EPYC), six reads per
 * burst were some 5 cycles a packet. Busy, idle and per-queue cycles stay
 * exact. */
#define VS_STAGES(X)                                                                               \
	X(RX, "rx")		/* rx burst of a queue that returned packets */                    \
	X(PARSE, "parse")	/* flow key extraction */                                          \
	X(CLASSIFY, "classify") /* EMC + TSS lookup (vs_cls_lookup_burst) */                       \
	X(ACTIONS, "actions")	/* actions and tx buffering */                                     \
	X(TX, "tx")		/* flushing the tx buffers */

#define VS_STAGE_SAMPLE 16u /* power of two */

enum vs_stage {
#define VS_STAGE_ENUM_(name, str) VS_STAGE_##name,
	VS_STAGES(VS_STAGE_ENUM_)
#undef VS_STAGE_ENUM_
	    VS_STAGE_MAX
};

/* "rx", "parse", ...; "unknown" out of range. */
const char *vs_stage_str(enum vs_stage s);

/* Rx bursts by size: 1, 2-3, 4-7, 8-15, 16-31, 32 (bucket = floor(log2 n)). */
#define VS_BURST_HIST 6

/* Load of one rx queue while this worker polls it. */
struct vs_rxq_load {
	struct vs_rxq_ref q;
	/* From the end of the previous busy queue's work (or the start of the
	 * poll loop) to the end of its tx flush, when its rx returned packets:
	 * includes the empty rx polls of the queues before it in the loop. */
	uint64_t cycles;
	uint64_t pkts;
};

/* Counters, written only by the owning worker. */
struct vs_worker_stats {
	uint64_t rx_pkts[VS_PORT_MAX];
	uint64_t rx_bytes[VS_PORT_MAX];
	uint64_t tx_pkts[VS_PORT_MAX];
	uint64_t tx_bytes[VS_PORT_MAX];
	uint64_t tx_drops[VS_PORT_MAX]; /* tx_full + port_down + hairpin towards the port */
	uint64_t drops[VS_DROP_MAX];
	uint64_t busy_cycles; /* from the worker's previous TSC read to each burst's end */
	uint64_t idle_cycles;
	uint64_t loops;
	uint64_t generation; /* last snapshot generation seen */
	uint64_t stage_cycles[VS_STAGE_MAX];
	uint64_t bursts[VS_BURST_HIST];
	/* By position in the worker's rx queue list; an entry restarts from 0
	 * when another queue takes its position. */
	uint16_t n_rxq;
	struct vs_rxq_load rxq[VS_WORKER_MAX_RXQ];
};

struct vs_txbuf {
	uint16_t n;
	uint64_t bytes; /* of the n packets, as enqueued */
	uint64_t ol;	/* their ol_flags ORed */
	struct rte_mbuf *pkts[VS_TXBUF_SIZE];
};

/* How the normal action takes packet i of a burst, worked out for the whole
 * burst before the actions run (process_burst). */
enum vs_l2_pre_state {
	VS_L2_PRE_NONE,	      /* not worked out: the action looks up by itself */
	VS_L2_PRE_OK,	      /* in VLAN vlan; keys at src / dst */
	VS_L2_PRE_NO_OUTPUT,  /* shorter than an Ethernet header */
	VS_L2_PRE_DISALLOWED, /* its VLAN is not the input port's */
};

#define VS_L2_PRE_NOKEY 0xff /* a multicast address: no lookup */

struct vs_l2_pre {
	uint16_t vlan;
	uint8_t state;	/* enum vs_l2_pre_state */
	uint8_t tagged; /* it carries an 802.1Q tag */
	uint8_t src;	/* index in l2_keys / l2_ent, or VS_L2_PRE_NOKEY */
	uint8_t dst;
};

struct vs_worker {
	/* Set by the control thread before launch. */
	uint16_t index; /* position in workers[], QSBR thread id */
	uint32_t lcore;
	int socket_id;
	struct rte_mempool *pool; /* its socket's: copies for flood / several outputs */
	struct vs_dp_shared *sh;
	struct vs_cls_ctx *cls_ctx;
	/* Packet-ins: this worker enqueues (single producer), the control
	 * thread dequeues (single consumer). Never waited on. */
	struct rte_ring *pin;
	/* Packet-outs: the control thread enqueues, this worker sends them
	 * through its own tx queues (single producer, single consumer). */
	struct rte_ring *pout;
	/* ARP / ND for a tunnel's local address, received on an underlay:
	 * this worker enqueues, the control thread dequeues. */
	struct rte_ring *tctl;
	/* Bytes of the packets each classifier rule (by id) matched; packets
	 * are counted by the classifier. ctl: ro, dp: rw. [max_rules] */
	uint64_t *rule_bytes;

	/* Worker-private. */
	uint64_t tsc;	     /* when the last busy queue's work ended (or the loop began) */
	uint64_t stage_ctr;  /* busy poll loops (VS_STAGE_SAMPLE) */
	uint64_t pending_tx; /* bit id: txb[id] holds packets */
	bool chained;	     /* the burst in hand may hold chained mbufs */
	struct vs_flow_key keys[VS_BURST];
	struct rte_mbuf *pkts[VS_BURST];
	const struct vs_cls_rule *rules[VS_BURST];
	uint8_t outcome[VS_BURST];
	struct vs_txbuf txb[VS_PORT_MAX];
	struct vs_l2_wstate l2ws; /* learn-event dedup; lost/flooded are ctl: ro */
	/* The normal action's MAC lookups of the current burst, made for the
	 * whole burst before its actions run (one rte_hash bulk lookup for the
	 * source and destination keys of every packet whose rule starts with
	 * normal): l2_pre[i] is packet i's, its keys and entries are in
	 * l2_keys / l2_ent. */
	struct vs_l2_pre l2_pre[VS_BURST];
	struct vs_l2_key l2_keys[2 * VS_BURST];
	struct vs_l2_entry *l2_ent[2 * VS_BURST];
	/* Source keys the current burst asked the control thread to learn (or
	 * move) on its input port: later packets of the burst to one of them
	 * see it there (dropped, never back out of the input port), as the
	 * table will say once the control thread applied the events. */
	struct vs_l2_key l2_new[VS_BURST];
	uint16_t l2_n_new;
	/* Software TSO for outputs without it: this worker's segment pools
	 * (headers: direct, payload: indirect), made at switch creation. */
	struct rte_gso_ctx gso;
	/* The remote VTEP the normal action sends its current frame to when
	 * it goes to a vxlan port (a learned MAC); VS_L2_REMOTE_NONE: every
	 * remote of the port. */
	uint8_t tun_remote;

	/* ctl: ro. */
	struct vs_worker_stats stats __rte_cache_aligned;
} __rte_cache_aligned;

/* lcore entry point (rte_eal_remote_launch): polls until sh->stop. */
int vs_worker_main(void *arg);

/* One loop iteration: poll every assigned rx queue once, process, flush,
 * report quiescence. Returns the packets received. For the lcore loop and for
 * tests that step a worker by hand. The worker must be online in the QSBR. */
unsigned vs_worker_poll(struct vs_worker *w);

/* Free what is still buffered (worker stopped; control thread). */
void vs_worker_drain(struct vs_worker *w);

#endif /* VS_WORKER_H */
