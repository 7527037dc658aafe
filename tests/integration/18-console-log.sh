#!/bin/bash
# needs: kvm
# Guest console text in ketch-hv's log (daemon mode) cannot flood, forge or
# stall it: a guest writing 256 MiB through CONSOLEIO_write
# (tests/guests/conflood) is rate-limited (the bytes dropped are reported),
# its text is escaped (a forged line of another domain stays part of its
# own line, no terminal escape reaches the log), --log is rotated at
# --log-max, and a ketch-hv whose stderr nobody reads keeps serving.
. "$(dirname "$0")/lib.sh"

HV=$BIN/ketch-hv
TIMED=$BUILD/tests/bin/ctl_timed
SOCK=$TMP/hv.sock
LOG=$TMP/hv.log
MAX=262144
CTL() { timeout 20 "$BIN/ketchctl-hv" --socket "$1" "${@:2}"; }
wait_state() { # socket id state seconds
	for _ in $(seq $(($4 * 10))); do
		[ "$(CTL "$1" info "$2" 2>/dev/null | sed -n 's/^state: //p')" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- flood, forge and escapes into a rotated --log file ----------------------
"$HV" --socket "$SOCK" --log "$LOG" --log-max $MAX 2>/dev/null &
HV_PID=$!
on_exit "kill -9 $HV_PID"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
id=$(CTL "$SOCK" boot "$GUESTS/conflood" --memory 16M --cmdline "rounds=0 wait_ms=0")
check "forging guest runs to its end" wait_state "$SOCK" "$id" shutdown 60
sleep 1
all=$(cat "$LOG")
expect_eq "no forged line of another domain" 0 "$(echo "$all" | grep -c '^(ketch-hv [0-9.]*) d99')"
expect_match "the forged text is the guest's own line" "^\(ketch-hv [0-9.]+\) d$id: \(ketch-hv 1.000\) d99: crashed: forged" "$all"
expect_eq "no terminal escape in the log" 0 "$(echo "$all" | grep -c $'\x1b')"
expect_match "it is shown escaped" "d$id: \\\\x1b\[2Jcleared" "$all"
id=$(CTL "$SOCK" boot "$GUESTS/conflood" --memory 16M)
check "flooding guest runs to its end" wait_state "$SOCK" "$id" shutdown 300
sleep 1
all=$(cat "$LOG.1" "$LOG" 2>/dev/null)
size=$(($(stat -c %s "$LOG") + $(stat -c %s "$LOG.1" 2>/dev/null || echo 0)))
echo "    256 MiB of console output left ${size} bytes of log"
check "the log was rotated" test -s "$LOG.1"
expect_eq "log and its rotated part stay within 2 x --log-max" 1 $((size <= 2 * MAX))
expect_match "the bytes dropped are reported" "d$id: console: [0-9]+ bytes dropped" "$all"
expect_match "its last line still arrives" "d$id: conflood done" "$all"
kill $HV_PID

# --- nobody reads stderr: ketch-hv still serves --------------------------------
mkfifo "$TMP/fifo"
exec 9<>"$TMP/fifo" # a reader that never reads: the pipe fills and blocks
"$HV" --socket "$SOCK.2" 2>"$TMP/fifo" &
HV2=$!
on_exit "kill -9 $HV2"
for _ in $(seq 50); do [ -S "$SOCK.2" ] && break; sleep 0.1; done
f=$(CTL "$SOCK.2" boot "$GUESTS/conflood" --memory 16M --cmdline "rounds=1 wait_ms=0")
check "flood into a blocked stderr ends" wait_state "$SOCK.2" "$f" shutdown 300
h=$(CTL "$SOCK.2" boot "$GUESTS/hello" --memory 16M)
check "another guest boots and finishes meanwhile" wait_state "$SOCK.2" "$h" shutdown 60
out=$(timeout 10 "$TIMED" "$SOCK.2" list 0)
expect_match "list answers within 1 s ($out)" '^[0-9]{1,3} 0$' "$out"
out=$(timeout 10 "$TIMED" "$SOCK.2" destroy "$h")
expect_match "destroy completes within 1 s ($out)" '^[0-9]{1,3} 0$' "$out"
exec 9<&-

finish
