/*
 * netback_rx.c - frames from the TAP into the buffers the guest posted on
 * its rx ring.  One frame waits in b->frame while the guest has no free
 * buffer; meanwhile the TAP is not read, so further frames queue (and are
 * dropped when full) in the host's kernel, as on any slow interface.
 * Every frame fits one buffer (the MTU is at most a page less the
 * Ethernet header), so each response sits in its request's slot.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "netback.h"

bool nb_rx_wants_tap(const struct nb *b)
{
	return b->connected && !b->frame_len;
}

/* Read one frame into b->frame; false when the TAP has none. */
static bool read_frame(struct nb *b)
{
	uint8_t over[NETIF_PAGE + 1];
	ssize_t k = read(b->tap_fd, over, sizeof(over));

	if (k < 0) {
		if (errno != EAGAIN && errno != EINTR)
			bk_log("%s: %s", b->ifname, strerror(errno));
		return false;
	}
	if (k > NETIF_PAGE) {
		b->c.rx_too_big++;
		return true; /* dropped: look for the next one */
	}
	memcpy(b->frame, over, (size_t)k);
	b->frame_len = (uint16_t)k;
	return true;
}

/* Copy the waiting frame into the next buffer: 1 done, 0 no buffer, -1
 * impossible ring. */
static int put_frame(struct nb *b)
{
	netif_rx_request_t req;
	int got = netif_rx_back_next(&b->rx, &req);
	int16_t st;

	if (got == 0 && netif_rx_back_final_check(&b->rx))
		got = netif_rx_back_next(&b->rx, &req);
	if (got <= 0)
		return got;
	st = kgnt_copy_to(b->gnt, req.gref, 0, b->frame, b->frame_len);
	if (st != GNTST_okay) {
		if (++b->c.rx_bad_grant <= NB_LOG_FIRST)
			bk_log("rx buffer id %u: grant refused (status %d)", req.id, st);
		netif_rx_back_respond(&b->rx, req.id, 0, 0, NETIF_RSP_ERROR);
	} else {
		b->c.rx_packets++;
		b->c.rx_bytes += b->frame_len;
		netif_rx_back_respond(&b->rx, req.id, 0, 0, (int16_t)b->frame_len);
	}
	b->frame_len = 0;
	return 1;
}

bool nb_rx_work(struct nb *b)
{
	unsigned int n;
	int got = 0;

	for (n = 0; n < NB_BUDGET; n++) {
		if (!b->frame_len && !read_frame(b))
			break;
		if (!b->frame_len)
			continue;
		if ((got = put_frame(b)) <= 0)
			break;
	}
	if (netif_rx_back_push(&b->rx))
		nb_notify(b);
	b->rx_more = n == NB_BUDGET;
	if (got < 0) {
		b->c.ring_errors++;
		bk_log("rx ring: impossible request index from the frontend");
		return false;
	}
	return true;
}
