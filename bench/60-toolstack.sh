#!/bin/bash
# needs: kvm  (starts guests: bench/run-all.sh runs it inside the emulated VM where KVM is missing)
# Toolstack figures through ketchd (real ketch-hv, ketch-xenstored, ketchd
# on private sockets), each beside a floor measured in this same run:
# create to first console line vs `ketch-hv run` start to first line and
# bare VM creation; domains created per second vs ketch-hv's in-process
# boot rate; and how many 16 MiB domains the host holds at once (created
# until one fails, the cap (4000) or 90 s pass; then all destroyed).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
# Loops of bare VMs are smaller inside the emulated VM: creating 100 there
# in a row has frozen the whole emulated machine.
if [ "${KETCH_IN_VM:-0}" = 1 ]; then NVM=20 NIDLE=40; else NVM=100 NIDLE=200; fi
BIN=$(cd "$BUILD/bin" && pwd)
G=$(cd "$BUILD/guests" && pwd)
B=$BUILD/bench/hv_bench
CAP=${TOOLSTACK_BENCH_CAP:-4000}
TMPD=$(mktemp -d /tmp/ketch-tsbench.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do { kill -9 "$p" && wait "$p"; } 2>/dev/null; done
	rm -rf "$TMPD"
}
trap cleanup EXIT
val() { echo "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
row() { # name value unit floor floor-name
	awk -v n="$1" -v v="$2" -v u="$3" -v f="$4" -v fn="$5" 'BEGIN {
		r = (f > 0) ? sprintf("%.2f", v / f) : "n/a";
		printf "%-44s %10.2f %-6s %10.2f  %-6s x%-6s (floor: %s)\n", n, v, u, f, u, r, fn }'
}
up() { for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.1; done; return 1; }

"$BIN/ketch-hv" --socket "$TMPD/hv.sock" 2>"$TMPD/hv.log" &
pids+=($!)
up "$TMPD/hv.sock" || { echo "toolstack bench: ketch-hv did not start"; exit 1; }
"$BIN/ketch-xenstored" --socket "$TMPD/xs.sock" --hv-socket "$TMPD/hv.sock" 2>"$TMPD/xs.log" &
pids+=($!)
up "$TMPD/xs.sock" || { echo "toolstack bench: ketch-xenstored did not start"; exit 1; }
"$BIN/ketchd" --socket "$TMPD/kd.sock" --hv-socket "$TMPD/hv.sock" --xenstore "$TMPD/xs.sock" \
	--log-dir "$TMPD/logs" 2>"$TMPD/kd.log" &
pids+=($!)
up "$TMPD/kd.sock" || { echo "toolstack bench: ketchd did not start"; exit 1; }

first=$(python3 bench/toolstack_bench.py first-line "$BIN/ketch" "$TMPD/kd.sock" "$G/hello" 15) ||
	{ echo "toolstack bench: first-line failed"; exit 1; }
rate=$(python3 bench/toolstack_bench.py create-rate "$TMPD/kd.sock" "$G/shutdown_watch" $NVM) ||
	{ echo "toolstack bench: create-rate failed"; exit 1; }
cap=$(python3 bench/toolstack_bench.py capacity "$TMPD/kd.sock" "$G/shutdown_watch" "$CAP" 90) ||
	{ echo "toolstack bench: capacity failed"; exit 1; }
left=$("$BIN/ketchctl-hv" --socket "$TMPD/hv.sock" list | tail -n +2 | wc -l)

run_first=$(val "$($B first-line "$BIN/ketch-hv" "$G/hello" 15)" first_line_ms)
floor_vm=$(val "$($B floor-vm $NVM)" floor_vm_us)
boot_rate=$(val "$($B boot-many $NVM "$G/hello")" boot_many_per_s)

printf '%-44s %10s %-6s %10s  %-6s %-7s\n' figure ketch unit floor unit ratio
row "ketch create -c to first console line" "$first" ms "$run_first" \
	"ketch-hv run start to first console line"
row "ketch create -c to first console line" "$first" ms \
	"$(awk -v u="$floor_vm" 'BEGIN { print u / 1000 }')" "bare VM create to first exit"
row "domains created/s through ketchd ($NVM)" "$rate" dom/s "$boot_rate" \
	"domains booted/s in one ketch-hv process (hv_bench boot-many)"
echo "16 MiB domains held at once: $(echo "$cap" | cut -d' ' -f1) (stopped by: $(echo "$cap" | cut -d' ' -f2-))"
echo "domains left in ketch-hv after the cleanup: $left"
