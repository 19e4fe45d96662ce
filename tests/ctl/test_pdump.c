/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK's dpdk-dumpcap captures from a running daemon: the daemon calls
 * rte_pdump_init(), so a secondary process that joins its shared
 * configuration (hugepages, dpdk.in_memory: false, its file prefix) can
 * copy the packets of an ethdev port into a pcapng file.
 *
 * Exit 77 (skipped) when dpdk-dumpcap is not installed, no hugetlbfs is
 * mounted or the hugepages cannot be reserved; this main() checks before
 * Criterion runs, reserves what is missing and gives it back at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/if_packet.h>

#include <criterion/criterion.h>

#define MEMORY_MB   160 /* dpdk.memory_mb of the daemon (it needs 135 MiB) */
#define SPARE_MB    32	/* dpdk-dumpcap's ring and mempool come from the same pages */
#define CAPTURE_MIN 100

static char dumpcap[512];
static char dir[64], cfg_path[128], sock[128], prefix[64], log_path[160];
static pid_t daemon_pid;

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	cr_assert_not_null(v, "%s is not set (run the tests through meson test)", name);
	return v;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t size = 0;

	if (f == NULL)
		return strdup("");
	if (getdelim(&buf, &size, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

/* Start argv with stdout and stderr into out_path; it dies with us. */
static pid_t
spawn(char *const argv[], const char *out_path)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* SIGTERM, then SIGKILL after 10 s; the exit status. */
static int
stop(pid_t pid)
{
	int status = 0, i;

	kill(pid, SIGTERM);
	for (i = 0; i < 200 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(50000);
	if (i == 200) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	return status;
}

#define CFG_FMT                                                                                    \
	"dpdk: {main_lcore: 0, memory_mb: %u, no_huge: false, in_memory: false,\n"                 \
	"       file_prefix: %s, log_level: \"*:notice\", extra_args: [\"--no-pci\"]}\n"           \
	"workers: [{lcore: 1}]\n"                                                                  \
	"control: {stats_interval_ms: 0, socket: %s}\n"                                            \
	"ports:\n"                                                                                 \
	"  - {name: uplink0, type: ethdev, device: \"net_tap%u,iface=%s\"}\n"                      \
	"  - {name: sink0, type: ethdev, device: \"net_null%u,no-rx=1\"}\n"                        \
	"rules:\n"                                                                                 \
	"  - {name: all, priority: 10, match: {in_port: uplink0}, actions: [{output: sink0}]}\n"

static unsigned dev_id;
static char tap[16]; /* the uplink: a tap the test writes frames into */

static void
daemon_up(void)
{
	char text[2048];
	char *argv[] = {(char *)env("NFVSWITCH_BIN"), "-c", cfg_path, NULL};
	FILE *f;
	int i;

	dev_id = 500 + (unsigned)getpid() % 100;
	snprintf(tap, sizeof(tap), "vspd%u", dev_id);
	snprintf(dir, sizeof(dir), "/tmp/vs-pdump-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cfg_path, sizeof(cfg_path), "%s/switch.yaml", dir);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	snprintf(prefix, sizeof(prefix), "vs-pdump-%d", getpid());
	snprintf(log_path, sizeof(log_path), "%s/daemon.log", dir);
	snprintf(text, sizeof(text), CFG_FMT, MEMORY_MB, prefix, sock, dev_id, tap, dev_id);
	f = fopen(cfg_path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	daemon_pid = spawn(argv, log_path);
	/* The socket opens after EAL init, rte_pdump_init() and the start. */
	for (i = 0; i < 400; i++) {
		struct stat st;

		if (stat(sock, &st) == 0)
			break;
		cr_assert_eq(waitpid(daemon_pid, NULL, WNOHANG), 0, "daemon exited: %s",
			     slurp(log_path));
		usleep(50000);
	}
	cr_assert_lt(i, 400, "no control socket after 20 s: %s", slurp(log_path));
	/* Only the test's frames on the tap: no IPv6 autoconfiguration. */
	snprintf(text, sizeof(text), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", tap);
	f = fopen(text, "w");
	if (f != NULL) {
		fputs("1\n", f);
		fclose(f);
	}
}

static void
daemon_down(void)
{
	char path[PATH_MAX];
	glob_t g;
	size_t i;

	if (daemon_pid > 0)
		stop(daemon_pid);
	daemon_pid = 0;
	/* A primary leaves its hugepage files (and so the pages) and runtime
	 * directory behind: give them back. */
	snprintf(path, sizeof(path), "/dev/hugepages/%smap_*", prefix);
	if (glob(path, 0, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	nftw(path, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static bool find_dumpcap(void);

TestSuite(pdump, .init = daemon_up, .fini = daemon_down, .timeout = 120);

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Walk a pcapng file written on this (little-endian) host and count its
 * enhanced packet blocks. Each must have captured frame_len bytes on an
 * interface whose description block names the device dev (dpdk-dumpcap
 * writes one IDB per ethdev port, if_name "dpdk:PORT", if_hardware
 * "vdev-DEVICE"). ifaces receives the if_hardware values, for messages.
 */
static unsigned
pcapng_packets(const char *path, uint32_t frame_len, const char *dev, char *ifaces, size_t size)
{
	FILE *f = fopen(path, "rb");
	bool is_dev[16] = {false};
	unsigned n = 0, n_if = 0;
	uint8_t hdr[8], *body;

	cr_assert_not_null(f, "no %s", path);
	ifaces[0] = '\0';
	while (fread(hdr, 1, 8, f) == 8) {
		uint32_t type = le32(hdr), len = le32(hdr + 4), off = 8;

		cr_assert(len >= 12 && len % 4 == 0 && len < (1u << 20), "bad block length %u",
			  len);
		body = malloc(len - 8);
		cr_assert_not_null(body);
		cr_assert_eq(fread(body, 1, len - 8, f), len - 8, "truncated block");
		if (type == 0x0a0d0d0a)
			cr_assert_eq(le32(body), 0x1a2b3c4d, "not a little-endian section");
		/* IDB: link type, reserved, snap length, then options (15 = if_hardware). */
		while (type == 0x00000001 && off + 4 <= len - 12 && n_if < 16) {
			unsigned code = body[off] | body[off + 1] << 8;
			unsigned olen = body[off + 2] | body[off + 3] << 8;
			char v[128];

			if (code == 0)
				break;
			snprintf(v, sizeof(v), "%.*s", (int)olen, (const char *)body + off + 4);
			if (code == 15) {
				is_dev[n_if] = strstr(v, dev) != NULL;
				snprintf(ifaces + strlen(ifaces), size - strlen(ifaces), "%s%s",
					 ifaces[0] ? "," : "", v);
			}
			off += 4 + ((olen + 3) & ~3u);
		}
		n_if += type == 0x00000001;
		/* EPB: interface id, timestamp (2 words), captured length, original length. */
		if (type == 0x00000006) {
			cr_assert(le32(body) < n_if && is_dev[le32(body)],
				  "a packet of interface %u, not %s (interfaces: %s)", le32(body),
				  dev, ifaces);
			cr_assert_eq(le32(body + 12), frame_len, "captured %u bytes",
				     le32(body + 12));
			n++;
		}
		free(body);
	}
	fclose(f);
	return n;
}

/*
 * Write 64-byte frames into the tap, one every 2 ms, until dumpcap has
 * taken CAPTURE_MIN of them and exits. Paced, and stopped when it is done:
 * DPDK 22.11's pdump lets the capturing process free its mempool while a
 * worker may still be in the capture callback of the port's last burst
 * (a disable removes the callback without waiting for the data path), so
 * a dumpcap that leaves a port under full load can crash its primary
 * (seen here once in six runs with a net_pcap source replaying at full
 * rate: a worker segfaulted in rte_pktmbuf_copy). docs/operations.md says
 * so; this test checks that capture works and the daemon lives on.
 */
static int
feed_until_exit(pid_t cap, int timeout_s)
{
	static const uint8_t frame[64] = {0x02, 0,    0,    0,	  0, 0x02, 0x02, 0, 0,	0,  0,
					  0x01, 0x08, 0x00, /* Ethernet */
					  0x45, 0,    0,    50,	  0, 0,	   0,	 0, 64, 17, 0,
					  0,	10,   0,    0,	  1, 10,   0,	 0, 2, /* IPv4 */
					  0x10, 0x00, 0x20, 0x00, 0, 30,   0,	 0};   /* UDP */
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_halen = 6};
	int fd = socket(AF_PACKET, SOCK_RAW, 0), status, i;

	cr_assert_geq(fd, 0, "AF_PACKET socket: %s", strerror(errno));
	to.sll_ifindex = (int)if_nametoindex(tap);
	cr_assert_gt(to.sll_ifindex, 0, "no interface %s", tap);
	memcpy(to.sll_addr, frame, 6);
	for (i = 0; i < timeout_s * 500; i++) {
		if (waitpid(cap, &status, WNOHANG) == cap) {
			close(fd);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		/* ENETDOWN until the daemon has the tap up: keep trying. */
		(void)sendto(fd, frame, sizeof(frame), 0, (const struct sockaddr *)&to, sizeof(to));
		usleep(2000);
	}
	close(fd);
	stop(cap);
	return -1;
}

Test(pdump, dumpcap_captures_the_uplink_of_a_running_daemon)
{
	char out[160], cap_log[160], iface[32], names[256], count[16];
	char *argv[] = {dumpcap, "--file-prefix", prefix, "-i", iface, "-c", count, "-q", "-w", out,
			NULL};
	unsigned n;
	int rc;

	cr_assert(find_dumpcap(), "no dpdk-dumpcap in PATH");
	snprintf(out, sizeof(out), "%s/up.pcapng", dir);
	snprintf(cap_log, sizeof(cap_log), "%s/dumpcap.log", dir);
	snprintf(iface, sizeof(iface), "net_tap%u", dev_id);
	snprintf(count, sizeof(count), "%u", CAPTURE_MIN);
	rc = feed_until_exit(spawn(argv, cap_log), 60);
	cr_assert_eq(rc, 0, "dpdk-dumpcap exited %d: %s\ndaemon: %s", rc, slurp(cap_log),
		     slurp(log_path));
	n = pcapng_packets(out, 64, iface, names, sizeof(names));
	cr_assert_geq(n, CAPTURE_MIN, "%u packets captured: %s", n, slurp(cap_log));
	/* The daemon kept forwarding and stops cleanly. */
	cr_assert_eq(waitpid(daemon_pid, NULL, WNOHANG), 0, "daemon died: %s", slurp(log_path));
	rc = stop(daemon_pid);
	daemon_pid = 0;
	cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "daemon exit %d: %s", rc, slurp(log_path));
}

/* ---- prerequisites: dpdk-dumpcap, hugetlbfs, free hugepages -------------------------- */

static long
meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long v = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

static long
read_long(const char *path)
{
	char *s = slurp(path);
	long v = s[0] ? strtol(s, NULL, 10) : -1;

	free(s);
	return v;
}

static int
write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL)
		return -errno;
	rc = fprintf(f, "%ld\n", v) < 0;
	return fclose(f) != 0 || rc ? -EIO : 0;
}

static bool
find_dumpcap(void)
{
	const char *path = getenv("PATH");
	char *copy, *d, *save = NULL;
	bool found = false;

	copy = strdup(path && path[0] ? path : "/usr/bin:/bin");
	for (d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		snprintf(dumpcap, sizeof(dumpcap), "%s/dpdk-dumpcap", d);
		found = access(dumpcap, X_OK) == 0;
	}
	free(copy);
	return found;
}

int
main(int argc, char **argv)
{
	static const char nr_path[] = "/proc/sys/vm/nr_hugepages";
	struct criterion_test_set *tests;
	long page_kb = meminfo("Hugepagesize"), need, free_pages, nr_before = -1;
	char *mounts;
	int rc = 0;

#if defined(__SANITIZE_ADDRESS__)
	/* An ASan primary's shadow memory takes the virtual addresses its
	 * hugepage memory would need in a secondary process (dpdk-dumpcap
	 * fails with "Cannot reserve ... please use --base-virtaddr"): the
	 * capture is tested by the plain build. */
	(void)tests;
	(void)page_kb;
	(void)need;
	(void)free_pages;
	(void)nr_before;
	(void)mounts;
	(void)rc;
	(void)nr_path;
	(void)argc;
	(void)argv;
	printf("SKIP: a secondary process cannot map an AddressSanitizer primary's memory\n");
	return 77;
#endif
	if (!find_dumpcap()) {
		printf("SKIP: dpdk-dumpcap is not installed (Debian: the dpdk package)\n");
		return 77;
	}
	mounts = slurp("/proc/mounts");
	if (strstr(mounts, " hugetlbfs ") == NULL || page_kb <= 0) {
		printf("SKIP: no hugetlbfs mounted\n");
		free(mounts);
		return 77;
	}
	free(mounts);
	need = ((MEMORY_MB + SPARE_MB) * 1024L + page_kb - 1) / page_kb;
	free_pages = meminfo("HugePages_Free");
	if (free_pages < need && page_kb == 2048) {
		/* Reserve the shortfall (root only), given back below. */
		nr_before = read_long(nr_path);
		if (nr_before < 0 || write_long(nr_path, nr_before + need - free_pages) < 0)
			nr_before = -1;
		free_pages = meminfo("HugePages_Free");
	}
	if (free_pages < need) {
		printf("SKIP: %ld free hugepages of %ld kB, %ld needed, and no more could be "
		       "reserved\n",
		       free_pages, page_kb, need);
		if (nr_before >= 0)
			write_long(nr_path, nr_before);
		return 77;
	}
	tests = criterion_initialize();
	if (criterion_handle_args(argc, argv, true))
		rc = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	if (nr_before >= 0)
		write_long(nr_path, nr_before);
	return rc;
}
