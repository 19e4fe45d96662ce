/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenFlow 1.3 codec: see vs_ofp.h. Every read is preceded by a length check
 * against the bytes the caller handed in; nothing here trusts a length field
 * before comparing it with what is really there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vs_ofp.h"

#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)

static const struct {
	const char *name;
	uint8_t size;
	bool maskable;
} fields[VS_OXM_MAX] = {
    [VS_OXM_IN_PORT] = {"in_port", 4, false},
    [VS_OXM_ETH_DST] = {"eth_dst", 6, true},
    [VS_OXM_ETH_SRC] = {"eth_src", 6, true},
    [VS_OXM_ETH_TYPE] = {"eth_type", 2, false},
    [VS_OXM_VLAN_VID] = {"vlan_vid", 2, true},
    [VS_OXM_VLAN_PCP] = {"vlan_pcp", 1, false},
    [VS_OXM_IP_DSCP] = {"ip_dscp", 1, false},
    [VS_OXM_IP_PROTO] = {"ip_proto", 1, false},
    [VS_OXM_IPV4_SRC] = {"ipv4_src", 4, true},
    [VS_OXM_IPV4_DST] = {"ipv4_dst", 4, true},
    [VS_OXM_TCP_SRC] = {"tcp_src", 2, true},
    [VS_OXM_TCP_DST] = {"tcp_dst", 2, true},
    [VS_OXM_UDP_SRC] = {"udp_src", 2, true},
    [VS_OXM_UDP_DST] = {"udp_dst", 2, true},
    [VS_OXM_SCTP_SRC] = {"sctp_src", 2, true},
    [VS_OXM_SCTP_DST] = {"sctp_dst", 2, true},
    [VS_OXM_ICMPV4_TYPE] = {"icmpv4_type", 1, false},
    [VS_OXM_ICMPV4_CODE] = {"icmpv4_code", 1, false},
    [VS_OXM_IPV6_SRC] = {"ipv6_src", 16, true},
    [VS_OXM_IPV6_DST] = {"ipv6_dst", 16, true},
    [VS_OXM_ICMPV6_TYPE] = {"icmpv6_type", 1, false},
    [VS_OXM_ICMPV6_CODE] = {"icmpv6_code", 1, false},
};

unsigned int
vs_ofp_field_size(unsigned int field)
{
	return field < VS_OXM_MAX ? fields[field].size : 0;
}

const char *
vs_ofp_field_name(unsigned int field)
{
	return field < VS_OXM_MAX && fields[field].name ? fields[field].name : "?";
}

const char *
vs_ofp_err_type_str(uint16_t type)
{
	static const char *const names[] = {
	    "OFPET_HELLO_FAILED",
	    "OFPET_BAD_REQUEST",
	    "OFPET_BAD_ACTION",
	    "OFPET_BAD_INSTRUCTION",
	    "OFPET_BAD_MATCH",
	    "OFPET_FLOW_MOD_FAILED",
	    "OFPET_GROUP_MOD_FAILED",
	    "OFPET_PORT_MOD_FAILED",
	    "OFPET_TABLE_MOD_FAILED",
	    "OFPET_QUEUE_OP_FAILED",
	    "OFPET_SWITCH_CONFIG_FAILED",
	    "OFPET_ROLE_REQUEST_FAILED",
	    "OFPET_METER_MOD_FAILED",
	    "OFPET_TABLE_FEATURES_FAILED",
	};

	if (type == VS_OFPET_EXPERIMENTER)
		return "OFPET_EXPERIMENTER";
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "OFPET_?";
}

const char *
vs_ofp_type_str(uint8_t type)
{
	static const char *const names[] = {
	    "HELLO",
	    "ERROR",
	    "ECHO_REQUEST",
	    "ECHO_REPLY",
	    "EXPERIMENTER",
	    "FEATURES_REQUEST",
	    "FEATURES_REPLY",
	    "GET_CONFIG_REQUEST",
	    "GET_CONFIG_REPLY",
	    "SET_CONFIG",
	    "PACKET_IN",
	    "FLOW_REMOVED",
	    "PORT_STATUS",
	    "PACKET_OUT",
	    "FLOW_MOD",
	    "GROUP_MOD",
	    "PORT_MOD",
	    "TABLE_MOD",
	    "MULTIPART_REQUEST",
	    "MULTIPART_REPLY",
	    "BARRIER_REQUEST",
	    "BARRIER_REPLY",
	    "QUEUE_GET_CONFIG_REQUEST",
	    "QUEUE_GET_CONFIG_REPLY",
	    "ROLE_REQUEST",
	    "ROLE_REPLY",
	    "GET_ASYNC_REQUEST",
	    "GET_ASYNC_REPLY",
	    "SET_ASYNC",
	    "METER_MOD",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

/* ---- reading ---- */

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

static int
fail(struct vs_ofp_err *e, uint16_t type, uint16_t code)
{
	if (e != NULL) {
		e->type = type;
		e->code = code;
	}
	return -EBADMSG;
}

/* ---- buffers ---- */

void
vs_ofp_buf_init(struct vs_ofp_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
vs_ofp_buf_free(struct vs_ofp_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static uint8_t *
grow(struct vs_ofp_buf *b, size_t size)
{
	uint8_t *p;

	if (b->oom)
		return NULL;
	if (b->len + size > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + size)
			cap *= 2;
		p = realloc(b->data, cap);
		if (p == NULL) {
			b->oom = true;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	b->len += size;
	return p;
}

void
vs_ofp_put(struct vs_ofp_buf *b, const void *p, size_t size)
{
	uint8_t *d = grow(b, size);

	if (d != NULL && size > 0)
		memcpy(d, p, size);
}

void
vs_ofp_put_zeros(struct vs_ofp_buf *b, size_t size)
{
	uint8_t *d = grow(b, size);

	if (d != NULL && size > 0)
		memset(d, 0, size);
}

void
vs_ofp_put8(struct vs_ofp_buf *b, uint8_t v)
{
	vs_ofp_put(b, &v, 1);
}

void
vs_ofp_put16(struct vs_ofp_buf *b, uint16_t v)
{
	uint8_t d[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	vs_ofp_put(b, d, 2);
}

void
vs_ofp_put32(struct vs_ofp_buf *b, uint32_t v)
{
	uint8_t d[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	vs_ofp_put(b, d, 4);
}

void
vs_ofp_put64(struct vs_ofp_buf *b, uint64_t v)
{
	vs_ofp_put32(b, (uint32_t)(v >> 32));
	vs_ofp_put32(b, (uint32_t)v);
}

size_t
vs_ofp_start(struct vs_ofp_buf *b, uint8_t type, uint32_t xid)
{
	size_t off = b->len;

	vs_ofp_put8(b, VS_OFP_VERSION);
	vs_ofp_put8(b, type);
	vs_ofp_put16(b, 0);
	vs_ofp_put32(b, xid);
	return off;
}

int
vs_ofp_end(struct vs_ofp_buf *b, size_t off)
{
	size_t n;

	if (b->oom)
		return -ENOMEM;
	n = b->len - off;
	if (n > VS_OFP_MAX_MSG) {
		b->len = off;
		return -EMSGSIZE;
	}
	b->data[off + 2] = (uint8_t)(n >> 8);
	b->data[off + 3] = (uint8_t)n;
	return 0;
}

/* ---- header ---- */

int
vs_ofp_parse_hdr(const uint8_t *msg, size_t size, struct vs_ofp_hdr *h)
{
	if (msg == NULL || size < VS_OFP_HDR_SIZE)
		return -EBADMSG;
	h->version = msg[0];
	h->type = msg[1];
	h->length = rd16(msg + 2);
	h->xid = rd32(msg + 4);
	return h->length < VS_OFP_HDR_SIZE ? -EBADMSG : 0;
}

/* ---- encoders ---- */

int
vs_ofp_enc_hello(struct vs_ofp_buf *b, uint32_t xid)
{
	size_t off = vs_ofp_start(b, VS_OFPT_HELLO, xid);

	/* one OFPHET_VERSIONBITMAP element: 1.3 only */
	vs_ofp_put16(b, 1);
	vs_ofp_put16(b, 8);
	vs_ofp_put32(b, 1u << VS_OFP_VERSION);
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_error(struct vs_ofp_buf *b, uint32_t xid, struct vs_ofp_err e, const void *data,
		 size_t size)
{
	size_t off = vs_ofp_start(b, VS_OFPT_ERROR, xid);

	vs_ofp_put16(b, e.type);
	vs_ofp_put16(b, e.code);
	if (e.type == VS_OFPET_EXPERIMENTER) /* ofp_error_experimenter_msg */
		vs_ofp_put32(b, VS_OFP_ONF_EXPERIMENTER_ID);
	if (data != NULL)
		vs_ofp_put(b, data, size > 64 ? 64 : size);
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_echo(struct vs_ofp_buf *b, uint8_t type, uint32_t xid, const void *data, size_t size)
{
	size_t off = vs_ofp_start(b, type, xid);

	if (data != NULL && size > VS_OFP_MAX_MSG - VS_OFP_HDR_SIZE)
		size = VS_OFP_MAX_MSG - VS_OFP_HDR_SIZE;
	if (data != NULL)
		vs_ofp_put(b, data, size);
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_features_reply(struct vs_ofp_buf *b, uint32_t xid, uint64_t datapath_id,
			  uint8_t n_tables)
{
	size_t off = vs_ofp_start(b, VS_OFPT_FEATURES_REPLY, xid);

	vs_ofp_put64(b, datapath_id);
	vs_ofp_put32(b, 0); /* n_buffers: packets are never buffered */
	vs_ofp_put8(b, n_tables);
	vs_ofp_put8(b, 0);  /* auxiliary_id: main connection */
	vs_ofp_put16(b, 0); /* pad */
	vs_ofp_put32(b, 1); /* capabilities: OFPC_FLOW_STATS */
	vs_ofp_put32(b, 0); /* reserved */
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_get_config_reply(struct vs_ofp_buf *b, uint32_t xid, uint16_t flags,
			    uint16_t miss_send_len)
{
	size_t off = vs_ofp_start(b, VS_OFPT_GET_CONFIG_REPLY, xid);

	vs_ofp_put16(b, flags);
	vs_ofp_put16(b, miss_send_len);
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_empty(struct vs_ofp_buf *b, uint8_t type, uint32_t xid)
{
	return vs_ofp_end(b, vs_ofp_start(b, type, xid));
}

static void
put_str(struct vs_ofp_buf *b, const char *s, size_t size)
{
	size_t n = s ? strnlen(s, size - 1) : 0;

	vs_ofp_put(b, s, n);
	vs_ofp_put_zeros(b, size - n);
}

static size_t
mp_start(struct vs_ofp_buf *b, uint32_t xid, uint16_t type, uint16_t flags)
{
	size_t off = vs_ofp_start(b, VS_OFPT_MULTIPART_REPLY, xid);

	vs_ofp_put16(b, type);
	vs_ofp_put16(b, flags);
	vs_ofp_put32(b, 0);
	return off;
}

int
vs_ofp_enc_desc_reply(struct vs_ofp_buf *b, uint32_t xid, const char *mfr, const char *hw,
		      const char *sw, const char *serial, const char *dp)
{
	size_t off = mp_start(b, xid, VS_OFPMP_DESC, 0);

	put_str(b, mfr, 256);
	put_str(b, hw, 256);
	put_str(b, sw, 256);
	put_str(b, serial, 32);
	put_str(b, dp, 256);
	return vs_ofp_end(b, off);
}

/* One table feature property: type, then n 16- or 32-bit items, padded to 8. */
static void
put_prop(struct vs_ofp_buf *b, uint16_t type, const uint32_t *items, unsigned int n, bool wide)
{
	size_t len = 4 + 4u * n;
	unsigned int i;

	vs_ofp_put16(b, type);
	vs_ofp_put16(b, (uint16_t)len);
	for (i = 0; i < n; i++) {
		if (wide) {
			vs_ofp_put32(b, items[i]); /* an OXM header */
		} else {
			vs_ofp_put16(b, (uint16_t)items[i]); /* instruction/action type */
			vs_ofp_put16(b, 4);
		}
	}
	vs_ofp_put_zeros(b, ALIGN8(len) - len);
}

int
vs_ofp_enc_table_features_reply(struct vs_ofp_buf *b, uint32_t xid, uint8_t n_tables,
				uint32_t max_entries)
{
	size_t off = mp_start(b, xid, VS_OFPMP_TABLE_FEATURES, 0), start;
	/* GOTO_TABLE last: left out of the last table's list */
	static const uint32_t insts[] = {VS_OFPIT_WRITE_ACTIONS, VS_OFPIT_APPLY_ACTIONS,
					 VS_OFPIT_CLEAR_ACTIONS, VS_OFPIT_GOTO_TABLE};
	static const uint32_t acts[] = {VS_OFPAT_OUTPUT, VS_OFPAT_PUSH_VLAN, VS_OFPAT_POP_VLAN,
					VS_OFPAT_SET_FIELD};
	static const unsigned int settable[] = {VS_OXM_ETH_DST, VS_OXM_ETH_SRC, VS_OXM_VLAN_VID,
						VS_OXM_VLAN_PCP};
	uint32_t oxm[VS_OXM_MAX], wild[VS_OXM_MAX], set[4];
	unsigned int f, n = 0, t, k;

	/* MATCH: hasmask says the field may be masked; WILDCARDS: no mask bit */
	for (f = 0; f < VS_OXM_MAX; f++) {
		if (fields[f].size == 0)
			continue;
		wild[n] = (uint32_t)VS_OXM_CLASS_BASIC << 16 | f << 9 | fields[f].size;
		oxm[n++] = (uint32_t)VS_OXM_CLASS_BASIC << 16 | f << 9 |
			   (fields[f].maskable ? 1u << 8 | 2u * fields[f].size : fields[f].size);
	}
	for (f = 0; f < 4; f++)
		set[f] = (uint32_t)VS_OXM_CLASS_BASIC << 16 | settable[f] << 9 |
			 fields[settable[f]].size;
	for (t = 0; t < n_tables; t++) {
		char name[32];
		size_t len;

		if (b->len - off + 1024 > VS_OFP_MAX_MSG) {
			b->data[off + 11] = VS_OFPMPF_MORE;
			if (vs_ofp_end(b, off) < 0)
				return -ENOMEM;
			off = mp_start(b, xid, VS_OFPMP_TABLE_FEATURES, 0);
		}
		snprintf(name, sizeof(name), "table %u", t);
		start = b->len;
		vs_ofp_put16(b, 0); /* length, below */
		vs_ofp_put8(b, (uint8_t)t);
		vs_ofp_put_zeros(b, 5);
		put_str(b, name, 32);
		vs_ofp_put64(b, 0); /* metadata_match */
		vs_ofp_put64(b, 0); /* metadata_write */
		vs_ofp_put32(b, 0); /* config */
		/* every table shares the one classifier */
		vs_ofp_put32(b, max_entries);
		/* what is really supported (docs/openflow.md): the instructions and
		 * actions above, GOTO_TABLE to every later table (not from the
		 * last), the OXM fields above */
		put_prop(b, 0, insts, t + 1u < n_tables ? 4 : 3, false); /* INSTRUCTIONS */
		/* NEXT_TABLES: one byte per table id */
		len = 4 + (size_t)(n_tables - t - 1);
		vs_ofp_put16(b, 2);
		vs_ofp_put16(b, (uint16_t)len);
		for (k = t + 1; k < n_tables; k++)
			vs_ofp_put8(b, (uint8_t)k);
		vs_ofp_put_zeros(b, ALIGN8(len) - len);
		put_prop(b, 4, acts, 4, false); /* WRITE_ACTIONS */
		put_prop(b, 6, acts, 4, false); /* APPLY_ACTIONS */
		put_prop(b, 8, oxm, n, true);	/* MATCH */
		put_prop(b, 10, wild, n, true); /* WILDCARDS */
		put_prop(b, 12, set, 4, true);	/* WRITE_SETFIELD */
		put_prop(b, 14, set, 4, true);	/* APPLY_SETFIELD */
		if (b->oom)
			return -ENOMEM;
		len = b->len - start;
		b->data[start] = (uint8_t)(len >> 8);
		b->data[start + 1] = (uint8_t)len;
	}
	return vs_ofp_end(b, off);
}

/* An ofp_port (64 bytes). */
static void
put_port(struct vs_ofp_buf *b, const struct vs_ofp_port_desc *p)
{
	vs_ofp_put32(b, p->port_no);
	vs_ofp_put32(b, 0);
	vs_ofp_put(b, p->hw_addr, 6);
	vs_ofp_put16(b, 0);
	put_str(b, p->name, 16);
	vs_ofp_put32(b, p->port_down ? VS_OFPPC_PORT_DOWN : 0); /* config */
	vs_ofp_put32(b, p->link_down ? VS_OFPPS_LINK_DOWN : VS_OFPPS_LIVE);
	vs_ofp_put32(b, 0);		/* curr */
	vs_ofp_put32(b, 0);		/* advertised */
	vs_ofp_put32(b, 0);		/* supported */
	vs_ofp_put32(b, 0);		/* peer */
	vs_ofp_put32(b, p->curr_speed); /* curr_speed */
	vs_ofp_put32(b, 0);		/* max_speed */
}

int
vs_ofp_enc_aggregate_reply(struct vs_ofp_buf *b, uint32_t xid, uint64_t packets, uint64_t bytes,
			   uint32_t flows)
{
	size_t off = mp_start(b, xid, VS_OFPMP_AGGREGATE, 0);

	vs_ofp_put64(b, packets);
	vs_ofp_put64(b, bytes);
	vs_ofp_put32(b, flows);
	vs_ofp_put_zeros(b, 4);
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_table_stats_reply(struct vs_ofp_buf *b, uint32_t xid, const struct vs_ofp_table_stats *t,
			     uint32_t n)
{
	size_t off = mp_start(b, xid, VS_OFPMP_TABLE, 0);
	uint32_t i;

	for (i = 0; i < n; i++) { /* 254 tables of 24 bytes fit one message */
		vs_ofp_put8(b, t[i].table_id);
		vs_ofp_put_zeros(b, 3);
		vs_ofp_put32(b, t[i].active_count);
		vs_ofp_put64(b, t[i].lookup_count);
		vs_ofp_put64(b, t[i].matched_count);
	}
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_flow_removed(struct vs_ofp_buf *b, uint32_t xid, const struct vs_ofp_flow_removed *fr)
{
	size_t off = vs_ofp_start(b, VS_OFPT_FLOW_REMOVED, xid);

	vs_ofp_put64(b, fr->cookie);
	vs_ofp_put16(b, fr->priority);
	vs_ofp_put8(b, fr->reason);
	vs_ofp_put8(b, fr->table_id);
	vs_ofp_put32(b, fr->duration_sec);
	vs_ofp_put32(b, fr->duration_nsec);
	vs_ofp_put16(b, fr->idle_timeout);
	vs_ofp_put16(b, fr->hard_timeout);
	vs_ofp_put64(b, fr->packet_count);
	vs_ofp_put64(b, fr->byte_count);
	vs_ofp_enc_match(b, fr->match);
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_port_desc_reply(struct vs_ofp_buf *b, uint32_t xid, const struct vs_ofp_port_desc *ports,
			   uint32_t n)
{
	size_t off = mp_start(b, xid, VS_OFPMP_PORT_DESC, 0);
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct vs_ofp_port_desc *p = &ports[i];

		if (b->len - off + 64 > VS_OFP_MAX_MSG) {
			/* at most 1023 ports fit; the rest follow in more replies */
			b->data[off + 10] = 0;
			b->data[off + 11] = VS_OFPMPF_MORE;
			if (vs_ofp_end(b, off) < 0)
				return -ENOMEM;
			off = mp_start(b, xid, VS_OFPMP_PORT_DESC, 0);
		}
		put_port(b, p);
	}
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_port_stats_reply(struct vs_ofp_buf *b, uint32_t xid,
			    const struct vs_ofp_port_stats *ports, uint32_t n)
{
	size_t off = mp_start(b, xid, VS_OFPMP_PORT_STATS, 0);
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct vs_ofp_port_stats *p = &ports[i];

		if (b->len - off + 112 > VS_OFP_MAX_MSG) {
			b->data[off + 10] = 0;
			b->data[off + 11] = VS_OFPMPF_MORE;
			if (vs_ofp_end(b, off) < 0)
				return -ENOMEM;
			off = mp_start(b, xid, VS_OFPMP_PORT_STATS, 0);
		}
		vs_ofp_put32(b, p->port_no);
		vs_ofp_put32(b, 0);
		vs_ofp_put64(b, p->rx_packets);
		vs_ofp_put64(b, p->tx_packets);
		vs_ofp_put64(b, p->rx_bytes);
		vs_ofp_put64(b, p->tx_bytes);
		vs_ofp_put64(b, p->rx_dropped);
		vs_ofp_put64(b, p->tx_dropped);
		vs_ofp_put64(b, p->rx_errors);
		vs_ofp_put64(b, p->tx_errors);
		vs_ofp_put64(b, 0); /* rx_frame_err: not counted apart */
		vs_ofp_put64(b, 0); /* rx_over_err */
		vs_ofp_put64(b, 0); /* rx_crc_err */
		vs_ofp_put64(b, 0); /* collisions */
		vs_ofp_put32(b, p->duration_sec);
		vs_ofp_put32(b, p->duration_nsec);
	}
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_port_status(struct vs_ofp_buf *b, uint32_t xid, uint8_t reason,
		       const struct vs_ofp_port_desc *p)
{
	size_t off = vs_ofp_start(b, VS_OFPT_PORT_STATUS, xid);

	vs_ofp_put8(b, reason);
	vs_ofp_put_zeros(b, 7);
	put_port(b, p);
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_role(struct vs_ofp_buf *b, uint8_t type, uint32_t xid, uint32_t role,
		uint64_t generation_id)
{
	size_t off = vs_ofp_start(b, type, xid);

	vs_ofp_put32(b, role);
	vs_ofp_put32(b, 0);
	vs_ofp_put64(b, generation_id);
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_async(struct vs_ofp_buf *b, uint8_t type, uint32_t xid, const struct vs_ofp_async *a)
{
	size_t off = vs_ofp_start(b, type, xid);
	unsigned int i;

	for (i = 0; i < 2; i++)
		vs_ofp_put32(b, a->packet_in[i]);
	for (i = 0; i < 2; i++)
		vs_ofp_put32(b, a->port_status[i]);
	for (i = 0; i < 2; i++)
		vs_ofp_put32(b, a->flow_removed[i]);
	return vs_ofp_end(b, off);
}

void
vs_ofp_async_default(struct vs_ofp_async *a)
{
	/* packet-in: NO_MATCH, ACTION, INVALID_TTL; port-status: ADD, DELETE,
	 * MODIFY; flow-removed: IDLE, HARD, DELETE, GROUP_DELETE */
	a->packet_in[0] = 0x7;
	a->packet_in[1] = 0;
	a->port_status[0] = a->port_status[1] = 0x7;
	a->flow_removed[0] = 0xf;
	a->flow_removed[1] = 0;
}

bool
vs_ofp_async_wants(const struct vs_ofp_async *a, uint32_t role, uint8_t type, uint8_t reason)
{
	unsigned int i = role == VS_OFPCR_ROLE_SLAVE ? 1 : 0;
	uint32_t bit = reason < 32 ? 1u << reason : 0;

	switch (type) {
	case VS_OFPT_PACKET_IN:
		return (a->packet_in[i] & bit) != 0;
	case VS_OFPT_PORT_STATUS:
		return (a->port_status[i] & bit) != 0;
	case VS_OFPT_FLOW_REMOVED:
		return (a->flow_removed[i] & bit) != 0;
	default:
		return true;
	}
}

void
vs_ofp_match_set(struct vs_ofp_match *m, unsigned int field, const void *val, const void *mask)
{
	unsigned int size = vs_ofp_field_size(field);

	if (size == 0)
		return;
	m->present |= UINT64_C(1) << field;
	memcpy(m->val[field], val, size);
	if (mask != NULL) {
		m->masked |= UINT64_C(1) << field;
		memcpy(m->mask[field], mask, size);
	} else {
		m->masked &= ~(UINT64_C(1) << field);
		memset(m->mask[field], 0xff, size);
	}
}

bool
vs_ofp_match_has(const struct vs_ofp_match *m, unsigned int field)
{
	return field < VS_OXM_MAX && (m->present & (UINT64_C(1) << field)) != 0;
}

uint32_t
vs_ofp_match_u32(const struct vs_ofp_match *m, unsigned int field)
{
	return rd32(m->val[field]);
}

uint16_t
vs_ofp_match_u16(const struct vs_ofp_match *m, unsigned int field)
{
	return rd16(m->val[field]);
}

void
vs_ofp_enc_match(struct vs_ofp_buf *b, const struct vs_ofp_match *m)
{
	size_t start = b->len, n;
	unsigned int f;

	vs_ofp_put16(b, 1); /* OFPMT_OXM */
	vs_ofp_put16(b, 0);
	for (f = 0; f < VS_OXM_MAX; f++) {
		bool mk = (m->masked & (UINT64_C(1) << f)) != 0;
		unsigned int size = fields[f].size;

		if (!vs_ofp_match_has(m, f) || size == 0)
			continue;
		vs_ofp_put16(b, VS_OXM_CLASS_BASIC);
		vs_ofp_put8(b, (uint8_t)(f << 1 | (mk ? 1 : 0)));
		vs_ofp_put8(b, (uint8_t)(mk ? 2 * size : size));
		vs_ofp_put(b, m->val[f], size);
		if (mk)
			vs_ofp_put(b, m->mask[f], size);
	}
	if (b->oom)
		return;
	n = b->len - start;
	b->data[start + 2] = (uint8_t)(n >> 8);
	b->data[start + 3] = (uint8_t)n;
	vs_ofp_put_zeros(b, ALIGN8(n) - n);
}

/* One action (struct ofp_action_*), padded to 8. */
static void
put_action(struct vs_ofp_buf *b, const struct vs_ofp_action *a)
{
	unsigned int size, len;

	switch (a->type) {
	case VS_OFPACT_OUTPUT:
		vs_ofp_put16(b, VS_OFPAT_OUTPUT);
		vs_ofp_put16(b, 16);
		vs_ofp_put32(b, a->port);
		vs_ofp_put16(b, a->max_len);
		vs_ofp_put_zeros(b, 6);
		break;
	case VS_OFPACT_PUSH_VLAN:
		vs_ofp_put16(b, VS_OFPAT_PUSH_VLAN);
		vs_ofp_put16(b, 8);
		vs_ofp_put16(b, a->ethertype);
		vs_ofp_put16(b, 0);
		break;
	case VS_OFPACT_POP_VLAN:
		vs_ofp_put16(b, VS_OFPAT_POP_VLAN);
		vs_ofp_put16(b, 8);
		vs_ofp_put32(b, 0);
		break;
	case VS_OFPACT_SET_FIELD:
		size = vs_ofp_field_size(a->field);
		len = (unsigned int)ALIGN8(8 + size);
		vs_ofp_put16(b, VS_OFPAT_SET_FIELD);
		vs_ofp_put16(b, (uint16_t)len);
		vs_ofp_put16(b, VS_OXM_CLASS_BASIC);
		vs_ofp_put8(b, (uint8_t)(a->field << 1));
		vs_ofp_put8(b, (uint8_t)size);
		vs_ofp_put(b, a->value, size);
		vs_ofp_put_zeros(b, len - 8 - size);
		break;
	default:
		break;
	}
}

static size_t
actions_size(const struct vs_ofp_action *a, uint32_t n)
{
	size_t size = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		size += a[i].type == VS_OFPACT_OUTPUT ? 16
			: a[i].type == VS_OFPACT_SET_FIELD
			    ? ALIGN8(8 + vs_ofp_field_size(a[i].field))
			    : 8;
	return size;
}

/* An APPLY_ACTIONS or WRITE_ACTIONS instruction (none when n is 0). */
static void
put_actions_inst(struct vs_ofp_buf *b, uint16_t type, const struct vs_ofp_action *a, uint32_t n)
{
	uint32_t i;

	if (n == 0)
		return;
	vs_ofp_put16(b, type);
	vs_ofp_put16(b, (uint16_t)(8 + actions_size(a, n)));
	vs_ofp_put32(b, 0);
	for (i = 0; i < n; i++)
		put_action(b, &a[i]);
}

/* The instructions, in the order of execution; none: drop. */
static void
put_instructions(struct vs_ofp_buf *b, const struct vs_ofp_action *apply, uint32_t n_apply,
		 bool clear, const struct vs_ofp_action *write, uint32_t n_write,
		 uint8_t goto_table)
{
	put_actions_inst(b, VS_OFPIT_APPLY_ACTIONS, apply, n_apply);
	if (clear) {
		vs_ofp_put16(b, VS_OFPIT_CLEAR_ACTIONS);
		vs_ofp_put16(b, 8);
		vs_ofp_put32(b, 0);
	}
	put_actions_inst(b, VS_OFPIT_WRITE_ACTIONS, write, n_write);
	if (goto_table != VS_OFP_NO_GOTO && goto_table != 0) { /* no goto leads to table 0 */
		vs_ofp_put16(b, VS_OFPIT_GOTO_TABLE);
		vs_ofp_put16(b, 8);
		vs_ofp_put8(b, goto_table);
		vs_ofp_put_zeros(b, 3);
	}
}

int
vs_ofp_enc_packet_in(struct vs_ofp_buf *b, uint32_t xid, const struct vs_ofp_packet_in *pi)
{
	static struct vs_ofp_match m; /* control thread only */
	size_t off = vs_ofp_start(b, VS_OFPT_PACKET_IN, xid);
	uint32_t port = pi->in_port;
	uint8_t v[4] = {(uint8_t)(port >> 24), (uint8_t)(port >> 16), (uint8_t)(port >> 8),
			(uint8_t)port};

	memset(&m, 0, sizeof(m));
	vs_ofp_match_set(&m, VS_OXM_IN_PORT, v, NULL);
	vs_ofp_put32(b, pi->buffer_id);
	vs_ofp_put16(b, pi->total_len);
	vs_ofp_put8(b, pi->reason);
	vs_ofp_put8(b, pi->table_id);
	vs_ofp_put64(b, pi->cookie);
	vs_ofp_enc_match(b, &m);
	vs_ofp_put_zeros(b, 2);
	vs_ofp_put(b, pi->data, pi->size);
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_packet_out(struct vs_ofp_buf *b, uint32_t xid, const struct vs_ofp_packet_out *po)
{
	size_t off = vs_ofp_start(b, VS_OFPT_PACKET_OUT, xid);
	uint32_t i;

	vs_ofp_put32(b, po->buffer_id);
	vs_ofp_put32(b, po->in_port);
	vs_ofp_put16(b, (uint16_t)actions_size(po->actions, po->n_actions));
	vs_ofp_put_zeros(b, 6);
	for (i = 0; i < po->n_actions; i++)
		put_action(b, &po->actions[i]);
	vs_ofp_put(b, po->data, po->size);
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_flow_stats_reply(struct vs_ofp_buf *b, uint32_t xid,
			    const struct vs_ofp_flow_stats *flows, uint32_t n)
{
	size_t off = mp_start(b, xid, VS_OFPMP_FLOW, 0);
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct vs_ofp_flow_stats *f = &flows[i];
		size_t start = b->len, size;

		vs_ofp_put16(b, 0);
		vs_ofp_put8(b, f->table_id);
		vs_ofp_put8(b, 0);
		vs_ofp_put32(b, f->duration_sec);
		vs_ofp_put32(b, f->duration_nsec);
		vs_ofp_put16(b, f->priority);
		vs_ofp_put16(b, f->idle_timeout);
		vs_ofp_put16(b, f->hard_timeout);
		vs_ofp_put16(b, f->flags);
		vs_ofp_put32(b, 0);
		vs_ofp_put64(b, f->cookie);
		vs_ofp_put64(b, f->packet_count);
		vs_ofp_put64(b, f->byte_count);
		vs_ofp_enc_match(b, f->match);
		put_instructions(b, f->apply, f->n_apply, f->clear_actions, f->write, f->n_write,
				 f->goto_table);
		if (b->oom)
			return -ENOMEM;
		size = b->len - start;
		b->data[start] = (uint8_t)(size >> 8);
		b->data[start + 1] = (uint8_t)size;
		if (b->len - off > VS_OFP_MAX_MSG) {
			/* this flow goes into the next reply; flag this one MORE */
			uint8_t tmp[VS_OFP_MAX_MSG];

			if (size > sizeof(tmp))
				return -EMSGSIZE;
			memcpy(tmp, b->data + start, size);
			b->len = start;
			b->data[off + 11] = VS_OFPMPF_MORE;
			if (vs_ofp_end(b, off) < 0)
				return -ENOMEM;
			off = mp_start(b, xid, VS_OFPMP_FLOW, 0);
			vs_ofp_put(b, tmp, size);
		}
	}
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_flow_mod(struct vs_ofp_buf *b, uint32_t xid, const struct vs_ofp_flow_mod *fm)
{
	size_t off = vs_ofp_start(b, VS_OFPT_FLOW_MOD, xid);

	vs_ofp_put64(b, fm->cookie);
	vs_ofp_put64(b, fm->cookie_mask);
	vs_ofp_put8(b, fm->table_id);
	vs_ofp_put8(b, fm->command);
	vs_ofp_put16(b, fm->idle_timeout);
	vs_ofp_put16(b, fm->hard_timeout);
	vs_ofp_put16(b, fm->priority);
	vs_ofp_put32(b, fm->buffer_id);
	vs_ofp_put32(b, fm->out_port);
	vs_ofp_put32(b, fm->out_group);
	vs_ofp_put16(b, fm->flags);
	vs_ofp_put16(b, 0);
	vs_ofp_enc_match(b, &fm->match);
	put_instructions(b, fm->apply, fm->n_apply, fm->clear_actions, fm->write, fm->n_write,
			 fm->goto_table);
	return vs_ofp_end(b, off);
}

/* ---- decoders ---- */

/* The header's length must be the bytes handed in (the channel frames by it). */
static bool
whole(const uint8_t *msg, size_t size, size_t min)
{
	return msg != NULL && size >= min && size >= VS_OFP_HDR_SIZE && rd16(msg + 2) == size;
}

int
vs_ofp_dec_hello(const uint8_t *msg, size_t size, struct vs_ofp_err *e)
{
	size_t pos = VS_OFP_HDR_SIZE;
	bool bitmap = false, ok = false;

	if (!whole(msg, size, VS_OFP_HDR_SIZE))
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	while (size - pos >= 4) {
		uint16_t type = rd16(msg + pos), len = rd16(msg + pos + 2);

		if (len < 4 || len > size - pos)
			return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
		if (type == 1) { /* OFPHET_VERSIONBITMAP */
			bitmap = true;
			if (len >= 8 && (rd32(msg + pos + 4) & (1u << VS_OFP_VERSION)))
				ok = true;
		}
		pos += ALIGN8(len) < size - pos ? ALIGN8(len) : size - pos;
	}
	if (!bitmap)
		ok = msg[0] >= VS_OFP_VERSION; /* min(ours, theirs) must be 1.3 */
	if (!ok) {
		fail(e, VS_OFPET_HELLO_FAILED, VS_OFPHFC_INCOMPATIBLE);
		return -EPROTO;
	}
	return 0;
}

int
vs_ofp_dec_role(const uint8_t *msg, size_t size, uint32_t *role, uint64_t *generation_id,
		struct vs_ofp_err *e)
{
	if (!whole(msg, size, VS_OFP_HDR_SIZE + 16) || size != VS_OFP_HDR_SIZE + 16)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	*role = rd32(msg + 8);
	*generation_id = rd64(msg + 16);
	if (*role > VS_OFPCR_ROLE_SLAVE)
		return fail(e, VS_OFPET_ROLE_REQUEST_FAILED, VS_OFPRRFC_BAD_ROLE);
	return 0;
}

int
vs_ofp_dec_async(const uint8_t *msg, size_t size, struct vs_ofp_async *a, struct vs_ofp_err *e)
{
	unsigned int i;

	if (!whole(msg, size, VS_OFP_HDR_SIZE + 24) || size != VS_OFP_HDR_SIZE + 24)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	for (i = 0; i < 2; i++) {
		a->packet_in[i] = rd32(msg + 8 + 4 * i);
		a->port_status[i] = rd32(msg + 16 + 4 * i);
		a->flow_removed[i] = rd32(msg + 24 + 4 * i);
	}
	return 0;
}

int
vs_ofp_dec_port_status(const uint8_t *msg, size_t size, uint8_t *reason, struct vs_ofp_port_desc *p,
		       struct vs_ofp_err *e)
{
	const uint8_t *q = msg + 16;

	if (!whole(msg, size, 80) || size != 80)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	*reason = msg[8];
	memset(p, 0, sizeof(*p));
	p->port_no = rd32(q);
	memcpy(p->hw_addr, q + 8, 6);
	memcpy(p->name, q + 16, sizeof(p->name) - 1);
	p->port_down = (rd32(q + 32) & VS_OFPPC_PORT_DOWN) != 0;
	p->link_down = (rd32(q + 36) & VS_OFPPS_LINK_DOWN) != 0;
	p->curr_speed = rd32(q + 56);
	return 0;
}

int
vs_ofp_dec_error(const uint8_t *msg, size_t size, struct vs_ofp_err *out)
{
	if (!whole(msg, size, VS_OFP_HDR_SIZE + 4))
		return -EBADMSG;
	out->type = rd16(msg + 8);
	out->code = rd16(msg + 10);
	return 0;
}

/* ---- bundles (ONF EXT-230 over OpenFlow 1.3) ---- */

#define EXP_HDR_SIZE (VS_OFP_HDR_SIZE + 8) /* experimenter id, exp_type */

int
vs_ofp_dec_experimenter(const uint8_t *msg, size_t size, uint32_t *experimenter, uint32_t *exp_type,
			struct vs_ofp_err *e)
{
	if (!whole(msg, size, EXP_HDR_SIZE))
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	*experimenter = rd32(msg + 8);
	*exp_type = rd32(msg + 12);
	return 0;
}

int
vs_ofp_dec_bundle_ctrl(const uint8_t *msg, size_t size, struct vs_ofp_bundle_ctrl *bc,
		       struct vs_ofp_err *e)
{
	if (!whole(msg, size, EXP_HDR_SIZE + 8))
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	bc->bundle_id = rd32(msg + EXP_HDR_SIZE);
	bc->type = rd16(msg + EXP_HDR_SIZE + 4);
	bc->flags = rd16(msg + EXP_HDR_SIZE + 6);
	if (bc->type > VS_OFPBCT_DISCARD_REPLY)
		return fail(e, VS_OFPET_EXPERIMENTER, VS_OFPBFC_BAD_TYPE);
	if (bc->flags & ~(VS_OFPBF_ATOMIC | VS_OFPBF_ORDERED))
		return fail(e, VS_OFPET_EXPERIMENTER, VS_OFPBFC_BAD_FLAGS);
	return 0;
}

int
vs_ofp_dec_bundle_add(const uint8_t *msg, size_t size, uint32_t *bundle_id, uint16_t *flags,
		      const uint8_t **inner, size_t *inner_size, struct vs_ofp_err *e)
{
	size_t pos = EXP_HDR_SIZE + 8, len;

	if (!whole(msg, size, pos + VS_OFP_HDR_SIZE))
		return fail(e, VS_OFPET_EXPERIMENTER, VS_OFPBFC_MSG_BAD_LEN);
	*bundle_id = rd32(msg + EXP_HDR_SIZE);
	*flags = rd16(msg + EXP_HDR_SIZE + 6);
	if (*flags & ~(VS_OFPBF_ATOMIC | VS_OFPBF_ORDERED))
		return fail(e, VS_OFPET_EXPERIMENTER, VS_OFPBFC_BAD_FLAGS);
	len = rd16(msg + pos + 2);
	/* the message, then properties padded to 8 bytes */
	if (len < VS_OFP_HDR_SIZE || len > size - pos)
		return fail(e, VS_OFPET_EXPERIMENTER, VS_OFPBFC_MSG_BAD_LEN);
	if (msg[pos] != VS_OFP_VERSION)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_VERSION);
	if (rd32(msg + pos + 4) != rd32(msg + 4))
		return fail(e, VS_OFPET_EXPERIMENTER, VS_OFPBFC_MSG_BAD_XID);
	*inner = msg + pos;
	*inner_size = len;
	return 0;
}

static size_t
exp_start(struct vs_ofp_buf *b, uint32_t xid, uint32_t exp_type)
{
	size_t off = vs_ofp_start(b, VS_OFPT_EXPERIMENTER, xid);

	vs_ofp_put32(b, VS_OFP_ONF_EXPERIMENTER_ID);
	vs_ofp_put32(b, exp_type);
	return off;
}

int
vs_ofp_enc_bundle_ctrl(struct vs_ofp_buf *b, uint32_t xid, const struct vs_ofp_bundle_ctrl *bc)
{
	size_t off = exp_start(b, xid, VS_ONFT_BUNDLE_CONTROL);

	vs_ofp_put32(b, bc->bundle_id);
	vs_ofp_put16(b, bc->type);
	vs_ofp_put16(b, bc->flags);
	return vs_ofp_end(b, off);
}

int
vs_ofp_enc_bundle_add(struct vs_ofp_buf *b, uint32_t xid, uint32_t bundle_id, uint16_t flags,
		      const uint8_t *inner, size_t inner_size)
{
	size_t off = exp_start(b, xid, VS_ONFT_BUNDLE_ADD_MESSAGE);

	vs_ofp_put32(b, bundle_id);
	vs_ofp_put16(b, 0);
	vs_ofp_put16(b, flags);
	vs_ofp_put(b, inner, inner_size);
	return vs_ofp_end(b, off);
}

int
vs_ofp_dec_set_config(const uint8_t *msg, size_t size, uint16_t *flags, uint16_t *miss_send_len,
		      struct vs_ofp_err *e)
{
	if (!whole(msg, size, VS_OFP_HDR_SIZE + 4) || size != VS_OFP_HDR_SIZE + 4)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	*flags = rd16(msg + 8);
	*miss_send_len = rd16(msg + 10);
	/* OFPC_FRAG_NORMAL only: no fragment reassembly or dropping */
	if (*flags != 0)
		return fail(e, VS_OFPET_SWITCH_CONFIG_FAILED, VS_OFPSCFC_BAD_FLAGS);
	return 0;
}

static bool
field_ok(const struct vs_ofp_match *m, unsigned int f, const uint8_t *v)
{
	uint32_t port;

	switch (f) {
	case VS_OXM_IN_PORT:
		port = rd32(v);
		return port != 0 && (port <= VS_OFPP_MAX || port == VS_OFPP_LOCAL);
	case VS_OXM_VLAN_VID:
		return rd16(v) <= 0x1fff;
	case VS_OXM_VLAN_PCP:
		return v[0] <= 7;
	case VS_OXM_IP_DSCP:
		return v[0] <= 63;
	default:
		(void)m;
		return true;
	}
}

static bool
eth_type_is(const struct vs_ofp_match *m, uint16_t t)
{
	return vs_ofp_match_has(m, VS_OXM_ETH_TYPE) && vs_ofp_match_u16(m, VS_OXM_ETH_TYPE) == t;
}

static bool
proto_is(const struct vs_ofp_match *m, uint8_t p)
{
	return vs_ofp_match_has(m, VS_OXM_IP_PROTO) && m->val[VS_OXM_IP_PROTO][0] == p;
}

/* OpenFlow 1.3 section 7.2.3.8: a field needs the fields it depends on. */
static bool
prereqs_ok(const struct vs_ofp_match *m)
{
	bool ip = eth_type_is(m, 0x0800) || eth_type_is(m, 0x86dd);
	unsigned int f;

	for (f = 0; f < VS_OXM_MAX; f++) {
		bool ok = true;

		if (!vs_ofp_match_has(m, f))
			continue;
		switch (f) {
		case VS_OXM_VLAN_PCP:
			ok = vs_ofp_match_has(m, VS_OXM_VLAN_VID) &&
			     vs_ofp_match_u16(m, VS_OXM_VLAN_VID) != VS_OFPVID_NONE;
			break;
		case VS_OXM_IP_DSCP:
		case VS_OXM_IP_PROTO:
			ok = ip;
			break;
		case VS_OXM_IPV4_SRC:
		case VS_OXM_IPV4_DST:
			ok = eth_type_is(m, 0x0800);
			break;
		case VS_OXM_IPV6_SRC:
		case VS_OXM_IPV6_DST:
			ok = eth_type_is(m, 0x86dd);
			break;
		case VS_OXM_TCP_SRC:
		case VS_OXM_TCP_DST:
			ok = ip && proto_is(m, 6);
			break;
		case VS_OXM_UDP_SRC:
		case VS_OXM_UDP_DST:
			ok = ip && proto_is(m, 17);
			break;
		case VS_OXM_SCTP_SRC:
		case VS_OXM_SCTP_DST:
			ok = ip && proto_is(m, 132);
			break;
		case VS_OXM_ICMPV4_TYPE:
		case VS_OXM_ICMPV4_CODE:
			ok = eth_type_is(m, 0x0800) && proto_is(m, 1);
			break;
		case VS_OXM_ICMPV6_TYPE:
		case VS_OXM_ICMPV6_CODE:
			ok = eth_type_is(m, 0x86dd) && proto_is(m, 58);
			break;
		default:
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

int
vs_ofp_dec_match(const uint8_t *p, size_t size, struct vs_ofp_match *m, size_t *used,
		 struct vs_ofp_err *e)
{
	size_t len, pos;

	memset(m, 0, sizeof(*m));
	if (size < 4)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	if (rd16(p) != 1) /* OFPMT_OXM */
		return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_TYPE);
	len = rd16(p + 2);
	if (len < 4 || ALIGN8(len) > size)
		return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_LEN);
	for (pos = 4; pos < len;) {
		uint16_t cls;
		unsigned int f, has_mask, olen, fsize, i;
		const uint8_t *v;

		if (len - pos < 4)
			return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_LEN);
		cls = rd16(p + pos);
		f = p[pos + 2] >> 1;
		has_mask = p[pos + 2] & 1;
		olen = p[pos + 3];
		if (olen > len - pos - 4)
			return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_LEN);
		if (cls != VS_OXM_CLASS_BASIC)
			return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_FIELD);
		fsize = vs_ofp_field_size(f);
		if (fsize == 0)
			return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_FIELD);
		if (olen != (has_mask ? 2 * fsize : fsize))
			return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_LEN);
		if (has_mask && !fields[f].maskable)
			return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_MASK);
		if (vs_ofp_match_has(m, f))
			return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_DUP_FIELD);
		v = p + pos + 4;
		if (!field_ok(m, f, v))
			return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_VALUE);
		vs_ofp_match_set(m, f, v, has_mask ? v + fsize : NULL);
		/* a value bit outside its mask (OpenFlow 1.3, 7.2.3.5) */
		for (i = 0; has_mask && i < fsize; i++)
			if (m->val[f][i] & ~m->mask[f][i])
				return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_WILDCARDS);
		pos += 4 + olen;
	}
	if (!prereqs_ok(m))
		return fail(e, VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_PREREQ);
	*used = ALIGN8(len);
	return 0;
}

static bool
out_port_ok(uint32_t port)
{
	return port != 0 && port != VS_OFPP_ANY && (port <= VS_OFPP_MAX || port >= VS_OFPP_IN_PORT);
}

/* A SET_FIELD action's OXM TLV (p: the action, len bytes, len >= 8). */
static int
dec_set_field(const uint8_t *p, uint16_t len, struct vs_ofp_action *a, struct vs_ofp_err *e)
{
	unsigned int f = p[6] >> 1, olen = p[7], size;

	if (rd16(p + 4) != VS_OXM_CLASS_BASIC)
		return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_SET_TYPE);
	size = vs_ofp_field_size(f);
	if (size == 0)
		return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_SET_TYPE);
	if (p[6] & 1) /* a set_field has no mask in OpenFlow 1.3 */
		return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_SET_ARGUMENT);
	if (olen != size || ALIGN8(8 + olen) != len)
		return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_SET_LEN);
	/* VLAN_VID is set with OFPVID_PRESENT, as the match says a tag */
	if (!field_ok(NULL, f, p + 8) ||
	    (f == VS_OXM_VLAN_VID && !(rd16(p + 8) & VS_OFPVID_PRESENT)))
		return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_SET_ARGUMENT);
	a->type = VS_OFPACT_SET_FIELD;
	a->field = (uint8_t)f;
	memcpy(a->value, p + 8, size);
	return 0;
}

/*
 * An action list (APPLY_ACTIONS, WRITE_ACTIONS, PACKET_OUT): every action's
 * length and arguments checked; the first bad one names the error.
 */
static int
dec_actions(const uint8_t *p, size_t size, struct vs_ofp_action *out, uint32_t *n,
	    struct vs_ofp_err *e)
{
	size_t pos = 0;
	int rc;

	*n = 0;
	while (pos < size) {
		struct vs_ofp_action *a;
		uint16_t type, len;

		if (size - pos < 8)
			return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_LEN);
		type = rd16(p + pos);
		len = rd16(p + pos + 2);
		if (len < 8 || len % 8 != 0 || len > size - pos)
			return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_LEN);
		switch (type) {
		case VS_OFPAT_OUTPUT:
		case VS_OFPAT_PUSH_VLAN:
		case VS_OFPAT_POP_VLAN:
		case VS_OFPAT_SET_FIELD:
			break;
		case VS_OFPAT_EXPERIMENTER: /* we know no experimenter */
			return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_EXPERIMENTER);
		default: /* copy/set/dec TTL, MPLS, PBB, set_queue, group, unknown */
			return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_TYPE);
		}
		if (*n == VS_OFP_MAX_ACTIONS)
			return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_TOO_MANY);
		a = &out[*n];
		memset(a, 0, sizeof(*a));
		switch (type) {
		case VS_OFPAT_OUTPUT:
			if (len != 16)
				return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_LEN);
			if (!out_port_ok(rd32(p + pos + 4)))
				return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_OUT_PORT);
			a->type = VS_OFPACT_OUTPUT;
			a->port = rd32(p + pos + 4);
			a->max_len = rd16(p + pos + 8);
			break;
		case VS_OFPAT_PUSH_VLAN:
			if (len != 8)
				return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_LEN);
			a->type = VS_OFPACT_PUSH_VLAN;
			a->ethertype = rd16(p + pos + 4);
			if (a->ethertype != 0x8100 && a->ethertype != 0x88a8)
				return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_ARGUMENT);
			break;
		case VS_OFPAT_POP_VLAN:
			if (len != 8)
				return fail(e, VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_LEN);
			a->type = VS_OFPACT_POP_VLAN;
			break;
		default: /* VS_OFPAT_SET_FIELD */
			rc = dec_set_field(p + pos, len, a, e);
			if (rc < 0)
				return rc;
			break;
		}
		(*n)++;
		pos += len;
	}
	return 0;
}

int
vs_ofp_dec_packet_out(const uint8_t *msg, size_t size, struct vs_ofp_packet_out *po,
		      struct vs_ofp_err *e)
{
	uint16_t alen;
	int rc;

	memset(po, 0, sizeof(*po));
	if (!whole(msg, size, 24))
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	po->buffer_id = rd32(msg + 8);
	po->in_port = rd32(msg + 12);
	alen = rd16(msg + 16);
	if (alen > size - 24)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	if (po->in_port == 0 || (po->in_port > VS_OFPP_MAX && po->in_port != VS_OFPP_CONTROLLER &&
				 po->in_port != VS_OFPP_LOCAL))
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_PORT);
	rc = dec_actions(msg + 24, alen, po->actions, &po->n_actions, e);
	if (rc < 0)
		return rc;
	if (po->buffer_id != VS_OFP_NO_BUFFER)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BUFFER_UNKNOWN);
	po->data = msg + 24 + alen;
	po->size = size - 24 - alen;
	return 0;
}

int
vs_ofp_dec_packet_in(const uint8_t *msg, size_t size, struct vs_ofp_packet_in *pi,
		     struct vs_ofp_err *e)
{
	struct vs_ofp_match m;
	size_t used;
	int rc;

	memset(pi, 0, sizeof(*pi));
	if (!whole(msg, size, 24 + 8 + 2))
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	pi->buffer_id = rd32(msg + 8);
	pi->total_len = rd16(msg + 12);
	pi->reason = msg[14];
	pi->table_id = msg[15];
	pi->cookie = rd64(msg + 16);
	rc = vs_ofp_dec_match(msg + 24, size - 24, &m, &used, e);
	if (rc < 0)
		return rc;
	if (size - 24 < used + 2)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	pi->in_port =
	    vs_ofp_match_has(&m, VS_OXM_IN_PORT) ? vs_ofp_match_u32(&m, VS_OXM_IN_PORT) : 0;
	pi->data = msg + 24 + used + 2;
	pi->size = size - 24 - used - 2;
	return 0;
}

static int
dec_instructions(const uint8_t *p, size_t size, struct vs_ofp_flow_mod *fm, struct vs_ofp_err *e)
{
	uint32_t seen = 0; /* instruction types met, 1 << type */
	size_t pos = 0;
	int rc;

	fm->goto_table = VS_OFP_NO_GOTO;
	while (pos < size) {
		uint16_t type, len;

		if (size - pos < 8)
			return fail(e, VS_OFPET_BAD_INSTRUCTION, VS_OFPBIC_BAD_LEN);
		type = rd16(p + pos);
		len = rd16(p + pos + 2);
		if (len < 8 || len % 8 != 0 || len > size - pos)
			return fail(e, VS_OFPET_BAD_INSTRUCTION, VS_OFPBIC_BAD_LEN);
		if (type >= VS_OFPIT_GOTO_TABLE && type <= VS_OFPIT_METER) {
			if (seen & (1u << type)) /* at most one of each type */
				return fail(e, VS_OFPET_BAD_INSTRUCTION, VS_OFPBIC_DUP_INST);
			seen |= 1u << type;
		}
		switch (type) {
		case VS_OFPIT_APPLY_ACTIONS:
			rc = dec_actions(p + pos + 8, len - 8u, fm->apply, &fm->n_apply, e);
			if (rc < 0)
				return rc;
			break;
		case VS_OFPIT_WRITE_ACTIONS:
			rc = dec_actions(p + pos + 8, len - 8u, fm->write, &fm->n_write, e);
			if (rc < 0)
				return rc;
			break;
		case VS_OFPIT_CLEAR_ACTIONS:
			if (len != 8)
				return fail(e, VS_OFPET_BAD_INSTRUCTION, VS_OFPBIC_BAD_LEN);
			fm->clear_actions = true;
			break;
		case VS_OFPIT_GOTO_TABLE:
			if (len != 8)
				return fail(e, VS_OFPET_BAD_INSTRUCTION, VS_OFPBIC_BAD_LEN);
			/* only forward (so never to table 0, whatever the flow's
			 * table_id says, ALL included), and never to "all tables" */
			if (p[pos + 4] == VS_OFP_NO_GOTO || p[pos + 4] == 0 ||
			    (fm->table_id != VS_OFPTT_ALL && p[pos + 4] <= fm->table_id))
				return fail(e, VS_OFPET_BAD_INSTRUCTION, VS_OFPBIC_BAD_TABLE_ID);
			fm->goto_table = p[pos + 4];
			break;
		case VS_OFPIT_WRITE_METADATA:
		case VS_OFPIT_METER:
		case VS_OFPIT_EXPERIMENTER:
			return fail(e, VS_OFPET_BAD_INSTRUCTION, VS_OFPBIC_UNSUP_INST);
		default:
			return fail(e, VS_OFPET_BAD_INSTRUCTION, VS_OFPBIC_UNKNOWN_INST);
		}
		pos += len;
	}
	return 0;
}

int
vs_ofp_dec_flow_mod(const uint8_t *msg, size_t size, struct vs_ofp_flow_mod *fm,
		    struct vs_ofp_err *e)
{
	size_t used;
	int rc;

	memset(fm, 0, sizeof(*fm));
	fm->goto_table = VS_OFP_NO_GOTO;
	if (!whole(msg, size, 48 + 8)) /* fixed part and the smallest match */
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	fm->cookie = rd64(msg + 8);
	fm->cookie_mask = rd64(msg + 16);
	fm->table_id = msg[24];
	fm->command = msg[25];
	fm->idle_timeout = rd16(msg + 26);
	fm->hard_timeout = rd16(msg + 28);
	fm->priority = rd16(msg + 30);
	fm->buffer_id = rd32(msg + 32);
	fm->out_port = rd32(msg + 36);
	fm->out_group = rd32(msg + 40);
	fm->flags = rd16(msg + 44);
	rc = vs_ofp_dec_match(msg + 48, size - 48, &fm->match, &used, e);
	if (rc < 0)
		return rc;
	if (fm->command > VS_OFPFC_DELETE_STRICT)
		return fail(e, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_BAD_COMMAND);
	return dec_instructions(msg + 48 + used, size - 48 - used, fm, e);
}

int
vs_ofp_dec_multipart_req(const uint8_t *msg, size_t size, struct vs_ofp_multipart_req *mp,
			 struct vs_ofp_err *e)
{
	size_t used;
	int rc;

	if (!whole(msg, size, 16))
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	mp->type = rd16(msg + 8);
	mp->flags = rd16(msg + 10);
	switch (mp->type) {
	case VS_OFPMP_DESC:
	case VS_OFPMP_TABLE:
	case VS_OFPMP_PORT_DESC:
	case VS_OFPMP_TABLE_FEATURES: /* a body would set features: not supported */
		if (size != 16)
			return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
		return 0;
	case VS_OFPMP_PORT_STATS:
		if (size != 16 + 8)
			return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
		mp->port_no = rd32(msg + 16);
		return 0;
	case VS_OFPMP_FLOW:
	case VS_OFPMP_AGGREGATE: /* the same request body */
		if (size < 16 + 32 + 8)
			return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
		mp->flow.table_id = msg[16];
		mp->flow.out_port = rd32(msg + 20);
		mp->flow.out_group = rd32(msg + 24);
		mp->flow.cookie = rd64(msg + 32);
		mp->flow.cookie_mask = rd64(msg + 40);
		rc = vs_ofp_dec_match(msg + 48, size - 48, &mp->flow.match, &used, e);
		if (rc < 0)
			return rc;
		if (48 + used != size)
			return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
		return 0;
	default:
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_MULTIPART);
	}
}

int
vs_ofp_dec_flow_removed(const uint8_t *msg, size_t size, struct vs_ofp_flow_removed *fr,
			struct vs_ofp_match *m, struct vs_ofp_err *e)
{
	size_t used;
	int rc;

	memset(fr, 0, sizeof(*fr));
	if (!whole(msg, size, 48 + 8))
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	fr->cookie = rd64(msg + 8);
	fr->priority = rd16(msg + 16);
	fr->reason = msg[18];
	fr->table_id = msg[19];
	fr->duration_sec = rd32(msg + 20);
	fr->duration_nsec = rd32(msg + 24);
	fr->idle_timeout = rd16(msg + 28);
	fr->hard_timeout = rd16(msg + 30);
	fr->packet_count = rd64(msg + 32);
	fr->byte_count = rd64(msg + 40);
	rc = vs_ofp_dec_match(msg + 48, size - 48, m, &used, e);
	if (rc < 0)
		return rc;
	if (48 + used != size)
		return fail(e, VS_OFPET_BAD_REQUEST, VS_OFPBRC_BAD_LEN);
	fr->match = m;
	return 0;
}
