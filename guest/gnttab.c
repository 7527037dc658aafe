/*
 * gnttab.c - the grant-table client: a v1 table in frames of our own RAM
 * placed with XENMEM_add_to_physmap, a free list of references, Xen's
 * grant/end-access protocol on the shared entries, and wrappers for map,
 * unmap and copy.
 */
#include <stdint.h>
#include <ketch-guest/kit.h>
#include <xen/errno.h>
#include <xen/memory.h>
#include <ketch-guest/gnttab.h>

#define PER_FRAME (4096 / sizeof(grant_entry_v1_t))

static grant_entry_v1_t *table[32];
static unsigned int nr_entries;
static grant_ref_t *free_refs;
static unsigned int nr_free;
/* The references handed out and not yet ended: the entries alone cannot
 * tell, since a resumed domain's table starts empty (gnttab_resume). */
static uint8_t held[32 * 4096 / sizeof(grant_entry_v1_t) / 8];

static int is_held(grant_ref_t r)
{
	return held[r / 8] >> (r % 8) & 1;
}

static void set_held(grant_ref_t r, int on)
{
	held[r / 8] = (uint8_t)(on ? held[r / 8] | 1u << (r % 8) : held[r / 8] & ~(1u << (r % 8)));
}

static void put_ref(grant_ref_t r)
{
	set_held(r, 0);
	free_refs[nr_free++] = r;
}

static grant_entry_v1_t *entry(grant_ref_t ref)
{
	return &table[ref / PER_FRAME][ref % PER_FRAME];
}

int gnttab_init(unsigned int nr_frames)
{
	if (nr_entries || nr_frames == 0 || nr_frames > 32)
		return -XEN_EINVAL;
	free_refs = malloc(nr_frames * PER_FRAME * sizeof(*free_refs));
	if (!free_refs)
		return -XEN_ENOMEM;
	for (unsigned int i = 0; i < nr_frames; i++) {
		void *page = alloc_page();
		struct xen_add_to_physmap x = { .domid = DOMID_SELF,
			.space = XENMAPSPACE_grant_table, .idx = i };
		long rc;

		if (!page)
			return -XEN_ENOMEM;
		x.gpfn = virt_to_pfn(page);
		rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
		if (rc < 0)
			return (int)rc;
		table[i] = page;
	}
	nr_entries = nr_frames * PER_FRAME;
	for (unsigned int r = nr_entries; r-- > GNTTAB_NR_RESERVED_ENTRIES;)
		free_refs[nr_free++] = r;
	return 0;
}

int gnttab_resume(void)
{
	for (unsigned int i = 0; i < nr_entries / PER_FRAME; i++) {
		struct xen_add_to_physmap x = { .domid = DOMID_SELF,
			.space = XENMAPSPACE_grant_table, .idx = i,
			.gpfn = virt_to_pfn(table[i]) };
		long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);

		if (rc < 0)
			return (int)rc;
	}
	return 0;
}

int gnttab_query_size(uint32_t *nr_frames, uint32_t *max_frames)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	int rc = HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1);

	if (rc < 0)
		return rc;
	*nr_frames = q.nr_frames;
	*max_frames = q.max_nr_frames;
	return q.status;
}

int gnttab_grant_access(domid_t domid, unsigned long gpfn, int readonly)
{
	grant_entry_v1_t *e;
	grant_ref_t ref;

	if (nr_free == 0)
		return -XEN_ENOSPC;
	ref = free_refs[--nr_free];
	set_held(ref, 1);
	e = entry(ref);
	e->frame = (uint32_t)gpfn;
	e->domid = domid;
	/* Frame and domid must be visible before the entry becomes valid. */
	__atomic_store_n(&e->flags,
			 (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
			 __ATOMIC_RELEASE);
	return (int)ref;
}

int gnttab_end_access(grant_ref_t ref)
{
	uint16_t f;

	if (ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= nr_entries || !is_held(ref))
		return -XEN_EINVAL;
	f = __atomic_load_n(&entry(ref)->flags, __ATOMIC_ACQUIRE);
	do {
		if ((f & GTF_type_mask) != GTF_permit_access)
			break; /* emptied by a resume: nobody can hold it */
		if (f & (GTF_reading | GTF_writing))
			return -XEN_EBUSY;
	} while (!__atomic_compare_exchange_n(&entry(ref)->flags, &f, 0, 0,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	put_ref(ref);
	return 0;
}

int gnttab_end_access_force(grant_ref_t ref)
{
	if (ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= nr_entries || !is_held(ref))
		return -XEN_EINVAL; /* was not granted: left free */
	__atomic_store_n(&entry(ref)->flags, 0, __ATOMIC_RELEASE);
	put_ref(ref);
	return 0;
}

uint16_t gnttab_entry_flags(grant_ref_t ref)
{
	return ref < nr_entries ? __atomic_load_n(&entry(ref)->flags, __ATOMIC_ACQUIRE) : 0;
}

uint64_t gnttab_map_base(void)
{
	return (uint64_t)start_info->nr_pages << 12;
}

int gnttab_map(domid_t dom, grant_ref_t ref, uint64_t gpa, int readonly,
	       grant_handle_t *handle, void **va)
{
	struct gnttab_map_grant_ref op = { .host_addr = gpa, .ref = ref, .dom = dom,
		.flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0) };
	int rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);

	if (rc < 0)
		return rc;
	if (op.status != GNTST_okay)
		return op.status;
	*handle = op.handle;
	mm_map_page(GK_VIRT_BASE + gpa, gpa,
		    readonly ? (_PAGE_PRESENT | _PAGE_USER) : PTE_KIT);
	mm_invlpg(GK_VIRT_BASE + gpa);
	*va = gpa_to_virt(gpa);
	return GNTST_okay;
}

int gnttab_unmap(grant_handle_t handle, uint64_t gpa)
{
	struct gnttab_unmap_grant_ref op = { .host_addr = gpa, .handle = handle };
	int rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);

	if (rc < 0)
		return rc;
	if (op.status == GNTST_okay) {
		mm_map_page(GK_VIRT_BASE + gpa, 0, 0);
		mm_invlpg(GK_VIRT_BASE + gpa);
	}
	return op.status;
}

int gnttab_copy_batch(gnttab_copy_t *ops, unsigned int n)
{
	return HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, n);
}

int gnttab_copy_ref(domid_t dom, grant_ref_t ref, uint16_t ref_off,
		    unsigned long gpfn, uint16_t off, uint16_t len, int to_ref)
{
	struct gnttab_copy_ptr mine = { .u.gmfn = gpfn, .domid = DOMID_SELF, .offset = off };
	struct gnttab_copy_ptr theirs = { .u.ref = ref, .domid = dom, .offset = ref_off };
	gnttab_copy_t op = { .len = len };
	int rc;

	op.source = to_ref ? mine : theirs;
	op.dest = to_ref ? theirs : mine;
	op.flags = to_ref ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
	rc = gnttab_copy_batch(&op, 1);
	return rc < 0 ? rc : op.status;
}
