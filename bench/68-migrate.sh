#!/bin/bash
# needs: kvm  (starts guests: bench/run-all.sh runs it inside the emulated VM where KVM is missing)
# Live migration between two toolstacks in two network namespaces joined
# by a veth pair (tests/integration/lib_migrate.sh), each figure beside
# raw TCP between the same namespaces in the same run: a ticker of MEM
# MiB with FILL MiB of its memory written, idle, then rewriting DIRTY
# MiB/s of it as it runs, each moved from a to b.  Total time beside
# sending the same bytes over one TCP connection; downtime (the guest's
# suspend to its run on b) beside sending all of its memory that way,
# which is what a stop-and-copy move would cost at least.
# BENCH_MIG_MEM (256), BENCH_MIG_FILL (192), BENCH_MIG_DIRTY (8).
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
. bench/lib.sh
MEM=${BENCH_MIG_MEM:-256} FILL=${BENCH_MIG_FILL:-192} DIRTY=${BENCH_MIG_DIRTY:-8}

toolstack_paths
. tests/integration/lib_migrate.sh
fail() { echo "migrate bench: $*"; tail -5 "$TMP"/*/kd.log; exit 1; }
head -c 32 /dev/urandom | base64 >"$TMP/key"
mig_netns || fail "cannot make the network namespaces"
for s in a b; do
	ip=$IPA ns=$NSA
	[ $s = b ] && ip=$IPB ns=$NSB
	mig_side $s "$ns" --migrate-listen "$ip:8002" --migrate-key "$TMP/key" >/dev/null ||
		fail "toolstack $s did not start"
done
KA() { "$BIN/ketch" --socket "$TMP/a/run/ketchd.sock" "$@"; }
cd "$TMP" || exit 1
cp "$GUESTS/ticker" .

# tcp_ms BYTES: milliseconds to send BYTES from a to b over one connection
tcp_ms() {
	ip netns exec "$NSB" python3 -c 'import socket,sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 9000)); s.listen(1); c, _ = s.accept()
while c.recv(1 << 20): pass
c.sendall(b"k")' "$IPB" &
	local rx=$!
	sleep 1
	ip netns exec "$NSA" python3 -c 'import socket,sys,time
n = int(sys.argv[2]); buf = bytes(1 << 20)
s = socket.create_connection((sys.argv[1], 9000), 30); t0 = time.monotonic()
while n > 0:
    s.sendall(buf[:min(n, len(buf))]); n -= len(buf)
s.shutdown(socket.SHUT_WR); s.recv(1)
print(int((time.monotonic() - t0) * 1000))' "$IPB" "$1"
	wait $rx
}

# move NAME DIRTY: a fresh ticker moved a to b; the reply's JSON
move() {
	printf '{"name":"%s","kernel":"ticker","memory":%s,"cmdline":"fill=%s dirty=%s ticks=1000000 spin=0 sleep=100 control=1"}\n' \
		"$1" "$MEM" "$FILL" "$2" >"$1.json"
	KA create "$1.json" >/dev/null || fail "cannot create $1"
	wait_for 300 grep -q "filled $FILL MiB" "$TMP/a/logs/console-$1.log" ||
		fail "$1 did not fill its memory"
	sleep 2
	KA --json migrate "$1" "$IPB" | tail -1
}

idle=$(move idle 0) || fail "the idle guest's migration failed"
busy=$(move busy "$DIRTY") || fail "the dirtying guest's migration failed"
mem_ms=$(tcp_ms $((MEM << 20))) || fail "raw TCP failed"

header
for m in idle busy; do
	j=${!m}
	bytes=$(echo "$j" | jget bytes)
	s=$(echo "$j" | jget seconds)
	down=$(echo "$j" | jget downtime_seconds)
	rounds=$(echo "$j" | jget rounds)
	floor=$(tcp_ms "$bytes") || fail "raw TCP failed"
	what="idle"
	[ $m = busy ] && what="dirtying $DIRTY MiB/s"
	row "migrate, $what: total" "$(awk -v s="$s" 'BEGIN { print s * 1000 }')" ms \
		"$floor" "raw TCP a->b of the same $((bytes >> 20)) MiB; $rounds rounds"
	row "migrate, $what: downtime" "$(awk -v s="$down" 'BEGIN { print s * 1000 }')" ms \
		"$mem_ms" "raw TCP a->b of all $MEM MiB: a stop-and-copy"
done
echo "# a ${MEM} MiB ticker with $FILL MiB written; where the downtime went, from ketchd's logs:"
grep -h "migrated (now" "$TMP/a/kd.log" | sed 's/^/#   /'
grep -h "built d" "$TMP/b/kd.log" | sed 's/^/#   /'
