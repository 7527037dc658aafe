/*
 * Event channels, Xen's 2-level ABI: the pending and mask bitmaps in
 * shared_info, a selector word and upcall flags per vCPU in vcpu_info.
 *
 * Events reach a guest in two ways, and both end in do_events():
 *  - thread context: events_block_until() masks upcalls, scans, and
 *    sleeps in SCHEDOP_block until something is pending;
 *  - upcalls: after events_register_callback() and with upcalls unmasked
 *    (events_restore_upcalls(0)), the hypervisor enters guest/upcall.S on
 *    the interrupted stack, which calls the same scan with upcalls masked
 *    and returns through HYPERVISOR_iret.
 *
 * Handlers run with upcalls masked on the calling vCPU, one port at a time,
 * after its pending bit was cleared; a port's events are handled on the vCPU
 * it is bound to (vCPU 0 unless bound otherwise).  Handlers must not block.
 */
#ifndef KETCH_GUEST_EVENTS_H
#define KETCH_GUEST_EVENTS_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

/* Ports the 2-level ABI can name (4096 on x86-64). */
#define GK_NR_EVTCHNS EVTCHN_2L_NR_CHANNELS

/* Called for each event on port, with the arg given when it was bound. */
typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);

/* Boot: find shared_info and mask upcalls on vCPU 0 (no hypercall). */
void init_events(void);
/*
 * After a resume in a new domain (suspend_domain): no port is bound any
 * more, so every handler is forgotten, the ports unmasked and the timer's
 * VIRQ bound again on first use.  vCPU 0 only.
 */
void events_resume(void);

/*
 * EVTCHNOP_alloc_unbound: a fresh port of this domain that remote (a domid
 * or DOMID_SELF) may bind to.  handler (may be NULL) is installed before
 * the port can fire.  Returns 0 and *port, or a negative Xen errno.
 */
int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *arg,
			 evtchn_port_t *port);

/*
 * EVTCHNOP_bind_interdomain to remote_port of remote (DOMID_SELF for a
 * loopback).  Xen marks the new local port pending once on success, in case
 * notifications were sent while it was unbound; the kit delivers that event
 * like any other.  Returns 0 and *local, or a negative Xen errno.
 */
int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
			    evtchn_handler_t handler, void *arg,
			    evtchn_port_t *local);

/* EVTCHNOP_bind_virq of virq (VIRQ_*) to vcpu.  0 and *port, or -errno. */
int evtchn_bind_virq(uint32_t virq, unsigned int vcpu, evtchn_handler_t handler,
		     void *arg, evtchn_port_t *port);

/* EVTCHNOP_bind_ipi: a port whose sends notify vcpu.  0 and *port, or -errno. */
int evtchn_bind_ipi(unsigned int vcpu, evtchn_handler_t handler, void *arg,
		    evtchn_port_t *port);

/* EVTCHNOP_bind_vcpu: later events on port notify vcpu.  0 or -errno. */
int evtchn_bind_vcpu(evtchn_port_t port, unsigned int vcpu);

/* EVTCHNOP_close; the handler is removed first.  0 or a negative errno. */
int evtchn_close(evtchn_port_t port);

/* EVTCHNOP_send: notify the other end of port.  0 or a negative errno. */
int evtchn_send(evtchn_port_t port);

/*
 * EVTCHNOP_unmask: clear port's mask bit; the hypervisor raises an event
 * if the port is pending.  0 or a negative errno (-EINVAL: bad port).
 */
int evtchn_unmask(evtchn_port_t port);

/* Set port's mask bit in shared_info (no hypercall).  port < GK_NR_EVTCHNS. */
void evtchn_mask(evtchn_port_t port);

/* Clear port's pending bit, dropping an event not yet handled. */
void evtchn_clear(evtchn_port_t port);

/* Nonzero when port's pending / mask bit is set in shared_info. */
int evtchn_is_pending(evtchn_port_t port);
int evtchn_is_masked(evtchn_port_t port);

/*
 * Handle events on port (obtained outside the kit, e.g. from the command
 * line or start_info) with handler on vCPU vcpu.  handler NULL: drop them.
 */
void events_bind_port(evtchn_port_t port, unsigned int vcpu,
		      evtchn_handler_t handler, void *arg);

/*
 * Scan this vCPU's pending events and run their handlers, with upcalls
 * masked meanwhile (the previous mask is restored).  Returns the number of
 * handlers run.  Safe from thread context and from handlers.
 */
unsigned int do_events(void);

/*
 * Mask upcalls on this vCPU; returns the previous mask for
 * events_restore_upcalls().
 */
int events_mask_upcalls(void);

/*
 * Restore the upcall mask saved by events_mask_upcalls().  When that
 * unmasks, events that arrived while masked are handled before returning.
 */
void events_restore_upcalls(int old);

/*
 * Register guest/upcall.S as this vCPU's event and failsafe callbacks
 * (CALLBACKOP_register; callbacks are per vCPU).  Upcalls still arrive
 * only while unmasked.  0 or a negative Xen errno.
 */
int events_register_callback(void);

/* Nonzero once the boot vCPU registered the callback (secondaries follow). */
int events_callback_registered(void);

/*
 * Run do_events() and sleep in SCHEDOP_block until pred(arg) is true (pred
 * NULL: never) or system time reaches deadline (ns; 0: none).  A deadline
 * uses this vCPU's singleshot timer.  Returns 0 when pred held, -XEN_ETIME
 * at the deadline, or a negative errno if the timer cannot be armed.
 */
int events_block_until(int (*pred)(void *), void *arg, uint64_t deadline);

/*
 * SCHEDOP_poll: wait until one of ports[0..n) is pending or system time
 * reaches timeout (ns; 0: none), with upcalls masked.  Pending bits are left
 * for do_events().  0 or a negative Xen errno.
 */
int events_poll(evtchn_port_t *ports, unsigned int n, uint64_t timeout);

/* Events the kit dropped because their port had no handler. */
unsigned long events_unhandled(void);

#endif
