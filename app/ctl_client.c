/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's client half and line I/O (no DPDK): nfvswitch-ctl,
 * the tests and the daemon's server side (app/ctl.c) share it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vs_ctl_client.h"

static int
sun_fill(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

char *
vs_ctl_read_line(int fd, int timeout_ms, size_t max)
{
	double deadline = mono_ms() + timeout_ms;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (buf == NULL)
		return NULL;
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		double left = deadline - mono_ms();
		ssize_t n;

		if (left <= 0) {
			errno = ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, (int)left + 1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (len + 1 >= cap) {
			char *nb;

			if (cap >= max) {
				errno = EMSGSIZE;
				break;
			}
			nb = realloc(buf, cap * 2);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if (n == 0 || memchr(buf + len - (size_t)n, '\n', (size_t)n) != NULL)
			return buf;
	}
	free(buf);
	return NULL;
}

int
vs_ctl_write_all(int fd, const char *p, size_t len, int timeout_ms)
{
	double deadline = mono_ms() + timeout_ms;

	while (len > 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		double left = deadline - mono_ms();
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left + 1) < 0 && errno != EINTR)
			return -errno;
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- client -------------------------------------------------------------------- */

/* Connect without blocking past deadline (ms): a listener whose backlog is
 * full answers EAGAIN at once, so try again until the deadline. 0 or -errno. */
static int
connect_until(int fd, const struct sockaddr_un *sa, double deadline)
{
	unsigned pause_us = 1000;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		socklen_t sl = sizeof(int);
		double left;
		int err = 0;

		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		left = deadline - mono_ms();
		if (errno == EAGAIN) {
			if (left <= 0)
				return -ETIMEDOUT;
			usleep(left * 1000 < pause_us ? (unsigned)(left * 1000) + 1 : pause_us);
			if (pause_us < 50000)
				pause_us *= 2;
			continue;
		}
		if (errno != EINPROGRESS)
			return -errno;
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left + 1) == 0)
			return -ETIMEDOUT;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
			return -errno;
		return err ? -err : 0;
	}
}

json_t *
vs_ctl_request(const char *path, const json_t *req, int timeout_ms)
{
	return vs_ctl_request_payload(path, req, NULL, 0, timeout_ms);
}

json_t *
vs_ctl_request_payload(const char *path, const json_t *req, const char *payload, size_t len,
		       int timeout_ms)
{
	double deadline = mono_ms() + timeout_ms;
	struct sockaddr_un sa;
	json_error_t jerr;
	json_t *reply;
	char *out, *line;
	int fd, rc, left;

	rc = sun_fill(&sa, path);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	/* timeout_ms covers it all: connect, request and reply. */
	rc = connect_until(fd, &sa, deadline);
	if (rc < 0) {
		close(fd);
		errno = -rc;
		return NULL;
	}
	if (payload != NULL) {
		json_t *r = json_deep_copy(req);

		if (r == NULL ||
		    json_object_set_new(r, "payload", json_integer((json_int_t)len)) < 0)
			out = NULL;
		else
			out = json_dumps(r, JSON_COMPACT);
		json_decref(r);
	} else {
		out = json_dumps(req, JSON_COMPACT);
	}
	if (out == NULL) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	left = (int)(deadline - mono_ms());
	rc = left > 0 ? vs_ctl_write_all(fd, out, strlen(out), left) : -ETIMEDOUT;
	left = (int)(deadline - mono_ms());
	if (rc == 0)
		rc = left > 0 ? vs_ctl_write_all(fd, "\n", 1, left) : -ETIMEDOUT;
	left = (int)(deadline - mono_ms());
	if (rc == 0 && payload != NULL)
		rc = left > 0 ? vs_ctl_write_all(fd, payload, len, left) : -ETIMEDOUT;
	free(out);
	if (rc < 0) {
		close(fd);
		errno = -rc;
		return NULL;
	}
	left = (int)(deadline - mono_ms());
	if (left <= 0) {
		close(fd);
		errno = ETIMEDOUT;
		return NULL;
	}
	line = vs_ctl_read_line(fd, left, (size_t)64 << 20);
	rc = errno;
	close(fd);
	if (line == NULL) {
		errno = rc;
		return NULL;
	}
	reply = json_loads(line, JSON_DISABLE_EOF_CHECK, &jerr);
	free(line);
	if (reply == NULL || !json_is_object(reply)) {
		json_decref(reply);
		errno = EPROTO;
		return NULL;
	}
	return reply;
}
