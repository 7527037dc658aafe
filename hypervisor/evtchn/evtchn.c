/*
 * evtchn.c - event-channel ports of a domain (Xen's 2-level ABI): the port
 * table, allocation, binding, closing and sending.  Every operation takes
 * the domain's evtchn_lock; one that touches two domains takes both locks
 * in domid order.  Domain 0 is the control domain: its end of a channel is
 * a pair of eventfds held by a control-domain process (evtchn_dom0.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <xen/errno.h>
#include <xen/event_channel.h>

#include "hv.h"

int evtchn_init(struct domain *d, unsigned int limit)
{
	d->evtchn_limit = limit ? limit : HV_EVTCHN_DEFAULT_LIMIT;
	if (d->evtchn_limit > HV_EVTCHN_MAX)
		return -EINVAL;
	d->evtchn = calloc(d->evtchn_limit, sizeof(*d->evtchn));
	if (!d->evtchn)
		return -ENOMEM;
	for (unsigned int i = 0; i < d->evtchn_limit; i++)
		d->evtchn[i].to_dom0_fd = d->evtchn[i].from_dom0_fd = -1;
	d->evtchn[0].state = ECS_RESERVED;
	for (unsigned int i = 0; i < NR_VIRQS; i++)
		d->global_virq_port[i] = 0;
	pthread_mutex_init(&d->evtchn_lock, NULL);
	return 0;
}

bool evtchn_valid(struct domain *d, uint32_t port)
{
	return port < d->evtchn_limit;
}

/* Lowest free port, or -XEN_ENOSPC.  Caller holds d->evtchn_lock. */
int evtchn_alloc_port(struct domain *d)
{
	for (unsigned int p = 1; p < d->evtchn_limit; p++)
		if (d->evtchn[p].state == ECS_FREE)
			return (int)p;
	return -XEN_ENOSPC;
}

/* Two domains' locks in a fixed order (or one, for loopback). */
void evtchn_lock2(struct domain *a, struct domain *b)
{
	if (a == b) {
		pthread_mutex_lock(&a->evtchn_lock);
	} else if (a->domid < b->domid) {
		pthread_mutex_lock(&a->evtchn_lock);
		pthread_mutex_lock(&b->evtchn_lock);
	} else {
		pthread_mutex_lock(&b->evtchn_lock);
		pthread_mutex_lock(&a->evtchn_lock);
	}
}

void evtchn_unlock2(struct domain *a, struct domain *b)
{
	pthread_mutex_unlock(&a->evtchn_lock);
	if (a != b)
		pthread_mutex_unlock(&b->evtchn_lock);
}

static void free_port(struct domain *d, unsigned int port)
{
	struct evtchn *c = &d->evtchn[port];

	if (c->to_dom0_fd >= 0 || c->from_dom0_fd >= 0)
		evtchn_dom0_release(d, port);
	*c = (struct evtchn){ .state = ECS_FREE, .to_dom0_fd = -1, .from_dom0_fd = -1 };
}

/* Put the far end of a closed interdomain channel back to unbound (Xen). */
static void unlink_peer(struct domain *r, uint32_t rport, uint32_t dom, uint32_t port)
{
	if (evtchn_valid(r, rport) && r->evtchn[rport].state == ECS_INTERDOMAIN &&
	    r->evtchn[rport].remote_dom == dom && r->evtchn[rport].remote_port == port) {
		r->evtchn[rport].state = ECS_UNBOUND;
		r->evtchn[rport].remote_dom = dom;
	}
}

static void clear_virq(struct domain *d, const struct evtchn *c, unsigned int port)
{
	if (c->virq >= NR_VIRQS)
		return;
	if (d->global_virq_port[c->virq] == (int)port)
		d->global_virq_port[c->virq] = 0;
	if (d->vcpus[c->notify_vcpu].virq_port[c->virq] == (int)port)
		d->vcpus[c->notify_vcpu].virq_port[c->virq] = 0;
}

/*
 * EVTCHNOP_close.  The local port is freed under d's lock alone; a peer in
 * another domain is fixed afterwards under its own lock, so two domains
 * closing their ends at once never wait for each other.
 */
int evtchn_close(struct domain *d, uint32_t port)
{
	struct evtchn c;
	struct domain *r;

	pthread_mutex_lock(&d->evtchn_lock);
	if (!evtchn_valid(d, port) || d->evtchn[port].state == ECS_FREE ||
	    d->evtchn[port].state == ECS_RESERVED) {
		pthread_mutex_unlock(&d->evtchn_lock);
		return -XEN_EINVAL;
	}
	c = d->evtchn[port];
	if (c.state == ECS_VIRQ)
		clear_virq(d, &c, port);
	if (c.state == ECS_INTERDOMAIN && c.remote_dom == d->domid)
		unlink_peer(d, c.remote_port, d->domid, port);
	free_port(d, port);
	pthread_mutex_unlock(&d->evtchn_lock);
	if (c.state != ECS_INTERDOMAIN || c.remote_dom == 0 || c.remote_dom == d->domid)
		return 0;
	r = domain_get(d->hv, c.remote_dom);
	if (r) {
		pthread_mutex_lock(&r->evtchn_lock);
		unlink_peer(r, c.remote_port, d->domid, port);
		pthread_mutex_unlock(&r->evtchn_lock);
		domain_put(r);
	}
	return 0;
}

/*
 * Signal the control domain's eventfd of a port bound to it.  The write is
 * made under d's lock: a concurrent EVTCHNOP_close closes that descriptor
 * under the same lock, and once closed its number may name anything
 * opened since (another domain's eventfd, a guest's memfd).  The eventfd
 * is non-blocking, so the lock is never held across a wait.  Returns true
 * if the port was such a port.
 */
static bool send_to_dom0(struct domain *d, uint32_t port)
{
	uint64_t one = 1;
	bool dom0;
	ssize_t n = 0;

	pthread_mutex_lock(&d->evtchn_lock);
	dom0 = d->evtchn[port].state == ECS_INTERDOMAIN && d->evtchn[port].remote_dom == 0;
	if (dom0 && d->evtchn[port].to_dom0_fd >= 0)
		n = write(d->evtchn[port].to_dom0_fd, &one, sizeof(one));
	pthread_mutex_unlock(&d->evtchn_lock);
	(void)n; /* a saturated counter: the backend has work anyway */
	return dom0;
}

/* Send on a port: Xen's evtchn_send.  Returns 0 or a negated Xen errno. */
int evtchn_send(struct domain *d, uint32_t port)
{
	struct evtchn c;
	struct domain *r;

	if (!evtchn_valid(d, port))
		return -XEN_EINVAL;
	if (send_to_dom0(d, port))
		return 0;
	pthread_mutex_lock(&d->evtchn_lock);
	c = d->evtchn[port];
	pthread_mutex_unlock(&d->evtchn_lock);
	switch (c.state) {
	case ECS_INTERDOMAIN:
		r = c.remote_dom == d->domid ? d : domain_get(d->hv, c.remote_dom);
		if (!r)
			return 0; /* the peer is gone: nothing to notify */
		pthread_mutex_lock(&r->evtchn_lock);
		if (evtchn_valid(r, c.remote_port) &&
		    r->evtchn[c.remote_port].state == ECS_INTERDOMAIN)
			evtchn_raise(r, c.remote_port, r->evtchn[c.remote_port].notify_vcpu);
		pthread_mutex_unlock(&r->evtchn_lock);
		if (r != d)
			domain_put(r);
		return 0;
	case ECS_IPI:
		evtchn_raise(d, port, c.notify_vcpu);
		return 0;
	case ECS_UNBOUND:
		return 0; /* nobody listening yet: dropped, as in Xen */
	default:
		return -XEN_EINVAL;
	}
}

/* Raise a VIRQ on a vCPU (per-vCPU virqs) or wherever it is bound (global). */
void evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
	struct domain *d = v->d;
	int port;

	pthread_mutex_lock(&d->evtchn_lock);
	port = v->virq_port[virq];
	if (!port)
		port = d->global_virq_port[virq];
	if (port && d->evtchn[port].state == ECS_VIRQ)
		evtchn_raise(d, (unsigned int)port, d->evtchn[port].notify_vcpu);
	pthread_mutex_unlock(&d->evtchn_lock);
}

/* On destroy: close every port, so peers see their channels unbound. */
void evtchn_teardown(struct domain *d)
{
	if (!d->evtchn)
		return;
	for (unsigned int p = 1; p < d->evtchn_limit; p++)
		evtchn_close(d, p); /* -EINVAL for free ports: nothing to do */
}

void evtchn_free(struct domain *d)
{
	if (!d->evtchn)
		return;
	free(d->evtchn);
	d->evtchn = NULL;
	pthread_mutex_destroy(&d->evtchn_lock);
}
