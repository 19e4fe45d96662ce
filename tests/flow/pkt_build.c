/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "pkt_build.h"

const uint8_t pb_mac_a[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};
const uint8_t pb_mac_b[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};
const uint8_t pb_ip6_a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
const uint8_t pb_ip6_b[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34};

struct rte_mempool *tf_pool;

void
pb_init(struct pb *b)
{
	memset(b, 0, sizeof(*b));
	b->l3_off = -1;
	b->udp_off = -1;
}

void
pb_bytes(struct pb *b, const void *p, uint32_t size)
{
	cr_assert(b->len + size <= PB_MAX, "test frame too long");
	if (p != NULL)
		memcpy(b->buf + b->len, p, size);
	else
		memset(b->buf + b->len, 0, size);
	b->len += size;
}

void
pb_u8(struct pb *b, uint8_t v)
{
	pb_bytes(b, &v, 1);
}

void
pb_u16(struct pb *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	pb_bytes(b, x, 2);
}

void
pb_u32(struct pb *b, uint32_t v)
{
	pb_u16(b, (uint16_t)(v >> 16));
	pb_u16(b, (uint16_t)v);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
pb_eth(struct pb *b, const uint8_t dst[6], const uint8_t src[6])
{
	pb_bytes(b, dst, 6);
	pb_bytes(b, src, 6);
}

void
pb_vlan(struct pb *b, uint16_t tpid, uint16_t tci)
{
	pb_u16(b, tpid);
	pb_u16(b, tci);
}

void
pb_ethertype(struct pb *b, uint16_t type)
{
	pb_u16(b, type);
}

uint32_t
pb_ipv4(struct pb *b, uint32_t src, uint32_t dst, uint8_t proto, uint8_t tos, uint16_t frag,
	uint8_t opts_size)
{
	uint32_t off = b->len, i;

	cr_assert(opts_size % 4 == 0 && opts_size <= 40);
	b->l3_off = (int32_t)off;
	b->l3_v6 = false;
	pb_u8(b, (uint8_t)(0x40 | (5 + opts_size / 4)));
	pb_u8(b, tos);
	pb_u16(b, 0); /* total length: pb_finish */
	pb_u16(b, 0x1234);
	pb_u16(b, frag);
	pb_u8(b, 64);
	pb_u8(b, proto);
	pb_u16(b, 0); /* checksum: pb_finish */
	pb_u32(b, src);
	pb_u32(b, dst);
	/* options: NOPs then an end-of-list, as a real stack pads them */
	for (i = 0; i < opts_size; i++)
		pb_u8(b, i + 1 == opts_size ? 0 : 1);
	return off;
}

uint32_t
pb_ipv6(struct pb *b, const uint8_t src[16], const uint8_t dst[16], uint8_t nh, uint8_t tclass)
{
	uint32_t off = b->len;

	b->l3_off = (int32_t)off;
	b->l3_v6 = true;
	pb_u32(b, 0x60000000u | (uint32_t)tclass << 20 | 0x12345);
	pb_u16(b, 0); /* payload length: pb_finish */
	pb_u8(b, nh);
	pb_u8(b, 64);
	pb_bytes(b, src, 16);
	pb_bytes(b, dst, 16);
	return off;
}

uint32_t
pb_ipv6_ext(struct pb *b, uint8_t type, uint8_t nh, uint32_t size)
{
	uint32_t off = b->len;

	if (type == 51) {
		cr_assert(size % 4 == 0 && size >= 12 && size / 4 - 2 <= 255);
		pb_u8(b, nh);
		pb_u8(b, (uint8_t)(size / 4 - 2));
	} else {
		cr_assert(size % 8 == 0 && size >= 8 && size / 8 - 1 <= 255);
		pb_u8(b, nh);
		pb_u8(b, (uint8_t)(size / 8 - 1));
	}
	/* PadN option filling the rest (harmless for every type here) */
	pb_u8(b, 1);
	pb_u8(b, (uint8_t)(size - 4));
	pb_payload(b, size - 4, 0);
	return off;
}

uint32_t
pb_ipv6_frag(struct pb *b, uint8_t nh, uint16_t offset, bool more)
{
	uint32_t off = b->len;

	pb_u8(b, nh);
	pb_u8(b, 0);
	pb_u16(b, (uint16_t)(offset << 3 | (more ? 1 : 0)));
	pb_u32(b, 0xabcdef01);
	return off;
}

uint32_t
pb_tcp(struct pb *b, uint16_t sport, uint16_t dport)
{
	uint32_t off = b->len;

	pb_u16(b, sport);
	pb_u16(b, dport);
	pb_u32(b, 1000); /* seq */
	pb_u32(b, 0);	 /* ack */
	pb_u8(b, 5 << 4);
	pb_u8(b, 0x02); /* SYN */
	pb_u16(b, 65535);
	pb_u16(b, 0);
	pb_u16(b, 0);
	return off;
}

uint32_t
pb_udp(struct pb *b, uint16_t sport, uint16_t dport)
{
	uint32_t off = b->len;

	b->udp_off = (int32_t)off;
	pb_u16(b, sport);
	pb_u16(b, dport);
	pb_u16(b, 0); /* length: pb_finish */
	pb_u16(b, 0);
	return off;
}

uint32_t
pb_sctp(struct pb *b, uint16_t sport, uint16_t dport)
{
	uint32_t off = b->len;

	pb_u16(b, sport);
	pb_u16(b, dport);
	pb_u32(b, 0xdeadbeef); /* verification tag */
	pb_u32(b, 0);	       /* checksum */
	return off;
}

uint32_t
pb_icmp(struct pb *b, uint8_t type, uint8_t code)
{
	uint32_t off = b->len;

	pb_u8(b, type);
	pb_u8(b, code);
	pb_u16(b, 0);
	pb_u32(b, 0x00010002); /* id, sequence */
	return off;
}

void
pb_payload(struct pb *b, uint32_t size, uint8_t fill)
{
	cr_assert(b->len + size <= PB_MAX, "test frame too long");
	memset(b->buf + b->len, fill, size);
	b->len += size;
}

void
pb_finish(struct pb *b)
{
	if (b->l3_off >= 0 && !b->l3_v6) {
		uint8_t *h = b->buf + b->l3_off;
		uint32_t sum = 0, i, hlen = (uint32_t)(h[0] & 0xf) * 4;

		put16(h + 2, (uint16_t)(b->len - (uint32_t)b->l3_off));
		put16(h + 10, 0);
		for (i = 0; i < hlen; i += 2)
			sum += (uint32_t)h[i] << 8 | h[i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(h + 10, (uint16_t)~sum);
	} else if (b->l3_off >= 0) {
		put16(b->buf + b->l3_off + 4, (uint16_t)(b->len - (uint32_t)b->l3_off - 40));
	}
	if (b->udp_off >= 0)
		put16(b->buf + b->udp_off + 4, (uint16_t)(b->len - (uint32_t)b->udp_off));
}

void
pb_pad(struct pb *b, uint32_t to_len)
{
	if (b->len < to_len)
		pb_payload(b, to_len - b->len, 0);
}

void
tf_eal_init(void)
{
	/* --in-memory is refused with --no-huge by DPDK 22.11 (it implies
	 * legacy memory); --no-shconf and a per-process prefix keep parallel
	 * test processes apart instead. */
	char prefix[64];
	char *argv[] = {"flow_test",
			"--no-huge",
			"-m",
			"256",
			"--no-shconf",
			prefix,
			"--no-pci",
			"--no-telemetry",
			"--log-level=*:warning",
			"-l",
			"0"};
	int argc = (int)(sizeof(argv) / sizeof(argv[0]));

	snprintf(prefix, sizeof(prefix), "--file-prefix=vs_flow_test_%d", (int)getpid());

	cr_assert(rte_eal_init(argc, argv) >= 0, "rte_eal_init failed: %s",
		  rte_strerror(rte_errno));
	tf_pool = rte_pktmbuf_pool_create("flow_test", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	cr_assert(tf_pool != NULL, "mempool: %s", rte_strerror(rte_errno));
}

struct rte_mbuf *
tf_mbuf(const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tf_pool);
	char *p;

	cr_assert(m != NULL);
	p = rte_pktmbuf_append(m, (uint16_t)len);
	cr_assert(p != NULL || len == 0, "frame of %u bytes does not fit an mbuf", len);
	if (len > 0)
		memcpy(p, data, len);
	return m;
}

struct rte_mbuf *
tf_mbuf_split(const uint8_t *data, uint32_t len, const uint32_t *cuts, unsigned int n_cuts)
{
	struct rte_mbuf *head = NULL;
	uint32_t start = 0;
	unsigned int i;

	for (i = 0; i <= n_cuts; i++) {
		uint32_t stop = i < n_cuts ? cuts[i] : len;
		struct rte_mbuf *seg;

		cr_assert(stop >= start && stop <= len, "bad cut %u", stop);
		seg = tf_mbuf(data + start, stop - start);
		if (head == NULL)
			head = seg;
		else
			cr_assert(rte_pktmbuf_chain(head, seg) == 0);
		start = stop;
	}
	return head;
}
