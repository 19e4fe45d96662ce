/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tutil.h"

static void
vf_init(struct vs_cfg_vf *vf, uint16_t id)
{
	memset(vf, 0, sizeof(*vf));
	vf->id = id;
	vf->spoofchk = VS_CFG_UNSET;
	vf->trust = VS_CFG_UNSET;
	vf->link_state = VS_CFG_LINK_UNSET;
	vf->pos.line = 10 + id;
	vf->pos.column = 7;
}

void
tcfg_add_pf(struct tcfg *t, const char *pf, uint16_t num_vfs, uint32_t n_vfs)
{
	uint32_t i = t->cfg.n_sriov++, k;
	struct vs_cfg_pf *p = &t->pf[i];

	snprintf(p->pf, sizeof(p->pf), "%s", pf);
	p->backend = VS_CFG_PF_KERNEL;
	p->num_vfs = num_vfs;
	p->vfs = t->vf[i];
	p->n_vfs = n_vfs;
	p->pos.line = 5 + 20 * i;
	p->pos.column = 5;
	for (k = 0; k < T_MAX_VFS; k++)
		vf_init(&t->vf[i][k], (uint16_t)k);
}

void
tcfg_init(struct tcfg *t, const char *pf, uint16_t num_vfs, uint32_t n_vfs)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->cfg.source, sizeof(t->cfg.source), "test.yaml");
	t->cfg.sriov = t->pf;
	t->cfg.ports = t->ports;
	tcfg_add_pf(t, pf, num_vfs, n_vfs);
}

void
tcfg_mac(struct vs_cfg_vf *vf, uint8_t last)
{
	static const uint8_t base[6] = {0x52, 0x54, 0x00, 0xaa, 0x00, 0x00};

	vf->has_mac = true;
	memcpy(vf->mac.b, base, 6);
	vf->mac.b[5] = last;
}

void
tcfg_extra(struct tcfg *t, uint32_t pf, uint32_t vf, uint32_t n, uint8_t tag)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		struct vs_cfg_mac *m = &t->extra[pf][vf][i];

		m->b[0] = 0x02;
		m->b[1] = tag;
		m->b[4] = (uint8_t)vf;
		m->b[5] = (uint8_t)(i + 1);
	}
	t->vf[pf][vf].extra_macs = t->extra[pf][vf];
	t->vf[pf][vf].n_extra_macs = n;
}

void
tcfg_vf_port(struct tcfg *t, const char *name, const char *pf, uint16_t vf)
{
	struct vs_cfg_port *p = &t->ports[t->cfg.n_ports++];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->type = VS_CFG_PORT_ETHDEV;
	p->is_vf = true;
	snprintf(p->vf_pf, sizeof(p->vf_pf), "%s", pf);
	p->vf_id = vf;
	p->pos.line = 40 + t->cfg.n_ports;
	p->pos.column = 5;
}

uint64_t
tclock(void *arg)
{
	return *(uint64_t *)arg;
}

void
tmpdir_make(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/vs_sriov_XXXXXX");
	if (mkdtemp(buf) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

void
tmpdir_rm(const char *dir)
{
	char cmd[512];

	if (strncmp(dir, "/tmp/vs_sriov_", 14) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}
