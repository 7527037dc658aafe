/*
 * gnt_share: the guest side of the control-domain backend test.  Grants
 * a page to domain 7 (ref 8), the control domain a read-only page (ref 9)
 * and, last, a writable page (ref 10, pattern i*3+1), and prints
 * "gnt_share ready".  Then waits for the backend to write 0xd0 into
 * bytes 0..3 of page 10 (a grant copy), to map it (GTF_writing appears:
 * end_access must report busy; we answer by writing 0xb5 into byte 4),
 * and to unmap it (then end_access succeeds).  Exit code = failures.
 */
#include <stdint.h>
#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>
#include <xen/errno.h>
#include <xen/memory.h>
#include "verdict.h"

#define RETRIES 5000000

static int wait_for(volatile uint8_t *p, uint8_t v)
{
	for (unsigned long i = 0; i < RETRIES; i++) {
		if (*p == v)
			return 1;
		sched_yield();
	}
	return 0;
}

static int wait_flags(grant_ref_t ref, uint16_t bits, int set)
{
	for (unsigned long i = 0; i < RETRIES; i++) {
		if (!(gnttab_entry_flags(ref) & bits) == !set)
			return 1;
		sched_yield();
	}
	return 0;
}

static long give_back(xen_pfn_t pfn)
{
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };

	set_xen_guest_handle(r.extent_start, &pfn);
	return HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r);
}

int main(const start_info_t *si)
{
	uint8_t *p = alloc_page(), *q = alloc_page(), *r = alloc_page();
	int rc;

	(void)si;
	verdict_rc("table set up", gnttab_init(1), 0);
	for (int i = 0; i < 4096; i++) {
		p[i] = (uint8_t)(i * 3 + 1);
		q[i] = (uint8_t)(i * 5 + 2);
		r[i] = 0x77;
	}
	verdict_rc("grant to domain 7", gnttab_grant_access(7, virt_to_pfn(r), 0), 8);
	verdict_rc("read-only grant to dom0", gnttab_grant_access(0, virt_to_pfn(q), 1), 9);
	verdict_rc("writable grant to dom0", gnttab_grant_access(0, virt_to_pfn(p), 0), 10);
	printk("gnt_share ready\n");
	verdict_check(wait_for(&p[3], 0xd0) && p[0] == 0xd0, "backend's copy arrived", "bytes");
	verdict_check(wait_flags(10, GTF_writing, 1), "backend's map shows writing", "flags");
	verdict_rc("end access while dom0 maps: busy", gnttab_end_access(10), -XEN_EBUSY);
	verdict_rc("page dom0 holds cannot be ballooned out", give_back(virt_to_pfn(p)), 0);
	__atomic_store_n(&p[4], 0xb5, __ATOMIC_RELEASE);
	verdict_check(wait_flags(10, GTF_reading | GTF_writing, 0), "backend unmapped", "flags");
	rc = gnttab_end_access(10);
	verdict_rc("end access after dom0 unmapped", rc, 0);
	verdict_check(r[0] == 0x77 && q[0] == 2, "other pages untouched", "bytes");
	return verdict_done("gnt_share");
}
