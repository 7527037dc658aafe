/*
 * gnttab_copy.c - GNTTABOP_copy: one copy between two pages, each named
 * by a grant reference (of any domain, granted to the caller) or by a gpfn
 * of the caller itself, with Xen's checks in Xen's order: the range within
 * a page, the domains, then each grant entry.  Grant entries are pinned
 * (GTF_reading, and GTF_writing for the destination) for the copy only.
 */
#include <string.h>
#include <xen/errno.h>

#include "hv.h"
#include "gnttab.h"

struct copy_buf {
	struct domain *d;   /* a reference, or NULL */
	bool pinned;
	uint32_t ref;
	uint8_t *page;
};

static int16_t lock_domain(struct vcpu *v, const struct gnttab_copy_ptr *p,
			   bool gref, struct copy_buf *b)
{
	if (p->domid != DOMID_SELF && !gref)
		return GNTST_permission_denied; /* by gmfn: own pages only */
	if (p->domid == DOMID_SELF) {
		b->d = v->d;
		atomic_fetch_add(&v->d->refs, 1);
	} else {
		b->d = domain_get(v->d->hv, p->domid);
	}
	return b->d ? GNTST_okay : GNTST_bad_domain;
}

static int16_t acquire(struct vcpu *v, const struct gnttab_copy_ptr *p,
		       bool gref, bool ro, struct copy_buf *b)
{
	uint32_t frame;
	bool present;

	if (gref) {
		int16_t st = gnt_pin(b->d, p->u.ref, (domid_t)v->d->domid, ro, false, &frame);

		if (st != GNTST_okay)
			return st;
		b->pinned = true;
		b->ref = p->u.ref;
	} else {
		pthread_mutex_lock(&b->d->gnt->lock);
		present = physmap_present_locked(b->d, p->u.gmfn);
		pthread_mutex_unlock(&b->d->gnt->lock);
		if (!present)
			return GNTST_bad_page;
		frame = (uint32_t)p->u.gmfn;
	}
	b->page = gm_gpa(b->d, (uint64_t)frame * HV_PAGE_SIZE, HV_PAGE_SIZE);
	return b->page ? GNTST_okay : GNTST_bad_page;
}

static void release(struct copy_buf *b, bool ro)
{
	if (b->pinned)
		gnt_unpin(b->d, b->ref, ro, false);
	if (b->d)
		domain_put(b->d);
}

int16_t gnt_copy(struct vcpu *v, const gnttab_copy_t *op)
{
	struct copy_buf src = { 0 }, dst = { 0 };
	int16_t st;

	if ((unsigned int)op->source.offset + op->len > HV_PAGE_SIZE ||
	    (unsigned int)op->dest.offset + op->len > HV_PAGE_SIZE)
		return GNTST_bad_copy_arg;
	bool sg = op->flags & GNTCOPY_source_gref, dg = op->flags & GNTCOPY_dest_gref;

	st = lock_domain(v, &op->source, sg, &src);
	if (st == GNTST_okay)
		st = lock_domain(v, &op->dest, dg, &dst);
	if (st == GNTST_okay)
		st = acquire(v, &op->source, sg, true, &src);
	if (st == GNTST_okay)
		st = acquire(v, &op->dest, dg, false, &dst);
	if (st == GNTST_okay)
		memmove(dst.page + op->dest.offset, src.page + op->source.offset, op->len);
	release(&src, true);
	release(&dst, false);
	return st;
}
