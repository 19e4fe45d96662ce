/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket: a unix SOCK_STREAM listener, one JSON line in, one JSON
 * line out per connection. Socket I/O on a thread of its own, the handler on
 * the control thread (see below).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>

#include "vs_ctl.h"
#include "vs_ctl_client.h"

RTE_LOG_REGISTER_DEFAULT(vs_ctl_logtype, NOTICE);

/*
 * Threads: an I/O thread of its own does every socket operation without
 * blocking (accept, read the request line, write the reply), a state
 * machine per client with a deadline for each step; it queues complete
 * requests and wakes the control loop through an eventfd (vs_ctl_fd). The
 * handler runs on the control thread only (vs_ctl_serve), since it is not
 * thread-safe; its reply goes back to the I/O thread. A request the control
 * thread has not taken within VS_CTL_BUSY_MS (a long reload) is answered
 * "busy" by the I/O thread. So no client, idle, slow or numerous, ever holds
 * the control thread, and long work never leaves the others unanswered.
 */
enum conn_state {
	CONN_FREE = 0,
	CONN_READ,  /* reading the request line, until deadline */
	CONN_WAIT,  /* its request is with the control thread */
	CONN_WRITE, /* writing the reply from buf + off, until deadline */
};

/* A complete request on its way to the control thread and back. */
struct ctl_job {
	struct ctl_job *next;
	unsigned slot;
	uint64_t gen;
	char *text; /* the request line, then the reply (with its '\n') */
	size_t len;
	size_t line_len; /* the request line's length; a raw payload follows its '\n' */
};

struct ctl_conn { /* I/O thread only */
	int fd;
	enum conn_state st;
	uint64_t gen;
	char *buf;
	size_t len, cap, off;
	double deadline;     /* ms, CLOCK_MONOTONIC; 0: none */
	struct ctl_job *job; /* CONN_WAIT: the job, while it may still be queued */
	size_t line_len;     /* the request line's, once read */
	size_t need;	     /* bytes of line + '\n' + payload; 0: line not read yet */
};

struct vs_ctl {
	int fd;	      /* listening */
	int ready_fd; /* eventfd: requests wait for the control thread (vs_ctl_fd) */
	int wake_fd;  /* eventfd: replies wait for the I/O thread, or stop */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	vs_ctl_handler_fn fn;
	void *arg;
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock;
	struct ctl_job *req_head, *req_tail; /* guarded by lock: for the control thread */
	struct ctl_job *done;		     /* guarded by lock: replies for the I/O thread */
	bool stop;			     /* guarded by lock */

	/* I/O thread only */
	struct ctl_conn conn[VS_CTL_MAX_CLIENTS];
	unsigned n_conns;
	uint64_t next_gen;
	double accept_pause; /* ms: out of fds, accept again after this */
	double t_full_log;
};

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
efd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		VS_CTL_LOG(DEBUG, "eventfd: %s", strerror(errno));
}

static void
efd_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		VS_CTL_LOG(DEBUG, "eventfd: %s", strerror(errno));
}

static void
job_free(struct ctl_job *j)
{
	if (j == NULL)
		return;
	free(j->text);
	free(j);
}

/* ---- I/O thread ------------------------------------------------------------------- */

static void
conn_close(struct vs_ctl *ctl, struct ctl_conn *c)
{
	close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	ctl->n_conns--;
}

/* Answer c with text (one line, copied) and close it once written. */
static void
conn_reply(struct ctl_conn *c, const char *text, double now)
{
	size_t n = strlen(text);
	char *b = malloc(n + 1);

	free(c->buf);
	c->buf = b;
	c->len = b != NULL ? n : 0;
	if (b != NULL)
		memcpy(b, text, n + 1);
	c->cap = c->len;
	c->off = 0;
	c->st = CONN_WRITE;
	c->deadline = now + VS_CTL_REPLY_TIMEOUT_MS;
}

static void
conn_accept(struct vs_ctl *ctl, double now)
{
	while (ctl->n_conns < VS_CTL_MAX_CLIENTS) {
		struct ctl_conn *c = NULL;
		unsigned i;
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Leave them in the backlog a while rather than spin. */
				ctl->accept_pause = now + 100;
				if (now - ctl->t_full_log > 10000) {
					VS_CTL_LOG(WARNING, "control socket: accept: %s",
						   strerror(errno));
					ctl->t_full_log = now;
				}
			}
			return;
		}
		for (i = 0; i < VS_CTL_MAX_CLIENTS && c == NULL; i++)
			if (ctl->conn[i].st == CONN_FREE)
				c = &ctl->conn[i];
		c->fd = fd;
		c->st = CONN_READ;
		c->gen = ++ctl->next_gen;
		c->deadline = now + VS_CTL_REQUEST_TIMEOUT_MS;
		ctl->n_conns++;
	}
	if (now - ctl->t_full_log > 10000) {
		VS_CTL_LOG(NOTICE,
			   "control socket: %u clients connected (the cap); the next wait in "
			   "the backlog",
			   VS_CTL_MAX_CLIENTS);
		ctl->t_full_log = now;
	}
}

/* The raw payload a request line announces ("payload": BYTES): its size, 0
 * when none, -1 when the line says so wrongly. Lines without the key are not
 * parsed here. */
static long long
line_payload(const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req, *p;
	long long n = 0;

	if (memmem(line, len, "\"payload\"", 9) == NULL)
		return 0;
	req = json_loadb(line, len, 0, &jerr);
	p = req ? json_object_get(req, "payload") : NULL;
	if (p != NULL) {
		n = json_is_integer(p) && json_integer_value(p) >= 0 ? json_integer_value(p) : -1;
	}
	json_decref(req);
	return n;
}

/* Queue c's complete request (buf[0..n)) for the control thread. */
static void
conn_queue(struct vs_ctl *ctl, struct ctl_conn *c, size_t n, double now)
{
	struct ctl_job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		conn_reply(c, "{\"ok\":false,\"error\":\"out of memory\"}\n", now);
		return;
	}
	c->buf[n] = '\0';
	j->text = c->buf;
	j->len = n;
	j->line_len = c->need ? c->line_len : n;
	j->slot = (unsigned)(c - ctl->conn);
	j->gen = c->gen;
	c->buf = NULL;
	c->len = c->cap = 0;
	c->need = c->line_len = 0;
	c->st = CONN_WAIT;
	c->job = j;
	c->deadline = now + VS_CTL_BUSY_MS;
	pthread_mutex_lock(&ctl->lock);
	if (ctl->req_tail != NULL)
		ctl->req_tail->next = j;
	else
		ctl->req_head = j;
	ctl->req_tail = j;
	pthread_mutex_unlock(&ctl->lock);
	efd_signal(ctl->ready_fd);
}

static void
conn_read(struct vs_ctl *ctl, struct ctl_conn *c, double now)
{
	for (;;) {
		char *nl;
		ssize_t n;

		if (c->cap - c->len < 1024 || (c->need && c->cap < c->need + 1)) {
			size_t cap = c->cap ? c->cap * 2 : 4096;
			char *b;

			if (c->need && cap < c->need + 1)
				cap = c->need + 1;

			if (cap > VS_CTL_MAX_REQUEST + 1)
				cap = VS_CTL_MAX_REQUEST + 1;
			if (c->len + 1 >= cap) {
				VS_CTL_LOG(DEBUG, "control client: request over %u bytes",
					   VS_CTL_MAX_REQUEST);
				conn_reply(c,
					   "{\"ok\":false,\"error\":\"request too large: expected "
					   "one JSON line of at most " RTE_STR(
					       VS_CTL_MAX_REQUEST) " bytes\"}\n",
					   now);
				return;
			}
			b = realloc(c->buf, cap);
			if (b == NULL) {
				conn_close(ctl, c);
				return;
			}
			c->buf = b;
			c->cap = cap;
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_close(ctl, c);
			return;
		}
		if (n == 0) { /* EOF: what came is the request, if anything */
			if (c->len == 0 || c->need != 0) /* nothing, or a payload cut short */
				conn_close(ctl, c);
			else
				conn_queue(ctl, c, c->len, now);
			return;
		}
		if (c->need != 0) { /* the payload */
			c->len += (size_t)n;
			if (c->len >= c->need) {
				conn_queue(ctl, c, c->need, now);
				return;
			}
			continue;
		}
		nl = memchr(c->buf + c->len, '\n', (size_t)n);
		c->len += (size_t)n;
		if (nl != NULL) {
			size_t l = (size_t)(nl - c->buf);
			long long p = line_payload(c->buf, l);

			if (p < 0 || l + 1 + (size_t)p > VS_CTL_MAX_REQUEST) {
				conn_reply(c,
					   "{\"ok\":false,\"error\":\"bad payload: expected "
					   "\\\"payload\\\": BYTES, at most " RTE_STR(
					       VS_CTL_MAX_REQUEST) " with the line\"}\n",
					   now);
				return;
			}
			if (p == 0) {
				conn_queue(ctl, c, l, now);
				return;
			}
			c->line_len = l;
			c->need = l + 1 + (size_t)p;
			if (c->len >= c->need) {
				conn_queue(ctl, c, c->need, now);
				return;
			}
		}
	}
}

static void
conn_write(struct vs_ctl *ctl, struct ctl_conn *c)
{
	while (c->off < c->len) {
		ssize_t n =
		    send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_close(ctl, c);
			return;
		}
		c->off += (size_t)n;
	}
	conn_close(ctl, c);
}

/* Replies from the control thread go to their clients (if still there). */
static void
take_replies(struct vs_ctl *ctl, double now)
{
	struct ctl_job *j, *next;

	pthread_mutex_lock(&ctl->lock);
	j = ctl->done;
	ctl->done = NULL;
	pthread_mutex_unlock(&ctl->lock);
	for (; j != NULL; j = next) {
		struct ctl_conn *c = &ctl->conn[j->slot];

		next = j->next;
		if (c->st == CONN_WAIT && c->gen == j->gen) {
			free(c->buf);
			c->buf = j->text;
			c->len = c->cap = j->len;
			c->off = 0;
			c->job = NULL;
			c->st = CONN_WRITE;
			c->deadline = now + VS_CTL_REPLY_TIMEOUT_MS;
			j->text = NULL;
		}
		job_free(j);
	}
}

/* c's request has waited VS_CTL_BUSY_MS: still queued, it is taken back and
 * answered "busy"; already with the handler, its reply is awaited. */
static void
conn_busy(struct vs_ctl *ctl, struct ctl_conn *c, double now)
{
	struct ctl_job **pp, *prev = NULL;
	bool found = false;

	pthread_mutex_lock(&ctl->lock);
	for (pp = &ctl->req_head; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
		if (*pp != c->job)
			continue;
		*pp = c->job->next;
		if (ctl->req_tail == c->job)
			ctl->req_tail = prev;
		found = true;
		break;
	}
	pthread_mutex_unlock(&ctl->lock);
	c->deadline = 0;
	if (!found)
		return;
	job_free(c->job);
	c->job = NULL;
	VS_CTL_LOG(DEBUG, "control client: busy reply");
	conn_reply(c,
		   "{\"ok\":false,\"error\":\"busy: the control thread is on a long command "
		   "(a reload?) and did not take this request within " RTE_STR(
		       VS_CTL_BUSY_MS) " ms; retry\"}\n",
		   now);
}

static void *
io_main(void *arg)
{
	struct vs_ctl *ctl = arg;
	struct pollfd pfd[VS_CTL_MAX_CLIENTS + 2];
	unsigned map[VS_CTL_MAX_CLIENTS + 2];

	for (;;) {
		double now = mono_ms(), next = now + 1000;
		unsigned i, n = 0;
		bool stop;
		int rc;

		pthread_mutex_lock(&ctl->lock);
		stop = ctl->stop;
		pthread_mutex_unlock(&ctl->lock);
		if (stop)
			break;
		take_replies(ctl, now);
		/* Deadlines first: what has run out is closed or answered. */
		for (i = 0; i < VS_CTL_MAX_CLIENTS; i++) {
			struct ctl_conn *c = &ctl->conn[i];

			if (c->st == CONN_FREE || c->deadline == 0 || c->deadline > now)
				continue;
			if (c->st == CONN_READ)
				conn_reply(
				    c,
				    "{\"ok\":false,\"error\":\"timeout: no complete request "
				    "line within " RTE_STR(VS_CTL_REQUEST_TIMEOUT_MS) " ms\"}\n",
				    now);
			else if (c->st == CONN_WAIT)
				conn_busy(ctl, c, now);
			else
				conn_close(ctl, c);
		}
		pfd[n] = (struct pollfd){.fd = ctl->wake_fd, .events = POLLIN};
		map[n++] = UINT_MAX;
		if (ctl->n_conns < VS_CTL_MAX_CLIENTS && now >= ctl->accept_pause) {
			pfd[n] = (struct pollfd){.fd = ctl->fd, .events = POLLIN};
			map[n++] = UINT_MAX - 1;
		} else if (now < ctl->accept_pause && ctl->accept_pause < next) {
			next = ctl->accept_pause;
		}
		for (i = 0; i < VS_CTL_MAX_CLIENTS; i++) {
			struct ctl_conn *c = &ctl->conn[i];

			if (c->st == CONN_FREE)
				continue;
			if (c->deadline != 0 && c->deadline < next)
				next = c->deadline;
			if (c->st == CONN_WAIT)
				continue;
			pfd[n] = (struct pollfd){.fd = c->fd,
						 .events = c->st == CONN_READ ? POLLIN : POLLOUT};
			map[n++] = i;
		}
		rc = poll(pfd, n, next > now ? (int)(next - now) + 1 : 0);
		if (rc < 0 && errno != EINTR) {
			VS_CTL_LOG(ERR, "control socket: poll: %s", strerror(errno));
			usleep(10000);
			continue;
		}
		if (rc <= 0)
			continue;
		now = mono_ms();
		for (i = 0; i < n; i++) {
			struct ctl_conn *c;

			if (pfd[i].revents == 0)
				continue;
			if (map[i] == UINT_MAX) {
				efd_drain(ctl->wake_fd);
				continue;
			}
			if (map[i] == UINT_MAX - 1) {
				conn_accept(ctl, now);
				continue;
			}
			c = &ctl->conn[map[i]];
			if (c->st == CONN_READ)
				conn_read(ctl, c, now);
			else if (c->st == CONN_WRITE)
				conn_write(ctl, c);
		}
	}
	return NULL;
}

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
	sigset_t all, old_set;
	mode_t old_mask;
	int rc, probe;
	unsigned i;

	rc = sun_fill(&sa, path);
	if (rc < 0 || fn == NULL) {
		errno = rc < 0 ? -rc : EINVAL;
		return NULL;
	}
	rc = mkdir_parent(path);
	if (rc < 0) {
		VS_CTL_LOG(ERR, "cannot create the directory of %s: %s", path, strerror(-rc));
		errno = -rc;
		return NULL;
	}
	/* A socket file left by a daemon that died is replaced; a live one is not. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0) {
		if (connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			VS_CTL_LOG(ERR, "%s: another nfvswitch serves this socket", path);
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
	ctl->ready_fd = ctl->wake_fd = -1;
	for (i = 0; i < VS_CTL_MAX_CLIENTS; i++)
		ctl->conn[i].fd = -1;
	pthread_mutex_init(&ctl->lock, NULL);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0)
		goto fail;
	/* Never exist with a looser mode than asked, not even briefly. */
	old_mask = umask(0177);
	rc = bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc < 0)
		goto fail;
	/* A backlog for bursts: a thousand clients at once wait there, not fail. */
	if (chmod(path, perm & 0777) < 0 || listen(ctl->fd, VS_CTL_BACKLOG) < 0) {
		rc = errno;
		unlink(path);
		errno = rc;
		goto fail;
	}
	ctl->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ctl->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ctl->ready_fd < 0 || ctl->wake_fd < 0)
		goto fail_unlink;
	/* Signals stay with the control thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old_set);
	rc = pthread_create(&ctl->thread, NULL, io_main, ctl);
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	if (rc != 0) {
		errno = rc;
		goto fail_unlink;
	}
	ctl->thread_started = true;
	pthread_setname_np(ctl->thread, "vs-ctl-io");
	VS_CTL_LOG(INFO, "control socket %s (mode %04o)", path, perm & 0777);
	return ctl;
fail_unlink:
	rc = errno;
	unlink(path);
	errno = rc;
fail:
	rc = errno;
	VS_CTL_LOG(ERR, "cannot listen on %s: %s", path, strerror(rc));
	if (ctl->fd >= 0)
		close(ctl->fd);
	if (ctl->ready_fd >= 0)
		close(ctl->ready_fd);
	if (ctl->wake_fd >= 0)
		close(ctl->wake_fd);
	pthread_mutex_destroy(&ctl->lock);
	free(ctl);
	errno = rc;
	return NULL;
}

int
vs_ctl_fd(const struct vs_ctl *ctl)
{
	return ctl ? ctl->ready_fd : -1;
}

static json_t *
error_reply(const char *what, const char *detail)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s%s", what, detail);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

/* Run the handler on one request line; the reply line (with '\n') replaces it. */
static void
handle_job(struct vs_ctl *ctl, struct ctl_job *j)
{
	static const char oom[] = "{\"ok\":false,\"error\":\"out of memory\"}\n";
	json_error_t jerr;
	json_t *req, *reply;
	char *out;

	req = json_loadb(j->text, j->line_len, 0, &jerr);
	if (req != NULL && json_is_object(req) && j->len > j->line_len &&
	    json_object_set_new(
		req, "payload",
		json_stringn_nocheck(j->text + j->line_len + 1, j->len - j->line_len - 1)) < 0) {
		json_decref(req);
		req = NULL;
	}
	if (req == NULL || !json_is_object(req))
		reply = error_reply("request is not a JSON object: ",
				    req == NULL ? jerr.text : "not an object");
	else
		reply = ctl->fn(ctl->arg, req);
	if (reply == NULL)
		reply = error_reply("out of memory", "");
	out = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
	json_decref(reply);
	json_decref(req);
	free(j->text);
	j->text = NULL;
	j->len = 0;
	if (out != NULL) {
		size_t n = strlen(out);

		/* The reply and its '\n' in one buffer, for the I/O thread. */
		j->text = malloc(n + 2);
		if (j->text != NULL) {
			memcpy(j->text, out, n);
			j->text[n] = '\n';
			j->text[n + 1] = '\0';
			j->len = n + 1;
		}
		free(out);
	}
	if (j->text == NULL) {
		j->text = strdup(oom);
		j->len = j->text ? strlen(oom) : 0;
	}
}

int
vs_ctl_serve(struct vs_ctl *ctl)
{
	struct ctl_job *j;
	int served = 0;
	bool more;

	if (ctl == NULL)
		return 0;
	efd_drain(ctl->ready_fd);
	/* A bounded number per call: the loop has other work. */
	while (served < 64) {
		pthread_mutex_lock(&ctl->lock);
		j = ctl->req_head;
		if (j != NULL) {
			ctl->req_head = j->next;
			if (ctl->req_head == NULL)
				ctl->req_tail = NULL;
			j->next = NULL;
		}
		pthread_mutex_unlock(&ctl->lock);
		if (j == NULL)
			break;
		handle_job(ctl, j);
		pthread_mutex_lock(&ctl->lock);
		j->next = ctl->done;
		ctl->done = j;
		pthread_mutex_unlock(&ctl->lock);
		efd_signal(ctl->wake_fd);
		served++;
	}
	pthread_mutex_lock(&ctl->lock);
	more = ctl->req_head != NULL;
	pthread_mutex_unlock(&ctl->lock);
	if (more)
		efd_signal(ctl->ready_fd);
	return served;
}

void
vs_ctl_close(struct vs_ctl *ctl)
{
	struct ctl_job *j, *next;
	unsigned i;

	if (ctl == NULL)
		return;
	if (ctl->thread_started) {
		pthread_mutex_lock(&ctl->lock);
		ctl->stop = true;
		pthread_mutex_unlock(&ctl->lock);
		efd_signal(ctl->wake_fd);
		pthread_join(ctl->thread, NULL);
	}
	for (i = 0; i < VS_CTL_MAX_CLIENTS; i++) {
		if (ctl->conn[i].st == CONN_FREE)
			continue;
		if (ctl->conn[i].st == CONN_WAIT && ctl->conn[i].job != NULL) {
			/* freed below from the lists */
			ctl->conn[i].job = NULL;
		}
		conn_close(ctl, &ctl->conn[i]);
	}
	for (j = ctl->req_head; j != NULL; j = next) {
		next = j->next;
		job_free(j);
	}
	for (j = ctl->done; j != NULL; j = next) {
		next = j->next;
		job_free(j);
	}
	close(ctl->fd);
	close(ctl->ready_fd);
	close(ctl->wake_fd);
	unlink(ctl->path);
	pthread_mutex_destroy(&ctl->lock);
	free(ctl);
}
