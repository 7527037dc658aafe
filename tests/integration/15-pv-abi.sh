#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Xen's 64-bit PV entry conventions beyond the hypercall page (docs/abi.md):
# hypercalls by direct syscall, trap tables of Ketch guests, guest user
# mode (user page table, stack_switch, syscalls, faults and int $0x80 from
# user mode, HYPERVISOR_iret to it).  Where the entry area is used (VT-x,
# SVM) they work as on Xen; on PVM a ring-3 syscall ends the domain.
. "$(dirname "$0")/lib.sh"

HV=$BIN/ketch-hv
has_line() { printf '%s\n' "$2" | grep -qxF -- "$1"; }
flavour=$($HV run --kernel "$GUESTS/hello" --memory 16M 2>&1 >/dev/null | sed -n 's/.*KVM flavour \([a-z]*\).*/\1/p' | head -1)
echo "# KVM flavour here: $flavour"

# hcsyscall: every check of the guest, one by one
out=$($HV run --timeout 300 --kernel "$GUESTS/hcsyscall" --memory 32M 2>&1)
rc=$?
if [ "$flavour" = pvm ]; then
	expect_eq "hcsyscall on PVM: crashed by its first syscall" 130 "$rc"
	expect_match "hcsyscall on PVM: reported" 'domain 1 crashed: vcpu0: unhandled exception' "$out"
else
	expect_eq "hcsyscall exits 0 (no failed check)" 0 "$rc"
	expect_match "hcsyscall verdict" '^hcsyscall: PASS, 0 failures' "$out"
	for c in "xen_version by syscall = by page" "console_io by syscall (rdi, rsi, rdx)" \
		"unknown number 127 by syscall" "number 4096 by syscall" \
		"mmuext_op by syscall, foreign domain in r10" \
		"rcx = return address after syscall" "r11 = rflags after syscall" \
		"4096-op mmuext_op by syscall" "its pdone across continuations" \
		"iret by syscall restores rax" "iret by syscall restores rsp" \
		"upcall ran before the syscall's next instruction"; do
		check "hcsyscall: $c" has_line "PASS $c" "$out"
	done
	expect_match "hcsyscall: text written by syscall reaches the console" '^hcsyscall: console_io by syscall$' "$out"
	[ "$rc" = 0 ] || echo "$out" | grep -E 'FAIL|crashed'
fi

# bench_hcall's entry-area rows: a Ketch guest's own trap table takes its
# int3 (bounced, returned from by iretq) and syscalls repeat cleanly
if [ "$flavour" != pvm ]; then
	out=$($HV run --timeout 120 --kernel "$GUESTS/bench_hcall" --memory 32M --cmdline "n=200 syscall=1 trap=1" 2>&1)
	expect_eq "bench_hcall with syscall=1 trap=1 exits 0" 0 "$?"
	expect_match "200 int3s bounced and returned" '^bench trap_bounce_cycles=[0-9]+$' "$out"
	expect_match "200 syscall hypercalls" '^bench syscall_hypercall_cycles=[0-9]+$' "$out"
fi

# usermode: down to guest user mode and back, every step asserted
if [ "$flavour" != pvm ]; then
	out=$($HV run --timeout 120 --kernel "$GUESTS/usermode" --memory 32M 2>&1)
	rc=$?
	expect_eq "usermode exits 0 (no failed check)" 0 "$rc"
	expect_match "usermode verdict" '^usermode: PASS, 0 failures' "$out"
	for c in "MMUEXT_NEW_USER_BASEPTR" "stack_switch" "CALLBACKOP_register(syscall, mask_events)" \
		"user mode reads its own GS base's word" "user mode runs on the user page table" \
		"user mode runs with IOPL 0 and IF" "syscall's result reaches user mode" \
		"int \$0x80's result reaches user mode" \
		"syscall from user mode enters the syscall callback with rax, rdi" \
		"its frame: user CS, rip = rcx = after the syscall, r11 = rflags" \
		"CALLBACKF_mask_events masked upcalls (frame: was unmasked)" \
		"entered on the stack_switch stack with kernel GS; frame rsp is the user's" \
		"#PF from user mode: cr2, user error code, user CS, kernel stack" \
		"int \$0x80 (DPL 3) bounced past the int, from user mode" \
		"int \$0x81 (DPL 0) from user mode is a #GP naming it" \
		"port I/O from user mode is a #GP (no hypercalls from user mode)" \
		"the last syscall brought the kernel back" "back in kernel mode with the kernel's GS base" \
		"kernel mode: the user-only page faults, frame CS with RPL 0"; do
		check "usermode: $c" has_line "PASS $c" "$out"
	done
	[ "$rc" = 0 ] || echo "$out" | grep -E 'FAIL|crashed'

	# hostile or missing state: the domain is crashed with the reason, ketch-hv goes on
	um_bad() { # NAME CMDLINE REASON
		local out
		out=$($HV run --timeout 120 --kernel "$GUESTS/usermode" --memory 32M --cmdline "$2" 2>&1)
		expect_eq "$1: crashed" 130 "$?"
		expect_match "$1: reported" "domain 1 crashed: vcpu0: $3" "$out"
	}
	um_bad "iret to user mode without a user page table" bad=nouser \
		'iret to guest user mode with no user page table'
	um_bad "iret to user mode with a 32-bit code selector" bad=selector \
		'iret to guest user mode with selectors other than FLAT_USER_CS64/SS64'
	um_bad "user syscall without a syscall callback" bad=nocallback \
		'syscall from guest user mode with no syscall callback'
	um_bad "user syscall onto an unmapped kernel stack" bad=kstack \
		'syscall from guest user mode: kernel stack at 0x[0-9a-f]+ cannot take the bounce frame'
fi

# the syscall port is the stub's: ring-3 I/O to it crashes only that domain
out=$($HV run --timeout 120 --kernel "$GUESTS/crash" --memory 16M --cmdline fault=sysport 2>&1)
expect_eq "out to the syscall port from ring 3: crashed" 130 "$?"
case $flavour in
pvm) expect_match "syscall port from ring 3: reported" 'domain 1 crashed: vcpu0: ' "$out" ;;
*) expect_match "syscall port from ring 3: reported as such" \
	"domain 1 crashed: vcpu0: I/O to the syscall port outside the entry area's stub at rip 0x[0-9a-f]+ <main" "$out" ;;
esac

finish
