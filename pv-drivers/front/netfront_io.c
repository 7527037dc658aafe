/*
 * netfront_io.c - frames through the rings.  Transmit: a frame is copied
 * into free transmit buffers (one slot each, NETTXF_more_data between
 * them; the first slot's size is the frame's); each request's id is its
 * buffer, so a response naming a buffer not in flight is a protocol
 * error, never an index into memory.  Receive: every free buffer stays
 * posted; a response is matched to its buffer by its ring slot (netif.h:
 * backends answer in the request's slot) and must name that buffer.
 */
#include "netfront_internal.h"

const struct netfront_stats *netfront_get_stats(const struct netfront *d)
{
	return &d->st;
}

static void kick(struct netfront *d, bool notify)
{
	if (notify)
		evtchn_send(d->port);
}

void nf_rx_refill(struct netfront *d)
{
	for (uint16_t i = 0; i < NETFRONT_BUFS; i++) {
		struct nf_buf *b = &d->rxb[i];
		RING_IDX at = d->rx.req_prod_pvt;

		if (b->busy)
			continue;
		*RING_GET_REQUEST(&d->rx, at) = (netif_rx_request_t){ .id = i, .gref = b->ref };
		d->rx_slot[at & (NETIF_RX_RING_ENTRIES - 1)] = i;
		d->rx.req_prod_pvt = at + 1;
		b->busy = 1;
	}
	kick(d, netif_rx_front_push(&d->rx));
}

int nf_tx_reclaim(struct netfront *d)
{
	netif_tx_response_t rsp;
	int got;

	while (!d->broken && (got = netif_tx_front_next(&d->tx, &rsp)) == 1) {
		struct nf_buf *b = rsp.id < NETFRONT_BUFS ? &d->txb[rsp.id] : NULL;

		if (rsp.status == NETIF_RSP_NULL)
			continue; /* the slot of an extra: we send none, harmless */
		if (!b || !b->busy) {
			printk("netfront: tx response for unknown id %u\n", rsp.id);
			d->broken = 1;
			break;
		}
		b->busy = 0;
		b->status = rsp.status;
		d->tx_inflight--;
		if (rsp.status == NETIF_RSP_OKAY)
			d->st.tx_slots++;
		else
			d->st.tx_slot_errors++;
	}
	if (got < 0) {
		printk("netfront: backend's tx response index is impossible\n");
		d->broken = 1;
	}
	return d->broken ? -XEN_EBADMSG : 0;
}

/* n free transmit buffers into ids[], or -XEN_EAGAIN. */
static int take_bufs(struct netfront *d, uint16_t *ids, unsigned int n)
{
	unsigned int k = 0;

	if (NETFRONT_BUFS - d->tx_inflight < n && nf_tx_reclaim(d))
		return -XEN_EBADMSG;
	if (NETFRONT_BUFS - d->tx_inflight < n)
		return -XEN_EAGAIN;
	for (uint16_t i = 0; i < NETFRONT_BUFS && k < n; i++)
		if (!d->txb[i].busy)
			ids[k++] = i;
	for (k = 0; k < n; k++)
		d->txb[ids[k]].busy = 1;
	d->tx_inflight += n;
	return 0;
}

/* Queue slot q for buffer id. */
static void queue_slot(struct netfront *d, netif_tx_request_t q, uint16_t id)
{
	q.id = id;
	if (!q.gref)
		q.gref = d->txb[id].ref;
	*RING_GET_REQUEST(&d->tx, d->tx.req_prod_pvt) = q;
	d->tx.req_prod_pvt++;
}

int netfront_send(struct netfront *d, const void *frame, unsigned int len, unsigned int chunk)
{
	uint16_t ids[NETIF_TX_SLOTS_MAX];
	unsigned int n, off = 0;
	int r;

	if (d->gone)
		return -XEN_ENODEV;
	if (d->broken)
		return -XEN_EBADMSG;
	if (len < NETIF_ETH_HLEN || len > NETFRONT_FRAME_MAX)
		return -XEN_EINVAL;
	if (!chunk || chunk > len)
		chunk = len;
	n = (len + chunk - 1) / chunk;
	if (n > NETIF_TX_SLOTS_MAX)
		return -XEN_EINVAL;
	if ((r = take_bufs(d, ids, n)))
		return r;
	for (unsigned int k = 0; k < n; k++, off += chunk) {
		unsigned int part = len - off < chunk ? len - off : chunk;

		memcpy(d->txb[ids[k]].page, (const uint8_t *)frame + off, part);
		queue_slot(d, (netif_tx_request_t){
			.size = (uint16_t)(k ? part : len),
			.flags = k + 1 < n ? NETTXF_more_data : 0 }, ids[k]);
	}
	kick(d, netif_tx_front_push(&d->tx));
	return 0;
}

/* One response of the rx ring, its slot's buffer given to fn.  False if
 * the backend broke the protocol. */
static bool rx_one(struct netfront *d, RING_IDX at, const netif_rx_response_t *rsp,
		   netfront_rx_fn fn, void *arg)
{
	uint16_t id = d->rx_slot[at & (NETIF_RX_RING_ENTRIES - 1)];
	struct nf_buf *b = &d->rxb[id];

	if (rsp->id != id || !b->busy) {
		printk("netfront: rx response id %u in the slot of buffer %u\n", rsp->id, id);
		return false;
	}
	b->busy = 0;
	if (rsp->status < 0) {
		d->st.rx_errors++;
	} else if (rsp->flags & (NETRXF_more_data | NETRXF_extra_info) ||
		   rsp->status < (int)NETIF_ETH_HLEN ||
		   (uint32_t)rsp->offset + (uint32_t)rsp->status > NETIF_PAGE) {
		d->st.rx_malformed++; /* we offered no GSO and take one slot a frame */
	} else {
		d->st.rx_packets++;
		fn(arg, b->page + rsp->offset, (unsigned int)rsp->status);
	}
	return true;
}

int netfront_poll(struct netfront *d, netfront_rx_fn fn, void *arg)
{
	netif_rx_response_t rsp;
	int got, n = 0;

	if (d->gone)
		return -XEN_ENODEV;
	if (!d->broken && (got = nf_follow_backend(d)))
		return got;
	if (d->broken || nf_tx_reclaim(d))
		return -XEN_EBADMSG;
	/* At most a ring of responses: each frees a buffer we posted. */
	for (unsigned int k = 0; k < NETFRONT_BUFS; k++) {
		RING_IDX at = d->rx.rsp_cons;

		if ((got = netif_rx_front_next(&d->rx, &rsp)) != 1)
			break;
		if (!rx_one(d, at, &rsp, fn, arg)) {
			d->broken = 1;
			return -XEN_EBADMSG;
		}
		n += rsp.status >= 0;
	}
	if (got < 0) {
		printk("netfront: backend's rx response index is impossible\n");
		d->broken = 1;
		return -XEN_EBADMSG;
	}
	nf_rx_refill(d);
	return n;
}

static int has_work(void *arg)
{
	struct netfront *d = arg;
	bool rx = netif_rx_front_final_check(&d->rx);

	return rx || (d->tx_inflight && netif_tx_front_final_check(&d->tx)) ||
	       (d->watching && front_backend_pending(&d->xb));
}

int netfront_pending(struct netfront *d)
{
	return d->gone || d->broken || has_work(d);
}

int netfront_wait(struct netfront *d, uint64_t deadline)
{
	if (d->gone)
		return -XEN_ENODEV;
	if (d->broken)
		return -XEN_EBADMSG;
	return events_block_until(has_work, d, deadline) ? -XEN_ETIME : 0;
}

int netfront_send_raw(struct netfront *d, const netif_tx_request_t *slots, unsigned int n,
		      int16_t *statuses)
{
	uint16_t ids[NETFRONT_BUFS];
	uint64_t deadline = now_ns() + d->xb.timeout_ns;
	int r;

	if (d->broken)
		return -XEN_EBADMSG;
	if (n > NETFRONT_BUFS)
		return -XEN_EINVAL;
	if ((r = take_bufs(d, ids, n)))
		return r;
	for (unsigned int k = 0; k < n; k++)
		queue_slot(d, slots[k], ids[k]);
	kick(d, netif_tx_front_push(&d->tx));
	for (unsigned int k = 0; k < n; k++) {
		while (d->txb[ids[k]].busy) {
			if ((r = nf_tx_reclaim(d)))
				return r;
			if (d->txb[ids[k]].busy && netfront_wait(d, deadline))
				return -XEN_ETIME;
		}
		statuses[k] = d->txb[ids[k]].status;
	}
	return 0;
}
