/*
 * blkfront_aio.c - blkfront's asynchronous calls.  An aio takes a free
 * slot of one queue (the caller's, or round-robin over the queues, so a
 * deep queue spreads as the synchronous calls do) and is one request
 * there; the slot holds the aio until it is reaped.  Responses are taken
 * as for the synchronous calls; reaping hands back the answered slots'
 * aios, so completions come back in the backend's order, not the
 * submitter's.
 */
#include "blkfront_internal.h"

static const uint8_t blkif_op[] = {
	[BLKFRONT_READ] = BLKIF_OP_READ,
	[BLKFRONT_WRITE] = BLKIF_OP_WRITE,
	[BLKFRONT_FLUSH] = BLKIF_OP_FLUSH_DISKCACHE,
	[BLKFRONT_DISCARD] = BLKIF_OP_DISCARD,
};

unsigned int blkfront_aio_max_sectors(const struct blkfront *d)
{
	return d->max_segs * 8;
}

unsigned int blkfront_aio_slots(const struct blkfront *d)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->conn.nr_queues; i++)
		n += d->q[i].nslots;
	return n;
}

/* What io asks, checked against the disk before it takes a slot. */
static int check(const struct blkfront *d, const struct blkfront_aio *io)
{
	switch (io->op) {
	case BLKFRONT_READ:
	case BLKFRONT_WRITE:
		if (((uintptr_t)io->buf & 4095) || !io->nsect ||
		    io->nsect > blkfront_aio_max_sectors(d))
			return -XEN_EINVAL;
		break;
	case BLKFRONT_FLUSH:
		return d->info.flush ? 0 : -XEN_EOPNOTSUPP;
	case BLKFRONT_DISCARD:
		if (!d->info.discard)
			return -XEN_EOPNOTSUPP;
		break;
	default:
		return -XEN_EINVAL;
	}
	if (io->sector + io->nsect > d->info.sectors || io->sector + io->nsect < io->sector)
		return -XEN_EINVAL;
	return 0;
}

/* A free slot of queue q, or NULL. */
static struct bf_slot *free_slot(struct bf_queue *q)
{
	for (unsigned int k = 0; k < q->nslots; k++)
		if (!q->slot[k].busy)
			return &q->slot[k];
	return NULL;
}

/* io into a free slot of one of n queues from first on (round-robin). */
static int submit_from(struct blkfront *d, struct blkfront_aio *io, unsigned int first,
		       unsigned int n)
{
	unsigned int nq = d->conn.nr_queues;
	int r;

	for (unsigned int i = 0; i < n; i++) {
		struct bf_queue *q = &d->q[(first + i) % nq];
		struct bf_slot *s = free_slot(q);

		if (!s)
			continue;
		r = bf_queue_req(d, q, s, blkif_op[io->op], io->sector, io->buf, io->nsect);
		if (r == BF_NO_ROOM)
			return -XEN_EAGAIN; /* the pool is full: the same on every queue */
		if (r)
			return r;
		s->aio = io;
		d->aio_busy++;
		d->aio_next_q = (unsigned int)(q - d->q + 1) % nq;
		return 0;
	}
	return -XEN_EAGAIN;
}

int blkfront_submit_queue(struct blkfront *d, struct blkfront_aio *io, int queue)
{
	int r;

	if (d->broken)
		return -XEN_EBADMSG;
	if (queue != BLKFRONT_QUEUE_ANY && (queue < 0 || (unsigned int)queue >= d->conn.nr_queues))
		return -XEN_EINVAL;
	if ((r = check(d, io)))
		return r;
	if (queue == BLKFRONT_QUEUE_ANY)
		return submit_from(d, io, d->aio_next_q, d->conn.nr_queues);
	return submit_from(d, io, (unsigned int)queue, 1);
}

int blkfront_submit(struct blkfront *d, struct blkfront_aio *io)
{
	return blkfront_submit_queue(d, io, BLKFRONT_QUEUE_ANY);
}

void blkfront_push(struct blkfront *d)
{
	if (!d->broken)
		bf_kick(d);
}

/* Hand back up to max answered aios into done[]; how many. */
static unsigned int collect(struct blkfront *d, struct blkfront_aio **done, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->conn.nr_queues; i++)
		for (unsigned int k = 0; k < d->q[i].nslots && n < max; k++) {
			struct bf_slot *s = &d->q[i].slot[k];
			struct blkfront_aio *io = s->aio;

			if (s->busy != 2 || !io)
				continue;
			io->status = bf_finish(d, s);
			done[n++] = io;
			d->aio_busy--;
		}
	return n;
}

int blkfront_reap(struct blkfront *d, struct blkfront_aio **done, unsigned int max,
		  unsigned int min)
{
	int r;

	if (d->broken)
		return -XEN_EBADMSG;
	if (min > d->aio_busy)
		min = d->aio_busy;
	if (min > max)
		min = max;
	bf_kick(d);
	/* Every aio submitted and not reaped either waits (pending) or has
	 * its answer: wait until min of them have one. */
	if ((r = bf_wait(d, d->aio_busy - min)))
		return r;
	return (int)collect(d, done, max);
}
