/*
 * netback.h - ketch-netback: the control-domain backend of one PV network
 * interface (xen/io/netif.h).  One process per vif, so a crash or a
 * hostile frontend harms that vif only.  The host side is a TAP device
 * vif<domid>.<devid>, optionally a port of a Linux bridge.  One thread:
 * signals, xenstore watches, the guest's notifications and the TAP are
 * handled in turn from one poll loop, each with a bounded amount of work.
 */
#ifndef KETCH_NETBACK_H
#define KETCH_NETBACK_H

#include <stdbool.h>
#include <stdint.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "ketch/confine.h"
#include "ketch/gntaccess.h"
#include "ketch/ketchctl.h"
#include "../common/backend_main.h"
#include "../common/netif_ring.h"
#include "netback_credit.h"

/* Packets moved in each direction per loop turn: a busy frontend or a
 * flooded TAP cannot starve the other direction or the watches. */
#define NB_BUDGET 64
/* Frames must fit one receive buffer (one page: rx is never split). */
#define NB_MTU_MAX (NETIF_PAGE - NETIF_ETH_HLEN)
#define NB_MTU_MIN 68
/* Malformed packets of each kind logged one by one; the rest only
 * counted, so a hostile frontend cannot flood the log. */
#define NB_LOG_FIRST 3
/* The largest frame taken from the guest: the MTU, the Ethernet header
 * and one 802.1Q tag. */
#define NB_FRAME_MAX (NB_MTU_MAX + NETIF_ETH_HLEN + 4)

struct nb_counters {
	uint64_t tx_packets, tx_bytes;   /* guest -> host, delivered to the TAP */
	uint64_t tx_refused[NETIF_TX_NR_ERRORS]; /* malformed, by reason */
	uint64_t tx_bad_grant;           /* a slot's grant could not be read */
	uint64_t tx_csum_dropped;        /* csum_blank on a packet not TCP/UDP over IPv4 */
	uint64_t tx_tap_dropped;         /* the TAP's queue was full */
	uint64_t rx_packets, rx_bytes;   /* host -> guest */
	uint64_t rx_too_big;             /* frames larger than a buffer */
	uint64_t rx_bad_grant;           /* a buffer's grant could not be written */
	uint64_t ring_errors;            /* impossible indices: disconnected */
	uint64_t tx_rate_waits;          /* a packet waited for the rate limit's credit */
};

struct nb {
	struct bkx x; /* the device, xenstore, ketch-hv (--domid, --devid, --hv-socket) */
	/* what was asked for */
	const char *bridge;
	char *bridge_node;     /* the bridge as read from xenstore, if it was */
	unsigned int mtu;
	bool create_bridge;
	/* the host side */
	char ifname[16];
	int tap_fd;
	bool stale;            /* the frontend was connected to an earlier backend */
	/* the connection to the frontend, while connected */
	struct kgnt *gnt;
	bool connected;
	bool rx_notify;        /* the frontend notifies when it posts buffers */
	char mac[18];          /* the guest's, from our mac node */
	grant_ref_t tx_ref, rx_ref;
	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	uint32_t port;
	int from_guest, to_guest;
	/* a frame read from the TAP, waiting for a receive buffer */
	uint8_t frame[NETIF_PAGE];
	uint16_t frame_len;
	bool tx_more, rx_more;  /* work left when the budget ran out */
	struct netif_tx_packet pkt; /* scratch for the tx path */
	/* the backend's "rate" node, read at each connection and when it
	 * changes; a packet beyond the credit stays in pkt (tx_held), its
	 * slots unanswered, until the credit's timer */
	char *rate;            /* as last read, NULL if none */
	struct nb_credit credit;
	bool tx_held;
	struct nb_counters c;
};

/* netback_tap.c */
/* Create the TAP vif<domid>.<devid> and, through netlink, set its MTU and
 * address, make it a port of the bridge (created if asked) and bring it
 * up.  0 or a negative errno (logged). */
int nb_tap_open(struct nb *b);

/* netback_csum.c: fill in the TCP or UDP checksum of an IPv4 frame of
 * len bytes.  False when it is neither (the frame is not sent). */
bool nb_csum_complete(uint8_t *frame, uint32_t len);

/* netback_tx.c: the guest's packets to the TAP.  False if the ring is
 * impossible (the caller disconnects). */
bool nb_tx_work(struct nb *b);
/* netback_rx.c: frames from the TAP into the guest's buffers.  False if
 * the ring is impossible. */
bool nb_rx_work(struct nb *b);
/* Whether the TAP is worth reading now (a buffer is free for a frame). */
bool nb_rx_wants_tap(const struct nb *b);
void nb_notify(struct nb *b);

/* The monotonic clock, in ns (the rate limit's). */
uint64_t nb_now_ns(void);

/* netback_xenbus.c */
/* Read the backend's "rate" node again and apply it if it changed (at a
 * connection, and on any xenstore event while connected). */
void nb_rate_update(struct nb *b, bool connecting);
/* Features, InitWait, watches (after bkx_open).  0 or a negative errno
 * (logged). */
int nb_xenbus_start(struct nb *b);
/* The frontend's state changed to fs: follow it.  Sets b->x.quit when done. */
void nb_xenbus_follow(struct nb *b, XenbusState fs);
/* Leave the frontend: unmap the rings, unbind the port. */
void nb_disconnect(struct nb *b);
void nb_switch_state(struct nb *b, XenbusState s);

/* netback_main.c */
void nb_log_counters(const struct nb *b, const char *why);

#endif
