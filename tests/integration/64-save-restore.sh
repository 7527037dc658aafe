#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Save and restore (docs/save-migrate.md): real ketch-hv, ketch-xenstored
# and ketchd.  The ticker guest (control=1: it honours control/shutdown)
# is saved (it suspends, the file is written, the domain destroyed) and
# restored: a new domain that goes on counting from where it was, no tick
# repeated or restarted, same name and uuid.  save -c: the suspend is
# cancelled and the same domain goes on; that checkpoint restored under a
# new name runs beside it with a new uuid.  Truncated, corrupted,
# future-version and foreign files are refused by name with nothing
# created; a guest that ignores the suspend makes save time out and keeps
# running, and while its save waits ketchd answers everyone else.
. "$(dirname "$0")/lib.sh"

toolstack_paths
uuid_of() { K info "$1" --json | jget domain.uuid; }

start_hv "$HV_SOCK"
start_xenstored "$XS_SOCK" "$HV_SOCK"
show_on_failure "$TMP/hv.log" "$TMP/xs.log" "$TMP/kd.log" "$LOGS/console-tick.log" "$LOGS/console-tock.log"
check "ketchd serves its socket" start_ketchd --log-dir "$LOGS"
cd "$TMP"
cp "$GUESTS/ticker" "$TMP/ticker"
cat >tick.json <<JSON
{ "name": "tick", "kernel": "ticker", "memory": 16,
  "cmdline": "ticks=1000000 spin=0 sleep=100 control=1" }
JSON
check "create the ticker" quiet K create tick.json
D1=$(domid_of tick)
U1=$(uuid_of tick)
check "it ticks" wait_for 10 at_least tick 3

# --- save: suspended, written, destroyed ------------------------------------
out=$(K save tick tick.save 2>&1)
expect_eq "save exits 0" 0 "$?"
expect_match "save says pages and speed" "/tick.save: [0-9]+ pages, [0-9.]+ MiB in [0-9.]+ s \([0-9.]+ MiB/s\)" "$out"
check "the guest suspended itself" console_has tick "^ticker $D1 suspending"
check "the domain is gone from ketchd" test -z "$(domid_of tick)"
check "and from ketch-hv" wait_for 10 test "$(hv_count)" = 0
check "the file is complete (no .part left)" test -s tick.save -a ! -e tick.save.part
saved=$(last_tick tick)
sleep "$T_SCALE"
expect_eq "no tick while saved" "$saved" "$(last_tick tick)"

# --- restore: the same guest goes on -------------------------------------------
out=$(K restore tick.save 2>&1)
expect_eq "restore exits 0" 0 "$?"
expect_match "restore names the domain" "^Restored domain tick \(id [0-9]+\)" "$out"
D2=$(domid_of tick)
check "in a new domain" test -n "$D2" -a "$D2" != "$D1"
expect_eq "with the saved uuid" "$U1" "$(uuid_of tick)"
check "the guest resumed there (its suspend returned 0)" wait_for 10 console_has tick "^ticker $D2 resumed"
check "and ticks on" wait_for 10 at_least tick $((saved + 3))
expect_eq "no tick repeated or restarted" "" "$(gaps tick)"
expect_eq "xenstore has its name" tick "$(xenstore-read /local/domain/$D2/name)"

# --- save -c: a checkpoint; the suspend is cancelled ---------------------------
before=$(last_tick tick)
out=$(K save -c tick ck.save 2>&1)
expect_eq "save -c exits 0" 0 "$?"
check "the same domain's suspend was cancelled (it returned 1)" \
	wait_for 10 console_has tick "^ticker $D2 suspend cancelled"
expect_eq "still the same domain" "$D2" "$(domid_of tick)"
check "it ticks on" wait_for 10 at_least tick $((before + 3))
expect_eq "no tick repeated" "" "$(gaps tick)"

# --- the checkpoint restored under a new name, beside the original ------------
out=$(K restore ck.save tock 2>&1)
expect_eq "restore under a new name exits 0" 0 "$?"
D3=$(domid_of tock)
check "tock runs beside tick" test -n "$D3" -a -n "$(domid_of tick)"
check "with a uuid of its own" test "$(uuid_of tock)" != "$U1"
check "tock resumed" wait_for 10 console_has tock "^ticker $D3 resumed"
check "and ticks" wait_for 10 at_least tock $((before + 3))
expect_eq "tock: no tick repeated" "" "$(gaps tock)"
check "destroy tock" quiet K destroy tock

# --- refused files: nothing is created ------------------------------------------
size=$(stat -c %s ck.save)
n=$(hv_count)
refuse() { # DESCRIPTION FILE REGEX
	local out rc
	out=$(K restore "$2" bad 2>&1); rc=$?
	expect_eq "$1: exit 5" 5 "$rc"
	expect_match "$1: says why" "$3" "$out"
	check "$1: no domain created" test "$(hv_count)" = "$n" -a -z "$(domid_of bad)"
}
head -c $((size / 2)) ck.save >half.save
refuse "truncated half-way" half.save "truncated"
head -c $((size - 16)) ck.save >noend.save
refuse "truncated before END" noend.save "truncated"
head -c 100 ck.save >short.save
refuse "truncated in the DOMAIN record" short.save "truncated"
cp ck.save flip.save
printf '\x5a' | dd of=flip.save bs=1 seek=$((size / 2)) conv=notrunc status=none
refuse "a corrupted byte" flip.save "checksum mismatch"
cp ck.save future.save
printf '\x02' | dd of=future.save bs=1 seek=8 conv=notrunc status=none
refuse "a future version" future.save "version 2 is newer"
refuse "not a save file" tick.json "not a Ketch save file"
refuse "a missing file" missing.save "cannot open"

# --- a guest that ignores the suspend: save times out, the guest runs on ------
cat >plain.json <<JSON
{ "name": "plain", "kernel": "ticker", "memory": 16, "cmdline": "ticks=1000000 spin=0 sleep=100" }
JSON
check "create a ticker that does not listen" quiet K create plain.json
K save -t "$((2 * T_SCALE))" plain plain.save >deaf.out 2>&1 &
SAVE_PID=$!
check "ketchd waits for the deaf guest's suspend" wait_for 5 grep -q "asked to suspend for a save to $TMP/plain.save" "$TMP/kd.log"
# Meanwhile ketchd serves everyone else: the wait is the save's, not the
# loop's.  Bound: a quarter of the save's timeout, which a loop held by the
# save would have made them wait.
quick=$((500 * T_SCALE))
t0=$(date +%s%N)
out=$(K list 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "list answers while the save waits (${ms} ms < ${quick})" 1 "$((ms < quick))"
expect_match "and shows the ticker" "tick" "$out"
t0=$(date +%s%N)
out=$(K info tick --json 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "info of another domain while the save waits (${ms} ms < ${quick})" 1 "$((ms < quick))"
out=$(K save plain other.save 2>&1)
expect_eq "a second save of the same domain is refused" "1 1" "$(($? != 0)) $(echo "$out" | grep -c 'already being saved')"
wait "$SAVE_PID"
expect_eq "save of a deaf guest: exit 7 (timeout)" 7 "$?"
out=$(cat deaf.out)
expect_match "and says why" "did not suspend within" "$out"
check "no file written" test ! -e plain.save -a ! -e plain.save.part
expect_match "the guest still runs" '^(running|blocked)$' "$(K info plain --json | jget domain.state)"
out=$(K save nosuch x.save 2>&1)
expect_eq "save of an unknown domain: exit 4" 4 "$?"

# --- progress: events while the file is written and read -----------------------
# With --json each "progress" event about the file is a line before the
# reply (the last one at 100%); on a terminal, a line on stderr.
printf '{"name":"prog","kernel":"ticker","memory":32,"cmdline":"fill=8 ticks=1000000 spin=0 sleep=100 control=1"}\n' >prog.json
check "prog: created" quiet K create prog.json
check "prog: filled" wait_for 60 console_has prog "^ticker [0-9]+ filled 8 MiB"
K --json save -c prog "$TMP/prog.save" >prog.out 2>&1
expect_eq "save -c --json exits 0" 0 "$?"
last_progress() { grep '"event":"progress"' prog.out | grep "\"op\":\"$1\"" | tail -1; }
p=$(last_progress save)
expect_match "save: a progress event names the file and the domain" \
	"\"file\":\"$TMP/prog.save\".*\"name\":\"prog\"" "$p"
expect_eq "save: the last event says 100%" "100.0 True" \
	"$(echo "$p" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["percent"], d["last"])')"
expect_eq "save: then the reply" True "$(tail -1 prog.out | jget ok)"
K --json restore "$TMP/prog.save" prog2 >prog.out 2>&1
expect_eq "restore --json exits 0" 0 "$?"
p=$(last_progress restore)
expect_eq "restore: its last event covers the whole file" "$(stat -c %s "$TMP/prog.save") True" \
	"$(echo "$p" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["done"], d["last"])')"
expect_match "restore: it names the new domain" '"name":"prog2"' "$p"
script -qec "$BIN/ketch --socket $KD_SOCK save -c prog $TMP/prog3.save" /dev/null >prog.tty 2>&1
expect_eq "save on a terminal exits 0" 0 "$?"
expect_match "a terminal sees the progress line" "save $TMP/prog3.save: 100.0% \([0-9]+ of [0-9]+ pages\), [0-9.]+ MiB/s, ETA" \
	"$(tr '\r' '\n' <prog.tty)"
K save -c prog "$TMP/prog4.save" >prog.out 2>&1
expect_eq "no terminal, no --json: the summary alone" 1 "$(wc -l <prog.out)"
check "destroy prog2" quiet K destroy prog2
check "destroy prog" quiet K destroy prog

check "destroy the rest" quiet K destroy tick
check "destroy plain" quiet K destroy plain
finish
