#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Lint: the fast-path rules are enforced; formatting drift is enforced with clang-format.
#  - *_dp.c / *_dp.h never log, allocate, sleep, lock or make system calls;
#  - C sources follow .clang-format (clang-format 14, Debian 12's); drift fails the lint
#    (LINT_FORMAT=0 skips it, e.g. with another clang-format version that formats
#    differently).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
rc=0
dp=$(git ls-files '*_dp.c' '*_dp.h' 2>/dev/null || find . -name '*_dp.[ch]' -not -path './build*')
if [ -n "$dp" ]; then
	bad=$(grep -nE '\b(printf|fprintf|puts|RTE_LOG|RTE_LOG_DP|rte_log|syslog|malloc|calloc|realloc|free|rte_malloc|rte_zmalloc|rte_free|rte_pktmbuf_pool_create|pthread_mutex_lock|rte_spinlock_lock|usleep|sleep|nanosleep|rte_delay_us|rte_delay_ms|open|read|write|ioctl|send|recv|poll|epoll_wait)\(' $dp |
		grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)' | grep -v 'lint: allow')
	if [ -n "$bad" ]; then
		echo "lint: fast-path files call what belongs on the control thread:"
		echo "$bad"
		rc=1
	fi
fi
if [ "${LINT_FORMAT:-1}" != 0 ] && command -v clang-format >/dev/null; then
	src=$(git ls-files '*.c' '*.h' 2>/dev/null)
	if [ -n "$src" ]; then
		drift=$(clang-format --dry-run $src 2>&1 | grep -c 'warning:' || true)
		if [ "$drift" != 0 ]; then
			echo "lint: $drift formatting differences from .clang-format" \
				"(clang-format -i \$(git ls-files '*.c' '*.h') fixes them):"
			clang-format --dry-run $src 2>&1 | grep 'warning:' | head -n 20
			rc=1
		fi
	fi
fi
[ $rc -eq 0 ] && echo "lint: ok"
exit $rc
