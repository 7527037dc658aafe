#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# The rate limit on what a guest sends (xl's rate=, libxl's backend node
# "rate" = "<bytes>,<usecs>"): inside a network namespace made here, as
# in 83-network-tcp.sh, the tcpecho guest's vif is limited to 4000 bytes
# every 20 ms (0.2 MB/s) from its connection.  The host has 600 kB echoed
# back: whole, and no faster than the limit (with a generous margin:
# this is about the limit holding, not about speed); ketch-netback counts
# the packets that waited for credit.  Then, as Linux's netback follows
# its node, the rate is lowered while connected (0.1 MB/s) and removed.
. "$(dirname "$0")/lib.sh"
in_netns ketch-rate "$0" "$@"

. "$(dirname "$0")/lib_net.sh"

HVSOCK=$TMP/hv.sock
export XENSTORED_PATH=$TMP/xs.sock KETCH_HV_SOCKET=$TMP/hv.sock
LOG=$TMP/nb-tcpecho.log

# echo_within BYTES LIMIT-MB/s: BYTES echoed whole, no faster than 1.5 x
# the limit.
echo_within() {
	local out mbs
	out=$(client echo "$E" 7 "$1")
	expect_match "$1 bytes echoed through a limit of $2 MB/s, checksums equal" "^same $1 bytes" "$out"
	echo "     echo: $out (limit $2 MB/s)"
	mbs=$(echo "$out" | awk '{ print $6 }')
	check "$mbs MB/s is within 1.5 x $2 MB/s" \
		awk -v r="$mbs" -v l="$2" 'BEGIN { exit !(r != "" && r <= 1.5 * l) }'
}

ip link set lo up
start_hv "$HVSOCK"
start_xenstored "$XENSTORED_PATH" "$HVSOCK"
show_on_failure "$TMP/hv.log"

E=10.0.0.2
start_guest tcpecho 00:16:3e:00:00:2d "$E" rate 4000,20000
expect_log "the backend took the rate at connection" "$LOG" 'tx limited to 4000 bytes every 20000 us'
echo_within 600000 0.2
kill -USR1 "$NBPID"
expect_log "packets waited for credit" "$LOG" \
	'counters: rate 4000 bytes per 20000 us, [1-9][0-9]* packets waited for credit'

xenstore-write "$BE/rate" 2000,20000
expect_log "a rate lowered while connected is followed" "$LOG" 'tx limited to 2000 bytes every 20000 us'
echo_within 200000 0.1
xenstore-rm "$BE/rate"
expect_log "a rate removed is followed" "$LOG" 'tx not limited'
out=$(client echo "$E" 7 200000)
expect_match "echoed whole without a limit" "^same 200000 bytes" "$out"
echo "     echo: $out (no limit)"
stop_guest tcpecho "$E"
expect_log "the last counters name no rate" "$LOG" 'stopped: tx [1-9]'
check "no rate line after it was removed" sh -c "! grep -q 'stopped: rate' '$LOG'"

finish
