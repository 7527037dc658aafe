/*
 * evtchn_local: event channels inside one domain, checked against Xen's
 * semantics: a loopback pair (alloc_unbound + bind_interdomain to
 * DOMID_SELF), one handler call per 0->1 edge, masking, EVTCHNOP_status,
 * sends batched in a multicall,
 * IPIs, VIRQ binding errors, closing, out-of-range ports and the per-domain
 * port limit.  Exit code = number of failures.
 */
#include "verdict.h"

static domid_t self;
static unsigned long hits[GK_NR_EVTCHNS];

static void count(evtchn_port_t port, void *arg)
{
	(void)arg;
	hits[port]++;
}

static int op(int cmd, void *arg)
{
	return HYPERVISOR_event_channel_op(cmd, arg);
}

/* EVTCHNOP_status of port; *st gets the answer. */
static int status(evtchn_port_t port, struct evtchn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dom = DOMID_SELF;
	st->port = port;
	return op(EVTCHNOP_status, st);
}

static void check_status(const char *name, evtchn_port_t port,
			 uint32_t want, uint32_t peer_port)
{
	struct evtchn_status st;
	char detail[96];
	int rc = status(port, &st);
	int ok = rc == 0 && st.status == want;

	if (ok && want == EVTCHNSTAT_unbound)
		ok = st.u.unbound.dom == self;
	if (ok && want == EVTCHNSTAT_interdomain)
		ok = st.u.interdomain.dom == self &&
		     st.u.interdomain.port == peer_port;
	snprintf(detail, sizeof(detail), "rc %d status %u dom %u port %u", rc,
		 st.status, st.u.interdomain.dom, st.u.interdomain.port);
	verdict_check(ok, name, detail);
}

/* Run the handlers and say whether port's handler ran exactly want times. */
static void check_hits(const char *name, evtchn_port_t port, unsigned long want)
{
	char detail[64];

	do_events();
	snprintf(detail, sizeof(detail), "handler ran %lu times, want %lu",
		 hits[port], want);
	verdict_check(hits[port] == want, name, detail);
	hits[port] = 0;
}

/* Loopback pair a (unbound side) <-> b (bound side). */
static void loopback(evtchn_port_t *a, evtchn_port_t *b)
{
	verdict_rc("alloc_unbound(self)", evtchn_alloc_unbound(DOMID_SELF, count, NULL, a), 0);
	check_status("status unbound", *a, EVTCHNSTAT_unbound, 0);
	verdict_rc("bind_interdomain(self)",
		   evtchn_bind_interdomain(DOMID_SELF, *a, count, NULL, b), 0);
	verdict_check(*a != *b && *a != 0 && *b != 0, "loopback ports distinct", "");
	check_status("status interdomain a", *a, EVTCHNSTAT_interdomain, *b);
	check_status("status interdomain b", *b, EVTCHNSTAT_interdomain, *a);
	/* Xen conservatively marks the newly bound local port pending once. */
	check_hits("bind marks local port pending", *b, 1);
	check_hits("unbound side quiet after bind", *a, 0);
}

static void delivery(evtchn_port_t a, evtchn_port_t b)
{
	verdict_rc("send b", evtchn_send(b), 0);
	check_hits("send b -> a once", a, 1);
	check_hits("send b leaves b quiet", b, 0);
	verdict_rc("send a", evtchn_send(a), 0);
	check_hits("send a -> b once", b, 1);

	evtchn_send(b);
	evtchn_send(b);
	check_hits("two sends, one edge", a, 1);

	evtchn_mask(a);
	evtchn_send(b);
	check_hits("masked: no delivery", a, 0);
	verdict_check(evtchn_is_pending(a), "masked: stays pending", "");
	verdict_rc("unmask", evtchn_unmask(a), 0);
	verdict_check(!evtchn_is_masked(a), "unmask clears mask bit", "");
	check_hits("unmask delivers pending", a, 1);
	verdict_check(!evtchn_is_pending(a), "handled: pending cleared", "");
	check_hits("nothing left after unmask", a, 0);
}

static void closing(evtchn_port_t a, evtchn_port_t b)
{
	verdict_rc("close b", evtchn_close(b), 0);
	check_status("peer of closed port unbound", a, EVTCHNSTAT_unbound, 0);
	verdict_rc("send on unbound port dropped", evtchn_send(a), 0);
	check_hits("dropped send not delivered", a, 0);
	check_status("closed port status", b, EVTCHNSTAT_closed, 0);
	verdict_rc("send on closed port", evtchn_send(b), -XEN_EINVAL);
	verdict_rc("double close", evtchn_close(b), -XEN_EINVAL);
	verdict_rc("unmask closed port", evtchn_unmask(b), 0);
	verdict_rc("close a", evtchn_close(a), 0);
}

/* One multicall: two sends on b, a domid query and an unknown hypercall. */
static void batch(evtchn_port_t a, evtchn_port_t b)
{
	struct evtchn_send send = { .port = b };
	multicall_entry_t mc[4];
	unsigned int first_error = 0;
	char detail[96];

	multicall_set(&mc[0], __HYPERVISOR_event_channel_op, EVTCHNOP_send,
		      (unsigned long)&send, 0, 0, 0, 0);
	multicall_set(&mc[1], __HYPERVISOR_event_channel_op, EVTCHNOP_send,
		      (unsigned long)&send, 0, 0, 0, 0);
	multicall_set(&mc[2], __HYPERVISOR_xen_version, KETCH_XENVER_domid, 0, 0,
		      0, 0, 0);
	multicall_set(&mc[3], 127, 0, 0, 0, 0, 0, 0);
	verdict_rc("multicall", multicall_run(mc, 4, &first_error), 0);
	snprintf(detail, sizeof(detail), "results %ld %ld %ld %ld",
		 (long)mc[0].result, (long)mc[1].result, (long)mc[2].result,
		 (long)mc[3].result);
	verdict_check(mc[0].result == 0 && mc[1].result == 0 &&
			      mc[2].result == self &&
			      (long)mc[3].result == -XEN_ENOSYS && first_error == 3,
		      "multicall per-entry results", detail);
	check_hits("multicall sends: one edge", a, 1);
}

static void ipi(void)
{
	struct evtchn_status st;
	evtchn_port_t p = 0;

	verdict_rc("bind_ipi(0)", evtchn_bind_ipi(0, count, NULL, &p), 0);
	verdict_check(status(p, &st) == 0 && st.status == EVTCHNSTAT_ipi &&
			      st.vcpu == 0,
		      "status ipi", "");
	verdict_rc("send ipi", evtchn_send(p), 0);
	check_hits("ipi delivered once", p, 1);
	verdict_rc("bind_vcpu(ipi) refused", evtchn_bind_vcpu(p, 0), -XEN_EINVAL);
	verdict_rc("close ipi", evtchn_close(p), 0);
	verdict_rc("bind_ipi(vcpu 999)", evtchn_bind_ipi(999, count, NULL, &p),
		   -XEN_ENOENT);
}

static void virq(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_DEBUG, .vcpu = 0 };
	struct evtchn_status st;
	evtchn_port_t p;

	verdict_rc("bind_virq(DEBUG)", op(EVTCHNOP_bind_virq, &bv), 0);
	p = bv.port;
	verdict_check(status(p, &st) == 0 && st.status == EVTCHNSTAT_virq &&
			      st.u.virq == VIRQ_DEBUG,
		      "status virq", "");
	verdict_rc("bind_virq twice", op(EVTCHNOP_bind_virq, &bv), -XEN_EEXIST);
	verdict_rc("send on virq port", evtchn_send(p), -XEN_EINVAL);
	verdict_rc("close virq", evtchn_close(p), 0);

	bv.virq = NR_VIRQS;
	verdict_rc("bind_virq(NR_VIRQS)", op(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL);
	bv.virq = 0xffffffffu;
	verdict_rc("bind_virq(-1)", op(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL);
	bv.virq = VIRQ_DOM_EXC; /* global: vCPU 0 only */
	bv.vcpu = 1;
	verdict_rc("bind_virq(global, vcpu 1)", op(EVTCHNOP_bind_virq, &bv),
		   -XEN_EINVAL);
	bv.virq = VIRQ_TIMER;
	bv.vcpu = 999;
	verdict_rc("bind_virq(TIMER, vcpu 999)", op(EVTCHNOP_bind_virq, &bv),
		   -XEN_ENOENT);
}

static void bad_ports(void)
{
	struct evtchn_status st;
	struct evtchn_bind_interdomain bi = { .remote_dom = 0x7000,
					      .remote_port = 1 };
	const evtchn_port_t beyond[] = { GK_NR_EVTCHNS, 0x7fffffff, 0xffffffff };

	for (unsigned int i = 0; i < ARRAY_SIZE(beyond); i++) {
		evtchn_port_t p = beyond[i];
		char name[48];

#define BAD_PORT(what, call)                                                 \
	snprintf(name, sizeof(name), "%s(0x%x)", what, p);                 \
	verdict_rc(name, call, -XEN_EINVAL)
		BAD_PORT("send", evtchn_send(p));
		BAD_PORT("close", evtchn_close(p));
		BAD_PORT("unmask", evtchn_unmask(p));
		BAD_PORT("status", status(p, &st));
		BAD_PORT("bind_vcpu", evtchn_bind_vcpu(p, 0));
#undef BAD_PORT
	}
	verdict_check(status(0, &st) == 0 && st.status == EVTCHNSTAT_closed,
		      "port 0 reads closed", "");
	verdict_rc("close port 0", evtchn_close(0), -XEN_EINVAL);
	verdict_rc("send port 0", evtchn_send(0), -XEN_EINVAL);
	verdict_rc("bind_interdomain(no such domain)",
		   op(EVTCHNOP_bind_interdomain, &bi), -XEN_ESRCH);
	bi.remote_dom = DOMID_SELF;
	bi.remote_port = 0;
	verdict_rc("bind_interdomain(self, port 0)",
		   op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL);
}

static void bind_vcpu(void)
{
	evtchn_port_t p;

	verdict_rc("alloc for bind_vcpu", evtchn_alloc_unbound(DOMID_SELF, count, NULL, &p), 0);
	verdict_rc("bind_vcpu(unbound, 0)", evtchn_bind_vcpu(p, 0), 0);
	verdict_rc("bind_vcpu(unbound, 999)", evtchn_bind_vcpu(p, 999), -XEN_ENOENT);
	evtchn_close(p);
}

/* Allocate until -ENOSPC, then EVTCHNOP_reset frees everything. */
static void limit(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_reset rs = { .dom = DOMID_SELF };
	struct evtchn_status st;
	unsigned long n = 0, first = 0, last = 0;
	int rc;

	while ((rc = op(EVTCHNOP_alloc_unbound, &au)) == 0 && n < 2 * GK_NR_EVTCHNS) {
		if (n++ == 0)
			first = au.port;
		last = au.port;
	}
	printk("evtchn_local port limit: %lu ports allocated, last %lu\n", n, last);
	verdict_rc("alloc until ENOSPC", rc, -XEN_ENOSPC);
	verdict_check(n > 0 && last < GK_NR_EVTCHNS, "ports below 2-level limit", "");
	verdict_rc("send beyond limit", evtchn_send((evtchn_port_t)last + 1),
		   -XEN_EINVAL);
	verdict_rc("EVTCHNOP_reset(self)", op(EVTCHNOP_reset, &rs), 0);
	verdict_check(status((evtchn_port_t)first, &st) == 0 &&
			      st.status == EVTCHNSTAT_closed,
		      "reset closed the ports", "");
	verdict_rc("alloc after reset", op(EVTCHNOP_alloc_unbound, &au), 0);
	evtchn_close(au.port);
}

int main(const start_info_t *si)
{
	evtchn_port_t a, b;
	unsigned long unhandled;

	(void)si;
	do_events(); /* a backend may have signalled start_info's ports */
	unhandled = events_unhandled();
	self = (domid_t)HYPERVISOR_xen_version(KETCH_XENVER_domid, NULL);
	loopback(&a, &b);
	delivery(a, b);
	batch(a, b);
	closing(a, b);
	ipi();
	virq();
	bad_ports();
	bind_vcpu();
	limit();
	verdict_check(events_unhandled() == unhandled,
		      "no event without a handler", "");
	return verdict_done("evtchn_local");
}
