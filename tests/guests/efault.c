/*
 * efault: wild guest pointers handed to hypercalls must fail with -EFAULT
 * and harm nothing: unmapped addresses, the hypervisor's (upper-half)
 * range, a buffer straddling the end of mapped RAM, and a mapped virtual
 * address whose guest-physical page lies beyond RAM.  Exit code = failures.
 */
#include "verdict.h"
#include <xen/version.h>

#define UNMAPPED_LOW 0x10UL
#define KERNEL_VA 0xffff800000000000UL

struct wild {
	const char *name;
	unsigned long va;
};

/* va of a page mapped (by us) to the first guest-physical page past RAM. */
static unsigned long map_beyond_ram(unsigned long nr_pages)
{
	unsigned long va = (unsigned long)pfn_to_virt(ALIGN_UP(nr_pages, 512UL) + 512);

	mm_map_page(va, (uint64_t)nr_pages << PAGE_SHIFT, PTE_KIT);
	mm_flush_tlb();
	return va;
}

static void check_pointer(const struct wild *w, size_t len)
{
	char name[80];
	sched_shutdown_t *sd = (sched_shutdown_t *)w->va;
	struct mmuext_op *op = (struct mmuext_op *)w->va;

	snprintf(name, sizeof(name), "console_io(write, %s)", w->name);
	verdict_rc(name, HYPERVISOR_console_io(CONSOLEIO_write, (int)len, (char *)w->va),
		   -XEN_EFAULT);
	snprintf(name, sizeof(name), "xen_version(extraversion, %s)", w->name);
	verdict_rc(name, HYPERVISOR_xen_version(XENVER_extraversion, (void *)w->va),
		   -XEN_EFAULT);
	snprintf(name, sizeof(name), "sched_op(shutdown, %s)", w->name);
	verdict_rc(name, HYPERVISOR_sched_op(SCHEDOP_shutdown, sd), -XEN_EFAULT);
	snprintf(name, sizeof(name), "mmuext_op(%s)", w->name);
	verdict_rc(name, HYPERVISOR_mmuext_op(op, 1, NULL, DOMID_SELF), -XEN_EFAULT);
}

int main(const start_info_t *si)
{
	char *ram_end = pfn_to_virt(si->nr_pages);
	struct wild wilds[] = {
		{ "unmapped low va", UNMAPPED_LOW },
		{ "va past mapped RAM", (unsigned long)ram_end },
		{ "upper-half va", KERNEL_VA },
		{ "straddles end of RAM", (unsigned long)ram_end - 2 },
		{ "gpa beyond RAM", map_beyond_ram(si->nr_pages) },
	};

	/* Readable bytes before the end, should a straddling read leak them. */
	memcpy(ram_end - 2, "~\n", 2);
	for (unsigned int i = 0; i < ARRAY_SIZE(wilds); i++)
		check_pointer(&wilds[i], 16);
	return verdict_done("efault");
}
