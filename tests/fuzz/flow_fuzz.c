/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for flow-key extraction.
 *
 * Input: byte 0 chooses how the frame is split, the rest is the frame. Each
 * input is parsed twice in one burst: as one segment and as a chain of 2 or 3
 * segments. Segment data lives in heap blocks of exactly its size, so ASan
 * reports any read beyond a segment. The two keys and outcomes must be the
 * same, and each must satisfy the invariants below; checking the two without
 * keys (vs_flow_check_burst) must give the same outcomes. A violation aborts.
 *
 * The mbufs are built by hand (no EAL): the parser only uses buf_addr,
 * data_off, data_len, pkt_len and next. The same file is linked into a
 * Criterion test that replays the seed corpus and mutated inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "vs_flow_dp.h"

#define FZ_MAX_FRAME 16384
#define FZ_IN_PORT   0x1234

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int vs_flow_fuzz_one(const uint8_t *data, size_t size, uint8_t *outcome);

#define FZ_CHECK(c)                                                                                \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "flow_fuzz: %s:%d: invariant failed: %s\n", __FILE__,      \
				__LINE__, #c);                                                     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

struct fz_seg {
	struct rte_mbuf m;
	uint8_t *data;
};

static void
seg_init(struct fz_seg *s, const uint8_t *data, uint32_t size)
{
	memset(&s->m, 0, sizeof(s->m));
	s->data = malloc(size ? size : 1);
	FZ_CHECK(s->data != NULL);
	if (size)
		memcpy(s->data, data, size);
	s->m.buf_addr = s->data;
	s->m.buf_len = (uint16_t)size;
	s->m.data_off = 0;
	s->m.data_len = (uint16_t)size;
	s->m.pkt_len = size;
	s->m.nb_segs = 1;
	s->m.next = NULL;
}

static int
all_zero(const uint8_t *p, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void
check_key(const uint8_t *f, uint32_t len, const struct vs_flow_key *k, uint8_t o)
{
	uint16_t t0 = len >= 14 ? (uint16_t)(f[12] << 8 | f[13]) : 0;
	int is_ip = k->eth_type == 0x0800 || k->eth_type == 0x86dd;

	FZ_CHECK(o < VS_PARSE_MAX);
	FZ_CHECK(k->in_port == FZ_IN_PORT);
	/* the parser never sets the tunnel fields (the decap path does) */
	FZ_CHECK(all_zero(k->tun_id, sizeof(k->tun_id)) &&
		 all_zero(k->tun_src, sizeof(k->tun_src)));
	FZ_CHECK((o == VS_PARSE_RUNT) == (len < 14));
	if (o == VS_PARSE_RUNT) {
		struct vs_flow_key z;

		memset(&z, 0, sizeof(z));
		z.in_port = FZ_IN_PORT;
		FZ_CHECK(memcmp(&z, k, sizeof(z)) == 0);
		return;
	}
	FZ_CHECK(memcmp(k->eth_dst, f, 6) == 0);
	FZ_CHECK(memcmp(k->eth_src, f + 6, 6) == 0);
	/* an outer tag is recorded exactly when there is one */
	if (t0 == 0x8100 || t0 == 0x88a8) {
		if (o != VS_PARSE_VLAN_TRUNC || len >= 18) {
			FZ_CHECK(k->vlan_tci & VS_VLAN_PRESENT);
			FZ_CHECK((k->vlan_tci & VS_VLAN_VID_MASK) ==
				 ((f[14] << 8 | f[15]) & VS_VLAN_VID_MASK));
			FZ_CHECK(k->vlan_tci >> VS_VLAN_PCP_SHIFT == f[14] >> 5);
		}
	} else {
		FZ_CHECK(k->vlan_tci == 0);
		FZ_CHECK(k->eth_type == (t0 < 0x600 ? VS_ETH_TYPE_NONE : t0));
	}
	if (o == VS_PARSE_VLAN_TRUNC) {
		FZ_CHECK(k->eth_type == 0);
		FZ_CHECK(t0 == 0x8100 || t0 == 0x88a8);
	} else {
		FZ_CHECK(k->eth_type >= VS_ETH_TYPE_NONE); /* ok implies eth_type set */
	}
	FZ_CHECK(k->ip_frag <= VS_FRAG_LATER);
	FZ_CHECK(k->ip_dscp <= 63);
	if (!is_ip) {
		FZ_CHECK(o == VS_PARSE_OK || o == VS_PARSE_VLAN_TRUNC);
		FZ_CHECK(k->ip_proto == 0 && k->ip_dscp == 0 && k->ip_frag == 0);
		FZ_CHECK(k->l4_src == 0 && k->l4_dst == 0);
		FZ_CHECK(all_zero(k->ip_src, 16) && all_zero(k->ip_dst, 16));
		return;
	}
	switch (o) {
	case VS_PARSE_IPV4_TRUNC:
	case VS_PARSE_IPV4_VERSION:
	case VS_PARSE_IPV4_IHL:
	case VS_PARSE_IPV4_LEN:
		FZ_CHECK(k->eth_type == 0x0800);
		/* fall through */
	case VS_PARSE_IPV6_TRUNC:
	case VS_PARSE_IPV6_LEN:
		FZ_CHECK(o < VS_PARSE_IPV6_TRUNC || k->eth_type == 0x86dd);
		FZ_CHECK(k->ip_proto == 0 && k->ip_dscp == 0 && k->ip_frag == 0);
		FZ_CHECK(all_zero(k->ip_src, 16) && all_zero(k->ip_dst, 16));
		FZ_CHECK(k->l4_src == 0 && k->l4_dst == 0);
		break;
	case VS_PARSE_IPV6_EXTHDR:
		FZ_CHECK(k->eth_type == 0x86dd);
		FZ_CHECK(k->l4_src == 0 && k->l4_dst == 0);
		break;
	case VS_PARSE_L4_TRUNC:
		FZ_CHECK(k->ip_frag != VS_FRAG_LATER);
		FZ_CHECK(k->l4_src == 0 && k->l4_dst == 0);
		FZ_CHECK(k->ip_proto == 6 || k->ip_proto == 17 || k->ip_proto == 132 ||
			 k->ip_proto == (k->eth_type == 0x0800 ? 1 : 58));
		break;
	case VS_PARSE_OK:
		break;
	default:
		FZ_CHECK(!"unexpected outcome for an IP frame");
	}
	if (k->eth_type == 0x0800)
		FZ_CHECK(all_zero(k->ip_src + 4, 12) && all_zero(k->ip_dst + 4, 12));
	if (o == VS_PARSE_OK || o == VS_PARSE_L4_TRUNC || o == VS_PARSE_IPV6_EXTHDR) {
		/* the L3 header the parser used is where the tags say */
		uint32_t l3 = 14;

		if (t0 == 0x8100 || t0 == 0x88a8)
			l3 = (f[16] << 8 | f[17]) == 0x8100 ? 22 : 18;
		uint32_t l4 = 0, l3_end = 0, l4_min;
		int ports = k->ip_proto == 6 || k->ip_proto == 17 || k->ip_proto == 132;

		l4_min = k->ip_proto == 6 ? 20 : k->ip_proto == 17 ? 8 : 12;

		if (k->eth_type == 0x0800) {
			FZ_CHECK(l3 + 20 <= len);
			FZ_CHECK(k->ip_proto == f[l3 + 9]);
			FZ_CHECK(k->ip_dscp == f[l3 + 1] >> 2);
			FZ_CHECK(memcmp(k->ip_src, f + l3 + 12, 4) == 0);
			FZ_CHECK(memcmp(k->ip_dst, f + l3 + 16, 4) == 0);
			uint16_t fo = (uint16_t)(f[l3 + 6] << 8 | f[l3 + 7]);
			uint8_t want_frag = VS_FRAG_NONE;

			if (fo & 0x1fff)
				want_frag = VS_FRAG_LATER;
			else if (fo & 0x2000)
				want_frag = VS_FRAG_FIRST;
			FZ_CHECK(k->ip_frag == want_frag);
			l4 = l3 + (f[l3] & 0x0fu) * 4;
			l3_end = l3 + (uint32_t)(f[l3 + 2] << 8 | f[l3 + 3]);
		} else {
			FZ_CHECK(l3 + 40 <= len);
			FZ_CHECK(k->ip_dscp == ((f[l3] << 8 | f[l3 + 1]) >> 6 & 0x3f));
			FZ_CHECK(memcmp(k->ip_src, f + l3 + 8, 16) == 0);
			FZ_CHECK(memcmp(k->ip_dst, f + l3 + 24, 16) == 0);
			/* no extension header: the L4 header follows the fixed one */
			if (k->ip_proto == f[l3 + 6] && o != VS_PARSE_IPV6_EXTHDR)
				l4 = l3 + 40;
			l3_end = l3 + 40 + (uint32_t)(f[l3 + 4] << 8 | f[l3 + 5]);
		}
		/* ports come from where the L3 header says the L4 header is */
		if (o == VS_PARSE_OK && ports && l4 != 0 && k->ip_frag != VS_FRAG_LATER) {
			FZ_CHECK(l4 + l4_min <= l3_end && l3_end <= len);
			FZ_CHECK(k->l4_src == (f[l4] << 8 | f[l4 + 1]));
			FZ_CHECK(k->l4_dst == (f[l4 + 2] << 8 | f[l4 + 3]));
		}
	}
	if (k->ip_frag == VS_FRAG_LATER)
		FZ_CHECK(k->l4_src == 0 && k->l4_dst == 0);
	if (k->ip_proto == (k->eth_type == 0x0800 ? 1 : 58))
		FZ_CHECK(k->l4_src <= 255 && k->l4_dst <= 255);
}

int
vs_flow_fuzz_one(const uint8_t *data, size_t size, uint8_t *outcome)
{
	struct fz_seg whole, segs[3];
	struct rte_mbuf *pkts[2];
	struct vs_flow_key keys[2];
	const uint8_t *f;
	uint8_t o[2] = {0xff, 0xff}, oc[2];
	uint32_t len, cut[2];
	unsigned int n_segs, i;
	uint64_t mask;

	if (size < 1)
		return -1;
	f = data + 1;
	len = (uint32_t)(size - 1 > FZ_MAX_FRAME ? FZ_MAX_FRAME : size - 1);

	/* byte 0: bits 0-6 the first cut, bit 7 a third segment */
	cut[0] = data[0] & 0x7f;
	if (cut[0] > len)
		cut[0] = len;
	cut[1] = (data[0] & 0x80) ? cut[0] + (len - cut[0]) / 2 : len;
	n_segs = (data[0] & 0x80) ? 3 : 2;

	seg_init(&whole, f, len);
	seg_init(&segs[0], f, cut[0]);
	seg_init(&segs[1], f + cut[0], cut[1] - cut[0]);
	if (n_segs == 3)
		seg_init(&segs[2], f + cut[1], len - cut[1]);
	for (i = 1; i < n_segs; i++)
		segs[i - 1].m.next = &segs[i].m;
	segs[0].m.nb_segs = (uint16_t)n_segs;
	segs[0].m.pkt_len = len;
	for (i = 1; i < n_segs; i++)
		segs[i].m.pkt_len = 0; /* only the head's pkt_len counts */

	pkts[0] = &whole.m;
	pkts[1] = &segs[0].m;
	memset(keys, 0x5a, sizeof(keys));
	mask = vs_flow_extract_burst(pkts, 2, FZ_IN_PORT, keys, o);

	FZ_CHECK(mask == ((uint64_t)(o[0] != VS_PARSE_OK) | (uint64_t)(o[1] != VS_PARSE_OK) << 1));
	check_key(f, len, &keys[0], o[0]);
	FZ_CHECK(o[1] == o[0]);
	FZ_CHECK(memcmp(&keys[0], &keys[1], sizeof(keys[0])) == 0);
	/* checking without keys (a port-only rule's burst) finds the same */
	oc[0] = oc[1] = 0xff;
	FZ_CHECK(vs_flow_check_burst(pkts, 2, oc) == mask);
	FZ_CHECK(oc[0] == o[0] && oc[1] == o[1]);

	free(whole.data);
	for (i = 0; i < n_segs; i++)
		free(segs[i].data);
	if (outcome != NULL)
		*outcome = o[0];
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vs_flow_fuzz_one(data, size, NULL);
	return 0;
}
