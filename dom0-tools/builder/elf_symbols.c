/* Symbol lookup in .symtab/.strtab for crash reports; tolerant of bad tables. */
#include <errno.h>
#include <string.h>

#include "kb_private.h"

/* Copy section header i if the section table is sane; false otherwise. */
static bool section(const uint8_t *img, size_t len, unsigned int i, Elf64_Shdr *sh)
{
	const Elf64_Ehdr eh = kb_ehdr(img);

	if (i >= eh.e_shnum || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    !kb_in_file(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr), len))
		return false;
	memcpy(sh, img + eh.e_shoff + (uint64_t)i * sizeof(*sh), sizeof(*sh));
	return true;
}

void kb_elf_find_symtab(const void *img, size_t len, struct kb_elf_info *info)
{
	const Elf64_Ehdr eh = kb_ehdr(img);
	Elf64_Shdr sym, str;

	for (unsigned int i = 0; i < eh.e_shnum; i++) {
		if (!section(img, len, i, &sym) || sym.sh_type != SHT_SYMTAB)
			continue;
		if (!section(img, len, sym.sh_link, &str) || str.sh_type != SHT_STRTAB ||
		    !kb_in_file(sym.sh_offset, sym.sh_size, len) ||
		    !kb_in_file(str.sh_offset, str.sh_size, len) || str.sh_size == 0)
			continue;
		info->symtab_off = sym.sh_offset;
		info->symtab_size = sym.sh_size - sym.sh_size % sizeof(Elf64_Sym);
		info->strtab_off = str.sh_offset;
		info->strtab_size = str.sh_size;
		return;
	}
}

static bool usable(const Elf64_Sym *s)
{
	unsigned int t = ELF64_ST_TYPE(s->st_info);

	return s->st_shndx != SHN_UNDEF && s->st_name != 0 &&
	       (t == STT_FUNC || t == STT_OBJECT || t == STT_NOTYPE);
}

static bool same_segment(const struct kb_elf_info *in, uint64_t a, uint64_t b)
{
	for (int i = 0; i < in->nseg; i++) {
		uint64_t lo = in->seg[i].vaddr, n = in->seg[i].memsz;

		if (a - lo < n && b - lo < n && a >= lo && b >= lo)
			return true;
	}
	return false;
}

/* Best symbol for vaddr: a sized one containing it, else the nearest
 * zero-size one below it in the same segment.  Returns its index or -1. */
static long best_symbol(const uint8_t *img, const struct kb_elf_info *in,
			uint64_t vaddr)
{
	uint64_t n = in->symtab_size / sizeof(Elf64_Sym);
	long sized = -1, near = -1;
	uint64_t near_val = 0;

	for (uint64_t i = 0; i < n; i++) {
		Elf64_Sym s;

		memcpy(&s, img + in->symtab_off + i * sizeof(s), sizeof(s));
		if (!usable(&s) || s.st_value > vaddr)
			continue;
		if (s.st_size && vaddr - s.st_value < s.st_size)
			sized = (long)i;
		else if (!s.st_size && s.st_value >= near_val &&
			 same_segment(in, s.st_value, vaddr))
			near = (long)i, near_val = s.st_value;
	}
	return sized >= 0 ? sized : near;
}

int kb_elf_symbolize(const void *img, size_t len, const struct kb_elf_info *info,
		     uint64_t vaddr, char *name, size_t namelen, uint64_t *off)
{
	Elf64_Sym s;
	long i;
	size_t l;

	if (!img || !info || !name || namelen == 0 || info->symtab_size == 0 ||
	    !kb_in_file(info->symtab_off, info->symtab_size, len) ||
	    !kb_in_file(info->strtab_off, info->strtab_size, len))
		return -ENOENT;
	i = best_symbol(img, info, vaddr);
	if (i < 0)
		return -ENOENT;
	memcpy(&s, (const uint8_t *)img + info->symtab_off + (uint64_t)i * sizeof(s), sizeof(s));
	if (s.st_name >= info->strtab_size)
		return -ENOENT;
	const char *str = (const char *)img + info->strtab_off + s.st_name;
	l = strnlen(str, info->strtab_size - s.st_name);
	if (l == info->strtab_size - s.st_name)
		return -ENOENT; /* unterminated name */
	if (l >= namelen)
		l = namelen - 1;
	memcpy(name, str, l);
	name[l] = '\0';
	if (off)
		*off = vaddr - s.st_value;
	return 0;
}
