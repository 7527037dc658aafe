/*
 * blkback_indirect.c - an indirect request's segments (BLKIF_OP_INDIRECT,
 * xen/io/blkif.h): its indirect pages hold arrays of struct
 * blkif_request_segment.  As Linux's blkback (xen_blkbk_parse_indirect),
 * each page is reached through its grant only, read-only (writable with
 * persistent grants, which are kept for either use), and the segments
 * copied out before anything looks at them: the guest may change the
 * page meanwhile, but not our copy.  The page is unmapped again at once.
 */
#include <stdio.h>
#include <string.h>

#include "blkback.h"

_Static_assert(BLKIF_INDIRECT_PAGES(BB_MAX_SEGS) <= BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
	       "the indirect pages we offer fit a request");

int bb_indirect_segs(struct bb *b, const blkif_request_t *req,
		     struct blkif_request_segment *seg, char *what, size_t len)
{
	const blkif_request_indirect_t *ind = (const blkif_request_indirect_t *)req;
	unsigned int n = ind->nr_segments; /* 1..BB_MAX_SEGS: checked before */
	unsigned int pages = BLKIF_INDIRECT_PAGES(n);

	for (unsigned int p = 0; p < pages; p++) {
		unsigned int first = p * BLKIF_SEGS_PER_INDIRECT_PAGE;
		unsigned int k = n - first < BLKIF_SEGS_PER_INDIRECT_PAGE ?
				 n - first : BLKIF_SEGS_PER_INDIRECT_PAGE;
		grant_ref_t ref = ind->indirect_grefs[p];
		int16_t st;
		const void *page = kgnt_map(b->gnt, ref, b->conn.persistent, &st);

		if (!page) {
			snprintf(what, len, "indirect page ref %u, status %d", ref, st);
			return st ? st : GNTST_general_error;
		}
		memcpy(&seg[first], page, k * sizeof(*seg));
		kgnt_unmap(b->gnt, ref);
	}
	return 0;
}
