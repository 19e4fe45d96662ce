/* SPDX-License-Identifier: BSD-3-Clause */
/* Drop-reason and worker stage names. */
#include "vs_drop.h"
#include "vs_worker.h"

static const char *const drop_names[VS_DROP_MAX] = {
#define VS_DROP_PARSE_STR_(name, str, help) [VS_DROP_PARSE_##name] = str,
    VS_PARSE_OUTCOMES(VS_DROP_PARSE_STR_)
#undef VS_DROP_PARSE_STR_
#define VS_DROP_STR_(name, str, help) [VS_DROP_##name] = str,
	VS_DROP_REASONS(VS_DROP_STR_)
#undef VS_DROP_STR_
};

static const char *const drop_help[VS_DROP_MAX] = {
#define VS_DROP_PARSE_HELP_(name, str, help) [VS_DROP_PARSE_##name] = help,
    VS_PARSE_OUTCOMES(VS_DROP_PARSE_HELP_)
#undef VS_DROP_PARSE_HELP_
#define VS_DROP_HELP_(name, str, help) [VS_DROP_##name] = help,
	VS_DROP_REASONS(VS_DROP_HELP_)
#undef VS_DROP_HELP_
};

const char *
vs_drop_reason_help(enum vs_drop_reason r)
{
	if (r == VS_DROP_NONE || (unsigned)r >= VS_DROP_MAX)
		return "";
	return drop_help[r];
}

const char *
vs_drop_reason_str(enum vs_drop_reason r)
{
	if (r == VS_DROP_NONE)
		return "none";
	if ((unsigned)r >= VS_DROP_MAX)
		return "unknown";
	return drop_names[r];
}

static const char *const stage_names[VS_STAGE_MAX] = {
#define VS_STAGE_STR_(name, str) [VS_STAGE_##name] = str,
    VS_STAGES(VS_STAGE_STR_)
#undef VS_STAGE_STR_
};

const char *
vs_stage_str(enum vs_stage s)
{
	if ((unsigned)s >= VS_STAGE_MAX)
		return "unknown";
	return stage_names[s];
}
