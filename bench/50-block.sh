#!/bin/bash
# needs: kvm  (starts guests: bench/run-all.sh runs it inside the emulated VM where KVM is missing)
# Block: the diskbench guest through blkfront and ketch-blkback (libxl's
# xenstore layout written here, a raw image file made here) beside the
# host on the same file through io_uring (blk_floor), buffered as the
# backend reads it: sequential write and read MB/s in 1 MiB requests,
# 4 KiB random-read IOPS at queue depth 1 and 32 (at 32 once on one
# queue, once spread over BENCH_BLK_QUEUES queues), p50/p99 latency at
# queue depth 1, and the backend's CPU time per request (its one thread
# serves every queue) beside the guest's time per request at qd 32.
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
. bench/lib.sh
HVSOCK=$TMP/hv.sock
export XENSTORED_PATH=$TMP/xs.sock KETCH_HV_SOCKET=$HVSOCK
DEVID=51712 IMG=$TMP/disk.img
MB=${BENCH_BLK_MB:-32} IOS=${BENCH_BLK_IOS:-2000} NQ=${BENCH_BLK_QUEUES:-4}

fail() { echo "block bench: $*"; tail -5 "$TMP"/*.log; exit 1; }
mbs() { awk -v b="$1" -v ns="$2" 'BEGIN { print (ns > 0) ? b / ns * 1e3 : 0 }'; }   # bytes, ns -> MB/s
iops() { awk -v n="$1" -v ns="$2" 'BEGIN { print (ns > 0) ? n / ns * 1e9 : 0 }'; }
us() { awk -v ns="$1" 'BEGIN { print ns / 1e3 }'; }

truncate -s $((MB + 1))M "$IMG"
start_hv "$HVSOCK" && start_xenstored "$XENSTORED_PATH" "$HVSOCK" || fail "daemons did not start"
id=$("$BIN/ketchctl-hv" --socket "$HVSOCK" boot "$GUESTS/diskbench" --memory 32M --paused \
	--cmdline "mb=$MB ios=$IOS queues=$NQ timeout_s=$((30 * T_SCALE))") &&
	"$BUILD/tests/bin/xs_toolstack" introduce "$HVSOCK" "$id" "disk$id" >/dev/null &&
	xs_add_vbd "$id" "$DEVID" "$IMG" w || fail "guest and disk"
"$BIN/ketch-blkback" --domid "$id" --devid "$DEVID" --image "$IMG" --max-queues "$NQ" \
	>/dev/null 2>"$TMP/bb.log" &
on_exit "kill $!"
wait_for 10 sh -c "[ \"\$(xenstore-read /local/domain/0/backend/vbd/$id/$DEVID/state)\" = 2 ]" ||
	fail "the backend did not reach InitWait"
"$BIN/ketchctl-hv" --socket "$HVSOCK" unpause "$id"
wait_for 120 grep -q "d$id: diskbench: PASS, 0 failures" "$TMP/hv.log" ||
	fail "diskbench did not pass: $(grep "d$id: " "$TMP/hv.log" | grep -E 'FAIL|diskbench:')"
g=$(grep "d$id: bench " "$TMP/hv.log")
"$BIN/ketchctl-hv" --socket "$HVSOCK" destroy "$id" >/dev/null
# the backend's request count and CPU time (every thread's), from the
# lines it logs when the domain is gone
wait_for 10 grep -q "cpu: " "$TMP/bb.log" || fail "the backend did not stop"
bbreqs=$(sed -n 's/.*stopped: \([0-9]*\) requests.*/\1/p' "$TMP/bb.log" | tail -1)
bbcpu=$(sed -n 's/.*cpu: \([0-9.]*\) s$/\1/p' "$TMP/bb.log" | tail -1)
echo "backend: $bbreqs requests, ${bbcpu} s of CPU"
f=$("$BUILD/bench/blk_floor" "$IMG" "$MB" "$IOS") || fail "blk_floor failed"

header
row "guest sequential write, 1 MiB requests" "$(mbs "$(kv "$g" bench seq_bytes)" "$(kv "$g" bench seq_write_ns)")" MB/s \
	"$(mbs "$(kv "$f" floor seq_bytes)" "$(kv "$f" floor seq_write_ns)")" "host io_uring writes, same file"
row "guest sequential read, 1 MiB requests" "$(mbs "$(kv "$g" bench seq_bytes)" "$(kv "$g" bench seq_read_ns)")" MB/s \
	"$(mbs "$(kv "$f" floor seq_bytes)" "$(kv "$f" floor seq_read_ns)")" "host io_uring reads, same file"
row "guest 4 KiB random reads, qd 1" "$(iops "$(kv "$g" bench rand_ios)" "$(kv "$g" bench rand_qd1_ns)")" IOPS \
	"$(iops "$(kv "$f" floor rand_ios)" "$(kv "$f" floor rand_qd1_ns)")" "host io_uring, qd 1"
row "guest 4 KiB read latency p50, qd 1" "$(us "$(kv "$g" bench rand_p50_ns)")" us \
	"$(us "$(kv "$f" floor rand_p50_ns)")" "host io_uring, qd 1"
row "guest 4 KiB read latency p99, qd 1" "$(us "$(kv "$g" bench rand_p99_ns)")" us \
	"$(us "$(kv "$f" floor rand_p99_ns)")" "host io_uring, qd 1"
qd=$(kv "$g" bench rand_qd) nq=$(kv "$g" bench queues)
row "guest 4 KiB random reads, qd $qd, 1 queue" "$(iops "$(kv "$g" bench rand_qd_ios)" "$(kv "$g" bench rand_qd_one_queue_ns)")" IOPS \
	"$(iops "$(kv "$f" floor rand_qd32_ios)" "$(kv "$f" floor rand_qd32_ns)")" "host io_uring, qd 32"
row "guest 4 KiB random reads, qd $qd, $nq queues" "$(iops "$(kv "$g" bench rand_qd_ios)" "$(kv "$g" bench rand_qd_ns)")" IOPS \
	"$(iops "$(kv "$f" floor rand_qd32_ios)" "$(kv "$f" floor rand_qd32_ns)")" "host io_uring, qd 32"
row "backend CPU per request (1 thread)" \
	"$(awk -v t="$bbcpu" -v n="$bbreqs" 'BEGIN { print (n > 0) ? t / n * 1e6 : 0 }')" us \
	"$(awk -v n="$(kv "$g" bench rand_qd_ios)" -v ns="$(kv "$g" bench rand_qd_ns)" 'BEGIN { print (n > 0) ? ns / n / 1e3 : 0 }')" \
	"guest time per request, qd $qd, $nq queues"
