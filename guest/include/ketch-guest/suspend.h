/*
 * suspend: Xen's PV suspend, the guest's side.  The toolstack writes
 * control/shutdown = "suspend"; the guest clears the node, quiesces its
 * devices and calls suspend_domain(), which makes SCHEDOP_shutdown
 * (SHUTDOWN_suspend) with its start_info frame in rdx.  It returns once
 * the domain runs again: 0 in a new domain (restored, perhaps on another
 * host: console, xenstore, event channels, the grant table's frames and
 * timers are set up again from the new start_info here; frontends are
 * the caller's to reconnect: blkfront_resume, netfront_resume), 1 when the suspend was cancelled (the same domain goes on,
 * nothing changed), or a negative Xen errno if the hypervisor refused.
 * Call it on vCPU 0 with the other vCPUs down.
 */
#ifndef KETCH_GUEST_SUSPEND_H
#define KETCH_GUEST_SUSPEND_H

int suspend_domain(void);
/*
 * The toolstack's request in control/shutdown ("poweroff", "reboot",
 * "suspend", ...), taken: the node is cleared, as Xen's protocol asks,
 * before the guest acts on it.  NULL when there is none (or no xenstore);
 * free the string.
 */
char *shutdown_request_take(void);

#endif
