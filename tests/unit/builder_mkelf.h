/* Test helper: builds small x86-64 Xen-ELF images in memory. */
#ifndef BUILDER_MKELF_H
#define BUILDER_MKELF_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MK_MAX_NOTES 16

struct mk_note {
	uint32_t type;
	const void *desc;
	uint32_t len;
};

/* What to generate.  mk_default() fills a valid image description. */
struct mk_opts {
	uint64_t virt_base;        /* VIRT_BASE note value (unless no_virt_base) */
	bool no_virt_base;
	uint64_t text_va, text_size; /* PT_LOAD R|X, p_paddr = p_vaddr = text_va */
	uint64_t data_va, data_filesz, data_memsz; /* PT_LOAD R|W; memsz 0 = none */
	uint64_t e_entry;
	uint64_t entry_note;       /* 0 = no XEN_ELFNOTE_ENTRY */
	uint64_t hypercall_page;   /* 0 = no note */
	const char *xen_version, *guest_os, *loader, *features; /* NULL = omit */
	struct mk_note extra[MK_MAX_NOTES];
	int nextra;
	bool notes_in_section;     /* SHT_NOTE section instead of PT_NOTE */
	bool no_notes;
	bool symbols;              /* add .symtab/.strtab */
};

/* A generated image and where its parts are, for tests that corrupt it. */
struct mk_elf {
	uint8_t *img;
	size_t len;
	size_t phoff, note_off, note_len, text_off, data_off;
	size_t shoff, symtab_off, strtab_off, strtab_len;
	int ph_text, ph_data, ph_note; /* program header indexes (-1 absent) */
	int sh_symtab, sh_strtab;
};

/* Symbols mk_build adds with opts.symbols (offsets from text_va / data_va). */
#define MK_SYM_START_OFF 0x0     /* "_start", FUNC, size 0x10 */
#define MK_SYM_MAIN_OFF 0x100    /* "kernel_main", FUNC, size 0x40 */
#define MK_SYM_LABEL_OFF 0x200   /* "asm_label", NOTYPE, size 0 */
#define MK_SYM_OBJ_OFF 0x10      /* "some_object", OBJECT in data, size 8 */

/* A valid image: virt_base 0x400000, text 0x3000 bytes at virt_base,
 * data 0x1000 file + 0x1000 bss after it, hypercall page at text+0x1000,
 * XEN_VERSION "xen-3.0", LOADER "generic", GUEST_OS "ketch". */
void mk_default(struct mk_opts *o);

/* Generate the image (calloc'd; free with mk_free). */
void mk_build(const struct mk_opts *o, struct mk_elf *e);
void mk_free(struct mk_elf *e);

/* Program header i of the image, for editing in place. */
Elf64_Phdr *mk_phdr(struct mk_elf *e, int i);
Elf64_Ehdr *mk_ehdr(struct mk_elf *e);
Elf64_Shdr *mk_shdr(struct mk_elf *e, int i);

/* Byte value the generator writes at file offset i of text/data. */
uint8_t mk_text_byte(uint64_t i);
uint8_t mk_data_byte(uint64_t i);

#endif
