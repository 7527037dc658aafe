#!/bin/bash
# What ketch-xenstored spends per client connection, and how it behaves at
# its open-file limit (xs_conns holds the connections).
. "$(dirname "$0")/lib.sh"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# CPU time (user + system) in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start_xsd() { # SOCKET LOG [ulimit -n]
	rm -f "$1"
	(
		[ -n "${3:-}" ] && ulimit -n "$3"
		exec "$BIN/ketch-xenstored" --socket "$1" 2>>"$2"
	) &
	XSD_PID=$!
	on_exit "kill $XSD_PID"
	for _ in $(seq 50); do [ -S "$1" ] && return 0; sleep 0.1; done
	return 1
}

# 1. Idle connections cost little: buffers exist only while a message does.
start_xsd "$TMP/a.sock" "$TMP/a.log"
N=500
coproc WARM { "$BUILD/tests/bin/xs_conns" "$TMP/a.sock" 20; }
read -r _ <&"${WARM[0]}"
kill "$WARM_PID" 2>/dev/null; wait "$WARM_PID" 2>/dev/null
before=$(rss_kb $XSD_PID)
coproc HOLD { "$BUILD/tests/bin/xs_conns" "$TMP/a.sock" $N; }
read -r line <&"${HOLD[0]}"
expect_eq "$N idle clients connected (one request each)" "served $N" "$line"
after=$(rss_kb $XSD_PID)
grown=$((after - before))
echo "daemon RSS grew by ${grown} KiB for $N idle clients"
check "under 2 KiB of daemon memory per idle client (grew ${grown} KiB for $N)" \
	test "$grown" -lt $((N * 2))
echo check >&"${HOLD[1]}"
read -r line <&"${HOLD[0]}"
expect_eq "every one of them is still served" "ok $N" "$line"
exec {HOLD[1]}>&-
wait "$HOLD_PID" 2>/dev/null

# 2. At the open-file limit: stop accepting (no busy loop), say so once,
#    accept again once a connection closes.
start_xsd "$TMP/b.sock" "$TMP/b.log" 40
coproc FULL { "$BUILD/tests/bin/xs_conns" "$TMP/b.sock" 200; }
read -r line <&"${FULL[0]}"
served=${line#served }
check "clients served until the descriptor limit (${served} of 200)" \
	test "$served" -gt 10 -a "$served" -lt 40
t0=$(cpu_ticks $XSD_PID)
sleep 2
t1=$(cpu_ticks $XSD_PID)
echo "daemon CPU over 2 s at the limit: $((t1 - t0)) ticks of $(getconf CLK_TCK)/s"
check "no busy loop at the limit: $((t1 - t0)) ticks of CPU in 2 s" test $((t1 - t0)) -le 10
expect_eq "the limit is logged once" 1 "$(grep -c 'not accepting' "$TMP/b.log")"
check "daemon still running" kill -0 $XSD_PID
echo close-one >&"${FULL[1]}"
read -r line <&"${FULL[0]}"
out=$(export XENSTORED_PATH=$TMP/b.sock
	timeout 10 xenstore-write /after ok && timeout 10 xenstore-read /after 2>&1)
expect_eq "after one closes, a new client is served" "ok" "$out"
echo check >&"${FULL[1]}"
read -r line <&"${FULL[0]}"
expect_eq "the clients held all along are still served" "ok $((served - 1))" "$line"
exec {FULL[1]}>&-
wait "$FULL_PID" 2>/dev/null
finish
