/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL arguments and the memory check, from the config. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vs_app.h"

static int push(struct vs_eal_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
push(struct vs_eal_args *a, const char *fmt, ...)
{
	size_t room = sizeof(a->buf) - a->used;
	va_list ap;
	int n;

	if (a->argc >= VS_EAL_MAX_ARGS)
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return -E2BIG;
	a->argv[a->argc++] = a->buf + a->used;
	a->argv[a->argc] = NULL;
	a->used += (size_t)n + 1;
	return 0;
}

int
vs_app_eal_args(const struct vs_config *cfg, const char *prog, const struct vs_mbuf_sizing *sz,
		struct vs_eal_args *out)
{
	const struct vs_cfg_dpdk *d = &cfg->dpdk;
	char lcores[1024];
	size_t len;
	uint32_t i, j, mem;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	len = (size_t)snprintf(lcores, sizeof(lcores), "%u", d->main_lcore);
	for (i = 0; i < cfg->n_workers; i++) {
		uint32_t lc = cfg->workers[i].lcore;

		if (lc == d->main_lcore)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (cfg->workers[j].lcore == lc)
				return -EINVAL;
		len += (size_t)snprintf(lcores + len, sizeof(lcores) - len, ",%u", lc);
		if (len >= sizeof(lcores))
			return -E2BIG;
	}
	rc |= push(out, "%s", prog);
	rc |= push(out, "-l");
	rc |= push(out, "%s", lcores);
	rc |= push(out, "--main-lcore");
	rc |= push(out, "%u", d->main_lcore);
	rc |= push(out, "--file-prefix");
	rc |= push(out, "%s", d->file_prefix[0] ? d->file_prefix : "nfvswitch");
	mem = d->memory_mb;
	if (mem == 0 && d->no_huge && sz != NULL)
		mem = sz->memory_mb;
	if (mem) {
		rc |= push(out, "-m");
		rc |= push(out, "%u", mem);
	}
	if (d->no_huge)
		rc |= push(out, "--no-huge");
	/* DPDK 22.11 refuses --in-memory with --no-huge (which implies legacy
	 * memory); --no-shconf gives what in_memory asks for there: no shared
	 * config files, so parallel instances cannot collide. */
	if (d->in_memory)
		rc |= push(out, d->no_huge ? "--no-shconf" : "--in-memory");
	if (d->log_level[0]) {
		rc |= push(out, "--log-level");
		rc |= push(out, "%s", d->log_level);
	}
	for (i = 0; i < d->n_extra_args; i++)
		rc |= push(out, "%s", d->extra_args[i]);
	return rc ? -E2BIG : 0;
}

const char *
vs_app_eal_args_str(const struct vs_eal_args *a, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < a->argc && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " " : "", a->argv[i]);
	return buf;
}

int
vs_app_check_memory(const struct vs_config *cfg, const struct vs_mbuf_sizing *sz, char *msg,
		    size_t size)
{
	if (cfg->dpdk.memory_mb == 0 || cfg->dpdk.memory_mb >= sz->memory_mb)
		return 0;
	snprintf(msg, size,
		 "%s:%u:%u: dpdk.memory_mb: %u MiB is not enough; this configuration needs %u MiB "
		 "(%u mbufs x %u bytes = %" PRIu64 " MiB of mempool for %" PRIu64 " rx + %" PRIu64
		 " tx descriptors, %" PRIu64 " in flight, %" PRIu64 " in caches, %" PRIu64
		 " reserved, plus %u MiB base); set memory_mb >= %u or lower rx_desc/tx_desc",
		 cfg->source, cfg->dpdk.pos.line, cfg->dpdk.pos.column, cfg->dpdk.memory_mb,
		 sz->memory_mb, sz->n_mbufs, sz->mbuf_size, sz->pool_bytes >> 20, sz->rx_desc,
		 sz->tx_desc, sz->inflight, sz->caches, sz->reserve, VS_MEM_BASE_MB, sz->memory_mb);
	return -ENOMEM;
}

int64_t
vs_app_hugepages_free_mb(const char *meminfo)
{
	unsigned long long free_pages = 0, page_kb = 0, v;
	bool have_free = false, have_size = false;
	char line[256];
	FILE *f;

	f = fopen(meminfo, "r");
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "HugePages_Free: %llu", &v) == 1) {
			free_pages = v;
			have_free = true;
		} else if (sscanf(line, "Hugepagesize: %llu kB", &v) == 1) {
			page_kb = v;
			have_size = true;
		}
	}
	fclose(f);
	if (!have_free || !have_size)
		return -ENOENT;
	return (int64_t)(free_pages * page_kb / 1024);
}

int
vs_app_check_hugepages(const struct vs_config *cfg, const struct vs_mbuf_sizing *sz,
		       int64_t free_mb, char *msg, size_t size)
{
	uint32_t need = cfg->dpdk.memory_mb ? cfg->dpdk.memory_mb : sz->memory_mb;

	if (cfg->dpdk.no_huge || free_mb < 0 || free_mb >= (int64_t)need)
		return 0;
	snprintf(msg, size,
		 "%s: not enough free hugepage memory: %" PRId64 " MiB free, this configuration "
		 "needs %u MiB (%s); reserve more 2 MiB pages (e.g. echo %u > "
		 "/proc/sys/vm/nr_hugepages) or set dpdk.no_huge: true",
		 cfg->source, free_mb, need,
		 cfg->dpdk.memory_mb ? "dpdk.memory_mb" : "computed from the ports", need / 2 + 1);
	return -ENOMEM;
}
