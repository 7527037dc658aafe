#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# PV block devices: ketch-blkback serves a raw image file made here to the
# diskcheck guest (blkfront in the guest kit) over Xen's block protocol,
# with the xenstore layout libxl writes.  The guest reads what the host
# wrote, writes a checksummed pattern, flushes, reads it back and discards
# a range; the host then finds the pattern in the image file and zeros
# where it was discarded.  Further boots: the largest rings on 4 queues;
# the asynchronous calls with writes placed on each of 4 queues by the
# guest; a backend offering one queue (the flat layout, whatever the
# frontend wanted); a read-only backend that verifies the pattern again
# and refuses writes.  A locked image and bad options are refused.
. "$(dirname "$0")/lib.sh"

HVSOCK=$TMP/hv.sock
export XENSTORED_PATH=$TMP/xs.sock KETCH_HV_SOCKET=$TMP/hv.sock
CTL() { "$BIN/ketchctl-hv" --socket "$HVSOCK" "$@"; }
BB=$BIN/ketch-blkback
DEVID=51712 # xvda, as Xen numbers it: (202 << 8) | (0 << 4)
IMG=$TMP/disk.img
BASE=64 COUNT=2048 SEED=7

state_of() { CTL info "$1" 2>/dev/null | sed -n 's/^state: //p'; }
wait_for() { # SECONDS COMMAND...: true once COMMAND succeeds (scaled)
	local n=$(($1 * 10 * T_SCALE))
	shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
stopped() { [ "$(state_of "$1")" = shutdown ] || [ "$(state_of "$1")" = crashed ]; }
be_state_is() { [ "$(xenstore-read "/local/domain/0/backend/vbd/$1/$DEVID/state" 2>/dev/null)" = "$2" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# add_vbd DOMID IMAGE MODE: the nodes libxl writes for a disk (lib.sh).
add_vbd() { xs_add_vbd "$1" "$DEVID" "$2" "$3"; }

# boot_disk CMDLINE BACKEND-ARGS...: a paused diskcheck guest with its
# xenstore and disk, its backend started; sets id and BBPID.  CMDLINE
# comes first, so its seed=, base=, count= win over the defaults.  (Not in a
# $(...): the backend would hold its pipe open.)
boot_disk() {
	local cmdline=$1
	shift
	BBPID=
	id=$(CTL boot "$GUESTS/diskcheck" --memory 32M --paused \
		--cmdline "$cmdline seed=$SEED base=$BASE count=$COUNT timeout_s=$((30 * T_SCALE))") &&
		"$BUILD/tests/bin/xs_toolstack" introduce "$HVSOCK" "$id" "disk$id" >/dev/null &&
		add_vbd "$id" "$IMG" w || return 1
	"$BB" --domid "$id" --devid "$DEVID" --image "$IMG" "$@" >/dev/null 2>"$TMP/bb.$id.log" &
	BBPID=$!
	on_exit "kill $BBPID"
}

start_hv "$HVSOCK"
start_xenstored "$XENSTORED_PATH" "$HVSOCK"

truncate -s 8M "$IMG"
printf 'KETCH-HOST-MARK' | dd of="$IMG" bs=512 seek=7 conv=notrunc status=none

# --- a locked image is refused ---------------------------------------------
exec 9<"$IMG"
flock -x 9
out=$("$BB" --domid 99 --devid "$DEVID" --image "$IMG" 2>&1 9<&-)
expect_eq "an image another writer holds: exit 1" 1 "$?"
expect_match "and says why" 'in use by another backend \(locked\)' "$out"
exec 9<&-
out=$("$BB" --domid 1 2>&1)
expect_eq "missing options: exit 2" 2 "$?"
for nq in 0 5 x; do
	"$BB" --domid 1 --devid "$DEVID" --image "$IMG" --max-queues $nq >/dev/null 2>&1
	expect_eq "--max-queues $nq: exit 2" 2 "$?"
done

# --- read, write, flush, read back, discard ---------------------------------
boot_disk "" --max-queues 4
expect_match "diskcheck booted with its disk" '^[0-9]+$' "$id"
[ -n "$BBPID" ] || finish
if ! wait_for 10 be_state_is "$id" 2; then
	bad "backend reached InitWait: $(cat "$TMP/bb.$id.log")"
	finish
fi
ok "backend reached InitWait"
be=/local/domain/0/backend/vbd/$id/$DEVID
expect_eq "backend offers flush" 1 "$(xenstore-read "$be/feature-flush-cache")"
expect_eq "backend offers discard" 1 "$(xenstore-read "$be/feature-discard")"
expect_eq "backend offers 256 indirect segments" 256 "$(xenstore-read "$be/feature-max-indirect-segments")"
expect_eq "backend offers 16-page rings" 4 "$(xenstore-read "$be/max-ring-page-order")"
expect_eq "backend offers 4 queues" 4 "$(xenstore-read "$be/multi-queue-max-queues")"
expect_eq "backend offers persistent grants" 1 "$(xenstore-read "$be/feature-persistent")"
CTL unpause "$id"
check "diskcheck stopped" wait_for 90 stopped "$id"
# What blkfront asked for by default, as the guest left it in its directory.
fe=/local/domain/$id/device/vbd/$DEVID
expect_eq "frontend asked for 2-page rings" 1 "$(xenstore-read "$fe/ring-page-order")"
expect_eq "frontend asked for 2 queues" 2 "$(xenstore-read "$fe/multi-queue-num-queues")"
expect_eq "frontend asked for persistent grants" 1 "$(xenstore-read "$fe/feature-persistent")"
for k in queue-0/ring-ref0 queue-0/ring-ref1 queue-1/ring-ref0 queue-1/ring-ref1 \
	queue-0/event-channel queue-1/event-channel; do
	expect_match "frontend published $k" '^[0-9]+$' "$(xenstore-read "$fe/$k")"
done
info=$(CTL info "$id")
expect_match "diskcheck exit code 0" '^shutdown_code: 0$' "$info"
log=$(grep "d$id: " "$TMP/hv.log")
for c in "connect" "host's marker read" "read past the end refused" "write pattern" "flush" \
	"read pattern back" "every sector verifies" "discard" "discarded range reads zero" "close"; do
	expect_match "guest: $c" "PASS $c\$" "$log"
done
expect_match "guest saw the disk's size and features" \
	'diskcheck: sectors=16384 sector-size=512 info=0 flush=1 discard=1' "$log"
expect_match "and negotiated every protocol feature" \
	'diskcheck: ring-pages=2 queues=2 indirect=64 persistent=1' "$log"
expect_match "diskcheck verdict" 'diskcheck: PASS, 0 failures' "$log"
echo "$log" | grep FAIL | head -5
expect_eq "backend Closed after the guest closed" 6 "$(xenstore-read "$be/state")"
expect_eq "backend wrote the disk's size" 16384 "$(xenstore-read "$be/sectors")"
expect_match "backend logged the connection" \
	'connected: ring-ref [0-9]+, event channel [0-9]+, 16384 sectors; 2 queues, 2 ring pages, persistent grants on' \
	"$(cat "$TMP/bb.$id.log")"
CTL destroy "$id"
check "backend exits when its domain is destroyed" wait_for 10 gone "$BBPID"
wait "$BBPID"
expect_eq "backend exit status 0" 0 "$?"
expect_match "and counted no failed request" 'stopped: [0-9]+ requests, 0 refused or failed' \
	"$(cat "$TMP/bb.$id.log")"
expect_match "requests came on both queues" 'ring errors; by queue [1-9][0-9]*, [1-9][0-9]*, 0, 0$' \
	"$(cat "$TMP/bb.$id.log")"

# The host sees what the guest wrote, byte for byte but for the checksums.
diskcheck_pattern $BASE $COUNT $SEED >"$TMP/expected"
dd if="$IMG" of="$TMP/actual" bs=512 skip=$BASE count=$COUNT status=none
bad=$(cmp -l "$TMP/expected" "$TMP/actual" | awk '($1 - 1) % 512 < 504 { n++ } END { print n + 0 }')
expect_eq "the image holds the guest's pattern" 0 "$bad"
expect_eq "the discarded range is zeros in the image" 0 \
	"$(dd if="$IMG" bs=512 skip=4096 count=256 status=none | tr -d '\0' | wc -c)"
expect_eq "the host's marker is intact" KETCH-HOST-MARK \
	"$(dd if="$IMG" bs=512 skip=7 count=1 status=none | head -c 15)"

# --- the largest rings, every queue, indirect requests without persistent
# grants, direct I/O: the pattern written again and verified ----------------
boot_disk "order=4 queues=4 indirect=64 persistent=0 chunk=1024" --direct-io --max-queues 4
check "backend reached InitWait again" wait_for 10 be_state_is "$id" 2
CTL unpause "$id"
check "diskcheck (16-page rings, 4 queues) stopped" wait_for 90 stopped "$id"
expect_match "its exit code 0" '^shutdown_code: 0$' "$(CTL info "$id")"
log=$(grep "d$id: " "$TMP/hv.log")
expect_match "it negotiated 16 pages, 4 queues, 64 indirect segments, no persistent grants" \
	'diskcheck: ring-pages=16 queues=4 indirect=64 persistent=0' "$log"
for c in "write pattern" "flush" "every sector verifies" "discarded range reads zero"; do
	expect_match "guest (16-page rings): $c" "PASS $c\$" "$log"
done
echo "$log" | grep FAIL | head -5
expect_match "backend mapped 4 queues of 16 pages" '4 queues, 16 ring pages, persistent grants off' \
	"$(cat "$TMP/bb.$id.log")"
# --direct-io: O_DIRECT where the file system takes 512-byte direct I/O,
# else buffered, and said either way.
expect_match "backend opened the image for direct I/O (or said why not)" \
	'direct I/O \(O_DIRECT\)|O_DIRECT refused|direct I/O of 512-byte sectors refused' \
	"$(cat "$TMP/bb.$id.log")"
CTL destroy "$id"
check "its backend exits" wait_for 10 gone "$BBPID"
expect_match "and counted no failed request, on every queue" \
	'stopped: [0-9]+ requests, 0 refused or failed; 0 ring errors; by queue [1-9][0-9]*, [1-9][0-9]*, [1-9][0-9]*, [1-9][0-9]*$' \
	"$(cat "$TMP/bb.$id.log")"

# --- the asynchronous calls: 32 requests in flight --------------------------
# Another pattern (seed 11) elsewhere, written, flushed and read back with
# blkfront_submit/blkfront_reap, one page per request, so the persistent
# pool (64 pages) holds 32 at once.  The writes are placed by the guest,
# the k-th on queue k mod 4 (blkfront_submit_queue): every queue writes a
# stripe, one flush covers them all, the reads spread round-robin.
boot_disk "aio=32 chunk=8 seed=11 base=8192 count=2048 queues=4 pin=1" --max-queues 4
check "aio: backend reached InitWait" wait_for 10 be_state_is "$id" 2
CTL unpause "$id"
check "aio: diskcheck stopped" wait_for 90 stopped "$id"
expect_match "aio: its exit code 0" '^shutdown_code: 0$' "$(CTL info "$id")"
log=$(grep "d$id: " "$TMP/hv.log")
for c in "aio: a range past the end refused" "aio: more sectors than one request refused" \
	"aio: a queue past the device's refused" \
	"aio: a synchronous read waits its turn (EBUSY)" "aio: close refused while one is unreaped" \
	"aio: it read the host's marker" "aio: write pattern" "aio: flush" "aio: read pattern back" \
	"aio: every sector verifies" "close"; do
	expect_match "guest: $c" "PASS $(echo "$c" | sed 's/[()]/\\&/g')\$" "$log"
done
expect_match "aio: 32 requests were in flight at once" 'diskcheck: aio: deepest queue 32$' "$log"
expect_match "aio: the guest placed 64 writes on each of 4 queues" \
	'diskcheck: aio: pinned writes by queue 64, 64, 64, 64$' "$log"
fe=/local/domain/$id/device/vbd/$DEVID
expect_eq "aio: frontend published 4 queues" 4 "$(xenstore-read "$fe/multi-queue-num-queues")"
for k in queue-0/ring-ref0 queue-1/ring-ref1 queue-2/event-channel queue-3/event-channel; do
	expect_match "aio: frontend published $k" '^[0-9]+$' "$(xenstore-read "$fe/$k")"
done
expect_eq "aio: and no flat ring-ref or event-channel" "" \
	"$(xenstore-read "$fe/ring-ref" "$fe/event-channel" 2>/dev/null)"
echo "$log" | grep FAIL | head -5
CTL destroy "$id"
check "aio: its backend exits" wait_for 10 gone "$BBPID"
# Each queue took its 64 writes and about as many reads.
expect_match "aio: no failed request, on every queue" \
	'stopped: [0-9]+ requests, 0 refused or failed; 0 ring errors; by queue ([1-9][0-9]|[0-9]{3,}), ([1-9][0-9]|[0-9]{3,}), ([1-9][0-9]|[0-9]{3,}), ([1-9][0-9]|[0-9]{3,})$' \
	"$(cat "$TMP/bb.$id.log")"
diskcheck_pattern 8192 2048 11 >"$TMP/expected-aio"
expect_eq "aio: the image holds the second pattern" 0 \
	"$(dd if="$IMG" bs=512 skip=8192 count=2048 status=none | cmp -l "$TMP/expected-aio" - |
		awk '($1 - 1) % 512 < 504 { n++ } END { print n + 0 }')"

# --- a backend offering one queue: the flat layout --------------------------
# blkfront asks for 2 queues by default; offered 1 it writes no
# multi-queue-num-queues and its ring keys at the top, as for a backend
# without the feature.  The aio pattern is read back (verify=1).
boot_disk "verify=1 seed=11 base=8192 count=2048" --max-queues 1
check "one queue: backend reached InitWait" wait_for 10 be_state_is "$id" 2
expect_eq "one queue: backend offers 1" 1 \
	"$(xenstore-read "/local/domain/0/backend/vbd/$id/$DEVID/multi-queue-max-queues")"
CTL unpause "$id"
check "one queue: diskcheck stopped" wait_for 90 stopped "$id"
expect_match "one queue: its exit code 0" '^shutdown_code: 0$' "$(CTL info "$id")"
log=$(grep "d$id: " "$TMP/hv.log")
expect_match "one queue: guest verified the pattern" "PASS every sector verifies\$" "$log"
expect_match "one queue: it negotiated one queue of 2 pages" \
	'diskcheck: ring-pages=2 queues=1 ' "$log"
fe=/local/domain/$id/device/vbd/$DEVID
expect_eq "one queue: no multi-queue-num-queues, no queue-0/" "" \
	"$(xenstore-read "$fe/multi-queue-num-queues" "$fe/queue-0/event-channel" 2>/dev/null)"
expect_match "one queue: ring-page-order, ring-ref0, ring-ref1, event-channel at the top" \
	'^1 [0-9]+ [0-9]+ [0-9]+$' \
	"$(xenstore-read "$fe/ring-page-order" "$fe/ring-ref0" "$fe/ring-ref1" "$fe/event-channel" | tr '\n' ' ' | sed 's/ $//')"
echo "$log" | grep FAIL | head -5
CTL destroy "$id"
check "one queue: its backend exits" wait_for 10 gone "$BBPID"
expect_match "one queue: no failed request, all on queue 0" \
	'stopped: [0-9]+ requests, 0 refused or failed; 0 ring errors$' "$(cat "$TMP/bb.$id.log")"

# --- the same image read-only: the pattern again, writes refused ------------
# ... through the one-page, one-queue protocol with no feature (as an
# older frontend speaks it).
boot_disk "verify=1 ro=1 order=0 queues=1 indirect=0 persistent=0" --read-only
check "read-only backend reached InitWait" wait_for 10 be_state_is "$id" 2
expect_eq "no discard offered read-only" "" "$(xenstore-read "/local/domain/0/backend/vbd/$id/$DEVID/feature-discard" 2>/dev/null)"
# No --max-queues: as many queues as the host has CPUs, at most 4.
ncpu=$(nproc)
expect_eq "by default the backend offers the host's CPUs, at most 4" $((ncpu < 4 ? ncpu : 4)) \
	"$(xenstore-read "/local/domain/0/backend/vbd/$id/$DEVID/multi-queue-max-queues")"
CTL unpause "$id"
check "read-only diskcheck stopped" wait_for 90 stopped "$id"
expect_match "read-only diskcheck exit code 0" '^shutdown_code: 0$' "$(CTL info "$id")"
log=$(grep "d$id: " "$TMP/hv.log")
for c in "info says read-only" "write refused: BLKIF_RSP_ERROR" "flush refused: BLKIF_RSP_ERROR" \
	"every sector verifies"; do
	expect_match "guest: $c" "PASS $c\$" "$log"
done
expect_match "read-only guest used no feature" \
	'diskcheck: ring-pages=1 queues=1 indirect=0 persistent=0' "$log"
fe=/local/domain/$id/device/vbd/$DEVID
expect_match "and published ring-ref and event-channel alone" '^[0-9]+ [0-9]+ 0$' \
	"$(xenstore-read "$fe/ring-ref" "$fe/event-channel" "$fe/feature-persistent" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "without ring-page-order or queues" "" \
	"$(xenstore-read "$fe/ring-page-order" "$fe/multi-queue-num-queues" 2>/dev/null)"
echo "$log" | grep FAIL | head -5
CTL destroy "$id"
check "read-only backend exits" wait_for 10 gone "$BBPID"
expect_match "it counted the refused requests" 'stopped: [0-9]+ requests, 2 refused or failed' \
	"$(cat "$TMP/bb.$id.log")"
expect_eq "the pattern survived the read-only run" 0 \
	"$(dd if="$IMG" bs=512 skip=$BASE count=$COUNT status=none | cmp -l "$TMP/expected" - |
		awk '($1 - 1) % 512 < 504 { n++ } END { print n + 0 }')"

finish
