/*
 * traps.c - a Xen PV guest's virtual IDT: set_trap_table, and bouncing an
 * exception to the handler it names with Xen's x86-64 exception frame
 * (pvmode.c's bounce: from the guest's stack aligned down to 16, high to
 * low, SS, RSP, RFLAGS, CS (RPL 0 from kernel mode, 3 from user mode;
 * saved upcall mask in bits 32-39), RIP, [error code,] R11, RCX; rsp then
 * points at the saved RCX).  A #PF also leaves the fault address in
 * vcpu_info.arch.cr2.  The entry area's IDT has gates for vectors 0-31
 * only, so `int n` to any other vector (and to a DPL-0 gate) arrives as a
 * #GP whose error code names the vector: as Xen does, it is delivered to
 * the trap table's entry n when that entry's DPL permits (rip past the
 * two-byte instruction, no error code), else as the #GP.  Offered
 * wherever the entry area is used (VT-x, SVM); privileged instructions
 * are completed first for a classic PV kernel (priv_op.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xen/errno.h>
#include <xen/xen.h>

#include "hv.h"
#include "entry.h"

#define LOWER_HALF_END 0x0000800000000000ULL
#define MAX_TABLE 256          /* one entry per vector at most */
#define TI_DISABLE_EVENTS 4    /* trap_info.flags: an "interrupt gate" */
#define TI_DPL 3               /* trap_info.flags: who may `int n` it */
#define VEC_GP 13
#define EC_IDT 2               /* a #GP error code naming an IDT vector */
#define INT_N_LEN 2            /* cd ib */

long hc_set_trap_table(struct vcpu *v, const uint64_t a[6])
{
	struct trap_info t;

	if (!entry_active(v->d))
		return -XEN_ENOSYS; /* PVM: no exception reaches ketch-hv by vector */
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
		v->traps[t.vector] = t; /* a uint8_t: every vector has a slot */
	}
	return 0;
}

static bool has_error_code(unsigned int vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 ||
	       vec == 29 || vec == 30;
}

static int bounce(struct vcpu *v, const struct trap_info *t, unsigned int vec,
		  const uint64_t *ec, struct kvm_regs *r)
{
	struct pv_bounce b = { .entry = t->address, .rip = r->rip, .ec = ec,
			       .mask_events = (t->flags & TI_DISABLE_EVENTS) != 0 };
	uint64_t bad_sp;

	if (pv_bounce(v, r, &b, &bad_sp)) {
		domain_crash(v->d, "vcpu%u: exception %u: guest stack at 0x%llx cannot take "
			     "the bounce frame at rip 0x%llx", v->id, vec,
			     (unsigned long long)bad_sp, (unsigned long long)r->rip);
		return -2;
	}
	return 0;
}

/*
 * The vector of the `int n` an IDT-sourced #GP reports: the error code's
 * index (ec >> 3) on hardware, as Xen reads it.  QEMU's emulated CPU
 * reports n * 16 + 2 in long mode instead; the instruction at rip
 * (`cd n`) says when that is what happened.
 */
static unsigned int int_n_vector(struct vcpu *v, uint64_t ec, uint64_t rip)
{
	unsigned int vec = (unsigned int)(ec >> 3) & 0xff;
	uint8_t insn[INT_N_LEN];

	if (pvmode_read_code(v, rip, insn, sizeof(insn)) == 0 && insn[0] == 0xcd &&
	    insn[1] != vec && insn[1] == ((ec >> 4) & 0xff))
		vec = insn[1];
	return vec;
}

/* `int n` that the IDT turned into a #GP: the trap table's entry n if its DPL allows. */
static const struct trap_info *softint(struct vcpu *v, uint64_t ec, uint64_t rip,
				       unsigned int *vec)
{
	const struct trap_info *t;

	if ((ec & 3) != EC_IDT)
		return NULL;
	*vec = int_n_vector(v, ec, rip);
	t = &v->traps[*vec];
	if (!t->address || !pvmode_permit_softint(v, t->flags & TI_DPL))
		return NULL;
	return t;
}

int traps_deliver(struct vcpu *v, unsigned int vec, uint64_t ec, uint64_t cr2,
		  struct kvm_regs *r)
{
	const struct trap_info *t;
	vcpu_info_t *vi;
	unsigned int n;

	if (v->d->xenpv && !v->user_mode && priv_op_emulate(v, vec, ec, r))
		return 0;
	if (vec == VEC_GP && (t = softint(v, ec, r->rip, &n)) != NULL) {
		r->rip += INT_N_LEN;
		return bounce(v, t, n, NULL, r);
	}
	if (vec >= 32 || !v->traps[vec].address)
		return -1;
	vi = vcpu_info_of(v);
	if (vec == 14 && vi)
		__atomic_store_n(&vi->arch.cr2, cr2, __ATOMIC_SEQ_CST);
	return bounce(v, &v->traps[vec], vec, has_error_code(vec) ? &ec : NULL, r);
}
