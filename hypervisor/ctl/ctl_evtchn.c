/*
 * ctl_evtchn.c - control ops for a domain's shared_info page and for the
 * control domain's ends of event channels: allocate an unbound port in a
 * guest (as Xen's toolstack does for console and xenstore), bind to it and
 * receive its eventfds, unbind.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>

#include "ctl_internal.h"
#include "hv.h"

int ctl_op_set_shared_info(struct ctl_conn *c, const void *req, size_t len,
			   struct ctl_reply *rep)
{
	const struct kctl_shared_info *in = req;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	int r;

	(void)len;
	(void)rep;
	if (!d)
		return -ESRCH;
	r = domain_set_shared_info(d, in->gpa);
	domain_put(d);
	return r;
}

int ctl_op_evtchn_alloc(struct ctl_conn *c, const void *req, size_t len,
			struct ctl_reply *rep)
{
	const struct kctl_evtchn_alloc *in = req;
	struct kctl_evtchn_port *out = rep->buf;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	int r;

	(void)len;
	if (!d)
		return -ESRCH; /* the remote need not exist yet, as in Xen */
	out->domid = in->domid;
	r = evtchn_alloc_unbound(d, in->remote_dom, &out->port);
	domain_put(d);
	if (r)
		return -ENOSPC; /* the only way a valid domain can fail */
	rep->len = sizeof(*out);
	return 0;
}

/* BIND hands over the guest->dom0 eventfd, NOTIFY_FD the dom0->guest one. */
static int pass_fd(struct ctl_conn *c, const void *req, struct ctl_reply *rep,
		   bool bind)
{
	const struct kctl_evtchn_port *in = req;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	int to = -1, from = -1, r;

	if (!d)
		return -ESRCH;
	r = bind ? evtchn_dom0_bind(d, in->port, &to, &from)
		 : evtchn_dom0_notify_fd(d, in->port, &from);
	domain_put(d);
	if (r)
		return r;
	if (bind) {
		close(from);
		rep->fd = to;
	} else {
		rep->fd = from;
	}
	hv_log("ctl: d%u port %u %s by pid %d", in->domid, in->port,
	       bind ? "bound to the control domain" : "notify fd passed", (int)c->pid);
	return 0;
}

int ctl_op_evtchn_bind(struct ctl_conn *c, const void *req, size_t len,
		       struct ctl_reply *rep)
{
	(void)len;
	return pass_fd(c, req, rep, true);
}

int ctl_op_evtchn_notify_fd(struct ctl_conn *c, const void *req, size_t len,
			    struct ctl_reply *rep)
{
	(void)len;
	return pass_fd(c, req, rep, false);
}

int ctl_op_evtchn_unbind(struct ctl_conn *c, const void *req, size_t len,
			 struct ctl_reply *rep)
{
	const struct kctl_evtchn_port *in = req;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	int r;

	(void)len;
	(void)rep;
	if (!d)
		return -ESRCH;
	r = evtchn_dom0_unbind(d, in->port);
	domain_put(d);
	return r;
}
