/*
 * blkfront.c - the guest's block frontend (see blkfront.h): the xenbus
 * handshake with its feature negotiation, as Linux's blkfront runs it,
 * closing, and starting over with a backend that restarted.  Requests
 * are blkfront_io.c's, rings and pool blkfront_ring.c's.
 *
 * Negotiation (xen/io/blkif.h, pv-drivers/common/blkif_nego.c): the
 * backend's max-ring-page-order and multi-queue-max-queues are read at
 * its InitWait and bound our rings; feature-persistent (our wish) is
 * published with them; its feature-persistent and
 * feature-max-indirect-segments are read once it is Connected.
 */
#include <xen/io/protocols.h>

#include "blkfront_internal.h"

const struct blkfront_opts blkfront_default_opts = {
	.max_order = 1, .max_queues = 2, .max_indirect = BF_MAX_SEGS, .persistent = 1,
};

static long path_long(const char *dir, const char *name, long def)
{
	char p[160];
	long v;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return xenbus_read_integer(XBT_NIL, p, &v) ? def : v;
}

/* A backend's count: absent, negative or absurd reads as 0 (not offered). */
static unsigned int be_uint(struct blkfront *d, const char *name)
{
	long v = path_long(d->xb.be, name, 0);

	return v > 0 && v < 65536 ? (unsigned int)v : 0;
}

int blkfront_discover(unsigned int *devids, unsigned int max, unsigned int *n)
{
	return front_discover("vbd", devids, max, n);
}

const struct blkfront_info *blkfront_get_info(const struct blkfront *dev)
{
	return &dev->info;
}

XenbusState bf_backend_state(struct blkfront *d)
{
	return (XenbusState)path_long(d->xb.be, "state", XenbusStateUnknown);
}

/* ---- handshake ---------------------------------------------------------- */

static int write_key(struct blkfront *d, xenbus_transaction_t t, const char *key,
		     unsigned int v)
{
	return front_write_uint(&d->xb, t, key, v);
}

/* Each queue's ring refs and event channel, under its key names. */
static int publish_queues(struct blkfront *d, xenbus_transaction_t t)
{
	char key[48];
	int r;

	for (unsigned int i = 0; i < d->conn.nr_queues; i++) {
		for (unsigned int p = 0; p < d->conn.nr_pages; p++) {
			blkif_ring_key(key, sizeof(key), &d->conn, i, p);
			if ((r = write_key(d, t, key, d->q[i].ring_ref[p])))
				return r;
		}
		blkif_port_key(key, sizeof(key), &d->conn, i);
		if ((r = write_key(d, t, key, d->q[i].port)))
			return r;
	}
	return 0;
}

/* Publish rings, ports, protocol, our features and Initialised together. */
static int publish(xenbus_transaction_t t, void *arg)
{
	struct blkfront *d = arg;
	char p[96];
	int r;

	if (d->conn.multi_ref && (r = write_key(d, t, "ring-page-order", d->conn.order)))
		return r;
	if (d->conn.nr_queues > 1 &&
	    (r = write_key(d, t, "multi-queue-num-queues", d->conn.nr_queues)))
		return r;
	if ((r = publish_queues(d, t)) ||
	    (r = write_key(d, t, "feature-persistent", d->want.persistent ? 1 : 0)))
		return r;
	snprintf(p, sizeof(p), "%s/protocol", d->xb.fe);
	if ((r = xenbus_write(t, p, XEN_IO_PROTO_ABI_NATIVE)))
		return r;
	return front_switch_state(&d->xb, t, XenbusStateInitialised);
}

/* Rings as the backend's InitWait offer allows. */
static void choose_rings(struct blkfront *d)
{
	struct blkif_offer be = { .max_order = be_uint(d, "max-ring-page-order"),
				  .max_queues = be_uint(d, "multi-queue-max-queues") };
	struct blkif_offer want = { .max_order = d->want.max_order,
				    .max_queues = d->want.max_queues };
	unsigned int ind;

	blkif_front_choose(&be, 0, &want, 0, &d->conn, &ind);
}

/* What the Connected backend says: the disk, and its features. */
static int read_info(struct blkfront *d)
{
	struct blkif_offer be = { .persistent = be_uint(d, "feature-persistent") == 1 };
	struct blkif_offer want = { .persistent = d->want.persistent };
	unsigned int max_ind = d->want.max_indirect < BF_MAX_SEGS ? d->want.max_indirect :
								    BF_MAX_SEGS;
	struct blkif_conn c;
	unsigned int ind;

	blkif_front_choose(&be, be_uint(d, "feature-max-indirect-segments"), &want, max_ind, &c,
			   &ind);
	d->conn.persistent = c.persistent;
	d->max_segs = ind ? ind : BLKIF_MAX_SEGMENTS_PER_REQUEST;
	d->info = (struct blkfront_info){
		.sectors = (uint64_t)path_long(d->xb.be, "sectors", 0),
		.sector_size = (unsigned int)path_long(d->xb.be, "sector-size", BLKIF_SECTOR),
		.info = (unsigned int)path_long(d->xb.be, "info", 0),
		.flush = path_long(d->xb.be, "feature-flush-cache", 0) == 1,
		.discard = path_long(d->xb.be, "feature-discard", 0) == 1,
		.ring_pages = d->conn.nr_pages, .queues = d->conn.nr_queues, .indirect = ind,
		.persistent = c.persistent,
	};
	if (d->info.sector_size != BLKIF_SECTOR)
		return -XEN_EOPNOTSUPP;
	return d->conn.persistent ? bf_pool_grant(d) : 0;
}

int blkfront_open_opts(unsigned int devid, uint64_t timeout_ns, const struct blkfront_opts *o,
		       struct blkfront **dev)
{
	struct blkfront *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -XEN_ENOMEM;
	d->xb.timeout_ns = timeout_ns;
	d->want = *o;
	if ((r = front_find_backend(&d->xb, "vbd", devid)) ||
	    (r = front_wait_backend(&d->xb, XenbusStateInitWait)))
		goto fail;
	choose_rings(d);
	if ((r = bf_rings_init(d)) || (r = xenbus_transaction_retry(publish, d, 10)) ||
	    (r = front_wait_backend(&d->xb, XenbusStateConnected)) || (r = read_info(d)) ||
	    (r = front_switch_state(&d->xb, XBT_NIL, XenbusStateConnected)))
		goto fail;
	*dev = d;
	return 0;
fail:
	printk("blkfront %u: handshake failed (%d)\n", devid, r);
	return r; /* d and its rings stay: the backend may still hold them */
}

int blkfront_open(unsigned int devid, uint64_t timeout_ns, struct blkfront **dev)
{
	return blkfront_open_opts(devid, timeout_ns, &blkfront_default_opts, dev);
}

/* Read the backend's state until it is want (others are passed through). */
static int poll_backend(struct blkfront *d, XenbusState want)
{
	uint64_t deadline = now_ns() + d->xb.timeout_ns;

	while (bf_backend_state(d) != want) {
		if (now_ns() >= deadline)
			return -XEN_ETIME;
		events_block_until(NULL, NULL, now_ns() + BF_CHECK_NS / 4);
	}
	return 0;
}

/* Queue every request that has no response yet again, with new grants. */
static int requeue(struct blkfront *d)
{
	int r;

	for (unsigned int i = 0; i < d->conn.nr_queues; i++)
		for (unsigned int k = 0; k < d->q[i].nslots; k++)
			if (d->q[i].slot[k].busy == 1 &&
			    (r = bf_requeue(d, &d->q[i], &d->q[i].slot[k])))
				return r;
	bf_kick(d);
	return 0;
}

/* The features a restarted backend connected with must be those we use:
 * requests in flight were cut for them. */
static int same_features(struct blkfront *d)
{
	struct blkif_conn was = d->conn;
	unsigned int segs = d->max_segs;

	if (read_info(d) || d->conn.persistent != was.persistent || d->max_segs != segs)
		return -XEN_EOPNOTSUPP;
	return 0;
}

/* Release everything the dead backend may still hold, by force. */
static void release_all(struct blkfront *d)
{
	bf_rings_release(d, 1);
	for (unsigned int i = 0; i < d->conn.nr_queues; i++)
		for (unsigned int k = 0; k < d->q[i].nslots; k++)
			if (d->q[i].slot[k].busy == 1)
				bf_slot_abandon(d, &d->q[i].slot[k]);
	if (d->conn.persistent)
		bf_pool_release(d, 1);
}

/*
 * The backend went away with our requests (its process was restarted):
 * what it held is released by force (a dead process cannot give it back),
 * then the handshake runs again on the same ring pages, with the same
 * ring size and queues, and the unanswered requests are queued again.
 * Replaying a write or a flush is harmless.
 */
int bf_reconnect(struct blkfront *d)
{
	XenbusState was = bf_backend_state(d);
	int r;

	printk("blkfront %s: backend state %d, not Connected: reconnecting\n", d->xb.fe, was);
	release_all(d);
	if ((r = front_switch_state(&d->xb, XBT_NIL, XenbusStateInitialising)) ||
	    (r = poll_backend(d, XenbusStateInitWait)) || (r = bf_rings_init(d)) ||
	    (r = xenbus_transaction_retry(publish, d, 10)) ||
	    (r = poll_backend(d, XenbusStateConnected)) || (r = same_features(d)) ||
	    (r = front_switch_state(&d->xb, XBT_NIL, XenbusStateConnected)) || (r = requeue(d))) {
		printk("blkfront %s: reconnect failed (%d)\n", d->xb.fe, r);
		return r;
	}
	d->reconnects++;
	printk("blkfront %s: reconnected (%u); %u requests queued again\n", d->xb.fe,
	       d->reconnects, d->pending);
	return 0;
}

int blkfront_resume(struct blkfront *d)
{
	int r;

	if (d->broken)
		return -XEN_EBADMSG;
	/* The new domain has none of our ports, and their numbers may name
	 * its console's or xenstore's now: forget them, never close them. */
	for (unsigned int i = 0; i < d->conn.nr_queues; i++)
		d->q[i].port = 0;
	/* Another domain id: the backend's directory is another path. */
	if ((r = front_find_backend(&d->xb, "vbd", d->xb.devid)) ||
	    (r = bf_reconnect(d)))
		d->broken = 1;
	return r;
}

/* Every ring page, and with persistent grants every pool and indirect
 * page, given back, waiting (bounded) while the backend still has one
 * mapped.  0 or -XEN_EBUSY. */
static int end_shared(struct blkfront *d)
{
	uint64_t end = now_ns() + d->xb.timeout_ns;
	int r, busy = 0;

	for (unsigned int i = 0; i < d->conn.nr_queues; i++)
		for (unsigned int p = 0; p < d->conn.nr_pages; p++) {
			while ((r = gnttab_end_access(d->q[i].ring_ref[p])) == -XEN_EBUSY &&
			       now_ns() < end)
				events_block_until(NULL, NULL, now_ns() + BF_CHECK_NS / 20);
			busy |= r == -XEN_EBUSY;
		}
	while (d->conn.persistent && (r = bf_pool_release(d, 0)) == -XEN_EBUSY && now_ns() < end)
		events_block_until(NULL, NULL, now_ns() + BF_CHECK_NS / 20);
	return busy || (d->conn.persistent && r) ? -XEN_EBUSY : 0;
}

int blkfront_close(struct blkfront *d)
{
	int r;

	if (d->aio_busy)
		return -XEN_EBUSY;
	if ((r = front_leave(&d->xb)))
		return r;
	/* A toolstack detaching the disk writes the backend's Closing itself,
	 * so the backend may still be letting go of the rings: give it time. */
	if ((r = end_shared(d)))
		return r; /* still mapped by the backend: the pages must stay */
	for (unsigned int i = 0; i < d->conn.nr_queues; i++)
		evtchn_close(d->q[i].port);
	bf_rings_free(d);
	free(d);
	return 0;
}
