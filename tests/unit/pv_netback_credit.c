/*
 * Unit tests: ketch-netback's tx rate limit (netback_credit.c) on a clock
 * the test moves: libxl's "rate" node parsed, the credit of an interval
 * spent and refilled, a packet beyond it waiting for the timer, the burst
 * cap, a limit changed while connected, and the bytes let through over
 * many intervals never beyond the rate.
 */
#include <check.h>
#include <stdlib.h>

#include "../../pv-drivers/back/netback_credit.h"

#define MS 1000000ull /* ns */

START_TEST(parse_libxl_node)
{
	uint64_t b = 7, u = 7;

	ck_assert(nb_credit_parse("25000,20000", &b, &u));
	ck_assert_uint_eq(b, 25000);
	ck_assert_uint_eq(u, 20000);
	ck_assert(nb_credit_parse("18446744073709551615,4294967295", &b, &u));
	ck_assert_uint_eq(u, 4294967295u);
	static const char *const bad[] = { "", ",", "1,", ",1", "1", "1,2,3", "1;2", " 1,2",
					   "1, 2", "-1,2", "1,-2", "1,2 ", "x,2", "1,4294967296" };
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!nb_credit_parse(bad[i], &b, &u), "accepted \"%s\"", bad[i]);
	ck_assert(!nb_credit_parse(NULL, &b, &u));
}
END_TEST

START_TEST(unlimited_passes_everything)
{
	struct nb_credit c;

	nb_credit_init(&c, 0, 0, 5 * MS);
	for (int i = 0; i < 1000; i++)
		ck_assert(nb_credit_take(&c, 65535, 5 * MS));
	ck_assert_int_eq(nb_credit_wait_ms(&c, 5 * MS), -1);
}
END_TEST

START_TEST(interval_spent_then_timer)
{
	struct nb_credit c;

	nb_credit_init(&c, 3000, 20000, 100 * MS); /* 3000 bytes every 20 ms */
	ck_assert(nb_credit_take(&c, 1500, 100 * MS));
	ck_assert(nb_credit_take(&c, 1500, 101 * MS));
	ck_assert(!nb_credit_take(&c, 60, 102 * MS)); /* spent: waits */
	ck_assert_int_eq(nb_credit_wait_ms(&c, 102 * MS), 18);
	ck_assert_int_eq(nb_credit_wait_ms(&c, 102 * MS + 1), 18); /* rounded up */
	ck_assert(!nb_credit_take(&c, 60, 119 * MS)); /* too early still */
	ck_assert_int_eq(nb_credit_wait_ms(&c, 120 * MS), 0);
	ck_assert(nb_credit_take(&c, 60, 120 * MS)); /* the timer's refill */
	ck_assert_int_eq(nb_credit_wait_ms(&c, 120 * MS), -1);
	ck_assert(nb_credit_take(&c, 2940, 121 * MS));
	ck_assert(!nb_credit_take(&c, 1, 121 * MS));
}
END_TEST

START_TEST(idle_refill_on_demand)
{
	struct nb_credit c;

	nb_credit_init(&c, 1000, 10000, 0);
	ck_assert(nb_credit_take(&c, 1000, 0));
	/* long idle: one interval's worth is added, not a pile of them */
	ck_assert(nb_credit_take(&c, 1000, 500 * MS));
	ck_assert(!nb_credit_take(&c, 1, 500 * MS));
	/* a packet short even after a refill waits a whole interval */
	nb_credit_init(&c, 1000, 10000, 0);
	ck_assert(!nb_credit_take(&c, 1500, 0));
	ck_assert_int_eq(nb_credit_wait_ms(&c, 0), 10);
	ck_assert(nb_credit_take(&c, 1500, 10 * MS));
	ck_assert_uint_eq(c.remaining, 500);
}
END_TEST

START_TEST(largest_packet_passes_with_a_tiny_rate)
{
	struct nb_credit c;
	uint64_t t = 0;
	int waits = 0;

	/* 100 bytes per ms: a 65535-byte packet needs the credit to pile up
	 * (the cap allows it) and must not pass before 655 intervals */
	nb_credit_init(&c, 100, 1000, 0);
	while (!nb_credit_take(&c, 65535, t)) {
		int ms = nb_credit_wait_ms(&c, t);

		ck_assert_int_ge(ms, 1);
		t += (uint64_t)ms * MS;
		ck_assert_int_lt(++waits, 2000);
	}
	ck_assert_uint_ge(t, 654 * MS);
	ck_assert_uint_le(t, 656 * MS);
}
END_TEST

START_TEST(burst_is_capped)
{
	struct nb_credit c;

	/* 100000 bytes a ms: refills pile up to the 128 KiB floor, no more,
	 * so a packet larger than that would wait for ever (none is: a
	 * frontend's sizes are 16-bit) */
	nb_credit_init(&c, 100000, 1000, 0);
	ck_assert(nb_credit_take(&c, 100000, 0));
	ck_assert(!nb_credit_take(&c, NB_CREDIT_BURST_MIN, 1 * MS));
	ck_assert(nb_credit_take(&c, NB_CREDIT_BURST_MIN, 2 * MS));
	ck_assert(!nb_credit_take(&c, NB_CREDIT_BURST_MIN + 1, 1000 * MS));
	ck_assert(!nb_credit_take(&c, NB_CREDIT_BURST_MIN + 1, 1001 * MS));
	ck_assert(!nb_credit_take(&c, NB_CREDIT_BURST_MIN + 1, 1002 * MS));
	ck_assert_uint_eq(c.remaining, NB_CREDIT_BURST_MIN);
	/* an interval larger than the floor is its own cap */
	nb_credit_init(&c, 1000000, 1000, 0);
	ck_assert(nb_credit_take(&c, 1000000, 0));
	ck_assert(!nb_credit_take(&c, 1, 0));
}
END_TEST

START_TEST(change_while_connected)
{
	struct nb_credit c;

	nb_credit_init(&c, 0, 0, 0);
	nb_credit_change(&c, 2000, 10000, 50 * MS); /* unlimited -> limited */
	ck_assert(nb_credit_take(&c, 2000, 50 * MS));
	ck_assert(!nb_credit_take(&c, 100, 51 * MS));
	nb_credit_change(&c, 500, 10000, 52 * MS); /* lowered: the waiting packet keeps its timer */
	ck_assert_int_eq(nb_credit_wait_ms(&c, 52 * MS), 8);
	ck_assert(nb_credit_take(&c, 100, 60 * MS));
	ck_assert_uint_eq(c.remaining, 400);
	nb_credit_change(&c, 0, 0, 61 * MS); /* lifted: the wait ends */
	ck_assert_int_eq(nb_credit_wait_ms(&c, 61 * MS), -1);
	ck_assert(nb_credit_take(&c, 65535, 61 * MS));
	/* a lower credit cuts what was left of the higher */
	nb_credit_init(&c, 100000, 10000, 0);
	nb_credit_change(&c, 1000, 10000, 0);
	ck_assert(!nb_credit_take(&c, 1001, 0));
}
END_TEST

/* A sender that always has a 1514-byte frame ready, woken by the timer:
 * over 2 s the bytes let through stay within the rate and one interval's
 * burst, and come close to the rate (no interval wasted). */
START_TEST(long_run_stays_under_rate)
{
	const uint64_t bytes = 25000, us = 20000; /* 10 Mb/s in 20 ms, as xl's 10Mb/s@20ms */
	struct nb_credit c;
	uint64_t t = 0, sent = 0;

	nb_credit_init(&c, bytes, us, 0);
	while (t < 2000 * MS) {
		if (nb_credit_take(&c, 1514, t)) {
			sent += 1514;
			t += 10000; /* 10 us a frame */
		} else {
			t += (uint64_t)nb_credit_wait_ms(&c, t) * MS;
		}
	}
	ck_assert_uint_le(sent, bytes * (2000000 / us) + bytes);
	ck_assert_uint_ge(sent, bytes * (2000000 / us) * 9 / 10);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pv_netback_credit");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, parse_libxl_node);
	tcase_add_test(tc, unlimited_passes_everything);
	tcase_add_test(tc, interval_spent_then_timer);
	tcase_add_test(tc, idle_refill_on_demand);
	tcase_add_test(tc, largest_packet_passes_with_a_tiny_rate);
	tcase_add_test(tc, burst_is_capped);
	tcase_add_test(tc, change_while_connected);
	tcase_add_test(tc, long_run_stays_under_rate);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
