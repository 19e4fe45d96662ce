/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One test per class of invalid input: each asserts the exact line:column,
 * the key path and a piece of the message ("FILE:LINE:COL: KEY: what was
 * found; expected WHAT").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "vs_config.h"

static void
expect_err_len(const char *yaml, size_t len, unsigned int line, unsigned int col, const char *key,
	       const char *what)
{
	struct vs_cfg_error err;
	struct vs_config *cfg;
	char prefix[256];

	errno = 0;
	cfg = vs_config_load_buf(yaml, len, "t.yaml", &err);
	cr_assert_null(cfg, "accepted: %.200s", yaml);
	vs_config_free(cfg);
	cr_expect_neq(errno, 0);
	snprintf(prefix, sizeof(prefix), "t.yaml:%u:%u: %s: ", line, col, key);
	cr_expect(strncmp(err.msg, prefix, strlen(prefix)) == 0, "want prefix [%s], got [%s]",
		  prefix, err.msg);
	cr_expect(strstr(err.msg, what) != NULL, "want [%s] in [%s]", what, err.msg);
	cr_expect(strstr(err.msg, "; expected ") != NULL, "no 'expected' part in [%s]", err.msg);
	cr_expect_eq(err.pos.line, line, "line in [%s]", err.msg);
	cr_expect_eq(err.pos.column, col, "column in [%s]", err.msg);
}

static void
expect_err(const char *yaml, unsigned int line, unsigned int col, const char *key, const char *what)
{
	expect_err_len(yaml, strlen(yaml), line, col, key, what);
}

/* Three lines that define a worker and a port, for rules tests. */
#define BASE "workers: [{lcore: 1}]\nports:\n  - {name: a, type: ethdev, device: x}\n"
/* rules on lines 4-6, match keys on line 7 (value at column 15 + key len - 6) */
#define MATCH(lines) BASE "rules:\n  - priority: 1\n    match:\n" lines "    actions: [drop]\n"

Test(config_errors, yaml_syntax)
{
	expect_err("ports: [\n", 2, 1, "yaml", "did not find expected node content");
	expect_err("a: b: c\n", 1, 5, "yaml", "mapping values are not allowed");
	expect_err("ports:\n  - {name: \"a}\n", 3, 1, "yaml", "unexpected end of stream");
	expect_err("ports: \"\xff\"\n", 1, 9, "yaml", "invalid leading UTF-8 octet");
}

Test(config_errors, wrong_node_kind)
{
	expect_err("ports: 5\n", 1, 8, "ports", "found a scalar; expected a list");
	expect_err("dpdk: [1]\n", 1, 7, "dpdk", "found a list; expected a mapping");
	expect_err("workers: [5]\n", 1, 11, "workers[0]", "found a scalar; expected a mapping");
	expect_err("ports:\n  - {name: {a: 1}, type: ethdev, device: x}\n", 2, 12, "ports[0].name",
		   "found a mapping; expected letters");
	expect_err("? [a]\n: b\n", 1, 3, "config", "found a list as a key");
	expect_err("[1, 2]\n", 1, 1, "config", "found a list at the top level");
	expect_err("dpdk: {no_huge: [true]}\n", 1, 17, "dpdk.no_huge",
		   "found a list; expected true or false");
	expect_err("dpdk: {no_huge: maybe}\n", 1, 17, "dpdk.no_huge", "\"maybe\" is not a boolean");
	expect_err("ports:\n  - {name: a, type: ethdev, device: }\n", 2, 37, "ports[0].device",
		   "found an empty value");
}

Test(config_errors, unknown_key)
{
	expect_err("dpdk: {main_lcor: 1}\n", 1, 8, "dpdk.main_lcor",
		   "unknown key; expected one of main_lcore, memory_mb");
	expect_err("dpdk: {main_lcor: 1}\n", 1, 8, "dpdk.main_lcor",
		   "(did you mean \"main_lcore\"?)");
	expect_err("zzzz: 1\n", 1, 1, "zzzz", "unknown key; expected one of dpdk, workers");
	expect_err("ports:\n  - name: a\n    type: ethdev\n    device: x\n    rx_queus: 2\n", 5, 5,
		   "ports[0].rx_queus", "did you mean \"rx_queues\"?");
	expect_err(MATCH("      in_prot: a\n"), 7, 7, "rules[0].match.in_prot",
		   "did you mean \"in_port\"?");
	/* a key of the other port type */
	expect_err("ports:\n  - {name: a, type: ethdev, device: x, path: /x}\n", 2, 40,
		   "ports[0].path", "applies to vhost ports only");
	expect_err("ports:\n  - {name: a, type: vhost, path: /x, rx_queues: 2}\n", 2, 38,
		   "ports[0].rx_queues", "applies to ethdev ports only");
}

/* vxlan ports: each refusal points at the value and says what is accepted. */
#define VXU "ports:\n  - {name: u, type: ethdev, device: x}\n"
Test(config_errors, vxlan_ports)
{
	expect_err(VXU "  - {name: v, type: vxlan, local_ip: 10.0.0.1, remote_ip: 10.0.0.2}\n", 3,
		   5, "ports[1].underlay", "missing; expected the name of the ethdev port");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: u, remote_ip: 10.0.0.2, vni: 1}\n", 3,
		   5, "ports[1].local_ip", "missing");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: u, local_ip: 10.0.0.1, vni: 1}\n", 3,
		   5, "ports[1].remote_ip", "missing");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: w, local_ip: 10.0.0.1,\n"
		       "     remote_ip: 10.0.0.2, vni: 1}\n",
		   3, 38, "ports[1].underlay", "\"w\" is not a port");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: u, local_ip: 10.0.0/8,\n"
		       "     remote_ip: 10.0.0.2, vni: 1}\n",
		   3, 51, "ports[1].local_ip", "is not an address");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: u, local_ip: 10.0.0.1,\n"
		       "     remote_ip: [10.0.0.2, \"fd00::2\"], vni: 1}\n",
		   4, 28, "ports[1].remote_ip[1]", "is IPv6 but local_ip is IPv4");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: u, local_ip: 10.0.0.1,\n"
		       "     remote_ip: [10.0.0.2, 10.0.0.2], vni: 1}\n",
		   4, 28, "ports[1].remote_ip[1]", "already remote_ip[0]");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: u, local_ip: 10.0.0.1,\n"
		       "     remote_ip: 10.0.0.1, vni: 1}\n",
		   4, 17, "ports[1].remote_ip", "is local_ip");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: u, local_ip: 10.0.0.1,\n"
		       "     remote_ip: 224.0.0.1, vni: 1}\n",
		   4, 17, "ports[1].remote_ip", "not a unicast address");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: u, local_ip: 10.0.0.1,\n"
		       "     remote_ip: 10.0.0.2, vni: 16777216}\n",
		   4, 32, "ports[1].vni", "out of range");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: u, local_ip: 10.0.0.1,\n"
		       "     remote_ip: 10.0.0.2, vni: 1, device: y}\n",
		   4, 35, "ports[1].device",
		   "applies to ethdev ports only; expected a key of vxlan");
	expect_err(VXU "  - {name: w, type: ethdev, device: y, vni: 3}\n", 3, 40, "ports[1].vni",
		   "applies to vxlan ports only; expected a key of ethdev ports");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: u, local_ip: 10.0.0.1,\n"
		       "     remote_ip: 10.0.0.2, vni: 1, rxq_pin: [{queue: 0, worker: 1}]}\n",
		   4, 45, "ports[1].rxq_pin[0]", "a vxlan port has no rx queues");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: u, local_ip: 10.0.0.1,\n"
		       "     remote_ip: 10.0.0.2, vni: 1}\n"
		       "  - {name: w, type: vxlan, underlay: u, local_ip: 10.0.0.1,\n"
		       "     remote_ip: 10.0.0.3, vni: 1}\n",
		   5, 5, "ports[2].vni", "1 is already ports[1] \"v\" on underlay u");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: u, local_ip: 10.0.0.1,\n"
		       "     remote_ip: 10.0.0.2, vni: 1}\n"
		       "  - {name: w, type: vxlan, underlay: u, local_ip: 10.0.0.9,\n"
		       "     remote_ip: 10.0.0.3, vni: 2}\n",
		   5, 5, "ports[2].local_ip", "expected one local_ip and dst_port per underlay");
	expect_err(MATCH("      tun_id: 16777216\n"), 7, 15, "rules[0].match.tun_id",
		   "out of range");
	expect_err(MATCH("      tun_src: \"fd00::1\"\n"), 7, 16, "rules[0].match.tun_src",
		   "IPv6, which rules cannot match");
	expect_err(MATCH("      tun_src: 10.0.0.0/8\n"), 7, 16, "rules[0].match.tun_src",
		   "is not an address");
	expect_err(VXU "  - {name: v, type: vxlan, underlay: v, local_ip: 10.0.0.1,\n"
		       "     remote_ip: 10.0.0.2, vni: 1}\n",
		   3, 38, "ports[1].underlay", "not an ethdev port");
}

Test(config_errors, missing_required_keys)
{
	expect_err("ports:\n  - {type: ethdev, device: x}\n", 2, 5, "ports[0].name", "missing");
	expect_err("ports:\n  - {name: a, device: x}\n", 2, 5, "ports[0].type",
		   "missing; expected ethdev, vhost or vxlan");
	expect_err("ports:\n  - {name: a, type: ethdev}\n", 2, 5, "ports[0].device",
		   "missing; expected a PCI address or vdev devargs");
	expect_err("ports:\n  - name: v\n    type: vhost\n", 2, 5, "ports[0].path",
		   "missing; expected the vhost-user socket path");
	expect_err("rules:\n  - {actions: [drop]}\n", 2, 5, "rules[0].priority", "missing");
	expect_err("rules:\n  - {priority: 1}\n", 2, 5, "rules[0].actions", "missing");
	expect_err("workers: [{}]\n", 1, 11, "workers[0].lcore", "missing");
	expect_err("sriov: [{pf: eth0}]\n", 1, 9, "sriov[0].num_vfs", "missing");
	expect_err("sriov: [{num_vfs: 1}]\n", 1, 9, "sriov[0].pf", "missing");
	expect_err("sriov: [{pf: eth0, num_vfs: 1, vfs: [{mac: \"02:00:00:00:00:01\"}]}]\n", 1, 38,
		   "sriov[0].vfs[0].id", "missing");
	expect_err(BASE "rules:\n  - {priority: 1, actions: [{push_vlan: {pcp: 1}}]}\n", 5, 41,
		   "rules[0].actions[0].push_vlan.vid", "missing");
}

Test(config_errors, duplicate_key)
{
	expect_err("dpdk:\n  memory_mb: 1\n  memory_mb: 2\n", 3, 3, "dpdk.memory_mb",
		   "duplicate key (first at 2:3)");
	expect_err("ports: []\nports: []\n", 2, 1, "ports", "duplicate key (first at 1:1)");
}

Test(config_errors, duplicate_port_name)
{
	expect_err("ports:\n  - {name: a, type: ethdev, device: x}\n"
		   "  - {name: a, type: vhost, path: /p}\n",
		   3, 12, "ports[1].name", "\"a\" is already ports[0] at 2:5");
}

Test(config_errors, duplicate_rule_name)
{
	expect_err("rules:\n  - {name: r, priority: 1, actions: [drop]}\n"
		   "  - {priority: 2, actions: [drop]}\n"
		   "  - {priority: 3, actions: [drop]}\n"
		   "  - {priority: 4, name: r, actions: [drop]}\n",
		   5, 25, "rules[3].name", "\"r\" is already rules[0] at 2:5");
}

Test(config_errors, duplicate_worker_lcore)
{
	expect_err("workers: [{lcore: 1}, {lcore: 1}]\n", 1, 31, "workers[1].lcore",
		   "1 is already used by workers[0]");
}

Test(config_errors, worker_on_main_lcore)
{
	expect_err("dpdk: {main_lcore: 3}\nworkers: [{lcore: 3}]\n", 2, 19, "workers[0].lcore",
		   "3 is dpdk.main_lcore");
	expect_err("workers: [{lcore: 0}]\n", 1, 19, "workers[0].lcore", "0 is dpdk.main_lcore");
}

Test(config_errors, undefined_port_reference)
{
	expect_err(BASE "rules:\n  - {priority: 1, match: {in_port: b}, actions: [drop]}\n", 5, 36,
		   "rules[0].match.in_port", "\"b\" is not a defined port");
	expect_err(BASE "rules:\n  - {priority: 1, actions: [{output: b}]}\n", 5, 38,
		   "rules[0].actions[0].output", "\"b\" is not a defined port");
	expect_err("sriov: [{dpdk_port: nope, num_vfs: 1}]\n", 1, 21, "sriov[0].dpdk_port",
		   "\"nope\" is not a defined port");
	expect_err("ports: [{name: v, type: vhost, path: /p}]\n"
		   "sriov: [{dpdk_port: v, num_vfs: 1}]\n",
		   2, 21, "sriov[0].dpdk_port", "\"v\" is a vhost port; expected an ethdev port");
}

Test(config_errors, rxq_pin)
{
	expect_err("workers: [{lcore: 1}]\nports:\n  - {name: a, type: ethdev, device: x, "
		   "rx_queues: 2, rxq_pin: [{queue: 1, worker: 2}]}\n",
		   3, 83, "ports[0].rxq_pin[0].worker", "lcore 2 is not a worker");
	expect_err("workers: [{lcore: 1}]\nports:\n  - {name: a, type: ethdev, device: x, "
		   "rx_queues: 2, rxq_pin: [{queue: 2, worker: 1}]}\n",
		   3, 72, "ports[0].rxq_pin[0].queue",
		   "queue 2 but the port has 2 rx queues; expected 0..1");
	expect_err("workers: [{lcore: 1}]\nports:\n  - {name: v, type: vhost, path: /p, "
		   "rxq_pin: [{queue: 1, worker: 1}]}\n",
		   3, 56, "ports[0].rxq_pin[0].queue", "the port has 1 rx queue;");
	expect_err("workers: [{lcore: 1}]\nports:\n  - {name: a, type: ethdev, device: x, "
		   "rx_queues: 2, rxq_pin: [{queue: 1, worker: 1}, {queue: 1, worker: 1}]}\n",
		   3, 95, "ports[0].rxq_pin[1].queue", "queue 1 is already pinned at 3:64");
}

#define RXQ(v) "ports:\n  - name: a\n    type: ethdev\n    device: x\n    rx_queues: " v "\n"

Test(config_errors, integers)
{
	expect_err(RXQ("70000"), 5, 16, "ports[0].rx_queues",
		   "70000 is out of range; expected an integer 1..1024");
	expect_err(RXQ("0"), 5, 16, "ports[0].rx_queues", "0 is out of range");
	expect_err(RXQ("abc"), 5, 16, "ports[0].rx_queues",
		   "\"abc\" is not an integer; expected an integer 1..1024");
	expect_err(RXQ("1.5"), 5, 16, "ports[0].rx_queues", "\"1.5\" is not an integer");
	expect_err(RXQ("0x"), 5, 16, "ports[0].rx_queues", "\"0x\" is not an integer");
	expect_err(RXQ("0o9"), 5, 16, "ports[0].rx_queues", "\"0o9\" is not an integer");
	expect_err(RXQ("-1"), 5, 16, "ports[0].rx_queues", "-1 is negative");
	expect_err(RXQ("99999999999999999999999"), 5, 16, "ports[0].rx_queues",
		   "99999999999999999999999 is out of range");
	expect_err(RXQ("0x10000000000000000"), 5, 16, "ports[0].rx_queues", "is out of range");
	expect_err(RXQ("012"), 5, 16, "ports[0].rx_queues",
		   "\"012\" has a leading zero; expected an integer 1..1024 (decimal, 0x hex or "
		   "0o octal)");
	expect_err(RXQ("[1]"), 5, 16, "ports[0].rx_queues", "found a list");
	expect_err(RXQ("0x401"), 5, 16, "ports[0].rx_queues", "0x401 is out of range");
	expect_err("ports:\n  - {name: a, type: ethdev, device: x, mtu: 60}\n", 2, 45,
		   "ports[0].mtu", "60 is below the IPv4 minimum");
	expect_err("control: {socket_mode: \"0999\"}\n", 1, 24, "control.socket_mode",
		   "\"0999\" is not a permission mode");
}

#define PORT_MAC(v) "ports:\n  - name: a\n    type: ethdev\n    device: x\n    mac: " v "\n"

Test(config_errors, bad_mac)
{
	expect_err(PORT_MAC("\"52:54:00:zz:00:01\""), 5, 10, "ports[0].mac",
		   "\"52:54:00:zz:00:01\" is not a MAC address; expected a unicast MAC");
	expect_err(PORT_MAC("\"52:54:00:00:01\""), 5, 10, "ports[0].mac", "is not a MAC address");
	expect_err(PORT_MAC("\"52:54-00:00:00:01\""), 5, 10, "ports[0].mac",
		   "is not a MAC address");
	expect_err(PORT_MAC("\"52:54:00:00:00:01:02\""), 5, 10, "ports[0].mac",
		   "is not a MAC address");
	expect_err(PORT_MAC("\"01:00:5e:00:00:01\""), 5, 10, "ports[0].mac", "is a multicast MAC");
	expect_err(PORT_MAC("\"00:00:00:00:00:00\""), 5, 10, "ports[0].mac", "is the zero MAC");
}

Test(config_errors, bad_mac_mask)
{
	expect_err(MATCH("      eth_src: \"aa:bb:cc:00:00:00/ff:ff:zz:00:00:00\"\n"), 7, 16,
		   "rules[0].match.eth_src", "is not a MAC/MASK");
	expect_err(MATCH("      eth_src: \"aa:bb:cc:00:00:00/\"\n"), 7, 16,
		   "rules[0].match.eth_src", "is not a MAC/MASK");
	expect_err(MATCH("      eth_dst: \"aa:bb:cc:00:00:01/ff:ff:ff:00:00:00\"\n"), 7, 16,
		   "rules[0].match.eth_dst", "has bits set outside the mask");
	expect_err(MATCH("      eth_dst: \"00:00:00:00:00:00/00:00:00:00:00:00\"\n"), 7, 16,
		   "rules[0].match.eth_dst", "has an all-zero mask");
}

#define IPSRC(v) MATCH("      ip_src: " v "\n")

Test(config_errors, bad_ip_and_prefix)
{
	expect_err(IPSRC("10.0.0.256"), 7, 15, "rules[0].match.ip_src",
		   "\"10.0.0.256\" is not an IP address or prefix");
	expect_err(IPSRC("\"2001:db8:::1\""), 7, 15, "rules[0].match.ip_src",
		   "is not an IP address or prefix");
	expect_err(IPSRC("10.0.0.0/"), 7, 15, "rules[0].match.ip_src", "is not an IP address");
	expect_err(IPSRC("10.0.0.0/08"), 7, 15, "rules[0].match.ip_src", "is not an IP address");
	expect_err(IPSRC("10.0.0.0/33"), 7, 15, "rules[0].match.ip_src",
		   "has a prefix length out of range; expected /0../32");
	expect_err(IPSRC("\"2001:db8::/129\""), 7, 15, "rules[0].match.ip_src",
		   "expected /0../128");
	expect_err(IPSRC("10.0.0.1/255.0.255.0"), 7, 15, "rules[0].match.ip_src",
		   "\"10.0.0.1/255.0.255.0\" has bits set outside the mask");
	expect_err(IPSRC("10.0.0.0/255.0.255"), 7, 15, "rules[0].match.ip_src",
		   "is not an IP address or prefix");
	expect_err(MATCH("      ip_proto: udp\n      l4_dst: 0x51/0xfff0\n"), 8, 15,
		   "rules[0].match.l4_dst", "has bits set outside the mask");
	expect_err(MATCH("      ip_proto: udp\n      l4_dst: 0/0\n"), 8, 15,
		   "rules[0].match.l4_dst", "has an all-zero mask");
	expect_err(MATCH("      ip_proto: udp\n      l4_dst: 0x50/0x10000\n"), 8, 15,
		   "rules[0].match.l4_dst", "is out of range");
	expect_err(MATCH("      ip_proto: udp\n      l4_dst: 0x50/x\n"), 8, 15,
		   "rules[0].match.l4_dst", "is not a VALUE/MASK");
	expect_err(MATCH("      vlan: 0x061/0xff0\n"), 7, 13, "rules[0].match.vlan",
		   "has bits set outside the mask");
	expect_err(MATCH("      vlan: 0x060/0x1ff0\n"), 7, 13, "rules[0].match.vlan",
		   "is out of range");
	expect_err(IPSRC("10.0.0.1/8"), 7, 15, "rules[0].match.ip_src",
		   "\"10.0.0.1/8\" has host bits set beyond /8");
	expect_err(IPSRC("\"2001:db8::1/32\""), 7, 15, "rules[0].match.ip_src",
		   "has host bits set beyond /32");
}

Test(config_errors, ip_family_mismatch)
{
	expect_err(MATCH("      ip_src: 10.0.0.0/8\n      ip_dst: \"2001:db8::/32\"\n"), 8, 15,
		   "rules[0].match.ip_dst", "an IPv6 prefix with an IPv4 ip_src");
	expect_err(MATCH("      eth_type: 0x86dd\n      ip_src: 10.0.0.0/8\n"), 7, 17,
		   "rules[0].match.eth_type", "0x86dd contradicts an IPv4 address");
	expect_err(MATCH("      ip_src: \"::/0\"\n      ip_proto: icmp\n"), 8, 17,
		   "rules[0].match.ip_proto", "icmp in an IPv6 match; expected icmpv6");
	expect_err(MATCH("      eth_type: 0x0806\n      ip_proto: tcp\n"), 8, 17,
		   "rules[0].match.ip_proto", "an IP field with eth_type 0x0806");
	expect_err(MATCH("      eth_type: 0x05dc\n"), 7, 17, "rules[0].match.eth_type",
		   "is a length, not an EtherType");
}

Test(config_errors, l4_without_l4_protocol)
{
	expect_err(MATCH("      l4_dst: 80\n"), 7, 15, "rules[0].match.l4_dst",
		   "an L4 port without a port-carrying protocol; expected ip_proto tcp, udp or "
		   "sctp");
	expect_err(MATCH("      ip_proto: icmp\n      l4_src: 80\n"), 8, 15,
		   "rules[0].match.l4_src", "without a port-carrying protocol");
	expect_err(MATCH("      ip_proto: 47\n      l4_src: 80\n"), 8, 15, "rules[0].match.l4_src",
		   "without a port-carrying protocol");
	expect_err(MATCH("      ip_proto: gre\n"), 7, 17, "rules[0].match.ip_proto",
		   "\"gre\" is not a protocol");
	expect_err(MATCH("      ip_proto: 256\n"), 7, 17, "rules[0].match.ip_proto",
		   "256 is out of range");
}

Test(config_errors, icmp_without_icmp_protocol)
{
	expect_err(MATCH("      ip_proto: tcp\n      icmp_type: 8\n"), 8, 18,
		   "rules[0].match.icmp_type", "icmp_type without an ICMP protocol");
	expect_err(MATCH("      icmp_code: 0\n"), 7, 18, "rules[0].match.icmp_code",
		   "icmp_code without an ICMP protocol");
}

Test(config_errors, port_range)
{
	expect_err(MATCH("      ip_proto: udp\n      l4_dst: 2000-1000\n"), 8, 15,
		   "rules[0].match.l4_dst", "\"2000-1000\" is an inverted range");
	expect_err(MATCH("      ip_proto: udp\n      l4_dst: 1-70000\n"), 8, 15,
		   "rules[0].match.l4_dst", "is out of range");
	expect_err(MATCH("      ip_proto: udp\n      l4_dst: 1-x\n"), 8, 15,
		   "rules[0].match.l4_dst", "is not a port range");
	expect_err(MATCH("      ip_proto: udp\n      l4_dst: 65536\n"), 8, 15,
		   "rules[0].match.l4_dst", "65536 is out of range");
}

Test(config_errors, conflicting_actions)
{
	expect_err(BASE "rules:\n  - {priority: 1, actions: [{output: a}, drop]}\n", 5, 42,
		   "rules[0].actions[1]", "drop combined with other actions; expected drop alone");
	expect_err(BASE "rules:\n  - {priority: 1, actions: [drop, flood]}\n", 5, 35,
		   "rules[0].actions[1]", "an action after drop");
	expect_err(BASE "rules:\n  - {priority: 1, actions: []}\n", 5, 28, "rules[0].actions",
		   "an empty list; expected at least one action");
	expect_err(BASE "rules:\n  - {priority: 1, actions: [jump]}\n", 5, 29,
		   "rules[0].actions[0]", "\"jump\" is not an action");
	expect_err(BASE "rules:\n  - {priority: 1, actions: [{output: a, set_eth_src: "
			"\"02:00:00:00:00:01\"}]}\n",
		   5, 29, "rules[0].actions[0]", "2 actions in one item");
	expect_err(BASE "rules:\n  - {priority: 1, actions: [{goto: a}]}\n", 5, 30,
		   "rules[0].actions[0].goto", "unknown key");
	expect_err(BASE
		   "rules:\n  - {priority: 1, actions: [{set_eth_src: \"01:00:00:00:00:01\"}]}\n",
		   5, 43, "rules[0].actions[0].set_eth_src", "is a multicast MAC");
	expect_err(BASE "rules:\n  - {priority: 1, actions: [flood, flood, flood, flood, flood, "
			"flood, flood, flood, flood, flood, flood, flood, flood, flood, flood, "
			"flood, flood]}\n",
		   5, 141, "rules[0].actions[16]", "more than 16 actions");
	expect_err(BASE "rules:\n  - {priority: 1, actions: [{set_vlan_vid: 4096}]}\n", 5, 44,
		   "rules[0].actions[0].set_vlan_vid", "out of range");
	expect_err(BASE "rules:\n  - {priority: 1, actions: [{set_vlan_pcp: 8}]}\n", 5, 44,
		   "rules[0].actions[0].set_vlan_pcp", "out of range");
	expect_err(BASE
		   "rules:\n  - {priority: 1, actions: [{push_vlan: {vid: 1, tpid: 0x0800}}]}\n",
		   5, 56, "rules[0].actions[0].push_vlan.tpid", "\"0x0800\" is not a VLAN TPID");
}

Test(config_errors, bad_vlan)
{
	expect_err(MATCH("      vlan: 4096\n"), 7, 13, "rules[0].match.vlan",
		   "4096 is out of range; expected an integer 0..4095");
	expect_err(MATCH("      vlan: any\n"), 7, 13, "rules[0].match.vlan",
		   "\"any\" is not a VLAN; expected a VLAN id 0..4095, VID/MASK or none");
	expect_err(MATCH("      vlan: none\n      vlan_pcp: 1\n"), 8, 17, "rules[0].match.vlan_pcp",
		   "a PCP with vlan: none");
	expect_err(MATCH("      vlan_pcp: 8\n"), 7, 17, "rules[0].match.vlan_pcp",
		   "8 is out of range; expected an integer 0..7");
	expect_err(BASE "rules:\n  - {priority: 1, actions: [{push_vlan: {vid: 5000}}]}\n", 5, 47,
		   "rules[0].actions[0].push_vlan.vid", "5000 is out of range");
	expect_err(BASE "rules:\n  - {priority: 1, actions: [{push_vlan: {vid: 5, pcp: 9}}]}\n", 5,
		   55, "rules[0].actions[0].push_vlan.pcp", "9 is out of range");
}

Test(config_errors, emc_not_power_of_two)
{
	expect_err("classifier: {emc_entries: 1000}\n", 1, 27, "classifier.emc_entries",
		   "1000 is not a power of two");
	expect_err("classifier: {max_rules: 0}\n", 1, 25, "classifier.max_rules",
		   "0 is out of range");
	expect_err("classifier: {max_rules: 1}\n"
		   "rules: [{priority: 1, actions: [drop]}, {priority: 2, actions: [drop]}]\n",
		   2, 41, "rules[1]", "more than 1 rules (classifier.max_rules)");
}

#define VF(lines) "sriov:\n  - pf: eth0\n    num_vfs: 2\n    vfs:\n      - id: 0\n" lines

Test(config_errors, sriov_vf_ids)
{
	expect_err("sriov:\n  - pf: eth0\n    num_vfs: 2\n    vfs:\n      - id: 2\n", 5, 13,
		   "sriov[0].vfs[0].id", "2 is not below num_vfs 2; expected 0..1");
	expect_err(VF("      - id: 0\n"), 6, 13, "sriov[0].vfs[1].id",
		   "VF 0 is already configured at 5:9");
	expect_err("sriov:\n  - {pf: eth0, num_vfs: 300}\n", 2, 25, "sriov[0].num_vfs",
		   "300 is out of range");
	expect_err("sriov:\n  - {pf: eth0, num_vfs: 1}\n  - {pf: eth0, num_vfs: 1}\n", 3, 10,
		   "sriov[1].pf", "\"eth0\" is already configured at sriov[0]");
	expect_err("sriov:\n  - {pf: eth0, dpdk_port: a, num_vfs: 1}\n", 2, 16,
		   "sriov[0].dpdk_port", "given together with pf");
	expect_err("sriov:\n  - {pf: eth0/x, num_vfs: 1}\n", 2, 10, "sriov[0].pf",
		   "has invalid characters; expected a network interface name");
	expect_err("sriov:\n  - {pf: eth0123456789abcdef, num_vfs: 1}\n", 2, 10, "sriov[0].pf",
		   "is 19 bytes long");
}

Test(config_errors, sriov_duplicate_macs)
{
	expect_err(
	    "sriov:\n"
	    "  - {pf: eth0, num_vfs: 1, vfs: [{id: 0, mac: \"02:00:00:00:00:01\"}]}\n"
	    "  - {pf: eth1, num_vfs: 1, vfs: [{id: 0, extra_macs: [\"02:00:00:00:00:01\"]}]}\n",
	    3, 55, "sriov[1].vfs[0].extra_macs[0]",
	    "02:00:00:00:00:01 is already used at 2:47 (sriov[0].vfs[0])");
	expect_err("sriov:\n"
		   "  - {pf: eth0, num_vfs: 2, vfs: [{id: 0, mac: \"02:00:00:00:00:01\"},"
		   " {id: 1, mac: \"02:00:00:00:00:01\"}]}\n",
		   2, 82, "sriov[0].vfs[1].mac", "is already used at 2:47");
}

Test(config_errors, sriov_vf_settings)
{
	expect_err(VF("        vlan: 4096\n"), 6, 15, "sriov[0].vfs[0].vlan",
		   "4096 is out of range");
	expect_err(VF("        vlan: 1\n        qos: 8\n"), 7, 14, "sriov[0].vfs[0].qos",
		   "8 is out of range; expected an integer 0..7");
	expect_err(VF("        qos: 1\n"), 6, 14, "sriov[0].vfs[0].qos", "qos without vlan");
	expect_err(VF("        vlan: 1\n        vlan_proto: 802.1x\n"), 7, 21,
		   "sriov[0].vfs[0].vlan_proto",
		   "\"802.1x\" is not a VLAN protocol; expected 802.1Q (0x8100) or 802.1ad");
	expect_err(VF("        max_tx_rate: 100\n        min_tx_rate: 200\n"), 7, 22,
		   "sriov[0].vfs[0].min_tx_rate", "200 is above max_tx_rate 100");
	expect_err(VF("        spoofchk: maybe\n"), 6, 19, "sriov[0].vfs[0].spoofchk",
		   "is not a boolean");
	expect_err(VF("        link_state: up\n"), 6, 21, "sriov[0].vfs[0].link_state",
		   "\"up\" is not a link state; expected auto, enable or disable");
	expect_err(VF("        max_tx_rate: 2000000\n"), 6, 22, "sriov[0].vfs[0].max_tx_rate",
		   "out of range");
}

Test(config_errors, port_vf_reference)
{
	expect_err(
	    "ports:\n  - name: a\n    type: ethdev\n    device: x\n    vf: {pf: eth9, id: 0}\n", 5,
	    14, "ports[0].vf.pf", "\"eth9\" is not configured in sriov");
	expect_err(
	    "ports:\n  - name: a\n    type: ethdev\n    device: x\n    vf: {pf: eth9, id: 2}\n"
	    "sriov: [{pf: eth9, num_vfs: 2}]\n",
	    5, 24, "ports[0].vf.id", "VF 2 is not defined: eth9 has num_vfs 2");
	expect_err("ports:\n  - {name: a, type: ethdev, device: x, vf: {pf: eth9, id: 1}}\n"
		   "  - {name: b, type: ethdev, device: y, vf: {pf: eth9, id: 1}}\n"
		   "sriov: [{pf: eth9, num_vfs: 2}]\n",
		   3, 59, "ports[1].vf.id", "eth9 VF 1 is already port \"a\"");
	expect_err("ports:\n  - {name: a, type: ethdev, device: x, mac: \"02:00:00:00:00:09\","
		   " vf: {pf: eth9, id: 0}}\n"
		   "sriov: [{pf: eth9, num_vfs: 1, vfs: [{id: 0, mac: \"02:00:00:00:00:01\"}]}]\n",
		   2, 45, "ports[0].mac", "set here and in sriov (3:38)");
}

Test(config_errors, vhost_path)
{
	char yaml[512];

	snprintf(yaml, sizeof(yaml), "ports:\n  - name: v\n    type: vhost\n    path: /%0120d\n",
		 0);
	expect_err(yaml, 4, 11, "ports[0].path", "is 121 bytes long; expected");
	expect_err(yaml, 4, 11, "ports[0].path", "at most 107 bytes");
	expect_err("ports:\n  - {name: v, type: vhost, path: /p, mode: listen}\n", 2, 44,
		   "ports[0].mode", "\"listen\" is not a vhost mode; expected client or server");
	expect_err("ports:\n  - name: v\n    type: vhost\n    path: /p\n    owner: root\n", 5, 5,
		   "ports[0].owner", "set on a client-mode port");
	expect_err("ports:\n  - {name: v, type: vhost, path: /p, queues: 129}\n", 2, 46,
		   "ports[0].queues", "129 is out of range");
	expect_err("ports:\n  - {name: \"bad name\", type: vhost, path: /p}\n", 2, 12,
		   "ports[0].name", "\"bad name\" has invalid characters");
}

Test(config_errors, two_ports_on_one_device)
{
	/* The same vdev, devargs aside: both positions are named. */
	expect_err("ports:\n"
		   "  - {name: a, type: ethdev, device: \"net_null0,no-rx=1\"}\n"
		   "  - {name: b, type: ethdev, device: net_null0}\n",
		   3, 37, "ports[1].device",
		   "\"net_null0\" is device net_null0 of ports[0] \"a\" at t.yaml:2:37; expected "
		   "one port per device");
	expect_err("ports:\n"
		   "  - {name: a, type: ethdev, device: \"net_pcap0,rx_pcap=/x.pcap\"}\n"
		   "  - {name: s, type: ethdev, device: net_null0}\n"
		   "  - {name: b, type: ethdev, device: \"net_pcap0,tx_pcap=/y.pcap\"}\n",
		   4, 37, "ports[2].device", "of ports[0] \"a\" at t.yaml:2:37");
	/* A PCI address in its short and full spellings, hex in either case. */
	expect_err("ports:\n"
		   "  - {name: a, type: ethdev, device: \"3b:00.0\"}\n"
		   "  - {name: b, type: ethdev, device: \"0000:3B:00.0,rx_low_latency=1\"}\n",
		   3, 37, "ports[1].device",
		   "device 0000:3b:00.0 of ports[0] \"a\" at t.yaml:2:37");
	/* Two vhost ports on one socket, spelt differently. */
	expect_err("ports:\n"
		   "  - {name: v1, type: vhost, path: /run/vm.sock}\n"
		   "  - {name: v2, type: vhost, path: \"/run//./vm.sock\", mode: server}\n",
		   3, 35, "ports[1].path",
		   "is the socket /run/vm.sock of ports[0] \"v1\" at t.yaml:2:35; expected one "
		   "port per vhost-user socket");
	/* A vhost socket on the control socket. */
	expect_err("control: {socket: /run/x/ctl.sock}\n"
		   "ports:\n"
		   "  - {name: v1, type: vhost, path: /run/x/ctl.sock, mode: server}\n",
		   3, 35, "ports[0].path",
		   "is the control socket (control.socket at t.yaml:1:19); expected a path of its "
		   "own");
	expect_err("ports:\n  - {name: v1, type: vhost, path: /run/nfvswitch/ctl.sock}\n", 2, 35,
		   "ports[0].path", "is the control socket");
}

Test(config_load_devices, different_devices_are_accepted)
{
	const char *yaml = "ports:\n"
			   "  - {name: a, type: ethdev, device: \"net_null0\"}\n"
			   "  - {name: b, type: ethdev, device: \"net_null1\"}\n"
			   "  - {name: c, type: ethdev, device: \"0000:3b:00.0\"}\n"
			   "  - {name: d, type: ethdev, device: \"0000:3b:00.1\"}\n"
			   "  - {name: e, type: ethdev, device: \"0001:3b:00.0\"}\n"
			   "  - {name: v1, type: vhost, path: /run/vm1.sock}\n"
			   "  - {name: v2, type: vhost, path: /run/vm2.sock}\n";
	struct vs_cfg_error err;
	struct vs_config *cfg = vs_config_load_buf(yaml, strlen(yaml), "t.yaml", &err);

	cr_assert_not_null(cfg, "%s", err.msg);
	cr_expect_eq(cfg->n_ports, 7);
	vs_config_free(cfg);
}

/* Not a regular file: refused at once, naming what was found (a FIFO with
 * no writer used to block the loader in open() forever). */
Test(config_errors, special_files_refused_without_blocking, .timeout = 10)
{
	char dir[] = "/tmp/vs-cfg-XXXXXX", path[64];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vs_cfg_error err;
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo.yaml", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	errno = 0;
	cr_assert_null(vs_config_load(path, &err));
	cr_expect_eq(errno, EINVAL);
	cr_expect(strstr(err.msg, path) == err.msg, "%s", err.msg);
	cr_expect(strstr(err.msg, ":0:0: config: a FIFO (named pipe); expected a regular YAML "
				  "file") != NULL,
		  "%s", err.msg);
	/* A writer that never writes does not make it block either. */
	fd = open(path, O_RDWR | O_NONBLOCK);
	cr_assert_geq(fd, 0);
	cr_assert_null(vs_config_load(path, &err));
	close(fd);
	unlink(path);

	snprintf(path, sizeof(path), "%s/sock.yaml", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 1), 0);
	cr_assert_null(vs_config_load(path, &err));
	cr_expect(strstr(err.msg, "config: a socket; expected a regular YAML file") != NULL, "%s",
		  err.msg);
	close(fd);
	unlink(path);

	cr_assert_null(vs_config_load("/dev/null", &err));
	cr_expect(strstr(err.msg, "config: a character device; expected") != NULL, "%s", err.msg);
	cr_assert_null(vs_config_load(dir, &err));
	cr_expect_eq(errno, EISDIR);
	cr_expect(strstr(err.msg, "config: a directory; expected") != NULL, "%s", err.msg);
	rmdir(dir);
}

Test(config_errors, anchors_and_aliases)
{
	expect_err("dpdk: &d {main_lcore: 1}\n", 1, 7, "yaml",
		   "anchor &d; expected no anchors or aliases");
	expect_err("ports: *p\n", 1, 8, "yaml", "alias *p; expected no anchors or aliases");
	/* billion laughs: refused at the first anchor, before any expansion */
	expect_err(
	    "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n",
	    1, 4, "yaml", "anchor &a");
}

Test(config_errors, documents_and_tags)
{
	expect_err("ports: []\n---\nports: []\n", 2, 1, "yaml",
		   "a second document; expected one document per file");
	expect_err("dpdk: !!map {}\n", 1, 7, "yaml",
		   "tag tag:yaml.org,2002:map; expected untagged");
	expect_err("ports: !custom []\n", 1, 8, "yaml", "tag !custom");
	expect_err("dpdk: {main_lcore: !!int 1}\n", 1, 20, "yaml", "tag tag:yaml.org,2002:int");
	expect_err("%TAG !e! tag:example.com,2000:\n---\nports: []\n", 1, 1, "yaml",
		   "a %TAG directive");
}

Test(config_errors, size_depth_and_node_caps)
{
	size_t big = (16u << 20) + 1, i;
	char *buf = malloc(big + 4);
	char deep[128];

	cr_assert_not_null(buf);
	memset(buf, ' ', big);
	expect_err_len(buf, big, 1, 1, "config", "16777217 bytes; expected at most 16777216 bytes");
	cr_expect_eq(errno, EFBIG);

	/* 4,000,001 nodes: "[0,0,...]" -- the 4,000,000th scalar is one too many */
	buf[0] = '[';
	for (i = 0; i < 4000000; i++) {
		buf[1 + 2 * i] = '0';
		buf[2 + 2 * i] = ',';
	}
	buf[2 * i] = ']';
	expect_err_len(buf, 2 * i + 1, 1, 8000000, "yaml", "more than 4000000 nodes");
	free(buf);

	snprintf(deep, sizeof(deep), "a: %s", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
	expect_err(deep, 1, 35, "yaml", "nesting deeper than 32 levels");
}

Test(config_errors, nul_inside_a_scalar)
{
	expect_err("dpdk: {file_prefix: \"a\\0b\"}\n", 1, 21, "dpdk.file_prefix",
		   "found a NUL character");
	expect_err_len("ports: []\n\0", 11, 2, 1, "yaml", "control characters are not allowed");
}

Test(config_errors, control_section)
{
	expect_err("control: {metrics_listen: \"1.2.3.4\"}\n", 1, 27, "control.metrics_listen",
		   "is not an address:port");
	expect_err("control: {metrics_listen: \"1.2.3.4:0\"}\n", 1, 27, "control.metrics_listen",
		   "is not an address:port");
	expect_err("control: {metrics_listen: \"::1:80\"}\n", 1, 27, "control.metrics_listen",
		   "is not an address:port");
	expect_err("control: {stats_interval_ms: 3600001}\n", 1, 30, "control.stats_interval_ms",
		   "out of range");
	expect_err("dpdk: {file_prefix: \"a/b\"}\n", 1, 21, "dpdk.file_prefix",
		   "has invalid characters");
	expect_err("dpdk: {extra_args: [\"--vdev\", [x]]}\n", 1, 31, "dpdk.extra_args[1]",
		   "found a list");
	expect_err("dpdk: {extra_args: [\"--vdev\", \"\"]}\n", 1, 31, "dpdk.extra_args[1]",
		   "an empty argument");
}

Test(config_errors, file_errors)
{
	struct vs_cfg_error err;

	errno = 0;
	cr_assert_null(vs_config_load("/nonexistent/nfvswitch.yaml", &err));
	cr_expect_eq(errno, ENOENT);
	cr_expect(strstr(err.msg, "/nonexistent/nfvswitch.yaml:0:0: config: cannot read (No such "
				  "file or directory); expected") == err.msg,
		  "%s", err.msg);
	cr_assert_null(vs_config_load("/", &err));
	cr_expect_eq(errno, EISDIR);
	cr_assert_null(vs_config_load(NULL, NULL));
	cr_expect_eq(errno, EINVAL);
}

Test(config_errors, deterministic_and_first_error_wins)
{
	const char *yaml = "ports:\n  - {name: a, type: ethdev, device: x, rx_queues: 0, mtu: 1}\n";
	struct vs_cfg_error e1, e2;

	cr_assert_null(vs_config_load_buf(yaml, strlen(yaml), "t.yaml", &e1));
	cr_assert_null(vs_config_load_buf(yaml, strlen(yaml), "t.yaml", &e2));
	cr_expect_str_eq(e1.msg, e2.msg);
	cr_expect(strstr(e1.msg, "rx_queues") != NULL, "%s", e1.msg);
	/* a NULL err is fine too */
	cr_expect_null(vs_config_load_buf(yaml, strlen(yaml), NULL, NULL));
}

Test(config_errors, port_rss)
{
	expect_err("ports:\n  - {name: a, type: ethdev, device: x, rss: [ip, tcpp]}\n", 2, 50,
		   "ports[0].rss[1]", "\"tcpp\" is not an RSS hash type");
	expect_err("ports:\n  - {name: a, type: ethdev, device: x, rss: []}\n", 2, 45,
		   "ports[0].rss", "no hash types");
	expect_err("ports:\n  - {name: a, type: ethdev, device: x, rss: ip}\n", 2, 45,
		   "ports[0].rss", "found a scalar");
	expect_err("ports:\n  - {name: a, type: ethdev, device: x, rss: {key: \"6d:5a\"}}\n", 2, 51,
		   "ports[0].rss.key", "a key of 2 bytes");
	expect_err("ports:\n  - {name: a, type: ethdev, device: x, rss: {key: \"6g\"}}\n", 2, 51,
		   "ports[0].rss.key", "is not a key");
	expect_err("ports:\n  - {name: a, type: ethdev, device: x, rss: {typs: [ip]}}\n", 2, 46,
		   "ports[0].rss.typs", "unknown key");
	expect_err("ports:\n  - {name: a, type: vhost, path: /x, rss: [ip]}\n", 2, 38,
		   "ports[0].rss", "applies to ethdev ports only");
}
