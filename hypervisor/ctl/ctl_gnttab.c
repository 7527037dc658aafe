/*
 * ctl_gnttab.c - the control ops that tell a control-domain grant library
 * where a domain's grant-table frames are, so it can read and pin entries
 * through the domain's memfd exactly as ketch-hv does, and that hand it
 * the memfd of the frames a classic Xen PV domain's table lives in when
 * they are outside its RAM.
 */
#include <errno.h>
#include <stdint.h>

#include "ctl_internal.h"
#include "hv.h"
#include "mm/xenpv.h"

int ctl_op_gnttab_info(struct ctl_conn *c, const void *req, size_t len,
		       struct ctl_reply *rep)
{
	const struct kctl_domid *in = req;
	struct kctl_gnttab_info *out = rep->buf;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	int r;

	(void)len;
	if (!d)
		return -ESRCH;
	r = gnttab_info(d, out);
	domain_put(d);
	if (r)
		return r;
	rep->len = sizeof(*out);
	return 0;
}

int ctl_op_gnttab_frames(struct ctl_conn *c, const void *req, size_t len,
			 struct ctl_reply *rep)
{
	const struct kctl_domid *in = req;
	struct kctl_gnttab_frames *out = rep->buf;
	struct domain *d = domain_get(c->srv->hv, in->domid);
	int fd;

	(void)len;
	if (!d)
		return -ESRCH;
	*out = (struct kctl_gnttab_frames){ .domid = in->domid };
	fd = xenpv_frames_fd(d, &out->first_gpfn, &out->nr_frames);
	domain_put(d);
	if (fd < 0)
		return fd;
	rep->fd = fd;
	rep->len = sizeof(*out);
	return 0;
}
