/*
 * Guest memory map.  The kit links at GK_VIRT_BASE and maps every RAM frame
 * linearly: guest-physical X at virtual GK_VIRT_BASE + X.  Nothing else is
 * mapped unless a guest maps it itself.
 *
 *   GK_VIRT_BASE          kernel image, ramdisk, p2m list, start_info,
 *                         xenstore page, console page, page tables, boot
 *                         stack, shared_info   (all built at start of day)
 *   ...                   free frames of the bootstrap region (4 KiB PTEs)
 *   + bootstrap end       rest of RAM (2 MiB PTEs where a whole 2 MiB fits)
 *   + nr_pages*4K         unmapped
 */
#ifndef KETCH_GUEST_MM_H
#define KETCH_GUEST_MM_H

#include <stdint.h>
#include <xen/xen.h>
#include <ketch-guest/startinfo.h>

/* Page-table entry bits (x86-64). */
#define _PAGE_PRESENT 0x001ULL
#define _PAGE_RW 0x002ULL
#define _PAGE_USER 0x004ULL
#define _PAGE_PSE 0x080ULL
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
/* Flags the kit uses on every level: guests run in ring 3. */
#define PTE_KIT (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)

/* Memory-map facts found by init_mm() (all guest-physical frame numbers). */
struct mm_info {
	unsigned long nr_pages;       /* RAM frames: [0, nr_pages) */
	unsigned long first_free_pfn; /* first frame after start-of-day state */
	unsigned long bootstrap_end;  /* first frame not mapped at start of day */
	unsigned long pt_frames_used; /* page-table frames init_mm() added */
};

/*
 * Map all RAM, then hand every frame not used by start-of-day state to the
 * frame allocator and set up the heap.  Crashes on an inconsistent layout.
 */
void init_mm(const start_info_t *si);

/* What init_mm() found. */
const struct mm_info *mm_info(void);

static inline void *pfn_to_virt(unsigned long pfn)
{
	return (void *)(GK_VIRT_BASE + (pfn << 12));
}

static inline unsigned long virt_to_pfn(const void *va)
{
	return ((unsigned long)va - GK_VIRT_BASE) >> 12;
}

static inline void *gpa_to_virt(uint64_t gpa)
{
	return (void *)(GK_VIRT_BASE + gpa);
}

static inline uint64_t virt_to_gpa(const void *va)
{
	return (uint64_t)((unsigned long)va - GK_VIRT_BASE);
}

/*
 * Find the entry that maps va in the current page tables.  Returns a
 * pointer to it and its level in *level (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB),
 * or NULL when some level is not present (*level = the level missing).
 */
uint64_t *mm_lookup_pte(unsigned long va, int *level);

/*
 * Point the 4 KiB entry for va at gpa with flags (e.g. PTE_KIT) by writing
 * the page tables directly, allocating missing tables from the frame
 * allocator.  Crashes if va lies inside a 2 MiB mapping.  The caller
 * flushes the TLB (mm_flush_tlb) before relying on a changed entry.
 */
void mm_map_page(unsigned long va, uint64_t gpa, uint64_t flags);

/* Virtual address of the current top-level (L4) table. */
uint64_t *mm_pt_root(void);

/*
 * Switch to the L4 table at root (virtual, linear-mapped) with
 * MMUEXT_NEW_BASEPTR.  Returns 0 or a negative Xen errno.
 */
int mm_new_baseptr(uint64_t *root);

/* Flush this vCPU's TLB (MMUEXT_TLB_FLUSH_LOCAL).  0 or negative errno. */
int mm_flush_tlb(void);

/* Flush this vCPU's TLB entry for va (MMUEXT_INVLPG_LOCAL).  0 or -errno. */
int mm_invlpg(unsigned long va);

#endif
