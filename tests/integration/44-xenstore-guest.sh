#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Guests on ketch-xenstored: the daemon maps real guests' rings through
# ketch-hv (--hv-socket); xsguest drives the kit's xenbus client from inside
# (nodes, permissions, transactions, watches); the control domain writes
# what the guest waits for; a hostile guest's ring is shut while the other
# keeps being served; @introduceDomain/@releaseDomain fire; nothing leaks.
. "$(dirname "$0")/lib.sh"

HVSOCK=$TMP/hv.sock
export XENSTORED_PATH=$TMP/xs.sock
CTL() { "$BIN/ketchctl-hv" --socket "$HVSOCK" "$@"; }
state_of() { CTL info "$1" 2>/dev/null | sed -n 's/^state: //p'; }
wait_state() { # ID STATE: up to 60 s
	for _ in $(seq 600); do [ "$(state_of "$1")" = "$2" ] && return 0; sleep 0.1; done
	return 1
}
wait_log() { # FILE REGEX: up to 60 s
	for _ in $(seq 600); do grep -qE -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
count() { grep -c -- "$2" "$1"; }
wait_count() { # FILE REGEX N: up to 10 s for N matching lines
	for _ in $(seq 100); do [ "$(count "$1" "$2")" -ge "$3" ] && return 0; sleep 0.1; done
	return 1
}
nfds() { ls "/proc/$1/fd" | wc -l; }
nmaps() { grep -c ketch-guest "/proc/$1/maps"; } # mappings of guest memory
# boot_guest CMDLINE: boots xsguest paused, introduces it; prints the domid
boot_guest() {
	local id
	id=$(CTL boot "$GUESTS/xsguest" --memory 32M --paused --cmdline "$1") || return 1
	"$BUILD/tests/bin/xs_toolstack" introduce "$HVSOCK" "$id" xsguest >"$TMP/intro.$id" ||
		return 1
	echo "$id"
}

"$BIN/ketch-hv" --socket "$HVSOCK" 2>"$TMP/hv.log" &
HV_PID=$!
on_exit "kill $HV_PID"
for _ in $(seq 50); do [ -S "$HVSOCK" ] && break; sleep 0.1; done

# Without a hypervisor client, INTRODUCE still fails clearly.
"$BIN/ketch-xenstored" --socket "$TMP/stub.sock" 2>"$TMP/stub.log" &
STUB_PID=$!
on_exit "kill $STUB_PID"
"$BIN/ketch-xenstored" --socket "$TMP/bad.sock" --hv-socket "$TMP/nothing.sock" 2>"$TMP/bad.log"
expect_eq "unreachable --hv-socket: exit 1" 1 "$?"
expect_match "and says where" 'cannot reach ketch-hv at .*nothing.sock' "$(cat "$TMP/bad.log")"

"$BIN/ketch-xenstored" --socket "$XENSTORED_PATH" --hv-socket "$HVSOCK" 2>"$TMP/xs.log" &
XS_PID=$!
on_exit "kill $XS_PID"
for _ in $(seq 50); do [ -S "$XENSTORED_PATH" ] && break; sleep 0.1; done
check "ketch-xenstored up with --hv-socket" test -S "$XENSTORED_PATH"
xenstore-watch @introduceDomain >"$TMP/intro.watch" 2>&1 &
on_exit "kill $!"
xenstore-watch @releaseDomain >"$TMP/release.watch" 2>&1 &
on_exit "kill $!"
wait_log "$TMP/intro.watch" '^@introduceDomain' # the watch's own first event
wait_log "$TMP/release.watch" '^@releaseDomain'
FDS0=$(nfds $XS_PID) # with the two watchers connected

# --- a guest using xenstore ---------------------------------------------
id=$(boot_guest "")
expect_match "xsguest booted and introduced" '^[0-9]+$' "$id"
[ -n "$id" ] || finish
expect_match "toolstack read the store frame and port" '^store_mfn=[1-9][0-9]* store_port=2$' \
	"$(cat "$TMP/intro.$id")"
wait_count "$TMP/intro.watch" '^@introduceDomain' 2
expect_eq "@introduceDomain fired for the watcher" 2 "$(count "$TMP/intro.watch" '^@introduceDomain')"
out=$(XENSTORED_PATH=$TMP/stub.sock "$BUILD/tests/bin/xs_toolstack" introduce "$HVSOCK" "$id" 2>&1)
expect_match "stub daemon refuses INTRODUCE: ENOSYS" 'introduce: Function not implemented' "$out"
expect_eq "one mapping of guest memory" 1 "$(nmaps $XS_PID)"

# An INTRODUCE naming a frame outside the guest's RAM is refused, leaving nothing.
bid=$(CTL boot "$GUESTS/xsguest" --memory 32M --paused)
out=$("$BUILD/tests/bin/xs_toolstack" introduce "$HVSOCK" "$bid" bad 0x100000 2>&1)
expect_match "store frame outside RAM: EINVAL" 'introduce: Invalid argument' "$out"
expect_eq "refused domain left no mapping" 1 "$(nmaps $XS_PID)"
out=$("$BUILD/tests/bin/xs_toolstack" introduce "$HVSOCK" "$bid" bad 2>&1)
expect_match "the same domain with its real frame is accepted" '^store_mfn=' "$out"
CTL destroy "$bid"
check "destroyed before it ran: released" wait_log "$TMP/xs.log" "domain $bid destroyed"

CTL unpause "$id"
check "xsguest says it is watching" wait_log "$TMP/hv.log" "d$id: xsguest: ready"

# --- a hostile guest while the first one waits ----------------------------
hid=$(boot_guest "hostile=1")
CTL unpause "$hid"
check "hostile guest stops" wait_state "$hid" shutdown
check "daemon reports the hostile domain" \
	wait_log "$TMP/xs.log" "domain $hid: invalid ring index, ring disconnected"
expect_match "hostile guest saw its ring flagged" "d$hid: PASS daemon flagged the ring" "$(cat "$TMP/hv.log")"
expect_match "hostile guest verdict" "d$hid: xsguest hostile: PASS, 0 failures" "$(cat "$TMP/hv.log")"

# --- the control domain writes what the first guest waits for -------------
xenstore-write /local/domain/"$id"/data/conflict dom0
xenstore-write /local/domain/"$id"/data/watched/one 1
xenstore-write /local/domain/"$id"/data/watched/two 2
xenstore-write /local/domain/"$id"/data/be2/state 6
xenstore-write /local/domain/"$id"/data/be/state 2
xenstore-write /local/domain/"$id"/data/be/state 4
check "xsguest stops" wait_state "$id" shutdown
info=$(CTL info "$id")
expect_match "xsguest powered off" '^shutdown_reason: poweroff$' "$info"
expect_match "xsguest exit code 0" '^shutdown_code: 0$' "$info"
log=$(grep "d$id: " "$TMP/hv.log")
for c in "read it relative" "read it absolute" "directory lists a and b" \
	"write in our read-only home: EACCES" "write in domain 0's subtree: EACCES" \
	"read another domain's subtree: EACCES" "outside sees nothing before commit" \
	"retry helper committed three bumps" "conflicting transaction: EAGAIN" \
	"long value intact" "event for watched/one" "event for watched/two" "wait for the peer's Connected" \
	"closed peer: ENOTCONN" "own state Connected"; do
	expect_match "guest: $c" "PASS $c\$" "$log"
done
expect_match "xsguest verdict" 'xsguest: PASS, 0 failures' "$log"
echo "$log" | grep FAIL | head -5
expect_eq "the guest's long value, read by the control domain" 2000 \
	"$(xenstore-read /local/domain/"$id"/data/big | tr -d '\n' | wc -c)"
expect_eq "guest's front-end state" 4 "$(xenstore-read /local/domain/"$id"/data/fe/state)"
expect_eq "the guest's writes are in the store" 3 "$(xenstore-read /local/domain/"$id"/data/counter)"
expect_eq "guest owns what it created" "n$id r0" \
	"$(xenstore-ls -p /local/domain/"$id"/data | sed -n 's/^abs = "one" .*(\(.*\))$/\1/p' | tr ',' ' ')"

# --- domain death releases it ----------------------------------------------
# @releaseDomain so far: the watch's own event, the refused-then-destroyed
# domain, then one for each guest that shut down.
wait_count "$TMP/release.watch" '^@releaseDomain' 4
expect_eq "shutdown fired @releaseDomain (both guests stopped)" 4 \
	"$(count "$TMP/release.watch" '^@releaseDomain')"
CTL destroy "$id"
CTL destroy "$hid"
check "daemon released the destroyed domains" wait_log "$TMP/xs.log" "domain $hid destroyed"
wait_log "$TMP/xs.log" "domain $id destroyed"
wait_count "$TMP/release.watch" '^@releaseDomain' 6
expect_eq "destroy fired @releaseDomain for each" 6 "$(count "$TMP/release.watch" '^@releaseDomain')"
expect_eq "no fds leaked in ketch-xenstored" "$FDS0" "$(nfds $XS_PID)"
expect_eq "no guest memory left mapped" 0 "$(nmaps $XS_PID)"
expect_eq "ketch-xenstored still serves" 3 "$(xenstore-read /local/domain/"$id"/data/counter)"
kill $XS_PID
wait $XS_PID
expect_eq "ketch-xenstored exits 0 on SIGTERM" 0 "$?"

finish
