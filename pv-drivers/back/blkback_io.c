/*
 * blkback_io.c - requests from the ring to the image and back: each is
 * checked (blkif_req_check), its grants mapped through libketchgnt, and
 * prepared for the image (blkback_disk.c starts it); its response is
 * written when the operation completes (bb_io_done).  The slots in a
 * queue's req are exactly its ring's entries, and blkif_back_next never
 * takes a request without a free response slot, so a request always finds
 * a slot.  An indirect request's segments are first copied from its
 * indirect pages (blkback_indirect.c) and checked like a direct one's.
 * Every refusal is counted by reason and the first few of each logged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "blkback.h"

/* Rounds of taking requests per call: a frontend that keeps the ring busy
 * with requests refused at once cannot keep the loop here forever. */
#define BB_ROUNDS_MAX 128
/* Refusals of one reason logged one by one; the rest are only counted,
 * so a hostile frontend cannot flood the log. */
#define BB_LOG_EACH 8

static const char *const why_name[BB_WHY_MAX] = {
	[BLKIF_WHY_NSEG] = "bad segment count",
	[BLKIF_WHY_SECTS] = "bad segment sectors",
	[BLKIF_WHY_PAST_END] = "past the end of the disk",
	[BLKIF_WHY_READ_ONLY] = "read-only disk",
	[BLKIF_WHY_FLUSH_SEGS] = "flush with segments",
	[BLKIF_WHY_OP] = "operation not supported",
	[BLKIF_WHY_INDIRECT_OP] = "bad indirect operation",
	[BB_WHY_GRANT] = "grant refused",
	[BB_WHY_IO] = "I/O failed",
};

const char *bb_why_name(unsigned int why)
{
	return why < BB_WHY_MAX && why_name[why] ? why_name[why] : "?";
}

static void notify(struct bb_queue *q)
{
	uint64_t one = 1;

	if (write(q->to_guest, &one, sizeof(one)) < 0 && errno != EAGAIN)
		bk_log("cannot notify the frontend (queue %u): %s", q->idx, strerror(errno));
}

void bb_ring_push(struct bb *b)
{
	/* A connection that failed half-way has queues not mapped yet. */
	for (unsigned int i = 0; b->connected && i < b->conn.nr_queues; i++)
		if (b->q[i].mapped && blkif_back_push(&b->q[i].ring))
			notify(&b->q[i]);
}

/* Count a refusal; log it while few of its kind were. */
static void refused(struct bb *b, const struct bb_req *r, unsigned int why, const char *more)
{
	uint64_t n = ++b->nr_refused[why];

	if (n <= BB_LOG_EACH)
		bk_log("request %llu (op %u, sector %llu) refused: %s%s%s",
		       (unsigned long long)r->id, r->op, (unsigned long long)r->sector,
		       bb_why_name(why), more ? ": " : "", more ? more : "");
	if (n == BB_LOG_EACH)
		bk_log("further refusals (%s) are counted, not logged", bb_why_name(why));
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
	blkif_back_respond(&r->q->ring, r->id, r->rsp_op, status);
}

static struct bb_req *free_slot(struct bb_queue *q)
{
	for (unsigned int i = 0; i < RING_SIZE(&q->ring); i++)
		if (!q->req[i].busy)
			return &q->req[i];
	return NULL;
}

/* Map each of n segments' page: writable when the disk is read into it,
 * and always with persistent grants (kept for either way, as Linux). */
static int16_t map_segments(struct bb *b, const struct blkif_request_segment *seg,
			    unsigned int n, struct bb_req *r)
{
	bool writable = r->op == BLKIF_OP_READ || b->conn.persistent;

	for (unsigned int i = 0; i < n; i++) {
		const struct blkif_request_segment *s = &seg[i];
		int16_t st;
		char *page = kgnt_map(b->gnt, s->gref, writable, &st);

		if (!page) {
			char what[48];

			snprintf(what, sizeof(what), "ref %u, status %d", s->gref, st);
			refused(b, r, BB_WHY_GRANT, what);
			return BLKIF_RSP_ERROR;
		}
		r->ref[r->nseg++] = s->gref;
		r->iov[i].iov_base = page + s->first_sect * BLKIF_SECTOR;
		r->iov[i].iov_len = (size_t)(s->last_sect - s->first_sect + 1) * BLKIF_SECTOR;
	}
	return BLKIF_RSP_OKAY;
}

/* Where a checked request goes on the image, and what it must transfer. */
static void place(const blkif_request_t *req, struct bb_req *r, uint64_t nr_sects)
{
	const blkif_request_discard_t *d = (const blkif_request_discard_t *)req;

	const blkif_request_indirect_t *ind = (const blkif_request_indirect_t *)req;

	r->off = r->len = r->bytes = 0; /* a flush: no range (its sector is not checked) */
	if (req->operation == BLKIF_OP_READ || req->operation == BLKIF_OP_WRITE) {
		r->off = req->sector_number * BLKIF_SECTOR;
		r->len = r->bytes = nr_sects * BLKIF_SECTOR;
	} else if (req->operation == BLKIF_OP_INDIRECT) { /* a read or write: checked */
		r->off = ind->sector_number * BLKIF_SECTOR;
		r->len = r->bytes = nr_sects * BLKIF_SECTOR;
	} else if (req->operation == BLKIF_OP_DISCARD) {
		r->off = d->sector_number * BLKIF_SECTOR;
		r->len = nr_sects * BLKIF_SECTOR;
	}
}

/* An indirect request's segments: fetched, checked, mapped. */
static int16_t indirect(struct bb *b, const blkif_request_t *req, struct bb_req *r,
			uint64_t *nr_sects)
{
	const blkif_request_indirect_t *ind = (const blkif_request_indirect_t *)req;
	struct blkif_request_segment seg[BB_MAX_SEGS];
	enum blkif_why why;
	char what[48];
	int16_t st;

	if (bb_indirect_segs(b, req, seg, what, sizeof(what))) {
		refused(b, r, BB_WHY_GRANT, what);
		return BLKIF_RSP_ERROR;
	}
	st = (int16_t)blkif_segs_check(seg, ind->nr_segments, ind->sector_number, b->sectors,
				       nr_sects, &why);
	if (st != BLKIF_RSP_OKAY) {
		refused(b, r, why, NULL);
		return st;
	}
	return map_segments(b, seg, ind->nr_segments, r);
}

static void start(struct bb *b, struct bb_queue *q, const blkif_request_t *req)
{
	struct bb_req *r = free_slot(q);
	uint64_t nr_sects;
	enum blkif_why why;
	int16_t st = (int16_t)blkif_req_check_ind(req, b->sectors, b->readonly, BB_MAX_SEGS,
						  &nr_sects, &why);

	if (!r) /* cannot happen: see the comment at the top */
		return;
	*r = (struct bb_req){ .busy = true, .q = q, .id = req->id, .op = blkif_rsp_op(req),
			      .rsp_op = blkif_rsp_op(req), .sector = req->sector_number,
			      .bounce = r->bounce, .bounce_len = r->bounce_len };
	b->nr_requests++;
	b->nr_by_queue[q->idx]++;
	if (st != BLKIF_RSP_OKAY)
		refused(b, r, why, NULL);
	else if (req->operation == BLKIF_OP_INDIRECT)
		st = indirect(b, req, r, &nr_sects);
	else if (req->operation == BLKIF_OP_READ || req->operation == BLKIF_OP_WRITE)
		st = map_segments(b, req->seg, req->nr_segments, r);
	if (st != BLKIF_RSP_OKAY) {
		respond(b, r, st);
		return;
	}
	place(req, r, nr_sects);
	b->inflight++; /* before start: the disk may answer at once */
	b->disk->start(b, r);
}

static bool ring_room(const struct bb_queue *q)
{
	return !RING_REQUEST_CONS_OVERFLOW(&q->ring, q->ring.req_cons);
}

static void push_queue(struct bb_queue *q)
{
	if (blkif_back_push(&q->ring))
		notify(q);
}

bool bb_queue_work(struct bb *b, struct bb_queue *q)
{
	blkif_request_t req;
	int got;

	q->more = false;
	for (int round = 0; b->connected; round++) {
		if (round == BB_ROUNDS_MAX) {
			q->more = true; /* come back after the other fds */
			break;
		}
		while ((got = blkif_back_next(&q->ring, &req)) == 1)
			start(b, q, &req);
		if (got < 0) {
			b->nr_ring_errors++;
			bk_log("frontend's ring indices are impossible (queue %u: req_prod %u, "
			       "req_cons %u); disconnecting", q->idx, q->ring.sring->req_prod,
			       q->ring.req_cons);
			return false;
		}
		b->disk->submit(b);
		push_queue(q);
		if (!ring_room(q) || !blkif_back_final_check(&q->ring))
			break;
	}
	return true;
}

bool bb_ring_work(struct bb *b)
{
	b->more = false;
	for (unsigned int i = 0; b->connected && i < b->conn.nr_queues; i++) {
		if (!bb_queue_work(b, &b->q[i]))
			return false;
		b->more |= b->q[i].more;
	}
	return true;
}

static int16_t status_of(struct bb *b, const struct bb_req *r, int res)
{
	char what[64];

	if (res == -EOPNOTSUPP)
		return BLKIF_RSP_EOPNOTSUPP;
	if (res >= 0 && (uint64_t)res == r->bytes)
		return BLKIF_RSP_OKAY;
	if (res < 0)
		snprintf(what, sizeof(what), "%s", strerror(-res));
	else
		snprintf(what, sizeof(what), "%d of %llu bytes", res, (unsigned long long)r->bytes);
	refused(b, r, BB_WHY_IO, what);
	return BLKIF_RSP_ERROR;
}

bool bb_io_complete(struct bb *b, short revents)
{
	if (!b->disk->complete(b, revents) || !b->connected)
		return true;
	bb_ring_push(b);
	return bb_ring_work(b); /* slots were freed: requests may be waiting */
}

void bb_io_done(struct bb *b, struct bb_req *r, int res)
{
	respond(b, r, status_of(b, r, res));
	b->inflight--;
}

void bb_io_log_counters(const struct bb *b)
{
	char line[512], byq[96];
	size_t n = 0;

	line[0] = '\0';
	for (unsigned int w = 1; w < BB_WHY_MAX && n < sizeof(line); w++)
		if (b->nr_refused[w])
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%llu %s",
					      n ? ", " : "; ",
					      (unsigned long long)b->nr_refused[w],
					      bb_why_name(w));
	n = 0;
	byq[0] = '\0';
	for (unsigned int i = 0; b->nr_by_queue[1] && i < BLKIF_MAX_QUEUES && n < sizeof(byq); i++)
		n += (size_t)snprintf(byq + n, sizeof(byq) - n, "%s%llu", i ? ", " : "; by queue ",
				      (unsigned long long)b->nr_by_queue[i]);
	bk_log("stopped: %llu requests, %llu refused or failed%s; %llu ring errors%s",
	       (unsigned long long)b->nr_requests, (unsigned long long)b->nr_errors, line,
	       (unsigned long long)b->nr_ring_errors, byq);
}
