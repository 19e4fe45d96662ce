/* SPDX-License-Identifier: BSD-3-Clause */
/* nfvswitch-bench packets, control side: flow layout checks, sizes, pcap, rules. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "bench_pkt.h"
#include "bench_pkt_dp.h"

/* Simple IMIX (7:4:1 of 64, 570, 1518 bytes), interleaved. */
static const uint16_t imix_pattern[] = {64, 570, 64, 64, 570, 64, 1518, 64, 570, 64, 64, 570};

void
vs_bench_flows_default(struct vs_bench_flows *f)
{
	static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x01};
	static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x02};

	memset(f, 0, sizeof(*f));
	f->n_flows = 1;
	f->n_masks = 1;
	memcpy(f->eth_src, src, 6);
	memcpy(f->eth_dst, dst, 6);
	f->ip_src = (192u << 24) | (168u << 16) | 1u;
	f->udp_src_base = 1024;
	f->udp_dst = 4789;
}

uint64_t
vs_bench_flows_max(uint32_t n_masks)
{
	uint64_t ports, per_group;

	if (n_masks == 0 || n_masks > VS_BENCH_MAX_MASKS)
		return 0;
	/* The smallest group (g = K - 1) has 16 - g host bits. */
	ports = 65536u - 1024u;
	per_group = ports << (16 - (n_masks - 1));
	return per_group * n_masks;
}

int
vs_bench_flows_check(const struct vs_bench_flows *f, char *msg, size_t size)
{
	uint64_t max;

	if (f->n_masks == 0 || f->n_masks > VS_BENCH_MAX_MASKS) {
		snprintf(msg, size, "masks %u: expected 1..%u", f->n_masks, VS_BENCH_MAX_MASKS);
		return -EINVAL;
	}
	max = vs_bench_flows_max(f->n_masks);
	if (max > UINT32_MAX)
		max = UINT32_MAX;
	if (f->n_flows == 0 || f->n_flows > max) {
		snprintf(msg, size, "flows %u: expected 1..%" PRIu64 " with %u mask(s)", f->n_flows,
			 max, f->n_masks);
		return -EINVAL;
	}
	if (f->udp_src_base < 1024) {
		snprintf(msg, size, "udp source base %u: expected >= 1024", f->udp_src_base);
		return -EINVAL;
	}
	return 0;
}

void
vs_bench_flow_tuple(const struct vs_bench_flows *f, uint32_t flow, struct vs_bench_tuple *t)
{
	vs_bench_flow_tuple_dp(f, flow, t);
}

void
vs_bench_mask_prefix(uint32_t g, uint32_t *addr, uint8_t *len)
{
	*addr = (10u << 24) | (g << 16);
	*len = (uint8_t)(16 + g);
}

int
vs_bench_sizes_parse(const char *s, struct vs_bench_sizes *out)
{
	char *end;
	unsigned long v;

	memset(out, 0, sizeof(*out));
	if (strcmp(s, "imix") == 0) {
		out->n = sizeof(imix_pattern) / sizeof(imix_pattern[0]);
		memcpy(out->size, imix_pattern, sizeof(imix_pattern));
		snprintf(out->label, sizeof(out->label), "imix");
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < VS_BENCH_MIN_FRAME || v > VS_BENCH_MAX_FRAME)
		return -EINVAL;
	out->n = 1;
	out->size[0] = (uint16_t)v;
	snprintf(out->label, sizeof(out->label), "%lu", v);
	return 0;
}

double
vs_bench_sizes_mean(const struct vs_bench_sizes *s)
{
	double sum = 0;

	if (s->n == 0)
		return 0;
	for (uint16_t i = 0; i < s->n; i++)
		sum += s->size[i];
	return sum / s->n;
}

double
vs_bench_line_rate_pps(double gbps, const struct vs_bench_sizes *s)
{
	double bits = (vs_bench_sizes_mean(s) + VS_BENCH_WIRE_OVERHEAD) * 8.0;

	return bits > 0 ? gbps * 1e9 / bits : 0;
}

void
vs_bench_frame_build(const struct vs_bench_flows *f, uint32_t flow, uint64_t seq, uint8_t trial,
		     uint64_t tsc, uint16_t size, uint8_t *buf)
{
	uint16_t len = (uint16_t)(size - VS_BENCH_FCS);
	uint16_t used = VS_BENCH_HDR_SIZE + sizeof(struct vs_bench_payload);

	vs_bench_frame_write(f, flow, seq, trial, tsc, len, buf);
	memset(buf + used, 0, len - used);
}

int
vs_bench_pcap_write(const char *path, const struct vs_bench_flows *f,
		    const struct vs_bench_sizes *s, uint64_t count)
{
	uint8_t buf[VS_BENCH_MAX_FRAME];
	uint64_t *seq;
	pcap_t *pc;
	pcap_dumper_t *d;
	int ret = 0;

	if (s->n == 0 || f->n_flows == 0)
		return -EINVAL;
	seq = calloc(f->n_flows, sizeof(*seq));
	if (seq == NULL)
		return -ENOMEM;
	pc = pcap_open_dead(DLT_EN10MB, 65535);
	if (pc == NULL) {
		free(seq);
		return -ENOMEM;
	}
	d = pcap_dump_open(pc, path);
	if (d == NULL) {
		ret = errno ? -errno : -EIO;
		goto out;
	}
	for (uint64_t i = 0; i < count; i++) {
		uint32_t flow = (uint32_t)(i % f->n_flows);
		uint16_t size = s->size[i % s->n];
		struct pcap_pkthdr h = {.caplen = size - VS_BENCH_FCS, .len = size - VS_BENCH_FCS};

		h.ts.tv_sec = (time_t)(i / 1000000);
		h.ts.tv_usec = (suseconds_t)(i % 1000000);
		vs_bench_frame_build(f, flow, seq[flow]++, 0, 0, size, buf);
		pcap_dump((u_char *)d, &h, buf);
	}
	if (pcap_dump_flush(d) != 0)
		ret = -EIO;
	pcap_dump_close(d);
out:
	pcap_close(pc);
	free(seq);
	return ret;
}

int
vs_bench_rules_print(FILE *out, const struct vs_bench_flows *f, enum vs_bench_rules_fmt fmt,
		     bool port_only, const char *in_port, const char *out_port)
{
	uint32_t n = port_only ? 1 : f->n_masks;

	if (f->n_masks == 0 || f->n_masks > VS_BENCH_MAX_MASKS)
		return -EINVAL;
	if (fmt == VS_BENCH_RULES_YAML)
		fprintf(out, "rules:\n");
	for (uint32_t g = 0; g < n; g++) {
		uint32_t a;
		uint8_t len;

		vs_bench_mask_prefix(g, &a, &len);
		if (fmt == VS_BENCH_RULES_YAML) {
			if (port_only)
				fprintf(out,
					"  - {priority: 100, match: {in_port: %s}, "
					"actions: [{output: %s}]}\n",
					in_port, out_port);
			else
				fprintf(out,
					"  - {priority: %u, match: {in_port: %s, "
					"ip_dst: \"%u.%u.%u.%u/%u\"}, actions: [{output: %s}]}\n",
					100 + g, in_port, a >> 24, (a >> 16) & 0xff,
					(a >> 8) & 0xff, a & 0xff, len, out_port);
		} else {
			if (port_only)
				fprintf(out, "priority=100,in_port=%s,actions=output:%s\n", in_port,
					out_port);
			else
				fprintf(out,
					"priority=%u,ip,in_port=%s,nw_dst=%u.%u.%u.%u/%u,"
					"actions=output:%s\n",
					100 + g, in_port, a >> 24, (a >> 16) & 0xff,
					(a >> 8) & 0xff, a & 0xff, len, out_port);
		}
	}
	return ferror(out) ? -EIO : 0;
}
