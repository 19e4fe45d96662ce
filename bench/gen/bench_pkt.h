/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch-bench packets: what flow i looks like, the frame sizes, the
 * payload that carries the sequence number and timestamp, and the helpers
 * that write the same workload as a pcap file or as switch rules.
 *
 * Flow layout. Flows are spread over K "mask groups" (1 <= K <= 16) so that a
 * switch given one rule per group needs K different wildcard masks (K TSS
 * subtables). Flow i belongs to group g = i % K; with j = i / K and
 * h = 16 - g host bits:
 *     ip_dst  = 10.g.0.0 + (j mod 2^h)        inside 10.g.0.0/(16 + g)
 *     udp_src = udp_src_base + (j >> h)
 * Group g's rule is "ip_dst 10.g.0.0/(16+g)": K groups, K prefix lengths, K
 * disjoint rules. With K = 1 every flow is under 10.0.0.0/16. Each flow is a
 * distinct 5-tuple, so N flows are N exact-match cache entries.
 *
 * Frame sizes include the 4-byte FCS (RFC 2544 convention): a 64-byte frame
 * is a 60-byte mbuf. The smallest frame holds Ethernet + IPv4 + UDP headers
 * (42 bytes) + the 18-byte payload below.
 */
#ifndef VS_BENCH_PKT_H
#define VS_BENCH_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VS_BENCH_MAX_MASKS     16
#define VS_BENCH_MIN_FRAME     64
#define VS_BENCH_MAX_FRAME     1518
#define VS_BENCH_FCS	       4
#define VS_BENCH_HDR_SIZE      42 /* Ethernet 14 + IPv4 20 + UDP 8 */
#define VS_BENCH_WIRE_OVERHEAD 20 /* preamble + SFD 8, inter-frame gap 12 */
#define VS_BENCH_MAX_PATTERN   16

#define VS_BENCH_MAGIC 0xb5

/* After the UDP header; host byte order (sender and receiver share the TSC). */
struct vs_bench_payload {
	uint8_t magic; /* VS_BENCH_MAGIC */
	uint8_t trial; /* trial number: packets of an earlier trial are "stale" */
	uint32_t flow;
	uint32_t seq; /* low 32 bits of the flow's packet number */
	uint64_t tsc; /* transmit TSC */
} __attribute__((packed));

_Static_assert(sizeof(struct vs_bench_payload) == 18, "payload must fit a 64-byte frame");
_Static_assert(VS_BENCH_HDR_SIZE + sizeof(struct vs_bench_payload) + VS_BENCH_FCS ==
		   VS_BENCH_MIN_FRAME,
	       "64-byte frame layout");

struct vs_bench_flows {
	uint32_t n_flows; /* >= 1 */
	uint32_t n_masks; /* 1..16 */
	uint8_t eth_src[6];
	uint8_t eth_dst[6];
	uint32_t ip_src; /* host order */
	uint16_t udp_src_base;
	uint16_t udp_dst;
};

/* Frame sizes sent in turn (a single size, or the IMIX pattern). */
struct vs_bench_sizes {
	uint16_t size[VS_BENCH_MAX_PATTERN]; /* frame sizes including FCS */
	uint16_t n;
	char label[16]; /* "64", "imix" */
};

struct vs_bench_tuple {
	uint32_t ip_dst; /* host order */
	uint16_t udp_src;
	uint16_t udp_dst;
};

/* Defaults: 1 flow, 1 mask, 02:00:00:00:00:01 -> 02:00:00:00:00:02, 192.168.0.1, 1024 -> 4789. */
void vs_bench_flows_default(struct vs_bench_flows *f);
/* 0, or -EINVAL when n_flows/n_masks are out of range (the message says why). */
int vs_bench_flows_check(const struct vs_bench_flows *f, char *msg, size_t size);
/* Largest flow count the layout can number for K masks. */
uint64_t vs_bench_flows_max(uint32_t n_masks);
void vs_bench_flow_tuple(const struct vs_bench_flows *f, uint32_t flow, struct vs_bench_tuple *t);
/* Group g's rule prefix: 10.g.0.0 (host order) and its length 16 + g. */
void vs_bench_mask_prefix(uint32_t g, uint32_t *addr, uint8_t *len);

/* "64", "1518", "imix" -> sizes. 0 or -EINVAL. */
int vs_bench_sizes_parse(const char *s, struct vs_bench_sizes *out);
/* Mean frame size of the pattern (bytes, FCS included). */
double vs_bench_sizes_mean(const struct vs_bench_sizes *s);
/* Line rate in packets/s of a link of gbps for this size pattern. */
double vs_bench_line_rate_pps(double gbps, const struct vs_bench_sizes *s);

/*
 * Write frame (size bytes without FCS) of flow with packet number seq into
 * buf, stamped with trial and tsc. buf must hold size bytes; bytes after the
 * payload are zeroed.
 */
void vs_bench_frame_build(const struct vs_bench_flows *f, uint32_t flow, uint64_t seq,
			  uint8_t trial, uint64_t tsc, uint16_t size, uint8_t *buf);

/*
 * Write count frames (flows in turn, sizes in turn, seq per flow, tsc 0) to a
 * pcap file. 0 or -errno.
 */
int vs_bench_pcap_write(const char *path, const struct vs_bench_flows *f,
			const struct vs_bench_sizes *s, uint64_t count);

enum vs_bench_rules_fmt {
	VS_BENCH_RULES_YAML = 0, /* nfvswitch rules: list */
	VS_BENCH_RULES_OFCTL,	 /* ovs-ofctl add-flows lines */
};

/*
 * Print the rules that forward this workload from in_port to out_port:
 * port-only (one in_port rule) or one ip_dst prefix rule per mask group.
 * For OpenFlow, in_port/out_port are OpenFlow port numbers given as text.
 */
int vs_bench_rules_print(FILE *out, const struct vs_bench_flows *f, enum vs_bench_rules_fmt fmt,
			 bool port_only, const char *in_port, const char *out_port);

#endif /* VS_BENCH_PKT_H */
