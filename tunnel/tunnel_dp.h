/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VXLAN tunnel endpoints (RFC 7348) as the fast path sees them.
 *
 * The control thread (tunnel.c) builds one immutable struct vs_tun_dp from
 * the vxlan ports and the neighbour table (each remote VTEP's next-hop MAC),
 * publishes it with a release store into the switch's shared state and frees
 * the previous one after an rte_rcu_qsbr grace period. Workers load it once
 * when they need it and never write it.
 *
 * Encap (vs_tun_encap): outer Ethernet / IPv4 or IPv6 / UDP / VXLAN in the
 * inner frame's headroom; UDP source port from the inner flow hash (RFC 7348
 * section 5: 49152..65535), outer IPv4 checksum with rte_ipv4_cksum, UDP
 * checksum 0 over IPv4 (RFC 7348) and computed over IPv6 (RFC 8200).
 *
 * Decap (vs_tun_rx_classify): a burst received on an underlay is sorted into
 * frames for the pipeline as they are, ARP / neighbour discovery for the
 * local address (to the control thread), VXLAN to local_ip:dst_port from a
 * configured remote with a known VNI (stripped to the inner frame, which
 * enters the pipeline as received on the tunnel port), and named drops.
 */
#ifndef VS_TUNNEL_DP_H
#define VS_TUNNEL_DP_H

#include <stdint.h>

#include <rte_common.h>

#include "vs_config.h"
#include "vs_drop.h"

struct rte_mbuf;
struct rte_mempool;

/* Outer headers: Ethernet + IPv4 / IPv6 + UDP + VXLAN. */
#define VS_TUN_HDR_V4 (14 + 20 + 8 + 8)
#define VS_TUN_HDR_V6 (14 + 40 + 8 + 8)
/* No remote index: the VTEP a learned MAC lives behind is not known. */
#define VS_TUN_REMOTE_NONE 0xff

struct vs_tun_remote_dp {
	uint8_t ip[16];	  /* network order; IPv4 in the first 4 bytes */
	uint8_t mac[6];	  /* next hop on the underlay */
	uint8_t resolved; /* mac is valid (static, or ARP / ND answered) */
	/* The outer headers to this remote with the per-packet fields zero
	 * (lengths, UDP source port, IPv6 flow label, checksums), and the raw
	 * sum of its IPv4 header: made by vs_tun_port_prepare, copied by encap. */
	uint32_t ip_sum;
	uint8_t hdr[VS_TUN_HDR_V6];
};

/* One vxlan port. */
struct vs_tun_port_dp {
	uint16_t port;	   /* switch port id of the tunnel */
	uint16_t underlay; /* switch port id of its ethdev underlay */
	uint32_t vni;
	uint16_t dst_port; /* host order */
	uint8_t family;	   /* 4 or 6 */
	uint8_t ttl;
	uint8_t df;
	uint8_t n_remotes;
	uint8_t hw_ipv4_cksum; /* the underlay's device computes the outer IPv4 checksum */
	uint8_t src_mac[6];    /* the underlay's MAC */
	uint8_t local_ip[16];
	struct vs_tun_remote_dp remotes[VS_CFG_MAX_REMOTES];
};

struct vs_tun_dp {
	uint64_t underlay_mask;		   /* bit id: an ethdev port that is an underlay */
	uint8_t by_port[VS_CFG_MAX_PORTS]; /* tunnel port id -> index + 1 in t[]; 0: none */
	uint16_t n;
	struct vs_tun_port_dp t[VS_CFG_MAX_PORTS];
};

/* Where vs_tun_rx_classify sends each frame. */
enum vs_tun_rx {
	VS_TUN_RX_PLAIN = 0, /* not ours: the pipeline, on the underlay port */
	VS_TUN_RX_DECAP,     /* stripped: the pipeline, on t[tun].port */
	VS_TUN_RX_CTL,	     /* ARP / ND for the local address: the control thread */
	VS_TUN_RX_DROP,	     /* drop: reason[i] */
};

/* What decap learned of a frame (tun_id and tun_src of the flow). */
struct vs_tun_rx_meta {
	uint8_t cls;	/* enum vs_tun_rx */
	uint8_t tun;	/* DECAP: index in dp->t */
	uint8_t remote; /* DECAP: index of the sending VTEP in its remotes */
	uint8_t reason; /* DROP: enum vs_drop_reason */
};

/* Sort n frames received on underlay port `underlay`; DECAP frames are
 * stripped to their inner frame in place. */
void vs_tun_rx_classify(const struct vs_tun_dp *dp, uint16_t underlay, struct rte_mbuf **pkts,
			uint16_t n, struct vs_tun_rx_meta *meta);

/* Make t's header templates (after its addresses, MACs, ttl, df, VNI or
 * destination port change; publishing does). */
void vs_tun_port_prepare(struct vs_tun_port_dp *t);

/*
 * Encapsulate m towards remote r of tunnel t (prepared). Returns VS_DROP_NONE, or the
 * reason m cannot go (its next hop is not resolved, no headroom); m is not
 * freed either way.
 */
enum vs_drop_reason vs_tun_encap(const struct vs_tun_port_dp *t, uint8_t r, struct rte_mbuf *m);

#endif /* VS_TUNNEL_DP_H */
