#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Frontends across save and restore (docs/save-migrate.md): real ketch-hv,
# ketch-xenstored and ketchd, and the diskcheck guest on a disk from its
# config (suspend=1).  It writes half a checksummed pattern and flushes,
# then honours control/shutdown = suspend.  `ketch save` destroys it;
# `ketch restore` makes a new domain (another domain id, a new
# ketch-blkback) in which the guest's suspend returns 0, blkfront_resume
# connects to the new backend, and the guest writes the other half and
# reads the whole range back.  The host finds the whole pattern in the
# image.  A checkpoint (save -c) goes on in the same domain (its suspend
# returns 1); restored under a new name once the original is gone, the
# checkpoint resumes from the middle again.  The netecho guest (control=1)
# on a vif in a network namespace made here echoes UDP before a save and,
# restored, after it: netfront_resume connected it to the new
# ketch-netback, whose TAP joined the bridge.
. "$(dirname "$0")/lib.sh"
in_netns ketch-net66 "$0" "$@"

toolstack_paths
DEVID=51712 BASE=64 COUNT=2048 SEED=5
show_on_failure "$TMP/hv.log" "$TMP/kd.log" "$LOGS/console-dsk.log" "$LOGS/console-ck.log" \
	"$LOGS/console-ck2.log" "$LOGS/console-n1.log"
be_gone() { xs_missing "/local/domain/0/backend/vbd/$1/$DEVID"; }
# cfg NAME: diskcheck with suspend=1 on disk.img
cfg() {
	printf '{"name":"%s","kernel":"diskcheck","memory":32,"on_poweroff":"preserve",
	 "cmdline":"suspend=1 seed=%s base=%s count=%s timeout_s=%s",
	 "disks":[{"target":"disk.img","format":"raw","vdev":"xvda","access":"rw"}]}\n' \
		"$1" $SEED $BASE $COUNT $((30 * T_SCALE)) >"$1.json"
}

ip link set lo up
start_toolstack --create-bridge
cp "$GUESTS/diskcheck" "$GUESTS/netecho" .
truncate -s 16M disk.img
printf 'KETCH-HOST-MARK' | dd of=disk.img bs=512 seek=7 conv=notrunc status=none
diskcheck_pattern $BASE $COUNT $SEED >"$TMP/expected"
HALF=$((COUNT / 2 / 8 * 8))

# --- save: the first half on disk, the domain and its backend gone -----------
cfg dsk
check "create the disk checker" quiet K create dsk.json
D1=$(domid_of dsk)
check "it wrote the first half and waits" wait_for 60 console_has dsk "waiting for the suspend request"
out=$(K save dsk dsk.save 2>&1)
expect_eq "save exits 0" 0 "$?"
check "the guest suspended" console_has dsk "^diskcheck: suspending"
check "the domain is gone" test -z "$(domid_of dsk)"
check "its backend's directory is gone" wait_for 10 be_gone "$D1"
expect_eq "the first half is in the image" 0 "$(bad_sectors disk.img $BASE $HALF)"
expect_eq "the second half is not yet" "$((COUNT - HALF))" "$(bad_sectors disk.img $((BASE + HALF)) $((COUNT - HALF)))"

# --- restore: a new domain, a new backend, the same blkfront -----------------
out=$(K restore dsk.save 2>&1)
expect_eq "restore exits 0" 0 "$?"
D2=$(domid_of dsk)
check "in a new domain" test -n "$D2" -a "$D2" != "$D1"
check "its suspend returned 0 there" wait_for 30 console_has dsk "suspend returned 0 in domain $D2\$"
check "the checker finished" wait_for 90 console_has dsk "diskcheck: (PASS|FAIL)"
passed dsk "blkfront_resume" "write the second half" "flush the second half" \
	"read pattern back" "every sector verifies" "close"
check "its verdict: PASS" console_has dsk "diskcheck: PASS, 0 failures"
expect_eq "the new backend served the new domain's frontend" "$D2" \
	"$(xenstore-read "/local/domain/0/backend/vbd/$D2/$DEVID/frontend-id")"
# blkfront asks for 2 queues; ketchd's backends offer the host's CPUs (at most 4).
NQ=$(($(nproc) < 2 ? 1 : 2))
expect_log "blkfront_resume published its $NQ queues to the new backend" "$TMP/kd.log" \
	"ketch-blkback d$D2/$DEVID: connected: .*; $NQ queues"
expect_eq "the whole pattern is in the image" 0 "$(bad_sectors disk.img $BASE $COUNT)"
expect_eq "the host's marker is intact" KETCH-HOST-MARK \
	"$(dd if=disk.img bs=512 skip=7 count=1 status=none | head -c 15)"
check "destroy it" quiet K destroy dsk

# --- a checkpoint: the same domain goes on; then restored elsewhere ----------
dd if=/dev/zero of=disk.img bs=512 seek=$BASE count=$COUNT conv=notrunc status=none
cfg ck
check "create a second checker" quiet K create ck.json
D3=$(domid_of ck)
check "it waits for the suspend" wait_for 60 console_has ck "waiting for the suspend request"
out=$(K save -c ck ck.save 2>&1)
expect_eq "save -c exits 0" 0 "$?"
check "its suspend returned 1 (cancelled) in the same domain" \
	wait_for 30 console_has ck "suspend returned 1 in domain $D3\$"
check "it finished" wait_for 90 console_has ck "diskcheck: (PASS|FAIL)"
passed ck "suspend cancelled" "write the second half" "every sector verifies"
check "its verdict: PASS" console_has ck "diskcheck: PASS, 0 failures"
check "destroy it (the image is writable by one domain at a time)" quiet K destroy ck
dd if=/dev/zero of=disk.img bs=512 seek=$((BASE + HALF)) count=$((COUNT - HALF)) conv=notrunc status=none
out=$(K restore ck.save ck2 2>&1)
expect_eq "the checkpoint restores under a new name" 0 "$?"
D4=$(domid_of ck2)
check "ck2 resumed in its own domain" wait_for 30 console_has ck2 "suspend returned 0 in domain $D4\$"
check "ck2 finished" wait_for 90 console_has ck2 "diskcheck: (PASS|FAIL)"
passed ck2 "blkfront_resume" "write the second half" "every sector verifies"
check "ck2's verdict: PASS" console_has ck2 "diskcheck: PASS, 0 failures"
expect_eq "the whole pattern is in the image again" 0 "$(bad_sectors disk.img $BASE $COUNT)"
K destroy ck2 >/dev/null 2>&1

# --- a vif: netfront carried across save and restore ------------------------
BR=ketchbr0 HOST_IP=10.0.0.1 GUEST_IP=10.0.0.2 MAC=00:16:3e:00:06:06
in_bridge() { ip -d link show "$1" 2>/dev/null | grep -q "master $BR"; }
no_link() { ! ip link show "$1" >/dev/null 2>&1; }
printf '{"name":"n1","kernel":"netecho","memory":32,"on_poweroff":"preserve",
 "cmdline":"ip=%s/24 gw=%s control=1 timeout_s=%s run_s=%s",
 "vifs":[{"mac":"%s","bridge":"%s"}]}\n' $GUEST_IP $HOST_IP $((30 * T_SCALE)) $((200 * T_SCALE)) \
	$MAC $BR >n1.json
check "create the echo guest with a vif" quiet K create n1.json
N1=$(domid_of n1)
ip addr add "$HOST_IP/24" dev "$BR"
check "it is ready" wait_for 60 console_has n1 "netecho: ready vif 0 mac $MAC ip $GUEST_IP"
expect_eq "UDP is echoed before the save" same "$(netecho_udp 'before the save')"
out=$(K save n1 n1.save 2>&1)
expect_eq "save exits 0" 0 "$?"
check "its TAP is gone with the domain" wait_for 10 no_link "vif$N1.0"
out=$(K restore n1.save 2>&1)
expect_eq "restore exits 0" 0 "$?"
N2=$(domid_of n1)
check "its suspend returned 0 in the new domain" \
	wait_for 30 console_has n1 "suspend returned 0 in domain $N2\$"
check "netfront_resume connected the vif again" wait_for 30 console_has n1 "PASS netfront_resume\$"
check "the new TAP is a port of the bridge" wait_for 10 in_bridge "vif$N2.0"
expect_eq "UDP is echoed after the restore" same "$(netecho_udp 'after the restore')"
# Its "bye" may be lost as it closes the vif at once: its verdict says it
# got the quit.
netecho_udp quit >/dev/null
check "the echo guest stopped on quit, verdict PASS" wait_for 30 console_has n1 "netecho: PASS, 0 failures"
check "its netfront counted the reconnect" console_has n1 "netfront vif 0 .* reconnects 1\$"

finish
