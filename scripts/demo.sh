#!/bin/bash
# make demo: start ketch-hv, ketch-xenstored and ketchd on private sockets
# in a temporary directory, create the built-in demo domain through the
# ketch CLI from the config embedded below, show it in `ketch list` and in
# xenstore, print its console as it runs, and stop everything on the way
# out (also on Ctrl-C).  Needs no configuration; needs root, and runs
# inside the emulated VM of tests/vm/ where this machine has no /dev/kvm.
set -u
BUILD=${BUILD:-build}
BIN=$(cd "$BUILD/bin" 2>/dev/null && pwd) || { echo "demo: run 'make' first" >&2; exit 1; }
GUESTS=$(cd "$BUILD/guests" && pwd)
cd "$(dirname "$0")/.."
. tests/vm/mode.sh
mode=$(ketch_kvm_mode) || exit 1
# Without KVM here the whole demo runs inside the emulated VM.
[ "$mode" = vm ] && exec tests/vm/run.sh -t 900 -- scripts/demo.sh

DIR=$(mktemp -d /tmp/ketch-demo.XXXXXX)
export KETCH_SOCKET=$DIR/ketchd.sock XENSTORED_PATH=$DIR/xenstored.sock
PIDS=()
stop() {
	local i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		kill -TERM "${PIDS[i]}" 2>/dev/null && wait "${PIDS[i]}" 2>/dev/null
	done
	rm -rf "$DIR"
}
trap stop EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# start NAME SOCKET COMMAND...: run a daemon, wait for its socket
start() {
	local name=$1 sock=$2
	shift 2
	"$@" 2>>"$DIR/$name.log" &
	PIDS+=($!)
	for _ in $(seq 50); do [ -S "$sock" ] && return 0; sleep 0.1; done
	echo "demo: $name did not start:" >&2
	cat "$DIR/$name.log" >&2
	exit 1
}

step "Starting ketch-hv, ketch-xenstored and ketchd under $DIR"
start ketch-hv "$DIR/hv.sock" "$BIN/ketch-hv" --socket "$DIR/hv.sock"
start ketch-xenstored "$XENSTORED_PATH" "$BIN/ketch-xenstored" --socket "$XENSTORED_PATH" \
	--hv-socket "$DIR/hv.sock"
start ketchd "$KETCH_SOCKET" "$BIN/ketchd" --hv-socket "$DIR/hv.sock" \
	--xenstore "$XENSTORED_PATH" --log-dir "$DIR/logs"

step "The demo domain's config (JSON, as the API takes it)"
cat >"$DIR/demo.json" <<JSON
{
  "name": "demo",
  "kernel": "$GUESTS/ticker",
  "memory": 16,
  "vcpus": 1,
  "cmdline": "ticks=8 spin=1200",
  "on_poweroff": "destroy"
}
JSON
cat "$DIR/demo.json"

step "ketch create -p demo.json   (created paused, so no output is missed)"
"$BIN/ketch" create -p "$DIR/demo.json" || exit 1
ID=$("$BIN/ketch" info --json demo | sed 's/.*"domid":\([0-9]*\).*/\1/')

step "ketch list; ketch vcpu-list demo; ketch uptime"
"$BIN/ketch" list
"$BIN/ketch" vcpu-list demo
"$BIN/ketch" uptime

step "Its xenstore home, as libxl lays it out (xenstore-ls /local/domain/$ID)"
xenstore-ls -p "/local/domain/$ID" 2>/dev/null | sed 's/  *\. [. ]*/  /' | head -30

step "ketch console demo, then ketch unpause demo: the guest's console ring, live"
"$BIN/ketch" console demo </dev/null &
CONSOLE=$!
sleep 0.3
"$BIN/ketch" unpause demo
sleep 1
printf '\n'
"$BIN/ketch" list
wait $CONSOLE

step "The guest powered off; on_poweroff=destroy released it everywhere"
"$BIN/ketch" list
echo "xenstore /local/domain now holds: $(xenstore-list /local/domain 2>/dev/null | tr '\n' ' ')"
echo "its console log (logs/console-demo.log) holds $(wc -l <"$DIR/logs/console-demo.log") lines"

step "ketch dmesg | tail -4: the hypervisor's own log"
"$BIN/ketch" dmesg | tail -4

step "Stopping the daemons"
