/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow-key extraction, fast path: bursts only, no logging, no allocation. */
#ifndef VS_FLOW_DP_H
#define VS_FLOW_DP_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "vs_flow_key.h"

/* IPv6 extension headers walked before giving up with VS_PARSE_IPV6_EXTHDR. */
#define VS_FLOW_IPV6_MAX_EXTHDRS 8

/*
 * Extract the flow key of each of the n packets (n <= 64) received on switch
 * port in_port. keys[i] is fully written (zeroed where absent) and
 * outcome[i] receives an enum vs_parse_outcome. Works on multi-segment mbufs
 * (headers split across segments are gathered). Never reads beyond
 * rte_pktmbuf_pkt_len(). Returns a bit mask of the packets whose outcome is
 * not VS_PARSE_OK (bit i for packet i).
 */
uint64_t vs_flow_extract_burst(struct rte_mbuf *const *pkts, uint16_t n, uint16_t in_port,
			       struct vs_flow_key *keys, uint8_t *outcome);

/*
 * The checks of vs_flow_extract_burst without the keys, for packets whose
 * verdict does not depend on their headers (a port whose one rule holds
 * for every packet): the same outcomes and the same returned mask, at the
 * cost of reading the headers only.
 */
uint64_t vs_flow_check_burst(struct rte_mbuf *const *pkts, uint16_t n, uint8_t *outcome);

#endif /* VS_FLOW_DP_H */
