/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * 1,000 OpenFlow 1.3 flows through the real client: a generated file of
 * flows using every supported match field (masks included) and every
 * supported action and instruction goes in with `ovs-ofctl -O OpenFlow13
 * add-flows`, comes back equal from the switch (`ovs-ofctl diff-flows`
 * normalises both sides: order, counters, durations, spelling), and
 * `del-flows` with --strict, with a cookie mask and with a masked match
 * removes exactly the flows it should. Then traffic: flows with push_vlan +
 * set_field, MAC rewrites, IN_PORT, the action set and ALL, frames from a
 * net_pcap port added by a reload (so no frame arrives before the flows),
 * exact counts per port and the exact bytes of every frame in the tx pcaps.
 * And FLOW_MODs ovs-ofctl would refuse itself, sent raw, answered with their
 * exact errors and installing nothing. Skipped (cr_skip) only when ovs-ofctl
 * is not installed.
 */
#define _XOPEN_SOURCE 700
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "../vs_test_net.h"

#include "ofp_test_util.h"
#include "vs_ofp.h"

#define N_FLOWS 1000

static unsigned port_id, dev_id;

/* The config: three pcap outputs, and the traffic source `in` when with_in. */
static void
write_config(bool with_in)
{
	char text[4096];
	int n;

	n = snprintf(text, sizeof(text),
		     "dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, file_prefix: %s,\n"
		     "       log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"
		     "workers: [{lcore: 1}]\n"
		     "control: {stats_interval_ms: 0, socket: %s}\n"
		     "openflow: {listen: \"ptcp:%u\"}\n"
		     "ports:\n"
		     "  - {name: o1, type: ethdev, device: \"net_pcap%u,tx_pcap=%s/o1.pcap\"}\n"
		     "  - {name: o2, type: ethdev, device: \"net_pcap%u,tx_pcap=%s/o2.pcap\"}\n"
		     "  - {name: o3, type: ethdev, device: \"net_pcap%u,tx_pcap=%s/o3.pcap\"}\n",
		     vs_oft.prefix, vs_oft.sock, port_id, dev_id, vs_oft.dir, dev_id + 1,
		     vs_oft.dir, dev_id + 2, vs_oft.dir);
	if (with_in)
		snprintf(text + n, sizeof(text) - (size_t)n,
			 "  - {name: in, type: ethdev, device: "
			 "\"net_pcap%u,rx_pcap=%s/in.pcap,tx_pcap=%s/in_tx.pcap\"}\n",
			 dev_id + 3, vs_oft.dir, vs_oft.dir);
	vs_oft_write_cfg(text);
}

static void
daemon_up(void)
{
	vs_oft_need_ofctl();
	vs_oft_workdir("of-flows-1k");
	port_id = vs_test_free_tcp_port();
	dev_id = 10 + (unsigned)getpid() % 80;
	snprintf(vs_oft.target, sizeof(vs_oft.target), "tcp:127.0.0.1:%u", port_id);
	write_config(false);
	vs_oft_daemon_up(20, 20);
}

static void
daemon_stop(void)
{
	vs_oft_stop(&vs_oft.daemon_pid, false, 20);
}

static void
daemon_down(void)
{
	daemon_stop();
	vs_oft_rm_files();
}

TestSuite(of_flows, .init = daemon_up, .fini = daemon_down, .timeout = 240);

/* ---- the 1,000 flows ---------------------------------------------------------------- */

struct gen_flow {
	char text[480];
	uint64_t cookie;
	unsigned kind; /* match kind, 0..11 */
	bool alive;
};

static struct gen_flow flows[N_FLOWS];

/* Match i: every supported field over the 12 kinds; kinds 10 and 11 are tagged. */
static void
gen_match(unsigned i, char *m, size_t size)
{
	unsigned a = i / 12 % 250 + 1, b = i % 200;

	switch (i % 12) {
	case 0:
		snprintf(m, size,
			 "in_port=%u,dl_src=02:00:00:00:%02x:%02x,"
			 "dl_dst=02:00:00:00:00:00/ff:ff:ff:00:00:00",
			 i % 3 + 1, a, b);
		break;
	case 1:
		snprintf(m, size,
			 "arp,in_port=%u,dl_dst=ff:ff:ff:ff:ff:ff,dl_src=02:00:00:01:%02x:%02x",
			 i % 3 + 1, a, b);
		break;
	case 2:
		snprintf(m, size, "ip,nw_src=10.%u.%u.0/24,nw_dst=10.0.%u.0/255.0.255.0,ip_dscp=%u",
			 a, b, a, i % 64);
		break;
	case 3:
		snprintf(m, size, "tcp,nw_dst=192.168.%u.%u,tp_src=%u,tp_dst=0x50/0xfff0", a, b,
			 1024 + i);
		break;
	case 4:
		snprintf(m, size, "udp,nw_src=172.16.%u.%u,udp_src=%u,udp_dst=0x1000/0xf000", a, b,
			 2000 + i);
		break;
	case 5:
		snprintf(m, size, "sctp,sctp_src=%u,sctp_dst=%u", 3000 + i, 4000 + i);
		break;
	case 6:
		snprintf(m, size, "icmp,nw_dst=10.200.%u.%u,icmp_type=%u,icmp_code=%u", a, b,
			 i % 20, i % 4);
		break;
	case 7:
		snprintf(m, size, "ipv6,ipv6_src=2001:db8::%x,ipv6_dst=2001:db8:%x::/48", i, a);
		break;
	case 8:
		snprintf(m, size,
			 "tcp6,ipv6_dst=2001:0:%x::/ffff:0:ffff::,tcp_dst=%u,tcp_src=0x0400/0xff00",
			 a, 5000 + i);
		break;
	case 9:
		snprintf(m, size, "icmp6,ipv6_src=fe80::%x,icmpv6_type=%u,icmpv6_code=0", i,
			 128 + i % 8);
		break;
	case 10:
		snprintf(
		    m, size,
		    "in_port=%u,vlan_vid=0x%04x/0x1ff0,vlan_pcp=%u,dl_dst=02:00:00:02:%02x:%02x",
		    i % 3 + 1, 0x1000 | (a % 250) << 4, i % 8, a, b);
		break;
	default:
		snprintf(m, size, "in_port=%u,dl_vlan=%u,dl_src=02:00:00:03:%02x:%02x", i % 3 + 1,
			 i % 4000 + 1, a, b);
		break;
	}
}

/* Actions of flow i; tagged matches also get the tag's actions. */
static void
gen_actions(unsigned i, bool tagged, char *s, size_t size)
{
	unsigned v = i % 4000 + 1, k = (i / 12) % (tagged ? 14 : 11);

	switch (k) {
	case 0:
		snprintf(s, size, "output:%u", i % 3 + 1);
		break;
	case 1:
		snprintf(s, size,
			 "push_vlan:0x8100,set_field:%u->vlan_vid,set_field:%u->vlan_pcp,"
			 "output:2",
			 0x1000 | v, i % 8);
		break;
	case 2:
		snprintf(s, size,
			 "set_field:02:00:00:00:%02x:01->eth_src,"
			 "set_field:02:00:00:00:%02x:02->eth_dst,IN_PORT",
			 i % 256, i % 256);
		break;
	case 3:
		snprintf(s, size, "FLOOD");
		break;
	case 4:
		snprintf(s, size, "ALL");
		break;
	case 5:
		snprintf(s, size, "NORMAL");
		break;
	case 6:
		snprintf(s, size, "CONTROLLER:%u", 64 + i % 512);
		break;
	case 7:
		snprintf(s, size,
			 "output:1,write_actions(set_field:02:00:00:00:00:%02x->eth_dst,"
			 "output:3)",
			 i % 256);
		break;
	case 8:
		snprintf(s, size,
			 "clear_actions,write_actions(push_vlan:0x88a8,"
			 "set_field:%u->vlan_vid,output:2)",
			 0x1000 | v);
		break;
	case 9:
		snprintf(s, size, "drop");
		break;
	case 10:
		snprintf(s, size, "push_vlan:0x88a8,output:1,pop_vlan,output:2,output:3");
		break;
	case 11: /* tagged only from here */
		snprintf(s, size, "pop_vlan,output:%u", i % 3 + 1);
		break;
	case 12:
		snprintf(s, size, "set_field:%u->vlan_vid,set_field:%u->vlan_pcp,output:1",
			 0x1000 | v, 7 - i % 8);
		break;
	default:
		snprintf(s, size, "set_field:%u->vlan_vid,write_actions(pop_vlan,output:2)",
			 0x1000 | v);
		break;
	}
}

static void
gen_flows(void)
{
	unsigned i;

	for (i = 0; i < N_FLOWS; i++) {
		char m[200], a[200];
		unsigned kind = i % 12;

		gen_match(i, m, sizeof(m));
		gen_actions(i, kind >= 10, a, sizeof(a));
		/* cookies 0x1000 + i % 8, with bits 8..11 that a cookie mask skips */
		flows[i].cookie = 0x1000 + (i % 8) + ((uint64_t)(i % 3) << 8);
		flows[i].kind = kind;
		flows[i].alive = true;
		snprintf(flows[i].text, sizeof(flows[i].text),
			 "cookie=0x%llx,priority=%u,%s,actions=%s",
			 (unsigned long long)flows[i].cookie, 100 + i, m, a);
	}
}

/* The live flows into path (a flow file for add-flows / diff-flows). */
static unsigned
write_flows(const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned i, n = 0;

	cr_assert_not_null(f);
	for (i = 0; i < N_FLOWS; i++) {
		if (flows[i].alive) {
			fprintf(f, "%s\n", flows[i].text);
			n++;
		}
	}
	fclose(f);
	return n;
}

static unsigned
count_lines(const char *s, const char *what)
{
	unsigned n = 0;

	for (s = strstr(s, what); s != NULL; s = strstr(s + 1, what))
		n++;
	return n;
}

/* The switch's flows equal the live ones (diff-flows prints nothing). */
static void
expect_same(const char *when)
{
	char path[128], *out;
	unsigned n;

	snprintf(path, sizeof(path), "%s/expect.flows", vs_oft.dir);
	n = write_flows(path);
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "diff-flows", path), 0, "%s: diff-flows failed: %s",
		     when, out);
	cr_expect_eq(strlen(out), 0,
		     "%s: the switch's flows differ from the expected ones:\n%.4000s", when, out);
	free(out);
	cr_assert_eq(vs_oft_ofctl(&out, "--no-stats", "dump-flows", NULL), 0);
	cr_expect_eq(count_lines(out, "priority="), n, "%s: %u flows expected", when, n);
	free(out);
}

Test(of_flows, thousand_flows_round_trip_and_delete_exactly)
{
	char path[128], sel[256], *out;
	unsigned i, gone;

	gen_flows();
	snprintf(path, sizeof(path), "%s/all.flows", vs_oft.dir);
	cr_assert_eq(write_flows(path), N_FLOWS);
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "add-flows", path), 0, "add-flows: %s", out);
	free(out);
	expect_same("after add-flows");

	/* --strict: priority and match exactly, one flow of each of three kinds */
	for (i = 0; i < 3; i++) {
		unsigned k = 37 + 100 * i; /* kinds 1, 5, 9 */
		char m[200];

		gen_match(k, m, sizeof(m));
		snprintf(sel, sizeof(sel), "priority=%u,%s", 100 + k, m);
		cr_assert_eq(vs_oft_ofctl(&out, "--strict", "del-flows", sel), 0, "%s: %s", sel,
			     out);
		free(out);
		flows[k].alive = false;
	}
	/* --strict with another priority removes nothing */
	gen_match(40, sel, sizeof(sel));
	{
		char s2[300];

		snprintf(s2, sizeof(s2), "priority=7,%s", sel);
		cr_assert_eq(vs_oft_ofctl(&out, "--strict", "del-flows", s2), 0, "%s", out);
		free(out);
	}
	expect_same("after del-flows --strict");

	/* a cookie mask: i % 8 == 3 whatever bits 8..11 say */
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "del-flows", "cookie=0x1003/0xf0ff"), 0, "%s", out);
	free(out);
	for (i = 0, gone = 0; i < N_FLOWS; i++) {
		if (flows[i].alive && (flows[i].cookie & 0xf0ff) == 0x1003) {
			flows[i].alive = false;
			gone++;
		}
	}
	cr_expect_geq(gone, 100);
	expect_same("after del-flows with a cookie mask");

	/* a masked match: covers exactly the kind 3 flows (tcp, tp_dst under 0xfff0) */
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "del-flows", "tcp,tp_dst=0x50/0xfff0"), 0, "%s", out);
	free(out);
	for (i = 0; i < N_FLOWS; i++)
		if (flows[i].kind == 3)
			flows[i].alive = false;
	expect_same("after del-flows tcp,tp_dst=0x50/0xfff0");

	/* a VID mask covers the flows of narrower masks and exact ids under it */
	cr_assert_eq(vs_oft_ofctl(&out, NULL, "del-flows", "vlan_vid=0x1000/0x1000"), 0, "%s", out);
	free(out);
	for (i = 0; i < N_FLOWS; i++)
		if (flows[i].kind >= 10)
			flows[i].alive = false;
	expect_same("after del-flows vlan_vid=0x1000/0x1000");

	cr_assert_eq(vs_oft_ofctl(&out, NULL, "del-flows", NULL), 0, "%s", out);
	free(out);
	for (i = 0; i < N_FLOWS; i++)
		flows[i].alive = false;
	expect_same("after del-flows");
}

/* ---- traffic ------------------------------------------------------------------------ */

#define FRAME_LEN 60

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A UDP frame to 10.9.0.dst (tag vid when vid >= 0), FRAME_LEN bytes untagged. */
static size_t
mk_frame(uint8_t *f, uint8_t dst, int vid, uint8_t seq)
{
	static const uint8_t dmac[6] = {2, 0, 0, 0, 0, 0x11}, smac[6] = {2, 0, 0, 0, 0, 0x22};
	size_t o = 12;

	memset(f, 0, 128);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	if (vid >= 0) {
		put16(f + 12, 0x8100);
		put16(f + 14, (uint16_t)vid);
		o = 16;
	}
	put16(f + o, 0x0800);
	o += 2;
	f[o] = 0x45;
	put16(f + o + 2, 20 + 8 + 18);
	f[o + 8] = 64;
	f[o + 9] = 17;
	f[o + 12] = 10;
	f[o + 13] = 8;
	f[o + 15] = 1;
	f[o + 16] = 10;
	f[o + 17] = 9;
	f[o + 19] = dst;
	put16(f + o + 20, 1000 + seq);
	put16(f + o + 22, 2000);
	put16(f + o + 24, 8 + 18);
	f[o + 28] = seq;
	return o + 46;
}

static void
pcap_write(const char *path, uint8_t frames[][128], const size_t *lens, unsigned n)
{
	uint32_t gh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
	FILE *f = fopen(path, "wb");
	unsigned i;

	cr_assert_not_null(f);
	fwrite(gh, 4, 6, f);
	for (i = 0; i < n; i++) {
		uint32_t ph[4] = {1, i, (uint32_t)lens[i], (uint32_t)lens[i]};

		fwrite(ph, 4, 4, f);
		fwrite(frames[i], 1, lens[i], f);
	}
	fclose(f);
}

/* The frames of a pcap file (little-endian, as net_pcap and we write them). */
static unsigned
pcap_read(const char *path, uint8_t frames[][128], size_t *lens, unsigned max)
{
	FILE *f = fopen(path, "rb");
	uint32_t gh[6], ph[4];
	unsigned n = 0;

	cr_assert_not_null(f, "no %s", path);
	cr_assert_eq(fread(gh, 4, 6, f), 6);
	while (fread(ph, 4, 4, f) == 4) {
		cr_assert_lt(n, max, "%s: more than %u frames", path, max);
		cr_assert_leq(ph[2], 128, "%s: a frame of %u bytes", path, ph[2]);
		cr_assert_eq(fread(frames[n], 1, ph[2], f), ph[2]);
		lens[n++] = ph[2];
	}
	fclose(f);
	return n;
}

enum { F_PUSH = 1, F_MACS, F_IN_PORT, F_SET, F_VID, F_ALL };
static const unsigned n_of[] = {0, 3, 4, 5, 6, 2, 1}; /* frames per flow (its 10.9.0.x) */

static const char *const traffic_flows[] = {
    "priority=100,udp,nw_dst=10.9.0.1,actions=push_vlan:0x8100,set_field:4196->vlan_vid,"
    "set_field:5->vlan_pcp,output:1",
    "priority=100,udp,nw_dst=10.9.0.2,actions=set_field:02:00:00:00:00:aa->eth_src,"
    "set_field:02:00:00:00:00:bb->eth_dst,output:2",
    "priority=100,udp,nw_dst=10.9.0.3,actions=IN_PORT",
    /* the list's output first (untagged), then the set: push 0x88a8 VID 1 to o3 */
    "priority=100,udp,nw_dst=10.9.0.4,actions=output:2,write_actions(push_vlan:0x88a8,"
    "set_field:4097->vlan_vid,output:3)",
    "priority=100,vlan_vid=0x1060/0x1ff0,actions=set_field:4200->vlan_vid,set_field:2->vlan_pcp,"
    "output:2",
    "priority=100,udp,nw_dst=10.9.0.6,actions=ALL",
};

/* The frame flow k's seq-th input leaves as on port (o1..o3 = 1..3, in = 4). */
static size_t
expected(unsigned k, uint8_t seq, unsigned port, uint8_t *w)
{
	static const uint8_t aa[6] = {2, 0, 0, 0, 0, 0xaa}, bb[6] = {2, 0, 0, 0, 0, 0xbb};
	uint8_t o[128];
	size_t n = mk_frame(o, (uint8_t)k, k == F_VID ? 0x065 : -1, seq);

	memcpy(w, o, n);
	switch (k) {
	case F_PUSH:
	case F_SET:
		if (k == F_SET && port == 2)
			return n; /* the list's copy, before the set */
		memcpy(w + 16, o + 12, n - 12);
		put16(w + 12, k == F_PUSH ? 0x8100 : 0x88a8);
		put16(w + 14, k == F_PUSH ? (5 << 13 | 100) : 1);
		return n + 4;
	case F_MACS:
		memcpy(w, bb, 6);
		memcpy(w + 6, aa, 6);
		return n;
	case F_VID:
		put16(w + 14, 2 << 13 | 104);
		return n;
	default:
		return n;
	}
}

static void
check_port(const char *name, unsigned port, const unsigned *want)
{
	static uint8_t frames[64][128];
	size_t lens[64], wl;
	uint8_t w[128];
	unsigned n, i, k, seen[8] = {0}, total = 0;
	char path[128];

	snprintf(path, sizeof(path), "%s/%s.pcap", vs_oft.dir, name);
	n = pcap_read(path, frames, lens, 64);
	for (k = 1; k <= F_ALL; k++)
		total += want[k];
	cr_expect_eq(n, total, "%s: %u frames, expected %u", name, n, total);
	for (i = 0; i < n; i++) {
		const uint8_t *ip = frames[i] + lens[i] - 46; /* IPv4 + UDP + payload */

		k = ip[19];
		cr_assert(k >= 1 && k <= F_ALL, "%s frame %u: not ours", name, i);
		wl = expected(k, ip[28], port, w);
		cr_expect_eq(lens[i], wl, "%s frame %u (flow %u): %zu bytes, expected %zu", name, i,
			     k, lens[i], wl);
		cr_expect_arr_eq(frames[i], w, wl, "%s frame %u (flow %u): bytes differ", name, i,
				 k);
		seen[k]++;
	}
	for (k = 1; k <= F_ALL; k++)
		cr_expect_eq(seen[k], want[k], "%s: %u frames of flow %u, expected %u", name,
			     seen[k], k, want[k]);
}

Test(of_flows, traffic_follows_the_new_actions)
{
	static uint8_t frames[64][128];
	size_t lens[64];
	/* per port: frames of each flow */
	static const unsigned want_o1[] = {0, 3, 0, 0, 0, 0, 1};
	static const unsigned want_o2[] = {0, 0, 4, 0, 6, 2, 1};
	static const unsigned want_o3[] = {0, 0, 0, 0, 6, 0, 1};
	static const unsigned want_in[] = {0, 0, 0, 5, 0, 0, 0};
	char path[128], *out;
	unsigned n = 0, k, i, total = 0;
	json_int_t rx = 0;
	char *reload[] = {(char *)vs_oft_env("NFVSWITCH_CTL_BIN"), "-s", vs_oft.sock, "reload",
			  NULL};

	for (k = 0; k < sizeof(traffic_flows) / sizeof(traffic_flows[0]); k++) {
		cr_assert_eq(vs_oft_ofctl(&out, NULL, "add-flow", traffic_flows[k]), 0, "%s: %s",
			     traffic_flows[k], out);
		free(out);
	}
	for (k = 1; k <= F_ALL; k++)
		for (i = 0; i < n_of[k]; i++, n++)
			lens[n] =
			    mk_frame(frames[n], (uint8_t)k, k == F_VID ? 0x065 : -1, (uint8_t)i);
	snprintf(path, sizeof(path), "%s/in.pcap", vs_oft.dir);
	pcap_write(path, frames, lens, n);
	/* the source port comes with a reload: every frame meets the flows */
	write_config(true);
	cr_assert_eq(vs_oft_run(reload, &out), 0, "reload: %s", out);
	free(out);
	for (i = 0; i < 400 && (rx = vs_oft_port_count("in", "rx_pkts")) < (json_int_t)n; i++)
		usleep(50000);
	cr_assert_eq(rx, n, "in received %lld of %u frames", (long long)rx, n);
	for (k = 1; k <= F_ALL; k++)
		total += want_o1[k] + want_o2[k] + want_o3[k] + want_in[k];
	for (i = 0; i < 200; i++) {
		json_int_t tx =
		    vs_oft_port_count("o1", "tx_pkts") + vs_oft_port_count("o2", "tx_pkts") +
		    vs_oft_port_count("o3", "tx_pkts") + vs_oft_port_count("in", "tx_pkts");

		if (tx >= (json_int_t)total)
			break;
		usleep(50000);
	}
	cr_expect_eq(vs_oft_port_count("o1", "tx_pkts"), 4);
	cr_expect_eq(vs_oft_port_count("o2", "tx_pkts"), 13);
	cr_expect_eq(vs_oft_port_count("o3", "tx_pkts"), 7);
	cr_expect_eq(vs_oft_port_count("in", "tx_pkts"), 5, "IN_PORT sends back out of in");
	cr_assert_eq(vs_oft_ofctl(&out, "--no-stats", "dump-flows", NULL), 0);
	free(out);
	daemon_stop(); /* the tx pcaps are complete */
	check_port("o1", 1, want_o1);
	check_port("o2", 2, want_o2);
	check_port("o3", 3, want_o3);
	check_port("in_tx", 4, want_in);
}

/* ---- refusals: raw FLOW_MODs ------------------------------------------------------- */

static int ofd = -1;

/* A raw OpenFlow connection to the switch (ofd), past HELLO. */
static void
raw_connect(void)
{
	struct vs_ofp_hdr h;

	ofd = vs_oft_raw_connect(port_id, &h);
}

/* Send fm (xid) and a BARRIER; the error it got (type 0xffff: none). */
static struct vs_ofp_err
flow_mod(uint32_t xid, const struct vs_ofp_flow_mod *fm)
{
	static uint8_t buf[VS_OFP_MAX_MSG];
	struct vs_ofp_err e = {0xffff, 0};
	struct vs_ofp_buf b;
	struct vs_ofp_hdr h;

	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_flow_mod(&b, xid, fm), 0);
	cr_assert_eq(vs_ofp_enc_empty(&b, VS_OFPT_BARRIER_REQUEST, xid + 1), 0);
	vs_oft_send(ofd, &b);
	vs_ofp_buf_free(&b);
	for (;;) {
		vs_oft_recv(ofd, buf, sizeof(buf), &h);
		if (h.type == VS_OFPT_ERROR && h.xid == xid)
			cr_assert_eq(vs_ofp_dec_error(buf, h.length, &e), 0);
		if (h.type == VS_OFPT_BARRIER_REPLY && h.xid == xid + 1)
			return e;
	}
}

static void
act_out(struct vs_ofp_action *a, uint32_t port)
{
	memset(a, 0, sizeof(*a));
	a->type = VS_OFPACT_OUTPUT;
	a->port = port;
	a->max_len = VS_OFPCML_NO_BUFFER;
}

static void
act_set16(struct vs_ofp_action *a, unsigned int field, uint16_t v)
{
	memset(a, 0, sizeof(*a));
	a->type = VS_OFPACT_SET_FIELD;
	a->field = (uint8_t)field;
	a->value[0] = (uint8_t)(v >> 8);
	a->value[1] = (uint8_t)v;
}

static void
match16(struct vs_ofp_match *m, unsigned int f, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	vs_ofp_match_set(m, f, b, NULL);
}

Test(of_flows, refused_flow_mods_name_their_error_and_install_nothing)
{
	static struct vs_ofp_flow_mod fm;
	uint8_t v4[4] = {10, 0, 0, 1};
	struct vs_ofp_err e;
	char *out;
	unsigned i;

	raw_connect();

	memset(&fm, 0, sizeof(fm));
	fm.priority = 5;
	fm.buffer_id = VS_OFP_NO_BUFFER;
	fm.out_port = VS_OFPP_ANY;
	fm.out_group = VS_OFPG_ANY;
	fm.goto_table = VS_OFP_NO_GOTO;

	/* pop_vlan where the match says nothing of a tag */
	fm.apply[0].type = VS_OFPACT_POP_VLAN;
	act_out(&fm.apply[1], 1);
	fm.n_apply = 2;
	e = flow_mod(10, &fm);
	cr_expect(e.type == VS_OFPET_BAD_ACTION && e.code == VS_OFPBAC_MATCH_INCONSISTENT,
		  "pop_vlan: %u/%u", e.type, e.code);
	/* set_field vlan_vid on untagged frames; after a pop; in a set without a push */
	match16(&fm.match, VS_OXM_VLAN_VID, VS_OFPVID_NONE);
	act_set16(&fm.apply[0], VS_OXM_VLAN_VID, 0x1005);
	e = flow_mod(20, &fm);
	cr_expect(e.type == VS_OFPET_BAD_ACTION && e.code == VS_OFPBAC_MATCH_INCONSISTENT,
		  "set vlan_vid untagged: %u/%u", e.type, e.code);
	match16(&fm.match, VS_OXM_VLAN_VID, 0x1005);
	fm.apply[0].type = VS_OFPACT_POP_VLAN;
	act_set16(&fm.apply[1], VS_OXM_VLAN_PCP, 0x0300);
	act_out(&fm.apply[2], 1);
	fm.n_apply = 3;
	e = flow_mod(30, &fm);
	cr_expect(e.type == VS_OFPET_BAD_ACTION && e.code == VS_OFPBAC_MATCH_INCONSISTENT,
		  "set vlan_pcp after pop: %u/%u", e.type, e.code);
	fm.n_apply = 0;
	fm.write[0].type = VS_OFPACT_POP_VLAN;
	act_set16(&fm.write[1], VS_OXM_VLAN_VID, 0x1007);
	act_out(&fm.write[2], 1);
	fm.n_write = 3;
	e = flow_mod(40, &fm);
	cr_expect(e.type == VS_OFPET_BAD_ACTION && e.code == VS_OFPBAC_MATCH_INCONSISTENT,
		  "set vlan_vid in a set that pops: %u/%u", e.type, e.code);
	/* ... and with a push in the set it is fine: the set pushes first */
	memset(&fm.write[0], 0, sizeof(fm.write[0]));
	fm.write[0].type = VS_OFPACT_PUSH_VLAN;
	fm.write[0].ethertype = 0x8100;
	e = flow_mod(50, &fm);
	cr_expect_eq(e.type, 0xffff, "push in the set: %u/%u", e.type, e.code);
	fm.command = VS_OFPFC_DELETE_STRICT;
	e = flow_mod(60, &fm);
	cr_expect_eq(e.type, 0xffff, "delete: %u/%u", e.type, e.code);
	fm.command = VS_OFPFC_ADD;
	fm.n_write = 0;

	/* set_field of a field this switch cannot rewrite */
	memset(&fm.match, 0, sizeof(fm.match));
	match16(&fm.match, VS_OXM_ETH_TYPE, 0x0800);
	memset(&fm.apply[0], 0, sizeof(fm.apply[0]));
	fm.apply[0].type = VS_OFPACT_SET_FIELD;
	fm.apply[0].field = VS_OXM_IPV4_SRC;
	memcpy(fm.apply[0].value, v4, 4);
	act_out(&fm.apply[1], 1);
	fm.n_apply = 2;
	e = flow_mod(70, &fm);
	cr_expect(e.type == VS_OFPET_BAD_ACTION && e.code == VS_OFPBAC_BAD_SET_TYPE,
		  "set ipv4_src: %u/%u", e.type, e.code);
	/* outputs with no meaning here, and a port that does not exist */
	act_out(&fm.apply[0], VS_OFPP_LOCAL);
	fm.n_apply = 1;
	e = flow_mod(80, &fm);
	cr_expect(e.type == VS_OFPET_BAD_ACTION && e.code == VS_OFPBAC_BAD_OUT_PORT,
		  "output:LOCAL: %u/%u", e.type, e.code);
	act_out(&fm.apply[0], VS_OFPP_TABLE);
	e = flow_mod(90, &fm);
	cr_expect(e.type == VS_OFPET_BAD_ACTION && e.code == VS_OFPBAC_BAD_OUT_PORT,
		  "output:TABLE: %u/%u", e.type, e.code);
	act_out(&fm.apply[0], 9);
	e = flow_mod(100, &fm);
	cr_expect(e.type == VS_OFPET_BAD_ACTION && e.code == VS_OFPBAC_BAD_OUT_PORT,
		  "output:9: %u/%u", e.type, e.code);
	/* 17 actions over APPLY and WRITE, each list within its 16 */
	for (i = 0; i < 9; i++)
		act_out(&fm.apply[i], 1 + i % 3);
	for (i = 0; i < 8; i++)
		act_out(&fm.write[i], 1 + i % 3);
	fm.n_apply = 9;
	fm.n_write = 8;
	e = flow_mod(110, &fm);
	cr_expect(e.type == VS_OFPET_BAD_ACTION && e.code == VS_OFPBAC_TOO_MANY,
		  "17 actions: %u/%u", e.type, e.code);
	/* goto_table past openflow.tables (8 by default) */
	fm.n_write = 0;
	fm.goto_table = 200;
	e = flow_mod(120, &fm);
	cr_expect(e.type == VS_OFPET_BAD_INSTRUCTION && e.code == VS_OFPBIC_BAD_TABLE_ID,
		  "goto_table:200: %u/%u", e.type, e.code);

	/* nothing of it was installed */
	cr_assert_eq(vs_oft_ofctl(&out, "--no-stats", "dump-flows", NULL), 0);
	cr_expect_eq(count_lines(out, "priority="), 0, "installed: %s", out);
	free(out);
	close(ofd);
	ofd = -1;
}

/* ---- bundles: raw ONF bundle messages, each answer checked ---------------------- */

/* What a request got before the BARRIER after it: a bundle reply, errors. */
struct answer {
	int reply;		  /* the bundle reply's type, -1: none */
	uint32_t reply_id;	  /* its bundle */
	struct vs_ofp_err err[2]; /* the errors, in order */
	uint32_t err_xid[2];
	unsigned n_err;
};

/* Send what b holds and a BARRIER (xid 0xb0000000 + n); collect the answers. */
static struct answer
exchange(struct vs_ofp_buf *b)
{
	static uint8_t buf[VS_OFP_MAX_MSG];
	static uint32_t n;
	struct answer a = {.reply = -1};
	uint32_t bx = 0xb0000000u + n++;
	struct vs_ofp_hdr h;

	cr_assert_eq(vs_ofp_enc_empty(b, VS_OFPT_BARRIER_REQUEST, bx), 0);
	vs_oft_send(ofd, b);
	for (;;) {
		vs_oft_recv(ofd, buf, sizeof(buf), &h);
		if (h.type == VS_OFPT_BARRIER_REPLY && h.xid == bx)
			return a;
		if (h.type == VS_OFPT_ERROR) {
			cr_assert_lt(a.n_err, 2, "more than two errors");
			cr_assert_eq(vs_ofp_dec_error(buf, h.length, &a.err[a.n_err]), 0);
			a.err_xid[a.n_err++] = h.xid;
			continue;
		}
		if (h.type == VS_OFPT_EXPERIMENTER) {
			struct vs_ofp_bundle_ctrl bc;
			uint32_t exp, et;

			cr_assert_eq(vs_ofp_dec_experimenter(buf, h.length, &exp, &et, NULL), 0);
			cr_assert_eq(exp, VS_OFP_ONF_EXPERIMENTER_ID);
			cr_assert_eq(et, VS_ONFT_BUNDLE_CONTROL);
			cr_assert_eq(vs_ofp_dec_bundle_ctrl(buf, h.length, &bc, NULL), 0);
			a.reply = bc.type;
			a.reply_id = bc.bundle_id;
		}
	}
}

static struct answer
bctrl(uint32_t xid, uint32_t id, uint16_t type, uint16_t flags)
{
	struct vs_ofp_bundle_ctrl bc = {id, type, flags};
	struct answer a;
	struct vs_ofp_buf b;

	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_bundle_ctrl(&b, xid, &bc), 0);
	a = exchange(&b);
	vs_ofp_buf_free(&b);
	return a;
}

/* fm (with inner_xid) into bundle id, the add message itself with xid */
static struct answer
badd(uint32_t xid, uint32_t inner_xid, uint32_t id, uint16_t flags,
     const struct vs_ofp_flow_mod *fm)
{
	struct vs_ofp_buf in, b;
	struct answer a;

	vs_ofp_buf_init(&in);
	vs_ofp_buf_init(&b);
	if (fm != NULL)
		cr_assert_eq(vs_ofp_enc_flow_mod(&in, inner_xid, fm), 0);
	else /* a message a bundle does not take */
		cr_assert_eq(vs_ofp_enc_empty(&in, VS_OFPT_BARRIER_REQUEST, inner_xid), 0);
	cr_assert_eq(vs_ofp_enc_bundle_add(&b, xid, id, flags, in.data, in.len), 0);
	a = exchange(&b);
	vs_ofp_buf_free(&in);
	vs_ofp_buf_free(&b);
	return a;
}

static bool
bundle_err(const struct answer *a, unsigned i, uint16_t code)
{
	return a->n_err > i && a->err[i].type == VS_OFPET_EXPERIMENTER && a->err[i].code == code;
}

static void
fm_to(struct vs_ofp_flow_mod *fm, uint8_t cmd, uint8_t last, uint32_t port)
{
	uint8_t v4[4] = {10, 77, 0, last};
	uint8_t et[2] = {0x08, 0x00};

	memset(fm, 0, sizeof(*fm));
	fm->command = cmd;
	fm->priority = 7;
	fm->buffer_id = VS_OFP_NO_BUFFER;
	fm->out_port = VS_OFPP_ANY;
	fm->out_group = VS_OFPG_ANY;
	fm->goto_table = VS_OFP_NO_GOTO;
	vs_ofp_match_set(&fm->match, VS_OXM_ETH_TYPE, et, NULL);
	vs_ofp_match_set(&fm->match, VS_OXM_IPV4_DST, v4, NULL);
	act_out(&fm->apply[0], port);
	fm->n_apply = 1;
}

static unsigned
flows_with(const char *what)
{
	char *out;
	unsigned n;

	cr_assert_eq(vs_oft_ofctl(&out, "--no-stats", "dump-flows", NULL), 0, "%s", out);
	n = count_lines(out, what);
	free(out);
	return n;
}

Test(of_flows, bundles_apply_whole_or_not_at_all)
{
	const uint16_t AO = VS_OFPBF_ATOMIC | VS_OFPBF_ORDERED;
	static struct vs_ofp_flow_mod fm;
	struct answer a;
	uint32_t id;

	raw_connect();
	/* open, and open again */
	a = bctrl(1, 1, VS_OFPBCT_OPEN_REQUEST, AO);
	cr_expect(a.reply == VS_OFPBCT_OPEN_REPLY && a.reply_id == 1 && a.n_err == 0);
	a = bctrl(2, 1, VS_OFPBCT_OPEN_REQUEST, AO);
	cr_expect(bundle_err(&a, 0, VS_OFPBFC_BUNDLE_EXIST), "open twice: %u", a.err[0].code);
	/* two flows in, and what a bundle refuses to take */
	fm_to(&fm, VS_OFPFC_ADD, 1, 1);
	a = badd(3, 3, 1, AO, &fm);
	cr_expect(a.n_err == 0 && a.reply == -1, "add: %u errors", a.n_err);
	fm_to(&fm, VS_OFPFC_ADD, 2, 2);
	a = badd(4, 4, 1, AO, &fm);
	cr_expect_eq(a.n_err, 0);
	a = badd(5, 6, 1, AO, &fm);
	cr_expect(bundle_err(&a, 0, VS_OFPBFC_MSG_BAD_XID), "inner xid: %u", a.err[0].code);
	a = badd(7, 7, 1, VS_OFPBF_ATOMIC, &fm);
	cr_expect(bundle_err(&a, 0, VS_OFPBFC_BAD_FLAGS), "flags: %u", a.err[0].code);
	a = badd(8, 8, 1, AO, NULL);
	cr_expect(bundle_err(&a, 0, VS_OFPBFC_MSG_UNSUP), "a barrier: %u", a.err[0].code);
	cr_expect_eq(flows_with("nw_dst=10.77.0."), 0, "a bundle's flow before the commit");
	/* closed: no more messages */
	a = bctrl(9, 1, VS_OFPBCT_CLOSE_REQUEST, AO);
	cr_expect_eq(a.reply, VS_OFPBCT_CLOSE_REPLY);
	fm_to(&fm, VS_OFPFC_ADD, 3, 3);
	a = badd(10, 10, 1, AO, &fm);
	cr_expect(bundle_err(&a, 0, VS_OFPBFC_BUNDLE_CLOSED), "add when closed: %u", a.err[0].code);
	a = bctrl(11, 1, VS_OFPBCT_CLOSE_REQUEST, AO);
	cr_expect(bundle_err(&a, 0, VS_OFPBFC_BUNDLE_CLOSED), "close twice: %u", a.err[0].code);
	/* the commit: both flows, the bundle gone */
	a = bctrl(12, 1, VS_OFPBCT_COMMIT_REQUEST, AO);
	cr_expect(a.reply == VS_OFPBCT_COMMIT_REPLY && a.n_err == 0, "commit: %d, %u errors",
		  a.reply, a.n_err);
	cr_expect_eq(flows_with("nw_dst=10.77.0."), 2);
	a = bctrl(13, 1, VS_OFPBCT_COMMIT_REQUEST, AO);
	cr_expect(bundle_err(&a, 0, VS_OFPBFC_BAD_ID), "commit twice: %u", a.err[0].code);

	/* bundle 2, opened by its first message: a delete and a flow to a port that
	 * does not exist. The commit fails at the second: its own error with its
	 * xid, then MSG_FAILED; the delete did not happen */
	fm_to(&fm, VS_OFPFC_DELETE, 0, 1);
	memset(&fm.match, 0, sizeof(fm.match));
	fm.n_apply = 0;
	cr_expect_eq(badd(20, 20, 2, AO, &fm).n_err, 0);
	fm_to(&fm, VS_OFPFC_ADD, 4, 99);
	cr_expect_eq(badd(21, 21, 2, AO, &fm).n_err, 0);
	a = bctrl(22, 2, VS_OFPBCT_COMMIT_REQUEST, AO);
	cr_expect_eq(a.reply, -1);
	cr_expect_eq(a.n_err, 2);
	cr_expect(a.err[0].type == VS_OFPET_BAD_ACTION && a.err[0].code == VS_OFPBAC_BAD_OUT_PORT &&
		      a.err_xid[0] == 21,
		  "the failing message: %u/%u xid %u", a.err[0].type, a.err[0].code, a.err_xid[0]);
	cr_expect(bundle_err(&a, 1, VS_OFPBFC_MSG_FAILED) && a.err_xid[1] == 22,
		  "the commit: %u/%u", a.err[1].type, a.err[1].code);
	cr_expect_eq(flows_with("nw_dst=10.77.0."), 2, "a failed bundle changed the flows");

	/* discarded: nothing of it; unknown bundles */
	fm_to(&fm, VS_OFPFC_ADD, 5, 1);
	cr_expect_eq(badd(30, 30, 3, AO, &fm).n_err, 0);
	a = bctrl(31, 3, VS_OFPBCT_DISCARD_REQUEST, AO);
	cr_expect_eq(a.reply, VS_OFPBCT_DISCARD_REPLY);
	a = bctrl(32, 3, VS_OFPBCT_COMMIT_REQUEST, AO);
	cr_expect(bundle_err(&a, 0, VS_OFPBFC_BAD_ID));
	a = bctrl(33, 9, VS_OFPBCT_DISCARD_REQUEST, AO);
	cr_expect(bundle_err(&a, 0, VS_OFPBFC_BAD_ID));
	a = bctrl(34, 9, VS_OFPBCT_OPEN_REPLY, AO);
	cr_expect(bundle_err(&a, 0, VS_OFPBFC_BAD_TYPE), "a reply as request: %u", a.err[0].code);
	cr_expect_eq(flows_with("nw_dst=10.77.0."), 2);

	/* 16 open bundles per connection; the ones left go with the connection */
	for (id = 100; id < 116; id++)
		cr_expect_eq(bctrl(40 + id, id, VS_OFPBCT_OPEN_REQUEST, AO).reply,
			     VS_OFPBCT_OPEN_REPLY);
	a = bctrl(200, 116, VS_OFPBCT_OPEN_REQUEST, AO);
	cr_expect(bundle_err(&a, 0, VS_OFPBFC_OUT_OF_BUNDLES), "17th: %u", a.err[0].code);
	{ /* show openflow counts them for this connection */
		json_t *j = vs_oft_ctl_json("openflow"), *c;
		bool seen = false;
		size_t k;

		json_array_foreach(json_object_get(j, "conns"), k, c)
		{
			if (json_integer_value(json_object_get(c, "bundles_open")) != 16)
				continue;
			seen = true;
			cr_expect_eq(json_integer_value(json_object_get(c, "bundles_committed")),
				     1);
			cr_expect_eq(json_integer_value(json_object_get(c, "bundles_failed")), 1);
		}
		cr_expect(seen, "no connection with 16 open bundles: %s", json_dumps(j, 0));
		json_decref(j);
	}
	close(ofd);
	ofd = -1;

	/* ovs-ofctl's own bundles: 2000 flows in one; then the same with a bad
	 * flow last (nothing of it), then a delete of everything in one */
	{
		char path[160], *out;
		FILE *f;
		unsigned i;

		snprintf(path, sizeof(path), "%s/bundle.flows", vs_oft.dir);
		f = fopen(path, "w");
		cr_assert_not_null(f);
		for (i = 0; i < 2000; i++)
			fprintf(f, "priority=9,ip,nw_dst=10.78.%u.%u,actions=output:%u\n", i / 256,
				i % 256, 1 + i % 3);
		fclose(f);
		cr_assert_eq(vs_oft_ofctl(&out, "--bundle", "add-flows", path), 0, "%s", out);
		free(out);
		cr_expect_eq(flows_with("nw_dst=10.78."), 2000);
		f = fopen(path, "w");
		cr_assert_not_null(f);
		for (i = 0; i < 1999; i++)
			fprintf(f, "priority=8,ip,nw_dst=10.79.%u.%u,actions=output:1\n", i / 256,
				i % 256);
		fprintf(f, "priority=8,ip,nw_dst=10.79.99.99,actions=output:99\n");
		fclose(f);
		cr_expect_neq(vs_oft_ofctl(&out, "--bundle", "add-flows", path), 0);
		cr_expect(strstr(out, "OFPBAC_BAD_OUT_PORT") != NULL &&
			      strstr(out, "OFPBFC_MSG_FAILED") != NULL,
			  "%s", out);
		free(out);
		cr_expect_eq(flows_with("nw_dst=10.79."), 0, "a failed bundle left flows");
		cr_expect_eq(flows_with("nw_dst=10.78."), 2000);
	}
	cr_assert_eq(vs_oft_ofctl(NULL, "--bundle", "del-flows", NULL), 0);
	cr_expect_eq(flows_with("priority="), 0);
}
