/*
 * domain_suspend.c - what save and restore need of ketch-hv: a stopped
 * domain's vCPU contexts (as the guest will see them once its suspend
 * hypercall has returned), loading them with the callbacks into a new
 * domain, resuming a suspended domain in place (a cancelled suspend,
 * SCHEDOP_shutdown returning 1 as in Xen's xc_domain_resume) and the list
 * of its event channels.
 *
 * These run on the control thread, the only one that destroys domains,
 * so a domain found alive here cannot start being reaped meanwhile;
 * joining its vCPU threads (they end promptly once it has stopped) is
 * therefore safe, and leaves nothing for the reaper's own join to do.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <xen/sched.h>

#include "hv.h"

#define LOWER_HALF_END 0x0000800000000000ULL

static bool stopped(const struct domain *d)
{
	return d->state == KCTL_STATE_SHUTDOWN || d->state == KCTL_STATE_CRASHED;
}

/* Wait for every vCPU thread of a stopped domain to end. */
static int join_stopped(struct domain *d)
{
	bool ok;

	pthread_mutex_lock(&d->lock);
	ok = stopped(d) && !d->dying;
	pthread_mutex_unlock(&d->lock);
	if (!ok)
		return -EBUSY;
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		vcpu_join(&d->vcpus[i]);
	return 0;
}

int domain_vcpu_get(struct domain *d, unsigned int id, struct kctl_vcpu_state *out)
{
	struct vcpu *v = &d->vcpus[id];
	struct kvm_sregs s;
	struct kvm_regs *r;
	int rc;

	if (id >= d->nr_vcpus)
		return -EINVAL;
	rc = join_stopped(d);
	if (rc)
		return rc;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	r = vcpu_regs(v);
	memset(out, 0, sizeof(*out));
	*out = (struct kctl_vcpu_state){ .domid = d->domid, .vcpu = id, .online = v->online,
		.ctx = { .rip = hcall_resume_rip(v, r), .rsp = r->rsp, .rflags = r->rflags,
			 .cr3 = v->cr3, .rax = r->rax, .rbx = r->rbx, .rcx = r->rcx,
			 .rdx = r->rdx, .rsi = r->rsi, .rdi = r->rdi, .rbp = r->rbp,
			 .r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11,
			 .r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
			 .fs_base = s.fs.base, .gs_base = s.gs.base },
		.event_callback = v->event_callback, .failsafe_callback = v->failsafe_callback };
	return 0;
}

int domain_vcpu_restore(struct domain *d, const struct kctl_vcpu_state *in)
{
	int r;

	if (in->vcpu >= d->nr_vcpus || in->online > 1 || in->pad ||
	    in->event_callback >= LOWER_HALF_END || in->failsafe_callback >= LOWER_HALF_END)
		return -EINVAL;
	if (!in->online)
		return 0; /* as created: down until the guest brings it up */
	r = domain_set_vcpu_context(d, in->vcpu, &in->ctx);
	if (r)
		return r;
	pthread_mutex_lock(&d->lock);
	d->vcpus[in->vcpu].event_callback = in->event_callback;
	d->vcpus[in->vcpu].failsafe_callback = in->failsafe_callback;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int domain_resume(struct domain *d)
{
	struct kvm_regs *r;
	int rc;

	pthread_mutex_lock(&d->lock);
	rc = d->state == KCTL_STATE_SHUTDOWN && d->shutdown_reason == SHUTDOWN_suspend ? 0 : -EINVAL;
	pthread_mutex_unlock(&d->lock);
	if (rc || (rc = join_stopped(d)))
		return rc;
	/* Xen's convention: the suspend was made on vCPU 0, which sees 1. */
	r = vcpu_regs(&d->vcpus[0]);
	r->rax = 1;
	vcpu_regs_dirty(&d->vcpus[0]);
	pthread_mutex_lock(&d->notify_lock);
	pthread_mutex_lock(&d->lock);
	d->state = KCTL_STATE_PAUSED;
	d->paused = true;
	d->shutdown_reason = -1;
	pthread_mutex_unlock(&d->lock);
	for (unsigned int i = 0; rc == 0 && i < d->nr_vcpus; i++) {
		d->vcpus[i].cpu_time_final = 0;
		rc = vcpu_start(&d->vcpus[i]);
	}
	if (rc == 0)
		domain_notify_state(d, KCTL_STATE_PAUSED);
	pthread_mutex_unlock(&d->notify_lock);
	if (rc) {
		domain_crash(d, "resume: cannot start its vCPU threads: %s", strerror(-rc));
		return rc;
	}
	hv_log("d%u: suspend cancelled, resumed paused", d->domid);
	return 0;
}

int evtchn_list(struct domain *d, uint32_t first, struct kctl_evtchn_list *out)
{
	memset(out, 0, sizeof(*out));
	out->domid = d->domid;
	pthread_mutex_lock(&d->evtchn_lock);
	for (uint32_t p = first ? first : 1; p < d->evtchn_limit; p++) {
		const struct evtchn *e = &d->evtchn[p];

		if (e->state < ECS_UNBOUND)
			continue;
		if (out->count == KCTL_EVTCHN_LIST_MAX) {
			out->next = p;
			break;
		}
		out->port[out->count++] = (struct kctl_evtchn_entry){ .port = p,
			.state = e->state, .vcpu = e->notify_vcpu, .remote_dom = e->remote_dom,
			.remote_port = e->state == ECS_VIRQ ? e->virq : e->remote_port };
	}
	pthread_mutex_unlock(&d->evtchn_lock);
	return 0;
}
