/*
 * ctl_vcpu.c - the VCPU_INFO control op: each vCPU of a domain, whether it
 * is online, its runstate and the CPU time of its thread (what `xl
 * vcpu-list` shows).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/vcpu.h>

#include "ctl_internal.h"
#include "hv.h"

_Static_assert(KCTL_MAX_VCPU_RECORDS >= HV_MAX_VCPUS, "VCPU_INFO too small");

/* A vCPU's runstate as a toolstack sees it: a paused domain runs nothing. */
static uint32_t runstate_of(struct vcpu *v, bool paused)
{
	uint32_t rs = __atomic_load_n(&v->runstate, __ATOMIC_RELAXED);

	if (!v->online)
		return RUNSTATE_offline;
	if (paused || rs > RUNSTATE_offline)
		return RUNSTATE_runnable;
	return rs;
}

int ctl_op_vcpu_info(struct ctl_conn *c, const void *req, size_t len,
		     struct ctl_reply *rep)
{
	const struct kctl_domid *in = req;
	struct kctl_vcpu_info *out = rep->buf;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	bool paused;

	(void)len;
	if (!d)
		return -ESRCH;
	memset(out, 0, sizeof(*out));
	out->domid = d->domid;
	out->nr_vcpus = d->nr_vcpus;
	pthread_mutex_lock(&d->lock);
	paused = d->state == KCTL_STATE_PAUSED;
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		out->vcpu[i].vcpu = i;
		out->vcpu[i].online = d->vcpus[i].online;
		out->vcpu[i].runstate = runstate_of(&d->vcpus[i], paused);
	}
	pthread_mutex_unlock(&d->lock);
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		out->vcpu[i].cpu_time_ns = vcpu_cpu_time_ns(&d->vcpus[i]);
	domain_put(d);
	rep->len = sizeof(*out);
	return 0;
}
