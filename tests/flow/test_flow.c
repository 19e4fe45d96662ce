/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow-key extraction over real mbufs: every key field, every malformed class
 * with its outcome, fragments, padding, and every frame again as a chain of
 * 2 and 3 segments split at each offset (same key, same outcome).
 */
#include <string.h>

#include <criterion/criterion.h>
#include <rte_mbuf.h>

#include "pkt_build.h"
#include "vs_flow_dp.h"

#define IN_PORT 7

static const uint8_t mac_a[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_b[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};
#define IP_A 0x0a000001u /* 10.0.0.1 */
#define IP_B 0xc0a80102u /* 192.168.1.2 */

TestSuite(flow, .init = tf_eal_init);

static void
key_str(const struct vs_flow_key *k, char *buf, size_t size)
{
	int r = vs_flow_key_format(k, buf, size);
	size_t len;
	unsigned int i;

	cr_assert(r == 0, "vs_flow_key_format: %d", r);
	len = strlen(buf);
	snprintf(buf + len, size - len, " tun=");
	for (i = 0; i < sizeof(k->tun_id) + sizeof(k->tun_src); i++) {
		len = strlen(buf);
		snprintf(buf + len, size - len, "%02x",
			 i < sizeof(k->tun_id) ? k->tun_id[i] : k->tun_src[i - sizeof(k->tun_id)]);
	}
}

static void
assert_key_eq(const struct vs_flow_key *got, const struct vs_flow_key *want, const char *what)
{
	char g[512], w[512];

	if (memcmp(got, want, sizeof(*got)) == 0)
		return;
	key_str(got, g, sizeof(g));
	key_str(want, w, sizeof(w));
	cr_assert_fail("%s: key mismatch\n got: %s (frag %u)\nwant: %s (frag %u)", what, g,
		       got->ip_frag, w, want->ip_frag);
}

static uint8_t
extract_mbuf(struct rte_mbuf *m, struct vs_flow_key *k)
{
	uint8_t o = 0xff, o2;
	uint64_t mask;

	memset(k, 0xa5, sizeof(*k)); /* the key must be fully rewritten */
	mask = vs_flow_extract_burst(&m, 1, IN_PORT, k, &o);
	cr_assert_lt(o, VS_PARSE_MAX);
	cr_assert_eq(mask, (uint64_t)(o != VS_PARSE_OK), "mask %#lx for outcome %s",
		     (unsigned long)mask, vs_parse_outcome_str(o));
	/* Checking without a key finds what parsing finds (port_burst). */
	o2 = 0xff;
	mask = vs_flow_check_burst(&m, 1, &o2);
	cr_assert_eq(o2, o, "check-only outcome %s, parse %s", vs_parse_outcome_str(o2),
		     vs_parse_outcome_str(o));
	cr_assert_eq(mask, (uint64_t)(o != VS_PARSE_OK));
	rte_pktmbuf_free(m);
	return o;
}

/* Parse the frame contiguous, then split in 2 at every offset and in 3 at a
 * few; every chain must give the same key and outcome. */
static uint8_t
extract(const struct pb *b, struct vs_flow_key *k)
{
	static const uint32_t gaps[] = {1, 3, 8};
	uint8_t o = extract_mbuf(tf_mbuf(b->buf, b->len), k);
	struct vs_flow_key k2;
	uint32_t c, g;
	char what[64];

	for (c = 1; c < b->len; c++) {
		uint8_t o2 = extract_mbuf(tf_mbuf_split(b->buf, b->len, &c, 1), &k2);

		snprintf(what, sizeof(what), "split at %u", c);
		cr_assert_eq(o2, o, "%s: outcome %s, contiguous %s", what, vs_parse_outcome_str(o2),
			     vs_parse_outcome_str(o));
		assert_key_eq(&k2, k, what);
		for (g = 0; g < RTE_DIM(gaps); g++) {
			uint32_t cuts[2] = {c, c + gaps[g]};

			if (cuts[1] >= b->len)
				continue;
			o2 = extract_mbuf(tf_mbuf_split(b->buf, b->len, cuts, 2), &k2);
			snprintf(what, sizeof(what), "split at %u and %u", cuts[0], cuts[1]);
			cr_assert_eq(o2, o, "%s: outcome %s, contiguous %s", what,
				     vs_parse_outcome_str(o2), vs_parse_outcome_str(o));
			assert_key_eq(&k2, k, what);
		}
	}
	return o;
}

static void
assert_outcome(const struct pb *b, enum vs_parse_outcome want, struct vs_flow_key *k)
{
	uint8_t o = extract(b, k);

	cr_assert_eq(o, want, "outcome %s, want %s", vs_parse_outcome_str(o),
		     vs_parse_outcome_str(want));
}

/* ---- expected keys ---- */

static void
want_l2(struct vs_flow_key *w, uint16_t vlan_tci, uint16_t eth_type)
{
	memset(w, 0, sizeof(*w));
	w->in_port = IN_PORT;
	memcpy(w->eth_dst, mac_b, 6);
	memcpy(w->eth_src, mac_a, 6);
	w->vlan_tci = vlan_tci;
	w->eth_type = eth_type;
}

static void
want_ip4(struct vs_flow_key *w, uint8_t proto, uint8_t dscp, uint8_t frag)
{
	uint32_t s = rte_cpu_to_be_32(IP_A), d = rte_cpu_to_be_32(IP_B);

	memcpy(w->ip_src, &s, 4);
	memcpy(w->ip_dst, &d, 4);
	w->ip_proto = proto;
	w->ip_dscp = dscp;
	w->ip_frag = frag;
}

static void
want_ip6(struct vs_flow_key *w, uint8_t proto, uint8_t dscp, uint8_t frag)
{
	memcpy(w->ip_src, pb_ip6_a, 16);
	memcpy(w->ip_dst, pb_ip6_b, 16);
	w->ip_proto = proto;
	w->ip_dscp = dscp;
	w->ip_frag = frag;
}

static void
want_l4(struct vs_flow_key *w, uint16_t s, uint16_t d)
{
	w->l4_src = s;
	w->l4_dst = d;
}

/* frame builders */
static void
eth(struct pb *b, uint16_t type)
{
	pb_init(b);
	pb_eth(b, mac_b, mac_a);
	pb_ethertype(b, type);
}

static void
ip4(struct pb *b, uint8_t proto, uint8_t tos, uint16_t frag, uint8_t opts)
{
	eth(b, 0x0800);
	pb_ipv4(b, IP_A, IP_B, proto, tos, frag, opts);
}

static void
ip6(struct pb *b, uint8_t nh, uint8_t tclass)
{
	eth(b, 0x86dd);
	pb_ipv6(b, pb_ip6_a, pb_ip6_b, nh, tclass);
}

/* ---- L2 ---- */

Test(flow, l2_unknown_ethertype)
{
	struct vs_flow_key k, w;
	struct pb b;

	eth(&b, 0x88cc); /* LLDP */
	pb_payload(&b, 46, 0x5a);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x88cc);
	assert_key_eq(&k, &w, "lldp");
}

Test(flow, l2_8023_length_field)
{
	struct vs_flow_key k, w;
	struct pb b;

	eth(&b, 46); /* 802.3 length */
	pb_payload(&b, 46, 0xaa);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, VS_ETH_TYPE_NONE);
	assert_key_eq(&k, &w, "802.3");

	eth(&b, 0x0600); /* the first real EtherType value */
	pb_payload(&b, 46, 0xaa);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x0600);
	assert_key_eq(&k, &w, "0x0600");
}

Test(flow, runt)
{
	struct vs_flow_key k, w;
	struct pb b;
	uint32_t len;

	eth(&b, 0x0800);
	memset(&w, 0, sizeof(w));
	w.in_port = IN_PORT;
	for (len = 0; len < 14; len++) {
		struct pb t = b;

		t.len = len;
		assert_outcome(&t, VS_PARSE_RUNT, &k);
		assert_key_eq(&k, &w, "runt");
	}
	b.len = 14; /* a bare Ethernet header with an IPv4 type is an IPv4 problem */
	assert_outcome(&b, VS_PARSE_IPV4_TRUNC, &k);
}

Test(flow, in_port_recorded)
{
	struct rte_mbuf *m[2];
	struct vs_flow_key k[2];
	uint8_t o[2];
	struct pb b;

	eth(&b, 0x88cc);
	pb_payload(&b, 46, 0);
	m[0] = tf_mbuf(b.buf, b.len);
	m[1] = tf_mbuf(b.buf, 5);
	cr_assert_eq(vs_flow_extract_burst(m, 2, 0xbeef, k, o), 0x2);
	cr_assert_eq(k[0].in_port, 0xbeef);
	cr_assert_eq(k[1].in_port, 0xbeef);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);
}

Test(flow, vlan_8100)
{
	struct vs_flow_key k, w;
	struct pb b;

	pb_init(&b);
	pb_eth(&b, mac_b, mac_a);
	pb_vlan(&b, 0x8100, 5 << 13 | 0x1000 /* DEI */ | 100);
	pb_ethertype(&b, 0x0800);
	pb_ipv4(&b, IP_A, IP_B, 17, 0, 0, 0);
	pb_udp(&b, 5000, 53);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 5 << VS_VLAN_PCP_SHIFT | VS_VLAN_PRESENT | 100, 0x0800);
	want_ip4(&w, 17, 0, VS_FRAG_NONE);
	want_l4(&w, 5000, 53);
	assert_key_eq(&k, &w, "vlan");

	/* VID 0 priority tag: present, VID 0 */
	pb_init(&b);
	pb_eth(&b, mac_b, mac_a);
	pb_vlan(&b, 0x8100, 0);
	pb_ethertype(&b, 0x88cc);
	pb_payload(&b, 42, 0);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, VS_VLAN_PRESENT, 0x88cc);
	assert_key_eq(&k, &w, "priority tag");
}

Test(flow, qinq_88a8_and_8100)
{
	static const uint16_t outer[] = {0x88a8, 0x8100};
	struct vs_flow_key k, w;
	struct pb b;
	unsigned int i;

	for (i = 0; i < RTE_DIM(outer); i++) {
		pb_init(&b);
		pb_eth(&b, mac_b, mac_a);
		pb_vlan(&b, outer[i], 3 << 13 | 4094);
		pb_vlan(&b, 0x8100, 7 << 13 | 17); /* inner: skipped */
		pb_ethertype(&b, 0x86dd);
		pb_ipv6(&b, pb_ip6_a, pb_ip6_b, 6, 0x28);
		pb_tcp(&b, 443, 51000);
		pb_finish(&b);
		assert_outcome(&b, VS_PARSE_OK, &k);
		want_l2(&w, 3 << VS_VLAN_PCP_SHIFT | VS_VLAN_PRESENT | 4094, 0x86dd);
		want_ip6(&w, 6, 0x28 >> 2, VS_FRAG_NONE);
		want_l4(&w, 443, 51000);
		assert_key_eq(&k, &w, "qinq");
	}
}

Test(flow, third_tag_not_skipped)
{
	struct vs_flow_key k, w;
	struct pb b;

	pb_init(&b);
	pb_eth(&b, mac_b, mac_a);
	pb_vlan(&b, 0x88a8, 10);
	pb_vlan(&b, 0x8100, 20);
	pb_vlan(&b, 0x8100, 30);
	pb_ethertype(&b, 0x0800);
	pb_payload(&b, 40, 0x45);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, VS_VLAN_PRESENT | 10, 0x8100);
	assert_key_eq(&k, &w, "three tags");

	/* an 802.1ad tag alone carries the EtherType directly */
	pb_init(&b);
	pb_eth(&b, mac_b, mac_a);
	pb_vlan(&b, 0x88a8, 10);
	pb_ethertype(&b, 0x88cc);
	pb_payload(&b, 40, 0);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, VS_VLAN_PRESENT | 10, 0x88cc);
	assert_key_eq(&k, &w, "single 802.1ad");
}

Test(flow, vlan_truncated)
{
	struct vs_flow_key k, w;
	struct pb b;
	uint32_t len;

	pb_init(&b);
	pb_eth(&b, mac_b, mac_a);
	pb_vlan(&b, 0x88a8, 10);
	pb_vlan(&b, 0x8100, 20);
	pb_ethertype(&b, 0x0800);
	for (len = 15; len < 22; len++) {
		struct pb t = b;

		t.len = len;
		assert_outcome(&t, VS_PARSE_VLAN_TRUNC, &k);
		if (len < 18) {
			want_l2(&w, 0, 0);
			assert_key_eq(&k, &w, "outer tag cut");
		}
	}
	b.len = 22;
	assert_outcome(&b, VS_PARSE_IPV4_TRUNC, &k);
}

/* ---- IPv4 ---- */

Test(flow, ipv4_tcp_udp_sctp_icmp)
{
	struct vs_flow_key k, w;
	struct pb b;

	ip4(&b, 6, 0xb8 /* EF */, 0x4000 /* DF */, 0);
	pb_tcp(&b, 12345, 80);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 6, 46, VS_FRAG_NONE);
	want_l4(&w, 12345, 80);
	assert_key_eq(&k, &w, "tcp");

	ip4(&b, 17, 0x03 /* ECN only */, 0, 0);
	pb_udp(&b, 68, 67);
	pb_payload(&b, 100, 0);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 17, 0, VS_FRAG_NONE);
	want_l4(&w, 68, 67);
	assert_key_eq(&k, &w, "udp");

	ip4(&b, 132, 0x20, 0, 0);
	pb_sctp(&b, 2905, 2944);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 132, 8, VS_FRAG_NONE);
	want_l4(&w, 2905, 2944);
	assert_key_eq(&k, &w, "sctp");

	ip4(&b, 1, 0, 0, 0);
	pb_icmp(&b, 3, 4); /* unreachable, frag needed */
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 1, 0, VS_FRAG_NONE);
	want_l4(&w, 3, 4);
	assert_key_eq(&k, &w, "icmp");
}

Test(flow, ipv4_unknown_proto)
{
	struct vs_flow_key k, w;
	struct pb b;

	ip4(&b, 47, 0, 0, 0); /* GRE */
	pb_payload(&b, 4, 0x11);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 47, 0, VS_FRAG_NONE);
	assert_key_eq(&k, &w, "gre");

	/* ICMPv6's number inside IPv4 is just a number */
	ip4(&b, 58, 0, 0, 0);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 58, 0, VS_FRAG_NONE);
	assert_key_eq(&k, &w, "58 over v4");
}

Test(flow, ipv4_options)
{
	struct vs_flow_key k, w;
	struct pb b;
	uint8_t opts;

	for (opts = 4; opts <= 40; opts += 4) {
		ip4(&b, 17, 0, 0, opts);
		pb_udp(&b, 1000 + opts, 2000);
		pb_payload(&b, 3, 0x77);
		pb_finish(&b);
		assert_outcome(&b, VS_PARSE_OK, &k);
		want_l2(&w, 0, 0x0800);
		want_ip4(&w, 17, 0, VS_FRAG_NONE);
		want_l4(&w, 1000 + opts, 2000);
		assert_key_eq(&k, &w, "options");
	}
}

Test(flow, ipv4_truncated_header)
{
	struct vs_flow_key k, w;
	struct pb b;
	uint32_t len;

	ip4(&b, 6, 0, 0, 0);
	pb_finish(&b);
	for (len = 14; len < 34; len++) {
		struct pb t = b;

		t.len = len;
		assert_outcome(&t, VS_PARSE_IPV4_TRUNC, &k);
		want_l2(&w, 0, 0x0800);
		assert_key_eq(&k, &w, "ipv4 trunc: L2 kept, L3 zero");
	}
}

Test(flow, ipv4_bad_version)
{
	static const uint8_t vers[] = {0, 5, 6, 15};
	struct vs_flow_key k;
	struct pb b;
	unsigned int i;

	for (i = 0; i < RTE_DIM(vers); i++) {
		ip4(&b, 17, 0, 0, 0);
		pb_udp(&b, 1, 2);
		pb_finish(&b);
		b.buf[14] = (uint8_t)(vers[i] << 4 | 5);
		assert_outcome(&b, VS_PARSE_IPV4_VERSION, &k);
	}
}

Test(flow, ipv4_bad_ihl)
{
	struct vs_flow_key k;
	struct pb b;
	uint8_t ihl;

	for (ihl = 0; ihl < 5; ihl++) {
		ip4(&b, 17, 0, 0, 0);
		pb_udp(&b, 1, 2);
		pb_finish(&b);
		b.buf[14] = (uint8_t)(0x40 | ihl);
		assert_outcome(&b, VS_PARSE_IPV4_IHL, &k);
	}
	/* IHL 15 (60 bytes) in a frame with 20 + 8 bytes of IP */
	ip4(&b, 17, 0, 0, 0);
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	b.buf[14] = 0x4f;
	assert_outcome(&b, VS_PARSE_IPV4_IHL, &k);
	/* IHL 6 with exactly 20 bytes of frame after Ethernet */
	ip4(&b, 59, 0, 0, 0);
	pb_finish(&b);
	b.buf[14] = 0x46;
	assert_outcome(&b, VS_PARSE_IPV4_IHL, &k);
}

Test(flow, ipv4_bad_total_length)
{
	struct vs_flow_key k;
	struct pb b;

	/* total length below the header length */
	ip4(&b, 17, 0, 0, 8);
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	b.buf[16] = 0;
	b.buf[17] = 24; /* IHL is 28 */
	assert_outcome(&b, VS_PARSE_IPV4_LEN, &k);
	b.buf[17] = 0;
	assert_outcome(&b, VS_PARSE_IPV4_LEN, &k);
	/* total length beyond the frame */
	ip4(&b, 17, 0, 0, 0);
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	b.buf[17]++; /* one byte more than there is */
	assert_outcome(&b, VS_PARSE_IPV4_LEN, &k);
	b.buf[16] = 0xff;
	assert_outcome(&b, VS_PARSE_IPV4_LEN, &k);
	/* total length exactly the header: the UDP header is missing, and the
	 * Ethernet padding after the datagram does not count as one */
	ip4(&b, 17, 0, 0, 0);
	pb_finish(&b);
	pb_pad(&b, 60);
	assert_outcome(&b, VS_PARSE_L4_TRUNC, &k);
}

Test(flow, ipv4_ethernet_padding)
{
	struct vs_flow_key k, w;
	struct pb b;

	ip4(&b, 17, 0, 0, 0);
	pb_udp(&b, 7, 9);
	pb_payload(&b, 2, 0xee);
	pb_finish(&b);
	pb_pad(&b, 60); /* 44 bytes of frame padded to the minimum */
	cr_assert_eq(b.len, 60);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 17, 0, VS_FRAG_NONE);
	want_l4(&w, 7, 9);
	assert_key_eq(&k, &w, "padded");
}

Test(flow, l4_header_never_read_from_padding)
{
	struct vs_flow_key k, w;
	struct pb b;

	/* 4 bytes of a TCP header inside the datagram, then padding bytes that
	 * would complete it: the header is still cut short. */
	ip4(&b, 6, 0, 0, 0);
	pb_u16(&b, 1111);
	pb_u16(&b, 2222);
	pb_finish(&b);
	pb_payload(&b, 22, 0x66);
	assert_outcome(&b, VS_PARSE_L4_TRUNC, &k);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 6, 0, VS_FRAG_NONE);
	assert_key_eq(&k, &w, "l4 trunc keeps L3");
}

Test(flow, l4_truncated_per_protocol)
{
	static const struct {
		uint8_t proto;
		uint32_t min;
	} p[] = {{6, 20}, {17, 8}, {132, 12}, {1, 8}};
	struct vs_flow_key k;
	struct pb b;
	unsigned int i;

	for (i = 0; i < RTE_DIM(p); i++) {
		ip4(&b, p[i].proto, 0, 0, 0);
		pb_payload(&b, p[i].min - 1, 0x01);
		pb_finish(&b);
		assert_outcome(&b, VS_PARSE_L4_TRUNC, &k);
		ip4(&b, p[i].proto, 0, 0, 0);
		pb_payload(&b, p[i].min, 0x01);
		pb_finish(&b);
		assert_outcome(&b, VS_PARSE_OK, &k);
		cr_assert_eq(k.l4_src, p[i].proto == 1 ? 0x01 : 0x0101);
	}
}

Test(flow, ipv4_fragments)
{
	struct vs_flow_key k, w;
	struct pb b;

	/* first fragment: MF, offset 0: ports */
	ip4(&b, 17, 0, 0x2000, 0);
	pb_udp(&b, 4000, 4001);
	pb_payload(&b, 64, 0);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 17, 0, VS_FRAG_FIRST);
	want_l4(&w, 4000, 4001);
	assert_key_eq(&k, &w, "first");

	/* middle fragment: MF, offset 9 (72 bytes): bytes that look like
	 * ports are payload */
	ip4(&b, 17, 0, 0x2000 | 9, 0);
	pb_udp(&b, 4000, 4001);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 17, 0, VS_FRAG_LATER);
	assert_key_eq(&k, &w, "middle");

	/* last fragment: no MF, offset > 0; with fewer bytes than any L4 header */
	ip4(&b, 6, 0, 0x4000 | 0x1fff, 0);
	pb_payload(&b, 1, 0);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 6, 0, VS_FRAG_LATER);
	assert_key_eq(&k, &w, "last");

	/* first fragment cut inside its TCP header */
	ip4(&b, 6, 0, 0x2000, 0);
	pb_payload(&b, 10, 0);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_L4_TRUNC, &k);
	cr_assert_eq(k.ip_frag, VS_FRAG_FIRST);
}

/* ---- IPv6 ---- */

Test(flow, ipv6_tcp_udp_sctp_icmp6)
{
	struct vs_flow_key k, w;
	struct pb b;

	ip6(&b, 6, 0xb8);
	pb_tcp(&b, 22, 60000);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x86dd);
	want_ip6(&w, 6, 46, VS_FRAG_NONE);
	want_l4(&w, 22, 60000);
	assert_key_eq(&k, &w, "tcp6");

	ip6(&b, 17, 0);
	pb_udp(&b, 546, 547);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x86dd);
	want_ip6(&w, 17, 0, VS_FRAG_NONE);
	want_l4(&w, 546, 547);
	assert_key_eq(&k, &w, "udp6");

	ip6(&b, 132, 0xff);
	pb_sctp(&b, 1, 65535);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x86dd);
	want_ip6(&w, 132, 63, VS_FRAG_NONE);
	want_l4(&w, 1, 65535);
	assert_key_eq(&k, &w, "sctp6");

	ip6(&b, 58, 0);
	pb_icmp(&b, 135, 0); /* neighbour solicitation */
	pb_payload(&b, 16, 0);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x86dd);
	want_ip6(&w, 58, 0, VS_FRAG_NONE);
	want_l4(&w, 135, 0);
	assert_key_eq(&k, &w, "icmp6");

	/* ICMPv6 needs only its 4-byte base header */
	ip6(&b, 58, 0);
	pb_u8(&b, 1);
	pb_u8(&b, 3);
	pb_u16(&b, 0);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	cr_assert_eq(k.l4_src, 1);
	cr_assert_eq(k.l4_dst, 3);
	b.len -= 1;
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_L4_TRUNC, &k);

	/* ICMPv4's number inside IPv6 is just a number */
	ip6(&b, 1, 0);
	pb_icmp(&b, 8, 0);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x86dd);
	want_ip6(&w, 1, 0, VS_FRAG_NONE);
	assert_key_eq(&k, &w, "1 over v6");
}

Test(flow, ipv6_extension_chain)
{
	struct vs_flow_key k, w;
	struct pb b;

	ip6(&b, 0, 0x10);
	pb_ipv6_ext(&b, 0, 60, 8);   /* hop-by-hop */
	pb_ipv6_ext(&b, 60, 43, 16); /* destination options */
	pb_ipv6_ext(&b, 43, 51, 24); /* routing */
	pb_ipv6_ext(&b, 51, 17, 24); /* AH: (4 + 2) * 4 */
	pb_udp(&b, 3000, 4000);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x86dd);
	want_ip6(&w, 17, 4, VS_FRAG_NONE);
	want_l4(&w, 3000, 4000);
	assert_key_eq(&k, &w, "chain");

	/* ESP ends the walk: proto 50, no ports */
	ip6(&b, 0, 0);
	pb_ipv6_ext(&b, 0, 50, 8);
	pb_payload(&b, 16, 0x33);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x86dd);
	want_ip6(&w, 50, 0, VS_FRAG_NONE);
	assert_key_eq(&k, &w, "esp");

	/* no next header */
	ip6(&b, 60, 0);
	pb_ipv6_ext(&b, 60, 59, 8);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x86dd);
	want_ip6(&w, 59, 0, VS_FRAG_NONE);
	assert_key_eq(&k, &w, "no next header");
}

Test(flow, ipv6_extension_chain_bound)
{
	struct vs_flow_key k, w;
	struct pb b;
	unsigned int n, i;

	for (n = VS_FLOW_IPV6_MAX_EXTHDRS - 1; n <= VS_FLOW_IPV6_MAX_EXTHDRS + 1; n++) {
		ip6(&b, 60, 0);
		for (i = 0; i < n; i++)
			pb_ipv6_ext(&b, 60, i + 1 < n ? 60 : 6, 8);
		pb_tcp(&b, 80, 81);
		pb_finish(&b);
		if (n <= VS_FLOW_IPV6_MAX_EXTHDRS) {
			assert_outcome(&b, VS_PARSE_OK, &k);
			want_l2(&w, 0, 0x86dd);
			want_ip6(&w, 6, 0, VS_FRAG_NONE);
			want_l4(&w, 80, 81);
			assert_key_eq(&k, &w, "chain at bound");
		} else {
			assert_outcome(&b, VS_PARSE_IPV6_EXTHDR, &k);
		}
	}
}

Test(flow, ipv6_extension_truncated)
{
	struct vs_flow_key k;
	struct pb b, t;

	/* header length pointing past the payload */
	ip6(&b, 43, 0);
	pb_ipv6_ext(&b, 43, 6, 16);
	pb_finish(&b);
	b.buf[54 + 1] = 3; /* 32 bytes, only 16 there */
	assert_outcome(&b, VS_PARSE_IPV6_EXTHDR, &k);

	/* only one byte of an extension header */
	ip6(&b, 0, 0);
	pb_u8(&b, 6);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_IPV6_EXTHDR, &k);

	/* a fragment header cut short */
	ip6(&b, 44, 0);
	pb_ipv6_frag(&b, 17, 0, true);
	pb_finish(&b);
	t = b;
	t.len -= 1;
	pb_finish(&t);
	assert_outcome(&t, VS_PARSE_IPV6_EXTHDR, &k);

	/* the extension header fits the frame but not the payload length:
	 * padding is not an extension header */
	ip6(&b, 60, 0);
	pb_finish(&b);
	pb_ipv6_ext(&b, 60, 59, 8);
	assert_outcome(&b, VS_PARSE_IPV6_EXTHDR, &k);
}

Test(flow, ipv6_fragments)
{
	struct vs_flow_key k, w;
	struct pb b;

	/* first fragment */
	ip6(&b, 44, 0);
	pb_ipv6_frag(&b, 6, 0, true);
	pb_tcp(&b, 179, 30000);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x86dd);
	want_ip6(&w, 6, 0, VS_FRAG_FIRST);
	want_l4(&w, 179, 30000);
	assert_key_eq(&k, &w, "first6");

	/* later fragment, after a hop-by-hop header: ports from payload ignored */
	ip6(&b, 0, 0);
	pb_ipv6_ext(&b, 0, 44, 8);
	pb_ipv6_frag(&b, 17, 100, true);
	pb_udp(&b, 9, 9);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x86dd);
	want_ip6(&w, 17, 0, VS_FRAG_LATER);
	assert_key_eq(&k, &w, "later6");

	/* last fragment with no payload */
	ip6(&b, 44, 0);
	pb_ipv6_frag(&b, 6, 8191, false);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x86dd);
	want_ip6(&w, 6, 0, VS_FRAG_LATER);
	assert_key_eq(&k, &w, "last6");

	/* atomic fragment (offset 0, no MF): not a fragment */
	ip6(&b, 44, 0);
	pb_ipv6_frag(&b, 17, 0, false);
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_OK, &k);
	want_l2(&w, 0, 0x86dd);
	want_ip6(&w, 17, 0, VS_FRAG_NONE);
	want_l4(&w, 1, 2);
	assert_key_eq(&k, &w, "atomic");

	/* first fragment cut inside its UDP header */
	ip6(&b, 44, 0);
	pb_ipv6_frag(&b, 17, 0, true);
	pb_payload(&b, 7, 0);
	pb_finish(&b);
	assert_outcome(&b, VS_PARSE_L4_TRUNC, &k);
	cr_assert_eq(k.ip_frag, VS_FRAG_FIRST);
}

Test(flow, ipv6_truncated_and_length)
{
	struct vs_flow_key k, w;
	struct pb b, t;
	uint32_t len;

	ip6(&b, 17, 0);
	pb_udp(&b, 5, 6);
	pb_finish(&b);
	for (len = 14; len < 54; len++) {
		t = b;
		t.len = len;
		assert_outcome(&t, VS_PARSE_IPV6_TRUNC, &k);
		want_l2(&w, 0, 0x86dd);
		assert_key_eq(&k, &w, "ipv6 trunc");
	}
	/* payload length one beyond the frame */
	t = b;
	t.buf[19] += 1;
	assert_outcome(&t, VS_PARSE_IPV6_LEN, &k);
	/* frame cut inside the UDP header; length says more */
	t = b;
	t.len -= 1;
	assert_outcome(&t, VS_PARSE_IPV6_LEN, &k);
	/* payload length says the UDP header is cut; padding does not help */
	t = b;
	t.buf[19] -= 1;
	assert_outcome(&t, VS_PARSE_L4_TRUNC, &k);
	/* padding after the payload is fine */
	t = b;
	pb_pad(&t, 96);
	assert_outcome(&t, VS_PARSE_OK, &k);
	cr_assert_eq(k.l4_src, 5);
	cr_assert_eq(k.l4_dst, 6);
}

Test(flow, ipv6_jumbogram_length)
{
	struct vs_flow_key k;
	struct pb b;

	/* payload length 0 behind hop-by-hop: the frame gives the length */
	ip6(&b, 0, 0);
	pb_ipv6_ext(&b, 0, 17, 8);
	pb_udp(&b, 10, 20);
	pb_finish(&b);
	b.buf[18] = 0;
	b.buf[19] = 0;
	assert_outcome(&b, VS_PARSE_OK, &k);
	cr_assert_eq(k.l4_src, 10);
	/* payload length 0 otherwise: an empty payload */
	ip6(&b, 17, 0);
	pb_udp(&b, 10, 20);
	pb_finish(&b);
	b.buf[18] = 0;
	b.buf[19] = 0;
	assert_outcome(&b, VS_PARSE_L4_TRUNC, &k);
}

/* ---- mbuf handling ---- */

Test(flow, never_reads_past_pkt_len)
{
	struct vs_flow_key k;
	struct rte_mbuf *m;
	struct pb b;

	/* the buffer holds a whole TCP header, but pkt_len ends inside it */
	ip4(&b, 6, 0, 0, 0);
	pb_tcp(&b, 1, 2);
	pb_finish(&b);
	m = tf_mbuf(b.buf, b.len);
	rte_pktmbuf_trim(m, 10);
	cr_assert_eq(extract_mbuf(m, &k), VS_PARSE_IPV4_LEN);

	/* a segment's data_len beyond pkt_len (inconsistent, yet bounded) */
	m = tf_mbuf(b.buf, b.len);
	m->pkt_len = 14 + 20 + 19;
	cr_assert_eq(extract_mbuf(m, &k), VS_PARSE_IPV4_LEN);
}

Test(flow, honours_data_offset)
{
	struct vs_flow_key k, w;
	struct rte_mbuf *m;
	struct pb b;
	uint8_t *p;

	/* headroom with a decoy frame in it, then the real frame */
	ip4(&b, 17, 0, 0, 0);
	pb_udp(&b, 21, 22);
	pb_finish(&b);
	m = rte_pktmbuf_alloc(tf_pool);
	cr_assert(m != NULL);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(b.len + 6));
	memset(p, 0x86, 6);
	memcpy(p + 6, b.buf, b.len);
	cr_assert(rte_pktmbuf_adj(m, 6) != NULL);
	cr_assert_eq(extract_mbuf(m, &k), VS_PARSE_OK);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 17, 0, VS_FRAG_NONE);
	want_l4(&w, 21, 22);
	assert_key_eq(&k, &w, "data_off");
}

Test(flow, segment_with_empty_head)
{
	struct vs_flow_key k, w;
	struct pb b;
	uint32_t cuts[2] = {0, 30};

	ip4(&b, 17, 0, 0, 0);
	pb_udp(&b, 11, 12);
	pb_finish(&b);
	/* an empty first segment, then the rest */
	cr_assert_eq(extract_mbuf(tf_mbuf_split(b.buf, b.len, cuts, 2), &k), VS_PARSE_OK);
	want_l2(&w, 0, 0x0800);
	want_ip4(&w, 17, 0, VS_FRAG_NONE);
	want_l4(&w, 11, 12);
	assert_key_eq(&k, &w, "empty first segment");
}

Test(flow, burst_mixed)
{
	struct rte_mbuf *m[64];
	struct vs_flow_key k[64];
	uint8_t o[64], want[64];
	uint64_t mask, want_mask = 0;
	struct pb b;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		switch (i % 5) {
		case 0:
			ip4(&b, 17, 0, 0, 0);
			pb_udp(&b, (uint16_t)i, 53);
			pb_finish(&b);
			want[i] = VS_PARSE_OK;
			break;
		case 1:
			eth(&b, 0x0800);
			b.len = 10;
			want[i] = VS_PARSE_RUNT;
			break;
		case 2:
			ip6(&b, 6, 0);
			pb_tcp(&b, (uint16_t)i, 80);
			pb_finish(&b);
			want[i] = VS_PARSE_OK;
			break;
		case 3:
			ip4(&b, 6, 0, 0, 0);
			pb_finish(&b);
			b.buf[14] = 0x44;
			want[i] = VS_PARSE_IPV4_IHL;
			break;
		default:
			ip6(&b, 43, 0);
			pb_finish(&b);
			want[i] = VS_PARSE_IPV6_EXTHDR;
			break;
		}
		if (want[i] != VS_PARSE_OK)
			want_mask |= 1ull << i;
		/* every third packet as a chain split inside its headers */
		if (i % 3 == 0 && b.len > 20) {
			uint32_t cut = 17;

			m[i] = tf_mbuf_split(b.buf, b.len, &cut, 1);
		} else {
			m[i] = tf_mbuf(b.buf, b.len);
		}
	}
	memset(k, 0xff, sizeof(k));
	mask = vs_flow_extract_burst(m, 64, 3, k, o);
	cr_assert_eq(mask, want_mask, "mask %#lx want %#lx", (unsigned long)mask,
		     (unsigned long)want_mask);
	for (i = 0; i < 64; i++) {
		cr_assert_eq(o[i], want[i], "packet %u: %s, want %s", i, vs_parse_outcome_str(o[i]),
			     vs_parse_outcome_str(want[i]));
		cr_assert_eq(k[i].in_port, 3);
		if (i % 5 == 0)
			cr_assert_eq(k[i].l4_src, i);
		if (i % 5 == 2)
			cr_assert_eq(k[i].l4_src, i);
	}
	/* a shorter burst touches only its own slots */
	memset(o, 0xee, sizeof(o));
	mask = vs_flow_extract_burst(m, 4, 3, k, o);
	cr_assert_eq(mask, want_mask & 0xf);
	cr_assert_eq(o[4], 0xee);
	memset(o, 0xee, sizeof(o));
	cr_assert_eq(vs_flow_extract_burst(m, 0, 3, k, o), 0);
	cr_assert_eq(o[0], 0xee);
	for (i = 0; i < 64; i++)
		rte_pktmbuf_free(m[i]);
}

/* ---- control-side helpers ---- */

Test(flow_names, outcome_strings)
{
	unsigned int i, j;

	cr_assert_str_eq(vs_parse_outcome_str(VS_PARSE_OK), "ok");
	cr_assert_str_eq(vs_parse_outcome_str(VS_PARSE_RUNT), "malformed_runt");
	cr_assert_str_eq(vs_parse_outcome_str(VS_PARSE_L4_TRUNC), "malformed_l4_trunc");
	cr_assert_str_eq(vs_parse_outcome_str(VS_PARSE_MAX), "unknown");
	cr_assert_str_eq(vs_parse_outcome_str((enum vs_parse_outcome) - 1), "unknown");
	for (i = 0; i < VS_PARSE_MAX; i++) {
		const char *s = vs_parse_outcome_str((enum vs_parse_outcome)i);

		cr_assert(s != NULL && s[0] != '\0');
		if (i != VS_PARSE_OK)
			cr_assert(strncmp(s, "malformed_", 10) == 0, "%s", s);
		for (j = 0; j < i; j++)
			cr_assert_str_neq(s, vs_parse_outcome_str((enum vs_parse_outcome)j));
	}
}

Test(flow_names, key_format)
{
	struct vs_flow_key k;
	char buf[256];
	uint32_t a = rte_cpu_to_be_32(IP_A), d = rte_cpu_to_be_32(IP_B);

	memset(&k, 0, sizeof(k));
	k.in_port = 3;
	k.vlan_tci = VS_VLAN_PRESENT | 5 << VS_VLAN_PCP_SHIFT | 100;
	memcpy(k.eth_dst, mac_b, 6);
	memcpy(k.eth_src, mac_a, 6);
	k.eth_type = 0x0800;
	memcpy(k.ip_src, &a, 4);
	memcpy(k.ip_dst, &d, 4);
	k.ip_proto = 6;
	k.ip_dscp = 46;
	k.ip_frag = VS_FRAG_FIRST;
	k.l4_src = 1234;
	k.l4_dst = 80;
	cr_assert_eq(vs_flow_key_format(&k, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "in_port=3 vlan=100,pcp=5 eth_dst=52:54:00:00:00:02 "
			      "eth_src=52:54:00:00:00:01 eth_type=0x0800 ip_src=10.0.0.1 "
			      "ip_dst=192.168.1.2 ip_proto=6 ip_dscp=46 ip_frag=first "
			      "l4_src=1234 l4_dst=80");
	k.eth_type = 0x86dd;
	memcpy(k.ip_src, pb_ip6_a, 16);
	memcpy(k.ip_dst, pb_ip6_b, 16);
	k.vlan_tci = 0;
	k.ip_frag = 0;
	k.l4_src = 0;
	k.l4_dst = 0;
	cr_assert_eq(vs_flow_key_format(&k, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "in_port=3 eth_dst=52:54:00:00:00:02 eth_src=52:54:00:00:00:01 "
			      "eth_type=0x86dd ip_src=2001:db8::1 ip_dst=2001:db8:ff00::1234 "
			      "ip_proto=6 ip_dscp=46");
	k.eth_type = 0x88cc; /* not IP: no L3/L4 fields printed */
	cr_assert_eq(vs_flow_key_format(&k, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "in_port=3 eth_dst=52:54:00:00:00:02 eth_src=52:54:00:00:00:01 "
			      "eth_type=0x88cc");
	cr_assert_eq(vs_flow_key_format(&k, buf, 20), -ENOSPC);
	cr_assert_eq(strlen(buf), 19);
	cr_assert_eq(vs_flow_key_format(NULL, buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(vs_flow_key_format(&k, buf, 0), -EINVAL);
}
