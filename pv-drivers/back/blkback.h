/*
 * blkback.h - ketch-blkback: the control-domain backend of one PV disk
 * (xen/io/blkif.h).  One process per disk, so a crash harms that disk only.
 * One thread: xenstore watches, the guest's notifications and io_uring
 * completions are handled in turn from one poll loop.
 */
#ifndef KETCH_BLKBACK_H
#define KETCH_BLKBACK_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "ketch/gntaccess.h"
#include "ketch/confine.h"
#include "ketch/ketchctl.h"
#include "../common/backend_main.h"
#include "../common/blkif_ring.h"

/* One request being served: the grants it holds and where they map. */
struct bb_req {
	bool busy;
	uint64_t id;     /* the frontend's id, echoed in the response */
	uint8_t op;
	uint8_t nseg;    /* grants held (mapped) */
	uint64_t bytes;  /* what the I/O must transfer to succeed */
	grant_ref_t ref[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct iovec iov[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct bb {
	struct bkx x; /* the device, xenstore, ketch-hv (--domid, --devid, --hv-socket) */
	/* what was asked for */
	const char *image;
	bool readonly;
	/* the disk */
	int disk_fd;
	uint64_t sectors;
	/* the connection to the frontend, while connected */
	struct kgnt *gnt;
	bool connected;
	grant_ref_t ring_ref;
	blkif_back_ring_t ring;
	uint32_t port;
	int from_guest, to_guest;
	/* I/O */
	struct io_uring uring;
	int uring_efd;
	unsigned int inflight;
	struct bb_req req[BLKIF_RING_ENTRIES];
	/* counters, for the log at exit */
	uint64_t nr_requests, nr_errors;
	bool more; /* bb_ring_work stopped with requests left */
};

/* blkback_io.c */
int bb_io_init(struct bb *b);
void bb_io_fini(struct bb *b);
/* Take and start every request the frontend queued; false if its ring is
 * impossible (the caller disconnects). */
bool bb_ring_work(struct bb *b);
/* Respond to completed I/O; false if the ring turned out impossible. */
bool bb_io_complete(struct bb *b);
/* Wait for every request in flight and respond to it. */
void bb_io_drain(struct bb *b);

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
