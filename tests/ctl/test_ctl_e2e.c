/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The nfvswitch daemon as a subprocess, driven by nfvswitch-ctl (its JSON
 * output parsed and checked), by DPDK's own telemetry client
 * (dpdk-telemetry.py), over HTTP for the metrics, and with SIGHUP and file
 * watching for reloads. The binaries come from meson through NFVSWITCH_BIN,
 * NFVSWITCH_CTL_BIN and NFVSWITCH_PCAPGEN_BIN.
 */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <regex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "../vs_test_net.h"

static char dir[64], cfg_path[128], sock[128], prefix[64];
static unsigned metrics_port;
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
read_file(const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f == NULL)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/*
 * Run argv with stdin from in (may be NULL), stdout and stderr into out/err
 * (malloc'd). uid >= 0: drop to that user first. Returns the exit status.
 */
static int
run_as(char *const argv[], const char *in, char **out, char **err, int uid)
{
	char opath[160], epath[160], ipath[160];
	int status;
	pid_t pid;

	snprintf(opath, sizeof(opath), "%s/cmd.out", dir);
	snprintf(epath, sizeof(epath), "%s/cmd.err", dir);
	snprintf(ipath, sizeof(ipath), "%s/cmd.in", dir);
	write_file(ipath, in ? in : "");
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int i = open(ipath, O_RDONLY);

		dup2(i, 0);
		dup2(o, 1);
		dup2(e, 2);
		if (uid >= 0 && setuid((uid_t)uid) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (out)
		*out = strdup(read_file(opath));
	if (err)
		*err = strdup(read_file(epath));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* nfvswitch-ctl -s SOCK ARGS...; returns the exit status. */
static int
ctl(char **out, char **err, const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[] = {(char *)env("NFVSWITCH_CTL_BIN"),
			"-s",
			sock,
			(char *)a1,
			(char *)a2,
			(char *)a3,
			(char *)a4,
			NULL};

	return run_as(argv, NULL, out, err, -1);
}

/* nfvswitch-ctl --json ... parsed; asserts it succeeded. */
static json_t *
ctl_json(const char *a1, const char *a2, const char *a3)
{
	json_error_t jerr;
	char *out, *err;
	json_t *j;
	int rc = ctl(&out, &err, "--json", a1, a2, a3);

	cr_assert_eq(rc, 0, "nfvswitch-ctl %s %s: exit %d: %s", a1, a2 ? a2 : "", rc, err);
	j = json_loads(out, 0, &jerr);
	cr_assert_not_null(j, "not JSON (%s): %s", jerr.text, out);
	free(out);
	free(err);
	return j;
}

#define CFG_FMT                                                                                    \
	"dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, file_prefix: %s,\n"                  \
	"       log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"                            \
	"workers: [{lcore: 1}]\n"                                                                  \
	"control: {stats_interval_ms: 0, socket: %s, watch_file: true,\n"                          \
	"          metrics_listen: \"127.0.0.1:%u\"}\n"                                            \
	"ports:\n"                                                                                 \
	"  - {name: up, type: ethdev, device: \"net_pcap%u,rx_pcap=%s/in.pcap,infinite_rx=1\"}\n"  \
	"  - {name: s0, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"                           \
	"  - {name: s1, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"                           \
	"rules:\n"                                                                                 \
	"  - {name: to-s0, priority: 10, match: {in_port: up, ip_dst: 10.1.0.0/32},\n"             \
	"     actions: [{output: s0}]}\n"                                                          \
	"  - {name: to-s1, priority: 10, match: {in_port: up, ip_dst: 10.1.0.1/32},\n"             \
	"     actions: [{output: s1}]}\n"                                                          \
	"%s"

static void
write_cfg(const char *extra_rules)
{
	char text[4096];
	char tmp[160];
	unsigned id = (unsigned)getpid() % 100;

	snprintf(text, sizeof(text), CFG_FMT, prefix, sock, metrics_port, id, dir, id + 100,
		 id + 200, extra_rules);
	snprintf(tmp, sizeof(tmp), "%s.tmp", cfg_path);
	write_file(tmp, text);
	cr_assert_eq(rename(tmp, cfg_path), 0);
}

static void
daemon_up(void)
{
	char in[128], log[160];
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
	int i;

	snprintf(dir, sizeof(dir), "/tmp/vs-ctl-e2e-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(cfg_path, sizeof(cfg_path), "%s/switch.yaml", dir);
	snprintf(sock, sizeof(sock), "%s/run/ctl.sock", dir);
	snprintf(prefix, sizeof(prefix), "vs-ctl-e2e-%d", getpid());
	snprintf(log, sizeof(log), "%s/daemon.log", dir);
	metrics_port = vs_test_free_tcp_port();
	cr_assert_eq(run_as(gen, NULL, NULL, NULL, -1), 0);
	write_cfg("");
	daemon_pid = fork();
	cr_assert_geq(daemon_pid, 0);
	if (daemon_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

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
			     read_file(log));
		usleep(50000);
	}
	cr_assert_lt(i, 200, "no control socket after 10 s: %s", read_file(log));
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

TestSuite(ctl, .init = daemon_up, .fini = daemon_down, .timeout = 90);

static const json_t *
by_name(const json_t *arr, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
	{
		const char *n = json_string_value(json_object_get(o, "name"));

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

/* Poll show ports until port has forwarded something. */
static void
wait_traffic(const char *port)
{
	int i;

	for (i = 0; i < 100; i++) {
		json_t *j = ctl_json("show", "ports", NULL);
		json_int_t tx = ival(by_name(j, port), "tx_pkts");

		json_decref(j);
		if (tx > 0)
			return;
		usleep(50000);
	}
	cr_assert_fail("no traffic out of %s", port);
}

Test(ctl, show_commands_answer_json)
{
	json_t *j, *w, *r;
	const json_t *up;
	struct stat st;

	cr_assert_eq(stat(sock, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "socket mode %o", st.st_mode & 0777);
	wait_traffic("s0");

	j = ctl_json("show", "ports", NULL);
	cr_assert_eq(json_array_size(j), 3);
	up = by_name(j, "up");
	cr_assert_not_null(up);
	cr_assert(json_is_true(json_object_get(up, "ready")));
	cr_assert_gt(ival(up, "rx_pkts"), 0);
	cr_assert_gt(ival(by_name(j, "s0"), "tx_pkts"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(by_name(j, "s1"), "type")), "ethdev");
	json_decref(j);

	j = ctl_json("show", "workers", NULL);
	cr_assert_eq(json_array_size(j), 1);
	w = json_array_get(j, 0);
	cr_assert_eq(ival(w, "lcore"), 1);
	cr_assert_gt(ival(w, "busy_cycles"), 0);
	cr_assert_gt(ival(json_object_get(w, "stage_cycles"), "classify"), 0);
	cr_assert_gt(ival(json_object_get(w, "stage_cycles"), "rx"), 0);
	cr_assert_eq(json_array_size(json_object_get(w, "burst_hist")), 6);
	cr_assert_geq(json_array_size(json_object_get(w, "rxqs")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(
			     json_array_get(json_object_get(w, "rxqs"), 0), "port")),
			 "up");
	cr_assert(json_is_number(json_object_get(json_object_get(w, "classifier"), "emc_hit_pct")));
	json_decref(j);
	/* A queue's cycles are part of its worker's busy cycles at every read,
	 * however a read falls against the worker's bursts. */
	for (int k = 0; k < 30; k++) {
		json_int_t sum = 0;
		size_t q;

		j = ctl_json("show", "workers", NULL);
		w = json_array_get(j, 0);
		for (q = 0; q < json_array_size(json_object_get(w, "rxqs")); q++)
			sum += ival(json_array_get(json_object_get(w, "rxqs"), q), "cycles");
		cr_assert_gt(sum, 0);
		cr_assert_leq(sum, ival(w, "busy_cycles"), "read %d: queues %lld > busy %lld", k,
			      (long long)sum, (long long)ival(w, "busy_cycles"));
		json_decref(j);
	}

	j = ctl_json("show", "rules", NULL);
	cr_assert(json_is_false(json_object_get(j, "differs_from_file")));
	r = json_object_get(j, "rules");
	cr_assert_eq(json_array_size(r), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(r, 0), "name")), "to-s0");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(r, 0), "actions")),
			 "output:s0");
	cr_assert_gt(ival(json_array_get(r, 0), "packets"), 0);
	cr_assert_gt(ival(json_array_get(r, 0), "bytes"), 0);
	json_decref(j);

	j = ctl_json("stats", NULL, NULL);
	cr_assert(json_is_object(json_object_get(j, "drops")));
	cr_assert_gt(ival(json_object_get(j, "drops"), "no_rule"), 0, "10.1.0.2/3 match nothing");
	cr_assert_eq(ival(json_object_get(j, "drops"), "tx_full"), 0);
	cr_assert_eq(json_array_size(json_object_get(j, "ports")), 3);
	json_decref(j);

	j = ctl_json("show", "vf", NULL);
	cr_assert_eq(json_array_size(j), 0);
	json_decref(j);
	j = ctl_json("show", "vhost", NULL);
	cr_assert_eq(json_array_size(j), 0);
	json_decref(j);
	j = ctl_json("rxq", "rebalance", NULL);
	cr_assert_eq(json_array_size(json_object_get(j, "after")), 1);
	cr_assert_eq(json_array_size(
			 json_object_get(json_array_get(json_object_get(j, "after"), 0), "rxqs")),
		     3, "up, s0 and s1 each have one rx queue");
	json_decref(j);
}

Test(ctl, top_prints_rates_per_port_and_worker)
{
	char *out, *err;

	wait_traffic("s0");
	cr_assert_eq(ctl(&out, &err, "top", "-x", NULL, NULL), 2);
	free(out);
	free(err);
	cr_assert_eq(ctl(&out, &err, "top", "-i", "0.3", "-n"), 2, "-n needs a count");
	free(out);
	free(err);
	cr_assert_eq(ctl(&out, &err, "top", "-n", "1", NULL), 0, "%s", err);
	cr_assert(strstr(out, "IN_MPPS") != NULL, "%s", out);
	cr_assert(strstr(out, "CYC/PKT") != NULL, "%s", out);
	cr_assert(strstr(out, "\nup ") != NULL && strstr(out, "\ns1 ") != NULL, "%s", out);
	free(out);
	free(err);
}

Test(ctl, rules_change_at_runtime_and_reloads_are_checked)
{
	char saved[128];
	char *check[] = {(char *)env("NFVSWITCH_BIN"), "--check", "-c", saved, NULL};
	char *out, *err;
	json_t *j;
	int i;

	/* Runtime rule: shown as differing from the file. */
	cr_assert_eq(ctl(&out, &err, "rule", "add",
			 "{name: to-s1-too, priority: 10, match: {in_port: up, ip_dst: "
			 "10.1.0.2/32}, actions: [{output: s1}]}",
			 NULL),
		     0, "%s", err);
	free(out);
	free(err);
	j = ctl_json("show", "rules", NULL);
	cr_assert(json_is_true(json_object_get(j, "differs_from_file")));
	cr_assert_eq(json_array_size(json_object_get(j, "rules")), 3);
	json_decref(j);
	cr_assert_eq(ctl(&out, &err, "rule", "add",
			 "{priority: 1, match: {in_port: x}, "
			 "actions: [drop]}",
			 NULL),
		     1);
	cr_assert(strstr(err, "\"x\" is not a defined port") != NULL, "%s", err);
	free(out);
	free(err);
	/* The running rules saved elsewhere make a valid file with all three. */
	snprintf(saved, sizeof(saved), "%s/saved.yaml", dir);
	cr_assert_eq(ctl(&out, &err, "save", saved, NULL, NULL), 0, "%s", err);
	cr_assert(strstr(out, "saved 3 ports and 3 rules") != NULL, "%s", out);
	free(out);
	free(err);
	cr_assert_eq(run_as(check, NULL, &out, &err, -1), 0, "%s %s", out, err);
	cr_assert(strstr(out, "3 rules") != NULL, "%s", out);
	free(out);
	free(err);

	/* A broken file is refused with its position; the rules stay. */
	write_cfg("  - {priority: 5, match: {in_port: up}, actions: [{output: nowhere}]}\n");
	cr_assert_eq(ctl(&out, &err, "reload", NULL, NULL, NULL), 1);
	cr_assert(strstr(err, "switch.yaml:15:") != NULL && strstr(err, "nowhere") != NULL, "%s",
		  err);
	free(out);
	free(err);
	j = ctl_json("show", "rules", NULL);
	cr_assert_eq(json_array_size(json_object_get(j, "rules")), 3);
	json_decref(j);

	/* A valid file through SIGHUP: the file wins. */
	write_cfg("  - {name: hup, priority: 5, match: {in_port: up}, actions: [drop]}\n");
	kill(daemon_pid, SIGHUP);
	for (i = 0; i < 100; i++) {
		const json_t *last;

		j = ctl_json("show", "rules", NULL);
		last = json_array_get(json_object_get(j, "rules"), 2);
		if (last && strcmp(json_string_value(json_object_get(last, "name")), "hup") == 0)
			break;
		json_decref(j);
		j = NULL;
		usleep(50000);
	}
	cr_assert_not_null(j, "SIGHUP did not reload");
	/* The runtime rule stays, after the file's rules, until --replace. */
	cr_assert(json_is_true(json_object_get(j, "differs_from_file")));
	cr_assert_str_eq(json_string_value(json_object_get(
			     json_array_get(json_object_get(j, "rules"), 3), "name")),
			 "to-s1-too");
	json_decref(j);
	cr_assert_eq(ctl(&out, &err, "reload", "--replace", NULL, NULL), 0, "%s", err);
	cr_assert(strstr(out, "1 removed") != NULL, "%s", out);
	free(out);
	free(err);
	j = ctl_json("show", "rules", NULL);
	cr_assert(json_is_false(json_object_get(j, "differs_from_file")));
	cr_assert_eq(json_array_size(json_object_get(j, "rules")), 3);
	json_decref(j);

	/* Watched file: an edit is picked up without a signal. */
	sleep(1); /* a new mtime even on coarse-grained file systems */
	write_cfg("  - {name: watched, priority: 5, match: {in_port: up}, actions: [drop]}\n");
	for (i = 0; i < 100; i++) {
		const json_t *last;

		j = ctl_json("show", "rules", NULL);
		last = json_array_get(json_object_get(j, "rules"), 2);
		if (last &&
		    strcmp(json_string_value(json_object_get(last, "name")), "watched") == 0)
			break;
		json_decref(j);
		j = NULL;
		usleep(50000);
	}
	cr_assert_not_null(j, "the file change was not picked up");
	json_decref(j);
	j = ctl_json("stats", NULL, NULL);
	/* The watcher may see an edit before the explicit reload or SIGHUP does:
	 * then the same file is applied (or refused) twice. */
	cr_assert_geq(ival(j, "reloads"), 2);
	cr_assert_geq(ival(j, "reload_failures"), 1);
	cr_assert_leq(ival(j, "reload_failures"), 2);
	json_decref(j);
}

/* Check an OpenMetrics text: every sample line is NAME{LABELS} VALUE of a
 * declared family, it ends with # EOF; return the value of the sample key. */
static double
check_metrics(const char *text, const char *key)
{
	regex_t sample;
	char *copy = strdup(text), *line, *save = NULL;
	double found = -1;
	bool eof = false;
	unsigned samples = 0;

	cr_assert_eq(regcomp(&sample,
			     "^([a-z_][a-z0-9_]*)(\\{[a-z_][a-z0-9_]*=\"[^\"]*\"(,[a-z_][a-z0-9_]*="
			     "\"[^\"]*\")*\\})? "
			     "[0-9]+(\\.[0-9]+)?$",
			     REG_EXTENDED),
		     0);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cr_assert(!eof, "text after # EOF: %s", line);
		if (strcmp(line, "# EOF") == 0) {
			eof = true;
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0 || strncmp(line, "# HELP ", 7) == 0)
			continue;
		cr_assert_eq(regexec(&sample, line, 0, NULL, 0), 0, "bad sample line: '%s'", line);
		samples++;
		if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ' ')
			found = atof(line + strlen(key) + 1);
	}
	cr_assert(eof, "no # EOF");
	cr_assert_gt(samples, 20);
	regfree(&sample);
	free(copy);
	return found;
}

static char *
http_get(const char *path)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)metrics_port)};
	static char buf[1 << 20];
	size_t len = 0;
	ssize_t n;
	char req[128];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect: %s",
		     strerror(errno));
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

Test(ctl, metrics_text_from_ctl_and_http)
{
	char *out, *err, *body, *resp;
	double v;

	wait_traffic("s0");
	cr_assert_eq(ctl(&out, &err, "metrics", NULL, NULL, NULL), 0, "%s", err);
	v = check_metrics(out, "nfvswitch_port_tx_packets_total{port=\"s0\"}");
	cr_assert_gt(v, 0, "s0 tx counter missing or 0");
	cr_assert(strstr(out, "# TYPE nfvswitch_drops counter") != NULL);
	cr_assert(strstr(out, "nfvswitch_drops_total{reason=\"no_rule\"}") != NULL);
	free(out);
	free(err);

	resp = http_get("/metrics");
	cr_assert(strncmp(resp, "HTTP/1.0 200 OK\r\n", 17) == 0, "%s", resp);
	cr_assert(strstr(resp, "Content-Type: application/openmetrics-text") != NULL, "%s", resp);
	body = strstr(resp, "\r\n\r\n");
	cr_assert_not_null(body);
	v = check_metrics(body + 4, "nfvswitch_rules");
	cr_assert_eq(v, 2);
	resp = http_get("/nope");
	cr_assert(strncmp(resp, "HTTP/1.0 404", 12) == 0, "%s", resp);
}

Test(ctl, dpdk_telemetry_client_reads_the_counters)
{
	char *argv[] = {"/usr/bin/env", "python3", "/usr/bin/dpdk-telemetry.py",
			"-f",		prefix,	   NULL};
	json_error_t jerr;
	char *out, *err, *line, *save = NULL;
	json_t *j;
	unsigned answered = 0;
	int rc;

	wait_traffic("s0");
	rc = run_as(argv,
		    "/nfvswitch/ports\n/nfvswitch/ports,up\n/nfvswitch/drops\n"
		    "/nfvswitch/workers\n/nfvswitch/info\n",
		    &out, &err, -1);
	cr_assert_eq(rc, 0, "dpdk-telemetry.py: %s %s", out, err);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const json_t *v;

		if (line[0] != '{')
			continue;
		j = json_loads(line, 0, &jerr);
		cr_assert_not_null(j, "not JSON: %s", line);
		if ((v = json_object_get(j, "/nfvswitch/ports")) != NULL) {
			if (json_is_array(v)) {
				cr_assert_eq(json_array_size(v), 3);
				cr_assert_str_eq(json_string_value(json_array_get(v, 0)), "up");
			} else {
				cr_assert_str_eq(json_string_value(json_object_get(v, "name")),
						 "up");
				cr_assert_gt(ival(v, "rx_pkts"), 0);
			}
			answered++;
		} else if ((v = json_object_get(j, "/nfvswitch/drops")) != NULL) {
			cr_assert_gt(ival(v, "no_rule"), 0);
			cr_assert_geq(ival(v, "total"), ival(v, "no_rule"));
			answered++;
		} else if ((v = json_object_get(j, "/nfvswitch/workers")) != NULL) {
			cr_assert_gt(ival(json_object_get(v, "worker0"), "rx_pkts"), 0);
			cr_assert_gt(ival(json_object_get(v, "worker0"), "cycles_classify"), 0);
			answered++;
		} else if ((v = json_object_get(j, "/nfvswitch/info")) != NULL) {
			cr_assert_eq(ival(v, "ports"), 3);
			answered++;
		}
		json_decref(j);
	}
	cr_assert_eq(answered, 5, "answers: %u in %s", answered, out);
	free(out);
	free(err);
}

Test(ctl, clear_errors_without_a_daemon)
{
	char *argv_none[] = {(char *)env("NFVSWITCH_CTL_BIN"), "-s", "/tmp/vs-no-such-dir/x.sock",
			     "stats", NULL};
	char *argv_ro[] = {(char *)env("NFVSWITCH_CTL_BIN"), "-s", sock, "stats", NULL};
	char stale[100];
	char *argv_stale[] = {(char *)env("NFVSWITCH_CTL_BIN"), "-s", stale, "stats", NULL};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *out, *err;
	int fd;

	cr_assert_eq(run_as(argv_none, NULL, &out, &err, -1), 3);
	cr_assert(strstr(err, "is nfvswitch running?") != NULL, "%s", err);
	free(out);
	free(err);

	/* A socket file nobody listens on (a daemon that was killed). */
	snprintf(stale, sizeof(stale), "%s/stale.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", stale);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	cr_assert_eq(run_as(argv_stale, NULL, &out, &err, -1), 3);
	cr_assert(strstr(err, "nothing listens") != NULL, "%s", err);
	free(out);
	free(err);

	/* Mode 0600: another user may not talk to the daemon. */
	if (geteuid() == 0) {
		chmod(dir, 0755);
		cr_assert_eq(run_as(argv_ro, NULL, &out, &err, 65534), 3, "%s", err);
		cr_assert(strstr(err, "permission denied") != NULL, "%s", err);
		free(out);
		free(err);
	}

	/* Bad usage and unknown commands. */
	cr_assert_eq(ctl(&out, &err, "show", "nothing", NULL, NULL), 2);
	free(out);
	free(err);
}

/* ---- SR-IOV through a real kernel: a veth in a private network namespace ------------------- */

/* veth has no VF operations: the kernel refuses every VF setting, which is
 * what show vf must then report, field by field. */
#define SRIOV_FMT                                                                                  \
	"dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, in_memory: true,\n"                  \
	"       file_prefix: %s, log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"           \
	"workers: [{lcore: 1}]\n"                                                                  \
	"control: {stats_interval_ms: 0, socket: %s}\n"                                            \
	"ports:\n"                                                                                 \
	"  - {name: a, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"                            \
	"  - {name: vf0p, type: ethdev, device: \"net_nullvf%u,no-rx=1\", vf: {pf: vsv0, id: "     \
	"0}}\n"                                                                                    \
	"sriov:\n"                                                                                 \
	"  - pf: vsv0\n"                                                                           \
	"    num_vfs: 2\n"                                                                         \
	"    vfs:\n"                                                                               \
	"      - {id: 0, mac: \"52:54:00:aa:00:00\", vlan: 100, spoofchk: true,\n"                 \
	"         extra_macs: [\"52:54:00:aa:00:01\"]}\n"                                          \
	"      - {id: %u, mac: \"%s\"}\n"

static void
write_sriov_cfg(unsigned vf1, const char *mac1)
{
	char text[2048], tmp[160];

	snprintf(text, sizeof(text), SRIOV_FMT, prefix, sock, (unsigned)getpid() % 100,
		 (unsigned)getpid() % 100, vf1, mac1);
	snprintf(tmp, sizeof(tmp), "%s.tmp", cfg_path);
	write_file(tmp, text);
	cr_assert_eq(rename(tmp, cfg_path), 0);
}

/*
 * Start nfvswitch -c cfg_path (log in dir/daemon.log) and wait for its
 * control socket; in_netns: in a private network namespace with a veth pair
 * vsv0/vsv1 (the test is skipped where that cannot be made).
 */
static void
spawn_daemon(bool in_netns)
{
	char log[160];
	int i;

	snprintf(log, sizeof(log), "%s/daemon.log", dir);
	daemon_pid = fork();
	cr_assert_geq(daemon_pid, 0);
	if (daemon_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		/* The namespace is the daemon's own; the veth goes with it. */
		if (in_netns &&
		    (unshare(CLONE_NEWNET) != 0 ||
		     system("ip link add vsv0 type veth peer name vsv1 && ip link set vsv0 up") !=
			 0))
			_exit(125);
		execl(env("NFVSWITCH_BIN"), "nfvswitch", "-c", cfg_path, NULL);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		struct stat st;
		int status;

		if (stat(sock, &st) == 0)
			break;
		if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
			daemon_pid = 0;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 125)
				cr_skip_test("no network namespace or veth support here");
			cr_assert_fail("daemon exited: %s", read_file(log));
		}
		usleep(50000);
	}
	cr_assert_lt(i, 200, "no control socket after 10 s: %s", read_file(log));
}

static void
sriov_daemon_up(void)
{

	if (geteuid() != 0)
		cr_skip_test("needs root for a network namespace with a veth");
	if (system("command -v ip >/dev/null 2>&1") != 0)
		cr_skip_test("no ip(8)");
	snprintf(dir, sizeof(dir), "/tmp/vs-ctl-sriov-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cfg_path, sizeof(cfg_path), "%s/switch.yaml", dir);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	snprintf(prefix, sizeof(prefix), "vs-ctl-sriov-%d", getpid());
	write_sriov_cfg(1, "52:54:00:aa:00:10");
	spawn_daemon(true);
}

TestSuite(ctl_sriov, .init = sriov_daemon_up, .fini = daemon_down, .timeout = 60);

/* show vf --json, once the field of vf has left "pending". */
static json_t *
vf_field(json_t **all, unsigned vf, const char *field)
{
	int i;

	for (i = 0; i < 100; i++) {
		json_t *j = ctl_json("show", "vf", NULL);
		json_t *f = json_object_get(
		    json_object_get(
			json_array_get(json_object_get(json_array_get(j, 0), "vfs"), vf), "fields"),
		    field);
		const char *st = json_string_value(json_object_get(f, "state"));

		if (st != NULL && strcmp(st, "pending") != 0) {
			*all = j;
			return f;
		}
		json_decref(j);
		usleep(50000);
	}
	cr_assert_fail("vf %u %s still pending", vf, field);
	return NULL;
}

Test(ctl_sriov, show_vf_reports_requested_against_applied_and_reload_follows)
{
	json_t *j, *f, *pf;
	char *out, *err;

	f = vf_field(&j, 0, "mac");
	pf = json_array_get(j, 0);
	cr_assert_str_eq(json_string_value(json_object_get(pf, "pf")), "vsv0");
	cr_assert_str_eq(json_string_value(json_object_get(pf, "state")), "managed");
	cr_assert_str_eq(json_string_value(json_object_get(pf, "driver")), "veth");
	cr_assert_str_eq(json_string_value(json_object_get(f, "requested")), "52:54:00:aa:00:00");
	cr_assert_str_eq(json_string_value(json_object_get(f, "state")), "failed");
	cr_assert(strstr(json_string_value(json_object_get(f, "msg")), "refused mac on VF 0") !=
		      NULL,
		  "%s", json_string_value(json_object_get(f, "msg")));
	cr_assert_not_null(json_object_get(
	    json_object_get(json_array_get(json_object_get(pf, "vfs"), 0), "fields"), "vlan"));
	json_decref(j);

	/* VF 0's DPDK port (vf0p) is tied to it: its extra MAC goes to that
	 * port, and net_null has no MAC filter table, so the VF reports the
	 * promiscuous fallback (it would wait for a port forever if unbound). */
	f = vf_field(&j, 0, "extra_macs");
	cr_assert_str_eq(json_string_value(json_object_get(f, "state")), "fallback", "%s",
			 json_string_value(json_object_get(f, "msg")));
	json_decref(j);

	/* A VF beyond num_vfs: refused as a whole, the VFs stay as they were. */
	write_sriov_cfg(5, "52:54:00:aa:00:10");
	cr_assert_eq(ctl(&out, &err, "reload", NULL, NULL, NULL), 1);
	cr_assert(strstr(err, "sriov") != NULL, "%s", err);
	free(out);
	free(err);
	f = vf_field(&j, 1, "mac");
	cr_assert_str_eq(json_string_value(json_object_get(f, "requested")), "52:54:00:aa:00:10");
	json_decref(j);

	/* A new MAC for VF 1 is requested (and refused by veth) after a reload. */
	write_sriov_cfg(1, "52:54:00:aa:00:99");
	cr_assert_eq(ctl(&out, &err, "reload", NULL, NULL, NULL), 0, "%s", err);
	free(out);
	free(err);
	f = vf_field(&j, 1, "mac");
	cr_assert_str_eq(json_string_value(json_object_get(f, "requested")), "52:54:00:aa:00:99");
	cr_assert_str_eq(json_string_value(json_object_get(f, "state")), "failed");
	json_decref(j);
	cr_assert_eq(ctl(&out, &err, "show", "vf", NULL, NULL), 0);
	cr_assert(strstr(out, "refused mac on VF 1") != NULL, "%s", out);
	free(out);
	free(err);
	/* mac, vlan, spoofchk of VF 0 and mac of VF 1: all refused by veth. */
	cr_assert_eq(ctl(&out, &err, "metrics", NULL, NULL, NULL), 0);
	cr_assert(strstr(out, "nfvswitch_vf_fields{pf=\"vsv0\",state=\"failed\"} 4\n") != NULL,
		  "%s", out);
	cr_assert(strstr(out, "nfvswitch_vf_fields{pf=\"vsv0\",state=\"ok\"} 0\n") != NULL, "%s",
		  out);
	free(out);
	free(err);
}

/* ---- vhost-user ports ------------------------------------------------------------------------ */

static void
vhost_daemon_up(void)
{
	char text[2048];

	snprintf(dir, sizeof(dir), "/tmp/vs-ctl-vhost-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cfg_path, sizeof(cfg_path), "%s/switch.yaml", dir);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	snprintf(prefix, sizeof(prefix), "vs-ctl-vhost-%d", getpid());
	snprintf(text, sizeof(text),
		 "dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, in_memory: true,\n"
		 "       file_prefix: %s, log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"
		 "workers: [{lcore: 1}]\n"
		 "control: {stats_interval_ms: 0, socket: %s}\n"
		 "ports:\n"
		 "  - {name: a, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"
		 "  - {name: vm1, type: vhost, path: %s/vm1.sock, mode: server, queues: 2}\n",
		 prefix, sock, (unsigned)getpid() % 100, dir);
	write_file(cfg_path, text);
	spawn_daemon(false);
}

TestSuite(ctl_vhost, .init = vhost_daemon_up, .fini = daemon_down, .timeout = 60);

/* show vhost --json until vm1's state is want; returns its "vhost" object's owner. */
static json_t *
vhost_state(const char *want, const json_t **vh)
{
	int i;

	for (i = 0; i < 100; i++) {
		json_t *j = ctl_json("show", "vhost", NULL);
		const json_t *v = json_object_get(json_array_get(j, 0), "vhost");

		cr_assert_eq(json_array_size(j), 1, "only vm1 is a vhost port");
		if (strcmp(json_string_value(json_object_get(v, "state")), want) == 0) {
			*vh = v;
			return j;
		}
		json_decref(j);
		usleep(50000);
	}
	cr_assert_fail("vm1 never became %s", want);
	return NULL;
}

Test(ctl_vhost, show_vhost_follows_the_socket)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const json_t *v;
	json_t *j;
	char *out, *err;
	int fd;

	j = vhost_state("waiting", &v);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "mode")),
			 "server");
	cr_assert(json_is_false(json_object_get(json_array_get(j, 0), "ready")));
	cr_assert_eq(ival(v, "connections"), 0);
	cr_assert_eq(ival(v, "queue_pairs"), 2);
	cr_assert_eq(json_array_size(json_object_get(v, "queues")), 2);
	json_decref(j);
	/* A peer on the socket (no vhost-user protocol spoken): connected, not running. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vm1.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	j = vhost_state("connected", &v);
	cr_assert_eq(ival(v, "connections"), 1);
	cr_assert_eq(ival(v, "vid"), -1);
	json_decref(j);
	cr_assert_eq(ctl(&out, &err, "show", "vhost", NULL, NULL), 0, "%s", err);
	cr_assert(strstr(out, "vm1") != NULL && strstr(out, "connected") != NULL, "%s", out);
	free(out);
	free(err);
	close(fd);
	j = vhost_state("waiting", &v);
	json_decref(j);
}
