/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small pcap writer: multi-flow UDP/IPv4 captures for the demo, the tests
 * and the benchmarks. Classic pcap format written directly (no libpcap).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vs_app.h"

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_rec_hdr {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t incl_len;
	uint32_t orig_len;
};

void
vs_pcapgen_defaults(struct vs_pcapgen_params *p)
{
	static const uint8_t src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	static const uint8_t dst[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

	memset(p, 0, sizeof(*p));
	p->flows = 1;
	p->count = 1;
	p->size = 64;
	memcpy(p->src_mac, src, 6);
	memcpy(p->dst_mac, dst, 6);
	p->src_ip = 10u << 24 | 1;	  /* 10.0.0.1 */
	p->dst_ip = 10u << 24 | 1u << 16; /* 10.1.0.0 */
	p->dst_ips = 1;
	p->sport = 1024;
	p->dport = 5000;
	p->dports = 1;
}

void
vs_demo_pcapgen_params(struct vs_pcapgen_params *p)
{
	vs_pcapgen_defaults(p);
	p->flows = 256;
	p->count = 1024;
	p->size = 64;
	p->dst_ips = 4;
	p->dports = 8;
}

static void
put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void
put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

static uint16_t
ip_csum(const uint8_t *h, unsigned len)
{
	uint32_t sum = 0;
	unsigned i;

	for (i = 0; i < len; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int
vs_pcapgen_frame(const struct vs_pcapgen_params *p, uint32_t flow, uint8_t *buf, size_t size)
{
	unsigned l2 = p->vlan ? 18 : 14;
	uint8_t *ip, *udp;
	uint16_t ip_len;

	if (p->size < VS_PCAPGEN_MIN_SIZE || p->size > VS_PCAPGEN_MAX_SIZE || size < p->size ||
	    p->dst_ips == 0 || p->dports == 0 || p->vlan > 4095)
		return -EINVAL;
	memset(buf, 0, p->size);
	memcpy(buf, p->dst_mac, 6);
	memcpy(buf + 6, p->src_mac, 6);
	if (p->vlan) {
		put16(buf + 12, 0x8100);
		put16(buf + 14, p->vlan);
	}
	put16(buf + l2 - 2, 0x0800);
	ip = buf + l2;
	ip_len = (uint16_t)(p->size - l2);
	ip[0] = 0x45;
	put16(ip + 2, ip_len);
	put16(ip + 4, (uint16_t)flow);
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 12, p->src_ip);
	put32(ip + 16, p->dst_ip + flow % p->dst_ips);
	put16(ip + 10, ip_csum(ip, 20));
	udp = ip + 20;
	put16(udp, (uint16_t)(p->sport + flow));
	put16(udp + 2, (uint16_t)(p->dport + flow % p->dports));
	put16(udp + 4, (uint16_t)(ip_len - 20));
	return (int)p->size;
}

int
vs_pcapgen_write(const char *path, const struct vs_pcapgen_params *p)
{
	struct pcap_file_hdr fh = {
	    .magic = 0xa1b2c3d4,
	    .version_major = 2,
	    .version_minor = 4,
	    .snaplen = 65535,
	    .linktype = 1, /* DLT_EN10MB */
	};
	uint8_t frame[VS_PCAPGEN_MAX_SIZE];
	FILE *f;
	uint32_t j;
	int rc = 0, len;

	if (p->flows == 0)
		return -EINVAL;
	len = vs_pcapgen_frame(p, 0, frame, sizeof(frame));
	if (len < 0)
		return len;
	f = fopen(path, "wb");
	if (f == NULL)
		return -errno;
	if (fwrite(&fh, sizeof(fh), 1, f) != 1)
		rc = -EIO;
	for (j = 0; j < p->count && rc == 0; j++) {
		struct pcap_rec_hdr rh = {
		    .ts_sec = j / 1000000,
		    .ts_usec = j % 1000000,
		};

		len = vs_pcapgen_frame(p, j % p->flows, frame, sizeof(frame));
		rh.incl_len = rh.orig_len = (uint32_t)len;
		if (fwrite(&rh, sizeof(rh), 1, f) != 1 || fwrite(frame, (size_t)len, 1, f) != 1)
			rc = -EIO;
	}
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		remove(path);
	return rc;
}
