#!/bin/bash
# ketch-netback's host side, no guest and no KVM needed: inside a network
# namespace made here (removed on exit), with ketch-xenstored and
# fake_hv.py standing in for ketch-hv, the backend finds its vif in
# xenstore, makes its TAP through netlink (MTU, address, bridge created or
# joined, up), offers its features and waits in InitWait; it refuses bad
# options, a missing vif, a missing bridge and a device that is not a
# bridge; it logs its counters on SIGUSR1, leaves on SIGTERM, when its
# frontend directory is removed, and when the toolstack takes the vif
# offline, its TAP going with it each time.  A frontend left connected to
# a backend that died is told Closed and served only once it starts over.
. "$(dirname "$0")/lib.sh"
in_netns ketch-nbh "$0" "$@"

export XENSTORED_PATH=$TMP/xs.sock KETCH_HV_SOCKET=$TMP/hv.sock
NB=$BIN/ketch-netback
DOM=5

wait_for() { # SECONDS COMMAND...: true once COMMAND succeeds (scaled)
	local n=$(($1 * 10 * T_SCALE))
	shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
gone() { ! kill -0 "$1" 2>/dev/null; }
no_link() { ! ip link show "$1" >/dev/null 2>&1; }
be_state_is() { [ "$(xenstore-read "$BE/state" 2>/dev/null)" = "$1" ]; }

# add_vif DEVID [BRIDGE] [MTU]: libxl's nodes for a vif of domain DOM.
add_vif() {
	local fe=/local/domain/$DOM/device/vif/$1
	BE=/local/domain/0/backend/vif/$DOM/$1
	xenstore-write "$BE/frontend" "$fe" "$BE/frontend-id" $DOM "$BE/online" 1 \
		"$BE/state" 1 "$BE/mac" 00:16:3e:00:00:05 "$BE/handle" "$1" "$BE/type" vif &&
		xenstore-write "$fe/backend" "$BE" "$fe/backend-id" 0 "$fe/state" 1 \
			"$fe/mac" 00:16:3e:00:00:05 &&
		{ [ -z "$2" ] || xenstore-write "$BE/bridge" "$2"; } &&
		{ [ -z "$3" ] || xenstore-write "$BE/mtu" "$3"; }
}

# start_nb DEVID ARGS...: the backend in the background; sets NBPID.
start_nb() {
	local dev=$1
	shift
	"$NB" --domid $DOM --devid "$dev" "$@" >/dev/null 2>"$TMP/nb.$dev.log" &
	NBPID=$!
	on_exit "kill $NBPID"
}

start_fake_hv "$KETCH_HV_SOCKET" $DOM
start_xenstored "$XENSTORED_PATH" "$KETCH_HV_SOCKET"

# --- refusals -----------------------------------------------------------------
"$NB" --domid $DOM 2>/dev/null
expect_eq "missing --devid: exit 2" 2 "$?"
"$NB" --domid $DOM --devid 0 --mtu 4083 2>/dev/null
expect_eq "an MTU past a page less the header: exit 2" 2 "$?"
out=$("$NB" --domid $DOM --devid 0 2>&1)
expect_eq "no vif in xenstore: exit 1" 1 "$?"
expect_match "and says so" 'backend/vif/5/0/frontend is missing' "$out"
check "and made no TAP" no_link vif$DOM.0
add_vif 0
out=$("$NB" --domid $DOM --devid 0 --bridge nosuchbr 2>&1)
expect_eq "a bridge that does not exist: exit 1" 1 "$?"
expect_match "and says so" 'bridge nosuchbr: ' "$out"
ip link set lo up
out=$("$NB" --domid $DOM --devid 0 --bridge lo 2>&1)
expect_match "a device that is not a bridge is refused" 'lo is not a bridge' "$out"
xenstore-write "$BE/mtu" 20
out=$("$NB" --domid $DOM --devid 0 2>&1)
expect_match "a bad mtu node is refused" 'mtu 20: must be 68..4082' "$out"
xenstore-rm "$BE/mtu"

# --- a vif on a bridge it creates, named by xenstore --------------------------
add_vif 0 ketchbr9 1400
start_nb 0 --create-bridge
check "InitWait" wait_for 10 be_state_is 2
for f in feature-sg feature-rx-copy; do
	expect_eq "offers $f" 1 "$(xenstore-read "$BE/$f")"
done
expect_eq "no split event channels" 0 "$(xenstore-read "$BE/feature-split-event-channels")"
expect_eq "hotplug-status connected" connected "$(xenstore-read "$BE/hotplug-status")"
link=$(ip -d link show vif$DOM.0 2>&1)
expect_match "TAP vif5.0 up, mtu from xenstore, on the bridge" \
	'vif5\.0: <.*,UP,.*> mtu 1400 .*master ketchbr9' "$link"
expect_match "a TAP, not persistent" 'tun type tap pi off vnet_hdr off persist off' "$link"
expect_match "address fe:ff:ff:ff:ff:ff" 'link/ether fe:ff:ff:ff:ff:ff' "$link"
expect_match "the bridge was created and is up" 'ketchbr9: <.*,UP' "$(ip link show ketchbr9 2>&1)"
expect_log "it says so" "$TMP/nb.0.log" 'bridge ketchbr9 created'
kill -USR1 $NBPID
expect_log "SIGUSR1 logs the counters" "$TMP/nb.0.log" \
	'counters: tx 0 packets 0 bytes, 0 refused, 0 bad grants, 0 csum dropped, 0 tap dropped; rx 0 packets 0 bytes, 0 too big, 0 bad grants; 0 ring errors$'

# A second vif joins the existing bridge; --mtu beats xenstore.
add_vif 1 ketchbr9
start_nb 1 --mtu 1280
P1=$NBPID
check "second vif in InitWait" wait_for 10 be_state_is 2
expect_match "vif5.1 joined the bridge with its own MTU" 'mtu 1280 .*master ketchbr9' \
	"$(ip link show vif$DOM.1 2>&1)"
check "the bridge was not created twice" test "$(grep -c created "$TMP/nb.1.log")" = 0

# --- leaving --------------------------------------------------------------------
kill -TERM $P1
check "SIGTERM: it leaves" wait_for 10 gone $P1
wait $P1
expect_eq "exit status 0" 0 "$?"
expect_eq "state Closed" 6 "$(xenstore-read /local/domain/0/backend/vif/$DOM/1/state)"
check "its TAP went with it" wait_for 5 no_link vif$DOM.1
xenstore-rm /local/domain/$DOM/device/vif/0
check "frontend directory removed: it leaves" wait_for 10 gone $NBPID
wait $NBPID
expect_eq "exit status 0" 0 "$?"
check "its TAP went with it" wait_for 5 no_link vif$DOM.0
check "the bridge stays" ip link show ketchbr9 >/dev/null

# A frontend still Connected to a backend that died (which had written
# its state): the new one says Closed, never takes the old rings, and
# waits for it to start over.
add_vif 3
xenstore-write /local/domain/$DOM/device/vif/3/state 4 /local/domain/$DOM/device/vif/3/tx-ring-ref 9 \
	/local/domain/$DOM/device/vif/3/rx-ring-ref 10 /local/domain/$DOM/device/vif/3/event-channel 5 \
	"$BE/state" 4
start_nb 3
check "a frontend left connected is told Closed" wait_for 10 be_state_is 6
expect_log "and why" "$TMP/nb.3.log" 'frontend is in state 4 from an earlier backend: asking it to reconnect'
xenstore-write /local/domain/$DOM/device/vif/3/state 4
sleep $((1 * T_SCALE))
expect_eq "its Connected again changes nothing" 6 "$(xenstore-read "$BE/state")"
check "the old rings were not taken" bash -c "! grep -q 'connected:\|ring grant' '$TMP/nb.3.log'"
xenstore-write /local/domain/$DOM/device/vif/3/state 1
check "it starts over from Initialising: InitWait" wait_for 10 be_state_is 2
kill -TERM $NBPID
check "and leaves on SIGTERM" wait_for 10 gone $NBPID

# A frontend that went Connected before any backend answered (the
# backend's state still the toolstack's Initialising), as Mini-OS's
# netfront does: served, not told to start over.
add_vif 4
xenstore-write /local/domain/$DOM/device/vif/4/state 4 /local/domain/$DOM/device/vif/4/tx-ring-ref 9 \
	/local/domain/$DOM/device/vif/4/rx-ring-ref 10 /local/domain/$DOM/device/vif/4/event-channel 5 \
	/local/domain/$DOM/device/vif/4/request-rx-copy 1
start_nb 4
expect_log "a frontend Connected before any backend answered is served" "$TMP/nb.4.log" \
	'frontend is in state 4 before any backend answered: serving it'
check "it was never told Closed" bash -c "! grep -q 'earlier backend' '$TMP/nb.4.log'"
kill -TERM $NBPID
check "and leaves on SIGTERM" wait_for 10 gone $NBPID

add_vif 2
start_nb 2
check "third vif in InitWait" wait_for 10 be_state_is 2
xenstore-write "$BE/online" 0 /local/domain/$DOM/device/vif/2/state 6
check "offline and the frontend Closed: it leaves" wait_for 10 gone $NBPID
wait $NBPID
expect_eq "exit status 0" 0 "$?"
expect_eq "state Closed" 6 "$(xenstore-read "$BE/state")"

finish
