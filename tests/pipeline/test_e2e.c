/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * End to end: the built nfvswitch binary as a subprocess over net_pcap
 * ports (a capture made by nfvswitch-pcapgen in, one capture per output
 * port out), read back with libpcap; and `nfvswitch --check` on the
 * examples and on broken files. The binaries come from the environment
 * (NFVSWITCH_BIN, NFVSWITCH_PCAPGEN_BIN, NFVSWITCH_EXAMPLES, set by meson).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pcap/pcap.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	cr_assert_not_null(v, "%s is not set (run the tests through meson test)", name);
	return v;
}

static char dir[64];

static void
make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vs-e2e-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove the test's directory (left in place when a test fails, to look at). */
static void
remove_dir(void)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static char *
read_file(const char *path)
{
	static char buf[1 << 18];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Run argv with stdout+stderr to log; wait at most timeout_s. Exit status or -1. */
static int
run(char *const argv[], const char *log, unsigned timeout_s)
{
	pid_t pid = fork();
	unsigned i;
	int st;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < timeout_s * 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	cr_assert_fail("%s did not finish within %u s; log:\n%s", argv[0], timeout_s,
		       read_file(log));
	return -1;
}

/* Packets in a capture; calls check(frame, len) on each when not NULL. */
static unsigned
pcap_count(const char *path, void (*check)(const uint8_t *p, unsigned len))
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned n = 0;
	pcap_t *pc;

	pc = pcap_open_offline(path, err);
	cr_assert_not_null(pc, "%s: %s", path, err);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		if (check)
			check(data, h->caplen);
		n++;
	}
	pcap_close(pc);
	return n;
}

static void
check_out0(const uint8_t *p, unsigned len)
{
	cr_assert_eq(len, 64);
	cr_assert_eq(p[33], 0, "out0 only gets 10.1.0.0");
	cr_assert_eq(p[30] << 24 | p[31] << 16 | p[32] << 8, 10 << 24 | 1 << 16);
}

static void
check_out1(const uint8_t *p, unsigned len)
{
	unsigned dport = (unsigned)(p[36] << 8 | p[37]);

	cr_assert_eq(len, 64);
	cr_assert_eq(p[33], 1, "out1 only gets 10.1.0.1");
	cr_assert(dport >= 5000 && dport <= 5003, "dport %u outside 5000-5003", dport);
}

#define E2E_YAML_FMT                                                                               \
	"dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, in_memory: true,\n"                  \
	"       file_prefix: vs-e2e-%d, log_level: \"*:notice\",\n"                                \
	"       extra_args: [\"--no-pci\", \"--no-telemetry\"]}\n"                                 \
	"workers: [{lcore: 1}]\n"                                                                  \
	"control: {stats_interval_ms: 300}\n"                                                      \
	"ports:\n"                                                                                 \
	"  - {name: in0, type: ethdev, device: "                                                   \
	"\"net_pcap10,rx_pcap=%s/in.pcap,tx_pcap=%s/in-tx.pcap\"}\n"                               \
	"  - {name: out0, type: ethdev,\n"                                                         \
	"     device: \"net_pcap11,rx_pcap=%s/empty.pcap,tx_pcap=%s/out0.pcap\"}\n"                \
	"  - {name: out1, type: ethdev,\n"                                                         \
	"     device: \"net_pcap12,rx_pcap=%s/empty.pcap,tx_pcap=%s/out1.pcap\"}\n"                \
	"rules:\n"                                                                                 \
	"  - {priority: 100, match: {in_port: in0, ip_dst: 10.1.0.0/32}, actions: [{output: "      \
	"out0}]}\n"                                                                                \
	"  - {priority: 100, match: {in_port: in0, ip_dst: 10.1.0.1/32, ip_proto: udp,\n"          \
	"     l4_dst: \"5000-5003\"}, actions: [{output: out1}]}\n"                                \
	"  - {priority: 100, match: {in_port: in0, ip_dst: 10.1.0.2/32}, actions: [drop]}\n"

static void
write_e2e_config(const char *path)
{
	char yaml[4096];

	snprintf(yaml, sizeof(yaml), E2E_YAML_FMT, getpid(), dir, dir, dir, dir, dir, dir);
	write_file(path, yaml);
}

static void
gen_captures(void)
{
	char in[128], empty[128], log[128];
	char *gen_in[] = {(char *)env("NFVSWITCH_PCAPGEN_BIN"),
			  "-o",
			  in,
			  "--flows",
			  "16",
			  "--count",
			  "160",
			  "--dst-ips",
			  "4",
			  "--dports",
			  "8",
			  NULL};
	char *gen_empty[] = {
	    (char *)env("NFVSWITCH_PCAPGEN_BIN"), "-o", empty, "--count", "0", NULL};

	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(empty, sizeof(empty), "%s/empty.pcap", dir);
	snprintf(log, sizeof(log), "%s/pcapgen.log", dir);
	cr_assert_eq(run(gen_in, log, 10), 0, "pcapgen: %s", read_file(log));
	cr_assert_eq(run(gen_empty, log, 10), 0, "pcapgen: %s", read_file(log));
	cr_assert_eq(pcap_count(in, NULL), 160);
	cr_assert_eq(pcap_count(empty, NULL), 0);
}

Test(e2e, pcap_in_pcap_out_exact_counts, .timeout = 60)
{
	char cfg[128], log[128], path[128];
	char *argv[] = {(char *)env("NFVSWITCH_BIN"), "-c", cfg, "--duration", "2", NULL};
	const char *out, *line;

	make_dir();
	gen_captures();
	snprintf(cfg, sizeof(cfg), "%s/e2e.yaml", dir);
	snprintf(log, sizeof(log), "%s/nfvswitch.log", dir);
	write_e2e_config(cfg);
	cr_assert_eq(run(argv, log, 30), 0, "nfvswitch failed:\n%s", read_file(log));
	out = read_file(log);
	/*
	 * Flow i (16 flows x 10 packets) goes to 10.1.0.(i % 4), dport 5000 + i % 8:
	 * .0 -> out0 (4 flows), .1 with dport 5001 -> out1 (1 flow... i % 8 == 1:
	 * 2 flows), .2 -> drop (4 flows), the rest (.3, and .1 with dport 5005) -> no_rule.
	 */
	snprintf(path, sizeof(path), "%s/out0.pcap", dir);
	cr_assert_eq(pcap_count(path, check_out0), 40, "out0; log:\n%s", out);
	snprintf(path, sizeof(path), "%s/out1.pcap", dir);
	cr_assert_eq(pcap_count(path, check_out1), 20, "out1; log:\n%s", out);
	snprintf(path, sizeof(path), "%s/in-tx.pcap", dir);
	cr_assert_eq(pcap_count(path, NULL), 0, "nothing goes back to in0");
	cr_assert_not_null(strstr(out, "EAL arguments: nfvswitch -l 0,1 --main-lcore 0"), "%s",
			   out);
	cr_assert_not_null(strstr(out, "mempool: "), "%s", out);
	line = strstr(out, "by reason:");
	cr_assert(line != NULL && strstr(line, " no_rule=60 ") != NULL &&
		      strstr(line, " rule_drop=40 ") != NULL,
		  "%s", out);
	line = strstr(out, "=== totals");
	line = line ? strstr(line, "port in0 ") : NULL;
	cr_assert(line != NULL && strstr(line, " rx_pkts=160 ") != NULL, "%s", out);
	remove_dir();
}

static bool
log_has(const char *log, const char *what)
{
	FILE *f = fopen(log, "r");
	char line[1024];
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

Test(e2e, sigterm_stops_cleanly_with_totals, .timeout = 60)
{
	char cfg[128], log[128];
	unsigned i;
	pid_t pid;
	int st;

	make_dir();
	gen_captures();
	snprintf(cfg, sizeof(cfg), "%s/e2e.yaml", dir);
	snprintf(log, sizeof(log), "%s/nfvswitch.log", dir);
	write_e2e_config(cfg);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(env("NFVSWITCH_BIN"), "nfvswitch", "-c", cfg, NULL);
		_exit(127);
	}
	/* Wait for the first periodic printout (bounded). */
	for (i = 0; i < 2000 && !log_has(log, "worker lcore 1"); i++)
		usleep(10000);
	cr_assert(log_has(log, "worker lcore 1"), "no rates printed:\n%s", read_file(log));
	kill(pid, SIGTERM);
	for (i = 0; i < 2000 && waitpid(pid, &st, WNOHANG) != pid; i++)
		usleep(10000);
	cr_assert_lt(i, 2000, "nfvswitch ignored SIGTERM");
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x:\n%s", st, read_file(log));
	cr_assert(log_has(log, "stopping (signal)"), "%s", read_file(log));
	cr_assert(log_has(log, "=== totals"), "%s", read_file(log));
	cr_assert(log_has(log, "Mpps"), "%s", read_file(log));
	remove_dir();
}

/* A number printed after `key` on the line that starts with `prefix`. */
static unsigned long long
number_after(const char *text, const char *prefix, const char *key)
{
	const char *line = strstr(text, prefix), *k;

	cr_assert_not_null(line, "no line '%s' in:\n%s", prefix, text);
	k = strstr(line, key);
	cr_assert_not_null(k, "no '%s' after '%s'", key, prefix);
	return strtoull(k + strlen(key), NULL, 10);
}

/*
 * The default run: no -c, the built-in demo. It needs no NIC and no
 * hugepages, makes its capture when missing, prints live rates, and its
 * rules split the replayed flows 4:1:1 between the sinks with one slice
 * dropped by rule and one unmatched (the replay loops, so the counts agree
 * within one pass of the 1024-frame capture).
 */
Test(e2e, builtin_demo_runs_and_splits_the_flows, .timeout = 60)
{
	char *argv[] = {(char *)env("NFVSWITCH_BIN"), "--duration", "2",
			"--stats-interval",	      "500",	    NULL};
	unsigned long long s0, s1, s2, no_rule, rule_drop;
	char log[128];
	struct stat st;
	const char *out;

	make_dir();
	snprintf(log, sizeof(log), "%s/demo.log", dir);
	cr_assert_eq(run(argv, log, 30), 0, "%s", read_file(log));
	out = read_file(log);
	cr_assert_eq(stat("/tmp/nfvswitch-demo/flows-64B.pcap", &st), 0, "capture generated");
	cr_assert_not_null(strstr(out, "Mpps"), "%s", out);
	cr_assert_not_null(strstr(out, "--no-huge"), "%s", out);
	out = strstr(out, "=== totals");
	cr_assert_not_null(out);
	s0 = number_after(out, "port sink0", "tx_pkts=");
	s1 = number_after(out, "port sink1", "tx_pkts=");
	s2 = number_after(out, "port sink2", "tx_pkts=");
	no_rule = number_after(out, "  by reason:", "no_rule=");
	rule_drop = number_after(out, "  by reason:", "rule_drop=");
	/* No rate floor: a host shared with other busy pollers can be slow. */
	cr_assert_gt(s0 + s1 + s2, 0, "the demo forwarded nothing:\n%s", out);
	cr_assert_leq(llabs((long long)s0 - 4 * (long long)s1), 4 * 1024, "%s", out);
	cr_assert_leq(llabs((long long)s1 - (long long)s2), 1024, "%s", out);
	cr_assert_leq(llabs((long long)no_rule - (long long)s1), 1024, "%s", out);
	cr_assert_leq(llabs((long long)rule_drop - (long long)s1), 1024, "%s", out);
	remove_dir();
}

/* ---- --check --------------------------------------------------------------------------- */

static int
check(const char *file, const char *log)
{
	char *argv[] = {(char *)env("NFVSWITCH_BIN"), "--check", "-c", (char *)file, NULL};

	return run(argv, log, 10);
}

Test(check, every_example_is_valid)
{
	const char *ex = env("NFVSWITCH_EXAMPLES");
	char path[512], log[128];
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	make_dir();
	snprintf(log, sizeof(log), "%s/check.log", dir);
	d = opendir(ex);
	cr_assert_not_null(d, "%s: %s", ex, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", ex, de->d_name);
		cr_assert_eq(check(path, log), 0, "%s:\n%s", path, read_file(log));
		cr_assert_not_null(strstr(read_file(log), ": OK"));
		n++;
	}
	closedir(d);
	cr_assert_geq(n, 1, "no examples found in %s", ex);
	remove_dir();
}

Test(check, builtin_default_is_valid)
{
	char *argv[] = {(char *)env("NFVSWITCH_BIN"), "--check", NULL};
	char log[128];

	make_dir();
	snprintf(log, sizeof(log), "%s/check.log", dir);
	cr_assert_eq(run(argv, log, 10), 0, "%s", read_file(log));
	cr_assert_not_null(strstr(read_file(log), "<built-in>: OK (4 ports, 1 workers"));
	remove_dir();
}

Test(check, broken_files_fail_with_a_position)
{
	static const char *const broken[] = {
	    /* YAML syntax */
	    "ports:\n  - {name: a, type: ethdev, device: x\n",
	    /* unknown key */
	    "workers: [{lcore: 1}]\nbogus_key: 1\n",
	    /* rule to a port that does not exist */
	    "ports:\n  - {name: a, type: ethdev, device: x0}\n"
	    "rules:\n  - {priority: 1, match: {in_port: a}, actions: [{output: nowhere}]}\n",
	    /* a port without its device */
	    "ports:\n  - {name: a, type: ethdev}\n",
	};
	char path[128], log[128], pattern[256];
	regex_t re;
	unsigned i;

	make_dir();
	snprintf(log, sizeof(log), "%s/check.log", dir);
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		const char *out;

		snprintf(path, sizeof(path), "%s/broken%u.yaml", dir, i);
		write_file(path, broken[i]);
		cr_assert_eq(check(path, log), 1, "%s was accepted:\n%s", broken[i],
			     read_file(log));
		out = read_file(log);
		snprintf(pattern, sizeof(pattern), "^%s:[0-9]+:[0-9]+: ", path);
		cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0);
		cr_assert_eq(regexec(&re, out, 0, NULL, 0), 0, "no FILE:LINE:COL in: %s", out);
		regfree(&re);
	}
	remove_dir();
}

Test(check, usage_and_memory_errors_have_their_exit_codes)
{
	char *bad_opt[] = {(char *)env("NFVSWITCH_BIN"), "--bogus", NULL};
	char *help[] = {(char *)env("NFVSWITCH_BIN"), "--help", NULL};
	char cfg[128], log[128];
	char *small[] = {(char *)env("NFVSWITCH_BIN"), "-c", cfg, "--duration", "1", NULL};

	make_dir();
	snprintf(log, sizeof(log), "%s/out.log", dir);
	cr_assert_eq(run(bad_opt, log, 10), 2);
	cr_assert_eq(run(help, log, 10), 0);
	cr_assert_not_null(strstr(read_file(log), "exit status:"));
	/* Too little memory is refused before DPDK starts, with the numbers. */
	snprintf(cfg, sizeof(cfg), "%s/small.yaml", dir);
	write_file(cfg, "dpdk: {memory_mb: 16, no_huge: true}\n"
			"workers: [{lcore: 1}]\n"
			"ports:\n  - {name: a, type: ethdev, device: net_null0}\n");
	cr_assert_eq(run(small, log, 10), 3, "%s", read_file(log));
	cr_assert_not_null(strstr(read_file(log), "dpdk.memory_mb: 16 MiB is not enough"), "%s",
			   read_file(log));
	remove_dir();
}
