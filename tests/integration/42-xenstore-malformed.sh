#!/bin/bash
# Malformed and hostile socket traffic (xs_malformed) against ketch-xenstored.
. "$(dirname "$0")/lib.sh"

SOCK=$TMP/xs.sock
"$BIN/ketch-xenstored" --socket "$SOCK" 2>"$TMP/xsd.log" &
XSD_PID=$!
on_exit "kill $XSD_PID"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done

while read -r verdict what; do
	case $verdict in
	ok) ok "$what" ;;
	exit=0) ;;
	*) bad "$verdict $what" ;;
	esac
done < <(timeout 60 "$BUILD/tests/bin/xs_malformed" "$SOCK" 2>&1; echo "exit=$?")
check "daemon still running" kill -0 $XSD_PID
XENSTORED_PATH=$SOCK xenstore-write /alive yes
expect_eq "and still answers xenstore-utils" "yes" "$(XENSTORED_PATH=$SOCK xenstore-read /alive)"
finish
