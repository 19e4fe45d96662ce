/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rx queues change worker under traffic (vs_switch_set_rxqs, and the
 * rxq-rebalance control command): two workers (lcores 1 and 2, both on CPU
 * 1) poll the two rx queues of a ring port while a thread injects into both;
 * the queues swap owners again and again. The handover (old owner stops,
 * grace period, new owner starts) must lose nothing, duplicate nothing and
 * keep each queue's packets in order. (Publishing the new map without the
 * intermediate step fails this test: both workers then poll a queue at once
 * and reorder it.)
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "vs_ctl.h"

#define MAX_SEQ (1u << 20)

static struct rte_ring *in_rx[2], *in_tx, *out_rx, *out_tx;
static struct rte_mempool *pool;

static void
setup(void)
{
	char prefix[64];
	char *argv[] = {
	    "test_ctl_rxq", "--no-huge",      "-m",	   "512",	  "--no-shconf",
	    "--no-pci",	    "--no-telemetry", "--lcores",  "0@0,1@1,2@1", "--file-prefix",
	    prefix,	    "--log-level",    "*:warning", NULL};

	snprintf(prefix, sizeof(prefix), "vs_ctl_rxq_%d", getpid());
	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv), 0);
	pool = rte_pktmbuf_pool_create("test_pool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool);
	in_rx[0] = rte_ring_create("in_rx0", 2048, SOCKET_ID_ANY, 0);
	in_rx[1] = rte_ring_create("in_rx1", 2048, SOCKET_ID_ANY, 0);
	in_tx = rte_ring_create("in_tx", 1024, SOCKET_ID_ANY, 0);
	out_rx = rte_ring_create("out_rx", 1024, SOCKET_ID_ANY, 0);
	out_tx = rte_ring_create("out_tx", 16384, SOCKET_ID_ANY, 0);
	cr_assert(in_rx[0] && in_rx[1] && in_tx && out_rx && out_tx);
	cr_assert_geq(rte_eth_from_rings("qin", in_rx, 2, &in_tx, 1, 0), 0);
	cr_assert_geq(rte_eth_from_rings("qout", &out_rx, 1, &out_tx, 1, 0), 0);
}

static const char *yaml = "workers: [{lcore: 1}, {lcore: 2}]\n"
			  "ports:\n"
			  "  - {name: qin, type: ethdev, device: net_ring_qin, rx_queues: 2,\n"
			  "     tx_queues: 1}\n"
			  "  - {name: qout, type: ethdev, device: net_ring_qout, tx_queues: 1}\n"
			  "rules:\n"
			  "  - {priority: 1, match: {in_port: qin}, actions: [{output: qout}]}\n";

static bool stop;
static uint64_t sent;
static uint8_t seen[MAX_SEQ];
static uint32_t last_seq[2] = {UINT32_MAX, UINT32_MAX};
static uint64_t out_of_order, received;

/* seq in the payload; the queue it went in by is seq & 1. */
static struct rte_mbuf *
mk_pkt(uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, 64);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, 64);
	p[0] = 0x02, p[5] = 0x02, p[6] = 0x02, p[11] = 0x01, p[12] = 0x08;
	p[14] = 0x45, p[17] = 50, p[22] = 64, p[23] = 17, p[26] = 10, p[30] = 10;
	memcpy(p + 42, &seq, sizeof(seq));
	return m;
}

static void *
injector(void *arg)
{
	uint32_t seq = 0;

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST) && seq + 2 < MAX_SEQ) {
		struct timespec nap = {0, 20000};
		unsigned k;

		for (k = 0; k < 32; k++, seq++) {
			struct rte_mbuf *m = mk_pkt(seq);

			cr_assert_not_null(m);
			while (rte_ring_enqueue(in_rx[seq & 1], m) != 0)
				nanosleep(&nap, NULL);
		}
		__atomic_store_n(&sent, seq, __ATOMIC_SEQ_CST);
		nanosleep(&nap, NULL);
	}
	return NULL;
}

static void
collect(void)
{
	struct rte_mbuf *b[64];
	unsigned i, n;

	while ((n = rte_ring_dequeue_burst(out_tx, (void **)b, 64, NULL)) > 0) {
		for (i = 0; i < n; i++) {
			uint32_t seq;

			memcpy(&seq, rte_pktmbuf_mtod_offset(b[i], const uint8_t *, 42),
			       sizeof(seq));
			cr_assert_lt(seq, MAX_SEQ);
			seen[seq]++;
			if (last_seq[seq & 1] != UINT32_MAX && seq < last_seq[seq & 1])
				out_of_order++;
			last_seq[seq & 1] = seq;
		}
		received += n;
		rte_pktmbuf_free_bulk(b, n);
	}
}

static int
owner(const struct vs_rxq_map *m, uint16_t queue)
{
	for (uint16_t w = 0; w < m->n_workers; w++)
		for (uint16_t i = 0; i < m->n[w]; i++)
			if (m->q[w][i].queue == queue && m->q[w][i].port == 0)
				return w;
	return -1;
}

Test(rxq, queues_change_worker_under_traffic_losing_nothing, .init = setup, .timeout = 60)
{
	struct vs_rxq_map *m = calloc(1, sizeof(*m)), *bad = calloc(1, sizeof(*bad));
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct vs_cfg_error err;
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct vs_daemon d;
	pthread_t inj;
	json_t *req, *rep;
	uint64_t before;
	uint32_t seq, total;
	char run_dir[PATH_MAX];
	int i, moves = 0;

	memset(&err, 0, sizeof(err));
	cfg = vs_config_load_buf(yaml, strlen(yaml), "rxq.yaml", &err);
	cr_assert_not_null(cfg, "%s", err.msg);
	sw = vs_switch_create(cfg);
	cr_assert_not_null(sw);
	cr_assert_eq(vs_switch_apply(sw, cfg), 0);
	cr_assert_eq(vs_switch_start(sw), 0);
	cr_assert_eq(vs_daemon_init(&d, sw, cfg, NULL), 0);
	cr_assert_eq(vs_switch_rxq_map(sw, m), 0);
	cr_assert_neq(owner(m, 0), owner(m, 1), "round robin gives each worker a queue");

	/* Not the same queues: refused, nothing published. */
	*bad = *m;
	bad->q[1][0] = bad->q[0][0];
	before = vs_switch_generation(sw);
	cr_assert_eq(vs_switch_set_rxqs(sw, bad), -EINVAL);
	bad->n[1] = 0;
	cr_assert_eq(vs_switch_set_rxqs(sw, bad), -EINVAL);
	cr_assert_eq(vs_switch_generation(sw), before);

	cr_assert_eq(pthread_create(&inj, NULL, injector, NULL), 0);
	for (i = 0; i < 150; i++) {
		uint64_t s0 = __atomic_load_n(&sent, __ATOMIC_SEQ_CST);
		uint16_t w0, w1;

		while (__atomic_load_n(&sent, __ATOMIC_SEQ_CST) < s0 + 256)
			collect();
		/* Swap the owners of the two queues of qin (switch port 0). */
		cr_assert_eq(vs_switch_rxq_map(sw, m), 0);
		w0 = (uint16_t)owner(m, 0);
		w1 = (uint16_t)owner(m, 1);
		for (uint16_t w = 0; w < m->n_workers; w++)
			for (uint16_t k = 0; k < m->n[w]; k++)
				if (m->q[w][k].port == 0)
					m->q[w][k].queue ^= 1;
		cr_assert_eq(vs_switch_set_rxqs(sw, m), 0, "move %d", i);
		cr_assert_eq(vs_switch_rxq_map(sw, m), 0);
		cr_assert_eq(owner(m, 0), w1);
		cr_assert_eq(owner(m, 1), w0);
		moves++;
	}
	/* The control command does the same by measured load. */
	vs_daemon_stats_copy(&d, 0);
	req = json_pack("{s:s}", "cmd", "rxq-rebalance");
	rep = vs_daemon_handle(&d, req);
	cr_assert(json_is_true(json_object_get(rep, "ok")), "%s",
		  json_string_value(json_object_get(rep, "error")));
	json_decref(rep);
	json_decref(req);

	__atomic_store_n(&stop, true, __ATOMIC_SEQ_CST);
	pthread_join(inj, NULL);
	total = (uint32_t)__atomic_load_n(&sent, __ATOMIC_SEQ_CST);
	for (i = 0; i < 1000; i++) {
		collect();
		vs_switch_stats(sw, st);
		if (received + st->total_drops == total)
			break;
		usleep(5000);
	}
	cr_assert_eq(st->total_drops, 0, "drops: %lu", (unsigned long)st->total_drops);
	cr_assert_eq(received, total, "received %lu of %u", (unsigned long)received, total);
	for (seq = 0; seq < total; seq++)
		cr_assert_eq(seen[seq], 1, "packet %u seen %u times", seq, seen[seq]);
	cr_assert_eq(out_of_order, 0, "a queue's packets were reordered");
	fprintf(stderr, "rxq moves under traffic: %d swaps, %u packets, 0 lost, 0 duplicated\n",
		moves, total);
	vs_switch_destroy(sw);
	vs_daemon_fini(&d);
	vs_config_free(cfg);
	free(m);
	free(bad);
	free(st);
	snprintf(run_dir, sizeof(run_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(run_dir); /* made even with --no-shconf */
}

/*
 * The placement an operator chose (vs_switch_set_rxqs, rxq rebalance)
 * survives what does not touch the port: runtime rule changes, reloads that
 * change rules or add another port, reload --replace. (Reloads used to
 * re-assign every queue from the config's round robin.)
 */
Test(rxq, operator_placement_survives_reloads_and_rule_changes, .init = setup, .timeout = 60)
{
	static const char *more =
	    "workers: [{lcore: 1}, {lcore: 2}]\n"
	    "ports:\n"
	    "  - {name: qin, type: ethdev, device: net_ring_qin, rx_queues: 2,\n"
	    "     tx_queues: 1}\n"
	    "  - {name: qout, type: ethdev, device: net_ring_qout, tx_queues: 1}\n"
	    "  - {name: qx, type: ethdev, device: net_ring_qx, tx_queues: 1}\n"
	    "rules:\n"
	    "  - {priority: 2, match: {in_port: qin, ip_proto: tcp}, actions: "
	    "[drop]}\n"
	    "  - {priority: 1, match: {in_port: qin}, actions: [{output: qout}]}\n";
	struct vs_rxq_map *m = malloc(sizeof(*m));
	struct rte_ring *x_rx, *x_tx;
	struct vs_cfg_error err;
	struct vs_daemon d;
	struct vs_config *cfg;
	struct vs_switch *sw;
	char file[64], run_dir[PATH_MAX], msg[1024];
	FILE *f;

	cr_assert_not_null(m);
	x_rx = rte_ring_create("x_rx", 256, SOCKET_ID_ANY, 0);
	x_tx = rte_ring_create("x_tx", 256, SOCKET_ID_ANY, 0);
	cr_assert(x_rx && x_tx);
	cr_assert_geq(rte_eth_from_rings("qx", &x_rx, 1, &x_tx, 1, 0), 0);
	snprintf(file, sizeof(file), "/tmp/vs-rxq-%d.yaml", getpid());
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fputs(yaml, f);
	fclose(f);
	memset(&err, 0, sizeof(err));
	cfg = vs_config_load(file, &err);
	cr_assert_not_null(cfg, "%s", err.msg);
	sw = vs_switch_create(cfg);
	cr_assert_not_null(sw);
	cr_assert_eq(vs_switch_apply(sw, cfg), 0);
	cr_assert_eq(vs_switch_start(sw), 0);
	cr_assert_eq(vs_daemon_init(&d, sw, cfg, file), 0);
	/* Round robin put q0 on worker 0; the operator swaps both. */
	cr_assert_eq(vs_switch_rxq_map(sw, m), 0);
	cr_assert_eq(owner(m, 0), 0);
	cr_assert_eq(owner(m, 1), 1);
	for (uint16_t w = 0; w < m->n_workers; w++)
		for (uint16_t k = 0; k < m->n[w]; k++)
			if (m->q[w][k].port == 0)
				m->q[w][k].queue ^= 1;
	cr_assert_eq(vs_switch_set_rxqs(sw, m), 0);
	/* A runtime rule. */
	cr_assert_eq(vs_daemon_rule_add(&d,
					"{name: rt, priority: 5, match: {in_port: qin, ip_proto: "
					"udp}, actions: [{output: qout}]}",
					msg, sizeof(msg)),
		     0, "%s", msg);
	cr_assert_eq(vs_switch_rxq_map(sw, m), 0);
	cr_assert(owner(m, 0) == 1 && owner(m, 1) == 0, "a rule add moved the queues");
	/* A reload with another rule and a new port (round robin alone would put
	 * qin's queues back where they started). */
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fputs(more, f);
	fclose(f);
	cr_assert_eq(vs_daemon_reload(&d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(strstr(msg, "ports: 1 added") != NULL, "%s", msg);
	cr_assert_eq(vs_switch_rxq_map(sw, m), 0);
	cr_assert(owner(m, 0) == 1 && owner(m, 1) == 0, "the reload moved the queues");
	cr_assert_eq(vs_daemon_reload_flags(&d, VS_RELOAD_REPLACE, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(vs_switch_rxq_map(sw, m), 0);
	cr_assert(owner(m, 0) == 1 && owner(m, 1) == 0, "reload --replace moved the queues");

	vs_switch_destroy(sw);
	vs_daemon_fini(&d);
	vs_config_free(cfg);
	unlink(file);
	free(m);
	snprintf(run_dir, sizeof(run_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(run_dir);
}
