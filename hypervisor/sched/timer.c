/*
 * timer.c - guest timers: every vCPU's single-shot deadline and periodic
 * timer, served by one hypervisor thread sleeping until the earliest
 * deadline.  Expiry raises VIRQ_TIMER on that vCPU, which also wakes it
 * from SCHEDOP_block.  Timers fire even while the vCPU spins in guest code
 * (the event then interrupts it with an upcall).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <xen/xen.h>

#include "hv.h"

#define MAX_FIRE 64

static uint64_t next_of(const struct vcpu *v)
{
	uint64_t a = v->timer_deadline, b = v->timer_period ? v->periodic_next : 0;

	if (!a)
		return b;
	return b && b < a ? b : a;
}

static void list_add(struct hv *hv, struct vcpu *v)
{
	if (v->timer_linked)
		return;
	v->timer_next = hv->timers;
	hv->timers = v;
	v->timer_linked = true;
}

static void list_del(struct hv *hv, struct vcpu *v)
{
	for (struct vcpu **p = &hv->timers; *p; p = &(*p)->timer_next)
		if (*p == v) {
			*p = v->timer_next;
			break;
		}
	v->timer_linked = false;
}

void timer_set(struct vcpu *v, uint64_t deadline)
{
	struct hv *hv = v->d->hv;

	pthread_mutex_lock(&hv->timer_lock);
	v->timer_deadline = deadline;
	if (next_of(v))
		list_add(hv, v);
	pthread_cond_signal(&hv->timer_cond);
	pthread_mutex_unlock(&hv->timer_lock);
}

void timer_set_periodic(struct vcpu *v, uint64_t period)
{
	struct hv *hv = v->d->hv;

	pthread_mutex_lock(&hv->timer_lock);
	v->timer_period = period;
	v->periodic_next = period ? hv_now_ns() + period : 0;
	if (next_of(v))
		list_add(hv, v);
	pthread_cond_signal(&hv->timer_cond);
	pthread_mutex_unlock(&hv->timer_lock);
}

void timer_remove_domain(struct domain *d)
{
	struct hv *hv = d->hv;

	pthread_mutex_lock(&hv->timer_lock);
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		d->vcpus[i].timer_deadline = d->vcpus[i].timer_period = 0;
		if (d->vcpus[i].timer_linked)
			list_del(hv, &d->vcpus[i]);
	}
	pthread_mutex_unlock(&hv->timer_lock);
}

/* Collect expired vCPUs (each with a domain reference); returns how many. */
static int collect(struct hv *hv, uint64_t now, struct vcpu **out, uint64_t *earliest)
{
	int n = 0;

	*earliest = 0;
	for (struct vcpu *v = hv->timers, *next; v; v = next) {
		uint64_t t = next_of(v);

		next = v->timer_next;
		if (t && t <= now && n < MAX_FIRE) {
			if (v->timer_deadline && v->timer_deadline <= now)
				v->timer_deadline = 0;
			if (v->timer_period && v->periodic_next <= now)
				v->periodic_next = now + v->timer_period;
			atomic_fetch_add(&v->d->refs, 1);
			out[n++] = v;
			t = next_of(v);
		}
		if (!t)
			list_del(hv, v);
		else if (!*earliest || t < *earliest)
			*earliest = t;
	}
	return n;
}

static void *timer_thread(void *arg)
{
	struct hv *hv = arg;
	struct vcpu *fire[MAX_FIRE];

	pthread_mutex_lock(&hv->timer_lock);
	while (!hv->timer_stop) {
		uint64_t earliest;
		int n = collect(hv, hv_now_ns(), fire, &earliest);

		pthread_mutex_unlock(&hv->timer_lock);
		for (int i = 0; i < n; i++) {
			evtchn_send_virq(fire[i], VIRQ_TIMER);
			domain_put(fire[i]->d);
		}
		pthread_mutex_lock(&hv->timer_lock);
		if (n)
			continue;
		if (earliest) {
			struct timespec ts = { (time_t)(earliest / 1000000000ULL),
					       (long)(earliest % 1000000000ULL) };

			pthread_cond_timedwait(&hv->timer_cond, &hv->timer_lock, &ts);
		} else {
			pthread_cond_wait(&hv->timer_cond, &hv->timer_lock);
		}
	}
	pthread_mutex_unlock(&hv->timer_lock);
	return NULL;
}

int timer_start(struct hv *hv)
{
	pthread_condattr_t a;
	int r;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_mutex_init(&hv->timer_lock, NULL);
	pthread_cond_init(&hv->timer_cond, &a);
	pthread_condattr_destroy(&a);
	r = hv_thread_create(&hv->timer_thread, timer_thread, hv);
	return -r;
}
