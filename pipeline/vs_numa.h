/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NUMA placement, as pure functions over a topology (which socket each worker
 * lcore and each device is on), so it can be tested without the hardware:
 * which sockets get an mbuf pool, and which pool a port or a worker uses.
 *
 * The rule: one pool per socket in use (each worker's socket, and each
 * device's known socket, since a NIC's rx descriptors are best filled from
 * its own node). A port uses the pool of its device's socket; a device whose
 * socket is unknown (vdevs, a vhost port before its guest says where its
 * memory is) uses the home socket: that of the first worker (the main
 * lcore's socket when there is no worker). A worker uses its own socket's
 * pool for the copies it makes. Control thread only.
 */
#ifndef VS_NUMA_H
#define VS_NUMA_H

#include <stdint.h>

#define VS_NUMA_MAX_SOCKETS 8 /* RTE_MAX_NUMA_NODES of the usual build */

/* The socket a port on a device of dev_socket (< 0: unknown) takes its mbufs
 * from, given the home socket. */
static inline int
vs_numa_port_socket(int dev_socket, int home_socket)
{
	return dev_socket >= 0 ? dev_socket : home_socket;
}

/* The home socket: the first worker's, else main_socket. */
static inline int
vs_numa_home(const int *worker_socket, uint16_t n_workers, int main_socket)
{
	return n_workers > 0 && worker_socket[0] >= 0 ? worker_socket[0] : main_socket;
}

/*
 * The sockets that need a pool, in first-use order (workers first, then
 * devices), each once; unknown device sockets count as the home socket.
 * Returns how many were written to out (at most VS_NUMA_MAX_SOCKETS), or -1
 * when a socket is >= VS_NUMA_MAX_SOCKETS.
 */
int vs_numa_pool_sockets(const int *worker_socket, uint16_t n_workers, const int *dev_socket,
			 uint16_t n_devs, int main_socket, int *out);

#endif /* VS_NUMA_H */
