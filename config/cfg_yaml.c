/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libyaml events -> node tree. Everything the schema walk must never see is
 * refused here: anchors and aliases (alias bombs), explicit tags and %TAG
 * directives, a second document, more than VS_CFG_NODES_MAX nodes and
 * nesting deeper than VS_CFG_DEPTH_MAX. libyaml's own syntax errors come back
 * with its problem mark as the position.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "cfg_internal.h"

/* ---- arena ---- */

struct vs_cfg_chunk {
	struct vs_cfg_chunk *next;
	uint64_t data[]; /* nodes and strings need no more than 8-byte alignment */
};

#define ARENA_CHUNK_SIZE ((size_t)64 * 1024)

void *
vs_cfg_arena_alloc(struct vs_cfg_arena *a, size_t size)
{
	const size_t align = sizeof(uint64_t);
	struct vs_cfg_chunk *ch;
	size_t want, cap;

	if (size > SIZE_MAX / 2)
		return NULL;
	want = (size + align - 1) & ~(align - 1);
	if (a->head != NULL && a->avail - a->used >= want) {
		void *p = (char *)a->head->data + a->used;

		a->used += want;
		return p;
	}
	cap = want > ARENA_CHUNK_SIZE ? want : ARENA_CHUNK_SIZE;
	ch = malloc(sizeof(*ch) + cap);
	if (ch == NULL)
		return NULL;
	if (want > ARENA_CHUNK_SIZE && a->head != NULL) {
		/* a big one-off: keep the current chunk as the bump target */
		ch->next = a->head->next;
		a->head->next = ch;
		return ch->data;
	}
	ch->next = a->head;
	a->head = ch;
	a->avail = cap;
	a->used = want;
	return ch->data;
}

void
vs_cfg_arena_free(struct vs_cfg_arena *a)
{
	struct vs_cfg_chunk *ch = a->head;

	while (ch != NULL) {
		struct vs_cfg_chunk *next = ch->next;

		free(ch);
		ch = next;
	}
	a->head = NULL;
	a->used = 0;
	a->avail = 0;
}

/* ---- errors ---- */

int
vs_cfg_failv(struct vs_cfg_ctx *c, int rc, struct vs_cfg_pos pos, const char *key, const char *fmt,
	     va_list ap)
{
	struct vs_cfg_error *e = c->err;
	int off;

	if (e->msg[0] != '\0')
		return rc; /* the first error wins */
	e->pos = pos;
	off = snprintf(e->msg, sizeof(e->msg), "%s:%u:%u: %s: ", c->name, pos.line, pos.column,
		       key != NULL && key[0] != '\0' ? key : "config");
	if (off < 0 || (size_t)off >= sizeof(e->msg))
		return rc;
	vsnprintf(e->msg + off, sizeof(e->msg) - (size_t)off, fmt, ap);
	return rc;
}

int
vs_cfg_fail(struct vs_cfg_ctx *c, struct vs_cfg_pos pos, const char *key, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vs_cfg_failv(c, -EINVAL, pos, key, fmt, ap);
	va_end(ap);
	return rc;
}

static int fail_rc(struct vs_cfg_ctx *c, int rc, struct vs_cfg_pos pos, const char *key,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
fail_rc(struct vs_cfg_ctx *c, int rc, struct vs_cfg_pos pos, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = vs_cfg_failv(c, rc, pos, key, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
vs_cfg_show(const struct vs_cfg_node *n, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (size < 8) {
		if (size > 0)
			buf[0] = '\0';
		return buf;
	}
	if (n == NULL || n->kind != VS_CFG_NODE_SCALAR) {
		snprintf(buf, size, "%s",
			 n == NULL		      ? "nothing"
			 : n->kind == VS_CFG_NODE_SEQ ? "a list"
						      : "a mapping");
		return buf;
	}
	buf[o++] = '"';
	for (i = 0; i < n->len; i++) {
		unsigned char ch = (unsigned char)n->str[i];

		if (o + 8 >= size) {
			/* do not leave half a UTF-8 sequence before the dots */
			while (o > 1 && ((unsigned char)buf[o - 1] & 0xc0) == 0x80)
				o--;
			if (o > 1 && (unsigned char)buf[o - 1] >= 0xc0)
				o--;
			buf[o++] = '.';
			buf[o++] = '.';
			buf[o++] = '.';
			break;
		}
		if (ch == '"' || ch == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[ch >> 4];
			buf[o++] = hex[ch & 15];
		} else {
			buf[o++] = (char)ch;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

bool
vs_cfg_is_null(const struct vs_cfg_node *n)
{
	if (n == NULL)
		return true;
	if (n->kind != VS_CFG_NODE_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	       strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

/* ---- events -> tree ---- */

static struct vs_cfg_pos
mark_pos(const yaml_mark_t *m)
{
	struct vs_cfg_pos p = {
	    .line = m->line >= UINT32_MAX ? UINT32_MAX : (uint32_t)m->line + 1,
	    .column = m->column >= UINT32_MAX ? UINT32_MAX : (uint32_t)m->column + 1,
	};
	return p;
}

/* Line and column of a byte offset (libyaml's reader errors carry only that). */
static struct vs_cfg_pos
offset_pos(const struct vs_cfg_ctx *c, size_t off)
{
	struct vs_cfg_pos p = {.line = 1, .column = 1};
	size_t i;

	for (i = 0; i < off && i < c->len; i++) {
		if (c->buf[i] == '\n') {
			p.line++;
			p.column = 1;
		} else if (((unsigned char)c->buf[i] & 0xc0) != 0x80) {
			p.column++;
		}
	}
	return p;
}

static int
syntax_error(struct vs_cfg_ctx *c, const yaml_parser_t *p)
{
	const char *problem = p->problem != NULL ? p->problem : "unknown error";
	struct vs_cfg_pos pos;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return fail_rc(c, -ENOMEM, (struct vs_cfg_pos){0, 0}, "yaml",
			       "out of memory; expected a smaller file");
	case YAML_READER_ERROR:
		pos = offset_pos(c, p->problem_offset);
		if (p->problem_value != -1)
			return vs_cfg_fail(c, pos, "yaml", "%s (byte 0x%02x); expected UTF-8 text",
					   problem, (unsigned int)p->problem_value & 0xffu);
		return vs_cfg_fail(c, pos, "yaml", "%s; expected UTF-8 text", problem);
	default:
		break;
	}
	pos = mark_pos(&p->problem_mark);
	if (p->context != NULL) {
		struct vs_cfg_pos cp = mark_pos(&p->context_mark);

		return vs_cfg_fail(c, pos, "yaml", "%s (%s at %u:%u); expected valid YAML", problem,
				   p->context, cp.line, cp.column);
	}
	return vs_cfg_fail(c, pos, "yaml", "%s; expected valid YAML", problem);
}

struct builder {
	struct vs_cfg_node *stack[VS_CFG_DEPTH_MAX];
	struct vs_cfg_node *last[VS_CFG_DEPTH_MAX]; /* last child of each open collection */
	uint32_t depth;
	struct vs_cfg_node *root;
	unsigned int docs;
};

static int
attach(struct vs_cfg_ctx *c, struct builder *b, struct vs_cfg_node *n)
{
	struct vs_cfg_node *parent;

	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	parent = b->stack[b->depth - 1];
	if (parent->first == NULL)
		parent->first = n;
	else
		b->last[b->depth - 1]->next = n;
	b->last[b->depth - 1] = n;
	parent->n++; /* halved for mappings when the mapping ends */
	return 0;
}

static int
new_node(struct vs_cfg_ctx *c, enum vs_cfg_node_kind kind, const yaml_mark_t *m,
	 struct vs_cfg_node **out)
{
	struct vs_cfg_node *n;

	if (c->n_nodes >= VS_CFG_NODES_MAX)
		return vs_cfg_fail(c, mark_pos(m), "yaml",
				   "more than %u nodes; expected a smaller file", VS_CFG_NODES_MAX);
	n = vs_cfg_arena_alloc(&c->arena, sizeof(*n));
	if (n == NULL)
		return fail_rc(c, -ENOMEM, mark_pos(m), "yaml",
			       "out of memory; expected a smaller file");
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->pos = mark_pos(m);
	c->n_nodes++;
	*out = n;
	return 0;
}

static int
check_props(struct vs_cfg_ctx *c, const yaml_event_t *ev, const yaml_char_t *anchor,
	    const yaml_char_t *tag)
{
	if (anchor != NULL)
		return vs_cfg_fail(c, mark_pos(&ev->start_mark), "yaml",
				   "anchor &%.64s; expected no anchors or aliases",
				   (const char *)anchor);
	if (tag != NULL)
		return vs_cfg_fail(c, mark_pos(&ev->start_mark), "yaml",
				   "tag %.64s; expected untagged values", (const char *)tag);
	return 0;
}

static int
on_event(struct vs_cfg_ctx *c, struct builder *b, const yaml_event_t *ev)
{
	struct vs_cfg_node *n = NULL;
	int rc;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->docs > 1)
			return vs_cfg_fail(c, mark_pos(&ev->start_mark), "yaml",
					   "a second document; expected one document per file");
		if (ev->data.document_start.tag_directives.start !=
		    ev->data.document_start.tag_directives.end)
			return vs_cfg_fail(c, mark_pos(&ev->start_mark), "yaml",
					   "a %%TAG directive; expected untagged values");
		return 0;
	case YAML_ALIAS_EVENT:
		return vs_cfg_fail(c, mark_pos(&ev->start_mark), "yaml",
				   "alias *%.64s; expected no anchors or aliases",
				   (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		rc = check_props(c, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
		if (rc < 0)
			return rc;
		rc = new_node(c, VS_CFG_NODE_SCALAR, &ev->start_mark, &n);
		if (rc < 0)
			return rc;
		n->len = (uint32_t)ev->data.scalar.length; /* input is capped far below 4 GiB */
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->str = vs_cfg_arena_alloc(&c->arena, n->len + 1);
		if (n->str == NULL)
			return fail_rc(c, -ENOMEM, n->pos, "yaml", "out of memory; expected less");
		if (n->len > 0)
			memcpy(n->str, ev->data.scalar.value, n->len);
		n->str[n->len] = '\0';
		return attach(c, b, n);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (ev->type == YAML_SEQUENCE_START_EVENT)
			rc = check_props(c, ev, ev->data.sequence_start.anchor,
					 ev->data.sequence_start.tag);
		else
			rc = check_props(c, ev, ev->data.mapping_start.anchor,
					 ev->data.mapping_start.tag);
		if (rc < 0)
			return rc;
		if (b->depth >= VS_CFG_DEPTH_MAX)
			return vs_cfg_fail(c, mark_pos(&ev->start_mark), "yaml",
					   "nesting deeper than %u levels; expected a flatter file",
					   VS_CFG_DEPTH_MAX);
		rc = new_node(
		    c, ev->type == YAML_SEQUENCE_START_EVENT ? VS_CFG_NODE_SEQ : VS_CFG_NODE_MAP,
		    &ev->start_mark, &n);
		if (rc < 0)
			return rc;
		rc = attach(c, b, n);
		if (rc < 0)
			return rc;
		b->last[b->depth] = NULL;
		b->stack[b->depth++] = n;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth == 0)
			return vs_cfg_fail(c, mark_pos(&ev->start_mark), "yaml",
					   "unbalanced collection end; expected valid YAML");
		n = b->stack[--b->depth];
		if (n->kind == VS_CFG_NODE_MAP)
			n->n /= 2;
		return 0;
	default:
		return 0;
	}
}

int
vs_cfg_yaml_parse(struct vs_cfg_ctx *c, struct vs_cfg_node **root)
{
	struct builder b;
	yaml_parser_t p;
	yaml_event_t ev;
	int rc = 0;
	bool done = false;

	memset(&b, 0, sizeof(b));
	*root = NULL;
	if (!yaml_parser_initialize(&p))
		return fail_rc(c, -ENOMEM, (struct vs_cfg_pos){0, 0}, "yaml",
			       "out of memory; expected a smaller file");
	yaml_parser_set_input_string(&p, (const unsigned char *)c->buf, c->len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = syntax_error(c, &p);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = on_event(c, &b, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc == 0)
		*root = b.root;
	return rc;
}
