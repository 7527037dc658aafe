/*
 * Unit tests: the guest kit's vsnprintf (guest/vsnprintf.c, built for the
 * host with its symbols renamed gk_*) against the C library's snprintf for
 * every conversion the kit documents, plus truncation rules.
 */
#include <check.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int gk_snprintf(char *buf, size_t size, const char *fmt, ...);

/* Both implementations must produce the same text and return value. */
#define SAME(fmt, ...)                                                        \
	do {                                                                  \
		char a_[256], b_[256];                                        \
		int na_ = gk_snprintf(a_, sizeof(a_), fmt, __VA_ARGS__);      \
		int nb_ = snprintf(b_, sizeof(b_), fmt, __VA_ARGS__);         \
		ck_assert_str_eq(a_, b_);                                     \
		ck_assert_int_eq(na_, nb_);                                   \
	} while (0)

START_TEST(integers)
{
	SAME("%d %i %u", -42, 7, 4000000000u);
	SAME("%d", INT32_MIN);
	SAME("%ld %lu", -9000000000L, 18446744073709551615UL);
	SAME("%lld %llu", (long long)INT64_MIN, 12345678901234ULL);
	SAME("%zu", (size_t)77);
}
END_TEST

START_TEST(hex_and_pointers)
{
	SAME("%x %X", 0xbeefu, 0xbeefu);
	SAME("%lx %llx", 0xffffffffffUL, 0x1234567890abcdefULL);
	SAME("%p", (void *)0x400000);
	SAME("%016llx|%08lx", 0ULL, 0xabcUL);
}
END_TEST

START_TEST(width_flags)
{
	SAME("%5d|%-5d|%05d|", 42, 42, -42);
	SAME("%*d|%-*d|%*d", 6, 1, 4, 2, -3, 9);
	SAME("%10s|%-10s|%3s", "hi", "hi", "toolong");
}
END_TEST

START_TEST(strings_chars_percent)
{
	SAME("%s|%.3s|%.0s|%.10s", "abc", "abcdef", "x", "ab");
	SAME("%c%c|%%|%3c", 'o', 'k', 'z');
	SAME("%s", "");
}
END_TEST

START_TEST(truncation)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(gk_snprintf(buf, 5, "hello world"), 11);
	ck_assert_str_eq(buf, "hell");
	ck_assert_int_eq(gk_snprintf(buf, 1, "abc"), 3);
	ck_assert_str_eq(buf, "");
	buf[0] = 'Q';
	ck_assert_int_eq(gk_snprintf(buf, 0, "abc"), 3);
	ck_assert_int_eq(buf[0], 'Q');
	ck_assert_int_eq(gk_snprintf(buf, sizeof(buf), "%d", 1234567), 7);
	ck_assert_str_eq(buf, "1234567");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("guest_format");
	TCase *tc = tcase_create("vsnprintf");

	tcase_add_test(tc, integers);
	tcase_add_test(tc, hex_and_pointers);
	tcase_add_test(tc, width_flags);
	tcase_add_test(tc, strings_chars_percent);
	tcase_add_test(tc, truncation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
