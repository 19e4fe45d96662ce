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
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg_internal.h"

#define KEYPATH_MAX    160
#define MAX_SRIOV_PFS  64
#define MAX_VFS	       256
#define MAX_EXTRA_MACS 64
#define MAX_EXTRA_ARGS 256
#define MAX_RXQ_PINS   1024
#define MAX_LCORE      1023
#define MAX_RULES_CAP  (1u << 20) /* the classifier's EMC needs < 2^24 - 1 */

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
	const struct vs_cfg_node *seen[32] = {NULL};
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
get_str(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, char *dst, size_t size,
	enum charset cs, bool allow_empty)
{
	char shown[80], expected[160];

	snprintf(expected, sizeof(expected), "%s of at most %zu bytes", charset_text[cs], size - 1);
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
for_each(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, item_fn fn, void *arg)
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
	c->err->pos = (struct vs_cfg_pos){0, 0};
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

/* ---- the schema tables: the machinery ---- */

/* Where a key is being read: its entry, the object's mapping and path. */
struct key_at {
	const struct vs_cfg_key *k;
	const struct vs_cfg_node *map; /* the object's mapping */
	const struct vs_cfg_node *v;   /* the key's value; NULL when absent */
	const char *path;	       /* of the object: "ports[2]" */
	const char *kp;		       /* of the key: "ports[2].mtu" */
	void *obj;		       /* the section's struct being filled */
	void *arg;		       /* what the section's parser passes along */
};

struct vs_cfg_key_ops {
	/* VS_CFG_T_CUSTOM: the whole parse, also called when the key is absent. */
	int (*parse)(struct vs_cfg_ctx *c, const struct key_at *at);
	/* Typed keys: checks beyond type and range, once the value is stored. */
	int (*check)(struct vs_cfg_ctx *c, const struct key_at *at);
	/* VS_CFG_T_CUSTOM: whether a and b differ; when they do, sfx gets what
	 * follows the key in messages ("[2]", " (count)"), was/now the values. */
	bool (*diff)(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx,
		     size_t sfx_size, char *was, char *now, size_t size);
	/* The key as YAML; 1 written, 0 nothing to write. */
	int (*write)(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
		     const char *indent);
	/* Release what parse allocated. */
	void (*free)(void *obj);
};

#define FIELD(obj, k)  ((char *)(obj) + (k)->offset)
#define CFIELD(obj, k) ((const char *)(obj) + (k)->offset)
#define HAS(obj, k)    (*(const bool *)((const char *)(obj) + (k)->has_offset))

static uint64_t
load_uint(const void *obj, const struct vs_cfg_key *k)
{
	const char *p = CFIELD(obj, k);

	switch (k->size) {
	case 1:
		return *(const uint8_t *)p;
	case 2:
		return *(const uint16_t *)p;
	case 4:
		return *(const uint32_t *)p;
	default:
		return *(const uint64_t *)p;
	}
}

static void
store_uint(void *obj, const struct vs_cfg_key *k, uint64_t v)
{
	char *p = FIELD(obj, k);

	switch (k->size) {
	case 1:
		*(uint8_t *)p = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)p = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(uint64_t *)p = v;
		break;
	}
}

/* Enums and tristates are C enums or ints (4 bytes, signed) or a uint16_t. */
static int64_t
load_int(const void *obj, const struct vs_cfg_key *k)
{
	if (k->size == sizeof(int32_t))
		return *(const int32_t *)CFIELD(obj, k);
	return (int64_t)load_uint(obj, k);
}

static void
store_int(void *obj, const struct vs_cfg_key *k, int64_t v)
{
	if (k->size == sizeof(int32_t))
		*(int32_t *)FIELD(obj, k) = (int32_t)v;
	else
		store_uint(obj, k, (uint64_t)v);
}

static const char *
enum_name(const struct vs_cfg_key *k, int64_t v)
{
	const struct vs_cfg_enum *e;

	for (e = k->enums; e != NULL && e->name != NULL; e++)
		if (e->value == v)
			return e->name;
	return NULL;
}

static void
set_obj_defaults(enum vs_cfg_section sec, void *obj)
{
	size_t n = 0;
	const struct vs_cfg_key *keys = vs_config_keys(sec, &n), *k;

	for (k = keys; k < keys + n; k++) {
		switch (k->type) {
		case VS_CFG_T_UINT:
		case VS_CFG_T_MODE:
			store_uint(obj, k, (uint64_t)k->def);
			break;
		case VS_CFG_T_BOOL:
			*(bool *)FIELD(obj, k) = k->def != 0;
			break;
		case VS_CFG_T_TRISTATE:
		case VS_CFG_T_ENUM:
			store_int(obj, k, k->def);
			break;
		case VS_CFG_T_STR:
			snprintf(FIELD(obj, k), k->size, "%s", k->def_str ? k->def_str : "");
			break;
		default:
			break;
		}
	}
}

static const struct vs_cfg_key *
find_key(enum vs_cfg_section sec, const struct vs_cfg_node *name)
{
	size_t n = 0, i;
	const struct vs_cfg_key *keys = vs_config_keys(sec, &n);

	for (i = 0; i < n; i++)
		if (strlen(keys[i].name) == name->len &&
		    memcmp(keys[i].name, name->str, name->len) == 0)
			return &keys[i];
	return NULL;
}

/* check_keys() against the section's table. */
static int
check_sec_keys(struct vs_cfg_ctx *c, const struct vs_cfg_node *map, const char *path,
	       enum vs_cfg_section sec)
{
	const char *names[48];
	size_t n = 0, i;
	const struct vs_cfg_key *keys = vs_config_keys(sec, &n);

	for (i = 0; i < n && i < ARRAY_LEN(names); i++)
		names[i] = keys[i].name;
	return check_keys(c, map, path, names, i);
}

/* Read one key of the object at map into obj. */
static int
parse_key(struct vs_cfg_ctx *c, const struct vs_cfg_node *map, const char *path,
	  const struct vs_cfg_key *k, void *obj, void *arg)
{
	char kp[KEYPATH_MAX], shown[80];
	struct key_at at = {k, map, get(map, k->name), path, kp, obj, arg};
	const struct vs_cfg_node *v = at.v;
	const struct vs_cfg_enum *e;
	uint64_t u = 0;
	int rc = 0;

	if (k->flags & VS_CFG_K_EXTERN)
		return 0;
	sub(kp, path, k->name);
	if (k->type == VS_CFG_T_CUSTOM)
		return k->ops != NULL && k->ops->parse != NULL ? k->ops->parse(c, &at) : 0;
	if (v == NULL)
		return k->flags & VS_CFG_K_REQUIRED ? missing(c, map, path, k->name, k->missing)
						    : 0;
	switch (k->type) {
	case VS_CFG_T_UINT:
		rc = get_uint(c, v, kp, k->min, k->max, &u);
		if (rc == 0)
			store_uint(obj, k, u);
		break;
	case VS_CFG_T_BOOL:
		rc = get_bool(c, v, kp, (bool *)FIELD(obj, k));
		break;
	case VS_CFG_T_TRISTATE:
		rc = get_tristate(c, v, kp, (int *)FIELD(obj, k));
		break;
	case VS_CFG_T_MODE:
		rc = get_mode(c, v, kp, (uint32_t *)FIELD(obj, k));
		break;
	case VS_CFG_T_STR:
		rc = get_str(c, v, kp, FIELD(obj, k), k->size, (enum charset)k->charset,
			     (k->flags & VS_CFG_K_EMPTY) != 0);
		break;
	case VS_CFG_T_ENUM:
		if (need_scalar(c, v, kp, k->expected) < 0)
			return -EINVAL;
		for (e = k->enums; e->name != NULL; e++)
			if (strcmp(v->str, e->name) == 0)
				break;
		if (e->name == NULL)
			return vs_cfg_fail(c, v->pos, kp, "%s is not a %s; expected %s",
					   vs_cfg_show(v, shown, sizeof(shown)), k->what,
					   k->expected);
		store_int(obj, k, e->value);
		break;
	case VS_CFG_T_MAC:
		rc = get_mac(c, v, kp, true, (struct vs_cfg_mac *)FIELD(obj, k));
		break;
	default:
		break;
	}
	if (rc < 0)
		return -EINVAL;
	if (k->flags & VS_CFG_K_HAS)
		*(bool *)((char *)obj + k->has_offset) = true;
	if (k->flags & VS_CFG_K_POS)
		*(struct vs_cfg_pos *)((char *)obj + k->pos_offset) = v->pos;
	if (k->ops != NULL && k->ops->check != NULL)
		return k->ops->check(c, &at);
	return 0;
}

/* Whether a key is one of this port's type (an ethdev key of an ethdev port). */
static bool
key_of_type(const struct vs_cfg_key *k, const void *obj)
{
	const struct vs_cfg_port *p = obj;

	if ((k->flags & VS_CFG_K_ETHDEV) && p->type != VS_CFG_PORT_ETHDEV)
		return false;
	if ((k->flags & VS_CFG_K_VHOST) && p->type != VS_CFG_PORT_VHOST)
		return false;
	if ((k->flags & VS_CFG_K_VXLAN) && p->type != VS_CFG_PORT_VXLAN)
		return false;
	return true;
}

/* The port type a type-specific key belongs to. */
static const char *
key_type_name(const struct vs_cfg_key *k)
{
	if (k->flags & VS_CFG_K_ETHDEV)
		return "ethdev";
	if (k->flags & VS_CFG_K_VHOST)
		return "vhost";
	return "vxlan";
}

/* Whether a key applies to this object: of its port type, and of its mode. */
static bool
key_applies(const struct vs_cfg_key *k, const void *obj)
{
	const struct vs_cfg_port *p = obj;

	if ((k->flags & VS_CFG_K_SERVER) && p->mode != VS_CFG_VHOST_SERVER)
		return false;
	return key_of_type(k, obj);
}

#define PASS_EARLY 1u /* parse_obj(): the keys not marked late */
#define PASS_LATE  2u /* the keys marked late (they depend on the others) */
#define PASS_ALL   3u

/* Read the keys of the table from index `from` in table order, those marked
 * late after the others. */
static int
parse_obj(struct vs_cfg_ctx *c, const struct vs_cfg_node *map, const char *path,
	  enum vs_cfg_section sec, size_t from, unsigned int passes, void *obj, void *arg)
{
	size_t n = 0, i;
	const struct vs_cfg_key *keys = vs_config_keys(sec, &n);
	int late, rc;

	for (late = 0; late < 2; late++)
		for (i = from; i < n && (passes & (1u << late)); i++) {
			const struct vs_cfg_key *k = &keys[i];

			if (!(k->flags & VS_CFG_K_LATE) != !late)
				continue;
			if (!key_of_type(k, obj))
				continue;
			rc = parse_key(c, map, path, k, obj, arg);
			if (rc < 0)
				return rc;
		}
	return 0;
}

/* ---- dpdk ---- */

static int
parse_extra_args(struct vs_cfg_ctx *c, const struct key_at *at)
{
	struct vs_cfg_dpdk *d = at->obj;
	const struct vs_cfg_node *v = at->v, *it;
	char ip[KEYPATH_MAX];
	uint32_t len, i;

	if (list_len(c, v, at->kp, MAX_EXTRA_ARGS, "arguments", &len) < 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	d->extra_args = calloc(len, sizeof(*d->extra_args));
	if (d->extra_args == NULL)
		return oom(c);
	d->n_extra_args = len;
	for (it = v->first, i = 0; it != NULL; it = it->next, i++) {
		idx(ip, at->kp, i);
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

static int
parse_dpdk(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, struct vs_cfg_dpdk *d)
{
	const char *path = "dpdk";

	if (n == NULL || vs_cfg_is_null(n))
		return 0;
	d->pos = n->pos;
	if (need_map(c, n, path) < 0 || check_sec_keys(c, n, path, VS_CFG_SEC_DPDK) < 0)
		return -EINVAL;
	return parse_obj(c, n, path, VS_CFG_SEC_DPDK, 0, PASS_ALL, d, NULL);
}

/* ---- workers ---- */

static int
check_worker_lcore(struct vs_cfg_ctx *c, const struct key_at *at)
{
	const struct vs_config *cfg = at->arg;
	const struct vs_cfg_worker *w = at->obj;
	uint32_t j, i = (uint32_t)(w - cfg->workers);

	if (w->lcore == cfg->dpdk.main_lcore)
		return vs_cfg_fail(c, at->v->pos, at->kp,
				   "%u is dpdk.main_lcore; expected an lcore other than the "
				   "main (control) lcore",
				   w->lcore);
	for (j = 0; j < i; j++)
		if (cfg->workers[j].lcore == w->lcore)
			return vs_cfg_fail(c, at->v->pos, at->kp,
					   "%u is already used by workers[%u]; expected each "
					   "lcore once",
					   w->lcore, j);
	return 0;
}

static int
parse_worker(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i,
	     void *arg)
{
	struct vs_config *cfg = arg;
	struct vs_cfg_worker *w = &cfg->workers[i];

	w->pos = n->pos;
	if (need_map(c, n, path) < 0 || check_sec_keys(c, n, path, VS_CFG_SEC_WORKERS) < 0)
		return -EINVAL;
	return parse_obj(c, n, path, VS_CFG_SEC_WORKERS, 0, PASS_ALL, w, cfg);
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
check_emc_entries(struct vs_cfg_ctx *c, const struct key_at *at)
{
	const struct vs_cfg_classifier *cl = at->obj;

	if (cl->emc_entries & (cl->emc_entries - 1))
		return vs_cfg_fail(c, at->v->pos, at->kp,
				   "%u is not a power of two; expected 0 (off) or a power "
				   "of two 1..1048576",
				   cl->emc_entries);
	return 0;
}

static int
parse_classifier(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, struct vs_cfg_classifier *cl)
{
	const char *path = "classifier";

	if (n == NULL || vs_cfg_is_null(n))
		return 0;
	if (need_map(c, n, path) < 0 || check_sec_keys(c, n, path, VS_CFG_SEC_CLASSIFIER) < 0)
		return -EINVAL;
	return parse_obj(c, n, path, VS_CFG_SEC_CLASSIFIER, 0, PASS_ALL, cl, NULL);
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

int
vs_config_check_of_listen(const char *s)
{
	uint64_t port;
	const char *colon;
	char num[8];
	size_t n;

	if (strncmp(s, "punix:", 6) == 0)
		return s[6] == '/' && strlen(s + 6) < VS_CFG_PATH_MAX ? 0 : -EINVAL;
	if (strncmp(s, "ptcp:", 5) != 0)
		return -EINVAL;
	s += 5;
	colon = strchr(s, ':');
	n = colon ? (size_t)(colon - s) : strlen(s);
	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	if (vs_cfg_parse_uint(num, &port) != VS_CFG_INT_OK || port == 0 || port > 65535)
		return -EINVAL;
	if (colon != NULL) {
		struct in_addr a;

		if (inet_pton(AF_INET, colon + 1, &a) != 1)
			return -EINVAL;
	}
	return 0;
}

uint32_t
vs_config_ofport(const struct vs_config *cfg, uint32_t i)
{
	return cfg->ports[i].ofport ? cfg->ports[i].ofport : i + 1;
}

static int
check_of_listen(struct vs_cfg_ctx *c, const struct key_at *at)
{
	const struct vs_cfg_openflow *of = at->obj;
	char shown[80];

	if (of->listen[0] != '\0' && vs_config_check_of_listen(of->listen) < 0)
		return vs_cfg_fail(c, at->v->pos, at->kp,
				   "%s is not a listener; expected \"\" (off), \"ptcp:PORT\", "
				   "\"ptcp:PORT:IPv4\" or \"punix:/PATH\"",
				   vs_cfg_show(at->v, shown, sizeof(shown)));
	return 0;
}

int
vs_config_check_of_controller(const char *s)
{
	const char *colon;
	struct in_addr a;
	char ip[INET_ADDRSTRLEN];
	uint64_t port;
	char *end;

	if (strncmp(s, "unix:", 5) == 0)
		return s[5] == '/' && strlen(s + 5) < 108 /* sun_path */
			   ? 0
			   : -EINVAL;
	if (strncmp(s, "tcp:", 4) != 0)
		return -EINVAL;
	s += 4;
	colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = '\0';
	if (inet_pton(AF_INET, ip, &a) != 1)
		return -EINVAL;
	errno = 0;
	port = strtoull(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || port == 0 || port > 65535)
		return -EINVAL;
	return 0;
}

static int
parse_openflow(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, struct vs_cfg_openflow *of)
{
	const char *path = "openflow";

	if (n == NULL || vs_cfg_is_null(n))
		return 0;
	if (need_map(c, n, path) < 0 || check_sec_keys(c, n, path, VS_CFG_SEC_OPENFLOW) < 0)
		return -EINVAL;
	return parse_obj(c, n, path, VS_CFG_SEC_OPENFLOW, 0, PASS_ALL, of, NULL);
}

static int
parse_l2(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, struct vs_cfg_l2 *l2)
{
	const char *path = "l2";

	if (n == NULL || vs_cfg_is_null(n))
		return 0;
	if (need_map(c, n, path) < 0 || check_sec_keys(c, n, path, VS_CFG_SEC_L2) < 0)
		return -EINVAL;
	return parse_obj(c, n, path, VS_CFG_SEC_L2, 0, PASS_ALL, l2, NULL);
}

static int
check_metrics_listen(struct vs_cfg_ctx *c, const struct key_at *at)
{
	const struct vs_cfg_control *ct = at->obj;
	char shown[80];

	if (ct->metrics_listen[0] != '\0' && check_listen(ct->metrics_listen) < 0)
		return vs_cfg_fail(c, at->v->pos, at->kp,
				   "%s is not an address:port; expected \"\" (off), "
				   "\"IPv4:PORT\" or \"[IPv6]:PORT\" with PORT 1..65535",
				   vs_cfg_show(at->v, shown, sizeof(shown)));
	return 0;
}

static int
parse_control(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, struct vs_cfg_control *ct)
{
	const char *path = "control";

	if (n == NULL || vs_cfg_is_null(n))
		return 0;
	if (need_map(c, n, path) < 0 || check_sec_keys(c, n, path, VS_CFG_SEC_CONTROL) < 0)
		return -EINVAL;
	return parse_obj(c, n, path, VS_CFG_SEC_CONTROL, 0, PASS_ALL, ct, NULL);
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
	refs->macs[refs->n_macs++] = (struct mac_ref){*mac, pos, refs->pf, vf, extra};
	return 0;
}

static uint32_t
vf_index(const struct sriov_refs *refs, const struct vs_cfg_vf *vf)
{
	return (uint32_t)(vf - refs->cfg->sriov[refs->pf].vfs);
}

static int
check_vf_id(struct vs_cfg_ctx *c, const struct key_at *at)
{
	const struct sriov_refs *refs = at->arg;
	const struct vs_cfg_pf *pf = &refs->cfg->sriov[refs->pf];
	const struct vs_cfg_vf *vf = at->obj;
	uint32_t j, i = vf_index(refs, vf);

	if (vf->id >= pf->num_vfs)
		return vs_cfg_fail(c, at->v->pos, at->kp,
				   "%u is not below num_vfs %u; expected 0..%d", vf->id,
				   pf->num_vfs, (int)pf->num_vfs - 1);
	for (j = 0; j < i; j++)
		if (pf->vfs[j].id == vf->id)
			return vs_cfg_fail(c, at->v->pos, at->kp,
					   "VF %u is already configured at %u:%u; expected each "
					   "VF id once",
					   vf->id, pf->vfs[j].pos.line, pf->vfs[j].pos.column);
	return 0;
}

static int
check_vf_mac(struct vs_cfg_ctx *c, const struct key_at *at)
{
	struct sriov_refs *refs = at->arg;
	const struct vs_cfg_vf *vf = at->obj;

	if (add_mac_ref(c, refs, &vf->mac, at->v->pos, vf_index(refs, vf), -1) < 0)
		return -ENOMEM;
	return 0;
}

/* qos and vlan_proto need vlan. */
static int
check_vf_with_vlan(struct vs_cfg_ctx *c, const struct key_at *at)
{
	const struct vs_cfg_vf *vf = at->obj;

	if (!vf->has_vlan)
		return vs_cfg_fail(c, at->v->pos, at->kp,
				   "%s without vlan; expected vlan: N alongside %s", at->k->name,
				   at->k->name);
	return 0;
}

static int
check_vf_max_tx_rate(struct vs_cfg_ctx *c, const struct key_at *at)
{
	const struct vs_cfg_vf *vf = at->obj;
	const struct vs_cfg_node *min = get(at->map, "min_tx_rate");
	char kp[KEYPATH_MAX];

	if (min != NULL && vf->max_tx_rate != 0 && vf->min_tx_rate > vf->max_tx_rate)
		return vs_cfg_fail(c, min->pos, sub(kp, at->path, "min_tx_rate"),
				   "%u is above max_tx_rate %u; expected min_tx_rate <= "
				   "max_tx_rate",
				   vf->min_tx_rate, vf->max_tx_rate);
	return 0;
}

static int
parse_vf_extra_macs(struct vs_cfg_ctx *c, const struct key_at *at)
{
	struct sriov_refs *refs = at->arg;
	struct vs_cfg_vf *vf = at->obj;
	const struct vs_cfg_node *it;
	char ip[KEYPATH_MAX];
	uint32_t len, j;

	if (list_len(c, at->v, at->kp, MAX_EXTRA_MACS, "MACs", &len) < 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	vf->extra_macs = calloc(len, sizeof(*vf->extra_macs));
	if (vf->extra_macs == NULL)
		return oom(c);
	vf->n_extra_macs = len;
	for (it = at->v->first, j = 0; it != NULL; it = it->next, j++) {
		if (get_mac(c, it, idx(ip, at->kp, j), true, &vf->extra_macs[j]) < 0)
			return -EINVAL;
		if (add_mac_ref(c, refs, &vf->extra_macs[j], it->pos, vf_index(refs, vf), (int)j) <
		    0)
			return -ENOMEM;
	}
	return 0;
}

static int
parse_vf(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i, void *arg)
{
	struct sriov_refs *refs = arg;
	struct vs_cfg_vf *vf = &refs->cfg->sriov[refs->pf].vfs[i];

	set_obj_defaults(VS_CFG_SEC_VFS, vf);
	vf->pos = n->pos;
	if (need_map(c, n, path) < 0 || check_sec_keys(c, n, path, VS_CFG_SEC_VFS) < 0)
		return -EINVAL;
	return parse_obj(c, n, path, VS_CFG_SEC_VFS, 0, PASS_ALL, vf, refs);
}

/* pf: NETDEV or dpdk_port: PORT, exactly one (the entry of pf reads both). */
static int
parse_pf_name(struct vs_cfg_ctx *c, const struct key_at *at)
{
	struct sriov_refs *refs = at->arg;
	struct vs_config *cfg = refs->cfg;
	struct vs_cfg_pf *pf = at->obj;
	const struct vs_cfg_node *vp = at->v, *vd = get(at->map, "dpdk_port");
	uint32_t j, i = (uint32_t)(pf - cfg->sriov);
	char kp[KEYPATH_MAX];

	if (vp != NULL && vd != NULL)
		return vs_cfg_fail(c, get_key(at->map, "dpdk_port")->pos,
				   sub(kp, at->path, "dpdk_port"),
				   "given together with pf; expected exactly one of pf (kernel "
				   "netdev) or dpdk_port (DPDK port name)");
	if (vp == NULL && vd == NULL)
		return missing(c, at->map, at->path, "pf",
			       "pf: NETDEV (kernel-owned PF) or dpdk_port: PORT (DPDK-owned PF)");
	if (vp != NULL) {
		pf->backend = VS_CFG_PF_KERNEL;
		if (get_str(c, vp, sub(kp, at->path, "pf"), pf->pf, VS_CFG_IFNAME_MAX, CS_IFNAME,
			    false) < 0)
			return -EINVAL;
	} else {
		pf->backend = VS_CFG_PF_DPDK;
		if (get_str(c, vd, sub(kp, at->path, "dpdk_port"), pf->pf, sizeof(pf->pf), CS_NAME,
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
	return 0;
}

static int
parse_pf_vfs(struct vs_cfg_ctx *c, const struct key_at *at)
{
	struct sriov_refs *refs = at->arg;
	struct vs_cfg_pf *pf = at->obj;
	uint32_t len;
	int rc;

	if (list_len(c, at->v, at->kp, MAX_VFS, "VFs", &len) < 0)
		return -EINVAL;
	pf->vfs = alloc_array(c, len, sizeof(*pf->vfs), &rc);
	if (rc < 0)
		return rc;
	pf->n_vfs = len;
	refs->pf = (uint32_t)(pf - refs->cfg->sriov);
	return for_each(c, at->v, at->kp, parse_vf, refs);
}

static int
parse_pf(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i, void *arg)
{
	struct sriov_refs *refs = arg;
	struct vs_cfg_pf *pf = &refs->cfg->sriov[i];

	pf->pos = n->pos;
	if (need_map(c, n, path) < 0 || check_sec_keys(c, n, path, VS_CFG_SEC_SRIOV) < 0)
		return -EINVAL;
	return parse_obj(c, n, path, VS_CFG_SEC_SRIOV, 0, PASS_ALL, pf, refs);
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
check_sriov_ports(struct vs_cfg_ctx *c, const struct vs_config *cfg, const struct sriov_refs *refs)
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

static int
parse_rxq_pin(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i,
	      void *arg)
{
	static const char *const keys[] = {"queue", "worker"};
	struct vs_cfg_port *p = ((void **)arg)[0];
	const struct vs_config *cfg = ((void **)arg)[1];
	struct vs_cfg_rxq_pin *pin = &p->rxq_pins[i];
	uint16_t nq = p->type == VS_CFG_PORT_ETHDEV  ? p->rx_queues
		      : p->type == VS_CFG_PORT_VHOST ? p->queues
						     : 0;
	const struct vs_cfg_node *v;
	char kp[KEYPATH_MAX];
	uint32_t j;

	pin->pos = n->pos;
	if (need_map(c, n, path) < 0 || check_keys(c, n, path, keys, ARRAY_LEN(keys)) < 0)
		return -EINVAL;
	if (nq == 0)
		return vs_cfg_fail(c, n->pos, path,
				   "a vxlan port has no rx queues (its packets come in on its "
				   "underlay); expected no rxq_pin");
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
	static const char *const keys[] = {"pf", "id"};
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
check_port_name(struct vs_cfg_ctx *c, const struct key_at *at)
{
	const struct vs_config *cfg = at->arg;
	const struct vs_cfg_port *p = at->obj;
	uint32_t j, i = (uint32_t)(p - cfg->ports);

	for (j = 0; j < i; j++)
		if (strcmp(cfg->ports[j].name, p->name) == 0)
			return vs_cfg_fail(c, at->v->pos, at->kp,
					   "\"%s\" is already ports[%u] at %u:%u; expected unique "
					   "port names",
					   p->name, j, cfg->ports[j].pos.line,
					   cfg->ports[j].pos.column);
	return 0;
}

static int
check_port_mtu(struct vs_cfg_ctx *c, const struct key_at *at)
{
	const struct vs_cfg_port *p = at->obj;

	if (p->mtu != 0 && p->mtu < 68)
		return vs_cfg_fail(c, at->v->pos, at->kp,
				   "%u is below the IPv4 minimum; expected 0 (device "
				   "default) or 68..9728",
				   p->mtu);
	return 0;
}

static int
parse_port_vf_key(struct vs_cfg_ctx *c, const struct key_at *at)
{
	if (at->v == NULL)
		return 0;
	return parse_port_vf(c, at->v, at->path, at->arg, at->obj, get(at->map, "mac"));
}

static int
parse_port_rxq_pins(struct vs_cfg_ctx *c, const struct key_at *at)
{
	struct vs_cfg_port *p = at->obj;
	void *pin_args[2] = {p, at->arg};
	uint32_t len;
	int rc;

	if (list_len(c, at->v, at->kp, MAX_RXQ_PINS, "pins", &len) < 0)
		return -EINVAL;
	p->rxq_pins = alloc_array(c, len, sizeof(*p->rxq_pins), &rc);
	if (rc < 0)
		return rc;
	p->n_rxq_pins = len;
	return for_each(c, at->v, at->kp, parse_rxq_pin, pin_args);
}

#define PORT_FIRST_KEYS 2 /* the port table starts with name and type */

static int
parse_port(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i,
	   void *arg)
{
	struct vs_config *cfg = arg;
	struct vs_cfg_port *p = &cfg->ports[i];
	const struct vs_cfg_key *keys, *kk;
	const struct vs_cfg_node *k;
	char kp[KEYPATH_MAX], kt[48];
	size_t nk = 0, j;
	int rc;

	set_obj_defaults(VS_CFG_SEC_PORTS, p);
	p->pos = n->pos;
	if (need_map(c, n, path) < 0 || check_sec_keys(c, n, path, VS_CFG_SEC_PORTS) < 0)
		return -EINVAL;
	keys = vs_config_keys(VS_CFG_SEC_PORTS, &nk);
	for (j = 0; j < PORT_FIRST_KEYS; j++)
		if (parse_key(c, n, path, &keys[j], p, cfg) < 0)
			return -EINVAL;

	/* keys of the other port type */
	for (k = n->first; k != NULL; k = k->next->next) {
		kk = find_key(VS_CFG_SEC_PORTS, k);
		if (kk != NULL && !key_of_type(kk, p)) {
			key_text(k, kt, sizeof(kt));
			return vs_cfg_fail(c, k->pos, sub(kp, path, kt),
					   "applies to %s ports only; expected a key of %s ports",
					   key_type_name(kk), vs_cfg_port_type_str(p->type));
		}
	}
	rc = parse_obj(c, n, path, VS_CFG_SEC_PORTS, PORT_FIRST_KEYS, PASS_EARLY, p, cfg);
	if (rc < 0)
		return rc;
	if (p->type == VS_CFG_PORT_VHOST && p->mode == VS_CFG_VHOST_CLIENT)
		for (kk = keys; kk < keys + nk; kk++) {
			if (!(kk->flags & VS_CFG_K_SERVER) || (k = get_key(n, kk->name)) == NULL)
				continue;
			return vs_cfg_fail(c, k->pos, sub(kp, path, kk->name),
					   "set on a client-mode port (QEMU owns "
					   "the socket); expected mode: server");
		}
	return parse_obj(c, n, path, VS_CFG_SEC_PORTS, PORT_FIRST_KEYS, PASS_LATE, p, cfg);
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

/* ---- the schema tables ---- */

#define NESTED SIZE_MAX /* sections whose objects are not fields of struct vs_config */
#define NO_POS SIZE_MAX

void
vs_cfg_write_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void
write_mac(FILE *f, const struct vs_cfg_mac *m)
{
	char b[24];

	vs_cfg_write_str(f, vs_cfg_mac_str(m, b, sizeof(b)));
}

/* A typed value as text for messages: 512, true, 0600, "text", client. */
static void
value_text(const struct vs_cfg_key *k, const void *obj, char *buf, size_t size)
{
	const char *name;
	int64_t v;

	if ((k->flags & (VS_CFG_K_HAS | VS_CFG_K_WITH)) && !HAS(obj, k)) {
		snprintf(buf, size, "unset");
		return;
	}
	switch (k->type) {
	case VS_CFG_T_UINT:
		snprintf(buf, size, "%llu", (unsigned long long)load_uint(obj, k));
		break;
	case VS_CFG_T_BOOL:
		snprintf(buf, size, "%s", *(const bool *)CFIELD(obj, k) ? "true" : "false");
		break;
	case VS_CFG_T_TRISTATE:
		v = load_int(obj, k);
		snprintf(buf, size, "%s",
			 v == VS_CFG_ON	   ? "true"
			 : v == VS_CFG_OFF ? "false"
					   : "unset");
		break;
	case VS_CFG_T_MODE:
		snprintf(buf, size, "%04o", (unsigned int)load_uint(obj, k));
		break;
	case VS_CFG_T_STR:
		snprintf(buf, size, "\"%.200s\"", CFIELD(obj, k));
		break;
	case VS_CFG_T_ENUM:
		name = enum_name(k, load_int(obj, k));
		snprintf(buf, size, "%s", name != NULL ? name : "unset");
		break;
	case VS_CFG_T_MAC:
		vs_cfg_mac_str((const struct vs_cfg_mac *)CFIELD(obj, k), buf, size);
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

bool
vs_cfg_key_same(const struct vs_cfg_key *k, const void *a, const void *b)
{
	if (k->flags & VS_CFG_K_EXTERN)
		return true;
	if (k->type == VS_CFG_T_CUSTOM)
		return k->ops == NULL || k->ops->diff == NULL ||
		       !k->ops->diff(k, a, b, NULL, 0, NULL, NULL, 0);
	if (k->flags & (VS_CFG_K_HAS | VS_CFG_K_WITH)) {
		if (HAS(a, k) != HAS(b, k))
			return false;
		if (!HAS(a, k))
			return true;
	}
	switch (k->type) {
	case VS_CFG_T_STR:
		return strncmp(CFIELD(a, k), CFIELD(b, k), k->size) == 0;
	case VS_CFG_T_BOOL:
		return *(const bool *)CFIELD(a, k) == *(const bool *)CFIELD(b, k);
	case VS_CFG_T_TRISTATE:
	case VS_CFG_T_ENUM:
		return load_int(a, k) == load_int(b, k);
	case VS_CFG_T_MAC:
		return memcmp(CFIELD(a, k), CFIELD(b, k), sizeof(struct vs_cfg_mac)) == 0;
	default:
		return load_uint(a, k) == load_uint(b, k);
	}
}

/* Whether key k differs between a and b; when it does (and sfx is not NULL),
 * what follows the key's name in messages and the two values as text. */
static bool
key_diff(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx, size_t sfx_size,
	 char *was, char *now, size_t size)
{
	if (k->type == VS_CFG_T_CUSTOM)
		return !(k->flags & VS_CFG_K_EXTERN) && k->ops != NULL && k->ops->diff != NULL &&
		       k->ops->diff(k, a, b, sfx, sfx_size, was, now, size);
	if (vs_cfg_key_same(k, a, b))
		return false;
	if (sfx != NULL) {
		sfx[0] = '\0';
		value_text(k, a, was, size);
		value_text(k, b, now, size);
	}
	return true;
}

/* Fill the outputs of a diff hook (they are NULL when only asked whether). */
static bool
differ(char *sfx, size_t sfx_size, char *was, char *now, size_t size, const char *tag, long i,
       const char *a, const char *b)
{
	if (sfx != NULL) {
		if (i >= 0)
			snprintf(sfx, sfx_size, "[%ld]", i);
		else
			snprintf(sfx, sfx_size, "%s", tag);
		snprintf(was, size, "%s", a);
		snprintf(now, size, "%s", b);
	}
	return true;
}

static bool
count_differs(char *sfx, size_t sfx_size, char *was, char *now, size_t size, uint32_t a, uint32_t b)
{
	char x[16], y[16];

	snprintf(x, sizeof(x), "%u", a);
	snprintf(y, sizeof(y), "%u", b);
	return differ(sfx, sfx_size, was, now, size, " (count)", -1, x, y);
}

static int
write_typed(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix)
{
	const char *name;
	int64_t v;

	if ((k->flags & (VS_CFG_K_HAS | VS_CFG_K_WITH)) && !HAS(obj, k))
		return 0;
	switch (k->type) {
	case VS_CFG_T_UINT:
		/* below the range: never loaded, so the default (a built-in config) */
		if (load_uint(obj, k) < k->min)
			return 0;
		fprintf(f, "%s%s: %llu\n", prefix, k->name, (unsigned long long)load_uint(obj, k));
		return 1;
	case VS_CFG_T_BOOL:
		fprintf(f, "%s%s: %s\n", prefix, k->name,
			*(const bool *)CFIELD(obj, k) ? "true" : "false");
		return 1;
	case VS_CFG_T_TRISTATE:
		v = load_int(obj, k);
		if (v != VS_CFG_ON && v != VS_CFG_OFF)
			return 0;
		fprintf(f, "%s%s: %s\n", prefix, k->name, v == VS_CFG_ON ? "true" : "false");
		return 1;
	case VS_CFG_T_MODE:
		fprintf(f, "%s%s: \"%04o\"\n", prefix, k->name, (unsigned int)load_uint(obj, k));
		return 1;
	case VS_CFG_T_STR:
		if (CFIELD(obj, k)[0] == '\0')
			return 0;
		fprintf(f, "%s%s: ", prefix, k->name);
		vs_cfg_write_str(f, CFIELD(obj, k));
		fputc('\n', f);
		return 1;
	case VS_CFG_T_ENUM:
		name = enum_name(k, load_int(obj, k));
		if (name == NULL)
			return 0;
		fprintf(f, "%s%s: %s\n", prefix, k->name, name);
		return 1;
	case VS_CFG_T_MAC:
		fprintf(f, "%s%s: ", prefix, k->name);
		write_mac(f, (const struct vs_cfg_mac *)CFIELD(obj, k));
		fputc('\n', f);
		return 1;
	default:
		return 0;
	}
}

int
vs_cfg_key_write(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
		 const char *indent)
{
	int rc;

	if (k->flags & VS_CFG_K_EXTERN)
		return 0;
	if ((k->flags & (VS_CFG_K_ETHDEV | VS_CFG_K_VHOST | VS_CFG_K_VXLAN | VS_CFG_K_SERVER)) &&
	    !key_applies(k, obj))
		return 0;
	if (k->ops != NULL && k->ops->write != NULL)
		rc = k->ops->write(f, k, obj, prefix, indent);
	else
		rc = write_typed(f, k, obj, prefix);
	return ferror(f) ? -EIO : rc;
}

int
vs_cfg_write_obj(FILE *f, enum vs_cfg_section sec, const void *obj, const char *first,
		 const char *indent)
{
	size_t n = 0, i;
	const struct vs_cfg_key *keys = vs_config_keys(sec, &n);
	const char *prefix = first;
	int rc;

	for (i = 0; i < n; i++) {
		rc = vs_cfg_key_write(f, &keys[i], obj, prefix, indent);
		if (rc < 0)
			return rc;
		if (rc > 0)
			prefix = indent;
	}
	return 0;
}

static void
free_obj(enum vs_cfg_section sec, void *obj)
{
	size_t n = 0, i;
	const struct vs_cfg_key *keys = vs_config_keys(sec, &n);

	for (i = 0; i < n; i++)
		if (keys[i].ops != NULL && keys[i].ops->free != NULL)
			keys[i].ops->free(obj);
}

/* dpdk.extra_args */

static bool
diff_extra_args(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx,
		size_t sfx_size, char *was, char *now, size_t size)
{
	const struct vs_cfg_dpdk *x = a, *y = b;
	char p[208], q[208];
	uint32_t i;

	if (x->n_extra_args != y->n_extra_args)
		return count_differs(sfx, sfx_size, was, now, size, x->n_extra_args,
				     y->n_extra_args);
	for (i = 0; i < x->n_extra_args; i++) {
		if (strcmp(x->extra_args[i], y->extra_args[i]) == 0)
			continue;
		snprintf(p, sizeof(p), "\"%.200s\"", x->extra_args[i]);
		snprintf(q, sizeof(q), "\"%.200s\"", y->extra_args[i]);
		return differ(sfx, sfx_size, was, now, size, NULL, i, p, q);
	}
	return false;
}

static int
write_extra_args(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
		 const char *indent)
{
	const struct vs_cfg_dpdk *d = obj;
	uint32_t i;

	fprintf(f, "%s%s: [", prefix, k->name);
	for (i = 0; i < d->n_extra_args; i++) {
		fputs(i ? ", " : "", f);
		vs_cfg_write_str(f, d->extra_args[i]);
	}
	fputs("]\n", f);
	return 1;
}

static void
free_extra_args(void *obj)
{
	struct vs_cfg_dpdk *d = obj;
	uint32_t i;

	for (i = 0; i < d->n_extra_args; i++)
		free(d->extra_args[i]);
	free(d->extra_args);
}

/* ports[].rxq_pin */

static bool
diff_rxq_pins(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx, size_t sfx_size,
	      char *was, char *now, size_t size)
{
	const struct vs_cfg_port *x = a, *y = b;
	char p[64], q[64];
	uint32_t i;

	if (x->n_rxq_pins != y->n_rxq_pins)
		return count_differs(sfx, sfx_size, was, now, size, x->n_rxq_pins, y->n_rxq_pins);
	for (i = 0; i < x->n_rxq_pins; i++) {
		const struct vs_cfg_rxq_pin *s = &x->rxq_pins[i], *t = &y->rxq_pins[i];

		if (s->queue == t->queue && s->worker_lcore == t->worker_lcore)
			continue;
		snprintf(p, sizeof(p), "{queue: %u, worker: %u}", s->queue, s->worker_lcore);
		snprintf(q, sizeof(q), "{queue: %u, worker: %u}", t->queue, t->worker_lcore);
		return differ(sfx, sfx_size, was, now, size, NULL, i, p, q);
	}
	return false;
}

static int
write_rxq_pins(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
	       const char *indent)
{
	const struct vs_cfg_port *p = obj;
	uint32_t i;

	if (p->n_rxq_pins == 0)
		return 0;
	fprintf(f, "%s%s: [", prefix, k->name);
	for (i = 0; i < p->n_rxq_pins; i++)
		fprintf(f, "%s{queue: %u, worker: %u}", i ? ", " : "", p->rxq_pins[i].queue,
			p->rxq_pins[i].worker_lcore);
	fputs("]\n", f);
	return 1;
}

static void
free_rxq_pins(void *obj)
{
	free(((struct vs_cfg_port *)obj)->rxq_pins);
}

/* ports[].mac: a VF port's MAC taken from its sriov entry is written there. */
static int
write_port_mac(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
	       const char *indent)
{
	if (((const struct vs_cfg_port *)obj)->mac_from_vf)
		return 0;
	return write_typed(f, k, obj, prefix);
}

/* ports[].vf */

static void
port_vf_text(const struct vs_cfg_port *p, char *buf, size_t size)
{
	if (p->is_vf)
		snprintf(buf, size, "{pf: %s, id: %u}", p->vf_pf, p->vf_id);
	else
		snprintf(buf, size, "unset");
}

static bool
diff_port_vf(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx, size_t sfx_size,
	     char *was, char *now, size_t size)
{
	const struct vs_cfg_port *x = a, *y = b;
	char p[48], q[48];

	if (x->is_vf == y->is_vf && strcmp(x->vf_pf, y->vf_pf) == 0 && x->vf_id == y->vf_id)
		return false;
	port_vf_text(x, p, sizeof(p));
	port_vf_text(y, q, sizeof(q));
	return differ(sfx, sfx_size, was, now, size, "", -1, p, q);
}

static int
write_port_vf(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
	      const char *indent)
{
	const struct vs_cfg_port *p = obj;

	if (!p->is_vf)
		return 0;
	fprintf(f, "%s%s: {pf: ", prefix, k->name);
	vs_cfg_write_str(f, p->vf_pf);
	fprintf(f, ", id: %u}\n", p->vf_id);
	return 1;
}

/* sriov[].pf and sriov[].dpdk_port: one name, and which of the two it is */

static bool
diff_pf_name(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx, size_t sfx_size,
	     char *was, char *now, size_t size)
{
	const struct vs_cfg_pf *x = a, *y = b;
	char p[48], q[48];

	if (x->backend == y->backend && strcmp(x->pf, y->pf) == 0)
		return false;
	snprintf(p, sizeof(p), "%s \"%s\"", x->backend == VS_CFG_PF_DPDK ? "dpdk_port" : "pf",
		 x->pf);
	snprintf(q, sizeof(q), "%s \"%s\"", y->backend == VS_CFG_PF_DPDK ? "dpdk_port" : "pf",
		 y->pf);
	return differ(sfx, sfx_size, was, now, size, "", -1, p, q);
}

static int
write_pf_name(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
	      const char *indent)
{
	const struct vs_cfg_pf *pf = obj;
	bool dpdk = strcmp(k->name, "dpdk_port") == 0;

	if (dpdk != (pf->backend == VS_CFG_PF_DPDK))
		return 0;
	fprintf(f, "%s%s: ", prefix, k->name);
	vs_cfg_write_str(f, pf->pf);
	fputc('\n', f);
	return 1;
}

/* sriov[].vfs */

static bool
diff_pf_vfs(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx, size_t sfx_size,
	    char *was, char *now, size_t size)
{
	const struct vs_cfg_pf *x = a, *y = b;
	size_t n = 0, j;
	const struct vs_cfg_key *keys = vs_config_keys(VS_CFG_SEC_VFS, &n);
	char s[64];
	uint32_t i;

	if (x->n_vfs != y->n_vfs)
		return count_differs(sfx, sfx_size, was, now, size, x->n_vfs, y->n_vfs);
	for (i = 0; i < x->n_vfs; i++)
		for (j = 0; j < n; j++) {
			if (!key_diff(&keys[j], &x->vfs[i], &y->vfs[i], sfx ? s : NULL, sizeof(s),
				      was, now, size))
				continue;
			if (sfx != NULL)
				snprintf(sfx, sfx_size, "[%u].%s%s", i, keys[j].name, s);
			return true;
		}
	return false;
}

static int
write_pf_vfs(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
	     const char *indent)
{
	const struct vs_cfg_pf *pf = obj;
	char first[64], rest[64];
	uint32_t i;
	int rc;

	fprintf(f, "%s%s:%s\n", prefix, k->name, pf->n_vfs ? "" : " []");
	snprintf(first, sizeof(first), "%s  - ", indent);
	snprintf(rest, sizeof(rest), "%s    ", indent);
	for (i = 0; i < pf->n_vfs; i++) {
		rc = vs_cfg_write_obj(f, VS_CFG_SEC_VFS, &pf->vfs[i], first, rest);
		if (rc < 0)
			return rc;
	}
	return 1;
}

static void
free_pf_vfs(void *obj)
{
	struct vs_cfg_pf *pf = obj;
	uint32_t i;

	for (i = 0; i < pf->n_vfs; i++)
		free_obj(VS_CFG_SEC_VFS, &pf->vfs[i]);
	free(pf->vfs);
}

/* sriov[].vfs[].extra_macs */

static bool
diff_extra_macs(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx,
		size_t sfx_size, char *was, char *now, size_t size)
{
	const struct vs_cfg_vf *x = a, *y = b;
	char p[24], q[24];
	uint32_t i;

	if (x->n_extra_macs != y->n_extra_macs)
		return count_differs(sfx, sfx_size, was, now, size, x->n_extra_macs,
				     y->n_extra_macs);
	for (i = 0; i < x->n_extra_macs; i++)
		if (memcmp(&x->extra_macs[i], &y->extra_macs[i], sizeof(x->extra_macs[i])) != 0)
			return differ(sfx, sfx_size, was, now, size, NULL, i,
				      vs_cfg_mac_str(&x->extra_macs[i], p, sizeof(p)),
				      vs_cfg_mac_str(&y->extra_macs[i], q, sizeof(q)));
	return false;
}

static int
write_extra_macs(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
		 const char *indent)
{
	const struct vs_cfg_vf *vf = obj;
	uint32_t i;

	if (vf->n_extra_macs == 0)
		return 0;
	fprintf(f, "%s%s: [", prefix, k->name);
	for (i = 0; i < vf->n_extra_macs; i++) {
		fputs(i ? ", " : "", f);
		write_mac(f, &vf->extra_macs[i]);
	}
	fputs("]\n", f);
	return 1;
}

static void
free_extra_macs(void *obj)
{
	free(((struct vs_cfg_vf *)obj)->extra_macs);
}

/* openflow.controllers: a list of "tcp:IP:PORT" / "unix:PATH" */
static int
parse_of_controllers(struct vs_cfg_ctx *c, const struct key_at *at)
{
	struct vs_cfg_openflow *of = at->obj;
	const struct vs_cfg_node *it;
	char ip[KEYPATH_MAX], shown[80];
	uint32_t len, j;

	if (at->v == NULL)
		return 0;
	if (list_len(c, at->v, at->kp, VS_CFG_MAX_CONTROLLERS, "controllers", &len) < 0)
		return -EINVAL;
	for (it = at->v->first, j = 0; j < len; it = it->next, j++) {
		if (get_str(c, it, idx(ip, at->kp, j), of->controllers[j],
			    sizeof(of->controllers[j]), CS_WORD, false) < 0)
			return -EINVAL;
		if (vs_config_check_of_controller(of->controllers[j]) < 0)
			return vs_cfg_fail(c, it->pos, ip,
					   "%s is not a controller; expected \"tcp:IPv4:PORT\" or "
					   "\"unix:/PATH\"",
					   vs_cfg_show(it, shown, sizeof(shown)));
	}
	of->n_controllers = len;
	return 0;
}

static bool
diff_of_controllers(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx,
		    size_t sfx_size, char *was, char *now, size_t size)
{
	const struct vs_cfg_openflow *x = a, *y = b;
	uint32_t i;

	(void)k;
	if (x->n_controllers != y->n_controllers)
		return count_differs(sfx, sfx_size, was, now, size, x->n_controllers,
				     y->n_controllers);
	for (i = 0; i < x->n_controllers; i++)
		if (strcmp(x->controllers[i], y->controllers[i]) != 0)
			return differ(sfx, sfx_size, was, now, size, NULL, i, x->controllers[i],
				      y->controllers[i]);
	return false;
}

static int
write_of_controllers(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
		     const char *indent)
{
	const struct vs_cfg_openflow *of = obj;
	uint32_t i;

	(void)indent;
	if (of->n_controllers == 0)
		return 0;
	fprintf(f, "%s%s: [", prefix, k->name);
	for (i = 0; i < of->n_controllers; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", of->controllers[i]);
	fputs("]\n", f);
	return 1;
}

static const struct vs_cfg_key_ops extra_args_ops = {.parse = parse_extra_args,
						     .diff = diff_extra_args,
						     .write = write_extra_args,
						     .free = free_extra_args};
static const struct vs_cfg_key_ops worker_lcore_ops = {.check = check_worker_lcore};
static const struct vs_cfg_key_ops emc_entries_ops = {.check = check_emc_entries};
static const struct vs_cfg_key_ops metrics_listen_ops = {.check = check_metrics_listen};
static const struct vs_cfg_key_ops of_listen_ops = {.check = check_of_listen};
static const struct vs_cfg_key_ops of_controllers_ops = {
    .parse = parse_of_controllers, .diff = diff_of_controllers, .write = write_of_controllers};
static const struct vs_cfg_key_ops port_name_ops = {.check = check_port_name};
static const struct vs_cfg_key_ops rxq_pin_ops = {.parse = parse_port_rxq_pins,
						  .diff = diff_rxq_pins,
						  .write = write_rxq_pins,
						  .free = free_rxq_pins};
static const struct vs_cfg_key_ops mtu_ops = {.check = check_port_mtu};
static const struct vs_cfg_key_ops port_mac_ops = {.write = write_port_mac};
static const struct vs_cfg_key_ops port_vf_ops = {
    .parse = parse_port_vf_key, .diff = diff_port_vf, .write = write_port_vf};
static const struct vs_cfg_key_ops pf_ops = {
    .parse = parse_pf_name, .diff = diff_pf_name, .write = write_pf_name};
static const struct vs_cfg_key_ops dpdk_port_ops = {.diff = diff_pf_name, .write = write_pf_name};
static const struct vs_cfg_key_ops vfs_ops = {
    .parse = parse_pf_vfs, .diff = diff_pf_vfs, .write = write_pf_vfs, .free = free_pf_vfs};
static const struct vs_cfg_key_ops vf_id_ops = {.check = check_vf_id};
static const struct vs_cfg_key_ops vf_mac_ops = {.check = check_vf_mac};
static const struct vs_cfg_key_ops vf_with_vlan_ops = {.check = check_vf_with_vlan};
static const struct vs_cfg_key_ops vf_max_tx_rate_ops = {.check = check_vf_max_tx_rate};
static const struct vs_cfg_key_ops extra_macs_ops = {.parse = parse_vf_extra_macs,
						     .diff = diff_extra_macs,
						     .write = write_extra_macs,
						     .free = free_extra_macs};

/* ---- rss: hash types and key of an ethdev port ---- */

static const struct vs_cfg_enum rss_types[] = {
    {"ip", VS_CFG_RSS_IP},	   {"ipv4", VS_CFG_RSS_IPV4},
    {"ipv6", VS_CFG_RSS_IPV6},	   {"tcp", VS_CFG_RSS_TCP},
    {"udp", VS_CFG_RSS_UDP},	   {"sctp", VS_CFG_RSS_SCTP},
    {"l2_payload", VS_CFG_RSS_L2}, {NULL, 0}};
#define RSS_TYPES_EXPECTED "ip, ipv4, ipv6, tcp, udp, sctp or l2_payload"

const char *
vs_cfg_rss_type_str(uint32_t bit)
{
	const struct vs_cfg_enum *e;

	for (e = rss_types + 1; e->name != NULL; e++)
		if ((uint32_t)e->value == bit)
			return e->name;
	return NULL;
}

static int
parse_rss_types(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path,
		uint32_t *types)
{
	const struct vs_cfg_enum *e;
	const struct vs_cfg_node *it;
	char ip[KEYPATH_MAX], shown[64];
	uint32_t len, j;

	if (list_len(c, n, path, 16, "hash types", &len) < 0)
		return -EINVAL;
	if (len == 0)
		return vs_cfg_fail(c, n->pos, path,
				   "no hash types; expected a list of " RSS_TYPES_EXPECTED);
	*types = 0;
	for (it = n->first, j = 0; it != NULL; it = it->next, j++) {
		idx(ip, path, j);
		if (need_scalar(c, it, ip, RSS_TYPES_EXPECTED) < 0)
			return -EINVAL;
		for (e = rss_types; e->name != NULL; e++)
			if (strcmp(it->str, e->name) == 0)
				break;
		if (e->name == NULL)
			return vs_cfg_fail(
			    c, it->pos, ip, "%s is not an RSS hash type; expected %s",
			    vs_cfg_show(it, shown, sizeof(shown)), RSS_TYPES_EXPECTED);
		*types |= (uint32_t)e->value;
	}
	return 0;
}

/* "6d:5a:56:da:..." or "6d5a56da...": 40 or 52 bytes of hex. */
static int
parse_rss_key(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint8_t *key,
	      uint8_t *key_len)
{
	static const char expected[] = "a 40- or 52-byte key in hex (\"6d:5a:...\" or \"6d5a...\")";
	const char *s;
	char shown[64];
	unsigned int len = 0, hi, lo;

	if (need_scalar(c, n, path, expected) < 0)
		return -EINVAL;
	for (s = n->str; *s != '\0';) {
		if (len > 0 && *s == ':')
			s++;
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
		    len == VS_CFG_RSS_KEY_MAX)
			return vs_cfg_fail(c, n->pos, path, "%s is not a key; expected %s",
					   vs_cfg_show(n, shown, sizeof(shown)), expected);
		hi = (unsigned int)(isdigit((unsigned char)s[0])
					? s[0] - '0'
					: tolower((unsigned char)s[0]) - 'a' + 10);
		lo = (unsigned int)(isdigit((unsigned char)s[1])
					? s[1] - '0'
					: tolower((unsigned char)s[1]) - 'a' + 10);
		key[len++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (len != 40 && len != 52)
		return vs_cfg_fail(c, n->pos, path, "a key of %u bytes; expected %s", len,
				   expected);
	*key_len = (uint8_t)len;
	return 0;
}

/* rss: [TYPES...] or rss: {types: [TYPES...], key: HEX} */
static int
parse_port_rss(struct vs_cfg_ctx *c, const struct key_at *at)
{
	static const char *const keys[] = {"types", "key"};
	struct vs_cfg_port *p = at->obj;
	const struct vs_cfg_node *v;
	char kp[KEYPATH_MAX];

	if (at->v == NULL)
		return 0;
	p->has_rss = true;
	p->rss_types = VS_CFG_RSS_DEFAULT;
	if (at->v->kind == VS_CFG_NODE_SEQ)
		return parse_rss_types(c, at->v, at->kp, &p->rss_types);
	if (at->v->kind != VS_CFG_NODE_MAP)
		return vs_cfg_fail(c, at->v->pos, at->kp,
				   "found %s; expected a list of hash types or {types: [...], "
				   "key: HEX}",
				   kind_name(at->v));
	if (check_keys(c, at->v, at->kp, keys, ARRAY_LEN(keys)) < 0)
		return -EINVAL;
	v = get(at->v, "types");
	if (v != NULL && parse_rss_types(c, v, sub(kp, at->kp, "types"), &p->rss_types) < 0)
		return -EINVAL;
	v = get(at->v, "key");
	if (v != NULL &&
	    parse_rss_key(c, v, sub(kp, at->kp, "key"), p->rss_key, &p->rss_key_len) < 0)
		return -EINVAL;
	return 0;
}

static void
rss_text(const struct vs_cfg_port *p, char *buf, size_t size)
{
	size_t o = 0;
	uint32_t b;

	buf[0] = '\0';
	if (!p->has_rss)
		return;
	o += (size_t)snprintf(buf, size, "{types: [");
	for (b = 1; b & VS_CFG_RSS_ALL && o < size; b <<= 1) {
		if (!(p->rss_types & b) ||
		    (b == VS_CFG_RSS_IPV6 && (p->rss_types & VS_CFG_RSS_IPV4)))
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s%s", buf[o - 1] == '[' ? "" : ", ",
				      b == VS_CFG_RSS_IPV4 && (p->rss_types & VS_CFG_RSS_IPV6)
					  ? "ip"
					  : vs_cfg_rss_type_str(b));
	}
	if (o < size)
		o += (size_t)snprintf(buf + o, size - o, "]");
	for (b = 0; b < p->rss_key_len && o < size; b++)
		o += (size_t)snprintf(buf + o, size - o, "%s%02x", b ? ":" : ", key: \"",
				      p->rss_key[b]);
	if (o < size)
		snprintf(buf + o, size - o, "%s}", p->rss_key_len ? "\"" : "");
}

static bool
diff_port_rss(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx, size_t sfx_size,
	      char *was, char *now, size_t size)
{
	const struct vs_cfg_port *x = a, *y = b;
	char p[256], q[256];

	if (x->has_rss == y->has_rss &&
	    (!x->has_rss || (x->rss_types == y->rss_types && x->rss_key_len == y->rss_key_len &&
			     memcmp(x->rss_key, y->rss_key, x->rss_key_len) == 0)))
		return false;
	rss_text(x, p, sizeof(p));
	rss_text(y, q, sizeof(q));
	return differ(sfx, sfx_size, was, now, size, "", -1, p[0] ? p : "(default)",
		      q[0] ? q : "(default)");
}

static int
write_port_rss(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
	       const char *indent)
{
	char buf[256];

	(void)indent;
	rss_text(obj, buf, sizeof(buf));
	if (buf[0] == '\0')
		return 0;
	fprintf(f, "%s%s: %s\n", prefix, k->name, buf);
	return 1;
}

static const struct vs_cfg_key_ops rss_ops = {
    .parse = parse_port_rss, .diff = diff_port_rss, .write = write_port_rss};

/* ---- VLAN modes of ports and l2 static entries ---- */

static int
parse_port_trunks(struct vs_cfg_ctx *c, const struct key_at *at)
{
	struct vs_cfg_port *p = at->obj;
	const struct vs_cfg_node *it;
	char ip[KEYPATH_MAX];
	uint32_t len, j;
	uint64_t v = 0;

	if (list_len(c, at->v, at->kp, VS_CFG_MAX_TRUNKS, "VLANs", &len) < 0)
		return -EINVAL;
	p->n_trunks = (uint16_t)len;
	for (it = len ? at->v->first : NULL, j = 0; it != NULL; it = it->next, j++) {
		if (get_uint(c, it, idx(ip, at->kp, j), 0, 4095, &v) < 0)
			return -EINVAL;
		p->trunks[j] = (uint16_t)v;
	}
	return 0;
}

static bool
diff_port_trunks(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx,
		 size_t sfx_size, char *was, char *now, size_t size)
{
	const struct vs_cfg_port *x = a, *y = b;
	char p[8], q[8];
	uint32_t i;

	if (x->n_trunks != y->n_trunks)
		return count_differs(sfx, sfx_size, was, now, size, x->n_trunks, y->n_trunks);
	for (i = 0; i < x->n_trunks; i++)
		if (x->trunks[i] != y->trunks[i]) {
			snprintf(p, sizeof(p), "%u", x->trunks[i]);
			snprintf(q, sizeof(q), "%u", y->trunks[i]);
			return differ(sfx, sfx_size, was, now, size, NULL, i, p, q);
		}
	return false;
}

static int
write_port_trunks(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
		  const char *indent)
{
	const struct vs_cfg_port *p = obj;
	uint32_t i;

	if (p->n_trunks == 0)
		return 0;
	fprintf(f, "%s%s: [", prefix, k->name);
	for (i = 0; i < p->n_trunks; i++)
		fprintf(f, "%s%u", i ? ", " : "", p->trunks[i]);
	fputs("]\n", f);
	return 1;
}

static int
check_port_tag(struct vs_cfg_ctx *c, const struct key_at *at)
{
	const struct vs_cfg_port *p = at->obj;

	if (p->tag != 0 && (p->n_trunks != 0 || p->native_vlan != 0))
		return vs_cfg_fail(c, at->v->pos, at->kp,
				   "an access port (tag) takes no trunks or native_vlan; expected "
				   "either tag (access) or trunks/native_vlan (trunk)");
	return 0;
}

static int
parse_l2_static(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i,
		void *arg)
{
	static const char *const keys[] = {"mac", "vlan", "port"};
	struct vs_cfg_l2_static *e = &((struct vs_cfg_l2 *)arg)->statics[i];
	char kp[KEYPATH_MAX];
	uint64_t v = 0;

	e->pos = n->pos;
	if (need_map(c, n, path) < 0 || check_keys(c, n, path, keys, ARRAY_LEN(keys)) < 0)
		return -EINVAL;
	if (get(n, "mac") == NULL || get(n, "port") == NULL)
		return vs_cfg_fail(c, n->pos, path,
				   "a static entry needs mac and port; expected "
				   "{mac: MAC, vlan: N, port: NAME}");
	if (get_mac(c, get(n, "mac"), sub(kp, path, "mac"), true, &e->mac) < 0)
		return -EINVAL;
	if (get(n, "vlan") != NULL &&
	    get_uint(c, get(n, "vlan"), sub(kp, path, "vlan"), 0, 4095, &v) < 0)
		return -EINVAL;
	e->vlan = (uint16_t)v;
	return get_str(c, get(n, "port"), sub(kp, path, "port"), e->port, sizeof(e->port), CS_NAME,
		       false);
}

static int
parse_l2_statics(struct vs_cfg_ctx *c, const struct key_at *at)
{
	struct vs_cfg_l2 *l2 = at->obj;
	uint32_t len;

	if (list_len(c, at->v, at->kp, VS_CFG_MAX_L2_STATIC, "static entries", &len) < 0)
		return -EINVAL;
	l2->n_statics = len;
	return for_each(c, at->v, at->kp, parse_l2_static, l2);
}

static bool
diff_l2_statics(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx,
		size_t sfx_size, char *was, char *now, size_t size)
{
	const struct vs_cfg_l2 *x = a, *y = b;
	char p[24], q[24];
	uint32_t i;

	if (x->n_statics != y->n_statics)
		return count_differs(sfx, sfx_size, was, now, size, x->n_statics, y->n_statics);
	for (i = 0; i < x->n_statics; i++) {
		const struct vs_cfg_l2_static *s = &x->statics[i], *t = &y->statics[i];

		if (memcmp(&s->mac, &t->mac, sizeof(s->mac)) != 0 || s->vlan != t->vlan ||
		    strcmp(s->port, t->port) != 0)
			return differ(sfx, sfx_size, was, now, size, NULL, i,
				      vs_cfg_mac_str(&s->mac, p, sizeof(p)),
				      vs_cfg_mac_str(&t->mac, q, sizeof(q)));
	}
	return false;
}

static int
write_l2_statics(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
		 const char *indent)
{
	const struct vs_cfg_l2 *l2 = obj;
	uint32_t i;

	if (l2->n_statics == 0)
		return 0;
	fprintf(f, "%s%s:\n", prefix, k->name);
	for (i = 0; i < l2->n_statics; i++) {
		fprintf(f, "%s  - {mac: ", indent);
		write_mac(f, &l2->statics[i].mac);
		fprintf(f, ", vlan: %u, port: ", l2->statics[i].vlan);
		vs_cfg_write_str(f, l2->statics[i].port);
		fputs("}\n", f);
	}
	return 1;
}

/* Static entries name ports of the file. */
static int
check_l2_ports(struct vs_cfg_ctx *c, const struct vs_config *cfg)
{
	char kp[KEYPATH_MAX];
	uint32_t i;

	for (i = 0; i < cfg->l2.n_statics; i++) {
		const struct vs_cfg_l2_static *e = &cfg->l2.statics[i];

		if (vs_config_port(cfg, e->port) == NULL)
			return vs_cfg_fail(c, e->pos, idx(kp, "l2.static", i),
					   "port %s is not in ports; expected a port name",
					   e->port);
	}
	return 0;
}

static const struct vs_cfg_key_ops trunks_ops = {
    .parse = parse_port_trunks, .diff = diff_port_trunks, .write = write_port_trunks};
static const struct vs_cfg_key_ops port_tag_ops = {.check = check_port_tag};
static const struct vs_cfg_key_ops l2_static_ops = {
    .parse = parse_l2_statics, .diff = diff_l2_statics, .write = write_l2_statics};

/* ---- vxlan ports ---- */

/* One address (no prefix length) into *out. */
static int
get_ip(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, struct vs_cfg_ip *out)
{
	static const char expected[] = "an IPv4 or IPv6 address such as \"192.0.2.1\" or "
				       "\"2001:db8::1\"";
	struct vs_cfg_prefix pfx;
	char shown[80];

	if (need_scalar(c, n, path, expected) < 0)
		return -EINVAL;
	if (strchr(n->str, '/') != NULL || vs_cfg_parse_prefix(n->str, &pfx) < 0)
		return vs_cfg_fail(c, n->pos, path, "%s is not an address; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	out->family = pfx.family;
	memcpy(out->addr, pfx.addr, sizeof(out->addr));
	if ((pfx.family == 4 && (out->addr[0] == 0 || out->addr[0] >= 224)) ||
	    (pfx.family == 6 &&
	     (out->addr[0] == 0xff || memcmp(out->addr, (uint8_t[16]){0}, 16) == 0)))
		return vs_cfg_fail(c, n->pos, path, "%s is not a unicast address; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	return 0;
}

static int
parse_local_ip(struct vs_cfg_ctx *c, const struct key_at *at)
{
	struct vs_cfg_port *p = at->obj;

	if (at->v == NULL)
		return missing(c, at->map, at->path, "local_ip",
			       "this end's IPv4 or IPv6 address on the underlay");
	return get_ip(c, at->v, at->kp, &p->local_ip);
}

/* A remote of local_ip's family (local_ip is read first), not local_ip. */
static int
check_remote(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path,
	     const struct vs_cfg_port *p, const struct vs_cfg_ip *r)
{
	char a[48];

	if (r->family != p->local_ip.family)
		return vs_cfg_fail(c, n->pos, path,
				   "%s is IPv%u but local_ip is IPv%u; expected remotes of "
				   "local_ip's family",
				   vs_cfg_ip_str(r, a, sizeof(a)), r->family, p->local_ip.family);
	if (memcmp(r, &p->local_ip, sizeof(*r)) == 0)
		return vs_cfg_fail(c, n->pos, path,
				   "%s is local_ip; expected a remote VTEP's address",
				   vs_cfg_ip_str(r, a, sizeof(a)));
	return 0;
}

static int
parse_remote_ips(struct vs_cfg_ctx *c, const struct key_at *at)
{
	struct vs_cfg_port *p = at->obj;
	const struct vs_cfg_node *it;
	char ip[KEYPATH_MAX];
	uint32_t len, j, k;

	if (at->v == NULL)
		return missing(c, at->map, at->path, "remote_ip",
			       "the remote VTEP's address, or a list of them");
	if (at->v->kind == VS_CFG_NODE_SCALAR) {
		p->n_remotes = 1;
		if (get_ip(c, at->v, at->kp, &p->remote_ips[0]) < 0)
			return -EINVAL;
		return check_remote(c, at->v, at->kp, p, &p->remote_ips[0]);
	}
	if (list_len(c, at->v, at->kp, VS_CFG_MAX_REMOTES, "remotes", &len) < 0)
		return -EINVAL;
	if (len == 0)
		return vs_cfg_fail(c, at->v->pos, at->kp,
				   "an empty list; expected one or more remote VTEP addresses");
	p->n_remotes = (uint16_t)len;
	for (it = at->v->first, j = 0; it != NULL; it = it->next, j++) {
		if (get_ip(c, it, idx(ip, at->kp, j), &p->remote_ips[j]) < 0 ||
		    check_remote(c, it, ip, p, &p->remote_ips[j]) < 0)
			return -EINVAL;
		for (k = 0; k < j; k++)
			if (memcmp(&p->remote_ips[k], &p->remote_ips[j],
				   sizeof(p->remote_ips[j])) == 0)
				return vs_cfg_fail(
				    c, it->pos, ip,
				    "already remote_ip[%u]; expected each remote once", k);
	}
	return 0;
}

static bool
diff_local_ip(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx, size_t sfx_size,
	      char *was, char *now, size_t size)
{
	const struct vs_cfg_port *x = a, *y = b;
	char p[48], q[48];

	if (memcmp(&x->local_ip, &y->local_ip, sizeof(x->local_ip)) == 0)
		return false;
	return differ(sfx, sfx_size, was, now, size, "", -1,
		      vs_cfg_ip_str(&x->local_ip, p, sizeof(p)),
		      vs_cfg_ip_str(&y->local_ip, q, sizeof(q)));
}

static bool
diff_remote_ips(const struct vs_cfg_key *k, const void *a, const void *b, char *sfx,
		size_t sfx_size, char *was, char *now, size_t size)
{
	const struct vs_cfg_port *x = a, *y = b;
	char p[48], q[48];
	uint32_t i;

	if (x->n_remotes != y->n_remotes)
		return count_differs(sfx, sfx_size, was, now, size, x->n_remotes, y->n_remotes);
	for (i = 0; i < x->n_remotes; i++)
		if (memcmp(&x->remote_ips[i], &y->remote_ips[i], sizeof(x->remote_ips[i])) != 0)
			return differ(sfx, sfx_size, was, now, size, NULL, i,
				      vs_cfg_ip_str(&x->remote_ips[i], p, sizeof(p)),
				      vs_cfg_ip_str(&y->remote_ips[i], q, sizeof(q)));
	return false;
}

static int
write_local_ip(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
	       const char *indent)
{
	const struct vs_cfg_port *p = obj;
	char b[48];

	(void)indent;
	if (p->local_ip.family == 0)
		return 0;
	fprintf(f, "%s%s: ", prefix, k->name);
	vs_cfg_write_str(f, vs_cfg_ip_str(&p->local_ip, b, sizeof(b)));
	fputc('\n', f);
	return 1;
}

static int
write_remote_ips(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
		 const char *indent)
{
	const struct vs_cfg_port *p = obj;
	char b[48];
	uint32_t i;

	(void)indent;
	if (p->n_remotes == 0)
		return 0;
	fprintf(f, "%s%s: [", prefix, k->name);
	for (i = 0; i < p->n_remotes; i++) {
		fputs(i ? ", " : "", f);
		vs_cfg_write_str(f, vs_cfg_ip_str(&p->remote_ips[i], b, sizeof(b)));
	}
	fputs("]\n", f);
	return 1;
}

/*
 * vxlan ports: the underlay is an ethdev port of the file, the remotes are of
 * local_ip's family and not local_ip, and the tunnels of one underlay share
 * local_ip and dst_port (one address per underlay) with a VNI each.
 */
static int
check_vxlan_ports(struct vs_cfg_ctx *c, const struct vs_config *cfg)
{
	char kp[KEYPATH_MAX], a[48];
	uint32_t i, j;

	for (i = 0; i < cfg->n_ports; i++) {
		const struct vs_cfg_port *p = &cfg->ports[i];
		const struct vs_cfg_port *u;

		if (p->type != VS_CFG_PORT_VXLAN)
			continue;
		u = vs_config_port(cfg, p->underlay);
		snprintf(kp, sizeof(kp), "ports[%u].underlay", i);
		if (u == NULL || u->type != VS_CFG_PORT_ETHDEV)
			return vs_cfg_fail(c, p->where_pos, kp,
					   "\"%s\" is %s; expected the name of an ethdev port in "
					   "ports",
					   p->underlay,
					   u == NULL ? "not a port" : "not an ethdev port");
		for (j = 0; j < i; j++) {
			const struct vs_cfg_port *q = &cfg->ports[j];

			if (q->type != VS_CFG_PORT_VXLAN || strcmp(q->underlay, p->underlay) != 0)
				continue;
			if (memcmp(&q->local_ip, &p->local_ip, sizeof(p->local_ip)) != 0 ||
			    q->dst_port != p->dst_port) {
				snprintf(kp, sizeof(kp), "ports[%u].local_ip", i);
				return vs_cfg_fail(
				    c, p->pos, kp,
				    "differs from ports[%u] \"%s\" on underlay %s "
				    "(local_ip %s, dst_port %u); expected one local_ip "
				    "and dst_port per underlay",
				    j, q->name, p->underlay,
				    vs_cfg_ip_str(&q->local_ip, a, sizeof(a)), q->dst_port);
			}
			if (q->vni == p->vni) {
				snprintf(kp, sizeof(kp), "ports[%u].vni", i);
				return vs_cfg_fail(c, p->pos, kp,
						   "%u is already ports[%u] \"%s\" on underlay %s; "
						   "expected one port per VNI and underlay",
						   p->vni, j, q->name, p->underlay);
			}
		}
	}
	return 0;
}

static const struct vs_cfg_key_ops local_ip_ops = {
    .parse = parse_local_ip, .diff = diff_local_ip, .write = write_local_ip};
static const struct vs_cfg_key_ops remote_ip_ops = {
    .parse = parse_remote_ips, .diff = diff_remote_ips, .write = write_remote_ips};

/* A field: its offset and size. SPAN: the fields first..last of a custom key. */
#define AT(st, f) .offset = offsetof(st, f), .size = sizeof(((st *)0)->f)
#define SPAN(st, first, last)                                                                      \
	.offset = offsetof(st, first),                                                             \
	.size = offsetof(st, last) + sizeof(((st *)0)->last) - offsetof(st, first)
#define UINT	 VS_CFG_T_UINT
#define LIVE	 VS_CFG_RELOAD_LIVE
#define RESTART	 VS_CFG_RELOAD_RESTART
#define RECREATE VS_CFG_RELOAD_RECREATE

#define D struct vs_cfg_dpdk
static const struct vs_cfg_key dpdk_keys[] = {
    {"main_lcore", UINT, RESTART, AT(D, main_lcore), .max = MAX_LCORE,
     .doc = "lcore of the main/control thread (--main-lcore)"},
    {"memory_mb", UINT, RESTART, AT(D, memory_mb), .max = 1u << 20,
     .doc = "-m; 0 = computed from the ports"},
    {"mbufs", UINT, RESTART, AT(D, mbufs), .max = 1u << 26,
     .doc = "packet buffers in the pool; 0 = computed from the ports"},
    {"no_huge", VS_CFG_T_BOOL, RESTART, AT(D, no_huge), .doc = "--no-huge"},
    {"in_memory", VS_CFG_T_BOOL, RESTART, AT(D, in_memory), .doc = "--in-memory"},
    {"file_prefix", VS_CFG_T_STR, RESTART, AT(D, file_prefix), .charset = CS_NAME,
     .def_str = "nfvswitch", .doc = "--file-prefix"},
    {"log_level", VS_CFG_T_STR, RESTART, VS_CFG_K_EMPTY, AT(D, log_level), .charset = CS_WORD,
     .doc = "--log-level"},
    {"extra_args", VS_CFG_T_CUSTOM, RESTART, SPAN(D, extra_args, n_extra_args),
     .ops = &extra_args_ops, .doc = "appended verbatim to the EAL arguments"},
};
#undef D

static const struct vs_cfg_key worker_keys[] = {
    {"lcore", UINT, RESTART, VS_CFG_K_REQUIRED, AT(struct vs_cfg_worker, lcore), .max = MAX_LCORE,
     .missing = "an lcore id 0..1023", .ops = &worker_lcore_ops,
     .doc = "one poll-mode worker on this lcore"},
};

#define C struct vs_cfg_classifier
static const struct vs_cfg_key classifier_keys[] = {
    {"emc_entries", UINT, RESTART, AT(C, emc_entries), .max = 1u << 20, .def = 8192,
     .ops = &emc_entries_ops, .doc = "exact-match cache entries per worker; 0 = off"},
    {"max_rules", UINT, RESTART, AT(C, max_rules), .min = 1, .max = MAX_RULES_CAP, .def = 65536,
     .doc = "classifier capacity"},
};
#undef C

#define C struct vs_cfg_control
static const struct vs_cfg_key control_keys[] = {
    {"socket", VS_CFG_T_STR, RESTART, VS_CFG_K_POS, AT(C, socket),
     .pos_offset = offsetof(C, socket_pos), .charset = CS_WORD,
     .def_str = "/run/nfvswitch/ctl.sock", .doc = "control socket for nfvswitch-ctl"},
    {"socket_mode", VS_CFG_T_MODE, RESTART, AT(C, socket_perm), .def = 0600,
     .doc = "the control socket's permissions"},
    {"stats_interval_ms", UINT, LIVE, AT(C, stats_interval_ms), .max = 3600000, .def = 1000,
     .doc = "periodic rate print; 0 = off"},
    {"watch_file", VS_CFG_T_BOOL, LIVE, AT(C, watch_file), .doc = "reload when the file changes"},
    {"metrics_listen", VS_CFG_T_STR, RESTART, VS_CFG_K_EMPTY, AT(C, metrics_listen),
     .charset = CS_WORD, .ops = &metrics_listen_ops,
     .doc = "Prometheus-style metrics endpoint; \"\" = off"},
};
#undef C

static const struct vs_cfg_enum port_types[] = {{"ethdev", VS_CFG_PORT_ETHDEV},
						{"vhost", VS_CFG_PORT_VHOST},
						{"vxlan", VS_CFG_PORT_VXLAN},
						{NULL, 0}};
static const struct vs_cfg_enum vhost_modes[] = {
    {"client", VS_CFG_VHOST_CLIENT}, {"server", VS_CFG_VHOST_SERVER}, {NULL, 0}};

/* name and type come first (PORT_FIRST_KEYS): the other keys depend on type.
 * Ports are matched by name across a reload; a port whose recreate keys
 * differ is created anew (vs_plan_port_same), rxq_pin moves queues live. */
#define P   struct vs_cfg_port
#define ETH VS_CFG_K_ETHDEV
#define VHU VS_CFG_K_VHOST
#define VXL VS_CFG_K_VXLAN
static const struct vs_cfg_key port_keys[] = {
    {"name", VS_CFG_T_STR, RECREATE, VS_CFG_K_REQUIRED | VS_CFG_K_ID, AT(P, name),
     .charset = CS_NAME, .missing = "a port name", .ops = &port_name_ops,
     .doc = "used by rules, rxq_pin, sriov.dpdk_port"},
    {"type", VS_CFG_T_ENUM, RECREATE, VS_CFG_K_REQUIRED, AT(P, type), .enums = port_types,
     .what = "port type", .expected = "ethdev, vhost or vxlan", .missing = "ethdev, vhost or vxlan",
     .doc = "ethdev, vhost or vxlan"},
    {"rxq_pin", VS_CFG_T_CUSTOM, LIVE, VS_CFG_K_LATE, SPAN(P, rxq_pins, n_rxq_pins),
     .ops = &rxq_pin_ops, .doc = "pin rx queues to workers"},
    {"device", VS_CFG_T_STR, RECREATE, ETH | VS_CFG_K_REQUIRED | VS_CFG_K_POS, AT(P, device),
     .pos_offset = offsetof(P, where_pos), .charset = CS_WORD,
     .missing = "a PCI address or vdev devargs for an ethdev port",
     .doc = "PCI address or vdev devargs"},
    {"rx_queues", UINT, RECREATE, ETH, AT(P, rx_queues), .min = 1, .max = 1024, .def = 1,
     .doc = "rx queues (RSS)"},
    {"tx_queues", UINT, RECREATE, ETH, AT(P, tx_queues), .max = 1024,
     .doc = "tx queues; 0 = one per worker"},
    {"rx_desc", UINT, RECREATE, ETH, AT(P, rx_desc), .min = 64, .max = 32768, .def = 1024,
     .doc = "rx ring size"},
    {"tx_desc", UINT, RECREATE, ETH, AT(P, tx_desc), .min = 64, .max = 32768, .def = 1024,
     .doc = "tx ring size"},
    {"mtu", UINT, RECREATE, ETH, AT(P, mtu), .max = 9728, .ops = &mtu_ops,
     .doc = "0 = device default"},
    {"promisc", VS_CFG_T_BOOL, RECREATE, ETH, AT(P, promisc), .def = true,
     .doc = "promiscuous mode"},
    {"rss", VS_CFG_T_CUSTOM, RECREATE, ETH, SPAN(P, has_rss, rss_key), .ops = &rss_ops,
     .doc = "RSS with rx_queues > 1: hash types [ip, tcp, udp] and an optional key"},
    {"mac", VS_CFG_T_MAC, RECREATE, ETH | VS_CFG_K_HAS, AT(P, mac),
     .has_offset = offsetof(P, has_mac), .ops = &port_mac_ops, .doc = "set the port MAC"},
    {"vf", VS_CFG_T_CUSTOM, RECREATE, ETH, SPAN(P, is_vf, vf_id), .ops = &port_vf_ops,
     .doc = "the SR-IOV VF this port is"},
    {"path", VS_CFG_T_STR, RECREATE, VHU | VS_CFG_K_REQUIRED | VS_CFG_K_POS, AT(P, path),
     .pos_offset = offsetof(P, where_pos), .charset = CS_WORD,
     .missing = "the vhost-user socket path", .doc = "the vhost-user socket"},
    {"mode", VS_CFG_T_ENUM, RECREATE, VHU, AT(P, mode), .enums = vhost_modes, .what = "vhost mode",
     .expected = "client or server", .doc = "client or server"},
    {"queues", UINT, RECREATE, VHU, AT(P, queues), .min = 1, .max = 128, .def = 1,
     .doc = "queue pairs"},
    {"owner", VS_CFG_T_STR, RECREATE, VHU | VS_CFG_K_SERVER, AT(P, owner), .charset = CS_NAME,
     .doc = "server mode: socket owner"},
    {"group", VS_CFG_T_STR, RECREATE, VHU | VS_CFG_K_SERVER, AT(P, group), .charset = CS_NAME,
     .doc = "server mode: socket group"},
    {"socket_mode", VS_CFG_T_MODE, RECREATE, VHU | VS_CFG_K_SERVER, AT(P, socket_perm), .def = 0660,
     .doc = "server mode: socket permissions"},
    {"offloads", VS_CFG_T_BOOL, RECREATE, VHU, AT(P, offloads), .def = true,
     .doc = "negotiate checksum and TSO offloads with the guest"},
    {"underlay", VS_CFG_T_STR, RECREATE, VXL | VS_CFG_K_REQUIRED | VS_CFG_K_POS, AT(P, underlay),
     .pos_offset = offsetof(P, where_pos), .charset = CS_NAME,
     .missing = "the name of the ethdev port the tunnel runs over",
     .doc = "vxlan: the ethdev port the tunnel runs over"},
    {"local_ip", VS_CFG_T_CUSTOM, RECREATE, VXL, AT(P, local_ip), .ops = &local_ip_ops,
     .doc = "vxlan: this end's IPv4 or IPv6 address on the underlay"},
    {"remote_ip", VS_CFG_T_CUSTOM, RECREATE, VXL, SPAN(P, remote_ips, n_remotes),
     .ops = &remote_ip_ops, .doc = "vxlan: the remote VTEP, or a list of them (floods go to each)"},
    {"vni", UINT, RECREATE, VXL | VS_CFG_K_REQUIRED, AT(P, vni), .max = 0xffffff,
     .missing = "the VXLAN network identifier 0..16777215", .doc = "vxlan: the VNI"},
    {"dst_port", UINT, RECREATE, VXL, AT(P, dst_port), .min = 1, .max = 65535, .def = 4789,
     .doc = "vxlan: UDP destination port"},
    {"ttl", UINT, RECREATE, VXL, AT(P, ttl), .min = 1, .max = 255, .def = 64,
     .doc = "vxlan: outer TTL / hop limit"},
    {"df", VS_CFG_T_BOOL, RECREATE, VXL, AT(P, df),
     .doc = "vxlan: set DF in the outer IPv4 header"},
    {"remote_mac", VS_CFG_T_MAC, RECREATE, VXL | VS_CFG_K_HAS, AT(P, remote_mac),
     .has_offset = offsetof(P, has_remote_mac),
     .doc = "vxlan: static next-hop MAC (no ARP / ND for the remotes)"},
    {"ofport", UINT, LIVE, AT(P, ofport), .max = 0xffffff00u,
     .doc = "OpenFlow port number; 0 = position in ports + 1"},
    {"trunks", VS_CFG_T_CUSTOM, RECREATE, SPAN(P, n_trunks, trunks), .ops = &trunks_ops,
     .doc = "normal action: VLANs a trunk port carries; [] = all"},
    {"native_vlan", UINT, RECREATE, AT(P, native_vlan), .max = 4095,
     .doc = "normal action: VLAN of a trunk port's untagged frames"},
    /* after trunks and native_vlan: its check looks at both */
    {"tag", UINT, RECREATE, AT(P, tag), .max = 4095, .ops = &port_tag_ops,
     .doc = "normal action: access port of this VLAN; 0 = trunk"},
};
#undef ETH
#undef VHU
#undef VXL
#undef P

/* A PF is found by its name; a new num_vfs re-creates its VFs. */
#define PF struct vs_cfg_pf
static const struct vs_cfg_key pf_keys[] = {
    {"pf", VS_CFG_T_CUSTOM, RECREATE, VS_CFG_K_ID, SPAN(PF, pf, backend), .ops = &pf_ops,
     .doc = "a kernel-owned PF"},
    {"dpdk_port", VS_CFG_T_CUSTOM, RECREATE, VS_CFG_K_ID, SPAN(PF, pf, backend),
     .ops = &dpdk_port_ops, .doc = "a DPDK-owned PF (read with pf)"},
    {"num_vfs", UINT, RECREATE, VS_CFG_K_REQUIRED, AT(PF, num_vfs), .max = MAX_VFS,
     .missing = "the number of VFs to create, 0..256", .doc = "VFs to create"},
    {"vfs", VS_CFG_T_CUSTOM, LIVE, SPAN(PF, vfs, n_vfs), .ops = &vfs_ops, .doc = "per-VF settings"},
};
#undef PF

static const struct vs_cfg_enum vlan_protos[] = {
    {"802.1Q", 0x8100},	 {"802.1q", 0x8100}, {"0x8100", 0x8100}, {"802.1ad", 0x88a8},
    {"802.1AD", 0x88a8}, {"0x88a8", 0x88a8}, {"0x88A8", 0x88a8}, {NULL, 0}};
static const struct vs_cfg_enum link_states[] = {{"auto", VS_CFG_LINK_AUTO},
						 {"enable", VS_CFG_LINK_ENABLE},
						 {"disable", VS_CFG_LINK_DISABLE},
						 {NULL, 0}};

/* VF settings are reconciled live (desired vs applied). */
#define V struct vs_cfg_vf
static const struct vs_cfg_key vf_keys[] = {
    {"id", UINT, LIVE, VS_CFG_K_REQUIRED | VS_CFG_K_ID, AT(V, id), .max = MAX_VFS - 1,
     .missing = "a VF index below num_vfs", .ops = &vf_id_ops, .doc = "VF index"},
    {"mac", VS_CFG_T_MAC, LIVE, VS_CFG_K_HAS, AT(V, mac), .has_offset = offsetof(V, has_mac),
     .ops = &vf_mac_ops, .doc = "the VF MAC"},
    {"vlan", UINT, LIVE, VS_CFG_K_HAS, AT(V, vlan), .max = 4095,
     .has_offset = offsetof(V, has_vlan), .doc = "port VLAN; 0 = none"},
    {"qos", UINT, LIVE, VS_CFG_K_WITH, AT(V, qos), .max = 7, .has_offset = offsetof(V, has_vlan),
     .ops = &vf_with_vlan_ops, .doc = "VLAN priority"},
    {"vlan_proto", VS_CFG_T_ENUM, LIVE, VS_CFG_K_WITH, AT(V, vlan_proto),
     .has_offset = offsetof(V, has_vlan), .def = 0x8100, .enums = vlan_protos,
     .what = "VLAN protocol", .expected = "802.1Q (0x8100) or 802.1ad (0x88a8)",
     .ops = &vf_with_vlan_ops, .doc = "802.1Q or 802.1ad"},
    {"spoofchk", VS_CFG_T_TRISTATE, LIVE, AT(V, spoofchk), .def = VS_CFG_UNSET,
     .doc = "MAC spoof checking"},
    {"trust", VS_CFG_T_TRISTATE, LIVE, AT(V, trust), .def = VS_CFG_UNSET, .doc = "trusted VF"},
    {"link_state", VS_CFG_T_ENUM, LIVE, AT(V, link_state), .def = VS_CFG_LINK_UNSET,
     .enums = link_states, .what = "link state", .expected = "auto, enable or disable",
     .doc = "auto, enable or disable"},
    {"min_tx_rate", UINT, LIVE, AT(V, min_tx_rate), .max = 1000000, .doc = "Mbit/s; 0 = unset"},
    /* after min_tx_rate: its check compares the two */
    {"max_tx_rate", UINT, LIVE, AT(V, max_tx_rate), .max = 1000000, .ops = &vf_max_tx_rate_ops,
     .doc = "Mbit/s; 0 = unset"},
    {"extra_macs", VS_CFG_T_CUSTOM, LIVE, SPAN(V, extra_macs, n_extra_macs), .ops = &extra_macs_ops,
     .doc = "additional MAC filters"},
};
#undef V

static const struct vs_cfg_enum table_misses[] = {
    {"drop", VS_CFG_MISS_DROP}, {"controller", VS_CFG_MISS_CONTROLLER}, {NULL, 0}};

static const struct vs_cfg_enum fail_modes[] = {
    {"secure", VS_CFG_FAIL_SECURE}, {"standalone", VS_CFG_FAIL_STANDALONE}, {NULL, 0}};

#define O struct vs_cfg_openflow
static const struct vs_cfg_key openflow_keys[] = {
    {"listen", VS_CFG_T_STR, RESTART, VS_CFG_K_EMPTY, AT(O, listen), .charset = CS_WORD,
     .ops = &of_listen_ops, .doc = "passive OpenFlow listener; \"\" = off"},
    {"datapath_id", UINT, RESTART, AT(O, datapath_id), .min = 0, .max = UINT64_MAX, .def = 1,
     .doc = "the datapath_id of FEATURES_REPLY"},
    {"controllers", VS_CFG_T_CUSTOM, RESTART, SPAN(O, controllers, n_controllers),
     .ops = &of_controllers_ops,
     .doc = "controllers to connect to (\"tcp:IP:PORT\", \"unix:PATH\"), reconnecting"},
    {"table_miss", VS_CFG_T_ENUM, RESTART, AT(O, table_miss), .def = VS_CFG_MISS_DROP,
     .enums = table_misses, .what = "table-miss behaviour", .expected = "drop or controller",
     .doc = "what a packet no rule matches gets: drop, or a packet-in to the controllers"},
    {"packet_in_rate", UINT, RESTART, AT(O, packet_in_rate), .min = 1, .max = 1000000, .def = 1000,
     .doc = "packet-ins per second to each controller; the rest are counted"},
    {"tables", UINT, RESTART, AT(O, tables), .min = 1, .max = 254, .def = 8,
     .doc = "OpenFlow tables (goto_table goes from a table to a later one)"},
    {"fail_mode", VS_CFG_T_ENUM, RESTART, AT(O, fail_mode), .def = VS_CFG_FAIL_SECURE,
     .enums = fail_modes, .what = "fail mode", .expected = "secure or standalone",
     .doc = "with no controller: secure keeps to the flows, standalone adds MAC learning"},
};
#undef O

#define L struct vs_cfg_l2
static const struct vs_cfg_key l2_keys[] = {
    {"aging_s", UINT, RESTART, AT(L, aging_s), .min = 1, .max = 86400 * 365, .def = 300,
     .doc = "learned entries unseen this long are removed"},
    {"max_entries", UINT, RESTART, AT(L, max_entries), .min = 1, .max = 1 << 24, .def = 8192,
     .doc = "MAC table size (learned and static)"},
    {"static", VS_CFG_T_CUSTOM, RESTART, SPAN(L, statics, n_statics), .ops = &l2_static_ops,
     .doc = "static entries {mac, vlan, port}"},
};
#undef L

/* Listed for the docs and the reload classes: rules have their own parser
 * (parse_rule), comparator (vs_rule_spec_same) and writer (app/save.c). */
#define R   struct vs_cfg_rule
#define EXT VS_CFG_K_EXTERN
static const struct vs_cfg_key rule_keys[] = {
    {"name", VS_CFG_T_CUSTOM, LIVE, EXT | VS_CFG_K_ID, AT(R, name), .doc = "for show and logs"},
    {"priority", VS_CFG_T_CUSTOM, LIVE, EXT, AT(R, priority), .doc = "higher wins"},
    {"match", VS_CFG_T_CUSTOM, LIVE, EXT, AT(R, match), .doc = "fields to match"},
    {"actions", VS_CFG_T_CUSTOM, LIVE, EXT, SPAN(R, actions, n_actions),
     .doc = "what to do with a match"},
};
#undef EXT
#undef R
#undef UINT
#undef LIVE
#undef RESTART
#undef RECREATE

/* Where each section's objects are in struct vs_config. */
static const struct section {
	const char *name;
	const struct vs_cfg_key *keys;
	size_t n_keys;
	bool list;
	size_t at;     /* of the struct, or of the array's pointer; NESTED: elsewhere */
	size_t n_at;   /* list: of the uint32_t count */
	size_t size;   /* of one object */
	size_t pos_at; /* of the object's struct vs_cfg_pos; NO_POS: none */
} sections[VS_CFG_SEC_MAX] = {
    [VS_CFG_SEC_DPDK] = {"dpdk", dpdk_keys, ARRAY_LEN(dpdk_keys), false,
			 offsetof(struct vs_config, dpdk), 0, sizeof(struct vs_cfg_dpdk),
			 offsetof(struct vs_cfg_dpdk, pos)},
    [VS_CFG_SEC_WORKERS] = {"workers", worker_keys, ARRAY_LEN(worker_keys), true,
			    offsetof(struct vs_config, workers),
			    offsetof(struct vs_config, n_workers), sizeof(struct vs_cfg_worker),
			    offsetof(struct vs_cfg_worker, pos)},
    [VS_CFG_SEC_CLASSIFIER] = {"classifier", classifier_keys, ARRAY_LEN(classifier_keys), false,
			       offsetof(struct vs_config, classifier), 0,
			       sizeof(struct vs_cfg_classifier), NO_POS},
    [VS_CFG_SEC_CONTROL] = {"control", control_keys, ARRAY_LEN(control_keys), false,
			    offsetof(struct vs_config, control), 0, sizeof(struct vs_cfg_control),
			    NO_POS},
    [VS_CFG_SEC_PORTS] = {"ports", port_keys, ARRAY_LEN(port_keys), true,
			  offsetof(struct vs_config, ports), offsetof(struct vs_config, n_ports),
			  sizeof(struct vs_cfg_port), offsetof(struct vs_cfg_port, pos)},
    [VS_CFG_SEC_SRIOV] = {"sriov", pf_keys, ARRAY_LEN(pf_keys), true,
			  offsetof(struct vs_config, sriov), offsetof(struct vs_config, n_sriov),
			  sizeof(struct vs_cfg_pf), offsetof(struct vs_cfg_pf, pos)},
    [VS_CFG_SEC_VFS] = {"vfs", vf_keys, ARRAY_LEN(vf_keys), true, NESTED, 0,
			sizeof(struct vs_cfg_vf), offsetof(struct vs_cfg_vf, pos)},
    [VS_CFG_SEC_RULES] = {"rules", rule_keys, ARRAY_LEN(rule_keys), true,
			  offsetof(struct vs_config, rules), offsetof(struct vs_config, n_rules),
			  sizeof(struct vs_cfg_rule), offsetof(struct vs_cfg_rule, pos)},
    [VS_CFG_SEC_OPENFLOW] = {"openflow", openflow_keys, ARRAY_LEN(openflow_keys), false,
			     offsetof(struct vs_config, openflow), 0,
			     sizeof(struct vs_cfg_openflow), NO_POS},
    [VS_CFG_SEC_L2] = {"l2", l2_keys, ARRAY_LEN(l2_keys), false, offsetof(struct vs_config, l2), 0,
		       sizeof(struct vs_cfg_l2), NO_POS},
};

const struct vs_cfg_key *
vs_config_keys(enum vs_cfg_section sec, size_t *n)
{
	if ((unsigned int)sec >= VS_CFG_SEC_MAX) {
		if (n != NULL)
			*n = 0;
		return NULL;
	}
	if (n != NULL)
		*n = sections[sec].n_keys;
	return sections[sec].keys;
}

const char *
vs_config_section_name(enum vs_cfg_section sec)
{
	return (unsigned int)sec < VS_CFG_SEC_MAX ? sections[sec].name : NULL;
}

const char *
vs_cfg_reload_str(enum vs_cfg_reload r)
{
	switch (r) {
	case VS_CFG_RELOAD_LIVE:
		return "live";
	case VS_CFG_RELOAD_RESTART:
		return "restart";
	case VS_CFG_RELOAD_RECREATE:
		return "recreate";
	}
	return "unknown";
}

bool
vs_config_same(enum vs_cfg_section sec, const void *a, const void *b, unsigned int classes)
{
	size_t n = 0, i;
	const struct vs_cfg_key *keys = vs_config_keys(sec, &n);

	for (i = 0; i < n; i++) {
		const struct vs_cfg_key *k = &keys[i];

		if ((k->flags & (VS_CFG_K_ID | VS_CFG_K_EXTERN)) || !(classes & (1u << k->reload)))
			continue;
		if (!vs_cfg_key_same(k, a, b))
			return false;
	}
	return true;
}

/* The top-level sections' objects: the struct, or the array and its count. */
static void *
sec_base(const struct section *s, const struct vs_config *cfg, uint32_t *n)
{
	const char *p = (const char *)cfg + s->at;

	if (!s->list) {
		*n = 1;
		return (void *)p;
	}
	*n = *(const uint32_t *)((const char *)cfg + s->n_at);
	return *(void *const *)p;
}

static void
set_defaults(struct vs_config *cfg, const char *name)
{
	unsigned int s;
	uint32_t n;

	snprintf(cfg->source, sizeof(cfg->source), "%s", name);
	for (s = 0; s < VS_CFG_SEC_MAX; s++)
		if (!sections[s].list && sections[s].at != NESTED)
			set_obj_defaults((enum vs_cfg_section)s, sec_base(&sections[s], cfg, &n));
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

		if (p->type == VS_CFG_PORT_VXLAN)
			continue;
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
    "in_port",	"eth_src", "eth_dst", "eth_type", "vlan",      "vlan_pcp",  "ip_src", "ip_dst",
    "ip_proto", "ip_dscp", "l4_src",  "l4_dst",	  "icmp_type", "icmp_code", "tun_id", "tun_src",
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
	const char *expected = "an IPv4 or IPv6 address with an optional /LEN or /MASK, such as "
			       "\"10.0.0.0/8\", \"10.0.0.0/255.0.255.0\" or \"2001:db8::/32\"";
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
		if (out->masked)
			return vs_cfg_fail(c, n->pos, path,
					   "%s has bits set outside the mask; expected the "
					   "address ANDed with its mask",
					   vs_cfg_show(n, shown, sizeof(shown)));
		return vs_cfg_fail(c, n->pos, path,
				   "%s has host bits set beyond /%u; expected the network address",
				   vs_cfg_show(n, shown, sizeof(shown)), out->len);
	default:
		return vs_cfg_fail(c, n->pos, path,
				   "%s is not an IP address or prefix; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	}
}

/* "V/M": two integers 0..max, V without bits outside M (a VLAN or L4 mask). */
static int
get_value_mask(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint64_t max,
	       const char *expected, uint16_t *val, uint16_t *mask)
{
	const char *slash = strchr(n->str, '/');
	char shown[80], a[24];
	uint64_t x, y;

	if ((size_t)(slash - n->str) >= sizeof(a))
		return vs_cfg_fail(c, n->pos, path, "%s is not a VALUE/MASK; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	memcpy(a, n->str, (size_t)(slash - n->str));
	a[slash - n->str] = '\0';
	if (vs_cfg_parse_uint(a, &x) != VS_CFG_INT_OK ||
	    vs_cfg_parse_uint(slash + 1, &y) != VS_CFG_INT_OK)
		return vs_cfg_fail(c, n->pos, path, "%s is not a VALUE/MASK; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	if (x > max || y > max)
		return vs_cfg_fail(c, n->pos, path, "%s is out of range; expected %s",
				   vs_cfg_show(n, shown, sizeof(shown)), expected);
	if (x & ~y)
		return vs_cfg_fail(c, n->pos, path,
				   "%s has bits set outside the mask; expected the value ANDed "
				   "with its mask",
				   vs_cfg_show(n, shown, sizeof(shown)));
	*val = (uint16_t)x;
	*mask = (uint16_t)y;
	return 0;
}

/* "80", "1000-2000" or "0x0050/0xfff0" (*mask 0: not masked). */
static int
get_l4_range(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint16_t *lo,
	     uint16_t *hi, uint16_t *mask)
{
	const char *expected = "a port 0..65535, a range LO-HI such as \"1000-2000\" or "
			       "PORT/MASK such as \"0x0050/0xfff0\"";
	char shown[80], a[24];
	const char *dash;
	uint64_t x, y;

	if (need_scalar(c, n, path, expected) < 0)
		return -EINVAL;
	*mask = 0;
	if (strchr(n->str, '/') != NULL) {
		if (get_value_mask(c, n, path, 0xffff, expected, lo, mask) < 0)
			return -EINVAL;
		if (*mask == 0)
			return vs_cfg_fail(c, n->pos, path,
					   "%s has an all-zero mask; expected a non-zero mask (or "
					   "no port match at all)",
					   vs_cfg_show(n, shown, sizeof(shown)));
		*hi = *lo;
		if (*mask == 0xffff)
			*mask = 0; /* exact: the range lo..lo */
		return 0;
	}
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
		return vs_cfg_fail(c, n->pos, path, "%s is an inverted range; expected LO <= HI",
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
	} names[] = {{"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"icmpv6", 58}, {"sctp", 132}};
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
		if (v->kind == VS_CFG_NODE_SCALAR && strcmp(v->str, "none") == 0) {
			m->vlan_none = true;
		} else if (v->kind == VS_CFG_NODE_SCALAR && strchr(v->str, '/') != NULL) {
			if (get_value_mask(c, v, kp, 0xfff,
					   "VID/MASK of 0..0xfff each, such as \"0x060/0xff0\"",
					   &m->vlan_id, &m->vlan_mask) < 0)
				return -EINVAL;
			m->vlan_masked = m->vlan_mask != 0xfff; /* a full mask: exact */
			if (!m->vlan_masked)
				m->vlan_mask = 0;
		} else if (v->kind == VS_CFG_NODE_SCALAR && v->len > 0 &&
			   !(v->str[0] >= '0' && v->str[0] <= '9') && v->str[0] != '-' &&
			   v->str[0] != '+') {
			return vs_cfg_fail(c, v->pos, kp,
					   "%s is not a VLAN; expected a VLAN id 0..4095, VID/MASK "
					   "or none",
					   vs_cfg_show(v, shown, sizeof(shown)));
		} else if (get_u16(c, v, kp, 0, 4095, &m->vlan_id) < 0) {
			return -EINVAL;
		}
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
				 i == 10 ? &m->l4_src_hi : &m->l4_dst_hi,
				 i == 10 ? &m->l4_src_mask : &m->l4_dst_mask) < 0)
			return -EINVAL;
		if (!vn[8] || (m->ip_proto != 6 && m->ip_proto != 17 && m->ip_proto != 132))
			return vs_cfg_fail(c, v->pos, kp,
					   "an L4 port without a port-carrying protocol; expected "
					   "ip_proto tcp, udp or sctp in the same match");
	}
	if ((v = vn[14]) != NULL && get_u32(c, v, sub(kp, path, "tun_id"), 0, 0xffffff, &m->tun_id))
		return -EINVAL;
	if ((v = vn[15]) != NULL) {
		struct vs_cfg_ip ip;

		sub(kp, path, "tun_src");
		if (get_ip(c, v, kp, &ip) < 0)
			return -EINVAL;
		if (ip.family != 4)
			return vs_cfg_fail(c, v->pos, kp,
					   "%s is IPv6, which rules cannot match; expected an IPv4 "
					   "remote VTEP (match IPv6 ones by in_port)",
					   vs_cfg_show(v, shown, sizeof(shown)));
		memcpy(m->tun_src, ip.addr, 4);
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
	static const char *const keys[] = {"output",	  "push_vlan",	"set_eth_src",
					   "set_eth_dst", "controller", "set_vlan_vid",
					   "set_vlan_pcp"};
	static const char *const pv_keys[] = {"vid", "pcp", "tpid"};
	static const char *const ctl_keys[] = {"max_len"};
	const char *expected = "drop, flood, all, normal, in_port, pop_vlan, controller, "
			       "{output: PORT}, {push_vlan: {vid, pcp, tpid}}, {set_eth_src: MAC}, "
			       "{set_eth_dst: MAC}, {set_vlan_vid: N}, {set_vlan_pcp: N} or "
			       "{controller: {max_len: N}}";
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
		else if (strcmp(n->str, "normal") == 0)
			a->type = VS_CFG_ACT_NORMAL;
		else if (strcmp(n->str, "in_port") == 0)
			a->type = VS_CFG_ACT_IN_PORT;
		else if (strcmp(n->str, "all") == 0)
			a->type = VS_CFG_ACT_ALL;
		else if (strcmp(n->str, "controller") == 0) {
			a->type = VS_CFG_ACT_CONTROLLER;
			a->max_len = VS_CFG_CTL_MAX_LEN_ALL;
		} else
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
		a->vlan_tpid = 0x8100;
		if (need_map(c, v, kp) < 0 || check_keys(c, v, kp, pv_keys, 3) < 0)
			return -EINVAL;
		if (get(v, "vid") == NULL)
			return missing(c, v, kp, "vid", "a VLAN id 0..4095");
		if (get_u16(c, get(v, "vid"), sub(kp2, kp, "vid"), 0, 4095, &a->vlan_id) < 0)
			return -EINVAL;
		if (get(v, "pcp") &&
		    get_u8(c, get(v, "pcp"), sub(kp2, kp, "pcp"), 0, 7, &a->vlan_pcp) < 0)
			return -EINVAL;
		if (get(v, "tpid") != NULL) {
			if (get_u16(c, get(v, "tpid"), sub(kp2, kp, "tpid"), 0, 0xffff,
				    &a->vlan_tpid) < 0)
				return -EINVAL;
			if (a->vlan_tpid != 0x8100 && a->vlan_tpid != 0x88a8)
				return vs_cfg_fail(
				    c, get(v, "tpid")->pos, kp2,
				    "%s is not a VLAN TPID; expected 0x8100 or "
				    "0x88a8",
				    vs_cfg_show(get(v, "tpid"), shown, sizeof(shown)));
		}
		return 0;
	case 2:
		a->type = VS_CFG_ACT_SET_ETH_SRC;
		return get_mac(c, v, kp, true, &a->mac);
	case 4:
		a->type = VS_CFG_ACT_CONTROLLER;
		a->max_len = VS_CFG_CTL_MAX_LEN_ALL;
		if (vs_cfg_is_null(v))
			return 0;
		if (need_map(c, v, kp) < 0 || check_keys(c, v, kp, ctl_keys, 1) < 0)
			return -EINVAL;
		if (get(v, "max_len") && get_u16(c, get(v, "max_len"), sub(kp2, kp, "max_len"), 0,
						 0xffff, &a->max_len) < 0)
			return -EINVAL;
		return 0;
	case 5:
		a->type = VS_CFG_ACT_SET_VLAN_VID;
		return get_u16(c, v, kp, 0, 4095, &a->vlan_id);
	case 6:
		a->type = VS_CFG_ACT_SET_VLAN_PCP;
		return get_u8(c, v, kp, 0, 7, &a->vlan_pcp);
	default:
		a->type = VS_CFG_ACT_SET_ETH_DST;
		return get_mac(c, v, kp, false, &a->mac);
	}
}

static int
parse_rule(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, uint32_t i,
	   void *arg)
{
	static const char *const keys[] = {"name", "priority", "match", "actions"};
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

static const char *const top_keys[] = {"dpdk",	"workers", "classifier", "control", "ports",
				       "sriov", "rules",   "openflow",	 "l2"};

static int
load_tree(struct vs_cfg_ctx *c, const struct vs_cfg_node *root, struct vs_config *cfg)
{
	struct sriov_refs *refs;
	int rc;

	if (root == NULL || vs_cfg_is_null(root))
		return 0; /* empty file: defaults, no ports */
	if (root->kind != VS_CFG_NODE_MAP)
		return vs_cfg_fail(
		    c, root->pos, "config",
		    "found %s at the top level; expected a mapping with keys dpdk, "
		    "workers, classifier, control, ports, sriov, rules, openflow, l2",
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
	if (rc == 0)
		rc = parse_openflow(c, get(root, "openflow"), &cfg->openflow);
	if (rc == 0)
		rc = parse_l2(c, get(root, "l2"), &cfg->l2);
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
		rc = check_vxlan_ports(c, cfg);
	if (rc == 0)
		rc = check_l2_ports(c, cfg);
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
		vs_cfg_fail(&c, (struct vs_cfg_pos){0, 0}, "config",
			    "a NULL buffer; expected YAML text");
		errno = EINVAL;
		return NULL;
	}
	if (len > VS_CFG_INPUT_MAX) {
		vs_cfg_fail(&c, (struct vs_cfg_pos){1, 1}, "config",
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
	unsigned int s;
	uint32_t n, i;

	if (cfg == NULL)
		return;
	for (s = 0; s < VS_CFG_SEC_MAX; s++) {
		const struct section *sd = &sections[s];
		char *base;

		if (sd->at == NESTED)
			continue;
		base = sec_base(sd, cfg, &n);
		for (i = 0; base != NULL && i < n; i++)
			free_obj((enum vs_cfg_section)s, base + i * sd->size);
		if (sd->list)
			free(base);
	}
	free(cfg);
}

/* ---- reload ---- */

static int
reload_refuse(struct vs_cfg_error *err, const struct vs_config *next, struct vs_cfg_pos pos,
	      const char *key, const char *was, const char *now)
{
	err->pos = pos;
	snprintf(err->msg, sizeof(err->msg),
		 "%.256s:%u:%u: %.64s: %.200s changed to %.200s on reload; expected %.200s "
		 "(this key needs a restart)",
		 next->source, pos.line, pos.column, key, was, now, was);
	errno = EPERM;
	return -EPERM;
}

/* The restart keys of one object. */
static int
reload_obj(struct vs_cfg_error *err, const struct vs_config *next, const struct section *sd,
	   const void *a, const void *b, const char *path, struct vs_cfg_pos pos)
{
	char sfx[48], was[216], now[216], key[KEYPATH_MAX];
	size_t i;

	for (i = 0; i < sd->n_keys; i++) {
		const struct vs_cfg_key *k = &sd->keys[i];

		if (k->reload != VS_CFG_RELOAD_RESTART ||
		    !key_diff(k, a, b, sfx, sizeof(sfx), was, now, sizeof(was)))
			continue;
		snprintf(key, sizeof(key), "%s.%s%s", path, k->name, sfx);
		return reload_refuse(err, next, pos, key, was, now);
	}
	return 0;
}

static struct vs_cfg_pos
obj_pos(const struct section *sd, const void *obj)
{
	static const struct vs_cfg_pos nowhere;

	if (obj == NULL || sd->pos_at == NO_POS)
		return nowhere;
	return *(const struct vs_cfg_pos *)((const char *)obj + sd->pos_at);
}

int
vs_config_reload_check(const struct vs_config *cur, const struct vs_config *next,
		       struct vs_cfg_error *err)
{
	struct vs_cfg_error local;
	unsigned int s;
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
	/* In section order; a list with a restart key is restart as a whole
	 * (its length too). Nested sections (vfs) have no restart keys. */
	for (s = 0; s < VS_CFG_SEC_MAX; s++) {
		const struct section *sd = &sections[s];
		const char *a, *b;
		char path[KEYPATH_MAX], x[16], y[16];
		bool restart = false;
		uint32_t na, nb;
		size_t j;

		for (j = 0; j < sd->n_keys; j++)
			restart |= sd->keys[j].reload == VS_CFG_RELOAD_RESTART;
		if (!restart || sd->at == NESTED)
			continue;
		a = sec_base(sd, cur, &na);
		b = sec_base(sd, next, &nb);
		if (!sd->list) {
			rc = reload_obj(err, next, sd, a, b, sd->name, obj_pos(sd, b));
			if (rc < 0)
				return rc;
			continue;
		}
		if (na != nb) {
			snprintf(path, sizeof(path), "%s (count)", sd->name);
			snprintf(x, sizeof(x), "%u", na);
			snprintf(y, sizeof(y), "%u", nb);
			return reload_refuse(err, next, obj_pos(sd, nb ? b : NULL), path, x, y);
		}
		for (i = 0; i < na; i++) {
			snprintf(path, sizeof(path), "%s[%u]", sd->name, i);
			rc = reload_obj(err, next, sd, a + i * sd->size, b + i * sd->size, path,
					obj_pos(sd, b + i * sd->size));
			if (rc < 0)
				return rc;
		}
	}
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
	case VS_CFG_PORT_VXLAN:
		return "vxlan";
	}
	return "unknown";
}

const char *
vs_cfg_ip_str(const struct vs_cfg_ip *ip, char *buf, size_t size)
{
	if (ip->family == 0 ||
	    inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->addr, buf, (socklen_t)size) == NULL)
		snprintf(buf, size, "-");
	return buf;
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
	case VS_CFG_ACT_CONTROLLER:
		return "controller";
	case VS_CFG_ACT_NORMAL:
		return "normal";
	case VS_CFG_ACT_IN_PORT:
		return "in_port";
	case VS_CFG_ACT_ALL:
		return "all";
	case VS_CFG_ACT_SET_VLAN_VID:
		return "set_vlan_vid";
	case VS_CFG_ACT_SET_VLAN_PCP:
		return "set_vlan_pcp";
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
op_del(struct vs_cfg_ctx *c, const struct vs_cfg_node *n, const char *path, struct rule_ops_ctx *rc)
{
	static const char *const keys[] = {"name", "priority", "match"};
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
	if ((v = get(n, "name")) != NULL && get_str(c, v, sub(kp, path, "name"), o->rule.name,
						    sizeof(o->rule.name), CS_NAME, false) < 0)
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
	static const char *const batch_keys[] = {"del", "mod", "add"};
	static const enum vs_cfg_rule_op_type batch_ops[] = {VS_CFG_RULE_OP_DEL, VS_CFG_RULE_OP_MOD,
							     VS_CFG_RULE_OP_ADD};
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
		return vs_cfg_fail(&c, (struct vs_cfg_pos){1, 1}, "rules",
				   "%zu bytes; expected at most %u bytes", len, VS_CFG_INPUT_MAX);
	ret = vs_cfg_yaml_parse(&c, &root);
	if (ret < 0)
		goto out;
	if (root == NULL || vs_cfg_is_null(root)) {
		ret = vs_cfg_fail(&c, (struct vs_cfg_pos){1, 1}, "rule", "nothing; expected %s",
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
			ret =
			    op_list(&c, get(root, batch_keys[k]), batch_keys[k], batch_ops[k], &rc);
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
