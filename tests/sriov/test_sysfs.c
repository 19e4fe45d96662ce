/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * num_vfs through sysfs on a fake tree in a temp dir: 0 -> N, no-op,
 * refusing to change while a VF is bound to a user-space driver or used by
 * a configured VF port, sriov_totalvfs, and the engine driving it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "peer.h"
#include "tutil.h"
#include "vs_vf.h"
#include "vs_vf_backend.h"

#define PCI_PF "0000:3b:00.0"

struct fake {
	char root[128];
	char devdir[256];
};

static void
mkdirs(const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	cr_assert_eq(system(cmd), 0);
}

static void
put(const char *dir, const char *name, const char *txt)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(txt, f);
	fclose(f);
}

static void
get(const char *dir, const char *name, char *buf, size_t size)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, (int)size, f));
	fclose(f);
}

static void
link_to(const char *target, const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	cr_assert_eq(symlink(target, path), 0, "%s", path);
}

/* PF ens1f0 (ixgbe) at PCI_PF with numvfs/totalvfs, VFs 0..n_virtfn-1 linked. */
static void
fake_make(struct fake *fk, const char *numvfs, uint16_t n_virtfn)
{
	char pcidir[256], drvdir[256], netdir[256], vfdir[256], name[32], target[64];
	uint16_t i;

	tmpdir_make(fk->root, sizeof(fk->root));
	snprintf(pcidir, sizeof(pcidir), "%s/sys/devices/pci0000:3a/%s", fk->root, PCI_PF);
	snprintf(drvdir, sizeof(drvdir), "%s/sys/bus/pci/drivers", fk->root);
	snprintf(netdir, sizeof(netdir), "%s/sys/class/net/ens1f0", fk->root);
	mkdirs(pcidir);
	mkdirs(drvdir);
	mkdirs(netdir);
	link_to(pcidir, netdir, "device");
	link_to("../../../../bus/pci/drivers/ixgbe", pcidir, "driver");
	put(pcidir, "sriov_numvfs", numvfs);
	put(pcidir, "sriov_totalvfs", "8\n");
	for (i = 0; i < n_virtfn; i++) {
		snprintf(vfdir, sizeof(vfdir), "%s/sys/devices/pci0000:3a/0000:3b:02.%u", fk->root,
			 i);
		mkdirs(vfdir);
		snprintf(name, sizeof(name), "virtfn%u", i);
		snprintf(target, sizeof(target), "../0000:3b:02.%u", i);
		link_to(target, pcidir, name);
	}
	cr_assert_eq(vs_vf_sysfs_netdev_devdir(fk->root, "ens1f0", fk->devdir, sizeof(fk->devdir)),
		     0);
}

static void
fake_bind(struct fake *fk, uint16_t vf, const char *driver)
{
	char vfdir[256], target[128];

	snprintf(vfdir, sizeof(vfdir), "%s/sys/devices/pci0000:3a/0000:3b:02.%u", fk->root, vf);
	snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
	link_to(target, vfdir, "driver");
}

Test(sriov_sysfs, reads_driver_links_and_counts)
{
	struct fake fk;
	char buf[64];
	uint32_t v;

	fake_make(&fk, "2\n", 2);
	cr_assert_eq(vs_vf_sysfs_link_name(fk.devdir, "driver", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "ixgbe");
	cr_assert_eq(vs_vf_sysfs_link_name(fk.devdir, "virtfn1", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "0000:3b:02.1");
	cr_assert_eq(vs_vf_sysfs_read_uint(fk.devdir, "sriov_totalvfs", &v), 0);
	cr_assert_eq(v, 8u);
	cr_assert_eq(vs_vf_sysfs_read_uint(fk.devdir, "nope", &v), -ENOENT);
	put(fk.devdir, "garbage", "12abc\n");
	cr_assert_eq(vs_vf_sysfs_read_uint(fk.devdir, "garbage", &v), -EINVAL);
	cr_assert_not(vs_vf_sysfs_vf_in_use(fk.devdir, 0, NULL, 0));
	fake_bind(&fk, 0, "ixgbevf");
	cr_assert_not(vs_vf_sysfs_vf_in_use(fk.devdir, 0, buf, sizeof(buf)));
	cr_assert_str_eq(buf, "ixgbevf");
	fake_bind(&fk, 1, "vfio-pci");
	cr_assert(vs_vf_sysfs_vf_in_use(fk.devdir, 1, buf, sizeof(buf)));
	cr_assert_eq(vs_vf_sysfs_netdev_devdir(fk.root, "../etc", buf, sizeof(buf)), -EINVAL);
	tmpdir_rm(fk.root);
}

Test(sriov_sysfs, sets_from_zero_and_noop)
{
	struct fake fk;
	char msg[256], buf[16];
	bool changed;

	fake_make(&fk, "0\n", 0);
	cr_assert_eq(vs_vf_sysfs_set_numvfs(fk.devdir, 4, NULL, 0, &changed, msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert(changed);
	get(fk.devdir, "sriov_numvfs", buf, sizeof(buf));
	cr_assert_str_eq(buf, "4\n");
	cr_assert_eq(vs_vf_sysfs_set_numvfs(fk.devdir, 4, NULL, 0, &changed, msg, sizeof(msg)), 0);
	cr_assert_not(changed);
	tmpdir_rm(fk.root);
}

Test(sriov_sysfs, refuses_to_shrink_under_a_bound_vf)
{
	struct fake fk;
	char msg[256], buf[16];
	bool changed;

	fake_make(&fk, "4\n", 4);
	fake_bind(&fk, 0, "ixgbevf");
	fake_bind(&fk, 3, "vfio-pci");
	cr_assert_eq(vs_vf_sysfs_set_numvfs(fk.devdir, 2, NULL, 0, &changed, msg, sizeof(msg)),
		     -EBUSY);
	cr_assert_str_eq(msg, "refusing to change num_vfs from 4 to 2: VF 3 is in use (bound to "
			      "vfio-pci)");
	cr_assert_not(changed);
	get(fk.devdir, "sriov_numvfs", buf, sizeof(buf));
	cr_assert_str_eq(buf, "4\n");

	/* Kernel netdev VFs are not "in use": shrinking goes through 0. */
	fake_bind(&fk, 3, "ixgbevf");
	cr_assert_eq(vs_vf_sysfs_set_numvfs(fk.devdir, 2, NULL, 0, &changed, msg, sizeof(msg)), 0);
	cr_assert(changed);
	get(fk.devdir, "sriov_numvfs", buf, sizeof(buf));
	cr_assert_str_eq(buf, "2\n");
	tmpdir_rm(fk.root);
}

Test(sriov_sysfs, refuses_to_change_under_a_configured_vf_port)
{
	struct fake fk;
	char msg[256];
	bool changed, in_use[4] = {false, true, false, false};

	fake_make(&fk, "4\n", 4);
	cr_assert_eq(vs_vf_sysfs_set_numvfs(fk.devdir, 8, in_use, 4, &changed, msg, sizeof(msg)),
		     -EBUSY);
	cr_assert_str_eq(msg, "refusing to change num_vfs from 4 to 8: VF 1 is a configured VF "
			      "port");
	cr_assert_eq(vs_vf_sysfs_set_numvfs(fk.devdir, 9, NULL, 0, &changed, msg, sizeof(msg)),
		     -ERANGE);
	cr_assert_str_eq(msg, "num_vfs 9 is above the PF's sriov_totalvfs 8");
	tmpdir_rm(fk.root);
}

Test(sriov_sysfs, missing_sriov_files_are_explained)
{
	char msg[256];
	bool changed;

	cr_assert_eq(
	    vs_vf_sysfs_set_numvfs("/nonexistent/dev", 2, NULL, 0, &changed, msg, sizeof(msg)),
	    -ENOENT);
	cr_assert_str_eq(msg, "cannot read /nonexistent/dev/sriov_numvfs: No such file or "
			      "directory (is this an SR-IOV PF?)");
}

/* ---- the engine on the fake tree, with the fake kernel peer ---- */

struct srig {
	struct peer peer;
	struct fake fk;
	uint64_t now;
};

static struct vs_vf_backend *
sysfs_factory(void *arg, const struct vs_cfg_pf *pf, const char *root)
{
	struct srig *r = arg;
	struct vs_vf_backend *be;

	be = vs_vf_nl_backend_create(r->peer.client_fd, true, pf->pf, "ixgbe", 1000);
	cr_assert_not_null(be);
	cr_assert_eq(vs_vf_sysfs_netdev_devdir(root, pf->pf, be->devdir, sizeof(be->devdir)), 0);
	return be;
}

static struct vs_vf_params
sparams(struct srig *r)
{
	struct vs_vf_params p;

	memset(&p, 0, sizeof(p));
	p.sysfs_root = r->fk.root;
	p.now = tclock;
	p.now_arg = &r->now;
	p.backend_factory = sysfs_factory;
	p.backend_arg = r;
	p.manage_num_vfs = true;
	return p;
}

Test(sriov_sysfs, engine_sets_num_vfs_then_vfs)
{
	struct srig r;
	struct tcfg t;
	struct vs_vf_params p;
	struct vs_vf_ctx *ctx;
	struct vs_vf_pf_status ps;
	struct vs_vf_vf_status vs;
	char buf[16];

	memset(&r, 0, sizeof(r));
	fake_make(&r.fk, "0\n", 2);
	peer_start(&r.peer, "ens1f0", 2);
	p = sparams(&r);
	tcfg_init(&t, "ens1f0", 2, 1);
	t.vf[0][0].id = 1;
	tcfg_mac(&t.vf[0][0], 0x31);
	ctx = vs_vf_create(&t.cfg, &p);
	cr_assert_not_null(ctx);
	cr_assert_eq(vs_vf_reconcile(ctx, r.now + 10), 0);
	get(r.fk.devdir, "sriov_numvfs", buf, sizeof(buf));
	cr_assert_str_eq(buf, "2\n");
	cr_assert_eq(vs_vf_status_pf(ctx, 0, &ps), 0);
	cr_assert_eq(ps.num_vfs_requested, 2);
	cr_assert_eq(ps.num_vfs_applied, 2);
	cr_assert_eq(ps.total_vfs, 8);
	cr_assert_eq(ps.num_vfs_state, VS_VF_ST_APPLIED);
	cr_assert_str_eq(ps.driver, "ixgbe");
	cr_assert_eq(vs_vf_status_vf(ctx, 0, 0, &vs), 0);
	cr_assert_str_eq(vs.pci, "0000:3b:02.1");
	cr_assert_eq(vs.fields[VS_VF_F_MAC].state, VS_VF_ST_APPLIED);

	/* Someone writes sriov_numvfs behind our back: seen at resync, set again. */
	put(r.fk.devdir, "sriov_numvfs", "0\n");
	r.now += 10000;
	vs_vf_reconcile(ctx, r.now + 10);
	cr_assert_eq(vs_vf_status_pf(ctx, 0, &ps), 0);
	cr_assert_eq(ps.num_vfs_state, VS_VF_ST_PENDING);
	cr_assert_eq(vs_vf_next_due(ctx), 0u);
	cr_assert_eq(vs_vf_reconcile(ctx, r.now + 10), 0);
	get(r.fk.devdir, "sriov_numvfs", buf, sizeof(buf));
	cr_assert_str_eq(buf, "2\n");
	vs_vf_destroy(ctx);
	peer_join(&r.peer);
	tmpdir_rm(r.fk.root);
}

Test(sriov_sysfs, engine_reports_refused_num_vfs_and_retries)
{
	struct srig r;
	struct tcfg t;
	struct vs_vf_params p;
	struct vs_vf_ctx *ctx;
	struct vs_vf_pf_status ps;
	char show[2048];

	memset(&r, 0, sizeof(r));
	fake_make(&r.fk, "4\n", 4);
	fake_bind(&r.fk, 2, "vfio-pci");
	peer_start(&r.peer, "ens1f0", 4);
	p = sparams(&r);
	tcfg_init(&t, "ens1f0", 2, 0);
	ctx = vs_vf_create(&t.cfg, &p);
	cr_assert_not_null(ctx);
	cr_assert_eq(vs_vf_reconcile(ctx, r.now + 10), 1);
	cr_assert_eq(vs_vf_status_pf(ctx, 0, &ps), 0);
	cr_assert_eq(ps.num_vfs_state, VS_VF_ST_RETRY);
	cr_assert_eq(ps.num_vfs_applied, 4);
	cr_assert_str_eq(ps.num_vfs_msg, "PF ens1f0: refusing to change num_vfs from 4 to 2: VF 2 "
					 "is in use (bound to vfio-pci)");
	vs_vf_show(ctx, show, sizeof(show));
	cr_assert_not_null(strstr(show, "num_vfs requested 2, applied 4 (of 8) retrying: "
					"PF ens1f0: refusing"),
			   "%s", show);
	/* The VM lets go of the VF: the next try (after back-off) goes through. */
	fake_bind(&r.fk, 2, "ixgbevf");
	r.now = vs_vf_next_due(ctx);
	cr_assert_eq(r.now, 100u);
	cr_assert_eq(vs_vf_reconcile(ctx, r.now + 10), 0);
	cr_assert_eq(vs_vf_status_pf(ctx, 0, &ps), 0);
	cr_assert_eq(ps.num_vfs_state, VS_VF_ST_APPLIED);
	cr_assert_eq(ps.num_vfs_applied, 2);
	vs_vf_destroy(ctx);
	peer_join(&r.peer);
	tmpdir_rm(r.fk.root);
}

Test(sriov_sysfs, validation_uses_sriov_totalvfs)
{
	struct fake fk;
	struct tcfg t;
	char msg[512];

	fake_make(&fk, "0\n", 0);
	tcfg_init(&t, "ens1f0", 16, 0);
	cr_assert_eq(vs_vf_validate(&t.cfg, fk.root, msg, sizeof(msg)), -EINVAL);
	cr_assert_str_eq(msg, "test.yaml:5:5: sriov: PF ens1f0: num_vfs 16 is above what the PF "
			      "supports (sriov_totalvfs 8)");
	t.pf[0].num_vfs = 8;
	cr_assert_eq(vs_vf_validate(&t.cfg, fk.root, msg, sizeof(msg)), 0, "%s", msg);
	tmpdir_rm(fk.root);
}
