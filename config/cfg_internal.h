/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the config module: the YAML node tree built from libyaml events,
 * the arena it lives in, the error context and the scalar parsers.
 *
 * Loading is two passes. cfg_yaml.c turns libyaml's event stream into a small
 * tree of scalars, sequences and mappings (each with its file position),
 * refusing anchors, aliases, tags, extra documents and oversized input.
 * config.c then walks that tree against the schema and fills struct
 * vs_config. The tree is freed in one go with its arena, so no error path can
 * leak.
 */
#ifndef VS_CFG_INTERNAL_H
#define VS_CFG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vs_config.h"

/* Limits on hostile input. */
#define VS_CFG_INPUT_MAX (16u << 20) /* bytes: 65536 verbose rules fit */
#define VS_CFG_NODES_MAX 4000000u    /* YAML nodes per file */
#define VS_CFG_DEPTH_MAX 32u	     /* nesting of sequences and mappings */

enum vs_cfg_node_kind {
	VS_CFG_NODE_SCALAR = 0,
	VS_CFG_NODE_SEQ,
	VS_CFG_NODE_MAP,
};

/*
 * A YAML node. Sequences chain their items through next; mappings chain
 * key, value, key, value... so n counts items (sequence) or pairs (mapping).
 */
struct vs_cfg_node {
	uint8_t kind;		   /* enum vs_cfg_node_kind */
	bool plain;		   /* scalar written without quotes */
	uint32_t n;		   /* seq: items, map: pairs */
	struct vs_cfg_pos pos;	   /* 1-based start of the node */
	uint32_t len;		   /* scalar: bytes (may hold a NUL from "\0") */
	char *str;		   /* scalar: NUL-terminated copy */
	struct vs_cfg_node *first; /* seq: first item, map: first key */
	struct vs_cfg_node *next;  /* next sibling */
};

struct vs_cfg_chunk;

struct vs_cfg_arena {
	struct vs_cfg_chunk *head;
	size_t used;  /* bytes used in head */
	size_t avail; /* bytes usable in head */
};

struct vs_cfg_ctx {
	const char *name; /* file name used in messages */
	const char *buf;  /* the input, for reader-error positions */
	size_t len;
	struct vs_cfg_error *err; /* never NULL inside the module */
	struct vs_cfg_arena arena;
	uint32_t n_nodes;
};

void *vs_cfg_arena_alloc(struct vs_cfg_arena *a, size_t size);
void vs_cfg_arena_free(struct vs_cfg_arena *a);

/* Record the first error: "NAME:LINE:COL: KEY: <fmt>". Returns -EINVAL. */
int vs_cfg_fail(struct vs_cfg_ctx *c, struct vs_cfg_pos pos, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Same with a chosen -errno (e.g. -ENOMEM). */
int vs_cfg_failv(struct vs_cfg_ctx *c, int rc, struct vs_cfg_pos pos, const char *key,
		 const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* Parse buf into a tree; *root is NULL for an empty stream or null document. */
int vs_cfg_yaml_parse(struct vs_cfg_ctx *c, struct vs_cfg_node **root);

/* Printable, quoted, truncated form of a scalar for messages. */
const char *vs_cfg_show(const struct vs_cfg_node *n, char *buf, size_t size);
/* Plain null: "", "~", "null", "Null", "NULL" written without quotes. */
bool vs_cfg_is_null(const struct vs_cfg_node *n);

/* ---- scalar parsers (cfg_value.c); no messages, just outcomes ---- */
enum vs_cfg_int_rc {
	VS_CFG_INT_OK = 0,
	VS_CFG_INT_SYNTAX,   /* not an integer at all */
	VS_CFG_INT_NEGATIVE, /* "-5" */
	VS_CFG_INT_OVERFLOW, /* beyond 64 bits */
	VS_CFG_INT_LEADING0, /* "012": octal or decimal? */
};

/* Decimal, 0x hex, 0o octal, optional leading '+'. */
enum vs_cfg_int_rc vs_cfg_parse_uint(const char *s, uint64_t *out);
/* Octal permission bits: "0660", "660", "0o660". */
int vs_cfg_parse_mode(const char *s, uint32_t *out);
/* true/false/yes/no/on/off in lower, Capitalised or UPPER case. */
int vs_cfg_parse_bool(const char *s, bool *out);
/* "52:54:00:aa:bb:cc" or with '-' separators, two hex digits per byte. */
int vs_cfg_parse_mac(const char *s, struct vs_cfg_mac *out);
/* "1.2.3.4", "10.0.0.0/8", "10.0.0.0/255.0.0.0", "2001:db8::/32".
 * Returns 0, or -EINVAL (syntax), -ERANGE (length), -EDOM (non-contiguous
 * mask), -ENOTUNIQ (host bits set). */
int vs_cfg_parse_prefix(const char *s, struct vs_cfg_prefix *out);

/* Levenshtein distance, capped at 64 characters per side. */
unsigned int vs_cfg_edit_distance(const char *a, const char *b);

/* Index of the first element that equals an earlier one (*first gets the
 * earlier index), or -1. Elements are size bytes at base + i * stride; with
 * skip_zero, all-zero elements (unset names) never count. -2: out of memory. */
long vs_cfg_find_dup(const void *base, size_t n, size_t stride, size_t size, bool skip_zero,
		     size_t *first);

#endif /* VS_CFG_INTERNAL_H */
