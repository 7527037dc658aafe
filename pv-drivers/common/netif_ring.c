/* netif_ring.c - both ends of the network rings (see netif_ring.h). */
#include "netif_ring.h"
#include "ring_check.h"

static const char *const tx_errors[NETIF_TX_NR_ERRORS] = {
	[NETIF_TX_OK] = "ok",
	[NETIF_TX_SHORT] = "shorter than an Ethernet header",
	[NETIF_TX_OVERSIZE] = "larger than the largest frame",
	[NETIF_TX_CROSS_PAGE] = "a slot crosses its page",
	[NETIF_TX_SLOT_BIGGER] = "a slot larger than the packet",
	[NETIF_TX_TOO_MANY_SLOTS] = "too many slots",
	[NETIF_TX_BAD_EXTRA] = "bad extra info",
	[NETIF_TX_EXTRA_UNOFFERED] = "extra info of a feature not offered",
	[NETIF_TX_RING_FULL] = "a packet that never ends",
};

const char *netif_tx_strerror(enum netif_tx_error err)
{
	return (unsigned int)err < NETIF_TX_NR_ERRORS ? tx_errors[err] : "?";
}

/* ---- tx, backend ---------------------------------------------------------- */

/* Extras after the first slot, from slot *i on; false if not all published. */
static bool take_extras(netif_tx_back_ring_t *r, RING_IDX end, RING_IDX *i,
			struct netif_tx_packet *p)
{
	unsigned int seen = 0;
	netif_tx_request_t slot;
	netif_extra_info_t x;

	do {
		if (*i == end)
			return false;
		RING_COPY_REQUEST(r, *i, &slot);
		(*i)++;
		__builtin_memcpy(&x, &slot, sizeof(x)); /* extras overlay a slot */
		if (x.type == XEN_NETIF_EXTRA_TYPE_NONE || x.type >= XEN_NETIF_EXTRA_TYPE_MAX ||
		    (seen & (1u << x.type)) || p->nextra == NETIF_TX_EXTRAS_MAX) {
			p->err = NETIF_TX_BAD_EXTRA; /* its MORE flag means nothing: stop */
			return true;
		}
		seen |= 1u << x.type;
		p->extra[p->nextra++] = x;
		if (x.type != XEN_NETIF_EXTRA_TYPE_HASH)
			p->err = NETIF_TX_EXTRA_UNOFFERED;
	} while (x.flags & XEN_NETIF_EXTRA_FLAG_MORE);
	return true;
}

/* The data slots chained by NETTXF_more_data; false if not all published. */
static bool take_frags(netif_tx_back_ring_t *r, RING_IDX end, RING_IDX *i,
		       struct netif_tx_packet *p)
{
	uint16_t flags = p->first.flags;

	while (flags & NETTXF_more_data) {
		if (*i == end)
			return false;
		RING_COPY_REQUEST(r, *i, &p->frag[p->nfrag]);
		(*i)++;
		flags = p->frag[p->nfrag++].flags;
	}
	return true;
}

/* Linux netback's checks on a whole packet, on our private copy. */
static enum netif_tx_error check_packet(struct netif_tx_packet *p, uint32_t max_frame)
{
	uint32_t left = p->first.size;

	if (p->first.size < NETIF_ETH_HLEN)
		return NETIF_TX_SHORT;
	if (p->first.size > max_frame)
		return NETIF_TX_OVERSIZE;
	if (p->nfrag + 1 > NETIF_TX_SLOTS_MAX)
		return NETIF_TX_TOO_MANY_SLOTS;
	for (unsigned int k = 0; k < p->nfrag; k++) {
		const netif_tx_request_t *f = &p->frag[k];

		if (f->size > left)
			return NETIF_TX_SLOT_BIGGER;
		left -= f->size;
		if ((uint32_t)f->offset + f->size > NETIF_PAGE)
			return NETIF_TX_CROSS_PAGE;
	}
	p->first_len = (uint16_t)left;
	if ((uint32_t)p->first.offset + left > NETIF_PAGE)
		return NETIF_TX_CROSS_PAGE;
	return NETIF_TX_OK;
}

int netif_tx_back_next(netif_tx_back_ring_t *r, struct netif_tx_packet *p, uint32_t max_frame)
{
	RING_IDX prod = __atomic_load_n(&r->sring->req_prod, __ATOMIC_ACQUIRE);
	int avail = ring_back_avail(prod, r->req_cons, r->rsp_prod_pvt, RING_SIZE(r));
	RING_IDX i = r->req_cons, end;
	bool whole;

	if (avail <= 0)
		return avail;
	end = i + (RING_IDX)avail; /* our bound: never prod itself again */
	p->nextra = p->nfrag = 0;
	p->first_len = 0;
	p->err = NETIF_TX_OK;
	RING_COPY_REQUEST(r, i, &p->first);
	i++;
	whole = !(p->first.flags & NETTXF_extra_info) || take_extras(r, end, &i, p);
	whole = whole && take_frags(r, end, &i, p);
	if (!whole) {
		if ((unsigned int)avail < RING_SIZE(r))
			return 0; /* the rest is still to come */
		p->err = NETIF_TX_RING_FULL; /* it can never end: drop the ring's worth */
	} else if (p->err == NETIF_TX_OK) {
		p->err = check_packet(p, max_frame);
	}
	r->req_cons = i;
	return 1;
}

void netif_tx_back_respond(netif_tx_back_ring_t *r, const struct netif_tx_packet *p,
			   int16_t status)
{
	netif_tx_response_t *rsp = RING_GET_RESPONSE(r, r->rsp_prod_pvt++);

	rsp->id = p->first.id;
	rsp->status = status;
	for (unsigned int k = 0; k < p->nextra; k++)
		RING_GET_RESPONSE(r, r->rsp_prod_pvt++)->status = NETIF_RSP_NULL;
	/* An unknown extra took a slot that was not stored: answer it too. */
	if (p->err == NETIF_TX_BAD_EXTRA)
		RING_GET_RESPONSE(r, r->rsp_prod_pvt++)->status = NETIF_RSP_NULL;
	for (unsigned int k = 0; k < p->nfrag; k++) {
		rsp = RING_GET_RESPONSE(r, r->rsp_prod_pvt++);
		rsp->id = p->frag[k].id;
		rsp->status = status;
	}
}

bool netif_tx_back_push(netif_tx_back_ring_t *r)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(r, notify);
	return notify;
}

bool netif_tx_back_final_check(netif_tx_back_ring_t *r)
{
	RING_IDX prod = __atomic_load_n(&r->sring->req_prod, __ATOMIC_ACQUIRE);

	/*
	 * Not RING_FINAL_CHECK_FOR_REQUESTS, whose req_cons + 1 would never
	 * be crossed again while the slots of an incomplete packet wait:
	 * we want the next push past everything published so far.  prod is
	 * only compared here; netif_tx_back_next judges it.
	 */
	r->sring->req_event = prod + 1;
	xen_mb();
	return __atomic_load_n(&r->sring->req_prod, __ATOMIC_ACQUIRE) != prod;
}

/* ---- rx, backend ---------------------------------------------------------- */

int netif_rx_back_next(netif_rx_back_ring_t *r, netif_rx_request_t *req)
{
	return RING_CHECKED_NEXT_REQUEST(r, req);
}

void netif_rx_back_respond(netif_rx_back_ring_t *r, uint16_t id, uint16_t offset,
			   uint16_t flags, int16_t status)
{
	netif_rx_response_t *rsp = RING_GET_RESPONSE(r, r->rsp_prod_pvt++);

	rsp->id = id;
	rsp->offset = offset;
	rsp->flags = flags;
	rsp->status = status;
}

bool netif_rx_back_push(netif_rx_back_ring_t *r)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(r, notify);
	return notify;
}

bool netif_rx_back_final_check(netif_rx_back_ring_t *r)
{
	RING_IDX prod;

	r->sring->req_event = r->req_cons + 1;
	xen_mb();
	prod = __atomic_load_n(&r->sring->req_prod, __ATOMIC_ACQUIRE);
	return prod != r->req_cons;
}

/* ---- frontend ------------------------------------------------------------- */

int netif_tx_front_next(netif_tx_front_ring_t *r, netif_tx_response_t *rsp)
{
	return RING_CHECKED_NEXT_RESPONSE(r, rsp);
}

int netif_rx_front_next(netif_rx_front_ring_t *r, netif_rx_response_t *rsp)
{
	return RING_CHECKED_NEXT_RESPONSE(r, rsp);
}

bool netif_tx_front_push(netif_tx_front_ring_t *r)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(r, notify);
	return notify;
}

bool netif_rx_front_push(netif_rx_front_ring_t *r)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(r, notify);
	return notify;
}

bool netif_tx_front_final_check(netif_tx_front_ring_t *r)
{
	int more;

	RING_FINAL_CHECK_FOR_RESPONSES(r, more);
	return more;
}

bool netif_rx_front_final_check(netif_rx_front_ring_t *r)
{
	int more;

	RING_FINAL_CHECK_FOR_RESPONSES(r, more);
	return more;
}
