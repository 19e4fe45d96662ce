/* SPDX-License-Identifier: BSD-3-Clause */
/* The pipeline's log type, `nfvswitch.pipeline` (control-thread code only). */
#ifndef VS_PIPELINE_LOG_H
#define VS_PIPELINE_LOG_H

#include <rte_log.h>

extern int vs_pipeline_logtype;

#define VS_PL_LOG(level, ...)                                                                      \
	rte_log(                                                                                   \
	    RTE_LOG_##level, vs_pipeline_logtype,                                                  \
	    RTE_FMT("pipeline: " RTE_FMT_HEAD(__VA_ARGS__, ) "\n", RTE_FMT_TAIL(__VA_ARGS__, )))

#endif /* VS_PIPELINE_LOG_H */
