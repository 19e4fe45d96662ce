/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet-in and packet-out end to end, with real peers.
 *
 * osken_learning_switch: osken-manager (Debian's python3-os-ken, which ships no
 * example apps) running our learning-switch app, osken_learning_switch.py, is
 * the controller the daemon connects to (controllers:);
 * two network namespaces hang off the switch on veth pairs (net_af_packet
 * iface=) and ping each other. The pings only get through if the table-miss
 * flow sends packet-ins, the controller's packet-outs (FLOOD, then a port)
 * leave the right ports and its learned flows are installed: the test checks
 * the replies, the connection and its packet-in counters, and the learned
 * flows in `show rules` with source openflow. Skipped (cr_skip) only when
 * osken-manager is not installed.
 *
 * packet_out_client: a minimal OpenFlow client (HELLO, PACKET_OUT with
 * NO_BUFFER, BARRIER) against the passive listener: OUTPUT to a port, FLOOD,
 * IN_PORT and ALL leave exactly the ports they name (each port's tx pcap
 * holds the frame or not), and a bad output port or in_port gets its error.
 *
 * packet_out_actions_rewrite_the_frame: push_vlan, set_field and pop_vlan in
 * a packet-out change what its later outputs send; a list that cannot apply
 * to the frame is refused whole; the same through ovs-ofctl packet-out.
 *
 * roles_two_controllers: ofp_roles.py plays two controllers (master, slave,
 * takeover, stale generation_id, SET_ASYNC) with os-ken's message classes.
 *
 * controller_loss_secure / _standalone: the learning switch's flows are in,
 * osken-manager is killed; the flows carry exact counts of pings while it is
 * gone, frames to an unknown MAC are packet-ins nobody gets (secure) or go
 * through the fallback rule (standalone); it is started again: the fallback
 * goes and the learned flows are the same rules. *
 * port_status_on_link_change: a net_tap port's interface set down and up:
 * PORT_STATUS MODIFY with LINK_DOWN, then LIVE, to a connected client.
 *
 * port_status_on_vhost_guest: dpdk-testpmd (net_virtio_user) comes to a
 * vhost server port and is killed: PORT_STATUS MODIFY LIVE, then LINK_DOWN.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "../vs_test_net.h"

#include "ofp_test_util.h"
#include "vs_ofp.h"

#define OSKEN  "/usr/bin/osken-manager"
#define PYTHON "/usr/bin/python3"
#define IP     "/usr/sbin/ip"
#define PING   "/usr/bin/ping"

static char ns[2][32], veth[2][16];
static pid_t osken_pid, guest_pid;
static char gprefix[64]; /* the testpmd guest's --file-prefix */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run a command line through ip(8) (split at spaces); its exit status. */
static int
ip(const char *fmt, ...)
{
	char line[256], *argv[24], *save = NULL, *t;
	va_list ap;
	int n = 0;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argv[n++] = IP;
	for (t = strtok_r(line, " ", &save); t != NULL && n < 23; t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	return vs_oft_try_run(argv, NULL);
}

/* Start the daemon on text; wait until its control socket and `ready` show. */
static void
daemon_start(const char *text, const char *ready)
{
	vs_oft_write_cfg(text);
	cr_assert(vs_oft_daemon_start(ready, 10), "daemon not ready (%s) after 10 s: %s", ready,
		  vs_oft_slurp(vs_oft.log_path));
}

static void
cleanup(void)
{
	char path[128];
	int i;

	vs_oft_stop(&guest_pid, false, 5);
	vs_oft_stop(&vs_oft.daemon_pid, false, 5);
	vs_oft_stop(&osken_pid, true, 5);
	for (i = 0; i < 2; i++) {
		if (veth[i][0] != '\0')
			ip("link del %s", veth[i]);
		if (ns[i][0] != '\0')
			ip("netns del %s", ns[i]);
	}
	if (vs_oft.dir[0] != '\0' && gprefix[0] != '\0') {
		snprintf(path, sizeof(path), "/var/run/dpdk/%s", gprefix);
		vs_oft_rm_tree(path);
	}
	vs_oft_rm_files();
}

/* ---- os-ken's learning switch ------------------------------------------------- */

/* Whether something listens on TCP port on this host (/proc/net/tcp). */
static bool
tcp_listening(unsigned port)
{
	char line[256], want[16];
	FILE *f = fopen("/proc/net/tcp", "r");
	bool found = false;

	if (f == NULL)
		return false;
	snprintf(want, sizeof(want), ":%04X ", port);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *local = strchr(line, ':');

		/* "  sl  local_address rem_address st": local is the 2nd field */
		if (local != NULL && (local = strchr(local + 1, ':')) != NULL &&
		    strncmp(local, want, strlen(want)) == 0 && strstr(local, " 0A ") != NULL)
			found = true;
	}
	fclose(f);
	return found;
}

/* IPv6 off on dev (in namespace netns unless NULL): no neighbour discovery or
 * MLD chatter beside the pings, so the packet-in counts are the test's own. */
static void
no_ipv6(const char *netns, const char *dev)
{
	char cmd[160];
	char *argv[] = {IP, "netns", "exec", (char *)netns, "/bin/sh", "-c", cmd, NULL};

	snprintf(cmd, sizeof(cmd), "echo 1 > /proc/sys/net/ipv6/conf/%s/disable_ipv6", dev);
	if (netns != NULL) {
		cr_assert_eq(vs_oft_try_run(argv, NULL), 0, "%s in %s", cmd, netns);
		return;
	}
	argv[3] = "/bin/sh";
	argv[4] = "-c";
	argv[5] = cmd;
	argv[6] = NULL;
	cr_assert_eq(vs_oft_try_run(argv + 3, NULL), 0, "%s", cmd);
}

/* The first connection of show openflow (a reference into j). */
static json_t *
conn0(json_t *j)
{
	return json_array_get(json_object_get(j, "conns"), 0);
}

/*
 * Namespaces a (10.99.0.1) and b (10.99.0.2) on veth pairs, osken-manager
 * running app, the daemon connected to it with tables: 4; returns once the
 * controller's first flows are in. *olog_out: os-ken's log path.
 */
static void
osken_setup(const char *app, const char *name, char *olog, size_t olog_size)
{
	unsigned id = (unsigned)getpid() % 100, port = vs_test_free_tcp_port();
	char text[2048], ports[8], *olog_text = NULL;
	json_t *j, *r;
	size_t learned = 0;
	int k;

	if (access(OSKEN, X_OK) != 0)
		cr_skip_test("osken-manager is not installed (apt-get install python3-os-ken)");
	vs_oft_workdir(name);
	/* host a (10.99.0.1) and host b (10.99.0.2), each in its namespace behind
	 * a veth pair whose root end the switch opens with AF_PACKET */
	for (k = 0; k < 2; k++) {
		snprintf(ns[k], sizeof(ns[k]), "vs-osken-%c-%d", 'a' + k, getpid());
		snprintf(veth[k], sizeof(veth[k]), "vsok%c%d", 'a' + k, getpid() % 100000);
		cr_assert_eq(ip("netns add %s", ns[k]), 0, "ip netns add %s", ns[k]);
		no_ipv6(ns[k], "default");
		cr_assert_eq(ip("link add %s type veth peer name eth0 netns %s", veth[k], ns[k]),
			     0);
		cr_assert_eq(ip("-n %s addr add 10.99.0.%d/24 dev eth0", ns[k], k + 1), 0);
		cr_assert_eq(ip("-n %s link set eth0 up", ns[k]), 0);
		cr_assert_eq(ip("-n %s link set lo up", ns[k]), 0);
		no_ipv6(NULL, veth[k]);
		cr_assert_eq(ip("link set %s up", veth[k]), 0);
	}

	snprintf(olog, olog_size, "%s/osken.log", vs_oft.dir);
	snprintf(ports, sizeof(ports), "%u", port);
	osken_pid = fork();
	cr_assert_geq(osken_pid, 0);
	if (osken_pid == 0) {
		int fd = open(olog, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		setpgid(0, 0); /* its own group: killed as one at the end */
		dup2(fd, 1);
		dup2(fd, 2);
		execl(OSKEN, "osken-manager", "--ofp-listen-host", "127.0.0.1",
		      "--ofp-tcp-listen-port", ports, app, NULL);
		_exit(127);
	}
	setpgid(osken_pid, osken_pid);
	for (k = 0; k < 200 && !tcp_listening(port); k++) {
		cr_assert_eq(waitpid(osken_pid, NULL, WNOHANG), 0, "osken-manager exited: %s",
			     vs_oft_slurp(olog));
		usleep(50000);
	}
	cr_assert_lt(k, 200, "osken-manager not listening after 10 s: %s", vs_oft_slurp(olog));

	snprintf(text, sizeof(text),
		 "dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, file_prefix: %s,\n"
		 "       log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"
		 "workers: [{lcore: 1}]\n"
		 "control: {stats_interval_ms: 0, socket: %s}\n"
		 "openflow: {controllers: [\"tcp:127.0.0.1:%u\"], datapath_id: 0x14, tables: 4}\n"
		 "ports:\n"
		 "  - {name: a, type: ethdev, device: \"net_af_packet%u,iface=%s\"}\n"
		 "  - {name: b, type: ethdev, device: \"net_af_packet%u,iface=%s\"}\n",
		 vs_oft.prefix, vs_oft.sock, port, id, veth[0], id + 100, veth[1]);
	daemon_start(text, ""); /* no listener: the socket is the sign */

	/* the controller is connected once its table-miss flow is in */
	for (k = 0; k < 100; k++) {
		r = vs_oft_rules_of("openflow");
		learned = json_array_size(r);
		json_decref(r);
		if (learned >= 1)
			break;
		usleep(100000);
	}
	j = vs_oft_ctl_json("openflow");
	olog_text = strdup(vs_oft_slurp(olog)); /* slurp's buffer is shared */
	cr_assert_geq(learned, 1, "no table-miss flow from os-ken: %s\n%s\n%s", json_dumps(j, 0),
		      olog_text, vs_oft_slurp(vs_oft.log_path));
	free(olog_text);
	cr_expect_str_eq(json_string_value(json_object_get(conn0(j), "kind")), "active");
	cr_expect(json_is_true(json_object_get(conn0(j), "up")), "%s", json_dumps(j, 0));
	json_decref(j);
}

Test(openflow_pktio, osken_learning_switch, .fini = cleanup, .timeout = 60)
{
	char olog[160], *out, *olog_text = NULL;
	json_t *j, *r, *e;
	uint64_t t0 = now_ms();
	json_int_t pins;
	size_t i, learned = 0;
	int k;

	osken_setup(vs_oft_env("VS_OSKEN_APP"), "vs-ofp-osken", olog, sizeof(olog));
	/* a pings b through the switch: ARP and the first echo go to os-ken */
	{
		char target[] = "10.99.0.2";
		char *argv[] = {IP,   "netns", "exec", ns[0], PING,   "-c", "3",
				"-i", "0.2",   "-w",   "10",  target, NULL};

		k = vs_oft_try_run(argv, &out);
	}
	j = vs_oft_ctl_json("openflow");
	olog_text = strdup(vs_oft_slurp(olog));
	cr_assert_eq(k, 0, "ping a -> b failed: %s\nopenflow: %s\nos-ken: %s\ndaemon: %s", out,
		     json_dumps(j, 0), olog_text, vs_oft_slurp(vs_oft.log_path));
	free(olog_text);
	cr_expect(strstr(out, "3 received") != NULL, "%s", out);
	free(out);

	pins = json_integer_value(json_object_get(conn0(j), "packet_ins"));
	cr_expect_geq(pins, 3, "packet-ins (ARP request, ARP reply, first echo): %s",
		      json_dumps(j, 0));
	cr_expect_geq(json_integer_value(json_object_get(json_object_get(j, "packet_in"), "sent")),
		      3);
	cr_expect_geq(json_integer_value(json_object_get(conn0(j), "packet_outs")), 3, "%s",
		      json_dumps(j, 0));
	cr_expect_geq(json_integer_value(json_object_get(conn0(j), "flow_mods")), 3, "%s",
		      json_dumps(j, 0));
	json_decref(j);

	/* the learned flows (in_port + eth_dst -> output) are rules now */
	r = vs_oft_rules_of("openflow");
	learned = 0;
	json_array_foreach(r, i, e)
	{
		if (json_integer_value(json_object_get(e, "priority")) == 1)
			learned++;
	}
	cr_expect_geq(learned, 2, "learned flows (a->b, b->a): %s", json_dumps(r, JSON_INDENT(1)));
	json_decref(r);

	/* from now on the learned flows carry the pings: no new packet-ins */
	{
		char target[] = "10.99.0.1";
		char *argv[] = {IP,   "netns", "exec", ns[1], PING,   "-c", "3",
				"-i", "0.2",   "-w",   "5",   target, NULL};

		k = vs_oft_try_run(argv, &out);
	}
	cr_expect_eq(k, 0, "ping b -> a failed: %s", out);
	free(out);
	j = vs_oft_ctl_json("openflow");
	/* b's echoes to a follow a flow; b may re-ARP for a (a packet-in or two) */
	cr_expect_leq(json_integer_value(json_object_get(conn0(j), "packet_ins")), pins + 2,
		      "the learned flows do not carry the traffic: %s", json_dumps(j, 0));
	json_decref(j);
	cr_expect_lt(now_ms() - t0, 30000, "took %llu ms", (unsigned long long)(now_ms() - t0));
}

/* os-ken's two-table app: table 0 classifies and goes to table 1, which
 * learns; pings get through only if goto_table, the table-1 miss flow's
 * packet-ins (which must say table 1) and the learned table-1 flows work. */
Test(openflow_pktio, osken_two_tables, .fini = cleanup, .timeout = 60)
{
	char olog[160], *out, *olog_text;
	json_t *j, *fl;
	json_int_t pins;
	int k;

	osken_setup(vs_oft_env("VS_OSKEN_TABLES_APP"), "vs-ofp-osken2", olog, sizeof(olog));
	for (k = 0; k < 100; k++) {
		j = vs_oft_ctl_json("openflow");
		fl = json_object_get(j, "flows");
		if (json_integer_value(json_object_get(fl, "flows")) >= 4)
			break;
		json_decref(j);
		j = NULL;
		usleep(100000);
	}
	cr_assert_lt(k, 100, "os-ken's four flows never came: %s", vs_oft_slurp(olog));
	cr_expect_eq(json_integer_value(json_object_get(fl, "tables")), 4);
	json_decref(j);
	{
		char target[] = "10.99.0.2";
		char *argv[] = {IP,   "netns", "exec", ns[0], PING,   "-c", "3",
				"-i", "0.2",   "-w",   "10",  target, NULL};

		k = vs_oft_try_run(argv, &out);
	}
	j = vs_oft_ctl_json("openflow");
	olog_text = strdup(vs_oft_slurp(olog));
	cr_assert_eq(k, 0, "ping a -> b failed: %s\nopenflow: %s\nos-ken: %s\ndaemon: %s", out,
		     json_dumps(j, 0), olog_text, vs_oft_slurp(vs_oft.log_path));
	free(out);
	cr_expect(strstr(olog_text, "packet-in table=1 reason=") != NULL, "%s", olog_text);
	cr_expect_null(strstr(olog_text, "packet-in table=0"), "a packet-in from table 0: %s",
		       olog_text);
	free(olog_text);
	/* 3 table-0 flows, table 1's miss flow and the two learned flows; the
	 * two goto flows of table 0 each combine with table 1's three flows,
	 * and the drop flow is one rule of its own */
	fl = json_object_get(j, "flows");
	cr_expect_eq(json_integer_value(json_object_get(fl, "flows")), 6, "%s", json_dumps(j, 0));
	cr_expect_eq(json_integer_value(json_object_get(fl, "classifier_rules")), 7, "%s",
		     json_dumps(j, 0));
	pins = json_integer_value(json_object_get(conn0(j), "packet_ins"));
	json_decref(j);
	/* from now on the learned table-1 flows carry the pings */
	{
		char target[] = "10.99.0.1";
		char *argv[] = {IP,   "netns", "exec", ns[1], PING,   "-c", "3",
				"-i", "0.2",   "-w",   "5",   target, NULL};

		k = vs_oft_try_run(argv, &out);
	}
	cr_expect_eq(k, 0, "ping b -> a failed: %s", out);
	free(out);
	j = vs_oft_ctl_json("openflow");
	cr_expect_leq(json_integer_value(json_object_get(conn0(j), "packet_ins")), pins + 2,
		      "the learned table-1 flows do not carry the traffic: %s", json_dumps(j, 0));
	json_decref(j);
}

/* ---- a minimal client's packet-outs ------------------------------------------- */

static int ofd = -1;

/* Send PACKET_OUT (xid) with n actions, then a BARRIER; the error the switch
 * answered the packet-out with (type 0xffff when none). */
static struct vs_ofp_err
packet_out_acts(uint32_t xid, uint32_t in_port, const struct vs_ofp_action *acts, uint32_t n,
		const uint8_t *frame, size_t size)
{
	static uint8_t buf[VS_OFP_MAX_MSG];
	static struct vs_ofp_packet_out po;
	struct vs_ofp_err e = {0xffff, 0};
	struct vs_ofp_buf b;
	struct vs_ofp_hdr h;

	memset(&po, 0, sizeof(po));
	po.buffer_id = VS_OFP_NO_BUFFER;
	po.in_port = in_port;
	memcpy(po.actions, acts, n * sizeof(*acts));
	po.n_actions = n;
	po.data = frame;
	po.size = size;
	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_packet_out(&b, xid, &po), 0);
	cr_assert_eq(vs_ofp_enc_empty(&b, VS_OFPT_BARRIER_REQUEST, xid + 1), 0);
	vs_oft_send(ofd, &b);
	vs_ofp_buf_free(&b);
	for (;;) {
		vs_oft_recv(ofd, buf, sizeof(buf), &h);
		if (h.type == VS_OFPT_ERROR && h.xid == xid)
			cr_assert_eq(vs_ofp_dec_error(buf, h.length, &e), 0);
		if (h.type == VS_OFPT_BARRIER_REPLY && h.xid == xid + 1)
			return e;
	}
}

/* A packet-out of one OUTPUT action to out. */
static struct vs_ofp_err
packet_out(uint32_t xid, uint32_t in_port, uint32_t out, const uint8_t *frame, size_t size)
{
	const struct vs_ofp_action a = {
	    .type = VS_OFPACT_OUTPUT, .port = out, .max_len = VS_OFPCML_NO_BUFFER};

	return packet_out_acts(xid, in_port, &a, 1, frame, size);
}

/* How many frames of port's tx pcap equal frame. */
static int
pcap_count(const char *port, const uint8_t *frame, size_t size)
{
	char path[160];
	uint8_t rec[16], data[4096];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s.pcap", vs_oft.dir, port);
	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 24, SEEK_SET) != 0) {
		if (f)
			fclose(f);
		return -1;
	}
	while (fread(rec, 1, sizeof(rec), f) == sizeof(rec)) {
		uint32_t len;

		memcpy(&len, rec + 8, 4); /* incl_len, host order as written */
		if (len > sizeof(data) || fread(data, 1, len, f) != len)
			break;
		if (len == size && memcmp(data, frame, size) == 0)
			n++;
	}
	fclose(f);
	return n;
}

/* Wait (up to 2 s) until port p's pcap holds want copies of frame; the count. */
static int
pcap_wait(const char *p, const uint8_t *frame, size_t size, int want)
{
	int i, n = 0;

	for (i = 0; i < 40 && (n = pcap_count(p, frame, size)) < want; i++)
		usleep(50000);
	return n;
}

/* After 200 ms, no port's tx pcap holds frame (a refused packet-out's). */
static void
expect_sent_nowhere(const uint8_t *frame, size_t size)
{
	static const char *const names[] = {"s0", "s1", "s2"};

	usleep(200000);
	for (int k = 0; k < 3; k++)
		cr_expect_eq(pcap_count(names[k], frame, size), 0, "a refused packet-out left %s",
			     names[k]);
}

/* A 64-byte broadcast frame whose payload carries tag. */
static void
frame_of(uint8_t f[64], uint8_t tag)
{
	static const uint8_t head[14] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
					 0,    0,    0,	   0,	 0x14, 0x88, 0xb5};

	memset(f, 0, 64);
	memcpy(f, head, sizeof(head));
	memset(f + 14, tag, 50);
}

/* A daemon with three ports that write what they send to NAME.pcap (s0, s1
 * ofports 1 and 2, s2 ofport 5), listening on ptcp:port. */
static void
pout_daemon(const char *dir, unsigned port)
{
	unsigned id = (unsigned)getpid() % 100;
	char text[2048];

	vs_oft_workdir(dir);
	/* ofports: s0 1, s1 2, s2 5; each port writes what it sends to NAME.pcap */
	snprintf(text, sizeof(text),
		 "dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, file_prefix: %s,\n"
		 "       log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"
		 "workers: [{lcore: 1}]\n"
		 "control: {stats_interval_ms: 0, socket: %s}\n"
		 "openflow: {listen: \"ptcp:%u\", datapath_id: 0x15}\n"
		 "ports:\n"
		 "  - {name: s0, type: ethdev, device: \"net_pcap%u,tx_pcap=%s/s0.pcap\"}\n"
		 "  - {name: s1, type: ethdev, device: \"net_pcap%u,tx_pcap=%s/s1.pcap\"}\n"
		 "  - {name: s2, type: ethdev, device: \"net_pcap%u,tx_pcap=%s/s2.pcap\", "
		 "ofport: 5}\n",
		 vs_oft.prefix, vs_oft.sock, port, id, vs_oft.dir, id + 100, vs_oft.dir, id + 200,
		 vs_oft.dir);
	daemon_start(text, "openflow: listening");
}

Test(openflow_pktio, packet_out_client, .fini = cleanup, .timeout = 60)
{
	unsigned port = vs_test_free_tcp_port();
	static const char *const names[] = {"s0", "s1", "s2"};
	uint8_t f1[64], f2[64], f3[64], f4[64];
	struct vs_ofp_buf b;
	struct vs_ofp_hdr h;
	struct vs_ofp_err e;
	json_t *j;
	int k;

	pout_daemon("vs-ofp-pout", port);

	ofd = vs_oft_raw_connect(port, &h);
	cr_assert_eq(h.version, 0x04);

	/* OUTPUT:2 from the controller: s1 only */
	frame_of(f1, 0x11);
	e = packet_out(10, VS_OFPP_CONTROLLER, 2, f1, sizeof(f1));
	cr_assert_eq(e.type, 0xffff, "error %u/%u for output:2", e.type, e.code);
	cr_expect_eq(pcap_wait("s1", f1, sizeof(f1), 1), 1, "s1 did not send the packet-out");
	usleep(200000);
	cr_expect_eq(pcap_count("s0", f1, sizeof(f1)), 0, "output:2 left s0");
	cr_expect_eq(pcap_count("s2", f1, sizeof(f1)), 0, "output:2 left s2");

	/* FLOOD from s0 (in_port 1): s1 and s2, never s0 */
	frame_of(f2, 0x22);
	e = packet_out(20, 1, VS_OFPP_FLOOD, f2, sizeof(f2));
	cr_assert_eq(e.type, 0xffff, "error %u/%u for FLOOD", e.type, e.code);
	cr_expect_eq(pcap_wait("s1", f2, sizeof(f2), 1), 1, "FLOOD missed s1");
	cr_expect_eq(pcap_wait("s2", f2, sizeof(f2), 1), 1, "FLOOD missed s2");
	usleep(200000);
	cr_expect_eq(pcap_count("s0", f2, sizeof(f2)), 0, "FLOOD went back out of in_port s0");

	/* IN_PORT with in_port 5: back out of s2 */
	frame_of(f3, 0x33);
	e = packet_out(30, 5, VS_OFPP_IN_PORT, f3, sizeof(f3));
	cr_assert_eq(e.type, 0xffff, "error %u/%u for IN_PORT", e.type, e.code);
	cr_expect_eq(pcap_wait("s2", f3, sizeof(f3), 1), 1, "IN_PORT did not leave s2");
	usleep(200000);
	cr_expect_eq(pcap_count("s0", f3, sizeof(f3)) + pcap_count("s1", f3, sizeof(f3)), 0);

	/* ALL from the controller: every port */
	frame_of(f4, 0x44);
	e = packet_out(40, VS_OFPP_CONTROLLER, VS_OFPP_ALL, f4, sizeof(f4));
	cr_assert_eq(e.type, 0xffff, "error %u/%u for ALL", e.type, e.code);
	for (k = 0; k < 3; k++)
		cr_expect_eq(pcap_wait(names[k], f4, sizeof(f4), 1), 1, "ALL missed %s", names[k]);

	/* TABLE from s0 (in_port 1): through the flows, here in_port=1 -> output:5 (s2) */
	{
		struct vs_ofp_flow_mod fm = {.command = VS_OFPFC_ADD,
					     .buffer_id = VS_OFP_NO_BUFFER,
					     .out_port = VS_OFPP_ANY,
					     .out_group = VS_OFPG_ANY,
					     .priority = 10,
					     .apply = {{.type = VS_OFPACT_OUTPUT, .port = 5}},
					     .n_apply = 1,
					     .goto_table = VS_OFP_NO_GOTO};
		const uint8_t one[4] = {0, 0, 0, 1};

		fm.match.present = UINT64_C(1) << VS_OXM_IN_PORT;
		memcpy(fm.match.val[VS_OXM_IN_PORT], one, sizeof(one));
		vs_ofp_buf_init(&b);
		cr_assert_eq(vs_ofp_enc_flow_mod(&b, 70, &fm), 0);
		vs_oft_send(ofd, &b);
		vs_ofp_buf_free(&b);
	}
	frame_of(f2, 0x66);
	e = packet_out(80, 1, VS_OFPP_TABLE, f2, sizeof(f2));
	cr_assert_eq(e.type, 0xffff, "error %u/%u for TABLE", e.type, e.code);
	cr_expect_eq(pcap_wait("s2", f2, sizeof(f2), 1), 1, "TABLE: the flow's output:5 missed s2");
	usleep(200000);
	cr_expect_eq(pcap_count("s0", f2, sizeof(f2)) + pcap_count("s1", f2, sizeof(f2)), 0,
		     "TABLE: only the flow's port");
	/* TABLE needs a port as in_port: the tables match on it */
	e = packet_out(90, VS_OFPP_CONTROLLER, VS_OFPP_TABLE, f2, sizeof(f2));
	cr_expect_eq(e.type, VS_OFPET_BAD_ACTION, "TABLE from CONTROLLER: error %u/%u", e.type,
		     e.code);
	cr_expect_eq(e.code, VS_OFPBAC_BAD_OUT_PORT);

	/* refused: an unknown output port, an unknown in_port; nothing leaves */
	frame_of(f1, 0x55);
	e = packet_out(50, VS_OFPP_CONTROLLER, 9, f1, sizeof(f1));
	cr_expect_eq(e.type, VS_OFPET_BAD_ACTION, "output:9: error %u/%u", e.type, e.code);
	cr_expect_eq(e.code, VS_OFPBAC_BAD_OUT_PORT);
	e = packet_out(60, 9, VS_OFPP_FLOOD, f1, sizeof(f1));
	cr_expect_eq(e.type, VS_OFPET_BAD_REQUEST, "in_port 9: error %u/%u", e.type, e.code);
	cr_expect_eq(e.code, VS_OFPBRC_BAD_PORT);
	expect_sent_nowhere(f1, sizeof(f1));

	j = vs_oft_ctl_json("openflow");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "packet_out"), "sent")),
		     5, "%s", json_dumps(j, 0));
	cr_expect_eq(json_integer_value(json_object_get(conn0(j), "packet_outs")), 8, "%s",
		     json_dumps(j, 0));
	cr_expect_eq(json_integer_value(json_object_get(conn0(j), "errors_sent")), 3, "%s",
		     json_dumps(j, 0));
	json_decref(j);
	close(ofd);
	ofd = -1;
}

/* A set_field action of OXM field f with the first n bytes of v. */
static struct vs_ofp_action
set_field(unsigned f, const uint8_t *v, size_t n)
{
	struct vs_ofp_action a = {.type = VS_OFPACT_SET_FIELD, .field = (uint8_t)f};

	memcpy(a.value, v, n);
	return a;
}

/*
 * A packet-out's actions run in order over its frame: push_vlan, set_field
 * (VLAN VID and PCP, Ethernet addresses) and pop_vlan change what the outputs
 * after them send. A list that cannot apply to the frame (pop_vlan or a VLAN
 * set_field on an untagged frame, an L3 set_field) is refused whole: not even
 * the outputs before the bad action send. Then the same through ovs-ofctl's
 * packet-out (the real client).
 */
Test(openflow_pktio, packet_out_actions_rewrite_the_frame, .fini = cleanup, .timeout = 60)
{
	static const uint8_t vid[2] = {0x10, 0x0a}, pcp[1] = {5},
			     src[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}, ip[4] = {192, 0, 2, 1};
	const struct vs_ofp_action out2 = {.type = VS_OFPACT_OUTPUT, .port = 2},
				   out5 = {.type = VS_OFPACT_OUTPUT, .port = 5},
				   push = {.type = VS_OFPACT_PUSH_VLAN, .ethertype = 0x8100},
				   pop = {.type = VS_OFPACT_POP_VLAN};
	unsigned port = vs_test_free_tcp_port();
	uint8_t f[64], tagged[68], plain[64];
	struct vs_ofp_action acts[8];
	struct vs_ofp_hdr h;
	struct vs_ofp_err e;
	char arg[512];
	json_t *j;
	int k, n;

	pout_daemon("vs-ofp-pout-acts", port);
	snprintf(vs_oft.target, sizeof(vs_oft.target), "tcp:127.0.0.1:%u", port);
	ofd = vs_oft_raw_connect(port, &h);
	cr_assert_eq(h.version, 0x04);

	/* push, VID 10, PCP 5, out s1; pop, new source MAC, out s2 */
	frame_of(f, 0x81);
	memcpy(tagged, f, 12);
	memcpy(tagged + 12, (const uint8_t[]){0x81, 0x00, 0xa0, 0x0a}, 4);
	memcpy(tagged + 16, f + 12, 52);
	memcpy(plain, f, 64);
	memcpy(plain + 6, src, 6);
	n = 0;
	acts[n++] = push;
	acts[n++] = set_field(VS_OXM_VLAN_VID, vid, 2);
	acts[n++] = set_field(VS_OXM_VLAN_PCP, pcp, 1);
	acts[n++] = out2;
	acts[n++] = pop;
	acts[n++] = set_field(VS_OXM_ETH_SRC, src, 6);
	acts[n++] = out5;
	e = packet_out_acts(10, VS_OFPP_CONTROLLER, acts, (uint32_t)n, f, sizeof(f));
	cr_assert_eq(e.type, 0xffff, "error %u/%u", e.type, e.code);
	cr_expect_eq(pcap_wait("s1", tagged, sizeof(tagged), 1), 1,
		     "s1 did not send the tagged frame (VID 10, PCP 5)");
	cr_expect_eq(pcap_wait("s2", plain, sizeof(plain), 1), 1,
		     "s2 did not send the untagged frame with the new source MAC");
	usleep(200000);
	cr_expect_eq(pcap_count("s1", f, sizeof(f)) + pcap_count("s2", f, sizeof(f)) +
			 pcap_count("s0", tagged, sizeof(tagged)),
		     0, "a frame left as it was, or where it was not sent");

	/* refused whole: output then a VLAN set_field on an untagged frame,
	 * pop_vlan on an untagged frame, an IPv4 set_field */
	frame_of(f, 0x82);
	acts[0] = out2;
	acts[1] = set_field(VS_OXM_VLAN_VID, vid, 2);
	e = packet_out_acts(20, VS_OFPP_CONTROLLER, acts, 2, f, sizeof(f));
	cr_expect_eq(e.type, VS_OFPET_BAD_ACTION, "VID on untagged: error %u/%u", e.type, e.code);
	cr_expect_eq(e.code, VS_OFPBAC_MATCH_INCONSISTENT);
	acts[1] = pop;
	e = packet_out_acts(30, VS_OFPP_CONTROLLER, acts, 2, f, sizeof(f));
	cr_expect_eq(e.type, VS_OFPET_BAD_ACTION, "pop untagged: error %u/%u", e.type, e.code);
	cr_expect_eq(e.code, VS_OFPBAC_MATCH_INCONSISTENT);
	acts[1] = set_field(VS_OXM_IPV4_SRC, ip, 4);
	e = packet_out_acts(40, VS_OFPP_CONTROLLER, acts, 2, f, sizeof(f));
	cr_expect_eq(e.type, VS_OFPET_BAD_ACTION, "ipv4_src: error %u/%u", e.type, e.code);
	cr_expect_eq(e.code, VS_OFPBAC_BAD_SET_TYPE);
	expect_sent_nowhere(f, sizeof(f));

	/* ovs-ofctl: push a tag with VID 10 and send it out of s2 */
	vs_oft_need_ofctl();
	frame_of(f, 0x83);
	memcpy(tagged, f, 12);
	memcpy(tagged + 12, (const uint8_t[]){0x81, 0x00, 0x00, 0x0a}, 4);
	memcpy(tagged + 16, f + 12, 52);
	/* actions= takes the rest of the argument: packet= goes first */
	k = snprintf(arg, sizeof(arg), "in_port=controller,packet=");
	for (n = 0; n < 64; n++)
		k += snprintf(arg + k, sizeof(arg) - (size_t)k, "%02x", f[n]);
	snprintf(arg + k, sizeof(arg) - (size_t)k,
		 ",actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:5");
	cr_assert_eq(vs_oft_ofctl(NULL, NULL, "packet-out", arg), 0);
	cr_expect_eq(pcap_wait("s2", tagged, sizeof(tagged), 1), 1,
		     "ovs-ofctl packet-out: s2 did not send the tagged frame");

	j = vs_oft_ctl_json("openflow");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "packet_out"), "sent")),
		     3, "%s", json_dumps(j, 0));
	json_decref(j);
	close(ofd);
	ofd = -1;
}

/* ---- roles: two controllers ---------------------------------------------------- */

/* A pcap of one 64-byte non-IP broadcast frame at path. */
static void
write_pcap(const char *path)
{
	static const uint32_t ghdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
	uint32_t rec[4] = {0, 0, 64, 64};
	uint8_t f[64];
	FILE *fp = fopen(path, "wb");

	cr_assert_not_null(fp);
	frame_of(f, 0x77);
	fwrite(ghdr, sizeof(ghdr), 1, fp);
	fwrite(rec, sizeof(rec), 1, fp);
	fwrite(f, sizeof(f), 1, fp);
	fclose(fp);
}

/*
 * Two controllers on the passive listener, driven by ofp_roles.py (os-ken's
 * message classes over sockets): master/slave/equal, IS_SLAVE refusals,
 * STALE generation_ids, takeover, packet-ins and FLOW_REMOVED only to those
 * that want them.
 * Then show openflow: the roles of both connections, one stale refusal.
 */
Test(openflow_pktio, roles_two_controllers, .fini = cleanup, .timeout = 60)
{
	unsigned id = (unsigned)getpid() % 100, port = vs_test_free_tcp_port();
	char text[2048], in[160], ports[8], *out;
	char *probe[] = {PYTHON, "-c", "import os_ken.ofproto.ofproto_v1_3_parser", NULL};
	char *argv[] = {PYTHON, (char *)vs_oft_env("VS_OFP_ROLES"), ports, NULL};
	json_t *j, *c;
	size_t i;
	int k, masters = 0, equals = 0;

	if (access(PYTHON, X_OK) != 0 || vs_oft_try_run(probe, NULL) != 0)
		cr_skip_test("python3-os-ken is not installed");
	vs_oft_workdir("vs-ofp-roles");
	snprintf(in, sizeof(in), "%s/in.pcap", vs_oft.dir);
	write_pcap(in);
	snprintf(ports, sizeof(ports), "%u", port);
	snprintf(text, sizeof(text),
		 "dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, file_prefix: %s,\n"
		 "       log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"
		 "workers: [{lcore: 1}]\n"
		 "control: {stats_interval_ms: 0, socket: %s}\n"
		 "openflow: {listen: \"ptcp:%u\", table_miss: controller, packet_in_rate: 50}\n"
		 "ports:\n"
		 "  - {name: in, type: ethdev, device: \"net_pcap%u,rx_pcap=%s,infinite_rx=1\"}\n"
		 "  - {name: s1, type: ethdev, device: \"net_null%u,no-rx=1\"}\n",
		 vs_oft.prefix, vs_oft.sock, port, id, in, id + 100);
	daemon_start(text, "openflow: listening");

	k = vs_oft_try_run(argv, &out);
	cr_assert_eq(k, 0, "ofp_roles.py: %s\ndaemon: %s", out, vs_oft_slurp(vs_oft.log_path));
	free(out);

	j = vs_oft_ctl_json("openflow");
	json_array_foreach(json_object_get(j, "conns"), i, c)
	{
		const char *r = json_string_value(json_object_get(c, "role"));

		masters += r != NULL && strcmp(r, "master") == 0;
		equals += r != NULL && strcmp(r, "equal") == 0;
	}
	/* the script has closed its sockets: the daemon may not have seen it yet */
	cr_expect(json_array_size(json_object_get(j, "conns")) == 0 ||
		      (masters == 1 && equals == 1),
		  "%s", json_dumps(j, 0));
	c = json_object_get(j, "roles");
	cr_expect_eq(json_integer_value(json_object_get(c, "generation_id")), 11, "%s",
		     json_dumps(j, 0));
	cr_expect_eq(json_integer_value(json_object_get(c, "stale_refused")), 1, "%s",
		     json_dumps(j, 0));
	json_decref(j);
}

/* ---- controller loss and return --------------------------------------------------- */

/*
 * Hosts a (10.99.0.1, 02:99:00:00:00:01) and b (10.99.0.2, :02) in their
 * namespaces behind veth pairs, IPv6 off, with permanent neighbour entries
 * for each other and for 10.99.0.77 at 02:99:00:00:00:77, which no host has:
 * no ARP at all, so every frame on the wire is one the test sent.
 */
static void
hosts_up(const char *tag)
{
	int k;

	for (k = 0; k < 2; k++) {
		snprintf(ns[k], sizeof(ns[k]), "vs-%s-%c-%d", tag, 'a' + k, getpid());
		snprintf(veth[k], sizeof(veth[k]), "vs%.2s%c%d", tag, 'a' + k, getpid() % 100000);
		cr_assert_eq(ip("netns add %s", ns[k]), 0, "ip netns add %s", ns[k]);
		no_ipv6(ns[k], "default");
		cr_assert_eq(ip("link add %s type veth peer name eth0 netns %s", veth[k], ns[k]),
			     0);
		cr_assert_eq(ip("-n %s link set eth0 address 02:99:00:00:00:0%d", ns[k], k + 1), 0);
		cr_assert_eq(ip("-n %s addr add 10.99.0.%d/24 dev eth0", ns[k], k + 1), 0);
		cr_assert_eq(ip("-n %s link set eth0 up", ns[k]), 0);
		cr_assert_eq(ip("-n %s link set lo up", ns[k]), 0);
		cr_assert_eq(ip("-n %s neigh replace 10.99.0.%d lladdr 02:99:00:00:00:0%d dev eth0 "
				"nud permanent",
				ns[k], 2 - k, 2 - k),
			     0);
		no_ipv6(NULL, veth[k]);
		cr_assert_eq(ip("link set %s up", veth[k]), 0);
	}
	cr_assert_eq(ip("-n %s neigh replace 10.99.0.77 lladdr 02:99:00:00:00:77 dev eth0 nud "
			"permanent",
			ns[0]),
		     0);
}

static char osken_log[160];

/* osken-manager with our learning switch on 127.0.0.1:port; waits until it listens. */
static void
osken_start(unsigned port)
{
	char ports[8];
	int k;

	snprintf(osken_log, sizeof(osken_log), "%s/osken.log", vs_oft.dir);
	snprintf(ports, sizeof(ports), "%u", port);
	osken_pid = fork();
	cr_assert_geq(osken_pid, 0);
	if (osken_pid == 0) {
		int fd = open(osken_log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		setpgid(0, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(OSKEN, "osken-manager", "--ofp-listen-host", "127.0.0.1",
		      "--ofp-tcp-listen-port", ports, vs_oft_env("VS_OSKEN_APP"), NULL);
		_exit(127);
	}
	setpgid(osken_pid, osken_pid);
	for (k = 0; k < 300 && !tcp_listening(port); k++) {
		cr_assert_eq(waitpid(osken_pid, NULL, WNOHANG), 0, "osken-manager exited: %s",
			     vs_oft_slurp(osken_log));
		usleep(50000);
	}
	cr_assert_lt(k, 300, "osken-manager not listening after 15 s: %s", vs_oft_slurp(osken_log));
}

/* ping from host k to ip: count echoes 0.2 s apart; with w > 0, until count
 * replies or w seconds, else exactly count echoes. The exit status. */
static int
ping_from(int k, const char *ip_addr, int count, int w, char **out)
{
	char c[8], ws[8];
	char *argv[] = {IP,  "netns", "exec", ns[k],	       PING, "-c", c, "-i", "0.2", "-W",
			"1", "-w",    ws,     (char *)ip_addr, NULL};

	snprintf(c, sizeof(c), "%d", count);
	snprintf(ws, sizeof(ws), "%d", w);
	if (w <= 0) { /* no deadline: -c counts the echoes sent */
		argv[11] = (char *)ip_addr;
		argv[12] = NULL;
	}
	return vs_oft_try_run(argv, out);
}

/* The fail state of show openflow, polled until connected == want and, for a
 * loss, until the switch has had no controller for longer than the probe
 * interval (5 s); up to 30 s. */
static void
wait_fail_state(bool connected)
{
	json_t *j = NULL, *f;
	int k;

	for (k = 0; k < 300; k++) {
		j = vs_oft_ctl_json("openflow");
		f = json_object_get(j, "fail");
		if (json_is_true(json_object_get(f, "controller_connected")) == connected &&
		    json_is_true(json_object_get(f, "no_controller")) == !connected)
			break;
		json_decref(j);
		j = NULL;
		usleep(100000);
	}
	cr_assert_not_null(j, "controller_connected never became %d", connected);
	/* the fail mode starts only once the probe interval (5 s) has passed */
	if (!connected)
		cr_expect_geq(json_real_value(json_object_get(f, "no_controller_s")), 5.0, "%s",
			      json_dumps(j, 0));
	json_decref(j);
}

/* The rule whose match contains `match` among the rules of source src (a
 * new reference), or NULL. */
static json_t *
rule_with(const char *src, const char *match)
{
	json_t *r = vs_oft_rules_of(src), *e, *found = NULL;
	size_t i;

	json_array_foreach(r, i, e)
	{
		const char *m = json_string_value(json_object_get(e, "match"));

		if (found == NULL && m != NULL && strstr(m, match) != NULL)
			found = json_incref(e);
	}
	json_decref(r);
	return found;
}

static json_int_t
packets_of(json_t *rule)
{
	return json_integer_value(json_object_get(rule, "packets"));
}

static json_int_t
pin_no_controller(void)
{
	json_t *j = vs_oft_ctl_json("openflow");
	json_int_t n =
	    json_integer_value(json_object_get(json_object_get(j, "packet_in"), "no_controller"));

	json_decref(j);
	return n;
}

/*
 * The learning switch learns a <-> b, then osken-manager is killed and later
 * started again. While it is gone: the learned flows carry exactly the pings
 * a sends; frames to an unknown MAC, and an ARP request, are either
 * packet-ins nobody gets (secure: the ARP never gets an answer) or switched
 * by the fallback rule (standalone: the ping that needs ARP goes through).
 * After it returns:
 * the learned flows are the same rules (ids) and the fallback is gone.
 */
static void
controller_loss(bool standalone)
{
	unsigned id = (unsigned)getpid() % 100, port = vs_test_free_tcp_port();
	char text[2048], *out;
	json_t *ab, *ba, *r, *ab2, *ba2, *fb;
	json_int_t ab0, ba0, nc0;
	int k;

	if (access(OSKEN, X_OK) != 0)
		cr_skip_test("osken-manager is not installed (apt-get install python3-os-ken)");
	vs_oft_workdir(standalone ? "vs-ofp-loss-sa" : "vs-ofp-loss-se");
	hosts_up(standalone ? "sa" : "se");
	osken_start(port);
	snprintf(text, sizeof(text),
		 "dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, file_prefix: %s,\n"
		 "       log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"
		 "workers: [{lcore: 1}]\n"
		 "control: {stats_interval_ms: 0, socket: %s}\n"
		 "openflow: {controllers: [\"tcp:127.0.0.1:%u\"], fail_mode: %s}\n"
		 "ports:\n"
		 "  - {name: a, type: ethdev, device: \"net_af_packet%u,iface=%s\"}\n"
		 "  - {name: b, type: ethdev, device: \"net_af_packet%u,iface=%s\"}\n",
		 vs_oft.prefix, vs_oft.sock, port, standalone ? "standalone" : "secure", id,
		 veth[0], id + 100, veth[1]);
	daemon_start(text, "");
	wait_fail_state(true);

	/* learn: a -> b and b -> a become flows (in_port, eth_dst) -> output */
	k = ping_from(0, "10.99.0.2", 3, 10, &out);
	cr_assert_eq(k, 0, "ping a -> b with the controller: %s\n%s", out,
		     vs_oft_slurp(vs_oft.log_path));
	free(out);
	for (k = 0; k < 50; k++) {
		ab = rule_with("openflow", "in_port=a,eth_dst=02:99:00:00:00:02");
		ba = rule_with("openflow", "in_port=b,eth_dst=02:99:00:00:00:01");
		if (ab != NULL && ba != NULL)
			break;
		json_decref(ab);
		json_decref(ba);
		usleep(100000);
	}
	cr_assert(k < 50, "no learned flows: %s", json_dumps(vs_oft_rules_of("openflow"), 0));
	r = vs_oft_rules_of("fallback");
	cr_expect_eq(json_array_size(r), 0, "a fallback rule with the controller connected");
	json_decref(r);

	/* the controller goes */
	vs_oft_stop(&osken_pid, true, 5);
	wait_fail_state(false);
	r = vs_oft_rules_of("fallback");
	cr_assert_eq(json_array_size(r), standalone ? 1 : 0, "fallback rules: %s",
		     json_dumps(r, 0));
	json_decref(r);

	/* the learned flows carry exactly the 5 echoes and their 5 replies */
	ab0 = packets_of(ab);
	ba0 = packets_of(ba);
	k = ping_from(0, "10.99.0.2", 5, 10, &out);
	cr_expect_eq(k, 0, "ping a -> b without the controller: %s", out);
	cr_expect(strstr(out, "5 received") != NULL, "%s", out);
	free(out);
	ab2 = rule_with("openflow", "in_port=a,eth_dst=02:99:00:00:00:02");
	ba2 = rule_with("openflow", "in_port=b,eth_dst=02:99:00:00:00:01");
	cr_assert(ab2 != NULL && ba2 != NULL);
	cr_expect_eq(packets_of(ab2) - ab0, 5, "a -> b flow: %lld then %lld", (long long)ab0,
		     (long long)packets_of(ab2));
	cr_expect_eq(packets_of(ba2) - ba0, 5, "b -> a flow: %lld then %lld", (long long)ba0,
		     (long long)packets_of(ba2));
	json_decref(ab2);
	json_decref(ba2);

	/* 4 echoes to a MAC no flow knows: the controller's table-miss flow
	 * (secure: packet-ins nobody gets) or the fallback (standalone) */
	nc0 = pin_no_controller();
	fb = rule_with("fallback", "");
	ping_from(0, "10.99.0.77", 4, 0, &out);
	free(out);
	if (standalone) {
		json_t *fb2 = rule_with("fallback", "");

		cr_assert_not_null(fb2);
		cr_expect_eq(packets_of(fb2) - packets_of(fb), 4, "fallback: %s",
			     json_dumps(fb2, 0));
		cr_expect_eq(pin_no_controller(), nc0, "packet-ins with the fallback in place");
		json_decref(fb2);
	} else {
		for (k = 0; k < 20 && pin_no_controller() < nc0 + 4; k++)
			usleep(100000);
		cr_expect_eq(pin_no_controller(), nc0 + 4, "packet-ins counted no_controller");
	}
	json_decref(fb);

	/* a forgets b's address: its ARP request (broadcast) matches no learned
	 * flow. standalone: the fallback floods it, b's reply follows the
	 * learned flow, the ping goes through; secure: a packet-in nobody gets */
	cr_assert_eq(ip("-n %s neigh del 10.99.0.2 dev eth0", ns[0]), 0);
	k = ping_from(0, "10.99.0.2", 2, 4, &out);
	if (standalone)
		cr_expect_eq(k, 0, "ping a -> b needing ARP through the fallback: %s", out);
	else
		cr_expect_neq(k, 0, "ARP went through with no controller in secure mode: %s", out);
	free(out);
	cr_assert_eq(ip("-n %s neigh replace 10.99.0.2 lladdr 02:99:00:00:00:02 dev eth0 nud "
			"permanent",
			ns[0]),
		     0);

	/* the controller returns: the fallback goes, the learned flows are the
	 * same rules, and they still carry the traffic */
	osken_start(port);
	wait_fail_state(true);
	r = vs_oft_rules_of("fallback");
	cr_expect_eq(json_array_size(r), 0, "the fallback stayed: %s", json_dumps(r, 0));
	json_decref(r);
	ab2 = rule_with("openflow", "in_port=a,eth_dst=02:99:00:00:00:02");
	ba2 = rule_with("openflow", "in_port=b,eth_dst=02:99:00:00:00:01");
	cr_assert(ab2 != NULL && ba2 != NULL, "learned flows gone after the reconnect");
	cr_expect_eq(json_integer_value(json_object_get(ab2, "id")),
		     json_integer_value(json_object_get(ab, "id")));
	cr_expect_eq(json_integer_value(json_object_get(ba2, "id")),
		     json_integer_value(json_object_get(ba, "id")));
	ab0 = packets_of(ab2);
	json_decref(ab2);
	json_decref(ba2);
	k = ping_from(0, "10.99.0.2", 3, 10, &out);
	cr_expect_eq(k, 0, "ping a -> b after the reconnect: %s", out);
	free(out);
	ab2 = rule_with("openflow", "in_port=a,eth_dst=02:99:00:00:00:02");
	cr_expect_eq(packets_of(ab2) - ab0, 3);
	json_decref(ab2);
	json_decref(ab);
	json_decref(ba);
	cr_expect(strstr(vs_oft_slurp(vs_oft.log_path), "no controller connected any more") != NULL,
		  "the loss was not logged: %s", vs_oft_slurp(vs_oft.log_path));
}

Test(openflow_pktio, controller_loss_secure, .fini = cleanup, .timeout = 120)
{
	controller_loss(false);
}

Test(openflow_pktio, controller_loss_standalone, .fini = cleanup, .timeout = 120)
{
	controller_loss(true);
}

/* ---- PORT_STATUS on link changes ------------------------------------------------- */

/* The next PORT_STATUS within about 5 s (other messages skipped). */
static void
next_port_status(uint8_t *reason, struct vs_ofp_port_desc *p)
{
	static uint8_t buf[VS_OFP_MAX_MSG];
	struct vs_ofp_hdr h;
	struct vs_ofp_err e;

	for (;;) {
		vs_oft_recv(ofd, buf, sizeof(buf), &h);
		if (h.type != VS_OFPT_PORT_STATUS)
			continue;
		cr_assert_eq(vs_ofp_dec_port_status(buf, h.length, reason, p, &e), 0);
		return;
	}
}

/*
 * A net_tap port's interface set down and up again (ip link): the link job
 * reads the change and a connected client gets PORT_STATUS MODIFY with
 * LINK_DOWN, then without it.
 */
Test(openflow_pktio, port_status_on_link_change, .fini = cleanup, .timeout = 60)
{
	unsigned id = (unsigned)getpid() % 100, port = vs_test_free_tcp_port();
	struct vs_ofp_port_desc p;
	char text[2048], tap[16];
	struct vs_ofp_hdr h;
	uint8_t reason;

	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		cr_skip_test("net_tap needs root and /dev/net/tun");
	vs_oft_workdir("vs-ofp-link");
	snprintf(tap, sizeof(tap), "vsofl%d", getpid() % 100000);
	snprintf(text, sizeof(text),
		 "dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, file_prefix: %s,\n"
		 "       log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"
		 "workers: [{lcore: 1}]\n"
		 "control: {stats_interval_ms: 0, socket: %s}\n"
		 "openflow: {listen: \"ptcp:%u\"}\n"
		 "ports:\n"
		 "  - {name: n0, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"
		 "  - {name: t0, type: ethdev, device: \"net_tap%u,iface=%s\", ofport: 6}\n",
		 vs_oft.prefix, vs_oft.sock, port, id, id, tap);
	daemon_start(text, "openflow: listening");
	/* the first link readings (every second) are in before the client connects */
	usleep(1500000);

	ofd = vs_oft_raw_connect(port, &h);

	cr_assert_eq(ip("link set %s down", tap), 0);
	next_port_status(&reason, &p);
	cr_expect_eq(reason, VS_OFPPR_MODIFY);
	cr_expect_eq(p.port_no, 6);
	cr_expect_str_eq(p.name, "t0");
	cr_expect(p.link_down, "t0 is down, PORT_STATUS says LIVE: %s",
		  vs_oft_slurp(vs_oft.log_path));

	cr_assert_eq(ip("link set %s up", tap), 0);
	next_port_status(&reason, &p);
	cr_expect_eq(reason, VS_OFPPR_MODIFY);
	cr_expect_eq(p.port_no, 6);
	cr_expect(!p.link_down, "t0 is up, PORT_STATUS says LINK_DOWN");
	close(ofd);
	ofd = -1;
}

/* Connect a minimal client to the listener on port and exchange HELLOs. */
static void
client_hello(unsigned port)
{
	struct vs_ofp_hdr h;

	ofd = vs_oft_raw_connect(port, &h);
}

/* The next PORT_STATUS for port_no within ms (echo requests answered, the
 * rest skipped); false when none came. */
static bool
port_status_within(uint32_t port_no, int ms, uint8_t *reason, struct vs_ofp_port_desc *p)
{
	static uint8_t buf[VS_OFP_MAX_MSG];
	uint64_t end = now_ms() + (uint64_t)ms;
	struct vs_ofp_hdr h;
	struct vs_ofp_err e;

	while (now_ms() < end) {
		struct pollfd pf = {.fd = ofd, .events = POLLIN};

		if (poll(&pf, 1, 100) != 1)
			continue;
		vs_oft_recv(ofd, buf, sizeof(buf), &h);
		if (h.type != VS_OFPT_PORT_STATUS)
			continue;
		cr_assert_eq(vs_ofp_dec_port_status(buf, h.length, reason, p, &e), 0);
		if (p->port_no == port_no)
			return true;
	}
	return false;
}

/*
 * A vhost-user server port's guest (dpdk-testpmd with net_virtio_user, the
 * real virtio driver) comes and goes: the vhost events reach the channel and
 * a connected client gets PORT_STATUS MODIFY, LIVE then LINK_DOWN.
 */
Test(openflow_pktio, port_status_on_vhost_guest, .fini = cleanup, .timeout = 90)
{
	unsigned port = vs_test_free_tcp_port();
	char text[2048], vsock[160], vdev[256], glog[160];
	struct vs_ofp_port_desc p;
	uint8_t reason;

	if (system("command -v dpdk-testpmd > /dev/null") != 0)
		cr_skip_test("dpdk-testpmd is not installed");
	vs_oft_workdir("vs-ofp-vhu");
	snprintf(vsock, sizeof(vsock), "%s/vm.sock", vs_oft.dir);
	snprintf(text, sizeof(text),
		 "dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, in_memory: true,\n"
		 "       file_prefix: %s, log_level: \"*:notice\",\n"
		 "       extra_args: [\"--no-pci\", \"--no-telemetry\"]}\n"
		 "workers: [{lcore: 1}]\n"
		 "control: {stats_interval_ms: 0, socket: %s}\n"
		 "openflow: {listen: \"ptcp:%u\"}\n"
		 "ports:\n"
		 "  - {name: vm, type: vhost, path: \"%s\", mode: server, ofport: 3}\n",
		 vs_oft.prefix, vs_oft.sock, port, vsock);
	daemon_start(text, "openflow: listening");
	client_hello(port);

	snprintf(vdev, sizeof(vdev), "net_virtio_user0,path=%s,queues=1,queue_size=256", vsock);
	snprintf(gprefix, sizeof(gprefix), "vs-ofp-tp-%d", getpid());
	snprintf(glog, sizeof(glog), "%s/testpmd.log", vs_oft.dir);
	guest_pid = fork();
	cr_assert_geq(guest_pid, 0);
	if (guest_pid == 0) {
		char *argv[] = {"dpdk-testpmd",
				"--lcores",
				"0@0,1@0",
				"--no-huge",
				"-m",
				"256",
				"--no-pci",
				"--no-shconf",
				"--no-telemetry",
				"--single-file-segments",
				"--file-prefix",
				gprefix,
				"--log-level",
				"*:warning",
				"--vdev",
				vdev,
				"--",
				"--total-num-mbufs=4096",
				"--forward-mode=io",
				"--auto-start",
				NULL};
		int fd = open(glog, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	cr_assert(port_status_within(3, 30000, &reason, &p),
		  "no PORT_STATUS when the guest came: %s", vs_oft_slurp(glog));
	cr_expect_eq(reason, VS_OFPPR_MODIFY);
	cr_expect_str_eq(p.name, "vm");
	cr_expect(!p.link_down, "the guest is up, PORT_STATUS says LINK_DOWN: %s",
		  vs_oft_slurp(vs_oft.log_path));

	kill(guest_pid, SIGKILL);
	waitpid(guest_pid, NULL, 0);
	guest_pid = 0;
	cr_assert(port_status_within(3, 15000, &reason, &p), "no PORT_STATUS when the guest went");
	cr_expect_eq(reason, VS_OFPPR_MODIFY);
	cr_expect(p.link_down, "the guest is gone, PORT_STATUS says LIVE");
	close(ofd);
	ofd = -1;
}
