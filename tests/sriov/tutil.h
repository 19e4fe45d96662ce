/* SPDX-License-Identifier: BSD-3-Clause */
/* Test helpers: struct vs_config values built directly, a fake clock. */
#ifndef SRIOV_TUTIL_H
#define SRIOV_TUTIL_H

#include <stdint.h>

#include "vs_config.h"

#define T_MAX_PFS 2
#define T_MAX_VFS 8

struct tcfg {
	struct vs_config cfg;
	struct vs_cfg_pf pf[T_MAX_PFS];
	struct vs_cfg_vf vf[T_MAX_PFS][T_MAX_VFS];
	struct vs_cfg_port ports[4];
	struct vs_cfg_mac extra[T_MAX_PFS][T_MAX_VFS][20];
};

/* One PF (kernel backend) with n_vfs VF entries (ids 0..n-1, nothing set). */
void tcfg_init(struct tcfg *t, const char *pf, uint16_t num_vfs, uint32_t n_vfs);
/* Add a second PF. */
void tcfg_add_pf(struct tcfg *t, const char *pf, uint16_t num_vfs, uint32_t n_vfs);
void tcfg_mac(struct vs_cfg_vf *vf, uint8_t last);
void tcfg_extra(struct tcfg *t, uint32_t pf, uint32_t vf, uint32_t n, uint8_t tag);
/* Add a VF port tied to (pf, vf). */
void tcfg_vf_port(struct tcfg *t, const char *name, const char *pf, uint16_t vf);

uint64_t tclock(void *arg); /* returns *(uint64_t *)arg */

/* A fresh temp dir (mkdtemp), and rm -rf of it. */
void tmpdir_make(char *buf, size_t size);
void tmpdir_rm(const char *dir);

#endif
