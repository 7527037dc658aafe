/*
 * evtchn.c - the control domain's event-channel calls: allocate a port in a
 * guest, bind to it (two eventfds), unbind; and placing shared_info.
 */
#include <errno.h>
#include <unistd.h>

#include "kctl_private.h"

int kctl_set_shared_info(struct kctl *h, uint32_t domid, uint64_t gpa)
{
	struct kctl_shared_info req = { .domid = domid, .gpa = gpa };

	return kctl_call(h, KCTL_OP_SET_SHARED_INFO, &req, sizeof(req), NULL, 0, NULL);
}

int kctl_evtchn_alloc_unbound(struct kctl *h, uint32_t domid, uint32_t remote_dom,
			      uint32_t *port)
{
	struct kctl_evtchn_alloc req = { .domid = domid, .remote_dom = remote_dom };
	struct kctl_evtchn_port rep;
	int r = kctl_call(h, KCTL_OP_EVTCHN_ALLOC_UNBOUND, &req, sizeof(req), &rep,
			  sizeof(rep), NULL);

	if (r == 0)
		*port = rep.port;
	return r;
}

int kctl_evtchn_bind(struct kctl *h, uint32_t domid, uint32_t port,
		     int *from_guest, int *to_guest)
{
	struct kctl_evtchn_port req = { .domid = domid, .port = port };
	int in = -1, out = -1;
	int r = kctl_call(h, KCTL_OP_EVTCHN_BIND, &req, sizeof(req), NULL, 0, &in);

	if (r == 0)
		r = kctl_call(h, KCTL_OP_EVTCHN_NOTIFY_FD, &req, sizeof(req), NULL, 0, &out);
	if (r == 0 && (in < 0 || out < 0))
		r = -EPROTO;
	if (r) {
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
		if (in >= 0)
			kctl_evtchn_unbind(h, domid, port);
		return r;
	}
	*from_guest = in;
	*to_guest = out;
	return 0;
}

int kctl_evtchn_unbind(struct kctl *h, uint32_t domid, uint32_t port)
{
	struct kctl_evtchn_port req = { .domid = domid, .port = port };

	return kctl_call(h, KCTL_OP_EVTCHN_UNBIND, &req, sizeof(req), NULL, 0, NULL);
}
