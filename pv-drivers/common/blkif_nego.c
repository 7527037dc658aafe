/* blkif_nego.c - the block protocol's feature negotiation (see blkif_nego.h). */
/* snprintf: the C library's on the host, the guest kit's in a guest. */
#if __STDC_HOSTED__
#include <stdio.h>
#else
#include <ketch-guest/string.h>
#endif

#include "blkif_nego.h"

const char *blkif_back_negotiate(const struct blkif_fe_keys *fe, const struct blkif_offer *be,
				 struct blkif_conn *c)
{
	*c = (struct blkif_conn){ .nr_pages = 1, .nr_queues = 1 };
	if (fe->has_order && fe->order > be->max_order)
		return "ring-page-order exceeds max-ring-page-order";
	if (fe->has_queues && (fe->queues == 0 || fe->queues > be->max_queues))
		return "multi-queue-num-queues is 0 or exceeds multi-queue-max-queues";
	if (fe->has_order) {
		c->order = (unsigned int)fe->order;
		c->nr_pages = 1u << c->order;
		c->multi_ref = true;
	}
	if (fe->has_queues)
		c->nr_queues = (unsigned int)fe->queues;
	c->persistent = be->persistent && fe->persistent == 1;
	return NULL;
}

static unsigned long min_ul(unsigned long a, unsigned long b)
{
	return a < b ? a : b;
}

void blkif_front_choose(const struct blkif_offer *be, unsigned long be_max_indirect,
			const struct blkif_offer *want, unsigned int want_indirect,
			struct blkif_conn *c, unsigned int *max_indirect)
{
	unsigned long q = min_ul(be->max_queues, want->max_queues);

	*c = (struct blkif_conn){ .nr_pages = 1, .nr_queues = 1 };
	c->order = (unsigned int)min_ul(min_ul(be->max_order, want->max_order),
					BLKIF_MAX_RING_ORDER);
	c->nr_pages = 1u << c->order;
	c->multi_ref = c->order > 0; /* as Linux's blkfront: ring-ref alone for one page */
	c->nr_queues = q ? (unsigned int)min_ul(q, BLKIF_MAX_QUEUES) : 1;
	c->persistent = be->persistent && want->persistent;
	*max_indirect = (unsigned int)min_ul(min_ul(be_max_indirect, want_indirect),
					     BLKIF_MAX_INDIRECT_SEGS);
	if (*max_indirect <= 11) /* BLKIF_MAX_SEGMENTS_PER_REQUEST: nothing gained */
		*max_indirect = 0;
}

int blkif_ring_key(char *buf, size_t n, const struct blkif_conn *c, unsigned int q,
		   unsigned int p)
{
	char dir[24] = "";

	if (c->nr_queues > 1)
		snprintf(dir, sizeof(dir), "queue-%u/", q);
	if (!c->multi_ref)
		return snprintf(buf, n, "%sring-ref", dir);
	return snprintf(buf, n, "%sring-ref%u", dir, p);
}

int blkif_port_key(char *buf, size_t n, const struct blkif_conn *c, unsigned int q)
{
	if (c->nr_queues > 1)
		return snprintf(buf, n, "queue-%u/event-channel", q);
	return snprintf(buf, n, "event-channel");
}
