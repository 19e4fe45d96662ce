/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenFlow channel: a passive listener and its connections, served from
 * the control loop through one epoll fd. Each connection has its own input
 * buffer framed by the OpenFlow header's length and its own output buffer;
 * sockets are non-blocking and nothing here waits. Messages are handled in
 * the order they arrive and every reply is queued before the next message is
 * read, so a BARRIER_REPLY follows everything before it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "vs_openflow.h"
#include "vs_switch.h"

#include "vs_log.h"

RTE_LOG_REGISTER_DEFAULT(vs_ofp_logtype, NOTICE);

#define VS_OFP_LOG(level, ...) VS_LOG(level, vs_ofp_logtype, "openflow", __VA_ARGS__)

#define MAX_CONNS     64
#define RX_CAP	      (2 * (VS_OFP_MAX_MSG + 1))
#define TX_MAX	      (16u << 20) /* a peer that reads nothing is dropped past this */
#define PROBE_DEFAULT 5000
#define BACKOFF_MIN   1000
#define BACKOFF_MAX   8000
#define PIN_BATCH     256
#define BUNDLES_MAX   16	   /* open bundles per connection (OUT_OF_BUNDLES) */
#define BUNDLE_BYTES  (256u << 20) /* messages held by a connection's bundles (MSG_TOO_MANY) */

struct ctlr;

/* A bundle being filled: its messages (FLOW_MODs) back to back. */
struct bundle {
	uint32_t id;
	uint16_t flags;
	bool closed;
	struct vs_ofp_buf msgs;
	uint32_t n_msgs;
	struct bundle *next;
};

/* A port as the controllers were last told (PORT_DESC / PORT_STATUS). */
struct ofport {
	struct vs_ofp_port_desc desc;
	char name[VS_CFG_NAME_MAX];
	uint64_t since_ns; /* first seen (PORT_STATS duration) */
};

struct conn {
	int fd;
	char peer[64];
	uint8_t *rx;
	size_t rx_len;
	struct vs_ofp_buf tx;
	size_t tx_off;
	bool want_out;	 /* EPOLLOUT armed */
	bool hello;	 /* the peer's HELLO was accepted */
	bool closing;	 /* close once tx is flushed */
	bool probe_sent; /* an ECHO_REQUEST is unanswered */
	uint64_t last_rx_ms, probe_ms, since_ms;
	uint16_t miss_send_len;
	uint64_t rx_msgs, tx_msgs, flow_mods, errors_sent, errors_rcvd;
	uint64_t packet_ins, packet_outs;
	uint32_t role;		   /* VS_OFPCR_ROLE_EQUAL, _MASTER or _SLAVE */
	struct vs_ofp_async async; /* what it wants asynchronously (SET_ASYNC) */
	uint64_t role_changes;	   /* its role changed (its request or another's) */
	struct ctlr *ctlr;	   /* a configured controller's connection, else NULL */
	bool connecting;	   /* connect() in progress */
	double tokens;		   /* packet-in token bucket */
	uint64_t tokens_ms;
	struct bundle *bundles; /* open (or closed, not committed) bundles */
	uint32_t n_bundles;
	size_t bundle_bytes;
	uint64_t bundles_committed, bundles_failed;
	struct conn *next;
};

/* A configured controller: its connection, or when to try again. */
struct ctlr {
	char target[VS_CFG_PATH_MAX + 8];
	struct conn *c;
	uint64_t next_ms;
	uint32_t backoff_ms;
	uint64_t attempts;
};

struct vs_ofp_srv {
	int epfd;
	int lfd;
	char listen[VS_CFG_PATH_MAX + 8];
	char unix_path[VS_CFG_PATH_MAX];
	uint64_t datapath_id;
	uint32_t probe_ms;
	struct vs_switch *sw;
	const struct vs_config *const *cfg;
	struct conn *conns;
	uint32_t n_conns;
	uint32_t next_xid;
	uint64_t now_ms;
	uint64_t accepted, refused_version, probes_closed;
	struct ctlr ctlrs[VS_CFG_MAX_CONTROLLERS];
	uint32_t n_ctlrs;
	bool miss_to_ctl;
	uint32_t pin_rate;
	uint64_t pin_queued, pin_sent, pin_rate_limited, pin_no_controller;
	uint64_t pout_sent, pout_dropped;
	struct vs_ofp_tables *tables; /* the flows */
	uint64_t flow_removed_sent, expired;
	bool expire_failing;   /* the last expiry round failed (logged once) */
	uint64_t pin_unwanted; /* no connection wanted it (slaves, SET_ASYNC) */
	/* roles: the largest generation_id seen in a MASTER/SLAVE request */
	uint64_t generation_id;
	bool generation_known;
	uint64_t stale_refused;
	/* fail mode: "no controller" is no connection past HELLO for longer
	 * than probe_ms, or none since the start */
	bool standalone;
	bool ever_up;	   /* a connection got past HELLO since the start */
	uint64_t up_ms;	   /* the last time one was (now while one is) */
	uint64_t start_ms; /* vs_ofp_open */
	bool no_ctl;	   /* the state last acted on */
	uint64_t fail_transitions;
	bool fallback_on; /* standalone: the fallback rule is live */
	uint64_t fallback_errors;
	/* the ports as last told, and PORT_STATUS messages sent */
	struct ofport *ports;
	uint32_t n_ports;
	uint64_t port_status_sent;
};

static void ports_sync(struct vs_ofp_srv *s);

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- listener ---- */

static int
open_tcp(const char *spec, char *errbuf, size_t size)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	const char *colon = strchr(spec, ':');
	unsigned long port = strtoul(spec, NULL, 10);
	int fd, one = 1;

	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, colon ? colon + 1 : "127.0.0.1", &sa.sin_addr) != 1) {
		snprintf(errbuf, size, "not an IPv4 address");
		return -EINVAL;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static int
open_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	old = umask(0177); /* created 0600: no window with a wider mode */
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static void on_flow_removed(void *arg, const struct vs_ofp_flow_removed *fr);

struct vs_ofp_srv *
vs_ofp_open(const struct vs_ofp_params *p, struct vs_cfg_error *err)
{
	static const struct vs_cfg_pos nopos;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	struct vs_ofp_srv *s;
	char why[64] = "";
	int rc;

	bool has_listen = p != NULL && p->listen != NULL && p->listen[0] != '\0';
	uint32_t k;

	if (p == NULL || p->sw == NULL || p->cfg == NULL ||
	    p->n_controllers > VS_CFG_MAX_CONTROLLERS || (!has_listen && p->n_controllers == 0) ||
	    (has_listen && vs_config_check_of_listen(p->listen) < 0)) {
		vs_cfg_err(err, -EINVAL, nopos, "openflow",
			   "openflow.listen: %s is not a listener; expected ptcp:PORT[:IP] or "
			   "punix:/PATH",
			   p && p->listen ? p->listen : "(none)");
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->lfd = -1;
	snprintf(s->listen, sizeof(s->listen), "%s", p->listen);
	s->datapath_id = p->datapath_id;
	s->probe_ms = p->probe_ms ? p->probe_ms : PROBE_DEFAULT;
	s->sw = p->sw;
	s->cfg = p->cfg;
	s->next_xid = 1;
	s->epfd = -1;
	for (k = 0; k < p->n_controllers; k++) {
		if (p->controllers[k] == NULL ||
		    vs_config_check_of_controller(p->controllers[k]) < 0) {
			vs_cfg_err(err, -EINVAL, nopos, "openflow",
				   "openflow.controllers[%u]: %s is not a controller; expected "
				   "tcp:IPv4:PORT or unix:/PATH",
				   k, p->controllers[k] ? p->controllers[k] : "(none)");
			free(s);
			errno = EINVAL;
			return NULL;
		}
		snprintf(s->ctlrs[k].target, sizeof(s->ctlrs[k].target), "%s", p->controllers[k]);
		s->ctlrs[k].backoff_ms = BACKOFF_MIN;
	}
	s->n_ctlrs = p->n_controllers;
	s->standalone = p->standalone;
	s->miss_to_ctl = p->miss_to_controller;
	s->pin_rate = p->packet_in_rate ? p->packet_in_rate : 1000;
	if (!has_listen) {
		rc = -1; /* no listener: the epoll set holds the controllers only */
	} else if (strncmp(p->listen, "punix:", 6) == 0) {
		rc = open_unix(p->listen + 6);
		if (rc >= 0)
			snprintf(s->unix_path, sizeof(s->unix_path), "%s", p->listen + 6);
	} else {
		rc = open_tcp(p->listen + 5, why, sizeof(why));
	}
	if (rc < -1 || (rc == -1 && has_listen)) {
		vs_cfg_err(err, rc, nopos, "openflow", "openflow.listen: cannot listen on %s: %s",
			   p->listen, why[0] ? why : strerror(-rc));
		free(s);
		errno = -rc;
		return NULL;
	}
	s->lfd = rc;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 || (s->lfd >= 0 && epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev) < 0)) {
		int e = errno;

		vs_cfg_err(err, -e, nopos, "openflow", "openflow: epoll: %s", strerror(e));
		if (s->epfd >= 0)
			close(s->epfd);
		if (s->lfd >= 0)
			close(s->lfd);
		free(s);
		errno = e;
		return NULL;
	}
	s->now_ms = mono_ms();
	s->start_ms = s->now_ms;
	ports_sync(s); /* no connection yet: nobody is told */
	if (s->lfd >= 0)
		VS_OFP_LOG(NOTICE, "listening on %s (datapath_id 0x%016llx)", s->listen,
			   (unsigned long long)s->datapath_id);
	for (k = 0; k < s->n_ctlrs; k++)
		VS_OFP_LOG(NOTICE, "controller %s (datapath_id 0x%016llx)", s->ctlrs[k].target,
			   (unsigned long long)s->datapath_id);
	s->tables = vs_ofp_tables_create(s->sw, p->n_tables ? p->n_tables : 8, on_flow_removed, s);
	if (s->tables == NULL) {
		int e = errno;

		vs_cfg_err(err, -e, nopos, "openflow", "openflow: tables: %s", strerror(e));
		close(s->epfd);
		if (s->lfd >= 0)
			close(s->lfd);
		free(s);
		errno = e;
		return NULL;
	}
	vs_switch_set_table_miss(s->sw, s->miss_to_ctl);
	return s;
}

int
vs_ofp_fd(const struct vs_ofp_srv *s)
{
	return s ? s->epfd : -1;
}

/* ---- connections ---- */

static void
conn_free(struct vs_ofp_srv *s, struct conn *c)
{
	struct conn **pp;

	for (pp = &s->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->ctlr != NULL) {
		struct ctlr *k = c->ctlr;

		k->c = NULL;
		k->next_ms = s->now_ms + k->backoff_ms;
		k->backoff_ms = k->backoff_ms * 2 > BACKOFF_MAX ? BACKOFF_MAX : k->backoff_ms * 2;
	}
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->rx);
	vs_ofp_buf_free(&c->tx);
	while (c->bundles != NULL) { /* never committed: discarded */
		struct bundle *b = c->bundles;

		c->bundles = b->next;
		vs_ofp_buf_free(&b->msgs);
		free(b);
	}
	free(c);
	s->n_conns--;
}

static void
conn_close(struct vs_ofp_srv *s, struct conn *c, const char *why)
{
	VS_OFP_LOG(INFO, "%s: closed: %s (%llu messages in, %llu out)", c->peer, why,
		   (unsigned long long)c->rx_msgs, (unsigned long long)c->tx_msgs);
	conn_free(s, c);
}

static void
arm_out(struct vs_ofp_srv *s, struct conn *c, bool on)
{
	struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0u), .data.ptr = c};

	if (c->want_out == on)
		return;
	c->want_out = on;
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Write what is queued. -1 when the connection is gone (freed). */
static int
conn_flush(struct vs_ofp_srv *s, struct conn *c)
{
	if (c->connecting)
		return 0; /* EPOLLOUT is armed: conn_connected, then the flush */
	while (c->tx_off < c->tx.len) {
		ssize_t n = send(c->fd, c->tx.data + c->tx_off, c->tx.len - c->tx_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (c->tx.len - c->tx_off > TX_MAX) {
				conn_close(s, c, "peer does not read its replies");
				return -1;
			}
			arm_out(s, c, true);
			return 0;
		}
		if (n <= 0) {
			conn_close(s, c, n < 0 ? strerror(errno) : "peer closed");
			return -1;
		}
		c->tx_off += (size_t)n;
	}
	c->tx.len = c->tx_off = 0;
	arm_out(s, c, false);
	if (c->closing) {
		conn_close(s, c, "after the error sent");
		return -1;
	}
	return 0;
}

static void
queued(struct conn *c, int rc)
{
	if (rc == 0)
		c->tx_msgs++;
}

static void
send_error(struct conn *c, uint32_t xid, struct vs_ofp_err e, const uint8_t *msg, size_t size)
{
	VS_OFP_LOG(INFO, "%s: refused with %s code %u", c->peer, vs_ofp_err_type_str(e.type),
		   e.code);
	c->errors_sent++;
	queued(c, vs_ofp_enc_error(&c->tx, xid, e, msg, size));
}

/*
 * Whether c wants an asynchronous message of type (PACKET_IN, PORT_STATUS,
 * FLOW_REMOVED) with this reason: it is up (past HELLO) and its role and
 * SET_ASYNC masks ask for it (slaves get port-status only by default). Every
 * sender of an asynchronous message asks this first.
 */
static bool
vs_ofp_conn_wants_async(const struct conn *c, uint8_t type, uint8_t reason)
{
	return !c->connecting && c->hello && vs_ofp_async_wants(&c->async, c->role, type, reason);
}

static const char *
role_str(uint32_t role)
{
	switch (role) {
	case VS_OFPCR_ROLE_MASTER:
		return "master";
	case VS_OFPCR_ROLE_SLAVE:
		return "slave";
	default:
		return "equal";
	}
}

/* A connection on fd (connected or connecting); NULL when out of memory (fd closed). */
static struct conn *
conn_new(struct vs_ofp_srv *s, int fd, const char *peer, bool connecting)
{
	struct epoll_event ev = {.events = EPOLLIN | (connecting ? EPOLLOUT : 0u)};
	struct conn *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->rx = malloc(RX_CAP);
	if (c == NULL || c->rx == NULL) {
		free(c);
		close(fd);
		return NULL;
	}
	c->fd = fd;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	vs_ofp_buf_init(&c->tx);
	c->last_rx_ms = c->since_ms = s->now_ms;
	c->miss_send_len = 128;
	c->connecting = connecting;
	c->want_out = connecting;
	c->tokens = s->pin_rate;
	c->tokens_ms = s->now_ms;
	c->role = VS_OFPCR_ROLE_EQUAL;
	vs_ofp_async_default(&c->async);
	ev.data.ptr = c;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(c->rx);
		free(c);
		close(fd);
		return NULL;
	}
	c->next = s->conns;
	s->conns = c;
	s->n_conns++;
	queued(c, vs_ofp_enc_hello(&c->tx, s->next_xid++));
	return c;
}

/* Start connecting to controller k (non-blocking). */
static void
ctlr_connect(struct vs_ofp_srv *s, struct ctlr *k)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	const char *t = k->target;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	k->attempts++;
	k->next_ms = s->now_ms + k->backoff_ms;
	if (strncmp(t, "unix:", 5) == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;

		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s", t + 5);
		sl = sizeof(*un);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		const char *colon = strrchr(t + 4, ':');
		char ip[INET_ADDRSTRLEN] = "";

		if (colon == NULL || (size_t)(colon - (t + 4)) >= sizeof(ip))
			return;
		memcpy(ip, t + 4, (size_t)(colon - (t + 4)));
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10));
		if (inet_pton(AF_INET, ip, &in->sin_addr) != 1)
			return;
		sl = sizeof(*in);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (ss.ss_family == AF_INET)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		VS_OFP_LOG(INFO, "%s: cannot connect: %s; again in %u ms", t, strerror(errno),
			   k->backoff_ms);
		close(fd);
		k->backoff_ms = k->backoff_ms * 2 > BACKOFF_MAX ? BACKOFF_MAX : k->backoff_ms * 2;
		return;
	}
	k->c = conn_new(s, fd, t, true);
	if (k->c != NULL)
		k->c->ctlr = k;
}

/* A connect() finished (EPOLLOUT): 0 connected, -1 gone (freed). */
static int
conn_connected(struct vs_ofp_srv *s, struct conn *c)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr != 0) {
		VS_OFP_LOG(INFO, "%s: cannot connect: %s; again in %u ms", c->peer, strerror(soerr),
			   c->ctlr ? c->ctlr->backoff_ms : 0);
		conn_free(s, c);
		return -1;
	}
	c->connecting = false;
	c->last_rx_ms = c->since_ms = s->now_ms;
	VS_OFP_LOG(INFO, "%s: connected", c->peer);
	return 0;
}

static void
on_accept(struct vs_ofp_srv *s)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char peer[64];
		struct conn *c;
		int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;

		if (fd < 0)
			return;
		if (s->n_conns >= MAX_CONNS) {
			VS_OFP_LOG(WARNING, "%u connections: refusing another", s->n_conns);
			close(fd);
			continue;
		}
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
			char ip[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
			snprintf(peer, sizeof(peer), "tcp:%s:%u", ip, ntohs(in->sin_port));
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		} else {
			snprintf(peer, sizeof(peer), "unix#%d", fd);
		}
		c = conn_new(s, fd, peer, false);
		if (c == NULL)
			continue;
		s->accepted++;
		VS_OFP_LOG(INFO, "%s: connected", c->peer);
		conn_flush(s, c);
	}
}

static uint32_t
n_tables(const struct vs_ofp_srv *s)
{
	uint32_t nt, nf, nd;

	vs_ofp_tables_info(s->tables, &nt, &nf, &nd);
	return nt;
}

/*
 * A flow went: FLOW_REMOVED to every connection that wants it with this
 * reason (its role and SET_ASYNC masks: by OpenFlow 1.3's defaults masters
 * and equals get every reason, slaves none).
 */
static void
on_flow_removed(void *arg, const struct vs_ofp_flow_removed *fr)
{
	struct vs_ofp_srv *s = arg;
	struct conn *c;

	for (c = s->conns; c != NULL; c = c->next) {
		if (c->closing || !vs_ofp_conn_wants_async(c, VS_OFPT_FLOW_REMOVED, fr->reason))
			continue;
		if (vs_ofp_enc_flow_removed(&c->tx, 0, fr) == 0) {
			c->tx_msgs++;
			s->flow_removed_sent++;
		}
	}
}

/* ---- ports: descriptions, PORT_STATUS ---- */

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The OpenFlow view of cfg->ports[i]: its number and name; config
 * PORT_DOWN when the switch could not make it; state LINK_DOWN when it is
 * not ready (a vhost port without its guest) or its link is down; an
 * ethdev's MAC address and speed.
 */
static void
port_desc_of(struct vs_ofp_srv *s, const struct vs_config *cfg, uint32_t i,
	     struct vs_ofp_port_desc *d)
{
	const struct vs_port *p = vs_switch_port_by_name(s->sw, cfg->ports[i].name);

	memset(d, 0, sizeof(*d));
	d->port_no = vs_config_ofport(cfg, i);
	/* OpenFlow port names are 15 bytes at most */
	memcpy(d->name, cfg->ports[i].name, sizeof(d->name) - 1);
	if (p == NULL) {
		d->port_down = d->link_down = true;
		return;
	}
	d->link_down = !p->ready || (p->link_known && !p->link_up);
	d->curr_speed = p->link_known && p->link_up ? p->link_speed * 1000u : 0;
	if (p->type == VS_PORT_ETHDEV) {
		struct rte_ether_addr mac;

		if (rte_eth_macaddr_get(p->dev_id, &mac) == 0)
			memcpy(d->hw_addr, mac.addr_bytes, sizeof(d->hw_addr));
	}
}

static bool
desc_same(const struct vs_ofp_port_desc *a, const struct vs_ofp_port_desc *b)
{
	return a->port_no == b->port_no && strcmp(a->name, b->name) == 0 &&
	       memcmp(a->hw_addr, b->hw_addr, sizeof(a->hw_addr)) == 0 &&
	       a->link_down == b->link_down && a->port_down == b->port_down &&
	       a->curr_speed == b->curr_speed;
}

/* PORT_STATUS to every connection that wants it. */
static void
port_status(struct vs_ofp_srv *s, uint8_t reason, const struct vs_ofp_port_desc *d)
{
	struct conn *c;

	VS_OFP_LOG(INFO, "port %u (%s): %s%s", d->port_no, d->name,
		   reason == VS_OFPPR_ADD      ? "added"
		   : reason == VS_OFPPR_DELETE ? "deleted"
					       : "changed",
		   reason == VS_OFPPR_DELETE ? ""
		   : d->link_down	     ? ", link down"
					     : ", link up");
	for (c = s->conns; c != NULL; c = c->next) {
		if (!vs_ofp_conn_wants_async(c, VS_OFPT_PORT_STATUS, reason))
			continue;
		if (vs_ofp_enc_port_status(&c->tx, 0, reason, d) == 0) {
			c->tx_msgs++;
			s->port_status_sent++;
		}
	}
}

/* Write what the other connections have queued (FLOW_REMOVED); except. */
static void
flush_others(struct vs_ofp_srv *s, const struct conn *except)
{
	struct conn *c, *next;

	for (c = s->conns; c != NULL; c = next) {
		next = c->next;
		if (c != except && c->tx.len > c->tx_off)
			conn_flush(s, c);
	}
}

/*
 * Compare the running ports with what the controllers were last told and
 * send what changed: ADD for a new port (or a new number), DELETE for one
 * that went, MODIFY when its state, config, address or speed changed.
 */
static void
ports_sync(struct vs_ofp_srv *s)
{
	const struct vs_config *cfg = *s->cfg;
	struct ofport *next = calloc(cfg->n_ports + 1, sizeof(*next));
	uint64_t now = mono_ns();
	uint32_t i, j;

	if (next == NULL)
		return; /* told at the next change */
	for (i = 0; i < cfg->n_ports; i++) {
		struct ofport *n = &next[i];
		const struct ofport *o = NULL;

		snprintf(n->name, sizeof(n->name), "%s", cfg->ports[i].name);
		port_desc_of(s, cfg, i, &n->desc);
		for (j = 0; j < s->n_ports && o == NULL; j++)
			if (strcmp(s->ports[j].name, n->name) == 0)
				o = &s->ports[j];
		if (o != NULL && o->desc.port_no == n->desc.port_no) {
			n->since_ns = o->since_ns;
			if (!desc_same(&o->desc, &n->desc))
				port_status(s, VS_OFPPR_MODIFY, &n->desc);
			continue;
		}
		n->since_ns = now;
		if (o != NULL) /* renumbered: the old number goes */
			port_status(s, VS_OFPPR_DELETE, &o->desc);
		port_status(s, VS_OFPPR_ADD, &n->desc);
	}
	for (j = 0; j < s->n_ports; j++) {
		for (i = 0; i < cfg->n_ports; i++)
			if (strcmp(s->ports[j].name, next[i].name) == 0)
				break;
		if (i == cfg->n_ports)
			port_status(s, VS_OFPPR_DELETE, &s->ports[j].desc);
	}
	free(s->ports);
	s->ports = next;
	s->n_ports = cfg->n_ports;
	for (struct conn *c = s->conns, *nc; c != NULL; c = nc) {
		nc = c->next; /* a failed flush frees c */
		if (!c->connecting && c->tx.len > c->tx_off)
			conn_flush(s, c);
	}
}

void
vs_ofp_timeouts(struct vs_ofp_srv *s)
{
	int n;

	if (s == NULL)
		return;
	n = vs_ofp_expire(s->tables, *s->cfg);
	if (n < 0) {
		/* once per streak: it is tried again every round */
		if (!s->expire_failing)
			VS_OFP_LOG(WARNING, "flow expiry: %s; tried again every round",
				   strerror(-n));
		s->expire_failing = true;
		return;
	}
	s->expire_failing = false;
	if (n == 0)
		return;
	s->expired += (uint64_t)n;
	flush_others(s, NULL);
}

void
vs_ofp_ports_changed(struct vs_ofp_srv *s)
{
	if (s == NULL)
		return;
	s->now_ms = mono_ms();
	ports_sync(s);
}

/*
 * PORT_STATS for port_no (OFPP_ANY: every port) from the switch's counters:
 * packets and bytes the workers received and the port's tx accepted; drops
 * on rx by the device (ring full, no mbuf) and on tx (ring full, port down);
 * device errors; the time since the port was first seen. -ENOENT for an
 * unknown port.
 */
static int
port_stats(struct vs_ofp_srv *s, const struct vs_config *cfg, uint32_t port_no, uint32_t xid,
	   struct vs_ofp_buf *b)
{
	struct vs_switch_stats *st = malloc(sizeof(*st));
	struct vs_ofp_port_stats *ps = calloc(cfg->n_ports + 1, sizeof(*ps));
	uint64_t now = mono_ns();
	uint32_t i, j, n = 0;
	int rc = -ENOMEM;

	if (st == NULL || ps == NULL || vs_switch_stats(s->sw, st) < 0)
		goto out;
	for (i = 0; i < cfg->n_ports; i++) {
		const struct vs_port *p = vs_switch_port_by_name(s->sw, cfg->ports[i].name);
		struct vs_ofp_port_stats *o = &ps[n];
		const struct vs_switch_port_stats *sp;
		uint64_t age = 0;

		if (port_no != VS_OFPP_ANY && vs_config_ofport(cfg, i) != port_no)
			continue;
		o->port_no = vs_config_ofport(cfg, i);
		n++;
		if (p == NULL || p->id >= st->n_ports)
			continue; /* not made: all zero */
		sp = &st->port[p->id];
		o->rx_packets = sp->rx_pkts;
		o->rx_bytes = sp->rx_bytes;
		o->tx_packets = sp->tx_pkts;
		o->tx_bytes = sp->tx_bytes;
		o->rx_dropped = sp->dev.imissed + sp->dev.rx_nombuf;
		o->tx_dropped = sp->tx_drops;
		o->rx_errors = sp->dev.ierrors;
		o->tx_errors = sp->dev.oerrors;
		for (j = 0; j < s->n_ports; j++)
			if (strcmp(s->ports[j].name, cfg->ports[i].name) == 0)
				age = now - s->ports[j].since_ns;
		o->duration_sec = (uint32_t)(age / 1000000000u);
		o->duration_nsec = (uint32_t)(age % 1000000000u);
	}
	rc =
	    port_no != VS_OFPP_ANY && n == 0 ? -ENOENT : vs_ofp_enc_port_stats_reply(b, xid, ps, n);
out:
	free(st);
	free(ps);
	return rc;
}

static void
on_multipart(struct vs_ofp_srv *s, struct conn *c, const uint8_t *msg, size_t size, uint32_t xid)
{
	static struct vs_ofp_multipart_req mp; /* control thread only */
	const struct vs_config *cfg = *s->cfg;
	struct vs_ofp_err e;
	char dp[64];
	int rc;

	if (vs_ofp_dec_multipart_req(msg, size, &mp, &e) < 0) {
		send_error(c, xid, e, msg, size);
		return;
	}
	switch (mp.type) {
	case VS_OFPMP_DESC:
		snprintf(dp, sizeof(dp), "nfvswitch datapath 0x%016llx",
			 (unsigned long long)s->datapath_id);
		rc = vs_ofp_enc_desc_reply(&c->tx, xid, "nfvswitch", "DPDK userspace switch",
					   "nfvswitch " VS_VERSION, "none", dp);
		break;
	case VS_OFPMP_TABLE_FEATURES:
		/* max_entries: the classifier all tables share */
		rc = vs_ofp_enc_table_features_reply(&c->tx, xid, (uint8_t)n_tables(s),
						     cfg->classifier.max_rules);
		break;
	case VS_OFPMP_TABLE:
		rc = vs_ofp_table_stats(s->tables, xid, &c->tx);
		break;
	case VS_OFPMP_AGGREGATE:
		rc = vs_ofp_aggregate_stats(s->tables, cfg, &mp.flow, xid, &c->tx, &e);
		if (rc == -EBADMSG) {
			send_error(c, xid, e, msg, size);
			return;
		}
		break;
	case VS_OFPMP_PORT_DESC: {
		struct vs_ofp_port_desc *pd = calloc(cfg->n_ports + 1, sizeof(*pd));
		uint32_t i;

		if (pd == NULL) {
			rc = -ENOMEM;
			break;
		}
		for (i = 0; i < cfg->n_ports; i++)
			port_desc_of(s, cfg, i, &pd[i]);
		rc = vs_ofp_enc_port_desc_reply(&c->tx, xid, pd, cfg->n_ports);
		free(pd);
		break;
	}
	case VS_OFPMP_PORT_STATS:
		rc = port_stats(s, cfg, mp.port_no, xid, &c->tx);
		if (rc == -ENOENT) {
			e.type = VS_OFPET_BAD_REQUEST;
			e.code = VS_OFPBRC_BAD_PORT;
			send_error(c, xid, e, msg, size);
			return;
		}
		break;
	default: /* VS_OFPMP_FLOW */
		rc = vs_ofp_flow_stats(s->tables, cfg, &mp.flow, xid, &c->tx, &e);
		if (rc == -EBADMSG) {
			send_error(c, xid, e, msg, size);
			return;
		}
		break;
	}
	if (rc < 0) {
		e.type = VS_OFPET_BAD_REQUEST;
		e.code = VS_OFPBRC_MULTIPART_BUFFER_OVERFLOW;
		send_error(c, xid, e, msg, size);
		return;
	}
	c->tx_msgs++;
}

/* A decoded FLOW_MOD (large): one scratch for the control thread's
 * FLOW_MOD paths (a message, a bundle's message as it is added or applied). */
static struct vs_ofp_flow_mod fm;

static void
on_flow_mod(struct vs_ofp_srv *s, struct conn *c, const uint8_t *msg, size_t size, uint32_t xid)
{
	struct vs_ofp_err e;
	char why[512];

	c->flow_mods++;
	if (vs_ofp_dec_flow_mod(msg, size, &fm, &e) < 0) {
		send_error(c, xid, e, msg, size);
		return;
	}
	if (vs_ofp_flow_mod(s->tables, *s->cfg, &fm, &e, why, sizeof(why)) < 0) {
		if (why[0] != '\0')
			VS_OFP_LOG(INFO, "%s: flow_mod refused: %s", c->peer, why);
		send_error(c, xid, e, msg, size);
		return;
	}
	flush_others(s, c); /* FLOW_REMOVED of a delete */
}

/* ---- bundles ---- */

static struct bundle *
bundle_find(struct conn *c, uint32_t id)
{
	struct bundle *b;

	for (b = c->bundles; b != NULL; b = b->next)
		if (b->id == id)
			return b;
	return NULL;
}

static struct bundle *
bundle_open(struct conn *c, uint32_t id, uint16_t flags)
{
	struct bundle *b;

	if (c->n_bundles >= BUNDLES_MAX)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->id = id;
	b->flags = flags;
	vs_ofp_buf_init(&b->msgs);
	b->next = c->bundles;
	c->bundles = b;
	c->n_bundles++;
	return b;
}

static void
bundle_drop(struct conn *c, struct bundle *b)
{
	struct bundle **pp;

	for (pp = &c->bundles; *pp != NULL; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	c->n_bundles--;
	c->bundle_bytes -= b->msgs.len;
	vs_ofp_buf_free(&b->msgs);
	free(b);
}

static void
bundle_error(struct conn *c, uint32_t xid, uint16_t code, const uint8_t *msg, size_t size)
{
	struct vs_ofp_err e = {VS_OFPET_EXPERIMENTER, code};

	send_error(c, xid, e, msg, size);
}

/*
 * Apply bundle b as one change: its FLOW_MODs in order against the tables,
 * one rule transaction at the end. A refused FLOW_MOD gets its own error
 * (its xid, its bytes), then the commit gets MSG_FAILED; nothing of the
 * bundle stays.
 */
static void
bundle_commit(struct vs_ofp_srv *s, struct conn *c, struct bundle *b, uint32_t xid,
	      const uint8_t *ctrl, size_t ctrl_size)
{
	struct vs_ofp_bundle_ctrl reply = {b->id, VS_OFPBCT_COMMIT_REPLY, b->flags};
	size_t pos = 0;
	struct vs_ofp_err e;
	char why[512];
	uint32_t k = 0;

	vs_ofp_bundle_begin(s->tables);
	while (pos < b->msgs.len) {
		const uint8_t *m = b->msgs.data + pos;
		struct vs_ofp_hdr h;

		vs_ofp_parse_hdr(m, b->msgs.len - pos, &h);
		c->flow_mods++;
		if (vs_ofp_dec_flow_mod(m, h.length, &fm, &e) < 0 ||
		    vs_ofp_flow_mod(s->tables, *s->cfg, &fm, &e, why, sizeof(why)) < 0) {
			vs_ofp_bundle_abort(s->tables);
			VS_OFP_LOG(
			    INFO, "%s: bundle 0x%x refused at message %u of %u (xid 0x%x)%s%s",
			    c->peer, b->id, k + 1, b->n_msgs, h.xid, why[0] ? ": " : "", why);
			send_error(c, h.xid, e, m, h.length);
			bundle_error(c, xid, VS_OFPBFC_MSG_FAILED, ctrl, ctrl_size);
			c->bundles_failed++;
			bundle_drop(c, b);
			return;
		}
		why[0] = '\0';
		pos += h.length;
		k++;
	}
	if (vs_ofp_bundle_commit(s->tables, *s->cfg, &e, why, sizeof(why)) < 0) {
		vs_ofp_bundle_abort(s->tables);
		VS_OFP_LOG(INFO, "%s: bundle 0x%x (%u messages) refused: %s", c->peer, b->id,
			   b->n_msgs, why);
		send_error(c, xid, e, ctrl, ctrl_size);
		bundle_error(c, xid, VS_OFPBFC_MSG_FAILED, ctrl, ctrl_size);
		c->bundles_failed++;
		bundle_drop(c, b);
		return;
	}
	c->bundles_committed++;
	bundle_drop(c, b);
	queued(c, vs_ofp_enc_bundle_ctrl(&c->tx, xid, &reply));
	flush_others(s, c); /* FLOW_REMOVED of its deletes */
}

static void
on_bundle_ctrl(struct vs_ofp_srv *s, struct conn *c, const uint8_t *msg, size_t size, uint32_t xid)
{
	struct vs_ofp_bundle_ctrl bc;
	struct vs_ofp_err e;
	struct bundle *b;

	if (vs_ofp_dec_bundle_ctrl(msg, size, &bc, &e) < 0) {
		send_error(c, xid, e, msg, size);
		return;
	}
	b = bundle_find(c, bc.bundle_id);
	switch (bc.type) {
	case VS_OFPBCT_OPEN_REQUEST:
		if (b != NULL) {
			bundle_error(c, xid, VS_OFPBFC_BUNDLE_EXIST, msg, size);
			return;
		}
		if (bundle_open(c, bc.bundle_id, bc.flags) == NULL) {
			bundle_error(c, xid, VS_OFPBFC_OUT_OF_BUNDLES, msg, size);
			return;
		}
		break;
	case VS_OFPBCT_CLOSE_REQUEST:
	case VS_OFPBCT_COMMIT_REQUEST:
	case VS_OFPBCT_DISCARD_REQUEST:
		if (b == NULL) {
			bundle_error(c, xid, VS_OFPBFC_BAD_ID, msg, size);
			return;
		}
		if (bc.type == VS_OFPBCT_DISCARD_REQUEST) {
			bundle_drop(c, b);
			break;
		}
		if (bc.flags != b->flags) {
			/* a commit with other flags fails, and the bundle with it */
			if (bc.type == VS_OFPBCT_COMMIT_REQUEST)
				bundle_drop(c, b);
			bundle_error(c, xid, VS_OFPBFC_BAD_FLAGS, msg, size);
			return;
		}
		if (bc.type == VS_OFPBCT_COMMIT_REQUEST) {
			bundle_commit(s, c, b, xid, msg, size);
			return;
		}
		if (b->closed) {
			bundle_error(c, xid, VS_OFPBFC_BUNDLE_CLOSED, msg, size);
			return;
		}
		b->closed = true;
		break;
	default: /* a reply is not a request */
		bundle_error(c, xid, VS_OFPBFC_BAD_TYPE, msg, size);
		return;
	}
	bc.type++; /* the request's reply */
	queued(c, vs_ofp_enc_bundle_ctrl(&c->tx, xid, &bc));
}

static void
on_bundle_add(struct conn *c, const uint8_t *msg, size_t size, uint32_t xid)
{
	const uint8_t *inner;
	size_t inner_size;
	struct vs_ofp_err e;
	struct bundle *b;
	uint32_t id;
	uint16_t flags;

	if (vs_ofp_dec_bundle_add(msg, size, &id, &flags, &inner, &inner_size, &e) < 0) {
		send_error(c, xid, e, msg, size);
		return;
	}
	b = bundle_find(c, id);
	if (b != NULL && b->closed) {
		bundle_error(c, xid, VS_OFPBFC_BUNDLE_CLOSED, msg, size);
		return;
	}
	if (b != NULL && b->flags != flags) {
		bundle_error(c, xid, VS_OFPBFC_BAD_FLAGS, msg, size);
		return;
	}
	/* FLOW_MODs only: the one change a bundle of ours applies atomically */
	if (inner[1] != VS_OFPT_FLOW_MOD) {
		bundle_error(c, xid, VS_OFPBFC_MSG_UNSUP, msg, size);
		return;
	}
	/* refused now if malformed: its own error, the bundle goes on */
	if (vs_ofp_dec_flow_mod(inner, inner_size, &fm, &e) < 0) {
		send_error(c, xid, e, inner, inner_size);
		return;
	}
	if (c->bundle_bytes + inner_size > BUNDLE_BYTES) {
		bundle_error(c, xid, VS_OFPBFC_MSG_TOO_MANY, msg, size);
		return;
	}
	/* a message for a bundle not opened opens it (OpenFlow 1.4 7.3.9.6) */
	if (b == NULL && (b = bundle_open(c, id, flags)) == NULL) {
		bundle_error(c, xid, VS_OFPBFC_OUT_OF_BUNDLES, msg, size);
		return;
	}
	vs_ofp_put(&b->msgs, inner, inner_size);
	if (b->msgs.oom) { /* no memory for it: the bundle as it was goes on */
		b->msgs.oom = false;
		bundle_error(c, xid, VS_OFPBFC_MSG_TOO_MANY, msg, size);
		return;
	}
	c->bundle_bytes += inner_size;
	b->n_msgs++;
}

static void
on_experimenter(struct vs_ofp_srv *s, struct conn *c, const uint8_t *msg, size_t size, uint32_t xid)
{
	uint32_t exp, exp_type;
	struct vs_ofp_err e;

	if (vs_ofp_dec_experimenter(msg, size, &exp, &exp_type, &e) < 0) {
		send_error(c, xid, e, msg, size);
		return;
	}
	if (exp != VS_OFP_ONF_EXPERIMENTER_ID ||
	    (exp_type != VS_ONFT_BUNDLE_CONTROL && exp_type != VS_ONFT_BUNDLE_ADD_MESSAGE)) {
		e.type = VS_OFPET_BAD_REQUEST;
		e.code = exp != VS_OFP_ONF_EXPERIMENTER_ID ? VS_OFPBRC_BAD_EXPERIMENTER
							   : VS_OFPBRC_BAD_EXP_TYPE;
		send_error(c, xid, e, msg, size);
		return;
	}
	if (c->role == VS_OFPCR_ROLE_SLAVE) { /* a bundle changes flows */
		e.type = VS_OFPET_BAD_REQUEST;
		e.code = VS_OFPBRC_IS_SLAVE;
		send_error(c, xid, e, msg, size);
		return;
	}
	if (exp_type == VS_ONFT_BUNDLE_CONTROL)
		on_bundle_ctrl(s, c, msg, size, xid);
	else
		on_bundle_add(c, msg, size, xid);
}

/* The switch port id of OpenFlow port ofport; -1 when none. */
static int
port_id_of(struct vs_ofp_srv *s, const struct vs_config *cfg, uint32_t ofport)
{
	const struct vs_port *p;
	uint32_t i;

	for (i = 0; i < cfg->n_ports; i++) {
		if (vs_config_ofport(cfg, i) != ofport)
			continue;
		p = vs_switch_port_by_name(s->sw, cfg->ports[i].name);
		return p != NULL ? p->id : -1;
	}
	return -1;
}

/* The OpenFlow port number of switch port id; 0 when none. */
static uint32_t
ofport_of(struct vs_ofp_srv *s, const struct vs_config *cfg, uint16_t id)
{
	const struct vs_port *p = vs_switch_port(s->sw, id);
	int i;

	if (p == NULL)
		return 0;
	i = vs_config_port_index(cfg, p->name);
	return i < 0 ? 0 : vs_config_ofport(cfg, (uint32_t)i);
}

/* Whether frame f (len bytes) carries a VLAN tag (802.1Q or 802.1ad). */
static bool
po_tagged(const uint8_t *f, size_t len)
{
	uint16_t tpid;

	if (len < 18)
		return false;
	tpid = (uint16_t)(f[12] << 8 | f[13]);
	return tpid == 0x8100 || tpid == 0x88a8;
}

/* One packet-out copy of frame f (len bytes) to out (a switch port or a
 * VS_PKTIO_TO_*), handed to a worker's packet-out ring; counted. */
static void
po_send(struct vs_ofp_srv *s, const uint8_t *f, size_t len, uint16_t in_id, uint16_t out)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(vs_switch_mempool(s->sw));
	struct vs_pktio_meta *meta;
	char *d;

	if (m == NULL || (d = rte_pktmbuf_append(m, (uint16_t)len)) == NULL) {
		rte_pktmbuf_free(m);
		s->pout_dropped++;
		return;
	}
	memcpy(d, f, len);
	meta = vs_pktio_meta_of(m, vs_switch_pktio_off(s->sw));
	memset(meta, 0, sizeof(*meta));
	meta->in_port = in_id;
	meta->out = out;
	if (vs_switch_packet_out(s->sw, m) < 0) {
		rte_pktmbuf_free(m);
		s->pout_dropped++;
		return;
	}
	s->pout_sent++;
}

/*
 * A PACKET_OUT's actions in order over its frame (OpenFlow 1.3 §5.12: an
 * action list): push_vlan / pop_vlan / set_field change the frame that the
 * outputs after them send. With send false nothing leaves: the whole list is
 * checked first, so a refused packet-out sends nothing. in_id: the switch
 * port of in_port (UINT16_MAX when none). 0 or -1 with *e.
 */
static int
po_run(struct vs_ofp_srv *s, const struct vs_config *cfg, const struct vs_ofp_packet_out *po,
       uint16_t in_id, bool send, struct vs_ofp_err *e)
{
	static uint8_t f[VS_MBUF_DATA_ROOM]; /* control thread only */
	size_t len = po->size;
	uint32_t i;
	int id;

	memcpy(f, po->data, len);
	for (i = 0; i < po->n_actions; i++) {
		const struct vs_ofp_action *a = &po->actions[i];
		uint32_t p = a->port;
		uint16_t out, tci;

		e->type = VS_OFPET_BAD_ACTION;
		if (a->type != VS_OFPACT_OUTPUT && len < 14) {
			/* no Ethernet header to change */
			e->code = VS_OFPBAC_MATCH_INCONSISTENT;
			return -1;
		}
		switch (a->type) {
		case VS_OFPACT_OUTPUT:
			if (p == VS_OFPP_FLOOD || p == VS_OFPP_ALL)
				out = p == VS_OFPP_FLOOD ? VS_PKTIO_TO_FLOOD : VS_PKTIO_TO_ALL;
			else if (p == VS_OFPP_IN_PORT && in_id != UINT16_MAX)
				out = in_id;
			else if (p == VS_OFPP_TABLE && in_id != UINT16_MAX)
				out = VS_PKTIO_TO_TABLE; /* the rules, as received on in_port */
			else if (p <= VS_OFPP_MAX && (id = port_id_of(s, cfg, p)) >= 0)
				out = (uint16_t)id;
			else { /* TABLE without a port as in_port, NORMAL, CONTROLLER,
				* LOCAL, unknown */
				e->code = VS_OFPBAC_BAD_OUT_PORT;
				return -1;
			}
			/* output:IN_PORT sends back where it came from: no hairpin check */
			if (send)
				po_send(s, f, len, p == VS_OFPP_IN_PORT ? UINT16_MAX : in_id, out);
			break;
		case VS_OFPACT_PUSH_VLAN: /* VID 0, PCP 0, as a flow's push_vlan */
			if (len + 4 > sizeof(f)) {
				e->type = VS_OFPET_BAD_REQUEST;
				e->code = VS_OFPBRC_BAD_LEN;
				return -1;
			}
			memmove(f + 16, f + 12, len - 12);
			f[12] = (uint8_t)(a->ethertype >> 8);
			f[13] = (uint8_t)a->ethertype;
			f[14] = f[15] = 0;
			len += 4;
			break;
		case VS_OFPACT_POP_VLAN:
			if (!po_tagged(f, len)) {
				e->code = VS_OFPBAC_MATCH_INCONSISTENT;
				return -1;
			}
			memmove(f + 12, f + 16, len - 16);
			len -= 4;
			break;
		default: /* VS_OFPACT_SET_FIELD */
			switch (a->field) {
			case VS_OXM_ETH_DST:
			case VS_OXM_ETH_SRC:
				memcpy(f + (a->field == VS_OXM_ETH_DST ? 0 : 6), a->value, 6);
				break;
			case VS_OXM_VLAN_VID:
			case VS_OXM_VLAN_PCP:
				if (!po_tagged(f, len)) { /* the OXM prerequisite: a tag */
					e->code = VS_OFPBAC_MATCH_INCONSISTENT;
					return -1;
				}
				tci = (uint16_t)(f[14] << 8 | f[15]);
				if (a->field == VS_OXM_VLAN_VID)
					tci =
					    (uint16_t)((tci & 0xf000) |
						       ((a->value[0] << 8 | a->value[1]) & 0x0fff));
				else
					tci = (uint16_t)((tci & 0x1fff) | (a->value[0] & 7) << 13);
				f[14] = (uint8_t)(tci >> 8);
				f[15] = (uint8_t)tci;
				break;
			default: /* L3/L4 rewrites: not in this switch, as for flows */
				e->code = VS_OFPBAC_BAD_SET_TYPE;
				return -1;
			}
			break;
		}
	}
	return 0;
}

static void
on_packet_out(struct vs_ofp_srv *s, struct conn *c, const uint8_t *msg, size_t size, uint32_t xid)
{
	static struct vs_ofp_packet_out po; /* control thread only */
	const struct vs_config *cfg = *s->cfg;
	struct vs_ofp_err e = {VS_OFPET_BAD_ACTION, VS_OFPBAC_BAD_OUT_PORT};
	uint16_t in_id = UINT16_MAX;
	int id;

	c->packet_outs++;
	if (vs_ofp_dec_packet_out(msg, size, &po, &e) < 0) {
		send_error(c, xid, e, msg, size);
		return;
	}
	if (po.in_port <= VS_OFPP_MAX) {
		id = port_id_of(s, cfg, po.in_port);
		if (id < 0) {
			e.type = VS_OFPET_BAD_REQUEST;
			e.code = VS_OFPBRC_BAD_PORT;
			send_error(c, xid, e, msg, size);
			return;
		}
		in_id = (uint16_t)id;
	}
	if (po.size == 0 || po.size > VS_MBUF_DATA_ROOM) {
		e.type = VS_OFPET_BAD_REQUEST;
		e.code = VS_OFPBRC_BAD_LEN;
		send_error(c, xid, e, msg, size);
		return;
	}
	/* Check every action before anything leaves: all or nothing. */
	if (po_run(s, cfg, &po, in_id, false, &e) < 0) {
		send_error(c, xid, e, msg, size);
		return;
	}
	(void)po_run(s, cfg, &po, in_id, true, &e);
}

/*
 * ROLE_REQUEST (OpenFlow 1.3 §6.3.5): MASTER and SLAVE requests carry a
 * generation_id, refused as stale when it is older than the largest seen
 * (compared as a signed distance, so it may wrap); a new master makes every
 * other master a slave. NOCHANGE only asks for the current role.
 */
static void
on_role_request(struct vs_ofp_srv *s, struct conn *c, const uint8_t *msg, size_t size, uint32_t xid)
{
	struct vs_ofp_err e;
	uint64_t gen;
	uint32_t role;
	struct conn *o;

	if (vs_ofp_dec_role(msg, size, &role, &gen, &e) < 0) {
		send_error(c, xid, e, msg, size);
		return;
	}
	if (role == VS_OFPCR_ROLE_MASTER || role == VS_OFPCR_ROLE_SLAVE) {
		if (s->generation_known && (int64_t)(gen - s->generation_id) < 0) {
			e.type = VS_OFPET_ROLE_REQUEST_FAILED;
			e.code = VS_OFPRRFC_STALE;
			s->stale_refused++;
			VS_OFP_LOG(INFO, "%s: role %s with stale generation_id %llu (now %llu)",
				   c->peer, role_str(role), (unsigned long long)gen,
				   (unsigned long long)s->generation_id);
			send_error(c, xid, e, msg, size);
			return;
		}
		s->generation_id = gen;
		s->generation_known = true;
	}
	if (role == VS_OFPCR_ROLE_MASTER) {
		for (o = s->conns; o != NULL; o = o->next) {
			if (o == c || o->role != VS_OFPCR_ROLE_MASTER)
				continue;
			o->role = VS_OFPCR_ROLE_SLAVE;
			o->role_changes++;
			VS_OFP_LOG(NOTICE, "%s: slave now (%s is master)", o->peer, c->peer);
		}
	}
	if (role != VS_OFPCR_ROLE_NOCHANGE && role != c->role) {
		VS_OFP_LOG(NOTICE, "%s: role %s (generation_id %llu)", c->peer, role_str(role),
			   (unsigned long long)s->generation_id);
		c->role = role;
		c->role_changes++;
	}
	queued(c, vs_ofp_enc_role(&c->tx, VS_OFPT_ROLE_REPLY, xid, c->role,
				  s->generation_known ? s->generation_id : 0));
}

static bool
any_up(const struct vs_ofp_srv *s)
{
	const struct conn *c;

	for (c = s->conns; c != NULL; c = c->next)
		if (!c->connecting && c->hello)
			return true;
	return false;
}

/*
 * The fail mode: notice when the switch has no controller (no connection
 * past HELLO for longer than the probe interval, or none since the start)
 * and when it has one again; log each transition. Standalone: the fallback
 * rule is live exactly while there is none (a failed change is retried at
 * the next call).
 */
static void
fail_update(struct vs_ofp_srv *s)
{
	struct vs_cfg_error err;
	bool up = any_up(s), none;
	int rc;

	if (up) {
		s->ever_up = true;
		s->up_ms = s->now_ms;
	}
	none = !up && (!s->ever_up || s->now_ms - s->up_ms > s->probe_ms);
	if (none != s->no_ctl) {
		s->no_ctl = none;
		s->fail_transitions++;
		if (none)
			VS_OFP_LOG(WARNING, "no controller %s: fail_mode %s: %s",
				   s->ever_up ? "connected any more" : "since the start",
				   s->standalone ? "standalone" : "secure",
				   s->standalone ? "misses go to MAC learning (normal)"
						 : "the flows stay, misses follow table_miss");
		else
			VS_OFP_LOG(NOTICE, "a controller is connected: fail_mode %s ends",
				   s->standalone ? "standalone" : "secure");
	}
	if (!s->standalone || s->fallback_on == s->no_ctl)
		return;
	memset(&err, 0, sizeof(err));
	rc = vs_ofp_fallback_set(s->sw, s->no_ctl, &err);
	if (rc < 0) {
		if (s->fallback_errors++ == 0)
			VS_OFP_LOG(ERR, "cannot %s the fallback rule: %s (retrying)",
				   s->no_ctl ? "add" : "remove",
				   err.msg[0] ? err.msg : strerror(-rc));
		return;
	}
	s->fallback_on = s->no_ctl;
	VS_OFP_LOG(NOTICE, "standalone: MAC-learning fallback rule %s",
		   s->fallback_on ? "added" : "removed (the controller's flows take over)");
}

/* Messages that change the switch: a slave's are refused (IS_SLAVE). */
static bool
changes_state(uint8_t type)
{
	switch (type) {
	case VS_OFPT_SET_CONFIG:
	case VS_OFPT_PACKET_OUT:
	case VS_OFPT_FLOW_MOD:
	case 15: /* GROUP_MOD */
	case 16: /* PORT_MOD */
	case 17: /* TABLE_MOD */
	case 29: /* METER_MOD */
		return true;
	default:
		return false;
	}
}

/* Handle one whole message. */
static void
on_msg(struct vs_ofp_srv *s, struct conn *c, const uint8_t *msg, size_t size)
{
	struct vs_ofp_hdr h;
	struct vs_ofp_err e;
	uint16_t flags, msl;

	vs_ofp_parse_hdr(msg, size, &h);
	c->rx_msgs++;
	if (!c->hello) {
		if (h.type != VS_OFPT_HELLO || vs_ofp_dec_hello(msg, size, &e) < 0) {
			static const char text[] = "nfvswitch speaks OpenFlow 1.3 (0x04) only";

			e.type = VS_OFPET_HELLO_FAILED;
			e.code = VS_OFPHFC_INCOMPATIBLE;
			s->refused_version++;
			send_error(c, h.xid, e, (const uint8_t *)text, sizeof(text) - 1);
			c->closing = true;
			return;
		}
		c->hello = true;
		if (c->ctlr != NULL)
			c->ctlr->backoff_ms = BACKOFF_MIN;
		fail_update(s); /* a controller: the fallback goes before its flow_mods */
		return;
	}
	if (h.version != VS_OFP_VERSION) {
		e.type = VS_OFPET_BAD_REQUEST;
		e.code = VS_OFPBRC_BAD_VERSION;
		send_error(c, h.xid, e, msg, size);
		return;
	}
	if (c->role == VS_OFPCR_ROLE_SLAVE && changes_state(h.type)) {
		e.type = VS_OFPET_BAD_REQUEST;
		e.code = VS_OFPBRC_IS_SLAVE;
		send_error(c, h.xid, e, msg, size);
		return;
	}
	switch (h.type) {
	case VS_OFPT_HELLO:
		return;
	case VS_OFPT_ROLE_REQUEST:
		on_role_request(s, c, msg, size, h.xid);
		return;
	case VS_OFPT_GET_ASYNC_REQUEST:
		if (size != VS_OFP_HDR_SIZE)
			break;
		queued(c, vs_ofp_enc_async(&c->tx, VS_OFPT_GET_ASYNC_REPLY, h.xid, &c->async));
		return;
	case VS_OFPT_SET_ASYNC: {
		struct vs_ofp_async a;

		if (vs_ofp_dec_async(msg, size, &a, &e) < 0) {
			send_error(c, h.xid, e, msg, size);
			return;
		}
		c->async = a;
		return;
	}
	case VS_OFPT_ERROR:
		c->errors_rcvd++;
		if (vs_ofp_dec_error(msg, size, &e) == 0)
			VS_OFP_LOG(INFO, "%s: peer sent %s code %u", c->peer,
				   vs_ofp_err_type_str(e.type), e.code);
		return;
	case VS_OFPT_ECHO_REQUEST:
		queued(c, vs_ofp_enc_echo(&c->tx, VS_OFPT_ECHO_REPLY, h.xid, msg + VS_OFP_HDR_SIZE,
					  size - VS_OFP_HDR_SIZE));
		return;
	case VS_OFPT_ECHO_REPLY:
		c->probe_sent = false;
		return;
	case VS_OFPT_FEATURES_REQUEST:
		if (size != VS_OFP_HDR_SIZE)
			break;
		queued(c, vs_ofp_enc_features_reply(&c->tx, h.xid, s->datapath_id,
						    (uint8_t)n_tables(s)));
		return;
	case VS_OFPT_GET_CONFIG_REQUEST:
		if (size != VS_OFP_HDR_SIZE)
			break;
		queued(c, vs_ofp_enc_get_config_reply(&c->tx, h.xid, 0, c->miss_send_len));
		return;
	case VS_OFPT_SET_CONFIG:
		if (vs_ofp_dec_set_config(msg, size, &flags, &msl, &e) < 0) {
			send_error(c, h.xid, e, msg, size);
			return;
		}
		c->miss_send_len = msl;
		return;
	case VS_OFPT_BARRIER_REQUEST:
		if (size != VS_OFP_HDR_SIZE)
			break;
		/* everything before it has been applied: messages run in order */
		queued(c, vs_ofp_enc_empty(&c->tx, VS_OFPT_BARRIER_REPLY, h.xid));
		return;
	case VS_OFPT_FLOW_MOD:
		on_flow_mod(s, c, msg, size, h.xid);
		return;
	case VS_OFPT_PACKET_OUT:
		on_packet_out(s, c, msg, size, h.xid);
		return;
	case VS_OFPT_MULTIPART_REQUEST:
		on_multipart(s, c, msg, size, h.xid);
		return;
	case VS_OFPT_EXPERIMENTER:
		on_experimenter(s, c, msg, size, h.xid);
		return;
	default:
		e.type = VS_OFPET_BAD_REQUEST;
		e.code = VS_OFPBRC_BAD_TYPE;
		send_error(c, h.xid, e, msg, size);
		return;
	}
	/* a fixed-size request of the wrong size */
	e.type = VS_OFPET_BAD_REQUEST;
	e.code = VS_OFPBRC_BAD_LEN;
	send_error(c, h.xid, e, msg, size);
}

/* Read and handle what arrived. -1 when the connection is gone. */
static int
conn_read(struct vs_ofp_srv *s, struct conn *c)
{
	for (;;) {
		size_t pos = 0;
		ssize_t n;

		n = recv(c->fd, c->rx + c->rx_len, RX_CAP - c->rx_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return conn_flush(s, c);
		if (n <= 0) {
			conn_close(s, c, n < 0 ? strerror(errno) : "peer closed");
			return -1;
		}
		c->rx_len += (size_t)n;
		c->last_rx_ms = s->now_ms;
		c->probe_sent = false;
		while (!c->closing && c->rx_len - pos >= VS_OFP_HDR_SIZE) {
			struct vs_ofp_hdr h;

			if (vs_ofp_parse_hdr(c->rx + pos, c->rx_len - pos, &h) < 0) {
				/* length below 8: the stream cannot be framed any more */
				conn_close(s, c, "message length below 8");
				return -1;
			}
			if (h.length > c->rx_len - pos)
				break;
			on_msg(s, c, c->rx + pos, h.length);
			pos += h.length;
		}
		if (pos > 0) {
			memmove(c->rx, c->rx + pos, c->rx_len - pos);
			c->rx_len -= pos;
		}
		if (c->closing) {
			c->rx_len = 0;
			return conn_flush(s, c);
		}
		if (conn_flush(s, c) < 0)
			return -1;
	}
}

void
vs_ofp_serve(struct vs_ofp_srv *s)
{
	struct epoll_event evs[32];
	int n, i;

	if (s == NULL)
		return;
	s->now_ms = mono_ms();
	n = epoll_wait(s->epfd, evs, 32, 0);
	for (i = 0; i < n; i++) {
		struct conn *c = evs[i].data.ptr;

		if (c == NULL) {
			on_accept(s);
			continue;
		}
		if (c->connecting && (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
			if (conn_connected(s, c) < 0)
				continue;
			c->want_out = true; /* armed since the connect: flush disarms it */
		}
		if (evs[i].events & EPOLLOUT) {
			if (conn_flush(s, c) < 0)
				continue;
		}
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			conn_read(s, c);
	}
}

void
vs_ofp_tick(struct vs_ofp_srv *s, uint64_t now_ms)
{
	struct conn *c, *next;

	if (s == NULL)
		return;
	s->now_ms = now_ms;
	for (c = s->conns; c != NULL; c = next) {
		next = c->next;
		if (now_ms - c->last_rx_ms < s->probe_ms)
			continue;
		if (c->connecting) {
			conn_close(s, c, "connect timed out");
			continue;
		}
		if (!c->probe_sent) {
			c->probe_sent = true;
			c->probe_ms = now_ms;
			queued(c, vs_ofp_enc_echo(&c->tx, VS_OFPT_ECHO_REQUEST, s->next_xid++, NULL,
						  0));
			conn_flush(s, c);
		} else if (now_ms - c->probe_ms >= s->probe_ms) {
			s->probes_closed++;
			conn_close(s, c, "inactivity probe: no answer to ECHO_REQUEST");
		}
	}
	for (uint32_t k = 0; k < s->n_ctlrs; k++) {
		struct ctlr *t = &s->ctlrs[k];

		if (t->c == NULL && now_ms >= t->next_ms && s->n_conns < MAX_CONNS)
			ctlr_connect(s, t);
	}
	fail_update(s);
}

void
vs_ofp_close(struct vs_ofp_srv *s)
{
	if (s == NULL)
		return;
	while (s->conns != NULL)
		conn_free(s, s->conns);
	vs_ofp_tables_destroy(s->tables);
	close(s->epfd);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->unix_path[0] != '\0')
		unlink(s->unix_path);
	free(s->ports);
	free(s);
}

uint32_t
vs_ofp_info(const struct vs_ofp_srv *s, struct vs_ofp_info *info, struct vs_ofp_conn_info *conns,
	    uint32_t max)
{
	const struct conn *c;
	uint32_t n = 0;
	uint64_t now = mono_ms();

	memset(info, 0, sizeof(*info));
	if (s == NULL)
		return 0;
	snprintf(info->listen, sizeof(info->listen), "%s", s->listen);
	info->datapath_id = s->datapath_id;
	info->accepted = s->accepted;
	info->refused_version = s->refused_version;
	info->probes_closed = s->probes_closed;
	info->n_conns = s->n_conns;
	info->miss_to_controller = s->miss_to_ctl;
	info->pin_queued = s->pin_queued;
	info->pin_sent = s->pin_sent;
	info->pin_rate_limited = s->pin_rate_limited;
	info->pin_no_controller = s->pin_no_controller;
	info->pout_sent = s->pout_sent;
	info->pout_dropped = s->pout_dropped;
	vs_ofp_tables_info(s->tables, &info->n_tables, &info->n_flows, &info->n_derived);
	info->flow_removed_sent = s->flow_removed_sent;
	info->expired = s->expired;
	info->pin_unwanted = s->pin_unwanted;
	info->generation_id = s->generation_id;
	info->generation_known = s->generation_known;
	info->stale_refused = s->stale_refused;
	info->standalone = s->standalone;
	info->controller_connected = any_up(s);
	info->no_controller = s->no_ctl;
	if (!info->controller_connected)
		info->no_controller_ms = now - (s->ever_up ? s->up_ms : s->start_ms);
	info->fail_transitions = s->fail_transitions;
	info->fallback = s->fallback_on;
	info->fallback_errors = s->fallback_errors;
	info->port_status_sent = s->port_status_sent;
	for (c = s->conns; c != NULL && n < max; c = c->next, n++) {
		struct vs_ofp_conn_info *ci = &conns[n];

		snprintf(ci->peer, sizeof(ci->peer), "%s", c->peer);
		ci->rx_msgs = c->rx_msgs;
		ci->tx_msgs = c->tx_msgs;
		ci->flow_mods = c->flow_mods;
		ci->bundles_open = c->n_bundles;
		ci->bundles_committed = c->bundles_committed;
		ci->bundles_failed = c->bundles_failed;
		ci->errors_sent = c->errors_sent;
		ci->errors_rcvd = c->errors_rcvd;
		ci->packet_ins = c->packet_ins;
		ci->packet_outs = c->packet_outs;
		ci->active = c->ctlr != NULL;
		ci->up = !c->connecting && c->hello;
		snprintf(ci->role, sizeof(ci->role), "%s", role_str(c->role));
		ci->role_changes = c->role_changes;
		ci->connected_s = (double)(now - c->since_ms) / 1000.0;
	}
	return n;
}

/* ---- packet-in ---- */

/* Whether c may send one more packet-in now (token bucket, burst of a
 * tenth of a second's rate). */
static bool
pin_allowed(struct vs_ofp_srv *s, struct conn *c)
{
	double burst = s->pin_rate / 10.0 < 1.0 ? 1.0 : s->pin_rate / 10.0;

	if (s->now_ms > c->tokens_ms) {
		c->tokens += (double)(s->now_ms - c->tokens_ms) * s->pin_rate / 1000.0;
		if (c->tokens > burst)
			c->tokens = burst;
		c->tokens_ms = s->now_ms;
	}
	if (c->tokens < 1.0)
		return false;
	c->tokens -= 1.0;
	return true;
}

void
vs_ofp_packet_ins(struct vs_ofp_srv *s)
{
	static uint8_t frame[VS_OFP_MAX_MSG]; /* control thread only */
	struct rte_mbuf *pkts[PIN_BATCH];
	const struct vs_config *cfg;
	unsigned n, i;
	int off;

	if (s == NULL)
		return;
	n = vs_switch_pktin_take(s->sw, pkts, PIN_BATCH);
	if (n == 0)
		return;
	s->now_ms = mono_ms();
	cfg = *s->cfg;
	off = vs_switch_pktio_off(s->sw);
	s->pin_queued += n;
	for (i = 0; i < n; i++) {
		const struct vs_pktio_meta *meta = vs_pktio_meta_of(pkts[i], off);
		struct vs_ofp_packet_in pi = {
		    .buffer_id = VS_OFP_NO_BUFFER,
		    .reason = meta->reason == VS_PKTIO_ACTION ? VS_OFPR_ACTION : VS_OFPR_NO_MATCH,
		    .table_id = meta->table_id,
		    .cookie = meta->cookie,
		    .in_port = ofport_of(s, cfg, meta->in_port),
		};
		uint32_t len = rte_pktmbuf_pkt_len(pkts[i]);
		const void *data;
		struct conn *c, *next;
		bool sent = false, up = false, wanted = false;

		if (len > sizeof(frame))
			len = sizeof(frame);
		pi.total_len = (uint16_t)(len > 0xffff ? 0xffff : len);
		data = rte_pktmbuf_read(pkts[i], 0, len, frame);
		for (c = s->conns; data != NULL && c != NULL; c = next) {
			uint32_t max =
			    meta->reason == VS_PKTIO_MISS ? c->miss_send_len : meta->max_len;

			next = c->next;
			if (c->connecting || !c->hello)
				continue;
			up = true;
			if (!vs_ofp_conn_wants_async(c, VS_OFPT_PACKET_IN, pi.reason))
				continue;
			wanted = true;
			if (!pin_allowed(s, c)) {
				s->pin_rate_limited++;
				continue;
			}
			pi.data = data;
			pi.size = max == VS_OFPCML_NO_BUFFER || max > len ? len : max;
			if (vs_ofp_enc_packet_in(&c->tx, 0, &pi) == 0) {
				c->tx_msgs++;
				c->packet_ins++;
				sent = true;
			}
		}
		if (!up)
			s->pin_no_controller++;
		else if (!wanted)
			s->pin_unwanted++;
		else if (sent)
			s->pin_sent++;
	}
	rte_pktmbuf_free_bulk(pkts, n);
	{
		struct conn *c, *next;

		for (c = s->conns; c != NULL; c = next) {
			next = c->next;
			if (!c->connecting && c->tx.len > c->tx_off)
				conn_flush(s, c);
		}
	}
}
