/* SPDX-License-Identifier: BSD-3-Clause */
/* nfvswitch-pcapgen: write a multi-flow UDP/IPv4 capture. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vs_app.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: nfvswitch-pcapgen -o FILE [options]\n"
		"  -o, --output FILE     capture to write\n"
		"  -f, --flows N         distinct flows (udp sport = SPORT + i), default 1\n"
		"  -n, --count N         packets (packet j is flow j %% N), default 1\n"
		"  -s, --size N          frame bytes without FCS, %u..%u, default 64\n"
		"      --src-ip A        default 10.0.0.1\n"
		"      --dst-ip A        first destination, default 10.1.0.0\n"
		"      --dst-ips N       flow i goes to DST-IP + i %% N, default 1\n"
		"      --sport P         default 1024\n"
		"      --dport P         first destination port, default 5000\n"
		"      --dports N        flow i goes to DPORT + i %% N, default 1\n"
		"      --vlan VID        tag every frame (1..4095)\n"
		"      --demo            the parameters of the built-in demo capture\n"
		"exit status: 0 written, 1 error, 2 usage\n",
		VS_PCAPGEN_MIN_SIZE, VS_PCAPGEN_MAX_SIZE);
}

static int
parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

int
main(int argc, char **argv)
{
	/* clang-format off */
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "flows", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "src-ip", required_argument, NULL, 1 },
		{ "dst-ip", required_argument, NULL, 2 },
		{ "dst-ips", required_argument, NULL, 3 },
		{ "sport", required_argument, NULL, 4 },
		{ "dport", required_argument, NULL, 5 },
		{ "dports", required_argument, NULL, 6 },
		{ "vlan", required_argument, NULL, 7 },
		{ "demo", no_argument, NULL, 8 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* clang-format on */
	struct vs_pcapgen_params p;
	const char *out = NULL;
	uint32_t v;
	int c, rc, bad = 0;

	vs_pcapgen_defaults(&p);
	while ((c = getopt_long(argc, argv, "o:f:n:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			bad |= parse_u32(optarg, UINT32_MAX, &p.flows) || p.flows == 0;
			break;
		case 'n':
			bad |= parse_u32(optarg, UINT32_MAX, &p.count);
			break;
		case 's':
			bad |= parse_u32(optarg, VS_PCAPGEN_MAX_SIZE, &p.size);
			break;
		case 1:
			bad |= parse_ip(optarg, &p.src_ip);
			break;
		case 2:
			bad |= parse_ip(optarg, &p.dst_ip);
			break;
		case 3:
			bad |= parse_u32(optarg, UINT32_MAX, &p.dst_ips) || p.dst_ips == 0;
			break;
		case 4:
			bad |= parse_u32(optarg, 65535, &v);
			p.sport = (uint16_t)v;
			break;
		case 5:
			bad |= parse_u32(optarg, 65535, &v);
			p.dport = (uint16_t)v;
			break;
		case 6:
			bad |= parse_u32(optarg, 65535, &v) || v == 0;
			p.dports = (uint16_t)v;
			break;
		case 7:
			bad |= parse_u32(optarg, 4095, &v) || v == 0;
			p.vlan = (uint16_t)v;
			break;
		case 8:
			vs_demo_pcapgen_params(&p);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (bad) {
			fprintf(stderr, "nfvswitch-pcapgen: bad value for option: %s\n", optarg);
			return 2;
		}
	}
	if (out == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	rc = vs_pcapgen_write(out, &p);
	if (rc < 0) {
		fprintf(stderr, "nfvswitch-pcapgen: %s: %s\n", out, strerror(-rc));
		return 1;
	}
	printf("%s: %u packets of %u bytes, %u flows\n", out, p.count, p.size, p.flows);
	return 0;
}
