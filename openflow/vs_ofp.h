/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenFlow 1.3 (wire version 0x04): the codec.
 *
 * Decoders take a whole message (the header's length equals the buffer's)
 * and check every length and TLV before reading it; on a malformed or
 * unsupported message they return -EBADMSG (or -ENOTSUP) and fill a
 * struct vs_ofp_err with the OpenFlow error type and code the channel sends
 * back. Encoders append to a growable struct vs_ofp_buf and fix the header's
 * length when the message is complete.
 *
 * Supported subset: HELLO (version bitmap), ERROR, ECHO, FEATURES,
 * GET/SET_CONFIG, BARRIER, FLOW_MOD (OXM match on the fields below;
 * APPLY_ACTIONS, WRITE_ACTIONS, CLEAR_ACTIONS and GOTO_TABLE with OUTPUT,
 * PUSH_VLAN, POP_VLAN and SET_FIELD actions), FLOW_REMOVED, PACKET_OUT,
 * MULTIPART DESC, FLOW, AGGREGATE, TABLE, TABLE_FEATURES, PORT_STATS and
 * PORT_DESC, ROLE_REQUEST/REPLY, GET/SET_ASYNC and PORT_STATUS. Anything
 * else is refused with its exact error code (see docs/openflow.md).
 *
 * No DPDK here: control thread, testable and fuzzable alone.
 */
#ifndef VS_OFP_H
#define VS_OFP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VS_OFP_VERSION	0x04
#define VS_OFP_HDR_SIZE 8
#define VS_OFP_MAX_MSG	65535

/* Message types (enum ofp_type). */
enum {
	VS_OFPT_HELLO = 0,
	VS_OFPT_ERROR = 1,
	VS_OFPT_ECHO_REQUEST = 2,
	VS_OFPT_ECHO_REPLY = 3,
	VS_OFPT_EXPERIMENTER = 4,
	VS_OFPT_FEATURES_REQUEST = 5,
	VS_OFPT_FEATURES_REPLY = 6,
	VS_OFPT_GET_CONFIG_REQUEST = 7,
	VS_OFPT_GET_CONFIG_REPLY = 8,
	VS_OFPT_SET_CONFIG = 9,
	VS_OFPT_PACKET_IN = 10,
	VS_OFPT_FLOW_REMOVED = 11,
	VS_OFPT_PORT_STATUS = 12,
	VS_OFPT_PACKET_OUT = 13,
	VS_OFPT_FLOW_MOD = 14,
	VS_OFPT_MULTIPART_REQUEST = 18,
	VS_OFPT_MULTIPART_REPLY = 19,
	VS_OFPT_BARRIER_REQUEST = 20,
	VS_OFPT_BARRIER_REPLY = 21,
	VS_OFPT_ROLE_REQUEST = 24,
	VS_OFPT_ROLE_REPLY = 25,
	VS_OFPT_GET_ASYNC_REQUEST = 26,
	VS_OFPT_GET_ASYNC_REPLY = 27,
	VS_OFPT_SET_ASYNC = 28,
};

/* Error types and the codes we send (enum ofp_error_type, ofp_*_code). */
enum {
	VS_OFPET_HELLO_FAILED = 0,
	VS_OFPET_BAD_REQUEST = 1,
	VS_OFPET_BAD_ACTION = 2,
	VS_OFPET_BAD_INSTRUCTION = 3,
	VS_OFPET_BAD_MATCH = 4,
	VS_OFPET_FLOW_MOD_FAILED = 5,
	VS_OFPET_SWITCH_CONFIG_FAILED = 10,
	VS_OFPET_ROLE_REQUEST_FAILED = 11,
	/* OpenFlow 1.3 carries the bundle errors as ONF experimenter errors:
	 * type 0xffff, the code below, then the ONF experimenter id */
	VS_OFPET_EXPERIMENTER = 0xffff,
};

/*
 * Bundles in OpenFlow 1.3: the ONF extension (EXT-230) that OpenFlow 1.4
 * made standard, as `ovs-ofctl -O OpenFlow13 --bundle` and os-ken send it:
 * EXPERIMENTER messages of the ONF id whose bodies are 1.4's bundle_ctrl and
 * bundle_add_msg, and the bundle errors as ONF experimenter error codes.
 */
#define VS_OFP_ONF_EXPERIMENTER_ID 0x4f4e4600u
enum {
	VS_ONFT_BUNDLE_CONTROL = 2300,
	VS_ONFT_BUNDLE_ADD_MESSAGE = 2301,
};
enum {
	VS_OFPBCT_OPEN_REQUEST = 0,
	VS_OFPBCT_OPEN_REPLY = 1,
	VS_OFPBCT_CLOSE_REQUEST = 2,
	VS_OFPBCT_CLOSE_REPLY = 3,
	VS_OFPBCT_COMMIT_REQUEST = 4,
	VS_OFPBCT_COMMIT_REPLY = 5,
	VS_OFPBCT_DISCARD_REQUEST = 6,
	VS_OFPBCT_DISCARD_REPLY = 7,
};
enum { VS_OFPBF_ATOMIC = 1, VS_OFPBF_ORDERED = 2 };
/* codes of VS_OFPET_EXPERIMENTER errors (ONF1.3 numbering of OFPBFC_*) */
enum {
	VS_OFPBFC_UNKNOWN = 2300,
	VS_OFPBFC_EPERM = 2301,
	VS_OFPBFC_BAD_ID = 2302,
	VS_OFPBFC_BUNDLE_EXIST = 2303,
	VS_OFPBFC_BUNDLE_CLOSED = 2304,
	VS_OFPBFC_OUT_OF_BUNDLES = 2305,
	VS_OFPBFC_BAD_TYPE = 2306,
	VS_OFPBFC_BAD_FLAGS = 2307,
	VS_OFPBFC_MSG_BAD_LEN = 2308,
	VS_OFPBFC_MSG_BAD_XID = 2309,
	VS_OFPBFC_MSG_UNSUP = 2310,
	VS_OFPBFC_MSG_CONFLICT = 2311,
	VS_OFPBFC_MSG_TOO_MANY = 2312,
	VS_OFPBFC_MSG_FAILED = 2313,
	VS_OFPBFC_TIMEOUT = 2314,
	VS_OFPBFC_BUNDLE_IN_PROGRESS = 2315,
};
enum { VS_OFPHFC_INCOMPATIBLE = 0 };
enum {
	VS_OFPBRC_BAD_VERSION = 0,
	VS_OFPBRC_BAD_TYPE = 1,
	VS_OFPBRC_BAD_MULTIPART = 2,
	VS_OFPBRC_BAD_EXPERIMENTER = 3,
	VS_OFPBRC_BAD_EXP_TYPE = 4,
	VS_OFPBRC_BAD_LEN = 6,
	VS_OFPBRC_IS_SLAVE = 10,
	VS_OFPBRC_BAD_PORT = 11,
	VS_OFPBRC_BUFFER_UNKNOWN = 8,
	VS_OFPBRC_BAD_TABLE_ID = 9,
	VS_OFPBRC_MULTIPART_BUFFER_OVERFLOW = 13,
};
enum {
	VS_OFPBAC_BAD_TYPE = 0,
	VS_OFPBAC_BAD_LEN = 1,
	VS_OFPBAC_BAD_EXPERIMENTER = 2,
	VS_OFPBAC_BAD_OUT_PORT = 4,
	VS_OFPBAC_BAD_ARGUMENT = 5,
	VS_OFPBAC_TOO_MANY = 7,
	VS_OFPBAC_MATCH_INCONSISTENT = 10,
	VS_OFPBAC_BAD_SET_TYPE = 13,
	VS_OFPBAC_BAD_SET_LEN = 14,
	VS_OFPBAC_BAD_SET_ARGUMENT = 15,
};
enum {
	VS_OFPBIC_UNKNOWN_INST = 0,
	VS_OFPBIC_UNSUP_INST = 1,
	VS_OFPBIC_BAD_TABLE_ID = 2,
	VS_OFPBIC_BAD_LEN = 7,
	VS_OFPBIC_DUP_INST = 9, /* numbered as OpenFlow 1.4 does (1.3 has no code for it) */
};

/* Instruction types (enum ofp_instruction_type). */
enum {
	VS_OFPIT_GOTO_TABLE = 1,
	VS_OFPIT_WRITE_METADATA = 2,
	VS_OFPIT_WRITE_ACTIONS = 3,
	VS_OFPIT_APPLY_ACTIONS = 4,
	VS_OFPIT_CLEAR_ACTIONS = 5,
	VS_OFPIT_METER = 6,
	VS_OFPIT_EXPERIMENTER = 0xffff,
};

/* Action types (enum ofp_action_type) we decode. */
enum {
	VS_OFPAT_OUTPUT = 0,
	VS_OFPAT_PUSH_VLAN = 17,
	VS_OFPAT_POP_VLAN = 18,
	VS_OFPAT_SET_FIELD = 25,
	VS_OFPAT_EXPERIMENTER = 0xffff,
};
enum {
	VS_OFPBMC_BAD_TYPE = 0,
	VS_OFPBMC_BAD_LEN = 1,
	VS_OFPBMC_BAD_DL_ADDR_MASK = 3,
	VS_OFPBMC_BAD_NW_ADDR_MASK = 4,
	VS_OFPBMC_BAD_WILDCARDS = 5,
	VS_OFPBMC_BAD_FIELD = 6,
	VS_OFPBMC_BAD_VALUE = 7,
	VS_OFPBMC_BAD_MASK = 8,
	VS_OFPBMC_BAD_PREREQ = 9,
	VS_OFPBMC_DUP_FIELD = 10,
};
enum {
	VS_OFPFMFC_UNKNOWN = 0,
	VS_OFPFMFC_TABLE_FULL = 1,
	VS_OFPFMFC_BAD_TABLE_ID = 2,
	VS_OFPFMFC_OVERLAP = 3,
	VS_OFPFMFC_EPERM = 4,
	VS_OFPFMFC_BAD_TIMEOUT = 5,
	VS_OFPFMFC_BAD_COMMAND = 6,
	VS_OFPFMFC_BAD_FLAGS = 7,
};
enum { VS_OFPSCFC_BAD_FLAGS = 0, VS_OFPSCFC_BAD_LEN = 1 };
enum { VS_OFPRRFC_STALE = 0, VS_OFPRRFC_UNSUP = 1, VS_OFPRRFC_BAD_ROLE = 2 };

/* Controller roles (enum ofp_controller_role). */
enum {
	VS_OFPCR_ROLE_NOCHANGE = 0,
	VS_OFPCR_ROLE_EQUAL = 1,
	VS_OFPCR_ROLE_MASTER = 2,
	VS_OFPCR_ROLE_SLAVE = 3,
};

/* PORT_STATUS reasons (enum ofp_port_reason). */
enum { VS_OFPPR_ADD = 0, VS_OFPPR_DELETE = 1, VS_OFPPR_MODIFY = 2 };
/* Port config and state bits. */
#define VS_OFPPC_PORT_DOWN 0x1u
#define VS_OFPPS_LINK_DOWN 0x1u
#define VS_OFPPS_LIVE	   0x4u

/* FLOW_MOD commands and flags. */
enum {
	VS_OFPFC_ADD = 0,
	VS_OFPFC_MODIFY = 1,
	VS_OFPFC_MODIFY_STRICT = 2,
	VS_OFPFC_DELETE = 3,
	VS_OFPFC_DELETE_STRICT = 4,
};
#define VS_OFPFF_SEND_FLOW_REM 0x0001
#define VS_OFPFF_CHECK_OVERLAP 0x0002
#define VS_OFPFF_RESET_COUNTS  0x0004
#define VS_OFPFF_NO_PKT_COUNTS 0x0008
#define VS_OFPFF_NO_BYT_COUNTS 0x0010

/* Reserved ports, tables, buffers. */
#define VS_OFPP_MAX	   0xffffff00u
#define VS_OFPP_IN_PORT	   0xfffffff8u
#define VS_OFPP_TABLE	   0xfffffff9u
#define VS_OFPP_NORMAL	   0xfffffffau
#define VS_OFPP_FLOOD	   0xfffffffbu
#define VS_OFPP_ALL	   0xfffffffcu
#define VS_OFPP_CONTROLLER 0xfffffffdu
#define VS_OFPP_LOCAL	   0xfffffffeu
#define VS_OFPP_ANY	   0xffffffffu
#define VS_OFPG_ANY	   0xffffffffu
#define VS_OFPTT_ALL	   0xff
#define VS_OFP_NO_BUFFER   0xffffffffu

/* Multipart types. */
enum {
	VS_OFPMP_DESC = 0,
	VS_OFPMP_FLOW = 1,
	VS_OFPMP_AGGREGATE = 2,
	VS_OFPMP_TABLE = 3,
	VS_OFPMP_PORT_STATS = 4,
	VS_OFPMP_TABLE_FEATURES = 12,
	VS_OFPMP_PORT_DESC = 13,
};
#define VS_OFPMPF_MORE 0x0001

/* OXM OpenFlow-basic fields (enum oxm_ofb_match_fields) we decode. */
enum vs_ofp_field {
	VS_OXM_IN_PORT = 0,
	VS_OXM_ETH_DST = 3,
	VS_OXM_ETH_SRC = 4,
	VS_OXM_ETH_TYPE = 5,
	VS_OXM_VLAN_VID = 6,
	VS_OXM_VLAN_PCP = 7,
	VS_OXM_IP_DSCP = 8,
	VS_OXM_IP_PROTO = 10,
	VS_OXM_IPV4_SRC = 11,
	VS_OXM_IPV4_DST = 12,
	VS_OXM_TCP_SRC = 13,
	VS_OXM_TCP_DST = 14,
	VS_OXM_UDP_SRC = 15,
	VS_OXM_UDP_DST = 16,
	VS_OXM_SCTP_SRC = 17,
	VS_OXM_SCTP_DST = 18,
	VS_OXM_ICMPV4_TYPE = 19,
	VS_OXM_ICMPV4_CODE = 20,
	VS_OXM_IPV6_SRC = 26,
	VS_OXM_IPV6_DST = 27,
	VS_OXM_ICMPV6_TYPE = 29,
	VS_OXM_ICMPV6_CODE = 30,
	VS_OXM_MAX = 40,
};
#define VS_OXM_CLASS_BASIC 0x8000
#define VS_OFPVID_PRESENT  0x1000
#define VS_OFPVID_NONE	   0x0000

/* An OpenFlow error to send: type and code (enum ofp_error_type, *_code). */
struct vs_ofp_err {
	uint16_t type;
	uint16_t code;
};

/* A message being built. */
struct vs_ofp_buf {
	uint8_t *data;
	size_t len, cap;
	bool oom; /* a put failed: the message is incomplete */
};

struct vs_ofp_hdr {
	uint8_t version;
	uint8_t type;
	uint16_t length;
	uint32_t xid;
};

/*
 * A decoded OXM match: which fields are present (bit 1 << VS_OXM_*), which
 * of them carry a mask, and their values and masks in network order (left
 * aligned in 16 bytes; unmasked fields have an all-ones mask).
 */
struct vs_ofp_match {
	uint64_t present;
	uint64_t masked;
	uint8_t val[VS_OXM_MAX][16];
	uint8_t mask[VS_OXM_MAX][16];
};

/*
 * One action of an action list or set. output: port (and max_len for
 * CONTROLLER); push_vlan: ethertype (0x8100 or 0x88a8); set_field: the OXM
 * field index (VS_OXM_*) and its value in network order, left aligned.
 * Decoded actions are zeroed first, so two equal actions compare equal.
 */
enum vs_ofp_act_type {
	VS_OFPACT_OUTPUT,
	VS_OFPACT_PUSH_VLAN,
	VS_OFPACT_POP_VLAN,
	VS_OFPACT_SET_FIELD
};

struct vs_ofp_action {
	uint8_t type;	    /* enum vs_ofp_act_type */
	uint8_t field;	    /* set_field: OXM field index as in vs_ofp_match */
	uint16_t ethertype; /* push_vlan */
	uint16_t max_len;   /* output:CONTROLLER */
	uint32_t port;	    /* output */
	uint8_t value[16];  /* set_field, wire order */
};

#define VS_OFP_MAX_ACTIONS 16
#define VS_OFP_NO_GOTO	   0xff

struct vs_ofp_flow_mod {
	uint64_t cookie, cookie_mask;
	uint8_t table_id;
	uint8_t command;
	uint16_t idle_timeout, hard_timeout;
	uint16_t priority;
	uint32_t buffer_id;
	uint32_t out_port, out_group;
	uint16_t flags;
	struct vs_ofp_match match;
	/* no instruction at all: drop */
	struct vs_ofp_action apply[VS_OFP_MAX_ACTIONS]; /* APPLY_ACTIONS, in order */
	uint32_t n_apply;
	struct vs_ofp_action write[VS_OFP_MAX_ACTIONS]; /* WRITE_ACTIONS (the action set) */
	uint32_t n_write;
	bool clear_actions; /* CLEAR_ACTIONS present */
	uint8_t goto_table; /* GOTO_TABLE target, VS_OFP_NO_GOTO when absent */
};

/* Packet-in reasons (enum ofp_packet_in_reason). */
enum { VS_OFPR_NO_MATCH = 0, VS_OFPR_ACTION = 1 };
#define VS_OFPCML_NO_BUFFER 0xffff

struct vs_ofp_packet_in {
	uint32_t buffer_id; /* VS_OFP_NO_BUFFER: the data is the frame */
	uint16_t total_len; /* of the frame (data may be shorter) */
	uint8_t reason;
	uint8_t table_id;
	uint64_t cookie;
	uint32_t in_port; /* as the match's OXM IN_PORT */
	const uint8_t *data;
	size_t size;
};

struct vs_ofp_packet_out {
	uint32_t buffer_id;
	uint32_t in_port;
	struct vs_ofp_action actions[VS_OFP_MAX_ACTIONS]; /* in order */
	uint32_t n_actions;
	const uint8_t *data; /* points into the message */
	size_t size;
};

struct vs_ofp_flow_stats_req {
	uint8_t table_id;
	uint32_t out_port, out_group;
	uint64_t cookie, cookie_mask;
	struct vs_ofp_match match;
};

struct vs_ofp_multipart_req {
	uint16_t type;
	uint16_t flags;
	struct vs_ofp_flow_stats_req flow; /* type VS_OFPMP_FLOW and VS_OFPMP_AGGREGATE */
	uint32_t port_no;		   /* type VS_OFPMP_PORT_STATS: a port or OFPP_ANY */
};

/* One flow of a FLOW multipart reply. */
struct vs_ofp_flow_stats {
	uint8_t table_id;
	uint32_t duration_sec, duration_nsec;
	uint16_t priority, idle_timeout, hard_timeout, flags;
	uint64_t cookie, packet_count, byte_count;
	const struct vs_ofp_match *match;
	const struct vs_ofp_action *apply; /* APPLY_ACTIONS (none when n_apply is 0) */
	uint32_t n_apply;
	const struct vs_ofp_action *write; /* WRITE_ACTIONS (none when n_write is 0) */
	uint32_t n_write;
	bool clear_actions;
	uint8_t goto_table; /* VS_OFP_NO_GOTO: none */
};

/* A FLOW_REMOVED. */
struct vs_ofp_flow_removed {
	uint64_t cookie;
	uint16_t priority;
	uint8_t reason; /* 0 idle timeout, 1 hard timeout, 2 delete */
	uint8_t table_id;
	uint32_t duration_sec, duration_nsec;
	uint16_t idle_timeout, hard_timeout;
	uint64_t packet_count, byte_count;
	const struct vs_ofp_match *match;
};

/* One table of a TABLE multipart reply. */
struct vs_ofp_table_stats {
	uint8_t table_id;
	uint32_t active_count;
	uint64_t lookup_count, matched_count;
};

/* One port of a PORT_DESC multipart reply or a PORT_STATUS. */
struct vs_ofp_port_desc {
	uint32_t port_no;
	uint8_t hw_addr[6];
	char name[16];
	bool link_down;	     /* state OFPPS_LINK_DOWN, else OFPPS_LIVE */
	bool port_down;	     /* config OFPPC_PORT_DOWN */
	uint32_t curr_speed; /* kbit/s, 0 unknown */
};

/* One port of a PORT_STATS multipart reply (ofp_port_stats). */
struct vs_ofp_port_stats {
	uint32_t port_no;
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t rx_dropped, tx_dropped, rx_errors, tx_errors;
	uint32_t duration_sec, duration_nsec;
};

/*
 * What asynchronous messages a connection wants (ofp_async_config): bit
 * 1 << reason of each message type, [0] in role MASTER or EQUAL, [1] in role
 * SLAVE.
 */
struct vs_ofp_async {
	uint32_t packet_in[2];
	uint32_t port_status[2];
	uint32_t flow_removed[2];
};

/* The OpenFlow 1.3 defaults (§6.1.1 / A.3.10): masters and equals get every
 * packet-in, port-status and flow-removed; slaves get port-status only. */
void vs_ofp_async_default(struct vs_ofp_async *a);
/*
 * Whether a connection in role (VS_OFPCR_ROLE_*) with async config a wants
 * an asynchronous message of type (PACKET_IN, PORT_STATUS, FLOW_REMOVED)
 * with this reason. Other types: true.
 */
bool vs_ofp_async_wants(const struct vs_ofp_async *a, uint32_t role, uint8_t type, uint8_t reason);

/* Byte size of a field's value (0: not a field we know). */
unsigned int vs_ofp_field_size(unsigned int field);
/* "eth_dst", ...; "?" for an unknown field. */
const char *vs_ofp_field_name(unsigned int field);
/* "OFPET_BAD_MATCH", ...; "OFPET_?" out of range. */
const char *vs_ofp_err_type_str(uint16_t type);
/* "HELLO", "FLOW_MOD", ...; "?" for a type we do not know. */
const char *vs_ofp_type_str(uint8_t type);

/* ---- buffers ---- */
void vs_ofp_buf_init(struct vs_ofp_buf *b);
void vs_ofp_buf_free(struct vs_ofp_buf *b);
void vs_ofp_put(struct vs_ofp_buf *b, const void *p, size_t size);
void vs_ofp_put8(struct vs_ofp_buf *b, uint8_t v);
void vs_ofp_put16(struct vs_ofp_buf *b, uint16_t v); /* host order in, network order out */
void vs_ofp_put32(struct vs_ofp_buf *b, uint32_t v);
void vs_ofp_put64(struct vs_ofp_buf *b, uint64_t v);
void vs_ofp_put_zeros(struct vs_ofp_buf *b, size_t size);
/* Start a message at the end of b; returns its offset for vs_ofp_end(). */
size_t vs_ofp_start(struct vs_ofp_buf *b, uint8_t type, uint32_t xid);
/* Write the length of the message that starts at off. 0, or -EMSGSIZE / -ENOMEM. */
int vs_ofp_end(struct vs_ofp_buf *b, size_t off);

/* ---- header ---- */
/*
 * Parse the header of msg (size bytes, at least VS_OFP_HDR_SIZE). 0, or
 * -EBADMSG when length is below 8 (the stream cannot be framed).
 */
int vs_ofp_parse_hdr(const uint8_t *msg, size_t size, struct vs_ofp_hdr *h);

/* ---- encoders (append one whole message to b; 0 or -errno) ---- */
int vs_ofp_enc_hello(struct vs_ofp_buf *b, uint32_t xid);
/* data: the first bytes of the offending message (at most 64 are sent). */
int vs_ofp_enc_error(struct vs_ofp_buf *b, uint32_t xid, struct vs_ofp_err e, const void *data,
		     size_t size);
int vs_ofp_enc_echo(struct vs_ofp_buf *b, uint8_t type, uint32_t xid, const void *data,
		    size_t size);
int vs_ofp_enc_features_reply(struct vs_ofp_buf *b, uint32_t xid, uint64_t datapath_id,
			      uint8_t n_tables);
int vs_ofp_enc_get_config_reply(struct vs_ofp_buf *b, uint32_t xid, uint16_t flags,
				uint16_t miss_send_len);
int vs_ofp_enc_empty(struct vs_ofp_buf *b, uint8_t type, uint32_t xid);
int vs_ofp_enc_desc_reply(struct vs_ofp_buf *b, uint32_t xid, const char *mfr, const char *hw,
			  const char *sw, const char *serial, const char *dp);
/* TABLE_FEATURES (the request without a body, "what are your tables"):
 * tables 0..n_tables-1, each able to go to every later one. */
int vs_ofp_enc_table_features_reply(struct vs_ofp_buf *b, uint32_t xid, uint8_t n_tables,
				    uint32_t max_entries);
/* AGGREGATE multipart reply. */
int vs_ofp_enc_aggregate_reply(struct vs_ofp_buf *b, uint32_t xid, uint64_t packets, uint64_t bytes,
			       uint32_t flows);
/* TABLE multipart reply: n tables. */
int vs_ofp_enc_table_stats_reply(struct vs_ofp_buf *b, uint32_t xid,
				 const struct vs_ofp_table_stats *t, uint32_t n);
/* FLOW_REMOVED. */
int vs_ofp_enc_flow_removed(struct vs_ofp_buf *b, uint32_t xid,
			    const struct vs_ofp_flow_removed *fr);
/* FLOW_REMOVED (tests, tools); fr->match points at m. */
int vs_ofp_dec_flow_removed(const uint8_t *msg, size_t size, struct vs_ofp_flow_removed *fr,
			    struct vs_ofp_match *m, struct vs_ofp_err *e);
int vs_ofp_enc_port_desc_reply(struct vs_ofp_buf *b, uint32_t xid,
			       const struct vs_ofp_port_desc *ports, uint32_t n);
/* A match (ofp_match with OXM TLVs, padded to 8). */
void vs_ofp_enc_match(struct vs_ofp_buf *b, const struct vs_ofp_match *m);
/*
 * FLOW multipart reply: as many messages as the flows need (each below 64 KiB,
 * all but the last flagged MORE).
 */
int vs_ofp_enc_flow_stats_reply(struct vs_ofp_buf *b, uint32_t xid,
				const struct vs_ofp_flow_stats *flows, uint32_t n);
/* PORT_STATS multipart reply (as many messages as the ports need). */
int vs_ofp_enc_port_stats_reply(struct vs_ofp_buf *b, uint32_t xid,
				const struct vs_ofp_port_stats *ports, uint32_t n);
/* PORT_STATUS: reason VS_OFPPR_* and the port. */
int vs_ofp_enc_port_status(struct vs_ofp_buf *b, uint32_t xid, uint8_t reason,
			   const struct vs_ofp_port_desc *p);
/* ROLE_REQUEST (tests, tools) and ROLE_REPLY: role and generation_id. */
int vs_ofp_enc_role(struct vs_ofp_buf *b, uint8_t type, uint32_t xid, uint32_t role,
		    uint64_t generation_id);
/* GET_ASYNC_REPLY, or SET_ASYNC (tests, tools): type says which. */
int vs_ofp_enc_async(struct vs_ofp_buf *b, uint8_t type, uint32_t xid,
		     const struct vs_ofp_async *a);
/* PACKET_IN with its match (OXM IN_PORT) and data. */
int vs_ofp_enc_packet_in(struct vs_ofp_buf *b, uint32_t xid, const struct vs_ofp_packet_in *pi);
/* PACKET_OUT (tests, tools). */
int vs_ofp_enc_packet_out(struct vs_ofp_buf *b, uint32_t xid, const struct vs_ofp_packet_out *po);
/* A FLOW_MOD (tests, tools). */
int vs_ofp_enc_flow_mod(struct vs_ofp_buf *b, uint32_t xid, const struct vs_ofp_flow_mod *fm);

/* ---- decoders (msg: one whole message, its header already checked) ---- */
/* HELLO: 0 when 1.3 is acceptable to the peer, -EPROTO (HELLO_FAILED) when not. */
int vs_ofp_dec_hello(const uint8_t *msg, size_t size, struct vs_ofp_err *e);
/* SET_CONFIG: flags and miss_send_len. */
int vs_ofp_dec_set_config(const uint8_t *msg, size_t size, uint16_t *flags, uint16_t *miss_send_len,
			  struct vs_ofp_err *e);
/* A match at p (size bytes available); *used: its padded length. */
int vs_ofp_dec_match(const uint8_t *p, size_t size, struct vs_ofp_match *m, size_t *used,
		     struct vs_ofp_err *e);
int vs_ofp_dec_flow_mod(const uint8_t *msg, size_t size, struct vs_ofp_flow_mod *fm,
			struct vs_ofp_err *e);
int vs_ofp_dec_multipart_req(const uint8_t *msg, size_t size, struct vs_ofp_multipart_req *mp,
			     struct vs_ofp_err *e);
/* PACKET_IN (tests, tools); po->data points into msg. */
int vs_ofp_dec_packet_in(const uint8_t *msg, size_t size, struct vs_ofp_packet_in *pi,
			 struct vs_ofp_err *e);
/*
 * PACKET_OUT: its action list (as a FLOW_MOD's); a buffer_id other than NO_BUFFER is
 * BAD_REQUEST/BUFFER_UNKNOWN (the switch buffers nothing). po->data points
 * into msg.
 */
int vs_ofp_dec_packet_out(const uint8_t *msg, size_t size, struct vs_ofp_packet_out *po,
			  struct vs_ofp_err *e);
/* ROLE_REQUEST or ROLE_REPLY: a role above SLAVE is
 * ROLE_REQUEST_FAILED/BAD_ROLE. */
int vs_ofp_dec_role(const uint8_t *msg, size_t size, uint32_t *role, uint64_t *generation_id,
		    struct vs_ofp_err *e);
/* SET_ASYNC or GET_ASYNC_REPLY. */
int vs_ofp_dec_async(const uint8_t *msg, size_t size, struct vs_ofp_async *a, struct vs_ofp_err *e);
/* PORT_STATUS (tests, tools): reason and the port. */
int vs_ofp_dec_port_status(const uint8_t *msg, size_t size, uint8_t *reason,
			   struct vs_ofp_port_desc *p, struct vs_ofp_err *e);
/* ERROR from the peer: its type and code. */
int vs_ofp_dec_error(const uint8_t *msg, size_t size, struct vs_ofp_err *out);

/* A bundle control message (request or reply). */
struct vs_ofp_bundle_ctrl {
	uint32_t bundle_id;
	uint16_t type; /* VS_OFPBCT_* */
	uint16_t flags;
};
/* An EXPERIMENTER message's experimenter id and type. 0, or -EBADMSG (e: BAD_LEN). */
int vs_ofp_dec_experimenter(const uint8_t *msg, size_t size, uint32_t *experimenter,
			    uint32_t *exp_type, struct vs_ofp_err *e);
/* ONFT_BUNDLE_CONTROL; properties after the body are skipped. */
int vs_ofp_dec_bundle_ctrl(const uint8_t *msg, size_t size, struct vs_ofp_bundle_ctrl *bc,
			   struct vs_ofp_err *e);
/* ONFT_BUNDLE_ADD_MESSAGE: the bundle, its flags and the message it carries
 * (*inner, *inner_size: within msg). The inner message is whole and has the
 * outer one's xid; its type is the caller's to check. */
int vs_ofp_dec_bundle_add(const uint8_t *msg, size_t size, uint32_t *bundle_id, uint16_t *flags,
			  const uint8_t **inner, size_t *inner_size, struct vs_ofp_err *e);
int vs_ofp_enc_bundle_ctrl(struct vs_ofp_buf *b, uint32_t xid, const struct vs_ofp_bundle_ctrl *bc);
int vs_ofp_enc_bundle_add(struct vs_ofp_buf *b, uint32_t xid, uint32_t bundle_id, uint16_t flags,
			  const uint8_t *inner, size_t inner_size);

/* Match helpers. */
void vs_ofp_match_set(struct vs_ofp_match *m, unsigned int field, const void *val,
		      const void *mask);
bool vs_ofp_match_has(const struct vs_ofp_match *m, unsigned int field);
uint32_t vs_ofp_match_u32(const struct vs_ofp_match *m, unsigned int field);
uint16_t vs_ofp_match_u16(const struct vs_ofp_match *m, unsigned int field);

#endif /* VS_OFP_H */
