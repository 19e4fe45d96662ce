/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared helpers of the classifier tests. */
#ifndef CLS_TEST_UTIL_H
#define CLS_TEST_UTIL_H

#include <stdint.h>

#include "vs_cls.h"

/* Initialise the EAL in this (forked) test process; aborts on failure. */
void cls_test_eal_init(void);

/* Deterministic xorshift64* generator. */
static inline uint64_t
cls_test_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Scale factor for iteration counts (env VS_CLS_TEST_SCALE, default 1). */
unsigned cls_test_scale_div(void);

/* True when (k & m.mask) == m.key. */
int cls_test_match(const struct vs_cls_match *m, const struct vs_flow_key *k);

#endif /* CLS_TEST_UTIL_H */
