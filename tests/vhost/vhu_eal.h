/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL of a test guest (vhu_guest, vhu_tso_guest): a second DPDK process
 * beside the switch with no hugepages (virtio_user shares memfd-backed
 * memory), no PCI, shared config or telemetry, one lcore pinned to cpu, its
 * own file prefix, warnings only, and the one virtio_user vdev.
 */
#ifndef VHU_EAL_H
#define VHU_EAL_H

#include <stdio.h>

#include <rte_eal.h>

/* rte_eal_init for the guest name with mem_mb MiB; its result (< 0: failed,
 * said on stderr). */
static inline int
vhu_eal_init(const char *name, unsigned mem_mb, unsigned cpu, const char *prefix, const char *vdev)
{
	/* static: the EAL may keep pointers into its arguments */
	static char nm[32], mem[16], lcores[32], fp[64], vd[512];
	char *eal[] = {nm,
		       "--no-huge",
		       "-m",
		       mem,
		       "--no-pci",
		       "--no-shconf",
		       "--no-telemetry",
		       "--single-file-segments",
		       "--lcores",
		       lcores,
		       "--file-prefix",
		       fp,
		       "--log-level",
		       "*:warning",
		       "--vdev",
		       vd,
		       NULL};
	int rc;

	snprintf(nm, sizeof(nm), "%s", name);
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	snprintf(lcores, sizeof(lcores), "0@%u", cpu);
	snprintf(fp, sizeof(fp), "%s", prefix);
	snprintf(vd, sizeof(vd), "%s", vdev);
	rc = rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal);
	if (rc < 0)
		fprintf(stderr, "%s: EAL init failed\n", name);
	return rc;
}

#endif
