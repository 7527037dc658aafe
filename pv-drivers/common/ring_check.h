/*
 * ring_check.h - the one place an index written by the other end of a
 * Xen shared ring (xen/io/ring.h) is judged, for every ring of both ends
 * (blkif_ring.c, netif_ring.c; host and guest builds alike).  The index
 * is read once with acquire order by the caller and only then checked:
 * a peer can move it at any time, so it must never be read again between
 * the check and its use.  Include after blkif_ring.h or netif_ring.h,
 * which bring xen/io/ring.h with the barriers it needs.
 */
#ifndef KETCH_RING_CHECK_H
#define KETCH_RING_CHECK_H

/*
 * A backend's view of the frontend's req_prod: how many requests past
 * cons it published (0..size), or -1 when that is impossible (more than a
 * ring ahead of our responses, or behind what we consumed).  A request
 * is never taken without a free response slot: prod within a ring of
 * rsp_prod_pvt leaves none past it.
 */
static inline int ring_back_avail(RING_IDX prod, RING_IDX cons, RING_IDX rsp_prod_pvt,
				  RING_IDX size)
{
	if ((RING_IDX)(prod - rsp_prod_pvt) > size || (RING_IDX)(prod - cons) > size)
		return -1;
	return (int)(RING_IDX)(prod - cons);
}

/*
 * A frontend's view of the backend's rsp_prod: how many responses past
 * rsp_cons it published, or -1 when that is more than the requests we
 * have outstanding.
 */
static inline int ring_front_avail(RING_IDX prod, RING_IDX rsp_cons, RING_IDX req_prod_pvt)
{
	if ((RING_IDX)(prod - rsp_cons) > (RING_IDX)(req_prod_pvt - rsp_cons))
		return -1;
	return (int)(RING_IDX)(prod - rsp_cons);
}

/*
 * Copy the next request of back ring r (any blkif/netif type) into *req:
 * 1 (req_cons advanced), 0 (none), -1 (impossible req_prod).  A macro
 * because ring.h's ring types differ only in their entries.
 */
#define RING_CHECKED_NEXT_REQUEST(r, req)                                               \
	__extension__({                                                                 \
		RING_IDX prod_ = __atomic_load_n(&(r)->sring->req_prod, __ATOMIC_ACQUIRE); \
		int n_ = ring_back_avail(prod_, (r)->req_cons, (r)->rsp_prod_pvt,       \
					 RING_SIZE(r));                                 \
		if (n_ > 0) {                                                           \
			RING_COPY_REQUEST(r, (r)->req_cons, req);                       \
			(r)->req_cons++;                                                \
			n_ = 1;                                                         \
		}                                                                       \
		n_;                                                                     \
	})

/* The same for the next response of front ring r: 1, 0, or -1 (more
 * responses than requests outstanding). */
#define RING_CHECKED_NEXT_RESPONSE(r, rsp)                                              \
	__extension__({                                                                 \
		RING_IDX prod_ = __atomic_load_n(&(r)->sring->rsp_prod, __ATOMIC_ACQUIRE); \
		int n_ = ring_front_avail(prod_, (r)->rsp_cons, (r)->req_prod_pvt);     \
		if (n_ > 0) {                                                           \
			RING_COPY_RESPONSE(r, (r)->rsp_cons, rsp);                      \
			(r)->rsp_cons++;                                                \
			n_ = 1;                                                         \
		}                                                                       \
		n_;                                                                     \
	})

#endif
