/*
 * blkif_nego.h - the block protocol's optional features (xen/io/blkif.h)
 * as both ends negotiate them, written once: multi-page rings
 * (max-ring-page-order / ring-page-order, ring-ref<N>), multiple queues
 * (multi-queue-max-queues / multi-queue-num-queues, queue-<N>/...),
 * indirect segments (feature-max-indirect-segments) and persistent grants
 * (feature-persistent).  Pure functions on values already read from
 * xenstore, so the rules are unit-tested without one; each side does its
 * own reading and writing.
 */
#ifndef KETCH_BLKIF_NEGO_H
#define KETCH_BLKIF_NEGO_H

#include <stdbool.h>
#include <stddef.h>

/* The largest ring: 16 pages, 512 entries (Linux's XENBUS_MAX_RING_GRANT_ORDER). */
#define BLKIF_MAX_RING_ORDER 4
#define BLKIF_MAX_RING_PAGES (1u << BLKIF_MAX_RING_ORDER)
/* Queues a backend serves at most. */
#define BLKIF_MAX_QUEUES 4
/* Segments of an indirect request at most (Linux blkback's MAX_INDIRECT_SEGMENTS). */
#define BLKIF_MAX_INDIRECT_SEGS 256

/* What a backend offers (its max-ring-page-order, multi-queue-max-queues,
 * feature-persistent). */
struct blkif_offer {
	unsigned int max_order, max_queues;
	bool persistent;
};

/* What the frontend wrote, as the backend read it; has_* false for a key
 * absent (then Linux's defaults apply: one page, "ring-ref"; one queue). */
struct blkif_fe_keys {
	bool has_order, has_queues;
	unsigned long order, queues;
	unsigned long persistent;
};

/* The connection both ends agree on. */
struct blkif_conn {
	unsigned int order, nr_pages, nr_queues;
	bool multi_ref; /* ring-ref<N> (ring-page-order written), else ring-ref */
	bool persistent;
};

/*
 * The backend's judgement of the frontend's keys, as Linux's blkback
 * (connect_ring): a ring-page-order above our max-ring-page-order, or a
 * multi-queue-num-queues of 0 or above multi-queue-max-queues, is refused.
 * NULL and *c filled, or why not (for the log).
 */
const char *blkif_back_negotiate(const struct blkif_fe_keys *fe, const struct blkif_offer *be,
				 struct blkif_conn *c);

/*
 * The frontend's choice: the backend's offer (each 0 when its key is
 * absent, as a backend without the feature) bounded by what we want.
 * max_indirect: 0 (none) or the segments per indirect request we use.
 */
void blkif_front_choose(const struct blkif_offer *be, unsigned long be_max_indirect,
			const struct blkif_offer *want, unsigned int want_indirect,
			struct blkif_conn *c, unsigned int *max_indirect);

/*
 * The key of queue q's page p of ring-ref under the frontend's directory
 * ("ring-ref", "ring-ref<p>", "queue-<q>/ring-ref<p>"), and of its
 * event-channel: the queue's directory only with several queues.
 * Returns snprintf's count; the caller's buffer must take it.
 */
int blkif_ring_key(char *buf, size_t n, const struct blkif_conn *c, unsigned int q,
		   unsigned int p);
int blkif_port_key(char *buf, size_t n, const struct blkif_conn *c, unsigned int q);

#endif
