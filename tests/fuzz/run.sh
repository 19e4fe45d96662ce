#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build every libFuzzer target with clang, ASan and UBSan in build-fuzz and
# run each executable named *_fuzz under build-fuzz/tests/ for $FUZZ_SECONDS
# seconds (default 30). Exits non-zero when a target crashes, leaks, trips a
# sanitizer or an invariant; the reproducer is kept under
# build-fuzz/fuzz-work/<target>/artifacts/. Without clang it says so and
# exits 0, so CI machines without clang still pass.
#
# Seeds: tests/<module>/corpus for a target <module>_fuzz, and
# tests/fuzz/corpus/<target>, when they exist. New inputs the fuzzer finds go
# to build-fuzz/fuzz-work/<target>/corpus, never into the source tree.
#
#   FUZZ_SECONDS=300 tests/fuzz/run.sh        # longer run
#   FUZZ_TARGETS="flow_fuzz" tests/fuzz/run.sh  # only some targets
set -eu

cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}

if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: clang is not installed, skipping the fuzz targets"
	exit 0
fi

if [ ! -f "$BUILD/build.ninja" ]; then
	# werror off: this build exists to fuzz, clang-only warnings in other
	# modules must not stop it (the gcc builds keep -Werror).
	CC=clang meson setup "$BUILD" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dwerror=false -Dbuildtype=debugoptimized
else
	meson configure "$BUILD" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$BUILD"

# Only libFuzzer executables (a test binary could share the suffix).
targets=""
for t in $(find "$BUILD/tests" -type f -name '*_fuzz' -perm -u+x | sort); do
	if grep -qa 'max_total_time' "$t"; then
		targets="$targets $t"
	fi
done
if [ -n "${FUZZ_TARGETS:-}" ]; then
	sel=""
	for t in $targets; do
		case " $FUZZ_TARGETS " in *" $(basename "$t") "*) sel="$sel $t" ;; esac
	done
	targets=$sel
fi
if [ -z "$targets" ]; then
	echo "fuzz: no *_fuzz executables under $BUILD/tests" >&2
	exit 1
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}"

failed=""
for t in $targets; do
	name=$(basename "$t")
	mod=${name%_fuzz}
	work="$BUILD/fuzz-work/$name"
	mkdir -p "$work/corpus" "$work/artifacts"
	seeds=""
	for d in "tests/$mod/corpus" "tests/fuzz/corpus/$name"; do
		if [ -d "$d" ]; then
			seeds="$seeds $d"
		fi
	done
	dict=""
	if [ -f "tests/fuzz/$name.dict" ]; then
		dict="-dict=tests/fuzz/$name.dict"
	fi
	echo "fuzz: $name for ${FUZZ_SECONDS}s (seeds:${seeds:- none})"
	# shellcheck disable=SC2086 # word splitting of seeds/dict is intended
	if "$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" $dict \
		"$work/corpus" $seeds >"$work/log" 2>&1; then
		tail -n 12 "$work/log"
	else
		tail -n 60 "$work/log"
		echo "fuzz: $name FAILED; reproducer(s) in $work/artifacts/" >&2
		failed="$failed $name"
	fi
done

if [ -n "$failed" ]; then
	echo "fuzz: failing targets:$failed" >&2
	exit 1
fi
echo "fuzz: all targets passed"
