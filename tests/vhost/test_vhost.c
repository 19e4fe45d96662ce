/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user ports against the real virtio driver: the switch runs in this
 * process (EAL, config loaded from YAML, switch API, two workers), the guest
 * is tests/vhost/vhu_guest, a second DPDK process with net_virtio_user on
 * the port's socket. The uplink is an ethdev made with rte_eth_from_rings()
 * (two rx rings, so both workers transmit to the guest): the test injects
 * packets into its rx rings and reads what the switch sends from its tx
 * ring. A second ring pair (a -> b) checks that other ports keep forwarding
 * while the guest is away.
 *
 * This test is the control thread: while it waits it calls
 * vs_vhu_process_events() and republishes the switch on the events it
 * reports, as the daemon's loop does.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_vhost.h>

#include "vhu_pkt.h"
#include "vhu_tso.h"
#include "vs_l2.h"
#include "vs_switch.h"
#include "vs_vhost.h"

#define RING_SIZE 4096

static struct rte_mempool *pool;
static char dir[128];
static char sock[192];
static unsigned gen; /* ring port generation (a restarted switch gets new ones) */

struct uplink {
	struct rte_ring *rx[2], *tx;
	struct rte_ring *a_rx, *b_tx;
	char up_name[32], a_name[32], b_name[32];
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
nap_ms(unsigned ms)
{
	usleep(ms * 1000);
}

/* What vhost reported, by type (on_vhu_event). */
static unsigned vhu_events[VS_VHU_EV_VRING + 1];

/* The owner's part, as the daemon's: republish when a device comes or goes. */
static void
on_vhu_event(void *arg, const struct vs_vhu_event *ev)
{
	cr_assert_not_null(ev->port);
	cr_assert_eq(ev->port->type, VS_PORT_VHOST);
	vhu_events[ev->type]++;
	if (ev->type == VS_VHU_EV_READY || ev->type == VS_VHU_EV_GONE)
		cr_assert_eq(vs_switch_refresh_ports(arg), 0);
}

static int
process_events(struct vs_switch *sw)
{
	return vs_vhu_process_events(sw != NULL ? on_vhu_event : NULL, sw);
}

static void
eal_up(void)
{
	char prefix[64];
	/* Workers on lcores 1 and 2, both on CPU 1; the guest polls on CPU 0. */
	char *argv[] = {
	    "test_vhost", "--no-huge",	    "-m",	 "512",		"--no-shconf",
	    "--no-pci",	  "--no-telemetry", "--lcores",	 "0@0,1@1,2@1", "--file-prefix",
	    prefix,	  "--log-level",    "*:warning", "--log-level", "nfvswitch.vhost:info",
	    NULL,
	};

	snprintf(prefix, sizeof(prefix), "vs_vhu_t_%d", getpid());
	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv), 0,
		      "EAL init failed");
	cr_assert_eq(vs_vhu_init(), 0);
	pool = rte_pktmbuf_pool_create("test_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool);
	snprintf(dir, sizeof(dir), "/tmp/vs_vhu_t_%d", getpid());
	mkdir(dir, 0700);
	snprintf(sock, sizeof(sock), "%s/vm1.sock", dir);
}

static struct rte_ring *
ring(const char *what, const char *name)
{
	char n[64];
	struct rte_ring *r;

	snprintf(n, sizeof(n), "%s_%s", what, name);
	r = rte_ring_create(n, RING_SIZE, SOCKET_ID_ANY, 0);
	cr_assert_not_null(r, "ring %s", n);
	return r;
}

/* Ring ports up<gen> (2 rx rings, 1 tx ring), a<gen> (rx) and b<gen> (tx). */
static void
uplink_make(struct uplink *u)
{
	struct rte_ring *none_rx, *none_tx;

	gen++;
	snprintf(u->up_name, sizeof(u->up_name), "up%u", gen);
	snprintf(u->a_name, sizeof(u->a_name), "a%u", gen);
	snprintf(u->b_name, sizeof(u->b_name), "b%u", gen);
	u->rx[0] = ring("rx0", u->up_name);
	u->rx[1] = ring("rx1", u->up_name);
	u->tx = ring("tx", u->up_name);
	cr_assert_geq(rte_eth_from_rings(u->up_name, u->rx, 2, &u->tx, 1, 0), 0);
	u->a_rx = ring("rx", u->a_name);
	none_tx = ring("tx", u->a_name);
	cr_assert_geq(rte_eth_from_rings(u->a_name, &u->a_rx, 1, &none_tx, 1, 0), 0);
	none_rx = ring("rx", u->b_name);
	u->b_tx = ring("tx", u->b_name);
	cr_assert_geq(rte_eth_from_rings(u->b_name, &none_rx, 1, &u->b_tx, 1, 0), 0);
}

/* The switch config in YAML text yaml (errors name file name); the test
 * fails on a load error. */
static struct vs_config *
cfg_of(const char *name, const char *yaml)
{
	struct vs_cfg_error err;
	struct vs_config *cfg;

	memset(&err, 0, sizeof(err));
	cfg = vs_config_load_buf(yaml, strlen(yaml), name, &err);
	cr_assert_not_null(cfg, "config: %s", err.msg);
	return cfg;
}

static struct vs_config *
load_cfg(const struct uplink *u, const char *mode, unsigned queues)
{
	char yaml[2048];

	snprintf(yaml, sizeof(yaml),
		 "workers: [{lcore: 1}, {lcore: 2}]\n"
		 "ports:\n"
		 "  - {name: up, type: ethdev, device: net_ring_%s, rx_queues: 2}\n"
		 "  - {name: vm1, type: vhost, path: \"%s\", mode: %s, queues: %u}\n"
		 "  - {name: a, type: ethdev, device: net_ring_%s}\n"
		 "  - {name: b, type: ethdev, device: net_ring_%s}\n"
		 "rules:\n"
		 "  - {priority: 10, match: {in_port: up}, actions: [{output: vm1}]}\n"
		 "  - {priority: 10, match: {in_port: vm1}, actions: [{output: up}]}\n"
		 "  - {priority: 10, match: {in_port: a}, actions: [{output: b}]}\n",
		 u->up_name, sock, mode, queues, u->a_name, u->b_name);
	return cfg_of("vhost-test.yaml", yaml);
}

static struct vs_switch *
switch_up(const struct vs_config *cfg)
{
	struct vs_switch *sw = vs_switch_create(cfg);

	cr_assert_not_null(sw, "switch create: %s", strerror(errno));
	cr_assert_eq(vs_switch_apply(sw, cfg), 0);
	cr_assert_eq(vs_switch_start(sw), 0);
	return sw;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove the test's directory (sockets, guest logs): only when the test
 * passed, so a failure leaves its logs behind. */
static void
dir_remove(void)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- guest process ------------------------------------------------------------------- */

struct guest {
	pid_t pid;
	char log[256];
	int status;
};

static void
guest_start(struct guest *g, const char *tag, bool server, unsigned queues, unsigned send,
	    unsigned expect, unsigned phases, bool stream)
{
	const char *bin = getenv("VHU_GUEST_BIN");
	char q[16], n[16], e[16], p[16], prefix[64];
	int fd;

	cr_assert_not_null(bin, "VHU_GUEST_BIN is not set");
	snprintf(g->log, sizeof(g->log), "%s/guest-%s.log", dir, tag);
	snprintf(q, sizeof(q), "%u", queues);
	snprintf(n, sizeof(n), "%u", send);
	snprintf(e, sizeof(e), "%u", expect);
	snprintf(p, sizeof(p), "%u", phases);
	snprintf(prefix, sizeof(prefix), "vs_vhu_g_%d_%s", getpid(), tag);
	g->pid = fork();
	cr_assert_geq(g->pid, 0);
	if (g->pid == 0) {
		char *argv[24];
		int i = 0;

		/* Never outlive the test (a failed test must not leave a guest). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(g->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		argv[i++] = (char *)bin;
		argv[i++] = "--path";
		argv[i++] = sock;
		if (server)
			argv[i++] = "--server";
		argv[i++] = "--queues";
		argv[i++] = q;
		argv[i++] = "--send";
		argv[i++] = n;
		argv[i++] = "--expect";
		argv[i++] = e;
		argv[i++] = "--phases";
		argv[i++] = p;
		if (stream)
			argv[i++] = "--stream";
		argv[i++] = "--cpu";
		argv[i++] = "0";
		argv[i++] = "--prefix";
		argv[i++] = prefix;
		argv[i++] = "--timeout-ms";
		argv[i++] = "15000";
		argv[i] = NULL;
		execv(bin, argv);
		_exit(127);
	}
}

/* dpdk-testpmd as the guest: net_virtio_user, io forwarding (every frame
 * it receives goes back out unchanged), one forwarding lcore. */
static void
testpmd_start(struct guest *g, const char *tag, bool server, unsigned queues)
{
	char vdev[320], prefix[64], q[16];
	int fd;

	snprintf(g->log, sizeof(g->log), "%s/testpmd-%s.log", dir, tag);
	snprintf(vdev, sizeof(vdev), "net_virtio_user0,path=%s,queues=%u,queue_size=1024%s", sock,
		 queues, server ? ",server=1" : "");
	snprintf(prefix, sizeof(prefix), "vs_vhu_tp_%d_%s", getpid(), tag);
	snprintf(q, sizeof(q), "%u", queues);
	if (server)
		unlink(sock);
	g->pid = fork();
	cr_assert_geq(g->pid, 0);
	if (g->pid == 0) {
		char *argv[] = {
		    "dpdk-testpmd",
		    "--lcores",
		    "0@0,1@0",
		    "--no-huge",
		    "-m",
		    "256",
		    "--no-pci",
		    "--no-shconf",
		    "--no-telemetry",
		    "--single-file-segments",
		    "--file-prefix",
		    prefix,
		    "--log-level",
		    "*:warning",
		    "--vdev",
		    vdev,
		    "--",
		    "--total-num-mbufs=8192",
		    "--rxq",
		    q,
		    "--txq",
		    q,
		    "--rxd=1024",
		    "--txd=1024",
		    "--forward-mode=io",
		    "--auto-start",
		    "--stats-period",
		    "1",
		    NULL,
		};

		/* Never outlive the test (a failed test must not leave a guest). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(g->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
}

static char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* Wait for the guest to exit, applying vhost events meanwhile (its exit
 * makes librte_vhost destroy the device, which waits for us). */
static bool
guest_wait(struct vs_switch *sw, struct guest *g, unsigned timeout_ms)
{
	double t0 = now_ms();

	while (now_ms() - t0 < timeout_ms) {
		pid_t r = waitpid(g->pid, &g->status, WNOHANG);

		if (r == g->pid)
			return true;
		process_events(sw);
		nap_ms(2);
	}
	return false;
}

static void
guest_kill(struct vs_switch *sw, struct guest *g)
{
	kill(g->pid, SIGKILL);
	cr_assert(guest_wait(sw, g, 5000), "guest did not die");
}

/* Wait for text in a guest's log, applying vhost events meanwhile. */
static void
wait_log(struct vs_switch *sw, const char *log, const char *text, unsigned timeout_ms)
{
	double t0 = now_ms();

	while (strstr(slurp(log), text) == NULL && now_ms() - t0 < timeout_ms) {
		if (sw)
			process_events(sw);
		nap_ms(5);
	}
	cr_assert_not_null(strstr(slurp(log), text), "want '%s' in:\n%s", text, slurp(log));
}

/* ---- traffic ------------------------------------------------------------------------------ */

static void
inject(struct rte_ring *r, unsigned n, uint32_t seq0)
{
	struct rte_mbuf *m;
	unsigned i;

	for (i = 0; i < n; i++) {
		m = rte_pktmbuf_alloc(pool);
		cr_assert_not_null(m);
		vhu_pkt_fill(m, VHU_TAG_TEST, seq0 + i);
		cr_assert_eq(rte_ring_enqueue(r, m), 0);
	}
}

/*
 * n packets into each of the rings, 8 at a time per ring every 2 ms: the
 * guest's 1024-entry rx ring would need the guest descheduled for over
 * 100 ms to overflow (on a busy 2-core host it can be for 20 ms), so the
 * counts are exact. A ring the guest does not drain in time would be a
 * vhost_tx_full drop, which the tests check is zero.
 */
static void
inject_paced(struct vs_switch *sw, struct rte_ring *r0, struct rte_ring *r1, unsigned n)
{
	unsigned done = 0, k;

	while (done < n) {
		k = n - done < 8 ? n - done : 8;
		inject(r0, k, done);
		if (r1 != NULL)
			inject(r1, k, 100000 + done);
		done += k;
		process_events(sw);
		nap_ms(2);
	}
}

/* Packets in r: count those with tag (others in *other), free them all. */
static unsigned
drain(struct rte_ring *r, int tag, unsigned *other)
{
	void *objs[64];
	unsigned n, i, count = 0;

	while ((n = rte_ring_dequeue_burst(r, objs, 64, NULL)) > 0) {
		for (i = 0; i < n; i++) {
			if (vhu_pkt_tag(objs[i]) == tag)
				count++;
			else if (other)
				(*other)++;
			rte_pktmbuf_free(objs[i]);
		}
	}
	return count;
}

/* Pump events until the vhost port runs with every queue enabled. */
static void
wait_ready(struct vs_switch *sw, struct vs_port *vm, unsigned timeout_ms)
{
	struct pollfd pfd = {.fd = vs_vhu_event_fd(), .events = POLLIN};
	double t0 = now_ms();

	/* As the daemon's loop: sleep until vhost says events wait. */
	cr_assert_geq(pfd.fd, 0);
	process_events(sw);
	while (!vs_vhu_all_queues_ready(vm) && now_ms() - t0 < timeout_ms) {
		poll(&pfd, 1, (int)(timeout_ms - (now_ms() - t0)) + 1);
		process_events(sw);
	}
	cr_assert(vs_vhu_all_queues_ready(vm), "vhost port did not become ready in %u ms",
		  timeout_ms);
}

/* Collect tag-0 packets from the uplink until `want` arrived and nothing more
 * came for settle_ms (or timeout). Returns the count. */
static unsigned
collect(struct vs_switch *sw, struct rte_ring *r, unsigned want, unsigned settle_ms,
	unsigned timeout_ms, unsigned *other)
{
	double t0 = now_ms(), last = t0;
	unsigned got = 0, k;

	while (now_ms() - t0 < timeout_ms) {
		k = drain(r, VHU_TAG_GUEST, other);
		if (k)
			last = now_ms();
		got += k;
		if (got >= want && now_ms() - last >= settle_ms)
			break;
		process_events(sw);
		nap_ms(1);
	}
	return got;
}

static uint64_t
worker_loops(struct vs_switch *sw, unsigned w)
{
	static struct vs_switch_stats st;

	vs_switch_stats(sw, &st);
	return st.worker[w].loops;
}

/* ---- client/server x 1/2 queues ----------------------------------------------------------- */

#define N_GUEST 400 /* guest -> uplink */
#define N_TEST	300 /* uplink -> guest, per uplink rx ring */

/* A guest of guest_queues pairs on a port of queues pairs: rx queue q polls
 * the guest's pairs q, q + queues, ..., the switch's tx queues go out on the
 * pairs the guest enabled, and nothing is lost either way. */
static void
both_directions_q(const char *mode, unsigned queues, unsigned guest_queues)
{
	static struct vs_switch_stats st;
	struct vs_vhu_stats vst;
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct vs_port *vm;
	struct uplink u;
	struct guest g;
	unsigned got, other = 0, q;
	uint64_t rx_sum = 0, tx_sum = 0;
	bool client = strcmp(mode, "client") == 0;
	unsigned used = guest_queues < queues ? guest_queues : queues;
	char want[128];

	eal_up();
	uplink_make(&u);
	cfg = load_cfg(&u, mode, queues);
	/* A client-mode switch connects to the guest's socket: start the
	 * guest first in that case (the switch would retry anyway). */
	if (client)
		guest_start(&g, "g", true, guest_queues, N_GUEST, 2 * N_TEST, 1, false);
	sw = switch_up(cfg);
	vm = vs_switch_port_by_name(sw, "vm1");
	cr_assert_not_null(vm);
	if (!client)
		guest_start(&g, "g", false, guest_queues, N_GUEST, 2 * N_TEST, 1, false);
	wait_ready(sw, vm, 30000);
	/* The virtio driver enables its rings before it posts rx buffers
	 * (rte_eth_dev_configure vs rte_eth_dev_start): packets sent in
	 * between are vhost_tx_full drops. Send once the guest has started. */
	wait_log(sw, g.log, "guest: started", 10000);

	/* What the port offers: live migration (dirty-page logging),
	 * mergeable buffers, indirect descriptors, multiqueue, the guest
	 * offloads (offloads: true by default) but not those the pipeline
	 * cannot complete (UFO, ECN). The guest negotiated mergeable buffers
	 * and, asking for no tx offload, no host TSO. */
	{
		uint64_t offered = 0;

		cr_assert_eq(rte_vhost_driver_get_features(sock, &offered), 0);
		cr_assert(offered & (1ULL << VHOST_F_LOG_ALL));
		cr_assert(offered & (1ULL << VIRTIO_NET_F_MRG_RXBUF));
		cr_assert(offered & (1ULL << VIRTIO_RING_F_INDIRECT_DESC));
		cr_assert(offered & (1ULL << VIRTIO_NET_F_MQ));
		cr_assert(offered & (1ULL << VIRTIO_NET_F_HOST_TSO4));
		cr_assert(offered & (1ULL << VIRTIO_NET_F_CSUM));
		cr_assert(offered & (1ULL << VIRTIO_NET_F_HOST_TSO6));
		cr_assert_not(offered & (1ULL << VIRTIO_NET_F_HOST_UFO));
		cr_assert_not(offered & (1ULL << VIRTIO_NET_F_HOST_ECN));
		cr_assert_eq(vs_vhu_stats_get(vm, &vst), 0);
		cr_assert_eq(vst.state, VS_VHU_RUNNING);
		cr_assert_geq(vst.vid, 0);
		cr_assert_eq(vst.n_vrings, 2 * guest_queues);
		cr_assert_eq(vst.extra_pairs, guest_queues > queues ? guest_queues - queues : 0);
		cr_assert(vst.features & (1ULL << VIRTIO_NET_F_MRG_RXBUF), "features 0x%" PRIx64,
			  vst.features);
		cr_assert_not(vst.features & (1ULL << VIRTIO_NET_F_HOST_TSO4));
		/* tx queue q goes out on the (q mod n)th of the n pairs the guest enabled */
		for (q = 0; q < queues; q++)
			cr_assert_eq(vst.queue[q].tx_pair, q % guest_queues,
				     "tx queue %u on pair %u", q, vst.queue[q].tx_pair);
	}

	/* Both uplink rx rings: worker 0 polls ring 0, worker 1 ring 1, so both
	 * workers transmit to the guest (on two queues, or sharing one). */
	inject_paced(sw, u.rx[0], u.rx[1], N_TEST);
	got = collect(sw, u.tx, N_GUEST, 300, 20000, &other);
	cr_assert(guest_wait(sw, &g, 20000), "guest did not finish:\n%s", slurp(g.log));
	vs_switch_stats(sw, &st);
	cr_assert_eq(vs_vhu_stats_get(vm, &vst), 0);
	cr_assert(WIFEXITED(g.status) && WEXITSTATUS(g.status) == 0,
		  "guest failed (switch: vm1 tx %" PRIu64 " drops %" PRIu64
		  ", vhost_tx_full %" PRIu64 ", vhost_not_ready %" PRIu64 ", q0 ring_full %" PRIu64
		  " disabled %" PRIu64 "):\n%s",
		  st.port[vm->id].tx_pkts, st.port[vm->id].tx_drops,
		  st.drops[VS_DROP_VHOST_TX_FULL], st.drops[VS_DROP_VHOST_NOT_READY],
		  vst.queue[0].tx_ring_full, vst.queue[0].tx_disabled, slurp(g.log));
	cr_assert_eq(got, N_GUEST, "uplink got %u guest packets, want %u", got, N_GUEST);
	cr_assert_eq(other, 0);
	snprintf(want, sizeof(want), "phase 1: sent=%u received=%u other=0", N_GUEST, 2 * N_TEST);
	cr_assert_not_null(strstr(slurp(g.log), want), "want '%s' in:\n%s", want, slurp(g.log));

	/* Switch counters agree, per port and per queue. */
	cr_assert_eq(vs_vhu_stats_get(vm, &vst), 0);
	cr_assert_eq(vst.connections, 1);
	cr_assert_eq(vst.reconnects, 0);
	cr_assert_eq(vst.devices, 1);
	cr_assert_eq(vst.n_queues, queues);
	cr_assert_eq(vst.mode, client ? VS_CFG_VHOST_CLIENT : VS_CFG_VHOST_SERVER);
	for (q = 0; q < queues; q++) {
		rx_sum += vst.queue[q].rx_pkts;
		tx_sum += vst.queue[q].tx_pkts;
		cr_assert_eq(vst.queue[q].rx_bytes, vst.queue[q].rx_pkts * VHU_PKT_LEN);
		cr_assert_eq(vst.queue[q].tx_bytes, vst.queue[q].tx_pkts * VHU_PKT_LEN);
		/* The guest spreads its packets over the queues it uses; with 2
		 * tx queues each worker sends on its own one. */
		if (q < used)
			cr_assert_gt(vst.queue[q].rx_pkts, 0, "rx queue %u unused", q);
		else
			cr_assert_eq(vst.queue[q].rx_pkts, 0, "rx queue %u of no guest ring", q);
		cr_assert_gt(vst.queue[q].tx_pkts, 0, "tx queue %u unused", q);
		cr_assert_eq(vst.queue[q].tx_disabled, 0);
		cr_assert_eq(vst.queue[q].tx_ring_full, 0);
	}
	cr_assert_eq(vst.vrings_ignored, 0);

	cr_assert_eq(rx_sum, N_GUEST);
	cr_assert_eq(tx_sum, 2 * N_TEST);
	if (queues == 1)
		cr_assert(vm->txq_shared[0], "two workers share the single tx queue");
	cr_assert_eq(vs_switch_stats(sw, &st), 0);
	cr_assert_eq(st.port[vm->id].rx_pkts, N_GUEST);
	cr_assert_eq(st.port[vm->id].tx_pkts, 2 * N_TEST);
	cr_assert_eq(st.port[vm->id].tx_drops, 0);
	cr_assert_eq(st.drops[VS_DROP_VHOST_TX_FULL], 0);
	cr_assert_eq(st.drops[VS_DROP_VHOST_NOT_READY], 0);

	/* The guest left: the port is not ready, and packets to it are dropped
	 * and counted, not queued. */
	{
		double t0 = now_ms();

		while (vs_port_is_ready(vm) && now_ms() - t0 < 5000) {
			process_events(sw);
			nap_ms(2);
		}
	}
	cr_assert_not(vs_port_is_ready(vm));
	inject(u.rx[0], 50, 200000);
	{
		double t0 = now_ms();

		do {
			nap_ms(5);
			vs_switch_stats(sw, &st);
		} while (st.drops[VS_DROP_VHOST_NOT_READY] < 50 && now_ms() - t0 < 5000);
	}
	cr_assert_eq(st.drops[VS_DROP_VHOST_NOT_READY], 50);
	/* The device stops first (not ready), the connection closes after it:
	 * two events, which may be applied a few ms apart. */
	{
		double t0 = now_ms();

		do {
			process_events(sw);
			cr_assert_eq(vs_vhu_stats_get(vm, &vst), 0);
			if (vst.state == VS_VHU_WAITING)
				break;
			nap_ms(2);
		} while (now_ms() - t0 < 5000);
	}
	cr_assert_eq(vs_vhu_stats_get(vm, &vst), 0);
	cr_assert_eq(vst.destroys, 1);
	cr_assert_eq(vst.vid, -1);
	cr_assert_eq(vst.state, VS_VHU_WAITING);
	/* Each change was reported to the owner (this test) as an event. */
	cr_assert_eq(vhu_events[VS_VHU_EV_CONNECTED], 1);
	cr_assert_eq(vhu_events[VS_VHU_EV_READY], 1);
	cr_assert_eq(vhu_events[VS_VHU_EV_GONE], 1);
	cr_assert_eq(vhu_events[VS_VHU_EV_DISCONNECTED], 1);
	cr_assert_geq(vhu_events[VS_VHU_EV_VRING], 2 * queues);
	{
		char line[512], want_q[64];

		cr_assert_gt(vs_vhu_stats_format(vm, line, sizeof(line)), 0);
		cr_assert_not_null(strstr(line, "waiting"), "%s", line);
		cr_assert_not_null(strstr(line, "connections 1 (reconnects 0)"), "%s", line);
		snprintf(want_q, sizeof(want_q), "q%u (disabled) rx %" PRIu64, queues - 1,
			 vst.queue[queues - 1].rx_pkts);
		cr_assert_not_null(strstr(line, want_q), "want '%s' in %s", want_q, line);
		cr_assert_eq(
		    vs_vhu_stats_format(vs_switch_port_by_name(sw, "up"), line, sizeof(line)),
		    -EINVAL);
	}

	vs_switch_destroy(sw);
	vs_config_free(cfg);
	if (!client) {
		struct stat sb;

		cr_assert_neq(stat(sock, &sb), 0, "server socket removed on destroy");
	}
	dir_remove();
}

static void
both_directions(const char *mode, unsigned queues)
{
	both_directions_q(mode, queues, queues);
}

Test(vhost, client_1q, .timeout = 60)
{
	both_directions("client", 1);
}

Test(vhost, client_2q, .timeout = 60)
{
	both_directions("client", 2);
}

Test(vhost, server_1q, .timeout = 60)
{
	both_directions("server", 1);
}

Test(vhost, server_2q, .timeout = 60)
{
	both_directions("server", 2);
}

/* A guest of 2 queue pairs on a 1-pair port: rx queue 0 polls both of its
 * tx rings; nothing is lost. */
Test(vhost, guest_2q_on_port_1q, .timeout = 60)
{
	both_directions_q("server", 1, 2);
}

/* A 1-pair guest on a 2-pair port with 2 workers: both workers' tx queues go
 * out on the one pair the guest enabled; nothing is lost. */
Test(vhost, guest_1q_on_port_2q, .timeout = 60)
{
	both_directions_q("server", 2, 1);
}

/* ---- guest restart -------------------------------------------------------------------------- */

static void
wait_not_ready(struct vs_switch *sw, struct vs_port *vm)
{
	double t0 = now_ms();

	while (vs_port_is_ready(vm) && now_ms() - t0 < 5000) {
		process_events(sw);
		nap_ms(2);
	}
	cr_assert_not(vs_port_is_ready(vm), "port still ready after the guest went away");
}

/* Inject n packets into `in` and wait until exactly n tag-1 packets left by `out`. */
static unsigned
forward_exact(struct vs_switch *sw, struct rte_ring *in, struct rte_ring *out, unsigned n)
{
	double t0 = now_ms(), last;
	unsigned got = 0;

	inject(in, n, 0);
	last = now_ms();
	while (now_ms() - t0 < 10000 && (got < n || now_ms() - last < 100)) {
		unsigned k = drain(out, VHU_TAG_TEST, NULL);

		if (k)
			last = now_ms();
		got += k;
		process_events(sw);
		nap_ms(1);
	}
	return got;
}

Test(vhost, guest_restart, .timeout = 90)
{
	static struct vs_switch_stats st;
	struct vs_vhu_stats vst;
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct vs_port *vm;
	struct uplink u;
	struct guest ga, gb;
	uint64_t loops0, loops1, nr0;
	unsigned got, other = 0;
	char want[128];
	double t0;

	eal_up();
	uplink_make(&u);
	cfg = load_cfg(&u, "client", 1);
	/* Guest A streams packets and is killed mid-traffic. */
	guest_start(&ga, "a", true, 1, 0, 0, 0, true);
	sw = switch_up(cfg);
	vm = vs_switch_port_by_name(sw, "vm1");
	wait_ready(sw, vm, 30000);
	wait_log(sw, ga.log, "guest: started", 10000);
	inject(u.rx[0], 200, 0);
	got = collect(sw, u.tx, 100, 0, 10000, NULL);
	cr_assert_geq(got, 100, "guest A traffic did not flow (%u)", got);
	guest_kill(sw, &ga);
	wait_not_ready(sw, vm);
	drain(u.tx, VHU_TAG_GUEST, NULL);

	/* The guest is gone: other ports forward, workers keep looping, and
	 * packets to the guest are dropped and counted. */
	loops0 = worker_loops(sw, 0);
	loops1 = worker_loops(sw, 1);
	cr_assert_eq(forward_exact(sw, u.a_rx, u.b_tx, 500), 500);
	vs_switch_stats(sw, &st);
	nr0 = st.drops[VS_DROP_VHOST_NOT_READY];
	inject(u.rx[0], 100, 0);
	inject(u.rx[1], 100, 0);
	t0 = now_ms();
	do {
		nap_ms(5);
		vs_switch_stats(sw, &st);
	} while (st.drops[VS_DROP_VHOST_NOT_READY] - nr0 < 200 && now_ms() - t0 < 5000);
	cr_assert_eq(st.drops[VS_DROP_VHOST_NOT_READY] - nr0, 200);
	cr_assert_gt(worker_loops(sw, 0), loops0);
	cr_assert_gt(worker_loops(sw, 1), loops1);

	/* Guest B on the same socket: the client-mode switch reconnects. */
	guest_start(&gb, "b", true, 1, N_GUEST, N_TEST, 1, false);
	wait_ready(sw, vm, 30000);
	wait_log(sw, gb.log, "guest: started", 10000);
	inject_paced(sw, u.rx[0], NULL, N_TEST);
	got = collect(sw, u.tx, N_GUEST, 300, 20000, &other);
	cr_assert(guest_wait(sw, &gb, 20000), "guest B did not finish:\n%s", slurp(gb.log));
	cr_assert(WIFEXITED(gb.status) && WEXITSTATUS(gb.status) == 0, "guest B failed:\n%s",
		  slurp(gb.log));
	cr_assert_eq(got, N_GUEST);
	cr_assert_eq(other, 0);
	snprintf(want, sizeof(want), "phase 1: sent=%u received=%u other=0", N_GUEST, N_TEST);
	cr_assert_not_null(strstr(slurp(gb.log), want), "want '%s' in:\n%s", want, slurp(gb.log));
	cr_assert_eq(vs_vhu_stats_get(vm, &vst), 0);
	cr_assert_eq(vst.connections, 2);
	cr_assert_eq(vst.reconnects, 1);
	cr_assert_eq(vst.devices, 2);
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	dir_remove();
}

/* ---- switch restart (client mode) ------------------------------------------------------------ */

/* One session of a switch instance against the running guest. */
static void
session(struct vs_switch **swp, struct vs_config **cfgp, struct uplink *u, unsigned phase,
	const struct guest *g)
{
	struct vs_switch *sw;
	struct vs_port *vm;
	unsigned got, other = 0;
	char want[128];

	uplink_make(u);
	*cfgp = load_cfg(u, "client", 2);
	*swp = sw = switch_up(*cfgp);
	vm = vs_switch_port_by_name(sw, "vm1");
	wait_ready(sw, vm, 30000);
	wait_log(sw, g->log, "guest: started", 10000);
	inject_paced(sw, u->rx[0], u->rx[1], N_TEST / 2);
	got = collect(sw, u->tx, N_GUEST, 300, 20000, &other);
	cr_assert_eq(got, N_GUEST, "session %u: uplink got %u of %u", phase, got, N_GUEST);
	cr_assert_eq(other, 0);
	snprintf(want, sizeof(want), "phase %u: sent=%u received=%u other=0", phase, N_GUEST,
		 N_TEST);
	wait_log(sw, g->log, want, 10000);
}

Test(vhost, switch_restart_client, .timeout = 90)
{
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct uplink u1, u2;
	struct guest g;

	eal_up();
	/* The guest serves the socket and outlives the switch. */
	guest_start(&g, "g", true, 2, N_GUEST, N_TEST, 2, false);
	session(&sw, &cfg, &u1, 1, &g);
	/* Restart: everything the switch had goes (sockets unregistered,
	 * ports, workers, mempool); a new instance starts from the config. */
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	/* The next switch connects once the guest saw this one go: connecting
	 * before virtio_user handled the close raced with it (seen under ASan
	 * on a loaded machine: the new connection never got its vrings). */
	wait_log(NULL, g.log, "guest: link down after phase 1", 10000);
	session(&sw, &cfg, &u2, 2, &g);
	cr_assert(guest_wait(sw, &g, 10000), "guest did not finish:\n%s", slurp(g.log));
	cr_assert(WIFEXITED(g.status) && WEXITSTATUS(g.status) == 0,
		  "guest failed (status 0x%x):\n%s", g.status, slurp(g.log));
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	dir_remove();
}

/* ---- server socket: ownership, permissions, stale files ------------------------------------- */

static struct vs_config *
load_server_cfg(const char *extra)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml),
		 "workers: [{lcore: 1}]\n"
		 "ports:\n"
		 "  - {name: vm1, type: vhost, path: \"%s\", mode: server%s}\n",
		 sock, extra);
	return cfg_of("vhost-server.yaml", yaml);
}

Test(vhost, server_socket_ownership, .timeout = 30)
{
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct stat sb;
	int fd;

	eal_up();
	/* A stale socket from an earlier run is replaced. */
	{
		struct sockaddr_un sa;

		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		cr_assert_lt(strlen(sock), sizeof(sa.sun_path));
		memcpy(sa.sun_path, sock, strlen(sock) + 1);
		cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
	}
	cfg = load_server_cfg(", owner: root, group: root, socket_mode: \"0600\"");
	sw = switch_up(cfg);
	cr_assert_eq(stat(sock, &sb), 0);
	cr_assert(S_ISSOCK(sb.st_mode));
	cr_assert_eq(sb.st_mode & 07777, 0600, "mode %o", sb.st_mode & 07777);
	cr_assert_eq(sb.st_uid, 0);
	cr_assert_eq(sb.st_gid, 0);
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	cr_assert_neq(stat(sock, &sb), 0, "socket removed with the port");

	/* The default mode is 0660. */
	cfg = load_server_cfg("");
	sw = switch_up(cfg);
	cr_assert_eq(stat(sock, &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0660, "mode %o", sb.st_mode & 07777);
	vs_switch_destroy(sw);
	vs_config_free(cfg);

	/* Anything but a socket at the path is left alone and refused. */
	fd = open(sock, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	cfg = load_server_cfg("");
	sw = vs_switch_create(cfg);
	cr_assert_not_null(sw);
	cr_assert_eq(vs_switch_apply(sw, cfg), -EEXIST);
	cr_assert_eq(stat(sock, &sb), 0);
	cr_assert(S_ISREG(sb.st_mode), "the regular file is untouched");
	vs_switch_destroy(sw);
	vs_config_free(cfg);

	/* A socket another process listens on is refused and keeps working. */
	unlink(sock);
	{
		struct sockaddr_un sa;
		int lfd, cfd;

		lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		memcpy(sa.sun_path, sock, strlen(sock) + 1);
		cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		cr_assert_eq(listen(lfd, 4), 0);
		cfg = load_server_cfg("");
		sw = vs_switch_create(cfg);
		cr_assert_not_null(sw);
		cr_assert_eq(vs_switch_apply(sw, cfg), -EADDRINUSE);
		vs_switch_destroy(sw);
		vs_config_free(cfg);
		cr_assert_eq(stat(sock, &sb), 0, "the live socket was removed");
		cfd = socket(AF_UNIX, SOCK_STREAM, 0);
		cr_assert_eq(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0,
			     "the other process's socket no longer answers: %s", strerror(errno));
		close(cfd);
		close(lfd);
	}

	/* An owner that does not exist fails the start, not silently. */
	unlink(sock);
	cfg = load_server_cfg(", owner: no-such-user-vs");
	sw = vs_switch_create(cfg);
	cr_assert_not_null(sw);
	cr_assert_eq(vs_switch_apply(sw, cfg), 0);
	cr_assert_eq(vs_switch_start(sw), -ENOENT);
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	dir_remove();
}

/* ---- guest churn: kill and restart the guest under traffic, several times ------------------- */

Test(vhost, guest_churn, .timeout = 90)
{
	static struct vs_switch_stats st;
	struct vs_vhu_stats vst;
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct vs_port *vm;
	struct uplink u;
	struct guest g;
	unsigned cycle, got;
	uint64_t nr0;
	char tag[16];
	double t0;

	eal_up();
	uplink_make(&u);
	cfg = load_cfg(&u, "client", 2);
	guest_start(&g, "c0", true, 2, 0, 0, 0, true);
	sw = switch_up(cfg);
	vm = vs_switch_port_by_name(sw, "vm1");
	for (cycle = 1; cycle <= 3; cycle++) {
		wait_ready(sw, vm, 30000);
		wait_log(sw, g.log, "guest: started", 10000);
		/* Traffic both ways, then kill the guest in the middle of it:
		 * both workers are enqueueing and dequeueing when the device goes. */
		inject(u.rx[0], 256, 0);
		inject(u.rx[1], 256, 0);
		got = collect(sw, u.tx, 64, 0, 10000, NULL);
		cr_assert_geq(got, 64, "cycle %u: guest traffic did not flow", cycle);
		inject(u.rx[0], 256, 0);
		inject(u.rx[1], 256, 0);
		guest_kill(sw, &g);
		wait_not_ready(sw, vm);
		drain(u.tx, VHU_TAG_GUEST, NULL);
		/* The switch forwards between other ports while the guest is
		 * away, and drops (counts) what is meant for the guest. */
		cr_assert_eq(forward_exact(sw, u.a_rx, u.b_tx, 100), 100);
		vs_switch_stats(sw, &st);
		nr0 = st.drops[VS_DROP_VHOST_NOT_READY];
		inject(u.rx[1], 10, 0);
		t0 = now_ms();
		do {
			nap_ms(2);
			vs_switch_stats(sw, &st);
		} while (st.drops[VS_DROP_VHOST_NOT_READY] - nr0 < 10 && now_ms() - t0 < 5000);
		cr_assert_eq(st.drops[VS_DROP_VHOST_NOT_READY] - nr0, 10, "cycle %u", cycle);
		snprintf(tag, sizeof(tag), "c%u", cycle);
		guest_start(&g, tag, true, 2, 0, 0, 0, true);
	}
	wait_ready(sw, vm, 30000);
	cr_assert_eq(vs_vhu_stats_get(vm, &vst), 0);
	/* Four guests came and three went: the device counts are exact. A
	 * reconnect attempt can reach a guest that is still starting and be
	 * dropped by it, so the socket-level counts are lower bounds. */
	cr_assert_eq(vst.devices, 4);
	cr_assert_eq(vst.destroys, 3);
	cr_assert_geq(vst.connections, 4);
	cr_assert_geq(vst.reconnects, 3);
	guest_kill(sw, &g);
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	dir_remove();
}

/* ---- dpdk-testpmd as the guest --------------------------------------------------------------- */

/* n packets into each of r0 and r1 (r1 may be NULL), and all of them back
 * out of the uplink after uplink -> vm1 -> testpmd (io) -> vm1 -> uplink.
 * Leaves the switch's stats in *st. */
static void
loop_exact(struct vs_switch *sw, struct uplink *u, struct rte_ring *r0, struct rte_ring *r1,
	   unsigned n, const struct guest *g, struct vs_switch_stats *st)
{
	unsigned want = r1 != NULL ? 2 * n : n, got = 0, k;
	double t0, last;

	inject_paced(sw, r0, r1, n);
	t0 = last = now_ms();
	while (now_ms() - t0 < 20000 && (got < want || now_ms() - last < 300)) {
		k = drain(u->tx, VHU_TAG_TEST, NULL);
		if (k)
			last = now_ms();
		got += k;
		process_events(sw);
		nap_ms(1);
	}
	vs_switch_stats(sw, st);
	cr_assert_eq(got, want, "uplink got back %u of %u (vhost_tx_full %" PRIu64 ")\n%s", got,
		     want, st->drops[VS_DROP_VHOST_TX_FULL], slurp(g->log));
}

/* Start of a test with a dpdk-testpmd guest: skipped when testpmd is not
 * installed, else EAL up and a fresh uplink. */
static void
testpmd_test_begin(struct uplink *u)
{
	if (system("command -v dpdk-testpmd > /dev/null") != 0)
		cr_skip_test("dpdk-testpmd is not installed");
	eal_up();
	uplink_make(u);
}

/* Uplink -> vm1 -> testpmd (io: sends every frame back) -> vm1 -> uplink. */
static void
testpmd_loop(const char *mode, unsigned queues)
{
	static struct vs_switch_stats st;
	bool client = strcmp(mode, "client") == 0;
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct vs_port *vm;
	struct uplink u;
	struct guest g;

	testpmd_test_begin(&u);
	cfg = load_cfg(&u, mode, queues);
	if (client)
		testpmd_start(&g, "g", true, queues);
	sw = switch_up(cfg);
	vm = vs_switch_port_by_name(sw, "vm1");
	if (!client)
		testpmd_start(&g, "g", false, queues);
	wait_ready(sw, vm, 30000);
	/* testpmd prints this once its port has started and forwarding runs. */
	wait_log(sw, g.log, "io packet forwarding", 10000);
	nap_ms(200);
	loop_exact(sw, &u, u.rx[0], u.rx[1], N_TEST, &g, &st);
	cr_assert_eq(st.port[vm->id].tx_pkts, 2 * N_TEST);
	cr_assert_eq(st.port[vm->id].rx_pkts, 2 * N_TEST);
	cr_assert_eq(st.drops[VS_DROP_VHOST_TX_FULL], 0);
	guest_kill(sw, &g);
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	dir_remove();
}

Test(vhost, testpmd_client_1q, .timeout = 60)
{
	testpmd_loop("client", 1);
}

Test(vhost, testpmd_server_2q, .timeout = 60)
{
	testpmd_loop("server", 2);
}

/* ---- live add and remove: a reload brings a vhost port in and takes it out ------------------ */

/* The config of load_cfg() without the vhost port and its rules. */
static struct vs_config *
load_cfg_novm(const struct uplink *u)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml),
		 "workers: [{lcore: 1}, {lcore: 2}]\n"
		 "ports:\n"
		 "  - {name: up, type: ethdev, device: net_ring_%s, rx_queues: 2}\n"
		 "  - {name: a, type: ethdev, device: net_ring_%s}\n"
		 "  - {name: b, type: ethdev, device: net_ring_%s}\n"
		 "rules:\n"
		 "  - {priority: 10, match: {in_port: a}, actions: [{output: b}]}\n",
		 u->up_name, u->a_name, u->b_name);
	return cfg_of("vhost-test.yaml", yaml);
}

Test(vhost, live_add_remove, .timeout = 90)
{
	static struct vs_switch_stats st;
	struct vs_config *with, *without;
	struct vs_vhu_stats vst;
	struct vs_switch *sw;
	struct vs_port *vm;
	struct uplink u;
	struct guest g;

	testpmd_test_begin(&u);
	with = load_cfg(&u, "client", 1);
	without = load_cfg_novm(&u);
	/* The guest serves its socket before the switch has a port for it. */
	testpmd_start(&g, "live", true, 1);
	sw = switch_up(without);
	cr_assert_null(vs_switch_port_by_name(sw, "vm1"));
	cr_assert_eq(forward_exact(sw, u.a_rx, u.b_tx, 100), 100);

	/* Reload with the port: it connects to the waiting guest. */
	cr_assert_eq(vs_switch_apply(sw, with), 0);
	vm = vs_switch_port_by_name(sw, "vm1");
	cr_assert_not_null(vm);
	wait_ready(sw, vm, 30000);
	wait_log(sw, g.log, "io packet forwarding", 10000);
	nap_ms(200);
	loop_exact(sw, &u, u.rx[0], NULL, N_TEST, &g, &st);
	cr_assert_eq(forward_exact(sw, u.a_rx, u.b_tx, 100), 100);

	/* Reload without it: the port goes, the workers never touch it again,
	 * the other ports keep forwarding, packets for it have no rule. */
	cr_assert_eq(vs_switch_apply(sw, without), 0);
	cr_assert_null(vs_switch_port_by_name(sw, "vm1"));
	cr_assert_eq(forward_exact(sw, u.a_rx, u.b_tx, 100), 100);
	inject(u.rx[0], 20, 0);
	nap_ms(100);
	cr_assert_eq(drain(u.tx, VHU_TAG_TEST, NULL), 0);

	/* And back: the guest (still waiting on its socket) is found again. */
	cr_assert_eq(vs_switch_apply(sw, with), 0);
	vm = vs_switch_port_by_name(sw, "vm1");
	cr_assert_not_null(vm);
	wait_ready(sw, vm, 30000);
	nap_ms(200);
	loop_exact(sw, &u, u.rx[0], NULL, N_TEST, &g, &st);
	cr_assert_eq(vs_vhu_stats_get(vm, &vst), 0);
	/* A new port: its counts start from zero. */
	cr_assert_eq(vst.queue[0].tx_pkts, N_TEST);
	cr_assert_eq(vst.queue[0].rx_pkts, N_TEST);
	cr_assert_eq(vst.connections, 1);

	guest_kill(sw, &g);
	vs_switch_destroy(sw);
	vs_config_free(with);
	vs_config_free(without);
	dir_remove();
}

/* ---- guest offloads: TSO super-frames and partial checksums --------------------------------- */

#define TSO_FRAMES  4
#define TSO_PAYLOAD 7000 /* not a multiple of the MSS: a short last segment */
#define TSO_MSS	    800

static void
tso_guest_start(struct guest *g, const char *tag)
{
	const char *bin = getenv("VHU_TSO_GUEST_BIN");
	char prefix[64], n[16], l[16], m[16];

	cr_assert_not_null(bin, "VHU_TSO_GUEST_BIN is not set");
	snprintf(g->log, sizeof(g->log), "%s/tso-guest-%s.log", dir, tag);
	snprintf(prefix, sizeof(prefix), "vs_vhu_tso_%d_%s", getpid(), tag);
	snprintf(n, sizeof(n), "%u", TSO_FRAMES);
	snprintf(l, sizeof(l), "%u", TSO_PAYLOAD);
	snprintf(m, sizeof(m), "%u", TSO_MSS);
	g->pid = fork();
	cr_assert_geq(g->pid, 0);
	if (g->pid == 0) {
		char *argv[] = {(char *)bin, "--path", sock,	"--frames", n,
				"--payload", l,	       "--mss", m,	    "--prefix",
				prefix,	     "--cpu",  "0",	NULL};
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(g->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(bin, argv);
		_exit(127);
	}
}

static struct vs_config *
tso_cfg(const struct uplink *u, const char *offloads)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml),
		 "workers: [{lcore: 1}]\n"
		 "ports:\n"
		 "  - {name: up, type: ethdev, device: net_ring_%s, rx_queues: 2}\n"
		 "  - {name: vm1, type: vhost, path: \"%s\", mode: server%s}\n"
		 "rules:\n"
		 "  - {priority: 10, match: {in_port: vm1}, actions: [{output: up}]}\n",
		 u->up_name, sock, offloads);
	return cfg_of("vhost-tso.yaml", yaml);
}

/* Check one frame the switch sent: checksums, and its payload against the
 * pattern; TCP frames of the super-frames mark their bytes in seen[]. */
/* A TCP/IPv6 segment of the guest's IPv6 super-frame: checksum, MSS, its
 * bytes of the pattern marked in seen6[]. */
static void
tso_check6(struct rte_mbuf *m, uint8_t *seen6, unsigned *n_seg6)
{
	const uint32_t l4_off = RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv6_hdr);
	const uint32_t hlen = l4_off + sizeof(struct rte_tcp_hdr);
	const struct rte_ipv6_hdr *ip6;
	const struct rte_tcp_hdr *t;
	uint32_t off, plen, i;

	cr_assert_geq(rte_pktmbuf_data_len(m), hlen, "headers past the first segment");
	ip6 = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, RTE_ETHER_HDR_LEN);
	t = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off);
	cr_assert_eq(ip6->proto, IPPROTO_TCP);
	cr_assert_eq(rte_be_to_cpu_16(t->dst_port), 5681);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), l4_off + rte_be_to_cpu_16(ip6->payload_len));
	cr_assert_eq(rte_ipv6_udptcp_cksum_mbuf_verify(m, ip6, l4_off), 0, "bad TCP/IPv6 checksum");
	plen = rte_pktmbuf_pkt_len(m) - hlen;
	cr_assert_leq(plen, TSO_MSS, "IPv6 segment over the MSS");
	off = rte_be_to_cpu_32(t->sent_seq) - VHU_TSO_SEQ0;
	cr_assert_leq(off + plen, VHU_TSO_V6);
	for (i = 0; i < plen; i++) {
		uint8_t b, *pb = (uint8_t *)rte_pktmbuf_read(m, hlen + i, 1, &b);

		cr_assert_eq(*pb, vhu_tso_byte(off + i), "IPv6 payload byte %u differs", off + i);
		cr_assert_eq(seen6[off + i], 0, "IPv6 stream byte %u twice", off + i);
		seen6[off + i] = 1;
	}
	(*n_seg6)++;
}

static void
tso_check(struct rte_mbuf *m, uint8_t *seen, unsigned *n_seg, unsigned *n_tcp_small,
	  unsigned *n_udp)
{
	uint8_t hdrs[RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr)];
	const uint32_t l4_off = RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr);
	struct rte_ipv4_hdr *ip;
	uint32_t plen, hlen, off, i;
	uint16_t dport, want_ip;

	cr_assert_eq(m->ol_flags & VS_TX_OL_MASK, 0, "offload requests left on a frame: 0x%" PRIx64,
		     m->ol_flags);
	cr_assert_geq(rte_pktmbuf_data_len(m), l4_off + sizeof(struct rte_udp_hdr),
		      "headers past the first segment");
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	cr_assert_eq(rte_pktmbuf_pkt_len(m),
		     RTE_ETHER_HDR_LEN + rte_be_to_cpu_16(ip->total_length));
	want_ip = ip->hdr_checksum;
	ip->hdr_checksum = 0;
	cr_assert_eq(rte_ipv4_cksum(ip), want_ip, "bad IPv4 header checksum");
	ip->hdr_checksum = want_ip;
	cr_assert_eq(rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, l4_off), 0,
		     "bad L4 checksum (proto %u)", ip->next_proto_id);
	if (ip->next_proto_id == IPPROTO_UDP) {
		const struct rte_udp_hdr *u =
		    rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, l4_off);

		cr_assert_eq(rte_be_to_cpu_16(u->dst_port), 5680);
		hlen = l4_off + sizeof(*u);
		cr_assert_eq(rte_pktmbuf_pkt_len(m), hlen + VHU_TSO_SMALL);
		off = 0;
		(*n_udp)++;
	} else {
		const struct rte_tcp_hdr *t;

		cr_assert_eq(ip->next_proto_id, IPPROTO_TCP);
		t = rte_pktmbuf_read(m, 0, sizeof(hdrs), hdrs);
		t = (const struct rte_tcp_hdr *)((const uint8_t *)t + l4_off);
		hlen = l4_off + sizeof(*t);
		dport = rte_be_to_cpu_16(t->dst_port);
		off = rte_be_to_cpu_32(t->sent_seq) - VHU_TSO_SEQ0;
		if (dport == 5679) {
			cr_assert_eq(rte_pktmbuf_pkt_len(m), hlen + VHU_TSO_SMALL);
			(*n_tcp_small)++;
		} else {
			cr_assert_eq(dport, 5678);
			cr_assert_leq(rte_pktmbuf_pkt_len(m) - hlen, TSO_MSS,
				      "segment over the MSS");
			(*n_seg)++;
		}
	}
	plen = rte_pktmbuf_pkt_len(m) - hlen;
	for (i = 0; i < plen; i++) {
		uint8_t b, *pb = (uint8_t *)rte_pktmbuf_read(m, hlen + i, 1, &b);

		cr_assert_eq(*pb, vhu_tso_byte(off + i), "payload byte %u (offset %u) differs", i,
			     off + i);
	}
	if (ip->next_proto_id == IPPROTO_TCP && plen > 0 &&
	    rte_be_to_cpu_16(((const struct rte_tcp_hdr *)(ip + 1))->dst_port) == 5678) {
		cr_assert_leq(off + plen, TSO_FRAMES * TSO_PAYLOAD);
		for (i = 0; i < plen; i++) {
			cr_assert_eq(seen[off + i], 0, "stream byte %u twice", off + i);
			seen[off + i] = 1;
		}
	}
}

/*
 * A guest sends TCP super-frames (TSO, MSS 800) and frames with partial TCP
 * and UDP checksums; the output (net_ring) has no offloads. What comes out
 * are complete frames: segments within the MSS, valid IPv4 and L4
 * checksums, the byte stream intact and complete.
 */
Test(vhost, guest_tso_segmented_for_plain_port, .timeout = 90)
{
	static struct vs_switch_stats st;
	static uint8_t seen[TSO_FRAMES * TSO_PAYLOAD], seen6[VHU_TSO_V6];
	const unsigned want_seg = TSO_FRAMES * ((TSO_PAYLOAD + TSO_MSS - 1) / TSO_MSS);
	const unsigned want_seg6 = (VHU_TSO_V6 + TSO_MSS - 1) / TSO_MSS;
	unsigned n_seg = 0, n_small = 0, n_udp = 0, n_seg6 = 0, got = 0, i;
	uint64_t tso_features = 0;
	struct vs_vhu_stats vst;
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct vs_port *vm;
	struct uplink u;
	struct guest g;
	double t0;

	eal_up();
	uplink_make(&u);
	cfg = tso_cfg(&u, "");
	sw = switch_up(cfg);
	vm = vs_switch_port_by_name(sw, "vm1");
	cr_assert_not_null(vm);
	tso_guest_start(&g, "on");
	wait_ready(sw, vm, 30000);
	t0 = now_ms();
	while (got < want_seg + 2 + want_seg6 && now_ms() - t0 < 20000) {
		struct rte_mbuf *m;

		process_events(sw);
		/* The guest's configure renegotiates: TSO and checksum now. */
		if (got == 0 && vs_vhu_stats_get(vm, &vst) == 0 && vst.state == VS_VHU_RUNNING)
			tso_features = vst.features;
		while (rte_ring_dequeue(u.tx, (void **)&m) == 0) {
			cr_assert_eq(m->ol_flags & VS_TX_OL_MASK, 0,
				     "offload requests left on a frame: 0x%" PRIx64, m->ol_flags);
			if (rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type ==
			    rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
				tso_check6(m, seen6, &n_seg6);
			else
				tso_check(m, seen, &n_seg, &n_small, &n_udp);
			rte_pktmbuf_free(m);
			got++;
		}
		nap_ms(2);
	}
	cr_assert(guest_wait(sw, &g, 20000), "guest did not finish:\n%s", slurp(g.log));
	cr_assert(WIFEXITED(g.status) && WEXITSTATUS(g.status) == 0, "guest failed:\n%s",
		  slurp(g.log));
	cr_assert(tso_features & (1ULL << VIRTIO_NET_F_HOST_TSO4), "features 0x%" PRIx64,
		  tso_features);
	cr_assert(tso_features & (1ULL << VIRTIO_NET_F_CSUM));
	cr_assert_eq(n_seg, want_seg, "segments: %u, want %u", n_seg, want_seg);
	cr_assert_eq(n_small, 1);
	cr_assert_eq(n_udp, 1);
	for (i = 0; i < TSO_FRAMES * TSO_PAYLOAD; i++)
		cr_assert_eq(seen[i], 1, "stream byte %u missing", i);
	cr_assert_eq(n_seg6, want_seg6, "IPv6 segments: %u, want %u", n_seg6, want_seg6);
	for (i = 0; i < VHU_TSO_V6; i++)
		cr_assert_eq(seen6[i], 1, "IPv6 stream byte %u missing", i);
	cr_assert_eq(vs_switch_stats(sw, &st), 0);
	cr_assert_eq(st.drops[VS_DROP_OFFLOAD_FAILED], 0);
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	dir_remove();
}

/* 192.0.2.n in host order (RTE_IPV4 shifts an int: UB past 127) */
#define TEST_NET1(n) ((uint32_t)192 << 24 | (uint32_t)2 << 8 | (uint32_t)(n))

/* Whether the MAC table holds mac behind port `port` and remote VTEP `remote`. */
struct fdb_want {
	uint8_t mac[6];
	uint16_t port;
	uint8_t remote;
	bool found;
};

static int
fdb_find(const struct vs_l2_entry *e, uint32_t age_s, void *arg)
{
	struct fdb_want *f = arg;

	(void)age_s;
	if (memcmp(e->key.mac, f->mac, 6) == 0 && e->port == f->port && e->remote == f->remote)
		f->found = true;
	return 0;
}

/*
 * A guest's TSO super-frames to a MAC learned behind one remote VTEP of a
 * vxlan port go to that remote alone, segmented within the MSS: the switch
 * finishes the offloads before it encapsulates, as it does for a flood
 * (head-end replication to every remote), and does not flood them.
 */
Test(vhost, guest_tso_to_a_learned_vtep_goes_to_it_alone, .timeout = 90)
{
	static struct vs_switch_stats st;
	static uint8_t seen[TSO_FRAMES * TSO_PAYLOAD], seen6[VHU_TSO_V6];
	const unsigned want_seg = TSO_FRAMES * ((TSO_PAYLOAD + TSO_MSS - 1) / TSO_MSS);
	const unsigned want_seg6 = (VHU_TSO_V6 + TSO_MSS - 1) / TSO_MSS;
	const unsigned want = want_seg + 2 + want_seg6;
	unsigned n_seg = 0, n_small = 0, n_udp = 0, n_seg6 = 0, to_a = 0, to_b = 0, other = 0;
	struct fdb_want fw = {.mac = {2, 0, 0, 0, 0, 2}, .remote = 0};
	struct rte_ether_addr up_mac;
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct rte_mbuf *m;
	struct uplink u;
	struct guest g;
	uint16_t up_id;
	uint8_t *p;
	char yaml[1024];
	double t0;

	eal_up();
	uplink_make(&u);
	snprintf(
	    yaml, sizeof(yaml),
	    "workers: [{lcore: 1}]\n"
	    "ports:\n"
	    "  - {name: up, type: ethdev, device: net_ring_%s, rx_queues: 2}\n"
	    "  - {name: vx, type: vxlan, underlay: up, local_ip: 192.0.2.1,\n"
	    "     remote_ip: [192.0.2.2, 192.0.2.3], vni: 100, remote_mac: \"02:00:00:00:00:fe\"}\n"
	    "  - {name: vm1, type: vhost, path: \"%s\", mode: server}\n"
	    "rules:\n"
	    "  - {priority: 10, match: {}, actions: [normal]}\n",
	    u.up_name, sock);
	cfg = cfg_of("vhost-tso-vxlan.yaml", yaml);
	sw = switch_up(cfg);
	fw.port = vs_switch_port_by_name(sw, "vx")->id;
	snprintf(yaml, sizeof(yaml), "net_ring_%s", u.up_name);
	cr_assert_eq(rte_eth_dev_get_port_by_name(yaml, &up_id), 0, "no ethdev %s", yaml);
	cr_assert_eq(rte_eth_macaddr_get(up_id, &up_mac), 0);

	/* 192.0.2.2 (remote 0) sends a broadcast from 02:00:00:00:00:02, the
	 * MAC the guest sends to: learned behind vx and that remote */
	m = rte_pktmbuf_alloc(pool);
	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, 50 + 60);
	cr_assert_not_null(p);
	memset(p, 0, 110);
	eh = (struct rte_ether_hdr *)p;
	eh->dst_addr = up_mac;
	memcpy(eh->src_addr.addr_bytes, "\x02\0\0\0\0\xfe", 6);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(p + 14);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(110 - 14);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(TEST_NET1(2));
	ip->dst_addr = rte_cpu_to_be_32(TEST_NET1(1));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(p + 34);
	udp->src_port = rte_cpu_to_be_16(49152);
	udp->dst_port = rte_cpu_to_be_16(4789);
	udp->dgram_len = rte_cpu_to_be_16(110 - 34);
	p[42] = 0x08;		    /* VXLAN: the VNI is valid */
	p[42 + 6] = 100;	    /* VNI 100 (bytes 4..6, low byte last) */
	memset(p + 50, 0xff, 6);    /* inner: broadcast */
	memcpy(p + 56, fw.mac, 6);  /* from the guest's destination */
	p[62] = 0x88, p[63] = 0xb5; /* a local experimental ethertype */
	cr_assert_eq(rte_ring_enqueue(u.rx[0], m), 0);
	t0 = now_ms();
	while (!fw.found && now_ms() - t0 < 5000) {
		vs_switch_l2_tick(sw, (uint32_t)time(NULL));
		vs_l2_walk(vs_switch_l2(sw), fdb_find, &fw);
		nap_ms(5);
	}
	cr_assert(fw.found, "02:00:00:00:00:02 not learned behind vx, remote 192.0.2.2");

	tso_guest_start(&g, "vxlan");
	wait_ready(sw, vs_switch_port_by_name(sw, "vm1"), 30000);
	t0 = now_ms();
	while (to_a + to_b < want && now_ms() - t0 < 20000) {
		process_events(sw);
		vs_switch_l2_tick(sw, (uint32_t)time(NULL));
		while (rte_ring_dequeue(u.tx, (void **)&m) == 0) {
			uint32_t dst;

			ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
			if (rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type !=
				rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
			    ip->next_proto_id != IPPROTO_UDP) {
				other++; /* not VXLAN */
				rte_pktmbuf_free(m);
				continue;
			}
			dst = rte_be_to_cpu_32(ip->dst_addr);
			to_a += dst == TEST_NET1(2);
			to_b += dst == TEST_NET1(3);
			if (dst == TEST_NET1(2)) {
				/* the inner frame: segments within the MSS, checksums */
				cr_assert_not_null(rte_pktmbuf_adj(m, 50));
				if (rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type ==
				    rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
					tso_check6(m, seen6, &n_seg6);
				else
					tso_check(m, seen, &n_seg, &n_small, &n_udp);
			}
			rte_pktmbuf_free(m);
		}
		nap_ms(2);
	}
	cr_assert(guest_wait(sw, &g, 20000), "guest did not finish:\n%s", slurp(g.log));
	nap_ms(200);
	while (rte_ring_dequeue(u.tx, (void **)&m) == 0) {
		to_b += 1; /* anything late is too much */
		rte_pktmbuf_free(m);
	}
	cr_expect_eq(to_b, 0, "%u frames went to 192.0.2.3, where the MAC is not", to_b);
	cr_expect_eq(to_a, want, "to 192.0.2.2: %u frames, want %u", to_a, want);
	cr_expect_eq(n_seg, want_seg, "segments: %u, want %u", n_seg, want_seg);
	cr_expect_eq(n_seg6, want_seg6, "IPv6 segments: %u, want %u", n_seg6, want_seg6);
	cr_expect_eq(other, 0);
	cr_assert_eq(vs_switch_stats(sw, &st), 0);
	cr_expect_eq(st.drops[VS_DROP_OFFLOAD_FAILED], 0);
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	dir_remove();
}

/* offloads: false offers none: a guest that needs TSO cannot configure it. */
Test(vhost, guest_offloads_off_not_offered, .timeout = 60)
{
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct uplink u;
	struct guest g;
	uint64_t offered = 0;

	eal_up();
	uplink_make(&u);
	cfg = tso_cfg(&u, ", offloads: false");
	sw = switch_up(cfg);
	cr_assert_eq(rte_vhost_driver_get_features(sock, &offered), 0);
	cr_assert_not(offered & (1ULL << VIRTIO_NET_F_HOST_TSO4));
	cr_assert_not(offered & (1ULL << VIRTIO_NET_F_CSUM));
	cr_assert_not(offered & (1ULL << VIRTIO_NET_F_GUEST_TSO4));
	cr_assert_not(offered & (1ULL << VIRTIO_NET_F_GUEST_CSUM));
	cr_assert(offered & (1ULL << VHOST_F_LOG_ALL));
	tso_guest_start(&g, "off");
	cr_assert(guest_wait(sw, &g, 30000), "guest did not finish:\n%s", slurp(g.log));
	cr_assert(WIFEXITED(g.status) && WEXITSTATUS(g.status) == 1, "guest exit %d:\n%s", g.status,
		  slurp(g.log));
	cr_assert_not_null(strstr(slurp(g.log), "refused TSO"), "%s", slurp(g.log));
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	dir_remove();
}
