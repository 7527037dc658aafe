/*
 * kgnt_table.c - opening a guest's grants, finding its table frames in its
 * memfd (each frame mapped alone, 4 KiB at the frame's gpfn; a classic Xen
 * PV guest's frames outside its RAM in the memfd of ketch-hv's frames,
 * GNTTAB_FRAMES) and pinning
 * entries with the same rule ketch-hv uses (ketch/gnt_entry.h), counted
 * per reference so GTF bits are cleared only when the last pin goes.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kgnt_private.h"
#include "ketch/ketchctl.h"

#define CONTROL_DOMID 0

static void unmap_frames(struct kgnt *g)
{
	for (unsigned int i = 0; i < KCTL_GNT_MAX_FRAMES; i++) {
		if (g->frame_map[i])
			munmap(g->frame_map[i], KGNT_PAGE_SIZE);
		g->frame_map[i] = NULL;
	}
}

/*
 * Where frame pfn outside RAM is: the descriptor and offset of ketch-hv's
 * own frames (asked for once), or -1 when it is not one of them.
 */
static int outside_ram(struct kgnt *g, uint64_t pfn, off_t *off)
{
	if (g->xen_fd < 0 && g->ctl) {
		struct kctl_gnttab_frames f;
		int fd;

		if (kctl_gnttab_frames(g->ctl, g->domid, &f, &fd) == 0) {
			g->xen_fd = fd;
			g->xen_first = f.first_gpfn;
			g->xen_nr = f.nr_frames;
		}
	}
	if (g->xen_fd < 0 || pfn < g->xen_first || pfn - g->xen_first >= g->xen_nr)
		return -1;
	*off = (off_t)((pfn - g->xen_first) * KGNT_PAGE_SIZE);
	return g->xen_fd;
}

/* Map the frames info names; 0 or a negative errno. */
static int map_frames(struct kgnt *g)
{
	unmap_frames(g);
	for (unsigned int i = 0; i < g->info.nr_frames && i < KCTL_GNT_MAX_FRAMES; i++) {
		uint64_t pfn = g->info.gpfn[i];
		off_t off = (off_t)(pfn * KGNT_PAGE_SIZE);
		int fd = pfn < g->nr_pages ? g->memfd : outside_ram(g, pfn, &off);
		void *p;

		if (fd < 0)
			continue; /* not placed: its entries are not valid refs */
		if (pfn < g->nr_pages && kgnt_share(g, pfn))
			return -EIO;
		p = mmap(NULL, KGNT_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
		if (p == MAP_FAILED)
			return -errno;
		g->frame_map[i] = p;
	}
	return 0;
}

struct kgnt *kgnt_open_fd(struct kctl *h, int memfd, const struct kctl_gnttab_info *info,
			  unsigned int flags, int *err)
{
	struct kgnt *g = calloc(1, sizeof(*g));
	int r = -ENOMEM;

	if (g)
		g->refs = calloc(KGNT_MAX_ENTRIES, sizeof(*g->refs));
	if (g && g->refs) {
		g->ctl = h;
		g->domid = info->domid;
		g->flags = flags;
		g->memfd = memfd;
		g->xen_fd = -1;
		g->nr_pages = info->nr_pages;
		g->info = *info;
		pthread_mutex_init(&g->lock, NULL);
		kgnt_share_init(g);
		r = map_frames(g);
		if (r == 0)
			return g;
		unmap_frames(g);
		if (g->xen_fd >= 0)
			close(g->xen_fd);
		free(g->shared);
		pthread_mutex_destroy(&g->lock);
	}
	if (g)
		free(g->refs);
	free(g);
	close(memfd);
	if (err)
		*err = r;
	return NULL;
}

struct kgnt *kgnt_open(struct kctl *h, uint32_t domid, unsigned int flags, int *err)
{
	struct kctl_gnttab_info info;
	uint64_t size;
	int fd = -1, r;

	r = kctl_gnttab_info(h, domid, &info);
	if (r == 0)
		r = kctl_memory_fd(h, domid, &fd, &size);
	if (r == 0 && size != info.nr_pages * KGNT_PAGE_SIZE)
		r = -EPROTO;
	if (r) {
		if (fd >= 0)
			close(fd);
		if (err)
			*err = r;
		return NULL;
	}
	return kgnt_open_fd(h, fd, &info, flags, err);
}

void kgnt_close(struct kgnt *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	for (grant_ref_t ref = 0; ref < KGNT_MAX_ENTRIES; ref++) {
		struct kgnt_ref *r = &g->refs[ref];

		if (r->page)
			munmap(r->page, KGNT_PAGE_SIZE);
		while (r->pins)
			kgnt_unpin(g, ref, r->wpins == 0);
	}
	unmap_frames(g);
	pthread_mutex_unlock(&g->lock);
	pthread_mutex_destroy(&g->lock);
	close(g->memfd);
	if (g->xen_fd >= 0)
		close(g->xen_fd);
	free(g->shared);
	free(g->refs);
	free(g);
}

/* The guest may have grown its table since we looked: ask again once. */
static void refresh(struct kgnt *g, grant_ref_t ref)
{
	struct kctl_gnttab_info info;

	if (!g->ctl || ref >= KGNT_MAX_ENTRIES || ref / KGNT_PER_FRAME < g->info.nr_frames)
		return;
	if (kctl_gnttab_info(g->ctl, g->domid, &info) == 0 && info.nr_frames > g->info.nr_frames) {
		g->info = info;
		map_frames(g);
	}
}

void *kgnt_entry(struct kgnt *g, grant_ref_t ref)
{
	uint32_t f;

	if (ref >= KGNT_MAX_ENTRIES)
		return NULL;
	refresh(g, ref);
	f = ref / KGNT_PER_FRAME;
	if (f >= g->info.nr_frames || !g->frame_map[f])
		return NULL;
	return (grant_entry_v1_t *)g->frame_map[f] + ref % KGNT_PER_FRAME;
}

int16_t kgnt_pin(struct kgnt *g, grant_ref_t ref, bool readonly, uint32_t *frame)
{
	void *e = kgnt_entry(g, ref);
	struct kgnt_ref *r;
	int16_t st;

	if (!e)
		return GNTST_bad_gntref;
	r = &g->refs[ref];
	if (r->pins == 0) {
		st = gnt_entry_pin(e, CONTROL_DOMID, readonly, false);
		if (st != GNTST_okay)
			return st;
		r->frame = gnt_entry_frame(e);
		if (r->frame >= g->nr_pages || kgnt_share(g, r->frame)) {
			gnt_entry_clear(e, readonly ? GTF_reading : GTF_reading | GTF_writing);
			return GNTST_general_error;
		}
	} else if (!readonly && r->wpins == 0) {
		st = gnt_entry_pin(e, CONTROL_DOMID, false, true);
		if (st != GNTST_okay)
			return st;
	}
	r->pins++;
	r->wpins += !readonly;
	g->nr_pinned += r->pins == 1;
	*frame = r->frame;
	return GNTST_okay;
}

void kgnt_unpin(struct kgnt *g, grant_ref_t ref, bool readonly)
{
	struct kgnt_ref *r = &g->refs[ref];
	void *e = kgnt_entry(g, ref);

	r->pins--;
	if (!readonly && --r->wpins == 0 && e)
		gnt_entry_clear(e, GTF_writing);
	if (r->pins == 0) {
		g->nr_pinned--;
		if (e)
			gnt_entry_clear(e, GTF_reading);
	}
}
