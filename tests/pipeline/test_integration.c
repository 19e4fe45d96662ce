/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The real pipeline over DPDK virtual devices, in-process: one input and
 * three output ports made with rte_eth_from_rings(), a config loaded with
 * vs_config_load_buf() naming them, a worker on lcore 1. Crafted packets go
 * in through the input's rx ring; what the switch sends comes out of each
 * port's tx ring, where the test checks counts, ports and bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_eth_ring.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "vs_cls.h"
#include "vs_port.h"
#include "vs_rules.h"
#include "vs_switch.h"

#define N_PORTS	 4 /* in0, out0, out1, out2 */
#define MAX_PKTS 256

static const char *const port_names[N_PORTS] = {"in0", "out0", "out1", "out2"};
static struct rte_ring *rx_ring[N_PORTS], *tx_ring[N_PORTS];
static struct rte_mempool *pool;

static void
eal_up(void)
{
	char prefix[64];
	char *argv[] = {
	    "test_pipeline_integration",
	    "--no-huge",
	    "-m",
	    "512",
	    "--no-shconf",
	    "--no-pci",
	    "--no-telemetry",
	    "-l",
	    "0,1",
	    "--file-prefix",
	    prefix,
	    "--log-level",
	    "*:warning",
	    NULL,
	};
	unsigned i;

	snprintf(prefix, sizeof(prefix), "vs_pipe_it_%d", getpid());
	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv), 0,
		      "EAL init failed");
	pool = rte_pktmbuf_pool_create("test_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool);
	for (i = 0; i < N_PORTS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "rx_%s", port_names[i]);
		rx_ring[i] = rte_ring_create(name, 1024, SOCKET_ID_ANY, 0);
		snprintf(name, sizeof(name), "tx_%s", port_names[i]);
		tx_ring[i] = rte_ring_create(name, 1024, SOCKET_ID_ANY, 0);
		cr_assert(rx_ring[i] && tx_ring[i]);
		/* The ethdev is named net_ring_<name>. */
		cr_assert_geq(rte_eth_from_rings(port_names[i], &rx_ring[i], 1, &tx_ring[i], 1, 0),
			      0, "cannot make ring port %s", port_names[i]);
	}
}

#define PORTS_YAML                                                                                 \
	"workers: [{lcore: 1}]\n"                                                                  \
	"ports:\n"                                                                                 \
	"  - {name: in0, type: ethdev, device: net_ring_in0}\n"                                    \
	"  - {name: out0, type: ethdev, device: net_ring_out0}\n"                                  \
	"  - {name: out1, type: ethdev, device: net_ring_out1}\n"                                  \
	"  - {name: out2, type: ethdev, device: net_ring_out2}\n"

static const char *main_yaml = PORTS_YAML
    "rules:\n"
    "  - {priority: 100, match: {in_port: in0, ip_dst: 10.0.0.1/32}, actions: [{output: out0}]}\n"
    "  - {priority: 100, match: {in_port: in0, ip_dst: 10.0.0.2/32, ip_proto: udp,\n"
    "     l4_dst: \"1000-1999\"}, actions: [{output: out1}]}\n"
    "  - {priority: 100, match: {in_port: in0, ip_dst: 10.0.0.3/32}, actions: [drop]}\n"
    "  - {priority: 100, match: {in_port: in0, vlan: 10}, actions: [pop_vlan, {output: out2}]}\n"
    "  - {priority: 100, match: {in_port: in0, ip_dst: 10.0.0.4/32, vlan: none},\n"
    "     actions: [{push_vlan: {vid: 20, pcp: 3}}, {output: out2}]}\n"
    "  - {priority: 100, match: {in_port: in0, ip_dst: 10.0.0.5/32},\n"
    "     actions: [{set_eth_src: \"02:aa:00:00:00:01\"}, {set_eth_dst: \"02:bb:00:00:00:02\"},\n"
    "               {output: out1}]}\n"
    "  - {priority: 100, match: {in_port: in0, eth_type: 0x0806}, actions: [flood]}\n"
    "  - {priority: 100, match: {in_port: in0, ip_dst: 10.0.0.6/32},\n"
    "     actions: [{output: out0}, {set_eth_dst: \"02:cc:00:00:00:03\"}, {output: out1}]}\n"
    "  - {priority: 100, match: {in_port: in0, ip_dst: 10.0.0.7/32}, actions: [{output: in0}]}\n"
    "  - {priority: 100, match: {in_port: in0, ip_dst: 10.0.0.10/32},\n"
    "     actions: [{push_vlan: {vid: 30, pcp: 0}}, flood]}\n";

static uint16_t
port_id_of(const char *name)
{
	uint16_t id = UINT16_MAX;

	cr_assert_eq(rte_eth_dev_get_port_by_name(name, &id), 0, "no ethdev %s", name);
	return id;
}

static struct vs_config *
load(const char *yaml)
{
	struct vs_cfg_error err;
	struct vs_config *cfg;

	memset(&err, 0, sizeof(err));
	cfg = vs_config_load_buf(yaml, strlen(yaml), "it.yaml", &err);
	cr_assert_not_null(cfg, "config did not load: %s", err.msg);
	return cfg;
}

/* ---- packets --------------------------------------------------------------------- */

static const uint8_t mac_dst[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t mac_src[6] = {0x02, 0, 0, 0, 0, 0x01};

static uint8_t *
frame_start(struct rte_mbuf **mp, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	cr_assert_not_null(p);
	memset(p, 0, len);
	memcpy(p, mac_dst, 6);
	memcpy(p + 6, mac_src, 6);
	*mp = m;
	return p;
}

/* Every frame built, by id, as it was injected (to derive the expected output). */
#define MAX_ID 1024
static uint8_t orig[MAX_ID][128];
static uint16_t orig_len[MAX_ID];

static void
record(uint16_t id, const struct rte_mbuf *m)
{
	cr_assert_lt(id, MAX_ID);
	orig_len[id] = (uint16_t)rte_pktmbuf_data_len(m);
	memcpy(orig[id], rte_pktmbuf_mtod(m, const uint8_t *), orig_len[id]);
}

/* UDP/IPv4 to 10.0.0.dst, IPv4 id = id; vlan < 0: untagged. 64 bytes untagged. */
static struct rte_mbuf *
mk_udp(uint16_t id, uint8_t dst, uint16_t dport, int vlan)
{
	unsigned l2 = vlan >= 0 ? 18 : 14;
	struct rte_mbuf *m;
	uint8_t *p = frame_start(&m, (uint16_t)(l2 + 50)), *ip, *udp;

	if (vlan >= 0) {
		p[12] = 0x81;
		p[14] = (uint8_t)(vlan >> 8);
		p[15] = (uint8_t)vlan;
	}
	p[l2 - 2] = 0x08;
	ip = p + l2;
	ip[0] = 0x45;
	ip[3] = 50; /* total length */
	ip[4] = (uint8_t)(id >> 8);
	ip[5] = (uint8_t)id;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10, ip[13] = 9, ip[14] = 0, ip[15] = 1;
	ip[16] = 10, ip[17] = 0, ip[18] = 0, ip[19] = dst;
	udp = ip + 20;
	udp[0] = 0x04;
	udp[1] = 0xd2;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[5] = 30;
	record(id, m);
	return m;
}

/* ARP request, id in the padding after the ARP body (bytes 42-43). */
static struct rte_mbuf *
mk_arp(uint16_t id)
{
	struct rte_mbuf *m;
	uint8_t *p = frame_start(&m, 60);

	p[12] = 0x08;
	p[13] = 0x06;
	p[15] = 1;    /* htype ethernet */
	p[16] = 0x08; /* ptype ipv4 */
	p[18] = 6;
	p[19] = 4;
	p[21] = 1; /* request */
	p[42] = (uint8_t)(id >> 8);
	p[43] = (uint8_t)id;
	record(id, m);
	return m;
}

static struct rte_mbuf *
mk_runt(void)
{
	struct rte_mbuf *m;

	frame_start(&m, 10);
	return m;
}

static struct rte_mbuf *
mk_bad_ihl(uint16_t id)
{
	struct rte_mbuf *m = mk_udp(id, 1, 1000, -1);

	rte_pktmbuf_mtod(m, uint8_t *)[14] = 0x43; /* IHL 3 */
	return m;
}

/* The id a frame carries: IPv4 id, or bytes 42-43 of an ARP frame. */
static int
frame_id(const uint8_t *p, uint32_t len)
{
	unsigned off = 12;
	uint16_t type = (uint16_t)(p[off] << 8 | p[off + 1]);

	if (type == 0x8100) {
		off += 4;
		type = (uint16_t)(p[off] << 8 | p[off + 1]);
	}
	if (type == 0x0800 && len >= off + 2 + 6)
		return p[off + 2 + 4] << 8 | p[off + 2 + 5];
	if (type == 0x0806 && len >= off + 2 + 30)
		return p[off + 2 + 28] << 8 | p[off + 2 + 29];
	return -1;
}

/* ---- running the switch ----------------------------------------------------------- */

static void
inject(struct rte_mbuf **pkts, unsigned n)
{
	cr_assert_eq(rte_ring_enqueue_burst(rx_ring[0], (void **)pkts, n, NULL), n);
}

static uint64_t
sum_tx(const struct vs_switch_stats *st)
{
	uint64_t t = 0;
	uint16_t id;

	for (id = 0; id < st->n_ports; id++)
		t += st->port[id].tx_pkts;
	return t;
}

/*
 * Wait (bounded) until the worker has received rx_total packets on in0 and
 * accounted for tx_total transmissions and drops_total drops; then the
 * counters must not move any further.
 */
static void
wait_processed(struct vs_switch *sw, uint64_t rx_total, uint64_t tx_total, uint64_t drops_total,
	       struct vs_switch_stats *st)
{
	unsigned i;

	for (i = 0; i < 10000; i++) {
		vs_switch_stats(sw, st);
		if (st->port[0].rx_pkts >= rx_total && sum_tx(st) >= tx_total &&
		    st->total_drops >= drops_total)
			break;
		usleep(1000);
	}
	usleep(20000);
	vs_switch_stats(sw, st);
	cr_assert_eq(st->port[0].rx_pkts, rx_total, "in0 received %" PRIu64 " of %" PRIu64,
		     st->port[0].rx_pkts, rx_total);
	cr_assert_eq(sum_tx(st), tx_total, "transmitted %" PRIu64 ", expected %" PRIu64, sum_tx(st),
		     tx_total);
	cr_assert_eq(st->total_drops, drops_total, "dropped %" PRIu64 ", expected %" PRIu64,
		     st->total_drops, drops_total);
}

static unsigned
drain(unsigned port, struct rte_mbuf **out, unsigned max)
{
	return rte_ring_dequeue_burst(tx_ring[port], (void **)out, max, NULL);
}

static struct vs_switch *
switch_up(const struct vs_config *cfg)
{
	struct vs_switch *sw = vs_switch_create(cfg);

	cr_assert_not_null(sw, "switch create: %s", strerror(errno));
	cr_assert_eq(vs_switch_apply(sw, cfg), 0);
	cr_assert_eq(vs_switch_start(sw), 0);
	return sw;
}

/* ---- tests ----------------------------------------------------------------------- */

enum kind {
	K_PLAIN,  /* unchanged */
	K_POPPED, /* vlan 10 removed */
	K_PUSHED, /* vid 20 pcp 3 added */
	K_MACS,	  /* src/dst rewritten */
	K_ARP,
	K_H,	  /* out0: original dst; out1: dst 02:cc:... */
	K_PUSH30, /* vid 30 added, flooded */
};

struct expect {
	uint16_t id;
	uint8_t ports; /* bit p: expected once on port p */
	uint8_t kind;
	uint8_t seen;
};

static struct expect exp_tab[MAX_PKTS];
static unsigned n_exp;

static void
expect(uint16_t id, uint8_t ports, enum kind k)
{
	exp_tab[n_exp].id = id;
	exp_tab[n_exp].ports = ports;
	exp_tab[n_exp].kind = (uint8_t)k;
	exp_tab[n_exp].seen = 0;
	n_exp++;
}

static struct expect *
find(int id)
{
	unsigned i;

	for (i = 0; i < n_exp; i++)
		if (exp_tab[i].id == id)
			return &exp_tab[i];
	return NULL;
}

static void
check_frame(unsigned port, struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	static const uint8_t cc[6] = {0x02, 0xcc, 0, 0, 0, 0x03};
	static const uint8_t aa[6] = {0x02, 0xaa, 0, 0, 0, 0x01};
	static const uint8_t bb[6] = {0x02, 0xbb, 0, 0, 0, 0x02};
	uint32_t len = rte_pktmbuf_pkt_len(m);
	int id = frame_id(p, len);
	struct expect *e = find(id);
	uint8_t want[160];
	const uint8_t *o;
	unsigned wlen, olen;

	cr_assert_not_null(e, "port %s sent a frame with unknown id %d", port_names[port], id);
	cr_assert(e->ports & (1u << port), "id %d left by %s, not expected there", id,
		  port_names[port]);
	cr_assert_not(e->seen & (1u << port), "id %d left by %s twice", id, port_names[port]);
	e->seen |= (uint8_t)(1u << port);
	/* The frame the rule's actions make of the original, byte for byte. */
	o = orig[id];
	olen = orig_len[id];
	switch (e->kind) {
	case K_PLAIN:
	case K_ARP:
		memcpy(want, o, olen);
		wlen = olen;
		break;
	case K_POPPED: /* tag removed */
		memcpy(want, o, 12);
		memcpy(want + 12, o + 16, olen - 16u);
		wlen = olen - 4u;
		break;
	case K_PUSHED: /* tag added: TPID 0x8100, PCP 3, VID 20 */
	case K_PUSH30: /* PCP 0, VID 30 */
		memcpy(want, o, 12);
		want[12] = 0x81;
		want[13] = 0x00;
		want[14] = e->kind == K_PUSHED ? (3 << 5) : 0;
		want[15] = e->kind == K_PUSHED ? 20 : 30;
		memcpy(want + 16, o + 12, olen - 12u);
		wlen = olen + 4u;
		break;
	case K_MACS:
		memcpy(want, o, olen);
		memcpy(want, bb, 6);
		memcpy(want + 6, aa, 6);
		wlen = olen;
		break;
	case K_H: /* out0 got its copy before the rewrite; out1 after it */
		memcpy(want, o, olen);
		if (port == 2)
			memcpy(want, cc, 6);
		wlen = olen;
		break;
	default:
		cr_assert_fail("bad kind");
	}
	cr_assert_eq(len, wlen, "id %d on %s: %u bytes, expected %u", id, port_names[port], len,
		     wlen);
	cr_assert_arr_eq(p, want, wlen, "id %d on %s: bytes differ from the expected frame", id,
			 port_names[port]);
}

static void
collect_and_check(const unsigned *expect_count)
{
	struct rte_mbuf *out[MAX_PKTS];
	unsigned port, n, i;

	for (port = 0; port < N_PORTS; port++) {
		n = drain(port, out, MAX_PKTS);
		cr_assert_eq(n, expect_count[port], "%s sent %u frames, expected %u",
			     port_names[port], n, expect_count[port]);
		for (i = 0; i < n; i++) {
			check_frame(port, out[i]);
			rte_pktmbuf_free(out[i]);
		}
	}
	for (i = 0; i < n_exp; i++)
		cr_assert_eq(exp_tab[i].seen, exp_tab[i].ports, "id %u: seen on %#x, expected %#x",
			     exp_tab[i].id, exp_tab[i].seen, exp_tab[i].ports);
}

#define IN0  (1u << 0)
#define OUT0 (1u << 1)
#define OUT1 (1u << 2)
#define OUT2 (1u << 3)

Test(integration, every_packet_leaves_by_its_rule, .timeout = 30)
{
	struct rte_mbuf *pkts[MAX_PKTS];
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct vs_config *cfg;
	struct vs_switch *sw;
	uint16_t id = 1;
	unsigned n = 0, i;
	const unsigned count[N_PORTS] = {0, 10 + 2 + 1 + 2, 3 + 2 + 2 + 1 + 2, 3 + 2 + 2 + 2};

	eal_up();
	cfg = load(main_yaml);
	sw = switch_up(cfg);
	n_exp = 0;
	for (i = 0; i < 10; i++, id++) { /* A: out0 */
		pkts[n++] = mk_udp(id, 1, 1000, -1);
		expect(id, OUT0, K_PLAIN);
	}
	for (i = 0; i < 3; i++, id++) { /* B: in-range ports -> out1 */
		static const uint16_t ports[3] = {1000, 1500, 1999};

		pkts[n++] = mk_udp(id, 2, ports[i], -1);
		expect(id, OUT1, K_PLAIN);
	}
	pkts[n++] = mk_udp(id++, 2, 999, -1); /* B': outside the range: no_rule */
	pkts[n++] = mk_udp(id++, 2, 2000, -1);
	for (i = 0; i < 4; i++) /* C: rule_drop */
		pkts[n++] = mk_udp(id++, 3, 1000, -1);
	for (i = 0; i < 3; i++, id++) { /* D: vlan 10 popped -> out2 */
		pkts[n++] = mk_udp(id, 9, 1000, 10);
		expect(id, OUT2, K_POPPED);
	}
	for (i = 0; i < 2; i++, id++) { /* E: vlan 20 pushed -> out2 */
		pkts[n++] = mk_udp(id, 4, 1000, -1);
		expect(id, OUT2, K_PUSHED);
	}
	pkts[n++] = mk_udp(id++, 4, 1000, 5); /* E': tagged, `vlan: none` misses */
	for (i = 0; i < 2; i++, id++) {	      /* F: MACs rewritten -> out1 */
		pkts[n++] = mk_udp(id, 5, 1000, -1);
		expect(id, OUT1, K_MACS);
	}
	for (i = 0; i < 2; i++, id++) { /* G: ARP flooded to all but in0 */
		pkts[n++] = mk_arp(id);
		expect(id, OUT0 | OUT1 | OUT2, K_ARP);
	}
	pkts[n++] = mk_udp(id, 6, 1000, -1); /* H: out0, rewrite, out1 */
	expect(id++, OUT0 | OUT1, K_H);
	pkts[n++] = mk_udp(id++, 7, 1000, -1); /* I: hairpin */
	for (i = 0; i < 3; i++)		       /* K: no rule */
		pkts[n++] = mk_udp(id++, 8, 1000, -1);
	for (i = 0; i < 2; i++) /* malformed */
		pkts[n++] = mk_runt();
	for (i = 0; i < 2; i++)
		pkts[n++] = mk_bad_ihl(id++);
	for (i = 0; i < 2; i++, id++) { /* push after classification, then flood */
		pkts[n++] = mk_udp(id, 10, 1000, -1);
		expect(id, OUT0 | OUT1 | OUT2, K_PUSH30);
	}

	inject(pkts, n);
	wait_processed(sw, n, count[1] + count[2] + count[3], 2 + 3 + 1 + 4 + 1 + 2 + 2, st);
	cr_assert_eq(st->drops[VS_DROP_NO_RULE], 2 + 3 + 1);
	cr_assert_eq(st->drops[VS_DROP_RULE_DROP], 4);
	cr_assert_eq(st->drops[VS_DROP_HAIRPIN], 1);
	cr_assert_eq(st->drops[VS_DROP_PARSE_RUNT], 2);
	cr_assert_eq(st->drops[VS_DROP_PARSE_IPV4_IHL], 2);
	cr_assert_eq(st->port[0].tx_drops, 1, "the hairpin counts against in0");
	for (i = 1; i < N_PORTS; i++)
		cr_assert_eq(st->port[i].tx_pkts, count[i], "%s tx counter", port_names[i]);
	cr_assert_eq(st->worker[0].rx_pkts, n);
	collect_and_check(count);

	cr_assert_eq(vs_switch_stop(sw), 0);
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	free(st);
	rte_eal_cleanup();
}

static const char *rules_b_yaml = PORTS_YAML
    "rules:\n"
    "  - {priority: 100, match: {in_port: in0, ip_dst: 10.0.0.1/32}, actions: [{output: out2}]}\n";
static const char *rules_c_yaml =
    PORTS_YAML "rules:\n"
	       "  - {priority: 5, match: {in_port: in0}, actions: [{output: out1}]}\n"
	       "  - {priority: 9, match: {in_port: in0, ip_dst: 10.0.0.1/32}, actions: [drop]}\n";

static void
send_ones(uint16_t first, unsigned n, uint8_t dst)
{
	struct rte_mbuf *pkts[MAX_PKTS];
	unsigned i;

	for (i = 0; i < n; i++)
		pkts[i] = mk_udp((uint16_t)(first + i), dst, 1000, -1);
	inject(pkts, n);
}

Test(integration, rules_change_while_running_and_stopped, .timeout = 30)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct vs_config *a, *b, *c;
	struct vs_switch *sw;
	unsigned count[N_PORTS];
	uint64_t gen;

	eal_up();
	a = load(main_yaml);
	b = load(rules_b_yaml);
	c = load(rules_c_yaml);
	sw = switch_up(a);

	n_exp = 0;
	send_ones(1, 5, 1);
	for (uint16_t i = 1; i <= 5; i++)
		expect(i, OUT0, K_PLAIN);
	wait_processed(sw, 5, 5, 0, st);
	memcpy(count, (unsigned[N_PORTS]){0, 5, 0, 0}, sizeof(count));
	collect_and_check(count);

	/* Running: 10.0.0.1 now goes to out2. */
	gen = vs_switch_generation(sw);
	cr_assert_eq(vs_switch_apply(sw, b), 0);
	cr_assert_gt(vs_switch_generation(sw), gen);
	n_exp = 0;
	send_ones(100, 6, 1);
	for (uint16_t i = 100; i < 106; i++)
		expect(i, OUT2, K_PLAIN);
	send_ones(200, 2, 2); /* the old out1 rule is gone: no_rule */
	wait_processed(sw, 5 + 8, 5 + 6, 2, st);
	cr_assert_eq(st->drops[VS_DROP_NO_RULE], 2);
	memcpy(count, (unsigned[N_PORTS]){0, 0, 0, 6}, sizeof(count));
	collect_and_check(count);

	/* Stopped: priorities now send 10.0.0.1 to drop, the rest to out1. */
	cr_assert_eq(vs_switch_stop(sw), 0);
	cr_assert_eq(vs_switch_apply(sw, c), 0);
	cr_assert_eq(vs_switch_start(sw), 0);
	n_exp = 0;
	send_ones(300, 3, 1);
	send_ones(400, 4, 9);
	for (uint16_t i = 400; i < 404; i++)
		expect(i, OUT1, K_PLAIN);
	wait_processed(sw, 5 + 8 + 7, 5 + 6 + 4, 2 + 3, st);
	cr_assert_eq(st->drops[VS_DROP_RULE_DROP], 3);
	memcpy(count, (unsigned[N_PORTS]){0, 0, 4, 0}, sizeof(count));
	collect_and_check(count);

	vs_switch_destroy(sw);
	vs_config_free(a);
	vs_config_free(b);
	vs_config_free(c);
	free(st);
	rte_eal_cleanup();
}

static const char *runs_yaml = PORTS_YAML
    "rules:\n"
    "  - {name: a, priority: 10, match: {in_port: in0, ip_dst: 10.0.0.1/32}, actions: [{output: "
    "out1}]}\n"
    "  - {name: b, priority: 10, match: {in_port: in0, ip_dst: 10.0.0.2/32}, actions: [{output: "
    "out1}]}\n"
    "  - {name: c, priority: 10, match: {in_port: in0, ip_dst: 10.0.0.3/32}, actions: [{output: "
    "out2}]}\n"
    "  - {name: d, priority: 10, match: {in_port: in0, ip_dst: 10.0.0.4/32}, actions: [drop]}\n";

/*
 * Plain outputs of different rules to one port leave as one run (the worker
 * groups them by port, not by rule): each port must still get its frames in
 * input order, and each rule its own packet and byte counts.
 */
Test(integration, plain_outputs_of_several_rules_keep_order_and_counts, .timeout = 30)
{
	static const char pattern[] = "1222213211233141122";
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct rte_mbuf *pkts[MAX_PKTS], *out[MAX_PKTS];
	unsigned want[4] = {0}, n = sizeof(pattern) - 1;
	int order[N_PORTS][MAX_PKTS], n_order[N_PORTS] = {0};
	struct vs_config *cfg;
	struct vs_switch *sw;

	eal_up();
	cfg = load(runs_yaml);
	sw = switch_up(cfg);
	n_exp = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned r = (unsigned)(pattern[i] - '1');
		uint16_t id = (uint16_t)(500 + i);

		pkts[i] = mk_udp(id, (uint8_t)(r + 1), 1000, -1);
		want[r]++;
		if (r < 3) {
			unsigned port = r == 2 ? 3 : 2;

			expect(id, r == 2 ? OUT2 : OUT1, K_PLAIN);
			order[port][n_order[port]++] = id;
		}
	}
	inject(pkts, n);
	wait_processed(sw, n, want[0] + want[1] + want[2], want[3], st);
	for (unsigned port = 2; port <= 3; port++) {
		unsigned got = drain(port, out, MAX_PKTS);

		cr_assert_eq(got, (unsigned)n_order[port], "%s: %u frames", port_names[port], got);
		cr_assert_eq(st->port[port].tx_bytes, (uint64_t)n_order[port] * 64, "%s: %lu bytes",
			     port_names[port], (unsigned long)st->port[port].tx_bytes);
		for (unsigned i = 0; i < got; i++) {
			int id = frame_id(rte_pktmbuf_mtod(out[i], const uint8_t *),
					  rte_pktmbuf_pkt_len(out[i]));

			cr_assert_eq(id, order[port][i], "%s frame %u: id %d, expected %d",
				     port_names[port], i, id, order[port][i]);
			rte_pktmbuf_free(out[i]);
		}
	}
	for (unsigned r = 0; r < 4; r++) {
		const char name[2] = {(char)('a' + r), 0};
		struct vs_sw_rule *sr = vs_switch_rule_by_name(sw, name);
		uint64_t np, nb;

		cr_assert_not_null(sr);
		vs_switch_rule_counters(sw, sr, &np, &nb);
		cr_assert_eq(np, want[r], "rule %s: %lu packets, expected %u", name,
			     (unsigned long)np, want[r]);
		cr_assert_eq(nb, (uint64_t)want[r] * 64, "rule %s: %lu bytes, expected %u", name,
			     (unsigned long)nb, want[r] * 64);
	}
	cr_assert_eq(vs_switch_stop(sw), 0);
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	free(st);
	rte_eal_cleanup();
}

static const char *five_outputs_yaml = PORTS_YAML
    "rules:\n"
    "  - {priority: 10, match: {in_port: in0}, actions: [{output: out1}, {output: out1}, "
    "{output: out1}, {output: out1}, {output: out1}]}\n";

/*
 * One burst that puts more packets on a port than its tx buffer holds (13
 * frames, five copies each to out1: 65 for a buffer of 64): the buffer is
 * flushed when full and what is left after that must still go out, with no
 * later traffic to push it.
 */
Test(integration, tx_buffer_overflow_in_one_burst_flushes_the_rest, .timeout = 30)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct rte_mbuf *out[MAX_PKTS];
	struct vs_config *cfg;
	struct vs_switch *sw;
	unsigned got = 0;

	cr_assert_gt(13 * 5, VS_TXBUF_SIZE);
	eal_up();
	cfg = load(five_outputs_yaml);
	sw = switch_up(cfg);
	send_ones(700, 13, 1);
	wait_processed(sw, 13, 13 * 5, 0, st);
	cr_assert_eq(st->port[2].tx_pkts, 13 * 5);
	cr_assert_eq(st->port[2].tx_bytes, 13 * 5 * 64);
	for (unsigned k; (k = drain(2, out + got, MAX_PKTS - got)) != 0;)
		got += k;
	cr_assert_eq(got, 13 * 5);
	for (unsigned i = 0; i < got; i++)
		rte_pktmbuf_free(out[i]);
	cr_assert_eq(vs_switch_stop(sw), 0);
	vs_switch_destroy(sw);
	vs_config_free(cfg);
	free(st);
	rte_eal_cleanup();
}

Test(integration, output_port_not_ready_counts_port_down, .timeout = 30)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct vs_port *out0;
	unsigned count[N_PORTS] = {0, 0, 0, 0};

	eal_up();
	cfg = load(main_yaml);
	sw = switch_up(cfg);
	out0 = vs_switch_port_by_name(sw, "out0");
	cr_assert_not_null(out0);
	/* What a vhost port does when its guest goes away. */
	__atomic_store_n(&out0->ready, false, __ATOMIC_SEQ_CST);
	cr_assert_eq(vs_switch_refresh_ports(sw), 0);
	n_exp = 0;
	send_ones(1, 4, 1);
	wait_processed(sw, 4, 0, 4, st);
	cr_assert_eq(st->drops[VS_DROP_PORT_DOWN], 4);
	cr_assert_eq(st->port[1].tx_drops, 4);
	cr_assert_not(st->port[1].ready);
	collect_and_check(count);

	__atomic_store_n(&out0->ready, true, __ATOMIC_SEQ_CST);
	cr_assert_eq(vs_switch_refresh_ports(sw), 0);
	send_ones(10, 3, 1);
	for (uint16_t i = 10; i < 13; i++)
		expect(i, OUT0, K_PLAIN);
	wait_processed(sw, 7, 3, 4, st);
	count[1] = 3;
	collect_and_check(count);

	vs_switch_destroy(sw);
	vs_config_free(cfg);
	free(st);
	rte_eal_cleanup();
}

/*
 * A ready port whose link the control thread's poll saw down: what goes to
 * it is dropped and counted link_down (not port_down), exactly; once the
 * link is back and polled, it forwards again.
 */
Test(integration, output_link_down_counts_link_down, .timeout = 30)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct vs_port *out0;
	unsigned count[N_PORTS] = {0, 0, 0, 0};

	eal_up();
	cfg = load(main_yaml);
	sw = switch_up(cfg);
	out0 = vs_switch_port_by_name(sw, "out0");
	cr_assert_not_null(out0);
	vs_switch_link_poll(sw, NULL, NULL);
	cr_assert(out0->link_known && out0->link_up);
	cr_assert_eq(rte_eth_dev_set_link_down(out0->dev_id), 0);
	cr_assert_eq(vs_switch_link_poll(sw, NULL, NULL), 1);
	cr_assert(vs_port_is_ready(out0), "link down is not port down");
	n_exp = 0;
	send_ones(1, 4, 1);
	wait_processed(sw, 4, 0, 4, st);
	cr_assert_eq(st->drops[VS_DROP_LINK_DOWN], 4);
	cr_assert_eq(st->drops[VS_DROP_PORT_DOWN], 0);
	cr_assert_eq(st->port[1].tx_drops, 4);
	cr_assert_str_eq(vs_drop_reason_str(VS_DROP_LINK_DOWN), "link_down");
	collect_and_check(count);

	cr_assert_eq(rte_eth_dev_set_link_up(out0->dev_id), 0);
	cr_assert_eq(vs_switch_link_poll(sw, NULL, NULL), 1);
	send_ones(10, 3, 1);
	for (uint16_t i = 10; i < 13; i++)
		expect(i, OUT0, K_PLAIN);
	wait_processed(sw, 7, 3, 4, st);
	count[1] = 3;
	collect_and_check(count);

	vs_switch_destroy(sw);
	vs_config_free(cfg);
	free(st);
	rte_eal_cleanup();
}

static void
eth_cfg(struct vs_cfg_port *c, const char *name, const char *device, uint16_t rx_queues,
	uint16_t mtu)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->device, sizeof(c->device), "%s", device);
	c->type = VS_CFG_PORT_ETHDEV;
	c->rx_queues = rx_queues;
	c->tx_queues = 1;
	c->mtu = mtu;
}

/*
 * Several rx queues on a device that honours RSS (net_null keeps what it is
 * given and reports it back): the hash types are IP/TCP/UDP as far as the
 * device offers them, and the RETA spreads its entries evenly over the
 * queues. A device without RSS (net_ring) still gets its queues, unhashed.
 */
Test(integration, rss_configured_over_several_rx_queues, .timeout = 30)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];
	struct vs_port_params pp = {.pool = NULL, .n_workers = 1};
	struct rte_eth_rss_conf rss;
	struct rte_eth_dev_info info;
	struct rte_ring *r[2];
	struct vs_cfg_error err;
	struct vs_cfg_port c;
	struct vs_port *port;
	uint8_t key[64];
	uint16_t i;

	eal_up();
	pp.pool = pool;
	pp.err = &err;
	memset(&err, 0, sizeof(err));
	eth_cfg(&c, "rss0", "net_null_rss0", 4, 0);
	port = vs_port_create(&c, 10, &pp);
	cr_assert_not_null(port, "create: %s", err.msg);
	cr_assert_eq(rte_eth_dev_info_get(port->dev_id, &info), 0);
	cr_assert_neq(info.flow_type_rss_offloads & VS_PORT_RSS_HF, 0);
	cr_assert_eq(port->rss_hf, VS_PORT_RSS_HF & info.flow_type_rss_offloads);
	cr_assert_eq(port->n_rxq, 4);
	memset(&rss, 0, sizeof(rss));
	rss.rss_key = key;
	rss.rss_key_len = sizeof(key);
	cr_assert_eq(rte_eth_dev_rss_hash_conf_get(port->dev_id, &rss), 0);
	cr_assert_eq(rss.rss_hf, port->rss_hf, "device hashes 0x%" PRIx64 ", asked 0x%" PRIx64,
		     rss.rss_hf, port->rss_hf);
	cr_assert_gt(info.reta_size, 0);
	cr_assert_eq(port->rss_reta_size, info.reta_size);
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < info.reta_size; i++)
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask = UINT64_MAX;
	cr_assert_eq(rte_eth_dev_rss_reta_query(port->dev_id, reta, info.reta_size), 0);
	for (i = 0; i < info.reta_size; i++)
		cr_assert_eq(reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE],
			     i % 4, "reta[%u]", i);
	vs_port_destroy(port);

	/* No RSS offered: created, queues as asked, no hashing. */
	r[0] = rte_ring_create("rss_r0", 256, SOCKET_ID_ANY, 0);
	r[1] = rte_ring_create("rss_r1", 256, SOCKET_ID_ANY, 0);
	cr_assert(r[0] && r[1]);
	cr_assert_geq(rte_eth_from_rings("norss", r, 2, r, 1, 0), 0);
	eth_cfg(&c, "norss", "net_ring_norss", 2, 0);
	port = vs_port_create(&c, 11, &pp);
	cr_assert_not_null(port, "create: %s", err.msg);
	cr_assert_eq(port->n_rxq, 2);
	cr_assert_eq(port->rss_hf, 0);
	cr_assert_eq(port->rss_reta_size, 0);
	vs_port_destroy(port);
	rte_eal_cleanup();
}

/*
 * mtu on a device that cannot set it (net_ring has no mtu_set): the port
 * comes up with the device's MTU and says which was asked. An MTU whose
 * frames exceed the mbuf data room on a device without scatter rx (net_null)
 * is refused with the numbers and what to set.
 */
Test(integration, mtu_refused_by_device_keeps_the_port, .timeout = 30)
{
	struct vs_port_params pp = {.pool = NULL, .n_workers = 1};
	struct rte_eth_dev_info info;
	struct vs_cfg_error err;
	struct rte_ring *r;
	struct vs_cfg_port c;
	struct vs_port *port;

	eal_up();
	pp.pool = pool;
	pp.err = &err;
	r = rte_ring_create("mtu_r", 256, SOCKET_ID_ANY, 0);
	cr_assert_not_null(r);
	cr_assert_geq(rte_eth_from_rings("mtu0", &r, 1, &r, 1, 0), 0);
	memset(&err, 0, sizeof(err));
	eth_cfg(&c, "mtu0", "net_ring_mtu0", 1, 1400);
	port = vs_port_create(&c, 12, &pp);
	cr_assert_not_null(port, "mtu refused killed the port: %s", err.msg);
	cr_assert_eq(port->mtu_asked, 1400);
	cr_assert_eq(port->mtu, RTE_ETHER_MTU, "mtu in force %u", port->mtu);
	cr_assert_eq(rte_eth_dev_info_get(port->dev_id, &info), 0);
	vs_port_destroy(port);

	/* net_null offers no scatter rx (net_ring does): a jumbo MTU gives the
	 * port an rx pool of its own whose mbufs hold a 9000-byte frame. */
	cr_assert_eq(rte_dev_probe("net_null_mtu1"), 0);
	cr_assert_eq(rte_eth_dev_info_get(port_id_of("net_null_mtu1"), &info), 0);
	cr_assert_eq(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER, 0);
	memset(&err, 0, sizeof(err));
	eth_cfg(&c, "mtu1", "net_null_mtu1", 1, 9000);
	port = vs_port_create(&c, 13, &pp);
	cr_assert_not_null(port, "jumbo mtu without scatter killed the port: %s", err.msg);
	cr_assert_not_null(port->rx_pool);
	cr_assert_geq(rte_pktmbuf_data_room_size(port->rx_pool) - RTE_PKTMBUF_HEADROOM, 9022);
	vs_port_destroy(port);
	rte_eal_cleanup();
}

/*
 * A full tx ring makes the bounded retries give up: the packets are freed
 * and counted tx_full against that port. A frame without headroom cannot
 * take a VLAN tag: vlan_push_failed.
 */
Test(integration, tx_full_and_vlan_push_failed, .timeout = 30)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct rte_mbuf *fill[1024], *pkts[4], *m;
	unsigned count[N_PORTS] = {0, 0, 0, 0}, free_slots, i;
	struct vs_config *cfg;
	struct vs_switch *sw;

	eal_up();
	cfg = load(main_yaml);
	sw = switch_up(cfg);
	/* Fill out0's tx ring completely. */
	free_slots = rte_ring_free_count(tx_ring[1]);
	for (i = 0; i < free_slots; i++)
		fill[i] = rte_pktmbuf_alloc(pool);
	cr_assert_eq(rte_ring_enqueue_burst(tx_ring[1], (void **)fill, free_slots, NULL),
		     free_slots);
	n_exp = 0;
	send_ones(1, 3, 1); /* -> out0, full */
	/* 10.0.0.4 gets a VLAN tag pushed; this one has no headroom for it. */
	m = mk_udp(50, 4, 1000, -1);
	rte_pktmbuf_prepend(m, rte_pktmbuf_headroom(m));
	memmove(rte_pktmbuf_mtod(m, uint8_t *),
		rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_PKTMBUF_HEADROOM), 64);
	rte_pktmbuf_trim(m, RTE_PKTMBUF_HEADROOM);
	cr_assert_eq(rte_pktmbuf_headroom(m), 0);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), 64);
	pkts[0] = m;
	inject(pkts, 1);
	wait_processed(sw, 4, 0, 4, st);
	cr_assert_eq(st->drops[VS_DROP_TX_FULL], 3);
	cr_assert_eq(st->port[1].tx_drops, 3);
	cr_assert_eq(st->drops[VS_DROP_VLAN_PUSH_FAILED], 1);
	/* Nothing but the filler is in out0's ring. */
	cr_assert_eq(rte_ring_dequeue_burst(tx_ring[1], (void **)fill, free_slots, NULL),
		     free_slots);
	for (i = 0; i < free_slots; i++)
		rte_pktmbuf_free(fill[i]);
	collect_and_check(count);

	vs_switch_destroy(sw);
	vs_config_free(cfg);
	free(st);
	rte_eal_cleanup();
}

Test(integration, refused_change_leaves_the_switch_running, .timeout = 30)
{
	/* A port that cannot be created refuses the whole change. */
	static const char *fewer_ports =
	    "workers: [{lcore: 1}]\n"
	    "ports:\n"
	    "  - {name: in0, type: ethdev, device: net_ring_in0}\n"
	    "  - {name: nosuch, type: ethdev, device: net_nosuch0}\n"
	    "rules:\n"
	    "  - {priority: 1, match: {in_port: in0}, actions: [drop]}\n";
	static const char *other_workers = "workers: [{lcore: 1}, {lcore: 2}]\n"
					   "ports:\n"
					   "  - {name: in0, type: ethdev, device: net_ring_in0}\n";
	/* New rules staged, then a new port that cannot be probed: all undone. */
	static const char *ghost_port = PORTS_YAML
	    "  - {name: ghost, type: ethdev, device: no_such_bus_dev0}\n"
	    "rules:\n"
	    "  - {priority: 7, match: {in_port: in0, l4_dst: \"1000-1999\", ip_proto: udp},\n"
	    "     actions: [{output: out2}]}\n"
	    "  - {priority: 7, match: {in_port: in0}, actions: [{output: ghost}]}\n";
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct vs_config *cfg, *bad1, *bad2, *bad3;
	unsigned i;
	struct vs_switch *sw;
	unsigned count[N_PORTS] = {0, 3, 0, 0};
	uint64_t gen;

	eal_up();
	cfg = load(main_yaml);
	bad1 = load(fewer_ports);
	bad2 = load(other_workers);
	sw = switch_up(cfg);
	gen = vs_switch_generation(sw);
	cr_assert_lt(vs_switch_apply(sw, bad1), 0);
	cr_assert_null(vs_switch_port_by_name(sw, "nosuch"));
	cr_assert_eq(vs_switch_apply(sw, bad2), -EPERM, "workers need a restart");
	bad3 = load(ghost_port);
	cr_assert_eq(vs_switch_apply(sw, bad3), -ENODEV);
	cr_assert_null(vs_switch_port_by_name(sw, "ghost"));
	/* The aborted rules' action lists go through data_free after a grace
	 * period: let the classifier reclaim them while traffic flows. */
	for (i = 0; i < 50; i++) {
		vs_switch_reclaim(sw);
		usleep(1000);
	}
	cr_assert_eq(vs_switch_generation(sw), gen);
	n_exp = 0;
	send_ones(1, 3, 1);
	for (i = 1; i < 4; i++)
		expect(i, OUT0, K_PLAIN);
	wait_processed(sw, 3, 3, 0, st);
	collect_and_check(count);

	vs_switch_destroy(sw);
	vs_config_free(cfg);
	vs_config_free(bad1);
	vs_config_free(bad2);
	vs_config_free(bad3);
	free(st);
	rte_eal_cleanup();
}

/*
 * Two workers (lcores 1 and 2, both on CPU 1) each poll one rx queue of the
 * input and transmit to an output with a single tx queue: that queue is
 * shared, so its lock must be used, and no packet may be lost or doubled.
 */
Test(integration, two_workers_share_a_tx_queue, .timeout = 30)
{
	static const char *yaml =
	    "workers: [{lcore: 1}, {lcore: 2}]\n"
	    "ports:\n"
	    "  - {name: min0, type: ethdev, device: net_ring_min0, rx_queues: 2, tx_queues: 1}\n"
	    "  - {name: mout0, type: ethdev, device: net_ring_mout0, tx_queues: 1}\n"
	    "rules:\n"
	    "  - {priority: 1, match: {in_port: min0}, actions: [{output: mout0}]}\n";
	char prefix[64];
	char *argv[] = {
	    "test_pipeline_integration",
	    "--no-huge",
	    "-m",
	    "512",
	    "--no-shconf",
	    "--no-pci",
	    "--no-telemetry",
	    "--lcores",
	    "0@0,1@1,2@1",
	    "--file-prefix",
	    prefix,
	    "--log-level",
	    "*:warning",
	    NULL,
	};
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct rte_ring *in_rx[2], *in_tx, *out_rx, *out_tx;
	struct rte_mbuf *pkts[200], *out[512];
	static const char *yaml2 =
	    "workers: [{lcore: 1}, {lcore: 2}]\n"
	    "ports:\n"
	    "  - {name: mnew, type: ethdev, device: net_ring_mnew, tx_queues: 1}\n"
	    "  - {name: min0, type: ethdev, device: net_ring_min0, rx_queues: 2, tx_queues: 1,\n"
	    "     rxq_pin: [{queue: 0, worker: 2}, {queue: 1, worker: 1}]}\n"
	    "  - {name: mout0, type: ethdev, device: net_ring_mout0, tx_queues: 1}\n"
	    "rules:\n"
	    "  - {priority: 1, match: {in_port: min0}, actions: [{output: mout0}]}\n";
	static uint8_t seen[601];
	struct vs_config *cfg, *cfg2;
	uint64_t gen, cls_gen;
	struct vs_switch *sw;
	struct vs_port *port;
	unsigned q, i, n, got = 0;

	snprintf(prefix, sizeof(prefix), "vs_pipe_mw_%d", getpid());
	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv), 0);
	pool = rte_pktmbuf_pool_create("test_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	in_rx[0] = rte_ring_create("min0_rx0", 512, SOCKET_ID_ANY, 0);
	in_rx[1] = rte_ring_create("min0_rx1", 512, SOCKET_ID_ANY, 0);
	in_tx = rte_ring_create("min0_tx", 512, SOCKET_ID_ANY, 0);
	out_rx = rte_ring_create("mout0_rx", 512, SOCKET_ID_ANY, 0);
	out_tx = rte_ring_create("mout0_tx", 1024, SOCKET_ID_ANY, 0);
	cr_assert(pool && in_rx[0] && in_rx[1] && in_tx && out_rx && out_tx);
	cr_assert_geq(rte_eth_from_rings("min0", in_rx, 2, &in_tx, 1, 0), 0);
	cr_assert_geq(rte_eth_from_rings("mout0", &out_rx, 1, &out_tx, 1, 0), 0);

	cfg = load(yaml);
	sw = switch_up(cfg);
	port = vs_switch_port_by_name(sw, "mout0");
	cr_assert_not_null(port);
	cr_assert_eq(port->n_txq, 1);
	cr_assert(port->txq_shared[0], "one tx queue for two workers is shared");
	cr_assert(port->tx != port->tx_raw, "the locking tx function was chosen");
	port = vs_switch_port_by_name(sw, "min0");
	cr_assert_not(port->txq_shared[0] && port->n_txq > 1);

	for (q = 0; q < 2; q++) {
		for (i = 0; i < 200; i++)
			pkts[i] = mk_udp((uint16_t)(1 + q * 200 + i), 1, 1000, -1);
		cr_assert_eq(rte_ring_enqueue_burst(in_rx[q], (void **)pkts, 200, NULL), 200);
	}
	for (i = 0; i < 10000; i++) {
		vs_switch_stats(sw, st);
		if (st->port[1].tx_pkts >= 400)
			break;
		usleep(1000);
	}
	vs_switch_stats(sw, st);
	cr_assert_eq(st->port[0].rx_pkts, 400);
	cr_assert_eq(st->port[1].tx_pkts, 400);
	cr_assert_eq(st->total_drops, 0);
	cr_assert_eq(st->worker[0].rx_pkts, 200, "each worker polls its own rx queue");
	cr_assert_eq(st->worker[1].rx_pkts, 200);
	cr_assert_eq(st->worker[0].tx_pkts, 200);
	cr_assert_eq(st->worker[1].tx_pkts, 200);
	while ((n = rte_ring_dequeue_burst(out_tx, (void **)out, 512, NULL)) > 0) {
		for (i = 0; i < n; i++) {
			int id = frame_id(rte_pktmbuf_mtod(out[i], const uint8_t *),
					  rte_pktmbuf_pkt_len(out[i]));

			cr_assert(id >= 1 && id <= 400, "unknown id %d", id);
			cr_assert_eq(seen[id], 0, "id %d sent twice", id);
			seen[id] = 1;
			rte_pktmbuf_free(out[i]);
		}
		got += n;
	}
	cr_assert_eq(got, 400);

	/*
	 * A port is added and min0's queues are pinned to the other workers:
	 * both change worker (a queue of a port the change leaves alone stays
	 * where it runs unless a pin moves it). The switch hands them over
	 * through an intermediate snapshot (one extra generation); rules are
	 * unchanged, so the classifier is left alone. Traffic keeps flowing
	 * exactly.
	 */
	cr_assert_geq(rte_eth_from_rings("mnew", &out_rx, 1, &in_tx, 1, 0), 0);
	cfg2 = load(yaml2);
	gen = vs_switch_generation(sw);
	cls_gen = vs_cls_generation(vs_switch_cls(sw));
	cr_assert_eq(vs_switch_apply(sw, cfg2), 0);
	cr_assert_eq(vs_switch_generation(sw), gen + 2, "handover snapshot, then the final one");
	cr_assert_eq(vs_cls_generation(vs_switch_cls(sw)), cls_gen, "rules untouched");
	cr_assert_eq(vs_switch_port_by_name(sw, "min0")->id, 0, "port ids are stable");
	cr_assert_eq(vs_switch_port_by_name(sw, "mnew")->id, 2);
	/* 150 packets on queue 0, 50 on queue 1: the counts tell who polled what. */
	for (q = 0; q < 2; q++) {
		unsigned k = q == 0 ? 150 : 50;

		for (i = 0; i < k; i++)
			pkts[i] = mk_udp((uint16_t)(401 + q * 150 + i), 1, 1000, -1);
		cr_assert_eq(rte_ring_enqueue_burst(in_rx[q], (void **)pkts, k, NULL), k);
	}
	for (i = 0; i < 10000; i++) {
		vs_switch_stats(sw, st);
		if (st->port[1].tx_pkts >= 600)
			break;
		usleep(1000);
	}
	usleep(20000);
	vs_switch_stats(sw, st);
	cr_assert_eq(st->port[0].rx_pkts, 600);
	cr_assert_eq(st->port[1].tx_pkts, 600);
	cr_assert_eq(st->total_drops, 0);
	/* min0 q0 moved from worker 0 to 1, q1 from 1 to 0. */
	cr_assert_eq(st->worker[0].rx_pkts, 200 + 50);
	cr_assert_eq(st->worker[1].rx_pkts, 200 + 150);
	got = 0;
	while ((n = rte_ring_dequeue_burst(out_tx, (void **)out, 512, NULL)) > 0) {
		for (i = 0; i < n; i++) {
			int id = frame_id(rte_pktmbuf_mtod(out[i], const uint8_t *),
					  rte_pktmbuf_pkt_len(out[i]));

			cr_assert(id >= 401 && id <= 600, "unexpected id %d", id);
			cr_assert_eq(seen[id], 0, "id %d sent twice", id);
			seen[id] = 1;
			rte_pktmbuf_free(out[i]);
		}
		got += n;
	}
	cr_assert_eq(got, 200);

	vs_switch_destroy(sw);
	vs_config_free(cfg);
	vs_config_free(cfg2);
	free(st);
	rte_eal_cleanup();
}

/* ---- jumbo frames: multi-segment mbufs through the pipeline ----------------------- */

#define JUMBO 9000

static uint8_t jumbo_in[JUMBO + 64], jumbo_out[JUMBO + 64], jumbo_want[JUMBO + 64];

/* A UDP/IPv4 frame of len bytes to 10.0.0.dst, payload byte i = i * 13 + seed. */
static void
jumbo_bytes(uint8_t *p, uint32_t len, uint8_t dst, uint8_t seed)
{
	uint32_t i;

	memset(p, 0, 42);
	memcpy(p, mac_dst, 6);
	memcpy(p + 6, mac_src, 6);
	p[12] = 0x08;
	p[14] = 0x45;
	p[16] = (uint8_t)((len - 14) >> 8);
	p[17] = (uint8_t)(len - 14);
	p[22] = 64;
	p[23] = 17;
	p[26] = 10, p[27] = 9, p[28] = 0, p[29] = 1;
	p[30] = 10, p[31] = 0, p[32] = 0, p[33] = dst;
	p[34] = 0x04, p[35] = 0xd2, p[36] = 0x13, p[37] = 0x88; /* 1234 -> 5000 */
	p[38] = (uint8_t)((len - 34) >> 8);
	p[39] = (uint8_t)(len - 34);
	for (i = 42; i < len; i++)
		p[i] = (uint8_t)(i * 13 + seed);
}

/* bytes as a chain: `first` bytes in the first segment (no tailroom left
 * after them when tight), then 2000-byte segments, as scatter rx makes. */
static struct rte_mbuf *
jumbo_chain(const uint8_t *bytes, uint32_t len, uint16_t first, bool tight)
{
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;

	while (off < len) {
		uint16_t k = (uint16_t)(off == 0 ? first : RTE_MIN(2000u, len - off));
		struct rte_mbuf *s = rte_pktmbuf_alloc(pool);

		cr_assert_not_null(s);
		if (off == 0 && tight)
			s->data_off = (uint16_t)(s->buf_len - k);
		memcpy(rte_pktmbuf_append(s, k), bytes + off, k);
		if (head == NULL)
			head = s;
		else
			cr_assert_eq(rte_pktmbuf_chain(head, s), 0);
		off += k;
	}
	cr_assert_gt(head->nb_segs, 1);
	return head;
}

/* The next frame out of port i's tx ring, into jumbo_out; its length. */
static uint32_t
jumbo_take(unsigned i)
{
	struct rte_mbuf *m;
	uint32_t len;
	const void *p;

	cr_assert_eq(rte_ring_dequeue(tx_ring[i], (void **)&m), 0, "nothing out of %s",
		     port_names[i]);
	len = rte_pktmbuf_pkt_len(m);
	cr_assert_leq(len, sizeof(jumbo_out));
	p = rte_pktmbuf_read(m, 0, len, jumbo_out);
	cr_assert_not_null(p);
	if (p != jumbo_out)
		memcpy(jumbo_out, p, len);
	rte_pktmbuf_free(m);
	return len;
}

/*
 * 9000-byte frames in chained mbufs (what scatter rx hands over for an MTU
 * of 9000) through output, push_vlan, set_eth_src/dst and a copy to two
 * outputs: every byte arrives, the actions apply. A chain whose Ethernet
 * header straddles segments is gathered first; one that cannot be (no room
 * in its first segment) is dropped as hdr_split.
 */
Test(integration, jumbo_multi_segment_frames, .timeout = 30)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct rte_mbuf *pkts[5];
	struct vs_config *cfg;
	struct vs_switch *sw;
	uint32_t len;

	eal_up();
	cfg = load(main_yaml);
	sw = switch_up(cfg);

	jumbo_bytes(jumbo_in, JUMBO, 1, 1); /* -> out0 */
	pkts[0] = jumbo_chain(jumbo_in, JUMBO, 64, false);
	inject(pkts, 1);
	wait_processed(sw, 1, 1, 0, st);
	len = jumbo_take(1);
	cr_assert_eq(len, JUMBO);
	cr_assert_eq(memcmp(jumbo_out, jumbo_in, JUMBO), 0, "output bytes differ");

	jumbo_bytes(jumbo_in, JUMBO, 4, 2); /* push_vlan {vid 20, pcp 3} -> out2 */
	pkts[0] = jumbo_chain(jumbo_in, JUMBO, 64, false);
	inject(pkts, 1);
	wait_processed(sw, 2, 2, 0, st);
	len = jumbo_take(3);
	cr_assert_eq(len, JUMBO + 4);
	memcpy(jumbo_want, jumbo_in, 12);
	jumbo_want[12] = 0x81, jumbo_want[13] = 0x00;
	jumbo_want[14] = (3 << 5) | 0, jumbo_want[15] = 20;
	memcpy(jumbo_want + 16, jumbo_in + 12, JUMBO - 12);
	cr_assert_eq(memcmp(jumbo_out, jumbo_want, JUMBO + 4), 0, "tagged output differs");

	/* set_eth_src/dst -> out1, the header split after 6 bytes: gathered. */
	jumbo_bytes(jumbo_in, JUMBO, 5, 3);
	pkts[0] = jumbo_chain(jumbo_in, JUMBO, 6, false);
	inject(pkts, 1);
	wait_processed(sw, 3, 3, 0, st);
	len = jumbo_take(2);
	cr_assert_eq(len, JUMBO);
	memcpy(jumbo_want, "\x02\xbb\0\0\0\x02\x02\xaa\0\0\0\x01", 12);
	memcpy(jumbo_want + 12, jumbo_in + 12, JUMBO - 12);
	cr_assert_eq(memcmp(jumbo_out, jumbo_want, JUMBO), 0, "rewritten output differs");

	/* Split after 6 bytes with no room to gather: hdr_split. */
	pkts[0] = jumbo_chain(jumbo_in, JUMBO, 6, true);
	inject(pkts, 1);
	wait_processed(sw, 4, 3, 1, st);
	cr_assert_eq(st->drops[VS_DROP_HDR_SPLIT], 1);

	/* output out0, set_eth_dst, output out1: a deep copy of the chain first. */
	jumbo_bytes(jumbo_in, JUMBO, 6, 4);
	pkts[0] = jumbo_chain(jumbo_in, JUMBO, 100, false);
	inject(pkts, 1);
	wait_processed(sw, 5, 5, 1, st);
	cr_assert_eq(jumbo_take(1), JUMBO);
	cr_assert_eq(memcmp(jumbo_out, jumbo_in, JUMBO), 0, "copy differs");
	cr_assert_eq(jumbo_take(2), JUMBO);
	cr_assert_eq(memcmp(jumbo_out, "\x02\xcc\0\0\0\x03", 6), 0);
	cr_assert_eq(memcmp(jumbo_out + 6, jumbo_in + 6, JUMBO - 6), 0, "rewritten copy differs");
	cr_assert_eq(st->total_drops, 1);

	vs_switch_destroy(sw);
	vs_config_free(cfg);
	free(st);
	rte_eal_cleanup();
}

static const char *wire_yaml =
    PORTS_YAML "rules:\n"
	       "  - {name: wire, priority: 5, match: {in_port: in0}, actions: [{output: out1}]}\n";
static const char *wire_plus_yaml =
    PORTS_YAML "rules:\n"
	       "  - {name: wire, priority: 5, match: {in_port: in0}, actions: [{output: out1}]}\n"
	       "  - {priority: 9, match: {in_port: in0, ip_dst: 10.0.0.1/32}, actions: [drop]}\n";

/*
 * A port whose one rule sends every packet out of one port (a port-only
 * rule): the worker checks the frames without building keys (port_burst).
 * Malformed frames are still dropped by reason, a chain's Ethernet header is
 * still pulled up (or hdr_split), the rule and the classifier count what went
 * through, frames leave unchanged; a rule added beside it while running is
 * obeyed from then on.
 */
Test(integration, port_only_rule_checks_frames_without_keys, .timeout = 30)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct rte_mbuf *pkts[MAX_PKTS];
	struct vs_config *cfg, *plus;
	struct vs_sw_rule *wire;
	struct vs_switch *sw;
	uint64_t rpkts, rbytes, want_bytes = 0;
	unsigned count[N_PORTS], n = 0, i;
	uint16_t id = 1;

	eal_up();
	cfg = load(wire_yaml);
	plus = load(wire_plus_yaml);
	sw = switch_up(cfg);
	n_exp = 0;
	for (i = 0; i < 10; i++, id++) { /* UDP to several destinations */
		pkts[n++] = mk_udp(id, (uint8_t)(1 + i % 3), 1000, -1);
		expect(id, OUT1, K_PLAIN);
		want_bytes += 64;
	}
	for (i = 0; i < 2; i++, id++) { /* not IPv4: the full parser checks them */
		pkts[n++] = mk_arp(id);
		expect(id, OUT1, K_ARP);
		want_bytes += 60;
	}
	pkts[n++] = mk_udp(id, 1, 1000, 7); /* tagged */
	expect(id++, OUT1, K_PLAIN);
	want_bytes += 68;
	pkts[n++] = mk_runt();
	pkts[n++] = mk_bad_ihl(id++);
	pkts[n++] = mk_udp(id++, 2, 1000, -1);
	/* UDP header cut after 4 bytes */
	pkts[n - 1]->pkt_len = pkts[n - 1]->data_len = 14 + 20 + 4;
	rte_pktmbuf_mtod(pkts[n - 1], uint8_t *)[14 + 3] = 20 + 4;
	pkts[n++] = mk_runt();
	inject(pkts, n);
	wait_processed(sw, n, 13, 4, st);
	cr_assert_eq(st->drops[VS_DROP_PARSE_RUNT], 2);
	cr_assert_eq(st->drops[VS_DROP_PARSE_IPV4_IHL], 1);
	cr_assert_eq(st->drops[VS_DROP_PARSE_L4_TRUNC], 1);
	memcpy(count, (unsigned[N_PORTS]){0, 0, 13, 0}, sizeof(count));
	collect_and_check(count);

	/* Chains: the header split after 6 bytes is pulled up and sent; with no
	 * room to pull it up, hdr_split. */
	jumbo_bytes(jumbo_in, JUMBO, 2, 5);
	pkts[0] = jumbo_chain(jumbo_in, JUMBO, 6, false);
	pkts[1] = jumbo_chain(jumbo_in, JUMBO, 6, true);
	inject(pkts, 2);
	wait_processed(sw, n + 2, 14, 5, st);
	cr_assert_eq(st->drops[VS_DROP_HDR_SPLIT], 1);
	cr_assert_eq(jumbo_take(2), JUMBO);
	cr_assert_eq(memcmp(jumbo_out, jumbo_in, JUMBO), 0, "output bytes differ");
	want_bytes += JUMBO;

	wire = vs_switch_rule_by_name(sw, "wire");
	cr_assert_not_null(wire);
	vs_switch_rule_counters(sw, wire, &rpkts, &rbytes);
	cr_assert_eq(rpkts, 14);
	cr_assert_eq(rbytes, want_bytes);
	cr_assert_eq(st->worker[0].cls.lookups, 14);
	cr_assert_eq(st->worker[0].cls.port_fast_hits, 14);
	cr_assert_eq(st->worker[0].cls.port_fast_keyless, 14, "the bursts were not taken keyless");
	cr_assert_eq(st->worker[0].cls.emc_hits + st->worker[0].cls.tss_hits, 0);

	/* A rule for 10.0.0.1 above it, while running: those are dropped now. */
	cr_assert_eq(vs_switch_apply(sw, plus), 0);
	n_exp = 0;
	send_ones(500, 3, 1);
	send_ones(600, 2, 2);
	for (uint16_t k = 600; k < 602; k++)
		expect(k, OUT1, K_PLAIN);
	wait_processed(sw, n + 2 + 5, 16, 5 + 3, st);
	cr_assert_eq(st->drops[VS_DROP_RULE_DROP], 3);
	cr_assert_eq(st->worker[0].cls.port_fast_keyless, 14, "keyless with a rule above it");
	memcpy(count, (unsigned[N_PORTS]){0, 0, 2, 0}, sizeof(count));
	collect_and_check(count);

	vs_switch_destroy(sw);
	vs_config_free(cfg);
	vs_config_free(plus);
	free(st);
	rte_eal_cleanup();
}
