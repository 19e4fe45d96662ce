/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch: the daemon. The main thread is the control thread: it loads the
 * config, initialises the EAL from it, builds and starts the switch, then
 * runs the control loop (vs_loop.h): it sleeps on the control socket, the
 * metrics listener, the vhost event fd and the signal fd, and runs the
 * periodic jobs of one table (jobs[] below). It stops cleanly on
 * SIGINT/SIGTERM or after --duration.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_pdump.h>

#include "vs_app.h"
#include "vs_config.h"
#include "vs_counters.h"
#include "vs_ctl.h"
#include "vs_loop.h"
#include "vs_openflow.h"
#include "vs_switch.h"
#include "vs_vhost.h"

enum {
	EXIT_OK = 0,
	EXIT_CONFIG = 1,  /* invalid configuration */
	EXIT_USAGE = 2,	  /* bad command line */
	EXIT_STARTUP = 3, /* EAL, memory, port or rule setup failed */
};

/* run()'s stats_ms when --stats-interval is not given. */
#define STATS_FROM_CONFIG UINT32_MAX

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;
/* eventfd the handlers write so the control loop wakes (-1 before the loop). */
static int sig_fd = -1;

static void
sig_wake(void)
{
	uint64_t one = 1;
	int saved = errno;
	ssize_t rc;

	if (sig_fd >= 0) {
		rc = write(sig_fd, &one, sizeof(one));
		(void)rc;
	}
	errno = saved;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	sig_wake();
}

static void
on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
	sig_wake();
}

/* Open the control socket, the metrics listener and the telemetry commands.
 * A control plane that cannot start is reported; forwarding goes on. */
static void
control_open(struct vs_daemon *d, const struct vs_config *cfg)
{
	const char *path = cfg->control.socket[0] ? cfg->control.socket : VS_CTL_DEFAULT_SOCKET;

	d->ctl = vs_ctl_open(path, cfg->control.socket_perm ? cfg->control.socket_perm : 0600,
			     vs_daemon_handle, d);
	if (d->ctl == NULL)
		fprintf(stderr,
			"nfvswitch: no control socket at %s: %s; nfvswitch-ctl will not "
			"reach this daemon\n",
			path, strerror(errno));
	else
		printf("control socket: %s\n", path);
	if (cfg->control.metrics_listen[0] != '\0') {
		d->metrics = vs_metrics_listen(cfg->control.metrics_listen);
		if (d->metrics == NULL)
			fprintf(stderr, "nfvswitch: cannot serve metrics on %s: %s\n",
				cfg->control.metrics_listen, strerror(errno));
		else
			printf("metrics: http://%s/metrics\n", cfg->control.metrics_listen);
	}
	if (cfg->openflow.listen[0] != '\0' || cfg->openflow.n_controllers > 0) {
		struct vs_ofp_params op = {
		    .listen = cfg->openflow.listen,
		    .datapath_id = cfg->openflow.datapath_id,
		    .n_controllers = cfg->openflow.n_controllers,
		    .miss_to_controller = cfg->openflow.table_miss == VS_CFG_MISS_CONTROLLER,
		    .packet_in_rate = cfg->openflow.packet_in_rate,
		    .n_tables = cfg->openflow.tables,
		    .standalone = cfg->openflow.fail_mode == VS_CFG_FAIL_STANDALONE,
		    .sw = d->sw,
		    .cfg = (const struct vs_config *const *)&d->cfg,
		};
		struct vs_cfg_error err;
		uint32_t k;

		for (k = 0; k < cfg->openflow.n_controllers; k++)
			op.controllers[k] = cfg->openflow.controllers[k];
		d->ofp = vs_ofp_open(&op, &err);
		if (d->ofp == NULL)
			fprintf(stderr, "nfvswitch: no OpenFlow: %s\n", err.msg);
		else if (cfg->openflow.listen[0] != '\0')
			printf("openflow: listening on %s\n", cfg->openflow.listen);
		for (k = 0; d->ofp != NULL && k < cfg->openflow.n_controllers; k++)
			printf("openflow: controller %s\n", cfg->openflow.controllers[k]);
	}
	if (vs_telemetry_register(d) < 0)
		fprintf(stderr, "nfvswitch: cannot register the telemetry commands\n");
	fflush(stdout);
}

/* Reload the file (SIGHUP or control.watch_file) and say what happened. */
static void
reload(struct vs_daemon *d, const char *why)
{
	char msg[1024];

	if (vs_daemon_reload(d, msg, sizeof(msg)) == 0)
		printf("reload (%s): applied: %s\n", why, msg);
	else
		fprintf(stderr,
			"nfvswitch: reload (%s) refused, still running the previous config: %s\n",
			why, msg);
	fflush(stdout);
}

static void
usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: nfvswitch [-c FILE] [--check] [--stats-interval MS] [--duration S]\n"
	    "                 [--version] [--help]\n"
	    "  -c, --config FILE       configuration file (default: the built-in demo,\n"
	    "                          config/examples/demo.yaml)\n"
	    "      --check             validate the configuration only (no DPDK) and exit\n"
	    "      --stats-interval MS print rates every MS milliseconds (overrides\n"
	    "                          control.stats_interval_ms; 0 = off)\n"
	    "      --duration S        stop after S seconds (default: run until SIGINT/SIGTERM)\n"
	    "      --version           print the version and exit\n"
	    "  -h, --help              this text\n"
	    "control: SIGHUP reloads the configuration file; nfvswitch-ctl talks to the\n"
	    "  socket control.socket (default " VS_CTL_DEFAULT_SOCKET "); see\n"
	    "  docs/operations.md\n"
	    "exit status:\n"
	    "  0  stopped cleanly (or --check: the configuration is valid)\n"
	    "  1  invalid configuration (the message says FILE:LINE:COL and why)\n"
	    "  2  bad command line\n"
	    "  3  startup failed: EAL, memory, ports or rules (the message says which)\n");
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* The built-in demo reads a capture that may not exist yet: make it. */
static int
ensure_demo_pcap(const struct vs_config *cfg)
{
	struct vs_pcapgen_params p;
	struct stat st;
	uint32_t i;
	int rc;

	for (i = 0; i < cfg->n_ports; i++)
		if (strstr(cfg->ports[i].device, "rx_pcap=" VS_DEMO_PCAP) != NULL)
			break;
	if (i == cfg->n_ports || stat(VS_DEMO_PCAP, &st) == 0)
		return 0;
	if (mkdir(VS_DEMO_PCAP_DIR, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "nfvswitch: cannot create %s: %s\n", VS_DEMO_PCAP_DIR,
			strerror(errno));
		return -errno;
	}
	vs_demo_pcapgen_params(&p);
	rc = vs_pcapgen_write(VS_DEMO_PCAP, &p);
	if (rc < 0) {
		fprintf(stderr, "nfvswitch: cannot write %s: %s\n", VS_DEMO_PCAP, strerror(-rc));
		return rc;
	}
	printf("generated %s: %u flows, %u packets of %u bytes\n", VS_DEMO_PCAP, p.flows, p.count,
	       p.size);
	return 0;
}

/* One line per vhost port: connection state, features, per-queue counts. */
static void
print_vhost(struct vs_switch *sw)
{
	char line[1024];
	uint16_t id;

	for (id = 0; id < VS_PORT_MAX; id++) {
		struct vs_port *p = vs_switch_port(sw, id);

		if (p != NULL && p->type == VS_PORT_VHOST &&
		    vs_vhu_stats_format(p, line, sizeof(line)) >= 0)
			printf("%s\n", line);
	}
	fflush(stdout);
}

/* ---- the control loop --------------------------------------------------------------- */

/* What the control loop's callbacks and jobs work on. */
struct app {
	struct vs_daemon d;
	struct vs_switch *sw;
	struct vs_loop *loop;
	struct vs_switch_stats *cur, *prev; /* the stats printout's window */
	uint32_t stats_ms;		    /* --stats-interval, or STATS_FROM_CONFIG */
	uint32_t duration_s;
	double t_start, t_last;
};

/* vhost reports a guest's device came or went: republish the worker
 * snapshot (on GONE before returning: the guest's memory goes next). */
static void
on_vhu_event(void *arg, const struct vs_vhu_event *ev)
{
	struct app *a = arg;
	int rc;

	if (ev->type != VS_VHU_EV_READY && ev->type != VS_VHU_EV_GONE)
		return;
	rc = vs_switch_refresh_ports(a->sw);
	if (rc < 0)
		fprintf(stderr, "nfvswitch: port %s: cannot republish the worker snapshot: %s\n",
			ev->port->name, strerror(-rc));
	vs_ofp_ports_changed(a->d.ofp); /* PORT_STATUS: the guest is the port's link */
}

static void
fd_ctl(void *arg, int fd, short revents)
{
	struct app *a = arg;

	(void)fd;
	(void)revents;
	vs_ctl_serve(a->d.ctl);
}

static void
fd_metrics(void *arg, int fd, short revents)
{
	struct app *a = arg;

	(void)fd;
	(void)revents;
	vs_metrics_serve(a->d.metrics, &a->d);
}

static void
fd_openflow(void *arg, int fd, short revents)
{
	struct app *a = arg;

	(void)fd;
	(void)revents;
	vs_ofp_serve(a->d.ofp);
}

static void
job_openflow(void *arg, uint64_t now)
{
	struct app *a = arg;

	vs_ofp_tick(a->d.ofp, now);
}

static void
job_flow_expiry(void *arg, uint64_t now)
{
	struct app *a = arg;

	(void)now;
	vs_ofp_timeouts(a->d.ofp);
}

static void
job_packet_in(void *arg, uint64_t now)
{
	struct app *a = arg;

	(void)now;
	vs_ofp_packet_ins(a->d.ofp);
}

static void
fd_vhost(void *arg, int fd, short revents)
{
	struct app *a = arg;

	(void)fd;
	(void)revents;
	vs_vhu_process_events(on_vhu_event, a);
}

static void
fd_signal(void *arg, int fd, short revents)
{
	struct app *a = arg;
	uint64_t n;

	(void)revents;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		fprintf(stderr, "nfvswitch: signal fd: %s\n", strerror(errno));
	if (stop_requested) {
		vs_loop_stop(a->loop);
		return;
	}
	if (reload_requested) {
		reload_requested = 0;
		reload(&a->d, "SIGHUP");
	}
}

static void
job_stats_copy(void *arg, uint64_t now)
{
	struct app *a = arg;

	vs_daemon_stats_copy(&a->d, (double)now / 1e3);
}

static void
job_rate_window(void *arg, uint64_t now)
{
	struct app *a = arg;

	vs_daemon_rate_window(&a->d, (double)now / 1e3);
}

static uint64_t
sriov_due(void *arg)
{
	struct app *a = arg;

	return vs_daemon_sriov_due(&a->d);
}

static void
job_sriov(void *arg, uint64_t now)
{
	struct app *a = arg;

	vs_daemon_sriov_step(&a->d, now);
}

static void
job_reclaim(void *arg, uint64_t now)
{
	struct app *a = arg;

	(void)now;
	vs_switch_reclaim(a->sw);
}

/* The MAC table: learn events, aging (its clock: monotonic seconds). */
static void
job_l2(void *arg, uint64_t now)
{
	struct app *a = arg;
	struct timespec ts;

	(void)now;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	vs_switch_l2_tick(a->sw, (uint32_t)ts.tv_sec);
}

/* Tunnels: ARP / ND the workers set aside, neighbour requests that are due. */
static void
job_tunnel(void *arg, uint64_t now)
{
	struct app *a = arg;
	struct timespec ts;

	(void)now;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	vs_switch_tun_tick(a->sw, (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
job_rerank(void *arg, uint64_t now)
{
	struct app *a = arg;

	(void)now;
	vs_switch_rerank(a->sw);
}

/* A port's link changed: say so (the first reading of each port too), and
 * tell the controllers. */
static void
on_link(void *arg, const struct vs_link_event *ev)
{
	struct app *a = arg;

	vs_ofp_ports_changed(a->d.ofp);
	if (ev->up)
		printf("port %s: link up, %u Mbit/s, %s duplex\n", ev->port->name, ev->speed,
		       ev->full_duplex ? "full" : "half");
	else
		printf("port %s: link down\n", ev->port->name);
	fflush(stdout);
}

static void
job_link(void *arg, uint64_t now)
{
	struct app *a = arg;

	(void)now;
	vs_switch_link_poll(a->sw, on_link, a);
}

/* A device raised a link state change interrupt: read the links now. */
static void
fd_link(void *arg, int fd, short revents)
{
	struct app *a = arg;

	(void)fd;
	(void)revents;
	vs_port_link_event_clear();
	vs_switch_link_poll(a->sw, on_link, a);
}

static void
job_watch_file(void *arg, uint64_t now)
{
	struct app *a = arg;

	(void)now;
	if (vs_daemon_file_changed(&a->d))
		reload(&a->d, "file changed");
}

/* control.stats_interval_ms is live: a reload may change it. */
static uint32_t
stats_period(void *arg)
{
	struct app *a = arg;

	return a->stats_ms == STATS_FROM_CONFIG ? a->d.cfg->control.stats_interval_ms : a->stats_ms;
}

static void
job_stats_print(void *arg, uint64_t now)
{
	struct app *a = arg;
	struct vs_switch_stats *tmp;
	double t = now_s();

	(void)now;
	vs_switch_stats(a->sw, a->cur);
	vs_stats_print(stdout, a->cur, a->prev, t - a->t_last, t - a->t_start);
	print_vhost(a->sw);
	tmp = a->prev;
	a->prev = a->cur;
	a->cur = tmp;
	a->t_last = t;
}

static void
job_duration(void *arg, uint64_t now)
{
	struct app *a = arg;

	(void)now;
	vs_loop_stop(a->loop);
}

/* Every periodic job of the control loop, and how often it runs. */
static const struct vs_loop_job jobs[] = {
    {.name = "stats-copy", .period_ms = 100, .fn = job_stats_copy},
    {.name = "rate-window", .period_ms = 1000, .fn = job_rate_window},
    /* When the reconcile context says, at most every 10 ms. */
    {.name = "sriov", .period_ms = 10, .due_fn = sriov_due, .fn = job_sriov},
    {.name = "reclaim", .period_ms = 100, .fn = job_reclaim},
    {.name = "rerank", .period_ms = 1000, .fn = job_rerank},
    /* Link state: polled, as not every PMD raises LSC interrupts (those
     * that do wake the loop through the link-events fd at once). */
    {.name = "link", .period_ms = 1000, .fn = job_link},
    {.name = "l2", .period_ms = 100, .fn = job_l2},
    {.name = "tunnel", .period_ms = 20, .fn = job_tunnel},
    {.name = "watch-file", .period_ms = 100, .fn = job_watch_file},
    {.name = "stats-print", .period_fn = stats_period, .fn = job_stats_print},
};

/* Register the fds and the jobs. 0 or -errno. */
static int
loop_setup(struct app *a)
{
	size_t i;
	int rc;

	a->loop = vs_loop_create(NULL, NULL);
	if (a->loop == NULL)
		return -errno;
	sig_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sig_fd < 0)
		return -errno;
	rc = vs_loop_add_fd(a->loop, "signals", sig_fd, fd_signal, a);
	if (rc == 0)
		rc = vs_loop_add_fd(a->loop, "vhost-events", vs_vhu_event_fd(), fd_vhost, a);
	if (rc == 0)
		rc = vs_loop_add_fd(a->loop, "link-events", vs_port_link_event_fd(), fd_link, a);
	if (rc == 0 && a->d.ctl != NULL)
		rc = vs_loop_add_fd(a->loop, "ctl", vs_ctl_fd(a->d.ctl), fd_ctl, a);
	if (rc == 0 && a->d.metrics != NULL)
		rc = vs_loop_add_fd(a->loop, "metrics", vs_metrics_fd(a->d.metrics), fd_metrics, a);
	if (rc == 0 && a->d.ofp != NULL) {
		/* OpenFlow: its connections, and its echo / inactivity probes. */
		const struct vs_loop_job probe = {
		    .name = "openflow", .period_ms = 100, .fn = job_openflow};
		/* packet-ins: the workers' rings drained every 2 ms */
		const struct vs_loop_job pin = {
		    .name = "packet-in", .period_ms = 2, .fn = job_packet_in};
		/* idle and hard timeouts (whole seconds): checked 4 times a second */
		const struct vs_loop_job expiry = {
		    .name = "flow-expiry", .period_ms = 250, .fn = job_flow_expiry};

		rc = vs_loop_add_fd(a->loop, "openflow", vs_ofp_fd(a->d.ofp), fd_openflow, a);
		if (rc == 0)
			rc = vs_loop_add_job(a->loop, &probe, a);
		if (rc == 0)
			rc = vs_loop_add_job(a->loop, &pin, a);
		if (rc == 0)
			rc = vs_loop_add_job(a->loop, &expiry, a);
	}
	for (i = 0; rc == 0 && i < sizeof(jobs) / sizeof(jobs[0]); i++)
		rc = vs_loop_add_job(a->loop, &jobs[i], a);
	if (rc == 0 && a->duration_s) {
		const struct vs_loop_job stop = {
		    .name = "duration", .period_ms = a->duration_s * 1000, .fn = job_duration};

		rc = vs_loop_add_job(a->loop, &stop, a);
	}
	return rc;
}

static void
loop_teardown(struct app *a)
{
	char line[1024];

	if (a->loop != NULL && vs_loop_summary(a->loop, line, sizeof(line)) >= 0)
		printf("control loop: %s\n", line);
	vs_loop_destroy(a->loop);
	a->loop = NULL;
	if (sig_fd >= 0)
		close(sig_fd);
	sig_fd = -1;
}

static int
run(const struct vs_config *cfg, const char *file, const char *prog, uint32_t stats_ms,
    uint32_t duration_s)
{
	struct app a;
	struct vs_mbuf_sizing sz;
	struct vs_eal_args ea;
	struct vs_config *staged = NULL;
	struct vs_switch *sw;
	struct sigaction sa;
	char line[4096];
	int rc;

	memset(&a, 0, sizeof(a));
	a.stats_ms = stats_ms;
	a.duration_s = duration_s;
	rc = vs_switch_mbuf_sizing(cfg, &sz);
	if (rc < 0) {
		fprintf(stderr, "nfvswitch: cannot size the mempool: %s\n", strerror(-rc));
		return EXIT_STARTUP;
	}
	printf("mempool: %u mbufs x %u bytes = %" PRIu64 " MiB (rx desc %" PRIu64
	       ", tx desc %" PRIu64 ", in flight %" PRIu64 ", caches %" PRIu64 ", reserve %" PRIu64
	       "); memory needed %u MiB\n",
	       sz.n_mbufs, sz.mbuf_size, sz.pool_bytes >> 20, sz.rx_desc, sz.tx_desc, sz.inflight,
	       sz.caches, sz.reserve, sz.memory_mb);
	rc = vs_app_check_memory(cfg, &sz, line, sizeof(line));
	if (rc == 0)
		rc = vs_app_check_hugepages(cfg, &sz, vs_app_hugepages_free_mb("/proc/meminfo"),
					    line, sizeof(line));
	if (rc < 0) {
		fprintf(stderr, "nfvswitch: %s\n", line);
		return EXIT_STARTUP;
	}
	rc = vs_app_eal_args(cfg, prog, &sz, &ea);
	if (rc < 0) {
		fprintf(stderr, "nfvswitch: cannot build the EAL arguments: %s\n", strerror(-rc));
		return EXIT_STARTUP;
	}
	printf("EAL arguments: %s\n", vs_app_eal_args_str(&ea, line, sizeof(line)));
	fflush(stdout);
	if (rte_eal_init(ea.argc, ea.argv) < 0) {
		fprintf(stderr, "nfvswitch: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return EXIT_STARTUP;
	}
	/* Packet capture by dpdk-dumpcap / dpdk-pdump (secondary processes):
	 * needs the shared config, so not with dpdk.in_memory. */
	if (rte_pdump_init() < 0)
		printf("packet capture (pdump) unavailable: %s\n", rte_strerror(rte_errno));
	rc = vs_vhu_init();
	if (rc < 0) {
		fprintf(stderr, "nfvswitch: cannot set up vhost-user support: %s\n", strerror(-rc));
		rte_eal_cleanup();
		return EXIT_STARTUP;
	}
	a.cur = calloc(1, sizeof(*a.cur));
	a.prev = calloc(1, sizeof(*a.prev));
	sw = a.sw = vs_switch_create(cfg);
	if (sw == NULL || a.cur == NULL || a.prev == NULL) {
		fprintf(stderr, "nfvswitch: cannot create the switch: %s\n", strerror(errno));
		rc = EXIT_STARTUP;
		goto out;
	}
	/* SR-IOV: VF ports open once their VFs exist and are configured
	 * (vs_daemon_sriov_start); the rest starts now. */
	staged = cfg->n_sriov != 0 ? vs_daemon_without_new_vf_ports(cfg, NULL) : NULL;
	rc = vs_switch_apply(sw, staged ? staged : cfg);
	if (rc < 0) {
		fprintf(stderr, "nfvswitch: cannot apply %s: %s (see the log above)\n", cfg->source,
			strerror(-rc));
		rc = EXIT_STARTUP;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	rc = vs_switch_start(sw);
	if (rc < 0) {
		fprintf(stderr, "nfvswitch: cannot start: %s\n", strerror(-rc));
		rc = EXIT_STARTUP;
		goto out;
	}
	printf("nfvswitch running: %u ports, %u workers, %u rules; Ctrl-C stops\n", cfg->n_ports,
	       cfg->n_workers, cfg->n_rules);
	fflush(stdout);
	rc = vs_daemon_init(&a.d, sw, cfg, file);
	if (rc < 0) {
		fprintf(stderr, "nfvswitch: cannot set up the control plane: %s\n", strerror(-rc));
		rc = EXIT_STARTUP;
		goto out;
	}
	a.d.staged = staged; /* the switch runs it until the VF ports open */
	staged = NULL;
	if (vs_daemon_sriov_start(&a.d, NULL) < 0)
		fprintf(stderr, "nfvswitch: SR-IOV not managed: %s\n", a.d.vf_error);
	control_open(&a.d, cfg);
	rc = loop_setup(&a);
	if (rc < 0) {
		fprintf(stderr, "nfvswitch: cannot set up the control loop: %s\n", strerror(-rc));
		rc = EXIT_STARTUP;
		goto out;
	}
	a.t_start = a.t_last = now_s();
	vs_switch_stats(sw, a.prev);
	/* A signal that came before the loop's fd existed. */
	if (!stop_requested) {
		if (reload_requested)
			sig_wake();
		vs_loop_run(a.loop);
	}
	printf("stopping%s\n", stop_requested ? " (signal)" : "");
	vs_ofp_close(a.d.ofp);
	a.d.ofp = NULL;
	vs_switch_stop(sw);
	vs_switch_stats(sw, a.cur);
	vs_stats_print(stdout, a.cur, NULL, 1.0, now_s() - a.t_start);
	print_vhost(sw);
	rc = EXIT_OK;
out:
	loop_teardown(&a);
	vs_switch_destroy(sw);
	vs_daemon_staged_free(staged); /* not handed to the daemon */
	vs_daemon_fini(&a.d);
	vs_vhu_fini();
	free(a.cur);
	free(a.prev);
	rte_pdump_uninit();
	rte_eal_cleanup();
	return rc;
}

int
main(int argc, char **argv)
{
	/* clang-format off */
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 1 },
		{ "stats-interval", required_argument, NULL, 2 },
		{ "duration", required_argument, NULL, 3 },
		{ "version", no_argument, NULL, 4 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* clang-format on */
	const char *file = NULL;
	bool check = false, have_stats = false;
	uint32_t stats_ms = 0, duration_s = 0;
	struct vs_cfg_error err;
	struct vs_config *cfg;
	int c, rc;

	/*
	 * The control plane allocates in bursts of megabytes (a rule batch of
	 * 10,000 rules parses into ~11 MiB): keep such blocks in the heap
	 * rather than mapping, faulting in and unmapping them each time.
	 */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			file = optarg;
			break;
		case 1:
			check = true;
			break;
		case 2:
			if (parse_u32(optarg, &stats_ms) < 0) {
				fprintf(stderr,
					"nfvswitch: --stats-interval: '%s' is not a number of "
					"milliseconds\n",
					optarg);
				return EXIT_USAGE;
			}
			have_stats = true;
			break;
		case 3:
			if (parse_u32(optarg, &duration_s) < 0 || duration_s == 0) {
				fprintf(stderr,
					"nfvswitch: --duration: '%s' is not a positive number "
					"of seconds\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 4:
			printf("nfvswitch %s\n", VS_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "nfvswitch: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	memset(&err, 0, sizeof(err));
	if (file)
		cfg = vs_config_load(file, &err);
	else
		cfg = vs_config_load_buf(vs_builtin_config, vs_builtin_config_len, "<built-in>",
					 &err);
	if (cfg == NULL) {
		fprintf(stderr, "%s\n", err.msg[0] ? err.msg : "invalid configuration");
		return EXIT_CONFIG;
	}
	if (check) {
		printf("%s: OK (%u ports, %u workers, %u rules)\n", file ? file : "<built-in>",
		       cfg->n_ports, cfg->n_workers, cfg->n_rules);
		vs_config_free(cfg);
		return EXIT_OK;
	}
	if (!file && ensure_demo_pcap(cfg) < 0) {
		vs_config_free(cfg);
		return EXIT_STARTUP;
	}
	if (!have_stats)
		stats_ms = STATS_FROM_CONFIG;
	rc = run(cfg, file, "nfvswitch", stats_ms, duration_s);
	vs_config_free(cfg);
	return rc;
}
