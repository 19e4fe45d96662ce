/* SPDX-License-Identifier: BSD-3-Clause */
/* Semantic checks of the sriov: section and of VF ports (vs_vf_validate). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tutil.h"
#include "vs_vf.h"

static void
expect(const struct tcfg *t, const char *want)
{
	char msg[512];

	cr_assert_eq(vs_vf_validate(&t->cfg, "/nonexistent", msg, sizeof(msg)), -EINVAL,
		     "accepted, expected: %s", want);
	cr_assert_str_eq(msg, want);
}

static void
good(struct tcfg *t)
{
	tcfg_init(t, "ens1f0", 4, 2);
	tcfg_mac(&t->vf[0][0], 1);
	tcfg_mac(&t->vf[0][1], 2);
	t->vf[0][0].has_vlan = true;
	t->vf[0][0].vlan = 4095;
	t->vf[0][0].qos = 7;
	t->vf[0][0].vlan_proto = 0x88a8;
	t->vf[0][0].min_tx_rate = 100;
	t->vf[0][0].max_tx_rate = 100;
	tcfg_extra(t, 0, 1, 3, 0xee);
}

Test(sriov_validate, accepts_a_good_config)
{
	struct tcfg t;
	char msg[512];

	good(&t);
	tcfg_vf_port(&t, "vf0", "ens1f0", 0);
	cr_assert_eq(vs_vf_validate(&t.cfg, "/nonexistent", msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_str_eq(msg, "");
}

Test(sriov_validate, vf_id_beyond_num_vfs)
{
	struct tcfg t;

	good(&t);
	t.vf[0][1].id = 4;
	expect(&t, "test.yaml:11:7: sriov: PF ens1f0: VF id 4 is beyond num_vfs 4; accepted: 0..3");
	t.pf[0].num_vfs = 0;
	t.vf[0][0].id = 0;
	expect(&t, "test.yaml:10:7: sriov: PF ens1f0: VF id 0 is beyond num_vfs 0; accepted: "
		   "0..-1");
}

Test(sriov_validate, duplicate_vf_id)
{
	struct tcfg t;

	good(&t);
	t.vf[0][1].id = 0;
	t.vf[0][1].pos.line = 30;
	expect(&t, "test.yaml:30:7: sriov: PF ens1f0: VF 0 is configured twice (first at line 10)");
}

Test(sriov_validate, duplicate_mac_across_vfs_and_pfs)
{
	struct tcfg t;

	good(&t);
	tcfg_mac(&t.vf[0][1], 1);
	expect(&t, "test.yaml:11:7: sriov: PF ens1f0 VF 1: MAC 52:54:00:aa:00:01 is already VF 0 "
		   "of PF ens1f0 (line 10); each VF needs its own MAC");
	good(&t);
	tcfg_add_pf(&t, "ens1f1", 2, 1);
	tcfg_mac(&t.vf[1][0], 2);
	t.vf[1][0].pos.line = 50;
	expect(&t, "test.yaml:50:7: sriov: PF ens1f1 VF 0: MAC 52:54:00:aa:00:02 is already VF 1 "
		   "of PF ens1f0 (line 11); each VF needs its own MAC");
}

Test(sriov_validate, bad_macs)
{
	struct tcfg t;

	good(&t);
	t.vf[0][0].mac.b[0] = 0x01;
	expect(&t, "test.yaml:10:7: sriov: PF ens1f0 VF 0: MAC 01:54:00:aa:00:01 is multicast; "
		   "accepted: a unicast MAC");
	good(&t);
	memset(&t.vf[0][0].mac, 0, 6);
	expect(&t, "test.yaml:10:7: sriov: PF ens1f0 VF 0: MAC 00:00:00:00:00:00 is all zero; "
		   "accepted: a unicast MAC");
	good(&t);
	t.extra[0][1][2] = t.extra[0][1][0];
	expect(&t, "test.yaml:11:7: sriov: PF ens1f0 VF 1: extra MAC 02:ee:00:00:01:01 is listed "
		   "twice");
}

Test(sriov_validate, bad_vlan_ranges)
{
	struct tcfg t;

	good(&t);
	t.vf[0][0].vlan = 4096;
	expect(&t, "test.yaml:10:7: sriov: PF ens1f0 VF 0: vlan 4096 is out of range; accepted: "
		   "0..4095 (0 = none)");
	good(&t);
	t.vf[0][0].qos = 8;
	expect(&t, "test.yaml:10:7: sriov: PF ens1f0 VF 0: qos 8 is out of range; accepted: 0..7");
	good(&t);
	t.vf[0][0].vlan_proto = 0x9100;
	expect(&t, "test.yaml:10:7: sriov: PF ens1f0 VF 0: vlan protocol 0x9100; accepted: 802.1Q "
		   "(0x8100) or 802.1ad (0x88a8)");
	good(&t);
	t.vf[0][0].vlan = 0;
	expect(&t, "test.yaml:10:7: sriov: PF ens1f0 VF 0: qos/protocol given without a VLAN id; "
		   "accepted: vlan 1..4095 with them");
}

Test(sriov_validate, rates_and_enums)
{
	struct tcfg t;

	good(&t);
	t.vf[0][0].min_tx_rate = 200;
	expect(&t, "test.yaml:10:7: sriov: PF ens1f0 VF 0: min_tx_rate 200 is above max_tx_rate "
		   "100");
	good(&t);
	t.vf[0][1].link_state = 3;
	expect(&t, "test.yaml:11:7: sriov: PF ens1f0 VF 1: link_state 3; accepted: auto, enable, "
		   "disable");
}

Test(sriov_validate, pf_entries)
{
	struct tcfg t;

	good(&t);
	tcfg_add_pf(&t, "ens1f0", 2, 0);
	expect(&t, "test.yaml:25:5: sriov: PF ens1f0 is listed twice (first at line 5)");
	good(&t);
	snprintf(t.pf[0].pf, sizeof(t.pf[0].pf), "a_very_long_pf_name");
	expect(&t, "test.yaml:5:5: sriov: PF name a_very_long_pf_name is longer than a netdev name "
		   "(15 characters)");
	/* DPDK port names are not netdev names. */
	t.pf[0].backend = VS_CFG_PF_DPDK;
	char msg[512];

	cr_assert_eq(vs_vf_validate(&t.cfg, NULL, msg, sizeof(msg)), 0, "%s", msg);
}

Test(sriov_validate, vf_ports)
{
	struct tcfg t;

	good(&t);
	tcfg_vf_port(&t, "vf9", "ens9f0", 0);
	expect(&t, "test.yaml:41:5: sriov: port vf9 is VF 0 of PF ens9f0, but sriov: has no PF "
		   "ens9f0");
	good(&t);
	tcfg_vf_port(&t, "vf5", "ens1f0", 5);
	expect(&t, "test.yaml:41:5: sriov: port vf5 is VF 5 of PF ens1f0, which has num_vfs 4");
	good(&t);
	tcfg_vf_port(&t, "a", "ens1f0", 1);
	tcfg_vf_port(&t, "b", "ens1f0", 1);
	expect(&t, "test.yaml:42:5: sriov: ports a and b are both VF 1 of PF ens1f0");
	good(&t);
	tcfg_vf_port(&t, "a", "ens1f0", 0);
	t.ports[0].has_mac = true;
	t.ports[0].mac.b[0] = 2;
	expect(&t, "test.yaml:41:5: sriov: port a sets MAC 02:00:00:00:00:00 but its VF 0 of PF "
		   "ens1f0 has MAC 52:54:00:aa:00:01; set it in one place (the sriov: entry)");
}

Test(sriov_validate, create_refuses_an_invalid_config)
{
	struct tcfg t;

	good(&t);
	t.vf[0][0].id = 7;
	errno = 0;
	cr_assert_null(vs_vf_create(&t.cfg, NULL));
	cr_assert_eq(errno, EINVAL);
}
