/*
 * blkback.h - ketch-blkback: the control-domain backend of one PV disk
 * (xen/io/blkif.h).  One process per disk, so a crash harms that disk only.
 * One thread: xenstore watches, the guest's notifications and io_uring
 * completions are handled in turn from one poll loop.
 */
#ifndef KETCH_BLKBACK_H
#define KETCH_BLKBACK_H

#include <liburing.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "ketch/gntaccess.h"
#include "ketch/confine.h"
#include "ketch/ketchctl.h"
#include "../common/backend_main.h"
#include "../common/blkif_nego.h"
#include "../common/blkif_ring.h"

/* Segments of one request at most: an indirect one's. */
#define BB_MAX_SEGS BLKIF_MAX_INDIRECT_SEGS
/* io_uring's submission queue: a whole ring's requests are started before
 * each submit; its completion queue (twice that) holds every queue's. */
#define BB_URING_ENTRIES (32u << BLKIF_MAX_RING_ORDER << 1)

/* Why a request was refused: blkif_req_check's reasons, then ours. */
enum bb_why {
	BB_WHY_GRANT = BLKIF_WHY_CHECKS, /* a segment's grant could not be mapped */
	BB_WHY_IO,                       /* the image's I/O failed or fell short */
	BB_WHY_MAX
};

struct bb;
struct bb_queue;

/* One request being served: the grants it holds and where they map. */
struct bb_req {
	bool busy;
	struct bb_queue *q; /* whose ring answers it */
	uint64_t id;     /* the frontend's id, echoed in the response */
	uint8_t op;      /* what is done (an indirect request's indirect_op) */
	uint8_t rsp_op;  /* what the response says (blkif_rsp_op) */
	uint16_t nseg;   /* grants held (mapped) */
	uint64_t sector; /* as the frontend asked, for the log */
	uint64_t off;    /* where on the image, in bytes (checked inside it) */
	uint64_t len;    /* how far: the segments' total, or a discard's range */
	uint64_t bytes;  /* what the I/O must transfer to succeed */
	grant_ref_t ref[BB_MAX_SEGS];
	struct iovec iov[BB_MAX_SEGS];
	/* the disk layer's bookkeeping (blkback_nbd.c: one command a request) */
	struct bb *bb;
	unsigned int pending;
	int res;
	char *bounce;       /* NBD: the request's data, bounce_len bytes */
	size_t bounce_len;
};

/* One queue of the frontend's: its ring, event channel and requests. */
struct bb_queue {
	unsigned int idx;
	bool mapped;
	grant_ref_t ring_ref[BLKIF_MAX_RING_PAGES];
	blkif_back_ring_t ring;
	uint32_t port;
	int from_guest, to_guest;
	struct bb_req *req; /* as many as the ring's entries */
	bool more;          /* bb_ring_work stopped with requests left */
};

/*
 * How prepared requests reach the image, chosen in main: io_uring on the
 * file itself (raw: blkback_disk.c) or NBD to the qemu-storage-daemon
 * ketchd started for a qcow2, vmdk, vdi, vhd or vhdx image
 * (blkback_nbd.c).  Every completion goes back through bb_io_done.
 */
struct bb_disk_ops {
	/* Get ready for I/O; may set b->sectors.  0 or a negative errno (logged). */
	int (*init)(struct bb *b);
	/* Free what init made; safe after a failed or no init. */
	void (*fini)(struct bb *b);
	/* Start r's operation (r->op at r->off for r->len, r->iov); it may
	 * complete at once.  Started operations are sent at submit. */
	void (*start)(struct bb *b, struct bb_req *r);
	void (*submit)(struct bb *b);
	/* What to poll for completions (fd -1: nothing). */
	void (*poll)(struct bb *b, struct pollfd *p);
	/* The polled fd reported revents: answer what completed; how many. */
	unsigned int (*complete)(struct bb *b, short revents);
	/* Wait for every operation in flight and answer it. */
	void (*drain)(struct bb *b);
};

extern const struct bb_disk_ops bb_disk_uring, bb_disk_nbd;

struct bb {
	struct bkx x; /* the device, xenstore, ketch-hv (--domid, --devid, --hv-socket) */
	/* what was asked for */
	const char *image;
	bool readonly;
	bool direct_io;         /* --direct-io */
	bool direct;            /* the image is open O_DIRECT */
	const char *nbd_socket; /* --nbd: the image is served by this NBD server */
	int nbd_pid;            /* --nbd-pid: that server, our child */
	const struct bb_disk_ops *disk;
	struct blkif_offer offer; /* what we offer (--max-queues: offer.max_queues) */
	/* the disk */
	int disk_fd;
	uint64_t sectors;
	/* the connection to the frontend, while connected */
	struct kgnt *gnt;
	bool connected;
	struct blkif_conn conn; /* ring pages, queues, persistent grants */
	struct bb_queue q[BLKIF_MAX_QUEUES];
	/* I/O: io_uring (raw) or NBD */
	struct io_uring uring;
	int uring_efd;
	struct nbd_handle *nbd;
	int nbd_pidfd;
	bool nbd_lost; /* the connection broke: requests left unanswered, we exit */
	unsigned int inflight;
	/* counters, for the log at exit */
	uint64_t nr_requests, nr_errors;
	uint64_t nr_refused[BB_WHY_MAX]; /* by reason (enum blkif_why, enum bb_why) */
	uint64_t nr_ring_errors;         /* impossible indices: disconnected */
	uint64_t nr_by_queue[BLKIF_MAX_QUEUES]; /* requests taken from each queue */
	bool more; /* some queue has requests left */
};

/* blkback_io.c: the ring's requests, checked, mapped and answered */
/* Take and start every request the frontend queued on any queue; false
 * if a ring is impossible (the caller disconnects). */
bool bb_ring_work(struct bb *b);
/* The same for queue q alone. */
bool bb_queue_work(struct bb *b, struct bb_queue *q);
/* The image's answer to r (bytes moved or a negative errno): respond. */
void bb_io_done(struct bb *b, struct bb_req *r, int res);
/* Publish the responses queued on every queue; notify where asked. */
void bb_ring_push(struct bb *b);
/* The name of a refusal reason (enum blkif_why or enum bb_why). */
const char *bb_why_name(unsigned int why);
/* Log the counters: requests, refusals by reason, ring errors. */
void bb_io_log_counters(const struct bb *b);

/* The disk layer's completions (after its poll fd fired): answer them,
 * then take the requests waiting; false if the ring turned out impossible. */
bool bb_io_complete(struct bb *b, short revents);

/* blkback_indirect.c */
/* Copy an indirect request's n segments (checked by blkif_req_check_ind)
 * from its indirect pages into seg.  0, or a GNTST_ status (logged
 * into what, for the refusal) when an indirect page cannot be mapped. */
int bb_indirect_segs(struct bb *b, const blkif_request_t *req,
		     struct blkif_request_segment *seg, char *what, size_t len);

/* blkback_odirect.c */
/* Open the image O_DIRECT if --direct-io or our direct-io-safe node asks
 * (after bkx_open); kept buffered, and logged, if it cannot be.  0. */
int bb_direct_io(struct bb *b);

/* blkback_connect.c: the frontend's keys read, rings mapped, ports bound */
/* What we offer unless told otherwise: every ring order and feature, as
 * many queues as the host has CPUs online (at least 1, at most
 * BLKIF_MAX_QUEUES), as Linux's blkback (xenblk_max_queues). */
struct blkif_offer bb_default_offer(void);
/* Connect every queue the frontend published.  0 or a negative errno (logged). */
int bb_connect_rings(struct bb *b);
/* Unmap every ring, unbind every port, close the grant handle. */
void bb_release_rings(struct bb *b);

/* blkback_xenbus.c */
/* Find the frontend, offer the features, InitWait, watch.  0 or a
 * negative errno (logged). */
int bb_xenbus_start(struct bb *b);
/* The frontend's state changed to fs: follow it.  Sets b->x.quit when done. */
void bb_xenbus_follow(struct bb *b, XenbusState fs);
/* Leave the frontend: drain I/O, unmap the ring, unbind the port. */
void bb_disconnect(struct bb *b);
void bb_switch_state(struct bb *b, XenbusState s);

#endif
