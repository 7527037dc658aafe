#!/bin/bash
# Transaction semantics side by side: the same scripts (xs_txscript, through
# Debian's libxenstore) run against ketch-xenstored and against Debian's own
# C xenstored (the reference peer).  Each step states Xen's reply; both
# daemons must give it, and their transcripts must be identical.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEER=${XS_REFERENCE:-$ROOT/../shared/peers/xenstored/start-reference-xenstored.sh}

# Scenarios use disjoint subtrees, so they do not disturb each other.  A
# second client (B) writes only after the transaction touched what it
# changes: Xen reads the live node at first access, ketch a snapshot.
cat >"$TMP/script" <<'EOF'
== write a new child, then list the parent
A write - /s1/p/c 1 => OK
A start tx => OK
A write tx /s1/p/new 1 => OK
A dir tx /s1/p => [c new]
A end T => OK
A dir - /s1/p => [c new]

== remove a child, then list the parent
A write - /s2/p/c 1 => OK
A write - /s2/p/d 1 => OK
A start tx => OK
A rm tx /s2/p/c => OK
A dir tx /s2/p => [d]
A end T => OK
A dir - /s2/p => [d]

== mkdir, then read the parent
A write - /s3/p v => OK
A start tx => OK
A mkdir tx /s3/p/m => OK
A read tx /s3/p => v
A end T => OK
A dir - /s3/p => [m]

== remove a child, then read the parent
A write - /s4/p v => OK
A write - /s4/p/c 1 => OK
A start tx => OK
A rm tx /s4/p/c => OK
A read tx /s4/p => v
A end T => OK
A dir - /s4/p => []

== write a deep path, then list every ancestor
A write - /s5 x => OK
A start tx => OK
A write tx /s5/a/b/c v => OK
A dir tx /s5 => [a]
A dir tx /s5/a => [b]
A dir tx /s5/a/b => [c]
A end T => OK
A read - /s5/a/b/c => v

== write then remove a child in one transaction, then list
A mkdir - /s6 => OK
A start tx => OK
A write tx /s6/x 1 => OK
A rm tx /s6/x => OK
A dir tx /s6 => []
A end T => OK
A dir - /s6 => []

== read back the transaction's own writes
A start tx => OK
A write tx /s7/k v1 => OK
A read tx /s7/k => v1
A write tx /s7/k v2 => OK
A read tx /s7/k => v2
A end T => OK
A read - /s7/k => v2

== change permissions, read them and list the parent
A write - /s8/n v => OK
A start tx => OK
A chmod tx /s8/n n0 r5 => OK
A perms tx /s8/n => n0,r5
A dir tx /s8 => [n]
A end T => OK
A perms - /s8/n => n0,r5

== remove a node and write it again
A write - /s9/x old => OK
A start tx => OK
A rm tx /s9/x => OK
A read tx /s9/x => ENOENT
A write tx /s9/x new => OK
A dir tx /s9 => [x]
A end T => OK
A read - /s9/x => new

== mkdir a deep path, list what it made
A start tx => OK
A mkdir tx /s10/a/b => OK
A dir tx /s10/a => [b]
A dir tx /s10 => [a]
A end T => OK
A dir - /s10/a => [b]

== remove missing nodes
A mkdir - /s11 => OK
A start tx => OK
A rm tx /s11/none => OK
A rm tx /s11/no/deeper => ENOENT
A read tx /s11/none => ENOENT
A end T => OK

== abort leaves nothing
A start tx => OK
A write tx /s12/x 1 => OK
A end F => OK
A read - /s12/x => ENOENT

== two clients, disjoint transactions
A mkdir - /s13 => OK
A mkdir - /s14 => OK
A start tx => OK
B start tx => OK
A write tx /s13/a 1 => OK
B write tx /s14/b 1 => OK
A end T => OK
B end T => OK
A read - /s14/b => 1

== conflict: a node the transaction read is changed
A write - /c1/k 0 => OK
A start tx => OK
A read tx /c1/k => 0
B write - /c1/k other => OK
A write tx /c1z/z 1 => OK
A end T => EAGAIN
A read - /c1/k => other
A read - /c1z/z => ENOENT

== conflict: a child added to a parent the transaction listed
A write - /c2/p/a 1 => OK
A start tx => OK
A write tx /c2/p/new 1 => OK
A dir tx /c2/p => [a new]
B write - /c2/p/other 1 => OK
A end T => EAGAIN
A dir - /c2/p => [a other]

== conflict: a write inside a subtree the transaction removes
A write - /c3/d/keep 1 => OK
A start tx => OK
A rm tx /c3/d => OK
B write - /c3/d/keep changed => OK
A end T => EAGAIN
A read - /c3/d/keep => changed

== conflict: a node read as missing is created
A mkdir - /c4 => OK
A mkdir - /c4x => OK
A start tx => OK
A read tx /c4/m => ENOENT
B write - /c4/m 1 => OK
A write tx /c4x/other 1 => OK
A end T => EAGAIN
A read - /c4x/other => ENOENT

== conflict: a node the transaction wrote is written by another client
A write - /c5/k 0 => OK
A start tx => OK
A write tx /c5/k mine => OK
B write - /c5/k theirs => OK
A end T => EAGAIN
A read - /c5/k => theirs

== conflict: the parent of a new node is removed
A write - /c6/p/x 1 => OK
A start tx => OK
A write tx /c6/p/new 1 => OK
B rm - /c6/p => OK
A end T => EAGAIN
A read - /c6/p => ENOENT

== conflict: the parent of a new node changes permissions
A write - /c7/p/x 1 => OK
A start tx => OK
A write tx /c7/p/new 1 => OK
B chmod - /c7/p n0 r3 => OK
A end T => EAGAIN
A read - /c7/p/new => ENOENT

== conflict: two transactions that read what the other writes
A write - /c8/a 0 => OK
A write - /c8/b 0 => OK
A start tx => OK
B start tx => OK
A read tx /c8/a => 0
B read tx /c8/b => 0
A write tx /c8/b 1 => OK
B write tx /c8/a 1 => OK
A end T => OK
B end T => EAGAIN
A read - /c8/a => 0
A read - /c8/b => 1

== no conflict: another client writes elsewhere
A write - /n1/a 0 => OK
A start tx => OK
A read tx /n1/a => 0
A write tx /n1/a 1 => OK
B write - /n1x/elsewhere 1 => OK
A end T => OK
A read - /n1/a => 1
EOF

# run NAME SOCKET: runs the script, reports each step, keeps the transcript.
run() {
	local verdict what
	while read -r verdict what; do
		case $verdict in
		ok) ok "$1: $what" ;;
		exit=0) ;;
		*) bad "$1: $verdict $what" ;;
		esac
	done < <(XENSTORED_PATH=$2 timeout 60 "$BUILD/tests/bin/xs_txscript" -t "$TMP/$1.out" \
			<"$TMP/script" 2>&1; echo "exit=$?")
}

"$BIN/ketch-xenstored" --socket "$TMP/ketch.sock" 2>"$TMP/ketch.log" &
on_exit "kill $!"
for _ in $(seq 50); do [ -S "$TMP/ketch.sock" ] && break; sleep 0.1; done
run ketch "$TMP/ketch.sock"

if [ -x "$PEER" ] && "$PEER" "$TMP/ref" >/dev/null 2>"$TMP/ref.err"; then
	on_exit "kill $(cat "$TMP/ref/xenstored.pid")"
	run xen "$TMP/ref/socket"
	check "ketch-xenstored and Xen's xenstored give the same replies" \
		diff "$TMP/ketch.out" "$TMP/xen.out"
else
	echo "SKIP - reference xenstored unavailable ($PEER): $(tail -1 "$TMP/ref.err" 2>/dev/null)"
fi
finish
