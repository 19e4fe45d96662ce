/* SPDX-License-Identifier: BSD-3-Clause */
/* The OpenFlow integration tests' shared harness (see ofp_test_util.h). */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ofp_test_util.h"

struct vs_oft vs_oft;

const char *
vs_oft_env(const char *name)
{
	const char *v = getenv(name);

	cr_assert_not_null(v, "%s is not set (run the tests through meson test)", name);
	return v;
}

void
vs_oft_workdir(const char *name)
{
	snprintf(vs_oft.dir, sizeof(vs_oft.dir), "/tmp/%s-XXXXXX", name);
	cr_assert_not_null(mkdtemp(vs_oft.dir));
	snprintf(vs_oft.cfg_path, sizeof(vs_oft.cfg_path), "%s/switch.yaml", vs_oft.dir);
	snprintf(vs_oft.sock, sizeof(vs_oft.sock), "%s/ctl.sock", vs_oft.dir);
	snprintf(vs_oft.prefix, sizeof(vs_oft.prefix), "%s-%d", name, getpid());
	snprintf(vs_oft.log_path, sizeof(vs_oft.log_path), "%s/daemon.log", vs_oft.dir);
}

char *
vs_oft_slurp(const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f == NULL)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void
vs_oft_rm_tree(const char *path)
{
	nftw(path, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int
vs_oft_try_run(char *const argv[], char **out)
{
	char opath[160];
	int status;
	pid_t pid;

	snprintf(opath, sizeof(opath), "%s/cmd.out", vs_oft.dir);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, 1);
		dup2(o, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (out)
		*out = strdup(vs_oft_slurp(opath));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
vs_oft_run(char *const argv[], char **out)
{
	int rc = vs_oft_try_run(argv, out);

	cr_assert_geq(rc, 0, "%s: fork or waitpid failed: %s", argv[0], strerror(errno));
	return rc;
}

void
vs_oft_need_ofctl(void)
{
	if (access(VS_OFT_OFCTL, X_OK) != 0)
		cr_skip_test("ovs-ofctl is not installed (apt-get install openvswitch-common)");
}

int
vs_oft_ofctl(char **out, const char *opt, const char *cmd, const char *arg)
{
	char *argv[8];
	int n = 0;

	argv[n++] = VS_OFT_OFCTL;
	argv[n++] = "-O";
	argv[n++] = "OpenFlow13";
	if (opt != NULL)
		argv[n++] = (char *)opt;
	argv[n++] = (char *)cmd;
	argv[n++] = vs_oft.target;
	if (arg != NULL)
		argv[n++] = (char *)arg;
	argv[n] = NULL;
	return vs_oft_run(argv, out);
}

json_t *
vs_oft_ctl_json(const char *what)
{
	char *argv[] = {(char *)vs_oft_env("NFVSWITCH_CTL_BIN"),
			"-s",
			vs_oft.sock,
			"--json",
			"show",
			(char *)what,
			NULL};
	json_error_t jerr;
	char *out;
	json_t *j;

	cr_assert_eq(vs_oft_run(argv, &out), 0, "show %s: %s", what, out);
	j = json_loads(out, 0, &jerr);
	cr_assert_not_null(j, "not JSON (%s): %s", jerr.text, out);
	free(out);
	return j;
}

json_int_t
vs_oft_port_count(const char *name, const char *key)
{
	json_t *j = vs_oft_ctl_json("ports"), *o;
	json_int_t v = -1;
	size_t i;

	json_array_foreach(j, i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
			v = json_integer_value(json_object_get(o, key));
	}
	json_decref(j);
	return v;
}

json_int_t
vs_oft_port_tx(const char *name)
{
	json_int_t tx = vs_oft_port_count(name, "tx_pkts");

	cr_assert_geq(tx, 0, "no port %s", name);
	return tx;
}

json_t *
vs_oft_rules_of(const char *src)
{
	json_t *j = vs_oft_ctl_json("rules"), *out = json_array(), *r;
	size_t i;

	json_array_foreach(json_object_get(j, "rules"), i, r)
	{
		const char *s = json_string_value(json_object_get(r, "source"));

		if (s != NULL && strcmp(s, src) == 0)
			json_array_append(out, r);
	}
	json_decref(j);
	return out;
}

void
vs_oft_write_cfg(const char *text)
{
	FILE *f = fopen(vs_oft.cfg_path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

bool
vs_oft_daemon_start(const char *ready, unsigned wait_s)
{
	unsigned i;

	vs_oft.daemon_pid = fork();
	cr_assert_geq(vs_oft.daemon_pid, 0);
	if (vs_oft.daemon_pid == 0) {
		int fd = open(vs_oft.log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(vs_oft_env("NFVSWITCH_BIN"), "nfvswitch", "-c", vs_oft.cfg_path, NULL);
		_exit(127);
	}
	for (i = 0; i < wait_s * 20; i++) {
		if (strstr(vs_oft_slurp(vs_oft.log_path), ready) != NULL &&
		    access(vs_oft.sock, F_OK) == 0)
			return true;
		cr_assert_eq(waitpid(vs_oft.daemon_pid, NULL, WNOHANG), 0, "daemon exited: %s",
			     vs_oft_slurp(vs_oft.log_path));
		usleep(50000);
	}
	return false;
}

void
vs_oft_daemon_up(unsigned wait_s, unsigned stop_s)
{
	if (!vs_oft_daemon_start("openflow: listening", wait_s)) {
		const char *text =
		    vs_oft_slurp(vs_oft.log_path); /* its buffer outlives the files */

		vs_oft_stop(&vs_oft.daemon_pid, false, stop_s);
		vs_oft_rm_files();
		cr_assert_fail("no OpenFlow listener after %u s: %s", wait_s, text);
	}
}

void
vs_oft_stop(pid_t *pid, bool group, unsigned wait_s)
{
	unsigned i;
	int status;

	if (*pid <= 0)
		return;
	kill(group ? -*pid : *pid, SIGTERM);
	for (i = 0; i < wait_s * 20 && waitpid(*pid, &status, WNOHANG) == 0; i++)
		usleep(50000);
	if (i == wait_s * 20) {
		kill(group ? -*pid : *pid, SIGKILL);
		waitpid(*pid, &status, 0);
	} else if (group) {
		kill(-*pid, SIGKILL); /* anything the leader left behind */
	}
	*pid = 0;
}

void
vs_oft_rm_files(void)
{
	char path[128];

	if (vs_oft.dir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", vs_oft.prefix);
	vs_oft_rm_tree(path);
	vs_oft_rm_tree(vs_oft.dir);
}

void
vs_oft_send(int fd, struct vs_ofp_buf *b)
{
	size_t off = 0;

	cr_assert(!b->oom);
	while (off < b->len) {
		ssize_t n = write(fd, b->data + off, b->len - off);

		cr_assert_gt(n, 0, "write: %s", strerror(errno));
		off += (size_t)n;
	}
	b->len = 0;
}

void
vs_oft_recv(int fd, uint8_t *buf, size_t cap, struct vs_ofp_hdr *h)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		size_t got = 0, want = 8;

		while (got < want) {
			ssize_t n;

			cr_assert_eq(poll(&p, 1, 5000), 1, "no message from the switch in 5 s");
			n = read(fd, buf + got, want - got);
			cr_assert_gt(n, 0, "the switch closed the connection");
			got += (size_t)n;
			if (got == 8) {
				want = (size_t)buf[2] << 8 | buf[3];
				cr_assert(want >= 8 && want <= cap, "bad length %zu", want);
			}
		}
		vs_ofp_parse_hdr(buf, got, h);
		if (h->type == VS_OFPT_ECHO_REQUEST) {
			struct vs_ofp_buf b;

			vs_ofp_buf_init(&b);
			vs_ofp_enc_echo(&b, VS_OFPT_ECHO_REPLY, h->xid, buf + 8, got - 8);
			vs_oft_send(fd, &b);
			vs_ofp_buf_free(&b);
			continue;
		}
		return;
	}
}

int
vs_oft_raw_connect(unsigned port, struct vs_ofp_hdr *hello)
{
	static uint8_t buf[VS_OFP_MAX_MSG];
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct vs_ofp_buf b;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect: %s",
		     strerror(errno));
	vs_ofp_buf_init(&b);
	cr_assert_eq(vs_ofp_enc_hello(&b, 1), 0);
	vs_oft_send(fd, &b);
	vs_ofp_buf_free(&b);
	vs_oft_recv(fd, buf, sizeof(buf), hello);
	cr_assert_eq(hello->type, VS_OFPT_HELLO);
	return fd;
}
