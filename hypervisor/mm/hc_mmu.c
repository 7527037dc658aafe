/*
 * hc_mmu.c - the privileged MMU operations a ring-3 guest kernel needs:
 * mmuext_op (NEW_BASEPTR, TLB flushes, INVLPG), update_va_mapping,
 * set_segment_base and fpu_taskswitch.  Guests own their page tables
 * (auto-translated physmap), so "validated" means: every frame a guest
 * names must be inside its own RAM.  KVM's memory slots already stop a
 * guest reaching anything else; the checks give clear errors instead of
 * a crash.
 */
#include <stdint.h>
#include <sys/ioctl.h>
#include <xen/errno.h>
#include <xen/xen.h>

#include "hv.h"
#include "xenpv.h"

#define PTE_P 1ULL
#define PTE_RW 2ULL
#define PTE_ADDR 0x000ffffffffff000ULL
#define MMUEXT_MAX_BATCH 4096
/* Xen marks a continued mmuext_op in count's top bit (not in the public headers). */
#define MMU_UPDATE_PREEMPTED 0x80000000u
#define LOWER_HALF_END 0x0000800000000000ULL

static void flush_others(struct vcpu *self)
{
	struct domain *d = self->d;

	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpus[i];

		if (v == self || !v->online)
			continue;
		atomic_store(&v->flush_pending, true);
		vcpu_kick(v);
	}
}

static long new_baseptr(struct vcpu *v, uint64_t gpfn)
{
	if (gpfn >= v->d->nr_pages)
		return -XEN_EINVAL;
	return vcpu_set_cr3(v, gpfn << 12) ? -XEN_EINVAL : 0;
}

static long one_mmuext(struct vcpu *v, const struct mmuext_op *op)
{
	switch (op->cmd) {
	case MMUEXT_NEW_BASEPTR:
		return new_baseptr(v, op->arg1.mfn);
	case MMUEXT_NEW_USER_BASEPTR:
		return pvmode_new_user_baseptr(v, op->arg1.mfn);
	case MMUEXT_TLB_FLUSH_LOCAL:
	case MMUEXT_INVLPG_LOCAL:
		return vcpu_flush_tlb(v) ? -XEN_EINVAL : 0;
	case MMUEXT_TLB_FLUSH_ALL:
	case MMUEXT_INVLPG_ALL:
	case MMUEXT_TLB_FLUSH_MULTI:
	case MMUEXT_INVLPG_MULTI:
		/* A subset flush may flush more: correct, and cheaper to decide. */
		flush_others(v);
		return vcpu_flush_tlb(v) ? -XEN_EINVAL : 0;
	default:
		/* Pinning, LDTs, page copies: meaningless or absent here. */
		return -XEN_ENOSYS;
	}
}

/*
 * mmuext_op(ops, count, pdone, foreigndom).  Each op may flush TLBs, so a
 * full batch is preempted like Xen's: the continuation carries the rest
 * with count | MMU_UPDATE_PREEMPTED, and pdone the ops done so far, which
 * the resumed call adds to.
 */
long hc_mmu_batch(struct vcpu *v, const uint64_t a[6], unsigned int nr, size_t size,
		  uint32_t max, long (*one)(struct vcpu *, const void *))
{
	uint64_t list = a[0], pdone = a[2];
	uint32_t count = (uint32_t)a[1], done = 0, prior = 0;
	uint16_t foreign = (uint16_t)a[3];
	uint64_t entry[4]; /* mmu_update: 16 bytes, mmuext_op: 32 */
	long r = 0;

	if (size > sizeof(entry))
		return -XEN_EINVAL;
	if (foreign != DOMID_SELF && foreign != v->d->domid)
		return -XEN_EPERM; /* no foreign mappings: grants are the way */
	if (a[1] & MMU_UPDATE_PREEMPTED) {
		count &= ~MMU_UPDATE_PREEMPTED;
		if (pdone && gm_copy_from(v, &prior, pdone, sizeof(prior)))
			return -XEN_EFAULT;
	}
	if (a[1] > UINT32_MAX || count > max)
		return -XEN_EINVAL;
	for (; done < count; done++) {
		if (done && hc_preempt_check(v)) {
			const uint64_t c[6] = { list + done * size,
				(count - done) | MMU_UPDATE_PREEMPTED, pdone, a[3] };

			r = hc_continue(v, nr, c);
			break;
		}
		if (gm_copy_from(v, entry, list + done * size, size)) {
			r = -XEN_EFAULT;
			break;
		}
		r = one(v, entry);
		if (r)
			break;
	}
	done += prior;
	if (pdone && gm_copy_to(v, pdone, &done, sizeof(done)))
		return -XEN_EFAULT;
	return r;
}

static long one_mmuext_entry(struct vcpu *v, const void *e)
{
	return one_mmuext(v, e);
}

long hc_mmuext_op(struct vcpu *v, const uint64_t a[6])
{
	return hc_mmu_batch(v, a, __HYPERVISOR_mmuext_op, sizeof(struct mmuext_op),
			    MMUEXT_MAX_BATCH, one_mmuext_entry);
}

/* update_va_mapping(va, new_pte, flags) */
long hc_update_va_mapping(struct vcpu *v, const uint64_t a[6])
{
	uint64_t va = a[0], val = a[1], flags = a[2];
	uint64_t *pte;
	int err;

	if (va >= LOWER_HALF_END)
		return -XEN_EINVAL;
	if ((val & PTE_P) && !pvmmu_frame_ok(v->d, (val & PTE_ADDR) >> 12, val & PTE_RW))
		return -XEN_EINVAL;
	pte = gm_leaf_pte(v, va, &err);
	if (!pte)
		return err;
	__atomic_store_n(pte, val, __ATOMIC_RELEASE);
	if (hv_kvm_zap_shadow(v->d))
		return -XEN_EINVAL;
	switch (flags & UVMF_FLUSHTYPE_MASK) {
	case UVMF_NONE:
		return 0;
	case UVMF_TLB_FLUSH:
	case UVMF_INVLPG:
		if (flags & ~UVMF_FLUSHTYPE_MASK)
			flush_others(v); /* UVMF_ALL or a MULTI mask */
		return vcpu_flush_tlb(v) ? -XEN_EINVAL : 0;
	default:
		return -XEN_EINVAL;
	}
}

/* set_segment_base(which, base) */
long hc_set_segment_base(struct vcpu *v, const uint64_t a[6])
{
	struct kvm_sregs s;

	if (a[1] >= LOWER_HALF_END)
		return -XEN_EINVAL;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -XEN_EINVAL;
	switch (a[0]) {
	case SEGBASE_FS:
		s.fs.base = a[1];
		break;
	case SEGBASE_GS_KERNEL:
		s.gs.base = a[1];
		break;
	case SEGBASE_GS_USER:
		/* Hypercalls come from kernel mode: the user base is the other one. */
		v->gs_shadow = a[1];
		return 0;
	default:
		return -XEN_EINVAL;
	}
	return ioctl(v->fd, KVM_SET_SREGS, &s) < 0 ? -XEN_EINVAL : 0;
}

/* fpu_taskswitch(set): CR0.TS as the guest asks. */
long hc_fpu_taskswitch(struct vcpu *v, const uint64_t a[6])
{
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -XEN_EINVAL;
	if (a[0])
		s.cr0 |= 1ULL << 3;
	else
		s.cr0 &= ~(1ULL << 3);
	return ioctl(v->fd, KVM_SET_SREGS, &s) < 0 ? -XEN_EINVAL : 0;
}
