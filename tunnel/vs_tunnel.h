/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VXLAN tunnel endpoints, control side: the vxlan port type, the underlay
 * neighbour table (ARP for IPv4, neighbour discovery for IPv6) and the
 * fast-path state (tunnel_dp.h) built from both.
 *
 * The switch hands the tunnels over after every apply (vs_tun_set), passes
 * the ARP / ND frames its workers set aside (vs_tun_input) and calls
 * vs_tun_tick periodically. The module resolves every remote VTEP's MAC
 * itself: a request every second while unresolved; once resolved, one
 * unheard of for VS_TUN_REFRESH_MS is probed VS_TUN_PROBES times a second
 * apart, then forgotten (unresolved again). It answers ARP requests and neighbour
 * solicitations for each underlay's local address. Frames it makes leave
 * through the send callback (the switch's packet-out path: a worker's own tx
 * queue, never one of the control thread's).
 *
 * Every function runs on the control thread.
 */
#ifndef VS_TUNNEL_H
#define VS_TUNNEL_H

#include <stdint.h>

#include "tunnel_dp.h"
#include "vs_config.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_rcu_qsbr;
struct vs_port_ops;
struct vs_tun;

#define VS_TUN_RETRY_MS	  1000	/* request again while unresolved */
#define VS_TUN_REFRESH_MS 60000 /* re-request a resolved neighbour unheard of this long */
#define VS_TUN_PROBES	  3	/* ... that many times, a second apart, then forget its MAC */
#define VS_TUN_MAX_NEIGH  1024	/* neighbour table entries */

/* Send frame m out of switch port `port` (0 or -errno; on error m is still
 * the caller's). */
typedef int (*vs_tun_send_fn)(void *arg, uint16_t port, struct rte_mbuf *m);

/* One vxlan port as the switch made it. */
struct vs_tun_spec {
	const struct vs_cfg_port *cfg;
	uint16_t port;	   /* switch port id of the tunnel */
	uint16_t underlay; /* switch port id of the underlay */
	uint8_t underlay_mac[6];
	bool hw_ipv4_cksum; /* the underlay's device computes outer IPv4 checksums */
};

/* The vxlan port type's operations (no queues: its packets leave and come
 * in through its underlay, handled by the workers). */
const struct vs_port_ops *vs_tun_port_ops(void);

/* *slot is where the workers read the fast-path state (the switch's shared
 * state); pool gives the mbufs of the frames the module makes. NULL and
 * errno on failure. */
struct vs_tun *vs_tun_create(struct rte_rcu_qsbr *qsbr, struct vs_tun_dp **slot,
			     struct rte_mempool *pool, vs_tun_send_fn send, void *send_arg);
/* Accepts NULL. Unpublishes and frees the fast-path state. */
void vs_tun_destroy(struct vs_tun *t);

/* The tunnels now: rebuild and publish the fast-path state (neighbours of
 * addresses still in use are kept). 0 or -ENOMEM (nothing changed). */
int vs_tun_set(struct vs_tun *t, const struct vs_tun_spec *specs, unsigned n);

/* An ARP or ND frame a worker set aside, received on port in_port: answer
 * requests for the local address, learn the sender. Frees m. */
void vs_tun_input(struct vs_tun *t, struct rte_mbuf *m, uint16_t in_port);

/* Send what is due (requests for unresolved or stale neighbours) at
 * monotonic time now_ms. */
void vs_tun_tick(struct vs_tun *t, uint64_t now_ms);

/* ---- show ---- */

enum vs_tun_neigh_state {
	VS_TUN_NEIGH_INCOMPLETE = 0, /* asked, no answer yet */
	VS_TUN_NEIGH_REACHABLE,	     /* answered */
	VS_TUN_NEIGH_STATIC,	     /* remote_mac from the config */
};

struct vs_tun_neigh_info {
	struct vs_cfg_ip ip;
	uint16_t underlay; /* switch port id */
	uint8_t mac[6];
	enum vs_tun_neigh_state state;
	uint64_t age_ms;   /* since the last answer (REACHABLE) */
	uint64_t requests; /* ARP requests / solicitations sent */
	uint64_t replies;  /* answers received */
};

struct vs_tun_stats {
	uint64_t arp_in, arp_replied, nd_in, nd_replied;
	uint64_t requests_sent, send_failed;
	uint64_t publishes; /* fast-path states published */
};

/* Neighbour i (0 <= i): 0, or -ENOENT past the last. */
int vs_tun_neigh_get(const struct vs_tun *t, unsigned i, uint64_t now_ms,
		     struct vs_tun_neigh_info *out);
/* The published fast-path state (read-only; valid until the next vs_tun_set
 * or neighbour change on this thread). */
const struct vs_tun_dp *vs_tun_dp_get(const struct vs_tun *t);
void vs_tun_stats_get(const struct vs_tun *t, struct vs_tun_stats *out);
const char *vs_tun_neigh_state_str(enum vs_tun_neigh_state s);

#endif /* VS_TUNNEL_H */
