/*
 * save.c - the control-socket calls save and restore make: a stopped
 * domain's vCPU contexts and ports, loading contexts into a new domain,
 * and resuming a suspended one (a cancelled suspend).
 */
#include <errno.h>
#include <string.h>

#include "kctl_private.h"

int kctl_vcpu_get(struct kctl *h, uint32_t domid, uint32_t vcpu,
		  struct kctl_vcpu_state *out)
{
	struct kctl_vcpu_get req = { .domid = domid, .vcpu = vcpu };

	return kctl_call(h, KCTL_OP_VCPU_GET, &req, sizeof(req), out, sizeof(*out), NULL);
}

int kctl_vcpu_restore(struct kctl *h, const struct kctl_vcpu_state *st)
{
	return kctl_call(h, KCTL_OP_VCPU_RESTORE, st, sizeof(*st), NULL, 0, NULL);
}

int kctl_resume(struct kctl *h, uint32_t domid)
{
	struct kctl_domid req = { .domid = domid };

	return kctl_call(h, KCTL_OP_RESUME, &req, sizeof(req), NULL, 0, NULL);
}

int kctl_evtchn_list(struct kctl *h, uint32_t domid, uint32_t first,
		     struct kctl_evtchn_list *out)
{
	struct kctl_evtchn_list_req req = { .domid = domid, .first = first };
	int r = kctl_call(h, KCTL_OP_EVTCHN_LIST, &req, sizeof(req), out, sizeof(*out), NULL);

	if (r == 0 && out->count > KCTL_EVTCHN_LIST_MAX)
		return -EPROTO;
	return r;
}
