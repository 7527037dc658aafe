/*
 * gnttab.h - what the grant-table and memory-op files of ketch-hv share:
 * a domain's table frames, the active (pinned) state of its entries, the
 * grants it has mapped from others, and which of its frames are populated.
 * One lock per domain guards all of it; no code holds two of them.
 */
#ifndef KETCH_HV_GNTTAB_H
#define KETCH_HV_GNTTAB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

#include "hv.h"
#include "ketch/gnt_entry.h"

#define GNT_MAX_FRAMES 32          /* per-domain max_grant_frames */
#define GNT_MAX_ENTRIES (GNT_MAX_FRAMES * KGNT_PER_FRAME)
#define GNT_MAX_MAPS 256           /* grant mappings a domain may hold */
#define GNT_FIRST_SLOT 2           /* KVM slots: 0 RAM, 1 shadow zap */
#define GNT_MAP_LIMIT (1ULL << 39) /* host_addr + 4 KiB must not exceed this */
#define GNT_NO_FRAME (~0ULL)

struct domain;

/* An entry of this domain's table while some access holds it. */
struct gnt_active {
	uint32_t pins;      /* all pins (maps and copies in progress) */
	uint32_t wpins;     /* writable ones */
	uint32_t frame;     /* read at the first pin */
	uint16_t domid;     /* who holds the pins */
};

/* A grant of another domain mapped into this domain's physmap. */
struct gnt_map {
	bool used;
	bool busy;          /* being set up or torn down */
	bool readonly;
	uint32_t ref;
	uint32_t frame;
	uint64_t gpa;       /* host_addr: where it appears */
	struct domain *granter; /* a reference: its memory outlives it */
};

struct gnttab {
	pthread_mutex_t lock;
	uint64_t frame_gpfn[GNT_MAX_FRAMES]; /* GNT_NO_FRAME: not placed */
	unsigned int nr_frames;    /* highest placed frame + 1 */
	struct gnt_active *active; /* GNT_MAX_ENTRIES */
	uint32_t *frame_pins;      /* per gpfn: mappings of it (lazy) */
	struct gnt_map maps[GNT_MAX_MAPS];
	unsigned int max_maps;     /* limited by KVM's slot count */
	bool ro_slots;             /* KVM_CAP_READONLY_MEM */
	/* Physmap (balloon.c): one bit per RAM frame, set = populated. */
	uint64_t *populated;
	uint64_t nr_populated;
};

/* gnttab.c */
/* Host pointer to entry ref of d's table, or NULL (caller holds the lock). */
void *gnt_entry_locked(struct domain *d, uint32_t ref);
/*
 * Pin entry ref of granter g for an access by domain dom; stores the frame.
 * Returns a GNTST_ code (bad_gntref for a ref outside the table,
 * general_error for a frame outside g's populated RAM).
 */
int16_t gnt_pin(struct domain *g, uint32_t ref, domid_t dom, bool readonly,
		bool map, uint32_t *frame);
/* Release a pin taken by gnt_pin with the same readonly and map. */
void gnt_unpin(struct domain *g, uint32_t ref, bool readonly, bool map);
/* Place table frame idx at gpfn (zeroed, or moved with its entries). */
int gnt_place_frame(struct domain *d, unsigned int idx, uint64_t gpfn);
/*
 * 0 when frames [0, n) are all placed (a classic PV domain's missing ones
 * are placed outside its RAM now), else -XEN_EINVAL.
 */
int gnt_setup_frames(struct domain *d, unsigned int n);
/* Does gpfn hold one of d's table frames?  (d's lock held.) */
bool gnt_is_table_frame_locked(struct domain *d, uint64_t gpfn);

/* gnttab_map.c: one map op for v's domain; GNTST_ status, handle on okay. */
int16_t gnt_map(struct vcpu *v, gnttab_map_grant_ref_t *op);
/* One unmap op; GNTST_ status. */
int16_t gnt_unmap(struct vcpu *v, const gnttab_unmap_grant_ref_t *op);

/* gnttab_copy.c: one copy op for v's domain; GNTST_ status. */
int16_t gnt_copy(struct vcpu *v, const gnttab_copy_t *op);

/* balloon.c: the populated-frame bitmap and the reservation calls. */
/* All of RAM populated at creation; 0 or -ENOMEM. */
int physmap_init(struct domain *d);
/* Is gpfn inside RAM and populated?  (d's lock held.) */
bool physmap_present_locked(struct domain *d, uint64_t gpfn);
/*
 * The frames named by entries of d's table marked in use (GTF_reading or
 * GTF_writing, whoever set them), sorted, in a malloc'd array; the count.
 */
size_t physmap_inuse(struct domain *d, uint32_t **frames);
/*
 * Give frames [gpfn, gpfn + n) back to the host, unless one is absent, a
 * table frame, mapped by another domain or in inuse (from physmap_inuse).
 * 0 or a negative Xen errno.
 */
int physmap_decrease(struct domain *d, uint64_t gpfn, uint64_t n,
		     const uint32_t *inuse, size_t n_inuse);
/* Populate [gpfn, gpfn + n) (they read zero); 0 or a negative Xen errno. */
int physmap_populate(struct domain *d, uint64_t gpfn, uint64_t n);
/* Frames populated now (XENMEM_current_reservation). */
uint64_t physmap_current(struct domain *d);

#endif
