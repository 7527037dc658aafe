/*
 * netfront_state.c - netfront's answer to its backend's state
 * (netfront_state.h) and the rings' fresh start when it connects again.
 * Built for the guest and, for the unit tests, for the host.
 */
#include "netfront_internal.h"

enum nf_action nf_backend_action(long be, int online)
{
	switch (be) {
	case XenbusStateConnected:
		return NF_STAY;
	case XenbusStateUnknown: /* its directory was removed */
		return NF_CLOSE;
	case XenbusStateInitialising:
	case XenbusStateInitWait:
	case XenbusStateClosing:
	case XenbusStateClosed:
		return online ? NF_RECONNECT : NF_CLOSE;
	case XenbusStateInitialised: /* a frontend's state, and no step of a backend's */
	case XenbusStateReconfiguring:
	case XenbusStateReconfigured: /* we never asked to reconfigure */
		return NF_STAY; /* ignored, as Linux's netfront ignores them */
	default:
		return NF_BROKEN;
	}
}

void nf_rings_reset(struct netfront *d)
{
	for (unsigned int i = 0; i < NETFRONT_BUFS; i++) {
		d->txb[i].busy = 0;
		d->rxb[i].busy = 0;
	}
	d->st.tx_dropped += d->tx_inflight;
	d->tx_inflight = 0;
	memset(d->tx.sring, 0, NETIF_PAGE);
	memset(d->rx.sring, 0, NETIF_PAGE);
	SHARED_RING_INIT(d->tx.sring);
	SHARED_RING_INIT(d->rx.sring);
	FRONT_RING_INIT(&d->tx, d->tx.sring, NETIF_PAGE);
	FRONT_RING_INIT(&d->rx, d->rx.sring, NETIF_PAGE);
}
