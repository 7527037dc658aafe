/*
 * netfront_internal.h - the state netfront.c (handshake) and
 * netfront_io.c (frames) share.  Not for guests: use netfront.h.
 */
#ifndef KETCH_NETFRONT_INTERNAL_H
#define KETCH_NETFRONT_INTERNAL_H

#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>

#include "../common/netif_ring.h"
#include "front_xenbus.h"
#include "netfront.h"
#include "netfront_state.h"

struct nf_buf {
	uint8_t *page;
	grant_ref_t ref;  /* granted for the device's life */
	int busy;         /* tx: in flight; rx: posted */
	int16_t status;   /* tx: the backend's answer */
};

struct netfront {
	struct front_dev xb;
	uint8_t mac[6];
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	grant_ref_t tx_ref, rx_ref;
	evtchn_port_t port;
	struct nf_buf txb[NETFRONT_BUFS];
	struct nf_buf rxb[NETFRONT_BUFS];
	/* Which buffer was posted in each rx slot: backends answer in the
	 * request's slot (netif.h), so a response is matched by its index. */
	uint16_t rx_slot[NETIF_RX_RING_ENTRIES];
	unsigned int tx_inflight;
	struct netfront_stats st;
	int broken;
	int watching; /* the backend's state is watched */
	int gone;     /* the toolstack removed the vif: we closed */
};

/* netfront_io.c: post every free receive buffer and notify if asked. */
void nf_rx_refill(struct netfront *d);
/* Take the tx responses that arrived; -XEN_EBADMSG if the backend broke
 * the protocol. */
int nf_tx_reclaim(struct netfront *d);

/* netfront_state.c: every transmit in flight dropped (counted), every
 * receive buffer free, both rings empty on their pages, as a fresh
 * connection needs them. */
void nf_rings_reset(struct netfront *d);

/* netfront.c: the handshake from Initialising; again: with a backend
 * that started over, whose grants and port are taken back first. */
int nf_connect(struct netfront *d, int again);
/* netfront.c: every grant taken back (waiting, bounded, while the backend
 * lets go), the port closed, the pages freed; -XEN_EBUSY if the backend
 * still holds some (those pages stay). */
int nf_release(struct netfront *d);
/* netfront_follow.c: act on news of the backend's state (connect again
 * or close); 0, -XEN_ENODEV once closed, -XEN_EBADMSG if broken. */
int nf_follow_backend(struct netfront *d);

#endif
