# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2154 # globals of tools/bench.sh, which sources this
# What tracing costs, in the switch part (kvnet's veth UDP 64B) and the
# NAT part (guest -> upstream UDP 64B, 1024 flows) of `make bench`
# (sourced by tools/bench.sh; its helpers: kv, pps_once, median, calc,
# fmt, track...). Each part's kvnet run again, alternating four ways:
#   none  kvnetd-notrace, whose switch program has no tracing code at all
#         (built with KVNET_NO_TRACE; kvnetd restarts into it and adopts
#         the running network, then back);
#   off   no trace session (the ports run the switch program's untraced
#         copy, switch/dp_ebpf_untraced.c: no tracing code either);
#   miss  a `kvnet trace` whose filter matches none of the frames (the
#         datapath matches each one against it), as it runs: measured
#         once kvnetd has taken the kernel's drop tracepoints off for the
#         idle trace (10 s after it starts, switch/trace.c);
#   all   one that takes every frame (every frame's events go to the
#         ring, kvnetd and the client; what they cannot keep up with is
#         lost and reported in the trace itself, as {"lost": N}).
# The pps rows move by 5-10% between runs here, more than the targets'
# 1% and 5%; so each part's rows are followed by the port program's own
# time per run under the same traffic (the kernel's BPF statistics, in a
# short second window of each run: trace_timed_window), and at the end by
# what tracing adds to it in test runs of the two builds side by side
# (tools/progprofile.py), each set against the part's frame time
# (tools/bench_trace_cost.py).

trace_modes=(none off miss all)
declare -A trace_pps=()
# Each run's events and losses go to $work/trace-PART-MODE.events and
# .lost: the runs happen in command substitutions, subshells.

# trace_part PART: the part's kvnetd as tp_ns, tp_dir (its state, run and
# bpffs directories' parent), tp_log, tp_net.
trace_part() {
	case $1 in
	switch) tp_ns=$(ns kvnet host) tp_dir=$work tp_log=$work/kvnetd.log tp_net=bench ;;
	nat) tp_ns=$(nat_ns kvnet host) tp_dir=$work/nat tp_log=$work/nat/kvnetd.log tp_net=nb ;;
	esac
}

trace_kv() { ip netns exec "$tp_ns" "$bin/kvnet" --run-dir "$tp_dir/run" "$@"; }

# trace_started: how many traces the part's kvnetd started so far.
trace_started() { grep -c ': trace [0-9] started' "$tp_log" || true; }
trace_more() { [ "$(trace_started)" -gt "$1" ]; }
# trace_idled: how many times it took the kernel's drop tracepoints off
# for an idle trace (switch/trace.c: 10 s with no frame followed into the
# kernel).
trace_idled() { grep -c ': trace: kernel drops not watched (idle' "$tp_log" || true; }
trace_idle_more() { [ "$(trace_idled)" -gt "$1" ]; }

# trace_daemon PART EXE: the part's kvnetd restarted as EXE, over the
# running network (it adopts its maps and attaches its own program).
trace_daemon() {
	local part=$1 exe=$2 pid i
	trace_part "$part"
	pid=$(cat "$tp_dir/kvnetd.pid")
	kill -TERM "$pid"
	for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	untrack "$pid"
	ip netns exec "$tp_ns" "$exe" --state-dir "$tp_dir/state" --run-dir "$tp_dir/run" \
		--bpffs "$tp_dir/bpffs" >>"$tp_log" 2>&1 &
	echo $! >"$tp_dir/kvnetd.pid"
	track "$!"
	poll 100 trace_kv net show "$tp_net" || die "$part: $exe did not come back"
}

# trace_runstats PART: "ID RUN_TIME_NS RUN_CNT" of the program at the
# tcx ingress of the port the part's generator sends into (kvp1 on both
# parts), by build/tcxls; its counts grow while BPF statistics are on.
trace_runstats() {
	trace_part "$1"
	ip netns exec "$tp_ns" "$bin/tcxls" | python3 -c 'import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if o["name"] == sys.argv[1] and o["progs"]:
        p = o["progs"][0]
        print(p["id"], p["run_time_ns"], p["run_cnt"])
        break' kvp1
}

# trace_runtime BEFORE AFTER: ns per run between two trace_runstats of one
# program ("nan" if the program changed, or nothing ran).
trace_runtime() {
	python3 -c 'import sys
a, b = sys.argv[1].split(), sys.argv[2].split()
n = int(b[2]) - int(a[2]) if len(a) == 3 and len(b) == 3 and a[0] == b[0] else 0
print("%.1f" % ((int(b[1]) - int(a[1])) / n) if n > 0 else "nan")' "$1" "$2"
}

# trace_timed_window PART: a second, shorter run of the part's traffic
# ($timed_secs: KVNET_BENCH_TIMED_SECS, 1.5 s) with the kernel's BPF statistics on
# (tools/bpf_stats_on.py: two clock reads more per program run, so never
# during a pps run); prints the port program's ns per run in it.
trace_timed_window() {
	local part=$1 sp ready=$work/bpf-stats.on before pps_secs=$timed_secs
	rm -f "$ready"
	python3 "$top/tools/bpf_stats_on.py" --ready-file "$ready" &
	sp=$!
	track "$sp"
	poll 50 test -e "$ready" || die "tools/bpf_stats_on.py did not turn the statistics on"
	before=$(trace_runstats "$part")
	trace_measure "$part" >/dev/null
	trace_runtime "$before" "$(trace_runstats "$part")"
	kill -TERM "$sp"
	wait "$sp" 2>/dev/null || true
	untrack "$sp"
}

# trace_measure PART: one kvnet pps run of the part; prints pps.
trace_measure() {
	case $1 in
	switch) pps_once kvnet ;;
	nat) nat_pps_once kvnet ;;
	esac
}

# trace_pps_once PART MODE: one run with that kind of trace; prints pps,
# and notes the trace's events and losses.
trace_pps_once() {
	local part=$1 mode=$2 out=$work/trace.jsonl tp='' n i v
	local -a filter=()
	trace_part "$part"
	[ "$mode" = none ] && trace_daemon "$part" "$bin/kvnetd-notrace" >&2
	if [ "$mode" = miss ] || [ "$mode" = all ]; then
		[ "$mode" = miss ] && filter=(host 192.0.2.99) # no frame of the run has it
		n=$(trace_started) i=$(trace_idled)
		trace_kv --json trace "$tp_net" --timeout "$(calc "$pps_secs + 50")" \
			"${filter[@]}" >"$out" 2>/dev/null &
		tp=$!
		track "$tp"
		poll 100 trace_more "$n" || die "kvnet trace did not start"
		# a trace that matches nothing, as it runs: once idle
		if [ "$mode" = miss ]; then
			poll 200 trace_idle_more "$i" || die "the idle trace kept the kernel watched"
		fi
	fi
	v=$(trace_measure "$part")
	trace_timed_window "$part" >>"$work/trace-$part-$mode.ns"
	if [ -n "$tp" ]; then
		kill -INT "$tp"
		wait "$tp" 2>/dev/null || true
		untrack "$tp"
		{ grep -c '"stage"' "$out" || true; } >>"$work/trace-$part-$mode.events"
		(grep -o '"lost":[0-9]*' "$out" || echo ':0') | tail -1 | cut -d: -f2 \
			>>"$work/trace-$part-$mode.lost"
	fi
	[ "$mode" = none ] && trace_daemon "$part" "$bin/kvnetd" >&2
	echo "$v"
}

# trace_run_order I: the modes of run I. No trace and a trace that
# matches nothing, whose difference is the finest the part measures, go
# one right after the other in every run, each first in every other run;
# the three groups turn (run 1: none off miss all, run 2: miss off all
# none, run 3: all none off miss, ...), so that whichever comes right
# after kvnetd's restart from kvnetd-notrace, or first, changes. (With
# the four modes simply turning, off and miss were apart in half the
# runs, and the machine's drift between them came into their difference:
# one bench gave a trace that matches nothing +44 ns on the NAT part,
# where 10 alternating pairs just before had given +17 and +5.)
trace_run_order() {
	local i=$1 pair
	local -a groups
	pair="off miss"
	((i % 2)) || pair="miss off"
	groups=(none "$pair" all)
	local k=$(((i - 1) % 3))
	echo "${groups[@]:k}" "${groups[@]:0:k}"
}

# bench_trace_rows PART
bench_trace_rows() {
	local part=$1 i m
	for ((i = 1; i <= runs; i++)); do
		for m in $(trace_run_order "$i"); do
			trace_pps[$part|$m]+="$(trace_pps_once "$part" "$m") "
		done
		log "tracing cost ($part): run $i/$runs done"
	done
}

# The switch part: kvnet's veth pair, with GRO as the pps rows have it.
bench_trace_switch() {
	echo "$daemon_pid" >"$work/kvnetd.pid"
	daemon_pid='' # the PID file tracks it from here (cleanup: by track)
	track "$(cat "$work/kvnetd.pid")"
	inns kvnet host ethtool -K kvp1 gro on >/dev/null
	bench_trace_rows switch
	inns kvnet host ethtool -K kvp1 gro off >/dev/null
}

# The NAT part: the guest's port with GRO on, as its pps rows have it.
bench_trace_nat() {
	ninns kvnet host ethtool -K "$(nat_port kvnet)" gro on >/dev/null
	bench_trace_rows nat
	ninns kvnet host ethtool -K "$(nat_port kvnet)" gro off >/dev/null
}

# bench_trace_programs: the switch program's run time per frame, with no
# tracing code, no trace and a trace that matches nothing, in test runs of
# both builds (KVNET_BENCH_PROFILE_ROUNDS, 61: about 15 s), in
# namespaces of progprofile's own, before the parts set up theirs (with
# their daemons up, two runs put the identical programs 49 ns apart).
bench_trace_programs() {
	log "tracing cost: timing the programs (tools/progprofile.py)"
	python3 "$top/tools/progprofile.py" --rounds "${KVNET_BENCH_PROFILE_ROUNDS:-61}" \
		--cpu "$gen_cpu" --json "$work/progprofile.json" \
		"$bin/kvnetd-notrace" "$bin/kvnetd" >"$work/progprofile.txt" 2>&1 ||
		die "tools/progprofile.py failed: $(tail -3 "$work/progprofile.txt")"
}

# print_trace_costs: bench_trace_programs' figures against the parts'
# no-trace rates.
print_trace_costs() {
	local part off
	local -a pps=()
	[ -e "$work/progprofile.json" ] || return 0
	for part in switch nat; do
		off=${trace_pps[$part|off]:-}
		[ -z "$off" ] || pps+=(--pps "$part=$(echo "$off" | median)")
	done
	python3 "$top/tools/bench_trace_cost.py" --json "$work/progprofile.json" \
		--baseline "$bin/kvnetd-notrace" --traced "$bin/kvnetd" "${pps[@]}"
}

# KVNET_BENCH_ONLY=trace: the tracing cost alone, both parts, kvnet's
# sides only (no bridge, no libvirt rows): for working on what tracing
# costs (about 12 minutes, 3 runs).
bench_trace_only() {
	setup_kvnet
	check_side kvnet
	bench_trace_switch
	nat_setup
	ninns kvnet host ethtool -K "$(nat_port kvnet)" gro on >/dev/null
	nat_kvnet_probe
	bench_trace_nat
}

# paired_ratio "A1 A2 ..." "B1 B2 ...": the median of the runs' Ai/Bi.
# The four modes of one run are measured within a minute of each other,
# so the ratio within a run leaves out how the machine's speed drifts
# from run to run, which the ratio of two medians keeps.
paired_ratio() {
	python3 -c 'import sys, statistics as s
a, b = ([float(x) for x in v.split()] for v in sys.argv[1:3])
print("%.3f" % s.median(x / y for x, y in zip(a, b)) if a and len(a) == len(b) else "nan")' "$1" "$2"
}

# print_trace_table PART TITLE
print_trace_table() {
	local part=$1 m med ev lost
	local -A what=([none]="no tracing code" [off]="no trace"
		[miss]="trace, no frame matches" [all]="trace, every frame")
	[ -n "${trace_pps[$part|off]:-}" ] || return 0
	printf '\nTracing cost, %s (median of %s runs; the ratios are the\n' "$2" "$runs"
	printf 'medians of each run'"'"'s own):\n'
	printf '  %-26s %12s %9s %9s %14s %12s\n' "" rate "x none" "x off" "events/run" \
		"lost/run"
	for m in "${trace_modes[@]}"; do
		med=$(echo "${trace_pps[$part|$m]}" | median)
		ev=- lost=-
		if [ "$m" = miss ] || [ "$m" = all ]; then
			ev=$(calc "$(median <"$work/trace-$part-$m.events")" %.0f)
			lost=$(calc "$(median <"$work/trace-$part-$m.lost")" %.0f)
		fi
		printf '  %-26s %12s %9s %9s %14s %12s\n' "${what[$m]}" "$(fmt pps "$med")" \
			"$(paired_ratio "${trace_pps[$part|$m]}" "${trace_pps[$part|none]}")" \
			"$(paired_ratio "${trace_pps[$part|$m]}" "${trace_pps[$part|off]}")" \
			"$ev" "$lost"
	done
	printf '  runs (pps): %s\n' "$(for m in "${trace_modes[@]}"; do
		printf '%s [%s] ' "$m" "${trace_pps[$part|$m]% }"; done)"
	print_trace_runtimes "$part"
}

# print_trace_runtimes PART: the port program's own time per run under
# the runs' traffic (bpf_stats), per mode, and the medians of the runs'
# paired differences, as rates of the no-trace frame time.
print_trace_runtimes() {
	local part=$1 m
	local -a files=()
	for m in "${trace_modes[@]}"; do files+=("$work/trace-$part-$m.ns"); done
	[ -s "$work/trace-$part-off.ns" ] || return 0
	python3 - "$(echo "${trace_pps[$part|off]}" | median)" "${files[@]}" <<-'PY'
	import math, statistics as st, sys
	pps, (none, off, miss, every) = float(sys.argv[1]), (
	    [float(x) for x in open(f).read().split()] for f in sys.argv[2:6])
	def med(v):
	    v = [x for x in v if not math.isnan(x)]
	    return st.median(v) if v else math.nan
	def diff(a, b):
	    return med([x - y for x, y in zip(a, b)])
	t = 1e9 / pps
	d_none, d_miss = diff(off, none), diff(miss, off)
	print("  the port's program under this traffic (bpf_stats, ns per run, medians):"
	      f"\n    no tracing code {med(none):.0f}, no trace {med(off):.0f},"
	      f" no match {med(miss):.0f}, every frame {med(every):.0f};"
	      f"\n    paired: no trace {d_none:+.0f} ns (x none {(t - d_none) / t:.3f}),"
	      f" no match {d_miss:+.0f} ns (x off {t / (t + d_miss):.3f}) of a {t:.0f} ns frame")
	PY
}

print_trace_targets() {
	printf 'Targets: no trace within 1%% of no tracing code (x none >= 0.99), a trace\n'
	printf 'that matches nothing within 5%% of no trace (x off >= 0.95); the pps rows\n'
	printf 'move by 5-10%% between runs here, more on a busy machine; the test runs\n'
	printf 'time in steps of about 10 ns, and move by a step or two between\n'
	printf 'invocations: the +no trace column, two runs of one program, is that noise.\n'
	printf 'Events and losses are what the kvnet trace client got and was told it\n'
	printf 'lost (the ring holds ~2,000 events; the rest is counted, not silently\n'
	printf 'dropped).\n'
}
