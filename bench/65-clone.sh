#!/bin/bash
# needs: kvm  (starts guests: bench/run-all.sh runs it inside the emulated VM where KVM is missing)
# Clones through ketchd (real ketch-hv, ketch-xenstored, ketchd on private
# sockets): a ticker of MEM MiB that first writes FILL MiB of its memory is
# saved, then COUNT clones are made from the file, paused (`ketch clone -p`,
# in calls of at most 64).  Figures, each beside a floor from this run:
# - time per clone beside `ketch create -p` of the same guest (a paused
#   boot, no memory to fill);
# - host memory for all the clones (the growth of the host's shared and
#   anonymous memory: guest RAM, the clones' image and their private
#   copies) beside COUNT times the pages the file holds, what clones
#   copying their memory would cost.  They are mapped copy-on-write from
#   one image instead, so the ratio is what that saves.
# BENCH_CLONE_MEM (64), BENCH_CLONE_FILL (16), BENCH_CLONE_COUNT (100).
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
. bench/lib.sh
MEM=${BENCH_CLONE_MEM:-64} FILL=${BENCH_CLONE_FILL:-16} COUNT=${BENCH_CLONE_COUNT:-100}

fail() { echo "clone bench: $*"; tail -5 "$TMP/kd.log"; exit 1; }
host_kib() { awk '$1 == "Shmem:" || $1 == "AnonPages:" { s += $2 } END { print s }' /proc/meminfo; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

toolstack_paths
start_toolstack >/dev/null
kd_answers || fail "the daemons did not start"
cp "$GUESTS/ticker" .
printf '{"name":"base","kernel":"ticker","memory":%s,"cmdline":"fill=%s ticks=1000000 spin=0 sleep=100 control=1"}\n' \
	"$MEM" "$FILL" >base.json
t0=$(date +%s%N)
K create -p base.json >/dev/null || fail "create -p failed"
boot_ms=$(ms_since "$t0")
K unpause base >/dev/null
wait_for 120 console_has base "^ticker [0-9]+ tick 1\$" || fail "the ticker did not start"
console_has base "filled $FILL MiB" || fail "the ticker did not fill $FILL MiB"
save=$(K --json save base base.save | tail -1) || fail "save failed"
pages=$(echo "$save" | jget pages)

sync
before=$(host_kib) made=0 t0=$(date +%s%N)
while [ "$made" -lt "$COUNT" ]; do
	n=$((COUNT - made > 64 ? 64 : COUNT - made))
	K clone -p -n "$n" base.save "c$made" >/dev/null 2>clone.err || { cat clone.err; fail "clone -n $n failed after $made"; }
	made=$((made + n))
done
clone_ms=$(ms_since "$t0")
after=$(host_kib)
[ "$(K list | grep -c '^c[0-9]*-')" -eq "$COUNT" ] || fail "not $COUNT clones listed"

header
row "time per clone ($MEM MiB, $((pages * 4 / 1024)) MiB in the file)" \
	"$(awk -v t="$clone_ms" -v n="$COUNT" 'BEGIN { print t / n }')" ms "$boot_ms" "ketch create -p of the same guest"
row "host memory for $COUNT clones" "$(awk -v a="$after" -v b="$before" 'BEGIN { print (a - b) / 1024 }')" MiB \
	"$(awk -v p="$pages" -v n="$COUNT" 'BEGIN { print p * 4 * n / 1024 }')" "$COUNT x the file's pages"
for d in $(K list | awk '$1 ~ /^c[0-9]+-/ { print $1 }'); do K destroy "$d" >/dev/null 2>&1; done
