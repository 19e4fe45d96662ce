/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Corpus replay: every fuzz seed plus a set of hostile inputs (deep nesting,
 * huge scalars, binary junk, alias bombs, truncations of a valid file) go
 * through the loader. Each must either load or fail with a well-formed
 * message; none may crash or leak (run under ASan to check the latter).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vs_config.h"

#define FULL_YAML VS_SRC_DIR "/config/examples/full.yaml"

/* Load; on failure the message must start "NAME:L:C: " and hold "; expected". */
static int
feed(const char *buf, size_t len)
{
	struct vs_cfg_error err;
	struct vs_config *cfg = vs_config_load_buf(buf, len, "h.yaml", &err);
	unsigned int line, col;
	int n = 0;

	if (cfg != NULL) {
		vs_config_free(cfg);
		return 1;
	}
	cr_assert(sscanf(err.msg, "h.yaml:%u:%u: %n", &line, &col, &n) == 2 && n > 0,
		  "malformed message [%s]", err.msg);
	cr_assert_eq(line, err.pos.line, "[%s]", err.msg);
	cr_assert_eq(col, err.pos.column, "[%s]", err.msg);
	cr_assert(strstr(err.msg, "; expected ") != NULL, "[%s]", err.msg);
	return 0;
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long sz;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	cr_assert_geq(sz, 0);
	rewind(f);
	buf = malloc((size_t)sz + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	*len = (size_t)sz;
	return buf;
}

Test(config_hostile, corpus_replay)
{
	DIR *d = opendir(VS_CORPUS_DIR);
	struct dirent *de;
	unsigned int n = 0, ok = 0;

	cr_assert_not_null(d, "%s: %s", VS_CORPUS_DIR, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		char path[512];
		size_t len;
		char *buf;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", VS_CORPUS_DIR, de->d_name);
		buf = read_all(path, &len);
		ok += (unsigned int)feed(buf, len);
		free(buf);
		n++;
	}
	closedir(d);
	cr_expect_geq(n, 10, "corpus has only %u files", n);
	cr_expect_geq(ok, 3, "only %u corpus files load", ok);
}

Test(config_hostile, deep_nesting)
{
	static const char opens[] = {'[', '{'};
	size_t depth = 100000, i, k;
	char *buf = malloc(depth * 3 + 16);

	cr_assert_not_null(buf);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < depth; i++)
			buf[i] = opens[k];
		cr_expect_eq(feed(buf, depth), 0);
	}
	/* block style nesting, "a:\n b:\n  c:..." */
	{
		size_t o = 0;

		for (i = 0; i < 200; i++) {
			memset(buf + o, ' ', i);
			o += i;
			buf[o++] = 'k';
			buf[o++] = ':';
			buf[o++] = '\n';
		}
		cr_expect_eq(feed(buf, o), 0);
	}
	/* nested flow sequences inside a real key */
	{
		const char *pre = "dpdk: {extra_args: ";
		size_t o = strlen(pre);

		memcpy(buf, pre, o);
		for (i = 0; i < 31; i++)
			buf[o++] = '[';
		cr_expect_eq(feed(buf, o), 0);
	}
	free(buf);
}

Test(config_hostile, huge_scalars)
{
	size_t big = 3u << 20, i;
	char *buf = malloc(big + 64);
	size_t o;

	cr_assert_not_null(buf);
	/* a 3 MiB port name */
	o = (size_t)sprintf(buf, "ports:\n  - name: ");
	memset(buf + o, 'a', big);
	o += big;
	cr_expect_eq(feed(buf, o), 0);
	/* a 3 MiB integer */
	o = (size_t)sprintf(buf, "dpdk: {memory_mb: ");
	memset(buf + o, '9', big);
	o += big;
	buf[o++] = '}';
	cr_expect_eq(feed(buf, o), 0);
	/* a 3 MiB key */
	memset(buf, 'k', big);
	buf[big] = ':';
	cr_expect_eq(feed(buf, big + 1), 0);
	/* a 3 MiB quoted string of escapes */
	o = (size_t)sprintf(buf, "dpdk: {log_level: \"");
	for (i = 0; i + 2 <= big; i += 2) {
		buf[o++] = '\\';
		buf[o++] = 't';
	}
	buf[o++] = '"';
	buf[o++] = '}';
	cr_expect_eq(feed(buf, o), 0);
	free(buf);
}

/* Deterministic xorshift: the same junk on every run. */
static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

Test(config_hostile, binary_junk)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	char buf[4096];
	unsigned int round;
	size_t i;

	for (round = 0; round < 300; round++) {
		size_t len = (size_t)(next_rand(&seed) % sizeof(buf));

		for (i = 0; i < len; i++)
			buf[i] = (char)(next_rand(&seed) & 0xff);
		feed(buf, len);
	}
	/* junk drawn from YAML's own punctuation, which reaches deeper */
	for (round = 0; round < 300; round++) {
		static const char alphabet[] = "[]{}:,- \n\"'&*!|>#%?0a1@`\t\\";
		size_t len = (size_t)(next_rand(&seed) % 512);

		for (i = 0; i < len; i++)
			buf[i] = alphabet[next_rand(&seed) % (sizeof(alphabet) - 1)];
		feed(buf, len);
	}
}

Test(config_hostile, alias_bombs)
{
	static const char *const bombs[] = {
	    ("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	     "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"),
	    "ports: [*x]\n",
	    "&a [*a]\n",
	    "rules:\n  - &r {priority: 1, actions: [drop]}\n  - *r\n",
	    "? &k a\n: *k\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bombs) / sizeof(bombs[0]); i++)
		cr_expect_eq(feed(bombs[i], strlen(bombs[i])), 0, "bomb %zu loaded", i);
}

/* Every prefix and every single-byte corruption of the full example. */
Test(config_hostile, truncations_and_mutations_of_full_example)
{
	size_t len, i;
	char *buf = read_all(FULL_YAML, &len);
	char *copy = malloc(len + 1);
	uint64_t seed = 42;

	cr_assert_not_null(copy);
	cr_expect_eq(feed(buf, len), 1);
	for (i = 0; i < len; i += 7)
		feed(buf, i);
	for (i = 0; i < 2000; i++) {
		size_t at = (size_t)(next_rand(&seed) % len);

		memcpy(copy, buf, len);
		copy[at] = (char)(next_rand(&seed) & 0xff);
		feed(copy, len);
	}
	free(copy);
	free(buf);
}
