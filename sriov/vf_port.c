/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Extra MAC filters on a DPDK-bound VF port: rte_eth_dev_mac_addr_add(),
 * and promiscuous mode when the driver's filter table is full or it has no
 * MAC filters at all (saying so; a VF often needs "trust on" at the PF for
 * either to take effect).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "vs_vf_backend.h"

static bool
in_list(const struct vs_cfg_mac *m, const struct vs_cfg_mac *list, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (memcmp(m, &list[i], sizeof(*m)) == 0)
			return true;
	return false;
}

int
vs_vf_port_set_filters(uint16_t port_id, const struct vs_cfg_mac *old, uint32_t n_old,
		       const struct vs_cfg_mac *macs, uint32_t n, bool promisc_was_ours,
		       struct vs_vf_port_filters *res)
{
	struct rte_eth_dev_info info;
	struct rte_ether_addr a;
	const char *drv = "?";
	uint32_t i;
	int rc, why = 0;

	memset(res, 0, sizeof(*res));
	memset(&info, 0, sizeof(info));
	if (!rte_eth_dev_is_valid_port(port_id)) {
		snprintf(res->msg, sizeof(res->msg), "port %u does not exist", port_id);
		res->err = -ENODEV;
		return -ENODEV;
	}
	/* Until we know better (error paths below), what was ours stays ours. */
	res->promisc_ours = promisc_was_ours && rte_eth_promiscuous_get(port_id) == 1;
	if (rte_eth_dev_info_get(port_id, &info) == 0 && info.driver_name != NULL)
		drv = info.driver_name;
	for (i = 0; i < n_old; i++) {
		if (in_list(&old[i], macs, n))
			continue;
		memcpy(a.addr_bytes, old[i].b, 6);
		/* -EADDRINUSE (it is the default MAC) or gone already: nothing to undo */
		(void)rte_eth_dev_mac_addr_remove(port_id, &a);
	}
	for (i = 0; i < n; i++) {
		memcpy(a.addr_bytes, macs[i].b, 6);
		rc = rte_eth_dev_mac_addr_add(port_id, &a, 0);
		if (rc == 0) {
			res->n_added++;
			continue;
		}
		if (rc == -ENOSPC || rc == -ENOTSUP) {
			why = rc;
			break;
		}
		snprintf(res->msg, sizeof(res->msg),
			 "adding MAC filter %02x:%02x:%02x:%02x:%02x:%02x on port %u (driver %s): "
			 "%s",
			 a.addr_bytes[0], a.addr_bytes[1], a.addr_bytes[2], a.addr_bytes[3],
			 a.addr_bytes[4], a.addr_bytes[5], port_id, drv, strerror(-rc));
		res->err = rc;
		return rc;
	}
	if (why == 0) {
		if (res->promisc_ours) {
			res->promisc_ours = false;
			rc = rte_eth_promiscuous_disable(port_id);
			if (rc < 0) {
				/* Still works (promiscuous), just less precisely: keep it ours. */
				res->promisc = true;
				res->promisc_ours = true;
				res->err = rc;
				snprintf(res->msg, sizeof(res->msg),
					 "all %u MAC filters fit again but promiscuous mode could "
					 "not be turned off: %s",
					 n, strerror(-rc));
			}
		}
		return 0;
	}
	res->promisc = true;
	res->err = why;
	if (rte_eth_promiscuous_get(port_id) != 1) {
		rc = rte_eth_promiscuous_enable(port_id);
		if (rc < 0) {
			res->promisc = false;
			res->err = rc;
			snprintf(res->msg, sizeof(res->msg),
				 "MAC filters: %s (driver %s), and promiscuous mode failed too: %s",
				 why == -ENOSPC ? "table full" : "not supported", drv,
				 strerror(-rc));
			return rc;
		}
		res->promisc_ours = true;
	}
	if (why == -ENOSPC)
		snprintf(res->msg, sizeof(res->msg),
			 "MAC filter table of port %u (driver %s, %u entries) is full after %u of "
			 "%u extra MACs; using promiscuous mode",
			 port_id, drv, info.max_mac_addrs, res->n_added, n);
	else
		snprintf(res->msg, sizeof(res->msg),
			 "port %u (driver %s) has no MAC filters (rte_eth_dev_mac_addr_add: %s); "
			 "using promiscuous mode",
			 port_id, drv, strerror(ENOTSUP));
	return 0;
}
