/* pv_net_loop.h - between tests/unit/pv_net_loop.c and its guest side. */
#ifndef TESTS_UNIT_PV_NET_LOOP_H
#define TESTS_UNIT_PV_NET_LOOP_H

#include <stdint.h>

struct netfront;

/* Notifications netfront sent; what a block runs (the backend). */
extern unsigned int loop_to_backend;
extern void (*loop_backend_run)(void);

/* A connected netfront over mem: rings at the two frames, 2 *
 * NETFRONT_BUFS buffers from buf_pfn on (tx first) granted by
 * first_ref on; its receive buffers posted.  free() it. */
struct netfront *loop_front_new(uint8_t *mem, unsigned int tx_pfn, unsigned int rx_pfn,
				unsigned int buf_pfn, unsigned int first_ref);
unsigned int loop_front_inflight(const struct netfront *d);
/* What a reconnection does to the rings (nf_rings_reset), and the
 * receive buffers posted again. */
void loop_front_reconnected(struct netfront *d);
uint64_t loop_front_tx_dropped(const struct netfront *d);

#endif
