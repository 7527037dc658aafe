/*
 * Unit tests: ketch-hv's log ring (what HV_LOG and `ketch dmesg` read,
 * clear), its output (a blocked output never blocks a logger; what could
 * not be queued is counted and reported) and the escaping of guest text.
 */
#include <check.h>
#include <pthread.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hypervisor/hv.h"

static void quiet(const char *line, void *opaque)
{
	(void)line;
	(void)opaque;
}

/* Read everything from `from` into one buffer, as ketchd does. */
static size_t read_all(uint64_t from, char *buf, size_t cap, uint64_t *first, uint64_t *next)
{
	size_t used = 0, n;
	uint64_t f;

	*first = UINT64_MAX;
	do {
		n = hv_log_read(from, buf + used, cap - used < 4000 ? cap - used : 4000, &f, next);
		if (*first == UINT64_MAX)
			*first = f;
		used += n;
		if (*next == from)
			break;
		from = *next;
	} while (n);
	return used;
}

START_TEST(ring_keeps_the_last_lines_whole_and_in_order)
{
	static char buf[HV_LOG_LINES * HV_LOG_LINE_MAX];
	uint64_t first, next, base;
	char *p, expect[32];
	size_t n;
	int i;

	hv_log_set_sink(quiet, NULL);
	n = read_all(0, buf, sizeof(buf), &first, &base);
	for (i = 0; i < 2500; i++)
		hv_log("line %d", i);
	n = read_all(0, buf, sizeof(buf), &first, &next);
	ck_assert_uint_eq(next, base + 2500);
	ck_assert_uint_eq(first, next - HV_LOG_LINES); /* the oldest ones are gone */
	p = buf;
	for (i = 2500 - HV_LOG_LINES; i < 2500; i++) {
		char *nl = memchr(p, '\n', n - (size_t)(p - buf));

		ck_assert_ptr_nonnull(nl);
		snprintf(expect, sizeof(expect), ") line %d", i);
		*nl = '\0';
		ck_assert_msg(strstr(p, expect), "line %d: '%s'", i, p);
		p = nl + 1;
	}
	ck_assert_ptr_eq(p, buf + n);
	/* From the end: nothing; from a kept line: that line first. */
	ck_assert_uint_eq(hv_log_read(next, buf, 4000, &first, &next), 0);
	n = hv_log_read(next - 2, buf, 4000, &first, &next);
	ck_assert_uint_eq(first, base + 2498);
	ck_assert_ptr_nonnull(strstr(buf, ") line 2498\n"));
	ck_assert_ptr_nonnull(strstr(buf, ") line 2499\n"));
	ck_assert_uint_eq(n, (size_t)(strstr(buf, ") line 2499\n") - buf) + strlen(") line 2499\n"));
}
END_TEST

START_TEST(long_lines_are_cut_and_small_buffers_get_whole_lines)
{
	char big[2000], buf[64];
	uint64_t first, next, start;
	size_t n;

	hv_log_set_sink(quiet, NULL);
	hv_log_read(UINT64_MAX, buf, 0, &first, &start);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hv_log("%s", big);
	hv_log("short");
	n = hv_log_read(start, buf, sizeof(buf), &first, &next);
	ck_assert_uint_eq(n, 0); /* the long line does not fit: nothing, not half */
	ck_assert_uint_eq(next, start);
	{
		static char all[4096];

		n = hv_log_read(start, all, sizeof(all), &first, &next);
		ck_assert_uint_eq(next, start + 2);
		ck_assert_uint_eq(strchr(all, '\n') - all, HV_LOG_LINE_MAX - 1);
	}
}
END_TEST

START_TEST(clear_forgets_what_was_read)
{
	char buf[4096];
	uint64_t first, next, start;

	hv_log_set_sink(quiet, NULL);
	hv_log("before");
	hv_log_read(UINT64_MAX, buf, 0, &first, &start); /* start: the end */
	hv_log_clear(start);
	ck_assert_uint_eq(hv_log_read(0, buf, sizeof(buf), &first, &next), 0);
	ck_assert_uint_eq(first, start);
	hv_log("after");
	ck_assert_uint_gt(hv_log_read(0, buf, sizeof(buf), &first, &next), 0);
	ck_assert_uint_eq(first, start);
	ck_assert_ptr_null(strstr(buf, "before"));
	hv_log_clear(next + 5); /* beyond the end: ignored */
	ck_assert_uint_gt(hv_log_read(0, buf, sizeof(buf), &first, &next), 0);
}
END_TEST

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static char seen_drop[256];

/* A sink stuck (as a full pipe would be) until the gate opens. */
static void stuck(const char *line, void *opaque)
{
	(void)opaque;
	pthread_mutex_lock(&gate);
	pthread_mutex_unlock(&gate);
	if (strstr(line, "log lines dropped"))
		snprintf(seen_drop, sizeof(seen_drop), "%s", line);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

START_TEST(blocked_output_never_blocks_a_logger)
{
	double t0;

	pthread_mutex_lock(&gate);
	hv_log_set_sink(stuck, NULL);
	t0 = now_ms();
	for (int i = 0; i < 5000; i++)
		hv_log("line %d while the output is stuck", i);
	ck_assert_double_lt(now_ms() - t0, 1000);
	pthread_mutex_unlock(&gate);
	hv_log_flush(5000);
	ck_assert_msg(strstr(seen_drop, "log lines dropped"), "no drop report: [%s]", seen_drop);
	hv_log_set_sink(quiet, NULL);
}
END_TEST

START_TEST(guest_text_is_escaped)
{
	char out[64];

	ck_assert_uint_eq(hv_log_escape(out, sizeof(out), "ok \n(ketch-hv 1.0) \x1b[31m\\", 25), 25);
	ck_assert_str_eq(out, "ok \\x0a(ketch-hv 1.0) \\x1b[31m\\x5c");
	/* Never a partial escape: stops before what does not fit. */
	ck_assert_uint_eq(hv_log_escape(out, 6, "ab\ncd", 5), 2);
	ck_assert_str_eq(out, "ab");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hv_log");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, ring_keeps_the_last_lines_whole_and_in_order);
	tcase_add_test(tc, long_lines_are_cut_and_small_buffers_get_whole_lines);
	tcase_add_test(tc, clear_forgets_what_was_read);
	tcase_add_test(tc, blocked_output_never_blocks_a_logger);
	tcase_add_test(tc, guest_text_is_escaped);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
