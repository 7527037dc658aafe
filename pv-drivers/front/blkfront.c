/*
 * blkfront.c - the guest's block frontend (see blkfront.h).  One page of
 * ring; each request's id is its slot, so a response naming a slot that
 * is not waiting is a protocol error, never an index into memory.
 */
#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>
#include <ketch-guest/xenbus.h>
#include <xen/io/protocols.h>

#include "../common/blkif_ring.h"
#include "blkfront.h"
#include "front_xenbus.h"

#define SEGS BLKIF_MAX_SEGMENTS_PER_REQUEST

struct slot {
	int busy;
	uint8_t op;
	int16_t status;
	unsigned int nref;
	grant_ref_t ref[SEGS];
	unsigned long gpfn[SEGS]; /* the pages granted, to grant again after a reconnect */
	blkif_request_t req;      /* as queued, to queue again after a reconnect */
};

/* How often a wait for responses looks at the backend's state. */
#define CHECK_NS (200 * 1000000ULL)

struct blkfront {
	struct front_dev xb;
	blkif_front_ring_t ring;
	grant_ref_t ring_ref;
	evtchn_port_t port;
	struct blkfront_info info;
	struct slot slot[BLKIF_RING_ENTRIES];
	unsigned int pending;
	int broken;
	unsigned int reconnects; /* backend restarts survived */
};

static int reconnect(struct blkfront *d);
static void kick(struct blkfront *d);
static XenbusState backend_state(struct blkfront *d);

/* Waiting is done on the ring itself (events_block_until): no work here. */
static void on_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
}

static long path_long(const char *dir, const char *name, long def)
{
	char p[160];
	long v;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return xenbus_read_integer(XBT_NIL, p, &v) ? def : v;
}

int blkfront_discover(unsigned int *devids, unsigned int max, unsigned int *n)
{
	return front_discover("vbd", devids, max, n);
}

const struct blkfront_info *blkfront_get_info(const struct blkfront *dev)
{
	return &dev->info;
}

/* ---- handshake ---------------------------------------------------------- */

/* Publish ring-ref, event-channel, protocol and Initialised together. */
static int publish(xenbus_transaction_t t, void *arg)
{
	struct blkfront *d = arg;
	char p[96];
	int r;

	if ((r = front_write_uint(&d->xb, t, "ring-ref", d->ring_ref)) ||
	    (r = front_write_uint(&d->xb, t, "event-channel", d->port)))
		return r;
	snprintf(p, sizeof(p), "%s/protocol", d->xb.fe);
	if ((r = xenbus_write(t, p, XEN_IO_PROTO_ABI_NATIVE)))
		return r;
	return front_switch_state(&d->xb, t, XenbusStateInitialised);
}

/* A fresh ring on page s, granted to the backend, and a fresh port. */
static int init_ring(struct blkfront *d, blkif_sring_t *s)
{
	int ref;

	memset(s, 0, 4096);
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&d->ring, s, 4096);
	ref = gnttab_grant_access(d->xb.be_id, virt_to_pfn(s), 0);
	if (ref < 0)
		return ref;
	d->ring_ref = (grant_ref_t)ref;
	return evtchn_alloc_unbound(d->xb.be_id, on_event, d, &d->port);
}

static int setup_ring(struct blkfront *d)
{
	blkif_sring_t *s = alloc_page();

	return s ? init_ring(d, s) : -XEN_ENOMEM;
}

/* Read the backend's state until it is want (others are passed through). */
static int poll_backend(struct blkfront *d, XenbusState want)
{
	uint64_t deadline = now_ns() + d->xb.timeout_ns;

	while (backend_state(d) != want) {
		if (now_ns() >= deadline)
			return -XEN_ETIME;
		events_block_until(NULL, NULL, now_ns() + CHECK_NS / 4);
	}
	return 0;
}

/* Queue every request that has no response yet again, with new grants. */
static int requeue(struct blkfront *d)
{
	for (unsigned int i = 0; i < BLKIF_RING_ENTRIES; i++) {
		struct slot *s = &d->slot[i];
		blkif_request_t *q;

		if (s->busy != 1)
			continue;
		q = RING_GET_REQUEST(&d->ring, d->ring.req_prod_pvt);
		*q = s->req;
		for (unsigned int k = 0; k < s->nref; k++) {
			int ref = gnttab_grant_access(d->xb.be_id, s->gpfn[k],
						      s->op == BLKIF_OP_WRITE);

			if (ref < 0)
				return ref;
			s->ref[k] = (grant_ref_t)ref;
			q->seg[k].gref = (grant_ref_t)ref;
		}
		s->req = *q;
		d->ring.req_prod_pvt++;
	}
	kick(d);
	return 0;
}

static void read_info(struct blkfront *d)
{
	d->info.sectors = (uint64_t)path_long(d->xb.be, "sectors", 0);
	d->info.sector_size = (unsigned int)path_long(d->xb.be, "sector-size", BLKIF_SECTOR);
	d->info.info = (unsigned int)path_long(d->xb.be, "info", 0);
	d->info.flush = path_long(d->xb.be, "feature-flush-cache", 0) == 1;
	d->info.discard = path_long(d->xb.be, "feature-discard", 0) == 1;
}

int blkfront_open(unsigned int devid, uint64_t timeout_ns, struct blkfront **dev)
{
	struct blkfront *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -XEN_ENOMEM;
	d->xb.timeout_ns = timeout_ns;
	if ((r = front_find_backend(&d->xb, "vbd", devid)) ||
	    (r = front_wait_backend(&d->xb, XenbusStateInitWait)) ||
	    (r = setup_ring(d)) || (r = xenbus_transaction_retry(publish, d, 10)) ||
	    (r = front_wait_backend(&d->xb, XenbusStateConnected))) {
		printk("blkfront %u: handshake failed (%d)\n", devid, r);
		return r; /* d and its ring stay: the backend may still hold them */
	}
	read_info(d);
	if (d->info.sector_size != BLKIF_SECTOR) {
		printk("blkfront %u: sector size %u not handled\n", devid, d->info.sector_size);
		return -XEN_EOPNOTSUPP;
	}
	if ((r = front_switch_state(&d->xb, XBT_NIL, XenbusStateConnected)))
		return r;
	*dev = d;
	return 0;
}

/*
 * The backend went away with our requests (its process was restarted):
 * what it held is released by force (a dead process cannot give it back),
 * then the handshake runs again on the same ring page and the unanswered
 * requests are queued again.  Replaying a write or a flush is harmless.
 */
static int reconnect(struct blkfront *d)
{
	XenbusState was = backend_state(d);
	int r;

	printk("blkfront %s: backend state %d, not Connected: reconnecting\n", d->xb.fe, was);
	gnttab_end_access_force(d->ring_ref);
	evtchn_close(d->port);
	for (unsigned int i = 0; i < BLKIF_RING_ENTRIES; i++)
		for (unsigned int k = 0; d->slot[i].busy == 1 && k < d->slot[i].nref; k++)
			gnttab_end_access_force(d->slot[i].ref[k]);
	if ((r = front_switch_state(&d->xb, XBT_NIL, XenbusStateInitialising)) ||
	    (r = poll_backend(d, XenbusStateInitWait)) || (r = init_ring(d, d->ring.sring)) ||
	    (r = xenbus_transaction_retry(publish, d, 10)) ||
	    (r = poll_backend(d, XenbusStateConnected)) ||
	    (r = front_switch_state(&d->xb, XBT_NIL, XenbusStateConnected)) || (r = requeue(d))) {
		printk("blkfront %s: reconnect failed (%d)\n", d->xb.fe, r);
		return r;
	}
	d->reconnects++;
	printk("blkfront %s: reconnected (%u); %u requests queued again\n", d->xb.fe,
	       d->reconnects, d->pending);
	return 0;
}

int blkfront_close(struct blkfront *d)
{
	int r = front_leave(&d->xb);

	if (r)
		return r;
	/* A toolstack detaching the disk writes the backend's Closing itself,
	 * so the backend may still be letting go of the ring: give it time. */
	for (uint64_t end = now_ns() + d->xb.timeout_ns;
	     (r = gnttab_end_access(d->ring_ref)) == -XEN_EBUSY && now_ns() < end;)
		events_block_until(NULL, NULL, now_ns() + CHECK_NS / 20);
	if (r)
		return r; /* still mapped by the backend: the page must stay */
	evtchn_close(d->port);
	free_pages(d->ring.sring, 1);
	free(d);
	return 0;
}

/* ---- requests ----------------------------------------------------------- */

static int has_responses(void *arg)
{
	struct blkfront *d = arg;

	return blkif_front_final_check(&d->ring);
}

/* Take every response; a bad index or id breaks the device. */
static void take_responses(struct blkfront *d)
{
	blkif_response_t rsp;
	int got;

	while (!d->broken && (got = blkif_front_next(&d->ring, &rsp)) == 1) {
		struct slot *s = rsp.id < BLKIF_RING_ENTRIES ? &d->slot[rsp.id] : NULL;

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

static XenbusState backend_state(struct blkfront *d)
{
	return (XenbusState)path_long(d->xb.be, "state", XenbusStateUnknown);
}

/*
 * Wait for every request's response.  Each 200 ms without one the
 * backend's state is read: a backend that restarted (Closed or InitWait
 * where it was Connected) gets a new ring and the requests again.
 */
static int wait_pending(struct blkfront *d)
{
	uint64_t deadline = now_ns() + d->xb.timeout_ns;

	while (d->pending && !d->broken) {
		uint64_t slice = now_ns() + CHECK_NS;
		int r;

		take_responses(d);
		if (!d->pending || d->broken)
			break;
		if (!events_block_until(has_responses, d, slice < deadline ? slice : deadline))
			continue;
		if (now_ns() >= deadline) {
			d->broken = 1; /* its slots and pages may still be in use */
			return -XEN_ETIME;
		}
		if (backend_state(d) != XenbusStateConnected) {
			if ((r = reconnect(d))) {
				d->broken = 1;
				return r;
			}
			deadline = now_ns() + d->xb.timeout_ns;
		}
	}
	return d->broken ? -XEN_EBADMSG : 0;
}

static void kick(struct blkfront *d)
{
	if (blkif_front_push(&d->ring))
		evtchn_send(d->port);
}

/* Revoke the grants a slot holds; -XEN_EBADMSG if the backend keeps one. */
static int revoke(struct slot *s)
{
	int r = 0;

	for (unsigned int i = 0; i < s->nref; i++)
		if (gnttab_end_access(s->ref[i]))
			r = -XEN_EBADMSG; /* still in use after its response */
	s->nref = 0;
	return r;
}

/* Grant the pages of nsect sectors at buf into slot s and request q. */
static int grant_pages(struct blkfront *d, struct slot *s, blkif_request_t *q, char *buf,
		       unsigned int nsect)
{
	for (unsigned int done = 0; done < nsect; s->nref++) {
		unsigned int n = nsect - done < 8 ? nsect - done : 8;
		unsigned long gpfn = virt_to_pfn(buf + done * BLKIF_SECTOR);
		int ref = gnttab_grant_access(d->xb.be_id, gpfn, q->operation == BLKIF_OP_WRITE);

		if (ref < 0) {
			revoke(s);
			return ref;
		}
		q->seg[s->nref] = (struct blkif_request_segment){
			.gref = (grant_ref_t)ref, .first_sect = 0, .last_sect = (uint8_t)(n - 1) };
		s->ref[s->nref] = (grant_ref_t)ref;
		s->gpfn[s->nref] = gpfn;
		done += n;
	}
	q->nr_segments = (uint8_t)s->nref;
	return 0;
}

/* Queue slot i's request: op on nsect (<= 88) sectors at sector from buf. */
static int queue(struct blkfront *d, unsigned int i, uint8_t op, uint64_t sector, char *buf,
		 unsigned int nsect)
{
	blkif_request_t *q = RING_GET_REQUEST(&d->ring, d->ring.req_prod_pvt);
	struct slot *s = &d->slot[i];
	int r;

	memset(q, 0, sizeof(*q));
	q->operation = op;
	q->id = i;
	q->sector_number = sector;
	*s = (struct slot){ .busy = 1, .op = op };
	if ((r = grant_pages(d, s, q, buf, nsect))) {
		s->busy = 0;
		return r;
	}
	s->req = *q;
	d->ring.req_prod_pvt++;
	d->pending++;
	return 0;
}

/* Revoke slot i's grants; its status as an errno. */
static int finish(struct slot *s)
{
	int r = s->status == BLKIF_RSP_OKAY ? 0 :
		s->status == BLKIF_RSP_EOPNOTSUPP ? -XEN_EOPNOTSUPP : -XEN_EIO;
	int e = revoke(s);

	s->busy = 0;
	return e ? e : r;
}

/* One batch: up to a ring of requests, one push, wait for all. */
static int rw_batch(struct blkfront *d, uint8_t op, uint64_t sector, char *buf,
		    unsigned int nsect, unsigned int *done)
{
	unsigned int n = 0, per = SEGS * 8;
	int q = 0, r, e;

	for (*done = 0; *done < nsect && n < BLKIF_RING_ENTRIES; n++) {
		unsigned int k = nsect - *done < per ? nsect - *done : per;

		if ((q = queue(d, n, op, sector + *done, buf + (uint64_t)*done * BLKIF_SECTOR, k)))
			break; /* out of grant references: send what is queued */
		*done += k;
	}
	kick(d);
	r = wait_pending(d);
	/* After a timeout the backend may still use the pages: keep them. */
	for (unsigned int i = 0; i < n && !r; i++)
		if ((e = finish(&d->slot[i])) && !q)
			q = e;
	return r ? r : q;
}

static int rw(struct blkfront *d, uint8_t op, uint64_t sector, char *buf, unsigned int nsect)
{
	unsigned int done;
	int r = 0;

	if (d->broken)
		return -XEN_EBADMSG;
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

/* A request without segments (flush, discard) in slot 0, waited for. */
static int single(struct blkfront *d, blkif_request_t *q)
{
	int r;

	q->id = 0;
	d->slot[0] = (struct slot){ .busy = 1, .op = q->operation, .req = *q };
	d->ring.req_prod_pvt++;
	d->pending++;
	kick(d);
	r = wait_pending(d);
	return r ? r : finish(&d->slot[0]);
}

int blkfront_flush(struct blkfront *d)
{
	blkif_request_t *q;

	if (d->broken)
		return -XEN_EBADMSG;
	if (!d->info.flush)
		return -XEN_EOPNOTSUPP;
	q = RING_GET_REQUEST(&d->ring, d->ring.req_prod_pvt);
	memset(q, 0, sizeof(*q));
	q->operation = BLKIF_OP_FLUSH_DISKCACHE;
	return single(d, q);
}

int blkfront_discard(struct blkfront *d, uint64_t sector, uint64_t nsect)
{
	blkif_request_t *req;
	blkif_request_discard_t *q;

	if (d->broken)
		return -XEN_EBADMSG;
	if (!d->info.discard)
		return -XEN_EOPNOTSUPP;
	req = RING_GET_REQUEST(&d->ring, d->ring.req_prod_pvt);
	memset(req, 0, sizeof(*req));
	q = (blkif_request_discard_t *)req;
	q->operation = BLKIF_OP_DISCARD;
	q->sector_number = sector;
	q->nr_sectors = nsect;
	return single(d, req);
}
