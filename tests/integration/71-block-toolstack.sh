#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# PV disks through the toolstack: real ketch-hv, ketch-xenstored and ketchd;
# the diskcheck guest gets its disk from a JSON config and from an xl
# config.  libxl's xenstore layout and permissions, block-list's columns,
# the pattern found in the image from the host; ketch-blkback killed with
# SIGKILL in the middle of a write burst is restarted by ketchd and the
# guest reconnects and verifies every block; destroy and re-create finds
# every block again; a writable image is never shared, read-only sharing
# works; hotplug (block-attach/-list/-detach) on a running domain (the
# guests here do not open a disk attached after boot, so it is checked on
# the xenstore and backend-process side); hostile configs and arguments.
. "$(dirname "$0")/lib.sh"

toolstack_paths
hv_state() { HVCTL info "$1" 2>/dev/null | sed -n 's/^state: //p'; }
stopped() { [ "$(hv_state "$1")" = shutdown ] || [ "$(hv_state "$1")" = crashed ]; }
be_state_is() { [ "$(xenstore-read "/local/domain/0/backend/vbd/$1/$2/state" 2>/dev/null)" = "$3" ]; }
fe_state_is() { [ "$(xenstore-read "/local/domain/$1/device/vbd/$2/state" 2>/dev/null)" = "$3" ]; }
bb_pid() { K block-list "$1" --json | jget "disks.$2.backend_pid"; }

BASE=64 COUNT=3584 SEED=11 # clear of the range diskcheck discards (3840..4351)
dump() { # what the daemons and guests said, when something failed
	echo "--- ketchd:"; tail -30 "$TMP/kd.log"
	for f in "$LOGS"/console-*.log; do [ -e "$f" ] && { echo "--- $f:"; tail -15 "$f"; }; done
	echo "--- ketch-hv:"; grep -vE 'console|^$' "$TMP/hv.log" | tail -10
}
bad_sectors() { # IMAGE: sectors whose bytes (checksums aside) differ from the pattern
	dd if="$1" bs=512 skip=$BASE count=$COUNT status=none | cmp -l "$TMP/expected" - |
		awk '($1 - 1) % 512 < 504 { n++ } END { print n + 0 }'
}

# --- daemons -----------------------------------------------------------------
start_hv "$HV_SOCK"
start_xenstored "$XS_SOCK" "$HV_SOCK"
KD_STOP=TERM # at exit: it destroys its domains and stops their backends
check "ketchd serves its socket" start_ketchd --log-dir "$LOGS"

cd "$TMP"
cp "$GUESTS/diskcheck" "$GUESTS/shutdown_watch" "$TMP/"
truncate -s 16M img1.img
printf 'KETCH-HOST-MARK' | dd of=img1.img bs=512 seek=7 conv=notrunc status=none
truncate -s 4M img2.img
diskcheck_pattern $BASE $COUNT $SEED >"$TMP/expected"
CMD="seed=$SEED base=$BASE count=$COUNT timeout_s=$((30 * T_SCALE))"
# disk_cfg NAME CMDLINE ACCESS: a JSON config for diskcheck on img1
disk_cfg() {
	printf '{"name":"%s","kernel":"diskcheck","memory":32,"on_poweroff":"preserve","cmdline":"%s",
	 "disks":[{"target":"img1.img","format":"raw","vdev":"xvda","access":"%s"}]}\n' "$1" "$2" "$3"
}

# --- hostile configs and arguments: refused by name, nothing left behind -------
printf 'QFI\373\0\0\0\3' >qcow.img && truncate -s 1M qcow.img
reject_disks "bad vdev" '{"target":"img2.img","vdev":"xvdA"}' \
	'^ketch: create: disks: disk 0: vdev is not a virtual disk name .*"xvdA"$'
reject_disks "duplicate vdev" '{"target":"img2.img","vdev":"xvdb"},{"target":"img1.img","vdev":"51728"}' \
	'disk 1: vdev 51728 is the same device as disk 0.s \(xvdb, devid 51728\)'
reject_disks "missing target" '{"vdev":"xvda"}' 'disk 0: target is required'
reject_disks "unknown format" '{"target":"img2.img","vdev":"xvda","format":"floppy"}' 'unknown format'
reject_disks "qcow2 asked of a raw file" '{"target":"img2.img","vdev":"xvda","format":"qcow2"}' \
	'img2.img holds a raw image, not qcow2$'
reject_disks "nonexistent image" '{"target":"nope.img","vdev":"xvda"}' \
	"disk 0 \(xvda\): cannot open $TMP/nope.img: No such file or directory"
reject_disks "a qcow2 file asked as raw" '{"target":"qcow.img","vdev":"xvda","format":"raw"}' \
	'qcow.img holds a qcow2 image, not raw; a raw view would give the guest the container'
reject_disks "a broken qcow2 header, detected" '{"target":"qcow.img","vdev":"xvda"}' \
	'qcow.img: the qcow2 cluster size is out of range'
reject_disks "a directory" '{"target":"/tmp","vdev":"xvda"}' 'is not a regular file or a block device'
printf 'name = "badxl"\nkernel = "diskcheck"\ndisk = [ "format=vmdk, vdev=xvda, target=img2.img" ]\n' >bad.cfg
out=$(K create bad.cfg 2>&1)
expect_eq "xl: a format xl does not know: exit 5" 5 "$?"
expect_match "xl: says which spec" 'is not a valid disk spec' "$out"
printf 'name = "badxl"\nkernel = "diskcheck"\ndisk = [ "vdev=xvda, devtype=cdrom, target=img2.img" ]\n' >bad.cfg
expect_match "xl: a CD-ROM is refused" 'CD-ROM devices are not supported yet' "$(K create bad.cfg 2>&1)"
expect_eq "nothing was created" "" "$(HVCTL list | tail -n +2)"
check "no vbd left in xenstore" xs_missing /local/domain/0/backend/vbd
K block-attach >/dev/null 2>&1
expect_eq "block-attach without operands: exit 2" 2 "$?"
K block-detach -t 0 x xvda >/dev/null 2>&1
expect_eq "block-detach -t 0: exit 2" 2 "$?"
K block-list nosuch >/dev/null 2>&1
expect_eq "block-list of an unknown domain: exit 4" 4 "$?"

# --- a disk from a JSON config; SIGKILL of its backend mid-burst ----------------
disk_cfg alpha "$CMD gap_ms=300" rw >alpha.json
out=$(K create -p alpha.json)
expect_match "create with a disk (paused)" '^Created domain alpha \(id [0-9]+\)$' "$out"
A=$(domid_of alpha)
BE=/local/domain/0/backend/vbd/$A/51712
FE=/local/domain/$A/device/vbd/51712
expect_eq "backend: frontend" "$FE" "$(xenstore-read $BE/frontend)"
expect_eq "backend: frontend-id" "$A" "$(xenstore-read $BE/frontend-id)"
expect_eq "backend: online" 1 "$(xenstore-read $BE/online)"
expect_eq "backend: params (absolute)" "$TMP/img1.img" "$(xenstore-read $BE/params)"
expect_eq "backend: mode, type, dev, device-type" "w phy xvda disk" \
	"$(xenstore-read $BE/mode) $(xenstore-read $BE/type) $(xenstore-read $BE/dev) $(xenstore-read $BE/device-type)"
expect_eq "backend: removable, bootable" "0 1" "$(xenstore-read $BE/removable) $(xenstore-read $BE/bootable)"
expect_eq "frontend: backend" "$BE" "$(xenstore-read $FE/backend)"
expect_eq "frontend: backend-id, virtual-device, device-type" "0 51712 disk" \
	"$(xenstore-read $FE/backend-id) $(xenstore-read $FE/virtual-device) $(xenstore-read $FE/device-type)"
expect_match "backend owned by dom0, readable by the guest" "^params = .*\(n0,r$A\)" "$(xenstore-ls -p $BE)"
expect_match "frontend owned by the guest, readable by dom0" "^virtual-device = .*\(n$A,r0\)" "$(xenstore-ls -p $FE)"
if ! wait_for 20 be_state_is "$A" 51712 2; then
	bad "the backend started before the guest runs (InitWait)"
	dump
	finish
fi
ok "the backend started before the guest runs (InitWait)"
list=$(K block-list alpha)
expect_eq "block-list: xl's header" "Vdev  BE  handle state evt-ch ring-ref BE-path" "$(echo "$list" | head -1 | sed 's/ *$//')"
expect_match "block-list: before the guest connects" "^51712 +0 +$A +1 +-1 +-1 +$BE *$" "$list"
out=$(disk_cfg rival "$CMD" rw | K create - 2>&1)
expect_eq "a second writer of img1: exit 5" 5 "$?"
expect_match "and why" 'img1.img is in use \(locked\) by another domain or program; a writable image is never shared' "$out"
expect_eq "the refused domain is gone" "" "$(domid_of rival)"

check "unpause" K unpause alpha
if ! wait_for 30 console_has alpha 'diskcheck: writing'; then
	bad "the write burst began"
	dump
	finish
fi
ok "the write burst began"
expect_match "block-list: connected" "^51712 +0 +$A +4 +[0-9]+ +[0-9]+ +$BE *$" "$(K block-list alpha)"
OLD=$(bb_pid alpha 0)
console_has alpha 'PASS write pattern' && bad "the burst ended before the kill (the kill proves nothing)"
kill -9 "$OLD"
expect_log "ketchd saw it die and restarts it" "$TMP/kd.log" \
	"d$A: vbd xvda \(51712\): ketch-blkback was killed by signal 9 .*restarting it in [0-9]+ ms"
new_backend() { local p; p=$(bb_pid alpha 0); [ -n "$p" ] && [ "$p" != "$OLD" ] && [ "$p" != 0 ]; }
check "a new backend runs" wait_for 20 new_backend
expect_eq "block-list counts the restart" 1 "$(K block-list alpha --json | jget disks.0.restarts)"
check "diskcheck finished" wait_for 60 stopped "$A"
expect_match "diskcheck exit code 0" '^shutdown_code: 0$' "$(HVCTL info "$A")"
log=$(cat "$LOGS/console-alpha.log")
expect_match "blkfront noticed and reconnected" 'blkfront device/vbd/51712: reconnected \(1\)' "$log"
# blkfront asks for 2 queues; ketchd's backends offer the host's CPUs (at most 4).
NQ=$(($(nproc) < 2 ? 1 : 2))
expect_eq "both backends connected its $NQ queues (the same after the restart)" 2 \
	"$(grep -cE "ketch-blkback d$A/51712: connected: .*; $NQ queues" "$TMP/kd.log")"
for c in "connect" "host's marker read" "write pattern" "flush" "every sector verifies" "discard"; do
	expect_match "guest: $c" "PASS $c\$" "$log"
done
expect_match "diskcheck verdict" 'diskcheck: PASS, 0 failures' "$log"
echo "$log" | grep -E 'FAIL|reconnect' | head -5
expect_eq "the host finds every sector of the pattern in img1" 0 "$(bad_sectors img1.img)"
expect_eq "and the host's marker" KETCH-HOST-MARK "$(dd if=img1.img bs=512 skip=7 count=1 status=none | head -c 15)"

# --- destroy, then the same disk again: every block is there ---------------------
LAST=$(bb_pid alpha 0) # 0 when it already left with the stopped guest
disk_cfg alpha "$CMD verify=1" rw >alpha2.json
check "destroy" K destroy alpha
check "its vbd nodes are removed" xs_missing "$BE"
check "and backend/vbd/<domid>" xs_missing "/local/domain/0/backend/vbd/$A"
# At once: the old backend may still hold the lock; the new disk waits for it.
SEEN=$(wc -l <"$LOGS/console-alpha.log")
check "re-create with the same image at once" quiet K create alpha2.json
[ "$LAST" = 0 ] || check "the old backend exits" wait_for 10 gone "$LAST"
A=$(domid_of alpha)
check "the re-created diskcheck finished" wait_for 60 stopped "$A"
log=$(tail -n +$((SEEN + 1)) "$LOGS/console-alpha.log")
expect_match "every block written before the flush verifies" 'PASS every sector verifies$' "$log"
expect_match "the second run's verdict" 'diskcheck: PASS, 0 failures' "$log"
expect_match "re-created: exit code 0" '^shutdown_code: 0$' "$(HVCTL info "$A")"
K destroy alpha

# --- read-only sharing: one domain from an xl config, one from JSON ---------------
diskcheck_xl beta "$CMD verify=1 ro=1" 'format=raw, vdev=xvda, access=ro, target=img1.img' >beta.cfg
check "xl config with a read-only disk" quiet K create -p beta.cfg
B=$(domid_of beta)
expect_eq "xl config: mode r" r "$(xenstore-read /local/domain/0/backend/vbd/$B/51712/mode)"
disk_cfg gamma "$CMD verify=1 ro=1" ro >gamma.json
check "a second reader of the same image" quiet K create -p gamma.json
G=$(domid_of gamma)
out=$(disk_cfg writer "$CMD" rw | K create - 2>&1)
expect_match "a writer while two read: refused" 'img1.img is in use \(locked\)' "$out"
K unpause beta && K unpause gamma
check "the xl-config reader finished" wait_for 60 stopped "$B"
check "the JSON reader finished" wait_for 60 stopped "$G"
for n in beta gamma; do
	log=$(cat "$LOGS/console-$n.log")
	expect_match "$n: read-only disk verifies" 'PASS every sector verifies$' "$log"
	expect_match "$n: writes refused" 'PASS write refused: BLKIF_RSP_ERROR$' "$log"
	expect_match "$n: verdict" 'diskcheck: PASS, 0 failures' "$log"
done
K destroy beta
K destroy gamma

# --- block-detach of a disk the guest uses: xl's order, the guest closes it -----
disk_cfg delta "$CMD verify=1 wait_detach=1" rw >delta.json
check "a guest that closes its disk when the toolstack asks" quiet K create delta.json
D=$(domid_of delta)
check "it waits for the detach" wait_for 60 console_has delta 'waiting for the toolstack to detach'
DP=$(bb_pid delta 0)
out=$(K --json block-detach -t $((6 * T_SCALE)) delta xvda)
expect_eq "block-detach: done" True "$(echo "$out" | jget ok)"
expect_eq "not forced: the guest closed the disk" False "$(echo "$out" | jget forced)"
check "its nodes are gone" xs_missing /local/domain/0/backend/vbd/$D/51712
check "its backend exits" wait_for 10 gone "$DP"
expect_log "ketchd: detached, not by force" "$TMP/kd.log" "d$D: vbd xvda \(51712\) detached$"
check "delta finished" wait_for 60 stopped "$D"
log=$(cat "$LOGS/console-delta.log")
expect_match "delta: the guest saw Closing" 'PASS backend Closing \(detach\)$' "$log"
expect_match "delta: and closed" 'PASS close$' "$log"
expect_match "delta: verdict" 'diskcheck: PASS, 0 failures' "$log"
K destroy delta

# --- hotplug on a running domain -----------------------------------------------
echo '{"name":"hp","kernel":"shutdown_watch","memory":16}' >hp.json
check "a domain without disks" quiet K create hp.json
H=$(domid_of hp)
HB=/local/domain/0/backend/vbd/$H/51728
check "block-attach" K block-attach hp 'format=raw, vdev=xvdb, access=rw, target=img2.img'
expect_eq "attached: params" "$TMP/img2.img" "$(xenstore-read $HB/params)"
expect_eq "attached: the guest's node" "$HB" "$(xenstore-read /local/domain/$H/device/vbd/51728/backend)"
check "its backend waits for a frontend (InitWait)" wait_for 20 be_state_is "$H" 51728 2
expect_match "block-list shows it" "^51728 +0 +$H +1 +-1 +-1 +$HB *$" "$(K block-list hp)"
HP_PID=$(bb_pid hp 0)
expect_eq "the config now has it" xvdb "$(K info hp --json | jget domain.config.disks.0.vdev)"
out=$(K block-attach hp 'vdev=xvdb, target=img1.img' 2>&1)
expect_eq "the same vdev again: exit 5" 5 "$?"
expect_match "and why" 'xvdb is the same device as the domain.s xvdb' "$out"
out=$(K block-attach hp 'vdev=xvdc, target=img2.img' 2>&1)
expect_match "the same image twice, writable: refused" 'img2.img is in use \(locked\)' "$out"
out=$(K block-attach hp 'vdev=xvdc' 2>&1)
expect_eq "a spec without target: exit 5" 5 "$?"
expect_match "and why (libxlutil's words)" 'not a valid disk spec: .*no target specified' "$out"
out=$(K block-detach hp xvdz 2>&1)
expect_eq "detach of a disk it lacks: exit 4" 4 "$?"
expect_match "and why" "domain $H has no disk \"xvdz\"" "$out"
check "block-detach" K block-detach hp xvdb
check "its nodes are gone" xs_missing "$HB"
check "the guest's node too" xs_missing "/local/domain/$H/device/vbd/51728"
check "its backend exits" wait_for 10 gone "$HP_PID"
expect_eq "block-list is empty" 1 "$(K block-list hp | wc -l)"
expect_eq "the config no longer has it" "" "$(K info hp --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["domain"]["config"].get("disks",""))')"
check "attach again (the lock went with the backend)" K block-attach hp 'vdev=xvdb, target=img2.img'
check "block-detach --force" K block-detach --force hp 51728
check "gone at once" xs_missing "$HB"
# A destroy with a live backend and the same image again at once (a
# reboot does this): the new disk waits for the old backend's lock.
check "attach once more" K block-attach hp 'vdev=xvdb, target=img2.img'
check "its backend waits for a frontend" wait_for 20 be_state_is "$H" 51728 2
K destroy hp
echo '{"name":"hp2","kernel":"shutdown_watch","memory":16,"disks":[{"target":"img2.img","vdev":"xvdb"}]}' >hp2.json
check "the same image in a new domain right after destroy" quiet K create hp2.json
H2=$(domid_of hp2)
check "its backend starts once the old one let go" wait_for 20 be_state_is "$H2" 51728 2
K destroy hp2

# --- stop ---------------------------------------------------------------------
kill "$KD_PID"
check "ketchd stops" wait_for 10 gone "$KD_PID"
check "no ketch-blkback is left" wait_for 10 bash -c '! pgrep -x ketch-blkback >/dev/null'
expect_eq "no vbd is left in xenstore" "" "$(xenstore-list /local/domain/0/backend/vbd 2>/dev/null)"
[ "$T_FAIL" -eq 0 ] || dump
finish
