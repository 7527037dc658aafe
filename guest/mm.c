/*
 * init_mm: find what start of day used and what it mapped, map the rest of
 * RAM linearly (2 MiB pages where they fit), then feed the frame allocator.
 * Page tables are written directly (writable_page_tables) and made visible
 * with one local TLB flush.
 */
#include <ketch-guest/kit.h>
#include <xen/xen.h>

extern char _end[]; /* end of the kernel image (guest.lds) */

static uint64_t *pt_root;
static struct mm_info info;

#define PT_ENTRIES 512

static unsigned int pt_index(unsigned long va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static uint64_t *pte_table(uint64_t entry)
{
	return gpa_to_virt(entry & PTE_ADDR_MASK);
}

uint64_t *mm_lookup_pte(unsigned long va, int *level)
{
	uint64_t *table = pt_root;

	for (int l = 4;; l--) {
		uint64_t *e = &table[pt_index(va, l)];
		if (l == 1 || (l <= 3 && (*e & _PAGE_PSE) && (*e & _PAGE_PRESENT))) {
			*level = l;
			return e;
		}
		if (!(*e & _PAGE_PRESENT)) {
			*level = l;
			return NULL;
		}
		table = pte_table(*e);
	}
}

uint64_t *mm_pt_root(void)
{
	return pt_root;
}

int mm_flush_tlb(void)
{
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };

	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

int mm_invlpg(unsigned long va)
{
	struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL };

	op.arg1.linear_addr = va;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

int mm_new_baseptr(uint64_t *root)
{
	struct mmuext_op op = { .cmd = MMUEXT_NEW_BASEPTR };
	int rc;

	op.arg1.mfn = virt_to_pfn(root);
	rc = HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
	if (rc == 0)
		pt_root = root;
	return rc;
}

const struct mm_info *mm_info(void)
{
	return &info;
}

static unsigned long max_ul(unsigned long a, unsigned long b)
{
	return a > b ? a : b;
}

static unsigned long va_end_pfn(unsigned long va, unsigned long len)
{
	return virt_to_pfn((void *)ALIGN_UP(va + len, PAGE_SIZE));
}

/* First frame after everything start of day placed in memory. */
static unsigned long start_of_day_end(const start_info_t *si)
{
	unsigned long end = virt_to_pfn((void *)ALIGN_UP((unsigned long)_end, PAGE_SIZE));

	if (si->mod_len && (si->flags & SIF_MOD_START_PFN))
		end = max_ul(end, si->mod_start + ALIGN_UP(si->mod_len, PAGE_SIZE) / PAGE_SIZE);
	else if (si->mod_len)
		end = max_ul(end, va_end_pfn(si->mod_start, si->mod_len));
	end = max_ul(end, va_end_pfn(si->mfn_list, si->nr_pages * sizeof(xen_pfn_t)));
	end = max_ul(end, virt_to_pfn(si) + 1);
	end = max_ul(end, si->store_mfn + 1);
	end = max_ul(end, si->console.domU.mfn + 1);
	end = max_ul(end, virt_to_pfn((void *)si->pt_base) + si->nr_pt_frames);
	end = max_ul(end, (si->shared_info >> PAGE_SHIFT) + 1);
	return end;
}

/* First frame past the linear 4 KiB mapping start of day built. */
static unsigned long find_bootstrap_end(unsigned long nr_pages)
{
	unsigned long pfn;

	for (pfn = 0; pfn < nr_pages; pfn++) {
		int level;
		uint64_t *e = mm_lookup_pte((unsigned long)pfn_to_virt(pfn), &level);
		if (!e || !(*e & _PAGE_PRESENT))
			break;
		BUG_ON(level != 1 || (*e & PTE_ADDR_MASK) != (pfn << PAGE_SHIFT));
	}
	return pfn;
}

/* The next-level table under *e, allocating a zeroed one if absent. */
static uint64_t *ensure_table(uint64_t *e)
{
	if (!(*e & _PAGE_PRESENT)) {
		void *page = alloc_page();
		BUG_ON(page == NULL);
		memset(page, 0, PAGE_SIZE);
		*e = virt_to_gpa(page) | PTE_KIT;
		info.pt_frames_used++;
	}
	BUG_ON(*e & _PAGE_PSE);
	return pte_table(*e);
}

/* Map frames [first, end) at their linear addresses. */
static void map_ram(unsigned long first, unsigned long end)
{
	unsigned long pfn = first;

	while (pfn < end) {
		unsigned long va = (unsigned long)pfn_to_virt(pfn);
		uint64_t *l3 = ensure_table(&pt_root[pt_index(va, 4)]);
		uint64_t *l2 = ensure_table(&l3[pt_index(va, 3)]);
		if (pfn % PT_ENTRIES == 0 && pfn + PT_ENTRIES <= end) {
			l2[pt_index(va, 2)] = (pfn << PAGE_SHIFT) | PTE_KIT | _PAGE_PSE;
			pfn += PT_ENTRIES;
			continue;
		}
		uint64_t *l1 = ensure_table(&l2[pt_index(va, 2)]);
		l1[pt_index(va, 1)] = (pfn << PAGE_SHIFT) | PTE_KIT;
		pfn++;
	}
}

void mm_map_page(unsigned long va, uint64_t gpa, uint64_t flags)
{
	uint64_t *l3 = ensure_table(&pt_root[pt_index(va, 4)]);
	uint64_t *l2 = ensure_table(&l3[pt_index(va, 3)]);
	uint64_t *l1 = ensure_table(&l2[pt_index(va, 2)]);

	l1[pt_index(va, 1)] = (gpa & PTE_ADDR_MASK) | flags;
}

void init_mm(const start_info_t *si)
{
	unsigned long bm_pages;
	int rc;

	pt_root = (uint64_t *)si->pt_base;
	info.nr_pages = si->nr_pages;
	info.first_free_pfn = start_of_day_end(si);
	info.bootstrap_end = find_bootstrap_end(si->nr_pages);
	bm_pages = frames_bitmap_pages(si->nr_pages);
	BUG_ON(info.first_free_pfn + bm_pages > info.bootstrap_end);

	frames_init(si->nr_pages, info.first_free_pfn);
	frames_release(info.first_free_pfn + bm_pages,
		       info.bootstrap_end - info.first_free_pfn - bm_pages);
	map_ram(info.bootstrap_end, si->nr_pages);
	rc = mm_flush_tlb();
	if (rc < 0)
		printk("mm: TLB flush failed: %d\n", rc);
	frames_release(info.bootstrap_end, si->nr_pages - info.bootstrap_end);
}
