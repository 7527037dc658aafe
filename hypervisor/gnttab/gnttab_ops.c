/*
 * gnttab_ops.c - HYPERVISOR_grant_table_op: the table's size and version,
 * setup_table, and the batched map / unmap / copy calls.  Batches report
 * per entry in its status field and return 0; a batch whose array the
 * guest cannot read or write stops there with -EFAULT, as in Xen.  Long
 * batches are preempted and continued (preempt.c).
 */
#include <stdint.h>
#include <xen/errno.h>

#include "hv.h"
#include "gnttab.h"

/* DOMID_SELF or the caller's id; anyone else is not the caller's to ask. */
static int16_t check_dom(struct vcpu *v, domid_t dom)
{
	struct domain *d;

	if (dom == DOMID_SELF || dom == v->d->domid)
		return GNTST_okay;
	d = domain_get(v->d->hv, dom);
	domain_put(d);
	return d ? GNTST_permission_denied : GNTST_bad_domain;
}

static long setup_table(struct vcpu *v, uint64_t arg, uint32_t count)
{
	struct gnttab_setup_table op;
	struct gnttab *gt = v->d->gnt;
	uint64_t list;

	if (count != 1)
		return -XEN_EINVAL;
	if (gm_copy_from(v, &op, arg, sizeof(op)))
		return -XEN_EFAULT;
	list = (uint64_t)(uintptr_t)op.frame_list.p;
	op.status = op.nr_frames > GNT_MAX_FRAMES ? GNTST_general_error
						  : check_dom(v, op.dom);
	if (op.status == GNTST_okay && gnt_setup_frames(v->d, op.nr_frames))
		op.status = GNTST_general_error;
	for (uint32_t i = 0; op.status == GNTST_okay && i < op.nr_frames; i++) {
		xen_pfn_t pfn;

		pthread_mutex_lock(&gt->lock);
		pfn = gt->frame_gpfn[i];
		pthread_mutex_unlock(&gt->lock);
		if (gm_copy_to(v, list + i * sizeof(pfn), &pfn, sizeof(pfn)))
			op.status = GNTST_bad_virt_addr;
	}
	return gm_copy_to(v, arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

static long query_size(struct vcpu *v, uint64_t arg, uint32_t count)
{
	struct gnttab_query_size op;

	if (count != 1)
		return -XEN_EINVAL;
	if (gm_copy_from(v, &op, arg, sizeof(op)))
		return -XEN_EFAULT;
	op.status = check_dom(v, op.dom);
	if (op.status == GNTST_okay) {
		pthread_mutex_lock(&v->d->gnt->lock);
		op.nr_frames = v->d->gnt->nr_frames;
		pthread_mutex_unlock(&v->d->gnt->lock);
		op.max_nr_frames = GNT_MAX_FRAMES;
	}
	return gm_copy_to(v, arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/* Only version 1 exists here; asking for 2 is Xen's answer when v2 is off. */
static long set_version(struct vcpu *v, uint64_t arg, uint32_t count)
{
	struct gnttab_set_version op;
	long r;

	if (count != 1)
		return -XEN_EINVAL;
	if (gm_copy_from(v, &op, arg, sizeof(op)))
		return -XEN_EFAULT;
	r = op.version == 1 ? 0 : op.version == 2 ? -XEN_ENOSYS : -XEN_EINVAL;
	op.version = 1;
	return gm_copy_to(v, arg, &op, sizeof(op)) ? -XEN_EFAULT : r;
}

static long get_version(struct vcpu *v, uint64_t arg, uint32_t count)
{
	struct gnttab_get_version op;
	int16_t st;

	if (count != 1)
		return -XEN_EINVAL;
	if (gm_copy_from(v, &op, arg, sizeof(op)))
		return -XEN_EFAULT;
	st = check_dom(v, op.dom);
	if (st != GNTST_okay)
		return st == GNTST_bad_domain ? -XEN_ESRCH : -XEN_EPERM;
	op.version = 1;
	return gm_copy_to(v, arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/* Go on later with the rest of the array, as Xen does: pointer and count advanced. */
static long continue_batch(struct vcpu *v, unsigned int cmd, uint64_t at, uint32_t left)
{
	const uint64_t a[6] = { cmd, at, left };

	return hc_continue(v, __HYPERVISOR_grant_table_op, a);
}

/*
 * One loop for the three batched calls: read, do, write back, next.  The
 * guest picks the count (up to 2^31), so the loop is preempted between
 * entries and resumed at the first entry not done.
 */
#define BATCH(type, fn, cmd)                                                   \
	for (uint32_t i = 0; i < count; i++) {                                 \
		type op;                                                       \
		uint64_t at = arg + (uint64_t)i * sizeof(op);                  \
		if (i && hc_preempt_check(v))                                  \
			return continue_batch(v, cmd, at, count - i);          \
		if (gm_copy_from(v, &op, at, sizeof(op)))                      \
			return -XEN_EFAULT;                                    \
		op.status = fn(v, &op);                                        \
		if (gm_copy_to(v, at, &op, sizeof(op)))                        \
			return -XEN_EFAULT;                                    \
	}                                                                      \
	return 0

static long map_batch(struct vcpu *v, uint64_t arg, uint32_t count)
{
	BATCH(gnttab_map_grant_ref_t, gnt_map, GNTTABOP_map_grant_ref);
}

static long unmap_batch(struct vcpu *v, uint64_t arg, uint32_t count)
{
	BATCH(gnttab_unmap_grant_ref_t, gnt_unmap, GNTTABOP_unmap_grant_ref);
}

static long copy_batch(struct vcpu *v, uint64_t arg, uint32_t count)
{
	BATCH(gnttab_copy_t, gnt_copy, GNTTABOP_copy);
}

long hc_grant_table_op(struct vcpu *v, const uint64_t a[6])
{
	uint64_t arg = a[1];
	uint32_t count = (uint32_t)a[2];

	if (a[2] > INT32_MAX) /* Xen: a count that is negative as an int */
		return -XEN_EINVAL;
	switch (a[0]) {
	case GNTTABOP_map_grant_ref: return map_batch(v, arg, count);
	case GNTTABOP_unmap_grant_ref: return unmap_batch(v, arg, count);
	case GNTTABOP_setup_table: return setup_table(v, arg, count);
	case GNTTABOP_copy: return copy_batch(v, arg, count);
	case GNTTABOP_query_size: return query_size(v, arg, count);
	case GNTTABOP_set_version: return set_version(v, arg, count);
	case GNTTABOP_get_version: return get_version(v, arg, count);
	default: return -XEN_ENOSYS;
	}
}
