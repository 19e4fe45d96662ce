/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One logging convention for every module. Each module registers one DPDK
 * log type (RTE_LOG_REGISTER_DEFAULT, "nfvswitch.MODULE", so that
 * --log-level=nfvswitch.vhost:debug works) and defines its macro on top of
 * VS_LOG:
 *
 *   #define VS_VHU_LOG(level, ...) VS_LOG(level, vs_vhost_logtype, "vhost", __VA_ARGS__)
 *
 * A message is one line without its '\n' (VS_LOG adds it) and without the
 * module prefix (VS_LOG adds "vhost: "). Control-thread code only: fast-path
 * files (*_dp.c) never log.
 */
#ifndef VS_LOG_H
#define VS_LOG_H

#include <rte_common.h>
#include <rte_log.h>

#define VS_LOG(level, type, prefix, ...)                                                           \
	rte_log(                                                                                   \
	    RTE_LOG_##level, (type),                                                               \
	    RTE_FMT(prefix ": " RTE_FMT_HEAD(__VA_ARGS__, ) "\n", RTE_FMT_TAIL(__VA_ARGS__, )))

#endif /* VS_LOG_H */
