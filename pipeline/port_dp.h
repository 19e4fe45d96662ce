/* SPDX-License-Identifier: BSD-3-Clause */
/* Port fast-path helpers shared by the port types. */
#ifndef VS_PORT_DP_H
#define VS_PORT_DP_H

#include "vs_port.h"

/* tx through tx_raw under the queue's lock when the queue is shared. */
uint16_t vs_port_tx_locked(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts,
			   uint16_t n);

/* ethdev rx/tx. */
uint16_t vs_port_ethdev_rx(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts,
			   uint16_t n);
uint16_t vs_port_ethdev_tx(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts,
			   uint16_t n);

#endif /* VS_PORT_DP_H */
