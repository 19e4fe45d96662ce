/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Named drop reasons of the pipeline: X(NAME, "name", "one-line description").
 * One X-macro generates the enum, the names and the descriptions (the
 * OpenMetrics HELP text and the ctl help of each reason); every per-worker drop counter is indexed
 * by enum vs_drop_reason.
 *
 * The first VS_PARSE_MAX values mirror the flow-key parse outcomes one to one
 * (VS_DROP_PARSE_<X> == VS_PARSE_<X>), so a malformed packet is counted with
 * drops[outcome] and no translation table. Value 0 (parse outcome "ok") is not
 * a drop; it is named VS_DROP_NONE and never counted.
 */
#ifndef VS_DROP_H
#define VS_DROP_H

#include "vs_flow_key.h"

#define VS_DROP_REASONS(X)                                                                         \
	X(NO_RULE, "no_rule", "Classifier miss: no rule matched (default drop).")                  \
	X(RULE_DROP, "rule_drop", "The matching rule's action is drop.")                           \
	X(NO_OUTPUT, "no_output", "The matching rule's actions output nowhere.")                   \
	X(TX_FULL, "tx_full", "Output tx ring still full after retries.")                          \
	X(PORT_DOWN, "port_down", "Output port not ready.")                                        \
	X(HAIRPIN, "hairpin", "Output to the input port.")                                         \
	X(NO_MBUF, "no_mbuf", "No mbuf for a copy (flood or several outputs).")                    \
	X(VLAN_PUSH_FAILED, "vlan_push_failed", "No headroom to push the VLAN tag.")               \
	X(BAD_PORT, "bad_port", "An action names a port that is gone.")                            \
	X(VHOST_NOT_READY, "vhost_not_ready", "vhost output with no guest device.")                \
	X(VHOST_TX_FULL, "vhost_tx_full", "Guest rx ring full or disabled.")                       \
	X(TO_CONTROLLER_FULL, "to_controller_full",                                                \
	  "Packet-in ring to the control thread full (OpenFlow controller path).")                 \
	X(L2_VLAN_DISALLOWED, "l2_vlan_disallowed",                                                \
	  "normal: frame tagged with a VLAN its input port does not carry.")                       \
	X(L2_SAME_PORT, "l2_same_port", "normal: the destination was learned on the input port.")  \
	X(LINK_DOWN, "link_down", "Output port ready but its link is down (last link poll).")      \
	X(HDR_SPLIT, "hdr_split",                                                                  \
	  "Multi-segment frame whose Ethernet/VLAN header straddles segments and does not fit "    \
	  "the first one's room.")                                                                 \
	X(OFFLOAD_FAILED, "offload_failed",                                                        \
	  "Software TSO / checksum of a guest's packet failed (no segment mbufs, headers past "    \
	  "the first segment, or the device refused the request).")                                \
	X(TUN_NO_NEIGHBOUR, "tun_no_neighbour",                                                    \
	  "vxlan encap: the remote VTEP's next-hop MAC is not resolved yet (ARP / ND sent).")      \
	X(TUN_NO_HEADROOM, "tun_no_headroom",                                                      \
	  "vxlan encap: no headroom for the outer headers, or a shared mbuf.")                     \
	X(TUN_SHORT, "tun_short", "vxlan decap: frame to the local VTEP cut short.")               \
	X(TUN_BAD_HEADER, "tun_bad_header",                                                        \
	  "vxlan decap: bad outer IPv4 header or checksum, a fragment, or the VXLAN I flag "       \
	  "unset.")                                                                                \
	X(TUN_BAD_VNI, "tun_bad_vni", "vxlan decap: no vxlan port of that VNI on the underlay.")   \
	X(TUN_UNKNOWN_REMOTE, "tun_unknown_remote",                                                \
	  "vxlan decap: the sender is not a remote_ip of the VNI's port.")                         \
	X(TUN_CTL_FULL, "tun_ctl_full",                                                            \
	  "ARP / ND for the local VTEP: ring to the control thread full.")

enum vs_drop_reason {
#define VS_DROP_PARSE_ENUM_(name, str, help) VS_DROP_PARSE_##name = VS_PARSE_##name,
	VS_PARSE_OUTCOMES(VS_DROP_PARSE_ENUM_)
#undef VS_DROP_PARSE_ENUM_
#define VS_DROP_ENUM_(name, str, help) VS_DROP_##name,
	    VS_DROP_REASONS(VS_DROP_ENUM_)
#undef VS_DROP_ENUM_
		VS_DROP_MAX
};

#define VS_DROP_NONE VS_DROP_PARSE_OK
/* First value that is a real drop reason. */
#define VS_DROP_FIRST (VS_DROP_NONE + 1)

/* Name of a drop reason ("no_rule", "malformed_runt", ...); "none" for
 * VS_DROP_NONE, "unknown" out of range. */
const char *vs_drop_reason_str(enum vs_drop_reason r);
/* One-line description of a drop reason; "" for VS_DROP_NONE or out of range. */
const char *vs_drop_reason_help(enum vs_drop_reason r);

#endif /* VS_DROP_H */
