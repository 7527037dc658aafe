/* ELF64 x86-64 header and PT_LOAD validation; entry point of kb_elf_parse. */
#include <errno.h>
#include <string.h>

#include "kb_private.h"

#define HEX(x) ((unsigned long long)(x))

int kb_elf_check_header(const void *img, size_t len, char *err)
{
	Elf64_Ehdr eh;

	if (!img || len < sizeof(eh))
		return kb_fail(err, -ENOEXEC, "truncated ELF header: %zu bytes, need %zu",
			       img ? len : 0, sizeof(eh));
	memcpy(&eh, img, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return kb_fail(err, -ENOEXEC, "not an ELF file (bad magic)");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return kb_fail(err, -ENOEXEC, "not a 64-bit ELF file (class %u)", eh.e_ident[EI_CLASS]);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return kb_fail(err, -ENOEXEC, "not a little-endian ELF file");
	if (eh.e_machine != EM_X86_64)
		return kb_fail(err, -ENOEXEC, "not an x86-64 ELF file (e_machine %u)", eh.e_machine);
	if (eh.e_type != ET_EXEC)
		return kb_fail(err, -ENOEXEC, "not an executable ELF file (e_type %u, want ET_EXEC)",
			       eh.e_type);
	if (eh.e_phnum == 0)
		return kb_fail(err, -ENOEXEC, "ELF file has no program headers");
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return kb_fail(err, -ENOEXEC, "bad program header size %u (want %zu)",
			       eh.e_phentsize, sizeof(Elf64_Phdr));
	if (!kb_in_file(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), len))
		return kb_fail(err, -ENOEXEC,
			       "program header table [0x%llx, +%u entries) lies outside the %zu-byte file",
			       HEX(eh.e_phoff), eh.e_phnum, len);
	return 0;
}

/* Collect PT_LOAD segments (virtual addresses filled in later). */
static int collect_loads(const uint8_t *img, size_t len, struct kb_elf_info *in,
			 uint64_t paddr[KB_MAX_SEGMENTS], char *err)
{
	const Elf64_Ehdr eh = kb_ehdr(img);

	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (in->nseg == KB_MAX_SEGMENTS)
			return kb_fail(err, -ENOEXEC, "more than %d PT_LOAD segments", KB_MAX_SEGMENTS);
		if (ph.p_filesz > ph.p_memsz)
			return kb_fail(err, -ENOEXEC,
				       "PT_LOAD segment %u: p_filesz 0x%llx > p_memsz 0x%llx",
				       i, HEX(ph.p_filesz), HEX(ph.p_memsz));
		if (!kb_in_file(ph.p_offset, ph.p_filesz, len))
			return kb_fail(err, -ENOEXEC,
				       "PT_LOAD segment %u: file range [0x%llx, +0x%llx) lies outside the %zu-byte file",
				       i, HEX(ph.p_offset), HEX(ph.p_filesz), len);
		paddr[in->nseg] = ph.p_paddr;
		in->seg[in->nseg++] = (struct kb_segment){
			.offset = ph.p_offset, .filesz = ph.p_filesz,
			.memsz = ph.p_memsz, .flags = ph.p_flags,
		};
	}
	if (in->nseg == 0)
		return kb_fail(err, -ENOEXEC, "ELF file has no PT_LOAD segment");
	return 0;
}

/* Xen's rule: virtual = p_paddr + (virt_base - paddr_offset), modulo 2^64. */
static int place_segments(struct kb_elf_info *in, const uint64_t paddr[], char *err)
{
	uint64_t shift = in->virt_base - in->paddr_offset;

	if (in->virt_base >= KB_LOWER_HALF_END)
		return kb_fail(err, -EINVAL,
			       "XEN_ELFNOTE_VIRT_BASE 0x%llx is not in the lower canonical half "
			       "(guests must be linked below 0x%llx)",
			       HEX(in->virt_base), HEX(KB_LOWER_HALF_END));
	in->virt_kstart = UINT64_MAX;
	in->virt_kend = 0;
	for (int i = 0; i < in->nseg; i++) {
		struct kb_segment *s = &in->seg[i];
		uint64_t end;

		s->vaddr = paddr[i] + shift;
		if (s->vaddr >= KB_LOWER_HALF_END || s->memsz > KB_LOWER_HALF_END - s->vaddr)
			return kb_fail(err, -EINVAL,
				       "segment %d at 0x%llx (+0x%llx) reaches past the lower canonical half "
				       "(guests must be linked below 0x%llx)",
				       i, HEX(s->vaddr), HEX(s->memsz), HEX(KB_LOWER_HALF_END));
		end = s->vaddr + s->memsz;
		if (s->vaddr < in->virt_kstart)
			in->virt_kstart = s->vaddr;
		if (end > in->virt_kend)
			in->virt_kend = end;
	}
	kb_round_up(in->virt_kend, KB_PAGE_SIZE, &in->virt_kend);
	return 0;
}

static int check_overlaps(const struct kb_elf_info *in, char *err)
{
	for (int i = 0; i < in->nseg; i++)
		for (int j = i + 1; j < in->nseg; j++) {
			const struct kb_segment *a = &in->seg[i], *b = &in->seg[j];

			if (a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz)
				return kb_fail(err, -ENOEXEC,
					       "PT_LOAD segments overlap: [0x%llx, 0x%llx) and [0x%llx, 0x%llx)",
					       HEX(a->vaddr), HEX(a->vaddr + a->memsz),
					       HEX(b->vaddr), HEX(b->vaddr + b->memsz));
		}
	return 0;
}

/* Index of the segment holding [va, va+n), or -1. */
static int segment_of(const struct kb_elf_info *in, uint64_t va, uint64_t n)
{
	for (int i = 0; i < in->nseg; i++)
		if (va >= in->seg[i].vaddr && n <= in->seg[i].memsz &&
		    va - in->seg[i].vaddr <= in->seg[i].memsz - n)
			return i;
	return -1;
}

static int check_addresses(const struct kb_elf_info *in, char *err)
{
	int s;

	if (in->virt_base % KB_PAGE_SIZE)
		return kb_fail(err, -EINVAL, "XEN_ELFNOTE_VIRT_BASE 0x%llx is not page aligned",
			       HEX(in->virt_base));
	if (in->virt_base > in->virt_kstart)
		return kb_fail(err, -EINVAL,
			       "kernel starts at 0x%llx, below XEN_ELFNOTE_VIRT_BASE 0x%llx",
			       HEX(in->virt_kstart), HEX(in->virt_base));
	s = segment_of(in, in->entry, 1);
	if (s < 0 || !(in->seg[s].flags & PF_X))
		return kb_fail(err, -ENOEXEC,
			       "entry point 0x%llx is not inside an executable PT_LOAD segment",
			       HEX(in->entry));
	if (in->hypercall_page == 0)
		return 0;
	if (in->hypercall_page % KB_PAGE_SIZE)
		return kb_fail(err, -EINVAL, "XEN_ELFNOTE_HYPERCALL_PAGE 0x%llx is not page aligned",
			       HEX(in->hypercall_page));
	if (segment_of(in, in->hypercall_page, KB_PAGE_SIZE) < 0)
		return kb_fail(err, -EINVAL,
			       "XEN_ELFNOTE_HYPERCALL_PAGE 0x%llx is not inside a loaded segment",
			       HEX(in->hypercall_page));
	return 0;
}

int kb_elf_parse(const void *img, size_t len, struct kb_elf_info *info,
		 char err[KB_ERRLEN])
{
	uint64_t paddr[KB_MAX_SEGMENTS];
	int rc;

	memset(info, 0, sizeof(*info));
	if (err)
		err[0] = '\0';
	rc = kb_elf_check_header(img, len, err);
	if (!rc)
		rc = collect_loads(img, len, info, paddr, err);
	if (!rc)
		rc = kb_elf_parse_notes(img, len, info, err);
	if (!rc)
		rc = place_segments(info, paddr, err);
	if (!rc)
		rc = check_overlaps(info, err);
	if (!rc)
		rc = check_addresses(info, err);
	if (!rc)
		kb_elf_find_symtab(img, len, info);
	return rc;
}
