/* blkif_ring.c - both ends of the block ring (see blkif_ring.h). */
#include "blkif_ring.h"
#include "ring_check.h"

/* memset: the C library's on the host, the guest kit's in a guest. */
#if __STDC_HOSTED__
#include <string.h>
#else
#include <ketch-guest/string.h>
#endif

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

/* Each segment within its page; their sectors added into *nr_sects. */
static enum blkif_why segs_judge(const struct blkif_request_segment *seg, unsigned int n,
				 uint64_t *nr_sects)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (seg[i].last_sect >= BLKIF_SECTORS_PER_PAGE || seg[i].last_sect < seg[i].first_sect)
			return BLKIF_WHY_SECTS;
		total += (uint64_t)(seg[i].last_sect - seg[i].first_sect + 1);
	}
	*nr_sects = total;
	return BLKIF_WHY_NONE;
}

/* sector + n must not wrap and must end within the disk. */
static bool in_disk(uint64_t sector, uint64_t n, uint64_t sectors)
{
	return sector + n >= sector && sector + n <= sectors;
}

static enum blkif_why segs_why(const struct blkif_request_segment *seg, unsigned int n,
			       uint64_t sector, uint64_t sectors, uint64_t *nr_sects)
{
	enum blkif_why w = segs_judge(seg, n, nr_sects);

	if (w == BLKIF_WHY_NONE && !in_disk(sector, *nr_sects, sectors))
		w = BLKIF_WHY_PAST_END;
	return w;
}

/* An indirect request's header (its segments are judged once fetched). */
static enum blkif_why indirect_judge(const blkif_request_t *req, bool readonly,
				     unsigned int max_indirect)
{
	const blkif_request_indirect_t *ind = (const blkif_request_indirect_t *)req;

	if (!max_indirect)
		return BLKIF_WHY_OP;
	if (ind->indirect_op != BLKIF_OP_READ && ind->indirect_op != BLKIF_OP_WRITE)
		return BLKIF_WHY_INDIRECT_OP;
	if (ind->indirect_op == BLKIF_OP_WRITE && readonly)
		return BLKIF_WHY_READ_ONLY;
	if (ind->nr_segments == 0 || ind->nr_segments > max_indirect)
		return BLKIF_WHY_NSEG;
	return BLKIF_WHY_NONE;
}

static enum blkif_why judge(const blkif_request_t *req, uint64_t sectors, bool readonly,
			    unsigned int max_indirect, uint64_t *nr_sects)
{
	const blkif_request_discard_t *d = (const blkif_request_discard_t *)req;

	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (req->operation == BLKIF_OP_WRITE && readonly)
			return BLKIF_WHY_READ_ONLY;
		if (req->nr_segments == 0 || req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return BLKIF_WHY_NSEG;
		return segs_why(req->seg, req->nr_segments, req->sector_number, sectors, nr_sects);
	case BLKIF_OP_INDIRECT:
		return indirect_judge(req, readonly, max_indirect);
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

static int verdict(enum blkif_why w, uint64_t *nr_sects, enum blkif_why *why)
{
	if (w != BLKIF_WHY_NONE)
		*nr_sects = 0;
	if (why)
		*why = w;
	if (w == BLKIF_WHY_NONE)
		return BLKIF_RSP_OKAY;
	return w == BLKIF_WHY_OP ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
}

int blkif_req_check_ind(const blkif_request_t *req, uint64_t sectors, bool readonly,
			unsigned int max_indirect, uint64_t *nr_sects, enum blkif_why *why)
{
	*nr_sects = 0;
	return verdict(judge(req, sectors, readonly, max_indirect, nr_sects), nr_sects, why);
}

int blkif_req_check(const blkif_request_t *req, uint64_t sectors, bool readonly,
		    uint64_t *nr_sects, enum blkif_why *why)
{
	return blkif_req_check_ind(req, sectors, readonly, 0, nr_sects, why);
}

int blkif_segs_check(const struct blkif_request_segment *seg, unsigned int n, uint64_t sector,
		     uint64_t sectors, uint64_t *nr_sects, enum blkif_why *why)
{
	*nr_sects = 0;
	return verdict(segs_why(seg, n, sector, sectors, nr_sects), nr_sects, why);
}

uint8_t blkif_rsp_op(const blkif_request_t *req)
{
	if (req->operation == BLKIF_OP_INDIRECT)
		return ((const blkif_request_indirect_t *)req)->indirect_op;
	return req->operation;
}

int blkif_front_next(blkif_front_ring_t *r, blkif_response_t *rsp)
{
	return RING_CHECKED_NEXT_RESPONSE(r, rsp);
}

void blkif_indirect_init(blkif_request_t *req, uint8_t op, uint16_t nseg, uint64_t id,
			 uint64_t sector, const grant_ref_t *pages)
{
	blkif_request_indirect_t *ind = (blkif_request_indirect_t *)req;
	unsigned int n = BLKIF_INDIRECT_PAGES(nseg);

	memset(req, 0, sizeof(*req));
	ind->operation = BLKIF_OP_INDIRECT;
	ind->indirect_op = op;
	ind->nr_segments = nseg;
	ind->id = id;
	ind->sector_number = sector;
	for (unsigned int i = 0; i < n && i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		ind->indirect_grefs[i] = pages[i];
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
