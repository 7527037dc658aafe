/*
 * balloon.c - which of a domain's RAM frames are populated, and giving
 * frames back to the host or taking them again (XENMEM_decrease_reservation,
 * increase_reservation, populate_physmap).  Guest RAM is one memfd mapped
 * as KVM slot 0; a frame given back is punched out of the memfd
 * (FALLOC_FL_PUNCH_HOLE), which frees the host page and drops it from every
 * mapping, KVM's included through its MMU notifier.  Populating marks the
 * frame present again; it reads zero.  A domain's maximum is the RAM it was
 * created with, so every frame lies inside slot 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <xen/errno.h>

#include "hv.h"
#include "gnttab/gnttab.h"

#define BITS 64

int physmap_init(struct domain *d)
{
	struct gnttab *gt = d->gnt;
	uint64_t words = (d->nr_pages + BITS - 1) / BITS;

	gt->populated = malloc(words * sizeof(uint64_t));
	if (!gt->populated)
		return -ENOMEM;
	for (uint64_t i = 0; i < words; i++)
		gt->populated[i] = ~0ULL;
	gt->nr_populated = d->nr_pages;
	return 0;
}

bool physmap_present_locked(struct domain *d, uint64_t gpfn)
{
	return gpfn < d->nr_pages &&
	       (d->gnt->populated[gpfn / BITS] >> (gpfn % BITS)) & 1;
}

static void set_present(struct domain *d, uint64_t gpfn, bool on)
{
	uint64_t bit = 1ULL << (gpfn % BITS);

	if (on)
		d->gnt->populated[gpfn / BITS] |= bit;
	else
		d->gnt->populated[gpfn / BITS] &= ~bit;
	d->gnt->nr_populated += on ? 1 : -1;
}

uint64_t physmap_current(struct domain *d)
{
	uint64_t n;

	pthread_mutex_lock(&d->gnt->lock);
	n = d->gnt->nr_populated;
	pthread_mutex_unlock(&d->gnt->lock);
	return n;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

size_t physmap_inuse(struct domain *d, uint32_t **frames)
{
	struct gnttab *gt = d->gnt;
	size_t n = 0;

	*frames = NULL;
	pthread_mutex_lock(&gt->lock);
	if (gt->nr_frames)
		*frames = malloc(gt->nr_frames * KGNT_PER_FRAME * sizeof(uint32_t));
	for (unsigned int f = 0; *frames && f < gt->nr_frames; f++) {
		const uint32_t *e = gt->frame_gpfn[f] == GNT_NO_FRAME ? NULL :
			gm_gpa(d, gt->frame_gpfn[f] * HV_PAGE_SIZE, HV_PAGE_SIZE);

		for (unsigned int i = 0; e && i < KGNT_PER_FRAME; i++)
			if (__atomic_load_n(&e[2 * i], __ATOMIC_ACQUIRE) & (GTF_reading | GTF_writing))
				(*frames)[n++] = __atomic_load_n(&e[2 * i + 1], __ATOMIC_ACQUIRE);
	}
	pthread_mutex_unlock(&gt->lock);
	if (n)
		qsort(*frames, n, sizeof(uint32_t), cmp_u32);
	return n;
}

/*
 * Every frame of the extent must be populated, and none may be a grant
 * table frame, mapped by another domain, or named by an entry of our
 * table marked in use (a control-domain backend holds it).  Xen keeps such
 * a page alive for its user; here it would be punched under it, so the
 * extent is refused.
 */
static bool can_release_locked(struct domain *d, uint64_t gpfn, uint64_t n,
			       const uint32_t *inuse, size_t n_inuse)
{
	struct gnttab *gt = d->gnt;

	if (gpfn >= d->nr_pages || n > d->nr_pages - gpfn)
		return false;
	for (uint64_t i = gpfn; i < gpfn + n; i++) {
		uint32_t f = (uint32_t)i;

		if (!physmap_present_locked(d, i) || gnt_is_table_frame_locked(d, i) ||
		    (gt->frame_pins && gt->frame_pins[i]) ||
		    (n_inuse && bsearch(&f, inuse, n_inuse, sizeof(f), cmp_u32)))
			return false;
	}
	return true;
}

int physmap_decrease(struct domain *d, uint64_t gpfn, uint64_t n,
		     const uint32_t *inuse, size_t n_inuse)
{
	int r = 0;

	pthread_mutex_lock(&d->gnt->lock);
	if (!can_release_locked(d, gpfn, n, inuse, n_inuse))
		r = -XEN_EINVAL;
	else if (fallocate(d->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			   (off_t)(gpfn * HV_PAGE_SIZE), (off_t)(n * HV_PAGE_SIZE)) < 0)
		r = -XEN_EIO;
	if (r == 0)
		mem_discard(d, gpfn, n); /* a clone's private copies go too */
	for (uint64_t i = gpfn; r == 0 && i < gpfn + n; i++)
		set_present(d, i, false);
	pthread_mutex_unlock(&d->gnt->lock);
	return r;
}

int physmap_populate(struct domain *d, uint64_t gpfn, uint64_t n)
{
	int r = 0;

	pthread_mutex_lock(&d->gnt->lock);
	if (gpfn >= d->nr_pages || n > d->nr_pages - gpfn)
		r = -XEN_ENOMEM; /* beyond the domain's maximum */
	for (uint64_t i = gpfn; r == 0 && i < gpfn + n; i++)
		if (!physmap_present_locked(d, i))
			set_present(d, i, true);
	pthread_mutex_unlock(&d->gnt->lock);
	return r;
}

/*
 * d was destroyed while other domains map some of its frames, so it lives
 * on only for them: give every frame nobody maps back to the host, so a
 * mapping keeps the pages it maps alive and not the whole domain.  The
 * memfd keeps its size and ketch-hv's mapping stays in place; only the
 * host pages go.
 */
void physmap_release_unmapped(struct domain *d)
{
	struct gnttab *gt = d->gnt;
	uint64_t start = 0;

	pthread_mutex_lock(&gt->lock);
	for (uint64_t i = 0; gt->frame_pins && i <= d->nr_pages; i++) {
		if (i < d->nr_pages && !gt->frame_pins[i])
			continue;
		if (i > start)
			fallocate(d->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  (off_t)(start * HV_PAGE_SIZE), (off_t)((i - start) * HV_PAGE_SIZE));
		start = i + 1;
	}
	pthread_mutex_unlock(&gt->lock);
}
