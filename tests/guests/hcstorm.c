/*
 * hcstorm: batch hypercalls with the largest counts a guest may ask for,
 * over an argument array that never ends: every L4 slot of the lower half
 * but the first points at one L3 whose entries all lead, through one L2
 * and one L1, to a single data page, so 127 TiB of virtual addresses read
 * as that page.  One word on the command line picks the call, which is
 * made again and again (each call can take hours):
 *   populate   XENMEM_populate_physmap, 2^26-1 extents, each naming a
 *              populated frame (done again: present frames stay)
 *   increase   the same with XENMEM_increase_reservation
 *   gntmap     GNTTABOP_map_grant_ref, 2^31-1 entries (each refused)
 *   gntunmap   GNTTABOP_unmap_grant_ref, 2^31-1 entries (each refused)
 *   gntcopy    GNTTABOP_copy, 2^31-1 entries (each refused)
 *   multicall  1024 entries, each a populate_physmap as above
 *   mmuext     mmuext_op with 4096 TLB flushes
 * Prints "hcstorm: MODE start" before the first call and "hcstorm: MODE
 * returned R" after each.  The host shows that pause and destroy still take
 * effect at once and that other domains are unaffected.
 */
#include <ketch-guest/kit.h>
#include <xen/grant_table.h>
#include <xen/memory.h>

#define ALIAS_SLOT0 1UL  /* first L4 slot aliased */
#define ALIAS_SLOTS 255UL
#define ALIAS_BASE (ALIAS_SLOT0 << 39)
#define MAX_EXTENTS (0xffffffffUL >> 6) /* Xen's largest encodable count */
#define MAX_GNT_COUNT 0x7fffffffUL
#define MC_ENTRIES 1024
#define MMUEXT_OPS 4096

static multicall_entry_t mc[MC_ENTRIES];
static struct mmuext_op flushes[MMUEXT_OPS];
static struct xen_memory_reservation resv = { .domid = DOMID_SELF };

/* A new table whose 512 entries all point at next (a page of ours). */
static uint64_t *table_to(const void *next)
{
	uint64_t *t = alloc_page();

	for (unsigned int i = 0; i < 512; i++)
		t[i] = virt_to_gpa(next) | PTE_KIT;
	return t;
}

/* Alias the lower half above the first 512 GiB onto one page; returns it. */
static uint64_t *alias_lower_half(void)
{
	uint64_t *data = alloc_page();
	uint64_t *l3 = table_to(table_to(table_to(data)));
	uint64_t *l4 = mm_pt_root();

	for (unsigned long s = ALIAS_SLOT0; s < ALIAS_SLOT0 + ALIAS_SLOTS; s++)
		l4[s] = virt_to_gpa(l3) | PTE_KIT;
	mm_flush_tlb();
	return data;
}

/* Every word of the page names the page's own (populated) frame. */
static void fill_with_own_frame(uint64_t *data)
{
	for (unsigned int i = 0; i < 512; i++)
		data[i] = virt_to_pfn(data);
}

static long populate(unsigned int op)
{
	resv.nr_extents = MAX_EXTENTS;
	resv.extent_order = 0;
	set_xen_guest_handle(resv.extent_start, (xen_pfn_t *)ALIAS_BASE);
	return HYPERVISOR_memory_op(op, &resv);
}

static long multicall(void)
{
	for (unsigned int i = 0; i < MC_ENTRIES; i++)
		multicall_set(&mc[i], __HYPERVISOR_memory_op, XENMEM_populate_physmap,
			      (unsigned long)&resv, 0, 0, 0, 0);
	resv.nr_extents = MAX_EXTENTS;
	set_xen_guest_handle(resv.extent_start, (xen_pfn_t *)ALIAS_BASE);
	return HYPERVISOR_multicall(mc, MC_ENTRIES);
}

static long mmuext(void)
{
	unsigned int done;

	for (unsigned int i = 0; i < MMUEXT_OPS; i++)
		flushes[i].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	return HYPERVISOR_mmuext_op(flushes, MMUEXT_OPS, &done, DOMID_SELF);
}

static long one_call(const char *mode)
{
	void *uop = (void *)ALIAS_BASE;

	if (!strcmp(mode, "populate"))
		return populate(XENMEM_populate_physmap);
	if (!strcmp(mode, "increase"))
		return populate(XENMEM_increase_reservation);
	if (!strcmp(mode, "gntmap"))
		return HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, uop, MAX_GNT_COUNT);
	if (!strcmp(mode, "gntunmap"))
		return HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, uop, MAX_GNT_COUNT);
	if (!strcmp(mode, "gntcopy"))
		return HYPERVISOR_grant_table_op(GNTTABOP_copy, uop, MAX_GNT_COUNT);
	if (!strcmp(mode, "multicall"))
		return multicall();
	return mmuext();
}

static const char *pick_mode(void)
{
	static const char *const modes[] = { "populate", "increase", "gntmap",
		"gntunmap", "gntcopy", "multicall", "mmuext" };

	for (unsigned int i = 0; i < ARRAY_SIZE(modes); i++)
		if (start_info_has_word(modes[i]))
			return modes[i];
	return NULL;
}

int main(const start_info_t *si)
{
	const char *mode = pick_mode();
	uint64_t *data;

	(void)si;
	if (!mode) {
		printk("hcstorm: no mode on the command line\n");
		return 2;
	}
	data = alias_lower_half();
	if (strncmp(mode, "gnt", 3))
		fill_with_own_frame(data);
	else
		memset(data, 0, PAGE_SIZE); /* entries with no flags: each refused at once */
	printk("hcstorm: %s start\n", mode);
	for (;;)
		printk("hcstorm: %s returned %ld\n", mode, one_call(mode));
}
