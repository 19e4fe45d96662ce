/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK PF backend: VF settings through the ixgbe / i40e PMD-specific APIs
 * when the PF itself is a DPDK port. Chosen by the port's driver name. These
 * APIs cannot read back, so the engine trusts their return codes. Settings
 * the PMD has no API for are refused with -ENOTSUP, which reaches the user
 * as "PF X (driver net_ixgbe) refused trust on VF 3: Operation not supported".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_pmd_i40e.h>
#include <rte_pmd_ixgbe.h>

#include "vs_log.h"
#include "vs_vf_backend.h"

struct dpdk_pf_priv {
	uint16_t port_id;
};

static int
dpdk_read(struct vs_vf_backend *be, struct vs_vf_hw *vfs, uint16_t max, uint16_t *n, int *num_vfs)
{
	(void)be;
	(void)vfs;
	(void)max;
	*n = 0;
	*num_vfs = -1;
	return -ENOTSUP;
}

static int
ixgbe_set(struct vs_vf_backend *be, uint16_t vf, enum vs_vf_field f, const struct vs_vf_hw *w)
{
	struct dpdk_pf_priv *p = be->priv;
	struct rte_ether_addr mac;
	int rc;

	switch (f) {
	case VS_VF_F_MAC:
		memcpy(mac.addr_bytes, w->mac, 6);
		return rte_pmd_ixgbe_set_vf_mac_addr(p->port_id, vf, &mac);
	case VS_VF_F_VLAN:
		if (w->qos != 0 || (w->vlan_proto != 0 && w->vlan_proto != 0x8100)) {
			snprintf(be->errmsg, sizeof(be->errmsg),
				 "the ixgbe PF API inserts 802.1Q VLANs without QoS only");
			return -ENOTSUP;
		}
		return rte_pmd_ixgbe_set_vf_vlan_insert(p->port_id, vf, w->vlan);
	case VS_VF_F_SPOOFCHK:
		rc = rte_pmd_ixgbe_set_vf_mac_anti_spoof(p->port_id, vf, w->spoofchk);
		if (rc == 0)
			rc = rte_pmd_ixgbe_set_vf_vlan_anti_spoof(p->port_id, vf, w->spoofchk);
		return rc;
	case VS_VF_F_RATE:
		if (w->min_tx_rate != 0) {
			snprintf(be->errmsg, sizeof(be->errmsg),
				 "the ixgbe PF API has a max rate only");
			return -ENOTSUP;
		}
		/* Queue 0 of the VF's pool: the rate applies per queue on ixgbe. */
		return rte_pmd_ixgbe_set_vf_rate_limit(p->port_id, vf, w->max_tx_rate, 1);
	default:
		snprintf(be->errmsg, sizeof(be->errmsg), "the ixgbe PF API has no %s setting",
			 vs_vf_field_str(f));
		return -ENOTSUP;
	}
}

static int
i40e_set(struct vs_vf_backend *be, uint16_t vf, enum vs_vf_field f, const struct vs_vf_hw *w)
{
	struct dpdk_pf_priv *p = be->priv;
	struct rte_ether_addr mac;
	int rc;

	switch (f) {
	case VS_VF_F_MAC:
		memcpy(mac.addr_bytes, w->mac, 6);
		return rte_pmd_i40e_set_vf_mac_addr(p->port_id, vf, &mac);
	case VS_VF_F_VLAN:
		if (w->qos != 0 || (w->vlan_proto != 0 && w->vlan_proto != 0x8100)) {
			snprintf(be->errmsg, sizeof(be->errmsg),
				 "the i40e PF API inserts 802.1Q VLANs without QoS only");
			return -ENOTSUP;
		}
		return rte_pmd_i40e_set_vf_vlan_insert(p->port_id, vf, w->vlan);
	case VS_VF_F_SPOOFCHK:
		rc = rte_pmd_i40e_set_vf_mac_anti_spoof(p->port_id, vf, w->spoofchk);
		if (rc == 0)
			rc = rte_pmd_i40e_set_vf_vlan_anti_spoof(p->port_id, vf, w->spoofchk);
		return rc;
	case VS_VF_F_RATE:
		if (w->min_tx_rate != 0) {
			snprintf(be->errmsg, sizeof(be->errmsg),
				 "the i40e PF API has a max rate only");
			return -ENOTSUP;
		}
		return rte_pmd_i40e_set_vf_max_bw(p->port_id, vf, w->max_tx_rate);
	default:
		snprintf(be->errmsg, sizeof(be->errmsg), "the i40e PF API has no %s setting",
			 vs_vf_field_str(f));
		return -ENOTSUP;
	}
}

static void
dpdk_destroy(struct vs_vf_backend *be)
{
	if (be == NULL)
		return;
	free(be->priv);
	free(be);
}

static const struct vs_vf_backend_ops ixgbe_ops = {
    .read = dpdk_read,
    .set = ixgbe_set,
    .destroy = dpdk_destroy,
};

static const struct vs_vf_backend_ops i40e_ops = {
    .read = dpdk_read,
    .set = i40e_set,
    .destroy = dpdk_destroy,
};

const struct vs_vf_backend_ops *
vs_vf_dpdk_pf_ops(const char *driver_name)
{
	if (driver_name == NULL)
		return NULL;
	if (strcmp(driver_name, "net_ixgbe") == 0)
		return &ixgbe_ops;
	if (strcmp(driver_name, "net_i40e") == 0)
		return &i40e_ops;
	return NULL;
}

struct vs_vf_backend *
vs_vf_dpdk_pf_backend_create(const char *port_name, const char *sysfs_root)
{
	const struct vs_vf_backend_ops *ops;
	struct rte_eth_dev_info info;
	struct dpdk_pf_priv *p;
	struct vs_vf_backend *be;
	uint16_t port_id;
	const char *dev;

	if (port_name == NULL || rte_eth_dev_get_port_by_name(port_name, &port_id) != 0 ||
	    rte_eth_dev_info_get(port_id, &info) != 0) {
		errno = ENODEV;
		return NULL;
	}
	ops = vs_vf_dpdk_pf_ops(info.driver_name);
	if (ops == NULL) {
		VS_LOG(ERR, vs_vf_logtype, "sriov",
		       "PF port %s has driver %s; the DPDK PF backend supports net_ixgbe "
		       "and net_i40e (use a kernel PF with pf: instead)",
		       port_name, info.driver_name ? info.driver_name : "?");
		errno = ENOTSUP;
		return NULL;
	}
	be = calloc(1, sizeof(*be));
	p = calloc(1, sizeof(*p));
	if (be == NULL || p == NULL) {
		free(be);
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->port_id = port_id;
	be->ops = ops;
	be->priv = p;
	snprintf(be->name, sizeof(be->name), "%s", ops == &ixgbe_ops ? "dpdk-ixgbe" : "dpdk-i40e");
	snprintf(be->pf, sizeof(be->pf), "%s", port_name);
	snprintf(be->driver, sizeof(be->driver), "%s", info.driver_name);
	dev = info.device != NULL ? rte_dev_name(info.device) : NULL;
	if (dev != NULL) {
		snprintf(be->devdir, sizeof(be->devdir), "%s/sys/bus/pci/devices/%s",
			 sysfs_root != NULL ? sysfs_root : "", dev);
		if (access(be->devdir, F_OK) != 0)
			be->devdir[0] = '\0'; /* not a PCI device: num_vfs not managed */
	}
	return be;
}
