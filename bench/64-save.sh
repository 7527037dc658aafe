#!/bin/bash
# needs: kvm  (starts guests: bench/run-all.sh runs it inside the emulated VM where KVM is missing)
# Save and restore through ketchd (real ketch-hv, ketch-xenstored, ketchd
# on private sockets), each beside a floor from this same run: a ticker
# of MEM MiB that first writes FILL MiB of its memory is saved (MiB/s of
# the file, as ketchd reports it) beside dd writing as many bytes to a
# file on the same file system with fsync, as the save does; restored
# (MiB/s) beside reading that file back after the page cache is dropped;
# and `ketch restore` to the guest's first console line in the new domain
# beside `ketch create` to the first tick of the same guest, same memory,
# not filling (a boot).  BENCH_SAVE_MEM (256) and BENCH_SAVE_FILL (192).
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
. bench/lib.sh
MEM=${BENCH_SAVE_MEM:-256} FILL=${BENCH_SAVE_FILL:-192}

fail() { echo "save bench: $*"; tail -5 "$TMP/kd.log"; exit 1; }
# ms_until T0 CMD...: milliseconds from T0 (date +%s%N) until CMD succeeds
# (10 ms polls, 120 s scaled)
ms_until() {
	local t0=$1 n=$((12000 * T_SCALE))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.01
	done
	echo $((($(date +%s%N) - t0) / 1000000))
}
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; }
mibs() { awk -v b="$1" -v ms="$2" 'BEGIN { print (ms > 0) ? b / 1048576 / ms * 1000 : 0 }'; }

toolstack_paths
start_toolstack >/dev/null
kd_answers || fail "the daemons did not start"
cp "$GUESTS/ticker" .
# ticker NAME FILL: its config
ticker() {
	printf '{"name":"%s","kernel":"ticker","memory":%s,"cmdline":"fill=%s ticks=1000000 spin=0 sleep=100 control=1"}\n' \
		"$1" "$MEM" "$2" >"$1.json"
}
ticker boot 0
t0=$(date +%s%N)
boot_ms=$(K create boot.json >/dev/null && ms_until "$t0" console_has boot "^ticker [0-9]+ tick 1\$") ||
	fail "the ticker did not start"
K destroy boot >/dev/null
ticker fill "$FILL"
K create fill.json >/dev/null && wait_for 120 console_has fill "^ticker [0-9]+ tick 1\$" ||
	fail "the filling ticker did not start"
console_has fill "filled $FILL MiB" || fail "the ticker did not fill $FILL MiB"

save=$(K --json save fill fill.save | tail -1) || fail "save failed"
bytes=$(echo "$save" | jget bytes) save_s=$(echo "$save" | jget seconds)
t0=$(date +%s%N)
dd if=/dev/zero of=floor.bin bs=1M count=$((bytes / 1048576)) conv=fsync status=none
floor_w_ms=$((($(date +%s%N) - t0) / 1000000))

drop_caches
t0=$(date +%s%N)
dd if=fill.save of=/dev/null bs=1M status=none
floor_r_ms=$((($(date +%s%N) - t0) / 1000000))
drop_caches
t0=$(date +%s%N)
restore=$(K --json restore fill.save | tail -1) || fail "restore failed"
id=$(echo "$restore" | jget domid)
first_ms=$(ms_until "$t0" console_has fill "^ticker $id resumed") || fail "the restored ticker did not resume"
restore_s=$(echo "$restore" | jget seconds)

header
row "save ($((bytes / 1048576)) MiB of a $MEM MiB domain)" "$(awk -v s="$save_s" -v b="$bytes" 'BEGIN { print b / 1048576 / s }')" MiB/s \
	"$(mibs "$bytes" "$floor_w_ms")" "dd write + fsync, same bytes, same fs"
row "restore (the same file, cache dropped)" "$(awk -v s="$restore_s" -v b="$bytes" 'BEGIN { print b / 1048576 / s }')" MiB/s \
	"$(mibs "$bytes" "$floor_r_ms")" "dd read of that file, cache dropped"
row "ketch restore to first console line" "$first_ms" ms "$boot_ms" "ketch create to first tick, $MEM MiB, no fill"
K destroy fill >/dev/null 2>&1
