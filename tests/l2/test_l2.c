/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The normal action over net_ring ports, with the switch's worker running:
 * flooding of unknown destinations, learning, moves, aging with a fake
 * clock, a full table, VLAN access and trunk ports. Exact packet counts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_eth_ring.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "vs_l2.h"
#include "switch_priv.h"
#include "vs_switch.h"

#define N_PORTS 4

static const char *const port_names[N_PORTS] = {"p0", "p1", "p2", "p3"};
static struct rte_ring *rx_ring[N_PORTS], *tx_ring[N_PORTS];
static struct rte_mempool *pool;

static void
eal_up(void)
{
	char prefix[64];
	char *argv[] = {"test_l2",  "--no-huge",      "-m",	   "512", "--no-shconf",
			"--no-pci", "--no-telemetry", "-l",	   "0,1", "--file-prefix",
			prefix,	    "--log-level",    "*:warning", NULL};
	unsigned i;

	snprintf(prefix, sizeof(prefix), "vs_l2_%d", getpid());
	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv), 0);
	pool = rte_pktmbuf_pool_create("test_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool);
	for (i = 0; i < N_PORTS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "rx_%s", port_names[i]);
		rx_ring[i] = rte_ring_create(name, 1024, SOCKET_ID_ANY, 0);
		snprintf(name, sizeof(name), "tx_%s", port_names[i]);
		tx_ring[i] = rte_ring_create(name, 1024, SOCKET_ID_ANY, 0);
		cr_assert(rx_ring[i] && tx_ring[i]);
		cr_assert_geq(rte_eth_from_rings(port_names[i], &rx_ring[i], 1, &tx_ring[i], 1, 0),
			      0);
	}
}

#define YAML_HEAD "workers: [{lcore: 1}]\nports:\n"
#define RULES                                                                                      \
	"rules:\n"                                                                                 \
	"  - {priority: 10, match: {in_port: p0}, actions: [normal]}\n"                            \
	"  - {priority: 10, match: {in_port: p1}, actions: [normal]}\n"                            \
	"  - {priority: 10, match: {in_port: p2}, actions: [normal]}\n"                            \
	"  - {priority: 10, match: {in_port: p3}, actions: [normal]}\n"

static const char *plain_yaml =
    YAML_HEAD "  - {name: p0, type: ethdev, device: net_ring_p0}\n"
	      "  - {name: p1, type: ethdev, device: net_ring_p1}\n"
	      "  - {name: p2, type: ethdev, device: net_ring_p2}\n"
	      "  - {name: p3, type: ethdev, device: net_ring_p3}\n" RULES;

static const char *vlan_yaml =
    YAML_HEAD "  - {name: p0, type: ethdev, device: net_ring_p0, tag: 10}\n"
	      "  - {name: p1, type: ethdev, device: net_ring_p1, tag: 20}\n"
	      "  - {name: p2, type: ethdev, device: net_ring_p2, tag: 10}\n"
	      "  - {name: p3, type: ethdev, device: net_ring_p3, trunks: [10, 20]}\n" RULES;

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t mac_c[6] = {0x02, 0, 0, 0, 0, 0x0c};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static struct vs_switch *sw;
static struct vs_config *cfg;

static void
up(const char *yaml)
{
	struct vs_cfg_error err;

	eal_up();
	cfg = vs_config_load_buf(yaml, strlen(yaml), "l2.yaml", &err);
	cr_assert_not_null(cfg, "%s", err.msg);
	sw = vs_switch_create(cfg);
	cr_assert_not_null(sw);
	cr_assert_eq(vs_switch_apply(sw, cfg), 0);
	cr_assert_eq(vs_switch_start(sw), 0);
}

static void
down(void)
{
	vs_switch_destroy(sw);
	vs_config_free(cfg);
}

/* Inject one frame dst <- src on port in (vid > 0: tagged) and let the worker run. */
static void
inject(unsigned in, const uint8_t *dst, const uint8_t *src, int vid)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 64);

	memset(p, 0, 64);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	if (vid >= 0) {
		p[12] = 0x81, p[13] = 0x00, p[14] = (uint8_t)(vid >> 8), p[15] = (uint8_t)vid;
		p[16] = 0x88, p[17] = 0xb5;
	} else {
		p[12] = 0x88, p[13] = 0xb5;
	}
	cr_assert_eq(rte_ring_enqueue(rx_ring[in], m), 0);
	usleep(50000);
}

/* What came out of port i: count, and of the last frame its VLAN (-1 untagged). */
static unsigned
got(unsigned i, int *vid)
{
	struct rte_mbuf *m[64];
	unsigned n = rte_ring_dequeue_burst(tx_ring[i], (void **)m, 64, NULL), k;

	if (vid != NULL)
		*vid = -2;
	for (k = 0; k < n; k++) {
		const uint8_t *p = rte_pktmbuf_mtod(m[k], const uint8_t *);

		if (vid != NULL)
			*vid = p[12] == 0x81 && p[13] == 0 ? ((p[14] & 0xf) << 8 | p[15]) : -1;
		rte_pktmbuf_free(m[k]);
	}
	return n;
}

static struct vs_switch_stats st;

/* Exactly one frame on each port of mask, none elsewhere. */
static void
expect_out(unsigned mask, const char *what)
{
	unsigned i;

	vs_switch_stats(sw, &st);
	for (i = 0; i < N_PORTS; i++)
		cr_expect_eq(got(i, NULL), (mask >> i) & 1,
			     "%s: port p%u (rx %lu, drops %lu, ready %d)", what, i,
			     (unsigned long)st.port[i].rx_pkts, (unsigned long)st.total_drops,
			     st.port[i].ready);
}

static struct vs_switch_stats st;

static const struct vs_switch_stats *
stats(void)
{
	vs_switch_stats(sw, &st);
	return &st;
}

Test(l2, unknown_floods_reply_is_unicast_moves_and_ages, .timeout = 30)
{
	up(plain_yaml);
	vs_switch_l2_tick(sw, 1);
	inject(0, mac_b, mac_a, -1);
	expect_out(0xe, "unknown b floods, never back to p0");
	cr_expect_eq(stats()->drops[VS_DROP_HAIRPIN], 0, "the flood set excludes the input port");
	cr_assert_eq(vs_switch_l2_tick(sw, 1), 1, "one learn event (a on p0)");
	inject(1, mac_a, mac_b, -1);
	expect_out(0x1, "reply to the learned a");
	vs_switch_l2_tick(sw, 2);
	inject(0, mac_b, mac_a, -1);
	expect_out(0x2, "b is learned on p1");
	cr_expect_eq(stats()->l2_learned, 2);
	cr_expect_eq(st.l2_flooded, 1);
	/* a moves to p2 */
	inject(2, mac_b, mac_a, -1);
	expect_out(0x2, "from the new port");
	vs_switch_l2_tick(sw, 3);
	cr_expect_eq(stats()->l2_moved, 1);
	inject(1, mac_a, mac_b, -1);
	expect_out(0x4, "a follows its move");
	/* the destination learned on the input port: dropped, not hairpinned */
	inject(2, mac_a, mac_c, -1);
	expect_out(0x0, "same port");
	cr_expect_eq(stats()->drops[VS_DROP_L2_SAME_PORT], 1);
	vs_switch_l2_tick(sw, 4);
	/* aging: b was last seen at 3, a at 3, c at 4; 300 s on */
	vs_switch_l2_tick(sw, 303);
	cr_expect_eq(stats()->l2_aged, 2);
	cr_expect_eq(st.l2_entries, 1);
	inject(1, mac_a, mac_b, -1);
	expect_out(0xd, "a aged: flood again");
	down();
}

/*
 * Workers prepare normal actions (one bulk MAC lookup a burst) only while
 * the switch has rules whose first action is normal: the count follows
 * rule changes, and a normal action that finds nothing prepared (a stale
 * count) still learns and forwards by itself.
 */
Test(l2, normal_prepared_only_with_normal_rules, .timeout = 30)
{
	static const char *other_yaml =
	    YAML_HEAD "  - {name: p0, type: ethdev, device: net_ring_p0}\n"
		      "  - {name: p1, type: ethdev, device: net_ring_p1}\n"
		      "  - {name: p2, type: ethdev, device: net_ring_p2}\n"
		      "  - {name: p3, type: ethdev, device: net_ring_p3}\n"
		      "rules:\n"
		      "  - {priority: 10, match: {in_port: p0}, actions: [{output: p1}]}\n"
		      "  - {priority: 20, match: {in_port: p1}, actions: [normal]}\n";
	struct vs_cfg_error err;
	struct vs_config *other;

	up(plain_yaml);
	cr_assert_eq(__atomic_load_n(&sw->sh.normal_rules, __ATOMIC_RELAXED), 4);
	/* Stale (as between a commit and its count): forwarding is the same. */
	__atomic_store_n(&sw->sh.normal_rules, 0, __ATOMIC_RELAXED);
	vs_switch_l2_tick(sw, 1);
	inject(0, mac_b, mac_a, -1);
	expect_out(0xe, "unknown b floods, unprepared");
	cr_assert_eq(vs_switch_l2_tick(sw, 1), 1, "one learn event (a on p0)");
	inject(1, mac_a, mac_b, -1);
	expect_out(0x1, "reply to the learned a, unprepared");
	other = vs_config_load_buf(other_yaml, strlen(other_yaml), "l2b.yaml", &err);
	cr_assert_not_null(other, "%s", err.msg);
	cr_assert_eq(vs_switch_apply(sw, other), 0);
	cr_assert_eq(__atomic_load_n(&sw->sh.normal_rules, __ATOMIC_RELAXED), 1,
		     "one rule starts with normal after the change (count %u)",
		     __atomic_load_n(&sw->sh.normal_rules, __ATOMIC_RELAXED));
	inject(1, mac_a, mac_b, -1);
	expect_out(0x1, "p1's rule is still normal");
	inject(0, mac_b, mac_a, -1);
	expect_out(0x2, "p0's rule is a plain output now");
	cr_assert_eq(vs_switch_apply(sw, cfg), 0);
	cr_assert_eq(__atomic_load_n(&sw->sh.normal_rules, __ATOMIC_RELAXED), 4);
	down();
	vs_config_free(other);
}

Test(l2, full_table_floods_and_counts, .timeout = 30)
{
	static char yaml[2048];

	snprintf(yaml, sizeof(yaml), "%sl2: {max_entries: 1}\n", plain_yaml);
	up(yaml);
	inject(0, bcast, mac_a, -1);
	expect_out(0xe, "broadcast");
	inject(1, bcast, mac_b, -1);
	expect_out(0xd, "broadcast");
	vs_switch_l2_tick(sw, 1);
	cr_expect_eq(stats()->l2_learned, 1);
	cr_expect_eq(st.l2_full, 1);
	inject(2, mac_b, mac_c, -1);
	expect_out(0xb, "b not learned: flooded");
	inject(2, mac_a, mac_c, -1);
	expect_out(0x1, "a learned");
	down();
}

Test(l2, static_entries_and_flush, .timeout = 30)
{
	static char yaml[2048];

	snprintf(yaml, sizeof(yaml),
		 "%sl2: {static: [{mac: \"02:00:00:00:00:0b\", vlan: 0, port: p3}]}\n", plain_yaml);
	up(yaml);
	inject(0, mac_b, mac_a, -1);
	expect_out(0x8, "static b on p3");
	inject(1, mac_b, mac_b, -1);
	vs_switch_l2_tick(sw, 1);
	cr_expect_eq(stats()->l2_moved, 0, "a static entry never moves");
	expect_out(0x8, "b still on p3");
	cr_expect_eq(vs_l2_flush(vs_switch_l2(sw), UINT16_MAX, false), 1, "a flushed, not b");
	down();
}

Test(l2, vlan_access_and_trunk_ports, .timeout = 30)
{
	int vid;

	up(vlan_yaml);
	/* p0 access 10: to p2 (access 10) untagged, to the trunk tagged 10 */
	inject(0, bcast, mac_a, -1);
	cr_expect_eq(got(0, NULL), 0);
	cr_expect_eq(got(1, NULL), 0, "VLAN 20 is isolated");
	cr_expect_eq(got(2, &vid), 1);
	cr_expect_eq(vid, -1, "access ports send untagged");
	cr_expect_eq(got(3, &vid), 1);
	cr_expect_eq(vid, 10, "the trunk carries VLAN 10 tagged");
	/* tagged 20 from the trunk: to p1 only, untagged */
	inject(3, bcast, mac_b, 20);
	cr_expect_eq(got(0, NULL) + got(2, NULL) + got(3, NULL), 0);
	cr_expect_eq(got(1, &vid), 1);
	cr_expect_eq(vid, -1);
	vs_switch_l2_tick(sw, 1);
	/* a is learned in VLAN 10 only: b -> a in VLAN 20 floods VLAN 20 */
	inject(1, mac_a, mac_b, -1);
	cr_expect_eq(got(3, &vid), 1);
	cr_expect_eq(vid, 20);
	cr_expect_eq(got(0, NULL) + got(1, NULL) + got(2, NULL), 0);
	/* tagged on an access port, a VLAN the trunk does not carry, untagged on the trunk */
	inject(0, bcast, mac_a, 10);
	inject(3, bcast, mac_a, 30);
	inject(3, bcast, mac_a, -1);
	expect_out(0x0, "disallowed");
	cr_expect_eq(stats()->drops[VS_DROP_L2_VLAN_DISALLOWED], 3);
	down();
}

/* A frame dst <- src, untagged. */
static struct rte_mbuf *
frame(const uint8_t *dst, const uint8_t *src)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, 64);
	cr_assert_not_null(p);
	memset(p, 0, 64);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	p[12] = 0x88, p[13] = 0xb5;
	return m;
}

/* Frames macs[2i + 1] <- macs[2i], i < n, in one rx burst of port in: the
 * ring takes them at once, so the worker's next rx burst holds them all. */
static void
inject_burst(unsigned in, const uint8_t *const *macs, unsigned n)
{
	struct rte_mbuf *m[8];
	unsigned i;

	cr_assert_leq(n, 8);
	for (i = 0; i < n; i++)
		m[i] = frame(macs[2 * i + 1], macs[2 * i]);
	cr_assert_eq(rte_ring_enqueue_bulk(rx_ring[in], (void **)m, n, NULL), n);
	usleep(50000);
}

/*
 * The normal action looks up a whole burst's MACs at once; learning still
 * takes effect in packet order within it, as in OVS's NORMAL (it learns a
 * packet's source before it looks up the next one's destination): a source
 * the burst learns is where a later packet of the burst goes. All of one
 * burst came in on one port, so that packet is dropped (never back out of
 * the input port), neither flooded nor sent where the table had the MAC.
 */
Test(l2, burst_learns_in_packet_order, .timeout = 30)
{
	const uint8_t *const new_src[] = {mac_a, mac_b, mac_c, mac_a};
	const uint8_t *const moved_src[] = {mac_a, bcast, mac_b, mac_a, mac_b, mac_c};

	up(plain_yaml);
	vs_switch_l2_tick(sw, 1);
	/* a -> b floods; c -> a: a was just learned on p0 */
	inject_burst(0, new_src, 2);
	expect_out(0xe, "the first floods, the second goes nowhere");
	cr_expect_eq(stats()->drops[VS_DROP_L2_SAME_PORT], 1, "a is on the input port");
	cr_expect_eq(st.l2_flooded, 1);
	cr_assert_eq(vs_switch_l2_tick(sw, 2), 2, "a and c learned on p0");
	/* a moves to p2 (a broadcast from it); then b -> a from p2: a is on p2
	 * now, not on p0 where the table still has it; b -> c goes to p0 */
	inject_burst(2, moved_src, 3);
	cr_expect_eq(got(0, NULL), 2, "the broadcast and b -> c");
	cr_expect_eq(got(1, NULL), 1, "the broadcast");
	cr_expect_eq(got(2, NULL), 0);
	cr_expect_eq(got(3, NULL), 1, "the broadcast");
	cr_expect_eq(stats()->drops[VS_DROP_L2_SAME_PORT], 2, "b -> a: a moved to the input port");
	vs_switch_l2_tick(sw, 3);
	cr_expect_eq(stats()->l2_moved, 1);
	/* and between bursts the table says the same */
	inject(1, mac_a, mac_b, -1);
	expect_out(0x4, "a on p2");
	down();
}

/* Inject n frames from distinct source MACs (base + i) to the broadcast
 * address on port in, draining what the worker floods. */
static void
inject_sources(unsigned in, unsigned base, unsigned n)
{
	unsigned i, k;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *p;

		cr_assert_not_null(m);
		p = (uint8_t *)rte_pktmbuf_append(m, 64);
		cr_assert_not_null(p);
		memset(p, 0, 64);
		memcpy(p, bcast, 6);
		p[6] = 0x02, p[9] = (uint8_t)((base + i) >> 16), p[10] = (uint8_t)((base + i) >> 8);
		p[11] = (uint8_t)(base + i);
		p[12] = 0x88, p[13] = 0xb5;
		cr_assert_eq(rte_ring_enqueue(rx_ring[in], m), 0);
	}
	/* until the worker took them all and the floods stopped */
	for (k = 0; k < 200; k++) {
		usleep(10000);
		if (rte_ring_count(rx_ring[in]) != 0)
			continue;
		for (i = 0; i < N_PORTS; i++)
			while (got(i, NULL) != 0)
				;
		if (k > 5)
			break;
	}
}

/* More new MACs between two control ticks than a worker's learn ring holds:
 * the excess is lost and counted (l2_lost), the rest is learned, and the
 * lost MACs are learned the next time they are seen. */
Test(l2, full_learn_ring_loses_and_counts, .timeout = 60)
{
	uint64_t learned, lost;
	unsigned chunk;

	up(plain_yaml);
	vs_switch_l2_tick(sw, 1);
	for (chunk = 0; chunk < 6; chunk++)
		inject_sources(0, 0x100 + chunk * 200, 200);
	cr_expect_eq(stats()->l2_learned, 0, "nothing learned before the control thread runs");
	lost = st.l2_lost;
	cr_expect_gt(lost, 0, "1200 new MACs overflow a 1024-event ring");
	vs_switch_l2_tick(sw, 1);
	learned = stats()->l2_learned;
	cr_expect_eq(learned + lost, 1200, "every event either learned (%lu) or lost (%lu)",
		     (unsigned long)learned, (unsigned long)lost);
	cr_expect_geq(learned, 1023);
	/* seen again: the lost ones are learned now */
	inject_sources(0, 0x100 + 1000, 200);
	vs_switch_l2_tick(sw, 2);
	cr_expect_eq(stats()->l2_learned, 1200);
	cr_expect_eq(st.l2_lost, lost, "the ring had room this time");
	down();
}
