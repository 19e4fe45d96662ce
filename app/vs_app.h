/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Daemon helpers that tests and tools share: EAL arguments from the config,
 * the memory check, and the pcap generator (nfvswitch-pcapgen).
 */
#ifndef VS_APP_H
#define VS_APP_H

#include <stddef.h>
#include <stdint.h>

#include "vs_config.h"
#include "vs_switch.h"

/* ---- EAL arguments ---------------------------------------------------------- */

#define VS_EAL_MAX_ARGS 128

struct vs_eal_args {
	int argc;
	char *argv[VS_EAL_MAX_ARGS + 1]; /* NULL-terminated; point into buf */
	char buf[8192];
	size_t used;
};

/*
 * Build the EAL arguments for cfg: prog, -l MAIN,WORKERS..., --main-lcore
 * MAIN, --file-prefix, -m (dpdk.memory_mb, or sz->memory_mb when that is 0
 * and no_huge is set), --no-huge, --in-memory (--no-shconf together with
 * --no-huge: DPDK 22.11 refuses --in-memory with --no-huge), --log-level, then
 * dpdk.extra_args verbatim. Returns 0 or -E2BIG / -EINVAL (a worker lcore
 * equal to the main lcore or listed twice).
 */
int vs_app_eal_args(const struct vs_config *cfg, const char *prog, const struct vs_mbuf_sizing *sz,
		    struct vs_eal_args *out);

/* Join the arguments with spaces into buf (for the startup line). */
const char *vs_app_eal_args_str(const struct vs_eal_args *a, char *buf, size_t size);

/*
 * Check that the memory the config gives DPDK (dpdk.memory_mb, when set)
 * holds what sz says it needs. Returns 0, or -ENOMEM with a message in msg
 * naming both numbers and what to change.
 */
int vs_app_check_memory(const struct vs_config *cfg, const struct vs_mbuf_sizing *sz, char *msg,
			size_t size);

/*
 * Hugepage memory free on the host, in MiB (HugePages_Free x Hugepagesize
 * from meminfo, normally "/proc/meminfo"). Returns -errno when unreadable.
 */
int64_t vs_app_hugepages_free_mb(const char *meminfo);

/*
 * With hugepages (dpdk.no_huge false), check that free_mb holds what the
 * config needs (dpdk.memory_mb, or sz->memory_mb when that is 0). 0, or
 * -ENOMEM with a message naming both numbers and how to fix it.
 */
int vs_app_check_hugepages(const struct vs_config *cfg, const struct vs_mbuf_sizing *sz,
			   int64_t free_mb, char *msg, size_t size);

/* ---- pcap generator ------------------------------------------------------------ */

/*
 * Flow i (0 <= i < flows) is UDP/IPv4 from src_mac/src_ip, udp sport + i, to
 * dst_mac, ip_dst = dst_ip + (i % dst_ips), udp dport = dport + (i % dports),
 * tagged with vlan when vlan != 0 (VID, PCP 0). Packet j of the capture is
 * flow j % flows; each frame is size bytes long (no FCS), zero-padded.
 */
struct vs_pcapgen_params {
	uint32_t flows;
	uint32_t count;
	uint32_t size;
	uint8_t src_mac[6], dst_mac[6];
	uint32_t src_ip, dst_ip; /* host order */
	uint32_t dst_ips;
	uint16_t sport, dport;
	uint16_t dports;
	uint16_t vlan;
};

#define VS_PCAPGEN_MIN_SIZE 60 /* Ethernet minimum without FCS */
#define VS_PCAPGEN_MAX_SIZE 9000

void vs_pcapgen_defaults(struct vs_pcapgen_params *p);
/* Build the frame of flow i into buf (size >= p->size). Returns its length or -EINVAL. */
int vs_pcapgen_frame(const struct vs_pcapgen_params *p, uint32_t flow, uint8_t *buf, size_t size);
/* Write the capture (classic pcap, microsecond, DLT_EN10MB). 0 or -errno. */
int vs_pcapgen_write(const char *path, const struct vs_pcapgen_params *p);

/* ---- built-in default configuration ---------------------------------------------- */

/* config/examples/demo.yaml, compiled in. */
extern const char vs_builtin_config[];
extern const size_t vs_builtin_config_len;

/* The demo's capture: where demo.yaml reads it and how it is generated. */
#define VS_DEMO_PCAP_DIR "/tmp/nfvswitch-demo"
#define VS_DEMO_PCAP	 VS_DEMO_PCAP_DIR "/flows-64B.pcap"
void vs_demo_pcapgen_params(struct vs_pcapgen_params *p);

#endif /* VS_APP_H */
