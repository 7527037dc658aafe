/*
 * Start-of-day layout, in the order of xen/xen.h's "Start-of-day memory
 * layout": kernel, ramdisk, p2m list, start_info, xenstore page, console
 * page, page tables, boot stack, then Ketch's shared_info page; at least
 * 512 KiB of padding follow, and the mapped region ends 4 MiB aligned.
 */
#include <errno.h>

#include "kb_private.h"
#include "ketch/abi.h"

#define HEX(x) ((unsigned long long)(x))
#define PAGES(bytes) (((bytes) + KB_PAGE_SIZE - 1) / KB_PAGE_SIZE)

uint64_t kb_pt_frames_needed(uint64_t va, uint64_t bytes)
{
	uint64_t last = va + bytes - 1, n = 1; /* the L4 */

	for (unsigned int shift = 21; shift <= 39; shift += 9)
		n += (last >> shift) - (va >> shift) + 1;
	return n;
}

/* Place everything from the page tables on, given pt_pages of them. */
static void place_tail(struct kb_plan *p)
{
	uint64_t end_va;

	p->stack = p->pt + p->pt_pages * KB_PAGE_SIZE;
	p->shared_info = p->stack + KB_PAGE_SIZE;
	p->shared_info_addr = p->xen_pv ? KETCH_XENPV_SHINFO_GPA : p->shared_info;
	p->alloc_end = p->shared_info + KB_PAGE_SIZE;
	end_va = p->virt_base + p->alloc_end + KB_MIN_PADDING;
	end_va = (end_va + KB_REGION_ALIGN - 1) & ~(KB_REGION_ALIGN - 1);
	p->region_end = end_va - p->virt_base;
}

/*
 * Grow the page-table allocation until it covers the region it maps.  The
 * count needed never falls as the allocation grows, so the loop stops on an
 * exact fit: need(pt_pages) == pt_pages.
 */
static void size_page_tables(struct kb_plan *p)
{
	p->pt_pages = 1;
	for (;;) {
		uint64_t need;

		place_tail(p);
		need = kb_pt_frames_needed(p->virt_base, p->region_end);
		if (need <= p->pt_pages)
			break;
		p->pt_pages = need;
	}
}

int kb_layout_plan(const struct kb_elf_info *elf, uint64_t mem_bytes,
		   uint64_t ramdisk_len, struct kb_plan *p, char *err)
{
	uint64_t nr_pages = mem_bytes / KB_PAGE_SIZE;

	if (ramdisk_len > mem_bytes)
		return kb_fail(err, -ENOMEM, "ramdisk of %llu KiB is larger than the domain's %llu KiB",
			       HEX(ramdisk_len >> 10), HEX(mem_bytes >> 10));
	*p = (struct kb_plan){ .virt_base = elf->virt_base };
	/*
	 * An image that does not require auto_translated_physmap is Xen's
	 * classic PV guest: it owns every frame below nr_pages, so its
	 * shared_info is a hypervisor page outside RAM, and its page tables
	 * are mapped read-only, as Xen maps them.
	 */
	p->xen_pv = !(elf->f_required[0] & (1u << XENFEAT_auto_translated_physmap));
	p->kernel_end = elf->virt_kend - elf->virt_base;
	p->ramdisk = p->kernel_end;
	p->p2m = p->ramdisk + PAGES(ramdisk_len) * KB_PAGE_SIZE;
	p->p2m_pages = PAGES(nr_pages * sizeof(uint64_t));
	p->start_info = p->p2m + p->p2m_pages * KB_PAGE_SIZE;
	p->store = p->start_info + KB_PAGE_SIZE;
	p->console = p->store + KB_PAGE_SIZE;
	p->pt = p->console + KB_PAGE_SIZE;
	size_page_tables(p);
	if (p->virt_base + p->region_end > KB_LOWER_HALF_END)
		return kb_fail(err, -EINVAL,
			       "bootstrap region [0x%llx, 0x%llx) reaches past the lower canonical half "
			       "(must end at or below 0x%llx)",
			       HEX(p->virt_base), HEX(p->virt_base + p->region_end),
			       HEX(KB_LOWER_HALF_END));
	if (p->region_end > mem_bytes)
		return kb_fail(err, -ENOMEM,
			       "start-of-day layout needs %llu KiB, domain has %llu KiB",
			       HEX(p->region_end >> 10), HEX(mem_bytes >> 10));
	return 0;
}
