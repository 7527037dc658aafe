/*
 * netback_tx.c - packets the guest transmits, out of its tx ring into the
 * TAP.  Each packet is taken whole by netif_tx_back_next (which applies
 * Linux netback's checks), its slots copied out of the granted pages
 * through libketchgnt (kgnt_copy_from checks every grant), its checksum
 * finished if it was left blank, and written to the TAP as one frame.  A
 * malformed packet, or one whose grant fails, is answered
 * NETIF_RSP_ERROR in each of its slots and counted; the vif goes on.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "netback.h"

/* The frame the packet carries, gathered into buf.  GNTST_okay or the
 * first failing slot's status. */
static int16_t gather(struct nb *b, const struct netif_tx_packet *p, uint8_t *buf)
{
	int16_t st = kgnt_copy_from(b->gnt, p->first.gref, p->first.offset, buf, p->first_len);
	uint32_t at = p->first_len;

	for (unsigned int k = 0; k < p->nfrag && st == GNTST_okay; k++) {
		const netif_tx_request_t *f = &p->frag[k];

		st = kgnt_copy_from(b->gnt, f->gref, f->offset, buf + at, f->size);
		at += f->size;
	}
	return st;
}

/* One packet to the TAP; its response status. */
static int16_t deliver(struct nb *b, const struct netif_tx_packet *p)
{
	uint8_t buf[NB_FRAME_MAX];
	int16_t st;

	if (p->err != NETIF_TX_OK) {
		if (++b->c.tx_refused[p->err] <= NB_LOG_FIRST)
			bk_log("tx packet id %u refused: %s", p->first.id,
			       netif_tx_strerror(p->err));
		return NETIF_RSP_ERROR;
	}
	st = gather(b, p, buf);
	if (st != GNTST_okay) {
		if (++b->c.tx_bad_grant <= NB_LOG_FIRST)
			bk_log("tx packet id %u: grant refused (status %d)", p->first.id, st);
		return NETIF_RSP_ERROR;
	}
	if ((p->first.flags & NETTXF_csum_blank) && !nb_csum_complete(buf, p->first.size)) {
		b->c.tx_csum_dropped++; /* as Linux: answered OKAY, not delivered */
		return NETIF_RSP_OKAY;
	}
	if (write(b->tap_fd, buf, p->first.size) != (ssize_t)p->first.size) {
		b->c.tx_tap_dropped++; /* the host's queue is full: a lost packet */
		return NETIF_RSP_OKAY;
	}
	b->c.tx_packets++;
	b->c.tx_bytes += p->first.size;
	return NETIF_RSP_OKAY;
}

/* The next packet into b->pkt: 1 when there is one (a packet held back
 * by the rate limit first), 0 when the ring is empty, -1 when its index
 * is impossible. */
static int next_packet(struct nb *b, uint32_t max_frame)
{
	if (b->tx_held)
		return 1;
	return netif_tx_back_next(&b->tx, &b->pkt, max_frame);
}

/* Whether the rate limit lets b->pkt pass now; if not it is held, its
 * slots unanswered, until the credit's timer (netback_main's poll).  As
 * in Linux's netback a packet is charged the size its first slot
 * claims, before any other check. */
static bool within_rate(struct nb *b)
{
	bool ok = nb_credit_take(&b->credit, b->pkt.first.size, nb_now_ns());

	if (!ok && !b->tx_held)
		b->c.tx_rate_waits++;
	b->tx_held = !ok;
	return ok;
}

bool nb_tx_work(struct nb *b)
{
	uint32_t max_frame = b->mtu + NETIF_ETH_HLEN + 4; /* one 802.1Q tag */
	unsigned int n = 0;
	int got = 0;

	do {
		while (n < NB_BUDGET && (got = next_packet(b, max_frame)) == 1 && within_rate(b)) {
			netif_tx_back_respond(&b->tx, &b->pkt, deliver(b, &b->pkt));
			n++;
		}
	} while (!b->tx_held && n < NB_BUDGET && got == 0 && netif_tx_back_final_check(&b->tx));
	if (netif_tx_back_push(&b->tx))
		nb_notify(b);
	b->tx_more = n == NB_BUDGET && !b->tx_held;
	if (got < 0) {
		b->c.ring_errors++;
		bk_log("tx ring: impossible request index from the frontend");
		return false;
	}
	return true;
}
