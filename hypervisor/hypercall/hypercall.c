/*
 * hypercall.c - the hypercall table.  Numbers index handlers; a number with
 * no handler is -ENOSYS (Xen errno) and counted per domain, so a guest can
 * probe and an operator can see it.
 */
#include <stdint.h>
#include <xen/errno.h>

#include "hv.h"

static const hcall_fn hcall_table[HV_NR_HYPERCALLS] = {
	[__HYPERVISOR_set_trap_table] = hc_set_trap_table,
	[__HYPERVISOR_mmu_update] = hc_mmu_update,
	[__HYPERVISOR_stack_switch] = hc_stack_switch,
	[__HYPERVISOR_update_va_mapping] = hc_update_va_mapping,
	[__HYPERVISOR_fpu_taskswitch] = hc_fpu_taskswitch,
	[__HYPERVISOR_xen_version] = hc_xen_version,
	[__HYPERVISOR_console_io] = hc_console_io,
	[__HYPERVISOR_mmuext_op] = hc_mmuext_op,
	[__HYPERVISOR_set_segment_base] = hc_set_segment_base,
	[__HYPERVISOR_sched_op] = hc_sched_op,
	[__HYPERVISOR_set_callbacks] = hc_set_callbacks,
	[__HYPERVISOR_set_timer_op] = hc_set_timer_op,
	[__HYPERVISOR_multicall] = hc_multicall,
	[__HYPERVISOR_iret] = hc_iret,
	[__HYPERVISOR_vcpu_op] = hc_vcpu_op,
	[__HYPERVISOR_callback_op] = hc_callback_op,
	[__HYPERVISOR_event_channel_op] = hc_event_channel_op,
	[__HYPERVISOR_grant_table_op] = hc_grant_table_op,
	[__HYPERVISOR_memory_op] = hc_memory_op,
};

long hcall_invoke(struct vcpu *v, uint64_t nr, const uint64_t a[6])
{
	hcall_fn fn = nr < HV_NR_HYPERCALLS ? hcall_table[nr] : NULL;

	if (nr < HV_NR_HYPERCALLS)
		atomic_fetch_add(&v->d->hcalls.calls[nr], 1);
	if (!fn) {
		atomic_fetch_add(&v->d->hcalls.enosys, 1);
		return -XEN_ENOSYS;
	}
	return fn(v, a);
}

/*
 * A preempted call resumes by running its entry again (which reloads eax)
 * with the continuation's arguments: the hypercall page's stub, or the
 * guest's own `syscall` instruction for a call made directly; rsp is
 * untouched, so the stub's `ret` still returns to the guest's call site.
 */
static void resume_at(struct vcpu *v, struct kvm_regs *r, uint64_t restart_rip)
{
	const uint64_t *a = v->cont_args;

	r->rdi = a[0];
	r->rsi = a[1];
	r->rdx = a[2];
	r->r10 = a[3];
	r->r8 = a[4];
	r->r9 = a[5];
	r->rax = v->cont_nr;
	r->rip = restart_rip ? restart_rip : v->d->hypercall_page_va + 32ULL * v->cont_nr;
	v->cont_pending = false;
}

static void dispatch(struct vcpu *v, uint64_t restart_rip)
{
	struct kvm_regs *r = vcpu_regs(v);
	uint64_t nr = r->rax;
	const uint64_t a[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	long ret;

	v->hcall_start_ns = hv_now_ns();
	v->cont_pending = false;
	ret = hcall_invoke(v, nr, a);
	r = vcpu_regs(v);
	if (v->cont_pending)
		resume_at(v, r, restart_rip);
	else
		r->rax = (uint64_t)ret;
	vcpu_regs_dirty(v);
}

void hcall_dispatch(struct vcpu *v)
{
	dispatch(v, 0);
}

void hcall_dispatch_syscall(struct vcpu *v, uint64_t syscall_rip)
{
	dispatch(v, syscall_rip);
}
