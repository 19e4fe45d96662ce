/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus / OpenMetrics text exposition of the switch counters, and the
 * optional HTTP/1.0 listener (GET /metrics), served by a thread of its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>

#include "vs_counters.h"
#include "vs_ctl.h"

/* Label values here are port names ([A-Za-z0-9_.-]) and fixed words: no escaping needed,
 * but escape anyway so a future name cannot break the format. */
static void
label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# TYPE %s %s\n# HELP %s %s\n", name, type, name, help);
}

/* One sample: the object's label (port, lcore) when lkey, then the member's own. */
static void
sample(FILE *f, const struct vs_counter *c, const char *lkey, const char *lval, uint64_t v)
{
	bool open = false;

	fputs(c->family, f);
	if (!c->gauge)
		fputs("_total", f);
	if (lkey != NULL) {
		fprintf(f, "{%s=\"", lkey);
		label(f, lval);
		fputc('"', f);
		open = true;
	}
	if (c->label != NULL) {
		fprintf(f, "%s%s", open ? "," : "{", c->label);
		open = true;
	}
	fprintf(f, "%s %" PRIu64 "\n", open ? "}" : "", v);
}

/* The members of one family (table entries first .. last-1), for every
 * object of their kind. */
static void
family_samples(FILE *f, const struct vs_switch_stats *st, unsigned first, unsigned last)
{
	const struct vs_counter *c0 = vs_counter_at(first);
	char lcore[16];
	unsigned i;
	uint16_t id;

	family(f, c0->family, c0->gauge ? "gauge" : "counter", vs_counter_family_help(c0));
	switch (c0->kind) {
	case VS_CNT_GLOBAL:
		for (i = first; i < last; i++)
			sample(f, vs_counter_at(i), NULL, NULL,
			       vs_counter_get(vs_counter_at(i), st));
		break;
	case VS_CNT_DROP:
		for (i = first; i < last; i++)
			sample(f, vs_counter_at(i), NULL, NULL,
			       vs_counter_get(vs_counter_at(i), st->drops));
		break;
	case VS_CNT_PORT:
		for (id = 0; id < st->n_ports; id++) {
			if (!st->port[id].present)
				continue;
			for (i = first; i < last; i++)
				sample(f, vs_counter_at(i), "port", st->port[id].name,
				       vs_counter_get(vs_counter_at(i), &st->port[id]));
		}
		break;
	case VS_CNT_WORKER:
		for (id = 0; id < st->n_workers; id++) {
			snprintf(lcore, sizeof(lcore), "%u", st->worker[id].lcore);
			for (i = first; i < last; i++)
				sample(f, vs_counter_at(i), "lcore", lcore,
				       vs_counter_get(vs_counter_at(i), &st->worker[id]));
		}
		break;
	}
}

/* SR-IOV: VF fields by reconcile state, per PF (control thread only). */
static void
vf_metrics(FILE *f, const struct vs_vf_ctx *ctx)
{
	struct vs_vf_pf_status ps;
	struct vs_vf_vf_status vs;
	uint32_t p, v, count[VS_VF_ST_MAX];
	unsigned fl, st;

	family(f, "nfvswitch_vf_fields", "gauge",
	       "SR-IOV VF settings by reconcile state (ok, pending, retrying, failed, ...).");
	for (p = 0; p < vs_vf_status_pf_count(ctx); p++) {
		if (vs_vf_status_pf(ctx, p, &ps) < 0)
			continue;
		memset(count, 0, sizeof(count));
		for (v = 0; v < ps.n_vfs; v++) {
			if (vs_vf_status_vf(ctx, p, v, &vs) < 0)
				continue;
			for (fl = 0; fl < VS_VF_F_MAX; fl++)
				count[vs.fields[fl].state]++;
		}
		for (st = 0; st < VS_VF_ST_MAX; st++) {
			if (st == VS_VF_ST_UNSET)
				continue;
			fputs("nfvswitch_vf_fields{pf=\"", f);
			label(f, ps.pf);
			fprintf(f, "\",state=\"%s\"} %u\n", vs_vf_state_str(st), count[st]);
		}
	}
}

char *
vs_metrics_text(const struct vs_switch_stats *st, const struct vs_daemon *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	unsigned i, j, n;

	if (st == NULL) {
		errno = EINVAL;
		return NULL;
	}
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	/* Every counter of the table, a family at a time. */
	for (i = 0, n = vs_counter_count(); i < n; i = j) {
		for (j = i + 1;
		     j < n && strcmp(vs_counter_at(j)->family, vs_counter_at(i)->family) == 0; j++)
			;
		family_samples(f, st, i, j);
	}
	if (d != NULL) {
		family(f, "nfvswitch_reloads", "counter", "Configuration reloads, by outcome.");
		fprintf(f, "nfvswitch_reloads_total{result=\"applied\"} %" PRIu64 "\n", d->reloads);
		fprintf(f, "nfvswitch_reloads_total{result=\"refused\"} %" PRIu64 "\n",
			d->reload_failures);
		family(f, "nfvswitch_rules", "gauge", "Rules of the running configuration.");
		fprintf(f, "nfvswitch_rules %u\n", d->sw ? vs_switch_rule_count(d->sw) : 0);
		family(f, "nfvswitch_generation", "gauge", "Generation of the published snapshot.");
		fprintf(f, "nfvswitch_generation %" PRIu64 "\n",
			d->sw ? vs_switch_generation(d->sw) : 0);
	}
	if (d != NULL && d->vf != NULL)
		vf_metrics(f, d->vf);
	fputs("# EOF\n", f);
	if (fclose(f) != 0) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	return buf;
}

/* ---- HTTP listener ------------------------------------------------------------------ */

/*
 * Threads: an I/O thread of its own accepts, reads and writes every
 * connection without blocking, each within a deadline and a size limit, at
 * most VS_METRICS_MAX_CLIENTS at once. For the text it asks the control
 * thread (vs_metrics_fd becomes readable; vs_metrics_serve renders it from
 * the statistics under stats_lock) and serves the answer to every scrape
 * waiting for it. A client never holds the control thread or the workers;
 * one the control thread does not answer in time (a long reload) gets 503.
 */
enum mconn_state {
	MCONN_FREE = 0,
	MCONN_READ,  /* reading the request head, until deadline */
	MCONN_WAIT,  /* waiting for a text of seq >= want */
	MCONN_WRITE, /* writing out + off, until deadline */
};

struct mconn { /* I/O thread only */
	int fd;
	enum mconn_state st;
	char *req; /* VS_METRICS_MAX_REQUEST + 1 bytes while reading */
	size_t len;
	char *out;
	size_t out_len, off;
	uint64_t want;
	double deadline; /* ms, CLOCK_MONOTONIC */
};

struct vs_metrics_srv {
	int fd;
	uint16_t port;
	int want_fd; /* eventfd: scrapes wait for a text (vs_metrics_fd) */
	int wake_fd; /* eventfd: a text is ready, or stop */
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock;
	char *text;    /* guarded by lock: the latest text (NULL: rendering failed) */
	uint64_t seq;  /* guarded by lock: texts rendered so far */
	uint64_t want; /* guarded by lock: the text the scrapes wait for */
	bool stop;     /* guarded by lock */

	/* I/O thread only */
	struct mconn conn[VS_METRICS_MAX_CLIENTS];
	unsigned n_conns;
	double accept_pause;
};

static double
m_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
m_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		VS_CTL_LOG(DEBUG, "metrics: eventfd: %s", strerror(errno));
}

static void
m_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		VS_CTL_LOG(DEBUG, "metrics: eventfd: %s", strerror(errno));
}

static void
mconn_close(struct vs_metrics_srv *srv, struct mconn *c)
{
	close(c->fd);
	free(c->req);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	srv->n_conns--;
}

/* Answer c (the head and body are copied) and close it once written. */
static void
mconn_respond(struct mconn *c, const char *status, const char *type, const char *body, double now)
{
	size_t blen = strlen(body), cap = blen + 256;
	int n;

	free(c->out);
	c->out = malloc(cap);
	c->out_len = c->off = 0;
	c->st = MCONN_WRITE;
	c->deadline = now + VS_METRICS_REPLY_TIMEOUT_MS;
	if (c->out == NULL)
		return;
	n = snprintf(c->out, cap,
		     "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n",
		     status, type, blen);
	memcpy(c->out + n, body, blen);
	c->out_len = (size_t)n + blen;
}

static void
mconn_accept(struct vs_metrics_srv *srv, double now)
{
	while (srv->n_conns < VS_METRICS_MAX_CLIENTS) {
		struct mconn *c = NULL;
		unsigned i;
		int fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				srv->accept_pause = now + 100;
			return;
		}
		for (i = 0; i < VS_METRICS_MAX_CLIENTS && c == NULL; i++)
			if (srv->conn[i].st == MCONN_FREE)
				c = &srv->conn[i];
		c->req = malloc(VS_METRICS_MAX_REQUEST + 1);
		if (c->req == NULL) {
			close(fd);
			return;
		}
		c->fd = fd;
		c->st = MCONN_READ;
		c->len = 0;
		c->deadline = now + VS_METRICS_REQUEST_TIMEOUT_MS;
		srv->n_conns++;
	}
}

/* The request head is complete: answer or wait for a text. */
static void
mconn_request(struct vs_metrics_srv *srv, struct mconn *c, double now)
{
	const char *r = c->req;

	if (strncmp(r, "GET /metrics ", 13) == 0 || strncmp(r, "GET /metrics\r", 13) == 0 ||
	    strncmp(r, "GET /metrics\n", 13) == 0 || strncmp(r, "GET / ", 6) == 0) {
		pthread_mutex_lock(&srv->lock);
		c->want = srv->seq + 1;
		if (srv->want < c->want)
			srv->want = c->want;
		pthread_mutex_unlock(&srv->lock);
		c->st = MCONN_WAIT;
		c->deadline = now + VS_METRICS_RENDER_WAIT_MS;
		m_signal(srv->want_fd);
	} else if (strncmp(r, "GET ", 4) == 0) {
		mconn_respond(c, "404 Not Found", "text/plain", "try /metrics\n", now);
	} else {
		mconn_respond(c, "405 Method Not Allowed", "text/plain", "GET only\n", now);
	}
}

static void
mconn_read(struct vs_metrics_srv *srv, struct mconn *c, double now)
{
	for (;;) {
		ssize_t n;

		if (c->len >= VS_METRICS_MAX_REQUEST) {
			mconn_respond(
			    c, "431 Request Header Fields Too Large", "text/plain",
			    "request head over " RTE_STR(VS_METRICS_MAX_REQUEST) " bytes\n", now);
			return;
		}
		n = recv(c->fd, c->req + c->len, VS_METRICS_MAX_REQUEST - c->len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				mconn_close(srv, c);
			return;
		}
		if (n == 0 && c->len == 0) {
			mconn_close(srv, c);
			return;
		}
		c->len += (size_t)n;
		c->req[c->len] = '\0';
		/* The head ends with an empty line; a bare request line and EOF will do. */
		if (n == 0 || strstr(c->req, "\r\n\r\n") != NULL ||
		    strstr(c->req, "\n\n") != NULL) {
			mconn_request(srv, c, now);
			return;
		}
	}
}

static void
mconn_write(struct vs_metrics_srv *srv, struct mconn *c)
{
	while (c->off < c->out_len) {
		ssize_t n =
		    send(c->fd, c->out + c->off, c->out_len - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				mconn_close(srv, c);
			return;
		}
		c->off += (size_t)n;
	}
	mconn_close(srv, c);
}

/* A text came: every scrape waiting for one as new gets it. */
static void
mconn_deliver(struct vs_metrics_srv *srv, double now)
{
	unsigned i;

	pthread_mutex_lock(&srv->lock);
	for (i = 0; i < VS_METRICS_MAX_CLIENTS; i++) {
		struct mconn *c = &srv->conn[i];

		if (c->st != MCONN_WAIT || c->want > srv->seq)
			continue;
		if (srv->text != NULL)
			mconn_respond(c, "200 OK",
				      "application/openmetrics-text; version=1.0.0; charset=utf-8",
				      srv->text, now);
		else
			mconn_respond(c, "500 Internal Server Error", "text/plain", "no memory\n",
				      now);
	}
	pthread_mutex_unlock(&srv->lock);
}

static void *
metrics_main(void *arg)
{
	struct vs_metrics_srv *srv = arg;
	struct pollfd pfd[VS_METRICS_MAX_CLIENTS + 2];
	unsigned map[VS_METRICS_MAX_CLIENTS + 2];

	for (;;) {
		double now = m_now_ms(), next = now + 1000;
		unsigned i, n = 0;
		bool stop;
		int rc;

		pthread_mutex_lock(&srv->lock);
		stop = srv->stop;
		pthread_mutex_unlock(&srv->lock);
		if (stop)
			break;
		mconn_deliver(srv, now);
		for (i = 0; i < VS_METRICS_MAX_CLIENTS; i++) {
			struct mconn *c = &srv->conn[i];

			if (c->st == MCONN_FREE || c->deadline > now)
				continue;
			if (c->st == MCONN_WAIT)
				mconn_respond(c, "503 Service Unavailable", "text/plain",
					      "busy: the control thread did not render the metrics "
					      "in time; retry\n",
					      now);
			else
				mconn_close(srv, c); /* slow or idle: no more time */
		}
		pfd[n] = (struct pollfd){.fd = srv->wake_fd, .events = POLLIN};
		map[n++] = UINT_MAX;
		if (srv->n_conns < VS_METRICS_MAX_CLIENTS && now >= srv->accept_pause) {
			pfd[n] = (struct pollfd){.fd = srv->fd, .events = POLLIN};
			map[n++] = UINT_MAX - 1;
		} else if (now < srv->accept_pause && srv->accept_pause < next) {
			next = srv->accept_pause;
		}
		for (i = 0; i < VS_METRICS_MAX_CLIENTS; i++) {
			struct mconn *c = &srv->conn[i];

			if (c->st == MCONN_FREE)
				continue;
			if (c->deadline < next)
				next = c->deadline;
			if (c->st == MCONN_WAIT)
				continue;
			pfd[n] = (struct pollfd){.fd = c->fd,
						 .events = c->st == MCONN_READ ? POLLIN : POLLOUT};
			map[n++] = i;
		}
		rc = poll(pfd, n, next > now ? (int)(next - now) + 1 : 0);
		if (rc < 0 && errno != EINTR) {
			VS_CTL_LOG(ERR, "metrics: poll: %s", strerror(errno));
			usleep(10000);
			continue;
		}
		if (rc <= 0)
			continue;
		now = m_now_ms();
		for (i = 0; i < n; i++) {
			struct mconn *c;

			if (pfd[i].revents == 0)
				continue;
			if (map[i] == UINT_MAX) {
				m_drain(srv->wake_fd);
				continue;
			}
			if (map[i] == UINT_MAX - 1) {
				mconn_accept(srv, now);
				continue;
			}
			c = &srv->conn[map[i]];
			if (c->st == MCONN_READ)
				mconn_read(srv, c, now);
			else if (c->st == MCONN_WRITE)
				mconn_write(srv, c);
		}
	}
	return NULL;
}

struct vs_metrics_srv *
vs_metrics_listen(const char *addr)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct vs_metrics_srv *srv;
	char host[128], *colon;
	sigset_t all, old_set;
	const char *port;
	int rc, one = 1;
	unsigned i;

	if (addr == NULL || strlen(addr) >= sizeof(host)) {
		errno = EINVAL;
		return NULL;
	}
	snprintf(host, sizeof(host), "%s", addr);
	colon = strrchr(host, ':');
	if (colon == NULL) {
		errno = EINVAL;
		return NULL;
	}
	*colon = '\0';
	port = colon + 1;
	if (host[0] == '[') { /* [::1]:9091 */
		size_t n = strlen(host);

		if (n < 2 || host[n - 1] != ']') {
			errno = EINVAL;
			return NULL;
		}
		host[n - 1] = '\0';
		memmove(host, host + 1, n - 1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (rc != 0) {
		VS_CTL_LOG(ERR, "metrics listener %s: %s", addr, gai_strerror(rc));
		errno = EINVAL;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		freeaddrinfo(res);
		return NULL;
	}
	srv->want_fd = srv->wake_fd = -1;
	for (i = 0; i < VS_METRICS_MAX_CLIENTS; i++)
		srv->conn[i].fd = -1;
	pthread_mutex_init(&srv->lock, NULL);
	srv->fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0)
		goto fail;
	setsockopt(srv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv->fd, res->ai_addr, res->ai_addrlen) < 0 ||
	    listen(srv->fd, VS_METRICS_BACKLOG) < 0)
		goto fail;
	srv->want_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	srv->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv->want_fd < 0 || srv->wake_fd < 0)
		goto fail;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old_set);
	rc = pthread_create(&srv->thread, NULL, metrics_main, srv);
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	if (rc != 0) {
		errno = rc;
		goto fail;
	}
	srv->thread_started = true;
	pthread_setname_np(srv->thread, "vs-metrics");
	if (getsockname(srv->fd, (struct sockaddr *)&ss, &sl) == 0)
		srv->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							   : ((struct sockaddr_in *)&ss)->sin_port);
	freeaddrinfo(res);
	VS_CTL_LOG(INFO, "metrics on http://%s/metrics (port %u)", addr, srv->port);
	return srv;
fail:
	rc = errno;
	VS_CTL_LOG(ERR, "metrics listener %s: %s", addr, strerror(rc));
	if (srv->fd >= 0)
		close(srv->fd);
	if (srv->want_fd >= 0)
		close(srv->want_fd);
	if (srv->wake_fd >= 0)
		close(srv->wake_fd);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
	freeaddrinfo(res);
	errno = rc;
	return NULL;
}

int
vs_metrics_fd(const struct vs_metrics_srv *srv)
{
	return srv ? srv->want_fd : -1;
}

uint16_t
vs_metrics_port(const struct vs_metrics_srv *srv)
{
	return srv ? srv->port : 0;
}

int
vs_metrics_serve(struct vs_metrics_srv *srv, struct vs_daemon *d)
{
	uint64_t want, seq;
	char *text;

	if (srv == NULL)
		return 0;
	m_drain(srv->want_fd);
	pthread_mutex_lock(&srv->lock);
	want = srv->want;
	seq = srv->seq;
	pthread_mutex_unlock(&srv->lock);
	if (want <= seq)
		return 0;
	/* One text for every scrape waiting now. */
	pthread_mutex_lock(&d->stats_lock);
	vs_switch_stats(d->sw, d->stats);
	text = vs_metrics_text(d->stats, d);
	pthread_mutex_unlock(&d->stats_lock);
	pthread_mutex_lock(&srv->lock);
	free(srv->text);
	srv->text = text;
	srv->seq = want;
	pthread_mutex_unlock(&srv->lock);
	m_signal(srv->wake_fd);
	return 1;
}

void
vs_metrics_close(struct vs_metrics_srv *srv)
{
	unsigned i;

	if (srv == NULL)
		return;
	if (srv->thread_started) {
		pthread_mutex_lock(&srv->lock);
		srv->stop = true;
		pthread_mutex_unlock(&srv->lock);
		m_signal(srv->wake_fd);
		pthread_join(srv->thread, NULL);
	}
	for (i = 0; i < VS_METRICS_MAX_CLIENTS; i++)
		if (srv->conn[i].st != MCONN_FREE)
			mconn_close(srv, &srv->conn[i]);
	close(srv->fd);
	close(srv->want_fd);
	close(srv->wake_fd);
	free(srv->text);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
