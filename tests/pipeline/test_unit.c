/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pipeline and daemon unit tests (no EAL): drop-reason names, rule
 * compilation, rx-queue assignment, EAL arguments, mempool sizing, the pcap
 * generator.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vs_action.h"
#include "vs_app.h"
#include "vs_drop.h"
#include "vs_numa.h"
#include "vs_switch.h"
#include "vs_worker.h"

static struct vs_config *
load(const char *yaml)
{
	struct vs_cfg_error err;
	struct vs_config *cfg;

	memset(&err, 0, sizeof(err));
	cfg = vs_config_load_buf(yaml, strlen(yaml), "unit.yaml", &err);
	cr_assert_not_null(cfg, "config did not load: %s", err.msg);
	return cfg;
}

/* Port lookup over the config's own port order (switch id == index). */
static int
lookup_index(const char *name, void *arg)
{
	return vs_config_port_index(arg, name);
}

/* ---- drop reasons ------------------------------------------------------------- */

Test(drop, strings_unique_and_non_empty)
{
	unsigned i, j;

	for (i = VS_DROP_FIRST; i < VS_DROP_MAX; i++) {
		const char *s = vs_drop_reason_str(i);

		cr_assert_not_null(s);
		cr_assert_gt(strlen(s), 0, "reason %u has an empty name", i);
		cr_assert_str_neq(s, "unknown");
		for (j = VS_DROP_FIRST; j < i; j++)
			cr_assert_str_neq(s, vs_drop_reason_str(j), "reasons %u and %u share '%s'",
					  i, j, s);
	}
	cr_assert_str_eq(vs_drop_reason_str(VS_DROP_NONE), "none");
	cr_assert_str_eq(vs_drop_reason_str(VS_DROP_MAX), "unknown");
}

Test(drop, every_parse_outcome_is_a_reason)
{
	unsigned o;

	for (o = VS_PARSE_OK + 1; o < VS_PARSE_MAX; o++)
		cr_assert_str_eq(vs_drop_reason_str(o), vs_parse_outcome_str(o),
				 "parse outcome %u is not drop reason %u", o, o);
	cr_assert_str_eq(vs_drop_reason_str(VS_DROP_NO_RULE), "no_rule");
	cr_assert_str_eq(vs_drop_reason_str(VS_DROP_RULE_DROP), "rule_drop");
	cr_assert_str_eq(vs_drop_reason_str(VS_DROP_TX_FULL), "tx_full");
	cr_assert_str_eq(vs_drop_reason_str(VS_DROP_PORT_DOWN), "port_down");
	cr_assert_str_eq(vs_drop_reason_str(VS_DROP_HAIRPIN), "hairpin");
	cr_assert_str_eq(vs_drop_reason_str(VS_DROP_NO_MBUF), "no_mbuf");
	cr_assert_str_eq(vs_drop_reason_str(VS_DROP_VLAN_PUSH_FAILED), "vlan_push_failed");
}

/* ---- rule compilation ----------------------------------------------------------- */

static const char *rules_yaml =
    "workers: [{lcore: 1}]\n"
    "ports:\n"
    "  - {name: p0, type: ethdev, device: net_null0}\n"
    "  - {name: p1, type: ethdev, device: net_null1}\n"
    "  - {name: p2, type: ethdev, device: net_null2}\n"
    "rules:\n"
    "  - priority: 10\n" /* 0 */
    "    match: {in_port: p1, ip_dst: 10.1.2.0/24, ip_proto: udp, l4_dst: \"1000-2000\"}\n"
    "    actions: [{output: p2}]\n"
    "  - priority: 20\n" /* 1 */
    "    match: {ip_src: 192.168.0.0/16, ip_proto: tcp, l4_src: 80, l4_dst: \"1-3\"}\n"
    "    actions: [drop]\n"
    "  - priority: 30\n" /* 2 */
    "    match: {in_port: p0, vlan: none}\n"
    "    actions: [{push_vlan: {vid: 100, pcp: 5}}, {set_eth_src: \"02:00:00:00:00:aa\"},"
    " {set_eth_dst: \"02:00:00:00:00:bb\"}, {output: p1}, pop_vlan, {output: p2}]\n"
    "  - priority: 40\n" /* 3 */
    "    match: {in_port: p2, vlan: 42}\n"
    "    actions: [pop_vlan, flood]\n"
    "  - priority: 50\n" /* 4 */
    "    match: {eth_dst: \"02:00:00:00:00:01\"}\n"
    "    actions: [{set_eth_dst: \"02:00:00:00:00:02\"}]\n";

static struct vs_cls_match matches[VS_RULE_MAX_EXPANSION];

Test(action, range_expands_into_exact_cover)
{
	struct vs_config *cfg = load(rules_yaml);
	uint16_t val[32], mask[32];
	struct vs_actions acts;
	unsigned expect, covered = 0;
	uint32_t port;
	int n, i;

	n = vs_rule_compile(&cfg->rules[0], 0, lookup_index, cfg, &acts, matches,
			    VS_RULE_MAX_EXPANSION);
	expect = vs_cls_range_to_masks(1000, 2000, val, mask);
	cr_assert_gt(expect, 1, "1000-2000 should need several masks");
	cr_assert_eq(n, (int)expect, "rule expanded into %d matches, expected %u", n, expect);
	/* The expanded matches cover exactly [1000, 2000], each port once. */
	for (port = 0; port <= 65535; port++) {
		unsigned hits = 0;

		for (i = 0; i < n; i++)
			if ((port & matches[i].mask.l4_dst) == matches[i].key.l4_dst)
				hits++;
		cr_assert_leq(hits, 1, "port %u covered %u times", port, hits);
		if (port >= 1000 && port <= 2000)
			cr_assert_eq(hits, 1, "port %u not covered", port);
		else
			cr_assert_eq(hits, 0, "port %u covered but outside the range", port);
		covered += hits;
	}
	cr_assert_eq(covered, 1001);
	for (i = 0; i < n; i++) {
		cr_assert_eq(matches[i].key.in_port, 1);
		cr_assert_eq(matches[i].mask.in_port, 0xffff);
		cr_assert_eq(matches[i].key.eth_type, 0x0800, "eth_type implied by ip_dst");
		cr_assert_eq(matches[i].mask.eth_type, 0xffff);
		cr_assert_eq(matches[i].key.ip_proto, 17);
		cr_assert_eq(matches[i].mask.ip_proto, 0xff);
		cr_assert_eq(matches[i].key.ip_dst[0], 10);
		cr_assert_eq(matches[i].key.ip_dst[1], 1);
		cr_assert_eq(matches[i].key.ip_dst[2], 2);
		cr_assert_eq(matches[i].key.ip_dst[3], 0);
		cr_assert_eq(matches[i].mask.ip_dst[2], 0xff);
		cr_assert_eq(matches[i].mask.ip_dst[3], 0x00);
		cr_assert_eq(matches[i].mask.l4_src, 0, "l4_src not matched");
		cr_assert_eq(matches[i].mask.vlan_tci, 0, "vlan not matched");
	}
	cr_assert_eq(acts.n, 1);
	cr_assert_eq(acts.a[0].type, VS_ACTION_OUTPUT);
	cr_assert_eq(acts.a[0].port, 2);
	cr_assert_eq(acts.a[0].last_tx, 1);
	cr_assert_eq(acts.rule_index, 0);
	vs_config_free(cfg);
}

Test(action, two_ranges_multiply)
{
	struct vs_config *cfg = load(rules_yaml);
	struct vs_actions acts;
	int n, i;

	/* l4_src 80 (1 mask) x l4_dst 1-3 (1 + 2..3 = 2 masks). */
	n = vs_rule_compile(&cfg->rules[1], 1, lookup_index, cfg, &acts, matches,
			    VS_RULE_MAX_EXPANSION);
	cr_assert_eq(n, 2);
	for (i = 0; i < n; i++) {
		cr_assert_eq(matches[i].key.l4_src, 80);
		cr_assert_eq(matches[i].mask.l4_src, 0xffff);
		cr_assert_eq(matches[i].mask.in_port, 0, "no in_port in the rule");
		cr_assert_eq(matches[i].key.eth_type, 0x0800);
		cr_assert_eq(matches[i].key.ip_proto, 6);
		cr_assert_eq(matches[i].key.ip_src[0], 192);
		cr_assert_eq(matches[i].mask.ip_src[1], 0xff);
		cr_assert_eq(matches[i].mask.ip_src[2], 0);
	}
	cr_assert((matches[0].key.l4_dst == 1 && matches[0].mask.l4_dst == 0xffff) ||
		  (matches[1].key.l4_dst == 1 && matches[1].mask.l4_dst == 0xffff));
	cr_assert((matches[0].key.l4_dst == 2 && matches[0].mask.l4_dst == 0xfffe) ||
		  (matches[1].key.l4_dst == 2 && matches[1].mask.l4_dst == 0xfffe));
	cr_assert_eq(acts.n, 1);
	cr_assert_eq(acts.a[0].type, VS_ACTION_DROP);
	cr_assert_eq(acts.n_tx, 0);
	/* Too little room is refused, not truncated. */
	cr_assert_eq(vs_rule_compile(&cfg->rules[1], 1, lookup_index, cfg, &acts, matches, 1),
		     -ENOSPC);
	vs_config_free(cfg);
}

Test(action, vlan_none_and_vlan_id)
{
	struct vs_config *cfg = load(rules_yaml);
	struct vs_actions acts;
	int n;

	n = vs_rule_compile(&cfg->rules[2], 2, lookup_index, cfg, &acts, matches, 4);
	cr_assert_eq(n, 1);
	cr_assert_eq(matches[0].key.vlan_tci, 0, "vlan: none matches tci 0");
	cr_assert_eq(matches[0].mask.vlan_tci, 0xffff, "under a full mask");
	cr_assert_eq(matches[0].mask.eth_type, 0, "no eth_type implied without ip fields");

	n = vs_rule_compile(&cfg->rules[3], 3, lookup_index, cfg, &acts, matches, 4);
	cr_assert_eq(n, 1);
	cr_assert_eq(matches[0].key.vlan_tci, VS_VLAN_PRESENT | 42);
	cr_assert_eq(matches[0].mask.vlan_tci, VS_VLAN_PRESENT | VS_VLAN_VID_MASK);
	cr_assert_eq(matches[0].key.in_port, 2);
	vs_config_free(cfg);
}

Test(action, every_action_type_compiles)
{
	struct vs_config *cfg = load(rules_yaml);
	static const uint8_t src[6] = {2, 0, 0, 0, 0, 0xaa}, dst[6] = {2, 0, 0, 0, 0, 0xbb};
	struct vs_actions acts;

	cr_assert_eq(vs_rule_compile(&cfg->rules[2], 2, lookup_index, cfg, &acts, matches, 4), 1);
	cr_assert_eq(acts.n, 6);
	cr_assert_eq(acts.n_tx, 2);
	cr_assert_eq(acts.a[0].type, VS_ACTION_PUSH_VLAN);
	cr_assert_eq(acts.a[0].tci, 5 << VS_VLAN_PCP_SHIFT | 100);
	cr_assert_eq(acts.a[1].type, VS_ACTION_SET_ETH_SRC);
	cr_assert_arr_eq(acts.a[1].mac, src, 6);
	cr_assert_eq(acts.a[2].type, VS_ACTION_SET_ETH_DST);
	cr_assert_arr_eq(acts.a[2].mac, dst, 6);
	cr_assert_eq(acts.a[3].type, VS_ACTION_OUTPUT);
	cr_assert_eq(acts.a[3].port, 1);
	cr_assert_eq(acts.a[3].last_tx, 0, "not the last emission");
	cr_assert_eq(acts.a[4].type, VS_ACTION_POP_VLAN);
	cr_assert_eq(acts.a[5].type, VS_ACTION_OUTPUT);
	cr_assert_eq(acts.a[5].port, 2);
	cr_assert_eq(acts.a[5].last_tx, 1);

	cr_assert_eq(vs_rule_compile(&cfg->rules[3], 3, lookup_index, cfg, &acts, matches, 4), 1);
	cr_assert_eq(acts.n, 2);
	cr_assert_eq(acts.a[0].type, VS_ACTION_POP_VLAN);
	cr_assert_eq(acts.a[1].type, VS_ACTION_FLOOD);
	cr_assert_eq(acts.a[1].last_tx, 1);

	/* A rule that emits nothing keeps its actions (its packets count as no_output). */
	cr_assert_eq(vs_rule_compile(&cfg->rules[4], 4, lookup_index, cfg, &acts, matches, 4), 1);
	cr_assert_eq(acts.n, 1);
	cr_assert_eq(acts.n_tx, 0);
	cr_assert_eq(acts.a[0].type, VS_ACTION_SET_ETH_DST);
	vs_config_free(cfg);
}

Test(action, masks_compile_to_one_value_mask_pair)
{
	struct vs_config *cfg = load(rules_yaml);
	struct vs_cfg_rule r = cfg->rules[4];
	struct vs_actions acts;
	static const uint8_t m4[4] = {255, 0, 255, 0}, k4[4] = {10, 0, 3, 0};

	memset(&r.match, 0, sizeof(r.match));
	r.match.fields = VS_CFG_M_IP_SRC | VS_CFG_M_IP_PROTO | VS_CFG_M_L4_DST | VS_CFG_M_VLAN_ID;
	r.match.ip_src.family = 4;
	r.match.ip_src.masked = true;
	memcpy(r.match.ip_src.mask, m4, 4);
	memcpy(r.match.ip_src.addr, k4, 4);
	r.match.ip_proto = 6;
	r.match.l4_dst_lo = r.match.l4_dst_hi = 0x50;
	r.match.l4_dst_mask = 0xfff0;
	r.match.vlan_masked = true;
	r.match.vlan_id = 0x60;
	r.match.vlan_mask = 0xff0;
	cr_assert_eq(vs_rule_compile(&r, 4, lookup_index, cfg, &acts, matches, 4), 1);
	cr_expect_arr_eq(matches[0].mask.ip_src, m4, 4);
	cr_expect_arr_eq(matches[0].key.ip_src, k4, 4);
	cr_expect_eq(matches[0].key.eth_type, 0x0800);
	cr_expect_eq(matches[0].key.l4_dst, 0x50);
	cr_expect_eq(matches[0].mask.l4_dst, 0xfff0);
	cr_expect_eq(matches[0].key.vlan_tci, VS_VLAN_PRESENT | 0x60);
	cr_expect_eq(matches[0].mask.vlan_tci, VS_VLAN_PRESENT | 0xff0);
	/* any tagged frame */
	r.match.vlan_id = 0;
	r.match.vlan_mask = 0;
	cr_assert_eq(vs_rule_compile(&r, 4, lookup_index, cfg, &acts, matches, 4), 1);
	cr_expect_eq(matches[0].key.vlan_tci, VS_VLAN_PRESENT);
	cr_expect_eq(matches[0].mask.vlan_tci, VS_VLAN_PRESENT);
	vs_config_free(cfg);
}

/* OpenFlow's action set: after the list, pop, push, set fields, output. */
Test(action, action_set_runs_after_the_list_in_spec_order)
{
	struct vs_config *cfg = load(rules_yaml);
	struct vs_cfg_rule r = cfg->rules[4]; /* one match */
	struct vs_actions acts;
	struct vs_cfg_action *a = r.actions;

	memset(r.actions, 0, sizeof(r.actions));
	/* set: output p1, set_vlan_vid 7, push 0x88a8, pop; list: in_port, set_vlan_pcp 3 */
	a[0] = (struct vs_cfg_action){.type = VS_CFG_ACT_OUTPUT, .port = "p1", .in_set = true};
	a[1] =
	    (struct vs_cfg_action){.type = VS_CFG_ACT_SET_VLAN_VID, .vlan_id = 7, .in_set = true};
	a[2] = (struct vs_cfg_action){
	    .type = VS_CFG_ACT_PUSH_VLAN, .vlan_tpid = 0x88a8, .in_set = true};
	a[3] = (struct vs_cfg_action){.type = VS_CFG_ACT_POP_VLAN, .in_set = true};
	a[4] = (struct vs_cfg_action){.type = VS_CFG_ACT_IN_PORT};
	a[5] = (struct vs_cfg_action){.type = VS_CFG_ACT_SET_VLAN_PCP, .vlan_pcp = 3};
	r.n_actions = 6;
	cr_assert_eq(vs_rule_compile(&r, 0, lookup_index, cfg, &acts, matches, 4), 1);
	cr_assert_eq(acts.n, 6);
	cr_expect_eq(acts.n_tx, 2);
	cr_expect_eq(acts.a[0].type, VS_ACTION_IN_PORT);
	cr_expect_eq(acts.a[0].last_tx, 0);
	cr_expect_eq(acts.a[1].type, VS_ACTION_SET_VLAN_PCP);
	cr_expect_eq(acts.a[1].tci, 3);
	cr_expect_eq(acts.a[2].type, VS_ACTION_POP_VLAN);
	cr_expect_eq(acts.a[3].type, VS_ACTION_PUSH_VLAN);
	cr_expect_eq(acts.a[3].tpid, 0x88a8);
	cr_expect_eq(acts.a[4].type, VS_ACTION_SET_VLAN_VID);
	cr_expect_eq(acts.a[4].tci, 7);
	cr_expect_eq(acts.a[5].type, VS_ACTION_OUTPUT);
	cr_expect_eq(acts.a[5].port, 1);
	cr_expect_eq(acts.a[5].last_tx, 1);

	/* the last output of the set wins; a set without one does nothing */
	a[3] = (struct vs_cfg_action){.type = VS_CFG_ACT_ALL, .in_set = true};
	cr_assert_eq(vs_rule_compile(&r, 0, lookup_index, cfg, &acts, matches, 4), 1);
	cr_expect_eq(acts.a[acts.n - 1].type, VS_ACTION_FLOOD);
	cr_expect_eq(acts.n_tx, 2);
	a[3] = (struct vs_cfg_action){.type = VS_CFG_ACT_POP_VLAN, .in_set = true};
	a[0] = (struct vs_cfg_action){.type = VS_CFG_ACT_SET_ETH_SRC, .in_set = true};
	cr_assert_eq(vs_rule_compile(&r, 0, lookup_index, cfg, &acts, matches, 4), 1);
	cr_expect_eq(acts.n, 1, "only the list's in_port");
	cr_expect_eq(acts.a[0].type, VS_ACTION_IN_PORT);
	cr_expect_eq(acts.a[0].last_tx, 1);
	vs_config_free(cfg);
}

static int
lookup_none(const char *name, void *arg)
{
	(void)name;
	(void)arg;
	return -1;
}

Test(action, unresolved_port_is_refused)
{
	struct vs_config *cfg = load(rules_yaml);
	struct vs_actions acts;

	cr_assert_eq(vs_rule_compile(&cfg->rules[0], 0, lookup_none, NULL, &acts, matches, 4),
		     -EINVAL);
	/* rule 1 names no port at all. */
	cr_assert_eq(vs_rule_compile(&cfg->rules[1], 1, lookup_none, NULL, &acts, matches, 4), 2);
	vs_config_free(cfg);
}

/* ---- rx-queue assignment ------------------------------------------------------------ */

static struct vs_rxq_map map;

Test(rxq, round_robin_across_ports)
{
	struct vs_config *cfg = load("workers: [{lcore: 1}, {lcore: 2}]\n"
				     "ports:\n"
				     "  - {name: a, type: ethdev, device: x0, rx_queues: 3}\n"
				     "  - {name: b, type: ethdev, device: x1, rx_queues: 2}\n");

	cr_assert_eq(vs_rxq_assign(cfg, NULL, &map), 0);
	cr_assert_eq(map.n_workers, 2);
	cr_assert_eq(map.n[0], 3);
	cr_assert_eq(map.n[1], 2);
	/* a0 -> w0, a1 -> w1, a2 -> w0, b0 -> w1, b1 -> w0 */
	cr_assert_eq(map.q[0][0].port, 0);
	cr_assert_eq(map.q[0][0].queue, 0);
	cr_assert_eq(map.q[1][0].port, 0);
	cr_assert_eq(map.q[1][0].queue, 1);
	cr_assert_eq(map.q[0][1].port, 0);
	cr_assert_eq(map.q[0][1].queue, 2);
	cr_assert_eq(map.q[1][1].port, 1);
	cr_assert_eq(map.q[1][1].queue, 0);
	cr_assert_eq(map.q[0][2].port, 1);
	cr_assert_eq(map.q[0][2].queue, 1);
	vs_config_free(cfg);
}

Test(rxq, pinned_queues_and_switch_ids)
{
	struct vs_config *cfg =
	    load("workers: [{lcore: 1}, {lcore: 2}]\n"
		 "ports:\n"
		 "  - {name: a, type: ethdev, device: x0, rx_queues: 4,\n"
		 "     rxq_pin: [{queue: 0, worker: 2}, {queue: 1, worker: 2}]}\n");
	uint16_t ids[1] = {7};

	cr_assert_eq(vs_rxq_assign(cfg, ids, &map), 0);
	cr_assert_eq(map.n[0], 1);
	cr_assert_eq(map.n[1], 3);
	cr_assert_eq(map.q[1][0].queue, 0);
	cr_assert_eq(map.q[1][1].queue, 1);
	/* Unpinned: 2 -> w0, 3 -> w1. */
	cr_assert_eq(map.q[0][0].queue, 2);
	cr_assert_eq(map.q[1][2].queue, 3);
	cr_assert_eq(map.q[0][0].port, 7, "switch port id used, not the config index");
	vs_config_free(cfg);
}

Test(rxq, more_workers_than_queues)
{
	struct vs_config *cfg = load("workers: [{lcore: 1}, {lcore: 2}, {lcore: 3}]\n"
				     "ports:\n"
				     "  - {name: a, type: ethdev, device: x0}\n");

	cr_assert_eq(vs_rxq_assign(cfg, NULL, &map), 0);
	cr_assert_eq(map.n[0], 1);
	cr_assert_eq(map.n[1], 0);
	cr_assert_eq(map.n[2], 0);
	vs_config_free(cfg);
}

Test(rxq, no_workers_is_refused)
{
	struct vs_config *cfg = load("ports:\n"
				     "  - {name: a, type: ethdev, device: x0}\n");

	cr_assert_eq(vs_rxq_assign(cfg, NULL, &map), -EINVAL);
	vs_config_free(cfg);
}

/* ---- EAL arguments and memory --------------------------------------------------------- */

static const char *eal_yaml =
    "dpdk: {main_lcore: 2, no_huge: true, in_memory: true, file_prefix: t1,\n"
    "       log_level: \"*:debug\", extra_args: [\"--no-pci\", \"--vdev=net_null0\"]}\n"
    "workers: [{lcore: 3}, {lcore: 1}]\n"
    "ports:\n"
    "  - {name: a, type: ethdev, device: x0, rx_queues: 2, rx_desc: 512, tx_desc: 256}\n"
    "  - {name: b, type: ethdev, device: x1, tx_queues: 1}\n";

Test(eal, arguments_from_config)
{
	struct vs_config *cfg = load(eal_yaml);
	static const char *const expect[] = {
	    "nfvswitch",     "-l",	    "2,3,1",   "--main-lcore",	    "2",
	    "--file-prefix", "t1",	    "-m",      NULL /* computed */, "--no-huge",
	    "--no-shconf",   "--log-level", "*:debug", "--no-pci",	    "--vdev=net_null0",
	};
	struct vs_mbuf_sizing sz;
	struct vs_eal_args a;
	char mem[16];
	unsigned i;

	cr_assert_eq(vs_switch_mbuf_sizing(cfg, &sz), 0);
	cr_assert_eq(vs_app_eal_args(cfg, "nfvswitch", &sz, &a), 0);
	cr_assert_eq(a.argc, (int)(sizeof(expect) / sizeof(expect[0])));
	snprintf(mem, sizeof(mem), "%u", sz.memory_mb);
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		cr_assert_str_eq(a.argv[i], expect[i] ? expect[i] : mem, "argv[%u]", i);
	cr_assert_null(a.argv[a.argc]);
	vs_config_free(cfg);
}

Test(eal, explicit_memory_and_hugepages)
{
	struct vs_config *cfg = load("dpdk: {memory_mb: 1024, in_memory: true}\n"
				     "workers: [{lcore: 1}]\n");
	struct vs_eal_args a;
	char line[512];

	cr_assert_eq(vs_app_eal_args(cfg, "x", NULL, &a), 0);
	cr_assert_str_eq(vs_app_eal_args_str(&a, line, sizeof(line)),
			 "x -l 0,1 --main-lcore 0 --file-prefix nfvswitch -m 1024 --in-memory");
	vs_config_free(cfg);
}

Test(sizing, mbufs_from_descriptors)
{
	struct vs_config *cfg = load(eal_yaml);
	struct vs_mbuf_sizing sz;
	uint64_t total;

	cr_assert_eq(vs_switch_mbuf_sizing(cfg, &sz), 0);
	/* a: 2 x 512 rx, 2 workers -> 2 x 256 tx; b: 1 x 1024 rx, 1 x 1024 tx. */
	cr_assert_eq(sz.rx_desc, 2 * 512 + 1024);
	cr_assert_eq(sz.tx_desc, 2 * 256 + 1024);
	cr_assert_eq(sz.inflight, 2 * (VS_BURST + 2 * VS_TXBUF_SIZE));
	cr_assert_eq(sz.caches, 3 * VS_MBUF_CACHE * 3 / 2);
	cr_assert_eq(sz.reserve, VS_MBUF_PMD_RESERVE);
	total = sz.rx_desc + sz.tx_desc + sz.inflight + sz.caches + sz.reserve;
	cr_assert_geq(sz.n_mbufs, total);
	cr_assert_lt(sz.n_mbufs, 2 * total + 1, "rounded up to the next 2^k - 1 only");
	cr_assert_eq((sz.n_mbufs + 1) & sz.n_mbufs, 0, "2^k - 1");
	cr_assert_geq(sz.mbuf_size, VS_MBUF_DATA_ROOM + 128 + 128);
	cr_assert_eq(sz.pool_bytes, (uint64_t)sz.n_mbufs * sz.mbuf_size);
	cr_assert_geq(sz.memory_mb, (sz.pool_bytes >> 20) + VS_MEM_BASE_MB);
	vs_config_free(cfg);
}

Test(sizing, explicit_mbufs_raise_the_pool)
{
	/* A replayed capture holds one mbuf per frame: dpdk.mbufs sizes for it. */
	struct vs_config *cfg = load("dpdk: {mbufs: 300000}\n"
				     "workers: [{lcore: 1}]\n"
				     "ports:\n"
				     "  - {name: a, type: ethdev, device: x0}\n");
	struct vs_mbuf_sizing sz, small;

	cr_assert_eq(vs_switch_mbuf_sizing(cfg, &sz), 0);
	cr_assert_geq(sz.n_mbufs, 300000);
	cr_assert_eq((sz.n_mbufs + 1) & sz.n_mbufs, 0, "2^k - 1");
	vs_config_free(cfg);
	/* Smaller than what the descriptors need: the computed size stands. */
	cfg = load("dpdk: {mbufs: 10}\nworkers: [{lcore: 1}]\n"
		   "ports:\n  - {name: a, type: ethdev, device: x0}\n");
	cr_assert_eq(vs_switch_mbuf_sizing(cfg, &small), 0);
	cr_assert_geq(small.n_mbufs, small.rx_desc + small.tx_desc + small.inflight);
	cr_assert_lt(small.n_mbufs, sz.n_mbufs);
	vs_config_free(cfg);
}

Test(sizing, memory_check_names_the_numbers)
{
	struct vs_config *cfg = load("dpdk: {memory_mb: 16}\n"
				     "workers: [{lcore: 1}]\n"
				     "ports:\n"
				     "  - {name: a, type: ethdev, device: x0, rx_desc: 4096}\n");
	struct vs_mbuf_sizing sz;
	char msg[2048], need[32];

	cr_assert_eq(vs_switch_mbuf_sizing(cfg, &sz), 0);
	cr_assert_eq(vs_app_check_memory(cfg, &sz, msg, sizeof(msg)), -ENOMEM);
	snprintf(need, sizeof(need), "needs %u MiB", sz.memory_mb);
	cr_assert_not_null(strstr(msg, need), "message: %s", msg);
	cr_assert_not_null(strstr(msg, "dpdk.memory_mb: 16 MiB"), "message: %s", msg);
	cr_assert_not_null(strstr(msg, "unit.yaml:"), "message: %s", msg);
	vs_config_free(cfg);

	cfg = load("dpdk: {memory_mb: 4096}\nworkers: [{lcore: 1}]\n");
	cr_assert_eq(vs_switch_mbuf_sizing(cfg, &sz), 0);
	cr_assert_eq(vs_app_check_memory(cfg, &sz, msg, sizeof(msg)), 0);
	vs_config_free(cfg);
}

Test(sizing, hugepages_check)
{
	struct vs_config *cfg = load("dpdk: {memory_mb: 512}\nworkers: [{lcore: 1}]\n");
	struct vs_mbuf_sizing sz;
	char msg[1024], path[] = "/tmp/vs-meminfo-XXXXXX";
	FILE *f;
	int fd;

	cr_assert_eq(vs_switch_mbuf_sizing(cfg, &sz), 0);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fprintf(f, "MemTotal:       1000 kB\nHugePages_Total:     512\nHugePages_Free:      200\n"
		   "Hugepagesize:       2048 kB\n");
	fclose(f);
	cr_assert_eq(vs_app_hugepages_free_mb(path), 400);
	remove(path);
	cr_assert_eq(vs_app_check_hugepages(cfg, &sz, 400, msg, sizeof(msg)), -ENOMEM);
	cr_assert_not_null(strstr(msg, "400 MiB free, this configuration needs 512 MiB"), "%s",
			   msg);
	cr_assert_eq(vs_app_check_hugepages(cfg, &sz, 600, msg, sizeof(msg)), 0);
	cr_assert_eq(vs_app_hugepages_free_mb("/nonexistent/meminfo"), -ENOENT);
	vs_config_free(cfg);
}

/* ---- pcap generator ------------------------------------------------------------------- */

Test(pcapgen, frames_follow_the_flow_formula)
{
	struct vs_pcapgen_params p;
	uint8_t f[128];
	int len;

	vs_pcapgen_defaults(&p);
	p.dst_ips = 4;
	p.dports = 8;
	p.size = 64;
	len = vs_pcapgen_frame(&p, 13, f, sizeof(f));
	cr_assert_eq(len, 64);
	cr_assert_eq(f[12], 0x08);
	cr_assert_eq(f[13], 0x00);
	cr_assert_eq(f[14], 0x45);
	cr_assert_eq(f[14 + 9], 17);
	/* 10.1.0.0 + 13 % 4 */
	cr_assert_eq(f[30], 10);
	cr_assert_eq(f[31], 1);
	cr_assert_eq(f[32], 0);
	cr_assert_eq(f[33], 1);
	/* sport 1024 + 13, dport 5000 + 13 % 8 */
	cr_assert_eq(f[34] << 8 | f[35], 1037);
	cr_assert_eq(f[36] << 8 | f[37], 5005);
	/* IPv4 total length covers the frame after the Ethernet header. */
	cr_assert_eq(f[16] << 8 | f[17], 50);

	p.vlan = 300;
	len = vs_pcapgen_frame(&p, 0, f, sizeof(f));
	cr_assert_eq(len, 64);
	cr_assert_eq(f[12] << 8 | f[13], 0x8100);
	cr_assert_eq(f[14] << 8 | f[15], 300);
	cr_assert_eq(f[16] << 8 | f[17], 0x0800);
	p.size = 20;
	cr_assert_eq(vs_pcapgen_frame(&p, 0, f, sizeof(f)), -EINVAL);
}

/* ---- tx queue sharing ------------------------------------------------------------------- */

static uint16_t
dummy_tx(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	(void)port;
	(void)queue;
	(void)pkts;
	return n;
}

Test(port, tx_lock_only_on_shared_queues)
{
	static struct vs_port port;

	port.tx_raw = dummy_tx;
	port.n_txq = 2;
	vs_port_set_workers(&port, 2);
	cr_assert_not(port.txq_shared[0]);
	cr_assert_not(port.txq_shared[1]);
	cr_assert_eq(port.tx, dummy_tx, "no shared queue: the lock-free tx");

	/* Workers 0 and 2 share queue 0; worker 1 has queue 1 alone. */
	vs_port_set_workers(&port, 3);
	cr_assert_eq(vs_port_txq_of(2, 0), 0);
	cr_assert_eq(vs_port_txq_of(2, 1), 1);
	cr_assert_eq(vs_port_txq_of(2, 2), 0);
	cr_assert(port.txq_shared[0]);
	cr_assert_not(port.txq_shared[1]);
	cr_assert_neq(port.tx, dummy_tx, "a shared queue: the locking tx");

	vs_port_set_workers(&port, 4);
	cr_assert(port.txq_shared[0]);
	cr_assert(port.txq_shared[1]);
}

Test(port, device_name_from_devargs)
{
	char name[16];

	cr_assert_eq(vs_port_devname("net_pcap0,rx_pcap=/x.pcap,infinite_rx=1", name, sizeof(name)),
		     0);
	cr_assert_str_eq(name, "net_pcap0");
	cr_assert_eq(vs_port_devname("0000:3b:00.0", name, sizeof(name)), 0);
	cr_assert_str_eq(name, "0000:3b:00.0");
	cr_assert_eq(vs_port_devname("a_very_long_device_name,x=1", name, sizeof(name)),
		     -ENAMETOOLONG);
}

/* NUMA placement over a fake topology: 2 sockets, workers and ports on each,
 * a vdev whose socket is unknown, and a NIC on a socket no worker is on. */
Test(numa, pools_per_socket_and_who_uses_which)
{
	const int workers[] = {0, 0, 1, 1};
	const int devs[] = {1, 0, -1, 1, 2};
	const int workers_b[] = {1, 0};
	int socks[VS_NUMA_MAX_SOCKETS];
	int n;

	/* one pool per socket in use: the workers' (in order), then a device's
	 * own node even with no worker there; unknown devices add none */
	n = vs_numa_pool_sockets(workers, 4, devs, 5, 0, socks);
	cr_assert_eq(n, 3);
	cr_assert_eq(socks[0], 0);
	cr_assert_eq(socks[1], 1);
	cr_assert_eq(socks[2], 2);
	/* home: the first worker's socket; a port takes its device's node */
	cr_assert_eq(vs_numa_home(workers, 4, 1), 0);
	cr_assert_eq(vs_numa_home(workers_b, 2, 0), 1);
	cr_assert_eq(vs_numa_port_socket(1, 0), 1);
	cr_assert_eq(vs_numa_port_socket(-1, 0), 0, "unknown: home");
	cr_assert_eq(vs_numa_port_socket(-1, 1), 1);
	/* no worker: the main lcore's socket is home */
	n = vs_numa_pool_sockets(NULL, 0, devs + 2, 1, 1, socks);
	cr_assert_eq(n, 1);
	cr_assert_eq(socks[0], 1);
	cr_assert_eq(vs_numa_home(NULL, 0, 1), 1);
	/* the second worker order makes socket 1 home and first */
	n = vs_numa_pool_sockets(workers_b, 2, devs, 2, 0, socks);
	cr_assert_eq(n, 2);
	cr_assert_eq(socks[0], 1);
	cr_assert_eq(socks[1], 0);
	/* a socket beyond the table is refused, not written past it */
	{
		const int big[] = {0, VS_NUMA_MAX_SOCKETS};

		cr_assert_eq(vs_numa_pool_sockets(big, 2, NULL, 0, 0, socks), -1);
	}
}
