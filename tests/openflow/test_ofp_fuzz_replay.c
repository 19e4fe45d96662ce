/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs the libFuzzer harness (tests/fuzz/openflow_fuzz.c) under the normal
 * build: every seed of tests/openflow/corpus, then 100k deterministic
 * mutations of them (byte flips, truncations, length rewrites).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEDS    64
#define FZ_MAX_INPUT 4096

Test(ofp_fuzz, corpus_and_mutations)
{
	static uint8_t seeds[MAX_SEEDS][FZ_MAX_INPUT], buf[FZ_MAX_INPUT];
	size_t sizes[MAX_SEEDS];
	const char *dir = getenv("VS_OFP_CORPUS");
	unsigned int n = 0, i;
	struct dirent *de;
	uint64_t x = 88172645463325252ull;
	DIR *d;

	cr_assert(dir != NULL, "VS_OFP_CORPUS is not set (meson test sets it)");
	d = opendir(dir);
	cr_assert(d != NULL, "cannot open %s", dir);
	while ((de = readdir(d)) != NULL && n < MAX_SEEDS) {
		char path[4096];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		cr_assert(f != NULL, "%s", path);
		sizes[n] = fread(seeds[n], 1, FZ_MAX_INPUT, f);
		fclose(f);
		LLVMFuzzerTestOneInput(seeds[n], sizes[n]);
		n++;
	}
	closedir(d);
	cr_assert_geq(n, 5, "corpus too small");
	for (i = 0; i < 100000; i++) {
		unsigned int s, k, flips;
		size_t size;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		s = (unsigned int)(x % n);
		size = sizes[s];
		memcpy(buf, seeds[s], size);
		flips = 1 + (unsigned int)((x >> 8) % 4);
		for (k = 0; k < flips && size > 0; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[x % size] = (uint8_t)(x >> 32);
		}
		if ((x >> 40) % 4 == 0)
			size = (size_t)((x >> 20) % (size + 1)); /* truncated */
		/* a heap copy of exactly size bytes, so ASan sees an over-read */
		{
			uint8_t *p = malloc(size ? size : 1);

			memcpy(p, buf, size);
			LLVMFuzzerTestOneInput(p, size);
			free(p);
		}
	}
}
