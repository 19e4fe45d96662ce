/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon under abuse of its control plane (issue 18): a config path
 * that is a FIFO, idle TCP connections on the metrics port, and a soak that
 * runs control-socket abuse (idle, slow, oversized and many concurrent
 * clients), metrics abuse (idle connections, slowloris) and reloads
 * together under traffic, then checks the packet accounting, the daemon's
 * fds and its RSS. The daemon runs in its own process group, killed in
 * .fini (and by PR_SET_PDEATHSIG should this process die).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "vs_ctl_client.h"

static char dir[64], cfg_path[128], sock[128], prefix[64], log_path[160];
static unsigned metrics_port;
static pid_t daemon_pid;

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	cr_assert_not_null(v, "%s is not set (run the tests through meson test)", name);
	return v;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *
read_file(const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "r");
	size_t n;

	buf[0] = '\0';
	if (f == NULL)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
write_cfg(const char *extra_rule)
{
	char text[4096], tmp[160];
	unsigned id = (unsigned)getpid() % 100;
	FILE *f;

	snprintf(text, sizeof(text),
		 "dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, file_prefix: %s,\n"
		 "       log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"
		 "workers: [{lcore: 1}]\n"
		 "control: {stats_interval_ms: 0, socket: %s,\n"
		 "          metrics_listen: \"127.0.0.1:%u\"}\n"
		 "ports:\n"
		 "  - {name: up, type: ethdev, device: "
		 "\"net_pcap%u,rx_pcap=%s/in.pcap,infinite_rx=1\"}\n"
		 "  - {name: s0, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"
		 "  - {name: s1, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"
		 "rules:\n"
		 "  - {name: to-s0, priority: 10, match: {in_port: up, ip_dst: 10.1.0.0/32},\n"
		 "     actions: [{output: s0}]}\n"
		 "  - {name: to-s1, priority: 10, match: {in_port: up, ip_dst: 10.1.0.1/32},\n"
		 "     actions: [{output: s1}]}\n"
		 "%s",
		 prefix, sock, metrics_port, id, dir, id + 100, id + 200, extra_rule);
	snprintf(tmp, sizeof(tmp), "%s.tmp", cfg_path);
	f = fopen(tmp, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(rename(tmp, cfg_path), 0);
}

/* Run argv with a deadline; stderr into *err. Exit status, or -1 when killed at the deadline. */
static int
run_bounded(char *const argv[], int timeout_ms, char **err)
{
	char epath[160];
	double t0 = now_ms();
	int status;
	pid_t pid;

	snprintf(epath, sizeof(epath), "%s/cmd.err", dir);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int e = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(e, 1);
		dup2(e, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() - t0 > timeout_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			*err = strdup(read_file(epath));
			return -1;
		}
		usleep(10000);
	}
	*err = strdup(read_file(epath));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
daemon_up(void)
{
	char in[128], *err = NULL;
	char *gen[] = {(char *)env("NFVSWITCH_PCAPGEN_BIN"),
		       "-o",
		       in,
		       "--flows",
		       "16",
		       "--count",
		       "256",
		       "--dst-ips",
		       "4",
		       NULL};
	int i;

	snprintf(dir, sizeof(dir), "/tmp/vs-ctl-soak-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(cfg_path, sizeof(cfg_path), "%s/switch.yaml", dir);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	snprintf(prefix, sizeof(prefix), "vs-ctl-soak-%d", getpid());
	snprintf(log_path, sizeof(log_path), "%s/daemon.log", dir);
	metrics_port = 20000 + ((unsigned)getpid() * 7 + 13) % 20000;
	cr_assert_eq(run_bounded(gen, 10000, &err), 0, "%s", err);
	free(err);
	write_cfg("");
	daemon_pid = fork();
	cr_assert_geq(daemon_pid, 0);
	if (daemon_pid == 0) {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(env("NFVSWITCH_BIN"), "nfvswitch", "-c", cfg_path, NULL);
		_exit(127);
	}
	setpgid(daemon_pid, daemon_pid);
	for (i = 0; i < 200; i++) {
		struct stat st;

		if (stat(sock, &st) == 0)
			break;
		cr_assert_eq(waitpid(daemon_pid, NULL, WNOHANG), 0, "daemon exited: %s",
			     read_file(log_path));
		usleep(50000);
	}
	cr_assert_lt(i, 200, "no control socket after 10 s: %s", read_file(log_path));
	/* The metrics listener opens just after the control socket. */
	for (i = 0; i < 200 && strstr(read_file(log_path), "metrics: http://") == NULL; i++)
		usleep(50000);
	cr_assert_lt(i, 200, "no metrics listener after 10 s: %s", read_file(log_path));
}

/* SIGTERM, then SIGKILL to the whole group; returns the exit status (or -1). */
static int
daemon_stop(void)
{
	int status = -1, i;

	if (daemon_pid <= 0)
		return -1;
	kill(daemon_pid, SIGTERM);
	for (i = 0; i < 200 && waitpid(daemon_pid, &status, WNOHANG) == 0; i++)
		usleep(50000);
	if (i == 200) {
		kill(-daemon_pid, SIGKILL);
		waitpid(daemon_pid, &status, 0);
		status = -1;
	}
	kill(-daemon_pid, SIGKILL); /* anything it left in its group */
	daemon_pid = 0;
	return status;
}

static void
daemon_down(void)
{
	char path[128];

	daemon_stop();
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	nftw(path, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(ctl_hard, .init = daemon_up, .fini = daemon_down, .timeout = 60);

/* One request; NULL when no reply came within timeout_ms. */
static json_t *
request(const char *cmd, int timeout_ms)
{
	json_t *req = json_pack("{s:s, s:[]}", "cmd", cmd, "args");
	json_t *r = vs_ctl_request(sock, req, timeout_ms);

	json_decref(req);
	return r;
}

static bool
is_busy(const json_t *r)
{
	const char *e = json_string_value(json_object_get(r, "error"));

	return e != NULL && strncmp(e, "busy: ", 6) == 0;
}

static int
tcp_connect(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)metrics_port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
unix_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", sock);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The HTTP status of GET /metrics (0: no answer within timeout_ms). */
static int
scrape(int timeout_ms)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n";
	char buf[4096];
	double t0 = now_ms();
	int fd = tcp_connect(), status = 0;
	ssize_t n;
	size_t len = 0;

	if (fd < 0)
		return 0;
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1) {
		close(fd);
		return 0;
	}
	while (len < sizeof(buf) - 1 && now_ms() - t0 < timeout_ms) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	sscanf(buf, "HTTP/1.%*d %d", &status);
	close(fd);
	return status;
}

static int
daemon_fds(void)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", daemon_pid);
	d = opendir(path);
	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static long
daemon_rss_kb(void)
{
	char path[64];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/status", daemon_pid);
	p = strstr(read_file(path), "VmRSS:");
	cr_assert_not_null(p);
	return strtol(p + 6, NULL, 10);
}

/* ---- one failure each -------------------------------------------------------------------- */

Test(ctl_hard, check_and_reload_refuse_a_fifo_at_once)
{
	char fifo[160], *err = NULL;
	char *check[] = {(char *)env("NFVSWITCH_BIN"), "--check", "-c", fifo, NULL};
	const char *e;
	json_t *r;
	double t0;

	snprintf(fifo, sizeof(fifo), "%s/fifo.yaml", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	/* --check: exit 1 with the reason, not a hang. */
	cr_assert_eq(run_bounded(check, 5000, &err), 1, "--check on a FIFO: %s", err);
	cr_assert(strstr(err, "a FIFO (named pipe); expected a regular YAML file") != NULL, "%s",
		  err);
	free(err);
	/* reload: the config file replaced by a FIFO with no writer. */
	cr_assert_eq(rename(fifo, cfg_path), 0);
	t0 = now_ms();
	r = request("reload", 5000);
	cr_assert_not_null(r, "no reply to reload of a FIFO: %s", strerror(errno));
	cr_assert(json_is_false(json_object_get(r, "ok")));
	e = json_string_value(json_object_get(r, "error"));
	cr_assert(e != NULL && strstr(e, "a FIFO") != NULL, "%s", e ? e : "?");
	cr_assert_lt(now_ms() - t0, 2000);
	json_decref(r);
	unlink(cfg_path);
	write_cfg("");
	r = request("stats", 2000);
	cr_assert(r != NULL && json_is_true(json_object_get(r, "ok")), "daemon gone after it");
	json_decref(r);
}

Test(ctl_hard, idle_metrics_connections_do_not_stall_the_control_socket)
{
	int fd[20], i;
	json_t *r;
	double t0;

	for (i = 0; i < 20; i++) {
		fd[i] = tcp_connect();
		cr_assert_geq(fd[i], 0, "metrics connect: %s", strerror(errno));
	}
	usleep(100000);
	for (i = 0; i < 3; i++) {
		t0 = now_ms();
		r = request("stats", 5000);
		cr_assert_not_null(r, "%s", strerror(errno));
		cr_assert(json_is_true(json_object_get(r, "ok")));
		cr_assert_lt(now_ms() - t0, 1000,
			     "stats answered after %.0f ms with 20 idle metrics connections",
			     now_ms() - t0);
		json_decref(r);
	}
	/* ... and scraping goes on beside them. */
	cr_assert_eq(scrape(3000), 200);
	for (i = 0; i < 20; i++)
		close(fd[i]);
}

/* ---- soak -------------------------------------------------------------------------------- */

static bool soak_stop;
static int n_probe_fail, n_burst_ok, n_burst_fail, n_big_ok, n_scrape_ok, n_reloads;

/* Idle clients on both sockets, replaced as the daemon closes them. */
static void *
idle_main(void *arg)
{
	int u[20], t[20], i;

	(void)arg;
	for (i = 0; i < 20; i++) {
		u[i] = unix_connect();
		t[i] = tcp_connect();
	}
	while (!soak_stop) {
		for (i = 0; i < 20; i++) {
			char b[512];

			if (u[i] < 0 || read(u[i], b, sizeof(b)) >= 0) {
				if (u[i] >= 0)
					close(u[i]);
				u[i] = unix_connect();
			}
		}
		usleep(100000);
	}
	for (i = 0; i < 20; i++) {
		if (u[i] >= 0)
			close(u[i]);
		if (t[i] >= 0)
			close(t[i]);
	}
	return NULL;
}

/* Slow clients: one byte every 200 ms, on both sockets. */
static void *
slow_main(void *arg)
{
	int u[5], t[5], i;

	(void)arg;
	while (!soak_stop) {
		for (i = 0; i < 5; i++) {
			u[i] = unix_connect();
			t[i] = tcp_connect();
		}
		for (int k = 0; k < 20 && !soak_stop; k++) {
			for (i = 0; i < 5; i++) {
				if (u[i] >= 0)
					send(u[i], "{", 1, MSG_NOSIGNAL);
				if (t[i] >= 0)
					send(t[i], "G", 1, MSG_NOSIGNAL);
			}
			usleep(200000);
		}
		for (i = 0; i < 5; i++) {
			if (u[i] >= 0)
				close(u[i]);
			if (t[i] >= 0)
				close(t[i]);
		}
	}
	return NULL;
}

/* Oversized requests: each must get the "too large" error. */
static void *
big_main(void *arg)
{
	static char big[VS_CTL_MAX_REQUEST + 65536];

	(void)arg;
	memset(big, 'x', sizeof(big));
	while (!soak_stop) {
		int fd = unix_connect();
		size_t off = 0;
		char buf[512];
		ssize_t n = 0;

		if (fd < 0)
			continue;
		while (off < sizeof(big)) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};

			if (poll(&pfd, 1, 1000) <= 0)
				break;
			n = send(fd, big + off, sizeof(big) - off, MSG_NOSIGNAL);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		if (poll(&pfd, 1, 3000) == 1 && (n = read(fd, buf, sizeof(buf) - 1)) > 0) {
			buf[n] = '\0';
			if (strstr(buf, "request too large") != NULL)
				n_big_ok++;
		}
		close(fd);
		usleep(200000);
	}
	return NULL;
}

/* Bursts of 200 concurrent requests: each answered (ok, or busy during a reload). */
static void *
burst_main(void *arg)
{
	enum { N = 200 };
	int fd[N], i;

	(void)arg;
	while (!soak_stop) {
		for (i = 0; i < N; i++) {
			fd[i] = unix_connect();
			if (fd[i] >= 0 &&
			    send(fd[i], "{\"cmd\":\"version\"}\n", 18, MSG_NOSIGNAL) != 18) {
				close(fd[i]);
				fd[i] = -1;
			}
		}
		for (i = 0; i < N; i++) {
			struct pollfd pfd = {.fd = fd[i], .events = POLLIN};
			char buf[512];
			ssize_t n;

			if (fd[i] >= 0 && poll(&pfd, 1, 5000) == 1 &&
			    (n = read(fd[i], buf, sizeof(buf) - 1)) > 0) {
				buf[n] = '\0';
				if (strstr(buf, "\"ok\":true") || strstr(buf, "busy: "))
					n_burst_ok++;
				else
					n_burst_fail++;
			} else {
				n_burst_fail++;
			}
			if (fd[i] >= 0)
				close(fd[i]);
		}
		usleep(300000);
	}
	return NULL;
}

/* Scrapes (200, or 503 while a reload holds the control thread). */
static void *
scrape_main(void *arg)
{
	(void)arg;
	while (!soak_stop) {
		int st = scrape(8000);

		if (st == 200)
			n_scrape_ok++;
		usleep(200000);
	}
	return NULL;
}

/* Reloads: a rule comes and goes. */
static void *
reload_main(void *arg)
{
	int i = 0;

	(void)arg;
	while (!soak_stop) {
		json_t *r;

		write_cfg(i++ % 2 ? "  - {name: extra, priority: 5, match: {in_port: up, ip_dst: "
				    "10.1.0.2/32},\n     actions: [{output: s0}]}\n"
				  : "");
		r = request("reload", 10000);
		if (r != NULL && json_is_true(json_object_get(r, "ok")))
			n_reloads++;
		json_decref(r);
		usleep(400000);
	}
	return NULL;
}

static uint64_t
total(const char *log, const char *port, const char *field)
{
	char key[64];
	const char *p = strstr(log, "=== totals");
	unsigned long long v = 0;

	cr_assert_not_null(p, "no totals in the log");
	snprintf(key, sizeof(key), "port %-12s", port);
	p = strstr(p, key);
	cr_assert_not_null(p, "no %s in the totals", port);
	p = strstr(p, field);
	cr_assert_not_null(p);
	sscanf(p + strlen(field), "%llu", &v);
	return v;
}

/* What the daemon's RSS may grow by during the soak: the 16 MiB request
 * buffers glibc keeps for reuse; under AddressSanitizer also its quarantine
 * of freed memory (256 MiB by default). */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_GROWTH_KB (64 * 1024 + 320 * 1024)
#else
#define RSS_GROWTH_KB (64 * 1024)
#endif

Test(ctl_hard, soak_abuse_and_reloads_under_traffic, .timeout = 90)
{
	void *(*fns[])(void *) = {idle_main,  slow_main,   big_main,
				  burst_main, scrape_main, reload_main};
	pthread_t t[6];
	int fds0, fds1, probes = 0, status;
	long rss0, rss1;
	uint64_t up_rx, s0_tx, s1_tx, drops;
	const char *log, *p;
	double t0;
	unsigned i;

	/* Warm up: traffic flows, one scrape and one request made. */
	for (i = 0; i < 100; i++) {
		json_t *r = request("stats", 2000);

		json_decref(r);
		if (r != NULL)
			break;
		usleep(50000);
	}
	cr_assert_eq(scrape(3000), 200);
	usleep(500000);
	fds0 = daemon_fds();
	rss0 = daemon_rss_kb();
	for (i = 0; i < 6; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, fns[i], NULL), 0);
	/* 10 s of abuse; meanwhile the control socket answers a probe within 2 s,
	 * every 100 ms (ok, or busy while a reload runs). */
	t0 = now_ms();
	while (now_ms() - t0 < 10000) {
		json_t *r = request("stats", 2000);

		probes++;
		if (r == NULL || !(json_is_true(json_object_get(r, "ok")) || is_busy(r)))
			n_probe_fail++;
		json_decref(r);
		usleep(100000);
	}
	soak_stop = true;
	for (i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	cr_expect_eq(n_probe_fail, 0, "%d of %d probes unanswered", n_probe_fail, probes);
	cr_expect_eq(n_burst_fail, 0, "%d burst requests unanswered (%d answered)", n_burst_fail,
		     n_burst_ok);
	cr_expect_gt(n_burst_ok, 0);
	cr_expect_gt(n_big_ok, 0, "no oversized request was refused");
	cr_expect_gt(n_scrape_ok, 0, "no scrape succeeded");
	cr_expect_gt(n_reloads, 0, "no reload applied");
	/* Every client gone and past its deadline: back to the fds we started with. */
	usleep(2500000);
	fds1 = daemon_fds();
	rss1 = daemon_rss_kb();
	cr_expect_leq(fds1, fds0 + 2, "daemon fds %d -> %d", fds0, fds1);
	cr_expect_lt(rss1, rss0 + RSS_GROWTH_KB, "daemon RSS %ld -> %ld KiB", rss0, rss1);
	/* Exact accounting once stopped: every packet received went out or was dropped. */
	status = daemon_stop();
	cr_assert(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit %d: %s",
		  status, read_file(log_path));
	log = read_file(log_path);
	up_rx = total(log, "up", " rx_pkts=");
	s0_tx = total(log, "s0", " tx_pkts=");
	s1_tx = total(log, "s1", " tx_pkts=");
	p = strstr(log, "drops total ");
	cr_assert_not_null(p);
	drops = strtoull(p + 12, NULL, 10);
	cr_assert_gt(up_rx, 0);
	cr_assert_eq(up_rx, s0_tx + s1_tx + drops,
		     "rx %" PRIu64 " != tx %" PRIu64 " + %" PRIu64 " + drops %" PRIu64, up_rx,
		     s0_tx, s1_tx, drops);
}
