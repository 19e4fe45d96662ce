/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost ports, control side: creation (rte_vhost_driver_register), start
 * (rte_vhost_driver_start, server socket ownership), the device callbacks
 * librte_vhost runs on its own thread, and the control-thread handling of
 * the events they post (vs_vhu_process_events).
 *
 * The callbacks never touch switch state: they post an event to an
 * rte_ring and signal an eventfd the control loop sleeps on. The control
 * thread applies the events and reports what happened to the module's owner
 * (vs_vhu_event_fn), which republishes the switch's ports; vhost never calls
 * up into the switch. destroy_device waits until the owner has republished
 * the port as not ready (a snapshot publish includes an rte_rcu_qsbr grace
 * period) and the control thread acknowledged, or until the port is being
 * destroyed (then no worker runs: the pipeline destroys ports only when the
 * workers have stopped, and rte_vhost_driver_unregister waits for a busy
 * callback, which is why the wait must end on `closing`).
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_net.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_vhost.h>

#include "vhost_priv.h"

RTE_LOG_REGISTER_DEFAULT(vs_vhost_logtype, NOTICE);

#define VHU_EV_RING_SIZE 4096
#define VHU_EV_BURST	 32

enum vhu_ev_type {
	VHU_EV_NEW_CONN = 1,
	VHU_EV_DESTROY_CONN,
	VHU_EV_NEW_DEVICE,
	VHU_EV_DESTROY_DEVICE,
	VHU_EV_VRING,
	VHU_EV_FEATURES,
};

struct vhu_event {
	uint8_t type;	/* enum vhu_ev_type */
	uint8_t enable; /* VRING */
	uint16_t slot;
	uint16_t slot_gen;
	uint16_t queue; /* VRING: virtqueue index */
	int32_t vid;
	uint32_t seq; /* DESTROY_DEVICE: handshake sequence */
	/* FEATURES: the new set (librte_vhost calls before it stores it) */
	uint64_t features;
};

/* Module state. The port table is written by the control thread under
 * `lock`; the callbacks read it under `lock`. */
static struct {
	pthread_mutex_t lock;
	struct vs_vhu_port *slot[VS_PORT_MAX];
	uint16_t slot_gen[VS_PORT_MAX];
	struct rte_ring *ev;
	int efd; /* eventfd: readable when events wait in ev */
} vhu = {.lock = PTHREAD_MUTEX_INITIALIZER, .efd = -1};

/* Offloads the pipeline cannot finish, never offered: UDP fragmentation
 * offload and ECN with TSO. Mergeable rx buffers, indirect descriptors,
 * multiqueue, event idx and dirty-page logging for live migration
 * (VHOST_F_LOG_ALL) stay as librte_vhost offers them. */
#define VHU_DISABLED_FEATURES                                                                      \
	((1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_HOST_UFO) |                       \
	 (1ULL << VIRTIO_NET_F_GUEST_ECN) | (1ULL << VIRTIO_NET_F_GUEST_UFO))
/* Checksum and TSO both ways; with offloads: false none at all, and guests
 * send and receive complete frames. */
#define VHU_OFFLOAD_FEATURES                                                                       \
	((1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_HOST_TSO4) |                          \
	 (1ULL << VIRTIO_NET_F_HOST_TSO6) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |                    \
	 (1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO6))

/* What a guest with these features takes as it is (VS_TX_OL_*): librte_vhost
 * writes the request into the virtio-net header for it. The IPv4 header
 * checksum librte_vhost always computes itself. */
static uint64_t
vhu_tx_ol_ok(uint64_t features)
{
	uint64_t ok = RTE_MBUF_F_TX_IP_CKSUM;

	if (features & (1ULL << VIRTIO_NET_F_GUEST_CSUM)) {
		ok |= RTE_MBUF_F_TX_L4_MASK;
		/* One flag for TCP over IPv4 and IPv6: both, or none. */
		if ((features & (1ULL << VIRTIO_NET_F_GUEST_TSO4)) &&
		    (features & (1ULL << VIRTIO_NET_F_GUEST_TSO6)))
			ok |= RTE_MBUF_F_TX_TCP_SEG;
	}
	return ok;
}

const char *
vs_vhu_state_str(enum vs_vhu_state s)
{
	switch (s) {
	case VS_VHU_WAITING:
		return "waiting";
	case VS_VHU_CONNECTED:
		return "connected";
	case VS_VHU_RUNNING:
		return "running";
	}
	return "unknown";
}

/* ---- callbacks (librte_vhost's thread) ------------------------------------------ */

/* The port a device belongs to, by socket path. */
static struct vs_vhu_port *
port_of_vid(int vid, uint16_t *slot, uint16_t *gen)
{
	char path[VS_CFG_PATH_MAX + 1];
	struct vs_vhu_port *vp = NULL;
	unsigned i;

	if (rte_vhost_get_ifname(vid, path, sizeof(path)) < 0)
		return NULL;
	pthread_mutex_lock(&vhu.lock);
	for (i = 0; i < VS_PORT_MAX; i++) {
		if (vhu.slot[i] != NULL && strcmp(vhu.slot[i]->path, path) == 0) {
			vp = vhu.slot[i];
			*slot = (uint16_t)i;
			*gen = vhu.slot_gen[i];
			break;
		}
	}
	pthread_mutex_unlock(&vhu.lock);
	return vp;
}

static void
nap_us(long us)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = us * 1000};

	nanosleep(&ts, NULL);
}

/* Wake the control loop: events wait. */
static void
wake(void)
{
	uint64_t one = 1;
	ssize_t rc;

	/* Fails only when the counter is at its maximum: then it is readable. */
	rc = write(vhu.efd, &one, sizeof(one));
	RTE_SET_USED(rc);
}

/*
 * Post an event for the control thread and wake it. The ring holds 4096
 * events and the control thread drains it whenever it is woken, so it is
 * full only when the control thread is stuck. Then a destroy_device event waits for room (it must
 * not be lost, and librte_vhost holds no queue lock while calling destroy_device). Other callbacks
 * may run with every queue lock held (vring_state_changed during SET_VRING_ENABLE), where waiting
 * could deadlock with a grace period the control thread waits for: those events are dropped and
 * logged instead.
 */
static int
post(const struct vhu_event *ev, bool may_wait)
{
	static unsigned dropped;
	unsigned tries = 0, d;

	if (vhu.ev == NULL)
		return -ENODEV;
	while (rte_ring_mp_enqueue_elem(vhu.ev, (void *)(uintptr_t)ev, sizeof(*ev)) != 0) {
		if (!may_wait) {
			d = __atomic_fetch_add(&dropped, 1, __ATOMIC_SEQ_CST) + 1;
			if (d % 1000 == 1)
				VS_VHU_LOG(ERR,
					   "event ring full: device event %u of device %d "
					   "lost (%u so far)",
					   ev->type, ev->vid, d);
			return -ENOBUFS;
		}
		if (tries++ % 10000 == 0)
			VS_VHU_LOG(WARNING, "event ring full; waiting for the control thread");
		nap_us(100);
	}
	wake();
	return 0;
}

static int
post_simple(int vid, enum vhu_ev_type type, uint16_t queue, int enable)
{
	struct vhu_event ev;
	struct vs_vhu_port *vp;

	memset(&ev, 0, sizeof(ev));
	vp = port_of_vid(vid, &ev.slot, &ev.slot_gen);
	if (vp == NULL)
		return 0;
	ev.type = (uint8_t)type;
	ev.vid = vid;
	ev.queue = queue;
	ev.enable = enable != 0;
	return post(&ev, false);
}

static int
cb_new_connection(int vid)
{
	post_simple(vid, VHU_EV_NEW_CONN, 0, 0);
	return 0;
}

static void
cb_destroy_connection(int vid)
{
	post_simple(vid, VHU_EV_DESTROY_CONN, 0, 0);
}

static int
cb_new_device(int vid)
{
	post_simple(vid, VHU_EV_NEW_DEVICE, 0, 0);
	return 0;
}

static int
cb_vring_state_changed(int vid, uint16_t queue_id, int enable)
{
	post_simple(vid, VHU_EV_VRING, queue_id, enable);
	return 0;
}

static int
cb_features_changed(int vid, uint64_t features)
{
	struct vhu_event ev;

	memset(&ev, 0, sizeof(ev));
	if (port_of_vid(vid, &ev.slot, &ev.slot_gen) == NULL)
		return 0;
	ev.type = VHU_EV_FEATURES;
	ev.vid = vid;
	ev.features = features;
	post(&ev, false);
	return 0;
}

/*
 * The device is going away: its memory is unmapped once we return. Wait
 * until the control thread has published the port as not ready and a grace
 * period has passed (no worker can still be inside an enqueue/dequeue on
 * vid), or until the port is being destroyed (workers stopped).
 */
static void
cb_destroy_device(int vid)
{
	struct vhu_event ev;
	struct vs_vhu_port *vp;
	struct timespec t0, t1;
	uint32_t seq;
	unsigned waited_ms = 0, us = 0;

	memset(&ev, 0, sizeof(ev));
	vp = port_of_vid(vid, &ev.slot, &ev.slot_gen);
	if (vp == NULL || __atomic_load_n(&vp->closing, __ATOMIC_SEQ_CST))
		return;
	seq = (uint32_t)__atomic_fetch_add(&vp->destroy_req, 1, __ATOMIC_SEQ_CST) + 1;
	ev.type = VHU_EV_DESTROY_DEVICE;
	ev.vid = vid;
	ev.seq = seq;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (post(&ev, true) < 0)
		return; /* no event ring: no switch runs this port */
	while ((uint32_t)__atomic_load_n(&vp->destroy_ack, __ATOMIC_SEQ_CST) - seq >
		   UINT32_MAX / 2 &&
	       !__atomic_load_n(&vp->closing, __ATOMIC_SEQ_CST)) {
		nap_us(100);
		if ((us += 100) >= 1000) {
			us = 0;
			if (++waited_ms % 5000 == 0)
				VS_VHU_LOG(WARNING,
					   "%s: device %d: destroy waits %u s for the "
					   "control thread",
					   vp->path, vid, waited_ms / 1000);
		}
	}
	if (__atomic_load_n(&vp->closing, __ATOMIC_SEQ_CST))
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* How long the guest's teardown waited for us (docs/vhost.md). */
	VS_VHU_LOG(INFO, "port %s: destroy_device of device %d took %.3f ms", vp->port->name, vid,
		   (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
}

static const struct rte_vhost_device_ops vhu_dev_ops = {
    .new_device = cb_new_device,
    .destroy_device = cb_destroy_device,
    .vring_state_changed = cb_vring_state_changed,
    .features_changed = cb_features_changed,
    .new_connection = cb_new_connection,
    .destroy_connection = cb_destroy_connection,
};

/* ---- events (control thread) ------------------------------------------------------ */

/* Where vs_vhu_process_events() reports. */
struct vs_vhu_sink {
	vs_vhu_event_fn fn;
	void *arg;
};

/* Tell the owner what happened to vp (it may republish the switch's ports). */
static void
report(const struct vs_vhu_sink *sink, struct vs_vhu_port *vp, enum vs_vhu_event_type type, int vid,
       uint16_t queue, bool enable)
{
	struct vs_vhu_event ev = {
	    .type = type, .port = vp->port, .vid = vid, .queue = queue, .enable = enable};

	if (sink->fn != NULL)
		sink->fn(sink->arg, &ev);
}

static void
apply_new_device(const struct vs_vhu_sink *sink, struct vs_vhu_port *vp, int vid)
{
	uint16_t n_vrings = rte_vhost_get_vring_num(vid), i;
	uint64_t features = 0;
	int node;
	int cur = __atomic_load_n(&vp->vid, __ATOMIC_SEQ_CST);

	if (cur >= 0 && cur != vid) {
		/* A second client on a server socket: one device per port. */
		VS_VHU_LOG(WARNING, "port %s: device %d ignored; device %d already runs on %s",
			   vp->port->name, vid, cur, vp->path);
		return;
	}
	/* We poll: guests need not kick us. */
	for (i = 0; i < n_vrings; i++)
		rte_vhost_enable_guest_notification(vid, i, 0);
	rte_vhost_get_negotiated_features(vid, &features);
	vp->features = features;
	/* The guest's memory is on one node: dequeue into mbufs of that node
	 * (the port is not ready yet: no worker polls it). */
	node = rte_vhost_get_numa_node(vid);
	if (node >= 0 && vp->pool_of != NULL && node != vp->port->socket_id) {
		vp->pool = vp->pool_of(vp->pool_arg, node);
		vp->port->pool = vp->pool;
		vp->port->socket_id = node;
		VS_VHU_LOG(INFO, "port %s: guest memory on NUMA node %d; mbufs from there",
			   vp->port->name, node);
	}
	__atomic_store_n(&vp->port->tx_ol_ok, vhu_tx_ol_ok(features), __ATOMIC_RELAXED);
	vp->devices++;
	vp->state = VS_VHU_RUNNING;
	__atomic_store_n(&vp->vid, vid, __ATOMIC_RELEASE);
	VS_VHU_LOG(INFO, "port %s: device %d running on %s (%u vrings, features 0x%" PRIx64 ")",
		   vp->port->name, vid, vp->path, n_vrings, features);
	if (vp->port->started) {
		__atomic_store_n(&vp->port->ready, true, __ATOMIC_RELEASE);
		report(sink, vp, VS_VHU_EV_READY, vid, 0, false);
	}
}

static void
apply_destroy_device(const struct vs_vhu_sink *sink, struct vs_vhu_port *vp, int vid, uint32_t seq)
{
	if (__atomic_load_n(&vp->vid, __ATOMIC_SEQ_CST) != vid) {
		/* A device we ignored (or never saw run): workers never used it. */
		__atomic_store_n(&vp->destroy_ack, seq, __ATOMIC_SEQ_CST);
		return;
	}
	/* Not ready first, then the owner publishes (which waits for a grace period). */
	__atomic_store_n(&vp->port->ready, false, __ATOMIC_RELEASE);
	report(sink, vp, VS_VHU_EV_GONE, vid, 0, false);
	__atomic_store_n(&vp->vid, -1, __ATOMIC_RELEASE);
	vp->destroys++;
	vp->features = 0;
	__atomic_store_n(&vp->port->tx_ol_ok, vhu_tx_ol_ok(0), __ATOMIC_RELAXED);
	if (vp->state == VS_VHU_RUNNING)
		vp->state = VS_VHU_CONNECTED;
	__atomic_store_n(&vp->destroy_ack, seq, __ATOMIC_SEQ_CST);
	VS_VHU_LOG(INFO, "port %s: device %d stopped", vp->port->name, vid);
}

/* Spread the port's tx queues evenly over the pairs whose guest rx ring is
 * enabled (tx queue q -> the (q mod n)th enabled pair); with none, each queue
 * keeps its own pair and counts tx_disabled. */
static void
tx_remap(struct vs_vhu_port *vp)
{
	uint16_t on[VS_PORT_MAX_QUEUES], n = 0, q;

	for (q = 0; q < VS_PORT_MAX_QUEUES; q++)
		if (__atomic_load_n(&vp->pair_tx_on[q], __ATOMIC_SEQ_CST))
			on[n++] = q;
	for (q = 0; q < vp->n_queues; q++)
		__atomic_store_n(&vp->q[q].tx_pair, n ? on[q % n] : q, __ATOMIC_RELEASE);
	if (n != vp->n_tx_pairs && n > 0 && n != vp->n_queues)
		VS_VHU_LOG(
		    INFO,
		    "port %s: guest enabled %u queue pairs, the port has %u; tx spread over them",
		    vp->port->name, n, vp->n_queues);
	vp->n_tx_pairs = n;
}

/* The end of the pairs rx queues poll: the highest guest tx ring enabled + 1. */
static void
rx_remap(struct vs_vhu_port *vp)
{
	uint16_t end = 0, p;

	for (p = 0; p < VS_PORT_MAX_QUEUES; p++)
		if (__atomic_load_n(&vp->pair_rx_on[p], __ATOMIC_SEQ_CST))
			end = (uint16_t)(p + 1);
	__atomic_store_n(&vp->rx_pairs_end, end, __ATOMIC_RELEASE);
}

static void
apply_event(const struct vs_vhu_sink *sink, const struct vhu_event *ev)
{
	struct vs_vhu_port *vp;
	uint16_t pair;

	if (ev->slot >= VS_PORT_MAX || vhu.slot_gen[ev->slot] != ev->slot_gen)
		return;
	vp = vhu.slot[ev->slot];
	if (vp == NULL)
		return;
	switch ((enum vhu_ev_type)ev->type) {
	case VHU_EV_NEW_CONN:
		vp->connections++;
		vp->state = VS_VHU_CONNECTED;
		VS_VHU_LOG(INFO, "port %s: connected on %s (connection %" PRIu64 ")",
			   vp->port->name, vp->path, vp->connections);
		report(sink, vp, VS_VHU_EV_CONNECTED, ev->vid, 0, false);
		break;
	case VHU_EV_DESTROY_CONN:
		vp->state = VS_VHU_WAITING;
		for (pair = 0; pair < vp->n_queues; pair++) {
			__atomic_store_n(&vp->q[pair].rx_on, false, __ATOMIC_SEQ_CST);
			__atomic_store_n(&vp->q[pair].tx_on, false, __ATOMIC_SEQ_CST);
		}
		for (pair = 0; pair < VS_PORT_MAX_QUEUES; pair++) {
			__atomic_store_n(&vp->pair_rx_on[pair], false, __ATOMIC_SEQ_CST);
			__atomic_store_n(&vp->pair_tx_on[pair], false, __ATOMIC_SEQ_CST);
		}
		tx_remap(vp);
		rx_remap(vp);
		VS_VHU_LOG(INFO, "port %s: disconnected from %s%s", vp->port->name, vp->path,
			   vp->mode == VS_CFG_VHOST_CLIENT ? "; reconnecting" : "");
		report(sink, vp, VS_VHU_EV_DISCONNECTED, ev->vid, 0, false);
		break;
	case VHU_EV_NEW_DEVICE:
		apply_new_device(sink, vp, ev->vid);
		break;
	case VHU_EV_DESTROY_DEVICE:
		apply_destroy_device(sink, vp, ev->vid, ev->seq);
		break;
	case VHU_EV_VRING:
		pair = ev->queue / 2;
		if (pair >= VS_PORT_MAX_QUEUES) {
			/* Beyond what any port can poll: what the guest sends there is lost. */
			if (ev->enable) {
				vp->vrings_ignored++;
				VS_VHU_LOG(
				    WARNING,
				    "port %s: guest enabled vring %u (queue pair %u); at most "
				    "%u pairs are polled, it is ignored",
				    vp->port->name, ev->queue, pair, VS_PORT_MAX_QUEUES);
			}
			break;
		}
		if (pair >= vp->n_queues && ev->enable && (ev->queue & 1))
			VS_VHU_LOG(NOTICE,
				   "port %s: guest enabled queue pair %u beyond the port's %u "
				   "(queues:); rx queue %u polls it",
				   vp->port->name, pair, vp->n_queues, pair % vp->n_queues);
		/* Even vrings are the guest's rx (our tx), odd ones its tx (our rx). */
		if (ev->queue & 1) {
			__atomic_store_n(&vp->pair_rx_on[pair], ev->enable != 0, __ATOMIC_SEQ_CST);
			if (pair < vp->n_queues)
				__atomic_store_n(&vp->q[pair].rx_on, ev->enable != 0,
						 __ATOMIC_SEQ_CST);
			rx_remap(vp);
		} else {
			__atomic_store_n(&vp->pair_tx_on[pair], ev->enable != 0, __ATOMIC_SEQ_CST);
			if (pair < vp->n_queues)
				__atomic_store_n(&vp->q[pair].tx_on, ev->enable != 0,
						 __ATOMIC_SEQ_CST);
			tx_remap(vp);
		}
		VS_VHU_LOG(DEBUG, "port %s: vring %u %s", vp->port->name, ev->queue,
			   ev->enable ? "enabled" : "disabled");
		report(sink, vp, VS_VHU_EV_VRING, ev->vid, ev->queue, ev->enable != 0);
		break;
	case VHU_EV_FEATURES: {
		uint64_t was = vp->features;

		if (__atomic_load_n(&vp->vid, __ATOMIC_SEQ_CST) != ev->vid)
			break;
		vp->features = ev->features;
		__atomic_store_n(&vp->port->tx_ol_ok, vhu_tx_ol_ok(vp->features), __ATOMIC_RELAXED);
		/* QEMU turns dirty-page logging on for the RAM copy of a live
		 * migration and off when it ends or is cancelled. */
		if ((was ^ vp->features) & (1ULL << VHOST_F_LOG_ALL))
			VS_VHU_LOG(INFO, "port %s: dirty-page logging %s (live migration)",
				   vp->port->name,
				   (vp->features & (1ULL << VHOST_F_LOG_ALL)) ? "on" : "off");
		break;
	}
	}
}

int
vs_vhu_event_fd(void)
{
	return vhu.efd;
}

int
vs_vhu_process_events(vs_vhu_event_fn fn, void *arg)
{
	const struct vs_vhu_sink sink = {.fn = fn, .arg = arg};
	struct vhu_event ev[VHU_EV_BURST];
	unsigned n, i;
	uint64_t cnt;
	int total = 0;
	ssize_t rc;

	if (vhu.ev == NULL)
		return -ENODEV;
	/* Clear the wakeup first: an event posted after this wakes us again. */
	rc = read(vhu.efd, &cnt, sizeof(cnt));
	RTE_SET_USED(rc);
	while ((n = rte_ring_sc_dequeue_burst_elem(vhu.ev, ev, sizeof(ev[0]), VHU_EV_BURST, NULL)) >
	       0) {
		for (i = 0; i < n; i++)
			apply_event(&sink, &ev[i]);
		total += (int)n;
	}
	return total;
}

/* ---- port ops ------------------------------------------------------------------------ */

/*
 * A server-mode port creates its socket: a path that is free is fine, a
 * stale socket (nobody accepts on it: ECONNREFUSED) is replaced, and
 * anything else is refused and left alone: a socket another process
 * serves, a file that is not a socket.
 */
static int
server_socket_prepare(struct vs_vhu_port *vp, const struct vs_port_params *p)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, rc;

	if (lstat(vp->path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		vs_port_fail(p, "port %s: %s exists and is not a socket; refusing to replace it",
			     vp->port->name, vp->path);
		return -EEXIST;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(vp->path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, vp->path, strlen(vp->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : errno;
	close(fd);
	if (rc != ECONNREFUSED) {
		/* 0 or EAGAIN (its backlog is full): a live socket; anything
		 * else (EACCES, ...): we cannot tell, so it is not ours to take. */
		vs_port_fail(p,
			     "port %s: %s is a socket %s; refusing to replace it (stop that "
			     "process or choose another path)",
			     vp->port->name, vp->path,
			     rc == 0 || rc == EAGAIN ? "another process listens on"
						     : "that cannot be probed");
		return rc == 0 || rc == EAGAIN ? -EADDRINUSE : -rc;
	}
	/* Nobody listens: a socket left by an earlier run. */
	if (unlink(vp->path) < 0)
		return -errno;
	return 0;
}

static int
server_socket_own(struct vs_vhu_port *vp)
{
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	char buf[4096];

	if (vp->owner[0]) {
		struct passwd pw, *res = NULL;

		if (getpwnam_r(vp->owner, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
			VS_VHU_LOG(ERR, "port %s: owner '%s' is not a user on this host",
				   vp->port->name, vp->owner);
			return -ENOENT;
		}
		uid = pw.pw_uid;
	}
	if (vp->group[0]) {
		struct group gr, *res = NULL;

		if (getgrnam_r(vp->group, &gr, buf, sizeof(buf), &res) != 0 || res == NULL) {
			VS_VHU_LOG(ERR, "port %s: group '%s' is not a group on this host",
				   vp->port->name, vp->group);
			return -ENOENT;
		}
		gid = gr.gr_gid;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(vp->path, uid, gid) < 0) {
		int rc = -errno;

		VS_VHU_LOG(ERR, "port %s: cannot chown %s to %s:%s: %s", vp->port->name, vp->path,
			   vp->owner, vp->group, strerror(-rc));
		return rc;
	}
	if (chmod(vp->path, (mode_t)vp->socket_perm) < 0) {
		int rc = -errno;

		VS_VHU_LOG(ERR, "port %s: cannot chmod %s to %04o: %s", vp->port->name, vp->path,
			   vp->socket_perm, strerror(-rc));
		return rc;
	}
	return 0;
}

static void
slot_release(struct vs_vhu_port *vp)
{
	pthread_mutex_lock(&vhu.lock);
	if (vhu.slot[vp->slot] == vp) {
		vhu.slot[vp->slot] = NULL;
		vhu.slot_gen[vp->slot]++;
	}
	pthread_mutex_unlock(&vhu.lock);
}

static int
vhu_create(struct vs_port *port, const struct vs_cfg_port *cfg, const struct vs_port_params *p)
{
	uint16_t n_q = cfg->queues ? cfg->queues : 1, i, slot = VS_PORT_MAX;
	struct vs_vhu_port *vp;
	uint64_t flags = 0;
	int rc;

	if (vhu.ev == NULL) {
		vs_port_fail(p, "port %s: vs_vhu_init() was not called", cfg->name);
		return -ENODEV;
	}
	if (n_q > VS_PORT_MAX_QUEUES) {
		vs_port_fail(p, "port %s: %u queue pairs asked; at most %u", cfg->name, n_q,
			     VS_PORT_MAX_QUEUES);
		return -EINVAL;
	}
	if (cfg->path[0] == '\0') {
		vs_port_fail(p, "port %s: no socket path", cfg->name);
		return -EINVAL;
	}
	for (i = 0; i < VS_PORT_MAX; i++) {
		if (vhu.slot[i] == NULL) {
			if (slot == VS_PORT_MAX)
				slot = i;
		} else if (strcmp(vhu.slot[i]->path, cfg->path) == 0) {
			vs_port_fail(p, "port %s: socket %s is already used by port %s", cfg->name,
				     cfg->path, vhu.slot[i]->port->name);
			return -EEXIST;
		}
	}
	if (slot == VS_PORT_MAX)
		return -ENOSPC;
	vp = rte_zmalloc("vs_vhu_port", sizeof(*vp) + n_q * sizeof(vp->q[0]), RTE_CACHE_LINE_SIZE);
	if (vp == NULL)
		return -ENOMEM;
	vp->port = port;
	vp->pool_of = p->pool_of;
	vp->pool_arg = p->pool_arg;
	vp->pool = p->pool_of != NULL ? p->pool_of(p->pool_arg, SOCKET_ID_ANY) : p->pool;
	port->tx_ol_ok = vhu_tx_ol_ok(0);
	snprintf(vp->path, sizeof(vp->path), "%s", cfg->path);
	vp->mode = cfg->mode;
	vp->n_queues = n_q;
	vp->socket_perm = cfg->socket_perm;
	snprintf(vp->owner, sizeof(vp->owner), "%s", cfg->owner);
	snprintf(vp->group, sizeof(vp->group), "%s", cfg->group);
	__atomic_store_n(&vp->vid, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&vp->destroy_req, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&vp->destroy_ack, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&vp->closing, false, __ATOMIC_RELAXED);
	vp->state = VS_VHU_WAITING;
	for (i = 0; i < n_q; i++) {
		__atomic_store_n(&vp->q[i].rx_on, false, __ATOMIC_RELAXED);
		__atomic_store_n(&vp->q[i].tx_on, false, __ATOMIC_RELAXED);
		__atomic_store_n(&vp->q[i].tx_pair, i, __ATOMIC_RELAXED);
	}

	if (vp->mode == VS_CFG_VHOST_CLIENT) {
		/* Reconnects forever: RTE_VHOST_USER_NO_RECONNECT is not given. */
		flags |= RTE_VHOST_USER_CLIENT;
	} else {
		rc = server_socket_prepare(vp, p);
		if (rc < 0)
			goto fail;
	}
	if (rte_vhost_driver_register(vp->path, flags) != 0) {
		vs_port_fail(p, "port %s: cannot register vhost-user socket %s", cfg->name,
			     vp->path);
		rc = -EINVAL;
		goto fail;
	}
	vp->registered = true;
	if (rte_vhost_driver_disable_features(
		vp->path, VHU_DISABLED_FEATURES | (cfg->offloads ? 0 : VHU_OFFLOAD_FEATURES)) !=
		0 ||
	    rte_vhost_driver_callback_register(vp->path, &vhu_dev_ops) != 0) {
		vs_port_fail(p, "port %s: cannot set up vhost-user socket %s", cfg->name, vp->path);
		rc = -EINVAL;
		goto fail;
	}
	pthread_mutex_lock(&vhu.lock);
	vp->slot = slot;
	vp->slot_gen = vhu.slot_gen[slot];
	vhu.slot[slot] = vp;
	pthread_mutex_unlock(&vhu.lock);

	port->n_rxq = n_q;
	port->n_txq = n_q;
	port->socket_id = SOCKET_ID_ANY;
	port->pool = vp->pool;
	port->rx = vs_vhu_rx;
	port->tx_raw = vs_vhu_tx;
	port->tx = vs_vhu_tx;
	port->priv = vp;
	return 0;
fail:
	if (vp->registered)
		rte_vhost_driver_unregister(vp->path);
	rte_free(vp);
	return rc;
}

static int
vhu_start(struct vs_port *port)
{
	struct vs_vhu_port *vp = port->priv;
	int rc;

	if (!vp->driver_started) {
		if (rte_vhost_driver_start(vp->path) != 0) {
			VS_VHU_LOG(ERR, "port %s: cannot start vhost-user %s on %s", port->name,
				   vp->mode == VS_CFG_VHOST_CLIENT ? "client" : "server", vp->path);
			return -EIO;
		}
		vp->driver_started = true;
		if (vp->mode == VS_CFG_VHOST_SERVER) {
			rc = server_socket_own(vp);
			if (rc < 0)
				return rc;
		}
		VS_VHU_LOG(INFO, "port %s: vhost-user %s on %s, %u queue pairs", port->name,
			   vp->mode == VS_CFG_VHOST_CLIENT ? "client" : "server", vp->path,
			   vp->n_queues);
	}
	/* A device that came while the port was stopped. */
	if (__atomic_load_n(&vp->vid, __ATOMIC_SEQ_CST) >= 0)
		__atomic_store_n(&port->ready, true, __ATOMIC_RELEASE);
	return 0;
}

static int
vhu_stop(struct vs_port *port)
{
	/* The device stays connected; the snapshot the caller publishes next
	 * keeps workers away from it. */
	__atomic_store_n(&port->ready, false, __ATOMIC_RELEASE);
	return 0;
}

static void
vhu_destroy(struct vs_port *port)
{
	struct vs_vhu_port *vp = port->priv;

	if (vp == NULL)
		return;
	/* Callbacks stop waiting for us, and find no port from now on. */
	__atomic_store_n(&vp->closing, true, __ATOMIC_SEQ_CST);
	slot_release(vp);
	__atomic_store_n(&port->ready, false, __ATOMIC_RELEASE);
	if (vp->registered && rte_vhost_driver_unregister(vp->path) != 0)
		VS_VHU_LOG(WARNING, "port %s: cannot unregister %s", port->name, vp->path);
	__atomic_store_n(&vp->vid, -1, __ATOMIC_SEQ_CST);
	port->priv = NULL;
	rte_free(vp);
}

static int
vhu_stats(struct vs_port *port, struct vs_port_stats *out)
{
	const struct vs_vhu_port *vp = port->priv;
	uint16_t q;

	for (q = 0; q < vp->n_queues; q++) {
		out->ipackets += vp->q[q].rx_pkts;
		out->ibytes += vp->q[q].rx_bytes;
		out->opackets += vp->q[q].tx_pkts;
		out->obytes += vp->q[q].tx_bytes;
	}
	return 0;
}

static const struct vs_port_ops vhu_port_ops = {
    .type_name = "vhost",
    .create = vhu_create,
    .start = vhu_start,
    .stop = vhu_stop,
    .destroy = vhu_destroy,
    .stats = vhu_stats,
};

/* ---- module ---------------------------------------------------------------------------- */

int
vs_vhu_init(void)
{
	if (vhu.efd < 0) {
		vhu.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (vhu.efd < 0) {
			VS_VHU_LOG(ERR, "cannot create the event fd: %s", strerror(errno));
			return -errno;
		}
	}
	if (vhu.ev == NULL) {
		vhu.ev = rte_ring_create_elem("vs_vhu_ev", sizeof(struct vhu_event),
					      VHU_EV_RING_SIZE, SOCKET_ID_ANY, RING_F_SC_DEQ);
		if (vhu.ev == NULL) {
			VS_VHU_LOG(ERR, "cannot create the event ring: %s",
				   rte_strerror(rte_errno));
			return -rte_errno;
		}
	}
	return vs_port_ops_register(VS_PORT_VHOST, &vhu_port_ops);
}

void
vs_vhu_fini(void)
{
	rte_ring_free(vhu.ev);
	vhu.ev = NULL;
	if (vhu.efd >= 0)
		close(vhu.efd);
	vhu.efd = -1;
}

int
vs_vhu_stats_get(const struct vs_port *port, struct vs_vhu_stats *out)
{
	const struct vs_vhu_port *vp;
	uint16_t q;
	int vid;

	if (port == NULL || port->type != VS_PORT_VHOST || port->priv == NULL)
		return -EINVAL;
	vp = port->priv;
	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s", vp->path);
	out->mode = vp->mode;
	out->state = vp->state;
	vid = __atomic_load_n(&vp->vid, __ATOMIC_SEQ_CST);
	out->vid = vid;
	out->features = vp->features;
	out->connections = vp->connections;
	out->reconnects = vp->connections ? vp->connections - 1 : 0;
	out->devices = vp->devices;
	out->destroys = vp->destroys;
	out->n_queues = vp->n_queues;
	out->n_vrings = vid >= 0 ? rte_vhost_get_vring_num(vid) : 0;
	for (q = 0; q < vp->n_queues; q++) {
		struct vs_vhu_queue_stats *o = &out->queue[q];
		const struct vs_vhu_queue *vq = &vp->q[q];

		o->rx_enabled = __atomic_load_n(&vq->rx_on, __ATOMIC_SEQ_CST);
		o->tx_enabled = __atomic_load_n(&vq->tx_on, __ATOMIC_SEQ_CST);
		o->rx_pkts = vq->rx_pkts;
		o->rx_bytes = vq->rx_bytes;
		o->tx_pkts = vq->tx_pkts;
		o->tx_bytes = vq->tx_bytes;
		o->tx_ring_full = vq->tx_ring_full;
		o->tx_disabled = vq->tx_disabled;
		o->tx_pair = __atomic_load_n(&vq->tx_pair, __ATOMIC_SEQ_CST);
	}
	out->vrings_ignored = vp->vrings_ignored;
	for (q = vp->n_queues; q < VS_PORT_MAX_QUEUES; q++)
		if (__atomic_load_n(&vp->pair_rx_on[q], __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&vp->pair_tx_on[q], __ATOMIC_SEQ_CST))
			out->extra_pairs++;
	return 0;
}

int
vs_vhu_stats_format(const struct vs_port *port, char *buf, size_t size)
{
	struct vs_vhu_stats st;
	size_t len;
	uint16_t q;
	int n;

	if (vs_vhu_stats_get(port, &st) < 0)
		return -EINVAL;
	n = snprintf(buf, size,
		     "vhost %s: %s %s, %s, device %d, features 0x%" PRIx64 ", connections %" PRIu64
		     " (reconnects %" PRIu64 ")",
		     port->name, st.mode == VS_CFG_VHOST_CLIENT ? "client" : "server", st.path,
		     vs_vhu_state_str(st.state), st.vid, st.features, st.connections,
		     st.reconnects);
	for (q = 0; q < st.n_queues && n >= 0; q++) {
		const struct vs_vhu_queue_stats *qs = &st.queue[q];

		len = (size_t)n < size ? (size_t)n : size;
		n += snprintf(buf + len, size - len, "; q%u%s rx %" PRIu64 " tx %" PRIu64, q,
			      qs->rx_enabled && qs->tx_enabled ? "" : " (disabled)", qs->rx_pkts,
			      qs->tx_pkts);
	}
	return n;
}

bool
vs_vhu_all_queues_ready(const struct vs_port *port)
{
	const struct vs_vhu_port *vp;
	uint16_t q, n;

	if (port == NULL || port->type != VS_PORT_VHOST || port->priv == NULL)
		return false;
	vp = port->priv;
	if (!vs_port_is_ready(port))
		return false;
	n = (uint16_t)(rte_vhost_get_vring_num(__atomic_load_n(&vp->vid, __ATOMIC_SEQ_CST)) / 2);
	if (n == 0)
		return false;
	for (q = 0; q < n && q < VS_PORT_MAX_QUEUES; q++)
		if (!__atomic_load_n(&vp->pair_rx_on[q], __ATOMIC_SEQ_CST) ||
		    !__atomic_load_n(&vp->pair_tx_on[q], __ATOMIC_SEQ_CST))
			return false;
	return true;
}
