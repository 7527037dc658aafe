/* Unit tests: kb_elf_symbolize, including malformed section tables. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ketch/builder.h>

#include "builder_mkelf.h"

static struct mk_opts o;
static struct mk_elf e;
static struct kb_elf_info info;
static char err[KB_ERRLEN];
static char name[64];
static uint64_t off;

static void setup(void)
{
	mk_default(&o);
	o.symbols = true;
	mk_build(&o, &e);
	ck_assert_int_eq(kb_elf_parse(e.img, e.len, &info, err), 0);
}

static void teardown(void)
{
	mk_free(&e);
}

static int sym(uint64_t va)
{
	name[0] = '\0';
	off = ~0ULL;
	return kb_elf_symbolize(e.img, e.len, &info, va, name, sizeof(name), &off);
}

/* Re-parse after corrupting the section table: must still load. */
static void reparse(void)
{
	ck_assert_int_eq(kb_elf_parse(e.img, e.len, &info, err), 0);
}

START_TEST(functions)
{
	ck_assert_int_eq(sym(0x400000), 0);
	ck_assert_str_eq(name, "_start");
	ck_assert_uint_eq(off, 0);
	ck_assert_int_eq(sym(0x40000f), 0);
	ck_assert_str_eq(name, "_start");
	ck_assert_uint_eq(off, 0xf);
	ck_assert_int_eq(sym(0x400123), 0);
	ck_assert_str_eq(name, "kernel_main");
	ck_assert_uint_eq(off, 0x23);
}
END_TEST

START_TEST(object_and_label)
{
	ck_assert_int_eq(sym(0x403014), 0);
	ck_assert_str_eq(name, "some_object");
	ck_assert_uint_eq(off, 4);
	/* Past kernel_main's end: the nearest label below wins. */
	ck_assert_int_eq(sym(0x400250), 0);
	ck_assert_str_eq(name, "asm_label");
	ck_assert_uint_eq(off, 0x50);
}
END_TEST

START_TEST(not_found)
{
	ck_assert_int_eq(sym(0x400080), -ENOENT); /* gap after _start, no label below */
	ck_assert_int_eq(sym(0x3fffff), -ENOENT);
	ck_assert_int_eq(sym(0x900000), -ENOENT); /* label never reaches outside its segment */
}
END_TEST

START_TEST(truncated_name)
{
	uint64_t o2;

	ck_assert_int_eq(kb_elf_symbolize(e.img, e.len, &info, 0x400120, name, 5, &o2), 0);
	ck_assert_str_eq(name, "kern");
	ck_assert_int_eq(kb_elf_symbolize(e.img, e.len, &info, 0x400120, name, 0, &o2), -ENOENT);
}
END_TEST

START_TEST(no_symtab)
{
	o.symbols = false;
	mk_free(&e);
	mk_build(&o, &e);
	reparse();
	ck_assert_uint_eq(info.symtab_size, 0);
	ck_assert_int_eq(sym(0x400000), -ENOENT);
}
END_TEST

START_TEST(bad_section_table)
{
	mk_ehdr(&e)->e_shoff = e.len - 8;
	reparse();
	ck_assert_int_eq(sym(0x400000), -ENOENT);
	mk_ehdr(&e)->e_shoff = UINT64_MAX - 16;
	reparse();
	ck_assert_int_eq(sym(0x400000), -ENOENT);
	mk_ehdr(&e)->e_shoff = e.shoff;
	mk_ehdr(&e)->e_shentsize = 12;
	reparse();
	ck_assert_int_eq(sym(0x400000), -ENOENT);
	mk_ehdr(&e)->e_shentsize = sizeof(Elf64_Shdr);
	mk_ehdr(&e)->e_shnum = 0xffff;
	reparse();
	ck_assert_int_eq(sym(0x400000), -ENOENT);
}
END_TEST

START_TEST(bad_links)
{
	mk_shdr(&e, e.sh_symtab)->sh_link = 200;
	reparse();
	ck_assert_int_eq(sym(0x400000), -ENOENT);
	mk_shdr(&e, e.sh_symtab)->sh_link = 0; /* SHT_NULL, not a string table */
	reparse();
	ck_assert_int_eq(sym(0x400000), -ENOENT);
	mk_shdr(&e, e.sh_symtab)->sh_link = (Elf64_Word)e.sh_strtab;
	mk_shdr(&e, e.sh_strtab)->sh_offset = e.len - 4;
	reparse();
	ck_assert_int_eq(sym(0x400000), -ENOENT);
	mk_shdr(&e, e.sh_strtab)->sh_offset = e.strtab_off;
	mk_shdr(&e, e.sh_symtab)->sh_size = UINT64_MAX;
	reparse();
	ck_assert_int_eq(sym(0x400000), -ENOENT);
}
END_TEST

START_TEST(bad_names)
{
	Elf64_Sym *s = (Elf64_Sym *)(e.img + e.symtab_off);

	s[1].st_name = 5000; /* past the string table */
	ck_assert_int_eq(sym(0x400000), -ENOENT);
	/* Unterminated last string. */
	s[1].st_name = 1;
	e.img[e.strtab_off + e.strtab_len - 1] = 'x';
	e.img[e.strtab_off + e.strtab_len - 2] = 'x';
	ck_assert_int_eq(sym(0x403010), -ENOENT);
	ck_assert_int_eq(sym(0x400000), 0);
}
END_TEST

START_TEST(corrupt_info)
{
	/* An info not from kb_elf_parse for this image: ranges are rechecked. */
	info.symtab_off = e.len;
	ck_assert_int_eq(sym(0x400000), -ENOENT);
	info.symtab_off = e.symtab_off;
	info.strtab_size = UINT64_MAX;
	ck_assert_int_eq(sym(0x400000), -ENOENT);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("builder_symbols");
	TCase *t = tcase_create("symbols");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, functions);
	tcase_add_test(t, object_and_label);
	tcase_add_test(t, not_found);
	tcase_add_test(t, truncated_name);
	tcase_add_test(t, no_symtab);
	tcase_add_test(t, bad_section_table);
	tcase_add_test(t, bad_links);
	tcase_add_test(t, bad_names);
	tcase_add_test(t, corrupt_info);
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
