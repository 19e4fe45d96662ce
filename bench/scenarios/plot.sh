#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Plot nfvswitch-bench RFC 2544 results (the --csv of `nfvswitch-bench rfc2544`):
#   plot.sh [-o DIR] [--svg] [LABEL=]FILE.csv ...
# writes DIR/mpps-by-size.png (NDR Mpps against frame size, one line per flow
# count and file) and DIR/mpps-by-flows.png (NDR Mpps against flow count, one
# line per frame size and file). Several files (one per system: nfvswitch,
# OVS, testpmd) are drawn on the same axes. gnuplot is installed on demand
# (gnuplot-nox); without it the script says so and exits 0.
set -euo pipefail

OUT=.
TERM_EXT=png
TERM_SPEC="pngcairo size 1000,600"
ARGS=()
while [ $# -gt 0 ]; do
	case $1 in
	-o) OUT=$2; shift ;;
	--svg) TERM_EXT=svg; TERM_SPEC="svg size 1000,600" ;;
	-h|--help) sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) ARGS+=("$1") ;;
	esac
	shift
done
[ ${#ARGS[@]} -gt 0 ] || { echo "usage: plot.sh [-o DIR] [--svg] [LABEL=]FILE.csv ..." >&2; exit 2; }

if ! command -v gnuplot > /dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
		echo "installing gnuplot-nox" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y gnuplot-nox > /dev/null 2>&1 || true
	fi
fi
if ! command -v gnuplot > /dev/null; then
	echo "gnuplot not available (apt-get install gnuplot-nox): skipping the plots" >&2
	exit 0
fi
if ! gnuplot -e 'set terminal pngcairo' 2>/dev/null; then
	TERM_SPEC=${TERM_SPEC/pngcairo/png}
fi

mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

SIZE_ORDER="64 128 256 512 1024 1280 1518 imix"
by_size=()
by_flows=()
for a in "${ARGS[@]}"; do
	label=${a%%=*}
	file=${a#*=}
	[ "$label" = "$a" ] && label=$(basename "$file" .csv)
	[ -f "$file" ] || { echo "plot.sh: $file: no such file" >&2; exit 1; }
	# series per flow count: "x size ndr" with x the position of the size
	for f in $(awk -F, 'NR > 1 { print $2 }' "$file" | sort -un); do
		d="$TMP/size-$label-$f.dat"
		awk -F, -v f="$f" -v order="$SIZE_ORDER" 'BEGIN { n = split(order, o, " "); for (i = 1; i <= n; i++) pos[o[i]] = i }
			NR > 1 && $2 == f { print (($1 in pos) ? pos[$1] : 99), $1, $5 }' "$file" | sort -n |
			awk '{ print NR, $2, $3 }' > "$d"
		by_size+=("'$d' using 1:3:xtic(2) with linespoints title '$label, $f flows'")
	done
	# series per size: "flows ndr"
	for s in $(awk -F, 'NR > 1 { print $1 }' "$file" | sort -u); do
		d="$TMP/flows-$label-$s.dat"
		awk -F, -v s="$s" 'NR > 1 && $1 == s { print $2, $5 }' "$file" | sort -n > "$d"
		[ "$(wc -l < "$d")" -ge 1 ] && by_flows+=("'$d' using 1:2 with linespoints title '$label, $s B'")
	done
done

join() { local IFS=,; echo "$*"; }
gnuplot <<-GP
	set terminal $TERM_SPEC
	set grid
	set key outside right
	set ylabel "NDR (Mpps)"
	set yrange [0:*]
	set output "$OUT/mpps-by-size.$TERM_EXT"
	set title "RFC 2544 throughput (no loss) by frame size"
	set xlabel "frame size (bytes)"
	plot $(join "${by_size[@]}")
	set output "$OUT/mpps-by-flows.$TERM_EXT"
	set title "RFC 2544 throughput (no loss) by flow count"
	set xlabel "flows"
	set logscale x
	set xtics auto
	plot $(join "${by_flows[@]}")
GP
echo "wrote $OUT/mpps-by-size.$TERM_EXT and $OUT/mpps-by-flows.$TERM_EXT"
