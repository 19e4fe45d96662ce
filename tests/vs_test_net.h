/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A free TCP port for a test's listener (the switch's OpenFlow listener,
 * its metrics listener, a controller): the kernel picks one for a bind to
 * port 0 on 127.0.0.1, which is then closed and handed to the listener.
 * A port derived from the pid can be one an outgoing connection already
 * holds (the ephemeral range overlaps it) and fail with EADDRINUSE; a port
 * the kernel just handed out is free and outside TIME_WAIT (it never
 * connected), so only another bind in the next milliseconds can take it.
 */
#ifndef VS_TEST_NET_H
#define VS_TEST_NET_H

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static inline unsigned
vs_test_free_tcp_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		perror("vs_test_free_tcp_port");
		abort();
	}
	close(fd);
	return ntohs(sa.sin_port);
}

#endif
