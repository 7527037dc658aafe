/* Unit tests: kb_build on a real compiler-and-linker-made Xen-ELF guest
 * (dom0-tools/builder/testdata/tiny_guest.c, embedded at build time). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ketch/builder.h>

__asm__(".pushsection .rodata\n"
	".balign 16\n"
	"tiny_elf: .incbin \"" KB_TINY_ELF "\"\n"
	"tiny_elf_end:\n"
	".popsection\n");
extern const unsigned char tiny_elf[], tiny_elf_end[];

#define MEM (8ULL << 20)
static struct kb_domain_spec spec;
static struct kb_layout lay;
static char err[KB_ERRLEN];
static uint8_t *img;
static size_t len;

static void setup(void)
{
	len = (size_t)(tiny_elf_end - tiny_elf);
	img = malloc(len);
	memcpy(img, tiny_elf, len);
	memset(&spec, 0, sizeof(spec));
	spec.mem = aligned_alloc(4096, MEM);
	spec.mem_bytes = MEM;
	memset(spec.mem, 0xAA, MEM);
	spec.kernel = img;
	spec.kernel_len = len;
	spec.hv_features[0] = 1u << XENFEAT_auto_translated_physmap;
}

static void teardown(void)
{
	free(spec.mem);
	free(img);
}

static void expect_symbol(uint64_t va, const char *want, uint64_t want_off)
{
	char name[64];
	uint64_t off;

	ck_assert_int_eq(kb_elf_symbolize(img, len, &lay.elf, va, name, sizeof(name), &off), 0);
	ck_assert_str_eq(name, want);
	ck_assert_uint_eq(off, want_off);
}

START_TEST(builds)
{
	ck_assert_msg(kb_build(&spec, &lay, err) == 0, "%s", err);
	ck_assert_str_eq(lay.elf.guest_os, "tiny");
	ck_assert_uint_eq(lay.elf.virt_base, 0x400000);
	expect_symbol(lay.entry_va, "_start", 0);
	expect_symbol(lay.elf.hypercall_page + 0x20, "hypercall_page", 0x20);
	ck_assert_uint_eq(lay.hypercall_page_gpa, lay.elf.hypercall_page - 0x400000);
	/* The hypercall page's bytes came from the file (0xcc filler). */
	for (int i = 0; i < 4096; i++)
		ck_assert_uint_eq(spec.mem[lay.hypercall_page_gpa + i], 0xcc);
	/* Every segment is where its vaddr says, bss zeroed. */
	for (int s = 0; s < lay.elf.nseg; s++) {
		const struct kb_segment *g = &lay.elf.seg[s];
		const uint8_t *at = spec.mem + (g->vaddr - 0x400000);

		ck_assert_mem_eq(at, img + g->offset, g->filesz);
		for (uint64_t i = g->filesz; i < g->memsz; i++)
			ck_assert_uint_eq(at[i], 0);
	}
	ck_assert_uint_eq(lay.bootstrap_end_va, 0x800000);
}
END_TEST

START_TEST(required_feature)
{
	spec.hv_features[0] = 0;
	ck_assert_int_eq(kb_build(&spec, &lay, err), -EINVAL);
	ck_assert_msg(strstr(err, "auto_translated_physmap"), "%s", err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("builder_real");
	TCase *t = tcase_create("real");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, builds);
	tcase_add_test(t, required_feature);
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
