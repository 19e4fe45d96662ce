/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch-ctl: the command line client of the daemon's control socket.
 * Sends one JSON request per command and prints the reply for people, or as
 * JSON with --json (every read command).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "vs_ctl_client.h"
#include "vs_ctl_cmds.h"

#ifndef VS_VERSION
#define VS_VERSION "unknown"
#endif

enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,     /* the daemon answered with an error */
	EXIT_USAGE = 2,	      /* bad command line */
	EXIT_UNREACHABLE = 3, /* no daemon at the socket, or not allowed */
};

static const char *sock_path;
static int timeout_ms = 5000;
static bool as_json;

/* The daemon's command table (vs_ctl_cmds.h): parsing and help come from it. */
static const struct {
	const char *cmd, *sub, *words, *usage;
	unsigned min, max, flags;
	const char *help;
} cmds[] = {
#define CTL_CMD_(id, cmd, sub, words, usage, min, max, flags, help)                                \
	[VS_CTL_CMD_##id] = {cmd, sub, words, usage, min, max, flags, help},
    VS_CTL_COMMANDS(CTL_CMD_)
#undef CTL_CMD_
};

static void
usage(FILE *f)
{
	char left[64];
	size_t i;

	fprintf(f, "usage: nfvswitch-ctl [-s SOCKET] [--json] [-t MS] COMMAND\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(left, sizeof(left), "%s%s%s", cmds[i].words, cmds[i].usage[0] ? " " : "",
			 cmds[i].usage);
		fprintf(f, "  %-24s %s%s\n", left, cmds[i].help,
			cmds[i].flags & VS_CTL_F_RO ? "" : " [changes state]");
	}
	fprintf(f,
		"options:\n"
		"  -s, --socket PATH      control socket (default $NFVSWITCH_CTL_SOCKET or %s)\n"
		"      --json             print the daemon's JSON reply as is\n"
		"  -t, --timeout MS       wait at most MS for connecting and the reply\n"
		"                         (default 5000)\n"
		"exit status: 0 ok, 1 the daemon refused, 2 bad usage, 3 daemon unreachable\n",
		VS_CTL_DEFAULT_SOCKET);
}

/* ---- request ------------------------------------------------------------------- */

static int
explain_unreachable(int err)
{
	struct stat st;

	switch (err) {
	case ENOENT:
		fprintf(stderr,
			"nfvswitch-ctl: no control socket at %s: is nfvswitch running? (give -s "
			"PATH if its control.socket is elsewhere)\n",
			sock_path);
		break;
	case ECONNREFUSED:
		fprintf(stderr,
			"nfvswitch-ctl: nothing listens on %s: the daemon is not running (the "
			"socket file is stale)\n",
			sock_path);
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr,
			"nfvswitch-ctl: permission denied on %s%s: run as the daemon's user or "
			"root, or set control.socket_perm\n",
			sock_path,
			stat(sock_path, &st) == 0 ? " (its mode does not allow this user)" : "");
		break;
	case ENOTSOCK:
		fprintf(stderr, "nfvswitch-ctl: %s is not a socket\n", sock_path);
		break;
	case ETIMEDOUT:
		fprintf(stderr, "nfvswitch-ctl: no reply from %s within %d ms\n", sock_path,
			timeout_ms);
		break;
	case EPROTO:
		fprintf(stderr, "nfvswitch-ctl: %s did not answer with JSON: not nfvswitch?\n",
			sock_path);
		break;
	default:
		fprintf(stderr, "nfvswitch-ctl: cannot talk to %s: %s\n", sock_path, strerror(err));
		break;
	}
	return EXIT_UNREACHABLE;
}

/* Send {cmd, args}; on success *result is the borrowed result inside *reply. */
/* The request cmd ARGS...; a payload (may be NULL) goes raw after the line
 * as the last argument. */
static int
request_payload(const char *cmd, char *const *args, int n, const char *payload, size_t len,
		json_t **reply, json_t **result)
{
	json_t *req = json_pack("{s:s, s:[]}", "cmd", cmd, "args");
	json_t *r;
	int i;

	if (req == NULL)
		return EXIT_REFUSED;
	for (i = 0; i < n; i++)
		json_array_append_new(json_object_get(req, "args"), json_string(args[i]));
	r = vs_ctl_request_payload(sock_path, req, payload, len, timeout_ms);
	json_decref(req);
	if (r == NULL)
		return explain_unreachable(errno);
	*reply = r;
	if (!json_is_true(json_object_get(r, "ok"))) {
		const char *e = json_string_value(json_object_get(r, "error"));

		if (as_json)
			json_dumpf(r, stdout, JSON_INDENT(2)), putchar('\n');
		fprintf(stderr, "nfvswitch-ctl: %s\n", e ? e : "the daemon refused the command");
		return EXIT_REFUSED;
	}
	*result = json_object_get(r, "result");
	return EXIT_OK;
}

static int
request(const char *cmd, char *const *args, int n, json_t **reply, json_t **result)
{
	return request_payload(cmd, args, n, NULL, 0, reply, result);
}

/* ---- helpers ---------------------------------------------------------------------- */

static uint64_t
u64(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		return (uint64_t)json_integer_value(v);
	if (json_is_real(v))
		return (uint64_t)json_real_value(v);
	return 0;
}

static double
dbl(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* ---- formatting -------------------------------------------------------------------- */

static void
print_ports(const json_t *ports)
{
	size_t i;
	json_t *p;

	printf("%-14s %-7s %-5s %14s %14s %10s %10s %10s %10s\n", "PORT", "TYPE", "UP", "RX_PKTS",
	       "TX_PKTS", "TX_DROPS", "MISSED", "RX_MPPS", "TX_MPPS");
	json_array_foreach(ports, i, p)
	{
		const json_t *r = json_object_get(p, "rates");

		printf("%-14s %-7s %-5s %14" PRIu64 " %14" PRIu64 " %10" PRIu64 " %10" PRIu64
		       " %10.3f %10.3f\n",
		       str(p, "name"), str(p, "type"),
		       json_is_true(json_object_get(p, "ready")) ? "yes" : "no", u64(p, "rx_pkts"),
		       u64(p, "tx_pkts"), u64(p, "tx_drops"), u64(p, "imissed"),
		       r ? dbl(r, "rx_pps") / 1e6 : 0.0, r ? dbl(r, "tx_pps") / 1e6 : 0.0);
	}
	json_array_foreach(ports, i, p)
	{
		const json_t *l = json_object_get(p, "link");

		if (l != NULL)
			printf("%-14s link %s %" PRIu64 " Mbit/s %s-duplex%s, %zu xstats\n",
			       str(p, "name"),
			       json_is_true(json_object_get(l, "up")) ? "up" : "down",
			       u64(l, "speed_mbps"), str(l, "duplex"),
			       json_is_true(json_object_get(l, "autoneg")) ? " autoneg" : "",
			       json_object_size(json_object_get(p, "xstats")));
	}
}

static void
print_workers(const json_t *workers)
{
	size_t i, j;
	json_t *w, *q;

	json_array_foreach(workers, i, w)
	{
		const json_t *cpp = json_object_get(w, "cycles_per_pkt");
		const json_t *cls = json_object_get(w, "classifier");
		const json_t *hist = json_object_get(w, "burst_hist");
		const json_t *drops = json_object_get(w, "drops");
		const char *k;
		json_t *v;

		printf("worker %" PRIu64 " (lcore %" PRIu64 "):\n", u64(w, "index"),
		       u64(w, "lcore"));
		printf("  packets: rx %" PRIu64 "  tx %" PRIu64 "  avg burst %.1f\n",
		       u64(w, "rx_pkts"), u64(w, "tx_pkts"), dbl(w, "avg_burst"));
		printf("  cycles: busy %" PRIu64 " (%.1f%%, last second %.1f%%)  idle %" PRIu64
		       "\n",
		       u64(w, "busy_cycles"), dbl(w, "busy_pct"), dbl(w, "busy_pct_now"),
		       u64(w, "idle_cycles"));
		printf("  cycles/packet: %.1f =", dbl(cpp, "total"));
		json_object_foreach((json_t *)cpp, k, v)
		{
			if (strcmp(k, "total") != 0)
				printf(" %s %.1f", k, json_number_value(v));
		}
		printf("\n  lookups: %" PRIu64 "  port-fast %" PRIu64 "  emc %" PRIu64
		       " (%.1f%%)  tss %" PRIu64 "  miss %" PRIu64 "\n",
		       u64(cls, "lookups"), u64(cls, "port_fast_hits"), u64(cls, "emc_hits"),
		       dbl(cls, "emc_hit_pct"), u64(cls, "tss_hits"), u64(cls, "misses"));
		printf("  emc: %s, insert 1/%u; classify cycles/key with it %" PRIu64
		       ", bypassed %" PRIu64 " (0: not measured yet)\n",
		       json_is_true(json_object_get(cls, "emc_bypassed")) ? "bypassed" : "on",
		       1u << (unsigned)u64(cls, "emc_insert_shift"), u64(cls, "emc_cycles_on"),
		       u64(cls, "emc_cycles_off"));
		printf("  bursts: 1:%" PRIu64 " 2-3:%" PRIu64 " 4-7:%" PRIu64 " 8-15:%" PRIu64
		       " 16-31:%" PRIu64 " 32:%" PRIu64 "\n",
		       (uint64_t)json_integer_value(json_array_get(hist, 0)),
		       (uint64_t)json_integer_value(json_array_get(hist, 1)),
		       (uint64_t)json_integer_value(json_array_get(hist, 2)),
		       (uint64_t)json_integer_value(json_array_get(hist, 3)),
		       (uint64_t)json_integer_value(json_array_get(hist, 4)),
		       (uint64_t)json_integer_value(json_array_get(hist, 5)));
		if (json_object_size(drops)) {
			printf("  drops:");
			json_object_foreach((json_t *)drops, k, v)
			    printf(" %s=%" PRIu64, k, (uint64_t)json_integer_value(v));
			printf("\n");
		}
		json_array_foreach(json_object_get(w, "rxqs"), j, q)
		    printf("  rxq %s/%" PRIu64 ": %" PRIu64 " pkts, %.1f cycles/pkt, %.1f%% of "
			   "busy cycles\n",
			   str(q, "port"), u64(q, "queue"), u64(q, "pkts"),
			   dbl(q, "cycles_per_pkt"), dbl(q, "load_pct"));
	}
}

static void
print_rules(const json_t *res)
{
	size_t i;
	json_t *r;

	printf("rules of %s%s (%" PRIu64 " added at runtime)\n", str(res, "source"),
	       json_is_true(json_object_get(res, "differs_from_file"))
		   ? ": DIFFERS FROM THE FILE (runtime changes)"
		   : "",
	       u64(res, "runtime_rules"));
	printf("%6s %-16s %8s %12s %14s %9s %-8s %s\n", "ID", "NAME", "PRIORITY", "PACKETS",
	       "BYTES", "AGE_S", "SOURCE", "MATCH -> ACTIONS");
	json_array_foreach(json_object_get(res, "rules"), i, r) printf(
	    "%6" PRIu64 " %-16s %8" PRIu64 " %12" PRIu64 " %14" PRIu64 " %9.1f %-8s %s -> "
	    "%s\n",
	    u64(r, "id"), str(r, "name"), u64(r, "priority"), u64(r, "packets"), u64(r, "bytes"),
	    dbl(r, "age_s"), str(r, "source"), str(r, "match"), str(r, "actions"));
	json_array_foreach(json_object_get(res, "deleted_at_runtime"), i, r)
	    printf("%6s %-16s %8s %12s %14s %9s %-8s %s (file line %" PRIu64 ")\n", "-",
		   str(r, "name"), "", "", "", "", "deleted", str(r, "match"), u64(r, "line"));
}

static void
print_vf(const json_t *res)
{
	size_t i, j;
	json_t *pf, *vf;

	if (json_array_size(res) == 0)
		printf("no SR-IOV PFs configured\n");
	json_array_foreach(res, i, pf)
	{
		const char *k;
		json_t *f;

		if (strcmp(str(pf, "state"), "managed") != 0) {
			printf("pf %s (%s): %" PRIu64 " VFs, not managed%s%s\n", str(pf, "pf"),
			       str(pf, "backend"), u64(pf, "num_vfs"),
			       str(pf, "error")[0] ? ": " : "", str(pf, "error"));
			json_array_foreach(json_object_get(pf, "vfs"), j, vf)
			    printf("  vf %" PRIu64 ": mac %s vlan %" PRIu64 " spoofchk %s trust %s"
				   " (requested)\n",
				   u64(vf, "vf"), str(vf, "mac")[0] ? str(vf, "mac") : "-",
				   u64(vf, "vlan"), str(vf, "spoofchk"), str(vf, "trust"));
			continue;
		}
		printf("pf %s (driver %s, %s): num_vfs %" PRIu64
		       " requested, %d applied (%s)%s%s\n",
		       str(pf, "pf"), str(pf, "driver"), str(pf, "backend"), u64(pf, "num_vfs"),
		       (int)json_integer_value(json_object_get(pf, "num_vfs_applied")),
		       str(pf, "num_vfs_state"), str(pf, "num_vfs_msg")[0] ? ": " : "",
		       str(pf, "num_vfs_msg"));
		json_array_foreach(json_object_get(pf, "vfs"), j, vf)
		{
			printf("  vf %" PRIu64 "%s%s:\n", u64(vf, "vf"),
			       str(vf, "pci")[0] ? " " : "", str(vf, "pci"));
			json_object_foreach(json_object_get(vf, "fields"), k, f)
			    printf("    %-11s requested %-20s applied %-20s %s%s%s\n", k,
				   str(f, "requested"), str(f, "applied"), str(f, "state"),
				   str(f, "msg")[0] ? ": " : "", str(f, "msg"));
		}
	}
}

static void
print_vhost(const json_t *res)
{
	size_t i, j;
	json_t *p, *q;

	if (json_array_size(res) == 0)
		printf("no vhost-user ports\n");
	json_array_foreach(res, i, p)
	{
		const json_t *v = json_object_get(p, "vhost");

		printf("%-14s %s (%s, %" PRIu64 " queue pairs): %s", str(p, "name"), str(p, "path"),
		       str(p, "mode"), u64(p, "queues"), v ? str(v, "state") : "?");
		if (v != NULL)
			printf(", vid %d, features %s, %" PRIu64 " connections (%" PRIu64
			       " reconnects), %" PRIu64 " vrings",
			       (int)json_integer_value(json_object_get(v, "vid")),
			       str(v, "features"), u64(v, "connections"), u64(v, "reconnects"),
			       u64(v, "vrings"));
		printf("\n  rx %" PRIu64 " tx %" PRIu64 " tx_drops %" PRIu64 "\n",
		       u64(p, "rx_pkts"), u64(p, "tx_pkts"), u64(p, "tx_drops"));
		json_array_foreach(json_object_get(v, "queues"), j, q) printf(
		    "  queue %" PRIu64 ": rx %s %" PRIu64 "  tx %s %" PRIu64 "  ring full %" PRIu64
		    "  disabled %" PRIu64 "\n",
		    u64(q, "queue"), json_is_true(json_object_get(q, "rx_enabled")) ? "on " : "off",
		    u64(q, "rx_pkts"),
		    json_is_true(json_object_get(q, "tx_enabled")) ? "on " : "off",
		    u64(q, "tx_pkts"), u64(q, "tx_ring_full"), u64(q, "tx_disabled"));
	}
}

static void
print_openflow(const json_t *res)
{
	const json_t *pin = json_object_get(res, "packet_in");
	const json_t *pout = json_object_get(res, "packet_out");
	const json_t *fl = json_object_get(res, "flows");
	const json_t *fail = json_object_get(res, "fail");
	const json_t *roles = json_object_get(res, "roles");
	json_t *c;
	size_t i;

	if (!json_is_true(json_object_get(res, "enabled"))) {
		printf("OpenFlow is off (no openflow.listen or openflow.controllers)\n");
		return;
	}
	printf("datapath_id %s, listen %s, table_miss %s\n", str(res, "datapath_id"),
	       str(res, "listen")[0] ? str(res, "listen") : "-", str(res, "table_miss"));
	printf("accepted %" PRIu64 ", refused (version) %" PRIu64 ", closed by probe %" PRIu64 "\n",
	       u64(res, "accepted"), u64(res, "refused_version"), u64(res, "probes_closed"));
	printf("packet-in: queued %" PRIu64 ", sent %" PRIu64 ", rate-limited %" PRIu64
	       ", no controller %" PRIu64 ", unwanted %" PRIu64 "; packet-out: sent %" PRIu64
	       ", dropped %" PRIu64 "\n",
	       u64(pin, "queued"), u64(pin, "sent"), u64(pin, "rate_limited"),
	       u64(pin, "no_controller"), u64(pin, "unwanted"), u64(pout, "sent"),
	       u64(pout, "dropped"));
	printf("flows: %" PRIu64 " in %" PRIu64 " tables as %" PRIu64
	       " classifier rules; expired %" PRIu64 ", flow_removed sent %" PRIu64 "\n",
	       u64(fl, "flows"), u64(fl, "tables"), u64(fl, "classifier_rules"), u64(fl, "expired"),
	       u64(fl, "flow_removed_sent"));
	if (json_is_true(json_object_get(fail, "controller_connected")))
		printf("fail_mode %s: a controller is connected", str(fail, "mode"));
	else if (!json_is_true(json_object_get(fail, "no_controller")))
		printf("fail_mode %s: no connection for %.1fs (within the probe interval)",
		       str(fail, "mode"), dbl(fail, "no_controller_s"));
	else
		printf("fail_mode %s: NO CONTROLLER for %.1fs%s", str(fail, "mode"),
		       dbl(fail, "no_controller_s"),
		       json_is_true(json_object_get(fail, "fallback"))
			   ? ", MAC-learning fallback rule in place"
			   : "");
	printf(" (%" PRIu64 " transitions); port-status sent %" PRIu64 "\n",
	       u64(fail, "transitions"), u64(res, "port_status_sent"));
	if (json_is_integer(json_object_get(roles, "generation_id")))
		printf("roles: generation_id %" PRIu64 ", stale requests refused %" PRIu64 "\n",
		       u64(roles, "generation_id"), u64(roles, "stale_refused"));
	json_array_foreach(json_object_get(res, "conns"), i, c)
	{
		printf("  %-28s %-7s %-4s %-6s %.1fs  in %" PRIu64 " out %" PRIu64
		       " flow_mods %" PRIu64 " packet_ins %" PRIu64 " packet_outs %" PRIu64
		       " errors %" PRIu64 "/%" PRIu64 " bundles %" PRIu64 " open %" PRIu64
		       " committed %" PRIu64 " failed\n",
		       str(c, "peer"), str(c, "kind"),
		       json_is_true(json_object_get(c, "up")) ? "up" : "down", str(c, "role"),
		       dbl(c, "connected_s"), u64(c, "rx_msgs"), u64(c, "tx_msgs"),
		       u64(c, "flow_mods"), u64(c, "packet_ins"), u64(c, "packet_outs"),
		       u64(c, "errors_sent"), u64(c, "errors_rcvd"), u64(c, "bundles_open"),
		       u64(c, "bundles_committed"), u64(c, "bundles_failed"));
	}
}

static void
print_tunnels(const json_t *res)
{
	json_t *t, *r;
	size_t i, j;

	if (json_array_size(res) == 0)
		printf("no vxlan ports\n");
	json_array_foreach(res, i, t)
	{
		printf("%s: vni %" PRIu64 " over %s, local %s udp/%" PRIu64
		       ", encapsulated %" PRIu64 ", decapsulated %" PRIu64 ", tx drops %" PRIu64
		       "\n",
		       str(t, "name"), u64(t, "vni"), str(t, "underlay"), str(t, "local_ip"),
		       u64(t, "dst_port"), u64(t, "encapsulated"), u64(t, "decapsulated"),
		       u64(t, "tx_drops"));
		json_array_foreach(json_object_get(t, "remotes"), j, r)
		    printf("  remote %-39s %s\n", str(r, "ip"),
			   json_is_true(json_object_get(r, "resolved")) ? str(r, "next_hop_mac")
									: "(unresolved)");
	}
}

static void
print_neighbours(const json_t *res)
{
	const json_t *st = json_object_get(res, "stats");
	json_t *n;
	size_t i;

	printf("%-39s %-10s %-17s %-10s %10s %8s %8s\n", "address", "underlay", "mac", "state",
	       "age_ms", "requests", "replies");
	json_array_foreach(json_object_get(res, "neighbours"), i, n)
	    printf("%-39s %-10s %-17s %-10s %10" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
		   str(n, "ip"), str(n, "underlay"), str(n, "mac")[0] ? str(n, "mac") : "-",
		   str(n, "state"), u64(n, "age_ms"), u64(n, "requests"), u64(n, "replies"));
	printf("ARP in %" PRIu64 " (answered %" PRIu64 "), ND in %" PRIu64 " (answered %" PRIu64
	       "), requests sent %" PRIu64 ", send failures %" PRIu64 "\n",
	       u64(st, "arp_in"), u64(st, "arp_replied"), u64(st, "nd_in"), u64(st, "nd_replied"),
	       u64(st, "requests_sent"), u64(st, "send_failed"));
}

static void
print_rxqs(const json_t *res)
{
	size_t i, j;
	json_t *w, *q;

	json_array_foreach(res, i, w)
	{
		printf("worker %" PRIu64 " (lcore %" PRIu64 ") busy %.1f%%", u64(w, "worker"),
		       u64(w, "lcore"), dbl(w, "busy_pct"));
		if (u64(w, "cycles"))
			printf(" measured load %" PRIu64 " cycles", u64(w, "cycles"));
		if (u64(w, "hidden"))
			printf(" (%" PRIu64 " never-received queues not shown)", u64(w, "hidden"));
		printf(":\n");
		json_array_foreach(json_object_get(w, "rxqs"), j, q)
		    printf("  %-14s queue %-3" PRIu64 " usage %5.1f%%  %14" PRIu64 " pkts  %6.0f "
			   "cycles/pkt\n",
			   str(q, "port"), u64(q, "queue"), dbl(q, "usage_pct"), u64(q, "pkts"),
			   dbl(q, "cycles_per_pkt"));
	}
}

static void
print_stats(const json_t *res)
{
	const char *k;
	json_t *v;

	printf("uptime %.1f s, generation %" PRIu64 ", reloads %" PRIu64 " (%" PRIu64
	       " refused; last: %s)\n",
	       dbl(res, "uptime_s"), u64(res, "generation"), u64(res, "reloads"),
	       u64(res, "reload_failures"), str(res, "last_reload"));
	print_ports(json_object_get(res, "ports"));
	printf("drops: %" PRIu64 " total\n", u64(res, "total_drops"));
	json_object_foreach(json_object_get(res, "drops"), k, v) if (json_integer_value(v))
	    printf("  %-22s %" PRIu64 "\n", k, (uint64_t)json_integer_value(v));
	print_workers(json_object_get(res, "workers"));
}

/* ---- top ------------------------------------------------------------------------------ */

static volatile sig_atomic_t top_stop;

static void
on_int(int sig)
{
	(void)sig;
	top_stop = 1;
}

static const json_t *
find_by(const json_t *arr, const char *key, const char *val, int64_t ival)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
	{
		if (val != NULL && strcmp(str(o, key), val) == 0)
			return o;
		if (val == NULL && (int64_t)u64(o, key) == ival)
			return o;
	}
	return NULL;
}

/* Drops per second by reason (those that moved in the interval). */
static void
top_drops(const json_t *cur, const json_t *prev, double dt)
{
	const json_t *c = json_object_get(cur, "drops"), *p = json_object_get(prev, "drops");
	uint64_t total = u64(cur, "total_drops") - u64(prev, "total_drops");
	const char *k;
	json_t *v;

	printf("drops %.3f Mpps", (double)total / dt / 1e6);
	json_object_foreach((json_t *)c, k, v)
	{
		uint64_t d = (uint64_t)json_integer_value(v) - u64(p, k);

		if (d)
			printf("  %s %.3f", k, (double)d / dt / 1e6);
	}
	printf("\n");
}

static void
top_screen(const json_t *cur, const json_t *prev, bool clear)
{
	double dt = (double)(u64(cur, "tsc") - u64(prev, "tsc")) / (double)u64(cur, "tsc_hz");
	size_t i;
	json_t *p, *w;

	if (dt <= 0)
		return;
	if (clear)
		printf("\033[H\033[2J");
	printf("nfvswitch top - uptime %.0f s, generation %" PRIu64 ", interval %.2f s\n\n",
	       dbl(cur, "uptime_s"), u64(cur, "generation"), dt);
	printf("%-14s %10s %10s %10s %10s %10s\n", "PORT", "IN_MPPS", "OUT_MPPS", "IN_GBPS",
	       "OUT_GBPS", "PORT_DROP/S");
	json_array_foreach(json_object_get(cur, "ports"), i, p)
	{
		const json_t *q =
		    find_by(json_object_get(prev, "ports"), "name", str(p, "name"), 0);

		if (q == NULL)
			continue;
		printf("%-14s %10.3f %10.3f %10.3f %10.3f %10.0f\n", str(p, "name"),
		       (double)(u64(p, "rx_pkts") - u64(q, "rx_pkts")) / dt / 1e6,
		       (double)(u64(p, "tx_pkts") - u64(q, "tx_pkts")) / dt / 1e6,
		       (double)(u64(p, "rx_bytes") - u64(q, "rx_bytes")) * 8 / dt / 1e9,
		       (double)(u64(p, "tx_bytes") - u64(q, "tx_bytes")) * 8 / dt / 1e9,
		       (double)(u64(p, "tx_drops") + u64(p, "imissed") - u64(q, "tx_drops") -
				u64(q, "imissed")) /
			   dt);
	}
	top_drops(cur, prev, dt);
	printf("\n%-8s %7s %9s %9s %8s %8s %8s %8s %8s %8s %7s\n", "WORKER", "BUSY%", "RX_MPPS",
	       "CYC/PKT", "rx", "parse", "classify", "actions", "tx", "BURST", "EMC%");
	json_array_foreach(json_object_get(cur, "workers"), i, w)
	{
		const json_t *v = find_by(json_object_get(prev, "workers"), "index", NULL,
					  (int64_t)u64(w, "index"));
		const json_t *sc = json_object_get(w, "stage_cycles");
		const json_t *cls = json_object_get(w, "classifier");
		const json_t *psc, *pcls;
		uint64_t busy, idle, pkts, lookups, bursts = 0;
		double st[5];
		static const char *const stages[5] = {"rx", "parse", "classify", "actions", "tx"};
		size_t s;

		if (v == NULL)
			continue;
		psc = json_object_get(v, "stage_cycles");
		pcls = json_object_get(v, "classifier");
		busy = u64(w, "busy_cycles") - u64(v, "busy_cycles");
		idle = u64(w, "idle_cycles") - u64(v, "idle_cycles");
		pkts = u64(w, "rx_pkts") - u64(v, "rx_pkts");
		lookups = u64(cls, "lookups") - u64(pcls, "lookups");
		for (s = 0; s < 6; s++)
			bursts += (uint64_t)json_integer_value(
				      json_array_get(json_object_get(w, "burst_hist"), s)) -
				  (uint64_t)json_integer_value(
				      json_array_get(json_object_get(v, "burst_hist"), s));
		for (s = 0; s < 5; s++)
			st[s] =
			    pkts ? (double)(u64(sc, stages[s]) - u64(psc, stages[s])) / pkts : 0;
		printf("%-8" PRIu64
		       " %7.1f %9.3f %9.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %7.1f\n",
		       u64(w, "lcore"), busy + idle ? 100.0 * busy / (double)(busy + idle) : 0.0,
		       pkts / dt / 1e6, st[0] + st[1] + st[2] + st[3] + st[4], st[0], st[1], st[2],
		       st[3], st[4], bursts ? (double)pkts / bursts : 0.0,
		       lookups ? 100.0 * (double)(u64(cls, "emc_hits") - u64(pcls, "emc_hits")) /
				     lookups
			       : 0.0);
	}
	printf(
	    "\n(WORKER is the lcore; CYC/PKT = rx + parse + classify + actions + tx per received "
	    "packet)\n");
	fflush(stdout);
}

static int
cmd_top(int argc, char **argv)
{
	double interval = 1.0;
	long count = -1, k;
	json_t *prev = NULL, *prev_reply = NULL;
	bool clear = isatty(STDOUT_FILENO);
	int i, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-i") == 0 && i + 1 < argc)
			interval = atof(argv[++i]);
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			count = atol(argv[++i]);
		else {
			fprintf(stderr, "nfvswitch-ctl: top: unexpected '%s' (top [-i S] [-n N])\n",
				argv[i]);
			return EXIT_USAGE;
		}
	}
	if (interval < 0.1 || interval > 3600) {
		fprintf(stderr, "nfvswitch-ctl: top: -i wants 0.1 to 3600 seconds\n");
		return EXIT_USAGE;
	}
	signal(SIGINT, on_int);
	for (k = 0; !top_stop && (count < 0 || k <= count); k++) {
		json_t *reply = NULL, *res = NULL;
		struct timespec ts = {.tv_sec = (time_t)interval,
				      .tv_nsec =
					  (long)((interval - (double)(time_t)interval) * 1e9)};

		rc = request("stats", NULL, 0, &reply, &res);
		if (rc != EXIT_OK) {
			json_decref(prev_reply);
			return rc;
		}
		if (prev != NULL) {
			if (as_json) {
				json_dumpf(res, stdout, JSON_COMPACT);
				putchar('\n');
				fflush(stdout);
			} else {
				top_screen(res, prev, clear);
			}
		}
		json_decref(prev_reply);
		prev_reply = reply;
		prev = res;
		if (count >= 0 && k == count)
			break;
		nanosleep(&ts, NULL);
	}
	json_decref(prev_reply);
	return EXIT_OK;
}

/* ---- main ------------------------------------------------------------------------------- */

static int
simple(const char *cmd, char *const *args, int n, void (*print)(const json_t *))
{
	json_t *reply = NULL, *res = NULL;
	int rc = request(cmd, args, n, &reply, &res);

	if (rc == EXIT_OK) {
		if (as_json || print == NULL) {
			json_dumpf(res, stdout, JSON_INDENT(2));
			putchar('\n');
		} else {
			print(res);
		}
	}
	json_decref(reply);
	return rc;
}

static void
print_summary(const json_t *res)
{
	printf("%s (generation %" PRIu64 ")\n", str(res, "summary"), u64(res, "generation"));
}

/* rule batch FILE: the file's text is the request's argument. */
static int
rule_batch(const char *path)
{
	FILE *f = fopen(path, "r");
	json_t *reply = NULL, *res = NULL;
	char *buf;
	size_t len;
	int rc;

	if (f == NULL) {
		fprintf(stderr, "nfvswitch-ctl: rule batch: cannot read %s: %s\n", path,
			strerror(errno));
		return EXIT_USAGE;
	}
	buf = malloc(VS_CTL_MAX_REQUEST);
	if (buf == NULL) {
		fclose(f);
		fprintf(stderr, "nfvswitch-ctl: out of memory\n");
		return EXIT_USAGE;
	}
	/* Sent raw after the request line: no JSON escaping. */
	len = fread(buf, 1, VS_CTL_MAX_REQUEST - 4096, f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "nfvswitch-ctl: rule batch: %s: %s\n", path,
			ferror(f) ? strerror(errno) : "larger than the request limit");
		fclose(f);
		free(buf);
		return EXIT_USAGE;
	}
	fclose(f);
	buf[len] = '\0';
	rc = request_payload("rule-batch", NULL, 0, buf, len, &reply, &res);
	if (rc == EXIT_OK) {
		if (as_json) {
			json_dumpf(res, stdout, JSON_INDENT(2));
			putchar('\n');
		} else {
			print_summary(res);
		}
	}
	json_decref(reply);
	free(buf);
	return rc;
}

static void
print_saved(const json_t *res)
{
	printf("%s\n", str(res, "summary"));
}

static void
print_metrics(const json_t *res)
{
	fputs(str(res, "text"), stdout);
}

static void
print_version(const json_t *res)
{
	printf("nfvswitch %s running %s (nfvswitch-ctl %s)\n", str(res, "version"),
	       str(res, "config"), VS_VERSION);
}

static void
print_help(const json_t *res)
{
	char left[64];
	size_t i;
	json_t *c;

	json_array_foreach(res, i, c)
	{
		snprintf(left, sizeof(left), "%s%s%s", str(c, "command"),
			 str(c, "usage")[0] ? " " : "", str(c, "usage"));
		printf("  %-24s %s%s\n", left, str(c, "help"),
		       json_is_true(json_object_get(c, "read_only")) ? "" : " [changes state]");
	}
}

static void
print_cleared(const json_t *res)
{
	(void)res;
	printf("counters cleared: ctl shows counts from now on (metrics and telemetry keep "
	       "counting)\n");
}

static void
print_log(const json_t *res)
{
	const json_t *mods = json_object_get(res, "modules");
	size_t i;
	json_t *m;

	if (mods == NULL) {
		printf("%s: %s\n", str(res, "pattern"), str(res, "level"));
		return;
	}
	json_array_foreach(mods, i, m) printf("%-12s %s\n", str(m, "module"), str(m, "level"));
	printf("levels: %s\n", str(res, "levels"));
}

static void
print_rebalance(const json_t *res)
{
	printf("before:\n");
	print_rxqs(json_object_get(res, "before"));
	printf("after:\n");
	print_rxqs(json_object_get(res, "after"));
}

/* The daemon writes the trace for people itself (its "text"). */
static void
print_trace(const json_t *res)
{
	fputs(str(res, "text"), stdout);
}

/* How people see each command's result (NULL: the JSON). */
static void (*const printers[VS_CTL_CMD_MAX])(const json_t *) = {
    [VS_CTL_CMD_HELP] = print_help,
    [VS_CTL_CMD_VERSION] = print_version,
    [VS_CTL_CMD_SHOW_PORTS] = print_ports,
    [VS_CTL_CMD_SHOW_WORKERS] = print_workers,
    [VS_CTL_CMD_SHOW_RULES] = print_rules,
    [VS_CTL_CMD_SHOW_VF] = print_vf,
    [VS_CTL_CMD_SHOW_VHOST] = print_vhost,
    [VS_CTL_CMD_SHOW_OPENFLOW] = print_openflow,
    [VS_CTL_CMD_SHOW_RXQS] = print_rxqs,
    [VS_CTL_CMD_STATS] = print_stats,
    [VS_CTL_CMD_STATS_CLEAR] = print_cleared,
    [VS_CTL_CMD_RULE_ADD] = print_summary,
    [VS_CTL_CMD_RULE_DEL] = print_summary,
    [VS_CTL_CMD_RULE_MOD] = print_summary,
    [VS_CTL_CMD_RULE_BATCH] = print_summary,
    [VS_CTL_CMD_RELOAD] = print_summary,
    [VS_CTL_CMD_SAVE] = print_saved,
    [VS_CTL_CMD_RXQ_REBALANCE] = print_rebalance,
    [VS_CTL_CMD_LOG_LEVEL] = print_log,
    [VS_CTL_CMD_METRICS] = print_metrics,
    [VS_CTL_CMD_TRACE] = print_trace,
    [VS_CTL_CMD_SHOW_TUNNELS] = print_tunnels,
    [VS_CTL_CMD_SHOW_NEIGHBOURS] = print_neighbours,
};

/* The command whose words start argv (the longest such), or -1; *nwords
 * says how many of argv its words took. */
static int
find_cmd(int argc, char **argv, unsigned *nwords)
{
	int best = -1;
	unsigned best_n = 0, i;

	for (i = 0; i < VS_CTL_CMD_MAX; i++) {
		const char *w = cmds[i].words;
		unsigned n = 0;

		while (*w != '\0' && (int)n < argc) {
			size_t len = strcspn(w, " ");

			if (strlen(argv[n]) != len || strncmp(argv[n], w, len) != 0)
				break;
			n++;
			w += len;
			w += *w == ' ';
		}
		if (*w == '\0' && n > best_n) {
			best = (int)i;
			best_n = n;
		}
	}
	*nwords = best_n;
	return best;
}

int
main(int argc, char **argv)
{
	/* clang-format off */
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 1 },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* clang-format on */
	unsigned nwords;
	int c;

	sock_path = getenv("NFVSWITCH_CTL_SOCKET");
	if (sock_path == NULL || sock_path[0] == '\0')
		sock_path = VS_CTL_DEFAULT_SOCKET;
	/* "+": stop at the command, so that "top -n 3" keeps its options. */
	while ((c = getopt_long(argc, argv, "+s:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock_path = optarg;
			break;
		case 1:
			as_json = true;
			break;
		case 't':
			timeout_ms = atoi(optarg);
			if (timeout_ms <= 0) {
				fprintf(stderr, "nfvswitch-ctl: -t wants milliseconds > 0\n");
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* --json may also follow the command. */
	for (c = optind + 1; c < argc; c++) {
		if (strcmp(argv[c], "--json") == 0) {
			as_json = true;
			memmove(&argv[c], &argv[c + 1], sizeof(char *) * (size_t)(argc - c));
			argc--;
			c--;
		}
	}
	c = find_cmd(argc - optind, argv + optind, &nwords);
	if (c >= 0) {
		int n = argc - optind - (int)nwords;
		char **rest = argv + optind + nwords;
		char *args[32];

		if (c == VS_CTL_CMD_TOP)
			return cmd_top(n, rest);
		if (c == VS_CTL_CMD_RULE_BATCH && n == 1)
			return rule_batch(rest[0]);
		if (n < (int)cmds[c].min || n > (int)cmds[c].max || n + 1 > 32) {
			fprintf(stderr, "nfvswitch-ctl: usage: nfvswitch-ctl %s%s%s\n",
				cmds[c].words, cmds[c].usage[0] ? " " : "", cmds[c].usage);
			return EXIT_USAGE;
		}
		nwords = 0;
		if (cmds[c].sub != NULL)
			args[nwords++] = (char *)cmds[c].sub;
		memcpy(args + nwords, rest, sizeof(*rest) * (size_t)n);
		return simple(cmds[c].cmd, args, n + (int)nwords, printers[c]);
	}
	fprintf(stderr, "nfvswitch-ctl: unknown or incomplete command:");
	for (c = optind; c < argc; c++)
		fprintf(stderr, " %s", argv[c]);
	fprintf(stderr, "\n");
	usage(stderr);
	return EXIT_USAGE;
}
