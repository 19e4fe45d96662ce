/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Semantic checks of the sriov: section (on top of the config loader's own
 * validation): what the schema cannot say and what the PF reports.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vs_vf.h"
#include "vs_vf_backend.h"

static int __attribute__((format(printf, 5, 6)))
verr(const struct vs_config *cfg, const struct vs_cfg_pos *pos, char *msg, size_t size,
     const char *fmt, ...)
{
	va_list ap;
	int n;

	if (msg == NULL || size == 0)
		return -EINVAL;
	n = snprintf(msg, size, "%s:%u:%u: sriov: ", cfg->source[0] ? cfg->source : "<config>",
		     pos->line, pos->column);
	if (n < 0 || (size_t)n >= size)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool
mac_zero(const struct vs_cfg_mac *m)
{
	static const struct vs_cfg_mac z;

	return memcmp(m, &z, sizeof(z)) == 0;
}

static const char *
macs(const struct vs_cfg_mac *m, char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2], m->b[3],
		 m->b[4], m->b[5]);
	return buf;
}

/* Is mac used as the MAC of another VF (any PF) before (p, v)? */
static int
dup_mac(const struct vs_config *cfg, uint32_t p, uint32_t v, const struct vs_cfg_mac *mac,
	char *msg, size_t size)
{
	char m[18];
	uint32_t i, k;

	for (i = 0; i <= p; i++) {
		const struct vs_cfg_pf *pf = &cfg->sriov[i];

		for (k = 0; k < pf->n_vfs && (i < p || k < v); k++) {
			const struct vs_cfg_vf *o = &pf->vfs[k];

			if (o->has_mac && memcmp(&o->mac, mac, sizeof(*mac)) == 0)
				return verr(cfg, &cfg->sriov[p].vfs[v].pos, msg, size,
					    "PF %s VF %u: MAC %s is already VF %u of PF %s (line "
					    "%u); each VF needs its own MAC",
					    cfg->sriov[p].pf, cfg->sriov[p].vfs[v].id,
					    macs(mac, m, sizeof(m)), o->id, pf->pf, o->pos.line);
		}
	}
	return 0;
}

static int
check_vf(const struct vs_config *cfg, uint32_t p, uint32_t v, char *msg, size_t size)
{
	const struct vs_cfg_pf *pf = &cfg->sriov[p];
	const struct vs_cfg_vf *vf = &pf->vfs[v];
	char m[18];
	uint32_t k, j;
	int rc;

	if (vf->id >= pf->num_vfs)
		return verr(cfg, &vf->pos, msg, size,
			    "PF %s: VF id %u is beyond num_vfs %u; accepted: 0..%d", pf->pf, vf->id,
			    pf->num_vfs, (int)pf->num_vfs - 1);
	for (k = 0; k < v; k++)
		if (pf->vfs[k].id == vf->id)
			return verr(cfg, &vf->pos, msg, size,
				    "PF %s: VF %u is configured twice (first at line %u)", pf->pf,
				    vf->id, pf->vfs[k].pos.line);
	if (vf->has_mac) {
		if (mac_zero(&vf->mac) || (vf->mac.b[0] & 1))
			return verr(cfg, &vf->pos, msg, size,
				    "PF %s VF %u: MAC %s is %s; accepted: a unicast MAC", pf->pf,
				    vf->id, macs(&vf->mac, m, sizeof(m)),
				    mac_zero(&vf->mac) ? "all zero" : "multicast");
		rc = dup_mac(cfg, p, v, &vf->mac, msg, size);
		if (rc < 0)
			return rc;
	}
	if (vf->has_vlan) {
		if (vf->vlan > 4095)
			return verr(cfg, &vf->pos, msg, size,
				    "PF %s VF %u: vlan %u is out of range; accepted: 0..4095 (0 = "
				    "none)",
				    pf->pf, vf->id, vf->vlan);
		if (vf->qos > 7)
			return verr(cfg, &vf->pos, msg, size,
				    "PF %s VF %u: qos %u is out of range; accepted: 0..7", pf->pf,
				    vf->id, vf->qos);
		if (vf->vlan_proto != 0 && vf->vlan_proto != 0x8100 && vf->vlan_proto != 0x88a8)
			return verr(cfg, &vf->pos, msg, size,
				    "PF %s VF %u: vlan protocol 0x%04x; accepted: 802.1Q (0x8100) "
				    "or 802.1ad (0x88a8)",
				    pf->pf, vf->id, vf->vlan_proto);
		if (vf->vlan == 0 && (vf->qos != 0 || vf->vlan_proto == 0x88a8))
			return verr(cfg, &vf->pos, msg, size,
				    "PF %s VF %u: qos/protocol given without a VLAN id; accepted: "
				    "vlan 1..4095 with them",
				    pf->pf, vf->id);
	}
	if (vf->spoofchk < VS_CFG_UNSET || vf->spoofchk > VS_CFG_ON || vf->trust < VS_CFG_UNSET ||
	    vf->trust > VS_CFG_ON)
		return verr(cfg, &vf->pos, msg, size,
			    "PF %s VF %u: spoofchk/trust must be on or off", pf->pf, vf->id);
	if (vf->link_state < VS_CFG_LINK_UNSET || vf->link_state > VS_CFG_LINK_DISABLE)
		return verr(cfg, &vf->pos, msg, size,
			    "PF %s VF %u: link_state %d; accepted: auto, enable, disable", pf->pf,
			    vf->id, vf->link_state);
	if (vf->max_tx_rate != 0 && vf->min_tx_rate > vf->max_tx_rate)
		return verr(cfg, &vf->pos, msg, size,
			    "PF %s VF %u: min_tx_rate %u is above max_tx_rate %u", pf->pf, vf->id,
			    vf->min_tx_rate, vf->max_tx_rate);
	for (k = 0; k < vf->n_extra_macs; k++) {
		const struct vs_cfg_mac *x = &vf->extra_macs[k];

		if (mac_zero(x))
			return verr(cfg, &vf->pos, msg, size,
				    "PF %s VF %u: extra MAC #%u is all zero", pf->pf, vf->id,
				    k + 1);
		for (j = 0; j < k; j++)
			if (memcmp(x, &vf->extra_macs[j], sizeof(*x)) == 0)
				return verr(cfg, &vf->pos, msg, size,
					    "PF %s VF %u: extra MAC %s is listed twice", pf->pf,
					    vf->id, macs(x, m, sizeof(m)));
	}
	return 0;
}

static const struct vs_cfg_vf *
find_vf(const struct vs_cfg_pf *pf, uint16_t id)
{
	uint32_t k;

	for (k = 0; k < pf->n_vfs; k++)
		if (pf->vfs[k].id == id)
			return &pf->vfs[k];
	return NULL;
}

static int
check_ports(const struct vs_config *cfg, char *msg, size_t size)
{
	char m1[18], m2[18];
	uint32_t i, j, k;

	for (i = 0; i < cfg->n_ports; i++) {
		const struct vs_cfg_port *p = &cfg->ports[i];
		const struct vs_cfg_pf *pf = NULL;
		const struct vs_cfg_vf *vf;

		if (!p->is_vf)
			continue;
		for (k = 0; k < cfg->n_sriov; k++)
			if (strcmp(cfg->sriov[k].pf, p->vf_pf) == 0)
				pf = &cfg->sriov[k];
		if (pf == NULL)
			return verr(cfg, &p->pos, msg, size,
				    "port %s is VF %u of PF %s, but sriov: has no PF %s", p->name,
				    p->vf_id, p->vf_pf, p->vf_pf);
		if (p->vf_id >= pf->num_vfs)
			return verr(cfg, &p->pos, msg, size,
				    "port %s is VF %u of PF %s, which has num_vfs %u", p->name,
				    p->vf_id, pf->pf, pf->num_vfs);
		for (j = 0; j < i; j++) {
			const struct vs_cfg_port *o = &cfg->ports[j];

			if (o->is_vf && o->vf_id == p->vf_id && strcmp(o->vf_pf, p->vf_pf) == 0)
				return verr(cfg, &p->pos, msg, size,
					    "ports %s and %s are both VF %u of PF %s", o->name,
					    p->name, p->vf_id, p->vf_pf);
		}
		vf = find_vf(pf, p->vf_id);
		if (vf != NULL && vf->has_mac && p->has_mac &&
		    memcmp(&vf->mac, &p->mac, sizeof(p->mac)) != 0)
			return verr(cfg, &p->pos, msg, size,
				    "port %s sets MAC %s but its VF %u of PF %s has MAC %s; set it "
				    "in one place (the sriov: entry)",
				    p->name, macs(&p->mac, m1, sizeof(m1)), p->vf_id, pf->pf,
				    macs(&vf->mac, m2, sizeof(m2)));
	}
	return 0;
}

int
vs_vf_validate(const struct vs_config *cfg, const char *sysfs_root, char *msg, size_t size)
{
	char devdir[256];
	uint32_t p, v, total;
	int rc;

	if (cfg == NULL || msg == NULL || size == 0)
		return -EINVAL;
	msg[0] = '\0';
	for (p = 0; p < cfg->n_sriov; p++) {
		const struct vs_cfg_pf *pf = &cfg->sriov[p];

		if (pf->pf[0] == '\0')
			return verr(cfg, &pf->pos, msg, size, "an entry has no PF name");
		if (pf->backend == VS_CFG_PF_KERNEL && strlen(pf->pf) >= VS_CFG_IFNAME_MAX)
			return verr(cfg, &pf->pos, msg, size,
				    "PF name %s is longer than a netdev name (15 characters)",
				    pf->pf);
		for (v = 0; v < p; v++)
			if (strcmp(cfg->sriov[v].pf, pf->pf) == 0)
				return verr(cfg, &pf->pos, msg, size,
					    "PF %s is listed twice (first at line %u)", pf->pf,
					    cfg->sriov[v].pos.line);
		if (pf->backend == VS_CFG_PF_KERNEL &&
		    vs_vf_sysfs_netdev_devdir(sysfs_root, pf->pf, devdir, sizeof(devdir)) == 0 &&
		    vs_vf_sysfs_read_uint(devdir, "sriov_totalvfs", &total) == 0 &&
		    pf->num_vfs > total)
			return verr(cfg, &pf->pos, msg, size,
				    "PF %s: num_vfs %u is above what the PF supports "
				    "(sriov_totalvfs %u)",
				    pf->pf, pf->num_vfs, total);
		for (v = 0; v < pf->n_vfs; v++) {
			rc = check_vf(cfg, p, v, msg, size);
			if (rc < 0)
				return rc;
		}
	}
	return check_ports(cfg, msg, size);
}
