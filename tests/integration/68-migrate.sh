#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Live migration (docs/save-migrate.md): two toolstacks (ketch-hv,
# ketch-xenstored, ketchd), each in a network namespace of its own joined
# by a veth pair, both listening for migrations with the same key.  The
# ticker guest (control=1, 96 MiB of its memory written) is refused by a
# target holding another key (nothing created there) and ticks on; then
# it moves from a to b: pre-copy rounds, the suspend, the last pages and
# the state, and it ticks on in b with no tick lost or repeated across
# both consoles, a's domain gone only once b runs it.  Moving it back,
# the link cut in the middle and then a's ketchd killed in the middle
# each leave it ticking on b.  Meanwhile the sending ketchd answers
# everyone else.
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
	for ((i = 0; i < $1 * 10; i++)); do "${@:2}" && return 0; sleep 0.1; done
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
	up 60 timeout 5 "$BIN/ketch" --socket "$d/run/ketchd.sock" list >/dev/null 2>&1 ||
		{ echo "$n: ketchd does not answer"; ps -eo pid,stat,etime,args >"$TMP/ps.txt"; return 1; }
}
KA() { "$BIN/ketch" --socket "$TMP/a/run/ketchd.sock" "$@"; }
KB() { "$BIN/ketch" --socket "$TMP/b/run/ketchd.sock" "$@"; }
KC() { "$BIN/ketch" --socket "$TMP/c/run/ketchd.sock" "$@"; }
count() { "$BIN/ketchctl-hv" --socket "$TMP/$1/hv.sock" list | tail -n +2 | wc -l; }
KD_a=
on() { "$BIN/ketch" --socket "$TMP/$1/run/ketchd.sock" list --json | python3 -c 'import json,sys
print(next((str(d["domid"]) for d in json.load(sys.stdin) if d["name"]==sys.argv[1]), ""))' "$2"; }

# Ticks of the ticker on both consoles in order: a's, then b's.
all_ticks() {
	cat "$TMP/a/logs/console-tick.log" "$TMP/b/logs/console-tick.log" 2>/dev/null |
		grep -oE 'tick [0-9]+' | awk '{print $2}'
}
all_gaps() { all_ticks | awk 'NR > 1 && $1 != prev + 1 { print "after " prev ": " $1 } { prev = $1 }'; }
last_on() { grep -oE 'tick [0-9]+' "$TMP/$1/logs/console-tick.log" 2>/dev/null | tail -n 1 | awk '{print $2}'; }
past() { [ "$(last_on "$1")" -ge "$2" ] 2>/dev/null; }
ticks_on() { # SIDE DESCRIPTION: the ticker goes on at SIDE
	local now
	now=$(last_on "$1")
	check "$2" up 120 past "$1" $((now + 2))
}

cd "$TMP" || exit 1
# KETCH_MIG_DEBUG=DIR: the daemons' logs and the processes, copied there as the script runs.
if [ -n "${KETCH_MIG_DEBUG:-}" ]; then
	mkdir -p "$KETCH_MIG_DEBUG"
	(while sleep 10; do
		for f in "$TMP"/*/kd.log "$TMP"/*/hv.log "$TMP"/*/logs/console-*.log; do
			g=${f#"$TMP"/}; cp "$f" "$KETCH_MIG_DEBUG/${g//\//_}" 2>/dev/null
		done
		ps -eo pid,ppid,stat,etime,args >"$KETCH_MIG_DEBUG/ps.txt"
	done) &
	on_exit "kill $!"
fi
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
  "cmdline": "ticks=1000000 spin=0 sleep=100 control=1 fill=96" }
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
check "from a's ketch-hv too" up 30 test "$(count a)" = 0
D2=$(on b tick)
check "b runs it" test -n "$D2"
expect_eq "with the same uuid" "$U1" "$(KB info tick --json | jget domain.uuid)"
check "the guest resumed there" up 60 grep -q "^ticker $D2 resumed" "$TMP/b/logs/console-tick.log"
check "and ticks on" up 120 past b $((before + 3))
expect_eq "no tick lost or repeated across the move" "" "$(all_gaps)"
expect_log "b logged the build and the run" "$TMP/b/kd.log" "d$D2 runs"

# --- back to a, the link cut in the middle: it stays on b ----------------------
KB migrate tick "$IPA" >cut.out 2>&1 &
MPID=$!
check "a migration back reaches a" up 120 grep -q "authenticated" "$TMP/a/kd.log"
ip -n "$NSA" link set "$VA" down
wait "$MPID"
expect_eq "cut link: migrate fails" 1 "$?"
expect_match "and says why" "stall|timed out|peer|target" "$(cat cut.out)"
ip -n "$NSA" link set "$VA" up
expect_eq "the ticker is still on b" "$D2" "$(on b tick)"
ticks_on b "and ticks on"
check "a gave up and holds nothing" up $((3 * TO)) test "$(count a)" = 0
expect_eq "no tick lost or repeated" "" "$(all_gaps)"

# --- back to a, a's ketchd killed in the middle: it stays on b -----------------
n=$(grep -c authenticated "$TMP/a/kd.log")
KB migrate tick "$IPA" >kill.out 2>&1 &
MPID=$!
check "a migration back reaches a" up 120 test "$(grep -c authenticated "$TMP/a/kd.log")" -gt "$n"
t0=$(date +%s%N)
out=$(KB list 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
quick=$((500 * T_SCALE))
expect_eq "b answers list meanwhile (${ms} ms < ${quick})" 1 "$((ms < quick))"
kill -9 "$KD_a"
wait "$MPID"
expect_eq "killed target: migrate fails" 1 "$?"
expect_match "and says why" "peer|target|stall" "$(cat kill.out)"
expect_eq "the ticker is still on b" "$D2" "$(on b tick)"
ticks_on b "and ticks on"
expect_eq "no tick lost or repeated" "" "$(all_gaps)"
finish
