/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A test "kernel": the other end of a socketpair that parses RTM_SETLINK /
 * RTM_GETLINK with libmnl (independently of the code under test) and
 * answers like rtnetlink does: NLMSG_ERROR acks/errors (optionally with an
 * extack message) and RTM_NEWLINK with IFLA_NUM_VF + IFLA_VFINFO_LIST laid
 * out as rtnl_fill_vfinfo() does.
 */
#ifndef SRIOV_TEST_PEER_H
#define SRIOV_TEST_PEER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vs_vf_backend.h"

#define PEER_MAX_VFS 8

enum peer_mode {
	PEER_OK = 0,	 /* apply and ack */
	PEER_EOPNOTSUPP, /* refuse: driver has no such op */
	PEER_EINVAL,	 /* refuse: bad value */
	PEER_EBUSY,	 /* refuse with EBUSY busy_left times, then apply */
	PEER_IGNORE,	 /* ack but do not apply (partial apply) */
};

struct peer {
	pthread_t thread;
	pthread_mutex_t lock;
	int fd;	       /* the peer's end */
	int client_fd; /* the backend's end */
	char ifname[16];
	uint16_t num_vfs;
	struct vs_vf_hw vf[PEER_MAX_VFS];
	enum peer_mode mode[VS_VF_F_MAX];
	uint32_t busy_left[VS_VF_F_MAX];
	const char *extack; /* sent with errors when non-NULL */
	bool report_trust;  /* include IFLA_VF_TRUST in NEWLINK (default on) */
	/* counters */
	uint32_t n_set[VS_VF_F_MAX]; /* SETLINK attributes received, per field */
	uint32_t n_setlink;
	uint32_t n_getlink;
	uint32_t n_multi; /* SETLINK carrying more than one field */
	uint32_t n_bad;	  /* malformed requests */
};

/* Start the peer thread; p->client_fd is for vs_vf_nl_backend_create(). */
void peer_start(struct peer *p, const char *ifname, uint16_t num_vfs);
/* Change how the peer answers one field (busy: EBUSY answers before success). */
void peer_set_mode(struct peer *p, enum vs_vf_field f, enum peer_mode m, uint32_t busy);
/* Wait for the thread (after the backend closed client_fd). */
void peer_join(struct peer *p);
uint32_t peer_n_set(struct peer *p, enum vs_vf_field f);

/* Build an RTM_NEWLINK for vfs like the kernel; returns its length. */
int peer_build_newlink(void *buf, size_t size, uint32_t seq, const char *ifname,
		       const struct vs_vf_hw *vfs, uint16_t n, bool trust);

/* Decode one SETLINK request independently: fields found + values. */
int peer_decode_setlink(const void *buf, size_t len, char *ifname, size_t ifsize,
			struct vs_vf_hw *out, uint32_t *fields, uint32_t *n_infos);

#endif
