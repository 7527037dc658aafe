/*
 * pv_fuzz_blkback - ketch-blkback's request consumer and I/O preparation
 * (pv-drivers/back/blkback_io.c, with the real ring code of
 * pv-drivers/common/blkif_ring.c) against a hostile frontend.  Below it: a
 * fake grant table that lets the backend map only the (domid 0, ref)
 * pairs the input grants, and a fake image that checks and touches every
 * prepared operation instead of doing it.
 *
 * The bytes: a header (starting ring index 4, disk sectors 4, flags 1:
 * read-only, size shift 4 bits, persistent grants; grants 1 + 5 each:
 * ref 4, flags 1: read-only, granted to another domain), then commands
 * (1 byte each, then their own bytes): publish (req_prod relative to the
 * start 2, first slot 1, slots 1, then whole requests' raw bytes; the
 * backend is kicked), complete one operation in flight (which 1, how 1:
 * in full, EIO, short, EOPNOTSUPP), complete them all, fill a granted
 * page (which 1, offset 2, length 1, bytes: indirect segments).  At the
 * end every operation completes.
 *
 * Checked (abort): a segment is only ever a granted page mapped with the
 * right access, within it and held for the operation; an operation stays
 * inside the image; an indirect page is only read through its grant,
 * and its segments are judged like direct ones; a refused index really is impossible; nothing is taken
 * past req_prod or beyond a ring of unanswered requests; every request
 * taken gets exactly one response, with its id and op and a valid status
 * (BLKIF_RSP_EOPNOTSUPP for an unknown op, the checks' refusal for a bad
 * request); in the end no grant is left mapped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../pv-drivers/back/blkback.h"

#define NGNT 8      /* grants a frontend gives, at most */
#define NPEND 64    /* operations in flight, at most (a ring's worth) */
#define NOUT 64     /* requests taken and not yet answered, at most */

struct fake_gnt {
	grant_ref_t ref;
	bool ro, foreign;  /* read-only; granted to another domain, not us */
	bool rw_mapped;    /* the first mapping was writable */
	unsigned int maps;
	uint8_t *page;
};

static struct fake_gnt gnt[NGNT];
static unsigned int ngnt;
static union {
	blkif_sring_t s;
	uint8_t page[4096];
} sh;
static struct bb b;
static RING_IDX published;                   /* the frontend's req_prod */
static struct bb_req *pend[NPEND];           /* started, not completed */
static unsigned int npend;
static blkif_request_t out[NOUT];            /* taken, not answered */
static unsigned int nout;
static volatile uint8_t sink;
static struct bb_req reqs[BLKIF_RING_ENTRIES]; /* queue 0's slots */

/* ---- the fake grant table (libketchgnt's kgnt_map and kgnt_unmap) ---- */

static struct fake_gnt *find_gnt(grant_ref_t ref)
{
	for (unsigned int i = 0; i < ngnt; i++)
		if (gnt[i].ref == ref)
			return &gnt[i];
	return NULL;
}

void *kgnt_map(struct kgnt *g, grant_ref_t ref, bool writable, int16_t *status)
{
	struct fake_gnt *e = find_gnt(ref);

	(void)g;
	if (!e) {
		*status = GNTST_bad_gntref;
		return NULL;
	}
	if (e->foreign) {
		*status = GNTST_permission_denied;
		return NULL;
	}
	if (writable && (e->ro || (e->maps && !e->rw_mapped))) {
		*status = GNTST_general_error; /* as libketchgnt: no upgrade */
		return NULL;
	}
	if (e->maps++ == 0)
		e->rw_mapped = writable;
	*status = GNTST_okay;
	return e->page;
}

int16_t kgnt_unmap(struct kgnt *g, grant_ref_t ref)
{
	struct fake_gnt *e = find_gnt(ref);

	(void)g;
	if (!e || e->foreign || e->maps == 0)
		abort(); /* unmapped what it never mapped */
	e->maps--;
	return GNTST_okay;
}

void bk_log(const char *fmt, ...)
{
	(void)fmt;
}

/* ---- the ring, seen from the frontend -------------------------------- */

int __real_blkif_back_next(blkif_back_ring_t *r, blkif_request_t *req);
int __wrap_blkif_back_next(blkif_back_ring_t *r, blkif_request_t *req);
void __real_blkif_back_respond(blkif_back_ring_t *r, uint64_t id, uint8_t op, int16_t status);
void __wrap_blkif_back_respond(blkif_back_ring_t *r, uint64_t id, uint8_t op, int16_t status);

/* A request taken: never past req_prod, never more than a ring unanswered. */
int __wrap_blkif_back_next(blkif_back_ring_t *r, blkif_request_t *req)
{
	RING_IDX before = r->req_cons;
	int got = __real_blkif_back_next(r, req);

	if (got < 0 && (RING_IDX)(published - r->rsp_prod_pvt) <= RING_SIZE(r) &&
	    (RING_IDX)(published - r->req_cons) <= RING_SIZE(r))
		abort(); /* refused a possible index */
	if (got != 1)
		return got;
	if ((RING_IDX)(published - before) == 0 ||
	    (RING_IDX)(published - before) > RING_SIZE(r) ||
	    (RING_IDX)(r->req_cons - r->rsp_prod_pvt) > RING_SIZE(r) || nout == NOUT)
		abort(); /* past what was published, or more than the ring holds */
	out[nout++] = *req;
	return got;
}

/* The status a taken request may get. */
static bool status_ok(const blkif_request_t *q, int16_t status)
{
	uint64_t n;
	int want = blkif_req_check_ind(q, b.sectors, b.readonly, BB_MAX_SEGS, &n, NULL);

	if (want != BLKIF_RSP_OKAY)
		return status == want;
	return status == BLKIF_RSP_OKAY || status == BLKIF_RSP_ERROR ||
	       status == BLKIF_RSP_EOPNOTSUPP;
}

/*
 * The request taken a response answers.  Ids may repeat, so a request the
 * checks refuse (whose status is fixed) is preferred to one they accept
 * (which may get any status): that order never leaves a later response
 * without its request.  nout if none.
 */
static unsigned int match(uint64_t id, uint8_t op, int16_t status)
{
	uint64_t n;

	for (int pass = 0; pass < 2; pass++)
		for (unsigned int i = 0; i < nout; i++) {
			bool fixed = blkif_req_check_ind(&out[i], b.sectors, b.readonly, BB_MAX_SEGS,
							 &n, NULL) != BLKIF_RSP_OKAY;

			if (out[i].id == id && blkif_rsp_op(&out[i]) == op && fixed == !pass &&
			    status_ok(&out[i], status))
				return i;
		}
	return nout;
}

/* Each response answers exactly one request taken, with its id and op. */
void __wrap_blkif_back_respond(blkif_back_ring_t *r, uint64_t id, uint8_t op, int16_t status)
{
	unsigned int i;

	i = match(id, op, status);
	if (i == nout)
		abort(); /* a response to no request, a second one, or a wrong status */
	out[i] = out[--nout];
	__real_blkif_back_respond(r, id, op, status);
}

/* ---- the fake image ---------------------------------------------------- */

static bool bb_persistent(void)
{
	return b.conn.persistent;
}

/* The granted page a segment lies in, mapped as the operation needs. */
static void check_segment(const struct bb_req *r, unsigned int i, bool into)
{
	struct fake_gnt *e = find_gnt(r->ref[i]);
	uint8_t *p = r->iov[i].iov_base;
	size_t len = r->iov[i].iov_len;

	if (!e || e->foreign || e->maps == 0 || (into && (e->ro || !e->rw_mapped)) ||
	    (bb_persistent() && !e->rw_mapped))
		abort(); /* not a page granted to us, not held, or read-only */
	if (p < e->page || len == 0 || len % BLKIF_SECTOR ||
	    (size_t)(p - e->page) + len > 4096)
		abort(); /* outside its page */
	if (into) {
		memset(p, 0xa5, len); /* ASan: every byte is ours to write */
	} else {
		for (size_t k = 0; k < len; k++)
			sink += p[k]; /* ASan: every byte is ours to read */
	}
}

static void disk_start(struct bb *bb, struct bb_req *r)
{
	uint64_t image = bb->sectors * BLKIF_SECTOR, total = 0;
	bool rw = r->op == BLKIF_OP_READ || r->op == BLKIF_OP_WRITE;

	if (!r->busy || npend == NPEND || r->off + r->len < r->off || r->off + r->len > image)
		abort(); /* a free slot, too many, or outside the image */
	if (!rw && (r->nseg || bb->readonly ||
		    (r->op != BLKIF_OP_FLUSH_DISKCACHE && r->op != BLKIF_OP_DISCARD)))
		abort();
	if (rw) {
		if (r->nseg == 0 || r->nseg > BB_MAX_SEGS ||
		    (r->op == BLKIF_OP_WRITE && bb->readonly) || r->off % BLKIF_SECTOR)
			abort();
		for (unsigned int i = 0; i < r->nseg; i++) {
			check_segment(r, i, r->op == BLKIF_OP_READ);
			total += r->iov[i].iov_len;
		}
		if (total != r->len || r->bytes != r->len)
			abort(); /* the iovec and the length checked disagree */
	}
	for (unsigned int i = 0; i < npend; i++)
		if (pend[i] == r)
			abort(); /* one slot, two operations */
	pend[npend++] = r;
}

static void disk_submit(struct bb *bb)
{
	(void)bb;
}

/* The disk layer the consumer sees: operations are held in pend[] and
 * completed by the fuzzer's input (complete()). */
static const struct bb_disk_ops fuzz_disk = { .start = disk_start, .submit = disk_submit };

/* ---- driving it --------------------------------------------------------- */

static void work(void)
{
	for (int i = 0; i < 4 && b.connected; i++) {
		if (!bb_ring_work(&b))
			b.connected = false; /* the process disconnects; drained below */
		if (!b.more)
			break;
	}
}

static void complete(unsigned int which, unsigned int how)
{
	struct bb_req *r = pend[which];
	int res;

	pend[which] = pend[--npend];
	switch (how % 4) {
	case 0: res = (int)r->bytes; break;
	case 1: res = -EIO; break;
	case 2: res = (int)(r->bytes / 2); break;
	default: res = -EOPNOTSUPP; break;
	}
	bb_io_done(&b, r, res);
}

static void complete_all(void)
{
	while (npend)
		complete(0, 0);
	bb_ring_push(&b);
}

/* Publish: req_prod and whole requests' raw bytes from a slot on. */
static size_t publish(RING_IDX start, const uint8_t *d, size_t n)
{
	uint16_t step;
	size_t at = 4;

	if (n < 4)
		return n;
	memcpy(&step, d, 2);
	for (unsigned int k = 0; k < d[3] % 5 && at < n; k++) {
		size_t len = n - at < sizeof(blkif_request_t) ? n - at : sizeof(blkif_request_t);

		memcpy(RING_GET_REQUEST(&b.q[0].ring, d[2] + k), d + at, len);
		at += len;
	}
	published = start + step;
	sh.s.req_prod = published;
	return at;
}

/* Fill a granted page (an indirect request's segments, say). */
static size_t fill_page(const uint8_t *d, size_t n)
{
	uint16_t off;
	size_t len;

	if (n < 4 || ngnt == 0)
		return n;
	memcpy(&off, d + 1, 2);
	off %= 4096;
	len = d[3];
	if (len > n - 4)
		len = n - 4;
	if (len > 4096u - off)
		len = 4096u - off;
	memcpy(gnt[d[0] % ngnt].page + off, d + 4, len);
	return 4 + len;
}

static size_t setup(const uint8_t *d, size_t n, RING_IDX *start)
{
	uint32_t sectors;
	size_t at;

	if (n < 10)
		return 0;
	memcpy(start, d, 4);
	memcpy(&sectors, d + 4, 4);
	memset(&sh, 0, sizeof(sh));
	SHARED_RING_INIT(&sh.s);
	b = (struct bb){ .disk = &fuzz_disk, .readonly = d[8] & 1, .connected = true,
			 .sectors = (uint64_t)sectors << ((d[8] >> 1) & 15),
			 .conn = { .nr_pages = 1, .nr_queues = 1, .persistent = d[8] & 0x20 } };
	memset(reqs, 0, sizeof(reqs));
	b.q[0] = (struct bb_queue){ .to_guest = -1, .req = reqs };
	BACK_RING_INIT(&b.q[0].ring, &sh.s, sizeof(sh));
	b.q[0].ring.req_cons = b.q[0].ring.rsp_prod_pvt = *start;
	sh.s.req_prod = sh.s.rsp_prod = published = *start;
	ngnt = d[9] % (NGNT + 1);
	at = 10;
	for (unsigned int i = 0; i < ngnt; i++, at += 5) {
		uint8_t *page = gnt[i].page;

		if (at + 5 > n)
			return 0;
		gnt[i] = (struct fake_gnt){ .ro = d[at + 4] & 1, .foreign = d[at + 4] & 2,
					    .page = page };
		memcpy(&gnt[i].ref, d + at, 4);
	}
	npend = nout = 0;
	return at;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (unsigned int i = 0; i < NGNT; i++)
		gnt[i].page = malloc(4096); /* ASan guards both ends */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	RING_IDX start;
	size_t at = setup(data, size, &start);

	if (at == 0)
		return 0;
	for (int cmd = 0; cmd < 64 && at < size && b.connected; cmd++) {
		uint8_t c = data[at++];

		if (c % 4 == 0) {
			at += publish(start, data + at, size - at);
			work();
		} else if (c % 4 == 1 && npend && at + 2 <= size) {
			complete(data[at] % npend, data[at + 1]);
			at += 2;
			bb_ring_push(&b);
			work(); /* as bb_io_complete: slots were freed */
		} else if (c % 4 == 2) {
			complete_all();
			work();
		} else if (c % 4 == 3) {
			at += fill_page(data + at, size - at);
		}
	}
	complete_all(); /* bb_io_drain, as a disconnect does */
	if (nout || b.q[0].ring.rsp_prod_pvt != b.q[0].ring.req_cons)
		abort(); /* a request taken and never answered */
	for (unsigned int i = 0; i < ngnt; i++)
		if (gnt[i].maps)
			abort(); /* a grant left mapped */
	return 0;
}
