/*
 * domain.c - the domain table and domain lifecycle: create, pause, unpause,
 * shutdown, crash, destroy.  A domain is one KVM VM whose RAM is one memfd;
 * each vCPU is one host thread (vcpu.c).  Domain ids are allocated like
 * Xen's: 0 is the control domain, guests count up from 1 and ids are not
 * reused until the counter wraps.
 */
#include <stdint.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xen/sched.h>

#include "hv.h"
#include "entry/entry.h"
#include "mm/xenpv.h"
#include "ketch/builder.h"

int hv_init(struct hv *hv)
{
	memset(hv, 0, sizeof(*hv));
	pthread_mutex_init(&hv->lock, NULL);
	pthread_cond_init(&hv->reap_cond, NULL);
	hv->next_domid = 1;
	if (timer_start(hv) < 0 || evtchn_dom0_start(hv) < 0)
		return -EAGAIN;
	return hv_kvm_open(hv);
}

static int alloc_domid(struct hv *hv, struct domain *d)
{
	for (unsigned int i = 0; i < HV_MAX_DOMAINS - 1; i++) {
		uint32_t id = hv->next_domid;

		hv->next_domid = id + 1 >= HV_MAX_DOMAINS ? 1 : id + 1;
		if (!hv->domains[id]) {
			hv->domains[id] = d;
			d->domid = id;
			return 0;
		}
	}
	return -ENOSPC;
}

static void domain_free(struct domain *d)
{
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpus[i];

		if (v->run)
			munmap(v->run, v->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	if (d->mem)
		munmap(d->mem, d->mem_bytes);
	if (d->memfd >= 0)
		close(d->memfd);
	if (d->vmfd >= 0)
		close(d->vmfd);
	entry_free(d);
	xenpv_free(d);
	hv_kvm_zap_free(d);
	free(d->image);
	free(d->elf_info);
	evtchn_free(d);
	gnttab_free(d);
	for (unsigned int i = 0; i < HV_MAX_VCPUS; i++) {
		pthread_mutex_destroy(&d->vcpus[i].wait_lock);
		pthread_cond_destroy(&d->vcpus[i].wait_cond);
	}
	pthread_mutex_destroy(&d->lock);
	pthread_mutex_destroy(&d->zap_lock);
	pthread_mutex_destroy(&d->notify_lock);
	mem_share_free(d);
	pthread_cond_destroy(&d->cond);
	free(d);
}

static int check_create(const struct kctl_create *req)
{
	if (req->mem_bytes < HV_MIN_MEM || req->mem_bytes > HV_MAX_MEM ||
	    req->mem_bytes % HV_PAGE_SIZE)
		return -EINVAL;
	if (req->vcpus < 1 || req->vcpus > HV_MAX_VCPUS || req->flags)
		return -EINVAL;
	return 0;
}

static struct domain *domain_alloc(struct hv *hv, const struct kctl_create *req)
{
	struct domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->hv = hv;
	atomic_init(&d->refs, 1);
	d->vmfd = d->memfd = -1;
	d->mem_bytes = req->mem_bytes;
	d->nr_pages = req->mem_bytes / HV_PAGE_SIZE;
	d->nr_vcpus = req->vcpus;
	memcpy(d->handle, req->handle, sizeof(d->handle));
	d->state = KCTL_STATE_PAUSED;
	d->paused = true;
	d->shutdown_reason = -1;
	d->shutdown_code = -1;
	d->hypercall_page_gpa = ~0ULL;
	d->shared_info_gpa = ~0ULL;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->zap_lock, NULL);
	pthread_mutex_init(&d->notify_lock, NULL);
	mem_share_init(d);
	pthread_cond_init(&d->cond, NULL);
	for (unsigned int i = 0; i < HV_MAX_VCPUS; i++) {
		d->vcpus[i].fd = -1;
		d->vcpus[i].d = d;
		d->vcpus[i].id = i;
		d->vcpus[i].vcpu_info_gpa = ~0ULL;
		vcpu_wait_init(&d->vcpus[i]);
	}
	if (evtchn_init(d, 0) < 0 || gnttab_init(d) < 0) {
		evtchn_free(d);
		gnttab_free(d);
		free(d);
		return NULL;
	}
	return d;
}

int domain_create(struct hv *hv, const struct kctl_create *req, uint32_t *domid)
{
	struct domain *d;
	int r = check_create(req);

	if (r)
		return r;
	d = domain_alloc(hv, req);
	if (!d)
		return -ENOMEM;
	r = hv_kvm_create_vm(hv, d);
	if (r == 0)
		r = entry_init(d);
	for (unsigned int i = 0; r == 0 && i < d->nr_vcpus; i++)
		r = hv_kvm_create_vcpu(hv, d, &d->vcpus[i]);
	for (unsigned int i = 0; r == 0 && i < d->nr_vcpus; i++)
		r = vcpu_start(&d->vcpus[i]);
	if (r == 0) {
		pthread_mutex_lock(&hv->lock);
		r = alloc_domid(hv, d);
		pthread_mutex_unlock(&hv->lock);
	}
	if (r) {
		hv_log("domain create failed: %s", strerror(-r));
		pthread_mutex_lock(&d->lock);
		d->dying = true;
		pthread_cond_broadcast(&d->cond);
		pthread_mutex_unlock(&d->lock);
		for (unsigned int i = 0; i < d->nr_vcpus; i++)
			vcpu_join(&d->vcpus[i]);
		domain_free(d);
		return r;
	}
	*domid = d->domid;
	hv_log("d%u: created, %llu MiB, %u vCPU(s)", d->domid,
	       (unsigned long long)(d->mem_bytes >> 20), d->nr_vcpus);
	domain_notify_state(d, KCTL_STATE_PAUSED);
	return 0;
}

struct domain *domain_get(struct hv *hv, uint32_t domid)
{
	struct domain *d = NULL;

	if (domid == 0 || domid >= HV_MAX_DOMAINS)
		return NULL;
	pthread_mutex_lock(&hv->lock);
	d = hv->domains[domid];
	if (d)
		atomic_fetch_add(&d->refs, 1);
	pthread_mutex_unlock(&hv->lock);
	return d;
}

void domain_put(struct domain *d)
{
	if (d && atomic_fetch_sub(&d->refs, 1) == 1)
		domain_free(d);
}

static bool stopped(const struct domain *d)
{
	return d->state == KCTL_STATE_SHUTDOWN || d->state == KCTL_STATE_CRASHED ||
	       d->state == KCTL_STATE_DYING;
}

static void kick_all(struct domain *d)
{
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		vcpu_kick(&d->vcpus[i]);
}

int domain_pause(struct domain *d)
{
	pthread_mutex_lock(&d->notify_lock);
	pthread_mutex_lock(&d->lock);
	if (stopped(d)) {
		pthread_mutex_unlock(&d->lock);
		pthread_mutex_unlock(&d->notify_lock);
		return -ESRCH;
	}
	d->paused = true;
	d->state = KCTL_STATE_PAUSED;
	pthread_mutex_unlock(&d->lock);
	kick_all(d);
	domain_notify_state(d, KCTL_STATE_PAUSED);
	pthread_mutex_unlock(&d->notify_lock);
	return 0;
}

int domain_unpause(struct domain *d)
{
	pthread_mutex_lock(&d->notify_lock);
	pthread_mutex_lock(&d->lock);
	if (stopped(d) || !d->vcpus[0].online) {
		int r = stopped(d) ? -ESRCH : -EINVAL; /* no vCPU 0 context yet */

		pthread_mutex_unlock(&d->lock);
		pthread_mutex_unlock(&d->notify_lock);
		return r;
	}
	d->paused = false;
	d->state = KCTL_STATE_RUNNING;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	domain_notify_state(d, KCTL_STATE_RUNNING);
	pthread_mutex_unlock(&d->notify_lock);
	return 0;
}

/* Stop every vCPU of d; the caller holds d->lock and has set the state. */
static void stop_locked(struct domain *d)
{
	pthread_cond_broadcast(&d->cond);
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i].run)
			d->vcpus[i].run->immediate_exit = 1;
}

void domain_shutdown(struct domain *d, int reason)
{
	pthread_mutex_lock(&d->notify_lock);
	pthread_mutex_lock(&d->lock);
	if (!stopped(d)) {
		d->state = KCTL_STATE_SHUTDOWN;
		d->shutdown_reason = reason;
		stop_locked(d);
	}
	pthread_mutex_unlock(&d->lock);
	kick_all(d);
	hv_log("d%u: shutdown, reason %d, code %d", d->domid, reason,
	       d->shutdown_code);
	domain_notify_state(d, KCTL_STATE_SHUTDOWN);
	pthread_mutex_unlock(&d->notify_lock);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	va_list ap;
	bool first = false;

	pthread_mutex_lock(&d->notify_lock);
	pthread_mutex_lock(&d->lock);
	if (!stopped(d)) {
		first = true;
		d->state = KCTL_STATE_CRASHED;
		d->shutdown_reason = SHUTDOWN_crash;
		va_start(ap, fmt);
		vsnprintf(d->crash_reason, sizeof(d->crash_reason), fmt, ap);
		va_end(ap);
		stop_locked(d);
	}
	pthread_mutex_unlock(&d->lock);
	if (first) {
		kick_all(d);
		hv_log("d%u: crashed: %s", d->domid, d->crash_reason);
		domain_notify_state(d, KCTL_STATE_CRASHED);
	}
	pthread_mutex_unlock(&d->notify_lock);
}

int domain_wait_stopped(struct domain *d, int timeout_ms)
{
	struct timespec ts;
	int r = 0;

	hv_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&d->lock);
	while (!stopped(d) && r == 0)
		r = timeout_ms < 0 ? pthread_cond_wait(&d->cond, &d->lock)
				   : pthread_cond_timedwait(&d->cond, &d->lock, &ts);
	pthread_mutex_unlock(&d->lock);
	return r ? -ETIMEDOUT : 0;
}

/*
 * The slow half of destroy, off the caller's thread: joining the vCPU
 * threads waits for each to leave its current exit, which a guest can
 * stretch (bounded only by hypercall preemption); the control thread must
 * never wait on one domain.  The `dying` event, sent after the last
 * resource the reaper holds is released, is the completion report.
 */
static void reap(struct domain *d)
{
	struct hv *hv = d->hv;
	struct kctl_dominfo info;
	uint32_t domid = d->domid;

	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		vcpu_join(&d->vcpus[i]);
	timer_remove_domain(d);
	evtchn_teardown(d);
	gnttab_teardown(d);
	console_report_dropped(d, true);
	if (atomic_load(&d->refs) > 1)
		physmap_release_unmapped(d); /* others' grant mappings keep d */
	domain_info(d, &info);
	info.state = KCTL_STATE_DYING;
	domain_put(d);
	hv_log("d%u: destroyed", domid);
	if (hv->state_fn)
		hv->state_fn(hv, &info, hv->state_opaque);
}

static void *reaper(void *arg)
{
	struct domain *d = arg;
	struct hv *hv = d->hv;

	reap(d);
	pthread_mutex_lock(&hv->lock);
	hv->reaping--;
	pthread_cond_broadcast(&hv->reap_cond);
	pthread_mutex_unlock(&hv->lock);
	return NULL;
}

/* Hand d to a reaper thread; without one, reap here (still correct, only slower). */
static void start_reaper(struct hv *hv, struct domain *d)
{
	pthread_t t;

	pthread_mutex_lock(&hv->lock);
	hv->reaping++;
	pthread_mutex_unlock(&hv->lock);
	if (hv_thread_create(&t, reaper, d) == 0) {
		pthread_detach(t);
		return;
	}
	hv_log("d%u: no reaper thread; destroying in the caller", d->domid);
	reaper(d);
}

int domain_destroy(struct hv *hv, uint32_t domid)
{
	struct domain *d;

	if (domid == 0 || domid >= HV_MAX_DOMAINS)
		return -ESRCH;
	pthread_mutex_lock(&hv->lock);
	d = hv->domains[domid];
	if (d)
		hv->domains[domid] = NULL;
	pthread_mutex_unlock(&hv->lock);
	if (!d)
		return -ESRCH;
	pthread_mutex_lock(&d->notify_lock);
	pthread_mutex_lock(&d->lock);
	d->dying = true;
	d->state = KCTL_STATE_DYING;
	stop_locked(d);
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_unlock(&d->notify_lock);
	kick_all(d);
	start_reaper(hv, d);
	return 0;
}

void domain_reap_wait(struct hv *hv)
{
	pthread_mutex_lock(&hv->lock);
	while (hv->reaping)
		pthread_cond_wait(&hv->reap_cond, &hv->lock);
	pthread_mutex_unlock(&hv->lock);
}
