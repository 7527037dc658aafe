/*
 * ctl_save.c - the control ops save and restore use: VCPU_GET (a stopped
 * domain's vCPU context), VCPU_RESTORE (loading one into a paused
 * domain), RESUME (a suspended domain goes on: a cancelled suspend) and
 * EVTCHN_LIST.  Memory needs no op of its own: MAP_MEMORY's memfd reads
 * and writes it.
 */
#include <errno.h>
#include <stdint.h>

#include "ctl_internal.h"
#include "hv.h"

int ctl_op_vcpu_get(struct ctl_conn *c, const void *req, size_t len,
		    struct ctl_reply *rep)
{
	const struct kctl_vcpu_get *in = req;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	int r;

	(void)len;
	if (!d)
		return -ESRCH;
	r = domain_vcpu_get(d, in->vcpu, rep->buf);
	domain_put(d);
	if (r == 0)
		rep->len = sizeof(struct kctl_vcpu_state);
	return r;
}

int ctl_op_vcpu_restore(struct ctl_conn *c, const void *req, size_t len,
			struct ctl_reply *rep)
{
	const struct kctl_vcpu_state *in = req;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	int r;

	(void)len;
	(void)rep;
	if (!d)
		return -ESRCH;
	r = domain_vcpu_restore(d, in);
	domain_put(d);
	return r;
}

int ctl_op_resume(struct ctl_conn *c, const void *req, size_t len, struct ctl_reply *rep)
{
	const struct kctl_domid *in = req;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	int r;

	(void)len;
	(void)rep;
	if (!d)
		return -ESRCH;
	r = domain_resume(d);
	if (r == 0)
		hv_log("ctl: d%u resumed by pid %d", in->domid, (int)c->pid);
	domain_put(d);
	return r;
}

int ctl_op_evtchn_list(struct ctl_conn *c, const void *req, size_t len,
		       struct ctl_reply *rep)
{
	const struct kctl_evtchn_list_req *in = req;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	int r;

	(void)len;
	if (!d)
		return -ESRCH;
	r = evtchn_list(d, in->first, rep->buf);
	domain_put(d);
	if (r == 0)
		rep->len = sizeof(struct kctl_evtchn_list);
	return r;
}
