/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Positive tests: every key of config/examples/full.yaml read back, the
 * defaults, the accepted spellings of integers/booleans/modes, the lookup and
 * text helpers, and every shipped example loading cleanly.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vs_config.h"

#define FULL_YAML VS_SRC_DIR "/config/examples/full.yaml"

static struct vs_config *
load_ok(const char *yaml)
{
	struct vs_cfg_error err;
	struct vs_config *cfg = vs_config_load_buf(yaml, strlen(yaml), "t.yaml", &err);

	cr_assert_not_null(cfg, "load failed: %s", err.msg);
	cr_assert_str_empty(err.msg);
	return cfg;
}

static void
assert_mac(const struct vs_cfg_mac *m, const char *want)
{
	char buf[18];

	cr_assert_str_eq(vs_cfg_mac_str(m, buf, sizeof(buf)), want);
}

Test(config_load, full_example_dpdk_workers_classifier_control)
{
	struct vs_cfg_error err;
	struct vs_config *cfg = vs_config_load(FULL_YAML, &err);

	cr_assert_not_null(cfg, "%s", err.msg);
	cr_expect_str_eq(cfg->source, FULL_YAML);
	cr_expect_eq(cfg->dpdk.main_lcore, 0);
	cr_expect_eq(cfg->dpdk.memory_mb, 512);
	cr_expect_eq(cfg->dpdk.mbufs, 0);
	cr_expect_eq(cfg->dpdk.no_huge, false);
	cr_expect_eq(cfg->dpdk.in_memory, false);
	cr_expect_str_eq(cfg->dpdk.file_prefix, "nfvswitch");
	cr_expect_str_eq(cfg->dpdk.log_level, "*:notice");
	cr_assert_eq(cfg->dpdk.n_extra_args, 2);
	cr_expect_str_eq(cfg->dpdk.extra_args[0], "--vdev=net_null0");
	cr_expect_str_eq(cfg->dpdk.extra_args[1], "--vdev=net_null1");
	cr_expect_eq(cfg->dpdk.pos.line, 6);
	cr_expect_eq(cfg->dpdk.pos.column, 3);

	cr_assert_eq(cfg->n_workers, 2);
	cr_expect_eq(cfg->workers[0].lcore, 1);
	cr_expect_eq(cfg->workers[1].lcore, 2);
	cr_expect_eq(cfg->workers[1].pos.line, 17);
	cr_expect_eq(cfg->workers[1].pos.column, 5);

	cr_expect_eq(cfg->classifier.emc_entries, 8192);
	cr_expect_eq(cfg->classifier.max_rules, 65536);

	cr_expect_str_eq(cfg->control.socket, "/run/nfvswitch/ctl.sock");
	cr_expect_eq(cfg->control.socket_perm, 0600);
	cr_expect_eq(cfg->control.stats_interval_ms, 1000);
	cr_expect_eq(cfg->control.watch_file, false);
	cr_expect_str_eq(cfg->control.metrics_listen, "127.0.0.1:9091");
	vs_config_free(cfg);
}

Test(config_load, full_example_ports)
{
	struct vs_config *cfg = vs_config_load(FULL_YAML, NULL);
	const struct vs_cfg_port *p;
	char mac[18], ip[48];

	cr_assert_not_null(cfg);
	cr_assert_eq(cfg->n_ports, 6);

	p = vs_config_port(cfg, "uplink0");
	cr_assert_not_null(p);
	cr_expect_eq(p->type, VS_CFG_PORT_ETHDEV);
	cr_expect_str_eq(p->device, "0000:3b:00.0");
	cr_expect_eq(p->rx_queues, 2);
	cr_expect_eq(p->tx_queues, 2);
	cr_expect_eq(p->rx_desc, 1024);
	cr_expect_eq(p->tx_desc, 1024);
	cr_expect_eq(p->mtu, 1500);
	cr_expect_eq(p->promisc, true);
	cr_expect(p->has_mac);
	assert_mac(&p->mac, "02:00:00:00:00:01");
	cr_expect_not(p->is_vf);
	cr_assert_eq(p->n_rxq_pins, 2);
	cr_expect_eq(p->rxq_pins[0].queue, 0);
	cr_expect_eq(p->rxq_pins[0].worker_lcore, 1);
	cr_expect_eq(p->rxq_pins[1].queue, 1);
	cr_expect_eq(p->rxq_pins[1].worker_lcore, 2);
	cr_expect_eq(p->rxq_pins[1].pos.line, 44);
	cr_expect_eq(p->rxq_pins[1].pos.column, 9);
	cr_expect_eq(p->pos.line, 31);
	cr_expect_eq(p->pos.column, 5);

	p = vs_config_port(cfg, "vf0");
	cr_assert_not_null(p);
	cr_expect(p->is_vf);
	cr_expect_str_eq(p->vf_pf, "ens1f0");
	cr_expect_eq(p->vf_id, 0);
	cr_expect_eq(p->rx_queues, 1);
	cr_expect_eq(p->tx_queues, 0);
	/* The VF port's MAC comes from its sriov entry, the one place it is set. */
	cr_expect(p->has_mac);
	cr_expect(p->mac_from_vf);
	cr_expect_str_eq(vs_cfg_mac_str(&p->mac, mac, sizeof(mac)), "52:54:00:aa:00:00");

	p = vs_config_port(cfg, "pcap0");
	cr_assert_not_null(p);
	cr_expect_str_eq(p->device, "net_pcap0,rx_pcap=/tmp/in.pcap,infinite_rx=1");

	p = vs_config_port(cfg, "vm1");
	cr_assert_not_null(p);
	cr_expect_eq(p->type, VS_CFG_PORT_VHOST);
	cr_expect_str_eq(p->path, "/run/nfvswitch/vm1.sock");
	cr_expect_eq(p->mode, VS_CFG_VHOST_CLIENT);
	cr_expect_eq(p->queues, 1);
	cr_expect_eq(p->socket_perm, 0660);
	cr_expect_str_empty(p->owner);

	p = vs_config_port(cfg, "vm2");
	cr_assert_not_null(p);
	cr_expect_eq(p->mode, VS_CFG_VHOST_SERVER);
	cr_expect_eq(p->queues, 2);
	cr_expect_str_eq(p->owner, "root");
	cr_expect_str_eq(p->group, "kvm");
	cr_expect_eq(p->socket_perm, 0660);
	cr_assert_eq(p->n_rxq_pins, 1);
	cr_expect_eq(p->rxq_pins[0].queue, 1);
	cr_expect_eq(p->rxq_pins[0].worker_lcore, 2);

	p = vs_config_port(cfg, "vx100");
	cr_assert_not_null(p);
	cr_expect_eq(p->type, VS_CFG_PORT_VXLAN);
	cr_expect_str_eq(p->underlay, "uplink0");
	cr_expect_str_eq(vs_cfg_ip_str(&p->local_ip, ip, sizeof(ip)), "192.0.2.1");
	cr_assert_eq(p->n_remotes, 2);
	cr_expect_str_eq(vs_cfg_ip_str(&p->remote_ips[0], ip, sizeof(ip)), "192.0.2.2");
	cr_expect_str_eq(vs_cfg_ip_str(&p->remote_ips[1], ip, sizeof(ip)), "192.0.2.3");
	cr_expect_eq(p->vni, 100);
	cr_expect_eq(p->dst_port, 4789);
	cr_expect_eq(p->ttl, 64);
	cr_expect_not(p->df);
	cr_expect(p->has_remote_mac);
	assert_mac(&p->remote_mac, "02:00:00:00:00:fe");

	cr_expect_eq(vs_config_port_index(cfg, "vm2"), 4);
	cr_expect_eq(vs_config_port_index(cfg, "nope"), -1);
	cr_expect_null(vs_config_port(cfg, "nope"));
	cr_expect_null(vs_config_port(NULL, "vm2"));
	cr_expect_eq(vs_config_port_index(cfg, NULL), -1);
	vs_config_free(cfg);
}

Test(config_load, full_example_sriov)
{
	struct vs_config *cfg = vs_config_load(FULL_YAML, NULL);
	const struct vs_cfg_pf *pf;
	const struct vs_cfg_vf *vf;

	cr_assert_not_null(cfg);
	cr_assert_eq(cfg->n_sriov, 2);
	pf = &cfg->sriov[0];
	cr_expect_str_eq(pf->pf, "ens1f0");
	cr_expect_eq(pf->backend, VS_CFG_PF_KERNEL);
	cr_expect_eq(pf->num_vfs, 4);
	cr_assert_eq(pf->n_vfs, 2);
	vf = &pf->vfs[0];
	cr_expect_eq(vf->id, 0);
	cr_expect(vf->has_mac);
	assert_mac(&vf->mac, "52:54:00:aa:00:00");
	cr_expect(vf->has_vlan);
	cr_expect_eq(vf->vlan, 100);
	cr_expect_eq(vf->qos, 0);
	cr_expect_eq(vf->vlan_proto, 0x8100);
	cr_expect_eq(vf->spoofchk, VS_CFG_ON);
	cr_expect_eq(vf->trust, VS_CFG_OFF);
	cr_expect_eq(vf->link_state, VS_CFG_LINK_AUTO);
	cr_expect_eq(vf->min_tx_rate, 0);
	cr_expect_eq(vf->max_tx_rate, 1000);
	cr_assert_eq(vf->n_extra_macs, 1);
	assert_mac(&vf->extra_macs[0], "52:54:00:aa:00:01");
	vf = &pf->vfs[1];
	cr_expect_eq(vf->id, 1);
	cr_expect_eq(vf->link_state, VS_CFG_LINK_ENABLE);
	cr_expect_eq(vf->spoofchk, VS_CFG_UNSET);
	cr_expect_eq(vf->trust, VS_CFG_UNSET);
	cr_expect_not(vf->has_vlan);

	pf = &cfg->sriov[1];
	cr_expect_str_eq(pf->pf, "uplink0");
	cr_expect_eq(pf->backend, VS_CFG_PF_DPDK);
	cr_expect_eq(pf->num_vfs, 2);
	cr_assert_eq(pf->n_vfs, 1);
	cr_expect_eq(pf->vfs[0].trust, VS_CFG_ON);
	cr_expect_eq(pf->vfs[0].link_state, VS_CFG_LINK_DISABLE);
	vs_config_free(cfg);
}

Test(config_load, full_example_rules)
{
	struct vs_config *cfg = vs_config_load(FULL_YAML, NULL);
	const struct vs_cfg_rule *r;
	const struct vs_cfg_match *m;
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};

	cr_assert_not_null(cfg);
	cr_assert_eq(cfg->n_rules, 4);

	r = &cfg->rules[0];
	m = &r->match;
	cr_expect_str_eq(r->name, "web");
	cr_expect_eq(r->priority, 100);
	cr_expect_eq(m->fields, VS_CFG_M_IN_PORT | VS_CFG_M_ETH_SRC | VS_CFG_M_ETH_DST |
				    VS_CFG_M_ETH_TYPE | VS_CFG_M_VLAN_ID | VS_CFG_M_VLAN_PCP |
				    VS_CFG_M_IP_SRC | VS_CFG_M_IP_DST | VS_CFG_M_IP_PROTO |
				    VS_CFG_M_IP_DSCP | VS_CFG_M_L4_SRC | VS_CFG_M_L4_DST);
	cr_expect_str_eq(m->in_port, "uplink0");
	assert_mac(&m->eth_dst, "52:54:00:00:00:01");
	assert_mac(&m->eth_dst_mask, "ff:ff:ff:ff:ff:ff");
	assert_mac(&m->eth_src, "aa:bb:cc:00:00:00");
	assert_mac(&m->eth_src_mask, "ff:ff:ff:00:00:00");
	cr_expect_eq(m->eth_type, 0x0800);
	cr_expect_eq(m->vlan_id, 100);
	cr_expect_not(m->vlan_none);
	cr_expect_eq(m->vlan_pcp, 3);
	cr_expect_eq(m->ip_src.family, 4);
	cr_expect_eq(m->ip_src.len, 8);
	cr_expect_eq(m->ip_src.addr[0], 10);
	cr_expect_eq(m->ip_dst.len, 24);
	cr_expect_eq(m->ip_dst.addr[0], 192);
	cr_expect_eq(m->ip_dst.addr[2], 1);
	cr_expect_eq(m->ip_proto, 6);
	cr_expect_eq(m->ip_dscp, 46);
	cr_expect_eq(m->l4_src_lo, 80);
	cr_expect_eq(m->l4_src_hi, 80);
	cr_expect_eq(m->l4_dst_lo, 1000);
	cr_expect_eq(m->l4_dst_hi, 2000);
	cr_assert_eq(r->n_actions, 1);
	cr_expect_eq(r->actions[0].type, VS_CFG_ACT_OUTPUT);
	cr_expect_str_eq(r->actions[0].port, "vm1");

	r = &cfg->rules[1];
	m = &r->match;
	cr_expect_str_eq(r->name, "ping6");
	cr_expect_eq(m->ip_dst.family, 6);
	cr_expect_eq(m->ip_dst.len, 32);
	cr_expect_arr_eq(m->ip_dst.addr, v6, 16);
	cr_expect_eq(m->ip_proto, 58);
	cr_expect_eq(m->icmp_type, 128);
	cr_expect_eq(m->icmp_code, 0);
	/* eth_type implied by the IPv6 address */
	cr_expect(m->fields & VS_CFG_M_ETH_TYPE);
	cr_expect_eq(m->eth_type, 0x86dd);
	cr_expect(m->fields & VS_CFG_M_ICMP_TYPE);
	cr_expect(m->fields & VS_CFG_M_ICMP_CODE);
	cr_assert_eq(r->n_actions, 5);
	cr_expect_eq(r->actions[0].type, VS_CFG_ACT_POP_VLAN);
	cr_expect_eq(r->actions[1].type, VS_CFG_ACT_PUSH_VLAN);
	cr_expect_eq(r->actions[1].vlan_id, 200);
	cr_expect_eq(r->actions[1].vlan_pcp, 5);
	cr_expect_eq(r->actions[2].type, VS_CFG_ACT_SET_ETH_SRC);
	assert_mac(&r->actions[2].mac, "02:00:00:00:00:01");
	cr_expect_eq(r->actions[3].type, VS_CFG_ACT_SET_ETH_DST);
	assert_mac(&r->actions[3].mac, "ff:ff:ff:ff:ff:ff");
	cr_expect_eq(r->actions[4].type, VS_CFG_ACT_FLOOD);

	r = &cfg->rules[2];
	cr_expect(r->match.vlan_none);
	cr_expect_eq(r->match.fields, VS_CFG_M_IN_PORT | VS_CFG_M_VLAN_ID);
	cr_assert_eq(r->n_actions, 2);
	cr_expect_str_eq(r->actions[1].port, "vf0");

	r = &cfg->rules[3];
	cr_expect_str_empty(r->name);
	cr_expect_eq(r->priority, 0);
	cr_expect_eq(r->match.fields, 0);
	cr_assert_eq(r->n_actions, 1);
	cr_expect_eq(r->actions[0].type, VS_CFG_ACT_DROP);
	vs_config_free(cfg);
}

Test(config_load, defaults)
{
	struct vs_config *cfg = load_ok("ports:\n"
					"  - {name: p0, type: ethdev, device: net_null0}\n"
					"  - {name: v0, type: vhost, path: /tmp/v0.sock}\n");
	const struct vs_cfg_port *p = &cfg->ports[0];

	cr_expect_str_eq(cfg->source, "t.yaml");
	cr_expect_eq(cfg->dpdk.main_lcore, 0);
	cr_expect_eq(cfg->dpdk.memory_mb, 0);
	cr_expect_str_eq(cfg->dpdk.file_prefix, "nfvswitch");
	cr_expect_str_empty(cfg->dpdk.log_level);
	cr_expect_eq(cfg->dpdk.n_extra_args, 0);
	cr_expect_eq(cfg->n_workers, 0);
	cr_expect_eq(cfg->classifier.emc_entries, 8192);
	cr_expect_eq(cfg->classifier.max_rules, 65536);
	cr_expect_str_eq(cfg->control.socket, "/run/nfvswitch/ctl.sock");
	cr_expect_eq(cfg->control.socket_perm, 0600);
	cr_expect_eq(cfg->control.stats_interval_ms, 1000);
	cr_expect_not(cfg->control.watch_file);
	cr_expect_str_empty(cfg->control.metrics_listen);

	cr_expect_eq(p->rx_queues, 1);
	cr_expect_eq(p->tx_queues, 0);
	cr_expect_eq(p->rx_desc, 1024);
	cr_expect_eq(p->tx_desc, 1024);
	cr_expect_eq(p->mtu, 0);
	cr_expect(p->promisc);
	cr_expect_not(p->has_mac);
	cr_expect_eq(p->pos.line, 2);
	cr_expect_eq(p->pos.column, 5);
	p = &cfg->ports[1];
	cr_expect_eq(p->mode, VS_CFG_VHOST_CLIENT);
	cr_expect_eq(p->queues, 1);
	cr_expect_eq(p->socket_perm, 0660);
	vs_config_free(cfg);
}

/* Keys whose value in full.yaml equals the default, read back with other values. */
Test(config_load, non_default_values)
{
	struct vs_config *cfg = load_ok(
	    "dpdk: {file_prefix: sw-2, log_level: \"nfvswitch.*:debug\"}\n"
	    "control: {socket: /tmp/nfv.sock, stats_interval_ms: 250}\n"
	    "ports:\n"
	    "  - {name: p, type: ethdev, device: net_ring0, rx_desc: 512, tx_desc: 2048,"
	    " promisc: false, mtu: 9000, tx_queues: 4, rx_queues: 1024}\n"
	    "  - {name: s, type: vhost, path: /tmp/s.sock, mode: server, socket_mode: 0o600,"
	    " queues: 128}\n"
	    "rules:\n"
	    "  - {priority: 7, match: {ip_dscp: 63, eth_src: \"02:00:00:00:00:01\"},"
	    " actions: [{push_vlan: {vid: 4095}}]}\n");
	const struct vs_cfg_port *p = &cfg->ports[0];

	cr_expect_str_eq(cfg->dpdk.file_prefix, "sw-2");
	cr_expect_str_eq(cfg->dpdk.log_level, "nfvswitch.*:debug");
	cr_expect_str_eq(cfg->control.socket, "/tmp/nfv.sock");
	cr_expect_eq(cfg->control.stats_interval_ms, 250);
	cr_expect_eq(p->rx_desc, 512);
	cr_expect_eq(p->tx_desc, 2048);
	cr_expect_not(p->promisc);
	cr_expect_eq(p->mtu, 9000);
	cr_expect_eq(p->tx_queues, 4);
	cr_expect_eq(p->rx_queues, 1024);
	p = &cfg->ports[1];
	cr_expect_eq(p->mode, VS_CFG_VHOST_SERVER);
	cr_expect_eq(p->socket_perm, 0600);
	cr_expect_eq(p->queues, 128);
	cr_expect_str_empty(p->owner);
	cr_expect_eq(cfg->rules[0].match.ip_dscp, 63);
	cr_expect_eq(cfg->rules[0].match.fields, VS_CFG_M_IP_DSCP | VS_CFG_M_ETH_SRC);
	assert_mac(&cfg->rules[0].match.eth_src_mask, "ff:ff:ff:ff:ff:ff");
	cr_expect_eq(cfg->rules[0].actions[0].vlan_id, 4095);
	cr_expect_eq(cfg->rules[0].actions[0].vlan_pcp, 0);
	vs_config_free(cfg);
}

Test(config_load, empty_inputs_are_valid_and_empty)
{
	static const char *const inputs[] = {
	    "",	   "\n",	 "# just a comment\n", "---\n",
	    "~\n", "---\n...\n", "ports:\nrules:\n",   "ports: []\nworkers: []\nsriov: []\n"};
	size_t i;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct vs_config *cfg = load_ok(inputs[i]);

		cr_expect_eq(cfg->n_ports, 0, "input %zu", i);
		cr_expect_eq(cfg->n_rules, 0);
		cr_expect_eq(cfg->classifier.emc_entries, 8192);
		vs_config_free(cfg);
	}
	/* NULL with zero length is an empty buffer too */
	{
		struct vs_config *cfg = vs_config_load_buf(NULL, 0, NULL, NULL);

		cr_assert_not_null(cfg);
		cr_expect_str_eq(cfg->source, "<buffer>");
		vs_config_free(cfg);
	}
}

Test(config_load, integer_and_boolean_spellings)
{
	struct vs_config *cfg = load_ok("dpdk: {main_lcore: 0x3, memory_mb: 0o1000, no_huge: yes,"
					" in_memory: ON}\n"
					"classifier: {emc_entries: 0, max_rules: +100}\n"
					"control: {socket_mode: 0o640, stats_interval_ms: 0,"
					" watch_file: True, metrics_listen: \"[::1]:9091\"}\n"
					"workers: [{lcore: \"7\"}]\n");

	cr_expect_eq(cfg->dpdk.main_lcore, 3);
	cr_expect_eq(cfg->dpdk.memory_mb, 512);
	cr_expect(cfg->dpdk.no_huge);
	cr_expect(cfg->dpdk.in_memory);
	cr_expect_eq(cfg->classifier.emc_entries, 0);
	cr_expect_eq(cfg->classifier.max_rules, 100);
	cr_expect_eq(cfg->control.socket_perm, 0640);
	cr_expect_eq(cfg->control.stats_interval_ms, 0);
	cr_expect(cfg->control.watch_file);
	cr_expect_str_eq(cfg->control.metrics_listen, "[::1]:9091");
	cr_expect_eq(cfg->workers[0].lcore, 7);
	vs_config_free(cfg);

	/* socket_mode: unquoted 0600 is read as octal too */
	cfg = load_ok("control: {socket_mode: 0600}\n");
	cr_expect_eq(cfg->control.socket_perm, 0600);
	vs_config_free(cfg);
}

Test(config_load, match_variants)
{
	struct vs_config *cfg =
	    load_ok("ports: [{name: a, type: ethdev, device: x}]\n"
		    "rules:\n"
		    "  - {priority: 1, match: {ip_src: 10.1.0.0/255.255.0.0, ip_proto: 17,"
		    " l4_src: 53, l4_dst: 0-1023}, actions: [{output: a}]}\n"
		    "  - {priority: 2, match: {ip_dst: \"2001:db8::1\", ip_proto: sctp,"
		    " l4_dst: 2905}, actions: [drop]}\n"
		    "  - {priority: 3, match: {eth_type: 0x0806, eth_dst: \"01-80-C2-00-00-0E\"},"
		    " actions: [drop]}\n"
		    "  - {priority: 4, match: {ip_proto: icmp, icmp_code: 3}, actions: [drop]}\n"
		    "  - {priority: 65535, match: {vlan: 0, vlan_pcp: 7}, actions: [drop]}\n"
		    "  - {priority: 5, match: {ip_proto: tcp}, actions: [drop]}\n"
		    "  - {priority: 6, match: {ip_src: 0.0.0.0/0}, actions: [drop]}\n");
	const struct vs_cfg_match *m;

	m = &cfg->rules[0].match;
	cr_expect_eq(m->ip_src.len, 16);
	cr_expect_eq(m->ip_src.addr[1], 1);
	cr_expect_eq(m->ip_proto, 17);
	cr_expect_eq(m->eth_type, 0x0800);
	cr_expect_eq(m->l4_dst_lo, 0);
	cr_expect_eq(m->l4_dst_hi, 1023);
	m = &cfg->rules[1].match;
	cr_expect_eq(m->ip_dst.len, 128);
	cr_expect_eq(m->ip_dst.addr[15], 1);
	cr_expect_eq(m->ip_proto, 132);
	m = &cfg->rules[2].match;
	cr_expect_eq(m->eth_type, 0x0806);
	assert_mac(&m->eth_dst, "01:80:c2:00:00:0e");
	m = &cfg->rules[3].match;
	cr_expect_eq(m->eth_type, 0x0800, "icmp implies IPv4");
	cr_expect_eq(m->icmp_code, 3);
	cr_expect_not(m->fields & VS_CFG_M_ICMP_TYPE);
	m = &cfg->rules[4].match;
	cr_expect_eq(cfg->rules[4].priority, 65535);
	cr_expect_eq(m->vlan_id, 0);
	cr_expect_eq(m->vlan_pcp, 7);
	m = &cfg->rules[5].match;
	cr_expect_eq(m->fields, VS_CFG_M_IP_PROTO, "tcp alone does not pick a family");
	m = &cfg->rules[6].match;
	cr_expect_eq(m->ip_src.len, 0);
	vs_config_free(cfg);
}

Test(config_load, masked_matches)
{
	struct vs_config *cfg = load_ok(
	    "ports: [{name: a, type: ethdev, device: x}]\n"
	    "rules:\n"
	    "  - {priority: 1, match: {ip_src: 10.0.0.0/255.0.255.0, ip_proto: tcp,"
	    " l4_dst: 0x0050/0xfff0, l4_src: 7/0xffff, vlan: 0x060/0xff0}, actions: [drop]}\n"
	    "  - {priority: 2, match: {ip_dst: \"2001:0:1::/ffff:0:ffff::\", vlan: 0/0},"
	    " actions: [drop]}\n"
	    "  - {priority: 3, match: {vlan: 0x064/0xfff, ip_src: 10.0.0.0/255.255.0.0},"
	    " actions: [drop]}\n");
	const struct vs_cfg_match *m = &cfg->rules[0].match;
	static const uint8_t mask4[16] = {255, 0, 255, 0},
			     mask6[16] = {0xff, 0xff, 0, 0, 0xff, 0xff};

	cr_expect(m->ip_src.masked);
	cr_expect_arr_eq(m->ip_src.mask, mask4, 16);
	cr_expect_eq(m->ip_src.addr[0], 10);
	cr_expect_eq(m->l4_dst_lo, 0x50);
	cr_expect_eq(m->l4_dst_mask, 0xfff0);
	cr_expect_eq(m->l4_src_lo, 7);
	cr_expect_eq(m->l4_src_hi, 7);
	cr_expect_eq(m->l4_src_mask, 0, "an all-ones mask is the exact port");
	cr_expect(m->vlan_masked);
	cr_expect_eq(m->vlan_id, 0x60);
	cr_expect_eq(m->vlan_mask, 0xff0);
	m = &cfg->rules[1].match;
	cr_expect(m->ip_dst.masked);
	cr_expect_arr_eq(m->ip_dst.mask, mask6, 16);
	cr_expect_eq(m->ip_dst.addr[5], 1);
	cr_expect(m->vlan_masked, "0/0: any tagged frame");
	cr_expect_eq(m->vlan_mask, 0);
	m = &cfg->rules[2].match;
	cr_expect_not(m->ip_src.masked, "a contiguous mask is a length");
	cr_expect_eq(m->ip_src.len, 16);
	cr_expect_not(m->vlan_masked, "a full VID mask is the exact id");
	cr_expect_eq(m->vlan_id, 100);
	vs_config_free(cfg);
}

Test(config_load, action_variants)
{
	struct vs_config *cfg = load_ok(
	    "ports: [{name: a, type: ethdev, device: x}]\n"
	    "rules:\n"
	    "  - {priority: 1, actions: [in_port, all, {set_vlan_vid: 4095},"
	    " {set_vlan_pcp: 7}, {push_vlan: {vid: 5, tpid: 0x88a8}}, {push_vlan: {vid: 6}}]}\n");
	const struct vs_cfg_rule *r = &cfg->rules[0];

	cr_assert_eq(r->n_actions, 6);
	cr_expect_eq(r->actions[0].type, VS_CFG_ACT_IN_PORT);
	cr_expect_eq(r->actions[1].type, VS_CFG_ACT_ALL);
	cr_expect_eq(r->actions[2].type, VS_CFG_ACT_SET_VLAN_VID);
	cr_expect_eq(r->actions[2].vlan_id, 4095);
	cr_expect_eq(r->actions[3].type, VS_CFG_ACT_SET_VLAN_PCP);
	cr_expect_eq(r->actions[3].vlan_pcp, 7);
	cr_expect_eq(r->actions[4].vlan_tpid, 0x88a8);
	cr_expect_eq(r->actions[5].vlan_tpid, 0x8100, "the default TPID");
	cr_expect_str_eq(vs_cfg_action_type_str(VS_CFG_ACT_IN_PORT), "in_port");
	cr_expect_str_eq(vs_cfg_action_type_str(VS_CFG_ACT_SET_VLAN_PCP), "set_vlan_pcp");
	vs_config_free(cfg);
}

Test(config_load, sriov_variants)
{
	struct vs_config *cfg =
	    load_ok("sriov:\n"
		    "  - pf: enp1s0f1\n"
		    "    num_vfs: 8\n"
		    "    vfs:\n"
		    "      - {id: 7, vlan: 4095, qos: 7, vlan_proto: 802.1ad, max_tx_rate: 10,"
		    " min_tx_rate: 10}\n"
		    "      - {id: 3, min_tx_rate: 500}\n"
		    "  - {pf: enp2s0, num_vfs: 0}\n");

	cr_assert_eq(cfg->n_sriov, 2);
	cr_expect_eq(cfg->sriov[0].vfs[0].vlan, 4095);
	cr_expect_eq(cfg->sriov[0].vfs[0].qos, 7);
	cr_expect_eq(cfg->sriov[0].vfs[0].vlan_proto, 0x88a8);
	cr_expect_eq(cfg->sriov[0].vfs[0].min_tx_rate, 10);
	cr_expect_eq(cfg->sriov[0].vfs[1].min_tx_rate, 500, "max 0 means no cap");
	cr_expect_eq(cfg->sriov[1].n_vfs, 0);
	cr_expect_eq(cfg->sriov[1].num_vfs, 0);
	vs_config_free(cfg);
}

Test(config_load, text_helpers)
{
	struct vs_cfg_mac m = {{0x52, 0x54, 0, 0xab, 0xcd, 0xef}};
	char buf[18], small[6];

	cr_expect_str_eq(vs_cfg_mac_str(&m, buf, sizeof(buf)), "52:54:00:ab:cd:ef");
	cr_expect_str_eq(vs_cfg_mac_str(&m, small, sizeof(small)), "52:54");
	cr_expect_str_eq(vs_cfg_port_type_str(VS_CFG_PORT_ETHDEV), "ethdev");
	cr_expect_str_eq(vs_cfg_port_type_str(VS_CFG_PORT_VHOST), "vhost");
	cr_expect_str_eq(vs_cfg_port_type_str((enum vs_cfg_port_type)42), "unknown");
	cr_expect_str_eq(vs_cfg_action_type_str(VS_CFG_ACT_OUTPUT), "output");
	cr_expect_str_eq(vs_cfg_action_type_str(VS_CFG_ACT_DROP), "drop");
	cr_expect_str_eq(vs_cfg_action_type_str(VS_CFG_ACT_FLOOD), "flood");
	cr_expect_str_eq(vs_cfg_action_type_str(VS_CFG_ACT_PUSH_VLAN), "push_vlan");
	cr_expect_str_eq(vs_cfg_action_type_str(VS_CFG_ACT_POP_VLAN), "pop_vlan");
	cr_expect_str_eq(vs_cfg_action_type_str(VS_CFG_ACT_SET_ETH_SRC), "set_eth_src");
	cr_expect_str_eq(vs_cfg_action_type_str(VS_CFG_ACT_SET_ETH_DST), "set_eth_dst");
	cr_expect_str_eq(vs_cfg_action_type_str((enum vs_cfg_action_type)99), "unknown");
	vs_config_free(NULL);
}

/* The input caps leave room for classifier.max_rules (65536) realistic rules. */
Test(config_load, default_max_rules_fit_under_the_caps)
{
	size_t cap = 16u << 20, o;
	char *buf = malloc(cap);
	struct vs_cfg_error err;
	struct vs_config *cfg;
	unsigned int i;

	cr_assert_not_null(buf);
	o = (size_t)snprintf(buf, cap,
			     "workers: [{lcore: 1}]\nports:\n  - {name: uplink0, type: ethdev,"
			     " device: x}\n  - {name: vm1, type: vhost, path: /tmp/v.sock}\n"
			     "rules:\n");
	for (i = 0; i < 65536; i++)
		o += (size_t)snprintf(buf + o, cap - o,
				      "  - {priority: %u, match: {in_port: uplink0, ip_src: "
				      "10.%u.%u.0/24, ip_proto: tcp, l4_dst: %u}, actions: "
				      "[{output: vm1}]}\n",
				      i, (i >> 8) & 255, i & 255, i % 65535);
	cr_assert_lt(o, cap);
	cfg = vs_config_load_buf(buf, o, "big.yaml", &err);
	cr_assert_not_null(cfg, "%s", err.msg);
	cr_expect_eq(cfg->n_rules, 65536);
	cr_expect_eq(cfg->rules[65535].match.ip_src.addr[2], 255);
	cr_expect_eq(cfg->rules[65535].match.l4_dst_lo, 0);
	vs_config_free(cfg);
	free(buf);
}

/* Every shipped example must load (demo.yaml included once it exists). */
Test(config_load, every_example_loads)
{
	const char *dir = VS_SRC_DIR "/config/examples";
	struct dirent *de;
	DIR *d = opendir(dir);
	unsigned int n = 0;

	cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct vs_cfg_error err;
		struct vs_config *cfg;
		char path[512];

		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		cfg = vs_config_load(path, &err);
		cr_expect_not_null(cfg, "%s", err.msg);
		vs_config_free(cfg);
		n++;
	}
	closedir(d);
	cr_expect_geq(n, 1, "no examples found in %s", dir);
}

/* rss: the list form, the mapping with a key, the default, and save's text
 * read back to the same values. */
Test(config_load, port_rss)
{
	static const char yaml[] =
	    "ports:\n"
	    "  - {name: a, type: ethdev, device: x, rx_queues: 2, rss: [ipv4, udp]}\n"
	    "  - {name: b, type: ethdev, device: y, rss: {types: [ip, tcp, sctp], key: "
	    "\"6d:5a:56:da:25:5b:0e:c2:41:67:25:3d:43:a3:8f:b0:d0:ca:2b:cb:ae:7b:30:b4:77:cb:2d:a3:"
	    "80:30:f2:0c:6a:42:b7:3b:be:ac:01:fa\"}}\n"
	    "  - {name: c, type: ethdev, device: z}\n";
	struct vs_config *cfg = load_ok(yaml), *back;
	char *text = NULL;
	size_t size = 0, nk = 0, i;
	const struct vs_cfg_key *keys = vs_config_keys(VS_CFG_SEC_PORTS, &nk);
	FILE *f;
	uint32_t j;

	cr_assert(cfg->ports[0].has_rss);
	cr_assert_eq(cfg->ports[0].rss_types, VS_CFG_RSS_IPV4 | VS_CFG_RSS_UDP);
	cr_assert_eq(cfg->ports[0].rss_key_len, 0);
	cr_assert_eq(cfg->ports[1].rss_types, VS_CFG_RSS_IP | VS_CFG_RSS_TCP | VS_CFG_RSS_SCTP);
	cr_assert_eq(cfg->ports[1].rss_key_len, 40);
	cr_assert_eq(cfg->ports[1].rss_key[0], 0x6d);
	cr_assert_eq(cfg->ports[1].rss_key[39], 0xfa);
	cr_assert_not(cfg->ports[2].has_rss);
	cr_assert_str_eq(vs_cfg_rss_type_str(VS_CFG_RSS_L2), "l2_payload");
	cr_assert_null(vs_cfg_rss_type_str(VS_CFG_RSS_IP));

	f = open_memstream(&text, &size);
	cr_assert_not_null(f);
	fputs("ports:\n", f);
	for (j = 0; j < cfg->n_ports; j++)
		cr_assert_eq(vs_cfg_write_obj(f, VS_CFG_SEC_PORTS, &cfg->ports[j], "  - ", "    "),
			     0);
	fclose(f);
	cr_assert_not_null(strstr(text, "rss: {types: [ipv4, udp]}"), "%s", text);
	cr_assert_not_null(strstr(text, "rss: {types: [ip, tcp, sctp], key: \"6d:5a:"), "%s", text);
	back = load_ok(text);
	for (j = 0; j < cfg->n_ports; j++)
		for (i = 0; i < nk; i++)
			cr_expect(vs_cfg_key_same(&keys[i], &cfg->ports[j], &back->ports[j]),
				  "ports[%u].%s changed through save", j, keys[i].name);
	free(text);
	vs_config_free(back);
	vs_config_free(cfg);
}
