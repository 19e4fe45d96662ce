/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control plane pieces without a switch: rx queue rebalancing, the metrics
 * text, config copies, and the control socket's server and client halves.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "vs_ctl.h"

/* ---- rebalance ----------------------------------------------------------------------- */

static void
add_q(struct vs_rxq_map *m, uint16_t w, uint16_t port, uint16_t queue)
{
	m->q[w][m->n[w]].port = port;
	m->q[w][m->n[w]].queue = queue;
	m->n[w]++;
}

static void
add_load(struct vs_switch_stats *st, uint16_t w, uint16_t port, uint16_t queue, uint64_t cycles)
{
	struct vs_switch_worker_stats *ws = &st->worker[w];

	ws->rxq[ws->n_rxq].q.port = port;
	ws->rxq[ws->n_rxq].q.queue = queue;
	ws->rxq[ws->n_rxq].cycles = cycles;
	ws->rxq[ws->n_rxq].pkts = cycles / 100;
	ws->n_rxq++;
}

static int
owner(const struct vs_rxq_map *m, uint16_t port, uint16_t queue)
{
	for (uint16_t w = 0; w < m->n_workers; w++)
		for (uint16_t i = 0; i < m->n[w]; i++)
			if (m->q[w][i].port == port && m->q[w][i].queue == queue)
				return w;
	return -1;
}

Test(rebalance, largest_first_onto_the_least_loaded)
{
	struct vs_rxq_map *cur = calloc(1, sizeof(*cur)), *out = calloc(1, sizeof(*out));
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	uint64_t load[2];

	/* Worker 0 polls everything heavy; worker 1 the light queue. */
	cur->n_workers = 2;
	st->n_workers = 2;
	add_q(cur, 0, 0, 0);
	add_q(cur, 0, 0, 1);
	add_q(cur, 0, 1, 0);
	add_q(cur, 1, 2, 0);
	add_load(st, 0, 0, 0, 900);
	add_load(st, 0, 0, 1, 800);
	add_load(st, 0, 1, 0, 300);
	add_load(st, 1, 2, 0, 100);
	cr_assert_eq(vs_rxq_rebalance(cur, NULL, st, out, load), 0);
	/* 900 -> w0, 800 -> w1, 300 -> w1 (800 < 900), 100 -> w0 (900 < 1100). */
	cr_assert_eq(owner(out, 0, 0), 0);
	cr_assert_eq(owner(out, 0, 1), 1);
	cr_assert_eq(owner(out, 1, 0), 1);
	cr_assert_eq(owner(out, 2, 0), 0);
	cr_assert_eq(load[0], 1000);
	cr_assert_eq(load[1], 1100);
	cr_assert_eq(out->n[0] + out->n[1], 4);
	free(cur);
	free(out);
	free(st);
}

Test(rebalance, pinned_queues_stay_and_count)
{
	struct vs_rxq_map *cur = calloc(1, sizeof(*cur)), *out = calloc(1, sizeof(*out));
	struct vs_rxq_map *fixed = calloc(1, sizeof(*fixed));
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	uint64_t load[2];

	cur->n_workers = fixed->n_workers = 2;
	st->n_workers = 2;
	add_q(cur, 0, 0, 0);
	add_q(cur, 1, 0, 1);
	add_q(cur, 1, 0, 2);
	add_q(fixed, 1, 0, 0); /* pinned to worker 1, wherever it runs now */
	add_load(st, 0, 0, 0, 1000);
	add_load(st, 1, 0, 1, 600);
	add_load(st, 1, 0, 2, 500);
	cr_assert_eq(vs_rxq_rebalance(cur, fixed, st, out, load), 0);
	cr_assert_eq(owner(out, 0, 0), 1);
	cr_assert_eq(owner(out, 0, 1), 0);
	cr_assert_eq(owner(out, 0, 2), 0);
	cr_assert_eq(load[0], 1100);
	cr_assert_eq(load[1], 1000);
	/* Without measurements the order is by port and queue, round robin by load. */
	memset(st, 0, sizeof(*st));
	cr_assert_eq(vs_rxq_rebalance(cur, NULL, st, out, NULL), 0);
	cr_assert_eq(owner(out, 0, 0), 0);
	cr_assert_eq(owner(out, 0, 1), 1);
	cr_assert_eq(owner(out, 0, 2), 0);
	cur->n_workers = 0;
	cr_assert_eq(vs_rxq_rebalance(cur, NULL, st, out, NULL), -EINVAL);
	free(cur);
	free(out);
	free(fixed);
	free(st);
}

/* ---- metrics text ------------------------------------------------------------------------- */

Test(metrics, text_has_families_samples_and_eof)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	char *text;

	st->n_ports = 2;
	st->port[0].present = true;
	st->port[0].ready = true;
	snprintf(st->port[0].name, sizeof(st->port[0].name), "uplink0");
	st->port[0].rx_pkts = 12345;
	st->port[0].tx_bytes = 64;
	st->port[1].present = false;
	st->n_workers = 1;
	st->worker[0].lcore = 3;
	st->worker[0].busy_cycles = 77;
	st->worker[0].stage_cycles[VS_STAGE_CLASSIFY] = 55;
	st->drops[VS_DROP_NO_RULE] = 9;
	st->tsc_hz = 2000000000;
	text = vs_metrics_text(st, NULL);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "# TYPE nfvswitch_port_rx_packets counter\n") != NULL);
	cr_assert(strstr(text, "nfvswitch_port_rx_packets_total{port=\"uplink0\"} 12345\n") !=
		  NULL);
	cr_assert(strstr(text, "nfvswitch_port_tx_bytes_total{port=\"uplink0\"} 64\n") != NULL);
	cr_assert(strstr(text, "nfvswitch_port_up{port=\"uplink0\"} 1\n") != NULL);
	cr_assert(strstr(text, "nfvswitch_drops_total{reason=\"no_rule\"} 9\n") != NULL);
	cr_assert(strstr(text, "nfvswitch_drops_total{reason=\"malformed_runt\"} 0\n") != NULL);
	cr_assert(strstr(text, "nfvswitch_worker_cycles_total{lcore=\"3\",state=\"busy\"} 77\n") !=
		  NULL);
	cr_assert(strstr(text, "nfvswitch_worker_stage_cycles_total{lcore=\"3\",stage=\"classify\"}"
			       " 55\n") != NULL);
	cr_assert(strstr(text, "nfvswitch_tsc_hz 2000000000\n") != NULL);
	/* Only present ports, and the text ends with the OpenMetrics terminator. */
	cr_assert_eq(strstr(text, "port=\"\""), NULL);
	cr_assert_str_eq(text + strlen(text) - 6, "# EOF\n");
	free(text);
	free(st);
}

/* ---- control socket ------------------------------------------------------------------------ */

static json_t *
echo(void *arg, const json_t *req)
{
	int *calls = arg;

	(*calls)++;
	return json_pack("{s:b, s:O}", "ok", 1, "result", (json_t *)req);
}

struct client {
	const char *path;
	const char *raw; /* send this instead of a request object */
	json_t *reply;
	int err;
};

static void *
client_main(void *arg)
{
	struct client *c = arg;
	json_t *req = json_pack("{s:s, s:[s]}", "cmd", "show", "args", "ports");

	c->reply = vs_ctl_request(c->path, req, 2000);
	c->err = c->reply ? 0 : errno;
	json_decref(req);
	return NULL;
}

static void
serve_until_done(struct vs_ctl *ctl, pthread_t t)
{
	int i;

	for (i = 0; i < 400 && pthread_tryjoin_np(t, NULL) == EBUSY; i++) {
		vs_ctl_serve(ctl);
		usleep(5000);
	}
	cr_assert_lt(i, 400, "client did not finish");
}

Test(ctl_socket, serves_requests_with_mode_0600_and_refuses_a_second_server)
{
	char dir[] = "/tmp/vs-ctl-unit-XXXXXX", path[128];
	struct client c = {0};
	struct vs_ctl *ctl, *ctl2;
	struct stat st;
	json_t *req;
	pthread_t t;
	int calls = 0, status;
	pid_t pid;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/ctl.sock", dir);
	ctl = vs_ctl_open(path, 0600, echo, &calls);
	cr_assert_not_null(ctl, "%s", strerror(errno));
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0600);
	/* A second daemon on the same socket is refused, the first keeps it. */
	ctl2 = vs_ctl_open(path, 0600, echo, &calls);
	cr_assert_null(ctl2);
	cr_assert_eq(errno, EADDRINUSE);

	c.path = path;
	cr_assert_eq(pthread_create(&t, NULL, client_main, &c), 0);
	serve_until_done(ctl, t);
	cr_assert_not_null(c.reply, "request failed: %s", strerror(c.err));
	cr_assert_eq(calls, 1);
	cr_assert(json_is_true(json_object_get(c.reply, "ok")));
	cr_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(c.reply, "result"), "cmd")), "show");
	json_decref(c.reply);

	vs_ctl_close(ctl);
	cr_assert_neq(stat(path, &st), 0, "socket not removed on close");
	/* No server: the client says so. */
	req = json_object();
	cr_assert_null(vs_ctl_request(path, req, 500));
	cr_assert_eq(errno, ENOENT);
	json_decref(req);
	/* A stale socket file is replaced by the next server. */
	pid = fork(); /* a daemon that dies without closing: the file stays */
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(vs_ctl_open(path, 0640, echo, &calls) != NULL ? 0 : 1);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_eq(stat(path, &st), 0);
	ctl2 = vs_ctl_open(path, 0640, echo, &calls);
	cr_assert_not_null(ctl2, "stale socket not replaced: %s", strerror(errno));
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0640);
	vs_ctl_close(ctl2);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

static void *
raw_client(void *arg)
{
	struct client *c = arg;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[512] = "";
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		if (write(fd, c->raw, strlen(c->raw)) > 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
		}
	}
	close(fd);
	c->reply = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
	return NULL;
}

Test(ctl_socket, malformed_requests_get_an_error_reply)
{
	char dir[] = "/tmp/vs-ctl-unit-XXXXXX", path[128];
	struct client c = {0};
	struct vs_ctl *ctl;
	pthread_t t;
	int calls = 0;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	ctl = vs_ctl_open(path, 0600, echo, &calls);
	cr_assert_not_null(ctl);
	c.path = path;
	c.raw = "this is not json\n";
	cr_assert_eq(pthread_create(&t, NULL, raw_client, &c), 0);
	serve_until_done(ctl, t);
	cr_assert_not_null(c.reply);
	cr_assert(json_is_false(json_object_get(c.reply, "ok")));
	cr_assert(strstr(json_string_value(json_object_get(c.reply, "error")), "not a JSON") !=
		  NULL);
	cr_assert_eq(calls, 0);
	json_decref(c.reply);
	vs_ctl_close(ctl);
	rmdir(dir);
}

/* ---- the control socket under abuse ------------------------------------------------------- */

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	cr_assert_not_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static int
unix_connect(const char *path, bool nonblock)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The control loop: vs_ctl_serve whenever its fd says so, until told to stop. */
struct loop {
	struct vs_ctl *ctl;
	volatile bool stop;
};

static void *
loop_main(void *arg)
{
	struct loop *l = arg;

	while (!l->stop) {
		struct pollfd pfd = {.fd = vs_ctl_fd(l->ctl), .events = POLLIN};

		poll(&pfd, 1, 20);
		vs_ctl_serve(l->ctl);
	}
	return NULL;
}

static json_t *
slow_echo(void *arg, const json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));

	if (cmd != NULL && strcmp(cmd, "slow") == 0)
		usleep(3000 * 1000); /* a big reload */
	return echo(arg, req);
}

Test(ctl_abuse, idle_clients_do_not_stall_the_others, .timeout = 30)
{
	char dir[] = "/tmp/vs-ctl-unit-XXXXXX", path[128];
	struct loop l = {0};
	int idle[20], calls = 0, fds0, i;
	json_t *req, *r;
	pthread_t t;
	double t0;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	fds0 = count_fds();
	l.ctl = vs_ctl_open(path, 0600, echo, &calls);
	cr_assert_not_null(l.ctl);
	cr_assert_eq(pthread_create(&t, NULL, loop_main, &l), 0);
	for (i = 0; i < 20; i++) {
		idle[i] = unix_connect(path, false);
		cr_assert_geq(idle[i], 0);
	}
	/* Each idle client cost the old server 500 ms of the control thread. */
	usleep(100000);
	req = json_pack("{s:s}", "cmd", "stats");
	for (i = 0; i < 3; i++) {
		t0 = now_ms();
		r = vs_ctl_request(path, req, 5000);
		cr_assert_not_null(r, "no reply: %s", strerror(errno));
		cr_assert(json_is_true(json_object_get(r, "ok")));
		cr_assert_lt(now_ms() - t0, 1000, "answered after %.0f ms with 20 idle clients",
			     now_ms() - t0);
		json_decref(r);
	}
	/* An idle client is told off and closed at its deadline. */
	{
		char buf[256] = "";
		struct pollfd pfd = {.fd = idle[0], .events = POLLIN};
		ssize_t n;

		cr_assert_eq(poll(&pfd, 1, VS_CTL_REQUEST_TIMEOUT_MS + 3000), 1);
		n = read(idle[0], buf, sizeof(buf) - 1);
		cr_assert_gt(n, 0);
		buf[n] = '\0';
		cr_assert(strstr(buf, "timeout") != NULL, "%s", buf);
	}
	for (i = 0; i < 20; i++)
		close(idle[i]);
	json_decref(req);
	l.stop = true;
	pthread_join(t, NULL);
	vs_ctl_close(l.ctl);
	cr_assert_eq(count_fds(), fds0, "fds leaked");
	rmdir(dir);
}

Test(ctl_abuse, oversized_request_is_refused_without_the_handler, .timeout = 30)
{
	char dir[] = "/tmp/vs-ctl-unit-XXXXXX", path[128], buf[512] = "";
	static char big[VS_CTL_MAX_REQUEST + 65536];
	struct loop l = {0};
	int calls = 0, fd;
	size_t off = 0;
	pthread_t t;
	ssize_t n;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	l.ctl = vs_ctl_open(path, 0600, echo, &calls);
	cr_assert_not_null(l.ctl);
	cr_assert_eq(pthread_create(&t, NULL, loop_main, &l), 0);
	memset(big, 'x', sizeof(big));
	fd = unix_connect(path, false);
	cr_assert_geq(fd, 0);
	while (off < sizeof(big)) {
		n = send(fd, big + off, sizeof(big) - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0, "no reply to an oversized request");
	buf[n] = '\0';
	cr_assert(strstr(buf, "request too large") != NULL, "%s", buf);
	cr_assert_eq(calls, 0);
	close(fd);
	l.stop = true;
	pthread_join(t, NULL);
	vs_ctl_close(l.ctl);
	rmdir(dir);
}

Test(ctl_abuse, long_command_gets_the_others_a_prompt_busy_reply, .timeout = 30)
{
	char dir[] = "/tmp/vs-ctl-unit-XXXXXX", path[128];
	struct loop l = {0};
	json_t *slow, *req, *r;
	const char *e;
	int calls = 0, fd;
	pthread_t t;
	double t0;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	l.ctl = vs_ctl_open(path, 0600, slow_echo, &calls);
	cr_assert_not_null(l.ctl);
	cr_assert_eq(pthread_create(&t, NULL, loop_main, &l), 0);
	/* The slow command holds the control thread for 3 s. */
	slow = json_pack("{s:s}", "cmd", "slow");
	fd = unix_connect(path, false);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "{\"cmd\":\"slow\"}\n", 15), 15);
	usleep(200000);
	req = json_pack("{s:s}", "cmd", "stats");
	t0 = now_ms();
	r = vs_ctl_request(path, req, 5000);
	cr_assert_not_null(r, "no reply: %s", strerror(errno));
	e = json_string_value(json_object_get(r, "error"));
	cr_assert(json_is_false(json_object_get(r, "ok")));
	cr_assert(e != NULL && strncmp(e, "busy: ", 6) == 0, "%s", e ? e : "(no error)");
	cr_assert_lt(now_ms() - t0, 2500, "busy reply after %.0f ms", now_ms() - t0);
	json_decref(r);
	close(fd);
	json_decref(slow);
	json_decref(req);
	l.stop = true;
	pthread_join(t, NULL);
	vs_ctl_close(l.ctl);
	rmdir(dir);
}

Test(ctl_abuse, a_burst_of_clients_waits_in_the_backlog, .timeout = 60)
{
	char dir[] = "/tmp/vs-ctl-unit-XXXXXX", path[128];
	enum { N = 600 };
	static int fd[N];
	struct loop l = {0};
	int calls = 0, i, ok = 0, fds0;
	pthread_t t;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	fds0 = count_fds();
	l.ctl = vs_ctl_open(path, 0600, echo, &calls);
	cr_assert_not_null(l.ctl);
	/* Connect all before the control loop runs: none may be refused. */
	for (i = 0; i < N; i++) {
		fd[i] = unix_connect(path, true);
		cr_assert_geq(fd[i], 0, "client %d of %d refused: %s", i, N, strerror(errno));
		cr_assert_eq(write(fd[i], "{\"cmd\":\"x\"}\n", 12), 12);
	}
	cr_assert_eq(pthread_create(&t, NULL, loop_main, &l), 0);
	for (i = 0; i < N; i++) {
		struct pollfd pfd = {.fd = fd[i], .events = POLLIN};
		char buf[256];
		ssize_t n;

		if (poll(&pfd, 1, 10000) == 1 && (n = read(fd[i], buf, sizeof(buf) - 1)) > 0) {
			buf[n] = '\0';
			ok += strstr(buf, "\"ok\":true") != NULL;
		}
		close(fd[i]);
	}
	cr_assert_eq(ok, N, "%d of %d answered", ok, N);
	l.stop = true;
	pthread_join(t, NULL);
	vs_ctl_close(l.ctl);
	cr_assert_eq(count_fds(), fds0, "fds leaked");
	rmdir(dir);
}

Test(ctl_abuse, client_timeout_covers_connect, .timeout = 20)
{
	char dir[] = "/tmp/vs-ctl-unit-XXXXXX", path[64];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int lfd, fill[64], n = 0, i;
	json_t *req, *r;
	double t0;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* A listener that never accepts, its backlog full. */
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 0), 0);
	while (n < 64 && (fill[n] = unix_connect(path, true)) >= 0)
		n++;
	cr_assert_lt(n, 64, "the backlog never filled");
	req = json_pack("{s:s}", "cmd", "stats");
	t0 = now_ms();
	r = vs_ctl_request(path, req, 500);
	cr_assert_null(r);
	cr_assert_eq(errno, ETIMEDOUT, "%s", strerror(errno));
	cr_assert_lt(now_ms() - t0, 3000, "returned after %.0f ms", now_ms() - t0);
	json_decref(req);
	for (i = 0; i < n; i++)
		close(fill[i]);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

/* ---- writing a config back -------------------------------------------------------------- */

static void
same_sriov(const struct vs_config *a, const struct vs_config *b)
{
	cr_assert_eq(a->n_sriov, b->n_sriov);
	for (uint32_t i = 0; i < a->n_sriov; i++) {
		const struct vs_cfg_pf *p = &a->sriov[i], *r = &b->sriov[i];

		cr_assert_str_eq(p->pf, r->pf);
		cr_assert_eq(p->backend, r->backend);
		cr_assert_eq(p->num_vfs, r->num_vfs);
		cr_assert_eq(p->n_vfs, r->n_vfs);
		for (uint32_t j = 0; j < p->n_vfs; j++) {
			const struct vs_cfg_vf *x = &p->vfs[j], *y = &r->vfs[j];

			cr_assert_eq(x->id, y->id);
			cr_assert_eq(x->has_mac, y->has_mac);
			cr_assert(!x->has_mac || memcmp(&x->mac, &y->mac, sizeof(x->mac)) == 0);
			cr_assert_eq(x->has_vlan, y->has_vlan);
			cr_assert_eq(x->vlan, y->vlan);
			cr_assert_eq(x->qos, y->qos);
			cr_assert_eq(x->vlan_proto, y->vlan_proto);
			cr_assert_eq(x->spoofchk, y->spoofchk);
			cr_assert_eq(x->trust, y->trust);
			cr_assert_eq(x->link_state, y->link_state);
			cr_assert_eq(x->min_tx_rate, y->min_tx_rate);
			cr_assert_eq(x->max_tx_rate, y->max_tx_rate);
			cr_assert_eq(x->n_extra_macs, y->n_extra_macs);
			cr_assert(x->n_extra_macs == 0 ||
				  memcmp(x->extra_macs, y->extra_macs,
					 sizeof(*x->extra_macs) * x->n_extra_macs) == 0);
		}
	}
}

/* Write, load back, and check that nothing differs. */
static void
round_trip(const struct vs_config *a)
{
	struct vs_cfg_error err;
	struct vs_config *b;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(vs_config_write(a, f), 0);
	fclose(f);
	memset(&err, 0, sizeof(err));
	b = vs_config_load_buf(buf, len, "written.yaml", &err);
	cr_assert_not_null(b, "%s does not load back: %s\n%s", a->source, err.msg, buf);
	/* Restart-only keys: the reload check; ports and rules: their comparators. */
	cr_assert_eq(vs_config_reload_check(a, b, &err), 0, "%s", err.msg);
	cr_assert_eq(a->n_ports, b->n_ports);
	cr_assert_eq(a->n_rules, b->n_rules, "%s\n%s", a->source, buf);
	for (uint32_t i = 0; i < a->n_rules; i++)
		cr_assert(vs_rule_spec_same(&a->rules[i], &b->rules[i]), "%s: rule %u\n%s",
			  a->source, i, buf);
	cr_assert_eq(a->control.stats_interval_ms, b->control.stats_interval_ms);
	cr_assert_eq(a->control.watch_file, b->control.watch_file);
	cr_assert_eq(a->classifier.emc_entries, b->classifier.emc_entries);
	cr_assert_eq(a->dpdk.no_huge, b->dpdk.no_huge);
	cr_assert_eq(a->dpdk.mbufs, b->dpdk.mbufs);
	cr_assert_eq(a->dpdk.n_extra_args, b->dpdk.n_extra_args);
	cr_assert_eq(a->control.socket_perm, b->control.socket_perm);
	for (uint32_t i = 0; i < a->n_ports; i++) {
		cr_assert(vs_plan_port_same(&a->ports[i], &b->ports[i]), "port %s",
			  a->ports[i].name);
		cr_assert_eq(a->ports[i].n_rxq_pins, b->ports[i].n_rxq_pins);
		for (uint32_t j = 0; j < a->ports[i].n_rxq_pins; j++)
			cr_assert(a->ports[i].rxq_pins[j].queue == b->ports[i].rxq_pins[j].queue &&
				  a->ports[i].rxq_pins[j].worker_lcore ==
				      b->ports[i].rxq_pins[j].worker_lcore);
	}
	same_sriov(a, b);
	vs_config_free(b);
	free(buf);
}

Test(config_write, examples_and_tricky_values_read_back_the_same)
{
	static const char *tricky =
	    "dpdk: {no_huge: true, mbufs: 8191,\n"
	    "       extra_args: [\"--vdev=net_null0,a=\\\"b\\\"\", \"--no-pci\"]}\n"
	    "workers: [{lcore: 1}, {lcore: 2}]\n"
	    "control: {socket: /tmp/x.sock, socket_mode: \"0640\", watch_file: true,\n"
	    "          metrics_listen: \"[::1]:9100\"}\n"
	    "ports:\n"
	    "  - {name: a, type: ethdev, device: net_null0, rx_queues: 2,\n"
	    "     rxq_pin: [{queue: 1, worker: 2}], mtu: 9000, promisc: false}\n"
	    "  - {name: v, type: vhost, path: /tmp/v.sock, mode: server, queues: 2,\n"
	    "     socket_mode: \"0600\"}\n"
	    "rules:\n"
	    "  - {name: r-1.x, priority: 7, match: {in_port: a, vlan: none,\n"
	    "     eth_dst: \"01:00:5e:00:00:00/ff:ff:ff:80:00:00\"}, actions: [flood]}\n"
	    "  - {priority: 8, match: {ip_src: \"2001:db8::/32\", ip_proto: tcp,\n"
	    "     l4_dst: \"80-88\", l4_src: 1024}, actions: [pop_vlan, {output: v}]}\n"
	    "  - {priority: 9, match: {ip_dst: 10.0.0.0/8, ip_proto: icmp, icmp_type: 8,\n"
	    "     icmp_code: 0, ip_dscp: 46, vlan: 5, vlan_pcp: 3},\n"
	    "     actions: [{push_vlan: {vid: 7, pcp: 2}}, {set_eth_src: \"02:00:00:00:00:01\"},\n"
	    "               {set_eth_dst: \"ff:ff:ff:ff:ff:ff\"}, {output: a}]}\n"
	    "  - {priority: 10, match: {ip_src: 10.0.0.0/255.0.255.0, ip_proto: udp,\n"
	    "     l4_dst: 0x0050/0xfff0, l4_src: 0x1000/0xf000, vlan: 0x060/0xff0},\n"
	    "     actions: [{push_vlan: {vid: 1, tpid: 0x88a8}}, {set_vlan_vid: 9},\n"
	    "               {set_vlan_pcp: 4}, in_port, all, normal]}\n"
	    "  - {priority: 11, match: {ip_dst: \"2001:0:1::/ffff:0:ffff::\", vlan: 0/0},\n"
	    "     actions: [{controller: {max_len: 128}}]}\n"
	    "  - {priority: 0, actions: [drop]}\n";
	const char *names[] = {"full.yaml", "demo.yaml"};
	struct vs_cfg_error err;
	struct vs_config *c;
	char path[512];

	for (unsigned i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", getenv("NFVSWITCH_EXAMPLES"), names[i]);
		memset(&err, 0, sizeof(err));
		c = vs_config_load(path, &err);
		cr_assert_not_null(c, "%s", err.msg);
		round_trip(c);
		vs_config_free(c);
	}
	memset(&err, 0, sizeof(err));
	c = vs_config_load_buf(tricky, strlen(tricky), "tricky.yaml", &err);
	cr_assert_not_null(c, "%s", err.msg);
	round_trip(c);
	vs_config_free(c);
	cr_assert_eq(vs_config_write(NULL, stdout), -EINVAL);
}
