#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Disk images other than raw, through ketchd's qemu-storage-daemon and
# ketch-blkback's NBD path: `ketch image info` and `ketch image clone`; the
# diskcheck guest on a qcow2 clone of a qcow2 base (format detected), the
# base untouched by the clone's writes; the NBD server killed in the
# middle of a write burst (ketchd restarts the pair, the guest reconnects);
# every sector read back after a re-create; a writable image never shared
# (ketchd's lock, and QEMU's own lock held by the daemon), nor a base
# written while a clone of it is in use; a read-only disk
# from an xl config with format=qcow2; vmdk, vdi, vhd and vhdx disks
# written and read back; formats refused by name (raw asked of a qcow2
# file, qcow2 of a raw one, a backing file without a recorded format, a
# VMDK descriptor); a clone hot-attached and detached.
. "$(dirname "$0")/lib.sh"

toolstack_paths
hv_state() { HVCTL info "$1" 2>/dev/null | sed -n 's/^state: //p'; }
stopped() { [ "$(hv_state "$1")" = shutdown ] || [ "$(hv_state "$1")" = crashed ]; }
bb_pid() { K block-list "$1" --json | jget "disks.$2.backend_pid"; }
be_state_is() { [ "$(xenstore-read "/local/domain/0/backend/vbd/$1/$2/state" 2>/dev/null)" = "$3" ]; }
qsd_of() { pgrep -P "$1" -x qemu-storage-da; } # comm is cut at 15 bytes

BASE=64 COUNT=3584 SEED=23
# bad_sectors IMAGE FORMAT COUNT: sectors of the pattern the image lacks
bad_sectors() {
	qemu-img convert -U -f "$2" -O raw "$1" "$TMP/view.raw" || { echo convert-failed; return; }
	dd if="$TMP/view.raw" bs=512 skip=$BASE count="$3" status=none |
		cmp -l <(diskcheck_pattern $BASE "$3" $SEED) - | awk '($1 - 1) % 512 < 504 { n++ } END { print n + 0 }'
}
marker() { qemu-img convert -U -f "$2" -O raw "$1" "$TMP/m.raw" &&
	dd if="$TMP/m.raw" bs=512 skip=7 count=1 status=none | head -c 15; }
dump() {
	echo "--- ketchd:"; tail -40 "$TMP/kd.log"
	for f in "$LOGS"/console-*.log; do [ -e "$f" ] && { echo "--- $f:"; tail -12 "$f"; }; done
}
cfg() { # NAME CMDLINE TARGET [FORMAT-KEY]: a JSON config for diskcheck
	printf '{"name":"%s","kernel":"diskcheck","memory":32,"on_poweroff":"preserve","cmdline":"%s",
	 "disks":[{"target":"%s",%s"vdev":"xvda"}]}\n' "$1" "$2" "$3" "${4:+\"format\":\"$4\",}"
}

start_hv "$HV_SOCK"
start_xenstored "$XS_SOCK" "$HV_SOCK"
KD_STOP=TERM
check "ketchd serves its socket" start_ketchd --log-dir "$LOGS"
cd "$TMP"
cp "$GUESTS/diskcheck" "$TMP/"
CMD="seed=$SEED base=$BASE count=$COUNT timeout_s=$((30 * T_SCALE))"

# --- ketch image: info and clone -------------------------------------------------
truncate -s 16M seed.raw
printf 'KETCH-HOST-MARK' | dd of=seed.raw bs=512 seek=7 conv=notrunc status=none
check "a qcow2 base from a raw file" qemu-img convert -q -f raw -O qcow2 seed.raw base.qcow2
info=$(K image info base.qcow2)
expect_match "image info: format" '^format: qcow2$' "$info"
expect_match "image info: virtual size" '^virtual size: 16777216$' "$info"
check "image clone" K image clone base.qcow2 clone.qcow2
info=$(K image info clone.qcow2)
expect_match "the clone is qcow2" '^format: qcow2$' "$info"
expect_match "its backing chain is the base, absolute" "^  $TMP/base.qcow2 \(qcow2\)$" "$info"
expect_eq "--json: the chain's format" qcow2 "$(K image info clone.qcow2 --json | jget backing_chain.0.format)"
out=$(K image clone base.qcow2 clone.qcow2 2>&1)
expect_eq "a clone over an existing file: exit 1" 1 "$?"
expect_match "and why" 'clone.qcow2 already exists; not overwritten' "$out"
BASE_SUM=$(sha256sum <base.qcow2)

# --- refused by name ----------------------------------------------------------------
reject_disks "raw asked of a qcow2 file" '{"target":"clone.qcow2","vdev":"xvda","format":"raw"}' \
	'clone.qcow2 holds a qcow2 image, not raw; a raw view would give the guest the container'
reject_disks "qcow2 asked of a raw file" '{"target":"seed.raw","vdev":"xvda","format":"qcow2"}' \
	'seed.raw holds a raw image, not qcow2$'
qemu-img create -q -f qcow2 -b "$TMP/seed.raw" -F raw nofmt.qcow2
# Drop the backing format extension (its type made an unknown one, which
# QEMU skips): QEMU would now guess the backing file's format.
python3 -c 'import sys
f = open(sys.argv[1], "r+b"); h = f.read(65536); i = h.find(bytes.fromhex("e2792aca"))
f.seek(i); f.write(bytes.fromhex("0000ab01"))' nofmt.qcow2
reject_disks "a backing file without a recorded format" '{"target":"nofmt.qcow2","vdev":"xvda"}' \
	'nofmt.qcow2: the qcow2 backing file has no recorded format'
expect_match "image info says the same" 'no recorded format' "$(K image info nofmt.qcow2 2>&1)"
printf '# Disk DescriptorFile\nRW 32768 FLAT "seed.raw" 0\n' >desc.vmdk
reject_disks "a VMDK descriptor" '{"target":"desc.vmdk","vdev":"xvda"}' \
	'desc.vmdk holds a vmdk descriptor image, which is not served \(it names other files'
# -u: qemu-img itself would not open the descriptor (nor its extent).
qemu-img create -q -f qcow2 -u -b "$TMP/desc.vmdk" -F vmdk ondesc.qcow2 16M
reject_disks "a backing file that is a VMDK descriptor" '{"target":"ondesc.qcow2","vdev":"xvda"}' \
	"backing file $TMP/desc.vmdk holds a vmdk descriptor image, not vmdk"
expect_eq "nothing was created" "" "$(HVCTL list | tail -n +2)"

# --- a guest on the clone; the NBD server killed mid-burst --------------------------
cfg alpha "$CMD gap_ms=300" clone.qcow2 >alpha.json
check "create on the clone (format detected)" quiet K create -p alpha.json
A=$(domid_of alpha)
out=$(cfg rival "$CMD" clone.qcow2 | K create - 2>&1)
expect_eq "a second writer of the clone: exit 5" 5 "$?"
expect_match "and why" 'clone.qcow2 is in use \(locked\) by another domain or program' "$out"
out=$(cfg basewriter "$CMD" base.qcow2 | K create - 2>&1)
expect_eq "a writer of the base under a clone in use: exit 5" 5 "$?"
expect_match "and why" 'base.qcow2 is in use \(locked\) by another domain or program' "$out"
P=$(bb_pid alpha 0)
expect_eq "block-list --json: the detected format" qcow2 "$(K block-list alpha --json | jget disks.0.format)"
check "ketch-blkback runs a qemu-storage-daemon" quiet wait_for 20 qsd_of "$P"
check "the daemon's socket is private (0700 directory)" \
	test "$(stat -c %a "$TMP/run/ketchd-nbd")" = 700
out=$(qemu-img info clone.qcow2 2>&1)
expect_match "QEMU's own lock is held by the daemon" 'Failed to get shared "write" lock' "$out"
check "unpause" K unpause alpha
if ! wait_for 60 console_has alpha 'diskcheck: writing'; then
	bad "the write burst began"; dump; finish
fi
ok "the write burst began"
Q=$(qsd_of "$(bb_pid alpha 0)")
console_has alpha 'PASS write pattern' && bad "the burst ended before the kill (the kill proves nothing)"
kill -9 "$Q"
expect_log "ketch-blkback leaves when its NBD server dies" "$TMP/kd.log" \
	"ketch-blkback d$A/51712: the NBD server's connection broke"
expect_log "and ketchd restarts it" "$TMP/kd.log" \
	"d$A: vbd xvda \(51712\): ketch-blkback exited with status 1 .*restarting it"
check "diskcheck finished" wait_for 120 stopped "$A"
log=$(cat "$LOGS/console-alpha.log")
expect_match "blkfront reconnected" 'blkfront device/vbd/51712: reconnected' "$log"
for c in "host's marker read" "write pattern" "flush" "every sector verifies" "discard"; do
	expect_match "guest: $c" "PASS $c\$" "$log"
done
expect_match "diskcheck verdict" 'diskcheck: PASS, 0 failures' "$log"
expect_eq "restarts counted" 1 "$(K block-list alpha --json | jget disks.0.restarts)"
LAST=$(bb_pid alpha 0)
check "destroy" K destroy alpha
[ "$LAST" = 0 ] || check "its backend exits" wait_for 10 gone "$LAST"
check "no qemu-storage-daemon is left" wait_for 10 bash -c '! pgrep -x qemu-storage-da >/dev/null'
expect_eq "the clone holds the pattern" 0 "$(bad_sectors clone.qcow2 qcow2 $COUNT)"
expect_eq "and the base's marker, read through it" KETCH-HOST-MARK "$(marker clone.qcow2 qcow2)"
expect_eq "the base is untouched" "$BASE_SUM" "$(sha256sum <base.qcow2)"

# --- again: every sector there; read-only from an xl config --------------------------
cfg alpha "$CMD verify=1" clone.qcow2 >alpha2.json
SEEN=$(wc -l <"$LOGS/console-alpha.log")
check "re-create on the clone" quiet K create alpha2.json
A=$(domid_of alpha)
check "the re-created diskcheck finished" wait_for 120 stopped "$A"
log=$(tail -n +$((SEEN + 1)) "$LOGS/console-alpha.log")
expect_match "every sector verifies after a re-create" 'PASS every sector verifies$' "$log"
expect_match "the second run's verdict" 'diskcheck: PASS, 0 failures' "$log"
K destroy alpha
diskcheck_xl beta "$CMD verify=1 ro=1" 'format=qcow2, vdev=xvda, access=ro, target=clone.qcow2' >beta.cfg
check "xl config: a read-only qcow2 disk" quiet K create beta.cfg
B=$(domid_of beta)
check "the reader finished" wait_for 120 stopped "$B"
log=$(cat "$LOGS/console-beta.log")
expect_match "read-only: every sector verifies" 'PASS every sector verifies$' "$log"
expect_match "read-only: writes refused" 'PASS write refused: BLKIF_RSP_ERROR$' "$log"
expect_match "read-only: verdict" 'diskcheck: PASS, 0 failures' "$log"
K destroy beta

# --- vmdk, vdi, vhd, vhdx: written and read back, four domains at once --------------
N=1024
for f in vmdk vdi vhdx vpc; do
	qemu-img convert -q -f raw -O $f seed.raw "disk.$f"
	cfg "f-$f" "seed=$SEED base=$BASE count=$N timeout_s=$((30 * T_SCALE))" "disk.$f" >"f-$f.json"
	check "$f: create (format detected)" quiet K create "f-$f.json"
done
for f in vmdk vdi vhdx vpc; do
	D=$(domid_of "f-$f")
	check "$f: diskcheck finished" wait_for 180 stopped "$D"
	expect_match "$f: verdict" 'diskcheck: PASS, 0 failures' "$(cat "$LOGS/console-f-$f.log")"
	K destroy "f-$f"
	expect_eq "$f: the image holds the pattern" 0 "$(bad_sectors "disk.$f" $f $N)"
done

# --- hotplug: a clone attached to a running domain, then detached ------------------
check "a second clone" K image clone base.qcow2 clone2.qcow2
cp "$GUESTS/shutdown_watch" "$TMP/"
echo '{"name":"hp","kernel":"shutdown_watch","memory":16}' >hp.json
check "a domain without disks" quiet K create hp.json
H=$(domid_of hp)
if K block-attach hp 'vdev=xvdb, target=clone2.qcow2'; then
	ok "block-attach of a qcow2 clone (format detected)"
	check "its backend waits for a frontend (InitWait)" wait_for 20 be_state_is "$H" 51728 2
	HP=$(bb_pid hp 0)
	check "with a qemu-storage-daemon of its own" wait_for 20 qsd_of "$HP"
	HQ=$(qsd_of "$HP")
	check "block-detach" K block-detach hp xvdb
	check "its backend exits" wait_for 10 gone "$HP"
	check "and its daemon" wait_for 10 gone "$HQ"
	check "and the socket file" test ! -e "$TMP/run/ketchd-nbd/d$H-51728.sock"
else
	bad "block-attach of a qcow2 clone (format detected)"
fi
K destroy hp

kill "$KD_PID"
check "ketchd stops" wait_for 10 gone "$KD_PID"
check "no ketch-blkback is left" wait_for 10 bash -c '! pgrep -x ketch-blkback >/dev/null'
check "no qemu-storage-daemon is left" wait_for 10 bash -c '! pgrep -x qemu-storage-da >/dev/null'
[ "$T_FAIL" -eq 0 ] || dump
finish
