/*
 * gnt_bench: grant-table costs seen from a guest, timed with rdtsc over
 * n= rounds (default 2000): GNTTABOP_copy of a 4 KiB batch (one op) and a
 * 64 KiB batch (16 ops of 4 KiB in one call) from our own grants into our
 * own frames, memcpy of the same sizes, and a map+unmap pair of a grant.
 * Prints "bench <name>_cycles=<per round>" lines.
 */
#include <stdint.h>
#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>

#define PAGES 16

static gnttab_copy_t ops[PAGES];

static void report(const char *what, uint64_t cycles, unsigned long n)
{
	printk("bench %s_cycles=%llu\n", what, (unsigned long long)(cycles / n));
}

static uint64_t time_copies(unsigned int nops, unsigned long n)
{
	uint64_t t0 = rdtsc();

	for (unsigned long i = 0; i < n; i++)
		if (gnttab_copy_batch(ops, nops) || ops[0].status != GNTST_okay)
			return 0;
	return rdtsc() - t0;
}

static uint64_t time_memcpy(uint8_t *dst, const uint8_t *src, size_t len, unsigned long n)
{
	uint64_t t0 = rdtsc();

	for (unsigned long i = 0; i < n; i++)
		memcpy(dst, src, len);
	return rdtsc() - t0;
}

static uint64_t time_map_unmap(domid_t self, grant_ref_t ref, unsigned long n)
{
	struct gnttab_map_grant_ref m = { .host_addr = gnttab_map_base(),
		.flags = GNTMAP_host_map, .ref = ref, .dom = self };
	struct gnttab_unmap_grant_ref u = { .host_addr = gnttab_map_base() };
	uint64_t t0 = rdtsc();

	for (unsigned long i = 0; i < n; i++) {
		HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
		if (m.status != GNTST_okay)
			return 0;
		u.handle = m.handle;
		HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
	}
	return rdtsc() - t0;
}

int main(const start_info_t *si)
{
	unsigned long n = start_info_arg_ul("n", 2000);
	domid_t self = (domid_t)HYPERVISOR_xen_version(KETCH_XENVER_domid, NULL);
	uint8_t *src = alloc_pages(PAGES), *dst = alloc_pages(PAGES);
	int ref0 = -1;

	(void)si;
	if (!src || !dst || gnttab_init(1))
		return 1;
	memset(src, 0x3c, PAGES * 4096);
	for (int i = 0; i < PAGES; i++) {
		int ref = gnttab_grant_access(self, virt_to_pfn(src) + i, 0);

		if (i == 0)
			ref0 = ref;
		ops[i] = (gnttab_copy_t){ .source = { .u.ref = (grant_ref_t)ref, .domid = self },
			.dest = { .u.gmfn = virt_to_pfn(dst) + i, .domid = DOMID_SELF },
			.len = 4096, .flags = GNTCOPY_source_gref };
	}
	report("grant_copy_4k", time_copies(1, n), n);
	report("grant_copy_64k", time_copies(PAGES, n), n);
	report("memcpy_4k", time_memcpy(dst, src, 4096, n), n);
	report("memcpy_64k", time_memcpy(dst, src, PAGES * 4096, n), n);
	report("map_unmap", time_map_unmap(self, (grant_ref_t)ref0, n), n);
	return dst[4095] == 0x3c ? 0 : 1;
}
