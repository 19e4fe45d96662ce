/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch: the daemon. The main thread is the control thread: it loads the
 * config, initialises the EAL from it, builds and starts the switch, prints
 * rates periodically and stops cleanly on SIGINT/SIGTERM or after --duration.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_pdump.h>

#include "vs_app.h"
#include "vs_config.h"
#include "vs_counters.h"
#include "vs_ctl.h"
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

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
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
	if (cfg->openflow.listen[0] != '\0') {
		struct vs_ofp_params op = {
		    .listen = cfg->openflow.listen,
		    .datapath_id = cfg->openflow.datapath_id,
		    .sw = d->sw,
		    .cfg = (const struct vs_config *const *)&d->cfg,
		};
		struct vs_cfg_error err;

		d->ofp = vs_ofp_open(&op, &err);
		if (d->ofp == NULL)
			fprintf(stderr, "nfvswitch: no OpenFlow: %s\n", err.msg);
		else
			printf("openflow: listening on %s\n", cfg->openflow.listen);
	}
	if (vs_telemetry_register(d) < 0)
		fprintf(stderr, "nfvswitch: cannot register the telemetry commands\n");
	fflush(stdout);
}

/* Wait up to ms for a control request, serve what came, reload when asked. */
static void
control_poll(struct vs_daemon *d, int ms)
{
	struct pollfd pfd[3] = {{.fd = vs_ctl_fd(d->ctl), .events = POLLIN},
				{.fd = vs_metrics_fd(d->metrics), .events = POLLIN},
				{.fd = vs_ofp_fd(d->ofp), .events = POLLIN}};
	char msg[1024];

	if (poll(pfd, 3, ms) > 0) {
		if (pfd[0].revents)
			vs_ctl_serve(d->ctl);
		if (pfd[1].revents)
			vs_metrics_serve(d->metrics, d);
		if (pfd[2].revents)
			vs_ofp_serve(d->ofp);
	}
	if (reload_requested || vs_daemon_file_changed(d)) {
		bool hup = reload_requested;

		reload_requested = 0;
		if (vs_daemon_reload(d, msg, sizeof(msg)) == 0)
			printf("reload (%s): applied: %s\n", hup ? "SIGHUP" : "file changed", msg);
		else
			fprintf(stderr,
				"nfvswitch: reload (%s) refused, still running the previous "
				"config: %s\n",
				hup ? "SIGHUP" : "file changed", msg);
		fflush(stdout);
	}
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

static int
run(const struct vs_config *cfg, const char *file, const char *prog, uint32_t stats_ms,
    uint32_t duration_s)
{
	struct vs_switch_stats *cur, *prev, *tmp;
	struct vs_daemon d;
	struct vs_mbuf_sizing sz;
	uint32_t interval;
	struct vs_eal_args ea;
	struct vs_switch *sw;
	struct sigaction sa;
	char line[4096];
	double t_start, t_last, t_rerank, t;
	int rc;

	memset(&d, 0, sizeof(d));
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
	cur = calloc(1, sizeof(*cur));
	prev = calloc(1, sizeof(*prev));
	sw = vs_switch_create(cfg);
	if (sw == NULL || cur == NULL || prev == NULL) {
		fprintf(stderr, "nfvswitch: cannot create the switch: %s\n", strerror(errno));
		rc = EXIT_STARTUP;
		goto out;
	}
	rc = vs_switch_apply(sw, cfg);
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
	rc = vs_daemon_init(&d, sw, cfg, file);
	if (rc < 0) {
		fprintf(stderr, "nfvswitch: cannot set up the control plane: %s\n", strerror(-rc));
		rc = EXIT_STARTUP;
		goto out;
	}
	if (vs_daemon_sriov_start(&d, NULL) < 0)
		fprintf(stderr, "nfvswitch: SR-IOV not managed: %s\n", d.vf_error);
	control_open(&d, cfg);
	t_start = t_last = t_rerank = now_s();
	vs_switch_stats(sw, prev);
	while (!stop_requested) {
		control_poll(&d, 20);
		t = now_s();
		vs_daemon_tick(&d, t);
		vs_ofp_tick(d.ofp, (uint64_t)(t * 1000.0));
		/* vhost device events: a guest came or went. */
		vs_vhu_process_events(sw);
		vs_switch_reclaim(sw);
		if (t - t_rerank >= 1.0) {
			vs_switch_rerank(sw);
			t_rerank = t;
		}
		if (duration_s && t - t_start >= duration_s)
			break;
		/* control.stats_interval_ms is live: a reload may change it. */
		interval =
		    stats_ms == STATS_FROM_CONFIG ? d.cfg->control.stats_interval_ms : stats_ms;
		if (interval && (t - t_last) * 1000.0 >= interval) {
			vs_switch_stats(sw, cur);
			vs_stats_print(stdout, cur, prev, t - t_last, t - t_start);
			print_vhost(sw);
			tmp = prev;
			prev = cur;
			cur = tmp;
			t_last = t;
		}
	}
	printf("stopping%s\n", stop_requested ? " (signal)" : "");
	vs_ofp_close(d.ofp);
	d.ofp = NULL;
	vs_switch_stop(sw);
	vs_switch_stats(sw, cur);
	vs_stats_print(stdout, cur, NULL, 1.0, now_s() - t_start);
	print_vhost(sw);
	rc = EXIT_OK;
out:
	vs_switch_destroy(sw);
	vs_daemon_fini(&d);
	vs_vhu_fini();
	free(cur);
	free(prev);
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
