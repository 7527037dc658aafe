/*
 * Event-channel ports: EVTCHNOP wrappers, the per-port handler table and
 * the shared_info mask/pending bits.  Scanning lives in events_dispatch.c.
 */
#include <ketch-guest/kit.h>
#include "events_internal.h"

struct gk_port gk_ports[GK_NR_EVTCHNS];
shared_info_t *gk_shared;

void init_events(void)
{
	gk_shared = start_info_shared();
	/* Xen starts PV vCPUs with upcalls masked; do not depend on it. */
	this_cpu()->vi->evtchn_upcall_mask = 1;
	barrier();
}

void events_resume(void)
{
	vcpu_info_t *vi = this_cpu()->vi;

	/* The new domain has none of our ports: forget every handler. */
	for (unsigned int p = 0; p < GK_NR_EVTCHNS; p++)
		gk_ports[p].handler = NULL;
	barrier();
	/* The toolstack masked every port (as Xen's restore does); ports bound
	 * from now on start unmasked, as in a domain that just booted. */
	memset(gk_shared->evtchn_mask, 0, sizeof(gk_shared->evtchn_mask));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/*
	 * A port raised while masked (xenstored or the console backend saying
	 * hello before we ran) has its pending bit set and nothing else, and a
	 * later send on it finds the bit set and raises nothing: deliver it
	 * now, as EVTCHNOP_unmask would, or its next event is lost.
	 */
	for (unsigned int w = 0; w < sizeof(gk_shared->evtchn_pending) / sizeof(xen_ulong_t); w++)
		if (gk_shared->evtchn_pending[w])
			gk_sync_set_bit(w, &vi->evtchn_pending_sel);
	if (vi->evtchn_pending_sel)
		vi->evtchn_upcall_pending = 1;
	this_cpu()->timer_port = 0;
}

void events_bind_port(evtchn_port_t port, unsigned int vcpu,
		      evtchn_handler_t handler, void *arg)
{
	if (port >= GK_NR_EVTCHNS)
		return;
	/* arg before handler: another vCPU may be scanning this port. */
	gk_ports[port].handler = NULL;
	barrier();
	gk_ports[port].vcpu = (uint8_t)vcpu;
	gk_ports[port].arg = arg;
	barrier();
	gk_ports[port].handler = handler;
}

/*
 * Run one binding hypercall and install the handler for the port it
 * returns before any event on it can be dispatched on this vCPU.
 */
static int bind(int cmd, void *op, evtchn_port_t *portp, unsigned int vcpu,
		evtchn_handler_t handler, void *arg)
{
	int old = events_mask_upcalls();
	int rc = HYPERVISOR_event_channel_op(cmd, op);

	if (rc == 0)
		events_bind_port(*portp, vcpu, handler, arg);
	events_restore_upcalls(old);
	return rc;
}

int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *arg,
			 evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF,
					   .remote_dom = remote };
	int rc = bind(EVTCHNOP_alloc_unbound, &op, &op.port, 0, handler, arg);

	if (rc == 0)
		*port = op.port;
	return rc;
}

int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
			    evtchn_handler_t handler, void *arg,
			    evtchn_port_t *local)
{
	struct evtchn_bind_interdomain op = { .remote_dom = remote,
					      .remote_port = remote_port };
	int rc = bind(EVTCHNOP_bind_interdomain, &op, &op.local_port, 0,
		      handler, arg);

	if (rc == 0)
		*local = op.local_port;
	return rc;
}

int evtchn_bind_virq(uint32_t virq, unsigned int vcpu, evtchn_handler_t handler,
		     void *arg, evtchn_port_t *port)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu };
	int rc = bind(EVTCHNOP_bind_virq, &op, &op.port, vcpu, handler, arg);

	if (rc == 0)
		*port = op.port;
	return rc;
}

int evtchn_bind_ipi(unsigned int vcpu, evtchn_handler_t handler, void *arg,
		    evtchn_port_t *port)
{
	struct evtchn_bind_ipi op = { .vcpu = vcpu };
	int rc = bind(EVTCHNOP_bind_ipi, &op, &op.port, vcpu, handler, arg);

	if (rc == 0)
		*port = op.port;
	return rc;
}

int evtchn_bind_vcpu(evtchn_port_t port, unsigned int vcpu)
{
	struct evtchn_bind_vcpu op = { .port = port, .vcpu = vcpu };
	int rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &op);

	if (rc == 0 && port < GK_NR_EVTCHNS)
		gk_ports[port].vcpu = (uint8_t)vcpu;
	return rc;
}

int evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };

	events_bind_port(port, 0, NULL, NULL);
	return HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

int evtchn_send(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };

	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

int evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };

	return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

void evtchn_mask(evtchn_port_t port)
{
	gk_sync_set_bit(port, gk_shared->evtchn_mask);
}

void evtchn_clear(evtchn_port_t port)
{
	gk_sync_clear_bit(port, gk_shared->evtchn_pending);
}

int evtchn_is_pending(evtchn_port_t port)
{
	return gk_test_bit(port, gk_shared->evtchn_pending);
}

int evtchn_is_masked(evtchn_port_t port)
{
	return gk_test_bit(port, gk_shared->evtchn_mask);
}
