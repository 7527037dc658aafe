/*
 * pv_net_loop_front.c - the guest side of tests/unit/pv_net_loop.c: a
 * netfront built over the fake guest's memory (as netfront_open leaves
 * one), and the kit functions netfront_io.c calls, stubbed.  Kept apart
 * because the kit's headers and the C library's clash (main, shutdown).
 */
#include "../../pv-drivers/front/netfront_internal.h"
#include "pv_net_loop.h"

unsigned int loop_to_backend;
void (*loop_backend_run)(void);

void printk(const char *fmt, ...)
{
	(void)fmt;
}

int evtchn_send(evtchn_port_t port)
{
	(void)port;
	loop_to_backend++;
	return 0;
}

/* Blocking lets the backend run once, as a notification would. */
int events_block_until(int (*pred)(void *), void *arg, uint64_t deadline)
{
	(void)deadline;
	if (pred(arg))
		return 0;
	loop_backend_run();
	return pred(arg) ? 0 : -XEN_ETIME;
}

uint64_t now_ns(void)
{
	return 0;
}

/* The backend's state is followed in netfront_follow.c (xenbus): these
 * tests drive nf_rings_reset and nf_backend_action directly. */
int nf_follow_backend(struct netfront *d)
{
	(void)d;
	return 0;
}

int front_backend_pending(const struct front_dev *f)
{
	(void)f;
	return 0;
}

struct netfront *loop_front_new(uint8_t *mem, unsigned int tx_pfn, unsigned int rx_pfn,
				unsigned int buf_pfn, unsigned int first_ref)
{
	struct netfront *d = calloc(1, sizeof(*d));

	for (unsigned int i = 0; i < NETFRONT_BUFS; i++) {
		d->txb[i] = (struct nf_buf){ .page = mem + (buf_pfn + i) * 4096,
					     .ref = first_ref + i };
		d->rxb[i] = (struct nf_buf){ .page = mem + (buf_pfn + NETFRONT_BUFS + i) * 4096,
					     .ref = first_ref + NETFRONT_BUFS + i };
	}
	FRONT_RING_INIT(&d->tx, (netif_tx_sring_t *)(mem + tx_pfn * 4096), 4096);
	FRONT_RING_INIT(&d->rx, (netif_rx_sring_t *)(mem + rx_pfn * 4096), 4096);
	nf_rx_refill(d); /* as netfront_open ends */
	return d;
}

unsigned int loop_front_inflight(const struct netfront *d)
{
	return d->tx_inflight;
}

void loop_front_reconnected(struct netfront *d)
{
	nf_rings_reset(d);
	nf_rx_refill(d); /* as nf_connect ends */
}

uint64_t loop_front_tx_dropped(const struct netfront *d)
{
	return d->st.tx_dropped;
}
