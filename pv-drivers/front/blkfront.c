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

#define SEGS BLKIF_MAX_SEGMENTS_PER_REQUEST

struct slot {
	int busy;
	uint8_t op;
	int16_t status;
	unsigned int nref;
	grant_ref_t ref[SEGS];
};

struct blkfront {
	char fe[64], be[128];
	domid_t be_id;
	uint64_t timeout_ns;
	blkif_front_ring_t ring;
	grant_ref_t ring_ref;
	evtchn_port_t port;
	struct blkfront_info info;
	struct slot slot[BLKIF_RING_ENTRIES];
	unsigned int pending;
	int broken;
};

/* Waiting is done on the ring itself (events_block_until): no work here. */
static void on_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
}

static int path_read(const char *dir, const char *name, char **v)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return xenbus_read(XBT_NIL, p, v, NULL);
}

static long path_long(const char *dir, const char *name, long def)
{
	char p[160];
	long v;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return xenbus_read_integer(XBT_NIL, p, &v) ? def : v;
}

static int parse_uint(const char *s, unsigned int *v)
{
	unsigned long x = 0;

	if (!*s)
		return -XEN_EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > 0xffffffffUL / 10)
			return -XEN_EINVAL;
		x = x * 10 + (unsigned long)(*s - '0');
	}
	*v = (unsigned int)x;
	return 0;
}

int blkfront_discover(unsigned int *devids, unsigned int max, unsigned int *n)
{
	char **names;
	unsigned int count;
	int r = xenbus_directory(XBT_NIL, "device/vbd", &names, &count);

	*n = 0;
	if (r)
		return r;
	for (unsigned int i = 0; i < count && *n < max; i++)
		if (parse_uint(names[i], &devids[*n]) == 0)
			(*n)++;
	free(names);
	return 0;
}

const struct blkfront_info *blkfront_get_info(const struct blkfront *dev)
{
	return &dev->info;
}

/* ---- handshake ---------------------------------------------------------- */

static int wait_backend(struct blkfront *d, XenbusState want)
{
	char p[160];
	XenbusState got;

	snprintf(p, sizeof(p), "%s/state", d->be);
	return xenbus_wait_for_state(p, want, &got, now_ns() + d->timeout_ns);
}

static int switch_state(struct blkfront *d, xenbus_transaction_t t, XenbusState s)
{
	char p[96];

	snprintf(p, sizeof(p), "%s/state", d->fe);
	return xenbus_switch_state(t, p, s);
}

/* Publish ring-ref, event-channel, protocol and Initialised together. */
static int publish(xenbus_transaction_t t, void *arg)
{
	struct blkfront *d = arg;
	char p[96], v[16];
	int r;

	snprintf(p, sizeof(p), "%s/ring-ref", d->fe);
	snprintf(v, sizeof(v), "%u", d->ring_ref);
	if ((r = xenbus_write(t, p, v)))
		return r;
	snprintf(p, sizeof(p), "%s/event-channel", d->fe);
	snprintf(v, sizeof(v), "%u", d->port);
	if ((r = xenbus_write(t, p, v)))
		return r;
	snprintf(p, sizeof(p), "%s/protocol", d->fe);
	if ((r = xenbus_write(t, p, XEN_IO_PROTO_ABI_NATIVE)))
		return r;
	return switch_state(d, t, XenbusStateInitialised);
}

static int setup_ring(struct blkfront *d)
{
	blkif_sring_t *s = alloc_page();
	int ref;

	if (!s)
		return -XEN_ENOMEM;
	memset(s, 0, 4096);
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&d->ring, s, 4096);
	ref = gnttab_grant_access(d->be_id, virt_to_pfn(s), 0);
	if (ref < 0)
		return ref;
	d->ring_ref = (grant_ref_t)ref;
	return evtchn_alloc_unbound(d->be_id, on_event, d, &d->port);
}

static int find_backend(struct blkfront *d, unsigned int devid)
{
	char *be;
	long id;
	int r;

	snprintf(d->fe, sizeof(d->fe), "device/vbd/%u", devid);
	if ((r = path_read(d->fe, "backend", &be)))
		return r;
	snprintf(d->be, sizeof(d->be), "%s", be);
	free(be);
	id = path_long(d->fe, "backend-id", -1);
	if (id < 0 || id >= DOMID_FIRST_RESERVED)
		return -XEN_EINVAL;
	d->be_id = (domid_t)id;
	return 0;
}

static void read_info(struct blkfront *d)
{
	d->info.sectors = (uint64_t)path_long(d->be, "sectors", 0);
	d->info.sector_size = (unsigned int)path_long(d->be, "sector-size", BLKIF_SECTOR);
	d->info.info = (unsigned int)path_long(d->be, "info", 0);
	d->info.flush = path_long(d->be, "feature-flush-cache", 0) == 1;
	d->info.discard = path_long(d->be, "feature-discard", 0) == 1;
}

int blkfront_open(unsigned int devid, uint64_t timeout_ns, struct blkfront **dev)
{
	struct blkfront *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -XEN_ENOMEM;
	d->timeout_ns = timeout_ns;
	if ((r = find_backend(d, devid)) || (r = wait_backend(d, XenbusStateInitWait)) ||
	    (r = setup_ring(d)) || (r = xenbus_transaction_retry(publish, d, 10)) ||
	    (r = wait_backend(d, XenbusStateConnected))) {
		printk("blkfront %u: handshake failed (%d)\n", devid, r);
		return r; /* d and its ring stay: the backend may still hold them */
	}
	read_info(d);
	if (d->info.sector_size != BLKIF_SECTOR) {
		printk("blkfront %u: sector size %u not handled\n", devid, d->info.sector_size);
		return -XEN_EOPNOTSUPP;
	}
	if ((r = switch_state(d, XBT_NIL, XenbusStateConnected)))
		return r;
	*dev = d;
	return 0;
}

int blkfront_close(struct blkfront *d)
{
	int r = switch_state(d, XBT_NIL, XenbusStateClosing);
	int w = wait_backend(d, XenbusStateClosing);

	/* A backend already Closed answers -XEN_ENOTCONN: also gone. */
	if (!r && w && w != -XEN_ENOTCONN)
		r = w;
	if (!r)
		r = switch_state(d, XBT_NIL, XenbusStateClosed);
	if (r)
		return r;
	if ((r = gnttab_end_access(d->ring_ref)))
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

static int wait_pending(struct blkfront *d)
{
	uint64_t deadline = now_ns() + d->timeout_ns;

	while (d->pending && !d->broken) {
		take_responses(d);
		if (!d->pending || d->broken)
			break;
		if (events_block_until(has_responses, d, deadline)) {
			d->broken = 1; /* its slots and pages may still be in use */
			return -XEN_ETIME;
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
		int ref = gnttab_grant_access(d->be_id, virt_to_pfn(buf + done * BLKIF_SECTOR),
					      q->operation == BLKIF_OP_WRITE);

		if (ref < 0) {
			revoke(s);
			return ref;
		}
		q->seg[s->nref] = (struct blkif_request_segment){
			.gref = (grant_ref_t)ref, .first_sect = 0, .last_sect = (uint8_t)(n - 1) };
		s->ref[s->nref] = (grant_ref_t)ref;
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
	d->slot[0] = (struct slot){ .busy = 1, .op = q->operation };
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
