/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The key tables (vs_config_keys) against what depends on them: the docs
 * list every key with its reload class, and vs_config_reload_check refuses
 * exactly the restart-class keys (each key changed alone, driven by the
 * tables, so a key added to a table is covered without editing this file).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vs_config.h"

#define CONFIG_MD VS_SRC_DIR "/docs/config.md"
#define FULL_YAML VS_SRC_DIR "/config/examples/full.yaml"

/* A config that differs from full.yaml in every key, in at least one object
 * of each section. */
static const char alt_yaml[] =
    "dpdk: {main_lcore: 3, memory_mb: 256, mbufs: 4096, no_huge: true, in_memory: true,\n"
    "       file_prefix: alt, log_level: \"*:debug\", extra_args: [--no-pci]}\n"
    "workers: [{lcore: 5}]\n"
    "classifier: {emc_entries: 1024, max_rules: 100}\n"
    "control: {socket: /tmp/alt.sock, socket_mode: \"0640\", stats_interval_ms: 0,\n"
    "          watch_file: true, metrics_listen: \"[::1]:9100\"}\n"
    "openflow: {listen: \"punix:/tmp/of.sock\", datapath_id: 0x42, controllers: "
    "[\"tcp:127.0.0.1:6633\"], table_miss: controller, packet_in_rate: 50, tables: 4,\n"
    "          fail_mode: standalone}\n"
    "l2: {aging_s: 60, max_entries: 100, static: [{mac: \"02:00:00:00:00:01\", vlan: 1, port: "
    "a0}]}\n"
    "sriov:\n"
    "  - pf: alt0\n"
    "    num_vfs: 2\n"
    "    vfs:\n"
    "      - {id: 1, mac: \"52:54:00:cc:00:00\", vlan: 7, qos: 3, vlan_proto: 802.1ad,\n"
    "         spoofchk: false, trust: true, link_state: disable, min_tx_rate: 10,\n"
    "         max_tx_rate: 20}\n"
    "ports:\n"
    "  - {name: a0, type: vhost, path: /tmp/a.sock, mode: server, queues: 2, owner: nobody,\n"
    "     group: nogroup, socket_mode: \"0600\", ofport: 9, tag: 5, offloads: false}\n"
    "  - {name: e1, type: ethdev, device: net_null0, rx_queues: 1, tx_queues: 1, rx_desc: 512,\n"
    "     tx_desc: 256, mtu: 9000, promisc: false, mac: \"02:00:00:00:00:99\", trunks: [1, 2],\n"
    "     native_vlan: 3, rss: {types: [ipv4, udp], key: \"6d5a56da255b0ec24167253d43a38fb0d0ca2b"
    "cbae7b30b477cb2da38030f20c6a42b73bbeac01fa\"}}\n"
    "  - {name: v2, type: ethdev, device: \"0000:5e:02.0\", vf: {pf: alt0, id: 0}}\n"
    "  - {name: x3, type: vxlan, underlay: e1, local_ip: \"fd00::1\", remote_ip: [\"fd00::2\"],\n"
    "     vni: 7, dst_port: 8472, ttl: 9, df: true, remote_mac: \"02:00:00:00:00:77\"}\n";

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)len + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

/* The part of the page under the heading that names the section ("`dpdk:`"),
 * up to the next heading. */
static const char *
doc_section(const char *md, const char *name, size_t *len)
{
	char want[64];
	const char *p, *end;

	snprintf(want, sizeof(want), "`%s:`", name);
	for (p = md; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		if (p[0] != '#' || memmem(p, n, want, strlen(want)) == NULL)
			continue;
		end = eol;
		while (end != NULL && end[1] != '#' && end[1] != '\0')
			end = strchr(end + 1, '\n');
		*len = end ? (size_t)(end - p) : strlen(p);
		return p;
	}
	return NULL;
}

Test(config_schema, docs_list_every_key_with_its_reload_class)
{
	char *md = read_file(CONFIG_MD);
	unsigned int s;

	for (s = 0; s < VS_CFG_SEC_MAX; s++) {
		const char *name = vs_config_section_name(s);
		size_t n = 0, len = 0, i;
		const struct vs_cfg_key *keys = vs_config_keys(s, &n);
		const char *text = doc_section(md, name, &len);

		cr_assert_not_null(text, "docs/config.md has no heading naming `%s:`", name);
		cr_assert_gt(n, 0, "section %s has no keys", name);
		for (i = 0; i < n; i++) {
			char row[80], cls[32];
			const char *r, *eol;

			snprintf(row, sizeof(row), "\n| `%s` |", keys[i].name);
			snprintf(cls, sizeof(cls), "| %s |", vs_cfg_reload_str(keys[i].reload));
			r = memmem(text, len, row, strlen(row));
			cr_expect_not_null(r, "docs/config.md: section `%s:` has no row for `%s`",
					   name, keys[i].name);
			if (r == NULL)
				continue;
			eol = strchr(r + 1, '\n');
			cr_expect(memmem(r, eol ? (size_t)(eol - r) : strlen(r), cls,
					 strlen(cls)) != NULL,
				  "docs/config.md: %s.%s is not documented as %s", name,
				  keys[i].name, cls);
		}
	}
	free(md);
}

static struct vs_config *
load(const char *path, const char *buf)
{
	struct vs_cfg_error err;
	struct vs_config *cfg = path ? vs_config_load(path, &err)
				     : vs_config_load_buf(buf, strlen(buf), "alt.yaml", &err);

	cr_assert_not_null(cfg, "%s", err.msg);
	return cfg;
}

/* The objects of a section in a config: where they are, how many, how big. */
static char *
objs(struct vs_config *cfg, enum vs_cfg_section s, uint32_t *n, size_t *size)
{
	switch (s) {
	case VS_CFG_SEC_DPDK:
		*n = 1, *size = sizeof(cfg->dpdk);
		return (char *)&cfg->dpdk;
	case VS_CFG_SEC_WORKERS:
		*n = cfg->n_workers, *size = sizeof(*cfg->workers);
		return (char *)cfg->workers;
	case VS_CFG_SEC_CLASSIFIER:
		*n = 1, *size = sizeof(cfg->classifier);
		return (char *)&cfg->classifier;
	case VS_CFG_SEC_CONTROL:
		*n = 1, *size = sizeof(cfg->control);
		return (char *)&cfg->control;
	case VS_CFG_SEC_PORTS:
		*n = cfg->n_ports, *size = sizeof(*cfg->ports);
		return (char *)cfg->ports;
	case VS_CFG_SEC_SRIOV:
		*n = cfg->n_sriov, *size = sizeof(*cfg->sriov);
		return (char *)cfg->sriov;
	case VS_CFG_SEC_VFS:
		*n = cfg->n_sriov ? cfg->sriov[0].n_vfs : 0, *size = sizeof(struct vs_cfg_vf);
		return cfg->n_sriov ? (char *)cfg->sriov[0].vfs : NULL;
	case VS_CFG_SEC_OPENFLOW:
		*n = 1, *size = sizeof(cfg->openflow);
		return (char *)&cfg->openflow;
	case VS_CFG_SEC_L2:
		*n = 1, *size = sizeof(cfg->l2);
		return (char *)&cfg->l2;
	default:
		*n = 0, *size = 0;
		return NULL;
	}
}

static void *
dup_array(const void *a, size_t n, size_t size)
{
	void *p = malloc(n * size + 1);

	cr_assert_not_null(p);
	memcpy(p, a, n * size);
	return p;
}

Test(config_schema, reload_check_refuses_exactly_the_restart_keys)
{
	struct vs_config *cur = load(FULL_YAML, NULL), *alt = load(NULL, alt_yaml);
	unsigned int s, n_restart = 0, n_other = 0;

	for (s = 0; s < VS_CFG_SEC_MAX; s++) {
		const char *name = vs_config_section_name(s);
		size_t nk = 0, i, size;
		const struct vs_cfg_key *keys = vs_config_keys(s, &nk);
		uint32_t n_cur, n_alt, j;
		char *c = objs(cur, s, &n_cur, &size), *a = objs(alt, s, &n_alt, &size);

		if (s == VS_CFG_SEC_RULES) {
			/* listed only (rules have their own code): all live */
			for (i = 0; i < nk; i++)
				cr_expect_eq(keys[i].reload, VS_CFG_RELOAD_LIVE, "rules.%s",
					     keys[i].name);
			continue;
		}
		cr_assert(n_cur > 0 && n_alt > 0, "no %s in the test configs", name);
		for (i = 0; i < nk; i++) {
			const struct vs_cfg_key *k = &keys[i];
			struct vs_config next = *cur;
			struct vs_cfg_vf *vfs;
			struct vs_cfg_error err;
			char want[96], *nobj;
			uint32_t n;
			int rc;

			/* next: cur with this key alone taken from an alt object */
			for (j = 0; j < n_alt && vs_cfg_key_same(k, c, a + j * size); j++)
				;
			cr_assert_lt(j, n_alt, "alt.yaml does not change %s.%s", name, k->name);
			next.workers =
			    dup_array(cur->workers, cur->n_workers, sizeof(*cur->workers));
			next.ports = dup_array(cur->ports, cur->n_ports, sizeof(*cur->ports));
			next.sriov = dup_array(cur->sriov, cur->n_sriov, sizeof(*cur->sriov));
			next.sriov[0].vfs = vfs = dup_array(cur->sriov[0].vfs, cur->sriov[0].n_vfs,
							    sizeof(*cur->sriov[0].vfs));
			nobj = objs(&next, s, &n, &size);
			memcpy(nobj + k->offset, a + j * size + k->offset, k->size);
			if (k->flags & (VS_CFG_K_HAS | VS_CFG_K_WITH))
				nobj[k->has_offset] = a[j * size + k->has_offset];
			cr_assert_not(vs_cfg_key_same(k, c, nobj), "%s.%s", name, k->name);

			rc = vs_config_reload_check(cur, &next, &err);
			if (k->reload == VS_CFG_RELOAD_RESTART) {
				n_restart++;
				snprintf(want, sizeof(want),
					 n_cur > 1 || s == VS_CFG_SEC_WORKERS ? "%s[0].%s"
									      : "%s.%s",
					 name, k->name);
				cr_expect_eq(rc, -EPERM, "%s: a restart key, accepted on reload",
					     want);
				cr_expect(strstr(err.msg, want) != NULL &&
					      strstr(err.msg, "needs a restart") != NULL,
					  "want %s in [%s]", want, err.msg);
			} else {
				n_other++;
				cr_expect_eq(rc, 0, "%s.%s (%s) refused: %s", name, k->name,
					     vs_cfg_reload_str(k->reload), err.msg);
			}
			/* the comparison by class sees the key in its own class only */
			if (!(k->flags & VS_CFG_K_ID))
				cr_expect_not(vs_config_same(s, c, nobj, 1u << k->reload), "%s.%s",
					      name, k->name);
			cr_expect(vs_config_same(s, c, nobj, ~(1u << k->reload)), "%s.%s", name,
				  k->name);
			free(next.workers);
			free(next.ports);
			free(vfs); /* not next.sriov[0].vfs: alt's when that key was taken */
			free(next.sriov);
		}
	}
	cr_expect_gt(n_restart, 10);
	cr_expect_gt(n_other, 10);
	vs_config_free(cur);
	vs_config_free(alt);
}

Test(config_schema, tables_are_well_formed)
{
	static const size_t sizes[VS_CFG_SEC_MAX] = {
	    [VS_CFG_SEC_DPDK] = sizeof(struct vs_cfg_dpdk),
	    [VS_CFG_SEC_WORKERS] = sizeof(struct vs_cfg_worker),
	    [VS_CFG_SEC_CLASSIFIER] = sizeof(struct vs_cfg_classifier),
	    [VS_CFG_SEC_CONTROL] = sizeof(struct vs_cfg_control),
	    [VS_CFG_SEC_PORTS] = sizeof(struct vs_cfg_port),
	    [VS_CFG_SEC_SRIOV] = sizeof(struct vs_cfg_pf),
	    [VS_CFG_SEC_VFS] = sizeof(struct vs_cfg_vf),
	    [VS_CFG_SEC_RULES] = sizeof(struct vs_cfg_rule),
	    [VS_CFG_SEC_OPENFLOW] = sizeof(struct vs_cfg_openflow),
	    [VS_CFG_SEC_L2] = sizeof(struct vs_cfg_l2),
	};
	unsigned int s;

	cr_expect_null(vs_config_keys(VS_CFG_SEC_MAX, NULL));
	for (s = 0; s < VS_CFG_SEC_MAX; s++) {
		size_t n = 0, i, j;
		const struct vs_cfg_key *keys = vs_config_keys(s, &n);

		for (i = 0; i < n; i++) {
			const struct vs_cfg_key *k = &keys[i];

			cr_expect(k->size > 0 && k->offset + k->size <= sizes[s], "%s.%s",
				  vs_config_section_name(s), k->name);
			cr_expect(k->doc != NULL && k->doc[0] != '\0', "%s.%s has no doc line",
				  vs_config_section_name(s), k->name);
			cr_expect(!(k->flags & VS_CFG_K_REQUIRED) || k->type == VS_CFG_T_CUSTOM ||
				      k->missing != NULL,
				  "%s.%s", vs_config_section_name(s), k->name);
			cr_expect(k->type != VS_CFG_T_ENUM || (k->enums && k->what && k->expected),
				  "%s.%s", vs_config_section_name(s), k->name);
			for (j = 0; j < i; j++)
				cr_expect_str_neq(keys[j].name, k->name, "%s.%s twice",
						  vs_config_section_name(s), k->name);
		}
	}
}
