#!/bin/bash
# needs: kvm  (starts guests: bench/run-all.sh runs it inside the emulated VM where KVM is missing)
# ketch-hv figures, each beside a floor measured with bare KVM (or the
# host) in this same run, as a ratio (figure / floor).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
# Loops of bare VMs are smaller inside the emulated VM: creating 100 there
# in a row has frozen the whole emulated machine.
if [ "${KETCH_IN_VM:-0}" = 1 ]; then NVM=20 NIDLE=40; else NVM=100 NIDLE=200; fi
B=$BUILD/bench/hv_bench
HV=$BUILD/bin/ketch-hv
G=$BUILD/guests

val() { echo "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
gval() { echo "$1" | sed -n "s/^bench $2=//p"; }
row() { # name value unit floor floor-name
	awk -v n="$1" -v v="$2" -v u="$3" -v f="$4" -v fn="$5" 'BEGIN {
		r = (f > 0) ? sprintf("%.2f", v / f) : "n/a";
		printf "%-44s %10.2f %-6s %10.2f  %-6s x%-6s (floor: %s)\n", n, v, u, f, u, r, fn }'
}

tsc=$(val "$($B tsc)" tsc_hz)
flavour=$($HV run --kernel "$G/hello" --memory 16M 2>&1 >/dev/null | sed -n 's/.*KVM flavour \([a-z]*\).*/\1/p')
# Direct syscalls and trap bounces go through the entry area (VT-x, SVM); on PVM they end the guest.
entry="syscall=1 trap=1"
[ "$flavour" = pvm ] && entry=
guest=$($HV run --kernel "$G/bench_hcall" --memory 32M --cmdline "n=20000 $entry" 2>/dev/null) ||
	{ echo "bench_hcall guest failed"; exit 1; }
us() { awk -v c="$(gval "$guest" "$1")" -v t="$tsc" 'BEGIN { print c / t * 1e6 }'; }
hc_us=$(us hypercall_cycles)
floor_exit=$(val "$($B floor-exit 20000)" floor_exit_us)
loop_g=$(gval "$guest" loop_cycles)
loop_h=$(val "$($B host-loop)" host_loop_cycles)
first=$(val "$($B first-line "$HV" "$G/hello" 15)" first_line_ms)
floor_vm=$(val "$($B floor-vm $NVM)" floor_vm_us)
many=$($B boot-many $NVM "$G/hello")
rate=$(val "$many" boot_many_per_s)
idle=$(val "$($B idle-mem $NIDLE "$G/hello")" idle_mem_kib_per_domain)
floor_idle=$(val "$($B floor-idle $NIDLE)" floor_idle_vm_kib)

echo "# tsc $(awk -v t="$tsc" 'BEGIN { printf "%.0f MHz", t / 1e6 }'); kvm flavour: $flavour"
printf '%-44s %10s %-6s %10s  %-6s %-7s\n' figure ketch unit floor unit ratio
row "null hypercall round trip" "$hc_us" us "$floor_exit" "bare KVM PIO exit from a CPL3 guest"
if [ -n "$entry" ]; then
	row "null hypercall by direct syscall" "$(us syscall_hypercall_cycles)" us "$hc_us" \
		"the same call through the hypercall page"
	row "int3 bounced to the guest's handler, iretq" "$(us trap_bounce_cycles)" us "$hc_us" \
		"null hypercall (one exit each)"
else
	echo "# syscall hypercall and trap bounce: not on $flavour (no entry area; docs/abi.md)"
fi
row "guest loop, 100M iterations" "$(awk -v c="$loop_g" 'BEGIN { print c / 1e6 }')" Mcyc \
	"$(awk -v c="$loop_h" 'BEGIN { print c / 1e6 }')" "the same loop on the host"
row "ketch-hv run start to first console line" "$first" ms \
	"$(awk -v u="$floor_vm" 'BEGIN { print u / 1000 }')" "bare VM create to first exit"
row "domains booted/s, $NVM in one process" "$rate" dom/s \
	"$(awk -v u="$floor_vm" 'BEGIN { print 1e6 / u }')" "bare VMs created+run/s"
row "host memory per idle 16 MiB domain" "$idle" KiB "$floor_idle" "bare idle KVM VM"
echo "# the guest loop ratio near 1.0 shows guest code runs natively (an emulated guest is ~1000x)"
