/*
 * gnt_bad: hostile grant-table and memory-op arguments from one domain,
 * each answered with Xen's exact GNTST_ status or errno, and nothing
 * harmed: a mapping of our own grant still works after them all.
 * after_unmap=1: touch a grant mapping after unmapping it (keeping our
 * own PTE) - the domain must crash.  ro_write=1: write to a read-only
 * grant mapping through a writable PTE - the domain must crash.
 */
#include <stdint.h>
#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>
#include <xen/errno.h>
#include <xen/memory.h>
#include "verdict.h"

static domid_t self;
static unsigned long gnt_page_pfn;

static int map_op(domid_t dom, grant_ref_t ref, uint64_t addr, uint32_t flags)
{
	struct gnttab_map_grant_ref op = { .host_addr = addr, .flags = flags,
		.ref = ref, .dom = dom };
	int rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);

	if (rc == 0 && op.status == GNTST_okay) {
		struct gnttab_unmap_grant_ref u = { .host_addr = addr, .handle = op.handle };

		HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
	}
	return rc < 0 ? rc : op.status;
}

static int copy_op(struct gnttab_copy_ptr s, struct gnttab_copy_ptr d,
		   uint16_t len, uint16_t flags)
{
	gnttab_copy_t op = { .source = s, .dest = d, .len = len, .flags = flags };
	int rc = gnttab_copy_batch(&op, 1);

	return rc < 0 ? rc : op.status;
}

static void bad_maps(grant_ref_t rw, grant_ref_t ro, grant_ref_t other)
{
	uint64_t base = gnttab_map_base();
	uint32_t host = GNTMAP_host_map;

	verdict_rc("own grant maps", map_op(self, rw, base, host), GNTST_okay);
	verdict_rc("grant for another domain", map_op(self, other, base, host), GNTST_permission_denied);
	verdict_rc("read-only grant mapped writable", map_op(self, ro, base, host), GNTST_general_error);
	verdict_rc("ref past the table", map_op(self, 600, base, host), GNTST_bad_gntref);
	verdict_rc("ref 0xffffffff", map_op(self, 0xffffffffu, base, host), GNTST_bad_gntref);
	verdict_rc("reserved, unused ref", map_op(self, 1, base, host), GNTST_general_error);
	verdict_rc("no map flags", map_op(self, rw, base, 0), GNTST_bad_gntref);
	verdict_rc("device map", map_op(self, rw, base, host | GNTMAP_device_map), GNTST_general_error);
	verdict_rc("dom DOMID_SELF", map_op(DOMID_SELF, rw, base, host), GNTST_bad_domain);
	verdict_rc("no such domain", map_op(4000, rw, base, host), GNTST_bad_domain);
	verdict_rc("address inside RAM", map_op(self, rw, 0x1000, host), GNTST_general_error);
	verdict_rc("unaligned address", map_op(self, rw, base + 8, host), GNTST_general_error);
	verdict_rc("address past the map window", map_op(self, rw, 1ULL << 39, host), GNTST_general_error);
	verdict_rc("address wraps", map_op(self, rw, ~0xfffULL, host), GNTST_general_error);
}

/* Mappings are KVM slots: past the per-domain limit, no_device_space. */
static void too_many_maps(grant_ref_t rw)
{
	static grant_handle_t h[300];
	uint64_t base = gnttab_map_base();
	unsigned int n = 0;
	int st = GNTST_okay;

	while (n < 300) {
		struct gnttab_map_grant_ref m = { .host_addr = base + (uint64_t)n * 4096,
			.flags = GNTMAP_host_map, .ref = rw, .dom = self };

		HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
		st = m.status;
		if (st != GNTST_okay)
			break;
		h[n++] = m.handle;
	}
	verdict_rc("mappings held before the limit", n, 256);
	verdict_rc("one more: no_device_space", st, GNTST_no_device_space);
	verdict_check((gnttab_entry_flags(rw) & (GTF_reading | GTF_writing)) ==
			      (GTF_reading | GTF_writing), "256 pins of one entry", "flags");
	while (n) {
		struct gnttab_unmap_grant_ref u = { .handle = h[--n] };

		HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
		if (u.status != GNTST_okay)
			break;
	}
	verdict_rc("all unmapped", n, 0);
	verdict_check(!(gnttab_entry_flags(rw) & (GTF_reading | GTF_writing)),
		      "last unmap clears reading|writing", "flags");
}

static void bad_unmaps(grant_ref_t rw)
{
	uint64_t base = gnttab_map_base();
	struct gnttab_unmap_grant_ref u = { .host_addr = base, .handle = 9999 };
	grant_handle_t h;
	void *va;

	HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
	verdict_rc("unmap of a handle out of range", u.status, GNTST_bad_handle);
	u.handle = 77;
	HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
	verdict_rc("unmap of an unused handle", u.status, GNTST_bad_handle);
	verdict_rc("map for the unmap tests", gnttab_map(self, rw, base, 0, &h, &va), GNTST_okay);
	{
		struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };
		xen_pfn_t pfn = gnt_page_pfn;

		set_xen_guest_handle(r.extent_start, &pfn);
		verdict_rc("a mapped page cannot be ballooned out",
			   HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0);
	}
	verdict_rc("unmap at the wrong address", gnttab_unmap(h, base + 0x1000), GNTST_general_error);
	verdict_check(*(volatile uint32_t *)va == 0x5a5a5a5a, "mapping intact after a wrong unmap", "value");
	verdict_rc("unmap", gnttab_unmap(h, base), GNTST_okay);
	verdict_rc("unmap twice", gnttab_unmap(h, base), GNTST_bad_handle);
}

static void bad_copies(grant_ref_t rw, grant_ref_t ro, grant_ref_t other, unsigned long pfn,
		       unsigned long pfn2)
{
	struct gnttab_copy_ptr mine = { .u.gmfn = pfn2, .domid = DOMID_SELF };
	struct gnttab_copy_ptr g = { .u.ref = rw, .domid = self };
	struct gnttab_copy_ptr x;
	gnttab_copy_t batch[3];

	x = g; x.offset = 4000;
	verdict_rc("copy source crosses a page", copy_op(x, mine, 200, GNTCOPY_source_gref), GNTST_bad_copy_arg);
	x = mine; x.offset = 4095;
	verdict_rc("copy dest crosses a page", copy_op(g, x, 2, GNTCOPY_source_gref), GNTST_bad_copy_arg);
	x = mine; x.domid = self;
	verdict_rc("copy by frame of a named domain", copy_op(g, x, 8, GNTCOPY_source_gref), GNTST_permission_denied);
	x = g; x.domid = 4000;
	verdict_rc("copy from no such domain", copy_op(x, mine, 8, GNTCOPY_source_gref), GNTST_bad_domain);
	x = g; x.u.ref = other;
	verdict_rc("copy from another domain's grant", copy_op(x, mine, 8, GNTCOPY_source_gref), GNTST_permission_denied);
	x = g; x.u.ref = ro;
	verdict_rc("copy into a read-only grant", copy_op(mine, x, 8, GNTCOPY_dest_gref), GNTST_general_error);
	x = g; x.u.ref = 9000;
	verdict_rc("copy from a ref past the table", copy_op(x, mine, 8, GNTCOPY_source_gref), GNTST_bad_gntref);
	x = mine; x.u.gmfn = start_info->nr_pages + 5;
	verdict_rc("copy from a frame past RAM", copy_op(x, mine, 8, 0), GNTST_bad_page);
	x = g; x.u.ref = ro;
	verdict_rc("copy from a read-only grant", copy_op(x, mine, 4, GNTCOPY_source_gref), GNTST_okay);
	verdict_check(*(uint32_t *)pfn_to_virt(pfn2) == 0x5a5a5a5a, "copied bytes arrived", "value");
	(void)pfn;
	memset(batch, 0, sizeof(batch));
	for (int i = 0; i < 3; i++) {
		batch[i].source = g;
		batch[i].dest = mine;
		batch[i].len = 64;
		batch[i].flags = GNTCOPY_source_gref;
	}
	batch[1].len = 4097;
	verdict_rc("batch call", gnttab_copy_batch(batch, 3), 0);
	verdict_check(batch[0].status == GNTST_okay && batch[1].status == GNTST_bad_copy_arg &&
			      batch[2].status == GNTST_okay, "batch statuses per entry", "status");
	verdict_rc("copy array at a wild pointer",
		   HYPERVISOR_grant_table_op(GNTTABOP_copy, (void *)0x10, 1), -XEN_EFAULT);
}

static void table_calls(void)
{
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 33 };
	struct gnttab_set_version sv = { .version = 2 };
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	uint32_t nr = 0, max = 0;
	xen_pfn_t frames[2];

	set_xen_guest_handle(st.frame_list, frames);
	HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
	verdict_rc("setup_table past max_grant_frames", st.status, GNTST_general_error);
	st.nr_frames = 1;
	st.dom = 4000;
	HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
	verdict_rc("setup_table of no such domain", st.status, GNTST_bad_domain);
	st.dom = DOMID_SELF;
	HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
	verdict_check(st.status == GNTST_okay && frames[0] < start_info->nr_pages,
		      "setup_table reports the placed frame", "status");
	verdict_rc("query_size", gnttab_query_size(&nr, &max), GNTST_okay);
	verdict_check(nr == 1 && max == 32, "one frame of 32", "sizes");
	verdict_rc("set_version 2", HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), -XEN_ENOSYS);
	verdict_rc("version still 1", sv.version, 1);
	sv.version = 1;
	verdict_rc("set_version 1", HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), 0);
	verdict_rc("get_version", HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), 0);
	verdict_rc("version 1", gv.version, 1);
	verdict_rc("unknown op", HYPERVISOR_grant_table_op(99, &gv, 1), -XEN_ENOSYS);
	verdict_rc("count negative as an int",
		   HYPERVISOR_grant_table_op(GNTTABOP_copy, &gv, 0x80000000u), -XEN_EINVAL);
	verdict_rc("setup_table count 2", HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 2),
		   -XEN_EINVAL);
	verdict_rc("map array at a wild pointer",
		   HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, (void *)0x10, 1), -XEN_EFAULT);
	verdict_rc("end access of an ungranted ref", gnttab_end_access(300), -XEN_EINVAL);
	verdict_rc("end access of a reserved ref", gnttab_end_access(3), -XEN_EINVAL);
}

static long memop(unsigned int cmd, void *arg)
{
	return HYPERVISOR_memory_op(cmd, arg);
}

/* shared_info keeps its contents when moved, and moves back. */
static void move_shared_info(void)
{
	uint64_t home = start_info->shared_info;
	shared_info_t *old = gpa_to_virt(home), *new = alloc_page();
	struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
		.idx = 1, .gpfn = virt_to_pfn(new) };

	memset(new, 0, 4096);
	verdict_rc("shared_info idx 1", memop(XENMEM_add_to_physmap, &x), -XEN_EINVAL);
	x.idx = 0;
	verdict_rc("shared_info moved", memop(XENMEM_add_to_physmap, &x), 0);
	verdict_check(new->wc_sec == old->wc_sec &&
			      new->vcpu_info[0].evtchn_upcall_mask == old->vcpu_info[0].evtchn_upcall_mask &&
			      !memcmp(new->evtchn_mask, old->evtchn_mask, sizeof(old->evtchn_mask)),
		      "shared_info contents moved with it", "fields");
	x.gpfn = start_info->nr_pages;
	verdict_rc("shared_info past RAM", memop(XENMEM_add_to_physmap, &x), -XEN_EINVAL);
	x.gpfn = home >> 12;
	verdict_rc("shared_info moved home", memop(XENMEM_add_to_physmap, &x), 0);
}

static void memory_calls(unsigned long table_pfn)
{
	struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = 40 };
	domid_t d = DOMID_SELF, other = 4000;
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };
	struct { uint64_t addr, size; uint32_t type; } __attribute__((packed)) e820[2];
	struct xen_memory_map mm = { .nr_entries = 2 };
	xen_pfn_t pfn = table_pfn;

	verdict_rc("table frame index past max", memop(XENMEM_add_to_physmap, &x), -XEN_EINVAL);
	x.idx = 0 | XENMAPIDX_grant_table_status;
	verdict_rc("v2 status frame", memop(XENMEM_add_to_physmap, &x), -XEN_EINVAL);
	x.idx = 0;
	x.gpfn = start_info->nr_pages;
	verdict_rc("table frame past RAM", memop(XENMEM_add_to_physmap, &x), -XEN_EINVAL);
	x.space = XENMAPSPACE_gmfn;
	verdict_rc("gmfn space", memop(XENMEM_add_to_physmap, &x), -XEN_EOPNOTSUPP);
	verdict_rc("current reservation", memop(XENMEM_current_reservation, &d), (long)start_info->nr_pages);
	verdict_rc("maximum reservation", memop(XENMEM_maximum_reservation, &d), (long)start_info->nr_pages);
	verdict_rc("maximum gpfn", memop(XENMEM_maximum_gpfn, &d), (long)start_info->nr_pages - 1);
	verdict_rc("reservation of no such domain", memop(XENMEM_current_reservation, &other), -XEN_ESRCH);
	verdict_check(memop(XENMEM_maximum_ram_page, NULL) > 0, "maximum_ram_page", "value");
	set_xen_guest_handle(mm.buffer, e820);
	verdict_rc("memory map", memop(XENMEM_memory_map, &mm), 0);
	verdict_check(mm.nr_entries == 1 && e820[0].addr == 0 && e820[0].type == 1 &&
			      e820[0].size == (uint64_t)start_info->nr_pages << 12, "one RAM entry", "e820");
	mm.nr_entries = 0;
	verdict_rc("memory map with no room", memop(XENMEM_memory_map, &mm), -XEN_EINVAL);
	set_xen_guest_handle(r.extent_start, &pfn);
	verdict_rc("decrease of a table frame: 0 done", memop(XENMEM_decrease_reservation, &r), 0);
	pfn = start_info->nr_pages + 1;
	verdict_rc("decrease past RAM: 0 done", memop(XENMEM_decrease_reservation, &r), 0);
	verdict_rc("populate past max: 0 done", memop(XENMEM_populate_physmap, &r), 0);
	r.extent_order = 10;
	verdict_rc("extent order 10: 0 done", memop(XENMEM_decrease_reservation, &r), 0);
	verdict_rc("unknown memory op", memop(60, &d), -XEN_ENOSYS);
	move_shared_info();
}

/* Access a grant mapping we may no longer (or never could) write; never returns. */
static int forbidden_access(grant_ref_t rw, grant_ref_t ro, int after_unmap)
{
	uint64_t base = gnttab_map_base();
	struct gnttab_map_grant_ref m = { .host_addr = base, .flags = GNTMAP_host_map,
		.ref = after_unmap ? rw : ro, .dom = self };
	struct gnttab_unmap_grant_ref u = { .host_addr = base };
	volatile uint32_t *p = gpa_to_virt(base);

	if (!after_unmap)
		m.flags |= GNTMAP_readonly;
	if (HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1) || m.status)
		return 100;
	mm_map_page((unsigned long)p, base, PTE_KIT); /* writable PTE either way */
	mm_invlpg((unsigned long)p);
	printk("gnt_bad: mapped, value 0x%x\n", *p);
	if (after_unmap) {
		u.handle = m.handle;
		if (HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1) || u.status)
			return 101;
		printk("gnt_bad: unmapped, touching it\n");
		return (int)*p; /* must crash the domain */
	}
	printk("gnt_bad: writing a read-only mapping\n");
	*p = 1; /* must crash the domain */
	return 102;
}

int main(const start_info_t *si)
{
	uint32_t *page = alloc_page(), *page2 = alloc_page();
	int rw, ro, other;

	(void)si;
	self = (domid_t)HYPERVISOR_xen_version(KETCH_XENVER_domid, NULL);
	verdict_rc("table set up", gnttab_init(1), 0);
	for (int i = 0; i < 1024; i++)
		page[i] = 0x5a5a5a5a;
	gnt_page_pfn = virt_to_pfn(page);
	rw = gnttab_grant_access(self, virt_to_pfn(page), 0);
	ro = gnttab_grant_access(self, virt_to_pfn(page), 1);
	other = gnttab_grant_access(999, virt_to_pfn(page), 0);
	verdict_check(rw >= 8 && ro >= 8 && other >= 8, "grants made", "refs");
	if (start_info_arg_ul("after_unmap", 0) || start_info_arg_ul("ro_write", 0))
		return forbidden_access((grant_ref_t)rw, (grant_ref_t)ro,
					start_info_arg_ul("after_unmap", 0) != 0);
	bad_maps(rw, ro, other);
	bad_unmaps(rw);
	too_many_maps((grant_ref_t)rw);
	bad_copies(rw, ro, other, virt_to_pfn(page), virt_to_pfn(page2));
	table_calls();
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	xen_pfn_t f;

	set_xen_guest_handle(st.frame_list, &f);
	HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
	memory_calls(f);
	verdict_rc("nothing pinned: end access", gnttab_end_access(rw), 0);
	return verdict_done("gnt_bad");
}
