#!/bin/bash
# ketch-xenstored driven by Debian's unmodified xenstore-utils, plus the
# daemon's own command line: foreground run, clean SIGTERM, persistence.
. "$(dirname "$0")/lib.sh"

SOCK=$TMP/xs.sock
export XENSTORED_PATH=$SOCK

start_xsd() {
	rm -f "$SOCK"
	"$BIN/ketch-xenstored" --socket "$SOCK" "$@" 2>>"$TMP/xsd.log" &
	XSD_PID=$!
	on_exit "kill $XSD_PID"
	for _ in $(seq 50); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
	return 1
}

check "daemon starts on --socket" start_xsd

check "xenstore-write" xenstore-write /vm/a/b hello /vm/a/c world
expect_eq "xenstore-read" "hello" "$(xenstore-read /vm/a/b)"
check "xenstore-exists on a node" xenstore-exists /vm/a/c
check "xenstore-exists fails on a missing node" bash -c '! xenstore-exists /vm/nope'
expect_eq "xenstore-list" "$(printf 'b\nc')" "$(xenstore-list /vm/a)"
expect_match "xenstore-ls shows the tree" '^ b = "hello"' "$(xenstore-ls /vm/a 2>&1; xenstore-ls /vm)"
out=$(xenstore-read /vm/nope 2>&1); rc=$?
check "xenstore-read of a missing node fails" test $rc -ne 0
expect_match "and says so" "couldn't read path /vm/nope" "$out"

check "xenstore-chmod" xenstore-chmod /vm/a/b r5 b7
expect_match "xenstore-ls -p shows permissions" 'b = "hello".*\(r5,b7\)' "$(xenstore-ls -p /vm/a)"

check "xenstore-rm" xenstore-rm /vm/a/c
expect_eq "removed node is gone from the list" "b" "$(xenstore-list /vm/a)"
check "xenstore-rm of a missing leaf is fine" xenstore-rm /vm/a/none

check "relative write (domain 0's home)" xenstore-write rel/x 42
expect_eq "relative path lands under /local/domain/0" "42" "$(xenstore-read /local/domain/0/rel/x)"

big=$(head -c 3000 /dev/zero | tr '\0' 'v')
check "3000-byte value" xenstore-write /vm/big "$big"
expect_eq "3000-byte value reads back" "$big" "$(xenstore-read /vm/big)"

timeout 10 xenstore-watch -n 3 /vm/w >"$TMP/watch.out" 2>&1 &
wpid=$!
# Write only once the watch is registered (its initial event has arrived).
for _ in $(seq 100); do grep -q . "$TMP/watch.out" && break; sleep 0.05; done
xenstore-write /vm/w/one 1
xenstore-write /vm/w/two 2
wait $wpid
expect_eq "xenstore-watch: initial event then two changes" \
	"$(printf '/vm/w\n/vm/w/one\n/vm/w/two')" "$(cat "$TMP/watch.out")"

kill -TERM $XSD_PID
wait $XSD_PID
expect_eq "SIGTERM ends the daemon cleanly" 0 $?
check "and removes its socket" test ! -e "$SOCK"

# Persistence: a clean restart with --persist keeps the tree.
start_xsd --persist "$TMP/tree"
xenstore-write /keep/me "still here"
xenstore-chmod /keep/me r3
kill -TERM $XSD_PID
wait $XSD_PID
check "tree saved on SIGTERM" test -s "$TMP/tree"
start_xsd --persist "$TMP/tree"
expect_eq "value survives a restart" "still here" "$(xenstore-read /keep/me)"
expect_match "permissions survive a restart" '\(r3\)' "$(xenstore-ls -p /keep)"
kill -TERM $XSD_PID
wait $XSD_PID

# Without --socket it listens where libxenstore looks ($XENSTORED_PATH here).
XENSTORED_PATH=$TMP/env.sock "$BIN/ketch-xenstored" 2>>"$TMP/xsd.log" &
epid=$!
on_exit "kill $epid"
for _ in $(seq 50); do [ -S "$TMP/env.sock" ] && break; sleep 0.1; done
XENSTORED_PATH=$TMP/env.sock xenstore-write /env ok
expect_eq "default socket follows XENSTORED_PATH" "ok" \
	"$(XENSTORED_PATH=$TMP/env.sock xenstore-read /env)"
kill $epid

printf '/x\n1 q9\n0\n\n' >"$TMP/corrupt"
out=$("$BIN/ketch-xenstored" --socket "$TMP/c.sock" --persist "$TMP/corrupt" 2>&1)
expect_eq "a corrupt --persist file stops the start" 1 $?
expect_match "and says which file" "cannot load $TMP/corrupt" "$out"

"$BIN/ketch-xenstored" --bogus >/dev/null 2>&1
expect_eq "unknown option exits 2" 2 $?
"$BIN/ketch-xenstored" --quota nodes=oops >/dev/null 2>&1
expect_eq "bad --quota exits 2" 2 $?
finish
