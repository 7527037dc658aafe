#!/bin/bash
# ketch-xenstored confined (dom0-tools/libconfine): once its socket is open
# it has a seccomp allow-list, no capabilities, no_new_privs and, with
# --user, another uid; it still serves libxenstore and xenstore-utils.  The
# test build's hidden --selftest-forbidden-syscall makes it try execve and
# an AF_INET socket, which the filter must refuse (and --no-confine not).
# A guest's ring is served confined too, through tests/integration/fake_hv.py.
. "$(dirname "$0")/lib.sh"

SELFTEST=$BUILD/tests/bin/ketch-xenstored-selftest

# start NAME BINARY ARGS...: a daemon on $TMP/NAME.sock, log in $TMP/NAME.log
start() {
	local name=$1 bin=$2 pid
	shift 2
	"$bin" --socket "$TMP/$name.sock" "$@" 2>"$TMP/$name.log" &
	pid=$!
	on_exit "kill $pid"
	eval "PID_$name=$pid"
	for _ in $(seq $((50 * T_SCALE))); do [ -S "$TMP/$name.sock" ] && return 0; sleep 0.1; done
	return 1
}
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

check "confined daemon starts (test build)" start conf "$SELFTEST" --selftest-forbidden-syscall
expect_log "it says it is confined" "$TMP/conf.log" 'confined: seccomp allow-list, no capabilities'
expect_log "execve is refused" "$TMP/conf.log" 'selftest: execve: Operation not permitted'
expect_log "an AF_INET socket is refused" "$TMP/conf.log" 'selftest: socket\(AF_INET\): Operation not permitted'
expect_eq "seccomp filter mode in /proc" 2 "$(status_field "$PID_conf" Seccomp)"
expect_eq "no_new_privs set" 1 "$(status_field "$PID_conf" NoNewPrivs)"
expect_eq "no effective capabilities" 0000000000000000 "$(status_field "$PID_conf" CapEff)"
expect_eq "no permitted capabilities" 0000000000000000 "$(status_field "$PID_conf" CapPrm)"
expect_eq "empty bounding set" 0000000000000000 "$(status_field "$PID_conf" CapBnd)"

export XENSTORED_PATH=$TMP/conf.sock
check "xenstore-write after the refused calls" xenstore-write /conf/a one
expect_eq "xenstore-read" one "$(xenstore-read /conf/a)"
out=$(timeout 60 "$BUILD/tests/bin/xs_libxs_test" 2>&1)
expect_eq "every libxenstore protocol test passes confined" 0 "$(echo "$out" | grep -vc '^ok')"
out=$(timeout 60 "$BUILD/tests/bin/xs_malformed" "$XENSTORED_PATH" 2>&1)
expect_eq "every malformed-traffic test passes confined" 0 "$(echo "$out" | grep -vc '^ok')"
check "still running" kill -0 "$PID_conf"

# --no-confine is the control: the same calls then get past the filter.
check "unconfined daemon starts" start free "$SELFTEST" --no-confine --selftest-forbidden-syscall
expect_log "it says it is not confined" "$TMP/free.log" 'not confined \(--no-confine\)'
expect_log "execve reaches the kernel (ENOENT)" "$TMP/free.log" 'selftest: execve: No such file'
expect_log "the AF_INET socket is made" "$TMP/free.log" 'selftest: socket\(AF_INET\): allowed'
expect_eq "no seccomp filter" 0 "$(status_field "$PID_free" Seccomp)"
kill "$PID_free"

# The production binary has no hook, and persists on SIGTERM while confined.
"$BIN/ketch-xenstored" --socket "$TMP/x.sock" --selftest-forbidden-syscall 2>/dev/null
check "the hook is absent from ketch-xenstored" test $? -eq 2
check "confined daemon with --persist" start pers "$BIN/ketch-xenstored" --persist "$TMP/tree"
XENSTORED_PATH=$TMP/pers.sock xenstore-write /kept yes
kill "$PID_pers"; wait "$PID_pers"
expect_eq "exits 0 on SIGTERM" 0 $?
check "saved the tree (open, fchmod, rename allowed)" grep -q kept "$TMP/tree"
check "removed its socket" test ! -e "$TMP/pers.sock"

# --user: the socket is made as root, then the daemon becomes nobody.
NOBODY=$(id -u nobody)
chmod 711 "$TMP" # nobody may pass through to its own directory
mkdir -p "$TMP/nobody" && chown nobody "$TMP/nobody"
check "daemon starts with --user nobody" start user "$BIN/ketch-xenstored" --user nobody \
	--persist "$TMP/nobody/tree"
expect_eq "runs as nobody" "$NOBODY	$NOBODY	$NOBODY	$NOBODY" "$(status_field "$PID_user" Uid)"
expect_eq "no supplementary groups" "" "$(status_field "$PID_user" Groups)"
export XENSTORED_PATH=$TMP/user.sock
check "root's xenstore-write is served" xenstore-write /u/x 7
expect_eq "and read back" 7 "$(xenstore-read /u/x)"
out=$(timeout 60 "$BUILD/tests/bin/xs_libxs_test" 2>&1)
expect_eq "every libxenstore protocol test passes as nobody" 0 "$(echo "$out" | grep -vc '^ok')"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups xenstore-read /u/x 2>&1)
check "nobody itself cannot reach the root-owned socket" test $? -ne 0
kill "$PID_user"; wait "$PID_user"
expect_eq "exits 0 on SIGTERM as nobody" 0 $?
check "saved the tree into nobody's directory" grep -q '/u/x' "$TMP/nobody/tree"

# A guest's ring: map its RAM (a memfd passed over the control socket),
# bind its store port (eventfds), serve it; fake_hv.py stands in for
# ketch-hv and the guest, so this runs without KVM (44 does it for real).
python3 "$(dirname "$0")/fake_hv.py" "$TMP/hv.sock" 5 >"$TMP/hv.log" 2>&1 &
on_exit "kill $!"
for _ in $(seq $((50 * T_SCALE))); do [ -S "$TMP/hv.sock" ] && break; sleep 0.1; done
check "confined daemon with --hv-socket and --user nobody" start guest "$BIN/ketch-xenstored" \
	--hv-socket "$TMP/hv.sock" --user nobody
export XENSTORED_PATH=$TMP/guest.sock
out=$("$BUILD/tests/bin/xs_toolstack" introduce "$TMP/hv.sock" 5 fakeguest 2>&1)
expect_match "the toolstack introduces the guest" 'store_mfn=1 store_port=3' "$out"
expect_log "the guest's write through its ring is answered OK" "$TMP/hv.log" 'guest: reply type 11 payload OK'
expect_eq "and landed in the tree" world "$(xenstore-read /local/domain/5/data/hello)"
check "the daemon still runs" kill -0 "$PID_guest"

out=$("$BIN/ketch-xenstored" --socket "$TMP/bad.sock" --user no-such-user-here 2>&1)
check "an unknown --user stops the start" test $? -ne 0
expect_match "and says why" 'cannot confine the daemon: no user no-such-user-here' "$out"
check "leaving no socket behind" test ! -e "$TMP/bad.sock"
finish
