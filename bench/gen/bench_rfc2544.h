/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 2544 throughput search: the highest offered rate whose trial loses at
 * most a given fraction of the packets (0 for NDR, 0.005 for PDR), found by
 * binary search between a floor and the highest rate the sender reaches.
 * The search is written against a trial callback, so it is unit tested with
 * a model of a device and run for real with vs_bench_trial().
 */
#ifndef VS_BENCH_RFC2544_H
#define VS_BENCH_RFC2544_H

#include <stdint.h>

#include "bench_run.h"

/* Run one trial at rate_pps (> 0) and fill res; 0 or -errno. */
typedef int (*vs_bench_trial_fn)(void *arg, double rate_pps, struct vs_bench_result *res);
/* Called after each trial of a search (progress display); may be NULL. */
typedef void (*vs_bench_search_progress_fn)(void *arg, uint32_t iter, double rate_pps,
					    const struct vs_bench_result *res, int pass);

struct vs_bench_search {
	double lo_pps;	       /* known-good floor (0 if none) */
	double hi_pps;	       /* ceiling: tried first */
	double loss_threshold; /* pass when lost/tx <= this (0 = NDR) */
	double resolution;     /* stop when hi - lo <= resolution * hi_pps (default 0.005) */
	uint32_t max_iter;     /* trial cap (default 20) */
	vs_bench_search_progress_fn progress;
	void *progress_arg;
};

struct vs_bench_search_result {
	double rate_pps;	     /* highest passing offered rate; 0 if none passed */
	struct vs_bench_result best; /* that trial */
	uint32_t n_trials;
	int found; /* a trial passed */
};

/* 1 when res passes at loss threshold thr. A trial that sent nothing fails. */
int vs_bench_trial_pass(const struct vs_bench_result *res, double thr);

/* 0 or the first trial error (-errno). */
int vs_bench_search_run(const struct vs_bench_search *s, vs_bench_trial_fn fn, void *arg,
			struct vs_bench_search_result *out);

#endif /* VS_BENCH_RFC2544_H */
