/* SPDX-License-Identifier: BSD-3-Clause */
/* NUMA placement over a topology (vs_numa.h). */
#include <stdbool.h>

#include "vs_numa.h"

static int
add(int *out, int n, int socket)
{
	int i;

	if (socket < 0 || socket >= VS_NUMA_MAX_SOCKETS)
		return -1;
	for (i = 0; i < n; i++)
		if (out[i] == socket)
			return n;
	out[n] = socket;
	return n + 1;
}

int
vs_numa_pool_sockets(const int *worker_socket, uint16_t n_workers, const int *dev_socket,
		     uint16_t n_devs, int main_socket, int *out)
{
	int home = vs_numa_home(worker_socket, n_workers, main_socket < 0 ? 0 : main_socket);
	int n = 0;
	uint16_t i;

	for (i = 0; i < n_workers && n >= 0; i++)
		n = add(out, n, worker_socket[i] < 0 ? home : worker_socket[i]);
	if (n_workers == 0 && n >= 0)
		n = add(out, n, home);
	for (i = 0; i < n_devs && n >= 0; i++)
		n = add(out, n, vs_numa_port_socket(dev_socket[i], home));
	return n;
}
