/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From YAML to the NIC: configs loaded by the config module's loader
 * (vs_config_load*), handed to the SR-IOV engine, reconciled against the
 * fake kernel peer, reloaded.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"
#include "tutil.h"
#include "vs_config.h"
#include "vs_vf.h"
#include "vs_vf_backend.h"

static struct vs_config *
load(const char *yaml)
{
	struct vs_cfg_error err;
	struct vs_config *cfg = vs_config_load_buf(yaml, strlen(yaml), "t.yaml", &err);

	cr_assert_not_null(cfg, "%s", err.msg);
	return cfg;
}

static struct peer the_peer;

static struct vs_vf_backend *
peer_factory(void *arg, const struct vs_cfg_pf *pf, const char *root)
{
	return vs_vf_nl_backend_create(the_peer.client_fd, true, pf->pf, "i40e", 1000);
}

static const char *const yaml_v1 =
    "ports:\n"
    "  - {name: vf1, type: ethdev, device: \"0000:3b:02.1\", vf: {pf: ens2f0, id: 1}}\n"
    "sriov:\n"
    "  - pf: ens2f0\n"
    "    num_vfs: 4\n"
    "    vfs:\n"
    "      - {id: 1, mac: \"52:54:00:cc:00:01\", vlan: 300, qos: 2, vlan_proto: 802.1ad,\n"
    "         spoofchk: false, trust: true, link_state: disable, min_tx_rate: 5,\n"
    "         max_tx_rate: 500}\n"
    "      - {id: 2, mac: \"52:54:00:cc:00:02\"}\n";

/* The same, with a VLAN on VF 2. */
static const char *const yaml_v2 =
    "ports:\n"
    "  - {name: vf1, type: ethdev, device: \"0000:3b:02.1\", vf: {pf: ens2f0, id: 1}}\n"
    "sriov:\n"
    "  - pf: ens2f0\n"
    "    num_vfs: 4\n"
    "    vfs:\n"
    "      - {id: 1, mac: \"52:54:00:cc:00:01\", vlan: 300, qos: 2, vlan_proto: 802.1ad,\n"
    "         spoofchk: false, trust: true, link_state: disable, min_tx_rate: 5,\n"
    "         max_tx_rate: 500}\n"
    "      - {id: 2, mac: \"52:54:00:cc:00:02\", vlan: 7}\n";

Test(sriov_yaml, loaded_config_reaches_the_peer_and_reloads)
{
	struct vs_config *cfg, *cfg2;
	struct vs_vf_params prm;
	struct vs_vf_ctx *ctx;
	struct vs_cfg_mac mac;
	uint64_t now = 0;

	peer_start(&the_peer, "ens2f0", 4);
	cfg = load(yaml_v1);
	memset(&prm, 0, sizeof(prm));
	prm.now = tclock;
	prm.now_arg = &now;
	prm.backend_factory = peer_factory;
	ctx = vs_vf_create(cfg, &prm);
	cr_assert_not_null(ctx);
	vs_config_free(cfg); /* the engine keeps its own copy */

	cr_assert_eq(vs_vf_reconcile(ctx, now + 10), 0);
	cr_assert_eq(the_peer.vf[1].vlan, 300);
	cr_assert_eq(the_peer.vf[1].qos, 2);
	cr_assert_eq(the_peer.vf[1].vlan_proto, 0x88a8);
	cr_assert_eq(the_peer.vf[1].spoofchk, 0);
	cr_assert_eq(the_peer.vf[1].trust, 1);
	cr_assert_eq(the_peer.vf[1].link_state, 2);
	cr_assert_eq(the_peer.vf[1].min_tx_rate, 5);
	cr_assert_eq(the_peer.vf[1].max_tx_rate, 500);
	cr_assert_eq(the_peer.vf[2].mac[5], 0x02);
	cr_assert_eq(vs_vf_port_mac(ctx, "ens2f0", 1, &mac), 0);
	cr_assert_eq(mac.b[5], 0x01);

	/* Reload: VF 2 gets a VLAN, nothing else is sent. */
	uint32_t setlinks = the_peer.n_setlink;

	cfg2 = load(yaml_v2);
	cr_assert_eq(vs_vf_apply_config(ctx, cfg2), 0);
	vs_config_free(cfg2);
	cr_assert_eq(vs_vf_reconcile(ctx, now + 10), 0);
	cr_assert_eq(the_peer.vf[2].vlan, 7);
	cr_assert_eq(the_peer.n_setlink, setlinks + 1);
	vs_vf_destroy(ctx);
	peer_join(&the_peer);
}

Test(sriov_yaml, example_config_is_accepted)
{
	struct vs_cfg_error err;
	struct vs_config *cfg = vs_config_load(VS_SRC_ROOT "/config/examples/full.yaml", &err);
	struct vs_vf_pf_status ps;
	char msg[512];

	cr_assert_not_null(cfg, "%s", err.msg);
	cr_assert_eq(vs_vf_validate(cfg, "/nonexistent", msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(cfg->n_sriov, 2u);
	cr_assert_eq(cfg->sriov[1].backend, VS_CFG_PF_DPDK);

	/* A PF with more VFs than its sriov_totalvfs is refused by the sriov check. */
	char root[128], dir[256], cmd[700];

	tmpdir_make(root, sizeof(root));
	snprintf(dir, sizeof(dir), "%s/sys/class/net/ens1f0/device", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && echo 2 > %s/sriov_totalvfs", dir, dir);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(vs_vf_validate(cfg, root, msg, sizeof(msg)), -EINVAL);
	cr_assert_not_null(strstr(msg, "num_vfs 4 is above what the PF supports "
				       "(sriov_totalvfs 2)"),
			   "%s", msg);
	tmpdir_rm(root);

	/* The engine takes it as is; nothing runs before the first reconcile. */
	struct vs_vf_ctx *ctx = vs_vf_create(cfg, NULL);

	cr_assert_not_null(ctx);
	cr_assert_eq(vs_vf_status_pf_count(ctx), 2u);
	cr_assert_eq(vs_vf_status_pf(ctx, 1, &ps), 0);
	cr_assert_str_eq(ps.pf, "uplink0");
	cr_assert_eq(ps.num_vfs_requested, 2);
	cr_assert_eq(ps.n_vfs, 1u);
	vs_vf_destroy(ctx);
	vs_config_free(cfg);
}
