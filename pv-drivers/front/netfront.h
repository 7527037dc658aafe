/*
 * netfront.h - the guest side of Xen's PV network protocol
 * (xen/io/netif.h) for guests built on the guest kit: discovery from
 * device/vif/<devid>, the xenbus handshake with any Xen network backend
 * (request-rx-copy, feature-rx-notify, feature-sg), sending frames and
 * receiving them into buffers it keeps posted.
 *
 * Needs init_xenbus() and gnttab_init() done first (2 + 2 *
 * NETFRONT_BUFS grant references).  Single-threaded like the rest of the
 * kit.  Every call returns 0 or a negative Xen errno: -XEN_EBADMSG once
 * the backend broke the protocol (impossible ring index, a response to
 * nothing) — the device is then unusable — -XEN_EAGAIN when every
 * transmit buffer is in flight, -XEN_ETIME when a wait ran out,
 * -XEN_ENODEV once the toolstack removed the vif (netfront_close it).
 *
 * Once connected the backend's state is watched, and netfront_poll
 * follows it as Linux's xen-netfront does: a backend that restarted
 * (Closed, InitWait, or Closing while the vif stays online) gets a fresh
 * connection (frames in flight dropped, receive buffers posted again);
 * one the toolstack removes (online 0, Closing) is answered Closing,
 * Closed, its grants and port released.
 */
#ifndef KETCH_NETFRONT_H
#define KETCH_NETFRONT_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/netif.h>

/* Transmit and receive buffers, a page each, granted once at open. */
#define NETFRONT_BUFS 64
/* The largest frame sent or received: an MTU of 1500 plus the header. */
#define NETFRONT_FRAME_MAX 1514u

struct netfront;

struct netfront_stats {
	uint64_t tx_slots, tx_slot_errors; /* slots answered OKAY / not */
	uint64_t rx_packets, rx_errors;  /* frames taken / responses refused */
	uint64_t rx_malformed;           /* bad offset or length, chained or extra */
	uint64_t tx_dropped;             /* slots in flight when the backend went */
	uint64_t reconnects;             /* fresh connections to a backend that restarted */
};

/* The devids under device/vif (at most max) into devids[], count in *n. */
int netfront_discover(unsigned int *devids, unsigned int max, unsigned int *n);
/*
 * Connect device/vif/<devid>: read its mac, wait for the backend's
 * InitWait, share both rings and an event channel, Connected, wait for
 * the backend's Connected, post every receive buffer.  timeout_ns bounds
 * each wait.
 */
int netfront_open(unsigned int devid, uint64_t timeout_ns, struct netfront **dev);
const uint8_t *netfront_mac(const struct netfront *dev);
const struct netfront_stats *netfront_get_stats(const struct netfront *dev);

/*
 * Send one frame (14..NETFRONT_FRAME_MAX bytes), copied into transmit
 * buffers of at most chunk bytes each (0: one buffer), so a frame may
 * take several slots chained with NETTXF_more_data.
 */
int netfront_send(struct netfront *dev, const void *frame, unsigned int len, unsigned int chunk);
/* Hand every frame received so far to fn, repost the buffers, reclaim
 * finished transmits.  Returns the number of frames handed over. */
typedef void (*netfront_rx_fn)(void *arg, const uint8_t *frame, unsigned int len);
int netfront_poll(struct netfront *dev, netfront_rx_fn fn, void *arg);
/* Block until the backend answered something or changed state, or
 * deadline (ns) passed: 0, or -XEN_ETIME. */
int netfront_wait(struct netfront *dev, uint64_t deadline);
/* Nonzero when netfront_poll has work (frames, finished transmits, news
 * of the backend): for a guest waiting on several devices at once. */
int netfront_pending(struct netfront *dev);

/*
 * For tests of a backend's checks: queue n raw tx slots as given, except
 * that a slot whose gref is 0 gets the grant of the buffer assigned to
 * it, then wait for their responses; statuses[i] is slot i's.
 */
int netfront_send_raw(struct netfront *dev, const netif_tx_request_t *slots, unsigned int n,
		      int16_t *statuses);

/*
 * For tests of a backend's checks: once every frame sent was answered,
 * publish a tx req_prod ahead slots beyond what was queued, notify, and
 * wait for the backend to close the device (its state Closing).  The
 * device is unusable afterwards.
 */
int netfront_send_bad_index(struct netfront *dev, uint32_t ahead);

/*
 * After suspend_domain() returned 0 (restored in a new domain, perhaps
 * another domain id): connect to the new backend as to a restarted one
 * (frames in flight dropped, receive buffers posted again) and follow it.
 * 0 or a negative Xen errno (the device is then unusable).
 */
int netfront_resume(struct netfront *dev);
/* Frames sent answered first (bounded by the timeout, not waited for
 * once the backend changes state), Closing, wait for the backend, Closed
 * (unless the backend closed the device already); grants, port and pages
 * freed, dev too. */
int netfront_close(struct netfront *dev);

#endif
