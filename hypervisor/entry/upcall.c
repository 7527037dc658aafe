/*
 * upcall.c - Xen x86-64 PV event upcalls: callback registration, the
 * bounce frame ketch-hv builds on the guest's stack to enter the event
 * callback, and HYPERVISOR_iret, which returns from it.  Works the same on
 * PVM and VT-x hosts because it only edits registers between two KVM_RUNs;
 * the guest IDT is never involved.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <xen/callback.h>
#include <xen/errno.h>
#include <xen/xen.h>

#include "hv.h"
#include "entry.h"
#include "mm/xenpv.h"

#define LOWER_HALF_END 0x0000800000000000ULL
#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_FIXED 0x3002ULL /* IOPL 3 and the reserved bit */
#define RFLAGS_USER 0x2ULL     /* guest user mode: IOPL 0 */
/* Flags a guest may change through iret: CF PF AF ZF SF DF OF and AC/ID. */
#define RFLAGS_GUEST 0x240cd5ULL

static long set_callback(struct vcpu *v, unsigned int type, uint64_t addr, uint32_t flags)
{
	if (addr >= LOWER_HALF_END)
		return -XEN_EINVAL;
	switch (type) {
	case CALLBACKTYPE_event:
		v->event_callback = addr;
		return 0;
	case CALLBACKTYPE_failsafe:
		v->failsafe_callback = addr;
		return 0;
	case CALLBACKTYPE_syscall:
		v->syscall_callback = addr;
		v->syscall_masks = (flags & CALLBACKF_mask_events) != 0;
		return 0;
	default:
		return -XEN_EINVAL; /* syscall32/sysenter/NMI: no such paths here */
	}
}

long hc_callback_op(struct vcpu *v, const uint64_t a[6])
{
	struct callback_register cb;

	switch (a[0]) {
	case CALLBACKOP_register:
		if (gm_copy_from(v, &cb, a[1], sizeof(cb)))
			return -XEN_EFAULT;
		return set_callback(v, cb.type, cb.address, cb.flags);
	case CALLBACKOP_unregister:
		return -XEN_EINVAL; /* as Xen: event/failsafe/syscall stay registered */
	default:
		return -XEN_ENOSYS;
	}
}

/* set_callbacks(event, failsafe, syscall): the legacy form. */
long hc_set_callbacks(struct vcpu *v, const uint64_t a[6])
{
	long r = set_callback(v, CALLBACKTYPE_event, a[0], 0);

	if (r == 0)
		r = set_callback(v, CALLBACKTYPE_failsafe, a[1], 0);
	return r ? r : set_callback(v, CALLBACKTYPE_syscall, a[2], 0);
}

/*
 * Where guest execution resumes.  After a hypercall port exit, KVM on PVM
 * reports rip past the `out`, VT-x at it (KVM skips it on re-entry unless
 * rip was changed).  Every stub uses the two-byte `out %eax,$imm8`.  A
 * call by direct syscall has already been moved past the syscall, and
 * guest user mode makes no port exits (IOPL 0).
 */
uint64_t hcall_resume_rip(struct vcpu *v, const struct kvm_regs *r)
{
	uint8_t insn[2];

	if (v->run->exit_reason == KVM_EXIT_IO && v->run->io.port != HV_SYSCALL_PORT &&
	    !v->user_mode &&
	    gm_copy_from(v, insn, r->rip, sizeof(insn)) == 0 && insn[0] == 0xe7 &&
	    insn[1] == v->run->io.port)
		return r->rip + 2;
	return r->rip;
}

uint64_t kernel_cs(const struct domain *d)
{
	/*
	 * Xen clears the RPL of CS in frames for a guest in kernel mode, so a
	 * PV guest tells kernel from user frames by CS & 3 (HYPERVISOR_iret
	 * does too; Mini-OS sets it again before its own iretq).
	 */
	(void)d;
	return FLAT_KERNEL_CS & ~3ULL;
}

/*
 * Enter the event callback with Xen's x86-64 bounce frame (pvmode.c):
 * from kernel mode on the current stack, from user mode on the
 * stack_switch stack; upcalls masked; rsp at the saved RCX.
 */
int upcall_deliver(struct vcpu *v)
{
	struct kvm_regs *r = vcpu_regs(v);
	struct pv_bounce b = { .entry = v->event_callback, .rip = hcall_resume_rip(v, r),
			       .mask_events = true };
	uint64_t bad_sp;

	if (!vcpu_info_of(v))
		return 0;
	if (pv_bounce(v, r, &b, &bad_sp)) {
		char why[96];

		snprintf(why, sizeof(why),
			 "event upcall: guest stack at 0x%llx is not writable",
			 (unsigned long long)bad_sp);
		exit_crash_dump(v, why);
		return -1;
	}
	vcpu_regs_dirty(v);
	return 0;
}

/*
 * Xen's do_iret for CS with RPL 3: back to guest user mode, which needs
 * a user page table (Xen crashes a guest without one) and, here, the
 * entry area (a user-mode guest enters its kernel through it) and Xen's
 * flat 64-bit user selectors (the low 16 bits: a bounce frame's CS
 * carries the upcall mask above them).  0, or -1 with the domain crashed.
 */
static int iret_to_user(struct vcpu *v, const struct iret_context *c)
{
	const char *why = NULL;

	if (!v->cr3_user)
		why = "iret to guest user mode with no user page table";
	else if (!entry_active(v->d))
		why = "iret to guest user mode: not offered on this host (no entry area)";
	else if (((c->cs & 0xffff) | 3) != FLAT_USER_CS64 || ((c->ss & 0xffff) | 3) != FLAT_USER_SS64)
		why = "iret to guest user mode with selectors other than FLAT_USER_CS64/SS64";
	else if (v->user_mode)
		why = "iret from guest user mode";
	if (!why && pvmode_toggle(v) < 0)
		why = "iret to guest user mode: cannot switch page tables";
	if (why) {
		exit_crash_dump(v, why);
		return -1;
	}
	return 0;
}

/*
 * HYPERVISOR_iret: the stub (or the guest, before a direct syscall)
 * pushed rcx, r11 and rax over the guest's frame, so rsp points at
 * struct iret_context.  Restores the interrupted state, in guest user
 * mode when CS has RPL 3 (IOPL 0 there); the return value becomes the
 * restored rax.
 */
long hc_iret(struct vcpu *v, const uint64_t a[6])
{
	struct kvm_regs *r = vcpu_regs(v);
	struct iret_context c;
	vcpu_info_t *vi = vcpu_info_of(v);
	bool user;

	(void)a;
	if (gm_copy_from(v, &c, r->rsp, sizeof(c))) {
		exit_crash_dump(v, "iret: frame not readable");
		return -XEN_EFAULT;
	}
	if (c.rip >= LOWER_HALF_END || c.rsp >= LOWER_HALF_END) {
		exit_crash_dump(v, "iret: return address outside the guest");
		return -XEN_EFAULT;
	}
	user = (c.cs & 3) == 3;
	if (user && iret_to_user(v, &c) < 0)
		return -XEN_EFAULT;
	r = vcpu_regs(v);
	r->rip = c.rip;
	r->rsp = c.rsp;
	r->rflags = (c.rflags & RFLAGS_GUEST) | (user ? RFLAGS_USER : RFLAGS_FIXED) | RFLAGS_IF;
	if (!(c.flags & VGCF_in_syscall)) {
		r->r11 = c.r11;
		r->rcx = c.rcx;
	}
	if (vi)
		__atomic_store_n(&vi->evtchn_upcall_mask, !(c.rflags & RFLAGS_IF),
				 __ATOMIC_SEQ_CST);
	vcpu_regs_dirty(v);
	return (long)c.rax;
}

/*
 * Called before every guest entry: deliver a pending, unmasked event,
 * unless the vCPU stopped inside the entry area's ring-0 code (a kick
 * between an exception and its stub's exit): that exit comes first.
 */
int upcall_check(struct vcpu *v)
{
	if (!v->event_callback || !v->regs_valid || !vcpu_events_pending(v))
		return 0;
	if (vcpu_regs(v)->rip >= LOWER_HALF_END)
		return 0;
	return upcall_deliver(v);
}
