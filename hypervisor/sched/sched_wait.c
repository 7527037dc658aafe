/*
 * sched_wait.c - blocking: SCHEDOP_block and SCHEDOP_poll, and how events,
 * timers, pause and destroy wake a vCPU that waits in one of them.  A
 * waiting vCPU sleeps on a condition variable: no host CPU is used.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <xen/errno.h>
#include <xen/sched.h>

#include "hv.h"

#define POLL_MAX_PORTS 128 /* Xen's limit */

uint64_t hv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void vcpu_wait_init(struct vcpu *v)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_mutex_init(&v->wait_lock, NULL);
	pthread_cond_init(&v->wait_cond, &a);
	pthread_condattr_destroy(&a);
}

void vcpu_wake(struct vcpu *v)
{
	pthread_mutex_lock(&v->wait_lock);
	if (v->waiting)
		pthread_cond_broadcast(&v->wait_cond);
	pthread_mutex_unlock(&v->wait_lock);
}

void vcpu_wake_pollers(struct domain *d)
{
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		if (__atomic_load_n(&d->vcpus[i].waiting, __ATOMIC_SEQ_CST))
			vcpu_wake(&d->vcpus[i]);
}

/*
 * An event became pending for v: wake it if it waits, or interrupt its
 * guest code if an upcall can be delivered now.
 */
void vcpu_event_kick(struct vcpu *v)
{
	if (__atomic_load_n(&v->waiting, __ATOMIC_SEQ_CST))
		vcpu_wake(v);
	else if (v->event_callback && vcpu_events_pending(v))
		vcpu_kick(v);
}

static bool must_stop(struct vcpu *v)
{
	struct domain *d = v->d;

	return __atomic_load_n(&d->paused, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&d->dying, __ATOMIC_SEQ_CST) ||
	       d->state == KCTL_STATE_SHUTDOWN || d->state == KCTL_STATE_CRASHED ||
	       !v->online;
}

/* Sleep until done(v, arg), a stop request, or deadline (system ns, 0 = none). */
static void wait_until(struct vcpu *v, uint64_t deadline,
		       bool (*done)(struct vcpu *, void *), void *arg)
{
	/* A blocked vCPU writes nothing: a clone's memory may be shared meanwhile. */
	pthread_rwlock_unlock(&v->d->mem_rw);
	pthread_mutex_lock(&v->wait_lock);
	__atomic_store_n(&v->waiting, true, __ATOMIC_SEQ_CST);
	vcpu_runstate(v, RUNSTATE_blocked);
	while (!done(v, arg) && !must_stop(v)) {
		if (deadline) {
			uint64_t now = hv_now_ns();
			struct timespec ts = { (time_t)(deadline / 1000000000ULL),
					       (long)(deadline % 1000000000ULL) };

			if (now >= deadline)
				break;
			pthread_cond_timedwait(&v->wait_cond, &v->wait_lock, &ts);
		} else {
			pthread_cond_wait(&v->wait_cond, &v->wait_lock);
		}
	}
	__atomic_store_n(&v->waiting, false, __ATOMIC_SEQ_CST);
	vcpu_runstate(v, RUNSTATE_running);
	pthread_mutex_unlock(&v->wait_lock);
	pthread_rwlock_rdlock(&v->d->mem_rw);
}

static bool events_ready(struct vcpu *v, void *arg)
{
	(void)arg;
	return vcpu_events_pending(v);
}

/* SCHEDOP_block: enable delivery, then sleep until an event is pending. */
long sched_block(struct vcpu *v)
{
	vcpu_info_t *vi = vcpu_info_of(v);

	if (!vi)
		return -XEN_EINVAL;
	__atomic_store_n(&vi->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
	wait_until(v, 0, events_ready, NULL);
	return 0;
}

struct poll_set {
	evtchn_port_t ports[POLL_MAX_PORTS];
	unsigned int n;
};

static bool any_pending(struct vcpu *v, void *arg)
{
	struct poll_set *p = arg;

	for (unsigned int i = 0; i < p->n; i++)
		if (evtchn_is_pending(v->d, p->ports[i]))
			return true;
	return false;
}

/* SCHEDOP_poll: wait for one of a set of ports, or the timeout. */
long sched_poll(struct vcpu *v, uint64_t arg_va)
{
	struct sched_poll sp;
	struct poll_set set;

	if (gm_copy_from(v, &sp, arg_va, sizeof(sp)))
		return -XEN_EFAULT;
	if (sp.nr_ports > POLL_MAX_PORTS)
		return -XEN_EINVAL;
	set.n = sp.nr_ports;
	if (gm_copy_from(v, set.ports, (uint64_t)(uintptr_t)sp.ports.p,
			 set.n * sizeof(evtchn_port_t)))
		return -XEN_EFAULT;
	for (unsigned int i = 0; i < set.n; i++)
		if (!evtchn_valid(v->d, set.ports[i]))
			return -XEN_EINVAL;
	wait_until(v, sp.timeout, any_pending, &set);
	return 0;
}
