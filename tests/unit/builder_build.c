/* Unit tests: kb_build layout, start_info, page tables and loaded contents. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xen/elfnote.h>
#include <ketch/abi.h>
#include <ketch/builder.h>

#include "builder_mkelf.h"

#define PG 4096ULL
#define MiB (1ULL << 20)
#define LOWER_END 0x0000800000000000ULL
#define DIRT 0xAA

static struct mk_opts o;
static struct mk_elf e;
static struct kb_domain_spec spec;
static struct kb_layout lay;
static char err[KB_ERRLEN];
static uint8_t *ramdisk;

static void set_mem(uint64_t bytes)
{
	free(spec.mem);
	spec.mem = aligned_alloc(PG, bytes);
	spec.mem_bytes = bytes;
	memset(spec.mem, DIRT, bytes);
}

static void setup(void)
{
	mk_default(&o);
	o.features = "!auto_translated_physmap"; /* a Ketch guest, unless a test says */
	memset(&e, 0, sizeof(e));
	memset(&spec, 0, sizeof(spec));
	set_mem(16 * MiB);
	spec.domid = 3;
	spec.cmdline = "console=hvc0 quiet";
	spec.store_evtchn = 1;
	spec.console_evtchn = 2;
	spec.hv_features[0] = ~0u;
	ramdisk = NULL;
}

static void teardown(void)
{
	mk_free(&e);
	free(spec.mem);
	free(ramdisk);
}

static void add_ramdisk(size_t len)
{
	ramdisk = malloc(len);
	for (size_t i = 0; i < len; i++)
		ramdisk[i] = (uint8_t)(i * 31 + 5);
	spec.ramdisk = ramdisk;
	spec.ramdisk_len = len;
}

static int build(void)
{
	mk_free(&e);
	mk_build(&o, &e);
	spec.kernel = e.img;
	spec.kernel_len = e.len;
	return kb_build(&spec, &lay, err);
}

#define EXPECT_FAIL(rc_, want)                                                    \
	do {                                                                      \
		ck_assert_int_eq(build(), rc_);                                   \
		ck_assert_msg(strstr(err, want), "error \"%s\" lacks \"%s\"", err, want); \
	} while (0)

static uint64_t rd64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, spec.mem + gpa, 8);
	return v;
}

static bool all_bytes(uint64_t gpa, uint64_t n, uint8_t b)
{
	for (uint64_t i = 0; i < n; i++)
		if (spec.mem[gpa + i] != b)
			return false;
	return true;
}

static uint64_t round_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

/*
 * Walk the guest's page tables for va.  Returns true and the leaf's gpa and
 * flags if mapped; asserts every table level is P|RW|U, no large pages, and
 * every table lies inside [pt_base, pt_base + nr_pt_frames).
 */
static bool walk(uint64_t va, uint64_t *gpa, uint64_t *flags)
{
	uint64_t table = lay.pt_base_gpa;

	for (int shift = 39; shift >= 21; shift -= 9) {
		uint64_t ent = rd64(table + ((va >> shift) & 511) * 8);

		if (!(ent & 1))
			return false;
		ck_assert_uint_eq(ent & 0xfff, 0x7); /* P|RW|U, no PS/A/D */
		table = ent & 0x000ffffffffff000ULL;
		ck_assert_uint_ge(table, lay.pt_base_gpa);
		ck_assert_uint_lt(table, lay.pt_base_gpa + lay.nr_pt_frames * PG);
	}
	uint64_t leaf = rd64(table + ((va >> 12) & 511) * 8);
	if (!(leaf & 1))
		return false;
	*gpa = leaf & 0x000ffffffffff000ULL;
	*flags = leaf & 0x8000000000000fffULL;
	return true;
}

/* Page-table frames a region [va, va+n) needs, counted independently. */
static uint64_t frames_for(uint64_t va, uint64_t n)
{
	uint64_t last = va + n - 1;

	return 1 + ((last >> 39) - (va >> 39) + 1) + ((last >> 30) - (va >> 30) + 1) +
	       ((last >> 21) - (va >> 21) + 1);
}

/* Count present leaf entries in all L1 tables reachable from cr3. */
static uint64_t count_leaves(void)
{
	uint64_t n = 0, l4 = lay.pt_base_gpa;

	for (int a = 0; a < 512; a++) {
		uint64_t e3 = rd64(l4 + a * 8);
		if (!(e3 & 1))
			continue;
		for (int b = 0; b < 512; b++) {
			uint64_t e2 = rd64((e3 & ~0xfffULL) + b * 8);
			if (!(e2 & 1))
				continue;
			for (int c = 0; c < 512; c++) {
				uint64_t e1 = rd64((e2 & ~0xfffULL) + c * 8);
				if (!(e1 & 1))
					continue;
				for (int d = 0; d < 512; d++)
					n += rd64((e1 & ~0xfffULL) + d * 8) & 1;
			}
		}
	}
	return n;
}

static void check_page_tables(void)
{
	uint64_t vb = lay.elf.virt_base, end = lay.bootstrap_end_va, gpa, fl;

	ck_assert_uint_eq(lay.nr_pt_frames, frames_for(vb, end - vb));
	for (uint64_t va = vb; va < end; va += PG) {
		ck_assert_msg(walk(va, &gpa, &fl), "va 0x%llx unmapped", (unsigned long long)va);
		ck_assert_uint_eq(gpa, va - vb);
		ck_assert_uint_eq(fl, 0x67); /* P|RW|U|A|D, no NX */
	}
	for (uint64_t i = 1; i <= 2048; i++) {
		if (vb >= i * PG)
			ck_assert(!walk(vb - i * PG, &gpa, &fl));
		if (end + i * PG <= LOWER_END)
			ck_assert(!walk(end + (i - 1) * PG, &gpa, &fl));
	}
	ck_assert_uint_eq(count_leaves(), (end - vb) / PG);
}

/* Order, alignment and padding of the start-of-day elements. */
static void check_order(void)
{
	uint64_t vb = lay.elf.virt_base;
	uint64_t nr_pages = spec.mem_bytes / PG;
	uint64_t after_kernel = lay.elf.virt_kend;

	ck_assert_uint_eq(after_kernel % PG, 0);
	if (spec.ramdisk_len) {
		ck_assert_uint_eq(lay.ramdisk_va, after_kernel);
		after_kernel = round_up(lay.ramdisk_va + spec.ramdisk_len, PG);
	} else {
		ck_assert_uint_eq(lay.ramdisk_va, 0);
	}
	ck_assert_uint_eq(lay.p2m_va, after_kernel);
	ck_assert_uint_eq(lay.start_info_va, lay.p2m_va + round_up(nr_pages * 8, PG));
	ck_assert_uint_eq(lay.start_info_gpa, lay.start_info_va - vb);
	ck_assert_uint_eq(lay.store_gpfn * PG, lay.start_info_gpa + PG);
	ck_assert_uint_eq(lay.console_gpfn * PG, lay.store_gpfn * PG + PG);
	ck_assert_uint_eq(lay.pt_base_gpa, lay.console_gpfn * PG + PG);
	ck_assert_uint_eq(lay.stack_top_va, vb + lay.pt_base_gpa + (lay.nr_pt_frames + 1) * PG);
	ck_assert_uint_eq(lay.shared_info_gpa, lay.stack_top_va - vb);
	ck_assert_uint_eq(lay.first_free_gpfn, lay.shared_info_gpa / PG + 1);
	ck_assert_uint_eq(lay.bootstrap_end_va % (4 * MiB), 0);
	uint64_t pad = lay.bootstrap_end_va - (vb + lay.first_free_gpfn * PG);
	ck_assert_uint_ge(pad, 512 * 1024);
	ck_assert_uint_lt(pad, 512 * 1024 + 4 * MiB);
	ck_assert_uint_le(lay.bootstrap_end_va - vb, spec.mem_bytes);
}

static void check_start_info(void)
{
	const start_info_t *si = (const start_info_t *)(spec.mem + lay.start_info_gpa);
	uint64_t vb = lay.elf.virt_base;

	ck_assert_str_eq(si->magic, "xen-3.0-x86_64");
	ck_assert_uint_eq(si->nr_pages, spec.mem_bytes / PG);
	ck_assert_uint_eq(si->shared_info, lay.shared_info_gpa);
	ck_assert_uint_eq(si->store_mfn, lay.store_gpfn);
	ck_assert_uint_eq(si->store_evtchn, spec.store_evtchn);
	ck_assert_uint_eq(si->console.domU.mfn, lay.console_gpfn);
	ck_assert_uint_eq(si->console.domU.evtchn, spec.console_evtchn);
	ck_assert_uint_eq(si->pt_base, vb + lay.pt_base_gpa);
	ck_assert_uint_eq(si->nr_pt_frames, lay.nr_pt_frames);
	ck_assert_uint_eq(si->mfn_list, lay.p2m_va);
	ck_assert_uint_eq(si->mod_len, spec.ramdisk_len);
	if (!spec.ramdisk_len)
		ck_assert_uint_eq(si->mod_start, 0);
	ck_assert_str_eq((const char *)si->cmd_line, spec.cmdline ? spec.cmdline : "");
	ck_assert_uint_eq(si->first_p2m_pfn, 0);
	ck_assert_uint_eq(si->nr_p2m_frames, 0);
	/* The rest of the page is zero. */
	ck_assert(all_bytes(lay.start_info_gpa + sizeof(*si), PG - sizeof(*si), 0));
}

static void check_contents(void)
{
	uint64_t vb = lay.elf.virt_base, nr = spec.mem_bytes / PG;
	uint64_t text = o.text_va - vb, data = o.data_va - vb;

	for (uint64_t i = 0; i < o.text_size; i++)
		ck_assert_uint_eq(spec.mem[text + i], mk_text_byte(i));
	for (uint64_t i = 0; i < o.data_filesz; i++)
		ck_assert_uint_eq(spec.mem[data + i], mk_data_byte(i));
	ck_assert(all_bytes(data + o.data_filesz, o.data_memsz - o.data_filesz, 0));
	for (uint64_t i = 0; i < nr; i++)
		ck_assert_uint_eq(rd64(lay.p2m_va - vb + i * 8), i);
	ck_assert(all_bytes(lay.store_gpfn * PG, PG, 0));
	ck_assert(all_bytes(lay.console_gpfn * PG, PG, 0));
	ck_assert(all_bytes(lay.stack_top_va - vb - PG, PG, 0));
	ck_assert(all_bytes(lay.shared_info_gpa, PG, 0));
	ck_assert(all_bytes(lay.first_free_gpfn * PG,
			    lay.bootstrap_end_va - vb - lay.first_free_gpfn * PG, 0));
	/* RAM above the region is left as handed over. */
	ck_assert(all_bytes(lay.bootstrap_end_va - vb,
			    spec.mem_bytes - (lay.bootstrap_end_va - vb), DIRT));
}

static void check_all(void)
{
	check_order();
	check_start_info();
	check_contents();
	check_page_tables();
}

START_TEST(basic)
{
	ck_assert_int_eq(build(), 0);
	ck_assert_str_eq(err, "");
	check_all();
	/* The numbers for this image, worked out by hand. */
	ck_assert_uint_eq(lay.entry_va, 0x400000);
	ck_assert_uint_eq(lay.hypercall_page_gpa, 0x1000);
	ck_assert_uint_eq(lay.p2m_va, 0x405000);
	ck_assert_uint_eq(lay.start_info_va, 0x40d000);
	ck_assert_uint_eq(lay.start_info_gpa, 0xd000);
	ck_assert_uint_eq(lay.store_gpfn, 0xe);
	ck_assert_uint_eq(lay.console_gpfn, 0xf);
	ck_assert_uint_eq(lay.pt_base_gpa, 0x10000);
	ck_assert_uint_eq(lay.nr_pt_frames, 5); /* L4, L3, L2, 2 x L1 */
	ck_assert_uint_eq(lay.stack_top_va, 0x416000);
	ck_assert_uint_eq(lay.shared_info_gpa, 0x16000);
	ck_assert_uint_eq(lay.bootstrap_end_va, 0x800000);
	ck_assert_uint_eq(lay.first_free_gpfn, 0x17);
}
END_TEST

/* An image that does not require auto-translation is Xen's classic PV guest. */
START_TEST(classic_pv_image)
{
	uint64_t gpa, fl, vb;

	o.features = NULL;
	ck_assert_int_eq(build(), 0);
	vb = lay.elf.virt_base;
	const start_info_t *si = (const start_info_t *)(spec.mem + lay.start_info_gpa);
	/* shared_info is the hypervisor's page outside RAM... */
	ck_assert_uint_eq(lay.shared_info_gpa, KETCH_XENPV_SHINFO_GPA);
	ck_assert_uint_eq(si->shared_info, KETCH_XENPV_SHINFO_GPA);
	ck_assert_uint_ge(si->shared_info, spec.mem_bytes);
	/* ...and the page tables are mapped read-only, as Xen maps them. */
	for (uint64_t i = 0; i < lay.nr_pt_frames; i++) {
		ck_assert(walk(vb + lay.pt_base_gpa + i * PG, &gpa, &fl));
		ck_assert_uint_eq(fl, 0x65); /* P|U|A|D */
	}
	ck_assert(walk(lay.stack_top_va - PG, &gpa, &fl));
	ck_assert_uint_eq(fl, 0x67);
}
END_TEST

START_TEST(no_hypercall_page)
{
	o.hypercall_page = 0;
	ck_assert_int_eq(build(), 0);
	ck_assert_uint_eq(lay.hypercall_page_gpa, ~0ULL);
}
END_TEST

START_TEST(with_ramdisk)
{
	add_ramdisk(0x2345);
	spec.si_flags = SIF_PRIVILEGED | SIF_INITDOMAIN;
	ck_assert_int_eq(build(), 0);
	check_all();
	const start_info_t *si = (const start_info_t *)(spec.mem + lay.start_info_gpa);
	ck_assert_uint_eq(lay.ramdisk_va, 0x405000);
	ck_assert_uint_eq(si->mod_start, lay.ramdisk_va);
	ck_assert_uint_eq(si->flags, SIF_PRIVILEGED | SIF_INITDOMAIN);
	ck_assert_mem_eq(spec.mem + (lay.ramdisk_va - 0x400000), ramdisk, 0x2345);
	ck_assert(all_bytes(lay.ramdisk_va - 0x400000 + 0x2345, 0x3000 - 0x2345, 0));
	ck_assert_uint_eq(lay.p2m_va, 0x408000);
}
END_TEST

START_TEST(mod_start_pfn)
{
	static const uint64_t one = 1;

	o.extra[o.nextra++] = (struct mk_note){ XEN_ELFNOTE_MOD_START_PFN, &one, 8 };
	add_ramdisk(0x1000);
	ck_assert_int_eq(build(), 0);
	const start_info_t *si = (const start_info_t *)(spec.mem + lay.start_info_gpa);
	ck_assert_uint_eq(si->flags, SIF_MOD_START_PFN);
	ck_assert_uint_eq(si->mod_start, 5); /* gpa 0x5000 */
	ck_assert_uint_eq(si->mod_len, 0x1000);
}
END_TEST

START_TEST(large_domain)
{
	set_mem(256 * MiB); /* p2m of 512 KiB */
	add_ramdisk(3 * MiB + 17);
	ck_assert_int_eq(build(), 0);
	check_all();
}
END_TEST

START_TEST(padding_extends_region)
{
	/* Kernel 0x5000, ramdisk 0x3d9000, p2m 0x8000, start_info/store/
	 * console 0x3000, 7 page-table frames (an 8 MiB region needs 4 L1s),
	 * stack, shared_info: the last element ends 0xe000 below a 4 MiB
	 * boundary, so the 512 KiB padding forces one extra 4 MiB. */
	add_ramdisk(0x3d9000);
	ck_assert_int_eq(build(), 0);
	check_all();
	ck_assert_uint_eq(lay.nr_pt_frames, 7);
	ck_assert_uint_eq(lay.first_free_gpfn * PG, 0x3f2000);
	ck_assert_uint_eq(lay.bootstrap_end_va, 0xc00000);
}
END_TEST

START_TEST(crosses_512g)
{
	uint64_t vb = 0x8000000000ULL - 0x40000; /* region ends at 512 GiB + 4 MiB */

	o.virt_base = o.text_va = o.e_entry = vb;
	o.data_va = vb + 0x3000;
	o.hypercall_page = vb + 0x1000;
	ck_assert_int_eq(build(), 0);
	check_all();
	ck_assert_uint_eq(lay.nr_pt_frames, 1 + 2 + 2 + 3);
}
END_TEST

START_TEST(top_of_lower_half)
{
	uint64_t vb = LOWER_END - MiB;

	o.virt_base = o.text_va = o.e_entry = vb;
	o.data_va = vb + 0x3000;
	o.hypercall_page = vb + 0x1000;
	ck_assert_int_eq(build(), 0);
	ck_assert_uint_eq(lay.bootstrap_end_va, LOWER_END);
	check_all();
	vb = LOWER_END - 0x40000;
	o.virt_base = o.text_va = o.e_entry = vb;
	o.data_va = vb + 0x3000;
	o.hypercall_page = vb + 0x1000;
	EXPECT_FAIL(-EINVAL, "0x800000400000) reaches past the lower canonical half");
}
END_TEST

START_TEST(not_enough_ram)
{
	set_mem(2 * MiB);
	EXPECT_FAIL(-ENOMEM, "needs 4096 KiB, domain has 2048 KiB");
	set_mem(16 * MiB);
	add_ramdisk(15 * MiB + MiB / 2);
	EXPECT_FAIL(-ENOMEM, "needs 20480 KiB, domain has 16384 KiB");
}
END_TEST

START_TEST(memsz_larger_than_ram)
{
	o.data_memsz = 32 * MiB;
	EXPECT_FAIL(-ENOMEM, "p_memsz 0x2000000 is larger than the domain's 16384 KiB");
}
END_TEST

START_TEST(cmdline_limits)
{
	static char line[MAX_GUEST_CMDLINE + 1];

	memset(line, 'x', MAX_GUEST_CMDLINE);
	spec.cmdline = line;
	EXPECT_FAIL(-EINVAL, "command line longer than 1023 bytes");
	line[MAX_GUEST_CMDLINE - 1] = '\0';
	ck_assert_int_eq(build(), 0);
	check_start_info();
	spec.cmdline = NULL;
	ck_assert_int_eq(build(), 0);
	check_start_info();
}
END_TEST

START_TEST(required_feature_not_offered)
{
	o.features = "writable_page_tables|!auto_translated_physmap";
	spec.hv_features[0] = 1u << XENFEAT_writable_page_tables;
	EXPECT_FAIL(-EINVAL, "requires feature auto_translated_physmap");
	spec.hv_features[0] |= 1u << XENFEAT_auto_translated_physmap;
	ck_assert_int_eq(build(), 0);
}
END_TEST

START_TEST(bad_spec)
{
	spec.mem_bytes = 16 * MiB - 1;
	EXPECT_FAIL(-EINVAL, "multiple of 4 KiB");
	spec.mem_bytes = 16 * MiB;
	spec.ramdisk_len = 5;
	EXPECT_FAIL(-EINVAL, "ramdisk length without ramdisk");
}
END_TEST

START_TEST(bad_image_propagates)
{
	o.no_notes = true;
	EXPECT_FAIL(-ENOEXEC, "no Xen ELF notes");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("builder_build");
	TCase *t = tcase_create("build");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, basic);
	tcase_add_test(t, no_hypercall_page);
	tcase_add_test(t, classic_pv_image);
	tcase_add_test(t, with_ramdisk);
	tcase_add_test(t, mod_start_pfn);
	tcase_add_test(t, large_domain);
	tcase_add_test(t, padding_extends_region);
	tcase_add_test(t, crosses_512g);
	tcase_add_test(t, top_of_lower_half);
	tcase_add_test(t, not_enough_ram);
	tcase_add_test(t, memsz_larger_than_ram);
	tcase_add_test(t, cmdline_limits);
	tcase_add_test(t, required_feature_not_offered);
	tcase_add_test(t, bad_spec);
	tcase_add_test(t, bad_image_propagates);
	tcase_set_timeout(t, 60);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
