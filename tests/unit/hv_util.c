/* Unit tests: command-line size parsing of ketch-hv. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../hypervisor/run/run.h"

START_TEST(sizes_parse)
{
	uint64_t b;

	ck_assert_int_eq(run_parse_size("32M", &b), 0);
	ck_assert_uint_eq(b, 32ULL << 20);
	ck_assert_int_eq(run_parse_size("1G", &b), 0);
	ck_assert_uint_eq(b, 1ULL << 30);
	ck_assert_int_eq(run_parse_size("65536k", &b), 0);
	ck_assert_uint_eq(b, 64ULL << 20);
	ck_assert_int_eq(run_parse_size("4194304", &b), 0);
	ck_assert_uint_eq(b, 4ULL << 20);
	ck_assert_int_eq(run_parse_size("16MiB", &b), 0);
	ck_assert_uint_eq(b, 16ULL << 20);
}
END_TEST

START_TEST(bad_sizes_refused)
{
	uint64_t b;
	const char *bad[] = { "", "M", "12Q", "-1", "1.5G", "99999999999999999999",
			      "17179869184G", "32MB extra", "0x10" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(run_parse_size(bad[i], &b) == -EINVAL, "accepted '%s'", bad[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hv_util");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, sizes_parse);
	tcase_add_test(tc, bad_sizes_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
