/* Unit tests: the hypercall page's stubs and the TSS I/O map inside it. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/event_channel.h>

#include "../../hypervisor/hv.h"

static uint8_t page[4096];

static const uint8_t *stub_code(unsigned int nr)
{
	const uint8_t *p = page + nr * 32;

	return p[0] == 0xeb ? p + 2 + p[1] : p;
}

static bool special(unsigned int nr)
{
	return nr == __HYPERVISOR_iret || nr == __HYPERVISOR_event_channel_op;
}

START_TEST(every_stub_loads_its_number_and_exits)
{
	hcpage_fill(page);
	for (unsigned int nr = 0; nr < HV_NR_HYPERCALLS; nr++) {
		const uint8_t *c = stub_code(nr);

		if (special(nr))
			continue;
		ck_assert_uint_eq(c[0], 0xb8);
		ck_assert_uint_eq(c[1], nr);
		ck_assert_uint_eq(c[2] | c[3] | c[4], 0);
		ck_assert_uint_eq(c[5], 0xe7);
		ck_assert_uint_eq(c[6], HV_HCALL_PORT);
		ck_assert_uint_eq(c[7], 0xc3);
		ck_assert(c + 8 <= page + (nr + 1) * 32);
	}
}
END_TEST

START_TEST(iret_stub_completes_iret_context)
{
	const uint8_t *c;

	hcpage_fill(page);
	c = page + __HYPERVISOR_iret * 32;
	/* push %rcx; push %r11; push %rax; mov $23,%eax; out %eax,$port */
	ck_assert_uint_eq(c[0], 0x51);
	ck_assert_uint_eq(c[1], 0x41);
	ck_assert_uint_eq(c[2], 0x53);
	ck_assert_uint_eq(c[3], 0x50);
	ck_assert_uint_eq(c[4], 0xb8);
	ck_assert_uint_eq(c[5], __HYPERVISOR_iret);
	ck_assert_uint_eq(c[9], 0xe7);
	ck_assert_uint_eq(c[10], HV_HCALL_PORT);
}
END_TEST

START_TEST(send_stub_has_doorbell_fast_path)
{
	const uint8_t *c;

	hcpage_fill(page);
	c = page + __HYPERVISOR_event_channel_op * 32;
	ck_assert_uint_eq(c[2], EVTCHNOP_send);
	ck_assert_uint_eq(c[7], 0xe7);
	ck_assert_uint_eq(c[8], HV_DOORBELL_PORT);
	ck_assert_uint_eq(page[hcpage_send_ret_offset()], 0xc3);
	/* the slow path is the ordinary stub */
	ck_assert_uint_eq(c[12], 0xb8);
	ck_assert_uint_eq(c[13], __HYPERVISOR_event_channel_op);
	ck_assert_uint_eq(c[17], 0xe7);
	ck_assert_uint_eq(c[18], HV_HCALL_PORT);
	/* jne lands on the slow path */
	ck_assert_uint_eq(5 + c[4], 12);
}
END_TEST

START_TEST(only_the_stub_over_the_iomap_base_jumps)
{
	hcpage_fill(page);
	for (unsigned int nr = 0; nr < HV_NR_HYPERCALLS; nr++)
		if (!special(nr))
			ck_assert_int_eq(page[nr * 32] == 0xeb, nr == 3);
}
END_TEST

START_TEST(tss_iomap_allows_the_hypercall_port)
{
	uint16_t base;

	hcpage_fill(page);
	memcpy(&base, page + 0x66, 2);
	ck_assert_uint_lt(base + HV_HCALL_PORT / 8 + 1, 4096);
	ck_assert_uint_eq(page[base + HV_HCALL_PORT / 8] & (1u << (HV_HCALL_PORT % 8)), 0);
	ck_assert_uint_eq(page[base + HV_DOORBELL_PORT / 8] & (1u << (HV_DOORBELL_PORT % 8)), 0);
	/* the map bytes are padding no stub executes */
	for (unsigned int nr = 0; nr < HV_NR_HYPERCALLS; nr++) {
		const uint8_t *c = stub_code(nr);

		ck_assert(c + 8 <= page + base || c >= page + base + HV_HCALL_PORT / 8 + 1);
	}
}
END_TEST

START_TEST(fill_overwrites_old_contents)
{
	memset(page, 0xcc, sizeof(page));
	hcpage_fill(page);
	ck_assert_uint_eq(page[4095], 0);
	ck_assert_uint_eq(page[31], 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hv_hcpage");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, every_stub_loads_its_number_and_exits);
	tcase_add_test(tc, only_the_stub_over_the_iomap_base_jumps);
	tcase_add_test(tc, iret_stub_completes_iret_context);
	tcase_add_test(tc, send_stub_has_doorbell_fast_path);
	tcase_add_test(tc, tss_iomap_allows_the_hypercall_port);
	tcase_add_test(tc, fill_overwrites_old_contents);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
