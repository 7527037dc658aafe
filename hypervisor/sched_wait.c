/*
 * sched_wait.c - blocking: SCHEDOP_block and SCHEDOP_poll, and how events,
 * timers, pause and destroy wake a vCPU that waits in one of them.  A
 * waiting vCPU sleeps in ppoll() on two descriptors, so no host CPU is
 * used: its own wake eventfd, which every other waker writes, and its
 * domain's set of control-domain eventfds (evtchn_dom0_poll.c), so that a
 * backend's notification wakes this thread directly, with no hand-off.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <xen/errno.h>
#include <xen/sched.h>

#include "hv.h"

#define POLL_MAX_PORTS 128 /* Xen's limit */

/* The vCPU this thread is, while it waits (it never needs waking itself). */
static _Thread_local struct vcpu *wait_self;

uint64_t hv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int vcpu_wait_init(struct vcpu *v)
{
	v->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return v->wake_fd < 0 ? -errno : 0;
}

void vcpu_wait_free(struct vcpu *v)
{
	if (v->wake_fd >= 0)
		close(v->wake_fd);
	v->wake_fd = -1;
}

/*
 * No lock: the waiter sets `waiting` before its last look at what it waits
 * for, a waker changes that state before it reads `waiting`, so one of
 * the two sees the other; and the eventfd keeps a wake written just
 * before the waiter sleeps.  A stale one costs one extra look.
 */
void vcpu_wake(struct vcpu *v)
{
	uint64_t one = 1;
	ssize_t n;

	if (!__atomic_load_n(&v->waiting, __ATOMIC_SEQ_CST) || v == wait_self ||
	    v->wake_fd < 0)
		return;
	n = write(v->wake_fd, &one, sizeof(one));
	(void)n; /* only a saturated counter fails: v is awake anyway */
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

/*
 * One sleep, until a wake, a control-domain notification (raised here) or
 * the deadline (system ns, 0 = none).  False once the deadline has passed.
 * A kick's signal ends the sleep too (EINTR): the caller looks again.
 */
static bool sleep_once(struct vcpu *v, struct pollfd p[2], uint64_t deadline)
{
	struct timespec ts, *tp = NULL;
	uint64_t n;
	ssize_t r;

	if (deadline) {
		uint64_t now = hv_now_ns();

		if (now >= deadline)
			return false;
		ts.tv_sec = (time_t)((deadline - now) / 1000000000ULL);
		ts.tv_nsec = (long)((deadline - now) % 1000000000ULL);
		tp = &ts;
	}
	if (ppoll(p, 2, tp, NULL) <= 0)
		return true;
	if (p[0].revents & POLLIN) {
		r = read(v->wake_fd, &n, sizeof(n));
		(void)r; /* empty: nothing to take */
	}
	if (p[1].revents & POLLIN)
		evtchn_dom0_drain(v->d);
	return true;
}

/* Sleep until done(v, arg), a stop request, or deadline (system ns, 0 = none). */
static void wait_until(struct vcpu *v, uint64_t deadline,
		       bool (*done)(struct vcpu *, void *), void *arg)
{
	struct pollfd p[2] = {
		{ .fd = v->wake_fd, .events = POLLIN },
		{ .fd = v->d->dom0_epfd, .events = POLLIN },
	};

	wait_self = v;
	vcpu_runstate(v, RUNSTATE_blocked);
	evtchn_dom0_sleeping(v->d, true);
	__atomic_store_n(&v->waiting, true, __ATOMIC_SEQ_CST);
	while (!done(v, arg) && !must_stop(v))
		if (!sleep_once(v, p, deadline))
			break;
	__atomic_store_n(&v->waiting, false, __ATOMIC_SEQ_CST);
	evtchn_dom0_sleeping(v->d, false);
	vcpu_runstate(v, RUNSTATE_running);
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
