/*
 * hc_mmu_update.c - mmu_update(reqs, count, pdone, foreigndom) for classic
 * Xen PV domains: MMU_NORMAL_PT_UPDATE and MMU_PT_UPDATE_PRESERVE_AD
 * (validated by pvmmu.c) and MMU_MACHPHYS_UPDATE.  Batched and preempted
 * as Xen's: the continuation carries the rest with count |
 * MMU_UPDATE_PREEMPTED and pdone the requests done so far.  A Ketch
 * (auto-translated) guest owns its page tables and gets -ENOSYS.
 */
#include <stdint.h>
#include <xen/errno.h>
#include <xen/xen.h>

#include "hv.h"
#include "xenpv.h"

#define MMU_UPDATE_PREEMPTED 0x80000000u /* Xen's, not in the public headers */
#define MMU_MAX_BATCH 4096

static long one_update(struct vcpu *v, const struct mmu_update *u)
{
	switch (u->ptr & 7) {
	case MMU_NORMAL_PT_UPDATE:
	case MMU_PT_UPDATE_PRESERVE_AD: /* A and D are the CPU's anyway */
		return pvmmu_pt_update(v->d, u->ptr & ~7ULL, u->val);
	case MMU_MACHPHYS_UPDATE:
		return pvmmu_machphys(v->d, u->ptr >> 12, u->val);
	default:
		return -XEN_ENOSYS;
	}
}

long hc_mmu_update(struct vcpu *v, const uint64_t a[6])
{
	uint64_t reqs = a[0], pdone = a[2];
	uint32_t count = (uint32_t)a[1], done = 0, prior = 0;
	uint16_t foreign = (uint16_t)a[3];
	long r = 0;

	if (!v->d->xenpv)
		return -XEN_ENOSYS;
	if (foreign != DOMID_SELF && foreign != v->d->domid)
		return -XEN_EPERM; /* no foreign mappings: grants are the way */
	if (a[1] & MMU_UPDATE_PREEMPTED) {
		count &= ~MMU_UPDATE_PREEMPTED;
		if (pdone && gm_copy_from(v, &prior, pdone, sizeof(prior)))
			return -XEN_EFAULT;
	}
	if (a[1] > UINT32_MAX || count > MMU_MAX_BATCH)
		return -XEN_EINVAL;
	for (; done < count; done++) {
		struct mmu_update u;

		if (done && hc_preempt_check(v)) {
			const uint64_t c[6] = { reqs + done * sizeof(u),
				(count - done) | MMU_UPDATE_PREEMPTED, pdone, a[3] };

			r = hc_continue(v, __HYPERVISOR_mmu_update, c);
			break;
		}
		if (gm_copy_from(v, &u, reqs + done * sizeof(u), sizeof(u))) {
			r = -XEN_EFAULT;
			break;
		}
		r = one_update(v, &u);
		if (r)
			break;
	}
	done += prior;
	if (pdone && gm_copy_to(v, pdone, &done, sizeof(done)))
		return -XEN_EFAULT;
	return r;
}
