/*
 * domain_ops.c - what the control plane asks of an existing domain: its
 * info, its initial vCPU context, its hypercall page, its console sink and
 * the image kept for crash reports.
 */
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv.h"
#include "mm/xenpv.h"
#include "ketch/builder.h"

#define LOWER_HALF_END 0x0000800000000000ULL

static bool all_blocked(struct domain *d)
{
	unsigned int online = 0;

	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		if (!d->vcpus[i].online)
			continue;
		online++;
		if (!__atomic_load_n(&d->vcpus[i].waiting, __ATOMIC_SEQ_CST))
			return false;
	}
	return online > 0;
}

void domain_info(struct domain *d, struct kctl_dominfo *out)
{
	memset(out, 0, sizeof(*out));
	out->domid = d->domid;
	out->mem_bytes = d->mem_bytes;
	out->vcpus = d->nr_vcpus;
	memcpy(out->handle, d->handle, sizeof(out->handle));
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		out->cpu_time_ns += vcpu_cpu_time_ns(&d->vcpus[i]);
	for (unsigned int i = 0; i < HV_NR_HYPERCALLS; i++)
		out->hypercalls += atomic_load(&d->hcalls.calls[i]);
	out->hypercalls_enosys = atomic_load(&d->hcalls.enosys);
	pthread_mutex_lock(&d->lock);
	out->state = d->state;
	if (d->state == KCTL_STATE_RUNNING && all_blocked(d))
		out->state = KCTL_STATE_BLOCKED;
	out->shutdown_reason = d->shutdown_reason;
	out->shutdown_code = d->shutdown_code;
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		out->vcpus_online += d->vcpus[i].online;
	snprintf(out->crash_reason, sizeof(out->crash_reason), "%.*s",
		 (int)sizeof(out->crash_reason) - 1, d->crash_reason);
	pthread_mutex_unlock(&d->lock);
}

int domain_list(struct hv *hv, uint32_t *ids, int max)
{
	int n = 0;

	pthread_mutex_lock(&hv->lock);
	for (uint32_t i = 1; i < HV_MAX_DOMAINS && n < max; i++)
		if (hv->domains[i])
			ids[n++] = i;
	pthread_mutex_unlock(&hv->lock);
	return n;
}

/*
 * Report the transition just made: the state is passed in rather than read
 * back, so a guest that powers off at once still shows "running" first.
 */
void domain_notify_state(struct domain *d, enum kctl_state state)
{
	struct kctl_dominfo info;
	struct hv *hv = d->hv;

	if (!hv->state_fn)
		return;
	domain_info(d, &info);
	info.state = state;
	hv->state_fn(hv, &info, hv->state_opaque);
}

static int check_context(struct domain *d, const struct kctl_vcpu_context *c)
{
	if (c->cr3 % HV_PAGE_SIZE || c->cr3 >= d->mem_bytes)
		return -EINVAL;
	if (c->rip >= LOWER_HALF_END || c->rsp >= LOWER_HALF_END ||
	    c->fs_base >= LOWER_HALF_END || c->gs_base >= LOWER_HALF_END)
		return -EINVAL;
	return 0;
}

int domain_set_vcpu_context(struct domain *d, unsigned int vcpu,
			    const struct kctl_vcpu_context *ctx)
{
	int r;

	if (vcpu >= d->nr_vcpus)
		return -EINVAL;
	r = check_context(d, ctx);
	if (r)
		return r;
	pthread_mutex_lock(&d->lock);
	if (!d->paused || d->state != KCTL_STATE_PAUSED)
		r = -EBUSY; /* only a paused domain's vCPUs hold still */
	else
		r = vcpu_load_context(&d->vcpus[vcpu], ctx);
	if (r == 0)
		d->vcpus[vcpu].online = d->vcpus[vcpu].initialised = true;
	pthread_mutex_unlock(&d->lock);
	return r;
}

int domain_hypercall_init(struct domain *d, uint64_t gpa, uint64_t va)
{
	uint8_t *page = gm_gpa(d, gpa, HV_PAGE_SIZE);

	if (!page || gpa % HV_PAGE_SIZE || va % HV_PAGE_SIZE ||
	    va >= LOWER_HALF_END)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	if (d->state != KCTL_STATE_PAUSED) {
		pthread_mutex_unlock(&d->lock);
		return -EBUSY;
	}
	hcpage_fill(page);
	d->hypercall_page_gpa = gpa;
	d->hypercall_page_va = va;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

void domain_set_console(struct domain *d, hv_console_fn fn, void *opaque)
{
	pthread_mutex_lock(&d->lock);
	d->console_fn = fn;
	d->console_opaque = opaque;
	pthread_mutex_unlock(&d->lock);
}

int domain_attach_image(struct domain *d, const void *img, size_t len)
{
	struct kb_elf_info *info = malloc(sizeof(*info));
	void *copy = malloc(len ? len : 1);

	if (!info || !copy || kb_elf_parse(img, len, info, NULL) < 0) {
		free(info);
		free(copy);
		return -EINVAL;
	}
	memcpy(copy, img, len);
	pthread_mutex_lock(&d->lock);
	free(d->image);
	free(d->elf_info);
	d->image = copy;
	d->image_len = len;
	d->elf_info = info;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int domain_set_shared_info(struct domain *d, uint64_t gpa)
{
	int r;

	if (gpa == KETCH_XENPV_SHINFO_GPA) {
		r = xenpv_enable(d); /* a classic PV guest's, outside its RAM */
		if (r)
			return r;
	} else if (gpa % HV_PAGE_SIZE || !gm_gpa(d, gpa, HV_PAGE_SIZE)) {
		return -EINVAL;
	}
	pthread_mutex_lock(&d->lock);
	d->shared_info_gpa = gpa;
	pthread_mutex_unlock(&d->lock);
	time_init_domain(d);
	/* As Xen: upcalls start masked until the guest is ready for them. */
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		vcpu_info_t *vi = vcpu_info_of(&d->vcpus[i]);

		if (vi)
			__atomic_store_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
	}
	return 0;
}
