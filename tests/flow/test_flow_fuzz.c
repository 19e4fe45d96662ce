/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs the libFuzzer harness (tests/fuzz/flow_fuzz.c) under the normal build:
 * the seed corpus, then 200k deterministic inputs (pure junk and mutated
 * seeds, fixed seed). Every harness invariant aborts the test on failure; the
 * outcome histogram must reach every parse outcome.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vs_flow_key.h"

int vs_flow_fuzz_one(const uint8_t *data, size_t size, uint8_t *outcome);

#define MAX_SEEDS    256
#define FZ_MAX_INPUT 2048
#define N_RANDOM     200000

struct seed {
	uint8_t *data;
	size_t size;
};

static unsigned int
load_corpus(struct seed *seeds, unsigned int max)
{
	const char *dir = getenv("VS_FLOW_CORPUS");
	struct dirent *de;
	unsigned int n = 0;
	DIR *d;

	cr_assert(dir != NULL, "VS_FLOW_CORPUS is not set (meson test sets it)");
	d = opendir(dir);
	cr_assert(d != NULL, "cannot open %s", dir);
	while ((de = readdir(d)) != NULL && n < max) {
		char path[4096];
		FILE *f;
		long size;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		cr_assert(f != NULL, "%s", path);
		cr_assert(fseek(f, 0, SEEK_END) == 0);
		size = ftell(f);
		cr_assert(size > 0 && size <= FZ_MAX_INPUT, "%s: size %ld", path, size);
		rewind(f);
		seeds[n].data = malloc((size_t)size);
		seeds[n].size = (size_t)size;
		cr_assert(fread(seeds[n].data, 1, (size_t)size, f) == (size_t)size);
		fclose(f);
		n++;
	}
	closedir(d);
	return n;
}

static uint64_t
xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

Test(flow_fuzz, seed_corpus)
{
	static struct seed seeds[MAX_SEEDS];
	unsigned int n = load_corpus(seeds, MAX_SEEDS), i, ok = 0;

	cr_assert_geq(n, 20, "only %u seeds", n);
	for (i = 0; i < n; i++) {
		uint8_t o = 0xff;

		cr_assert_eq(vs_flow_fuzz_one(seeds[i].data, seeds[i].size, &o), 0);
		ok += o == VS_PARSE_OK;
		free(seeds[i].data);
	}
	cr_assert_geq(ok, n / 2, "%u of %u seeds parse ok", ok, n);
}

Test(flow_fuzz, random_and_mutated, .timeout = 120)
{
	static struct seed seeds[MAX_SEEDS];
	static uint8_t in[FZ_MAX_INPUT + 64];
	unsigned int hist[VS_PARSE_MAX] = {0};
	unsigned int n = load_corpus(seeds, MAX_SEEDS), i, j;
	uint64_t rng = 0x9e3779b97f4a7c15ull;

	cr_assert_geq(n, 1);
	for (i = 0; i < N_RANDOM; i++) {
		uint64_t r = xorshift64(&rng);
		size_t size;
		uint8_t o = 0xff;

		if (r % 4 == 0) {
			/* junk, often with a plausible EtherType */
			size = 1 + xorshift64(&rng) % 200;
			for (j = 0; j < size; j++)
				in[j] = (uint8_t)xorshift64(&rng);
			if (size > 15 && (r >> 8) % 2)
				in[13] = 0x08, in[14] = 0x00;
			else if (size > 15 && (r >> 9) % 2)
				in[13] = 0x86, in[14] = 0xdd;
		} else {
			const struct seed *s = &seeds[(r >> 2) % n];
			unsigned int edits = 1 + (r >> 16) % 4;

			size = s->size;
			memcpy(in, s->data, size);
			for (j = 0; j < edits; j++) {
				uint64_t e = xorshift64(&rng);
				size_t pos = 1 + (e >> 8) % (size > 1 ? size - 1 : 1);

				if (pos >= size)
					continue;
				if (e % 3 == 0)
					in[pos] ^= (uint8_t)(1u << ((e >> 4) % 8));
				else
					in[pos] = (uint8_t)(e >> 32);
			}
			if ((r >> 24) % 4 == 0) /* cut short */
				size = 1 + (r >> 32) % size;
			else if ((r >> 24) % 8 == 1 && size + 32 <= sizeof(in)) { /* padded */
				memset(in + size, 0, 32);
				size += 32;
			}
			in[0] = (uint8_t)(r >> 40); /* new split */
		}
		cr_assert_eq(vs_flow_fuzz_one(in, size, &o), 0);
		cr_assert_lt(o, VS_PARSE_MAX);
		hist[o]++;
	}
	for (i = 0; i < VS_PARSE_MAX; i++) {
		cr_log_info("%-24s %u", vs_parse_outcome_str((enum vs_parse_outcome)i), hist[i]);
		cr_expect_gt(hist[i], 0, "outcome %s never produced",
			     vs_parse_outcome_str((enum vs_parse_outcome)i));
	}
	for (i = 0; i < n; i++)
		free(seeds[i].data);
}
