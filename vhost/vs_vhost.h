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
 * only post events to a ring. The control thread applies them in
 * vs_vhu_process_events() (call it every control-loop iteration): it sets
 * the device id and queue states, marks the port ready or not ready and
 * republishes the worker snapshot. destroy_device does not return before the
 * control thread has published the port as not ready and an RCU grace
 * period has passed, so no worker touches a device that is going away.
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

struct vs_switch;

/*
 * Register the vhost port type with the pipeline and create the event ring
 * (after rte_eal_init, before the first vs_switch_apply; control thread).
 * Idempotent. Returns 0 or -errno.
 */
int vs_vhu_init(void);

/* Free the event ring (after every vhost port is destroyed). */
void vs_vhu_fini(void);

/*
 * Control thread: apply the device events librte_vhost posted since the last
 * call and, when a port's readiness changed, republish sw's worker snapshot
 * (sw may be NULL when no switch runs the ports yet). Returns the number of
 * events applied or -errno.
 */
int vs_vhu_process_events(struct vs_switch *sw);

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
};

struct vs_vhu_stats {
	char path[VS_CFG_PATH_MAX];
	enum vs_cfg_vhost_mode mode;
	enum vs_vhu_state state;
	int vid;	      /* librte_vhost device id, -1 when not running */
	uint64_t features;    /* negotiated virtio features (0 when not running) */
	uint64_t connections; /* socket connections accepted/established */
	uint64_t reconnects;  /* connections after the first one */
	uint64_t devices;     /* times the device started running */
	uint64_t destroys;    /* times it stopped running */
	uint16_t n_queues;    /* queue pairs configured */
	uint16_t n_vrings;    /* virtqueues the guest set up (0 when not running) */
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

/* True when the port's device runs and both rings of every configured queue
 * pair are enabled (tests wait for this before sending). */
bool vs_vhu_all_queues_ready(const struct vs_port *port);

#endif /* VS_VHOST_H */
