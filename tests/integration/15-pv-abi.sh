#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# Xen's 64-bit PV entry conventions beyond the hypercall page (docs/abi.md):
# hypercalls by direct syscall.  Where the entry area is used (VT-x, SVM)
# they work as on Xen; on PVM a ring-3 syscall ends the domain.
. "$(dirname "$0")/lib.sh"

HV=$BIN/ketch-hv
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
		expect_match "hcsyscall: $c" "^PASS $(printf '%s' "$c" | sed 's/[()]/\\&/g')\$" "$out"
	done
	expect_match "hcsyscall: text written by syscall reaches the console" '^hcsyscall: console_io by syscall$' "$out"
	[ "$rc" = 0 ] || echo "$out" | grep -E 'FAIL|crashed'
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
