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
};

/* netfront_io.c: post every free receive buffer and notify if asked. */
void nf_rx_refill(struct netfront *d);
/* Take the tx responses that arrived; -XEN_EBADMSG if the backend broke
 * the protocol. */
int nf_tx_reclaim(struct netfront *d);

#endif
