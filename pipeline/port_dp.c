/* SPDX-License-Identifier: BSD-3-Clause */
/* Port fast path: the rx/tx functions chosen when a port is created. */
#include <rte_ethdev.h>
#include <rte_spinlock.h>

#include "port_dp.h"

uint16_t
vs_port_tx_locked(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent;

	if (!port->txq_shared[queue])
		return port->tx_raw(port, queue, pkts, n);
	rte_spinlock_lock(&port->tx_lock[queue]); /* lint: allow: shared tx queue only */
	sent = port->tx_raw(port, queue, pkts, n);
	rte_spinlock_unlock(&port->tx_lock[queue]);
	return sent;
}

uint16_t
vs_port_ethdev_rx(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(port->dev_id, queue, pkts, n);
}

uint16_t
vs_port_ethdev_tx(struct vs_port *port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(port->dev_id, queue, pkts, n);
}
