/*
 * blkback_io.c - requests from the ring to the image and back: each is
 * checked (blkif_req_check), its grants mapped through libketchgnt, and
 * one io_uring operation started for it; its response is written when the
 * operation completes.  The slots in b->req are exactly the ring's entries,
 * and blkif_back_next never takes a request without a free response slot,
 * so a request always finds a slot and the submission queue (twice the
 * ring) always has room.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "blkback.h"

/* Rounds of taking requests per call: a frontend that keeps the ring busy
 * with requests refused at once cannot keep the loop here forever. */
#define BB_ROUNDS_MAX (4 * BLKIF_RING_ENTRIES)

int bb_io_init(struct bb *b)
{
	int r = io_uring_queue_init(2 * BLKIF_RING_ENTRIES, &b->uring, 0);

	if (r < 0)
		return r;
	b->uring_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->uring_efd < 0)
		return -errno;
	return io_uring_register_eventfd(&b->uring, b->uring_efd);
}

void bb_io_fini(struct bb *b)
{
	io_uring_queue_exit(&b->uring);
	close(b->uring_efd);
}

static void notify(struct bb *b)
{
	uint64_t one = 1;

	if (write(b->to_guest, &one, sizeof(one)) < 0 && errno != EAGAIN)
		bk_log("cannot notify the frontend: %s", strerror(errno));
}

/* Give the request's grants back and queue its response. */
static void respond(struct bb *b, struct bb_req *r, int16_t status)
{
	for (unsigned int i = 0; i < r->nseg; i++)
		kgnt_unmap(b->gnt, r->ref[i]);
	r->nseg = 0;
	r->busy = false;
	if (status != BLKIF_RSP_OKAY)
		b->nr_errors++;
	blkif_back_respond(&b->ring, r->id, r->op, status);
}

static struct bb_req *free_slot(struct bb *b)
{
	for (unsigned int i = 0; i < BLKIF_RING_ENTRIES; i++)
		if (!b->req[i].busy)
			return &b->req[i];
	return NULL;
}

/* Map each segment's page: writable when the disk is read into it. */
static int16_t map_segments(struct bb *b, const blkif_request_t *req, struct bb_req *r)
{
	bool writable = req->operation == BLKIF_OP_READ;

	for (unsigned int i = 0; i < req->nr_segments; i++) {
		const struct blkif_request_segment *s = &req->seg[i];
		int16_t st;
		char *page = kgnt_map(b->gnt, s->gref, writable, &st);

		if (!page) {
			bk_log("request %llu: grant %u refused (status %d)",
			       (unsigned long long)req->id, s->gref, st);
			return BLKIF_RSP_ERROR;
		}
		r->ref[r->nseg++] = s->gref;
		r->iov[i].iov_base = page + s->first_sect * BLKIF_SECTOR;
		r->iov[i].iov_len = (size_t)(s->last_sect - s->first_sect + 1) * BLKIF_SECTOR;
	}
	return BLKIF_RSP_OKAY;
}

/* The io_uring operation for a checked request. */
static void prep(struct bb *b, const blkif_request_t *req, struct bb_req *r,
		 struct io_uring_sqe *sqe, uint64_t nr_sects)
{
	off_t off = (off_t)(req->sector_number * BLKIF_SECTOR);

	r->bytes = 0;
	switch (req->operation) {
	case BLKIF_OP_READ:
		io_uring_prep_readv(sqe, b->disk_fd, r->iov, r->nseg, off);
		r->bytes = nr_sects * BLKIF_SECTOR;
		break;
	case BLKIF_OP_WRITE:
		io_uring_prep_writev(sqe, b->disk_fd, r->iov, r->nseg, off);
		r->bytes = nr_sects * BLKIF_SECTOR;
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		/* Drain: the flush covers every write started before it. */
		io_uring_prep_fsync(sqe, b->disk_fd, IORING_FSYNC_DATASYNC);
		sqe->flags |= IOSQE_IO_DRAIN;
		break;
	default: /* BLKIF_OP_DISCARD: the checks let nothing else through */
		io_uring_prep_fallocate(sqe, b->disk_fd,
					FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
					(off_t)(nr_sects * BLKIF_SECTOR));
		break;
	}
	io_uring_sqe_set_data(sqe, r);
}

static void start(struct bb *b, const blkif_request_t *req)
{
	struct bb_req *r = free_slot(b);
	uint64_t nr_sects;
	int16_t st = (int16_t)blkif_req_check(req, b->sectors, b->readonly, &nr_sects);

	if (!r) /* cannot happen: see the comment at the top */
		return;
	*r = (struct bb_req){ .busy = true, .id = req->id, .op = req->operation };
	b->nr_requests++;
	if (st == BLKIF_RSP_OKAY &&
	    (req->operation == BLKIF_OP_READ || req->operation == BLKIF_OP_WRITE))
		st = map_segments(b, req, r);
	if (st != BLKIF_RSP_OKAY) {
		respond(b, r, st);
		return;
	}
	prep(b, req, r, io_uring_get_sqe(&b->uring), nr_sects);
	b->inflight++;
}

static bool ring_room(const struct bb *b)
{
	return !RING_REQUEST_CONS_OVERFLOW(&b->ring, b->ring.req_cons);
}

bool bb_ring_work(struct bb *b)
{
	blkif_request_t req;
	int got;

	b->more = false;
	for (int round = 0; b->connected; round++) {
		if (round == BB_ROUNDS_MAX) {
			b->more = true; /* come back after the other fds */
			break;
		}
		while ((got = blkif_back_next(&b->ring, &req)) == 1)
			start(b, &req);
		if (got < 0) {
			bk_log("frontend's ring indices are impossible (req_prod %u, "
			       "req_cons %u); disconnecting", b->ring.sring->req_prod,
			       b->ring.req_cons);
			return false;
		}
		io_uring_submit(&b->uring);
		if (blkif_back_push(&b->ring))
			notify(b);
		if (!ring_room(b) || !blkif_back_final_check(&b->ring))
			break;
	}
	return true;
}

static int16_t status_of(const struct bb_req *r, int res)
{
	if (res == -EOPNOTSUPP)
		return BLKIF_RSP_EOPNOTSUPP;
	if (res < 0) {
		bk_log("request %llu (op %u) failed: %s", (unsigned long long)r->id, r->op,
		       strerror(-res));
		return BLKIF_RSP_ERROR;
	}
	return (uint64_t)res == r->bytes ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR;
}

/* Respond to every completion the kernel has posted; how many. */
static unsigned int reap(struct bb *b)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;

	io_uring_for_each_cqe(&b->uring, head, cqe) {
		struct bb_req *r = io_uring_cqe_get_data(cqe);

		respond(b, r, status_of(r, cqe->res));
		b->inflight--;
		n++;
	}
	io_uring_cq_advance(&b->uring, n);
	return n;
}

bool bb_io_complete(struct bb *b)
{
	uint64_t cnt;

	if (read(b->uring_efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		bk_log("io_uring eventfd: %s", strerror(errno));
	if (!b->connected || !reap(b))
		return true;
	if (blkif_back_push(&b->ring))
		notify(b);
	return bb_ring_work(b); /* slots were freed: requests may be waiting */
}

void bb_io_drain(struct bb *b)
{
	struct io_uring_cqe *cqe;

	while (b->inflight) {
		if (io_uring_wait_cqe(&b->uring, &cqe) < 0)
			break;
		reap(b);
	}
	if (blkif_back_push(&b->ring))
		notify(b);
}
