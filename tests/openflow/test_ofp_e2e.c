/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon driven by the real OpenFlow client: ovs-ofctl -O OpenFlow13
 * (Debian's openvswitch-common) against the passive listener adds a flow,
 * dumps it with its packet counter, sees malformed or unsupported flows
 * refused with their error codes, and deletes everything; nfvswitch-ctl
 * shows the rule with source openflow, the file's rule untouched, and the
 * port counters show traffic following the flow. dump-ports reads the
 * switch's port counters (PORT_STATS) and dump-ports-desc their state;
 * ovs-ofctl monitor sees PORT_STATUS when a reload adds and removes ports.
 * Skipped (cr_skip) only when ovs-ofctl is not installed.
 */
#define _XOPEN_SOURCE 700
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

#include "../vs_test_net.h"

#define OFCTL "/usr/bin/ovs-ofctl"

static char dir[64], cfg_path[128], sock[128], prefix[64], target[64], cfg_text[2048];
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
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static char *
slurp(const char *path)
{
	static char buf[1 << 18];
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

/* Run argv, stdout+stderr into *out (malloc'd); the exit status. */
static int
run(char *const argv[], char **out)
{
	char opath[160];
	int status;
	pid_t pid;

	snprintf(opath, sizeof(opath), "%s/cmd.out", dir);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, 1);
		dup2(o, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (out)
		*out = strdup(slurp(opath));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int
ofctl(char **out, const char *cmd, const char *arg)
{
	char *argv[] = {OFCTL, "-O", "OpenFlow13", (char *)cmd, target, (char *)arg, NULL};

	return run(argv, out);
}

static json_t *
ctl_json(const char *what)
{
	char *argv[] = {
	    (char *)env("NFVSWITCH_CTL_BIN"), "-s", sock, "--json", "show", (char *)what, NULL};
	json_error_t jerr;
	char *out;
	json_t *j;

	cr_assert_eq(run(argv, &out), 0, "show %s: %s", what, out);
	j = json_loads(out, 0, &jerr);
	cr_assert_not_null(j, "not JSON (%s): %s", jerr.text, out);
	free(out);
	return j;
}

static json_int_t
port_tx(const char *name)
{
	json_t *j = ctl_json("ports"), *o;
	json_int_t tx = -1;
	size_t i;

	json_array_foreach(j, i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
			tx = json_integer_value(json_object_get(o, "tx_pkts"));
	}
	json_decref(j);
	cr_assert_geq(tx, 0, "no port %s", name);
	return tx;
}

/* The live rules of source src (a JSON array the caller frees). */
static json_t *
rules_of(const char *src)
{
	json_t *j = ctl_json("rules"), *out = json_array(), *r;
	size_t i;

	json_array_foreach(json_object_get(j, "rules"), i, r)
	{
		const char *s = json_string_value(json_object_get(r, "source"));

		if (s != NULL && strcmp(s, src) == 0)
			json_array_append(out, r);
	}
	json_decref(j);
	return out;
}

static void
daemon_up(void)
{
	char in[128], log[160], text[2048];
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
	unsigned id = (unsigned)getpid() % 100, port = vs_test_free_tcp_port();
	FILE *f;
	int i;

	if (access(OFCTL, X_OK) != 0)
		cr_skip_test("ovs-ofctl is not installed (apt-get install openvswitch-common)");
	snprintf(dir, sizeof(dir), "/tmp/vs-ofp-e2e-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(cfg_path, sizeof(cfg_path), "%s/switch.yaml", dir);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	snprintf(prefix, sizeof(prefix), "vs-ofp-e2e-%d", getpid());
	snprintf(log, sizeof(log), "%s/daemon.log", dir);
	snprintf(target, sizeof(target), "tcp:127.0.0.1:%u", port);
	cr_assert_eq(run(gen, NULL), 0);
	/* 10.1.0.0 goes to s1 by a file rule; the rest misses until a controller
	 * sends it somewhere. ofports: up 1, s0 2 (by position), s1 7. */
	snprintf(text, sizeof(text),
		 "dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, file_prefix: %s,\n"
		 "       log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"
		 "workers: [{lcore: 1}]\n"
		 "control: {stats_interval_ms: 0, socket: %s}\n"
		 "openflow: {listen: \"ptcp:%u\", datapath_id: 0x2a}\n"
		 "ports:\n"
		 "  - {name: up, type: ethdev, device: \"net_pcap%u,rx_pcap=%s,infinite_rx=1\"}\n"
		 "  - {name: s0, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"
		 "  - {name: s1, type: ethdev, device: \"net_null%u,no-rx=1\", ofport: 7}\n"
		 "rules:\n"
		 "  - {name: file-s1, priority: 10, match: {ip_dst: 10.1.0.0/32},\n"
		 "     actions: [{output: s1}]}\n",
		 prefix, sock, port, id, in, id + 100, id + 200);
	f = fopen(cfg_path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	snprintf(cfg_text, sizeof(cfg_text), "%s", text);
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
		if (strstr(slurp(log), "openflow: listening") != NULL && access(sock, F_OK) == 0)
			break;
		cr_assert_eq(waitpid(daemon_pid, NULL, WNOHANG), 0, "daemon exited: %s",
			     slurp(log));
		usleep(50000);
	}
	cr_assert_lt(i, 200, "no OpenFlow listener after 10 s: %s", slurp(log));
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
	if (dir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	nftw(path, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(openflow, .init = daemon_up, .fini = daemon_down, .timeout = 90);

/* n_packets=N of the first flow line of a dump-flows output; -1 when none. */
static long long
n_packets(const char *dump)
{
	const char *p = strstr(dump, "n_packets=");

	return p ? atoll(p + 10) : -1;
}

Test(openflow, ovs_ofctl_add_dump_delete_and_traffic)
{
	char *out;
	json_t *r;
	json_int_t s0_before, s0_after, s1_a, s1_b;
	long long pk;
	int i;

	cr_assert_eq(ofctl(&out, "show", NULL), 0, "show: %s", out);
	cr_expect(strstr(out, "dpid:000000000000002a") != NULL, "%s", out);
	cr_expect(strstr(out, " 7(s1)") != NULL && strstr(out, " 2(s0)") != NULL, "%s", out);
	free(out);

	s0_before = port_tx("s0");
	cr_assert_eq(ofctl(&out, "add-flow", "priority=100,ip,nw_dst=10.1.0.2,actions=output:2"), 0,
		     "add-flow: %s", out);
	free(out);

	r = rules_of("openflow");
	cr_assert_eq(json_array_size(r), 1, "openflow rules: %s", json_dumps(r, 0));
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(r, 0), "priority")), 100);
	json_decref(r);

	/* the flow's counter grows and s0 gets the traffic */
	for (i = 0, pk = 0; i < 100 && pk <= 0; i++) {
		usleep(50000);
		cr_assert_eq(ofctl(&out, "dump-flows", NULL), 0, "dump-flows: %s", out);
		cr_assert(strstr(out, "priority=100,ip,nw_dst=10.1.0.2 actions=output:2") != NULL,
			  "dump-flows: %s", out);
		pk = n_packets(out);
		free(out);
	}
	cr_assert_gt(pk, 0, "the flow never counted a packet");
	s0_after = port_tx("s0");
	cr_expect_gt(s0_after, s0_before, "s0 got nothing");

	/* refused with the exact error, nothing installed */
	cr_expect_neq(ofctl(&out, "add-flow", "table=1,priority=5,actions=goto_table:1"), 0);
	cr_expect(strstr(out, "OFPBIC_BAD_TABLE_ID") != NULL, "%s", out);
	free(out);
	cr_expect_neq(ofctl(&out, "add-flow", "priority=5,in_port=9,actions=drop"), 0);
	cr_expect(strstr(out, "OFPBMC_BAD_VALUE") != NULL, "%s", out);
	free(out);
	/* a VID mask must say whether there is a tag (OFPVID_PRESENT) */
	cr_expect_neq(ofctl(&out, "add-flow", "priority=5,vlan_vid=0x0064/0x0fff,actions=drop"), 0);
	cr_expect(strstr(out, "OFPBMC_BAD_MASK") != NULL, "%s", out);
	free(out);
	r = rules_of("openflow");
	cr_expect_eq(json_array_size(r), 1);
	json_decref(r);

	/* del-flows takes the controller's flow and leaves the file's rule */
	s1_a = port_tx("s1");
	cr_assert_eq(ofctl(&out, "del-flows", NULL), 0, "del-flows: %s", out);
	free(out);
	r = rules_of("openflow");
	cr_expect_eq(json_array_size(r), 0);
	json_decref(r);
	r = rules_of("file");
	cr_expect_eq(json_array_size(r), 1, "the file's rule went with del-flows");
	json_decref(r);
	cr_assert_eq(ofctl(&out, "dump-flows", NULL), 0);
	cr_expect_null(strstr(out, "priority=100"), "%s", out);
	free(out);
	/* s0 stops, s1 (the file rule) keeps forwarding */
	usleep(300000);
	s0_before = port_tx("s0");
	for (i = 0; i < 40 && (s1_b = port_tx("s1")) <= s1_a; i++)
		usleep(50000);
	cr_expect_gt(s1_b, s1_a, "the file rule stopped forwarding");
	usleep(300000);
	cr_expect_eq(port_tx("s0"), s0_before, "s0 still gets traffic after del-flows");
}

/* The value after `key` (e.g. "tx pkts=") in text from `from` on; -1 when none. */
static long long
field(const char *text, const char *from, const char *key)
{
	const char *p = strstr(text, from);

	p = p ? strstr(p, key) : NULL;
	return p ? atoll(p + strlen(key)) : -1;
}

/*
 * dump-ports: PORT_STATS for every port and for one, the counters between
 * two readings of nfvswitch-ctl's; an unknown port is BAD_PORT.
 * dump-ports-desc: every port LIVE, with its number and name.
 */
Test(openflow, ovs_ofctl_dump_ports)
{
	json_int_t s1_a, s1_b;
	long long tx;
	char *out;

	cr_assert_eq(ofctl(&out, "dump-ports", NULL), 0, "dump-ports: %s", out);
	cr_expect(strstr(out, "OFPST_PORT reply") != NULL && strstr(out, ": 3 ports") != NULL, "%s",
		  out);
	cr_expect(strstr(out, "duration=") != NULL, "%s", out);
	free(out);

	/* s0 (ofport 2): nothing goes there without a flow */
	cr_assert_eq(ofctl(&out, "dump-ports", "2"), 0, "dump-ports 2: %s", out);
	cr_expect(strstr(out, ": 1 ports") != NULL, "%s", out);
	cr_expect_eq(field(out, "port", "tx pkts="), 0, "%s", out);
	cr_expect_eq(field(out, "port", "rx pkts="), 0, "%s", out);
	free(out);

	/* s1 (ofport 7) gets the file rule's traffic: the OpenFlow counter is
	 * the switch's, read between two of nfvswitch-ctl's readings */
	s1_a = port_tx("s1");
	cr_assert_eq(ofctl(&out, "dump-ports", "7"), 0, "dump-ports 7: %s", out);
	s1_b = port_tx("s1");
	tx = field(out, "port", "tx pkts=");
	cr_expect(tx >= s1_a && tx <= s1_b, "s1 tx %lld outside [%lld, %lld]: %s", tx,
		  (long long)s1_a, (long long)s1_b, out);
	cr_expect_gt(tx, 0, "%s", out);
	free(out);

	/* the input port: received, nothing dropped */
	cr_assert_eq(ofctl(&out, "dump-ports", "1"), 0, "dump-ports 1: %s", out);
	cr_expect_gt(field(out, "port", "rx pkts="), 0, "%s", out);
	free(out);

	ofctl(&out, "dump-ports", "9"); /* ovs-ofctl prints the error, exits 0 */
	cr_expect(strstr(out, "OFPBRC_BAD_PORT") != NULL, "%s", out);
	free(out);

	cr_assert_eq(ofctl(&out, "dump-ports-desc", NULL), 0, "dump-ports-desc: %s", out);
	cr_expect(strstr(out, " 7(s1)") != NULL && strstr(out, " 1(up)") != NULL, "%s", out);
	cr_expect(strstr(out, "LIVE") != NULL, "%s", out);
	cr_expect_null(strstr(out, "LINK_DOWN"), "%s", out);
	free(out);
}

static pid_t monitor_pid;

/* A test's .fini replaces the suite's: the monitor, then the daemon. */
static void
monitor_stop(void)
{
	if (monitor_pid > 0) {
		kill(monitor_pid, SIGKILL);
		waitpid(monitor_pid, NULL, 0);
		monitor_pid = 0;
	}
	daemon_down();
}

/* Write the daemon's config anew with extra appended to its ports, reload. */
static void
reload_with(const char *extra)
{
	char *argv[] = {(char *)env("NFVSWITCH_CTL_BIN"), "-s", sock, "reload", NULL};
	char text[4096], *out;
	FILE *f;
	const char *rules = strstr(cfg_text, "rules:");

	cr_assert_not_null(rules);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(rules - cfg_text), cfg_text, extra, rules);
	f = fopen(cfg_path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(run(argv, &out), 0, "reload: %s", out);
	free(out);
}

/* Wait (up to 10 s) until the monitor's output holds what; whether it did. */
static bool
monitor_wait(const char *path, const char *what)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (strstr(slurp(path), what) != NULL)
			return true;
		usleep(50000);
	}
	return false;
}

/*
 * PORT_STATUS: ovs-ofctl monitor (a real controller's view) sees a reload
 * add a net_null port (ADD, with its number and name), a vhost server port
 * without its guest (ADD, LINK_DOWN), and a reload remove both (DELETE,
 * which ovs-ofctl prints DEL).
 */
Test(openflow, ovs_ofctl_monitor_port_status, .fini = monitor_stop)
{
	char mon[160], extra[512], unixctl[200], *out;
	unsigned id = (unsigned)getpid() % 100;
	json_t *j;

	snprintf(mon, sizeof(mon), "%s/monitor.out", dir);
	snprintf(unixctl, sizeof(unixctl), "--unixctl=%s/ofctl.ctl", dir);
	monitor_pid = fork();
	cr_assert_geq(monitor_pid, 0);
	if (monitor_pid == 0) {
		int o = open(mon, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, 1);
		dup2(o, 2);
		execl(OFCTL, OFCTL, "-O", "OpenFlow13", unixctl, "monitor", target, NULL);
		_exit(127);
	}
	/* the monitor is connected once the switch shows a connection up */
	for (int i = 0; i < 200; i++) {
		json_t *c;
		bool up;

		j = ctl_json("openflow");
		c = json_array_get(json_object_get(j, "conns"), 0);
		up = json_is_true(json_object_get(c, "up"));
		json_decref(j);
		if (up)
			break;
		cr_assert_eq(waitpid(monitor_pid, NULL, WNOHANG), 0, "monitor exited: %s",
			     slurp(mon));
		usleep(50000);
	}

	snprintf(extra, sizeof(extra),
		 "  - {name: s2, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"
		 "  - {name: v0, type: vhost, path: %s/v0.sock, mode: server}\n",
		 id + 50, dir);
	reload_with(extra);
	cr_expect(monitor_wait(mon, "ADD: 4(s2)"), "no PORT_STATUS ADD for s2: %s", slurp(mon));
	cr_expect(monitor_wait(mon, "ADD: 5(v0)"), "no PORT_STATUS ADD for v0: %s", slurp(mon));
	{
		const char *v0 = strstr(slurp(mon), "ADD: 5(v0)");

		cr_expect(v0 != NULL && strstr(v0, "LINK_DOWN") != NULL,
			  "v0 has no guest: its link is down: %s", slurp(mon));
	}
	cr_assert_eq(ofctl(&out, "dump-ports-desc", NULL), 0);
	cr_expect(strstr(out, " 4(s2)") != NULL && strstr(out, " 5(v0)") != NULL, "%s", out);
	free(out);

	reload_with("");
	cr_expect(monitor_wait(mon, "DEL: 4(s2)"), "no PORT_STATUS DELETE for s2: %s", slurp(mon));
	cr_expect(monitor_wait(mon, "DEL: 5(v0)"), "no PORT_STATUS DELETE for v0: %s", slurp(mon));
	j = ctl_json("openflow");
	cr_expect_geq(json_integer_value(json_object_get(j, "port_status_sent")), 4, "%s",
		      json_dumps(j, 0));
	json_decref(j);
}
