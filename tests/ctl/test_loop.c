/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control loop (app/loop.c) without DPDK: fd callbacks, job periods
 * (fixed, live, due-time), the poll timeout of the next due job, stop.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "vs_loop.h"

static uint64_t fake_now;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct counts {
	unsigned runs;
	uint64_t last_now;
	uint32_t period; /* for live_period */
	uint64_t due;	 /* for due_at */
	struct vs_loop *loop;
};

static void
job_count(void *arg, uint64_t now)
{
	struct counts *c = arg;

	c->runs++;
	c->last_now = now;
}

static uint32_t
live_period(void *arg)
{
	return ((struct counts *)arg)->period;
}

static uint64_t
due_at(void *arg)
{
	return ((struct counts *)arg)->due;
}

Test(loop, timeout_is_the_next_due_job)
{
	struct counts a = {0}, b = {0};
	struct vs_loop *loop;

	fake_now = 1000;
	loop = vs_loop_create(fake_clock, NULL);
	cr_assert_not_null(loop);
	/* Nothing scheduled: poll() waits for an fd only. */
	cr_assert_eq(vs_loop_timeout(loop, fake_now), -1);
	cr_assert_eq(
	    vs_loop_add_job(loop, &(struct vs_loop_job){"a", 100, NULL, NULL, job_count}, &a), 0);
	cr_assert_eq(
	    vs_loop_add_job(loop, &(struct vs_loop_job){"b", 30, NULL, NULL, job_count}, &b), 0);
	cr_assert_eq(vs_loop_timeout(loop, 1000), 30);
	cr_assert_eq(vs_loop_timeout(loop, 1029), 1);
	cr_assert_eq(vs_loop_timeout(loop, 1030), 0);
	cr_assert_eq(vs_loop_timeout(loop, 5000), 0);

	/* At 1030 only b runs; then b is due at 1060, a at 1100. */
	fake_now = 1030;
	cr_assert_eq(vs_loop_run_once(loop, 0), 1);
	cr_assert_eq(a.runs, 0);
	cr_assert_eq(b.runs, 1);
	cr_assert_eq(b.last_now, 1030);
	cr_assert_eq(vs_loop_timeout(loop, 1030), 30);
	fake_now = 1100;
	cr_assert_eq(vs_loop_run_once(loop, 0), 2);
	cr_assert_eq(a.runs, 1);
	cr_assert_eq(b.runs, 2);
	cr_assert_eq(vs_loop_timeout(loop, 1100), 30);
	cr_assert_eq(vs_loop_job_runs(loop, "a"), 1);
	cr_assert_eq(vs_loop_job_runs(loop, "b"), 2);
	cr_assert_eq(vs_loop_job_runs(loop, "nope"), 0);
	vs_loop_destroy(loop);
}

Test(loop, live_period_and_due_time)
{
	struct counts live = {0}, due = {0};
	struct vs_loop *loop;

	fake_now = 0;
	loop = vs_loop_create(fake_clock, NULL);
	cr_assert_not_null(loop);
	/* A live period of 0 is off. */
	cr_assert_eq(vs_loop_add_job(loop,
				     &(struct vs_loop_job){"live", 0, live_period, NULL, job_count},
				     &live),
		     0);
	/* Nothing due yet; at most every 10 ms once it is. */
	due.due = UINT64_MAX;
	cr_assert_eq(
	    vs_loop_add_job(loop, &(struct vs_loop_job){"due", 10, NULL, due_at, job_count}, &due),
	    0);
	cr_assert_eq(vs_loop_timeout(loop, 0), -1);
	fake_now = 500;
	cr_assert_eq(vs_loop_run_once(loop, 0), 0);
	cr_assert_eq(live.runs + due.runs, 0);

	/* The period changes (a reload): it counts from the job's last run. */
	live.period = 2000;
	cr_assert_eq(vs_loop_timeout(loop, 500), 1500);
	live.period = 200;
	cr_assert_eq(vs_loop_timeout(loop, 500), 0);
	cr_assert_eq(vs_loop_run_once(loop, 0), 1);
	cr_assert_eq(live.runs, 1);
	cr_assert_eq(vs_loop_timeout(loop, 500), 200);

	/* A due time: when the owner says, but not before period_ms since the
	 * last run (a context that stays due does not spin the loop). */
	due.due = 620;
	cr_assert_eq(vs_loop_timeout(loop, 600), 20);
	fake_now = 620;
	cr_assert_eq(vs_loop_run_once(loop, 0), 1);
	cr_assert_eq(due.runs, 1);
	due.due = 0;
	cr_assert_eq(vs_loop_timeout(loop, 620), 10);
	fake_now = 625;
	cr_assert_eq(vs_loop_run_once(loop, 0), 0);
	fake_now = 630;
	cr_assert_eq(vs_loop_run_once(loop, 0), 1);
	cr_assert_eq(due.runs, 2);
	vs_loop_destroy(loop);
}

struct fdc {
	unsigned calls;
	int fd;
	short revents;
	bool stop;
	struct vs_loop *loop;
};

static void
on_fd(void *arg, int fd, short revents)
{
	struct fdc *c = arg;
	uint64_t n;

	c->calls++;
	c->fd = fd;
	c->revents = revents;
	cr_assert_eq(read(fd, &n, sizeof(n)), (ssize_t)sizeof(n));
	if (c->stop)
		vs_loop_stop(c->loop);
}

Test(loop, fd_callbacks)
{
	struct fdc c1 = {0}, c2 = {0};
	uint64_t one = 1;
	struct vs_loop *loop = vs_loop_create(NULL, NULL);
	int e1 = eventfd(0, EFD_NONBLOCK), e2 = eventfd(0, EFD_NONBLOCK);
	double t0;

	cr_assert_not_null(loop);
	cr_assert_geq(e1, 0);
	cr_assert_geq(e2, 0);
	cr_assert_eq(vs_loop_add_fd(loop, "bad", -1, on_fd, &c1), -EBADF);
	cr_assert_eq(vs_loop_add_fd(loop, "one", e1, on_fd, &c1), 0);
	cr_assert_eq(vs_loop_add_fd(loop, "two", e2, on_fd, &c2), 0);
	/* Nothing readable: the loop sleeps the whole wait. */
	t0 = mono_ms();
	cr_assert_eq(vs_loop_run_once(loop, 50), 0);
	cr_assert_geq(mono_ms() - t0, 45.0);
	cr_assert_eq(c1.calls + c2.calls, 0);
	/* Only the readable fd's callback runs, with its fd. */
	cr_assert_eq(write(e2, &one, sizeof(one)), (ssize_t)sizeof(one));
	t0 = mono_ms();
	cr_assert_eq(vs_loop_run_once(loop, 10000), 1);
	cr_assert_lt(mono_ms() - t0, 5000.0);
	cr_assert_eq(c1.calls, 0);
	cr_assert_eq(c2.calls, 1);
	cr_assert_eq(c2.fd, e2);
	cr_assert(c2.revents & POLLIN);
	cr_assert_eq(vs_loop_fd_calls(loop, "two"), 1);
	cr_assert_eq(vs_loop_fd_calls(loop, "one"), 0);

	/* A callback stops vs_loop_run(). */
	c1.stop = true;
	c1.loop = loop;
	cr_assert_eq(write(e1, &one, sizeof(one)), (ssize_t)sizeof(one));
	vs_loop_run(loop);
	cr_assert_eq(c1.calls, 1);
	{
		char line[256];

		cr_assert_gt(vs_loop_summary(loop, line, sizeof(line)), 0);
		cr_assert_not_null(strstr(line, "one 1, two 1"), "%s", line);
	}
	vs_loop_destroy(loop);
	close(e1);
	close(e2);
}

/* With the real clock: the loop sleeps until the next job, then runs it. */
Test(loop, sleeps_until_the_job_is_due)
{
	struct counts c = {0};
	struct vs_loop *loop = vs_loop_create(NULL, NULL);
	double t0 = mono_ms();
	unsigned iterations = 0;

	cr_assert_not_null(loop);
	cr_assert_eq(
	    vs_loop_add_job(loop, &(struct vs_loop_job){"j", 40, NULL, NULL, job_count}, &c), 0);
	while (c.runs < 3 && mono_ms() - t0 < 5000) {
		vs_loop_run_once(loop, -1);
		iterations++;
	}
	cr_assert_eq(c.runs, 3);
	cr_assert_geq(mono_ms() - t0, 115.0);
	/* Woken by the timeout, not spinning (a poll() may end a ms early). */
	cr_assert_leq(iterations, 6, "%u iterations", iterations);
	vs_loop_destroy(loop);
}

Test(loop, bad_arguments)
{
	struct vs_loop *loop = vs_loop_create(NULL, NULL);
	struct counts c = {0};
	unsigned i;
	int rc = 0;

	cr_assert_not_null(loop);
	cr_assert_eq(
	    vs_loop_add_job(loop, &(struct vs_loop_job){"none", 0, NULL, NULL, job_count}, &c),
	    -EINVAL);
	for (i = 0; i <= VS_LOOP_MAX_JOBS && rc == 0; i++)
		rc =
		    vs_loop_add_job(loop, &(struct vs_loop_job){"j", 1, NULL, NULL, job_count}, &c);
	cr_assert_eq(rc, -ENOSPC);
	cr_assert_eq(i, VS_LOOP_MAX_JOBS + 1);
	vs_loop_destroy(loop);
	vs_loop_destroy(NULL);
}
