#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Event channels, upcalls, time and SMP: the guests in tests/guests/ check
# Xen's semantics from inside (PASS/FAIL lines, exit code = failures); this
# script boots them, adds what needs several domains or the control domain,
# and checks nothing leaks between domains.
. "$(dirname "$0")/lib.sh"

HV=$BIN/ketch-hv
CTL=$BIN/ketchctl-hv

# --- one guest per feature, under ketch-hv run -----------------------------
runguest() { # name expected-status args...
	local g=$1 want=$2 out rc
	shift 2
	out=$(timeout 120 $HV run --kernel "$GUESTS/$g" --memory 32M "$@" 2>&1)
	rc=$?
	expect_eq "$g $* exits $want" "$want" "$rc"
	[ "$rc" = "$want" ] || echo "$out" | grep -E "FAIL|crash" | head -5
	LAST=$out
}

runguest evtchn_local 0
expect_match "evtchn_local verdict" '^evtchn_local: PASS, 0 failures' "$LAST"
runguest upcall_spin 0
expect_match "upcalls delivered into a spinning guest" 'upcall_spin fired=[0-9]+ upcalls=[0-9]+' "$LAST"
runguest upcall_spin 130 --cmdline bad_stack=1
expect_match "unwritable upcall stack crashes only that domain" 'event upcall: guest stack at 0x[0-9a-f]+ is not writable' "$LAST"
runguest upcall_spin 130 --cmdline bad_callback=1
expect_match "faulting callback address crashes the domain" 'domain 1 crashed' "$LAST"
runguest timer 0
for ms in 1 10 100; do
	line=$(echo "$LAST" | grep "^sleep ${ms}ms ")
	expect_match "sleep ${ms} ms measured" "^sleep ${ms}ms measured=[0-9]+us error=[0-9]+us" "$line"
	echo "    timer: $line"
done
runguest smp 0 --vcpus 4
expect_match "4 vCPUs exchanged IPIs" '^smp: PASS, 0 failures' "$LAST"
# 64 vCPU threads under ASan in the emulated VM froze or locked up its
# kernel in each of three runs (tests/vm/README.md); 16 there, and say so.
NV=64
if [ "${SANITIZE:-0}" = 1 ] && [ "${KETCH_IN_VM:-0}" = 1 ]; then
	NV=16
	echo "note: ASan build under emulation: the many-vCPU step uses $NV vCPUs, not 64"
fi
runguest smp 0 --vcpus $NV --cmdline rounds=20
expect_match "$NV vCPUs brought up and exchanged IPIs" '^smp: PASS, 0 failures' "$LAST"
# Each round trip to a spinning vCPU costs a signal and a world switch,
# ~20x dearer emulated: fewer rounds there, so a slow VM is not a hang.
ROUNDS=1000
[ "${KETCH_IN_VM:-0}" = 1 ] && ROUNDS=200
runguest smp 0 --vcpus 2 --cmdline "upcall=1 rounds=$ROUNDS"
expect_match "IPIs by upcall on 2 vCPUs" '^smp: PASS, 0 failures' "$LAST"

# --- several domains in one ketch-hv ---------------------------------------
SOCK=$TMP/hv.sock
$HV --socket "$SOCK" 2>"$TMP/hv.log" &
HVPID=$!
on_exit "kill $HVPID"
for i in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
export KETCH_HV_SOCKET=$SOCK

wait_stopped() { # domid seconds -> prints final state
	local s
	for i in $(seq $(($2 * 10))); do
		s=$($CTL info "$1" 2>/dev/null | sed -n 's/^state: *//p')
		case $s in shutdown*|crashed*) echo "$s"; return 0 ;; esac
		sleep 0.1
	done
	echo "${s:-gone}"
}

# two guests ping-pong 10,000 notifications (ports: 1 console, 2 xenstore, 3 ours)
srv=$($CTL boot "$GUESTS/pingpong" --paused --cmdline "role=server peer=2 port=3 n=10000")
cli=$($CTL boot "$GUESTS/pingpong" --paused --cmdline "role=client peer=1 port=3 n=10000")
expect_eq "fresh ketch-hv numbers domains from 1" "1 2" "$srv $cli"
expect_eq "control domain allocates the server's port for the client" 3 "$($CTL evtchn-alloc "$srv" "$cli")"
$CTL unpause "$srv"; $CTL unpause "$cli"
expect_match "server stopped cleanly" '^shutdown' "$(wait_stopped "$srv" 60)"
expect_match "client stopped cleanly" '^shutdown' "$(wait_stopped "$cli" 60)"
expect_eq "server counted exactly" 1 "$(grep -c "d$srv: pingpong sent=10000 received=10000" "$TMP/hv.log")"
expect_eq "client counted exactly" 1 "$(grep -c "d$cli: pingpong sent=10000 received=10000" "$TMP/hv.log")"
$CTL destroy "$srv"; $CTL destroy "$cli"

# a guest and a control-domain process ping-pong through eventfds
out=$($BIN/../tests/bin/evtchn_dom0_pingpong "$SOCK" "$GUESTS/pingpong" 10000 2>&1)
expect_eq "guest <-> control domain ping-pong" 0 $?
expect_match "control domain counted exactly" 'dom0 pingpong n=10000 received=10000' "$out"
out=$($BIN/../tests/bin/evtchn_dom0_pingpong "$SOCK" "$GUESTS/pingpong" 2000 upcall 2>&1)
expect_match "same with upcalls" 'dom0 pingpong n=2000 received=2000' "$out"

# hostile: a hypercall fuzzer beside a neighbour whose output must not change
nb=$($CTL boot "$GUESTS/ticker" --memory 16M --cmdline "ticks=20 spin=30")
fz=$($CTL boot "$GUESTS/hcfuzz" --cmdline "seed=7 calls=100000")
expect_match "fuzzer ran to the end" '^shutdown' "$(wait_stopped "$fz" 240)"
expect_eq "fuzzer made every call" 1 "$(grep -c "d$fz: hcfuzz done calls=100000" "$TMP/hv.log")"
expect_match "neighbour finished" '^shutdown' "$(wait_stopped "$nb" 120)"
want=$(for i in $(seq 20); do echo "ticker $nb tick $i"; done; echo "ticker $nb done")
got=$(sed -n "s/^(ketch-hv [0-9.]*) d$nb: \(ticker .*\)/\1/p" "$TMP/hv.log")
expect_eq "neighbour output unchanged" "$want" "$got"
check "ketch-hv survived" kill -0 $HVPID

finish
