/*
 * Unit tests: the block protocol's optional features as both ends
 * negotiate them (pv-drivers/common/blkif_nego.c) — ring-page-order and
 * queues judged by the backend as Linux's blkback, the frontend's choice,
 * the xenstore keys of each queue's rings — and what they change on the
 * ring: a multi-page ring's size, indirect requests' checks.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../pv-drivers/common/blkif_nego.h"
#include "../../pv-drivers/common/blkif_ring.h"

static const struct blkif_offer offer = { .max_order = BLKIF_MAX_RING_ORDER,
					  .max_queues = BLKIF_MAX_QUEUES, .persistent = true };

START_TEST(backend_defaults_without_keys)
{
	struct blkif_fe_keys k = { 0 };
	struct blkif_conn c;

	ck_assert_ptr_null(blkif_back_negotiate(&k, &offer, &c));
	ck_assert_uint_eq(c.nr_pages, 1);
	ck_assert_uint_eq(c.nr_queues, 1);
	ck_assert(!c.multi_ref);
	ck_assert(!c.persistent);
}
END_TEST

START_TEST(backend_judges_order_and_queues)
{
	struct blkif_fe_keys k = { .has_order = true, .order = 4, .has_queues = true,
				   .queues = 4, .persistent = 1 };
	struct blkif_conn c;

	ck_assert_ptr_null(blkif_back_negotiate(&k, &offer, &c));
	ck_assert_uint_eq(c.nr_pages, 16);
	ck_assert_uint_eq(c.nr_queues, 4);
	ck_assert(c.multi_ref && c.persistent);
	k.order = 5; /* past max-ring-page-order */
	ck_assert_ptr_nonnull(blkif_back_negotiate(&k, &offer, &c));
	k.order = ~0UL;
	ck_assert_ptr_nonnull(blkif_back_negotiate(&k, &offer, &c));
	k.order = 0; /* present and 0: one page named ring-ref0, as Linux */
	ck_assert_ptr_null(blkif_back_negotiate(&k, &offer, &c));
	ck_assert(c.multi_ref);
	ck_assert_uint_eq(c.nr_pages, 1);
	k.queues = 0;
	ck_assert_ptr_nonnull(blkif_back_negotiate(&k, &offer, &c));
	k.queues = 5;
	ck_assert_ptr_nonnull(blkif_back_negotiate(&k, &offer, &c));
	k.queues = 1;
	k.persistent = 2; /* only 1 means yes */
	ck_assert_ptr_null(blkif_back_negotiate(&k, &offer, &c));
	ck_assert(!c.persistent);
}
END_TEST

/* A backend started with --max-queues 2: the limit is the offer's, not
 * BLKIF_MAX_QUEUES; one queue asked for keeps the one-queue keys. */
START_TEST(backend_judges_queues_by_its_offer)
{
	const struct blkif_offer two = { .max_order = 1, .max_queues = 2 };
	struct blkif_fe_keys k = { .has_queues = true, .queues = 2 };
	struct blkif_conn c;
	char key[48];

	ck_assert_ptr_null(blkif_back_negotiate(&k, &two, &c));
	ck_assert_uint_eq(c.nr_queues, 2);
	blkif_ring_key(key, sizeof(key), &c, 1, 0);
	ck_assert_str_eq(key, "queue-1/ring-ref");
	k.queues = 3;
	ck_assert_ptr_nonnull(blkif_back_negotiate(&k, &two, &c));
	k.queues = 1;
	ck_assert_ptr_null(blkif_back_negotiate(&k, &two, &c));
	blkif_ring_key(key, sizeof(key), &c, 0, 0);
	ck_assert_str_eq(key, "ring-ref");
	blkif_port_key(key, sizeof(key), &c, 0);
	ck_assert_str_eq(key, "event-channel");
}
END_TEST

START_TEST(frontend_takes_the_smaller)
{
	struct blkif_offer be = { .max_order = 4, .max_queues = 8, .persistent = true };
	struct blkif_offer want = { .max_order = 1, .max_queues = 2, .persistent = true };
	struct blkif_offer none = { 0 };
	struct blkif_conn c;
	unsigned int ind;

	blkif_front_choose(&be, 256, &want, 64, &c, &ind);
	ck_assert_uint_eq(c.order, 1);
	ck_assert_uint_eq(c.nr_pages, 2);
	ck_assert_uint_eq(c.nr_queues, 2);
	ck_assert(c.multi_ref && c.persistent);
	ck_assert_uint_eq(ind, 64);
	blkif_front_choose(&none, 0, &want, 64, &c, &ind); /* a backend without features */
	ck_assert_uint_eq(c.nr_pages, 1);
	ck_assert_uint_eq(c.nr_queues, 1);
	ck_assert(!c.multi_ref && !c.persistent);
	ck_assert_uint_eq(ind, 0);
	be.max_order = 99; /* the backend's claim is bounded by ours anyway */
	want.max_order = 99;
	blkif_front_choose(&be, 100000, &want, 100000, &c, &ind);
	ck_assert_uint_eq(c.order, BLKIF_MAX_RING_ORDER);
	ck_assert_uint_le(c.nr_queues, BLKIF_MAX_QUEUES);
	ck_assert_uint_eq(ind, BLKIF_MAX_INDIRECT_SEGS);
	blkif_front_choose(&be, 8, &want, 64, &c, &ind); /* fewer than direct: not used */
	ck_assert_uint_eq(ind, 0);
}
END_TEST

START_TEST(keys_of_each_queue)
{
	struct blkif_conn one = { .nr_pages = 1, .nr_queues = 1 };
	struct blkif_conn multi = { .nr_pages = 4, .nr_queues = 1, .multi_ref = true };
	struct blkif_conn mq = { .nr_pages = 2, .nr_queues = 3, .multi_ref = true };
	char k[48];

	blkif_ring_key(k, sizeof(k), &one, 0, 0);
	ck_assert_str_eq(k, "ring-ref");
	blkif_port_key(k, sizeof(k), &one, 0);
	ck_assert_str_eq(k, "event-channel");
	blkif_ring_key(k, sizeof(k), &multi, 0, 3);
	ck_assert_str_eq(k, "ring-ref3");
	blkif_ring_key(k, sizeof(k), &mq, 2, 1);
	ck_assert_str_eq(k, "queue-2/ring-ref1");
	blkif_port_key(k, sizeof(k), &mq, 2);
	ck_assert_str_eq(k, "queue-2/event-channel");
}
END_TEST

/* A 16-page ring holds 512 requests, and both ends agree on it. */
START_TEST(multi_page_ring)
{
	size_t size = 4096u << BLKIF_MAX_RING_ORDER;
	blkif_sring_t *s = aligned_alloc(4096, size);
	blkif_front_ring_t f;
	blkif_back_ring_t b;
	blkif_request_t req;
	unsigned int n = 0;

	memset(s, 0, size);
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&f, s, size);
	BACK_RING_INIT(&b, s, size);
	ck_assert_uint_eq(RING_SIZE(&f), 512);
	for (unsigned int i = 0; i < 512; i++) {
		blkif_request_t *q = RING_GET_REQUEST(&f, f.req_prod_pvt++);

		memset(q, 0, sizeof(*q));
		q->id = i;
	}
	blkif_front_push(&f);
	while (blkif_back_next(&b, &req) == 1)
		ck_assert_uint_eq(req.id, n++);
	ck_assert_uint_eq(n, 512);
	s->req_prod += 1; /* one more than the ring holds */
	ck_assert_int_eq(blkif_back_next(&b, &req), -1);
	free(s);
}
END_TEST

static blkif_request_t indirect(uint8_t op, uint16_t nseg)
{
	grant_ref_t pages[2] = { 8, 9 };
	blkif_request_t q;

	blkif_indirect_init(&q, op, nseg, 77, 0, pages);
	ck_assert_uint_eq(((blkif_request_indirect_t *)&q)->indirect_grefs[0], nseg ? 8 : 0);
	return q;
}

START_TEST(indirect_requests_as_linux_blkback)
{
	blkif_request_t q = indirect(BLKIF_OP_READ, 256);
	enum blkif_why w;
	uint64_t n;

	ck_assert_int_eq(blkif_req_check_ind(&q, 1 << 20, false, 256, &n, &w), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(blkif_rsp_op(&q), BLKIF_OP_READ);
	ck_assert_int_eq(blkif_req_check(&q, 1 << 20, false, &n, &w), BLKIF_RSP_EOPNOTSUPP);
	q = indirect(BLKIF_OP_WRITE, 257); /* more than offered */
	ck_assert_int_eq(blkif_req_check_ind(&q, 1 << 20, false, 256, &n, &w), BLKIF_RSP_ERROR);
	ck_assert_int_eq(w, BLKIF_WHY_NSEG);
	q = indirect(BLKIF_OP_WRITE, 0);
	ck_assert_int_eq(blkif_req_check_ind(&q, 1 << 20, false, 256, &n, &w), BLKIF_RSP_ERROR);
	ck_assert_int_eq(w, BLKIF_WHY_NSEG);
	q = indirect(BLKIF_OP_WRITE, 3); /* few segments are allowed, as Linux */
	ck_assert_int_eq(blkif_req_check_ind(&q, 1 << 20, false, 256, &n, &w), BLKIF_RSP_OKAY);
	ck_assert_int_eq(blkif_req_check_ind(&q, 1 << 20, true, 256, &n, &w), BLKIF_RSP_ERROR);
	ck_assert_int_eq(w, BLKIF_WHY_READ_ONLY);
	q = indirect(BLKIF_OP_FLUSH_DISKCACHE, 20);
	ck_assert_int_eq(blkif_req_check_ind(&q, 1 << 20, false, 256, &n, &w), BLKIF_RSP_ERROR);
	ck_assert_int_eq(w, BLKIF_WHY_INDIRECT_OP);
	ck_assert_uint_eq(blkif_rsp_op(&q), BLKIF_OP_FLUSH_DISKCACHE);
	ck_assert_uint_eq(BLKIF_INDIRECT_PAGES(256), 1);
	ck_assert_uint_eq(BLKIF_INDIRECT_PAGES(513), 2);
}
END_TEST

START_TEST(indirect_segments_checked)
{
	struct blkif_request_segment seg[256];
	enum blkif_why w;
	uint64_t n;

	for (unsigned int i = 0; i < 256; i++)
		seg[i] = (struct blkif_request_segment){ .gref = i, .last_sect = 7 };
	ck_assert_int_eq(blkif_segs_check(seg, 256, 0, 2048, &n, &w), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(n, 2048);
	ck_assert_int_eq(blkif_segs_check(seg, 256, 1, 2048, &n, &w), BLKIF_RSP_ERROR);
	ck_assert_int_eq(w, BLKIF_WHY_PAST_END);
	ck_assert_int_eq(blkif_segs_check(seg, 256, UINT64_MAX - 8, UINT64_MAX, &n, &w),
			 BLKIF_RSP_ERROR);
	seg[200].first_sect = 8;
	seg[200].last_sect = 8;
	ck_assert_int_eq(blkif_segs_check(seg, 256, 0, 4096, &n, &w), BLKIF_RSP_ERROR);
	ck_assert_int_eq(w, BLKIF_WHY_SECTS);
	ck_assert_uint_eq(n, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pv_blkif_nego");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, backend_defaults_without_keys);
	tcase_add_test(tc, backend_judges_order_and_queues);
	tcase_add_test(tc, backend_judges_queues_by_its_offer);
	tcase_add_test(tc, frontend_takes_the_smaller);
	tcase_add_test(tc, keys_of_each_queue);
	tcase_add_test(tc, multi_page_ring);
	tcase_add_test(tc, indirect_requests_as_linux_blkback);
	tcase_add_test(tc, indirect_segments_checked);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
