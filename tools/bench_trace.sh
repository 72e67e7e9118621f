# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2154 # globals of tools/bench.sh, which sources this
# What tracing costs, in the switch part of `make bench` (sourced by
# tools/bench.sh; its helpers: kv, pps_once, median, calc, fmt, track...).
# kvnet's veth UDP 64B run again, alternating three ways: no trace
# session (the datapath's cost is one load per frame), a `kvnet trace`
# whose filter matches none of the frames (the datapath matches each one
# against it), and one that takes every frame (every frame's events go
# to the ring, kvnetd and the client; what they cannot keep up with is
# lost and reported in the trace itself, as {"lost": N}).

trace_modes=(off miss all)
declare -A trace_pps=()
# Each run's events and losses go to $work/trace-MODE.events and .lost:
# trace_pps_once runs in a command substitution, a subshell.

# trace_started: how many traces kvnetd has started so far;
# trace_more N: more than N.
trace_started() { grep -c ': trace [0-9] started' "$work/kvnetd.log" || true; }
trace_more() { [ "$(trace_started)" -gt "$1" ]; }

# trace_pps_once MODE: one kvnet pps run with that kind of trace running;
# prints pps, and notes the trace's events and losses.
trace_pps_once() {
	local mode=$1 out=$work/trace.jsonl tp='' n v
	local -a filter=()
	if [ "$mode" != off ]; then
		[ "$mode" = miss ] && filter=(host 192.0.2.99) # no frame of the run has it
		n=$(trace_started)
		bginns kvnet host "$bin/kvnet" --run-dir "$work/run" --json trace bench \
			--timeout "$(calc "$pps_secs + 30")" "${filter[@]}" >"$out" 2>/dev/null &
		tp=$!
		track "$tp"
		poll 100 trace_more "$n" || die "kvnet trace did not start"
	fi
	v=$(pps_once kvnet)
	if [ -n "$tp" ]; then
		kill -INT "$tp"
		wait "$tp" 2>/dev/null || true
		untrack "$tp"
		{ grep -c '"stage"' "$out" || true; } >>"$work/trace-$mode.events"
		(grep -o '"lost":[0-9]*' "$out" || echo ':0') | tail -1 | cut -d: -f2 \
			>>"$work/trace-$mode.lost"
	fi
	echo "$v"
}

bench_trace_rows() {
	local i m
	inns kvnet host ethtool -K kvp1 gro on >/dev/null
	for ((i = 1; i <= runs; i++)); do
		for m in "${trace_modes[@]}"; do
			trace_pps[$m]+="$(trace_pps_once "$m") "
		done
		log "tracing cost: run $i/$runs done"
	done
	inns kvnet host ethtool -K kvp1 gro off >/dev/null
}

print_trace_table() {
	local m off med ev lost
	local -A what=([off]="no trace" [miss]="trace, no frame matches"
		[all]="trace, every frame")
	off=$(echo "${trace_pps[off]}" | median)
	printf '\nTracing cost, kvnet veth UDP 64B (median of %s runs):\n' "$runs"
	printf '  %-26s %12s %9s %16s %14s\n' "" rate "x off" "events/run" "lost/run"
	for m in "${trace_modes[@]}"; do
		med=$(echo "${trace_pps[$m]}" | median)
		ev=- lost=-
		if [ "$m" != off ]; then
			ev=$(calc "$(median <"$work/trace-$m.events")" %.0f)
			lost=$(calc "$(median <"$work/trace-$m.lost")" %.0f)
		fi
		printf '  %-26s %12s %9s %16s %14s\n' "${what[$m]}" "$(fmt pps "$med")" \
			"$(calc "$med / $off" %.3f)" "$ev" "$lost"
	done
	printf 'Targets: a trace that matches nothing within 5%% of no trace. Events and\n'
	printf 'losses are what the kvnet trace client got and was told it lost (the\n'
	printf 'ring holds ~2,000 events; the rest is counted, not silently dropped).\n'
}
