/* SPDX-License-Identifier: BSD-3-Clause */
/* nfvswitch-bench control side: ports, lcores, trials. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_version.h>

#include "bench_run.h"

RTE_LOG_REGISTER_DEFAULT(vs_bench_logtype, NOTICE);

#include "vs_log.h"

#define VS_BENCH_LOG(level, ...) VS_LOG(level, vs_bench_logtype, "bench", __VA_ARGS__)

enum run_mode {
	MODE_MAIN_ALT = 0, /* main lcore alternates tx and rx */
	MODE_WORKER_ALT,   /* one worker alternates tx and rx */
	MODE_SPLIT,	   /* tx worker + rx worker */
};

struct vs_bench_ctx {
	struct vs_bench_opts o;
	struct vs_bench_env env;
	enum run_mode mode;
	unsigned int tx_lcore;
	unsigned int rx_lcore;
	struct rte_mempool *mp;
	bool started[2];
	/* per-trial */
	struct vs_bench_tx tx;
	struct vs_bench_rx rx;
	uint64_t *flow_seq;
	struct vs_bench_seq_flow *flows;
	uint32_t flows_cap;
	struct vs_bench_hist *lat;
	uint8_t trial;
	uint64_t tx_end_tsc;
	uint32_t tx_finished; /* tx lcore: w, main: r (atomic) */
	uint32_t stop_rx;     /* main: w, rx lcore: r (atomic) */
};

void
vs_bench_opts_default(struct vs_bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->tx_port = 0;
	o->rx_port = 1;
	o->burst = 32;
	o->n_queues = 1;
	o->n_mbufs = 16383;
	o->rx_desc = 1024;
	o->tx_desc = 1024;
	o->drain_ms = 200;
	o->max_backlog = 0;
	o->link_wait_s = 10;
	o->progress = true;
}

static void
read_cpu_model(char *buf, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, size, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) == 0) {
			char *c = strchr(line, ':');

			if (c) {
				c++;
				while (*c == ' ' || *c == '\t')
					c++;
				c[strcspn(c, "\n")] = 0;
				snprintf(buf, size, "%s", c);
			}
			break;
		}
	}
	fclose(f);
}

static int
port_setup(struct vs_bench_ctx *ctx, uint16_t port, uint16_t n_rxq)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int socket = rte_eth_dev_socket_id(port);
	uint16_t rxd = ctx->o.rx_desc, txd = ctx->o.tx_desc;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get(port, &info);
	if (ret < 0)
		return ret;
	if (socket < 0)
		socket = (int)SOCKET_ID_ANY;
	ret = rte_eth_dev_configure(port, n_rxq, 1, &conf);
	if (ret < 0) {
		VS_BENCH_LOG(ERR, "port %u: configure failed: %s", port, rte_strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	if (ret < 0)
		return ret;
	for (uint16_t q = 0; q < n_rxq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, rxd, (unsigned int)socket, NULL, ctx->mp);
		if (ret < 0) {
			VS_BENCH_LOG(ERR, "port %u: rx queue %u setup failed: %s", port, q,
				     rte_strerror(-ret));
			return ret;
		}
	}
	ret = rte_eth_tx_queue_setup(port, 0, txd, (unsigned int)socket, NULL);
	if (ret < 0) {
		VS_BENCH_LOG(ERR, "port %u: tx queue setup failed: %s", port, rte_strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_start(port);
	if (ret < 0) {
		VS_BENCH_LOG(ERR, "port %u: start failed: %s", port, rte_strerror(-ret));
		return ret;
	}
	/* Not every PMD has promiscuous mode (net_ring, net_null): best effort. */
	(void)rte_eth_promiscuous_enable(port);
	return 0;
}

static int
link_up(uint16_t port)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	return rte_eth_link_get_nowait(port, &link) == 0 && link.link_status;
}

/*
 * Wait for link up. Client-side virtual ports (memif client, virtio-user)
 * connect when started and do not retry if the peer was not ready yet, so a
 * port still down after two seconds is restarted to connect again.
 */
static int
wait_link(struct vs_bench_ctx *ctx, uint16_t port, uint32_t secs)
{
	for (uint32_t i = 1; i <= secs * 10; i++) {
		if (link_up(port))
			return 0;
		usleep(100 * 1000);
		if (i % 20 == 0 && !ctx->o.no_port_setup && i < secs * 10) {
			VS_BENCH_LOG(INFO, "port %u: link still down, restarting it to reconnect",
				     port);
			(void)rte_eth_dev_stop(port);
			(void)rte_eth_dev_start(port);
		}
	}
	return link_up(port) ? 0 : -ETIMEDOUT;
}

static void
dev_name(uint16_t port, char *buf, size_t size)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_dev_info info;

	if (rte_eth_dev_get_name_by_port(port, name) != 0)
		snprintf(name, sizeof(name), "?");
	if (rte_eth_dev_info_get(port, &info) == 0 && info.driver_name)
		snprintf(buf, size, "%u:%s(%s)", port, name, info.driver_name);
	else
		snprintf(buf, size, "%u:%s", port, name);
}

struct vs_bench_ctx *
vs_bench_ctx_create(const struct vs_bench_opts *o)
{
	struct vs_bench_ctx *ctx;
	unsigned int lc, nw = 0, w[2] = {0, 0};
	int ret;

	if (o->n_queues == 0) {
		VS_BENCH_LOG(ERR, "queues: expected >= 1");
		errno = EINVAL;
		return NULL;
	}
	if (o->burst == 0 || o->burst > VS_BENCH_MAX_BURST) {
		VS_BENCH_LOG(ERR, "burst %u: expected 1..%u", o->burst, VS_BENCH_MAX_BURST);
		errno = EINVAL;
		return NULL;
	}
	if (!rte_eth_dev_is_valid_port(o->tx_port) || !rte_eth_dev_is_valid_port(o->rx_port)) {
		VS_BENCH_LOG(ERR,
			     "tx port %u / rx port %u: no such port (%u ports; "
			     "add --vdev or a PCI device)",
			     o->tx_port, o->rx_port, rte_eth_dev_count_avail());
		errno = ENODEV;
		return NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return NULL;
	ctx->o = *o;
	if (ctx->o.max_backlog == 0)
		ctx->o.max_backlog = o->burst;
	RTE_LCORE_FOREACH_WORKER(lc)
	{
		if (nw < 2)
			w[nw] = lc;
		nw++;
	}
	if (nw >= 2) {
		ctx->mode = MODE_SPLIT;
		ctx->tx_lcore = w[0];
		ctx->rx_lcore = w[1];
	} else if (nw == 1) {
		ctx->mode = MODE_WORKER_ALT;
		ctx->tx_lcore = ctx->rx_lcore = w[0];
	} else {
		ctx->mode = MODE_MAIN_ALT;
		ctx->tx_lcore = ctx->rx_lcore = rte_get_main_lcore();
	}
	ctx->lat = rte_zmalloc("vs_bench_lat", sizeof(*ctx->lat), RTE_CACHE_LINE_SIZE);
	if (ctx->lat == NULL) {
		free(ctx);
		errno = ENOMEM;
		return NULL;
	}
	vs_bench_hist_init(ctx->lat);
	if (!o->no_port_setup) {
		ctx->mp = rte_pktmbuf_pool_create("vs_bench_mp", o->n_mbufs, 256, 0,
						  RTE_MBUF_DEFAULT_BUF_SIZE,
						  rte_lcore_to_socket_id(ctx->tx_lcore));
		if (ctx->mp == NULL) {
			VS_BENCH_LOG(ERR, "mbuf pool of %u: %s", o->n_mbufs,
				     rte_strerror(rte_errno));
			ret = -ENOMEM;
			goto fail;
		}
		ret = port_setup(ctx, o->tx_port, o->rx_port == o->tx_port ? o->n_queues : 1);
		if (ret < 0)
			goto fail;
		ctx->started[0] = true;
		if (o->rx_port != o->tx_port) {
			ret = port_setup(ctx, o->rx_port, o->n_queues);
			if (ret < 0)
				goto fail;
			ctx->started[1] = true;
		}
	} else {
		ctx->mp = rte_pktmbuf_pool_create("vs_bench_mp", o->n_mbufs, 256, 0,
						  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
		if (ctx->mp == NULL) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	if (o->link_wait_s) {
		if (wait_link(ctx, o->tx_port, o->link_wait_s) < 0 ||
		    wait_link(ctx, o->rx_port, o->link_wait_s) < 0) {
			VS_BENCH_LOG(ERR,
				     "link of port %u or %u still down after %u s "
				     "(memif/vhost peer not connected? cable?)",
				     o->tx_port, o->rx_port, o->link_wait_s);
			ret = -ETIMEDOUT;
			goto fail;
		}
	}

	snprintf(ctx->env.dpdk, sizeof(ctx->env.dpdk), "%s", rte_version());
	read_cpu_model(ctx->env.cpu, sizeof(ctx->env.cpu));
	ctx->env.n_cpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	ctx->env.n_lcores = rte_lcore_count();
	ctx->env.burst = o->burst;
	ctx->env.tsc_hz = (double)rte_get_tsc_hz();
	dev_name(o->tx_port, ctx->env.tx_dev, sizeof(ctx->env.tx_dev));
	dev_name(o->rx_port, ctx->env.rx_dev, sizeof(ctx->env.rx_dev));
	if (ctx->mode == MODE_SPLIT)
		snprintf(ctx->env.lcore_roles, sizeof(ctx->env.lcore_roles),
			 "main %u: control, %u: tx, %u: rx", rte_get_main_lcore(), ctx->tx_lcore,
			 ctx->rx_lcore);
	else if (ctx->mode == MODE_WORKER_ALT)
		snprintf(ctx->env.lcore_roles, sizeof(ctx->env.lcore_roles),
			 "main %u: control, %u: tx+rx alternating", rte_get_main_lcore(),
			 ctx->tx_lcore);
	else
		snprintf(ctx->env.lcore_roles, sizeof(ctx->env.lcore_roles),
			 "main %u: control + tx+rx alternating", rte_get_main_lcore());
	return ctx;
fail:
	vs_bench_ctx_destroy(ctx);
	errno = -ret;
	return NULL;
}

void
vs_bench_ctx_destroy(struct vs_bench_ctx *ctx)
{
	if (ctx == NULL)
		return;
	/* Close (not only stop) the ports before their mbuf pool goes away. */
	if (ctx->started[0]) {
		(void)rte_eth_dev_stop(ctx->o.tx_port);
		(void)rte_eth_dev_close(ctx->o.tx_port);
	}
	if (ctx->started[1]) {
		(void)rte_eth_dev_stop(ctx->o.rx_port);
		(void)rte_eth_dev_close(ctx->o.rx_port);
	}
	rte_free(ctx->flow_seq);
	rte_free(ctx->flows);
	rte_free(ctx->lat);
	rte_mempool_free(ctx->mp);
	free(ctx);
}

const struct vs_bench_env *
vs_bench_ctx_env(const struct vs_bench_ctx *ctx)
{
	return &ctx->env;
}

const struct vs_bench_hist *
vs_bench_ctx_latency(const struct vs_bench_ctx *ctx)
{
	return ctx->lat;
}

const struct vs_bench_seq_flow *
vs_bench_ctx_flows(const struct vs_bench_ctx *ctx, const uint64_t **tx_seq, uint32_t *n)
{
	*tx_seq = ctx->flow_seq;
	*n = ctx->tx.flows.n_flows;
	return ctx->flows;
}

/* ---- the lcore loops ---- */

static void
tx_finish(struct vs_bench_ctx *ctx)
{
	if (!vs_bench_tx_done(&ctx->tx))
		vs_bench_pace_close(&ctx->tx.pace, ctx->tx_end_tsc);
	__atomic_store_n(&ctx->tx_finished, 1, __ATOMIC_RELEASE);
}

static int
tx_should_stop(struct vs_bench_ctx *ctx, uint64_t now)
{
	return now >= ctx->tx_end_tsc || vs_bench_tx_done(&ctx->tx);
}

static int
tx_loop(void *arg)
{
	struct vs_bench_ctx *ctx = arg;

	for (;;) {
		uint64_t now = rte_rdtsc();

		if (tx_should_stop(ctx, now))
			break;
		vs_bench_tx_step(&ctx->tx, now);
	}
	tx_finish(ctx);
	return 0;
}

static int
rx_loop(void *arg)
{
	struct vs_bench_ctx *ctx = arg;

	while (!__atomic_load_n(&ctx->stop_rx, __ATOMIC_ACQUIRE))
		vs_bench_rx_step(&ctx->rx);
	return 0;
}

/* Alternate transmit and receive until told to stop, or until slice_end (0 = none). */
static void
alt_run(struct vs_bench_ctx *ctx, uint64_t slice_end)
{
	int txing = !__atomic_load_n(&ctx->tx_finished, __ATOMIC_RELAXED);

	while (!__atomic_load_n(&ctx->stop_rx, __ATOMIC_ACQUIRE)) {
		uint64_t now = rte_rdtsc();

		if (txing) {
			if (tx_should_stop(ctx, now)) {
				txing = 0;
				tx_finish(ctx);
			} else {
				vs_bench_tx_step(&ctx->tx, now);
			}
		}
		vs_bench_rx_step(&ctx->rx);
		if (slice_end && now >= slice_end)
			break;
	}
}

static int
alt_loop(void *arg)
{
	alt_run(arg, 0);
	return 0;
}

/* ---- a trial ---- */

static int
trial_alloc(struct vs_bench_ctx *ctx, uint32_t n_flows)
{
	int socket = (int)rte_lcore_to_socket_id(ctx->rx_lcore);

	if (n_flows <= ctx->flows_cap) {
		memset(ctx->flow_seq, 0, sizeof(*ctx->flow_seq) * n_flows);
		memset(ctx->flows, 0, sizeof(*ctx->flows) * n_flows);
		return 0;
	}
	rte_free(ctx->flow_seq);
	rte_free(ctx->flows);
	ctx->flows_cap = 0;
	ctx->flow_seq =
	    rte_zmalloc_socket("vs_bench_txseq", sizeof(*ctx->flow_seq) * n_flows,
			       RTE_CACHE_LINE_SIZE, (int)rte_lcore_to_socket_id(ctx->tx_lcore));
	ctx->flows = rte_zmalloc_socket("vs_bench_flows", sizeof(*ctx->flows) * n_flows,
					RTE_CACHE_LINE_SIZE, socket);
	if (ctx->flow_seq == NULL || ctx->flows == NULL) {
		VS_BENCH_LOG(ERR,
			     "per-flow state for %u flows (%zu MiB): out of DPDK memory (raise -m)",
			     n_flows, (size_t)n_flows * 72 >> 20);
		rte_free(ctx->flow_seq);
		rte_free(ctx->flows);
		ctx->flow_seq = NULL;
		ctx->flows = NULL;
		return -ENOMEM;
	}
	ctx->flows_cap = n_flows;
	return 0;
}

static void
progress_line(struct vs_bench_ctx *ctx, const struct vs_bench_trial_cfg *cfg, double t,
	      uint64_t dtx, uint64_t drx, double dt)
{
	fprintf(stderr,
		"  %s%st=%5.1fs  tx %8.3f Mpps  rx %8.3f Mpps  sent %" PRIu64 "  received %" PRIu64
		"\n",
		cfg->label ? cfg->label : "", cfg->label ? "  " : "", t, dtx / dt / 1e6,
		drx / dt / 1e6, __atomic_load_n(&ctx->tx.pkts, __ATOMIC_RELAXED),
		__atomic_load_n(&ctx->rx.pkts, __ATOMIC_RELAXED));
}

/* One monitoring step: sleep (or run the alternating loop) for about 10 ms. */
static void
monitor_step(struct vs_bench_ctx *ctx, uint64_t hz)
{
	if (ctx->mode == MODE_MAIN_ALT)
		alt_run(ctx, rte_rdtsc() + hz / 100);
	else
		usleep(10 * 1000);
}

static void
fill_result(struct vs_bench_ctx *ctx, const struct vs_bench_trial_cfg *cfg,
	    struct vs_bench_result *res)
{
	const struct vs_bench_tx *tx = &ctx->tx;
	const struct vs_bench_rx *rx = &ctx->rx;
	double hz = (double)rte_get_tsc_hz();
	uint64_t start = tx->first_tsc;
	uint64_t end = tx->last_tsc > start ? tx->last_tsc : start + 1;

	memset(res, 0, sizeof(*res));
	snprintf(res->size_label, sizeof(res->size_label), "%s", cfg->sizes.label);
	res->flows = cfg->flows.n_flows;
	res->masks = cfg->flows.n_masks;
	res->offered_pps = cfg->rate_pps;
	/* The window ends one packet time after the last burst left. */
	res->window_s = (double)(end - start) / hz;
	if (tx->pkts > 1)
		res->window_s += res->window_s / (double)(tx->pkts - 1);
	res->tx_pkts = tx->pkts;
	res->tx_bytes = tx->bytes;
	res->rx_pkts = rx->pkts;
	res->rx_bytes = rx->bytes;
	vs_bench_seq_summarize(ctx->flows, ctx->flow_seq, cfg->flows.n_flows, &res->seq);
	for (int i = 0; i < VS_BENCH_DROP_MAX; i++)
		res->drops[i] = tx->drops[i] + rx->drops[i];
	res->pace_skipped = tx->pace.skipped;
	if (res->window_s > 0) {
		res->tx_pps = (double)tx->pkts / res->window_s;
		res->rx_pps = (double)rx->pkts / res->window_s;
		res->tx_gbps = (double)(tx->bytes + tx->pkts * VS_BENCH_WIRE_OVERHEAD) * 8 /
			       res->window_s / 1e9;
		res->rx_gbps = (double)(rx->bytes + rx->pkts * VS_BENCH_WIRE_OVERHEAD) * 8 /
			       res->window_s / 1e9;
	}
	res->loss_ratio = res->seq.tx ? (double)res->seq.lost / (double)res->seq.tx : 0;
	res->lat_count = ctx->lat->count;
	res->lat_avg_ns = vs_bench_hist_mean(ctx->lat);
	res->lat_min_ns = ctx->lat->count ? ctx->lat->min : 0;
	res->lat_p50_ns = vs_bench_hist_percentile(ctx->lat, 50);
	res->lat_p99_ns = vs_bench_hist_percentile(ctx->lat, 99);
	res->lat_p999_ns = vs_bench_hist_percentile(ctx->lat, 99.9);
	res->lat_max_ns = ctx->lat->max;
}

int
vs_bench_trial(struct vs_bench_ctx *ctx, const struct vs_bench_trial_cfg *cfg,
	       struct vs_bench_result *res)
{
	uint64_t hz = rte_get_tsc_hz(), start, now, next_print, last_rx_change;
	uint64_t prev_tx = 0, prev_rx = 0, seen_rx = 0;
	char msg[128];
	int ret;

	if (vs_bench_flows_check(&cfg->flows, msg, sizeof(msg)) < 0) {
		VS_BENCH_LOG(ERR, "%s", msg);
		return -EINVAL;
	}
	if (cfg->sizes.n == 0 || (cfg->count == 0 && cfg->duration_s <= 0))
		return -EINVAL;
	ret = trial_alloc(ctx, cfg->flows.n_flows);
	if (ret < 0)
		return ret;
	vs_bench_hist_init(ctx->lat);
	ctx->trial++;

	memset(&ctx->tx, 0, sizeof(ctx->tx));
	ctx->tx.port = ctx->o.tx_port;
	ctx->tx.queue = 0;
	ctx->tx.burst = ctx->o.burst;
	ctx->tx.trial = ctx->trial;
	ctx->tx.mp = ctx->mp;
	ctx->tx.flows = cfg->flows;
	ctx->tx.sizes = cfg->sizes;
	ctx->tx.count_limit = cfg->count;
	ctx->tx.flow_seq = ctx->flow_seq;

	memset(&ctx->rx, 0, sizeof(ctx->rx));
	ctx->rx.port = ctx->o.rx_port;
	ctx->rx.queue = 0;
	ctx->rx.n_queues = ctx->o.n_queues;
	ctx->rx.burst = ctx->o.burst;
	ctx->rx.trial = ctx->trial;
	ctx->rx.n_flows = cfg->flows.n_flows;
	ctx->rx.ns_mult = (uint64_t)((1000000000ull << 32) / hz);
	ctx->rx.flows = ctx->flows;
	ctx->rx.lat = ctx->lat;

	ctx->tx_finished = 0;
	ctx->stop_rx = 0;
	/* Start a little ahead so that every lcore is polling at slot 0. */
	start = rte_rdtsc() + hz / 1000;
	vs_bench_pace_init(&ctx->tx.pace, hz, cfg->rate_pps, start, ctx->o.max_backlog);
	ctx->tx_end_tsc = start + (uint64_t)(cfg->duration_s > 0 ? cfg->duration_s * (double)hz
								 : (double)hz * 3600);
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (ctx->mode == MODE_SPLIT) {
		ret = rte_eal_remote_launch(rx_loop, ctx, ctx->rx_lcore);
		if (ret == 0)
			ret = rte_eal_remote_launch(tx_loop, ctx, ctx->tx_lcore);
		if (ret < 0) {
			__atomic_store_n(&ctx->stop_rx, 1, __ATOMIC_RELEASE);
			rte_eal_mp_wait_lcore();
			return ret;
		}
	} else if (ctx->mode == MODE_WORKER_ALT) {
		ret = rte_eal_remote_launch(alt_loop, ctx, ctx->tx_lcore);
		if (ret < 0)
			return ret;
	}

	now = rte_rdtsc();
	next_print = now + hz;
	last_rx_change = now;
	/* Transmit phase. */
	while (!__atomic_load_n(&ctx->tx_finished, __ATOMIC_ACQUIRE)) {
		monitor_step(ctx, hz);
		now = rte_rdtsc();
		if (ctx->o.progress && now >= next_print) {
			uint64_t t = __atomic_load_n(&ctx->tx.pkts, __ATOMIC_RELAXED);
			uint64_t r = __atomic_load_n(&ctx->rx.pkts, __ATOMIC_RELAXED);
			double dt = (double)(now - next_print + hz) / (double)hz;

			progress_line(ctx, cfg, (double)(now - start) / (double)hz, t - prev_tx,
				      r - prev_rx, dt);
			prev_tx = t;
			prev_rx = r;
			next_print = now + hz;
		}
	}
	/* Drain phase: until everything sent arrived or nothing arrived for drain_ms. */
	last_rx_change = rte_rdtsc();
	for (;;) {
		uint64_t r = __atomic_load_n(&ctx->rx.pkts, __ATOMIC_RELAXED);

		now = rte_rdtsc();
		if (r != seen_rx) {
			seen_rx = r;
			last_rx_change = now;
		}
		if (r >= __atomic_load_n(&ctx->tx.pkts, __ATOMIC_RELAXED))
			break;
		if (now - last_rx_change >= hz / 1000 * ctx->o.drain_ms)
			break;
		monitor_step(ctx, hz);
	}
	__atomic_store_n(&ctx->stop_rx, 1, __ATOMIC_RELEASE);
	if (ctx->mode != MODE_MAIN_ALT)
		rte_eal_mp_wait_lcore();
	fill_result(ctx, cfg, res);
	return 0;
}
