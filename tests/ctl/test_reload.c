/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reload through the daemon's own path (vs_daemon_reload: load the file,
 * diff, vs_switch_apply) on a running switch over DPDK ring ports, in
 * process. A worker forwards on lcore 1 while a thread injects a steady
 * stream and another collects what comes out.
 *
 * Generation A sends everything to outa stamped eth_src 02:..:0a, generation
 * B to outb stamped 02:..:0b; in both, packets to 10.0.0.99 are dropped by a
 * rule. Every packet must come out exactly once or be counted as a drop, and
 * carry the stamp of the generation whose port it left by.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "vs_ctl.h"

#define N_RINGS	 4 /* in0, outa, outb, outc */
#define MAX_SEQ	 (1u << 21)
#define DROP_DST 99 /* 10.0.0.99: dropped by rule */

static const char *const ring_names[N_RINGS] = {"in0", "outa", "outb", "outc"};
static struct rte_ring *rx_ring[N_RINGS], *tx_ring[N_RINGS];
static struct rte_mempool *pool;
static char dir[64], file[128];

static void
setup(void)
{
	char prefix[64];
	char *argv[] = {
	    "test_ctl_reload", "--no-huge", "-m",  "512",	    "--no-shconf", "--no-pci",
	    "--no-telemetry",  "-l",	    "0,1", "--file-prefix", prefix,	   "--log-level",
	    "*:warning",       NULL};
	unsigned i;

	snprintf(prefix, sizeof(prefix), "vs_ctl_rl_%d", getpid());
	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv), 0);
	pool = rte_pktmbuf_pool_create("test_pool", 32767, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool);
	for (i = 0; i < N_RINGS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "rx_%s", ring_names[i]);
		rx_ring[i] = rte_ring_create(name, 4096, SOCKET_ID_ANY, 0);
		snprintf(name, sizeof(name), "tx_%s", ring_names[i]);
		tx_ring[i] = rte_ring_create(name, 16384, SOCKET_ID_ANY, 0);
		cr_assert(rx_ring[i] && tx_ring[i]);
		cr_assert_geq(rte_eth_from_rings(ring_names[i], &rx_ring[i], 1, &tx_ring[i], 1, 0),
			      0);
	}
	snprintf(dir, sizeof(dir), "/tmp/vs-ctl-reload-%d", getpid());
	cr_assert(mkdir(dir, 0700) == 0 || errno == EEXIST);
	snprintf(file, sizeof(file), "%s/switch.yaml", dir);
}

struct rig {
	struct vs_config *cfg;
	struct vs_switch *sw;
	struct vs_daemon d;
};

static struct rig *live_rig; /* stopped by teardown when a test fails midway */

static void
teardown(void)
{
	if (live_rig != NULL && live_rig->sw != NULL)
		vs_switch_stop(live_rig->sw);
	char run_dir[PATH_MAX];

	unlink(file);
	rmdir(dir);
	/* The EAL makes its runtime directory even with --no-shconf. */
	snprintf(run_dir, sizeof(run_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(run_dir);
}

#define HEAD                                                                                       \
	"workers: [{lcore: 1}]\n"                                                                  \
	"ports:\n"                                                                                 \
	"  - {name: in0, type: ethdev, device: net_ring_in0}\n"                                    \
	"  - {name: outa, type: ethdev, device: net_ring_outa}\n"                                  \
	"  - {name: outb, type: ethdev, device: net_ring_outb}\n"

#define DROP_RULE                                                                                  \
	"  - {name: drop99, priority: 100, match: {in_port: in0, ip_dst: 10.0.0.99/32}, "          \
	"actions: [drop]}\n"

static const char *gen_a =
    HEAD "rules:\n" DROP_RULE "  - {name: gen-a, priority: 10, match: {in_port: in0},\n"
	 "     actions: [{set_eth_src: \"02:00:00:00:00:0a\"}, {output: outa}]}\n";
static const char *gen_b =
    HEAD "rules:\n" DROP_RULE "  - {name: gen-b, priority: 10, match: {in_port: in0},\n"
	 "     actions: [{set_eth_src: \"02:00:00:00:00:0b\"}, {output: outb}]}\n";

static void
write_file(const char *text)
{
	char tmp[160];
	FILE *f;

	/* Atomic replace, as an editor or a config manager does. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(rename(tmp, file), 0);
}

static void
rig_up(struct rig *r, const char *yaml)
{
	struct vs_cfg_error err;

	live_rig = r;
	write_file(yaml);
	memset(&err, 0, sizeof(err));
	r->cfg = vs_config_load(file, &err);
	cr_assert_not_null(r->cfg, "%s", err.msg);
	r->sw = vs_switch_create(r->cfg);
	cr_assert_not_null(r->sw);
	cr_assert_eq(vs_switch_apply(r->sw, r->cfg), 0);
	cr_assert_eq(vs_switch_start(r->sw), 0);
	cr_assert_eq(vs_daemon_init(&r->d, r->sw, r->cfg, file), 0);
}

static void
rig_down(struct rig *r)
{
	vs_switch_destroy(r->sw);
	r->sw = NULL;
	vs_daemon_fini(&r->d);
	vs_config_free(r->cfg);
	live_rig = NULL;
}

/* ---- traffic ------------------------------------------------------------------------- */

static bool inject_stop, collect_stop;
static uint64_t sent, sent_drop, recv_pkts[N_RINGS], bad_stamp, bad_frame;
static uint8_t seen[MAX_SEQ];	/* times each seq came out */
static uint8_t gen_of[MAX_SEQ]; /* 'a' or 'b' */

static struct rte_mbuf *
mk_pkt(uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p, dst = seq % 10 == 7 ? DROP_DST : 1;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, 64);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, 64);
	p[0] = 0x02, p[5] = 0x02;			  /* dst 02:00:00:00:00:02 */
	p[6] = 0x02, p[11] = 0x01;			  /* src 02:00:00:00:00:01 */
	p[12] = 0x08;					  /* IPv4 */
	p[14] = 0x45, p[17] = 50, p[22] = 64, p[23] = 17; /* len 50, ttl, udp */
	p[26] = 10, p[27] = 9, p[29] = 1;		  /* 10.9.0.1 */
	p[30] = 10, p[33] = dst;			  /* 10.0.0.dst */
	p[34] = 0x04, p[35] = 0xd2, p[37] = 80, p[39] = 30;
	memcpy(p + 42, &seq, sizeof(seq));
	return m;
}

static void *
injector(void *arg)
{
	uint32_t seq = 0;

	(void)arg;
	while (!__atomic_load_n(&inject_stop, __ATOMIC_SEQ_CST) && seq + 32 < MAX_SEQ) {
		struct rte_mbuf *b[32];
		struct timespec nap = {0, 20000};
		unsigned n = 0, k = 0;

		while (n < 32) {
			b[n] = mk_pkt(seq + n);
			if (b[n] == NULL)
				break;
			n++;
		}
		while (k < n && !__atomic_load_n(&inject_stop, __ATOMIC_SEQ_CST))
			k += rte_ring_enqueue_burst(rx_ring[0], (void **)b + k, n - k, NULL);
		if (k < n)
			rte_pktmbuf_free_bulk(b + k, n - k);
		for (unsigned i = 0; i < k; i++)
			if ((seq + i) % 10 == 7)
				__atomic_fetch_add(&sent_drop, 1, __ATOMIC_SEQ_CST);
		seq += k;
		__atomic_store_n(&sent, seq, __ATOMIC_SEQ_CST);
		nanosleep(&nap, NULL);
	}
	return NULL;
}

static void
collect_once(void)
{
	static const uint8_t stamp[N_RINGS] = {0, 0x0a, 0x0b, 0x0c};
	struct rte_mbuf *b[64];
	unsigned i, r, n;

	for (r = 1; r < N_RINGS; r++) {
		n = rte_ring_dequeue_burst(tx_ring[r], (void **)b, 64, NULL);
		for (i = 0; i < n; i++) {
			const uint8_t *p = rte_pktmbuf_mtod(b[i], const uint8_t *);
			uint32_t seq;

			if (rte_pktmbuf_data_len(b[i]) != 64) {
				__atomic_fetch_add(&bad_frame, 1, __ATOMIC_SEQ_CST);
				continue;
			}
			memcpy(&seq, p + 42, sizeof(seq));
			if (seq >= MAX_SEQ || p[33] == DROP_DST)
				__atomic_fetch_add(&bad_frame, 1, __ATOMIC_SEQ_CST);
			else {
				seen[seq]++;
				gen_of[seq] = r == 1 ? 'a' : r == 2 ? 'b' : 'c';
			}
			if (p[11] != stamp[r])
				__atomic_fetch_add(&bad_stamp, 1, __ATOMIC_SEQ_CST);
		}
		rte_pktmbuf_free_bulk(b, n);
		__atomic_fetch_add(&recv_pkts[r], n, __ATOMIC_SEQ_CST);
	}
}

static void *
collector(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&collect_stop, __ATOMIC_SEQ_CST)) {
		collect_once();
		sched_yield();
	}
	collect_once();
	return NULL;
}

static uint64_t
received(void)
{
	return __atomic_load_n(&recv_pkts[1], __ATOMIC_SEQ_CST) +
	       __atomic_load_n(&recv_pkts[2], __ATOMIC_SEQ_CST) +
	       __atomic_load_n(&recv_pkts[3], __ATOMIC_SEQ_CST);
}

/* Wait until every injected packet came out or was counted as dropped. */
static void
settle(struct vs_switch *sw, struct vs_switch_stats *st)
{
	int i;

	for (i = 0; i < 1000; i++) {
		vs_switch_stats(sw, st);
		if (received() + st->total_drops == __atomic_load_n(&sent, __ATOMIC_SEQ_CST) &&
		    st->port[0].rx_pkts == __atomic_load_n(&sent, __ATOMIC_SEQ_CST))
			return;
		usleep(10000);
	}
	cr_assert_fail("not settled: sent %lu, received %lu, drops %lu",
		       (unsigned long)__atomic_load_n(&sent, __ATOMIC_SEQ_CST),
		       (unsigned long)received(), (unsigned long)st->total_drops);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#define N_RELOADS 40

Test(reload, ruleset_swaps_under_traffic_lose_and_mix_nothing, .init = setup, .fini = teardown,
     .timeout = 60)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	pthread_t inj, col;
	struct rig r;
	char msg[1024];
	double t, tmin = 1e9, tmax = 0, tsum = 0;
	uint64_t total, transitions = 0, fwd = 0, sent_before;
	uint32_t seq;
	char last = 0;
	int i;

	cr_assert_not_null(st);
	rig_up(&r, gen_a);
	cr_assert_eq(pthread_create(&col, NULL, collector, NULL), 0);
	cr_assert_eq(pthread_create(&inj, NULL, injector, NULL), 0);
	for (i = 0; i < N_RELOADS; i++) {
		/* Let some traffic through each generation. */
		sent_before = __atomic_load_n(&sent, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&sent, __ATOMIC_SEQ_CST) < sent_before + 2000)
			usleep(200);
		write_file(i % 2 == 0 ? gen_b : gen_a);
		t = now_ms();
		cr_assert_eq(vs_daemon_reload(&r.d, msg, sizeof(msg)), 0, "reload %d: %s", i, msg);
		t = now_ms() - t;
		tsum += t;
		tmin = t < tmin ? t : tmin;
		tmax = t > tmax ? t : tmax;
		cr_assert(strstr(msg, "rules: 1 added, 1 removed, 1 kept") != NULL, "%s", msg);
	}
	sent_before = __atomic_load_n(&sent, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&sent, __ATOMIC_SEQ_CST) < sent_before + 2000)
		usleep(200);
	__atomic_store_n(&inject_stop, true, __ATOMIC_SEQ_CST);
	pthread_join(inj, NULL);
	settle(r.sw, st);
	__atomic_store_n(&collect_stop, true, __ATOMIC_SEQ_CST);
	pthread_join(col, NULL);

	total = __atomic_load_n(&sent, __ATOMIC_SEQ_CST);
	/* Every packet is accounted for, by exactly one of: out, a counted drop. */
	cr_assert_eq(received() + st->total_drops, total);
	cr_assert_eq(st->drops[VS_DROP_RULE_DROP], __atomic_load_n(&sent_drop, __ATOMIC_SEQ_CST));
	cr_assert_eq(st->total_drops, st->drops[VS_DROP_RULE_DROP], "unexpected drops: %lu",
		     (unsigned long)(st->total_drops - st->drops[VS_DROP_RULE_DROP]));
	cr_assert_eq(__atomic_load_n(&bad_frame, __ATOMIC_SEQ_CST), 0);
	/* Each packet was forwarded by one generation: its stamp matches its port. */
	cr_assert_eq(__atomic_load_n(&bad_stamp, __ATOMIC_SEQ_CST), 0);
	for (seq = 0; seq < total; seq++) {
		if (seq % 10 == 7) {
			cr_assert_eq(seen[seq], 0, "dropped packet %u came out", seq);
			continue;
		}
		cr_assert_eq(seen[seq], 1, "packet %u came out %u times", seq, seen[seq]);
		fwd++;
		/* One worker, in order: generations change only at reloads. */
		if (last != 0 && gen_of[seq] != last)
			transitions++;
		last = (char)gen_of[seq];
	}
	cr_assert_eq(fwd, received());
	cr_assert_geq(transitions, 1);
	cr_assert_leq(transitions, N_RELOADS);
	cr_assert_gt(__atomic_load_n(&recv_pkts[1], __ATOMIC_SEQ_CST), 0);
	cr_assert_gt(__atomic_load_n(&recv_pkts[2], __ATOMIC_SEQ_CST), 0);
	cr_assert_eq(r.d.reloads, N_RELOADS);
	fprintf(stderr,
		"reload under traffic: %d reloads, %lu packets sent, %lu forwarded (outa %lu, "
		"outb %lu), %lu dropped by rule, 0 lost, 0 mixed; %lu generation changes seen "
		"in the stream; reload time min %.2f ms, avg %.2f ms, max %.2f ms\n",
		N_RELOADS, (unsigned long)total, (unsigned long)received(),
		(unsigned long)__atomic_load_n(&recv_pkts[1], __ATOMIC_SEQ_CST),
		(unsigned long)__atomic_load_n(&recv_pkts[2], __ATOMIC_SEQ_CST),
		(unsigned long)st->total_drops, (unsigned long)transitions, tmin, tsum / N_RELOADS,
		tmax);
	rig_down(&r);
	free(st);
}

/* ---- refused reloads ----------------------------------------------------------------- */

static void
send_n(uint32_t first, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = mk_pkt(first + i);

		cr_assert_not_null(m);
		while (rte_ring_enqueue(rx_ring[0], m) != 0)
			usleep(100);
	}
	__atomic_fetch_add(&sent, n, __ATOMIC_SEQ_CST);
}

/* Drain and count the outputs until sent packets are accounted for. */
static void
drain(struct vs_switch *sw, struct vs_switch_stats *st)
{
	int i;

	for (i = 0; i < 500; i++) {
		collect_once();
		vs_switch_stats(sw, st);
		if (received() + st->total_drops == __atomic_load_n(&sent, __ATOMIC_SEQ_CST))
			return;
		usleep(2000);
	}
	cr_assert_fail("packets missing: sent %lu received %lu drops %lu",
		       (unsigned long)__atomic_load_n(&sent, __ATOMIC_SEQ_CST),
		       (unsigned long)received(), (unsigned long)st->total_drops);
}

struct refusal {
	const char *what;
	const char *yaml;
	const char *expect; /* in the message */
};

Test(reload, refused_reloads_leave_everything_as_it_was, .init = setup, .fini = teardown,
     .timeout = 60)
{
	static const struct refusal bad[] = {
	    {"syntax error", HEAD "rules:\n  - {priority: 10, match: {in_port: in0\n",
	     "switch.yaml:"},
	    {"unknown port",
	     HEAD "rules:\n  - {priority: 10, match: {in_port: in0}, actions: [{output: nope}]}\n",
	     "is not a defined port"},
	    {"restart-only key", "classifier: {max_rules: 1024}\n" HEAD "rules:\n" DROP_RULE,
	     "needs a restart"},
	    {"EAL memory", "dpdk: {memory_mb: 64}\n" HEAD "rules:\n" DROP_RULE,
	     "dpdk.memory_mb: 0 changed to 64 on reload"},
	};
	struct vs_switch_stats *st = calloc(1, sizeof(*st)), *before = calloc(1, sizeof(*before));
	const struct vs_config *cfg_before;
	uint64_t gen;
	struct rig r;
	char msg[1024];
	unsigned i;

	cr_assert(st && before);
	rig_up(&r, gen_a);
	send_n(0, 100);
	drain(r.sw, st);
	cr_assert_eq(__atomic_load_n(&recv_pkts[1], __ATOMIC_SEQ_CST), 90);
	gen = vs_switch_generation(r.sw);
	cfg_before = r.d.cfg;
	vs_switch_stats(r.sw, before);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i].yaml);
		cr_assert_lt(vs_daemon_reload(&r.d, msg, sizeof(msg)), 0, "%s accepted",
			     bad[i].what);
		cr_assert(strstr(msg, bad[i].expect) != NULL, "%s: message '%s' lacks '%s'",
			  bad[i].what, msg, bad[i].expect);
		/* file:line:column for everything the loader refuses */
		cr_assert(strncmp(msg, file, strlen(file)) == 0 ||
			      strstr(msg, "needs a restart") != NULL,
			  "%s: '%s' does not start with the file name", bad[i].what, msg);
		/* Nothing changed: same config, generation, ports, rules, counters. */
		cr_assert_eq(r.d.cfg, cfg_before);
		cr_assert_eq(vs_switch_generation(r.sw), gen);
		cr_assert_not_null(vs_switch_port_by_name(r.sw, "outb"));
		vs_switch_stats(r.sw, st);
		cr_assert_eq(st->port[0].rx_pkts, before->port[0].rx_pkts);
		cr_assert_eq(st->port[1].tx_pkts, before->port[1].tx_pkts);
		cr_assert_eq(st->total_drops, before->total_drops);
	}
	cr_assert_eq(r.d.reload_failures, sizeof(bad) / sizeof(bad[0]));
	cr_assert_eq(r.d.reloads, 0);
	/* Still forwarding with generation A's rules. */
	send_n(100, 100);
	drain(r.sw, st);
	cr_assert_eq(__atomic_load_n(&recv_pkts[1], __ATOMIC_SEQ_CST), 180);
	cr_assert_eq(__atomic_load_n(&recv_pkts[2], __ATOMIC_SEQ_CST), 0);
	cr_assert_eq(__atomic_load_n(&bad_stamp, __ATOMIC_SEQ_CST), 0);
	cr_assert_eq(st->drops[VS_DROP_RULE_DROP], 20);
	rig_down(&r);
	free(st);
	free(before);
}

/* ---- ports come and go ------------------------------------------------------------------- */

Test(reload, ports_are_added_before_and_removed_after_their_rules, .init = setup, .fini = teardown,
     .timeout = 60)
{
	static const char *with_c =
	    HEAD "  - {name: outc, type: ethdev, device: net_ring_outc}\n"
		 "rules:\n" DROP_RULE "  - {name: gen-c, priority: 10, match: {in_port: in0},\n"
		 "     actions: [{set_eth_src: \"02:00:00:00:00:0c\"}, {output: outc}]}\n";
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct rig r;
	char msg[1024];

	cr_assert_not_null(st);
	rig_up(&r, gen_a);
	send_n(0, 50);
	drain(r.sw, st);
	write_file(with_c);
	cr_assert_eq(vs_daemon_reload(&r.d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(strstr(msg, "ports: 1 added, 0 changed, 0 removed") != NULL, "%s", msg);
	cr_assert_not_null(vs_switch_port_by_name(r.sw, "outc"));
	send_n(50, 50);
	drain(r.sw, st);
	cr_assert_eq(__atomic_load_n(&recv_pkts[3], __ATOMIC_SEQ_CST), 45);
	/* outc goes: its rule goes with it, the port is removed last. */
	write_file(gen_b);
	cr_assert_eq(vs_daemon_reload(&r.d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(strstr(msg, "0 changed, 1 removed") != NULL, "%s", msg);
	cr_assert_null(vs_switch_port_by_name(r.sw, "outc"));
	send_n(100, 50);
	drain(r.sw, st);
	cr_assert_eq(__atomic_load_n(&recv_pkts[1], __ATOMIC_SEQ_CST), 45);
	cr_assert_eq(__atomic_load_n(&recv_pkts[2], __ATOMIC_SEQ_CST), 45);
	cr_assert_eq(__atomic_load_n(&recv_pkts[3], __ATOMIC_SEQ_CST), 45);
	cr_assert_eq(__atomic_load_n(&bad_stamp, __ATOMIC_SEQ_CST), 0);
	cr_assert_eq(st->total_drops, 15);
	/* A new port takes outc's old id: its counters start from zero. */
	write_file(HEAD "  - {name: outd, type: ethdev, device: \"net_null9,no-rx=1\"}\n"
			"rules:\n" DROP_RULE);
	cr_assert_eq(vs_daemon_reload(&r.d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(vs_switch_port_by_name(r.sw, "outd")->id, 3);
	vs_switch_stats(r.sw, st);
	cr_assert_eq(st->port[3].tx_pkts, 0);
	cr_assert_eq(st->port[3].tx_bytes, 0);
	cr_assert_eq(st->port[2].tx_pkts, 45, "outb keeps its counters");
	rig_down(&r);
	free(st);
}

/* ---- runtime rule changes ------------------------------------------------------------------ */

Test(reload, runtime_rules_apply_and_the_file_wins_on_reload, .init = setup, .fini = teardown,
     .timeout = 60)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct rig r;
	char msg[1024], uid[32];
	json_t *req, *rep, *res;

	cr_assert_not_null(st);
	rig_up(&r, gen_a);
	/* Higher priority than gen-a: everything but the drop goes to outb. */
	cr_assert_eq(vs_daemon_rule_add(&r.d,
					"{name: rt, priority: 50, match: {in_port: in0},\n"
					" actions: [{set_eth_src: \"02:00:00:00:00:0b\"}, "
					"{output: outb}]}",
					msg, sizeof(msg)),
		     0, "%s", msg);
	cr_assert_eq(vs_daemon_rule_add(&r.d,
					"{name: rt, priority: 5, match: {in_port: in0}, "
					"actions: [drop]}",
					msg, sizeof(msg)),
		     -EEXIST);
	cr_assert_eq(vs_daemon_rule_add(&r.d,
					"{priority: 5, match: {in_port: zz}, actions: [drop]}", msg,
					sizeof(msg)),
		     -EINVAL);
	cr_assert(strstr(msg, "rule-add:") != NULL && strstr(msg, "zz") != NULL, "%s", msg);
	send_n(0, 20);
	drain(r.sw, st);
	cr_assert_eq(__atomic_load_n(&recv_pkts[2], __ATOMIC_SEQ_CST), 18);
	/* show rules reports the difference from the file. */
	req = json_pack("{s:s, s:[s]}", "cmd", "show", "args", "rules");
	rep = vs_daemon_handle(&r.d, req);
	cr_assert(json_is_true(json_object_get(rep, "ok")));
	res = json_object_get(rep, "result");
	cr_assert(json_is_true(json_object_get(res, "differs_from_file")));
	cr_assert_eq(json_array_size(json_object_get(res, "rules")), 3);
	cr_assert_str_eq(json_string_value(json_object_get(
			     json_array_get(json_object_get(res, "rules"), 2), "source")),
			 "ctl");
	snprintf(uid, sizeof(uid), "#%" PRIu64,
		 (uint64_t)json_integer_value(
		     json_object_get(json_array_get(json_object_get(res, "rules"), 0), "id")));
	json_decref(rep);
	/* Delete a file rule by its id, then reload: the file wins again for
	 * its own rules, and the runtime rule stays. */
	cr_assert_eq(vs_daemon_rule_del(&r.d, uid, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(vs_daemon_rule_del(&r.d, "nosuch", msg, sizeof(msg)), -ENOENT);
	send_n(20, 10);
	drain(r.sw, st);
	cr_assert_eq(__atomic_load_n(&recv_pkts[2], __ATOMIC_SEQ_CST), 28,
		     "10.0.0.99 is no longer dropped");
	cr_assert_eq(vs_daemon_reload(&r.d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(strstr(msg, "rules: 1 added, 0 removed, 1 kept, 1 runtime rules kept") != NULL,
		  "%s", msg);
	rep = vs_daemon_handle(&r.d, req);
	res = json_object_get(rep, "result");
	cr_assert(json_is_true(json_object_get(res, "differs_from_file")));
	cr_assert_eq(json_array_size(json_object_get(res, "deleted_at_runtime")), 0);
	json_decref(rep);
	send_n(30, 10);
	drain(r.sw, st);
	cr_assert_eq(__atomic_load_n(&recv_pkts[2], __ATOMIC_SEQ_CST), 37,
		     "rt still wins, the drop is back");
	/* reload --replace: the file alone. */
	cr_assert_eq(vs_daemon_reload_flags(&r.d, VS_RELOAD_REPLACE, msg, sizeof(msg)), 0, "%s",
		     msg);
	cr_assert(strstr(msg, "rules: 0 added, 1 removed, 2 kept") != NULL, "%s", msg);
	rep = vs_daemon_handle(&r.d, req);
	res = json_object_get(rep, "result");
	cr_assert(json_is_false(json_object_get(res, "differs_from_file")));
	json_decref(rep);
	json_decref(req);
	send_n(40, 10);
	drain(r.sw, st);
	cr_assert_eq(__atomic_load_n(&recv_pkts[1], __ATOMIC_SEQ_CST), 9);
	cr_assert_eq(__atomic_load_n(&bad_stamp, __ATOMIC_SEQ_CST), 0);
	rig_down(&r);
	free(st);
}

/* ---- ports change their settings ----------------------------------------------------------- */

/* outn is a net_null port the switch probes itself (as it does PCI devices
 * and vdevs from the config), so it can be closed and probed again. */
#define HEAD_OUTN(outn)                                                                            \
	"workers: [{lcore: 1}]\n"                                                                  \
	"ports:\n"                                                                                 \
	"  - {name: in0, type: ethdev, device: net_ring_in0}\n"                                    \
	"  - " outn "\n"                                                                           \
	"rules:\n" DROP_RULE "  - {name: to-n, priority: 10, match: {in_port: in0},\n"             \
	"     actions: [{output: outn}]}\n"

/* Wait until outn (switch port 1) sent every packet not dropped by rule. */
static void
wait_outn(struct vs_switch *sw, struct vs_switch_stats *st)
{
	int i;

	for (i = 0; i < 500; i++) {
		vs_switch_stats(sw, st);
		if (st->port[1].tx_pkts + st->total_drops ==
		    __atomic_load_n(&sent, __ATOMIC_SEQ_CST))
			return;
		usleep(2000);
	}
	cr_assert_fail("outn sent %lu, drops %lu, of %lu", (unsigned long)st->port[1].tx_pkts,
		       (unsigned long)st->total_drops,
		       (unsigned long)__atomic_load_n(&sent, __ATOMIC_SEQ_CST));
}

Test(reload, changed_port_is_recreated_and_a_failed_one_restored, .init = setup, .fini = teardown,
     .timeout = 60)
{
	static const char *orig =
	    HEAD_OUTN("{name: outn, type: ethdev, device: \"net_null5,no-rx=1\"}");
	static const char *desc =
	    HEAD_OUTN("{name: outn, type: ethdev, device: \"net_null5,no-rx=1\", tx_desc: 512}");
	static const char *bad_dev = HEAD_OUTN("{name: outn, type: ethdev, device: net_nosuch0}");
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	const struct vs_config *before;
	struct rig r;
	char msg[1024];

	cr_assert_not_null(st);
	rig_up(&r, orig);
	send_n(0, 50);
	wait_outn(r.sw, st);
	cr_assert_eq(st->port[1].tx_pkts, 45);
	/* New descriptors: the port is recreated under the same name and id. */
	write_file(desc);
	cr_assert_eq(vs_daemon_reload(&r.d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(strstr(msg, "ports: 0 added, 1 changed, 0 removed") != NULL, "%s", msg);
	cr_assert(strstr(msg, "rules: 0 added, 0 removed, 2 kept") != NULL, "%s", msg);
	cr_assert_not_null(vs_switch_port_by_name(r.sw, "outn"));
	cr_assert_eq(vs_switch_port_by_name(r.sw, "outn")->id, 1);
	send_n(50, 50);
	wait_outn(r.sw, st);
	cr_assert_eq(st->port[1].tx_pkts, 90);
	/* A device that does not exist: refused, outn keeps its running settings. */
	before = r.d.cfg;
	write_file(bad_dev);
	cr_assert_lt(vs_daemon_reload(&r.d, msg, sizeof(msg)), 0);
	cr_assert(strstr(msg, "cannot probe device 'net_nosuch0'") != NULL &&
		      strstr(msg, "switch.yaml:4:5: port outn") != NULL &&
		      strstr(msg, "keeping its running settings") != NULL,
		  "%s", msg);
	cr_assert_eq(r.d.cfg, before);
	cr_assert_not_null(vs_switch_port_by_name(r.sw, "outn"));
	send_n(100, 50);
	wait_outn(r.sw, st);
	cr_assert_eq(st->port[1].tx_pkts, 135);
	cr_assert_eq(st->total_drops, st->drops[VS_DROP_RULE_DROP]);
	rig_down(&r);
	free(st);
}

/* ---- saving runtime changes ---------------------------------------------------------------- */

Test(reload, saved_runtime_rules_become_the_file, .init = setup, .fini = teardown, .timeout = 60)
{
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	char msg[1024], other[160], tmp[176];
	struct vs_cfg_error err;
	struct vs_config *back;
	json_t *req, *rep;
	struct stat fst;
	struct rig r;

	cr_assert_not_null(st);
	rig_up(&r, gen_a);
	cr_assert_eq(
	    vs_daemon_rule_add(&r.d,
			       "{name: rt, priority: 50, match: {in_port: in0, ip_dst: "
			       "10.0.0.1/32}, actions: [{set_eth_src: \"02:00:00:00:00:0b\"}, "
			       "{output: outb}]}",
			       msg, sizeof(msg)),
	    0, "%s", msg);
	/* Elsewhere: the file is untouched and still differs. */
	snprintf(other, sizeof(other), "%s/other.yaml", dir);
	/* A FIFO planted at the temporary name is replaced, not opened (an open
	 * would block the control thread until someone reads it). */
	snprintf(tmp, sizeof(tmp), "%s.tmp", other);
	cr_assert_eq(mkfifo(tmp, 0600), 0);
	cr_assert_eq(vs_daemon_save(&r.d, other, msg, sizeof(msg)), 0, "%s", msg);
	memset(&err, 0, sizeof(err));
	back = vs_config_load(other, &err);
	cr_assert_not_null(back, "%s", err.msg);
	cr_assert_eq(back->n_rules, 3);
	cr_assert_str_eq(back->rules[2].name, "rt");
	/* The rule layer keeps a rule with room for its own actions only:
	 * both came through to the file. */
	cr_assert_eq(back->rules[2].n_actions, 2);
	cr_assert_eq(back->rules[2].actions[0].type, VS_CFG_ACT_SET_ETH_SRC);
	cr_assert_eq(back->rules[2].actions[0].mac.b[5], 0x0b);
	cr_assert_eq(back->rules[2].actions[1].type, VS_CFG_ACT_OUTPUT);
	cr_assert_str_eq(back->rules[2].actions[1].port, "outb");
	vs_config_free(back);
	unlink(other);
	req = json_pack("{s:s, s:[s]}", "cmd", "show", "args", "rules");
	rep = vs_daemon_handle(&r.d, req);
	cr_assert(
	    json_is_true(json_object_get(json_object_get(rep, "result"), "differs_from_file")));
	json_decref(rep);
	/* To the config file: the running rules are the file's now. */
	cr_assert_eq(vs_daemon_save(&r.d, NULL, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(strstr(msg, "(the config file)") != NULL, "%s", msg);
	rep = vs_daemon_handle(&r.d, req);
	cr_assert(
	    json_is_false(json_object_get(json_object_get(rep, "result"), "differs_from_file")));
	json_decref(rep);
	json_decref(req);
	/* The watcher takes the saved file as the one it loaded. */
	cr_assert_eq(stat(file, &fst), 0);
	cr_assert(fst.st_mtim.tv_sec == r.d.file_mtime.tv_sec &&
		      fst.st_mtim.tv_nsec == r.d.file_mtime.tv_nsec,
		  "the watcher would reload the saved file");
	/* A reload reads back exactly what runs. */
	cr_assert_eq(vs_daemon_reload(&r.d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(strstr(msg, "no change (3 rules kept)") != NULL, "%s", msg);
	send_n(0, 20);
	drain(r.sw, st);
	cr_assert_eq(__atomic_load_n(&recv_pkts[2], __ATOMIC_SEQ_CST), 18,
		     "rt still sends 10.0.0.1 to outb");
	rig_down(&r);
	free(st);
}

/* ---- rules with identity ------------------------------------------------------------------- */

struct rule_id {
	uint64_t uid, pkts, bytes;
	uint32_t cls_id;
};

static struct rule_id
rule_id_of(struct vs_switch *sw, const char *name)
{
	struct vs_sw_rule *r = vs_switch_rule_by_name(sw, name);
	struct rule_id id;

	cr_assert_not_null(r, "no rule %s", name);
	id.uid = r->uid;
	id.cls_id = r->cls[0]->id;
	vs_switch_rule_counters(sw, r, &id.pkts, &id.bytes);
	return id;
}

#define KEEP1                                                                                      \
	"  - {name: keep1, priority: 20, match: {in_port: in0, ip_dst: 10.0.0.1/32},\n"            \
	"     actions: [{set_eth_src: \"02:00:00:00:00:0a\"}, {output: outa}]}\n"

Test(reload, unchanged_rules_keep_their_ids_and_counters_and_the_plan_is_what_ran, .init = setup,
     .fini = teardown, .timeout = 60)
{
	static const char *v1 = HEAD "rules:\n" DROP_RULE KEEP1
				     "  - {name: gen-a, priority: 10, match: {in_port: in0},\n"
				     "     actions: [{set_eth_src: \"02:00:00:00:00:0a\"}, "
				     "{output: outa}]}\n";
	/* A rule inserted before the others, gen-a's actions changed, an
	 * unnamed rule appended. */
	static const char *v2 =
	    HEAD "rules:\n"
		 "  - {name: new1, priority: 30, match: {in_port: in0, ip_dst: 10.0.0.5/32},\n"
		 "     actions: [{set_eth_src: \"02:00:00:00:00:0b\"}, {output: outb}]}\n" DROP_RULE
		     KEEP1 "  - {name: gen-a, priority: 10, match: {in_port: in0},\n"
		 "     actions: [{set_eth_src: \"02:00:00:00:00:0b\"}, {output: outb}]}\n"
		 "  - {priority: 1, match: {in_port: outa}, actions: [drop]}\n";
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	struct rule_id d0, k0, g0, d1, k1, g1;
	struct rig r;
	char msg[1024];
	uint64_t gen0;
	uint32_t n0;

	cr_assert_not_null(st);
	rig_up(&r, v1);
	send_n(0, 30); /* 3 to drop99, 27 to 10.0.0.1: keep1 */
	drain(r.sw, st);
	d0 = rule_id_of(r.sw, "drop99");
	k0 = rule_id_of(r.sw, "keep1");
	g0 = rule_id_of(r.sw, "gen-a");
	cr_assert_eq(d0.pkts, 3);
	cr_assert_eq(k0.pkts, 27);
	cr_assert_eq(k0.bytes, 27 * 64);
	gen0 = vs_cls_generation(vs_switch_cls(r.sw));
	n0 = vs_cls_rule_count(vs_switch_cls(r.sw));

	write_file(v2);
	cr_assert_eq(vs_daemon_reload(&r.d, msg, sizeof(msg)), 0, "%s", msg);
	/* The summary is the plan that ran: 2 adds, 1 replacement (one
	 * classifier delete and one add), 2 rules untouched. */
	cr_assert_str_eq(msg, "rules: 2 added, 0 removed, 1 replaced, 2 kept (3 classifier rules "
			      "added, 1 removed)");
	cr_assert_eq(vs_cls_generation(vs_switch_cls(r.sw)), gen0 + 1, "one transaction");
	cr_assert_eq(vs_cls_rule_count(vs_switch_cls(r.sw)), n0 + 2);
	d1 = rule_id_of(r.sw, "drop99");
	k1 = rule_id_of(r.sw, "keep1");
	g1 = rule_id_of(r.sw, "gen-a");
	cr_assert(d1.uid == d0.uid && d1.cls_id == d0.cls_id && d1.pkts == d0.pkts,
		  "drop99 was touched");
	cr_assert(k1.uid == k0.uid && k1.cls_id == k0.cls_id && k1.pkts == k0.pkts &&
		      k1.bytes == k0.bytes,
		  "keep1 was touched");
	/* Replaced: same id and counters, a new classifier rule. */
	cr_assert_eq(g1.uid, g0.uid);
	cr_assert_eq(g1.pkts, g0.pkts);
	/* Counting goes on from there. */
	send_n(30, 10); /* 1 to drop99, 9 to keep1 */
	drain(r.sw, st);
	cr_assert_eq(rule_id_of(r.sw, "drop99").pkts, 4);
	cr_assert_eq(rule_id_of(r.sw, "keep1").pkts, 36);
	/* "Earlier in the file wins" without renumbering: new1 sits before
	 * the others; reloading the same file again changes nothing. */
	cr_assert(vs_switch_rule_by_name(r.sw, "new1")->tiebreak <
		      vs_switch_rule_by_name(r.sw, "drop99")->tiebreak,
		  "new1 is not first");
	cr_assert_eq(vs_daemon_reload(&r.d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_str_eq(msg, "no change (5 rules kept)");
	/* Refused: an output port that does not exist; nothing changes. */
	cr_assert_lt(vs_daemon_rule_add(&r.d,
					"{name: bad, priority: 1, match: {in_port: in0}, "
					"actions: [{output: nope}]}",
					msg, sizeof(msg)),
		     0);
	cr_assert(strstr(msg, "rule-add:1:") != NULL && strstr(msg, "\"nope\"") != NULL, "%s", msg);
	cr_assert_eq(vs_cls_generation(vs_switch_cls(r.sw)), gen0 + 1);
	rig_down(&r);
	free(st);
}

/* A config with the two ring rules of gen-a and n more /32 rules. */
static char *
big_config(uint32_t n, uint32_t max_rules)
{
	size_t cap = 512 + (size_t)n * 128, off;
	char *y = malloc(cap);
	uint32_t i;

	cr_assert_not_null(y);
	off = (size_t)snprintf(y, cap,
			       "classifier: {max_rules: %u}\n" HEAD "rules:\n" DROP_RULE
			       "  - {name: gen-a, priority: 10, match: {in_port: in0},\n"
			       "     actions: [{set_eth_src: \"02:00:00:00:00:0a\"}, "
			       "{output: outa}]}\n",
			       max_rules);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(y + off, cap - off,
					"  - {name: f%u, priority: 20, match: {ip_dst: "
					"10.%u.%u.%u/32}, actions: [{output: outb}]}\n",
					i, 100 + i / 65536, (i / 256) % 256, i % 256);
	return y;
}

Test(reload, sixty_thousand_rules_change_one_at_a_time_under_traffic, .init = setup,
     .fini = teardown, .timeout = 300)
{
	/* 60,000 + drop99 + gen-a = 60,002 = max_rules - 1. */
	char *yaml = big_config(60000, 60003);
	struct vs_switch_stats *st = calloc(1, sizeof(*st));
	pthread_t inj, col;
	struct rule_id g0, f0;
	struct rig r;
	char msg[1024];
	uint64_t total, lost = 0, dup = 0, dropped;
	uint32_t seq;

	cr_assert_not_null(st);
	rig_up(&r, yaml);
	free(yaml);
	cr_assert_eq(vs_switch_rule_count(r.sw), 60002);
	cr_assert_eq(pthread_create(&col, NULL, collector, NULL), 0);
	cr_assert_eq(pthread_create(&inj, NULL, injector, NULL), 0);
	while (__atomic_load_n(&sent, __ATOMIC_SEQ_CST) < 3000)
		usleep(500);
	f0 = rule_id_of(r.sw, "f77");
	/* At max_rules - 1: a one-rule replacement works (gen-a keeps its id). */
	g0 = rule_id_of(r.sw, "gen-a");
	cr_assert_eq(vs_daemon_rules(&r.d, VS_CFG_RULE_OP_MOD,
				     "{name: gen-a, priority: 10, match: {in_port: in0},"
				     " actions: [{set_eth_src: \"02:00:00:00:00:0a\"}, "
				     "{output: outa}]}",
				     msg, sizeof(msg)),
		     0, "%s", msg);
	cr_assert_str_eq(msg, "rules: 0 added, 0 removed, 1 replaced (1 classifier rules added, 1 "
			      "removed)");
	cr_assert_eq(rule_id_of(r.sw, "gen-a").uid, g0.uid);
	/* Up to max_rules: one add fits, the next is refused with the reason. */
	cr_assert_eq(vs_daemon_rule_add(&r.d,
					"{name: rt1, priority: 5, match: {in_port: outb}, "
					"actions: [drop]}",
					msg, sizeof(msg)),
		     0, "%s", msg);
	cr_assert_eq(vs_switch_rule_count(r.sw), 60003);
	cr_assert_eq(vs_daemon_rule_add(&r.d,
					"{name: rt2, priority: 5, match: {in_port: outa}, "
					"actions: [drop]}",
					msg, sizeof(msg)),
		     -ENOSPC, "%s", msg);
	cr_assert(strstr(msg, "rule rt2") != NULL && strstr(msg, "max_rules 60003") != NULL, "%s",
		  msg);
	cr_assert_eq(vs_switch_rule_count(r.sw), 60003);
	/* Delete by name and by match + priority. */
	cr_assert_eq(vs_daemon_rule_del(&r.d, "rt1", msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(vs_daemon_rule_del(&r.d, "{priority: 20, match: {ip_dst: 10.100.0.9/32}}", msg,
					sizeof(msg)),
		     0, "%s", msg);
	cr_assert_null(vs_switch_rule_by_name(r.sw, "f9"));
	cr_assert_eq(vs_switch_rule_count(r.sw), 60001);
	/* A batch: all or nothing. The second add names a missing port. */
	cr_assert_lt(vs_daemon_rules(&r.d, VS_CFG_RULE_BATCH,
				     "{del: [f10, f11], add: [{name: b1, priority: 1, match: "
				     "{in_port: outb}, actions: [drop]}, {name: b2, priority: 1,"
				     " match: {in_port: outa}, actions: [{output: nope}]}]}",
				     msg, sizeof(msg)),
		     0);
	cr_assert_not_null(vs_switch_rule_by_name(r.sw, "f10"));
	cr_assert_eq(vs_daemon_rules(&r.d, VS_CFG_RULE_BATCH,
				     "{del: [f10, f11], add: [{name: b1, priority: 1, match: "
				     "{in_port: outb}, actions: [drop]}]}",
				     msg, sizeof(msg)),
		     0, "%s", msg);
	cr_assert_str_eq(msg, "rules: 1 added, 2 removed (1 classifier rules added, 2 removed)");
	/* The other rules were not touched. */
	cr_assert_eq(rule_id_of(r.sw, "f77").uid, f0.uid);
	cr_assert_eq(rule_id_of(r.sw, "f77").cls_id, f0.cls_id);
	while (__atomic_load_n(&sent, __ATOMIC_SEQ_CST) < 6000)
		usleep(500);
	__atomic_store_n(&inject_stop, true, __ATOMIC_SEQ_CST);
	pthread_join(inj, NULL);
	settle(r.sw, st);
	__atomic_store_n(&collect_stop, true, __ATOMIC_SEQ_CST);
	pthread_join(col, NULL);
	/* Every packet came out exactly once or was dropped by drop99, whose
	 * counter was never reset. */
	total = __atomic_load_n(&sent, __ATOMIC_SEQ_CST);
	dropped = __atomic_load_n(&sent_drop, __ATOMIC_SEQ_CST);
	for (seq = 0; seq < total; seq++) {
		if (seq % 10 == 7)
			continue;
		lost += seen[seq] == 0;
		dup += seen[seq] > 1;
	}
	cr_assert_eq(lost, 0, "%" PRIu64 " of %" PRIu64 " lost", lost, total);
	cr_assert_eq(dup, 0);
	cr_assert_eq(__atomic_load_n(&bad_stamp, __ATOMIC_SEQ_CST), 0);
	cr_assert_eq(st->drops[VS_DROP_RULE_DROP], dropped);
	cr_assert_eq(rule_id_of(r.sw, "drop99").pkts, dropped);
	cr_assert_eq(rule_id_of(r.sw, "gen-a").pkts, total - dropped);
	rig_down(&r);
	free(st);
}

/* ---- link events ----------------------------------------------------------------------------- */

struct link_seen {
	unsigned n, up;
	char last[VS_CFG_NAME_MAX];
};

static void
link_seen(void *arg, const struct vs_link_event *ev)
{
	struct link_seen *s = arg;

	s->n++;
	s->up += ev->up;
	snprintf(s->last, sizeof(s->last), "%s", ev->port->name);
}

Test(reload, link_changes_are_reported_once, .init = setup, .fini = teardown, .timeout = 60)
{
	struct link_seen ls = {0};
	struct rig r;

	rig_up(&r, gen_a);
	/* The first reading of each of the three ring ports: up. */
	cr_assert_eq(vs_switch_link_poll(r.sw, link_seen, &ls), 3);
	cr_assert_eq(ls.up, 3);
	/* Nothing changed: nothing reported. */
	cr_assert_eq(vs_switch_link_poll(r.sw, link_seen, &ls), 0);
	/* outb's link goes down, once. (Set down, not stopped: stopping an
	 * ethdev resets its fast-path ops while the worker polls it, which
	 * UBSan caught as a null load in rte_eth_rx_burst.) */
	cr_assert_eq(rte_eth_dev_set_link_down(vs_switch_port_by_name(r.sw, "outb")->dev_id), 0);
	cr_assert_eq(vs_switch_link_poll(r.sw, link_seen, &ls), 1);
	cr_assert_str_eq(ls.last, "outb");
	cr_assert_eq(ls.up, 3);
	cr_assert_eq(vs_switch_link_poll(r.sw, link_seen, &ls), 0);
	rig_down(&r);
}
