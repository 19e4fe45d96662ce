/* SPDX-License-Identifier: BSD-3-Clause */
/* VXLAN encap and decap (fast path): no logging, allocation or syscalls. */
#include <string.h>

#include <rte_arp.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "tunnel_dp.h"

#define VXLAN_FLAG_I	0x08000000u /* vx_flags: the VNI is valid */
#define ICMP6_NS	135
#define ICMP6_NA	136
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_UDP_	17
#define SPORT_MIN	49152u

/* ---- decap ---- */

/* Index + 1 of the tunnel of underlay u with this VNI; 0 when none. */
static inline unsigned
tun_by_vni(const struct vs_tun_dp *dp, uint16_t u, uint32_t vni)
{
	uint16_t i;

	for (i = 0; i < dp->n; i++)
		if (dp->t[i].underlay == u && dp->t[i].vni == vni)
			return i + 1u;
	return 0;
}

/* The local address, port and family of underlay u (its first tunnel). */
static inline const struct vs_tun_port_dp *
tun_of_underlay(const struct vs_tun_dp *dp, uint16_t u)
{
	uint16_t i;

	for (i = 0; i < dp->n; i++)
		if (dp->t[i].underlay == u)
			return &dp->t[i];
	return NULL;
}

static inline uint8_t
remote_index(const struct vs_tun_port_dp *t, const uint8_t *ip, unsigned len)
{
	uint8_t r;

	for (r = 0; r < t->n_remotes; r++)
		if (memcmp(t->remotes[r].ip, ip, len) == 0)
			return r;
	return VS_TUN_REMOTE_NONE;
}

/* The VXLAN header at off (UDP already checked): strip and find the tunnel. */
static void
decap_vxlan(const struct vs_tun_dp *dp, uint16_t underlay, struct rte_mbuf *m, uint32_t off,
	    const uint8_t *src, unsigned alen, struct vs_tun_rx_meta *meta)
{
	const struct rte_vxlan_hdr *vx;
	const struct vs_tun_port_dp *t;
	unsigned k;

	if (unlikely(rte_pktmbuf_data_len(m) < off + sizeof(*vx) + RTE_ETHER_HDR_LEN)) {
		meta->cls = VS_TUN_RX_DROP;
		meta->reason = VS_DROP_TUN_SHORT;
		return;
	}
	vx = rte_pktmbuf_mtod_offset(m, const struct rte_vxlan_hdr *, off);
	if (unlikely(!(rte_be_to_cpu_32(vx->vx_flags) & VXLAN_FLAG_I))) {
		meta->cls = VS_TUN_RX_DROP;
		meta->reason = VS_DROP_TUN_BAD_HEADER;
		return;
	}
	k = tun_by_vni(dp, underlay, rte_be_to_cpu_32(vx->vx_vni) >> 8);
	if (unlikely(k == 0)) {
		meta->cls = VS_TUN_RX_DROP;
		meta->reason = VS_DROP_TUN_BAD_VNI;
		return;
	}
	t = &dp->t[k - 1];
	meta->remote = remote_index(t, src, alen);
	if (unlikely(meta->remote == VS_TUN_REMOTE_NONE)) {
		meta->cls = VS_TUN_RX_DROP;
		meta->reason = VS_DROP_TUN_UNKNOWN_REMOTE;
		return;
	}
	rte_pktmbuf_adj(m, (uint16_t)(off + sizeof(*vx)));
	/* The inner frame is a new packet: no offload flags of the outer one. */
	m->ol_flags = 0;
	m->packet_type = 0;
	meta->cls = VS_TUN_RX_DECAP;
	meta->tun = (uint8_t)(k - 1);
}

static void
classify_ipv4(const struct vs_tun_dp *dp, const struct vs_tun_port_dp *u, struct rte_mbuf *m,
	      struct vs_tun_rx_meta *meta)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	uint32_t len = rte_pktmbuf_data_len(m), ihl;

	if (len < RTE_ETHER_HDR_LEN + sizeof(*ip))
		return; /* the pipeline names it malformed */
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	if (memcmp(&ip->dst_addr, u->local_ip, 4) != 0 || ip->next_proto_id != IPPROTO_UDP_)
		return;
	ihl = rte_ipv4_hdr_len(ip);
	if (len < RTE_ETHER_HDR_LEN + ihl + sizeof(*udp))
		return;
	udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, RTE_ETHER_HDR_LEN + ihl);
	if (rte_be_to_cpu_16(udp->dst_port) != u->dst_port)
		return;
	/* VXLAN for us from here on: drop what is not a good one, by name. */
	meta->cls = VS_TUN_RX_DROP;
	meta->reason = VS_DROP_TUN_BAD_HEADER;
	if (ihl < sizeof(*ip) || (ip->version_ihl >> 4) != 4 ||
	    (rte_be_to_cpu_16(ip->fragment_offset) &
	     (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
		return;
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	     rte_ipv4_cksum(ip) != 0))
		return;
	if (rte_be_to_cpu_16(ip->total_length) > rte_pktmbuf_pkt_len(m) - RTE_ETHER_HDR_LEN ||
	    rte_be_to_cpu_16(udp->dgram_len) + ihl > rte_be_to_cpu_16(ip->total_length)) {
		meta->reason = VS_DROP_TUN_SHORT;
		return;
	}
	decap_vxlan(dp, u->underlay, m, RTE_ETHER_HDR_LEN + ihl + sizeof(*udp),
		    (const uint8_t *)&ip->src_addr, 4, meta);
}

static void
classify_ipv6(const struct vs_tun_dp *dp, const struct vs_tun_port_dp *u, struct rte_mbuf *m,
	      struct vs_tun_rx_meta *meta)
{
	const struct rte_ipv6_hdr *ip;
	const struct rte_udp_hdr *udp;
	uint32_t len = rte_pktmbuf_data_len(m);

	if (len < RTE_ETHER_HDR_LEN + sizeof(*ip) + 8)
		return;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, RTE_ETHER_HDR_LEN);
	if (ip->proto == IPPROTO_ICMPV6_) {
		const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(ip + 1);

		/* A solicitation for the local address, an advertisement to it
		 * (the answer to one of ours). */
		if (len < RTE_ETHER_HDR_LEN + sizeof(*ip) + 8 + 16)
			return;
		if ((ic->icmp_type == ICMP6_NS &&
		     memcmp((const uint8_t *)ic + 8, u->local_ip, 16) == 0) ||
		    (ic->icmp_type == ICMP6_NA && memcmp(ip->dst_addr, u->local_ip, 16) == 0))
			meta->cls = VS_TUN_RX_CTL;
		return;
	}
	if (ip->proto != IPPROTO_UDP_ || memcmp(ip->dst_addr, u->local_ip, 16) != 0)
		return;
	udp = (const struct rte_udp_hdr *)(ip + 1);
	if (rte_be_to_cpu_16(udp->dst_port) != u->dst_port)
		return;
	if (rte_be_to_cpu_16(ip->payload_len) >
		rte_pktmbuf_pkt_len(m) - RTE_ETHER_HDR_LEN - sizeof(*ip) ||
	    rte_be_to_cpu_16(udp->dgram_len) > rte_be_to_cpu_16(ip->payload_len)) {
		meta->cls = VS_TUN_RX_DROP;
		meta->reason = VS_DROP_TUN_SHORT;
		return;
	}
	decap_vxlan(dp, u->underlay, m, RTE_ETHER_HDR_LEN + sizeof(*ip) + sizeof(*udp),
		    ip->src_addr, 16, meta);
}

void
vs_tun_rx_classify(const struct vs_tun_dp *dp, uint16_t underlay, struct rte_mbuf **pkts,
		   uint16_t n, struct vs_tun_rx_meta *meta)
{
	const struct vs_tun_port_dp *u = tun_of_underlay(dp, underlay);
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh;
		uint16_t type;

		meta[i].cls = VS_TUN_RX_PLAIN;
		if (unlikely(u == NULL || rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN))
			continue;
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		type = rte_be_to_cpu_16(eh->ether_type);
		if (type == RTE_ETHER_TYPE_IPV4 && u->family == 4) {
			classify_ipv4(dp, u, m, &meta[i]);
		} else if (type == RTE_ETHER_TYPE_IPV6 && u->family == 6) {
			classify_ipv6(dp, u, m, &meta[i]);
		} else if (type == RTE_ETHER_TYPE_ARP && u->family == 4 &&
			   rte_pktmbuf_data_len(m) >=
			       RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr)) {
			const struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(
			    m, const struct rte_arp_hdr *, RTE_ETHER_HDR_LEN);

			if (memcmp(&a->arp_data.arp_tip, u->local_ip, 4) == 0)
				meta[i].cls = VS_TUN_RX_CTL;
		}
	}
}

/* ---- encap ---- */

/* The inner flow's hash: the receiving NIC's RSS hash when it gave one, else
 * a CRC of the inner MACs, addresses and ports (what stays the same for
 * every packet of a flow, so a flow keeps its source port). */
static inline uint32_t
inner_hash(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), h, off = RTE_ETHER_HDR_LEN, w;
	uint64_t a[4]; /* rte_hash_crc reads 8 bytes at a time: aligned copies */
	uint16_t type;

	if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
		return m->hash.rss;
	if (len < RTE_ETHER_HDR_LEN)
		return 0;
	memcpy(a, p, 12);
	h = rte_hash_crc(a, 12, 0);
	type = (uint16_t)(p[12] << 8 | p[13]);
	if (type == RTE_ETHER_TYPE_VLAN && len >= off + 4) {
		type = (uint16_t)(p[16] << 8 | p[17]);
		off += 4;
	}
	if (type == RTE_ETHER_TYPE_IPV4 && len >= off + 20) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + off);
		uint32_t ihl = rte_ipv4_hdr_len(ip);

		memcpy(a, &ip->src_addr, 8);
		h = rte_hash_crc(a, 8, h);
		h = rte_hash_crc_1byte(ip->next_proto_id, h);
		if ((ip->next_proto_id == 6 || ip->next_proto_id == 17) && len >= off + ihl + 4 &&
		    !(rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK))
			memcpy(&w, p + off + ihl, 4), h = rte_hash_crc_4byte(w, h);
	} else if (type == RTE_ETHER_TYPE_IPV6 && len >= off + 40) {
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(p + off);

		memcpy(a, ip->src_addr, 32);
		h = rte_hash_crc(a, 32, h);
		h = rte_hash_crc_1byte(ip->proto, h);
		if ((ip->proto == 6 || ip->proto == 17) && len >= off + 44)
			memcpy(&w, p + off + 40, 4), h = rte_hash_crc_4byte(w, h);
	}
	return h;
}

void
vs_tun_port_prepare(struct vs_tun_port_dp *t)
{
	uint8_t r;

	for (r = 0; r < t->n_remotes; r++) {
		struct vs_tun_remote_dp *rm = &t->remotes[r];
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)(void *)rm->hdr;
		struct rte_udp_hdr *udp;
		struct rte_vxlan_hdr *vx;

		memset(rm->hdr, 0, sizeof(rm->hdr));
		memcpy(eh->dst_addr.addr_bytes, rm->mac, RTE_ETHER_ADDR_LEN);
		memcpy(eh->src_addr.addr_bytes, t->src_mac, RTE_ETHER_ADDR_LEN);
		rm->ip_sum = 0;
		if (t->family == 4) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

			eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
			ip->version_ihl = RTE_IPV4_VHL_DEF;
			ip->fragment_offset = t->df ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
			ip->time_to_live = t->ttl;
			ip->next_proto_id = IPPROTO_UDP_;
			memcpy(&ip->src_addr, t->local_ip, 4);
			memcpy(&ip->dst_addr, rm->ip, 4);
			/* total_length and hdr_checksum are zero: encap adds the
			 * length to this sum and folds it */
			rm->ip_sum = __rte_raw_cksum(ip, sizeof(*ip), 0);
			udp = (struct rte_udp_hdr *)(ip + 1);
		} else {
			struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eh + 1);

			eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
			ip->proto = IPPROTO_UDP_;
			ip->hop_limits = t->ttl;
			memcpy(ip->src_addr, t->local_ip, 16);
			memcpy(ip->dst_addr, rm->ip, 16);
			udp = (struct rte_udp_hdr *)(ip + 1);
		}
		udp->dst_port = rte_cpu_to_be_16(t->dst_port);
		vx = (struct rte_vxlan_hdr *)(udp + 1);
		vx->vx_flags = rte_cpu_to_be_32(VXLAN_FLAG_I);
		vx->vx_vni = rte_cpu_to_be_32(t->vni << 8);
	}
}

enum vs_drop_reason
vs_tun_encap(const struct vs_tun_port_dp *t, uint8_t r, struct rte_mbuf *m)
{
	const struct vs_tun_remote_dp *rm = &t->remotes[r];
	uint32_t inner = rte_pktmbuf_pkt_len(m);
	uint16_t sport = (uint16_t)(SPORT_MIN + (inner_hash(m) & 0x3fffu));
	struct rte_ether_hdr *eh;
	struct rte_udp_hdr *udp;

	if (unlikely(!rm->resolved))
		return VS_DROP_TUN_NO_NEIGHBOUR;
	if (t->family == 4) {
		struct rte_ipv4_hdr *ip;

		if (unlikely(rte_pktmbuf_headroom(m) < VS_TUN_HDR_V4 || RTE_MBUF_DIRECT(m) == 0 ||
			     rte_mbuf_refcnt_read(m) != 1))
			return VS_DROP_TUN_NO_HEADROOM;
		/* the template, then what differs per packet */
		eh = (struct rte_ether_hdr *)(void *)rte_pktmbuf_prepend(m, VS_TUN_HDR_V4);
		memcpy(eh, rm->hdr, VS_TUN_HDR_V4);
		ip = (struct rte_ipv4_hdr *)(eh + 1);
		ip->total_length =
		    rte_cpu_to_be_16((uint16_t)(VS_TUN_HDR_V4 - RTE_ETHER_HDR_LEN + inner));
		if (t->hw_ipv4_cksum) {
			m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
			m->l3_len = sizeof(*ip);
		} else {
			ip->hdr_checksum =
			    (uint16_t)~__rte_raw_cksum_reduce(rm->ip_sum + ip->total_length);
			m->ol_flags = 0;
		}
		udp = (struct rte_udp_hdr *)(ip + 1);
		udp->src_port = rte_cpu_to_be_16(sport);
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + 8 + inner));
	} else {
		struct rte_ipv6_hdr *ip;

		if (unlikely(rte_pktmbuf_headroom(m) < VS_TUN_HDR_V6 || RTE_MBUF_DIRECT(m) == 0 ||
			     rte_mbuf_refcnt_read(m) != 1))
			return VS_DROP_TUN_NO_HEADROOM;
		eh = (struct rte_ether_hdr *)(void *)rte_pktmbuf_prepend(m, VS_TUN_HDR_V6);
		memcpy(eh, rm->hdr, VS_TUN_HDR_V6);
		ip = (struct rte_ipv6_hdr *)(eh + 1);
		/* Flow label from the same hash (RFC 6438). */
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (sport & 0xfffffu));
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(8 + 8 + inner));
		udp = (struct rte_udp_hdr *)(ip + 1);
		udp->src_port = rte_cpu_to_be_16(sport);
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + 8 + inner));
		/* IPv6 forbids a zero UDP checksum unless the receiver opts in
		 * (Linux: udp6zerocsumrx), so compute it. */
		udp->dgram_cksum = rte_ipv6_udptcp_cksum_mbuf(m, ip, RTE_ETHER_HDR_LEN + 40);
		m->ol_flags = 0;
	}
	m->l2_len = RTE_ETHER_HDR_LEN;
	return VS_DROP_NONE;
}
