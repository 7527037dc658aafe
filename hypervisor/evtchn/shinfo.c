/*
 * shinfo.c - the shared_info page and vcpu_info areas as ketch-hv sees
 * them: where they are, and the Xen 2-level rule for raising an event on a
 * vCPU.  The pages live in guest RAM; the guest changes them concurrently,
 * so every bit ketch-hv touches is touched with atomic operations, exactly
 * as the guest does.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <xen/xen.h>

#include "hv.h"
#include "mm/xenpv.h"

shared_info_t *shinfo(struct domain *d)
{
	if (d->shared_info_gpa == ~0ULL)
		return NULL;
	if (d->shared_info_gpa == KETCH_XENPV_SHINFO_GPA)
		return xenpv_frame(d, KETCH_XENPV_SHINFO_GPA / HV_PAGE_SIZE);
	return gm_gpa(d, d->shared_info_gpa, sizeof(shared_info_t));
}

vcpu_info_t *vcpu_info_of(struct vcpu *v)
{
	shared_info_t *s;

	if (v->vcpu_info_gpa != ~0ULL)
		return gm_gpa(v->d, v->vcpu_info_gpa, sizeof(vcpu_info_t));
	s = shinfo(v->d);
	if (!s || v->id >= XEN_LEGACY_MAX_VCPUS)
		return NULL;
	return &s->vcpu_info[v->id];
}

static bool test_and_set(xen_ulong_t *word, unsigned int bit)
{
	xen_ulong_t m = (xen_ulong_t)1 << bit;

	return __atomic_fetch_or(word, m, __ATOMIC_SEQ_CST) & m;
}

static bool test(const xen_ulong_t *word, unsigned int bit)
{
	return __atomic_load_n(word, __ATOMIC_SEQ_CST) & ((xen_ulong_t)1 << bit);
}

/* Xen's vcpu_mark_events_pending: the 0->1 edge of upcall_pending kicks. */
void vcpu_mark_events_pending(struct vcpu *v)
{
	vcpu_info_t *vi = vcpu_info_of(v);

	if (!vi)
		return;
	if (__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
		return;
	vcpu_event_kick(v);
}

void evtchn_raise(struct domain *d, unsigned int port, unsigned int vcpu)
{
	shared_info_t *s = shinfo(d);
	const unsigned int bits = sizeof(xen_ulong_t) * 8;
	struct vcpu *v;
	vcpu_info_t *vi;

	if (!s || port >= HV_EVTCHN_MAX || vcpu >= d->nr_vcpus)
		return;
	v = &d->vcpus[vcpu];
	if (test_and_set(&s->evtchn_pending[port / bits], port % bits))
		return;
	vcpu_wake_pollers(d);
	vi = vcpu_info_of(v);
	if (vi && !test(&s->evtchn_mask[port / bits], port % bits) &&
	    !test_and_set(&vi->evtchn_pending_sel, port / bits))
		vcpu_mark_events_pending(v);
}

/* EVTCHNOP_unmask: Xen re-raises a pending event when its mask clears. */
void evtchn_unmask_port(struct domain *d, unsigned int port, unsigned int vcpu)
{
	shared_info_t *s = shinfo(d);
	const unsigned int bits = sizeof(xen_ulong_t) * 8;
	xen_ulong_t m = (xen_ulong_t)1 << (port % bits);
	vcpu_info_t *vi;

	if (!s || vcpu >= d->nr_vcpus)
		return;
	if (!(__atomic_fetch_and(&s->evtchn_mask[port / bits], ~m, __ATOMIC_SEQ_CST) & m))
		return;
	vi = vcpu_info_of(&d->vcpus[vcpu]);
	if (vi && test(&s->evtchn_pending[port / bits], port % bits) &&
	    !test_and_set(&vi->evtchn_pending_sel, port / bits))
		vcpu_mark_events_pending(&d->vcpus[vcpu]);
}

bool evtchn_is_pending(struct domain *d, unsigned int port)
{
	shared_info_t *s = shinfo(d);
	const unsigned int bits = sizeof(xen_ulong_t) * 8;

	return s && port < HV_EVTCHN_MAX && test(&s->evtchn_pending[port / bits], port % bits);
}

/* Events need delivery to v: Xen's local_events_need_delivery(). */
bool vcpu_events_pending(struct vcpu *v)
{
	vcpu_info_t *vi = vcpu_info_of(v);

	return vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_SEQ_CST);
}
