/*
 * multicall.c - HYPERVISOR_multicall: a batch of hypercalls in one exit,
 * each entry's result written back to it.  Nested multicalls and iret are
 * refused per entry; a batch stops at the first entry that cannot be read.
 */
#include <stddef.h>
#include <stdint.h>
#include <xen/errno.h>
#include <xen/xen.h>

#include "hv.h"

#define MULTICALL_MAX 1024

long hc_multicall(struct vcpu *v, const uint64_t a[6])
{
	uint64_t list = a[0], n = a[1];

	if (n > MULTICALL_MAX)
		return -XEN_EINVAL;
	for (uint64_t i = 0; i < n; i++) {
		multicall_entry_t e;
		uint64_t va = list + i * sizeof(e);

		if (gm_copy_from(v, &e, va, sizeof(e)))
			return -XEN_EFAULT;
		if (e.op == __HYPERVISOR_multicall || e.op == __HYPERVISOR_iret)
			e.result = (xen_ulong_t)(long)-XEN_EINVAL;
		else
			e.result = (xen_ulong_t)hcall_invoke(v, e.op, (const uint64_t *)e.args);
		if (gm_copy_to(v, va + offsetof(multicall_entry_t, result), &e.result,
			       sizeof(e.result)))
			return -XEN_EFAULT;
		if (vcpu_stopping(v))
			break; /* e.g. a shutdown inside the batch */
	}
	return 0;
}
