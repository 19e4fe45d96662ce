/* SPDX-License-Identifier: BSD-3-Clause */
/* Drop-reason names. */
#include "vs_drop.h"

static const char *const drop_names[VS_DROP_MAX] = {
#define VS_DROP_PARSE_STR_(name, str) [VS_DROP_PARSE_##name] = str,
    VS_PARSE_OUTCOMES(VS_DROP_PARSE_STR_)
#undef VS_DROP_PARSE_STR_
#define VS_DROP_STR_(name, str) [VS_DROP_##name] = str,
	VS_DROP_REASONS(VS_DROP_STR_)
#undef VS_DROP_STR_
};

const char *
vs_drop_reason_str(enum vs_drop_reason r)
{
	if (r == VS_DROP_NONE)
		return "none";
	if ((unsigned)r >= VS_DROP_MAX)
		return "unknown";
	return drop_names[r];
}
