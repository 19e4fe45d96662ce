/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VXLAN tunnels, control side: the vxlan port type, the neighbour table of
 * the underlays (ARP, IPv6 neighbour discovery) and the fast-path state.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "vs_port.h"
#include "vs_tunnel.h"

RTE_LOG_REGISTER_DEFAULT(vs_tunnel_logtype, NOTICE);
#define VS_TUN_LOG(level, ...)                                                                     \
	rte_log(RTE_LOG_##level, vs_tunnel_logtype,                                                \
		RTE_FMT("tunnel: " RTE_FMT_HEAD(__VA_ARGS__, ) "\n", RTE_FMT_TAIL(__VA_ARGS__, )))

#define ICMP6_NS	135
#define ICMP6_NA	136
#define ND_OPT_SRC_LL	1
#define ND_OPT_TGT_LL	2
#define IPPROTO_ICMPV6_ 58
#define ND_HDR_LEN	(8 + 16)	 /* type, code, cksum, flags/reserved, target */
#define ND_LEN		(ND_HDR_LEN + 8) /* with one link-layer address option */

struct tun_neigh {
	bool used;
	uint16_t underlay;
	struct vs_cfg_ip ip;
	uint8_t mac[6];
	enum vs_tun_neigh_state state;
	uint64_t updated_ms; /* last answer */
	uint64_t req_ms;     /* last request sent */
	bool req_sent;
	uint64_t requests, replies;
};

struct vs_tun {
	struct rte_rcu_qsbr *qsbr;
	struct vs_tun_dp **slot; /* published state: dp ro, ctl rw */
	struct rte_mempool *pool;
	vs_tun_send_fn send;
	void *send_arg;
	/* The tunnels as set, remotes unresolved (resolution is applied on
	 * every publish). */
	uint16_t n;
	struct vs_tun_port_dp ports[VS_CFG_MAX_PORTS];
	bool has_static[VS_CFG_MAX_PORTS];
	uint8_t static_mac[VS_CFG_MAX_PORTS][6];
	struct tun_neigh neigh[VS_TUN_MAX_NEIGH];
	uint64_t now_ms;
	struct vs_tun_stats st;
};

/* ---- the vxlan port type ---- */

static int
vxlan_port_create(struct vs_port *port, const struct vs_cfg_port *cfg,
		  const struct vs_port_params *p)
{
	/* Nothing to poll: its frames come in on the underlay, and workers
	 * encapsulate what goes out to it into the underlay's tx buffer. */
	port->n_rxq = 0;
	port->n_txq = 1;
	return 0;
}

static int
vxlan_port_start(struct vs_port *port)
{
	__atomic_store_n(&port->ready, true, __ATOMIC_RELEASE);
	return 0;
}

static int
vxlan_port_stop(struct vs_port *port)
{
	__atomic_store_n(&port->ready, false, __ATOMIC_RELEASE);
	return 0;
}

static const struct vs_port_ops vxlan_ops = {
    .type_name = "vxlan",
    .create = vxlan_port_create,
    .start = vxlan_port_start,
    .stop = vxlan_port_stop,
};

const struct vs_port_ops *
vs_tun_port_ops(void)
{
	return &vxlan_ops;
}

/* ---- publish ---- */

static struct tun_neigh *
neigh_find(struct vs_tun *t, uint16_t underlay, uint8_t family, const uint8_t *ip)
{
	unsigned i, len = family == 4 ? 4 : 16;

	for (i = 0; i < VS_TUN_MAX_NEIGH; i++) {
		struct tun_neigh *nb = &t->neigh[i];

		if (nb->used && nb->underlay == underlay && nb->ip.family == family &&
		    memcmp(nb->ip.addr, ip, len) == 0)
			return nb;
	}
	return NULL;
}

static int
publish(struct vs_tun *t)
{
	struct vs_tun_dp *dp, *old;
	uint16_t i, r;

	dp = rte_zmalloc("vs_tun_dp", sizeof(*dp), RTE_CACHE_LINE_SIZE);
	if (dp == NULL)
		return -ENOMEM;
	dp->n = t->n;
	for (i = 0; i < t->n; i++) {
		struct vs_tun_port_dp *p = &dp->t[i];

		*p = t->ports[i];
		dp->by_port[p->port] = (uint8_t)(i + 1);
		dp->underlay_mask |= UINT64_C(1) << p->underlay;
		for (r = 0; r < p->n_remotes; r++) {
			struct vs_tun_remote_dp *rm = &p->remotes[r];
			const struct tun_neigh *nb;

			if (t->has_static[i]) {
				memcpy(rm->mac, t->static_mac[i], 6);
				rm->resolved = 1;
				continue;
			}
			nb = neigh_find(t, p->underlay, p->family, rm->ip);
			if (nb != NULL && nb->state == VS_TUN_NEIGH_REACHABLE) {
				memcpy(rm->mac, nb->mac, 6);
				rm->resolved = 1;
			}
		}
		vs_tun_port_prepare(p);
	}
	old = __atomic_exchange_n(t->slot, dp, __ATOMIC_ACQ_REL);
	if (old != NULL) {
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		rte_free(old);
	}
	t->st.publishes++;
	return 0;
}

/* ---- create / set ---- */

struct vs_tun *
vs_tun_create(struct rte_rcu_qsbr *qsbr, struct vs_tun_dp **slot, struct rte_mempool *pool,
	      vs_tun_send_fn send, void *send_arg)
{
	struct vs_tun *t;

	if (qsbr == NULL || slot == NULL || pool == NULL || send == NULL) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t->qsbr = qsbr;
	t->slot = slot;
	t->pool = pool;
	t->send = send;
	t->send_arg = send_arg;
	return t;
}

void
vs_tun_destroy(struct vs_tun *t)
{
	struct vs_tun_dp *old;

	if (t == NULL)
		return;
	old = __atomic_exchange_n(t->slot, NULL, __ATOMIC_ACQ_REL);
	if (old != NULL) {
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		rte_free(old);
	}
	free(t);
}

static bool
neigh_in_use(const struct vs_tun *t, const struct tun_neigh *nb)
{
	uint16_t i, r;

	for (i = 0; i < t->n; i++) {
		const struct vs_tun_port_dp *p = &t->ports[i];

		if (t->has_static[i] || p->underlay != nb->underlay || p->family != nb->ip.family)
			continue;
		for (r = 0; r < p->n_remotes; r++)
			if (memcmp(p->remotes[r].ip, nb->ip.addr, 16) == 0)
				return true;
	}
	return false;
}

int
vs_tun_set(struct vs_tun *t, const struct vs_tun_spec *specs, unsigned n)
{
	struct vs_tun_port_dp *ports;
	uint16_t i, r;
	unsigned k;
	int rc;

	if (n > VS_CFG_MAX_PORTS)
		return -EINVAL;
	ports = calloc(VS_CFG_MAX_PORTS, sizeof(*ports));
	if (ports == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct vs_cfg_port *c = specs[i].cfg;
		struct vs_tun_port_dp *p = &ports[i];

		p->port = specs[i].port;
		p->underlay = specs[i].underlay;
		p->vni = c->vni;
		p->dst_port = c->dst_port;
		p->family = c->local_ip.family;
		p->ttl = c->ttl;
		p->df = c->df;
		p->n_remotes = (uint8_t)c->n_remotes;
		p->hw_ipv4_cksum = specs[i].hw_ipv4_cksum;
		memcpy(p->src_mac, specs[i].underlay_mac, 6);
		memcpy(p->local_ip, c->local_ip.addr, 16);
		for (r = 0; r < c->n_remotes; r++)
			memcpy(p->remotes[r].ip, c->remote_ips[r].addr, 16);
	}
	memcpy(t->ports, ports, sizeof(t->ports));
	free(ports);
	t->n = (uint16_t)n;
	for (i = 0; i < n; i++) {
		t->has_static[i] = specs[i].cfg->has_remote_mac;
		memcpy(t->static_mac[i], specs[i].cfg->remote_mac.b, 6);
	}
	/* Neighbours: forget those no tunnel needs, add the new ones. */
	for (k = 0; k < VS_TUN_MAX_NEIGH; k++)
		if (t->neigh[k].used && !neigh_in_use(t, &t->neigh[k]))
			memset(&t->neigh[k], 0, sizeof(t->neigh[k]));
	for (i = 0; i < n; i++) {
		const struct vs_tun_port_dp *p = &t->ports[i];

		if (t->has_static[i])
			continue;
		for (r = 0; r < p->n_remotes; r++) {
			if (neigh_find(t, p->underlay, p->family, p->remotes[r].ip) != NULL)
				continue;
			for (k = 0; k < VS_TUN_MAX_NEIGH && t->neigh[k].used; k++)
				;
			if (k == VS_TUN_MAX_NEIGH)
				return -ENOSPC;
			t->neigh[k].used = true;
			t->neigh[k].underlay = p->underlay;
			t->neigh[k].ip.family = p->family;
			memcpy(t->neigh[k].ip.addr, p->remotes[r].ip, 16);
			t->neigh[k].state = VS_TUN_NEIGH_INCOMPLETE;
		}
	}
	rc = publish(t);
	if (rc == 0)
		vs_tun_tick(t, t->now_ms);
	return rc;
}

/* ---- frames we make ---- */

/* The tunnel whose underlay is `port` and family `family` (the local
 * address and MAC of that underlay), or NULL. */
static const struct vs_tun_port_dp *
underlay_of(const struct vs_tun *t, uint16_t port, uint8_t family)
{
	uint16_t i;

	for (i = 0; i < t->n; i++)
		if (t->ports[i].underlay == port && t->ports[i].family == family)
			return &t->ports[i];
	return NULL;
}

static struct rte_mbuf *
frame_alloc(struct vs_tun *t, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t->pool);

	if (m == NULL)
		return NULL;
	if (rte_pktmbuf_append(m, len) == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(rte_pktmbuf_mtod(m, void *), 0, len);
	return m;
}

static void
frame_send(struct vs_tun *t, uint16_t port, struct rte_mbuf *m)
{
	if (t->send(t->send_arg, port, m) < 0) {
		t->st.send_failed++;
		rte_pktmbuf_free(m);
	}
}

/* An ARP packet from u's underlay: op, target MAC and the two addresses. */
static void
arp_send(struct vs_tun *t, const struct vs_tun_port_dp *u, uint16_t op, const uint8_t *dst_mac,
	 const uint8_t *tha, const uint8_t *tip)
{
	struct rte_mbuf *m = frame_alloc(t, RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr));
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *a;

	if (m == NULL) {
		t->st.send_failed++;
		return;
	}
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memcpy(eh->dst_addr.addr_bytes, dst_mac, 6);
	memcpy(eh->src_addr.addr_bytes, u->src_mac, 6);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(eh + 1);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	memcpy(a->arp_data.arp_sha.addr_bytes, u->src_mac, 6);
	memcpy(&a->arp_data.arp_sip, u->local_ip, 4);
	memcpy(a->arp_data.arp_tha.addr_bytes, tha, 6);
	memcpy(&a->arp_data.arp_tip, tip, 4);
	frame_send(t, u->underlay, m);
}

/* A neighbour solicitation (type 135) or advertisement (136) from u's
 * underlay: to dst_ip / dst_mac, about target, with our MAC as option. */
static void
nd_send(struct vs_tun *t, const struct vs_tun_port_dp *u, uint8_t type, const uint8_t *dst_mac,
	const uint8_t *dst_ip, const uint8_t *target, uint32_t flags)
{
	struct rte_mbuf *m =
	    frame_alloc(t, RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv6_hdr) + ND_LEN);
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip;
	uint8_t *nd;

	if (m == NULL) {
		t->st.send_failed++;
		return;
	}
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memcpy(eh->dst_addr.addr_bytes, dst_mac, 6);
	memcpy(eh->src_addr.addr_bytes, u->src_mac, 6);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eh + 1);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(ND_LEN);
	ip->proto = IPPROTO_ICMPV6_;
	ip->hop_limits = 255;
	memcpy(ip->src_addr, u->local_ip, 16);
	memcpy(ip->dst_addr, dst_ip, 16);
	nd = (uint8_t *)(ip + 1);
	nd[0] = type;
	{
		uint32_t fl = rte_cpu_to_be_32(flags);

		memcpy(nd + 4, &fl, sizeof(fl));
	}
	memcpy(nd + 8, target, 16);
	nd[ND_HDR_LEN] = type == ICMP6_NS ? ND_OPT_SRC_LL : ND_OPT_TGT_LL;
	nd[ND_HDR_LEN + 1] = 1; /* 8 bytes */
	memcpy(nd + ND_HDR_LEN + 2, u->src_mac, 6);
	{
		uint16_t ck = rte_ipv6_udptcp_cksum(ip, nd);

		memcpy(nd + 2, &ck, sizeof(ck));
	}
	frame_send(t, u->underlay, m);
}

static void
request(struct vs_tun *t, struct tun_neigh *nb)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, zero[6];
	const struct vs_tun_port_dp *u = underlay_of(t, nb->underlay, nb->ip.family);

	if (u == NULL)
		return;
	nb->req_ms = t->now_ms;
	nb->req_sent = true;
	nb->requests++;
	t->st.requests_sent++;
	if (nb->ip.family == 4) {
		arp_send(t, u, RTE_ARP_OP_REQUEST, bcast, zero, nb->ip.addr);
	} else if (nb->state == VS_TUN_NEIGH_REACHABLE) {
		/* Refresh: unicast, as the kernel's NUD probes do. */
		nd_send(t, u, ICMP6_NS, nb->mac, nb->ip.addr, nb->ip.addr, 0);
	} else {
		/* To the solicited-node multicast group of the target. */
		uint8_t mac[6] = {0x33,		  0x33, 0xff, nb->ip.addr[13], nb->ip.addr[14],
				  nb->ip.addr[15]};
		uint8_t snm[16] = {0xff,
				   0x02,
				   0,
				   0,
				   0,
				   0,
				   0,
				   0,
				   0,
				   0,
				   0,
				   0x01,
				   0xff,
				   nb->ip.addr[13],
				   nb->ip.addr[14],
				   nb->ip.addr[15]};

		nd_send(t, u, ICMP6_NS, mac, snm, nb->ip.addr, 0);
	}
}

void
vs_tun_tick(struct vs_tun *t, uint64_t now_ms)
{
	bool changed = false;
	unsigned k;

	t->now_ms = now_ms;
	for (k = 0; k < VS_TUN_MAX_NEIGH; k++) {
		struct tun_neigh *nb = &t->neigh[k];

		if (!nb->used || nb->state == VS_TUN_NEIGH_STATIC)
			continue;
		if (nb->state == VS_TUN_NEIGH_REACHABLE) {
			uint64_t age = now_ms - nb->updated_ms;

			if (age < VS_TUN_REFRESH_MS)
				continue;
			if (age < VS_TUN_REFRESH_MS + VS_TUN_PROBES * VS_TUN_RETRY_MS) {
				/* Unheard of for a while: ask again, keep its MAC. */
				if (now_ms - nb->req_ms >= VS_TUN_RETRY_MS)
					request(t, nb);
				continue;
			}
			/* No answer to the probes: gone (its frames are dropped as
			 * tun_no_neighbour until it answers again). */
			nb->state = VS_TUN_NEIGH_INCOMPLETE;
			changed = true;
		}
		if (!nb->req_sent || now_ms - nb->req_ms >= VS_TUN_RETRY_MS)
			request(t, nb);
	}
	if (changed && publish(t) < 0)
		VS_TUN_LOG(ERR, "out of memory: neighbour changes not published");
}

/* ---- frames we receive ---- */

/* The sender of an answer or a request is at mac: note it when it is one
 * of our neighbours (republish when the MAC is new). */
static void
learn(struct vs_tun *t, uint16_t port, uint8_t family, const uint8_t *ip, const uint8_t *mac)
{
	struct tun_neigh *nb = neigh_find(t, port, family, ip);
	bool changed;

	if (nb == NULL || rte_is_zero_ether_addr((const struct rte_ether_addr *)mac) ||
	    rte_is_multicast_ether_addr((const struct rte_ether_addr *)mac))
		return;
	changed = nb->state != VS_TUN_NEIGH_REACHABLE || memcmp(nb->mac, mac, 6) != 0;
	memcpy(nb->mac, mac, 6);
	nb->state = VS_TUN_NEIGH_REACHABLE;
	nb->updated_ms = t->now_ms;
	nb->replies++;
	if (changed) {
		char a[48];

		VS_TUN_LOG(INFO, "neighbour %s on port %u is %02x:%02x:%02x:%02x:%02x:%02x",
			   vs_cfg_ip_str(&nb->ip, a, sizeof(a)), port, mac[0], mac[1], mac[2],
			   mac[3], mac[4], mac[5]);
		if (publish(t) < 0)
			VS_TUN_LOG(ERR, "out of memory: neighbour %s not published", a);
	}
}

static void
arp_input(struct vs_tun *t, struct rte_mbuf *m, uint16_t port)
{
	const struct vs_tun_port_dp *u = underlay_of(t, port, 4);
	const struct rte_arp_hdr *a;
	uint8_t sha[6], sip[4];

	t->st.arp_in++;
	if (u == NULL || rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*a))
		return;
	a = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, RTE_ETHER_HDR_LEN);
	if (a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || a->arp_hlen != 6 ||
	    a->arp_plen != 4 || memcmp(&a->arp_data.arp_tip, u->local_ip, 4) != 0)
		return;
	memcpy(sha, a->arp_data.arp_sha.addr_bytes, 6);
	memcpy(sip, &a->arp_data.arp_sip, 4);
	learn(t, port, 4, sip, sha);
	if (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		arp_send(t, u, RTE_ARP_OP_REPLY, sha, sha, sip);
		t->st.arp_replied++;
	}
}

/* The link-layer address option of type `type` in the ND message nd of len
 * bytes, or NULL. */
static const uint8_t *
nd_option(const uint8_t *nd, uint32_t len, uint8_t type)
{
	uint32_t off = ND_HDR_LEN;

	while (off + 8 <= len && nd[off + 1] != 0) {
		if (nd[off] == type && nd[off + 1] == 1)
			return nd + off + 2;
		off += (uint32_t)nd[off + 1] * 8;
	}
	return NULL;
}

static void
nd_input(struct vs_tun *t, struct rte_mbuf *m, uint16_t port)
{
	static const uint8_t unspec[16];
	const struct vs_tun_port_dp *u = underlay_of(t, port, 6);
	const struct rte_ether_hdr *eh;
	const struct rte_ipv6_hdr *ip;
	const uint8_t *nd, *ll;
	uint8_t src[16], mac[6];
	uint32_t len;

	t->st.nd_in++;
	if (u == NULL || rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*ip) + ND_HDR_LEN)
		return;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ip = (const struct rte_ipv6_hdr *)(eh + 1);
	nd = (const uint8_t *)(ip + 1);
	len = rte_be_to_cpu_16(ip->payload_len);
	/* RFC 4861 7.1: hop limit 255, code 0, a good checksum. */
	if (ip->hop_limits != 255 || nd[1] != 0 || len < ND_HDR_LEN ||
	    len > rte_pktmbuf_data_len(m) - RTE_ETHER_HDR_LEN - sizeof(*ip) ||
	    rte_ipv6_udptcp_cksum_verify(ip, nd) != 0)
		return;
	memcpy(src, ip->src_addr, 16);
	if (nd[0] == ICMP6_NS) {
		if (memcmp(nd + 8, u->local_ip, 16) != 0 || memcmp(src, unspec, 16) == 0)
			return; /* not ours, or duplicate address detection */
		ll = nd_option(nd, len, ND_OPT_SRC_LL);
		memcpy(mac, ll != NULL ? ll : eh->src_addr.addr_bytes, 6);
		learn(t, port, 6, src, mac);
		/* Solicited and override. */
		nd_send(t, u, ICMP6_NA, mac, src, u->local_ip, 0x60000000u);
		t->st.nd_replied++;
	} else if (nd[0] == ICMP6_NA) {
		ll = nd_option(nd, len, ND_OPT_TGT_LL);
		memcpy(mac, ll != NULL ? ll : eh->src_addr.addr_bytes, 6);
		learn(t, port, 6, nd + 8, mac);
	}
}

void
vs_tun_input(struct vs_tun *t, struct rte_mbuf *m, uint16_t in_port)
{
	const struct rte_ether_hdr *eh;

	if (rte_pktmbuf_data_len(m) >= RTE_ETHER_HDR_LEN) {
		eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
			arp_input(t, m, in_port);
		else if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
			nd_input(t, m, in_port);
	}
	rte_pktmbuf_free(m);
}

/* ---- show ---- */

int
vs_tun_neigh_get(const struct vs_tun *t, unsigned i, uint64_t now_ms, struct vs_tun_neigh_info *out)
{
	unsigned k, seen = 0;
	uint16_t p;

	for (k = 0; k < VS_TUN_MAX_NEIGH; k++) {
		const struct tun_neigh *nb = &t->neigh[k];

		if (!nb->used || seen++ != i)
			continue;
		memset(out, 0, sizeof(*out));
		out->ip = nb->ip;
		out->underlay = nb->underlay;
		memcpy(out->mac, nb->mac, 6);
		out->state = nb->state;
		out->age_ms = nb->state == VS_TUN_NEIGH_REACHABLE ? now_ms - nb->updated_ms : 0;
		out->requests = nb->requests;
		out->replies = nb->replies;
		return 0;
	}
	/* Then the static next hops (remote_mac), one per remote. */
	for (p = 0; p < t->n; p++) {
		const struct vs_tun_port_dp *tp = &t->ports[p];
		uint16_t r;

		if (!t->has_static[p])
			continue;
		for (r = 0; r < tp->n_remotes; r++) {
			if (seen++ != i)
				continue;
			memset(out, 0, sizeof(*out));
			out->ip.family = tp->family;
			memcpy(out->ip.addr, tp->remotes[r].ip, 16);
			out->underlay = tp->underlay;
			memcpy(out->mac, t->static_mac[p], 6);
			out->state = VS_TUN_NEIGH_STATIC;
			return 0;
		}
	}
	return -ENOENT;
}

const struct vs_tun_dp *
vs_tun_dp_get(const struct vs_tun *t)
{
	return __atomic_load_n(t->slot, __ATOMIC_ACQUIRE);
}

void
vs_tun_stats_get(const struct vs_tun *t, struct vs_tun_stats *out)
{
	*out = t->st;
}

const char *
vs_tun_neigh_state_str(enum vs_tun_neigh_state s)
{
	switch (s) {
	case VS_TUN_NEIGH_INCOMPLETE:
		return "incomplete";
	case VS_TUN_NEIGH_REACHABLE:
		return "reachable";
	case VS_TUN_NEIGH_STATIC:
		return "static";
	}
	return "unknown";
}
