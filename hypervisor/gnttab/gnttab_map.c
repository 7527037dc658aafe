/*
 * gnttab_map.c - GNTTABOP_map_grant_ref / unmap_grant_ref for
 * auto-translated mappers: the granted page appears in the mapper's physmap
 * at host_addr, as a 4 KiB KVM memory slot whose backing is the page inside
 * the granter's memfd mapping (read-only slots for GNTMAP_readonly).  The
 * mapping holds a reference on the granter, so a granter destroyed while
 * mapped lives on for it; at destroy its unmapped frames go back to the
 * host (physmap_release_unmapped), so only the mapped pages stay.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <xen/errno.h>

#include "hv.h"
#include "gnttab.h"

static int set_slot(struct domain *d, unsigned int h, uint64_t gpa,
		    void *host, bool ro)
{
	struct kvm_userspace_memory_region r = {
		.slot = GNT_FIRST_SLOT + h,
		.flags = ro ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa,
		.memory_size = host ? HV_PAGE_SIZE : 0,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	return ioctl(d->vmfd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

/* Reserve a free handle (marked busy); -1 when none is left. */
static int alloc_handle(struct gnttab *gt)
{
	int h = -1;

	pthread_mutex_lock(&gt->lock);
	for (unsigned int i = 0; i < gt->max_maps && h < 0; i++)
		if (!gt->maps[i].used) {
			gt->maps[i] = (struct gnt_map){ .used = true, .busy = true };
			h = (int)i;
		}
	pthread_mutex_unlock(&gt->lock);
	return h;
}

static void free_handle(struct gnttab *gt, unsigned int h)
{
	pthread_mutex_lock(&gt->lock);
	gt->maps[h] = (struct gnt_map){ 0 };
	pthread_mutex_unlock(&gt->lock);
}

/* host_addr must be a page of the mapper's physmap outside its RAM. */
static bool good_addr(struct domain *d, uint64_t a)
{
	return a % HV_PAGE_SIZE == 0 && a >= d->mem_bytes &&
	       a <= GNT_MAP_LIMIT - HV_PAGE_SIZE;
}

int16_t gnt_map(struct vcpu *v, gnttab_map_grant_ref_t *op)
{
	struct domain *d = v->d, *g;
	bool ro = op->flags & GNTMAP_readonly;
	uint32_t frame;
	int16_t st;
	int h;

	if (!(op->flags & (GNTMAP_device_map | GNTMAP_host_map)))
		return GNTST_bad_gntref;
	if (op->flags & (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte))
		return GNTST_general_error; /* not for an auto-translated mapper */
	g = domain_get(d->hv, op->dom);
	if (!g)
		return GNTST_bad_domain;
	h = alloc_handle(d->gnt);
	if (h < 0) {
		domain_put(g);
		return GNTST_no_device_space;
	}
	st = gnt_pin(g, op->ref, (domid_t)d->domid, ro, true, &frame);
	if (st == GNTST_okay && (!good_addr(d, op->host_addr) || (ro && !d->gnt->ro_slots) ||
				 set_slot(d, (unsigned int)h, op->host_addr,
					  g->mem + (uint64_t)frame * HV_PAGE_SIZE, ro))) {
		gnt_unpin(g, op->ref, ro, true);
		st = GNTST_general_error;
	}
	if (st != GNTST_okay) {
		free_handle(d->gnt, (unsigned int)h);
		domain_put(g);
		return st;
	}
	pthread_mutex_lock(&d->gnt->lock);
	d->gnt->maps[h] = (struct gnt_map){ .used = true, .readonly = ro,
		.ref = op->ref, .frame = frame, .gpa = op->host_addr, .granter = g };
	pthread_mutex_unlock(&d->gnt->lock);
	op->handle = (grant_handle_t)h;
	op->dev_bus_addr = 0;
	return GNTST_okay;
}

/* Tear down map h, already marked busy by the caller. */
static void release(struct domain *d, unsigned int h)
{
	struct gnt_map m = d->gnt->maps[h];

	set_slot(d, h, m.gpa, NULL, false);
	gnt_unpin(m.granter, m.ref, m.readonly, true);
	domain_put(m.granter);
	free_handle(d->gnt, h);
}

int16_t gnt_unmap(struct vcpu *v, const gnttab_unmap_grant_ref_t *op)
{
	struct gnttab *gt = v->d->gnt;
	struct gnt_map *m;
	int16_t st = GNTST_okay;

	if (op->handle >= GNT_MAX_MAPS)
		return GNTST_bad_handle;
	pthread_mutex_lock(&gt->lock);
	m = &gt->maps[op->handle];
	if (!m->used || m->busy)
		st = GNTST_bad_handle;
	else if (op->host_addr && op->host_addr != m->gpa)
		st = GNTST_general_error; /* Xen: the address does not map it */
	else
		m->busy = true;
	pthread_mutex_unlock(&gt->lock);
	if (st == GNTST_okay)
		release(v->d, op->handle);
	return st;
}

void gnttab_teardown(struct domain *d)
{
	struct gnttab *gt = d->gnt;

	for (unsigned int h = 0; h < GNT_MAX_MAPS; h++) {
		bool mine;

		pthread_mutex_lock(&gt->lock);
		mine = gt->maps[h].used && !gt->maps[h].busy;
		if (mine)
			gt->maps[h].busy = true;
		pthread_mutex_unlock(&gt->lock);
		if (mine)
			release(d, h);
	}
}
