#!/bin/bash
# xenstore figures: ketch-xenstored beside Debian's C xenstored (started here,
# in the same run) and beside a bare Unix-socket echo round trip.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OPS=${XS_BENCH_OPS:-20000}
# Inside the emulated VM a tenth: the ratios hold, the run stays inside its limit.
[ "${KETCH_IN_VM:-0}" = 1 ] && OPS=${XS_BENCH_OPS:-2000}
TMPD=$(mktemp -d /tmp/ketch-xsbench.XXXXXX)
PEER=../shared/peers/xenstored/start-reference-xenstored.sh
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -f "$TMPD/ref/xenstored.pid" ] && kill "$(cat "$TMPD/ref/xenstored.pid")" 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT

"$BUILD/bin/ketch-xenstored" --socket "$TMPD/ours.sock" 2>"$TMPD/ours.log" &
pids+=($!)
export XS_BENCH_OURS_PID=$!
for _ in $(seq 50); do [ -S "$TMPD/ours.sock" ] && break; sleep 0.1; done
[ -S "$TMPD/ours.sock" ] || { echo "xenstore bench: ketch-xenstored did not start"; exit 1; }

ref=-
if [ -x "$PEER" ] && "$PEER" "$TMPD/ref" >/dev/null 2>"$TMPD/ref.err"; then
	ref=$TMPD/ref/socket
	export XS_BENCH_REF_PID=$(cat "$TMPD/ref/xenstored.pid")
else
	echo "xenstore bench: reference xenstored unavailable ($(tail -1 "$TMPD/ref.err" 2>/dev/null)); ratios to it omitted"
fi
"$BUILD/bench/xenstore_bench" "$TMPD/ours.sock" "$ref" "$OPS"
