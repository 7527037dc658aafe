/* blkif_ring.c - both ends of the block ring (see blkif_ring.h). */
#include "blkif_ring.h"
#include "ring_check.h"

int blkif_back_next(blkif_back_ring_t *r, blkif_request_t *req)
{
	return RING_CHECKED_NEXT_REQUEST(r, req);
}

void blkif_back_respond(blkif_back_ring_t *r, uint64_t id, uint8_t op, int16_t status)
{
	blkif_response_t *rsp = RING_GET_RESPONSE(r, r->rsp_prod_pvt);

	rsp->id = id;
	rsp->operation = op;
	rsp->status = status;
	r->rsp_prod_pvt++;
}

bool blkif_back_push(blkif_back_ring_t *r)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(r, notify);
	return notify;
}

bool blkif_back_final_check(blkif_back_ring_t *r)
{
	RING_IDX prod;

	/* Not RING_FINAL_CHECK_FOR_REQUESTS: its unchecked difference would
	 * call a rewound req_prod "work"; blkif_back_next judges it instead. */
	r->sring->req_event = r->req_cons + 1;
	xen_mb();
	prod = __atomic_load_n(&r->sring->req_prod, __ATOMIC_ACQUIRE);
	return prod != r->req_cons;
}

/* Segments of a read or write: 1..BLKIF_MAX_SEGMENTS_PER_REQUEST, each
 * within its page. */
static enum blkif_why rw_check(const blkif_request_t *req, uint64_t *nr_sects)
{
	uint64_t n = 0;

	if (req->nr_segments == 0 || req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return BLKIF_WHY_NSEG;
	for (unsigned int i = 0; i < req->nr_segments; i++) {
		const struct blkif_request_segment *s = &req->seg[i];

		if (s->last_sect >= BLKIF_SECTORS_PER_PAGE || s->last_sect < s->first_sect)
			return BLKIF_WHY_SECTS;
		n += (uint64_t)(s->last_sect - s->first_sect + 1);
	}
	*nr_sects = n;
	return BLKIF_WHY_NONE;
}

/* sector + n must not wrap and must end within the disk. */
static bool in_disk(uint64_t sector, uint64_t n, uint64_t sectors)
{
	return sector + n >= sector && sector + n <= sectors;
}

static enum blkif_why judge(const blkif_request_t *req, uint64_t sectors, bool readonly,
			    uint64_t *nr_sects)
{
	const blkif_request_discard_t *d = (const blkif_request_discard_t *)req;
	enum blkif_why w;

	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (req->operation == BLKIF_OP_WRITE && readonly)
			return BLKIF_WHY_READ_ONLY;
		w = rw_check(req, nr_sects);
		if (w == BLKIF_WHY_NONE && !in_disk(req->sector_number, *nr_sects, sectors))
			w = BLKIF_WHY_PAST_END;
		return w;
	case BLKIF_OP_FLUSH_DISKCACHE:
		/* Linux's blkback turns a flush into a write: refused when read-only. */
		if (readonly)
			return BLKIF_WHY_READ_ONLY;
		return req->nr_segments ? BLKIF_WHY_FLUSH_SEGS : BLKIF_WHY_NONE;
	case BLKIF_OP_DISCARD:
		if (readonly)
			return BLKIF_WHY_READ_ONLY;
		if (!in_disk(d->sector_number, d->nr_sectors, sectors))
			return BLKIF_WHY_PAST_END;
		*nr_sects = d->nr_sectors;
		return BLKIF_WHY_NONE;
	default:
		return BLKIF_WHY_OP;
	}
}

int blkif_req_check(const blkif_request_t *req, uint64_t sectors, bool readonly,
		    uint64_t *nr_sects, enum blkif_why *why)
{
	enum blkif_why w;

	*nr_sects = 0;
	w = judge(req, sectors, readonly, nr_sects);
	if (w != BLKIF_WHY_NONE)
		*nr_sects = 0;
	if (why)
		*why = w;
	if (w == BLKIF_WHY_NONE)
		return BLKIF_RSP_OKAY;
	return w == BLKIF_WHY_OP ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
}

int blkif_front_next(blkif_front_ring_t *r, blkif_response_t *rsp)
{
	return RING_CHECKED_NEXT_RESPONSE(r, rsp);
}

bool blkif_front_push(blkif_front_ring_t *r)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(r, notify);
	return notify;
}

bool blkif_front_final_check(blkif_front_ring_t *r)
{
	int more;

	RING_FINAL_CHECK_FOR_RESPONSES(r, more);
	return more;
}
