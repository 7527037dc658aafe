#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# PV networking: inside a network namespace made here (removed on exit),
# ketch-netback serves the netecho guest (netfront and the kit's IPv4
# stack) over Xen's network protocol, with the xenstore layout libxl
# writes.  Its TAP vif<domid>.0 is a port of a bridge it creates; the
# host, on that bridge, pings the guest and has UDP datagrams echoed, one
# of them larger than the guest's transmit slots (NETTXF_more_data).
# Before serving, the guest sends malformed packets, each refused and
# counted while the vif goes on working; then it publishes an impossible
# ring index, the backend closes that vif and stays up, and the guest
# connects again and is pinged and echoed again.
. "$(dirname "$0")/lib.sh"
in_netns ketch-net "$0" "$@"

HVSOCK=$TMP/hv.sock
export XENSTORED_PATH=$TMP/xs.sock KETCH_HV_SOCKET=$TMP/hv.sock
CTL() { "$BIN/ketchctl-hv" --socket "$HVSOCK" "$@"; }
NB=$BIN/ketch-netback
BR=ketchbr0 HOST_IP=10.0.0.1 GUEST_IP=10.0.0.2 MAC=00:16:3e:00:00:2a
CHUNK=512 # the guest's transmit slots: larger frames take several

state_of() { CTL info "$1" 2>/dev/null | sed -n 's/^state: //p'; }
wait_for() { # SECONDS COMMAND...: true once COMMAND succeeds (scaled)
	local n=$(($1 * 10 * T_SCALE))
	shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
stopped() { [ "$(state_of "$1")" = shutdown ] || [ "$(state_of "$1")" = crashed ]; }
be_state_is() { [ "$(xenstore-read "$BE/state" 2>/dev/null)" = "$1" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
gone_link() { ! ip link show "$1" >/dev/null 2>&1; }
guest_log() { grep "d$id: " "$TMP/hv.log"; }
guest_says() { guest_log | grep -qE -- "$1"; }

# add_vif DOMID: libxl's nodes for its vif (lib.sh); BE names the backend's.
add_vif() {
	BE=/local/domain/0/backend/vif/$1/0
	xs_add_vif "$1" "$MAC" "$BR"
}


ip link set lo up
start_hv "$HVSOCK"
start_xenstored "$XENSTORED_PATH" "$HVSOCK"

out=$("$NB" --domid 1 --devid 0 --mtu 9000 2>&1)
expect_eq "an MTU larger than a page: exit 2" 2 "$?"
out=$("$NB" --domid 99 --devid 0 2>&1)
expect_match "no vif in xenstore: exit 1, says why" 'frontend is missing' "$out"

# --- the guest, its vif, the backend, the bridge ----------------------------
id=$(CTL boot "$GUESTS/netecho" --memory 32M --paused \
	--cmdline "ip=$GUEST_IP/24 gw=$HOST_IP chunk=$CHUNK hostile=1 timeout_s=$((30 * T_SCALE)) run_s=$((120 * T_SCALE))")
expect_match "netecho booted" '^[0-9]+$' "$id"
"$BUILD/tests/bin/xs_toolstack" introduce "$HVSOCK" "$id" "net$id" >/dev/null && add_vif "$id" ||
	{ bad "xenstore layout for domain $id"; finish; }
"$NB" --domid "$id" --devid 0 --create-bridge >/dev/null 2>"$TMP/nb.log" &
NBPID=$!
on_exit "kill $NBPID"
if ! wait_for 10 be_state_is 2; then
	bad "backend reached InitWait: $(cat "$TMP/nb.log")"
	finish
fi
ok "backend reached InitWait"
expect_eq "backend offers rx-copy" 1 "$(xenstore-read "$BE/feature-rx-copy")"
expect_eq "backend offers scatter-gather" 1 "$(xenstore-read "$BE/feature-sg")"
expect_eq "backend did the hotplug script's work" connected "$(xenstore-read "$BE/hotplug-status")"
link=$(ip -d link show "vif$id.0" 2>&1)
expect_match "TAP vif$id.0 exists, up" "vif$id.0: <.*UP.*> mtu 1500 .*master $BR" "$link"
expect_match "with Xen's backend address" 'link/ether fe:ff:ff:ff:ff:ff' "$link"
expect_match "bridge $BR created from xenstore's bridge node" 'bridge' "$(ip -d link show "$BR" 2>&1)"
ip addr add "$HOST_IP/24" dev "$BR"

CTL unpause "$id"
check "guest connected and ready" wait_for 60 guest_says 'netecho: ready vif 0 mac 00:16:3e:00:00:2a ip 10.0.0.2 udp 7'
expect_log "backend logged the connection" "$TMP/nb.log" \
	"connected: guest $MAC, tx-ring-ref [0-9]+, rx-ring-ref [0-9]+, event channel [0-9]+\$"
for c in "cross-page slot" "bad grant" "oversize frame" "runt frame" \
	"slot bigger than its packet" "too many slots"; do
	expect_match "guest: $c refused" "PASS $c refused\$" "$(guest_log)"
done

# --- traffic -----------------------------------------------------------------
pong=$(ping -c 3 -i 0.5 -W $((2 * T_SCALE)) "$GUEST_IP" 2>&1)
expect_match "the host pings the guest" ' 0% packet loss' "$pong"
expect_eq "a small datagram is echoed" same "$(netecho_udp 'hello ketch ' "$GUEST_IP" 12)"
expect_eq "a 1400-byte datagram is echoed (3 slots each way out)" same \
	"$(netecho_udp 'abcdefghijklmnopqrstuvwxyz0123456789' "$GUEST_IP" 1400)"
expect_match "the host learnt the guest's address by ARP" "$GUEST_IP .*$MAC" \
	"$(ip neigh show dev "$BR")"

kill -USR1 "$NBPID"
expect_log "netback's counters: packets both ways, five malformed refused, one bad grant" "$TMP/nb.log" \
	'counters: tx [1-9][0-9]* packets [0-9]+ bytes, 5 refused, 1 bad grants, .*rx [1-9][0-9]* packets'
expect_log "each malformed kind counted" "$TMP/nb.log" \
	'counters: .*shorter than an Ethernet header 1; larger than the largest frame 1; a slot crosses its page 1; a slot larger than the packet 1; too many slots 1'

# --- quit, an impossible index, a reconnection, quit again ------------------
expect_eq "quit is answered" "differs: 3 bytes b'bye'" "$(netecho_udp quit "$GUEST_IP" 4)"
check "guest connected again after the backend closed the vif" \
	wait_for 60 guest_says 'netecho: ready again'
expect_match "guest: the backend closed the vif on an impossible index" \
	'PASS impossible tx index: the backend closed the vif$' "$(guest_log)"
expect_eq "the same backend serves the new connection" 2 "$(grep -c 'connected: guest' "$TMP/nb.log")"
expect_match "the host pings the guest again" ' 0% packet loss' \
	"$(ping -c 2 -i 0.5 -W $((2 * T_SCALE)) "$GUEST_IP" 2>&1)"
expect_eq "a datagram is echoed again" same "$(netecho_udp 'again ' "$GUEST_IP" 100)"
expect_eq "the second quit is answered" "differs: 3 bytes b'bye'" "$(netecho_udp quit "$GUEST_IP" 4)"
check "netecho stopped" wait_for 60 stopped "$id"
expect_match "netecho exit code 0" '^shutdown_code: 0$' "$(CTL info "$id")"
expect_match "netecho verdict" 'netecho: PASS, 0 failures' "$(guest_log)"
guest_log | grep -E 'FAIL|netecho: (netfront|stack)'
expect_log "backend logged the impossible index" "$TMP/nb.log" 'tx ring: impossible request index'
check "backend exits once its domain stopped" wait_for 10 gone "$NBPID"
wait "$NBPID"
expect_eq "backend exit status 0: it outlived the bad frontend" 0 "$?"
expect_match "and went on serving until its domain stopped" \
	'impossible request index.*domain [0-9]+ stopped' "$(tr '\n' ' ' <"$TMP/nb.log")"
expect_eq "backend state Closed" 6 "$(xenstore-read "$BE/state")"
CTL destroy "$id"
expect_log "final counters with the ring error" "$TMP/nb.log" 'stopped: tx .* 1 ring errors'
check "the TAP went with the backend" wait_for 5 gone_link "vif$id.0"

finish
