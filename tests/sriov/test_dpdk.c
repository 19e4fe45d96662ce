/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK side, on real virtual devices: net_bonding (no slaves) has a real
 * 16-entry MAC address table and implements mac_addr_add, so it shows the
 * table filling up; net_null has no MAC filters (-ENOTSUP); net_tap has none
 * either and its promiscuous mode is visible to the kernel. Also the DPDK PF
 * backend's driver check.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <rte_eal.h>
#include <rte_ethdev.h>

#include "tutil.h"
#include "vs_vf.h"
#include "vs_vf_backend.h"

static void
eal_up(const char *vdev)
{
	char prefix[64];
	char *argv[16];
	int argc = 0;

	snprintf(prefix, sizeof(prefix), "--file-prefix=vs_sriov_%d", (int)getpid());
	argv[argc++] = (char *)"test_sriov_dpdk";
	/* --no-shconf, not --in-memory: DPDK 22.11 refuses --in-memory with --no-huge. */
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"-m";
	argv[argc++] = (char *)"256";
	argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"--log-level=*:error";
	argv[argc++] = (char *)"-l";
	argv[argc++] = (char *)"0";
	argv[argc++] = (char *)vdev;
	argv[argc] = NULL;
	cr_assert_geq(rte_eal_init(argc, argv), 0, "EAL init failed");
}

static uint16_t
port_of(const char *name)
{
	uint16_t id;

	cr_assert_eq(rte_eth_dev_get_port_by_name(name, &id), 0, "%s", name);
	return id;
}

/* A VF port has its own MAC in slot 0; give the slave-less bond one too. */
static void
default_mac(uint16_t port)
{
	struct rte_ether_addr a = {{0x02, 0, 0, 0, 0, 0x99}};

	cr_assert_eq(rte_eth_dev_default_mac_addr_set(port, &a), 0);
}

static bool
port_has_mac(uint16_t port, const struct vs_cfg_mac *m)
{
	struct rte_ether_addr all[64];
	int n = rte_eth_macaddrs_get(port, all, 64), i;

	for (i = 0; i < n; i++)
		if (memcmp(all[i].addr_bytes, m->b, 6) == 0)
			return true;
	return false;
}

static void
macs(struct vs_cfg_mac *m, uint32_t n, uint8_t tag)
{
	uint32_t i;

	memset(m, 0, n * sizeof(*m));
	for (i = 0; i < n; i++) {
		m[i].b[0] = 0x02;
		m[i].b[1] = tag;
		m[i].b[5] = (uint8_t)(i + 1);
	}
}

Test(sriov_dpdk, filters_fill_the_table_then_promiscuous)
{
	struct vs_cfg_mac m[20];
	struct vs_vf_port_filters res;
	struct rte_eth_dev_info info;
	uint16_t port;
	uint32_t i;

	eal_up("--vdev=net_bonding0,mode=0");
	port = port_of("net_bonding0");
	default_mac(port);
	cr_assert_eq(rte_eth_dev_info_get(port, &info), 0);
	cr_assert_eq(info.max_mac_addrs, 16u);
	cr_assert_eq(rte_eth_promiscuous_get(port), 0);

	/* 10 fit. */
	macs(m, 10, 0xa0);
	cr_assert_eq(vs_vf_port_set_filters(port, NULL, 0, m, 10, false, &res), 0, "%s", res.msg);
	cr_assert_eq(res.n_added, 10u);
	cr_assert_not(res.promisc);
	cr_assert_eq(rte_eth_promiscuous_get(port), 0);
	for (i = 0; i < 10; i++)
		cr_assert(port_has_mac(port, &m[i]), "MAC %u not in the table", i);

	/* 20 do not: the ones that fit stay, the port goes promiscuous, and says so. */
	macs(m, 20, 0xa0);
	cr_assert_eq(vs_vf_port_set_filters(port, m, 10, m, 20, false, &res), 0, "%s", res.msg);
	cr_assert(res.promisc);
	cr_assert(res.promisc_ours);
	cr_assert_eq(res.err, -ENOSPC);
	cr_assert_eq(res.n_added, 15u); /* 16 entries, one is the port's own MAC */
	cr_assert_eq(rte_eth_promiscuous_get(port), 1);
	for (i = 0; i < res.n_added; i++)
		cr_assert(port_has_mac(port, &m[i]));
	cr_assert_not(port_has_mac(port, &m[res.n_added]));
	char want[256];

	snprintf(want, sizeof(want),
		 "MAC filter table of port %u (driver net_bonding, 16 entries) is full after %u "
		 "of 20 extra MACs; using promiscuous mode",
		 port, res.n_added);
	cr_assert_str_eq(res.msg, want);

	/* Back to 3 (a reload): the others are removed, promiscuous mode goes off. */
	uint32_t had = res.n_added;
	struct vs_cfg_mac three[3];

	macs(three, 3, 0xb0);
	cr_assert_eq(vs_vf_port_set_filters(port, m, had, three, 3, true, &res), 0, "%s", res.msg);
	cr_assert_not(res.promisc);
	cr_assert_eq(res.n_added, 3u);
	cr_assert_eq(rte_eth_promiscuous_get(port), 0);
	for (i = 0; i < had; i++)
		cr_assert_not(port_has_mac(port, &m[i]));
	for (i = 0; i < 3; i++)
		cr_assert(port_has_mac(port, &three[i]));
	rte_eal_cleanup();
}

Test(sriov_dpdk, no_filters_means_promiscuous)
{
	struct vs_cfg_mac m[2];
	struct vs_vf_port_filters res;
	uint16_t port;
	char want[256];

	eal_up("--vdev=net_null0");
	port = port_of("net_null0");
	rte_eth_promiscuous_disable(port);
	macs(m, 2, 0xc0);
	cr_assert_eq(vs_vf_port_set_filters(port, NULL, 0, m, 2, false, &res), 0, "%s", res.msg);
	cr_assert(res.promisc);
	cr_assert_eq(res.err, -ENOTSUP);
	cr_assert_eq(res.n_added, 0u);
	cr_assert_eq(rte_eth_promiscuous_get(port), 1);
	snprintf(want, sizeof(want),
		 "port %u (driver net_null) has no MAC filters "
		 "(rte_eth_dev_mac_addr_add: Operation not supported); using promiscuous "
		 "mode",
		 port);
	cr_assert_str_eq(res.msg, want);
	/* Gone port. */
	cr_assert_eq(vs_vf_port_set_filters(777, NULL, 0, m, 2, false, &res), -ENODEV);
	rte_eal_cleanup();
}

Test(sriov_dpdk, promiscuous_mode_we_did_not_set_is_left_alone)
{
	struct vs_cfg_mac m[20];
	struct vs_vf_port_filters res;
	uint16_t port;

	eal_up("--vdev=net_bonding0,mode=0");
	port = port_of("net_bonding0");
	default_mac(port);
	/* The pipeline put the port in promiscuous mode (promisc: true). */
	cr_assert_eq(rte_eth_promiscuous_enable(port), 0);
	macs(m, 20, 0xf0);
	cr_assert_eq(vs_vf_port_set_filters(port, NULL, 0, m, 20, false, &res), 0, "%s", res.msg);
	cr_assert(res.promisc);
	cr_assert_not(res.promisc_ours);
	/* Everything fits again: promiscuous mode is not ours to turn off. */
	cr_assert_eq(vs_vf_port_set_filters(port, m, res.n_added, m, 2, res.promisc_ours, &res), 0,
		     "%s", res.msg);
	cr_assert_not(res.promisc);
	cr_assert_eq(rte_eth_promiscuous_get(port), 1);
	rte_eal_cleanup();
}

Test(sriov_dpdk, tap_promiscuous_reaches_the_kernel)
{
	struct vs_cfg_mac m[1];
	struct vs_vf_port_filters res;
	struct ifreq ifr;
	uint16_t port;
	int fd;

	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0)
		cr_skip_test("net_tap needs root and /dev/net/tun");
	/* A private network namespace: the tap netdev cannot clash with anything. */
	if (unshare(CLONE_NEWNET) != 0)
		cr_skip_test("no network namespace support: %s", strerror(errno));
	eal_up("--vdev=net_tap0,iface=vsstap0");
	port = port_of("net_tap0");
	macs(m, 1, 0xd0);
	cr_assert_eq(vs_vf_port_set_filters(port, NULL, 0, m, 1, false, &res), 0, "%s", res.msg);
	cr_assert(res.promisc);
	cr_assert_eq(res.err, -ENOTSUP);
	/* The kernel's view of the tap netdev: IFF_PROMISC set. */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(fd, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "vsstap0");
	cr_assert_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0, "%s", strerror(errno));
	close(fd);
	cr_assert(ifr.ifr_flags & IFF_PROMISC, "flags %#x", ifr.ifr_flags);
	rte_eal_cleanup();
}

Test(sriov_dpdk, dpdk_pf_backend_is_chosen_by_driver)
{
	eal_up("--vdev=net_null0");
	cr_assert_not_null(vs_vf_dpdk_pf_ops("net_ixgbe"));
	cr_assert_not_null(vs_vf_dpdk_pf_ops("net_i40e"));
	cr_assert_neq(vs_vf_dpdk_pf_ops("net_ixgbe"), vs_vf_dpdk_pf_ops("net_i40e"));
	cr_assert_null(vs_vf_dpdk_pf_ops("net_null"));
	cr_assert_null(vs_vf_dpdk_pf_ops("net_ice"));
	cr_assert_null(vs_vf_dpdk_pf_ops(NULL));
	/* The module's log type is registered under its documented name. */
	cr_assert_geq(vs_vf_logtype, 0);
	cr_assert_eq(rte_log_register("nfvswitch.sriov"), vs_vf_logtype);
	errno = 0;
	cr_assert_null(vs_vf_dpdk_pf_backend_create("net_null0", NULL));
	cr_assert_eq(errno, ENOTSUP);
	cr_assert_null(vs_vf_dpdk_pf_backend_create("uplink9", NULL));
	cr_assert_eq(errno, ENODEV);
	rte_eal_cleanup();
}

/* ---- the engine: extra MACs through a bound VF port ---- */

static int
dbl_read(struct vs_vf_backend *be, struct vs_vf_hw *v, uint16_t max, uint16_t *n, int *num)
{
	*n = 0;
	*num = -1;
	return -ENOTSUP;
}

static int
dbl_set(struct vs_vf_backend *be, uint16_t vf, enum vs_vf_field f, const struct vs_vf_hw *w)
{
	return 0;
}

static void
dbl_destroy(struct vs_vf_backend *be)
{
	free(be);
}

static const struct vs_vf_backend_ops dbl_ops = {
    .read = dbl_read,
    .set = dbl_set,
    .destroy = dbl_destroy,
};

static struct vs_vf_backend *
dbl_factory(void *arg, const struct vs_cfg_pf *pf, const char *root)
{
	struct vs_vf_backend *be = calloc(1, sizeof(*be));

	be->ops = &dbl_ops;
	snprintf(be->name, sizeof(be->name), "test");
	snprintf(be->driver, sizeof(be->driver), "ixgbe");
	return be;
}

Test(sriov_dpdk, engine_programs_extra_macs_on_the_bound_port)
{
	struct tcfg t, t2;
	struct vs_vf_params prm;
	struct vs_vf_ctx *ctx;
	struct vs_vf_vf_status vs;
	struct vs_cfg_mac mac;
	uint64_t now = 0;
	uint16_t port;

	eal_up("--vdev=net_bonding0,mode=0");
	port = port_of("net_bonding0");
	default_mac(port);
	memset(&prm, 0, sizeof(prm));
	prm.now = tclock;
	prm.now_arg = &now;
	prm.backend_factory = dbl_factory;
	tcfg_init(&t, "ens1f0", 4, 1);
	tcfg_mac(&t.vf[0][0], 5);
	tcfg_extra(&t, 0, 0, 20, 0xe0);
	tcfg_vf_port(&t, "vf0", "ens1f0", 0);
	ctx = vs_vf_create(&t.cfg, &prm);
	cr_assert_not_null(ctx);

	/* The VF port's MAC comes from the sriov: entry. */
	cr_assert_eq(vs_vf_port_mac(ctx, "ens1f0", 0, &mac), 0);
	cr_assert_arr_eq(mac.b, t.vf[0][0].mac.b, 6);
	cr_assert_eq(vs_vf_port_mac(ctx, "ens1f0", 3, &mac), -ENOENT);

	/* No port yet: waiting, not failed. */
	vs_vf_reconcile(ctx, now + 10);
	vs_vf_status_vf(ctx, 0, 0, &vs);
	cr_assert_eq(vs.fields[VS_VF_F_EXTRA_MACS].state, VS_VF_ST_WAITING);
	cr_assert_str_eq(vs.fields[VS_VF_F_EXTRA_MACS].msg, "no DPDK port bound to VF 0 of PF "
							    "ens1f0 yet");

	cr_assert_eq(vs_vf_bind_port(ctx, "ens1f0", 0, port), 0);
	cr_assert_eq(vs_vf_bind_port(ctx, "ens1f0", 2, port), -ENOENT);
	cr_assert_eq(vs_vf_reconcile(ctx, now + 10), 0);
	vs_vf_status_vf(ctx, 0, 0, &vs);
	cr_assert_eq(vs.port_id, port);
	cr_assert_eq(vs.fields[VS_VF_F_EXTRA_MACS].state, VS_VF_ST_FALLBACK);
	cr_assert_not_null(strstr(vs.fields[VS_VF_F_EXTRA_MACS].msg, "is full after"));
	cr_assert_str_eq(vs.fields[VS_VF_F_EXTRA_MACS].applied, "15 filters + promiscuous");
	cr_assert_eq(rte_eth_promiscuous_get(port), 1);

	/* Reload with 2 extra MACs: they fit, promiscuous mode goes off. */
	t2 = t;
	t2.cfg.sriov = t2.pf;
	t2.cfg.ports = t2.ports;
	t2.pf[0].vfs = t2.vf[0];
	tcfg_extra(&t2, 0, 0, 2, 0xe0);
	cr_assert_eq(vs_vf_apply_config(ctx, &t2.cfg), 0);
	cr_assert_eq(vs_vf_reconcile(ctx, now + 10), 0);
	vs_vf_status_vf(ctx, 0, 0, &vs);
	cr_assert_eq(vs.fields[VS_VF_F_EXTRA_MACS].state, VS_VF_ST_APPLIED, "%s",
		     vs.fields[VS_VF_F_EXTRA_MACS].msg);
	cr_assert_str_eq(vs.fields[VS_VF_F_EXTRA_MACS].applied, "2 filters");
	cr_assert_eq(rte_eth_promiscuous_get(port), 0);
	cr_assert(port_has_mac(port, &t2.extra[0][0][1]));

	/* Reload without extra_macs: our filters are taken back. */
	t2.vf[0][0].n_extra_macs = 0;
	t2.vf[0][0].extra_macs = NULL;
	cr_assert_eq(vs_vf_apply_config(ctx, &t2.cfg), 0);
	vs_vf_reconcile(ctx, now + 10);
	vs_vf_status_vf(ctx, 0, 0, &vs);
	cr_assert_eq(vs.fields[VS_VF_F_EXTRA_MACS].state, VS_VF_ST_UNSET);
	cr_assert_not(port_has_mac(port, &t2.extra[0][0][0]));
	cr_assert_not(port_has_mac(port, &t2.extra[0][0][1]));
	vs_vf_destroy(ctx);
	rte_eal_cleanup();
}
