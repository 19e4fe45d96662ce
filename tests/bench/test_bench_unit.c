/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch-bench pure parts: pacing math, histogram buckets and percentiles,
 * sequence accounting with loss/reorder/duplicate patterns, the flow layout,
 * frame build/parse, the RFC 2544 search against a model device, and the
 * report writers. No EAL needed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "bench_pace_dp.h"
#include "bench_pkt.h"
#include "bench_pkt_dp.h"
#include "bench_report.h"
#include "bench_rfc2544.h"
#include "bench_stats.h"
#include "bench_stats_dp.h"

/* ---- pacing ---- */

Test(pace, exact_count_over_one_second)
{
	struct vs_bench_pace p;
	const uint64_t hz = 2300000000ull;
	uint64_t sent = 0;

	vs_bench_pace_init(&p, hz, 1e6, 1000, 32);
	/* Poll every 10 us of TSC time for one second, sending everything due. */
	for (uint64_t t = 1000; t < 1000 + hz; t += hz / 100000) {
		uint32_t n = vs_bench_pace_due(&p, t, 64);

		vs_bench_pace_commit(&p, n);
		sent += n;
	}
	/* Slots 0..999999 depart before start + hz (slot k at k us). */
	cr_assert(sent >= 999990 && sent <= 1000000, "sent %lu", (unsigned long)sent);
	cr_assert_eq(p.skipped, 0);
}

Test(pace, slot_times_and_no_early_departure)
{
	struct vs_bench_pace p;

	vs_bench_pace_init(&p, 1000000000ull, 3e6, 500, 8); /* 1 GHz, 3 Mpps: 333.3 cycles */
	cr_assert_eq(vs_bench_pace_due(&p, 499, 32), 0, "nothing before start");
	cr_assert_eq(vs_bench_pace_due(&p, 500, 32), 1, "slot 0 at start");
	vs_bench_pace_commit(&p, 1);
	cr_assert_eq(vs_bench_pace_due(&p, 500 + 333, 32), 0, "slot 1 is at 333.33");
	cr_assert_eq(vs_bench_pace_due(&p, 500 + 334, 32), 1);
	cr_assert_eq(vs_bench_pace_slot_tsc(&p, 1), 500 + 334);
	cr_assert_eq(vs_bench_pace_slot_tsc(&p, 3), 500 + 1000);
	cr_assert_eq(vs_bench_pace_slot_tsc(&p, 300), 500 + 100000);
	/* Fractional rates: 0.5 pps at 1 GHz is one slot every 2 s. */
	vs_bench_pace_init(&p, 1000000000ull, 0.5, 0, 8);
	cr_assert_eq(vs_bench_pace_target(&p, 1999999999ull), 1);
	cr_assert_eq(vs_bench_pace_target(&p, 2000000000ull), 2);
}

Test(pace, backlog_is_capped_and_counted)
{
	struct vs_bench_pace p;
	uint32_t n;

	vs_bench_pace_init(&p, 1000000000ull, 1e6, 0, 16); /* one slot per 1000 cycles */
	/* The sender wakes 1 ms late: 1001 slots due; 16 go, 985 are skipped. */
	n = vs_bench_pace_due(&p, 1000000, 64);
	cr_assert_eq(n, 16);
	cr_assert_eq(p.skipped, 1001 - 16);
	vs_bench_pace_commit(&p, n);
	cr_assert_eq(vs_bench_pace_due(&p, 1000000, 64), 0);
	cr_assert_eq(vs_bench_pace_due(&p, 1001000, 64), 1);
}

Test(pace, close_counts_the_tail)
{
	struct vs_bench_pace p;

	vs_bench_pace_init(&p, 1000000000ull, 1e6, 0, 16);
	vs_bench_pace_commit(&p, vs_bench_pace_due(&p, 5000, 64)); /* slots 0..5 */
	cr_assert_eq(p.done, 6);
	/* Descheduled until after the end at 100000: slots 6..99 are skipped. */
	vs_bench_pace_close(&p, 100000);
	cr_assert_eq(p.done, 100);
	cr_assert_eq(p.skipped, 94);
	vs_bench_pace_close(&p, 100000);
	cr_assert_eq(p.done, 100, "idempotent");
}

Test(pace, unpaced_and_burst_limit)
{
	struct vs_bench_pace p;

	vs_bench_pace_init(&p, 1000000000ull, 0, 0, 16);
	cr_assert_eq(vs_bench_pace_due(&p, 0, 32), 32);
	vs_bench_pace_init(&p, 1000000000ull, 1e9, 0, 64); /* 1 per cycle */
	cr_assert_eq(vs_bench_pace_due(&p, 100, 32), 32, "burst caps the due count");
}

Test(pace, long_run_no_overflow)
{
	struct vs_bench_pace p;
	const uint64_t hz = 3000000000ull;

	/* 148.8 Mpps for 10 hours: 128-bit intermediate keeps it exact. */
	vs_bench_pace_init(&p, hz, 148.8e6, 0, 64);
	cr_assert_eq(vs_bench_pace_target(&p, hz * 36000), (uint64_t)(148.8e6 * 36000) + 1);
}

/* ---- histogram ---- */

Test(hist, buckets_are_contiguous_and_bounded)
{
	uint64_t prev_high = UINT64_MAX;

	for (uint32_t i = 0; i < VS_BENCH_HIST_BUCKETS; i++) {
		uint64_t lo = vs_bench_hist_bucket_low(i), hi = vs_bench_hist_bucket_high(i);

		cr_assert(lo <= hi);
		if (i > 0)
			cr_assert_eq(lo, prev_high + 1, "bucket %u", i);
		cr_assert_eq(vs_bench_hist_index(lo), i);
		cr_assert_eq(vs_bench_hist_index(hi), i);
		/* Relative width below 1/32 past the linear range. */
		if (i >= VS_BENCH_HIST_LINEAR)
			cr_assert((hi - lo + 1) * 32 <= lo, "bucket %u too wide", i);
		prev_high = hi;
	}
	cr_assert_eq(prev_high, UINT64_MAX);
	cr_assert_eq(vs_bench_hist_index(0), 0);
	cr_assert_eq(vs_bench_hist_index(63), 63);
	cr_assert_eq(vs_bench_hist_index(64), 64);
	cr_assert_eq(vs_bench_hist_index(65), 64);
	cr_assert_eq(vs_bench_hist_index(66), 65);
	cr_assert_eq(vs_bench_hist_index(UINT64_MAX), VS_BENCH_HIST_BUCKETS - 1);
}

Test(hist, exact_small_values)
{
	struct vs_bench_hist h;

	vs_bench_hist_init(&h);
	cr_assert_eq(vs_bench_hist_percentile(&h, 50), 0, "empty");
	for (uint64_t v = 1; v <= 50; v++)
		vs_bench_hist_record(&h, v);
	cr_assert_eq(h.count, 50);
	cr_assert_eq(h.min, 1);
	cr_assert_eq(h.max, 50);
	cr_assert_eq(vs_bench_hist_percentile(&h, 50), 25);
	cr_assert_eq(vs_bench_hist_percentile(&h, 99), 50);
	cr_assert_eq(vs_bench_hist_percentile(&h, 100), 50);
	cr_assert_eq(vs_bench_hist_percentile(&h, 2), 1);
	cr_assert_float_eq(vs_bench_hist_mean(&h), 25.5, 1e-9);
}

Test(hist, percentiles_within_bucket_error)
{
	struct vs_bench_hist h;
	uint64_t *v = malloc(100000 * sizeof(*v));
	uint64_t x = 88172645463325252ull; /* xorshift, fixed seed */

	cr_assert_not_null(v);
	vs_bench_hist_init(&h);
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = 500 + x % 100000; /* 500 ns .. 100.5 us */
		vs_bench_hist_record(&h, v[i]);
	}
	/* Sort to get the exact order statistics. */
	for (int gap = 50000; gap > 0; gap /= 2) /* shell sort */
		for (int i = gap; i < 100000; i++)
			for (int j = i; j >= gap && v[j - gap] > v[j]; j -= gap) {
				uint64_t t = v[j];

				v[j] = v[j - gap];
				v[j - gap] = t;
			}
	const double ps[] = {50, 90, 99, 99.9};
	for (unsigned int k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
		uint64_t exact = v[(size_t)ceil(ps[k] / 100 * 100000) - 1];
		uint64_t got = vs_bench_hist_percentile(&h, ps[k]);

		cr_assert(got >= exact, "p%g: %lu < exact %lu", ps[k], got, exact);
		cr_assert(got - exact <= exact / 32, "p%g: %lu vs exact %lu", ps[k], got, exact);
	}
	cr_assert_eq(vs_bench_hist_percentile(&h, 100), v[99999]);
	cr_assert_eq(h.min, v[0]);
	free(v);
}

Test(hist, merge_and_order)
{
	struct vs_bench_hist a, b;

	vs_bench_hist_init(&a);
	vs_bench_hist_init(&b);
	for (int i = 0; i < 1000; i++)
		vs_bench_hist_record(&a, 1000);
	for (int i = 0; i < 10; i++)
		vs_bench_hist_record(&b, 1000000);
	vs_bench_hist_record(&b, 7);
	vs_bench_hist_merge(&a, &b);
	cr_assert_eq(a.count, 1011);
	cr_assert_eq(a.min, 7);
	cr_assert_eq(a.max, 1000000);
	cr_assert(vs_bench_hist_percentile(&a, 50) >= 1000);
	cr_assert(vs_bench_hist_percentile(&a, 50) < 1000 + 1000 / 32);
	cr_assert_eq(vs_bench_hist_percentile(&a, 99.9), 1000000);
	cr_assert(vs_bench_hist_percentile(&a, 50) <= vs_bench_hist_percentile(&a, 99));
}

/* ---- sequence accounting ---- */

static void
feed(struct vs_bench_seq_flow *f, const uint64_t *s, size_t n, int *outcomes)
{
	for (size_t i = 0; i < n; i++)
		outcomes[vs_bench_seq_account(f, s[i])]++;
}

Test(seq, in_order_no_loss)
{
	struct vs_bench_seq_flow f = {0};
	int o[4] = {0};
	uint64_t tx = 1000;
	struct vs_bench_seq_sum sum;

	for (uint64_t s = 0; s < 1000; s++)
		o[vs_bench_seq_account(&f, s)]++;
	cr_assert_eq(o[VS_BENCH_SEQ_IN_ORDER], 1000);
	vs_bench_seq_summarize(&f, &tx, 1, &sum);
	cr_assert_eq(sum.rx, 1000);
	cr_assert_eq(sum.lost, 0);
	cr_assert_eq(sum.reorder + sum.dup + sum.late + sum.excess, 0);
}

Test(seq, loss_gaps)
{
	struct vs_bench_seq_flow f = {0};
	const uint64_t s[] = {0, 1, 2, 5, 6, 300, 301}; /* 3,4 and 7..299 lost */
	int o[4] = {0};
	uint64_t tx = 302;
	struct vs_bench_seq_sum sum;

	feed(&f, s, 7, o);
	cr_assert_eq(o[VS_BENCH_SEQ_IN_ORDER], 7);
	vs_bench_seq_summarize(&f, &tx, 1, &sum);
	cr_assert_eq(sum.lost, 2 + 293);
	cr_assert_eq(sum.flows_lossy, 1);
	cr_assert_eq(sum.reorder, 0);
}

Test(seq, reorder_fills_gaps)
{
	struct vs_bench_seq_flow f = {0};
	const uint64_t s[] = {0, 2, 1, 3, 6, 5, 4, 7};
	int o[4] = {0};
	uint64_t tx = 8;
	struct vs_bench_seq_sum sum;

	feed(&f, s, 8, o);
	cr_assert_eq(o[VS_BENCH_SEQ_REORDER], 3); /* 1, 5, 4 */
	cr_assert_eq(o[VS_BENCH_SEQ_IN_ORDER], 5);
	vs_bench_seq_summarize(&f, &tx, 1, &sum);
	cr_assert_eq(sum.lost, 0);
	cr_assert_eq(sum.reorder, 3);
	cr_assert_eq(sum.rx, 8);
}

Test(seq, duplicates_in_and_out_of_order)
{
	struct vs_bench_seq_flow f = {0};
	const uint64_t s[] = {0, 0, 1, 3, 3, 2, 2, 1, 4};
	int o[4] = {0};
	uint64_t tx = 5;
	struct vs_bench_seq_sum sum;

	feed(&f, s, 9, o);
	cr_assert_eq(o[VS_BENCH_SEQ_DUP], 4);
	cr_assert_eq(o[VS_BENCH_SEQ_REORDER], 1); /* 2 */
	vs_bench_seq_summarize(&f, &tx, 1, &sum);
	cr_assert_eq(sum.rx, 5);
	cr_assert_eq(sum.dup, 4);
	cr_assert_eq(sum.lost, 0);
}

Test(seq, window_edges)
{
	struct vs_bench_seq_flow f = {0};

	cr_assert_eq(vs_bench_seq_account(&f, 200), VS_BENCH_SEQ_IN_ORDER);
	/* 200 - 72 = 128 below next (201): inside the window, first time: reorder. */
	cr_assert_eq(vs_bench_seq_account(&f, 73), VS_BENCH_SEQ_REORDER);
	cr_assert_eq(vs_bench_seq_account(&f, 73), VS_BENCH_SEQ_DUP);
	/* 72 is 129 below next: beyond the window. */
	cr_assert_eq(vs_bench_seq_account(&f, 72), VS_BENCH_SEQ_LATE);
	/* A window slot reused by a newer number is not mistaken for a duplicate. */
	cr_assert_eq(vs_bench_seq_account(&f, 201 + 128), VS_BENCH_SEQ_IN_ORDER); /* 329 */
	cr_assert_eq(vs_bench_seq_account(&f, 329 - 127), VS_BENCH_SEQ_REORDER);  /* 202 */
	cr_assert_eq(f.rx, 5);
	cr_assert_eq(f.dup, 1);
	cr_assert_eq(f.late, 1);
	cr_assert_eq(f.reorder, 3);
}

Test(seq, random_impairment_matches_reference)
{
	/* Deliver 20000 numbers shuffled locally, 3 % dropped,
	 * 2 % duplicated; the counts must match what was done. */
	enum { N = 20000 };
	static uint64_t out[N * 2];
	struct vs_bench_seq_flow f = {0};
	uint32_t x = 12345, n_out = 0, dropped = 0, duped = 0;
	uint64_t tx = N;
	struct vs_bench_seq_sum sum;

	for (uint32_t s = 0; s < N; s++) {
		x = x * 1103515245u + 12345u;
		if ((x >> 16) % 100 < 3) {
			dropped++;
			continue;
		}
		out[n_out++] = s;
		if ((x >> 8) % 100 < 2) {
			out[n_out++] = s;
			duped++;
		}
	}
	/* Shuffle within disjoint blocks of 96 (Fisher-Yates): every packet stays
	 * within 100 numbers of its neighbours, inside the 128 window. */
	for (uint32_t b = 0; b < n_out; b += 96) {
		uint32_t len = n_out - b < 96 ? n_out - b : 96;

		for (uint32_t i = len - 1; i > 0; i--) {
			uint32_t j;
			uint64_t t;

			x = x * 1103515245u + 12345u;
			j = (x >> 16) % (i + 1);
			t = out[b + i];
			out[b + i] = out[b + j];
			out[b + j] = t;
		}
	}
	for (uint32_t i = 0; i < n_out; i++)
		vs_bench_seq_account(&f, out[i]);
	vs_bench_seq_summarize(&f, &tx, 1, &sum);
	cr_assert_eq(sum.lost, dropped);
	cr_assert_eq(sum.dup, duped);
	cr_assert_eq(sum.rx, N - dropped);
	cr_assert_eq(sum.late, 0);
	cr_assert(sum.reorder > 0);
}

Test(seq, extend_across_wrap)
{
	cr_assert_eq(vs_bench_seq_extend(0, 0), 0);
	cr_assert_eq(vs_bench_seq_extend(0, 5), 5);
	cr_assert_eq(vs_bench_seq_extend(0xfffffff0ull, 5), 0x100000005ull);
	cr_assert_eq(vs_bench_seq_extend(0x100000002ull, 0xfffffffeu), 0xfffffffeull);
	cr_assert_eq(vs_bench_seq_extend(0x700000010ull, 0x20), 0x700000020ull);
	cr_assert_eq(vs_bench_seq_extend(10, 0xfffffff0u), 0xfffffff0ull, "no negative numbers");

	/* A flow crossing 2^32 keeps counting in order. */
	struct vs_bench_seq_flow f = {0};

	f.next = 0xfffffffeull;
	for (uint64_t s = 0xfffffffeull; s < 0x100000004ull; s++)
		cr_assert_eq(vs_bench_seq_account(&f, vs_bench_seq_extend(f.next, (uint32_t)s)),
			     VS_BENCH_SEQ_IN_ORDER);
	cr_assert_eq(f.next, 0x100000004ull);
}

/* ---- flows and frames ---- */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

Test(flows, tuples_unique_and_inside_group_prefix)
{
	struct vs_bench_flows fl;
	char msg[128];
	enum { N = 50000 };
	static uint64_t keys[N];

	vs_bench_flows_default(&fl);
	fl.n_flows = N;
	fl.n_masks = 8;
	cr_assert_eq(vs_bench_flows_check(&fl, msg, sizeof(msg)), 0, "%s", msg);
	for (uint32_t i = 0; i < N; i++) {
		struct vs_bench_tuple t;
		uint32_t g = i % 8, addr;
		uint8_t len;

		vs_bench_flow_tuple(&fl, i, &t);
		vs_bench_mask_prefix(g, &addr, &len);
		cr_assert_eq(len, 16 + g);
		cr_assert_eq(t.ip_dst >> (32 - len), addr >> (32 - len), "flow %u outside group",
			     i);
		/* and in no other group's prefix */
		for (uint32_t h = 0; h < 8; h++) {
			if (h == g)
				continue;
			vs_bench_mask_prefix(h, &addr, &len);
			cr_assert_neq(t.ip_dst >> (32 - len), addr >> (32 - len));
		}
		keys[i] = ((uint64_t)t.ip_dst << 16) | t.udp_src;
	}
	qsort(keys, N, sizeof(keys[0]), cmp_u64);
	for (uint32_t i = 1; i < N; i++)
		cr_assert_neq(keys[i], keys[i - 1], "two flows share a tuple");
}

Test(flows, limits)
{
	struct vs_bench_flows fl;
	char msg[128];

	vs_bench_flows_default(&fl);
	fl.n_flows = 1000000;
	cr_assert_eq(vs_bench_flows_check(&fl, msg, sizeof(msg)), 0);
	fl.n_masks = 16;
	cr_assert_eq(vs_bench_flows_check(&fl, msg, sizeof(msg)), 0);
	fl.n_masks = 17;
	cr_assert_lt(vs_bench_flows_check(&fl, msg, sizeof(msg)), 0);
	cr_assert(strstr(msg, "masks") != NULL);
	fl.n_masks = 16;
	fl.n_flows = (uint32_t)vs_bench_flows_max(16) + 1;
	cr_assert_lt(vs_bench_flows_check(&fl, msg, sizeof(msg)), 0);
	fl.n_flows = 0;
	cr_assert_lt(vs_bench_flows_check(&fl, msg, sizeof(msg)), 0);
}

Test(frames, build_and_find_payload)
{
	struct vs_bench_flows fl;
	uint8_t buf[1600], tagged[1604];
	struct vs_bench_payload pl;
	struct vs_bench_tuple t;
	int off;

	vs_bench_flows_default(&fl);
	fl.n_flows = 1000;
	fl.n_masks = 4;
	vs_bench_frame_build(&fl, 777, 0x123456789ull, 9, 0xabcdef, 64, buf);
	off = vs_bench_payload_offset(buf, 60);
	cr_assert_eq(off, VS_BENCH_HDR_SIZE);
	memcpy(&pl, buf + off, sizeof(pl));
	cr_assert_eq(pl.magic, VS_BENCH_MAGIC);
	cr_assert_eq(pl.trial, 9);
	cr_assert_eq(pl.flow, 777);
	cr_assert_eq(pl.seq, 0x23456789u);
	cr_assert_eq(pl.tsc, 0xabcdef);
	vs_bench_flow_tuple(&fl, 777, &t);
	cr_assert_eq((uint32_t)buf[30] << 24 | buf[31] << 16 | buf[32] << 8 | buf[33], t.ip_dst);
	cr_assert_eq(buf[16] << 8 | buf[17], 46, "IPv4 total length of a 64-byte frame");
	cr_assert_eq(buf[38] << 8 | buf[39], 26, "UDP length");
	/* The IPv4 header checksum verifies to 0xffff. */
	uint32_t sum = 0;
	for (int i = 14; i < 34; i += 2)
		sum += (uint32_t)(buf[i] << 8 | buf[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	cr_assert_eq(sum, 0xffff);
	/* Truncated, non-IP, and tagged frames. */
	cr_assert_eq(vs_bench_payload_offset(buf, 59), -1);
	buf[12] = 0x86;
	buf[13] = 0xdd;
	cr_assert_eq(vs_bench_payload_offset(buf, 60), -1);
	buf[12] = 0x08;
	buf[13] = 0x00;
	memcpy(tagged, buf, 12);
	tagged[12] = 0x81;
	tagged[13] = 0x00;
	tagged[14] = 0x00;
	tagged[15] = 0x64;
	memcpy(tagged + 16, buf + 12, 48);
	cr_assert_eq(vs_bench_payload_offset(tagged, 64), VS_BENCH_HDR_SIZE + 4);
	vs_bench_frame_build(&fl, 1, 1, 1, 1, 1518, buf);
	cr_assert_eq(vs_bench_payload_offset(buf, 1514), VS_BENCH_HDR_SIZE);
	cr_assert_eq(buf[1513], 0);
}

Test(frames, sizes_and_line_rate)
{
	struct vs_bench_sizes s;

	cr_assert_eq(vs_bench_sizes_parse("64", &s), 0);
	cr_assert_float_eq(vs_bench_line_rate_pps(10, &s), 14880952.38, 1);
	cr_assert_eq(vs_bench_sizes_parse("1518", &s), 0);
	cr_assert_float_eq(vs_bench_line_rate_pps(10, &s), 812743.8, 1);
	cr_assert_eq(vs_bench_sizes_parse("imix", &s), 0);
	cr_assert_eq(s.n, 12);
	cr_assert_float_eq(vs_bench_sizes_mean(&s), (7 * 64 + 4 * 570 + 1518) / 12.0, 1e-9);
	cr_assert_lt(vs_bench_sizes_parse("63", &s), 0);
	cr_assert_lt(vs_bench_sizes_parse("1519", &s), 0);
	cr_assert_lt(vs_bench_sizes_parse("64x", &s), 0);
}

Test(frames, pcap_file_round_trip)
{
	struct vs_bench_flows fl;
	struct vs_bench_sizes s;
	char path[] = "/tmp/vs_bench_pcap_XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	uint8_t hdr[24], rec[16], pkt[2048];
	uint32_t n = 0, seq_of_flow0 = 0;

	cr_assert(fd >= 0);
	vs_bench_flows_default(&fl);
	fl.n_flows = 10;
	vs_bench_sizes_parse("imix", &s);
	cr_assert_eq(vs_bench_pcap_write(path, &fl, &s, 25), 0);
	f = fdopen(fd, "r");
	cr_assert_eq(fread(hdr, 1, 24, f), 24);
	while (fread(rec, 1, 16, f) == 16) {
		uint32_t caplen;
		struct vs_bench_payload pl;
		int off;

		memcpy(&caplen, rec + 8, 4);
		cr_assert_eq(caplen, s.size[n % s.n] - 4u);
		cr_assert_eq(fread(pkt, 1, caplen, f), caplen);
		off = vs_bench_payload_offset(pkt, caplen);
		cr_assert_gt(off, 0);
		memcpy(&pl, pkt + off, sizeof(pl));
		cr_assert_eq(pl.flow, n % 10);
		if (pl.flow == 0)
			cr_assert_eq(pl.seq, seq_of_flow0++);
		n++;
	}
	cr_assert_eq(n, 25);
	fclose(f);
	unlink(path);
}

Test(frames, rules_text)
{
	struct vs_bench_flows fl;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	vs_bench_flows_default(&fl);
	fl.n_masks = 3;
	f = open_memstream(&buf, &size);
	cr_assert_eq(vs_bench_rules_print(f, &fl, VS_BENCH_RULES_OFCTL, false, "1", "2"), 0);
	fclose(f);
	cr_assert_str_eq(buf, "priority=100,ip,in_port=1,nw_dst=10.0.0.0/16,actions=output:2\n"
			      "priority=101,ip,in_port=1,nw_dst=10.1.0.0/17,actions=output:2\n"
			      "priority=102,ip,in_port=1,nw_dst=10.2.0.0/18,actions=output:2\n");
	free(buf);
	f = open_memstream(&buf, &size);
	cr_assert_eq(vs_bench_rules_print(f, &fl, VS_BENCH_RULES_YAML, true, "p0", "p1"), 0);
	fclose(f);
	cr_assert_str_eq(buf, "rules:\n  - {priority: 100, match: {in_port: p0}, "
			      "actions: [{output: p1}]}\n");
	free(buf);
}

/* ---- RFC 2544 search against a model device ---- */

struct model {
	double capacity_pps; /* loses nothing up to here */
	double slope;	     /* then loses this fraction of the excess */
	uint32_t calls;
};

static int
model_trial(void *arg, double rate, struct vs_bench_result *r)
{
	struct model *m = arg;
	double sent = rate; /* one-second trials */
	double lost = rate > m->capacity_pps ? (rate - m->capacity_pps) * m->slope : 0;

	m->calls++;
	memset(r, 0, sizeof(*r));
	r->seq.tx = (uint64_t)sent;
	r->seq.lost = (uint64_t)ceil(lost);
	r->seq.rx = r->seq.tx - r->seq.lost;
	r->tx_pkts = r->seq.tx;
	r->rx_pkts = r->seq.rx;
	r->loss_ratio = (double)r->seq.lost / (double)r->seq.tx;
	return 0;
}

Test(rfc2544, ndr_converges_within_resolution)
{
	struct model m = {.capacity_pps = 3.3e6, .slope = 1.0};
	struct vs_bench_search s = {
	    .hi_pps = 10e6, .loss_threshold = 0, .resolution = 0.001, .max_iter = 30};
	struct vs_bench_search_result out;

	cr_assert_eq(vs_bench_search_run(&s, model_trial, &m, &out), 0);
	cr_assert(out.found);
	cr_assert_leq(out.rate_pps, 3.3e6);
	cr_assert_geq(out.rate_pps, 3.3e6 - 0.001 * 10e6);
	cr_assert_eq(out.best.seq.lost, 0);
	cr_assert_eq(out.n_trials, m.calls);
	cr_assert_leq(out.n_trials, 12, "binary search: about log2(1000) trials");
}

Test(rfc2544, pdr_above_ndr)
{
	/* Loses 10 % of the excess past 2 Mpps: 0.5 % loss at 2 Mpps * 1/(1-0.05) ~ 2.105 Mpps. */
	struct model m = {.capacity_pps = 2e6, .slope = 0.1};
	struct vs_bench_search s = {.hi_pps = 4e6, .resolution = 0.001, .max_iter = 30};
	struct vs_bench_search_result ndr, pdr;
	double exact = 2e6 / (1 - 0.05);

	cr_assert_eq(vs_bench_search_run(&s, model_trial, &m, &ndr), 0);
	s.loss_threshold = 0.005;
	s.lo_pps = ndr.rate_pps;
	cr_assert_eq(vs_bench_search_run(&s, model_trial, &m, &pdr), 0);
	cr_assert_gt(pdr.rate_pps, ndr.rate_pps);
	cr_assert_leq(pdr.rate_pps, exact + 1);
	cr_assert_geq(pdr.rate_pps, exact - 0.001 * 4e6);
	cr_assert_leq(pdr.best.loss_ratio, 0.005);
}

Test(rfc2544, ceiling_passes_first_trial)
{
	struct model m = {.capacity_pps = 20e6, .slope = 1};
	struct vs_bench_search s = {.hi_pps = 10e6};
	struct vs_bench_search_result out;

	cr_assert_eq(vs_bench_search_run(&s, model_trial, &m, &out), 0);
	cr_assert_eq(out.n_trials, 1);
	cr_assert_float_eq(out.rate_pps, 10e6, 1e-6);
}

Test(rfc2544, nothing_passes)
{
	struct model m = {.capacity_pps = 0, .slope = 1};
	struct vs_bench_search s = {.hi_pps = 1e6, .max_iter = 8};
	struct vs_bench_search_result out;

	cr_assert_eq(vs_bench_search_run(&s, model_trial, &m, &out), 0);
	cr_assert_not(out.found);
	cr_assert_eq(out.rate_pps, 0);
	cr_assert_eq(out.n_trials, 8);
	s.hi_pps = 0;
	cr_assert_lt(vs_bench_search_run(&s, model_trial, &m, &out), 0);
}

/* ---- reports ---- */

Test(report, csv_and_json_shapes)
{
	struct vs_bench_rfc_row row = {0};
	struct vs_bench_env env = {0};
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	snprintf(row.size, sizeof(row.size), "64");
	row.flows = 1000;
	row.masks = 1;
	row.ndr_pps = 4.5e6;
	row.pdr_pps = 4.75e6;
	row.n_lat = 1;
	row.lat_frac[0] = 0.5;
	row.lat[0].lat_p50_ns = 1234;
	snprintf(env.dpdk, sizeof(env.dpdk), "DPDK 22.11.0");
	snprintf(env.cpu, sizeof(env.cpu), "CPU \"quoted\"");
	f = open_memstream(&buf, &size);
	vs_bench_report_rfc_csv(f, &row, 1);
	fclose(f);
	cr_assert_str_eq(buf, "size,flows,masks,max_mpps,ndr_mpps,ndr_gbps,pdr_mpps,pdr_gbps,"
			      "trials\n"
			      "64,1000,1,0.000000,4.500000,0.0000,4.750000,0.0000,0\n");
	free(buf);
	f = open_memstream(&buf, &size);
	vs_bench_report_rfc_json(f, &env, &row, 1);
	fclose(f);
	cr_assert(strstr(buf, "\"cpu\": \"CPU \\\"quoted\\\"\"") != NULL, "%s", buf);
	cr_assert(strstr(buf, "\"ndr_pps\": 4500000.0") != NULL);
	cr_assert(strstr(buf, "\"p50\": 1234") != NULL);
	free(buf);
}
