/* Test helper: builds small x86-64 Xen-ELF images in memory. */
#include <stdlib.h>
#include <string.h>

#include <xen/elfnote.h>

#include "builder_mkelf.h"

#define ALIGN(x, a) (((x) + (a) - 1) & ~((size_t)(a) - 1))

void mk_default(struct mk_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->virt_base = 0x400000;
	o->text_va = 0x400000;
	o->text_size = 0x3000;
	o->data_va = 0x403000;
	o->data_filesz = 0x1000;
	o->data_memsz = 0x2000;
	o->e_entry = 0x400000;
	o->hypercall_page = 0x401000;
	o->xen_version = "xen-3.0";
	o->guest_os = "ketch";
	o->loader = "generic";
}

uint8_t mk_text_byte(uint64_t i) { return (uint8_t)(0x90 + i * 7); }
uint8_t mk_data_byte(uint64_t i) { return (uint8_t)(0x11 + i * 13); }

static size_t put_note(uint8_t *p, uint32_t type, const void *desc, uint32_t len)
{
	Elf64_Nhdr nh = { .n_namesz = 4, .n_descsz = len, .n_type = type };

	if (p) {
		memcpy(p, &nh, sizeof(nh));
		memcpy(p + sizeof(nh), "Xen", 4);
		memcpy(p + sizeof(nh) + 4, desc, len);
	}
	return sizeof(nh) + 4 + ALIGN(len, 4);
}

static size_t put_str(uint8_t *p, uint32_t type, const char *s)
{
	return s ? put_note(p, type, s, (uint32_t)strlen(s) + 1) : 0;
}

static size_t put_num(uint8_t *p, uint32_t type, uint64_t v)
{
	return put_note(p, type, &v, 8);
}

/* Writes (p != NULL) or measures the note area. */
static size_t notes(const struct mk_opts *o, uint8_t *p)
{
	size_t n = 0;

#define AT (p ? p + n : NULL)
	n += put_str(AT, XEN_ELFNOTE_XEN_VERSION, o->xen_version);
	n += put_str(AT, XEN_ELFNOTE_GUEST_OS, o->guest_os);
	n += put_str(AT, XEN_ELFNOTE_LOADER, o->loader);
	n += put_str(AT, XEN_ELFNOTE_FEATURES, o->features);
	if (!o->no_virt_base)
		n += put_num(AT, XEN_ELFNOTE_VIRT_BASE, o->virt_base);
	if (o->entry_note)
		n += put_num(AT, XEN_ELFNOTE_ENTRY, o->entry_note);
	if (o->hypercall_page)
		n += put_num(AT, XEN_ELFNOTE_HYPERCALL_PAGE, o->hypercall_page);
	for (int i = 0; i < o->nextra; i++)
		n += put_note(AT, o->extra[i].type, o->extra[i].desc, o->extra[i].len);
#undef AT
	return n;
}

static const char strtab[] = "\0_start\0kernel_main\0asm_label\0some_object\0";
static const char shstrtab[] = "\0.symtab\0.strtab\0.shstrtab\0.note.Xen\0";

static void put_syms(const struct mk_opts *o, uint8_t *p)
{
	Elf64_Sym s[5] = {
		{ 0 },
		{ .st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = 1,
		  .st_value = o->text_va + MK_SYM_START_OFF, .st_size = 0x10 },
		{ .st_name = 8, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = 1,
		  .st_value = o->text_va + MK_SYM_MAIN_OFF, .st_size = 0x40 },
		{ .st_name = 20, .st_info = ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE), .st_shndx = 1,
		  .st_value = o->text_va + MK_SYM_LABEL_OFF, .st_size = 0 },
		{ .st_name = 30, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT), .st_shndx = 1,
		  .st_value = o->data_va + MK_SYM_OBJ_OFF, .st_size = 8 },
	};
	memcpy(p, s, sizeof(s));
}

static void put_phdrs(const struct mk_opts *o, struct mk_elf *e)
{
	int n = 0;
	Elf64_Phdr ph[3];

	ph[n] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = e->text_off,
			      .p_vaddr = o->text_va, .p_paddr = o->text_va,
			      .p_filesz = o->text_size, .p_memsz = o->text_size, .p_align = 0x1000 };
	e->ph_text = n++;
	e->ph_data = -1;
	if (o->data_memsz) {
		ph[n] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W,
				      .p_offset = e->data_off, .p_vaddr = o->data_va,
				      .p_paddr = o->data_va, .p_filesz = o->data_filesz,
				      .p_memsz = o->data_memsz, .p_align = 0x1000 };
		e->ph_data = n++;
	}
	e->ph_note = -1;
	if (!o->no_notes && !o->notes_in_section) {
		ph[n] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_flags = PF_R, .p_offset = e->note_off,
				      .p_filesz = e->note_len, .p_align = 4 };
		e->ph_note = n++;
	}
	memcpy(e->img + e->phoff, ph, n * sizeof(ph[0]));
	mk_ehdr(e)->e_phnum = (Elf64_Half)n;
}

/* Section headers: 0 null, 1 .symtab, 2 .strtab, 3 .shstrtab, 4 .note.Xen */
static void put_shdrs(const struct mk_opts *o, struct mk_elf *e, size_t shstr_off)
{
	Elf64_Shdr sh[5] = { { 0 } };
	int n = 1;

	if (o->symbols) {
		sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_SYMTAB, .sh_offset = e->symtab_off,
				      .sh_size = 5 * sizeof(Elf64_Sym), .sh_link = 2,
				      .sh_entsize = sizeof(Elf64_Sym) };
		sh[2] = (Elf64_Shdr){ .sh_name = 9, .sh_type = SHT_STRTAB, .sh_offset = e->strtab_off,
				      .sh_size = sizeof(strtab) };
		e->sh_symtab = 1, e->sh_strtab = 2;
	}
	sh[3] = (Elf64_Shdr){ .sh_name = 17, .sh_type = SHT_STRTAB, .sh_offset = shstr_off,
			      .sh_size = sizeof(shstrtab) };
	n = 4;
	if (o->notes_in_section && !o->no_notes)
		sh[n++] = (Elf64_Shdr){ .sh_name = 27, .sh_type = SHT_NOTE, .sh_offset = e->note_off,
					.sh_size = e->note_len, .sh_addralign = 4 };
	memcpy(e->img + e->shoff, sh, n * sizeof(sh[0]));
	mk_ehdr(e)->e_shnum = (Elf64_Half)n;
	mk_ehdr(e)->e_shstrndx = 3;
}

static void put_ehdr(const struct mk_opts *o, struct mk_elf *e)
{
	Elf64_Ehdr *eh = mk_ehdr(e);

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = o->e_entry;
	eh->e_phoff = e->phoff;
	eh->e_shoff = e->shoff;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);
}

void mk_build(const struct mk_opts *o, struct mk_elf *e)
{
	size_t shstr_off;

	memset(e, 0, sizeof(*e));
	e->sh_symtab = e->sh_strtab = -1;
	e->phoff = sizeof(Elf64_Ehdr);
	e->note_off = e->phoff + 3 * sizeof(Elf64_Phdr);
	e->note_len = o->no_notes ? 0 : notes(o, NULL);
	e->text_off = ALIGN(e->note_off + e->note_len, 0x1000);
	e->data_off = e->text_off + ALIGN(o->text_size, 0x1000);
	e->symtab_off = e->data_off + ALIGN(o->data_filesz, 8);
	e->strtab_off = e->symtab_off + 5 * sizeof(Elf64_Sym);
	e->strtab_len = sizeof(strtab);
	shstr_off = e->strtab_off + sizeof(strtab);
	e->shoff = ALIGN(shstr_off + sizeof(shstrtab), 8);
	e->len = e->shoff + 5 * sizeof(Elf64_Shdr);
	e->img = calloc(1, e->len);
	put_ehdr(o, e);
	put_phdrs(o, e);
	if (!o->no_notes)
		notes(o, e->img + e->note_off);
	for (uint64_t i = 0; i < o->text_size; i++)
		e->img[e->text_off + i] = mk_text_byte(i);
	for (uint64_t i = 0; i < o->data_filesz; i++)
		e->img[e->data_off + i] = mk_data_byte(i);
	if (o->symbols) {
		put_syms(o, e->img + e->symtab_off);
		memcpy(e->img + e->strtab_off, strtab, sizeof(strtab));
	}
	memcpy(e->img + shstr_off, shstrtab, sizeof(shstrtab));
	put_shdrs(o, e, shstr_off);
}

void mk_free(struct mk_elf *e)
{
	free(e->img);
	e->img = NULL;
}

Elf64_Ehdr *mk_ehdr(struct mk_elf *e) { return (Elf64_Ehdr *)e->img; }
Elf64_Phdr *mk_phdr(struct mk_elf *e, int i)
{
	return (Elf64_Phdr *)(e->img + e->phoff) + i;
}
Elf64_Shdr *mk_shdr(struct mk_elf *e, int i)
{
	return (Elf64_Shdr *)(e->img + e->shoff) + i;
}
