/*
 * Unit tests: the block ring's two ends against each other, then each end
 * against a hostile peer (impossible indices, no room for responses), and
 * the request checks blkback applies.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../pv-drivers/common/blkif_ring.h"

static union {
	blkif_sring_t s;
	char page[4096];
} shared;
static blkif_front_ring_t front;
static blkif_back_ring_t back;

static void setup(void)
{
	memset(&shared, 0, sizeof(shared));
	SHARED_RING_INIT(&shared.s);
	FRONT_RING_INIT(&front, &shared.s, sizeof(shared));
	BACK_RING_INIT(&back, &shared.s, sizeof(shared));
}

static void queue_read(uint64_t id, uint64_t sector)
{
	blkif_request_t *q = RING_GET_REQUEST(&front, front.req_prod_pvt++);

	memset(q, 0, sizeof(*q));
	q->operation = BLKIF_OP_READ;
	q->id = id;
	q->sector_number = sector;
	q->nr_segments = 1;
	q->seg[0].last_sect = 7;
}

START_TEST(round_trip_with_notifications)
{
	blkif_request_t req;
	blkif_response_t rsp;

	setup();
	ck_assert_uint_eq(BLKIF_RING_ENTRIES, 32);
	queue_read(7, 100);
	queue_read(8, 200);
	ck_assert(blkif_front_push(&front)); /* req_event starts at 1 */
	ck_assert_int_eq(blkif_back_next(&back, &req), 1);
	ck_assert_uint_eq(req.id, 7);
	ck_assert_int_eq(blkif_back_next(&back, &req), 1);
	ck_assert_uint_eq(req.sector_number, 200);
	ck_assert_int_eq(blkif_back_next(&back, &req), 0);
	ck_assert(!blkif_back_final_check(&back));
	blkif_back_respond(&back, 7, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	blkif_back_respond(&back, 8, BLKIF_OP_READ, BLKIF_RSP_ERROR);
	ck_assert(blkif_back_push(&back));
	ck_assert_int_eq(blkif_front_next(&front, &rsp), 1);
	ck_assert_uint_eq(rsp.id, 7);
	ck_assert_int_eq(blkif_front_next(&front, &rsp), 1);
	ck_assert_int_eq(rsp.status, BLKIF_RSP_ERROR);
	ck_assert_int_eq(blkif_front_next(&front, &rsp), 0);
	ck_assert(!blkif_front_final_check(&front));
	/* The backend re-armed req_event: the next push asks for a notify. */
	queue_read(9, 0);
	ck_assert(blkif_front_push(&front));
}
END_TEST

START_TEST(no_notify_while_the_peer_is_busy)
{
	blkif_request_t req;

	setup();
	queue_read(1, 0);
	ck_assert(blkif_front_push(&front));
	ck_assert_int_eq(blkif_back_next(&back, &req), 1);
	/* The backend has not re-armed: a second request needs no event. */
	queue_read(2, 0);
	ck_assert(!blkif_front_push(&front));
	ck_assert(blkif_back_final_check(&back));
}
END_TEST

START_TEST(backend_refuses_impossible_req_prod)
{
	blkif_request_t req;

	setup();
	shared.s.req_prod = BLKIF_RING_ENTRIES + 1; /* more than a ring ahead */
	ck_assert_int_eq(blkif_back_next(&back, &req), -1);
	setup();
	queue_read(1, 0);
	blkif_front_push(&front);
	ck_assert_int_eq(blkif_back_next(&back, &req), 1);
	shared.s.req_prod = 0; /* rewound behind what we took */
	ck_assert_int_eq(blkif_back_next(&back, &req), -1);
	ck_assert_uint_eq(back.req_cons, 1);
}
END_TEST

START_TEST(backend_takes_at_most_a_ring)
{
	blkif_request_t req;
	unsigned int n = 0;

	setup();
	for (unsigned int i = 0; i < BLKIF_RING_ENTRIES; i++)
		queue_read(i, 0);
	blkif_front_push(&front);
	while (blkif_back_next(&back, &req) == 1 && n < 1000)
		n++;
	ck_assert_uint_eq(n, BLKIF_RING_ENTRIES);
	/* A frontend claiming one more while none was answered: impossible. */
	shared.s.req_prod++;
	ck_assert_int_eq(blkif_back_next(&back, &req), -1);
	/* Answer one: then one more may be taken, and no more. */
	shared.s.req_prod--;
	blkif_back_respond(&back, 0, BLKIF_OP_READ, 0);
	blkif_back_push(&back);
	shared.s.req_prod++;
	ck_assert_int_eq(blkif_back_next(&back, &req), 1);
	ck_assert_int_eq(blkif_back_next(&back, &req), 0);
}
END_TEST

START_TEST(frontend_refuses_impossible_rsp_prod)
{
	blkif_response_t rsp;

	setup();
	queue_read(1, 0);
	blkif_front_push(&front);
	shared.s.rsp_prod = 2; /* two responses to one request */
	ck_assert_int_eq(blkif_front_next(&front, &rsp), -1);
	shared.s.rsp_prod = 0xffffffff; /* behind */
	ck_assert_int_eq(blkif_front_next(&front, &rsp), -1);
	ck_assert_uint_eq(front.rsp_cons, 0);
}
END_TEST

static blkif_request_t rw(uint8_t op, uint64_t sector, unsigned int nseg, uint8_t first,
			  uint8_t last)
{
	blkif_request_t q;

	memset(&q, 0, sizeof(q));
	q.operation = op;
	q.sector_number = sector;
	q.nr_segments = nseg;
	for (unsigned int i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		q.seg[i].first_sect = first;
		q.seg[i].last_sect = last;
	}
	return q;
}

START_TEST(request_checks_follow_linux_blkback)
{
	blkif_request_t q;
	uint64_t n;

	q = rw(BLKIF_OP_READ, 0, 2, 0, 7);
	ck_assert_int_eq(blkif_req_check(&q, 16, false, &n, NULL), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(n, 16);
	q = rw(BLKIF_OP_READ, 1, 2, 0, 7); /* one sector past the end */
	ck_assert_int_eq(blkif_req_check(&q, 16, false, &n, NULL), BLKIF_RSP_ERROR);
	q = rw(BLKIF_OP_READ, UINT64_MAX - 3, 1, 0, 7); /* wraps */
	ck_assert_int_eq(blkif_req_check(&q, UINT64_MAX, false, &n, NULL), BLKIF_RSP_ERROR);
	q = rw(BLKIF_OP_WRITE, 0, 0, 0, 7);
	ck_assert_int_eq(blkif_req_check(&q, 16, false, &n, NULL), BLKIF_RSP_ERROR);
	q = rw(BLKIF_OP_WRITE, 0, BLKIF_MAX_SEGMENTS_PER_REQUEST + 1, 0, 7);
	ck_assert_int_eq(blkif_req_check(&q, 1024, false, &n, NULL), BLKIF_RSP_ERROR);
	q = rw(BLKIF_OP_WRITE, 0, 1, 0, 8); /* past its page */
	ck_assert_int_eq(blkif_req_check(&q, 16, false, &n, NULL), BLKIF_RSP_ERROR);
	q = rw(BLKIF_OP_WRITE, 0, 1, 5, 4);
	ck_assert_int_eq(blkif_req_check(&q, 16, false, &n, NULL), BLKIF_RSP_ERROR);
	q = rw(BLKIF_OP_WRITE, 0, 1, 3, 3);
	ck_assert_int_eq(blkif_req_check(&q, 16, false, &n, NULL), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(blkif_req_check(&q, 16, true, &n, NULL), BLKIF_RSP_ERROR);
	q = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0, 0);
	ck_assert_int_eq(blkif_req_check(&q, 16, false, &n, NULL), BLKIF_RSP_OKAY);
	ck_assert_int_eq(blkif_req_check(&q, 16, true, &n, NULL), BLKIF_RSP_ERROR);
	q = rw(BLKIF_OP_WRITE_BARRIER, 0, 1, 0, 7);
	ck_assert_int_eq(blkif_req_check(&q, 16, false, &n, NULL), BLKIF_RSP_EOPNOTSUPP);
	q = rw(BLKIF_OP_INDIRECT, 0, 1, 0, 7);
	ck_assert_int_eq(blkif_req_check(&q, 16, false, &n, NULL), BLKIF_RSP_EOPNOTSUPP);
	q = rw(200, 0, 1, 0, 7);
	ck_assert_int_eq(blkif_req_check(&q, 16, false, &n, NULL), BLKIF_RSP_EOPNOTSUPP);
}
END_TEST

START_TEST(discard_checks)
{
	blkif_request_t q;
	blkif_request_discard_t *d = (blkif_request_discard_t *)&q;
	uint64_t n;

	memset(&q, 0, sizeof(q));
	d->operation = BLKIF_OP_DISCARD;
	d->sector_number = 8;
	d->nr_sectors = 8;
	ck_assert_int_eq(blkif_req_check(&q, 16, false, &n, NULL), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(blkif_req_check(&q, 16, true, &n, NULL), BLKIF_RSP_ERROR);
	d->nr_sectors = 9;
	ck_assert_int_eq(blkif_req_check(&q, 16, false, &n, NULL), BLKIF_RSP_ERROR);
}
END_TEST

/* The reason each refusal gives, which ketch-blkback logs and counts. */
static enum blkif_why why_of(blkif_request_t q, uint64_t sectors, bool readonly)
{
	enum blkif_why w = BLKIF_WHY_CHECKS;
	uint64_t n;

	blkif_req_check(&q, sectors, readonly, &n, &w);
	return w;
}

START_TEST(refusals_name_their_reason)
{
	blkif_request_t q = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 1, 0, 7);

	ck_assert_int_eq(why_of(rw(BLKIF_OP_READ, 0, 2, 0, 7), 16, false), BLKIF_WHY_NONE);
	ck_assert_int_eq(why_of(rw(BLKIF_OP_READ, 0, 0, 0, 7), 16, false), BLKIF_WHY_NSEG);
	ck_assert_int_eq(why_of(rw(BLKIF_OP_READ, 0, 12, 0, 7), 1024, false), BLKIF_WHY_NSEG);
	ck_assert_int_eq(why_of(rw(BLKIF_OP_READ, 0, 1, 5, 4), 16, false), BLKIF_WHY_SECTS);
	ck_assert_int_eq(why_of(rw(BLKIF_OP_READ, 0, 1, 0, 8), 16, false), BLKIF_WHY_SECTS);
	ck_assert_int_eq(why_of(rw(BLKIF_OP_READ, 9, 1, 0, 7), 16, false), BLKIF_WHY_PAST_END);
	ck_assert_int_eq(why_of(rw(BLKIF_OP_WRITE, 0, 1, 0, 7), 16, true), BLKIF_WHY_READ_ONLY);
	ck_assert_int_eq(why_of(q, 16, false), BLKIF_WHY_FLUSH_SEGS);
	ck_assert_int_eq(why_of(rw(BLKIF_OP_INDIRECT, 0, 1, 0, 7), 16, false), BLKIF_WHY_OP);
	ck_assert_int_eq(why_of(rw(200, 0, 1, 0, 7), 16, false), BLKIF_WHY_OP);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pv_blkif_ring");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, round_trip_with_notifications);
	tcase_add_test(tc, no_notify_while_the_peer_is_busy);
	tcase_add_test(tc, backend_refuses_impossible_req_prod);
	tcase_add_test(tc, backend_takes_at_most_a_ring);
	tcase_add_test(tc, frontend_refuses_impossible_rsp_prod);
	tcase_add_test(tc, request_checks_follow_linux_blkback);
	tcase_add_test(tc, discard_checks);
	tcase_add_test(tc, refusals_name_their_reason);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
