/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch-ctl trace, like OVS's ofproto/trace: what the switch would do
 * with one frame. The frame, built from match-syntax fields or given in hex,
 * goes into an mbuf of the switch's pool, through the workers' parser
 * (vs_flow_extract_burst) and a lookup in the live classifier through the
 * daemon's own classifier context (no EMC; its lookups are no worker's),
 * and the winning rule's compiled actions are walked the way the worker
 * runs them, on a copy of the frame's header. Nothing is sent; the mbuf is
 * freed before the reply.
 *
 * Control thread only. It is the classifier's single writer, so the rule a
 * lookup returns stays valid without QSBR until this thread changes rules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "vs_action.h"
#include "vs_ctl.h"
#include "vs_drop.h"
#include "vs_flow_dp.h"

#define TRACE_MIN_FRAME 60 /* Ethernet minimum without FCS: built frames are padded */
#define TRACE_MAX_FRAME 1518
#define TRACE_HDR_ROOM	(4 * VS_CFG_MAX_ACTIONS) /* push_vlan growth of the header copy */
#define TRACE_HDR_COPY	64			 /* header bytes the actions' walk works on */

#define TRACE_FIELDS                                                                               \
	"in_port, eth_src, eth_dst, eth_type, vlan, vlan_pcp, ip_src, ip_dst, ip_proto, "          \
	"ip_dscp, l4_src, l4_dst, icmp_type, icmp_code, hex"

/* The frame the arguments describe. */
struct trace_frame {
	int in_port; /* switch port id; -1 until given */
	uint8_t eth_src[6], eth_dst[6];
	int eth_type; /* -1: from the IP family (IPv4 when none) */
	int vid;      /* -1: untagged */
	int pcp;      /* -1: 0 */
	int family;   /* 0 unknown, 4, 6 */
	bool has_src, has_dst;
	uint8_t ip_src[16], ip_dst[16];
	int ip_proto, ip_dscp;	  /* -1: absent */
	int l4_src, l4_dst;	  /* -1: absent */
	int icmp_type, icmp_code; /* -1: absent */
	const char *fields[16];	  /* given, for "hex goes with in_port only" */
	unsigned n_fields;
	uint8_t *hex; /* hex=: the whole frame (malloc'd) */
	size_t hex_len;
};

#define ERR(...)                                                                                   \
	do {                                                                                       \
		snprintf(msg, size, "trace: " __VA_ARGS__);                                        \
		return -EINVAL;                                                                    \
	} while (0)

/* A whole-string unsigned number (decimal or 0x hex) no larger than max. */
static bool
num(const char *s, unsigned long max, int *out)
{
	unsigned long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = (int)v;
	return true;
}

static const char *
port_names(struct vs_switch *sw, char *buf, size_t size)
{
	size_t off = 0;
	uint16_t id;

	buf[0] = '\0';
	for (id = 0; id < VS_PORT_MAX && off < size; id++) {
		const struct vs_port *p = vs_switch_port(sw, id);

		if (p != NULL)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? ", " : "",
						p->name);
	}
	return buf;
}

static int
set_family(struct trace_frame *f, int family, const char *field, char *msg, size_t size)
{
	if (f->family != 0 && f->family != family)
		ERR("%s: an IPv%d value, but the frame is IPv%d by the fields before it", field,
		    family, f->family);
	f->family = family;
	return 0;
}

static int
parse_addr(struct trace_frame *f, const char *field, const char *v, uint8_t *out, char *msg,
	   size_t size)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, v, out) == 1)
		return set_family(f, 4, field, msg, size);
	if (inet_pton(AF_INET6, v, out) == 1)
		return set_family(f, 6, field, msg, size);
	ERR("%s: '%s' is not an IP address; expected an IPv4 or IPv6 address (no prefix)", field,
	    v);
}

static int
parse_hex(struct trace_frame *f, const char *v, char *msg, size_t size)
{
	size_t len = strlen(v), i;

	if (len == 0 || len % 2 != 0)
		ERR("hex: %zu digits; expected an even number of hex digits, two per byte", len);
	if (len / 2 > TRACE_MAX_FRAME)
		ERR("hex: %zu bytes; expected at most %u", len / 2, TRACE_MAX_FRAME);
	free(f->hex);
	f->hex = malloc(len / 2);
	if (f->hex == NULL)
		ERR("out of memory");
	for (i = 0; i < len; i++) {
		char c = v[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;

		if (d < 0)
			ERR("hex: '%c' at digit %zu is not a hex digit; expected 0-9 and a-f", c,
			    i + 1);
		if (i % 2 == 0)
			f->hex[i / 2] = (uint8_t)(d << 4);
		else
			f->hex[i / 2] |= (uint8_t)d;
	}
	f->hex_len = len / 2;
	return 0;
}

static int
parse_field(struct trace_frame *f, struct vs_switch *sw, const char *k, const char *v, char *msg,
	    size_t size)
{
	struct rte_ether_addr mac;
	const struct vs_port *p;
	char list[512];
	unsigned i;

	for (i = 0; i < f->n_fields; i++)
		if (strcmp(f->fields[i], k) == 0)
			ERR("%s: given twice", k);
	if (f->n_fields < RTE_DIM(f->fields))
		f->fields[f->n_fields++] = k;
	if (strcmp(k, "in_port") == 0) {
		p = vs_switch_port_by_name(sw, v);
		if (p == NULL)
			ERR("in_port: no port '%s'; expected one of: %s", v,
			    port_names(sw, list, sizeof(list)));
		f->in_port = p->id;
	} else if (strcmp(k, "eth_src") == 0 || strcmp(k, "eth_dst") == 0) {
		if (rte_ether_unformat_addr(v, &mac) < 0)
			ERR("%s: '%s' is not a MAC; expected xx:xx:xx:xx:xx:xx", k, v);
		memcpy(k[4] == 's' ? f->eth_src : f->eth_dst, mac.addr_bytes, 6);
	} else if (strcmp(k, "eth_type") == 0) {
		if (!num(v, 0xffff, &f->eth_type) || f->eth_type < 0x0600)
			ERR("eth_type: '%s'; expected 0x0600..0xffff", v);
		if (f->eth_type == RTE_ETHER_TYPE_IPV4 || f->eth_type == RTE_ETHER_TYPE_IPV6)
			return set_family(f, f->eth_type == RTE_ETHER_TYPE_IPV4 ? 4 : 6, k, msg,
					  size);
	} else if (strcmp(k, "vlan") == 0) {
		if (strcmp(v, "none") == 0)
			f->vid = -1;
		else if (!num(v, 4095, &f->vid))
			ERR("vlan: '%s'; expected 0..4095 or none", v);
	} else if (strcmp(k, "vlan_pcp") == 0) {
		if (!num(v, 7, &f->pcp))
			ERR("vlan_pcp: '%s'; expected 0..7", v);
	} else if (strcmp(k, "ip_src") == 0) {
		f->has_src = true;
		return parse_addr(f, k, v, f->ip_src, msg, size);
	} else if (strcmp(k, "ip_dst") == 0) {
		f->has_dst = true;
		return parse_addr(f, k, v, f->ip_dst, msg, size);
	} else if (strcmp(k, "ip_proto") == 0) {
		static const struct {
			const char *name;
			int proto, family;
		} protos[] = {{"tcp", IPPROTO_TCP, 0},
			      {"udp", IPPROTO_UDP, 0},
			      {"sctp", IPPROTO_SCTP, 0},
			      {"icmp", IPPROTO_ICMP, 4},
			      {"icmpv6", IPPROTO_ICMPV6, 6}};

		for (i = 0; i < RTE_DIM(protos); i++)
			if (strcmp(v, protos[i].name) == 0)
				break;
		if (i < RTE_DIM(protos)) {
			f->ip_proto = protos[i].proto;
			if (protos[i].family != 0)
				return set_family(f, protos[i].family, k, msg, size);
		} else if (!num(v, 255, &f->ip_proto)) {
			ERR("ip_proto: '%s'; expected tcp, udp, icmp, icmpv6, sctp or 0..255", v);
		}
	} else if (strcmp(k, "ip_dscp") == 0) {
		if (!num(v, 63, &f->ip_dscp))
			ERR("ip_dscp: '%s'; expected 0..63", v);
	} else if (strcmp(k, "l4_src") == 0 || strcmp(k, "l4_dst") == 0) {
		if (!num(v, 65535, k[3] == 's' ? &f->l4_src : &f->l4_dst))
			ERR("%s: '%s'; expected a port 0..65535", k, v);
	} else if (strcmp(k, "icmp_type") == 0 || strcmp(k, "icmp_code") == 0) {
		if (!num(v, 255, k[5] == 't' ? &f->icmp_type : &f->icmp_code))
			ERR("%s: '%s'; expected 0..255", k, v);
	} else if (strcmp(k, "hex") == 0) {
		return parse_hex(f, v, msg, size);
	} else {
		ERR("unknown field '%s'; expected one of: %s", k, TRACE_FIELDS);
	}
	return 0;
}

/* Check what the fields say together, as the config loader checks a match. */
static int
check_frame(struct trace_frame *f, char *msg, size_t size)
{
	bool tcpish =
	    f->ip_proto == IPPROTO_TCP || f->ip_proto == IPPROTO_UDP || f->ip_proto == IPPROTO_SCTP;
	bool icmpish = f->ip_proto == IPPROTO_ICMP || f->ip_proto == IPPROTO_ICMPV6;
	unsigned i;

	if (f->in_port < 0)
		ERR("in_port: missing; expected in_port=PORT");
	if (f->hex != NULL) {
		for (i = 0; i < f->n_fields; i++)
			if (strcmp(f->fields[i], "in_port") != 0 &&
			    strcmp(f->fields[i], "hex") != 0)
				ERR("%s: not with hex (hex is the whole frame); expected only "
				    "in_port=PORT hex=FRAME",
				    f->fields[i]);
		return 0;
	}
	if (f->pcp >= 0 && f->vid < 0)
		ERR("vlan_pcp: needs vlan=0..4095 (the frame is untagged)");
	if ((f->l4_src >= 0 || f->l4_dst >= 0) && !tcpish)
		ERR("%s: needs ip_proto tcp, udp or sctp", f->l4_src >= 0 ? "l4_src" : "l4_dst");
	if ((f->icmp_type >= 0 || f->icmp_code >= 0) && !icmpish)
		ERR("%s: needs ip_proto icmp or icmpv6",
		    f->icmp_type >= 0 ? "icmp_type" : "icmp_code");
	if (f->eth_type >= 0 && f->family == 0 &&
	    (f->has_src || f->has_dst || f->ip_proto >= 0 || f->ip_dscp >= 0))
		ERR("eth_type: 0x%04x is not IP, but IP fields are given; expected 0x0800 or "
		    "0x86dd",
		    (unsigned)f->eth_type);
	if (f->family == 0 && f->eth_type < 0)
		f->family = 4;
	if (f->family == 4 && f->ip_proto == IPPROTO_ICMPV6)
		ERR("ip_proto: icmpv6 in an IPv4 frame; expected icmp");
	if (f->family == 6 && f->ip_proto == IPPROTO_ICMP)
		ERR("ip_proto: icmp in an IPv6 frame; expected icmpv6");
	return 0;
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The frame's bytes into buf (at least TRACE_MAX_FRAME); its length. */
static size_t
build_frame(const struct trace_frame *f, uint8_t *buf)
{
	size_t len = 12, l3, l4size = 0;
	int proto = f->ip_proto;
	uint8_t *l4;

	if (f->hex != NULL) {
		memcpy(buf, f->hex, f->hex_len);
		return f->hex_len;
	}
	memset(buf, 0, TRACE_MAX_FRAME);
	memcpy(buf, f->eth_dst, 6);
	memcpy(buf + 6, f->eth_src, 6);
	if (f->vid >= 0) {
		put16(buf + len, RTE_ETHER_TYPE_VLAN);
		put16(buf + len + 2, (unsigned)(f->pcp > 0 ? f->pcp : 0) << 13 | (unsigned)f->vid);
		len += 4;
	}
	put16(buf + len, f->family == 4	  ? RTE_ETHER_TYPE_IPV4
			 : f->family == 6 ? RTE_ETHER_TYPE_IPV6
					  : (unsigned)f->eth_type);
	len += 2;
	l3 = len;
	if (f->family == 0)
		return TRACE_MIN_FRAME;
	if (proto < 0)
		proto = f->family == 4 ? 0 : 59; /* no L4: IPv6 "no next header" */
	switch (proto) {
	case IPPROTO_TCP:
		l4size = 20;
		break;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4size = 8;
		break;
	case IPPROTO_SCTP:
		l4size = 12;
		break;
	default:
		break;
	}
	if (f->family == 4) {
		uint8_t *h = buf + l3;

		h[0] = 0x45;
		h[1] = (uint8_t)((f->ip_dscp > 0 ? f->ip_dscp : 0) << 2);
		put16(h + 2, (unsigned)(20 + l4size));
		h[8] = 64;
		h[9] = (uint8_t)proto;
		memcpy(h + 12, f->ip_src, 4);
		memcpy(h + 16, f->ip_dst, 4);
		put16(h + 10, rte_be_to_cpu_16(rte_ipv4_cksum((const struct rte_ipv4_hdr *)h)));
		len += 20;
	} else {
		uint8_t *h = buf + l3;
		unsigned tc = (unsigned)(f->ip_dscp > 0 ? f->ip_dscp : 0) << 2;

		h[0] = (uint8_t)(0x60 | tc >> 4);
		h[1] = (uint8_t)(tc << 4);
		put16(h + 4, (unsigned)l4size);
		h[6] = (uint8_t)proto;
		h[7] = 64;
		memcpy(h + 8, f->ip_src, 16);
		memcpy(h + 24, f->ip_dst, 16);
		len += 40;
	}
	l4 = buf + len;
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		l4[0] = (uint8_t)(f->icmp_type > 0 ? f->icmp_type : 0);
		l4[1] = (uint8_t)(f->icmp_code > 0 ? f->icmp_code : 0);
	} else if (l4size != 0) {
		put16(l4, (unsigned)(f->l4_src > 0 ? f->l4_src : 0));
		put16(l4 + 2, (unsigned)(f->l4_dst > 0 ? f->l4_dst : 0));
		if (proto == IPPROTO_UDP)
			put16(l4 + 4, (unsigned)l4size);
		if (proto == IPPROTO_TCP) {
			l4[12] = 5 << 4; /* data offset */
			l4[13] = 0x02;	 /* SYN */
			put16(l4 + 14, 65535);
		}
	}
	len += l4size;
	return len < TRACE_MIN_FRAME ? TRACE_MIN_FRAME : len;
}

#undef ERR

/* ---- report ------------------------------------------------------------------------ */

static const char *
mac_str(const uint8_t *m, char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static const char *
port_name_of(struct vs_switch *sw, uint16_t id)
{
	const struct vs_port *p = vs_switch_port(sw, id);

	return p != NULL ? p->name : "?";
}

static json_t *
key_json(struct vs_switch *sw, const struct vs_flow_key *k)
{
	json_t *o = json_object();
	char a[INET6_ADDRSTRLEN], t[8];
	int af = k->eth_type == RTE_ETHER_TYPE_IPV4   ? AF_INET
		 : k->eth_type == RTE_ETHER_TYPE_IPV6 ? AF_INET6
						      : 0;

	json_object_set_new(o, "in_port", json_string(port_name_of(sw, k->in_port)));
	json_object_set_new(o, "eth_src", json_string(mac_str(k->eth_src, a, sizeof(a))));
	json_object_set_new(o, "eth_dst", json_string(mac_str(k->eth_dst, a, sizeof(a))));
	snprintf(t, sizeof(t), "0x%04x", k->eth_type);
	json_object_set_new(o, "eth_type", json_string(t));
	if (k->vlan_tci & VS_VLAN_PRESENT) {
		json_object_set_new(o, "vlan", json_integer(k->vlan_tci & VS_VLAN_VID_MASK));
		json_object_set_new(o, "vlan_pcp", json_integer(k->vlan_tci >> VS_VLAN_PCP_SHIFT));
	} else {
		json_object_set_new(o, "vlan", json_string("none"));
	}
	if (af == 0)
		return o;
	json_object_set_new(o, "ip_src", json_string(inet_ntop(af, k->ip_src, a, sizeof(a))));
	json_object_set_new(o, "ip_dst", json_string(inet_ntop(af, k->ip_dst, a, sizeof(a))));
	json_object_set_new(o, "ip_proto", json_integer(k->ip_proto));
	json_object_set_new(o, "ip_dscp", json_integer(k->ip_dscp));
	json_object_set_new(o, "ip_frag",
			    json_string(k->ip_frag == VS_FRAG_NONE    ? "no"
					: k->ip_frag == VS_FRAG_FIRST ? "first"
								      : "later"));
	if (k->ip_proto == IPPROTO_ICMP || k->ip_proto == IPPROTO_ICMPV6) {
		json_object_set_new(o, "icmp_type", json_integer(k->l4_src));
		json_object_set_new(o, "icmp_code", json_integer(k->l4_dst));
	} else {
		json_object_set_new(o, "l4_src", json_integer(k->l4_src));
		json_object_set_new(o, "l4_dst", json_integer(k->l4_dst));
	}
	return o;
}

/* The frame's L2 header as the actions leave it. */
struct trace_hdr {
	uint8_t b[TRACE_HDR_ROOM + TRACE_HDR_COPY];
	size_t len; /* bytes of the frame held in b (at most TRACE_HDR_ROOM + TRACE_HDR_COPY) */
};

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static bool
tagged(const struct trace_hdr *h)
{
	unsigned t = get16(h->b + 12);

	return h->len >= 18 && (t == RTE_ETHER_TYPE_VLAN || t == RTE_ETHER_TYPE_QINQ);
}

/* eth_dst, eth_src, the VLAN tags and the EtherType of h as a packet leaves. */
static json_t *
hdr_json(const struct trace_hdr *h, FILE *txt)
{
	json_t *o = json_object(), *tags = json_array();
	char a[24], t[8];
	size_t off = 12;

	json_object_set_new(o, "eth_dst", json_string(mac_str(h->b, a, sizeof(a))));
	fprintf(txt, "eth_dst=%s", a);
	json_object_set_new(o, "eth_src", json_string(mac_str(h->b + 6, a, sizeof(a))));
	fprintf(txt, " eth_src=%s", a);
	while (off + 6 <= h->len && (get16(h->b + off) == RTE_ETHER_TYPE_VLAN ||
				     get16(h->b + off) == RTE_ETHER_TYPE_QINQ)) {
		unsigned tci = get16(h->b + off + 2);

		json_array_append_new(
		    tags,
		    json_pack("{s:i, s:i, s:s}", "vlan", (int)(tci & VS_VLAN_VID_MASK), "vlan_pcp",
			      (int)(tci >> 13), "tpid",
			      get16(h->b + off) == RTE_ETHER_TYPE_VLAN ? "0x8100" : "0x88a8"));
		fprintf(txt, " vlan=%u,pcp=%u", tci & VS_VLAN_VID_MASK, tci >> 13);
		off += 4;
	}
	json_object_set_new(o, "vlans", tags);
	if (off + 2 <= h->len) {
		snprintf(t, sizeof(t), "0x%04x", get16(h->b + off));
		json_object_set_new(o, "eth_type", json_string(t));
		fprintf(txt, " eth_type=%s", t);
	}
	return o;
}

/* One packet leaving by port id (an output, or one port of a flood). */
static json_t *
emit_json(struct vs_switch *sw, uint16_t id, uint16_t in_port, const struct trace_hdr *h, FILE *txt)
{
	const struct vs_port *p = vs_switch_port(sw, id);
	enum vs_drop_reason r = VS_DROP_NONE;
	json_t *o;

	/* The worker's checks before it buffers the packet for tx. */
	if (p == NULL)
		r = VS_DROP_BAD_PORT;
	else if (!vs_port_is_ready(p))
		r = p->type == VS_PORT_VHOST ? VS_DROP_VHOST_NOT_READY : VS_DROP_PORT_DOWN;
	else if (id == in_port)
		r = VS_DROP_HAIRPIN;
	fprintf(txt, "    -> %s (port %u): ", port_name_of(sw, id), id);
	o = json_pack("{s:s, s:i}", "port", port_name_of(sw, id), "port_id", id);
	if (r != VS_DROP_NONE) {
		json_object_set_new(o, "dropped", json_string(vs_drop_reason_str(r)));
		fprintf(txt, "dropped: %s\n", vs_drop_reason_str(r));
		return o;
	}
	json_object_set_new(o, "header", hdr_json(h, txt));
	fputc('\n', txt);
	return o;
}

/*
 * Walk acts as the worker's execute() does, on h. Appends the steps to
 * steps and the packets that would leave to outs; returns the drop reason
 * of the packet itself (VS_DROP_NONE when its last output took it).
 */
static enum vs_drop_reason
walk_actions(struct vs_switch *sw, const struct vs_actions *acts, uint16_t in_port,
	     struct trace_hdr *h, json_t *steps, json_t *outs, FILE *txt)
{
	char a[24];
	uint16_t i, id;

	for (i = 0; i < acts->n; i++) {
		const struct vs_action *x = &acts->a[i];
		json_t *s = NULL;

		switch (x->type) {
		case VS_ACTION_OUTPUT:
			fprintf(txt, "  %u. output:%s\n", i + 1, port_name_of(sw, x->port));
			s = json_pack("{s:s, s:s, s:i}", "action", "output", "port",
				      port_name_of(sw, x->port), "port_id", x->port);
			json_array_append_new(outs, emit_json(sw, x->port, in_port, h, txt));
			break;
		case VS_ACTION_FLOOD: {
			json_t *ports = json_array();

			fprintf(txt, "  %u. flood\n", i + 1);
			for (id = 0; id < VS_PORT_MAX; id++) {
				const struct vs_port *p = vs_switch_port(sw, id);

				/* Every ready port but the input one. */
				if (p == NULL || id == in_port || !vs_port_is_ready(p))
					continue;
				json_array_append_new(ports, json_string(p->name));
				json_array_append_new(outs, emit_json(sw, id, in_port, h, txt));
			}
			if (json_array_size(ports) == 0)
				fprintf(txt, "    -> no ready port besides the input one\n");
			s = json_pack("{s:s, s:o}", "action", "flood", "ports", ports);
			if (json_array_size(ports) == 0 && x->last_tx) {
				json_array_append_new(steps, s);
				return VS_DROP_NO_OUTPUT;
			}
			break;
		}
		case VS_ACTION_DROP:
			fprintf(txt, "  %u. drop\n", i + 1);
			json_array_append_new(steps, json_pack("{s:s}", "action", "drop"));
			return VS_DROP_RULE_DROP;
		case VS_ACTION_IN_PORT:
			fprintf(txt, "  %u. in_port\n", i + 1);
			s = json_pack("{s:s, s:s, s:i}", "action", "in_port", "port",
				      port_name_of(sw, in_port), "port_id", in_port);
			/* back where it came from: no hairpin check */
			json_array_append_new(outs, emit_json(sw, in_port, UINT16_MAX, h, txt));
			break;
		case VS_ACTION_SET_VLAN_VID:
		case VS_ACTION_SET_VLAN_PCP: {
			bool vid = x->type == VS_ACTION_SET_VLAN_VID;

			if (tagged(h)) {
				unsigned tci = get16(h->b + 14);

				tci = vid ? (tci & ~VS_VLAN_VID_MASK) | x->tci
					  : (tci & ~(7u << VS_VLAN_PCP_SHIFT)) |
						(unsigned)x->tci << VS_VLAN_PCP_SHIFT;
				put16(h->b + 14, (uint16_t)tci);
			}
			fprintf(txt, "  %u. %s -> %u%s\n", i + 1,
				vid ? "set_vlan_vid" : "set_vlan_pcp", x->tci,
				tagged(h) ? "" : " (untagged: nothing to set)");
			s = json_pack("{s:s, s:i}", "action", vid ? "set_vlan_vid" : "set_vlan_pcp",
				      vid ? "vlan" : "vlan_pcp", (int)x->tci);
			break;
		}
		case VS_ACTION_PUSH_VLAN:
			memmove(h->b + 16, h->b + 12, h->len - 12);
			put16(h->b + 12, x->tpid);
			put16(h->b + 14, x->tci);
			h->len += 4;
			fprintf(txt, "  %u. push_vlan -> vlan=%u,pcp=%u (tci 0x%04x)\n", i + 1,
				x->tci & VS_VLAN_VID_MASK, x->tci >> 13, x->tci);
			s = json_pack("{s:s, s:i, s:i}", "action", "push_vlan", "vlan",
				      x->tci & VS_VLAN_VID_MASK, "vlan_pcp", x->tci >> 13);
			break;
		case VS_ACTION_POP_VLAN:
			if (tagged(h)) {
				unsigned tci = get16(h->b + 14);

				memmove(h->b + 12, h->b + 16, h->len - 16);
				h->len -= 4;
				fprintf(txt, "  %u. pop_vlan -> removed vlan=%u,pcp=%u\n", i + 1,
					tci & VS_VLAN_VID_MASK, tci >> 13);
				s = json_pack("{s:s, s:i, s:i}", "action", "pop_vlan",
					      "popped_vlan", (int)(tci & VS_VLAN_VID_MASK),
					      "popped_vlan_pcp", (int)(tci >> 13));
			} else {
				fprintf(txt, "  %u. pop_vlan -> untagged, nothing to pop\n", i + 1);
				s = json_pack("{s:s, s:n}", "action", "pop_vlan", "popped_vlan");
			}
			break;
		case VS_ACTION_SET_ETH_SRC:
		case VS_ACTION_SET_ETH_DST: {
			bool src = x->type == VS_ACTION_SET_ETH_SRC;

			memcpy(h->b + (src ? 6 : 0), x->mac, 6);
			mac_str(x->mac, a, sizeof(a));
			fprintf(txt, "  %u. %s -> eth_%s=%s\n", i + 1,
				src ? "set_eth_src" : "set_eth_dst", src ? "src" : "dst", a);
			s = json_pack("{s:s, s:s}", "action", src ? "set_eth_src" : "set_eth_dst",
				      src ? "eth_src" : "eth_dst", a);
			break;
		}
		default:
			break;
		}
		if (s != NULL)
			json_array_append_new(steps, s);
		if (x->type == VS_ACTION_CONTROLLER) {
			fprintf(txt, "  %u. controller (max_len %u): packet-in\n", i + 1,
				x->max_len);
			json_array_append_new(steps, json_pack("{s:s, s:i}", "action", "controller",
							       "max_len", (int)x->max_len));
		}
		if ((x->type == VS_ACTION_OUTPUT || x->type == VS_ACTION_FLOOD ||
		     x->type == VS_ACTION_CONTROLLER || x->type == VS_ACTION_IN_PORT) &&
		    x->last_tx)
			return VS_DROP_NONE;
	}
	return VS_DROP_NO_OUTPUT; /* the rule emitted nothing */
}

static json_t *
rule_json(const struct vs_sw_rule *r, FILE *txt)
{
	char m[512], a[512];

	vs_ctl_match_str(&r->spec.match, m, sizeof(m));
	vs_ctl_actions_str(&r->spec, a, sizeof(a));
	fprintf(txt, "rule: #%" PRIu64 " %s (source %s, priority %d", r->uid,
		r->spec.name[0] ? r->spec.name : "(unnamed)", vs_rule_source_str(r->src),
		(int)r->spec.priority);
	if (r->src == VS_RULE_SRC_FILE)
		fprintf(txt, ", line %u", (unsigned)r->spec.pos.line);
	fprintf(txt, ")\n  match: %s\n", m);
	return json_pack("{s:I, s:s, s:s, s:i, s:s, s:s, s:i}", "id", (json_int_t)r->uid, "name",
			 r->spec.name, "source", vs_rule_source_str(r->src), "priority",
			 r->spec.priority, "match", m, "actions", a, "line",
			 r->src == VS_RULE_SRC_FILE ? (int)r->spec.pos.line : 0);
}

/* Parse, look up and walk: the result members after the frame's. */
static int
trace_frame(struct vs_daemon *d, struct rte_mbuf *m, uint16_t in_port, json_t *res, FILE *txt,
	    char *msg, size_t size)
{
	struct vs_cls_ctx_stats before, after;
	const struct vs_cls_rule *cr = NULL;
	const struct vs_sw_rule *r;
	enum vs_drop_reason why;
	struct vs_flow_key key;
	struct trace_hdr h;
	uint8_t outcome;
	const char *path;
	uint64_t probes;
	json_t *steps, *outs, *o;
	const char *drop;
	size_t sent = 0, i;
	char kt[512];

	vs_flow_extract_burst(&m, 1, in_port, &key, &outcome);
	/* The header copy the actions' walk rewrites, with room for pushes. */
	memset(&h, 0, sizeof(h));
	h.len = RTE_MIN(rte_pktmbuf_data_len(m), (uint32_t)TRACE_HDR_COPY);
	memcpy(h.b, rte_pktmbuf_mtod(m, const uint8_t *), h.len);
	if (outcome != VS_PARSE_OK) {
		/* The worker drops it under the outcome's own drop reason. */
		enum vs_drop_reason bad = (enum vs_drop_reason)outcome;

		fprintf(txt, "parse: %s (%s)\nresult: dropped, %s\n",
			vs_parse_outcome_str((enum vs_parse_outcome)outcome),
			vs_drop_reason_help(bad), vs_drop_reason_str(bad));
		json_object_set_new(
		    res, "parse",
		    json_string(vs_parse_outcome_str((enum vs_parse_outcome)outcome)));
		json_object_set_new(res, "parse_help", json_string(vs_drop_reason_help(bad)));
		json_object_set_new(res, "drop_reason", json_string(vs_drop_reason_str(bad)));
		return 0;
	}
	json_object_set_new(res, "parse", json_string("ok"));
	vs_flow_key_format(&key, kt, sizeof(kt));
	fprintf(txt, "parse: ok\nkey: %s\n", kt);
	json_object_set_new(res, "key", key_json(d->sw, &key));
	json_object_set_new(res, "key_text", json_string(kt));

	if (d->trace_ctx == NULL) {
		d->trace_ctx = vs_cls_ctx_create(
		    vs_switch_cls(d->sw),
		    &(struct vs_cls_ctx_params){.emc_entries = 0, .socket_id = SOCKET_ID_ANY});
		if (d->trace_ctx == NULL) {
			snprintf(msg, size, "trace: no classifier context: %s", strerror(errno));
			return -errno;
		}
	}
	vs_cls_ctx_stats_get(d->trace_ctx, &before);
	vs_cls_lookup_burst(d->trace_ctx, &key, 1, &cr);
	vs_cls_ctx_stats_get(d->trace_ctx, &after);
	probes = after.subtable_probes - before.subtable_probes;
	path = after.port_fast_hits > before.port_fast_hits ? "port_fast"
	       : after.tss_hits > before.tss_hits	    ? "subtables"
							    : "none";
	json_object_set_new(
	    res, "lookup",
	    json_pack("{s:s, s:I}", "path", path, "subtables_probed", (json_int_t)probes));
	if (strcmp(path, "port_fast") == 0)
		fprintf(txt, "lookup: port fast path (in_port/VLAN only rules)\n");
	else
		fprintf(txt, "lookup: %s, %" PRIu64 " subtable%s probed\n",
			cr != NULL ? "subtables" : "no match", probes, probes == 1 ? "" : "s");
	r = vs_switch_rule_of_cls(d->sw, cr);
	if (cr == NULL || r == NULL) {
		json_object_set_new(res, "rule", json_null());
		json_object_set_new(res, "drop_reason",
				    json_string(vs_drop_reason_str(VS_DROP_NO_RULE)));
		fprintf(txt, "result: dropped, %s\n", vs_drop_reason_str(VS_DROP_NO_RULE));
		return 0;
	}
	json_object_set_new(res, "rule", rule_json(r, txt));
	steps = json_array();
	outs = json_array();
	fprintf(txt, "actions:\n");
	why = walk_actions(d->sw, cr->data, in_port, &h, steps, outs, txt);
	drop = why == VS_DROP_NONE ? NULL : vs_drop_reason_str(why);
	json_array_foreach(outs, i, o)
	{
		const char *r_out = json_string_value(json_object_get(o, "dropped"));

		if (r_out == NULL)
			sent++;
		else if (why == VS_DROP_NONE)
			drop = r_out; /* the last one's, when none was sent */
	}
	json_object_set_new(res, "actions", steps);
	json_object_set_new(res, "outputs", outs);
	json_object_set_new(res, "sent", json_integer((json_int_t)sent));
	if (sent > 0)
		drop = NULL;
	json_object_set_new(res, "drop_reason", drop ? json_string(drop) : json_null());
	if (drop == NULL)
		fprintf(txt, "result: sent to %zu port%s\n", sent, sent == 1 ? "" : "s");
	else
		fprintf(txt, "result: dropped, %s\n", drop);
	return 0;
}

json_t *
vs_daemon_trace(struct vs_daemon *d, const char *const *args, unsigned n, char *msg, size_t size)
{
	struct trace_frame f = {.in_port = -1,
				.eth_type = -1,
				.vid = -1,
				.pcp = -1,
				.ip_proto = -1,
				.ip_dscp = -1,
				.l4_src = -1,
				.l4_dst = -1,
				.icmp_type = -1,
				.icmp_code = -1};
	char *words[VS_CTL_MAX_ARGS] = {NULL}, *tok, *save, *text = NULL;
	uint8_t frame[TRACE_MAX_FRAME];
	struct rte_mbuf *m = NULL;
	json_t *res = NULL;
	size_t len, tsize = 0, i;
	FILE *txt = NULL;
	char hex[2 * 64 + 4];
	int rc = 0;

	for (i = 0; i < n && i < VS_CTL_MAX_ARGS && rc == 0; i++) {
		words[i] = strdup(args[i]);
		if (words[i] == NULL) {
			snprintf(msg, size, "out of memory");
			rc = -ENOMEM;
			break;
		}
		for (tok = strtok_r(words[i], ", \t", &save); tok != NULL && rc == 0;
		     tok = strtok_r(NULL, ", \t", &save)) {
			char *eq = strchr(tok, '=');

			if (eq == NULL || eq == tok) {
				snprintf(msg, size,
					 "trace: '%s' is not FIELD=VALUE; expected fields of: %s",
					 tok, TRACE_FIELDS);
				rc = -EINVAL;
				break;
			}
			*eq = '\0';
			rc = parse_field(&f, d->sw, tok, eq + 1, msg, size);
		}
	}
	if (rc == 0)
		rc = check_frame(&f, msg, size);
	if (rc < 0)
		goto out;
	len = build_frame(&f, frame);
	m = rte_pktmbuf_alloc(vs_switch_mempool(d->sw));
	if (m == NULL) {
		snprintf(msg, size, "trace: no free mbuf in the switch's pool");
		goto out;
	}
	if (rte_pktmbuf_append(m, (uint16_t)len) == NULL) {
		snprintf(msg, size, "trace: hex: %zu bytes do not fit an mbuf (%u bytes of room)",
			 len, rte_pktmbuf_tailroom(m));
		goto out;
	}
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), frame, len);
	txt = open_memstream(&text, &tsize);
	res = json_object();
	if (txt == NULL || res == NULL)
		goto fail;
	for (i = 0; i < len && i < 64; i++)
		snprintf(hex + 2 * i, sizeof(hex) - 2 * i, "%02x", frame[i]);
	if (len > 64)
		snprintf(hex + 128, sizeof(hex) - 128, "...");
	fprintf(txt, "frame: %zu bytes on %s (port %d): %s\n", len,
		port_name_of(d->sw, (uint16_t)f.in_port), f.in_port, hex);
	json_object_set_new(res, "in_port", json_string(port_name_of(d->sw, (uint16_t)f.in_port)));
	json_object_set_new(res, "in_port_id", json_integer(f.in_port));
	json_object_set_new(res, "frame_len", json_integer((json_int_t)len));
	json_object_set_new(res, "frame_hex", json_string(hex));
	if (trace_frame(d, m, (uint16_t)f.in_port, res, txt, msg, size) < 0)
		goto fail;
	if (fclose(txt) != 0) {
		txt = NULL;
		goto fail;
	}
	txt = NULL;
	json_object_set_new(res, "text", json_string(text));
	goto out;
fail:
	json_decref(res);
	res = NULL;
out:
	if (txt != NULL)
		fclose(txt);
	free(text);
	rte_pktmbuf_free(m);
	free(f.hex);
	for (i = 0; i < VS_CTL_MAX_ARGS; i++)
		free(words[i]);
	return res;
}
