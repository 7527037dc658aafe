/*
 * hc_vcpu.c - HYPERVISOR_vcpu_op and set_timer_op: bringing vCPUs up and
 * down, their runstate, where their vcpu_info lives, and their timers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>
#include <xen/vcpu.h>
#include <xen/xen.h>

#include "hv.h"
#include "entry/entry.h"

#define LOWER_HALF_END 0x0000800000000000ULL

/* The rest of Xen's PV context: trap table, syscall callback, kernel stack, user side. */
static void initialise_pv_state(struct vcpu *t, const struct vcpu_guest_context *c)
{
	for (unsigned int i = 0; i < 256; i++)
		t->traps[i] = c->trap_ctxt[i].address < LOWER_HALF_END ? c->trap_ctxt[i] :
									  (struct trap_info){ 0 };
	t->syscall_callback = c->syscall_callback_eip < LOWER_HALF_END ?
				      c->syscall_callback_eip : 0;
	t->syscall_masks = (c->flags & VGCF_syscall_disables_events) != 0;
	t->kernel_ss = c->kernel_ss | 3;
	t->kernel_sp = c->kernel_sp;
	t->gs_shadow = c->gs_base_user < LOWER_HALF_END ? c->gs_base_user : 0;
	t->cr3_user = 0;
	if (entry_active(t->d) && (c->ctrlreg[1] >> 12) < t->d->nr_pages)
		t->cr3_user = c->ctrlreg[1] & ~0xfffULL;
}

/* VCPUOP_initialise: the new vCPU's ring-3 context (Xen's x86-64 layout). */
static long vcpu_initialise(struct vcpu *self, struct vcpu *t, uint64_t va)
{
	struct vcpu_guest_context *c = malloc(sizeof(*c));
	struct kctl_vcpu_context ctx;
	long r;

	if (!c)
		return -XEN_ENOMEM;
	r = gm_copy_from(self, c, va, sizeof(*c)) ? -XEN_EFAULT : 0;
	if (r == 0 && t->initialised)
		r = -XEN_EEXIST;
	if (r == 0) {
		ctx = (struct kctl_vcpu_context){ .rip = c->user_regs.rip,
			.rsp = c->user_regs.rsp, .rflags = c->user_regs.rflags,
			.cr3 = c->ctrlreg[3] & ~0xfffULL, .rax = c->user_regs.rax,
			.rbx = c->user_regs.rbx, .rcx = c->user_regs.rcx,
			.rdx = c->user_regs.rdx, .rsi = c->user_regs.rsi,
			.rdi = c->user_regs.rdi, .rbp = c->user_regs.rbp,
			.r8 = c->user_regs.r8, .r9 = c->user_regs.r9,
			.r10 = c->user_regs.r10, .r11 = c->user_regs.r11,
			.r12 = c->user_regs.r12, .r13 = c->user_regs.r13,
			.r14 = c->user_regs.r14, .r15 = c->user_regs.r15,
			.fs_base = c->fs_base, .gs_base = c->gs_base_kernel };
		r = vcpu_load_context(t, &ctx) ? -XEN_EINVAL : 0;
	}
	if (r == 0) {
		t->event_callback = c->event_callback_eip < LOWER_HALF_END ?
					    c->event_callback_eip : 0;
		t->failsafe_callback = c->failsafe_callback_eip < LOWER_HALF_END ?
					       c->failsafe_callback_eip : 0;
		initialise_pv_state(t, c);
		t->initialised = true;
	}
	free(c);
	return r;
}

/*
 * Xen 4.17's map_vcpu_info rules, all -EINVAL: the area inside the page,
 * its offset aligned for vcpu_info_t (ketch-hv's atomics on
 * evtchn_pending_sel must never straddle a cache line: a split lock),
 * once per vCPU, and only for the caller itself or an offline vCPU.
 */
static long check_vcpu_info(struct vcpu *self, struct vcpu *v,
			    const struct vcpu_register_vcpu_info *ri)
{
	if (ri->offset > HV_PAGE_SIZE - sizeof(vcpu_info_t) || ri->mfn >= v->d->nr_pages)
		return -XEN_EINVAL;
	if (ri->offset & (_Alignof(vcpu_info_t) - 1))
		return -XEN_EINVAL;
	if (v->vcpu_info_gpa != ~0ULL)
		return -XEN_EINVAL;
	if (v != self && __atomic_load_n(&v->online, __ATOMIC_SEQ_CST))
		return -XEN_EINVAL;
	return 0;
}

static long register_vcpu_info(struct vcpu *self, struct vcpu *v, uint64_t va)
{
	struct vcpu_register_vcpu_info ri;
	uint64_t gpa;
	vcpu_info_t *old, *new;
	long r;

	/* The argument is the caller's, read through the caller's tables. */
	if (gm_copy_from(self, &ri, va, sizeof(ri)))
		return -XEN_EFAULT;
	if ((r = check_vcpu_info(self, v, &ri)))
		return r;
	/* ketch-hv's timer and event threads write it: a clone's page is shared first. */
	if (mem_share_from_vcpu(self, ri.mfn))
		return -XEN_EAGAIN;
	gpa = (uint64_t)ri.mfn * HV_PAGE_SIZE + ri.offset;
	old = vcpu_info_of(v);
	new = gm_gpa(v->d, gpa, sizeof(*new));
	if (old)
		memcpy(new, old, sizeof(*new));
	v->vcpu_info_gpa = gpa;
	/* Make the guest rescan everything, as Xen does after a move. */
	__atomic_store_n(&new->evtchn_pending_sel, ~(xen_ulong_t)0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&new->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static long singleshot(struct vcpu *v, uint64_t va)
{
	struct vcpu_set_singleshot_timer st;

	if (gm_copy_from(v, &st, va, sizeof(st)))
		return -XEN_EFAULT;
	if ((st.flags & VCPU_SSHOTTMR_future) && st.timeout_abs_ns < hv_now_ns())
		return -XEN_ETIME;
	time_update_vcpu(v);
	timer_set(v, st.timeout_abs_ns ? st.timeout_abs_ns : 1);
	return 0;
}

static long periodic(struct vcpu *v, uint64_t va)
{
	struct vcpu_set_periodic_timer pt;

	if (gm_copy_from(v, &pt, va, sizeof(pt)))
		return -XEN_EFAULT;
	if (pt.period_ns < 1000000ULL) /* Xen's minimum: 1 ms */
		return -XEN_EINVAL;
	timer_set_periodic(v, pt.period_ns);
	return 0;
}

static long runstate(struct vcpu *self, struct vcpu *t, uint64_t va)
{
	struct vcpu_runstate_info ri;

	vcpu_runstate_info(t, &ri);
	return gm_copy_to(self, va, &ri, sizeof(ri)) ? -XEN_EFAULT : 0;
}

long hc_vcpu_op(struct vcpu *v, const uint64_t a[6])
{
	struct domain *d = v->d;
	struct vcpu *t;

	if (a[1] >= d->nr_vcpus)
		return -XEN_ENOENT;
	t = &d->vcpus[a[1]];
	switch (a[0]) {
	case VCPUOP_initialise:
		return vcpu_initialise(v, t, a[2]);
	case VCPUOP_up:
		return t->initialised ? (vcpu_set_online(t, true), 0) : -XEN_EINVAL;
	case VCPUOP_down:
		vcpu_set_online(t, false);
		return 0;
	case VCPUOP_is_up:
		return t->online;
	case VCPUOP_get_runstate_info:
		return runstate(v, t, a[2]);
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, t, a[2]);
	case VCPUOP_set_singleshot_timer:
		return t == v ? singleshot(v, a[2]) : -XEN_EINVAL;
	case VCPUOP_stop_singleshot_timer:
		if (t != v)
			return -XEN_EINVAL;
		timer_set(v, 0);
		return 0;
	case VCPUOP_set_periodic_timer:
		return periodic(t, a[2]);
	case VCPUOP_stop_periodic_timer:
		timer_set_periodic(t, 0);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

/* set_timer_op(timeout): absolute system time in ns; 0 stops the timer. */
long hc_set_timer_op(struct vcpu *v, const uint64_t a[6])
{
	time_update_vcpu(v);
	timer_set(v, a[0]);
	return 0;
}
