/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_config_reload_check(): what a live reload may change (ports, rules,
 * sriov, stats interval, watch_file) and what needs a restart (dpdk, workers,
 * classifier sizes, control socket and metrics address).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vs_config.h"

static struct vs_config *
load(const char *yaml, const char *name)
{
	struct vs_cfg_error err;
	struct vs_config *cfg = vs_config_load_buf(yaml, strlen(yaml), name, &err);

	cr_assert_not_null(cfg, "%s", err.msg);
	return cfg;
}

#define BASE_YAML                                                                                  \
	"dpdk: {memory_mb: 512, extra_args: [--vdev=net_null0]}\n"                                 \
	"workers: [{lcore: 1}, {lcore: 2}]\n"                                                      \
	"ports:\n"                                                                                 \
	"  - {name: a, type: ethdev, device: net_null0}\n"

static void
expect_refused(const char *next_yaml, unsigned int line, unsigned int col, const char *want)
{
	struct vs_config *cur = load(BASE_YAML, "cur.yaml");
	struct vs_config *next = load(next_yaml, "next.yaml");
	struct vs_cfg_error err;
	char prefix[64];

	errno = 0;
	cr_expect_eq(vs_config_reload_check(cur, next, &err), -EPERM, "accepted: %s", next_yaml);
	cr_expect_eq(errno, EPERM);
	snprintf(prefix, sizeof(prefix), "next.yaml:%u:%u: ", line, col);
	cr_expect(strncmp(err.msg, prefix, strlen(prefix)) == 0, "want [%s] got [%s]", prefix,
		  err.msg);
	cr_expect(strstr(err.msg, want) != NULL, "want [%s] in [%s]", want, err.msg);
	cr_expect(strstr(err.msg, "; expected ") != NULL, "%s", err.msg);
	vs_config_free(cur);
	vs_config_free(next);
}

Test(config_reload, live_changes_are_accepted)
{
	struct vs_config *cur = load(BASE_YAML, "cur.yaml");
	struct vs_config *next =
	    load(BASE_YAML "  - {name: v, type: vhost, path: /tmp/v.sock}\n"
			   "control: {stats_interval_ms: 0, watch_file: true}\n"
			   "sriov: [{pf: eth0, num_vfs: 2}]\n"
			   "rules: [{priority: 1, actions: [{output: v}]}]\n",
		 "next.yaml");
	struct vs_cfg_error err;

	cr_expect_eq(vs_config_reload_check(cur, cur, &err), 0, "%s", err.msg);
	cr_expect_eq(vs_config_reload_check(cur, next, &err), 0, "%s", err.msg);
	cr_expect_str_empty(err.msg);
	cr_expect_eq(vs_config_reload_check(next, cur, NULL), 0);
	vs_config_free(cur);
	vs_config_free(next);
}

Test(config_reload, dpdk_changes_are_refused)
{
	expect_refused("dpdk: {memory_mb: 1024, extra_args: [--vdev=net_null0]}\n"
		       "workers: [{lcore: 1}, {lcore: 2}]\n",
		       1, 7, "dpdk.memory_mb: 512 changed to 1024 on reload; expected 512");
	expect_refused("dpdk: {memory_mb: 512, extra_args: [--vdev=net_null1]}\n"
		       "workers: [{lcore: 1}, {lcore: 2}]\n",
		       1, 7,
		       "dpdk.extra_args[0]: \"--vdev=net_null0\" changed to \"--vdev=net_null1\"");
	expect_refused("dpdk: {memory_mb: 512, no_huge: true, extra_args: [--vdev=net_null0]}\n"
		       "workers: [{lcore: 1}, {lcore: 2}]\n",
		       1, 7, "dpdk.no_huge: false changed to true");
}

Test(config_reload, worker_changes_are_refused)
{
	expect_refused("dpdk: {memory_mb: 512, extra_args: [--vdev=net_null0]}\n"
		       "workers: [{lcore: 1}, {lcore: 3}]\n",
		       2, 23, "workers[1].lcore: 2 changed to 3");
	expect_refused("dpdk: {memory_mb: 512, extra_args: [--vdev=net_null0]}\n"
		       "workers: [{lcore: 1}]\n",
		       2, 11, "workers (count): 2 changed to 1");
}

Test(config_reload, restart_only_control_and_capacity)
{
	expect_refused(BASE_YAML "control: {socket_mode: \"0660\"}\n", 0, 0,
		       "control.socket_mode: 0600 changed to 0660");
	expect_refused(BASE_YAML "control: {socket: /tmp/x.sock}\n", 0, 0, "control.socket");
	expect_refused(BASE_YAML "control: {metrics_listen: \"127.0.0.1:9100\"}\n", 0, 0,
		       "control.metrics_listen: \"\" changed to \"127.0.0.1:9100\"");
	expect_refused(BASE_YAML "classifier: {max_rules: 10}\n", 0, 0,
		       "classifier.max_rules: 65536 changed to 10");
	/* The workers' EMCs are sized once. */
	expect_refused(BASE_YAML "classifier: {emc_entries: 1024}\n", 0, 0,
		       "classifier.emc_entries: 8192 changed to 1024");
}

Test(config_reload, null_configs)
{
	struct vs_cfg_error err;

	errno = 0;
	cr_expect_eq(vs_config_reload_check(NULL, NULL, &err), -EINVAL);
	cr_expect_eq(errno, EINVAL);
	cr_expect(strstr(err.msg, "; expected ") != NULL);
}
