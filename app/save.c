/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Write a struct vs_config back as YAML the loader reads into the same
 * struct (nfvswitch-ctl save): runtime rule changes can then be kept.
 * Every value is written explicitly, key by key from the config module's
 * tables (vs_config_keys); comments of the original file are not kept.
 * Control thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vs_ctl.h"

/* A YAML double-quoted scalar. */
static void
q(FILE *f, const char *s)
{
	vs_cfg_write_str(f, s);
}

static void
mac(FILE *f, const struct vs_cfg_mac *m)
{
	char b[24];

	q(f, vs_cfg_mac_str(m, b, sizeof(b)));
}

static bool
mask_full(const struct vs_cfg_mac *m)
{
	static const struct vs_cfg_mac ones = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

	return memcmp(m, &ones, sizeof(ones)) == 0;
}

static void
mac_masked(FILE *f, const struct vs_cfg_mac *m, const struct vs_cfg_mac *mask)
{
	char a[24], b[24], both[48];

	if (mask_full(mask)) {
		mac(f, m);
		return;
	}
	snprintf(both, sizeof(both), "%s/%s", vs_cfg_mac_str(m, a, sizeof(a)),
		 vs_cfg_mac_str(mask, b, sizeof(b)));
	q(f, both);
}

static void
prefix(FILE *f, const struct vs_cfg_prefix *p)
{
	char a[INET6_ADDRSTRLEN], both[INET6_ADDRSTRLEN + 8];

	char mk[INET6_ADDRSTRLEN], all[2 * INET6_ADDRSTRLEN + 2];

	inet_ntop(p->family == 6 ? AF_INET6 : AF_INET, p->addr, a, sizeof(a));
	if (p->masked) {
		inet_ntop(p->family == 6 ? AF_INET6 : AF_INET, p->mask, mk, sizeof(mk));
		snprintf(all, sizeof(all), "%s/%s", a, mk);
		q(f, all);
		return;
	}
	snprintf(both, sizeof(both), "%s/%u", a, p->len);
	q(f, both);
}

static void
range(FILE *f, uint16_t lo, uint16_t hi, uint16_t mask)
{
	if (mask != 0)
		fprintf(f, "\"0x%04x/0x%04x\"", lo, mask);
	else if (lo == hi)
		fprintf(f, "%u", lo);
	else
		fprintf(f, "\"%u-%u\"", lo, hi);
}

static void
write_match(FILE *f, const struct vs_cfg_match *m)
{
	const char *sep = "";

	fputs("match: {", f);
#define KEY(k) (fprintf(f, "%s%s: ", sep, k), sep = ", ")
	if (m->fields & VS_CFG_M_IN_PORT)
		KEY("in_port"), q(f, m->in_port);
	if (m->fields & VS_CFG_M_ETH_SRC)
		KEY("eth_src"), mac_masked(f, &m->eth_src, &m->eth_src_mask);
	if (m->fields & VS_CFG_M_ETH_DST)
		KEY("eth_dst"), mac_masked(f, &m->eth_dst, &m->eth_dst_mask);
	if (m->fields & VS_CFG_M_ETH_TYPE)
		KEY("eth_type"), fprintf(f, "0x%04x", m->eth_type);
	if (m->fields & VS_CFG_M_VLAN_ID) {
		KEY("vlan");
		if (m->vlan_none)
			fputs("none", f);
		else if (m->vlan_masked)
			fprintf(f, "\"0x%03x/0x%03x\"", m->vlan_id, m->vlan_mask);
		else
			fprintf(f, "%u", m->vlan_id);
	}
	if (m->fields & VS_CFG_M_VLAN_PCP)
		KEY("vlan_pcp"), fprintf(f, "%u", m->vlan_pcp);
	if (m->fields & VS_CFG_M_IP_SRC)
		KEY("ip_src"), prefix(f, &m->ip_src);
	if (m->fields & VS_CFG_M_IP_DST)
		KEY("ip_dst"), prefix(f, &m->ip_dst);
	if (m->fields & VS_CFG_M_IP_PROTO)
		KEY("ip_proto"), fprintf(f, "%u", m->ip_proto);
	if (m->fields & VS_CFG_M_IP_DSCP)
		KEY("ip_dscp"), fprintf(f, "%u", m->ip_dscp);
	if (m->fields & VS_CFG_M_L4_SRC)
		KEY("l4_src"), range(f, m->l4_src_lo, m->l4_src_hi, m->l4_src_mask);
	if (m->fields & VS_CFG_M_L4_DST)
		KEY("l4_dst"), range(f, m->l4_dst_lo, m->l4_dst_hi, m->l4_dst_mask);
	if (m->fields & VS_CFG_M_ICMP_TYPE)
		KEY("icmp_type"), fprintf(f, "%u", m->icmp_type);
	if (m->fields & VS_CFG_M_ICMP_CODE)
		KEY("icmp_code"), fprintf(f, "%u", m->icmp_code);
	if (m->fields & VS_CFG_M_TUN_ID)
		KEY("tun_id"), fprintf(f, "%u", m->tun_id);
	if (m->fields & VS_CFG_M_TUN_SRC)
		KEY("tun_src"), fprintf(f, "\"%u.%u.%u.%u\"", m->tun_src[0], m->tun_src[1],
					m->tun_src[2], m->tun_src[3]);
#undef KEY
	fputs("}", f);
}

static void
write_rule(FILE *f, const struct vs_cfg_rule *r)
{
	uint32_t i;

	fputs("  - {", f);
	if (r->name[0] != '\0') {
		fputs("name: ", f);
		q(f, r->name);
		fputs(", ", f);
	}
	fprintf(f, "priority: %d,\n     ", r->priority);
	write_match(f, &r->match);
	fputs(",\n     actions: [", f);
	for (i = 0; i < r->n_actions && i < VS_CFG_MAX_ACTIONS; i++) {
		const struct vs_cfg_action *a = &r->actions[i];

		fputs(i ? ", " : "", f);
		switch (a->type) {
		case VS_CFG_ACT_OUTPUT:
			fputs("{output: ", f);
			q(f, a->port);
			fputs("}", f);
			break;
		case VS_CFG_ACT_PUSH_VLAN:
			fprintf(f, "{push_vlan: {vid: %u, pcp: %u, tpid: 0x%04x}}", a->vlan_id,
				a->vlan_pcp, a->vlan_tpid ? a->vlan_tpid : 0x8100);
			break;
		case VS_CFG_ACT_SET_VLAN_VID:
			fprintf(f, "{set_vlan_vid: %u}", a->vlan_id);
			break;
		case VS_CFG_ACT_SET_VLAN_PCP:
			fprintf(f, "{set_vlan_pcp: %u}", a->vlan_pcp);
			break;
		case VS_CFG_ACT_CONTROLLER:
			fprintf(f, "{controller: {max_len: %u}}", a->max_len);
			break;
		case VS_CFG_ACT_SET_ETH_SRC:
		case VS_CFG_ACT_SET_ETH_DST:
			fprintf(f, "{%s: ", vs_cfg_action_type_str(a->type));
			mac(f, &a->mac);
			fputs("}", f);
			break;
		default:
			fputs(vs_cfg_action_type_str(a->type), f);
			break;
		}
	}
	fputs("]}\n", f);
}

/* A list section: "NAME:" and its items, or "NAME: []". */
static int
write_list(FILE *f, enum vs_cfg_section sec, const void *base, uint32_t n, size_t size)
{
	uint32_t i;
	int rc = 0;

	fprintf(f, "%s:%s\n", vs_config_section_name(sec), n ? "" : " []");
	for (i = 0; i < n && rc == 0; i++)
		rc = vs_cfg_write_obj(f, sec, (const char *)base + i * size, "  - ", "    ");
	return rc;
}

int
vs_config_write(const struct vs_config *cfg, FILE *f)
{
	uint32_t i;
	int rc;

	if (cfg == NULL || f == NULL)
		return -EINVAL;
	fprintf(f, "# Written by nfvswitch from the running configuration (%s).\n", cfg->source);
	fputs("dpdk:\n", f);
	rc = vs_cfg_write_obj(f, VS_CFG_SEC_DPDK, &cfg->dpdk, "  ", "  ");
	if (rc == 0)
		rc = write_list(f, VS_CFG_SEC_WORKERS, cfg->workers, cfg->n_workers,
				sizeof(*cfg->workers));
	if (rc == 0) {
		fputs("classifier:\n", f);
		rc = vs_cfg_write_obj(f, VS_CFG_SEC_CLASSIFIER, &cfg->classifier, "  ", "  ");
	}
	if (rc == 0) {
		fputs("control:\n", f);
		rc = vs_cfg_write_obj(f, VS_CFG_SEC_CONTROL, &cfg->control, "  ", "  ");
	}
	if (rc == 0 && (cfg->openflow.listen[0] != '\0' || cfg->openflow.n_controllers > 0)) {
		fputs("openflow:\n", f);
		rc = vs_cfg_write_obj(f, VS_CFG_SEC_OPENFLOW, &cfg->openflow, "  ", "  ");
	}
	if (rc == 0) {
		fputs("l2:\n", f);
		rc = vs_cfg_write_obj(f, VS_CFG_SEC_L2, &cfg->l2, "  ", "  ");
	}
	if (rc == 0)
		rc = write_list(f, VS_CFG_SEC_PORTS, cfg->ports, cfg->n_ports, sizeof(*cfg->ports));
	if (rc == 0)
		rc = write_list(f, VS_CFG_SEC_SRIOV, cfg->sriov, cfg->n_sriov, sizeof(*cfg->sriov));
	if (rc < 0)
		return rc;
	/* Rules have a grammar of their own (match, actions). */
	fputs("rules:", f);
	fputs(cfg->n_rules ? "\n" : " []\n", f);
	for (i = 0; i < cfg->n_rules; i++)
		write_rule(f, &cfg->rules[i]);
	return ferror(f) ? -EIO : 0;
}

int
vs_daemon_save(struct vs_daemon *d, const char *path, char *msg, size_t size)
{
	struct vs_sw_rule **live = NULL;
	struct vs_config tmp;
	char tmp_path[PATH_MAX + 8], reload_msg[512];
	bool is_file;
	FILE *f;
	int rc, n, i, fd;

	if (path == NULL || path[0] == '\0')
		path = d->file;
	if (path[0] == '\0') {
		snprintf(msg, size, "save: the daemon runs the built-in config; give a file");
		return -EINVAL;
	}
	is_file = d->file[0] != '\0' && strcmp(path, d->file) == 0;
	/* The running config: the file's settings, and the rules that run now
	 * (the file's, then those added at runtime, in their order). */
	n = vs_switch_rules_sorted(d->sw, 1u << VS_RULE_SRC_FILE | 1u << VS_RULE_SRC_CTL, &live);
	if (n < 0) {
		snprintf(msg, size, "save: out of memory");
		return n;
	}
	tmp = *d->cfg;
	tmp.n_rules = (uint32_t)n;
	tmp.rules = calloc((size_t)n + 1, sizeof(*tmp.rules));
	if (tmp.rules == NULL) {
		free(live);
		snprintf(msg, size, "save: out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		vs_cfg_rule_copy(&tmp.rules[i], &live[i]->spec);
	free(live);
	/* Written next to it and renamed over it: never a half-written file. */
	snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", path);
	/* A fresh regular file: whatever sat at that name (a FIFO would block
	 * the control thread in open) is replaced, never opened. */
	if (unlink(tmp_path) < 0 && errno != ENOENT)
		fd = -1;
	else
		fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL && fd >= 0)
		close(fd);
	if (f == NULL) {
		rc = -errno;
		snprintf(msg, size, "save: cannot write %s: %s", tmp_path, strerror(errno));
		free(tmp.rules);
		return rc;
	}
	rc = vs_config_write(&tmp, f);
	free(tmp.rules);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp_path, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp_path);
		snprintf(msg, size, "save: cannot write %s: %s", path, strerror(-rc));
		return rc;
	}
	if (is_file) {
		/* The file holds the runtime rules now: they are file rules, and the
		 * file is what runs (a reload that changes nothing). */
		vs_switch_rules_adopt(d->sw, VS_RULE_SRC_CTL, VS_RULE_SRC_FILE);
		rc = vs_daemon_reload(d, reload_msg, sizeof(reload_msg));
		if (rc < 0) {
			snprintf(msg, size, "save: wrote %s, but reading it back failed: %s", path,
				 reload_msg);
			return rc;
		}
	}
	snprintf(msg, size, "saved %u ports and %d rules to %s%s", d->cfg->n_ports, n, path,
		 is_file ? " (the config file)" : "");
	VS_CTL_LOG(NOTICE, "%s", msg);
	return 0;
}
