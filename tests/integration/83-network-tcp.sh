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

HVSOCK=$TMP/hv.sock
export XENSTORED_PATH=$TMP/xs.sock KETCH_HV_SOCKET=$TMP/hv.sock
CTL() { "$BIN/ketchctl-hv" --socket "$HVSOCK" "$@"; }
NB=$BIN/ketch-netback
BR=ketchbr0 HOST_IP=10.0.0.1
ECHO_MB=${KETCH_TCP_ECHO_MB:-10}

state_of() { CTL info "$1" 2>/dev/null | sed -n 's/^state: //p'; }
wait_for() { # SECONDS COMMAND...: true once COMMAND succeeds (scaled)
	local n=$(($1 * 10 * T_SCALE))
	shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
stopped() { [ "$(state_of "$1")" = shutdown ] || [ "$(state_of "$1")" = crashed ]; }
be_state_is() { [ "$(xenstore-read "$1/state" 2>/dev/null)" = "$2" ]; }
guest_log() { grep "d$1: " "$TMP/hv.log"; }
guest_says() { guest_log "$1" | grep -qE -- "$2"; }


# start_guest NAME MAC IP: boot it with a vif and its backend, wait for
# "NAME: ready"; sets ID and NBPID.
start_guest() {
	local be
	ID=$(CTL boot "$GUESTS/$1" --memory 32M --paused \
		--cmdline "ip=$3/24 gw=$HOST_IP timeout_s=$((30 * T_SCALE)) run_s=$((200 * T_SCALE))")
	expect_match "$1 booted" '^[0-9]+$' "$ID"
	be=/local/domain/0/backend/vif/$ID/0
	"$BUILD/tests/bin/xs_toolstack" introduce "$HVSOCK" "$ID" "net$ID" >/dev/null &&
		xs_add_vif "$ID" "$2" "$BR" || { bad "xenstore layout for domain $ID"; finish; }
	"$NB" --domid "$ID" --devid 0 --create-bridge >/dev/null 2>"$TMP/nb-$1.log" &
	NBPID=$!
	on_exit "kill $NBPID"
	show_on_failure "$TMP/nb-$1.log"
	wait_for 10 be_state_is "$be" 2 || { bad "$1's backend reached InitWait"; finish; }
	ip addr add "$HOST_IP/24" dev "$BR" 2>/dev/null
	CTL unpause "$ID"
	if ! wait_for 60 guest_says "$ID" "$1: ready ip $3 tcp"; then
		bad "$1 connected and ready"
		finish
	fi
	ok "$1 connected and ready"
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

# The host's side of every exchange, one mode per call.
cat >"$TMP/client.py" <<'PY'
import hashlib, random, socket, struct, sys, threading, time
mode, ip, port, wait = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])

def conn():
    return socket.create_connection((ip, port), timeout=wait)

def echo(s, data):
    """Send data (then our FIN) while reading it back; the bytes and time."""
    def send():
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    t0 = time.time()
    th = threading.Thread(target=send)
    th.start()
    h, got = hashlib.sha256(), 0
    while True:
        b = s.recv(65536)
        if not b:
            break
        h.update(b)
        got += len(b)
    th.join()
    s.close()
    ok = got == len(data) and h.digest() == hashlib.sha256(data).digest()
    return ok, got, time.time() - t0

if mode == "echo":          # one connection, argv[5] bytes
    data = random.Random(83).randbytes(int(sys.argv[5]))
    ok, got, dt = echo(conn(), data)
    print("%s %d bytes %.3f s %.2f MB/s" % ("same" if ok else "differs", got, dt,
                                            len(data) / dt / 1e6))
elif mode == "seq":         # argv[5] connections one after another
    bad = [i for i in range(int(sys.argv[5]))
           if not echo(conn(), random.Random(i).randbytes(1000 + 700 * i))[0]]
    print("all same" if not bad else "differ: %r" % bad)
elif mode == "pair":       # two at once, each read back whole
    a, b = conn(), conn()
    res = {}
    def one(name, s, data):
        res[name] = echo(s, data)[0]
    ts = [threading.Thread(target=one, args=("a", a, random.Random(1).randbytes(200000))),
          threading.Thread(target=one, args=("b", b, random.Random(2).randbytes(300000)))]
    [t.start() for t in ts]
    [t.join() for t in ts]
    print("both same" if res.get("a") and res.get("b") else "differ: %r" % res)
elif mode == "rst":         # data, then a reset instead of a FIN
    s = conn()
    s.sendall(b"x" * 5000)
    s.recv(100)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("reset sent")
elif mode == "refused":
    try:
        conn()
        print("connected")
    except ConnectionRefusedError:
        print("refused")
elif mode == "pieces":      # an HTTP request in three segments, apart
    s = conn()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for piece in (b"GE", b"T /sta", b"ts HTTP/1.0\r\nHost: x\r\n", b"\r\n"):
        s.sendall(piece)
        time.sleep(0.3)
    body = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        body += b
    print(body.decode(errors="replace").split("\r\n")[0])
PY
client() { python3 "$TMP/client.py" "$1" "$2" "$3" "$((60 * T_SCALE))" "${@:4}" 2>&1; }

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
ns2=ketch-tcp-peer-$$
if ip netns add "$ns2" && ip link add kt0 type veth peer name kt1 netns "$ns2"; then
	on_exit "ip netns del $ns2"
	ip addr add 10.9.0.1/24 dev kt0 && ip link set kt0 up
	ip netns exec "$ns2" sh -c 'ip addr add 10.9.0.2/24 dev kt1 && ip link set kt1 up && ip link set lo up'
	ip netns exec "$ns2" python3 -c '
import socket
l = socket.create_server(("10.9.0.2", 7))
c, _ = l.accept()
while True:
    b = c.recv(65536)
    if not b:
        break
    c.sendall(b)
c.close()' &
	wait_for 5 ip netns exec "$ns2" sh -c 'ss -ltn | grep -q 10.9.0.2:7'
	out=$(client echo 10.9.0.2 7 $((ECHO_MB * 1000000)))
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
