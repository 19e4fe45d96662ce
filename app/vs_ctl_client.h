/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client half of the control socket and its line I/O; no DPDK, so
 * nfvswitch-ctl does not link it. See vs_ctl.h for the protocol.
 */
#ifndef VS_CTL_CLIENT_H
#define VS_CTL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#define VS_CTL_DEFAULT_SOCKET "/run/nfvswitch/ctl.sock"
#define VS_CTL_MAX_REQUEST    16777216 /* bytes of one request line (a rule batch) */

/*
 * Send req to the daemon listening on path and wait for its reply, all of
 * it (connect included: a full backlog is retried) within timeout_ms. NULL
 * and errno (ENOENT: no socket there, ECONNREFUSED: nothing listens, EACCES:
 * not allowed, ETIMEDOUT, EPROTO: not a JSON reply).
 */
json_t *vs_ctl_request(const char *path, const json_t *req, int timeout_ms);

/*
 * The same with a raw payload of len bytes after the request line: the line
 * carries "payload": len, the daemon hands the bytes to the command as the
 * request's "payload" string, unescaped (a rule batch of megabytes costs no
 * JSON string escaping either way). len <= VS_CTL_MAX_REQUEST.
 */
json_t *vs_ctl_request_payload(const char *path, const json_t *req, const char *payload, size_t len,
			       int timeout_ms);

/* Read one line (up to '\n' or EOF, at most max bytes) into a malloc'd
 * string within timeout_ms. NULL and errno (ETIMEDOUT, EMSGSIZE, ...). */
char *vs_ctl_read_line(int fd, int timeout_ms, size_t max);

/* Write len bytes within timeout_ms. 0 or -errno. */
int vs_ctl_write_all(int fd, const char *p, size_t len, int timeout_ms);

#endif /* VS_CTL_CLIENT_H */
