#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Grant tables and memory operations: two guests share pages through
# grants (map, in-use tracking, end of access, a granter that dies while
# mapped), hostile grant arguments get Xen's exact statuses, a control-
# domain program copies granted pages through the backend library and is
# refused ungranted ones, and ballooning really gives memory back.
. "$(dirname "$0")/lib.sh"

HV=$BIN/ketch-hv
CTL=$BIN/ketchctl-hv
TBIN=$BUILD/tests/bin

SOCK=$TMP/hv.sock
$HV --socket "$SOCK" 2>"$TMP/hv.log" &
HVPID=$!
on_exit "kill $HVPID"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
export KETCH_HV_SOCKET=$SOCK

wait_stopped() { # domid seconds -> prints the final state
	local s
	for _ in $(seq $(($2 * 10))); do
		s=$($CTL info "$1" 2>/dev/null | sed -n 's/^state: *//p')
		case $s in shutdown*|crashed*) echo "$s"; return 0 ;; esac
		sleep 0.1
	done
	echo "${s:-gone}"
}
code_of() { $CTL info "$1" | sed -n 's/^shutdown_code: //p'; }

# --- A grants, B maps: the whole protocol ----------------------------------
a=$($CTL boot "$GUESTS/gnttest" --paused --cmdline "role=a peer=2")
b=$($CTL boot "$GUESTS/gnttest" --paused --cmdline "role=b peer=1")
expect_eq "fresh ketch-hv numbers domains 1 and 2" "1 2" "$a $b"
$CTL unpause "$a"; $CTL unpause "$b"
expect_match "granter A finished" '^shutdown' "$(wait_stopped "$a" 60)"
expect_match "mapper B finished" '^shutdown' "$(wait_stopped "$b" 60)"
expect_eq "A: every check passed" 0 "$(code_of "$a")"
expect_eq "B: every check passed" 0 "$(code_of "$b")"
log=$(cat "$TMP/hv.log")
for c in "d$b: PASS B sees A's pattern" "d$a: PASS A sees B's writes" \
	"d$a: PASS end access while mapped: busy" "d$b: PASS map of a grant for another domain" \
	"d$b: PASS read-only grant mapped writable" "d$b: PASS map beyond the table" \
	"d$b: PASS copy crossing a page" "d$a: PASS end access after unmap" \
	"d$b: PASS second map after end of access"; do
	expect_match "${c#*PASS }" "$c" "$log"
done
echo "$log" | grep -E "d($a|$b): FAIL" | head -5
$CTL destroy "$a"; $CTL destroy "$b"

# --- the granter dies while B maps its pages --------------------------------
a=$($CTL boot "$GUESTS/gnttest" --paused --cmdline "role=a peer=4 die=1")
b=$($CTL boot "$GUESTS/gnttest" --paused --cmdline "role=b peer=3 die=1")
$CTL unpause "$a"; $CTL unpause "$b"
expect_match "granter stops while mapped" '^shutdown' "$(wait_stopped "$a" 60)"
$CTL destroy "$a"
expect_eq "granter destroyed while mapped" "" "$($CTL list | awk -v d="$a" '$1 == d')"
expect_match "mapper finished" '^shutdown' "$(wait_stopped "$b" 60)"
expect_eq "mapper kept valid memory and unmapped cleanly" 0 "$(code_of "$b")"
expect_match "mapper saw the granter gone" "d$b: PASS mapping still holds the dead granter's page" \
	"$(cat "$TMP/hv.log")"
$CTL destroy "$b"

# --- hostile arguments: exact statuses, nothing harmed ------------------------
out=$(timeout 60 $HV run --kernel "$GUESTS/gnt_bad" --memory 32M 2>&1)
expect_eq "gnt_bad exits 0 (no failed check)" 0 "$?"
expect_match "gnt_bad verdict" '^gnt_bad: PASS, 0 failures' "$out"
echo "$out" | grep FAIL | head -5
out=$(timeout 60 $HV run --kernel "$GUESTS/gnt_bad" --memory 32M --cmdline after_unmap=1 2>&1)
expect_eq "touching a grant mapping after unmap crashes the mapper" 130 "$?"
expect_match "at the unmapped address" 'crashed: vcpu0: read from unbacked guest-physical address 0x2000000' "$out"
out=$(timeout 60 $HV run --kernel "$GUESTS/gnt_bad" --memory 32M --cmdline ro_write=1 2>&1)
expect_eq "writing a read-only grant mapping crashes the mapper" 130 "$?"
expect_match "at the mapping" 'crashed: vcpu0: write to unbacked guest-physical address 0x2000000' "$out"

# --- control-domain backend library -----------------------------------------
out=$(timeout 60 "$TBIN/gnt_backend" "$SOCK" "$GUESTS/gnt_share" 2>&1)
expect_eq "backend test program exits 0" 0 "$?"
expect_match "backend copied the granted page" '^PASS copy of a granted page' "$out"
expect_match "backend refused an ungranted page" '^PASS ungranted page refused' "$out"
expect_match "guest saw dom0's mapping in use" '^PASS guest saw its page in use while mapped' "$out"
expect_match "guest revoked after dom0 unmapped" '^PASS guest revoked its grant after the unmap' "$out"
echo "$out" | grep FAIL | head -5
expect_eq "ketch-hv survived everything" 0 "$(kill -0 $HVPID; echo $?)"

# --- ballooning 256 MiB -> 64 MiB gives memory back to the host --------------
rss() { awk '/^RssShmem:/ {print $2}' "/proc/$1/status"; }
wait_line() { # file regex seconds
	for _ in $(seq $(($3 * 10))); do grep -qE "$2" "$1" && return 0; sleep 0.1; done
	return 1
}
$HV run --kernel "$GUESTS/balloon" --memory 256M --cmdline "target_mb=64 hold_ms=3000" \
	>"$TMP/balloon.out" 2>&1 &
BPID=$!
on_exit "kill $BPID"
check "balloon guest touched its memory" wait_line "$TMP/balloon.out" 'balloon touched' 30
sleep 0.5
before=$(rss $BPID)
check "balloon guest reached 64 MiB" wait_line "$TMP/balloon.out" 'balloon down current=16384 ' 30
after=$(rss $BPID)
echo "    balloon: RssShmem ${before} kB -> ${after} kB"
check "host RSS fell by at least 150 MiB" test $((before - after)) -ge $((150 * 1024))
wait $BPID
expect_eq "balloon guest exits 0 (grew back, past max refused)" 0 "$?"
expect_match "balloon verdict" '^balloon: PASS, 0 failures' "$(cat "$TMP/balloon.out")"
grep FAIL "$TMP/balloon.out" | head -5

finish
