/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's commands, declared once. The daemon expands the
 * X-macro into its dispatch table (each ID gets the handler cmd_ID in
 * app/ctl_cmds.c), nfvswitch-ctl into its parser and help text, `help`
 * answers with it and docs/operations.md lists it (tests/ctl checks the
 * doc). No DPDK and no jansson here: nfvswitch-ctl includes it.
 *
 * X(ID, cmd, sub, words, usage, min_args, max_args, flags, help)
 *   cmd, sub   the request: {"cmd": cmd, "args": [sub, ARGS...]} (sub NULL: none)
 *   words      what people type after nfvswitch-ctl
 *   usage      the arguments after words ("" when none)
 *   min/max    how many arguments after words
 *   flags      VS_CTL_F_*
 */
#ifndef VS_CTL_CMDS_H
#define VS_CTL_CMDS_H

#define VS_CTL_F_RO	0x1u /* read-only: changes nothing, never waits for a mutation */
#define VS_CTL_F_STATS	0x2u /* reads the statistics copy: refreshed for it */
#define VS_CTL_F_CLIENT 0x4u /* nfvswitch-ctl builds it from other commands */

/* clang-format off */
#define VS_CTL_COMMANDS(X)                                                                         \
	X(HELP, "help", NULL, "help", "", 0, 0, VS_CTL_F_RO,                                       \
	  "list the commands")                                                                     \
	X(VERSION, "version", NULL, "version", "", 0, 0, VS_CTL_F_RO,                              \
	  "daemon version and the config it runs")                                                 \
	X(SHOW_PORTS, "show", "ports", "show ports", "", 0, 0, VS_CTL_F_RO | VS_CTL_F_STATS,       \
	  "ports: counters, rates, link state, device xstats")                                     \
	X(SHOW_WORKERS, "show", "workers", "show workers", "", 0, 0,                               \
	  VS_CTL_F_RO | VS_CTL_F_STATS,                                                            \
	  "workers: busy %, cycles by stage, bursts, classifier, drops")                           \
	X(SHOW_RULES, "show", "rules", "show rules", "", 0, 0, VS_CTL_F_RO,                        \
	  "rules with their hits, and how they differ from the file")                              \
	X(SHOW_VF, "show", "vf", "show vf", "", 0, 0, VS_CTL_F_RO,                                 \
	  "SR-IOV VFs: requested against applied")                                                 \
	X(SHOW_VHOST, "show", "vhost", "show vhost", "", 0, 0, VS_CTL_F_RO | VS_CTL_F_STATS,       \
	  "vhost-user ports: connection, guest device, queues")                                    \
	X(SHOW_OPENFLOW, "show", "openflow", "show openflow", "", 0, 0, VS_CTL_F_RO,               \
	  "OpenFlow: listener, controllers, connections, packet-in/out counters")                  \
	X(SHOW_FDB, "show", "fdb", "show fdb", "", 0, 0, VS_CTL_F_RO,                              \
	  "the normal action's MAC table: MAC, VLAN, port, age, static")                           \
	X(FDB_FLUSH, "fdb", "flush", "fdb flush", "[PORT]", 0, 1, 0,                               \
	  "remove learned MAC table entries (of PORT only when given)")                            \
	X(SHOW_TUNNELS, "show", "tunnels", "show tunnels", "", 0, 0, VS_CTL_F_RO | VS_CTL_F_STATS, \
	  "vxlan ports: underlay, VNI, addresses, remotes resolved, encap/decap counters")        \
	X(SHOW_NEIGHBOURS, "show", "neighbours", "show neighbours", "", 0, 0, VS_CTL_F_RO,         \
	  "the tunnels' underlay neighbour table (ARP / ND): address, MAC, state, age")           \
	X(SHOW_RXQS, "show", "rxqs", "show rxqs", "[all]", 0, 1, VS_CTL_F_RO | VS_CTL_F_STATS,     \
	  "rx queues per worker with their usage; all: also never-polled ones")                    \
	X(STATS, "stats", NULL, "stats", "", 0, 0, VS_CTL_F_RO | VS_CTL_F_STATS,                   \
	  "rates over the last second, totals, drops by reason")                                   \
	X(STATS_CLEAR, "stats", "clear", "stats clear", "", 0, 0, VS_CTL_F_STATS,                  \
	  "zero the counters ctl shows (metrics and telemetry stay monotonic)")                    \
	X(TOP, NULL, NULL, "top", "[-i S] [-n N]", 0, 4, VS_CTL_F_RO | VS_CTL_F_CLIENT,            \
	  "live view every S seconds (default 1), N times (default: until Ctrl-C)")                \
	X(RULE_ADD, "rule-add", NULL, "rule add", "'RULE'", 1, 1, 0,                               \
	  "add a rule in the config file's syntax, e.g. '{name: r1, priority: 10, "                \
	  "match: {in_port: a}, actions: [{output: b}]}'")                                         \
	X(RULE_DEL, "rule-del", NULL, "rule del", "NAME|#ID|'{priority: P, match: {...}}'", 1, 1, \
	  0, "delete a rule: by name, by the id show rules prints, or by priority and match")     \
	X(RULE_MOD, "rule-mod", NULL, "rule mod", "'RULE'", 1, 1, 0,                               \
	  "replace the rule of that name (unnamed: of that priority and match); its id and "       \
	  "counters stay")                                                                         \
	X(RULE_BATCH, "rule-batch", NULL, "rule batch", "FILE", 1, 1, 0,                           \
	  "one transaction of FILE's {del: [...], mod: [...], add: [...]}: all or nothing")       \
	X(RELOAD, "reload", NULL, "reload", "[--replace]", 0, 1, 0,                                \
	  "reload the config file (refused as a whole if invalid); rules added at runtime stay "   \
	  "unless --replace")                                                                      \
	X(SAVE, "save", NULL, "save", "[PATH]", 0, 1, 0,                                           \
	  "write the running config to PATH, default the config file (comments are lost)")         \
	X(RXQ_REBALANCE, "rxq-rebalance", NULL, "rxq rebalance", "", 0, 0, VS_CTL_F_STATS,         \
	  "re-assign rx queues to workers by measured cycles")                                     \
	X(LOG_LEVEL, "log", "level", "log level", "[MODULE LEVEL]", 0, 2, 0,                       \
	  "set a module's log level at runtime; alone, list modules and levels")                   \
	X(METRICS, "metrics", NULL, "metrics", "", 0, 0, VS_CTL_F_RO | VS_CTL_F_STATS,             \
	  "the Prometheus/OpenMetrics text")                                                       \
	X(TRACE, "trace", NULL, "trace", "in_port=PORT,FIELD=VALUE...|in_port=PORT hex=FRAME", 1,  \
	  16, VS_CTL_F_RO,                                                                         \
	  "what the switch would do with a frame: parse, lookup, rule, actions (sends nothing)")
/* clang-format on */

enum vs_ctl_cmd_id {
#define VS_CTL_CMD_ENUM_(id, cmd, sub, words, usage, min, max, flags, help) VS_CTL_CMD_##id,
	VS_CTL_COMMANDS(VS_CTL_CMD_ENUM_)
#undef VS_CTL_CMD_ENUM_
	    VS_CTL_CMD_MAX
};

#endif /* VS_CTL_CMDS_H */
