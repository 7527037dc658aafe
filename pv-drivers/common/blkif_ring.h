/*
 * blkif_ring.h - Xen's block ring (xen/io/blkif.h, one-page ring) written
 * once for both ends: ketch-blkback (host) and the guest kit's blkfront.
 *
 * Whatever the other end wrote is read once: indices with acquire order,
 * then checked against what the ring can hold, entries copied whole into
 * private memory (RING_COPY_*) before anything looks at them.  A peer
 * whose indices are impossible is reported (-1), never followed, so every
 * loop over the other end's entries is bounded by the ring size.
 */
#ifndef KETCH_BLKIF_RING_H
#define KETCH_BLKIF_RING_H

#include <stdbool.h>
#include <stdint.h>

/* ring.h leaves the barriers to its includer: C11 fences serve both ends. */
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#include <xen/xen.h>
#include <xen/io/blkif.h>

#define BLKIF_SECTOR 512u                        /* blkif's sector unit */
#define BLKIF_SECTORS_PER_PAGE (4096u / BLKIF_SECTOR)
#define BLKIF_RING_ENTRIES __CONST_RING_SIZE(blkif, 4096) /* of a one-page ring */
/* Segments an indirect page holds (blkif.h: PAGE_SIZE / sizeof(segment)). */
#define BLKIF_SEGS_PER_INDIRECT_PAGE (4096u / sizeof(struct blkif_request_segment))
/* Indirect pages n segments need. */
#define BLKIF_INDIRECT_PAGES(n) \
	(((n) + BLKIF_SEGS_PER_INDIRECT_PAGE - 1) / BLKIF_SEGS_PER_INDIRECT_PAGE)

/* ---- backend ---------------------------------------------------------- */

/*
 * Copy the next request into *req.  1: copied (req_cons advanced); 0:
 * nothing to take, or no free response slot for it; -1: the frontend's
 * req_prod is impossible (more than a ring ahead of our responses, or
 * behind what we consumed).
 */
int blkif_back_next(blkif_back_ring_t *r, blkif_request_t *req);
/* Queue the response to a request (published by blkif_back_push). */
void blkif_back_respond(blkif_back_ring_t *r, uint64_t id, uint8_t op, int16_t status);
/* Publish queued responses; true when the frontend asked to be notified. */
bool blkif_back_push(blkif_back_ring_t *r);
/* Re-arm req_event; true if requests arrived meanwhile (do not sleep). */
bool blkif_back_final_check(blkif_back_ring_t *r);

/* Why blkif_req_check refused a request (for the backend's log). */
enum blkif_why {
	BLKIF_WHY_NONE,       /* not refused */
	BLKIF_WHY_NSEG,       /* 0 or more than 11 segments */
	BLKIF_WHY_SECTS,      /* a segment's first/last sector inverted or past its page */
	BLKIF_WHY_PAST_END,   /* the range wraps or ends past the disk */
	BLKIF_WHY_READ_ONLY,  /* a write, flush or discard of a read-only disk */
	BLKIF_WHY_FLUSH_SEGS, /* a flush carrying segments */
	BLKIF_WHY_OP,         /* an operation not offered */
	BLKIF_WHY_INDIRECT_OP, /* an indirect request neither read nor write */
	BLKIF_WHY_CHECKS      /* how many; a backend numbers its own reasons from here */
};

/*
 * Check a request as Linux's blkback does, against a disk of sectors
 * 512-byte sectors.  Returns BLKIF_RSP_OKAY (then *nr_sects is the length
 * it covers), BLKIF_RSP_ERROR (bad segments, past the end, a write, flush
 * or discard of a read-only disk) or BLKIF_RSP_EOPNOTSUPP (an operation
 * not offered: barrier, indirect, unknown); *why (if why is not NULL)
 * says which.
 */
int blkif_req_check(const blkif_request_t *req, uint64_t sectors, bool readonly,
		    uint64_t *nr_sects, enum blkif_why *why);
/*
 * The same with BLKIF_OP_INDIRECT offered for up to max_indirect segments
 * (0: not offered).  An indirect request is judged as Linux's blkback
 * does before it maps the indirect pages: indirect_op read or write,
 * 1..max_indirect segments, no write to a read-only disk; BLKIF_RSP_OKAY
 * then leaves *nr_sects 0, and the segments, once copied from the
 * indirect pages, are judged by blkif_segs_check.
 */
int blkif_req_check_ind(const blkif_request_t *req, uint64_t sectors, bool readonly,
			unsigned int max_indirect, uint64_t *nr_sects, enum blkif_why *why);
/*
 * n segments of a read or write at sector (n already bounded by the
 * caller): each within its page, the whole inside a disk of sectors
 * without wrapping.  BLKIF_RSP_OKAY with *nr_sects, or BLKIF_RSP_ERROR.
 */
int blkif_segs_check(const struct blkif_request_segment *seg, unsigned int n, uint64_t sector,
		     uint64_t sectors, uint64_t *nr_sects, enum blkif_why *why);
/* The operation a response to req carries: an indirect request's
 * indirect_op (as Linux's blkback answers it), else its own. */
uint8_t blkif_rsp_op(const blkif_request_t *req);

/* ---- frontend --------------------------------------------------------- */

/*
 * Copy the next response into *rsp.  1: copied; 0: none; -1: the backend's
 * rsp_prod is impossible (more responses than requests outstanding).
 */
int blkif_front_next(blkif_front_ring_t *r, blkif_response_t *rsp);
/* Make *req an indirect request (BLKIF_OP_INDIRECT): indirect_op op on
 * nseg segments, which the indirect pages named by pages[] (as many as
 * BLKIF_INDIRECT_PAGES(nseg)) hold; the rest of *req zeroed. */
void blkif_indirect_init(blkif_request_t *req, uint8_t op, uint16_t nseg, uint64_t id,
			 uint64_t sector, const grant_ref_t *pages);
/* Publish queued requests; true when the backend asked to be notified. */
bool blkif_front_push(blkif_front_ring_t *r);
/* Re-arm rsp_event; true if responses are waiting (do not sleep). */
bool blkif_front_final_check(blkif_front_ring_t *r);

#endif
