/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scalar parsers: integers, permission modes, booleans, MAC addresses, IP
 * prefixes; plus edit distance (key suggestions) and duplicate detection.
 * They report an outcome code; config.c turns it into a positioned message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_internal.h"

static int
digit_value(char ch, unsigned int base)
{
	int v;

	if (ch >= '0' && ch <= '9')
		v = ch - '0';
	else if (ch >= 'a' && ch <= 'f')
		v = ch - 'a' + 10;
	else if (ch >= 'A' && ch <= 'F')
		v = ch - 'A' + 10;
	else
		return -1;
	return (unsigned int)v < base ? v : -1;
}

static enum vs_cfg_int_rc
digits(const char *s, unsigned int base, uint64_t *out)
{
	uint64_t v = 0;
	bool overflow = false;

	if (*s == '\0')
		return VS_CFG_INT_SYNTAX;
	for (; *s != '\0'; s++) {
		int d = digit_value(*s, base);

		if (d < 0)
			return VS_CFG_INT_SYNTAX;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			overflow = true;
		else
			v = v * base + (uint64_t)d;
	}
	if (overflow)
		return VS_CFG_INT_OVERFLOW;
	*out = v;
	return VS_CFG_INT_OK;
}

enum vs_cfg_int_rc
vs_cfg_parse_uint(const char *s, uint64_t *out)
{
	bool negative = false;
	enum vs_cfg_int_rc rc;
	uint64_t v;

	if (*s == '+' || *s == '-') {
		negative = *s == '-';
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		rc = digits(s + 2, 16, &v);
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		rc = digits(s + 2, 8, &v);
	else if (s[0] == '0' && s[1] != '\0')
		rc = digits(s, 10, &v) == VS_CFG_INT_SYNTAX ? VS_CFG_INT_SYNTAX
							    : VS_CFG_INT_LEADING0;
	else
		rc = digits(s, 10, &v);
	if (rc != VS_CFG_INT_OK)
		return rc;
	if (negative && v != 0)
		return VS_CFG_INT_NEGATIVE;
	*out = v;
	return VS_CFG_INT_OK;
}

int
vs_cfg_parse_mode(const char *s, uint32_t *out)
{
	uint64_t v;

	if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		s += 2;
	if (strlen(s) > 4 || digits(s, 8, &v) != VS_CFG_INT_OK || v > 07777)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int
vs_cfg_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
					  "YES",  "on",	  "On",	  "ON"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No",
					 "NO",	  "off",   "Off",   "OFF"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int
vs_cfg_parse_mac(const char *s, struct vs_cfg_mac *out)
{
	char sep = 0;
	int i;

	for (i = 0; i < 6; i++) {
		int hi = digit_value(s[0], 16), lo = hi < 0 ? -1 : digit_value(s[1], 16);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out->b[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i == 5)
			break;
		if (sep == 0 && (*s == ':' || *s == '-'))
			sep = *s;
		if (*s != sep)
			return -EINVAL;
		s++;
	}
	return *s == '\0' ? 0 : -EINVAL;
}

static int
contiguous_len(const uint8_t *m, size_t bytes)
{
	size_t i;
	int len = 0;
	bool zero = false;

	for (i = 0; i < bytes * 8; i++) {
		bool bit = (m[i / 8] >> (7 - i % 8)) & 1;

		if (bit && zero)
			return -1;
		if (bit)
			len++;
		else
			zero = true;
	}
	return len;
}

int
vs_cfg_parse_prefix(const char *s, struct vs_cfg_prefix *out)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned int bytes, i, max;
	uint64_t len;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = 4;
		bytes = 4;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = 6;
		bytes = 16;
	} else {
		return -EINVAL;
	}
	max = bytes * 8;
	if (slash == NULL) {
		len = max;
	} else if (strchr(slash + 1, out->family == 4 ? '.' : ':') != NULL) {
		/* ADDR/MASK: a contiguous mask is a length, any other is kept */
		uint8_t m[16];
		int l;

		if (inet_pton(out->family == 4 ? AF_INET : AF_INET6, slash + 1, m) != 1)
			return -EINVAL;
		l = contiguous_len(m, bytes);
		if (l < 0) {
			out->masked = true;
			memcpy(out->mask, m, bytes);
			for (i = 0; i < bytes; i++)
				if (out->addr[i] & ~m[i])
					return -ENOTUNIQ;
			return 0;
		}
		len = (uint64_t)l;
	} else {
		const char *p = slash + 1;

		/* plain decimal only: "/08" or "/0x8" are typos, not lengths */
		if (p[0] == '\0' || strlen(p) > 3 || (p[0] == '0' && p[1] != '\0'))
			return -EINVAL;
		for (i = 0; p[i] != '\0'; i++)
			if (p[i] < '0' || p[i] > '9')
				return -EINVAL;
		len = strtoull(p, NULL, 10);
		if (len > max)
			return -ERANGE;
	}
	out->len = (uint8_t)len;
	for (i = (unsigned int)len; i < max; i++)
		if ((out->addr[i / 8] >> (7 - i % 8)) & 1)
			return -ENOTUNIQ;
	return 0;
}

unsigned int
vs_cfg_edit_distance(const char *a, const char *b)
{
	unsigned int row[65], i, j;
	size_t la = strnlen(a, 64), lb = strnlen(b, 64);

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned int up = row[j];
			unsigned int best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static uint64_t
hash_bytes(const void *p, size_t size)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < size; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

static bool
all_zero(const unsigned char *p, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++)
		if (p[i] != 0)
			return false;
	return true;
}

long
vs_cfg_find_dup(const void *base, size_t n, size_t stride, size_t size, bool skip_zero,
		size_t *first)
{
	const unsigned char *b = base;
	size_t cap = 16, i;
	size_t *slots;
	long found = -1;

	while (cap < n * 2)
		cap *= 2;
	slots = malloc(cap * sizeof(*slots));
	if (slots == NULL)
		return -2;
	for (i = 0; i < cap; i++)
		slots[i] = SIZE_MAX;
	for (i = 0; i < n && found < 0; i++) {
		const unsigned char *e = b + i * stride;
		size_t h;

		if (skip_zero && all_zero(e, size))
			continue; /* unset names are not duplicates */
		h = (size_t)hash_bytes(e, size) & (cap - 1);
		while (slots[h] != SIZE_MAX) {
			if (memcmp(b + slots[h] * stride, e, size) == 0) {
				*first = slots[h];
				found = (long)i;
				break;
			}
			h = (h + 1) & (cap - 1);
		}
		slots[h] = i;
	}
	free(slots);
	return found;
}

/* ---- errors as values ---------------------------------------------------------- */

int
vs_cfg_err(struct vs_cfg_error *err, int code, struct vs_cfg_pos pos, const char *object,
	   const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	err->pos = pos;
	snprintf(err->object, sizeof(err->object), "%s", object ? object : "");
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

void
vs_cfg_err_clear(struct vs_cfg_error *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}
