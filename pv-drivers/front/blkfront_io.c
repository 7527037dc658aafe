/*
 * blkfront_io.c - blkfront's requests.  A read or write is cut into
 * requests of up to max_segs pages: direct (11 segments in the request)
 * or indirect (BLKIF_OP_INDIRECT, the segments in an indirect page), each
 * page either granted for the request (revoked when answered) or a
 * persistent pool page the data is copied through.  Requests are spread
 * round-robin over the queues, every queue is pushed once with
 * RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, and the responses are waited for
 * with RING_FINAL_CHECK_FOR_RESPONSES semantics.  A request's id is its
 * slot in its queue, so a response naming a slot not waiting is a
 * protocol error, never an index into memory.
 */
#include "blkfront_internal.h"

/* Every request layout has its id and sector at the same place. */
_Static_assert(__builtin_offsetof(blkif_request_indirect_t, id) ==
		       __builtin_offsetof(blkif_request_t, id) &&
	       __builtin_offsetof(blkif_request_indirect_t, sector_number) ==
		       __builtin_offsetof(blkif_request_t, sector_number) &&
	       __builtin_offsetof(blkif_request_discard_t, sector_number) ==
		       __builtin_offsetof(blkif_request_t, sector_number),
	       "blkif request layouts");

/* Grant the data page of segment k (or take a pool page, copying a write's
 * data in).  Its ref into *ref. */
static int grant_seg(struct blkfront *d, struct bf_slot *s, unsigned int k, char *page,
		     unsigned int bytes, grant_ref_t *ref)
{
	int r;

	if (d->conn.persistent) {
		if ((r = bf_pool_take(d)) < 0)
			return BF_NO_ROOM;
		s->pool[k] = (uint16_t)r;
		if (s->op == BLKIF_OP_WRITE)
			memcpy(d->pool[r].page, page, bytes);
		*ref = d->pool[r].ref;
		return 0;
	}
	r = gnttab_grant_access(d->xb.be_id, virt_to_pfn(page), s->op == BLKIF_OP_WRITE);
	if (r < 0)
		return r;
	*ref = (grant_ref_t)r;
	return 0;
}

/* Give back what slot s holds; -XEN_EBADMSG if the backend keeps a page. */
static int release(struct blkfront *d, struct bf_slot *s, int force)
{
	int r = 0;

	for (unsigned int k = 0; k < s->nref; k++) {
		if (d->conn.persistent)
			bf_pool_put(d, s->pool[k]);
		else if (force)
			gnttab_end_access_force(s->ref[k]);
		else if (gnttab_end_access(s->ref[k]))
			r = -XEN_EBADMSG; /* still in use after its response */
	}
	/* A persistent indirect page stays granted (the backend keeps it
	 * mapped) until the connection ends: bf_pool_release. */
	if (s->ind_granted && (force || !d->conn.persistent)) {
		if (force)
			gnttab_end_access_force(s->ind_ref);
		else if (gnttab_end_access(s->ind_ref))
			r = -XEN_EBADMSG;
		s->ind_granted = 0;
	}
	s->nref = 0;
	return r;
}

void bf_slot_abandon(struct blkfront *d, struct bf_slot *s)
{
	release(d, s, 1);
}

/* The indirect page of s, granted read-only for this request (or once,
 * read-write, with persistent grants: Linux's blkfront takes it from its
 * persistent pool). */
static int indirect_page(struct blkfront *d, struct bf_slot *s)
{
	int ref;

	if (!s->ind && !(s->ind = alloc_page()))
		return -XEN_ENOMEM;
	if (s->ind_granted)
		return 0;
	ref = gnttab_grant_access(d->xb.be_id, virt_to_pfn(s->ind), !d->conn.persistent);
	if (ref < 0)
		return ref;
	s->ind_ref = (grant_ref_t)ref;
	s->ind_granted = 1;
	return 0;
}

/* Fill req with s's segments: in the request, or in its indirect page. */
static int place_segs(struct blkfront *d, struct bf_slot *s, blkif_request_t *req,
		      struct blkif_request_segment *seg, unsigned int n)
{
	int r;

	if (n <= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		req->operation = s->op;
		req->nr_segments = (uint8_t)n;
		memcpy(req->seg, seg, n * sizeof(*seg));
		return 0;
	}
	if ((r = indirect_page(d, s)))
		return r;
	memcpy(s->ind, seg, n * sizeof(*seg));
	blkif_indirect_init(req, s->op, (uint16_t)n, 0, 0, &s->ind_ref); /* id, sector: build */
	return 0;
}

/* A read or write of s->count sectors from s->buf, as one request. */
static int build_rw(struct blkfront *d, struct bf_slot *s, blkif_request_t *req)
{
	struct blkif_request_segment seg[BF_MAX_SEGS];
	unsigned int n = 0;
	int r;

	for (uint64_t done = 0; done < s->count; n++) {
		unsigned int k = s->count - done < 8 ? (unsigned int)(s->count - done) : 8;

		r = grant_seg(d, s, n, s->buf + done * BLKIF_SECTOR, k * BLKIF_SECTOR, &seg[n].gref);
		if (r) {
			release(d, s, 0);
			return r;
		}
		s->ref[n] = seg[n].gref;
		s->nref = n + 1;
		seg[n].first_sect = 0;
		seg[n].last_sect = (uint8_t)(k - 1);
		done += k;
	}
	if ((r = place_segs(d, s, req, seg, n)))
		release(d, s, 0);
	return r;
}

/* Put slot s (its op and range set) on q's ring as a request. */
static int build(struct blkfront *d, struct bf_queue *q, struct bf_slot *s)
{
	blkif_request_t *req = RING_GET_REQUEST(&q->ring, q->ring.req_prod_pvt);
	blkif_request_discard_t *dis = (blkif_request_discard_t *)req;
	int r = 0;

	memset(req, 0, sizeof(*req));
	if (s->op == BLKIF_OP_READ || s->op == BLKIF_OP_WRITE) {
		r = build_rw(d, s, req);
	} else {
		req->operation = s->op;
		if (s->op == BLKIF_OP_DISCARD)
			dis->nr_sectors = s->count;
	}
	if (r)
		return r;
	req->id = (uint64_t)(s - q->slot);
	req->sector_number = s->sector; /* the same offset in every layout */
	q->ring.req_prod_pvt++;
	q->queued = 1;
	return 0;
}

int bf_requeue(struct blkfront *d, struct bf_queue *q, struct bf_slot *s)
{
	release(d, s, 1);
	return build(d, q, s);
}

int bf_queue_req(struct blkfront *d, struct bf_queue *q, struct bf_slot *s, uint8_t op,
		 uint64_t sector, char *buf, uint64_t count)
{
	int r;

	if (d->conn.persistent && (op == BLKIF_OP_READ || op == BLKIF_OP_WRITE) &&
	    d->pool_free < (count + 7) / 8)
		return BF_NO_ROOM;
	s->op = op;
	s->sector = sector;
	s->buf = buf;
	s->count = count;
	s->busy = 1;
	if ((r = build(d, q, s))) {
		s->busy = 0;
		return r;
	}
	d->pending++;
	return 0;
}

void bf_kick(struct blkfront *d)
{
	for (unsigned int i = 0; i < d->conn.nr_queues; i++) {
		struct bf_queue *q = &d->q[i];

		if (q->queued && blkif_front_push(&q->ring))
			evtchn_send(q->port);
		q->queued = 0;
	}
}

/* ---- responses ------------------------------------------------------------ */

static int has_responses(void *arg)
{
	struct blkfront *d = arg;
	int more = 0;

	for (unsigned int i = 0; i < d->conn.nr_queues; i++)
		more |= blkif_front_final_check(&d->q[i].ring);
	return more;
}

/* Take every response of q; a bad index or id breaks the device. */
static void take_responses(struct blkfront *d, struct bf_queue *q)
{
	blkif_response_t rsp;
	int got;

	while (!d->broken && (got = blkif_front_next(&q->ring, &rsp)) == 1) {
		struct bf_slot *s = rsp.id < q->nslots ? &q->slot[rsp.id] : NULL;

		if (!s || s->busy != 1) {
			printk("blkfront: response for unknown id %lu\n", (unsigned long)rsp.id);
			d->broken = 1;
			break;
		}
		s->status = rsp.status;
		s->busy = 2; /* answered */
		d->pending--;
	}
	if (got < 0) {
		printk("blkfront: backend's response index is impossible\n");
		d->broken = 1;
	}
}

static void take_all(struct blkfront *d)
{
	for (unsigned int i = 0; i < d->conn.nr_queues && !d->broken; i++)
		take_responses(d, &d->q[i]);
}

/*
 * Each 200 ms without a response the backend's state is read: a backend
 * that restarted (Closed or InitWait where it was Connected) gets new
 * rings and the requests again.
 */
int bf_wait(struct blkfront *d, unsigned int want)
{
	uint64_t deadline = now_ns() + d->xb.timeout_ns;

	take_all(d); /* what is answered already, even when nothing is awaited */
	while (d->pending > want && !d->broken) {
		uint64_t slice = now_ns() + BF_CHECK_NS;
		int r;

		take_all(d);
		if (d->pending <= want || d->broken)
			break;
		if (!events_block_until(has_responses, d, slice < deadline ? slice : deadline))
			continue;
		if (now_ns() >= deadline) {
			d->broken = 1; /* its slots and pages may still be in use */
			return -XEN_ETIME;
		}
		if (bf_backend_state(d) != XenbusStateConnected) {
			if ((r = bf_reconnect(d))) {
				d->broken = 1;
				return r;
			}
			deadline = now_ns() + d->xb.timeout_ns;
		}
	}
	return d->broken ? -XEN_EBADMSG : 0;
}

/* A read through the pool: the data copied out to the caller's buffer. */
static void copy_out(struct blkfront *d, struct bf_slot *s)
{
	for (unsigned int k = 0; k < s->nref; k++) {
		uint64_t left = s->count - (uint64_t)k * 8;

		memcpy(s->buf + (uint64_t)k * 4096, d->pool[s->pool[k]].page,
		       (left < 8 ? left : 8) * BLKIF_SECTOR);
	}
}

int bf_finish(struct blkfront *d, struct bf_slot *s)
{
	int r = s->status == BLKIF_RSP_OKAY ? 0 :
		s->status == BLKIF_RSP_EOPNOTSUPP ? -XEN_EOPNOTSUPP : -XEN_EIO;
	int e;

	if (!r && d->conn.persistent && s->op == BLKIF_OP_READ)
		copy_out(d, s);
	e = release(d, s, 0);
	s->busy = 0;
	s->aio = NULL;
	return e ? e : r;
}

/* ---- calls -------------------------------------------------------------- */

/*
 * Sectors per request for a call of nsect: as large as a request may be,
 * but cut so that the call spreads over every queue, and so that with
 * persistent grants each queue's share of the pool holds one.
 */
static unsigned int request_sectors(const struct blkfront *d, unsigned int nsect)
{
	unsigned int nq = d->conn.nr_queues, per = d->max_segs * 8;
	unsigned int share = ((nsect + nq - 1) / nq + 7) / 8 * 8;

	if (share < per)
		per = share;
	if (d->conn.persistent && per > BF_POOL_PAGES / nq * 8)
		per = BF_POOL_PAGES / nq * 8;
	return per ? per : 8;
}

/* One batch: requests spread over the queues until the rings (or the
 * pool) are full, one push per queue, wait for all. */
static int rw_batch(struct blkfront *d, uint8_t op, uint64_t sector, char *buf,
		    unsigned int nsect, unsigned int *done)
{
	unsigned int n = 0, per = request_sectors(d, nsect), nq = d->conn.nr_queues;
	int q = 0, r, e;

	for (*done = 0; *done < nsect && n / nq < d->q[n % nq].nslots; n++) {
		unsigned int k = nsect - *done < per ? nsect - *done : per;
		struct bf_queue *bq = &d->q[n % nq];

		q = bf_queue_req(d, bq, &bq->slot[n / nq], op, sector + *done,
			  buf + (uint64_t)*done * BLKIF_SECTOR, k);
		if (q)
			break; /* out of pool pages or grant references: send what is queued */
		*done += k;
	}
	if (q == BF_NO_ROOM)
		q = n ? 0 : -XEN_ENOSPC;
	bf_kick(d);
	r = bf_wait(d, 0);
	/* After a timeout the backend may still use the pages: keep them. */
	for (unsigned int i = 0; i < n && !r; i++)
		if ((e = bf_finish(d, &d->q[i % nq].slot[i / nq])) && !q)
			q = e;
	return r ? r : q;
}

static int rw(struct blkfront *d, uint8_t op, uint64_t sector, char *buf, unsigned int nsect)
{
	unsigned int done;
	int r = 0;

	if (d->broken)
		return -XEN_EBADMSG;
	if (d->aio_busy)
		return -XEN_EBUSY;
	if (((uintptr_t)buf & 4095) || sector + nsect > d->info.sectors || sector + nsect < sector)
		return -XEN_EINVAL;
	while (nsect && !r) {
		r = rw_batch(d, op, sector, buf, nsect, &done);
		sector += done;
		buf += (uint64_t)done * BLKIF_SECTOR;
		nsect -= done;
	}
	return r;
}

int blkfront_read(struct blkfront *d, uint64_t sector, void *buf, unsigned int nsect)
{
	return rw(d, BLKIF_OP_READ, sector, buf, nsect);
}

int blkfront_write(struct blkfront *d, uint64_t sector, const void *buf, unsigned int nsect)
{
	return rw(d, BLKIF_OP_WRITE, sector, (char *)buf, nsect);
}

/* A request without segments (flush, discard) on queue 0, waited for. */
static int single(struct blkfront *d, uint8_t op, uint64_t sector, uint64_t count)
{
	struct bf_slot *s = &d->q[0].slot[0];
	int r;

	if (d->broken)
		return -XEN_EBADMSG;
	if (d->aio_busy)
		return -XEN_EBUSY;
	if ((r = bf_queue_req(d, &d->q[0], s, op, sector, NULL, count)))
		return r;
	bf_kick(d);
	r = bf_wait(d, 0);
	return r ? r : bf_finish(d, s);
}

int blkfront_flush(struct blkfront *d)
{
	return d->info.flush ? single(d, BLKIF_OP_FLUSH_DISKCACHE, 0, 0) : -XEN_EOPNOTSUPP;
}

int blkfront_discard(struct blkfront *d, uint64_t sector, uint64_t nsect)
{
	return d->info.discard ? single(d, BLKIF_OP_DISCARD, sector, nsect) : -XEN_EOPNOTSUPP;
}
