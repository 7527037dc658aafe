#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# ketch-hv confined (dom0-tools/libconfine, kcf_confine_hv): no capability
# in any thread, no_new_privs and its seccomp allow-list once the control
# socket is open; guests still boot, run SMP, share grants and rotate its
# --log while it is confined.  Its test build tries forbidden calls
# ($KETCH_CONFINE_SELFTEST): reading a file by name and an ioctl outside
# the KVM list fail with EPERM; execve, fork and an AF_INET socket stop it
# with SIGSYS after a line naming the call.  --no-confine lets them through.
. "$(dirname "$0")/lib.sh"

SELFTEST=$BUILD/tests/bin/ketch-hv-selftest
SIGSYS_STATUS=$((128 + 31))
# An ASan build's filter lets the leak checker clone, ptrace and read
# /proc at exit, so there fork, ptrace and reading by name are not refused.
FATAL_PROBES="fork socket ptrace"
READ_ANSWER="Operation not permitted"
[ "${SANITIZE:-0}" = 1 ] && READ_ANSWER=allowed
[ "${SANITIZE:-0}" = 1 ] && FATAL_PROBES="socket"
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for() { # SECONDS COMMAND...: true once COMMAND succeeds (scaled)
	local n=$(($1 * 10 * T_SCALE))
	shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
# start NAME BINARY ARGS...: ketch-hv on $TMP/NAME.sock; sets PID
start() {
	local name=$1 bin=$2
	shift 2
	"$bin" --socket "$TMP/$name.sock" "$@" 2>>"$TMP/$name.log" &
	PID=$!
	on_exit "kill -9 $PID"
	wait_for 5 test -S "$TMP/$name.sock"
}
# ended PID: waits for PID (which must be ending); ST is its status
ended() {
	wait_for 20 gone "$1"
	{ wait "$1"; } 2>/dev/null
	ST=$?
}
CTL() { timeout $((30 * T_SCALE)) "$BIN/ketchctl-hv" --socket "$SOCK" "$@"; }
state_of() { CTL info "$1" 2>/dev/null | sed -n 's/^state: //p'; }
quiet() { "$@" >/dev/null; }

# --- the daemon confined serves guests ---------------------------------------
LOG=$TMP/hvlog
check "confined ketch-hv starts" start hv "$BIN/ketch-hv" --log "$LOG" --log-max 4096
SOCK=$TMP/hv.sock
HV_PID=$PID
expect_log "it says it is confined" "$LOG" 'confined: seccomp allow-list'
expect_eq "seccomp filter mode" 2 "$(status_field "$HV_PID" Seccomp)"
expect_eq "no_new_privs" 1 "$(status_field "$HV_PID" NoNewPrivs)"
expect_eq "empty bounding set" 0000000000000000 "$(status_field "$HV_PID" CapBnd)"
caps=$(cat /proc/"$HV_PID"/task/*/status | sed -n 's/^CapEff:[[:space:]]*//p' | sort -u)
expect_eq "no capabilities in any thread" 0000000000000000 "$caps"
caps=$(cat /proc/"$HV_PID"/task/*/status | sed -n 's/^CapPrm:[[:space:]]*//p' | sort -u)
expect_eq "none permitted in any thread" 0000000000000000 "$caps"

id=$(CTL boot "$GUESTS/hello" --memory 32M 2>"$TMP/boot.err")
expect_match "boot works confined" '^[0-9]+$' "$id"
for _ in $(seq $((100 * T_SCALE))); do [ "$(state_of "$id")" = shutdown ] && break; sleep 0.1; done
expect_eq "hello's state" shutdown "$(state_of "$id")"
check "destroy" CTL destroy "$id"
id=$(CTL boot "$GUESTS/smp" --memory 32M --vcpus 4 2>"$TMP/boot2.err")
for _ in $(seq $((300 * T_SCALE))); do [ "$(state_of "$id")" = shutdown ] && break; sleep 0.1; done
expect_eq "an SMP guest (vCPU threads, kicks, IPIs) runs to shutdown" shutdown "$(state_of "$id")"
expect_match "and powered off cleanly" '^shutdown_reason: poweroff' "$(CTL info "$id")"
check "its console says it passed" grep -qs 'smp: PASS, 0 failures' "$LOG" "$LOG.1"
CTL destroy "$id"
id=$(CTL boot "$GUESTS/hello" --memory 32M 2>/dev/null)
for _ in $(seq $((100 * T_SCALE))); do [ "$(state_of "$id")" = shutdown ] && break; sleep 0.1; done
CTL destroy "$id"
# Each boot logs a few lines: past 4 KiB the log is renamed and reopened.
for _ in 1 2 3 4 5 6 7 8; do CTL hv-info >/dev/null; CTL list >/dev/null; done
for _ in $(seq 60); do CTL create --memory 3M >/dev/null 2>&1; done # logged refusals
check "the log was rotated while confined (rename, open for writing)" wait_for 10 test -s "$LOG.1"
check "and is written again after rotation" wait_for 10 test -s "$LOG"
check "still serving" quiet CTL list
grep -E 'Operation not permitted|forbidden system call' "$LOG" "$LOG.1" >"$TMP/refused"
expect_eq "no call refused while serving" "" "$(cat "$TMP/refused")"
kill "$HV_PID"
ended "$HV_PID"
expect_eq "SIGTERM: exits 0 confined" 0 "$ST"
check "removed its socket" test ! -e "$SOCK"

# --- the test build: refused calls -------------------------------------------
export KETCH_CONFINE_SELFTEST=read-open,ioctl,execve
start execve "$SELFTEST"
ended "$PID"
expect_eq "execve stops ketch-hv with SIGSYS" $SIGSYS_STATUS "$ST"
expect_log "reading a file by name is refused (EPERM)" "$TMP/execve.log" \
	"ketch-hv: selftest: open for reading: $READ_ANSWER"
expect_log "an ioctl outside the KVM list is refused (EPERM)" "$TMP/execve.log" \
	'ketch-hv: selftest: ioctl\(FIONREAD\): Operation not permitted'
expect_log "the log names execve" "$TMP/execve.log" \
	'ketch-hv: forbidden system call execve \(59\) refused by the seccomp filter; stopping with SIGSYS'
for probe in $FATAL_PROBES; do
	KETCH_CONFINE_SELFTEST=$probe start "$probe" "$SELFTEST"
	ended "$PID"
	expect_eq "$probe stops ketch-hv with SIGSYS" $SIGSYS_STATUS "$ST"
	expect_log "the log names it" "$TMP/$probe.log" 'forbidden system call [a-z]+ \([0-9]+\) refused'
done

KETCH_CONFINE_SELFTEST=read-open,socket,execve start free "$SELFTEST" --no-confine
SOCK=$TMP/free.sock
expect_log "--no-confine: it says so" "$TMP/free.log" 'not confined \(--no-confine\)'
expect_log "the file is read" "$TMP/free.log" 'selftest: open for reading: allowed'
expect_log "the AF_INET socket is made" "$TMP/free.log" 'selftest: socket\(AF_INET\): allowed'
expect_log "execve reaches the kernel (ENOENT)" "$TMP/free.log" 'selftest: execve: No such file'
expect_eq "no seccomp filter" 0 "$(status_field "$PID" Seccomp)"
check "and it serves" quiet CTL list
unset KETCH_CONFINE_SELFTEST
kill "$PID"
ended "$PID"

# The production binary runs no probe.
KETCH_CONFINE_SELFTEST=execve start prod "$BIN/ketch-hv"
SOCK=$TMP/prod.sock
check "ketch-hv ignores the probes' variable" quiet CTL list
kill "$PID"
ended "$PID"
expect_eq "and exits 0" 0 "$ST"

# ketch-hv run is confined too, once the kernel is read.
out=$(timeout $((60 * T_SCALE)) "$BIN/ketch-hv" run --kernel "$GUESTS/hello" 2>&1)
expect_eq "ketch-hv run: hello exits 0 confined" 0 "$?"
expect_match "and says it is confined" 'confined: seccomp allow-list' "$out"
finish
