#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Snapshot and clone (docs/save-migrate.md): real ketch-hv, ketch-xenstored
# and ketchd.  A ticker guest (control=1) with a qcow2 disk and a vif is
# snapshotted: it suspends, the file is written, its suspend is cancelled
# and it goes on counting with no tick lost or repeated, its disk now on
# an overlay whose backing file is the old image (the snapshot's disk).
# clone -n 3 starts three domains from the snapshot, each with its own
# name, uuid, MAC and overlay, each counting on from the snapshot point.
# Hostile inputs (missing or corrupt file, bad -n, a name or overlay
# taken) are refused by name and create nothing.  Last, the snapshot is
# restored under a new name and goes on from the snapshot point.
. "$(dirname "$0")/lib.sh"
in_netns ketch-snap65 "$0" "$@"

toolstack_paths
# the last tick NAME printed before it suspended
tick_at_suspend() { awk '/tick [0-9]+$/ { t = $NF } / suspending$/ { print t; exit }' "$LOGS/console-$1.log"; }
# the first tick NAME printed after it resumed in a new domain
tick_after_resume() { awk '/ resumed$/ { r = 1; next } r && /tick [0-9]+$/ { print $NF; exit }' "$LOGS/console-$1.log"; }
uuid_of() { K info "$1" --json | jget domain.uuid; }
mac_of() { K info "$1" --json | jget domain.config.vifs.0.mac; }
disk_of() { K block-list "$1" --json | jget "disks.0.$2"; }
backing_of() { qemu-img info -U --output=json "$1" | jget backing-filename; }
overlays() { ls "$TMP"/base.*.qcow2 2>/dev/null | sort | tr '\n' ' '; }

ip link set lo up
start_hv "$HV_SOCK"
start_xenstored "$XS_SOCK" "$HV_SOCK"
show_on_failure "$TMP/hv.log" "$TMP/xs.log" "$TMP/kd.log" "$LOGS/console-tick.log" "$LOGS/console-c-1.log"
KD_STOP=TERM # at exit: it destroys its domains and stops their backends
check "ketchd serves its socket" start_ketchd --log-dir "$LOGS"
cd "$TMP"
cp "$GUESTS/ticker" "$TMP/ticker"
check "a qcow2 image for the disk" quiet qemu-img create -q -f qcow2 base.qcow2 16M
cat >tick.json <<JSON
{ "name": "tick", "kernel": "ticker", "memory": 16,
  "cmdline": "ticks=1000000 spin=0 sleep=100 control=1",
  "disks": [ { "target": "$TMP/base.qcow2", "vdev": "xvda" } ], "vifs": [ {} ] }
JSON
check "create the ticker" quiet K create tick.json
D1=$(domid_of tick)
U1=$(uuid_of tick)
M1=$(mac_of tick)
check "it ticks" wait_for 10 at_least tick 3
check "its disk has a backend" wait_for 10 test "$(disk_of tick backend_pid)" -gt 0
P1=$(disk_of tick backend_pid)

# --- snapshot: the same domain goes on, its disk on an overlay ---------------
out=$(K snapshot tick snap1.save 2>&1)
expect_eq "snapshot exits 0" 0 "$?"
expect_match "it says pages and speed" "/snap1.save: [0-9]+ pages, [0-9.]+ MiB in [0-9.]+ s" "$out"
expect_match "and where the disk went" "xvda: snapshot $TMP/base.qcow2; the domain goes on in $TMP/base.snap1.qcow2" "$out"
check "the file is complete" test -s snap1.save -a ! -e snap1.save.part
check "the guest suspended" console_has tick "^ticker $D1 suspending"
check "its suspend was cancelled (it returned 1)" wait_for 10 console_has tick "^ticker $D1 suspend cancelled"
expect_eq "still the same domain" "$D1" "$(domid_of tick)"
S=$(tick_at_suspend tick)
check "it ticks on past the snapshot" wait_for 10 at_least tick $((S + 3))
expect_eq "no tick lost or repeated" "" "$(gaps tick)"
expect_eq "its disk is now the overlay" "$TMP/base.snap1.qcow2 qcow2" "$(disk_of tick target) $(disk_of tick format)"
expect_eq "whose backing file is the old image" "$TMP/base.qcow2" "$(backing_of base.snap1.qcow2)"
check "served by a new backend" wait_for 10 test "$(disk_of tick backend_pid)" -gt 0 -a "$(disk_of tick backend_pid)" != "$P1"
expect_eq "the config names the overlay" "$TMP/base.snap1.qcow2" "$(K info tick --json | jget domain.config.disks.0.target)"

n=$(hv_count)
out=$(K restore snap1.save snap 2>&1)
expect_eq "the snapshot cannot run beside it on the same image: exit 5" 5 "$?"
expect_match "and says why" "in use \(locked\)" "$out"
check "nothing created" test "$(hv_count)" = "$n" -a -z "$(domid_of snap)"

: >base.snap1.snap2.qcow2
out=$(K snapshot tick snap2.save 2>&1)
expect_eq "a snapshot whose overlay exists: exit 5" 5 "$?"
expect_match "says which" "base.snap1.snap2.qcow2 already exists" "$out"
check "no file written, the overlay untouched" test ! -e snap2.save -a ! -s base.snap1.snap2.qcow2
expect_eq "the guest was not asked to suspend" 1 "$(grep -c 'suspending' "$LOGS/console-tick.log")"
rm -f base.snap1.snap2.qcow2
out=$(K snapshot nosuch x.save 2>&1)
expect_eq "snapshot of an unknown domain: exit 4" 4 "$?"

# --- clone -n 3: three domains from the snapshot -----------------------------
t0=$(date +%s%N)
out=$(K clone -n 3 snap1.save c 2>&1)
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
echo "# clone -n 3 took $ms ms"
expect_eq "clone -n 3 exits 0" 0 "$rc"
expect_match "it names c-1" "^Cloned domain c-1 \(id [0-9]+" "$out"
for c in c-1 c-2 c-3; do
	D=$(domid_of "$c")
	check "$c exists" test -n "$D"
	check "$c resumed from the snapshot" wait_for 10 console_has "$c" "^ticker $D resumed"
	expect_eq "$c counts on from the snapshot point" "$((S + 1))" "$(tick_after_resume "$c")"
	check "$c ticks" wait_for 10 at_least "$c" $((S + 3))
	expect_eq "$c: no tick lost or repeated" "" "$(gaps "$c")"
	expect_eq "$c writes its own overlay" "$TMP/base.$c.qcow2" "$(disk_of "$c" target)"
	expect_eq "$c's overlay reads the snapshot's image" "$TMP/base.qcow2" "$(backing_of "base.$c.qcow2")"
done
expect_eq "four distinct uuids" 4 "$(for n in tick c-1 c-2 c-3; do uuid_of $n; done | sort -u | wc -l)"
expect_eq "four distinct MACs" 4 "$(for n in tick c-1 c-2 c-3; do mac_of $n; done | sort -u | wc -l)"
check "the original's uuid and MAC are its own" test "$(uuid_of tick)" = "$U1" -a "$(mac_of tick)" = "$M1"
check "the original ticks on" wait_for 10 at_least tick $(($(last_tick tick) + 2))

# --- hostile clones: refused by name, nothing created ---------------------------
size=$(stat -c %s snap1.save)
cp snap1.save flip.save
printf '\x5a' | dd of=flip.save bs=1 seek=$((size / 2)) conv=notrunc status=none
n=$(hv_count)
before=$(overlays)
refuse() { # DESCRIPTION EXIT REGEX ARGS...
	local d=$1 want=$2 re=$3 out rc
	shift 3
	out=$(K clone "$@" 2>&1); rc=$?
	expect_eq "$d: exit $want" "$want" "$rc"
	expect_match "$d: says why" "$re" "$out"
	check "$d: no domain created" test "$(hv_count)" = "$n"
	expect_eq "$d: no overlay made" "$before" "$(overlays)"
}
refuse "a missing file" 5 "cannot open" missing.save x
refuse "a corrupted file" 5 "checksum mismatch" flip.save x
refuse "not a save file" 5 "not a Ketch save file" tick.json x
refuse "-n 0" 2 "a number from 1 to 64" -n 0 snap1.save x
refuse "-n 65" 2 "a number from 1 to 64" -n 65 snap1.save x
refuse "-n abc" 2 "a number from 1 to 64" -n abc snap1.save x
refuse "a name taken by one of them" 5 'a domain named "c-1" already exists' -n 2 snap1.save c
refuse "a name too long" 5 "longer than 63" -n 2 snap1.save "$(printf 'n%.0s' {1..62})"
: >"$TMP/base.x-2.qcow2"
before=$(overlays)
refuse "an overlay that exists" 5 "base.x-2.qcow2 already exists" -n 2 snap1.save x
check "and that file is untouched" test ! -s "$TMP/base.x-2.qcow2"

# --- the snapshot restored: it goes on from the snapshot point -------------------
for c in tick c-1 c-2 c-3; do check "destroy $c" quiet K destroy "$c"; done
out=$(K restore snap1.save snap 2>&1)
expect_eq "the snapshot restores under a new name" 0 "$?"
D5=$(domid_of snap)
check "snap resumed" wait_for 10 console_has snap "^ticker $D5 resumed"
expect_eq "from the snapshot point" "$((S + 1))" "$(tick_after_resume snap)"
check "and ticks" wait_for 10 at_least snap $((S + 3))
expect_eq "snap: no tick lost or repeated" "" "$(gaps snap)"
expect_eq "on the snapshot's image" "$TMP/base.qcow2" "$(disk_of snap target)"
check "destroy snap" quiet K destroy snap
# --- clones share memory: mapped copy-on-write from one image -----------------
# A ticker that filled FILL MiB (a pattern in every page) is saved; four
# clones of it cost the host about one copy of those pages (the image
# they share) and what each writes since, not four copies.  Each clone
# reads every filled page back after its resume; a clone saved (its
# pages shared into its memfd first) restores with them intact too.
FILL=24
printf '{"name":"fat","kernel":"%s","memory":64,"cmdline":"fill=%s ticks=1000000 spin=0 sleep=100 control=1"}\n' \
	"$GUESTS/ticker" "$FILL" >"$TMP/fat.json"
check "fat: created" quiet K create "$TMP/fat.json"
check "fat: filled $FILL MiB" wait_for 60 console_has fat "^ticker [0-9]+ filled $FILL MiB"
check "fat: saved" quiet K save fat "$TMP/fat.save"
host_kib() { awk '$1 == "Shmem:" || $1 == "AnonPages:" { s += $2 } END { print s }' /proc/meminfo; }
sync
m0=$(host_kib)
check "clone -n 4 of fat" quiet K clone -n 4 "$TMP/fat.save" f
for c in f-1 f-2 f-3 f-4; do
	check "$c: every filled page reads back as written" \
		wait_for 60 console_has "$c" "^ticker [0-9]+ fill intact \(6144 pages\)"
done
m1=$(host_kib)
echo "# four clones of a ticker that filled $FILL MiB: the host's memory grew $(((m1 - m0) / 1024)) MiB"
check "four clones cost the host less than two copies of that memory" \
	test $((m1 - m0)) -lt $((2 * FILL * 1024))
check "a clone saved" quiet K save f-1 "$TMP/f1.save"
check "and restored" quiet K restore "$TMP/f1.save" f1r
check "f1r: its filled pages are intact" \
	wait_for 60 console_has f1r "^ticker [0-9]+ fill intact \(6144 pages\)"
expect_eq "no clone's memory broken" 0 "$(cat "$LOGS"/console-f*.log | grep -c 'fill broken')"
for c in f-2 f-3 f-4 f1r; do check "destroy $c" quiet K destroy "$c"; done
finish
