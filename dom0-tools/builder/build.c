/* kb_build: load the kernel and lay out a PV domain's start-of-day state. */
#include <errno.h>
#include <string.h>

#include "kb_private.h"

#define HEX(x) ((unsigned long long)(x))

static int check_spec(const struct kb_domain_spec *s, char *err)
{
	if (!s->mem || s->mem_bytes == 0 || s->mem_bytes % KB_PAGE_SIZE)
		return kb_fail(err, -EINVAL, "guest memory must be a non-empty multiple of 4 KiB");
	if (s->mem_bytes >= KB_LOWER_HALF_END)
		return kb_fail(err, -EINVAL, "guest memory size 0x%llx is absurd", HEX(s->mem_bytes));
	if (!s->kernel)
		return kb_fail(err, -EINVAL, "no kernel image");
	if (s->ramdisk_len && !s->ramdisk)
		return kb_fail(err, -EINVAL, "ramdisk length without ramdisk");
	if (s->cmdline && strnlen(s->cmdline, MAX_GUEST_CMDLINE) >= MAX_GUEST_CMDLINE)
		return kb_fail(err, -EINVAL, "command line longer than %d bytes",
			       MAX_GUEST_CMDLINE - 1);
	return 0;
}

static int check_fit(const struct kb_elf_info *elf, uint64_t mem_bytes, char *err)
{
	for (int i = 0; i < elf->nseg; i++)
		if (elf->seg[i].memsz > mem_bytes)
			return kb_fail(err, -ENOMEM,
				       "segment at 0x%llx: p_memsz 0x%llx is larger than the domain's %llu KiB",
				       HEX(elf->seg[i].vaddr), HEX(elf->seg[i].memsz),
				       HEX(mem_bytes >> 10));
	return 0;
}

/* Copy segments and ramdisk, and write the identity p2m list. */
static void load_contents(const struct kb_domain_spec *s, const struct kb_elf_info *elf,
			  const struct kb_plan *p)
{
	const uint8_t *img = s->kernel;
	uint64_t nr_pages = s->mem_bytes / KB_PAGE_SIZE;

	for (int i = 0; i < elf->nseg; i++)
		memcpy(s->mem + (elf->seg[i].vaddr - p->virt_base),
		       img + elf->seg[i].offset, elf->seg[i].filesz);
	if (s->ramdisk_len)
		memcpy(s->mem + p->ramdisk, s->ramdisk, s->ramdisk_len);
	for (uint64_t pfn = 0; pfn < nr_pages; pfn++)
		memcpy(s->mem + p->p2m + pfn * sizeof(pfn), &pfn, sizeof(pfn));
}

static void fill_layout(const struct kb_plan *p, struct kb_layout *out, bool ramdisk)
{
	uint64_t vb = p->virt_base;

	out->entry_va = out->elf.entry;
	out->stack_top_va = vb + p->stack + KB_PAGE_SIZE;
	out->start_info_va = vb + p->start_info;
	out->start_info_gpa = p->start_info;
	out->pt_base_gpa = p->pt;
	out->nr_pt_frames = p->pt_pages;
	out->hypercall_page_gpa = out->elf.hypercall_page ? out->elf.hypercall_page - vb : ~0ULL;
	out->shared_info_gpa = p->shared_info_addr;
	out->console_gpfn = p->console / KB_PAGE_SIZE;
	out->store_gpfn = p->store / KB_PAGE_SIZE;
	out->p2m_va = vb + p->p2m;
	out->ramdisk_va = ramdisk ? vb + p->ramdisk : 0;
	out->bootstrap_end_va = vb + p->region_end;
	out->first_free_gpfn = p->alloc_end / KB_PAGE_SIZE;
}

int kb_build(const struct kb_domain_spec *spec, struct kb_layout *out,
	     char err[KB_ERRLEN])
{
	struct kb_plan plan;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err)
		err[0] = '\0';
	rc = check_spec(spec, err);
	if (!rc)
		rc = kb_elf_parse(spec->kernel, spec->kernel_len, &out->elf, err);
	if (!rc)
		rc = kb_features_check(&out->elf, spec->hv_features, err);
	if (!rc)
		rc = check_fit(&out->elf, spec->mem_bytes, err);
	if (!rc)
		rc = kb_layout_plan(&out->elf, spec->mem_bytes, spec->ramdisk_len, &plan, err);
	if (rc)
		return rc;
	if (!spec->mem_is_zero)
		memset(spec->mem, 0, plan.region_end);
	load_contents(spec, &out->elf, &plan);
	if (kb_pt_build(spec->mem, &plan) != plan.pt_pages)
		return kb_fail(err, -EINVAL, "internal error: page-table frame count mismatch");
	kb_start_info_fill(spec, &out->elf, &plan);
	fill_layout(&plan, out, spec->ramdisk_len != 0);
	return 0;
}
