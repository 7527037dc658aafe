#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# TCP in the guest kit: inside a network namespace made here (removed on
# exit), as in 80-network.sh, ketch-netback serves first the tcpecho
# guest, then the httpd guest, each on a TAP port of a bridge the host
# has an address on.  The host has 10 MB echoed over one connection and
# compares checksums, opens several connections one after another and
# two at once, resets one (the next is unharmed), and is refused on a
# closed port; then fetches httpd's page, a missing page, a request sent
# in pieces, and /stats, whose counters must reflect those fetches.
. "$(dirname "$0")/lib.sh"
in_netns ketch-tcp "$0" "$@"

. "$(dirname "$0")/lib_net.sh"

HVSOCK=$TMP/hv.sock
export XENSTORED_PATH=$TMP/xs.sock KETCH_HV_SOCKET=$TMP/hv.sock
ECHO_MB=${KETCH_TCP_ECHO_MB:-10}

ip link set lo up
start_hv "$HVSOCK"
start_xenstored "$XENSTORED_PATH" "$HVSOCK"
show_on_failure "$TMP/hv.log"

# --- tcpecho ------------------------------------------------------------------
E=10.0.0.2
start_guest tcpecho 00:16:3e:00:00:2b "$E"
out=$(client echo "$E" 7 $((ECHO_MB * 1000000)))
expect_match "$ECHO_MB MB echoed over one connection, checksums equal" "^same $((ECHO_MB * 1000000)) bytes" "$out"
echo "     tcp echo: $out"
expect_eq "5 connections one after another, each echoed" "all same" "$(client seq "$E" 7 5)"
expect_eq "two connections at once, each echoed whole" "both same" "$(client pair "$E" 7)"
expect_eq "a connection reset by the host" "reset sent" "$(client rst "$E" 7)"
check "the guest saw the reset" wait_for 10 guest_says "$ID" 'tcpecho: connection [0-9]+ closed after [0-9]+ bytes \(-107\)'
expect_eq "the next connection is unharmed" "all same" "$(client seq "$E" 7 1)"
expect_eq "a closed port answers with a reset" refused "$(client refused "$E" 9)"
stop_guest tcpecho "$E"

# The same transfer across a veth pair to an echo server in a namespace
# of its own, on the same machine in the same run: the floor beside the
# guest's figure.
if veth_peer; then
	out=$(client echo "$PEER_IP" 7 $((ECHO_MB * 1000000)))
	expect_match "the same $ECHO_MB MB across a veth pair" "^same " "$out"
	echo "     veth echo: $out"
else
	bad "a second namespace and a veth pair for the floor"
fi
expect_match "tcpecho counted 10 connections" 'tcpecho: 10 connections' "$(guest_log "$ID")"

# --- httpd --------------------------------------------------------------------
H=10.0.0.3
start_guest httpd 00:16:3e:00:00:2c "$H"
page=$(curl -sS --max-time $((30 * T_SCALE)) "http://$H/" 2>&1)
expect_match "curl fetches the page" 'Hello from a Ketch guest' "$page"
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time $((30 * T_SCALE)) "http://$H/nope" 2>&1)
expect_eq "a missing page is 404" 404 "$code"
expect_eq "a request line in pieces across segments is answered" "HTTP/1.0 200 OK" \
	"$(client pieces "$H" 80)"
stats=$(curl -sS --max-time $((30 * T_SCALE)) "http://$H/stats" 2>&1)
expect_match "/stats: 4 connections" '^connections 4$' "$stats"
expect_match "/stats: 4 requests" '^requests 4$' "$stats"
expect_match "/stats: one not found" '^not_found 1$' "$stats"
expect_match "/stats: bytes in and out counted" '^bytes_out [1-9][0-9]{2,}$' "$stats"
expect_match "/stats: drops reported" '^drops [0-9]+$' "$stats"
stats=$(curl -sS --max-time $((30 * T_SCALE)) "http://$H/stats" 2>&1)
expect_match "/stats again: the last fetch counted" '^requests 5$' "$stats"
stop_guest httpd "$H"

finish
