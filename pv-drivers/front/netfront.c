/*
 * netfront.c - the guest's network frontend: discovery and the xenbus
 * handshake, as Linux's xen-netfront runs it: on the backend's InitWait,
 * share the rings and the port and say request-rx-copy,
 * feature-rx-notify, feature-sg and feature-no-csum-offload (our frames
 * always carry their checksums), all with state Connected in one
 * transaction; then wait for the backend's Connected.  Frames are in
 * netfront_io.c.
 */
#include <ketch-guest/xenbus.h>

#include "netfront_internal.h"

/* Waiting is done on the rings (events_block_until): no work here. */
static void on_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
}

int netfront_discover(unsigned int *devids, unsigned int max, unsigned int *n)
{
	return front_discover("vif", devids, max, n);
}

const uint8_t *netfront_mac(const struct netfront *d)
{
	return d->mac;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "00:16:3e:01:02:03" into mac. */
static int parse_mac(const char *s, uint8_t *mac)
{
	for (int i = 0; i < 6; i++, s += 3) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (lo < 0 || s[2] != (i == 5 ? '\0' : ':'))
			return -XEN_EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* The backend the toolstack named, and our mac. */
static int find_backend(struct netfront *d, unsigned int devid)
{
	char *v;
	int r;

	if ((r = front_find_backend(&d->xb, "vif", devid)) || (r = front_read(d->xb.fe, "mac", &v)))
		return r;
	r = parse_mac(v, d->mac);
	free(v);
	return r;
}

/* Rings, port, what we do and do not do, and Connected, together. */
static int publish(xenbus_transaction_t t, void *arg)
{
	struct netfront *d = arg;
	static const char *const flags[] = { "request-rx-copy", "feature-rx-notify", "feature-sg",
					      "feature-no-csum-offload" };
	int r;

	if ((r = front_write_uint(&d->xb, t, "tx-ring-ref", d->tx_ref)) ||
	    (r = front_write_uint(&d->xb, t, "rx-ring-ref", d->rx_ref)) ||
	    (r = front_write_uint(&d->xb, t, "event-channel", d->port)))
		return r;
	for (unsigned int i = 0; i < 4; i++)
		if ((r = front_write_uint(&d->xb, t, flags[i], 1)))
			return r;
	return front_switch_state(&d->xb, t, XenbusStateConnected);
}

/* A shared ring page granted to the backend; its reference in *ref. */
static void *ring_page(struct netfront *d, grant_ref_t *ref)
{
	void *s = alloc_page();
	int r;

	if (!s)
		return NULL;
	memset(s, 0, NETIF_PAGE);
	r = gnttab_grant_access(d->xb.be_id, virt_to_pfn(s), 0);
	if (r < 0)
		return NULL;
	*ref = (grant_ref_t)r;
	return s;
}

/* Buffers granted once: transmit ones read-only, receive ones writable. */
static int setup_buffers(struct netfront *d)
{
	for (unsigned int i = 0; i < NETFRONT_BUFS; i++) {
		struct nf_buf *t = &d->txb[i], *x = &d->rxb[i];
		int rt, rx;

		t->page = alloc_page();
		x->page = alloc_page();
		if (!t->page || !x->page)
			return -XEN_ENOMEM;
		rt = gnttab_grant_access(d->xb.be_id, virt_to_pfn(t->page), 1);
		rx = gnttab_grant_access(d->xb.be_id, virt_to_pfn(x->page), 0);
		if (rt < 0 || rx < 0)
			return -XEN_ENOSPC;
		t->ref = (grant_ref_t)rt;
		x->ref = (grant_ref_t)rx;
	}
	return 0;
}

static int setup_rings(struct netfront *d)
{
	netif_tx_sring_t *ts = ring_page(d, &d->tx_ref);
	netif_rx_sring_t *rs = ts ? ring_page(d, &d->rx_ref) : NULL;

	if (!rs)
		return -XEN_ENOMEM;
	SHARED_RING_INIT(ts);
	SHARED_RING_INIT(rs);
	FRONT_RING_INIT(&d->tx, ts, NETIF_PAGE);
	FRONT_RING_INIT(&d->rx, rs, NETIF_PAGE);
	return evtchn_alloc_unbound(d->xb.be_id, on_event, d, &d->port);
}

/* The backend's InitWait; one still Closed from an earlier connection
 * (which xenbus_wait_for_state calls gone) is given until the deadline. */
static int wait_initwait(struct netfront *d)
{
	uint64_t deadline = now_ns() + d->xb.timeout_ns;
	int r;

	while ((r = front_wait_backend(&d->xb, XenbusStateInitWait)) == -XEN_ENOTCONN &&
	       now_ns() < deadline)
		sleep_ns(10 * NSEC_PER_MSEC);
	return r;
}

int netfront_open(unsigned int devid, uint64_t timeout_ns, struct netfront **dev)
{
	struct netfront *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -XEN_ENOMEM;
	d->xb.timeout_ns = timeout_ns;
	/* Initialising first: a backend left Closed by an earlier connection
	 * goes back to InitWait. */
	if ((r = find_backend(d, devid)) || (r = front_switch_state(&d->xb, XBT_NIL, XenbusStateInitialising)) ||
	    (r = wait_initwait(d)) || (r = setup_rings(d)) || (r = setup_buffers(d)) ||
	    (r = xenbus_transaction_retry(publish, d, 10)) ||
	    (r = front_wait_backend(&d->xb, XenbusStateConnected))) {
		printk("netfront %u: handshake failed (%d)\n", devid, r);
		return r; /* d and its pages stay: the backend may hold them */
	}
	nf_rx_refill(d);
	*dev = d;
	return 0;
}

int netfront_send_bad_index(struct netfront *d, uint32_t ahead)
{
	uint64_t deadline = now_ns() + d->xb.timeout_ns;

	/* Frames queued before are answered first, so they are not lost. */
	while (!d->broken && d->tx_inflight && now_ns() < deadline)
		if (!nf_tx_reclaim(d) && d->tx_inflight)
			netfront_wait(d, deadline);
	__atomic_store_n(&d->tx.sring->req_prod, d->tx.req_prod_pvt + ahead, __ATOMIC_RELEASE);
	d->broken = 1;
	evtchn_send(d->port);
	return front_wait_backend(&d->xb, XenbusStateClosing);
}

/* End every grant; -XEN_EBUSY if the backend still holds one. */
static int revoke_all(struct netfront *d)
{
	int r = 0;

	for (unsigned int i = 0; i < NETFRONT_BUFS; i++) {
		if (gnttab_end_access(d->txb[i].ref) || gnttab_end_access(d->rxb[i].ref))
			r = -XEN_EBUSY;
	}
	if (gnttab_end_access(d->tx_ref) || gnttab_end_access(d->rx_ref))
		r = -XEN_EBUSY;
	return r;
}

int netfront_close(struct netfront *d)
{
	int r = front_leave(&d->xb);

	if (r || (r = revoke_all(d)))
		return r; /* pages still shared stay allocated */
	evtchn_close(d->port);
	for (unsigned int i = 0; i < NETFRONT_BUFS; i++) {
		free_page(d->txb[i].page);
		free_page(d->rxb[i].page);
	}
	free_page(d->tx.sring);
	free_page(d->rx.sring);
	free(d);
	return 0;
}
