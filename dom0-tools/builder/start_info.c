/* The start_info page a Xen x86-64 PV guest finds through rsi. */
#include <stdio.h>
#include <string.h>

#include "kb_private.h"

void kb_start_info_fill(const struct kb_domain_spec *spec,
			const struct kb_elf_info *elf,
			const struct kb_plan *plan)
{
	start_info_t *si = (start_info_t *)(spec->mem + plan->start_info);
	uint64_t vb = plan->virt_base;

	memset(si, 0, KB_PAGE_SIZE);
	snprintf(si->magic, sizeof(si->magic), "xen-3.0-x86_64");
	si->nr_pages = spec->mem_bytes / KB_PAGE_SIZE;
	si->shared_info = plan->shared_info_addr;
	si->flags = spec->si_flags;
	si->store_mfn = plan->store / KB_PAGE_SIZE;
	si->store_evtchn = spec->store_evtchn;
	si->console.domU.mfn = plan->console / KB_PAGE_SIZE;
	si->console.domU.evtchn = spec->console_evtchn;
	si->pt_base = vb + plan->pt;
	si->nr_pt_frames = plan->pt_pages;
	si->mfn_list = vb + plan->p2m;
	if (spec->ramdisk && spec->ramdisk_len) {
		/* XEN_ELFNOTE_MOD_START_PFN: the guest wants a frame number. */
		if (elf->mod_start_pfn) {
			si->flags |= SIF_MOD_START_PFN;
			si->mod_start = plan->ramdisk / KB_PAGE_SIZE;
		} else {
			si->mod_start = vb + plan->ramdisk;
		}
		si->mod_len = spec->ramdisk_len;
	}
	if (spec->cmdline)
		memcpy(si->cmd_line, spec->cmdline, strlen(spec->cmdline) + 1);
	si->first_p2m_pfn = 0;
	si->nr_p2m_frames = 0;
}
