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
 * through the hypercall page.  From guest user mode a syscall is not a
 * hypercall but the guest kernel's (below).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hv.h"
#include "entry.h"

#define LOWER_HALF_END 0x0000800000000000ULL
#define SYSCALL_LEN 2          /* 0f 05 */
#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_FIXED 0x3002ULL /* IOPL 3 and the reserved bit */
#define RFLAGS_USER 0x2ULL     /* guest user mode: IOPL 0 */
#define RFLAGS_DF (1ULL << 10)
/* What the guest keeps of its rflags: CF PF AF ZF SF DF OF, AC and ID. */
#define RFLAGS_GUEST 0x240cd5ULL

/*
 * A syscall from guest user mode is the guest kernel's, as on Xen: it
 * enters the syscall callback in kernel mode on the stack_switch stack
 * with the bounce frame (RIP = the return address, RFLAGS = the user's,
 * CS/SS the user's; rcx and r11 as the syscall left them), upcalls
 * masked if the callback asked (CALLBACKF_mask_events), DF cleared.
 */
static int user_syscall(struct vcpu *v, struct kvm_regs *r)
{
	struct pv_bounce b = { .entry = v->syscall_callback, .rip = r->rip,
			       .mask_events = v->syscall_masks };
	uint64_t bad_sp;
	char why[128];

	if (!v->syscall_callback) {
		exit_crash_dump(v, "syscall from guest user mode with no syscall callback");
		return -1;
	}
	if (pv_bounce(v, r, &b, &bad_sp)) {
		snprintf(why, sizeof(why), "syscall from guest user mode: kernel stack at "
			 "0x%llx cannot take the bounce frame", (unsigned long long)bad_sp);
		exit_crash_dump(v, why);
		return -1;
	}
	r->rflags &= ~RFLAGS_DF;
	vcpu_regs_dirty(v);
	return 0;
}

int entry_syscall(struct vcpu *v)
{
	struct kvm_regs *r = vcpu_regs(v);
	uint64_t ret_rip = r->rcx;
	bool user = v->user_mode;

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
	r->rflags = (r->r11 & RFLAGS_GUEST) | (user ? RFLAGS_USER : RFLAGS_FIXED) | RFLAGS_IF;
	if (!user)
		r->r11 = r->rflags;
	vcpu_regs_dirty(v);
	if (entry_to_ring3(v) < 0) {
		exit_crash_dump(v, "syscall: cannot return the vCPU to ring 3");
		return -1;
	}
	if (user)
		return user_syscall(v, r);
	hcall_dispatch_syscall(v, ret_rip - SYSCALL_LEN);
	return 0;
}
