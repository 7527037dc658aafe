/*
 * mm: the kit's memory management against the real hypervisor: all RAM
 * mapped, frame allocator and heap, a pattern written over every free frame
 * and read back, update_va_mapping, and running on a copy of the page
 * tables after MMUEXT_NEW_BASEPTR.  Exit code = failures.
 */
#include "verdict.h"

/* A virtual address in an L2 slot above RAM (nothing mapped there). */
static unsigned long spare_va(void)
{
	return (unsigned long)pfn_to_virt(ALIGN_UP(mm_info()->nr_pages, 512UL) + 1024);
}

static void test_map(void)
{
	const struct mm_info *mi = mm_info();
	volatile uint8_t *last = (uint8_t *)pfn_to_virt(mi->nr_pages) - 1;
	int level;

	printk("mm nr_pages=%lu first_free_pfn=%lu bootstrap_end=%lu pt_frames_added=%lu free=%lu\n",
	       mi->nr_pages, mi->first_free_pfn, mi->bootstrap_end,
	       mi->pt_frames_used, frames_free());
	verdict_check(mm_lookup_pte((unsigned long)last, &level) != NULL,
		      "last RAM byte mapped", "no PTE");
	*last = 0x5a;
	verdict_check(*last == 0x5a, "last RAM byte writable", "readback differs");
}

static void test_frames(void)
{
	unsigned long before = frames_free();
	uint8_t *a = alloc_page(), *b = alloc_page(), *c = alloc_pages(16);

	verdict_check(a && b && c && a != b, "alloc_page/alloc_pages", "NULL or equal");
	verdict_check(frames_free() == before - 18, "frames_free after alloc", "count off");
	if (c)
		memset(c, 0xc3, 16 * PAGE_SIZE);
	free_page(a);
	free_page(b);
	free_pages(c, 16);
	verdict_check(frames_free() == before, "frames_free after free", "count off");
	verdict_check(alloc_pages(before + 1) == NULL, "alloc_pages too many", "not NULL");
}

static void test_heap(void)
{
	enum { N = 64 };
	uint32_t *p[N];
	int ok = 1;

	for (int i = 0; i < N; i++) {
		p[i] = malloc((size_t)(i * 37 % 700 + 1) * 4);
		if (!p[i] || ((unsigned long)p[i] & 15))
			ok = 0;
		else
			p[i][0] = 0xfeed0000u | (uint32_t)i;
	}
	for (int i = 0; i < N && ok; i++)
		ok = p[i][0] == (0xfeed0000u | (uint32_t)i);
	for (int i = 0; i < N; i += 2)
		free(p[i]);
	for (int i = 1; i < N; i += 2)
		free(p[i]);
	verdict_check(ok, "malloc aligned, distinct blocks", "overlap or misaligned");
	verdict_check(heap_in_use() == 0, "heap empty after free", "bytes still in use");

	uint8_t *z = calloc(1000, 1000);
	int zero = z != NULL;
	for (size_t i = 0; z && i < 1000 * 1000; i++)
		zero &= z[i] == 0;
	verdict_check(zero, "calloc 1 MB zeroed", "NULL or not zero");
	free(z);
	verdict_check(malloc(0) == NULL, "malloc(0) is NULL", "not NULL");
}

static uint64_t pattern(unsigned long pfn, unsigned long i)
{
	return (pfn << 20) ^ (i * 0x9e3779b97f4a7c15ULL);
}

/* Take every free frame, fill it with a pfn-dependent pattern, verify, free. */
static void test_pattern(void)
{
	unsigned long n = 0, bad = 0, max = frames_free(), before;
	unsigned long *pfns = malloc(max * sizeof(*pfns));
	uint64_t *page;

	if (!pfns) {
		verdict_check(0, "pattern over all free RAM", "no heap for the list");
		return;
	}
	before = frames_free(); /* the list itself may have taken frames */
	while (n < max && (page = alloc_page()) != NULL) {
		pfns[n++] = virt_to_pfn(page);
		for (unsigned long i = 0; i < PAGE_SIZE / 8; i++)
			page[i] = pattern(virt_to_pfn(page), i);
	}
	for (unsigned long k = 0; k < n; k++) {
		page = pfn_to_virt(pfns[k]);
		for (unsigned long i = 0; i < PAGE_SIZE / 8; i++)
			bad += page[i] != pattern(pfns[k], i);
		free_page(page);
	}
	free(pfns);
	printk("mm pattern frames=%lu bytes=%lu bad_words=%lu\n", n, n * PAGE_SIZE, bad);
	verdict_check(n == before && bad == 0 && frames_free() == before,
		      "pattern over all free RAM", "mismatch or leak");
}

/* Read alias[0] and check it is want; name the check. */
static void expect_alias(volatile uint64_t *alias, uint64_t want, const char *name)
{
	uint64_t seen = alias[0];
	char detail[48];

	snprintf(detail, sizeof(detail), "read 0x%llx", (unsigned long long)seen);
	verdict_check(seen == want, name, detail);
}

/* Map, remap (present -> present) and flush by writing the PTE directly. */
static void test_direct_pte(uint64_t *a, uint64_t *b, unsigned long va)
{
	volatile uint64_t *alias = (volatile uint64_t *)va;

	mm_map_page(va, virt_to_gpa(a), PTE_KIT);
	verdict_rc("TLB_FLUSH_LOCAL", mm_flush_tlb(), 0);
	expect_alias(alias, 0xaaaa, "direct PTE write maps alias");
	mm_map_page(va, virt_to_gpa(b), PTE_KIT);
	verdict_rc("INVLPG_LOCAL", mm_invlpg(va), 0);
	expect_alias(alias, 0xbbbb, "direct PTE remap + INVLPG");
}

/* Remap the alias (mapped to b now) to c, then unmap it, with update_va_mapping. */
static void test_update_va_mapping(uint64_t *c, unsigned long va)
{
	volatile uint64_t *alias = (volatile uint64_t *)va;
	int level;

	verdict_rc("update_va_mapping rc",
		   HYPERVISOR_update_va_mapping(va, virt_to_gpa(c) | PTE_KIT,
						UVMF_INVLPG | UVMF_LOCAL), 0);
	expect_alias(alias, 0xcccc, "update_va_mapping remaps alias");
	alias[1] = 0x1234;
	verdict_check(c[1] == 0x1234, "write through alias lands in frame", "missing");
	verdict_rc("update_va_mapping unmap",
		   HYPERVISOR_update_va_mapping(va, 0, UVMF_INVLPG | UVMF_LOCAL), 0);
	uint64_t *pte = mm_lookup_pte(va, &level);
	verdict_check(pte && level == 1 && *pte == 0, "PTE cleared by update_va_mapping",
		      "entry still set");
}

static void test_remap(void)
{
	uint64_t *a = alloc_page(), *b = alloc_page(), *c = alloc_page();
	unsigned long va = spare_va();

	a[0] = 0xaaaa;
	b[0] = 0xbbbb;
	c[0] = 0xcccc;
	test_direct_pte(a, b, va);
	test_update_va_mapping(c, va);
	free_page(a);
	free_page(b);
	free_page(c);
}

/*
 * Switch to a copy of the L4 that also maps frame a at 512 GiB (through
 * tables only the copy references), read a through it, switch back.
 */
static void test_new_baseptr(void)
{
	uint64_t *orig = mm_pt_root(), *copy = alloc_page();
	uint64_t *l3 = alloc_page(), *l2 = alloc_page(), *l1 = alloc_page();
	uint64_t *a = alloc_page();
	volatile uint64_t *alias = (volatile uint64_t *)(1UL << 39);

	memcpy(copy, orig, PAGE_SIZE);
	memset(l3, 0, PAGE_SIZE);
	memset(l2, 0, PAGE_SIZE);
	memset(l1, 0, PAGE_SIZE);
	l1[0] = virt_to_gpa(a) | PTE_KIT;
	l2[0] = virt_to_gpa(l1) | PTE_KIT;
	l3[0] = virt_to_gpa(l2) | PTE_KIT;
	copy[1] = virt_to_gpa(l3) | PTE_KIT;
	a[0] = 0x600dbee5;

	verdict_rc("NEW_BASEPTR to copy", mm_new_baseptr(copy), 0);
	verdict_check(mm_pt_root() == copy && alias[0] == 0x600dbee5,
		      "copy in use (alias visible)", "alias not visible");
	void *p = malloc(100);
	verdict_check(p != NULL, "heap works on copy", "malloc failed");
	free(p);
	verdict_rc("NEW_BASEPTR back", mm_new_baseptr(orig), 0);
	verdict_check(mm_pt_root() == orig, "original tables back", "root differs");
	free_page(copy);
	free_page(l3);
	free_page(l2);
	free_page(l1);
	free_page(a);
}

int main(const start_info_t *si)
{
	(void)si;
	test_map();
	test_frames();
	test_heap();
	test_pattern();
	test_remap();
	test_new_baseptr();
	return verdict_done("mm");
}
