/*
 * vcpuinfo: VCPUOP_register_vcpu_info follows Xen's rules (run with
 * --vcpus 3).  The offset must leave the whole vcpu_info inside the page
 * and be aligned for it (8 bytes on x86-64: ketch-hv updates
 * evtchn_pending_sel with atomics, which must never straddle a cache
 * line); only the caller itself or an offline vCPU may be moved; once per
 * vCPU.  Exit code = number of failures.
 */
#include "verdict.h"
#include <xen/vcpu.h>

static volatile int release;

static long reg(unsigned int vcpu, void *page, uint32_t offset)
{
	struct vcpu_register_vcpu_info r = { .mfn = virt_to_pfn(page), .offset = offset };

	return HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, vcpu, &r);
}

static void spin(void *arg)
{
	(void)arg;
	while (!release)
		cpu_relax();
}

int main(const start_info_t *si)
{
	uint8_t *page = alloc_page();
	char name[64];

	(void)si;
	memset(page, 0, PAGE_SIZE);
	for (uint32_t off = 1; off < 8; off++) {
		snprintf(name, sizeof(name), "offset %u (misaligned): -EINVAL", off);
		verdict_rc(name, reg(1, page, off), -XEN_EINVAL);
	}
	verdict_rc("offset 4092 (misaligned, in bounds for nothing): -EINVAL",
		   reg(1, page, 4092), -XEN_EINVAL);
	verdict_rc("offset past the page: -EINVAL",
		   reg(1, page, PAGE_SIZE - sizeof(struct vcpu_info) + 8), -XEN_EINVAL);
	verdict_rc("offset 8, vCPU 1 offline: accepted", reg(1, page, 8), 0);
	verdict_rc("vCPU 1 again: -EINVAL (once only)", reg(1, page, 128), -XEN_EINVAL);
	verdict_rc("vCPU 2 brought up", smp_start_cpu(2, spin, NULL), 0);
	for (uint64_t end = now_ns() + 5 * NSEC_PER_SEC; !smp_cpu(2)->online && now_ns() < end;)
		sched_yield();
	verdict_check(smp_cpu(2)->online, "vCPU 2 online", "not within 5 s");
	verdict_rc("vCPU 2 while it runs: -EINVAL (only self or offline)",
		   reg(2, page, 256), -XEN_EINVAL);
	release = 1;
	return verdict_done("vcpuinfo");
}
