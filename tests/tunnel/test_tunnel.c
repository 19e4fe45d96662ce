/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VXLAN encap / decap (tunnel_dp.c) and the neighbour protocol of the
 * control side (tunnel.c), byte by byte, with real mbufs:
 *  - encap writes standard outer headers (valid IPv4 checksum, the VNI, a
 *    source port in 49152..65535 that stays the same for one flow, a valid
 *    IPv6 UDP checksum) and decap takes back exactly the inner frame;
 *  - each malformed or foreign frame gets its named drop, the rest stays on
 *    the underlay;
 *  - an ARP request / neighbour solicitation for local_ip is answered with
 *    a reply from the underlay's MAC, an ARP reply resolves a remote and
 *    publishes it to the fast path.
 */
#include <arpa/inet.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "tunnel_dp.h"
#include "vs_tunnel.h"

static struct rte_mempool *pool;
static const uint8_t umac[6] = {0x02, 0, 0, 0, 0, 0x01}; /* our underlay */
static const uint8_t rmac[6] = {0x02, 0, 0, 0, 0, 0x02}; /* the remote VTEP */

static void
eal_up(void)
{
	char prefix[64];
	char *argv[] = {"test_tunnel", "--no-huge",	 "-m",	    "256", "--no-shconf",
			"--no-pci",    "--no-telemetry", "-l",	    "0",   "--file-prefix",
			prefix,	       "--log-level",	 "*:error", NULL};

	snprintf(prefix, sizeof(prefix), "vs_tun_%d", getpid());
	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv), 0);
	pool = rte_pktmbuf_pool_create("tun_test", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool);
}

static void
ip_of(uint8_t family, const char *s, uint8_t *out)
{
	memset(out, 0, 16);
	cr_assert_eq(inet_pton(family == 4 ? AF_INET : AF_INET6, s, out), 1, "%s", s);
}

/* Tunnel port 3 over underlay 1, VNI 100, remote resolved to rmac. */
static void
tun_make(struct vs_tun_dp *dp, uint8_t family)
{
	struct vs_tun_port_dp *t = &dp->t[0];

	memset(dp, 0, sizeof(*dp));
	dp->n = 1;
	dp->by_port[3] = 1;
	dp->underlay_mask = 1u << 1;
	t->port = 3;
	t->underlay = 1;
	t->vni = 100;
	t->dst_port = 4789;
	t->family = family;
	t->ttl = 64;
	t->n_remotes = 1;
	memcpy(t->src_mac, umac, 6);
	ip_of(family, family == 4 ? "192.0.2.1" : "2001:db8::1", t->local_ip);
	ip_of(family, family == 4 ? "192.0.2.2" : "2001:db8::2", t->remotes[0].ip);
	memcpy(t->remotes[0].mac, rmac, 6);
	t->remotes[0].resolved = 1;
	vs_tun_port_prepare(t);
}

/* An inner IPv4/UDP frame of len bytes with the given source port. */
static struct rte_mbuf *
inner_frame(uint16_t sport, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	cr_assert_not_null(p);
	memset(p, 0, len);
	memcpy(p, "\x52\x54\x00\x00\x00\x0b\x52\x54\x00\x00\x00\x0a\x08\x00", 14);
	p[14] = 0x45;
	p[23] = 17;
	memcpy(p + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	p[34] = (uint8_t)(sport >> 8);
	p[35] = (uint8_t)sport;
	p[37] = 53;
	return m;
}

static uint16_t
be16_at(const struct rte_mbuf *m, unsigned off)
{
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);

	return (uint16_t)(p[0] << 8 | p[1]);
}

Test(tunnel, ipv4_encap_is_standard_and_decap_gives_the_inner_frame_back)
{
	struct vs_tun_dp dp;
	struct vs_tun_rx_meta meta;
	struct rte_mbuf *m, *m2;
	uint8_t inner[100];
	uint16_t sport;

	eal_up();
	tun_make(&dp, 4);
	m = inner_frame(1000, sizeof(inner));
	memcpy(inner, rte_pktmbuf_mtod(m, void *), sizeof(inner));
	cr_assert_eq(vs_tun_encap(&dp.t[0], 0, m), VS_DROP_NONE);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), sizeof(inner) + VS_TUN_HDR_V4);
	cr_expect_arr_eq(rte_pktmbuf_mtod(m, uint8_t *), rmac, 6);
	cr_expect_arr_eq(rte_pktmbuf_mtod_offset(m, uint8_t *, 6), umac, 6);
	cr_expect_eq(be16_at(m, 12), 0x0800);
	cr_expect_eq(rte_ipv4_cksum(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)), 0,
		     "outer IPv4 checksum does not verify");
	cr_expect_eq(be16_at(m, 16), 20 + 8 + 8 + sizeof(inner)); /* total length */
	sport = be16_at(m, 34);
	cr_expect_geq(sport, 49152);
	cr_expect_eq(be16_at(m, 36), 4789);
	cr_expect_eq(be16_at(m, 38), 8 + 8 + sizeof(inner));
	cr_expect_arr_eq(rte_pktmbuf_mtod_offset(m, uint8_t *, 42),
			 "\x08\x00\x00\x00\x00\x00\x64\x00", 8, "VXLAN header: I flag, VNI 100");
	/* the same flow, the same source port; another flow, another port */
	m2 = inner_frame(1000, sizeof(inner));
	cr_assert_eq(vs_tun_encap(&dp.t[0], 0, m2), VS_DROP_NONE);
	cr_expect_eq(be16_at(m2, 34), sport);
	rte_pktmbuf_free(m2);
	m2 = inner_frame(1001, sizeof(inner));
	cr_assert_eq(vs_tun_encap(&dp.t[0], 0, m2), VS_DROP_NONE);
	cr_expect_neq(be16_at(m2, 34), sport, "two flows, one source port");
	rte_pktmbuf_free(m2);

	/* What the remote would send back: swap the outer addresses. */
	{
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *), tmp[4];
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + 14);

		memcpy(tmp, p + 26, 4);
		memcpy(p + 26, p + 30, 4);
		memcpy(p + 30, tmp, 4);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	vs_tun_rx_classify(&dp, 1, &m, 1, &meta);
	cr_assert_eq(meta.cls, VS_TUN_RX_DECAP);
	cr_expect_eq(meta.tun, 0);
	cr_expect_eq(meta.remote, 0);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), sizeof(inner));
	cr_expect_arr_eq(rte_pktmbuf_mtod(m, uint8_t *), inner, sizeof(inner));
	rte_pktmbuf_free(m);
}

Test(tunnel, ipv6_encap_has_a_valid_udp_checksum)
{
	struct vs_tun_dp dp;
	struct vs_tun_rx_meta meta;
	struct rte_mbuf *m = NULL;
	struct rte_ipv6_hdr *ip;

	eal_up();
	tun_make(&dp, 6);
	m = inner_frame(7, 80);
	cr_assert_eq(vs_tun_encap(&dp.t[0], 0, m), VS_DROP_NONE);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), 80 + VS_TUN_HDR_V6);
	cr_expect_eq(be16_at(m, 12), 0x86dd);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14);
	cr_expect_eq(ip->proto, 17);
	cr_expect_neq(be16_at(m, 14 + 40 + 6), 0, "IPv6 UDP checksum left 0");
	cr_expect_eq(rte_ipv6_udptcp_cksum_verify(ip, ip + 1), 0, "IPv6 UDP checksum wrong");
	/* back from the remote */
	{
		uint8_t tmp[16];

		memcpy(tmp, ip->src_addr, 16);
		memcpy(ip->src_addr, ip->dst_addr, 16);
		memcpy(ip->dst_addr, tmp, 16);
	}
	vs_tun_rx_classify(&dp, 1, &m, 1, &meta);
	cr_assert_eq(meta.cls, VS_TUN_RX_DECAP);
	cr_expect_eq(rte_pktmbuf_pkt_len(m), 80);
	rte_pktmbuf_free(m);
}

Test(tunnel, encap_offloads_the_checksum_or_refuses_no_neighbour_and_no_headroom)
{
	struct vs_tun_dp dp;
	struct rte_mbuf *m;

	eal_up();
	tun_make(&dp, 4);
	m = inner_frame(1, 64);
	dp.t[0].remotes[0].resolved = 0;
	cr_expect_eq(vs_tun_encap(&dp.t[0], 0, m), VS_DROP_TUN_NO_NEIGHBOUR);
	dp.t[0].remotes[0].resolved = 1;
	/* a device that computes the outer IPv4 checksum is asked to */
	dp.t[0].hw_ipv4_cksum = 1;
	cr_assert_eq(vs_tun_encap(&dp.t[0], 0, m), VS_DROP_NONE);
	cr_expect_eq(m->ol_flags, RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
	cr_expect_eq(m->l2_len, 14);
	cr_expect_eq(m->l3_len, 20);
	cr_expect_eq(be16_at(m, 24), 0, "checksum written though the device computes it");
	rte_pktmbuf_adj(m, VS_TUN_HDR_V4);
	rte_pktmbuf_prepend(m, (uint16_t)(rte_pktmbuf_headroom(m) - 10));
	cr_expect_eq(vs_tun_encap(&dp.t[0], 0, m), VS_DROP_TUN_NO_HEADROOM);
	rte_pktmbuf_free(m);
}

/* A frame the remote sends us, encapsulated by our own encap with the
 * addresses swapped; edit() spoils it before classification. */
static void
expect_rx(void (*edit)(uint8_t *p, struct rte_mbuf *m), uint8_t cls, uint8_t reason)
{
	struct vs_tun_dp dp;
	struct vs_tun_rx_meta meta;
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	uint8_t *p, tmp[4];

	tun_make(&dp, 4);
	m = inner_frame(9, 64);
	cr_assert_eq(vs_tun_encap(&dp.t[0], 0, m), VS_DROP_NONE);
	p = rte_pktmbuf_mtod(m, uint8_t *);
	ip = (struct rte_ipv4_hdr *)(p + 14);
	memcpy(tmp, p + 26, 4);
	memcpy(p + 26, p + 30, 4);
	memcpy(p + 30, tmp, 4);
	edit(p, m);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	vs_tun_rx_classify(&dp, 1, &m, 1, &meta);
	cr_expect_eq(meta.cls, cls, "class %u, want %u", meta.cls, cls);
	if (cls == VS_TUN_RX_DROP)
		cr_expect_eq(meta.reason, reason, "reason %s, want %s",
			     vs_drop_reason_str(meta.reason), vs_drop_reason_str(reason));
	rte_pktmbuf_free(m);
}

static void
e_vni(uint8_t *p, struct rte_mbuf *m)
{
	p[48] = 101; /* VNI 100 -> 101 (bytes 46..48, big endian) */
}
static void
e_iflag(uint8_t *p, struct rte_mbuf *m)
{
	p[42] = 0;
}
static void
e_src(uint8_t *p, struct rte_mbuf *m)
{
	p[29] = 9; /* 192.0.2.9: not a remote */
}
static void
e_frag(uint8_t *p, struct rte_mbuf *m)
{
	p[20] = 0x20; /* more fragments */
}
static void
e_short(uint8_t *p, struct rte_mbuf *m)
{
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - 14 - 20 - 8 - 4));
}
static void
e_port(uint8_t *p, struct rte_mbuf *m)
{
	p[37] = 0xb6; /* 4789 -> 4790 */
}
static void
e_dst(uint8_t *p, struct rte_mbuf *m)
{
	p[33] = 7; /* to 192.0.2.7: not ours */
}
static void
e_none(uint8_t *p, struct rte_mbuf *m)
{
}

Test(tunnel, decap_names_each_drop_and_leaves_the_rest_to_the_underlay)
{
	eal_up();
	expect_rx(e_none, VS_TUN_RX_DECAP, 0);
	expect_rx(e_vni, VS_TUN_RX_DROP, VS_DROP_TUN_BAD_VNI);
	expect_rx(e_iflag, VS_TUN_RX_DROP, VS_DROP_TUN_BAD_HEADER);
	expect_rx(e_src, VS_TUN_RX_DROP, VS_DROP_TUN_UNKNOWN_REMOTE);
	expect_rx(e_frag, VS_TUN_RX_DROP, VS_DROP_TUN_BAD_HEADER);
	expect_rx(e_short, VS_TUN_RX_DROP, VS_DROP_TUN_SHORT);
	expect_rx(e_port, VS_TUN_RX_PLAIN, 0);
	expect_rx(e_dst, VS_TUN_RX_PLAIN, 0);
}

/* ---- the control side ---- */

static struct rte_mbuf *sent[16];
static uint16_t sent_port[16];
static unsigned n_sent;

static int
capture(void *arg, uint16_t port, struct rte_mbuf *m)
{
	(void)arg;
	cr_assert_lt(n_sent, 16);
	sent_port[n_sent] = port;
	sent[n_sent++] = m;
	return 0;
}

static struct rte_mbuf *
arp_frame(uint16_t op, const uint8_t *sha, const char *sip, const char *tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *a;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*a));
	memset(eh, 0xff, 6);
	memcpy(eh->src_addr.addr_bytes, sha, 6);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(eh + 1);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	memcpy(a->arp_data.arp_sha.addr_bytes, sha, 6);
	inet_pton(AF_INET, sip, &a->arp_data.arp_sip);
	memset(a->arp_data.arp_tha.addr_bytes, 0, 6);
	inet_pton(AF_INET, tip, &a->arp_data.arp_tip);
	return m;
}

Test(tunnel, arp_resolves_the_remote_and_answers_for_local_ip)
{
	static struct vs_cfg_port cfg;
	struct vs_tun_spec spec;
	struct vs_tun_dp *slot = NULL;
	struct rte_rcu_qsbr *qsbr;
	struct vs_tun *t;
	const struct rte_arp_hdr *a;
	struct vs_tun_neigh_info ni;
	struct rte_mbuf *m;
	uint8_t ip[16];
	unsigned n;

	eal_up();
	qsbr = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	cr_assert_eq(rte_rcu_qsbr_init(qsbr, 1), 0);
	t = vs_tun_create(qsbr, &slot, pool, capture, NULL);
	cr_assert_not_null(t);
	memset(&cfg, 0, sizeof(cfg));
	cfg.type = VS_CFG_PORT_VXLAN;
	cfg.local_ip.family = 4;
	ip_of(4, "192.0.2.1", cfg.local_ip.addr);
	cfg.n_remotes = 1;
	cfg.remote_ips[0].family = 4;
	ip_of(4, "192.0.2.2", cfg.remote_ips[0].addr);
	cfg.vni = 100;
	cfg.dst_port = 4789;
	cfg.ttl = 64;
	memset(&spec, 0, sizeof(spec));
	spec.cfg = &cfg;
	spec.port = 3;
	spec.underlay = 1;
	memcpy(spec.underlay_mac, umac, 6);
	cr_assert_eq(vs_tun_set(t, &spec, 1), 0);
	cr_assert_not_null(slot);
	cr_expect_eq(slot->n, 1);
	cr_expect_eq(slot->t[0].remotes[0].resolved, 0);

	/* set asks for the remote at once: a broadcast ARP request */
	cr_assert_eq(n_sent, 1);
	cr_expect_eq(sent_port[0], 1);
	a = rte_pktmbuf_mtod_offset(sent[0], const struct rte_arp_hdr *, 14);
	cr_expect_eq(rte_be_to_cpu_16(a->arp_opcode), RTE_ARP_OP_REQUEST);
	cr_expect_arr_eq(a->arp_data.arp_sha.addr_bytes, umac, 6);
	cr_expect_arr_eq(&a->arp_data.arp_tip, cfg.remote_ips[0].addr, 4);
	cr_expect_arr_eq(rte_pktmbuf_mtod(sent[0], uint8_t *), "\xff\xff\xff\xff\xff\xff", 6);

	/* no answer: asked again after VS_TUN_RETRY_MS, not before */
	vs_tun_tick(t, VS_TUN_RETRY_MS / 2);
	cr_expect_eq(n_sent, 1);
	vs_tun_tick(t, VS_TUN_RETRY_MS + 1);
	cr_expect_eq(n_sent, 2);

	/* the reply resolves it and publishes the MAC */
	vs_tun_input(t, arp_frame(RTE_ARP_OP_REPLY, rmac, "192.0.2.2", "192.0.2.1"), 1);
	cr_expect_eq(slot->t[0].remotes[0].resolved, 1);
	cr_expect_arr_eq(slot->t[0].remotes[0].mac, rmac, 6);
	cr_assert_eq(vs_tun_neigh_get(t, 0, VS_TUN_RETRY_MS + 1, &ni), 0);
	cr_expect_eq(ni.state, VS_TUN_NEIGH_REACHABLE);
	cr_expect_eq(vs_tun_neigh_get(t, 1, 0, &ni), -ENOENT);

	/* a request for local_ip is answered from the underlay's MAC */
	vs_tun_input(t, arp_frame(RTE_ARP_OP_REQUEST, rmac, "192.0.2.2", "192.0.2.1"), 1);
	cr_assert_eq(n_sent, 3);
	m = sent[2];
	a = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, 14);
	cr_expect_eq(rte_be_to_cpu_16(a->arp_opcode), RTE_ARP_OP_REPLY);
	cr_expect_arr_eq(rte_pktmbuf_mtod(m, uint8_t *), rmac, 6);
	cr_expect_arr_eq(a->arp_data.arp_sha.addr_bytes, umac, 6);
	cr_expect_arr_eq(&a->arp_data.arp_sip, cfg.local_ip.addr, 4);
	cr_expect_arr_eq(a->arp_data.arp_tha.addr_bytes, rmac, 6);
	/* ... and one for another address is not */
	vs_tun_input(t, arp_frame(RTE_ARP_OP_REQUEST, rmac, "192.0.2.2", "192.0.2.77"), 1);
	cr_expect_eq(n_sent, 3);
	ip_of(4, "192.0.2.2", ip);
	cr_expect_arr_eq(slot->t[0].remotes[0].ip, ip, 4);

	/* unheard of for a while: probed (MAC kept), then forgotten */
	n = n_sent;
	vs_tun_tick(t, VS_TUN_RETRY_MS + 1 + VS_TUN_REFRESH_MS / 2);
	cr_expect_eq(n_sent, n, "a fresh neighbour was asked again");
	vs_tun_tick(t, VS_TUN_RETRY_MS + 2 + VS_TUN_REFRESH_MS);
	cr_expect_eq(n_sent, n + 1, "no probe of a stale neighbour");
	cr_expect_eq(slot->t[0].remotes[0].resolved, 1);
	vs_tun_tick(t, VS_TUN_RETRY_MS + 2 + VS_TUN_REFRESH_MS + VS_TUN_PROBES * VS_TUN_RETRY_MS);
	cr_expect_eq(slot->t[0].remotes[0].resolved, 0, "a silent neighbour kept its MAC");
	cr_assert_eq(vs_tun_neigh_get(t, 0, 0, &ni), 0);
	cr_expect_eq(ni.state, VS_TUN_NEIGH_INCOMPLETE);
	for (unsigned i = 0; i < n_sent; i++)
		rte_pktmbuf_free(sent[i]);
	vs_tun_destroy(t);
	cr_expect_null(slot);
}
