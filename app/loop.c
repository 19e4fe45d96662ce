/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's event loop (vs_loop.h): poll() on the registered fds
 * with the timeout of the next due job, then the callbacks of the readable
 * fds, then the due jobs.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vs_loop.h"

#define NEVER UINT64_MAX

struct loop_fd {
	const char *name;
	vs_loop_fd_fn fn;
	void *arg;
	uint64_t calls;
};

struct loop_job {
	struct vs_loop_job job;
	void *arg;
	uint64_t last; /* last run, or when added */
	uint64_t runs;
};

struct vs_loop {
	vs_loop_now_fn now;
	void *now_arg;
	struct pollfd pfd[VS_LOOP_MAX_FDS];
	struct loop_fd fd[VS_LOOP_MAX_FDS];
	unsigned n_fds;
	struct loop_job jobs[VS_LOOP_MAX_JOBS];
	unsigned n_jobs;
	uint64_t wakeups, timeouts;
	bool stop;
};

static uint64_t
mono_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct vs_loop *
vs_loop_create(vs_loop_now_fn now, void *now_arg)
{
	struct vs_loop *loop = calloc(1, sizeof(*loop));

	if (loop == NULL)
		return NULL;
	loop->now = now != NULL ? now : mono_ms;
	loop->now_arg = now_arg;
	return loop;
}

void
vs_loop_destroy(struct vs_loop *loop)
{
	free(loop);
}

int
vs_loop_add_fd(struct vs_loop *loop, const char *name, int fd, vs_loop_fd_fn fn, void *arg)
{
	if (fd < 0)
		return -EBADF;
	if (loop == NULL || fn == NULL)
		return -EINVAL;
	if (loop->n_fds == VS_LOOP_MAX_FDS)
		return -ENOSPC;
	loop->pfd[loop->n_fds] = (struct pollfd){.fd = fd, .events = POLLIN};
	loop->fd[loop->n_fds] = (struct loop_fd){.name = name, .fn = fn, .arg = arg};
	loop->n_fds++;
	return 0;
}

int
vs_loop_add_job(struct vs_loop *loop, const struct vs_loop_job *job, void *arg)
{
	if (loop == NULL || job == NULL || job->fn == NULL || job->name == NULL ||
	    (job->period_ms == 0 && job->period_fn == NULL && job->due_fn == NULL))
		return -EINVAL;
	if (loop->n_jobs == VS_LOOP_MAX_JOBS)
		return -ENOSPC;
	loop->jobs[loop->n_jobs] =
	    (struct loop_job){.job = *job, .arg = arg, .last = loop->now(loop->now_arg)};
	loop->n_jobs++;
	return 0;
}

/* When j is next due. */
static uint64_t
job_due(const struct loop_job *j)
{
	uint64_t due, p;

	if (j->job.due_fn != NULL) {
		due = j->job.due_fn(j->arg);
		if (due != NEVER && due < j->last + j->job.period_ms)
			due = j->last + j->job.period_ms;
		return due;
	}
	p = j->job.period_fn != NULL ? j->job.period_fn(j->arg) : j->job.period_ms;
	return p == 0 ? NEVER : j->last + p;
}

int
vs_loop_timeout(const struct vs_loop *loop, uint64_t now)
{
	uint64_t next = NEVER, due;
	unsigned i;

	for (i = 0; i < loop->n_jobs; i++) {
		due = job_due(&loop->jobs[i]);
		if (due < next)
			next = due;
	}
	if (next == NEVER)
		return -1;
	if (next <= now)
		return 0;
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

int
vs_loop_run_once(struct vs_loop *loop, int max_wait_ms)
{
	int timeout = vs_loop_timeout(loop, loop->now(loop->now_arg));
	int n, ran = 0;
	unsigned i;
	uint64_t now;

	if (max_wait_ms >= 0 && (timeout < 0 || timeout > max_wait_ms))
		timeout = max_wait_ms;
	n = poll(loop->pfd, loop->n_fds, timeout);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		loop->timeouts++;
	else
		loop->wakeups++;
	for (i = 0; n > 0 && i < loop->n_fds; i++) {
		if (loop->pfd[i].revents == 0)
			continue;
		loop->fd[i].calls++;
		loop->fd[i].fn(loop->fd[i].arg, loop->pfd[i].fd, loop->pfd[i].revents);
		ran++;
	}
	now = loop->now(loop->now_arg);
	for (i = 0; i < loop->n_jobs; i++) {
		struct loop_job *j = &loop->jobs[i];

		if (job_due(j) > now)
			continue;
		j->last = now;
		j->runs++;
		j->job.fn(j->arg, now);
		ran++;
	}
	return ran;
}

void
vs_loop_run(struct vs_loop *loop)
{
	loop->stop = false;
	while (!loop->stop)
		vs_loop_run_once(loop, -1);
}

void
vs_loop_stop(struct vs_loop *loop)
{
	loop->stop = true;
}

uint64_t
vs_loop_fd_calls(const struct vs_loop *loop, const char *name)
{
	unsigned i;

	for (i = 0; i < loop->n_fds; i++)
		if (strcmp(loop->fd[i].name, name) == 0)
			return loop->fd[i].calls;
	return 0;
}

uint64_t
vs_loop_job_runs(const struct vs_loop *loop, const char *name)
{
	unsigned i;

	for (i = 0; i < loop->n_jobs; i++)
		if (strcmp(loop->jobs[i].job.name, name) == 0)
			return loop->jobs[i].runs;
	return 0;
}

int
vs_loop_summary(const struct vs_loop *loop, char *buf, size_t size)
{
	size_t len;
	unsigned i;
	int n;

	n = snprintf(buf, size, "%" PRIu64 " wakeups:", loop->wakeups);
	for (i = 0; i < loop->n_fds && n >= 0; i++) {
		len = (size_t)n < size ? (size_t)n : size;
		n += snprintf(buf + len, size - len, "%s %s %" PRIu64, i ? "," : "",
			      loop->fd[i].name, loop->fd[i].calls);
	}
	if (n >= 0) {
		len = (size_t)n < size ? (size_t)n : size;
		n += snprintf(buf + len, size - len,
			      "; %" PRIu64 " timeouts; jobs:", loop->timeouts);
	}
	for (i = 0; i < loop->n_jobs && n >= 0; i++) {
		len = (size_t)n < size ? (size_t)n : size;
		n += snprintf(buf + len, size - len, "%s %s %" PRIu64, i ? "," : "",
			      loop->jobs[i].job.name, loop->jobs[i].runs);
	}
	return n;
}
