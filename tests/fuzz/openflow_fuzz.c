/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the OpenFlow 1.3 decoder: any byte string is framed
 * as the channel frames it (the header's length, at most the bytes there
 * are) and handed to every decoder. A decoder that refuses must name an
 * error type it sends; a FLOW_MOD that decodes must encode back into a
 * message that decodes to the same flow_mod (the round trip the channel's
 * FLOW stats rely on). Build and run with tests/fuzz/run.sh (target
 * openflow_fuzz); the normal build replays tests/openflow/corpus through it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vs_ofp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_err(int rc, const struct vs_ofp_err *e)
{
	if (rc < 0 && e->type > VS_OFPET_ROLE_REQUEST_FAILED &&
	    !(e->type == VS_OFPET_EXPERIMENTER && e->code >= VS_OFPBFC_UNKNOWN &&
	      e->code <= VS_OFPBFC_BUNDLE_IN_PROGRESS))
		__builtin_trap();
}

static void
round_trip(const struct vs_ofp_flow_mod *fm)
{
	static struct vs_ofp_flow_mod back;
	struct vs_ofp_buf b;
	struct vs_ofp_err e;
	struct vs_ofp_hdr h;

	vs_ofp_buf_init(&b);
	if (vs_ofp_enc_flow_mod(&b, 7, fm) == 0) {
		if (vs_ofp_parse_hdr(b.data, b.len, &h) != 0 || h.length != b.len)
			__builtin_trap();
		if (vs_ofp_dec_flow_mod(b.data, b.len, &back, &e) != 0)
			__builtin_trap();
		if (back.cookie != fm->cookie || back.priority != fm->priority ||
		    back.command != fm->command || back.n_apply != fm->n_apply ||
		    memcmp(back.apply, fm->apply, sizeof(fm->apply)) != 0 ||
		    back.n_write != fm->n_write ||
		    memcmp(back.write, fm->write, sizeof(fm->write)) != 0 ||
		    back.clear_actions != fm->clear_actions || back.goto_table != fm->goto_table ||
		    memcmp(&back.match, &fm->match, sizeof(fm->match)) != 0)
			__builtin_trap();
	}
	vs_ofp_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vs_ofp_flow_mod fm;
	static struct vs_ofp_multipart_req mp;
	struct vs_ofp_err e = {0, 0};
	struct vs_ofp_hdr h;
	uint16_t flags, msl;
	int rc;

	uint8_t *msg;

	if (vs_ofp_parse_hdr(data, size, &h) != 0)
		return 0;
	/* as given: the header's length may disagree with the bytes */
	check_err(vs_ofp_dec_flow_mod(data, size, &fm, &e), &e);
	if (size > VS_OFP_MAX_MSG)
		size = VS_OFP_MAX_MSG;
	/* framed: one message of exactly size bytes (a heap copy: ASan sees
	 * any read past it), its length field agreeing */
	msg = malloc(size);
	if (msg == NULL)
		return 0;
	memcpy(msg, data, size);
	msg[2] = (uint8_t)(size >> 8);
	msg[3] = (uint8_t)size;
	check_err(vs_ofp_dec_hello(msg, size, &e), &e);
	check_err(vs_ofp_dec_set_config(msg, size, &flags, &msl, &e), &e);
	check_err(vs_ofp_dec_multipart_req(msg, size, &mp, &e), &e);
	{
		struct vs_ofp_async as;
		struct vs_ofp_port_desc pd;
		uint64_t gen;
		uint32_t role;
		uint8_t reason;

		check_err(vs_ofp_dec_role(msg, size, &role, &gen, &e), &e);
		check_err(vs_ofp_dec_async(msg, size, &as, &e), &e);
		check_err(vs_ofp_dec_port_status(msg, size, &reason, &pd, &e), &e);
	}
	{
		struct vs_ofp_packet_out po;
		struct vs_ofp_packet_in pi;

		if (vs_ofp_dec_packet_out(msg, size, &po, &e) == 0) {
			static struct vs_ofp_packet_out back;
			struct vs_ofp_buf b;

			if (po.data < msg || po.data + po.size != msg + size)
				abort(); /* the frame is the message's tail */
			/* its action list encodes back into the same list */
			vs_ofp_buf_init(&b);
			if (vs_ofp_enc_packet_out(&b, 9, &po) == 0 &&
			    (vs_ofp_dec_packet_out(b.data, b.len, &back, &e) != 0 ||
			     back.n_actions != po.n_actions ||
			     memcmp(back.actions, po.actions, sizeof(po.actions)) != 0 ||
			     back.size != po.size))
				__builtin_trap();
			vs_ofp_buf_free(&b);
		}
		if (vs_ofp_dec_packet_in(msg, size, &pi, &e) == 0 &&
		    (pi.data < msg || pi.data + pi.size != msg + size))
			abort();
	}
	{
		struct vs_ofp_bundle_ctrl bc, back;
		const uint8_t *inner;
		size_t inner_size;
		uint32_t exp, et, id;
		struct vs_ofp_buf b;

		check_err(vs_ofp_dec_experimenter(msg, size, &exp, &et, &e), &e);
		if (vs_ofp_dec_bundle_ctrl(msg, size, &bc, &e) == 0) {
			/* encodes back into the same control */
			vs_ofp_buf_init(&b);
			if (vs_ofp_enc_bundle_ctrl(&b, 3, &bc) == 0 &&
			    (vs_ofp_dec_bundle_ctrl(b.data, b.len, &back, &e) != 0 ||
			     memcmp(&back, &bc, sizeof(bc)) != 0))
				__builtin_trap();
			vs_ofp_buf_free(&b);
		} else {
			check_err(-1, &e);
		}
		rc = vs_ofp_dec_bundle_add(msg, size, &id, &flags, &inner, &inner_size, &e);
		check_err(rc, &e);
		if (rc == 0) {
			/* the message inside lies within, whole, with the xid */
			if (inner < msg || inner_size < VS_OFP_HDR_SIZE ||
			    inner + inner_size > msg + size ||
			    (size_t)(inner[2] << 8 | inner[3]) != inner_size ||
			    memcmp(inner + 4, msg + 4, 4) != 0)
				abort();
			check_err(vs_ofp_dec_flow_mod(inner, inner_size, &fm, &e), &e);
		}
	}
	rc = vs_ofp_dec_flow_mod(msg, size, &fm, &e);
	check_err(rc, &e);
	if (rc == 0)
		round_trip(&fm);
	free(msg);
	return 0;
}
