/*
 * blkfront_internal.h - what blkfront's files share: the device, its
 * queues (one ring and event channel each), the requests in flight and
 * the persistent-grant pool.  Not for guests: they use blkfront.h.
 *
 * blkfront.c      the xenbus handshake, close, reconnecting after a
 *                 backend restart
 * blkfront_ring.c each queue's ring pages and port, the request slots,
 *                 the persistent-grant pool: made, granted, released
 * blkfront_io.c   requests: built (direct, indirect, through the pool),
 *                 batched, waited for, finished; the synchronous calls
 * blkfront_aio.c  the asynchronous calls over the same slots
 */
#ifndef KETCH_BLKFRONT_INTERNAL_H
#define KETCH_BLKFRONT_INTERNAL_H

#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>
#include <ketch-guest/xenbus.h>

#include "../common/blkif_nego.h"
#include "../common/blkif_ring.h"
#include "blkfront.h"
#include "front_xenbus.h"

/* Pages of the persistent-grant pool: granted once, data copied through. */
#define BF_POOL_PAGES 64
/* Segments of one request at most: an indirect request takes up to the
 * pool's pages, so one always fits in it. */
#define BF_MAX_SEGS BF_POOL_PAGES
/* How often a wait for responses looks at the backend's state. */
#define BF_CHECK_NS (200 * 1000000ULL)

/* One request: what the caller asked (to build it again after a
 * reconnect) and what it holds while in flight. */
struct bf_slot {
	int busy; /* 0 free, 1 waiting for its response, 2 answered */
	uint8_t op;
	int16_t status;
	uint64_t sector, count; /* count: sectors (read, write, discard) */
	char *buf;
	unsigned int nref;     /* segments granted (refs or pool pages) */
	grant_ref_t *ref;      /* max_segs of them: the data pages' grants */
	uint16_t *pool;        /* max_segs: pool pages used (persistent) */
	void *ind;             /* the indirect page, once needed */
	grant_ref_t ind_ref;
	int ind_granted;
	struct blkfront_aio *aio; /* an asynchronous request's caller, or NULL */
};

struct bf_queue {
	blkif_front_ring_t ring;
	grant_ref_t ring_ref[BLKIF_MAX_RING_PAGES];
	evtchn_port_t port;
	struct bf_slot *slot; /* RING_SIZE of them; a request's id is its slot */
	unsigned int nslots;
	int queued;           /* requests queued since the last push */
};

struct bf_pool_page {
	void *page;
	grant_ref_t ref;
	int granted; /* ref is ours to end */
	int used;
};

struct blkfront {
	struct front_dev xb;
	struct blkfront_opts want;
	struct blkfront_info info;
	struct blkif_conn conn;     /* ring pages, queues, persistent */
	unsigned int max_segs;      /* per request: 11, or the indirect count */
	struct bf_queue q[BLKIF_MAX_QUEUES];
	struct bf_pool_page pool[BF_POOL_PAGES];
	unsigned int pool_free;
	unsigned int pending;    /* requests waiting for their response */
	unsigned int aio_busy;   /* aios submitted and not yet reaped */
	unsigned int aio_next_q; /* the queue the next aio tries first */
	int broken;
	unsigned int reconnects; /* backend restarts survived */
};

/* blkfront_ring.c */
/* Each queue's ring pages (allocated once) made fresh and granted, its
 * port allocated, its slots allocated once.  0 or a negative Xen errno. */
int bf_rings_init(struct blkfront *d);
/* Give back every ring grant and port (force: the backend is gone). */
void bf_rings_release(struct blkfront *d, int force);
/* Free the rings, slots and pool (the grants released before). */
void bf_rings_free(struct blkfront *d);
/* Pool pages allocated (once) and granted: 0 or a negative Xen errno. */
int bf_pool_grant(struct blkfront *d);
/* Take back the pool's grants (force: the backend is gone); 0, or
 * -XEN_EBUSY when the backend still holds one. */
int bf_pool_release(struct blkfront *d, int force);
/* A free pool page's index, or -1. */
int bf_pool_take(struct blkfront *d);
void bf_pool_put(struct blkfront *d, unsigned int i);

/* blkfront_io.c */
/* Build slot s of queue q as a request again (after a reconnect). */
int bf_requeue(struct blkfront *d, struct bf_queue *q, struct bf_slot *s);
/* Release what slot s holds without waiting (the backend is gone). */
void bf_slot_abandon(struct blkfront *d, struct bf_slot *s);
/* Publish every queue's new requests, notifying where the backend asked. */
void bf_kick(struct blkfront *d);
/* bf_queue_req's answer when the pool cannot take the request now. */
#define BF_NO_ROOM 1
/* Put slot s of q (free) on q's ring: op on count sectors at sector from
 * buf.  0, BF_NO_ROOM, or a negative Xen errno. */
int bf_queue_req(struct blkfront *d, struct bf_queue *q, struct bf_slot *s, uint8_t op,
		 uint64_t sector, char *buf, uint64_t count);
/* Wait until at most want requests wait for their response (reconnecting
 * to a restarted backend meanwhile).  0, -XEN_ETIME or -XEN_EBADMSG. */
int bf_wait(struct blkfront *d, unsigned int want);
/* Slot s answered: its data out, its grants back, the slot free; its
 * status as 0 or a negative Xen errno. */
int bf_finish(struct blkfront *d, struct bf_slot *s);

/* blkfront.c */
int bf_reconnect(struct blkfront *d);
XenbusState bf_backend_state(struct blkfront *d);

#endif
