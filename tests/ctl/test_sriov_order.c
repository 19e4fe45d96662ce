/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SR-IOV start order (issue 16): a VF's DPDK port opens only once the VF
 * exists and is configured. A fake sysfs tree holds the PF (sriov_numvfs 0,
 * sriov_totalvfs 8) and a test backend plays the kernel: each VF's device
 * (an ethdev, as a VF bound to vfio-pci would be) appears only when it reads
 * back a sriov_numvfs that covers it, and every VF field it is asked to set
 * is logged. The daemon boots with a VF port (held back, then opened after
 * num_vfs and the VF's settings), and a reload that raises num_vfs adds a VF
 * port in the same change. The order before this fix (every port first)
 * fails on the same tree: the VF's device does not exist yet.
 */
#include <errno.h>
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
#include "vs_l2.h"
#include "vs_vf.h"
#include "vs_vf_backend.h"

#define MAX_VF 4

static char root[128], devdir[256], file[192];
static char order[1024]; /* what the "kernel" saw, in order */
static struct vs_vf_hw hw[MAX_VF];
static unsigned n_numvfs_seen;

static void
sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
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

/* PF ens1f0 at 0000:3b:00.0 with sriov_numvfs 0, sriov_totalvfs 8, no VFs. */
static void
fake_sysfs(void)
{
	char pcidir[256], netdir[256], cmd[2048];

	snprintf(root, sizeof(root), "/tmp/vs-sriov-order-%d", getpid());
	snprintf(pcidir, sizeof(pcidir), "%s/sys/devices/pci0000:3a/0000:3b:00.0", root);
	snprintf(netdir, sizeof(netdir), "%s/sys/class/net/ens1f0", root);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s' '%s' '%s/sys/bus/pci/drivers/ixgbe' && ln -s '%s' '%s/device' && "
		 "ln -s ../../../bus/pci/drivers/ixgbe '%s/driver'",
		 pcidir, netdir, root, pcidir, netdir, pcidir);
	sh(cmd);
	put(pcidir, "sriov_numvfs", "0\n");
	put(pcidir, "sriov_totalvfs", "8\n");
	cr_assert_eq(vs_vf_sysfs_netdev_devdir(root, "ens1f0", devdir, sizeof(devdir)), 0);
	snprintf(file, sizeof(file), "%s/switch.yaml", root);
}

static void
log_order(const char *what)
{
	size_t len = strlen(order);

	snprintf(order + len, sizeof(order) - len, "%s;", what);
}

/* The VF's ethdev, as DPDK would find it once the VF exists. */
static void
vf_device_appears(unsigned vf)
{
	struct rte_ring *r;
	char name[32];
	uint16_t id;

	snprintf(name, sizeof(name), "net_ring_vfdev%u", vf);
	if (rte_eth_dev_get_port_by_name(name, &id) == 0)
		return;
	snprintf(name, sizeof(name), "vfring%u", vf);
	r = rte_ring_create(name, 256, SOCKET_ID_ANY, 0);
	cr_assert_not_null(r);
	snprintf(name, sizeof(name), "vfdev%u", vf);
	cr_assert_geq(rte_eth_from_rings(name, &r, 1, &r, 1, 0), 0);
	snprintf(name, sizeof(name), "vf%u device", vf);
	log_order(name);
}

static int
t_read(struct vs_vf_backend *be, struct vs_vf_hw *vfs, uint16_t max, uint16_t *n, int *num_vfs)
{
	unsigned numvfs = 0, i;
	char path[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sriov_numvfs", be->devdir);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%u", &numvfs), 1);
	fclose(f);
	if (numvfs > n_numvfs_seen) {
		snprintf(path, sizeof(path), "numvfs %u", numvfs);
		log_order(path);
		n_numvfs_seen = numvfs;
	}
	*n = 0;
	for (i = 0; i < numvfs && i < max && i < MAX_VF; i++) {
		vf_device_appears(i);
		hw[i].vf = (uint16_t)i;
		hw[i].known = VS_VF_BIT(VS_VF_F_TRUST) | VS_VF_BIT(VS_VF_F_SPOOFCHK);
		vfs[(*n)++] = hw[i];
	}
	*num_vfs = (int)numvfs;
	return 0;
}

static int
t_set(struct vs_vf_backend *be, uint16_t vf, enum vs_vf_field f, const struct vs_vf_hw *want)
{
	char what[64];

	(void)be;
	cr_assert_lt(vf, MAX_VF);
	if (f == VS_VF_F_TRUST)
		hw[vf].trust = want->trust;
	else if (f == VS_VF_F_SPOOFCHK)
		hw[vf].spoofchk = want->spoofchk;
	else
		return -EOPNOTSUPP;
	snprintf(what, sizeof(what), "set vf%u %s", vf, vs_vf_field_str(f));
	log_order(what);
	return 0;
}

static void
t_destroy(struct vs_vf_backend *be)
{
	free(be);
}

static const struct vs_vf_backend_ops t_ops = {.read = t_read, .set = t_set, .destroy = t_destroy};

static struct vs_vf_backend *
t_factory(void *arg, const struct vs_cfg_pf *pf, const char *sysfs_root)
{
	struct vs_vf_backend *be = calloc(1, sizeof(*be));

	(void)arg;
	cr_assert_not_null(be);
	be->ops = &t_ops;
	snprintf(be->name, sizeof(be->name), "test");
	snprintf(be->pf, sizeof(be->pf), "%s", pf->pf);
	snprintf(be->driver, sizeof(be->driver), "ixgbe");
	cr_assert_eq(vs_vf_sysfs_netdev_devdir(sysfs_root, pf->pf, be->devdir, sizeof(be->devdir)),
		     0);
	return be;
}

static struct vs_vf_params params;

static void
setup(void)
{
	char prefix[64];
	char *argv[] = {"test_sriov_order",
			"--no-huge",
			"-m",
			"256",
			"--no-shconf",
			"--no-pci",
			"--no-telemetry",
			"-l",
			"0,1",
			"--file-prefix",
			prefix,
			"--log-level",
			"*:warning",
			"--vdev",
			"net_null_up0",
			NULL};

	snprintf(prefix, sizeof(prefix), "vs_sriov_order_%d", getpid());
	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv), 0);
	fake_sysfs();
	memset(&params, 0, sizeof(params));
	params.sysfs_root = root;
	params.backend_factory = t_factory;
	params.manage_num_vfs = true;
	order[0] = '\0';
	n_numvfs_seen = 0;
	memset(hw, 0, sizeof(hw));
}

static void
teardown(void)
{
	char run_dir[PATH_MAX], cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	sh(cmd);
	snprintf(run_dir, sizeof(run_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(run_dir);
}

#define PORTS                                                                                      \
	"workers: [{lcore: 1}]\n"                                                                  \
	"ports:\n"                                                                                 \
	"  - {name: up, type: ethdev, device: net_null_up0}\n"
#define VF_PORT(i)                                                                                 \
	"  - {name: vf" #i ", type: ethdev, device: \"net_ring_vfdev" #i ",nodeaction=vfnone" #i   \
	":0:ATTACH\", vf: {pf: ens1f0, id: " #i "}}\n"

/* Boot: num_vfs 1 and VF port vf0, with a rule in and out of it. */
#define EARLY_YAML                                                                                 \
	"workers: [{lcore: 1}]\nports:\n" VF_PORT(3) "sriov:\n  - {pf: ens1f0, num_vfs: 4}\n"

static const char boot_yaml[] = PORTS VF_PORT(
    0) "sriov:\n"
       "  - pf: ens1f0\n"
       "    num_vfs: 1\n"
       "    vfs: [{id: 0, trust: true, spoofchk: false}]\n"
       "l2: {static: [{mac: \"02:00:00:00:00:33\", vlan: 0, port: vf0}]}\n"
       "rules:\n"
       "  - {name: to-vf0, priority: 10, match: {in_port: up}, actions: [{output: vf0}]}\n"
       "  - {name: from-vf0, priority: 10, match: {in_port: vf0}, actions: [{output: "
       "up}]}\n";

static void
write_file(const char *yaml)
{
	FILE *f = fopen(file, "w");

	cr_assert_not_null(f);
	fputs(yaml, f);
	fclose(f);
}

static struct vs_config *
load(const char *yaml)
{
	struct vs_cfg_error err;
	struct vs_config *cfg;

	write_file(yaml);
	memset(&err, 0, sizeof(err));
	cfg = vs_config_load(file, &err);
	cr_assert_not_null(cfg, "%s", err.msg);
	return cfg;
}

Test(sriov_order, vf_ports_open_after_their_vfs, .init = setup, .fini = teardown, .timeout = 60)
{
	struct vs_config *cfg, *staged, *early_cfg;
	struct vs_switch *sw, *early;
	struct vs_daemon d;
	struct vs_port *vf0;

	/* The old order, every port first: the VF's device is not there yet
	 * (VF 3: a failed probe leaves its vdev name taken for the process). */
	early_cfg = load(EARLY_YAML);
	early = vs_switch_create(early_cfg);
	cr_assert_not_null(early);
	cr_assert_lt(vs_switch_apply(early, early_cfg), 0, "a VF port opened before its VF exists");
	vs_switch_destroy(early);
	vs_config_free(early_cfg);
	cfg = load(boot_yaml);

	/* The daemon's: the rest first, then the VFs, then their ports. */
	staged = vs_daemon_without_new_vf_ports(cfg, NULL);
	cr_assert_not_null(staged);
	cr_assert_eq(staged->n_ports, 1);
	cr_assert_eq(staged->n_rules, 0, "rules naming vf0 wait for it");
	sw = vs_switch_create(cfg);
	cr_assert_not_null(sw);
	cr_assert_eq(vs_switch_apply(sw, staged), 0);
	cr_assert_eq(vs_switch_start(sw), 0);
	cr_assert_null(vs_switch_port_by_name(sw, "vf0"));
	cr_assert_eq(vs_switch_l2(sw)->n_entries, 0, "the static entry waits for vf0");
	cr_assert_eq(vs_daemon_init(&d, sw, cfg, file), 0);
	d.staged = staged;
	cr_assert_eq(vs_daemon_sriov_start(&d, &params), 0, "%s", d.vf_error);
	cr_assert_str_eq(order, "numvfs 1;vf0 device;set vf0 trust;", "order: %s", order);
	vf0 = vs_switch_port_by_name(sw, "vf0");
	cr_assert_not_null(vf0, "vf0 did not open once its VF existed");
	cr_assert_eq(vs_switch_l2(sw)->n_entries, 1, "vf0's l2.static entry");
	cr_assert_null(d.staged);
	cr_assert_eq(vs_switch_stop(sw), 0);
	vs_switch_destroy(sw);
	vs_daemon_fini(&d);
	vs_config_free(cfg);
}

/* Reload: num_vfs 0 -> 2 and two new VF ports in the same change. */
Test(sriov_order, reload_raising_num_vfs_adds_vf_ports, .init = setup, .fini = teardown,
     .timeout = 60)
{
	static const char before[] = PORTS "sriov:\n"
					   "  - pf: ens1f0\n"
					   "    num_vfs: 0\n";
	static const char after[] =
	    PORTS VF_PORT(0) VF_PORT(1) "sriov:\n"
					"  - pf: ens1f0\n"
					"    num_vfs: 2\n"
					"    vfs: [{id: 0, trust: true}, {id: 1, trust: true}]\n"
					"rules:\n"
					"  - {name: to-vf1, priority: 10, match: {in_port: up}, "
					"actions: [{output: vf1}]}\n";
	struct vs_config *cfg = load(before);
	struct vs_switch *sw;
	struct vs_daemon d;
	char msg[1024];
	int rc;

	sw = vs_switch_create(cfg);
	cr_assert_not_null(sw);
	cr_assert_null(vs_daemon_without_new_vf_ports(cfg, NULL), "no VF port to hold back");
	cr_assert_eq(vs_switch_apply(sw, cfg), 0);
	cr_assert_eq(vs_switch_start(sw), 0);
	cr_assert_eq(vs_daemon_init(&d, sw, cfg, file), 0);
	cr_assert_eq(vs_daemon_sriov_start(&d, &params), 0, "%s", d.vf_error);
	cr_assert_str_eq(order, "");

	write_file(after);
	rc = vs_daemon_reload_flags(&d, 0, msg, sizeof(msg));
	cr_assert_eq(rc, 0, "reload: %s", msg);
	cr_assert_null(strstr(msg, "SR-IOV"), "%s", msg);
	cr_assert_str_eq(order, "numvfs 2;vf0 device;vf1 device;set vf0 trust;set vf1 trust;",
			 "order: %s", order);
	cr_assert_not_null(vs_switch_port_by_name(sw, "vf0"));
	cr_assert_not_null(vs_switch_port_by_name(sw, "vf1"));
	cr_assert_null(d.staged);
	cr_assert_eq(vs_switch_stop(sw), 0);
	vs_switch_destroy(sw);
	vs_daemon_fini(&d);
	vs_config_free(cfg);
}
