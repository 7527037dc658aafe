/*
 * Unit tests: mmu_update's validation for classic Xen PV domains
 * (hypervisor/mm/pvmmu.c).  A fake domain gets 4 MiB of RAM, a tree of
 * tables whose levels are learnt as ketch-hv learns them at a CR3 load,
 * and hypervisor-owned frames; each rule is checked without KVM.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

#include "../../hypervisor/hv.h"
#include "../../hypervisor/mm/xenpv.h"

#define MEM (4u << 20)
#define PG 4096ULL
#define P 1ULL
#define RW 2ULL
#define U 4ULL
#define PS 0x80ULL
/* Frames of the tree: L4 1, L3 2, L2 3, L1 4; frame 5 plain memory. */
#define L4F 1
#define L3F 2
#define L2F 3
#define L1F 4
#define PLAIN 5
#define FRESH 6

static struct domain *d;

static uint64_t *table(uint64_t frame)
{
	return (uint64_t *)(d->mem + frame * PG);
}

static void setup(void)
{
	d = calloc(1, sizeof(*d));
	d->mem = calloc(1, MEM);
	d->mem_bytes = MEM;
	d->nr_pages = MEM / PG;
	d->xenpv = calloc(1, sizeof(*d->xenpv));
	d->xenpv->ptlevel = calloc(d->nr_pages, 1);
	d->xenpv->pages = calloc(XENPV_NR_PAGES, PG);
	d->xenpv->m2p = calloc(d->nr_pages, 8);
	table(L4F)[0] = L3F * PG | P | RW | U;
	table(L3F)[0] = L2F * PG | P | RW | U;
	table(L2F)[0] = L1F * PG | P | RW | U;
	table(L1F)[1] = L1F * PG | P | U; /* the L1 maps itself read-only */
	xenpv_note_base(d, L4F * PG);
}

static void teardown(void)
{
	free(d->xenpv->ptlevel);
	free(d->xenpv->pages);
	free(d->xenpv->m2p);
	free(d->xenpv);
	free(d->mem);
	free(d);
}

static int update(uint64_t frame, unsigned int idx, uint64_t val)
{
	return pvmmu_pt_update(d, frame * PG + idx * 8, val);
}

START_TEST(levels_learnt_from_the_base)
{
	ck_assert_uint_eq(d->xenpv->ptlevel[L4F], 4);
	ck_assert_uint_eq(d->xenpv->ptlevel[L3F], 3);
	ck_assert_uint_eq(d->xenpv->ptlevel[L2F], 2);
	ck_assert_uint_eq(d->xenpv->ptlevel[L1F], 1);
	ck_assert_uint_eq(d->xenpv->ptlevel[PLAIN], 0);
}
END_TEST

START_TEST(l1_maps_owned_frames)
{
	ck_assert_int_eq(update(L1F, 10, PLAIN * PG | P | RW | U), 0);
	ck_assert_uint_eq(table(L1F)[10], PLAIN * PG | P | RW | U);
	ck_assert_int_eq(update(L1F, 11, L2F * PG | P | U), 0); /* a table, read-only */
	ck_assert_int_eq(update(L1F, 12, 0), 0);                /* not present: anything */
	ck_assert_int_eq(update(L1F, 13, 0xdead000ULL), 0);
}
END_TEST

START_TEST(l1_refuses_frames_not_owned)
{
	ck_assert_int_eq(update(L1F, 10, MEM | P | U), -XEN_EINVAL);
	ck_assert_int_eq(update(L1F, 10, ((1ULL << 39) + (2ULL << 20)) | P | U), -XEN_EINVAL);
	ck_assert_int_eq(update(L1F, 10, XENPV_M2P_GPA | P | U), -XEN_EINVAL);
	ck_assert_uint_eq(table(L1F)[10], 0);
	/* shared_info and grant frames are the domain's to map. */
	ck_assert_int_eq(update(L1F, 10, KETCH_XENPV_SHINFO_GPA | P | RW | U), 0);
	ck_assert_int_eq(update(L1F, 11, (KETCH_XENPV_SHINFO_GPA + PG) | P | RW | U), 0);
}
END_TEST

START_TEST(no_writable_page_tables)
{
	ck_assert_int_eq(update(L1F, 10, L4F * PG | P | RW | U), -XEN_EINVAL);
	ck_assert_int_eq(update(L1F, 10, L1F * PG | P | RW | U), -XEN_EINVAL);
	ck_assert_uint_eq(table(L1F)[10], 0);
	ck_assert(!pvmmu_frame_ok(d, L2F, true));
	ck_assert(pvmmu_frame_ok(d, L2F, false));
}
END_TEST

START_TEST(hooking_a_fresh_table_types_it)
{
	ck_assert_int_eq(update(L2F, 1, FRESH * PG | P | RW | U), 0);
	ck_assert_uint_eq(d->xenpv->ptlevel[FRESH], 1);
	ck_assert_int_eq(update(L1F, 10, FRESH * PG | P | RW | U), -XEN_EINVAL);
	ck_assert_int_eq(update(FRESH, 0, PLAIN * PG | P | RW | U), 0);
}
END_TEST

START_TEST(hooking_checks_the_new_table)
{
	/* PLAIN maps the L4 writable: it cannot become an L1. */
	table(PLAIN)[7] = L4F * PG | P | RW | U;
	ck_assert_int_eq(update(L2F, 1, PLAIN * PG | P | RW | U), -XEN_EINVAL);
	ck_assert_uint_eq(d->xenpv->ptlevel[PLAIN], 0);
	ck_assert_uint_eq(table(L2F)[1], 0);
	/* Nor an L1 that maps itself writable. */
	table(FRESH)[3] = FRESH * PG | P | RW | U;
	ck_assert_int_eq(update(L2F, 1, FRESH * PG | P | RW | U), -XEN_EINVAL);
	ck_assert_uint_eq(d->xenpv->ptlevel[FRESH], 0);
}
END_TEST

START_TEST(tables_keep_one_level)
{
	ck_assert_int_eq(update(L3F, 1, L1F * PG | P | RW | U), -XEN_EINVAL); /* an L1 as L2 */
	ck_assert_int_eq(update(L4F, 1, L4F * PG | P | RW | U), -XEN_EINVAL); /* linear */
	ck_assert_int_eq(update(L3F, 1, L2F * PG | P | RW | U), 0);           /* shared L2 */
	/* A new L2 whose entries name untyped frames is refused. */
	table(FRESH)[0] = PLAIN * PG | P | RW | U;
	ck_assert_int_eq(update(L3F, 2, FRESH * PG | P | RW | U), -XEN_EINVAL);
}
END_TEST

START_TEST(no_superpages_or_tables_outside_ram)
{
	ck_assert_int_eq(update(L2F, 1, PLAIN * PG | P | RW | U | PS), -XEN_EINVAL);
	ck_assert_int_eq(update(L3F, 1, MEM | P | RW | U), -XEN_EINVAL);
	ck_assert_int_eq(update(L2F, 1, KETCH_XENPV_SHINFO_GPA | P | RW | U), -XEN_EINVAL);
}
END_TEST

START_TEST(reserved_l4_slots)
{
	for (unsigned int i = XENPV_L4_FIRST_RESERVED; i <= XENPV_L4_LAST_RESERVED; i++)
		ck_assert_int_eq(update(L4F, i, 0), -XEN_EPERM);
	ck_assert_int_eq(update(L4F, 255, 0), 0);
	ck_assert_int_eq(update(L4F, 272, 0), 0);
}
END_TEST

START_TEST(bad_pointers)
{
	ck_assert_int_eq(pvmmu_pt_update(d, L1F * PG + 4, 0), -XEN_EINVAL);
	ck_assert_int_eq(pvmmu_pt_update(d, MEM, 0), -XEN_EINVAL);
	ck_assert_int_eq(pvmmu_pt_update(d, ~0ULL & ~7ULL, 0), -XEN_EINVAL);
	/* Plain memory is written as asked, as Xen writes a writable page. */
	ck_assert_int_eq(pvmmu_pt_update(d, PLAIN * PG + 8, 0x1234), 0);
	ck_assert_uint_eq(table(PLAIN)[1], 0x1234);
}
END_TEST

START_TEST(machphys)
{
	ck_assert_int_eq(pvmmu_machphys(d, 7, 99), 0);
	ck_assert_uint_eq(d->xenpv->m2p[7], 99);
	ck_assert_int_eq(pvmmu_machphys(d, d->nr_pages, 1), -XEN_EINVAL);
}
END_TEST

START_TEST(auto_translated_domains_have_none)
{
	struct xenpv *x = d->xenpv;

	d->xenpv = NULL;
	ck_assert_int_eq(pvmmu_pt_update(d, L1F * PG, 0), -XEN_ENOSYS);
	ck_assert_int_eq(pvmmu_machphys(d, 1, 1), -XEN_ENOSYS);
	ck_assert(pvmmu_frame_ok(d, L2F, true)); /* a Ketch guest owns its tables */
	ck_assert(!pvmmu_frame_ok(d, MEM / PG, false));
	d->xenpv = x;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hv_pvmmu");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, levels_learnt_from_the_base);
	tcase_add_test(tc, l1_maps_owned_frames);
	tcase_add_test(tc, l1_refuses_frames_not_owned);
	tcase_add_test(tc, no_writable_page_tables);
	tcase_add_test(tc, hooking_a_fresh_table_types_it);
	tcase_add_test(tc, hooking_checks_the_new_table);
	tcase_add_test(tc, tables_keep_one_level);
	tcase_add_test(tc, no_superpages_or_tables_outside_ram);
	tcase_add_test(tc, reserved_l4_slots);
	tcase_add_test(tc, bad_pointers);
	tcase_add_test(tc, machphys);
	tcase_add_test(tc, auto_translated_domains_have_none);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
