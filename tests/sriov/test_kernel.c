/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Real kernel round trip: the netlink backend talks to the running kernel
 * about a veth in a private network namespace. veth has no VF operations,
 * so the kernel refuses every VF setting; the refusal must reach the user
 * as a clear message and nothing may crash. Skipped (with the reason) when
 * not root or without network namespace support. The namespace is private
 * to the test process; the veth is deleted at the end and the namespace
 * goes with the process.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tutil.h"
#include "vs_vf.h"
#include "vs_vf_backend.h"

static void
netns_veth_or_skip(void)
{
	if (geteuid() != 0)
		cr_skip_test("real-kernel test needs root (CAP_NET_ADMIN) for a network namespace");
	if (unshare(CLONE_NEWNET) != 0)
		cr_skip_test("no network namespace support: unshare(CLONE_NEWNET): %s",
			     strerror(errno));
	if (system("ip link add vsv0 type veth peer name vsv1 >/dev/null 2>&1") != 0)
		cr_skip_test("cannot create a veth pair (no veth module or no ip(8))");
	cr_assert_eq(system("ip link set vsv0 up && ip link set vsv1 up"), 0);
}

static void
veth_del(void)
{
	cr_assert_eq(system("ip link del vsv0"), 0);
}

Test(sriov_kernel, backend_against_a_veth)
{
	struct vs_vf_backend *be;
	struct vs_vf_hw w, vfs[4];
	uint16_t n = 99;
	int num = 99, f, rc;

	netns_veth_or_skip();
	be = vs_vf_nl_backend_open("vsv0", NULL);
	cr_assert_not_null(be, "%s", strerror(errno));
	cr_assert_str_eq(be->driver, "veth");
	cr_assert_str_eq(be->devdir, ""); /* no PCI device: num_vfs is not managed */

	/* GETLINK with RTEXT_FILTER_VF: a link without VFs has no VF list. */
	cr_assert_eq(be->ops->read(be, vfs, 4, &n, &num), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(num, -1);

	/* Every VF setting the kernel is asked for is refused, one by one. */
	memset(&w, 0, sizeof(w));
	w.mac[0] = 0x52;
	w.mac[5] = 1;
	w.vlan = 10;
	w.vlan_proto = 0x88a8;
	w.trust = 1;
	w.max_tx_rate = 100;
	for (f = 0; f < VS_VF_F_EXTRA_MACS; f++) {
		rc = be->ops->set(be, 0, f, &w);
		cr_assert_eq(rc, -EOPNOTSUPP, "%s: %d (%s)", vs_vf_field_str(f), rc, strerror(-rc));
	}
	be->ops->destroy(be);

	/* A PF that does not exist. */
	be = vs_vf_nl_backend_open("nosuchpf0", NULL);
	cr_assert_not_null(be);
	cr_assert_str_eq(be->driver, "?");
	cr_assert_eq(be->ops->read(be, vfs, 4, &n, &num), -ENODEV);
	cr_assert_eq(be->ops->set(be, 0, VS_VF_F_MAC, &w), -ENODEV);
	be->ops->destroy(be);
	veth_del();
}

Test(sriov_kernel, engine_reports_the_refusal)
{
	struct tcfg t;
	struct vs_vf_ctx *ctx;
	struct vs_vf_vf_status vs;
	struct vs_vf_pf_status ps;
	char show[4096];

	netns_veth_or_skip();
	tcfg_init(&t, "vsv0", 2, 2);
	tcfg_mac(&t.vf[0][0], 1);
	t.vf[0][0].trust = VS_CFG_ON;
	t.vf[0][1].has_vlan = true;
	t.vf[0][1].vlan = 42;
	t.vf[0][1].vlan_proto = 0x8100;
	/* The default params: real clock, real sysfs, the default backend factory. */
	ctx = vs_vf_create(&t.cfg, NULL);
	cr_assert_not_null(ctx, "%s", strerror(errno));
	cr_assert_eq(vs_vf_reconcile(ctx, UINT64_MAX), 0);

	cr_assert_eq(vs_vf_status_pf(ctx, 0, &ps), 0);
	cr_assert_str_eq(ps.driver, "veth");
	cr_assert_str_eq(ps.backend, "netlink");
	cr_assert_eq(ps.num_vfs_state, VS_VF_ST_FAILED);
	cr_assert_str_eq(ps.num_vfs_msg, "PF vsv0 has no PCI device in sysfs: num_vfs cannot be "
					 "set (not an SR-IOV PF?)");
	cr_assert_eq(vs_vf_status_vf(ctx, 0, 0, &vs), 0);
	cr_assert_eq(vs.fields[VS_VF_F_MAC].state, VS_VF_ST_FAILED);
	cr_assert_eq(vs.fields[VS_VF_F_MAC].err, -EOPNOTSUPP);
	cr_assert_str_eq(vs.fields[VS_VF_F_MAC].msg,
			 "PF vsv0 (driver veth) refused mac on VF 0: Operation not supported");
	cr_assert_str_eq(vs.fields[VS_VF_F_TRUST].msg,
			 "PF vsv0 (driver veth) refused trust on VF 0: Operation not supported");
	cr_assert_str_eq(vs.fields[VS_VF_F_MAC].applied, "?");
	cr_assert_eq(vs_vf_status_vf(ctx, 0, 1, &vs), 0);
	cr_assert_str_eq(vs.fields[VS_VF_F_VLAN].msg,
			 "PF vsv0 (driver veth) refused vlan on VF 1: Operation not supported");
	cr_assert_gt(vs_vf_show(ctx, show, sizeof(show)), 0);
	cr_assert_not_null(strstr(show, "PF vsv0 (driver veth, netlink)"), "%s", show);
	cr_assert_not_null(strstr(show, "failed: PF vsv0 (driver veth) refused mac on VF 0"), "%s",
			   show);
	/* Refusals are final: a second step sends nothing and changes nothing. */
	cr_assert_eq(vs_vf_reconcile(ctx, UINT64_MAX), 0);
	vs_vf_destroy(ctx);

	/* The link is untouched by all this. */
	cr_assert_eq(system("ip link show vsv0 | grep -q 'state UP'"), 0);
	veth_del();
}
