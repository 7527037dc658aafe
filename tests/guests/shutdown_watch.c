/*
 * shutdown_watch: a guest that honours Xen's PV shutdown protocol.  It
 * connects to xenstore, watches control/shutdown and prints
 * "shutdown_watch <domid> ready".  When the toolstack writes "poweroff"
 * or "reboot" it acknowledges by clearing the node, prints
 * "shutdown_watch <domid> got <request>" and calls SCHEDOP_shutdown with
 * that reason.  With "ignore=1" on the command line it prints the request
 * but does nothing (a guest the toolstack must fall back on).  Gives up
 * after 120 s and powers off with code 1.
 */
#include <ketch-guest/kit.h>
#include <ketch-guest/xenbus.h>
#include <xen/sched.h>

#define WAIT_NS (120ull * 1000000000ull)

static void act(int domid, const char *req, int ignore)
{
	printk("shutdown_watch %d got %s\n", domid, req);
	if (ignore)
		return;
	xenbus_write(XBT_NIL, "control/shutdown", "");
	if (!strcmp(req, "poweroff"))
		shutdown(SHUTDOWN_poweroff);
	if (!strcmp(req, "reboot"))
		shutdown(SHUTDOWN_reboot);
}

int main(const start_info_t *si)
{
	int domid = HYPERVISOR_xen_version(KETCH_XENVER_domid, NULL);
	int ignore = start_info_arg_ul("ignore", 0) != 0;
	uint64_t deadline = now_ns() + WAIT_NS;
	struct xenbus_event *ev;
	int r = init_xenbus(si);

	if (r == 0)
		r = xenbus_watch("control/shutdown", "shutdown");
	if (r) {
		printk("shutdown_watch %d: no xenstore (%d)\n", domid, r);
		return 2;
	}
	printk("shutdown_watch %d ready\n", domid);
	while (xenbus_wait_event("shutdown", &ev, deadline) == 0) {
		char *v = NULL;

		free(ev);
		if (xenbus_read(XBT_NIL, "control/shutdown", &v, NULL) == 0 && v[0])
			act(domid, v, ignore);
		free(v);
	}
	printk("shutdown_watch %d: no request in time\n", domid);
	return 1;
}
