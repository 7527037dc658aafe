#!/bin/bash
# ketch-xenstored's socket and files: made private (0700 directory, 0600
# socket, 0600 --persist file) whatever the umask, clients other than root
# and the daemon's own uid refused even when the socket file lets them
# connect, and a socket path that is not a stale socket left alone.
. "$(dirname "$0")/lib.sh"

NOBODY=65534
XSD_PIDS=()

start_xsd() { # SOCKET [ARGS...]: starts the daemon (as $AS, if set), waits for its socket
	local sock=$1
	shift
	(
		umask 000
		exec ${AS:+setpriv --reuid=$AS --regid=$AS --clear-groups} \
			"$BIN/ketch-xenstored" --socket "$sock" "$@" 2>>"$TMP/xsd.log"
	) &
	XSD_PID=$!
	XSD_PIDS+=($XSD_PID)
	on_exit "kill $XSD_PID"
	for _ in $(seq 50); do [ -S "$sock" ] && return 0; sleep 0.1; done
	return 1
}

# as UID CMD...: runs CMD as UID (with no supplementary groups).
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --clear-groups "$@"; }
mode() { stat -c %a "$1"; }

# 1. Made private whatever the umask (000 here).
SOCK=$TMP/run/sub/xs.sock
check "daemon starts where the socket's directories do not exist yet" start_xsd "$SOCK"
expect_eq "socket directory created 0700" 700 "$(mode "$TMP/run/sub")"
expect_eq "socket created 0600" 600 "$(mode "$SOCK" 2>&1)"
XENSTORED_PATH=$SOCK xenstore-write /secret s3 2>/dev/null
expect_eq "root is served" s3 "$(XENSTORED_PATH=$SOCK xenstore-read /secret 2>&1)"

kill $XSD_PID
wait $XSD_PID 2>/dev/null

# 2. Other users are refused by their credentials, not only by file modes:
#    open the path up as a careless administrator might.
mkdir -m 755 "$TMP/open"
chmod 755 "$TMP"
SOCK=$TMP/open/xs.sock
check "daemon starts in an existing directory" start_xsd "$SOCK"
chmod 666 "$SOCK"
XENSTORED_PATH=$SOCK xenstore-write /secret s3 2>/dev/null
out=$(as $NOBODY env XENSTORED_PATH="$SOCK" timeout 10 xenstore-read /secret 2>&1)
rc=$?
check "uid $NOBODY is refused (exit $rc: $out)" test $rc -ne 0 -a "$out" != s3
expect_match "and the refusal is logged" "refused a client: pid [0-9]+ uid $NOBODY" \
	"$(cat "$TMP/xsd.log")"
expect_eq "root is still served" s3 "$(XENSTORED_PATH=$SOCK xenstore-read /secret 2>&1)"

# 3. A live socket is not taken over; a non-socket is not removed.
timeout 5 "$BIN/ketch-xenstored" --socket "$SOCK" 2>"$TMP/second.log"
rc=$?
check "a second daemon on a live socket does not start (exit $rc)" test $rc -eq 1
expect_eq "and the first still answers there" s3 \
	"$(XENSTORED_PATH=$SOCK xenstore-read /secret 2>&1)"
echo precious >"$TMP/file"
timeout 5 "$BIN/ketch-xenstored" --socket "$TMP/file" 2>>"$TMP/second.log"
rc=$?
check "a path that is not a socket stops the start (exit $rc)" test $rc -eq 1
expect_eq "and is left alone" precious "$(cat "$TMP/file" 2>&1)"
{ kill -9 $XSD_PID; wait $XSD_PID; } 2>/dev/null
check "after a crash, the stale socket is replaced" start_xsd "$SOCK"
kill $XSD_PID

# 4. A daemon running as another user accepts root and itself only.
mkdir -p "$TMP/nb" && chown $NOBODY "$TMP/nb"
NSOCK=$TMP/nb/xs.sock
AS=$NOBODY check "daemon runs as uid $NOBODY" start_xsd "$NSOCK"
out=$(as $NOBODY env XENSTORED_PATH="$NSOCK" timeout 10 \
	sh -c 'xenstore-write /mine yes && xenstore-read /mine' 2>&1)
expect_eq "its own uid is served" yes "$out"
expect_eq "root is served" yes "$(XENSTORED_PATH=$NSOCK timeout 10 xenstore-read /mine 2>&1)"
chmod 666 "$NSOCK"
out=$(as 4321 env XENSTORED_PATH="$NSOCK" timeout 10 xenstore-read /mine 2>&1)
check "uid 4321 is refused ($out)" test "$out" != yes
expect_match "and the refusal is logged" "refused a client: pid [0-9]+ uid 4321" \
	"$(cat "$TMP/xsd.log")"
kill $XSD_PID

# 5. --persist files are 0600.
check "daemon starts with --persist" start_xsd "$TMP/p.sock" --persist "$TMP/tree"
XENSTORED_PATH=$TMP/p.sock xenstore-write /keep v
kill -TERM $XSD_PID
wait $XSD_PID
expect_eq "persist file written 0600 (umask 000)" 600 "$(mode "$TMP/tree" 2>&1)"
finish
