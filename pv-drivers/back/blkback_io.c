/*
 * blkback_io.c - requests from the ring to the image and back: each is
 * checked (blkif_req_check), its grants mapped through libketchgnt, and
 * prepared for the image (blkback_disk.c starts it); its response is
 * written when the operation completes (bb_io_done).  The slots in b->req
 * are exactly the ring's entries, and blkif_back_next never takes a
 * request without a free response slot, so a request always finds a slot.
 * Every refusal is counted by reason and the first few of each logged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "blkback.h"

/* Rounds of taking requests per call: a frontend that keeps the ring busy
 * with requests refused at once cannot keep the loop here forever. */
#define BB_ROUNDS_MAX (4 * BLKIF_RING_ENTRIES)
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
	[BB_WHY_GRANT] = "grant refused",
	[BB_WHY_IO] = "I/O failed",
};

const char *bb_why_name(unsigned int why)
{
	return why < BB_WHY_MAX && why_name[why] ? why_name[why] : "?";
}

static void notify(struct bb *b)
{
	uint64_t one = 1;

	if (write(b->to_guest, &one, sizeof(one)) < 0 && errno != EAGAIN)
		bk_log("cannot notify the frontend: %s", strerror(errno));
}

void bb_ring_push(struct bb *b)
{
	if (blkif_back_push(&b->ring))
		notify(b);
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

	r->off = r->len = r->bytes = 0; /* a flush: no range (its sector is not checked) */
	if (req->operation == BLKIF_OP_READ || req->operation == BLKIF_OP_WRITE) {
		r->off = req->sector_number * BLKIF_SECTOR;
		r->len = r->bytes = nr_sects * BLKIF_SECTOR;
	} else if (req->operation == BLKIF_OP_DISCARD) {
		r->off = d->sector_number * BLKIF_SECTOR;
		r->len = nr_sects * BLKIF_SECTOR;
	}
}

static void start(struct bb *b, const blkif_request_t *req)
{
	struct bb_req *r = free_slot(b);
	uint64_t nr_sects;
	enum blkif_why why;
	int16_t st = (int16_t)blkif_req_check(req, b->sectors, b->readonly, &nr_sects, &why);

	if (!r) /* cannot happen: see the comment at the top */
		return;
	*r = (struct bb_req){ .busy = true, .id = req->id, .op = req->operation,
			      .sector = req->sector_number };
	b->nr_requests++;
	if (st != BLKIF_RSP_OKAY)
		refused(b, r, why, NULL);
	else if (req->operation == BLKIF_OP_READ || req->operation == BLKIF_OP_WRITE)
		st = map_segments(b, req, r);
	if (st != BLKIF_RSP_OKAY) {
		respond(b, r, st);
		return;
	}
	place(req, r, nr_sects);
	b->inflight++; /* before start: the disk may answer at once */
	b->disk->start(b, r);
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
			b->nr_ring_errors++;
			bk_log("frontend's ring indices are impossible (req_prod %u, "
			       "req_cons %u); disconnecting", b->ring.sring->req_prod,
			       b->ring.req_cons);
			return false;
		}
		b->disk->submit(b);
		bb_ring_push(b);
		if (!ring_room(b) || !blkif_back_final_check(&b->ring))
			break;
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
	char line[512];
	size_t n = 0;

	line[0] = '\0';
	for (unsigned int w = 1; w < BB_WHY_MAX && n < sizeof(line); w++)
		if (b->nr_refused[w])
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%llu %s",
					      n ? ", " : "; ",
					      (unsigned long long)b->nr_refused[w],
					      bb_why_name(w));
	bk_log("stopped: %llu requests, %llu refused or failed%s; %llu ring errors",
	       (unsigned long long)b->nr_requests, (unsigned long long)b->nr_errors, line,
	       (unsigned long long)b->nr_ring_errors);
}
