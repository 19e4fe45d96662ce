/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reconcile loop against a test "kernel" on a socketpair (peer.c) that
 * answers like rtnetlink: success, EOPNOTSUPP, EINVAL, EBUSY, partial apply;
 * and against a test double backend with no read-back. The clock is
 * injected: no test sleeps for back-off.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer.h"
#include "tutil.h"
#include "vs_vf.h"
#include "vs_vf_backend.h"

struct rig {
	struct peer peer;
	struct tcfg t;
	uint64_t now;
	struct vs_vf_params prm;
	struct vs_vf_ctx *ctx;
	int factory_calls;
};

static struct vs_vf_backend *
peer_factory(void *arg, const struct vs_cfg_pf *pf, const char *root)
{
	struct rig *r = arg;

	(void)root;
	r->factory_calls++;
	return vs_vf_nl_backend_create(r->peer.client_fd, true, pf->pf, "ixgbe", 1000);
}

static void
rig_params(struct rig *r)
{
	memset(&r->prm, 0, sizeof(r->prm));
	r->prm.now = tclock;
	r->prm.now_arg = &r->now;
	r->prm.backend_factory = peer_factory;
	r->prm.backend_arg = r;
	r->prm.retry_base_ms = 100;
	r->prm.retry_max_ms = 10000;
	r->prm.max_attempts = 5;
	r->prm.resync_ms = 1000;
	r->prm.manage_num_vfs = false;
}

/* VF0: everything; VF1: MAC only. */
static void
rig_cfg(struct rig *r)
{
	struct vs_cfg_vf *v0, *v1;

	tcfg_init(&r->t, "ens1f0", 4, 2);
	v0 = &r->t.vf[0][0];
	v1 = &r->t.vf[0][1];
	tcfg_mac(v0, 0x10);
	v0->has_vlan = true;
	v0->vlan = 100;
	v0->qos = 3;
	v0->vlan_proto = 0x8100;
	v0->spoofchk = VS_CFG_OFF;
	v0->trust = VS_CFG_ON;
	v0->link_state = VS_CFG_LINK_ENABLE;
	v0->min_tx_rate = 10;
	v0->max_tx_rate = 1000;
	tcfg_mac(v1, 0x11);
}

static void
rig_start(struct rig *r)
{
	r->ctx = vs_vf_create(&r->t.cfg, &r->prm);
	cr_assert_not_null(r->ctx, "create: %s", strerror(errno));
}

static void
rig_stop(struct rig *r)
{
	vs_vf_destroy(r->ctx); /* closes client_fd: the peer thread ends */
	peer_join(&r->peer);
}

static struct vs_vf_field_status
fstat(struct rig *r, uint32_t vf_idx, enum vs_vf_field f)
{
	struct vs_vf_vf_status st;

	cr_assert_eq(vs_vf_status_vf(r->ctx, 0, vf_idx, &st), 0);
	return st.fields[f];
}

Test(sriov_reconcile, converges_and_reads_back)
{
	struct rig r;
	char show[4096];
	int f;

	memset(&r, 0, sizeof(r));
	peer_start(&r.peer, "ens1f0", 4);
	rig_params(&r);
	rig_cfg(&r);
	rig_start(&r);

	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 100), 0);
	/* The peer holds what the config asked for. */
	cr_assert_arr_eq(r.peer.vf[0].mac, r.t.vf[0][0].mac.b, 6);
	cr_assert_eq(r.peer.vf[0].vlan, 100);
	cr_assert_eq(r.peer.vf[0].qos, 3);
	cr_assert_eq(r.peer.vf[0].spoofchk, 0);
	cr_assert_eq(r.peer.vf[0].trust, 1);
	cr_assert_eq(r.peer.vf[0].link_state, 1);
	cr_assert_eq(r.peer.vf[0].max_tx_rate, 1000);
	cr_assert_arr_eq(r.peer.vf[1].mac, r.t.vf[0][1].mac.b, 6);
	/* One attribute per request, each field once, nothing malformed. */
	cr_assert_eq(r.peer.n_multi, 0u);
	cr_assert_eq(r.peer.n_bad, 0u);
	cr_assert_eq(peer_n_set(&r.peer, VS_VF_F_MAC), 2u);
	for (f = VS_VF_F_VLAN; f < VS_VF_F_EXTRA_MACS; f++)
		cr_assert_eq(peer_n_set(&r.peer, f), 1u, "%s", vs_vf_field_str(f));
	/* Read before and after (verify). */
	cr_assert_eq(r.peer.n_getlink, 2u);
	for (f = 0; f < VS_VF_F_EXTRA_MACS; f++) {
		struct vs_vf_field_status s = fstat(&r, 0, f);

		cr_assert_eq(s.state, VS_VF_ST_APPLIED, "%s: %s", vs_vf_field_str(f), s.msg);
		cr_assert_str_eq(s.requested, s.applied);
	}
	cr_assert_str_eq(fstat(&r, 0, VS_VF_F_VLAN).applied, "100 qos 3 802.1Q");
	cr_assert_str_eq(fstat(&r, 0, VS_VF_F_MAC).applied, "52:54:00:aa:00:10");
	cr_assert_eq(fstat(&r, 1, VS_VF_F_TRUST).state, VS_VF_ST_UNSET);
	cr_assert_eq(fstat(&r, 0, VS_VF_F_EXTRA_MACS).state, VS_VF_ST_UNSET);

	/* Nothing due until the resync; then one read and no set. */
	cr_assert_eq(vs_vf_next_due(r.ctx), r.now + 1000);
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 100), 0);
	cr_assert_eq(r.peer.n_getlink, 2u);
	r.now += 1000;
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 100), 0);
	cr_assert_eq(r.peer.n_getlink, 3u);
	cr_assert_eq(r.peer.n_setlink, 7u);

	cr_assert_gt(vs_vf_show(r.ctx, show, sizeof(show)), 0);
	cr_assert_not_null(strstr(show, "PF ens1f0 (driver ixgbe, netlink)"), "%s", show);
	cr_assert_not_null(strstr(show, "trust      requested on"), "%s", show);
	rig_stop(&r);
}

Test(sriov_reconcile, eopnotsupp_is_reported_and_not_retried)
{
	struct rig r;
	struct vs_vf_field_status s;
	char show[4096];

	memset(&r, 0, sizeof(r));
	peer_start(&r.peer, "ens1f0", 4);
	peer_set_mode(&r.peer, VS_VF_F_TRUST, PEER_EOPNOTSUPP, 0);
	r.peer.extack = "VF trust is not supported by this device";
	rig_params(&r);
	rig_cfg(&r);
	r.t.vf[0][1].trust = VS_CFG_ON;
	r.t.vf[0][1].id = 3;
	tcfg_mac(&r.t.vf[0][1], 0x13);
	rig_start(&r);

	/* Failed fields do not count as open work. */
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 100), 0);
	s = fstat(&r, 1, VS_VF_F_TRUST);
	cr_assert_eq(s.state, VS_VF_ST_FAILED);
	cr_assert_eq(s.err, -EOPNOTSUPP);
	cr_assert_str_eq(s.msg, "PF ens1f0 (driver ixgbe) refused trust on VF 3: Operation not "
				"supported: VF trust is not supported by this device");
	cr_assert_str_eq(s.requested, "on");
	cr_assert_str_eq(s.applied, "off");
	/* The other fields went through. */
	cr_assert_eq(fstat(&r, 1, VS_VF_F_MAC).state, VS_VF_ST_APPLIED);
	cr_assert_eq(fstat(&r, 0, VS_VF_F_VLAN).state, VS_VF_ST_APPLIED);

	/* Never retried, however long we wait. */
	r.now += 100000;
	vs_vf_reconcile(r.ctx, r.now + 100);
	cr_assert_eq(peer_n_set(&r.peer, VS_VF_F_TRUST), 2u); /* VF0 and VF3 once each */
	vs_vf_show(r.ctx, show, sizeof(show));
	cr_assert_not_null(strstr(show, "failed: PF ens1f0 (driver ixgbe) refused trust on VF 3"),
			   "%s", show);
	rig_stop(&r);
}

/* What the context reported to its owner (vs_vf_set_event_handler). */
struct evlog {
	unsigned n;
	struct {
		int vf;
		enum vs_vf_field field;
		enum vs_vf_state state;
		int err;
		char msg[VS_VF_MSG_MAX];
	} ev[64];
};

static void
on_vf_event(void *arg, const struct vs_vf_event *ev)
{
	struct evlog *l = arg;

	cr_assert_str_eq(ev->pf, "ens1f0");
	cr_assert_lt(l->n, 64u);
	l->ev[l->n].vf = ev->vf;
	l->ev[l->n].field = ev->field;
	l->ev[l->n].state = ev->state;
	l->ev[l->n].err = ev->err;
	snprintf(l->ev[l->n].msg, sizeof(l->ev[l->n].msg), "%s", ev->msg);
	l->n++;
}

static unsigned
evlog_count(const struct evlog *l, int vf, enum vs_vf_field f, enum vs_vf_state st)
{
	unsigned i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->ev[i].vf == vf && l->ev[i].field == f && l->ev[i].state == st;
	return n;
}

/* Outcomes go up to the owner as events, each once: applied fields, and a
 * refused one with its error; nothing again while nothing changes. */
Test(sriov_reconcile, outcomes_are_reported_once)
{
	static struct evlog l;
	struct rig r;
	int f;

	memset(&r, 0, sizeof(r));
	peer_start(&r.peer, "ens1f0", 4);
	peer_set_mode(&r.peer, VS_VF_F_TRUST, PEER_EOPNOTSUPP, 0);
	rig_params(&r);
	rig_cfg(&r);
	rig_start(&r);
	vs_vf_set_event_handler(r.ctx, on_vf_event, &l);
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 100), 0);
	for (f = 0; f < VS_VF_F_EXTRA_MACS; f++)
		cr_assert_eq(
		    evlog_count(&l, 0, f, f == VS_VF_F_TRUST ? VS_VF_ST_FAILED : VS_VF_ST_APPLIED),
		    1u, "%s", vs_vf_field_str(f));
	cr_assert_eq(evlog_count(&l, 1, VS_VF_F_MAC, VS_VF_ST_APPLIED), 1u);
	/* VF0's six fields and VF1's MAC; fields not configured say nothing. */
	cr_assert_eq(l.n, 7u);
	for (unsigned i = 0; i < l.n; i++) {
		if (l.ev[i].field != VS_VF_F_TRUST)
			continue;
		cr_assert_eq(l.ev[i].err, -EOPNOTSUPP);
		cr_assert_not_null(strstr(l.ev[i].msg, "refused trust on VF 0"), "%s", l.ev[i].msg);
	}
	/* Resyncs that find everything in place report nothing. */
	r.now += 100000;
	vs_vf_reconcile(r.ctx, r.now + 100);
	cr_assert_eq(l.n, 7u);
	/* Someone changes a VF's MAC behind our back: set again, reported again. */
	pthread_mutex_lock(&r.peer.lock);
	r.peer.vf[1].mac[5] ^= 0xff;
	pthread_mutex_unlock(&r.peer.lock);
	r.now += 1000;
	vs_vf_reconcile(r.ctx, r.now + 100);
	cr_assert_eq(evlog_count(&l, 1, VS_VF_F_MAC, VS_VF_ST_APPLIED), 2u);
	rig_stop(&r);
}

Test(sriov_reconcile, einval_fails_that_field_only)
{
	struct rig r;
	struct vs_vf_field_status s;

	memset(&r, 0, sizeof(r));
	peer_start(&r.peer, "ens1f0", 4);
	peer_set_mode(&r.peer, VS_VF_F_VLAN, PEER_EINVAL, 0);
	rig_params(&r);
	rig_cfg(&r);
	rig_start(&r);
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 100), 0);
	s = fstat(&r, 0, VS_VF_F_VLAN);
	cr_assert_eq(s.state, VS_VF_ST_FAILED);
	cr_assert_str_eq(s.msg, "PF ens1f0 (driver ixgbe) refused vlan on VF 0: Invalid argument");
	cr_assert_str_eq(s.applied, "none");
	cr_assert_eq(fstat(&r, 0, VS_VF_F_RATE).state, VS_VF_ST_APPLIED);

	/* An operator fixes it by hand: the next resync reports it applied. */
	pthread_mutex_lock(&r.peer.lock);
	r.peer.vf[0].vlan = 100;
	r.peer.vf[0].qos = 3;
	pthread_mutex_unlock(&r.peer.lock);
	r.now += 1000;
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 10), 0);
	s = fstat(&r, 0, VS_VF_F_VLAN);
	cr_assert_eq(s.state, VS_VF_ST_APPLIED);
	cr_assert_str_eq(s.msg, "");
	cr_assert_eq(peer_n_set(&r.peer, VS_VF_F_VLAN), 1u);
	rig_stop(&r);
}

Test(sriov_reconcile, transient_errors_back_off_on_the_injected_clock)
{
	struct rig r;
	struct vs_vf_field_status s;

	memset(&r, 0, sizeof(r));
	peer_start(&r.peer, "ens1f0", 4);
	peer_set_mode(&r.peer, VS_VF_F_MAC, PEER_EBUSY, 3);
	rig_params(&r);
	tcfg_init(&r.t, "ens1f0", 4, 1);
	tcfg_mac(&r.t.vf[0][0], 0x20);
	rig_start(&r);

	/* t=0: try 1 fails, next at 100 */
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 10), 1);
	s = fstat(&r, 0, VS_VF_F_MAC);
	cr_assert_eq(s.state, VS_VF_ST_RETRY);
	cr_assert_eq(s.err, -EBUSY);
	cr_assert_str_eq(s.msg, "PF ens1f0 (driver ixgbe) failed to set mac on VF 0: Device or "
				"resource busy");
	cr_assert_eq(vs_vf_next_due(r.ctx), 100u);
	r.now = 99;
	vs_vf_reconcile(r.ctx, r.now + 10);
	cr_assert_eq(peer_n_set(&r.peer, VS_VF_F_MAC), 1u);
	/* t=100: try 2 fails, next at 100 + 200 */
	r.now = 100;
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 10), 1);
	cr_assert_eq(peer_n_set(&r.peer, VS_VF_F_MAC), 2u);
	cr_assert_eq(vs_vf_next_due(r.ctx), 300u);
	/* t=300: try 3 fails, next at 300 + 400 */
	r.now = 300;
	vs_vf_reconcile(r.ctx, r.now + 10);
	cr_assert_eq(vs_vf_next_due(r.ctx), 700u);
	cr_assert_eq(fstat(&r, 0, VS_VF_F_MAC).attempts, 3u);
	/* t=700: try 4 succeeds */
	r.now = 700;
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 10), 0);
	cr_assert_eq(peer_n_set(&r.peer, VS_VF_F_MAC), 4u);
	s = fstat(&r, 0, VS_VF_F_MAC);
	cr_assert_eq(s.state, VS_VF_ST_APPLIED);
	cr_assert_str_eq(s.msg, "");
	cr_assert_arr_eq(r.peer.vf[0].mac, r.t.vf[0][0].mac.b, 6);
	rig_stop(&r);
}

Test(sriov_reconcile, transient_errors_give_up_after_max_attempts)
{
	struct rig r;

	memset(&r, 0, sizeof(r));
	peer_start(&r.peer, "ens1f0", 4);
	peer_set_mode(&r.peer, VS_VF_F_MAC, PEER_EBUSY, 1000);
	rig_params(&r);
	tcfg_init(&r.t, "ens1f0", 4, 1);
	tcfg_mac(&r.t.vf[0][0], 0x20);
	rig_start(&r);
	for (int i = 0; i < 10; i++) {
		vs_vf_reconcile(r.ctx, r.now + 10);
		r.now += 20000;
	}
	cr_assert_eq(peer_n_set(&r.peer, VS_VF_F_MAC), 5u);
	cr_assert_eq(fstat(&r, 0, VS_VF_F_MAC).state, VS_VF_ST_FAILED);
	rig_stop(&r);
}

Test(sriov_reconcile, partial_apply_is_detected_by_read_back)
{
	struct rig r;
	struct vs_vf_field_status s;

	memset(&r, 0, sizeof(r));
	peer_start(&r.peer, "ens1f0", 4);
	peer_set_mode(&r.peer, VS_VF_F_TRUST, PEER_IGNORE, 0);
	rig_params(&r);
	r.prm.max_attempts = 3;
	rig_cfg(&r);
	rig_start(&r);

	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 10), 1);
	s = fstat(&r, 0, VS_VF_F_TRUST);
	cr_assert_eq(s.state, VS_VF_ST_RETRY);
	cr_assert_str_eq(s.msg, "PF ens1f0 (driver ixgbe) accepted trust on on VF 0 but reports "
				"off");
	cr_assert_str_eq(s.applied, "off");
	cr_assert_eq(fstat(&r, 0, VS_VF_F_MAC).state, VS_VF_ST_APPLIED);
	r.now = 100;
	vs_vf_reconcile(r.ctx, r.now + 10);
	r.now = 300;
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 10), 0);
	cr_assert_eq(peer_n_set(&r.peer, VS_VF_F_TRUST), 3u);
	s = fstat(&r, 0, VS_VF_F_TRUST);
	cr_assert_eq(s.state, VS_VF_ST_FAILED);
	cr_assert_eq(s.attempts, 3u);
	rig_stop(&r);
}

Test(sriov_reconcile, reload_touches_only_what_changed)
{
	struct rig r;
	struct tcfg t2;
	uint32_t before[VS_VF_F_MAX];
	int f;

	memset(&r, 0, sizeof(r));
	peer_start(&r.peer, "ens1f0", 4);
	rig_params(&r);
	rig_cfg(&r);
	rig_start(&r);
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 10), 0);
	for (f = 0; f < VS_VF_F_MAX; f++)
		before[f] = peer_n_set(&r.peer, f);

	/* Same config, VLAN of VF0 changed, trust of VF0 no longer managed. */
	t2 = r.t;
	t2.cfg.sriov = t2.pf;
	t2.pf[0].vfs = t2.vf[0];
	t2.vf[0][0].vlan = 200;
	t2.vf[0][0].trust = VS_CFG_UNSET;
	cr_assert_eq(vs_vf_apply_config(r.ctx, &t2.cfg), 0);
	cr_assert_eq(fstat(&r, 0, VS_VF_F_VLAN).state, VS_VF_ST_PENDING);
	cr_assert_eq(fstat(&r, 0, VS_VF_F_MAC).state, VS_VF_ST_APPLIED);
	cr_assert_eq(fstat(&r, 0, VS_VF_F_TRUST).state, VS_VF_ST_UNSET);
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 10), 0);
	cr_assert_eq(r.peer.vf[0].vlan, 200);
	cr_assert_eq(r.peer.vf[0].trust, 1, "an unmanaged key keeps its value");
	for (f = 0; f < VS_VF_F_MAX; f++)
		cr_assert_eq(peer_n_set(&r.peer, f), before[f] + (f == VS_VF_F_VLAN),
			     "%s sent %u times", vs_vf_field_str(f), peer_n_set(&r.peer, f));
	/* The backend (socket) was kept, not reopened. */
	cr_assert_eq(r.factory_calls, 1);

	/* A refused reload leaves everything as it was. */
	t2.vf[0][1].id = 9;
	cr_assert_eq(vs_vf_apply_config(r.ctx, &t2.cfg), -EINVAL);
	cr_assert_eq(fstat(&r, 1, VS_VF_F_MAC).state, VS_VF_ST_APPLIED);
	rig_stop(&r);
}

Test(sriov_reconcile, drift_is_corrected_at_resync)
{
	struct rig r;

	memset(&r, 0, sizeof(r));
	peer_start(&r.peer, "ens1f0", 4);
	rig_params(&r);
	rig_cfg(&r);
	rig_start(&r);
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 10), 0);
	pthread_mutex_lock(&r.peer.lock);
	r.peer.vf[0].mac[5] = 0x99; /* someone ran ip link set ... vf 0 mac ... */
	pthread_mutex_unlock(&r.peer.lock);
	r.now += 1000;
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 10), 0);
	cr_assert_eq(r.peer.vf[0].mac[5], 0x10);
	cr_assert_eq(peer_n_set(&r.peer, VS_VF_F_MAC), 3u);
	rig_stop(&r);
}

Test(sriov_reconcile, deadline_bounds_a_step)
{
	struct rig r;

	memset(&r, 0, sizeof(r));
	peer_start(&r.peer, "ens1f0", 4);
	rig_params(&r);
	rig_cfg(&r);
	rig_start(&r);
	r.now = 50;
	/* Deadline already passed: no PF operation is started. */
	cr_assert_eq(vs_vf_reconcile(r.ctx, 50), 8);
	cr_assert_eq(r.peer.n_setlink, 0u);
	cr_assert_eq(vs_vf_next_due(r.ctx), 0u);
	cr_assert_eq(vs_vf_reconcile(r.ctx, 60), 0);
	rig_stop(&r);
}

Test(sriov_reconcile, vf_missing_in_the_kernel_waits)
{
	struct rig r;
	struct vs_vf_field_status s;

	memset(&r, 0, sizeof(r));
	peer_start(&r.peer, "ens1f0", 1); /* kernel has 1 VF, config asks VF 0 and 1 */
	rig_params(&r);
	rig_cfg(&r);
	rig_start(&r);
	cr_assert_eq(vs_vf_reconcile(r.ctx, r.now + 10), 0);
	s = fstat(&r, 1, VS_VF_F_MAC);
	cr_assert_eq(s.state, VS_VF_ST_WAITING);
	cr_assert_str_eq(s.msg, "VF 1 does not exist (PF ens1f0 has 1 VFs)");
	cr_assert_eq(fstat(&r, 0, VS_VF_F_MAC).state, VS_VF_ST_APPLIED);
	rig_stop(&r);
}

Test(sriov_reconcile, wrong_pf_name_reaches_the_user)
{
	struct rig r;
	struct vs_vf_field_status s;

	memset(&r, 0, sizeof(r));
	peer_start(&r.peer, "ens9f9", 4); /* the peer answers ENODEV for other names */
	rig_params(&r);
	rig_cfg(&r);
	rig_start(&r);
	vs_vf_reconcile(r.ctx, r.now + 10);
	s = fstat(&r, 0, VS_VF_F_MAC);
	cr_assert_eq(s.state, VS_VF_ST_FAILED);
	cr_assert_str_eq(s.msg, "PF ens1f0 (driver ixgbe) refused mac on VF 0: No such device");
	rig_stop(&r);
}

Test(sriov_reconcile, silent_peer_times_out_and_retries)
{
	struct vs_vf_backend *be;
	struct vs_vf_hw w, vfs[2];
	uint16_t n;
	int sv[2], num;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	be = vs_vf_nl_backend_create(sv[0], true, "ens1f0", "ixgbe", 20);
	cr_assert_not_null(be);
	memset(&w, 0, sizeof(w));
	cr_assert_eq(be->ops->set(be, 0, VS_VF_F_TRUST, &w), -ETIMEDOUT);
	cr_assert_eq(be->ops->read(be, vfs, 2, &n, &num), -ETIMEDOUT);
	cr_assert(vs_vf_err_transient(-ETIMEDOUT));
	/* Peer gone: a clear error, no hang. */
	close(sv[1]);
	cr_assert_lt(be->ops->set(be, 0, VS_VF_F_TRUST, &w), 0);
	be->ops->destroy(be);
}

Test(sriov_reconcile, oversized_answer_is_refused_not_truncated)
{
	static uint8_t big[160 * 1024];
	struct vs_vf_backend *be;
	struct vs_vf_hw vfs[2];
	int sv[2], num, sz = 1024 * 1024;
	uint16_t n;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(big, 0, sizeof(big));
	cr_assert_eq(send(sv[1], big, sizeof(big), 0), (ssize_t)sizeof(big), "%s", strerror(errno));
	be = vs_vf_nl_backend_create(sv[0], true, "ens1f0", "ixgbe", 100);
	cr_assert_not_null(be);
	cr_assert_eq(be->ops->read(be, vfs, 2, &n, &num), -EMSGSIZE);
	be->ops->destroy(be);
	close(sv[1]);
}

/* ---- a test double: no read-back (like the DPDK PF APIs) ---- */

struct dbl {
	uint32_t calls[VS_VF_F_MAX];
	int result[VS_VF_F_MAX];
};

static int
dbl_read(struct vs_vf_backend *be, struct vs_vf_hw *vfs, uint16_t max, uint16_t *n, int *num)
{
	*n = 0;
	*num = -1;
	return -ENOTSUP;
}

static int
dbl_set(struct vs_vf_backend *be, uint16_t vf, enum vs_vf_field f, const struct vs_vf_hw *w)
{
	struct dbl *d = be->priv;

	d->calls[f]++;
	if (d->result[f] == -ENOTSUP)
		snprintf(be->errmsg, sizeof(be->errmsg), "the test PF API has no %s setting",
			 vs_vf_field_str(f));
	return d->result[f];
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

static int dbl_fail_open;

static struct vs_vf_backend *
dbl_factory(void *arg, const struct vs_cfg_pf *pf, const char *root)
{
	struct vs_vf_backend *be;

	if (dbl_fail_open > 0) {
		dbl_fail_open--;
		errno = ENODEV;
		return NULL;
	}
	be = calloc(1, sizeof(*be));
	be->ops = &dbl_ops;
	be->priv = arg;
	snprintf(be->name, sizeof(be->name), "test");
	snprintf(be->pf, sizeof(be->pf), "%s", pf->pf);
	snprintf(be->driver, sizeof(be->driver), "net_ixgbe");
	return be;
}

Test(sriov_reconcile, backend_without_read_back_trusts_acks)
{
	struct tcfg t;
	struct dbl d;
	struct vs_vf_params prm;
	struct vs_vf_ctx *ctx;
	struct vs_vf_vf_status st;
	struct vs_vf_pf_status ps;
	uint64_t now = 0;

	memset(&d, 0, sizeof(d));
	d.result[VS_VF_F_TRUST] = -ENOTSUP;
	memset(&prm, 0, sizeof(prm));
	prm.now = tclock;
	prm.now_arg = &now;
	prm.backend_factory = dbl_factory;
	prm.backend_arg = &d;
	prm.retry_base_ms = 100;
	dbl_fail_open = 1;
	tcfg_init(&t, "uplink0", 4, 1);
	t.pf[0].backend = VS_CFG_PF_DPDK;
	tcfg_mac(&t.vf[0][0], 1);
	t.vf[0][0].trust = VS_CFG_ON;
	ctx = vs_vf_create(&t.cfg, &prm);
	cr_assert_not_null(ctx);

	/* The backend cannot be opened yet: said so, retried later (PF + 2 fields open). */
	cr_assert_eq(vs_vf_reconcile(ctx, now + 10), 3);
	cr_assert_eq(vs_vf_status_pf(ctx, 0, &ps), 0);
	cr_assert_str_eq(ps.num_vfs_msg, "PF uplink0: cannot open its DPDK backend: No such "
					 "device");
	cr_assert_eq(vs_vf_next_due(ctx), 100u);
	now = 100;
	cr_assert_eq(vs_vf_reconcile(ctx, now + 10), 0);
	cr_assert_eq(d.calls[VS_VF_F_MAC], 1u);
	cr_assert_eq(vs_vf_status_vf(ctx, 0, 0, &st), 0);
	cr_assert_eq(st.fields[VS_VF_F_MAC].state, VS_VF_ST_APPLIED);
	cr_assert_str_eq(st.fields[VS_VF_F_MAC].applied, "52:54:00:aa:00:01");
	cr_assert_eq(st.fields[VS_VF_F_TRUST].state, VS_VF_ST_FAILED);
	cr_assert_str_eq(st.fields[VS_VF_F_TRUST].msg,
			 "PF uplink0 (driver net_ixgbe) refused trust on VF 0: Operation not "
			 "supported: the test PF API has no trust setting");
	/* Applied stays applied: no read-back, nothing re-sent at resync. */
	now += 20000;
	vs_vf_reconcile(ctx, now + 10);
	cr_assert_eq(d.calls[VS_VF_F_MAC], 1u);
	cr_assert_eq(d.calls[VS_VF_F_TRUST], 1u);
	cr_assert_eq(vs_vf_status_vf(ctx, 0, 0, &st), 0);
	cr_assert_eq(st.fields[VS_VF_F_MAC].state, VS_VF_ST_APPLIED);
	cr_assert_str_eq(st.fields[VS_VF_F_MAC].applied, "52:54:00:aa:00:01");
	cr_assert_str_eq(st.fields[VS_VF_F_TRUST].applied, "?");
	vs_vf_destroy(ctx);
}

Test(sriov_reconcile, destroy_accepts_null_and_status_bounds)
{
	struct vs_vf_pf_status ps;
	struct vs_vf_vf_status vs;

	vs_vf_destroy(NULL);
	cr_assert_eq(vs_vf_status_pf_count(NULL), 0u);
	cr_assert_eq(vs_vf_status_pf(NULL, 0, &ps), -ENOENT);
	cr_assert_eq(vs_vf_status_vf(NULL, 0, 0, &vs), -ENOENT);
	cr_assert_eq(vs_vf_next_due(NULL), UINT64_MAX);
	cr_assert_eq(vs_vf_reconcile(NULL, 0), -EINVAL);
	cr_assert_null(vs_vf_create(NULL, NULL));
	cr_assert_eq(errno, EINVAL);
}
