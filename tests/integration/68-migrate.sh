#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Live migration (docs/save-migrate.md): two toolstacks (ketch-hv,
# ketch-xenstored, ketchd), each in a network namespace of its own joined
# by a veth pair, both listening for migrations with the same key.  The
# ticker guest (control=1, 96 MiB of its memory written, 4 MiB/s of it
# rewritten as it runs) is refused by a target holding another key
# (nothing created there) and ticks on; then it moves from a to b:
# pre-copy rounds from the dirty log, the suspend, the last pages and the
# state, and it ticks on in b with no tick lost or repeated across both
# consoles and all its memory intact, a's domain gone only once b runs
# it.  A clone (its memory copy-on-write from an image) moves with every
# page intact.  The disk checker, counting on its console with half its
# pattern written and flushed, moves too and counts on with no gap
# (--json: progress events, then the reply) and finishes its pattern on
# b, where the image verifies.  Moving the ticker back: a target holding
# its name or its uuid refuses it before a page is sent; a target whose
# ketchd is stuck when it should build makes b give up after its timeout
# and resume the guest; the link cut in the middle and then a's ketchd
# killed in the middle each leave it ticking on b.  Meanwhile the sending
# ketchd answers everyone else.
. "$(dirname "$0")/lib.sh"

toolstack_paths
. "$(dirname "$0")/lib_migrate.sh"
TO=15 # ketchd's --migrate-timeout: a silent peer has failed after this

check "make two network namespaces joined by a veth pair" mig_netns || finish
side() { mig_side "$@" --migrate-timeout "$TO" || { ps -eo pid,stat,etime,args >"$TMP/ps.txt"; false; }; }
KA() { "$BIN/ketch" --socket "$TMP/a/run/ketchd.sock" "$@"; }
KB() { "$BIN/ketch" --socket "$TMP/b/run/ketchd.sock" "$@"; }
KC() { "$BIN/ketch" --socket "$TMP/c/run/ketchd.sock" "$@"; }
count() { "$BIN/ketchctl-hv" --socket "$TMP/$1/hv.sock" list | tail -n +2 | wc -l; }
holds_none() { [ "$(count "$1")" = 0 ]; }
conns() { grep -c "migration: connection from" "$TMP/$1/kd.log"; }
# SIDE N: wait (10 ms steps, so a fast migration is still caught early)
# until SIDE's ketchd has taken more than N migration connections
accepted() {
	local i
	for ((i = 0; i < 12000; i++)); do [ "$(conns "$1")" -gt "$2" ] && return 0; sleep 0.01; done
	return 1
}
running() { kill -0 "$1" 2>/dev/null; }
on() { mig_on "$@"; }

# Ticks of the ticker on both consoles in order: a's, then b's.
all_ticks() {
	cat "$TMP/a/logs/console-tick.log" "$TMP/b/logs/console-tick.log" 2>/dev/null |
		grep -oE 'tick [0-9]+' | awk '{print $2}'
}
all_gaps() { all_ticks | seq_gaps; }
last_on() { grep -oE 'tick [0-9]+' "$TMP/$1/logs/console-tick.log" 2>/dev/null | tail -n 1 | awk '{print $2}'; }
past() { [ "$(last_on "$1")" -ge "$2" ] 2>/dev/null; }
ticks_on() { # SIDE DESCRIPTION: the ticker goes on at SIDE
	local now
	now=$(last_on "$1")
	check "$2" up 120 past "$1" $((now + 2))
}

cd "$TMP" || exit 1
head -c 32 /dev/urandom | base64 >"$TMP/key"
head -c 32 /dev/urandom | base64 >"$TMP/other.key"
for s in a b c; do
	show_on_failure "$TMP/$s/kd.log" "$TMP/$s/hv.log"
done
show_on_failure "$TMP/a/logs/console-tick.log" "$TMP/b/logs/console-tick.log" "$TMP/ps.txt"
check "toolstack a in $NSA" side a "$NSA" --migrate-listen "$IPA:8002" --migrate-key "$TMP/key"
check "toolstack b in $NSB" side b "$NSB" --migrate-listen "$IPB:8002" --migrate-key "$TMP/key"
check "toolstack c in $NSB, holding another key" side c "$NSB" --migrate-listen "$IPB:8003" \
	--migrate-key "$TMP/other.key"
cp "$GUESTS/ticker" "$TMP/ticker"
cat >tick.json <<JSON
{ "name": "tick", "kernel": "$TMP/ticker", "memory": 128,
  "cmdline": "ticks=1000000 spin=0 sleep=100 control=1 fill=96 dirty=4" }
JSON
check "create the ticker on a" quiet KA create tick.json
D1=$(on a tick)
U1=$(KA info tick --json | jget domain.uuid)
check "it ticks" up 120 past a 3

# --- a target with another key: refused, nothing created ---------------------
out=$(KA migrate tick "$IPB:8003" 2>&1)
expect_eq "another key: migrate fails" 1 "$?"
expect_match "and says why" "authentication failed" "$out"
expect_log "the target says so" "$TMP/c/kd.log" "authentication failed: wrong key"
expect_eq "nothing was created there" 0 "$(count c)"
expect_eq "the ticker is still on a" "$D1" "$(on a tick)"
ticks_on a "and ticks on"
# A stranger that does not speak the protocol is turned away too.
ip netns exec "$NSA" python3 -c 'import socket,sys
s = socket.create_connection((sys.argv[1], 8002), 5); s.sendall(b"GET / HTTP/1.0\r\n\r\n" * 8)
s.settimeout(5)
try: s.recv(100)
except Exception: pass' "$IPB"
expect_log "a stranger is refused" "$TMP/b/kd.log" "migration from .* failed: .*(not a Ketch|frame)"
expect_eq "and nothing created" 0 "$(count b)"

# --- the move -------------------------------------------------------------------
before=$(last_on a)
out=$(KA migrate tick "$IPB:8002" 2>&1)
expect_eq "migrate exits 0" 0 "$?"
expect_match "it reports rounds, pages and downtime" \
	"^Migrated tick to $IPB:8002 \(domain [0-9]+ there\): [0-9]+ rounds, [0-9]+ pages, [0-9.]+ MiB in [0-9.]+ s \([0-9.]+ MiB/s\); downtime [0-9.]+ s" "$out"
echo "  $out"
check "a's domain is gone" test -z "$(on a tick)"
check "from a's ketch-hv too" up 30 holds_none a
D2=$(on b tick)
check "b runs it" test -n "$D2"
expect_eq "with the same uuid" "$U1" "$(KB info tick --json | jget domain.uuid)"
check "the guest resumed there" up 60 grep -q "^ticker $D2 resumed" "$TMP/b/logs/console-tick.log"
check "with every page it wrote intact" up 60 grep -q "^ticker $D2 fill intact (24576 pages)" \
	"$TMP/b/logs/console-tick.log"
expect_log "round 1 looked only at the pages the guest wrote meanwhile" "$TMP/a/kd.log" \
	"d$D1 \(tick\): migration round 1: [0-9]+ pages sent of [0-9]+ the guest wrote"
check "and ticks on" up 120 past b $((before + 3))
expect_eq "no tick lost or repeated across the move" "" "$(all_gaps)"
expect_log "b logged the build and the run" "$TMP/b/kd.log" "d$D2 runs"

# --- a clone: its memory copy-on-write from an image, shared before the rounds -
printf '{"name":"cl","kernel":"%s","memory":32,"cmdline":"fill=8 ticks=1000000 spin=0 sleep=100 control=1"}\n' \
	"$TMP/ticker" >cl.json
show_on_failure "$TMP/a/logs/console-cl1.log" "$TMP/b/logs/console-cl1.log"
check "create a small ticker on a" quiet KA create cl.json
filled() { grep -q "filled 8 MiB" "$TMP/a/logs/console-cl.log" 2>/dev/null; }
check "it filled 8 MiB" up 120 filled
check "save it" quiet KA save cl cl.save
check "clone it on a" quiet KA clone cl.save cl1
intact() { grep -qE "^ticker [0-9]+ fill intact \(2048 pages\)" "$TMP/$1/logs/console-cl1.log" 2>/dev/null; }
check "the clone runs on a with its pages intact" up 60 intact a
check "migrate the clone to b" quiet KA migrate cl1 "$IPB"
check "b runs it" test -n "$(on b cl1)"
check "every page it filled arrived: they read back as written" up 60 intact b
KB destroy cl1 >/dev/null 2>&1

# --- the disk checker: half its pattern on disk, the rest written on b ---------
BASE=64 COUNT=2048 SEED=9
truncate -s 16M disk.img
printf 'KETCH-HOST-MARK' | dd of=disk.img bs=512 seek=7 conv=notrunc status=none
diskcheck_pattern $BASE $COUNT $SEED >"$TMP/expected"
HALF=$((COUNT / 2 / 8 * 8))
cp "$GUESTS/diskcheck" "$TMP/diskcheck"
printf '{"name":"dsk","kernel":"%s","memory":32,"on_poweroff":"preserve",
 "cmdline":"suspend=1 reread=1 ticks=1 seed=%s base=%s count=%s timeout_s=%s",
 "disks":[{"target":"%s","format":"raw","vdev":"xvda","access":"rw"}]}\n' \
	"$TMP/diskcheck" $SEED $BASE $COUNT $((30 * T_SCALE)) "$TMP/disk.img" >dsk.json
show_on_failure "$TMP/a/logs/console-dsk.log" "$TMP/b/logs/console-dsk.log"
check "create the disk checker on a" quiet KA create dsk.json
waits() { grep -q "waiting for the suspend request" "$TMP/a/logs/console-dsk.log"; }
check "it wrote and flushed the first half, and waits" up 120 waits
KA migrate --json dsk "$IPB" >dsk.out 2>&1
expect_eq "migrate --json exits 0" 0 "$?"
expect_eq "its progress events come first, one line each" "migrate" \
	"$(head -n 1 dsk.out | jget op)"
expect_match "they say the round" '"round": *0' "$(head -n 1 dsk.out)"
expect_match "the reply last, with the downtime" '"downtime_seconds"' "$(tail -n 1 dsk.out)"
D3=$(on b dsk)
check "b runs the disk checker" test -n "$D3"
resumed() { grep -q "suspend returned 0 in domain $D3\$" "$TMP/b/logs/console-dsk.log"; }
check "its suspend returned 0 there" up 60 resumed
finished() { grep -qE "diskcheck: (PASS|FAIL)" "$TMP/b/logs/console-dsk.log"; }
check "it finished its pattern on b" up 120 finished
expect_log "what blkback read into its memory during the rounds arrived intact" \
	"$TMP/b/logs/console-dsk.log" "PASS what was read before the suspend verifies"
expect_log "its verdict: PASS" "$TMP/b/logs/console-dsk.log" "diskcheck: PASS, 0 failures"
dsk_ticks() {
	cat "$TMP/a/logs/console-dsk.log" "$TMP/b/logs/console-dsk.log" 2>/dev/null |
		grep -oE 'diskcheck: tick [0-9]+' | awk '{print $3}'
}
check "it counted on a" test "$(grep -c 'diskcheck: tick' "$TMP/a/logs/console-dsk.log")" -gt 0
check "and on b after the move" test "$(grep -c 'diskcheck: tick' "$TMP/b/logs/console-dsk.log")" -ge 5
expect_eq "it counted from 1" 1 "$(dsk_ticks | head -n 1)"
expect_eq "with no count lost or repeated across the move" "" "$(dsk_ticks | seq_gaps)"
expect_eq "the whole pattern is in the image" 0 "$(bad_sectors disk.img $BASE $COUNT)"
KB destroy dsk >/dev/null 2>&1

# --- the name or the uuid held on the target: refused before a page is sent ----
suspends() { grep -c "asked to suspend" "$TMP/b/kd.log"; }
refused_early() { # WHAT CONFIG PATTERN: a paused domain on a holds tick's WHAT
	local n out rc
	check "a paused domain on a holding tick's $1" quiet KA create -p "$2"
	n=$(suspends)
	out=$(KB migrate tick "$IPA" 2>&1)
	rc=$?
	expect_eq "its $1 taken: migrate fails" 1 "$rc"
	expect_match "and says why" "$3" "$out"
	expect_eq "before the guest was asked to suspend" "$n" "$(suspends)"
	expect_log "a refused it" "$TMP/a/kd.log" "refused: $3"
	expect_eq "the ticker is still on b" "$D2" "$(on b tick)"
	quiet KA destroy "$(jget name <"$2")"
}
printf '{"name":"tick","kernel":"%s","memory":32,"cmdline":"ticks=1"}\n' "$TMP/ticker" >holder.json
printf '{"name":"twin","uuid":"%s","kernel":"%s","memory":32,"cmdline":"ticks=1"}\n' \
	"$U1" "$TMP/ticker" >twin.json
refused_early name holder.json 'name: a domain named "tick" already exists on the target'
refused_early uuid twin.json "uuid: $U1 is already domain [0-9]+'s on the target"
ticks_on b "and ticks on"

# --- a's ketchd stuck when it should build: b gives up and resumes its guest ---
# a's ketchd is stopped once it gave the receiver the memory image: the
# pages and the state still go, and its receiver keeps the link alive,
# but nothing can be built.  b must not wait on those keepalives for ever.
auths() { grep -c "authenticated;" "$TMP/a/kd.log"; }
cancels() { grep -c "^ticker $D2 suspend cancelled" "$TMP/b/logs/console-tick.log"; }
n=$(auths) c=$(cancels)
took() { # 10 ms steps: stopped long before the pages are all sent
	local i
	for ((i = 0; i < 12000; i++)); do [ "$(auths)" -gt "$n" ] && return 0; sleep 0.01; done
	return 1
}
more_cancels() { [ "$(cancels)" -gt "$c" ]; }
KB migrate tick "$IPA" >stall.out 2>&1 &
MPID=$!
check "a took the domain" took
kill -STOP "$KD_a"
wait "$MPID"
rc=$?
kill -CONT "$KD_a"
expect_eq "a stuck target: migrate fails" 1 "$rc"
expect_match "and says why" "did not build the domain within $TO s" "$(cat stall.out)"
expect_log "b suspended the guest first" "$TMP/b/kd.log" "asked to suspend for the last"
check "and its suspend was cancelled: it goes on there" up 60 more_cancels
expect_eq "the ticker is still on b" "$D2" "$(on b tick)"
ticks_on b "and ticks on"
check "a destroyed what it built late" up $((3 * TO)) holds_none a
expect_eq "no tick lost or repeated" "" "$(all_gaps)"

# --- back to a, the link cut in the middle: it stays on b ----------------------
# a's ketchd is stopped as soon as it takes the connection: its receiver
# child goes on taking pages, but nothing can be built there, so the
# migration is still under way when the link goes down, however fast.
n=$(conns a)
KB migrate tick "$IPA" >cut.out 2>&1 &
MPID=$!
check "a migration back reaches a" accepted a "$n"
kill -STOP "$KD_a"
sleep 1
check "it is under way when the link goes down" running "$MPID"
ip -n "$NSA" link set "$VA" down
wait "$MPID"
expect_eq "cut link: migrate fails" 1 "$?"
expect_match "and says why" "stall|timed out|peer|target" "$(cat cut.out)"
ip -n "$NSA" link set "$VA" up
kill -CONT "$KD_a"
expect_eq "the ticker is still on b" "$D2" "$(on b tick)"
ticks_on b "and ticks on"
check "a gave up and holds nothing" up $((3 * TO)) holds_none a
expect_eq "no tick lost or repeated" "" "$(all_gaps)"

# --- back to a, a's ketchd killed in the middle: it stays on b -----------------
n=$(conns a)
KB migrate tick "$IPA" >kill.out 2>&1 &
MPID=$!
check "a migration back reaches a" accepted a "$n"
kill -STOP "$KD_a"
t0=$(date +%s%N)
out=$(KB list 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
quick=$((500 * T_SCALE))
expect_eq "b answers list meanwhile (${ms} ms < ${quick})" 1 "$((ms < quick))"
sleep 1
check "it is under way when a's ketchd is killed" running "$MPID"
kill -9 "$KD_a"
wait "$MPID"
expect_eq "killed target: migrate fails" 1 "$?"
expect_match "and says why" "peer|target|stall|closed" "$(cat kill.out)"
expect_eq "the ticker is still on b" "$D2" "$(on b tick)"
ticks_on b "and ticks on"
expect_eq "no tick lost or repeated" "" "$(all_gaps)"
finish
