#!/bin/bash
# Runs every test: Check unit binaries, then integration scripts.  Each unit
# binary reports "Checks: N, Failures: F, Errors: E"; each integration script
# ends with "N passed, M failed".  Prints the grand total last and exits
# non-zero if anything failed or did not report.
#   usage: tests/run-all.sh [unit|integration|all] [name-filter]
#
# Integration scripts that start guests carry a "# needs: kvm" line.  On a
# machine without a usable /dev/kvm those run inside the emulated VM of
# tests/vm/ (KETCH_VM=1 forces it, KETCH_VM=0 forbids it); unit tests and
# every script that needs no KVM always run on this host.  The output says
# what ran where.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD KETCH_BUILD=$BUILD
what=${1:-all}
filter=${2:-}
# Further arguments name the scripts to run (the VM run's own use).
names=("${@:3}")
# Set by this script for its own run inside the VM: only the KVM scripts.
only=${KETCH_TESTS_ONLY:-}
pass=0 fail=0
bad=()
. tests/vm/mode.sh

run_unit() {
	local t out p f e n
	for t in $(ls "$BUILD"/tests/unit/* 2>/dev/null); do
		[ -x "$t" ] || continue
		[ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
		out=$(CK_FORK=yes "$t" 2>&1)
		echo "$out" | grep -vE '^(Running suite|[0-9]+%: Checks)' | sed 's/^/    /'
		n=$(echo "$out" | sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' | tail -1)
		if [ -z "$n" ]; then
			echo "FAIL $t: no Check summary"; fail=$((fail + 1)); bad+=("$t"); continue
		fi
		set -- $n
		p=$(($1 - $2 - $3)); f=$(($2 + $3))
		pass=$((pass + p)); fail=$((fail + f))
		printf '%-48s %4d passed, %d failed\n' "unit/$(basename "$t")" "$p" "$f"
		[ "$f" -eq 0 ] || bad+=("$t")
	done
}

needs_kvm() { grep -q '^# needs: kvm' "$1"; }

# add_summary OUTPUT RC NAME: adds OUTPUT's last "N passed, M failed" line.
add_summary() {
	local out=$1 rc=$2 name=$3 last p f
	last=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
	if [ -z "$last" ]; then
		echo "FAIL $name: no summary line (exit $rc)"; fail=$((fail + 1)); bad+=("$name"); return
	fi
	p=${last%% passed*}; f=${last#*, }; f=${f%% failed*}
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then fail=$((fail + 1)); f=1; fi
	[ "$f" -eq 0 ] || bad+=("$name")
}

# The scripts selected by the filter and by WHERE (kvm, host or all).
scripts() {
	local t
	for t in tests/integration/[0-9]*.sh; do
		[ -f "$t" ] || continue
		[ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
		case $1 in
		kvm) needs_kvm "$t" || continue ;;
		host) needs_kvm "$t" && continue ;;
		esac
		echo "$t"
	done
}

# emulated_cpu_fault OUTPUT: true inside the emulated VM when a failed
# script reported a guest triple fault whose registers SVM discarded.
emulated_cpu_fault() {
	[ "${KETCH_IN_VM:-0}" = 1 ] && echo "$1" | grep -q '^emulated-cpu-fault: '
}

run_scripts() {
	local t out rc t0 tmp limit=600
	# Emulation makes everything ~20x slower; the VM has its own outer limit.
	[ "${KETCH_IN_VM:-0}" = 1 ] && limit=900
	tmp=$(mktemp /tmp/ketch-test-out.XXXXXX)
	for t in "$@"; do
		echo "== $t"
		t0=$SECONDS
		# Streamed, so a run stopped from outside still shows how far it got.
		timeout "$limit" bash "$t" 2>&1 | sed -u 's/^/    /' | tee "$tmp"
		rc=${PIPESTATUS[0]}
		out=$(sed 's/^    //' "$tmp")
		if [ "$rc" != 0 ] && emulated_cpu_fault "$out"; then
			echo "    (a guest of $t triple-faulted with its state lost while the script failed:"
			echo "     under emulation that is a known fault of the emulated CPU (tests/vm/README.md),"
			echo "     so $t runs once more and only that run counts)"
			timeout "$limit" bash "$t" 2>&1 | sed -u 's/^/    /' | tee "$tmp"
			rc=${PIPESTATUS[0]}
			out=$(sed 's/^    //' "$tmp")
		fi
		[ "$rc" = 124 ] && echo "    (stopped after $limit s)"
		echo "    ($t took $((SECONDS - t0)) s)"
		add_summary "$out" "$rc" "$t"
	done
	rm -f "$tmp"
}

# The KVM scripts inside the emulated VM: one boot, this same script inside.
# If the VM's own kernel locks up or panics or the VM freezes (run.sh exits
# 123), the scripts that had not finished run again in a fresh VM, and the
# output says so.  That goes on while each fresh VM gets further than the
# last; it stops when the VM failed three times under the same script or
# the VM runs together took longer than KETCH_VM_BUDGET seconds (3600), and
# then every unfinished script counts as failed, by name.
run_in_vm() {
	local log rc left t stuck="" same=0 t0=$SECONDS budget=${KETCH_VM_BUDGET:-3600}
	while :; do
		echo "== inside the emulated VM: $*"
		log=$(mktemp /tmp/ketch-vm-tests.XXXXXX)
		KETCH_TESTS_ONLY=kvm tests/vm/run.sh -- tests/run-all.sh integration "$filter" "$@" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
		[ "$rc" = 123 ] || break
		left=()
		for t in "$@"; do
			grep -q "^    (tests/integration/$t took " "$log" || left+=("$t")
		done
		[ ${#left[@]} -gt 0 ] || break
		vm_add_finished "$log" "${left[@]}"
		rm -f "$log"
		if [ "${left[0]}" = "$stuck" ]; then same=$((same + 1)); else stuck=${left[0]} same=1; fi
		if [ "$same" -ge 3 ] || [ $((SECONDS - t0)) -ge "$budget" ]; then
			echo "== the emulated VM failed under $stuck ($same time(s) in a row there, $((SECONDS - t0)) s of VM runs): giving up; not run to the end: ${left[*]}"
			fail=$((fail + ${#left[@]})); bad+=("${left[@]/#/unfinished-in-vm:}")
			return
		fi
		echo "== the emulated VM failed under $stuck (its kernel locked up or panicked, or it froze): not a test result; again in a fresh VM: ${left[*]}"
		set -- "${left[@]}"
	done
	add_summary "$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)" "$rc" "the emulated VM run"
	# The inner run named its failing scripts; carry them into ours.
	bad+=($(sed -n 's/^failing: //p' "$log" | tail -1))
	rm -f "$log"
}

# vm_add_finished LOG UNFINISHED...: counts the scripts of a locked-up VM
# run that did finish, from their own summary lines.
vm_add_finished() {
	local log=$1 name out
	shift
	for name in $(sed -n 's|^    (tests/integration/\([^ ]*\) took .*|\1|p' "$log"); do
		out=$(sed -n "\|^== tests/integration/$name\$|,\|^    (tests/integration/$name took |p" "$log" |
			sed -n 's/^    \([0-9]* passed, [0-9]* failed\)$/\1/p' | tail -1)
		add_summary "$out" 0 "tests/integration/$name"
	done
}

run_integration() {
	local mode kvm host
	if [ -n "$only" ] && [ ${#names[@]} -gt 0 ]; then
		run_scripts "${names[@]/#/tests/integration/}"
		return
	fi
	if [ -n "$only" ]; then
		run_scripts $(scripts "$only")
		return
	fi
	kvm=$(scripts kvm)
	host=$(scripts host)
	if [ -n "$kvm" ] && ! mode=$(ketch_kvm_mode); then
		fail=$((fail + 1)); bad+=("no KVM")
		run_scripts $host
		return
	fi
	[ -n "$kvm" ] || mode=native
	if [ "$mode" = vm ]; then
		echo "== where: these need no KVM and run on this host: $(echo $host | sed 's|tests/integration/||g')"
		echo "== where: these start guests and run inside the emulated VM: $(echo $kvm | sed 's|tests/integration/||g')"
		run_scripts $host
		run_in_vm $(echo $kvm | sed 's|tests/integration/||g')
	else
		[ "${KETCH_IN_VM:-0}" = 1 ] && echo "== where: inside the emulated VM ($(grep -m1 -o -w -e svm -e vmx /proc/cpuinfo))"
		run_scripts $(scripts all)
	fi
}

case $what in
unit) echo "== where: unit tests run on this host"; run_unit ;;
integration) run_integration ;;
*) echo "== where: unit tests run on this host"; run_unit; run_integration ;;
esac

if [ ${#bad[@]} -gt 0 ]; then
	echo "failing: ${bad[*]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
