/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel netlink backend: RTM_SETLINK with IFLA_VFINFO_LIST (what
 * `ip link set PF vf N ...` sends) and RTM_GETLINK with RTEXT_FILTER_VF to
 * read back what the kernel applied. Messages are built and parsed with
 * libmnl. One field per SETLINK request: the kernel stops at the first
 * attribute a driver refuses and reports one error for the whole request, so
 * one attribute per request is the only way to say which field was refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "vs_vf_backend.h"

/*
 * Answer buffer. Without VF stats (RTEXT_FILTER_SKIP_STATS) the kernel's
 * answer is about 250 bytes per VF plus the link's own attributes, so this
 * holds 256 VFs with room to spare; a bigger answer is reported (-EMSGSIZE),
 * never parsed truncated.
 */
#define NL_BUF_SIZE (128 * 1024)

struct nl_priv {
	int fd;
	bool own_fd;
	uint32_t seq;
	uint32_t timeout_ms;
	uint8_t *buf;
};

static int
put_vf_fields(struct nlmsghdr *nlh, size_t size, const struct vs_vf_hw *w, uint32_t fields)
{
	struct nlattr *list, *info, *vl;

	list = mnl_attr_nest_start_check(nlh, size, IFLA_VFINFO_LIST);
	if (list == NULL)
		return -ENOSPC;
	info = mnl_attr_nest_start_check(nlh, size, IFLA_VF_INFO);
	if (info == NULL)
		return -ENOSPC;
	if (fields & VS_VF_BIT(VS_VF_F_MAC)) {
		struct ifla_vf_mac m;

		memset(&m, 0, sizeof(m));
		m.vf = w->vf;
		memcpy(m.mac, w->mac, 6);
		if (!mnl_attr_put_check(nlh, size, IFLA_VF_MAC, sizeof(m), &m))
			return -ENOSPC;
	}
	if (fields & VS_VF_BIT(VS_VF_F_VLAN)) {
		struct ifla_vf_vlan_info v = {
		    .vf = w->vf,
		    .vlan = w->vlan,
		    .qos = w->qos,
		    .vlan_proto = htons(w->vlan_proto ? w->vlan_proto : 0x8100),
		};

		vl = mnl_attr_nest_start_check(nlh, size, IFLA_VF_VLAN_LIST);
		if (vl == NULL || !mnl_attr_put_check(nlh, size, IFLA_VF_VLAN_INFO, sizeof(v), &v))
			return -ENOSPC;
		mnl_attr_nest_end(nlh, vl);
	}
	if (fields & VS_VF_BIT(VS_VF_F_SPOOFCHK)) {
		struct ifla_vf_spoofchk s = {.vf = w->vf, .setting = w->spoofchk};

		if (!mnl_attr_put_check(nlh, size, IFLA_VF_SPOOFCHK, sizeof(s), &s))
			return -ENOSPC;
	}
	if (fields & VS_VF_BIT(VS_VF_F_TRUST)) {
		struct ifla_vf_trust t = {.vf = w->vf, .setting = w->trust};

		if (!mnl_attr_put_check(nlh, size, IFLA_VF_TRUST, sizeof(t), &t))
			return -ENOSPC;
	}
	if (fields & VS_VF_BIT(VS_VF_F_LINK_STATE)) {
		struct ifla_vf_link_state l = {.vf = w->vf, .link_state = w->link_state};

		if (!mnl_attr_put_check(nlh, size, IFLA_VF_LINK_STATE, sizeof(l), &l))
			return -ENOSPC;
	}
	if (fields & VS_VF_BIT(VS_VF_F_RATE)) {
		struct ifla_vf_rate r = {
		    .vf = w->vf,
		    .min_tx_rate = w->min_tx_rate,
		    .max_tx_rate = w->max_tx_rate,
		};

		if (!mnl_attr_put_check(nlh, size, IFLA_VF_RATE, sizeof(r), &r))
			return -ENOSPC;
	}
	mnl_attr_nest_end(nlh, info);
	mnl_attr_nest_end(nlh, list);
	return 0;
}

static struct nlmsghdr *
put_link_header(void *buf, size_t size, uint16_t type, uint16_t flags, uint32_t seq,
		const char *ifname)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifi)) + 64)
		return NULL;
	memset(buf, 0, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifi)));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = 0; /* by name: IFLA_IFNAME */
	if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, ifname))
		return NULL;
	return nlh;
}

int
vs_vf_nl_build_setlink(void *buf, size_t size, uint32_t seq, const char *ifname,
		       const struct vs_vf_hw *want, uint32_t fields)
{
	struct nlmsghdr *nlh;
	int rc;

	fields &= ~VS_VF_BIT(VS_VF_F_EXTRA_MACS);
	if (buf == NULL || ifname == NULL || want == NULL || fields == 0 ||
	    strlen(ifname) >= VS_CFG_IFNAME_MAX)
		return -EINVAL;
	nlh = put_link_header(buf, size, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, seq, ifname);
	if (nlh == NULL)
		return -ENOSPC;
	rc = put_vf_fields(nlh, size, want, fields);
	if (rc < 0)
		return rc;
	return (int)nlh->nlmsg_len;
}

int
vs_vf_nl_build_getlink(void *buf, size_t size, uint32_t seq, const char *ifname)
{
	struct nlmsghdr *nlh;

	if (buf == NULL || ifname == NULL || strlen(ifname) >= VS_CFG_IFNAME_MAX)
		return -EINVAL;
	nlh = put_link_header(buf, size, RTM_GETLINK, NLM_F_REQUEST, seq, ifname);
	if (nlh == NULL || !mnl_attr_put_u32_check(nlh, size, IFLA_EXT_MASK,
						   RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS))
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

/* ---- parsing ---- */

struct vf_parse {
	struct vs_vf_hw *hw;
	int err;
};

static int
parse_vlan_list_cb(const struct nlattr *a, void *data)
{
	struct vf_parse *p = data;
	const struct ifla_vf_vlan_info *v;

	if (mnl_attr_get_type(a) != IFLA_VF_VLAN_INFO)
		return MNL_CB_OK;
	if (mnl_attr_get_payload_len(a) < sizeof(*v)) {
		p->err = -EINVAL;
		return MNL_CB_ERROR;
	}
	v = mnl_attr_get_payload(a);
	/* The first entry is the outer (and today the only) VLAN. */
	if (!(p->hw->known & VS_VF_BIT(VS_VF_F_VLAN)) || p->hw->vlan_proto == 0) {
		p->hw->vlan = (uint16_t)v->vlan;
		p->hw->qos = (uint8_t)v->qos;
		p->hw->vlan_proto = ntohs(v->vlan_proto);
		p->hw->known |= VS_VF_BIT(VS_VF_F_VLAN);
	}
	return MNL_CB_OK;
}

static bool
attr_fits(const struct nlattr *a, size_t need, struct vf_parse *p)
{
	if (mnl_attr_get_payload_len(a) >= need)
		return true;
	p->err = -EINVAL;
	return false;
}

static int
parse_vf_cb(const struct nlattr *a, void *data)
{
	struct vf_parse *p = data;
	struct vs_vf_hw *hw = p->hw;

	switch (mnl_attr_get_type(a)) {
	case IFLA_VF_MAC: {
		const struct ifla_vf_mac *m = mnl_attr_get_payload(a);

		if (!attr_fits(a, sizeof(*m), p))
			return MNL_CB_ERROR;
		hw->vf = (uint16_t)m->vf;
		memcpy(hw->mac, m->mac, 6);
		hw->known |= VS_VF_BIT(VS_VF_F_MAC);
		break;
	}
	case IFLA_VF_VLAN: {
		const struct ifla_vf_vlan *v = mnl_attr_get_payload(a);

		if (!attr_fits(a, sizeof(*v), p))
			return MNL_CB_ERROR;
		hw->vf = (uint16_t)v->vf;
		/* Legacy form, 802.1Q only; IFLA_VF_VLAN_LIST (if present) wins. */
		if (!(hw->known & VS_VF_BIT(VS_VF_F_VLAN))) {
			hw->vlan = (uint16_t)v->vlan;
			hw->qos = (uint8_t)v->qos;
			hw->vlan_proto = 0;
			hw->known |= VS_VF_BIT(VS_VF_F_VLAN);
		}
		break;
	}
	case IFLA_VF_VLAN_LIST: {
		uint16_t proto_before = hw->vlan_proto;

		/* Let the list override a legacy IFLA_VF_VLAN seen first. */
		if (hw->known & VS_VF_BIT(VS_VF_F_VLAN))
			hw->vlan_proto = 0;
		if (mnl_attr_parse_nested(a, parse_vlan_list_cb, p) < 0 && p->err == 0)
			p->err = -EINVAL;
		if (hw->vlan_proto == 0)
			hw->vlan_proto = proto_before;
		if (p->err)
			return MNL_CB_ERROR;
		break;
	}
	case IFLA_VF_SPOOFCHK: {
		const struct ifla_vf_spoofchk *s = mnl_attr_get_payload(a);

		if (!attr_fits(a, sizeof(*s), p))
			return MNL_CB_ERROR;
		hw->vf = (uint16_t)s->vf;
		/* The kernel reports (u32)-1 when the driver does not say. */
		if (s->setting <= 1) {
			hw->spoofchk = (uint8_t)s->setting;
			hw->known |= VS_VF_BIT(VS_VF_F_SPOOFCHK);
		}
		break;
	}
	case IFLA_VF_TRUST: {
		const struct ifla_vf_trust *t = mnl_attr_get_payload(a);

		if (!attr_fits(a, sizeof(*t), p))
			return MNL_CB_ERROR;
		hw->vf = (uint16_t)t->vf;
		if (t->setting <= 1) {
			hw->trust = (uint8_t)t->setting;
			hw->known |= VS_VF_BIT(VS_VF_F_TRUST);
		}
		break;
	}
	case IFLA_VF_LINK_STATE: {
		const struct ifla_vf_link_state *l = mnl_attr_get_payload(a);

		if (!attr_fits(a, sizeof(*l), p))
			return MNL_CB_ERROR;
		hw->vf = (uint16_t)l->vf;
		if (l->link_state <= IFLA_VF_LINK_STATE_DISABLE) {
			hw->link_state = (uint8_t)l->link_state;
			hw->known |= VS_VF_BIT(VS_VF_F_LINK_STATE);
		}
		break;
	}
	case IFLA_VF_RATE: {
		const struct ifla_vf_rate *r = mnl_attr_get_payload(a);

		if (!attr_fits(a, sizeof(*r), p))
			return MNL_CB_ERROR;
		hw->vf = (uint16_t)r->vf;
		hw->min_tx_rate = r->min_tx_rate;
		hw->max_tx_rate = r->max_tx_rate;
		hw->known |= VS_VF_BIT(VS_VF_F_RATE);
		break;
	}
	default:
		break;
	}
	return MNL_CB_OK;
}

struct link_parse {
	struct vs_vf_hw *vfs;
	uint16_t max;
	uint16_t n;
	int num_vfs;
	int err;
};

static int
parse_vfinfo_cb(const struct nlattr *a, void *data)
{
	struct link_parse *lp = data;
	struct vf_parse p;

	if (mnl_attr_get_type(a) != IFLA_VF_INFO)
		return MNL_CB_OK;
	if (lp->n >= lp->max) {
		lp->err = -ENOSPC;
		return MNL_CB_ERROR;
	}
	p.hw = &lp->vfs[lp->n];
	memset(p.hw, 0, sizeof(*p.hw));
	p.err = 0;
	if (mnl_attr_parse_nested(a, parse_vf_cb, &p) < 0 || p.err) {
		lp->err = p.err ? p.err : -EINVAL;
		return MNL_CB_ERROR;
	}
	lp->n++;
	return MNL_CB_OK;
}

static int
parse_link_cb(const struct nlattr *a, void *data)
{
	struct link_parse *lp = data;

	if (mnl_attr_type_valid(a, IFLA_MAX) < 0)
		return MNL_CB_OK;
	switch (mnl_attr_get_type(a)) {
	case IFLA_NUM_VF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0) {
			lp->err = -EINVAL;
			return MNL_CB_ERROR;
		}
		lp->num_vfs = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_VFINFO_LIST:
		if (mnl_attr_parse_nested(a, parse_vfinfo_cb, lp) < 0) {
			if (lp->err == 0)
				lp->err = -EINVAL;
			return MNL_CB_ERROR;
		}
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

int
vs_vf_nl_parse_link(const struct nlmsghdr *nlh, struct vs_vf_hw *vfs, uint16_t max, uint16_t *n,
		    int *num_vfs)
{
	struct link_parse lp = {.vfs = vfs, .max = max, .num_vfs = -1};

	if (nlh == NULL || n == NULL ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct ifinfomsg)))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(struct ifinfomsg), parse_link_cb, &lp) < 0 && lp.err == 0)
		lp.err = -EINVAL;
	*n = lp.n;
	if (num_vfs != NULL)
		*num_vfs = lp.num_vfs;
	return lp.err;
}

/* ---- transport ---- */

static int
nl_send(struct nl_priv *p, const void *msg, size_t len)
{
	ssize_t r;

	do {
		r = send(p->fd, msg, len, 0);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if ((size_t)r != len)
		return -EIO;
	return 0;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Extended ack text (NLMSGERR_ATTR_MSG), if the answer carries one. */
static void
nl_errmsg(const struct nlmsghdr *nlh, char *buf, size_t size)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *attr;
	size_t plen = mnl_nlmsg_get_payload_len(nlh);

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	off = MNL_ALIGN(off);
	if (off >= plen)
		return;
	mnl_attr_for_each_payload((const void *)((const uint8_t *)e + off), plen - off)
	{
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			snprintf(buf, size, "%s", mnl_attr_get_str(attr));
			return;
		}
	}
}

/*
 * Wait for the answer to seq. An NLMSG_ERROR gives its code (0 = ack);
 * otherwise a message of type want is copied into p->buf and 0 returned.
 */
static int
nl_recv(struct vs_vf_backend *be, struct nl_priv *p, uint32_t seq, uint16_t want,
	const struct nlmsghdr **out)
{
	uint64_t end = mono_ms() + p->timeout_ms;

	for (;;) {
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
		uint64_t now = mono_ms();
		const struct nlmsghdr *nlh;
		ssize_t r;
		int len;

		if (now >= end)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)(end - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		r = recv(p->fd, p->buf, NL_BUF_SIZE, MSG_TRUNC);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		if (r > NL_BUF_SIZE)
			return -EMSGSIZE; /* MSG_TRUNC: r is the real length */
		len = (int)r;
		for (nlh = (const struct nlmsghdr *)p->buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq)
				continue; /* stale answer to an earlier, timed-out request */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
					return -EBADMSG;
				if (e->error != 0)
					nl_errmsg(nlh, be->errmsg, sizeof(be->errmsg));
				return e->error > 0 ? -e->error : e->error;
			}
			if (nlh->nlmsg_type == want) {
				*out = nlh;
				return 0;
			}
		}
	}
}

static int
nl_read(struct vs_vf_backend *be, struct vs_vf_hw *vfs, uint16_t max, uint16_t *n, int *num_vfs)
{
	struct nl_priv *p = be->priv;
	const struct nlmsghdr *nlh = NULL;
	uint8_t req[512];
	uint32_t seq = ++p->seq;
	int len, rc;

	be->errmsg[0] = '\0';
	len = vs_vf_nl_build_getlink(req, sizeof(req), seq, be->pf);
	if (len < 0)
		return len;
	rc = nl_send(p, req, (size_t)len);
	if (rc == 0)
		rc = nl_recv(be, p, seq, RTM_NEWLINK, &nlh);
	if (rc < 0)
		return rc;
	return vs_vf_nl_parse_link(nlh, vfs, max, n, num_vfs);
}

static int
nl_set(struct vs_vf_backend *be, uint16_t vf, enum vs_vf_field f, const struct vs_vf_hw *want)
{
	struct nl_priv *p = be->priv;
	struct vs_vf_hw w = *want;
	uint8_t req[512];
	uint32_t seq = ++p->seq;
	int len, rc;

	be->errmsg[0] = '\0';
	if (f == VS_VF_F_EXTRA_MACS)
		return -ENOTSUP;
	w.vf = vf;
	len = vs_vf_nl_build_setlink(req, sizeof(req), seq, be->pf, &w, VS_VF_BIT(f));
	if (len < 0)
		return len;
	rc = nl_send(p, req, (size_t)len);
	if (rc == 0)
		rc = nl_recv(be, p, seq, NLMSG_ERROR, NULL);
	return rc;
}

static void
nl_destroy(struct vs_vf_backend *be)
{
	struct nl_priv *p;

	if (be == NULL)
		return;
	p = be->priv;
	if (p != NULL) {
		if (p->own_fd && p->fd >= 0)
			close(p->fd);
		free(p->buf);
		free(p);
	}
	free(be);
}

static const struct vs_vf_backend_ops nl_ops = {
    .read = nl_read,
    .set = nl_set,
    .destroy = nl_destroy,
};

struct vs_vf_backend *
vs_vf_nl_backend_create(int fd, bool own_fd, const char *pf, const char *driver,
			uint32_t timeout_ms)
{
	struct vs_vf_backend *be;
	struct nl_priv *p;

	if (fd < 0 || pf == NULL || strlen(pf) >= VS_CFG_IFNAME_MAX) {
		errno = EINVAL;
		return NULL;
	}
	be = calloc(1, sizeof(*be));
	p = calloc(1, sizeof(*p));
	if (be == NULL || p == NULL || (p->buf = malloc(NL_BUF_SIZE)) == NULL) {
		free(p);
		free(be);
		errno = ENOMEM;
		return NULL;
	}
	p->fd = fd;
	p->own_fd = own_fd;
	p->timeout_ms = timeout_ms ? timeout_ms : 1000;
	p->seq = (uint32_t)time(NULL);
	be->ops = &nl_ops;
	be->priv = p;
	snprintf(be->name, sizeof(be->name), "netlink");
	snprintf(be->pf, sizeof(be->pf), "%s", pf);
	snprintf(be->driver, sizeof(be->driver), "%s", driver && *driver ? driver : "?");
	return be;
}

/* Driver name from ETHTOOL_GDRVINFO (netdevs without a sysfs device, e.g. veth). */
static int
ethtool_driver(const char *ifname, char *buf, size_t size)
{
	struct ethtool_drvinfo info;
	struct ifreq ifr;
	int fd, rc = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memset(&info, 0, sizeof(info));
	info.cmd = ETHTOOL_GDRVINFO;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		rc = -errno;
	else
		snprintf(buf, size, "%.*s", (int)sizeof(info.driver), info.driver);
	close(fd);
	return rc;
}

struct vs_vf_backend *
vs_vf_nl_backend_open(const char *pf, const char *sysfs_root)
{
	struct vs_vf_backend *be;
	char devdir[256], drv[32] = "?";
	int fd, one = 1;

	if (pf == NULL) {
		errno = EINVAL;
		return NULL;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return NULL;
	/* Kernel error text (extack) with the error, where the kernel has one. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	devdir[0] = '\0';
	if (vs_vf_sysfs_netdev_devdir(sysfs_root, pf, devdir, sizeof(devdir)) == 0 &&
	    vs_vf_sysfs_link_name(devdir, "driver", drv, sizeof(drv)) == 0) {
		/* found in sysfs */
	} else if (ethtool_driver(pf, drv, sizeof(drv)) < 0) {
		snprintf(drv, sizeof(drv), "?");
	}
	be = vs_vf_nl_backend_create(fd, true, pf, drv, 1000);
	if (be == NULL) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	/* Only a PF with a device in sysfs can have its VF count managed. */
	if (devdir[0] != '\0' && access(devdir, F_OK) == 0)
		snprintf(be->devdir, sizeof(be->devdir), "%s", devdir);
	return be;
}
