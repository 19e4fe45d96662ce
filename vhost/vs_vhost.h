/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user ports (librte_vhost): the VS_PORT_VHOST type of the port
 * abstraction.
 *
 * A port is a vhost-user socket: in client mode (the default) the switch
 * connects to the socket the guest's QEMU serves and reconnects forever; in
 * server mode the switch creates the socket (owner, group and permissions
 * from the config). `queues: N` gives N queue pairs; rx queue q dequeues from
 * virtqueue 2q+1 (the guest's tx ring), tx queue q enqueues into virtqueue 2q
 * (the guest's rx ring).
 *
 * Threads. librte_vhost calls our device callbacks on its own thread; they
 * only post events to a ring and make vs_vhu_event_fd() readable. The
 * control thread applies them in vs_vhu_process_events() when that fd is
 * readable: it sets the device id and queue states, marks the port ready or
 * not ready and reports each change to the owner (the daemon), which
 * republishes the worker snapshot (events up, calls down: vhost never calls
 * the switch). destroy_device does not return before the owner has
 * published the port as not ready and an RCU grace period has passed, so no
 * worker touches a device that is going away.
 * Workers only call the port's rx/tx (vhost_dp.c).
 *
 * Drops: packets to a port whose device is absent are counted as
 * vhost_not_ready; packets a guest ring does not take after the worker's
 * bounded retries are counted as vhost_tx_full (a ring the guest has
 * disabled counts there too). Nothing is queued for an absent guest.
 */
#ifndef VS_VHOST_H
#define VS_VHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vs_config.h"
#include "vs_port.h"

/*
 * Register the vhost port type with the pipeline and create the event ring
 * and its eventfd (after rte_eal_init, before the first vs_switch_apply;
 * control thread).
 * Idempotent. Returns 0 or -errno.
 */
int vs_vhu_init(void);

/* Free the event ring and close its fd (after every vhost port is destroyed). */
void vs_vhu_fini(void);

/* What happened to a vhost port, as vs_vhu_process_events() reports it. */
enum vs_vhu_event_type {
	VS_VHU_EV_CONNECTED,	/* the socket connected */
	VS_VHU_EV_DISCONNECTED, /* the socket closed */
	VS_VHU_EV_READY,	/* a device runs on a started port: port->ready is set */
	VS_VHU_EV_GONE,		/* the device is going away: port->ready is clear */
	VS_VHU_EV_VRING,	/* a virtqueue was enabled or disabled */
};

struct vs_vhu_event {
	enum vs_vhu_event_type type;
	struct vs_port *port;
	int vid;	/* librte_vhost device id */
	uint16_t queue; /* VRING: virtqueue index */
	bool enable;	/* VRING */
};

/*
 * The owner's handler. On READY and GONE it republishes the worker snapshot
 * of the switch that runs ev->port (vs_switch_refresh_ports); on GONE it must
 * have done so when it returns: the guest's memory is unmapped right after.
 */
typedef void (*vs_vhu_event_fn)(void *arg, const struct vs_vhu_event *ev);

/* Readable (POLLIN) when device events wait for vs_vhu_process_events();
 * -1 before vs_vhu_init(). */
int vs_vhu_event_fd(void);

/*
 * Control thread: apply the device events librte_vhost posted since the last
 * call and report each to fn(arg, ev) (fn may be NULL when no switch runs
 * the ports yet). Returns the number of events applied or -errno.
 */
int vs_vhu_process_events(vs_vhu_event_fn fn, void *arg);

enum vs_vhu_state {
	VS_VHU_WAITING = 0, /* no connection on the socket */
	VS_VHU_CONNECTED,   /* socket connected, device not (yet) running */
	VS_VHU_RUNNING,	    /* device running: guest memory mapped, first queue pair ready */
};

const char *vs_vhu_state_str(enum vs_vhu_state s);

struct vs_vhu_queue_stats {
	bool rx_enabled; /* guest tx ring (virtqueue 2q+1) enabled */
	bool tx_enabled; /* guest rx ring (virtqueue 2q) enabled */
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
	uint64_t tx_ring_full; /* packets a guest rx ring refused, per attempt (a packet
				* retried and then dropped counts once per attempt) */
	uint64_t tx_disabled;  /* packets offered while the guest rx ring was disabled,
				* per attempt */
	uint16_t tx_pair;      /* the guest rx ring (pair) this tx queue sends on */
};

struct vs_vhu_stats {
	char path[VS_CFG_PATH_MAX];
	enum vs_cfg_vhost_mode mode;
	enum vs_vhu_state state;
	int vid;		 /* librte_vhost device id, -1 when not running */
	uint64_t features;	 /* negotiated virtio features (0 when not running) */
	uint64_t connections;	 /* socket connections accepted/established */
	uint64_t reconnects;	 /* connections after the first one */
	uint64_t devices;	 /* times the device started running */
	uint64_t destroys;	 /* times it stopped running */
	uint16_t n_queues;	 /* queue pairs configured */
	uint16_t n_vrings;	 /* virtqueues the guest set up (0 when not running) */
	uint16_t extra_pairs;	 /* pairs the guest enabled beyond n_queues (polled by
				  * rx queue pair mod n_queues, sent to by the tx map) */
	uint64_t vrings_ignored; /* vrings enabled beyond what can be polled (lost) */
	struct vs_vhu_queue_stats queue[VS_PORT_MAX_QUEUES];
};

/* Statistics and state of a vhost port (control thread). 0, or -EINVAL for
 * a port that is not a vhost port. */
int vs_vhu_stats_get(const struct vs_port *port, struct vs_vhu_stats *out);

/*
 * One line about a vhost port for logs and the daemon's printout: state,
 * device, features, connections, and per queue pair rx/tx packets (queues
 * whose rings are disabled are marked). Returns the length snprintf would
 * have written, or -EINVAL for a port that is not a vhost port.
 */
int vs_vhu_stats_format(const struct vs_port *port, char *buf, size_t size);

/* True when the port's device runs and both rings of every queue pair the
 * guest set up are enabled (tests wait for this before sending). */
bool vs_vhu_all_queues_ready(const struct vs_port *port);

#endif /* VS_VHOST_H */
