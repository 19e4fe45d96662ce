/* SPDX-License-Identifier: BSD-3-Clause */
/* The counter table every exporter loops over, and the stdout print. */
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "vs_counters.h"

#define FIELD_SIZE(type, field) ((uint8_t)sizeof(((type *)0)->field))

#define GLOBAL(name, family, help, unit, gauge, field)                                             \
	{                                                                                          \
		name, family, NULL, help, unit, VS_CNT_GLOBAL, gauge,                              \
		    offsetof(struct vs_switch_stats, field),                                       \
		    FIELD_SIZE(struct vs_switch_stats, field)                                      \
	}
#define PORT(name, family, help, unit, gauge, field)                                               \
	{                                                                                          \
		name, family, NULL, help, unit, VS_CNT_PORT, gauge,                                \
		    offsetof(struct vs_switch_port_stats, field),                                  \
		    FIELD_SIZE(struct vs_switch_port_stats, field)                                 \
	}
#define WORKER(name, family, label, help, unit, gauge, field)                                      \
	{                                                                                          \
		name, family, label, help, unit, VS_CNT_WORKER, gauge,                             \
		    offsetof(struct vs_switch_worker_stats, field),                                \
		    FIELD_SIZE(struct vs_switch_worker_stats, field)                               \
	}

static const struct vs_counter table[] = {
    GLOBAL("total_drops", "nfvswitch_dropped_packets",
	   "Packets dropped by the workers, all reasons.", "packets", false, total_drops),
    GLOBAL("tsc_hz", "nfvswitch_tsc_hz", "TSC frequency, to turn cycles into seconds.", "hertz",
	   true, tsc_hz),
    GLOBAL("l2_learned", "nfvswitch_l2_learned", "normal: MAC table entries learned.", "events",
	   false, l2_learned),
    GLOBAL("l2_moved", "nfvswitch_l2_moved", "normal: learned MACs seen on another port, moved.",
	   "events", false, l2_moved),
    GLOBAL("l2_aged", "nfvswitch_l2_aged", "normal: learned entries removed by aging.", "events",
	   false, l2_aged),
    GLOBAL("l2_full", "nfvswitch_l2_learn_full",
	   "normal: MACs not learned, table full (their packets keep flooding).", "events", false,
	   l2_full),
    GLOBAL("l2_lost", "nfvswitch_l2_learn_lost", "normal: learn events a full worker ring lost.",
	   "events", false, l2_lost),
    GLOBAL("l2_flooded", "nfvswitch_l2_flooded",
	   "normal: packets flooded (unknown unicast, broadcast, multicast).", "packets", false,
	   l2_flooded),
    GLOBAL("l2_entries", "nfvswitch_l2_entries", "normal: MAC table entries now.", "entries", true,
	   l2_entries),
    GLOBAL("tun_encap", "nfvswitch_tunnel_encap",
	   "vxlan: frames encapsulated towards a remote VTEP (once per remote).", "packets", false,
	   tun_encap),
    GLOBAL("tun_decap", "nfvswitch_tunnel_decap", "vxlan: frames decapsulated.", "packets", false,
	   tun_decap),
    GLOBAL("tun_neigh_requests", "nfvswitch_tunnel_neighbour_requests",
	   "vxlan: ARP requests and neighbour solicitations sent for remote VTEPs.", "packets",
	   false, tun_neigh_requests),
    GLOBAL("tun_neigh_answered", "nfvswitch_tunnel_neighbour_answered",
	   "vxlan: ARP requests and solicitations for a local_ip answered.", "packets", false,
	   tun_neigh_answered),

    PORT("ready", "nfvswitch_port_up", "1 when the port exists and is ready.", "", true, ready),
    PORT("link_up", "nfvswitch_port_link_up", "1 when the port's link is up (vhost: ready).", "",
	 true, link_up),
    PORT("link_speed_mbps", "nfvswitch_port_link_speed_mbps", "Link speed, 0 when unknown.",
	 "megabits", true, link_speed),
    PORT("link_full_duplex", "nfvswitch_port_link_full_duplex", "1 when the link is full duplex.",
	 "", true, link_full_duplex),
    PORT("link_autoneg", "nfvswitch_port_link_autoneg", "1 when the link autonegotiates.", "", true,
	 link_autoneg),
    PORT("link_changes", "nfvswitch_port_link_changes", "Times the port's link went up or down.",
	 "events", false, link_changes),
    PORT("rx_pkts", "nfvswitch_port_rx_packets", "Packets received by the workers.", "packets",
	 false, rx_pkts),
    PORT("rx_bytes", "nfvswitch_port_rx_bytes", "Bytes received by the workers.", "bytes", false,
	 rx_bytes),
    PORT("tx_pkts", "nfvswitch_port_tx_packets", "Packets the port accepted for transmit.",
	 "packets", false, tx_pkts),
    PORT("tx_bytes", "nfvswitch_port_tx_bytes", "Bytes the port accepted for transmit.", "bytes",
	 false, tx_bytes),
    PORT("tx_drops", "nfvswitch_port_tx_dropped",
	 "Packets towards the port dropped (tx_full, port_down, hairpin).", "packets", false,
	 tx_drops),
    PORT("imissed", "nfvswitch_port_rx_missed",
	 "Packets the device dropped because its rx ring was full.", "packets", false, dev.imissed),
    PORT("ierrors", "nfvswitch_port_rx_errors", "Erroneous packets the device received.", "packets",
	 false, dev.ierrors),
    PORT("oerrors", "nfvswitch_port_tx_errors", "Packets the device failed to transmit.", "packets",
	 false, dev.oerrors),
    PORT("rx_nombuf", "nfvswitch_port_rx_nombuf", "Rx mbuf allocation failures.", "events", false,
	 dev.rx_nombuf),

    WORKER("rx_pkts", "nfvswitch_worker_packets", NULL, "Packets received by each worker.",
	   "packets", false, rx_pkts),
    WORKER("tx_pkts", "nfvswitch_worker_tx_packets", NULL,
	   "Packets each worker handed to output ports.", "packets", false, tx_pkts),
    WORKER("busy_cycles", "nfvswitch_worker_cycles", "state=\"busy\"",
	   "TSC cycles of iterations that moved packets.", "cycles", false, busy_cycles),
    WORKER("idle_cycles", "nfvswitch_worker_cycles", "state=\"idle\"",
	   "TSC cycles of iterations that moved nothing.", "cycles", false, idle_cycles),
    WORKER("loops", "nfvswitch_worker_loops", NULL, "Poll loop iterations of each worker.", "loops",
	   false, loops),
    WORKER("generation", "nfvswitch_worker_generation", NULL,
	   "Snapshot generation each worker last saw.", "", true, generation),
#define STAGE_(id, str)                                                                            \
	WORKER("cycles_" str, "nfvswitch_worker_stage_cycles", "stage=\"" str "\"",                \
	       "TSC cycles of the " str " stage.", "cycles", false, stage_cycles[VS_STAGE_##id]),
    VS_STAGES(STAGE_)
#undef STAGE_
	WORKER("bursts_1", "nfvswitch_worker_rx_bursts", "size=\"1\"", "Rx bursts of 1 packet.",
	       "bursts", false, bursts[0]),
    WORKER("bursts_2_3", "nfvswitch_worker_rx_bursts", "size=\"2-3\"", "Rx bursts of 2-3 packets.",
	   "bursts", false, bursts[1]),
    WORKER("bursts_4_7", "nfvswitch_worker_rx_bursts", "size=\"4-7\"", "Rx bursts of 4-7 packets.",
	   "bursts", false, bursts[2]),
    WORKER("bursts_8_15", "nfvswitch_worker_rx_bursts", "size=\"8-15\"",
	   "Rx bursts of 8-15 packets.", "bursts", false, bursts[3]),
    WORKER("bursts_16_31", "nfvswitch_worker_rx_bursts", "size=\"16-31\"",
	   "Rx bursts of 16-31 packets.", "bursts", false, bursts[4]),
    WORKER("bursts_32", "nfvswitch_worker_rx_bursts", "size=\"32\"", "Rx bursts of 32 packets.",
	   "bursts", false, bursts[5]),
#define CLS_(field, help)                                                                          \
	WORKER(#field, "nfvswitch_classifier_" #field, NULL, help, "lookups", false, cls.field),
    VS_CLS_CTX_COUNTERS(CLS_)
#undef CLS_
	WORKER("emc_insert_shift", "nfvswitch_classifier_emc_insert_shift", NULL,
	       "EMC insertion probability is 1/2^shift (adaptive).", "", true,
	       cls.emc_insert_shift),
    WORKER("emc_bypassed", "nfvswitch_classifier_emc_bypassed", NULL,
	   "1 while the EMC's cost policy bypasses it (trials included).", "", true,
	   cls.emc_bypassed),
    WORKER("emc_cycles_on", "nfvswitch_classifier_emc_cycles", "way=\"on\"",
	   "Classification cycles per key measured with the EMC on (0: not yet).", "cycles", true,
	   cls.emc_cycles_on),
    WORKER("emc_cycles_off", "nfvswitch_classifier_emc_cycles", "way=\"bypassed\"",
	   "Classification cycles per key measured with the EMC bypassed (0: not yet).", "cycles",
	   true, cls.emc_cycles_off),
};

/* Index = enum vs_drop_reason; [VS_DROP_NONE] is not a drop and not exported. */
static const struct vs_counter drop_table[VS_DROP_MAX] = {
#define DROP_PARSE_(id, str, help)                                                                 \
	[VS_DROP_PARSE_##id] = {str,                                                               \
				"nfvswitch_drops",                                                 \
				"reason=\"" str "\"",                                              \
				help,                                                              \
				"packets",                                                         \
				VS_CNT_DROP,                                                       \
				false,                                                             \
				VS_DROP_PARSE_##id * sizeof(uint64_t),                             \
				sizeof(uint64_t)},
    VS_PARSE_OUTCOMES(DROP_PARSE_)
#undef DROP_PARSE_
#define DROP_(id, str, help)                                                                       \
	[VS_DROP_##id] = {str,                                                                     \
			  "nfvswitch_drops",                                                       \
			  "reason=\"" str "\"",                                                    \
			  help,                                                                    \
			  "packets",                                                               \
			  VS_CNT_DROP,                                                             \
			  false,                                                                   \
			  VS_DROP_##id * sizeof(uint64_t),                                         \
			  sizeof(uint64_t)},
	VS_DROP_REASONS(DROP_)
#undef DROP_
};

#define N_TABLE ((unsigned)RTE_DIM(table))

unsigned
vs_counter_count(void)
{
	return N_TABLE + VS_DROP_MAX - VS_DROP_FIRST;
}

const struct vs_counter *
vs_counter_at(unsigned i)
{
	if (i < N_TABLE)
		return &table[i];
	i -= N_TABLE;
	if (i < VS_DROP_MAX - VS_DROP_FIRST)
		return &drop_table[VS_DROP_FIRST + i];
	return NULL;
}

const struct vs_counter *
vs_counter_find(enum vs_counter_kind kind, const char *name)
{
	const struct vs_counter *c;
	unsigned i;

	for (i = 0; (c = vs_counter_at(i)) != NULL; i++)
		if (c->kind == kind && strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static char drops_help[4096];
static pthread_once_t drops_help_once = PTHREAD_ONCE_INIT;

static void
drops_help_init(void)
{
	size_t off;
	unsigned r;

	off = (size_t)snprintf(drops_help, sizeof(drops_help),
			       "Packets dropped by the workers, by reason:");
	for (r = VS_DROP_FIRST; r < VS_DROP_MAX && off < sizeof(drops_help); r++)
		off += (size_t)snprintf(drops_help + off, sizeof(drops_help) - off, " %s: %s",
					drop_table[r].name, drop_table[r].help);
}

const char *
vs_counter_family_help(const struct vs_counter *c)
{
	if (c->kind == VS_CNT_DROP) {
		pthread_once(&drops_help_once, drops_help_init);
		return drops_help;
	}
	if (c->label == NULL)
		return c->help;
	if (strcmp(c->family, "nfvswitch_worker_cycles") == 0)
		return "TSC cycles of each worker, busy (moved packets) or idle.";
	if (strcmp(c->family, "nfvswitch_worker_stage_cycles") == 0)
		return "TSC cycles of each worker by pipeline stage.";
	if (strcmp(c->family, "nfvswitch_worker_rx_bursts") == 0)
		return "Rx bursts of each worker by size (packets).";
	return c->help;
}

uint64_t
vs_counter_get(const struct vs_counter *c, const void *obj)
{
	const char *p = (const char *)obj + c->offset;

	switch (c->size) {
	case 1:
		return *(const bool *)(const void *)p;
	case 4:
		return *(const uint32_t *)(const void *)p;
	default:
		return *(const uint64_t *)(const void *)p;
	}
}

static void
sub_one(const struct vs_counter *c, void *obj, const void *base)
{
	uint64_t *v = (uint64_t *)(void *)((char *)obj + c->offset);
	uint64_t b = vs_counter_get(c, base);

	if (c->gauge || c->size != sizeof(uint64_t))
		return;
	/* A counter below its base restarted (its device was re-created). */
	if (*v >= b)
		*v -= b;
}

void
vs_stats_sub(struct vs_switch_stats *cur, const struct vs_switch_stats *base)
{
	const struct vs_counter *c;
	uint16_t id, w;
	unsigned i;

	for (i = 0; (c = vs_counter_at(i)) != NULL; i++) {
		switch (c->kind) {
		case VS_CNT_GLOBAL:
			sub_one(c, cur, base);
			break;
		case VS_CNT_DROP:
			sub_one(c, cur->drops, base->drops);
			for (w = 0; w < cur->n_workers && w < base->n_workers; w++)
				if (cur->worker[w].lcore == base->worker[w].lcore)
					sub_one(c, cur->worker[w].drops, base->worker[w].drops);
			break;
		case VS_CNT_PORT:
			for (id = 0; id < cur->n_ports && id < base->n_ports; id++)
				if (cur->port[id].present && base->port[id].present &&
				    strcmp(cur->port[id].name, base->port[id].name) == 0)
					sub_one(c, &cur->port[id], &base->port[id]);
			break;
		case VS_CNT_WORKER:
			for (w = 0; w < cur->n_workers && w < base->n_workers; w++)
				if (cur->worker[w].lcore == base->worker[w].lcore)
					sub_one(c, &cur->worker[w], &base->worker[w]);
			break;
		}
	}
	/* Rx queue loads (not in the table: one entry per position in the
	 * worker's queue list), where the position holds the same queue. */
	for (w = 0; w < cur->n_workers && w < base->n_workers; w++) {
		struct vs_switch_worker_stats *cw = &cur->worker[w];
		const struct vs_switch_worker_stats *bw = &base->worker[w];

		if (cw->lcore != bw->lcore)
			continue;
		for (i = 0; i < cw->n_rxq && i < bw->n_rxq && i < VS_WORKER_MAX_RXQ; i++) {
			struct vs_rxq_load *l = &cw->rxq[i];
			const struct vs_rxq_load *b = &bw->rxq[i];

			if (l->q.port == b->q.port && l->q.queue == b->q.queue &&
			    l->cycles >= b->cycles && l->pkts >= b->pkts) {
				l->cycles -= b->cycles;
				l->pkts -= b->pkts;
			}
		}
	}
}

/* ---- stdout --------------------------------------------------------------------------- */

static void
print_drops(FILE *f, const char *indent, const uint64_t *cur, const uint64_t *prev)
{
	bool any = false;
	unsigned r;

	for (r = VS_DROP_FIRST; r < VS_DROP_MAX; r++) {
		uint64_t d = cur[r] - (prev ? prev[r] : 0);

		if (d == 0 && prev != NULL)
			continue;
		fprintf(f, "%s%s=%" PRIu64, any ? " " : indent, drop_table[r].name, d);
		any = true;
	}
	if (any)
		fprintf(f, "\n");
}

/* Where lookups were answered: port fast path, EMC, subtables, or nowhere. */
static void
print_cls(FILE *f, const struct vs_cls_ctx_stats *c, const struct vs_cls_ctx_stats *p)
{
	uint64_t lookups = c->lookups - p->lookups;

	if (lookups == 0)
		return;
	fprintf(f,
		"  classifier: port-fast %.1f%%  emc %.1f%%  subtables %.1f%%  miss %.1f%%  "
		"(emc insert 1/%u)\n",
		100.0 * (double)(c->port_fast_hits - p->port_fast_hits) / lookups,
		100.0 * (double)(c->emc_hits - p->emc_hits) / lookups,
		100.0 * (double)(c->tss_hits - p->tss_hits) / lookups,
		100.0 * (double)(c->tss_misses - p->tss_misses) / lookups,
		1u << c->emc_insert_shift);
}

/* Every counter of one kind, "name=value ...". */
static void
print_kind(FILE *f, enum vs_counter_kind kind, const void *obj)
{
	const struct vs_counter *c;
	unsigned i;

	for (i = 0; (c = vs_counter_at(i)) != NULL; i++)
		if (c->kind == kind)
			fprintf(f, " %s=%" PRIu64, c->name, vs_counter_get(c, obj));
	fprintf(f, "\n");
}

static void
print_rates(FILE *f, const struct vs_switch_stats *cur, const struct vs_switch_stats *prev,
	    double dt, double elapsed)
{
	uint16_t id, i;

	fprintf(f, "--- %.1fs ---------------------------------------------------------------\n",
		elapsed);
	for (id = 0; id < cur->n_ports; id++) {
		const struct vs_switch_port_stats *c = &cur->port[id], *p = &prev->port[id];
		uint64_t drops = c->tx_drops + c->dev.imissed + c->dev.rx_nombuf -
				 (p->tx_drops + p->dev.imissed + p->dev.rx_nombuf);

		if (!c->present)
			continue;
		fprintf(f,
			"port %-12s rx %8.3f Mpps %7.3f Gbit/s  tx %8.3f Mpps %7.3f Gbit/s  "
			"drops %" PRIu64 "%s\n",
			c->name, (double)(c->rx_pkts - p->rx_pkts) / dt / 1e6,
			(double)(c->rx_bytes - p->rx_bytes) * 8.0 / dt / 1e9,
			(double)(c->tx_pkts - p->tx_pkts) / dt / 1e6,
			(double)(c->tx_bytes - p->tx_bytes) * 8.0 / dt / 1e9, drops,
			c->ready ? "" : "  (down)");
	}
	for (i = 0; i < cur->n_workers; i++) {
		const struct vs_switch_worker_stats *c = &cur->worker[i], *p = &prev->worker[i];
		uint64_t busy = c->busy_cycles - p->busy_cycles;
		uint64_t idle = c->idle_cycles - p->idle_cycles;
		uint64_t rx = c->rx_pkts - p->rx_pkts;
		/* Busy cycles per received packet: the whole pipeline's cost. */
		double cpp = rx ? (double)busy / (double)rx : 0.0;
		double pct = busy + idle ? 100.0 * (double)busy / (double)(busy + idle) : 0.0;

		fprintf(f,
			"worker lcore %-4u busy %5.1f%%  rx %8.3f Mpps  tx %8.3f Mpps  "
			"%.0f cycles/pkt\n",
			c->lcore, pct, (double)rx / dt / 1e6,
			(double)(c->tx_pkts - p->tx_pkts) / dt / 1e6, cpp);
		print_cls(f, &c->cls, &p->cls);
		print_drops(f, "  drops: ", c->drops, p->drops);
	}
}

void
vs_stats_print(FILE *f, const struct vs_switch_stats *cur, const struct vs_switch_stats *prev,
	       double dt, double elapsed)
{
	uint16_t id, i;

	if (prev != NULL) {
		print_rates(f, cur, prev, dt > 0 ? dt : 1.0, elapsed);
		fflush(f);
		return;
	}
	fprintf(f, "=== totals after %.1fs ====================================================\n",
		elapsed);
	for (id = 0; id < cur->n_ports; id++) {
		if (!cur->port[id].present)
			continue;
		fprintf(f, "port %-12s", cur->port[id].name);
		print_kind(f, VS_CNT_PORT, &cur->port[id]);
	}
	for (i = 0; i < cur->n_workers; i++) {
		fprintf(f, "worker lcore %-4u", cur->worker[i].lcore);
		print_kind(f, VS_CNT_WORKER, &cur->worker[i]);
	}
	fprintf(f, "switch");
	print_kind(f, VS_CNT_GLOBAL, cur);
	fprintf(f, "drops total %" PRIu64 "\n", cur->total_drops);
	print_drops(f, "  by reason: ", cur->drops, NULL);
	fflush(f);
}
