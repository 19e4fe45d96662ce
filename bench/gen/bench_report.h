/* SPDX-License-Identifier: BSD-3-Clause */
/* nfvswitch-bench results: text table, JSON and CSV. */
#ifndef VS_BENCH_REPORT_H
#define VS_BENCH_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "bench_run.h"

#define VS_BENCH_MAX_FRACTIONS 8

/* One RFC 2544 point: a frame size and flow count. */
struct vs_bench_rfc_row {
	char size[16];
	uint32_t flows;
	uint32_t masks;
	double max_pps; /* ceiling of the search (sender limit or line rate) */
	double ndr_pps; /* 0 when no rate passed */
	double ndr_gbps;
	double pdr_pps;
	double pdr_gbps;
	double pdr_loss; /* threshold used, fraction */
	uint32_t trials;
	int sender_limited; /* the ceiling passed: the device was not saturated */
	uint32_t n_lat;
	double lat_frac[VS_BENCH_MAX_FRACTIONS];
	struct vs_bench_result lat[VS_BENCH_MAX_FRACTIONS]; /* trials at frac * NDR */
};

void vs_bench_report_env(FILE *out, const struct vs_bench_env *env);

/* One trial: a table of counters, rates, loss and latency. */
void vs_bench_report_result(FILE *out, const struct vs_bench_result *r);
void vs_bench_report_result_json(FILE *out, const struct vs_bench_env *env,
				 const struct vs_bench_result *r);
void vs_bench_report_result_csv_header(FILE *out);
void vs_bench_report_result_csv(FILE *out, const struct vs_bench_result *r);

/* Per-flow counters of the last trial, as CSV; rates over window_s. */
void vs_bench_report_flows_csv(FILE *out, const struct vs_bench_flows *f,
			       const struct vs_bench_seq_flow *flows, const uint64_t *tx,
			       uint32_t n, double window_s);

/* RFC 2544 rows. */
void vs_bench_report_rfc_table(FILE *out, const struct vs_bench_rfc_row *rows, uint32_t n);
void vs_bench_report_rfc_json(FILE *out, const struct vs_bench_env *env,
			      const struct vs_bench_rfc_row *rows, uint32_t n);
/* Throughput, one line per row. */
void vs_bench_report_rfc_csv(FILE *out, const struct vs_bench_rfc_row *rows, uint32_t n);
/* Latency, one line per row and fraction. */
void vs_bench_report_rfc_lat_csv(FILE *out, const struct vs_bench_rfc_row *rows, uint32_t n);

#endif /* VS_BENCH_REPORT_H */
