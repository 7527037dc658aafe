#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Many domains in one ketch-hv: 20 booted at once all report correctly; a
# crashing domain is reported with its rip while its neighbour keeps
# running; unknown hypercalls are counted per domain.
. "$(dirname "$0")/lib.sh"

HV=$BIN/ketch-hv
CTL=$BIN/ketchctl-hv
SOCK=$TMP/hv.sock
$HV --socket "$SOCK" 2>"$TMP/hv.log" &
HVPID=$!
on_exit "kill $HVPID"
for i in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
export KETCH_HV_SOCKET=$SOCK

field() { $CTL info "$1" 2>/dev/null | sed -n "s/^$2: *//p"; }
wait_stopped() {
	local s
	for i in $(seq $(($2 * 10))); do
		s=$(field "$1" state)
		case $s in shutdown|crashed) echo "$s"; return 0 ;; esac
		sleep 0.1
	done
	echo "${s:-gone}"
}

# 20 hello guests booted concurrently
pids=()
for i in $(seq 20); do
	$CTL boot "$GUESTS/hello" --memory 16M >"$TMP/boot.$i" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
ids=$(cat "$TMP"/boot.* | sort -n)
expect_eq "20 boots returned 20 distinct domain ids" 20 "$(echo "$ids" | sort -u | grep -c '^[0-9][0-9]*$')"
ok_count=0
for id in $ids; do
	s=$(wait_stopped "$id" 30)
	[ "$s" = shutdown ] && [ "$(field "$id" shutdown_code)" = 0 ] && ok_count=$((ok_count + 1))
done
expect_eq "all 20 powered off with code 0" 20 "$ok_count"
greet=0
for id in $ids; do
	grep -q "d$id: Hello from Ketch domain $id\$" "$TMP/hv.log" && greet=$((greet + 1))
done
expect_eq "each greeted with its own domain id" 20 "$greet"
for id in $ids; do $CTL destroy "$id"; done
expect_eq "all destroyed" 0 "$($CTL list | awk 'NR > 1' | wc -l)"

# a crash beside a running neighbour
nb=$($CTL boot "$GUESTS/ticker" --memory 16M --cmdline "ticks=10 spin=30")
cr=$($CTL boot "$GUESTS/crash" --memory 16M)
expect_eq "crash guest reported crashed" crashed "$(wait_stopped "$cr" 30)"
reason=$(field "$cr" crash_reason)
expect_match "crash reason names the rip and symbol" 'rip 0x[0-9a-f]+ <main\+0x[0-9a-f]+>.*cr2 0x10' "$reason"
expect_match "register dump in the hypervisor log" "d$cr vcpu0: unhandled exception" "$(cat "$TMP/hv.log")"
expect_eq "neighbour finished normally" shutdown "$(wait_stopped "$nb" 60)"
expect_eq "neighbour printed all its ticks" 11 "$(grep -c "d$nb: ticker $nb " "$TMP/hv.log")"

# unknown hypercalls: -ENOSYS to the guest, counted for that domain only
en=$($CTL boot "$GUESTS/enosys" --memory 16M)
expect_eq "enosys guest passed" shutdown "$(wait_stopped "$en" 30)"
expect_eq "enosys guest exit code" 0 "$(field "$en" shutdown_code)"
expect_match "unknown hypercalls counted for it" '^[1-9][0-9]*$' "$(field "$en" hypercalls_enosys)"
expect_eq "neighbour made no unknown hypercall" 0 "$(field "$nb" hypercalls_enosys)"
check "ketch-hv still serving" $CTL list >/dev/null

finish
