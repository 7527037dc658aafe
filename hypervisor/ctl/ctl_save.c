/*
 * ctl_save.c - the control ops save and restore use: VCPU_GET (a stopped
 * domain's vCPU context), VCPU_RESTORE (loading one into a paused
 * domain), RESUME (a suspended domain goes on: a cancelled suspend) and
 * EVTCHN_LIST.  Memory needs no op of its own: MAP_MEMORY's memfd reads
 * and writes it.  Each request starts with its domain id.
 */
#include <errno.h>
#include <stdint.h>

#include "ctl_internal.h"
#include "hv.h"

/* What each op does with its domain: 0 or a negative errno. */
static int vcpu_get(struct domain *d, const void *req, void *out)
{
	return domain_vcpu_get(d, ((const struct kctl_vcpu_get *)req)->vcpu, out);
}

static int vcpu_restore(struct domain *d, const void *req, void *out)
{
	(void)out;
	return domain_vcpu_restore(d, req);
}

static int resume(struct domain *d, const void *req, void *out)
{
	(void)req;
	(void)out;
	return domain_resume(d);
}

static int list_ports(struct domain *d, const void *req, void *out)
{
	return evtchn_list(d, ((const struct kctl_evtchn_list_req *)req)->first, out);
}

/* Run fn on the request's domain; on success reply with out_len bytes. */
static int on_domain(struct ctl_conn *c, const void *req, struct ctl_reply *rep,
		     int (*fn)(struct domain *, const void *, void *), uint32_t out_len)
{
	struct domain *d = domain_get(c->srv->hv, *(const uint32_t *)req);
	int r;

	if (!d)
		return -ESRCH;
	r = fn(d, req, rep->buf);
	domain_put(d);
	if (r == 0)
		rep->len = out_len;
	return r;
}

int ctl_op_vcpu_get(struct ctl_conn *c, const void *req, size_t len,
		    struct ctl_reply *rep)
{
	(void)len;
	return on_domain(c, req, rep, vcpu_get, sizeof(struct kctl_vcpu_state));
}

int ctl_op_vcpu_restore(struct ctl_conn *c, const void *req, size_t len,
			struct ctl_reply *rep)
{
	(void)len;
	return on_domain(c, req, rep, vcpu_restore, 0);
}

int ctl_op_resume(struct ctl_conn *c, const void *req, size_t len, struct ctl_reply *rep)
{
	int r;

	(void)len;
	r = on_domain(c, req, rep, resume, 0);
	if (r == 0)
		hv_log("ctl: d%u resumed by pid %d", *(const uint32_t *)req, (int)c->pid);
	return r;
}

int ctl_op_evtchn_list(struct ctl_conn *c, const void *req, size_t len,
		       struct ctl_reply *rep)
{
	(void)len;
	return on_domain(c, req, rep, list_ports, sizeof(struct kctl_evtchn_list));
}
