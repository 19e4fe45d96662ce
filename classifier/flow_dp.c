/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow-key extraction, fast path.
 *
 * One packet is parsed front to back with every header read going through
 * flow_hdr(): it bounds the read by the current parse limit (the packet length,
 * then the end of the L3 datagram, so Ethernet padding is never taken for a
 * header) and hands back a pointer into the first segment when the bytes are
 * there, which is the case for all but pathological mbufs. Headers that
 * straddle segments are gathered with rte_pktmbuf_read() into a small stack
 * buffer in a cold function.
 *
 * On a malformed packet the key keeps what was parsed before the bad header
 * (in_port, L2, eth_type; the L3 fields once the fixed IP header was valid,
 * i.e. for IPV6_EXTHDR and L4_TRUNC) and everything after it is zero; the
 * outcome names the problem. As in OVS, the EtherType decides the L3 parser:
 * the IPv6 version nibble is not checked (there is no outcome for it), the
 * IPv4 one is.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#if defined(RTE_ARCH_X86)
#include <tmmintrin.h>
#endif

#include "vs_flow_dp.h"

#define ETH_HDR_SIZE	   14
#define VLAN_TAG_SIZE	   4
#define IPV4_MIN_HDR_SIZE  20
#define IPV6_HDR_SIZE	   40
#define IPV6_FRAG_HDR_SIZE 8

#define ETYPE_IPV4 0x0800
#define ETYPE_IPV6 0x86dd
#define ETYPE_VLAN 0x8100
#define ETYPE_QINQ 0x88a8
#define ETYPE_MIN  0x0600 /* below: an 802.3 length field */

#define PROTO_HOPOPTS  0
#define PROTO_ICMP     1
#define PROTO_TCP      6
#define PROTO_UDP      17
#define PROTO_ROUTING  43
#define PROTO_FRAGMENT 44
#define PROTO_AH       51
#define PROTO_ICMPV6   58
#define PROTO_DSTOPTS  60
#define PROTO_SCTP     132

#define IPV4_MF		   0x2000
#define IPV4_OFF_MASK	   0x1fff
#define IPV6_FRAG_OFF_MASK 0xfff8
#define IPV6_FRAG_MF	   0x0001

#define PREFETCH_AHEAD 3

struct flow_pkt {
	const struct rte_mbuf *m;
	const uint8_t *data; /* first segment's data */
	uint32_t seg_size;   /* contiguous bytes at data, never beyond pkt_len */
	uint32_t end;	     /* reads stop here: pkt_len, then the L3 datagram's end */
};

/* Bytes of the largest single header read (the IPv6 fixed header). */
#define FLOW_HDR_BUF_SIZE IPV6_HDR_SIZE

static __rte_noinline const void *
flow_gather(const struct flow_pkt *p, uint32_t off, uint32_t size, void *buf)
{
	return rte_pktmbuf_read(p->m, off, size, buf);
}

/* size bytes at off, or NULL when they are not all before p->end. */
static inline const uint8_t *
flow_hdr(const struct flow_pkt *p, uint32_t off, uint32_t size, uint8_t *buf)
{
	if (unlikely((uint64_t)off + size > p->end))
		return NULL;
	if (likely(off + size <= p->seg_size))
		return p->data + off;
	return flow_gather(p, off, size, buf);
}

static inline uint16_t
rd16(const uint8_t *b)
{
	return (uint16_t)((uint16_t)b[0] << 8 | b[1]);
}

/* Minimum header size per L4 protocol, 0 when ports/type are not extracted. */
static inline uint32_t
l4_min_size(uint8_t proto, int ipv6)
{
	switch (proto) {
	case PROTO_TCP:
		return 20;
	case PROTO_UDP:
		return 8;
	case PROTO_SCTP:
		return 12;
	case PROTO_ICMP:
		return ipv6 ? 0 : 8;
	case PROTO_ICMPV6:
		return ipv6 ? 4 : 0;
	default:
		return 0;
	}
}

/* Ports (or ICMP type/code) from L4 header h of a protocol l4_min_size
 * gives a size for. */
static inline void
l4_fields(const uint8_t *h, struct vs_flow_key *k)
{
	if (k->ip_proto == PROTO_ICMP || k->ip_proto == PROTO_ICMPV6) {
		k->l4_src = h[0];
		k->l4_dst = h[1];
	} else {
		k->l4_src = rd16(h);
		k->l4_dst = rd16(h + 2);
	}
}

/* Ports (or ICMP type/code) of the L4 header at off. */
static inline enum vs_parse_outcome
parse_l4(const struct flow_pkt *p, uint32_t off, int ipv6, struct vs_flow_key *k)
{
	uint8_t buf[FLOW_HDR_BUF_SIZE];
	uint32_t size = l4_min_size(k->ip_proto, ipv6);
	const uint8_t *h;

	if (size == 0)
		return VS_PARSE_OK;
	h = flow_hdr(p, off, size, buf);
	if (unlikely(h == NULL))
		return VS_PARSE_L4_TRUNC;
	l4_fields(h, k);
	return VS_PARSE_OK;
}

static inline enum vs_parse_outcome
parse_ipv4(struct flow_pkt *p, uint32_t off, struct vs_flow_key *k)
{
	uint8_t buf[FLOW_HDR_BUF_SIZE];
	const uint8_t *h = flow_hdr(p, off, IPV4_MIN_HDR_SIZE, buf);
	uint32_t hlen, tot;
	uint16_t frag;

	if (unlikely(h == NULL))
		return VS_PARSE_IPV4_TRUNC;
	if (unlikely((h[0] >> 4) != 4))
		return VS_PARSE_IPV4_VERSION;
	hlen = (uint32_t)(h[0] & 0x0f) * 4;
	if (unlikely(hlen < IPV4_MIN_HDR_SIZE || off + hlen > p->end))
		return VS_PARSE_IPV4_IHL;
	tot = rd16(h + 2);
	if (unlikely(tot < hlen || off + tot > p->end))
		return VS_PARSE_IPV4_LEN;

	k->ip_dscp = h[1] >> 2;
	k->ip_proto = h[9];
	memcpy(k->ip_src, h + 12, 4);
	memcpy(k->ip_dst, h + 16, 4);
	frag = rd16(h + 6);
	p->end = off + tot; /* Ethernet padding is not L4 */
	if (likely((frag & (IPV4_MF | IPV4_OFF_MASK)) == 0))
		return parse_l4(p, off + hlen, 0, k);
	if (frag & IPV4_OFF_MASK) {
		k->ip_frag = VS_FRAG_LATER;
		return VS_PARSE_OK;
	}
	k->ip_frag = VS_FRAG_FIRST;
	return parse_l4(p, off + hlen, 0, k);
}

static inline enum vs_parse_outcome
parse_ipv6(struct flow_pkt *p, uint32_t off, struct vs_flow_key *k)
{
	uint8_t buf[FLOW_HDR_BUF_SIZE];
	const uint8_t *h = flow_hdr(p, off, IPV6_HDR_SIZE, buf);
	uint32_t plen;
	uint8_t nh;
	unsigned int i;

	if (unlikely(h == NULL))
		return VS_PARSE_IPV6_TRUNC;
	plen = rd16(h + 4);
	nh = h[6];
	/* plen 0 behind a hop-by-hop header is a jumbogram (RFC 2675): the
	 * frame gives the length. */
	if (likely(plen != 0 || nh != PROTO_HOPOPTS)) {
		if (unlikely(off + IPV6_HDR_SIZE + plen > p->end))
			return VS_PARSE_IPV6_LEN;
		p->end = off + IPV6_HDR_SIZE + plen;
	}
	k->ip_dscp = (uint8_t)((rd16(h) >> 6) & 0x3f);
	memcpy(k->ip_src, h + 8, 16);
	memcpy(k->ip_dst, h + 24, 16);
	off += IPV6_HDR_SIZE;

	for (i = 0;; i++) {
		uint32_t size;

		if (likely(nh != PROTO_HOPOPTS && nh != PROTO_ROUTING && nh != PROTO_DSTOPTS &&
			   nh != PROTO_FRAGMENT && nh != PROTO_AH))
			break;
		if (unlikely(i == VS_FLOW_IPV6_MAX_EXTHDRS))
			return VS_PARSE_IPV6_EXTHDR;
		if (nh == PROTO_FRAGMENT) {
			uint16_t fo;

			h = flow_hdr(p, off, IPV6_FRAG_HDR_SIZE, buf);
			if (unlikely(h == NULL))
				return VS_PARSE_IPV6_EXTHDR;
			nh = h[0];
			fo = rd16(h + 2);
			if (fo & IPV6_FRAG_OFF_MASK) {
				k->ip_proto = nh;
				k->ip_frag = VS_FRAG_LATER;
				return VS_PARSE_OK;
			}
			if (fo & IPV6_FRAG_MF)
				k->ip_frag = VS_FRAG_FIRST;
			size = IPV6_FRAG_HDR_SIZE;
		} else {
			h = flow_hdr(p, off, 2, buf);
			if (unlikely(h == NULL))
				return VS_PARSE_IPV6_EXTHDR;
			size = nh == PROTO_AH ? ((uint32_t)h[1] + 2) * 4 : ((uint32_t)h[1] + 1) * 8;
			nh = h[0];
			if (unlikely(off + size > p->end))
				return VS_PARSE_IPV6_EXTHDR;
		}
		off += size;
	}
	k->ip_proto = nh;
	return parse_l4(p, off, 1, k);
}

static inline enum vs_parse_outcome
parse_pkt(const struct rte_mbuf *m, struct vs_flow_key *k)
{
	uint8_t buf[FLOW_HDR_BUF_SIZE];
	struct flow_pkt p;
	const uint8_t *h;
	uint32_t off;
	uint16_t type;

	p.m = m;
	p.data = rte_pktmbuf_mtod(m, const uint8_t *);
	p.end = rte_pktmbuf_pkt_len(m);
	p.seg_size = RTE_MIN((uint32_t)rte_pktmbuf_data_len(m), p.end);

	h = flow_hdr(&p, 0, ETH_HDR_SIZE, buf);
	if (unlikely(h == NULL))
		return VS_PARSE_RUNT;
	memcpy(k->eth_dst, h, 6);
	memcpy(k->eth_src, h + 6, 6);
	type = rd16(h + 12);
	off = ETH_HDR_SIZE;
	if (type == ETYPE_VLAN || type == ETYPE_QINQ) {
		uint16_t tci;

		h = flow_hdr(&p, off, VLAN_TAG_SIZE, buf);
		if (unlikely(h == NULL))
			return VS_PARSE_VLAN_TRUNC;
		tci = rd16(h);
		k->vlan_tci = tci | VS_VLAN_PRESENT; /* the DEI bit becomes "present" */
		type = rd16(h + 2);
		off += VLAN_TAG_SIZE;
		if (type == ETYPE_VLAN) { /* QinQ: skip the inner tag */
			h = flow_hdr(&p, off, VLAN_TAG_SIZE, buf);
			if (unlikely(h == NULL))
				return VS_PARSE_VLAN_TRUNC;
			type = rd16(h + 2);
			off += VLAN_TAG_SIZE;
		}
	}
	if (unlikely(type < ETYPE_MIN))
		type = VS_ETH_TYPE_NONE;
	k->eth_type = type;

	if (likely(type == ETYPE_IPV4))
		return parse_ipv4(&p, off, k);
	if (type == ETYPE_IPV6)
		return parse_ipv6(&p, off, k);
	return VS_PARSE_OK;
}

/*
 * The common frame: untagged IPv4 with a 20-byte header, not a fragment,
 * its L4 header inside the datagram and the first segment. True when m is
 * one (its IPv4 header at *ip, the L4 header's minimum size in *need); a
 * frame that is not is left to parse_pkt, which names any problem.
 */
static inline bool
ipv4_fast_ok(const struct rte_mbuf *m, const uint8_t **ip, uint32_t *need)
{
	const uint8_t *h = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *i4 = h + ETH_HDR_SIZE;
	uint32_t seg = RTE_MIN((uint32_t)rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m));
	uint32_t tot, nd;

	if (unlikely(seg < ETH_HDR_SIZE + IPV4_MIN_HDR_SIZE) || rd16(h + 12) != ETYPE_IPV4 ||
	    i4[0] != 0x45 || (rd16(i4 + 6) & (IPV4_MF | IPV4_OFF_MASK)) != 0)
		return false;
	tot = rd16(i4 + 2);
	nd = IPV4_MIN_HDR_SIZE + l4_min_size(i4[9], 0);
	if (unlikely(tot < nd || ETH_HDR_SIZE + tot > rte_pktmbuf_pkt_len(m) ||
		     ETH_HDR_SIZE + nd > seg))
		return false;
	*ip = i4;
	*need = nd;
	return true;
}

static inline void
key_reset(struct vs_flow_key *k, uint16_t in_port)
{
	vs_flow_word_t *w = vs_flow_key_words_rw(k);
	unsigned int i;

	for (i = 0; i < VS_FLOW_KEY_WORDS; i++)
		w[i] = 0;
	k->in_port = in_port;
}

#if defined(RTE_ARCH_X86) && defined(__SSSE3__)
/*
 * The key of a frame ipv4_fast_ok took whose protocol has ports (TCP, UDP,
 * SCTP), written whole from two 16-byte loads of its headers: Ethernet
 * addresses from bytes 0-15, addresses and ports from bytes 22-37 (the IPv4
 * header's TTL on), each shuffled into place with the ports turned to host
 * order; five stores instead of zeroing the line and writing ten fields.
 */
static inline void
flow_key_ipv4_ports(struct vs_flow_key *k, const uint8_t *h, const uint8_t *ip, uint16_t in_port)
{
	const __m128i l2 = _mm_loadu_si128((const __m128i *)(const void *)h);
	const __m128i l3 = _mm_loadu_si128((const __m128i *)(const void *)(ip + 8));
	/* Key bytes 8-23: eth_dst, eth_src (l2 0-11), l4_src, l4_dst (l3 12-15, swapped). */
	const __m128i eth = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -1, -1, -1, -1);
	const __m128i ports =
	    _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 13, 12, 15, 14);
	/* Key bytes 24-39 and 40-55: the first 4 bytes of ip_src, ip_dst. */
	const __m128i src =
	    _mm_setr_epi8(4, 5, 6, 7, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
	const __m128i dst =
	    _mm_setr_epi8(8, 9, 10, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
	vs_flow_word_t *w = vs_flow_key_words_rw(k);
	uint8_t *b = (uint8_t *)k;

	_Static_assert(offsetof(struct vs_flow_key, eth_type) == 4 &&
			   offsetof(struct vs_flow_key, ip_proto) == 6 &&
			   offsetof(struct vs_flow_key, ip_dscp) == 7 &&
			   offsetof(struct vs_flow_key, eth_dst) == 8 &&
			   offsetof(struct vs_flow_key, l4_src) == 20 &&
			   offsetof(struct vs_flow_key, ip_src) == 24 &&
			   offsetof(struct vs_flow_key, ip_dst) == 40,
		       "the layout flow_key_ipv4_ports writes");

	w[0] = (uint64_t)in_port | ((uint64_t)ETYPE_IPV4 << 32) | ((uint64_t)ip[9] << 48) |
	       ((uint64_t)(ip[1] >> 2) << 56);
	_mm_storeu_si128((__m128i *)(void *)(b + 8),
			 _mm_or_si128(_mm_shuffle_epi8(l2, eth), _mm_shuffle_epi8(l3, ports)));
	_mm_storeu_si128((__m128i *)(void *)(b + 24), _mm_shuffle_epi8(l3, src));
	_mm_storeu_si128((__m128i *)(void *)(b + 40), _mm_shuffle_epi8(l3, dst));
	w[7] = 0;
}
#endif

/*
 * The common frame (ipv4_fast_ok) in one step, its key written whole. Every
 * check comes before the first write, so a frame that fails one is parsed by
 * parse_pkt from a clean key; a frame taken here gets the key parse_pkt
 * would give it.
 */
static inline bool
parse_ipv4_fast(const struct rte_mbuf *m, struct vs_flow_key *k, uint16_t in_port)
{
	const uint8_t *h = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip;
	uint32_t need;

	if (!ipv4_fast_ok(m, &ip, &need))
		return false;
#if defined(RTE_ARCH_X86) && defined(__SSSE3__)
	if (likely(ip[9] == PROTO_UDP || ip[9] == PROTO_TCP || ip[9] == PROTO_SCTP)) {
		flow_key_ipv4_ports(k, h, ip, in_port);
		return true;
	}
#endif
	key_reset(k, in_port);
	memcpy(k->eth_dst, h, 6);
	memcpy(k->eth_src, h + 6, 6);
	k->eth_type = ETYPE_IPV4;
	k->ip_dscp = ip[1] >> 2;
	k->ip_proto = ip[9];
	memcpy(k->ip_src, ip + 12, 4);
	memcpy(k->ip_dst, ip + 16, 4);
	if (need != IPV4_MIN_HDR_SIZE)
		l4_fields(ip + IPV4_MIN_HDR_SIZE, k);
	return true;
}

static inline void
prefetch_pkt(const struct rte_mbuf *m)
{
	rte_prefetch0(rte_pktmbuf_mtod(m, const void *));
}

uint64_t
vs_flow_extract_burst(struct rte_mbuf *const *pkts, uint16_t n, uint16_t in_port,
		      struct vs_flow_key *keys, uint8_t *outcome)
{
	uint64_t bad = 0;
	uint16_t i;

	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		prefetch_pkt(pkts[i]);
	for (i = 0; i < n; i++) {
		enum vs_parse_outcome o;

		if (i + PREFETCH_AHEAD < n)
			prefetch_pkt(pkts[i + PREFETCH_AHEAD]);
		if (likely(parse_ipv4_fast(pkts[i], &keys[i], in_port))) {
			o = VS_PARSE_OK;
		} else {
			key_reset(&keys[i], in_port);
			o = parse_pkt(pkts[i], &keys[i]);
		}
		outcome[i] = (uint8_t)o;
		bad |= (uint64_t)(o != VS_PARSE_OK) << (i & 63);
	}
	return bad;
}

uint64_t
vs_flow_check_burst(struct rte_mbuf *const *pkts, uint16_t n, uint8_t *outcome)
{
	uint64_t bad = 0;
	uint16_t i;

	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		prefetch_pkt(pkts[i]);
	for (i = 0; i < n; i++) {
		enum vs_parse_outcome o = VS_PARSE_OK;
		const uint8_t *ip;
		uint32_t need;

		if (i + PREFETCH_AHEAD < n)
			prefetch_pkt(pkts[i + PREFETCH_AHEAD]);
		if (unlikely(!ipv4_fast_ok(pkts[i], &ip, &need))) {
			struct vs_flow_key k;

			key_reset(&k, 0);
			o = parse_pkt(pkts[i], &k);
		}
		outcome[i] = (uint8_t)o;
		bad |= (uint64_t)(o != VS_PARSE_OK) << (i & 63);
	}
	return bad;
}
