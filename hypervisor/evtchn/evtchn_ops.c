/*
 * evtchn_ops.c - HYPERVISOR_event_channel_op: argument copy-in/out and the
 * EVTCHNOP_* operations with Xen's semantics and error codes.
 */
#include <stdint.h>
#include <string.h>
#include <xen/errno.h>
#include <xen/event_channel.h>

#include "hv.h"

static bool virq_is_global(uint32_t virq)
{
	return virq != VIRQ_TIMER && virq != VIRQ_DEBUG && virq != VIRQ_XENOPROF &&
	       virq != VIRQ_XENPMU;
}

int evtchn_alloc_unbound(struct domain *d, uint32_t remote, uint32_t *port)
{
	int p;

	pthread_mutex_lock(&d->evtchn_lock);
	p = evtchn_alloc_port(d);
	if (p > 0) {
		d->evtchn[p].state = ECS_UNBOUND;
		d->evtchn[p].remote_dom = remote;
		*port = (uint32_t)p;
	}
	pthread_mutex_unlock(&d->evtchn_lock);
	return p < 0 ? p : 0;
}

static long op_alloc_unbound(struct vcpu *v, void *arg_)
{
	evtchn_alloc_unbound_t *a = arg_;
	struct domain *d = v->d;
	uint32_t remote = a->remote_dom == DOMID_SELF ? d->domid : a->remote_dom;

	/* As Xen: the remote need not exist yet; bind_interdomain checks. */
	if (a->dom != DOMID_SELF && a->dom != d->domid)
		return -XEN_EPERM;
	return evtchn_alloc_unbound(d, remote, &a->port);
}

static long bind_pair(struct domain *l, struct domain *r, uint32_t rport,
		      evtchn_port_t *lport_out)
{
	struct evtchn *rc;
	int lport;

	if (!evtchn_valid(r, rport))
		return -XEN_EINVAL;
	rc = &r->evtchn[rport];
	if (rc->state != ECS_UNBOUND || rc->remote_dom != l->domid)
		return -XEN_EINVAL;
	lport = evtchn_alloc_port(l);
	if (lport < 0)
		return lport;
	l->evtchn[lport] = (struct evtchn){ .state = ECS_INTERDOMAIN,
		.remote_dom = r->domid, .remote_port = rport,
		.to_dom0_fd = -1, .from_dom0_fd = -1 };
	rc->state = ECS_INTERDOMAIN;
	rc->remote_port = (uint32_t)lport;
	*lport_out = (evtchn_port_t)lport;
	/* Xen raises the new local port so no event sent before is lost. */
	evtchn_raise(l, (unsigned int)lport, 0);
	return 0;
}

static long op_bind_interdomain(struct vcpu *v, void *arg_)
{
	evtchn_bind_interdomain_t *b = arg_;
	struct domain *l = v->d, *r;
	long rc;

	if (b->remote_dom == DOMID_SELF || b->remote_dom == l->domid)
		r = l;
	else if (b->remote_dom == 0 || !(r = domain_get(l->hv, b->remote_dom)))
		return -XEN_ESRCH;
	evtchn_lock2(l, r);
	rc = bind_pair(l, r, b->remote_port, &b->local_port);
	evtchn_unlock2(l, r);
	if (r != l)
		domain_put(r);
	return rc;
}

static long op_bind_virq(struct vcpu *v, void *arg_)
{
	evtchn_bind_virq_t *b = arg_;
	struct domain *d = v->d;
	int p;

	if (b->virq >= NR_VIRQS || (virq_is_global(b->virq) && b->vcpu != 0))
		return -XEN_EINVAL;
	if (b->vcpu >= d->nr_vcpus)
		return -XEN_ENOENT;
	pthread_mutex_lock(&d->evtchn_lock);
	if (d->vcpus[b->vcpu].virq_port[b->virq] ||
	    (virq_is_global(b->virq) && d->global_virq_port[b->virq])) {
		pthread_mutex_unlock(&d->evtchn_lock);
		return -XEN_EEXIST;
	}
	p = evtchn_alloc_port(d);
	if (p > 0) {
		d->evtchn[p].state = ECS_VIRQ;
		d->evtchn[p].virq = b->virq;
		d->evtchn[p].notify_vcpu = (uint16_t)b->vcpu;
		if (virq_is_global(b->virq))
			d->global_virq_port[b->virq] = p;
		else
			d->vcpus[b->vcpu].virq_port[b->virq] = p;
		b->port = (uint32_t)p;
	}
	pthread_mutex_unlock(&d->evtchn_lock);
	return p < 0 ? p : 0;
}

static long op_bind_ipi(struct vcpu *v, void *arg_)
{
	evtchn_bind_ipi_t *b = arg_;
	struct domain *d = v->d;
	int p;

	if (b->vcpu >= d->nr_vcpus)
		return -XEN_ENOENT;
	pthread_mutex_lock(&d->evtchn_lock);
	p = evtchn_alloc_port(d);
	if (p > 0) {
		d->evtchn[p].state = ECS_IPI;
		d->evtchn[p].notify_vcpu = (uint16_t)b->vcpu;
		b->port = (uint32_t)p;
	}
	pthread_mutex_unlock(&d->evtchn_lock);
	return p < 0 ? p : 0;
}

static long op_status(struct vcpu *v, void *arg_)
{
	evtchn_status_t *st = arg_;
	struct domain *d = v->d;
	struct evtchn c;

	if (st->dom != DOMID_SELF && st->dom != d->domid)
		return -XEN_EPERM;
	pthread_mutex_lock(&d->evtchn_lock);
	if (!evtchn_valid(d, st->port)) {
		pthread_mutex_unlock(&d->evtchn_lock);
		return -XEN_EINVAL;
	}
	c = d->evtchn[st->port];
	pthread_mutex_unlock(&d->evtchn_lock);
	memset(&st->u, 0, sizeof(st->u));
	st->vcpu = c.notify_vcpu;
	switch (c.state) {
	case ECS_UNBOUND:
		st->status = EVTCHNSTAT_unbound;
		st->u.unbound.dom = (domid_t)c.remote_dom;
		break;
	case ECS_INTERDOMAIN:
		st->status = EVTCHNSTAT_interdomain;
		st->u.interdomain.dom = (domid_t)c.remote_dom;
		st->u.interdomain.port = c.remote_port;
		break;
	case ECS_VIRQ:
		st->status = EVTCHNSTAT_virq;
		st->u.virq = c.virq;
		break;
	case ECS_IPI:
		st->status = EVTCHNSTAT_ipi;
		break;
	default:
		st->status = EVTCHNSTAT_closed;
		break;
	}
	return 0;
}

static long op_bind_vcpu(struct vcpu *v, void *arg_)
{
	evtchn_bind_vcpu_t *b = arg_;
	struct domain *d = v->d;
	struct evtchn *c;
	long rc = 0;

	if (b->vcpu >= d->nr_vcpus)
		return -XEN_ENOENT;
	pthread_mutex_lock(&d->evtchn_lock);
	if (!evtchn_valid(d, b->port)) {
		pthread_mutex_unlock(&d->evtchn_lock);
		return -XEN_EINVAL;
	}
	c = &d->evtchn[b->port];
	if ((c->state == ECS_VIRQ && virq_is_global(c->virq)) ||
	    c->state == ECS_UNBOUND || c->state == ECS_INTERDOMAIN) {
		if (c->state == ECS_VIRQ)
			d->global_virq_port[c->virq] = (int)b->port;
		c->notify_vcpu = (uint16_t)b->vcpu;
	} else {
		rc = -XEN_EINVAL;
	}
	pthread_mutex_unlock(&d->evtchn_lock);
	return rc;
}

static long op_unmask(struct vcpu *v, void *arg_)
{
	evtchn_unmask_t *u = arg_;
	struct domain *d = v->d;
	unsigned int vcpu;

	pthread_mutex_lock(&d->evtchn_lock);
	if (!evtchn_valid(d, u->port)) {
		pthread_mutex_unlock(&d->evtchn_lock);
		return -XEN_EINVAL;
	}
	vcpu = d->evtchn[u->port].notify_vcpu;
	pthread_mutex_unlock(&d->evtchn_lock);
	evtchn_unmask_port(d, u->port, vcpu);
	return 0;
}

static long op_reset(struct vcpu *v, void *arg_)
{
	evtchn_reset_t *r = arg_;
	if (r->dom != DOMID_SELF && r->dom != v->d->domid)
		return -XEN_EPERM;
	evtchn_teardown(v->d);
	return 0;
}

/* One row per command: the argument size and what to do with it. */
struct evtchnop_row {
	size_t size;
	long (*fn)(struct vcpu *v, void *arg);
	bool copy_out;
};

#define CMD(fn, type, out) { sizeof(type), fn, out }

static long op_close(struct vcpu *v, void *arg_)
{
	evtchn_close_t *c = arg_;
	return evtchn_close(v->d, c->port);
}

static long op_send(struct vcpu *v, void *arg_)
{
	evtchn_send_t *s = arg_;
	return evtchn_send(v->d, s->port);
}

static const struct evtchnop_row evtchnop_rows[] = {
	[EVTCHNOP_bind_interdomain] = CMD(op_bind_interdomain, evtchn_bind_interdomain_t, true),
	[EVTCHNOP_bind_virq] = CMD(op_bind_virq, evtchn_bind_virq_t, true),
	[EVTCHNOP_close] = CMD(op_close, evtchn_close_t, false),
	[EVTCHNOP_send] = CMD(op_send, evtchn_send_t, false),
	[EVTCHNOP_status] = CMD(op_status, evtchn_status_t, true),
	[EVTCHNOP_alloc_unbound] = CMD(op_alloc_unbound, evtchn_alloc_unbound_t, true),
	[EVTCHNOP_bind_ipi] = CMD(op_bind_ipi, evtchn_bind_ipi_t, true),
	[EVTCHNOP_bind_vcpu] = CMD(op_bind_vcpu, evtchn_bind_vcpu_t, false),
	[EVTCHNOP_unmask] = CMD(op_unmask, evtchn_unmask_t, false),
	[EVTCHNOP_reset] = CMD(op_reset, evtchn_reset_t, false),
};

long hc_event_channel_op(struct vcpu *v, const uint64_t a[6])
{
	union {
		uint8_t raw[64];
		uint64_t align;
	} arg;
	const struct evtchnop_row *c;
	long rc;

	if (a[0] >= sizeof(evtchnop_rows) / sizeof(evtchnop_rows[0]) ||
	    !evtchnop_rows[a[0]].fn)
		return -XEN_ENOSYS; /* bind_pirq, FIFO ABI: not offered */
	c = &evtchnop_rows[a[0]];
	if (gm_copy_from(v, arg.raw, a[1], c->size))
		return -XEN_EFAULT;
	rc = c->fn(v, arg.raw);
	if (rc == 0 && c->copy_out && gm_copy_to(v, a[1], arg.raw, c->size))
		return -XEN_EFAULT;
	return rc;
}
