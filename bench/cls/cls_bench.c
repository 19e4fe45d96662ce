/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch-cls-bench: classifier micro-benchmark, cycles per packet.
 *
 * Each row builds a rule set (R rules over S distinct masks, unique random
 * priorities, or "banded": more specific masks rank higher), a flow set (F
 * keys, each derived from a random rule so most match, some random so a few
 * miss) and a stream of keys drawn uniformly from the flows; then times
 * vs_cls_lookup_burst() over bursts of 32 and the same rules built into an
 * rte_acl context (rte_acl_classify over the same keys), after a warm-up
 * pass, with rte_rdtsc_precise() over chunks of 16 bursts (the median chunk
 * is reported: robust to preemption on a shared host). Every ACL verdict is
 * checked against ours before timing: a mismatch fails the run.
 *
 * Then the update rate: transactions of 100 deletes + 100 adds committed into
 * a 100k-rule classifier while a reader thread looks up bursts and reports
 * quiescence (its cycles/packet before and during the updates are reported),
 * against rte_acl's build time for the same rules (rte_acl cannot change
 * incrementally: any update is a rebuild).
 *
 * Reported, not asserted. --quick runs a small subset for CI smoke tests.
 */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "vs_cls.h"

#define BURST 32

static bool quick;
static const char *only; /* run only the rows of this scenario */

static uint64_t
rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* ---- rule and flow generation ------------------------------------------------ */

struct bench_rule {
	struct vs_cls_match m;
	int32_t prio;
	uint8_t src_plen, dst_plen;
};

/* Mask number s (distinct for s < 100): IPv4 5-tuple style. */
static void
bench_mask(unsigned s, struct vs_flow_key *m, uint8_t *src_plen, uint8_t *dst_plen)
{
	static const uint8_t pl[5] = {32, 24, 16, 8, 0};
	unsigned sp = s % 5, dp = (s / 5) % 5, proto = (s / 25) % 2, dport = (s / 50) % 2;

	memset(m, 0, sizeof(*m));
	m->in_port = 0xffff;
	m->eth_type = 0xffff;
	*src_plen = pl[sp];
	*dst_plen = pl[dp];
	for (unsigned i = 0; i < pl[sp]; i++)
		m->ip_src[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	for (unsigned i = 0; i < pl[dp]; i++)
		m->ip_dst[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	if (proto == 0) {
		m->ip_proto = 0xff;
		if (dport == 0)
			m->l4_dst = 0xffff;
	}
}

static void
random_v4_key(uint64_t *rng, struct vs_flow_key *k)
{
	uint64_t r = rnd(rng);

	memset(k, 0, sizeof(*k));
	k->in_port = (uint16_t)(r % 4);
	k->eth_type = 0x0800;
	k->ip_proto = (r >> 8) & 1 ? 6 : 17;
	k->l4_src = (uint16_t)(r >> 16);
	k->l4_dst = (uint16_t)(r >> 32) % 1024;
	r = rnd(rng);
	k->ip_src[0] = 10;
	k->ip_src[1] = (uint8_t)r;
	k->ip_src[2] = (uint8_t)(r >> 8);
	k->ip_src[3] = (uint8_t)(r >> 16);
	k->ip_dst[0] = 192;
	k->ip_dst[1] = (uint8_t)(r >> 24);
	k->ip_dst[2] = (uint8_t)(r >> 32);
	k->ip_dst[3] = (uint8_t)(r >> 40);
}

/* banded: every rule of mask m outranks every rule of mask m + 1 (more
 * specific masks first, as LPM-like and many firewall sets are); otherwise
 * priorities are a random permutation (no subtable can be pruned). */
static void
make_rules(uint64_t seed, unsigned n, unsigned n_masks, bool banded, struct bench_rule *rules)
{
	uint64_t rng = seed;
	int32_t *perm = malloc(sizeof(*perm) * n);

	/* Unique priorities: the ACL's tie-breaking need not match ours. */
	for (unsigned i = 0; i < n; i++)
		perm[i] = (int32_t)i + 1;
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)(rnd(&rng) % (i + 1));
		int32_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (unsigned i = 0; i < n; i++) {
		struct bench_rule *r = &rules[i];
		const vs_flow_word_t *mw;
		vs_flow_word_t *kw;

		/* Mask 0 first in the round so masks are spread evenly. */
		bench_mask(i % n_masks + 1, &r->m.mask, &r->src_plen, &r->dst_plen);
		random_v4_key(&rng, &r->m.key);
		mw = vs_flow_key_words(&r->m.mask);
		kw = vs_flow_key_words_rw(&r->m.key);
		for (unsigned w = 0; w < VS_FLOW_KEY_WORDS; w++)
			kw[w] &= mw[w];
		r->prio = perm[i];
		if (banded)
			r->prio += (int32_t)((n_masks - i % n_masks) * n);
	}
	free(perm);
}

/* Flows: 7 in 8 derived from a rule (they match it, maybe others), 1 random. */
static void
make_flows(uint64_t seed, unsigned n, const struct bench_rule *rules, unsigned n_rules,
	   struct vs_flow_key *flows)
{
	uint64_t rng = seed;

	for (unsigned i = 0; i < n; i++) {
		struct vs_flow_key *k = &flows[i];

		random_v4_key(&rng, k);
		if (rnd(&rng) % 8 != 0) {
			const struct bench_rule *r = &rules[rnd(&rng) % n_rules];
			const vs_flow_word_t *mw = vs_flow_key_words(&r->m.mask);
			const vs_flow_word_t *vw = vs_flow_key_words(&r->m.key);
			vs_flow_word_t *kw = vs_flow_key_words_rw(k);

			for (unsigned w = 0; w < VS_FLOW_KEY_WORDS; w++)
				kw[w] = (kw[w] & ~mw[w]) | vw[w];
		}
	}
}

/* ---- rte_acl peer ------------------------------------------------------------- */

/* The first field is one byte; then every input_index is a fully covered
 * group of 4 consecutive bytes (F_VLAN and F_PAD only complete groups). */
enum { F_PROTO, F_PORT, F_VLAN, F_ETYPE, F_PAD, F_SRC, F_DST, F_L4SRC, F_L4DST, F_NUM };
RTE_ACL_RULE_DEF(bench_acl_rule, F_NUM);

static const struct rte_acl_field_def acl_defs[F_NUM] = {
    {.type = RTE_ACL_FIELD_TYPE_BITMASK,
     .size = 1,
     .field_index = F_PROTO,
     .input_index = 0,
     .offset = offsetof(struct vs_flow_key, ip_proto)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK,
     .size = 2,
     .field_index = F_PORT,
     .input_index = 1,
     .offset = offsetof(struct vs_flow_key, in_port)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK,
     .size = 2,
     .field_index = F_VLAN,
     .input_index = 1,
     .offset = offsetof(struct vs_flow_key, vlan_tci)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK,
     .size = 2,
     .field_index = F_ETYPE,
     .input_index = 2,
     .offset = offsetof(struct vs_flow_key, eth_type)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK,
     .size = 2,
     .field_index = F_PAD,
     .input_index = 2,
     .offset = offsetof(struct vs_flow_key, ip_proto)},
    {.type = RTE_ACL_FIELD_TYPE_MASK,
     .size = 4,
     .field_index = F_SRC,
     .input_index = 3,
     .offset = offsetof(struct vs_flow_key, ip_src)},
    {.type = RTE_ACL_FIELD_TYPE_MASK,
     .size = 4,
     .field_index = F_DST,
     .input_index = 4,
     .offset = offsetof(struct vs_flow_key, ip_dst)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK,
     .size = 2,
     .field_index = F_L4SRC,
     .input_index = 5,
     .offset = offsetof(struct vs_flow_key, l4_src)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK,
     .size = 2,
     .field_index = F_L4DST,
     .input_index = 5,
     .offset = offsetof(struct vs_flow_key, l4_dst)},
};

/* ACL reads multi-byte fields most significant byte first (network order);
 * our 16-bit fields are host order in the key, so their bytes are swapped. */
static void
acl_rule_of(const struct bench_rule *r, uint32_t userdata, struct bench_acl_rule *a)
{
	uint32_t src, dst;

	memset(a, 0, sizeof(*a));
	a->data.category_mask = 1;
	a->data.priority = r->prio;
	a->data.userdata = userdata;
	a->field[F_PROTO].value.u8 = r->m.key.ip_proto;
	a->field[F_PROTO].mask_range.u8 = r->m.mask.ip_proto;
	a->field[F_PORT].value.u16 = rte_bswap16(r->m.key.in_port);
	a->field[F_PORT].mask_range.u16 = rte_bswap16(r->m.mask.in_port);
	a->field[F_VLAN].value.u16 = rte_bswap16(r->m.key.vlan_tci);
	a->field[F_VLAN].mask_range.u16 = rte_bswap16(r->m.mask.vlan_tci);
	a->field[F_ETYPE].value.u16 = rte_bswap16(r->m.key.eth_type);
	a->field[F_ETYPE].mask_range.u16 = rte_bswap16(r->m.mask.eth_type);
	memcpy(&src, r->m.key.ip_src, 4);
	memcpy(&dst, r->m.key.ip_dst, 4);
	a->field[F_SRC].value.u32 = rte_be_to_cpu_32(src);
	a->field[F_SRC].mask_range.u32 = r->src_plen;
	a->field[F_DST].value.u32 = rte_be_to_cpu_32(dst);
	a->field[F_DST].mask_range.u32 = r->dst_plen;
	a->field[F_L4SRC].value.u16 = rte_bswap16(r->m.key.l4_src);
	a->field[F_L4SRC].mask_range.u16 = rte_bswap16(r->m.mask.l4_src);
	a->field[F_L4DST].value.u16 = rte_bswap16(r->m.key.l4_dst);
	a->field[F_L4DST].mask_range.u16 = rte_bswap16(r->m.mask.l4_dst);
}

static struct rte_acl_ctx *
acl_build(const struct bench_rule *rules, unsigned n, double *build_ms)
{
	static unsigned seq;
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_param ap = {
	    .name = name,
	    .socket_id = SOCKET_ID_ANY,
	    .rule_size = RTE_ACL_RULE_SZ(F_NUM),
	    .max_rule_num = n,
	};
	struct rte_acl_config cfg = {.num_categories = 1, .num_fields = F_NUM};
	struct bench_acl_rule *ar = malloc(sizeof(*ar) * n);
	struct rte_acl_ctx *ctx;
	uint64_t t0;
	int ret;

	snprintf(name, sizeof(name), "bench_acl%u", seq++);
	ctx = rte_acl_create(&ap);
	if (ctx == NULL || ar == NULL) {
		fprintf(stderr, "rte_acl_create: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	for (unsigned i = 0; i < n; i++)
		acl_rule_of(&rules[i], i + 1, &ar[i]);
	memcpy(cfg.defs, acl_defs, sizeof(acl_defs));
	t0 = rte_rdtsc_precise();
	ret = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)ar, n);
	if (ret == 0)
		ret = rte_acl_build(ctx, &cfg);
	*build_ms = (double)(rte_rdtsc_precise() - t0) * 1e3 / (double)rte_get_tsc_hz();
	free(ar);
	if (ret != 0) {
		fprintf(stderr, "rte_acl build: %s\n", strerror(-ret));
		exit(1);
	}
	return ctx;
}

/* ---- one row of the matrix ------------------------------------------------------ */

struct row {
	const char *scenario;
	unsigned rules, masks, flows;
	uint32_t emc;
	bool banded;
};

static struct vs_cls *
cls_build(const struct bench_rule *rules, unsigned n, unsigned spare, struct rte_rcu_qsbr *q,
	  struct vs_cls_rule **out)
{
	static unsigned seq;
	char name[32];
	struct vs_cls_params p = {
	    .name = name,
	    .max_rules = n + spare,
	    .socket_id = SOCKET_ID_ANY,
	    .qsbr = q,
	};
	struct vs_cls *cls;
	struct vs_cls_txn *t;

	snprintf(name, sizeof(name), "bench%u", seq++);
	cls = vs_cls_create(&p);
	if (cls == NULL) {
		perror("vs_cls_create");
		exit(1);
	}
	t = vs_cls_txn_begin(cls);
	for (unsigned i = 0; i < n; i++) {
		int ret = vs_cls_rule_add(t, &rules[i].m, rules[i].prio, i, NULL,
					  out != NULL ? &out[i] : NULL);

		if (ret != 0) {
			fprintf(stderr, "vs_cls_rule_add: %s\n", strerror(-ret));
			exit(1);
		}
	}
	if (vs_cls_txn_commit(t) != 0) {
		fprintf(stderr, "commit failed\n");
		exit(1);
	}
	return cls;
}

#define CHUNK_BURSTS 16u
#define TIME_REPS    5u /* timed passes over the stream per side and row */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t tsc_overhead; /* cycles of an empty rte_rdtsc_precise() pair */

static void
calibrate_tsc(void)
{
	uint64_t best = UINT64_MAX;

	for (unsigned i = 0; i < 10000; i++) {
		uint64_t t0 = rte_rdtsc_precise();
		uint64_t t1 = rte_rdtsc_precise();

		best = RTE_MIN(best, t1 - t0);
	}
	tsc_overhead = best;
}

/*
 * Median cycles of a chunk of CHUNK_BURSTS bursts: ours when ctx is set, else
 * rte_acl's. Each burst's keys are first copied from the stream into a burst
 * array (as key extraction would leave them, in L1), outside the timed region;
 * only the lookup is timed, less the timer's own overhead.
 */
static uint64_t
time_chunks(unsigned stream_len, uint64_t *cyc, struct vs_cls_ctx *ctx,
	    const struct vs_flow_key *stream, const struct vs_cls_rule **out,
	    const struct rte_acl_ctx *acl, uint32_t *res)
{
	static struct vs_flow_key burst[BURST] __rte_cache_aligned;
	const uint8_t *bptr[BURST];
	unsigned n_chunks = stream_len / (CHUNK_BURSTS * BURST), c;

	for (unsigned i = 0; i < BURST; i++)
		bptr[i] = (const uint8_t *)&burst[i];
	for (c = 0; c < n_chunks; c++) {
		uint64_t sum = 0;

		for (unsigned b = 0; b < CHUNK_BURSTS; b++) {
			uint64_t t0, t1;

			memcpy(burst, &stream[(c * CHUNK_BURSTS + b) * BURST], sizeof(burst));
			t0 = rte_rdtsc_precise();
			if (ctx != NULL)
				vs_cls_lookup_burst(ctx, burst, BURST, out);
			else
				rte_acl_classify(acl, bptr, res, BURST, 1);
			t1 = rte_rdtsc_precise();
			sum += t1 - t0 > tsc_overhead ? t1 - t0 - tsc_overhead : 0;
		}
		cyc[c] = sum;
	}
	qsort(cyc, n_chunks, sizeof(*cyc), cmp_u64);
	return cyc[n_chunks / 2];
}

static void
run_row(const struct row *rw, unsigned stream_len)
{
	struct bench_rule *rules = malloc(sizeof(*rules) * rw->rules);
	struct vs_flow_key *flows = aligned_alloc(64, sizeof(*flows) * rw->flows);
	struct vs_flow_key *stream = aligned_alloc(64, sizeof(*stream) * stream_len);
	const uint8_t **ptrs = malloc(sizeof(*ptrs) * stream_len);
	uint64_t *chunk_cyc = malloc(sizeof(uint64_t) * (stream_len / (CHUNK_BURSTS * BURST) + 1));
	struct vs_cls_ctx_params cp = {.emc_entries = rw->emc, .socket_id = SOCKET_ID_ANY};
	struct vs_cls_rule **crules = malloc(sizeof(*crules) * rw->rules);
	const struct vs_cls_rule *out[BURST];
	uint32_t res[BURST];
	struct vs_cls_ctx_stats st;
	struct rte_acl_ctx *acl;
	struct vs_cls_ctx *ctx;
	struct vs_cls *cls;
	uint64_t rng = 0x1234567 + rw->flows, cyc_cls, cyc_acl, mism = 0, matched = 0;
	uint64_t rep_cls[TIME_REPS], rep_acl[TIME_REPS];
	double build_ms;

	if (!rules || !flows || !stream || !ptrs || !crules || !chunk_cyc) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	make_rules(0xbe11c4 + rw->rules * 131 + rw->masks, rw->rules, rw->masks, rw->banded, rules);
	make_flows(0xf10f + rw->flows, rw->flows, rules, rw->rules, flows);
	for (unsigned i = 0; i < stream_len; i++) {
		stream[i] = flows[rw->flows > 1 ? rnd(&rng) % rw->flows : 0];
		ptrs[i] = (const uint8_t *)&stream[i];
	}
	cls = cls_build(rules, rw->rules, 4096, NULL, crules);
	ctx = vs_cls_ctx_create(cls, &cp);
	acl = acl_build(rules, rw->rules, &build_ms);
	if (ctx == NULL) {
		perror("vs_cls_ctx_create");
		exit(1);
	}
	/* Same verdicts (and warm-up of both). */
	for (unsigned i = 0; i + BURST <= stream_len; i += BURST) {
		vs_cls_lookup_burst(ctx, &stream[i], BURST, out);
		rte_acl_classify(acl, &ptrs[i], res, BURST, 1);
		for (unsigned j = 0; j < BURST; j++) {
			const struct vs_cls_rule *want = res[j] ? crules[res[j] - 1] : NULL;

			mism += out[j] != want;
			matched += out[j] != NULL;
		}
	}
	if (mism != 0) {
		fprintf(stderr, "%s: %" PRIu64 " verdicts differ from rte_acl\n", rw->scenario,
			mism);
		exit(1);
	}
	/* Timed in chunks of CHUNK_BURSTS bursts; the median chunk is reported,
	 * so chunks in which another process preempted us (shared hosts) do not
	 * count. A pass over the stream is one run per chunk, in stream order. */
	/* Alternately, TIME_REPS times each: a slow spell of a shared host
	 * then slows both sides, not one, and the medians skip it. */
	for (unsigned rep = 0; rep < TIME_REPS; rep++) {
		rep_cls[rep] = time_chunks(stream_len, chunk_cyc, ctx, stream, out, NULL, NULL);
		rep_acl[rep] = time_chunks(stream_len, chunk_cyc, NULL, stream, NULL, acl, res);
	}
	qsort(rep_cls, TIME_REPS, sizeof(uint64_t), cmp_u64);
	qsort(rep_acl, TIME_REPS, sizeof(uint64_t), cmp_u64);
	cyc_cls = rep_cls[TIME_REPS / 2];
	cyc_acl = rep_acl[TIME_REPS / 2];
	vs_cls_ctx_stats_get(ctx, &st);

	double c = (double)cyc_cls / (CHUNK_BURSTS * BURST);
	double a = (double)cyc_acl / (CHUNK_BURSTS * BURST);
	unsigned n_pk = stream_len / BURST * BURST;

	printf("%-10s %7u %4u %8u %5s %9.1f %9.1f %6.2f %5.1f%% %4u %6.1f%%\n", rw->scenario,
	       rw->rules, vs_cls_subtables(cls, NULL, 0, NULL, 0), rw->flows,
	       rw->emc ? "on" : "off", c, a, c / a,
	       st.lookups ? 100.0 * (double)st.emc_hits / (double)st.lookups : 0.0,
	       st.emc_insert_shift, 100.0 * (double)matched / (double)n_pk);
	fflush(stdout);
	vs_cls_ctx_destroy(ctx);
	vs_cls_destroy(cls);
	rte_acl_free(acl);
	free(chunk_cyc);
	free(crules);
	free(ptrs);
	free(stream);
	free(flows);
	free(rules);
}

/* ---- update rate -------------------------------------------------------------- */

#define UPD_MAX_CHUNKS 65536u
#define UPD_FLOWS      100000u /* the target's active flows */

struct upd_reader {
	struct vs_cls_ctx *ctx;
	struct rte_rcu_qsbr *q;
	const struct vs_flow_key *keys;
	unsigned n_keys;
	bool stop;
	unsigned phase; /* 0: writer idle, 1: updates running, 2: done */
	uint64_t lookups;
	uint64_t *chunk[2]; /* cycles per chunk of CHUNK_BURSTS bursts, by phase */
	unsigned n_chunk[2];
};

static void *
upd_reader_main(void *arg)
{
	struct upd_reader *u = arg;
	static struct vs_flow_key burst[BURST] __rte_cache_aligned;
	const struct vs_cls_rule *out[BURST];
	unsigned i = 0;

	rte_rcu_qsbr_thread_register(u->q, 0);
	rte_rcu_qsbr_thread_online(u->q, 0);
	while (!__atomic_load_n(&u->stop, __ATOMIC_RELAXED)) {
		unsigned ph = __atomic_load_n(&u->phase, __ATOMIC_RELAXED);
		uint64_t sum = 0;

		/* Timed like the matrix rows: copy outside, lookup inside. */
		for (unsigned b = 0; b < CHUNK_BURSTS; b++) {
			uint64_t t0, t1;

			memcpy(burst, &u->keys[i], sizeof(burst));
			t0 = rte_rdtsc_precise();
			vs_cls_lookup_burst(u->ctx, burst, BURST, out);
			t1 = rte_rdtsc_precise();
			sum += t1 - t0 > tsc_overhead ? t1 - t0 - tsc_overhead : 0;
			i = (i + BURST) % (u->n_keys - BURST);
			/* Results used: report quiescence once per burst, as a worker. */
			rte_rcu_qsbr_quiescent(u->q, 0);
		}
		u->lookups += CHUNK_BURSTS * BURST;
		if (ph < 2) {
			unsigned c = __atomic_load_n(&u->n_chunk[ph], __ATOMIC_SEQ_CST);

			if (c < UPD_MAX_CHUNKS) {
				u->chunk[ph][c] = sum;
				__atomic_store_n(&u->n_chunk[ph], c + 1, __ATOMIC_SEQ_CST);
			}
		}
	}
	rte_rcu_qsbr_thread_offline(u->q, 0);
	rte_rcu_qsbr_thread_unregister(u->q, 0);
	return NULL;
}

static void
run_update(unsigned n_rules, unsigned masks, unsigned n_txn, unsigned per_txn)
{
	unsigned n_spare = n_txn * per_txn;
	struct bench_rule *rules = malloc(sizeof(*rules) * (n_rules + n_spare));
	struct vs_cls_rule **live = malloc(sizeof(*live) * (n_rules + n_spare));
	struct vs_flow_key *keys = aligned_alloc(64, sizeof(*keys) * UPD_FLOWS);
	uint64_t *acl_cyc = malloc(sizeof(uint64_t) * (UPD_FLOWS / (CHUNK_BURSTS * BURST) + 1));
	uint32_t acl_res[BURST];
	size_t qsz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *q = rte_zmalloc(NULL, qsz, RTE_CACHE_LINE_SIZE);
	struct vs_cls_ctx_params cp = {.emc_entries = 8192, .socket_id = SOCKET_ID_ANY};
	struct upd_reader u = {0};
	uint64_t *txn_cyc = malloc(sizeof(uint64_t) * n_txn);
	struct vs_cls *cls;
	pthread_t tid;
	uint64_t t0, cyc;
	double acl_ms, acl_pkt, secs;
	unsigned head = 0, next = n_rules;
	struct rte_acl_ctx *acl;

	if (!rules || !live || !keys || !acl_cyc || !q || !txn_cyc ||
	    rte_rcu_qsbr_init(q, 1) != 0) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	make_rules(0x0bda7e, n_rules + n_spare, masks, false, rules);
	make_flows(0xf1, UPD_FLOWS, rules, n_rules, keys);
	/* Room for the rules deleted but not yet reclaimed (the default
	 * max_rules of 65536 leaves as much on a 100k-rule set). */
	cls = cls_build(rules, n_rules, 65536, q, live);
	acl = acl_build(rules, n_rules, &acl_ms);
	/* The peer's lookup of the same keys on the initial rules, for the
	 * target ratio (rte_acl cannot take the updates). */
	time_chunks(UPD_FLOWS, acl_cyc, NULL, keys, NULL, acl, acl_res);
	acl_pkt = (double)time_chunks(UPD_FLOWS, acl_cyc, NULL, keys, NULL, acl, acl_res) /
		  (CHUNK_BURSTS * BURST);
	rte_acl_free(acl);
	u.ctx = vs_cls_ctx_create(cls, &cp);
	u.chunk[0] = malloc(sizeof(uint64_t) * UPD_MAX_CHUNKS);
	u.chunk[1] = malloc(sizeof(uint64_t) * UPD_MAX_CHUNKS);
	if (u.chunk[0] == NULL || u.chunk[1] == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	u.q = q;
	u.keys = keys;
	u.n_keys = UPD_FLOWS;
	if (u.ctx == NULL || pthread_create(&tid, NULL, upd_reader_main, &u) != 0) {
		fprintf(stderr, "reader start failed\n");
		exit(1);
	}
	/* The reader's cost with the writer idle first. */
	while (__atomic_load_n(&u.n_chunk[0], __ATOMIC_SEQ_CST) < 2000)
		sched_yield();
	__atomic_store_n(&u.phase, 1, __ATOMIC_SEQ_CST);
	t0 = rte_rdtsc_precise();
	for (unsigned t = 0; t < n_txn; t++) {
		uint64_t tt = rte_rdtsc_precise();
		struct vs_cls_txn *txn;
		int ret;

		while ((txn = vs_cls_txn_begin(cls)) == NULL)
			;
		for (unsigned i = 0; i < per_txn; i++) {
			ret = vs_cls_rule_del(txn, live[head + i]);
			if (ret != 0) {
				fprintf(stderr, "del: %s\n", strerror(-ret));
				exit(1);
			}
		}
		for (unsigned i = 0; i < per_txn; i++) {
			struct bench_rule *r = &rules[next + i];

			ret = vs_cls_rule_add(txn, &r->m, r->prio, next + i, NULL, &live[next + i]);
			while (ret == -ENOSPC) {
				/* Deleted rules wait for the reader's grace period. */
				sched_yield();
				vs_cls_reclaim(cls);
				ret = vs_cls_rule_add(txn, &r->m, r->prio, next + i, NULL,
						      &live[next + i]);
			}
			if (ret != 0) {
				fprintf(stderr, "add: %s\n", strerror(-ret));
				exit(1);
			}
		}
		head += per_txn;
		next += per_txn;
		if (vs_cls_txn_commit(txn) != 0) {
			fprintf(stderr, "commit failed\n");
			exit(1);
		}
		vs_cls_reclaim(cls);
		txn_cyc[t] = rte_rdtsc_precise() - tt;
	}
	cyc = rte_rdtsc_precise() - t0;
	__atomic_store_n(&u.phase, 2, __ATOMIC_SEQ_CST);
	qsort(txn_cyc, n_txn, sizeof(*txn_cyc), cmp_u64);
	__atomic_store_n(&u.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(tid, NULL);
	secs = (double)cyc / (double)rte_get_tsc_hz();
	printf("update     %7u %4u  txns of %u del + %u add: %.0f rules/s committed "
	       "(median txn; overall %.0f/s), %u commits in %.3f s, reader %.1f Mlookups/s\n",
	       n_rules, masks, per_txn, per_txn,
	       (double)per_txn * (double)rte_get_tsc_hz() / (double)txn_cyc[n_txn / 2],
	       (double)n_txn * per_txn / secs, n_txn, secs,
	       (double)__atomic_load_n(&u.n_chunk[1], __ATOMIC_SEQ_CST) * CHUNK_BURSTS * BURST /
		   secs / 1e6);
	for (unsigned ph = 0; ph < 2; ph++) {
		unsigned nc = __atomic_load_n(&u.n_chunk[ph], __ATOMIC_SEQ_CST);

		qsort(u.chunk[ph], nc, sizeof(uint64_t), cmp_u64);
		if (nc == 0) {
			printf("update     %7u %4u  reader lookup %s: no complete chunk\n", n_rules,
			       masks, ph == 0 ? "before updates" : "during updates");
			continue;
		}
		printf("update     %7u %4u  reader lookup %s: %.1f cycles/pkt, %.2f x rte_acl "
		       "(median of %u chunks, EMC on, %u flows)\n",
		       n_rules, masks, ph == 0 ? "before updates" : "during updates",
		       (double)u.chunk[ph][nc / 2] / (CHUNK_BURSTS * BURST),
		       (double)u.chunk[ph][nc / 2] / (CHUNK_BURSTS * BURST) / acl_pkt, nc,
		       UPD_FLOWS);
	}
	printf("update     %7u %4u  rte_acl lookup of the same keys: %.1f cycles/pkt "
	       "(the initial rules)\n",
	       n_rules, masks, acl_pkt);
	printf("update     %7u %4u  rte_acl build of the same rules: %.1f ms "
	       "(at most %.1f rebuilds/s)\n",
	       n_rules, masks, acl_ms, 1e3 / acl_ms);
	vs_cls_ctx_destroy(u.ctx);
	while (vs_cls_reclaim(cls) != 0)
		;
	vs_cls_destroy(cls);
	rte_free(q);
	free(u.chunk[0]);
	free(u.chunk[1]);
	free(txn_cyc);
	free(acl_cyc);
	free(keys);
	free(live);
	free(rules);
}

static void
usage(const char *prog)
{
	printf("usage: %s [EAL args --] [--quick]\n"
	       "  --quick      a small subset of the matrix (CI smoke test, a few seconds)\n"
	       "  --only NAME  only the rows of scenario NAME (emc-hit, subtables, rules,\n"
	       "               flows, target, banded, update)\n",
	       prog);
}

int
main(int argc, char **argv)
{
	static const struct row full[] = {
	    {"emc-hit", 1000, 16, 1000, 8192},
	    {"subtables", 1000, 1, 100000, 0},
	    {"subtables", 1000, 4, 100000, 0},
	    {"subtables", 1000, 16, 100000, 0},
	    {"subtables", 1000, 32, 100000, 0},
	    {"rules", 10, 16, 100000, 0},
	    {"rules", 1000, 16, 100000, 0},
	    {"rules", 100000, 16, 100000, 0},
	    {"flows", 1000, 16, 1, 8192},
	    {"flows", 1000, 16, 1000, 8192},
	    {"flows", 1000, 16, 100000, 8192},
	    {"flows", 1000, 16, 1000000, 8192},
	    {"target", 100000, 16, 100000, 8192},
	    {"banded", 1000, 16, 100000, 0, true},
	    {"banded", 100000, 16, 100000, 8192, true},
	};
	static const struct row small[] = {
	    {"emc-hit", 100, 4, 100, 8192},
	    {"subtables", 100, 4, 1000, 0},
	    {"flows", 100, 4, 10000, 8192},
	};
	char *eal_argv[] = {
	    argv[0],
	    "--no-huge",
	    "-m",
	    "3072",
	    "--no-shconf",
	    "--no-pci",
	    "--no-telemetry",
	    "--log-level=*:warning",
	    "-l",
	    "0",
	    NULL,
	};
	int eal_argc = 10, ret, opt;
	const struct row *rows;
	unsigned n_rows, stream;
	static const struct option longopts[] = {
	    {"quick", no_argument, NULL, 'q'},
	    {"only", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};

	/* EAL arguments may be given before "--"; defaults otherwise. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			ret = rte_eal_init(i, argv);
			if (ret < 0)
				return 1;
			argc -= i;
			argv += i;
			eal_argc = -1;
			break;
		}
	}
	if (eal_argc > 0 && rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "qho:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quick = true;
			break;
		case 'o':
			only = optarg;
			break;
		case 'h':
			usage(argv[0]);
			return 0;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	rows = quick ? small : full;
	n_rows = quick ? RTE_DIM(small) : RTE_DIM(full);
	stream = quick ? 65536 : 1u << 20;
	calibrate_tsc();
	printf("# nfvswitch classifier micro-benchmark: cycles/packet, bursts of %u, "
	       "TSC %.2f GHz\n",
	       BURST, (double)rte_get_tsc_hz() / 1e9);
	printf("%-10s %7s %4s %8s %5s %9s %9s %6s %6s %4s %7s\n", "scenario", "rules", "subt",
	       "flows", "emc", "nfvswitch", "rte_acl", "ratio", "emc%", "shft", "match%");
	for (unsigned i = 0; i < n_rows; i++)
		if (only == NULL || strcmp(only, rows[i].scenario) == 0)
			run_row(&rows[i], stream);
	if (only != NULL && strcmp(only, "update") != 0)
		;
	else if (quick)
		run_update(2000, 4, 400, 50);
	else {
		run_update(1000, 16, 500, 100);
		run_update(100000, 16, 500, 100);
	}
	rte_eal_cleanup();
	return 0;
}
