#!/bin/bash
# needs: kvm  (starts guests: bench/run-all.sh runs it inside the emulated VM where KVM is missing)
# Grant tables: grant copy throughput (4 KiB and 64 KiB batches) beside
# memcpy of the same sizes, and grant map+unmap rates, from a guest through
# ketch-hv (gnt_bench guest) and from the control domain through
# libketchgnt (gnt_bench program), each beside its floor from this run.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
HV=$BUILD/bin/ketch-hv
G=$BUILD/guests

val() { echo "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
gval() { echo "$1" | sed -n "s/^bench $2=//p"; }
row() { # name value unit floor floor-name (ratio: figure / floor)
	awk -v n="$1" -v v="$2" -v u="$3" -v f="$4" -v fn="$5" 'BEGIN {
		r = (f > 0) ? sprintf("%.2f", v / f) : "n/a";
		printf "%-44s %10.1f %-6s %10.1f  %-6s x%-6s (floor: %s)\n", n, v, u, f, u, r, fn }'
}
mbs() { awk -v b="$1" -v ns="$2" 'BEGIN { print (ns > 0) ? b / ns * 1e3 : 0 }'; }   # bytes, ns -> MB/s
ops() { awk -v ns="$1" 'BEGIN { print (ns > 0) ? 1e9 / ns : 0 }'; }

tsc=$(val "$($BUILD/bench/hv_bench tsc)" tsc_hz)
guest=$($HV run --kernel "$G/gnt_bench" --memory 32M --cmdline "n=2000" 2>/dev/null) ||
	{ echo "gnt_bench guest failed"; exit 1; }
ns() { awk -v c="$(gval "$guest" "$1_cycles")" -v t="$tsc" 'BEGIN { print c / t * 1e9 }'; }
lib_copy=$($BUILD/bench/gnt_bench copy 20000) || { echo "gnt_bench copy failed"; exit 1; }
lib_map=$($BUILD/bench/gnt_bench map 20000) || { echo "gnt_bench map failed"; exit 1; }

printf '%-44s %10s %-6s %10s  %-6s %-7s\n' figure ketch unit floor unit ratio
row "guest grant copy, 4 KiB batch (1 op)" "$(mbs 4096 "$(ns grant_copy_4k)")" MB/s \
	"$(mbs 4096 "$(ns memcpy_4k)")" "memcpy 4 KiB in the guest"
row "guest grant copy, 64 KiB batch (16 ops)" "$(mbs 65536 "$(ns grant_copy_64k)")" MB/s \
	"$(mbs 65536 "$(ns memcpy_64k)")" "memcpy 64 KiB in the guest"
row "guest grant map+unmap pairs/s" "$(ops "$(ns map_unmap)")" ops/s \
	"$(ops "$(ns grant_copy_4k)")" "one grant-copy hypercall/s"
row "dom0 kgnt_copy_from, 4 KiB" "$(mbs 4096 "$(val "$lib_copy" kgnt_copy_4k_ns)")" MB/s \
	"$(mbs 4096 "$(val "$lib_copy" memcpy_4k_ns)")" "memcpy 4 KiB on the host"
row "dom0 kgnt_copy_from, 64 KiB (16 refs)" "$(mbs 65536 "$(val "$lib_copy" kgnt_copy_64k_ns)")" MB/s \
	"$(mbs 65536 "$(val "$lib_copy" memcpy_64k_ns)")" "memcpy 64 KiB on the host"
row "dom0 kgnt_map+unmap pairs/s" "$(ops "$(val "$lib_map" kgnt_map_unmap_ns)")" ops/s \
	"$(ops "$(val "$lib_map" mmap_munmap_ns)")" "mmap+munmap of one memfd page"
row "dom0 kgnt_map+unmap, persistent cache" "$(ops "$(val "$lib_map" kgnt_map_unmap_persistent_ns)")" ops/s \
	"$(ops "$(val "$lib_map" mmap_munmap_ns)")" "mmap+munmap of one memfd page"
echo "# guest figures are dominated by the hypercall exit (~25 us on PVM hosts): batch copies"
