# Shared helpers (sourced after lib.sh, inside the namespace in_netns
# made) for the scripts that serve a test guest over a vif of their own
# with ketch-netback, as a toolstack would: 83-network-tcp.sh,
# 85-network-rate.sh and bench/70-network.sh.  They need ketch-hv on
# $HVSOCK and ketch-xenstored started, and set the bridge $BR the host
# has $HOST_IP on.
NB=$BIN/ketch-netback
BR=ketchbr0 HOST_IP=10.0.0.1
NET_CLIENT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/net_client.py

CTL() { "$BIN/ketchctl-hv" --socket "$HVSOCK" "$@"; }
state_of() { CTL info "$1" 2>/dev/null | sed -n 's/^state: //p'; }
stopped() { [ "$(state_of "$1")" = shutdown ] || [ "$(state_of "$1")" = crashed ]; }
be_state_is() { [ "$(xenstore-read "$1/state" 2>/dev/null)" = "$2" ]; }
guest_log() { grep "d$1: " "$TMP/hv.log"; }
guest_says() { guest_log "$1" | grep -qE -- "$2"; }

# start_guest NAME MAC IP [NODE VALUE]...: boot guest NAME with a vif
# whose backend directory also has each NODE (as "rate"), start its
# ketch-netback (log $TMP/nb-NAME.log), wait for "NAME: ready"; sets ID,
# BE (the backend directory) and NBPID.
start_guest() {
	local name=$1 mac=$2 ip=$3
	shift 3
	ID=$(CTL boot "$GUESTS/$name" --memory 32M --paused \
		--cmdline "ip=$ip/24 gw=$HOST_IP timeout_s=$((30 * T_SCALE)) run_s=$((200 * T_SCALE))")
	expect_match "$name booted" '^[0-9]+$' "$ID"
	BE=/local/domain/0/backend/vif/$ID/0
	"$BUILD/tests/bin/xs_toolstack" introduce "$HVSOCK" "$ID" "net$ID" >/dev/null &&
		xs_add_vif "$ID" "$mac" "$BR" || { bad "xenstore layout for domain $ID"; finish; }
	while [ $# -ge 2 ]; do
		xenstore-write "$BE/$1" "$2" || bad "$BE/$1 written"
		shift 2
	done
	"$NB" --domid "$ID" --devid 0 --create-bridge >/dev/null 2>"$TMP/nb-$name.log" &
	NBPID=$!
	on_exit "kill $NBPID"
	show_on_failure "$TMP/nb-$name.log"
	wait_for 10 be_state_is "$BE" 2 || { bad "$name's backend reached InitWait"; finish; }
	ip addr add "$HOST_IP/24" dev "$BR" 2>/dev/null
	CTL unpause "$ID"
	if ! wait_for 60 guest_says "$ID" "$name: ready .*ip $ip "; then
		bad "$name connected and ready"
		finish
	fi
	ok "$name connected and ready"
}

# stop_guest NAME IP: "quit" over UDP, the verdict, exit code 0.
stop_guest() {
	python3 - "$2" "$((3 * T_SCALE))" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(float(sys.argv[2]))
for attempt in range(3):
    s.sendto(b"quit", (sys.argv[1], 7))
    try:
        s.recvfrom(100)
        break
    except socket.timeout:
        pass
PY
	check "$1 stopped" wait_for 60 stopped "$ID"
	expect_match "$1 exit code 0" '^shutdown_code: 0$' "$(CTL info "$ID")"
	expect_match "$1 verdict" "$1: PASS, 0 failures" "$(guest_log "$ID")"
	guest_log "$ID" | grep -E "FAIL|$1: (tcp|netfront|[0-9]+ conn)"
	CTL destroy "$ID" >/dev/null 2>&1
	wait "$NBPID" 2>/dev/null
}

# client MODE IP PORT ARGS...: net_client.py's MODE against IP:PORT.
client() { python3 "$NET_CLIENT" "$1" "$2" "$3" "$((60 * T_SCALE))" "${@:4}" 2>&1; }

# veth_peer: a second namespace (removed at exit) joined to this one by a
# veth pair, 10.9.0.1 here and PEER_IP=10.9.0.2 there, where net_client's
# echo server answers TCP and UDP on port 7: the floor beside a guest's
# figures, measured on the same machine in the same run.  False if the
# machine cannot make it.
veth_peer() {
	local ns=ketch-peer-$$
	PEER_IP=10.9.0.2
	ip netns add "$ns" || return 1
	on_exit "ip netns del $ns"
	ip link add kt0 type veth peer name kt1 netns "$ns" &&
		ip addr add 10.9.0.1/24 dev kt0 && ip link set kt0 up &&
		ip netns exec "$ns" sh -c "ip addr add $PEER_IP/24 dev kt1 && ip link set kt1 up &&
			ip link set lo up" || return 1
	ip netns exec "$ns" python3 "$NET_CLIENT" serve "$PEER_IP" 7 0 &
	on_exit "kill $!"
	wait_for 5 ip netns exec "$ns" sh -c "ss -ltn | grep -q $PEER_IP:7"
}
