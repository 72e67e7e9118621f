#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The fuzzers' runner, from the top of the tree (the Makefile calls it).
#
#   run.sh regress FUZZER...   every input of tests/fuzz/corpus/NAME once; a
#                              corpus of more than 40 inputs in two processes
#                              side by side (fuzz_control's take a second each)
#   run.sh fuzz FUZZER...      each for $FUZZ_SECONDS into build/fuzz/corpus-NAME
#                              (seeded from tests/fuzz/corpus/NAME); a crash is
#                              copied into tests/fuzz/corpus/NAME/ for fuzz-regress
#   run.sh coverage FUZZER...  (coverage builds) replay each corpus, then print
#                              line and branch coverage of the files the harness
#                              names on its " * Targets:" line
#
# tests/fuzz/NAME.dict, if there, is the fuzzer's dictionary.
set -u
mode=$1
shift
B=build

row() {
	printf '%-20s %-42s %9s %9s %9s\n' "$@"
}

# Every crash, leak, timeout or OOM input of n's run goes into its corpus.
keep_crashes() {
	n=$1
	for c in "$B/fuzz/crashes-$n"/crash-* "$B/fuzz/crashes-$n"/leak-* \
		 "$B/fuzz/crashes-$n"/timeout-* "$B/fuzz/crashes-$n"/oom-*; do
		[ -f "$c" ] || continue
		if [ ! -e "tests/fuzz/corpus/$n/$(basename "$c")" ]; then
			cp "$c" "tests/fuzz/corpus/$n/"
			echo "   kept tests/fuzz/corpus/$n/$(basename "$c"): minimise it, fix, commit"
		fi
	done
}

fuzz_one() {
	f=$1
	n=$(basename "$f")
	mkdir -p "$B/fuzz/corpus-$n" "$B/fuzz/crashes-$n"
	dict=
	[ -f "tests/fuzz/$n.dict" ] && dict="-dict=tests/fuzz/$n.dict"
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$f" -max_total_time="$FUZZ_SECONDS" -timeout=25 -print_final_stats=1 \
		-artifact_prefix="$B/fuzz/crashes-$n/" $dict \
		"$B/fuzz/corpus-$n" "tests/fuzz/corpus/$n" >"$B/fuzz/log-$n.txt" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$B/fuzz/log-$n.txt")
	units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/fuzz/log-$n.txt")
	cov=$(grep -o 'cov: [0-9]*' "$B/fuzz/log-$n.txt" | tail -n 1)
	verdict=ok
	[ $rc -eq 0 ] || verdict="CRASH (rc=$rc, see $B/fuzz/log-$n.txt)"
	printf '%-20s %6ss %8s execs %7s/s  %-10s %s\n' "$n" "$secs" "${units:-?}" \
		"${execs:-?}" "$cov" "$verdict"
	keep_crashes "$n"
	return $rc
}

# Run the files given, once each, logging to $log; 0 if none failed.
replay() {
	log=$1
	f=$2
	shift 2
	"$f" -runs=0 "$@" >"$log" 2>&1
}

regress_one() {
	f=$1
	n=$(basename "$f")
	start=$(date +%s)
	set -- "tests/fuzz/corpus/$n"/*
	count=$#
	logs="$B/fuzz/regress-$n.log"
	if [ "$count" -gt 40 ]; then
		# two shards: every other input each
		a=
		b=
		i=0
		for c in "$@"; do
			if [ $((i % 2)) -eq 0 ]; then a="$a $c"; else b="$b $c"; fi
			i=$((i + 1))
		done
		# shellcheck disable=SC2086
		replay "$B/fuzz/regress-$n.1.log" "$f" $a &
		pid=$!
		# shellcheck disable=SC2086
		replay "$B/fuzz/regress-$n.2.log" "$f" $b
		rc=$?
		wait $pid || rc=1
		logs="$B/fuzz/regress-$n.1.log $B/fuzz/regress-$n.2.log"
	else
		replay "$logs" "$f" "$@"
		rc=$?
	fi
	if [ $rc -ne 0 ]; then
		# shellcheck disable=SC2086
		cat $logs
		echo "$n: FAILED on its corpus ($count inputs)"
		return 1
	fi
	echo "$n: $count inputs ok ($(($(date +%s) - start))s)"
}

cov_one() {
	f=$1
	n=$(basename "$f")
	dirs="tests/fuzz/corpus/$n"
	[ -d "$B/fuzz/corpus-$n" ] && dirs="$dirs $B/fuzz/corpus-$n"
	targets=$(sed -n 's/^ \* Targets: *//p' "tests/fuzz/$n.c")
	rm -f "$B/covfuzz/$n.profraw"
	# shellcheck disable=SC2086
	LLVM_PROFILE_FILE="$B/covfuzz/$n.profraw" "$f" -runs=0 $dirs \
		>"$B/covfuzz/log-$n.txt" 2>&1 || { echo "$n: replay failed"; return 1; }
	llvm-profdata merge -sparse -o "$B/covfuzz/$n.profdata" "$B/covfuzz/$n.profraw" || return 1
	# shellcheck disable=SC2086
	llvm-cov report "$f" -instr-profile="$B/covfuzz/$n.profdata" $targets \
		>"$B/covfuzz/report-$n.txt" || return 1
	# TOTAL: regions (3), functions (3), lines: count missed cover, branches: same
	awk -v n="$n" -v t="$targets" '$1 == "TOTAL" {
		printf "%-20s %-42s %9s %9s %9s\n", n, t, $8 - $9 "/" $8, $10, $13 }' \
		"$B/covfuzz/report-$n.txt"
}

rc=0
case $mode in
regress)
	for f in "$@"; do regress_one "$f" || rc=1; done ;;
fuzz)
	echo "fuzzing each for ${FUZZ_SECONDS}s (logs: $B/fuzz/log-NAME.txt)"
	for f in "$@"; do fuzz_one "$f" || rc=1; done ;;
coverage)
	row harness "target files" lines "lines %" "branch %"
	for f in "$@"; do cov_one "$f" || rc=1; done
	echo "per-file reports: $B/covfuzz/report-NAME.txt" ;;
*)
	echo "usage: $0 regress|fuzz|coverage FUZZER..." >&2
	exit 2 ;;
esac
exit $rc
