/*
 * Domain builder: turns a Xen-style 64-bit PV ELF kernel into the
 * start-of-day state of a Ketch domain inside its guest-physical memory.
 * Used by `ketch-hv run` and by ketchd; it only writes the memory it is
 * handed, and never talks to the hypervisor itself.
 */
#ifndef KETCH_BUILDER_H
#define KETCH_BUILDER_H

#include <stddef.h>
#include <stdint.h>
/*
 * Select the current Xen interface: at the default (0) xen.h defines
 * compatibility macros console_mfn/console_evtchn that would rename the
 * console_evtchn field below.
 */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif
#include <xen/xen.h>
#include <xen/features.h>
#undef console_mfn
#undef console_evtchn

#define KB_MAX_SEGMENTS 16
#define KB_ERRLEN 256

/* What kb_elf_parse learned from the image (all OUT). */
struct kb_elf_info {
	uint64_t entry;          /* XEN_ELFNOTE_ENTRY, else e_entry (virtual) */
	uint64_t virt_base;      /* XEN_ELFNOTE_VIRT_BASE (default 0) */
	uint64_t paddr_offset;   /* XEN_ELFNOTE_PADDR_OFFSET (default virt_base) */
	uint64_t hypercall_page; /* virtual address, 0 if the note is absent */
	uint64_t virt_kstart;    /* lowest virtual address of a PT_LOAD segment */
	uint64_t virt_kend;      /* highest virtual address + 1 (page aligned) */
	uint64_t mod_start_pfn;  /* XEN_ELFNOTE_MOD_START_PFN value (0 if absent) */
	char guest_os[64];
	char guest_version[64];
	char xen_version[64];
	char loader[64];
	/* XEN_ELFNOTE_FEATURES ("!" = required) merged with SUPPORTED_FEATURES */
	uint32_t f_supported[XENFEAT_NR_SUBMAPS];
	uint32_t f_required[XENFEAT_NR_SUBMAPS];
	int nseg;
	struct kb_segment {
		uint64_t offset; /* in the file */
		uint64_t filesz;
		uint64_t vaddr;  /* p_paddr + virt_base - paddr_offset (Xen's rule) */
		uint64_t memsz;
		uint32_t flags; /* PF_R/PF_W/PF_X */
	} seg[KB_MAX_SEGMENTS];
	/* Symbol table, for crash reports (offsets into the image; 0 if none). */
	uint64_t symtab_off, symtab_size, strtab_off, strtab_size;
};

/*
 * Parse and validate a 64-bit x86-64 ELF image held in [img, img+len).
 * Returns 0, or a negative host errno with a precise reason in err
 * (-ENOEXEC for malformed images, -EINVAL for notes that cannot be honoured).
 * err may be NULL.  Never reads outside [img, img+len).  A malformed section
 * table is not an error: it only leaves the symbol table unset.
 */
int kb_elf_parse(const void *img, size_t len, struct kb_elf_info *info,
		 char err[KB_ERRLEN]);

/*
 * Find the function symbol containing vaddr.  Returns 0 and fills name and
 * *off, or -ENOENT.  img/len/info must be those given to kb_elf_parse.
 * A sized STT_FUNC/STT_OBJECT/STT_NOTYPE symbol holding vaddr wins;
 * otherwise the nearest STT_NOTYPE/zero-size symbol at or below vaddr in
 * the same PT_LOAD segment.  name is always NUL-terminated (truncated to
 * namelen-1); namelen must be >= 1.
 */
int kb_elf_symbolize(const void *img, size_t len, const struct kb_elf_info *info,
		     uint64_t vaddr, char *name, size_t namelen, uint64_t *off);

/* Everything the builder needs to lay out one domain (all IN). */
struct kb_domain_spec {
	uint32_t domid;
	uint8_t *mem;         /* the domain's whole guest-physical RAM, mapped */
	uint64_t mem_bytes;   /* multiple of 4 KiB */
	int mem_is_zero;      /* memory is known zero (a fresh memfd): skip clearing it */
	const void *kernel;
	size_t kernel_len;
	const void *ramdisk;  /* may be NULL */
	size_t ramdisk_len;
	const char *cmdline;  /* may be NULL; truncated to MAX_GUEST_CMDLINE-1 is an error */
	uint32_t store_evtchn;
	uint32_t console_evtchn;
	uint32_t si_flags;    /* SIF_* for start_info.flags */
	/* Features the hypervisor offers; a required one not offered is refused. */
	uint32_t hv_features[XENFEAT_NR_SUBMAPS];
};

/* Where things ended up (all OUT).  "va" = guest virtual, "gpa" = guest-physical. */
struct kb_layout {
	struct kb_elf_info elf;
	uint64_t entry_va;
	uint64_t stack_top_va;     /* initial rsp */
	uint64_t start_info_va;    /* initial rsi */
	uint64_t start_info_gpa;
	uint64_t pt_base_gpa;      /* initial cr3 */
	uint64_t nr_pt_frames;
	uint64_t hypercall_page_gpa; /* ~0ull if the image has no such note */
	uint64_t shared_info_gpa;
	uint64_t console_gpfn;
	uint64_t store_gpfn;
	uint64_t p2m_va;
	uint64_t ramdisk_va;       /* 0 if none */
	uint64_t bootstrap_end_va; /* end of the mapped, 4 MiB-aligned region */
	uint64_t first_free_gpfn;  /* first frame not used by start-of-day state */
};

/*
 * Load spec->kernel into spec->mem and build the start-of-day state of a
 * Xen x86-64 PV guest (layout of the "Start-of-day memory layout" comment
 * in xen/xen.h; differences are listed in docs/abi.md).  Does not write the
 * hypercall page contents: the caller asks the hypervisor to fill
 * out->hypercall_page_gpa.  Returns 0 or a negative host errno with a
 * precise reason in err (may be NULL); on error the memory contents are
 * unspecified.  Zeroes guest-physical [0, bootstrap_end_va - virt_base)
 * before loading; RAM above it is left as handed over.
 */
int kb_build(const struct kb_domain_spec *spec, struct kb_layout *out,
	     char err[KB_ERRLEN]);

/*
 * Starting a guest is the same sequence wherever it runs: `ketch-hv run`
 * does it in-process, libketchctl over the control socket.  kb_boot is
 * that sequence, once; each caller supplies the steps.  A step returns 0
 * or a negative code its strerror names.
 */
struct kb_boot_ops {
	const char *(*strerror)(int r);
	int (*create)(void *c, uint64_t mem_bytes, uint32_t vcpus,
		      const uint8_t *handle, uint32_t *domid);
	/* An unbound port of domid for the control domain (remote 0). */
	int (*alloc_port)(void *c, uint32_t domid, uint32_t *port);
	/* The domain's whole RAM, all zero (a new domain). */
	int (*map_memory)(void *c, uint32_t domid, void **mem, uint64_t *size);
	void (*unmap_memory)(void *c, void *mem, uint64_t size);
	int (*hypercall_init)(void *c, uint32_t domid, uint64_t gpa, uint64_t va);
	int (*set_shared_info)(void *c, uint32_t domid, uint64_t gpa);
	int (*set_image)(void *c, uint32_t domid, const void *image, size_t len);
	int (*set_vcpu0)(void *c, uint32_t domid, const struct kb_layout *l);
	int (*unpause)(void *c, uint32_t domid);
	void (*destroy)(void *c, uint32_t domid);
};

struct kb_boot_spec {
	const void *kernel;     /* Xen-ELF PV kernel image */
	size_t kernel_len;
	const void *ramdisk;    /* may be NULL */
	size_t ramdisk_len;
	const char *cmdline;    /* may be NULL */
	uint64_t mem_bytes;
	uint32_t vcpus;         /* 0 means 1 */
	const uint8_t *handle;  /* 16 bytes, or NULL */
	uint32_t features;      /* XENFEAT_* submap 0 the hypervisor offers */
	int paused;             /* leave the domain paused */
};

/* Where the builder put what the toolstack connects to (all OUT). */
struct kb_boot_info {
	uint64_t console_gpfn, store_gpfn;
	uint32_t console_port, store_port;
	uint64_t shared_info_gpa, hypercall_page_gpa, hypercall_page_va;
};

/*
 * Create, build, start: allocate the console and xenstore ports, lay the
 * kernel out, fill the hypercall page, place shared_info, hand over the
 * image (crash-report symbols), set vCPU 0 and unpause.  On failure the
 * half-built domain is destroyed and err names the step and the reason
 * (the builder's own text for a bad image).
 */
int kb_boot(const struct kb_boot_ops *ops, void *c, const struct kb_boot_spec *s,
	    uint32_t *domid, struct kb_boot_info *info, char *err, size_t errlen);

#endif
