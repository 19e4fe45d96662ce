/* SPDX-License-Identifier: BSD-3-Clause */
/* The pipeline's log type, `nfvswitch.pipeline` (control-thread code only). */
#ifndef VS_PIPELINE_LOG_H
#define VS_PIPELINE_LOG_H

#include "vs_log.h"

extern int vs_pipeline_logtype;

#define VS_PL_LOG(level, ...) VS_LOG(level, vs_pipeline_logtype, "pipeline", __VA_ARGS__)

#endif /* VS_PIPELINE_LOG_H */
