/*
 * pvmmu.c - the rules of mmu_update for a classic Xen PV domain, kept apart
 * from the hypercall so they can be tested on a fake domain.
 *
 * Xen types every frame and counts its mappings; Ketch keeps the part that
 * matters for a guest confined by KVM anyway: the level each frame is
 * known to serve at (from the tables the guest loads and the entries it
 * hooks through mmu_update), and these rules for a new entry:
 *   - an L1 entry names a frame of the domain's RAM or a hypervisor-owned
 *     frame it may map (shared_info, grant frames), and a writable one
 *     never a known page table;
 *   - an L2-L4 entry names a RAM frame that is a table one level down, or
 *     that becomes one now, whose present entries then pass the same
 *     checks (an L1's frames; a higher table's must already be typed);
 *   - no superpages, no entry in Xen's reserved L4 slots 256-271 (the M2P
 *     and the entry area live there).
 * What is not tracked: a mapping made writable before its frame became a
 * table keeps working (Xen would refuse to type that frame).  docs/abi.md.
 */
#include <stdint.h>
#include <xen/errno.h>

#include "hv.h"
#include "xenpv.h"

#define PG HV_PAGE_SIZE
#define PTE_P 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_PS 0x80ULL
#define PTE_ADDR 0x000ffffffffff000ULL

bool pvmmu_frame_ok(struct domain *d, uint64_t gfn, bool writable)
{
	if (gfn < d->nr_pages)
		return !(writable && d->xenpv && d->xenpv->ptlevel[gfn]);
	return xenpv_frame(d, gfn) != NULL;
}

static int check_entry(struct domain *d, unsigned int lvl, uint64_t e, bool may_type);

/* Frame t becomes a table of level lvl: its entries must be acceptable. */
static int type_frame(struct domain *d, uint64_t t, unsigned int lvl)
{
	const uint64_t *tab = (const uint64_t *)(d->mem + t * PG);
	uint8_t *level = d->xenpv->ptlevel;

	level[t] = (uint8_t)lvl; /* first, so an L1 mapping itself is refused */
	for (unsigned int i = 0; i < 512; i++) {
		uint64_t e = __atomic_load_n(&tab[i], __ATOMIC_RELAXED);

		if ((e & PTE_P) && check_entry(d, lvl, e, false)) {
			level[t] = 0;
			return -XEN_EINVAL;
		}
	}
	return 0;
}

static int check_entry(struct domain *d, unsigned int lvl, uint64_t e, bool may_type)
{
	uint64_t t = (e & PTE_ADDR) / PG;
	uint8_t tl;

	if (lvl == 1)
		return pvmmu_frame_ok(d, t, e & PTE_RW) ? 0 : -XEN_EINVAL;
	if ((e & PTE_PS) || t >= d->nr_pages)
		return -XEN_EINVAL;
	tl = d->xenpv->ptlevel[t];
	if (tl == lvl - 1)
		return 0;
	if (tl != 0 || !may_type)
		return -XEN_EINVAL;
	return type_frame(d, t, lvl - 1);
}

int pvmmu_pt_update(struct domain *d, uint64_t ptr, uint64_t val)
{
	uint64_t f = ptr / PG;
	unsigned int idx = (unsigned int)(ptr % PG) / 8, lvl;
	int r;

	if (!d->xenpv)
		return -XEN_ENOSYS;
	if (ptr % 8 || f >= d->nr_pages)
		return -XEN_EINVAL;
	lvl = d->xenpv->ptlevel[f];
	if (lvl == 4 && idx >= XENPV_L4_FIRST_RESERVED && idx <= XENPV_L4_LAST_RESERVED)
		return -XEN_EPERM;
	/* A frame that is no table is plain memory, written as asked (as Xen). */
	if (lvl && (val & PTE_P)) {
		r = check_entry(d, lvl, val, true);
		if (r)
			return r;
	}
	__atomic_store_n((uint64_t *)(d->mem + ptr), val, __ATOMIC_RELEASE);
	return 0;
}

int pvmmu_machphys(struct domain *d, uint64_t mfn, uint64_t pfn)
{
	if (!d->xenpv)
		return -XEN_ENOSYS;
	if (mfn >= d->nr_pages)
		return -XEN_EINVAL;
	__atomic_store_n(&d->xenpv->m2p[mfn], pfn, __ATOMIC_RELAXED);
	return 0;
}
