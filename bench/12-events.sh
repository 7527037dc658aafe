#!/bin/bash
# needs: kvm  (starts guests: bench/run-all.sh runs it inside the emulated VM where KVM is missing)
# Event-channel figures beside bare-KVM floors from this same run:
#  - guest <-> control-domain round trip (guest blocking; guest spinning and
#    taking upcalls) beside a bare ioeventfd notify + eventfd wake round trip;
#  - guest <-> guest round trip beside the same floor;
#  - the upcall path (guest spinning in its own code) beside a bare notify
#    plus a bare kick of a spinning vCPU.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
B=$BUILD/bench/hv_bench
HV=$BUILD/bin/ketch-hv
CTL=$BUILD/bin/ketchctl-hv
PP=$BUILD/tests/bin/evtchn_dom0_pingpong
G=$BUILD/guests
TMP=$(mktemp -d)
trap 'kill $HVPID 2>/dev/null; rm -rf "$TMP"' EXIT

. bench/lib.sh

$HV --socket "$TMP/hv.sock" 2>"$TMP/hv.log" &
HVPID=$!
for i in $(seq 50); do [ -S "$TMP/hv.sock" ] && break; sleep 0.1; done
export KETCH_HV_SOCKET=$TMP/hv.sock

rtt() { "$PP" "$TMP/hv.sock" "$G/pingpong" "$@" | sed -n 's/.*rtt_us=//p'; }
dom0_block=$(rtt 20000)
dom0_upcall=$(rtt 5000 upcall)

# guest <-> guest: the difference between a long and a short run cancels boot
pair() { # n -> seconds from unpause to both stopped
	local s c t0
	s=$($CTL boot "$G/pingpong" --paused --cmdline "role=server peer=$(( $1 + 1 )) port=3 n=$2")
	c=$($CTL boot "$G/pingpong" --paused --cmdline "role=client peer=$s port=3 n=$2")
	$CTL evtchn-alloc "$s" "$c" >/dev/null
	t0=$(date +%s.%N)
	$CTL unpause "$s"; $CTL unpause "$c"
	while ! $CTL info "$c" | grep -q '^state: shutdown'; do sleep 0.01; done
	while ! $CTL info "$s" | grep -q '^state: shutdown'; do sleep 0.01; done
	awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { print a - b }'
	$CTL destroy "$s"; $CTL destroy "$c"
}
last=$(($( $CTL list | awk 'NR > 1 { print $1 }' | sort -n | tail -1) + 0))
short=$(pair "$((last + 0))" 1000)
long=$(pair "$((last + 2))" 21000)
gg=$(awk -v a="$short" -v b="$long" 'BEGIN { print (b - a) / 20000 * 1e6 }')

fn=$(val "$($B floor-notify 2000)" floor_notify_rtt_us)
fk=$(val "$($B floor-kick 200)" floor_kick_us)

header
row "event round trip guest<->control domain" "$dom0_block" us "$fn" "bare ioeventfd notify + eventfd wake"
row "same, guest spinning (upcall path)" "$dom0_upcall" us "$(awk -v a="$fn" -v b="$fk" 'BEGIN { print a + b }')" "bare notify + bare vCPU kick"
row "event round trip guest<->guest" "$gg" us "$fn" "bare ioeventfd notify + eventfd wake"
