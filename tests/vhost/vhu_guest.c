/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A test guest: the real virtio driver (net_virtio_user) on the other side
 * of the switch's vhost-user socket, in its own DPDK process, sending and
 * counting exact numbers of packets (testpmd's txonly/rxonly counts are
 * rates, not exact numbers).
 *
 * The guest works in phases: a phase starts when the link comes up (the
 * switch connected and the device runs), sends --send packets spread over
 * the queues, and counts the test's packets it receives. A phase ends when
 * it has received --expect packets and --settle-ms more passed with nothing
 * else arriving, or when the link goes down (the switch went away). Each
 * phase prints one line:
 *   phase K: sent=S received=R other=O rxq=R0,R1,... end=done|link-down
 * With --stream the guest sends continuously (one burst per millisecond)
 * instead of --send per phase. It exits 0 after --phases complete phases
 * whose counts are exactly --send / --expect, 3 when a phase was complete
 * but the counts were not exact, 2 on --timeout-ms, 1 on a setup error. SIGTERM
 * prints the current phase and exits 0.
 *
 * Packets: Ethernet 02:00:00:00:00:01 -> 02:00:00:00:00:02, IPv4/UDP 64
 * bytes, payload "VHUT", a tag byte (0 = from the guest, 1 = from the test)
 * and a 32-bit sequence number.
 */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "vhu_eal.h"
#include "vhu_pkt.h"

#define MAX_Q 8
#define BURST 32

static volatile sig_atomic_t term;

static void
on_term(int sig)
{
	(void)sig;
	term = 1;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct phase {
	unsigned id;
	uint64_t sent, received, other;
	uint64_t bursts;
	uint64_t rxq[MAX_Q];
	double last_rx_ms;
};

static void
phase_print(const struct phase *p, uint16_t nq, const char *end)
{
	uint16_t q;

	printf("phase %u: sent=%" PRIu64 " received=%" PRIu64 " other=%" PRIu64 " rxq=", p->id,
	       p->sent, p->received, p->other);
	for (q = 0; q < nq; q++)
		printf("%s%" PRIu64, q ? "," : "", p->rxq[q]);
	printf(" end=%s\n", end);
	{
		struct rte_eth_stats st;

		if (rte_eth_stats_get(0, &st) == 0)
			printf("stats: ipackets=%" PRIu64 " opackets=%" PRIu64 " imissed=%" PRIu64
			       " rx_nombuf=%" PRIu64 " ierrors=%" PRIu64 "\n",
			       st.ipackets, st.opackets, st.imissed, st.rx_nombuf, st.ierrors);
	}
	fflush(stdout);
}

static bool
link_up(uint16_t port)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(port, &link) < 0)
		return false;
	return link.link_status == RTE_ETH_LINK_UP;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"path", required_argument, NULL, 'p'},
	    {"server", no_argument, NULL, 's'},
	    {"queues", required_argument, NULL, 'q'},
	    {"send", required_argument, NULL, 'n'},
	    {"expect", required_argument, NULL, 'e'},
	    {"phases", required_argument, NULL, 'P'},
	    {"settle-ms", required_argument, NULL, 'S'},
	    {"timeout-ms", required_argument, NULL, 't'},
	    {"stream", no_argument, NULL, 'x'},
	    {"cpu", required_argument, NULL, 'c'},
	    {"prefix", required_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL, *prefix = "vhu_guest";
	unsigned queues = 1, send = 0, expect = 0, phases = 1, settle = 300, timeout = 20000;
	unsigned cpu = 0, done_phases = 0, bad_phases = 0;
	bool server = false, stream = false, up = false;
	char vdev[512];
	struct rte_eth_conf conf;
	struct rte_mempool *pool;
	struct phase ph;
	uint32_t seq = 0;
	double t0, next_tx = 0;
	uint16_t port = 0, q;
	int c, rc = 2;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			path = optarg;
			break;
		case 's':
			server = true;
			break;
		case 'q':
			queues = (unsigned)atoi(optarg);
			break;
		case 'n':
			send = (unsigned)atoi(optarg);
			break;
		case 'e':
			expect = (unsigned)atoi(optarg);
			break;
		case 'P':
			phases = (unsigned)atoi(optarg);
			break;
		case 'S':
			settle = (unsigned)atoi(optarg);
			break;
		case 't':
			timeout = (unsigned)atoi(optarg);
			break;
		case 'x':
			stream = true;
			break;
		case 'c':
			cpu = (unsigned)atoi(optarg);
			break;
		case 'f':
			prefix = optarg;
			break;
		default:
			fprintf(stderr, "vhu_guest: bad option\n");
			return 1;
		}
	}
	if (path == NULL || queues == 0 || queues > MAX_Q) {
		fprintf(stderr,
			"usage: vhu_guest --path SOCK [--server] [--queues N] [--send N] "
			"[--expect N] [--phases N] [--settle-ms MS] [--timeout-ms MS] [--stream] "
			"[--cpu C] [--prefix P]\n");
		return 1;
	}
	/* A server removes a socket file an earlier (killed) guest left, as
	 * QEMU does; virtio_user would refuse to bind. */
	if (server)
		unlink(path);
	snprintf(vdev, sizeof(vdev), "net_virtio_user0,path=%s,queues=%u,queue_size=1024%s", path,
		 queues, server ? ",server=1" : "");
	if (vhu_eal_init("vhu_guest", 128, cpu, prefix, vdev) < 0)
		return 1;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	pool = rte_pktmbuf_pool_create("guest_pool", 4095, 128, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL || rte_eth_dev_count_avail() != 1) {
		fprintf(stderr, "vhu_guest: no pool or no virtio_user port\n");
		return 1;
	}
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port, (uint16_t)queues, (uint16_t)queues, &conf) < 0)
		return 1;
	for (q = 0; q < queues; q++) {
		if (rte_eth_rx_queue_setup(port, q, 1024, SOCKET_ID_ANY, NULL, pool) < 0 ||
		    rte_eth_tx_queue_setup(port, q, 1024, SOCKET_ID_ANY, NULL) < 0) {
			fprintf(stderr, "vhu_guest: queue %u setup failed\n", q);
			return 1;
		}
	}
	if (rte_eth_dev_start(port) < 0) {
		fprintf(stderr, "vhu_guest: start failed\n");
		return 1;
	}
	printf("guest: started, %u queues, %s\n", queues, server ? "server" : "client");
	fflush(stdout);

	memset(&ph, 0, sizeof(ph));
	t0 = now_ms();
	while (!term) {
		struct rte_mbuf *pkts[BURST];
		double t = now_ms();
		uint16_t n, i;
		bool lu;

		if (t - t0 > timeout) {
			if (up)
				phase_print(&ph, (uint16_t)queues, "timeout");
			printf("guest: timeout\n");
			rc = 2;
			goto out;
		}
		lu = link_up(port);
		if (lu && !up) {
			memset(&ph, 0, sizeof(ph));
			ph.id = done_phases + bad_phases + 1;
			ph.last_rx_ms = t;
			up = true;
		} else if (!lu && up) {
			phase_print(&ph, (uint16_t)queues, "link-down");
			up = false;
			if (phases && ph.sent == send && ph.received == expect && !stream)
				done_phases++;
			else
				bad_phases++;
		}
		if (!up) {
			usleep(1000);
			continue;
		}
		/* Send: --send per phase, or a burst per millisecond. */
		if ((stream && t >= next_tx) || (!stream && ph.sent < send)) {
			unsigned want = stream ? BURST : send - (unsigned)ph.sent;

			q = (uint16_t)(ph.bursts++ % queues);
			if (want > BURST)
				want = BURST;
			n = 0;
			for (i = 0; i < want; i++) {
				pkts[i] = rte_pktmbuf_alloc(pool);
				if (pkts[i] == NULL)
					break;
				vhu_pkt_fill(pkts[i], VHU_TAG_GUEST, seq + i);
				n++;
			}
			i = rte_eth_tx_burst(port, q, pkts, n);
			if (i < n)
				rte_pktmbuf_free_bulk(pkts + i, n - i);
			ph.sent += i;
			seq += i;
			next_tx = t + 1.0;
		}
		for (q = 0; q < queues; q++) {
			n = rte_eth_rx_burst(port, q, pkts, BURST);
			for (i = 0; i < n; i++) {
				if (vhu_pkt_tag(pkts[i]) == VHU_TAG_TEST) {
					ph.received++;
					ph.rxq[q]++;
				} else {
					ph.other++;
				}
			}
			if (n) {
				rte_pktmbuf_free_bulk(pkts, n);
				ph.last_rx_ms = t;
			}
		}
		if (!stream && phases && ph.sent == send && ph.received >= expect &&
		    t - ph.last_rx_ms >= settle) {
			bool exact = ph.received == expect;

			phase_print(&ph, (uint16_t)queues, "done");
			if (exact)
				done_phases++;
			else
				bad_phases++;
			if (done_phases + bad_phases >= phases) {
				rc = bad_phases ? 3 : 0;
				goto out;
			}
			/* Next phase when the link comes back. */
			while (!term && link_up(port) && now_ms() - t0 <= timeout) {
				n = 0;
				for (q = 0; q < queues; q++) {
					uint16_t k = rte_eth_rx_burst(port, q, pkts, BURST);

					rte_pktmbuf_free_bulk(pkts, k);
					n += k;
				}
				usleep(1000);
			}
			if (!link_up(port)) {
				/* The switch went away; a new one may connect. */
				printf("guest: link down after phase %u\n", ph.id);
				fflush(stdout);
			}
			up = false;
		}
	}
	if (up)
		phase_print(&ph, (uint16_t)queues, "term");
	rc = 0;
out:
	printf("guest: exit %d\n", rc);
	fflush(stdout);
	/* DPDK 22.11's virtio_user crashes in stop/close after a server-mode
	 * reconnect; a guest that reconnected just exits (the switch sees the
	 * socket close). Otherwise stop the device cleanly, as a guest driver
	 * reset does. */
	if (done_phases + bad_phases > 1)
		_exit(rc);
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_eal_cleanup();
	return rc;
}
