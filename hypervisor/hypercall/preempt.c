/*
 * preempt.c - hypercall continuations.  A guest chooses the counts in its
 * batch hypercalls, so without preemption one call can keep its vCPU
 * thread busy for hours, deaf to pause and destroy.  Long loops ask
 * hc_preempt_check between units of work; when it answers yes they record
 * how to go on (hc_continue) and return.  hcall_dispatch then points the
 * vCPU back at the hypercall's stub with the new arguments, so the vCPU
 * loop runs (pause, destroy, upcalls) before the call resumes, exactly
 * where Xen resumes a preempted call.
 */
#include <stdint.h>
#include <string.h>

#include "hv.h"

bool hc_preempt_check(struct vcpu *v)
{
	return vcpu_stopping(v) || hv_now_ns() - v->hcall_start_ns > HV_HCALL_SLICE_NS;
}

long hc_continue(struct vcpu *v, unsigned int nr, const uint64_t a[6])
{
	v->cont_pending = true;
	v->cont_nr = nr;
	memcpy(v->cont_args, a, sizeof(v->cont_args));
	return 0;
}

bool hc_take_continuation(struct vcpu *v, uint64_t a[6])
{
	if (!v->cont_pending)
		return false;
	v->cont_pending = false;
	memcpy(a, v->cont_args, sizeof(v->cont_args));
	return true;
}
