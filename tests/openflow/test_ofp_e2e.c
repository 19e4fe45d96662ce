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
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "../vs_test_net.h"

#include "ofp_test_util.h"

static char cfg_text[2048];

static void
daemon_up(void)
{
	char in[128], text[2048];
	char *gen[] = {(char *)vs_oft_env("NFVSWITCH_PCAPGEN_BIN"),
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

	vs_oft_need_ofctl();
	vs_oft_workdir("vs-ofp-e2e");
	snprintf(in, sizeof(in), "%s/in.pcap", vs_oft.dir);
	snprintf(vs_oft.target, sizeof(vs_oft.target), "tcp:127.0.0.1:%u", port);
	cr_assert_eq(vs_oft_run(gen, NULL), 0);
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
		 vs_oft.prefix, vs_oft.sock, port, id, in, id + 100, id + 200);
	vs_oft_write_cfg(text);
	snprintf(cfg_text, sizeof(cfg_text), "%s", text);
	vs_oft_daemon_up(10, 10);
}

static void
daemon_down(void)
{
	vs_oft_stop(&vs_oft.daemon_pid, false, 10);
	vs_oft_rm_files();
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

	cr_assert_eq(vs_oft_ofctl(&out, NULL, "show", NULL), 0, "show: %s", out);
	cr_expect(strstr(out, "dpid:000000000000002a") != NULL, "%s", out);
	cr_expect(strstr(out, " 7(s1)") != NULL && strstr(out, " 2(s0)") != NULL, "%s", out);
	free(out);

	s0_before = vs_oft_port_tx("s0");
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "add-flow",
				  "priority=100,ip,nw_dst=10.1.0.2,actions=output:2"),
		     0, "add-flow: %s", out);
	free(out);

	r = vs_oft_rules_of("openflow");
	cr_assert_eq(json_array_size(r), 1, "openflow rules: %s", json_dumps(r, 0));
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(r, 0), "priority")), 100);
	json_decref(r);

	/* the flow's counter grows and s0 gets the traffic */
	for (i = 0, pk = 0; i < 100 && pk <= 0; i++) {
		usleep(50000);
		cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-flows", NULL), 0, "dump-flows: %s",
			     out);
		cr_assert(strstr(out, "priority=100,ip,nw_dst=10.1.0.2 actions=output:2") != NULL,
			  "dump-flows: %s", out);
		pk = n_packets(out);
		free(out);
	}
	cr_assert_gt(pk, 0, "the flow never counted a packet");
	s0_after = vs_oft_port_tx("s0");
	cr_expect_gt(s0_after, s0_before, "s0 got nothing");

	/* refused with the exact error, nothing installed */
	cr_expect_neq(
	    vs_oft_ofctl(&out, NULL, "add-flow", "table=1,priority=5,actions=goto_table:1"), 0);
	cr_expect(strstr(out, "OFPBIC_BAD_TABLE_ID") != NULL, "%s", out);
	free(out);
	cr_expect_neq(vs_oft_ofctl(&out, NULL, "add-flow", "priority=5,in_port=9,actions=drop"), 0);
	cr_expect(strstr(out, "OFPBMC_BAD_VALUE") != NULL, "%s", out);
	free(out);
	/* a VID mask must say whether there is a tag (OFPVID_PRESENT) */
	cr_expect_neq(
	    vs_oft_ofctl(&out, NULL, "add-flow", "priority=5,vlan_vid=0x0064/0x0fff,actions=drop"),
	    0);
	cr_expect(strstr(out, "OFPBMC_BAD_MASK") != NULL, "%s", out);
	free(out);
	r = vs_oft_rules_of("openflow");
	cr_expect_eq(json_array_size(r), 1);
	json_decref(r);

	/* del-flows takes the controller's flow and leaves the file's rule */
	s1_a = vs_oft_port_tx("s1");
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "del-flows", NULL), 0, "del-flows: %s", out);
	free(out);
	r = vs_oft_rules_of("openflow");
	cr_expect_eq(json_array_size(r), 0);
	json_decref(r);
	r = vs_oft_rules_of("file");
	cr_expect_eq(json_array_size(r), 1, "the file's rule went with del-flows");
	json_decref(r);
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-flows", NULL), 0);
	cr_expect_null(strstr(out, "priority=100"), "%s", out);
	free(out);
	/* s0 stops, s1 (the file rule) keeps forwarding */
	usleep(300000);
	s0_before = vs_oft_port_tx("s0");
	for (i = 0; i < 40 && (s1_b = vs_oft_port_tx("s1")) <= s1_a; i++)
		usleep(50000);
	cr_expect_gt(s1_b, s1_a, "the file rule stopped forwarding");
	usleep(300000);
	cr_expect_eq(vs_oft_port_tx("s0"), s0_before, "s0 still gets traffic after del-flows");
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

	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-ports", NULL), 0, "dump-ports: %s", out);
	cr_expect(strstr(out, "OFPST_PORT reply") != NULL && strstr(out, ": 3 ports") != NULL, "%s",
		  out);
	cr_expect(strstr(out, "duration=") != NULL, "%s", out);
	free(out);

	/* s0 (ofport 2): nothing goes there without a flow */
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-ports", "2"), 0, "dump-ports 2: %s", out);
	cr_expect(strstr(out, ": 1 ports") != NULL, "%s", out);
	cr_expect_eq(field(out, "port", "tx pkts="), 0, "%s", out);
	cr_expect_eq(field(out, "port", "rx pkts="), 0, "%s", out);
	free(out);

	/* s1 (ofport 7) gets the file rule's traffic: the OpenFlow counter is
	 * the switch's, read between two of nfvswitch-ctl's readings */
	s1_a = vs_oft_port_tx("s1");
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-ports", "7"), 0, "dump-ports 7: %s", out);
	s1_b = vs_oft_port_tx("s1");
	tx = field(out, "port", "tx pkts=");
	cr_expect(tx >= s1_a && tx <= s1_b, "s1 tx %lld outside [%lld, %lld]: %s", tx,
		  (long long)s1_a, (long long)s1_b, out);
	cr_expect_gt(tx, 0, "%s", out);
	free(out);

	/* the input port: received, nothing dropped */
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-ports", "1"), 0, "dump-ports 1: %s", out);
	cr_expect_gt(field(out, "port", "rx pkts="), 0, "%s", out);
	free(out);

	vs_oft_ofctl(&out, NULL, "dump-ports", "9"); /* ovs-ofctl prints the error, exits 0 */
	cr_expect(strstr(out, "OFPBRC_BAD_PORT") != NULL, "%s", out);
	free(out);

	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-ports-desc", NULL), 0, "dump-ports-desc: %s",
		     out);
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
	char *argv[] = {(char *)vs_oft_env("NFVSWITCH_CTL_BIN"), "-s", vs_oft.sock, "reload", NULL};
	char text[4096], *out;
	const char *rules = strstr(cfg_text, "rules:");

	cr_assert_not_null(rules);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(rules - cfg_text), cfg_text, extra, rules);
	vs_oft_write_cfg(text);
	cr_assert_eq(vs_oft_run(argv, &out), 0, "reload: %s", out);
	free(out);
}

/* Wait (up to 10 s) until the monitor's output holds what; whether it did. */
static bool
monitor_wait(const char *path, const char *what)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (strstr(vs_oft_slurp(path), what) != NULL)
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

	snprintf(mon, sizeof(mon), "%s/monitor.out", vs_oft.dir);
	snprintf(unixctl, sizeof(unixctl), "--unixctl=%s/ofctl.ctl", vs_oft.dir);
	monitor_pid = fork();
	cr_assert_geq(monitor_pid, 0);
	if (monitor_pid == 0) {
		int o = open(mon, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, 1);
		dup2(o, 2);
		execl(VS_OFT_OFCTL, VS_OFT_OFCTL, "-O", "OpenFlow13", unixctl, "monitor",
		      vs_oft.target, NULL);
		_exit(127);
	}
	/* the monitor is connected once the switch shows a connection up */
	for (int i = 0; i < 200; i++) {
		json_t *c;
		bool up;

		j = vs_oft_ctl_json("openflow");
		c = json_array_get(json_object_get(j, "conns"), 0);
		up = json_is_true(json_object_get(c, "up"));
		json_decref(j);
		if (up)
			break;
		cr_assert_eq(waitpid(monitor_pid, NULL, WNOHANG), 0, "monitor exited: %s",
			     vs_oft_slurp(mon));
		usleep(50000);
	}

	snprintf(extra, sizeof(extra),
		 "  - {name: s2, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"
		 "  - {name: v0, type: vhost, path: %s/v0.sock, mode: server}\n",
		 id + 50, vs_oft.dir);
	reload_with(extra);
	cr_expect(monitor_wait(mon, "ADD: 4(s2)"), "no PORT_STATUS ADD for s2: %s",
		  vs_oft_slurp(mon));
	cr_expect(monitor_wait(mon, "ADD: 5(v0)"), "no PORT_STATUS ADD for v0: %s",
		  vs_oft_slurp(mon));
	{
		const char *v0 = strstr(vs_oft_slurp(mon), "ADD: 5(v0)");

		cr_expect(v0 != NULL && strstr(v0, "LINK_DOWN") != NULL,
			  "v0 has no guest: its link is down: %s", vs_oft_slurp(mon));
	}
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-ports-desc", NULL), 0);
	cr_expect(strstr(out, " 4(s2)") != NULL && strstr(out, " 5(v0)") != NULL, "%s", out);
	free(out);

	reload_with("");
	cr_expect(monitor_wait(mon, "DEL: 4(s2)"), "no PORT_STATUS DELETE for s2: %s",
		  vs_oft_slurp(mon));
	cr_expect(monitor_wait(mon, "DEL: 5(v0)"), "no PORT_STATUS DELETE for v0: %s",
		  vs_oft_slurp(mon));
	j = vs_oft_ctl_json("openflow");
	cr_expect_geq(json_integer_value(json_object_get(j, "port_status_sent")), 4, "%s",
		      json_dumps(j, 0));
	json_decref(j);
}
