/*
 * priv_op.c - the privileged instructions a Xen PV kernel may execute in
 * ring 3, completed as Xen completes them instead of faulting the guest:
 *   wrmsr/rdmsr of MSR_FS_BASE and MSR_GS_BASE (#GP at CPL3): the segment
 *     bases; MSR_SHADOW_GS_BASE is guest user mode's GS base, swapped in
 *     when the guest enters user mode (pvmode.c);
 *   the forced-emulation prefix `ud2; .ascii "xen"; cpuid` (#UD): cpuid
 *     with Xen's hypervisor leaves at 0x40000000.
 * Anything else is left to the guest's trap table.
 */
#include <cpuid.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <xen/xen.h>
#include <xen/arch-x86/cpuid.h>

#include "hv.h"

#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_SHADOW_GS_BASE 0xc0000102u
#define LOWER_HALF_END 0x0000800000000000ULL
#define VEC_UD 6
#define VEC_GP 13
#define XEN_VERSION_WORD ((4u << 16) | 17u) /* what XENVER_version reports */

static bool msr(struct vcpu *v, bool write, struct kvm_regs *r)
{
	uint32_t nr = (uint32_t)r->rcx;
	uint64_t val = (r->rdx << 32) | (uint32_t)r->rax;
	struct kvm_sregs s;
	struct kvm_segment *seg;

	if (nr == MSR_SHADOW_GS_BASE) {
		if (write && val >= LOWER_HALF_END)
			return false;
		if (write)
			v->gs_shadow = val; /* guest user mode's GS base, as on Xen */
		r->rax = write ? r->rax : (uint32_t)v->gs_shadow;
		r->rdx = write ? r->rdx : v->gs_shadow >> 32;
		return true;
	}
	if (nr != MSR_FS_BASE && nr != MSR_GS_BASE)
		return false;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return false;
	seg = nr == MSR_FS_BASE ? &s.fs : &s.gs;
	if (!write) {
		r->rax = (uint32_t)seg->base;
		r->rdx = seg->base >> 32;
		return true;
	}
	if (val >= LOWER_HALF_END)
		return false; /* a #GP, as for a non-canonical base on hardware */
	seg->base = val;
	return ioctl(v->fd, KVM_SET_SREGS, &s) == 0;
}

/* cpuid as a Xen PV guest sees it: the host's, plus Xen's leaves. */
static void xen_cpuid(struct kvm_regs *r)
{
	uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx;
	uint32_t a = 0, b = 0, c = 0, d = 0;

	if (leaf == XEN_CPUID_FIRST_LEAF) {
		a = XEN_CPUID_FIRST_LEAF + 2;
		b = XEN_CPUID_SIGNATURE_EBX;
		c = XEN_CPUID_SIGNATURE_ECX;
		d = XEN_CPUID_SIGNATURE_EDX;
	} else if (leaf == XEN_CPUID_FIRST_LEAF + 1) {
		a = XEN_VERSION_WORD;
	} else if (leaf == XEN_CPUID_FIRST_LEAF + 2) {
		a = 1;                    /* one hypercall page */
		b = XEN_CPUID_FIRST_LEAF; /* its MSR (not offered: the ELF note places it) */
	} else if ((leaf >> 16) != 0x4000) {
		__cpuid_count(leaf, sub, a, b, c, d);
		if (leaf == 1)
			c |= 1u << 31; /* running on a hypervisor */
	}
	r->rax = a;
	r->rbx = b;
	r->rcx = c;
	r->rdx = d;
}

bool priv_op_emulate(struct vcpu *v, unsigned int vec, uint64_t ec, struct kvm_regs *r)
{
	static const uint8_t xen_prefix[] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };
	uint8_t insn[sizeof(xen_prefix)];

	memset(insn, 0, sizeof(insn));
	if ((vec != VEC_GP || ec != 0) && vec != VEC_UD)
		return false;
	/* A short read (the end of a mapping) leaves zeros: matches nothing. */
	for (size_t i = 0; i < sizeof(insn); i++)
		if (gm_copy_from(v, &insn[i], r->rip + i, 1))
			break;
	if (vec == VEC_UD && memcmp(insn, xen_prefix, sizeof(xen_prefix)) == 0) {
		xen_cpuid(r);
		r->rip += sizeof(xen_prefix);
		return true;
	}
	if (vec == VEC_GP && insn[0] == 0x0f && (insn[1] == 0x30 || insn[1] == 0x32) &&
	    msr(v, insn[1] == 0x30, r)) {
		r->rip += 2;
		return true;
	}
	return false;
}
