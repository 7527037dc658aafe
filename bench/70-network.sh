#!/bin/bash
# needs: kvm  (starts guests: bench/run-all.sh runs it inside the emulated VM where KVM is missing)
# Network, inside a network namespace made here: guest <-> host UDP
# echoes per second (64-byte datagrams, 8 in flight; the netecho guest),
# ping round trip p50/p99 (netecho) and TCP echo MB/s over one connection
# (the tcpecho guest), each beside the same figure across a veth pair to
# an echo server in a second namespace made here (the floor).  The guests
# are served as 83-network-tcp.sh serves them (tests/integration/lib_net.sh).
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
in_netns ketch-bench-net "$0" "$@"
. tests/integration/lib_net.sh
. bench/lib.sh
ok() { :; } # only the figures: a failure still says FAIL
HVSOCK=$TMP/hv.sock
export XENSTORED_PATH=$TMP/xs.sock KETCH_HV_SOCKET=$HVSOCK
SECS=${BENCH_NET_SECS:-3} TCP_MB=${BENCH_NET_MB:-5} PINGS=${BENCH_NET_PINGS:-200}

# rtts IP: PINGS pings 10 ms apart; their round trips in ms, sorted.
rtts() { ping -n -c "$PINGS" -i 0.01 -W 2 "$1" | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -g; }
pct() { awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100) + 1; print (NR ? v[i > NR ? NR : i] * 1000 : 0) }'; }
field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($(i + 1) == k) print $i }'; }

ip link set lo up
start_hv "$HVSOCK" && start_xenstored "$XENSTORED_PATH" "$HVSOCK" ||
	{ echo "network bench: the daemons did not start"; exit 1; }
veth_peer || { echo "network bench: no veth pair for the floor"; exit 1; }

E=10.0.0.2
start_guest netecho 00:16:3e:00:00:3a "$E"
udp=$(client udp_pps "$E" 7 "$SECS" 64 8 | sed -n 's/^pps //p')
ping_g=$(rtts "$E")
stop_guest netecho "$E" >/dev/null
start_guest tcpecho 00:16:3e:00:00:3b "$E"
tcp=$(client echo "$E" 7 $((TCP_MB * 1000000)))
stop_guest tcpecho "$E" >/dev/null

udp_f=$(client udp_pps "$PEER_IP" 7 "$SECS" 64 8 | sed -n 's/^pps //p')
ping_f=$(rtts "$PEER_IP")
tcp_f=$(client echo "$PEER_IP" 7 $((TCP_MB * 1000000)))

header
row "guest<->host UDP echoes/s, 64 B, 8 in flight" "${udp:-0}" pkt/s "${udp_f:-0}" "the same across a veth pair"
row "guest<->host TCP echo, one connection" "$(field "$tcp" MB/s)" MB/s "$(field "$tcp_f" MB/s)" "the same across a veth pair"
row "ping round trip p50" "$(echo "$ping_g" | pct 50)" us "$(echo "$ping_f" | pct 50)" "ping across a veth pair"
row "ping round trip p99" "$(echo "$ping_g" | pct 99)" us "$(echo "$ping_f" | pct 99)" "ping across a veth pair"
echo "# the host side of every figure is one Python process (net_client.py), the same for both columns"
