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
/* Flags a guest may change through iret: CF PF AF ZF SF DF OF and AC/ID. */
#define RFLAGS_GUEST 0x240cd5ULL

static long set_callback(struct vcpu *v, unsigned int type, uint64_t addr)
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
	default:
		return -XEN_EINVAL; /* syscall/sysenter/NMI: no such paths here */
	}
}

long hc_callback_op(struct vcpu *v, const uint64_t a[6])
{
	struct callback_register cb;

	switch (a[0]) {
	case CALLBACKOP_register:
		if (gm_copy_from(v, &cb, a[1], sizeof(cb)))
			return -XEN_EFAULT;
		return set_callback(v, cb.type, cb.address);
	case CALLBACKOP_unregister:
		return -XEN_EINVAL; /* as Xen: event/failsafe stay registered */
	default:
		return -XEN_ENOSYS;
	}
}

/* set_callbacks(event, failsafe, syscall): the legacy form. */
long hc_set_callbacks(struct vcpu *v, const uint64_t a[6])
{
	long r = set_callback(v, CALLBACKTYPE_event, a[0]);

	return r ? r : set_callback(v, CALLBACKTYPE_failsafe, a[1]);
}

/*
 * Where guest execution resumes.  After a hypercall port exit, KVM on PVM
 * reports rip past the `out`, VT-x at it (KVM skips it on re-entry unless
 * rip was changed).  Every stub uses the two-byte `out %eax,$imm8`.  A
 * call by direct syscall has already been moved past the syscall.
 */
uint64_t hcall_resume_rip(struct vcpu *v, const struct kvm_regs *r)
{
	uint8_t insn[2];

	if (v->run->exit_reason == KVM_EXIT_IO && v->run->io.port != HV_SYSCALL_PORT &&
	    gm_copy_from(v, insn, r->rip, sizeof(insn)) == 0 && insn[0] == 0xe7 &&
	    insn[1] == v->run->io.port)
		return r->rip + 2;
	return r->rip;
}

uint64_t kernel_cs(const struct domain *d)
{
	/*
	 * Xen clears the RPL of CS in frames for a guest in kernel mode, so a
	 * classic PV guest tells kernel from user frames by CS & 3 (Mini-OS
	 * sets it again before its own iretq).  Ketch guests always got 3.
	 */
	return d->xenpv ? (FLAT_KERNEL_CS & ~3ULL) : FLAT_KERNEL_CS;
}

/*
 * Enter the event callback with Xen's x86-64 bounce frame: rsp aligned
 * down to 16, then SS, RSP, RFLAGS, CS (saved upcall mask in bits 32-39),
 * RIP, R11, RCX from high to low; upcalls masked; rsp at the saved RCX.
 */
int upcall_deliver(struct vcpu *v)
{
	vcpu_info_t *vi = vcpu_info_of(v);
	struct kvm_regs *r = vcpu_regs(v);
	uint64_t frame[7], sp;
	uint8_t mask;

	if (!vi)
		return 0;
	mask = __atomic_exchange_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
	sp = (r->rsp & ~0xfULL) - sizeof(frame);
	frame[0] = r->rcx;
	frame[1] = r->r11;
	frame[2] = hcall_resume_rip(v, r);
	frame[3] = kernel_cs(v->d) | ((uint64_t)mask << 32);
	frame[4] = (r->rflags & ~RFLAGS_IF) | (mask ? 0 : RFLAGS_IF);
	frame[5] = r->rsp;
	frame[6] = FLAT_KERNEL_SS;
	if (gm_copy_to(v, sp, frame, sizeof(frame))) {
		char why[96];

		snprintf(why, sizeof(why),
			 "event upcall: guest stack at 0x%llx is not writable",
			 (unsigned long long)sp);
		exit_crash_dump(v, why);
		return -1;
	}
	r->rsp = sp;
	r->rip = v->event_callback;
	r->rflags = (r->rflags & RFLAGS_GUEST) | RFLAGS_FIXED | RFLAGS_IF;
	vcpu_regs_dirty(v);
	return 0;
}

/*
 * HYPERVISOR_iret: the stub pushed rcx, r11 and rax over the guest's
 * frame, so rsp points at struct iret_context.  Restores the interrupted
 * state; the return value becomes the restored rax.
 */
long hc_iret(struct vcpu *v, const uint64_t a[6])
{
	struct kvm_regs *r = vcpu_regs(v);
	struct iret_context c;
	vcpu_info_t *vi = vcpu_info_of(v);

	(void)a;
	if (gm_copy_from(v, &c, r->rsp, sizeof(c))) {
		exit_crash_dump(v, "iret: frame not readable");
		return -XEN_EFAULT;
	}
	if (c.rip >= LOWER_HALF_END || c.rsp >= LOWER_HALF_END) {
		exit_crash_dump(v, "iret: return address outside the guest");
		return -XEN_EFAULT;
	}
	/* RPL 3 means guest user mode to Xen; these guests have only one mode. */
	if (v->d->xenpv && (c.cs & 3) == 3) {
		exit_crash_dump(v, "iret to guest user mode: not offered (no user page tables)");
		return -XEN_EFAULT;
	}
	r->rip = c.rip;
	r->rsp = c.rsp;
	r->rflags = (c.rflags & RFLAGS_GUEST) | RFLAGS_FIXED | RFLAGS_IF;
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

/* Called before every guest entry: deliver a pending, unmasked event. */
int upcall_check(struct vcpu *v)
{
	if (!v->event_callback || !v->regs_valid || !vcpu_events_pending(v))
		return 0;
	return upcall_deliver(v);
}
