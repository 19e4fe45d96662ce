#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set up (scripts/setup.sh) and run every test of nfvswitch:
#   1. the test suite on an optimised debug build     (build-test)
#   2. the same suite under ASan + UBSan               (build-asan; NFVSWITCH_ASAN=0 skips)
#   3. the libFuzzer harnesses for a bounded time      (FUZZ_SECONDS each, default 30; 0 skips)
#   4. the lint step (clang-format on changed files is advisory; fast-path rules are enforced)
# Ends with one line "tests: N passed, N failed, N skipped" counting Criterion test
# cases and script tests across the builds; exits non-zero if anything failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
say() { printf '[test] %s\n' "$*"; }

"$here/scripts/setup.sh" || { say "setup failed"; echo "tests: 0 passed, 1 failed"; exit 1; }

jobs=${NFVSWITCH_TEST_JOBS:-2}
status=0
logs=()

run_suite() { # name builddir meson-args...
	local name=$1 dir=$2; shift 2
	if [ ! -f "$dir/build.ninja" ]; then
		say "$name: configuring $dir"
		meson setup "$dir" "$here" "$@" >/dev/null ||
			{ say "$name: meson setup failed"; status=1; return; }
	fi
	say "$name: building"
	ninja -C "$dir" >/dev/null || { ninja -C "$dir" | tail -40; say "$name: build failed"; status=1; return; }
	say "$name: running tests"
	meson test -C "$dir" --print-errorlogs --num-processes "$jobs" $NFVSWITCH_TEST_ARGS || status=1
	logs+=("$dir/meson-logs/testlog.json")
}

NFVSWITCH_TEST_ARGS=${NFVSWITCH_TEST_ARGS:-}

"$here/scripts/lint.sh" || status=1

run_suite default build-test --buildtype=debugoptimized
if [ "${NFVSWITCH_ASAN:-1}" != 0 ]; then
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		run_suite asan build-asan --buildtype=debug -Db_sanitize=address,undefined \
			-Db_lundef=false
fi

if [ "${FUZZ_SECONDS:-30}" != 0 ] && [ -x "$here/tests/fuzz/run.sh" ]; then
	say "fuzz: ${FUZZ_SECONDS:-30} s per harness"
	FUZZ_SECONDS=${FUZZ_SECONDS:-30} "$here/tests/fuzz/run.sh" > build-fuzz.log 2>&1
	rc=$?
	tail -n 20 build-fuzz.log
	[ $rc -eq 0 ] || status=1
	echo "{\"name\": \"fuzz\", \"result\": \"$([ $rc -eq 0 ] && echo OK || echo FAIL)\", \"stdout\": \"\"}" > build-fuzz.json
	logs+=(build-fuzz.json)
fi

python3 "$here/scripts/test-summary.py" "${logs[@]}" || status=1
exit $status
