/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow key's word view against its fields, compiled at -O3 (meson.build)
 * as the release build is: the optimisation level at which gcc 12 moved
 * word reads across field stores before the words were may_alias.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../classifier/cls_test_util.h"
#include "vs_flow_key.h"

/*
 * Field writes and word reads of one key, in one function as callers write
 * them (fill the fields, then mask the words): the words must see the
 * fields. With plain uint64_t word pointers, C's aliasing rules let the
 * compiler read the words before the uint16_t stores; gcc 12 did in
 * bench/cls, and every in_port, eth_type and l4_dst read back as the
 * memset's zero, at -O3 (not at -O2).
 */
static void
key_fill(uint64_t *rng, struct vs_flow_key *k)
{
	uint64_t r = cls_test_rand(rng);

	memset(k, 0, sizeof(*k));
	k->in_port = (uint16_t)(r % 4 + 1);
	k->eth_type = 0x0800;
	k->ip_proto = (r >> 8) & 1 ? 6 : 17;
	k->l4_src = (uint16_t)(r >> 16);
	k->l4_dst = (uint16_t)((r >> 32) % 1024 + 1);
	r = cls_test_rand(rng);
	memcpy(k->ip_src, &r, 4);
	memcpy(k->ip_dst, (const char *)&r + 4, 4);
}

Test(flow_key, words_see_field_writes)
{
	struct vs_flow_key k[64], m;
	const vs_flow_word_t *mw = vs_flow_key_words(&m);
	uint64_t rng = 0x1234567;

	memset(&m, 0, sizeof(m));
	m.in_port = 0xffff;
	m.eth_type = 0xffff;
	m.ip_proto = 0xff;
	m.l4_dst = 0xffff;
	for (unsigned int i = 0; i < 64; i++) {
		vs_flow_word_t *kw;

		key_fill(&rng, &k[i]);
		kw = vs_flow_key_words_rw(&k[i]);
		for (unsigned int w = 0; w < VS_FLOW_KEY_WORDS; w++)
			kw[w] &= mw[w];
	}
	for (unsigned int i = 0; i < 64; i++) {
		cr_assert(k[i].in_port >= 1 && k[i].in_port <= 4, "key %u in_port %u", i,
			  k[i].in_port);
		cr_assert_eq(k[i].eth_type, 0x0800, "key %u eth_type %#x", i, k[i].eth_type);
		cr_assert(k[i].ip_proto == 6 || k[i].ip_proto == 17);
		cr_assert(k[i].l4_dst >= 1 && k[i].l4_dst <= 1024, "key %u l4_dst %u", i,
			  k[i].l4_dst);
		cr_assert_eq(k[i].l4_src, 0);
	}
}
