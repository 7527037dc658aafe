/*
 * hc_memory.c - HYPERVISOR_memory_op (xen/memory.h): reservations and
 * ballooning, the memory map, the physmap sizes, and placing shared_info
 * and grant-table frames with XENMEM_add_to_physmap.  Domains are
 * auto-translated: extents are gpfns.  Only DOMID_SELF (or the caller's
 * own id) may be named; another existing domain is -EPERM, as for an
 * unprivileged Xen guest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/errno.h>
#include <xen/memory.h>

#include "hv.h"
#include "gnttab/gnttab.h"

/* Xen encodes a continuation's start extent above the command (not public). */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK ((1u << MEMOP_EXTENT_SHIFT) - 1)
#define MAX_ORDER 9 /* 2 MiB extents, Xen's limit for a guest */
#define E820_RAM 1

/* Resolve a domid argument to the caller's domain, or a Xen errno. */
static long self_only(struct vcpu *v, domid_t domid)
{
	struct domain *d;

	if (domid == DOMID_SELF || domid == v->d->domid)
		return 0;
	d = domain_get(v->d->hv, domid);
	domain_put(d);
	return d ? -XEN_EPERM : -XEN_ESRCH;
}

/* One extent at index i of the list: 0, or <0 to end the call there. */
static int one_extent(struct vcpu *v, unsigned int op,
		      const struct xen_memory_reservation *r, uint64_t i,
		      const uint32_t *inuse, size_t n_inuse)
{
	uint64_t list = (uint64_t)(uintptr_t)r->extent_start.p;
	uint64_t n = 1ULL << r->extent_order;
	xen_pfn_t gpfn;

	if (gm_copy_from(v, &gpfn, list + i * sizeof(gpfn), sizeof(gpfn)))
		return -1;
	if (gpfn & (n - 1))
		return -1;
	return op == XENMEM_decrease_reservation ?
		       physmap_decrease(v->d, gpfn, n, inuse, n_inuse) :
		       physmap_populate(v->d, gpfn, n);
}

/*
 * increase_reservation, decrease_reservation and populate_physmap: the
 * count of extents done, starting at start (Xen's continuation encoding in
 * the command's upper bits).  increase_reservation populates the gpfns it
 * is given, as populate_physmap does: an auto-translated guest has no
 * use for bare machine frames.  A count too large to encode a
 * continuation is refused (start returned), as in Xen; a long list is
 * preempted and resumed at the extent it reached.
 */
static long reservation(struct vcpu *v, unsigned int op, uint64_t arg,
			uint64_t start)
{
	struct xen_memory_reservation r;
	uint32_t *inuse = NULL;
	size_t n_inuse = 0;
	uint64_t i;

	if (gm_copy_from(v, &r, arg, sizeof(r)))
		return -XEN_EFAULT;
	if (r.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT) ||
	    start >= r.nr_extents || r.extent_order > MAX_ORDER ||
	    self_only(v, r.domid) ||
	    (op != XENMEM_decrease_reservation && (r.mem_flags & XENMEMF_populate_on_demand)))
		return (long)start;
	if (op == XENMEM_decrease_reservation)
		n_inuse = physmap_inuse(v->d, &inuse);
	for (i = start; i < r.nr_extents; i++) {
		if (i > start && hc_preempt_check(v)) {
			const uint64_t a[6] = { op | (i << MEMOP_EXTENT_SHIFT), arg };

			free(inuse);
			return hc_continue(v, __HYPERVISOR_memory_op, a);
		}
		if (one_extent(v, op, &r, i, inuse, n_inuse))
			break;
	}
	free(inuse);
	return (long)i;
}

static long reservation_size(struct vcpu *v, unsigned int op, uint64_t arg)
{
	domid_t domid;
	long r;

	if (gm_copy_from(v, &domid, arg, sizeof(domid)))
		return -XEN_EFAULT;
	if ((r = self_only(v, domid)))
		return r;
	return op == XENMEM_current_reservation ? (long)physmap_current(v->d)
						 : (long)v->d->nr_pages;
}

/* One e820 entry: all of RAM (ballooned-out frames included, as in Xen). */
static long memory_map(struct vcpu *v, uint64_t arg)
{
	struct xen_memory_map m;
	struct __attribute__((packed)) { uint64_t addr, size; uint32_t type; } e = {
		0, v->d->mem_bytes, E820_RAM };

	if (gm_copy_from(v, &m, arg, sizeof(m)))
		return -XEN_EFAULT;
	if (m.nr_entries < 1)
		return -XEN_EINVAL;
	if (gm_copy_to(v, (uint64_t)(uintptr_t)m.buffer.p, &e, sizeof(e)))
		return -XEN_EFAULT;
	m.nr_entries = 1;
	return gm_copy_to(v, arg, &m, sizeof(m)) ? -XEN_EFAULT : 0;
}

/*
 * Xen's shared_info is one page that appears wherever the guest asks, so
 * moving it keeps its contents: copy them, then point there.  Upcall masks
 * are the guest's and survive the move.
 */
static long move_shared_info(struct vcpu *v, uint64_t gpfn)
{
	struct domain *d = v->d;
	shared_info_t *old = shinfo(d);
	shared_info_t *new = gpfn < d->nr_pages ?
		gm_gpa(d, gpfn * HV_PAGE_SIZE, HV_PAGE_SIZE) : NULL;
	uint8_t masks[XEN_LEGACY_MAX_VCPUS] = { 0 };

	if (!new)
		return -XEN_EINVAL;
	if (old && old != new)
		memcpy(new, old, HV_PAGE_SIZE);
	for (unsigned int i = 0; old && i < XEN_LEGACY_MAX_VCPUS; i++)
		masks[i] = __atomic_load_n(&new->vcpu_info[i].evtchn_upcall_mask, __ATOMIC_SEQ_CST);
	if (domain_set_shared_info(d, gpfn * HV_PAGE_SIZE))
		return -XEN_EINVAL;
	for (unsigned int i = 0; old && i < XEN_LEGACY_MAX_VCPUS; i++)
		__atomic_store_n(&new->vcpu_info[i].evtchn_upcall_mask, masks[i], __ATOMIC_SEQ_CST);
	return 0;
}

static long add_to_physmap(struct vcpu *v, uint64_t arg)
{
	struct xen_add_to_physmap x;
	long r;

	if (gm_copy_from(v, &x, arg, sizeof(x)))
		return -XEN_EFAULT;
	if ((r = self_only(v, x.domid)))
		return r;
	switch (x.space) {
	case XENMAPSPACE_shared_info:
		if (x.idx != 0)
			return -XEN_EINVAL;
		return move_shared_info(v, x.gpfn);
	case XENMAPSPACE_grant_table:
		if (x.idx & XENMAPIDX_grant_table_status)
			return -XEN_EINVAL; /* v2 status frames: v2 is not offered */
		if (x.idx >= GNT_MAX_FRAMES)
			return -XEN_EINVAL;
		return gnt_place_frame(v->d, (unsigned int)x.idx, x.gpfn);
	case XENMAPSPACE_gmfn:
	case XENMAPSPACE_gmfn_range:
	case XENMAPSPACE_gmfn_foreign:
	case XENMAPSPACE_dev_mmio:
		return -XEN_EOPNOTSUPP;
	default:
		return -XEN_EINVAL;
	}
}

long hc_memory_op(struct vcpu *v, const uint64_t a[6])
{
	unsigned int op = a[0] & MEMOP_CMD_MASK;
	uint64_t start = a[0] >> MEMOP_EXTENT_SHIFT;

	switch (op) {
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation(v, op, a[1], start);
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		return reservation_size(v, op, a[1]);
	case XENMEM_maximum_gpfn: {
		domid_t domid;
		long r;

		if (gm_copy_from(v, &domid, a[1], sizeof(domid)))
			return -XEN_EFAULT;
		return (r = self_only(v, domid)) ? r : (long)v->d->nr_pages - 1;
	}
	case XENMEM_maximum_ram_page:
		return sysconf(_SC_PHYS_PAGES);
	case XENMEM_memory_map:
		return memory_map(v, a[1]);
	case XENMEM_add_to_physmap:
		return add_to_physmap(v, a[1]);
	default:
		return -XEN_ENOSYS;
	}
}
