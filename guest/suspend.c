/*
 * suspend.c - SCHEDOP_shutdown(SHUTDOWN_suspend) and what a guest resumed
 * in a new domain sets up again: its ports, the grant table's frames, the
 * console ring and xenbus, from the start_info the toolstack filled in
 * afresh; and taking the toolstack's control/shutdown request.
 */
#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>
#include <ketch-guest/suspend.h>
#include <ketch-guest/xenbus.h>
#include <xen/sched.h>

int suspend_domain(void)
{
	sched_shutdown_t arg = { .reason = SHUTDOWN_suspend };
	int old = events_mask_upcalls();
	/* The x86 PV convention: start_info's frame in the third argument. */
	int rc = (int)_hypercall3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &arg,
				  virt_to_pfn(start_info));

	if (rc == 0) {
		events_resume();
		if (gnttab_resume())
			printk("suspend: the grant table could not be placed again\n");
		init_console(start_info);
		if (xenbus_resume(start_info))
			printk("suspend: xenbus did not come back\n");
	}
	events_restore_upcalls(old);
	return rc;
}

char *shutdown_request_take(void)
{
	char *v = NULL;

	if (xenbus_read(XBT_NIL, "control/shutdown", &v, NULL) || !v[0]) {
		free(v);
		return NULL;
	}
	xenbus_write(XBT_NIL, "control/shutdown", "");
	return v;
}
