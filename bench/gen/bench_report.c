/* SPDX-License-Identifier: BSD-3-Clause */
/* nfvswitch-bench results: text table, JSON and CSV. */
#include <inttypes.h>
#include <string.h>

#include "bench_report.h"

void
vs_bench_report_env(FILE *out, const struct vs_bench_env *env)
{
	fprintf(out, "# %s | CPU %s (%u online) | lcores %u: %s | burst %u | tsc %.3f GHz\n",
		env->dpdk, env->cpu, env->n_cpus, env->n_lcores, env->lcore_roles, env->burst,
		env->tsc_hz / 1e9);
	fprintf(out, "# tx port %s -> rx port %s\n", env->tx_dev, env->rx_dev);
}

void
vs_bench_report_result(FILE *out, const struct vs_bench_result *r)
{
	fprintf(out, "%-22s %s bytes, %u flows, %u masks, offered %s", "workload", r->size_label,
		r->flows, r->masks, r->offered_pps > 0 ? "" : "max");
	if (r->offered_pps > 0)
		fprintf(out, "%.3f Mpps", r->offered_pps / 1e6);
	fprintf(out, ", window %.3f s\n", r->window_s);
	fprintf(out, "%-22s %12s %12s %10s %10s\n", "", "packets", "bytes", "Mpps", "Gbit/s L1");
	fprintf(out, "%-22s %12" PRIu64 " %12" PRIu64 " %10.3f %10.3f\n", "transmitted", r->tx_pkts,
		r->tx_bytes, r->tx_pps / 1e6, r->tx_gbps);
	fprintf(out, "%-22s %12" PRIu64 " %12" PRIu64 " %10.3f %10.3f\n", "received", r->rx_pkts,
		r->rx_bytes, r->rx_pps / 1e6, r->rx_gbps);
	fprintf(out, "%-22s %12" PRIu64 "   (%.4f %%, %u of %u flows lossy, %u silent)\n", "lost",
		r->seq.lost, r->loss_ratio * 100, r->seq.flows_lossy, r->flows,
		r->seq.flows_silent);
	fprintf(out, "%-22s %12" PRIu64 "   (late beyond window %" PRIu64 ")\n", "reordered",
		r->seq.reorder, r->seq.late);
	fprintf(out, "%-22s %12" PRIu64 "\n", "duplicates", r->seq.dup);
	for (int i = 0; i < VS_BENCH_DROP_MAX; i++)
		if (r->drops[i])
			fprintf(out, "%-22s %12" PRIu64 "\n", vs_bench_drop_str(i), r->drops[i]);
	if (r->pace_skipped)
		fprintf(out, "%-22s %12" PRIu64 "   (sender could not keep the rate)\n",
			"pace_skipped", r->pace_skipped);
	fprintf(out, "%-22s %10s %10s %10s %10s %10s %10s\n", "latency (us)", "min", "avg", "p50",
		"p99", "p99.9", "max");
	if (r->lat_count)
		fprintf(out, "%-22s %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f\n", "",
			r->lat_min_ns / 1e3, r->lat_avg_ns / 1e3, r->lat_p50_ns / 1e3,
			r->lat_p99_ns / 1e3, r->lat_p999_ns / 1e3, r->lat_max_ns / 1e3);
	else
		fprintf(out, "%-22s (no packets received)\n", "");
}

static void
json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void
json_env(FILE *out, const struct vs_bench_env *env)
{
	fprintf(out, "{\"dpdk\": ");
	json_str(out, env->dpdk);
	fprintf(out, ", \"cpu\": ");
	json_str(out, env->cpu);
	fprintf(out, ", \"cpus_online\": %u, \"lcores\": %u, \"lcore_roles\": ", env->n_cpus,
		env->n_lcores);
	json_str(out, env->lcore_roles);
	fprintf(out, ", \"burst\": %u, \"tsc_hz\": %.0f, \"tx_port\": ", env->burst, env->tsc_hz);
	json_str(out, env->tx_dev);
	fprintf(out, ", \"rx_port\": ");
	json_str(out, env->rx_dev);
	fprintf(out, "}");
}

static void
json_result(FILE *out, const struct vs_bench_result *r)
{
	fprintf(out, "{\"size\": ");
	json_str(out, r->size_label);
	fprintf(out,
		", \"flows\": %u, \"masks\": %u, \"offered_pps\": %.1f, \"window_s\": %.6f, "
		"\"tx_pkts\": %" PRIu64 ", \"tx_bytes\": %" PRIu64 ", \"rx_pkts\": %" PRIu64
		", \"rx_bytes\": %" PRIu64 ", \"tx_pps\": %.1f, \"rx_pps\": %.1f, "
		"\"tx_gbps\": %.4f, \"rx_gbps\": %.4f, \"lost\": %" PRIu64 ", "
		"\"loss_ratio\": %.9f, "
		"\"reordered\": %" PRIu64 ", \"late\": %" PRIu64 ", \"duplicates\": %" PRIu64
		", \"flows_lossy\": %u, \"pace_skipped\": %" PRIu64 ", \"drops\": {",
		r->flows, r->masks, r->offered_pps, r->window_s, r->tx_pkts, r->tx_bytes,
		r->rx_pkts, r->rx_bytes, r->tx_pps, r->rx_pps, r->tx_gbps, r->rx_gbps, r->seq.lost,
		r->loss_ratio, r->seq.reorder, r->seq.late, r->seq.dup, r->seq.flows_lossy,
		r->pace_skipped);
	for (int i = 0; i < VS_BENCH_DROP_MAX; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", vs_bench_drop_str(i),
			r->drops[i]);
	fprintf(out,
		"}, \"latency_ns\": {\"count\": %" PRIu64 ", \"min\": %" PRIu64
		", \"avg\": %.1f, \"p50\": %" PRIu64 ", \"p99\": %" PRIu64 ", \"p99_9\": %" PRIu64
		", \"max\": %" PRIu64 "}}",
		r->lat_count, r->lat_min_ns, r->lat_avg_ns, r->lat_p50_ns, r->lat_p99_ns,
		r->lat_p999_ns, r->lat_max_ns);
}

void
vs_bench_report_result_json(FILE *out, const struct vs_bench_env *env,
			    const struct vs_bench_result *r)
{
	fprintf(out, "{\"env\": ");
	json_env(out, env);
	fprintf(out, ",\n \"result\": ");
	json_result(out, r);
	fprintf(out, "}\n");
}

void
vs_bench_report_result_csv_header(FILE *out)
{
	fprintf(out,
		"size,flows,masks,offered_pps,window_s,tx_pkts,rx_pkts,tx_mpps,rx_mpps,"
		"lost,loss_pct,reordered,duplicates,lat_min_ns,lat_avg_ns,lat_p50_ns,lat_p99_ns,"
		"lat_p999_ns,lat_max_ns\n");
}

void
vs_bench_report_result_csv(FILE *out, const struct vs_bench_result *r)
{
	fprintf(out,
		"%s,%u,%u,%.1f,%.6f,%" PRIu64 ",%" PRIu64 ",%.6f,%.6f,%" PRIu64 ",%.6f,"
		"%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.1f,%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%" PRIu64 "\n",
		r->size_label, r->flows, r->masks, r->offered_pps, r->window_s, r->tx_pkts,
		r->rx_pkts, r->tx_pps / 1e6, r->rx_pps / 1e6, r->seq.lost, r->loss_ratio * 100,
		r->seq.reorder, r->seq.dup, r->lat_min_ns, r->lat_avg_ns, r->lat_p50_ns,
		r->lat_p99_ns, r->lat_p999_ns, r->lat_max_ns);
}

void
vs_bench_report_flows_csv(FILE *out, const struct vs_bench_flows *f,
			  const struct vs_bench_seq_flow *flows, const uint64_t *tx, uint32_t n,
			  double window_s)
{
	fprintf(out, "flow,ip_dst,udp_src,udp_dst,tx,rx,rx_pps,lost,reordered,duplicates,"
		     "lat_avg_ns\n");
	for (uint32_t i = 0; i < n; i++) {
		struct vs_bench_tuple t;
		uint64_t lost = tx[i] > flows[i].rx ? tx[i] - flows[i].rx : 0;

		vs_bench_flow_tuple(f, i, &t);
		fprintf(out,
			"%u,%u.%u.%u.%u,%u,%u,%" PRIu64 ",%" PRIu64 ",%.1f,%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%.1f\n",
			i, t.ip_dst >> 24, (t.ip_dst >> 16) & 0xff, (t.ip_dst >> 8) & 0xff,
			t.ip_dst & 0xff, t.udp_src, t.udp_dst, tx[i], flows[i].rx,
			window_s > 0 ? (double)flows[i].rx / window_s : 0.0, lost, flows[i].reorder,
			flows[i].dup,
			flows[i].rx ? (double)flows[i].lat_sum / (double)flows[i].rx : 0.0);
	}
}

void
vs_bench_report_rfc_table(FILE *out, const struct vs_bench_rfc_row *rows, uint32_t n)
{
	fprintf(out, "%-6s %8s %5s %10s %10s %10s %10s %6s | %-5s %9s %9s %9s %9s %9s %9s\n",
		"size", "flows", "masks", "NDR Mpps", "NDR Gb/s", "PDR Mpps", "PDR Gb/s", "trials",
		"load", "min us", "avg us", "p50 us", "p99 us", "p99.9 us", "max us");
	for (uint32_t i = 0; i < n; i++) {
		const struct vs_bench_rfc_row *w = &rows[i];

		fprintf(out, "%-6s %8u %5u %9.3f%c %10.3f %10.3f %10.3f %6u |", w->size, w->flows,
			w->masks, w->ndr_pps / 1e6, w->sender_limited ? '*' : ' ', w->ndr_gbps,
			w->pdr_pps / 1e6, w->pdr_gbps, w->trials);
		if (w->n_lat == 0)
			fprintf(out, " (no latency trials)\n");
		for (uint32_t k = 0; k < w->n_lat; k++) {
			const struct vs_bench_result *r = &w->lat[k];

			if (k)
				fprintf(out, "%-6s %8s %5s %10s %10s %10s %10s %6s |", "", "", "",
					"", "", "", "", "");
			fprintf(out, " %4.0f%% %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n",
				w->lat_frac[k] * 100, r->lat_min_ns / 1e3, r->lat_avg_ns / 1e3,
				r->lat_p50_ns / 1e3, r->lat_p99_ns / 1e3, r->lat_p999_ns / 1e3,
				r->lat_max_ns / 1e3);
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		if (rows[i].sender_limited) {
			fprintf(out, "* sender-limited: no loss at the highest rate the generator "
				     "reached; the device under test may go faster\n");
			break;
		}
	}
}

void
vs_bench_report_rfc_json(FILE *out, const struct vs_bench_env *env,
			 const struct vs_bench_rfc_row *rows, uint32_t n)
{
	fprintf(out, "{\"env\": ");
	json_env(out, env);
	fprintf(out, ",\n \"rfc2544\": [");
	for (uint32_t i = 0; i < n; i++) {
		const struct vs_bench_rfc_row *w = &rows[i];

		fprintf(out, "%s\n  {\"size\": ", i ? "," : "");
		json_str(out, w->size);
		fprintf(out,
			", \"flows\": %u, \"masks\": %u, \"max_pps\": %.1f, "
			"\"ndr_pps\": %.1f, \"ndr_gbps\": %.4f, \"pdr_pps\": %.1f, "
			"\"pdr_gbps\": %.4f, "
			"\"pdr_loss_ratio\": %.6f, \"trials\": %u, \"sender_limited\": %s, "
			"\"latency\": [",
			w->flows, w->masks, w->max_pps, w->ndr_pps, w->ndr_gbps, w->pdr_pps,
			w->pdr_gbps, w->pdr_loss, w->trials, w->sender_limited ? "true" : "false");
		for (uint32_t k = 0; k < w->n_lat; k++) {
			fprintf(out, "%s\n    {\"fraction\": %.3f, \"trial\": ", k ? "," : "",
				w->lat_frac[k]);
			json_result(out, &w->lat[k]);
			fprintf(out, "}");
		}
		fprintf(out, "]}");
	}
	fprintf(out, "\n]}\n");
}

void
vs_bench_report_rfc_csv(FILE *out, const struct vs_bench_rfc_row *rows, uint32_t n)
{
	fprintf(out, "size,flows,masks,max_mpps,ndr_mpps,ndr_gbps,pdr_mpps,pdr_gbps,trials\n");
	for (uint32_t i = 0; i < n; i++) {
		const struct vs_bench_rfc_row *w = &rows[i];

		fprintf(out, "%s,%u,%u,%.6f,%.6f,%.4f,%.6f,%.4f,%u\n", w->size, w->flows, w->masks,
			w->max_pps / 1e6, w->ndr_pps / 1e6, w->ndr_gbps, w->pdr_pps / 1e6,
			w->pdr_gbps, w->trials);
	}
}

void
vs_bench_report_rfc_lat_csv(FILE *out, const struct vs_bench_rfc_row *rows, uint32_t n)
{
	fprintf(out, "size,flows,masks,fraction,offered_mpps,rx_mpps,loss_pct,lat_min_ns,"
		     "lat_avg_ns,lat_p50_ns,lat_p99_ns,lat_p999_ns,lat_max_ns\n");
	for (uint32_t i = 0; i < n; i++) {
		const struct vs_bench_rfc_row *w = &rows[i];

		for (uint32_t k = 0; k < w->n_lat; k++) {
			const struct vs_bench_result *r = &w->lat[k];

			fprintf(out,
				"%s,%u,%u,%.3f,%.6f,%.6f,%.6f,%" PRIu64 ",%.1f,%" PRIu64 ",%" PRIu64
				",%" PRIu64 ",%" PRIu64 "\n",
				w->size, w->flows, w->masks, w->lat_frac[k], r->offered_pps / 1e6,
				r->rx_pps / 1e6, r->loss_ratio * 100, r->lat_min_ns, r->lat_avg_ns,
				r->lat_p50_ns, r->lat_p99_ns, r->lat_p999_ns, r->lat_max_ns);
		}
	}
}
