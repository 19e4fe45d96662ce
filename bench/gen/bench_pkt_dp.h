/* SPDX-License-Identifier: BSD-3-Clause */
/* nfvswitch-bench packets, per-packet part: no logging, no allocation. */
#ifndef VS_BENCH_PKT_DP_H
#define VS_BENCH_PKT_DP_H

#include <stdint.h>
#include <string.h>

#include "bench_pkt.h"

static inline uint16_t
vs_bench_rd16be_(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/*
 * Find the bench payload in a frame of len contiguous bytes: Ethernet, any
 * number of 802.1Q/802.1ad tags (a switch may push one), IPv4 with options,
 * UDP. Returns the payload offset, or -1 when the frame is not a bench frame
 * (wrong type, truncated, bad magic).
 */
static inline int
vs_bench_payload_offset(const uint8_t *p, uint32_t len)
{
	uint32_t off = 12;
	uint16_t type;
	uint32_t ihl;

	if (len < VS_BENCH_HDR_SIZE)
		return -1;
	type = vs_bench_rd16be_(p + off);
	while ((type == 0x8100 || type == 0x88a8) && off + 6 <= len) {
		off += 4;
		type = vs_bench_rd16be_(p + off);
	}
	off += 2;
	if (type != 0x0800 || off + 20 > len)
		return -1;
	ihl = (uint32_t)(p[off] & 0x0f) * 4;
	if ((p[off] >> 4) != 4 || ihl < 20 || p[off + 9] != 17)
		return -1;
	off += ihl + 8;
	if (off + sizeof(struct vs_bench_payload) > len || p[off] != VS_BENCH_MAGIC)
		return -1;
	return (int)off;
}

static inline void
vs_bench_wr16be_(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
vs_bench_wr32be_(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The 5-tuple of a flow; see the layout in bench_pkt.h. */
static inline void
vs_bench_flow_tuple_dp(const struct vs_bench_flows *f, uint32_t flow, struct vs_bench_tuple *t)
{
	uint32_t g = 0, j = flow, h;

	if (f->n_masks > 1) {
		g = flow % f->n_masks;
		j = flow / f->n_masks;
	}
	h = 16 - g;
	t->ip_dst = (10u << 24) | (g << 16) | (j & ((1u << h) - 1));
	t->udp_src = (uint16_t)(f->udp_src_base + (j >> h));
	t->udp_dst = f->udp_dst;
}

/*
 * Write the 60 header and payload bytes of a frame of len bytes (FCS not
 * included, len >= 60) into p. Bytes after them are left as they are.
 */
static inline void
vs_bench_frame_write(const struct vs_bench_flows *f, uint32_t flow, uint64_t seq, uint8_t trial,
		     uint64_t tsc, uint16_t len, uint8_t *p)
{
	struct vs_bench_tuple t;
	struct vs_bench_payload pl;
	uint8_t *ip = p + 14, *udp = p + 34;
	uint32_t sum = 0;

	vs_bench_flow_tuple_dp(f, flow, &t);
	memcpy(p, f->eth_dst, 6);
	memcpy(p + 6, f->eth_src, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	ip[0] = 0x45;
	ip[1] = 0;
	vs_bench_wr16be_(ip + 2, (uint16_t)(len - 14));
	vs_bench_wr16be_(ip + 4, 0);
	vs_bench_wr16be_(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 17;
	vs_bench_wr16be_(ip + 10, 0);
	vs_bench_wr32be_(ip + 12, f->ip_src);
	vs_bench_wr32be_(ip + 16, t.ip_dst);
	for (uint32_t i = 0; i < 20; i += 2)
		sum += vs_bench_rd16be_(ip + i);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	vs_bench_wr16be_(ip + 10, (uint16_t)~sum);
	vs_bench_wr16be_(udp, t.udp_src);
	vs_bench_wr16be_(udp + 2, t.udp_dst);
	vs_bench_wr16be_(udp + 4, (uint16_t)(len - 34));
	vs_bench_wr16be_(udp + 6, 0); /* no UDP checksum (allowed for IPv4) */
	pl.magic = VS_BENCH_MAGIC;
	pl.trial = trial;
	pl.flow = flow;
	pl.seq = (uint32_t)seq;
	pl.tsc = tsc;
	memcpy(p + VS_BENCH_HDR_SIZE, &pl, sizeof(pl));
}
#endif /* VS_BENCH_PKT_DP_H */
