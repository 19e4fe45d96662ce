/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow key, control side: outcome names and a text form of keys. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "vs_flow_key.h"

static const char *const outcome_names[VS_PARSE_MAX] = {
#define VS_PARSE_NAME_(name, str, help) [VS_PARSE_##name] = str,
    VS_PARSE_OUTCOMES(VS_PARSE_NAME_)
#undef VS_PARSE_NAME_
};

const char *
vs_parse_outcome_str(enum vs_parse_outcome o)
{
	if ((unsigned int)o >= VS_PARSE_MAX)
		return "unknown";
	return outcome_names[o];
}

struct key_buf {
	char *p;
	size_t left;
	int truncated;
};

static void __attribute__((format(printf, 2, 3))) kb_add(struct key_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (b->truncated)
		return;
	va_start(ap, fmt);
	r = vsnprintf(b->p, b->left, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= b->left) {
		b->truncated = 1;
		return;
	}
	b->p += r;
	b->left -= (size_t)r;
}

static const char *const frag_names[] = {"none", "first", "later"};

int
vs_flow_key_format(const struct vs_flow_key *k, char *buf, size_t size)
{
	struct key_buf b = {.p = buf, .left = size};
	char a[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	const uint8_t *d = k ? k->eth_dst : NULL, *s = k ? k->eth_src : NULL;
	int af;

	if (k == NULL || buf == NULL || size == 0)
		return -EINVAL;
	buf[0] = '\0';
	kb_add(&b, "in_port=%u", k->in_port);
	if (k->vlan_tci & VS_VLAN_PRESENT)
		kb_add(&b, " vlan=%u,pcp=%u", k->vlan_tci & VS_VLAN_VID_MASK,
		       k->vlan_tci >> VS_VLAN_PCP_SHIFT);
	kb_add(&b,
	       " eth_dst=%02x:%02x:%02x:%02x:%02x:%02x eth_src=%02x:%02x:%02x:%02x:%02x:%02x"
	       " eth_type=0x%04x",
	       d[0], d[1], d[2], d[3], d[4], d[5], s[0], s[1], s[2], s[3], s[4], s[5], k->eth_type);
	if (k->eth_type == 0x0800)
		af = AF_INET;
	else if (k->eth_type == 0x86dd)
		af = AF_INET6;
	else
		af = 0;
	if (af != 0) {
		inet_ntop(af, k->ip_src, a, sizeof(a));
		inet_ntop(af, k->ip_dst, c, sizeof(c));
		kb_add(&b, " ip_src=%s ip_dst=%s ip_proto=%u ip_dscp=%u", a, c, k->ip_proto,
		       k->ip_dscp);
		if (k->ip_frag != VS_FRAG_NONE)
			kb_add(&b, " ip_frag=%s",
			       k->ip_frag < 3 ? frag_names[k->ip_frag] : "invalid");
		if (k->l4_src != 0 || k->l4_dst != 0)
			kb_add(&b, " l4_src=%u l4_dst=%u", k->l4_src, k->l4_dst);
	}
	if (k->tun_id[0] | k->tun_id[1] | k->tun_id[2] | k->tun_src[0] | k->tun_src[1] |
	    k->tun_src[2] | k->tun_src[3])
		kb_add(&b, " tun_id=%u tun_src=%u.%u.%u.%u",
		       (unsigned)k->tun_id[0] << 16 | (unsigned)k->tun_id[1] << 8 | k->tun_id[2],
		       k->tun_src[0], k->tun_src[1], k->tun_src[2], k->tun_src[3]);
	return b.truncated ? -ENOSPC : 0;
}
