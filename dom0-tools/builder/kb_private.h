/* Builder-internal helpers shared by the files of dom0-tools/builder. */
#ifndef KB_PRIVATE_H
#define KB_PRIVATE_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ketch/builder.h>

#define KB_PAGE_SIZE 4096ULL
#define KB_PAGE_SHIFT 12
/* First non-canonical address of the lower half; guests must stay below. */
#define KB_LOWER_HALF_END 0x0000800000000000ULL
#define KB_REGION_ALIGN (4ULL << 20)
#define KB_MIN_PADDING (512ULL << 10)

/* Format a reason into err (if non-NULL) and return rc. */
int kb_fail(char *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* True if [off, off+size) lies inside [0, len), computed without overflow. */
static inline bool kb_in_file(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

/* Round x up to a multiple of align (a power of two); false on overflow. */
static inline bool kb_round_up(uint64_t x, uint64_t align, uint64_t *out)
{
	if (x > UINT64_MAX - (align - 1))
		return false;
	*out = (x + align - 1) & ~(align - 1);
	return true;
}

/* A copy of the image's ELF header (the image need not be aligned);
 * only meaningful after kb_elf_check_header succeeded. */
static inline Elf64_Ehdr kb_ehdr(const void *img)
{
	Elf64_Ehdr eh;

	memcpy(&eh, img, sizeof(eh));
	return eh;
}

/* Validate e_ident/e_type/e_machine and the phdr table bounds. */
int kb_elf_check_header(const void *img, size_t len, char *err);

/*
 * Parse every Xen note of the image (PT_NOTE segments, falling back to
 * SHT_NOTE sections) into info, then apply Xen's mandatory-note rules.
 * Returns 0, -ENOEXEC (malformed or not a Xen image) or -EINVAL.
 */
int kb_elf_parse_notes(const void *img, size_t len, struct kb_elf_info *info,
		       char *err);

/*
 * Parse a FEATURES string ("a|!b|c", '!' = required) into info's bitmaps.
 * Unknown optional names are ignored (as Xen does); an unknown required
 * name is refused with -EINVAL.
 */
int kb_features_parse(const char *s, struct kb_elf_info *info, char *err);

/* Name of feature bit nr (from xen/features.h), or NULL if unknown. */
const char *kb_feature_name(unsigned int nr);

/* Refuse (-EINVAL, naming it) a required feature missing from offered. */
int kb_features_check(const struct kb_elf_info *info,
		      const uint32_t offered[XENFEAT_NR_SUBMAPS], char *err);

/* Locate .symtab/.strtab through the section headers; leaves 0s if absent
 * or malformed (never fails). */
void kb_elf_find_symtab(const void *img, size_t len, struct kb_elf_info *info);

/* Where every start-of-day element goes; gpas, derived from virt_base. */
struct kb_plan {
	uint64_t virt_base;
	uint64_t kernel_end;    /* gpa, page aligned */
	uint64_t ramdisk;       /* gpa, page aligned (== kernel_end) */
	uint64_t p2m;           /* gpa */
	uint64_t p2m_pages;
	uint64_t start_info;    /* gpa */
	uint64_t store;         /* gpa */
	uint64_t console;       /* gpa */
	uint64_t pt;            /* gpa of the L4 (first page-table frame) */
	uint64_t pt_pages;
	uint64_t stack;         /* gpa of the boot stack page */
	uint64_t shared_info;   /* gpa of the region's shared_info page */
	uint64_t shared_info_addr; /* what start_info names (outside RAM for xen_pv) */
	int xen_pv;             /* not auto-translated: Xen's classic PV guest */
	uint64_t alloc_end;     /* gpa after the last element */
	uint64_t region_end;    /* gpa where the mapped region ends */
};

/*
 * Compute the plan for a domain of mem_bytes whose kernel ends (virtual,
 * page aligned) at kend.  Returns 0, or -ENOMEM/-EINVAL with a reason.
 */
int kb_layout_plan(const struct kb_elf_info *elf, uint64_t mem_bytes,
		   uint64_t ramdisk_len, struct kb_plan *plan, char *err);

/* Page-table frames needed to map [va, va + bytes) with 4 KiB pages. */
uint64_t kb_pt_frames_needed(uint64_t va, uint64_t bytes);

/*
 * Write 4-level tables mapping virt_base+X -> gpa X for X in
 * [0, plan->region_end) into the plan's page-table frames in mem.
 * Returns the number of frames used (== plan->pt_pages).
 */
uint64_t kb_pt_build(uint8_t *mem, const struct kb_plan *plan);

/* Fill the start_info page from the plan and spec. */
void kb_start_info_fill(const struct kb_domain_spec *spec,
			const struct kb_elf_info *elf,
			const struct kb_plan *plan);

#endif
