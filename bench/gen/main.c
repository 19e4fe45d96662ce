/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch-bench: a DPDK traffic generator and sink for any DPDK port.
 *
 *   nfvswitch-bench [EAL args] -- run     [options]   one trial, full report
 *   nfvswitch-bench [EAL args] -- rfc2544 [options]   NDR/PDR search, latency, sweeps
 *   nfvswitch-bench pcap  -o FILE [options]           the same workload as a pcap file
 *   nfvswitch-bench rules [options]                   matching nfvswitch / OpenFlow rules
 *
 * See docs/bench.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "bench_pkt.h"
#include "bench_report.h"
#include "bench_rfc2544.h"
#include "bench_run.h"

#define MAX_LIST 32

struct app {
	const char *mode;
	struct vs_bench_opts opts;
	struct vs_bench_trial_cfg trial;
	double line_gbps;
	double rate_pct;   /* --rate N% of line rate */
	bool duration_set; /* --duration given (else --count runs to completion) */
	const char *json, *csv, *lat_csv, *per_flow, *pcap_out;
	/* rfc2544 */
	struct vs_bench_sizes sizes[MAX_LIST];
	uint32_t n_sizes;
	uint32_t flows_list[MAX_LIST];
	uint32_t n_flows_list;
	double pdr_loss;   /* fraction */
	double resolution; /* fraction */
	uint32_t max_iter;
	double fractions[VS_BENCH_MAX_FRACTIONS];
	uint32_t n_fractions;
	double trial_s;
	double lat_trial_s;
	double max_rate;
	/* rules */
	int rules_fmt;
	bool port_only;
	const char *in_port, *out_port;
};

static void
usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: nfvswitch-bench [EAL args] -- run|rfc2544 [options]\n"
	    "       nfvswitch-bench pcap -o FILE [workload options] [--count N]\n"
	    "       nfvswitch-bench rules [--format yaml|ofctl] [--port-only] [--in-port P "
	    "--out-port P]\n"
	    "                             [--masks K]\n"
	    "ports and lcores:\n"
	    "  --tx-port N --rx-port N   DPDK port ids (default 0 and 1; equal = one port both "
	    "ways)\n"
	    "  --burst N                 burst size (32)          --mbufs N   mbuf pool size "
	    "(16383)\n"
	    "  --rx-queues N             rx queues per port, all polled (1); one tx queue. A "
	    "memif\n"
	    "                            client needs one per tx queue of the peer (OVS-DPDK: 2)\n"
	    "  --link-wait S             wait for link up (10 s)  --drain-ms N  straggler wait "
	    "(200)\n"
	    "  --quiet                   no progress lines\n"
	    "workload:\n"
	    "  --size 64..1518|imix      frame size incl. FCS (64)\n"
	    "  --flows N --masks K       N flows over K wildcard mask groups (1, 1), see "
	    "docs/bench.md\n"
	    "  --rate R                  pps, 5mpps, 300kpps, 40%% (needs --line-gbps), max "
	    "(default)\n"
	    "  --max-backlog N           overdue packets sent back to back after a stall (burst);\n"
	    "                            older ones are skipped and counted (pace_skipped)\n"
	    "  --duration S  --count N   transmit time (5 s) / packet count (with --duration, an\n"
	    "                            upper bound)\n"
	    "  --eth-src MAC --eth-dst MAC --ip-src A.B.C.D --udp-dst N\n"
	    "  --line-gbps G             link speed, for %% rates and the RFC 2544 ceiling\n"
	    "outputs:\n"
	    "  --json FILE --csv FILE    results; run: --per-flow FILE (per-flow CSV)\n"
	    "rfc2544:\n"
	    "  --sizes 64,128,...,imix   frame sizes (default: --size)\n"
	    "  --flows-list 1,1000,...   flow counts (default: --flows)\n"
	    "  --pdr-loss PCT            PDR loss threshold in percent (0.5); NDR is 0\n"
	    "  --resolution PCT          search stops at this fraction of the ceiling (0.5)\n"
	    "  --max-iter N              trials per search (16)\n"
	    "  --trial S                 seconds per search trial (2)\n"
	    "  --lat-fractions 0.1,0.5,0.9,1  latency trials at these fractions of NDR ('none')\n"
	    "  --lat-trial S             seconds per latency trial (= --trial)\n"
	    "  --max-rate R              search ceiling (default: line rate, else the rate the\n"
	    "                            sender reaches unpaced)\n"
	    "  --lat-csv FILE            latency rows as CSV\n");
}

static int
parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return (errno || end == s || *end || !isfinite(*out)) ? -EINVAL : 0;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	double mult = 1;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		mult = 1e3, end++;
	else if (*end == 'm' || *end == 'M')
		mult = 1e6, end++;
	if (*end)
		return -EINVAL;
	*out = (uint64_t)llround(v * mult);
	return 0;
}

/* "12.5mpps", "300kpps", "1000000", "40%", "max" */
static int
parse_rate(struct app *a, const char *s)
{
	char *end;
	double v;

	a->rate_pct = 0;
	if (strcmp(s, "max") == 0) {
		a->trial.rate_pps = 0;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	if (strcmp(end, "%") == 0) {
		if (v <= 0 || v > 100)
			return -EINVAL;
		a->rate_pct = v;
		return 0;
	}
	if (strcasecmp(end, "mpps") == 0)
		v *= 1e6;
	else if (strcasecmp(end, "kpps") == 0)
		v *= 1e3;
	else if (*end && strcasecmp(end, "pps") != 0)
		return -EINVAL;
	a->trial.rate_pps = v;
	return 0;
}

static int
parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int
parse_ip(const char *s, uint32_t *ip)
{
	unsigned int b[4];
	char tail;

	if (sscanf(s, "%u.%u.%u.%u%c", &b[0], &b[1], &b[2], &b[3], &tail) != 4)
		return -EINVAL;
	*ip = 0;
	for (int i = 0; i < 4; i++) {
		if (b[i] > 255)
			return -EINVAL;
		*ip = (*ip << 8) | b[i];
	}
	return 0;
}

/* Split a comma list; each item goes to fn. */
static int
parse_list(const char *s, int (*fn)(struct app *, const char *), struct app *a)
{
	char buf[512], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int ret = fn(a, tok);

		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
add_size(struct app *a, const char *s)
{
	if (a->n_sizes >= MAX_LIST)
		return -E2BIG;
	return vs_bench_sizes_parse(s, &a->sizes[a->n_sizes++]);
}

static int
add_flows(struct app *a, const char *s)
{
	uint64_t v;

	if (a->n_flows_list >= MAX_LIST || parse_u64(s, &v) < 0 || v == 0 || v > UINT32_MAX)
		return -EINVAL;
	a->flows_list[a->n_flows_list++] = (uint32_t)v;
	return 0;
}

static int
add_fraction(struct app *a, const char *s)
{
	double v;

	if (strcmp(s, "none") == 0)
		return 0;
	if (a->n_fractions >= VS_BENCH_MAX_FRACTIONS || parse_double(s, &v) < 0 || v <= 0 || v > 1)
		return -EINVAL;
	a->fractions[a->n_fractions++] = v;
	return 0;
}

enum {
	O_TX_PORT = 256,
	O_RX_PORT,
	O_BURST,
	O_MBUFS,
	O_LINK_WAIT,
	O_DRAIN,
	O_QUIET,
	O_SIZE,
	O_FLOWS,
	O_MASKS,
	O_RATE,
	O_DURATION,
	O_COUNT,
	O_ETH_SRC,
	O_ETH_DST,
	O_IP_SRC,
	O_UDP_DST,
	O_LINE,
	O_JSON,
	O_CSV,
	O_PER_FLOW,
	O_SIZES,
	O_FLOWS_LIST,
	O_PDR,
	O_RES,
	O_MAX_ITER,
	O_TRIAL,
	O_LAT_FRAC,
	O_LAT_TRIAL,
	O_MAX_RATE,
	O_LAT_CSV,
	O_FORMAT,
	O_PORT_ONLY,
	O_IN_PORT,
	O_OUT_PORT,
	O_QUEUES,
	O_BACKLOG,
	O_HELP,
};

static const struct option long_opts[] = {
    {"tx-port", required_argument, NULL, O_TX_PORT},
    {"rx-port", required_argument, NULL, O_RX_PORT},
    {"burst", required_argument, NULL, O_BURST},
    {"rx-queues", required_argument, NULL, O_QUEUES},
    {"max-backlog", required_argument, NULL, O_BACKLOG},
    {"mbufs", required_argument, NULL, O_MBUFS},
    {"link-wait", required_argument, NULL, O_LINK_WAIT},
    {"drain-ms", required_argument, NULL, O_DRAIN},
    {"quiet", no_argument, NULL, O_QUIET},
    {"size", required_argument, NULL, O_SIZE},
    {"flows", required_argument, NULL, O_FLOWS},
    {"masks", required_argument, NULL, O_MASKS},
    {"rate", required_argument, NULL, O_RATE},
    {"duration", required_argument, NULL, O_DURATION},
    {"count", required_argument, NULL, O_COUNT},
    {"eth-src", required_argument, NULL, O_ETH_SRC},
    {"eth-dst", required_argument, NULL, O_ETH_DST},
    {"ip-src", required_argument, NULL, O_IP_SRC},
    {"udp-dst", required_argument, NULL, O_UDP_DST},
    {"line-gbps", required_argument, NULL, O_LINE},
    {"json", required_argument, NULL, O_JSON},
    {"csv", required_argument, NULL, O_CSV},
    {"per-flow", required_argument, NULL, O_PER_FLOW},
    {"sizes", required_argument, NULL, O_SIZES},
    {"flows-list", required_argument, NULL, O_FLOWS_LIST},
    {"pdr-loss", required_argument, NULL, O_PDR},
    {"resolution", required_argument, NULL, O_RES},
    {"max-iter", required_argument, NULL, O_MAX_ITER},
    {"trial", required_argument, NULL, O_TRIAL},
    {"lat-fractions", required_argument, NULL, O_LAT_FRAC},
    {"lat-trial", required_argument, NULL, O_LAT_TRIAL},
    {"max-rate", required_argument, NULL, O_MAX_RATE},
    {"lat-csv", required_argument, NULL, O_LAT_CSV},
    {"format", required_argument, NULL, O_FORMAT},
    {"port-only", no_argument, NULL, O_PORT_ONLY},
    {"in-port", required_argument, NULL, O_IN_PORT},
    {"out-port", required_argument, NULL, O_OUT_PORT},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

static int
bad(const char *opt, const char *val, const char *expected)
{
	fprintf(stderr, "nfvswitch-bench: --%s %s: expected %s\n", opt, val, expected);
	return -EINVAL;
}

static int
parse_args(struct app *a, int argc, char **argv)
{
	uint64_t u;
	double d;
	int c, idx = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", long_opts, &idx)) != -1) {
		const char *name = c >= 256 ? long_opts[idx].name : "output";

		switch (c) {
		case O_TX_PORT:
		case O_RX_PORT:
			if (parse_u64(optarg, &u) < 0 || u >= RTE_MAX_ETHPORTS)
				return bad(name, optarg, "a port id");
			if (c == O_TX_PORT)
				a->opts.tx_port = (uint16_t)u;
			else
				a->opts.rx_port = (uint16_t)u;
			break;
		case O_BURST:
			if (parse_u64(optarg, &u) < 0 || u == 0 || u > VS_BENCH_MAX_BURST)
				return bad(name, optarg, "1..64");
			a->opts.burst = (uint16_t)u;
			break;
		case O_QUEUES:
			if (parse_u64(optarg, &u) < 0 || u == 0 || u > 64)
				return bad(name, optarg, "1..64");
			a->opts.n_queues = (uint16_t)u;
			break;
		case O_BACKLOG:
			if (parse_u64(optarg, &u) < 0 || u == 0 || u > 1u << 20)
				return bad(name, optarg, "1..1048576 packets");
			a->opts.max_backlog = (uint32_t)u;
			break;
		case O_MBUFS:
			if (parse_u64(optarg, &u) < 0 || u < 1024 || u > UINT32_MAX)
				return bad(name, optarg, ">= 1024");
			a->opts.n_mbufs = (uint32_t)u;
			break;
		case O_LINK_WAIT:
			if (parse_u64(optarg, &u) < 0 || u > 3600)
				return bad(name, optarg, "seconds");
			a->opts.link_wait_s = (uint32_t)u;
			break;
		case O_DRAIN:
			if (parse_u64(optarg, &u) < 0 || u == 0 || u > 60000)
				return bad(name, optarg, "1..60000 ms");
			a->opts.drain_ms = (uint32_t)u;
			break;
		case O_QUIET:
			a->opts.progress = false;
			break;
		case O_SIZE:
			if (vs_bench_sizes_parse(optarg, &a->trial.sizes) < 0)
				return bad(name, optarg, "64..1518 or imix");
			break;
		case O_FLOWS:
			if (parse_u64(optarg, &u) < 0 || u == 0 || u > UINT32_MAX)
				return bad(name, optarg, "a flow count (1k, 1M allowed)");
			a->trial.flows.n_flows = (uint32_t)u;
			break;
		case O_MASKS:
			if (parse_u64(optarg, &u) < 0 || u == 0 || u > VS_BENCH_MAX_MASKS)
				return bad(name, optarg, "1..16");
			a->trial.flows.n_masks = (uint32_t)u;
			break;
		case O_RATE:
			if (parse_rate(a, optarg) < 0)
				return bad(name, optarg, "pps, Nmpps, Nkpps, N% or max");
			break;
		case O_DURATION:
			if (parse_double(optarg, &d) < 0 || d <= 0)
				return bad(name, optarg, "seconds > 0");
			a->trial.duration_s = d;
			a->duration_set = true;
			break;
		case O_COUNT:
			if (parse_u64(optarg, &u) < 0)
				return bad(name, optarg, "a packet count");
			a->trial.count = u;
			break;
		case O_ETH_SRC:
		case O_ETH_DST:
			if (parse_mac(optarg, c == O_ETH_SRC ? a->trial.flows.eth_src
							     : a->trial.flows.eth_dst) < 0)
				return bad(name, optarg, "xx:xx:xx:xx:xx:xx");
			break;
		case O_IP_SRC:
			if (parse_ip(optarg, &a->trial.flows.ip_src) < 0)
				return bad(name, optarg, "an IPv4 address");
			break;
		case O_UDP_DST:
			if (parse_u64(optarg, &u) < 0 || u > 65535)
				return bad(name, optarg, "0..65535");
			a->trial.flows.udp_dst = (uint16_t)u;
			break;
		case O_LINE:
			if (parse_double(optarg, &d) < 0 || d <= 0)
				return bad(name, optarg, "Gbit/s > 0");
			a->line_gbps = d;
			break;
		case O_JSON:
			a->json = optarg;
			break;
		case O_CSV:
			a->csv = optarg;
			break;
		case O_PER_FLOW:
			a->per_flow = optarg;
			break;
		case O_LAT_CSV:
			a->lat_csv = optarg;
			break;
		case 'o':
			a->pcap_out = optarg;
			break;
		case O_SIZES:
			if (parse_list(optarg, add_size, a) < 0)
				return bad(name, optarg, "a list of 64..1518 or imix");
			break;
		case O_FLOWS_LIST:
			if (parse_list(optarg, add_flows, a) < 0)
				return bad(name, optarg, "a list of flow counts");
			break;
		case O_PDR:
			if (parse_double(optarg, &d) < 0 || d < 0 || d >= 100)
				return bad(name, optarg, "a percentage");
			a->pdr_loss = d / 100;
			break;
		case O_RES:
			if (parse_double(optarg, &d) < 0 || d <= 0 || d >= 50)
				return bad(name, optarg, "a percentage");
			a->resolution = d / 100;
			break;
		case O_MAX_ITER:
			if (parse_u64(optarg, &u) < 0 || u == 0 || u > 64)
				return bad(name, optarg, "1..64");
			a->max_iter = (uint32_t)u;
			break;
		case O_TRIAL:
		case O_LAT_TRIAL:
			if (parse_double(optarg, &d) < 0 || d <= 0)
				return bad(name, optarg, "seconds > 0");
			if (c == O_TRIAL)
				a->trial_s = d;
			else
				a->lat_trial_s = d;
			break;
		case O_LAT_FRAC:
			a->n_fractions = 0;
			if (parse_list(optarg, add_fraction, a) < 0)
				return bad(name, optarg, "fractions in (0, 1], or none");
			break;
		case O_MAX_RATE: {
			double saved = a->trial.rate_pps;

			if (parse_rate(a, optarg) < 0 || a->rate_pct > 0)
				return bad(name, optarg, "pps, Nmpps or Nkpps");
			a->max_rate = a->trial.rate_pps;
			a->trial.rate_pps = saved;
			break;
		}
		case O_FORMAT:
			if (strcmp(optarg, "yaml") == 0)
				a->rules_fmt = VS_BENCH_RULES_YAML;
			else if (strcmp(optarg, "ofctl") == 0)
				a->rules_fmt = VS_BENCH_RULES_OFCTL;
			else
				return bad(name, optarg, "yaml or ofctl");
			break;
		case O_PORT_ONLY:
			a->port_only = true;
			break;
		case O_IN_PORT:
			a->in_port = optarg;
			break;
		case O_OUT_PORT:
			a->out_port = optarg;
			break;
		case O_HELP:
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nfvswitch-bench: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static void
app_defaults(struct app *a)
{
	memset(a, 0, sizeof(*a));
	vs_bench_opts_default(&a->opts);
	vs_bench_flows_default(&a->trial.flows);
	vs_bench_sizes_parse("64", &a->trial.sizes);
	a->trial.duration_s = 5;
	a->pdr_loss = 0.005;
	a->resolution = 0.005;
	a->max_iter = 16;
	a->trial_s = 2;
	a->fractions[0] = 0.1;
	a->fractions[1] = 0.5;
	a->fractions[2] = 0.9;
	a->fractions[3] = 1.0;
	a->n_fractions = 4;
	a->in_port = "p0";
	a->out_port = "p1";
}

static FILE *
open_out(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		fprintf(stderr, "nfvswitch-bench: %s: %s\n", path, strerror(errno));
	return f;
}

static int
cmd_pcap(struct app *a)
{
	char msg[128];
	uint64_t count = a->trial.count ? a->trial.count : a->trial.flows.n_flows;
	int ret;

	if (a->pcap_out == NULL) {
		fprintf(stderr, "nfvswitch-bench pcap: -o FILE is required\n");
		return -EINVAL;
	}
	if (vs_bench_flows_check(&a->trial.flows, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "nfvswitch-bench pcap: %s\n", msg);
		return -EINVAL;
	}
	ret = vs_bench_pcap_write(a->pcap_out, &a->trial.flows, &a->trial.sizes, count);
	if (ret < 0)
		fprintf(stderr, "nfvswitch-bench pcap: %s: %s\n", a->pcap_out, strerror(-ret));
	else
		printf("wrote %" PRIu64 " frames (%u flows, %u masks, size %s) to %s\n", count,
		       a->trial.flows.n_flows, a->trial.flows.n_masks, a->trial.sizes.label,
		       a->pcap_out);
	return ret;
}

static int
apply_rate_pct(struct app *a, const struct vs_bench_sizes *s, struct vs_bench_trial_cfg *t)
{
	if (a->rate_pct <= 0)
		return 0;
	if (a->line_gbps <= 0) {
		fprintf(stderr, "nfvswitch-bench: --rate N%% needs --line-gbps\n");
		return -EINVAL;
	}
	t->rate_pps = vs_bench_line_rate_pps(a->line_gbps, s) * a->rate_pct / 100;
	return 0;
}

static int
cmd_run(struct app *a, struct vs_bench_ctx *ctx)
{
	struct vs_bench_result r;
	struct vs_bench_trial_cfg t = a->trial;
	FILE *f;
	int ret;

	ret = apply_rate_pct(a, &t.sizes, &t);
	if (ret < 0)
		return ret;
	if (t.count && !a->duration_set)
		t.duration_s = 3600; /* a count runs to completion (an hour at most) */
	ret = vs_bench_trial(ctx, &t, &r);
	if (ret < 0) {
		fprintf(stderr, "nfvswitch-bench: trial failed: %s\n", strerror(-ret));
		return ret;
	}
	vs_bench_report_env(stdout, vs_bench_ctx_env(ctx));
	vs_bench_report_result(stdout, &r);
	if (a->json && (f = open_out(a->json)) != NULL) {
		vs_bench_report_result_json(f, vs_bench_ctx_env(ctx), &r);
		fclose(f);
	}
	if (a->csv && (f = open_out(a->csv)) != NULL) {
		vs_bench_report_result_csv_header(f);
		vs_bench_report_result_csv(f, &r);
		fclose(f);
	}
	if (a->per_flow && (f = open_out(a->per_flow)) != NULL) {
		const uint64_t *tx;
		uint32_t n;
		const struct vs_bench_seq_flow *fl = vs_bench_ctx_flows(ctx, &tx, &n);

		vs_bench_report_flows_csv(f, &t.flows, fl, tx, n, r.window_s);
		fclose(f);
	}
	return 0;
}

struct search_arg {
	struct vs_bench_ctx *ctx;
	struct vs_bench_trial_cfg cfg;
	const char *what;
};

static int
search_trial(void *arg, double rate, struct vs_bench_result *res)
{
	struct search_arg *s = arg;

	s->cfg.rate_pps = rate;
	return vs_bench_trial(s->ctx, &s->cfg, res);
}

static void
search_progress(void *arg, uint32_t iter, double rate, const struct vs_bench_result *r, int pass)
{
	struct search_arg *s = arg;

	fprintf(stderr,
		"[%s size %s, %u flows] %s trial %u: offered %.3f Mpps, sent %.3f, "
		"received %.3f Mpps, loss %.4f %% -> %s\n",
		s->cfg.label, s->cfg.sizes.label, s->cfg.flows.n_flows, s->what, iter, rate / 1e6,
		r->tx_pps / 1e6, r->rx_pps / 1e6, r->loss_ratio * 100, pass ? "pass" : "FAIL");
}

static int
rfc_point(struct app *a, struct vs_bench_ctx *ctx, const struct vs_bench_sizes *sz, uint32_t flows,
	  struct vs_bench_rfc_row *row)
{
	struct search_arg sa = {.ctx = ctx, .cfg = a->trial};
	struct vs_bench_search s = {0};
	struct vs_bench_search_result sr;
	double ceiling = a->max_rate;
	double bits = (vs_bench_sizes_mean(sz) + VS_BENCH_WIRE_OVERHEAD) * 8;
	int ret;

	memset(row, 0, sizeof(*row));
	snprintf(row->size, sizeof(row->size), "%s", sz->label);
	row->flows = flows;
	row->masks = a->trial.flows.n_masks;
	row->pdr_loss = a->pdr_loss;
	sa.cfg.sizes = *sz;
	sa.cfg.flows.n_flows = flows;
	sa.cfg.duration_s = a->trial_s;
	sa.cfg.count = 0;
	sa.cfg.label = "rfc2544";
	if (ceiling <= 0 && a->line_gbps > 0)
		ceiling = vs_bench_line_rate_pps(a->line_gbps, sz);
	if (ceiling <= 0) {
		struct vs_bench_result r;

		sa.cfg.rate_pps = 0;
		ret = vs_bench_trial(ctx, &sa.cfg, &r);
		if (ret < 0)
			return ret;
		row->trials++;
		ceiling = r.tx_pps;
		fprintf(stderr,
			"[rfc2544 size %s, %u flows] ceiling: the sender reaches %.3f Mpps "
			"unpaced (received %.3f Mpps, loss %.4f %%)\n",
			sz->label, flows, ceiling / 1e6, r.rx_pps / 1e6, r.loss_ratio * 100);
		if (ceiling <= 0) {
			fprintf(stderr, "nfvswitch-bench: the sender sent nothing; link down?\n");
			return -EIO;
		}
	}
	row->max_pps = ceiling;
	s.hi_pps = ceiling;
	s.resolution = a->resolution;
	s.max_iter = a->max_iter;
	s.progress = search_progress;
	s.progress_arg = &sa;

	sa.what = "NDR";
	s.loss_threshold = 0;
	ret = vs_bench_search_run(&s, search_trial, &sa, &sr);
	if (ret < 0)
		return ret;
	row->trials += sr.n_trials;
	/* A pass counts at the rate actually sent, if the sender fell short. */
	row->ndr_pps = sr.found && sr.best.tx_pps > 0 && sr.best.tx_pps < sr.rate_pps
			   ? sr.best.tx_pps
			   : sr.rate_pps;
	row->sender_limited = sr.found && sr.rate_pps >= ceiling;
	row->ndr_gbps = row->ndr_pps * bits / 1e9;

	if (row->ndr_pps >= ceiling) {
		row->pdr_pps = row->ndr_pps;
	} else {
		sa.what = "PDR";
		s.loss_threshold = a->pdr_loss;
		s.lo_pps = row->ndr_pps;
		ret = vs_bench_search_run(&s, search_trial, &sa, &sr);
		if (ret < 0)
			return ret;
		row->trials += sr.n_trials;
		row->pdr_pps = sr.found ? sr.rate_pps : row->ndr_pps;
		if (sr.found && sr.best.tx_pps > 0 && sr.best.tx_pps < row->pdr_pps)
			row->pdr_pps = sr.best.tx_pps;
		if (row->pdr_pps < row->ndr_pps)
			row->pdr_pps = row->ndr_pps;
	}
	row->pdr_gbps = row->pdr_pps * bits / 1e9;

	if (row->ndr_pps <= 0)
		return 0;
	sa.cfg.duration_s = a->lat_trial_s > 0 ? a->lat_trial_s : a->trial_s;
	sa.cfg.label = "latency";
	for (uint32_t k = 0; k < a->n_fractions; k++) {
		sa.cfg.rate_pps = row->ndr_pps * a->fractions[k];
		ret = vs_bench_trial(ctx, &sa.cfg, &row->lat[row->n_lat]);
		if (ret < 0)
			return ret;
		row->lat_frac[row->n_lat++] = a->fractions[k];
		row->trials++;
		fprintf(stderr,
			"[latency size %s, %u flows] %3.0f%% of NDR (%.3f Mpps): "
			"p50 %.3f us, p99 %.3f us, max %.3f us, loss %.4f %%\n",
			sz->label, flows, a->fractions[k] * 100, sa.cfg.rate_pps / 1e6,
			row->lat[k].lat_p50_ns / 1e3, row->lat[k].lat_p99_ns / 1e3,
			row->lat[k].lat_max_ns / 1e3, row->lat[k].loss_ratio * 100);
	}
	return 0;
}

static int
cmd_rfc2544(struct app *a, struct vs_bench_ctx *ctx)
{
	uint32_t n_rows, r = 0;
	struct vs_bench_rfc_row *rows;
	FILE *f;
	int ret = 0;

	if (a->n_sizes == 0)
		a->sizes[a->n_sizes++] = a->trial.sizes;
	if (a->n_flows_list == 0)
		a->flows_list[a->n_flows_list++] = a->trial.flows.n_flows;
	n_rows = a->n_sizes * a->n_flows_list;
	rows = calloc(n_rows, sizeof(*rows));
	if (rows == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < a->n_sizes && ret == 0; i++)
		for (uint32_t j = 0; j < a->n_flows_list && ret == 0; j++, r++)
			ret = rfc_point(a, ctx, &a->sizes[i], a->flows_list[j], &rows[r]);
	if (ret < 0) {
		fprintf(stderr, "nfvswitch-bench: rfc2544 stopped: %s\n", strerror(-ret));
		n_rows = r ? r - 1 : 0;
	}
	printf("\nRFC 2544: NDR = no loss, PDR = loss <= %.3f %%, resolution %.2f %%\n",
	       a->pdr_loss * 100, a->resolution * 100);
	vs_bench_report_env(stdout, vs_bench_ctx_env(ctx));
	vs_bench_report_rfc_table(stdout, rows, n_rows);
	if (a->json && (f = open_out(a->json)) != NULL) {
		vs_bench_report_rfc_json(f, vs_bench_ctx_env(ctx), rows, n_rows);
		fclose(f);
	}
	if (a->csv && (f = open_out(a->csv)) != NULL) {
		vs_bench_report_rfc_csv(f, rows, n_rows);
		fclose(f);
	}
	if (a->lat_csv && (f = open_out(a->lat_csv)) != NULL) {
		vs_bench_report_rfc_lat_csv(f, rows, n_rows);
		fclose(f);
	}
	free(rows);
	return ret;
}

int
main(int argc, char **argv)
{
	static struct app a;
	struct vs_bench_ctx *ctx;
	int ret, n;

	app_defaults(&a);
	/* Offline modes: no EAL. */
	if (argc >= 2 && (strcmp(argv[1], "pcap") == 0 || strcmp(argv[1], "rules") == 0)) {
		a.mode = argv[1];
		if (parse_args(&a, argc - 1, argv + 1) < 0)
			return 2;
		if (strcmp(a.mode, "pcap") == 0)
			return cmd_pcap(&a) < 0 ? 1 : 0;
		return vs_bench_rules_print(stdout, &a.trial.flows, a.rules_fmt, a.port_only,
					    a.in_port, a.out_port) < 0
			   ? 1
			   : 0;
	}
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "nfvswitch-bench: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	if (argc < 2 || (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "rfc2544") != 0)) {
		fprintf(stderr, "nfvswitch-bench: expected a mode after '--': run or rfc2544\n");
		usage(stderr);
		rte_eal_cleanup();
		return 2;
	}
	a.mode = argv[1];
	if (parse_args(&a, argc - 1, argv + 1) < 0) {
		rte_eal_cleanup();
		return 2;
	}
	if (rte_eth_dev_count_avail() == 1 && a.opts.rx_port == 1 && a.opts.tx_port == 0)
		a.opts.rx_port = 0; /* one port: it sends and receives */
	ctx = vs_bench_ctx_create(&a.opts);
	if (ctx == NULL) {
		fprintf(stderr, "nfvswitch-bench: setup failed: %s\n", strerror(errno));
		rte_eal_cleanup();
		return 1;
	}
	if (strcmp(a.mode, "run") == 0)
		ret = cmd_run(&a, ctx);
	else
		ret = cmd_rfc2544(&a, ctx);
	vs_bench_ctx_destroy(ctx);
	rte_eal_cleanup();
	return ret < 0 ? 1 : 0;
}
