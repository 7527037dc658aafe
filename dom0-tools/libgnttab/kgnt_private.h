/* kgnt_private.h - what the libketchgnt files share and nobody else sees. */
#ifndef KGNT_PRIVATE_H
#define KGNT_PRIVATE_H

#include <pthread.h>

#include "ketch/gntaccess.h"
#include "ketch/gnt_entry.h"

#define KGNT_MAX_ENTRIES (KCTL_GNT_MAX_FRAMES * KGNT_PER_FRAME)

/* One reference while the library holds it. */
struct kgnt_ref {
	uint32_t pins;      /* accesses in progress + mappings held + cached */
	uint32_t wpins;
	uint32_t maps;      /* kgnt_map calls not yet unmapped */
	uint32_t frame;
	void *page;         /* the 4 KiB mapping, or NULL */
	bool page_rw;
	bool cached;        /* kept by KGNT_PERSISTENT with maps == 0 */
};

struct kgnt {
	struct kctl *ctl;   /* may be NULL */
	uint32_t domid;
	unsigned int flags;
	int memfd;
	uint64_t nr_pages;
	pthread_mutex_t lock;
	struct kctl_gnttab_info info;
	void *frame_map[KCTL_GNT_MAX_FRAMES]; /* table frames, mapped */
	int xen_fd;         /* a classic PV guest's frames outside RAM, or -1 */
	uint64_t xen_first; /* the gpfn of xen_fd's first page */
	uint64_t xen_nr;    /* its pages */
	struct kgnt_ref *refs;                /* KGNT_MAX_ENTRIES */
	unsigned int nr_cached;
	unsigned int nr_pinned;
	uint64_t *shared;   /* a clone's pages known shared; NULL once all are */
};

/* kgnt_table.c: the guest's entry for ref, or NULL (lock held). */
void *kgnt_entry(struct kgnt *g, grant_ref_t ref);
/* Pin ref as gnt_pin does in ketch-hv; stores the frame (lock held). */
int16_t kgnt_pin(struct kgnt *g, grant_ref_t ref, bool readonly, uint32_t *frame);
/* Release one pin taken with the same readonly (lock held). */
void kgnt_unpin(struct kgnt *g, grant_ref_t ref, bool readonly);

/* kgnt_share.c: a clone's page reachable through the memfd (lock held). */
void kgnt_share_init(struct kgnt *g);
int kgnt_share(struct kgnt *g, uint64_t pfn);

#endif
