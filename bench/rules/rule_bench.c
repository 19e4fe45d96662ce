/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch-rule-bench: rule update latency and throughput of a running
 * nfvswitch, over its control socket, while its worker forwards.
 *
 *   1. the forwarding rate idle (rx packets of every port over a window);
 *   2. single `rule add` round trips (request to reply) and the `rule del`
 *      of the same rule, N times: median and p99;
 *   3. batches of B adds in one transaction (`rule batch`), then B deletes,
 *      back to back for a window: rules/s, and the forwarding rate meanwhile.
 *
 * Prints one line per measurement and the ratio of the forwarding rate during
 * updates to the idle one. No DPDK: it is a client of the socket.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "vs_ctl_client.h"

static const char *sock = VS_CTL_DEFAULT_SOCKET;
static const char *in_port = "uplink0";
static int timeout_ms = 60000;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* cmd with one argument (NULL: none); a long one goes as a raw payload, as
 * nfvswitch-ctl rule batch sends a file. */
static json_t *
call(const char *cmd, const char *arg)
{
	size_t len = arg ? strlen(arg) : 0;
	json_t *req, *rep, *res;

	req = arg && len < 4096 ? json_pack("{s:s, s:[s]}", "cmd", cmd, "args", arg)
				: json_pack("{s:s}", "cmd", cmd);
	if (req == NULL) {
		fprintf(stderr, "rule-bench: out of memory\n");
		exit(1);
	}
	rep = vs_ctl_request_payload(sock, req, len >= 4096 ? arg : NULL, len, timeout_ms);
	json_decref(req);
	if (rep == NULL) {
		fprintf(stderr, "rule-bench: %s: no reply from %s: %s\n", cmd, sock,
			strerror(errno));
		exit(1);
	}
	if (!json_is_true(json_object_get(rep, "ok"))) {
		fprintf(stderr, "rule-bench: %s refused: %s\n", cmd,
			json_string_value(json_object_get(rep, "error")));
		exit(1);
	}
	res = json_incref(json_object_get(rep, "result"));
	json_decref(rep);
	return res;
}

/* Packets received by every port so far, and when. */
static uint64_t
rx_total(double *t)
{
	json_t *res = call("show", "ports"), *p;
	uint64_t n = 0;
	size_t i;

	*t = now_s();
	json_array_foreach(res, i, p) n +=
	    (uint64_t)json_integer_value(json_object_get(p, "rx_pkts"));
	json_decref(res);
	return n;
}

static double
mpps_over(double seconds)
{
	double t0, t1;
	uint64_t a = rx_total(&t0), b;
	struct timespec nap = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};

	nanosleep(&nap, NULL);
	b = rx_total(&t1);
	return (double)(b - a) / (t1 - t0) / 1e6;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double *v, int n, double p)
{
	int k = (int)(p * (n - 1) + 0.5);

	return v[k];
}

static void
rule_text(char *buf, size_t size, const char *name, unsigned i)
{
	/* /32s out of any capture's way: they cost the classifier, match nothing. */
	snprintf(buf, size,
		 "{name: %s%u, priority: 1, match: {in_port: %s, ip_dst: 10.%u.%u.%u/32}, "
		 "actions: [drop]}",
		 name, i, in_port, 200 + i / 65536, (i / 256) % 256, i % 256);
}

static char *
batch_text(unsigned n, bool del)
{
	size_t cap = (size_t)n * 160 + 64, off;
	char *b = malloc(cap), one[160];
	unsigned i;

	if (b == NULL) {
		fprintf(stderr, "rule-bench: out of memory\n");
		exit(1);
	}
	off = (size_t)snprintf(b, cap, del ? "{del: [" : "{add: [");
	for (i = 0; i < n; i++) {
		if (del)
			snprintf(one, sizeof(one), "b%u", i);
		else
			rule_text(one, sizeof(one), "b", i);
		off += (size_t)snprintf(b + off, cap - off, "%s%s", i ? ", " : "", one);
	}
	snprintf(b + off, cap - off, "]}");
	return b;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: nfvswitch-rule-bench [-s SOCKET] [-p IN_PORT] [-n SINGLES] [-b BATCH]\n"
		   "                            [-w WINDOW_S]\n"
		   "  -s SOCKET   control socket (default " VS_CTL_DEFAULT_SOCKET ")\n"
		   "  -p PORT     the port the added rules match (default uplink0)\n"
		   "  -n N        single add/del round trips (default 200)\n"
		   "  -b B        rules per batch transaction (default 10000)\n"
		   "  -w S        seconds of each rate window (default 3)\n");
}

int
main(int argc, char **argv)
{
	int singles = 200, batch = 10000, c, i, cap, n_batches = 0;
	double window = 3.0, *add_ms, *del_ms, idle, during, t0, t1, tw0, tw1, tb = 0, tbd = 0;
	uint64_t rx0, rx1;
	char one[160], name[32];
	char *add_text, *del_text;
	json_t *res;
	unsigned rules;

	while ((c = getopt(argc, argv, "s:p:n:b:w:h")) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'p':
			in_port = optarg;
			break;
		case 'n':
			singles = atoi(optarg);
			break;
		case 'b':
			batch = atoi(optarg);
			break;
		case 'w':
			window = atof(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (singles < 1 || batch < 1 || window <= 0) {
		usage(stderr);
		return 2;
	}
	res = call("show", "rules");
	rules = (unsigned)json_array_size(json_object_get(res, "rules"));
	json_decref(res);
	printf("rules loaded: %u\n", rules);

	idle = mpps_over(window);
	printf("forwarding idle: %.3f Mpps\n", idle);

	/* At least `singles` changes, and for at least a rate window. */
	cap = singles;
	add_ms = malloc(sizeof(double) * (size_t)cap);
	del_ms = malloc(sizeof(double) * (size_t)cap);
	if (add_ms == NULL || del_ms == NULL)
		return 1;
	rx0 = rx_total(&tw0);
	for (i = 0; i < singles || now_s() - tw0 < window; i++) {
		if (i == cap) {
			cap *= 2;
			add_ms = realloc(add_ms, sizeof(double) * (size_t)cap);
			del_ms = realloc(del_ms, sizeof(double) * (size_t)cap);
			if (add_ms == NULL || del_ms == NULL)
				return 1;
		}
		rule_text(one, sizeof(one), "s", (unsigned)i);
		t0 = now_s();
		json_decref(call("rule-add", one));
		t1 = now_s();
		add_ms[i] = (t1 - t0) * 1e3;
		snprintf(name, sizeof(name), "s%d", i);
		json_decref(call("rule-del", name));
		del_ms[i] = (now_s() - t1) * 1e3;
	}
	singles = i;
	rx1 = rx_total(&tw1);
	qsort(add_ms, (size_t)singles, sizeof(double), dbl_cmp);
	qsort(del_ms, (size_t)singles, sizeof(double), dbl_cmp);
	printf("single rule add round trip: median %.3f ms, p99 %.3f ms (%d adds)\n",
	       pct(add_ms, singles, 0.5), pct(add_ms, singles, 0.99), singles);
	printf("single rule del round trip: median %.3f ms, p99 %.3f ms (%d dels)\n",
	       pct(del_ms, singles, 0.5), pct(del_ms, singles, 0.99), singles);
	during = (double)(rx1 - rx0) / (tw1 - tw0) / 1e6;
	printf("forwarding during single changes: %.3f Mpps = %.2f x idle (%.2f s)\n", during,
	       idle > 0 ? during / idle : 0.0, tw1 - tw0);

	add_text = batch_text((unsigned)batch, false);
	del_text = batch_text((unsigned)batch, true);
	rx0 = rx_total(&t0);
	do {
		double a = now_s();

		json_decref(call("rule-batch", add_text));
		tb += now_s() - a;
		a = now_s();
		json_decref(call("rule-batch", del_text));
		tbd += now_s() - a;
		n_batches++;
	} while (now_s() - t0 < window);
	rx1 = rx_total(&t1);
	during = (double)(rx1 - rx0) / (t1 - t0) / 1e6;
	printf("batch of %d adds in one transaction: %.0f rules/s (mean of %d, round trip "
	       "%.1f ms)\n",
	       batch, batch * n_batches / tb, n_batches, tb / n_batches * 1e3);
	printf("batch of %d deletes in one transaction: %.0f rules/s (round trip %.1f ms)\n", batch,
	       batch * n_batches / tbd, tbd / n_batches * 1e3);
	printf("forwarding during batches: %.3f Mpps = %.2f x idle\n", during,
	       idle > 0 ? during / idle : 0.0);
	free(add_text);
	free(del_text);
	free(add_ms);
	free(del_ms);
	return 0;
}
