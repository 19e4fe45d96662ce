/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 2544 throughput search (binary search on the offered rate). */
#include <errno.h>
#include <string.h>

#include "bench_rfc2544.h"

int
vs_bench_trial_pass(const struct vs_bench_result *res, double thr)
{
	if (res->seq.tx == 0)
		return 0;
	if (thr <= 0)
		return res->seq.lost == 0;
	return res->loss_ratio <= thr;
}

int
vs_bench_search_run(const struct vs_bench_search *s, vs_bench_trial_fn fn, void *arg,
		    struct vs_bench_search_result *out)
{
	double lo = s->lo_pps > 0 ? s->lo_pps : 0, hi = s->hi_pps;
	double res_frac = s->resolution > 0 ? s->resolution : 0.005;
	uint32_t max_iter = s->max_iter ? s->max_iter : 20;
	double rate = hi;
	struct vs_bench_result r;
	int ret;

	memset(out, 0, sizeof(*out));
	if (hi <= 0 || lo > hi)
		return -EINVAL;
	while (out->n_trials < max_iter) {
		int pass;

		ret = fn(arg, rate, &r);
		if (ret < 0)
			return ret;
		out->n_trials++;
		pass = vs_bench_trial_pass(&r, s->loss_threshold);
		if (s->progress)
			s->progress(s->progress_arg, out->n_trials, rate, &r, pass);
		if (pass) {
			if (!out->found || rate > out->rate_pps) {
				out->rate_pps = rate;
				out->best = r;
			}
			out->found = 1;
			lo = rate;
			if (rate >= hi)
				break; /* the ceiling itself passed */
		} else {
			hi = rate;
		}
		if (hi - lo <= res_frac * s->hi_pps)
			break;
		rate = (lo + hi) / 2;
	}
	return 0;
}
