/*
 * pv_fuzz_netif_tx - the backend's tx request consumer
 * (pv-drivers/common/netif_ring.c) against a hostile frontend.  The bytes
 * are: the ring's starting index (4), then rounds of one req_prod
 * published relative to it (2 bytes, any value), the entry at which the
 * round's bytes land (1) and up to 512 bytes of entries.  Every round takes packets
 * until none is complete or the index is refused, answering each.
 * Checked: a refused index really is impossible, nothing is consumed past
 * what was published, every slot taken gets exactly one response, and a
 * packet called good obeys every limit netback relies on.
 */
#include <stdlib.h>
#include <string.h>

#include "../../pv-drivers/common/netif_ring.h"

#define MAX_FRAME 1518u

static union {
	netif_tx_sring_t s;
	uint8_t page[4096];
} sh;
static struct netif_tx_packet pkt;

static void check_good(const struct netif_tx_packet *p)
{
	uint32_t sum = p->first_len;

	if (p->first.size < NETIF_ETH_HLEN || p->first.size > MAX_FRAME ||
	    p->nfrag + 1 > NETIF_TX_SLOTS_MAX ||
	    (uint32_t)p->first.offset + p->first_len > NETIF_PAGE)
		abort();
	for (unsigned int k = 0; k < p->nfrag; k++) {
		if ((uint32_t)p->frag[k].offset + p->frag[k].size > NETIF_PAGE)
			abort();
		sum += p->frag[k].size;
	}
	if (sum != p->first.size)
		abort();
}

/* Take packets until none; the ring's invariants after each. */
static void take(netif_tx_back_ring_t *r, RING_IDX prod)
{
	for (unsigned int n = 0; n < 2 * NETIF_TX_RING_ENTRIES; n++) {
		RING_IDX before = r->req_cons;
		int got = netif_tx_back_next(r, &pkt, MAX_FRAME);

		if (got < 0) {
			if ((RING_IDX)(prod - r->rsp_prod_pvt) <= RING_SIZE(r) &&
			    (RING_IDX)(prod - r->req_cons) <= RING_SIZE(r))
				abort(); /* refused a possible index */
			return;
		}
		if (got == 0)
			return;
		if ((RING_IDX)(r->req_cons - before) > (RING_IDX)(prod - before) ||
		    r->req_cons == before)
			abort(); /* consumed nothing, or past what was published */
		if (pkt.err == NETIF_TX_OK)
			check_good(&pkt);
		netif_tx_back_respond(r, &pkt, pkt.err ? NETIF_RSP_ERROR : NETIF_RSP_OKAY);
		if (r->rsp_prod_pvt != r->req_cons)
			abort(); /* one response per slot */
		netif_tx_back_push(r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	netif_tx_back_ring_t r;
	uint32_t start;
	size_t at = 4;

	if (size < 4)
		return 0;
	memcpy(&start, data, 4);
	memset(&sh, 0, sizeof(sh));
	SHARED_RING_INIT(&sh.s);
	BACK_RING_INIT(&r, &sh.s, sizeof(sh));
	r.req_cons = r.rsp_prod_pvt = start;
	sh.s.rsp_prod = start;
	for (int round = 0; round < 8 && at + 2 <= size; round++) {
		uint16_t step;
		size_t n;

		memcpy(&step, data + at, 2);
		at += 2;
		/* Then the entry the round's bytes start at, and its bytes. */
		if (at < size) {
			size_t off = offsetof(netif_tx_sring_t, ring) +
				     (size_t)data[at++] * sizeof(netif_tx_request_t);

			n = size - at < 512 ? size - at : 512;
			if (off + n > sizeof(sh))
				n = sizeof(sh) - off;
			memcpy(sh.page + off, data + at, n);
			at += n;
		}
		sh.s.req_prod = start + step;
		take(&r, start + step);
	}
	return 0;
}
