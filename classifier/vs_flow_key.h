/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow key: what the classifier matches on, extracted from a packet.
 *
 * One cache line, eight 64-bit words, so masking, hashing and comparing are
 * word loops with no per-field branches. Every field not present in a packet
 * is zero (an untagged frame has vlan_tci == 0, a non-IP frame has zero
 * addresses, and so on), so "field == 0 under a full mask" matches absence.
 */
#ifndef VS_FLOW_KEY_H
#define VS_FLOW_KEY_H

#include <stdint.h>
#include <string.h>

#define VS_FLOW_KEY_WORDS 8

/* vlan_tci: PCP(3) | present(1) | VID(12), host order. The present bit sits
 * where the DEI/CFI bit is on the wire (as OVS does); DEI is not matchable. */
#define VS_VLAN_PRESENT	  0x1000
#define VS_VLAN_VID_MASK  0x0fff
#define VS_VLAN_PCP_SHIFT 13

/* ip_frag values */
#define VS_FRAG_NONE  0 /* not a fragment (or not IP) */
#define VS_FRAG_FIRST 1 /* offset 0, more fragments: has L4 header */
#define VS_FRAG_LATER 2 /* offset > 0: no L4 header, ports are zero */

/* eth_type of an 802.3 frame (EtherType field < 0x0600 is a length), as OVS
 * does, so that a parsed frame never has eth_type 0. */
#define VS_ETH_TYPE_NONE 0x05ff

struct vs_flow_key {
	/* word 0 */
	uint16_t in_port;  /* switch port id (not the DPDK port id) */
	uint16_t vlan_tci; /* outer VLAN, see VS_VLAN_*; 0 when untagged */
	uint16_t eth_type; /* host order; the type after the outer VLAN tag */
	uint8_t ip_proto;  /* IPv4 protocol / IPv6 final next header */
	uint8_t ip_dscp;   /* DSCP (tos >> 2), 0..63 */
	/* words 1-2 */
	uint8_t eth_dst[6];
	uint8_t eth_src[6];
	uint16_t l4_src; /* host order; ICMP/ICMPv6 type */
	uint16_t l4_dst; /* host order; ICMP/ICMPv6 code */
	/* words 3-6: IPv4 addresses use the first 4 bytes, network order */
	uint8_t ip_src[16];
	uint8_t ip_dst[16];
	/* word 7 */
	uint8_t ip_frag;    /* VS_FRAG_* */
	uint8_t tun_id[3];  /* received on a vxlan port: its VNI (network order); else 0 */
	uint8_t tun_src[4]; /* ... and the sending VTEP, when IPv4 (network order); else 0 */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct vs_flow_key) == 64, "flow key must be one cache line");

/*
 * A key seen as VS_FLOW_KEY_WORDS words, as the classifier masks, hashes and
 * compares it, while the parser and callers write its fields. C's aliasing
 * rules let a compiler move a uint64_t access across a uint16_t store to the
 * same bytes (a word read after the field writes could see the memset
 * before them); may_alias makes word accesses alias every type. Keep the
 * returned pointer in a vs_flow_word_t pointer: a plain uint64_t pointer
 * loses the attribute.
 */
typedef uint64_t vs_flow_word_t __attribute__((__may_alias__));

static inline const vs_flow_word_t *
vs_flow_key_words(const struct vs_flow_key *k)
{
	return (const vs_flow_word_t *)(const void *)k;
}

static inline vs_flow_word_t *
vs_flow_key_words_rw(struct vs_flow_key *k)
{
	return (vs_flow_word_t *)(void *)k;
}

/*
 * Parse outcome per packet: X(NAME, "name", "one-line description").
 * VS_PARSE_OK forwards; every other outcome is a malformed packet the pipeline
 * drops and counts under the name given here (the pipeline's drop reasons
 * include these strings and descriptions).
 */
#define VS_PARSE_OUTCOMES(X)                                                                       \
	X(OK, "ok", "Parsed.")                                                                     \
	X(RUNT, "malformed_runt", "Malformed: shorter than an Ethernet header.")                   \
	X(VLAN_TRUNC, "malformed_vlan", "Malformed: VLAN tag cut short.")                          \
	X(IPV4_TRUNC, "malformed_ipv4_trunc", "Malformed: IPv4 header cut short.")                 \
	X(IPV4_VERSION, "malformed_ipv4_version", "Malformed: IPv4 ethertype, version not 4.")     \
	X(IPV4_IHL, "malformed_ipv4_ihl", "Malformed: IPv4 IHL below 5 or beyond the frame.")      \
	X(IPV4_LEN, "malformed_ipv4_len", "Malformed: IPv4 total length bad.")                     \
	X(IPV6_TRUNC, "malformed_ipv6_trunc", "Malformed: IPv6 fixed header cut short.")           \
	X(IPV6_LEN, "malformed_ipv6_len", "Malformed: IPv6 payload beyond the frame.")             \
	X(IPV6_EXTHDR, "malformed_ipv6_exthdr",                                                    \
	  "Malformed: bad or too long IPv6 extension chain.")                                      \
	X(L4_TRUNC, "malformed_l4_trunc", "Malformed: TCP/UDP/SCTP/ICMP header cut short.")

enum vs_parse_outcome {
#define VS_PARSE_ENUM_(name, str, help) VS_PARSE_##name,
	VS_PARSE_OUTCOMES(VS_PARSE_ENUM_)
#undef VS_PARSE_ENUM_
	    VS_PARSE_MAX
};

/* Name of a parse outcome ("ok", "malformed_runt", ...). */
const char *vs_parse_outcome_str(enum vs_parse_outcome o);

/*
 * Write a key as text ("in_port=1 vlan=100,pcp=3 eth_dst=... eth_type=0x0800
 * ip_src=10.0.0.1 ... l4_dst=80"; absent fields are left out) for logs, the
 * ctl dump and test messages. Returns 0, -ENOSPC when truncated (buf still
 * terminated) or -EINVAL.
 */
int vs_flow_key_format(const struct vs_flow_key *k, char *buf, size_t size);

#endif /* VS_FLOW_KEY_H */
