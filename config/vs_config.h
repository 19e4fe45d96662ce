/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvswitch configuration: the YAML file turned into a plain, immutable
 * struct. No DPDK types here; the config module does not link DPDK, so it can
 * be tested and fuzzed on its own. See docs/config.md for the schema.
 *
 * Every object remembers where it was defined (struct vs_cfg_pos) so that
 * later stages (port creation, reload refusal) can point at the file too.
 */
#ifndef VS_CONFIG_H
#define VS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define VS_CFG_NAME_MAX	     32	 /* port names, including NUL */
#define VS_CFG_DEVICE_MAX    512 /* PCI address or vdev devargs */
#define VS_CFG_PATH_MAX	     108 /* sizeof(sun_path) */
#define VS_CFG_MAX_PORTS     64
#define VS_CFG_MAX_WORKERS   64
#define VS_CFG_MAX_ACTIONS   16
#define VS_CFG_MAX_TRUNKS    64	 /* VLANs one trunk port lists */
#define VS_CFG_MAX_L2_STATIC 256 /* l2.static entries */
#define VS_CFG_IFNAME_MAX    16	 /* IFNAMSIZ */

struct vs_cfg_pos {
	uint32_t line;	 /* 1-based; 0 when built in / not from a file */
	uint32_t column; /* 1-based */
};

struct vs_cfg_mac {
	uint8_t b[6];
};

/* ---- dpdk: EAL settings (none of these can change on a live reload) ---- */
struct vs_cfg_dpdk {
	uint32_t main_lcore;  /* control thread's lcore (default 0) */
	uint32_t memory_mb;   /* -m; default computed from ports when 0 */
	uint32_t mbufs;	      /* packet buffer pool size; 0 = computed from the ports */
	bool no_huge;	      /* --no-huge (tests, demo without hugepages) */
	bool in_memory;	      /* --in-memory */
	char file_prefix[64]; /* --file-prefix, default "nfvswitch" */
	char log_level[64];   /* --log-level value, "" = default */
	char **extra_args;    /* appended verbatim to the EAL arguments */
	uint32_t n_extra_args;
	struct vs_cfg_pos pos;
};

/* ---- workers ---- */
struct vs_cfg_worker {
	uint32_t lcore;
	struct vs_cfg_pos pos;
};

/* ---- classifier tunables ---- */
struct vs_cfg_classifier {
	uint32_t emc_entries; /* default 8192, power of two, 0 disables the EMC */
	uint32_t max_rules;   /* classifier capacity, default 65536 */
};

/* ---- ports ---- */
enum vs_cfg_port_type {
	VS_CFG_PORT_ETHDEV = 0, /* PCI device or vdev devargs */
	VS_CFG_PORT_VHOST,	/* vhost-user socket */
	VS_CFG_PORT_VXLAN,	/* VXLAN tunnel endpoint (RFC 7348) over an ethdev underlay */
};

#define VS_CFG_MAX_REMOTES 16 /* remote VTEPs of one vxlan port */

/* One IPv4 or IPv6 address (network order; IPv4 in the first 4 bytes). */
struct vs_cfg_ip {
	uint8_t family; /* 4 or 6; 0 unset */
	uint8_t addr[16];
};

enum vs_cfg_vhost_mode {
	VS_CFG_VHOST_CLIENT = 0, /* default: connect to QEMU's socket, reconnect forever */
	VS_CFG_VHOST_SERVER,	 /* create the socket */
};

/* RSS hash types of an ethdev port (rss: types); the switch maps them to
 * RTE_ETH_RSS_* and keeps those the device offers. */
enum {
	VS_CFG_RSS_IPV4 = 1u << 0, /* ipv4 (also "ip") */
	VS_CFG_RSS_IPV6 = 1u << 1, /* ipv6 (also "ip") */
	VS_CFG_RSS_TCP = 1u << 2,
	VS_CFG_RSS_UDP = 1u << 3,
	VS_CFG_RSS_SCTP = 1u << 4,
	VS_CFG_RSS_L2 = 1u << 5, /* l2_payload */
	VS_CFG_RSS_ALL = (1u << 6) - 1,
};
#define VS_CFG_RSS_IP	   (VS_CFG_RSS_IPV4 | VS_CFG_RSS_IPV6)
#define VS_CFG_RSS_DEFAULT (VS_CFG_RSS_IP | VS_CFG_RSS_TCP | VS_CFG_RSS_UDP)
#define VS_CFG_RSS_KEY_MAX 52 /* bytes; a key is 40 or 52 */

struct vs_cfg_rxq_pin {
	uint16_t queue;
	uint32_t worker_lcore; /* must be one of workers[].lcore */
	struct vs_cfg_pos pos;
};

struct vs_cfg_port {
	char name[VS_CFG_NAME_MAX];
	enum vs_cfg_port_type type;
	struct vs_cfg_pos pos;

	/* ethdev */
	char device[VS_CFG_DEVICE_MAX]; /* "0000:3b:00.0" or "net_pcap0,rx_pcap=/x.pcap" */
	uint16_t rx_queues;		/* default 1 */
	uint16_t tx_queues;		/* default: one per worker */
	uint16_t rx_desc;		/* default 1024 */
	uint16_t tx_desc;		/* default 1024 */
	uint16_t mtu;			/* 0 = device default */
	bool promisc;			/* default true */
	bool has_mac;
	struct vs_cfg_mac mac; /* set the port MAC (VF ports) */
	bool mac_from_vf;      /* mac was taken from the port's sriov VF entry */
	/* RSS with rx_queues > 1 (rss:): hash types asked (VS_CFG_RSS_*;
	 * VS_CFG_RSS_DEFAULT when not given) and a key (0 bytes: the driver's). */
	bool has_rss;
	uint32_t rss_types;
	uint8_t rss_key_len;
	uint8_t rss_key[VS_CFG_RSS_KEY_MAX];
	/* VF port tied to an sriov: entry (its MAC then comes from there) */
	bool is_vf;
	char vf_pf[VS_CFG_IFNAME_MAX];
	uint16_t vf_id;

	/* vhost */
	char path[VS_CFG_PATH_MAX];
	enum vs_cfg_vhost_mode mode;
	uint16_t queues; /* queue pairs, default 1 */
	char owner[32];	 /* server mode socket owner ("" = unchanged) */
	char group[32];
	uint32_t socket_perm; /* server mode, default 0660 */
	bool offloads;	      /* checksum / TSO offloads with the guest, default true */

	/* vxlan: the ethdev port the tunnel's packets go out of and come in
	 * by, this end's address there, the remote VTEPs (floods go to each:
	 * head-end replication), the VNI, the UDP destination port, the outer
	 * TTL and DF bit, and a static next-hop MAC (else ARP / ND resolves it). */
	char underlay[VS_CFG_NAME_MAX];
	struct vs_cfg_ip local_ip;
	struct vs_cfg_ip remote_ips[VS_CFG_MAX_REMOTES];
	uint16_t n_remotes;
	uint32_t vni;
	uint16_t dst_port; /* default 4789 */
	uint8_t ttl;	   /* default 64 */
	bool df;	   /* IPv4 outer DF bit, default false */
	bool has_remote_mac;
	struct vs_cfg_mac remote_mac;

	uint32_t ofport; /* OpenFlow port number; 0 = index in ports + 1 */

	/* VLAN mode of the normal action (OVS tag / trunks): tag != 0 makes an
	 * access port of that VLAN; otherwise a trunk of trunks[] (none: every
	 * VLAN) whose untagged frames belong to native_vlan (0: VLAN 0). */
	uint16_t tag;
	uint16_t native_vlan;
	uint16_t n_trunks;
	uint16_t trunks[VS_CFG_MAX_TRUNKS];

	struct vs_cfg_rxq_pin *rxq_pins;
	uint32_t n_rxq_pins;
	struct vs_cfg_pos where_pos; /* of device: (ethdev) or path: (vhost) */
};

/* ---- rules ---- */
enum {
	VS_CFG_M_IN_PORT = 1u << 0,
	VS_CFG_M_ETH_SRC = 1u << 1,
	VS_CFG_M_ETH_DST = 1u << 2,
	VS_CFG_M_ETH_TYPE = 1u << 3,
	VS_CFG_M_VLAN_ID = 1u << 4, /* vlan: N, or vlan: none (untagged) */
	VS_CFG_M_VLAN_PCP = 1u << 5,
	VS_CFG_M_IP_SRC = 1u << 6,
	VS_CFG_M_IP_DST = 1u << 7,
	VS_CFG_M_IP_PROTO = 1u << 8,
	VS_CFG_M_IP_DSCP = 1u << 9,
	VS_CFG_M_L4_SRC = 1u << 10, /* single port or range lo-hi */
	VS_CFG_M_L4_DST = 1u << 11,
	VS_CFG_M_ICMP_TYPE = 1u << 12,
	VS_CFG_M_ICMP_CODE = 1u << 13,
	VS_CFG_M_TUN_ID = 1u << 14,  /* received on a vxlan port with this VNI */
	VS_CFG_M_TUN_SRC = 1u << 15, /* ... from this (IPv4) remote VTEP */
};

struct vs_cfg_prefix {
	uint8_t family;	  /* 4 or 6 */
	uint8_t len;	  /* prefix length (0 when masked) */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes; host bits zero */
	/* a non-contiguous mask ("10.0.0.0/255.0.255.0"): addr has no bit
	 * outside it; all zero when not masked (the prefix is len) */
	bool masked;
	uint8_t mask[16];
};

struct vs_cfg_match {
	uint32_t fields; /* VS_CFG_M_* present */
	char in_port[VS_CFG_NAME_MAX];
	struct vs_cfg_mac eth_src, eth_src_mask; /* mask all-ones unless "mac/mask" given */
	struct vs_cfg_mac eth_dst, eth_dst_mask;
	uint16_t eth_type; /* implied 0x0800/0x86dd by ip_* fields when absent */
	bool vlan_none;	   /* match untagged frames only */
	uint16_t vlan_id;
	/* vlan: VID/MASK ("0x060/0xff0"): tagged frames whose VID under
	 * vlan_mask is vlan_id (mask 0: any tagged frame); vlan_id has no bit
	 * outside the mask */
	bool vlan_masked;
	uint16_t vlan_mask;
	uint8_t vlan_pcp;
	struct vs_cfg_prefix ip_src, ip_dst;
	uint8_t ip_proto;
	uint8_t ip_dscp;
	uint16_t l4_src_lo, l4_src_hi;
	uint16_t l4_dst_lo, l4_dst_hi;
	/* non-zero: l4_*_lo under this bitmask ("0x0050/0xfff0"), hi = lo;
	 * zero: the range lo..hi (never 0xffff: that is the range lo..lo) */
	uint16_t l4_src_mask, l4_dst_mask;
	uint8_t icmp_type, icmp_code;
	uint32_t tun_id;    /* 0..16777215 */
	uint8_t tun_src[4]; /* IPv4, network order */
};

enum vs_cfg_action_type {
	VS_CFG_ACT_OUTPUT = 0,
	VS_CFG_ACT_DROP,
	VS_CFG_ACT_FLOOD,     /* every port but the input one */
	VS_CFG_ACT_PUSH_VLAN, /* push_vlan: {vid, pcp} */
	VS_CFG_ACT_POP_VLAN,
	VS_CFG_ACT_SET_ETH_SRC,
	VS_CFG_ACT_SET_ETH_DST,
	VS_CFG_ACT_CONTROLLER,	 /* controller: {max_len} (OpenFlow packet-in) */
	VS_CFG_ACT_NORMAL,	 /* the MAC learning switch (l2/) */
	VS_CFG_ACT_IN_PORT,	 /* back out of the input port (OpenFlow OFPP_IN_PORT) */
	VS_CFG_ACT_ALL,		 /* as flood (OpenFlow OFPP_ALL: no port is kept out of floods) */
	VS_CFG_ACT_SET_VLAN_VID, /* set_vlan_vid: N, the outer tag's VID */
	VS_CFG_ACT_SET_VLAN_PCP, /* set_vlan_pcp: N, the outer tag's PCP */
};

/* controller max_len: the whole frame (OFPCML_NO_BUFFER). */
#define VS_CFG_CTL_MAX_LEN_ALL 0xffff

struct vs_cfg_action {
	enum vs_cfg_action_type type;
	char port[VS_CFG_NAME_MAX]; /* output */
	uint16_t vlan_id;	    /* push_vlan, set_vlan_vid */
	uint8_t vlan_pcp;	    /* push_vlan, set_vlan_pcp */
	/* OpenFlow WRITE_ACTIONS: a member of the action set, run after the
	 * list in the spec's order (pop, push, set fields, output) */
	bool in_set;
	uint16_t vlan_tpid;    /* push_vlan: 0x8100 (also when 0) or 0x88a8 */
	struct vs_cfg_mac mac; /* set_eth_* */
	uint16_t max_len;      /* controller: bytes of the frame sent; 0xffff: all */
	struct vs_cfg_pos pos;
};

/*
 * A rule. actions is the last member: a copy kept for long (the rule layer's
 * copy of every live rule) is allocated with room for its n_actions only
 * (vs_cfg_rule_size), so such a copy is read up to actions[n_actions - 1]
 * and copied or compared with vs_cfg_rule_copy / vs_cfg_rule_same, never as
 * a whole struct.
 */
struct vs_cfg_rule {
	char name[64];	    /* optional, "" when not given */
	int32_t priority;   /* 0..65535 */
	uint32_t n_actions; /* >= 1; a lone drop is allowed */
	bool clear_actions; /* OpenFlow CLEAR_ACTIONS (shown; the tables compose the set) */
	struct vs_cfg_pos pos;
	struct vs_cfg_match match;
	struct vs_cfg_action actions[VS_CFG_MAX_ACTIONS];
};

/* Bytes of a rule with n actions: its members up to actions[n - 1]. */
static inline size_t
vs_cfg_rule_size(uint32_t n_actions)
{
	if (n_actions > VS_CFG_MAX_ACTIONS)
		n_actions = VS_CFG_MAX_ACTIONS;
	return offsetof(struct vs_cfg_rule, actions) + n_actions * sizeof(struct vs_cfg_action);
}

/* Copy rule src (its vs_cfg_rule_size bytes) to dst, which has room for them. */
static inline void
vs_cfg_rule_copy(struct vs_cfg_rule *dst, const struct vs_cfg_rule *src)
{
	memcpy(dst, src, vs_cfg_rule_size(src->n_actions));
}

/* Whether a and b hold the same bytes, actions beyond n_actions not counted
 * (rules are built from zeroed memory, so equal rules have equal padding). */
static inline bool
vs_cfg_rule_same(const struct vs_cfg_rule *a, const struct vs_cfg_rule *b)
{
	return a->n_actions == b->n_actions && memcmp(a, b, vs_cfg_rule_size(a->n_actions)) == 0;
}

/* ---- sriov ---- */
enum vs_cfg_tristate { VS_CFG_UNSET = -1, VS_CFG_OFF = 0, VS_CFG_ON = 1 };

enum vs_cfg_link_state {
	VS_CFG_LINK_UNSET = -1,
	VS_CFG_LINK_AUTO = 0,
	VS_CFG_LINK_ENABLE = 1,
	VS_CFG_LINK_DISABLE = 2,
};

struct vs_cfg_vf {
	uint16_t id;
	bool has_mac;
	struct vs_cfg_mac mac;
	bool has_vlan;
	uint16_t vlan;	      /* 0..4095 (0 = no VLAN) */
	uint8_t qos;	      /* 0..7 */
	uint16_t vlan_proto;  /* 0x8100 (default) or 0x88a8 */
	int spoofchk;	      /* enum vs_cfg_tristate */
	int trust;	      /* enum vs_cfg_tristate */
	int link_state;	      /* enum vs_cfg_link_state */
	uint32_t min_tx_rate; /* Mbit/s, 0 = unset */
	uint32_t max_tx_rate; /* Mbit/s, 0 = unset */
	struct vs_cfg_mac *extra_macs;
	uint32_t n_extra_macs;
	struct vs_cfg_pos pos;
};

enum vs_cfg_pf_backend {
	VS_CFG_PF_KERNEL = 0, /* `pf: ens1f0`: kernel netdev, netlink */
	VS_CFG_PF_DPDK,	      /* `dpdk_port: uplink0`: DPDK-owned ixgbe/i40e PF */
};

struct vs_cfg_pf {
	char pf[VS_CFG_NAME_MAX]; /* netdev name or port name */
	enum vs_cfg_pf_backend backend;
	uint16_t num_vfs;
	struct vs_cfg_vf *vfs;
	uint32_t n_vfs;
	struct vs_cfg_pos pos;
};

/* ---- control plane ---- */
struct vs_cfg_control {
	char socket[VS_CFG_PATH_MAX]; /* default /run/nfvswitch/ctl.sock */
	uint32_t socket_perm;	      /* default 0600 */
	uint32_t stats_interval_ms;   /* periodic rate print, default 1000; 0 = off */
	bool watch_file;	      /* reload when the file changes (default false) */
	char metrics_listen[64];      /* "127.0.0.1:9091", "" = off */
	struct vs_cfg_pos socket_pos; /* of control.socket (0:0 when the default) */
};

/* ---- openflow: the OpenFlow 1.3 front end ---- */
#define VS_CFG_MAX_CONTROLLERS 4

enum vs_cfg_table_miss {
	VS_CFG_MISS_DROP = 0,	    /* a miss is dropped (counted no_rule) */
	VS_CFG_MISS_CONTROLLER = 1, /* a miss goes to the controllers (packet-in) */
};

enum vs_cfg_fail_mode {
	VS_CFG_FAIL_SECURE = 0,	    /* no controller: the flows stay, misses follow table_miss */
	VS_CFG_FAIL_STANDALONE = 1, /* no controller: misses go to MAC learning (normal) */
};

struct vs_cfg_openflow {
	char listen[VS_CFG_PATH_MAX + 8]; /* "ptcp:PORT[:IP]" or "punix:PATH"; "" = off */
	uint64_t datapath_id;		  /* FEATURES_REPLY datapath_id, default 1 */
	/* active connections: "tcp:IP:PORT" or "unix:PATH" */
	char controllers[VS_CFG_MAX_CONTROLLERS][VS_CFG_PATH_MAX + 8];
	uint32_t n_controllers;
	int table_miss;		 /* enum vs_cfg_table_miss */
	uint32_t packet_in_rate; /* packet-ins per second per controller, default 1000 */
	uint32_t tables;	 /* OpenFlow tables, default 8 (1..254) */
	int fail_mode;		 /* enum vs_cfg_fail_mode */
};

/* ---- l2: the MAC learning table of the normal action ---- */
struct vs_cfg_l2_static {
	struct vs_cfg_mac mac;
	uint16_t vlan;
	char port[VS_CFG_NAME_MAX];
	struct vs_cfg_pos pos;
};

struct vs_cfg_l2 {
	uint32_t aging_s;     /* default 300; learned entries unseen this long go */
	uint32_t max_entries; /* default 8192; learned + static */
	struct vs_cfg_l2_static statics[VS_CFG_MAX_L2_STATIC];
	uint32_t n_statics;
};

struct vs_config {
	char source[256]; /* file name, or "<built-in>" */
	struct vs_cfg_dpdk dpdk;
	struct vs_cfg_worker *workers;
	uint32_t n_workers;
	struct vs_cfg_classifier classifier;
	struct vs_cfg_port *ports;
	uint32_t n_ports;
	struct vs_cfg_rule *rules;
	uint32_t n_rules;
	struct vs_cfg_pf *sriov;
	uint32_t n_sriov;
	struct vs_cfg_control control;
	struct vs_cfg_openflow openflow;
	struct vs_cfg_l2 l2;
};

/*
 * An error as a value (in the style of rte_flow_error): every function on the
 * parse / validate / plan / apply path takes one and fills it, the top level
 * logs it once and replies with it. msg is the whole sentence the operator
 * reads: "FILE:LINE:COL: KEY: what was found; what is accepted" for config
 * errors, "OBJECT: what failed: why" for apply errors. code is the negative
 * errno the function returns; pos is where in the file (0:0 when the error is
 * not tied to a place); object names the port, rule or VF ("" when none).
 */
struct vs_cfg_error {
	char msg[1024];
	struct vs_cfg_pos pos;
	int code;	 /* -errno, 0 when unset */
	char object[64]; /* "port uplink0", "rule r7", "sriov ens1f0 vf 2", or "" */
};

/*
 * Fill err (may be NULL) and return code (a negative errno), so that callers
 * write `return vs_cfg_err(err, -EINVAL, pos, "port x", "%s:%u:%u: ...", ...)`.
 * A message already set is kept when fmt is NULL.
 */
int vs_cfg_err(struct vs_cfg_error *err, int code, struct vs_cfg_pos pos, const char *object,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Clear err (may be NULL). */
void vs_cfg_err_clear(struct vs_cfg_error *err);

/* ---- rule changes at runtime (nfvswitch-ctl rule add/del/mod/batch) ---- */

enum vs_cfg_rule_op_type {
	VS_CFG_RULE_OP_ADD = 0,
	VS_CFG_RULE_OP_DEL,
	VS_CFG_RULE_OP_MOD,
};
#define VS_CFG_RULE_BATCH 3 /* kind of vs_config_parse_rule_ops: a batch document */

struct vs_cfg_rule_op {
	enum vs_cfg_rule_op_type op;
	/* del/mod: the rule is found by match + priority (no name given). */
	bool by_match;
	/* add/mod: the rule; del: its name, or its priority and match. */
	struct vs_cfg_rule rule;
};

/*
 * Parse rule changes written in the config file's syntax; name is used in
 * messages ("rule-add:1:12: ..."). kind VS_CFG_RULE_OP_ADD or _MOD: buf is
 * one rule ({name, priority, match, actions}); _DEL: a rule name, or
 * {priority, match} (name optional); VS_CFG_RULE_BATCH: a mapping with any of
 * `del: [NAME or {priority, match}, ...]`, `mod: [RULE, ...]`,
 * `add: [RULE, ...]`, listed in that order (deletions first). Port names are
 * checked against ports->ports (the running ports). 0 and a malloc'd array
 * in *ops (free it), or -errno with err filled.
 */
int vs_config_parse_rule_ops(const char *buf, size_t len, const char *name, int kind,
			     const struct vs_config *ports, struct vs_cfg_rule_op **ops,
			     uint32_t *n, struct vs_cfg_error *err);

/* Load and validate. NULL on error, with err filled (err may be NULL). */
struct vs_config *vs_config_load(const char *path, struct vs_cfg_error *err);
/* Same from memory; name is used in messages. */
struct vs_config *vs_config_load_buf(const char *buf, size_t len, const char *name,
				     struct vs_cfg_error *err);
/* Accepts NULL. */
void vs_config_free(struct vs_config *cfg);

/*
 * Whether next may replace cur on a live reload: 0, or -EPERM with err naming
 * the first key of reload class VS_CFG_RELOAD_RESTART that differs (dpdk.*,
 * workers, classifier.*, control.socket / socket_mode / metrics_listen; see
 * docs/config.md), positioned in next's file. -EINVAL when either is NULL. err may be NULL.
 */
int vs_config_reload_check(const struct vs_config *cur, const struct vs_config *next,
			   struct vs_cfg_error *err);

/*
 * ---- the schema: one table of keys per section ----
 *
 * Every key of the file is declared once, in the table of its section
 * (config.c): its name, type, field, range, default, reload class and doc
 * line. Parse, defaults, free, the reload check, comparison (which ports must
 * be recreated, which control keys changed) and `nfvswitch-ctl save` all loop
 * over these tables, and a test checks that docs/config.md lists each key
 * with its reload class. Keys with a grammar of their own (lists, references,
 * MACs tied to VFs) are VS_CFG_T_CUSTOM: dedicated code behind the same
 * entry. The rules section is listed for the docs and the reload classes;
 * rules, matches and actions are parsed and compared by their own code.
 */
enum vs_cfg_section {
	VS_CFG_SEC_DPDK = 0,   /* struct vs_cfg_dpdk */
	VS_CFG_SEC_WORKERS,    /* each workers[] item: struct vs_cfg_worker */
	VS_CFG_SEC_CLASSIFIER, /* struct vs_cfg_classifier */
	VS_CFG_SEC_CONTROL,    /* struct vs_cfg_control */
	VS_CFG_SEC_PORTS,      /* each ports[] item: struct vs_cfg_port */
	VS_CFG_SEC_SRIOV,      /* each sriov[] item: struct vs_cfg_pf */
	VS_CFG_SEC_VFS,	       /* each sriov[].vfs[] item: struct vs_cfg_vf */
	VS_CFG_SEC_RULES,      /* each rules[] item: struct vs_cfg_rule (listed only) */
	VS_CFG_SEC_OPENFLOW,   /* struct vs_cfg_openflow */
	VS_CFG_SEC_L2,	       /* struct vs_cfg_l2 */
	VS_CFG_SEC_MAX,
};

enum vs_cfg_type {
	VS_CFG_T_UINT = 0, /* unsigned integer of size 1, 2, 4 or 8 bytes, min..max */
	VS_CFG_T_BOOL,	   /* bool */
	VS_CFG_T_TRISTATE, /* int: enum vs_cfg_tristate (unset until given) */
	VS_CFG_T_MODE,	   /* uint32_t octal permission bits */
	VS_CFG_T_STR,	   /* char[size] */
	VS_CFG_T_ENUM,	   /* a name of enums, stored as an integer of size bytes */
	VS_CFG_T_MAC,	   /* struct vs_cfg_mac (unicast, not zero) */
	VS_CFG_T_CUSTOM,   /* dedicated parse / compare / write code */
};

/* What a live reload does when the key changes. */
enum vs_cfg_reload {
	VS_CFG_RELOAD_LIVE = 0, /* applied in place */
	VS_CFG_RELOAD_RESTART,	/* refused by vs_config_reload_check(): restart to change */
	VS_CFG_RELOAD_RECREATE, /* the object (a port, a PF's VFs) is created anew */
};

#define VS_CFG_K_REQUIRED (1u << 0)  /* must be given (missing says key->missing) */
#define VS_CFG_K_ETHDEV	  (1u << 1)  /* ports: a key of ethdev ports only */
#define VS_CFG_K_VHOST	  (1u << 2)  /* ports: a key of vhost ports only */
#define VS_CFG_K_SERVER	  (1u << 3)  /* ports: vhost server mode only */
#define VS_CFG_K_ID	  (1u << 4)  /* names the object: a change is a removal and an add */
#define VS_CFG_K_HAS	  (1u << 5)  /* giving it sets the bool at has_offset */
#define VS_CFG_K_WITH	  (1u << 6)  /* set (written, compared) only when that bool is */
#define VS_CFG_K_LATE	  (1u << 7)  /* parsed after the other keys of its object */
#define VS_CFG_K_EMPTY	  (1u << 8)  /* a string that may be "" */
#define VS_CFG_K_POS	  (1u << 9)  /* the value's position goes to pos_offset */
#define VS_CFG_K_EXTERN	  (1u << 10) /* listed only: parsed and compared by dedicated code */
#define VS_CFG_K_VXLAN	  (1u << 11) /* ports: a key of vxlan ports only */

struct vs_cfg_enum {
	const char *name;
	int64_t value; /* several names may share one; the first is how it is written */
};

struct vs_cfg_key_ops; /* private to config/: the code behind a custom key */

struct vs_cfg_key {
	const char *name;
	enum vs_cfg_type type;
	enum vs_cfg_reload reload;
	uint32_t flags;			  /* VS_CFG_K_* */
	size_t offset;			  /* of the field in the section's struct */
	size_t size;			  /* of the field (custom: of the fields it covers) */
	size_t has_offset;		  /* VS_CFG_K_HAS / _WITH: of a bool */
	size_t pos_offset;		  /* VS_CFG_K_POS: of a struct vs_cfg_pos */
	uint64_t min, max;		  /* UINT: range */
	int charset;			  /* STR: which characters (private enum) */
	int64_t def;			  /* default of UINT, BOOL, TRISTATE, MODE, ENUM */
	const char *def_str;		  /* default of STR (NULL: "") */
	const struct vs_cfg_enum *enums;  /* ENUM: the names, NULL-terminated */
	const char *what;		  /* ENUM: "port type" in "... is not a port type" */
	const char *expected;		  /* ENUM: "ethdev or vhost" */
	const char *missing;		  /* REQUIRED: what the message says is expected */
	const char *doc;		  /* one line for the docs */
	const struct vs_cfg_key_ops *ops; /* custom code, or checks beyond the type */
};

/* The keys of a section, in the order they are parsed and written. */
const struct vs_cfg_key *vs_config_keys(enum vs_cfg_section sec, size_t *n);
/* "dpdk", "workers", ..., "vfs", "rules"; NULL out of range. */
const char *vs_config_section_name(enum vs_cfg_section sec);
/* "live", "restart", "recreate". */
const char *vs_cfg_reload_str(enum vs_cfg_reload r);
/* Whether objects a and b of the key's section hold the same value for it. */
bool vs_cfg_key_same(const struct vs_cfg_key *k, const void *a, const void *b);
/*
 * Whether objects a and b of section sec agree on every key whose reload
 * class is in classes (a mask of 1u << VS_CFG_RELOAD_*). Keys that name the
 * object (VS_CFG_K_ID) and listed-only keys are not compared.
 */
bool vs_config_same(enum vs_cfg_section sec, const void *a, const void *b, unsigned int classes);
/*
 * Write key k of obj as YAML the loader reads back: "PREFIXname: value\n"
 * (INDENT for the lines of a nested list). Nothing when the key is unset or
 * does not apply to obj (an ethdev key of a vhost port). 1 written, 0 not,
 * -EIO on a write error.
 */
int vs_cfg_key_write(FILE *f, const struct vs_cfg_key *k, const void *obj, const char *prefix,
		     const char *indent);
/* Every key of obj (an object of sec) that is set; the first line written
 * starts with first ("  - " for a list item), the others with indent. 0 or -EIO. */
int vs_cfg_write_obj(FILE *f, enum vs_cfg_section sec, const void *obj, const char *first,
		     const char *indent);
/* A YAML double-quoted scalar. */
void vs_cfg_write_str(FILE *f, const char *s);

/* 0 when s is "tcp:IPv4:PORT" or "unix:/PATH" (an active controller), else -EINVAL. */
int vs_config_check_of_controller(const char *s);

/* The OpenFlow port number of cfg->ports[i]: its ofport, or i + 1. */
uint32_t vs_config_ofport(const struct vs_config *cfg, uint32_t i);
/* "ptcp:PORT[:IP]" or "punix:PATH" (0), or -EINVAL. */
int vs_config_check_of_listen(const char *s);

/* Lookups on a loaded config; NULL / -1 when absent. */
const struct vs_cfg_port *vs_config_port(const struct vs_config *cfg, const char *name);
int vs_config_port_index(const struct vs_config *cfg, const char *name);

/* Text forms, for logs and `show` commands. buf must hold 18 bytes for a MAC,
 * 46 for an address. */
const char *vs_cfg_ip_str(const struct vs_cfg_ip *ip, char *buf, size_t size);
const char *vs_cfg_mac_str(const struct vs_cfg_mac *mac, char *buf, size_t size);
const char *vs_cfg_port_type_str(enum vs_cfg_port_type t);
const char *vs_cfg_action_type_str(enum vs_cfg_action_type t);
/* The name of one VS_CFG_RSS_* bit ("ipv4", "tcp", ...); NULL for others. */
const char *vs_cfg_rss_type_str(uint32_t bit);

#endif /* VS_CONFIG_H */
