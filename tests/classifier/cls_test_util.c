/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "cls_test_util.h"

void
cls_test_eal_init(void)
{
	char *argv[] = {
	    "test-classifier",
	    "--no-huge",
	    "-m",
	    "256",
	    "--no-shconf",
	    "--no-pci",
	    "--no-telemetry",
	    "--log-level=*:warning",
	    "-l",
	    "0",
	    NULL,
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		abort();
	}
}

unsigned
cls_test_scale_div(void)
{
	const char *s = getenv("VS_CLS_TEST_SCALE");
	long v = s != NULL ? strtol(s, NULL, 10) : 1;

	return v > 0 ? (unsigned)v : 1;
}

int
cls_test_match(const struct vs_cls_match *m, const struct vs_flow_key *k)
{
	const vs_flow_word_t *kw = vs_flow_key_words(k);
	const vs_flow_word_t *mw = vs_flow_key_words(&m->mask);
	const vs_flow_word_t *vw = vs_flow_key_words(&m->key);

	for (unsigned i = 0; i < VS_FLOW_KEY_WORDS; i++)
		if ((kw[i] & mw[i]) != vw[i])
			return 0;
	return 1;
}
