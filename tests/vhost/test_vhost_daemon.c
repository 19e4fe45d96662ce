/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The nfvswitch daemon itself with a client-mode vhost port, restarted while
 * the guest (vhu_guest, the real virtio driver, serving the socket) keeps
 * running: the guest needs no restart and traffic resumes both ways.
 *
 * The uplink is net_pcap: it replays a capture of test-tagged frames
 * forever towards the guest and writes what it is sent to a capture file,
 * one per switch run. The guest sends a fixed number of frames each time the
 * link comes up; each run's capture must hold exactly that many.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "vhu_pkt.h"

#define N_SEND 200

static char dir[128], sock[192];

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *
slurp(const char *path)
{
	static char buf[1 << 17];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove the test's directory (sockets, guest logs): only when the test
 * passed, so a failure leaves its logs behind. */
static void
dir_remove(void)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static pid_t
spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		/* Never outlive the test (a failed test must not leave a guest). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int
wait_exit(pid_t pid, unsigned timeout_ms)
{
	double t0 = now_ms();
	int status;

	while (now_ms() - t0 < timeout_ms) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	cr_assert_fail("process %d did not exit in %u ms", pid, timeout_ms);
	return -1;
}

/* Classic pcap, microseconds, Ethernet. */
static void
pcap_write(const char *path, unsigned n)
{
	uint32_t gh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
	uint8_t frame[VHU_PKT_LEN];
	FILE *f = fopen(path, "wb");
	unsigned i;

	cr_assert_not_null(f);
	fwrite(gh, sizeof(gh), 1, f);
	for (i = 0; i < n; i++) {
		uint32_t rh[4] = {0, i, VHU_PKT_LEN, VHU_PKT_LEN};

		vhu_frame_fill(frame, VHU_TAG_TEST, i);
		fwrite(rh, sizeof(rh), 1, f);
		fwrite(frame, sizeof(frame), 1, f);
	}
	fclose(f);
}

/* Frames with `tag` in a capture (native byte order, as net_pcap writes). */
static unsigned
pcap_count(const char *path, int tag, unsigned *total)
{
	uint8_t frame[65536];
	uint32_t gh[6], rh[4];
	unsigned n = 0;
	FILE *f = fopen(path, "rb");

	*total = 0;
	cr_assert_not_null(f, "no capture %s", path);
	cr_assert_eq(fread(gh, sizeof(gh), 1, f), 1);
	while (fread(rh, sizeof(rh), 1, f) == 1) {
		cr_assert_leq(rh[2], sizeof(frame));
		cr_assert_eq(fread(frame, rh[2], 1, f), 1);
		(*total)++;
		if (vhu_frame_tag(frame, rh[2]) == tag)
			n++;
	}
	fclose(f);
	return n;
}

static void
write_cfg_mode(const char *cfg, const char *in, const char *out, unsigned run, const char *mode)
{
	FILE *f = fopen(cfg, "w");

	cr_assert_not_null(f);
	fprintf(f,
		"dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, in_memory: true,\n"
		"       file_prefix: vs_vhu_d_%d_%u, log_level: \"*:notice\",\n"
		"       extra_args: [\"--no-pci\", \"--no-telemetry\",\n"
		"                    \"--log-level=nfvswitch.vhost:info\"]}\n"
		"workers: [{lcore: 1}]\n"
		"control: {stats_interval_ms: 0, socket: \"%s/ctl.sock\"}\n"
		"ports:\n"
		"  - {name: up, type: ethdev,\n"
		"     device: \"net_pcap0,rx_pcap=%s,tx_pcap=%s,infinite_rx=1\"}\n"
		"  - {name: vm1, type: vhost, path: \"%s\", mode: %s}\n"
		"rules:\n"
		"  - {priority: 10, match: {in_port: up}, actions: [{output: vm1}]}\n"
		"  - {priority: 10, match: {in_port: vm1}, actions: [{output: up}]}\n",
		getpid(), run, dir, in, out, sock, mode);
	fclose(f);
}

static void
write_cfg(const char *cfg, const char *in, const char *out, unsigned run)
{
	write_cfg_mode(cfg, in, out, run, "client");
}

/* Run the daemon for a few seconds; returns its log. */
static const char *
run_switch(const char *in, unsigned run, char *out, size_t size)
{
	const char *bin = getenv("NFVSWITCH_BIN");
	char cfg[256], log[256];
	int status;

	cr_assert_not_null(bin, "NFVSWITCH_BIN is not set");
	snprintf(cfg, sizeof(cfg), "%s/sw%u.yaml", dir, run);
	snprintf(log, sizeof(log), "%s/sw%u.log", dir, run);
	snprintf(out, size, "%s/out%u.pcap", dir, run);
	write_cfg(cfg, in, out, run);
	{
		char *argv[] = {(char *)bin, "-c", cfg, "--duration", "4", NULL};

		status = wait_exit(spawn(argv, log), 30000);
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "nfvswitch run %u failed:\n%s",
		  run, slurp(log));
	return slurp(log);
}

/* "phase K: sent=S received=R" of the guest's log. */
static bool
phase_counts(const char *log, unsigned k, unsigned long *sent, unsigned long *received)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "phase %u: ", k);
	p = strstr(log, key);
	if (p == NULL)
		return false;
	return sscanf(p + strlen(key), "sent=%lu received=%lu", sent, received) == 2;
}

Test(vhost_daemon, switch_restart_client_mode, .timeout = 120)
{
	const char *gbin = getenv("VHU_GUEST_BIN");
	char in[256], out1[256], out2[256], glog[256], prefix[64], n[16];
	unsigned long sent, received;
	unsigned total, got;
	const char *log;
	pid_t guest;
	int status;

	cr_assert_not_null(gbin, "VHU_GUEST_BIN is not set");
	snprintf(dir, sizeof(dir), "/tmp/vs_vhu_d_%d", getpid());
	mkdir(dir, 0700);
	snprintf(sock, sizeof(sock), "%s/vm1.sock", dir);
	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(glog, sizeof(glog), "%s/guest.log", dir);
	snprintf(prefix, sizeof(prefix), "vs_vhu_dg_%d", getpid());
	snprintf(n, sizeof(n), "%u", N_SEND);
	pcap_write(in, 64);

	/* The guest serves the socket (as QEMU does for a client-mode port)
	 * and sends N_SEND frames each time the link comes up. */
	{
		char *argv[] = {(char *)gbin,	"--path", sock,	   "--server", "--send",   n,
				"--phases",	"0",	  "--cpu", "0",	       "--prefix", prefix,
				"--timeout-ms", "100000", NULL};

		guest = spawn(argv, glog);
	}
	log = run_switch(in, 1, out1, sizeof(out1));
	cr_assert_not_null(strstr(log, "device 0 running"), "no device in run 1:\n%s", log);
	got = pcap_count(out1, VHU_TAG_GUEST, &total);
	cr_assert_eq(got, N_SEND, "run 1: uplink sent %u guest frames (of %u), want %u", got, total,
		     N_SEND);

	/* Restart the switch; the guest keeps running. */
	log = run_switch(in, 2, out2, sizeof(out2));
	cr_assert_not_null(strstr(log, "running"), "no device in run 2:\n%s", log);
	got = pcap_count(out2, VHU_TAG_GUEST, &total);
	cr_assert_eq(got, N_SEND, "run 2: uplink sent %u guest frames (of %u), want %u", got, total,
		     N_SEND);

	kill(guest, SIGTERM);
	status = wait_exit(guest, 10000);
	cr_assert(WIFEXITED(status), "guest crashed (status 0x%x):\n%s", status, slurp(glog));
	log = slurp(glog);
	/* One guest process, two sessions: both received the switch's traffic. */
	cr_assert(phase_counts(log, 1, &sent, &received), "no phase 1:\n%s", log);
	cr_assert_eq(sent, N_SEND);
	cr_assert_gt(received, 0, "phase 1 received nothing:\n%s", log);
	cr_assert(phase_counts(log, 2, &sent, &received), "no phase 2:\n%s", log);
	cr_assert_eq(sent, N_SEND);
	cr_assert_gt(received, 0, "phase 2 received nothing:\n%s", log);
	cr_assert_not_null(strstr(log, "guest: started"));
	dir_remove();
}

/* Occurrences of s in text. */
static unsigned
count_of(const char *text, const char *s)
{
	unsigned n = 0;

	for (const char *p = strstr(text, s); p != NULL; p = strstr(p + 1, s))
		n++;
	return n;
}

/* Wait until a log holds n occurrences of s; returns the log. */
static const char *
wait_log(const char *log, const char *s, unsigned n, unsigned timeout_ms)
{
	double t0 = now_ms();
	const char *text;

	do {
		text = slurp(log);
		if (count_of(text, s) >= n)
			return text;
		usleep(10000);
	} while (now_ms() - t0 < timeout_ms);
	cr_assert_fail("no %u x '%s' in %u ms:\n%s", n, s, timeout_ms, text);
	return text;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#define N_DISCONNECT 9

/*
 * A guest leaving is handled at once: the control loop sleeps on the vhost
 * event fd, so destroy_device (which librte_vhost's thread blocks in until
 * the control thread has republished the port as not ready) takes about an
 * RCU grace period, not up to a polling period. Nine guests come and go on a
 * server-mode port; the daemon logs how long each destroy_device took and,
 * at exit, what woke its control loop.
 */
Test(vhost_daemon, guest_disconnect_prompt, .timeout = 150)
{
	const char *bin = getenv("NFVSWITCH_BIN"), *gbin = getenv("VHU_GUEST_BIN");
	char in[256], out[256], cfg[256], log[256], glog[256], prefix[64];
	double ms[N_DISCONNECT], t0, t_exit;
	const char *text, *p;
	unsigned i, n, wakeups;
	struct stat st;
	pid_t sw, guest;
	int status;

	cr_assert_not_null(bin, "NFVSWITCH_BIN is not set");
	cr_assert_not_null(gbin, "VHU_GUEST_BIN is not set");
	snprintf(dir, sizeof(dir), "/tmp/vs_vhu_p_%d", getpid());
	mkdir(dir, 0700);
	snprintf(sock, sizeof(sock), "%s/vm1.sock", dir);
	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(out, sizeof(out), "%s/out.pcap", dir);
	snprintf(cfg, sizeof(cfg), "%s/sw.yaml", dir);
	snprintf(log, sizeof(log), "%s/sw.log", dir);
	snprintf(glog, sizeof(glog), "%s/guest.log", dir);
	snprintf(prefix, sizeof(prefix), "vs_vhu_pg_%d", getpid());
	pcap_write(in, 64);
	write_cfg_mode(cfg, in, out, 1, "server");
	{
		char *argv[] = {(char *)bin, "-c", cfg, "--duration", "120", NULL};

		sw = spawn(argv, log);
	}
	t0 = now_ms();
	while (stat(sock, &st) != 0 && now_ms() - t0 < 20000)
		usleep(10000);
	cr_assert_eq(stat(sock, &st), 0, "no socket %s:\n%s", sock, slurp(log));
	for (i = 0; i < N_DISCONNECT; i++) {
		char *argv[] = {(char *)gbin, "--path",	  sock,	  "--phases",	  "0",	   "--cpu",
				"0",	      "--prefix", prefix, "--timeout-ms", "60000", NULL};

		guest = spawn(argv, glog);
		wait_log(log, "running on", i + 1, 20000);
		/* Its SIGTERM handler is in place: it stops the device and leaves. */
		wait_log(glog, "guest: started", 1, 20000);
		kill(guest, SIGTERM);
		status = wait_exit(guest, 10000);
		cr_assert(WIFEXITED(status), "guest %u crashed (0x%x):\n%s", i, status,
			  slurp(glog));
		text = wait_log(log, "destroy_device of device", i + 1, 10000);
	}
	t0 = now_ms();
	kill(sw, SIGTERM);
	status = wait_exit(sw, 10000);
	t_exit = now_ms() - t0;
	text = slurp(log);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "nfvswitch failed:\n%s", text);

	n = 0;
	for (p = strstr(text, "destroy_device of device"); p != NULL && n < N_DISCONNECT;
	     p = strstr(p + 1, "destroy_device of device")) {
		p = strstr(p, " took ");
		cr_assert_not_null(p);
		cr_assert_eq(sscanf(p, " took %lf ms", &ms[n]), 1);
		n++;
	}
	cr_assert_eq(n, N_DISCONNECT, "%s", text);
	qsort(ms, n, sizeof(ms[0]), cmp_double);
	fprintf(stderr,
		"destroy_device: min %.3f median %.3f max %.3f ms; SIGTERM to exit %.1f ms\n",
		ms[0], ms[n / 2], ms[n - 1], t_exit);
	/* Polling every 20 ms gave a median near 10 ms. */
	cr_assert_lt(ms[n / 2], 4.0, "median destroy_device %.3f ms:\n%s", ms[n / 2], text);
	/* Every guest that left woke the loop through the vhost event fd. */
	p = strstr(text, "control loop: ");
	cr_assert_not_null(p, "no control loop summary:\n%s", text);
	p = strstr(p, "vhost-events ");
	cr_assert_not_null(p, "%s", text);
	cr_assert_eq(sscanf(p, "vhost-events %u", &wakeups), 1);
	cr_assert_geq(wakeups, N_DISCONNECT, "%s", text);
	dir_remove();
}
