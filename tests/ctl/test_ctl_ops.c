/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The operator's side of the control plane over a real daemon (a
 * subprocess on net_pcap/net_null devices): the counter table in every
 * exporter, the command table in dispatch, help and errors, stats clear,
 * log levels, link state and xstats in show ports, rx queue usage in show
 * rxqs, and docs/operations.md listing every command.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "vs_counters.h"
#include "vs_ctl_client.h"
#include "vs_ctl_cmds.h"

static char dir[64], cfg_path[128], sock[128], prefix[64], log_path[160];
static pid_t daemon_pid;

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	cr_assert_not_null(v, "%s is not set (run the tests through meson test)", name);
	return v;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t size = 0;

	if (f == NULL)
		return strdup("");
	if (getdelim(&buf, &size, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

/* Run argv with stdin from in; stdout into *out (malloc'd). Exit status. */
static int
run(char *const argv[], const char *in, char **out)
{
	char opath[160], ipath[160];
	FILE *f;
	int status;
	pid_t pid;

	snprintf(opath, sizeof(opath), "%s/cmd.out", dir);
	snprintf(ipath, sizeof(ipath), "%s/cmd.in", dir);
	f = fopen(ipath, "w");
	cr_assert_not_null(f);
	fputs(in ? in : "", f);
	fclose(f);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int i = open(ipath, O_RDONLY);

		dup2(i, 0);
		dup2(o, 1);
		dup2(o, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (out != NULL)
		*out = slurp(opath);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* One request; the whole reply. */
static json_t *
req(const char *cmd, const char *a0, const char *a1, const char *a2)
{
	json_t *r = json_pack("{s:s, s:[]}", "cmd", cmd, "args"), *reply;
	const char *a[] = {a0, a1, a2};
	unsigned i;

	for (i = 0; i < 3 && a[i] != NULL; i++)
		json_array_append_new(json_object_get(r, "args"), json_string(a[i]));
	reply = vs_ctl_request(sock, r, 5000);
	json_decref(r);
	cr_assert_not_null(reply, "no reply to %s: %s", cmd, strerror(errno));
	return reply;
}

/* A request that must succeed; its result (owned by the returned reply). */
static json_t *
ok(json_t **reply, const char *cmd, const char *a0, const char *a1, const char *a2)
{
	*reply = req(cmd, a0, a1, a2);
	cr_assert(json_is_true(json_object_get(*reply, "ok")), "%s %s: %s", cmd, a0 ? a0 : "",
		  json_string_value(json_object_get(*reply, "error")));
	return json_object_get(*reply, "result");
}

/* The error of a request that must fail. */
static const char *
refused(json_t **reply, const char *cmd, const char *a0, const char *a1, const char *a2)
{
	*reply = req(cmd, a0, a1, a2);
	cr_assert(json_is_false(json_object_get(*reply, "ok")), "%s %s answered ok", cmd,
		  a0 ? a0 : "");
	return json_string_value(json_object_get(*reply, "error"));
}

static const json_t *
by_name(const json_t *arr, const char *key, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
	{
		const char *n = json_string_value(json_object_get(o, key));

		if (n && strcmp(n, name) == 0)
			return o;
	}
	return NULL;
}

static json_int_t
ival(const json_t *o, const char *k)
{
	cr_assert(json_is_integer(json_object_get(o, k)), "no integer %s", k);
	return json_integer_value(json_object_get(o, k));
}

static json_int_t
port_counter(const char *port, const char *k)
{
	json_t *reply, *res = ok(&reply, "show", "ports", NULL, NULL);
	json_int_t v = ival(by_name(res, "name", port), k);

	json_decref(reply);
	return v;
}

static void
wait_traffic(void)
{
	int i;

	for (i = 0; i < 200 && port_counter("s0", "tx_pkts") < 1000; i++)
		usleep(50000);
	cr_assert_lt(i, 200, "no traffic out of s0");
}

#define CFG_FMT                                                                                    \
	"dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, file_prefix: %s,\n"                  \
	"       log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"                            \
	"workers: [{lcore: 1}]\n"                                                                  \
	"control: {stats_interval_ms: 0, socket: %s}\n"                                            \
	"ports:\n"                                                                                 \
	"  - {name: up, type: ethdev, device: \"net_pcap%u,rx_pcap=%s/in.pcap,infinite_rx=1\"}\n"  \
	"  - {name: s0, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"                           \
	"  - {name: s1, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"                           \
	"rules:\n"                                                                                 \
	"  - {name: to-s0, priority: 10, match: {in_port: up, ip_dst: 10.1.0.0/31},\n"             \
	"     actions: [{output: s0}]}\n"

static void
daemon_up(void)
{
	char in[128], text[2048];
	char *gen[] = {(char *)env("NFVSWITCH_PCAPGEN_BIN"),
		       "-o",
		       in,
		       "--flows",
		       "16",
		       "--count",
		       "256",
		       "--dst-ips",
		       "4",
		       NULL};
	unsigned id = 300 + (unsigned)getpid() % 100;
	FILE *f;
	int i;

	snprintf(dir, sizeof(dir), "/tmp/vs-ctl-ops-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(cfg_path, sizeof(cfg_path), "%s/switch.yaml", dir);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	snprintf(prefix, sizeof(prefix), "vs-ctl-ops-%d", getpid());
	snprintf(log_path, sizeof(log_path), "%s/daemon.log", dir);
	cr_assert_eq(run(gen, NULL, NULL), 0);
	snprintf(text, sizeof(text), CFG_FMT, prefix, sock, id, dir, id + 100, id + 200);
	f = fopen(cfg_path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	daemon_pid = fork();
	cr_assert_geq(daemon_pid, 0);
	if (daemon_pid == 0) {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(env("NFVSWITCH_BIN"), "nfvswitch", "-c", cfg_path, NULL);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		struct stat st;

		if (stat(sock, &st) == 0)
			break;
		cr_assert_eq(waitpid(daemon_pid, NULL, WNOHANG), 0, "daemon exited: %s",
			     slurp(log_path));
		usleep(50000);
	}
	cr_assert_lt(i, 200, "no control socket after 10 s: %s", slurp(log_path));
}

static void
daemon_down(void)
{
	char path[128];
	int status, i;

	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		for (i = 0; i < 200 && waitpid(daemon_pid, &status, WNOHANG) == 0; i++)
			usleep(50000);
		if (i == 200) {
			kill(daemon_pid, SIGKILL);
			waitpid(daemon_pid, &status, 0);
		}
		daemon_pid = 0;
	}
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	nftw(path, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(ops, .init = daemon_up, .fini = daemon_down, .timeout = 90);

/* ---- the counter table in all four exporters ---------------------------------------------- */

/* The telemetry answers, one JSON object per command, merged. */
static json_t *
telemetry(void)
{
	char *argv[] = {"/usr/bin/env", "python3", "/usr/bin/dpdk-telemetry.py",
			"-f",		prefix,	   NULL};
	char *out, *line, *save = NULL;
	json_t *all = json_object();

	cr_assert_eq(run(argv,
			 "/nfvswitch/info\n/nfvswitch/ports,up\n/nfvswitch/workers\n"
			 "/nfvswitch/drops\n",
			 &out),
		     0, "dpdk-telemetry.py failed");
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j;

		if (line[0] != '{')
			continue;
		j = json_loads(line, 0, NULL);
		cr_assert_not_null(j, "not JSON: %s", line);
		json_object_update(all, j);
		json_decref(j);
	}
	free(out);
	cr_assert_eq(json_object_size(all), 4, "telemetry answered %zu of 4 commands",
		     json_object_size(all));
	return all;
}

/* Synthetic statistics: one port, one worker, every counter non-zero. */
static void
fill_stats(struct vs_switch_stats *st)
{
	unsigned r;

	memset(st, 0, sizeof(*st));
	st->n_ports = 1;
	st->n_workers = 1;
	st->port[0].present = st->port[0].ready = true;
	snprintf(st->port[0].name, sizeof(st->port[0].name), "p0");
	st->port[0].rx_pkts = 100;
	st->port[0].tx_pkts = 90;
	st->worker[0].lcore = 3;
	st->worker[0].rx_pkts = 100;
	for (r = VS_DROP_FIRST; r < VS_DROP_MAX; r++)
		st->drops[r] = r;
	st->total_drops = 1000;
}

Test(ops, every_counter_in_every_exporter)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	json_t *rs, *rm, *stats, *tel;
	const struct vs_counter *c;
	const char *metrics;
	char *text = NULL;
	size_t len = 0;
	unsigned i, n = 0;
	FILE *f;

	wait_traffic();
	stats = ok(&rs, "stats", NULL, NULL, NULL);
	metrics = json_string_value(json_object_get(ok(&rm, "metrics", NULL, NULL, NULL), "text"));
	cr_assert_not_null(metrics);
	tel = telemetry();
	cr_assert_not_null(st);
	fill_stats(st);
	f = open_memstream(&text, &len);
	vs_stats_print(f, st, NULL, 1.0, 1.0);
	fclose(f);

	for (i = 0; (c = vs_counter_at(i)) != NULL; i++, n++) {
		const json_t *where = NULL, *tw = NULL;
		char key[96];

		switch (c->kind) {
		case VS_CNT_GLOBAL:
			where = stats;
			tw = json_object_get(tel, "/nfvswitch/info");
			break;
		case VS_CNT_PORT:
			where = by_name(json_object_get(stats, "ports"), "name", "up");
			tw = json_object_get(tel, "/nfvswitch/ports");
			break;
		case VS_CNT_WORKER:
			where = json_array_get(json_object_get(stats, "workers"), 0);
			tw = json_object_get(json_object_get(tel, "/nfvswitch/workers"), "worker0");
			break;
		case VS_CNT_DROP:
			where = json_object_get(stats, "drops");
			tw = json_object_get(tel, "/nfvswitch/drops");
			cr_assert_str_eq(json_string_value(json_object_get(
					     json_object_get(stats, "drop_help"), c->name)),
					 c->help);
			cr_assert(strstr(metrics, c->help) != NULL, "HELP lacks %s's '%s'", c->name,
				  c->help);
			break;
		}
		cr_assert_not_null(json_object_get(where, c->name), "ctl JSON lacks %s", c->name);
		cr_assert_not_null(json_object_get(tw, c->name), "telemetry lacks %s", c->name);
		snprintf(key, sizeof(key), "# TYPE %s %s\n", c->family,
			 c->gauge ? "gauge" : "counter");
		cr_assert(strstr(metrics, key) != NULL, "metrics lack %s", key);
		snprintf(key, sizeof(key), "%s%s{", c->family, c->gauge ? "" : "_total");
		if (c->kind != VS_CNT_GLOBAL)
			cr_assert(strstr(metrics, key) != NULL, "metrics lack %s samples", key);
		if (c->label != NULL)
			cr_assert(strstr(metrics, c->label) != NULL, "metrics lack %s", c->label);
		snprintf(key, sizeof(key), " %s=", c->name);
		cr_assert(strstr(text, key) != NULL, "stdout totals lack %s:\n%s", c->name, text);
	}
	cr_assert_gt(n, 40);
	/* The values agree where they can: the classifier counts this worker's lookups. */
	cr_assert_gt(ival(json_array_get(json_object_get(stats, "workers"), 0), "lookups"), 0);
	cr_assert_gt(json_integer_value(json_object_get(
			 json_object_get(json_object_get(tel, "/nfvswitch/workers"), "worker0"),
			 "emc_insert_skips")) +
			 1,
		     0);
	free(text);
	free(st);
	json_decref(tel);
	json_decref(rs);
	json_decref(rm);
}

Test(ops, stats_sub_matches_ports_by_name)
{
	struct vs_switch_stats *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));

	cr_assert_not_null(a);
	cr_assert_not_null(b);
	fill_stats(a);
	fill_stats(b);
	b->port[0].rx_pkts = 40;
	b->drops[VS_DROP_NO_RULE] = 1;
	vs_stats_sub(a, b);
	cr_assert_eq(a->port[0].rx_pkts, 60);
	cr_assert_eq(a->drops[VS_DROP_NO_RULE], VS_DROP_NO_RULE - 1);
	cr_assert_eq(a->total_drops, 0);
	cr_assert(a->port[0].ready, "gauges are kept");
	fill_stats(a);
	snprintf(b->port[0].name, sizeof(b->port[0].name), "other");
	vs_stats_sub(a, b);
	cr_assert_eq(a->port[0].rx_pkts, 100, "another port's base is not subtracted");
	/* Rx queue loads count from the base where the position holds the
	 * same queue (stats clear: a load above 100 % of busy otherwise). */
	fill_stats(a);
	fill_stats(b);
	a->worker[0].n_rxq = b->worker[0].n_rxq = 2;
	a->worker[0].rxq[0] = (struct vs_rxq_load){.q = {.port = 0}, .cycles = 900, .pkts = 30};
	b->worker[0].rxq[0] = (struct vs_rxq_load){.q = {.port = 0}, .cycles = 400, .pkts = 10};
	a->worker[0].rxq[1] = (struct vs_rxq_load){.q = {.port = 1}, .cycles = 50, .pkts = 5};
	b->worker[0].rxq[1] = (struct vs_rxq_load){.q = {.port = 2}, .cycles = 40, .pkts = 4};
	vs_stats_sub(a, b);
	cr_assert_eq(a->worker[0].rxq[0].cycles, 500);
	cr_assert_eq(a->worker[0].rxq[0].pkts, 20);
	cr_assert_eq(a->worker[0].rxq[1].cycles, 50, "another queue's base is not subtracted");
	cr_assert_eq(a->worker[0].rxq[1].pkts, 5);
	free(a);
	free(b);
}

/* ---- the command table --------------------------------------------------------------------- */

static const char *const words[] = {
#define WORDS_(id, cmd, sub, w, usage, min, max, flags, help) w,
    VS_CTL_COMMANDS(WORDS_)
#undef WORDS_
};

Test(ops, help_lists_the_table_and_errors_come_from_it)
{
	char *argv[] = {(char *)env("NFVSWITCH_CTL_BIN"), "-s", sock, "help", NULL};
	char *argv_bad[] = {(char *)env("NFVSWITCH_CTL_BIN"), "-s", sock, "stats", "x", NULL};
	json_t *reply, *res = ok(&reply, "help", NULL, NULL, NULL);
	const char *e;
	char *out;
	size_t i;

	cr_assert_eq(json_array_size(res), VS_CTL_CMD_MAX);
	for (i = 0; i < VS_CTL_CMD_MAX; i++)
		cr_assert_not_null(by_name(res, "command", words[i]), "help lacks %s", words[i]);
	cr_assert(
	    json_is_true(json_object_get(by_name(res, "command", "show ports"), "read_only")));
	cr_assert(json_is_false(json_object_get(by_name(res, "command", "reload"), "read_only")));
	json_decref(reply);

	cr_assert_eq(run(argv, NULL, &out), 0, "%s", out);
	for (i = 0; i < VS_CTL_CMD_MAX; i++)
		cr_assert(strstr(out, words[i]) != NULL, "nfvswitch-ctl help lacks %s", words[i]);
	free(out);
	cr_assert_eq(run(argv_bad, NULL, &out), 2, "stats takes no argument: %s", out);
	cr_assert(strstr(out, "usage: nfvswitch-ctl stats") != NULL, "%s", out);
	free(out);

	e = refused(&reply, "frobnicate", NULL, NULL, NULL);
	cr_assert(strstr(e, "unknown command 'frobnicate'") && strstr(e, "show") &&
		      strstr(e, "log"),
		  "%s", e);
	json_decref(reply);
	e = refused(&reply, "show", NULL, NULL, NULL);
	cr_assert(strstr(e, "show: what?") && strstr(e, "rxqs"), "%s", e);
	json_decref(reply);
	e = refused(&reply, "show", "nothing", NULL, NULL);
	cr_assert(strstr(e, "show: unknown 'nothing'"), "%s", e);
	json_decref(reply);
	e = refused(&reply, "rule-add", NULL, NULL, NULL);
	cr_assert(strstr(e, "rule add: missing arguments; usage: rule add 'RULE'"), "%s", e);
	json_decref(reply);
	e = refused(&reply, "version", "extra", NULL, NULL);
	cr_assert(strstr(e, "version: takes no arguments"), "%s", e);
	json_decref(reply);
}

/* ---- operator commands ---------------------------------------------------------------------- */

static json_int_t
metric(const char *text, const char *sample)
{
	const char *p = strstr(text, sample);

	cr_assert_not_null(p, "no %s", sample);
	return atoll(p + strlen(sample) + 1);
}

Test(ops, stats_clear_zeroes_what_ctl_shows_only)
{
	json_t *r1, *r2, *r3, *res;
	json_int_t before, after, raw;

	wait_traffic();
	usleep(300000);
	before = port_counter("up", "rx_pkts");
	/* Not inside cr_assert: it may evaluate its condition more than once. */
	res = ok(&r1, "stats", NULL, NULL, NULL);
	cr_assert(json_is_false(json_object_get(res, "cleared")));
	json_decref(r1);
	res = ok(&r1, "stats", "clear", NULL, NULL);
	cr_assert(json_is_true(json_object_get(res, "cleared")));
	after = port_counter("up", "rx_pkts");
	res = ok(&r2, "stats", NULL, NULL, NULL);
	cr_assert(json_is_true(json_object_get(res, "cleared")));
	cr_assert_lt(ival(json_object_get(res, "drops"), "no_rule"), before);
	res = ok(&r3, "metrics", NULL, NULL, NULL);
	raw = metric(json_string_value(json_object_get(res, "text")),
		     "nfvswitch_port_rx_packets_total{port=\"up\"}");
	cr_assert_lt(after, before, "after clear %lld, before %lld", (long long)after,
		     (long long)before);
	cr_assert_geq(raw, before, "metrics stay monotonic");
	json_decref(r1);
	json_decref(r2);
	json_decref(r3);
	/* The rx queue loads count from the clear too: a queue's share of the
	 * worker's busy cycles, never above them. */
	res = ok(&r1, "show", "workers", NULL, NULL);
	{
		const json_t *q =
		    json_array_get(json_object_get(json_array_get(res, 0), "rxqs"), 0);

		cr_assert_not_null(q);
		cr_assert_lt(ival(q, "pkts"), before);
		cr_assert_leq(json_number_value(json_object_get(q, "load_pct")), 100.0,
			      "load %.1f %%", json_number_value(json_object_get(q, "load_pct")));
	}
	json_decref(r1);
	/* The counts go on from zero. */
	usleep(200000);
	cr_assert_gt(port_counter("up", "rx_pkts"), after);
}

static const char *
module_level(const json_t *res, const char *module)
{
	const json_t *m = by_name(json_object_get(res, "modules"), "module", module);

	cr_assert_not_null(m, "no module %s in %s", module, json_dumps(res, 0));
	return json_string_value(json_object_get(m, "level"));
}

Test(ops, log_level_lists_sets_and_refuses)
{
	json_t *reply, *res;
	const char *e;

	res = ok(&reply, "log", "level", NULL, NULL);
	cr_assert_str_eq(module_level(res, "ctl"), "notice");
	cr_assert_not_null(strstr(json_string_value(json_object_get(res, "levels")), "debug"));
	json_decref(reply);
	ok(&reply, "log", "level", "ctl", "debug");
	json_decref(reply);
	res = ok(&reply, "log", "level", NULL, NULL);
	cr_assert_str_eq(module_level(res, "ctl"), "debug");
	cr_assert_str_neq(module_level(res, "vhost"), "debug", "only ctl changed");
	json_decref(reply);
	ok(&reply, "log", "level", "nfvswitch.ctl", "warning");
	json_decref(reply);
	res = ok(&reply, "log", "level", NULL, NULL);
	cr_assert_str_eq(module_level(res, "ctl"), "warning");
	json_decref(reply);

	e = refused(&reply, "log", "level", "nosuch", "debug");
	cr_assert(strstr(e, "unknown module 'nosuch'") && strstr(e, "ctl"), "%s", e);
	json_decref(reply);
	e = refused(&reply, "log", "level", "ctl", "loud");
	cr_assert(strstr(e, "unknown level 'loud'") && strstr(e, "debug"), "%s", e);
	json_decref(reply);
	e = refused(&reply, "log", "level", "ctl", NULL);
	cr_assert(strstr(e, "give MODULE and LEVEL"), "%s", e);
	json_decref(reply);
}

Test(ops, show_ports_has_link_state_and_xstats)
{
	json_t *reply, *res;
	const json_t *up, *link, *xs;

	wait_traffic();
	res = ok(&reply, "show", "ports", NULL, NULL);
	up = by_name(res, "name", "up");
	link = json_object_get(up, "link");
	cr_assert_not_null(link);
	cr_assert(json_is_true(json_object_get(link, "up")));
	cr_assert_gt(ival(link, "speed_mbps"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(link, "duplex")), "full");
	xs = json_object_get(up, "xstats");
	cr_assert_gt(json_object_size(xs), 0);
	cr_assert_gt(ival(xs, "rx_good_packets"), 0);
	cr_assert_eq(ival(json_object_get(by_name(res, "name", "s1"), "xstats"), "rx_good_packets"),
		     0);
	json_decref(reply);
}

Test(ops, show_rxqs_has_usage_and_hides_sink_queues)
{
	json_t *reply, *res;
	const json_t *w, *q;

	wait_traffic();
	usleep(1200000); /* one rate window */
	res = ok(&reply, "show", "rxqs", NULL, NULL);
	w = json_array_get(res, 0);
	cr_assert_eq(json_array_size(json_object_get(w, "rxqs")), 1, "only up received");
	cr_assert_eq(ival(w, "hidden"), 2, "s0 and s1 are tx sinks");
	q = by_name(json_object_get(w, "rxqs"), "port", "up");
	cr_assert_not_null(q);
	cr_assert_gt(ival(q, "pkts"), 0);
	cr_assert_gt(json_real_value(json_object_get(q, "usage_pct")), 0.0);
	cr_assert_leq(json_real_value(json_object_get(q, "usage_pct")), 100.0);
	cr_assert_leq(json_real_value(json_object_get(q, "usage_pct")),
		      json_real_value(json_object_get(w, "busy_pct")) + 0.5);
	json_decref(reply);
	res = ok(&reply, "show", "rxqs", "all", NULL);
	cr_assert_eq(json_array_size(json_object_get(json_array_get(res, 0), "rxqs")), 3);
	json_decref(reply);
}

/* nfvswitch-ctl trace over the socket: the daemon's text for people, the data with --json;
 * the traced frame is not forwarded. */
Test(ops, trace_through_nfvswitch_ctl)
{
	char *argv[] = {(char *)env("NFVSWITCH_CTL_BIN"),	   "-s",	sock, "trace",
			"in_port=up,ip_dst=10.1.0.1,ip_proto=udp", "l4_dst=53", NULL};
	char *argv_json[] = {(char *)env("NFVSWITCH_CTL_BIN"),
			     "-s",
			     sock,
			     "--json",
			     "trace",
			     "in_port=up",
			     "hex=0102",
			     NULL};
	char *argv_bad[] = {
	    (char *)env("NFVSWITCH_CTL_BIN"), "-s", sock, "trace", "in_port=up,vlan=x", NULL};
	json_t *j;
	char *out;

	cr_assert_eq(run(argv, NULL, &out), 0, "%s", out);
	cr_assert(strstr(out, "rule: #1 to-s0 (source file, priority 10, line 10)"), "%s", out);
	cr_assert(strstr(out, "    -> s0 (port 1): eth_dst=00:00:00:00:00:00"), "%s", out);
	cr_assert(strstr(out, "result: sent to 1 port"), "%s", out);
	free(out);
	cr_assert_eq(run(argv_json, NULL, &out), 0, "%s", out);
	j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "not JSON: %s", out);
	cr_assert_str_eq(json_string_value(json_object_get(j, "drop_reason")), "malformed_runt");
	json_decref(j);
	free(out);
	cr_assert_eq(run(argv_bad, NULL, &out), 1, "%s", out);
	cr_assert(strstr(out, "trace: vlan: 'x'; expected 0..4095 or none"), "%s", out);
	free(out);
}

/* ---- docs ----------------------------------------------------------------------------------- */

Test(docs, operations_md_lists_every_command)
{
	char path[512];
	char *text;
	size_t i;

	snprintf(path, sizeof(path), "%s/docs/operations.md", env("NFVSWITCH_SOURCE_ROOT"));
	text = slurp(path);
	cr_assert_gt(strlen(text), 0, "cannot read %s", path);
	for (i = 0; i < VS_CTL_CMD_MAX; i++) {
		char want[80];

		snprintf(want, sizeof(want), "`%s", words[i]);
		cr_assert(strstr(text, want) != NULL, "docs/operations.md does not list %s",
			  words[i]);
	}
	free(text);
}
