/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch, control side: owns the ports, the classifier, the workers and
 * the snapshot they read. Every function here runs on the control thread.
 *
 * Lifecycle: vs_switch_create(cfg) (after rte_eal_init: mempool, QSBR,
 * classifier, one worker per cfg->workers[]) -> vs_switch_apply(sw, cfg)
 * (startup is an apply against the empty config) -> vs_switch_start() ->
 * ... vs_switch_apply() again for changes ... -> vs_switch_stop() ->
 * vs_switch_destroy().
 */
#ifndef VS_SWITCH_H
#define VS_SWITCH_H

#include <stdint.h>

#include "vs_cls.h"
#include "vs_config.h"
#include "vs_drop.h"
#include "vs_plan.h"
#include "vs_port.h"
#include "vs_worker.h"

struct vs_switch;
struct vs_cls;
struct rte_mempool;

/* ---- mempool sizing (pure; usable before rte_eal_init) -------------------- */

#define VS_MBUF_DATA_ROOM 2048 /* bytes of packet data per mbuf */
#define VS_MBUF_CACHE	  256  /* per-lcore mempool cache */
#define VS_MBUF_PMD_RESERVE                                                                        \
	4096		  /* PMD-held mbufs beyond the rings (net_pcap                             \
			   * infinite_rx keeps its whole file in mbufs) */
#define VS_MEM_BASE_MB 64 /* EAL, rings, ethdev, tables besides the mempool */

struct vs_mbuf_sizing {
	uint64_t rx_desc;    /* sum of rx_queues * rx_desc */
	uint64_t tx_desc;    /* sum of tx_queues * tx_desc */
	uint64_t inflight;   /* per worker: one rx burst + a full tx buffer per port */
	uint64_t caches;     /* mempool caches of every lcore */
	uint64_t reserve;    /* VS_MBUF_PMD_RESERVE */
	uint32_t n_mbufs;    /* total, rounded up to 2^k - 1 */
	uint32_t mbuf_size;  /* bytes per mbuf in the pool (header + headroom + room) */
	uint64_t pool_bytes; /* n_mbufs * mbuf_size */
	uint32_t memory_mb;  /* pool + VS_MEM_BASE_MB, rounded up */
};

/* Compute the mempool size cfg needs. Returns 0 or -EINVAL. */
int vs_switch_mbuf_sizing(const struct vs_config *cfg, struct vs_mbuf_sizing *out);

/* ---- switch ----------------------------------------------------------------- */

/*
 * Create the switch for cfg's workers, classifier settings and memory (not
 * its ports or rules: vs_switch_apply does those). The EAL must be up with
 * every worker lcore enabled. NULL and errno on failure.
 */
struct vs_switch *vs_switch_create(const struct vs_config *cfg);

/*
 * Make the switch run cfg: vs_switch_plan + vs_switch_apply_plan (vs_plan.h)
 * in one call, logging the outcome (boot and tests; the daemon plans, applies
 * and reports itself). cfg must stay valid until the next successful apply
 * with a config has returned, or destroy. 0 or -errno.
 */
int vs_switch_apply(struct vs_switch *sw, const struct vs_config *cfg);

/* Start the ports and launch one worker per worker lcore. 0 or -errno. */
int vs_switch_start(struct vs_switch *sw);
/* Set the stop flag, wait for the workers, free what they still buffer,
 * stop the ports. 0 or -errno. Accepts a stopped switch. */
int vs_switch_stop(struct vs_switch *sw);
/* Accepts NULL. Stops first when running. */
void vs_switch_destroy(struct vs_switch *sw);

/* Reclaim memory retired by earlier changes whose grace period has passed
 * (classifier rules and their action lists). Cheap; call periodically. */
void vs_switch_reclaim(struct vs_switch *sw);
/* Re-rank the classifier's subtables by the hits all workers saw since the
 * last call (vs_cls_rerank); the daemon calls it about once a second. */
void vs_switch_rerank(struct vs_switch *sw);

struct vs_l2;
/* The MAC table of the normal action (l2/vs_l2.h: show, flush). */
struct vs_l2 *vs_switch_l2(struct vs_switch *sw);
/* Apply learn events and age with the clock at now_s seconds (control
 * thread; the daemon passes monotonic seconds, tests a fake clock). */
unsigned vs_switch_l2_tick(struct vs_switch *sw, uint32_t now_s);

struct vs_tun;
/* The VXLAN tunnels and their neighbour table (tunnel/vs_tunnel.h: show). */
struct vs_tun *vs_switch_tun(struct vs_switch *sw);
/* Take the ARP / ND frames the workers set aside for the tunnels' local
 * addresses, answer them, and send the neighbour requests that are due at
 * monotonic now_ms (control thread; the daemon runs it every 100 ms).
 * Returns the frames taken. */
unsigned vs_switch_tun_tick(struct vs_switch *sw, uint64_t now_ms);

struct rte_mempool *vs_switch_mempool(struct vs_switch *sw);
/* The classifier (statistics, subtable re-ranking by the control thread). */
struct vs_cls *vs_switch_cls(struct vs_switch *sw);
/* Port by switch id / name; NULL when absent. */
struct vs_port *vs_switch_port(struct vs_switch *sw, uint16_t id);
struct vs_port *vs_switch_port_by_name(struct vs_switch *sw, const char *name);
/* Generation of the published snapshot (0 before the first apply). */
uint64_t vs_switch_generation(const struct vs_switch *sw);
/* Re-read ports' readiness and publish a new snapshot if it changed (the
 * vhost module calls this when a device appears or goes). 0 or -errno. */
int vs_switch_refresh_ports(struct vs_switch *sw);

/* A port's link went up or down, or changed speed (events up: the owner
 * logs, counts and tells its front ends). */
struct vs_link_event {
	const struct vs_port *port;
	bool up;
	uint32_t speed; /* Mbit/s, 0 unknown */
	bool full_duplex;
};
typedef void (*vs_link_event_fn)(void *arg, const struct vs_link_event *ev);

/*
 * Read every ethdev port's link (rte_eth_link_get_nowait) and report each
 * change since the last call to fn (the first reading of a port is a change).
 * Control thread; the daemon runs it as a periodic job. A change is published
 * to the workers (snapshot link_down_mask): output to a ready port whose link
 * is down is dropped as `link_down`, and floods skip it. Returns the number of
 * events reported.
 */
unsigned vs_switch_link_poll(struct vs_switch *sw, vs_link_event_fn fn, void *arg);

/* The rx queue assignment the workers run now. 0 or -ENOENT (none yet). */
int vs_switch_rxq_map(struct vs_switch *sw, struct vs_rxq_map *out);

/*
 * Re-assign the running rx queues (the same set, each queue exactly once,
 * for every worker) and publish it; queues that change worker go through the
 * handover. Later applies keep each queue of a port they leave alone on the
 * worker it was given here (unless the config pins it elsewhere).
 * 0, -EINVAL (not the same queues) or -ENOMEM.
 */
int vs_switch_set_rxqs(struct vs_switch *sw, const struct vs_rxq_map *map);

/* ---- statistics --------------------------------------------------------------- */

struct vs_switch_port_stats {
	char name[VS_CFG_NAME_MAX];
	uint16_t id;
	bool present;
	bool ready;
	uint64_t rx_pkts, rx_bytes; /* received by workers */
	uint64_t tx_pkts, tx_bytes; /* accepted by the port's tx */
	uint64_t tx_drops;	    /* tx_full + port_down + hairpin towards it */
	/* link as the last poll saw it (vhost: link_up = ready) */
	bool link_up, link_full_duplex, link_autoneg;
	uint32_t link_speed;	  /* Mbit/s, 0 unknown */
	uint64_t link_changes;	  /* up <-> down */
	struct vs_port_stats dev; /* device counters (imissed, rx_nombuf, ...) */
};

struct vs_switch_worker_stats {
	uint32_t lcore;
	struct vs_cls_ctx_stats cls; /* EMC / subtable counters of its classifier ctx */
	uint64_t rx_pkts, tx_pkts;
	uint64_t busy_cycles, idle_cycles, loops;
	uint64_t generation;
	uint64_t drops[VS_DROP_MAX];
	uint64_t stage_cycles[VS_STAGE_MAX]; /* enum vs_stage */
	uint64_t bursts[VS_BURST_HIST];	     /* rx bursts of 1, 2-3, 4-7, 8-15, 16-31, 32 */
	uint16_t n_rxq;
	struct vs_rxq_load rxq[VS_WORKER_MAX_RXQ];
};

struct vs_switch_stats {
	uint64_t tsc; /* rte_rdtsc() when taken */
	uint64_t tsc_hz;
	uint16_t n_ports; /* entries of port[] (ids < n_ports) */
	uint16_t n_workers;
	struct vs_switch_port_stats port[VS_PORT_MAX];
	struct vs_switch_worker_stats worker[VS_CFG_MAX_WORKERS];
	uint64_t drops[VS_DROP_MAX]; /* all workers */
	uint64_t total_drops;
	/* the normal action's MAC table (l2/) */
	uint64_t l2_learned, l2_moved, l2_aged;
	uint64_t l2_full;    /* learn refused: table full (the packets still flood) */
	uint64_t l2_lost;    /* learn events a full worker ring refused */
	uint64_t l2_flooded; /* packets the normal action flooded */
	uint64_t l2_entries; /* gauge */
	/* VXLAN tunnels (tunnel/) */
	uint64_t tun_encap;	     /* frames encapsulated (once per remote) */
	uint64_t tun_decap;	     /* frames decapsulated */
	uint64_t tun_neigh_requests; /* ARP requests / neighbour solicitations sent */
	uint64_t tun_neigh_answered; /* ARP requests / solicitations for a local_ip answered */
};

/* Aggregate every worker's counters (control thread). 0 or -errno. */
int vs_switch_stats(struct vs_switch *sw, struct vs_switch_stats *out);

/* ---- packet-in / packet-out (control thread) ---- */

/* Table misses: to the workers' packet-in rings (true) or dropped. */
void vs_switch_set_table_miss(struct vs_switch *sw, bool to_controller);
/* Offset of struct vs_pktio_meta in an mbuf (vs_pktio_meta_of). */
int vs_switch_pktio_off(const struct vs_switch *sw);
/* Take up to max packet-ins from the workers' rings; the caller frees them. */
unsigned vs_switch_pktin_take(struct vs_switch *sw, struct rte_mbuf **pkts, unsigned max);
/*
 * Queue m (its vs_pktio_meta out and in_port set) for transmission by
 * worker 0 through its own tx path. 0, -ENODEV (no worker running) or
 * -ENOBUFS (ring full); on error m is still the caller's.
 */
int vs_switch_packet_out(struct vs_switch *sw, struct rte_mbuf *m);

#endif /* VS_SWITCH_H */
