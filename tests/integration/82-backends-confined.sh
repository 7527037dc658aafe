#!/bin/bash
# ketch-blkback and ketch-netback confined (dom0-tools/libconfine), host
# side, no guest and no KVM: ketch-xenstored and fake_hv.py stand in for
# the toolstack's daemons.  Once set up each backend has a seccomp
# allow-list, no capabilities, no_new_privs and, with --user, another
# uid, and still waits for its frontend in InitWait.  Their test builds
# try forbidden calls ($KETCH_CONFINE_SELFTEST): reading a file by name
# and an ioctl fail with EPERM, and execve, fork, ptrace or an AF_INET
# socket end the backend with SIGSYS after a line naming the call;
# --no-confine lets the same calls through.  Over NBD (a qemu-storage-
# daemon's export) blkback is confined too, leaves with 1 when its server
# dies, and stops its server when it stops.
. "$(dirname "$0")/lib.sh"
in_netns ketch-conf "$0" "$@"

export XENSTORED_PATH=$TMP/xs.sock KETCH_HV_SOCKET=$TMP/hv.sock
BB_TEST=$BUILD/tests/bin/ketch-blkback-selftest
NB_TEST=$BUILD/tests/bin/ketch-netback-selftest
DOM=5
SIGSYS_STATUS=$((128 + 31))
# An ASan build's filter lets the leak checker clone, ptrace and read
# /proc at exit, so there fork, ptrace and reading by name are not refused.
FATAL_PROBES="execve fork ptrace socket"
READ_ANSWER="Operation not permitted"
[ "${SANITIZE:-0}" = 1 ] && READ_ANSWER=allowed
[ "${SANITIZE:-0}" = 1 ] && FATAL_PROBES="execve socket"

wait_for() { # SECONDS COMMAND...: true once COMMAND succeeds (scaled)
	local n=$(($1 * 10 * T_SCALE))
	shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
gone() { ! kill -0 "$1" 2>/dev/null; }
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
state_is() { [ "$(xenstore-read "$1/state" 2>/dev/null)" = "$2" ]; }

# add_dev KIND DEVID: libxl's nodes for a vbd or vif of domain DOM; sets BE.
add_dev() {
	local fe=/local/domain/$DOM/device/$1/$2
	BE=/local/domain/0/backend/$1/$DOM/$2
	xenstore-rm "$BE" 2>/dev/null
	xenstore-write "$BE/frontend" "$fe" "$BE/frontend-id" $DOM "$BE/online" 1 \
		"$BE/state" 1 "$fe/backend" "$BE" "$fe/backend-id" 0 "$fe/state" 1
}

# run_be NAME BINARY ARGS...: a backend in the background, log in
# $TMP/NAME.log; sets PID.
run_be() {
	local name=$1 bin=$2
	shift 2
	"$bin" --domid $DOM "$@" >/dev/null 2>"$TMP/$name.log" &
	PID=$!
	on_exit "kill $PID"
}

# ended PID: waits for PID (which must be ending) and sets ST to its status
ended() {
	wait_for 10 gone "$1"
	{ wait "$1"; } 2>/dev/null
	ST=$?
}

start_fake_hv "$KETCH_HV_SOCKET" $DOM
check "xenstored and the stand-in for ketch-hv start" \
	start_xenstored "$XENSTORED_PATH" "$KETCH_HV_SOCKET"
truncate -s 8M "$TMP/disk.img"

# confined_ok NAME PID: /proc shows the filter, no_new_privs, no capabilities.
confined_ok() {
	expect_eq "$1: seccomp filter mode" 2 "$(status_field "$2" Seccomp)"
	expect_eq "$1: no_new_privs" 1 "$(status_field "$2" NoNewPrivs)"
	expect_eq "$1: no effective capabilities" 0000000000000000 "$(status_field "$2" CapEff)"
	expect_eq "$1: no permitted capabilities" 0000000000000000 "$(status_field "$2" CapPrm)"
	expect_eq "$1: empty bounding set" 0000000000000000 "$(status_field "$2" CapBnd)"
}

## ketch-blkback
add_dev vbd 51712
run_be bb "$BIN/ketch-blkback" --devid 51712 --image "$TMP/disk.img"
check "blkback confined reaches InitWait" wait_for 10 state_is "$BE" 2
expect_log "blkback says it is confined" "$TMP/bb.log" 'confined: seccomp allow-list, no capabilities'
confined_ok blkback "$PID"
kill "$PID"
ended "$PID"; expect_eq "blkback confined leaves on SIGTERM with 0" 0 "$ST"
expect_log "and logs why it stopped" "$TMP/bb.log" 'stopped: 0 requests'
expect_log "and its CPU time (the allow-list lets it ask)" "$TMP/bb.log" 'cpu: [0-9]+\.[0-9]{6} s$'

for probe in $FATAL_PROBES; do
	add_dev vbd 51712
	KETCH_CONFINE_SELFTEST=read-open,ioctl,$probe run_be "bb-$probe" "$BB_TEST" \
		--devid 51712 --image "$TMP/disk.img"
	ended "$PID"; expect_eq "blkback: $probe ends it with SIGSYS" $SIGSYS_STATUS "$ST"
	expect_log "blkback: the log names $probe" "$TMP/bb-$probe.log" \
		"ketch-blkback: forbidden system call ([a-z]*$probe|clone)[^;]*; stopping with SIGSYS"
done
expect_log "blkback: reading a file by name is refused (EPERM)" "$TMP/bb-execve.log" \
	"selftest: open for reading: $READ_ANSWER"
expect_log "blkback: an ioctl outside the list is refused (EPERM)" "$TMP/bb-execve.log" \
	'selftest: ioctl\(FIONREAD\): Operation not permitted'

add_dev vbd 51712
KETCH_CONFINE_SELFTEST=read-open,socket,execve run_be bb-free "$BB_TEST" --no-confine \
	--devid 51712 --image "$TMP/disk.img"
check "blkback --no-confine reaches InitWait" wait_for 10 state_is "$BE" 2
expect_log "and says it is not confined" "$TMP/bb-free.log" 'not confined \(--no-confine\)'
expect_log "the file is read" "$TMP/bb-free.log" 'selftest: open for reading: allowed'
expect_log "the AF_INET socket is made" "$TMP/bb-free.log" 'selftest: socket\(AF_INET\): allowed'
expect_log "execve reaches the kernel (ENOENT)" "$TMP/bb-free.log" 'selftest: execve: No such file'
expect_eq "no seccomp filter" 0 "$(status_field "$PID" Seccomp)"
kill "$PID"; ended "$PID"

# --user: the image and both sockets are opened as root, then nobody.
NOBODY=$(id -u nobody)
add_dev vbd 51712
run_be bb-user "$BIN/ketch-blkback" --devid 51712 --image "$TMP/disk.img" --user nobody
check "blkback --user nobody reaches InitWait" wait_for 10 state_is "$BE" 2
expect_eq "blkback runs as nobody" "$NOBODY	$NOBODY	$NOBODY	$NOBODY" "$(status_field "$PID" Uid)"
confined_ok "blkback as nobody" "$PID"
for t in /proc/"$PID"/task/*; do
	expect_eq "blkback thread ${t##*/}: no capabilities" 0000000000000000 \
		"$(sed -n 's/^CapEff:[[:space:]]*//p' "$t/status")"
done
xenstore-rm "/local/domain/$DOM/device/vbd/51712"
ended "$PID"; expect_eq "blkback as nobody leaves when its frontend goes, with 0" 0 "$ST"
out=$("$BIN/ketch-blkback" --domid $DOM --devid 51712 --image "$TMP/disk.img" \
	--user no-such-user-here 2>&1 </dev/null)
check "blkback: an unknown --user stops the start" test $? -eq 1
expect_match "and says why" 'cannot confine: no user no-such-user-here' "$out"

## ketch-blkback over NBD: a qemu-storage-daemon exporting a qcow2 image,
## started here as ketchd starts it (docs/block.md)
qemu-img create -q -f qcow2 "$TMP/disk.qcow2" 8M
start_qsd() { # sets QSD; true once its socket is there
	rm -f "$TMP/nbd.sock"
	qemu-storage-daemon --blockdev "driver=file,node-name=file,filename=$TMP/disk.qcow2" \
		--blockdev driver=qcow2,node-name=disk,file=file \
		--nbd-server "addr.type=unix,addr.path=$TMP/nbd.sock" \
		--export type=nbd,id=export,node-name=disk,name=disk,writable=on 2>>"$TMP/qsd.log" &
	QSD=$!
	on_exit "kill $QSD"
	wait_for 10 test -S "$TMP/nbd.sock"
}
check "a qemu-storage-daemon serves the image" start_qsd
add_dev vbd 51712
run_be bb-nbd "$BIN/ketch-blkback" --devid 51712 --image "$TMP/disk.qcow2" \
	--nbd "$TMP/nbd.sock" --nbd-pid "$QSD"
check "blkback over NBD, confined, reaches InitWait" wait_for 10 state_is "$BE" 2
confined_ok "blkback over NBD" "$PID"
{ kill -9 "$QSD"; wait "$QSD"; } 2>/dev/null
ended "$PID"; expect_eq "its NBD server killed: blkback leaves with 1 (to be restarted)" 1 "$ST"
expect_log "and says why" "$TMP/bb-nbd.log" "the NBD server's connection broke .*; exiting to be restarted"
check "another daemon" start_qsd
add_dev vbd 51712
run_be bb-nbd2 "$BIN/ketch-blkback" --devid 51712 --image "$TMP/disk.qcow2" \
	--nbd "$TMP/nbd.sock" --nbd-pid "$QSD"
check "blkback over NBD reaches InitWait again" wait_for 10 state_is "$BE" 2
kill "$PID"
ended "$PID"; expect_eq "blkback over NBD leaves on SIGTERM with 0" 0 "$ST"
check "having stopped its NBD server (through its pidfd, while confined)" wait_for 5 gone "$QSD"
out=$("$BIN/ketch-blkback" --domid $DOM --devid 51712 --image "$TMP/disk.qcow2" \
	--nbd "$TMP/nbd.sock" 2>&1 </dev/null)
expect_eq "--nbd without --nbd-pid: usage (2)" 2 "$?"
sleep 60 & # stands in for a daemon that never listened
out=$("$BIN/ketch-blkback" --domid $DOM --devid 51712 --image "$TMP/disk.qcow2" \
	--nbd "$TMP/nonexistent.sock" --nbd-pid $! 2>&1 </dev/null)
expect_eq "an NBD server that is not there: 1" 1 "$?"
expect_match "and says so" "NBD server at $TMP/nonexistent.sock: .*" "$out"
check "and the server it was given is stopped" wait_for 5 gone $!

## ketch-netback
add_dev vif 0
run_be nb "$BIN/ketch-netback" --devid 0
check "netback confined reaches InitWait" wait_for 10 state_is "$BE" 2
expect_log "netback says it is confined" "$TMP/nb.log" 'confined: seccomp allow-list, no capabilities'
check "its TAP is up" bash -c "ip link show vif$DOM.0 up | grep -q UP"
confined_ok netback "$PID"
kill -USR1 "$PID"
expect_log "netback confined logs its counters on SIGUSR1" "$TMP/nb.log" 'counters: tx 0 packets'
kill "$PID"
ended "$PID"; expect_eq "netback confined leaves on SIGTERM with 0" 0 "$ST"

for probe in execve socket; do
	add_dev vif 0
	KETCH_CONFINE_SELFTEST=read-open,$probe run_be "nb-$probe" "$NB_TEST" --devid 0
	ended "$PID"; expect_eq "netback: $probe ends it with SIGSYS" $SIGSYS_STATUS "$ST"
	expect_log "netback: the log names $probe" "$TMP/nb-$probe.log" \
		"ketch-netback: forbidden system call $probe \([0-9]+\) refused by the seccomp filter; stopping with SIGSYS"
done
expect_log "netback: reading a file by name is refused (EPERM)" "$TMP/nb-execve.log" \
	"selftest: open for reading: $READ_ANSWER"
check "its TAP went with it" wait_for 5 bash -c "! ip link show vif$DOM.0 2>/dev/null"

add_dev vif 0
run_be nb-user "$BIN/ketch-netback" --devid 0 --user nobody
check "netback --user nobody reaches InitWait" wait_for 10 state_is "$BE" 2
expect_eq "netback runs as nobody" "$NOBODY	$NOBODY	$NOBODY	$NOBODY" "$(status_field "$PID" Uid)"
confined_ok "netback as nobody" "$PID"
kill "$PID"
ended "$PID"; expect_eq "netback as nobody leaves on SIGTERM with 0" 0 "$ST"
finish
