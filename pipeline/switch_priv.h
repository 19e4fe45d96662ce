/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The switch's own state, shared by switch.c (ports, snapshots, apply) and
 * rules.c (the rule table). Control thread only; nothing outside pipeline/
 * includes it.
 */
#ifndef VS_SWITCH_PRIV_H
#define VS_SWITCH_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "vs_numa.h"
#include "vs_rules.h"
#include "vs_switch.h"
#include "vs_l2.h"
#include "vs_tunnel.h"
#include "vs_worker.h"

/* The rule table (rules.c). */
struct vs_rule_table {
	struct vs_sw_rule *head, *tail; /* live rules, in the order they became live */
	uint32_t n;			/* live rules */
	uint32_t n_src[VS_RULE_SRC_MAX];
	uint32_t n_normal;	     /* live rules whose first action is normal */
	struct vs_sw_rule **by_name; /* chains through name_next (named rules only) */
	struct vs_sw_rule **by_key;  /* chains through key_next: src + priority + match */
	uint32_t mask;		     /* buckets - 1 (both tables) */
	uint64_t next_uid;
	uint64_t next_tb[VS_RULE_SRC_MAX]; /* next runtime tiebreak of each source */
	struct vs_rule_txn *txn;	   /* the open transaction, NULL when none */
	uint64_t *bytes_base; /* [max_rules]: workers' byte sums when an id was taken */
	uint32_t max_rules;
};

struct vs_switch {
	const struct vs_config *cfg; /* applied config (caller's), NULL before */
	struct vs_dp_shared sh;
	struct rte_mempool *pool; /* the home socket's (pools[home_socket]) */
	/* One mbuf pool per NUMA socket in use (vs_numa.h), made on first use. */
	struct rte_mempool *pools[VS_NUMA_MAX_SOCKETS];
	int home_socket;
	uint32_t seq;	     /* names this switch's pools and tables */
	uint32_t pool_mbufs; /* mbufs per pool */
	struct rte_rcu_qsbr *qsbr;
	struct vs_cls *cls;
	uint16_t n_workers;
	uint32_t worker_lcores[VS_CFG_MAX_WORKERS];
	struct vs_worker *workers[VS_CFG_MAX_WORKERS];
	struct vs_port *ports[VS_PORT_MAX]; /* by switch port id */
	struct vs_rule_table rt;
	struct vs_l2 *l2;     /* MAC table of the normal action */
	struct vs_tun *tun;   /* VXLAN tunnels and their neighbour table */
	bool l2_statics_done; /* l2.static entries added (restart-only keys) */
	bool l2_static_added[VS_CFG_MAX_L2_STATIC]; /* each, once its port exists */
	uint64_t generation;
	bool running;
	uint16_t pin_next; /* worker whose packet-in ring is drained first */
	/* Workers' per-id counters when the port at that id was added: a port
	 * that reuses the id of one removed earlier starts from zero. */
	struct vs_switch_port_stats port_base[VS_PORT_MAX];
};

/* rules.c */
int vs_rules_init(struct vs_switch *sw, uint32_t max_rules);
/* Forget every rule (their classifier rules go with the classifier). */
void vs_rules_fini(struct vs_switch *sw);

#endif /* VS_SWITCH_PRIV_H */
