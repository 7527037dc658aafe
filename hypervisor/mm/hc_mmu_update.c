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

static long one_update_entry(struct vcpu *v, const void *e)
{
	return one_update(v, e);
}

long hc_mmu_update(struct vcpu *v, const uint64_t a[6])
{
	if (!v->d->xenpv)
		return -XEN_ENOSYS;
	return hc_mmu_batch(v, a, __HYPERVISOR_mmu_update, sizeof(struct mmu_update),
			    MMU_MAX_BATCH, one_update_entry);
}
