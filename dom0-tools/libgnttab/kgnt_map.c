/*
 * kgnt_map.c - mapping granted pages: each mapping is its own 4 KiB mmap
 * of the guest's memfd at the granted frame, so the caller's pointer
 * reaches that page and nothing else.  The pin lasts as long as the
 * mapping; with KGNT_PERSISTENT an unmapped page stays mapped and pinned
 * in a cache for the next kgnt_map of the same reference.
 */
#include <sys/mman.h>

#include "kgnt_private.h"

static void drop_page(struct kgnt *g, grant_ref_t ref)
{
	struct kgnt_ref *r = &g->refs[ref];

	munmap(r->page, KGNT_PAGE_SIZE);
	r->page = NULL;
	kgnt_unpin(g, ref, !r->page_rw);
}

static void *map_locked(struct kgnt *g, grant_ref_t ref, bool writable, int16_t *status)
{
	struct kgnt_ref *r = ref < KGNT_MAX_ENTRIES ? &g->refs[ref] : NULL;
	uint32_t frame;
	void *p;

	if (r && r->page && (r->page_rw || !writable)) {
		*status = GNTST_okay;
		if (r->cached) {
			r->cached = false;
			g->nr_cached--;
		}
		r->maps++;
		return r->page;
	}
	if (r && r->page) {
		*status = GNTST_general_error; /* mapped read-only already */
		return NULL;
	}
	*status = kgnt_pin(g, ref, !writable, &frame);
	if (*status != GNTST_okay)
		return NULL;
	p = mmap(NULL, KGNT_PAGE_SIZE, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED,
		 g->memfd, (off_t)frame * KGNT_PAGE_SIZE);
	if (p == MAP_FAILED) {
		kgnt_unpin(g, ref, !writable);
		*status = GNTST_no_space;
		return NULL;
	}
	r->page = p;
	r->page_rw = writable;
	r->maps = 1;
	return p;
}

/* Map one reference of a ring at its place in the reserved region. */
static int16_t ring_page_locked(struct kgnt *g, grant_ref_t ref, bool writable, void *at)
{
	struct kgnt_ref *r = ref < KGNT_MAX_ENTRIES ? &g->refs[ref] : NULL;
	uint32_t frame;
	int16_t st;

	if (!r)
		return GNTST_bad_gntref;
	if (r->page)
		return GNTST_general_error; /* mapped already, or listed twice */
	st = kgnt_pin(g, ref, !writable, &frame);
	if (st != GNTST_okay)
		return st;
	if (mmap(at, KGNT_PAGE_SIZE, PROT_READ | (writable ? PROT_WRITE : 0),
		 MAP_SHARED | MAP_FIXED, g->memfd, (off_t)frame * KGNT_PAGE_SIZE) == MAP_FAILED) {
		kgnt_unpin(g, ref, !writable);
		return GNTST_no_space;
	}
	*r = (struct kgnt_ref){ .pins = r->pins, .wpins = r->wpins, .frame = frame,
				.page = at, .page_rw = writable, .maps = 1 };
	return GNTST_okay;
}

/*
 * The region is reserved first (no access), then each page replaced by
 * its grant's frame: a page of it reaches that frame and nothing else.
 * kgnt_unmap later unmaps the pages one by one, like any mapping.
 */
void *kgnt_map_ring(struct kgnt *g, const grant_ref_t *refs, unsigned int n, bool writable,
		    int16_t *status)
{
	size_t len = (size_t)n * KGNT_PAGE_SIZE;
	char *base = n ? mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : NULL;
	unsigned int i = 0, done;

	*status = GNTST_general_error;
	if (base == MAP_FAILED)
		*status = GNTST_no_space;
	if (!base || base == MAP_FAILED)
		return NULL;
	pthread_mutex_lock(&g->lock);
	for (done = 0; done < n; done++)
		if ((*status = ring_page_locked(g, refs[done], writable,
						base + done * KGNT_PAGE_SIZE)))
			break;
	for (i = 0; done < n && i < done; i++)
		drop_page(g, refs[i]); /* a failure: not cached, the region goes whole */
	pthread_mutex_unlock(&g->lock);
	if (*status == GNTST_okay)
		return base;
	munmap(base, len);
	return NULL;
}

void *kgnt_map(struct kgnt *g, grant_ref_t ref, bool writable, int16_t *status)
{
	void *p;

	pthread_mutex_lock(&g->lock);
	p = map_locked(g, ref, writable, status);
	pthread_mutex_unlock(&g->lock);
	return p;
}

int16_t kgnt_unmap(struct kgnt *g, grant_ref_t ref)
{
	struct kgnt_ref *r;
	int16_t st = GNTST_okay;

	if (ref >= KGNT_MAX_ENTRIES)
		return GNTST_bad_handle;
	pthread_mutex_lock(&g->lock);
	r = &g->refs[ref];
	if (!r->page || r->maps == 0) {
		st = GNTST_bad_handle;
	} else if (--r->maps == 0) {
		if ((g->flags & KGNT_PERSISTENT) && g->nr_cached < KGNT_CACHE_MAX) {
			r->cached = true;
			g->nr_cached++;
		} else {
			drop_page(g, ref);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return st;
}

unsigned int kgnt_flush(struct kgnt *g)
{
	unsigned int n = 0;

	pthread_mutex_lock(&g->lock);
	for (grant_ref_t ref = 0; ref < KGNT_MAX_ENTRIES && g->nr_cached; ref++)
		if (g->refs[ref].cached) {
			g->refs[ref].cached = false;
			g->nr_cached--;
			drop_page(g, ref);
			n++;
		}
	pthread_mutex_unlock(&g->lock);
	return n;
}

unsigned int kgnt_pinned(const struct kgnt *g)
{
	return __atomic_load_n(&g->nr_pinned, __ATOMIC_RELAXED);
}
