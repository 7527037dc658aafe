/*
 * netif_ring.h - Xen's network rings (xen/io/netif.h: one tx and one rx
 * ring, a page each) written once for both ends: ketch-netback (host) and
 * the guest kit's netfront.
 *
 * As for the block ring: whatever the other end wrote is read once
 * (indices with acquire order, then checked against what the ring can
 * hold) and every entry is copied whole into private memory
 * (RING_COPY_*) before anything looks at it.  A peer whose indices are
 * impossible is reported (-1), never followed, so every loop over the
 * other end's entries is bounded by the ring size.
 *
 * "tx" is the guest's transmit direction (frontend -> backend), "rx" its
 * receive direction, as in netif.h.
 */
#ifndef KETCH_NETIF_RING_H
#define KETCH_NETIF_RING_H

#include <stdbool.h>
#include <stddef.h> /* offsetof, for __CONST_RING_SIZE */
#include <stdint.h>

/* ring.h leaves the barriers to its includer: C11 fences serve both ends. */
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#include <xen/xen.h>
#include <xen/io/netif.h>

#define NETIF_PAGE 4096u
#define NETIF_TX_RING_ENTRIES __CONST_RING_SIZE(netif_tx, 4096)
#define NETIF_RX_RING_ENTRIES __CONST_RING_SIZE(netif_rx, 4096)
#define NETIF_ETH_HLEN 14u
/* Data slots one transmitted packet may use: the minimum netif.h makes
 * every backend accept (Linux's netback takes no more either). */
#define NETIF_TX_SLOTS_MAX XEN_NETIF_NR_SLOTS_MIN
/* Extra-info slots after a packet's first: one of each type at most. */
#define NETIF_TX_EXTRAS_MAX (XEN_NETIF_EXTRA_TYPE_MAX - 1)

/* Why a transmitted packet is refused (answered NETIF_RSP_ERROR). */
enum netif_tx_error {
	NETIF_TX_OK = 0,
	NETIF_TX_SHORT,          /* smaller than an Ethernet header */
	NETIF_TX_OVERSIZE,       /* larger than the frame the backend takes */
	NETIF_TX_CROSS_PAGE,     /* a slot's offset + size passes its page */
	NETIF_TX_SLOT_BIGGER,    /* a slot larger than what remains of the packet */
	NETIF_TX_TOO_MANY_SLOTS, /* more than NETIF_TX_SLOTS_MAX data slots */
	NETIF_TX_BAD_EXTRA,      /* extra info of no known type, repeated, or too many */
	NETIF_TX_EXTRA_UNOFFERED,/* GSO or multicast control: features not offered */
	NETIF_TX_RING_FULL,      /* one packet fills the whole ring and goes on */
	NETIF_TX_NR_ERRORS
};

/* A short name for err ("cross-page slot"...). */
const char *netif_tx_strerror(enum netif_tx_error err);

/* One packet the frontend transmitted, copied out of the ring. */
struct netif_tx_packet {
	netif_tx_request_t first;       /* first.size is the whole frame's length */
	uint16_t first_len;             /* bytes in the first slot */
	unsigned int nextra;            /* extra-info slots after the first */
	netif_extra_info_t extra[NETIF_TX_EXTRAS_MAX];
	unsigned int nfrag;             /* data slots after the first */
	netif_tx_request_t frag[NETIF_TX_RING_ENTRIES];
	enum netif_tx_error err;        /* NETIF_TX_OK: take it; else drop it */
};

/* ---- backend ---------------------------------------------------------- */

/*
 * Copy the next whole packet (first slot, extras, NETTXF_more_data slots)
 * into *p and consume its slots.  1: taken, p->err says whether it is
 * good (its data at most max_frame bytes); 0: no complete packet
 * published yet; -1: the frontend's req_prod is impossible (more than a
 * ring ahead of our responses, or behind what we consumed).  The backend
 * must answer each packet taken (netif_tx_back_respond) before taking the
 * next.
 */
int netif_tx_back_next(netif_tx_back_ring_t *r, struct netif_tx_packet *p, uint32_t max_frame);
/* Queue one response per slot of p: status for its data slots,
 * NETIF_RSP_NULL for its extras (netif.h's layout). */
void netif_tx_back_respond(netif_tx_back_ring_t *r, const struct netif_tx_packet *p,
			   int16_t status);
/* Publish queued responses; true when the frontend asked to be notified. */
bool netif_tx_back_push(netif_tx_back_ring_t *r);
/*
 * Call when netif_tx_back_next answered 0: re-arm req_event for the next
 * push past what is published (the rest of a packet still incomplete
 * included).  True if requests were published meanwhile (look again).
 */
bool netif_tx_back_final_check(netif_tx_back_ring_t *r);

/*
 * Take the next posted receive buffer.  1: copied into *req; 0: none
 * posted; -1: req_prod impossible.  Answer it (netif_rx_back_respond)
 * before taking another, so each response lands in its request's slot,
 * which frontends rely on.
 */
int netif_rx_back_next(netif_rx_back_ring_t *r, netif_rx_request_t *req);
/* Queue the response to the request taken last: status is the packet's
 * length or NETIF_RSP_*. */
void netif_rx_back_respond(netif_rx_back_ring_t *r, uint16_t id, uint16_t offset,
			   uint16_t flags, int16_t status);
bool netif_rx_back_push(netif_rx_back_ring_t *r);
/* Re-arm req_event; true if buffers were posted meanwhile. */
bool netif_rx_back_final_check(netif_rx_back_ring_t *r);

/* ---- frontend --------------------------------------------------------- */

/*
 * Copy the next response.  1: copied; 0: none; -1: the backend's
 * rsp_prod is impossible (more responses than requests outstanding).
 */
int netif_tx_front_next(netif_tx_front_ring_t *r, netif_tx_response_t *rsp);
int netif_rx_front_next(netif_rx_front_ring_t *r, netif_rx_response_t *rsp);
/* Publish queued requests; true when the backend asked to be notified. */
bool netif_tx_front_push(netif_tx_front_ring_t *r);
bool netif_rx_front_push(netif_rx_front_ring_t *r);
/* Re-arm rsp_event; true if responses are waiting (do not sleep). */
bool netif_tx_front_final_check(netif_tx_front_ring_t *r);
bool netif_rx_front_final_check(netif_rx_front_ring_t *r);

#endif
