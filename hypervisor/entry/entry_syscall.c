/*
 * entry_syscall.c - what the entry area's syscall stub (LSTAR) reports: a
 * hypercall made by a direct `syscall`, Xen's 64-bit PV convention (nr in
 * rax; rdi, rsi, rdx, r10, r8, r9; result in rax).  Xen's own hypercall
 * page for such guests is `push %rcx; push %r11; mov $nr,%eax; syscall;
 * pop %r11; pop %rcx; ret`, and some guests issue the syscall themselves.
 *
 * The guest leaves ring 3 only for the stub's one `out`; ketch-hv puts it
 * back in ring 3 past the syscall before running the call, as sysret
 * would (rcx the return rip, r11 the rflags it resumes with), so every
 * handler, upcall and continuation sees the same state as after a call
 * through the hypercall page.
 */
#include <stdint.h>
#include <stdio.h>

#include "hv.h"
#include "entry.h"

#define LOWER_HALF_END 0x0000800000000000ULL
#define SYSCALL_LEN 2          /* 0f 05 */
#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_FIXED 0x3002ULL /* IOPL 3 and the reserved bit */
/* What the guest keeps of its rflags: CF PF AF ZF SF DF OF, AC and ID. */
#define RFLAGS_GUEST 0x240cd5ULL

int entry_syscall(struct vcpu *v)
{
	struct kvm_regs *r = vcpu_regs(v);
	uint64_t ret_rip = r->rcx;

	/* Ring-3 code cannot run in the area, so this rip proves the stub. */
	if (r->rip != entry_syscall_rip()) {
		exit_crash_dump(v, "I/O to the syscall port outside the entry area's stub");
		return -1;
	}
	if (ret_rip < SYSCALL_LEN || ret_rip >= LOWER_HALF_END) {
		exit_crash_dump(v, "syscall from outside the guest's half of the address space");
		return -1;
	}
	r->rip = ret_rip;
	r->rflags = (r->r11 & RFLAGS_GUEST) | RFLAGS_FIXED | RFLAGS_IF;
	r->r11 = r->rflags;
	vcpu_regs_dirty(v);
	if (entry_to_ring3(v) < 0) {
		exit_crash_dump(v, "syscall: cannot return the vCPU to ring 3");
		return -1;
	}
	hcall_dispatch_syscall(v, ret_rip - SYSCALL_LEN);
	return 0;
}
