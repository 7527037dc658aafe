/* Unit tests: Xen ELF note semantics of kb_elf_parse (and feature checks). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xen/elfnote.h>
#include <ketch/builder.h>

#include "builder_mkelf.h"

static struct mk_opts o;
static struct mk_elf e;
static struct kb_elf_info info;
static char err[KB_ERRLEN];

static void setup(void)
{
	mk_default(&o);
	memset(&e, 0, sizeof(e));
	err[0] = '\0';
}

static void teardown(void)
{
	mk_free(&e);
}

static int parse(void)
{
	mk_free(&e);
	mk_build(&o, &e);
	return kb_elf_parse(e.img, e.len, &info, err);
}

static void add_note(uint32_t type, const void *desc, uint32_t len)
{
	o.extra[o.nextra++] = (struct mk_note){ type, desc, len };
}

#define EXPECT_FAIL(rc_, want)                                                    \
	do {                                                                      \
		ck_assert_int_eq(parse(), rc_);                                   \
		ck_assert_msg(strstr(err, want), "error \"%s\" lacks \"%s\"", err, want); \
	} while (0)

START_TEST(missing_notes)
{
	o.no_notes = true;
	EXPECT_FAIL(-ENOEXEC, "not a Xen-ELF image: no Xen ELF notes");
}
END_TEST

START_TEST(foreign_notes_only)
{
	/* A PT_NOTE holding only a GNU note is still "no Xen notes". */
	static const uint8_t gnu[] = { 4, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0,
				       1, 2, 3, 4 };

	o.no_notes = true;
	mk_build(&o, &e);
	mk_phdr(&e, 2)->p_type = PT_NOTE;
	mk_phdr(&e, 2)->p_offset = e.note_off;
	mk_phdr(&e, 2)->p_filesz = sizeof(gnu);
	mk_ehdr(&e)->e_phnum = 3;
	memcpy(e.img + e.note_off, gnu, sizeof(gnu));
	ck_assert_int_eq(kb_elf_parse(e.img, e.len, &info, err), -ENOEXEC);
	ck_assert_msg(strstr(err, "no Xen ELF notes"), "%s", err);
}
END_TEST

START_TEST(notes_in_section)
{
	o.notes_in_section = true;
	ck_assert_int_eq(parse(), 0);
	ck_assert_str_eq(info.xen_version, "xen-3.0");
	ck_assert_uint_eq(info.hypercall_page, 0x401000);
}
END_TEST

START_TEST(xen_version)
{
	o.xen_version = "xen-2.0";
	EXPECT_FAIL(-EINVAL, "XEN_VERSION is \"xen-2.0\"");
	o.xen_version = NULL;
	EXPECT_FAIL(-EINVAL, "only \"xen-3.0\"");
}
END_TEST

START_TEST(loader_rule)
{
	o.loader = "elf";
	o.guest_os = "mini-os";
	EXPECT_FAIL(-EINVAL, "generic loader or Linux");
	o.loader = NULL;
	EXPECT_FAIL(-EINVAL, "generic loader or Linux");
	o.guest_os = "linux";
	ck_assert_int_eq(parse(), 0);
	o.guest_os = NULL;
	o.loader = "generic";
	ck_assert_int_eq(parse(), 0);
}
END_TEST

START_TEST(features_string)
{
	o.features = "writable_page_tables|!auto_translated_physmap|no_such_thing|hvm_callback_vector";
	ck_assert_int_eq(parse(), 0);
	ck_assert_uint_eq(info.f_supported[0], (1u << XENFEAT_writable_page_tables) |
						       (1u << XENFEAT_auto_translated_physmap) |
						       (1u << XENFEAT_hvm_callback_vector));
	ck_assert_uint_eq(info.f_required[0], 1u << XENFEAT_auto_translated_physmap);
}
END_TEST

START_TEST(unknown_required_feature)
{
	o.features = "writable_page_tables|!warp_drive";
	EXPECT_FAIL(-EINVAL, "unknown feature \"warp_drive\"");
}
END_TEST

START_TEST(supported_features_bitmap)
{
	static const uint32_t map = (1u << XENFEAT_dom0) | (1u << XENFEAT_writable_page_tables);

	o.features = "hvm_callback_vector";
	add_note(XEN_ELFNOTE_SUPPORTED_FEATURES, &map, 4);
	ck_assert_int_eq(parse(), 0);
	ck_assert_uint_eq(info.f_supported[0], map | (1u << XENFEAT_hvm_callback_vector));
	ck_assert_uint_eq(info.f_required[0], 0);
}
END_TEST

START_TEST(hypercall_page_rules)
{
	o.hypercall_page = 0x401800;
	EXPECT_FAIL(-EINVAL, "HYPERCALL_PAGE 0x401800 is not page aligned");
	o.hypercall_page = 0x800000;
	EXPECT_FAIL(-EINVAL, "HYPERCALL_PAGE 0x800000 is not inside a loaded segment");
	o.data_memsz = 0x1800; /* page straddles the end of data */
	o.hypercall_page = 0x404000;
	EXPECT_FAIL(-EINVAL, "not inside a loaded segment");
	o.hypercall_page = 0x403000; /* in the data segment: fine */
	ck_assert_int_eq(parse(), 0);
	ck_assert_uint_eq(info.hypercall_page, 0x403000);
}
END_TEST

START_TEST(entry_note)
{
	o.entry_note = 0x400100;
	ck_assert_int_eq(parse(), 0);
	ck_assert_uint_eq(info.entry, 0x400100);
	o.entry_note = 0x403000;
	EXPECT_FAIL(-ENOEXEC, "entry point 0x403000");
}
END_TEST

START_TEST(note_runs_past_section)
{
	mk_build(&o, &e);
	/* Cut the note area so the last descriptor runs past it. */
	mk_phdr(&e, e.ph_note)->p_filesz = e.note_len - 4;
	ck_assert_int_eq(kb_elf_parse(e.img, e.len, &info, err), -ENOEXEC);
	ck_assert_msg(strstr(err, "runs past its section"), "%s", err);
	/* A huge descsz must not wrap the bounds check. */
	Elf64_Nhdr *nh = (Elf64_Nhdr *)(e.img + e.note_off);
	mk_phdr(&e, e.ph_note)->p_filesz = e.note_len;
	nh->n_descsz = 0xfffffffe;
	ck_assert_int_eq(kb_elf_parse(e.img, e.len, &info, err), -ENOEXEC);
	ck_assert_msg(strstr(err, "runs past its section"), "%s", err);
	nh->n_descsz = 8;
	nh->n_namesz = 0xffffffff;
	ck_assert_int_eq(kb_elf_parse(e.img, e.len, &info, err), -ENOEXEC);
}
END_TEST

START_TEST(note_segment_outside_file)
{
	mk_build(&o, &e);
	mk_phdr(&e, e.ph_note)->p_offset = e.len;
	ck_assert_int_eq(kb_elf_parse(e.img, e.len, &info, err), -ENOEXEC);
	ck_assert_msg(strstr(err, "PT_NOTE segment"), "%s", err);
}
END_TEST

START_TEST(bad_numeric_note)
{
	static const uint8_t three[3] = { 0, 0x40, 0 };

	add_note(XEN_ELFNOTE_ENTRY, three, 3);
	EXPECT_FAIL(-ENOEXEC, "numeric descriptor of 3 bytes");
}
END_TEST

START_TEST(short_numeric_note)
{
	static const uint32_t entry = 0x400020;

	add_note(XEN_ELFNOTE_ENTRY, &entry, 4);
	ck_assert_int_eq(parse(), 0);
	ck_assert_uint_eq(info.entry, 0x400020);
}
END_TEST

START_TEST(long_string_note)
{
	static char big[200];

	memset(big, 'a', sizeof(big) - 1);
	o.guest_os = big;
	EXPECT_FAIL(-EINVAL, "too long");
}
END_TEST

START_TEST(paddr_offset)
{
	static const uint64_t zero = 0;

	/* Linux style: linked at physical 0x1000000 (p_paddr), virt_base
	 * 0x40000000, PADDR_OFFSET 0: virtual = paddr + virt_base. */
	o.text_va = 0x1000000;
	o.data_va = 0x1003000;
	o.virt_base = 0x40000000;
	o.e_entry = 0x41000000;
	o.hypercall_page = 0x41001000;
	add_note(XEN_ELFNOTE_PADDR_OFFSET, &zero, 8);
	ck_assert_int_eq(parse(), 0);
	ck_assert_uint_eq(info.paddr_offset, 0);
	ck_assert_uint_eq(info.seg[0].vaddr, 0x41000000);
	ck_assert_uint_eq(info.seg[1].vaddr, 0x41003000);
	ck_assert_uint_eq(info.virt_kstart, 0x41000000);
	ck_assert_uint_eq(info.virt_kend, 0x41005000);
	o.no_virt_base = true;
	EXPECT_FAIL(-EINVAL, "PADDR_OFFSET is set but XEN_ELFNOTE_VIRT_BASE is not");
}
END_TEST

START_TEST(defaults)
{
	o.no_virt_base = true;
	ck_assert_int_eq(parse(), 0);
	ck_assert_uint_eq(info.virt_base, 0);
	ck_assert_uint_eq(info.paddr_offset, 0);
	ck_assert_uint_eq(info.seg[0].vaddr, 0x400000);
}
END_TEST

START_TEST(mod_start_pfn)
{
	static const uint32_t one = 1;

	add_note(XEN_ELFNOTE_MOD_START_PFN, &one, 4);
	ck_assert_int_eq(parse(), 0);
	ck_assert_uint_eq(info.mod_start_pfn, 1);
}
END_TEST

START_TEST(bsd_symtab_refused)
{
	add_note(XEN_ELFNOTE_BSD_SYMTAB, "yes", 4);
	EXPECT_FAIL(-EINVAL, "XEN_ELFNOTE_BSD_SYMTAB");
}
END_TEST

START_TEST(ignored_notes)
{
	static const uint64_t p2m = 0x8000000000ULL;

	add_note(XEN_ELFNOTE_INIT_P2M, &p2m, 8);
	add_note(XEN_ELFNOTE_PAE_MODE, "yes", 4);
	add_note(0x1234, "??", 3);
	ck_assert_int_eq(parse(), 0);
}
END_TEST

START_TEST(upper_half_virt_base)
{
	static const uint64_t zero = 0;

	o.virt_base = 0xffff800000000000ULL;
	o.text_va = 0x1000000;
	o.data_va = 0x1003000;
	o.e_entry = 0xffff800001000000ULL;
	add_note(XEN_ELFNOTE_PADDR_OFFSET, &zero, 8);
	EXPECT_FAIL(-EINVAL, "VIRT_BASE 0xffff800000000000 is not in the lower canonical half");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("builder_notes");
	TCase *t = tcase_create("notes");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, missing_notes);
	tcase_add_test(t, foreign_notes_only);
	tcase_add_test(t, notes_in_section);
	tcase_add_test(t, xen_version);
	tcase_add_test(t, loader_rule);
	tcase_add_test(t, features_string);
	tcase_add_test(t, unknown_required_feature);
	tcase_add_test(t, supported_features_bitmap);
	tcase_add_test(t, hypercall_page_rules);
	tcase_add_test(t, entry_note);
	tcase_add_test(t, note_runs_past_section);
	tcase_add_test(t, note_segment_outside_file);
	tcase_add_test(t, bad_numeric_note);
	tcase_add_test(t, short_numeric_note);
	tcase_add_test(t, long_string_note);
	tcase_add_test(t, paddr_offset);
	tcase_add_test(t, defaults);
	tcase_add_test(t, mod_start_pfn);
	tcase_add_test(t, bsd_symtab_refused);
	tcase_add_test(t, ignored_notes);
	tcase_add_test(t, upper_half_virt_base);
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
