/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenFlow tables end to end with ovs-ofctl -O OpenFlow13 (Debian's
 * openvswitch-common; skipped without it):
 *  - a three-table pipeline (goto_table, an output before a goto, a table
 *    without a miss flow) carries a finite capture: the capture's port is
 *    added by a reload once the flows are in, so every packet meets the
 *    pipeline and the ports' tx counts, the flows' n_packets, dump-tables
 *    and dump-aggregate are exact; show openflow gives the number of
 *    classifier rules the pipeline became;
 *  - idle and hard timeouts and a delete of a send_flow_rem flow: the flows
 *    go and `ovs-ofctl monitor` prints their FLOW_REMOVED with reasons idle,
 *    hard and delete;
 *  - errors: goto to an earlier table, a table the switch does not have, an
 *    overlap with check_overlap.
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

static char in_pcap[128], cfg_text[4096];

static void
write_cfg(bool with_in)
{
	FILE *f = fopen(vs_oft.cfg_path, "w");

	cr_assert_not_null(f);
	fputs(cfg_text, f);
	if (with_in)
		fprintf(f, "  - {name: in, type: ethdev, device: \"net_pcap%u,rx_pcap=%s\"}\n",
			(unsigned)getpid() % 100 + 50, in_pcap);
	fclose(f);
}

static void
daemon_up(void)
{
	char *gen[] = {(char *)vs_oft_env("NFVSWITCH_PCAPGEN_BIN"),
		       "-o",
		       in_pcap,
		       "--flows",
		       "3",
		       "--count",
		       "90",
		       "--dst-ips",
		       "2",
		       "--dports",
		       "3",
		       NULL};
	unsigned id = (unsigned)getpid() % 100, port = vs_test_free_tcp_port();

	vs_oft_need_ofctl();
	vs_oft_workdir("vs-of-tables");
	snprintf(in_pcap, sizeof(in_pcap), "%s/in.pcap", vs_oft.dir);
	snprintf(vs_oft.target, sizeof(vs_oft.target), "tcp:127.0.0.1:%u", port);
	/* ovs-ofctl monitor makes its control socket there */
	setenv("OVS_RUNDIR", vs_oft.dir, 1);
	/* 90 UDP packets, 30 of each: 10.1.0.0:5000, 10.1.0.1:5001, 10.1.0.0:5002 */
	cr_assert_eq(vs_oft_run(gen, NULL), 0);
	snprintf(cfg_text, sizeof(cfg_text),
		 "dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, file_prefix: %s,\n"
		 "       log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"
		 "workers: [{lcore: 1}]\n"
		 "control: {stats_interval_ms: 0, socket: %s}\n"
		 "openflow: {listen: \"ptcp:%u\", tables: 4}\n"
		 "ports:\n"
		 "  - {name: s0, type: ethdev, device: \"net_null%u,no-rx=1\", ofport: 2}\n"
		 "  - {name: s1, type: ethdev, device: \"net_null%u,no-rx=1\", ofport: 7}\n",
		 vs_oft.prefix, vs_oft.sock, port, id + 100, id + 200);
	write_cfg(false);
	/* 60 s: DPDK's start takes long on a loaded machine */
	vs_oft_daemon_up(60, 10);
}

static void
daemon_down(void)
{
	vs_oft_stop(&vs_oft.daemon_pid, false, 10);
	vs_oft_rm_files();
}

TestSuite(of_tables, .init = daemon_up, .fini = daemon_down, .timeout = 110);

static void
add_flow(const char *flow)
{
	char *out;

	cr_assert_eq(vs_oft_ofctl(&out, NULL, "add-flow", flow), 0, "add-flow %s: %s", flow, out);
	free(out);
}

/* n_packets of the dump-flows line that holds what; -1 when none. */
static long long
packets_of(const char *dump, const char *what)
{
	const char *line = strstr(dump, what), *p;

	if (line == NULL)
		return -1;
	while (line > dump && line[-1] != '\n')
		line--;
	p = strstr(line, "n_packets=");
	return p ? atoll(p + 10) : -1;
}

static json_int_t
openflow_count(const char *key)
{
	json_t *j = vs_oft_ctl_json("openflow");
	json_int_t v = json_integer_value(json_object_get(json_object_get(j, "flows"), key));

	json_decref(j);
	return v;
}

Test(of_tables, three_tables_carry_a_capture_with_exact_counts)
{
	char *argv[] = {(char *)vs_oft_env("NFVSWITCH_CTL_BIN"), "-s", vs_oft.sock, "reload", NULL};
	char *out;
	long long pk;
	int i;

	/* table 0: IPv4 goes on; table 1: 10.1.0.0 is copied to s0 (output before
	 * the goto), everything goes on; table 2: port 5001 to s1, port 5000
	 * dropped, and no miss flow: 5002 is dropped there */
	add_flow("table=0,priority=10,ip,actions=goto_table:1");
	add_flow("table=1,priority=20,ip,nw_dst=10.1.0.0,actions=output:2,goto_table:2");
	add_flow("table=1,priority=5,ip,actions=goto_table:2");
	add_flow("table=2,priority=10,udp,tp_dst=5001,actions=output:7");
	add_flow("table=2,priority=10,udp,tp_dst=5000,actions=drop");
	/* two table-1 flows x (two table-2 flows + the miss of table 2) */
	cr_expect_eq(openflow_count("classifier_rules"), 6);
	cr_expect_eq(openflow_count("flows"), 5);
	cr_expect_eq(openflow_count("tables"), 4);
	{
		json_t *r = vs_oft_rules_of("openflow");

		cr_expect_eq(json_array_size(r), 6, "show rules: %s", json_dumps(r, 0));
		json_decref(r);
	}

	/* the capture's port comes with a reload: the flows stay */
	write_cfg(true);
	cr_assert_eq(vs_oft_run(argv, &out), 0, "reload: %s", out);
	free(out);
	for (i = 0; i < 400 && vs_oft_port_tx("s0") + vs_oft_port_tx("s1") < 90; i++)
		usleep(50000);
	usleep(300000);
	cr_expect_eq(vs_oft_port_tx("s0"), 60, "s0: 10.1.0.0 (ports 5000 and 5002)");
	cr_expect_eq(vs_oft_port_tx("s1"), 30, "s1: port 5001");

	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-flows", NULL), 0, "dump-flows: %s", out);
	cr_expect_eq(packets_of(out, "priority=10,ip actions=goto_table:1"), 90, "%s", out);
	cr_expect_eq(packets_of(out, "nw_dst=10.1.0.0 actions=output:2,goto_table:2"), 60, "%s",
		     out);
	cr_expect_eq(packets_of(out, "priority=5,ip actions=goto_table:2"), 30, "%s", out);
	cr_expect_eq(packets_of(out, "tp_dst=5001 actions=output:7"), 30, "%s", out);
	cr_expect_eq(packets_of(out, "tp_dst=5000 actions=drop"), 30, "%s", out);
	free(out);

	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-aggregate", "table=1"), 0, "%s", out);
	cr_expect(strstr(out, "packet_count=90 byte_count=5760 flow_count=2") != NULL, "%s", out);
	free(out);
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-aggregate", "table=2"), 0, "%s", out);
	cr_expect(strstr(out, "packet_count=60 byte_count=3840 flow_count=2") != NULL, "%s", out);
	free(out);
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-aggregate", "udp,tp_dst=5001"), 0, "%s", out);
	cr_expect(strstr(out, "packet_count=30 byte_count=1920 flow_count=1") != NULL, "%s", out);
	free(out);

	/* tables 0 and 1 see all 90, table 2 matches 60 of the 90 it looks up */
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-tables", NULL), 0, "%s", out);
	cr_expect(strstr(out, "active=1, lookup=90, matched=90") != NULL, "%s", out);
	cr_expect(strstr(out, "active=2, lookup=90, matched=90") != NULL, "%s", out);
	cr_expect(strstr(out, "active=2, lookup=90, matched=60") != NULL, "%s", out);
	free(out);

	/* deleting table 2's flows leaves only the misses of table 2: s0's copy stays */
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "del-flows", "table=2"), 0, "%s", out);
	free(out);
	cr_expect_eq(openflow_count("classifier_rules"), 2);
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-flows", NULL), 0, "dump-flows: %s", out);
	pk = packets_of(out, "priority=5,ip actions=goto_table:2");
	cr_expect_eq(pk, 30, "a table-1 flow lost its count when table 2 changed: %s", out);
	free(out);
}

Test(of_tables, timeouts_and_flow_removed)
{
	char *mon[] = {VS_OFT_OFCTL, "-O",	    "OpenFlow13", "--timeout=12",
		       "monitor",    vs_oft.target, NULL};
	char mpath[160], *out;
	pid_t mpid;
	int i, status;

	snprintf(mpath, sizeof(mpath), "%s/monitor.out", vs_oft.dir);
	mpid = fork();
	cr_assert_geq(mpid, 0);
	if (mpid == 0) {
		int o = open(mpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, 1);
		dup2(o, 2);
		execv(mon[0], mon);
		_exit(127);
	}
	/* the monitor is connected when the switch has a connection */
	for (i = 0; i < 200; i++) {
		json_t *j = vs_oft_ctl_json("openflow");
		json_int_t n = json_integer_value(json_object_get(j, "connections"));

		json_decref(j);
		if (n >= 1)
			break;
		usleep(50000);
	}
	add_flow("table=0,priority=50,ip,nw_dst=10.9.9.9,idle_timeout=1,send_flow_rem,"
		 "actions=output:2");
	add_flow("table=1,priority=50,ip,nw_dst=10.9.9.8,hard_timeout=2,send_flow_rem,"
		 "actions=output:7");
	add_flow("table=0,priority=40,ip,nw_dst=10.9.9.7,hard_timeout=1,actions=output:7");
	add_flow("table=2,priority=70,cookie=0x5,udp,tp_dst=5009,send_flow_rem,actions=output:7");
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "del-flows", "table=2,udp,tp_dst=5009"), 0, "%s",
		     out);
	free(out);
	/* all gone within a few seconds */
	for (i = 0; i < 200; i++) {
		cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-flows", NULL), 0, "%s", out);
		if (strstr(out, "10.9.9.") == NULL)
			break;
		free(out);
		out = NULL;
		usleep(100000);
	}
	cr_assert_lt(i, 200, "flows with timeouts are still there: %s", out);
	free(out);
	cr_expect_geq(openflow_count("expired"), 3);
	/* and the monitor saw their FLOW_REMOVED (not the one without send_flow_rem) */
	for (i = 0; i < 100; i++) {
		const char *m = vs_oft_slurp(mpath);

		if (strstr(m, "reason=idle") && strstr(m, "reason=hard") &&
		    strstr(m, "reason=delete"))
			break;
		usleep(100000);
	}
	kill(mpid, SIGTERM);
	waitpid(mpid, &status, 0);
	out = vs_oft_slurp(mpath);
	cr_expect(strstr(out, "priority=50,ip,nw_dst=10.9.9.9 reason=idle table_id=0") != NULL,
		  "%s", out);
	cr_expect(strstr(out, "priority=50,ip,nw_dst=10.9.9.8 reason=hard table_id=1") != NULL,
		  "%s", out);
	cr_expect(strstr(out, "reason=delete table_id=2 cookie:0x5") != NULL, "%s", out);
	cr_expect_null(strstr(out, "10.9.9.7"), "a flow without send_flow_rem was reported: %s",
		       out);
}

Test(of_tables, errors)
{
	char *out;

	cr_expect_neq(
	    vs_oft_ofctl(&out, NULL, "add-flow", "table=2,priority=5,actions=goto_table:1"), 0);
	cr_expect(strstr(out, "OFPBIC_BAD_TABLE_ID") != NULL, "%s", out);
	free(out);
	cr_expect_neq(
	    vs_oft_ofctl(&out, NULL, "add-flow", "table=3,priority=5,actions=goto_table:4"), 0);
	cr_expect(strstr(out, "OFPBIC_BAD_TABLE_ID") != NULL, "%s", out);
	free(out);
	cr_expect_neq(vs_oft_ofctl(&out, NULL, "add-flow", "table=4,priority=5,actions=drop"), 0);
	cr_expect(strstr(out, "OFPFMFC_BAD_TABLE_ID") != NULL, "%s", out);
	free(out);
	add_flow("table=1,priority=5,ip,actions=drop");
	cr_expect_neq(vs_oft_ofctl(&out, NULL, "add-flow",
				   "table=1,priority=5,udp,check_overlap,actions=drop"),
		      0);
	cr_expect(strstr(out, "OFPFMFC_OVERLAP") != NULL, "%s", out);
	free(out);
	cr_expect_eq(openflow_count("flows"), 1, "a refused flow was installed");

	/* the classifier rules of the controller's flows are not ctl's to delete */
	add_flow("table=0,priority=5,ip,actions=goto_table:1");
	{
		json_t *r = vs_oft_rules_of("openflow");
		char id[32];
		char *argv[] = {(char *)vs_oft_env("NFVSWITCH_CTL_BIN"),
				"-s",
				vs_oft.sock,
				"rule",
				"del",
				id,
				NULL};

		cr_assert_eq(json_array_size(r), 1);
		snprintf(
		    id, sizeof(id), "#%lld",
		    (long long)json_integer_value(json_object_get(json_array_get(r, 0), "id")));
		json_decref(r);
		cr_expect_neq(vs_oft_run(argv, &out), 0);
		cr_expect(strstr(out, "belongs to an OpenFlow controller") != NULL, "%s", out);
		free(out);
		r = vs_oft_rules_of("openflow");
		cr_expect_eq(json_array_size(r), 1);
		json_decref(r);
	}
}

/* The rules flattened from the controller's flows, as one JSON text. */
static char *
openflow_rules_text(void)
{
	json_t *r = vs_oft_rules_of("openflow");
	char *s = json_dumps(r, JSON_COMPACT);

	json_decref(r);
	cr_assert_not_null(s);
	return s;
}

/*
 * The actions of-flows decodes, through the tables: a set_field on the VID
 * before a goto decides the later table's VLAN match, WRITE_ACTIONS carry an
 * output to the end of the pipeline and a later CLEAR_ACTIONS drops it,
 * dump-flows gives the instructions back, and a VLAN match after a pop in
 * an earlier table is refused.
 */
Test(of_tables, decoded_actions_through_tables)
{
	char *out, *rules;
	json_t *r;

	/* table 0: VLAN 10 becomes 11 and goes to table 1, where 11 goes to s0
	 * (ofport 2) and 10 to s1: only the first can be taken, and no miss */
	add_flow("table=0,priority=10,dl_vlan=10,actions=mod_vlan_vid:11,goto_table:1");
	add_flow("table=1,priority=20,dl_vlan=11,actions=output:2");
	add_flow("table=1,priority=10,dl_vlan=10,actions=output:7");
	r = vs_oft_rules_of("openflow");
	cr_expect_eq(json_array_size(r), 1, "one path: VID 11 in table 1");
	json_decref(r);
	rules = openflow_rules_text();
	cr_expect(strstr(rules, "set_vlan_vid:11,output:s0") != NULL, "%s", rules);
	cr_expect_null(strstr(rules, "s1"), "VID 10 in table 1 after the set: %s", rules);
	free(rules);

	/* table 0: UDP writes output:7 to the set and goes to table 2; there
	 * port 9 clears the set, the rest outputs to s0 (apply) */
	add_flow("table=0,priority=8,udp,actions=write_actions(output:7),goto_table:2");
	add_flow("table=2,priority=20,udp,tp_dst=9,actions=clear_actions");
	add_flow("table=2,priority=10,udp,actions=output:2");
	rules = openflow_rules_text();
	cr_expect(strstr(rules, "output:s0,set:output:s1") != NULL, "the set at the end: %s",
		  rules);
	free(rules);
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "dump-flows", NULL), 0);
	cr_expect(strstr(out, "write_actions(output:7)") != NULL, "%s", out);
	cr_expect(strstr(out, "clear_actions") != NULL, "%s", out);
	cr_expect(strstr(out, "vlan_vid") != NULL, "the set_field: %s", out);
	free(out);

	/* a VLAN match in a table a pop_vlan leads to (a pop or set on a tag the
	 * flow's own match does not promise ovs-ofctl refuses itself; ofp-flows
	 * sends it raw) */
	add_flow("table=3,priority=5,dl_vlan=11,actions=output:2");
	cr_expect_neq(vs_oft_ofctl(&out, NULL, "add-flow",
				   "table=0,priority=30,dl_vlan=12,actions=pop_vlan,goto_table:3"),
		      0);
	cr_expect(strstr(out, "OFPBMC_BAD_PREREQ") != NULL, "%s", out);
	free(out);
}
