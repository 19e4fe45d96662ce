/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The schema walk: node tree -> struct vs_config, with every check that
 * needs more than one value (duplicates, references between sections,
 * conflicting match fields and actions). Stops at the first error; the walk
 * order is fixed, so the same input always gives the same message.
 *
 * Sections are read in dependency order: dpdk, workers, classifier, control,
 * sriov (so ports can refer to VFs), ports, the sriov dpdk_port references
 * (which need ports), rules (which need ports).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg_internal.h"

#define KEYPATH_MAX 160
#define MAX_SRIOV_PFS 64
#define MAX_VFS 256
#define MAX_EXTRA_MACS 64
#define MAX_EXTRA_ARGS 256
#define MAX_RXQ_PINS 1024
#define MAX_LCORE 1023
#define MAX_RULES_CAP (1u << 20)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- key paths ---- */

/* Printable, truncated text of a key for use inside a key path. */
static void
key_text(const struct vs_cfg_node *k, char *buf, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < k->len && o + 4 < size && o < 40; i++) {
		unsigned char ch = (unsigned char)k->str[i];

		buf[o++] = ch > 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	if (i < k->len)
		buf[o++] = '~';
	buf[o] = '\0';
}

/* Bounded append (key paths are for messages: truncation is harmless). */
static size_t
append(char *buf, size_t o, const char *s)
{
	while (*s != '\0' && o + 1 < KEYPATH_MAX)
		buf[o++] = *s++;
	buf[o] = '\0';
	return o;
}

static const char *
sub(char *buf, const char *path, const char *key)
{
	size_t o = 0;

	if (buf != path)
		o = append(buf, 0, path);
	else
		o = strlen(buf);
	if (o > 0)
		o = append(buf, o, ".");
	append(buf, o, key);
	return buf;
}

static const char *
idx(char *buf, const char *path, uint32_t i)
{
	char num[16];
	size_t o = 0, n = 0;

	num[n++] = '[';
	do {
		num[n++] = (char)('0' + i % 10);
		i /= 10;
	} while (i != 0 && n < 12);
	/* digits went in reversed after '[' */
	for (size_t a = 1, b = n - 1; a < b; a++, b--) {
		char t = num[a];

		num[a] = num[b];
		num[b] = t;
	}
	num[n++] = ']';
	num[n] = '\0';
	o = buf != path ? append(buf, 0, path) : strlen(buf);
	append(buf, o, num);
	return buf;
}

static const char *
kind_name(const struct vs_cfg_node *n)
{
	if (n->kind == VS_CFG_NODE_SEQ)
		return "a list";
	if (n->kind == VS_CFG_NODE_MAP)
		return "a mapping";
	return vs_cfg_is_null(n) ? "an empty value" : "a scalar";
}

/* ---- mappings ---- */

static int
need_map(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path)
{
	if (n->kind != VS_CFG_NODE_MAP)
		return vs_cfg_fail(c, n->pos, path, "found %s; expected a mapping", kind_name(n));
	return 0;
}

static int
need_seq(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path)
{
	if (n->kind != VS_CFG_NODE_SEQ)
		return vs_cfg_fail(c, n->pos, path, "found %s; expected a list", kind_name(n));
	return 0;
}

static int
key_index(const struct vs_cfg_node *k, const char *const *keys, size_t n_keys)
{
	size_t i;

	for (i = 0; i < n_keys; i++)
		if (strlen(keys[i]) == k->len && memcmp(keys[i], k->str, k->len) == 0)
			return (int)i;
	return -1;
}

/* Every key a scalar, known and given once. */
static int
check_keys(struct vs_cfg_ctx *c, const struct vs_cfg_node *map, const char *path,
	   const char *const *keys, size_t n_keys)
{
	const struct vs_cfg_node *seen[32] = { NULL };
	const struct vs_cfg_node *k;
	char kp[KEYPATH_MAX], kt[48];

	for (k = map->first; k != NULL; k = k->next->next) {
		int i;

		if (k->kind != VS_CFG_NODE_SCALAR)
			return vs_cfg_fail(c, k->pos, path,
					   "found %s as a key; expected a key name", kind_name(k));
		key_text(k, kt, sizeof(kt));
		i = key_index(k, keys, n_keys);
		if (i < 0) {
			char list[600];
			const char *near = NULL;
			unsigned int best = 3;
			size_t j, o = 0;

			for (j = 0; j < n_keys; j++) {
				unsigned int d = vs_cfg_edit_distance(kt, keys[j]);

				if (d < best && d < strlen(keys[j])) {
					best = d;
					near = keys[j];
				}
				o += (size_t)snprintf(list + o,
						      o < sizeof(list) ? sizeof(list) - o : 0,
						      "%s%s", j ? ", " : "", keys[j]);
				if (o >= sizeof(list))
					o = sizeof(list) - 1;
			}
			if (near != NULL)
				return vs_cfg_fail(c, k->pos, sub(kp, path, kt),
						   "unknown key; expected one of %s (did you mean "
						   "\"%s\"?)",
						   list, near);
			return vs_cfg_fail(c, k->pos, sub(kp, path, kt),
					   "unknown key; expected one of %s", list);
		}
		if (seen[i] != NULL)
			return vs_cfg_fail(c, k->pos, sub(kp, path, kt),
					   "duplicate key (first at %u:%u); expected each key once",
					   seen[i]->pos.line, seen[i]->pos.column);
		seen[i] = k;
	}
	return 0;
}

static const struct vs_cfg_node *
get(const struct vs_cfg_node *map, const char *key)
{
	const struct vs_cfg_node *k;
	size_t len = strlen(key);

	for (k = map->first; k != NULL; k = k->next->next)
		if (k->kind == VS_CFG_NODE_SCALAR && k->len == len && memcmp(k->str, key, len) == 0)
			return k->next;
	return NULL;
}

static const struct vs_cfg_node *
get_key(const struct vs_cfg_node *map, const char *key)
{
	const struct vs_cfg_node *k;
	size_t len = strlen(key);

	for (k = map->first; k != NULL; k = k->next->next)
		if (k->kind == VS_CFG_NODE_SCALAR && k->len == len && memcmp(k->str, key, len) == 0)
			return k;
	return NULL;
}

static int
missing(struct vs_cfg_ctx *c, const struct vs_cfg_node *map, const char *path, const char *key,
	const char *expected)
{
	char kp[KEYPATH_MAX];

	return vs_cfg_fail(c, map->pos, sub(kp, path, key), "missing; expected %s", expected);
}

/* ---- scalars ---- */

static int
need_scalar(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path,
	    const char *expected)
{
	if (n->kind != VS_CFG_NODE_SCALAR)
		return vs_cfg_fail(c, n->pos, path, "found %s; expected %s", kind_name(n),
				   expected);
	if (vs_cfg_is_null(n))
		return vs_cfg_fail(c, n->pos, path, "found an empty value; expected %s", expected);
	if (strlen(n->str) != n->len)
		return vs_cfg_fail(c, n->pos, path, "found a NUL character; expected %s", expected);
	return 0;
}

static int
get_uint(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint64_t min,
	 uint64_t max, uint64_t *out)
{
	char expected[80], shown[64];
	uint64_t v = 0;
	int rc;

	snprintf(expected, sizeof(expected), "an integer %llu..%llu", (unsigned long long)min,
		 (unsigned long long)max);
	rc = need_scalar(c, n, path, expected);
	if (rc < 0)
		return rc;
	switch (vs_cfg_parse_uint(n->str, &v)) {
	case VS_CFG_INT_OK:
		if (v < min || v > max)
			return vs_cfg_fail(c, n->pos, path, "%.40s%s is out of range; expected %s",
					   n->str, n->len > 40 ? "..." : "", expected);
		*out = v;
		return 0;
	case VS_CFG_INT_NEGATIVE:
		return vs_cfg_fail(c, n->pos, path, "%.40s is negative; expected %s", n->str,
				   expected);
	case VS_CFG_INT_OVERFLOW:
		return vs_cfg_fail(c, n->pos, path, "%.40s%s is out of range; expected %s", n->str,
				   n->len > 40 ? "..." : "", expected);
	case VS_CFG_INT_LEADING0:
		return vs_cfg_fail(
			c, n->pos, path,
			"%s has a leading zero; expected %s (decimal, 0x hex or 0o octal)",
			vs_cfg_show(n, shown, sizeof(shown)), expected);
	default:
		return vs_cfg_fail(c, n->pos, path, "%s is not an integer; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	}
}

static int
get_u32(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t min,
	uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	int rc = get_uint(c, n, path, min, max, &v);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

static int
get_u16(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint16_t min,
	uint16_t max, uint16_t *out)
{
	uint64_t v = 0;
	int rc = get_uint(c, n, path, min, max, &v);

	if (rc == 0)
		*out = (uint16_t)v;
	return rc;
}

static int
get_u8(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint8_t min,
       uint8_t max, uint8_t *out)
{
	uint64_t v = 0;
	int rc = get_uint(c, n, path, min, max, &v);

	if (rc == 0)
		*out = (uint8_t)v;
	return rc;
}

static int
get_bool(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, bool *out)
{
	char shown[64];
	int rc = need_scalar(c, n, path, "true or false");

	if (rc < 0)
		return rc;
	if (vs_cfg_parse_bool(n->str, out) < 0)
		return vs_cfg_fail(c, n->pos, path, "%s is not a boolean; expected true or false",
				   vs_cfg_show(n, shown, sizeof(shown)));
	return 0;
}

static int
get_tristate(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, int *out)
{
	bool b;
	int rc = get_bool(c, n, path, &b);

	if (rc == 0)
		*out = b ? VS_CFG_ON : VS_CFG_OFF;
	return rc;
}

static int
get_mode(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t *out)
{
	char shown[64];
	int rc = need_scalar(c, n, path, "octal permission bits such as \"0660\"");

	if (rc < 0)
		return rc;
	if (vs_cfg_parse_mode(n->str, out) < 0)
		return vs_cfg_fail(c, n->pos, path,
				   "%s is not a permission mode; expected octal digits 0000..7777 "
				   "such as \"0660\"",
				   vs_cfg_show(n, shown, sizeof(shown)));
	return 0;
}

enum charset {
	CS_NAME,   /* port names, file prefix, user/group: [A-Za-z0-9_.-], alnum first */
	CS_IFNAME, /* kernel netdev: no '/', ':' or white space, not "." or ".." */
	CS_TEXT,   /* printable, no control characters (spaces allowed) */
	CS_WORD,   /* printable, no white space */
};

static bool
charset_ok(const char *s, enum charset cs)
{
	size_t i;

	if (cs == CS_NAME && !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
			       (s[0] >= '0' && s[0] <= '9')))
		return false;
	if (cs == CS_IFNAME && (strcmp(s, ".") == 0 || strcmp(s, "..") == 0))
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f)
			return false;
		switch (cs) {
		case CS_NAME:
			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
				return false;
			break;
		case CS_IFNAME:
			if (ch == '/' || ch == ':' || ch == ' ' || ch >= 0x80)
				return false;
			break;
		case CS_WORD:
			if (ch == ' ')
				return false;
			break;
		case CS_TEXT:
			break;
		}
	}
	return true;
}

static const char *const charset_text[] = {
	[CS_NAME] = "letters, digits, '_', '.' or '-' (starting with a letter or digit)",
	[CS_IFNAME] = "a network interface name (no '/', ':' or spaces)",
	[CS_TEXT] = "printable text",
	[CS_WORD] = "printable text without spaces",
};

/* A string of 1..size-1 bytes (0.. when allow_empty) in the given charset. */
static int
get_str(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, char *dst,
	size_t size, enum charset cs, bool allow_empty)
{
	char shown[80], expected[160];

	snprintf(expected, sizeof(expected), "%s of at most %zu bytes", charset_text[cs],
		 size - 1);
	if (allow_empty && n->kind == VS_CFG_NODE_SCALAR && n->len == 0) {
		dst[0] = '\0';
		return 0;
	}
	if (need_scalar(c, n, path, expected) < 0)
		return -EINVAL;
	if (n->len > size - 1)
		return vs_cfg_fail(c, n->pos, path, "%s is %u bytes long; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), n->len, expected);
	if (!charset_ok(n->str, cs))
		return vs_cfg_fail(c, n->pos, path, "%s has invalid characters; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	memcpy(dst, n->str, n->len + 1);
	return 0;
}

static int
get_mac(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, bool unicast,
	struct vs_cfg_mac *out)
{
	static const struct vs_cfg_mac zero;
	const char *expected = unicast ? "a unicast MAC such as \"52:54:00:12:34:56\""
				       : "a MAC such as \"52:54:00:12:34:56\"";
	char shown[64];

	if (need_scalar(c, n, path, expected) < 0)
		return -EINVAL;
	if (vs_cfg_parse_mac(n->str, out) < 0)
		return vs_cfg_fail(c, n->pos, path, "%s is not a MAC address; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	if (unicast && (out->b[0] & 1))
		return vs_cfg_fail(c, n->pos, path, "%s is a multicast MAC; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	if (unicast && memcmp(out, &zero, sizeof(zero)) == 0)
		return vs_cfg_fail(c, n->pos, path, "%s is the zero MAC; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	return 0;
}

/* Call fn for each item of a list; a null value is an empty list. */
typedef int (*item_fn)(struct vs_cfg_ctx *c, const struct vs_cfg_node *item, const char *path,
		       uint32_t i, void *arg);

static int
list_len(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t max,
	 const char *what, uint32_t *len)
{
	char ip[KEYPATH_MAX];
	const struct vs_cfg_node *it;
	uint32_t i = 0;

	*len = 0;
	if (n == NULL || vs_cfg_is_null(n))
		return 0;
	if (need_seq(c, n, path) < 0)
		return -EINVAL;
	if (n->n > max) {
		for (it = n->first; i < max; it = it->next)
			i++;
		return vs_cfg_fail(c, it->pos, idx(ip, path, max),
				   "more than %u %s; expected at most %u", max, what, max);
	}
	*len = n->n;
	return 0;
}

static int
for_each(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, item_fn fn,
	 void *arg)
{
	char ip[KEYPATH_MAX];
	const struct vs_cfg_node *it;
	uint32_t i = 0;
	int rc;

	if (n == NULL || vs_cfg_is_null(n))
		return 0;
	for (it = n->first; it != NULL; it = it->next, i++) {
		rc = fn(c, it, idx(ip, path, i), i, arg);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
oom(struct vs_cfg_ctx *c)
{
	c->err->pos = (struct vs_cfg_pos){ 0, 0 };
	if (c->err->msg[0] == '\0')
		snprintf(c->err->msg, sizeof(c->err->msg),
			 "%s:0:0: config: out of memory; expected a smaller config", c->name);
	return -ENOMEM;
}

static void *
alloc_array(struct vs_cfg_ctx *c, size_t n, size_t size, int *rc)
{
	void *p;

	*rc = 0;
	if (n == 0)
		return NULL;
	p = calloc(n, size);
	if (p == NULL)
		*rc = oom(c);
	return p;
}

/* ---- dpdk ---- */

static const char *const dpdk_keys[] = { "main_lcore",  "memory_mb", "mbufs",     "no_huge",
					 "in_memory",   "file_prefix", "log_level", "extra_args" };

static int
parse_dpdk(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, struct vs_cfg_dpdk *d)
{
	const char *path = "dpdk";
	char kp[KEYPATH_MAX], ip[KEYPATH_MAX];
	const struct vs_cfg_node *v, *it;
	uint32_t len, i;

	if (n == NULL || vs_cfg_is_null(n))
		return 0;
	d->pos = n->pos;
	if (need_map(c, n, path) < 0 || check_keys(c, n, path, dpdk_keys, ARRAY_LEN(dpdk_keys)))
		return -EINVAL;
	if ((v = get(n, "main_lcore")) &&
	    get_u32(c, v, sub(kp, path, "main_lcore"), 0, MAX_LCORE, &d->main_lcore))
		return -EINVAL;
	if ((v = get(n, "memory_mb")) &&
	    get_u32(c, v, sub(kp, path, "memory_mb"), 0, 1u << 20, &d->memory_mb))
		return -EINVAL;
	if ((v = get(n, "mbufs")) &&
	    get_u32(c, v, sub(kp, path, "mbufs"), 0, 1u << 26, &d->mbufs))
		return -EINVAL;
	if ((v = get(n, "no_huge")) && get_bool(c, v, sub(kp, path, "no_huge"), &d->no_huge))
		return -EINVAL;
	if ((v = get(n, "in_memory")) && get_bool(c, v, sub(kp, path, "in_memory"), &d->in_memory))
		return -EINVAL;
	if ((v = get(n, "file_prefix")) &&
	    get_str(c, v, sub(kp, path, "file_prefix"), d->file_prefix, sizeof(d->file_prefix),
		    CS_NAME, false))
		return -EINVAL;
	if ((v = get(n, "log_level")) &&
	    get_str(c, v, sub(kp, path, "log_level"), d->log_level, sizeof(d->log_level), CS_WORD,
		    true))
		return -EINVAL;
	v = get(n, "extra_args");
	sub(kp, path, "extra_args");
	if (list_len(c, v, kp, MAX_EXTRA_ARGS, "arguments", &len) < 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	d->extra_args = calloc(len, sizeof(*d->extra_args));
	if (d->extra_args == NULL)
		return oom(c);
	d->n_extra_args = len;
	for (it = v->first, i = 0; it != NULL; it = it->next, i++) {
		idx(ip, kp, i);
		if (need_scalar(c, it, ip, "an EAL argument string such as \"--vdev=net_null0\"") <
		    0)
			return -EINVAL;
		if (it->len == 0 || it->len > 4095 || !charset_ok(it->str, CS_TEXT))
			return vs_cfg_fail(c, it->pos, ip,
					   "an empty argument, control characters or over 4095 "
					   "bytes; expected 1..4095 bytes of printable text");
		d->extra_args[i] = strdup(it->str);
		if (d->extra_args[i] == NULL)
			return oom(c);
	}
	return 0;
}

/* ---- workers ---- */

static int
parse_worker(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i,
	     void *arg)
{
	static const char *const keys[] = { "lcore" };
	struct vs_config *cfg = arg;
	struct vs_cfg_worker *w = &cfg->workers[i];
	const struct vs_cfg_node *v;
	char kp[KEYPATH_MAX];
	uint32_t j;

	w->pos = n->pos;
	if (need_map(c, n, path) < 0 || check_keys(c, n, path, keys, ARRAY_LEN(keys)) < 0)
		return -EINVAL;
	v = get(n, "lcore");
	if (v == NULL)
		return missing(c, n, path, "lcore", "an lcore id 0..1023");
	sub(kp, path, "lcore");
	if (get_u32(c, v, kp, 0, MAX_LCORE, &w->lcore) < 0)
		return -EINVAL;
	if (w->lcore == cfg->dpdk.main_lcore)
		return vs_cfg_fail(c, v->pos, kp,
				   "%u is dpdk.main_lcore; expected an lcore other than the "
				   "main (control) lcore",
				   w->lcore);
	for (j = 0; j < i; j++)
		if (cfg->workers[j].lcore == w->lcore)
			return vs_cfg_fail(c, v->pos, kp,
					   "%u is already used by workers[%u]; expected each "
					   "lcore once",
					   w->lcore, j);
	return 0;
}

static int
parse_workers(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, struct vs_config *cfg)
{
	uint32_t len;
	int rc;

	if (list_len(c, n, "workers", VS_CFG_MAX_WORKERS, "workers", &len) < 0)
		return -EINVAL;
	cfg->workers = alloc_array(c, len, sizeof(*cfg->workers), &rc);
	if (rc < 0)
		return rc;
	cfg->n_workers = len;
	return for_each(c, n, "workers", parse_worker, cfg);
}

static bool
worker_defined(const struct vs_config *cfg, uint32_t lcore)
{
	uint32_t i;

	for (i = 0; i < cfg->n_workers; i++)
		if (cfg->workers[i].lcore == lcore)
			return true;
	return false;
}

/* ---- classifier ---- */

static int
parse_classifier(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, struct vs_cfg_classifier *cl)
{
	static const char *const keys[] = { "emc_entries", "max_rules" };
	const char *path = "classifier";
	const struct vs_cfg_node *v;
	char kp[KEYPATH_MAX];

	if (n == NULL || vs_cfg_is_null(n))
		return 0;
	if (need_map(c, n, path) < 0 || check_keys(c, n, path, keys, ARRAY_LEN(keys)) < 0)
		return -EINVAL;
	if ((v = get(n, "emc_entries")) != NULL) {
		sub(kp, path, "emc_entries");
		if (get_u32(c, v, kp, 0, 1u << 20, &cl->emc_entries) < 0)
			return -EINVAL;
		if (cl->emc_entries & (cl->emc_entries - 1))
			return vs_cfg_fail(c, v->pos, kp,
					   "%u is not a power of two; expected 0 (off) or a power "
					   "of two 1..1048576",
					   cl->emc_entries);
	}
	if ((v = get(n, "max_rules")) &&
	    get_u32(c, v, sub(kp, path, "max_rules"), 1, MAX_RULES_CAP, &cl->max_rules))
		return -EINVAL;
	return 0;
}

/* ---- control ---- */

static int
check_listen(const char *s)
{
	char host[64];
	const char *colon;
	struct vs_cfg_prefix pfx;
	uint64_t port;
	size_t hl;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':')
			return -EINVAL;
		hl = (size_t)(end - s - 1);
		if (hl == 0 || hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -EINVAL;
		hl = (size_t)(colon - s);
		if (hl == 0 || hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	if (strchr(host, '/') != NULL || vs_cfg_parse_prefix(host, &pfx) < 0)
		return -EINVAL;
	if ((s[0] == '[') != (pfx.family == 6))
		return -EINVAL;
	if (vs_cfg_parse_uint(colon + 1, &port) != VS_CFG_INT_OK || port == 0 || port > 65535)
		return -EINVAL;
	return 0;
}

static int
parse_control(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, struct vs_cfg_control *ct)
{
	static const char *const keys[] = { "socket", "socket_mode", "stats_interval_ms",
					    "watch_file", "metrics_listen" };
	const char *path = "control";
	const struct vs_cfg_node *v;
	char kp[KEYPATH_MAX], shown[80];

	if (n == NULL || vs_cfg_is_null(n))
		return 0;
	if (need_map(c, n, path) < 0 || check_keys(c, n, path, keys, ARRAY_LEN(keys)) < 0)
		return -EINVAL;
	if ((v = get(n, "socket")) != NULL) {
		if (get_str(c, v, sub(kp, path, "socket"), ct->socket, sizeof(ct->socket), CS_WORD,
			    false))
			return -EINVAL;
		ct->socket_pos = v->pos;
	}
	if ((v = get(n, "socket_mode")) &&
	    get_mode(c, v, sub(kp, path, "socket_mode"), &ct->socket_perm))
		return -EINVAL;
	if ((v = get(n, "stats_interval_ms")) &&
	    get_u32(c, v, sub(kp, path, "stats_interval_ms"), 0, 3600000, &ct->stats_interval_ms))
		return -EINVAL;
	if ((v = get(n, "watch_file")) &&
	    get_bool(c, v, sub(kp, path, "watch_file"), &ct->watch_file))
		return -EINVAL;
	if ((v = get(n, "metrics_listen")) != NULL) {
		sub(kp, path, "metrics_listen");
		if (get_str(c, v, kp, ct->metrics_listen, sizeof(ct->metrics_listen), CS_WORD,
			    true))
			return -EINVAL;
		if (ct->metrics_listen[0] != '\0' && check_listen(ct->metrics_listen) < 0)
			return vs_cfg_fail(c, v->pos, kp,
					   "%s is not an address:port; expected \"\" (off), "
					   "\"IPv4:PORT\" or \"[IPv6]:PORT\" with PORT 1..65535",
					   vs_cfg_show(v, shown, sizeof(shown)));
	}
	return 0;
}

/* ---- sriov ---- */

struct mac_ref {
	struct vs_cfg_mac mac;
	struct vs_cfg_pos pos;
	uint32_t pf, vf;
	int extra; /* index in extra_macs, -1 for mac */
};

/* What sriov parsing keeps for later checks: dpdk_port nodes (checked once
 * ports are read) and every VF MAC with its position (checked across PFs). */
struct sriov_refs {
	struct vs_config *cfg;
	uint32_t pf; /* the entry being parsed */
	const struct vs_cfg_node *dpdk_port[MAX_SRIOV_PFS];
	struct mac_ref *macs;
	size_t n_macs, cap_macs;
};

static int
add_mac_ref(struct vs_cfg_ctx *c, struct sriov_refs *refs, const struct vs_cfg_mac *mac,
	    struct vs_cfg_pos pos, uint32_t vf, int extra)
{
	if (refs->n_macs == refs->cap_macs) {
		size_t cap = refs->cap_macs ? refs->cap_macs * 2 : 64;
		struct mac_ref *m = realloc(refs->macs, cap * sizeof(*m));

		if (m == NULL)
			return oom(c);
		refs->macs = m;
		refs->cap_macs = cap;
	}
	refs->macs[refs->n_macs++] = (struct mac_ref){ *mac, pos, refs->pf, vf, extra };
	return 0;
}

static const char *const vf_keys[] = { "id",	      "mac",	     "vlan",       "qos",
				       "vlan_proto",  "spoofchk",    "trust",      "link_state",
				       "min_tx_rate", "max_tx_rate", "extra_macs" };

static int
parse_vf(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i,
	 void *arg)
{
	struct sriov_refs *refs = arg;
	struct vs_cfg_pf *pf = &refs->cfg->sriov[refs->pf];
	struct vs_cfg_vf *vf = &pf->vfs[i];
	const struct vs_cfg_node *v, *it;
	char kp[KEYPATH_MAX], ip[KEYPATH_MAX], shown[64];
	uint32_t len, j;

	vf->pos = n->pos;
	vf->vlan_proto = 0x8100;
	vf->spoofchk = VS_CFG_UNSET;
	vf->trust = VS_CFG_UNSET;
	vf->link_state = VS_CFG_LINK_UNSET;
	if (need_map(c, n, path) < 0 || check_keys(c, n, path, vf_keys, ARRAY_LEN(vf_keys)) < 0)
		return -EINVAL;
	v = get(n, "id");
	if (v == NULL)
		return missing(c, n, path, "id", "a VF index below num_vfs");
	sub(kp, path, "id");
	if (get_u16(c, v, kp, 0, MAX_VFS - 1, &vf->id) < 0)
		return -EINVAL;
	if (vf->id >= pf->num_vfs)
		return vs_cfg_fail(c, v->pos, kp, "%u is not below num_vfs %u; expected 0..%d",
				   vf->id, pf->num_vfs, (int)pf->num_vfs - 1);
	for (j = 0; j < i; j++)
		if (pf->vfs[j].id == vf->id)
			return vs_cfg_fail(c, v->pos, kp,
					   "VF %u is already configured at %u:%u; expected each "
					   "VF id once",
					   vf->id, pf->vfs[j].pos.line, pf->vfs[j].pos.column);
	if ((v = get(n, "mac")) != NULL) {
		if (get_mac(c, v, sub(kp, path, "mac"), true, &vf->mac) < 0)
			return -EINVAL;
		vf->has_mac = true;
		if (add_mac_ref(c, refs, &vf->mac, v->pos, i, -1) < 0)
			return -ENOMEM;
	}
	if ((v = get(n, "vlan")) != NULL) {
		if (get_u16(c, v, sub(kp, path, "vlan"), 0, 4095, &vf->vlan) < 0)
			return -EINVAL;
		vf->has_vlan = true;
	}
	if ((v = get(n, "qos")) != NULL) {
		if (get_u8(c, v, sub(kp, path, "qos"), 0, 7, &vf->qos) < 0)
			return -EINVAL;
		if (!vf->has_vlan)
			return vs_cfg_fail(c, v->pos, kp,
					   "qos without vlan; expected vlan: N alongside qos");
	}
	if ((v = get(n, "vlan_proto")) != NULL) {
		const char *expected = "802.1Q (0x8100) or 802.1ad (0x88a8)";

		sub(kp, path, "vlan_proto");
		if (need_scalar(c, v, kp, expected) < 0)
			return -EINVAL;
		if (strcmp(v->str, "802.1Q") == 0 || strcmp(v->str, "802.1q") == 0 ||
		    strcmp(v->str, "0x8100") == 0)
			vf->vlan_proto = 0x8100;
		else if (strcmp(v->str, "802.1ad") == 0 || strcmp(v->str, "802.1AD") == 0 ||
			 strcmp(v->str, "0x88a8") == 0 || strcmp(v->str, "0x88A8") == 0)
			vf->vlan_proto = 0x88a8;
		else
			return vs_cfg_fail(c, v->pos, kp, "%s is not a VLAN protocol; expected %s",
					   vs_cfg_show(v, shown, sizeof(shown)), expected);
		if (!vf->has_vlan)
			return vs_cfg_fail(c, v->pos, kp,
					   "vlan_proto without vlan; expected vlan: N alongside "
					   "vlan_proto");
	}
	if ((v = get(n, "spoofchk")) &&
	    get_tristate(c, v, sub(kp, path, "spoofchk"), &vf->spoofchk))
		return -EINVAL;
	if ((v = get(n, "trust")) && get_tristate(c, v, sub(kp, path, "trust"), &vf->trust))
		return -EINVAL;
	if ((v = get(n, "link_state")) != NULL) {
		const char *expected = "auto, enable or disable";

		sub(kp, path, "link_state");
		if (need_scalar(c, v, kp, expected) < 0)
			return -EINVAL;
		if (strcmp(v->str, "auto") == 0)
			vf->link_state = VS_CFG_LINK_AUTO;
		else if (strcmp(v->str, "enable") == 0)
			vf->link_state = VS_CFG_LINK_ENABLE;
		else if (strcmp(v->str, "disable") == 0)
			vf->link_state = VS_CFG_LINK_DISABLE;
		else
			return vs_cfg_fail(c, v->pos, kp, "%s is not a link state; expected %s",
					   vs_cfg_show(v, shown, sizeof(shown)), expected);
	}
	if ((v = get(n, "max_tx_rate")) &&
	    get_u32(c, v, sub(kp, path, "max_tx_rate"), 0, 1000000, &vf->max_tx_rate))
		return -EINVAL;
	if ((v = get(n, "min_tx_rate")) != NULL) {
		sub(kp, path, "min_tx_rate");
		if (get_u32(c, v, kp, 0, 1000000, &vf->min_tx_rate) < 0)
			return -EINVAL;
		if (vf->max_tx_rate != 0 && vf->min_tx_rate > vf->max_tx_rate)
			return vs_cfg_fail(c, v->pos, kp,
					   "%u is above max_tx_rate %u; expected min_tx_rate <= "
					   "max_tx_rate",
					   vf->min_tx_rate, vf->max_tx_rate);
	}
	v = get(n, "extra_macs");
	sub(kp, path, "extra_macs");
	if (list_len(c, v, kp, MAX_EXTRA_MACS, "MACs", &len) < 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	vf->extra_macs = calloc(len, sizeof(*vf->extra_macs));
	if (vf->extra_macs == NULL)
		return oom(c);
	vf->n_extra_macs = len;
	for (it = v->first, j = 0; it != NULL; it = it->next, j++) {
		if (get_mac(c, it, idx(ip, kp, j), true, &vf->extra_macs[j]) < 0)
			return -EINVAL;
		if (add_mac_ref(c, refs, &vf->extra_macs[j], it->pos, i, (int)j) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int
parse_pf(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i,
	 void *arg)
{
	static const char *const keys[] = { "pf", "dpdk_port", "num_vfs", "vfs" };
	struct sriov_refs *refs = arg;
	struct vs_config *cfg = refs->cfg;
	struct vs_cfg_pf *pf = &cfg->sriov[i];
	const struct vs_cfg_node *v, *vp, *vd;
	char kp[KEYPATH_MAX];
	uint32_t len, j;
	int rc;

	pf->pos = n->pos;
	if (need_map(c, n, path) < 0 || check_keys(c, n, path, keys, ARRAY_LEN(keys)) < 0)
		return -EINVAL;
	vp = get(n, "pf");
	vd = get(n, "dpdk_port");
	if (vp != NULL && vd != NULL)
		return vs_cfg_fail(c, get_key(n, "dpdk_port")->pos, sub(kp, path, "dpdk_port"),
				   "given together with pf; expected exactly one of pf (kernel "
				   "netdev) or dpdk_port (DPDK port name)");
	if (vp == NULL && vd == NULL)
		return missing(c, n, path, "pf",
			       "pf: NETDEV (kernel-owned PF) or dpdk_port: PORT (DPDK-owned PF)");
	if (vp != NULL) {
		pf->backend = VS_CFG_PF_KERNEL;
		if (get_str(c, vp, sub(kp, path, "pf"), pf->pf, VS_CFG_IFNAME_MAX, CS_IFNAME,
			    false) < 0)
			return -EINVAL;
	} else {
		pf->backend = VS_CFG_PF_DPDK;
		if (get_str(c, vd, sub(kp, path, "dpdk_port"), pf->pf, sizeof(pf->pf), CS_NAME,
			    false) < 0)
			return -EINVAL;
		refs->dpdk_port[i] = vd;
	}
	for (j = 0; j < i; j++)
		if (strcmp(cfg->sriov[j].pf, pf->pf) == 0)
			return vs_cfg_fail(c, (vp ? vp : vd)->pos, kp,
					   "\"%s\" is already configured at sriov[%u]; expected "
					   "each PF once",
					   pf->pf, j);
	v = get(n, "num_vfs");
	if (v == NULL)
		return missing(c, n, path, "num_vfs", "the number of VFs to create, 0..256");
	if (get_u16(c, v, sub(kp, path, "num_vfs"), 0, MAX_VFS, &pf->num_vfs) < 0)
		return -EINVAL;
	v = get(n, "vfs");
	sub(kp, path, "vfs");
	if (list_len(c, v, kp, MAX_VFS, "VFs", &len) < 0)
		return -EINVAL;
	pf->vfs = alloc_array(c, len, sizeof(*pf->vfs), &rc);
	if (rc < 0)
		return rc;
	pf->n_vfs = len;
	refs->pf = i;
	return for_each(c, v, kp, parse_vf, refs);
}

/* One MAC may serve one VF only, across every PF. */
static int
check_vf_macs(struct vs_cfg_ctx *c, const struct sriov_refs *refs)
{
	const struct mac_ref *a, *b;
	char kp[KEYPATH_MAX], mac[18];
	size_t first;
	long dup;

	dup = vs_cfg_find_dup(refs->macs, refs->n_macs, sizeof(*refs->macs),
			      sizeof(refs->macs->mac), false, &first);
	if (dup == -2)
		return oom(c);
	if (dup < 0)
		return 0;
	a = &refs->macs[first];
	b = &refs->macs[dup];
	if (b->extra < 0)
		snprintf(kp, sizeof(kp), "sriov[%u].vfs[%u].mac", b->pf, b->vf);
	else
		snprintf(kp, sizeof(kp), "sriov[%u].vfs[%u].extra_macs[%d]", b->pf, b->vf,
			 b->extra);
	return vs_cfg_fail(c, b->pos, kp,
			   "%s is already used at %u:%u (sriov[%u].vfs[%u]); expected a MAC "
			   "unique across all VFs",
			   vs_cfg_mac_str(&b->mac, mac, sizeof(mac)), a->pos.line, a->pos.column,
			   a->pf, a->vf);
}

static int
parse_sriov(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, struct vs_config *cfg,
	    struct sriov_refs *refs)
{
	uint32_t len;
	int rc;

	if (list_len(c, n, "sriov", MAX_SRIOV_PFS, "PFs", &len) < 0)
		return -EINVAL;
	cfg->sriov = alloc_array(c, len, sizeof(*cfg->sriov), &rc);
	if (rc < 0)
		return rc;
	cfg->n_sriov = len;
	refs->cfg = cfg;
	rc = for_each(c, n, "sriov", parse_pf, refs);
	if (rc < 0)
		return rc;
	return check_vf_macs(c, refs);
}

static int
check_sriov_ports(struct vs_cfg_ctx *c, const struct vs_config *cfg,
		  const struct sriov_refs *refs)
{
	char kp[KEYPATH_MAX];
	uint32_t i;

	for (i = 0; i < cfg->n_sriov; i++) {
		const struct vs_cfg_port *p;

		if (refs->dpdk_port[i] == NULL)
			continue;
		snprintf(kp, sizeof(kp), "sriov[%u].dpdk_port", i);
		p = vs_config_port(cfg, cfg->sriov[i].pf);
		if (p == NULL)
			return vs_cfg_fail(c, refs->dpdk_port[i]->pos, kp,
					   "\"%s\" is not a defined port; expected the name of an "
					   "ethdev port in ports",
					   cfg->sriov[i].pf);
		if (p->type != VS_CFG_PORT_ETHDEV)
			return vs_cfg_fail(c, refs->dpdk_port[i]->pos, kp,
					   "\"%s\" is a vhost port; expected an ethdev port",
					   cfg->sriov[i].pf);
	}
	return 0;
}

/* ---- ports ---- */

static const char *const port_keys[] = {
	"name",	   "type",	"rxq_pin",  "device", "rx_queues", "tx_queues", "rx_desc",
	"tx_desc", "mtu",	"promisc",  "mac",    "vf",	   "path",	"mode",
	"queues",  "owner",	"group",    "socket_mode",
};
#define PORT_COMMON_KEYS 3
#define PORT_ETHDEV_END 12 /* port_keys[3..11] are ethdev keys, [12..] vhost keys */

static int
parse_rxq_pin(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i,
	      void *arg)
{
	static const char *const keys[] = { "queue", "worker" };
	struct vs_cfg_port *p = ((void **)arg)[0];
	const struct vs_config *cfg = ((void **)arg)[1];
	struct vs_cfg_rxq_pin *pin = &p->rxq_pins[i];
	uint16_t nq = p->type == VS_CFG_PORT_ETHDEV ? p->rx_queues : p->queues;
	const struct vs_cfg_node *v;
	char kp[KEYPATH_MAX];
	uint32_t j;

	pin->pos = n->pos;
	if (need_map(c, n, path) < 0 || check_keys(c, n, path, keys, ARRAY_LEN(keys)) < 0)
		return -EINVAL;
	v = get(n, "queue");
	if (v == NULL)
		return missing(c, n, path, "queue", "an rx queue index");
	sub(kp, path, "queue");
	if (get_u16(c, v, kp, 0, 1023, &pin->queue) < 0)
		return -EINVAL;
	if (pin->queue >= nq)
		return vs_cfg_fail(c, v->pos, kp,
				   "queue %u but the port has %u rx queue%s; expected 0..%u",
				   pin->queue, nq, nq == 1 ? "" : "s", nq - 1u);
	for (j = 0; j < i; j++)
		if (p->rxq_pins[j].queue == pin->queue)
			return vs_cfg_fail(c, v->pos, kp,
					   "queue %u is already pinned at %u:%u; expected each "
					   "queue once",
					   pin->queue, p->rxq_pins[j].pos.line,
					   p->rxq_pins[j].pos.column);
	v = get(n, "worker");
	if (v == NULL)
		return missing(c, n, path, "worker", "the lcore of a worker in workers");
	sub(kp, path, "worker");
	if (get_u32(c, v, kp, 0, MAX_LCORE, &pin->worker_lcore) < 0)
		return -EINVAL;
	if (!worker_defined(cfg, pin->worker_lcore))
		return vs_cfg_fail(c, v->pos, kp,
				   "lcore %u is not a worker; expected the lcore of one of the "
				   "%u worker%s in workers",
				   pin->worker_lcore, cfg->n_workers,
				   cfg->n_workers == 1 ? "" : "s");
	return 0;
}

static int
parse_port_vf(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *port_path,
	      struct vs_config *cfg, struct vs_cfg_port *p, const struct vs_cfg_node *mac)
{
	static const char *const keys[] = { "pf", "id" };
	const struct vs_cfg_node *vpf, *vid;
	const struct vs_cfg_pf *pf = NULL;
	const struct vs_cfg_port *q;
	char path[KEYPATH_MAX], kp[KEYPATH_MAX];
	uint32_t i;

	sub(path, port_path, "vf");
	if (need_map(c, n, path) < 0 || check_keys(c, n, path, keys, ARRAY_LEN(keys)) < 0)
		return -EINVAL;
	vpf = get(n, "pf");
	if (vpf == NULL)
		return missing(c, n, path, "pf", "the PF of an sriov entry");
	vid = get(n, "id");
	if (vid == NULL)
		return missing(c, n, path, "id", "the VF index on that PF");
	sub(kp, path, "pf");
	if (get_str(c, vpf, kp, p->vf_pf, sizeof(p->vf_pf), CS_IFNAME, false) < 0)
		return -EINVAL;
	for (i = 0; i < cfg->n_sriov; i++)
		if (strcmp(cfg->sriov[i].pf, p->vf_pf) == 0)
			pf = &cfg->sriov[i];
	if (pf == NULL)
		return vs_cfg_fail(c, vpf->pos, kp,
				   "\"%s\" is not configured in sriov; expected the pf or "
				   "dpdk_port of an sriov entry",
				   p->vf_pf);
	sub(kp, path, "id");
	if (get_u16(c, vid, kp, 0, MAX_VFS - 1, &p->vf_id) < 0)
		return -EINVAL;
	if (p->vf_id >= pf->num_vfs)
		return vs_cfg_fail(c, vid->pos, kp,
				   "VF %u is not defined: %s has num_vfs %u; expected 0..%d",
				   p->vf_id, pf->pf, pf->num_vfs, (int)pf->num_vfs - 1);
	for (q = cfg->ports; q < p; q++)
		if (q->is_vf && q->vf_id == p->vf_id && strcmp(q->vf_pf, p->vf_pf) == 0)
			return vs_cfg_fail(c, vid->pos, kp,
					   "%s VF %u is already port \"%s\"; expected each VF in "
					   "one port",
					   p->vf_pf, p->vf_id, q->name);
	for (i = 0; i < pf->n_vfs && mac != NULL; i++)
		if (pf->vfs[i].id == p->vf_id && pf->vfs[i].has_mac)
			return vs_cfg_fail(c, mac->pos, sub(kp, port_path, "mac"),
					   "set here and in sriov (%u:%u); expected the VF MAC in "
					   "one place",
					   pf->vfs[i].pos.line, pf->vfs[i].pos.column);
	p->is_vf = true;
	/* The VF's MAC lives in one place, its sriov entry: the port takes it
	 * from there so the switch programs the same MAC on the VF port. */
	for (i = 0; i < pf->n_vfs && mac == NULL; i++)
		if (pf->vfs[i].id == p->vf_id && pf->vfs[i].has_mac) {
			p->has_mac = true;
			p->mac_from_vf = true;
			p->mac = pf->vfs[i].mac;
		}
	return 0;
}

static int
parse_port(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i,
	   void *arg)
{
	struct vs_config *cfg = arg;
	struct vs_cfg_port *p = &cfg->ports[i];
	const struct vs_cfg_node *v, *k;
	char kp[KEYPATH_MAX], kt[48], shown[64];
	void *pin_args[2] = { p, cfg };
	uint32_t j, len;
	size_t lo, hi;
	int rc;

	p->pos = n->pos;
	p->rx_queues = 1;
	p->rx_desc = 1024;
	p->tx_desc = 1024;
	p->promisc = true;
	p->queues = 1;
	p->socket_perm = 0660;
	if (need_map(c, n, path) < 0 ||
	    check_keys(c, n, path, port_keys, ARRAY_LEN(port_keys)) < 0)
		return -EINVAL;
	v = get(n, "name");
	if (v == NULL)
		return missing(c, n, path, "name", "a port name");
	sub(kp, path, "name");
	if (get_str(c, v, kp, p->name, sizeof(p->name), CS_NAME, false) < 0)
		return -EINVAL;
	for (j = 0; j < i; j++)
		if (strcmp(cfg->ports[j].name, p->name) == 0)
			return vs_cfg_fail(c, v->pos, kp,
					   "\"%s\" is already ports[%u] at %u:%u; expected unique "
					   "port names",
					   p->name, j, cfg->ports[j].pos.line,
					   cfg->ports[j].pos.column);
	v = get(n, "type");
	if (v == NULL)
		return missing(c, n, path, "type", "ethdev or vhost");
	sub(kp, path, "type");
	if (need_scalar(c, v, kp, "ethdev or vhost") < 0)
		return -EINVAL;
	if (strcmp(v->str, "ethdev") == 0)
		p->type = VS_CFG_PORT_ETHDEV;
	else if (strcmp(v->str, "vhost") == 0)
		p->type = VS_CFG_PORT_VHOST;
	else
		return vs_cfg_fail(c, v->pos, kp, "%s is not a port type; expected ethdev or vhost",
				   vs_cfg_show(v, shown, sizeof(shown)));

	/* keys of the other port type */
	lo = p->type == VS_CFG_PORT_ETHDEV ? PORT_ETHDEV_END : PORT_COMMON_KEYS;
	hi = p->type == VS_CFG_PORT_ETHDEV ? ARRAY_LEN(port_keys) : PORT_ETHDEV_END;
	for (k = n->first; k != NULL; k = k->next->next) {
		int ki = key_index(k, port_keys, ARRAY_LEN(port_keys));

		if (ki >= (int)lo && ki < (int)hi) {
			key_text(k, kt, sizeof(kt));
			return vs_cfg_fail(c, k->pos, sub(kp, path, kt),
					   "applies to %s ports only; expected a key of %s ports",
					   p->type == VS_CFG_PORT_ETHDEV ? "vhost" : "ethdev",
					   p->type == VS_CFG_PORT_ETHDEV ? "ethdev" : "vhost");
		}
	}

	if (p->type == VS_CFG_PORT_ETHDEV) {
		v = get(n, "device");
		if (v == NULL)
			return missing(c, n, path, "device",
				       "a PCI address or vdev devargs for an ethdev port");
		if (get_str(c, v, sub(kp, path, "device"), p->device, sizeof(p->device), CS_WORD,
			    false) < 0)
			return -EINVAL;
		p->where_pos = v->pos;
		if ((v = get(n, "rx_queues")) &&
		    get_u16(c, v, sub(kp, path, "rx_queues"), 1, 1024, &p->rx_queues))
			return -EINVAL;
		if ((v = get(n, "tx_queues")) &&
		    get_u16(c, v, sub(kp, path, "tx_queues"), 0, 1024, &p->tx_queues))
			return -EINVAL;
		if ((v = get(n, "rx_desc")) &&
		    get_u16(c, v, sub(kp, path, "rx_desc"), 64, 32768, &p->rx_desc))
			return -EINVAL;
		if ((v = get(n, "tx_desc")) &&
		    get_u16(c, v, sub(kp, path, "tx_desc"), 64, 32768, &p->tx_desc))
			return -EINVAL;
		if ((v = get(n, "mtu")) != NULL) {
			sub(kp, path, "mtu");
			if (get_u16(c, v, kp, 0, 9728, &p->mtu) < 0)
				return -EINVAL;
			if (p->mtu != 0 && p->mtu < 68)
				return vs_cfg_fail(
					c, v->pos, kp,
					"%u is below the IPv4 minimum; expected 0 (device "
					"default) or 68..9728",
					p->mtu);
		}
		if ((v = get(n, "promisc")) &&
		    get_bool(c, v, sub(kp, path, "promisc"), &p->promisc))
			return -EINVAL;
		if ((v = get(n, "mac")) != NULL) {
			if (get_mac(c, v, sub(kp, path, "mac"), true, &p->mac) < 0)
				return -EINVAL;
			p->has_mac = true;
		}
		if ((k = get(n, "vf")) != NULL) {
			rc = parse_port_vf(c, k, path, cfg, p, get(n, "mac"));
			if (rc < 0)
				return rc;
		}
	} else {
		v = get(n, "path");
		if (v == NULL)
			return missing(c, n, path, "path", "the vhost-user socket path");
		if (get_str(c, v, sub(kp, path, "path"), p->path, sizeof(p->path), CS_WORD,
			    false) < 0)
			return -EINVAL;
		p->where_pos = v->pos;
		if ((v = get(n, "mode")) != NULL) {
			sub(kp, path, "mode");
			if (need_scalar(c, v, kp, "client or server") < 0)
				return -EINVAL;
			if (strcmp(v->str, "client") == 0)
				p->mode = VS_CFG_VHOST_CLIENT;
			else if (strcmp(v->str, "server") == 0)
				p->mode = VS_CFG_VHOST_SERVER;
			else
				return vs_cfg_fail(
					c, v->pos, kp,
					"%s is not a vhost mode; expected client or server",
					vs_cfg_show(v, shown, sizeof(shown)));
		}
		if ((v = get(n, "queues")) &&
		    get_u16(c, v, sub(kp, path, "queues"), 1, 128, &p->queues))
			return -EINVAL;
		if ((v = get(n, "owner")) && get_str(c, v, sub(kp, path, "owner"), p->owner,
						     sizeof(p->owner), CS_NAME, false))
			return -EINVAL;
		if ((v = get(n, "group")) && get_str(c, v, sub(kp, path, "group"), p->group,
						     sizeof(p->group), CS_NAME, false))
			return -EINVAL;
		if ((v = get(n, "socket_mode")) &&
		    get_mode(c, v, sub(kp, path, "socket_mode"), &p->socket_perm))
			return -EINVAL;
		if (p->mode == VS_CFG_VHOST_CLIENT) {
			static const char *const server_only[] = { "owner", "group",
								   "socket_mode" };

			for (j = 0; j < ARRAY_LEN(server_only); j++) {
				k = get_key(n, server_only[j]);
				if (k != NULL)
					return vs_cfg_fail(c, k->pos, sub(kp, path, server_only[j]),
							   "set on a client-mode port (QEMU owns "
							   "the socket); expected mode: server");
			}
		}
	}

	v = get(n, "rxq_pin");
	sub(kp, path, "rxq_pin");
	if (list_len(c, v, kp, MAX_RXQ_PINS, "pins", &len) < 0)
		return -EINVAL;
	p->rxq_pins = alloc_array(c, len, sizeof(*p->rxq_pins), &rc);
	if (rc < 0)
		return rc;
	p->n_rxq_pins = len;
	return for_each(c, v, kp, parse_rxq_pin, pin_args);
}

static int
parse_ports(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, struct vs_config *cfg)
{
	uint32_t len;
	int rc;

	if (list_len(c, n, "ports", VS_CFG_MAX_PORTS, "ports", &len) < 0)
		return -EINVAL;
	cfg->ports = alloc_array(c, len, sizeof(*cfg->ports), &rc);
	if (rc < 0)
		return rc;
	cfg->n_ports = len;
	return for_each(c, n, "ports", parse_port, cfg);
}

/* "[DOMAIN:]BUS:DEV.FN" (hex) in s[0..n) as "dddd:bb:dd.f"; false when it is not one. */
static bool
pci_key(const char *s, size_t n, char *out, size_t size)
{
	unsigned long f[4];
	char sep[4];
	unsigned nf = 0;
	size_t i = 0;

	while (nf < 4) {
		size_t start = i;

		f[nf] = 0;
		while (i < n && isxdigit((unsigned char)s[i]) && i - start < 8) {
			f[nf] = f[nf] * 16 +
				(unsigned long)(isdigit((unsigned char)s[i])
						    ? s[i] - '0'
						    : tolower((unsigned char)s[i]) - 'a' + 10);
			i++;
		}
		if (i == start)
			return false;
		if (i == n) {
			nf++;
			break;
		}
		sep[nf++] = s[i++];
	}
	if (i != n)
		return false;
	if (nf == 3 && sep[0] == ':' && sep[1] == '.' && f[0] <= 0xff && f[1] <= 0x1f &&
	    f[2] <= 7) {
		snprintf(out, size, "0000:%02lx:%02lx.%lx", f[0], f[1], f[2]);
		return true;
	}
	if (nf == 4 && sep[0] == ':' && sep[1] == ':' && sep[2] == '.' && f[0] <= 0xffff &&
	    f[1] <= 0xff && f[2] <= 0x1f && f[3] <= 7) {
		snprintf(out, size, "%04lx:%02lx:%02lx.%lx", f[0], f[1], f[2], f[3]);
		return true;
	}
	return false;
}

/*
 * The device an ethdev port's devargs name, in one spelling: a PCI address
 * as DOMAIN:BUS:DEV.FN in lower-case hex ("3b:00.0" and "0000:3B:00.0" are
 * both "0000:3b:00.0"), anything else (a vdev such as net_null0) as its name,
 * the part before the first ','.
 */
static void
device_key(const char *devargs, char *out, size_t size)
{
	size_t n = strcspn(devargs, ",");

	if (!pci_key(devargs, n, out, size))
		snprintf(out, size, "%.*s", (int)n, devargs);
}

/* A path in one spelling: repeated '/', "./" segments and a trailing '/' dropped. */
static void
path_key(const char *path, char *out, size_t size)
{
	size_t o = 0;
	const char *s = path;

	while (*s != '\0' && o + 1 < size) {
		if (*s == '/' && (s[1] == '/' || (s[1] == '.' && (s[2] == '/' || s[2] == '\0')))) {
			s += s[1] == '/' ? 1 : 2;
			continue;
		}
		out[o++] = *s++;
	}
	if (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
}

/* Two ports on one device or one vhost socket, or a vhost socket that is the
 * control socket: refused, with where both were given. */
static int
check_port_devices(struct vs_cfg_ctx *c, const struct vs_config *cfg)
{
	char ka[VS_CFG_PATH_MAX > VS_CFG_DEVICE_MAX ? VS_CFG_PATH_MAX : VS_CFG_DEVICE_MAX];
	char kb[sizeof(ka)], kp[KEYPATH_MAX];
	uint32_t i, j;

	for (i = 0; i < cfg->n_ports; i++) {
		const struct vs_cfg_port *p = &cfg->ports[i];
		bool eth = p->type == VS_CFG_PORT_ETHDEV;

		snprintf(kp, sizeof(kp), "ports[%u].%s", i, eth ? "device" : "path");
		if (eth)
			device_key(p->device, ka, sizeof(ka));
		else
			path_key(p->path, ka, sizeof(ka));
		for (j = 0; j < i; j++) {
			const struct vs_cfg_port *q = &cfg->ports[j];

			if (q->type != p->type)
				continue;
			if (eth)
				device_key(q->device, kb, sizeof(kb));
			else
				path_key(q->path, kb, sizeof(kb));
			if (strcmp(ka, kb) != 0)
				continue;
			return vs_cfg_fail(c, p->where_pos, kp,
					   "\"%s\" is %s %s of ports[%u] \"%s\" at %s:%u:%u; "
					   "expected one port per %s",
					   eth ? p->device : p->path, eth ? "device" : "the socket",
					   ka, j, q->name, c->name, q->where_pos.line,
					   q->where_pos.column,
					   eth ? "device" : "vhost-user socket");
		}
		if (!eth) {
			path_key(cfg->control.socket, kb, sizeof(kb));
			if (strcmp(ka, kb) == 0)
				return vs_cfg_fail(
				    c, p->where_pos, kp,
				    "\"%s\" is the control socket (control.socket at %s:%u:%u); "
				    "expected a path of its own for the vhost-user socket",
				    p->path, c->name, cfg->control.socket_pos.line,
				    cfg->control.socket_pos.column);
		}
	}
	return 0;
}

/* ---- rules ---- */

static const char *const match_keys[] = {
	"in_port", "eth_src",  "eth_dst", "eth_type", "vlan",	 "vlan_pcp",  "ip_src",
	"ip_dst",  "ip_proto", "ip_dscp", "l4_src",   "l4_dst", "icmp_type", "icmp_code",
};

static int
get_port_ref(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path,
	     const struct vs_config *cfg, char *dst)
{
	if (get_str(c, n, path, dst, VS_CFG_NAME_MAX, CS_NAME, false) < 0)
		return -EINVAL;
	if (vs_config_port(cfg, dst) == NULL)
		return vs_cfg_fail(c, n->pos, path,
				   "\"%s\" is not a defined port; expected the name of a port in "
				   "ports",
				   dst);
	return 0;
}

/* "mac" or "mac/mask"; the value may have no bits outside the mask. */
static int
get_mac_mask(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path,
	     struct vs_cfg_mac *mac, struct vs_cfg_mac *mask)
{
	const char *expected = "a MAC \"52:54:00:12:34:56\" or MAC/MASK "
			       "\"52:54:00:00:00:00/ff:ff:ff:00:00:00\"";
	char shown[80], a[32];
	const char *slash;
	int i;
	bool any = false;

	if (need_scalar(c, n, path, expected) < 0)
		return -EINVAL;
	slash = strchr(n->str, '/');
	memset(mask->b, 0xff, sizeof(mask->b));
	if (slash == NULL) {
		if (vs_cfg_parse_mac(n->str, mac) < 0)
			return vs_cfg_fail(c, n->pos, path, "%s is not a MAC address; expected %s",
					   vs_cfg_show(n, shown, sizeof(shown)), expected);
		return 0;
	}
	if ((size_t)(slash - n->str) >= sizeof(a) || vs_cfg_parse_mac(slash + 1, mask) < 0)
		return vs_cfg_fail(c, n->pos, path, "%s is not a MAC/MASK; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	memcpy(a, n->str, (size_t)(slash - n->str));
	a[slash - n->str] = '\0';
	if (vs_cfg_parse_mac(a, mac) < 0)
		return vs_cfg_fail(c, n->pos, path, "%s is not a MAC/MASK; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	for (i = 0; i < 6; i++) {
		any |= mask->b[i] != 0;
		if (mac->b[i] & ~mask->b[i])
			return vs_cfg_fail(c, n->pos, path,
					   "%s has bits set outside the mask; expected the "
					   "address ANDed with its mask",
					   vs_cfg_show(n, shown, sizeof(shown)));
	}
	if (!any)
		return vs_cfg_fail(c, n->pos, path,
				   "%s has an all-zero mask; expected a non-zero mask (or no %s "
				   "match at all)",
				   vs_cfg_show(n, shown, sizeof(shown)), "MAC");
	return 0;
}

static int
get_prefix(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path,
	   struct vs_cfg_prefix *out)
{
	const char *expected = "an IPv4 or IPv6 address with an optional /LEN, such as "
			       "\"10.0.0.0/8\" or \"2001:db8::/32\"";
	char shown[80];

	if (need_scalar(c, n, path, expected) < 0)
		return -EINVAL;
	switch (vs_cfg_parse_prefix(n->str, out)) {
	case 0:
		return 0;
	case -ERANGE:
		return vs_cfg_fail(
			c, n->pos, path, "%s has a prefix length out of range; expected /0../%u",
			vs_cfg_show(n, shown, sizeof(shown)), out->family == 4 ? 32 : 128);
	case -EDOM:
		return vs_cfg_fail(c, n->pos, path,
				   "%s has a non-contiguous netmask; expected a prefix length or "
				   "a contiguous mask",
				   vs_cfg_show(n, shown, sizeof(shown)));
	case -ENOTUNIQ:
		return vs_cfg_fail(c, n->pos, path,
				   "%s has host bits set beyond /%u; expected the network address",
				   vs_cfg_show(n, shown, sizeof(shown)), out->len);
	default:
		return vs_cfg_fail(c, n->pos, path,
				   "%s is not an IP address or prefix; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	}
}

/* "80" or "1000-2000". */
static int
get_l4_range(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint16_t *lo,
	     uint16_t *hi)
{
	const char *expected = "a port 0..65535 or a range LO-HI such as \"1000-2000\"";
	char shown[80], a[24];
	const char *dash;
	uint64_t x, y;

	if (need_scalar(c, n, path, expected) < 0)
		return -EINVAL;
	dash = strchr(n->str, '-');
	if (dash == NULL || dash == n->str)
		return get_u16(c, n, path, 0, 65535, lo) < 0 ? -EINVAL : (*hi = *lo, 0);
	if ((size_t)(dash - n->str) >= sizeof(a))
		return vs_cfg_fail(c, n->pos, path, "%s is not a port range; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	memcpy(a, n->str, (size_t)(dash - n->str));
	a[dash - n->str] = '\0';
	if (vs_cfg_parse_uint(a, &x) != VS_CFG_INT_OK ||
	    vs_cfg_parse_uint(dash + 1, &y) != VS_CFG_INT_OK)
		return vs_cfg_fail(c, n->pos, path, "%s is not a port range; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	if (x > 65535 || y > 65535)
		return vs_cfg_fail(c, n->pos, path, "%s is out of range; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	if (x > y)
		return vs_cfg_fail(c, n->pos, path,
				   "%s is an inverted range; expected LO <= HI", 
				   vs_cfg_show(n, shown, sizeof(shown)));
	*lo = (uint16_t)x;
	*hi = (uint16_t)y;
	return 0;
}

static int
get_ip_proto(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t proto;
	} names[] = { { "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "icmpv6", 58 },
		      { "sctp", 132 } };
	char shown[64];
	size_t i;

	if (n->kind == VS_CFG_NODE_SCALAR)
		for (i = 0; i < ARRAY_LEN(names); i++)
			if (strcmp(n->str, names[i].name) == 0) {
				*out = names[i].proto;
				return 0;
			}
	if (n->kind == VS_CFG_NODE_SCALAR && n->len > 0 && !(n->str[0] >= '0' && n->str[0] <= '9'))
		return vs_cfg_fail(c, n->pos, path,
				   "%s is not a protocol; expected tcp, udp, icmp, icmpv6, sctp "
				   "or a number 0..255",
				   vs_cfg_show(n, shown, sizeof(shown)));
	return get_u8(c, n, path, 0, 255, out);
}

static int
parse_match(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path,
	    const struct vs_config *cfg, struct vs_cfg_match *m)
{
	const struct vs_cfg_node *v, *vn[ARRAY_LEN(match_keys)];
	char kp[KEYPATH_MAX], shown[64];
	uint8_t family = 0;
	size_t i;

	if (n == NULL || vs_cfg_is_null(n))
		return 0; /* match everything */
	if (need_map(c, n, path) < 0 ||
	    check_keys(c, n, path, match_keys, ARRAY_LEN(match_keys)) < 0)
		return -EINVAL;
	for (i = 0; i < ARRAY_LEN(match_keys); i++) {
		vn[i] = get(n, match_keys[i]);
		if (vn[i] != NULL)
			m->fields |= 1u << i; /* match_keys follow the VS_CFG_M_* bit order */
	}
	if ((v = vn[0]) && get_port_ref(c, v, sub(kp, path, "in_port"), cfg, m->in_port))
		return -EINVAL;
	if ((v = vn[1]) &&
	    get_mac_mask(c, v, sub(kp, path, "eth_src"), &m->eth_src, &m->eth_src_mask))
		return -EINVAL;
	if ((v = vn[2]) &&
	    get_mac_mask(c, v, sub(kp, path, "eth_dst"), &m->eth_dst, &m->eth_dst_mask))
		return -EINVAL;
	if ((v = vn[3]) != NULL) {
		sub(kp, path, "eth_type");
		if (get_u16(c, v, kp, 0, 0xffff, &m->eth_type) < 0)
			return -EINVAL;
		if (m->eth_type < 0x0600)
			return vs_cfg_fail(
				c, v->pos, kp,
				"%s is a length, not an EtherType; expected 0x0600..0xffff",
				vs_cfg_show(v, shown, sizeof(shown)));
		family = m->eth_type == 0x0800 ? 4 : m->eth_type == 0x86dd ? 6 : 0;
	}
	if ((v = vn[4]) != NULL) {
		sub(kp, path, "vlan");
		if (v->kind == VS_CFG_NODE_SCALAR && strcmp(v->str, "none") == 0)
			m->vlan_none = true;
		else if (v->kind == VS_CFG_NODE_SCALAR && v->len > 0 &&
			 !(v->str[0] >= '0' && v->str[0] <= '9') && v->str[0] != '-' &&
			 v->str[0] != '+')
			return vs_cfg_fail(c, v->pos, kp,
					   "%s is not a VLAN; expected a VLAN id 0..4095 or none",
					   vs_cfg_show(v, shown, sizeof(shown)));
		else if (get_u16(c, v, kp, 0, 4095, &m->vlan_id) < 0)
			return -EINVAL;
	}
	if ((v = vn[5]) != NULL) {
		sub(kp, path, "vlan_pcp");
		if (get_u8(c, v, kp, 0, 7, &m->vlan_pcp) < 0)
			return -EINVAL;
		if (m->vlan_none)
			return vs_cfg_fail(c, v->pos, kp,
					   "a PCP with vlan: none; expected a tagged match (vlan: "
					   "N) or no vlan_pcp");
	}
	if ((v = vn[6]) && get_prefix(c, v, sub(kp, path, "ip_src"), &m->ip_src))
		return -EINVAL;
	if ((v = vn[7]) && get_prefix(c, v, sub(kp, path, "ip_dst"), &m->ip_dst))
		return -EINVAL;
	if (vn[6] && vn[7] && m->ip_src.family != m->ip_dst.family)
		return vs_cfg_fail(c, vn[7]->pos, sub(kp, path, "ip_dst"),
				   "an IPv%u prefix with an IPv%u ip_src; expected both of one "
				   "family",
				   m->ip_dst.family, m->ip_src.family);
	if (vn[6] || vn[7]) {
		uint8_t f = vn[6] ? m->ip_src.family : m->ip_dst.family;

		if (vn[3] && family != f)
			return vs_cfg_fail(
				c, vn[3]->pos, sub(kp, path, "eth_type"),
				"0x%04x contradicts an IPv%u address; expected 0x%04x or "
				"no eth_type",
				m->eth_type, f, f == 4 ? 0x0800 : 0x86dd);
		family = f;
	}
	if ((v = vn[8]) != NULL) {
		sub(kp, path, "ip_proto");
		if (get_ip_proto(c, v, kp, &m->ip_proto) < 0)
			return -EINVAL;
		if (m->ip_proto == 1 && family == 6)
			return vs_cfg_fail(c, v->pos, kp,
					   "icmp in an IPv6 match; expected icmpv6 (58)");
		if (m->ip_proto == 58 && family == 4)
			return vs_cfg_fail(c, v->pos, kp,
					   "icmpv6 in an IPv4 match; expected icmp (1)");
		if (family == 0 && m->ip_proto == 1)
			family = 4;
		if (family == 0 && m->ip_proto == 58)
			family = 6;
	}
	if ((v = vn[9]) && get_u8(c, v, sub(kp, path, "ip_dscp"), 0, 63, &m->ip_dscp))
		return -EINVAL;
	if (vn[3] && family == 0 && (vn[8] || vn[9] || vn[10] || vn[11] || vn[12] || vn[13])) {
		for (i = 8; vn[i] == NULL; i++)
			;
		return vs_cfg_fail(c, vn[i]->pos, sub(kp, path, match_keys[i]),
				   "an IP field with eth_type 0x%04x; expected eth_type 0x0800 or "
				   "0x86dd (or none)",
				   m->eth_type);
	}
	for (i = 10; i <= 11; i++) {
		if ((v = vn[i]) == NULL)
			continue;
		sub(kp, path, match_keys[i]);
		if (get_l4_range(c, v, kp, i == 10 ? &m->l4_src_lo : &m->l4_dst_lo,
				 i == 10 ? &m->l4_src_hi : &m->l4_dst_hi) < 0)
			return -EINVAL;
		if (!vn[8] || (m->ip_proto != 6 && m->ip_proto != 17 && m->ip_proto != 132))
			return vs_cfg_fail(c, v->pos, kp,
					   "an L4 port without a port-carrying protocol; expected "
					   "ip_proto tcp, udp or sctp in the same match");
	}
	for (i = 12; i <= 13; i++) {
		if ((v = vn[i]) == NULL)
			continue;
		sub(kp, path, match_keys[i]);
		if (get_u8(c, v, kp, 0, 255, i == 12 ? &m->icmp_type : &m->icmp_code) < 0)
			return -EINVAL;
		if (!vn[8] || (m->ip_proto != 1 && m->ip_proto != 58))
			return vs_cfg_fail(c, v->pos, kp,
					   "%s without an ICMP protocol; expected ip_proto icmp or "
					   "icmpv6 in the same match",
					   match_keys[i]);
	}
	if (!vn[3] && family != 0) {
		m->eth_type = family == 4 ? 0x0800 : 0x86dd;
		m->fields |= VS_CFG_M_ETH_TYPE;
	}
	return 0;
}

static int
parse_action(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path,
	     const struct vs_config *cfg, struct vs_cfg_action *a)
{
	static const char *const keys[] = { "output", "push_vlan", "set_eth_src", "set_eth_dst" };
	static const char *const pv_keys[] = { "vid", "pcp" };
	const char *expected = "drop, flood, pop_vlan, {output: PORT}, {push_vlan: {vid, pcp}}, "
			       "{set_eth_src: MAC} or {set_eth_dst: MAC}";
	const struct vs_cfg_node *v;
	char kp[KEYPATH_MAX], kp2[KEYPATH_MAX], shown[64];

	a->pos = n->pos;
	if (n->kind == VS_CFG_NODE_SCALAR) {
		if (strcmp(n->str, "drop") == 0)
			a->type = VS_CFG_ACT_DROP;
		else if (strcmp(n->str, "flood") == 0)
			a->type = VS_CFG_ACT_FLOOD;
		else if (strcmp(n->str, "pop_vlan") == 0)
			a->type = VS_CFG_ACT_POP_VLAN;
		else
			return vs_cfg_fail(c, n->pos, path, "%s is not an action; expected %s",
					   vs_cfg_show(n, shown, sizeof(shown)), expected);
		return 0;
	}
	if (n->kind != VS_CFG_NODE_MAP)
		return vs_cfg_fail(c, n->pos, path, "found a list; expected %s", expected);
	if (check_keys(c, n, path, keys, ARRAY_LEN(keys)) < 0)
		return -EINVAL;
	if (n->n != 1)
		return vs_cfg_fail(c, n->pos, path,
				   "%u actions in one item; expected one action per list item",
				   n->n);
	v = n->first->next;
	sub(kp, path, n->first->str);
	switch (key_index(n->first, keys, ARRAY_LEN(keys))) {
	case 0:
		a->type = VS_CFG_ACT_OUTPUT;
		return get_port_ref(c, v, kp, cfg, a->port);
	case 1:
		a->type = VS_CFG_ACT_PUSH_VLAN;
		if (need_map(c, v, kp) < 0 || check_keys(c, v, kp, pv_keys, 2) < 0)
			return -EINVAL;
		if (get(v, "vid") == NULL)
			return missing(c, v, kp, "vid", "a VLAN id 0..4095");
		if (get_u16(c, get(v, "vid"), sub(kp2, kp, "vid"), 0, 4095, &a->vlan_id) < 0)
			return -EINVAL;
		if (get(v, "pcp") &&
		    get_u8(c, get(v, "pcp"), sub(kp2, kp, "pcp"), 0, 7, &a->vlan_pcp) < 0)
			return -EINVAL;
		return 0;
	case 2:
		a->type = VS_CFG_ACT_SET_ETH_SRC;
		return get_mac(c, v, kp, true, &a->mac);
	default:
		a->type = VS_CFG_ACT_SET_ETH_DST;
		return get_mac(c, v, kp, false, &a->mac);
	}
}

static int
parse_rule(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i,
	   void *arg)
{
	static const char *const keys[] = { "name", "priority", "match", "actions" };
	struct vs_config *cfg = arg;
	struct vs_cfg_rule *r = &cfg->rules[i];
	const struct vs_cfg_node *v, *it;
	char kp[KEYPATH_MAX], ip[KEYPATH_MAX];
	int drop_at = -1;
	uint64_t prio = 0;
	uint32_t j;

	r->pos = n->pos;
	if (need_map(c, n, path) < 0 || check_keys(c, n, path, keys, ARRAY_LEN(keys)) < 0)
		return -EINVAL;
	if ((v = get(n, "name")) &&
	    get_str(c, v, sub(kp, path, "name"), r->name, sizeof(r->name), CS_NAME, false))
		return -EINVAL;
	v = get(n, "priority");
	if (v == NULL)
		return missing(c, n, path, "priority", "an integer 0..65535 (higher wins)");
	if (get_uint(c, v, sub(kp, path, "priority"), 0, 65535, &prio) < 0)
		return -EINVAL;
	r->priority = (int32_t)prio;
	if (parse_match(c, get(n, "match"), sub(kp, path, "match"), cfg, &r->match) < 0)
		return -EINVAL;
	v = get(n, "actions");
	if (v == NULL)
		return missing(c, n, path, "actions", "a list of actions such as [drop]");
	sub(kp, path, "actions");
	if (need_seq(c, v, kp) < 0)
		return -EINVAL;
	if (v->n == 0)
		return vs_cfg_fail(c, v->pos, kp,
				   "an empty list; expected at least one action (drop to drop)");
	if (list_len(c, v, kp, VS_CFG_MAX_ACTIONS, "actions", &r->n_actions) < 0)
		return -EINVAL;
	for (it = v->first, j = 0; it != NULL; it = it->next, j++) {
		idx(ip, kp, j);
		if (parse_action(c, it, ip, cfg, &r->actions[j]) < 0)
			return -EINVAL;
		if (r->actions[j].type == VS_CFG_ACT_DROP && drop_at < 0)
			drop_at = (int)j;
		if (j > 0 && drop_at >= 0)
			return vs_cfg_fail(c, it->pos, ip,
					   "%s combined with other actions; expected drop alone",
					   drop_at == (int)j ? "drop" : "an action after drop");
	}
	return 0;
}

static int
parse_rules(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, struct vs_config *cfg)
{
	uint32_t len;
	size_t first;
	long dup;
	int rc;

	if (list_len(c, n, "rules", cfg->classifier.max_rules, "rules (classifier.max_rules)",
		     &len) < 0)
		return -EINVAL;
	cfg->rules = alloc_array(c, len, sizeof(*cfg->rules), &rc);
	if (rc < 0)
		return rc;
	cfg->n_rules = len;
	rc = for_each(c, n, "rules", parse_rule, cfg);
	if (rc < 0)
		return rc;
	dup = vs_cfg_find_dup(cfg->rules, len, sizeof(*cfg->rules), sizeof(cfg->rules->name), true,
			      &first);
	if (dup == -2)
		return oom(c);
	if (dup >= 0) {
		const struct vs_cfg_node *it = n->first;
		char kp[KEYPATH_MAX];
		long j;

		for (j = 0; j < dup; j++)
			it = it->next;
		snprintf(kp, sizeof(kp), "rules[%ld].name", dup);
		return vs_cfg_fail(c, get(it, "name")->pos, kp,
				   "\"%s\" is already rules[%zu] at %u:%u; expected unique rule "
				   "names",
				   cfg->rules[dup].name, first, cfg->rules[first].pos.line,
				   cfg->rules[first].pos.column);
	}
	return 0;
}

/* ---- top level ---- */

static const char *const top_keys[] = { "dpdk",	   "workers", "classifier", "control",
					"ports",   "sriov",   "rules" };

static void
set_defaults(struct vs_config *cfg, const char *name)
{
	snprintf(cfg->source, sizeof(cfg->source), "%s", name);
	snprintf(cfg->dpdk.file_prefix, sizeof(cfg->dpdk.file_prefix), "nfvswitch");
	cfg->classifier.emc_entries = 8192;
	cfg->classifier.max_rules = 65536;
	snprintf(cfg->control.socket, sizeof(cfg->control.socket), "/run/nfvswitch/ctl.sock");
	cfg->control.socket_perm = 0600;
	cfg->control.stats_interval_ms = 1000;
}

static int
load_tree(struct vs_cfg_ctx *c, const struct vs_cfg_node *root, struct vs_config *cfg)
{
	struct sriov_refs *refs;
	int rc;

	if (root == NULL || vs_cfg_is_null(root))
		return 0; /* empty file: defaults, no ports */
	if (root->kind != VS_CFG_NODE_MAP)
		return vs_cfg_fail(c, root->pos, "config",
				   "found %s at the top level; expected a mapping with keys dpdk, "
				   "workers, classifier, control, ports, sriov, rules",
				   kind_name(root));
	if (check_keys(c, root, "", top_keys, ARRAY_LEN(top_keys)) < 0)
		return -EINVAL;
	if (parse_dpdk(c, get(root, "dpdk"), &cfg->dpdk) < 0)
		return -EINVAL;
	rc = parse_workers(c, get(root, "workers"), cfg);
	if (rc == 0)
		rc = parse_classifier(c, get(root, "classifier"), &cfg->classifier);
	if (rc == 0)
		rc = parse_control(c, get(root, "control"), &cfg->control);
	if (rc < 0)
		return rc;
	refs = calloc(1, sizeof(*refs));
	if (refs == NULL)
		return oom(c);
	rc = parse_sriov(c, get(root, "sriov"), cfg, refs);
	if (rc == 0)
		rc = parse_ports(c, get(root, "ports"), cfg);
	if (rc == 0)
		rc = check_port_devices(c, cfg);
	if (rc == 0)
		rc = check_sriov_ports(c, cfg, refs);
	free(refs->macs);
	free(refs);
	if (rc == 0)
		rc = parse_rules(c, get(root, "rules"), cfg);
	return rc;
}

struct vs_config *
vs_config_load_buf(const char *buf, size_t len, const char *name, struct vs_cfg_error *err)
{
	struct vs_cfg_error local;
	struct vs_cfg_ctx c;
	struct vs_cfg_node *root = NULL;
	struct vs_config *cfg;
	int rc;

	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));
	memset(&c, 0, sizeof(c));
	c.name = name != NULL ? name : "<buffer>";
	c.buf = buf;
	c.len = len;
	c.err = err;
	if (buf == NULL && len != 0) {
		vs_cfg_fail(&c, (struct vs_cfg_pos){ 0, 0 }, "config",
			    "a NULL buffer; expected YAML text");
		errno = EINVAL;
		return NULL;
	}
	if (len > VS_CFG_INPUT_MAX) {
		vs_cfg_fail(&c, (struct vs_cfg_pos){ 1, 1 }, "config",
			    "%zu bytes; expected at most %u bytes", len, VS_CFG_INPUT_MAX);
		errno = EFBIG;
		return NULL;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		oom(&c);
		errno = ENOMEM;
		return NULL;
	}
	set_defaults(cfg, c.name);
	c.buf = buf != NULL ? buf : "";
	rc = vs_cfg_yaml_parse(&c, &root);
	if (rc == 0)
		rc = load_tree(&c, root, cfg);
	vs_cfg_arena_free(&c.arena);
	if (rc < 0) {
		vs_config_free(cfg);
		errno = -rc;
		return NULL;
	}
	return cfg;
}

/* What a path that is not a regular file turned out to be. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO (named pipe)";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a regular file";
}

struct vs_config *
vs_config_load(const char *path, struct vs_cfg_error *err)
{
	struct vs_cfg_error local;
	struct vs_config *cfg;
	struct stat st;
	char *buf;
	size_t len = 0;
	ssize_t got;
	int fd, e;

	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (path == NULL) {
		snprintf(err->msg, sizeof(err->msg),
			 "<null>:0:0: config: no file name; expected a path");
		errno = EINVAL;
		return NULL;
	}
	/* O_NONBLOCK: opening a FIFO would otherwise wait for a writer (and
	 * a device could block forever); anything but a regular file is then
	 * refused before the first read. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENXIO && stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fd = -2; /* a socket cannot be opened: say what it is below */
	} else if (fd < 0 || fstat(fd, &st) < 0) {
		e = errno;
		snprintf(err->msg, sizeof(err->msg),
			 "%.256s:0:0: config: cannot read (%s); expected a readable YAML file",
			 path, strerror(e));
		if (fd >= 0)
			close(fd);
		err->code = -e;
		errno = e;
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		snprintf(err->msg, sizeof(err->msg),
			 "%.256s:0:0: config: %s; expected a regular YAML file", path,
			 file_kind(st.st_mode));
		if (fd >= 0)
			close(fd);
		err->code = -e;
		errno = e;
		return NULL;
	}
	buf = malloc(VS_CFG_INPUT_MAX + 1);
	if (buf == NULL) {
		close(fd);
		snprintf(err->msg, sizeof(err->msg), "%.256s:0:0: config: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	while (len <= VS_CFG_INPUT_MAX) {
		got = read(fd, buf + len, VS_CFG_INPUT_MAX + 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			snprintf(err->msg, sizeof(err->msg),
				 "%.256s:0:0: config: cannot read (%s); expected a readable YAML "
				 "file",
				 path, strerror(e));
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	cfg = vs_config_load_buf(buf, len, path, err);
	e = errno;
	free(buf);
	errno = e;
	return cfg;
}

void
vs_config_free(struct vs_config *cfg)
{
	uint32_t i, j;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->dpdk.n_extra_args; i++)
		free(cfg->dpdk.extra_args[i]);
	free(cfg->dpdk.extra_args);
	free(cfg->workers);
	for (i = 0; i < cfg->n_ports; i++)
		free(cfg->ports[i].rxq_pins);
	free(cfg->ports);
	free(cfg->rules);
	for (i = 0; i < cfg->n_sriov; i++) {
		for (j = 0; j < cfg->sriov[i].n_vfs; j++)
			free(cfg->sriov[i].vfs[j].extra_macs);
		free(cfg->sriov[i].vfs);
	}
	free(cfg->sriov);
	free(cfg);
}

/* ---- reload ---- */

static int
reload_refuse(struct vs_cfg_error *err, const struct vs_config *next, struct vs_cfg_pos pos,
	      const char *key, const char *was, const char *now)
{
	err->pos = pos;
	snprintf(err->msg, sizeof(err->msg),
		 "%.256s:%u:%u: %s: %.200s changed to %.200s on reload; expected %.200s "
		 "(this key needs a restart)",
		 next->source, pos.line, pos.column, key, was, now, was);
	errno = EPERM;
	return -EPERM;
}

static int
reload_u32(struct vs_cfg_error *err, const struct vs_config *next, struct vs_cfg_pos pos,
	   const char *key, uint32_t was, uint32_t now, bool octal)
{
	char a[16], b[16];

	if (was == now)
		return 0;
	snprintf(a, sizeof(a), octal ? "0%o" : "%u", was);
	snprintf(b, sizeof(b), octal ? "0%o" : "%u", now);
	return reload_refuse(err, next, pos, key, a, b);
}

static int
reload_bool(struct vs_cfg_error *err, const struct vs_config *next, struct vs_cfg_pos pos,
	    const char *key, bool was, bool now)
{
	if (was == now)
		return 0;
	return reload_refuse(err, next, pos, key, was ? "true" : "false", now ? "true" : "false");
}

static int
reload_str(struct vs_cfg_error *err, const struct vs_config *next, struct vs_cfg_pos pos,
	   const char *key, const char *was, const char *now)
{
	char a[208], b[208];

	if (strcmp(was, now) == 0)
		return 0;
	snprintf(a, sizeof(a), "\"%.200s\"", was);
	snprintf(b, sizeof(b), "\"%.200s\"", now);
	return reload_refuse(err, next, pos, key, a, b);
}

int
vs_config_reload_check(const struct vs_config *cur, const struct vs_config *next,
		       struct vs_cfg_error *err)
{
	static const struct vs_cfg_pos nowhere;
	const struct vs_cfg_dpdk *a, *b;
	struct vs_cfg_error local;
	uint32_t i;
	int rc;

	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (cur == NULL || next == NULL) {
		snprintf(err->msg, sizeof(err->msg),
			 "<none>:0:0: config: no config; expected two loaded configs");
		errno = EINVAL;
		return -EINVAL;
	}
	a = &cur->dpdk;
	b = &next->dpdk;
	if ((rc = reload_u32(err, next, b->pos, "dpdk.main_lcore", a->main_lcore, b->main_lcore,
			     false)) ||
	    (rc = reload_u32(err, next, b->pos, "dpdk.memory_mb", a->memory_mb, b->memory_mb,
			     false)) ||
	    (rc = reload_u32(err, next, b->pos, "dpdk.mbufs", a->mbufs, b->mbufs, false)) ||
	    (rc = reload_bool(err, next, b->pos, "dpdk.no_huge", a->no_huge, b->no_huge)) ||
	    (rc = reload_bool(err, next, b->pos, "dpdk.in_memory", a->in_memory, b->in_memory)) ||
	    (rc = reload_str(err, next, b->pos, "dpdk.file_prefix", a->file_prefix,
			     b->file_prefix)) ||
	    (rc = reload_str(err, next, b->pos, "dpdk.log_level", a->log_level, b->log_level)) ||
	    (rc = reload_u32(err, next, b->pos, "dpdk.extra_args (count)", a->n_extra_args,
			     b->n_extra_args, false)))
		return rc;
	for (i = 0; i < a->n_extra_args; i++) {
		char key[48];

		snprintf(key, sizeof(key), "dpdk.extra_args[%u]", i);
		rc = reload_str(err, next, b->pos, key, a->extra_args[i], b->extra_args[i]);
		if (rc < 0)
			return rc;
	}
	rc = reload_u32(err, next, next->n_workers ? next->workers[0].pos : nowhere,
			"workers (count)", cur->n_workers, next->n_workers, false);
	if (rc < 0)
		return rc;
	for (i = 0; i < cur->n_workers; i++) {
		char key[48];

		snprintf(key, sizeof(key), "workers[%u].lcore", i);
		rc = reload_u32(err, next, next->workers[i].pos, key, cur->workers[i].lcore,
				next->workers[i].lcore, false);
		if (rc < 0)
			return rc;
	}
	if ((rc = reload_u32(err, next, nowhere, "classifier.max_rules",
			     cur->classifier.max_rules, next->classifier.max_rules, false)) ||
	    (rc = reload_str(err, next, nowhere, "control.socket", cur->control.socket,
			     next->control.socket)) ||
	    (rc = reload_u32(err, next, nowhere, "control.socket_mode", cur->control.socket_perm,
			     next->control.socket_perm, true)) ||
	    (rc = reload_str(err, next, nowhere, "control.metrics_listen",
			     cur->control.metrics_listen, next->control.metrics_listen)))
		return rc;
	return 0;
}

/* ---- lookups and names ---- */

int
vs_config_port_index(const struct vs_config *cfg, const char *name)
{
	uint32_t i;

	if (cfg == NULL || name == NULL)
		return -1;
	for (i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct vs_cfg_port *
vs_config_port(const struct vs_config *cfg, const char *name)
{
	int i = vs_config_port_index(cfg, name);

	return i < 0 ? NULL : &cfg->ports[i];
}

const char *
vs_cfg_mac_str(const struct vs_cfg_mac *mac, char *buf, size_t size)
{
	if (buf == NULL || size == 0)
		return buf;
	if (mac == NULL) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac->b[0], mac->b[1], mac->b[2],
		 mac->b[3], mac->b[4], mac->b[5]);
	return buf;
}

const char *
vs_cfg_port_type_str(enum vs_cfg_port_type t)
{
	switch (t) {
	case VS_CFG_PORT_ETHDEV:
		return "ethdev";
	case VS_CFG_PORT_VHOST:
		return "vhost";
	}
	return "unknown";
}

const char *
vs_cfg_action_type_str(enum vs_cfg_action_type t)
{
	switch (t) {
	case VS_CFG_ACT_OUTPUT:
		return "output";
	case VS_CFG_ACT_DROP:
		return "drop";
	case VS_CFG_ACT_FLOOD:
		return "flood";
	case VS_CFG_ACT_PUSH_VLAN:
		return "push_vlan";
	case VS_CFG_ACT_POP_VLAN:
		return "pop_vlan";
	case VS_CFG_ACT_SET_ETH_SRC:
		return "set_eth_src";
	case VS_CFG_ACT_SET_ETH_DST:
		return "set_eth_dst";
	}
	return "unknown";
}

/* ---- rule changes (ctl rule add / del / mod / batch) ---- */

struct rule_ops_ctx {
	struct vs_config tmp; /* the running ports; rules[] is scratch */
	struct vs_cfg_rule_op *ops;
	uint32_t n;
};

/* One rule to add or replace, as in the rules: section. */
static int
op_rule(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path,
	enum vs_cfg_rule_op_type op, struct rule_ops_ctx *rc)
{
	struct vs_cfg_rule_op *o = &rc->ops[rc->n];
	int ret;

	/* Parsed in place: ops[] is zeroed, parse_rule fills tmp.rules[0]. */
	rc->tmp.rules = &o->rule;
	ret = parse_rule(c, n, path, 0, &rc->tmp);
	if (ret < 0)
		return ret;
	o->op = op;
	o->by_match = o->rule.name[0] == '\0';
	rc->n++;
	return 0;
}

/* A rule to delete: its name, or {priority, match} (name optional). */
static int
op_del(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path,
       struct rule_ops_ctx *rc)
{
	static const char *const keys[] = { "name", "priority", "match" };
	struct vs_cfg_rule_op *o = &rc->ops[rc->n];
	const struct vs_cfg_node *v;
	char kp[KEYPATH_MAX];
	uint64_t prio = 0;

	memset(o, 0, sizeof(*o));
	o->op = VS_CFG_RULE_OP_DEL;
	o->rule.pos = n->pos;
	if (n->kind == VS_CFG_NODE_SCALAR) {
		if (get_str(c, n, path, o->rule.name, sizeof(o->rule.name), CS_NAME, false) < 0)
			return -EINVAL;
		rc->n++;
		return 0;
	}
	if (n->kind != VS_CFG_NODE_MAP)
		return vs_cfg_fail(c, n->pos, path,
				   "found %s; expected a rule name or {priority: P, match: {...}}",
				   kind_name(n));
	if (check_keys(c, n, path, keys, ARRAY_LEN(keys)) < 0)
		return -EINVAL;
	if ((v = get(n, "name")) != NULL &&
	    get_str(c, v, sub(kp, path, "name"), o->rule.name, sizeof(o->rule.name), CS_NAME,
		    false) < 0)
		return -EINVAL;
	v = get(n, "priority");
	if (v == NULL && o->rule.name[0] == '\0')
		return missing(c, n, path, "priority",
			       "an integer 0..65535 with match, or a name, to find the rule");
	if (v != NULL) {
		if (get_uint(c, v, sub(kp, path, "priority"), 0, 65535, &prio) < 0)
			return -EINVAL;
		o->rule.priority = (int32_t)prio;
		if (parse_match(c, get(n, "match"), sub(kp, path, "match"), &rc->tmp,
				&o->rule.match) < 0)
			return -EINVAL;
		o->by_match = o->rule.name[0] == '\0';
	}
	rc->n++;
	return 0;
}

static int
op_list(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *key,
	enum vs_cfg_rule_op_type op, struct rule_ops_ctx *rc)
{
	const struct vs_cfg_node *it;
	char ip[KEYPATH_MAX];
	uint32_t i = 0;
	int ret;

	if (n == NULL || vs_cfg_is_null(n))
		return 0;
	if (need_seq(c, n, key) < 0)
		return -EINVAL;
	for (it = n->first; it != NULL; it = it->next, i++) {
		idx(ip, key, i);
		ret = op == VS_CFG_RULE_OP_DEL ? op_del(c, it, ip, rc) : op_rule(c, it, ip, op, rc);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int
vs_config_parse_rule_ops(const char *buf, size_t len, const char *name, int kind,
			 const struct vs_config *ports, struct vs_cfg_rule_op **ops_out,
			 uint32_t *n_out, struct vs_cfg_error *err)
{
	static const char *const batch_keys[] = { "del", "mod", "add" };
	static const enum vs_cfg_rule_op_type batch_ops[] = {
		VS_CFG_RULE_OP_DEL, VS_CFG_RULE_OP_MOD, VS_CFG_RULE_OP_ADD };
	struct vs_cfg_error local;
	struct vs_cfg_node *root = NULL;
	struct rule_ops_ctx rc;
	struct vs_cfg_ctx c;
	uint32_t cap = 1, k;
	int ret;

	*ops_out = NULL;
	*n_out = 0;
	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));
	memset(&c, 0, sizeof(c));
	memset(&rc, 0, sizeof(rc));
	c.name = name != NULL ? name : "<request>";
	c.buf = buf != NULL ? buf : "";
	c.len = buf != NULL ? len : 0;
	c.err = err;
	if (len > VS_CFG_INPUT_MAX)
		return vs_cfg_fail(&c, (struct vs_cfg_pos){ 1, 1 }, "rules",
				   "%zu bytes; expected at most %u bytes", len, VS_CFG_INPUT_MAX);
	ret = vs_cfg_yaml_parse(&c, &root);
	if (ret < 0)
		goto out;
	if (root == NULL || vs_cfg_is_null(root)) {
		ret = vs_cfg_fail(&c, (struct vs_cfg_pos){ 1, 1 }, "rule",
				  "nothing; expected %s",
				  kind == VS_CFG_RULE_BATCH ? "a mapping with add, mod and/or del"
				  : kind == VS_CFG_RULE_OP_DEL
				      ? "a rule name or {priority: P, match: {...}}"
				      : "a rule such as {priority: 10, match: {in_port: a}, "
					"actions: [{output: b}]}");
		goto out;
	}
	if (kind == VS_CFG_RULE_BATCH) {
		if (need_map(&c, root, "batch") < 0 ||
		    check_keys(&c, root, "", batch_keys, ARRAY_LEN(batch_keys)) < 0) {
			ret = -EINVAL;
			goto out;
		}
		cap = 0;
		for (k = 0; k < ARRAY_LEN(batch_keys); k++) {
			const struct vs_cfg_node *v = get(root, batch_keys[k]);

			if (v != NULL && v->kind == VS_CFG_NODE_SEQ)
				cap += v->n;
		}
	}
	rc.tmp = *ports;
	rc.tmp.rules = NULL;
	rc.ops = calloc(cap ? cap : 1, sizeof(*rc.ops));
	if (rc.ops == NULL) {
		ret = oom(&c);
		goto out;
	}
	rc.tmp.n_rules = 1;
	if (kind == VS_CFG_RULE_BATCH) {
		for (k = 0, ret = 0; k < ARRAY_LEN(batch_keys) && ret == 0; k++)
			ret = op_list(&c, get(root, batch_keys[k]), batch_keys[k], batch_ops[k],
				      &rc);
	} else if (kind == VS_CFG_RULE_OP_DEL) {
		ret = op_del(&c, root, "rule", &rc);
	} else {
		ret = op_rule(&c, root, "rule", (enum vs_cfg_rule_op_type)kind, &rc);
	}
out:
	vs_cfg_arena_free(&c.arena);
	if (ret < 0) {
		free(rc.ops);
		if (err->code == 0)
			err->code = ret;
		return ret;
	}
	*ops_out = rc.ops;
	*n_out = rc.n;
	return 0;
}
