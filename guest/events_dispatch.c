/*
 * Event dispatch: Xen's 2-level scan, the upcall mask, blocking and
 * polling, and the C half of the upcall (guest/upcall.S is the other).
 *
 * Upcall scheme.  The hypervisor sets evtchn_upcall_mask when it enters
 * the callback, and the kit never clears it inside the callback: the
 * handler loop runs with upcalls masked and the callback returns through
 * HYPERVISOR_iret, which restores the mask saved in the bounce frame (via
 * RFLAGS.IF) and re-delivers at once if an event became pending meanwhile.
 * Unmasking and returning are therefore one hypercall, so there is no
 * window in which a second upcall could land on a half-unwound frame: the
 * critical-section fix-up that Mini-OS needs does not arise.  An upcall
 * cannot nest either, so handlers never run concurrently on one vCPU.
 */
#include <ketch-guest/kit.h>
#include <xen/callback.h>
#include "events_internal.h"

/* guest/upcall.S */
extern char gk_upcall_entry[], gk_failsafe_entry[];
void gk_upcall(void);
void gk_failsafe(void);

static unsigned long unhandled;
static int callback_registered;

static void dispatch(struct gk_cpu *c, evtchn_port_t port)
{
	evtchn_handler_t h = gk_ports[port].handler;

	barrier();
	if (h)
		h(port, gk_ports[port].arg);
	else
		unhandled++;
	c->handled++;
}

/* Handle the pending, unmasked ports of word w that belong to vCPU c. */
static unsigned int scan_word(struct gk_cpu *c, unsigned int w)
{
	volatile xen_ulong_t *pending = gk_shared->evtchn_pending;
	xen_ulong_t bits = pending[w] & ~gk_shared->evtchn_mask[w];
	unsigned int n = 0;

	while (bits) {
		unsigned int b = (unsigned int)__builtin_ctzl(bits);
		evtchn_port_t port = w * GK_WORD_BITS + b;

		bits &= bits - 1;
		if (gk_ports[port].vcpu != c->id)
			continue;
		/* Xen's rule: clear the pending bit, then handle. */
		if (!gk_sync_test_and_clear_bit(port, pending))
			continue;
		dispatch(c, port);
		n++;
	}
	return n;
}

/*
 * Xen's order: clear upcall_pending, take the selector with xchg, then for
 * each selected word handle pending & ~mask.  Events arriving meanwhile set
 * the selector again (we emptied it) and upcall_pending, hence the loop.
 * Caller has upcalls masked.
 */
unsigned int gk_events_scan(struct gk_cpu *c)
{
	volatile struct vcpu_info *vi = c->vi;
	unsigned int n = 0;

	while (vi->evtchn_upcall_pending) {
		vi->evtchn_upcall_pending = 0;
		xen_ulong_t sel = gk_xchg(&vi->evtchn_pending_sel, 0);

		while (sel) {
			unsigned int w = (unsigned int)__builtin_ctzl(sel);

			sel &= sel - 1;
			n += scan_word(c, w);
		}
	}
	return n;
}

int events_mask_upcalls(void)
{
	volatile struct vcpu_info *vi = this_cpu()->vi;
	int old = vi->evtchn_upcall_mask;

	vi->evtchn_upcall_mask = 1;
	barrier();
	return old;
}

void events_restore_upcalls(int old)
{
	struct gk_cpu *c = this_cpu();
	volatile struct vcpu_info *vi = c->vi;

	barrier();
	if (old) {
		vi->evtchn_upcall_mask = 1;
		return;
	}
	/*
	 * Unmask, then look again: an event that arrived while masked only
	 * left upcall_pending set.  mfence orders our store against the load
	 * (the hypervisor sets pending, then reads the mask).
	 */
	for (;;) {
		vi->evtchn_upcall_mask = 0;
		mb();
		if (!vi->evtchn_upcall_pending)
			return;
		vi->evtchn_upcall_mask = 1;
		barrier();
		gk_events_scan(c);
	}
}

unsigned int do_events(void)
{
	int old = events_mask_upcalls();
	unsigned int n = gk_events_scan(this_cpu());

	events_restore_upcalls(old);
	return n;
}

/* Called by gk_upcall_entry with upcalls masked by the hypervisor. */
void gk_upcall(void)
{
	struct gk_cpu *c = this_cpu();

	c->upcalls++;
	gk_events_scan(c);
}

void gk_failsafe(void)
{
	crash("failsafe callback entered");
}

int events_register_callback(void)
{
	struct callback_register ev = {
		.type = CALLBACKTYPE_event,
		.address = (unsigned long)gk_upcall_entry,
	};
	struct callback_register fs = {
		.type = CALLBACKTYPE_failsafe,
		.flags = CALLBACKF_mask_events,
		.address = (unsigned long)gk_failsafe_entry,
	};
	int rc = HYPERVISOR_callback_op(CALLBACKOP_register, &ev);

	if (rc < 0)
		return rc;
	rc = HYPERVISOR_callback_op(CALLBACKOP_register, &fs);
	if (rc < 0)
		return rc;
	if (smp_processor_id() == 0)
		callback_registered = 1;
	return 0;
}

int events_callback_registered(void)
{
	return callback_registered;
}

int events_block_until(int (*pred)(void *), void *arg, uint64_t deadline)
{
	struct gk_cpu *c = this_cpu();
	int old = events_mask_upcalls();
	int rc;

	for (;;) {
		gk_events_scan(c);
		if (pred && pred(arg)) {
			rc = 0;
			break;
		}
		if (deadline && now_ns() >= deadline) {
			rc = -XEN_ETIME;
			break;
		}
		if (deadline && (rc = time_arm_timer(deadline)) < 0)
			break;
		/* Unmasks upcalls; returns at once if an event is pending. */
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
		c->vi->evtchn_upcall_mask = 1;
		barrier();
	}
	events_restore_upcalls(old);
	return rc;
}

int events_poll(evtchn_port_t *ports, unsigned int n, uint64_t timeout)
{
	struct sched_poll poll = { .nr_ports = n, .timeout = timeout };
	int old = events_mask_upcalls();
	int rc;

	set_xen_guest_handle(poll.ports, ports);
	rc = HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
	events_restore_upcalls(old);
	return rc;
}

unsigned long events_unhandled(void)
{
	return unhandled;
}
