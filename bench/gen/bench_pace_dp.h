/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TSC pacing: packet k of a paced stream departs at start + k * hz / rate.
 * The transmitter asks, at time now, how many departure slots are due and
 * sends that many (up to a burst). Nothing accumulates rounding error: the
 * due count is computed from the start time every call, in 128-bit integer
 * arithmetic, with the rate in milli-packets per second.
 *
 * When the transmitter falls behind (it was descheduled, or the rate is above
 * what it can do), at most max_backlog overdue slots are sent back to back;
 * older ones are given up and counted in skipped, so a stall never turns into
 * a burst of thousands of packets.
 */
#ifndef VS_BENCH_PACE_DP_H
#define VS_BENCH_PACE_DP_H

#include <stdint.h>

struct vs_bench_pace {
	uint64_t start;	      /* TSC of slot 0 */
	uint64_t hz;	      /* TSC frequency */
	uint64_t rate_mpps;   /* milli-packets per second; 0 = unpaced */
	uint64_t done;	      /* slots consumed (sent or skipped) */
	uint64_t skipped;     /* slots given up because the sender was late */
	uint32_t max_backlog; /* overdue slots sent back to back at most */
};

/* rate_pps <= 0 means unpaced. */
static inline void
vs_bench_pace_init(struct vs_bench_pace *p, uint64_t hz, double rate_pps, uint64_t start,
		   uint32_t max_backlog)
{
	p->start = start;
	p->hz = hz;
	p->rate_mpps = rate_pps > 0 ? (uint64_t)(rate_pps * 1000.0 + 0.5) : 0;
	p->done = 0;
	p->skipped = 0;
	p->max_backlog = max_backlog ? max_backlog : 1;
}

/* Slots whose departure time is <= now, since start. */
static inline uint64_t
vs_bench_pace_target(const struct vs_bench_pace *p, uint64_t now)
{
	unsigned __int128 x;

	if (now < p->start)
		return 0; /* slot 0 departs at start */
	x = (unsigned __int128)(now - p->start) * p->rate_mpps;
	return (uint64_t)(x / ((unsigned __int128)p->hz * 1000u)) + 1;
}

/* TSC at which slot k departs (rounded up to a whole cycle). */
static inline uint64_t
vs_bench_pace_slot_tsc(const struct vs_bench_pace *p, uint64_t k)
{
	unsigned __int128 num = (unsigned __int128)k * p->hz * 1000u;

	if (p->rate_mpps == 0)
		return p->start;
	return p->start + (uint64_t)((num + p->rate_mpps - 1) / p->rate_mpps);
}

/* How many packets to send now (<= max). Call vs_bench_pace_commit() with the number sent. */
static inline uint32_t
vs_bench_pace_due(struct vs_bench_pace *p, uint64_t now, uint32_t max)
{
	uint64_t target, backlog;

	if (p->rate_mpps == 0)
		return max;
	target = vs_bench_pace_target(p, now);
	if (target <= p->done)
		return 0;
	backlog = target - p->done;
	if (backlog > p->max_backlog) {
		p->skipped += backlog - p->max_backlog;
		p->done += backlog - p->max_backlog;
		backlog = p->max_backlog;
	}
	return backlog < max ? (uint32_t)backlog : max;
}

static inline void
vs_bench_pace_commit(struct vs_bench_pace *p, uint32_t n)
{
	p->done += n;
}

/*
 * The stream ends at TSC end: slots departing before end that were neither
 * sent nor skipped yet (the sender was descheduled at the end) are skipped,
 * so sent + skipped is exactly the number of slots in [start, end).
 */
static inline void
vs_bench_pace_close(struct vs_bench_pace *p, uint64_t end)
{
	uint64_t target;

	if (p->rate_mpps == 0 || end <= p->start)
		return;
	target = vs_bench_pace_target(p, end - 1);
	if (target > p->done) {
		p->skipped += target - p->done;
		p->done = target;
	}
}

#endif /* VS_BENCH_PACE_DP_H */
