/*
 * ctl_gnttab.c - the control op that tells a control-domain grant library
 * where a domain's grant-table frames are, so it can read and pin entries
 * through the domain's memfd exactly as ketch-hv does.
 */
#include <errno.h>
#include <stdint.h>

#include "ctl_internal.h"
#include "hv.h"

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
