/*
 * blkfront.h - the guest side of Xen's PV block protocol (xen/io/blkif.h)
 * for guests built on the guest kit: discovery from device/vbd/<devid>, the
 * xenbus handshake with any Xen block backend, and synchronous read,
 * write, flush and discard, and the same asynchronously (blkfront_submit,
 * blkfront_reap).
 *
 * Needs init_xenbus() and gnttab_init() done first.  Single-threaded like
 * the rest of the kit: use one device from one vCPU.  Buffers are
 * page-aligned (alloc_pages); sectors are 512 bytes (blkif's unit).
 * Every call returns 0 or a negative Xen errno: -XEN_EIO for the
 * backend's BLKIF_RSP_ERROR, -XEN_EOPNOTSUPP for BLKIF_RSP_EOPNOTSUPP or a
 * feature not offered, -XEN_EINVAL for a buffer not page-aligned or a
 * range past the disk, -XEN_ETIME when the backend did not answer within
 * the device's timeout, -XEN_EBADMSG when it broke the protocol.  After
 * -XEN_ETIME or -XEN_EBADMSG the device is unusable (every call answers
 * -XEN_EBADMSG): the backend may still hold its pages.
 */
#ifndef KETCH_BLKFRONT_H
#define KETCH_BLKFRONT_H

#include <stdint.h>

struct blkfront;

/* What the backend told us when it connected, and what was negotiated. */
struct blkfront_info {
	uint64_t sectors;      /* "sectors", in sector_size units */
	unsigned int sector_size;
	unsigned int info;     /* VDISK_* bits (VDISK_READONLY...) */
	int flush;             /* feature-flush-cache */
	int discard;           /* feature-discard */
	unsigned int ring_pages; /* per queue (ring-page-order) */
	unsigned int queues;     /* multi-queue-num-queues */
	unsigned int indirect;   /* segments per indirect request, 0: none */
	int persistent;          /* feature-persistent on both sides */
};

/*
 * The features we ask for, each bounded by the backend's offer: ring
 * pages 2^max_order per queue, max_queues queues, indirect requests of
 * up to max_indirect segments (0: none; at most 64, the pool's size),
 * persistent grants (a pool of 64 granted pages, data copied through).
 */
struct blkfront_opts {
	unsigned int max_order, max_queues, max_indirect;
	int persistent;
};
/* What blkfront_open asks for: 2 ring pages, 2 queues, 64 indirect
 * segments, persistent grants. */
extern const struct blkfront_opts blkfront_default_opts;

/* The devids under device/vbd (at most max of them) into devids[], the
 * count into *n. */
int blkfront_discover(unsigned int *devids, unsigned int max, unsigned int *n);
/*
 * Connect device/vbd/<devid>: wait for the backend's InitWait, share a
 * ring and an event channel, Initialised, wait for its Connected, read the
 * disk's size and features, Connected.  timeout_ns bounds each wait and
 * later each request.
 */
int blkfront_open(unsigned int devid, uint64_t timeout_ns, struct blkfront **dev);
/* The same asking for the features in opts. */
int blkfront_open_opts(unsigned int devid, uint64_t timeout_ns, const struct blkfront_opts *opts,
		       struct blkfront **dev);
const struct blkfront_info *blkfront_get_info(const struct blkfront *dev);

/* nsect sectors at sector, to or from buf (page-aligned).  Requests of up
 * to 11 pages (indirect ones: up to the negotiated segments) are spread
 * over the queues and queued together; each queue's backend is notified
 * once, and only if it asked. */
int blkfront_read(struct blkfront *dev, uint64_t sector, void *buf, unsigned int nsect);
int blkfront_write(struct blkfront *dev, uint64_t sector, const void *buf, unsigned int nsect);
/* Everything written before is on stable storage (BLKIF_OP_FLUSH_DISKCACHE). */
int blkfront_flush(struct blkfront *dev);
/* The range reads zero afterwards on a backend that punches holes. */
int blkfront_discard(struct blkfront *dev, uint64_t sector, uint64_t nsect);
/*
 * After suspend_domain() returned 0 (the guest restored in a new domain,
 * perhaps another domain id): connect to the new backend as after a
 * backend restart (blkfront.c's reconnect: fresh rings and ports, the
 * requests without a response queued again).  0 or a negative Xen errno
 * (the device is then unusable).
 */
int blkfront_resume(struct blkfront *dev);
/* Closing, wait for the backend, Closed; the ring and port are released
 * and dev freed.  -XEN_EBUSY while asynchronous requests are unreaped. */
int blkfront_close(struct blkfront *dev);

/*
 * Asynchronous requests, for queue depths above one.  Each aio is one
 * ring request: submit as many as the rings (and, with persistent grants,
 * the pool) have room for, then reap their completions, in whatever order
 * the backend answers.  While any is submitted and not reaped, the
 * synchronous calls above answer -XEN_EBUSY: the two share the slots.
 */
enum blkfront_op { BLKFRONT_READ, BLKFRONT_WRITE, BLKFRONT_FLUSH, BLKFRONT_DISCARD };

struct blkfront_aio {
	enum blkfront_op op;
	uint64_t sector;
	void *buf;          /* read, write: page-aligned */
	unsigned int nsect; /* read, write, discard */
	int status;         /* once reaped: 0 or a negative Xen errno */
	void *data;         /* the caller's own */
};

/* The most sectors one aio may read or write. */
unsigned int blkfront_aio_max_sectors(const struct blkfront *dev);
/* How many aios the rings hold at once (the deepest queue possible). */
unsigned int blkfront_aio_slots(const struct blkfront *dev);
/*
 * Queue io; it is sent at the next blkfront_push or blkfront_reap, so a
 * burst of submits costs each queue one notification at most.  io must
 * stay valid until reaped.  0; -XEN_EINVAL for a bad op, range, size or
 * alignment; -XEN_EOPNOTSUPP for flush or discard not offered;
 * -XEN_EAGAIN when no slot or pool page is free now (reap first);
 * -XEN_EBADMSG on a broken device.
 */
int blkfront_submit(struct blkfront *dev, struct blkfront_aio *io);
/*
 * The same on the caller's queue (0 .. blkfront_get_info's queues - 1),
 * e.g. one per stream of requests, so each stream has a ring (and a
 * backend consumer) of its own; BLKFRONT_QUEUE_ANY: the next queue with a
 * free slot, round-robin (blkfront_submit).  -XEN_EINVAL for a queue the
 * device does not have; -XEN_EAGAIN when that queue's ring is full.
 */
#define BLKFRONT_QUEUE_ANY (-1)
int blkfront_submit_queue(struct blkfront *dev, struct blkfront_aio *io, int queue);
/* Send what was submitted, notifying each queue's backend if it asked. */
void blkfront_push(struct blkfront *dev);
/*
 * Push, wait until at least min aios have completed (fewer if fewer are
 * in flight), and hand back up to max of the completed ones in done[],
 * each with its status set.  The count, or -XEN_ETIME / -XEN_EBADMSG as
 * the synchronous calls (the device is then broken and the aios in flight
 * are never handed back: the backend may still hold their pages).
 */
int blkfront_reap(struct blkfront *dev, struct blkfront_aio **done, unsigned int max,
		  unsigned int min);

#endif
