#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Live migration (docs/save-migrate.md): two toolstacks (ketch-hv,
# ketch-xenstored, ketchd), each in a network namespace of its own joined
# by a veth pair.  The ticker guest (control=1, 96 MiB of its memory
# written) survives a target holding another key (refused, nothing
# created), a target killed in the middle and a link cut in the middle,
# ticking on the source each time; then it moves: pre-copy rounds, the
# suspend, the last pages and the state, and it ticks on in the target
# with no tick lost or repeated across both consoles, the source's domain
# gone only once the target runs it.  Meanwhile the source's ketchd
# answers everyone else.
. "$(dirname "$0")/lib.sh"

toolstack_paths
NSA=kmig-a-$$
NSB=kmig-b-$$
VA=kma$$
VB=kmb$$
IPA=10.231.$(($$ % 200)).1
IPB=10.231.$(($$ % 200)).2
TO=15 # ketchd's --migrate-timeout: a silent peer has failed after this

ip netns add "$NSA" && ip netns add "$NSB" || { bad "cannot make network namespaces"; finish; }
on_exit "ip netns del $NSA"
on_exit "ip netns del $NSB"
ip link add "$VA" type veth peer name "$VB" &&
	ip link set "$VA" netns "$NSA" && ip link set "$VB" netns "$NSB" &&
	ip -n "$NSA" addr add "$IPA/24" dev "$VA" && ip -n "$NSB" addr add "$IPB/24" dev "$VB" &&
	ip -n "$NSA" link set "$VA" up && ip -n "$NSB" link set "$VB" up &&
	ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up ||
	{ bad "cannot join the namespaces"; finish; }

# up SECONDS COMMAND...: true once COMMAND succeeds, within SECONDS (unscaled:
# a daemon's start costs the same in the emulated VM)
up() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do timeout 5 "${@:2}" && return 0; sleep 0.1; done
	return 1
}
# side NAME NS KETCHD-ARGS...: a toolstack in NS, its files in $TMP/NAME
side() {
	local n=$1 ns=$2 d=$TMP/$1
	shift 2
	mkdir -p "$d/logs" "$d/run"
	ip netns exec "$ns" "$BIN/ketch-hv" --socket "$d/hv.sock" 2>"$d/hv.log" &
	on_exit "kill -9 $!"
	up 60 test -S "$d/hv.sock" || { echo "$n: no ketch-hv"; return 1; }
	ip netns exec "$ns" "$BIN/ketch-xenstored" --socket "$d/xs.sock" \
		--hv-socket "$d/hv.sock" 2>"$d/xs.log" &
	on_exit "kill -9 $!"
	up 60 test -S "$d/xs.sock" || { echo "$n: no ketch-xenstored"; return 1; }
	ip netns exec "$ns" "$BIN/ketchd" --socket "$d/run/ketchd.sock" --hv-socket "$d/hv.sock" \
		--xenstore "$d/xs.sock" --log-dir "$d/logs" --migrate-timeout "$TO" "$@" \
		2>>"$d/kd.log" &
	eval "KD_$n=$!"
	on_exit "kill -TERM $!"
	up 60 "$BIN/ketch" --socket "$d/run/ketchd.sock" list >/dev/null 2>&1 ||
		{ echo "$n: ketchd does not answer"; ps -eo pid,stat,etime,args >"$TMP/ps.txt"; return 1; }
}
KA() { "$BIN/ketch" --socket "$TMP/a/run/ketchd.sock" "$@"; }
KB() { "$BIN/ketch" --socket "$TMP/b/run/ketchd.sock" "$@"; }
KC() { "$BIN/ketch" --socket "$TMP/c/run/ketchd.sock" "$@"; }
count() { "$BIN/ketchctl-hv" --socket "$TMP/$1/hv.sock" list | tail -n +2 | wc -l; }
on() { "$BIN/ketch" --socket "$TMP/$1/run/ketchd.sock" list --json | python3 -c 'import json,sys
print(next((str(d["domid"]) for d in json.load(sys.stdin) if d["name"]==sys.argv[1]), ""))' "$2"; }
# Ticks of the ticker on both consoles in order: the source's, then the target's.
all_ticks() {
	cat "$TMP/a/logs/console-tick.log" "$TMP/b/logs/console-tick.log" 2>/dev/null |
		grep -oE 'tick [0-9]+' | awk '{print $2}'
}
ticks_a() { grep -oE 'tick [0-9]+' "$TMP/a/logs/console-tick.log" | awk '{print $2}'; }
all_gaps() { all_ticks | awk 'NR > 1 && $1 != prev + 1 { print "after " prev ": " $1 } { prev = $1 }'; }
a_ticks_past() { [ "$(ticks_a | tail -n 1)" -ge "$1" ] 2>/dev/null; }
b_ticks_past() { [ "$(all_ticks | tail -n 1)" -ge "$1" ] 2>/dev/null; }

head -c 32 /dev/urandom | base64 >key
head -c 32 /dev/urandom | base64 >other.key
for s in a b c d; do
	show_on_failure "$TMP/$s/kd.log" "$TMP/$s/hv.log"
done
show_on_failure "$TMP/a/logs/console-tick.log" "$TMP/b/logs/console-tick.log" "$TMP/ps.txt"
check "source toolstack in $NSA" side a "$NSA" --migrate-key "$PWD/key"
check "target toolstack in $NSB" side b "$NSB" --migrate-listen "$IPB:8002" \
	--migrate-key "$PWD/key"
check "a second target, holding another key" side c "$NSB" --migrate-listen "$IPB:8003" \
	--migrate-key "$PWD/other.key"
cd "$TMP" || exit 1
cp "$GUESTS/ticker" "$TMP/ticker"
cat >tick.json <<JSON
{ "name": "tick", "kernel": "$TMP/ticker", "memory": 128,
  "cmdline": "ticks=1000000 spin=0 sleep=100 control=1 fill=96" }
JSON
check "create the ticker on the source" quiet KA create tick.json
D1=$(on a tick)
U1=$(KA info tick --json | jget domain.uuid)
check "it ticks" wait_for 30 a_ticks_past 3

# --- a target with another key: refused, nothing created ---------------------
out=$(KA migrate tick "$IPB:8003" 2>&1)
rc=$?
expect_eq "another key: migrate fails" 1 "$rc"
expect_match "and says why" "authentication failed" "$out"
expect_log "the target says so" "$TMP/c/kd.log" "authentication failed: wrong key"
expect_eq "nothing was created there" 0 "$(count c)"
expect_eq "the ticker is still on the source" "$D1" "$(on a tick)"
now=$(ticks_a | tail -n 1)
check "and ticks on" wait_for 10 a_ticks_past $((now + 2))
# A stranger that does not speak the protocol is turned away too.
ip netns exec "$NSA" python3 -c 'import socket,sys
s = socket.create_connection((sys.argv[1], 8002), 5); s.sendall(b"GET / HTTP/1.0\r\n\r\n" * 8)
s.settimeout(5)
try: s.recv(100)
except Exception: pass' "$IPB"
expect_log "a stranger is refused" "$TMP/b/kd.log" "migration from .* failed: .*(not a Ketch|frame)"
expect_eq "and nothing created" 0 "$(count b)"

# --- the target killed in the middle: the source keeps it --------------------
check "a third target, with the key" side d "$NSB" --migrate-listen "$IPB:8004" \
	--migrate-key "$PWD/key"
KA migrate tick "$IPB:8004" >kill.out 2>&1 &
MPID=$!
check "a migration reaches the target" wait_for 5 grep -q "authenticated" "$TMP/d/kd.log"
quick=$((500 * T_SCALE))
t0=$(date +%s%N)
out=$(KA list 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "the source answers list meanwhile (${ms} ms < ${quick})" 1 "$((ms < quick))"
kill -9 "$KD_d"
wait "$MPID"
expect_eq "killed target: migrate fails" 1 "$?"
expect_match "and says why" "migrat|peer|target" "$(cat kill.out)"
expect_eq "the ticker is still on the source" "$D1" "$(on a tick)"
now=$(ticks_a | tail -n 1)
check "and ticks on" wait_for 10 a_ticks_past $((now + 2))
expect_eq "no tick lost or repeated" "" "$(all_gaps)"

# --- the link cut in the middle ------------------------------------------------
KA migrate tick "$IPB" >cut.out 2>&1 &
MPID=$!
check "a migration reaches the target" wait_for 5 grep -q "authenticated" "$TMP/b/kd.log"
ip -n "$NSA" link set "$VA" down
wait "$MPID"
expect_eq "cut link: migrate fails" 1 "$?"
expect_match "and says why" "stall|timed out|peer|target" "$(cat cut.out)"
ip -n "$NSA" link set "$VA" up
expect_eq "the ticker is still on the source" "$D1" "$(on a tick)"
now=$(ticks_a | tail -n 1)
check "and ticks on" wait_for 10 a_ticks_past $((now + 2))
check "the target gave up and holds nothing" wait_for $((2 * TO)) test "$(count b)" = 0
expect_eq "no tick lost or repeated" "" "$(all_gaps)"

# --- the move ---------------------------------------------------------------------
before=$(ticks_a | tail -n 1)
out=$(KA migrate tick "$IPB:8002" 2>&1)
expect_eq "migrate exits 0" 0 "$?"
expect_match "it reports rounds, pages and downtime" \
	"^Migrated tick to $IPB:8002 \(domain [0-9]+ there\): [0-9]+ rounds, [0-9]+ pages, [0-9.]+ MiB in [0-9.]+ s \([0-9.]+ MiB/s\); downtime [0-9.]+ s" "$out"
echo "  $out"
check "the source's domain is gone" test -z "$(on a tick)"
check "from its ketch-hv too" wait_for 10 test "$(count a)" = 0
D2=$(on b tick)
check "the target runs it" test -n "$D2"
expect_eq "with the same uuid" "$U1" "$(KB info tick --json | jget domain.uuid)"
check "the guest resumed there" wait_for 10 grep -q "^ticker $D2 resumed" "$TMP/b/logs/console-tick.log"
check "and ticks on" wait_for 10 b_ticks_past $((before + 3))
expect_eq "no tick lost or repeated across the move" "" "$(all_gaps)"
check "its memory came along (the fill is intact)" grep -q "ticker $D1 filled 96 MiB" "$TMP/a/logs/console-tick.log"
expect_log "the target logged the build and the run" "$TMP/b/kd.log" "d$D2 runs"
finish
