/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's event loop: it sleeps in poll() on the file
 * descriptors registered with it (the control socket, the metrics listener,
 * the vhost event fd, the signal fd) and wakes for the first of them to
 * become readable or for the next periodic job that is due, whichever comes
 * first. Nothing polls on a fixed tick.
 *
 * A job runs every period_ms after its last run, or every period_fn()
 * milliseconds when the period is live (read again at every iteration, so a
 * reload that changes it takes effect at once; 0: off), or when due_fn()
 * says (an absolute time on the loop's clock; UINT64_MAX: nothing due), then
 * no sooner than period_ms after its last run. A job first runs one period
 * after it was added, or at its first due time.
 *
 * Control thread only; no DPDK needed. Times are milliseconds of the loop's
 * clock (CLOCK_MONOTONIC unless a clock is given).
 */
#ifndef VS_LOOP_H
#define VS_LOOP_H

#include <stddef.h>
#include <stdint.h>

struct vs_loop;

#define VS_LOOP_MAX_FDS	 8
#define VS_LOOP_MAX_JOBS 16

/* A registered fd is readable (revents: poll()'s). */
typedef void (*vs_loop_fd_fn)(void *arg, int fd, short revents);
/* A job is due; now is the loop's clock. */
typedef void (*vs_loop_job_fn)(void *arg, uint64_t now);
/* A live period in ms (0: off). */
typedef uint32_t (*vs_loop_period_fn)(void *arg);
/* When the job is next due (UINT64_MAX: not scheduled). */
typedef uint64_t (*vs_loop_due_fn)(void *arg);
/* The loop's clock in ms. */
typedef uint64_t (*vs_loop_now_fn)(void *arg);

struct vs_loop_job {
	const char *name;
	uint32_t period_ms;	     /* fixed period ... */
	vs_loop_period_fn period_fn; /* ... or a live one (then period_ms is unused) ... */
	vs_loop_due_fn due_fn;	     /* ... or a due time the job's owner keeps */
	vs_loop_job_fn fn;
};

/* now NULL: CLOCK_MONOTONIC. NULL and errno (ENOMEM). */
struct vs_loop *vs_loop_create(vs_loop_now_fn now, void *now_arg);
/* Accepts NULL. Closes no fd. */
void vs_loop_destroy(struct vs_loop *loop);

/* Call fn(arg, fd, revents) when fd is readable. 0, -EBADF (fd < 0), -ENOSPC. */
int vs_loop_add_fd(struct vs_loop *loop, const char *name, int fd, vs_loop_fd_fn fn, void *arg);
/* Add a job (copied; name must stay valid). 0, -EINVAL or -ENOSPC. */
int vs_loop_add_job(struct vs_loop *loop, const struct vs_loop_job *job, void *arg);

/* Milliseconds from now until the next job is due (0 when one is due
 * already), or -1 when no job is scheduled: the timeout poll() gets. */
int vs_loop_timeout(const struct vs_loop *loop, uint64_t now);

/*
 * One iteration: sleep until an fd is readable or the next job is due (at
 * most max_wait_ms when >= 0), call the callbacks of the readable fds, then
 * run the jobs that are due. Returns the number of callbacks and jobs run,
 * or -errno from poll() (EINTR counts as 0).
 */
int vs_loop_run_once(struct vs_loop *loop, int max_wait_ms);
/* Iterate until vs_loop_stop(). */
void vs_loop_run(struct vs_loop *loop);
/* Make vs_loop_run() return after the current iteration (from a callback). */
void vs_loop_stop(struct vs_loop *loop);

/* Times an fd's callback ran / a job ran, by name; 0 for an unknown name. */
uint64_t vs_loop_fd_calls(const struct vs_loop *loop, const char *name);
uint64_t vs_loop_job_runs(const struct vs_loop *loop, const char *name);
/* What woke the loop, one line: "N wakeups: NAME CALLS, ...; timeouts T". */
int vs_loop_summary(const struct vs_loop *loop, char *buf, size_t size);

#endif /* VS_LOOP_H */
