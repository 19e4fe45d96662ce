/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch SR-IOV backends: the one interface the reconcile loop drives
 * (struct vs_vf_backend_ops), the kernel netlink backend and its message
 * codec, the DPDK ixgbe/i40e PF backend, the DPDK VF-port MAC filter path
 * and the sysfs helpers. Control thread only. Exposed for tests and for
 * anyone writing another backend.
 */
#ifndef VS_VF_BACKEND_H
#define VS_VF_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vs_vf.h"

struct nlmsghdr;

#define VS_VF_BIT(f) (1u << (f))

/* One VF's settings as the PF has them (read back) or as we want them. */
struct vs_vf_hw {
	uint16_t vf;
	uint32_t known; /* VS_VF_BIT(field) for each field filled in */
	uint8_t mac[6];
	uint16_t vlan; /* 0 = none */
	uint8_t qos;
	uint16_t vlan_proto;  /* host order: 0x8100 or 0x88a8 */
	uint8_t spoofchk;     /* 0/1 */
	uint8_t trust;	      /* 0/1 */
	uint8_t link_state;   /* IFLA_VF_LINK_STATE_*: 0 auto, 1 enable, 2 disable */
	uint32_t min_tx_rate; /* Mbit/s */
	uint32_t max_tx_rate;
};

/* Does field f hold the same value in a and b (only the bits of f)? */
bool vs_vf_hw_field_eq(const struct vs_vf_hw *a, const struct vs_vf_hw *b, enum vs_vf_field f);
/* Text of field f of hw ("52:54:00:aa:00:01", "100 qos 3 802.1ad", "on"). */
void vs_vf_hw_field_str(const struct vs_vf_hw *hw, enum vs_vf_field f, char *buf, size_t size);

#define VS_VF_NL_ERRMSG_MAX 128

struct vs_vf_backend_ops {
	/*
	 * Read every VF of the PF. Fills up to max entries, sets *n and
	 * *num_vfs (the PF's VF count as the backend sees it, -1 unknown).
	 * -ENOTSUP when the backend cannot read back (the engine then trusts
	 * successful sets). Other -errno on failure.
	 */
	int (*read)(struct vs_vf_backend *be, struct vs_vf_hw *vfs, uint16_t max, uint16_t *n,
		    int *num_vfs);
	/*
	 * Set one field of one VF to want's value. 0 or -errno; may leave a
	 * driver/kernel message in be->errmsg.
	 */
	int (*set)(struct vs_vf_backend *be, uint16_t vf, enum vs_vf_field f,
		   const struct vs_vf_hw *want);
	/* Accepts NULL be. */
	void (*destroy)(struct vs_vf_backend *be);
};

struct vs_vf_backend {
	const struct vs_vf_backend_ops *ops;
	char name[16]; /* "netlink", "dpdk-ixgbe", "test" */
	char pf[VS_CFG_NAME_MAX];
	char driver[32];		  /* for messages: "PF X (driver D) refused ..." */
	char devdir[256];		  /* sysfs device dir of the PF ("" unknown) */
	char errmsg[VS_VF_NL_ERRMSG_MAX]; /* extra detail of the last failure */
	void *priv;
};

/* ---- kernel netlink backend and codec ---- */

/*
 * Build RTM_SETLINK for PF ifname (looked up by IFLA_IFNAME), one
 * IFLA_VFINFO_LIST/IFLA_VF_INFO carrying every field in fields (bitmask of
 * VS_VF_BIT(); EXTRA_MACS is not a netlink field). NLM_F_REQUEST|NLM_F_ACK.
 * VLAN goes as IFLA_VF_VLAN_LIST (the only form that carries 802.1ad).
 * Returns the message length or -ENOSPC / -EINVAL.
 */
int vs_vf_nl_build_setlink(void *buf, size_t size, uint32_t seq, const char *ifname,
			   const struct vs_vf_hw *want, uint32_t fields);
/* RTM_GETLINK for ifname with IFLA_EXT_MASK = RTEXT_FILTER_VF. */
int vs_vf_nl_build_getlink(void *buf, size_t size, uint32_t seq, const char *ifname);
/*
 * Parse the IFLA_NUM_VF and IFLA_VFINFO_LIST of an RTM_NEWLINK (or of a
 * RTM_SETLINK request). *num_vfs = IFLA_NUM_VF or -1. 0 or -EINVAL/-ENOSPC.
 */
int vs_vf_nl_parse_link(const struct nlmsghdr *nlh, struct vs_vf_hw *vfs, uint16_t max, uint16_t *n,
			int *num_vfs);

/*
 * Netlink backend over fd: a NETLINK_ROUTE socket, or in tests one end of a
 * socketpair to a peer that answers like the kernel. own_fd: close it on
 * destroy. timeout_ms bounds each answer (0: 1000). driver: for messages.
 */
struct vs_vf_backend *vs_vf_nl_backend_create(int fd, bool own_fd, const char *pf,
					      const char *driver, uint32_t timeout_ms);
/* Open a NETLINK_ROUTE socket (in the caller's network namespace) for it. */
struct vs_vf_backend *vs_vf_nl_backend_open(const char *pf, const char *sysfs_root);

/* ---- DPDK PF backend (ixgbe / i40e PF owned by DPDK) ---- */

/* "dpdk-ixgbe" / "dpdk-i40e" for a driver name, NULL if none applies. */
const struct vs_vf_backend_ops *vs_vf_dpdk_pf_ops(const char *driver_name);
/*
 * Backend for the DPDK port named port_name (rte_eth_dev_get_port_by_name).
 * NULL + errno: ENODEV no such port, ENOTSUP its driver is not ixgbe/i40e.
 */
struct vs_vf_backend *vs_vf_dpdk_pf_backend_create(const char *port_name, const char *sysfs_root);

/* ---- MAC filters on a DPDK-bound VF port ---- */

struct vs_vf_port_filters {
	uint32_t n_added;  /* filters now in the port's table */
	bool promisc;	   /* fell back to promiscuous mode */
	bool promisc_ours; /* ... and it was this call (or an earlier one) that turned it on */
	int err;	   /* why (-ENOSPC table full, -ENOTSUP no filters), 0 */
	char msg[VS_VF_MSG_MAX];
};

/*
 * Make the port's extra MAC filters equal macs[0..n): remove old[] entries
 * not in macs, add the new ones with rte_eth_dev_mac_addr_add(). When the
 * table is full or the driver has no MAC filters, enable promiscuous mode
 * and say so in res (the MACs that fit stay programmed). When everything
 * fits again, promiscuous mode is switched back off if we switched it on.
 * 0 (also on fallback) or -errno when the port is gone or promiscuous mode
 * cannot be enabled either.
 */
int vs_vf_port_set_filters(uint16_t port_id, const struct vs_cfg_mac *old, uint32_t n_old,
			   const struct vs_cfg_mac *macs, uint32_t n, bool promisc_was_ours,
			   struct vs_vf_port_filters *res);

/* ---- sysfs (root overridable) ---- */

/* "<root>/sys/class/net/<pf>/device" into buf. */
int vs_vf_sysfs_netdev_devdir(const char *root, const char *pf, char *buf, size_t size);
/* Read an unsigned decimal file devdir/name. 0 or -errno. */
int vs_vf_sysfs_read_uint(const char *devdir, const char *name, uint32_t *val);
/* Basename of devdir/<link>: "driver" -> "ixgbe", "virtfn3" -> "0000:3b:02.3". */
int vs_vf_sysfs_link_name(const char *devdir, const char *link, char *buf, size_t size);
/* Is VF vf taken by a user-space driver (vfio-pci, uio_pci_generic, igb_uio)? */
bool vs_vf_sysfs_vf_in_use(const char *devdir, uint16_t vf, char *drv, size_t size);
/*
 * Set sriov_numvfs to want. Refuses (-EBUSY, msg says which VF and why) to
 * change a non-zero count while a VF that would go away is in use: bound to a
 * user-space driver, or in_use[vf] set by the caller (a configured VF port).
 * Changing a non-zero count goes through 0 (the kernel requires it), which
 * recreates every VF, so then every in-use VF blocks. *changed tells whether
 * the file was written.
 */
int vs_vf_sysfs_set_numvfs(const char *devdir, uint16_t want, const bool *in_use, uint16_t n_in_use,
			   bool *changed, char *msg, size_t size);

/* Is err worth retrying (EAGAIN, EBUSY, ETIMEDOUT, ENOBUFS, EINTR, ENOMEM)? */
bool vs_vf_err_transient(int err);

/* The log type (nfvswitch.sriov). */
extern int vs_vf_logtype;

#endif /* VS_VF_BACKEND_H */
