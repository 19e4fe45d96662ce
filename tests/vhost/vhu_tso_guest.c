/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A test guest that sends what a Linux guest with offloads sends: TCP/IPv4
 * super-frames (TSO, the virtio-net header asks for segmentation at --mss)
 * and frames with a partial TCP or UDP checksum. It is the real virtio
 * driver (net_virtio_user, tx offloads TCP_TSO / TCP_CKSUM / UDP_CKSUM) on
 * the switch's vhost-user socket, in its own DPDK process.
 *
 * Frames (Ethernet 02:00:00:00:00:01 -> 02:00:00:00:00:02, IPv4 10.0.0.1 ->
 * 10.0.0.2, correct IPv4 header checksum):
 *   --frames N TCP super-frames 1234 -> 5678, each --payload bytes; frame f
 *     starts at TCP sequence 1000 + f * payload, payload byte at stream
 *     offset o is vhu_tso_byte(o);
 *   one TCP frame 1234 -> 5679 with VHU_TSO_SMALL bytes of the same pattern
 *     and a partial checksum only;
 *   one UDP frame 1234 -> 5680 with VHU_TSO_SMALL bytes and a partial checksum;
 *   one TCP/IPv6 super-frame fd00::1 -> fd00::2, 1234 -> 5681, VHU_TSO_V6
 *     bytes of the pattern from offset 0, TSO at --mss.
 * It sends them once the link is up, prints "guest: sent K" and exits 0
 * after --linger-ms; 1 on a setup error (offloads the switch did not
 * negotiate make the configure fail), 2 when the link never came up.
 */
#include <getopt.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "vhu_eal.h"
#include "vhu_tso.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One frame: headers, then len bytes of the pattern from stream offset off. */
static struct rte_mbuf *
frame(struct rte_mempool *pool, bool v6, uint8_t proto, uint16_t dport, uint32_t off, uint32_t len,
      uint16_t mss)
{
	const uint32_t l4_len =
	    proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) : sizeof(struct rte_udp_hdr);
	const uint32_t l3_len = v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	const uint32_t hdr = RTE_ETHER_HDR_LEN + l3_len + l4_len;
	void *l4p;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	uint8_t *p;
	uint32_t i;

	if (m == NULL || rte_pktmbuf_append(m, (uint16_t)(hdr + len)) == NULL)
		return NULL;
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memset(p, 0, hdr);
	eh = (struct rte_ether_hdr *)p;
	memcpy(eh->src_addr.addr_bytes, "\x02\0\0\0\0\x01", 6);
	memcpy(eh->dst_addr.addr_bytes, "\x02\0\0\0\0\x02", 6);
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(l4_len + len));
		ip6->proto = proto;
		ip6->hop_limits = 64;
		ip6->src_addr[0] = 0xfd;
		ip6->src_addr[15] = 1;
		ip6->dst_addr[0] = 0xfd;
		ip6->dst_addr[15] = 2;
		l4p = ip6 + 1;
	} else {
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip = (struct rte_ipv4_hdr *)(eh + 1);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(hdr - RTE_ETHER_HDR_LEN + len));
		ip->packet_id = rte_cpu_to_be_16(7);
		ip->time_to_live = 64;
		ip->next_proto_id = proto;
		ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 1));
		ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 2));
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		l4p = ip + 1;
	}
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = l4p;

		t->src_port = rte_cpu_to_be_16(1234);
		t->dst_port = rte_cpu_to_be_16(dport);
		t->sent_seq = rte_cpu_to_be_32(VHU_TSO_SEQ0 + off);
		t->data_off = (sizeof(*t) / 4) << 4;
		t->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		t->rx_win = rte_cpu_to_be_16(65535);
	} else {
		struct rte_udp_hdr *u = l4p;

		u->src_port = rte_cpu_to_be_16(1234);
		u->dst_port = rte_cpu_to_be_16(dport);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(l4_len + len));
	}
	for (i = 0; i < len; i++)
		p[hdr + i] = vhu_tso_byte(off + i);
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = (uint16_t)l3_len;
	m->l4_len = (uint8_t)l4_len;
	m->ol_flags = (v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4) |
		      (proto == IPPROTO_TCP ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM);
	if (mss) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		m->tso_segsz = mss;
	}
	/* The pseudo-header sum in the L4 checksum field, as a driver wants. */
	if (rte_net_intel_cksum_prepare(m) != 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"path", required_argument, NULL, 'p'},	 {"frames", required_argument, NULL, 'n'},
	    {"payload", required_argument, NULL, 'l'},	 {"mss", required_argument, NULL, 'm'},
	    {"linger-ms", required_argument, NULL, 'L'}, {"prefix", required_argument, NULL, 'f'},
	    {"cpu", required_argument, NULL, 'c'},	 {NULL, 0, NULL, 0},
	};
	const char *path = NULL, *prefix = "vhu_tso_guest";
	unsigned frames = 4, payload = 7000, mss = 800, linger = 2000, cpu = 0;
	char vdev[320];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_mempool *pool;
	struct rte_mbuf *pkts[64];
	struct rte_eth_link link;
	uint16_t port = 0, n = 0, sent = 0;
	double t0;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			path = optarg;
			break;
		case 'n':
			frames = (unsigned)atoi(optarg);
			break;
		case 'l':
			payload = (unsigned)atoi(optarg);
			break;
		case 'm':
			mss = (unsigned)atoi(optarg);
			break;
		case 'L':
			linger = (unsigned)atoi(optarg);
			break;
		case 'f':
			prefix = optarg;
			break;
		case 'c':
			cpu = (unsigned)atoi(optarg);
			break;
		default:
			return 1;
		}
	}
	if (path == NULL || frames + 3 > 64 || payload > VHU_TSO_MAX_PAYLOAD || mss == 0) {
		fprintf(stderr,
			"usage: vhu_tso_guest --path SOCK [--frames N<=61] "
			"[--payload B<=%u] [--mss M] [--linger-ms MS] [--prefix P] [--cpu C]\n",
			VHU_TSO_MAX_PAYLOAD);
		return 1;
	}
	snprintf(vdev, sizeof(vdev), "net_virtio_user0,path=%s,queues=1,queue_size=1024", path);
	if (vhu_eal_init("vhu_tso_guest", 256, cpu, prefix, vdev) < 0)
		return 1;
	/* One mbuf holds a whole super-frame. */
	pool = rte_pktmbuf_pool_create(
	    "tso_pool", 255, 0, 0, RTE_PKTMBUF_HEADROOM + VHU_TSO_MAX_PAYLOAD + 128, SOCKET_ID_ANY);
	if (pool == NULL || rte_eth_dev_info_get(port, &info) != 0) {
		fprintf(stderr, "vhu_tso_guest: no pool or no virtio_user port\n");
		return 1;
	}
	memset(&conf, 0, sizeof(conf));
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			       RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	if ((info.tx_offload_capa & conf.txmode.offloads) != conf.txmode.offloads ||
	    rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, 1024, SOCKET_ID_ANY, NULL, pool) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, 1024, SOCKET_ID_ANY, NULL) < 0 ||
	    rte_eth_dev_start(port) < 0) {
		fprintf(stderr,
			"vhu_tso_guest: the device refused TSO/checksum offloads "
			"(capa 0x%" PRIx64 ")\n",
			info.tx_offload_capa);
		/* close the device and the EAL: exit 1 says refused, not a leak report */
		rte_eth_dev_close(port);
		rte_eal_cleanup();
		return 1;
	}
	t0 = now_ms();
	do {
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(port, &link);
		if (link.link_status)
			break;
		usleep(1000);
	} while (now_ms() - t0 < 20000);
	if (!link.link_status) {
		printf("guest: link never came up\n");
		return 2;
	}
	for (unsigned f = 0; f < frames; f++)
		pkts[n++] =
		    frame(pool, false, IPPROTO_TCP, 5678, f * payload, payload, (uint16_t)mss);
	pkts[n++] = frame(pool, false, IPPROTO_TCP, 5679, 0, VHU_TSO_SMALL, 0);
	pkts[n++] = frame(pool, false, IPPROTO_UDP, 5680, 0, VHU_TSO_SMALL, 0);
	pkts[n++] = frame(pool, true, IPPROTO_TCP, 5681, 0, VHU_TSO_V6, (uint16_t)mss);
	for (uint16_t i = 0; i < n; i++)
		if (pkts[i] == NULL) {
			fprintf(stderr, "vhu_tso_guest: cannot build frame %u\n", i);
			return 1;
		}
	t0 = now_ms();
	while (sent < n && now_ms() - t0 < 10000) {
		sent += rte_eth_tx_burst(port, 0, pkts + sent, (uint16_t)(n - sent));
		usleep(1000);
	}
	printf("guest: sent %u\n", sent);
	fflush(stdout);
	/* Let the switch take them; rx is drained meanwhile. */
	t0 = now_ms();
	while (now_ms() - t0 < linger) {
		uint16_t k = rte_eth_rx_burst(port, 0, pkts, 64);

		rte_pktmbuf_free_bulk(pkts, k);
		usleep(1000);
	}
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_eal_cleanup();
	return sent == n ? 0 : 2;
}
