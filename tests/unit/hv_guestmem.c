/*
 * Unit tests: the guest-memory gateway.  A fake domain gets 4 MiB of RAM
 * and hand-built page tables; every translation rule is checked without KVM.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

#include "../../hypervisor/hv.h"

#define MEM (4u << 20)
#define P 1ULL
#define RW 2ULL
#define U 4ULL
#define PS 0x80ULL

static struct domain *d;
static struct vcpu *v;

static uint64_t *table(uint64_t gpa)
{
	return (uint64_t *)(d->mem + gpa);
}

/*
 * cr3 0x1000 -> L3 0x2000 -> L2 0x3000 -> L1 0x4000.
 * VA 0x400000 + i*4K -> gpa 0x100000 + i*4K for i < 16 (P|RW|U), except:
 *   page 5 not present, page 6 read-only, page 7 without U,
 *   page 8 -> gpa beyond RAM.
 * VA 0x600000 (2 MiB page) -> gpa 0x200000.
 * VA 0x800000: L2 entry points at a table beyond RAM.
 */
static void setup(void)
{
	d = calloc(1, sizeof(*d));
	v = &d->vcpus[0];
	d->mem = calloc(1, MEM);
	d->mem_bytes = MEM;
	d->nr_pages = MEM / 4096;
	v->d = d;
	v->cr3 = 0x1000;
	table(0x1000)[0] = 0x2000 | P | RW | U;
	table(0x2000)[0] = 0x3000 | P | RW | U;
	table(0x3000)[2] = 0x4000 | P | RW | U;
	table(0x3000)[3] = 0x200000 | P | RW | U | PS;
	table(0x3000)[4] = (8ULL << 30) | P | RW | U;
	for (int i = 0; i < 16; i++)
		table(0x4000)[i] = (0x100000 + i * 4096ULL) | P | RW | U;
	table(0x4000)[5] &= ~P;
	table(0x4000)[6] &= ~RW;
	table(0x4000)[7] &= ~U;
	table(0x4000)[8] = (16ULL << 20) | P | RW | U;
}

static void teardown(void)
{
	free(d->mem);
	free(d);
}

static int xlate(uint64_t va, bool w, uint64_t *gpa)
{
	return gm_translate(v, va, w, gpa);
}

START_TEST(mapped_page_translates)
{
	uint64_t gpa;

	ck_assert_int_eq(xlate(0x401123, true, &gpa), 0);
	ck_assert_uint_eq(gpa, 0x101123);
	ck_assert_int_eq(xlate(0x6abcde, false, &gpa), 0);
	ck_assert_uint_eq(gpa, 0x2abcde);
}
END_TEST

START_TEST(bad_mappings_fault)
{
	uint64_t gpa;

	ck_assert_int_eq(xlate(0x405000, false, &gpa), -XEN_EFAULT);  /* not present */
	ck_assert_int_eq(xlate(0x406000, false, &gpa), 0);             /* read-only read */
	ck_assert_int_eq(xlate(0x406000, true, &gpa), -XEN_EFAULT);   /* read-only write */
	ck_assert_int_eq(xlate(0x407000, false, &gpa), -XEN_EFAULT);  /* no U bit */
	ck_assert_int_eq(xlate(0x408000, false, &gpa), -XEN_EFAULT);  /* beyond RAM */
	ck_assert_int_eq(xlate(0x800000, false, &gpa), -XEN_EFAULT);  /* table beyond RAM */
	ck_assert_int_eq(xlate(0x10, false, &gpa), -XEN_EFAULT);      /* unmapped */
	ck_assert_int_eq(xlate(0xffff800000000000ULL, false, &gpa), -XEN_EFAULT);
	ck_assert_int_eq(xlate(0x0000800000000000ULL, false, &gpa), -XEN_EFAULT);
}
END_TEST

START_TEST(cr3_outside_ram_faults)
{
	uint64_t gpa;

	v->cr3 = 64ULL << 20;
	ck_assert_int_eq(xlate(0x401000, false, &gpa), -XEN_EFAULT);
}
END_TEST

START_TEST(copies_cross_pages)
{
	char buf[8192], back[8192];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	/* 0x400800..0x402800 spans pages 0, 1, 2 */
	ck_assert_int_eq(gm_copy_to(v, 0x400800, buf, sizeof(buf)), 0);
	ck_assert_int_eq(memcmp(d->mem + 0x100800, buf, sizeof(buf)), 0);
	ck_assert_int_eq(gm_copy_from(v, back, 0x400800, sizeof(back)), 0);
	ck_assert_int_eq(memcmp(back, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(copy_into_a_hole_faults)
{
	char buf[4096] = { 0 };

	/* page 4 fine, page 5 not present */
	ck_assert_int_eq(gm_copy_to(v, 0x404800, buf, 4096), -XEN_EFAULT);
	ck_assert_int_eq(gm_copy_from(v, buf, 0x405ff0, 32), -XEN_EFAULT);
	ck_assert_int_eq(gm_copy_to(v, 0x406000, buf, 16), -XEN_EFAULT); /* read-only */
	ck_assert_int_eq(gm_copy_from(v, buf, 0xfffffffffffffff0ULL, 32), -XEN_EFAULT);
	ck_assert_int_eq(gm_copy_from(v, buf, 0x400000, (size_t)-1), -XEN_EFAULT);
}
END_TEST

START_TEST(gpa_window_checks_overflow)
{
	ck_assert_ptr_nonnull(gm_gpa(d, 0, MEM));
	ck_assert_ptr_null(gm_gpa(d, 1, MEM));
	ck_assert_ptr_null(gm_gpa(d, MEM, 1));
	ck_assert_ptr_null(gm_gpa(d, 4096, (size_t)-4096));
	ck_assert_ptr_nonnull(gm_gpa(d, MEM - 4096, 4096));
}
END_TEST

START_TEST(leaf_pte_only_for_4k_mappings)
{
	int err;

	ck_assert_ptr_eq(gm_leaf_pte(v, 0x403000, &err), &table(0x4000)[3]);
	ck_assert_int_eq(err, 0);
	ck_assert_ptr_null(gm_leaf_pte(v, 0x600000, &err)); /* 2 MiB page */
	ck_assert_int_eq(err, -XEN_EINVAL);
	ck_assert_ptr_null(gm_leaf_pte(v, 0x40000000, &err)); /* no L2 */
	ck_assert_ptr_null(gm_leaf_pte(v, 0x800000, &err));   /* L1 beyond RAM */
	ck_assert_ptr_null(gm_leaf_pte(v, 0xffff800000001000ULL, &err));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hv_guestmem");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mapped_page_translates);
	tcase_add_test(tc, bad_mappings_fault);
	tcase_add_test(tc, cr3_outside_ram_faults);
	tcase_add_test(tc, copies_cross_pages);
	tcase_add_test(tc, copy_into_a_hole_faults);
	tcase_add_test(tc, gpa_window_checks_overflow);
	tcase_add_test(tc, leaf_pte_only_for_4k_mappings);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
