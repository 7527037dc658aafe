/*
 * kgnt_share.c - a clone's memory is copy-on-write from its image, and
 * a page reaches the memfd this library reads and maps only once ketch-hv
 * has shared it (ctl.h's MEM_SHARE).  So before the first access to a
 * page of such a domain the library asks for it, once per page: a page
 * shared stays so.  Every other domain answers "nothing private" when
 * opened and is never asked again.
 */
#include <errno.h>
#include <stdlib.h>

#include "ketch/ketchctl.h"
#include "kgnt_private.h"

void kgnt_share_init(struct kgnt *g)
{
	uint64_t left = 0;

	if (g->ctl && kctl_mem_share(g->ctl, g->domid, 0, 0, &left) == 0 && left)
		g->shared = calloc((g->nr_pages + 63) / 64, sizeof(*g->shared));
}

int kgnt_share(struct kgnt *g, uint64_t pfn)
{
	uint64_t left;
	int r;

	if (!g->shared || g->shared[pfn / 64] >> (pfn % 64) & 1)
		return 0;
	r = kctl_mem_share(g->ctl, g->domid, pfn, 1, &left);
	if (r)
		return r;
	g->shared[pfn / 64] |= 1ull << (pfn % 64);
	if (left == 0) {
		free(g->shared);
		g->shared = NULL;
	}
	return 0;
}
