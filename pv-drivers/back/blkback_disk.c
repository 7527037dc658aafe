/*
 * blkback_disk.c - a raw image under ketch-blkback (bb_disk_uring): a
 * prepared request (blkback_io.c) becomes one io_uring operation on the
 * image, and each completion is handed back to bb_io_done.  The
 * submission queue is twice the largest ring, submitted after each
 * queue's round, and a request is only prepared into a free slot of its
 * queue (as many as the ring's entries), so it always has room.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "blkback.h"

static int uring_init(struct bb *b)
{
	int r = io_uring_queue_init(BB_URING_ENTRIES, &b->uring, 0);

	if (r < 0)
		return r;
	b->uring_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->uring_efd < 0)
		return -errno;
	return io_uring_register_eventfd(&b->uring, b->uring_efd);
}

static void uring_fini(struct bb *b)
{
	if (b->uring_efd < 0)
		return;
	io_uring_queue_exit(&b->uring);
	close(b->uring_efd);
	b->uring_efd = -1;
}

static void uring_start(struct bb *b, struct bb_req *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&b->uring);
	off_t off = (off_t)r->off;

	switch (r->op) {
	case BLKIF_OP_READ:
		io_uring_prep_readv(sqe, b->disk_fd, r->iov, r->nseg, off);
		break;
	case BLKIF_OP_WRITE:
		io_uring_prep_writev(sqe, b->disk_fd, r->iov, r->nseg, off);
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		/* Drain: the flush covers every write started before it. */
		io_uring_prep_fsync(sqe, b->disk_fd, IORING_FSYNC_DATASYNC);
		sqe->flags |= IOSQE_IO_DRAIN;
		break;
	default: /* BLKIF_OP_DISCARD: the checks let nothing else through */
		io_uring_prep_fallocate(sqe, b->disk_fd,
					FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
					(off_t)r->len);
		break;
	}
	io_uring_sqe_set_data(sqe, r);
}

static void uring_submit(struct bb *b)
{
	io_uring_submit(&b->uring);
}

/* Respond to every completion the kernel has posted; how many. */
static unsigned int reap(struct bb *b)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;

	io_uring_for_each_cqe(&b->uring, head, cqe) {
		bb_io_done(b, io_uring_cqe_get_data(cqe), cqe->res);
		n++;
	}
	io_uring_cq_advance(&b->uring, n);
	return n;
}

static void uring_poll(struct bb *b, struct pollfd *p)
{
	*p = (struct pollfd){ .fd = b->uring_efd, .events = POLLIN };
}

static unsigned int uring_complete(struct bb *b, short revents)
{
	uint64_t cnt;

	(void)revents;
	if (read(b->uring_efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		bk_log("io_uring eventfd: %s", strerror(errno));
	return b->connected ? reap(b) : 0;
}

static void uring_drain(struct bb *b)
{
	struct io_uring_cqe *cqe;

	while (b->inflight) {
		if (io_uring_wait_cqe(&b->uring, &cqe) < 0)
			break;
		reap(b);
	}
	bb_ring_push(b);
}

const struct bb_disk_ops bb_disk_uring = {
	.init = uring_init,
	.fini = uring_fini,
	.start = uring_start,
	.submit = uring_submit,
	.poll = uring_poll,
	.complete = uring_complete,
	.drain = uring_drain,
};
