/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helper: craft Ethernet/VLAN/IPv4/IPv6(+extension headers)/L4 frames
 * byte by byte, and turn them into real mbufs (contiguous or chained).
 *
 * Build a frame front to back: pb_eth(), any pb_vlan() tags, pb_ethertype(),
 * an L3 header, extension headers, an L4 header, payload; pb_finish() then
 * fills the IPv4 total length/checksum, the IPv6 payload length and the UDP
 * length from what was appended. Corrupt bytes after pb_finish() to make a
 * malformed frame; pb_pad() adds Ethernet padding that no length covers.
 */
#ifndef VS_TEST_PKT_BUILD_H
#define VS_TEST_PKT_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#define PB_MAX 4096

struct pb {
	uint8_t buf[PB_MAX];
	uint32_t len;
	int32_t l3_off; /* -1 when none */
	bool l3_v6;
	int32_t udp_off; /* -1 when none */
};

void pb_init(struct pb *b);
void pb_bytes(struct pb *b, const void *p, uint32_t size);
void pb_u8(struct pb *b, uint8_t v);
void pb_u16(struct pb *b, uint16_t v); /* big endian */
void pb_u32(struct pb *b, uint32_t v); /* big endian */

void pb_eth(struct pb *b, const uint8_t dst[6], const uint8_t src[6]);
void pb_vlan(struct pb *b, uint16_t tpid, uint16_t tci);
void pb_ethertype(struct pb *b, uint16_t type);

/* src/dst in host order (0x0a000001 is 10.0.0.1); frag is the 16-bit
 * flags+offset field; opts_size a multiple of 4, at most 40. */
uint32_t pb_ipv4(struct pb *b, uint32_t src, uint32_t dst, uint8_t proto, uint8_t tos,
		 uint16_t frag, uint8_t opts_size);
uint32_t pb_ipv6(struct pb *b, const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
		 uint8_t tclass);
/* Hop-by-hop, routing or destination options header (size: a multiple of
 * 8, >= 8) or AH (type 51, size a multiple of 4, >= 12). */
uint32_t pb_ipv6_ext(struct pb *b, uint8_t type, uint8_t nh, uint32_t size);
/* offset in 8-byte units */
uint32_t pb_ipv6_frag(struct pb *b, uint8_t nh, uint16_t offset, bool more);

uint32_t pb_tcp(struct pb *b, uint16_t sport, uint16_t dport);
uint32_t pb_udp(struct pb *b, uint16_t sport, uint16_t dport);
uint32_t pb_sctp(struct pb *b, uint16_t sport, uint16_t dport);
uint32_t pb_icmp(struct pb *b, uint8_t type, uint8_t code); /* 8 bytes, ICMP or ICMPv6 */
void pb_payload(struct pb *b, uint32_t size, uint8_t fill);
void pb_finish(struct pb *b);
void pb_pad(struct pb *b, uint32_t to_len);

/* Common addresses used by the tests. */
extern const uint8_t pb_mac_a[6], pb_mac_b[6];
extern const uint8_t pb_ip6_a[16], pb_ip6_b[16];

/* Real mbufs. The pool comes from tf_eal_init() (EAL with --no-huge --in-memory). */
extern struct rte_mempool *tf_pool;
void tf_eal_init(void);
struct rte_mbuf *tf_mbuf(const uint8_t *data, uint32_t len);
/* A chain whose segments end at the cut offsets (ascending, 0 < cut < len). */
struct rte_mbuf *tf_mbuf_split(const uint8_t *data, uint32_t len, const uint32_t *cuts,
			       unsigned int n_cuts);

#endif /* VS_TEST_PKT_BUILD_H */
