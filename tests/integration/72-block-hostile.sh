#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# A hostile block frontend against ketch-blkback, beside a well-behaved
# disk.  The blkhostile guest sends bad grant refs, another domain's
# grant, a read-only grant to read into, sectors past the end, too many
# and no segments, inverted and oversized segments, unknown and unoffered
# ops, indirect requests with a bad indirect page, too many or no
# segments, a bad segment inside or a bad indirect_op, a req_prod far past
# the ring (sent, and published before the backend connects), a
# ring-page-order and queue counts beyond the offer, and a request after
# its Closing; it
# checks every answer (docs/block.md, "Hostile frontends") and exits with
# its failure count.  Meanwhile a second domain runs diskcheck on its own
# disk and backend, which must not notice.  The hostile disk's backend
# must log each refusal by its reason and count them at exit, and serve
# the device again after disconnecting it.  (A backend exits when its
# domain stops, so "up" is checked while each domain runs.)
. "$(dirname "$0")/lib.sh"

HVSOCK=$TMP/hv.sock
export XENSTORED_PATH=$TMP/xs.sock KETCH_HV_SOCKET=$TMP/hv.sock
CTL() { "$BIN/ketchctl-hv" --socket "$HVSOCK" "$@"; }
BB=$BIN/ketch-blkback
DEVID=51712 # xvda

state_of() { CTL info "$1" 2>/dev/null | sed -n 's/^state: //p'; }
wait_for() { # SECONDS COMMAND...: true once COMMAND succeeds (scaled)
	local n=$(($1 * 10 * T_SCALE))
	shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
stopped() { [ "$(state_of "$1")" = shutdown ] || [ "$(state_of "$1")" = crashed ]; }
be_state_is() { [ "$(xenstore-read "/local/domain/0/backend/vbd/$1/$DEVID/state" 2>/dev/null)" = "$2" ]; }
alive() { kill -0 "$1" 2>/dev/null; }
gone() { ! alive "$1"; }

# add_vbd DOMID IMAGE: libxl's nodes for a writable disk (lib.sh).
add_vbd() { xs_add_vbd "$1" "$DEVID" "$2" w; }

# boot GUEST IMAGE CMDLINE: a paused guest with its disk and backend; sets
# id and BBPID (not in a $(...): the backend would hold its pipe open).
boot() {
	BBPID=
	id=$(CTL boot "$GUESTS/$1" --memory 32M --paused --cmdline "$3") &&
		"$BUILD/tests/bin/xs_toolstack" introduce "$HVSOCK" "$id" "$1$id" >/dev/null &&
		add_vbd "$id" "$2" || return 1
	"$BB" --domid "$id" --devid "$DEVID" --image "$2" --max-queues 4 >/dev/null \
		2>"$TMP/bb.$id.log" &
	BBPID=$!
	on_exit "kill $BBPID"
	show_on_failure "$TMP/bb.$id.log"
}

start_hv "$HVSOCK"
start_xenstored "$XENSTORED_PATH" "$HVSOCK"
show_on_failure "$TMP/hv.log"
truncate -s 8M "$TMP/hostile.img" "$TMP/good.img"
printf 'KETCH-HOST-MARK' | dd of="$TMP/good.img" bs=512 seek=7 conv=notrunc status=none

# The good disk writes slowly (a pause between calls), so it is busy for
# the whole hostile run.
boot diskcheck "$TMP/good.img" "seed=3 count=2048 gap_ms=$((800 * T_SCALE)) timeout_s=$((30 * T_SCALE))"
good=$id GOODBB=$BBPID
boot blkhostile "$TMP/hostile.img" "timeout_s=$((20 * T_SCALE))"
hostile=$id HOSTBB=$BBPID
expect_match "both guests booted with their disks" '^[0-9]+ [0-9]+$' "$good $hostile"
[ -n "$GOODBB" ] && [ -n "$HOSTBB" ] || finish
check "both backends reached InitWait" wait_for 10 eval 'be_state_is $good 2 && be_state_is $hostile 2'
CTL unpause "$good"
CTL unpause "$hostile"

check "blkhostile stopped" wait_for 120 stopped "$hostile"
check "the good disk was still busy when it stopped" eval '! stopped $good'
check "the good disk's backend unharmed meanwhile (running)" alive "$GOODBB"
expect_match "blkhostile exit code 0" '^shutdown_code: 0$' "$(CTL info "$hostile")"
log=$(grep "d$hostile: " "$TMP/hv.log")
for c in "a good read works" \
	"grant ref past the table: BLKIF_RSP_ERROR" "grant ref 0xffffffff: BLKIF_RSP_ERROR" \
	"grant ref ended: BLKIF_RSP_ERROR" "grant to another domain: BLKIF_RSP_ERROR" \
	"read into a read-only grant: BLKIF_RSP_ERROR" "write from a read-only grant works" \
	"second segment's grant another domain's: BLKIF_RSP_ERROR" \
	"read at the last sector works" "read at the size: BLKIF_RSP_ERROR" \
	"write across the end: BLKIF_RSP_ERROR" "sector that wraps: BLKIF_RSP_ERROR" \
	"discard across the end: BLKIF_RSP_ERROR" "12 segments: BLKIF_RSP_ERROR" \
	"255 segments: BLKIF_RSP_ERROR" "no segment: BLKIF_RSP_ERROR" \
	"first_sect > last_sect: BLKIF_RSP_ERROR" "last_sect 8 \(past the page\): BLKIF_RSP_ERROR" \
	"first_sect 255: BLKIF_RSP_ERROR" "flush with a segment: BLKIF_RSP_ERROR" \
	"unknown op 200: BLKIF_RSP_EOPNOTSUPP" \
	"indirect read of 16 segments works" "indirect with 257 segments: BLKIF_RSP_ERROR" \
	"indirect with no segment: BLKIF_RSP_ERROR" "indirect flush: BLKIF_RSP_ERROR" \
	"indirect page ref 0xffffffff: BLKIF_RSP_ERROR" \
	"indirect page granted to another domain: BLKIF_RSP_ERROR" \
	"indirect past the end: BLKIF_RSP_ERROR" \
	"indirect segment's grant another domain's: BLKIF_RSP_ERROR" \
	"indirect segment last_sect 8: BLKIF_RSP_ERROR" \
	"ring-page-order 5: backend refuses \(Closing\)" "5 queues: backend refuses \(Closing\)" \
	"0 queues: backend refuses \(Closing\)" "queue count not a number: backend refuses \(Closing\)" \
	"2 queues without queue-<i>/ nodes: backend refuses \(Closing\)" \
	"write barrier \(not offered\): BLKIF_RSP_EOPNOTSUPP" "a good read still works after them all" \
	"req_prod 1000 past the responses: backend disconnects \(Closing\)" "and answered nothing" \
	"backend follows to Closed" "ring shared with req_prod 1000" \
	"req_prod impossible at connection: backend disconnects \(Closing\)" \
	"connected again" "a good read works on the new ring" \
	"backend follows to Closing" "read after Closing: no answer" "backend Closed"; do
	expect_match "hostile: $c" "PASS $c\$" "$log"
done
expect_match "blkhostile verdict" 'blkhostile: PASS, 0 failures' "$log"
echo "$log" | grep FAIL | head -10

# The hostile disk's backend: each refusal named, the process still up.
hlog=$TMP/bb.$hostile.log
for why in "grant refused: ref 4294967295, status -3" "grant refused: ref [0-9]+, status -8" \
	"past the end of the disk" "bad segment count" "bad segment sectors" \
	"flush with segments" "operation not supported" "bad indirect operation" \
	"grant refused: indirect page ref 4294967295, status -3"; do
	expect_log "hostile backend logged: refused: $why" "$hlog" "refused: $why"
done
expect_log "hostile backend logged the runaway index" "$hlog" \
	"ring indices are impossible \(queue 0: req_prod [0-9]+, req_cons [0-9]+\); disconnecting"
expect_log "and the index published before it connected" "$hlog" \
	"ring indices are impossible \(queue 0: req_prod 1000, req_cons 0\); disconnecting"
expect_log "hostile backend logged the ring order refused" "$hlog" \
	"frontend refused: ring-page-order exceeds max-ring-page-order \(ring-page-order 5"
expect_log "and the queue counts" "$hlog" \
	"frontend refused: multi-queue-num-queues is 0 or exceeds multi-queue-max-queues \(ring-page-order 0, queues 5\)"
expect_log "and the queue count that is no number" "$hlog" \
	"frontend's ring-page-order, multi-queue-num-queues or protocol bad"
expect_log "and the queues' missing nodes, named" "$hlog" "frontend's queue-0/ring-ref missing or bad"
expect_eq "the same hostile backend connected the device again after each (only the device was disconnected)" \
	3 "$(grep -c 'connected: ring-ref' "$hlog")"
expect_log "and ran until its domain stopped" "$hlog" "domain $hostile stopped"

check "diskcheck stopped" wait_for 120 stopped "$good"
expect_match "diskcheck exit code 0" '^shutdown_code: 0$' "$(CTL info "$good")"
glog=$(grep "d$good: " "$TMP/hv.log")
for c in "connect" "write pattern" "flush" "every sector verifies" "discarded range reads zero" \
	"close"; do
	expect_match "good disk: $c" "PASS $c\$" "$glog"
done

CTL destroy "$hostile"
CTL destroy "$good"
check "both backends exit when their domains are destroyed" \
	wait_for 10 eval 'gone $HOSTBB && gone $GOODBB'
wait "$HOSTBB"
expect_eq "hostile backend exit status 0" 0 "$?"
wait "$GOODBB"
expect_eq "good backend exit status 0" 0 "$?"
expect_log "hostile backend counted each refusal by reason" "$hlog" \
	"stopped: 33 requests, 27 refused or failed; 5 bad segment count, 4 bad segment sectors, 5 past the end of the disk, 1 flush with segments, 2 operation not supported, 1 bad indirect operation, 9 grant refused; 2 ring errors"
expect_log "good backend counted no refusal" "$TMP/bb.$good.log" \
	'stopped: [0-9]+ requests, 0 refused or failed; 0 ring errors'
expect_eq "good backend logged no refusal" 0 "$(grep -c refused: "$TMP/bb.$good.log")"
finish
