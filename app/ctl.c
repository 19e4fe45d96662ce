/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket: a unix SOCK_STREAM listener served from the control
 * thread's loop (non-blocking accept), one JSON line in, one JSON line out per
 * connection; and the client half nfvswitch-ctl and the tests use.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>

#include "vs_ctl.h"
#include "vs_ctl_client.h"

RTE_LOG_REGISTER_DEFAULT(vs_ctl_logtype, NOTICE);

struct vs_ctl {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	vs_ctl_handler_fn fn;
	void *arg;
};

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

/* mkdir -p of path's directory (0755 for what we create). */
static int
mkdir_parent(const char *path)
{
	char dir[PATH_MAX];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

struct vs_ctl *
vs_ctl_open(const char *path, unsigned perm, vs_ctl_handler_fn fn, void *arg)
{
	struct sockaddr_un sa;
	struct vs_ctl *ctl;
	mode_t old_mask;
	int rc, probe;

	rc = sun_fill(&sa, path);
	if (rc < 0 || fn == NULL) {
		errno = rc < 0 ? -rc : EINVAL;
		return NULL;
	}
	rc = mkdir_parent(path);
	if (rc < 0) {
		VS_CTL_LOG(ERR, "cannot create the directory of %s: %s\n", path, strerror(-rc));
		errno = -rc;
		return NULL;
	}
	/* A socket file left by a daemon that died is replaced; a live one is not. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0) {
		if (connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			VS_CTL_LOG(ERR, "%s: another nfvswitch serves this socket\n", path);
			errno = EADDRINUSE;
			return NULL;
		}
		close(probe);
	}
	unlink(path);
	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL)
		return NULL;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	ctl->fn = fn;
	ctl->arg = arg;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0)
		goto fail;
	/* Never exist with a looser mode than asked, not even briefly. */
	old_mask = umask(0177);
	rc = bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc < 0)
		goto fail;
	if (chmod(path, perm & 0777) < 0 || listen(ctl->fd, 16) < 0) {
		rc = errno;
		unlink(path);
		errno = rc;
		goto fail;
	}
	VS_CTL_LOG(INFO, "control socket %s (mode %04o)\n", path, perm & 0777);
	return ctl;
fail:
	rc = errno;
	VS_CTL_LOG(ERR, "cannot listen on %s: %s\n", path, strerror(rc));
	if (ctl->fd >= 0)
		close(ctl->fd);
	free(ctl);
	errno = rc;
	return NULL;
}

int
vs_ctl_fd(const struct vs_ctl *ctl)
{
	return ctl ? ctl->fd : -1;
}

static json_t *
error_reply(const char *what, const char *detail)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s%s", what, detail);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static void
serve_one(struct vs_ctl *ctl, int fd)
{
	json_error_t jerr;
	json_t *req = NULL, *reply;
	char *line, *out;

	line = vs_ctl_read_line(fd, VS_CTL_IO_TIMEOUT_MS, VS_CTL_MAX_REQUEST);
	if (line == NULL) {
		VS_CTL_LOG(WARNING, "request not read: %s\n", strerror(errno));
		return;
	}
	req = json_loads(line, JSON_DISABLE_EOF_CHECK, &jerr);
	if (req == NULL || !json_is_object(req))
		reply = error_reply("request is not a JSON object: ",
				    req == NULL ? jerr.text : "not an object");
	else
		reply = ctl->fn(ctl->arg, req);
	if (reply == NULL)
		reply = error_reply("out of memory", "");
	out = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
	if (out != NULL) {
		size_t n = strlen(out);

		if (vs_ctl_write_all(fd, out, n, VS_CTL_IO_TIMEOUT_MS) == 0)
			vs_ctl_write_all(fd, "\n", 1, VS_CTL_IO_TIMEOUT_MS);
		free(out);
	}
	json_decref(reply);
	json_decref(req);
	free(line);
}

int
vs_ctl_serve(struct vs_ctl *ctl)
{
	int served = 0;

	if (ctl == NULL)
		return 0;
	/* A bounded number per call: the loop has other work. */
	while (served < 16) {
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			break;
		serve_one(ctl, fd);
		close(fd);
		served++;
	}
	return served;
}

void
vs_ctl_close(struct vs_ctl *ctl)
{
	if (ctl == NULL)
		return;
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}
