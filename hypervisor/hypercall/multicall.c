/*
 * multicall.c - HYPERVISOR_multicall: a batch of hypercalls in one exit,
 * each entry's result written back to it.  Nested multicalls and iret are
 * refused per entry; a batch stops at the first entry that cannot be read.
 * Like Xen, the batch is preempted between entries, and an entry that was
 * itself preempted gets its continuation arguments written back into the
 * entry, so the multicall resumes at that entry.
 */
#include <stddef.h>
#include <stdint.h>
#include <xen/errno.h>
#include <xen/xen.h>

#include "hv.h"

#define MULTICALL_MAX 1024

static long continue_list(struct vcpu *v, uint64_t va, uint64_t left)
{
	const uint64_t a[6] = { va, left };

	return hc_continue(v, __HYPERVISOR_multicall, a);
}

/* Entry e at va was preempted: store its new arguments there; 0 or -EFAULT. */
static long save_entry_continuation(struct vcpu *v, multicall_entry_t *e, uint64_t va)
{
	uint64_t args[6];

	hc_take_continuation(v, args);
	for (unsigned int i = 0; i < 6; i++)
		e->args[i] = (xen_ulong_t)args[i];
	return gm_copy_to(v, va + offsetof(multicall_entry_t, args), e->args,
			  sizeof(e->args)) ? -XEN_EFAULT : 0;
}

long hc_multicall(struct vcpu *v, const uint64_t a[6])
{
	uint64_t list = a[0], n = a[1];

	if (n > MULTICALL_MAX)
		return -XEN_EINVAL;
	for (uint64_t i = 0; i < n; i++) {
		multicall_entry_t e;
		uint64_t va = list + i * sizeof(e);

		/* Also how a shutdown or pause inside the batch stops it. */
		if (i && hc_preempt_check(v))
			return continue_list(v, va, n - i);
		if (gm_copy_from(v, &e, va, sizeof(e)))
			return -XEN_EFAULT;
		if (e.op == __HYPERVISOR_multicall || e.op == __HYPERVISOR_iret)
			e.result = (xen_ulong_t)(long)-XEN_EINVAL;
		else
			e.result = (xen_ulong_t)hcall_invoke(v, e.op, (const uint64_t *)e.args);
		if (v->cont_pending) {
			if (save_entry_continuation(v, &e, va))
				return -XEN_EFAULT;
			return continue_list(v, va, n - i);
		}
		if (gm_copy_to(v, va + offsetof(multicall_entry_t, result), &e.result,
			       sizeof(e.result)))
			return -XEN_EFAULT;
	}
	return 0;
}
