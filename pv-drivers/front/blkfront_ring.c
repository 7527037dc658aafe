/*
 * blkfront_ring.c - what blkfront shares with its backend and how it is
 * given back: each queue's ring (2^order contiguous pages, each granted)
 * and unbound event channel, its request slots, and the persistent-grant
 * pool (BF_POOL_PAGES pages granted read-write once, as Linux's blkfront
 * grants its persistent pages).  Pages are allocated once per device and
 * kept across reconnects: a backend that died may still have them mapped.
 */
#include "blkfront_internal.h"

/* Waiting is done on the ring itself (events_block_until): no work here. */
static void on_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
}

/* The slots of a queue and their per-segment arrays, in one allocation. */
static int alloc_slots(struct blkfront *d, struct bf_queue *q)
{
	unsigned int n = RING_SIZE(&q->ring), segs = BF_MAX_SEGS;
	char *mem = calloc(n, sizeof(struct bf_slot) + segs * (sizeof(grant_ref_t) + 2));

	(void)d;
	if (!mem)
		return -XEN_ENOMEM;
	q->slot = (struct bf_slot *)mem;
	q->nslots = n;
	mem += n * sizeof(struct bf_slot);
	for (unsigned int i = 0; i < n; i++) {
		q->slot[i].ref = (grant_ref_t *)mem;
		mem += segs * sizeof(grant_ref_t);
		q->slot[i].pool = (uint16_t *)mem;
		mem += segs * 2;
	}
	return 0;
}

static int init_queue(struct blkfront *d, struct bf_queue *q)
{
	unsigned int pages = d->conn.nr_pages;
	blkif_sring_t *s = q->ring.sring;
	int ref;

	if (!s && !(s = alloc_pages(pages)))
		return -XEN_ENOMEM;
	memset(s, 0, 4096 * pages);
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&q->ring, s, 4096 * pages);
	for (unsigned int p = 0; p < pages; p++) {
		if ((ref = gnttab_grant_access(d->xb.be_id, virt_to_pfn((char *)s + 4096 * p), 0)) < 0)
			return ref;
		q->ring_ref[p] = (grant_ref_t)ref;
	}
	q->queued = 0;
	if (!q->slot && (ref = alloc_slots(d, q)))
		return ref;
	return evtchn_alloc_unbound(d->xb.be_id, on_event, d, &q->port);
}

int bf_rings_init(struct blkfront *d)
{
	int r;

	for (unsigned int i = 0; i < d->conn.nr_queues; i++)
		if ((r = init_queue(d, &d->q[i])))
			return r;
	return 0;
}

void bf_rings_release(struct blkfront *d, int force)
{
	for (unsigned int i = 0; i < d->conn.nr_queues; i++) {
		struct bf_queue *q = &d->q[i];

		for (unsigned int p = 0; p < d->conn.nr_pages; p++)
			if (force)
				gnttab_end_access_force(q->ring_ref[p]);
			else
				gnttab_end_access(q->ring_ref[p]);
		if (q->port)
			evtchn_close(q->port);
		q->port = 0;
	}
}

void bf_rings_free(struct blkfront *d)
{
	for (unsigned int i = 0; i < d->conn.nr_queues; i++) {
		struct bf_queue *q = &d->q[i];

		for (unsigned int k = 0; q->slot && k < q->nslots; k++)
			if (q->slot[k].ind)
				free_page(q->slot[k].ind);
		free(q->slot);
		if (q->ring.sring)
			free_pages(q->ring.sring, d->conn.nr_pages);
	}
	for (unsigned int i = 0; i < BF_POOL_PAGES; i++)
		if (d->pool[i].page)
			free_page(d->pool[i].page);
}

/* Granted again after a reconnect, a page keeps its user: a read answered
 * before the backend died still has its data to copy out. */
int bf_pool_grant(struct blkfront *d)
{
	d->pool_free = 0;
	for (unsigned int i = 0; i < BF_POOL_PAGES; i++) {
		struct bf_pool_page *p = &d->pool[i];
		int ref;

		if (!p->page && !(p->page = alloc_page()))
			return -XEN_ENOMEM;
		if ((ref = gnttab_grant_access(d->xb.be_id, virt_to_pfn(p->page), 0)) < 0)
			return ref;
		p->ref = (grant_ref_t)ref;
		p->granted = 1;
		d->pool_free += !p->used;
	}
	return 0;
}

/* End *granted's ref: 0 (then *granted is 0) or -XEN_EBUSY (still mapped). */
static int end_ref(grant_ref_t ref, int *granted, int force)
{
	if (*granted && !force && gnttab_end_access(ref) == -XEN_EBUSY)
		return -XEN_EBUSY;
	if (*granted && force)
		gnttab_end_access_force(ref);
	*granted = 0;
	return 0;
}

int bf_pool_release(struct blkfront *d, int force)
{
	int r = 0;

	for (unsigned int i = 0; i < BF_POOL_PAGES; i++)
		if (end_ref(d->pool[i].ref, &d->pool[i].granted, force))
			r = -XEN_EBUSY;
	/* The slots' indirect pages, granted once with persistent grants. */
	for (unsigned int i = 0; i < d->conn.nr_queues; i++)
		for (unsigned int k = 0; k < d->q[i].nslots; k++) {
			struct bf_slot *s = &d->q[i].slot[k];

			if (end_ref(s->ind_ref, &s->ind_granted, force))
				r = -XEN_EBUSY;
		}
	return r;
}

int bf_pool_take(struct blkfront *d)
{
	for (unsigned int i = 0; d->pool_free && i < BF_POOL_PAGES; i++)
		if (!d->pool[i].used) {
			d->pool[i].used = 1;
			d->pool_free--;
			return (int)i;
		}
	return -1;
}

void bf_pool_put(struct blkfront *d, unsigned int i)
{
	if (i < BF_POOL_PAGES && d->pool[i].used) {
		d->pool[i].used = 0;
		d->pool_free++;
	}
}
