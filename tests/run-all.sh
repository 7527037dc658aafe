#!/bin/bash
# Runs every test: Check unit binaries, then integration scripts.  Each unit
# binary reports "Checks: N, Failures: F, Errors: E"; each integration script
# ends with "N passed, M failed".  Prints the grand total last and exits
# non-zero if anything failed or did not report.
#   usage: tests/run-all.sh [unit|integration] [name-filter]
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD KETCH_BUILD=$BUILD
what=${1:-all}
filter=${2:-}
pass=0 fail=0
bad=()

if [ ! -e /dev/kvm ]; then
	echo "FATAL: /dev/kvm is missing: Ketch's tests run real KVM guests and cannot run here." >&2
	echo "0 passed, 1 failed"
	exit 1
fi
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "FATAL: /dev/kvm is not readable and writable by $(id -un)." >&2
	echo "0 passed, 1 failed"
	exit 1
fi

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

run_integration() {
	local t out last p f
	for t in tests/integration/[0-9]*.sh; do
		[ -f "$t" ] || continue
		[ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
		echo "== $t"
		out=$(timeout 600 bash "$t" 2>&1)
		rc=$?
		echo "$out" | sed 's/^/    /'
		last=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
		if [ -z "$last" ]; then
			echo "FAIL $t: no summary line (exit $rc)"; fail=$((fail + 1)); bad+=("$t"); continue
		fi
		p=${last%% passed*}; f=${last#*, }; f=${f%% failed*}
		pass=$((pass + p)); fail=$((fail + f))
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then fail=$((fail + 1)); f=1; fi
		[ "$f" -eq 0 ] || bad+=("$t")
	done
}

case $what in
unit) run_unit ;;
integration) run_integration ;;
*) run_unit; run_integration ;;
esac

if [ ${#bad[@]} -gt 0 ]; then
	echo "failing: ${bad[*]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
