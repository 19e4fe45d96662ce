/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch-bench end to end over a known loopback: two net_ring ports built
 * with rte_eth_from_rings() on a shared pair of rings (port A transmits into
 * ring ab, port B receives from it). Every packet sent must arrive exactly
 * once and in order, so counts are asserted exactly and latencies must be
 * positive and ordered. The EAL is initialised inside each test (Criterion
 * forks per test).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "bench_pkt.h"
#include "bench_run.h"

struct loop {
	struct rte_ring *ab, *ba;
	uint16_t a, b;
	struct vs_bench_ctx *ctx;
};

static void
eal_up(const char *lcore_flag, const char *lcores)
{
	char prefix[64];
	char *argv[] = {"test_bench_loop",
			"--no-huge",
			"-m",
			"256",
			"--no-shconf",
			prefix,
			"--no-pci",
			"--no-telemetry",
			"--log-level=*:warning",
			(char *)lcore_flag,
			(char *)lcores};

	snprintf(prefix, sizeof(prefix), "--file-prefix=vsbench_%d", (int)getpid());
	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv), 0,
		      "EAL init failed");
}

static void
loop_up(struct loop *l, const char *lcore_flag, const char *lcores, uint16_t burst)
{
	struct vs_bench_opts o;
	int a, b;

	eal_up(lcore_flag, lcores);
	l->ab = rte_ring_create("vsb_ab", 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	l->ba = rte_ring_create("vsb_ba", 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	cr_assert(l->ab && l->ba);
	a = rte_eth_from_rings("vsb_ring_a", &l->ba, 1, &l->ab, 1, SOCKET_ID_ANY);
	b = rte_eth_from_rings("vsb_ring_b", &l->ab, 1, &l->ba, 1, SOCKET_ID_ANY);
	cr_assert(a >= 0 && b >= 0, "rte_eth_from_rings failed");
	l->a = (uint16_t)a;
	l->b = (uint16_t)b;
	vs_bench_opts_default(&o);
	o.tx_port = l->a;
	o.rx_port = l->b;
	o.burst = burst;
	o.n_mbufs = 8191;
	o.link_wait_s = 2;
	o.progress = false;
	l->ctx = vs_bench_ctx_create(&o);
	cr_assert_not_null(l->ctx, "ctx create: %s", strerror(errno));
}

/*
 * rte_eal_cleanup() leaves the runtime directory of the prefix behind (empty
 * with --no-shconf, with the config and fbarray files otherwise): remove it.
 */
static void
eal_down(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		(void)unlink(path);
	}
	closedir(d);
	(void)rmdir(dir);
}

static void
loop_down(struct loop *l)
{
	vs_bench_ctx_destroy(l->ctx);
	eal_down();
}

static void
trial_cfg(struct vs_bench_trial_cfg *t, uint32_t flows, const char *size, uint64_t count)
{
	memset(t, 0, sizeof(*t));
	vs_bench_flows_default(&t->flows);
	t->flows.n_flows = flows;
	cr_assert_eq(vs_bench_sizes_parse(size, &t->sizes), 0);
	t->count = count;
	t->duration_s = 20; /* upper bound only */
}

static void
assert_latency_sane(const struct vs_bench_result *r)
{
	cr_assert_eq(r->lat_count, r->rx_pkts);
	cr_assert_gt(r->lat_min_ns, 0, "latency min must be > 0");
	cr_assert_leq(r->lat_min_ns, r->lat_p50_ns);
	cr_assert_leq(r->lat_p50_ns, r->lat_p99_ns);
	cr_assert_leq(r->lat_p99_ns, r->lat_p999_ns);
	cr_assert_leq(r->lat_p999_ns, r->lat_max_ns);
	cr_assert_geq(r->lat_avg_ns, (double)r->lat_min_ns);
	cr_assert_leq(r->lat_avg_ns, (double)r->lat_max_ns);
	/* A ring hop in one process: well under a second even on a loaded host. */
	cr_assert_lt(r->lat_max_ns, 1000000000ull);
}

static void
assert_exact(const struct vs_bench_result *r, uint64_t count)
{
	cr_assert_eq(r->tx_pkts, count);
	cr_assert_eq(r->rx_pkts, count);
	cr_assert_eq(r->seq.tx, count);
	cr_assert_eq(r->seq.rx, count);
	cr_assert_eq(r->seq.lost, 0);
	cr_assert_eq(r->seq.dup, 0);
	cr_assert_eq(r->seq.reorder, 0);
	cr_assert_eq(r->seq.flows_lossy, 0);
	cr_assert_eq(r->drops[VS_BENCH_DROP_RX_FOREIGN], 0);
	cr_assert_eq(r->drops[VS_BENCH_DROP_RX_STALE], 0);
	cr_assert_eq(r->loss_ratio, 0);
}

Test(loop, exact_counts_one_lcore, .timeout = 60)
{
	struct loop l;
	struct vs_bench_trial_cfg t;
	struct vs_bench_result r;
	const uint64_t *tx;
	uint32_t n;
	const struct vs_bench_seq_flow *fl;

	loop_up(&l, "-l", "0", 32);
	trial_cfg(&t, 100, "64", 20000);
	cr_assert_eq(vs_bench_trial(l.ctx, &t, &r), 0);
	assert_exact(&r, 20000);
	cr_assert_eq(r.tx_bytes, 20000ull * 64);
	cr_assert_eq(r.rx_bytes, 20000ull * 64);
	assert_latency_sane(&r);
	fl = vs_bench_ctx_flows(l.ctx, &tx, &n);
	cr_assert_eq(n, 100);
	for (uint32_t i = 0; i < n; i++) {
		cr_assert_eq(tx[i], 200, "flow %u sent %lu", i, (unsigned long)tx[i]);
		cr_assert_eq(fl[i].rx, 200);
		cr_assert_eq(fl[i].next, 200);
		cr_assert_gt(fl[i].lat_sum, 0);
	}
	loop_down(&l);
}

Test(loop, imix_bytes_and_masks_worker_lcore, .timeout = 60)
{
	struct loop l;
	struct vs_bench_trial_cfg t;
	struct vs_bench_result r;
	const uint64_t pattern_bytes = 7 * 64 + 4 * 570 + 1518;

	loop_up(&l, "-l", "0-1", 32);
	trial_cfg(&t, 1000, "imix", 12000);
	t.flows.n_masks = 8;
	cr_assert_eq(vs_bench_trial(l.ctx, &t, &r), 0);
	assert_exact(&r, 12000);
	cr_assert_eq(r.tx_bytes, 1000 * pattern_bytes);
	cr_assert_eq(r.rx_bytes, 1000 * pattern_bytes);
	assert_latency_sane(&r);
	/* A second trial on the same context starts from zero. */
	trial_cfg(&t, 7, "128", 700);
	cr_assert_eq(vs_bench_trial(l.ctx, &t, &r), 0);
	assert_exact(&r, 700);
	cr_assert_eq(r.rx_bytes, 700 * 128);
	loop_down(&l);
}

Test(loop, split_tx_rx_lcores, .timeout = 60)
{
	struct loop l;
	struct vs_bench_trial_cfg t;
	struct vs_bench_result r;

	/* Three lcores (control, tx, rx) floating over the CPUs there are. */
	loop_up(&l, "--lcores", "0@(0-1),1@(0-1),2@(0-1)", 32);
	trial_cfg(&t, 64, "64", 30000);
	cr_assert_eq(vs_bench_trial(l.ctx, &t, &r), 0);
	assert_exact(&r, 30000);
	assert_latency_sane(&r);
	loop_down(&l);
}

Test(loop, paced_trial_consumes_every_slot, .timeout = 60)
{
	struct loop l;
	struct vs_bench_trial_cfg t;
	struct vs_bench_result r;
	double slots;

	loop_up(&l, "-l", "0", 16);
	trial_cfg(&t, 10, "64", 0);
	t.rate_pps = 200000;
	t.duration_s = 0.2;
	cr_assert_eq(vs_bench_trial(l.ctx, &t, &r), 0);
	/* Every departure slot in the window was sent or, if the host stalled
	 * the sender, counted as skipped: nothing invented, nothing lost. */
	slots = (double)(r.tx_pkts + r.pace_skipped);
	cr_assert_eq(slots, 40000, "slots %.0f", slots);
	cr_assert_eq(r.rx_pkts, r.tx_pkts);
	cr_assert_eq(r.seq.lost, 0);
	cr_assert_float_eq(r.offered_pps, 200000, 1e-9);
	assert_latency_sane(&r);
	loop_down(&l);
}

Test(loop, foreign_and_stale_frames_are_named, .timeout = 60)
{
	struct loop l;
	struct vs_bench_trial_cfg t;
	struct vs_bench_result r;
	struct rte_mempool *mp;
	struct rte_mbuf *m[2];
	struct vs_bench_flows fl;

	loop_up(&l, "-l", "0", 32);
	mp =
	    rte_pktmbuf_pool_create("vsb_inj", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	cr_assert_not_null(mp);
	cr_assert_eq(rte_pktmbuf_alloc_bulk(mp, m, 2), 0);
	/* A bench frame of another trial (200), and an ARP-typed frame. */
	vs_bench_flows_default(&fl);
	vs_bench_frame_build(&fl, 0, 0, 200, 1, 64, rte_pktmbuf_mtod(m[0], uint8_t *));
	m[0]->data_len = m[0]->pkt_len = 60;
	memset(rte_pktmbuf_mtod(m[1], uint8_t *), 0, 60);
	rte_pktmbuf_mtod(m[1], uint8_t *)[12] = 0x08;
	rte_pktmbuf_mtod(m[1], uint8_t *)[13] = 0x06;
	m[1]->data_len = m[1]->pkt_len = 60;
	cr_assert_eq(rte_ring_enqueue_burst(l.ab, (void **)m, 2, NULL), 2);
	trial_cfg(&t, 4, "64", 400);
	cr_assert_eq(vs_bench_trial(l.ctx, &t, &r), 0);
	cr_assert_eq(r.drops[VS_BENCH_DROP_RX_STALE], 1);
	cr_assert_eq(r.drops[VS_BENCH_DROP_RX_FOREIGN], 1);
	cr_assert_eq(r.rx_pkts, 400);
	cr_assert_eq(r.seq.lost, 0);
	loop_down(&l);
}

Test(loop, every_rx_queue_is_polled, .timeout = 60)
{
	struct rte_ring *ab, *idle, *rx_rings[2];
	struct vs_bench_opts o;
	struct vs_bench_trial_cfg t;
	struct vs_bench_result r;
	struct vs_bench_ctx *ctx;
	int a, b;

	/* Port B receives on two queues; the traffic arrives on the second
	 * only, as when a switch transmits on its second tx queue. */
	eal_up("-l", "0");
	ab = rte_ring_create("vsb_ab", 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	idle = rte_ring_create("vsb_idle", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	cr_assert(ab && idle);
	rx_rings[0] = idle;
	rx_rings[1] = ab;
	a = rte_eth_from_rings("vsb_ring_a", &idle, 1, &ab, 1, SOCKET_ID_ANY);
	b = rte_eth_from_rings("vsb_ring_b", rx_rings, 2, &idle, 1, SOCKET_ID_ANY);
	cr_assert(a >= 0 && b >= 0);
	vs_bench_opts_default(&o);
	o.tx_port = (uint16_t)a;
	o.rx_port = (uint16_t)b;
	o.n_queues = 2;
	o.n_mbufs = 8191;
	o.link_wait_s = 2;
	o.progress = false;
	ctx = vs_bench_ctx_create(&o);
	cr_assert_not_null(ctx, "ctx create: %s", strerror(errno));
	trial_cfg(&t, 16, "64", 5000);
	cr_assert_eq(vs_bench_trial(ctx, &t, &r), 0);
	assert_exact(&r, 5000);
	vs_bench_ctx_destroy(ctx);
	eal_down();
}

Test(loop, memif_pair_in_one_process, .timeout = 60)
{
	char prefix[64], sock[64], dev0[160], dev1[160];
	char *argv[] = {
	    "test_bench_loop",	     "--no-huge", "-m", "256", prefix, "--no-pci", "--no-telemetry",
	    "--log-level=*:warning", "-l",	  "0",	dev0,  dev1};
	struct vs_bench_opts o;
	struct vs_bench_trial_cfg t;
	struct vs_bench_result r;
	struct vs_bench_ctx *ctx;

	/* A memif server and a client on one socket: the shared-memory wire
	 * the p2p scenario uses, here in one process. memif needs the
	 * multi-process channel, so no --no-shconf (a unique prefix instead).
	 * At close, net_memif's interrupt thread logs "EAL: Error: Invalid
	 * memory" when both ends live in one process (traced to the PMD's
	 * disconnect handling, not to this code); it is harmless here. */
	snprintf(prefix, sizeof(prefix), "--file-prefix=vsbench_m%d", (int)getpid());
	snprintf(sock, sizeof(sock), "/tmp/vsbench_memif_%d.sock", (int)getpid());
	snprintf(dev0, sizeof(dev0),
		 "--vdev=net_memif0,role=server,id=0,socket=%s,"
		 "socket-abstract=no",
		 sock);
	snprintf(dev1, sizeof(dev1),
		 "--vdev=net_memif1,role=client,id=0,socket=%s,"
		 "socket-abstract=no",
		 sock);
	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv), 0);
	cr_assert_eq(rte_eth_dev_count_avail(), 2, "net_memif PMD not available");
	vs_bench_opts_default(&o);
	o.tx_port = 0;
	o.rx_port = 1;
	o.n_mbufs = 8191;
	o.link_wait_s = 10;
	o.progress = false;
	ctx = vs_bench_ctx_create(&o);
	cr_assert_not_null(ctx, "ctx create: %s", strerror(errno));
	trial_cfg(&t, 50, "128", 10000);
	cr_assert_eq(vs_bench_trial(ctx, &t, &r), 0);
	assert_exact(&r, 10000);
	cr_assert_eq(r.rx_bytes, 10000ull * 128);
	assert_latency_sane(&r);
	vs_bench_ctx_destroy(ctx);
	eal_down();
	unlink(sock);
}
