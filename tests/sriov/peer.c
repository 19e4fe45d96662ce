/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "peer.h"

struct dec {
	struct vs_vf_hw *hw;
	uint32_t *fields;
	uint32_t n_infos;
	int bad;
};

static int
dec_vlan_cb(const struct nlattr *a, void *data)
{
	struct dec *d = data;
	const struct ifla_vf_vlan_info *v;

	if (mnl_attr_get_type(a) != IFLA_VF_VLAN_INFO || mnl_attr_get_payload_len(a) < sizeof(*v)) {
		d->bad++;
		return MNL_CB_OK;
	}
	v = mnl_attr_get_payload(a);
	d->hw->vf = (uint16_t)v->vf;
	d->hw->vlan = (uint16_t)v->vlan;
	d->hw->qos = (uint8_t)v->qos;
	d->hw->vlan_proto = ntohs(v->vlan_proto);
	*d->fields |= VS_VF_BIT(VS_VF_F_VLAN);
	return MNL_CB_OK;
}

static int
dec_vf_cb(const struct nlattr *a, void *data)
{
	struct dec *d = data;
	const void *pl = mnl_attr_get_payload(a);
	uint16_t len = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case IFLA_VF_MAC: {
		const struct ifla_vf_mac *m = pl;

		if (len != sizeof(*m)) {
			d->bad++;
			break;
		}
		d->hw->vf = (uint16_t)m->vf;
		memcpy(d->hw->mac, m->mac, 6);
		*d->fields |= VS_VF_BIT(VS_VF_F_MAC);
		break;
	}
	case IFLA_VF_VLAN_LIST:
		mnl_attr_parse_nested(a, dec_vlan_cb, d);
		break;
	case IFLA_VF_SPOOFCHK: {
		const struct ifla_vf_spoofchk *s = pl;

		if (len != sizeof(*s)) {
			d->bad++;
			break;
		}
		d->hw->vf = (uint16_t)s->vf;
		d->hw->spoofchk = (uint8_t)s->setting;
		*d->fields |= VS_VF_BIT(VS_VF_F_SPOOFCHK);
		break;
	}
	case IFLA_VF_TRUST: {
		const struct ifla_vf_trust *t = pl;

		if (len != sizeof(*t)) {
			d->bad++;
			break;
		}
		d->hw->vf = (uint16_t)t->vf;
		d->hw->trust = (uint8_t)t->setting;
		*d->fields |= VS_VF_BIT(VS_VF_F_TRUST);
		break;
	}
	case IFLA_VF_LINK_STATE: {
		const struct ifla_vf_link_state *l = pl;

		if (len != sizeof(*l)) {
			d->bad++;
			break;
		}
		d->hw->vf = (uint16_t)l->vf;
		d->hw->link_state = (uint8_t)l->link_state;
		*d->fields |= VS_VF_BIT(VS_VF_F_LINK_STATE);
		break;
	}
	case IFLA_VF_RATE: {
		const struct ifla_vf_rate *r = pl;

		if (len != sizeof(*r)) {
			d->bad++;
			break;
		}
		d->hw->vf = (uint16_t)r->vf;
		d->hw->min_tx_rate = r->min_tx_rate;
		d->hw->max_tx_rate = r->max_tx_rate;
		*d->fields |= VS_VF_BIT(VS_VF_F_RATE);
		break;
	}
	default:
		d->bad++; /* the backend never sends anything else */
		break;
	}
	return MNL_CB_OK;
}

static int
dec_list_cb(const struct nlattr *a, void *data)
{
	struct dec *d = data;

	if (mnl_attr_get_type(a) != IFLA_VF_INFO) {
		d->bad++;
		return MNL_CB_OK;
	}
	d->n_infos++;
	mnl_attr_parse_nested(a, dec_vf_cb, d);
	return MNL_CB_OK;
}

struct dec_link {
	struct dec *d;
	char *ifname;
	size_t ifsize;
	uint32_t ext_mask;
};

static int
dec_link_cb(const struct nlattr *a, void *data)
{
	struct dec_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		snprintf(l->ifname, l->ifsize, "%s", mnl_attr_get_str(a));
		break;
	case IFLA_VFINFO_LIST:
		mnl_attr_parse_nested(a, dec_list_cb, l->d);
		break;
	case IFLA_EXT_MASK:
		l->ext_mask = mnl_attr_get_u32(a);
		break;
	default:
		l->d->bad++;
		break;
	}
	return MNL_CB_OK;
}

int
peer_decode_setlink(const void *buf, size_t len, char *ifname, size_t ifsize, struct vs_vf_hw *out,
		    uint32_t *fields, uint32_t *n_infos)
{
	const struct nlmsghdr *nlh = buf;
	struct dec d = {.hw = out, .fields = fields};
	struct dec_link l = {.d = &d, .ifname = ifname, .ifsize = ifsize};

	memset(out, 0, sizeof(*out));
	*fields = 0;
	ifname[0] = '\0';
	if (!mnl_nlmsg_ok(nlh, (int)len) || nlh->nlmsg_type != RTM_SETLINK)
		return -EINVAL;
	mnl_attr_parse(nlh, sizeof(struct ifinfomsg), dec_link_cb, &l);
	*n_infos = d.n_infos;
	return d.bad ? -EINVAL : 0;
}

int
peer_build_newlink(void *buf, size_t size, uint32_t seq, const char *ifname,
		   const struct vs_vf_hw *vfs, uint16_t n, bool trust)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *list, *info, *vl;
	uint16_t i;

	memset(buf, 0, size);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 7;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	mnl_attr_put_u32(nlh, IFLA_NUM_VF, n);
	list = mnl_attr_nest_start(nlh, IFLA_VFINFO_LIST);
	for (i = 0; i < n; i++) {
		const struct vs_vf_hw *h = &vfs[i];
		struct ifla_vf_mac m = {.vf = i};
		struct ifla_vf_vlan v = {.vf = i, .vlan = h->vlan, .qos = h->qos};
		struct ifla_vf_vlan_info vi = {
		    .vf = i,
		    .vlan = h->vlan,
		    .qos = h->qos,
		    .vlan_proto = htons(h->vlan_proto ? h->vlan_proto : 0x8100),
		};
		struct ifla_vf_tx_rate tx = {.vf = i, .rate = h->max_tx_rate};
		struct ifla_vf_rate r = {
		    .vf = i, .min_tx_rate = h->min_tx_rate, .max_tx_rate = h->max_tx_rate};
		struct ifla_vf_spoofchk s = {.vf = i, .setting = h->spoofchk};
		struct ifla_vf_link_state ls = {.vf = i, .link_state = h->link_state};
		struct ifla_vf_trust t = {.vf = i, .setting = trust ? h->trust : (uint32_t)-1};
		struct ifla_vf_rss_query_en q = {.vf = i, .setting = (uint32_t)-1};

		memcpy(m.mac, h->mac, 6);
		info = mnl_attr_nest_start(nlh, IFLA_VF_INFO);
		mnl_attr_put(nlh, IFLA_VF_MAC, sizeof(m), &m);
		mnl_attr_put(nlh, IFLA_VF_VLAN, sizeof(v), &v);
		vl = mnl_attr_nest_start(nlh, IFLA_VF_VLAN_LIST);
		mnl_attr_put(nlh, IFLA_VF_VLAN_INFO, sizeof(vi), &vi);
		mnl_attr_nest_end(nlh, vl);
		mnl_attr_put(nlh, IFLA_VF_TX_RATE, sizeof(tx), &tx);
		mnl_attr_put(nlh, IFLA_VF_RATE, sizeof(r), &r);
		mnl_attr_put(nlh, IFLA_VF_SPOOFCHK, sizeof(s), &s);
		mnl_attr_put(nlh, IFLA_VF_LINK_STATE, sizeof(ls), &ls);
		mnl_attr_put(nlh, IFLA_VF_RSS_QUERY_EN, sizeof(q), &q);
		mnl_attr_put(nlh, IFLA_VF_TRUST, sizeof(t), &t);
		mnl_attr_nest_end(nlh, info);
	}
	mnl_attr_nest_end(nlh, list);
	return (int)nlh->nlmsg_len;
}

static void
send_error(struct peer *p, const struct nlmsghdr *req, int err)
{
	uint8_t buf[1024];
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_flags = NLM_F_CAPPED;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = err;
	e->msg = *req;
	if (err != 0 && p->extack != NULL) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, p->extack);
	}
	(void)send(p->fd, buf, nlh->nlmsg_len, 0);
}

static int
field_result(struct peer *p, enum vs_vf_field f)
{
	switch (p->mode[f]) {
	case PEER_EOPNOTSUPP:
		return -EOPNOTSUPP;
	case PEER_EINVAL:
		return -EINVAL;
	case PEER_EBUSY:
		if (p->busy_left[f] > 0) {
			p->busy_left[f]--;
			return -EBUSY;
		}
		return 0;
	default:
		return 0;
	}
}

static void
apply(struct peer *p, const struct vs_vf_hw *in, uint32_t fields, const struct nlmsghdr *req)
{
	struct vs_vf_hw *h;
	int f, err = 0;

	if (in->vf >= p->num_vfs) {
		send_error(p, req, -EINVAL);
		return;
	}
	h = &p->vf[in->vf];
	for (f = 0; f < VS_VF_F_MAX && err == 0; f++) {
		if (!(fields & VS_VF_BIT(f)))
			continue;
		p->n_set[f]++;
		err = field_result(p, f);
		if (err != 0 || p->mode[f] == PEER_IGNORE)
			continue;
		switch (f) {
		case VS_VF_F_MAC:
			memcpy(h->mac, in->mac, 6);
			break;
		case VS_VF_F_VLAN:
			h->vlan = in->vlan;
			h->qos = in->qos;
			h->vlan_proto = in->vlan_proto;
			break;
		case VS_VF_F_SPOOFCHK:
			h->spoofchk = in->spoofchk;
			break;
		case VS_VF_F_TRUST:
			h->trust = in->trust;
			break;
		case VS_VF_F_LINK_STATE:
			h->link_state = in->link_state;
			break;
		case VS_VF_F_RATE:
			h->min_tx_rate = in->min_tx_rate;
			h->max_tx_rate = in->max_tx_rate;
			break;
		default:
			break;
		}
	}
	send_error(p, req, err);
}

static void *
peer_main(void *arg)
{
	static uint8_t buf[65536];
	struct peer *p = arg;

	for (;;) {
		const struct nlmsghdr *nlh = (const void *)buf;
		ssize_t r = recv(p->fd, buf, sizeof(buf), 0);
		char ifname[16];
		struct vs_vf_hw hw;
		uint32_t fields, n_infos;

		if (r <= 0)
			break;
		pthread_mutex_lock(&p->lock);
		if (!mnl_nlmsg_ok(nlh, (int)r)) {
			p->n_bad++;
		} else if (nlh->nlmsg_type == RTM_GETLINK) {
			uint8_t out[16384];
			int len;

			p->n_getlink++;
			len = peer_build_newlink(out, sizeof(out), nlh->nlmsg_seq, p->ifname, p->vf,
						 p->num_vfs, p->report_trust);
			(void)send(p->fd, out, (size_t)len, 0);
		} else if (nlh->nlmsg_type == RTM_SETLINK) {
			p->n_setlink++;
			if (peer_decode_setlink(buf, (size_t)r, ifname, sizeof(ifname), &hw,
						&fields, &n_infos) < 0 ||
			    n_infos != 1) {
				p->n_bad++;
				send_error(p, nlh, -EINVAL);
			} else if (strcmp(ifname, p->ifname) != 0) {
				send_error(p, nlh, -ENODEV);
			} else {
				if (__builtin_popcount(fields) > 1)
					p->n_multi++;
				apply(p, &hw, fields, nlh);
			}
		} else {
			p->n_bad++;
			send_error(p, nlh, -EOPNOTSUPP);
		}
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

void
peer_start(struct peer *p, const char *ifname, uint16_t num_vfs)
{
	int sv[2];
	uint16_t i;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	p->num_vfs = num_vfs;
	p->report_trust = true;
	for (i = 0; i < PEER_MAX_VFS; i++) {
		p->vf[i].vf = i;
		p->vf[i].spoofchk = 1; /* kernel drivers default spoof checking on */
		p->vf[i].vlan_proto = 0x8100;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		_exit(2);
	}
	p->fd = sv[0];
	p->client_fd = sv[1];
	pthread_create(&p->thread, NULL, peer_main, p);
}

void
peer_set_mode(struct peer *p, enum vs_vf_field f, enum peer_mode m, uint32_t busy)
{
	pthread_mutex_lock(&p->lock);
	p->mode[f] = m;
	p->busy_left[f] = busy;
	pthread_mutex_unlock(&p->lock);
}

void
peer_join(struct peer *p)
{
	pthread_join(p->thread, NULL);
	close(p->fd);
}

uint32_t
peer_n_set(struct peer *p, enum vs_vf_field f)
{
	uint32_t n;

	pthread_mutex_lock(&p->lock);
	n = p->n_set[f];
	pthread_mutex_unlock(&p->lock);
	return n;
}
