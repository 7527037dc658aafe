#!/bin/bash
# Protocol tests through Debian's libxenstore (xs_libxs_test) against ketch-xenstored.
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
done < <(XENSTORED_PATH=$SOCK timeout 60 "$BUILD/tests/bin/xs_libxs_test" 2>&1; echo "exit=$?")
check "daemon still running" kill -0 $XSD_PID
finish
