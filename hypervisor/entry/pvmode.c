/*
 * pvmode.c - a PV guest's kernel and user mode, as Xen keeps them for
 * 64-bit PV guests (both run in ring 3; Xen's TF_kernel_mode): the user
 * page table (MMUEXT_NEW_USER_BASEPTR), the kernel stack entries from
 * user mode use (stack_switch), the switch between the modes (page table
 * and GS bases swapped, as Xen's toggle_guest_mode with its swapgs), and
 * the bounce frame every entry into the guest kernel builds: exceptions,
 * event upcalls, syscalls from user mode (Xen's create_bounce_frame).
 * Guest user mode runs with IOPL 0, so its port I/O (the hypercall stubs'
 * included) is a #GP for the guest kernel, as hypercalls are refused to
 * guest user mode on Xen.
 */
#include <stdint.h>
#include <sys/ioctl.h>
#include <xen/errno.h>
#include <xen/xen.h>

#include "hv.h"
#include "entry.h"

#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_FIXED 0x3002ULL /* IOPL 3 and the reserved bit */
/* Kept on entry to the guest kernel: CF PF AF ZF SF DF OF, AC and ID (not TF, NT, RF). */
#define RFLAGS_KEPT 0x240cd5ULL

int pvmode_toggle(struct vcpu *v)
{
	uint64_t cr3 = v->user_mode ? v->cr3 : v->cr3_user;
	struct kvm_sregs s;
	uint64_t gs;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	gs = s.gs.base;
	s.gs.base = v->gs_shadow;
	s.cr3 = cr3;
	entry_map(v->d, cr3);
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return -1;
	v->gs_shadow = gs;
	v->user_mode = !v->user_mode;
	return 0;
}

int pv_bounce(struct vcpu *v, struct kvm_regs *r, const struct pv_bounce *b,
	      uint64_t *bad_sp)
{
	vcpu_info_t *vi = vcpu_info_of(v);
	uint8_t mask = vi ? __atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_SEQ_CST) : 1;
	uint64_t frame[8], sp = r->rsp, cs = kernel_cs(v->d);
	bool from_user = v->user_mode;
	unsigned int n = 0;

	*bad_sp = 0;
	if (from_user) {
		if (pvmode_toggle(v) < 0)
			return -1;
		sp = v->kernel_sp;
		cs = FLAT_USER_CS64;
	}
	frame[n++] = r->rcx;
	frame[n++] = r->r11;
	if (b->ec)
		frame[n++] = *b->ec;
	frame[n++] = b->rip;
	frame[n++] = cs | ((uint64_t)mask << 32);
	frame[n++] = (r->rflags & ~RFLAGS_IF) | (mask ? 0 : RFLAGS_IF);
	frame[n++] = r->rsp;
	frame[n++] = from_user ? FLAT_USER_SS64 : FLAT_KERNEL_SS;
	sp = (sp & ~0xfULL) - n * 8;
	if (gm_copy_to(v, sp, frame, n * 8)) {
		*bad_sp = sp;
		return -1;
	}
	if (vi && b->mask_events)
		__atomic_store_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
	r->rsp = sp;
	r->rip = b->entry;
	r->rflags = (r->rflags & RFLAGS_KEPT) | RFLAGS_FIXED | RFLAGS_IF;
	return 0;
}

/* stack_switch(ss, sp): the stack the guest kernel is entered on from user mode. */
long hc_stack_switch(struct vcpu *v, const uint64_t a[6])
{
	v->kernel_ss = a[0] | 3; /* as Xen's fixup_guest_stack_selector */
	v->kernel_sp = a[1];
	return 0;
}

long pvmode_new_user_baseptr(struct vcpu *v, uint64_t gpfn)
{
	if (gpfn == 0) {
		v->cr3_user = 0; /* as Xen: no user page table */
		return 0;
	}
	if (gpfn >= v->d->nr_pages || !entry_active(v->d))
		return -XEN_EINVAL;
	v->cr3_user = gpfn << 12;
	entry_map(v->d, v->cr3_user); /* the entry area (and a classic guest's M2P) in it too */
	return 0;
}

/*
 * The translations go through v->cr3 (the kernel's table); for user mode
 * it is pointed at the user table for the read.  Only v's own thread
 * touches v->cr3 while v runs, so nobody sees the swap.
 */
int pvmode_read_code(struct vcpu *v, uint64_t va, void *buf, size_t len)
{
	uint64_t kernel = v->cr3;
	int r;

	if (v->user_mode)
		v->cr3 = v->cr3_user;
	r = gm_copy_from(v, buf, va, len);
	v->cr3 = kernel;
	return r;
}

bool pvmode_permit_softint(const struct vcpu *v, unsigned int dpl)
{
	/* Xen's rule for 64-bit PV: the guest kernel counts as ring 1. */
	return dpl >= (v->user_mode ? 3u : 1u);
}
