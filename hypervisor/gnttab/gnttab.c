/*
 * gnttab.c - a domain's grant table (version 1 only): where its frames
 * live, and pinning its entries for the accesses other domains make.
 *
 * Guest-physical memory is auto-translated, so table frame i is simply the
 * guest page at the gpfn the guest chose for it (XENMEM_add_to_physmap with
 * XENMAPSPACE_grant_table); GNTTABOP_setup_table only reports those gpfns
 * and never takes a guest page by itself.  Entries are read from
 * there through gm_gpa with the atomics of ketch/gnt_entry.h.  A classic
 * (not auto-translated) Xen PV guest cannot give up RAM for it: its
 * setup_table places missing frames on hypervisor pages outside RAM
 * (xenpv.c), whose numbers it then maps with mmu_update, as on Xen.  The active
 * table counts the pins each entry holds so GTF_reading/GTF_writing are
 * cleared only when the last such pin goes, as Xen's active entries do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <xen/errno.h>

#include "hv.h"
#include "gnttab.h"
#include "mm/xenpv.h"

int gnttab_init(struct domain *d)
{
	struct gnttab *gt = calloc(1, sizeof(*gt));
	int slots;

	if (!gt)
		return -ENOMEM;
	gt->active = calloc(GNT_MAX_ENTRIES, sizeof(*gt->active));
	if (!gt->active) {
		free(gt);
		return -ENOMEM;
	}
	pthread_mutex_init(&gt->lock, NULL);
	for (unsigned int i = 0; i < GNT_MAX_FRAMES; i++)
		gt->frame_gpfn[i] = GNT_NO_FRAME;
	slots = ioctl(d->hv->kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	gt->max_maps = slots > GNT_FIRST_SLOT ? (unsigned int)slots - GNT_FIRST_SLOT : 0;
	if (gt->max_maps > GNT_MAX_MAPS)
		gt->max_maps = GNT_MAX_MAPS;
	gt->ro_slots = ioctl(d->hv->kvm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
	d->gnt = gt;
	return physmap_init(d);
}

void gnttab_free(struct domain *d)
{
	struct gnttab *gt = d->gnt;

	if (!gt)
		return;
	free(gt->active);
	free(gt->frame_pins);
	free(gt->populated);
	pthread_mutex_destroy(&gt->lock);
	free(gt);
	d->gnt = NULL;
}

/* A table frame: a page of RAM, or a classic PV domain's frame outside it. */
static uint8_t *frame_ptr(struct domain *d, uint64_t gpfn)
{
	uint8_t *p = gm_gpa(d, gpfn * HV_PAGE_SIZE, HV_PAGE_SIZE);

	return p ? p : xenpv_frame(d, gpfn);
}

void *gnt_entry_locked(struct domain *d, uint32_t ref)
{
	uint32_t f = ref / KGNT_PER_FRAME;
	uint8_t *p;

	if (f >= d->gnt->nr_frames || d->gnt->frame_gpfn[f] == GNT_NO_FRAME)
		return NULL;
	p = frame_ptr(d, d->gnt->frame_gpfn[f]);
	return p ? p + (ref % KGNT_PER_FRAME) * sizeof(grant_entry_v1_t) : NULL;
}

bool gnt_is_table_frame_locked(struct domain *d, uint64_t gpfn)
{
	for (unsigned int i = 0; i < d->gnt->nr_frames; i++)
		if (d->gnt->frame_gpfn[i] == gpfn)
			return true;
	return false;
}

/* First pin: the entry's own checks, then the frame must be g's RAM. */
static int16_t first_pin(struct domain *g, void *e, struct gnt_active *act,
			 domid_t dom, bool readonly)
{
	int16_t st = gnt_entry_pin(e, dom, readonly, false);
	uint32_t frame;

	if (st != GNTST_okay)
		return st;
	frame = gnt_entry_frame(e);
	if (!physmap_present_locked(g, frame)) {
		gnt_entry_clear(e, readonly ? GTF_reading : GTF_reading | GTF_writing);
		return GNTST_general_error;
	}
	act->frame = frame;
	act->domid = dom;
	return GNTST_okay;
}

int16_t gnt_pin(struct domain *g, uint32_t ref, domid_t dom, bool readonly,
		bool map, uint32_t *frame)
{
	struct gnttab *gt = g->gnt;
	struct gnt_active *act;
	int16_t st = GNTST_okay;
	void *e;

	pthread_mutex_lock(&gt->lock);
	e = ref < GNT_MAX_ENTRIES ? gnt_entry_locked(g, ref) : NULL;
	act = e ? &gt->active[ref] : NULL;
	if (map && !gt->frame_pins)
		gt->frame_pins = calloc(g->nr_pages, sizeof(*gt->frame_pins));
	if (!e)
		st = GNTST_bad_gntref;
	else if (map && !gt->frame_pins)
		st = GNTST_no_space;
	else if (act->pins == 0)
		st = first_pin(g, e, act, dom, readonly);
	else if (act->domid != dom)
		st = GNTST_permission_denied;
	else if (!readonly && act->wpins == 0)
		st = gnt_entry_pin(e, dom, false, true);
	if (st == GNTST_okay) {
		act->pins++;
		act->wpins += !readonly;
		*frame = act->frame;
		if (map && gt->frame_pins)
			gt->frame_pins[act->frame]++;
	}
	pthread_mutex_unlock(&gt->lock);
	return st;
}

void gnt_unpin(struct domain *g, uint32_t ref, bool readonly, bool map)
{
	struct gnttab *gt = g->gnt;
	struct gnt_active *act = &gt->active[ref];
	void *e;

	pthread_mutex_lock(&gt->lock);
	e = gnt_entry_locked(g, ref);
	if (map && gt->frame_pins)
		gt->frame_pins[act->frame]--;
	act->pins--;
	if (!readonly && --act->wpins == 0 && e)
		gnt_entry_clear(e, GTF_writing);
	if (act->pins == 0 && e)
		gnt_entry_clear(e, GTF_reading);
	pthread_mutex_unlock(&gt->lock);
}

/* idx < GNT_MAX_FRAMES (checked by the caller). */
static int place_locked(struct domain *d, unsigned int idx, uint64_t gpfn)
{
	struct gnttab *gt = d->gnt;
	uint8_t *to, *from;

	if (!physmap_present_locked(d, gpfn))
		return -XEN_EINVAL; /* outside RAM, or ballooned out */
	to = gm_gpa(d, gpfn * HV_PAGE_SIZE, HV_PAGE_SIZE);
	from = gt->frame_gpfn[idx] == GNT_NO_FRAME ? NULL : frame_ptr(d, gt->frame_gpfn[idx]);
	if (gt->frame_gpfn[idx] == gpfn)
		return 0;
	if (gnt_is_table_frame_locked(d, gpfn))
		return -XEN_EBUSY;
	/* A new frame reads as an empty table; a moved one keeps its entries. */
	if (from)
		memcpy(to, from, HV_PAGE_SIZE);
	else
		memset(to, 0, HV_PAGE_SIZE);
	gt->frame_gpfn[idx] = gpfn;
	if (idx >= gt->nr_frames)
		gt->nr_frames = idx + 1;
	return 0;
}

int gnt_place_frame(struct domain *d, unsigned int idx, uint64_t gpfn)
{
	int r;

	if (idx >= GNT_MAX_FRAMES)
		return -XEN_EINVAL;
	pthread_mutex_lock(&d->gnt->lock);
	r = place_locked(d, idx, gpfn);
	pthread_mutex_unlock(&d->gnt->lock);
	return r;
}

int gnt_setup_frames(struct domain *d, unsigned int n)
{
	struct gnttab *gt = d->gnt;
	int r = 0;

	pthread_mutex_lock(&gt->lock);
	for (unsigned int i = 0; i < n && r == 0; i++) {
		uint64_t gfn;
		uint8_t *p;

		if (gt->frame_gpfn[i] != GNT_NO_FRAME)
			continue;
		/* A classic PV guest gets a hypervisor frame, as Xen allocates one. */
		p = xenpv_grant_frame(d, i, &gfn);
		if (!p) {
			r = -XEN_EINVAL;
			break;
		}
		memset(p, 0, HV_PAGE_SIZE);
		gt->frame_gpfn[i] = gfn;
		if (i >= gt->nr_frames)
			gt->nr_frames = i + 1;
	}
	pthread_mutex_unlock(&gt->lock);
	return r;
}

int gnttab_info(struct domain *d, struct kctl_gnttab_info *out)
{
	struct gnttab *gt = d->gnt;

	*out = (struct kctl_gnttab_info){ .domid = d->domid,
		.max_frames = GNT_MAX_FRAMES, .nr_pages = d->nr_pages };
	pthread_mutex_lock(&gt->lock);
	out->nr_frames = gt->nr_frames;
	for (unsigned int i = 0; i < KCTL_GNT_MAX_FRAMES; i++)
		out->gpfn[i] = i < GNT_MAX_FRAMES ? gt->frame_gpfn[i] : GNT_NO_FRAME;
	pthread_mutex_unlock(&gt->lock);
	return 0;
}
