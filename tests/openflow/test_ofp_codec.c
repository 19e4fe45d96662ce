/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenFlow 1.3 codec alone: encode/decode round trips of every message
 * and match field we support, and one malformed or unsupported message per
 * error class, each answered with its exact OpenFlow type and code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vs_ofp.h"

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A FLOW_MOD built by hand: fixed part, match TLVs (oxm, n bytes), instructions. */
static size_t
raw_flow_mod(uint8_t *out, uint8_t command, const uint8_t *oxm, size_t n_oxm, const uint8_t *ins,
	     size_t n_ins)
{
	struct vs_ofp_buf b;
	size_t off, mlen, size;

	vs_ofp_buf_init(&b);
	off = vs_ofp_start(&b, VS_OFPT_FLOW_MOD, 1);
	vs_ofp_put64(&b, 0x1234);
	vs_ofp_put64(&b, 0);
	vs_ofp_put8(&b, 0);
	vs_ofp_put8(&b, command);
	vs_ofp_put16(&b, 0);
	vs_ofp_put16(&b, 0);
	vs_ofp_put16(&b, 100);
	vs_ofp_put32(&b, VS_OFP_NO_BUFFER);
	vs_ofp_put32(&b, VS_OFPP_ANY);
	vs_ofp_put32(&b, VS_OFPG_ANY);
	vs_ofp_put16(&b, 0);
	vs_ofp_put16(&b, 0);
	mlen = 4 + n_oxm;
	vs_ofp_put16(&b, 1);
	vs_ofp_put16(&b, (uint16_t)mlen);
	vs_ofp_put(&b, oxm, n_oxm);
	vs_ofp_put_zeros(&b, ((mlen + 7) & ~(size_t)7) - mlen);
	vs_ofp_put(&b, ins, n_ins);
	cr_assert_eq(vs_ofp_end(&b, off), 0);
	size = b.len;
	memcpy(out, b.data, size);
	vs_ofp_buf_free(&b);
	return size;
}

static const uint8_t output2[] = {0, 4, 0, 24, 0, 0, 0, 0, /* APPLY_ACTIONS */
				  0, 0, 0, 16, 0, 0, 0, 2, 0xff, 0xff, 0, 0, 0, 0, 0, 0};

Test(ofp_codec, hello_negotiates_1_3_only)
{
	struct vs_ofp_buf b;
	struct vs_ofp_err e = {99, 99};
	struct vs_ofp_hdr h;
	uint8_t old[8] = {0x01, 0, 0, 8, 0, 0, 0, 1};
	uint8_t newer[8] = {0x06, 0, 0, 8, 0, 0, 0, 1};
	uint8_t bm10[16] = {0x06, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x02};
	uint8_t badlen[16] = {0x04, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 40, 0, 0, 0, 0x10};

	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_hello(&b, 5), 0);
	cr_assert_eq(vs_ofp_parse_hdr(b.data, b.len, &h), 0);
	cr_expect_eq(h.version, VS_OFP_VERSION);
	cr_expect_eq(h.type, VS_OFPT_HELLO);
	cr_expect_eq(h.length, 16);
	cr_expect_eq(h.xid, 5);
	cr_expect_eq(vs_ofp_dec_hello(b.data, b.len, &e), 0);
	vs_ofp_buf_free(&b);

	cr_expect_eq(vs_ofp_dec_hello(newer, 8, &e), 0, "1.5 peer without bitmap: 1.3 is common");
	cr_expect_eq(vs_ofp_dec_hello(old, 8, &e), -EPROTO);
	cr_expect(e.type == VS_OFPET_HELLO_FAILED && e.code == VS_OFPHFC_INCOMPATIBLE);
	cr_expect_eq(vs_ofp_dec_hello(bm10, 16, &e), -EPROTO, "bitmap with 1.0 only");
	cr_expect_eq(e.type, VS_OFPET_HELLO_FAILED);
	cr_expect_eq(vs_ofp_dec_hello(badlen, 16, &e), -EBADMSG, "element longer than the hello");
	cr_expect(e.type == VS_OFPET_BAD_REQUEST && e.code == VS_OFPBRC_BAD_LEN);
}

Test(ofp_codec, header_framing)
{
	uint8_t short_len[8] = {4, 0, 0, 7, 0, 0, 0, 0};
	struct vs_ofp_hdr h;

	cr_expect_eq(vs_ofp_parse_hdr(short_len, 8, &h), -EBADMSG);
	cr_expect_eq(vs_ofp_parse_hdr(short_len, 7, &h), -EBADMSG);
	cr_expect_eq(vs_ofp_parse_hdr(NULL, 8, &h), -EBADMSG);
}

Test(ofp_codec, replies_have_their_sizes)
{
	struct vs_ofp_buf b;
	uint8_t junk[100];
	struct vs_ofp_err e = {VS_OFPET_BAD_MATCH, VS_OFPBMC_BAD_PREREQ};
	struct vs_ofp_port_desc pd = {
	    .port_no = 3, .name = "uplink0", .hw_addr = {2, 0, 0, 0, 0, 1}};

	memset(junk, 0xab, sizeof(junk));
	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_error(&b, 9, e, junk, sizeof(junk)), 0);
	cr_expect_eq(b.len, 12 + 64, "error data is cut to 64 bytes");
	cr_expect_eq(rd16(b.data + 8), VS_OFPET_BAD_MATCH);
	cr_expect_eq(rd16(b.data + 10), VS_OFPBMC_BAD_PREREQ);
	b.len = 0;
	cr_assert_eq(vs_ofp_enc_features_reply(&b, 1, 0xabcdef, 1), 0);
	cr_expect_eq(b.len, 32);
	cr_expect_eq(b.data[15], 0xef);
	b.len = 0;
	cr_assert_eq(vs_ofp_enc_get_config_reply(&b, 1, 0, 128), 0);
	cr_expect_eq(b.len, 12);
	b.len = 0;
	cr_assert_eq(vs_ofp_enc_desc_reply(&b, 1, "m", "h", "s", "x", "d"), 0);
	cr_expect_eq(b.len, 16 + 1056);
	b.len = 0;
	cr_assert_eq(vs_ofp_enc_port_desc_reply(&b, 1, &pd, 1), 0);
	cr_expect_eq(b.len, 16 + 64);
	cr_expect_str_eq((char *)b.data + 16 + 16, "uplink0");
	b.len = 0;
	cr_assert_eq(vs_ofp_enc_echo(&b, VS_OFPT_ECHO_REPLY, 4, "abc", 3), 0);
	cr_expect_eq(b.len, 11);
	vs_ofp_buf_free(&b);
}

Test(ofp_codec, set_config)
{
	uint8_t ok[12] = {4, 9, 0, 12, 0, 0, 0, 1, 0, 0, 0, 128};
	uint8_t frag[12] = {4, 9, 0, 12, 0, 0, 0, 1, 0, 1, 0, 128};
	struct vs_ofp_err e;
	uint16_t flags, msl;

	cr_expect_eq(vs_ofp_dec_set_config(ok, 12, &flags, &msl, &e), 0);
	cr_expect_eq(msl, 128);
	cr_expect_eq(vs_ofp_dec_set_config(ok, 11, &flags, &msl, &e), -EBADMSG);
	cr_expect(e.type == VS_OFPET_BAD_REQUEST && e.code == VS_OFPBRC_BAD_LEN);
	ok[3] = 16;
	cr_expect_eq(vs_ofp_dec_set_config(ok, 16, &flags, &msl, &e), -EBADMSG);
	cr_expect(e.type == VS_OFPET_BAD_REQUEST && e.code == VS_OFPBRC_BAD_LEN);
	cr_expect_eq(vs_ofp_dec_set_config(frag, 12, &flags, &msl, &e), -EBADMSG);
	cr_expect(e.type == VS_OFPET_SWITCH_CONFIG_FAILED && e.code == VS_OFPSCFC_BAD_FLAGS);
}

static void
set16(struct vs_ofp_match *m, unsigned int f, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	vs_ofp_match_set(m, f, b, NULL);
}

static void
set8(struct vs_ofp_match *m, unsigned int f, uint8_t v)
{
	vs_ofp_match_set(m, f, &v, NULL);
}

static void
out_act(struct vs_ofp_action *a, uint32_t port, uint16_t max_len)
{
	memset(a, 0, sizeof(*a));
	a->type = VS_OFPACT_OUTPUT;
	a->port = port;
	a->max_len = max_len;
}

static void
set_act(struct vs_ofp_action *a, unsigned int field, const void *v)
{
	memset(a, 0, sizeof(*a));
	a->type = VS_OFPACT_SET_FIELD;
	a->field = (uint8_t)field;
	memcpy(a->value, v, vs_ofp_field_size(field));
}

static void
round_trip(const struct vs_ofp_flow_mod *fm)
{
	static struct vs_ofp_flow_mod back;
	struct vs_ofp_buf b;
	struct vs_ofp_err e = {0, 0};

	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_flow_mod(&b, 3, fm), 0);
	cr_assert_eq(vs_ofp_dec_flow_mod(b.data, b.len, &back, &e), 0, "refused: %u/%u", e.type,
		     e.code);
	cr_expect_eq(back.cookie, fm->cookie);
	cr_expect_eq(back.priority, fm->priority);
	cr_expect_eq(back.command, fm->command);
	cr_expect_eq(back.n_apply, fm->n_apply);
	cr_expect_arr_eq(back.apply, fm->apply, fm->n_apply * sizeof(fm->apply[0]));
	cr_expect_eq(back.n_write, fm->n_write);
	cr_expect_arr_eq(back.write, fm->write, fm->n_write * sizeof(fm->write[0]));
	cr_expect_eq(back.clear_actions, fm->clear_actions);
	cr_expect_eq(back.goto_table, fm->goto_table ? fm->goto_table : VS_OFP_NO_GOTO);
	cr_expect_eq(back.match.present, fm->match.present);
	cr_expect_eq(back.match.masked, fm->match.masked);
	cr_expect_arr_eq(&back.match, &fm->match, sizeof(fm->match));
	vs_ofp_buf_free(&b);
}

Test(ofp_codec, flow_mod_round_trips_every_field)
{
	static struct vs_ofp_flow_mod fm;
	uint8_t port[4] = {0, 0, 0, 7}, mac[6] = {0x52, 0x54, 0, 0, 0, 0},
		macm[6] = {0xff, 0xff, 0xff, 0, 0, 0}, mac2[6] = {2, 0, 0, 0, 0, 2};
	uint8_t v4[4] = {10, 1, 0, 0}, v4m[4] = {255, 255, 0, 0}, v4b[4] = {10, 2, 0, 2};
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8}, v6m[16] = {0xff, 0xff, 0xff, 0xff};
	uint8_t vid[2] = {0x10, 0x64}; /* PRESENT | 100 */

	memset(&fm, 0, sizeof(fm));
	fm.cookie = 0xdeadbeef;
	fm.priority = 100;
	fm.buffer_id = VS_OFP_NO_BUFFER;
	fm.out_port = VS_OFPP_ANY;
	fm.out_group = VS_OFPG_ANY;
	fm.goto_table = VS_OFP_NO_GOTO;
	out_act(&fm.apply[0], 2, 0xffff);
	out_act(&fm.apply[1], VS_OFPP_FLOOD, 0xffff);
	fm.n_apply = 2;
	vs_ofp_match_set(&fm.match, VS_OXM_IN_PORT, port, NULL);
	vs_ofp_match_set(&fm.match, VS_OXM_ETH_DST, mac, macm);
	vs_ofp_match_set(&fm.match, VS_OXM_ETH_SRC, mac2, NULL);
	vs_ofp_match_set(&fm.match, VS_OXM_VLAN_VID, vid, NULL);
	set8(&fm.match, VS_OXM_VLAN_PCP, 5);
	set16(&fm.match, VS_OXM_ETH_TYPE, 0x0800);
	set8(&fm.match, VS_OXM_IP_DSCP, 46);
	set8(&fm.match, VS_OXM_IP_PROTO, 6);
	vs_ofp_match_set(&fm.match, VS_OXM_IPV4_SRC, v4, v4m);
	vs_ofp_match_set(&fm.match, VS_OXM_IPV4_DST, v4b, NULL);
	set16(&fm.match, VS_OXM_TCP_SRC, 1234);
	set16(&fm.match, VS_OXM_TCP_DST, 80);
	round_trip(&fm);

	memset(&fm.match, 0, sizeof(fm.match));
	set16(&fm.match, VS_OXM_ETH_TYPE, 0x86dd);
	set8(&fm.match, VS_OXM_IP_PROTO, 58);
	vs_ofp_match_set(&fm.match, VS_OXM_IPV6_SRC, v6, v6m);
	vs_ofp_match_set(&fm.match, VS_OXM_IPV6_DST, v6, NULL);
	set8(&fm.match, VS_OXM_ICMPV6_TYPE, 135);
	set8(&fm.match, VS_OXM_ICMPV6_CODE, 0);
	round_trip(&fm);

	memset(&fm.match, 0, sizeof(fm.match));
	set16(&fm.match, VS_OXM_ETH_TYPE, 0x0800);
	set8(&fm.match, VS_OXM_IP_PROTO, 1);
	set8(&fm.match, VS_OXM_ICMPV4_TYPE, 8);
	set8(&fm.match, VS_OXM_ICMPV4_CODE, 0);
	round_trip(&fm);

	memset(&fm.match, 0, sizeof(fm.match));
	set16(&fm.match, VS_OXM_ETH_TYPE, 0x86dd);
	set8(&fm.match, VS_OXM_IP_PROTO, 17);
	set16(&fm.match, VS_OXM_UDP_SRC, 53);
	set16(&fm.match, VS_OXM_UDP_DST, 5353);
	round_trip(&fm);

	memset(&fm.match, 0, sizeof(fm.match));
	set16(&fm.match, VS_OXM_ETH_TYPE, 0x0800);
	set8(&fm.match, VS_OXM_IP_PROTO, 132);
	set16(&fm.match, VS_OXM_SCTP_SRC, 1);
	set16(&fm.match, VS_OXM_SCTP_DST, 2);
	fm.n_apply = 0; /* drop: no instruction */
	fm.command = VS_OFPFC_DELETE_STRICT;
	round_trip(&fm);

	memset(&fm.match, 0, sizeof(fm.match));
	set16(&fm.match, VS_OXM_VLAN_VID, VS_OFPVID_NONE);
	round_trip(&fm);

	/* GOTO_TABLE, alone and after APPLY_ACTIONS */
	fm.command = VS_OFPFC_ADD;
	fm.goto_table = 3;
	round_trip(&fm);
	out_act(&fm.apply[0], 2, 0xffff);
	fm.n_apply = 1;
	round_trip(&fm);
	fm.goto_table = VS_OFP_NO_GOTO;
	round_trip(&fm);
}

Test(ofp_codec, flow_removed_aggregate_and_table_stats)
{
	static struct vs_ofp_match m, back_m;
	struct vs_ofp_flow_removed fr = {.cookie = 0x55,
					 .priority = 7,
					 .reason = 1,
					 .table_id = 2,
					 .duration_sec = 3,
					 .duration_nsec = 4,
					 .idle_timeout = 5,
					 .hard_timeout = 6,
					 .packet_count = 8,
					 .byte_count = 9,
					 .match = &m},
				   back;
	struct vs_ofp_table_stats ts[2] = {{0, 1, 100, 90}, {1, 2, 90, 60}};
	struct vs_ofp_err e;
	struct vs_ofp_buf b;

	set16(&m, VS_OXM_ETH_TYPE, 0x0800);
	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_flow_removed(&b, 0, &fr), 0);
	cr_expect_eq(b.data[1], VS_OFPT_FLOW_REMOVED);
	cr_expect_eq(b.len, 48 + 16, "fixed part and a match with eth_type");
	cr_assert_eq(vs_ofp_dec_flow_removed(b.data, b.len, &back, &back_m, &e), 0);
	cr_expect(back.cookie == 0x55 && back.priority == 7 && back.reason == 1 &&
		  back.table_id == 2 && back.duration_sec == 3 && back.duration_nsec == 4 &&
		  back.idle_timeout == 5 && back.hard_timeout == 6 && back.packet_count == 8 &&
		  back.byte_count == 9);
	cr_expect_arr_eq(&back_m, &m, sizeof(m));
	cr_expect_eq(vs_ofp_dec_flow_removed(b.data, b.len - 8, &back, &back_m, &e), -EBADMSG);
	b.len = 0;
	cr_assert_eq(vs_ofp_enc_aggregate_reply(&b, 1, 10, 640, 3), 0);
	cr_expect_eq(b.len, 16 + 24);
	cr_expect_eq(rd16(b.data + 8), VS_OFPMP_AGGREGATE);
	cr_expect_eq(b.data[16 + 7], 10);
	cr_expect_eq(b.data[16 + 19], 3);
	b.len = 0;
	cr_assert_eq(vs_ofp_enc_table_stats_reply(&b, 1, ts, 2), 0);
	cr_expect_eq(b.len, 16 + 2 * 24);
	cr_expect_eq(rd16(b.data + 8), VS_OFPMP_TABLE);
	cr_expect_eq(b.data[16 + 24], 1, "the second table's id");
	cr_expect_eq(b.data[16 + 24 + 7], 2, "its active count");
	cr_expect_eq(b.data[16 + 24 + 23], 60, "its matched count");
	b.len = 0;
	/* every table's features, each with its NEXT_TABLES */
	cr_assert_eq(vs_ofp_enc_table_features_reply(&b, 1, 8, 65536), 0);
	cr_expect_eq(b.data[16 + 2], 0, "table 0 first");
	cr_expect_eq(rd16(b.data + 2), b.len, "one message");
	{
		size_t off = 16, n = 0;

		while (off < b.len) {
			cr_expect_eq(b.data[off + 2], n, "table %zu in order", n);
			off += rd16(b.data + off);
			n++;
		}
		cr_expect_eq(n, 8);
	}
	vs_ofp_buf_free(&b);
}

Test(ofp_codec, flow_mod_round_trips_every_action_and_instruction)
{
	static struct vs_ofp_flow_mod fm;
	uint8_t mac[6] = {2, 0, 0, 0, 0, 9}, vid[2] = {0x10, 0x64}, pcp = 5;

	memset(&fm, 0, sizeof(fm));
	fm.priority = 7;
	fm.buffer_id = VS_OFP_NO_BUFFER;
	fm.out_port = VS_OFPP_ANY;
	fm.out_group = VS_OFPG_ANY;
	memset(&fm.apply[0], 0, sizeof(fm.apply[0]));
	fm.apply[0].type = VS_OFPACT_PUSH_VLAN;
	fm.apply[0].ethertype = 0x88a8;
	set_act(&fm.apply[1], VS_OXM_VLAN_VID, vid);
	set_act(&fm.apply[2], VS_OXM_VLAN_PCP, &pcp);
	set_act(&fm.apply[3], VS_OXM_ETH_SRC, mac);
	out_act(&fm.apply[4], VS_OFPP_CONTROLLER, 128);
	out_act(&fm.apply[5], VS_OFPP_IN_PORT, 0);
	fm.n_apply = 6;
	memset(&fm.write[0], 0, sizeof(fm.write[0]));
	fm.write[0].type = VS_OFPACT_POP_VLAN;
	set_act(&fm.write[1], VS_OXM_ETH_DST, mac);
	out_act(&fm.write[2], VS_OFPP_NORMAL, 0xffff);
	fm.n_write = 3;
	fm.clear_actions = true;
	fm.goto_table = 3;
	round_trip(&fm);
	fm.goto_table = VS_OFP_NO_GOTO;
	fm.clear_actions = false;
	fm.n_apply = 0;
	round_trip(&fm);
}

struct bad_case {
	const char *what;
	uint8_t oxm[40];
	size_t n_oxm;
	uint8_t ins[160];
	size_t n_ins;
	uint8_t command;
	uint16_t type, code;
};

#define ETH_IP 0x80, 0, 0x0a, 2, 0x08, 0x00
static const struct bad_case bad[] = {
    {"unknown field (metadata)",
     {0x80, 0, 0x04, 8, 0, 0, 0, 0, 0, 0, 0, 1},
     12,
     {0},
     0,
     0,
     VS_OFPET_BAD_MATCH,
     VS_OFPBMC_BAD_FIELD},
    {"experimenter class",
     {0xff, 0xff, 0x00, 4, 0, 0, 0, 1},
     8,
     {0},
     0,
     0,
     VS_OFPET_BAD_MATCH,
     VS_OFPBMC_BAD_FIELD},
    {"in_port of 3 bytes",
     {0x80, 0, 0x00, 3, 0, 0, 1},
     7,
     {0},
     0,
     0,
     VS_OFPET_BAD_MATCH,
     VS_OFPBMC_BAD_LEN},
    {"oxm past the match",
     {0x80, 0, 0x00, 8, 0, 0, 0, 1},
     8,
     {0},
     0,
     0,
     VS_OFPET_BAD_MATCH,
     VS_OFPBMC_BAD_LEN},
    {"masked eth_type",
     {0x80, 0, 0x0b, 4, 0x08, 0, 0xff, 0xff},
     8,
     {0},
     0,
     0,
     VS_OFPET_BAD_MATCH,
     VS_OFPBMC_BAD_MASK},
    {"eth_type twice", {ETH_IP, ETH_IP}, 12, {0}, 0, 0, VS_OFPET_BAD_MATCH, VS_OFPBMC_DUP_FIELD},
    {"ipv4_dst without eth_type",
     {0x80, 0, 0x18, 4, 10, 0, 0, 1},
     8,
     {0},
     0,
     0,
     VS_OFPET_BAD_MATCH,
     VS_OFPBMC_BAD_PREREQ},
    {"tcp_dst with ip_proto udp",
     {ETH_IP, 0x80, 0, 0x14, 1, 17, 0x80, 0, 0x1c, 2, 0, 80},
     17,
     {0},
     0,
     0,
     VS_OFPET_BAD_MATCH,
     VS_OFPBMC_BAD_PREREQ},
    {"vlan_pcp without vlan_vid",
     {0x80, 0, 0x0e, 1, 3},
     5,
     {0},
     0,
     0,
     VS_OFPET_BAD_MATCH,
     VS_OFPBMC_BAD_PREREQ},
    {"vlan_pcp 8",
     {0x80, 0, 0x0c, 2, 0x10, 5, 0x80, 0, 0x0e, 1, 8},
     11,
     {0},
     0,
     0,
     VS_OFPET_BAD_MATCH,
     VS_OFPBMC_BAD_VALUE},
    {"in_port 0",
     {0x80, 0, 0x00, 4, 0, 0, 0, 0},
     8,
     {0},
     0,
     0,
     VS_OFPET_BAD_MATCH,
     VS_OFPBMC_BAD_VALUE},
    {"value bit outside mask",
     {ETH_IP, 0x80, 0, 0x19, 8, 10, 0, 0, 1, 255, 0, 0, 0},
     18,
     {0},
     0,
     0,
     VS_OFPET_BAD_MATCH,
     VS_OFPBMC_BAD_WILDCARDS},
    {"goto_table 0xff",
     {0},
     0,
     {0, 1, 0, 8, 0xff, 0, 0, 0},
     8,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_BAD_TABLE_ID},
    {"goto_table twice",
     {0},
     0,
     {0, 1, 0, 8, 1, 0, 0, 0, 0, 1, 0, 8, 2, 0, 0, 0},
     16,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_DUP_INST},
    {"goto_table length 16",
     {0},
     0,
     {0, 1, 0, 16, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
     16,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_BAD_LEN},
    {"goto_table back to its own table",
     {0},
     0,
     {0, 1, 0, 8, 0, 0, 0, 0},
     8,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_BAD_TABLE_ID},
    {"goto_table of 16 bytes",
     {0},
     0,
     {0, 1, 0, 16, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
     16,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_BAD_LEN},
    {"clear_actions of 16 bytes",
     {0},
     0,
     {0, 5, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
     16,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_BAD_LEN},
    {"write_metadata",
     {0},
     0,
     {0, 2, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1},
     24,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_UNSUP_INST},
    {"meter",
     {0},
     0,
     {0, 6, 0, 8, 0, 0, 0, 1},
     8,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_UNSUP_INST},
    {"apply_actions twice",
     {0},
     0,
     {0, 4, 0, 8, 0, 0, 0, 0, 0, 4, 0, 8, 0, 0, 0, 0},
     16,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_DUP_INST},
    {"clear_actions twice",
     {0},
     0,
     {0, 5, 0, 8, 0, 0, 0, 0, 0, 3, 0, 8, 0, 0, 0, 0, 0, 5, 0, 8, 0, 0, 0, 0},
     24,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_DUP_INST},
    {"push_vlan 0x0800",
     {0},
     0,
     {0, 4, 0, 16, 0, 0, 0, 0, 0, 17, 0, 8, 0x08, 0x00, 0, 0},
     16,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_ARGUMENT},
    {"push_vlan of 16 bytes",
     {0},
     0,
     {0, 4, 0, 24, 0, 0, 0, 0, 0, 17, 0, 16, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
     24,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_LEN},
    {"pop_vlan of 16 bytes in write_actions",
     {0},
     0,
     {0, 3, 0, 24, 0, 0, 0, 0, 0, 18, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
     24,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_LEN},
    {"set_queue",
     {0},
     0,
     {0, 3, 0, 16, 0, 0, 0, 0, 0, 21, 0, 8, 0, 0, 0, 1},
     16,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_TYPE},
    {"group",
     {0},
     0,
     {0, 4, 0, 16, 0, 0, 0, 0, 0, 22, 0, 8, 0, 0, 0, 1},
     16,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_TYPE},
    {"dec_nw_ttl",
     {0},
     0,
     {0, 4, 0, 16, 0, 0, 0, 0, 0, 24, 0, 8, 0, 0, 0, 0},
     16,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_TYPE},
    {"push_mpls",
     {0},
     0,
     {0, 4, 0, 16, 0, 0, 0, 0, 0, 19, 0, 8, 0x88, 0x47, 0, 0},
     16,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_TYPE},
    {"experimenter action",
     {0},
     0,
     {0, 4, 0, 24, 0, 0, 0, 0, 0xff, 0xff, 0, 16, 0, 0, 0x23, 0x20, 0, 0, 0, 0, 0, 0, 0, 0},
     24,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_EXPERIMENTER},
    {"set_field of an experimenter class",
     {0},
     0,
     {0, 4, 0, 24, 0, 0, 0, 0, 0, 25, 0, 16, 0xff, 0xff, 0x08, 6, 0, 0, 0, 0, 0, 1, 0, 0},
     24,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_SET_TYPE},
    {"set_field of an unknown field (metadata)",
     {0},
     0,
     {0, 4, 0, 24, 0, 0, 0, 0, 0, 25, 0, 16, 0x80, 0, 0x04, 8, 0, 0, 0, 0, 0, 0, 0, 1},
     24,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_SET_TYPE},
    {"set_field eth_src of 4 bytes",
     {0},
     0,
     {0, 4, 0, 24, 0, 0, 0, 0, 0, 25, 0, 16, 0x80, 0, 0x08, 4, 0, 0, 0, 1, 0, 0, 0, 0},
     24,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_SET_LEN},
    {"set_field eth_src padded to 24",
     {0},
     0,
     {0, 4, 0, 32, 0, 0, 0, 0, 0, 25, 0, 24, 0x80, 0, 0x08, 6,
      0, 0, 0, 0,  0, 1, 0, 0, 0, 0,  0, 0,  0,	   0, 0,    0},
     32,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_SET_LEN},
    {"set_field with a mask",
     {0},
     0,
     {0, 4, 0, 24, 0, 0, 0, 0, 0, 25, 0, 16, 0x80, 0, 0x0d, 4, 0, 1, 0xff, 0xff, 0, 0, 0, 0},
     24,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_SET_ARGUMENT},
    {"set_field of 8 bytes (no room for its value)",
     {0},
     0,
     {0, 4, 0, 16, 0, 0, 0, 0, 0, 25, 0, 8, 0x80, 0, 0x0c, 2},
     16,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_SET_LEN},
    {"set_field vlan_vid 0x0064 (no OFPVID_PRESENT)",
     {0},
     0,
     {0, 4, 0, 24, 0, 0, 0, 0, 0, 25, 0, 16, 0x80, 0, 0x0c, 2, 0, 100, 0, 0, 0, 0, 0, 0},
     24,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_SET_ARGUMENT},
    {"set_field vlan_pcp 8",
     {0},
     0,
     {0, 4, 0, 24, 0, 0, 0, 0, 0, 25, 0, 16, 0x80, 0, 0x0e, 1, 8, 0, 0, 0, 0, 0, 0, 0},
     24,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_SET_ARGUMENT},
    {"instruction type 99",
     {0},
     0,
     {0, 99, 0, 8, 0, 0, 0, 0},
     8,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_UNKNOWN_INST},
    {"instruction of 4 bytes",
     {0},
     0,
     {0, 4, 0, 4, 0, 0, 0, 0},
     8,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_BAD_LEN},
    {"instruction longer than the message",
     {0},
     0,
     {0, 4, 0, 16, 0, 0, 0, 0},
     8,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_BAD_LEN},
    {"set_field action after a bad one",
     {0},
     0,
     {0, 4, 0, 24, 0, 0, 0, 0, 0, 25, 0, 16, 0x80, 0, 0x08, 6, 0, 0, 0, 0, 0, 1, 0, 0},
     16,
     0,
     VS_OFPET_BAD_INSTRUCTION,
     VS_OFPBIC_BAD_LEN},
    {"output of 8 bytes",
     {0},
     0,
     {0, 4, 0, 16, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 2},
     16,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_LEN},
    {"action of 12 bytes",
     {0},
     0,
     {0, 4, 0, 24, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0},
     24,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_LEN},
    {"output to port 0",
     {0},
     0,
     {0, 4, 0, 24, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0},
     24,
     0,
     VS_OFPET_BAD_ACTION,
     VS_OFPBAC_BAD_OUT_PORT},
    {"command 9", {0}, 0, {0}, 0, 9, VS_OFPET_FLOW_MOD_FAILED, VS_OFPFMFC_BAD_COMMAND},
};

Test(ofp_codec, every_error_class_has_its_code)
{
	static struct vs_ofp_flow_mod fm;
	uint8_t msg[256];
	size_t i, n;

	n = raw_flow_mod(msg, 0, NULL, 0, output2, sizeof(output2));
	cr_assert_eq(vs_ofp_dec_flow_mod(msg, n, &fm, NULL), 0, "the base message is fine");
	cr_expect_eq(fm.n_apply, 1);
	cr_expect_eq(fm.apply[0].type, VS_OFPACT_OUTPUT);
	cr_expect_eq(fm.apply[0].port, 2);
	cr_expect_eq(fm.goto_table, VS_OFP_NO_GOTO);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad_case *c = &bad[i];
		struct vs_ofp_err e = {0xffff, 0xffff};
		int rc;

		n = raw_flow_mod(msg, c->command, c->oxm, c->n_oxm, c->ins, c->n_ins);
		if (strcmp(c->what, "oxm past the match") == 0)
			msg[48 + 3] = 8; /* match length says 8, the TLV says 8 more */
		rc = vs_ofp_dec_flow_mod(msg, n, &fm, &e);
		cr_expect_eq(rc, -EBADMSG, "%s: accepted", c->what);
		cr_expect(e.type == c->type && e.code == c->code, "%s: got %u/%u, want %u/%u",
			  c->what, e.type, e.code, c->type, c->code);
	}
}

Test(ofp_codec, truncation_never_reads_past_the_message)
{
	static struct vs_ofp_flow_mod fm;
	uint8_t msg[256];
	size_t n, cut;

	n = raw_flow_mod(msg, 0, (const uint8_t[]){ETH_IP}, 6, output2, sizeof(output2));
	for (cut = 0; cut < n; cut++) {
		/* a heap copy of exactly cut bytes: ASan catches an over-read */
		uint8_t *p = malloc(cut ? cut : 1);
		struct vs_ofp_err e = {0, 0};

		memcpy(p, msg, cut);
		cr_expect_lt(vs_ofp_dec_flow_mod(p, cut, &fm, &e), 0, "%zu of %zu bytes accepted",
			     cut, n);
		cr_expect(e.type == VS_OFPET_BAD_REQUEST && e.code == VS_OFPBRC_BAD_LEN,
			  "cut %zu: %u/%u", cut, e.type, e.code);
		/* the same bytes with a header that agrees: the inner checks refuse */
		if (cut >= 4) {
			p[2] = (uint8_t)(cut >> 8), p[3] = (uint8_t)cut;
			e.type = e.code = 0xffff;
			if (cut == 64) { /* match complete, no instruction: a drop flow */
				cr_expect_eq(vs_ofp_dec_flow_mod(p, cut, &fm, &e), 0);
				free(p);
				continue;
			}
			cr_expect_lt(vs_ofp_dec_flow_mod(p, cut, &fm, &e), 0, "cut %zu accepted",
				     cut);
		}
		cr_expect(e.type == VS_OFPET_BAD_REQUEST || e.type == VS_OFPET_BAD_MATCH ||
			      e.type == VS_OFPET_BAD_INSTRUCTION || e.type == VS_OFPET_BAD_ACTION,
			  "cut %zu: type %u", cut, e.type);
		free(p);
	}
	cr_expect_eq(vs_ofp_dec_flow_mod(msg, n, &fm, NULL), 0);
}

Test(ofp_codec, multipart_requests)
{
	uint8_t desc[16] = {4, 18, 0, 16, 0, 0, 0, 1, 0, VS_OFPMP_DESC};
	uint8_t pdesc[20] = {4, 18, 0, 20, 0, 0, 0, 1, 0, VS_OFPMP_PORT_DESC};
	uint8_t pstats[24] = {4, 18, 0, 24, 0, 0, 0, 1, 0, VS_OFPMP_PORT_STATS,
			      0, 0,  0, 0,  0, 0, 0, 0, 0, 7};
	uint8_t queue[24] = {4, 18, 0, 24, 0, 0, 0, 1, 0, 5 /* OFPMP_QUEUE */};
	uint8_t flow[56] = {4,	  18,	0,    56,   0,	  0,	0,    1,   0, VS_OFPMP_FLOW,
			    0,	  0,	0,    0,    0,	  0,	0xff, 0,   0, 0,
			    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static struct vs_ofp_multipart_req mp;
	struct vs_ofp_err e;

	flow[48] = 0, flow[49] = 1, flow[50] = 0, flow[51] = 4; /* empty OXM match */
	cr_expect_eq(vs_ofp_dec_multipart_req(desc, 16, &mp, &e), 0);
	cr_expect_eq(mp.type, VS_OFPMP_DESC);
	cr_expect_eq(vs_ofp_dec_multipart_req(pdesc, 20, &mp, &e), -EBADMSG);
	cr_expect(e.type == VS_OFPET_BAD_REQUEST && e.code == VS_OFPBRC_BAD_LEN);
	cr_expect_eq(vs_ofp_dec_multipart_req(pstats, 24, &mp, &e), 0);
	cr_expect_eq(mp.type, VS_OFPMP_PORT_STATS);
	cr_expect_eq(mp.port_no, 7);
	pstats[3] = 16;
	cr_expect_eq(vs_ofp_dec_multipart_req(pstats, 16, &mp, &e), -EBADMSG);
	cr_expect(e.type == VS_OFPET_BAD_REQUEST && e.code == VS_OFPBRC_BAD_LEN);
	cr_expect_eq(vs_ofp_dec_multipart_req(queue, 24, &mp, &e), -EBADMSG);
	cr_expect(e.type == VS_OFPET_BAD_REQUEST && e.code == VS_OFPBRC_BAD_MULTIPART);
	cr_expect_eq(vs_ofp_dec_multipart_req(flow, 56, &mp, &e), 0, "%u/%u", e.type, e.code);
	cr_expect_eq(mp.flow.table_id, VS_OFPTT_ALL);
	cr_expect_eq(mp.flow.out_port, VS_OFPP_ANY);
	cr_expect_eq(mp.flow.match.present, 0);
	flow[9] = VS_OFPMP_AGGREGATE; /* the same body */
	cr_expect_eq(vs_ofp_dec_multipart_req(flow, 56, &mp, &e), 0, "%u/%u", e.type, e.code);
	cr_expect_eq(mp.type, VS_OFPMP_AGGREGATE);
	cr_expect_eq(mp.flow.table_id, VS_OFPTT_ALL);
	desc[9] = VS_OFPMP_TABLE;
	cr_expect_eq(vs_ofp_dec_multipart_req(desc, 16, &mp, &e), 0);
	cr_expect_eq(mp.type, VS_OFPMP_TABLE);
	flow[3] = 52;
	cr_expect_eq(vs_ofp_dec_multipart_req(flow, 52, &mp, &e), -EBADMSG);
}

Test(ofp_codec, flow_stats_split_below_64k)
{
	enum { N = 3000 };
	static struct vs_ofp_flow_stats fs[N];
	static struct vs_ofp_match m;
	struct vs_ofp_action out = {.type = VS_OFPACT_OUTPUT, .port = 2, .max_len = 0xffff};
	uint32_t seen = 0;
	struct vs_ofp_buf b;
	size_t pos = 0;
	int msgs = 0, i;

	set16(&m, VS_OXM_ETH_TYPE, 0x0800);
	for (i = 0; i < N; i++) {
		fs[i].priority = (uint16_t)i;
		fs[i].match = &m;
		fs[i].apply = &out;
		fs[i].n_apply = 1;
		fs[i].goto_table = VS_OFP_NO_GOTO;
		fs[i].packet_count = (uint64_t)i * 10;
	}
	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_flow_stats_reply(&b, 8, fs, N), 0);
	while (pos < b.len) {
		struct vs_ofp_hdr h;
		size_t p;

		cr_assert_eq(vs_ofp_parse_hdr(b.data + pos, b.len - pos, &h), 0);
		cr_assert_leq(pos + h.length, b.len);
		cr_expect_eq(h.type, VS_OFPT_MULTIPART_REPLY);
		cr_expect_eq(h.xid, 8);
		msgs++;
		for (p = pos + 16; p < pos + h.length; p += rd16(b.data + p)) {
			cr_assert_geq(rd16(b.data + p), 56);
			cr_expect_eq(rd16(b.data + p + 12), seen, "flows keep their order");
			seen++;
		}
		cr_expect_eq(p, pos + h.length);
		pos += h.length;
		cr_expect_eq(b.data[pos - h.length + 11] & VS_OFPMPF_MORE, pos < b.len ? 1 : 0);
	}
	cr_expect_eq(seen, N);
	cr_expect_gt(msgs, 1);
	vs_ofp_buf_free(&b);
}

Test(ofp_codec, packet_in_round_trips)
{
	static const uint8_t frame[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,
					  0,	0,    0,    0,	  1,	8,    6};
	struct vs_ofp_packet_in pi = {.buffer_id = VS_OFP_NO_BUFFER,
				      .total_len = 60,
				      .reason = VS_OFPR_ACTION,
				      .table_id = 0,
				      .cookie = 0x1122334455667788ull,
				      .in_port = 7,
				      .data = frame,
				      .size = 32},
				out;
	struct vs_ofp_err e;
	struct vs_ofp_buf b;
	size_t cut;

	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_packet_in(&b, 9, &pi), 0);
	/* header 8 + 16 fixed + match (4 + 8 IN_PORT, padded to 16) + 2 pad + data */
	cr_assert_eq(b.len, 8 + 16 + 16 + 2 + 32);
	cr_assert_eq(b.data[1], VS_OFPT_PACKET_IN);
	cr_assert_eq(vs_ofp_dec_packet_in(b.data, b.len, &out, &e), 0);
	cr_expect_eq(out.buffer_id, VS_OFP_NO_BUFFER);
	cr_expect_eq(out.total_len, 60);
	cr_expect_eq(out.reason, VS_OFPR_ACTION);
	cr_expect_eq(out.cookie, pi.cookie);
	cr_expect_eq(out.in_port, 7);
	cr_assert_eq(out.size, 32);
	cr_expect_eq(memcmp(out.data, frame, 32), 0);
	/* every truncation is refused, never read past */
	for (cut = 8; cut < b.len; cut++) {
		uint8_t *t = malloc(cut);

		memcpy(t, b.data, cut);
		t[2] = (uint8_t)(cut >> 8);
		t[3] = (uint8_t)cut;
		if (cut < 8 + 16 + 16 + 2)
			cr_expect_lt(vs_ofp_dec_packet_in(t, cut, &out, &e), 0, "cut %zu", cut);
		free(t);
	}
	vs_ofp_buf_free(&b);
}

Test(ofp_codec, packet_out_round_trips_and_refuses)
{
	static const uint8_t frame[64] = {0, 1, 2, 3, 4, 5, 6, 7};
	struct vs_ofp_packet_out po = {.buffer_id = VS_OFP_NO_BUFFER,
				       .in_port = VS_OFPP_CONTROLLER,
				       .actions = {{.type = VS_OFPACT_OUTPUT, .port = 2},
						   {.type = VS_OFPACT_OUTPUT,
						    .port = VS_OFPP_FLOOD},
						   {.type = VS_OFPACT_OUTPUT,
						    .port = VS_OFPP_IN_PORT}},
				       .n_actions = 3,
				       .data = frame,
				       .size = sizeof(frame)},
				 out;
	struct vs_ofp_err e;
	struct vs_ofp_buf b;

	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_packet_out(&b, 5, &po), 0);
	cr_assert_eq(b.len, 24 + 3 * 16 + 64);
	cr_assert_eq(vs_ofp_dec_packet_out(b.data, b.len, &out, &e), 0);
	cr_expect_eq(out.in_port, VS_OFPP_CONTROLLER);
	cr_assert_eq(out.n_actions, 3);
	cr_expect_eq(out.actions[0].port, 2);
	cr_expect_eq(out.actions[1].port, VS_OFPP_FLOOD);
	cr_expect_eq(out.actions[2].port, VS_OFPP_IN_PORT);
	cr_assert_eq(out.size, 64);
	cr_expect_eq(memcmp(out.data, frame, 64), 0);
	vs_ofp_buf_free(&b);

	/* a buffer_id: the switch buffers nothing */
	po.buffer_id = 3;
	vs_ofp_buf_init(&b);
	vs_ofp_enc_packet_out(&b, 5, &po);
	cr_expect_eq(vs_ofp_dec_packet_out(b.data, b.len, &out, &e), -EBADMSG);
	cr_expect_eq(e.type, VS_OFPET_BAD_REQUEST);
	cr_expect_eq(e.code, VS_OFPBRC_BUFFER_UNKNOWN);
	/* actions_len past the message */
	b.data[16] = 0xff;
	cr_expect_eq(vs_ofp_dec_packet_out(b.data, b.len, &out, &e), -EBADMSG);
	cr_expect_eq(e.code, VS_OFPBRC_BAD_LEN);
	vs_ofp_buf_free(&b);

	/* in_port 0 is no port */
	po.buffer_id = VS_OFP_NO_BUFFER;
	po.in_port = 0;
	vs_ofp_buf_init(&b);
	vs_ofp_enc_packet_out(&b, 5, &po);
	cr_expect_eq(vs_ofp_dec_packet_out(b.data, b.len, &out, &e), -EBADMSG);
	cr_expect_eq(e.code, VS_OFPBRC_BAD_PORT);
	vs_ofp_buf_free(&b);
}

Test(ofp_codec, role_round_trips_and_refuses)
{
	struct vs_ofp_buf b;
	struct vs_ofp_err e;
	uint64_t gen;
	uint32_t role;

	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_role(&b, VS_OFPT_ROLE_REQUEST, 7, VS_OFPCR_ROLE_MASTER,
				     UINT64_C(0xfedcba9876543210)),
		     0);
	cr_assert_eq(b.len, 24);
	cr_expect_eq(b.data[1], VS_OFPT_ROLE_REQUEST);
	cr_assert_eq(vs_ofp_dec_role(b.data, b.len, &role, &gen, &e), 0);
	cr_expect_eq(role, VS_OFPCR_ROLE_MASTER);
	cr_expect_eq(gen, UINT64_C(0xfedcba9876543210));
	b.data[11] = 4; /* role 4: no such role */
	cr_expect_eq(vs_ofp_dec_role(b.data, b.len, &role, &gen, &e), -EBADMSG);
	cr_expect(e.type == VS_OFPET_ROLE_REQUEST_FAILED && e.code == VS_OFPRRFC_BAD_ROLE);
	b.data[3] = 16; /* a short body */
	cr_expect_eq(vs_ofp_dec_role(b.data, 16, &role, &gen, &e), -EBADMSG);
	cr_expect(e.type == VS_OFPET_BAD_REQUEST && e.code == VS_OFPBRC_BAD_LEN);
	vs_ofp_buf_free(&b);
}

Test(ofp_codec, async_defaults_keep_slaves_quiet)
{
	struct vs_ofp_async a, back;
	struct vs_ofp_buf b;
	struct vs_ofp_err e;

	vs_ofp_async_default(&a);
	cr_expect(vs_ofp_async_wants(&a, VS_OFPCR_ROLE_EQUAL, VS_OFPT_PACKET_IN, VS_OFPR_NO_MATCH));
	cr_expect(vs_ofp_async_wants(&a, VS_OFPCR_ROLE_MASTER, VS_OFPT_PACKET_IN, VS_OFPR_ACTION));
	cr_expect(!vs_ofp_async_wants(&a, VS_OFPCR_ROLE_SLAVE, VS_OFPT_PACKET_IN, VS_OFPR_ACTION));
	cr_expect(!vs_ofp_async_wants(&a, VS_OFPCR_ROLE_SLAVE, VS_OFPT_FLOW_REMOVED, 0));
	cr_expect(vs_ofp_async_wants(&a, VS_OFPCR_ROLE_MASTER, VS_OFPT_FLOW_REMOVED, 2));
	cr_expect(vs_ofp_async_wants(&a, VS_OFPCR_ROLE_SLAVE, VS_OFPT_PORT_STATUS, VS_OFPPR_ADD));
	cr_expect(
	    vs_ofp_async_wants(&a, VS_OFPCR_ROLE_SLAVE, VS_OFPT_PORT_STATUS, VS_OFPPR_MODIFY));
	cr_expect(!vs_ofp_async_wants(&a, VS_OFPCR_ROLE_MASTER, VS_OFPT_PORT_STATUS, 3));

	a.packet_in[1] = 1u << VS_OFPR_ACTION; /* a slave that asks for action packet-ins */
	a.port_status[0] = 0;
	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_async(&b, VS_OFPT_SET_ASYNC, 3, &a), 0);
	cr_assert_eq(b.len, 32);
	cr_assert_eq(vs_ofp_dec_async(b.data, b.len, &back, &e), 0);
	cr_expect_eq(memcmp(&a, &back, sizeof(a)), 0);
	cr_expect(
	    vs_ofp_async_wants(&back, VS_OFPCR_ROLE_SLAVE, VS_OFPT_PACKET_IN, VS_OFPR_ACTION));
	cr_expect(
	    !vs_ofp_async_wants(&back, VS_OFPCR_ROLE_SLAVE, VS_OFPT_PACKET_IN, VS_OFPR_NO_MATCH));
	cr_expect(!vs_ofp_async_wants(&back, VS_OFPCR_ROLE_EQUAL, VS_OFPT_PORT_STATUS, 0));
	b.data[3] = 28;
	cr_expect_eq(vs_ofp_dec_async(b.data, 28, &back, &e), -EBADMSG);
	vs_ofp_buf_free(&b);
}

Test(ofp_codec, port_status_and_port_stats)
{
	struct vs_ofp_port_desc p = {.port_no = 9,
				     .hw_addr = {2, 0, 0, 0, 0, 9},
				     .name = "vm9",
				     .link_down = true,
				     .curr_speed = 10000000};
	struct vs_ofp_port_stats st[1200];
	struct vs_ofp_port_desc back;
	struct vs_ofp_buf b;
	struct vs_ofp_err e;
	uint8_t reason;
	size_t off;
	uint32_t i, n, msgs;

	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_port_status(&b, 0, VS_OFPPR_DELETE, &p), 0);
	cr_assert_eq(b.len, 80);
	cr_assert_eq(vs_ofp_dec_port_status(b.data, b.len, &reason, &back, &e), 0);
	cr_expect_eq(reason, VS_OFPPR_DELETE);
	cr_expect_eq(back.port_no, 9);
	cr_expect_str_eq(back.name, "vm9");
	cr_expect(back.link_down && !back.port_down);
	cr_expect_eq(back.curr_speed, 10000000);
	cr_expect_eq(memcmp(back.hw_addr, p.hw_addr, 6), 0);
	b.len = 0;

	/* 112 bytes a port: 584 in a message, the rest in the next ones */
	memset(st, 0, sizeof(st));
	for (i = 0; i < 1200; i++) {
		st[i].port_no = i + 1;
		st[i].rx_packets = i;
		st[i].tx_dropped = 2 * i;
	}
	cr_assert_eq(vs_ofp_enc_port_stats_reply(&b, 5, st, 1200), 0);
	for (off = 0, n = 0, msgs = 0; off < b.len; msgs++) {
		size_t len = (size_t)b.data[off + 2] << 8 | b.data[off + 3];
		bool more = (b.data[off + 11] & VS_OFPMPF_MORE) != 0;

		cr_assert_eq(b.data[off + 1], VS_OFPT_MULTIPART_REPLY);
		cr_assert_eq(b.data[off + 9], VS_OFPMP_PORT_STATS);
		cr_assert_eq((len - 16) % 112, 0);
		n += (uint32_t)((len - 16) / 112);
		cr_expect_eq(more, off + len < b.len);
		if (off == 0) { /* the second port: rx_packets 1, tx_dropped 2 */
			cr_expect_eq(b.data[16 + 112 + 3], 2);
			cr_expect_eq(b.data[16 + 112 + 8 + 7], 1);
			cr_expect_eq(b.data[16 + 112 + 48 + 7], 2);
		}
		off += len;
	}
	cr_expect_eq(n, 1200);
	cr_expect_eq(msgs, 3);
	vs_ofp_buf_free(&b);
}

/* The ONF bundle extension as ovs-ofctl -O OpenFlow13 --bundle sends it (the
 * bytes below are what `ovs-ofctl ofp-print` decodes as ONFT_BUNDLE_*). */
Test(ofp_codec, bundle_messages)
{
	static const uint8_t commit[] = {4, 4, 0,    24,   0, 0, 0, 5, 0x4f, 0x4e, 0x46, 0,
					 0, 0, 0x08, 0xfc, 0, 0, 0, 7, 0,    4,	   0,	 3};
	struct vs_ofp_bundle_ctrl bc = {0}, back;
	struct vs_ofp_err e = {0, 0};
	const uint8_t *inner;
	size_t inner_size;
	struct vs_ofp_buf b, in;
	uint32_t exp, et, id;
	uint16_t flags;

	cr_assert_eq(vs_ofp_dec_experimenter(commit, sizeof(commit), &exp, &et, &e), 0);
	cr_expect(exp == VS_OFP_ONF_EXPERIMENTER_ID && et == VS_ONFT_BUNDLE_CONTROL);
	cr_assert_eq(vs_ofp_dec_bundle_ctrl(commit, sizeof(commit), &bc, &e), 0);
	cr_expect(bc.bundle_id == 7 && bc.type == VS_OFPBCT_COMMIT_REQUEST &&
		  bc.flags == (VS_OFPBF_ATOMIC | VS_OFPBF_ORDERED));
	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_bundle_ctrl(&b, 5, &bc), 0);
	cr_expect_eq(b.len, sizeof(commit));
	cr_expect_arr_eq(b.data, commit, sizeof(commit));
	/* unknown control type, unknown flags, short */
	b.data[21] = 8;
	cr_expect_lt(vs_ofp_dec_bundle_ctrl(b.data, b.len, &back, &e), 0);
	cr_expect(e.type == VS_OFPET_EXPERIMENTER && e.code == VS_OFPBFC_BAD_TYPE);
	b.data[21] = 4;
	b.data[23] = 4;
	cr_expect_lt(vs_ofp_dec_bundle_ctrl(b.data, b.len, &back, &e), 0);
	cr_expect(e.type == VS_OFPET_EXPERIMENTER && e.code == VS_OFPBFC_BAD_FLAGS);
	cr_expect_lt(vs_ofp_dec_bundle_ctrl(b.data, 20, &back, &e), 0);
	vs_ofp_buf_free(&b);

	/* an add message carries a whole message of its own xid */
	vs_ofp_buf_init(&in);
	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_empty(&in, VS_OFPT_BARRIER_REQUEST, 9), 0);
	cr_assert_eq(vs_ofp_enc_bundle_add(&b, 9, 7, VS_OFPBF_ATOMIC, in.data, in.len), 0);
	cr_assert_eq(vs_ofp_dec_bundle_add(b.data, b.len, &id, &flags, &inner, &inner_size, &e), 0);
	cr_expect(id == 7 && flags == VS_OFPBF_ATOMIC && inner == b.data + 24 && inner_size == 8);
	b.data[4 + 3] = 10; /* the outer xid differs */
	cr_expect_lt(vs_ofp_dec_bundle_add(b.data, b.len, &id, &flags, &inner, &inner_size, &e), 0);
	cr_expect(e.type == VS_OFPET_EXPERIMENTER && e.code == VS_OFPBFC_MSG_BAD_XID);
	b.data[4 + 3] = 9;
	b.data[24 + 3] = 40; /* the inner length runs past the message */
	cr_expect_lt(vs_ofp_dec_bundle_add(b.data, b.len, &id, &flags, &inner, &inner_size, &e), 0);
	cr_expect(e.type == VS_OFPET_EXPERIMENTER && e.code == VS_OFPBFC_MSG_BAD_LEN);
	vs_ofp_buf_free(&b);
	vs_ofp_buf_free(&in);

	/* bundle errors are ONF experimenter errors: type 0xffff, code, ONF id */
	vs_ofp_buf_init(&b);
	e.type = VS_OFPET_EXPERIMENTER;
	e.code = VS_OFPBFC_BAD_ID;
	cr_assert_eq(vs_ofp_enc_error(&b, 5, e, commit, sizeof(commit)), 0);
	cr_expect_eq(b.len, 16u + sizeof(commit));
	cr_expect(b.data[8] == 0xff && b.data[9] == 0xff && b.data[10] == 0x08 &&
		  b.data[11] == 0xfe && b.data[12] == 0x4f && b.data[15] == 0);
	vs_ofp_buf_free(&b);
}
