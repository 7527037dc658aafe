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

/* Our grant of page p to the backend into *ref. */
static int grant(struct netfront *d, void *p, int readonly, grant_ref_t *ref)
{
	int r = gnttab_grant_access(d->xb.be_id, virt_to_pfn(p), readonly);

	if (r < 0)
		return r;
	*ref = (grant_ref_t)r;
	return 0;
}

/* Take back ref (0: none); force: from a backend known to have let go
 * or died.  -XEN_EBUSY while it is still in use. */
static int end_ref(grant_ref_t *ref, int force)
{
	int r;

	if (!*ref)
		return 0;
	r = force ? gnttab_end_access_force(*ref) : gnttab_end_access(*ref);
	if (r == -XEN_EBUSY)
		return r;
	*ref = 0;
	return 0;
}

/* Every grant taken back; -XEN_EBUSY if the backend still holds one. */
static int revoke_all(struct netfront *d, int force)
{
	int r = 0;

	for (unsigned int i = 0; i < NETFRONT_BUFS; i++) {
		r |= end_ref(&d->txb[i].ref, force);
		r |= end_ref(&d->rxb[i].ref, force);
	}
	r |= end_ref(&d->tx_ref, force);
	r |= end_ref(&d->rx_ref, force);
	return r ? -XEN_EBUSY : 0;
}

/* Both ring pages and every buffer, once for the device's life. */
static int alloc_pages_all(struct netfront *d)
{
	d->tx.sring = alloc_page();
	d->rx.sring = alloc_page();
	if (!d->tx.sring || !d->rx.sring)
		return -XEN_ENOMEM;
	for (unsigned int i = 0; i < NETFRONT_BUFS; i++) {
		d->txb[i].page = alloc_page();
		d->rxb[i].page = alloc_page();
		if (!d->txb[i].page || !d->rxb[i].page)
			return -XEN_ENOMEM;
	}
	return 0;
}

/* Rings writable, transmit buffers read-only, receive ones writable, and
 * an unbound port: what one connection shares. */
static int share(struct netfront *d)
{
	int r;

	if ((r = grant(d, d->tx.sring, 0, &d->tx_ref)) || (r = grant(d, d->rx.sring, 0, &d->rx_ref)))
		return r;
	for (unsigned int i = 0; i < NETFRONT_BUFS; i++)
		if ((r = grant(d, d->txb[i].page, 1, &d->txb[i].ref)) ||
		    (r = grant(d, d->rxb[i].page, 0, &d->rxb[i].ref)))
			return r;
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

int nf_connect(struct netfront *d, int again)
{
	int r;

	/* Initialising first: a backend left Closed by an earlier connection,
	 * or started anew while we were Connected, goes back to InitWait. */
	if ((r = front_switch_state(&d->xb, XBT_NIL, XenbusStateInitialising)) ||
	    (r = wait_initwait(d)))
		return r;
	if (again) {
		/* In InitWait the backend holds nothing of ours; a killed one
		 * may have left its pins set, hence the force. */
		revoke_all(d, 1);
		if (d->port)
			evtchn_close(d->port);
		d->port = 0;
	}
	nf_rings_reset(d);
	if ((r = share(d)) || (r = xenbus_transaction_retry(publish, d, 10)) ||
	    (r = front_wait_backend(&d->xb, XenbusStateConnected)))
		return r;
	nf_rx_refill(d);
	return 0;
}

int netfront_open(unsigned int devid, uint64_t timeout_ns, struct netfront **dev)
{
	struct netfront *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -XEN_ENOMEM;
	d->xb.timeout_ns = timeout_ns;
	if ((r = find_backend(d, devid)) || (r = alloc_pages_all(d)) || (r = nf_connect(d, 0)) ||
	    (r = front_watch_backend(&d->xb))) {
		printk("netfront %u: handshake failed (%d)\n", devid, r);
		return r; /* d and its pages stay: the backend may hold them */
	}
	d->watching = 1;
	*dev = d;
	return 0;
}

int netfront_resume(struct netfront *d)
{
	int r;

	if (d->broken || d->gone)
		return d->gone ? -XEN_ENODEV : -XEN_EBADMSG;
	if (d->watching)
		front_unwatch_backend(&d->xb);
	d->watching = 0;
	/* The new domain has none of our ports, and the old number may name
	 * its console's or xenstore's now: forget it, never close it. */
	d->port = 0;
	/* Another domain id: the backend's directory is another path. */
	if ((r = find_backend(d, d->xb.devid)) || (r = nf_connect(d, 1)) ||
	    (r = front_watch_backend(&d->xb))) {
		printk("netfront %s: resume failed (%d)\n", d->xb.fe, r);
		d->broken = 1;
		return r;
	}
	d->watching = 1;
	d->st.reconnects++;
	return 0;
}

/*
 * Wait (bounded by the device's timeout) until every frame sent was
 * answered, so frames queued before a close or a broken index reach the
 * backend instead of going with the rings.  A close stops early when the
 * backend's state changes: one going away may never answer.
 */
static void tx_drain(struct netfront *d, int closing)
{
	uint64_t deadline = now_ns() + d->xb.timeout_ns;

	while (!d->broken && d->tx_inflight && now_ns() < deadline) {
		if (nf_tx_reclaim(d) || !d->tx_inflight)
			break;
		if (closing && d->watching && front_backend_pending(&d->xb))
			break;
		netfront_wait(d, deadline);
	}
}

int netfront_send_bad_index(struct netfront *d, uint32_t ahead)
{
	tx_drain(d, 0);
	__atomic_store_n(&d->tx.sring->req_prod, d->tx.req_prod_pvt + ahead, __ATOMIC_RELEASE);
	d->broken = 1;
	evtchn_send(d->port);
	return front_wait_backend(&d->xb, XenbusStateClosing);
}

int nf_release(struct netfront *d)
{
	uint64_t end = now_ns() + d->xb.timeout_ns;
	int r;

	if (d->watching)
		front_unwatch_backend(&d->xb);
	d->watching = 0;
	/* A backend told to close lets go of the rings soon after: give it
	 * the device's timeout. */
	while ((r = revoke_all(d, 0)) && now_ns() < end)
		sleep_ns(10 * NSEC_PER_MSEC);
	if (r)
		return r; /* pages still shared stay allocated */
	if (d->port)
		evtchn_close(d->port);
	d->port = 0;
	for (unsigned int i = 0; i < NETFRONT_BUFS; i++) {
		free_page(d->txb[i].page);
		free_page(d->rxb[i].page);
		d->txb[i].page = d->rxb[i].page = NULL;
	}
	free_page(d->tx.sring);
	free_page(d->rx.sring);
	d->tx.sring = NULL;
	d->rx.sring = NULL;
	return 0;
}

int netfront_close(struct netfront *d)
{
	int r = 0;

	if (!d->gone && d->tx.sring)
		tx_drain(d, 1);
	if (d->watching)
		front_unwatch_backend(&d->xb);
	d->watching = 0;
	if (!d->gone && (r = front_leave(&d->xb)))
		return r;
	if (d->tx.sring && (r = nf_release(d)))
		return r;
	free(d);
	return 0;
}
