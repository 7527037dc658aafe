#!/bin/bash
# needs: kvm
# Every guest-controlled loop in a hypercall has a preemption point: a guest
# that runs batch hypercalls with the largest counts over an endless
# argument array (tests/guests/hcstorm) is still paused at once (its vCPU
# stops using CPU) and destroyed within 1 s, whichever call it is in, and
# another domain's management (create, list, destroy) answers meanwhile.
. "$(dirname "$0")/lib.sh"

HV=$BIN/ketch-hv
SOCK=$TMP/hv.sock
# Bounded, so a stuck ketch-hv fails the checks instead of hanging the test.
CTL() { timeout 10 "$BIN/ketchctl-hv" --socket "$SOCK" "$@"; }
TIMED=$BUILD/tests/bin/ctl_timed
# timed OP ARG: run one control op through ctl_timed (the op alone is
# timed, not a client's start-up); leaves ELAPSED (ms), RESULT (status) and
# CREATED, and returns 0 when it succeeded
timed() {
	local out
	out=$(timeout 10 "$TIMED" "$SOCK" "$1" "$2")
	set -- ${out:-99999 -110}
	ELAPSED=$1 RESULT=$2 CREATED=${3:-}
	[ "$RESULT" = 0 ]
}
field() { CTL info "$1" 2>/dev/null | sed -n "s/^$2: //p"; }
# cpu_growth_ms ID: CPU time the domain used between two info reads 500 ms apart
cpu_growth_ms() {
	local a b
	a=$(field "$1" cpu_time_ns)
	sleep 0.5
	b=$(field "$1" cpu_time_ns)
	echo $(((${b:-0} - ${a:-0}) / 1000000))
}
wait_log() {
	for _ in $(seq 100); do grep -q -- "$1" "$TMP/hv.log" && return 0; sleep 0.1; done
	return 1
}

"$HV" --socket "$SOCK" 2>"$TMP/hv.log" &
HV_PID=$!
on_exit "kill -9 $HV_PID"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done

# The other domain's management, timed while a storm runs.
manage_other() {
	local other
	timed create 16
	expect_eq "$1: create of another domain within 1 s (${ELAPSED} ms)" "0 1" "$RESULT $((ELAPSED < 1000))"
	other=${CREATED:-0}
	timed list 0
	expect_eq "$1: list within 1 s (${ELAPSED} ms)" "0 1" "$RESULT $((ELAPSED < 1000))"
	timed destroy "$other"
	expect_eq "$1: destroy of the other domain within 1 s (${ELAPSED} ms)" "0 1" "$RESULT $((ELAPSED < 1000))"
}

storm() {
	local mode=$1 id used
	id=$(CTL boot "$GUESTS/hcstorm" --memory 32M --cmdline "$mode")
	check "$mode: storm guest booted" wait_log "d$id: hcstorm: $mode start"
	used=$(cpu_growth_ms "$id")
	expect_eq "$mode: it is busy (${used} ms CPU between two reads)" 1 $((used > 100))
	if [ "$mode" != mmuext ]; then # the others never finish a call in this test's time
		expect_eq "$mode: still inside its first call" 0 "$(grep -c "d$id: hcstorm: $mode returned" "$TMP/hv.log")"
	fi
	[ "$mode" = populate ] && manage_other "$mode"
	timed pause "$id"
	expect_eq "$mode: pause returns within 1 s (${ELAPSED} ms)" "0 1" "$RESULT $((ELAPSED < 1000))"
	sleep 0.2
	used=$(cpu_growth_ms "$id")
	expect_eq "$mode: paused, it uses no CPU (${used} ms between two reads)" 1 $((used < 20))
	check "$mode: unpause" CTL unpause "$id"
	sleep 0.3
	expect_eq "$mode: running again" running "$(field "$id" state)"
	timed destroy "$id"
	expect_eq "$mode: destroy completes within 1 s (${ELAPSED} ms)" "0 1" "$RESULT $((ELAPSED < 1000))"
	check "$mode: it is gone" wait_log "d$id: destroyed"
	expect_eq "$mode: not listed" "" "$(CTL list | awk -v id="$id" '$1 == id')"
	[ "$mode" = gntmap ] && manage_other "$mode, after its destroy"
}

for mode in ${HCSTORM_MODES:-populate increase gntmap gntunmap gntcopy multicall mmuext}; do
	storm "$mode"
done
expect_eq "ketch-hv survived" 0 "$(kill -0 $HV_PID 2>/dev/null; echo $?)"
finish
