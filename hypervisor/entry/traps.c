/*
 * traps.c - a Xen PV guest's virtual IDT: set_trap_table, and bouncing an
 * exception to the handler it names with Xen's x86-64 exception frame
 * (create_bounce_frame): from the guest's stack aligned down to 16, high
 * to low, SS, RSP, RFLAGS, CS (RPL 0: kernel mode; saved upcall mask in
 * bits 32-39), RIP,
 * [error code,] R11, RCX; rsp then points at the saved RCX.  A #PF also
 * leaves the fault address in vcpu_info.arch.cr2.  Only exceptions reach
 * here (the entry area's IDT has gates for vectors 0-31 only), so
 * handlers for software interrupts are accepted but never used.  Offered
 * to classic PV domains only (xenpv.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xen/errno.h>
#include <xen/xen.h>

#include "hv.h"

#define LOWER_HALF_END 0x0000800000000000ULL
#define NR_TRAPS 32
#define MAX_TABLE 256          /* one entry per vector at most */
#define TI_DISABLE_EVENTS 4    /* trap_info.flags: an "interrupt gate" */
#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_FIXED 0x3002ULL /* IOPL 3 and the reserved bit */
/* Kept on entry to a handler: arithmetic flags, DF, OF and ID (not TF, NT, RF, AC). */
#define RFLAGS_KEPT 0x200cd5ULL

long hc_set_trap_table(struct vcpu *v, const uint64_t a[6])
{
	struct trap_info t;

	if (!v->d->xenpv)
		return -XEN_ENOSYS; /* a Ketch guest's faults end it (docs/abi.md) */
	if (!a[0]) {
		memset(v->traps, 0, sizeof(v->traps)); /* as Xen: NULL clears */
		return 0;
	}
	for (unsigned int i = 0; i < MAX_TABLE; i++) {
		if (gm_copy_from(v, &t, a[0] + i * sizeof(t), sizeof(t)))
			return -XEN_EFAULT;
		if (t.address == 0)
			return 0;
		if (t.address >= LOWER_HALF_END)
			return -XEN_EINVAL;
		if (t.vector < NR_TRAPS)
			v->traps[t.vector] = t;
	}
	return 0;
}

static bool has_error_code(unsigned int vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 ||
	       vec == 29 || vec == 30;
}

static int bounce(struct vcpu *v, const struct trap_info *t, unsigned int vec,
		  uint64_t ec, struct kvm_regs *r)
{
	vcpu_info_t *vi = vcpu_info_of(v);
	uint64_t frame[8], sp;
	unsigned int n = 0;
	uint8_t mask = vi ? __atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_SEQ_CST) : 1;

	frame[n++] = r->rcx;
	frame[n++] = r->r11;
	if (has_error_code(vec))
		frame[n++] = ec;
	frame[n++] = r->rip;
	frame[n++] = kernel_cs(v->d) | ((uint64_t)mask << 32);
	frame[n++] = (r->rflags & ~RFLAGS_IF) | (mask ? 0 : RFLAGS_IF);
	frame[n++] = r->rsp;
	frame[n++] = FLAT_KERNEL_SS;
	sp = (r->rsp & ~0xfULL) - n * 8;
	if (gm_copy_to(v, sp, frame, n * 8)) {
		char why[128];

		snprintf(why, sizeof(why), "exception %u: guest stack at 0x%llx cannot take "
			 "the bounce frame", vec, (unsigned long long)sp);
		domain_crash(v->d, "vcpu%u: %s at rip 0x%llx", v->id, why,
			     (unsigned long long)r->rip);
		return -2;
	}
	if (vi && (t->flags & TI_DISABLE_EVENTS))
		__atomic_store_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
	r->rsp = sp;
	r->rip = t->address;
	r->rflags = (r->rflags & RFLAGS_KEPT) | RFLAGS_FIXED | RFLAGS_IF;
	return 0;
}

int traps_deliver(struct vcpu *v, unsigned int vec, uint64_t ec, uint64_t cr2,
		  struct kvm_regs *r)
{
	vcpu_info_t *vi;

	if (!v->d->xenpv)
		return -1; /* a Ketch guest's exceptions end it, as documented */
	if (priv_op_emulate(v, vec, ec, r))
		return 0;
	if (vec >= NR_TRAPS || !v->traps[vec].address)
		return -1;
	vi = vcpu_info_of(v);
	if (vec == 14 && vi)
		__atomic_store_n(&vi->arch.cr2, cr2, __ATOMIC_SEQ_CST);
	return bounce(v, &v->traps[vec], vec, ec, r);
}
