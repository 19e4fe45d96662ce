/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The harness the OpenFlow integration tests (test_ofp_e2e, _tables,
 * _flows, _pktio) share: a work directory per test, children run with
 * their output captured, ovs-ofctl and `nfvswitch-ctl --json show`
 * wrappers, the daemon started on that directory's config and stopped, the
 * files removed, and a raw OpenFlow connection past HELLO. What a test
 * checks stays in the test; these only run things and read them back, and
 * assert (Criterion) where a step the test cannot go on without fails.
 */
#ifndef VS_OFP_TEST_UTIL_H
#define VS_OFP_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "vs_ofp.h"

#define VS_OFT_OFCTL "/usr/bin/ovs-ofctl"

/* One test's files and daemon (a test process has one at a time). */
struct vs_oft {
	char dir[64];	    /* the test's temporary directory */
	char cfg_path[128]; /* DIR/switch.yaml */
	char sock[128];	    /* DIR/ctl.sock, the control socket */
	char prefix[64];    /* the daemon's DPDK file prefix */
	char log_path[160]; /* DIR/daemon.log, its stdout and stderr */
	char target[64];    /* ovs-ofctl's target, tcp:127.0.0.1:PORT (the test sets it) */
	pid_t daemon_pid;
};

extern struct vs_oft vs_oft;

/* The environment variable name (meson test sets it); asserts it is set. */
const char *vs_oft_env(const char *name);

/* Make /tmp/NAME-XXXXXX and the paths in it; the DPDK prefix NAME-PID. */
void vs_oft_workdir(const char *name);

/* The whole file at path (up to 1 MiB), "" when it cannot be read; one static
 * buffer that the next call overwrites. */
char *vs_oft_slurp(const char *path);

/* Remove path and everything below it. */
void vs_oft_rm_tree(const char *path);

/* Run argv (argv[0] a path), stdout+stderr into *out (malloc'd) unless out is
 * NULL; the exit status, 128 + the signal that killed it, or -1 when it
 * could not be started or waited for (*out then untouched). Never asserts,
 * so a .fini can use it. */
int vs_oft_try_run(char *const argv[], char **out);

/* vs_oft_try_run that asserts the child was started and waited for. */
int vs_oft_run(char *const argv[], char **out);

/* Skip the test when ovs-ofctl is not installed. */
void vs_oft_need_ofctl(void);

/* ovs-ofctl -O OpenFlow13 [opt] CMD TARGET [ARG] (opt, arg: NULL for none). */
int vs_oft_ofctl(char **out, const char *opt, const char *cmd, const char *arg);

/* `nfvswitch-ctl --json show what`, parsed (the caller frees it); asserts the
 * command succeeds and prints JSON. */
json_t *vs_oft_ctl_json(const char *what);

/* A port's counter ("rx_pkts", "tx_pkts"); -1 when there is no such port. */
json_int_t vs_oft_port_count(const char *name, const char *key);

/* A port's tx_pkts; asserts the port exists. */
json_int_t vs_oft_port_tx(const char *name);

/* The live rules of source src (a JSON array the caller frees). */
json_t *vs_oft_rules_of(const char *src);

/* Write text to the config file. */
void vs_oft_write_cfg(const char *text);

/* Start the daemon on the config file, its output into the log; wait up to
 * wait_s seconds until the log holds ready ("" for anything) and the control
 * socket is there. Asserts it has not exited meanwhile; whether it got ready. */
bool vs_oft_daemon_start(const char *ready, unsigned wait_s);

/* The daemon for a suite's .init, which gets no .fini when it fails:
 * vs_oft_daemon_start waiting wait_s seconds for "openflow: listening"; when
 * it does not come, the daemon is stopped (vs_oft_stop, stop_s) and the files
 * removed before the test fails, so nothing is left behind. */
void vs_oft_daemon_up(unsigned wait_s, unsigned stop_s);

/* SIGTERM *pid (the group -*pid when group), SIGKILL after wait_s seconds;
 * reaps it and zeroes *pid (nothing when it is 0). */
void vs_oft_stop(pid_t *pid, bool group, unsigned wait_s);

/* Remove the daemon's DPDK runtime directory and the work directory (nothing
 * when there is no work directory yet). */
void vs_oft_rm_files(void);

/* A raw OpenFlow connection to 127.0.0.1:port, HELLO sent and the switch's
 * HELLO received (its header in *hello); the socket. */
int vs_oft_raw_connect(unsigned port, struct vs_ofp_hdr *hello);

/* Send all of b on fd; empties b. */
void vs_oft_send(int fd, struct vs_ofp_buf *b);

/* The next message on fd (its header in *h, whole in buf) within 5 s;
 * ECHO_REQUESTs are answered and skipped. */
void vs_oft_recv(int fd, uint8_t *buf, size_t cap, struct vs_ofp_hdr *h);

#endif
