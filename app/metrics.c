/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus / OpenMetrics text exposition of the switch counters, and the
 * optional HTTP/1.0 listener (GET /metrics) served non-blocking from the
 * control thread's loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
			sample(f, vs_counter_at(i), NULL, NULL, vs_counter_get(vs_counter_at(i), st));
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
		for (j = i + 1; j < n && strcmp(vs_counter_at(j)->family, vs_counter_at(i)->family) == 0;
		     j++)
			;
		family_samples(f, st, i, j);
	}
	if (d != NULL) {
		family(f, "nfvswitch_reloads", "counter", "Configuration reloads, by outcome.");
		fprintf(f, "nfvswitch_reloads_total{result=\"applied\"} %" PRIu64 "\n", d->reloads);
		fprintf(f, "nfvswitch_reloads_total{result=\"refused\"} %" PRIu64 "\n",
			d->reload_failures);
		family(f, "nfvswitch_rules", "gauge", "Rules of the running configuration.");
		fprintf(f, "nfvswitch_rules %u\n", d->cfg ? d->cfg->n_rules : 0);
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

struct vs_metrics_srv {
	int fd;
	uint16_t port;
};

struct vs_metrics_srv *
vs_metrics_listen(const char *addr)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct vs_metrics_srv *srv;
	char host[128], *colon;
	const char *port;
	int rc, one = 1;

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
		VS_CTL_LOG(ERR, "metrics listener %s: %s\n", addr, gai_strerror(rc));
		errno = EINVAL;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		freeaddrinfo(res);
		return NULL;
	}
	srv->fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0)
		goto fail;
	setsockopt(srv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv->fd, res->ai_addr, res->ai_addrlen) < 0 || listen(srv->fd, 16) < 0)
		goto fail;
	if (getsockname(srv->fd, (struct sockaddr *)&ss, &sl) == 0)
		srv->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							   : ((struct sockaddr_in *)&ss)->sin_port);
	freeaddrinfo(res);
	VS_CTL_LOG(INFO, "metrics on http://%s/metrics (port %u)\n", addr, srv->port);
	return srv;
fail:
	rc = errno;
	VS_CTL_LOG(ERR, "metrics listener %s: %s\n", addr, strerror(rc));
	if (srv->fd >= 0)
		close(srv->fd);
	free(srv);
	freeaddrinfo(res);
	errno = rc;
	return NULL;
}

int
vs_metrics_fd(const struct vs_metrics_srv *srv)
{
	return srv ? srv->fd : -1;
}

uint16_t
vs_metrics_port(const struct vs_metrics_srv *srv)
{
	return srv ? srv->port : 0;
}

static void
respond(int fd, const char *status, const char *type, const char *body)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n",
		     status, type, strlen(body));
	if (vs_ctl_write_all(fd, head, (size_t)n, VS_CTL_IO_TIMEOUT_MS) == 0)
		vs_ctl_write_all(fd, body, strlen(body), VS_CTL_IO_TIMEOUT_MS);
}

int
vs_metrics_serve(struct vs_metrics_srv *srv, struct vs_daemon *d)
{
	int served = 0;

	if (srv == NULL)
		return 0;
	while (served < 16) {
		int fd = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);
		char *req, *text;

		if (fd < 0)
			break;
		served++;
		/* The request line is enough; headers are not needed. */
		req = vs_ctl_read_line(fd, VS_CTL_IO_TIMEOUT_MS, 8192);
		if (req == NULL) {
			close(fd);
			continue;
		}
		if (strncmp(req, "GET /metrics ", 13) == 0 ||
		    strncmp(req, "GET /metrics\r", 13) == 0 || strncmp(req, "GET / ", 6) == 0) {
			pthread_mutex_lock(&d->stats_lock);
			vs_switch_stats(d->sw, d->stats);
			text = vs_metrics_text(d->stats, d);
			pthread_mutex_unlock(&d->stats_lock);
			if (text != NULL)
				respond(
				    fd, "200 OK",
				    "application/openmetrics-text; version=1.0.0; charset=utf-8",
				    text);
			else
				respond(fd, "500 Internal Server Error", "text/plain",
					"no memory\n");
			free(text);
		} else if (strncmp(req, "GET ", 4) == 0) {
			respond(fd, "404 Not Found", "text/plain", "try /metrics\n");
		} else {
			respond(fd, "405 Method Not Allowed", "text/plain", "GET only\n");
		}
		free(req);
		close(fd);
	}
	return served;
}

void
vs_metrics_close(struct vs_metrics_srv *srv)
{
	if (srv == NULL)
		return;
	close(srv->fd);
	free(srv);
}
