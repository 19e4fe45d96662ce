/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch-ctl trace through the daemon's handler (vs_daemon_handle) on a
 * running switch over DPDK ring ports, in process: a frame that hits a
 * given rule, one that misses every rule, a malformed hex frame, a VLAN
 * push with the tag it leaves with, a port-only rule answered by the fast
 * path and flooded, and the errors. Nothing may leave by any port and no
 * worker may count the lookups.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "vs_ctl.h"

#define N_RINGS 3
static const char *const ring_names[N_RINGS] = {"in0", "outa", "outb"};
static struct rte_ring *rx_ring[N_RINGS], *tx_ring[N_RINGS];
static char dir[64], file[128];

static struct vs_config *cfg;
static struct vs_switch *sw;
static struct vs_daemon d;

static const char *yaml =
    "workers: [{lcore: 1}]\n"
    "ports:\n"
    "  - {name: in0, type: ethdev, device: net_ring_in0}\n"
    "  - {name: outa, type: ethdev, device: net_ring_outa}\n"
    "  - {name: outb, type: ethdev, device: net_ring_outb}\n"
    "rules:\n"
    "  - {name: web, priority: 20,\n"
    "     match: {in_port: in0, ip_dst: 10.1.0.0/24, ip_proto: udp, l4_dst: 80},\n"
    "     actions: [{set_eth_src: \"02:00:00:00:00:0a\"}, {output: outa}]}\n"
    "  - {name: tag, priority: 10, match: {in_port: in0, vlan: none, ip_src: 10.9.0.0/16},\n"
    "     actions: [{push_vlan: {vid: 300, pcp: 5}}, {output: outb}]}\n"
    "  - {name: from-b, priority: 5, match: {in_port: outb}, actions: [flood]}\n";

static void
setup(void)
{
	char prefix[64];
	char *argv[] = {"test_ctl_trace", "--no-huge",	    "-m",	 "256", "--no-shconf",
			"--no-pci",	  "--no-telemetry", "-l",	 "0,1", "--file-prefix",
			prefix,		  "--log-level",    "*:warning", NULL};
	struct vs_cfg_error err;
	unsigned i;
	FILE *f;

	snprintf(prefix, sizeof(prefix), "vs_ctl_tr_%d", getpid());
	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv), 0);
	for (i = 0; i < N_RINGS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "rx_%s", ring_names[i]);
		rx_ring[i] = rte_ring_create(name, 1024, SOCKET_ID_ANY, 0);
		snprintf(name, sizeof(name), "tx_%s", ring_names[i]);
		tx_ring[i] = rte_ring_create(name, 1024, SOCKET_ID_ANY, 0);
		cr_assert(rx_ring[i] && tx_ring[i]);
		cr_assert_geq(rte_eth_from_rings(ring_names[i], &rx_ring[i], 1, &tx_ring[i], 1, 0),
			      0);
	}
	snprintf(dir, sizeof(dir), "/tmp/vs-ctl-trace-%d", getpid());
	cr_assert(mkdir(dir, 0700) == 0 || errno == EEXIST);
	snprintf(file, sizeof(file), "%s/switch.yaml", dir);
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fputs(yaml, f);
	cr_assert_eq(fclose(f), 0);
	memset(&err, 0, sizeof(err));
	cfg = vs_config_load(file, &err);
	cr_assert_not_null(cfg, "%s", err.msg);
	sw = vs_switch_create(cfg);
	cr_assert_not_null(sw);
	cr_assert_eq(vs_switch_apply(sw, cfg), 0);
	cr_assert_eq(vs_switch_start(sw), 0);
	cr_assert_eq(vs_daemon_init(&d, sw, cfg, file), 0);
}

static void
teardown(void)
{
	char run_dir[PATH_MAX];

	/* Stops the worker (also when a test failed midway). */
	vs_switch_destroy(sw);
	sw = NULL;
	vs_daemon_fini(&d);
	vs_config_free(cfg);
	unlink(file);
	rmdir(dir);
	snprintf(run_dir, sizeof(run_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(run_dir);
}

TestSuite(trace, .init = setup, .fini = teardown, .timeout = 60);

/* {"cmd": "trace", "args": [a0, a1]}: the reply. */
static json_t *
trace(const char *a0, const char *a1)
{
	json_t *req = json_pack("{s:s, s:[s]}", "cmd", "trace", "args", a0), *reply;

	if (a1 != NULL)
		json_array_append_new(json_object_get(req, "args"), json_string(a1));
	reply = vs_daemon_handle(&d, req);
	json_decref(req);
	cr_assert_not_null(reply);
	return reply;
}

static const json_t *
trace_ok(json_t **reply, const char *a0, const char *a1)
{
	*reply = trace(a0, a1);
	cr_assert(json_is_true(json_object_get(*reply, "ok")), "trace %s: %s", a0,
		  json_string_value(json_object_get(*reply, "error")));
	return json_object_get(*reply, "result");
}

static const char *
trace_err(json_t **reply, const char *a0, const char *a1)
{
	*reply = trace(a0, a1);
	cr_assert(json_is_false(json_object_get(*reply, "ok")), "trace %s answered ok", a0);
	return json_string_value(json_object_get(*reply, "error"));
}

static const char *
s_at(const json_t *o, const char *path)
{
	char buf[128], *k, *save = NULL;
	const json_t *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(k)) : json_object_get(v, k);
	cr_assert(json_is_string(v), "%s is not a string", path);
	return json_string_value(v);
}

static json_int_t
i_at(const json_t *o, const char *path)
{
	char buf[128], *k, *save = NULL;
	const json_t *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(k)) : json_object_get(v, k);
	cr_assert(json_is_integer(v), "%s is not an integer", path);
	return json_integer_value(v);
}

/* Packets that left by any port, and lookups any worker counted. */
static void
nothing_moved(void)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	unsigned i;

	cr_assert_not_null(st);
	cr_assert_eq(vs_switch_stats(sw, st), 0);
	for (i = 0; i < N_RINGS; i++)
		cr_assert_eq(rte_ring_count(tx_ring[i]), 0, "a packet left by %s", ring_names[i]);
	cr_assert_eq(st->worker[0].cls.lookups, 0, "a worker counted the trace's lookup");
	cr_assert_eq(st->worker[0].rx_pkts, 0);
	free(st);
}

Test(trace, frame_hits_the_rule_and_shows_its_actions)
{
	const json_t *r;
	const char *text;
	json_t *reply;

	r = trace_ok(&reply,
		     "in_port=in0,eth_src=02:00:00:00:00:01,eth_dst=02:00:00:00:00:02,"
		     "ip_src=10.0.0.1,ip_dst=10.1.0.2,ip_proto=udp,l4_src=1024,l4_dst=80",
		     NULL);
	cr_assert_str_eq(s_at(r, "parse"), "ok");
	cr_assert_str_eq(s_at(r, "key.ip_dst"), "10.1.0.2");
	cr_assert_eq(i_at(r, "key.ip_proto"), 17);
	cr_assert_eq(i_at(r, "key.l4_src"), 1024);
	cr_assert_eq(i_at(r, "key.l4_dst"), 80);
	cr_assert_str_eq(s_at(r, "lookup.path"), "subtables");
	cr_assert_geq(i_at(r, "lookup.subtables_probed"), 1);
	cr_assert_str_eq(s_at(r, "rule.name"), "web");
	cr_assert_str_eq(s_at(r, "rule.source"), "file");
	cr_assert_eq(i_at(r, "rule.priority"), 20);
	cr_assert_eq(i_at(r, "rule.id"), (json_int_t)vs_switch_rule_by_name(sw, "web")->uid);
	cr_assert_str_eq(s_at(r, "actions.0.action"), "set_eth_src");
	cr_assert_str_eq(s_at(r, "actions.1.action"), "output");
	cr_assert_str_eq(s_at(r, "outputs.0.port"), "outa");
	cr_assert_str_eq(s_at(r, "outputs.0.header.eth_src"), "02:00:00:00:00:0a");
	cr_assert_str_eq(s_at(r, "outputs.0.header.eth_dst"), "02:00:00:00:00:02");
	cr_assert_eq(json_array_size(json_object_get(r, "outputs")), 1);
	cr_assert(json_is_null(json_object_get(r, "drop_reason")));
	text = s_at(r, "text");
	cr_assert(strstr(text, "rule: #") && strstr(text, " web (source file, priority 20"), "%s",
		  text);
	cr_assert(strstr(text, "-> outa (port 1): eth_dst=02:00:00:00:00:02 "
			       "eth_src=02:00:00:00:00:0a eth_type=0x0800"),
		  "%s", text);
	cr_assert(strstr(text, "result: sent to 1 port"), "%s", text);
	json_decref(reply);
	nothing_moved();
}

Test(trace, frame_missing_every_rule_is_no_rule)
{
	const json_t *r;
	json_t *reply;

	/* in0, but neither 10.1.0.0/24 port 80 nor from 10.9.0.0/16. */
	r = trace_ok(&reply, "in_port=in0",
		     "ip_src=10.8.0.1,ip_dst=10.1.0.2,ip_proto=tcp,l4_dst=80");
	cr_assert_str_eq(s_at(r, "parse"), "ok");
	cr_assert_eq(i_at(r, "key.ip_proto"), 6);
	cr_assert_str_eq(s_at(r, "lookup.path"), "none");
	cr_assert_geq(i_at(r, "lookup.subtables_probed"), 1);
	cr_assert(json_is_null(json_object_get(r, "rule")));
	cr_assert_str_eq(s_at(r, "drop_reason"), "no_rule");
	cr_assert(strstr(s_at(r, "text"), "result: dropped, no_rule"), "%s", s_at(r, "text"));
	json_decref(reply);
	nothing_moved();
}

Test(trace, malformed_hex_frame_names_the_parse_drop)
{
	const json_t *r;
	json_t *reply;

	/* An IPv4 ethertype with IHL 4: 14 + 20 bytes, then padding. */
	r = trace_ok(&reply, "in_port=in0",
		     "hex=020000000002020000000001080044000028000000004011000"
		     "00a0000010a010002000000000000000000000000000000000000");
	cr_assert_str_eq(s_at(r, "parse"), "malformed_ipv4_ihl");
	cr_assert_str_eq(s_at(r, "drop_reason"), "malformed_ipv4_ihl");
	cr_assert_str_eq(s_at(r, "parse_help"), vs_drop_reason_help(VS_DROP_PARSE_IPV4_IHL));
	cr_assert_null(json_object_get(r, "rule"));
	cr_assert_null(json_object_get(r, "lookup"));
	cr_assert(strstr(s_at(r, "text"), "parse: malformed_ipv4_ihl"), "%s", s_at(r, "text"));
	json_decref(reply);
	/* A runt: 13 bytes. */
	r = trace_ok(&reply, "in_port=in0 hex=02000000000202000000000108", NULL);
	cr_assert_str_eq(s_at(r, "parse"), "malformed_runt");
	cr_assert_eq(i_at(r, "frame_len"), 13);
	json_decref(reply);
	nothing_moved();
}

Test(trace, vlan_push_shows_the_resulting_tag)
{
	const json_t *r;
	json_t *reply;

	r = trace_ok(&reply,
		     "in_port=in0,ip_src=10.9.1.1,ip_dst=10.2.0.1,eth_dst=ff:ff:ff:ff:ff:ff", NULL);
	cr_assert_str_eq(s_at(r, "rule.name"), "tag");
	cr_assert_str_eq(s_at(r, "key.vlan"), "none");
	cr_assert_str_eq(s_at(r, "actions.0.action"), "push_vlan");
	cr_assert_eq(i_at(r, "actions.0.vlan"), 300);
	cr_assert_eq(i_at(r, "actions.0.vlan_pcp"), 5);
	cr_assert_str_eq(s_at(r, "outputs.0.port"), "outb");
	cr_assert_eq(i_at(r, "outputs.0.header.vlans.0.vlan"), 300);
	cr_assert_eq(i_at(r, "outputs.0.header.vlans.0.vlan_pcp"), 5);
	cr_assert_str_eq(s_at(r, "outputs.0.header.vlans.0.tpid"), "0x8100");
	cr_assert_str_eq(s_at(r, "outputs.0.header.eth_type"), "0x0800");
	cr_assert(strstr(s_at(r, "text"), "push_vlan -> vlan=300,pcp=5 (tci 0xa12c)"), "%s",
		  s_at(r, "text"));
	json_decref(reply);
	/* Already tagged: vlan: none does not match, nothing else does. */
	r = trace_ok(&reply, "in_port=in0,vlan=7,vlan_pcp=1,ip_src=10.9.1.1", NULL);
	cr_assert_eq(i_at(r, "key.vlan"), 7);
	cr_assert_eq(i_at(r, "key.vlan_pcp"), 1);
	cr_assert_str_eq(s_at(r, "drop_reason"), "no_rule");
	json_decref(reply);
	nothing_moved();
}

Test(trace, port_only_rule_takes_the_fast_path_and_floods)
{
	const json_t *r, *ports;
	json_t *reply;

	r = trace_ok(&reply, "in_port=outb,eth_type=0x0806", NULL);
	cr_assert_str_eq(s_at(r, "key.eth_type"), "0x0806");
	cr_assert_str_eq(s_at(r, "lookup.path"), "port_fast");
	cr_assert_str_eq(s_at(r, "rule.name"), "from-b");
	ports = json_object_get(json_array_get(json_object_get(r, "actions"), 0), "ports");
	cr_assert_eq(json_array_size(ports), 2);
	cr_assert_str_eq(json_string_value(json_array_get(ports, 0)), "in0");
	cr_assert_str_eq(json_string_value(json_array_get(ports, 1)), "outa");
	cr_assert_eq(i_at(r, "sent"), 2);
	json_decref(reply);
	nothing_moved();
}

Test(trace, errors_name_the_field_and_what_is_expected)
{
	json_t *reply;

	cr_assert_str_eq(trace_err(&reply, "in_port=nope,ip_dst=10.1.0.2", NULL),
			 "trace: in_port: no port 'nope'; expected one of: in0, outa, outb");
	json_decref(reply);
	cr_assert_str_eq(trace_err(&reply, "ip_dst=10.1.0.2", NULL),
			 "trace: in_port: missing; expected in_port=PORT");
	json_decref(reply);
	cr_assert(strstr(trace_err(&reply, "in_port=in0,colour=red", NULL),
			 "trace: unknown field 'colour'; expected one of: in_port, eth_src"));
	json_decref(reply);
	cr_assert_str_eq(trace_err(&reply, "in_port=in0", "hex=0200zz"),
			 "trace: hex: 'z' at digit 5 is not a hex digit; expected 0-9 and a-f");
	json_decref(reply);
	cr_assert_str_eq(trace_err(&reply, "in_port=in0", "hex=020"),
			 "trace: hex: 3 digits; expected an even number of hex digits, two per "
			 "byte");
	json_decref(reply);
	cr_assert_str_eq(trace_err(&reply, "in_port=in0,eth_src=02:00", NULL),
			 "trace: eth_src: '02:00' is not a MAC; expected xx:xx:xx:xx:xx:xx");
	json_decref(reply);
	cr_assert_str_eq(trace_err(&reply, "in_port=in0,vlan=5000", NULL),
			 "trace: vlan: '5000'; expected 0..4095 or none");
	json_decref(reply);
	cr_assert_str_eq(trace_err(&reply, "in_port=in0,l4_dst=80", NULL),
			 "trace: l4_dst: needs ip_proto tcp, udp or sctp");
	json_decref(reply);
	cr_assert_str_eq(trace_err(&reply, "in_port=in0,ip_src=10.0.0.1", "hex=0200"),
			 "trace: ip_src: not with hex (hex is the whole frame); expected only "
			 "in_port=PORT hex=FRAME");
	json_decref(reply);
	cr_assert_str_eq(trace_err(&reply, "in_port=in0,ip_src=10.0.0.1,ip_dst=2001:db8::1", NULL),
			 "trace: ip_dst: an IPv6 value, but the frame is IPv4 by the fields before "
			 "it");
	json_decref(reply);
	cr_assert_str_eq(trace_err(&reply, "in_port=in0,ip_dst", NULL),
			 "trace: 'ip_dst' is not FIELD=VALUE; expected fields of: in_port, "
			 "eth_src, eth_dst, eth_type, vlan, vlan_pcp, ip_src, ip_dst, ip_proto, "
			 "ip_dscp, l4_src, l4_dst, icmp_type, icmp_code, hex");
	json_decref(reply);
	nothing_moved();
}

Test(trace, ipv6_icmp_frame_parses)
{
	const json_t *r;
	json_t *reply;

	r = trace_ok(&reply,
		     "in_port=in0,ip_src=2001:db8::1,ip_dst=2001:db8::2,ip_proto=icmpv6,"
		     "icmp_type=128,ip_dscp=46",
		     NULL);
	cr_assert_str_eq(s_at(r, "parse"), "ok");
	cr_assert_str_eq(s_at(r, "key.eth_type"), "0x86dd");
	cr_assert_str_eq(s_at(r, "key.ip_dst"), "2001:db8::2");
	cr_assert_eq(i_at(r, "key.icmp_type"), 128);
	cr_assert_eq(i_at(r, "key.ip_dscp"), 46);
	cr_assert_str_eq(s_at(r, "drop_reason"), "no_rule");
	json_decref(reply);
}
