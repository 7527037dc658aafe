/* Xen ELF notes: find them, decode them, apply Xen's mandatory-note rules. */
#include <errno.h>
#include <string.h>

#include <xen/elfnote.h>

#include "kb_private.h"

/* What the notes said, before defaults are applied. */
struct note_state {
	struct kb_elf_info *info;
	int nr_xen;          /* Xen-owned notes seen */
	bool has_virt_base, has_paddr_offset;
	char features[256];
};

static int note_string(const uint8_t *d, uint32_t n, char *out, size_t outlen,
		       uint32_t type, char *err)
{
	size_t l = strnlen((const char *)d, n);

	if (l >= outlen)
		return kb_fail(err, -EINVAL,
			       "Xen ELF note %u: string of %zu bytes is too long (max %zu)",
			       type, l, outlen - 1);
	memcpy(out, d, l);
	out[l] = '\0';
	return 0;
}

static int note_number(const uint8_t *d, uint32_t n, uint64_t *out,
		       uint32_t type, char *err)
{
	uint64_t v = 0;

	if (n != 1 && n != 2 && n != 4 && n != 8)
		return kb_fail(err, -ENOEXEC,
			       "Xen ELF note %u: numeric descriptor of %u bytes (want 1, 2, 4 or 8)",
			       type, n);
	for (uint32_t i = 0; i < n; i++)
		v |= (uint64_t)d[i] << (8 * i);
	*out = v;
	return 0;
}

static void note_supported(const uint8_t *d, uint32_t n, struct kb_elf_info *info)
{
	for (uint32_t i = 0; i < XENFEAT_NR_SUBMAPS && 4 * (i + 1) <= n; i++) {
		uint32_t w;

		memcpy(&w, d + 4 * i, 4);
		info->f_supported[i] |= w;
	}
}

/*
 * Decode one Xen note.  Unknown types are ignored, as Xen does; so are
 * notes that need nothing from the builder here (PAE_MODE, L1_MFN_VALID,
 * HV_START_LOW, SUSPEND_CANCEL, PHYS32_ENTRY) and INIT_P2M: the p2m list
 * stays in the bootstrap region and start_info.mfn_list says where.
 */
static int note_one(struct note_state *st, uint32_t type, const uint8_t *d,
		    uint32_t n, char *err)
{
	struct kb_elf_info *in = st->info;
	uint64_t v;
	int rc = 0;

	switch (type) {
	case XEN_ELFNOTE_ENTRY:
		return note_number(d, n, &in->entry, type, err);
	case XEN_ELFNOTE_HYPERCALL_PAGE:
		rc = note_number(d, n, &v, type, err);
		in->hypercall_page = v;
		return rc;
	case XEN_ELFNOTE_VIRT_BASE:
		st->has_virt_base = true;
		return note_number(d, n, &in->virt_base, type, err);
	case XEN_ELFNOTE_PADDR_OFFSET:
		st->has_paddr_offset = true;
		return note_number(d, n, &in->paddr_offset, type, err);
	case XEN_ELFNOTE_MOD_START_PFN:
		return note_number(d, n, &in->mod_start_pfn, type, err);
	case XEN_ELFNOTE_XEN_VERSION:
		return note_string(d, n, in->xen_version, sizeof(in->xen_version), type, err);
	case XEN_ELFNOTE_GUEST_OS:
		return note_string(d, n, in->guest_os, sizeof(in->guest_os), type, err);
	case XEN_ELFNOTE_GUEST_VERSION:
		return note_string(d, n, in->guest_version, sizeof(in->guest_version), type, err);
	case XEN_ELFNOTE_LOADER:
		return note_string(d, n, in->loader, sizeof(in->loader), type, err);
	case XEN_ELFNOTE_FEATURES:
		return note_string(d, n, st->features, sizeof(st->features), type, err);
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		note_supported(d, n, in);
		return 0;
	case XEN_ELFNOTE_BSD_SYMTAB:
		/* The guest would look for a symbol table nobody loaded. */
		return kb_fail(err, -EINVAL,
			       "XEN_ELFNOTE_BSD_SYMTAB (load the symbol table) is not supported");
	default:
		return 0;
	}
}

/* Walk the notes in file range [off, off+size), which the caller checked. */
static int notes_walk(struct note_state *st, const uint8_t *img, uint64_t off,
		      uint64_t size, char *err)
{
	uint64_t pos = 0;

	while (size - pos >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_sz, desc_sz;

		memcpy(&nh, img + off + pos, sizeof(nh));
		pos += sizeof(nh);
		name_sz = ((uint64_t)nh.n_namesz + 3) & ~3ULL;
		desc_sz = ((uint64_t)nh.n_descsz + 3) & ~3ULL;
		if (nh.n_namesz > size - pos || name_sz > size - pos ||
		    nh.n_descsz > size - pos - name_sz)
			return kb_fail(err, -ENOEXEC,
				       "ELF note at file offset 0x%llx runs past its section",
				       (unsigned long long)(off + pos - sizeof(nh)));
		const uint8_t *name = img + off + pos;
		const uint8_t *desc = name + name_sz;
		if (nh.n_namesz == 4 && memcmp(name, "Xen", 4) == 0) {
			int rc = note_one(st, nh.n_type, desc, nh.n_descsz, err);
			if (rc)
				return rc;
			st->nr_xen++;
		}
		pos += name_sz;
		pos += desc_sz < size - pos ? desc_sz : size - pos;
	}
	return 0;
}

static int notes_from_phdrs(struct note_state *st, const uint8_t *img,
			    size_t len, char *err)
{
	const Elf64_Ehdr eh = kb_ehdr(img);

	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		int rc;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE)
			continue;
		if (!kb_in_file(ph.p_offset, ph.p_filesz, len))
			return kb_fail(err, -ENOEXEC,
				       "PT_NOTE segment %u [0x%llx, +0x%llx) lies outside the %zu-byte file",
				       i, (unsigned long long)ph.p_offset,
				       (unsigned long long)ph.p_filesz, len);
		rc = notes_walk(st, img, ph.p_offset, ph.p_filesz, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* Section-header fallback, used when no PT_NOTE carries Xen notes. */
static int notes_from_sections(struct note_state *st, const uint8_t *img,
			       size_t len, char *err)
{
	const Elf64_Ehdr eh = kb_ehdr(img);

	if (eh.e_shnum == 0 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    !kb_in_file(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr), len))
		return 0;
	for (unsigned int i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;
		int rc;

		memcpy(&sh, img + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != SHT_NOTE)
			continue;
		if (!kb_in_file(sh.sh_offset, sh.sh_size, len))
			return kb_fail(err, -ENOEXEC,
				       "SHT_NOTE section %u [0x%llx, +0x%llx) lies outside the %zu-byte file",
				       i, (unsigned long long)sh.sh_offset,
				       (unsigned long long)sh.sh_size, len);
		rc = notes_walk(st, img, sh.sh_offset, sh.sh_size, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* Xen's rules: xen-3.0 only; GUEST_OS "linux" or LOADER "generic". */
static int notes_check(const struct kb_elf_info *in, char *err)
{
	if (strncmp(in->xen_version, "xen-3.0", 7) != 0)
		return kb_fail(err, -EINVAL,
			       "XEN_ELFNOTE_XEN_VERSION is \"%s\": only \"xen-3.0\" images can be loaded",
			       in->xen_version);
	if (strncmp(in->loader, "generic", 7) != 0 &&
	    strncmp(in->guest_os, "linux", 5) != 0)
		return kb_fail(err, -EINVAL,
			       "only images for the generic loader or Linux can be loaded "
			       "(XEN_ELFNOTE_LOADER \"%s\", XEN_ELFNOTE_GUEST_OS \"%s\")",
			       in->loader, in->guest_os);
	return 0;
}

static int notes_defaults(struct note_state *st, char *err)
{
	struct kb_elf_info *in = st->info;

	if (st->has_paddr_offset && !st->has_virt_base)
		return kb_fail(err, -EINVAL,
			       "XEN_ELFNOTE_PADDR_OFFSET is set but XEN_ELFNOTE_VIRT_BASE is not");
	if (!st->has_virt_base)
		in->virt_base = 0;
	if (!st->has_paddr_offset)
		in->paddr_offset = in->virt_base;
	return 0;
}

int kb_elf_parse_notes(const void *img, size_t len, struct kb_elf_info *info,
		       char *err)
{
	struct note_state st = { .info = info };
	int rc;

	info->entry = kb_ehdr(img).e_entry;
	rc = notes_from_phdrs(&st, img, len, err);
	if (!rc && st.nr_xen == 0)
		rc = notes_from_sections(&st, img, len, err);
	if (rc)
		return rc;
	if (st.nr_xen == 0)
		return kb_fail(err, -ENOEXEC, "not a Xen-ELF image: no Xen ELF notes");
	rc = notes_check(info, err);
	if (!rc)
		rc = notes_defaults(&st, err);
	if (!rc && st.features[0])
		rc = kb_features_parse(st.features, info, err);
	return rc;
}
