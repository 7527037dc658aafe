/* Unit tests: ELF header and PT_LOAD validation of kb_elf_parse. */
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

static void setup(void)
{
	mk_default(&o);
	mk_build(&o, &e);
	err[0] = '\0';
}

static void teardown(void)
{
	mk_free(&e);
}

static void rebuild(void)
{
	mk_free(&e);
	mk_build(&o, &e);
}

/* Parse must fail with rc and an error containing want. */
#define EXPECT_FAIL(rc_, want)                                                    \
	do {                                                                      \
		int r_ = kb_elf_parse(e.img, e.len, &info, err);                  \
		ck_assert_int_eq(r_, rc_);                                        \
		ck_assert_msg(strstr(err, want), "error \"%s\" lacks \"%s\"", err, want); \
	} while (0)

START_TEST(valid_image)
{
	ck_assert_int_eq(kb_elf_parse(e.img, e.len, &info, err), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(info.entry, 0x400000);
	ck_assert_uint_eq(info.virt_base, 0x400000);
	ck_assert_uint_eq(info.paddr_offset, 0x400000);
	ck_assert_uint_eq(info.hypercall_page, 0x401000);
	ck_assert_uint_eq(info.virt_kstart, 0x400000);
	ck_assert_uint_eq(info.virt_kend, 0x405000);
	ck_assert_str_eq(info.xen_version, "xen-3.0");
	ck_assert_str_eq(info.loader, "generic");
	ck_assert_str_eq(info.guest_os, "ketch");
	ck_assert_int_eq(info.nseg, 2);
	ck_assert_uint_eq(info.seg[0].vaddr, 0x400000);
	ck_assert_uint_eq(info.seg[0].offset, e.text_off);
	ck_assert_uint_eq(info.seg[0].filesz, 0x3000);
	ck_assert_uint_eq(info.seg[0].flags, PF_R | PF_X);
	ck_assert_uint_eq(info.seg[1].vaddr, 0x403000);
	ck_assert_uint_eq(info.seg[1].filesz, 0x1000);
	ck_assert_uint_eq(info.seg[1].memsz, 0x2000);
}
END_TEST

START_TEST(valid_image_null_err)
{
	ck_assert_int_eq(kb_elf_parse(e.img, e.len, &info, NULL), 0);
	e.len = 10;
	ck_assert_int_eq(kb_elf_parse(e.img, e.len, &info, NULL), -ENOEXEC);
}
END_TEST

START_TEST(unaligned_buffer)
{
	uint8_t *b = malloc(e.len + 1);

	memcpy(b + 1, e.img, e.len);
	ck_assert_int_eq(kb_elf_parse(b + 1, e.len, &info, err), 0);
	free(b);
}
END_TEST

START_TEST(truncated_header)
{
	e.len = sizeof(Elf64_Ehdr) - 1;
	EXPECT_FAIL(-ENOEXEC, "truncated ELF header");
	ck_assert_int_eq(kb_elf_parse(NULL, 0, &info, err), -ENOEXEC);
}
END_TEST

START_TEST(bad_ident)
{
	e.img[0] = 0;
	EXPECT_FAIL(-ENOEXEC, "not an ELF file");
	e.img[0] = ELFMAG0;
	e.img[EI_CLASS] = ELFCLASS32;
	EXPECT_FAIL(-ENOEXEC, "not a 64-bit ELF");
	e.img[EI_CLASS] = ELFCLASS64;
	e.img[EI_DATA] = ELFDATA2MSB;
	EXPECT_FAIL(-ENOEXEC, "little-endian");
	e.img[EI_DATA] = ELFDATA2LSB;
	mk_ehdr(&e)->e_machine = EM_386;
	EXPECT_FAIL(-ENOEXEC, "not an x86-64");
	mk_ehdr(&e)->e_machine = EM_X86_64;
	mk_ehdr(&e)->e_type = ET_DYN;
	EXPECT_FAIL(-ENOEXEC, "ET_EXEC");
}
END_TEST

START_TEST(truncated_phdrs)
{
	e.len = e.phoff + sizeof(Elf64_Phdr); /* table has 3 entries */
	EXPECT_FAIL(-ENOEXEC, "program header table");
}
END_TEST

START_TEST(phdrs_outside_file)
{
	mk_ehdr(&e)->e_phoff = UINT64_MAX - 8; /* offset + size overflows */
	EXPECT_FAIL(-ENOEXEC, "program header table");
	mk_ehdr(&e)->e_phoff = e.len;
	EXPECT_FAIL(-ENOEXEC, "program header table");
	mk_ehdr(&e)->e_phoff = e.phoff;
	mk_ehdr(&e)->e_phentsize = 32;
	EXPECT_FAIL(-ENOEXEC, "program header size");
	mk_ehdr(&e)->e_phentsize = sizeof(Elf64_Phdr);
	mk_ehdr(&e)->e_phnum = 0;
	EXPECT_FAIL(-ENOEXEC, "no program headers");
}
END_TEST

START_TEST(segment_outside_file)
{
	mk_phdr(&e, e.ph_data)->p_offset = e.len - 0x10;
	EXPECT_FAIL(-ENOEXEC, "outside the");
	mk_phdr(&e, e.ph_data)->p_offset = UINT64_MAX - 0x10; /* overflow */
	EXPECT_FAIL(-ENOEXEC, "outside the");
}
END_TEST

START_TEST(filesz_gt_memsz)
{
	mk_phdr(&e, e.ph_data)->p_memsz = 0x800;
	EXPECT_FAIL(-ENOEXEC, "p_filesz 0x1000 > p_memsz 0x800");
}
END_TEST

START_TEST(overlapping_segments)
{
	mk_phdr(&e, e.ph_data)->p_paddr = 0x402ff8;
	EXPECT_FAIL(-ENOEXEC, "overlap");
	/* data entirely inside text */
	mk_phdr(&e, e.ph_data)->p_paddr = 0x400100;
	mk_phdr(&e, e.ph_data)->p_memsz = 0x1000;
	EXPECT_FAIL(-ENOEXEC, "overlap");
}
END_TEST

START_TEST(too_many_segments)
{
	size_t n = KB_MAX_SEGMENTS + 1, len = sizeof(Elf64_Ehdr) + n * sizeof(Elf64_Phdr);
	uint8_t *b = calloc(1, len);
	Elf64_Phdr *ph = (Elf64_Phdr *)(b + sizeof(Elf64_Ehdr));

	memcpy(b, e.img, sizeof(Elf64_Ehdr));
	((Elf64_Ehdr *)b)->e_phnum = (Elf64_Half)n;
	((Elf64_Ehdr *)b)->e_phoff = sizeof(Elf64_Ehdr);
	for (size_t i = 0; i < n; i++)
		ph[i] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
				      .p_vaddr = 0x400000 + i * 0x1000,
				      .p_paddr = 0x400000 + i * 0x1000, .p_memsz = 0x1000 };
	ck_assert_int_eq(kb_elf_parse(b, len, &info, err), -ENOEXEC);
	ck_assert_msg(strstr(err, "more than 16 PT_LOAD"), "%s", err);
	free(b);
}
END_TEST

START_TEST(no_load_segment)
{
	mk_phdr(&e, e.ph_text)->p_type = PT_NULL;
	mk_phdr(&e, e.ph_data)->p_type = PT_NULL;
	EXPECT_FAIL(-ENOEXEC, "no PT_LOAD");
}
END_TEST

START_TEST(entry_outside)
{
	mk_ehdr(&e)->e_entry = 0x403010; /* data: not executable */
	EXPECT_FAIL(-ENOEXEC, "entry point 0x403010 is not inside an executable PT_LOAD");
	mk_ehdr(&e)->e_entry = 0x900000;
	EXPECT_FAIL(-ENOEXEC, "entry point 0x900000");
	mk_ehdr(&e)->e_entry = 0x403000 - 1; /* last text byte: fine */
	ck_assert_int_eq(kb_elf_parse(e.img, e.len, &info, err), 0);
}
END_TEST

START_TEST(absurd_sizes)
{
	mk_phdr(&e, e.ph_data)->p_memsz = UINT64_MAX;
	EXPECT_FAIL(-EINVAL, "lower canonical half");
	mk_phdr(&e, e.ph_data)->p_memsz = 0x0000800000000000ULL;
	EXPECT_FAIL(-EINVAL, "lower canonical half");
}
END_TEST

START_TEST(upper_half_link)
{
	o.virt_base = 0xffffffff80000000ULL;
	o.text_va = 0xffffffff80000000ULL;
	o.data_va = o.text_va + 0x3000;
	o.e_entry = o.text_va;
	o.hypercall_page = o.text_va + 0x1000;
	rebuild();
	EXPECT_FAIL(-EINVAL, "0xffffffff80000000");
	EXPECT_FAIL(-EINVAL, "lower canonical half");
}
END_TEST

START_TEST(virt_base_rules)
{
	o.virt_base = 0x400800;
	rebuild();
	EXPECT_FAIL(-EINVAL, "VIRT_BASE 0x400800 is not page aligned");
	o.virt_base = 0x401000;
	rebuild();
	EXPECT_FAIL(-EINVAL, "below XEN_ELFNOTE_VIRT_BASE");
	o.virt_base = 0x200000; /* below the kernel: fine */
	rebuild();
	ck_assert_int_eq(kb_elf_parse(e.img, e.len, &info, err), 0);
}
END_TEST

/* Every prefix of a valid image must be refused (the last byte is a
 * section header the notes/segments need) or parsed without reading past
 * its end -- AddressSanitizer builds catch the latter. */
START_TEST(every_truncation)
{
	size_t full = e.len;

	for (size_t l = 0; l < full; l++) {
		uint8_t *b = malloc(l ? l : 1);
		int rc;

		memcpy(b, e.img, l);
		rc = kb_elf_parse(b, l, &info, err);
		if (l < e.data_off + 0x1000)
			ck_assert_msg(rc < 0, "prefix of %zu bytes accepted", l);
		free(b);
	}
}
END_TEST

/* Random corruption must never crash or read out of bounds. */
START_TEST(random_corruption)
{
	srand(1234);
	for (int iter = 0; iter < 3000; iter++) {
		uint8_t *b = malloc(e.len);
		char name[32];
		uint64_t off;

		memcpy(b, e.img, e.len);
		for (int k = 0; k < 1 + iter % 8; k++) {
			size_t pos = (size_t)rand() % (e.data_off + 0x40);
			if (pos >= e.text_off && pos < e.data_off)
				pos = (size_t)rand() % e.text_off;
			b[pos] = (uint8_t)rand();
		}
		if (kb_elf_parse(b, e.len, &info, err) == 0)
			kb_elf_symbolize(b, e.len, &info, 0x400100, name, sizeof(name), &off);
		else
			ck_assert(err[0] != '\0');
		free(b);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("builder_elf");
	TCase *t = tcase_create("elf");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, valid_image);
	tcase_add_test(t, valid_image_null_err);
	tcase_add_test(t, unaligned_buffer);
	tcase_add_test(t, truncated_header);
	tcase_add_test(t, bad_ident);
	tcase_add_test(t, truncated_phdrs);
	tcase_add_test(t, phdrs_outside_file);
	tcase_add_test(t, segment_outside_file);
	tcase_add_test(t, filesz_gt_memsz);
	tcase_add_test(t, overlapping_segments);
	tcase_add_test(t, too_many_segments);
	tcase_add_test(t, no_load_segment);
	tcase_add_test(t, entry_outside);
	tcase_add_test(t, absurd_sizes);
	tcase_add_test(t, upper_half_link);
	tcase_add_test(t, virt_base_rules);
	tcase_add_test(t, every_truncation);
	tcase_add_test(t, random_corruption);
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
