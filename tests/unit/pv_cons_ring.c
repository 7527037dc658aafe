/* Unit tests: the console ring's backend side, with honest and hostile guests. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../pv-drivers/common/cons_ring.h"

static struct xencons_interface r;

static void produce(const char *s)
{
	for (; *s; s++)
		r.out[MASK_XENCONS_IDX(r.out_prod++, r.out)] = *s;
}

START_TEST(takes_what_was_produced)
{
	char buf[sizeof(r.out)];

	memset(&r, 0, sizeof(r));
	produce("hello");
	ck_assert_int_eq(cons_ring_take_out(&r, buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
	ck_assert_uint_eq(r.out_cons, r.out_prod);
	ck_assert_int_eq(cons_ring_take_out(&r, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(wraps_the_index_space)
{
	char buf[sizeof(r.out)];

	memset(&r, 0, sizeof(r));
	r.out_cons = r.out_prod = 0xfffffffe;
	produce("abcd");
	ck_assert_int_eq(cons_ring_take_out(&r, buf, sizeof(buf)), 4);
	ck_assert_int_eq(memcmp(buf, "abcd", 4), 0);
	ck_assert_uint_eq(r.out_cons, 2);
}
END_TEST

START_TEST(refuses_impossible_indexes)
{
	char buf[sizeof(r.out)];

	memset(&r, 0, sizeof(r));
	r.out_prod = sizeof(r.out) + 1;
	ck_assert_int_eq(cons_ring_take_out(&r, buf, sizeof(buf)), -1);
	ck_assert_uint_eq(r.out_cons, 0);
	r.in_prod = 5;
	r.in_cons = 10; /* consumer ahead of producer */
	ck_assert_int_eq(cons_ring_put_in(&r, "x", 1), -1);
}
END_TEST

START_TEST(respects_cap_and_full_input)
{
	char buf[8], big[2 * sizeof(r.in)];

	memset(&r, 0, sizeof(r));
	produce("0123456789");
	ck_assert_int_eq(cons_ring_take_out(&r, buf, sizeof(buf)), 8);
	ck_assert_int_eq(cons_ring_take_out(&r, buf, sizeof(buf)), 2);
	memset(big, 'z', sizeof(big));
	ck_assert_int_eq(cons_ring_put_in(&r, big, sizeof(big)), (int)sizeof(r.in));
	ck_assert_int_eq(cons_ring_put_in(&r, big, 1), 0);
	r.in_cons += 3;
	ck_assert_int_eq(cons_ring_put_in(&r, big, 10), 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pv_cons_ring");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, takes_what_was_produced);
	tcase_add_test(tc, wraps_the_index_space);
	tcase_add_test(tc, refuses_impossible_indexes);
	tcase_add_test(tc, respects_cap_and_full_input);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
