#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# ketch-hv run: boot the test guests one at a time and check exactly what
# they print and how ketch-hv exits (docs/user-guide.md, exit statuses).
. "$(dirname "$0")/lib.sh"

HV=$BIN/ketch-hv

# hello: exact console lines and exit status 0
out=$($HV run --kernel "$GUESTS/hello" --memory 32M --cmdline "console=hvc0 ketch=1" 2>"$TMP/hello.err")
rc=$?
expect_eq "hello exits 0" 0 "$rc"
expect_eq "hello greets from domain 1" "Hello from Ketch domain 1" "$(echo "$out" | sed -n 1p)"
expect_eq "start_info magic" 'start_info.magic="xen-3.0-x86_64"' "$(echo "$out" | grep '^start_info.magic=')"
expect_eq "start_info nr_pages for 32 MiB" "start_info.nr_pages=8192" "$(echo "$out" | grep '^start_info.nr_pages=')"
expect_eq "start_info cmd_line" 'start_info.cmd_line="console=hvc0 ketch=1"' "$(echo "$out" | grep '^start_info.cmd_line=')"
expect_eq "start_info flags" "start_info.flags=0x0" "$(echo "$out" | grep '^start_info.flags=')"
expect_eq "no ramdisk" "start_info.mod_len=0" "$(echo "$out" | grep '^start_info.mod_len=')"
expect_match "pt_base is a virtual address above virt_base" '^start_info.pt_base=0x4[0-9a-f]{5}$' "$(echo "$out" | grep '^start_info.pt_base=')"
expect_match "shared_info is guest-physical, page aligned" '^start_info.shared_info=0x[0-9a-f]*000$' "$(echo "$out" | grep '^start_info.shared_info=')"
expect_eq "Xen version line" "Xen version 4.17.0-ketch" "$(echo "$out" | grep '^Xen version')"
expect_eq "hello prints 16 lines" 16 "$(echo "$out" | wc -l)"
expect_match "hypervisor log names the flavour" 'KVM flavour (pvm|vmx|svm)' "$(cat "$TMP/hello.err")"

# 64 MiB and a ramdisk: nr_pages and mod_len follow
head -c 100000 /dev/urandom >"$TMP/initrd"
out=$($HV run --kernel "$GUESTS/hello" --memory 64M --ramdisk "$TMP/initrd" 2>/dev/null)
expect_eq "nr_pages for 64 MiB" "start_info.nr_pages=16384" "$(echo "$out" | grep '^start_info.nr_pages=')"
expect_eq "ramdisk length" "start_info.mod_len=100000" "$(echo "$out" | grep '^start_info.mod_len=')"

# a guest that faults is reported crashed with registers and symbol
out=$($HV run --kernel "$GUESTS/crash" --memory 16M 2>&1)
rc=$?
expect_eq "crash guest exits 130" 130 "$rc"
expect_match "crash reason is the fault" 'domain 1 crashed: vcpu0: unhandled exception' "$out"
expect_match "crash names rip and symbol" 'rip 0x[0-9a-f]+ <main\+0x[0-9a-f]+>' "$out"
expect_match "crash names cr2 of the bad access" 'cr2 0x10$' "$(echo "$out" | grep 'ketch-hv run: domain 1 crashed')"
expect_match "register dump in the log" 'rax [0-9a-f]{16}  rbx' "$out"
flavour=$(echo "$out" | sed -n 's/.*KVM flavour \([a-z]*\).*/\1/p' | head -1)
echo "# KVM flavour here: $flavour"

# Each exception kind, reported the same way on every flavour: where the
# entry area catches exceptions (VT-x, SVM) the vector and error code too;
# on PVM a ring-3 exception ends KVM_RUN as a triple fault, state intact.
site() { printf '0x%x' $((0x$(nm "$GUESTS/crash" | awk -v s="$1" '$3 == s { print $1 }') + ${2:-0})); }
# crash_case NAME CMDLINE VECTOR-TEXT RIP
crash_case() {
	local out reason
	out=$($HV run --timeout 120 --kernel "$GUESTS/crash" --memory 16M --cmdline "$2" 2>&1)
	expect_eq "$1: exits 130 (crashed)" 130 "$?"
	reason=$(echo "$out" | grep 'ketch-hv run: domain 1 crashed')
	case $flavour in
	pvm) expect_match "$1: reported as the fault that ended the VM" 'unhandled exception \(triple fault\)' "$reason" ;;
	*) expect_match "$1: vector and error code" "unhandled exception $3" "$reason" ;;
	esac
	[ -n "$4" ] && expect_match "$1: rip of the faulting instruction" "at rip $4 <main\+0x[0-9a-f]+>, rsp 0x414[0-9a-f]{3}, " "$reason"
	[ -n "$4" ] && expect_match "$1: registers as the guest left them" 'r12 0000000000001212' "$out"
}
crash_case "#PF" "" '#PF \(page fault, error code 0x4\)' ""
crash_case "#UD" fault=ud '#UD \(invalid opcode, error code 0x0\)' "$(site site_ud)"
crash_case "#GP" fault=gp '#GP \(general protection fault, error code 0x0\)' "$(site site_gp)"
crash_case "#DE" fault=de '#DE \(divide error, error code 0x0\)' ""
# int3 is a trap: the report names the instruction after it (PVM: at it).
if [ "$flavour" = pvm ]; then bp_rip=""; else bp_rip=$(site site_bp 1); fi
crash_case "#BP" fault=bp '#BP \(breakpoint, error code 0x0\)' "$bp_rip"
out=$($HV run --timeout 120 --kernel "$GUESTS/crash" --memory 16M --cmdline fault=stack 2>&1)
expect_eq "stack overflow: exits 130" 130 "$?"
case $flavour in
pvm) expect_match "stack overflow: reported with its rip" 'crashed: .*triple fault.*<recurse' "$out" ;;
# The guest's stack runs into its own image below it: a #PF where that is
# unmapped, or a #UD once it has overwritten the code it runs.  Either way
# the report comes from the ring-0 stack with the guest's rip.
*) expect_match "stack overflow: reported from the ring-0 stack with its rip" 'crashed: .*unhandled exception #(PF|UD|GP) .* at rip 0x[0-9a-f]+ <recurse' "$out" ;;
esac
# A guest that unmaps the entry area cannot take an exception: a triple
# fault.  SVM resets the vCPU on one (the report says the state is lost),
# VT-x keeps it, and on PVM the area is not used at all.
out=$($HV run --timeout 120 --kernel "$GUESTS/crash" --memory 16M --cmdline fault=noentry 2>&1)
expect_eq "entry area unmapped: exits 130" 130 "$?"
reason=$(echo "$out" | grep 'ketch-hv run: domain 1 crashed')
case $flavour in
svm) expect_match "entry area unmapped: triple fault, state said lost" 'triple fault \(the entry area was unmapped or its stack broken; AMD SVM reset the vCPU' "$reason" ;;
vmx) expect_match "entry area unmapped: triple fault with its rip" 'triple fault \(the entry area was unmapped or its stack broken\) at rip 0x[0-9a-f]+ <main' "$reason" ;;
*) expect_match "entry area unmapped: an ordinary fault where the area is unused" 'unhandled exception \(triple fault\) at rip 0x[0-9a-f]+ <main.*cr2 0x10' "$reason" ;;
esac

# unknown hypercalls get -ENOSYS, wild pointers get -EFAULT, MMU ops work
for g in enosys efault mm; do
	out=$($HV run --kernel "$GUESTS/$g" --memory 64M 2>&1)
	rc=$?
	expect_eq "$g guest exits 0 (no failed check)" 0 "$rc"
	expect_match "$g guest verdict" "^$g: PASS, 0 failures" "$out"
	[ "$rc" = 0 ] || echo "$out" | grep FAIL
done

# exit status follows SCHEDOP_shutdown_code
out=$($HV run --kernel "$GUESTS/ticker" --memory 16M --cmdline "ticks=2 spin=1" 2>/dev/null)
expect_eq "ticker output" "ticker 1 tick 1|ticker 1 tick 2|ticker 1 done" "$(echo "$out" | paste -sd'|')"

# bad inputs are refused with a clear message and status 125
echo "not an elf" >"$TMP/bad.elf"
err=$($HV run --kernel "$TMP/bad.elf" --memory 16M 2>&1 >/dev/null); rc=$?
expect_eq "garbage kernel exits 125" 125 "$rc"
expect_match "garbage kernel message" 'bad.elf: .*(ELF|elf)' "$err"
err=$($HV run --kernel "$GUESTS/hello" --memory 1M 2>&1 >/dev/null); rc=$?
expect_eq "too little memory exits 125" 125 "$rc"
expect_match "too little memory message" 'cannot create the domain: Invalid argument' "$err"
err=$($HV run --kernel "$GUESTS/hello" --memory 12Q 2>&1 >/dev/null); rc=$?
expect_eq "bad size exits 125" 125 "$rc"
expect_match "bad size message" "bad --memory '12Q'" "$err"
err=$($HV run --memory 16M 2>&1 >/dev/null); rc=$?
expect_eq "missing kernel exits 125" 125 "$rc"
err=$($HV run --kernel /nonexistent --memory 16M 2>&1 >/dev/null); rc=$?
expect_match "missing file message" '/nonexistent: No such file' "$err"
err=$($HV run --kernel "$GUESTS/ticker" --memory 16M --cmdline "ticks=1000 spin=1000" --timeout 1 2>&1 >/dev/null); rc=$?
expect_eq "--timeout expires with 124" 124 "$rc"
expect_match "--timeout message" 'timed out after 1 s' "$err"

finish
