#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# The toolstack under a hard restart and after cleanup: `kill -9 ketchd`
# with 10 domains running, restart with the same --state-dir: all listed,
# every console works (input in, echo out), destroy works.  After
# destroying every domain ketchd, ketch-hv and ketch-xenstored hold no
# more descriptors, threads or memfds than before, and xenstore holds no
# node of any domain.
. "$(dirname "$0")/lib.sh"

BIN=$(cd "$BIN" && pwd)
GUESTS=$(cd "$GUESTS" && pwd)
HV_SOCK=$TMP/hv.sock
XS_SOCK=$TMP/xs.sock
KD_SOCK=$TMP/run/ketchd.sock
LOGS=$TMP/logs
export KETCH_SOCKET=$KD_SOCK XENSTORED_PATH=$XS_SOCK
K() { "$BIN/ketch" "$@"; }
kd_start() { start_ketchd --state-dir "$TMP/state" --log-dir "$LOGS"; }
wait_for() { for _ in $(seq $((200 * T_SCALE))); do eval "$1" && return 0; sleep 0.1; done; return 1; }
# What a daemon holds: descriptors, threads, memfds (each a count).
fds() { ls /proc/$1/fd | wc -l; }
threads() { ls /proc/$1/task | wc -l; }
memfds() { ls -l /proc/$1/fd | grep -c 'memfd:'; }
xs_nodes() { xenstore-ls -f / 2>/dev/null | wc -l; }

start_hv "$HV_SOCK"
start_xenstored "$XS_SOCK" "$HV_SOCK"
kd_start
check "ketchd is up" K list

base_hv="$(fds $HV_PID) $(threads $HV_PID) $(memfds $HV_PID)"
base_xs="$(fds $XS_PID) $(threads $XS_PID) $(memfds $XS_PID)"
base_kd="$(fds $KD_PID) $(threads $KD_PID) $(memfds $KD_PID)"

cd "$TMP"
cp "$GUESTS/console_echo" echo
for i in $(seq 10); do
	echo "{\"name\":\"e$i\",\"kernel\":\"echo\",\"memory\":16}" >e$i.json
	K create e$i.json >/dev/null || bad "create e$i"
done
expect_eq "10 domains running" 10 "$(K list | grep -c '^e[0-9]')"
check "every guest is ready" \
	wait_for "[ \$(cat $LOGS/console-e*.log 2>/dev/null | grep -c ' ready') -eq 10 ]"

kill -9 $KD_PID
wait $KD_PID 2>/dev/null
expect_eq "ketchd killed; ketch-hv still runs the 10" 10 \
	"$("$BIN/ketchctl-hv" --socket "$HV_SOCK" list | tail -n +2 | wc -l)"
kd_start
expect_eq "restarted ketchd lists all 10" 10 "$(K list | grep -c '^e[0-9]')"
id1=$(K --json info e1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["domain"]["domid"])')
tty=$(K --json info e1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["domain"]["console_tty"])')
expect_eq "the adopted console has a new pty, published in xenstore" "$tty" \
	"$(xenstore-read /local/domain/$id1/console/tty)"
check "... which ketchd holds open" bash -c "ls -l /proc/$KD_PID/fd | grep -q ' $tty\$'"
for i in $(seq 10); do
	id=$(K --json info e$i | python3 -c 'import json,sys; print(json.load(sys.stdin)["domain"]["domid"])')
	out=$(printf 'after restart\nquit\n' | timeout 20 "$BIN/ketch" console e$i | tr -d '\r')
	expect_match "e$i: console works after the restart (input in, echo out)" \
		"console_echo $id echo: after restart" "$out"
done
check "the guests powered off on quit and were destroyed" \
	wait_for "[ \$(K list | grep -c '^e[0-9]') -eq 0 ]"
for i in 1 2 3; do K create e$i.json >/dev/null; done
for i in 1 2 3; do check "destroy e$i" K destroy e$i; done
expect_eq "nothing listed" "" "$(K list | tail -n +2)"

# --- nothing leaked -------------------------------------------------------------
kill -9 $KD_PID
wait $KD_PID 2>/dev/null
kd_start
base_kd2="$(fds $KD_PID) $(threads $KD_PID) $(memfds $KD_PID)"
# Counted after the first round: /vm and /local stay once created, as in Xen.
base_nodes=$(xs_nodes)
xenstore-ls -f / >"$TMP/xs-before" 2>&1
for i in $(seq 10); do K create e$i.json >/dev/null; done
wait_for "[ \$(cat $LOGS/console-e*.log | grep -c ' ready') -ge 20 ]"
for i in $(seq 10); do K destroy e$i; done
check "ketch-hv: descriptors, threads, memfds as before" \
	wait_for "[ '$base_hv' = \"\$(fds $HV_PID) \$(threads $HV_PID) \$(memfds $HV_PID)\" ]"
expect_eq "ketch-hv: fds threads memfds" "$base_hv" "$(fds $HV_PID) $(threads $HV_PID) $(memfds $HV_PID)"
expect_eq "ketch-xenstored: fds threads memfds" "$base_xs" \
	"$(fds $XS_PID) $(threads $XS_PID) $(memfds $XS_PID)"
expect_eq "ketchd: fds threads memfds" "$base_kd2" \
	"$(fds $KD_PID) $(threads $KD_PID) $(memfds $KD_PID)"
expect_eq "a fresh ketchd holds what the first held" "$base_kd" "$base_kd2"
expect_eq "xenstore: as many nodes as before" "$base_nodes" "$(xs_nodes)"
xenstore-ls -f / >"$TMP/xs-after" 2>&1
check "xenstore: the same nodes" cmp -s "$TMP/xs-before" "$TMP/xs-after"
expect_eq "xenstore: no domain under /local/domain" "" \
	"$(xenstore-list /local/domain 2>/dev/null | grep -v '^0$')"
expect_eq "xenstore: nothing under /vm" "" "$(xenstore-list /vm 2>/dev/null)"
expect_eq "state directory empty" "" "$(ls "$TMP/state")"
check "ketch-hv survived" kill -0 $HV_PID
check "ketch-xenstored survived" kill -0 $XS_PID
finish
