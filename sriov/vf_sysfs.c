/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sysfs side of SR-IOV: sriov_numvfs / sriov_totalvfs of the PF's PCI
 * device and the virtfnN links to its VFs. The root is a parameter so tests
 * run against a fake tree in a temp dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vs_vf_backend.h"

static const char *
root_or_slash(const char *root)
{
	return root == NULL || root[0] == '\0' ? "" : root;
}

int
vs_vf_sysfs_netdev_devdir(const char *root, const char *pf, char *buf, size_t size)
{
	int n;

	if (pf == NULL || pf[0] == '\0' || strchr(pf, '/') != NULL)
		return -EINVAL;
	n = snprintf(buf, size, "%s/sys/class/net/%s/device", root_or_slash(root), pf);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int
vs_vf_sysfs_read_uint(const char *devdir, const char *name, uint32_t *val)
{
	char path[PATH_MAX], txt[32], *end;
	unsigned long v;
	ssize_t r;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", devdir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, txt, sizeof(txt) - 1);
	close(fd);
	if (r < 0)
		return -errno;
	txt[r] = '\0';
	errno = 0;
	v = strtoul(txt, &end, 10);
	if (end == txt || errno != 0 || v > UINT32_MAX || (*end != '\0' && *end != '\n'))
		return -EINVAL;
	*val = (uint32_t)v;
	return 0;
}

int
vs_vf_sysfs_link_name(const char *devdir, const char *link, char *buf, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t r;

	if (snprintf(path, sizeof(path), "%s/%s", devdir, link) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = readlink(path, target, sizeof(target) - 1);
	if (r < 0)
		return -errno;
	target[r] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (snprintf(buf, size, "%s", base) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

bool
vs_vf_sysfs_vf_in_use(const char *devdir, uint16_t vf, char *drv, size_t size)
{
	static const char *const user_drivers[] = {"vfio-pci", "uio_pci_generic", "igb_uio"};
	char link[32], name[64];
	size_t i;

	snprintf(link, sizeof(link), "virtfn%u/driver", vf);
	if (vs_vf_sysfs_link_name(devdir, link, name, sizeof(name)) < 0)
		return false;
	if (drv != NULL)
		snprintf(drv, size, "%s", name);
	for (i = 0; i < sizeof(user_drivers) / sizeof(user_drivers[0]); i++)
		if (strcmp(name, user_drivers[i]) == 0)
			return true;
	return false;
}

static int
write_uint(const char *devdir, const char *name, uint32_t v)
{
	char path[PATH_MAX], txt[16];
	ssize_t r;
	int fd, n;

	if (snprintf(path, sizeof(path), "%s/%s", devdir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(txt, sizeof(txt), "%u\n", v);
	r = write(fd, txt, (size_t)n);
	if (r < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	if (close(fd) < 0)
		return -errno;
	return r == n ? 0 : -EIO;
}

int
vs_vf_sysfs_set_numvfs(const char *devdir, uint16_t want, const bool *in_use, uint16_t n_in_use,
		       bool *changed, char *msg, size_t size)
{
	uint32_t cur, total;
	char drv[64];
	uint16_t vf;
	int rc;

	*changed = false;
	msg[0] = '\0';
	rc = vs_vf_sysfs_read_uint(devdir, "sriov_numvfs", &cur);
	if (rc < 0) {
		snprintf(msg, size, "cannot read %s/sriov_numvfs: %s (is this an SR-IOV PF?)",
			 devdir, strerror(-rc));
		return rc;
	}
	if (cur == want)
		return 0;
	if (vs_vf_sysfs_read_uint(devdir, "sriov_totalvfs", &total) == 0 && want > total) {
		snprintf(msg, size, "num_vfs %u is above the PF's sriov_totalvfs %u", want, total);
		return -ERANGE;
	}
	/*
	 * The kernel only goes 0 -> N and N -> 0, so any change from a non-zero
	 * count removes every VF: each one in use blocks it. Report the first.
	 */
	for (vf = 0; cur != 0 && vf < cur; vf++) {
		bool cfg_use = in_use != NULL && vf < n_in_use && in_use[vf];

		drv[0] = '\0';
		if (vs_vf_sysfs_vf_in_use(devdir, vf, drv, sizeof(drv))) {
			snprintf(msg, size,
				 "refusing to change num_vfs from %u to %u: VF %u is in use (bound "
				 "to %s)",
				 cur, want, vf, drv);
			return -EBUSY;
		}
		if (cfg_use) {
			snprintf(msg, size,
				 "refusing to change num_vfs from %u to %u: VF %u is a configured "
				 "VF port",
				 cur, want, vf);
			return -EBUSY;
		}
	}
	if (cur != 0) {
		rc = write_uint(devdir, "sriov_numvfs", 0);
		if (rc < 0) {
			snprintf(msg, size, "writing 0 to %s/sriov_numvfs: %s", devdir,
				 strerror(-rc));
			return rc;
		}
		*changed = true;
	}
	if (want != 0) {
		rc = write_uint(devdir, "sriov_numvfs", want);
		if (rc < 0) {
			snprintf(msg, size, "writing %u to %s/sriov_numvfs: %s", want, devdir,
				 strerror(-rc));
			return rc;
		}
		*changed = true;
	}
	return 0;
}

bool
vs_vf_err_transient(int err)
{
	switch (err < 0 ? -err : err) {
	case EAGAIN:
	case EBUSY:
	case ETIMEDOUT:
	case ENOBUFS:
	case EINTR:
	case ENOMEM:
		return true;
	default:
		return false;
	}
}
