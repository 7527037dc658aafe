#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# A snapshot's disk is the disk at the snapshot's instant
# (docs/save-migrate.md, "Snapshots"): real ketch-hv, ketch-xenstored and
# ketchd, and the diskcheck guest (suspend=1) on a raw disk.  It writes
# half a checksummed pattern, flushes, and honours control/shutdown =
# suspend.  `ketch snapshot` writes the file and moves the running domain
# onto a qcow2 overlay on the raw image: the guest's suspend returns 1,
# its blkfront reconnects to the overlay's new backend, and it writes the
# other half and reads all of it back.  The raw image (the snapshot's
# disk) holds the first half only; the overlay's view holds it all.  A
# clone of the snapshot resumes from the middle in its own domain on its
# own overlay, writes the second half there and verifies the whole range;
# the raw image still holds only the first half.
. "$(dirname "$0")/lib.sh"

toolstack_paths
BASE=64 COUNT=2048 SEED=9
show_on_failure "$TMP/hv.log" "$TMP/kd.log" "$LOGS/console-dsk.log" "$LOGS/console-cl.log"
# as_raw QCOW2: what a guest reads through QCOW2's chain, as the raw file QCOW2.raw
as_raw() { qemu-img convert -U -f qcow2 -O raw "$1" "$1.raw"; }

start_toolstack
cp "$GUESTS/diskcheck" .
truncate -s 16M disk.img
printf 'KETCH-HOST-MARK' | dd of=disk.img bs=512 seek=7 conv=notrunc status=none
diskcheck_pattern $BASE $COUNT $SEED >"$TMP/expected"
HALF=$((COUNT / 2 / 8 * 8))
printf '{"name":"dsk","kernel":"diskcheck","memory":32,"on_poweroff":"preserve",
 "cmdline":"suspend=1 seed=%s base=%s count=%s timeout_s=%s",
 "disks":[{"target":"%s/disk.img","format":"raw","vdev":"xvda","access":"rw"}]}\n' \
	$SEED $BASE $COUNT $((30 * T_SCALE)) "$TMP" >dsk.json

# --- the snapshot: the guest goes on in the overlay ----------------------------
check "create the disk checker" quiet K create dsk.json
D1=$(domid_of dsk)
check "it wrote the first half and waits" wait_for 60 console_has dsk "waiting for the suspend request"
out=$(K snapshot dsk snap.save 2>&1)
expect_eq "snapshot exits 0" 0 "$?"
expect_match "the domain goes on in an overlay" "the domain goes on in $TMP/disk.snap.qcow2" "$out"
check "its suspend returned 1 (cancelled) in the same domain" \
	wait_for 30 console_has dsk "suspend returned 1 in domain $D1\$"
check "it finished" wait_for 90 console_has dsk "diskcheck: (PASS|FAIL)"
passed dsk "suspend cancelled" "write the second half" "flush the second half" \
	"read pattern back" "every sector verifies"
check "its verdict: PASS" console_has dsk "diskcheck: PASS, 0 failures"
expect_eq "the snapshot's image holds the first half" 0 "$(bad_sectors disk.img $BASE $HALF)"
expect_eq "and not the second, written after the snapshot" "$((COUNT - HALF))" \
	"$(bad_sectors disk.img $((BASE + HALF)) $((COUNT - HALF)))"
check "the overlay reads as a raw disk" as_raw disk.snap.qcow2
expect_eq "the overlay's view holds the whole pattern" 0 "$(bad_sectors disk.snap.qcow2.raw $BASE $COUNT)"

# --- a clone of the snapshot: from the middle, on its own overlay ---------------
out=$(K clone snap.save cl 2>&1)
expect_eq "clone exits 0" 0 "$?"
D2=$(domid_of cl)
check "the clone's suspend returned 0 in its own domain" \
	wait_for 30 console_has cl "suspend returned 0 in domain $D2\$"
check "the clone finished" wait_for 90 console_has cl "diskcheck: (PASS|FAIL)"
passed cl "blkfront_resume" "write the second half" "every sector verifies"
check "the clone's verdict: PASS" console_has cl "diskcheck: PASS, 0 failures"
expect_eq "it wrote its own overlay" "$TMP/disk.cl.qcow2" "$(K block-list cl --json | jget disks.0.target)"
check "which reads as a raw disk" as_raw disk.cl.qcow2
expect_eq "holding the whole pattern" 0 "$(bad_sectors disk.cl.qcow2.raw $BASE $COUNT)"
expect_eq "the snapshot's image still holds only the first half" "$((COUNT - HALF))" \
	"$(bad_sectors disk.img $((BASE + HALF)) $((COUNT - HALF)))"
expect_eq "and the host's marker" KETCH-HOST-MARK \
	"$(dd if=disk.img bs=512 skip=7 count=1 status=none | head -c 15)"
finish
