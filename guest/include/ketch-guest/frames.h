/*
 * Page-frame allocator: a bitmap over all RAM frames.  Frames used by
 * start-of-day state, the kernel image and the bitmap itself are never
 * free.  Allocations return linear-map virtual addresses.
 */
#ifndef KETCH_GUEST_FRAMES_H
#define KETCH_GUEST_FRAMES_H

#include <stddef.h>

/*
 * Set up the bitmap for nr_pages frames, all marked used, storing it at
 * the frame map_pfn (mapped, free, and large enough: see
 * frames_bitmap_pages()).
 */
void frames_init(unsigned long nr_pages, unsigned long map_pfn);

/* Frames the bitmap for nr_pages frames occupies. */
unsigned long frames_bitmap_pages(unsigned long nr_pages);

/* Mark frames [first, first + n) free (setup only; no double-free check). */
void frames_release(unsigned long first, unsigned long n);

/* n physically contiguous frames (not zeroed), or NULL. */
void *alloc_pages(unsigned long n);

/* One frame, or NULL. */
void *alloc_page(void);

/* Return n frames starting at va (from alloc_pages).  Crashes on a double free. */
void free_pages(void *va, unsigned long n);

/* free_pages(va, 1). */
void free_page(void *va);

/* Number of free frames. */
unsigned long frames_free(void);

#endif
