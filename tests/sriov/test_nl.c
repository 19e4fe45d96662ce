/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The netlink requests the backend builds, decoded again field by field by
 * an independent libmnl decoder (peer.c), and the backend's parser fed with
 * RTM_NEWLINK messages laid out like the kernel's.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "peer.h"
#include "vs_vf_backend.h"

static struct vs_vf_hw
sample(void)
{
	struct vs_vf_hw w;

	memset(&w, 0, sizeof(w));
	w.vf = 3;
	memcpy(w.mac, "\x52\x54\x00\xaa\x00\x03", 6);
	w.vlan = 100;
	w.qos = 5;
	w.vlan_proto = 0x88a8;
	w.spoofchk = 0;
	w.trust = 1;
	w.link_state = 2;
	w.min_tx_rate = 100;
	w.max_tx_rate = 2500;
	return w;
}

Test(sriov_nl, each_field_alone_round_trips)
{
	struct vs_vf_hw w = sample(), got;
	uint8_t buf[512];
	char ifname[16];
	uint32_t fields, n_infos;
	int f, len;

	for (f = 0; f < VS_VF_F_EXTRA_MACS; f++) {
		len = vs_vf_nl_build_setlink(buf, sizeof(buf), 77 + f, "ens1f0", &w, VS_VF_BIT(f));
		cr_assert_gt(len, 0, "field %s", vs_vf_field_str(f));
		const struct nlmsghdr *nlh = (const void *)buf;

		cr_assert_eq(nlh->nlmsg_type, RTM_SETLINK);
		cr_assert_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
		cr_assert_eq(nlh->nlmsg_seq, 77u + f);
		cr_assert_eq(((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index, 0);
		cr_assert_eq(peer_decode_setlink(buf, (size_t)len, ifname, sizeof(ifname), &got,
						 &fields, &n_infos),
			     0);
		cr_assert_str_eq(ifname, "ens1f0");
		cr_assert_eq(n_infos, 1u);
		cr_assert_eq(fields, VS_VF_BIT(f), "field %s: decoded mask %#x", vs_vf_field_str(f),
			     fields);
		cr_assert_eq(got.vf, 3);
		switch (f) {
		case VS_VF_F_MAC:
			cr_assert_arr_eq(got.mac, w.mac, 6);
			break;
		case VS_VF_F_VLAN:
			cr_assert_eq(got.vlan, 100);
			cr_assert_eq(got.qos, 5);
			cr_assert_eq(got.vlan_proto, 0x88a8);
			break;
		case VS_VF_F_SPOOFCHK:
			cr_assert_eq(got.spoofchk, 0);
			break;
		case VS_VF_F_TRUST:
			cr_assert_eq(got.trust, 1);
			break;
		case VS_VF_F_LINK_STATE:
			cr_assert_eq(got.link_state, IFLA_VF_LINK_STATE_DISABLE);
			break;
		case VS_VF_F_RATE:
			cr_assert_eq(got.min_tx_rate, 100);
			cr_assert_eq(got.max_tx_rate, 2500);
			break;
		}
	}
}

Test(sriov_nl, all_fields_in_one_request)
{
	struct vs_vf_hw w = sample(), got;
	uint8_t buf[512];
	char ifname[16];
	uint32_t fields, n_infos, all = 0;
	int f, len;

	for (f = 0; f < VS_VF_F_MAX; f++)
		all |= VS_VF_BIT(f);
	len = vs_vf_nl_build_setlink(buf, sizeof(buf), 1, "p1p1", &w, all);
	cr_assert_gt(len, 0);
	cr_assert_eq(
	    peer_decode_setlink(buf, (size_t)len, ifname, sizeof(ifname), &got, &fields, &n_infos),
	    0);
	/* EXTRA_MACS is not a netlink field: it is silently not encoded. */
	cr_assert_eq(fields, all & ~VS_VF_BIT(VS_VF_F_EXTRA_MACS));
	cr_assert_arr_eq(got.mac, w.mac, 6);
	cr_assert_eq(got.vlan_proto, 0x88a8);
	cr_assert_eq(got.max_tx_rate, 2500);

	/* And the backend's own parser reads the same request back. */
	struct vs_vf_hw back[4];
	uint16_t n;
	int num;

	cr_assert_eq(vs_vf_nl_parse_link((const void *)buf, back, 4, &n, &num), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(num, -1);
	for (f = 0; f < VS_VF_F_EXTRA_MACS; f++)
		cr_assert(vs_vf_hw_field_eq(&back[0], &w, f), "%s", vs_vf_field_str(f));
}

Test(sriov_nl, vlan_defaults_to_8021q)
{
	struct vs_vf_hw w = sample(), got;
	uint8_t buf[512];
	char ifname[16];
	uint32_t fields, n_infos;
	int len;

	w.vlan_proto = 0;
	len = vs_vf_nl_build_setlink(buf, sizeof(buf), 1, "p1p1", &w, VS_VF_BIT(VS_VF_F_VLAN));
	cr_assert_gt(len, 0);
	peer_decode_setlink(buf, (size_t)len, ifname, sizeof(ifname), &got, &fields, &n_infos);
	cr_assert_eq(got.vlan_proto, 0x8100);
}

Test(sriov_nl, build_refuses_bad_input)
{
	struct vs_vf_hw w = sample();
	uint8_t buf[512];

	cr_assert_eq(vs_vf_nl_build_setlink(buf, sizeof(buf), 1, "p1p1", &w, 0), -EINVAL);
	cr_assert_eq(
	    vs_vf_nl_build_setlink(buf, sizeof(buf), 1, "p1p1", &w, VS_VF_BIT(VS_VF_F_EXTRA_MACS)),
	    -EINVAL);
	cr_assert_eq(vs_vf_nl_build_setlink(buf, sizeof(buf), 1, "a_name_longer_than_15", &w,
					    VS_VF_BIT(VS_VF_F_MAC)),
		     -EINVAL);
	cr_assert_eq(vs_vf_nl_build_setlink(buf, 40, 1, "p1p1", &w, VS_VF_BIT(VS_VF_F_MAC)),
		     -ENOSPC);
	cr_assert_eq(vs_vf_nl_build_setlink(buf, 100, 1, "p1p1", &w, 0x3f), -ENOSPC);
}

Test(sriov_nl, getlink_asks_for_vf_info)
{
	uint8_t buf[256];
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nlattr *attr;
	bool name = false, mask = false;
	int len = vs_vf_nl_build_getlink(buf, sizeof(buf), 9, "ens1f0");

	cr_assert_gt(len, 0);
	cr_assert_eq(nlh->nlmsg_type, RTM_GETLINK);
	cr_assert_eq(nlh->nlmsg_flags, NLM_F_REQUEST);
	mnl_attr_for_each(attr, nlh, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(attr) == IFLA_IFNAME) {
			cr_assert_str_eq(mnl_attr_get_str(attr), "ens1f0");
			name = true;
		}
		if (mnl_attr_get_type(attr) == IFLA_EXT_MASK) {
			cr_assert_eq(mnl_attr_get_u32(attr),
				     RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
			mask = true;
		}
	}
	cr_assert(name && mask);
}

Test(sriov_nl, parses_kernel_newlink)
{
	struct vs_vf_hw vfs[3], back[8];
	uint8_t buf[8192];
	uint16_t n;
	int i, num, f;

	memset(vfs, 0, sizeof(vfs));
	for (i = 0; i < 3; i++) {
		vfs[i] = sample();
		vfs[i].vf = (uint16_t)i;
		vfs[i].mac[5] = (uint8_t)i;
		vfs[i].vlan = (uint16_t)(10 * i);
		vfs[i].vlan_proto = i == 2 ? 0x88a8 : 0x8100;
	}
	cr_assert_gt(peer_build_newlink(buf, sizeof(buf), 5, "ens1f0", vfs, 3, true), 0);
	cr_assert_eq(vs_vf_nl_parse_link((const void *)buf, back, 8, &n, &num), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(num, 3);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(back[i].vf, i);
		for (f = 0; f < VS_VF_F_EXTRA_MACS; f++) {
			cr_assert(back[i].known & VS_VF_BIT(f), "VF %d %s", i, vs_vf_field_str(f));
			cr_assert(vs_vf_hw_field_eq(&back[i], &vfs[i], f), "VF %d %s", i,
				  vs_vf_field_str(f));
		}
	}
	/* The VLAN list (with 802.1ad) wins over the legacy IFLA_VF_VLAN. */
	cr_assert_eq(back[2].vlan_proto, 0x88a8);

	/* A driver that does not report trust: the kernel sends (u32)-1. */
	cr_assert_gt(peer_build_newlink(buf, sizeof(buf), 5, "ens1f0", vfs, 3, false), 0);
	cr_assert_eq(vs_vf_nl_parse_link((const void *)buf, back, 8, &n, &num), 0);
	cr_assert_not(back[0].known & VS_VF_BIT(VS_VF_F_TRUST));

	/* Not enough room: -ENOSPC, not an overflow. */
	cr_assert_eq(vs_vf_nl_parse_link((const void *)buf, back, 2, &n, &num), -ENOSPC);
}

Test(sriov_nl, parser_rejects_truncated_attributes)
{
	uint8_t buf[512];
	struct nlmsghdr *nlh;
	struct nlattr *list, *info;
	struct vs_vf_hw back[2];
	uint32_t short_mac = 1;
	uint16_t n;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	list = mnl_attr_nest_start(nlh, IFLA_VFINFO_LIST);
	info = mnl_attr_nest_start(nlh, IFLA_VF_INFO);
	mnl_attr_put(nlh, IFLA_VF_MAC, sizeof(short_mac), &short_mac);
	mnl_attr_nest_end(nlh, info);
	mnl_attr_nest_end(nlh, list);
	cr_assert_eq(vs_vf_nl_parse_link(nlh, back, 2, &n, NULL), -EINVAL);
}
